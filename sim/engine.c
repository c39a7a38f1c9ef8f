/*
 * sim/engine.c — engines: the Unicorn instances strands run on, their pool and cache, the
 * registers.
 */
#define _GNU_SOURCE
#include "sim/sim_impl.h"

/* Unicorn's ids of the window and global registers, by enum sim_reg (PC
 * and NPC are the privileged state's, sim/priv.h). */
static const int uc_reg_ids[SIM_REG_PC] = {
    UC_SPARC_REG_G0, UC_SPARC_REG_G1, UC_SPARC_REG_G2, UC_SPARC_REG_G3, UC_SPARC_REG_G4,
    UC_SPARC_REG_G5, UC_SPARC_REG_G6, UC_SPARC_REG_G7, UC_SPARC_REG_O0, UC_SPARC_REG_O1,
    UC_SPARC_REG_O2, UC_SPARC_REG_O3, UC_SPARC_REG_O4, UC_SPARC_REG_O5, UC_SPARC_REG_O6,
    UC_SPARC_REG_O7, UC_SPARC_REG_L0, UC_SPARC_REG_L1, UC_SPARC_REG_L2, UC_SPARC_REG_L3,
    UC_SPARC_REG_L4, UC_SPARC_REG_L5, UC_SPARC_REG_L6, UC_SPARC_REG_L7, UC_SPARC_REG_I0,
    UC_SPARC_REG_I1, UC_SPARC_REG_I2, UC_SPARC_REG_I3, UC_SPARC_REG_I4, UC_SPARC_REG_I5,
    UC_SPARC_REG_I6, UC_SPARC_REG_I7};

/* Register r of an instruction's encoding (enum sim_reg's order); 0 if
 * the engine refuses. */
uint64_t sim__arch_reg(uc_engine *uc, unsigned r)
{
	uint64_t v = 0;
	if (r && uc_reg_read(uc, uc_reg_ids[r & 31], &v))
		return 0;
	return v;
}

/* ---- engines ----------------------------------------------------------- */

int sim__engine_open(struct sim *s, struct engine **out, char *err, size_t n)
{
	struct sim_engines *c = s->cfg.engines;
	struct engine *e = NULL;
	uc_err ue;
	struct engine **all = realloc(s->all, (s->opened + 1) * sizeof *all);
	if (!all) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	s->all = all;
	if (c && c->nidle) {
		e = c->idle[--c->nidle];
	} else {
		e = calloc(1, sizeof *e);
		if (!e) {
			util_errf(err, n, "out of memory");
			return SIM_E_NOMEM;
		}
		char why[sizeof s->host_err - 128];
		if (sim_priv_open(s->priv, &e->uc, &e->cpu, why, sizeof why)) {
			/* One engine per strand running at once: say how many. */
			if (!s->host_err[0])
				snprintf(s->host_err, sizeof s->host_err,
				         "cannot open engine %u (%u open, one per strand running "
				         "at once, and %llu MiB of guest RAM): %s",
				         s->opened + 1, s->opened,
				         (unsigned long long)(s->cfg.ram_size >> 20), why);
			util_errf(err, n, "%s", why);
			free(e);
			return SIM_E_UNICORN;
		}
		if (c)
			c->opened++;
	}
	/* RAM appears at its real address (kernel virtual == real for the
	 * image) minus the first SIM_NULL_GUARD bytes, which the kernel never
	 * maps: a NULL dereference faults there as on real hardware. The
	 * kernel's linear map (PAGE_OFFSET + ra) is the same RAM, whole: the
	 * strand never turns QEMU's MMU on, so the alias is a second mapping.
	 * An engine from a cache has the cache's RAM, which is this sim's. */
	if ((!e->mapped &&
	     ((ue = uc_mem_map_ptr(e->uc, SIM_NULL_GUARD, s->cfg.ram_size - SIM_NULL_GUARD,
	                           UC_PROT_ALL, s->ram + SIM_NULL_GUARD)) ||
	      (s->cfg.linear_base &&
	       (ue = uc_mem_map_ptr(e->uc, s->cfg.linear_base, s->cfg.ram_size, UC_PROT_ALL,
	                            s->ram))))) ||
	    (ue = uc_hook_add(e->uc, &e->hooks[0], UC_HOOK_BLOCK, (void *)sim__hook_block, s, 1,
	                      0)) ||
	    (ue =
	         uc_hook_add(e->uc, &e->hooks[1], UC_HOOK_INTR, (void *)sim__hook_intr, s, 1, 0)) ||
	    (ue = uc_hook_add(e->uc, &e->hooks[2], UC_HOOK_MEM_INVALID,
	                      (void *)sim__hook_mem_invalid, s, 1, 0)) ||
	    (s->mem && (ue = uc_hook_add(e->uc, &e->hooks[3], UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
	                                 (void *)sim__hook_mem, s, 1, 0)))) {
		util_errf(err, n, "%s: engine set-up: %s", sim_priv_version(s->priv),
		         uc_strerror(ue));
		sim_priv_close(e->uc); /* half set up: not fit for the cache */
		free(e);
		return SIM_E_UNICORN;
	}
	e->mapped = c != NULL;
	s->all[s->opened++] = e;
	*out = e;
	return SIM_OK;
}

/* Give an engine back to the cache, stripped of this sim: its hooks and
 * translated code (the RAM stays mapped: it is the cache's). Closed if
 * that fails. */
void sim__engine_return(struct sim *s, struct engine *e)
{
	struct sim_engines *c = s->cfg.engines;
	/* Translations are not reclaimed across sims (every sim translates
	 * its code again), so an engine's JIT buffer grows with each: after
	 * SIM_ENGINE_REUSE_MAX sims it is closed, leaking its TLB once. */
	int ok = c != NULL && ++e->sims < SIM_ENGINE_REUSE_MAX;
	for (int i = 0; i < 3; i++)
		ok = ok && e->hooks[i] && uc_hook_del(e->uc, e->hooks[i]) == UC_ERR_OK;
	ok = ok && (!e->hooks[3] || uc_hook_del(e->uc, e->hooks[3]) == UC_ERR_OK);
	if (e->stop_hook)
		ok = ok && uc_hook_del(e->uc, e->stop_hook) == UC_ERR_OK;
	/* The next sim's image may differ (another guest, other code
	 * patches): drop the blocks translated from this one. Guest code
	 * lives only in the image; a range per page costs, so not all RAM. */
	uint64_t lo, hi;
	sim_image_extent(s->img, &lo, &hi);
	ok = ok && uc_ctl_remove_cache(e->uc, lo, hi) == UC_ERR_OK;
	if (s->cfg.linear_base)
		ok = ok && uc_ctl_remove_cache(e->uc, s->cfg.linear_base + lo,
		                               s->cfg.linear_base + hi) == UC_ERR_OK;
	if (ok && c->nidle == c->cap) {
		unsigned nc = c->cap ? c->cap * 2 : 16;
		struct engine **idle = realloc(c->idle, nc * sizeof *idle);
		ok = idle != NULL;
		if (ok) {
			c->idle = idle;
			c->cap = nc;
		}
	}
	if (!ok) {
		sim_priv_close(e->uc);
		free(e);
		return;
	}
	memset(e->hooks, 0, sizeof e->hooks);
	e->stop_hook = 0;
	c->idle[c->nidle++] = e;
}

int sim_engines_create(struct sim_engines **out, char *err, size_t n)
{
	struct sim_engines *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	if (sim_priv_probe(&c->priv, err, n)) {
		free(c);
		return SIM_E_UNICORN;
	}
	*out = c;
	return SIM_OK;
}

void sim_engines_free(struct sim_engines *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nidle; i++) {
		sim_priv_close(c->idle[i]->uc);
		free(c->idle[i]);
	}
	free(c->idle);
	sim_priv_free(c->priv);
	if (c->ram)
		munmap(c->ram, c->ram_size);
	free(c);
}

unsigned sim_engines_opened(const struct sim_engines *c)
{
	return c ? c->opened : 0;
}

void sim_pool_stats(const struct sim *s, unsigned *opened, unsigned *idle)
{
	*opened = s->opened;
	*idle = s->npool;
}

void sim__engine_release(struct sim *s, struct engine *e)
{
	if (e->stop_hook) {
		uc_err ue = uc_hook_del(e->uc, e->stop_hook);
		e->stop_hook = 0;
		if (ue) {
			/* It would stop the next strand at this one's address:
			 * not fit for the pool (sim_free closes it). */
			if (!s->host_err[0])
				snprintf(s->host_err, sizeof s->host_err,
				         "%s: removing a stop hook: %s", sim_priv_version(s->priv),
				         uc_strerror(ue));
			return;
		}
	}
	s->pool[s->npool++] = e;
}

void sim_strand_oregs(struct sim *s, unsigned cpu, uint64_t o[6])
{
	for (int i = 0; i < 6; i++)
		o[i] = sim_strand_reg(s, cpu, SIM_REG_O0 + i);
}

void sim_strand_set_oregs(struct sim *s, unsigned cpu, const uint64_t *o, unsigned n)
{
	for (unsigned i = 0; i < n && i < 6; i++)
		sim_strand_set_reg(s, cpu, SIM_REG_O0 + i, o[i]);
}

/* A register access the engine refused is a host failure: the run is
 * unusable (sim_host_error). */
static void reg_failed(struct sim *s, const char *op, enum sim_reg reg, uc_err e)
{
	if (!s->host_err[0])
		snprintf(s->host_err, sizeof s->host_err, "%s: %s register %d: %s",
		         sim_priv_version(s->priv), op, (int)reg, uc_strerror(e));
}

uint64_t sim_strand_reg(struct sim *s, unsigned cpu, enum sim_reg reg)
{
	struct strand *st = sim__strand_of(s, cpu);
	uint64_t v = 0;
	uc_err e;
	if (!st || !st->active || (unsigned)reg >= SIM_REG_COUNT)
		return 0;
	if (reg == SIM_REG_PC)
		return sim_priv_pc(&st->eng->cpu);
	if (reg == SIM_REG_NPC)
		return sim_priv_npc(&st->eng->cpu);
	if ((e = uc_reg_read(st->eng->uc, uc_reg_ids[reg], &v))) {
		reg_failed(s, "read", reg, e);
		return 0;
	}
	return v;
}

int sim_strand_set_reg(struct sim *s, unsigned cpu, enum sim_reg reg, uint64_t v)
{
	struct strand *st = sim__strand_of(s, cpu);
	uc_err e;
	if (!st || !st->active)
		return SIM_E_CPU;
	if ((unsigned)reg >= SIM_REG_COUNT)
		return SIM_E_ARG;
	const struct sim_priv_cpu *c = &st->eng->cpu;
	if (reg == SIM_REG_PC) {
		sim_priv_set_pc(c, v, v + 4);
		return SIM_OK;
	}
	if (reg == SIM_REG_NPC) {
		sim_priv_set_pc(c, sim_priv_pc(c), v);
		return SIM_OK;
	}
	if ((e = uc_reg_write(st->eng->uc, uc_reg_ids[reg], &v))) {
		reg_failed(s, "write", reg, e);
		return SIM_E_UNICORN;
	}
	return SIM_OK;
}
