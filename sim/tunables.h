/*
 * sim/tunables.h — the machine's tunables, units in the comments.
 * Everything here can be overridden per run through struct sim_config.
 */
#ifndef LDOMSIM_SIM_TUNABLES_H
#define LDOMSIM_SIM_TUNABLES_H

/* Guest RAM, bytes; backs real addresses [0, size). Host memory is mapped
 * lazily, so only touched pages cost. */
#define SIM_RAM_SIZE_DEFAULT (512ull << 20)
/* Low guest addresses left unmapped at virtual/real address 0 (bytes; a
 * multiple of 8 KiB). The kernel never maps its nucleus context at 0 and
 * nothing the guest legitimately touches with the MMU off lies below the
 * image at KERNBASE (0x400000) (the default, T1, T2-removal and M7-16
 * scenarios all ran unchanged with 4 MiB unmapped), so a load or store
 * here is a NULL (or near-NULL) pointer dereference and stops the run, as
 * Linux oopses. Kept below KERNBASE for the self-test's own stack at
 * 0x200000 (sim/selftest.c). */
#define SIM_NULL_GUARD (1ull << 20)
/* Instructions one strand may execute in one run before it is reported
 * as stuck (instructions), and the most a configuration may ask for
 * (10^13: hours of host time; budget arithmetic saturates below 2^64). */
#define SIM_INSN_BUDGET_DEFAULT 50000000ull
#define SIM_INSN_BUDGET_MAX     10000000000000ull
/* Latest simulated time, picoseconds (10^19 ps = 10^7 s, ~116 days): a
 * thread whose clock passes it stops with the verdict "time-limit", so
 * the 64-bit picosecond clocks (which wrap at ~1.8 * 10^19) never wrap.
 * Traces name times up to TRACE_T_NS_MAX (traces/trace.h, 10^18 ps), and
 * every charge (at most 10^15 ps, a cost's TRACE_COST_NS_MAX) fits in the
 * headroom above this limit. */
#define SIM_TIME_MAX_PS 10000000000000000000ull
/* Most Unicorn engines alive at once (engines). Each costs ~2.9 MB RSS and
 * ~1 GiB of virtual space; idle strands give theirs back. */
#define SIM_ENGINE_POOL_MAX 64
/* Sims an engine from a sim_engines cache serves before it is closed
 * (sims). Each sim translates its code again into the engine's JIT buffer
 * (~0.1 MB for the default scenario), which Unicorn 2.0.1 reclaims only
 * with a full flush that touches the whole 1 GiB buffer, while closing an
 * engine leaks its TLB (~80 KB): this bounds the first and amortises the
 * second. */
#define SIM_ENGINE_REUSE_MAX 256
/* Virtual address space one engine reserves (bytes): Unicorn 2.0's
 * translation buffer is 1 GiB. Unicorn ends the process when it cannot
 * reserve it, so sim_priv_open first checks that this much, plus
 * SIM_ENGINE_VSPACE_SLACK for the engine's smaller allocations, is free. */
#define SIM_ENGINE_VSPACE       (1ull << 30)
#define SIM_ENGINE_VSPACE_SLACK (64ull << 20)

/* Largest cpu id + 1 the hypervisor model accepts (sparc64 NR_CPUS). */
#define SIM_MAX_CPUS 4096
/* Boot memory starts at the image end rounded up to this (bytes): the
 * kernel's 4 MiB locked TTEs cover the image, the heap starts after. */
#define SIM_BOOTMEM_ALIGN (4ull << 20)
/* Guest threads besides the cpus' own strands (kthreads like ds_thread). */
#define SIM_MAX_KTHREADS 16
/* Picoseconds per guest instruction until the MD gives the cpu's
 * clock-frequency (1 GHz, CPI 1). */
#define SIM_PS_PER_INSN_DEFAULT 1000
/* Scheduler quantum: a thread runs until its clock passes the next
 * runnable thread's by this much (picoseconds; 1 us). Smaller interleaves
 * spin-waits more finely and costs more host time. */
#define SIM_QUANTUM_PS 1000000ull
/* Longest slice, instructions: a strand that spins in a self-loop is
 * recognised (and halted) at a slice end, so within this many. */
#define SIM_MAX_SLICE_INSNS 1000000ull
/* Notes (warnings) kept per run (entries). */
#define SIM_MAX_NOTES 256
/* Longest translated block searched for a faulting access (instructions;
 * QEMU caps a sparc64 block well below this). */
#define SIM_MAX_BLOCK_INSNS 512
/* `until` address handed to uc_emu_start: never reached, because
 * Unicorn's sparc64 `until` re-executes the instruction before it. */
#define SIM_NEVER_ADDR 0xfffffffffffffff0ull

/* Longest stall of one PAUSE instruction (cycles): the most the kernel
 * ever asks for (asm/backoff.h: BACKOFF_LIMIT 4096 << 7). Larger values
 * are clamped. */
#define SIM_PAUSE_MAX_CYCLES (4096ull << 7)

#endif
