/*
 * bench/sweep.c — see sweep.h. Traces are generated in-process (trace_gen);
 * each point runs as `ldomsim run TRACE --json RESULT` in a child process,
 * so a point that crashes or hangs takes nothing else down.
 */
#define _GNU_SOURCE
#include "bench/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/fit.h"
#include "bench/plot.h"
#include "bench/run.h"
#include "bench/sweep_io.h"
#include "bench/sweep_result.h"
#include "traces/trace.h"
#include "traces/trace_gen.h"
#include "util/atomic.h"
#include "util/errf.h"
#include "util/file.h"

extern char **environ;

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		util_errf(err, n, __VA_ARGS__);                                                    \
		return -1;                                                                         \
	} while (0)

/* ---- lists ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

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
	qsort(out, k, sizeof *out, cmp_u32);
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

/* ---- running points ---- */

enum pt_state { PT_WAITING, PT_RUNNING, PT_DONE };

struct pt {
	uint32_t present, add;
	char name[32];          /* p<present>-a<add> */
	char *tracedir, *trace; /* DIR/traces/NAME/, its trace.json */
	char *result, *log, *logtmp;
	char sha256[65];
	double weight; /* relative cost, for the order and the ETA */
	enum pt_state state;
	pid_t pid;
	int exit_status; /* -1: did not exit (signal, or not started) */
	int signal;
	double t0, seconds; /* host time */
	json_t *row;        /* summary row */
	int merged;         /* run elsewhere (merge): exit status unknown */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pt_free(struct pt *p)
{
	free(p->tracedir);
	free(p->trace);
	free(p->result);
	free(p->log);
	free(p->logtmp);
	json_decref(p->row);
}

/* The signals that stop a sweep (bench_sweep in sweep.h). */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* A stop signal that arrived, taken, waiting up to ns for one; 0: none. */
static int take_stop(const sigset_t *stop, long long ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	int sig = sigtimedwait(stop, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* mask: the signal mask the point's process starts with (the caller's). */
static int spawn_point(const struct bench_sweep_cfg *cfg, struct pt *p, const sigset_t *mask,
                       char *why, size_t wn)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[8 + 2 * BENCH_SWEEP_MAX_SETS] = {(char *)cfg->ldomsim, "run", p->trace, "--json",
	                                            p->result};
	size_t a = 5;
	for (size_t i = 0; i < cfg->nsets && i < BENCH_SWEEP_MAX_SETS; i++) {
		argv[a++] = "--set";
		argv[a++] = (char *)cfg->sets[i];
	}
	if (cfg->guest) {
		argv[a++] = "--guest";
		argv[a++] = (char *)cfg->guest;
	}
	int fd, rc;
	unlink(p->result); /* a stale result of an earlier sweep must not count */
	fd = open(p->logtmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		util_errf(why, wn, "%s: cannot create: %s", p->logtmp, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, mask);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&p->pid, cfg->ldomsim, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (rc) {
		util_errf(why, wn, "cannot start %s: %s", cfg->ldomsim, strerror(rc));
		return -1;
	}
	return 0;
}

/* The last non-empty line of a file (what a failing run said last). */
static void last_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(out, n, "%s", line);
	}
	fclose(f);
}

/* path relative to the sweep folder when inside it, else as it is. */
static const char *rel(const struct bench_sweep_cfg *cfg, const char *path)
{
	size_t k = strlen(cfg->dir);
	return !strncmp(path, cfg->dir, k) && path[k] == '/' ? path + k + 1 : path;
}

/* The summary row of a finished point (why: a start-up failure, or NULL). */
static void finish_point(const struct bench_sweep_cfg *cfg, struct pt *p, const char *why)
{
	char err[1024], verdict[1200], said[512];
	json_t *doc = NULL, *metrics = NULL, *version = NULL;
	int ok = 0;
	if (!why)
		util_commit(p->logtmp, p->log, NULL, 0); /* no log is no verdict */
	if (why) {
		snprintf(verdict, sizeof verdict, "%s", why);
	} else if (!bench_is_file(p->result)) {
		last_line(p->log, said, sizeof said);
		if (p->merged)
			snprintf(verdict, sizeof verdict,
			         "no result: its job did not run or wrote none%s%s",
			         said[0] ? ": " : "", said);
		else if (p->signal)
			snprintf(verdict, sizeof verdict,
			         "ldomsim run was killed by signal %d (%s)%s%s", p->signal,
			         strsignal(p->signal), said[0] ? ": " : "", said);
		else
			snprintf(verdict, sizeof verdict,
			         "ldomsim run exited with status %d and wrote no result%s%s",
			         p->exit_status, said[0] ? ": " : "", said);
	} else if (!(doc = bench_read_json(p->result, err, sizeof err)) ||
	           bench_result_check(doc, p->result, err, sizeof err)) {
		snprintf(verdict, sizeof verdict, "unusable result: %s", err);
	} else {
		metrics = bench_result_metrics(doc);
		version = json_incref(json_object_get(doc, "version"));
		ok = json_is_true(json_object_get(doc, "ok")) && (p->exit_status == 0 || p->merged);
		snprintf(verdict, sizeof verdict, "%s",
		         json_string_value(json_object_get(doc, "verdict")));
		if (!ok && !strcmp(verdict, "ok"))
			snprintf(verdict, sizeof verdict, "ldomsim run exited with status %d",
			         p->exit_status);
	}
	p->row = json_object();
	json_object_set_new(p->row, "point", json_string(p->name));
	json_object_set_new(p->row, "shape", json_string(cfg->shape));
	json_object_set_new(p->row, "present", json_integer(p->present));
	json_object_set_new(p->row, "add", json_integer(p->add));
	json_object_set_new(p->row, "remove", json_integer(cfg->remove));
	json_object_set_new(p->row, "result",
	                    bench_is_file(p->result) ? json_string(rel(cfg, p->result))
	                                             : json_null());
	json_object_set_new(p->row, "exit_status",
	                    p->exit_status < 0 ? json_null() : json_integer(p->exit_status));
	if (p->signal)
		json_object_set_new(p->row, "signal", json_integer(p->signal));
	json_object_set_new(p->row, "ok", json_boolean(ok));
	json_object_set_new(p->row, "verdict", json_string(verdict));
	if (version)
		json_object_set_new(p->row, "result_version", version);
	json_object_set_new(p->row, "metrics", metrics ? metrics : json_object());
	json_decref(doc);
	p->state = PT_DONE;
}

static void fmt_duration(double s, char *out, size_t n)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(out, n, "%lds", t);
}

static void draw_bar(FILE *f, size_t done, size_t total, double wdone, double wtotal,
                     double elapsed)
{
	char eta[32] = "--", bar[BENCH_SWEEP_BAR + 1];
	size_t fill = total ? done * BENCH_SWEEP_BAR / total : 0;
	for (size_t i = 0; i < BENCH_SWEEP_BAR; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[BENCH_SWEEP_BAR] = 0;
	if (done == total)
		snprintf(eta, sizeof eta, "0s");
	else if (wdone > 0)
		fmt_duration(elapsed * (wtotal - wdone) / wdone, eta, sizeof eta);
	fprintf(f, "\r[%s] %zu/%zu points, ETA %s\033[K", bar, done, total, eta);
	fflush(f);
}

static void report_point(FILE *f, int bar, const struct pt *p, size_t done, size_t total)
{
	const json_t *row = p->row;
	int ok = json_is_true(json_object_get(row, "ok"));
	if (bar && ok)
		return;
	if (bar)
		fputs("\r\033[K", f);
	fprintf(f, "sweep: %zu/%zu %s %s%s (%.2f s)\n", done, total, p->name,
	        ok ? "ok" : "FAILED: ",
	        ok ? "" : json_string_value(json_object_get(row, "verdict")), p->seconds);
	fflush(f);
}

static int cmp_weight_desc(const void *a, const void *b)
{
	const struct pt *x = *(const struct pt *const *)a, *y = *(const struct pt *const *)b;
	return (x->weight < y->weight) - (x->weight > y->weight);
}

/* The temporary files of a point that did not finish: its log, and the
 * result its ldomsim run was writing when it was stopped. */
static void remove_temps(const struct bench_sweep_cfg *cfg, const struct pt *p)
{
	char *points = bench_strf("%s/points", cfg->dir);
	char *prefix = bench_strf("%s.json" UTIL_TMP_SUFFIX, p->name);
	DIR *d = points ? opendir(points) : NULL;
	struct dirent *de;
	unlink(p->logtmp);
	while (d && prefix && (de = readdir(d))) {
		char *f;
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		f = bench_strf("%s/%s", points, de->d_name);
		if (f)
			unlink(f);
		free(f);
	}
	if (d)
		closedir(d);
	free(points);
	free(prefix);
}

/* Stops the running points: sig to each, SIGKILL to those still there
 * after BENCH_SWEEP_STOP_NS; waits for every one and removes its
 * temporary files. The number stopped. */
static size_t stop_points(const struct bench_sweep_cfg *cfg, struct pt *pts, size_t np, int sig)
{
	double deadline = now_s() + (double)BENCH_SWEEP_STOP_NS / 1e9;
	size_t stopped = 0, left;
	for (size_t i = 0; i < np; i++)
		if (pts[i].state == PT_RUNNING)
			kill(pts[i].pid, sig);
	do {
		int late = now_s() > deadline;
		left = 0;
		for (size_t i = 0; i < np; i++) {
			struct pt *p = &pts[i];
			int st;
			pid_t w;
			if (p->state != PT_RUNNING)
				continue;
			if (late)
				kill(p->pid, SIGKILL);
			while ((w = waitpid(p->pid, &st, late ? 0 : WNOHANG)) < 0 && errno == EINTR)
				;
			if (w == 0) {
				left++;
				continue;
			}
			p->state = PT_DONE;
			remove_temps(cfg, p);
			stopped++;
		}
		if (left) {
			struct timespec ts = {0, BENCH_SWEEP_POLL_NS / 10};
			nanosleep(&ts, NULL);
		}
	} while (left);
	return stopped;
}

/* Runs every point, jobs at a time, the costliest first. A stop signal
 * (stop, blocked; mask: the points' signal mask) ends it: the running
 * points are stopped (*stopped of them) and the signal returned; else 0. */
static int run_points(const struct bench_sweep_cfg *cfg, struct pt *pts, size_t np, FILE *progress,
                      int bar, const sigset_t *stop, const sigset_t *mask, size_t *stopped)
{
	int sig = 0;
	struct pt **order = calloc(np, sizeof *order);
	size_t next = 0, running = 0, done = 0;
	double wtotal = 0, wdone = 0, t0 = now_s();
	for (size_t i = 0; i < np; i++) {
		if (order)
			order[i] = &pts[i];
		wtotal += pts[i].weight;
	}
	if (order)
		qsort(order, np, sizeof *order, cmp_weight_desc);
	if (progress && bar)
		draw_bar(progress, 0, np, 0, wtotal, 0);
	while (done < np) {
		while (running < cfg->jobs && next < np) {
			struct pt *p = order ? order[next] : &pts[next];
			char why[1024];
			next++;
			p->t0 = now_s();
			if (spawn_point(cfg, p, mask, why, sizeof why)) {
				finish_point(cfg, p, why);
				done++;
				wdone += p->weight;
				if (progress)
					report_point(progress, bar, p, done, np);
				continue;
			}
			p->state = PT_RUNNING;
			running++;
		}
		int finished = 0;
		for (size_t i = 0; i < np; i++) {
			struct pt *p = &pts[i];
			int st;
			pid_t w;
			if (p->state != PT_RUNNING)
				continue;
			w = waitpid(p->pid, &st, WNOHANG);
			if (w == 0 || (w < 0 && errno == EINTR))
				continue;
			p->seconds = now_s() - p->t0;
			p->exit_status = w > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			p->signal = w > 0 && WIFSIGNALED(st) ? WTERMSIG(st) : 0;
			finish_point(cfg, p, NULL);
			running--;
			done++;
			wdone += p->weight;
			finished = 1;
			if (progress)
				report_point(progress, bar, p, done, np);
		}
		if (progress && bar)
			draw_bar(progress, done, np, wdone, wtotal, now_s() - t0);
		if (done < np && (sig = take_stop(stop, finished ? 0 : BENCH_SWEEP_POLL_NS))) {
			*stopped = stop_points(cfg, pts, np, sig);
			break;
		}
	}
	if (progress && bar)
		fputc('\n', progress);
	free(order);
	return sig;
}

/* ---- the sweep ---- */

/* 0, -1 with err, or a stop signal that arrived (taken). */
static int gen_traces(const struct bench_sweep_cfg *cfg, struct pt *pts, size_t np,
                      const sigset_t *stop, char *err, size_t n)
{
	for (size_t i = 0; i < np; i++) {
		int sig = take_stop(stop, 0);
		if (sig)
			return sig;
		struct pt *p = &pts[i];
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

static json_t *config_json(const struct bench_sweep_cfg *cfg, const struct pt *pts, size_t np)
{
	json_t *traces = json_array();
	char *abs = realpath(cfg->ldomsim, NULL);
	for (size_t i = 0; i < np; i++)
		json_array_append_new(
		    traces, json_pack("{sssssIsIss}", "point", pts[i].name, "trace",
		                      rel(cfg, pts[i].trace), "present", (json_int_t)pts[i].present,
		                      "add", (json_int_t)pts[i].add, "sha256", pts[i].sha256));
	json_t *c = json_object();
	json_object_set_new(c, "shape", json_string(cfg->shape));
	json_object_set_new(c, "present", u32_list(cfg->present, cfg->npresent));
	json_object_set_new(c, "add", u32_list(cfg->add, cfg->nadd));
	json_object_set_new(c, "remove", json_integer(cfg->remove));
	json_object_set_new(c, "jobs", json_integer(cfg->jobs));
	json_object_set_new(c, "ldomsim", json_string(abs ? abs : cfg->ldomsim));
	json_t *sets = json_array();
	for (size_t i = 0; i < cfg->nsets; i++)
		json_array_append_new(sets, json_string(cfg->sets[i]));
	json_object_set_new(c, "set", sets);
	json_object_set_new(c, "guest", cfg->guest ? json_string(cfg->guest) : json_null());
	json_object_set_new(c, "traces", traces);
	free(abs);
	return c;
}

static int mkdirs(const struct bench_sweep_cfg *cfg, char *err, size_t n)
{
	static const char *const sub[] = {"", "/traces", "/points", "/plots"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		char *d = bench_strf("%s%s", cfg->dir, sub[i]);
		int rc = d ? trace_mkdir_p(d) : -1;
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
static int summarize(const struct bench_sweep_cfg *cfg, struct pt *pts, size_t np, FILE *progress,
                     double t0, char *err, size_t n)
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
	              BENCH_SWEEP_MINOR, "config", config_json(cfg, pts, np), "points", rows,
	              "fits", bench_sweep_fits(rows));
	sim = json_pack("{sfso}", "host_seconds", now_s() - t0, "points", timing);
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
		json_object_set_new(sim, "host_seconds", json_real(now_s() - t0));
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
		        now_s() - t0, path);
out:
	free(path);
	json_decref(summary);
	json_decref(sim);
	return rc;
}

/* A word for sh, single-quoted. */
static void put_quoted(FILE *f, const char *w)
{
	fputc('\'', f);
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	fputc('\'', f);
}

/* DIR/plan.json and the jobs file (both atomically). */
static int emit_jobs(const struct bench_sweep_cfg *cfg, struct pt *pts, size_t np, FILE *progress,
                     char *err, size_t n)
{
	char *abs = realpath(cfg->dir, NULL), *ldomsim = realpath(cfg->ldomsim, NULL);
	char *plan_path = bench_strf("%s/plan.json", cfg->dir), *buf = NULL;
	struct pt **order = calloc(np ? np : 1, sizeof *order);
	size_t len = 0, k = strlen(cfg->dir);
	int rc = -1;
	json_t *plan = NULL;
	FILE *f = NULL;
	if (!abs || !ldomsim || !plan_path || !order) {
		util_errf(err, n, "%s: cannot resolve the folder or %s", cfg->dir, cfg->ldomsim);
		goto out;
	}
	plan = json_pack("{sss[ii]so}", "format", BENCH_PLAN_FORMAT, "version", BENCH_SWEEP_MAJOR,
	                 BENCH_SWEEP_MINOR, "config", config_json(cfg, pts, np));
	if (!plan || bench_write_json_atomic(plan_path, plan, err, n))
		goto out;
	for (size_t i = 0; i < np; i++)
		order[i] = &pts[i];
	qsort(order, np, sizeof *order, cmp_weight_desc);
	if (!(f = open_memstream(&buf, &len)))
		goto out;
	for (size_t i = 0; i < np; i++) {
		const struct pt *p = order[i];
		char *paths[3] = {bench_strf("%s%s", abs, p->trace + k),
		                  bench_strf("%s%s", abs, p->result + k),
		                  bench_strf("%s%s", abs, p->log + k)};
		put_quoted(f, ldomsim);
		fputs(" run ", f);
		put_quoted(f, paths[0] ? paths[0] : "");
		fputs(" --json ", f);
		put_quoted(f, paths[1] ? paths[1] : "");
		for (size_t j = 0; j < cfg->nsets; j++) {
			fputs(" --set ", f);
			put_quoted(f, cfg->sets[j]);
		}
		if (cfg->guest) {
			fputs(" --guest ", f);
			put_quoted(f, cfg->guest);
		}
		fputs(" >", f);
		put_quoted(f, paths[2] ? paths[2] : "");
		fputs(" 2>&1\n", f);
		for (int j = 0; j < 3; j++)
			free(paths[j]);
	}
	if (fclose(f)) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (util_write_atomic(cfg->emit_jobs, buf, len, err, n))
		goto out;
	if (progress)
		fprintf(progress,
		        "sweep: %zu jobs in %s (run them, e.g. parallel -j N < %s), then: ldomsim "
		        "merge -o OUT %s\n",
		        np, cfg->emit_jobs, cfg->emit_jobs, cfg->dir);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(abs);
	free(ldomsim);
	free(plan_path);
	free(order);
	json_decref(plan);
	return rc;
}

int bench_sweep(const struct bench_sweep_cfg *cfg, FILE *progress, int bar, char *err, size_t n)
{
	size_t np = cfg->npresent * cfg->nadd, nstopped = 0;
	struct pt *pts;
	int rc = -1, sig;
	double t0 = now_s();
	sigset_t stop, mask;
	if (!cfg->shape || !np || !cfg->jobs || !cfg->dir || !cfg->ldomsim)
		FAIL("sweep: --shape, --present, --add, --jobs >= 1 and -o are required");
	if (cfg->nsets > BENCH_SWEEP_MAX_SETS)
		FAIL("--set: more than %d overrides", BENCH_SWEEP_MAX_SETS);
	if (access(cfg->ldomsim, X_OK))
		FAIL("%s: not an executable ldomsim: %s", cfg->ldomsim, strerror(errno));
	if (cfg->remove && cfg->remove > cfg->add[0])
		FAIL("--remove %u: more than the smallest --add (%u)", cfg->remove, cfg->add[0]);
	{
		/* Every point runs `ldomsim run --guest ...`: its checks of the
		 * guest, once, before any point (the caller checked the --set
		 * strings with the typed parse, cli/options.h). */
		struct bench_run_cfg rc_cfg;
		bench_run_cfg_default(&rc_cfg);
		rc_cfg.image = cfg->guest;
		if (bench_run_check_cfg(&rc_cfg, err, n))
			return -1;
	}
	if (bench_out_prepare("-o", cfg->dir, cfg->force, err, n) || mkdirs(cfg, err, n))
		return -1;
	pts = calloc(np, sizeof *pts);
	if (!pts)
		FAIL("%s: out of memory", cfg->dir);
	stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &mask);
	for (size_t i = 0; i < cfg->npresent; i++)
		for (size_t k = 0; k < cfg->nadd; k++) {
			struct pt *p = &pts[i * cfg->nadd + k];
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
		rc = emit_jobs(cfg, pts, np, progress, err, n);
		goto out;
	}
	if ((sig = run_points(cfg, pts, np, progress, bar, &stop, &mask, &nstopped)))
		goto stopped;
	rc = summarize(cfg, pts, np, progress, t0, err, n);
	if (rc >= 0 && (sig = take_stop(&stop, 0))) {
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
		pt_free(&pts[i]);
	free(pts);
	return rc;
}

/* ---- merge ---- */

static int cmp_u32_val(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Sorted distinct values in v[0..k) (in place); the new count. */
static size_t uniq_u32(uint32_t *v, size_t k)
{
	size_t m = 0;
	qsort(v, k, sizeof *v, cmp_u32_val);
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
	json_t **docs = calloc(ndirs ? ndirs : 1, sizeof *docs), *first = NULL;
	struct pt *pts = NULL;
	uint32_t *present = NULL, *add = NULL;
	const char **sets = NULL;
	size_t np = 0, cap = 0, nsets = 0;
	int rc = -1, sig = 0, blocked = 0;
	double t0 = now_s();
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
			static const char *const same[] = {"shape", "remove", "set", "guest"};
			for (size_t k = 0; k < 4; k++) {
				json_t *x = json_object_get(first, same[k]),
				       *y = json_object_get(c, same[k]);
				if (!x || json_is_null(x) ? y && !json_is_null(y)
				                          : !json_equal(x, y)) {
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
				struct pt *np2 = realloc(pts, nc * sizeof *pts);
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
			struct pt *p = &pts[np];
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
	cfg.ldomsim = json_string_value(json_object_get(first, "ldomsim"));
	cfg.guest = json_string_value(json_object_get(first, "guest"));
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
	if (mkdirs(&cfg, err, n))
		goto out;
	/* Stop signals wait between files, so that none is cut half-written. */
	stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &mask);
	blocked = 1;
	for (size_t i = 0; i < np && !(sig = take_stop(&stop, 0)); i++) {
		struct pt *p = &pts[i];
		char *srclog = bench_strf("%.*s.log", (int)(strlen(p->tracedir) - 5), p->tracedir);
		if (!srclog || copy_file(p->tracedir, p->result, err, n) ||
		    copy_file(srclog, p->log, err, n)) {
			free(srclog);
			goto out;
		}
		free(srclog);
		finish_point(&cfg, p, NULL);
	}
	if (sig || (sig = take_stop(&stop, 0))) {
		util_errf(err, n,
		          "stopped by SIG%s: %s holds the points copied so far and no "
		          "summary.json (to start again: --force)",
		          sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", out);
		rc = 128 + sig;
		goto out;
	}
	if (progress)
		fprintf(progress, "merge: %zu points from %zu folders into %s\n", np, ndirs, out);
	rc = summarize(&cfg, pts, np, progress, t0, err, n);
	if (rc >= 0 && (sig = take_stop(&stop, 0))) {
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
		pt_free(&pts[i]);
	free(pts);
	free(present);
	free(add);
	free(sets);
	for (size_t d = 0; docs && d < ndirs; d++)
		json_decref(docs[d]);
	free(docs);
	return rc;
}
