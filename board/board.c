/*
 * board/board.c — see board.h.
 */
#include "board/board.h"

#include <stdio.h>
#include <string.h>

#include "hv/hv.h"
#include "kernel-model/km.h"
#include "kernel-model/tunables.h"
#include "lx/lx.h"
#include "sim/sim.h"

/* Where OBP leaves the boot strand: the image's entry (KERNBASE). */
#define BOARD_ENTRY(lx) ((lx)->kernbase)

void board_config_default(struct board_config *c)
{
	struct sim_config sc;
	sim_config_default(&sc);
	memset(c, 0, sizeof *c);
	c->ram_size = sc.ram_size;
	c->insn_budget = sc.insn_budget;
}

int board_create(const struct board_config *c, struct board *b, char *err, size_t n)
{
	struct lx_layout lx;
	struct sim_config sc;
	memset(b, 0, sizeof *b);
	/* The guest's layouts first: NR_CPUS sizes the machine. */
	if (c->lx)
		lx = *c->lx;
	else if (lx_layout_load(c->image, &lx, err, n))
		return -1;
	sim_config_default(&sc);
	sc.image = c->image;
	sc.ram_size = c->ram_size;
	sc.insn_budget = c->insn_budget;
	if (c->pool_max)
		sc.pool_max = c->pool_max;
	sc.linear_base = KM_PAGE_OFFSET;
	sc.max_cpus = (unsigned)lx.nr_cpus;
	sc.engines = c->engines;
	if (sim_create(&sc, &b->sim, err, n))
		return -1;
	if (hv_create(b->sim, sc.max_cpus, &b->hv)) {
		snprintf(err, n, "out of memory (hypervisor model)");
		goto fail;
	}
	if (km_create(b->sim, b->hv, &lx, &b->km, err, n))
		goto fail;
	if (c->profile && sim_profile_enable(b->sim)) {
		snprintf(err, n, "out of memory (profile)");
		goto fail;
	}
	return 0;
fail:
	board_free(b);
	return -1;
}

void board_free(struct board *b)
{
	sim_free(b->sim); /* and the hypervisor model, attached to it */
	km_free(b->km);
	memset(b, 0, sizeof *b);
}

int board_cpu_queues(struct board *b, unsigned cpu)
{
	static const unsigned qbits[4] = BOARD_MONDO_QBITS;
	return km_cpu_queues(b->km, cpu, qbits);
}

int board_boot_state(struct board *b, char *err, size_t n)
{
	return km_boot_state(b->km, err, n) ? -1 : 0;
}

int board_mondo_queues(struct board *b, unsigned ncpus, char *err, size_t n)
{
	const struct lx_layout *lx = km_layout(b->km);
	for (unsigned cpu = 0; cpu < ncpus && cpu < lx->nr_cpus; cpu++)
		if (board_cpu_queues(b, cpu)) {
			snprintf(err, n, "kernel heap exhausted allocating mondo queues");
			return -1;
		}
	return 0;
}

int board_boot_strand(struct board *b, unsigned cpu, struct km_thread *t, char *err, size_t n)
{
	if (sim_strand_start(b->sim, cpu, BOARD_ENTRY(km_layout(b->km)), 0) ||
	    km_thread_setup(b->km, cpu, cpu, "swapper/0", t)) {
		snprintf(err, n, "cannot start the boot strand");
		return -1;
	}
	hv_set_running(b->hv, cpu);
	hv_set_boot_cpu(b->hv, cpu);
	return 0;
}
