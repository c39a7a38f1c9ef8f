/*
 * bench/speed.c — see speed.h. Host time is measured here and only here:
 * these figures describe the simulator, never the simulated machine.
 */
#define _GNU_SOURCE
#include "bench/speed.h"
#include "util/errf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/bare.h"
#include "sim/sim.h"
#include "sim/tunables.h"

#define RAM_SIZE  (8ull << 20)
#define STACK_TOP 0x200000ull

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int bench_speed_run(const char *elf, uint64_t iters, unsigned repeats,
                    struct bench_speed_point *pts, size_t max, char *err, size_t n)
{
	static const struct {
		const char *name, *sym;
		unsigned per_iter;
	} loops[] = {{"loop16", "st_loop16", 16}, {"loop4", "st_loop4", 4}};
	static const char *const setups[] = {"raw", "block-counter", "full-machine"};
	struct sim_config cfg;
	struct sim *s = NULL;
	struct sim_bare *bare = NULL;
	size_t np = 0;
	int rc = -1;

	sim_config_default(&cfg);
	cfg.image = elf;
	cfg.ram_size = RAM_SIZE;
	cfg.max_cpus = 2;
	cfg.insn_budget = SIM_INSN_BUDGET_MAX; /* the loops end by themselves */
	if (sim_create(&cfg, &s, err, n) || sim_bare_open(elf, RAM_SIZE, &bare, err, n))
		goto out;
	for (size_t l = 0; l < 2; l++) {
		uint64_t fn;
		if (sim_sym(s, loops[l].sym, &fn)) {
			util_errf(err, n, "%s: no %s", elf, loops[l].sym);
			goto out;
		}
		/* Fewer iterations of the shorter loop: similar run times. */
		uint64_t it = iters * 16 / loops[l].per_iter;
		double raw_ips = 0;
		for (size_t k = 0; k < 3 && np < max; k++) {
			double best = 1e30;
			uint64_t insns = it * loops[l].per_iter;
			for (unsigned r = 0; r < repeats; r++) {
				double secs;
				if (k < 2) {
					if (sim_bare_call(bare, fn, it, STACK_TOP, k == 1, &secs,
					                  err, n))
						goto out;
				} else {
					struct sim_verdict v;
					sim_strand_park(s, 0);
					if (sim_strand_start(s, 0, fn, 0)) {
						util_errf(err, n, "cannot start a strand");
						goto out;
					}
					double t0 = now();
					enum sim_stop why =
					    sim_call(s, 0, fn, &it, 1, STACK_TOP, NULL, &v);
					secs = now() - t0;
					if (why != SIM_STOP_RETURNED) {
						util_errf(err, n, "full-machine run: %s", v.msg);
						goto out;
					}
					insns = sim_strand_stats(s, 0)->insns;
				}
				if (secs < best)
					best = secs;
			}
			struct bench_speed_point *p = &pts[np++];
			p->loop = loops[l].name;
			p->setup = setups[k];
			p->insns = insns;
			p->seconds = best;
			p->ips = best > 0 ? (double)insns / best : 0;
			if (k == 0)
				raw_ips = p->ips;
			p->ratio = raw_ips > 0 ? p->ips / raw_ips : 0;
		}
	}
	rc = (int)np;
out:
	sim_bare_free(bare);
	sim_free(s);
	return rc;
}
