/*
 * ldomsim — host-side cpu topology from an MD: the ids and sibling maps
 * Linux 6.1 derives in mdesc_fill_in_cpu_data()/smp_fill_in_sib_core_maps(),
 * computed independently (written from the documented meaning, not ported)
 * so that the guest's real results can be checked against it.
 *
 * Per present strand (a `cpu` node with an `id`):
 *   core_id       1, 2, ... numbered in MD order of the level-1 instruction
 *                 caches (a core = the strands reaching the same L1 I);
 *                 0 when the strand reaches none
 *   proc_id       0, 1, ... numbered in MD order of the integer exec-unit
 *                 nodes (the SMT pipeline); -1 when none; when the MD has no
 *                 exec units at all, Linux falls back to one proc per cpu
 *                 node in MD order
 *   sock_id       from `socket` nodes under `sockets` when present, else
 *                 numbered by the highest shared cache level; -1 if none
 *   max_cache_id  the cache id (numbered in MD order of the caches at the
 *                 highest level) or -1
 * Sibling sets (over present strands, as sorted id lists):
 *   MD_TOPO_SIBLING  cpu_sibling_map: same proc_id (the SMT pipeline)
 *   MD_TOPO_CORE     cpu_core_map: same sock_id
 *   MD_TOPO_CORE_SIB cpu_core_sib_map: same core_id... see md_topo.c
 *   MD_TOPO_CACHE    cpu_core_sib_cache_map: same max_cache_id
 * The exact rules, with Linux's quirks, are documented in md_topo.c.
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

/* Ids of a present strand; -1 (or 0 for core_id) as described above. */
int32_t md_topo_core_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_proc_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_sock_id(const struct md_topo *t, uint32_t cpu);
int32_t md_topo_max_cache_id(const struct md_topo *t, uint32_t cpu);

/* The sibling set of a strand (sorted ascending, includes the strand when
 * Linux's map does); count returned, ids through *ids (valid until free). */
size_t md_topo_siblings(const struct md_topo *t, uint32_t cpu, enum md_topo_map map,
			const uint32_t **ids);

#endif
