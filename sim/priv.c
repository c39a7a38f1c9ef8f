/*
 * sim/priv.c — QEMU internals of libunicorn.so.2 (2.0.1) used for
 * privileged sparc64 state. See priv.h for the contract. Offsets below were
 * found on Debian's 2.0.1 build (DESIGN.md, "Facts about the dependencies");
 * sim_priv_probe() re-verifies every one of them before anything relies on
 * them.
 */
#define _GNU_SOURCE
#include "util/errf.h"
#include "sim/priv.h"
#include "sim/tunables.h"
#include "util/bytes.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Layout of Unicorn 2.0.1 (x86_64, Debian build). */
#define UCP_HANDLE_CPU    0x180  /* struct uc_struct: CPUState *cpu */
#define UCP_CPU_ENV_PTR   0x128  /* CPUState: env_ptr */
#define UCP_CPU_ENV       0x8ca0 /* SPARCCPU: env, inline */
#define UCP_CPU_EXC_INDEX 0x81a0 /* CPUState: int32 exception_index */
#define UCP_ENV_GREGS     0x00   /* CPUSPARCState: gregs[8] */
#define UCP_ENV_REGWPTR   0x40   /* target_ulong *regwptr */
#define UCP_ENV_PC        0x48
#define UCP_ENV_NPC       0x50
#define UCP_ENV_PSTATE    0x1c48 /* uint32 */
#define UCP_ENV_TL        0x1c4c /* uint32 */
#define UCP_ENV_MAXTL     0x1c50 /* uint32, 6 on the T1 model */
#define UCP_ENV_SIZE      0x4000 /* generous bound for pointer checks */
/* CPUSPARCState from gregs up to its sparc_def_t: the registers, every
 * window (regbase), the MMU registers and TLBs, the trap stack, GL's
 * global sets, the scratchpads and softint; what follows is the cpu
 * model's definition and engine plumbing. Its pointers (regwptr, the
 * tick/stick/hstick timers) are found by sim_priv_probe: the words that
 * differ between two fresh engines. */
#define UCP_ENV_STATE_END 0x2080
#define UCP_ENV_WORDS     (UCP_ENV_STATE_END / 8)

/* Hand-assembled probe program (sparc64-linux-gnu-as -Av9):
 *   0x100: wrpr %g1, 0, %tba   privileged: fails unless reset worked
 *   0x104: ta   0x55           hook checks exception_index, pc, npc; then
 *                              injects trap 0x80 (spill_0_normal)
 *   tba + 0x80 * 32: ta 0x56   hook checks TL == 1 and the vector address */
#define PROBE_BASE       0x0
#define PROBE_SIZE       0x10000
#define PROBE_CODE       0x100
#define PROBE_TBA        0x8000
#define INSN_WRPR_G1_TBA 0x8b906000u
#define INSN_TA_55       0x91d02055u
#define INSN_TA_56       0x91d02056u

struct sim_priv {
	char version[48];
	uint8_t engine_word[UCP_ENV_WORDS]; /* 1: per engine (a pointer), not state */
	void (*change_pstate)(void *env, uint32_t pstate); /* cpu_change_pstate_sparc64 */
	void (*put_ccr)(void *env, uint64_t ccr);          /* cpu_put_ccr_sparc64 */
	void (*put_cwp64)(void *env, int cwp);             /* cpu_put_cwp64_sparc64 */
	void (*do_interrupt)(void *cpu);                   /* sparc_cpu_do_interrupt_sparc64 */
};

const char *sim_priv_version(const struct sim_priv *p)
{
	return p->version;
}

static uint64_t env_u64(const uint8_t *env, size_t off)
{
	uint64_t v;
	memcpy(&v, env + off, sizeof v);
	return v;
}

static uint32_t env_u32(const uint8_t *env, size_t off)
{
	uint32_t v;
	memcpy(&v, env + off, sizeof v);
	return v;
}

/* Resolve the cpu state of a fresh engine and check it in O(1): env_ptr
 * points at the inline env, regwptr points into env, the G1/G2/PC/NPC words
 * hold what the public API just wrote, MAXTL is the T1's 6. */
static int attach(const struct sim_priv *p, uc_engine *uc, struct sim_priv_cpu *c, uint64_t seed,
                  char *err, size_t n)
{
	uint64_t g1 = 0x1d0a5c0000000001ull ^ seed, g2 = 0x2d0a5c0000000002ull ^ seed;
	uint64_t pc = 0x40000 + ((seed & 0xff) << 2), v;
	uc_err e;
	if ((e = uc_reg_write(uc, UC_SPARC_REG_G1, &g1)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_G2, &g2)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_PC, &pc))) {
		util_errf(err, n, "%s: uc_reg_write: %s", p->version, uc_strerror(e));
		return -1;
	}
	uint8_t *cpu = *(uint8_t **)((uint8_t *)uc + UCP_HANDLE_CPU);
	if (!cpu) {
		util_errf(err, n, "%s: no CPUState at handle+0x%x (layout differs from 2.0.1)",
		          p->version, UCP_HANDLE_CPU);
		return -1;
	}
	uint8_t *env = cpu + UCP_CPU_ENV;
	if (*(uint8_t **)(cpu + UCP_CPU_ENV_PTR) != env) {
		util_errf(err, n,
		          "%s: CPUState.env_ptr is not cpu+0x%x (layout differs from 2.0.1)",
		          p->version, UCP_CPU_ENV);
		return -1;
	}
	if (env_u64(env, UCP_ENV_GREGS + 8) != g1 || env_u64(env, UCP_ENV_GREGS + 16) != g2 ||
	    env_u64(env, UCP_ENV_PC) != pc || env_u64(env, UCP_ENV_NPC) != pc + 4) {
		util_errf(err, n, "%s: %%g1/%%g2/pc/npc not found at env+0x8/0x10/0x48/0x50",
		          p->version);
		return -1;
	}
	uint8_t *regw = *(uint8_t **)(env + UCP_ENV_REGWPTR);
	if (regw < env || regw >= env + UCP_ENV_SIZE) {
		util_errf(err, n, "%s: env->regwptr does not point into env", p->version);
		return -1;
	}
	if (env_u32(env, UCP_ENV_MAXTL) != 6) {
		util_errf(err, n, "%s: MAXTL at env+0x%x is %u, expected 6", p->version,
		          UCP_ENV_MAXTL, env_u32(env, UCP_ENV_MAXTL));
		return -1;
	}
	/* The public API must round-trip through the same words. */
	v = ~g1;
	if ((e = uc_reg_write(uc, UC_SPARC_REG_G1, &v)) || env_u64(env, UCP_ENV_GREGS + 8) != v) {
		util_errf(err, n, "%s: %%g1 write does not reach env+0x8", p->version);
		return -1;
	}
	v = 0;
	if ((e = uc_reg_write(uc, UC_SPARC_REG_G1, &v)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_G2, &v))) {
		util_errf(err, n, "%s: uc_reg_write: %s", p->version, uc_strerror(e));
		return -1;
	}
	c->priv = p;
	c->cpu = cpu;
	c->env = env;
	return 0;
}

/* MiB of virtual address space the process has mapped now (0: unknown). */
static unsigned long long vspace_used_mib(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE) >> 20;
}

/* 0 when an engine's address space can be reserved, else -1 with err
 * saying what ldomsim needs and how to give it (Unicorn would print
 * "Could not allocate dynamic translator buffer" and exit the process). */
static int vspace_check(const struct sim_priv *p, char *err, size_t n)
{
	size_t want = SIM_ENGINE_VSPACE + SIM_ENGINE_VSPACE_SLACK;
	void *m = mmap(NULL, want, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct rlimit rl;
	char lim[192] = "";
	int saved;
	if (m != MAP_FAILED) {
		munmap(m, want);
		return 0;
	}
	saved = errno;
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		unsigned long long used = vspace_used_mib();
		snprintf(lim, sizeof lim,
		         " (ulimit -v is %llu KiB with %llu MiB in use: this engine needs at "
		         "least %llu KiB)",
		         (unsigned long long)rl.rlim_cur >> 10, used, (used + (want >> 20)) << 10);
	}
	util_errf(err, n,
	          "%s: cannot reserve the %llu MiB of virtual address space an engine needs "
	          "(its translation buffer): %s%s. ldomsim needs about %llu GiB of virtual "
	          "address space per engine besides the guest RAM: raise ulimit -v or lift it "
	          "(ulimit -v unlimited)",
	          p->version, (unsigned long long)(want >> 20), strerror(saved), lim,
	          (unsigned long long)(SIM_ENGINE_VSPACE >> 30));
	return -1;
}

uc_err sim_priv_close(uc_engine *uc)
{
	return uc ? uc_close(uc) : UC_ERR_OK;
}
int sim_priv_open(const struct sim_priv *p, uc_engine **ucp, struct sim_priv_cpu *c, char *err,
                  size_t n)
{
	uc_engine *uc = NULL;
	uc_err e;
	if (vspace_check(p, err, n))
		return -1;
	e = uc_open(UC_ARCH_SPARC, UC_MODE_SPARC64 | UC_MODE_BIG_ENDIAN, &uc);
	if (e) {
		util_errf(err, n, "%s: uc_open(sparc64): %s", p->version, uc_strerror(e));
		return -1;
	}
	/* The cpu is created lazily by the first call that needs it: the model
	 * must be set before any register access. */
	if ((e = uc_ctl_set_cpu_model(uc, UC_CPU_SPARC64_SUN_ULTRASPARC_T1))) {
		util_errf(err, n, "%s: cpu model UltraSPARC T1: %s", p->version, uc_strerror(e));
		sim_priv_close(uc);
		return -1;
	}
	if (attach(p, uc, c, (uint64_t)(uintptr_t)uc, err, n)) {
		sim_priv_close(uc);
		return -1;
	}
	*ucp = uc;
	return 0;
}

void sim_priv_reset(const struct sim_priv_cpu *c)
{
	const struct sim_priv *p = c->priv;
	/* CCR first: it sets cc_op to CC_OP_FLAGS; with the never-reset 0,
	 * QEMU's trap entry dereferences a null cc helper. */
	p->put_ccr(c->env, 0);
	p->put_cwp64(c->env, 0);
	p->change_pstate(c->env, SIM_PSTATE_PRIV | SIM_PSTATE_PEF);
	/* TL = 0 (hvtramp writes GL itself: wrpr %g0,0,%gl). */
	uint32_t zero = 0;
	memcpy(c->env + UCP_ENV_TL, &zero, sizeof zero);
}

uint64_t sim_priv_pc(const struct sim_priv_cpu *c)
{
	return env_u64(c->env, UCP_ENV_PC);
}

uint64_t sim_priv_npc(const struct sim_priv_cpu *c)
{
	return env_u64(c->env, UCP_ENV_NPC);
}

void sim_priv_set_pc(const struct sim_priv_cpu *c, uint64_t pc, uint64_t npc)
{
	memcpy(c->env + UCP_ENV_PC, &pc, sizeof pc);
	memcpy(c->env + UCP_ENV_NPC, &npc, sizeof npc);
}

unsigned sim_priv_tl(const struct sim_priv_cpu *c)
{
	return env_u32(c->env, UCP_ENV_TL);
}

unsigned sim_priv_maxtl(const struct sim_priv_cpu *c)
{
	return env_u32(c->env, UCP_ENV_MAXTL);
}

uint32_t sim_priv_pstate(const struct sim_priv_cpu *c)
{
	return env_u32(c->env, UCP_ENV_PSTATE);
}

void sim_priv_enter_trap(const struct sim_priv_cpu *c, unsigned tt)
{
	int32_t idx = (int32_t)tt;
	memcpy((uint8_t *)c->cpu + UCP_CPU_EXC_INDEX, &idx, sizeof idx);
	c->priv->do_interrupt(c->cpu);
}

/* ---- start-up probe ------------------------------------------------- */

struct probe_state {
	struct sim_priv_cpu c;
	int step;      /* 0: expect ta 0x55, 1: expect ta 0x56 at the vector */
	char why[160]; /* first mismatch */
};

/* End the probe run from its hook; a refused stop fails the probe (the
 * run would go on past the step checked). */
static void probe_stop(struct probe_state *ps, uc_engine *uc)
{
	uc_err e = uc_emu_stop(uc);
	if (e != UC_ERR_OK) {
		if (!ps->why[0])
			snprintf(ps->why, sizeof ps->why, "uc_emu_stop: %s", uc_strerror(e));
		ps->step = -1;
	}
}

static void probe_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct probe_state *ps = user;
	const struct sim_priv_cpu *c = &ps->c;
	int32_t exc;
	memcpy(&exc, (uint8_t *)c->cpu + UCP_CPU_EXC_INDEX, sizeof exc);
	if (ps->step == 0) {
		if (intno != 0x155 || exc != 0x155 || sim_priv_pc(c) != PROBE_CODE + 4 ||
		    sim_priv_npc(c) != PROBE_CODE + 8) {
			snprintf(ps->why, sizeof ps->why,
			         "ta 0x55: intno 0x%x exception_index 0x%x pc 0x%llx npc 0x%llx",
			         intno, (unsigned)exc, (unsigned long long)sim_priv_pc(c),
			         (unsigned long long)sim_priv_npc(c));
			probe_stop(ps, uc);
			return;
		}
		ps->step = 1;
		sim_priv_enter_trap(c, 0x80);
		return;
	}
	if (intno != 0x156 || sim_priv_tl(c) != 1 || sim_priv_pc(c) != PROBE_TBA + (0x80 << 5))
		snprintf(ps->why, sizeof ps->why, "injected trap 0x80: intno 0x%x tl %u pc 0x%llx",
		         intno, sim_priv_tl(c), (unsigned long long)sim_priv_pc(c));
	else
		ps->step = 2;
	probe_stop(ps, uc);
}

/* Run the probe program on a fresh engine: privileged wrpr works after
 * reset, a `ta` reaches the hook with the documented pc/npc and
 * exception_index, and the injected trap enters the vector at TL 1. */
static int probe_run(const struct sim_priv *p, char *err, size_t n)
{
	struct probe_state ps = {.step = 0};
	uc_engine *uc = NULL;
	uc_hook h;
	uc_err e;
	int rc = -1;
	uint8_t *mem = calloc(1, PROBE_SIZE);
	if (!mem) {
		util_errf(err, n, "out of memory");
		return -1;
	}
	util_put_be32(mem + PROBE_CODE, INSN_WRPR_G1_TBA);
	util_put_be32(mem + PROBE_CODE + 4, INSN_TA_55);
	util_put_be32(mem + PROBE_TBA + (0x80 << 5), INSN_TA_56);
	if (sim_priv_open(p, &uc, &ps.c, err, n))
		goto fail;
	if ((e = uc_mem_map_ptr(uc, PROBE_BASE, PROBE_SIZE, UC_PROT_ALL, mem)) ||
	    (e = uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)probe_intr, &ps, 1, 0))) {
		util_errf(err, n, "%s: probe set-up: %s", p->version, uc_strerror(e));
		goto fail;
	}
	sim_priv_reset(&ps.c);
	uint64_t tba = PROBE_TBA, pc = PROBE_CODE;
	if ((e = uc_reg_write(uc, UC_SPARC_REG_G1, &tba)) ||
	    (e = uc_reg_write(uc, UC_SPARC_REG_PC, &pc))) {
		util_errf(err, n, "%s: probe set-up: %s", p->version, uc_strerror(e));
		goto fail;
	}
	if (sim_priv_pstate(&ps.c) != (SIM_PSTATE_PRIV | SIM_PSTATE_PEF) || sim_priv_tl(&ps.c)) {
		util_errf(err, n, "%s: after reset PSTATE is 0x%x and TL %u (expected 0x14, 0)",
		          p->version, sim_priv_pstate(&ps.c), sim_priv_tl(&ps.c));
		goto fail;
	}
	/* `until` is broken on sparc64: pass an address never reached and
	 * stop from the hook. A count bounds a broken probe. */
	e = uc_emu_start(uc, PROBE_CODE, 0xfffffffffff0ull, 0, 16);
	if (e) {
		util_errf(err, n, "%s: probe program stopped: %s (step %d)", p->version,
		          uc_strerror(e), ps.step);
		goto fail;
	}
	if (ps.step != 2) {
		util_errf(err, n, "%s: trap probe failed: %s", p->version,
		          ps.why[0] ? ps.why : "the probe traps never arrived");
		goto fail;
	}
	rc = 0;
fail:
	if (uc)
		sim_priv_close(uc);
	free(mem);
	return rc;
}

/* Set the state sim_priv_state_save must carry on an engine: window
 * registers in several windows, globals, pc. */
static int probe_mark(const struct sim_priv_cpu *c, uc_engine *uc, uint64_t seed)
{
	for (int w = 0; w < 8; w++) {
		c->priv->put_cwp64(c->env, w);
		uint64_t l0 = seed ^ (0x100u + w), i7 = seed ^ (0x200u + w);
		if (uc_reg_write(uc, UC_SPARC_REG_L0, &l0) ||
		    uc_reg_write(uc, UC_SPARC_REG_I7, &i7))
			return -1;
	}
	c->priv->put_cwp64(c->env, 3);
	uint64_t g3 = seed ^ 0x33;
	sim_priv_set_pc(c, 0x1000 + (seed & 0xff0), 0x1004 + (seed & 0xff0));
	return uc_reg_write(uc, UC_SPARC_REG_G3, &g3) ? -1 : 0;
}

/* The state's per-engine words: those that differ between two engines
 * put in one state (regwptr must be one of them, the registers none);
 * then a state saved from one engine, loaded into the other, reads back
 * through the public API in every window. */
static int probe_state(struct sim_priv *p, char *err, size_t n)
{
	uc_engine *uc[2] = {NULL, NULL};
	struct sim_priv_cpu c[2];
	uint8_t *buf = malloc(sim_priv_state_size());
	int rc = -1;
	if (!buf) {
		util_errf(err, n, "out of memory");
		return -1;
	}
	memset(p->engine_word, 0, sizeof p->engine_word);
	for (int i = 0; i < 2; i++) {
		if (sim_priv_open(p, &uc[i], &c[i], err, n))
			goto fail;
		sim_priv_reset(&c[i]);
		sim_priv_set_pc(&c[i], 0x1000, 0x1004);
	}
	for (unsigned w = 0; w < UCP_ENV_WORDS; w++)
		p->engine_word[w] = env_u64(c[0].env, w * 8) != env_u64(c[1].env, w * 8);
	if (!p->engine_word[UCP_ENV_REGWPTR / 8] || p->engine_word[UCP_ENV_PC / 8] ||
	    p->engine_word[UCP_ENV_PSTATE / 8]) {
		util_errf(err, n,
		          "%s: the cpu state's per-engine words are not where 2.0.1 has them "
		          "(regwptr at env+0x%x)",
		          p->version, UCP_ENV_REGWPTR);
		goto fail;
	}
	if (probe_mark(&c[0], uc[0], 0x5eed0000ull)) {
		util_errf(err, n, "%s: uc_reg_write failed", p->version);
		goto fail;
	}
	sim_priv_state_save(&c[0], buf);
	if (sim_priv_state_load(&c[1], buf)) {
		util_errf(err, n, "%s: a saved cpu state does not load", p->version);
		goto fail;
	}
	for (int w = 7; w >= 0; w--) {
		uint64_t l0 = 0, i7 = 0, g3 = 0;
		p->put_cwp64(c[1].env, w);
		if (uc_reg_read(uc[1], UC_SPARC_REG_L0, &l0) ||
		    uc_reg_read(uc[1], UC_SPARC_REG_I7, &i7) ||
		    uc_reg_read(uc[1], UC_SPARC_REG_G3, &g3) ||
		    l0 != (0x5eed0000ull ^ (0x100u + w)) || i7 != (0x5eed0000ull ^ (0x200u + w)) ||
		    g3 != (0x5eed0000ull ^ 0x33) || sim_priv_pc(&c[1]) != sim_priv_pc(&c[0])) {
			util_errf(err, n,
			          "%s: a cpu state saved from one engine reads back wrong in "
			          "another (window %d)",
			          p->version, w);
			goto fail;
		}
	}
	rc = 0;
fail:
	for (int i = 0; i < 2; i++)
		sim_priv_close(uc[i]);
	free(buf);
	return rc;
}

size_t sim_priv_state_size(void)
{
	return UCP_ENV_STATE_END + 8;
}

void sim_priv_state_save(const struct sim_priv_cpu *c, uint8_t *buf)
{
	memcpy(buf, c->env, UCP_ENV_STATE_END);
	/* regwptr as its offset in env; the other per-engine words as 0 */
	uint64_t off = (uint64_t)(*(uint8_t **)(c->env + UCP_ENV_REGWPTR) - c->env);
	for (unsigned w = 0; w < UCP_ENV_WORDS; w++)
		if (c->priv->engine_word[w])
			memset(buf + w * 8, 0, 8);
	memcpy(buf + UCP_ENV_REGWPTR, &off, sizeof off);
	int64_t exc;
	int32_t e32;
	memcpy(&e32, (uint8_t *)c->cpu + UCP_CPU_EXC_INDEX, sizeof e32);
	exc = e32;
	memcpy(buf + UCP_ENV_STATE_END, &exc, sizeof exc);
}

int sim_priv_state_load(const struct sim_priv_cpu *c, const uint8_t *buf)
{
	uint64_t off;
	memcpy(&off, buf + UCP_ENV_REGWPTR, sizeof off);
	if (off < 0x100 || off >= UCP_ENV_STATE_END || off % 8)
		return -1;
	for (unsigned w = 0; w < UCP_ENV_WORDS; w++)
		if (!c->priv->engine_word[w])
			memcpy(c->env + w * 8, buf + w * 8, 8);
	uint8_t *regw = c->env + off;
	memcpy(c->env + UCP_ENV_REGWPTR, &regw, sizeof regw);
	int64_t exc;
	memcpy(&exc, buf + UCP_ENV_STATE_END, sizeof exc);
	int32_t e32 = (int32_t)exc;
	memcpy((uint8_t *)c->cpu + UCP_CPU_EXC_INDEX, &e32, sizeof e32);
	return 0;
}

int sim_priv_probe(struct sim_priv **out, char *err, size_t n)
{
	unsigned maj, min;
	unsigned packed = uc_version(&maj, &min);
	struct sim_priv *p = calloc(1, sizeof *p);
	if (!p) {
		util_errf(err, n, "out of memory");
		return -1;
	}
	snprintf(p->version, sizeof p->version, "unicorn %u.%u.%u", maj, min, (packed >> 8) & 0xff);
	if (maj != 2 || min != 0) {
		util_errf(err, n, "%s: ldomsim's privileged-state module knows unicorn 2.0 only",
		          p->version);
		goto fail;
	}
	struct {
		const char *name;
		void **slot;
	} syms[] = {
	    {"cpu_change_pstate_sparc64", (void **)&p->change_pstate},
	    {"cpu_put_ccr_sparc64", (void **)&p->put_ccr},
	    {"cpu_put_cwp64_sparc64", (void **)&p->put_cwp64},
	    {"sparc_cpu_do_interrupt_sparc64", (void **)&p->do_interrupt},
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		*syms[i].slot = dlsym(RTLD_DEFAULT, syms[i].name);
		if (!*syms[i].slot) {
			util_errf(err, n, "%s: libunicorn does not export %s", p->version,
			          syms[i].name);
			goto fail;
		}
	}
	/* The layout on three fresh engines (each open checks it: probe_state
	 * opens two, probe_run one), the cpu state's per-engine words, then
	 * the trap machinery. */
	if (probe_state(p, err, n) || probe_run(p, err, n))
		goto fail;
	*out = p;
	return 0;
fail:
	free(p);
	return -1;
}

void sim_priv_free(struct sim_priv *p)
{
	free(p);
}
