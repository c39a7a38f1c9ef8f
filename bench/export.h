/*
 * bench/export.h — the measured points (bench/compare.h: a result, a sweep
 * folder or a folder of sweeps) in the formats benchmark dashboards ingest
 * (`ldomsim export`; the formats: bench/DASHBOARDS.md).
 *
 * Every metric of a point is one benchmark named
 *   SHAPE/present=P/add=A/METRIC          (t2/present=56/add=8/request_ns)
 * from what the point is, never from a path or a time, so that the same
 * point of two runs has the same name and a dashboard's history lines up.
 */
#ifndef LDOMSIM_BENCH_EXPORT_H
#define LDOMSIM_BENCH_EXPORT_H

#include <jansson.h>
#include <stddef.h>

#include "bench/compare.h"

enum bench_export_format {
	/* github-action-benchmark's customSmallerIsBetter input: a JSON array
	 * of {"name", "unit", "value", "extra"} */
	BENCH_EXPORT_GITHUB_ACTION_BENCHMARK,
	/* Bencher Metric Format: {"benchmark": {"measure": {"value",
	 * "lower_value", "upper_value"}}} */
	BENCH_EXPORT_BMF,
};

/* The format named name ("github-action-benchmark" or "bmf"): 0, or -1. */
int bench_export_format_parse(const char *name, enum bench_export_format *out);

/* The benchmark name of a point's metric into buf (n bytes): 0, or -1 when
 * it does not fit. */
int bench_export_name(const struct bench_point_key *k, const char *metric, char *buf, size_t n);

/* The document of the points in format f. Points whose run failed are left
 * out (a failed run's numbers are no measurement); *failed counts them.
 * Per-function metrics (fn_*_insns) only when functions is set. NULL when
 * out of memory or a name does not fit (msg says which). */
json_t *bench_export(const struct bench_points *pts, enum bench_export_format f, int functions,
                     size_t *failed, char *msg, size_t n);

#endif
