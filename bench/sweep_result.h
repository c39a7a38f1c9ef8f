/*
 * bench/sweep_result.h — reading result documents of `ldomsim run`
 * (bench/result.schema.json) for the harness: the version check, the point
 * a result belongs to, and its key metrics.
 *
 * Metrics are simulated nanoseconds (integers), lower is better:
 *   request_ns              dr-cpu CONFIGURE request received -> DS response
 *                           sent (the largest, when the trace sends several)
 *   online_{min,p50,p90,p99,max}_ns
 *                           request received -> set_cpu_online, over the
 *                           cpus that came online (nearest-rank percentiles)
 *   md_update_ns            md-update request -> its DS response
 *   unconfigure_ns          UNCONFIGURE request -> DS response (when removed)
 *   topology_ns, topology_insns
 *                           the topology-map update, from the result's
 *                           topology_cost (when it has one)
 *   phase_<name>_ns         from the result's phases object (when it has one)
 */
#ifndef LDOMSIM_BENCH_SWEEP_RESULT_H
#define LDOMSIM_BENCH_SWEEP_RESULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/run.h" /* BENCH_RESULT_FORMAT, BENCH_RESULT_MAJOR */

/* Which point of a sweep a result is: shape, strands present before the
 * configure request, strands it adds. */
struct bench_point_key {
	char shape[32];
	uint32_t present, add;
};

/* 0 when doc is a result of major version BENCH_RESULT_MAJOR with the
 * fields the harness reads; else -1 with err "FILE: $.field: what" (another
 * major version: "... is another major version ..."). */
int bench_result_check(const json_t *doc, const char *file, char *err, size_t n);
/* The point of a checked result (present = present strands not added). */
void bench_result_key(const json_t *doc, struct bench_point_key *k);
/* Metrics of a checked result, an object name -> integer in the order
 * above (new reference). */
json_t *bench_result_metrics(const json_t *doc);
/* The first CONFIGURE operation of a checked result, or NULL. */
const json_t *bench_result_configure(const json_t *doc);

#endif
