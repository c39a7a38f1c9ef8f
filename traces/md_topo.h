/*
 * ldomsim — host-side cpu topology from an MD: the ids and sibling maps
 * Linux 6.1 derives in mdesc_fill_in_cpu_data()/smp_fill_in_sib_core_maps(),
 * computed independently (written from the documented meaning, not ported)
 * so that the guest's real results can be checked against it.
 *
 * Present strands: the `cpu` nodes with an `id` below NR_CPUS (4096), as
 * mdesc_populate_present_mask() records them. Possible strands: ids below
 * the platform's `max-cpus` (NR_CPUS when absent), capped at NR_CPUS.
 *
 * Per present strand (values as Linux stores them; 0 / -1 = not found):
 *   core_id       1, 2, ... numbered in MD order of the level-1 caches whose
 *                 type list has "instn"; a strand gets the number of the
 *                 last such cache reaching it through at most 10 `back`
 *                 arcs; 0 when none (or its id is not possible)
 *   proc_id       0, 1, ... numbered in MD order of the `exec_unit` nodes,
 *                 then again from 0 for the `exec-unit` nodes, of type
 *                 "int"/"integer"; a strand gets the number of an exec unit
 *                 with a `back` arc to it; -1 when none (no fallback)
 *   max_cache_id  1, 2, ... numbered in MD order of the level-3 caches (or
 *                 level 2 when the MD has no level-3 cache), reaching the
 *                 strand through at most 10 `back` arcs; 0 when none
 *   sock_id       max_cache_id, overridden when the MD has a `sockets` node
 *                 by 1, 2, ... in MD order of the `socket` nodes with a
 *                 `fwd` arc to the strand
 * Sibling sets (over present strands, sorted ids):
 *   MD_TOPO_SIBLING  cpu_sibling_map: same proc_id (itself alone when -1)
 *   MD_TOPO_CORE     cpu_core_map: same core_id (itself alone when 0)
 *   MD_TOPO_CORE_SIB cpu_core_sib_map: same sock_id
 *   MD_TOPO_CACHE    cpu_core_sib_cache_map: same max_cache_id
 * As computed from one MD on a fresh kernel; Linux never clears the last two
 * maps between calls, so after a DR operation its maps are the union over
 * the MD generations it has seen (see md_topo.c).
 */
#ifndef LDOMSIM_TRACES_MD_TOPO_H
#define LDOMSIM_TRACES_MD_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "traces/md.h"

#define MD_TOPO_NR_CPUS 4096u /* sparc64 NR_CPUS: ids at or above are ignored, like Linux */

enum md_topo_map { MD_TOPO_SIBLING, MD_TOPO_CORE, MD_TOPO_CORE_SIB, MD_TOPO_CACHE };

struct md_topo;

enum md_status md_topo_compute(const struct md *md, struct md_topo **out, struct md_err *err);
void md_topo_free(struct md_topo *t); /* NULL is a no-op */

/* Present strands, ascending ids. */
size_t md_topo_cpu_count(const struct md_topo *t);
const uint32_t *md_topo_cpus(const struct md_topo *t);
int md_topo_present(const struct md_topo *t, uint32_t cpu);

/* Ids of a present strand as described above (0, or -1 for proc_id, when
 * not found; -1 for a strand that is not present). */
int32_t md_topo_core_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_proc_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_sock_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_max_cache_id(const struct md_topo *t, uint32_t cpu);

/* The sibling set of a strand (sorted ascending, includes the strand when
 * Linux's map does); count returned, ids through *ids (valid until free). */
size_t md_topo_siblings(const struct md_topo *t, uint32_t cpu, enum md_topo_map map,
                        const uint32_t **ids);

#endif
