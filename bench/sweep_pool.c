/*
 * bench/sweep_pool.c — the process pool of a sweep: each point runs as
 * `ldomsim run TRACE --json RESULT` in a child process (so a point that
 * crashes or hangs takes nothing else down), jobs at a time, with the
 * progress bar or lines; stop signals end it.
 */
#define _GNU_SOURCE
#include "bench/sweep_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/sweep_io.h"
#include "bench/sweep_result.h"
#include "util/atomic.h"
#include "util/errf.h"

extern char **environ;

double bench_sweep__now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sweep__pt_free(struct bench_pt *p)
{
	free(p->tracedir);
	free(p->trace);
	free(p->result);
	free(p->log);
	free(p->logtmp);
	json_decref(p->row);
}

/* The signals that stop a sweep (bench_sweep in sweep.h). */
void bench_sweep__stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* A stop signal that arrived, taken, waiting up to ns for one; 0: none. */
int bench_sweep__take_stop(const sigset_t *stop, long long ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	int sig = sigtimedwait(stop, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* mask: the signal mask the point's process starts with (the caller's). */
static int spawn_point(const struct bench_sweep_cfg *cfg, struct bench_pt *p, const sigset_t *mask,
                       char *why, size_t wn)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[14 + 2 * BENCH_SWEEP_MAX_SETS] = {(char *)cfg->ldomsim, "run", p->trace,
	                                             "--json", p->result};
	size_t a = 5;
	for (size_t i = 0; i < cfg->nsets && i < BENCH_SWEEP_MAX_SETS; i++) {
		argv[a++] = "--set";
		argv[a++] = (char *)cfg->sets[i];
	}
	if (cfg->guest) {
		argv[a++] = "--guest";
		argv[a++] = (char *)cfg->guest;
	}
	if (cfg->memory_model) {
		argv[a++] = "--memory-model";
		argv[a++] = "on";
	}
	if (cfg->no_snapshot)
		argv[a++] = "--no-snapshot";
	if (cfg->snapshot_dir) {
		argv[a++] = "--snapshot-dir";
		argv[a++] = (char *)cfg->snapshot_dir;
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
const char *bench_sweep__rel(const struct bench_sweep_cfg *cfg, const char *path)
{
	size_t k = strlen(cfg->dir);
	return !strncmp(path, cfg->dir, k) && path[k] == '/' ? path + k + 1 : path;
}

/* The summary row of a finished point (why: a start-up failure, or NULL). */
void bench_sweep__finish_point(const struct bench_sweep_cfg *cfg, struct bench_pt *p,
                               const char *why)
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
	                    bench_is_file(p->result) ? json_string(bench_sweep__rel(cfg, p->result))
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
	p->state = BENCH_PT_DONE;
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

static void report_point(FILE *f, int bar, const struct bench_pt *p, size_t done, size_t total)
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

int bench_sweep__cmp_weight_desc(const void *a, const void *b)
{
	const struct bench_pt *x = *(const struct bench_pt *const *)a,
	                      *y = *(const struct bench_pt *const *)b;
	return (x->weight < y->weight) - (x->weight > y->weight);
}

/* The temporary files of a point that did not finish: its log, and the
 * result its ldomsim run was writing when it was stopped. */
static void remove_temps(const struct bench_sweep_cfg *cfg, const struct bench_pt *p)
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
static size_t stop_points(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                          int sig)
{
	double deadline = bench_sweep__now_s() + (double)BENCH_SWEEP_STOP_NS / 1e9;
	size_t stopped = 0, left;
	for (size_t i = 0; i < np; i++)
		if (pts[i].state == BENCH_PT_RUNNING)
			kill(pts[i].pid, sig);
	do {
		int late = bench_sweep__now_s() > deadline;
		left = 0;
		for (size_t i = 0; i < np; i++) {
			struct bench_pt *p = &pts[i];
			int st;
			pid_t w;
			if (p->state != BENCH_PT_RUNNING)
				continue;
			if (late)
				kill(p->pid, SIGKILL);
			while ((w = waitpid(p->pid, &st, late ? 0 : WNOHANG)) < 0 && errno == EINTR)
				;
			if (w == 0) {
				left++;
				continue;
			}
			p->state = BENCH_PT_DONE;
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

/* The point to start next: the costliest not started whose present
 * count's first point (the costliest of that count, which boots and saves
 * the snapshot the others restore) has finished, or is that first point
 * itself; NULL when every such point waits. Without snapshots, simply
 * the costliest not started. */
static struct bench_pt *next_point(const struct bench_sweep_cfg *cfg, struct bench_pt *pts,
                                   size_t np, struct bench_pt **order)
{
	for (size_t i = 0; i < np; i++) {
		struct bench_pt *p = order ? order[i] : &pts[i];
		if (p->state != BENCH_PT_WAITING)
			continue;
		if (cfg->no_snapshot || !order)
			return p;
		const struct bench_pt *first = NULL;
		for (size_t j = 0; j < np && !first; j++)
			if (order[j]->present == p->present)
				first = order[j];
		if (first == p || first->state == BENCH_PT_DONE)
			return p;
	}
	return NULL;
}

/* Runs every point, jobs at a time, the costliest first. A stop signal
 * (stop, blocked; mask: the points' signal mask) ends it: the running
 * points are stopped (*stopped of them) and the signal returned; else 0. */
int bench_sweep__run_points(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                            FILE *progress, int bar, const sigset_t *stop, const sigset_t *mask,
                            size_t *stopped)
{
	int sig = 0;
	struct bench_pt **order = calloc(np, sizeof *order);
	size_t next = 0, running = 0, done = 0;
	double wtotal = 0, wdone = 0, t0 = bench_sweep__now_s();
	for (size_t i = 0; i < np; i++) {
		if (order)
			order[i] = &pts[i];
		wtotal += pts[i].weight;
	}
	if (order)
		qsort(order, np, sizeof *order, bench_sweep__cmp_weight_desc);
	if (progress && bar)
		draw_bar(progress, 0, np, 0, wtotal, 0);
	while (done < np) {
		while (running < cfg->jobs && next < np) {
			struct bench_pt *p = next_point(cfg, pts, np, order);
			char why[1024];
			if (!p)
				break; /* the rest wait for their present count's boot */
			next++;
			p->t0 = bench_sweep__now_s();
			if (spawn_point(cfg, p, mask, why, sizeof why)) {
				bench_sweep__finish_point(cfg, p, why);
				done++;
				wdone += p->weight;
				if (progress)
					report_point(progress, bar, p, done, np);
				continue;
			}
			p->state = BENCH_PT_RUNNING;
			running++;
		}
		int finished = 0;
		for (size_t i = 0; i < np; i++) {
			struct bench_pt *p = &pts[i];
			int st;
			pid_t w;
			if (p->state != BENCH_PT_RUNNING)
				continue;
			w = waitpid(p->pid, &st, WNOHANG);
			if (w == 0 || (w < 0 && errno == EINTR))
				continue;
			p->seconds = bench_sweep__now_s() - p->t0;
			p->exit_status = w > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			p->signal = w > 0 && WIFSIGNALED(st) ? WTERMSIG(st) : 0;
			bench_sweep__finish_point(cfg, p, NULL);
			running--;
			done++;
			wdone += p->weight;
			finished = 1;
			if (progress)
				report_point(progress, bar, p, done, np);
		}
		if (progress && bar)
			draw_bar(progress, done, np, wdone, wtotal, bench_sweep__now_s() - t0);
		if (done < np &&
		    (sig = bench_sweep__take_stop(stop, finished ? 0 : BENCH_SWEEP_POLL_NS))) {
			*stopped = stop_points(cfg, pts, np, sig);
			break;
		}
	}
	if (progress && bar)
		fputc('\n', progress);
	free(order);
	return sig;
}
