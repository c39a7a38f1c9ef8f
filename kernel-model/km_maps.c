/*
 * kernel-model/km_maps.c — read the topology the guest's real code built
 * (cpu_data(cpu) ids, cpu_sibling_map, cpu_core_map, cpu_core_sib_map,
 * cpu_core_sib_cache_map) and compare it with the independent host
 * computation of traces/md_topo.
 */
#include <stdio.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"
#include "traces/md_topo.h"
#include "util/bytes.h"

static int16_t ld16(struct km *km, uint64_t va)
{
	const uint8_t *p = km_ptr(km, va, 2);
	return p ? (int16_t)util_be16(p) : 0;
}

int km_cpu_ids(struct km *km, unsigned cpu, struct km_cpu_ids *out)
{
	const struct lx_layout *lx = km_layout(km);
	uint64_t data;
	if (cpu >= lx->nr_cpus || sim_sym(km->s, "__cpu_data", &data))
		return -1;
	uint64_t c = data + km_per_cpu_offset(km, cpu);
	out->core_id = (uint16_t)ld16(km, c + lx->cpuinfo_sparc_core_id);
	out->sock_id = (uint16_t)ld16(km, c + lx->cpuinfo_sparc_sock_id);
	out->max_cache_id = (uint16_t)ld16(km, c + lx->cpuinfo_sparc_max_cache_id);
	out->proc_id = ld16(km, c + lx->cpuinfo_sparc_proc_id);
	return 0;
}

/* Guest address of map m's cpumask for cpu. */
static uint64_t map_va(struct km *km, enum md_topo_map m, unsigned cpu)
{
	const struct lx_layout *lx = km_layout(km);
	static const char *const names[] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
	                                    "cpu_core_sib_cache_map"};
	uint64_t a;
	if (sim_sym(km->s, names[m], &a))
		return 0;
	if (m == MD_TOPO_SIBLING) /* DEFINE_PER_CPU(cpumask_t, cpu_sibling_map) */
		return a + km_per_cpu_offset(km, cpu);
	return a + (uint64_t)cpu * lx->cpumask_size; /* cpumask_t x[NR_CPUS] */
}

static void mask_set(uint8_t *m, unsigned cpu)
{
	m[8 * (cpu / 64) + 7 - (cpu % 64) / 8] |= (uint8_t)(1u << (cpu % 8));
}

static const char *const map_names[] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
                                        "cpu_core_sib_cache_map"};

size_t km_topology_compare(struct km *km, const struct md_topo *t, char *report, size_t n)
{
	const struct lx_layout *lx = km_layout(km);
	size_t bad = 0, used = 0;
	/* Linux never clears a removed cpu from the other cpus'
	 * cpu_core_sib_map and cpu_core_sib_cache_map (only __cpu_disable's
	 * core and sibling maps): compare over the present cpus. */
	uint64_t present_va;
	const uint8_t *present = NULL;
	if (!sim_sym(km->s, "__cpu_present_mask", &present_va))
		present = km_ptr(km, present_va, lx->cpumask_size);
	uint8_t got_masked[LX_MAX_CPUMASK_SIZE];
	const uint32_t *cpus = md_topo_cpus(t);
	size_t ncpus = md_topo_cpu_count(t);
	uint8_t want[LX_MAX_CPUMASK_SIZE];
	if (report && n)
		report[0] = 0;
#define NOTE(...)                                                                                  \
	do {                                                                                       \
		if (report && used < n && bad <= 8)                                                \
			used += (size_t)snprintf(report + used, n - used, __VA_ARGS__);            \
	} while (0)
	for (size_t i = 0; i < ncpus; i++) {
		unsigned cpu = cpus[i];
		struct km_cpu_ids g;
		if (cpu >= lx->nr_cpus || km_cpu_ids(km, cpu, &g)) {
			bad++;
			NOTE("cpu %u: no cpu_data in the guest; ", cpu);
			continue;
		}
		int32_t e[4] = {md_topo_core_id(t, cpu), md_topo_proc_id(t, cpu),
		                md_topo_sock_id(t, cpu), md_topo_max_cache_id(t, cpu)};
		int32_t gv[4] = {g.core_id, g.proc_id, g.sock_id, g.max_cache_id};
		static const char *const id_names[] = {"core_id", "proc_id", "sock_id",
		                                       "max_cache_id"};
		for (int k = 0; k < 4; k++)
			if ((k == 1 ? e[k] : (int32_t)(uint16_t)e[k]) != gv[k]) {
				bad++;
				NOTE("cpu %u: %s guest %d host %d; ", cpu, id_names[k], gv[k],
				     e[k]);
			}
		for (int m = 0; m < 4; m++) {
			const uint32_t *ids;
			size_t k = md_topo_siblings(t, cpu, (enum md_topo_map)m, &ids);
			memset(want, 0, lx->cpumask_size);
			for (size_t j = 0; j < k; j++)
				if (ids[j] < lx->nr_cpus)
					mask_set(want, ids[j]);
			const uint8_t *got =
			    km_ptr(km, map_va(km, (enum md_topo_map)m, cpu), lx->cpumask_size);
			if (got && present) {
				for (size_t b = 0; b < lx->cpumask_size; b++)
					got_masked[b] = got[b] & present[b];
				got = got_masked;
			}
			if (!got || memcmp(got, want, lx->cpumask_size)) {
				bad++;
				NOTE("cpu %u: %s differs (host has %zu cpus); ", cpu, map_names[m],
				     k);
			}
		}
	}
#undef NOTE
	return bad;
}
