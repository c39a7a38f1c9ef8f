/*
 * bench/run_topo.c — the fidelity check of a run: the guest's cpu ids and
 * sibling maps, read from guest memory, against the host computation
 * (traces/md_topo) of the MD the guest was handed last, and the stale
 * bits Linux leaves of removed cpus.
 */
#include "bench/run.h"

#include "bench/run_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel-model/km.h"
#include "sim/sim.h"
#include "traces/md.h"
#include "traces/md_topo.h"

/* Append "; "-separated notes to report (no trailing separator). */
static void note(char *report, size_t n, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (!report || *used + 3 >= n)
		return;
	if (*used)
		*used += (size_t)snprintf(report + *used, n - *used, "; ");
	va_start(ap, fmt);
	int k = vsnprintf(report + *used, n - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used = *used + (size_t)k < n ? *used + (size_t)k : n - 1;
}

/* A guest cpumask by kernel virtual address (image or linear map). */
static const uint8_t *guest_cpumask(struct bench_run *r, uint64_t va)
{
	const struct lx_layout *lx = r->lx;
	uint64_t ra = va >= 0xffff800000000000ull ? va - 0xffff800000000000ull : va;
	return sim_ra_ptr(r->board.sim, ra, lx->cpumask_size);
}

static int mask_bit(const uint8_t *m, unsigned cpu)
{
	return m[8 * (cpu / 64) + 7 - (cpu % 64) / 8] >> (cpu % 8) & 1;
}

/* The guest's cpu_data ids and four sibling maps against the host
 * computation (traces/md_topo) of an MD, as Linux 6.1 leaves them: over
 * the cpus present in the guest (smp_fill_in_sib_core_maps walks the
 * present mask; a cpu the MD has but no configure added is not there).
 * __cpu_disable clears a removed cpu from the core and sibling maps only;
 * cpu_core_sib_map and cpu_core_sib_cache_map are only ever set, so the
 * bits of cpus no longer present stay: counted in r->topo_stale, not as
 * differences. Returns the strands that differ, SIZE_MAX (report says
 * why) when the host cannot compute the MD's topology. */
size_t bench_run_topo_check(struct bench_run *r, const uint8_t *md_bytes, size_t len, char *report,
                            size_t n)
{
	const struct lx_layout *lx = r->lx;
	static const char *const maps[] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
	                                   "cpu_core_sib_cache_map"};
	static const char *const id_names[] = {"core_id", "proc_id", "sock_id", "max_cache_id"};
	struct md *md = NULL;
	struct md_topo *topo = NULL;
	struct md_err me;
	size_t diffs = 0, used = 0, noted = 0;
	uint64_t va, map_va[4];
	const uint8_t *present = NULL;
	uint8_t want[LX_MAX_CPUMASK_SIZE], stale_cpus[LX_MAX_CPUMASK_SIZE];
	if (report && n)
		report[0] = 0;
	r->topo_stale = 0;
	r->topo_stale_report[0] = 0;
	if (md_read(md_bytes, len, &md, &me) || md_topo_compute(md, &topo, &me)) {
		note(report, n, &used, "%s", me.msg);
		diffs = SIZE_MAX;
		goto out;
	}
	if (!sim_sym(r->board.sim, "__cpu_present_mask", &va))
		present = guest_cpumask(r, va);
	for (int m = 0; m < 4; m++)
		if (sim_sym(r->board.sim, maps[m], &map_va[m]))
			present = NULL;
	if (!present) {
		note(report, n, &used, "the guest image lacks the present mask or a sibling map");
		diffs = SIZE_MAX;
		goto out;
	}
	memset(stale_cpus, 0, lx->cpumask_size);
	for (unsigned cpu = 0; cpu < lx->nr_cpus; cpu++) {
		if (!mask_bit(present, cpu))
			continue;
		size_t bad = 0;
		struct km_cpu_ids g;
		if (!md_topo_present(topo, cpu) || km_cpu_ids(r->board.km, cpu, &g)) {
			if (noted++ < 8)
				note(report, n, &used,
				     "cpu %u: present in the guest, not in the MD", cpu);
			diffs++;
			continue;
		}
		int32_t e[4] = {md_topo_core_id(topo, cpu), md_topo_proc_id(topo, cpu),
		                md_topo_sock_id(topo, cpu), md_topo_max_cache_id(topo, cpu)};
		int32_t gv[4] = {g.core_id, g.proc_id, g.sock_id, g.max_cache_id};
		for (int k = 0; k < 4; k++) /* proc_id is signed in cpuinfo_sparc, the others u16 */
			if ((k == 1 ? e[k] : (int32_t)(uint16_t)e[k]) != gv[k]) {
				bad++;
				if (noted++ < 8)
					note(report, n, &used, "cpu %u: %s guest %d host %d", cpu,
					     id_names[k], gv[k], e[k]);
			}
		for (int m = 0; m < 4; m++) {
			const uint32_t *ids;
			size_t k = md_topo_siblings(topo, cpu, (enum md_topo_map)m, &ids);
			memset(want, 0, lx->cpumask_size);
			for (size_t j = 0; j < k; j++)
				if (ids[j] < lx->nr_cpus && mask_bit(present, ids[j]))
					want[8 * (ids[j] / 64) + 7 - (ids[j] % 64) / 8] |=
					    (uint8_t)(1u << (ids[j] % 8));
			uint64_t a =
			    map_va[m] + (m == MD_TOPO_SIBLING ? km_per_cpu_offset(r->board.km, cpu)
			                                      : (uint64_t)cpu * lx->cpumask_size);
			const uint8_t *got = guest_cpumask(r, a);
			int differs = !got;
			for (size_t b = 0; got && b < lx->cpumask_size; b++) {
				uint8_t gb = got[b];
				/* never cleared: the bits of cpus gone since stay */
				if (m >= MD_TOPO_CORE_SIB) {
					uint8_t gone = gb & (uint8_t)~present[b];
					r->topo_stale += (size_t)__builtin_popcount(gone);
					stale_cpus[b] |= gone;
					gb &= present[b];
				}
				differs |= gb != want[b];
			}
			if (differs) {
				bad++;
				if (noted++ < 8)
					note(report, n, &used,
					     "cpu %u: %s differs (host has %zu cpus)", cpu, maps[m],
					     k);
			}
		}
		diffs += bad != 0;
	}
	if (r->topo_stale) {
		size_t u = 0, listed = 0;
		char *s = r->topo_stale_report;
		size_t sn = sizeof r->topo_stale_report;
		u += (size_t)snprintf(s, sn, "%zu stale bit%s of cpus no longer present (",
		                      r->topo_stale, r->topo_stale == 1 ? "" : "s");
		for (unsigned c = 0; c < lx->nr_cpus && u < sn; c++)
			if (mask_bit(stale_cpus, c) && listed++ < 16)
				u += (size_t)snprintf(s + u, sn - u, "%s%u", listed > 1 ? "," : "",
				                      c);
		if (u < sn)
			snprintf(s + u, sn - u,
			         "%s) in cpu_core_sib_map/cpu_core_sib_cache_map: Linux never "
			         "clears them",
			         listed > 16 ? ",..." : "");
	}
out:
	md_topo_free(topo);
	md_free(md);
	return diffs;
}

size_t bench_run_topology_check(struct bench_run *r, char *report, size_t n)
{
	if (!r->handed_md) {
		if (report && n)
			snprintf(report, n, "no MD was handed to the guest");
		return SIZE_MAX;
	}
	return bench_run_topo_check(r, r->handed_md, r->handed_len, report, n);
}
