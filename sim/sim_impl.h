/*
 * sim/sim_impl.h — the machine's own structures, shared by its files
 * (sim.c, mem.c, engine.c, trap.c, sched.c); not a public header: the
 * models above the machine use sim/sim.h. Functions named sim__* are
 * internal to sim/.
 */
#ifndef LDOMSIM_SIM_SIM_IMPL_H
#define LDOMSIM_SIM_SIM_IMPL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include "util/errf.h"
#include "sim/guest/sim_traps.h"
#include "sim/image.h"
#include "sim/priv.h"
#include "sim/profile.h"
#include "sim/profile_hot.h"
#include "sim/sim.h"
#include "sim/tunables.h"

#define STACK_BIAS   2047 /* sparc64 ABI: %sp + 2047 is the frame */
#define MIN_FRAME    192  /* register window save area + outgoing args */
#define RESET_BUDGET 4096 /* instructions sim_reset_regs may take */

struct engine {
	uc_engine *uc;
	struct sim_priv_cpu cpu;
	uc_hook hooks[4];  /* block, interrupt, invalid memory, memory model
	                      (0 when off): the sim's */
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
	/* Its place in the profile (sim/profile_hot.h). */
	struct sim_prof_cursor prof_cur;
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
	struct sim_mem_cpu *mem; /* by cpu; NULL unless the memory model is on */
	int preempt;             /* a thread became runnable: end the current slice */
	struct strand *stepping; /* the thread the scheduler runs now (slices apply) */
	int powered_off;         /* the domain stopped: power holds what happened */
	struct sim_power_off power;
	/* prof's memo table, for the block hook (sim/profile_hot.h) */
	struct sim_prof_memo *prof_memo;
	/* the profile's memory counts by node (sim_prof_mem_table), NULL: none */
	struct sim_prof_mem *const *prof_mem;
};

/* Saturating: a clock or a count that would wrap stays at UINT64_MAX,
 * past every limit (SIM_TIME_MAX_PS, the budget). */
static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* A clock advanced by d ps stops at half the limit again above the limit
 * (1.5 * 10^19 ps): far enough past SIM_TIME_MAX_PS to be caught at the
 * slice's end, and ~3 * 10^18 ps below 2^64 for the times the models add
 * to a clock before that (each at most ~10^17 ps). */
static inline uint64_t clock_add(uint64_t clock, uint64_t d)
{
	const uint64_t ceil = SIM_TIME_MAX_PS + SIM_TIME_MAX_PS / 2;
	uint64_t r = sat_add(clock, d);
	return r > ceil ? ceil : r;
}

/* ---- shared between the machine's files ---- */
struct strand *sim__strand_of(const struct sim *s, unsigned id);
enum sim_stop sim__run(struct sim *s, struct strand *st, uint64_t budget);
int sim__start_thread(struct sim *s, struct strand *st, uint64_t pc, uint64_t arg0);
uint64_t sim__arch_reg(uc_engine *uc, unsigned r);
int sim__engine_open(struct sim *s, struct engine **out, char *err, size_t n);
void sim__engine_return(struct sim *s, struct engine *e);
void sim__engine_release(struct sim *s, struct engine *e);
/* Record why the current strand stops and stop the engine (the first
 * reason wins). */
void sim__stop(struct sim *s, struct strand *st, enum sim_stop why, uint64_t pc, unsigned tt,
               uint64_t addr, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int sim__is_dcti(uint32_t insn);
int sim__is_delay_slot(struct sim *s, uint64_t addr);
void sim__hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
void sim__hook_stop_at(uc_engine *uc, uint64_t addr, uint32_t size, void *user);
bool sim__hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                           void *user);
uint64_t sim__precise_fault_pc(struct sim *s, struct strand *st, uint64_t fault, uint64_t pc);
void sim__slice_check(struct sim *s, struct strand *st);
void sim__resume_after(const struct sim_priv_cpu *c);
void sim__hook_intr(uc_engine *uc, uint32_t intno, void *user);
/* The memory model (memmodel.c): loads and stores, a block's fetches. */
void sim__hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                   void *user);
void sim__mem_fetch(struct sim *s, struct strand *st, uint64_t addr, uint32_t size);

#endif
