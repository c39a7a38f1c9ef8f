/*
 * kernel-model/km_state.h — the kernel model's state, shared by the
 * files of this module only (struct km is private to kernel-model/).
 */
#ifndef LDOMSIM_KM_STATE_H
#define LDOMSIM_KM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel-model/km.h"
#include "kernel-model/tunables.h"
#include "lx/lx.h"

struct sim;
struct km_heap;
struct km_logbuf;
struct km_tstate;
struct km_ldc;

enum km_dying_state { KM_DYING_NONE, KM_DYING_RUNNING, KM_DYING_DISABLED };
struct km_dying {
	enum km_dying_state state;
	int32_t result;  /* __cpu_disable's */
	unsigned waiter; /* the thread in km_cpu_down_wait */
};

struct km {
	struct sim *s;
	struct lx_layout lx;       /* the guest's layouts (a copy) */
	struct hv *hv;             /* not owned */
	uint64_t stubs, stubs_end; /* the stub table in the image */
	uint64_t *calls;           /* calls per function row */
	uint64_t page_offset;      /* PAGE_OFFSET */
	struct km_heap *heap;      /* km_heap.c */
	struct km_logbuf *log;     /* km_log.c */
	struct km_costs costs;
	struct km_tstate *threads; /* km_sched.c, by thread id */
	unsigned nthreads;
	struct km_ldc *ldc;      /* km_ldc.c: the DS channel */
	uint64_t vio_driver;     /* the driver __vio_register_driver got */
	struct km_dying *dying;  /* km_hotplug.c, by cpu: cpus being taken down */
	uint64_t *irq_desc;      /* km_irq.c, by irq: descriptor addresses */
	struct km_event *events; /* in order */
	size_t nevents, capevents;
	/* km_boot.c */
	uint64_t trap_block;   /* &trap_block[0] */
	uint64_t cpu_all_mask; /* a full cpumask in guest memory */
	unsigned boot_cpu;
	unsigned nmaps;      /* num_kernel_image_mappings */
	uint64_t locked_tte; /* kern_locked_tte_data */
	uint64_t stick_hz;   /* %stick frequency (tick_ops) */
	/* km.c, km_printk.c: OBP entries made where OBP has no state, the halt */
	struct km_obp_call obp[KM_MAX_OBP_CALLS];
	size_t nobp;
	struct km_halt halt;
	char obp_console[KM_OBP_LINE_MAX]; /* the last prom_printf line ... */
	unsigned obp_console_cpu;          /* ... and its strand */
};

/* Set-up and tear-down of the parts (each fini is safe on a failed init). */
int km_heap_init(struct km *km);
void km_heap_fini(struct km *km);
int km_log_init(struct km *km);
void km_log_fini(struct km *km);
void km_sched_fini(struct km *km);
void km_ldc_fini(struct km *km);
void km_irq_fini(struct km *km);

/* Boot snapshots: each part's state into a stream and back (km_save). */
struct ser_w;
struct ser_r;
void km_heap_save(const struct km *km, struct ser_w *w);
int km_heap_load(struct km *km, struct ser_r *r);
void km_log_save(const struct km *km, struct ser_w *w);
int km_log_load(struct km *km, struct ser_r *r);
void km_sched_save(const struct km *km, struct ser_w *w);
int km_sched_load(struct km *km, struct ser_r *r);
void km_ldc_save(const struct km *km, struct ser_w *w);
int km_ldc_load(struct km *km, struct ser_r *r);

#endif
