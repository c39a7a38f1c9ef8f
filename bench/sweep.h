/*
 * bench/sweep.h — `ldomsim sweep`: one trace per (present, add) point of a
 * machine shape, every point run by `ldomsim run` in its own process (up to
 * `jobs` at a time), a summary document and plots.
 *
 * Layout of a sweep folder DIR (every file written atomically):
 *   DIR/traces/p<P>-a<A>/     the generated trace (trace.json, md-gen*.bin)
 *   DIR/points/p<P>-a<A>.json the point's result (ldomsim run --json)
 *   DIR/points/p<P>-a<A>.log  what ldomsim run printed
 *   DIR/summary.json          configuration, one row per point, fits, plots
 *   DIR/plots/                gnuplot data (.dat), PNG and SVG
 */
#ifndef LDOMSIM_BENCH_SWEEP_H
#define LDOMSIM_BENCH_SWEEP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_SWEEP_FORMAT "ldomsim-sweep"
#define BENCH_PLAN_FORMAT  "ldomsim-sweep-plan" /* plan.json of --emit-jobs */
#define BENCH_SWEEP_MAJOR  1
/* 1.1: config.ldomsim is the version of the binary that ran the points
 * (git describe; "unknown" when it was another binary than the one that
 * wrote the summary) and config.ldomsim_sha256 its SHA-256, no longer its
 * absolute path (1.0 summaries, which hold the path there, are read as
 * well). */
#define BENCH_SWEEP_MINOR    1
#define BENCH_SWEEP_MAX_LIST 256          /* values in one --present / --add list */
#define BENCH_SWEEP_POLL_NS  100000000    /* host ns between polls of running points */
#define BENCH_SWEEP_STOP_NS  5000000000LL /* host ns a signalled point has to end */
#define BENCH_SWEEP_BAR      30           /* progress-bar width, characters */
#define BENCH_SWEEP_MAX_SETS 32           /* --set overrides */

struct bench_sweep_cfg {
	const char *shape;       /* machine shape (md_shape_get name) */
	const uint32_t *present; /* strands present before the request, ascending */
	size_t npresent;
	const uint32_t *add; /* strands one CONFIGURE adds, ascending */
	size_t nadd;
	uint32_t remove;     /* of those, unconfigured again afterwards (0: none) */
	unsigned jobs;       /* points run at a time, >= 1 */
	const char *ldomsim; /* the binary that runs a point: LDOMSIM run TRACE --json F */
	/* {"ldomsim", "ldomsim_sha256"}: the binary that ran the points as the
	 * merged sweeps recorded it (bench_sweep_merge); NULL: computed from
	 * ldomsim. */
	const json_t *ldomsim_id;
	/* NAME=VALUE timing overrides passed as run --set, already checked
	 * (cli/options.h cli_parse_set: the sweep does not parse them) */
	const char *const *sets;
	size_t nsets;
	const char *scripts; /* folder of the gnuplot scripts; NULL: no plots */
	const char *guest;   /* passed as run --guest (ELF or name); NULL: the default */
	int memory_model;    /* 1: every point runs with --memory-model on */
	/* Boot snapshots (run --no-snapshot, --snapshot-dir): by default the
	 * first point of each present count boots and saves its snapshot
	 * before the others of that count start, which restore it. */
	int no_snapshot;
	const char *snapshot_dir; /* NULL: the run's default store */
	const char *dir;     /* output folder (created) */
	/* Instead of running the points: write DIR/plan.json and one
	 * self-contained shell command per point (absolute paths, costliest
	 * first) to this file, for GNU parallel or a Slurm array; then
	 * `ldomsim merge` builds the summary. NULL: run them here. */
	const char *emit_jobs;
	/* dir may hold an earlier sweep: its files are removed first (see
	 * bench_out_prepare). 0: a dir holding files is refused. */
	int force;
};

/* Runs the sweep. progress (may be NULL) gets a progress bar redrawn with
 * \r when bar is set, else one line per finished point. Returns 0 when
 * every point ran ok and every plot was drawn, 1 when a point failed or a
 * plot could not be drawn (err names the first; the summary records all),
 * -1 on unusable arguments or an unwritable DIR (err).
 *
 * SIGINT, SIGTERM and SIGHUP are blocked while it runs (the points' and
 * gnuplot's processes start with them unblocked) and taken where it waits:
 * one of them stops the sweep. The running points get the same signal
 * (SIGKILL after BENCH_SWEEP_STOP_NS), are waited for, their temporary
 * files removed; no summary is written; the return is 128 + the signal
 * number (err says what stopped). */
int bench_sweep(const struct bench_sweep_cfg *cfg, FILE *progress, int bar, char *err, size_t n);

/* Joins the points of sweep folders (each with plan.json from --emit-jobs,
 * or summary.json) whose results exist into one sweep folder out: copies
 * the point results and logs to out/points/, writes out/summary.json as a
 * sweep would (exit status of a merged point: unknown, null), plots when
 * scripts is set. The folders must agree on shape, --remove and --set;
 * a point in two folders is an error. out is prepared as bench_out_prepare
 * does with force, and must not be one of dirs. Returns as bench_sweep;
 * a stop signal ends it between two files (128 + the signal number). */
int bench_sweep_merge(const char *const *dirs, size_t ndirs, const char *out, int force,
                      const char *scripts, FILE *progress, char *err, size_t n);

/* Parses "16,32,48" (and ranges "A-B:STEP") into ascending distinct values
 * 1..4096. 0, or -1 with err naming opt. */
int bench_sweep_parse_list(const char *opt, const char *s, uint32_t *out, size_t max, size_t *count,
                           char *err, size_t n);

/* The power-law fits of a summary's points: per batch size, the topology
 * cost (topology_ns, else request_ns) against present strands (new
 * reference: an array of {add, metric, exponent, coefficient, r2, points}). */
json_t *bench_sweep_fits(const json_t *points);

/* 0 when doc is a sweep summary of major version BENCH_SWEEP_MAJOR whose
 * rows have the fields the harness reads; else -1 with err naming file and
 * field. */
int bench_summary_check(const json_t *doc, const char *file, char *err, size_t n);

/* The version of this ldomsim build (git describe --always --dirty at
 * build time, "unknown" outside a git checkout). */
const char *bench_ldomsim_version(void);

#endif
