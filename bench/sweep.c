/*
 * bench/sweep.c — see sweep.h. The sweep's steps: the point lists, the
 * traces (generated in-process, trace_gen), the summary and its fits. The
 * points run in sweep_pool.c, --emit-jobs is sweep_jobs.c, merge is
 * sweep_merge.c.
 */
#define _GNU_SOURCE
#include "util/file.h"
#include "bench/memory.h"
#include "bench/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/fit.h"
#include "bench/plot.h"
#include "bench/run.h"
#include "bench/sweep_impl.h"
#include "bench/sweep_io.h"
#include "traces/trace.h"
#include "traces/trace_gen.h"
#include "util/errf.h"
#include "util/stats.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		util_errf(err, n, __VA_ARGS__);                                                    \
		return -1;                                                                         \
	} while (0)

/* ---- lists ---- */

static int parse_num(const char *s, char **end, uint32_t *v)
{
	unsigned long x;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoul(s, end, 10);
	if (errno || x < 1 || x > TRACE_MAX_CPUS)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int bench_sweep_parse_list(const char *opt, const char *s, uint32_t *out, size_t max, size_t *count,
                           char *err, size_t n)
{
	const char *p = s;
	size_t k = 0;
	while (*p) {
		uint32_t a, b, step = 1;
		char *end;
		if (parse_num(p, &end, &a))
			goto bad;
		b = a;
		if (*end == '-') {
			if (parse_num(end + 1, &end, &b) || b < a)
				goto bad;
			if (*end == ':' && parse_num(end + 1, &end, &step))
				goto bad;
		}
		for (uint64_t v = a; v <= b; v += step) {
			if (k == max)
				FAIL("%s: more than %zu values in '%s'", opt, max, s);
			out[k++] = (uint32_t)v;
		}
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	if (!k)
		goto bad;
	qsort(out, k, sizeof *out, util_cmp_u32);
	*count = 0;
	for (size_t i = 0; i < k; i++)
		if (!*count || out[*count - 1] != out[i])
			out[(*count)++] = out[i];
	return 0;
bad:
	FAIL("%s: expected a list of numbers 1..%u like 16,32 or 8-64:8, got '%s'", opt,
	     TRACE_MAX_CPUS, s);
}

/* ---- summary ---- */

int bench_summary_check(const json_t *doc, const char *file, char *err, size_t n)
{
	const json_t *v, *row, *m;
	size_t i;
	if (bench_check_version(doc, file, BENCH_SWEEP_FORMAT, BENCH_SWEEP_MAJOR, "summary", err,
	                        n))
		return -1;
	if (!json_is_array(json_object_get(doc, "points")))
		FAIL("%s: $.points: expected an array", file);
	json_array_foreach(json_object_get(doc, "points"), i, row)
	{
		static const char *const counts[] = {"present", "add"};
		const char *name;
		v = json_object_get(row, "shape");
		if (!json_is_string(v) || strlen(json_string_value(v)) >= 32)
			FAIL("%s: $.points[%zu].shape: expected a shape name", file, i);
		for (size_t k = 0; k < 2; k++)
			if (!bench_is_count(json_object_get(row, counts[k])))
				FAIL("%s: $.points[%zu].%s: expected a number of strands", file, i,
				     counts[k]);
		if (!json_is_boolean(json_object_get(row, "ok")))
			FAIL("%s: $.points[%zu].ok: expected true or false", file, i);
		if (!json_is_string(json_object_get(row, "verdict")))
			FAIL("%s: $.points[%zu].verdict: expected a string", file, i);
		v = json_object_get(row, "result_version");
		if (v && (!bench_is_count(json_array_get(v, 0)) ||
		          json_integer_value(json_array_get(v, 0)) != BENCH_RESULT_MAJOR))
			FAIL("%s: $.points[%zu].result_version: result version %lld.%lld is "
			     "another major version (this ldomsim reads %d.x)",
			     file, i, (long long)json_integer_value(json_array_get(v, 0)),
			     (long long)json_integer_value(json_array_get(v, 1)),
			     BENCH_RESULT_MAJOR);
		if (!json_is_object(json_object_get(row, "metrics")))
			FAIL("%s: $.points[%zu].metrics: expected an object", file, i);
		json_object_foreach(json_object_get(row, "metrics"), name,
		                    m) if (!json_is_integer(m))
		    FAIL("%s: $.points[%zu].metrics.%s: expected an integer", file, i, name);
	}
	return 0;
}

/* The cost a fit describes: the topology update when the results measure
 * it, else the whole configure request. */
static const char *fit_metric(const json_t *points)
{
	const json_t *row;
	size_t i;
	json_array_foreach(points, i, row) if (json_object_get(json_object_get(row, "metrics"),
	                                                       "topology_ns")) return "topology_ns";
	return "request_ns";
}

json_t *bench_sweep_fits(const json_t *points)
{
	json_t *fits = json_array();
	const char *metric = fit_metric(points);
	size_t npts = json_array_size(points);
	double *x = calloc(npts + 1, sizeof *x), *y = calloc(npts + 1, sizeof *y);
	json_int_t prev_add = -1;
	for (;;) {
		/* The smallest batch size above prev_add. */
		json_int_t add = -1;
		const json_t *row;
		size_t i, k = 0;
		json_array_foreach(points, i, row)
		{
			json_int_t a = json_integer_value(json_object_get(row, "add"));
			if (a > prev_add && (add < 0 || a < add))
				add = a;
		}
		if (add < 0 || !x || !y)
			break;
		json_array_foreach(points, i, row)
		{
			const json_t *v = json_object_get(json_object_get(row, "metrics"), metric);
			if (json_integer_value(json_object_get(row, "add")) != add || !v ||
			    !json_is_true(json_object_get(row, "ok")))
				continue;
			x[k] = (double)json_integer_value(json_object_get(row, "present"));
			y[k++] = (double)json_integer_value(v);
		}
		struct bench_fit f;
		if (!bench_fit_power(x, y, k, &f))
			json_array_append_new(
			    fits, json_pack("{sIsssfsfsfsI}", "add", add, "metric", metric,
			                    "exponent", f.exponent, "coefficient", f.coefficient,
			                    "r2", f.r2, "points", (json_int_t)f.n));
		prev_add = add;
	}
	free(x);
	free(y);
	return fits;
}

/* ---- the sweep ---- */

/* 0, -1 with err, or a stop signal that arrived (taken). */
static int gen_traces(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                      const sigset_t *stop, char *err, size_t n)
{
	for (size_t i = 0; i < np; i++) {
		int sig = bench_sweep__take_stop(stop, 0);
		if (sig)
			return sig;
		struct bench_pt *p = &pts[i];
		char present[16];
		struct trace_gen_opts o = {
		    .shape = cfg->shape, .present = present, .add = p->add, .remove = cfg->remove};
		struct trace_error te;
		struct trace *t;
		snprintf(present, sizeof present, "%u", p->present);
		if (trace_gen(&o, p->tracedir, &te))
			FAIL("--shape %s --present %u --add %u%s: %s", cfg->shape, p->present,
			     p->add, cfg->remove ? " --remove" : "", te.msg);
		if (trace_load(p->trace, &t, &te))
			FAIL("%s: %s", p->trace, te.msg);
		snprintf(p->sha256, sizeof p->sha256, "%s", trace_sha256_hex(t));
		trace_free(t);
	}
	return 0;
}

static json_t *u32_list(const uint32_t *v, size_t k)
{
	json_t *a = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *bench_sweep__config_json(const struct bench_sweep_cfg *cfg, const struct bench_pt *pts,
                                 size_t np)
{
	json_t *traces = json_array();
	for (size_t i = 0; i < np; i++)
		json_array_append_new(traces,
		                      json_pack("{sssssIsIss}", "point", pts[i].name, "trace",
		                                bench_sweep__rel(cfg, pts[i].trace), "present",
		                                (json_int_t)pts[i].present, "add",
		                                (json_int_t)pts[i].add, "sha256", pts[i].sha256));
	json_t *c = json_object();
	json_object_set_new(c, "shape", json_string(cfg->shape));
	json_object_set_new(c, "present", u32_list(cfg->present, cfg->npresent));
	json_object_set_new(c, "add", u32_list(cfg->add, cfg->nadd));
	json_object_set_new(c, "remove", json_integer(cfg->remove));
	json_object_set_new(c, "jobs", json_integer(cfg->jobs));
	json_t *who = cfg->ldomsim_id ? json_deep_copy(cfg->ldomsim_id)
	                              : bench_sweep__ldomsim_identity(cfg->ldomsim);
	json_object_update(c, who);
	json_decref(who);
	json_t *sets = json_array();
	for (size_t i = 0; i < cfg->nsets; i++)
		json_array_append_new(sets, json_string(cfg->sets[i]));
	json_object_set_new(c, "set", sets);
	json_object_set_new(c, "guest", cfg->guest ? json_string(cfg->guest) : json_null());
	json_object_set_new(c, "memory_model", json_boolean(cfg->memory_model));
	json_object_set_new(c, "traces", traces);
	return c;
}

int bench_sweep__mkdirs(const struct bench_sweep_cfg *cfg, char *err, size_t n)
{
	static const char *const sub[] = {"", "/traces", "/points", "/plots"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		char *d = bench_strf("%s%s", cfg->dir, sub[i]);
		int rc = d ? util_mkdir_p(d) : -1;
		if (rc) {
			util_errf(err, n, "%s: cannot create the folder: %s", d ? d : cfg->dir,
			          strerror(errno));
			free(d);
			return -1;
		}
		free(d);
	}
	return 0;
}

/* Rows, fits, DIR/summary.json (before the plots, so the numbers survive a
 * plotting failure), then the plots. 0 all ok, 1 a point or a plot failed,
 * -1 the summary could not be written. */
int bench_sweep__summarize(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                           FILE *progress, double t0, char *err, size_t n)
{
	json_t *summary, *rows = json_array(), *timing = json_object(), *plots = NULL, *sim;
	char *path = bench_strf("%s/summary.json", cfg->dir), perr[1024] = "";
	size_t failed = 0;
	int rc = -1;
	for (size_t i = 0; i < np; i++) {
		json_array_append(rows, pts[i].row);
		json_object_set_new(timing, pts[i].name, json_real(pts[i].seconds));
		failed += !json_is_true(json_object_get(pts[i].row, "ok"));
	}
	summary =
	    json_pack("{sss[ii]sososo}", "format", BENCH_SWEEP_FORMAT, "version", BENCH_SWEEP_MAJOR,
	              BENCH_SWEEP_MINOR, "config", bench_sweep__config_json(cfg, pts, np), "points",
	              rows, "fits", bench_sweep_fits(rows));
	sim = json_pack("{sfso}", "host_seconds", bench_sweep__now_s() - t0, "points", timing);
	if (!summary || !path || !sim) {
		util_errf(err, n, "%s: out of memory", cfg->dir);
		goto out;
	}
	json_object_set(summary, "simulator", sim);
	if (bench_write_json_atomic(path, summary, err, n))
		goto out;
	if (cfg->scripts) {
		int prc =
		    bench_plot_sweep(cfg->dir, summary, cfg->scripts, &plots, perr, sizeof perr);
		json_object_del(summary, "simulator");
		json_object_set_new(summary, "plots", plots ? plots : json_array());
		json_object_set_new(sim, "host_seconds", json_real(bench_sweep__now_s() - t0));
		json_object_set(summary, "simulator", sim);
		if (bench_write_json_atomic(path, summary, err, n))
			goto out;
		if (prc && !perr[0])
			snprintf(perr, sizeof perr, "plots: failed");
	}
	if (failed) {
		util_errf(err, n, "%zu of %zu points failed (see %s)", failed, np, path);
		rc = 1;
	} else if (perr[0]) {
		util_errf(err, n, "%s", perr);
		rc = 1;
	} else {
		rc = 0;
	}
	if (progress)
		fprintf(progress, "sweep: %zu points, %zu failed, %.1f s; %s\n", np, failed,
		        bench_sweep__now_s() - t0, path);
out:
	free(path);
	json_decref(summary);
	json_decref(sim);
	return rc;
}

/* A word for sh, single-quoted. */
int bench_sweep(const struct bench_sweep_cfg *cfg, FILE *progress, int bar, char *err, size_t n)
{
	size_t np = cfg->npresent * cfg->nadd, nstopped = 0;
	struct bench_pt *pts;
	int rc = -1, sig;
	double t0 = bench_sweep__now_s();
	sigset_t stop, mask;
	if (!cfg->shape || !np || !cfg->jobs || !cfg->dir || !cfg->ldomsim)
		FAIL("sweep: --shape, --present, --add, --jobs >= 1 and -o are required");
	if (cfg->nsets > BENCH_SWEEP_MAX_SETS)
		FAIL("--set: more than %d overrides", BENCH_SWEEP_MAX_SETS);
	if (access(cfg->ldomsim, X_OK))
		FAIL("%s: not an executable ldomsim: %s", cfg->ldomsim, strerror(errno));
	if (cfg->remove && cfg->remove > cfg->add[0])
		FAIL("--remove %u: more than the smallest --add (%u)", cfg->remove, cfg->add[0]);
	for (size_t i = 0; i < cfg->nsets && !cfg->memory_model; i++) {
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(cfg->sets[i], "="), cfg->sets[i]);
		if (bench_mem_param_by_name(name))
			FAIL("--set %s: a latency of the memory model, which is off (add "
			     "--memory-model on)",
			     name);
	}
	{
		/* Every point runs `ldomsim run --guest ...`: its checks of the
		 * guest, once, before any point (the caller checked the --set
		 * strings with the typed parse, cli/options.h). */
		struct bench_run_cfg rc_cfg;
		bench_run_cfg_default(&rc_cfg);
		rc_cfg.image = cfg->guest;
		if (bench_run_check_cfg(&rc_cfg, err, n) ||
		    (!cfg->no_snapshot && bench_run_snap_check_dir(cfg->snapshot_dir, err, n)))
			return -1;
	}
	if (bench_out_prepare("-o", cfg->dir, cfg->force, err, n) ||
	    bench_sweep__mkdirs(cfg, err, n))
		return -1;
	pts = calloc(np, sizeof *pts);
	if (!pts)
		FAIL("%s: out of memory", cfg->dir);
	bench_sweep__stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &mask);
	for (size_t i = 0; i < cfg->npresent; i++)
		for (size_t k = 0; k < cfg->nadd; k++) {
			struct bench_pt *p = &pts[i * cfg->nadd + k];
			double s = (double)(cfg->present[i] + cfg->add[k]) / 256.0;
			p->present = cfg->present[i];
			p->add = cfg->add[k];
			snprintf(p->name, sizeof p->name, "p%u-a%u", p->present, p->add);
			p->tracedir = bench_strf("%s/traces/%s", cfg->dir, p->name);
			p->trace = bench_strf("%s/traces/%s/trace.json", cfg->dir, p->name);
			p->result = bench_strf("%s/points/%s.json", cfg->dir, p->name);
			p->log = bench_strf("%s/points/%s.log", cfg->dir, p->name);
			p->logtmp = bench_strf("%s/points/%s.log.tmp", cfg->dir, p->name);
			p->weight = 1.0 + s * s + (double)p->add / 64.0;
			p->exit_status = -1;
			if (!p->tracedir || !p->trace || !p->result || !p->log || !p->logtmp) {
				util_errf(err, n, "%s: out of memory", cfg->dir);
				goto out;
			}
		}
	if (progress)
		fprintf(progress, "sweep: %s, %zu points, %u jobs, traces in %s/traces\n",
		        cfg->shape, np, cfg->jobs, cfg->dir);
	if ((sig = gen_traces(cfg, pts, np, &stop, err, n)) < 0)
		goto out;
	if (sig)
		goto stopped;
	if (cfg->emit_jobs) {
		rc = bench_sweep__emit_jobs(cfg, pts, np, progress, err, n);
		goto out;
	}
	if ((sig = bench_sweep__run_points(cfg, pts, np, progress, bar, &stop, &mask, &nstopped)))
		goto stopped;
	rc = bench_sweep__summarize(cfg, pts, np, progress, t0, err, n);
	if (rc >= 0 && (sig = bench_sweep__take_stop(&stop, 0))) {
		util_errf(
		    err, n,
		    "stopped by SIG%s after %s/summary.json was written (the plots may be missing)",
		    sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal", cfg->dir);
		rc = 128 + sig;
	}
	goto out;
stopped:
	util_errf(err, n,
	          "stopped by SIG%s: %zu running point%s ended, temporary files removed; %s holds "
	          "the points that finished and no summary.json (to start again: --force)",
	          sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", nstopped, nstopped == 1 ? "" : "s",
	          cfg->dir);
	rc = 128 + sig;
out:
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	for (size_t i = 0; i < np; i++)
		bench_sweep__pt_free(&pts[i]);
	free(pts);
	return rc;
}
