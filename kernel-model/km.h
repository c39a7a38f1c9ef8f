/*
 * kernel-model/km.h — host implementations of what the real kernel objects
 * call but is not under study. One table (kernel-model/entries.def) names
 * every entry; the guest build turns each function row into an 8-byte stub
 * `sym: retl; ta SIM_TRAP_KM` in table order from km_stubs_start, and the
 * simulator dispatches the trap here by the stub's index.
 */
#ifndef LDOMSIM_KM_KM_H
#define LDOMSIM_KM_KM_H

#include <stddef.h>
#include <stdint.h>

struct sim;
struct km;

struct hv;
struct lx_layout;

/* Bind the table to the image loaded in s: find km_stubs_start and check
 * that the i-th stub carries the i-th row's name; from then on the model
 * answers the sim's kernel-model trap (it registers the handler). hv is the
 * domain's hypervisor model (OBP's state of the cpus), not owned. */
int km_create(struct sim *s, struct hv *hv, const struct lx_layout *lx, struct km **out, char *err,
              size_t errlen);
/* The guest's layouts the model was created with (lx/lx.h). */
const struct lx_layout *km_layout(const struct km *km);
void km_free(struct km *km);

/* Where the kernel's linear map starts (PAGE_OFFSET), and the image. */
uint64_t km_page_offset(const struct km *km);

/* ---- costs of the modelled services (nanoseconds of simulated time) -- */
/* One field per row of kernel-model/costs.def (traced costs first, in
 * file order, then the model's own). */
struct km_costs {
#define COST(name, unit, model_default, trace_default, min, what) uint64_t name;
#define MODEL_COST(name, unit, model_default, what)               uint64_t name;
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
};
/* The model_default column of costs.def. */
void km_costs_default(struct km_costs *c);
void km_set_costs(struct km *km, const struct km_costs *c);
/* The %stick frequency tick_ops reports (Hz); before km_boot_state. */
void km_set_stick_hz(struct km *km, uint64_t hz);

/* ---- events of the run (for measurements) ---------------------------- */
enum km_event_kind {
	KM_EV_CPU_UP_START,   /* add_cpu: the hotplug core starts bringing a cpu up */
	KM_EV_CPU_UP_DONE,    /* add_cpu returns 0 */
	KM_EV_CPU_UP_FAILED,  /* add_cpu returns an error */
	KM_EV_CPU_ONLINE,     /* set_cpu_online(cpu, true) */
	KM_EV_CPU_OFFLINE,    /* set_cpu_online(cpu, false) */
	KM_EV_CPU_IDLE,       /* the cpu entered its idle loop */
	KM_EV_CPU_CALLIN,     /* the new cpu set callin_flag (notify_cpu_starting follows it) */
	KM_EV_CPU_DOWN_START, /* remove_cpu: the hotplug core starts taking a cpu down */
	KM_EV_CPU_DOWN_DONE,  /* remove_cpu returns 0 (after the real __cpu_die) */
	KM_EV_MSLEEP,         /* a thread on cpu called msleep (time: the call) */
};
struct km_event {
	enum km_event_kind kind;
	unsigned cpu;
	uint64_t time_ns;
};
void km_event(struct km *km, enum km_event_kind kind, unsigned cpu, uint64_t time_ns);
size_t km_event_count(const struct km *km);
const struct km_event *km_event_get(const struct km *km, size_t i);

/* ---- boot (km_boot.c) ------------------------------------------------ */
/* What the kernel's early boot leaves for the code under study: kern_base,
 * PAGE_OFFSET, tlb_type, the locked kernel TTE, per-cpu areas, the boot
 * cpu in the cpu masks. */
int km_boot_state(struct km *km, char *err, size_t errlen);
/* A guest thread's task_struct and thread_info/stack; when thread tid is
 * started, sets its %g4 (current), %g5 (per-cpu offset), %g6 (thread_info)
 * for cpu. */
struct km_thread {
	uint64_t task, ti, stack_top; /* kernel virtual addresses */
};
int km_thread_setup(struct km *km, unsigned tid, unsigned cpu, const char *comm,
                    struct km_thread *out);
/* Mondo queues of a cpu (trap_block) with the MD's q-*-#bits. */
int km_cpu_queues(struct km *km, unsigned cpu, const unsigned bits[4]);
/* The real sun4v_mdesc_init, mdesc_populate_present_mask(cpu_all_mask),
 * mdesc_fill_in_cpu_data(cpu_all_mask) on thread tid. */
struct sim_verdict;
int km_boot_mdesc(struct km *km, unsigned tid, uint64_t stack_top, struct sim_verdict *v, char *err,
                  size_t errlen);
uint64_t km_per_cpu_offset(struct km *km, unsigned cpu);
/* Zeroed kernel memory (as kzalloc), its linear-map address; 0 if none. */
uint64_t km_alloc_zeroed(struct km *km, uint64_t size);
/* The real address of a kernel virtual address; UINT64_MAX if not RAM. */
uint64_t km_va_to_ra(const struct km *km, uint64_t va);
void km_store64(struct km *km, uint64_t va, uint64_t v);   /* big-endian */
unsigned km_num_kernel_mappings(const struct km *km);      /* 4 MiB locked TTEs */
uint64_t km_kern_locked_tte(const struct km *km);          /* the first one */
uint64_t km_trap_block(const struct km *km, unsigned cpu); /* &trap_block[cpu] */
void km_cpumask_set(struct km *km, uint64_t mask_va, unsigned cpu);
void km_cpumask_clear(struct km *km, uint64_t mask_va, unsigned cpu);
int km_cpumask_test(struct km *km, uint64_t mask_va, unsigned cpu);

/* ---- the topology the real code built (km_maps.c) --------------------- */
struct km_cpu_ids {
	uint16_t core_id, sock_id, max_cache_id;
	int16_t proc_id;
};
/* cpu_data(cpu)'s ids as the guest holds them. */
int km_cpu_ids(struct km *km, unsigned cpu, struct km_cpu_ids *out);
/* Compare the guest's ids and four sibling maps with the host computation
 * for every cpu the MD has; returns the number of differences and
 * describes the first few in report. */
struct md_topo;
size_t km_topology_compare(struct km *km, const struct md_topo *t, char *report, size_t n);

/* ---- threads and the DS channel (km_sched.c, km_ldc.c) ----------------- */
/* Record that thread tid runs task (threads the run starts itself). */
void km_note_task(struct km *km, unsigned tid, uint64_t task, const char *comm);
int km_task_tid(struct km *km, uint64_t task); /* -1 if unknown */
/* The DS channel is a port (TinyEMU's CharacterDevice is the model): the
 * peer puts bytes into the guest's channel with km_ldc_deliver and then
 * raises the channel's event (km_ldc_event_target gives the guest's event
 * callback and its arg); every ldc_write of the guest calls the attached
 * port's write with the bytes and the simulated time of the write. Writes
 * made before a port is attached are kept and handed to it, in order with
 * their times, when it is. */
struct km_ldc_port {
	void (*write)(void *ctx, uint64_t time_ns, const uint8_t *bytes, size_t len);
	void *ctx;
};
int km_ldc_attach(struct km *km, const struct km_ldc_port *port);
int km_ldc_deliver(struct km *km, const void *bytes, size_t len);
int km_ldc_event_target(const struct km *km, uint64_t *fn, uint64_t *arg);
size_t km_ldc_pending(const struct km *km);
/* The driver ds_init registered (struct vio_driver *), 0 before. */
uint64_t km_vio_driver(const struct km *km);

/* ---- device interrupts (km_irq.c) ------------------------------------- */
/* The descriptor of irq (0: none); mark irq requested (desc->action set,
 * as request_irq would), so that fixup_irqs retargets it. */
uint64_t km_irq_desc(struct km *km, unsigned irq);
int km_irq_request(struct km *km, unsigned irq);
/* irq's affinity mask (irq_common_data.affinity), its address; 0: none. */
uint64_t km_irq_affinity(struct km *km, unsigned irq);
/* irq_ivector_init(): the sysino → irq bucket table the real
 * sun4v_build_sysino fills (ivector_table, ivector_table_pa), for sysinos
 * below nsysino. Idempotent; -1 if the heap is exhausted or the image lacks
 * the symbols. */
int km_irq_ivector_init(struct km *km, unsigned nsysino);

/* The kernel log, in order. */
struct km_log_line {
	uint64_t time_ns; /* the printing thread's simulated time */
	unsigned cpu;
	int level;        /* KERN_* level 0..7, or -1 when none was given */
	const char *text; /* one line, no trailing newline */
};
size_t km_log_count(const struct km *km);
const struct km_log_line *km_log_get(const struct km *km, size_t i);

/* ---- OBP (the firmware's client interface, prom_*) --------------------
 * OBP knows only the strand the domain booted on (hv/hv.h
 * hv_cpu_obp_known); a prom_* entry made on any other strand is recorded
 * here (the first KM_MAX_OBP_CALLS), whatever the entry then does. */
#define KM_MAX_OBP_CALLS 32
#define KM_OBP_LINE_MAX  200
struct km_obp_call {
	char fn[32];     /* the entry: prom_printf, prom_halt, ... */
	char caller[96]; /* its caller as function+offset */
	unsigned cpu;
	uint64_t time_ns;
};
size_t km_obp_call_count(const struct km *km);
const struct km_obp_call *km_obp_call_get(const struct km *km, size_t i);
/* prom_halt: with domaining enabled 6.1 powers the domain off
 * (ldom_power_off → MACH_EXIT), else OBP's exit stops the machine. */
struct km_halt {
	int halted;
	char caller[96]; /* prom_halt's caller */
	unsigned cpu;
	uint64_t time_ns;
	char console[KM_OBP_LINE_MAX]; /* the last prom_printf line of that cpu, or "" */
};
const struct km_halt *km_halt_state(const struct km *km); /* NULL: no prom_halt */

/* The function rows (KM_FN and KM_TODO), in stub order. */
size_t km_fn_count(void);
const char *km_fn_name(size_t i);
int km_fn_is_placeholder(size_t i);
/* The entry a kernel symbol stands for when it is a KM_FN row: the first
 * row with the same host function (rows of one entry under the names of
 * several kernel versions: __kmalloc_cache_noprof -> kmalloc_trace); NULL
 * for a symbol that is not a KM_FN row. */
const char *km_fn_entry(const char *sym);
/* Calls per row so far. */
uint64_t km_fn_calls(const struct km *km, size_t i);

/* Boot snapshots (issue 14): the model's state (heap, log, threads, LDC
 * channel without its port, events, irq descriptors, OBP calls, costs)
 * into a stream, and back into a model made the same way (same sim and
 * layout). A failed load leaves the model to be freed. */
struct ser_w;
struct ser_r;
void km_save(const struct km *km, struct ser_w *w);
int km_load(struct km *km, struct ser_r *r);

#endif
