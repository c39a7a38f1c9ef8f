/*
 * sim/bare.c — see bare.h.
 */
#define _GNU_SOURCE
#include "sim/bare.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include "util/errf.h"
#include "sim/image.h"
#include "sim/priv.h"
#include "sim/sim.h"

struct sim_bare {
	struct sim_priv *priv;
	struct sim_image *img;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t ret_addr; /* sim_return */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int sim_bare_open(const char *elf, uint64_t ram_size, struct sim_bare **out, char *err, size_t n)
{
	int rc;
	struct sim_bare *b = calloc(1, sizeof *b);
	*out = NULL;
	if (!b) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	b->ram_size = ram_size;
	if ((rc = sim_priv_probe(&b->priv, err, n) ? SIM_E_UNICORN : 0) ||
	    (rc = sim_image_open(elf, &b->img, err, n) ? SIM_E_IMAGE : 0))
		goto fail;
	b->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->ram == MAP_FAILED) {
		b->ram = NULL;
		util_errf(err, n, "out of memory");
		rc = SIM_E_NOMEM;
		goto fail;
	}
	if (sim_image_load(b->img, b->ram, 0, ram_size, err, n)) {
		rc = SIM_E_IMAGE;
		goto fail;
	}
	if (sim_image_sym(b->img, "sim_return", &b->ret_addr, NULL)) {
		util_errf(err, n, "%s: no sim_return", elf);
		rc = SIM_E_NOSYM;
		goto fail;
	}
	*out = b;
	return SIM_OK;
fail:
	sim_bare_free(b);
	return rc;
}

void sim_bare_free(struct sim_bare *b)
{
	if (!b)
		return;
	if (b->ram)
		munmap(b->ram, b->ram_size);
	sim_image_free(b->img);
	sim_priv_free(b->priv);
	free(b);
}

static void count_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	*(uint64_t *)user += size >> 2;
}

/* The trap that ends the run (the `ta` at ret_addr). user: the uc_err of
 * the stop, which the caller reports (a refused stop would let the run go
 * on past the function measured). */
static void stop_on_trap(uc_engine *uc, uint32_t intno, void *user)
{
	*(uc_err *)user = uc_emu_stop(uc);
}

int sim_bare_call(struct sim_bare *b, uint64_t fn, uint64_t arg0, uint64_t sp, int count_blocks,
                  double *secs, char *err, size_t n)
{
	uc_engine *uc;
	struct sim_priv_cpu c;
	uint64_t insns = 0;
	uc_hook h;
	uc_err e, stop = UC_ERR_OK;
	if (sim_priv_open(b->priv, &uc, &c, err, n))
		return SIM_E_UNICORN;
	sim_priv_reset(&c);
	/* The C calling convention: a minimal frame below the biased stack. */
	uint64_t o7 = b->ret_addr - 8, bsp = sp - 192 - 2047;
	if ((e = uc_mem_map_ptr(uc, 0, b->ram_size, UC_PROT_ALL, b->ram)) ||
	    (e = uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)stop_on_trap, &stop, 1, 0)) ||
	    (count_blocks &&
	     (e = uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void *)count_block, &insns, 1, 0))) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_O0, &arg0)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_O7, &o7)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_SP, &bsp))) {
		util_errf(err, n, "engine set-up: %s", uc_strerror(e));
		sim_priv_close(uc);
		return SIM_E_UNICORN;
	}
	double t0 = now();
	e = uc_emu_start(uc, fn, 0xfffffffffffffff0ull, 0, 0);
	*secs = now() - t0;
	sim_priv_close(uc);
	if (e || stop) {
		util_errf(err, n, "bare run: %s", uc_strerror(e ? e : stop));
		return SIM_E_UNICORN;
	}
	return SIM_OK;
}
