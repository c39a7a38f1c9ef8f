/*
 * sim/sim.h — the machine: one struct sim owns the Unicorn engines (one per
 * running strand, drawn from a pool, all mapping one guest RAM), the guest
 * image and the statistics; it is the user_data of every Unicorn hook. The
 * models above it (hv/, kernel-model/) answer the guest's traps through
 * handlers they register; sim/ knows none of them. Strands are identified by their cpu id.
 */
#ifndef LDOMSIM_SIM_SIM_H
#define LDOMSIM_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

struct sim;
struct sim_image;

enum sim_err {
	SIM_OK = 0,
	SIM_E_NOMEM = -1,
	SIM_E_UNICORN = -2, /* the Unicorn library failed or its self-check failed */
	SIM_E_IMAGE = -3,   /* the guest image cannot be loaded */
	SIM_E_NOSYM = -4,   /* a symbol the simulator needs is not in the image */
	SIM_E_CPU = -5,     /* bad cpu id, or the strand is not in the needed state */
	SIM_E_POOL = -6,    /* no engine available */
	SIM_E_ARG = -7,
};
const char *sim_strerror(int code);

struct sim_config {
	const char *image;           /* guest ELF path */
	uint64_t ram_size;           /* bytes */
	uint64_t insn_budget;        /* instructions per run of one strand */
	unsigned pool_max;           /* engines */
	unsigned max_cpus;           /* cpu ids accepted */
	uint64_t linear_base;        /* PAGE_OFFSET: RAM also appears at linear_base + ra
	                                (0: no alias) */
	struct sim_engines *engines; /* engines to borrow and give back (NULL: the
	                                sim opens and closes its own) */
};
void sim_config_default(struct sim_config *cfg);

/* Engines that outlive the sims that use them. Unicorn 2.0.1 does not
 * free a sparc64 engine's TLB on uc_close (~80 KB each), so a process that
 * makes sim after sim (a fuzzer rebooting its guest, a long test) hands
 * them one cache through sim_config.engines: the sims take engines from it
 * and give them back in sim_free, with their hooks and translations
 * dropped. The cache also holds the guest RAM (mapped into its engines
 * once; cleared for each sim), so it serves one sim at a time, all with the
 * first one's ram_size and linear_base. The creator owns it and frees it
 * after the last sim that used it; NULL is a no-op. */
struct sim_engines;
int sim_engines_create(struct sim_engines **out, char *err, size_t errlen);
void sim_engines_free(struct sim_engines *c);
unsigned sim_engines_opened(const struct sim_engines *c); /* ever opened */

/* On failure *out is NULL and err holds a message naming what failed. */
int sim_create(const struct sim_config *cfg, struct sim **out, char *err, size_t errlen);
void sim_free(struct sim *s);

const struct sim_image *sim_image(const struct sim *s);
/* Attach a model to the machine (the hypervisor model): sim_free calls
 * free_fn(ctx) after the engines are gone, the last attached first.
 * SIM_E_NOMEM when SIM_MAX_ATTACHED models are attached. */
#define SIM_MAX_ATTACHED 8
int sim_attach(struct sim *s, void (*free_fn)(void *ctx), void *ctx);
const char *sim_unicorn_version(const struct sim *s);

/* Apply the kernel's boot-time patch tables of `sets` (enum
 * sim_patch_set, sim/image.h: SIM_PATCH_POPC, SIM_PATCH_PAUSE), as
 * init_sparc64_elf_hwcap() does for the cpu's hwcaps; the sun4v tables are
 * applied by sim_create. Only before the first strand starts. *applied
 * counts the patched instructions. */
int sim_apply_patches(struct sim *s, unsigned sets, unsigned *applied, char *err, size_t errlen);

/* Guest RAM by real address (== kernel virtual address for the image). */
int sim_ra_valid(const struct sim *s, uint64_t ra, uint64_t len);
uint8_t *sim_ra_ptr(struct sim *s, uint64_t ra, uint64_t len);
uint64_t sim_ld64(struct sim *s, uint64_t ra); /* big-endian; 0 if out of RAM */
uint32_t sim_ld32(struct sim *s, uint64_t ra);
int sim_st64(struct sim *s, uint64_t ra, uint64_t v); /* -1 if out of RAM */
int sim_st32(struct sim *s, uint64_t ra, uint32_t v);
/* Boot memory: zeroed guest RAM above the image, handed out in order as
 * the kernel's boot allocators would (never freed). */
int sim_alloc(struct sim *s, uint64_t size, uint64_t align, uint64_t *ra);
/* Boot memory not yet handed out, bytes. */
uint64_t sim_alloc_avail(const struct sim *s);
/* End (exclusive) of the loaded image. */
uint64_t sim_image_end(const struct sim *s);
/* Address of a symbol of the image; SIM_E_NOSYM (and a message) if absent. */
int sim_sym(struct sim *s, const char *name, uint64_t *addr);
const char *sim_symbolize(const struct sim *s, uint64_t addr, char *buf, size_t n);

/* Why a strand stopped. */
enum sim_stop {
	SIM_STOP_NONE = 0,  /* still runnable */
	SIM_STOP_RETURNED,  /* a host-initiated call returned (sim_return) */
	SIM_STOP_REACHED,   /* reached its stop address */
	SIM_STOP_PARKED,    /* stopped by CPU_STOP or a model decision */
	SIM_STOP_BUDGET,    /* instruction budget exhausted: stuck or runaway */
	SIM_STOP_UNMAPPED,  /* access to memory nothing maps */
	SIM_STOP_ILLEGAL,   /* illegal instruction */
	SIM_STOP_TRAP,      /* a trap nothing handles */
	SIM_STOP_RED_STATE, /* trap at TL >= MAXTL - 1 */
	SIM_STOP_HCALL,     /* a hypercall the model stops on (unmodelled) */
	SIM_STOP_KM,        /* a kernel-model entry stopped it (placeholder, bad args) */
	SIM_STOP_HOST,      /* host-side failure (Unicorn error, out of memory) */
	SIM_STOP_POWER_OFF, /* the domain powered off (MACH_EXIT): nothing runs any more */
	SIM_STOP_TIME,      /* its clock passed SIM_TIME_MAX_PS (sim/tunables.h) */
	/* Not verdicts: the scheduler's own reasons. */
	SIM_STOP_SLICE,    /* its time slice ended; runnable */
	SIM_STOP_BLOCKED,  /* waits for a wake-up (sim_wake) */
	SIM_STOP_DEADLOCK, /* every thread waits and nothing can wake one */
	SIM_STOP_HALTED,   /* spins in a self-loop: runs no more until stopped */
};
const char *sim_stop_name(enum sim_stop why);

struct sim_verdict {
	enum sim_stop why;
	unsigned cpu;
	uint64_t pc;
	char where[96]; /* pc as function+offset */
	unsigned tt;    /* trap type, when a trap is involved */
	uint64_t addr;  /* faulting address, when one is */
	char msg[256];  /* one line a person reads */
};

/* ---- trap handlers ---------------------------------------------------
 * The machine runs the guest; what answers its traps above the
 * architecture (the hypervisor, the kernel model) registers a handler for
 * a range of trap types (QEMU's numbering: 0x100 + n for `ta n`). A trap
 * with no handler stops the strand with a verdict naming the trap type. */

/* What the machine does once a handler returns. */
enum sim_trap_next {
	SIM_TRAP_RESUME = 0, /* continue at NPC (like `done`) */
	SIM_TRAP_REDIRECT,   /* continue at pc */
	SIM_TRAP_STOP,       /* the strand stops: verdict in msg */
	SIM_TRAP_POWER_OFF,  /* the whole domain stops: how, in msg */
};

/* Zeroed by the machine before the handler runs. */
struct sim_trap_result {
	enum sim_trap_next next;
	uint64_t pc; /* SIM_TRAP_REDIRECT: where */
	int yield;   /* end the caller's time slice (its clock jumped) */
	char msg[200];
};

/* Called for trap tt taken at pc by guest thread tid running on cpu; reads
 * and writes the strand's registers through the sim. A handler that
 * blocks the thread (sim_thread_block) resumes it after the trap. */
typedef void (*sim_trap_fn)(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt,
                            uint64_t pc, struct sim_trap_result *r);

/* Which strand counter a handler's traps count in (struct
 * sim_strand_stats). */
enum sim_trap_stat { SIM_TRAP_STAT_NONE, SIM_TRAP_STAT_HCALLS, SIM_TRAP_STAT_KMCALLS };

struct sim_trap_handler {
	sim_trap_fn fn;
	void *ctx;
	enum sim_stop stop_as;   /* the verdict's reason on SIM_TRAP_STOP */
	enum sim_trap_stat stat; /* counter it counts in */
};

#define SIM_MAX_TRAP_HANDLERS 16 /* registrations per sim */
/* Handle trap types [tt_lo, tt_hi] with h (copied), replacing what handled
 * them; h == NULL removes the handlers of the range. Only the spill/fill
 * vectors (0x80-0xff) and the sim's soft traps SIM_TRAP_RETURN and
 * SIM_TRAP_BADVEC (sim/guest/sim_traps.h) are the machine's. SIM_E_ARG for those or tt_lo > tt_hi,
 * SIM_E_NOMEM when SIM_MAX_TRAP_HANDLERS ranges are registered. */
int sim_set_trap_handler(struct sim *s, unsigned tt_lo, unsigned tt_hi,
                         const struct sim_trap_handler *h);
/* The handler of trap type tt, or NULL. */
const struct sim_trap_handler *sim_trap_handler(const struct sim *s, unsigned tt);

/* Counters of one strand. */
struct sim_strand_stats {
	uint64_t insns; /* guest instructions, counted per translated block */
	uint64_t spills, fills, hcalls, kmcalls;
	uint64_t pauses; /* PAUSE instructions (modelled: QEMU lacks them) */
	/* The memory model (sim_memory_model): accesses by kind (enum
	 * cache_kind) and by the level of the cpu's path that served them
	 * (the last counted slot, [nlevels], is memory); the stall time it
	 * charged, picoseconds. All zero while the model is off. */
	uint64_t mem_served[CACHE_NKINDS][CACHE_MAX_LEVELS + 1];
	uint64_t mem_stall_ps;
};

/* Start a strand as CPU_START does: privileged, TL 0, MMU off, PC = pc,
 * %o0 = arg0. The strand takes an engine from the pool. */
int sim_strand_start(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0);
/* Stop a running strand (its engine returns to the pool). */
void sim_strand_park(struct sim *s, unsigned cpu);
int sim_strand_running(const struct sim *s, unsigned cpu);
/* Stop with SIM_STOP_REACHED when the strand's PC reaches addr. */
int sim_strand_stop_at(struct sim *s, unsigned cpu, uint64_t addr);
/* Run until the strand stops or has executed budget more instructions
 * (0: the configured budget). Returns the reason; *v describes it. */
enum sim_stop sim_strand_run(struct sim *s, unsigned cpu, uint64_t budget, struct sim_verdict *v);
const struct sim_strand_stats *sim_strand_stats(const struct sim *s, unsigned cpu);

/* Registers of a strand, the machine's own numbering (the window
 * registers are the current window's). */
enum sim_reg {
	SIM_REG_G0,
	SIM_REG_G1,
	SIM_REG_G2,
	SIM_REG_G3,
	SIM_REG_G4,
	SIM_REG_G5,
	SIM_REG_G6,
	SIM_REG_G7,
	SIM_REG_O0,
	SIM_REG_O1,
	SIM_REG_O2,
	SIM_REG_O3,
	SIM_REG_O4,
	SIM_REG_O5,
	SIM_REG_O6,
	SIM_REG_O7,
	SIM_REG_L0,
	SIM_REG_L1,
	SIM_REG_L2,
	SIM_REG_L3,
	SIM_REG_L4,
	SIM_REG_L5,
	SIM_REG_L6,
	SIM_REG_L7,
	SIM_REG_I0,
	SIM_REG_I1,
	SIM_REG_I2,
	SIM_REG_I3,
	SIM_REG_I4,
	SIM_REG_I5,
	SIM_REG_I6,
	SIM_REG_I7,
	SIM_REG_PC,
	SIM_REG_NPC,
	SIM_REG_COUNT,
	SIM_REG_SP = SIM_REG_O6, /* stack pointer (biased by 2047) */
	SIM_REG_FP = SIM_REG_I6,
};

/* %o0..%o5 (in the current window). */
void sim_strand_oregs(struct sim *s, unsigned cpu, uint64_t o[6]);
void sim_strand_set_oregs(struct sim *s, unsigned cpu, const uint64_t *o, unsigned n);
/* Any register; 0 when the strand does not run or the engine refuses (the
 * sim's host error then says why). */
uint64_t sim_strand_reg(struct sim *s, unsigned cpu, enum sim_reg reg);
/* SIM_E_CPU when the strand does not run, SIM_E_ARG for a bad register,
 * SIM_E_UNICORN when the engine refuses (the host error says why). */
int sim_strand_set_reg(struct sim *s, unsigned cpu, enum sim_reg reg, uint64_t v);

/* Simulated time. Each thread has a clock (picoseconds); guest
 * instructions advance it at its cpu's picoseconds per instruction
 * (CPI / clock-frequency), services charge it explicitly. Thread ids below
 * max_cpus are the cpus' own strands (id == cpu). */
void sim_cpu_set_speed(struct sim *s, unsigned cpu, uint64_t hz, double cpi);
uint64_t sim_cpu_ps_per_insn(const struct sim *s, unsigned cpu);
uint64_t sim_thread_time_ps(struct sim *s, unsigned id);
void sim_thread_charge_ps(struct sim *s, unsigned id, uint64_t ps);
void sim_thread_set_time_ps(struct sim *s, unsigned id, uint64_t ps);
unsigned sim_thread_cpu(const struct sim *s, unsigned id);

/* Call guest function fn(args...) on a strand with stack pointer sp
 * (unbiased top of a stack; the frame and bias are applied here), as a
 * C call: returns when it returns (SIM_STOP_RETURNED, result in *ret) or
 * stops otherwise. The strand must be started. */
enum sim_stop sim_call(struct sim *s, unsigned cpu, uint64_t fn, const uint64_t *args,
                       unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v);

/* ---- boot snapshots (issue 14, first part) ------------------------------
 * Guest RAM as an image: its non-zero pages of SIM_SNAP_PAGE bytes, zlib-
 * compressed at level (1..9). Loading one replaces the whole RAM, before
 * the first strand starts (SIM_E_ARG after); a malformed image changes
 * nothing and says why. *out is malloc'd. */
#define SIM_SNAP_PAGE 8192 /* bytes: sun4v's base page */
int sim_ram_image(const struct sim *s, int level, uint8_t **out, size_t *len, char *err,
                  size_t errlen);
int sim_ram_load(struct sim *s, const uint8_t *img, size_t len, char *err, size_t errlen);
/* The whole machine between runs (no strand inside a run, no host error):
 * RAM as above, every thread's scheduling state and clock, the cpu state
 * of each thread holding an engine, boot memory, power, notes, verdicts
 * and the profile. Loading needs a machine made with the same
 * configuration, before its first strand starts; a failed load leaves a
 * machine only fit to be freed (the message says why). */
struct ser_w;
struct ser_r;
int sim_state_save(const struct sim *s, struct ser_w *w, char *err, size_t errlen);
int sim_state_load(struct sim *s, struct ser_r *r, char *err, size_t errlen);

/* ---- the memory model -------------------------------------------------
 * Off unless set up before the first strand starts. Then every guest load
 * and store of a thread goes through its cpu's data path and every block
 * it executes through the instruction path (cache/cache.h: the caches are
 * the caller's, shared between cpus as the machine shares them, and must
 * outlive the sim). A load or an instruction fetch served by level i
 * stalls the thread for lat[i] - lat[0] cycles of its cpu (the CPI covers
 * a hit in the nearest level); a store retires into the store buffer:
 * counted, no stall. Real addresses are what the caches see (the linear
 * map is folded onto RAM). */
struct sim_mem_cpu {
	struct cache_path data, insn;
	uint32_t data_lat[CACHE_MAX_LEVELS + 1]; /* cycles, by level served; [nlevels]: memory */
	uint32_t insn_lat[CACHE_MAX_LEVELS + 1];
};
/* Turn the model on: cpus has max_cpus entries (copied). SIM_E_ARG after
 * the first strand started or for a path longer than CACHE_MAX_LEVELS. */
int sim_memory_model(struct sim *s, const struct sim_mem_cpu *cpus);
int sim_memory_model_on(const struct sim *s);

/* ---- the scheduler ---------------------------------------------------
 * Threads run interleaved in simulated time: the runnable thread with the
 * earliest clock runs until its clock passes the next one's by a quantum,
 * it blocks, returns or stops. Trap handlers block the thread
 * (sim_thread_block) or end its slice early (sim_trap_result.yield). */

/* Start an extra guest thread (a kthread) on cpu at pc with %o0 = arg0,
 * its clock at time_ps. */
int sim_thread_create(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0, uint64_t time_ps,
                      unsigned *tid);
/* Mark thread tid blocked on key (from inside a kernel-model entry). */
void sim_thread_block(struct sim *s, unsigned tid, uint64_t key);
/* Wake every thread blocked on key; a woken thread's clock becomes at
 * least time_ps. Returns how many woke. */
unsigned sim_wake(struct sim *s, uint64_t key, uint64_t time_ps);
int sim_thread_blocked(const struct sim *s, unsigned tid);
/* The per-function profile (sim/profile.h): off unless enabled, before
 * the threads of interest run. */
struct sim_prof;
int sim_profile_enable(struct sim *s);
struct sim_prof *sim_profile(struct sim *s); /* NULL when off */
void sim_thread_label(struct sim *s, unsigned tid, const char *label);

/* Thread ids are below this (the cpus' strands, then the kthreads). */
unsigned sim_thread_count(const struct sim *s);

/* Call guest function fn(args) on thread tid as a C call while every other
 * runnable thread runs interleaved with it; returns when tid returns
 * (SIM_STOP_RETURNED, *ret = %o0) or stops with a verdict, or
 * SIM_STOP_DEADLOCK. Threads other than tid that stop with a verdict are
 * recorded as notes and leave the run. */
enum sim_stop sim_sched_call(struct sim *s, unsigned tid, uint64_t fn, const uint64_t *args,
                             unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v);
/* Run every runnable thread until none is runnable or the earliest clock
 * reaches until_ps. */
void sim_sched_run(struct sim *s, uint64_t until_ps);
/* Verdicts of threads that stopped during scheduled runs. */
size_t sim_verdict_count(const struct sim *s);
const struct sim_verdict *sim_verdict_get(const struct sim *s, size_t i);

/* The domain's power-off (MACH_EXIT, or OBP's exit): from then on no
 * thread runs (the scheduler picks none, sim_sched_call returns
 * SIM_STOP_POWER_OFF). The first power-off is kept. */
struct sim_power_off {
	unsigned cpu;     /* the strand that powered the domain off */
	uint64_t time_ps; /* its clock then */
	uint64_t pc;
	char where[96]; /* pc as function+offset */
	char msg[256];  /* how (the hypercall, the OBP service) */
};
/* NULL while the domain runs. */
const struct sim_power_off *sim_power_state(const struct sim *s);

/* Notes: things reported but not fatal (an unknown hypercall). */
void sim_note(struct sim *s, unsigned cpu, uint64_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
size_t sim_note_count(const struct sim *s);
const char *sim_note_get(const struct sim *s, size_t i);

/* Why the host could not give the sim what it needed — the first engine
 * that could not be opened (no address space left under ulimit -v, say) —
 * or NULL. The guest then saw a strand fail to start for a host reason:
 * whatever it did afterwards measures the host, not the guest, so a run
 * with one is unusable. */
const char *sim_host_error(const struct sim *s);

/* Engines opened, engines in the pool now. */
void sim_pool_stats(const struct sim *s, unsigned *opened, unsigned *idle);

#endif
