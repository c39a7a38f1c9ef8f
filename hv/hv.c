/*
 * hv/hv.c — the sun4v hypervisor model: one table, one row per function.
 * Semantics and status codes follow the sun4v Hypervisor API specification
 * (the cases each handler checks are listed on it).
 */
#include "hv/hv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/guest/sim_traps.h"
#include "util/grow.h"
#include "util/ser.h"

#define HV_FAST_TRAP           0x80
#define HV_MMU_MAP_ADDR_TRAP   0x83
#define HV_MMU_UNMAP_ADDR_TRAP 0x84
#define HV_CORE_TRAP           0xff
#define HV_MMU_DMMU            0x01
#define HV_MMU_IMMU            0x02
#define HV_MAX_PERM_MAPS       8 /* MMU_MAP_PERM_ADDR: at most 8, else ETOOMANY */
#define HV_NQUEUES             4 /* CPU_QCONF queues 0x3c..0x3f */
#define HV_QUEUE_BASE          0x3c

enum hv_cpu_state { HV_CPU_STOPPED = 1, HV_CPU_RUNNING = 2, HV_CPU_ERROR = 3 };

struct hv_perm {
	uint64_t va, tte, flags;
};

struct hv_cpu {
	enum hv_cpu_state state;
	unsigned nperm;
	struct hv_perm perm[HV_MAX_PERM_MAPS];
	uint64_t fault_area_ra;
	int mmu_enabled;
	uint64_t rtba;
	uint64_t queue_ra[HV_NQUEUES], queue_n[HV_NQUEUES];
	int by_cpu_start; /* its last start was CPU_START */
};

struct hv_inject {
	unsigned fn;
	int cpu;
	uint64_t status;
	unsigned count; /* calls still to fail */
	unsigned fired; /* calls failed so far */
};

struct hv_group {
	uint64_t group, major, minor;
};

/* A device interrupt source: its system ino, the cpu it targets. */
struct hv_intr {
	uint64_t sysino;
	uint64_t target;
	unsigned retargets;
};

struct hv {
	struct sim *sim;
	struct hv_group groups[32]; /* negotiated API groups (CORE_TRAP SET_VER) */
	unsigned ngroups;
	unsigned max_cpus;
	struct hv_cpu *cpus;
	struct hv_call *log;
	size_t nlog, caplog;
	size_t nunknown;
	struct hv_inject inject[HV_MAX_INJECT];
	unsigned ninject;
	const uint8_t *mdesc;
	size_t mdesc_len;
	struct hv_intr intrs[64];
	unsigned nintrs;
	hv_latency_fn latency;
	void *latency_ctx;
	unsigned *ncalls;  /* by cpu * 512 + fn & 511: calls so far */
	unsigned boot_cpu; /* max_cpus until hv_set_boot_cpu */
};

void hv_set_latency(struct hv *hv, hv_latency_fn fn, void *ctx)
{
	hv->latency = fn;
	hv->latency_ctx = ctx;
	memset(hv->ncalls, 0, (size_t)hv->max_cpus * 512 * sizeof *hv->ncalls);
}

/* Handler contract: c->arg holds %o0..%o4; set c->status and c->ret[];
 * r->next defaults to RESUME. */
typedef void (*hv_fn)(struct hv *hv, struct hv_call *c, struct sim_trap_result *r);

struct hv_row {
	unsigned trap, fn;
	const char *name;
	unsigned nargs, nrets;
	hv_fn handler; /* NULL: known to the API, not modelled: stops the strand */
};

static struct hv_cpu *cpu_of(struct hv *hv, uint64_t id)
{
	return id < hv->max_cpus ? &hv->cpus[id] : NULL;
}

static int ra_ok(struct hv *hv, uint64_t ra, uint64_t len)
{
	return sim_ra_valid(hv->sim, ra, len);
}

/* MACH_DESC (0x01): buffer RA %o0, length %o1. A length smaller than the
 * MD (0 asks the size) gives EINVAL with the size in %o1. */
static void hv_mach_desc(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	c->ret[0] = hv->mdesc_len;
	if (!hv->mdesc) {
		c->status = HV_ENOTSUPPORTED;
		return;
	}
	if (c->arg[1] < hv->mdesc_len) {
		c->status = HV_EINVAL;
		return;
	}
	if (c->arg[0] & 15) {
		c->status = HV_EBADALIGN;
		return;
	}
	uint8_t *dst = sim_ra_ptr(hv->sim, c->arg[0], hv->mdesc_len);
	if (!dst) {
		c->status = HV_ENORADDR;
		return;
	}
	memcpy(dst, hv->mdesc, hv->mdesc_len);
	c->status = HV_EOK;
}

/* MACH_EXIT (0x00): exit code. The domain stops; the call never returns. */
static void hv_mach_exit(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	for (unsigned i = 0; i < hv->max_cpus; i++)
		if (hv->cpus[i].state == HV_CPU_RUNNING)
			hv->cpus[i].state = HV_CPU_STOPPED;
	c->status = HV_EOK;
	r->next = SIM_TRAP_POWER_OFF;
	snprintf(r->msg, sizeof r->msg, "MACH_EXIT(%llu): the domain powered off",
	         (unsigned long long)c->arg[0]);
}

/* CPU_START (0x10): cpuid, pc (RA), rtba (RA, 256-aligned), arg0. */
static void hv_cpu_start_fn(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	c->status = hv_cpu_start(hv, c->cpu, c->arg[0], c->arg[1], c->arg[2], c->arg[3]);
	/* The new strand starts when the hypercall completes. */
	if (c->status == HV_EOK)
		sim_thread_set_time_ps(hv->sim, (unsigned)c->arg[0],
		                       sim_thread_time_ps(hv->sim, c->tid) + c->latency_ns * 1000);
}

uint64_t hv_cpu_start(struct hv *hv, unsigned caller, uint64_t id, uint64_t pc, uint64_t rtba,
                      uint64_t arg0)
{
	struct hv_cpu *t = cpu_of(hv, id);
	(void)caller;
	if (!t)
		return HV_ENOCPU;
	if (t->state == HV_CPU_RUNNING || t->state == HV_CPU_ERROR)
		return HV_EINVAL;
	if ((pc & 3) || (rtba & 0xff))
		return HV_EBADALIGN;
	if (!ra_ok(hv, pc, 4) || !ra_ok(hv, rtba, 256))
		return HV_ENORADDR;
	if (sim_strand_start(hv->sim, (unsigned)id, pc, arg0))
		return HV_EWOULDBLOCK;
	memset(t, 0, sizeof *t);
	t->state = HV_CPU_RUNNING;
	t->rtba = rtba;
	t->by_cpu_start = 1;
	return HV_EOK;
}

/* CPU_STOP (0x11): cpuid. The strand parks; a stopped cpu can be started. */
static void hv_cpu_stop(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->arg[0]);
	if (!t) {
		c->status = HV_ENOCPU;
		return;
	}
	if (t->state != HV_CPU_RUNNING) {
		c->status = HV_EINVAL;
		return;
	}
	if (c->arg[0] == c->cpu) { /* stopping oneself is CPU_STOP of the caller */
		r->next = SIM_TRAP_STOP;
		snprintf(r->msg, sizeof r->msg, "cpu %u stopped itself (CPU_STOP)", c->cpu);
	}
	sim_strand_park(hv->sim, (unsigned)c->arg[0]);
	t->state = HV_CPU_STOPPED;
	c->status = HV_EOK;
}

/* CPU_QCONF (0x14): queue (0x3c cpu mondo, 0x3d device, 0x3e resumable,
 * 0x3f non-resumable), base RA, entries (power of 2; 0 unconfigures); the
 * base must be aligned to the queue size (entries * 64 bytes). */
static void hv_cpu_qconf(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->cpu);
	uint64_t q = c->arg[0], base = c->arg[1], n = c->arg[2];
	if (q < HV_QUEUE_BASE || q >= HV_QUEUE_BASE + HV_NQUEUES) {
		c->status = HV_EINVAL;
		return;
	}
	if (n && ((n & (n - 1)) || n > (1u << 16))) {
		c->status = HV_EINVAL;
		return;
	}
	if (n && (base & (n * 64 - 1))) {
		c->status = HV_EBADALIGN;
		return;
	}
	if (n && !ra_ok(hv, base, n * 64)) {
		c->status = HV_ENORADDR;
		return;
	}
	t->queue_ra[q - HV_QUEUE_BASE] = n ? base : 0;
	t->queue_n[q - HV_QUEUE_BASE] = n;
	c->status = HV_EOK;
}

/* CPU_MYID (0x16): %o1 = the caller's cpu id. */
static void hv_cpu_myid(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	c->ret[0] = c->cpu;
	c->status = HV_EOK;
}

/* CPU_STATE (0x17): cpuid → %o1 = 1 stopped, 2 running, 3 error. */
static void hv_cpu_state(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->arg[0]);
	if (!t) {
		c->status = HV_ENOCPU;
		return;
	}
	c->ret[0] = t->state ? t->state : HV_CPU_STOPPED;
	c->status = HV_EOK;
}

/* A sun4v TTE's page size code (bits 3:0) to bytes: 8K << 3*code. */
static uint64_t tte_pagesize(uint64_t tte)
{
	unsigned code = tte & 0xf;
	return code > 5 ? 0 : 8192ull << (3 * code);
}

/* MMU_MAP_PERM_ADDR (0x25): va, 0, tte, flags (IMMU|DMMU). Valid TTE,
 * va aligned to its page size, RA in the guest, at most 8 mappings. */
static void hv_mmu_map_perm_addr(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->cpu);
	uint64_t va = c->arg[0], tte = c->arg[2], flags = c->arg[3];
	uint64_t psz = tte_pagesize(tte);
	if (!flags || (flags & ~(uint64_t)(HV_MMU_IMMU | HV_MMU_DMMU)) || !(tte >> 63)) {
		c->status = HV_EINVAL;
		return;
	}
	if (!psz) {
		c->status = HV_EBADPGSZ;
		return;
	}
	uint64_t ra = tte & 0x00ffffffffffe000ull & ~(psz - 1);
	if (va & (psz - 1)) {
		c->status = HV_EBADALIGN;
		return;
	}
	if (!ra_ok(hv, ra, 1)) {
		c->status = HV_ENORADDR;
		return;
	}
	if (t->nperm == HV_MAX_PERM_MAPS) {
		c->status = HV_ETOOMANY;
		return;
	}
	t->perm[t->nperm++] = (struct hv_perm){va, tte, flags};
	c->status = HV_EOK;
}

/* MMU_UNMAP_PERM_ADDR (0x28): va, 0, flags. */
static void hv_mmu_unmap_perm_addr(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->cpu);
	for (unsigned i = 0; i < t->nperm; i++)
		if (t->perm[i].va == c->arg[0]) {
			t->perm[i] = t->perm[--t->nperm];
			c->status = HV_EOK;
			return;
		}
	c->status = HV_ENOMAP;
}

/* MMU_FAULT_AREA_CONF (0x26): RA of the 64-byte-aligned fault status
 * area (0 disables); %o1 = the previous RA. */
static void hv_mmu_fault_area_conf(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->cpu);
	uint64_t ra = c->arg[0];
	if (ra & 63) {
		c->status = HV_EBADALIGN;
		return;
	}
	if (ra && !ra_ok(hv, ra, 64)) {
		c->status = HV_ENORADDR;
		return;
	}
	c->ret[0] = t->fault_area_ra;
	t->fault_area_ra = ra;
	c->status = HV_EOK;
}

/* MMU_ENABLE (0x27): enable, return target. On success execution
 * continues at the return target (a virtual address once enabled). The
 * simulator keeps VA == RA for the kernel image, so nothing is remapped. */
static void hv_mmu_enable(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_cpu *t = cpu_of(hv, c->cpu);
	if (c->arg[0] > 1) {
		c->status = HV_EINVAL;
		return;
	}
	if (c->arg[1] & 3) {
		c->status = HV_EBADALIGN;
		return;
	}
	t->mmu_enabled = (int)c->arg[0];
	c->status = HV_EOK;
	r->next = SIM_TRAP_REDIRECT;
	r->pc = c->arg[1];
}

/* MMU_MAP_ADDR trap (0x83): va, ctx, tte, flags — a non-permanent TLB
 * load; the model keeps no TLB. */
static void hv_mmu_map_addr(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	uint64_t flags = c->arg[3];
	if (!flags || (flags & ~(uint64_t)(HV_MMU_IMMU | HV_MMU_DMMU)) || !(c->arg[2] >> 63)) {
		c->status = HV_EINVAL;
		return;
	}
	c->status = HV_EOK;
}

/* MMU_UNMAP_ADDR trap (0x84): va, ctx, flags. */
static void hv_mmu_unmap_addr(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	c->status = HV_EOK;
}

/* CORE_TRAP SET_VER (group, major, minor): the API group is negotiated;
 * %o1 = the minor granted (the one asked for). */
static void hv_core_set_ver(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	for (unsigned i = 0; i < hv->ngroups; i++)
		if (hv->groups[i].group == c->arg[0]) {
			hv->groups[i].major = c->arg[1];
			hv->groups[i].minor = c->arg[2];
			c->ret[0] = c->arg[2];
			c->status = HV_EOK;
			return;
		}
	if (hv->ngroups == sizeof hv->groups / sizeof hv->groups[0]) {
		c->status = HV_EINVAL;
		return;
	}
	hv->groups[hv->ngroups++] = (struct hv_group){c->arg[0], c->arg[1], c->arg[2]};
	c->ret[0] = c->arg[2];
	c->status = HV_EOK;
}

/* CORE_TRAP GET_VER (group): %o1 major, %o2 minor of a negotiated group;
 * EINVAL for a group never negotiated. */
static void hv_core_get_ver(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	for (unsigned i = 0; i < hv->ngroups; i++)
		if (hv->groups[i].group == c->arg[0]) {
			c->ret[0] = hv->groups[i].major;
			c->ret[1] = hv->groups[i].minor;
			c->status = HV_EOK;
			return;
		}
	c->status = HV_EINVAL;
}

/* The model's system ino of a (devhandle, devino): devhandle << 8 | devino
 * (a real hypervisor's numbering is its own business; only uniqueness
 * matters to the guest). */
static uint64_t sysino_of(uint64_t devhandle, uint64_t devino)
{
	return devhandle << 8 | (devino & 0xff);
}

static struct hv_intr *intr_of(struct hv *hv, uint64_t sysino)
{
	for (unsigned i = 0; i < hv->nintrs; i++)
		if (hv->intrs[i].sysino == sysino)
			return &hv->intrs[i];
	return NULL;
}

/* INTR_DEVINO2SYSINO (0xa0): devhandle, devino → %o1 = sysino; EINVAL for
 * a source the domain does not own. */
static void hv_intr_devino2sysino(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	uint64_t sysino = sysino_of(c->arg[0], c->arg[1]);
	if (!intr_of(hv, sysino)) {
		c->status = HV_EINVAL;
		return;
	}
	c->ret[0] = sysino;
	c->status = HV_EOK;
}

/* INTR_GETTARGET (0xa5): sysino → %o1 = cpu. */
static void hv_intr_gettarget(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_intr *in = intr_of(hv, c->arg[0]);
	if (!in) {
		c->status = HV_ENOINTR;
		return;
	}
	c->ret[0] = in->target;
	c->status = HV_EOK;
}

/* INTR_SETTARGET (0xa6): sysino, cpu. ENOINTR for an unknown source,
 * ENOCPU for a cpu that is not running. */
static void hv_intr_settarget(struct hv *hv, struct hv_call *c, struct sim_trap_result *r)
{
	struct hv_intr *in = intr_of(hv, c->arg[0]);
	struct hv_cpu *t = cpu_of(hv, c->arg[1]);
	if (!in) {
		c->status = HV_ENOINTR;
		return;
	}
	if (!t || t->state != HV_CPU_RUNNING) {
		c->status = HV_ENOCPU;
		return;
	}
	if (in->target != c->arg[1])
		in->retargets++;
	in->target = c->arg[1];
	c->status = HV_EOK;
}

int hv_add_intr(struct hv *hv, uint64_t devhandle, uint64_t devino, uint64_t target)
{
	if (hv->nintrs == sizeof hv->intrs / sizeof hv->intrs[0])
		return -1;
	hv->intrs[hv->nintrs++] = (struct hv_intr){sysino_of(devhandle, devino), target, 0};
	return 0;
}

int hv_intr_target(const struct hv *hv, uint64_t devhandle, uint64_t devino, uint64_t *target,
                   unsigned *retargets)
{
	for (unsigned i = 0; i < hv->nintrs; i++)
		if (hv->intrs[i].sysino == sysino_of(devhandle, devino)) {
			*target = hv->intrs[i].target;
			*retargets = hv->intrs[i].retargets;
			return 0;
		}
	return -1;
}

/* The calls the API defines (traces/hv_calls.def, shared with the trace
 * format and --inject) and the model's handler of each. */
#define HV_FAST(fn, name, nargs, nrets, handler)   {HV_FAST_TRAP, fn, #name, nargs, nrets, handler},
#define HV_TRAP(trap, name, nargs, nrets, handler) {trap, trap, #name, nargs, nrets, handler},
/* CORE_TRAP functions are numbered by %o5 like fast traps. */
#define HV_CORE(fn, name, nargs, nrets, handler) {HV_CORE_TRAP, fn, #name, nargs, nrets, handler},
static const struct hv_row hv_table[] = {
#include "traces/hv_calls.def"
};

static const struct hv_row *row_of(unsigned trap, unsigned fn)
{
	for (size_t i = 0; i < sizeof hv_table / sizeof hv_table[0]; i++)
		if (hv_table[i].trap == trap && hv_table[i].fn == fn)
			return &hv_table[i];
	return NULL;
}

const char *hv_fn_name(unsigned trap, unsigned fn)
{
	const struct hv_row *row = row_of(trap, fn);
	return row ? row->name : NULL;
}

static void hv_release(void *ctx)
{
	hv_free(ctx);
}

static void hv_on_trap(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt,
                       uint64_t pc, struct sim_trap_result *r)
{
	hv_trap(ctx, tid, cpu, tt - SIM_TT_SOFT(0), pc, r);
}

int hv_create(struct sim *sim, unsigned max_cpus, struct hv **out)
{
	static const unsigned traps[] = {HV_FAST_TRAP, HV_MMU_MAP_ADDR_TRAP, HV_MMU_UNMAP_ADDR_TRAP,
	                                 HV_CORE_TRAP};
	struct hv *hv = calloc(1, sizeof *hv);
	if (!hv || !(hv->cpus = calloc(max_cpus, sizeof *hv->cpus)) ||
	    !(hv->ncalls = calloc((size_t)max_cpus * 512, sizeof *hv->ncalls))) {
		if (hv)
			free(hv->cpus);
		free(hv);
		return -1;
	}
	hv->sim = sim;
	hv->max_cpus = max_cpus;
	hv->boot_cpu = max_cpus;
	for (unsigned i = 0; i < max_cpus; i++)
		hv->cpus[i].state = HV_CPU_STOPPED;
	struct sim_trap_handler h = {
	    .fn = hv_on_trap, .ctx = hv, .stop_as = SIM_STOP_HCALL, .stat = SIM_TRAP_STAT_HCALLS};
	size_t nt = sizeof traps / sizeof traps[0], i = 0;
	while (i < nt &&
	       !sim_set_trap_handler(sim, SIM_TT_SOFT(traps[i]), SIM_TT_SOFT(traps[i]), &h))
		i++;
	if (i < nt || sim_attach(sim, hv_release, hv)) {
		/* No handler may outlive the model. */
		while (i--)
			sim_set_trap_handler(sim, SIM_TT_SOFT(traps[i]), SIM_TT_SOFT(traps[i]),
			                     NULL);
		hv_free(hv);
		return -1;
	}
	*out = hv;
	return 0;
}

struct hv *hv_of(struct sim *sim)
{
	const struct sim_trap_handler *h = sim_trap_handler(sim, SIM_TT_SOFT(HV_FAST_TRAP));
	return h && h->fn == hv_on_trap ? h->ctx : NULL;
}

void hv_free(struct hv *hv)
{
	if (!hv)
		return;
	free(hv->cpus);
	free(hv->ncalls);
	free(hv->log);
	free(hv);
}

void hv_set_mdesc(struct hv *hv, const uint8_t *md, size_t len)
{
	hv->mdesc = md;
	hv->mdesc_len = len;
}

void hv_set_running(struct hv *hv, unsigned cpu)
{
	if (cpu < hv->max_cpus)
		hv->cpus[cpu].state = HV_CPU_RUNNING;
}

void hv_set_boot_cpu(struct hv *hv, unsigned cpu)
{
	hv->boot_cpu = cpu;
}

int hv_cpu_obp_known(const struct hv *hv, unsigned cpu)
{
	return cpu == hv->boot_cpu && cpu < hv->max_cpus && !hv->cpus[cpu].by_cpu_start;
}

int hv_cpu_running(const struct hv *hv, unsigned cpu)
{
	return cpu < hv->max_cpus && hv->cpus[cpu].state == HV_CPU_RUNNING;
}

int hv_inject(struct hv *hv, unsigned fn, int cpu, uint64_t status, unsigned count)
{
	if (hv->ninject == HV_MAX_INJECT)
		return -1;
	hv->inject[hv->ninject++] = (struct hv_inject){fn, cpu, status, count, 0};
	return 0;
}

unsigned hv_inject_fired(const struct hv *hv, unsigned i)
{
	return i < hv->ninject ? hv->inject[i].fired : 0;
}

static int injected(struct hv *hv, struct hv_call *c)
{
	for (unsigned i = 0; i < hv->ninject; i++) {
		struct hv_inject *in = &hv->inject[i];
		/* @cpu names the calling strand, or the target of the calls
		 * that take a cpu id (CPU_START, CPU_STOP, CPU_STATE). */
		int targets = c->fn == 0x10 || c->fn == 0x11 || c->fn == 0x17;
		int cpu_ok = in->cpu < 0 || (unsigned)in->cpu == c->cpu ||
		             (targets && c->arg[0] == (uint64_t)in->cpu);
		if (in->count && in->fn == c->fn && cpu_ok) {
			in->count--;
			in->fired++;
			c->status = in->status;
			return 1;
		}
	}
	return 0;
}

static int log_push(struct hv *hv, const struct hv_call *c)
{
	if (util_grow((void **)&hv->log, &hv->caplog, hv->nlog, sizeof *hv->log, 64))
		return -1;
	hv->log[hv->nlog++] = *c;
	return 0;
}

void hv_trap(struct hv *hv, unsigned tid, unsigned cpu, unsigned trap, uint64_t pc,
             struct sim_trap_result *r)
{
	struct hv_call c = {.cpu = cpu,
	                    .tid = tid,
	                    .trap = trap,
	                    .pc = pc,
	                    .t_ns = sim_thread_time_ps(hv->sim, tid) / 1000};
	uint64_t o[6];
	sim_strand_oregs(hv->sim, tid, o);
	int by_o5 = trap == HV_FAST_TRAP || trap == HV_CORE_TRAP;
	c.fn = by_o5 ? (unsigned)o[5] : trap;
	memcpy(c.arg, o, sizeof c.arg);
	r->next = SIM_TRAP_RESUME;
	r->msg[0] = 0;
	const struct hv_row *row = (!by_o5 || o[5] <= 0xffff) ? row_of(trap, c.fn) : NULL;
	if (!row) {
		/* Unknown function: the spec's answer, and reported. */
		c.name = "unknown";
		c.status = HV_EBADTRAP;
		hv->nunknown++;
		sim_note(hv->sim, cpu, pc,
		         "unknown hypervisor function 0x%llx (trap 0x%x): EBADTRAP",
		         (unsigned long long)o[5], trap);
	} else {
		c.name = row->name;
		c.nargs = row->nargs;
		c.nrets = row->nrets;
		if (hv->latency && cpu < hv->max_cpus) {
			unsigned *k = &hv->ncalls[(size_t)cpu * 512 + (c.fn & 511)];
			c.latency_ns = hv->latency(hv->latency_ctx, cpu, c.fn, (*k)++);
		}
		if (!injected(hv, &c)) {
			if (!row->handler) {
				r->next = SIM_TRAP_STOP;
				snprintf(r->msg, sizeof r->msg,
				         "hypercall %s (0x%x) is not modelled", row->name, c.fn);
			} else {
				row->handler(hv, &c, r);
			}
		}
	}
	if (r->next != SIM_TRAP_STOP) {
		uint64_t out[4] = {c.status, c.ret[0], c.ret[1], c.ret[2]};
		sim_strand_set_oregs(hv->sim, tid, out, 1 + (c.nrets > 3 ? 3 : c.nrets));
	}
	/* The caller waits for the hypervisor. */
	sim_thread_charge_ps(hv->sim, tid, c.latency_ns * 1000);
	if (log_push(hv, &c) && r->next != SIM_TRAP_STOP) {
		r->next = SIM_TRAP_STOP;
		snprintf(r->msg, sizeof r->msg, "out of memory logging hypercalls");
	}
}

size_t hv_log_count(const struct hv *hv)
{
	return hv->nlog;
}

const struct hv_call *hv_log_get(const struct hv *hv, size_t i)
{
	return i < hv->nlog ? &hv->log[i] : NULL;
}

size_t hv_unknown_count(const struct hv *hv)
{
	return hv->nunknown;
}

/* ---- boot snapshots (issue 14) ------------------------------------------ */

void hv_save(const struct hv *hv, struct ser_w *w)
{
	ser_tag(w, "hv  ");
	ser_put_u64(w, hv->max_cpus);
	ser_put_array(w, hv->groups, hv->ngroups, sizeof hv->groups[0]);
	ser_put(w, hv->cpus, hv->max_cpus * sizeof *hv->cpus);
	/* The log's names point into this process's table: saved as "known". */
	ser_put_u64(w, hv->nlog);
	for (size_t i = 0; i < hv->nlog; i++) {
		struct hv_call c = hv->log[i];
		const struct hv_row *row = row_of(c.trap, c.fn);
		uint64_t known = row && c.name == row->name;
		c.name = NULL;
		ser_put(w, &c, sizeof c);
		ser_put_u64(w, known);
	}
	ser_put_u64(w, hv->nunknown);
	ser_put_array(w, hv->inject, hv->ninject, sizeof hv->inject[0]);
	ser_put_array(w, hv->intrs, hv->nintrs, sizeof hv->intrs[0]);
	ser_put_u64(w, hv->boot_cpu);
}

int hv_load(struct hv *hv, struct ser_r *r)
{
	ser_expect(r, "hv  ");
	if (ser_get_u64(r) != hv->max_cpus)
		ser_r_fail(r, "hv: another max_cpus");
	hv->ngroups = (unsigned)ser_get_count(r, 32, "hv groups");
	ser_get(r, hv->groups, hv->ngroups * sizeof hv->groups[0]);
	ser_get(r, hv->cpus, hv->max_cpus * sizeof *hv->cpus);
	size_t n = ser_get_count(r, (r->len - r->off) / sizeof(struct hv_call), "hv log");
	struct hv_call *log = n ? calloc(n, sizeof *log) : NULL;
	if (n && !log)
		ser_r_fail(r, "hv log: out of memory");
	for (size_t i = 0; log && i < n && !ser_r_failed(r); i++) {
		ser_get(r, &log[i], sizeof log[i]);
		const struct hv_row *row = row_of(log[i].trap, log[i].fn);
		log[i].name = ser_get_u64(r) && row ? row->name : "unknown";
	}
	hv->nunknown = ser_get_u64(r);
	hv->ninject = (unsigned)ser_get_count(r, HV_MAX_INJECT, "hv injections");
	ser_get(r, hv->inject, hv->ninject * sizeof hv->inject[0]);
	hv->nintrs = (unsigned)ser_get_count(r, 64, "hv interrupt sources");
	ser_get(r, hv->intrs, hv->nintrs * sizeof hv->intrs[0]);
	hv->boot_cpu = (unsigned)ser_get_u64(r);
	if (ser_r_failed(r)) {
		free(log);
		return -1;
	}
	free(hv->log);
	hv->log = log;
	hv->nlog = hv->caplog = n;
	return 0;
}
