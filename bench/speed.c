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
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include "sim/image.h"
#include "sim/priv.h"
#include "sim/tunables.h"
#include "sim/sim.h"

#define RAM_SIZE  (8ull << 20)
#define STACK_TOP 0x200000ull

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct counter {
	uint64_t insns;
};

static void count_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	((struct counter *)user)->insns += size >> 2;
}

static void stop_on_trap(uc_engine *uc, uint32_t intno, void *user)
{
	uc_emu_stop(uc);
}

/* A bare engine on the image: raw (only the trap that ends the run is
 * hooked, it fires once) or with a block counter. */
static int run_bare(const struct sim_priv *priv, uint8_t *ram, uint64_t fn, uint64_t ret_addr,
                    uint64_t iters, int counter, double *secs, char *err, size_t n)
{
	uc_engine *uc;
	struct sim_priv_cpu c;
	struct counter cnt = {0};
	uc_hook h;
	uc_err e;
	if (sim_priv_open(priv, &uc, &c, err, n))
		return -1;
	if ((e = uc_mem_map_ptr(uc, 0, RAM_SIZE, UC_PROT_ALL, ram)) ||
	    (e = uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)stop_on_trap, NULL, 1, 0)) ||
	    (counter &&
	     (e = uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void *)count_block, &cnt, 1, 0)))) {
		util_errf(err, n, "engine set-up: %s", uc_strerror(e));
		uc_close(uc);
		return -1;
	}
	sim_priv_reset(&c);
	uint64_t o7 = ret_addr - 8, sp = STACK_TOP - 192 - 2047;
	uc_reg_write(uc, UC_SPARC_REG_O0, &iters);
	uc_reg_write(uc, UC_SPARC_REG_O7, &o7);
	uc_reg_write(uc, UC_SPARC_REG_SP, &sp);
	double t0 = now();
	e = uc_emu_start(uc, fn, 0xfffffffffffffff0ull, 0, 0);
	*secs = now() - t0;
	uc_close(uc);
	if (e) {
		util_errf(err, n, "bare run: %s", uc_strerror(e));
		return -1;
	}
	return 0;
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
	struct sim_priv *priv = NULL;
	struct sim_image *img = NULL;
	uint8_t *ram = NULL;
	size_t np = 0;
	int rc = -1;

	sim_config_default(&cfg);
	cfg.image = elf;
	cfg.ram_size = RAM_SIZE;
	cfg.max_cpus = 2;
	cfg.insn_budget = SIM_INSN_BUDGET_MAX; /* the loops end by themselves */
	if (sim_create(&cfg, &s, err, n) || sim_priv_probe(&priv, err, n) ||
	    sim_image_open(elf, &img, err, n))
		goto out;
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		ram = NULL;
		util_errf(err, n, "out of memory");
		goto out;
	}
	if (sim_image_load(img, ram, 0, RAM_SIZE, err, n))
		goto out;
	uint64_t ret_addr;
	if (sim_sym(s, "sim_return", &ret_addr)) {
		util_errf(err, n, "%s: no sim_return", elf);
		goto out;
	}
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
					if (run_bare(priv, ram, fn, ret_addr, it, k == 1, &secs,
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
	if (ram)
		munmap(ram, RAM_SIZE);
	sim_image_free(img);
	sim_priv_free(priv);
	sim_free(s);
	return rc;
}
