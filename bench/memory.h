/*
 * bench/memory.h — the memory model at the run's level (--memory-model):
 * the caches of the trace's MDs (traces/md_cache.h) or the documented
 * default, the per-shape latencies (traces/md_shape.h) with their --set
 * overrides, handed to the machine (sim.h, "the memory model"), and what
 * the result says of it. bench/TIMING.md, "Memory", is the model.
 */
#ifndef LDOMSIM_BENCH_MEMORY_H
#define LDOMSIM_BENCH_MEMORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "traces/md_shape.h"
#include "cache/cache.h"
#include "traces/trace.h"

struct sim;

/* The latency parameters --set takes besides the trace's (l1_cycles,
 * l2_cycles, l3_cycles: cycles of the strand clock; mem_ns): rows like
 * trace_params' (offsets into struct md_shape_mem), NULL if name is none
 * of them. */
#define BENCH_MEM_NPARAMS 4
extern const struct trace_param bench_mem_params[BENCH_MEM_NPARAMS];
const struct trace_param *bench_mem_param_by_name(const char *name);
int bench_mem_param_is(const struct trace_param *p); /* a row of bench_mem_params */

/* The default hierarchy of an MD without cache nodes: UltraSPARC T1's
 * (the processor of the firmware-built MDs at hand), per core of
 * strands_per_core strands: L1I 16K/32/4, L1D 8K/16/4 write-through, one
 * L2 3M/64/12 for all; latencies 3, 22 (est.) cycles, 110 ns (est.). */
#define BENCH_MEM_DEFAULT_NOTE                                                                     \
	"the MDs declare no caches: UltraSPARC T1's hierarchy (per core L1I 16K/32B/4-way, L1D "   \
	"8K/16B/4-way write-through, one L2 3M/64B/12-way)"

struct bench_mem;
/* Builds the hierarchy for cpu ids below max_cpus from mds (the trace's
 * generations, oldest first), resolves the latencies (the shape's, else
 * the default, then overrides: mask bit i set = bench_mem_params[i] from
 * over) for a clock of clock_hz, and turns the machine's model on. -1 and
 * err naming the MD element at fault. */
int bench_mem_create(struct sim *s, const struct md *const *mds, size_t nmds, uint32_t max_cpus,
                     const struct trace_machine *m, const struct md_shape_mem *over,
                     unsigned over_mask, struct bench_mem **out, char *err, size_t n);
void bench_mem_free(struct bench_mem *bm); /* after the sim; NULL is a no-op */
/* Levels on the paths of kind (MD_CACHE_DATA, MD_CACHE_INSTN): the
 * longest any cpu has (its memory is served-level slot `depth`). */
unsigned bench_mem_depth(const struct bench_mem *bm, enum md_cache_kind kind);
/* What the run's memory counters say between two snapshots:
 * {"reads"|"writes"|"fetches": {"l1": n, ..., "memory": n, "l1_misses": n, ...},
 *  "stall_ns": n}. */
json_t *bench_mem_counts_json(const struct bench_mem *bm,
                              const uint64_t a[CACHE_NKINDS][CACHE_MAX_LEVELS + 1],
                              const uint64_t b[CACHE_NKINDS][CACHE_MAX_LEVELS + 1],
                              uint64_t stall_ps);
/* config.memory_model of the result ({"enabled": false} for NULL). */
json_t *bench_mem_config_json(const struct bench_mem *bm);

/* Boot snapshots: every cache's tags and counts (none when bm is NULL,
 * the model off), into a stream and back into a model built the same way. */
struct ser_w;
struct ser_r;
void bench_mem_save(const struct bench_mem *bm, struct ser_w *w);
int bench_mem_load(struct bench_mem *bm, struct ser_r *r);

#endif
