/*
 * ldomsim — `trace gen` (synthetic traces) and `trace import` (captures
 * from a real sun4v guest), plus the tunables they write into traces.
 * Internal to the traces module and its CLI.
 */
#ifndef LDOMSIM_TRACES_TRACE_GEN_H
#define LDOMSIM_TRACES_TRACE_GEN_H

#include "traces/trace.h"

/* Modelled kernel-step costs written into generated/imported traces (ns).
 * Estimates for a sun4v guest, not measurements; see FORMAT.md. */
#define TRACE_GEN_HOTPLUG_PREPARE_NS    150000   /* cpuhp prepare states + idle thread */
#define TRACE_GEN_HOTPLUG_ONLINE_NS     400000   /* cpuhp online states, sched domains */
#define TRACE_GEN_HOTPLUG_TEARDOWN_NS   300000   /* cpuhp teardown before __cpu_disable */
#define TRACE_GEN_UDELAY_GRANULARITY_NS 1000     /* udelay rounds to whole microseconds */
#define TRACE_GEN_UDELAY_OVERHEAD_NS    200      /* call + loop set-up */
#define TRACE_GEN_JIFFY_NS              10000000 /* HZ=100 (sparc64_defconfig) */
#define TRACE_GEN_SCHED_SWITCH_NS       3000     /* one context switch */
#define TRACE_GEN_KTHREAD_WAKEUP_NS     8000     /* wake-up to running */
#define TRACE_GEN_LDC_MSG_NS            20000    /* one DS message over LDC, one way */
#define TRACE_GEN_IPI_NS                5000     /* cpu mondo delivery */
#define TRACE_GEN_PRINTK_NS             2000     /* one log line, no console */

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

/* mkdir -p. 0 on success. */
int trace_mkdir_p(const char *dir);

#endif
