/*
 * hv/hv.h — the sun4v hypervisor model, above the machine (sim/). Every hypervisor trap the guest
 * executes (`ta 0x80` fast traps with the function in %o5, and the
 * MMU_MAP_ADDR/MMU_UNMAP_ADDR/CORE traps) is answered from one table,
 * one row per function; unknown functions are answered EBADTRAP and
 * reported by number, known but unmodelled ones stop the strand with a
 * verdict naming them. Every call is logged in order.
 */
#ifndef LDOMSIM_HV_HV_H
#define LDOMSIM_HV_HV_H

#include <stddef.h>
#include <stdint.h>

struct sim;
struct hv;
struct sim_trap_result;

/* sun4v hypervisor API status codes. */
enum hv_status {
	HV_EOK = 0,
	HV_ENOCPU = 1,
	HV_ENORADDR = 2,
	HV_ENOINTR = 3,
	HV_EBADPGSZ = 4,
	HV_EBADTSB = 5,
	HV_EINVAL = 6,
	HV_EBADTRAP = 7,
	HV_EBADALIGN = 8,
	HV_EWOULDBLOCK = 9,
	HV_ENOACCESS = 10,
	HV_EIO = 11,
	HV_ECPUERROR = 12,
	HV_ENOTSUPPORTED = 13,
	HV_ENOMAP = 14,
	HV_ETOOMANY = 15,
	HV_ECHANNEL = 16,
	HV_EBUSY = 17,
};

/* One hypervisor call as the guest made it. */
struct hv_call {
	unsigned cpu;        /* the calling strand's cpu id */
	unsigned tid;        /* the calling guest thread */
	uint64_t latency_ns; /* simulated time it took */
	uint64_t t_ns;       /* the caller's simulated time at the trap */
	unsigned trap;       /* 0x80 fast trap, 0x83, 0x84, 0xff */
	unsigned fn;         /* %o5 for fast traps, else the trap number */
	const char *name;    /* table name, or "unknown" */
	uint64_t pc;         /* address of the ta */
	unsigned nargs, nrets;
	uint64_t arg[5]; /* %o0..%o4 at the trap */
	uint64_t status; /* %o0 after */
	uint64_t ret[3]; /* %o1..%o3 after */
};

/* The model of sim's domain: it answers the sim's hypervisor traps (it
 * registers their handlers) and is attached to the sim, which frees it
 * (sim_free). max_cpus: the cpu ids it knows, those of the sim. */
int hv_create(struct sim *sim, unsigned max_cpus, struct hv **out);
/* For a model not attached to a sim only (its creation failed half-way). */
void hv_free(struct hv *hv);
/* The model answering sim's hypervisor traps, or NULL. */
struct hv *hv_of(struct sim *sim);

/* Service trap `trap` (0x80 fast trap, 0x83, 0x84, 0xff) for guest thread
 * tid running on cpu: reads %o0-%o5 through the sim, writes results back. */
void hv_trap(struct hv *hv, unsigned tid, unsigned cpu, unsigned trap, uint64_t pc,
             struct sim_trap_result *r);

/* CPU_START semantics for the host (the self-test, a boot cpu). */
uint64_t hv_cpu_start(struct hv *hv, unsigned caller, uint64_t cpu, uint64_t pc, uint64_t rtba,
                      uint64_t arg0);

/* The log of calls, in order. */
size_t hv_log_count(const struct hv *hv);
const struct hv_call *hv_log_get(const struct hv *hv, size_t i);
/* Calls to unknown function numbers (answered EBADTRAP). */
size_t hv_unknown_count(const struct hv *hv);

/* Name of a fast-trap function, or NULL. */
const char *hv_fn_name(unsigned trap, unsigned fn);
/* Inject a status for the next call to fn on cpu (-1: any cpu). */
#define HV_MAX_INJECT 32 /* injected faults per run */
/* -1 when HV_MAX_INJECT are already set. */
int hv_inject(struct hv *hv, unsigned fn, int cpu, uint64_t status, unsigned count);
/* How many calls the i-th injected fault (in hv_inject order) failed. */
unsigned hv_inject_fired(const struct hv *hv, unsigned i);

/* Latency of the k-th call (0-based, per cpu and function) of function fn
 * (fast-trap number, or the trap number) on cpu, nanoseconds: the trace's
 * recording or its model. Without one, hypercalls take no time. Calls
 * are counted from hv_set_latency: k is the strand's k-th call of fn
 * since then (a trace's records describe its scenario, not the boot). */
typedef uint64_t (*hv_latency_fn)(void *ctx, unsigned cpu, unsigned fn, unsigned k);
void hv_set_latency(struct hv *hv, hv_latency_fn fn, void *ctx);

/* The MD MACH_DESC hands out (not copied: the caller keeps it alive). */
void hv_set_mdesc(struct hv *hv, const uint8_t *md, size_t len);
/* A device interrupt source of the domain, targeting cpu (the state the
 * trace records); its target now and how often the guest moved it. */
/* The model numbers sysinos devhandle << 8 | devino, devhandle 0-7 and
 * devino 0-255, so that they fit 6.1's ivector table (nr_ivec 0xfff). */
#define HV_MAX_DEVHANDLE 7
#define HV_MAX_DEVINO    255
#define HV_NSYSINO       ((HV_MAX_DEVHANDLE + 1) << 8)
int hv_add_intr(struct hv *hv, uint64_t devhandle, uint64_t devino, uint64_t target);
int hv_intr_target(const struct hv *hv, uint64_t devhandle, uint64_t devino, uint64_t *target,
                   unsigned *retargets);
/* Mark a cpu running without CPU_START (the boot strand). */
void hv_set_running(struct hv *hv, unsigned cpu);
/* The strand the domain booted on: the only one OBP started and knows. */
void hv_set_boot_cpu(struct hv *hv, unsigned cpu);
/* Whether OBP has state for cpu: the boot strand, unless it was stopped and
 * started again by CPU_START (every other strand comes straight out of the
 * hypervisor, so an OBP client call made there is not allowed). */
int hv_cpu_obp_known(const struct hv *hv, unsigned cpu);
/* Whether cpu is running (CPU_START'ed, or the boot strand), not stopped. */
int hv_cpu_running(const struct hv *hv, unsigned cpu);
/* Boot snapshots (issue 14): the model's state (cpus, call log,
 * negotiated groups, injections, interrupt sources) into a stream, and
 * back into a model made the same way (same max_cpus; the MD and the
 * latency function stay the caller's). The per-strand call counts are not
 * part of it: they restart at hv_set_latency, which comes after a
 * snapshot. A stream that fails leaves the model to be freed. */
struct ser_w;
struct ser_r;
void hv_save(const struct hv *hv, struct ser_w *w);
int hv_load(struct hv *hv, struct ser_r *r);

#endif
