/*
 * sim/memmodel.c — the memory model's part of the machine (sim.h, "the
 * memory model"): the Unicorn memory hook of every load and store, the
 * instruction fetches of each executed block, and the stall they charge.
 */
#include "sim/sim_impl.h"

int sim_memory_model(struct sim *s, const struct sim_mem_cpu *cpus)
{
	if (s->opened || s->mem) /* engines already run without the hook */
		return SIM_E_ARG;
	for (unsigned c = 0; c < s->cfg.max_cpus; c++)
		if (cpus[c].data.nlevels > CACHE_MAX_LEVELS ||
		    cpus[c].insn.nlevels > CACHE_MAX_LEVELS)
			return SIM_E_ARG;
	if (s->prof && sim_prof_memory_enable(s->prof))
		return SIM_E_NOMEM;
	if (!(s->mem = malloc(s->cfg.max_cpus * sizeof *s->mem)))
		return SIM_E_NOMEM;
	memcpy(s->mem, cpus, s->cfg.max_cpus * sizeof *s->mem);
	return SIM_OK;
}

int sim_memory_model_on(const struct sim *s)
{
	return s->mem != NULL;
}

/* The caches see real addresses: the kernel's linear map is RAM again. */
static inline uint64_t real_addr(const struct sim *s, uint64_t a)
{
	return s->cfg.linear_base && a >= s->cfg.linear_base ? a - s->cfg.linear_base : a;
}

/* Stall st for `cycles` of its cpu (returns the picoseconds); the
 * slice's instruction limit shrinks as a charge's does (sim__slice_check),
 * but the slice ends only at the next block (the hook runs inside one). */
static uint64_t stall(struct sim *s, struct strand *st, uint64_t cycles)
{
	uint64_t ps = sat_mul(cycles, s->ps_per_cycle[st->cpu]);
	st->clock_ps = clock_add(st->clock_ps, ps);
	st->stats.mem_stall_ps = sat_add(st->stats.mem_stall_ps, ps);
	if (s->stepping != st || st->horizon_ps == UINT64_MAX)
		return ps;
	uint64_t now = clock_add(
	    st->clock_ps, sat_mul(st->stats.insns - st->insns_base, s->ps_per_insn[st->cpu]));
	uint64_t left =
	    now >= st->horizon_ps ? 0 : (st->horizon_ps - now) / s->ps_per_insn[st->cpu] + 1;
	if (sat_add(st->stats.insns, left) < st->limit)
		st->limit = st->stats.insns + left;
	return ps;
}

static void account(struct sim *s, struct strand *st, const struct cache_path *p,
                    const uint32_t *lat, enum cache_kind k, int lvl, uint64_t addr)
{
	if (lvl < 0) {
		sim__stop(s, st, SIM_STOP_HOST, sim_priv_pc(&st->eng->cpu), 0, addr,
		          "memory model: %s", cache_strerror(lvl));
		return;
	}
	st->stats.mem_served[k][lvl]++;
	uint64_t ps = 0;
	if (lvl > 0 && k != CACHE_WRITE && lat[lvl] > lat[0])
		ps = stall(s, st, lat[lvl] - lat[0]);
	if (s->prof_mem && *s->prof_mem) { /* charged to the function the thread runs */
		struct sim_prof_mem *m = &(*s->prof_mem)[st->prof_cur.node];
		m->served[k][lvl]++;
		m->stall_ps += ps;
	}
}

void sim__hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                   void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	const struct sim_mem_cpu *m = &s->mem[st->cpu];
	enum cache_kind k = type == UC_MEM_WRITE ? CACHE_WRITE : CACHE_READ;
	int lvl = cache_path_access(&m->data, real_addr(s, addr), (uint32_t)size, k);
	account(s, st, &m->data, m->data_lat, k, lvl, addr);
}

void sim__mem_fetch(struct sim *s, struct strand *st, uint64_t addr, uint32_t size)
{
	const struct sim_mem_cpu *m = &s->mem[st->cpu];
	int lvl = cache_path_access(&m->insn, real_addr(s, addr), size, CACHE_FETCH);
	account(s, st, &m->insn, m->insn_lat, CACHE_FETCH, lvl, addr);
}
