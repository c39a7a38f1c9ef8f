/*
 * bench/sweep_impl.h — internals shared by the files of the sweep (not
 * public: users include bench/sweep.h): sweep.c (the sweep's steps and
 * summary), sweep_pool.c (the points' processes and the progress),
 * sweep_jobs.c (--emit-jobs), sweep_merge.c (`ldomsim merge`).
 */
#ifndef LDOMSIM_BENCH_SWEEP_IMPL_H
#define LDOMSIM_BENCH_SWEEP_IMPL_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bench/sweep.h"

enum bench_pt_state { BENCH_PT_WAITING, BENCH_PT_RUNNING, BENCH_PT_DONE };

/* One point of a sweep (a present-strand count and a batch size). */
struct bench_pt {
	uint32_t present, add;
	char name[32];          /* p<present>-a<add> */
	char *tracedir, *trace; /* DIR/traces/NAME/, its trace.json */
	char *result, *log, *logtmp;
	char sha256[65];
	double weight; /* relative cost, for the order and the ETA */
	enum bench_pt_state state;
	pid_t pid;
	int exit_status; /* -1: did not exit (signal, or not started) */
	int signal;
	double t0, seconds; /* host time */
	json_t *row;        /* summary row */
	int merged;         /* run elsewhere (merge): exit status unknown */
};

/* ---- sweep_pool.c ---- */

/* Host monotonic time, seconds. */
double bench_sweep__now_s(void);
void bench_sweep__pt_free(struct bench_pt *p);
/* The signals that stop a sweep (bench_sweep in sweep.h). */
void bench_sweep__stop_signals(sigset_t *set);
/* A stop signal that arrived, taken, waiting up to ns for one; 0: none. */
int bench_sweep__take_stop(const sigset_t *stop, long long ns);
/* path relative to the sweep folder when inside it, else as it is. */
const char *bench_sweep__rel(const struct bench_sweep_cfg *cfg, const char *path);
/* The summary row of a finished point (why: a start-up failure, or NULL). */
void bench_sweep__finish_point(const struct bench_sweep_cfg *cfg, struct bench_pt *p,
                               const char *why);
/* qsort order of struct bench_pt pointers: the costliest first. */
int bench_sweep__cmp_weight_desc(const void *a, const void *b);
/* Runs every point, jobs at a time, the costliest first. A stop signal
 * (stop, blocked; mask: the points' signal mask) ends it: the running
 * points are stopped (*stopped of them) and the signal returned; else 0. */
int bench_sweep__run_points(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                            FILE *progress, int bar, const sigset_t *stop, const sigset_t *mask,
                            size_t *stopped);

/* ---- sweep_ident.c ---- */

/* The ldomsim binary that runs the points, as a summary's config records
 * it (no path): {"ldomsim": this build's version (git describe) when binary
 * is byte for byte this ldomsim, else "unknown"; "ldomsim_sha256": of
 * binary's bytes, null when it cannot be read}. New reference. */
json_t *bench_sweep__ldomsim_identity(const char *binary);

/* ---- sweep.c ---- */

/* $.config of the summary and the plan (new reference). */
json_t *bench_sweep__config_json(const struct bench_sweep_cfg *cfg, const struct bench_pt *pts,
                                 size_t np);
/* DIR and its folders traces/, points/, plots/. 0, or -1 with err. */
int bench_sweep__mkdirs(const struct bench_sweep_cfg *cfg, char *err, size_t n);
/* Rows, fits, DIR/summary.json (before the plots, so the numbers survive a
 * plotting failure), then the plots. 0 all ok, 1 a point or a plot failed,
 * -1 the summary could not be written. */
int bench_sweep__summarize(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                           FILE *progress, double t0, char *err, size_t n);

/* ---- sweep_jobs.c ---- */

/* DIR/plan.json and the jobs file (both atomically). */
int bench_sweep__emit_jobs(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                           FILE *progress, char *err, size_t n);

#endif
