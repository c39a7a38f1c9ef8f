/*
 * ldomsim — `trace gen` (synthetic traces) and `trace import` (captures
 * from a real sun4v guest), plus the tunables they write into traces.
 * Internal to the traces module and its CLI.
 */
#ifndef LDOMSIM_TRACES_TRACE_GEN_H
#define LDOMSIM_TRACES_TRACE_GEN_H

#include "traces/trace.h"

/* The kernel-step costs generated and imported traces carry: the
 * trace_default column of kernel-model/costs.def. */

/* Plausible guest addresses (real addresses of a sun4v guest kernel). */
#define TRACE_GEN_KERNBASE        0x400000ull           /* KERNBASE */
#define TRACE_GEN_KERNEL_RA       0x20000000ull         /* RA the kernel image was loaded at */
#define TRACE_GEN_TTE_BITS        0x8000000000000761ull /* valid, 4 MB, cp, cv, p, w, locked attrs */
#define TRACE_GEN_KERNEL_MAPPINGS 2                     /* num_kernel_image_mappings (4 MB each) */
#define TRACE_GEN_HEAP_RA         0x3f000000ull         /* kmalloc'd descriptors, queues */
#define TRACE_GEN_MD_RA           0x3e000000ull         /* mdesc_handle buffers */
#define TRACE_GEN_BOOT_CLOCK_NS   5123456789ull         /* sched_clock() when DS registered */

/* Arrival times of the scenario (ns, simulated). */
#define TRACE_GEN_T_MD_UPDATE 1000000ull   /* first md-update: 1 ms */
#define TRACE_GEN_T_STEP      10000000ull  /* md-update -> dr-cpu request: 10 ms */
#define TRACE_GEN_T_REMOVE    100000000ull /* configure -> unconfigure: 100 ms */

/* hcall latency model of generated traces (ns; sigma = sd of ln latency).
 * Invented plausible values, not measurements. */
#define TRACE_GEN_DEFAULT_MIN_NS 500 /* default: uniform 500..2000 ns */
#define TRACE_GEN_DEFAULT_MAX_NS 2000
#define TRACE_GEN_MODEL(LOGN, FIXED)                                                               \
	LOGN("mach_desc", 15000, 0.30)                                                             \
	LOGN("cpu_start", 28000, 0.35)                                                             \
	LOGN("cpu_stop", 45000, 0.40)                                                              \
	LOGN("cpu_qconf", 900, 0.20)                                                               \
	FIXED("cpu_state", 400)                                                                    \
	LOGN("mmu_map_perm_addr", 1800, 0.25)                                                      \
	LOGN("mmu_fault_area_conf", 700, 0.20)                                                     \
	LOGN("mmu_enable", 2500, 0.25)                                                             \
	LOGN("cpu_mondo_send", 1500, 0.30)

struct trace_gen_opts {
	const char *shape;   /* md_shape_get() name */
	const char *present; /* "N" (first N strands) or a list "0-55,60" */
	uint32_t add;        /* strands added by generation 2 */
	uint32_t remove;     /* of those, removed again by generation 3 (0: none) */
	uint32_t batch;      /* cpus per dr-cpu request (0: all in one) */
};

/* Write DIR/trace.json and DIR/md-genN.bin (DIR is created if needed). */
enum trace_status trace_gen(const struct trace_gen_opts *o, const char *dir,
                            struct trace_error *err);

/* Turn a capture directory written by scripts/record-ldom.sh into a trace
 * in DIR. */
enum trace_status trace_import(const char *capture_dir, const char *dir, struct trace_error *err);

#endif
