/*
 * bench/compare.h — sets of measured points (from result files, sweep
 * folders or folders of sweeps) and `ldomsim compare`.
 */
#ifndef LDOMSIM_BENCH_COMPARE_H
#define LDOMSIM_BENCH_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "bench/sweep_result.h"

#define BENCH_COMPARE_THRESHOLD_PCT 5.0               /* default regression threshold, percent */
#define BENCH_COMPARE_FORMAT        "ldomsim-compare" /* compare --json */
#define BENCH_COMPARE_MAJOR         1
#define BENCH_COMPARE_MINOR         0

struct bench_point {
	struct bench_point_key key;
	int ok;
	const char *verdict;
	const char *source;    /* the file it was read from */
	const json_t *metrics; /* name -> integer (sweep_result.h) */
};

struct bench_points;

/* Loads path: a result file, a summary.json, a sweep folder (with
 * summary.json) or a folder whose subfolders are sweep folders. Returns 0,
 * or -1 with err naming the file and the field at fault (results of
 * another major version are refused). */
int bench_points_load(const char *path, struct bench_points **out, char *err, size_t n);
size_t bench_points_count(const struct bench_points *s);
const struct bench_point *bench_points_at(const struct bench_points *s, size_t i);
/* The point with that key, or NULL. */
const struct bench_point *bench_points_find(const struct bench_points *s,
                                            const struct bench_point_key *k);
void bench_points_free(struct bench_points *s);

/* Prints the table of metrics of the points in both sets with the relative
 * change to out. Returns 0 when nothing regressed beyond threshold_pct, 1
 * when something did (msg lists what), -1 when no point matches (msg). A
 * metric regresses when new > base * (1 + threshold/100); a point
 * regresses when it was ok in base and is not in new. */
int bench_compare(const struct bench_points *base, const struct bench_points *cur,
                  double threshold_pct, FILE *out, char *msg, size_t n);

/* The rule bench_compare applies to one metric: 1 when cur > base * (1 +
 * threshold_pct/100). */
int bench_metric_regressed(double base, double cur, double threshold_pct);
/* (cur - base) / base in percent: 0 when equal, INFINITY when base is 0
 * and cur is not. */
double bench_metric_change_pct(double base, double cur);

/* The comparison bench_compare prints, as a document of the format
 * "ldomsim-compare" (bench/compare.schema.json, BENCH_COMPARE_MAJOR.MINOR):
 * every matched point and metric with base, new, change and relative
 * change, which regressed, the points found on one side only, and the
 * per-function rows (fn_*) with the largest increases first. base_name and
 * new_name are recorded as given. Returns the document (*verdict 0 nothing
 * regressed, 1 something did), or NULL when no point matches or out of
 * memory (msg says which). */
json_t *bench_compare_json(const struct bench_points *base, const struct bench_points *cur,
                           const char *base_name, const char *new_name, double threshold_pct,
                           int *verdict, char *msg, size_t n);

#endif
