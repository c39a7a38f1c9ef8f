/*
 * bench/sweep_merge.c — `ldomsim merge`: the points of several sweep folders
 * joined into one (see bench_sweep_merge in sweep.h).
 */
#define _GNU_SOURCE
#include "bench/sweep_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/sweep_io.h"
#include "util/atomic.h"
#include "util/errf.h"
#include "util/file.h"
#include "util/stats.h"

/* Sorted distinct values in v[0..k) (in place); the new count. */
static size_t uniq_u32(uint32_t *v, size_t k)
{
	size_t m = 0;
	qsort(v, k, sizeof *v, util_cmp_u32);
	for (size_t i = 0; i < k; i++)
		if (!m || v[m - 1] != v[i])
			v[m++] = v[i];
	return m;
}

/* A copy of file from into to (atomically); 0 if from does not exist. */
static int copy_file(const char *from, const char *to, char *err, size_t n)
{
	uint8_t *buf;
	size_t len;
	int rc = util_read_file(from, &buf, &len);
	if (rc == UTIL_E_OPEN)
		return 0;
	if (rc) {
		util_errf(err, n, "%s: %s", from,
		          rc == UTIL_E_NOMEM ? "out of memory" : strerror(errno));
		return -1;
	}
	rc = util_write_atomic(to, buf, len, err, n);
	free(buf);
	return rc;
}

/* 1 when a and b name the same existing folder. */
static int same_dir(const char *a, const char *b)
{
	struct stat x, y;
	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int bench_sweep_merge(const char *const *dirs, size_t ndirs, const char *out, int force,
                      const char *scripts, FILE *progress, char *err, size_t n)
{
	json_t **docs = calloc(ndirs ? ndirs : 1, sizeof *docs), *first = NULL, *who = NULL;
	struct bench_pt *pts = NULL;
	uint32_t *present = NULL, *add = NULL;
	const char **sets = NULL;
	size_t np = 0, cap = 0, nsets = 0;
	int rc = -1, sig = 0, blocked = 0;
	double t0 = bench_sweep__now_s();
	struct bench_sweep_cfg cfg = {.dir = out, .scripts = scripts, .jobs = 1};
	sigset_t stop, mask;
	if (!docs || !ndirs || !out) {
		util_errf(err, n, "merge: one or more sweep folders and -o are required");
		goto out;
	}
	for (size_t d = 0; d < ndirs; d++)
		if (same_dir(out, dirs[d])) {
			util_errf(err, n, "-o %s: is the sweep folder %s being merged", out,
			          dirs[d]);
			goto out;
		}
	if (bench_out_prepare("-o", out, force, err, n))
		goto out;
	for (size_t d = 0; d < ndirs; d++) {
		char *plan = bench_strf("%s/plan.json", dirs[d]);
		char *sum = bench_strf("%s/summary.json", dirs[d]);
		const char *from = plan && bench_is_file(plan) ? plan : sum;
		docs[d] = from ? bench_read_json(from, err, n) : NULL;
		if (!docs[d]) {
			if (from)
				util_errf(err, n,
				          "%s: neither plan.json nor summary.json is readable",
				          dirs[d]);
			free(plan);
			free(sum);
			goto out;
		}
		json_t *c = json_object_get(docs[d], "config");
		json_t *tr = json_object_get(c, "traces");
		if (!json_is_object(c) || !json_is_array(tr) ||
		    !json_is_string(json_object_get(c, "shape"))) {
			util_errf(err, n, "%s: no config.shape / config.traces", from);
			free(plan);
			free(sum);
			goto out;
		}
		if (!first) {
			first = c;
		} else {
			static const char *const same[] = {"shape", "remove", "set", "guest",
			                                   "memory_model"};
			for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
				json_t *x = json_object_get(first, same[k]),
				       *y = json_object_get(c, same[k]);
				/* memory_model: absent (before 1.4 results) is off */
				int differ = !strcmp(same[k], "memory_model")
				                 ? json_is_true(x) != json_is_true(y)
				             : !x || json_is_null(x) ? y && !json_is_null(y)
				                                     : !json_equal(x, y);
				if (differ) {
					util_errf(err, n, "%s: config.%s differs from %s's", from,
					          same[k], dirs[0]);
					free(plan);
					free(sum);
					goto out;
				}
			}
		}
		size_t i;
		json_t *t;
		json_array_foreach(tr, i, t)
		{
			const char *name = json_string_value(json_object_get(t, "point"));
			const char *trace = json_string_value(json_object_get(t, "trace"));
			json_t *jp = json_object_get(t, "present"), *ja = json_object_get(t, "add");
			if (!name || !trace || !json_is_integer(jp) || !json_is_integer(ja) ||
			    strlen(name) >= sizeof pts->name) {
				util_errf(err, n, "%s: config.traces[%zu]: bad point", from, i);
				free(plan);
				free(sum);
				goto out;
			}
			for (size_t k = 0; k < np; k++)
				if (!strcmp(pts[k].name, name)) {
					util_errf(err, n,
					          "point %s is in two folders (the second: %s)",
					          name, dirs[d]);
					free(plan);
					free(sum);
					goto out;
				}
			if (np == cap) {
				size_t nc = cap ? 2 * cap : 64;
				struct bench_pt *np2 = realloc(pts, nc * sizeof *pts);
				if (np2)
					pts = np2;
				uint32_t *p2 = realloc(present, nc * sizeof *present);
				if (p2)
					present = p2;
				uint32_t *a2 = realloc(add, nc * sizeof *add);
				if (a2)
					add = a2;
				if (!np2 || !p2 || !a2) {
					util_errf(err, n, "out of memory");
					free(plan);
					free(sum);
					goto out;
				}
				cap = nc;
			}
			struct bench_pt *p = &pts[np];
			memset(p, 0, sizeof *p);
			snprintf(p->name, sizeof p->name, "%s", name);
			p->present = present[np] = (uint32_t)json_integer_value(jp);
			p->add = add[np] = (uint32_t)json_integer_value(ja);
			p->trace = trace[0] == '/' ? bench_strf("%s", trace)
			                           : bench_strf("%s/%s", dirs[d], trace);
			p->result = bench_strf("%s/points/%s.json", out, name);
			p->log = bench_strf("%s/points/%s.log", out, name);
			p->logtmp = bench_strf("%s/points/%s.log.merge-none", out, name);
			p->tracedir =
			    bench_strf("%s/points/%s.json", dirs[d], name); /* the source */
			p->exit_status = -1;
			p->merged = 1;
			snprintf(p->sha256, sizeof p->sha256, "%s",
			         json_string_value(json_object_get(t, "sha256"))
			             ? json_string_value(json_object_get(t, "sha256"))
			             : "");
			np++;
			if (!p->trace || !p->result || !p->log || !p->logtmp || !p->tracedir) {
				util_errf(err, n, "out of memory");
				free(plan);
				free(sum);
				goto out;
			}
		}
		free(plan);
		free(sum);
	}
	if (!np) {
		util_errf(err, n, "merge: the folders hold no points");
		goto out;
	}
	cfg.shape = json_string_value(json_object_get(first, "shape"));
	cfg.remove = (uint32_t)json_integer_value(json_object_get(first, "remove"));
	/* 1.1 records the version and hash of the binary that ran the points:
	 * carried over; 1.0 recorded its path: the identity of the binary
	 * found there now. */
	if (json_object_get(first, "ldomsim_sha256")) {
		who = json_pack("{sOsO}", "ldomsim", json_object_get(first, "ldomsim"),
		                "ldomsim_sha256", json_object_get(first, "ldomsim_sha256"));
		cfg.ldomsim_id = who;
	} else {
		cfg.ldomsim = json_string_value(json_object_get(first, "ldomsim"));
	}
	cfg.guest = json_string_value(json_object_get(first, "guest"));
	cfg.memory_model = json_is_true(json_object_get(first, "memory_model"));
	json_t *js = json_object_get(first, "set");
	nsets = json_array_size(js);
	sets = calloc(nsets ? nsets : 1, sizeof *sets);
	if (!sets) {
		util_errf(err, n, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nsets; i++)
		sets[i] = json_string_value(json_array_get(js, i));
	cfg.sets = sets;
	cfg.nsets = nsets;
	cfg.present = present;
	cfg.npresent = uniq_u32(present, np);
	cfg.add = add;
	cfg.nadd = uniq_u32(add, np);
	if (bench_sweep__mkdirs(&cfg, err, n))
		goto out;
	/* Stop signals wait between files, so that none is cut half-written. */
	bench_sweep__stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &mask);
	blocked = 1;
	for (size_t i = 0; i < np && !(sig = bench_sweep__take_stop(&stop, 0)); i++) {
		struct bench_pt *p = &pts[i];
		char *srclog = bench_strf("%.*s.log", (int)(strlen(p->tracedir) - 5), p->tracedir);
		if (!srclog || copy_file(p->tracedir, p->result, err, n) ||
		    copy_file(srclog, p->log, err, n)) {
			free(srclog);
			goto out;
		}
		free(srclog);
		bench_sweep__finish_point(&cfg, p, NULL);
	}
	if (sig || (sig = bench_sweep__take_stop(&stop, 0))) {
		util_errf(err, n,
		          "stopped by SIG%s: %s holds the points copied so far and no "
		          "summary.json (to start again: --force)",
		          sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", out);
		rc = 128 + sig;
		goto out;
	}
	if (progress)
		fprintf(progress, "merge: %zu points from %zu folders into %s\n", np, ndirs, out);
	rc = bench_sweep__summarize(&cfg, pts, np, progress, t0, err, n);
	if (rc >= 0 && (sig = bench_sweep__take_stop(&stop, 0))) {
		util_errf(err, n,
		          "stopped by SIG%s after %s/summary.json was written (the plots may "
		          "be missing)",
		          sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", out);
		rc = 128 + sig;
	}
out:
	if (blocked)
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
	for (size_t i = 0; i < np; i++)
		bench_sweep__pt_free(&pts[i]);
	free(pts);
	free(present);
	free(add);
	free(sets);
	json_decref(who);
	for (size_t d = 0; docs && d < ndirs; d++)
		json_decref(docs[d]);
	free(docs);
	return rc;
}
