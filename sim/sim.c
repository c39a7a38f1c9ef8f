/*
 * sim/sim.c — the machine. See sim.h for the contract.
 *
 * Execution model: one host thread; at most one strand runs at a time
 * (s->cur), so every hook finds its strand through the struct sim it gets
 * as user_data. A strand owns an engine only while it is started; parked
 * strands give it back to the pool, and every engine is wiped by the guest
 * routine sim_reset_regs before a strand starts on it.
 */
#define _GNU_SOURCE
#include "sim/errf.h"
#include "sim/sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include "sim/guest/sim_traps.h"
#include "sim/image.h"
#include "sim/priv.h"
#include "sim/profile.h"
#include "sim/tunables.h"

#define STACK_BIAS   2047 /* sparc64 ABI: %sp + 2047 is the frame */
#define MIN_FRAME    192  /* register window save area + outgoing args */
#define RESET_BUDGET 4096 /* instructions sim_reset_regs may take */

struct engine {
	uc_engine *uc;
	struct sim_priv_cpu cpu;
	uc_hook hooks[3];  /* block, interrupt, invalid memory: the sim's */
	uc_hook stop_hook; /* UC_HOOK_CODE on the stop address, 0 if none */
	unsigned sims;     /* sims that used it (engines from a cache) */
	int mapped;        /* the cache's RAM is mapped (engines from a cache) */
};

/* Engines that outlive the sims that use them (sim.h). */
struct sim_engines {
	struct sim_priv *priv; /* probed once for all its engines */
	/* The guest RAM its sims use, one after another, mapped into its
	 * engines once: Unicorn's uc_mem_unmap flushes page by page (~50 ms
	 * per engine for 2 x 512 MiB). Set by the first sim. */
	uint8_t *ram;
	uint64_t ram_size, linear_base;
	const struct sim *user; /* the one sim using it now, or NULL */
	struct engine **idle;
	unsigned nidle, cap;
	unsigned opened; /* engines this cache's sims ever opened */
};

struct strand {
	/* Read by the block hook on every block: kept together. */
	uint64_t limit;         /* stop when stats.insns reaches it */
	uint64_t prof_range[2]; /* the hook calls the profiler when the block is
	                           outside [lo, hi): [0, UINT64_MAX) when off */
	struct sim_strand_stats stats;
	int active;
	unsigned id;         /* thread id: the cpu's own strand for id < max_cpus */
	unsigned cpu;        /* cpu it runs on */
	uint64_t clock_ps;   /* simulated time at insns_base, picoseconds */
	uint64_t insns_base; /* stats.insns when clock_ps was last settled */
	struct engine *eng;
	uint64_t stop_addr;
	enum sim_stop stop;
	struct sim_verdict v;
	int runnable; /* wants the cpu (false while blocked or stopped) */
	int blocked;
	uint64_t wait_key;
	uint64_t runaway;    /* stats.insns at which it counts as stuck */
	uint64_t horizon_ps; /* the slice ends when the clock passes it */
};

struct sim {
	struct sim_config cfg;
	struct sim_priv *priv;
	struct sim_image *img;
	uint8_t *ram;
	struct attached {
		void (*free_fn)(void *ctx);
		void *ctx;
	} attached[SIM_MAX_ATTACHED];
	unsigned nattached;
	struct trap_reg {
		unsigned lo, hi;
		struct sim_trap_handler h;
	} traps[SIM_MAX_TRAP_HANDLERS];
	unsigned ntraps;
	struct strand *strands; /* by thread id; the first max_cpus are the cpus' */
	unsigned nthreads;      /* max_cpus + SIM_MAX_KTHREADS */
	uint64_t *ps_per_insn;  /* by cpu: CPI / clock-frequency, picoseconds */
	uint64_t *ps_per_cycle; /* by cpu: 1 / clock-frequency, picoseconds */
	struct engine **pool;   /* idle engines */
	unsigned npool, opened;
	struct engine **all; /* every engine opened, for sim_free */
	struct strand *cur;  /* the strand inside uc_emu_start */
	char **notes;
	size_t nnotes;
	char host_err[1024];          /* sim_host_error; "" none */
	struct sim_verdict *verdicts; /* of threads that stopped in scheduled runs */
	size_t nverdicts;
	uint64_t sim_return, reset_regs;
	uint64_t brk, brk_end;   /* boot memory: [brk, brk_end) is free */
	struct sim_prof *prof;   /* NULL unless profiling */
	int preempt;             /* a thread became runnable: end the current slice */
	struct strand *stepping; /* the thread the scheduler runs now (slices apply) */
	int powered_off;         /* the domain stopped: power holds what happened */
	struct sim_power_off power;
};

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

static const char *const stop_names[] = {
    [SIM_STOP_NONE] = "running",
    [SIM_STOP_RETURNED] = "returned",
    [SIM_STOP_REACHED] = "reached",
    [SIM_STOP_PARKED] = "parked",
    [SIM_STOP_BUDGET] = "stuck",
    [SIM_STOP_UNMAPPED] = "unmapped-access",
    [SIM_STOP_ILLEGAL] = "illegal-instruction",
    [SIM_STOP_TRAP] = "unhandled-trap",
    [SIM_STOP_RED_STATE] = "red-state",
    [SIM_STOP_HCALL] = "hypercall-not-modelled",
    [SIM_STOP_KM] = "kernel-model",
    [SIM_STOP_HOST] = "host-error",
    [SIM_STOP_POWER_OFF] = "power-off",
    [SIM_STOP_TIME] = "time-limit",
    [SIM_STOP_SLICE] = "slice",
    [SIM_STOP_BLOCKED] = "blocked",
    [SIM_STOP_DEADLOCK] = "deadlock",
};

const char *sim_stop_name(enum sim_stop why)
{
	return (unsigned)why < sizeof stop_names / sizeof stop_names[0] ? stop_names[why] : "?";
}

const char *sim_strerror(int code)
{
	switch (code) {
	case SIM_OK:
		return "success";
	case SIM_E_NOMEM:
		return "out of memory";
	case SIM_E_UNICORN:
		return "Unicorn failed";
	case SIM_E_IMAGE:
		return "guest image cannot be loaded";
	case SIM_E_NOSYM:
		return "symbol not in the guest image";
	case SIM_E_CPU:
		return "bad cpu id or strand state";
	case SIM_E_POOL:
		return "no engine available";
	case SIM_E_ARG:
		return "bad argument";
	}
	return "unknown error";
}

void sim_config_default(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->ram_size = SIM_RAM_SIZE_DEFAULT;
	cfg->insn_budget = SIM_INSN_BUDGET_DEFAULT;
	cfg->pool_max = SIM_ENGINE_POOL_MAX;
	cfg->max_cpus = SIM_MAX_CPUS;
}

/* ---- guest memory ---------------------------------------------------- */

int sim_ra_valid(const struct sim *s, uint64_t ra, uint64_t len)
{
	return ra < s->cfg.ram_size && len <= s->cfg.ram_size - ra;
}

uint8_t *sim_ra_ptr(struct sim *s, uint64_t ra, uint64_t len)
{
	return sim_ra_valid(s, ra, len) ? s->ram + ra : NULL;
}

uint64_t sim_ld64(struct sim *s, uint64_t ra)
{
	const uint8_t *p = sim_ra_ptr(s, ra, 8);
	uint64_t v = 0;
	for (int i = 0; p && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint32_t sim_ld32(struct sim *s, uint64_t ra)
{
	const uint8_t *p = sim_ra_ptr(s, ra, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

int sim_st64(struct sim *s, uint64_t ra, uint64_t v)
{
	uint8_t *p = sim_ra_ptr(s, ra, 8);
	if (!p)
		return -1;
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return 0;
}

int sim_st32(struct sim *s, uint64_t ra, uint32_t v)
{
	uint8_t *p = sim_ra_ptr(s, ra, 4);
	if (!p)
		return -1;
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return 0;
}

int sim_sym(struct sim *s, const char *name, uint64_t *addr)
{
	return sim_image_sym(s->img, name, addr, NULL) ? SIM_E_NOSYM : SIM_OK;
}

const char *sim_symbolize(const struct sim *s, uint64_t addr, char *buf, size_t n)
{
	return sim_image_symbolize(s->img, addr, buf, n);
}

const struct sim_image *sim_image(const struct sim *s)
{
	return s->img;
}

int sim_attach(struct sim *s, void (*free_fn)(void *ctx), void *ctx)
{
	if (s->nattached == SIM_MAX_ATTACHED)
		return SIM_E_NOMEM;
	s->attached[s->nattached++] = (struct attached){free_fn, ctx};
	return SIM_OK;
}

const char *sim_unicorn_version(const struct sim *s)
{
	return sim_priv_version(s->priv);
}

static int machine_trap(unsigned tt)
{
	return (tt >= 0x80 && tt < 0x100) || tt == SIM_TT_SOFT(SIM_TRAP_RETURN) ||
	       tt == SIM_TT_SOFT(SIM_TRAP_BADVEC);
}

int sim_set_trap_handler(struct sim *s, unsigned tt_lo, unsigned tt_hi,
                         const struct sim_trap_handler *h)
{
	if (tt_lo > tt_hi || (h && !h->fn))
		return SIM_E_ARG;
	for (unsigned tt = tt_lo; tt <= tt_hi; tt++)
		if (machine_trap(tt))
			return SIM_E_ARG;
	/* Cut the range out of what is registered, then add it. */
	unsigned n = 0;
	struct trap_reg keep[2 * SIM_MAX_TRAP_HANDLERS];
	for (unsigned i = 0; i < s->ntraps; i++) {
		struct trap_reg t = s->traps[i];
		if (t.hi < tt_lo || t.lo > tt_hi) {
			keep[n++] = t;
			continue;
		}
		if (t.lo < tt_lo) {
			keep[n] = t;
			keep[n++].hi = tt_lo - 1;
		}
		if (t.hi > tt_hi) {
			keep[n] = t;
			keep[n++].lo = tt_hi + 1;
		}
	}
	if (n + (h != NULL) > SIM_MAX_TRAP_HANDLERS)
		return SIM_E_NOMEM;
	if (h)
		keep[n++] = (struct trap_reg){.lo = tt_lo, .hi = tt_hi, .h = *h};
	memcpy(s->traps, keep, n * sizeof keep[0]);
	s->ntraps = n;
	return SIM_OK;
}

const struct sim_trap_handler *sim_trap_handler(const struct sim *s, unsigned tt)
{
	for (unsigned i = 0; i < s->ntraps; i++)
		if (tt >= s->traps[i].lo && tt <= s->traps[i].hi)
			return &s->traps[i].h;
	return NULL;
}

int sim_alloc(struct sim *s, uint64_t size, uint64_t align, uint64_t *ra)
{
	if (!align || (align & (align - 1)))
		return SIM_E_ARG;
	uint64_t at = (s->brk + align - 1) & ~(align - 1);
	if (at < s->brk || at > s->brk_end || size > s->brk_end - at)
		return SIM_E_NOMEM;
	s->brk = at + size;
	/* Guest RAM is anonymous memory and boot memory is never reused:
	 * it is zero already (and stays untouched until used). */
	*ra = at;
	return SIM_OK;
}

uint64_t sim_alloc_avail(const struct sim *s)
{
	return s->brk_end > s->brk ? s->brk_end - s->brk : 0;
}

uint64_t sim_image_end(const struct sim *s)
{
	uint64_t lo, hi;
	sim_image_extent(s->img, &lo, &hi);
	return hi;
}

/* ---- notes ------------------------------------------------------------ */

void sim_note(struct sim *s, unsigned cpu, uint64_t pc, const char *fmt, ...)
{
	char msg[256], where[96];
	va_list ap;
	if (s->nnotes >= SIM_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *line = NULL;
	if (asprintf(&line, "cpu %u at %s: %s", cpu, sim_symbolize(s, pc, where, sizeof where),
	             msg) < 0)
		return;
	char **p = realloc(s->notes, (s->nnotes + 1) * sizeof *p);
	if (!p) {
		free(line);
		return;
	}
	s->notes = p;
	s->notes[s->nnotes++] = line;
}

const char *sim_host_error(const struct sim *s)
{
	return s->host_err[0] ? s->host_err : NULL;
}

size_t sim_note_count(const struct sim *s)
{
	return s->nnotes;
}

const char *sim_note_get(const struct sim *s, size_t i)
{
	return i < s->nnotes ? s->notes[i] : NULL;
}

/* ---- verdicts and hooks ---------------------------------------------- */

static const char *trap_name(unsigned tt)
{
	switch (tt) {
	case 0x08:
		return "instruction_access_exception";
	case 0x10:
		return "illegal_instruction";
	case 0x11:
		return "privileged_opcode";
	case 0x20:
		return "fp_disabled";
	case 0x24:
		return "clean_window";
	case 0x28:
		return "division_by_zero";
	case 0x30:
		return "data_access_exception";
	case 0x34:
		return "mem_address_not_aligned";
	}
	if (tt >= 0x80 && tt < 0xc0)
		return "spill";
	if (tt >= 0xc0 && tt < 0x100)
		return "fill";
	if (tt == 0x105)
		return "BUG(): ta 5, the kernel's __builtin_trap";
	if (tt >= 0x100 && tt < 0x200)
		return "trap_instruction";
	return "trap";
}

/* Record why the current strand stops and stop the engine. */
/* Saturating: a clock or a count that would wrap stays at UINT64_MAX,
 * past every limit (SIM_TIME_MAX_PS, the budget). */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* A clock advanced by d ps stops at half the limit again above the limit
 * (1.5 * 10^19 ps): far enough past SIM_TIME_MAX_PS to be caught at the
 * slice's end, and ~3 * 10^18 ps below 2^64 for the times the models add
 * to a clock before that (each at most ~10^17 ps). */
static uint64_t clock_add(uint64_t clock, uint64_t d)
{
	const uint64_t ceil = SIM_TIME_MAX_PS + SIM_TIME_MAX_PS / 2;
	uint64_t r = sat_add(clock, d);
	return r > ceil ? ceil : r;
}

static void stop(struct sim *s, struct strand *st, enum sim_stop why, uint64_t pc, unsigned tt,
                 uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	if (st->stop != SIM_STOP_NONE)
		return; /* the first reason wins */
	st->stop = why;
	st->v.why = why;
	st->v.cpu = st->cpu;
	st->v.pc = pc;
	st->v.tt = tt;
	st->v.addr = addr;
	sim_symbolize(s, pc, st->v.where, sizeof st->v.where);
	va_start(ap, fmt);
	vsnprintf(st->v.msg, sizeof st->v.msg, fmt, ap);
	va_end(ap);
	uc_emu_stop(st->eng->uc);
}

/* The domain stops: st (the strand that powered it off) leaves with that
 * verdict, and from now on the scheduler runs no thread. */
static void power_off(struct sim *s, struct strand *st, uint64_t pc, const char *msg)
{
	if (!s->powered_off) {
		s->powered_off = 1;
		s->power.cpu = st->cpu;
		s->power.time_ps = sim_thread_time_ps(s, st->id);
		s->power.pc = pc;
		sim_symbolize(s, pc, s->power.where, sizeof s->power.where);
		snprintf(s->power.msg, sizeof s->power.msg, "%s", msg);
	}
	stop(s, st, SIM_STOP_POWER_OFF, pc, 0, 0, "%s", msg);
}

const struct sim_power_off *sim_power_state(const struct sim *s)
{
	return s->powered_off ? &s->power : NULL;
}

/* Delayed control transfers: call, BPcc, Bicc, BPr, FBPfcc, FBfcc, jmpl,
 * return. */
static int is_dcti(uint32_t insn)
{
	unsigned op = insn >> 30, op2 = (insn >> 22) & 7, op3 = (insn >> 19) & 0x3f;
	return op == 1 || (op == 0 && op2 && op2 != 4 && op2 != 7) ||
	       (op == 2 && (op3 == 0x38 || op3 == 0x39));
}

static int is_delay_slot(struct sim *s, uint64_t addr)
{
	return addr >= 4 && sim_ra_valid(s, addr - 4, 4) && is_dcti(sim_ld32(s, addr - 4));
}

/* A block that is an unconditional branch to itself (`b .; nop`,
 * `b,a .`): the strand spins there forever with no effect (cpu_play_dead's
 * while (1) barrier(), hvtramp's error loop). */
static int is_self_loop(const struct sim *s, uint64_t addr, uint32_t size)
{
	if ((size != 8 && size != 4) || addr + 8 > s->cfg.ram_size)
		return 0;
	const uint8_t *p = s->ram + addr;
	uint32_t insn = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint32_t next = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	unsigned op2 = (insn >> 22) & 7, annul = (insn >> 29) & 1;
	if (insn >> 30 || ((insn >> 25) & 0xf) != 8)
		return 0; /* not a branch-always */
	int to_self = (op2 == 2 && !(insn & 0x3fffff)) || (op2 == 1 && !(insn & 0x7ffff));
	return to_self && (annul || next == 0x01000000u /* nop */);
}

/* The block hook's rare paths, out of line so that the hook itself stays
 * a leaf with no frame (every block runs it). */
static __attribute__((noinline)) void prof_enter(struct sim *s, struct strand *st, uint64_t addr)
{
	sim_prof_block(s->prof, st->id, addr, st->stats.insns,
	               clock_add(st->clock_ps, sat_mul(st->stats.insns - st->insns_base,
	                                               s->ps_per_insn[st->cpu])),
	               st->prof_range);
}

/* The slice or the budget ran out. Returns 1 if the block must not run. */
static __attribute__((noinline)) int limit_reached(struct sim *s, struct strand *st, uint64_t addr,
                                                   uint32_t size)
{
	/* A stopped block is not executed: the strand resumes at addr. */
	if (st->stats.insns >= st->runaway) {
		stop(s, st, SIM_STOP_BUDGET, addr, 0, 0,
		     "no progress: instruction budget exhausted (%llu instructions)",
		     (unsigned long long)st->stats.insns);
		return 1;
	}
	if (is_self_loop(s, addr, size)) {
		/* It would spin until something outside stops it (CPU_STOP):
		 * halt it; no slice ever ends later than SIM_MAX_SLICE_INSNS,
		 * so a spinning strand is found without a check on every
		 * block. */
		stop(s, st, SIM_STOP_HALTED, addr, 0, 0,
		     "spins forever in a self-loop (halted until stopped)");
		return 1;
	}
	/* uc_emu_start resumes with NPC = PC + 4, so a slice cannot end at a
	 * block that starts in a delay slot (NPC = the branch target; QEMU
	 * does not keep env->npc current across chained blocks, so ask the
	 * code): it ends at the next block instead. */
	if (!is_delay_slot(s, addr)) {
		stop(s, st, SIM_STOP_SLICE, addr, 0, 0, "slice");
		return 1;
	}
	return 0;
}

/* Instruction counting per translated block, the slice and the budget,
 * and the profiler's function changes. */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	if (__builtin_expect(st->stats.insns >= st->limit, 0) && limit_reached(s, st, addr, size))
		return;
	/* prof_range is [0, UINT64_MAX) when profiling is off. */
	if (__builtin_expect(addr < st->prof_range[0] || addr >= st->prof_range[1], 0))
		prof_enter(s, st, addr);
	st->stats.insns += size >> 2;
}

static void hook_stop_at(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	if (addr == st->stop_addr)
		stop(s, st, SIM_STOP_REACHED, addr, 0, 0, "reached");
}

static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                             int64_t value, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	const char *what = type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch from"
	                   : (type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT)
	                       ? "store to"
	                       : "load from";
	if (addr < SIM_NULL_GUARD)
		stop(s, st, SIM_STOP_UNMAPPED, sim_priv_pc(&st->eng->cpu), 0, addr,
		     "NULL pointer dereference: %s 0x%llx (%d bytes)", what,
		     (unsigned long long)addr, size);
	else
		stop(s, st, SIM_STOP_UNMAPPED, sim_priv_pc(&st->eng->cpu), 0, addr,
		     "%s unmapped address 0x%llx (%d bytes)", what, (unsigned long long)addr, size);
	return false;
}

/* Register r of an instruction's encoding (enum sim_reg's order); 0 if
 * the engine refuses. */
static uint64_t arch_reg(uc_engine *uc, unsigned r)
{
	uint64_t v = 0;
	if (r && uc_reg_read(uc, uc_reg_ids[r & 31], &v))
		return 0;
	return v;
}

/* Unicorn leaves the PC at the start of the block when an access faults.
 * The guest registers are exact at that point (TCG saves them before every
 * memory operation), so the faulting instruction is the first load/store
 * of the block whose effective address, computed now, covers the fault.
 * The block ends at the first control transfer (and its delay slot);
 * remembering block bounds in the block hook would halve its speed. */
static uint64_t precise_fault_pc(struct sim *s, struct strand *st, uint64_t fault, uint64_t pc)
{
	int in_delay_slot = 0;
	for (unsigned i = 0; i < SIM_MAX_BLOCK_INSNS; i++) {
		uint64_t a = pc + 4ull * i;
		uint32_t insn = sim_ld32(s, a);
		unsigned op = insn >> 30, op3 = (insn >> 19) & 0x3f;
		if (op == 3) { /* load/store: format 3, op = 3 */
			uint64_t ea = arch_reg(st->eng->uc, (insn >> 14) & 31);
			if (insn & (1u << 13))
				ea += (uint64_t)(int64_t)((int32_t)(insn << 19) >> 19);
			else
				ea += arch_reg(st->eng->uc, insn & 31);
			if (fault >= ea && fault - ea < 16)
				return a;
		}
		if (in_delay_slot)
			break;
		if (op == 2 && op3 == 0x3a)
			break; /* Tcc ends a block without a delay slot */
		in_delay_slot = is_dcti(insn);
	}
	return pc;
}

/* After a model charged time (a hypercall's latency, a kernel-model
 * entry's cost) or made another thread runnable: end the slice if the
 * clock passed the slice's horizon or the scheduler must choose again. */
static void slice_check(struct sim *s, struct strand *st)
{
	if (s->stepping != st)
		return; /* run alone (sim_call, sim_strand_run): no slices */
	uint64_t now = clock_add(
	    st->clock_ps, sat_mul(st->stats.insns - st->insns_base, s->ps_per_insn[st->cpu]));
	if (s->preempt || now >= st->horizon_ps) {
		stop(s, st, SIM_STOP_SLICE, sim_priv_pc(&st->eng->cpu), 0, 0, "slice");
		return;
	}
	/* The charge moved the clock: fewer instructions fit before the
	 * horizon than when the slice began. */
	if (st->horizon_ps != UINT64_MAX) {
		uint64_t left = (st->horizon_ps - now) / s->ps_per_insn[st->cpu] + 1;
		if (sat_add(st->stats.insns, left) < st->limit)
			st->limit = st->stats.insns + left;
	}
}

static void resume_after(const struct sim_priv_cpu *c)
{
	/* Like `done`: continue at NPC, which is the branch target when the
	 * trap sat in a delay slot. */
	uint64_t npc = sim_priv_npc(c);
	sim_priv_set_pc(c, npc, npc + 4);
}

/* A trap some model above the machine answers (sim_set_trap_handler). */
static void trap_dispatch(struct sim *s, struct strand *st, unsigned tt, uint64_t pc)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	const struct sim_trap_handler *h = sim_trap_handler(s, tt);
	if (!h) {
		stop(s, st, SIM_STOP_TRAP, pc, tt, 0, "unhandled trap 0x%x (%s)", tt,
		     trap_name(tt));
		return;
	}
	if (h->stat == SIM_TRAP_STAT_HCALLS)
		st->stats.hcalls++;
	else if (h->stat == SIM_TRAP_STAT_KMCALLS)
		st->stats.kmcalls++;
	struct sim_trap_result r;
	memset(&r, 0, sizeof r);
	h->fn(h->ctx, s, st->id, st->cpu, tt, pc, &r);
	if (st->stop != SIM_STOP_NONE) /* e.g. CPU_STOP of itself */
		return;
	if (r.next == SIM_TRAP_POWER_OFF) {
		power_off(s, st, pc, r.msg);
		return;
	}
	if (r.next == SIM_TRAP_STOP) {
		stop(s, st, h->stop_as, pc, tt, 0, "%s", r.msg);
		return;
	}
	if (r.next == SIM_TRAP_REDIRECT)
		sim_priv_set_pc(c, r.pc, r.pc + 4);
	else
		resume_after(c);
	if (st->blocked)
		stop(s, st, SIM_STOP_BLOCKED, sim_priv_pc(c), 0, 0, "blocked");
	else if (r.yield)
		stop(s, st, SIM_STOP_SLICE, sim_priv_pc(c), 0, 0, "slice");
	else
		slice_check(s, st);
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	const struct sim_priv_cpu *c = &st->eng->cpu;
	uint64_t pc = sim_priv_pc(c);

	if (intno >= 0x80 && intno < 0x100) {
		/* Window spill/fill: real trap entry into the guest table.
		 * QEMU aborts the process at TL == MAXTL; the architecture
		 * enters RED_state at MAXTL - 1: both are verdicts here. */
		unsigned tl = sim_priv_tl(c);
		if (tl + 1 >= sim_priv_maxtl(c)) {
			stop(s, st, SIM_STOP_RED_STATE, pc, intno, 0,
			     "%s trap 0x%x at TL %u would enter RED_state", trap_name(intno), intno,
			     tl);
			return;
		}
		if (intno < 0xc0)
			st->stats.spills++;
		else
			st->stats.fills++;
		sim_priv_enter_trap(c, intno);
		return;
	}
	switch (intno) {
	case SIM_TT_SOFT(SIM_TRAP_RETURN):
		stop(s, st, SIM_STOP_RETURNED, pc, intno, 0, "returned");
		return;
	case SIM_TT_SOFT(SIM_TRAP_BADVEC): {
		uint64_t tt = 0, tpc = 0;
		uc_err e;
		if ((e = uc_reg_read(uc, UC_SPARC_REG_G1, &tt)) ||
		    (e = uc_reg_read(uc, UC_SPARC_REG_G2, &tpc))) {
			stop(s, st, SIM_STOP_HOST, pc, intno, 0, "Unicorn: reading %%g1/%%g2: %s",
			     uc_strerror(e));
			return;
		}
		char where[96];
		stop(s, st, SIM_STOP_TRAP, tpc, (unsigned)tt, 0,
		     "trap 0x%llx (%s) has no handler in the guest trap table (taken at %s)",
		     (unsigned long long)tt, trap_name((unsigned)tt),
		     sim_symbolize(s, tpc, where, sizeof where));
		return;
	}
	default:
		trap_dispatch(s, st, intno, pc);
	}
}

/* ---- engines ----------------------------------------------------------- */

static int engine_open(struct sim *s, struct engine **out, char *err, size_t n)
{
	struct sim_engines *c = s->cfg.engines;
	struct engine *e = NULL;
	uc_err ue;
	struct engine **all = realloc(s->all, (s->opened + 1) * sizeof *all);
	if (!all) {
		sim_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	s->all = all;
	if (c && c->nidle) {
		e = c->idle[--c->nidle];
	} else {
		e = calloc(1, sizeof *e);
		if (!e) {
			sim_errf(err, n, "out of memory");
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
			sim_errf(err, n, "%s", why);
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
	    (ue = uc_hook_add(e->uc, &e->hooks[0], UC_HOOK_BLOCK, (void *)hook_block, s, 1, 0)) ||
	    (ue = uc_hook_add(e->uc, &e->hooks[1], UC_HOOK_INTR, (void *)hook_intr, s, 1, 0)) ||
	    (ue = uc_hook_add(e->uc, &e->hooks[2], UC_HOOK_MEM_INVALID, (void *)hook_mem_invalid, s,
	                      1, 0))) {
		sim_errf(err, n, "%s: engine set-up: %s", sim_priv_version(s->priv),
		         uc_strerror(ue));
		uc_close(e->uc); /* half set up: not fit for the cache */
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
static void engine_return(struct sim *s, struct engine *e)
{
	struct sim_engines *c = s->cfg.engines;
	/* Translations are not reclaimed across sims (every sim translates
	 * its code again), so an engine's JIT buffer grows with each: after
	 * SIM_ENGINE_REUSE_MAX sims it is closed, leaking its TLB once. */
	int ok = c != NULL && ++e->sims < SIM_ENGINE_REUSE_MAX;
	for (int i = 0; i < 3; i++)
		ok = ok && e->hooks[i] && uc_hook_del(e->uc, e->hooks[i]) == UC_ERR_OK;
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
		uc_close(e->uc);
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
		sim_errf(err, n, "out of memory");
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
		uc_close(c->idle[i]->uc);
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

/* ---- create / free ----------------------------------------------------- */

int sim_create(const struct sim_config *cfg, struct sim **out, char *err, size_t n)
{
	struct sim *s = calloc(1, sizeof *s);
	int rc = SIM_E_NOMEM;
	unsigned patched;
	*out = NULL;
	if (!s) {
		sim_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	s->cfg = *cfg;
	if (!cfg->image || cfg->ram_size <= SIM_NULL_GUARD || (cfg->ram_size & 0xfff) ||
	    !cfg->max_cpus || !cfg->pool_max || !cfg->insn_budget ||
	    cfg->insn_budget > SIM_INSN_BUDGET_MAX) {
		sim_errf(err, n,
		         "bad configuration (image, ram_size multiple of 4 KiB, max_cpus, "
		         "pool_max, insn_budget 1..%llu)",
		         SIM_INSN_BUDGET_MAX);
		rc = SIM_E_ARG;
		goto fail;
	}
	if (cfg->engines && cfg->engines->user) {
		s->cfg.engines = NULL; /* not this sim's to give back */
		sim_errf(err, n, "the engine cache serves one sim at a time (its RAM is one)");
		rc = SIM_E_ARG;
		goto fail;
	}
	if (cfg->engines) {
		cfg->engines->user = s;
		s->priv = cfg->engines->priv; /* borrowed: probed when the cache was made */
	} else if (sim_priv_probe(&s->priv, err, n)) {
		rc = SIM_E_UNICORN;
		goto fail;
	}
	if (sim_image_open(cfg->image, &s->img, err, n)) {
		rc = SIM_E_IMAGE;
		goto fail;
	}
	struct sim_engines *c = cfg->engines;
	if (c && c->ram && (c->ram_size != cfg->ram_size || c->linear_base != cfg->linear_base)) {
		sim_errf(err, n,
		         "the engine cache holds %llu bytes of RAM at linear base 0x%llx, not %llu "
		         "at 0x%llx",
		         (unsigned long long)c->ram_size, (unsigned long long)c->linear_base,
		         (unsigned long long)cfg->ram_size, (unsigned long long)cfg->linear_base);
		rc = SIM_E_ARG;
		goto fail;
	}
	if (c && c->ram) {
		/* Zero pages again, as a fresh mapping reads: the last sim's
		 * guest memory must not leak into this one. */
		if (madvise(c->ram, c->ram_size, MADV_DONTNEED)) {
			sim_errf(err, n, "cannot clear the engine cache's guest RAM");
			goto fail;
		}
		s->ram = c->ram;
	} else {
		s->ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
		              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (s->ram == MAP_FAILED) {
			s->ram = NULL;
			sim_errf(err, n,
			         "cannot map %llu MiB of guest RAM: %s (ldomsim needs the guest "
			         "RAM plus about %llu GiB of virtual address space per engine: "
			         "under ulimit -v, raise it or lift it)",
			         (unsigned long long)(cfg->ram_size >> 20), strerror(errno),
			         (unsigned long long)(SIM_ENGINE_VSPACE >> 30));
			goto fail;
		}
		if (c) { /* the first sim of a cache: the RAM is the cache's */
			c->ram = s->ram;
			c->ram_size = cfg->ram_size;
			c->linear_base = cfg->linear_base;
		}
	}
	if (sim_image_load(s->img, s->ram, 0, cfg->ram_size, err, n) ||
	    sim_image_apply_patches(s->img, SIM_PATCH_SUN4V, s->ram, 0, cfg->ram_size, &patched,
	                            err, n)) {
		rc = SIM_E_IMAGE;
		goto fail;
	}
	if (sim_sym(s, "sim_return", &s->sim_return) ||
	    sim_sym(s, "sim_reset_regs", &s->reset_regs)) {
		sim_errf(err, n,
		         "%s: lacks sim_return/sim_reset_regs (sim/guest/entry.S not linked in)",
		         cfg->image);
		rc = SIM_E_NOSYM;
		goto fail;
	}
	uint64_t lo, hi;
	sim_image_extent(s->img, &lo, &hi);
	s->brk = (hi + SIM_BOOTMEM_ALIGN - 1) & ~(uint64_t)(SIM_BOOTMEM_ALIGN - 1);
	s->brk_end = cfg->ram_size;
	s->nthreads = cfg->max_cpus + SIM_MAX_KTHREADS;
	s->strands = calloc(s->nthreads, sizeof *s->strands);
	s->ps_per_insn = calloc(cfg->max_cpus, sizeof *s->ps_per_insn);
	s->ps_per_cycle = calloc(cfg->max_cpus, sizeof *s->ps_per_cycle);
	s->pool = calloc(cfg->pool_max, sizeof *s->pool);
	if (!s->strands || !s->pool || !s->ps_per_insn || !s->ps_per_cycle) {
		sim_errf(err, n, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->strands[i].id = s->strands[i].cpu = i;
		s->strands[i].prof_range[1] = UINT64_MAX; /* profiling off */
	}
	for (unsigned i = 0; i < cfg->max_cpus; i++)
		s->ps_per_insn[i] = s->ps_per_cycle[i] = SIM_PS_PER_INSN_DEFAULT;
	*out = s;
	return SIM_OK;
fail:
	sim_free(s);
	return rc;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->opened; i++) {
		if (s->cfg.engines) {
			engine_return(s, s->all[i]);
		} else {
			uc_close(s->all[i]->uc);
			free(s->all[i]);
		}
	}
	free(s->all);
	free(s->pool);
	free(s->strands);
	free(s->ps_per_insn);
	free(s->ps_per_cycle);
	while (s->nattached--)
		s->attached[s->nattached].free_fn(s->attached[s->nattached].ctx);
	if (s->ram && !s->cfg.engines)
		munmap(s->ram, s->cfg.ram_size); /* else the cache's */
	if (s->cfg.engines && s->cfg.engines->user == s)
		s->cfg.engines->user = NULL;
	sim_image_free(s->img);
	if (!s->cfg.engines)
		sim_priv_free(s->priv);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->verdicts);
	sim_prof_free(s->prof);
	free(s);
}

/* ---- strands ------------------------------------------------------------ */

static struct strand *strand_of(const struct sim *s, unsigned id)
{
	return id < s->nthreads ? &s->strands[id] : NULL;
}

/* ---- simulated time ------------------------------------------------------ */

/* scale cycles at hz, in picoseconds: at least 1 (the scheduler divides
 * by it; the trace's rules keep it there) and at most 2^63 (the clocks
 * saturate and stop at SIM_TIME_MAX_PS). */
static uint64_t ps_of(double scale, uint64_t hz)
{
	double ps = scale * 1e12 / (double)hz + 0.5;
	return !(ps >= 1.0) ? 1 : ps >= 0x1p63 ? 1ull << 63 : (uint64_t)ps;
}

void sim_cpu_set_speed(struct sim *s, unsigned cpu, uint64_t hz, double cpi)
{
	if (cpu < s->cfg.max_cpus && hz) {
		s->ps_per_insn[cpu] = ps_of(cpi, hz);
		s->ps_per_cycle[cpu] = ps_of(1.0, hz);
	}
}

uint64_t sim_cpu_ps_per_insn(const struct sim *s, unsigned cpu)
{
	return cpu < s->cfg.max_cpus ? s->ps_per_insn[cpu] : 0;
}

/* Fold the instructions executed since the last settle into the clock. */
static void settle(const struct sim *s, struct strand *st)
{
	uint64_t d = st->stats.insns - st->insns_base;
	st->clock_ps = clock_add(st->clock_ps, sat_mul(d, s->ps_per_insn[st->cpu]));
	st->insns_base = st->stats.insns;
}

uint64_t sim_thread_time_ps(struct sim *s, unsigned id)
{
	struct strand *st = strand_of(s, id);
	if (!st)
		return 0;
	settle(s, st);
	return st->clock_ps;
}

void sim_thread_charge_ps(struct sim *s, unsigned id, uint64_t ps)
{
	struct strand *st = strand_of(s, id);
	if (st)
		st->clock_ps = clock_add(st->clock_ps, ps);
}

void sim_thread_set_time_ps(struct sim *s, unsigned id, uint64_t ps)
{
	struct strand *st = strand_of(s, id);
	if (st) {
		settle(s, st);
		uint64_t before = st->clock_ps;
		st->clock_ps = ps;
		if (s->prof)
			sim_prof_thread_reset(s->prof, id, st->stats.insns, before, ps, 0);
	}
}

unsigned sim_thread_cpu(const struct sim *s, unsigned id)
{
	const struct strand *st = strand_of(s, id);
	return st ? st->cpu : UINT32_MAX;
}

static void engine_release(struct sim *s, struct engine *e)
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

/* Instructions of the translated block holding pc that follow it: the
 * block hook counted them on entry, but an exception at pc ran none.
 * QEMU ends a block after a control transfer's delay slot, after a Tcc,
 * or at a page end (TARGET_PAGE_SIZE, 8 KiB). */
static uint64_t block_rest(struct sim *s, uint64_t pc)
{
	if (is_delay_slot(s, pc))
		return 0;
	uint64_t n = 0;
	for (uint64_t a = pc + 4; (a & 0x1fff) && n < SIM_MAX_BLOCK_INSNS; a += 4) {
		uint32_t insn = sim_ld32(s, a);
		n++;
		if (is_dcti(insn))
			return n + 1; /* and its delay slot */
		if (insn >> 30 == 2 && ((insn >> 19) & 0x3f) == 0x3a)
			break; /* Tcc */
	}
	return n;
}

/* PAUSE (`wr %rs1, reg_or_imm, %asr27`, SPARC T4 and later) is not
 * implemented by QEMU's sparc64: an illegal instruction to Unicorn. The
 * kernel patches it into cpu_relax() and the atomics' backoff loop when the
 * cpu's hwcaps have `pause` (pause_patch()). Modelled as T4 implements it
 * (asm/backoff.h): the strand blocks for the value written, in 8-cycle
 * steps (1 cycle below 8), at most SIM_PAUSE_MAX_CYCLES; it counts as one
 * instruction and resumes at NPC. Returns 1 if pc held a PAUSE and the
 * strand may go on. */
static int pause_insn(struct sim *s, struct strand *st)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	uint64_t pc = sim_priv_pc(c);
	uint32_t insn = sim_ld32(s, pc);
	if (insn >> 30 != 2 || ((insn >> 19) & 0x3f) != 0x30 || ((insn >> 25) & 31) != 27)
		return 0; /* op 2, op3 WRASR, rd 27 */
	uint64_t v = arch_reg(st->eng->uc, (insn >> 14) & 31);
	if (insn & (1u << 13))
		v ^= (uint64_t)(int64_t)((int32_t)(insn << 19) >> 19);
	else
		v ^= arch_reg(st->eng->uc, insn & 31);
	if (v > SIM_PAUSE_MAX_CYCLES)
		v = SIM_PAUSE_MAX_CYCLES;
	v = v < 8 ? 1 : v & ~7ull;
	uint64_t rest = block_rest(s, pc);
	if (st->stats.insns - rest >= st->insns_base)
		st->stats.insns -= rest;
	st->stats.pauses++;
	st->clock_ps = clock_add(st->clock_ps, sat_mul(v, s->ps_per_cycle[st->cpu]));
	resume_after(c);
	slice_check(s, st);
	return st->stop == SIM_STOP_NONE;
}

/* Run the strand's engine from its current PC until something stops it. */
static enum sim_stop run(struct sim *s, struct strand *st, uint64_t budget)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	st->stop = SIM_STOP_NONE;
	memset(&st->v, 0, sizeof st->v);
	/* budget: the slice; the runaway limit is set by the caller. */
	st->limit = st->runaway;
	if (budget && sat_add(st->stats.insns, budget) < st->limit)
		st->limit = st->stats.insns + budget;
	/* A run can nest inside a hook of another engine (a kernel-model
	 * entry starting a thread wipes its engine): restore the outer one. */
	struct strand *outer = s->cur;
	int outer_preempt = s->preempt;
	s->preempt = 0;
	s->cur = st;
	uc_err e;
	do
		e = uc_emu_start(st->eng->uc, sim_priv_pc(c), SIM_NEVER_ADDR, 0, 0);
	while (e == UC_ERR_INSN_INVALID && st->stop == SIM_STOP_NONE && pause_insn(s, st));
	s->cur = outer;
	s->preempt = outer_preempt;
	uint64_t pc = sim_priv_pc(c);
	switch (e) {
	case UC_ERR_OK:
		break;
	case UC_ERR_INSN_INVALID:
		stop(s, st, SIM_STOP_ILLEGAL, pc, 0x10, 0, "illegal instruction 0x%08x",
		     sim_ld32(s, pc));
		break;
	case UC_ERR_READ_UNMAPPED:
	case UC_ERR_WRITE_UNMAPPED:
	case UC_ERR_FETCH_UNMAPPED:
	case UC_ERR_READ_PROT:
	case UC_ERR_WRITE_PROT:
	case UC_ERR_FETCH_PROT:
		/* The hook has the address; the PC is exact only now. */
		if (st->stop == SIM_STOP_UNMAPPED) {
			pc = precise_fault_pc(s, st, st->v.addr, pc);
			st->v.pc = pc;
			sim_symbolize(s, pc, st->v.where, sizeof st->v.where);
			/* An oops names the PC; the exact one is known only now. */
			size_t len = strlen(st->v.msg);
			if (st->v.addr < SIM_NULL_GUARD && len < sizeof st->v.msg)
				snprintf(st->v.msg + len, sizeof st->v.msg - len, ", pc 0x%llx",
				         (unsigned long long)pc);
		} else {
			stop(s, st, SIM_STOP_UNMAPPED, pc, 0, 0, "%s", uc_strerror(e));
		}
		break;
	default:
		if (st->stop == SIM_STOP_NONE)
			stop(s, st, SIM_STOP_HOST, pc, 0, 0, "Unicorn: %s", uc_strerror(e));
	}
	if (st->stop == SIM_STOP_NONE)
		stop(s, st, SIM_STOP_HOST, pc, 0, 0, "the engine stopped for no recorded reason");
	return st->stop;
}

/* Give thread st an engine and start it at pc with %o0 = arg0. */
static int start_thread(struct sim *s, struct strand *st, uint64_t pc, uint64_t arg0)
{
	unsigned cpu = st->cpu;
	struct engine *e;
	char err[256];
	if (st->active)
		return SIM_E_CPU;
	if (s->npool) {
		e = s->pool[--s->npool];
	} else if (s->opened < s->cfg.pool_max) {
		int rc = engine_open(s, &e, err, sizeof err);
		if (rc) {
			sim_note(s, cpu, pc, "cannot open an engine: %s", err);
			return rc;
		}
	} else {
		return SIM_E_POOL;
	}
	memset(&st->stats, 0, sizeof st->stats);
	st->eng = e;
	st->active = 1;
	st->stop_addr = 0;
	sim_priv_reset(&e->cpu);
	/* Every strand starts from the same state, fresh engine or recycled:
	 * the guest routine wipes every window, the globals of every GL, TL
	 * and GL, and sets the window registers (CANSAVE 6, ...) that QEMU's
	 * never-run reset leaves at 0. */
	uint64_t o7 = s->sim_return - 8;
	uc_err ue;
	if ((ue = uc_reg_write(e->uc, UC_SPARC_REG_O7, &o7))) {
		sim_note(s, cpu, pc, "engine wipe failed: %%o7: %s", uc_strerror(ue));
		st->active = 0;
		st->eng = NULL;
		engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_set_pc(&e->cpu, s->reset_regs, s->reset_regs + 4);
	st->runaway = st->stats.insns + RESET_BUDGET;
	/* The wipe is not the strand's work: the profiler must not see it
	 * (its counters restarted above; the profile's still hold the
	 * strand's previous life). */
	st->prof_range[0] = 0;
	st->prof_range[1] = UINT64_MAX;
	if (run(s, st, 0) != SIM_STOP_RETURNED) {
		sim_note(s, cpu, pc, "engine wipe failed: %s", st->v.msg);
		st->active = 0;
		st->eng = NULL;
		engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_reset(&e->cpu);
	memset(&st->stats, 0, sizeof st->stats);
	st->insns_base = 0; /* the wipe is free: the clock keeps its value */
	if (s->prof) {      /* counters restart: a new stack from here */
		sim_prof_thread_reset(s->prof, st->id, 0, 0, st->clock_ps, 1);
		st->prof_range[0] = st->prof_range[1] = 0;
	}
	if ((ue = uc_reg_write(e->uc, UC_SPARC_REG_O0, &arg0))) {
		sim_note(s, cpu, pc, "cannot set %%o0: %s", uc_strerror(ue));
		st->active = 0;
		st->eng = NULL;
		engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_set_pc(&e->cpu, pc, pc + 4);
	st->stop = SIM_STOP_NONE;
	st->runnable = 1;
	st->blocked = 0;
	st->runaway = sat_add(st->stats.insns, s->cfg.insn_budget);
	st->horizon_ps = UINT64_MAX;
	/* Started from inside another thread's trap (CPU_START, a kthread):
	 * that thread's slice ends so the scheduler sees the new one. */
	if (s->cur && s->cur != st)
		s->preempt = 1;
	return SIM_OK;
}

int sim_strand_start(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0)
{
	struct strand *st = cpu < s->cfg.max_cpus ? strand_of(s, cpu) : NULL;
	return st ? start_thread(s, st, pc, arg0) : SIM_E_CPU;
}

int sim_thread_create(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0, uint64_t time_ps,
                      unsigned *tid)
{
	if (cpu >= s->cfg.max_cpus)
		return SIM_E_CPU;
	for (unsigned id = s->cfg.max_cpus; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (st->active)
			continue;
		st->cpu = cpu;
		int rc = start_thread(s, st, pc, arg0);
		if (rc)
			return rc;
		st->clock_ps = time_ps;
		*tid = id;
		return SIM_OK;
	}
	return SIM_E_POOL;
}

void sim_strand_park(struct sim *s, unsigned cpu)
{
	struct strand *st = strand_of(s, cpu);
	if (!st || !st->active)
		return;
	if (s->cur == st) /* parking itself: stop after the current hook */
		stop(s, st, SIM_STOP_PARKED, sim_priv_pc(&st->eng->cpu), 0, 0, "parked");
	else
		engine_release(s, st->eng);
	if (s->cur != st) {
		st->eng = NULL;
		st->active = 0;
	}
	st->runnable = 0;
	st->blocked = 0;
}

/* ---- the scheduler ------------------------------------------------------- */

void sim_thread_block(struct sim *s, unsigned tid, uint64_t key)
{
	struct strand *st = strand_of(s, tid);
	if (st && st->active) {
		st->blocked = 1;
		st->wait_key = key;
	}
}

int sim_apply_patches(struct sim *s, unsigned sets, unsigned *applied, char *err, size_t n)
{
	*applied = 0;
	if (s->opened) {
		/* Unicorn does not see host writes to mapped RAM: blocks
		 * already translated would keep the old instructions. */
		sim_errf(err, n, "instruction patches must precede the first strand");
		return SIM_E_ARG;
	}
	if (sim_image_apply_patches(s->img, sets, s->ram, 0, s->cfg.ram_size, applied, err, n))
		return SIM_E_IMAGE;
	return SIM_OK;
}

int sim_profile_enable(struct sim *s)
{
	if (s->prof)
		return SIM_OK;
	if (sim_prof_create(s->img, s->nthreads, &s->prof))
		return SIM_E_NOMEM;
	for (unsigned i = 0; i < s->nthreads; i++)
		s->strands[i].prof_range[0] = s->strands[i].prof_range[1] = 0;
	return SIM_OK;
}

struct sim_prof *sim_profile(struct sim *s)
{
	return s->prof;
}

void sim_thread_label(struct sim *s, unsigned tid, const char *label)
{
	if (s->prof)
		sim_prof_thread_label(s->prof, tid, label);
}

unsigned sim_thread_count(const struct sim *s)
{
	return s->nthreads;
}

int sim_thread_blocked(const struct sim *s, unsigned tid)
{
	const struct strand *st = strand_of(s, tid);
	return st && st->active && st->blocked;
}

unsigned sim_wake(struct sim *s, uint64_t key, uint64_t time_ps)
{
	unsigned n = 0;
	for (unsigned id = 0; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (!st->active || !st->blocked || st->wait_key != key)
			continue;
		st->blocked = 0;
		settle(s, st);
		uint64_t before = st->clock_ps;
		if (st->clock_ps < time_ps)
			st->clock_ps = time_ps;
		if (s->prof) /* asleep is not work */
			sim_prof_thread_reset(s->prof, id, st->stats.insns, before, st->clock_ps,
			                      0);
		st->runaway = sat_add(st->stats.insns, s->cfg.insn_budget);
		n++;
		if (s->cur && s->cur != st)
			s->preempt = 1;
	}
	return n;
}

size_t sim_verdict_count(const struct sim *s)
{
	return s->nverdicts;
}

const struct sim_verdict *sim_verdict_get(const struct sim *s, size_t i)
{
	return i < s->nverdicts ? &s->verdicts[i] : NULL;
}

static void record_verdict(struct sim *s, const struct sim_verdict *v)
{
	struct sim_verdict *p = realloc(s->verdicts, (s->nverdicts + 1) * sizeof *p);
	if (!p)
		return;
	s->verdicts = p;
	s->verdicts[s->nverdicts++] = *v;
}

/* The runnable thread with the earliest clock (ties: lowest id), and the
 * clock of the next one. */
static struct strand *pick(struct sim *s, uint64_t *next_ps)
{
	struct strand *best = NULL;
	*next_ps = UINT64_MAX;
	if (s->powered_off)
		return NULL; /* nothing in a powered-off domain runs */
	for (unsigned id = 0; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (!st->active || !st->runnable || st->blocked)
			continue;
		settle(s, st);
		if (!best || st->clock_ps < best->clock_ps) {
			if (best && best->clock_ps < *next_ps)
				*next_ps = best->clock_ps;
			best = st;
		} else if (st->clock_ps < *next_ps) {
			*next_ps = st->clock_ps;
		}
	}
	return best;
}

/* Run the earliest thread for one slice. Returns it (NULL: none runnable)
 * and why it stopped. */
/* A thread's clock passed SIM_TIME_MAX_PS: its verdict (it stopped
 * already, so no engine stop is needed). */
static enum sim_stop time_limit(struct sim *s, struct strand *st)
{
	memset(&st->v, 0, sizeof st->v);
	st->stop = st->v.why = SIM_STOP_TIME;
	st->v.cpu = st->cpu;
	st->v.pc = st->eng ? sim_priv_pc(&st->eng->cpu) : 0;
	sim_symbolize(s, st->v.pc, st->v.where, sizeof st->v.where);
	snprintf(st->v.msg, sizeof st->v.msg,
	         "simulated time passed its limit of %llu s (SIM_TIME_MAX_PS)",
	         (unsigned long long)(SIM_TIME_MAX_PS / 1000000000000ull));
	return SIM_STOP_TIME;
}

static struct strand *step(struct sim *s, enum sim_stop *why)
{
	uint64_t next;
	struct strand *st = pick(s, &next);
	if (!st)
		return NULL;
	uint64_t slice = SIM_MAX_SLICE_INSNS;
	st->horizon_ps = UINT64_MAX;
	if (next != UINT64_MAX) {
		st->horizon_ps = next + SIM_QUANTUM_PS;
		uint64_t until = (st->horizon_ps - st->clock_ps) / s->ps_per_insn[st->cpu] + 1;
		if (until < slice)
			slice = until;
	}
	struct strand *outer = s->stepping;
	s->stepping = st;
	*why = run(s, st, slice);
	s->stepping = outer;
	settle(s, st);
	if (st->clock_ps > SIM_TIME_MAX_PS && (*why < SIM_STOP_BUDGET || *why >= SIM_STOP_SLICE))
		*why = time_limit(s, st);
	switch (*why) {
	case SIM_STOP_SLICE:
	case SIM_STOP_BLOCKED:
		break;
	case SIM_STOP_HALTED:
		/* A halted strand waits, spinning, for CPU_STOP: it holds its
		 * engine but never runs again. */
		st->runnable = 0;
		break;
	case SIM_STOP_PARKED:
		engine_release(s, st->eng);
		st->eng = NULL;
		st->active = 0;
		st->runnable = 0;
		break;
	case SIM_STOP_RETURNED:
	case SIM_STOP_REACHED:
		st->runnable = 0;
		break;
	default: /* a verdict: the thread leaves the run */
		st->runnable = 0;
		record_verdict(s, &st->v);
	}
	return st;
}

enum sim_stop sim_sched_call(struct sim *s, unsigned tid, uint64_t fn, const uint64_t *args,
                             unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v)
{
	struct strand *target = strand_of(s, tid);
	if (!target || !target->active || nargs > 6) {
		if (v) {
			memset(v, 0, sizeof *v);
			v->why = SIM_STOP_HOST;
			v->cpu = tid;
			snprintf(v->msg, sizeof v->msg, "thread %u is not started", tid);
		}
		return SIM_STOP_HOST;
	}
	for (unsigned i = 0; i < nargs; i++)
		sim_strand_set_reg(s, tid, SIM_REG_O0 + i, args[i]);
	sim_strand_set_reg(s, tid, SIM_REG_O6, sp - MIN_FRAME - STACK_BIAS);
	sim_strand_set_reg(s, tid, SIM_REG_O7, s->sim_return - 8);
	sim_priv_set_pc(&target->eng->cpu, fn, fn + 4);
	target->runnable = 1;
	target->blocked = 0;
	target->runaway = sat_add(target->stats.insns, s->cfg.insn_budget);
	if (s->prof) {
		settle(s, target);
		sim_prof_thread_reset(s->prof, tid, target->stats.insns, target->clock_ps,
		                      target->clock_ps, 1);
		target->prof_range[0] = target->prof_range[1] = 0; /* look up again */
	}
	enum sim_stop why = SIM_STOP_NONE;
	for (;;) {
		struct strand *st = step(s, &why);
		if (!st && s->powered_off) {
			why = SIM_STOP_POWER_OFF;
			if (target->stop == SIM_STOP_POWER_OFF)
				break; /* it powered the domain off itself */
			memset(&target->v, 0, sizeof target->v);
			target->v.why = why;
			target->v.cpu = s->power.cpu;
			target->v.pc = s->power.pc;
			snprintf(target->v.where, sizeof target->v.where, "%s", s->power.where);
			snprintf(target->v.msg, sizeof target->v.msg, "%s", s->power.msg);
			break;
		}
		if (!st) {
			why = SIM_STOP_DEADLOCK;
			memset(&target->v, 0, sizeof target->v);
			target->v.why = why;
			target->v.cpu = tid;
			target->v.pc = target->active ? sim_priv_pc(&target->eng->cpu) : 0;
			sim_symbolize(s, target->v.pc, target->v.where, sizeof target->v.where);
			snprintf(target->v.msg, sizeof target->v.msg,
			         "thread %u waits (key 0x%llx) and no thread can run to wake it",
			         tid, (unsigned long long)target->wait_key);
			break;
		}
		if (st == target && why != SIM_STOP_SLICE && why != SIM_STOP_BLOCKED)
			break; /* returned, halted or a verdict */
	}
	if (v)
		*v = target->v;
	if (ret)
		*ret = why == SIM_STOP_RETURNED ? sim_strand_reg(s, tid, SIM_REG_O0) : 0;
	return why;
}

void sim_sched_run(struct sim *s, uint64_t until_ps)
{
	for (;;) {
		uint64_t next;
		struct strand *st = pick(s, &next);
		if (!st || st->clock_ps >= until_ps)
			return;
		enum sim_stop why;
		step(s, &why);
	}
}

int sim_strand_running(const struct sim *s, unsigned cpu)
{
	const struct strand *st = strand_of(s, cpu);
	return st && st->active;
}

int sim_strand_stop_at(struct sim *s, unsigned cpu, uint64_t addr)
{
	struct strand *st = strand_of(s, cpu);
	uc_err e;
	if (!st || !st->active)
		return SIM_E_CPU;
	if (st->eng->stop_hook && uc_hook_del(st->eng->uc, st->eng->stop_hook))
		return SIM_E_UNICORN; /* the old hook stays: it still stops there */
	st->eng->stop_hook = 0;
	st->stop_addr = addr;
	if ((e = uc_hook_add(st->eng->uc, &st->eng->stop_hook, UC_HOOK_CODE, (void *)hook_stop_at,
	                     s, addr, addr + 3)))
		return SIM_E_UNICORN;
	/* Hooks do not apply to blocks translated before they were added. */
	if ((e = uc_ctl_flush_tlb(st->eng->uc)))
		return SIM_E_UNICORN;
	return SIM_OK;
}

enum sim_stop sim_strand_run(struct sim *s, unsigned cpu, uint64_t budget, struct sim_verdict *v)
{
	struct strand *st = strand_of(s, cpu);
	if (!st || !st->active) {
		if (v) {
			memset(v, 0, sizeof *v);
			v->why = SIM_STOP_HOST;
			v->cpu = cpu;
			snprintf(v->msg, sizeof v->msg, "cpu %u has no running strand", cpu);
		}
		return SIM_STOP_HOST;
	}
	st->runaway = sat_add(st->stats.insns, budget ? budget : s->cfg.insn_budget);
	st->horizon_ps = UINT64_MAX; /* alone: no slices */
	enum sim_stop why = run(s, st, 0);
	if (why == SIM_STOP_HALTED) {
		/* Alone, a strand spinning in place will never progress: stuck. */
		why = st->v.why = st->stop = SIM_STOP_BUDGET;
		snprintf(st->v.msg, sizeof st->v.msg, "no progress: spins forever in a self-loop");
	}
	if (v)
		*v = st->v;
	if (why == SIM_STOP_PARKED) {
		engine_release(s, st->eng);
		st->eng = NULL;
		st->active = 0;
	}
	return why;
}

const struct sim_strand_stats *sim_strand_stats(const struct sim *s, unsigned cpu)
{
	const struct strand *st = strand_of(s, cpu);
	return st ? &st->stats : NULL;
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
	struct strand *st = strand_of(s, cpu);
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
	struct strand *st = strand_of(s, cpu);
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

enum sim_stop sim_call(struct sim *s, unsigned cpu, uint64_t fn, const uint64_t *args,
                       unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v)
{
	struct strand *st = strand_of(s, cpu);
	if (!st || !st->active || nargs > 6)
		return sim_strand_run(s, cpu, 0, v); /* reports the bad state */
	for (unsigned i = 0; i < nargs; i++)
		sim_strand_set_reg(s, cpu, SIM_REG_O0 + i, args[i]);
	sim_strand_set_reg(s, cpu, SIM_REG_O6, sp - MIN_FRAME - STACK_BIAS);
	sim_strand_set_reg(s, cpu, SIM_REG_O7, s->sim_return - 8);
	sim_priv_set_pc(&st->eng->cpu, fn, fn + 4);
	enum sim_stop why = sim_strand_run(s, cpu, 0, v);
	if (ret)
		*ret = why == SIM_STOP_RETURNED ? sim_strand_reg(s, cpu, SIM_REG_O0) : 0;
	return why;
}
