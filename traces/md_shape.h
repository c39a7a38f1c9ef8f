/*
 * ldomsim — machine shapes (real sun4v systems and a parametric one) and
 * the MD generator.
 *
 * Names: "t2", "t4-4", "t5-8", "m7-16", "m8-8", and
 * "param:SOCKETSxCORESxSTRANDS[@GHz]" (e.g. "param:2x4x2@1.5").
 * Strand (cpu) ids are numbered socket-major:
 *   id = (socket * cores_per_socket + core) * strands_per_core + strand.
 */
#ifndef LDOMSIM_TRACES_MD_SHAPE_H
#define LDOMSIM_TRACES_MD_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "traces/md.h"

#define MD_SHAPE_MAX_STRANDS 4096u /* sparc64 NR_CPUS */
#define MD_SHAPE_MAX_CACHES  8u    /* cache descriptions per shape */

struct md_shape;

/* Cache sharing: how many strands of consecutive ids share one instance. */
enum md_cache_kind { MD_CACHE_INSTN = 1, MD_CACHE_DATA = 2, MD_CACHE_UNIFIED = 3 };
struct md_shape_cache {
	uint32_t level;          /* 1, 2, 3 */
	enum md_cache_kind kind; /* instruction, data, or both */
	uint64_t size;           /* bytes per instance */
	uint32_t line_size;      /* bytes */
	uint32_t associativity;  /* ways */
	uint32_t cores_sharing;  /* cores served by one instance (per socket) */
};

/* Look a shape up (or parse a param: one). *out must be md_shape_free()d. */
enum md_status md_shape_get(const char *name, struct md_shape **out, struct md_err *err);
void md_shape_free(struct md_shape *s); /* NULL is a no-op */

/* The built-in names, NULL-terminated (for --help and tests). */
const char *const *md_shape_names(void);

const char *md_shape_name(const struct md_shape *s);     /* as given to md_shape_get */
const char *md_shape_platform(const struct md_shape *s); /* platform "name" */
uint32_t md_shape_sockets(const struct md_shape *s);
uint32_t md_shape_cores_per_socket(const struct md_shape *s);
uint32_t md_shape_strands_per_core(const struct md_shape *s);
uint32_t md_shape_strands(const struct md_shape *s);             /* total = max-cpus */
uint32_t md_shape_exec_units_per_core(const struct md_shape *s); /* integer pipelines */
uint64_t md_shape_clock_hz(const struct md_shape *s);            /* strand clock, Hz */
uint64_t md_shape_stick_hz(const struct md_shape *s);            /* %stick, Hz */
double md_shape_cpi(const struct md_shape *s);      /* default cycles per instruction */
int md_shape_has_sockets(const struct md_shape *s); /* emits sockets/socket nodes */
/* The memory model's latencies of a shape (bench/TIMING.md, "Memory"):
 * load-to-use of a hit in each cache level, cycles of the strand clock
 * (0: the shape has no such level), and of local memory, ns. */
struct md_shape_mem {
	uint32_t l1_cycles, l2_cycles, l3_cycles;
	uint32_t mem_ns;
};
const struct md_shape_mem *md_shape_mem(const struct md_shape *s);
size_t md_shape_cache_count(const struct md_shape *s);
const struct md_shape_cache *md_shape_cache(const struct md_shape *s, size_t i);

/* Generate the MD of a domain that owns the strands present[0..n-1] of the
 * machine (present == NULL: all strands). Ids must be < md_shape_strands()
 * and unique; order does not matter. Byte-identical for the same inputs. */
enum md_status md_gen(const struct md_shape *s, const uint32_t *present, size_t n,
                      struct md_buf *out, struct md_err *err);

/* Parse a strand list "0-55,60,62-63" (or a count "N" meaning 0..N-1 when
 * the string is a bare number and count_ok is set) into a sorted, unique
 * malloc'd array; every id < max. */
enum md_status md_parse_cpulist(const char *s, uint32_t max, int count_ok, uint32_t **ids,
                                size_t *n, struct md_err *err);

#endif
