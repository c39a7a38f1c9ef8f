/*
 * bench/run.c — see run.h. The run owns the trace, the machine and the
 * kernel model; the DS peer (the control domain's side of the channel) is
 * modelled here: it answers the guest's INIT_REQ and REG_REQs, and sends
 * the trace's requests at their times with the handles the guest chose.
 */
#define _GNU_SOURCE
#include "bench/run.h"

#include "bench/play.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "ds/ds.h"
#include "guest/offsets.h"
#include "kernel-model/km.h"
#include "hv/hv.h"
#include "sim/image.h"
#include "sim/profile.h"
#include "sim/selftest.h"
#include "sim/sim.h"
#include "sim/tunables.h"
#include "traces/md.h"
#include "traces/md_topo.h"
#include "traces/trace.h"
#include "util/atomic.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/stats.h"

#define MAX_IRQS 16 /* --irq sources per run */

/* A device interrupt of the domain (--irq) and where the hypervisor
 * delivers it. */
/* --irq affinity masks (run.h) copy into run_irq's. */
_Static_assert(BENCH_IRQ_CPU_WORDS == LX_NR_CPUS / 64, "one cpu mask size");

struct run_irq {
	unsigned devhandle, devino;
	unsigned irq;                  /* sun4v_build_irq's number */
	int all;                       /* affinity: every cpu */
	uint64_t aff[LX_NR_CPUS / 64]; /* else these cpus */
	uint64_t target_boot;          /* INTR_SETTARGET state after boot */
	unsigned retargets_boot;
	int from_trace;   /* else --irq */
	int has_recorded; /* the trace's INTR_GETTARGET at capture */
	uint32_t recorded;
};

struct cpu_result {
	uint32_t cpu, result, stat;
	int64_t online_ns; /* -1: never came online */
};

struct op_result {
	enum trace_op_kind kind;
	uint64_t req_num;
	uint64_t t_request_ns; /* the request reaches the guest */
	int64_t t_reply_ns;    /* the guest's reply is written; -1: none */
	uint32_t reply_type;   /* dr-cpu 'o'/'e', md-update result */
	struct cpu_result *cpus;
	size_t ncpus;
	int reply_matches; /* equals the trace's expected reply */
	char mismatch[200];
};

/* The phases of a request on the master's timeline, from the profile: the
 * functions that carry each step (gcc inlines set_core_ids, set_proc_ids
 * and set_sock_ids into mdesc_fill_in_cpu_data; what they call is named). */
struct phase_def {
	const char *name;
	const char *fn[2];     /* function name prefixes, summed */
	const char *parent[2]; /* ... when called from this function (NULL: anywhere) */
};

static const struct phase_def phase_defs[] = {
    {"ds_receive", {"ds_event", NULL}, {NULL, NULL}},
    {"md_update", {"mdesc_update", NULL}, {NULL, NULL}},
    {"present_mask", {"mdesc_populate_present_mask", NULL}, {"dr_cpu_data", NULL}},
    {"topology_maps", {"mdesc_fill_in_cpu_data", NULL}, {"dr_cpu_data", NULL}},
    {"set_core_ids", {"find_back_node_value", NULL}, {"mdesc_fill_in_cpu_data", NULL}},
    {"set_proc_ids", {"__set_proc_ids", NULL}, {NULL, NULL}},
    {"set_sock_ids", {"set_max_cache_ids_by_cache", "set_sock_ids_by_socket"}, {NULL, NULL}},
    {"smp_fill_in_sib_core_maps", {"smp_fill_in_sib_core_maps", NULL}, {NULL, NULL}},
    {"cpu_bringup", {"add_cpu", NULL}, {"dr_cpu_data", NULL}},
    {"ds_response", {"ldc_write", NULL}, {"dr_cpu_data", NULL}},
    {"fixup_irqs", {"fixup_irqs", NULL}, {NULL, NULL}},
    /* removal: the victim's real __cpu_disable (sibling maps, fixup_irqs,
     * mdelay(1)) and cpu_play_dead, the master's real __cpu_die (msleep
     * polls, CPU_STOP), the scheduler-topology rebuild (modelled) */
    {"cpu_disable", {"__cpu_disable", NULL}, {NULL, NULL}},
    {"cpu_play_dead", {"cpu_play_dead", NULL}, {NULL, NULL}},
    {"cpu_die", {"__cpu_die", NULL}, {NULL, NULL}},
    {"cpu_map_rebuild", {"cpu_map_rebuild", NULL}, {NULL, NULL}},
    {"dr_cpu_data", {"dr_cpu_data", NULL}, {NULL, NULL}},
};
#define NPHASES (sizeof phase_defs / sizeof phase_defs[0])

struct phase_snap {
	uint64_t insns[NPHASES], ps[NPHASES];
};

struct bench_run {
	struct bench_run_cfg cfg;
	struct trace_machine m;                 /* the trace's, with the overrides applied */
	struct phase_snap *snaps;               /* per op at its delivery, then the end */
	uint64_t boot_topo_insns, boot_topo_ps; /* boot's mdesc_fill_in_cpu_data */
	double *host_op; /* host seconds from the start at each op's delivery, then the end */
	double t0;
	char image[4096];
	char trace_path[4096]; /* cfg.trace, owned: the caller's string may go */
	json_t *guest;         /* the image's identity from its manifest, or NULL */
	json_t *hwcaps;        /* the boot MD's cpu hwcap-list, as strings */
	unsigned patch_sets;   /* enum sim_patch_set applied for the hwcaps */
	unsigned patched;      /* instructions they replaced */
	struct trace *trace;
	struct sim *sim;
	struct km *km;
	unsigned irq_tid;
	uint64_t irq_stack;
	struct ds_peer *peer; /* the control domain's end of the DS channel */
	struct {              /* bench_run_request: the guest's first DATA on handle */
		int on;
		uint64_t handle;
		uint8_t *bytes;
		size_t len;
	} capture;
	struct bench_play *play; /* the scenario player: event queue and DS peer */
	struct op_result *ops;
	size_t nops;
	int failed; /* a verdict or an unanswered request */
	char verdict[512];
	size_t topo_diffs;      /* strands whose ids or maps differ */
	char topo_report[1024]; /* the first differences, or why no check was made */
	int topo_refused;       /* the host could not compute the topology of that MD */
	size_t topo_stale;      /* bits of cpus no longer present that Linux leaves */
	char topo_stale_report[256];
	/* The MD the guest was handed last (hv_set_mdesc before the guest's
	 * MACH_DESC): the one its maps must match. Generation 0: published by
	 * bench_run_publish_md. */
	const uint8_t *handed_md;
	size_t handed_len;
	uint32_t handed_gen;
	double host_seconds;
	uint64_t guest_insns;
	uint64_t t_base_ns; /* simulated time at which the scenario starts */
	uint8_t *extra_md;  /* an MD published after the trace (bench_run_publish_md) */
	size_t extra_md_len;
	struct run_irq irqs[MAX_IRQS];
	size_t nirqs;
	struct run_fault { /* injected faults, in hv_inject order */
		unsigned fn, count;
		int cpu;
		uint64_t status;
		int from_trace;
	} faults[HV_MAX_INJECT];
	size_t nfaults;
};

static void failf(struct bench_run *r, const char *fmt, ...)
{
	va_list ap;
	if (r->failed)
		return;
	r->failed = 1;
	va_start(ap, fmt);
	vsnprintf(r->verdict, sizeof r->verdict, fmt, ap);
	va_end(ap);
}

void bench_run_cfg_default(struct bench_run_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->insn_budget = 20000000000ull;
	c->ram_size = 1ull << 30;
}

/* ---- the DS peer's owner ------------------------------------------------------ */

static struct op_result *op_by_req(struct bench_run *r, uint64_t req_num)
{
	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].req_num == req_num && r->ops[i].t_reply_ns < 0)
			return &r->ops[i];
	return NULL;
}

/* The guest's DATA: a reply completes its operation (a dr-cpu reply gives
 * the records that fit); bench_run_request captures its reply. */
static void guest_data(void *ctx, const struct ds_peer_data *d)
{
	struct bench_run *r = ctx;
	if (r->capture.on && !r->capture.bytes && d->handle == r->capture.handle) {
		r->capture.bytes = malloc(d->len);
		if (r->capture.bytes) {
			memcpy(r->capture.bytes, d->bytes, d->len);
			r->capture.len = d->len;
		}
	}
	struct op_result *o = d->has_reply ? op_by_req(r, d->req_num) : NULL;
	if (!o)
		return;
	o->t_reply_ns = (int64_t)d->t_ns;
	o->reply_type = d->type;
	if (strcmp(d->service, "dr-cpu"))
		return;
	o->cpus = calloc(d->dr.nfit ? d->dr.nfit : 1, sizeof *o->cpus);
	if (!o->cpus)
		return;
	o->ncpus = d->dr.nfit;
	for (uint32_t i = 0; i < d->dr.nfit; i++) {
		struct ds_dr_record e = ds_dr_cpu_record(&d->dr, i);
		o->cpus[i] = (struct cpu_result){e.cpu, e.result, e.stat, -1};
	}
}

/* ---- raising the channel event in interrupt context --------------------- */

static int raise_event(struct bench_run *r, uint64_t t_ns, int event)
{
	char why[512];
	if (bench_play_raise_event(r->sim, r->km, r->irq_tid, r->irq_stack, t_ns, event, why,
	                           sizeof why)) {
		failf(r, "%s", why);
		return -1;
	}
	return 0;
}

static double now_s(void);
static size_t topology_check(struct bench_run *r, const uint8_t *md_bytes, size_t len, char *report,
                             size_t n);
static int apply_injections(struct bench_run *r, char *err, size_t n);
static int64_t event_time(struct bench_run *r, enum km_event_kind kind, unsigned cpu,
                          uint64_t after);

static void snapshot(struct bench_run *r, struct phase_snap *sn)
{
	struct sim_prof *p = sim_profile(r->sim);
	memset(sn, 0, sizeof *sn);
	for (size_t i = 0; p && i < NPHASES; i++)
		for (int k = 0; k < 2 && phase_defs[i].fn[k]; k++) {
			uint64_t in, ps;
			sim_prof_query(p, phase_defs[i].fn[k], phase_defs[i].parent[k], &in, &ps);
			sn->insns[i] += in;
			sn->ps[i] += ps;
		}
}

/* An operation falls due: the trace's request, with the handle the guest
 * registered its service under. */
static int op_due(void *ctx, size_t k, uint64_t t_ns)
{
	struct bench_run *r = ctx;
	const struct trace_op *op = trace_op_at(r->trace, k);
	const struct trace_ds_msg *req = trace_op_request(r->trace, k);
	struct op_result *o = &r->ops[k];
	o->t_request_ns = t_ns + r->m.costs.ldc_msg_ns;
	snapshot(r, &r->snaps[k]);
	r->host_op[k] = now_s() - r->t0;
	if (op->kind == TRACE_OP_MD_UPDATE) {
		/* The hypervisor publishes the new generation, then md-update. */
		const struct trace_md_gen *g = trace_md_gen(r->trace, op->generation);
		if (!g || !g->bytes) {
			failf(r, "md-update to generation %u: not in the trace", op->generation);
			return -1;
		}
		hv_set_mdesc(hv_of(r->sim), g->bytes, g->size);
		r->handed_md = g->bytes;
		r->handed_len = g->size;
		r->handed_gen = g->generation;
	}
	if (!req) {
		failf(r, "operation %zu has no DS request in the trace", k);
		return -1;
	}
	struct trace_ds_msg m = *req;
	if (ds_peer_handle(bench_play_peer(r->play), m.service, &m.handle)) {
		failf(r, "operation %zu: the guest never registered the '%s' service", k,
		      m.service);
		return -1;
	}
	m.raw = NULL;
	m.raw_len = 0;
	uint8_t *bytes;
	size_t len;
	if (trace_ds_wire(&m, &bytes, &len)) {
		failf(r, "operation %zu: cannot encode its DS request", k);
		return -1;
	}
	int rc = bench_play_send(r->play, o->t_request_ns, bytes, len);
	free(bytes);
	return rc;
}

static uint64_t op_time(void *ctx, size_t k)
{
	struct bench_run *r = ctx;
	return trace_op_at(r->trace, k)->t_ns;
}

static int64_t op_replied(void *ctx, size_t k)
{
	struct bench_run *r = ctx;
	return r->ops[k].t_reply_ns;
}

static void play_fail(void *ctx, const char *msg)
{
	failf(ctx, "%s", msg);
}

/* ---- the domain's state and OBP findings ---------------------------------- */

/* "OBP call prom_printf from register_one_mondo+0x.. on cpu 60, ..." */
static void obp_finding_text(const struct km_obp_call *o, char *buf, size_t n)
{
	snprintf(buf, n,
	         "OBP call %s from %s on cpu %u, a strand the hypervisor started: OBP has no "
	         "state for it",
	         o->fn, o->caller, o->cpu);
}

/* Why the domain stopped, as one line: the hypervisor's or OBP's account,
 * prom_halt's caller and the console's last line when the guest halted. */
static void domain_reason(struct bench_run *r, char *buf, size_t n)
{
	const struct sim_power_off *p = sim_power_state(r->sim);
	const struct km_halt *h = km_halt_state(r->km);
	if (!p) {
		snprintf(buf, n, "running");
		return;
	}
	if (h && h->cpu == p->cpu)
		snprintf(buf, n, "prom_halt from %s%s%s%s -> %s at %s", h->caller,
		         h->console[0] ? " after \"" : "", h->console, h->console[0] ? "\"" : "",
		         p->msg, p->where);
	else
		snprintf(buf, n, "%s at %s", p->msg, p->where);
}

/* A powered-off domain, or an OBP call on a hypervisor-started strand, is
 * a finding: the run's verdict (the power-off first). */
static void domain_verdict(struct bench_run *r)
{
	const struct sim_power_off *p = sim_power_state(r->sim);
	if (p) {
		char why[1024];
		domain_reason(r, why, sizeof why);
		failf(r, "the domain powered off at %.6f ms on cpu %u: %s",
		      (double)(p->time_ps / 1000 - r->t_base_ns) / 1e6, p->cpu, why);
	}
	if (km_obp_call_count(r->km)) {
		char f[300];
		obp_finding_text(km_obp_call_get(r->km, 0), f, sizeof f);
		failf(r, "%s", f);
	}
}

static json_t *domain_json(struct bench_run *r)
{
	const struct sim_power_off *p = sim_power_state(r->sim);
	const struct km_halt *h = km_halt_state(r->km);
	char why[1024];
	if (!p)
		return json_pack("{ss}", "state", "running");
	domain_reason(r, why, sizeof why);
	json_t *d = json_pack("{sssIsIsiss}", "state", "powered-off", "stopped_ns",
	                      (json_int_t)(p->time_ps / 1000), "scenario_ns",
	                      (json_int_t)(p->time_ps / 1000 - r->t_base_ns), "cpu", (int)p->cpu,
	                      "reason", why);
	json_object_set_new(d, "where", json_string(p->where));
	if (h && h->cpu == p->cpu) {
		json_object_set_new(d, "halt_caller", json_string(h->caller));
		json_object_set_new(d, "console", json_string(h->console));
	}
	return d;
}

static json_t *findings_json(struct bench_run *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < km_obp_call_count(r->km); i++) {
		const struct km_obp_call *o = km_obp_call_get(r->km, i);
		char text[300];
		obp_finding_text(o, text, sizeof text);
		json_array_append_new(a,
		                      json_pack("{sssssssisIss}", "kind", "obp-call", "fn", o->fn,
		                                "caller", o->caller, "cpu", (int)o->cpu, "time_ns",
		                                (json_int_t)o->time_ns, "text", text));
	}
	return a;
}

/* ---- set-up --------------------------------------------------------------- */

static uint64_t hcall_latency(void *ctx, unsigned cpu, unsigned fn, unsigned k)
{
	return trace_hcall_latency(ctx, cpu, fn, k);
}

/* The trace's costs (the COST rows of kernel-model/costs.def) over the
 * kernel model's defaults (its MODEL_COST rows). */
static void to_km_costs(const struct trace_costs *t, struct km_costs *c)
{
	km_costs_default(c);
#define COST(name, unit, model_default, trace_default, min, what) c->name = t->name;
#define MODEL_COST(name, unit, model_default, what)
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
}

/* The spec of --irq source q for messages ("DEVHANDLE:DEVINO" when the
 * caller gave none). */
static const char *irq_spec(const struct bench_irq *q, char *buf, size_t n)
{
	if (q->spec)
		return q->spec;
	snprintf(buf, n, "%u:%u", q->devhandle, q->devino);
	return buf;
}

/* The --irq sources (run.h struct bench_irq), then the trace's. */
static int take_irqs(struct bench_run *r, char *err, size_t n)
{
	size_t ntrace = trace_irq_count(r->trace);
	char sb[32];
	if (r->cfg.nirq + ntrace > MAX_IRQS) {
		snprintf(err, n, "--irq and the trace's interrupts: at most %d sources", MAX_IRQS);
		return -1;
	}
	for (size_t i = 0; i < r->cfg.nirq; i++) {
		const struct bench_irq *c = &r->cfg.irq[i];
		struct run_irq *q = &r->irqs[i];
		if (c->devhandle > HV_MAX_DEVHANDLE || c->devino > HV_MAX_DEVINO) {
			snprintf(err, n, "--irq '%s': devhandle 0-7, devino 0-255",
			         irq_spec(c, sb, sizeof sb));
			return -1;
		}
		*q =
		    (struct run_irq){.devhandle = c->devhandle, .devino = c->devino, .all = c->all};
		memcpy(q->aff, c->aff, sizeof q->aff);
		for (size_t k = 0; k < i; k++)
			if (r->irqs[k].devhandle == q->devhandle &&
			    r->irqs[k].devino == q->devino) {
				snprintf(err, n, "--irq '%s': source given twice",
				         irq_spec(c, sb, sizeof sb));
				return -1;
			}
	}
	for (size_t i = 0; i < ntrace; i++) {
		const struct trace_irq *ti = trace_irq_at(r->trace, i);
		struct run_irq *q = &r->irqs[r->cfg.nirq + i];
		*q = (struct run_irq){.devhandle = ti->devhandle,
		                      .devino = ti->devino,
		                      .all = !ti->naffinity,
		                      .from_trace = 1,
		                      .has_recorded = ti->has_target,
		                      .recorded = ti->target};
		for (uint32_t k = 0; k < ti->naffinity; k++)
			if (ti->affinity[k] < LX_NR_CPUS)
				q->aff[ti->affinity[k] / 64] |= 1ull << (ti->affinity[k] % 64);
		for (size_t k = 0; k < r->cfg.nirq; k++)
			if (r->irqs[k].devhandle == q->devhandle &&
			    r->irqs[k].devino == q->devino) {
				snprintf(err, n, "--irq '%s': source given twice (also in %s)",
				         irq_spec(&r->cfg.irq[k], sb, sizeof sb), r->cfg.trace);
				return -1;
			}
	}
	r->nirqs = r->cfg.nirq + ntrace;
	return 0;
}

/* The domain's device interrupts, as the boot-time drivers leave them:
 * built by the real sun4v_build_irq (INTR_DEVINO2SYSINO, the ivector
 * bucket, chip sun4v_irq), affinity set, requested; then the real
 * fixup_irqs targets each through sun4v_set_affinity (INTR_SETTARGET). */
static int setup_irqs(struct bench_run *r, unsigned cpu, uint64_t stack, char *err, size_t n)
{
	struct hv *hv = hv_of(r->sim);
	struct sim_verdict v;
	uint64_t build, fixup, ret;
	if (!r->nirqs)
		return 0;
	if (sim_sym(r->sim, "sun4v_build_irq", &build) || sim_sym(r->sim, "fixup_irqs", &fixup) ||
	    km_irq_ivector_init(r->km, HV_NSYSINO)) {
		snprintf(
		    err, n,
		    "guest image lacks sun4v_build_irq/fixup_irqs/ivector_table, or no memory");
		return -1;
	}
	for (size_t i = 0; i < r->nirqs; i++) {
		struct run_irq *q = &r->irqs[i];
		uint64_t args[2] = {q->devhandle, q->devino};
		if (hv_add_intr(hv, q->devhandle, q->devino, cpu)) {
			snprintf(err, n, "hypervisor: too many interrupt sources");
			return -1;
		}
		if (sim_sched_call(r->sim, cpu, build, args, 2, stack, &ret, &v) !=
		        SIM_STOP_RETURNED ||
		    !(uint32_t)ret) {
			snprintf(err, n, "sun4v_build_irq(%#x, %#x): %s (irq %u)", q->devhandle,
			         q->devino, v.msg, (unsigned)ret);
			return -1;
		}
		q->irq = (uint32_t)ret;
		uint64_t aff = km_irq_affinity(r->km, q->irq);
		if (!aff || km_irq_request(r->km, q->irq)) {
			snprintf(err, n, "irq %u: no descriptor", q->irq);
			return -1;
		}
		for (unsigned c = 0; c < LX_NR_CPUS && !q->all; c++)
			if (q->aff[c / 64] >> (c % 64) & 1)
				km_cpumask_set(r->km, aff, c);
			else
				km_cpumask_clear(r->km, aff, c);
	}
	if (sim_sched_call(r->sim, cpu, fixup, NULL, 0, stack, &ret, &v) != SIM_STOP_RETURNED) {
		snprintf(err, n, "fixup_irqs: %s at %s", v.msg, v.where);
		return -1;
	}
	for (size_t i = 0; i < r->nirqs; i++)
		hv_intr_target(hv, r->irqs[i].devhandle, r->irqs[i].devino, &r->irqs[i].target_boot,
		               &r->irqs[i].retargets_boot);
	return 0;
}

/* init_sparc64_elf_hwcap(), as far as it changes code: the hwcaps are the
 * first cpu node's hwcap-list in the boot MD (mdesc_cpu_hwcap_list);
 * `popc` makes popc_patch() replace ffs/__ffs and the hweight routines,
 * `pause` makes pause_patch() put PAUSE into cpu_relax() and the atomics'
 * backoff. The kernel's fallback for MDs without the list goes by
 * sun4v_chip_type, from the PROM's cpu `compatible`, which the boot model
 * does not replay: no list, no patches (the result's empty "hwcaps" says
 * so). Before any strand runs. */
static int boot_hwcaps(struct bench_run *r, const struct trace_md_gen *g1, char *err, size_t n)
{
	struct md *md;
	struct md_err me;
	if (md_read(g1->bytes, g1->size, &md, &me)) {
		snprintf(err, n, "%s: MD generation %u: %s", r->cfg.trace, g1->generation, me.msg);
		return -1;
	}
	md_node_t cpu = md_node_first(md, "cpu");
	unsigned sets = 0;
	size_t l;
	const char *p;
	r->hwcaps = json_array();
	for (size_t i = 0; (p = md_strlist_at(md, cpu, "hwcap-list", i, &l)); i++)
		if (l)
			json_array_append_new(r->hwcaps, json_stringn(p, l));
	if (md_prop_has_str(md, cpu, "hwcap-list", "popc"))
		sets |= SIM_PATCH_POPC;
	if (md_prop_has_str(md, cpu, "hwcap-list", "pause"))
		sets |= SIM_PATCH_PAUSE;
	md_free(md);
	r->patch_sets = sets;
	return sim_apply_patches(r->sim, sets, &r->patched, err, n) ? -1 : 0;
}

static int boot(struct bench_run *r, char *err, size_t n)
{
	const struct trace_machine *m = &r->m;
	const struct trace_md_gen *g1 = trace_md_at(r->trace, 0);
	struct board_config bc;
	struct board b;
	struct km_costs costs;
	struct sim_verdict v;
	board_config_default(&bc);
	bc.image = r->image;
	bc.ram_size = r->cfg.ram_size;
	bc.insn_budget = r->cfg.insn_budget;
	bc.engines = r->cfg.engines;
	bc.profile = !r->cfg.no_profile;
	if (!g1 || !g1->bytes) {
		snprintf(err, n, "%s: no MD generation to boot from", r->cfg.trace);
		return -1;
	}
	if (board_create(&bc, &b, err, n))
		return -1;
	r->sim = b.sim;
	r->km = b.km;
	if (boot_hwcaps(r, g1, err, n))
		return -1;
	to_km_costs(&m->costs, &costs);
	km_set_costs(r->km, &costs);
	km_set_stick_hz(r->km, m->stick_hz);
	hv_set_latency(b.hv, hcall_latency, r->trace);
	for (unsigned cpu = 0; cpu < LX_NR_CPUS; cpu++)
		sim_cpu_set_speed(r->sim, cpu, m->clock_hz, m->cpi);
	hv_set_mdesc(b.hv, g1->bytes, g1->size);
	r->handed_md = g1->bytes;
	r->handed_len = g1->size;
	r->handed_gen = g1->generation;
	if (board_boot_state(&b, err, n))
		return -1;
	unsigned boot_cpu = trace_ds_strand(r->trace);
	struct km_thread t;
	if (board_boot_strand(&b, boot_cpu, &t, err, n))
		return -1;
	if (km_boot_mdesc(r->km, boot_cpu, t.stack_top, &v, err, n))
		return -1;
	/* The domain is up with the trace's present strands online, as
	 * smp_init() leaves them (boot state: their bring-up is not part of
	 * what is measured; their strands idle and hold no engine). */
	size_t npresent;
	const uint32_t *present = trace_present(r->trace, &npresent);
	static const char *const up_masks[] = {"__cpu_online_mask", "__cpu_active_mask"};
	for (size_t k = 0; k < 2; k++) {
		uint64_t mask;
		if (sim_sym(r->sim, up_masks[k], &mask))
			continue; /* not linked: nothing under study reads it */
		for (size_t i = 0; i < npresent; i++)
			km_cpumask_set(r->km, mask, present[i]);
	}
	/* ... and running, for the hypervisor (CPU_STOP can stop them). */
	for (size_t i = 0; i < npresent; i++)
		hv_set_running(b.hv, present[i]);
	if (sim_profile(r->sim))
		sim_prof_query(sim_profile(r->sim), "mdesc_fill_in_cpu_data", NULL,
		               &r->boot_topo_insns, &r->boot_topo_ps);
	if (board_mondo_queues(&b, m->max_cpus, err, n))
		return -1;
	/* ds_init (fs_initcall): kthread kldomd, vio driver registration. */
	uint64_t fn, ret;
	if (sim_sym(r->sim, "ds_init", &fn) ||
	    sim_sched_call(r->sim, boot_cpu, fn, NULL, 0, t.stack_top, &ret, &v) !=
	        SIM_STOP_RETURNED) {
		snprintf(err, n, "ds_init: %s at %s", v.msg, v.where);
		return -1;
	}
	/* The vio bus probes the DS device: ds_probe(vdev, id). */
	uint64_t vdev = 0;
	if (sim_sym(r->sim, "ds_probe", &fn) || !(vdev = km_alloc_zeroed(r->km, LX_VIO_DEV_SIZE))) {
		snprintf(err, n, "guest image lacks ds_probe, or no memory");
		return -1;
	}
	km_store64(r->km, vdev + LX_VIO_DEV_MP, ~0ull); /* no MD node: ds id 0 */
	uint64_t args[2] = {vdev, 0};
	if (sim_sched_call(r->sim, boot_cpu, fn, args, 2, t.stack_top, &ret, &v) !=
	        SIM_STOP_RETURNED ||
	    ret) {
		snprintf(err, n, "ds_probe: %s (returned %lld)", v.msg, (long long)(int64_t)ret);
		return -1;
	}
	if (setup_irqs(r, boot_cpu, t.stack_top, err, n))
		return -1;
	/* Interrupt context on the boot cpu, for the LDC events. */
	struct km_thread it;
	if (sim_thread_create(r->sim, boot_cpu, 0x400000, 0, sim_thread_time_ps(r->sim, boot_cpu),
	                      &r->irq_tid) ||
	    km_thread_setup(r->km, r->irq_tid, boot_cpu, "irq/ldc", &it)) {
		snprintf(err, n, "cannot create the interrupt context");
		return -1;
	}
	r->irq_stack = it.stack_top;
	/* The link comes up: ds_up sends INIT_REQ; the handshake follows. */
	if (raise_event(r, sim_thread_time_ps(r->sim, boot_cpu) / 1000, LX_LDC_EVENT_UP)) {
		snprintf(err, n, "%s", r->verdict);
		return -1;
	}
	return 0;
}

/* A trace's latest time leaves the run most of the simulator's clock range. */
_Static_assert(TRACE_T_NS_MAX * 1000 <= SIM_TIME_MAX_PS / 10,
               "TRACE_T_NS_MAX fits well below SIM_TIME_MAX_PS");

/* The cost overrides (run.h): the trace's timing parameters, under the
 * same rules (traces/trace.h trace_params) as the trace reader applies. */
static int apply_overrides(struct bench_run *r, char *err, size_t n)
{
	for (size_t i = 0; i < r->cfg.nset; i++) {
		const struct trace_param_value *v = &r->cfg.set[i];
		char why[200];
		if (trace_param_check(v->param, v->u, v->real, why, sizeof why)) {
			snprintf(err, n, "--set %s: %s", v->param->name, why);
			return -1;
		}
		trace_param_store(&r->m, v);
	}
	return 0;
}

static int add_fault(struct bench_run *r, struct run_fault f, char *err, size_t n)
{
	if (hv_inject(hv_of(r->sim), f.fn, f.cpu, f.status, f.count)) {
		snprintf(err, n, "--inject and the trace's faults: at most %d", HV_MAX_INJECT);
		return -1;
	}
	r->faults[r->nfaults++] = f;
	return 0;
}

/* The injected faults' cpus are the domain's (below its max_cpus; the
 * rest of trace_fault_parse's rule holds by construction), before
 * anything runs (apply_injections injects them once the scenario starts). */
static int check_injections(struct bench_run *r, char *err, size_t n)
{
	for (size_t i = 0; i < r->cfg.ninject; i++) {
		const struct trace_fault *f = &r->cfg.inject[i].f;
		if (f->cpu >= 0 && (uint32_t)f->cpu >= r->m.max_cpus) {
			const char *name = hv_fn_name(0x80, f->fn);
			snprintf(
			    err, n,
			    "--inject %s: cpu '%d' is not a decimal number in range 0..%u (the "
			    "MD's max-cpus - 1)",
			    name ? name : "?", (int)f->cpu, r->m.max_cpus - 1);
			return -1;
		}
	}
	return 0;
}

/* The injected faults, then the trace's. */
static int apply_injections(struct bench_run *r, char *err, size_t n)
{
	for (size_t i = 0; i < r->cfg.ninject; i++) {
		const struct trace_fault *f = &r->cfg.inject[i].f;
		if (add_fault(r, (struct run_fault){f->fn, f->count, f->cpu, f->status, 0}, err, n))
			return -1;
	}
	for (size_t i = 0; i < trace_fault_count(r->trace); i++) {
		const struct trace_fault *f = trace_fault_at(r->trace, i);
		if (add_fault(r, (struct run_fault){f->fn, f->count, f->cpu, f->status, 1}, err, n))
			return -1;
	}
	return 0;
}

static json_t *faults_json(struct bench_run *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct run_fault *f = &r->faults[i];
		const char *name = hv_fn_name(0x80, f->fn);
		json_t *o = json_pack("{sssIsIsIss}", "fn", name ? name : "?", "status",
		                      (json_int_t)f->status, "count", (json_int_t)f->count, "fired",
		                      (json_int_t)hv_inject_fired(hv_of(r->sim), (unsigned)i),
		                      "from", f->from_trace ? "trace" : "--inject");
		json_object_set_new(o, "cpu", f->cpu < 0 ? json_null() : json_integer(f->cpu));
		json_array_append_new(a, o);
	}
	return a;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The guest image's identity (manifest.json beside it, written by make
 * guest): kernel version, source and image hashes, per-object text hashes.
 * An image that does not match its manifest is refused (a stale build);
 * no manifest: no identity (hand-linked test images). */
static int guest_identity(struct bench_run *r, char *err, size_t n)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof dir, "%s", r->image);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	snprintf(path, sizeof path, "%s/manifest.json", slash ? dir : ".");
	json_t *m = json_load_file(path, 0, NULL);
	if (!m)
		return 0;
	uint8_t *buf = NULL, h[32];
	size_t len = 0;
	char hex[65] = "";
	if (util_read_file(r->image, &buf, &len) || !len) {
		free(buf);
		json_decref(m);
		snprintf(err, n, "%s: cannot read the guest image", r->image);
		return -1;
	}
	trace_sha256(buf, len, h);
	trace_sha256_to_hex(h, hex);
	free(buf);
	const char *want = json_string_value(json_object_get(m, "image_sha256"));
	if (!want || strcmp(want, hex)) {
		snprintf(err, n,
		         "%s: the image does not match %s (image_sha256 %s, the file hashes to "
		         "%s): rebuild it with make guest",
		         r->image, path, want ? want : "missing", hex);
		json_decref(m);
		return -1;
	}
	json_t *objs = json_object(), *o;
	const char *key;
	json_object_foreach(json_object_get(m, "objects"), key, o)
	    json_object_set(objs, key, json_object_get(o, "text_sha256"));
	const char *name = strrchr(dir, '/');
	r->guest = json_pack("{sssOsOsOsOso}", "name", slash ? (name ? name + 1 : dir) : ".",
	                     "kernel_version", json_object_get(m, "kernel_version"), "source",
	                     json_object_get(m, "source"), "source_sha256",
	                     json_object_get(m, "source_sha256"), "image_sha256",
	                     json_object_get(m, "image_sha256"), "objects", objs);
	json_decref(m);
	if (!r->guest) {
		snprintf(err, n, "%s: manifest lacks kernel_version/source/source_sha256", path);
		return -1;
	}
	return 0;
}

/* r->image from cfg.image: a path, a guest name (make guest GUEST=NAME),
 * or the default image beside the binary. */
static int resolve_guest(struct bench_run *r, char *err, size_t n)
{
	const char *image = r->cfg.image;
	if (image && !strchr(image, '/') && !strstr(image, ".elf")) {
		char rel[256]; /* a guest name: make guest GUEST=NAME */
		snprintf(rel, sizeof rel, "guests/%s/guest.elf", image);
		sim_default_path(rel, r->image, sizeof r->image);
		if (access(r->image, R_OK)) {
			snprintf(err, n,
			         "guest '%s': no %s (build it: make guest GUEST=%s "
			         "[KERNEL_SRC=TARBALL_OR_TREE])",
			         image, r->image, image);
			return -1;
		}
	} else if (image) {
		snprintf(r->image, sizeof r->image, "%s", image);
	} else {
		sim_default_path("guest/guest.elf", r->image, sizeof r->image);
	}
	if (access(r->image, R_OK)) {
		snprintf(err, n, "--guest %s: %s", r->image, strerror(errno));
		return -1;
	}
	return 0;
}

int bench_run_check_cfg(const struct bench_run_cfg *cfg, char *err, size_t n)
{
	struct bench_run *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	r->cfg = *cfg;
	/* No trace yet: the per-parameter rules, and cpus of any domain. */
	r->m.max_cpus = TRACE_MAX_CPUS;
	/* No image named: the point's ldomsim uses the guest built beside it,
	 * which this process cannot know (a test's stand-in, another build). */
	int rc = (cfg->image && (resolve_guest(r, err, n) || guest_identity(r, err, n))) ||
	                 apply_overrides(r, err, n) || check_injections(r, err, n)
	             ? -1
	             : 0;
	json_decref(r->guest);
	free(r);
	return rc;
}

int bench_run(const struct bench_run_cfg *cfg, struct bench_run **out, char *err, size_t n)
{
	struct trace_error te;
	struct bench_run *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	double t0 = now_s();
	r->t0 = t0;
	r->cfg = *cfg;
	snprintf(r->trace_path, sizeof r->trace_path, "%s", cfg->trace ? cfg->trace : "");
	r->cfg.trace = r->trace_path;
	/* The trace first: a missing trace is named before anything else. */
	if (trace_load(cfg->trace, &r->trace, &te)) {
		snprintf(err, n, "%s", te.msg);
		goto fail;
	}
	if (resolve_guest(r, err, n) || guest_identity(r, err, n))
		goto fail;
	r->m = *trace_machine(r->trace);
	if (apply_overrides(r, err, n) || check_injections(r, err, n))
		goto fail;
	if (take_irqs(r, err, n))
		goto fail;
	r->nops = trace_op_count(r->trace);
	r->ops = calloc(r->nops ? r->nops : 1, sizeof *r->ops);
	r->snaps = calloc(r->nops + 1, sizeof *r->snaps);
	r->host_op = calloc(r->nops + 1, sizeof *r->host_op);
	if (!r->ops || !r->snaps || !r->host_op) {
		snprintf(err, n, "out of memory");
		goto fail;
	}
	if (boot(r, err, n))
		goto fail;
	/* The player and its DS peer, attached to the guest's LDC port (what
	 * the guest wrote while booting reaches the peer now). */
	struct bench_play_ops pops = {.op_due = op_due,
	                              .op_time = op_time,
	                              .op_replied = op_replied,
	                              .data = guest_data,
	                              .fail = play_fail,
	                              .ctx = r};
	if (bench_play_create(r->sim, r->km, r->irq_tid, r->irq_stack, r->m.costs.ldc_msg_ns, &pops,
	                      &r->play)) {
		snprintf(err, n, "out of memory");
		goto fail;
	}
	/* The DS handshake and service registrations complete first: the
	 * scenario's clock starts when the channel is quiet. */
	if (bench_play_run(r->play) || r->failed) {
		snprintf(err, n, "domain services bring-up: %s", r->verdict);
		goto fail;
	}
	/* Faults are injected into the scenario, not into boot. */
	if (apply_injections(r, err, n))
		goto fail;
	r->t_base_ns = sim_thread_time_ps(r->sim, trace_ds_strand(r->trace)) / 1000;
	for (unsigned c = 0; c < sim_thread_count(r->sim); c++)
		if (sim_strand_running(r->sim, c) &&
		    sim_thread_time_ps(r->sim, c) / 1000 > r->t_base_ns)
			r->t_base_ns = sim_thread_time_ps(r->sim, c) / 1000;
	for (size_t i = 0; i < r->nops; i++) {
		const struct trace_op *op = trace_op_at(r->trace, i);
		r->ops[i] =
		    (struct op_result){.kind = op->kind, .req_num = op->req_num, .t_reply_ns = -1};
	}
	if (bench_play_start(r->play, r->t_base_ns, r->nops)) {
		snprintf(err, n, "%s: too many events", cfg->trace);
		goto fail;
	}
	int played = bench_play_run(r->play);
	if (sim_host_error(r->sim)) {
		snprintf(err, n, "%s", sim_host_error(r->sim));
		goto fail;
	}
	snapshot(r, &r->snaps[r->nops]);
	for (size_t j = bench_play_released(r->play); j < r->nops; j++)
		r->snaps[j] = r->snaps[r->nops]; /* never sent: no cost */
	r->host_op[r->nops] = now_s() - r->t0;
	if (cfg->folded && sim_profile(r->sim)) {
		/* Built in memory, then written all or nothing. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int bad = !f || sim_prof_write_folded(sim_profile(r->sim), f);
		if (f && fclose(f))
			bad = 1;
		if (bad)
			snprintf(err, n, "%s: folded stacks: out of memory", cfg->folded);
		else if (util_write_atomic(cfg->folded, text, len, err, n))
			bad = 1;
		free(text);
		if (bad)
			goto fail;
	}
	/* The domain's power-off explains everything after it; then a thread's
	 * verdict explains a missing reply: report them first. */
	domain_verdict(r);
	for (size_t i = 0; i < sim_verdict_count(r->sim); i++) {
		const struct sim_verdict *v = sim_verdict_get(r->sim, i);
		failf(r, "cpu %u %s at %s: %s", v->cpu, sim_stop_name(v->why), v->where, v->msg);
	}
	if (!played && !r->failed)
		for (size_t i = 0; i < r->nops; i++)
			if (r->ops[i].t_reply_ns < 0)
				failf(r, "operation %zu (req_num %llu) got no reply from the guest",
				      i, (unsigned long long)r->ops[i].req_num);
	/* Per cpu, when it came online (configure) or went offline
	 * (unconfigure): the first such event after the request. */
	for (size_t i = 0; i < r->nops; i++) {
		enum km_event_kind want =
		    r->ops[i].kind == TRACE_OP_CONFIGURE ? KM_EV_CPU_ONLINE : KM_EV_CPU_OFFLINE;
		for (size_t k = 0; k < r->ops[i].ncpus; k++)
			r->ops[i].cpus[k].online_ns =
			    event_time(r, want, r->ops[i].cpus[k].cpu, r->ops[i].t_request_ns);
	}
	/* Fidelity: the guest's maps against the host computation of the MD
	 * it was handed last (not the trace's last generation: a capture may
	 * end before the hypervisor publishes it). */
	if (r->handed_md) {
		size_t d = topology_check(r, r->handed_md, r->handed_len, r->topo_report,
		                          sizeof r->topo_report);
		r->topo_refused = d == SIZE_MAX;
		r->topo_diffs = r->topo_refused ? 0 : d;
	}
	if (r->topo_refused)
		failf(r, "no topology check: the host computation refuses MD generation %u: %s",
		      r->handed_gen, r->topo_report);
	else if (r->topo_diffs)
		failf(r,
		      "topology maps of %zu strand%s differ from the host computation of MD "
		      "generation %u: %s",
		      r->topo_diffs, r->topo_diffs == 1 ? "" : "s", r->handed_gen, r->topo_report);
	for (unsigned c = 0; c < sim_thread_count(r->sim); c++) {
		const struct sim_strand_stats *st = sim_strand_stats(r->sim, c);
		if (st)
			r->guest_insns += st->insns;
		if (st && st->insns > 10000000 && getenv("LDOMSIM_DEBUG_THREADS"))
			fprintf(stderr, "thread %u: %llu insns, %llu kmcalls, %llu hcalls\n", c,
			        (unsigned long long)st->insns, (unsigned long long)st->kmcalls,
			        (unsigned long long)st->hcalls);
	}
	r->host_seconds = now_s() - t0;
	*out = r;
	return 0;
fail:
	/* The host's failure explains whatever the guest did about it. */
	if (r->sim && sim_host_error(r->sim))
		snprintf(err, n, "%s", sim_host_error(r->sim));
	bench_run_free(r);
	return -1;
}

void bench_run_free(struct bench_run *r)
{
	if (!r)
		return;
	bench_play_free(r->play);
	for (size_t i = 0; i < r->nops; i++)
		free(r->ops[i].cpus);
	free(r->ops);
	free(r->snaps);
	free(r->host_op);
	free(r->extra_md);
	sim_free(r->sim);
	km_free(r->km);
	trace_free(r->trace);
	json_decref(r->guest);
	json_decref(r->hwcaps);
	free(r);
}

int bench_run_ok(const struct bench_run *r)
{
	return !r->failed;
}

/* "0-7,12,14-15" */
static json_t *cpu_list(const uint32_t *ids, size_t n)
{
	char buf[8192];
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && used + 24 < sizeof buf;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%u", used ? "," : "",
		                         ids[i]);
		if (j > i)
			used += (size_t)snprintf(buf + used, sizeof buf - used, "-%u", ids[j]);
		i = j + 1;
	}
	return json_string(buf);
}

static json_t *guest_mask(struct bench_run *r, uint64_t mask_va)
{
	uint32_t *ids = malloc(LX_NR_CPUS * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return json_null();
	for (unsigned c = 0; c < LX_NR_CPUS; c++)
		if (km_cpumask_test(r->km, mask_va, c))
			ids[n++] = c;
	json_t *j = cpu_list(ids, n);
	free(ids);
	return j;
}

/* The strands the hypervisor has running (CPU_START'ed, not stopped). */
static json_t *hv_running_mask(struct bench_run *r)
{
	uint32_t *ids = malloc(LX_NR_CPUS * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return json_null();
	for (unsigned c = 0; c < LX_NR_CPUS; c++)
		if (hv_cpu_running(hv_of(r->sim), c))
			ids[n++] = c;
	json_t *j = cpu_list(ids, n);
	free(ids);
	return j;
}

static json_t *irqs_json(struct bench_run *r)
{
	json_t *a = json_array();
	uint32_t *ids = malloc(LX_NR_CPUS * sizeof *ids);
	for (size_t i = 0; i < r->nirqs && ids; i++) {
		const struct run_irq *q = &r->irqs[i];
		uint64_t target = 0;
		unsigned retargets = 0;
		size_t nids = 0;
		hv_intr_target(hv_of(r->sim), q->devhandle, q->devino, &target, &retargets);
		for (unsigned c = 0; c < LX_NR_CPUS && !q->all; c++)
			if (q->aff[c / 64] >> (c % 64) & 1)
				ids[nids++] = c;
		json_t *o = json_pack("{sIsIsIsosssIsIsI}", "devhandle", (json_int_t)q->devhandle,
		                      "devino", (json_int_t)q->devino, "irq", (json_int_t)q->irq,
		                      "affinity", q->all ? json_string("all") : cpu_list(ids, nids),
		                      "from", q->from_trace ? "trace" : "--irq", "target_boot",
		                      (json_int_t)q->target_boot, "target_end", (json_int_t)target,
		                      "retargets", (json_int_t)(retargets - q->retargets_boot));
		if (q->has_recorded)
			json_object_set_new(o, "target_recorded", json_integer(q->recorded));
		/* An interrupt aimed at a stopped strand is not delivered. */
		json_object_set_new(o, "target_running",
		                    json_boolean(hv_cpu_running(hv_of(r->sim), (unsigned)target)));
		json_array_append_new(a, o);
	}
	free(ids);
	return a;
}

/* Per present strand, what the guest's real code left in guest memory. */
static json_t *strands_json(struct bench_run *r)
{
	json_t *arr = json_array();
	uint64_t present, maps[4];
	static const char *const names[4] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
	                                     "cpu_core_sib_cache_map"};
	if (sim_sym(r->sim, "__cpu_present_mask", &present))
		return arr;
	for (int m = 0; m < 4; m++)
		if (sim_sym(r->sim, names[m], &maps[m]))
			return arr;
	for (unsigned c = 0; c < LX_NR_CPUS; c++) {
		if (!km_cpumask_test(r->km, present, c))
			continue;
		struct km_cpu_ids g;
		if (km_cpu_ids(r->km, c, &g))
			continue;
		json_t *o =
		    json_pack("{sIsIsIsIsI}", "cpu", (json_int_t)c, "core_id",
		              (json_int_t)g.core_id, "proc_id", (json_int_t)g.proc_id, "sock_id",
		              (json_int_t)g.sock_id, "max_cache_id", (json_int_t)g.max_cache_id);
		for (int m = 0; m < 4; m++) {
			uint64_t va = m == 0 ? maps[0] + km_per_cpu_offset(r->km, c)
			                     : maps[m] + (uint64_t)c * LX_CPUMASK_SIZE;
			json_object_set_new(o, names[m], guest_mask(r, va));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *hcalls_json(struct bench_run *r)
{
	json_t *by = json_object();
	const struct hv *hv = hv_of(r->sim);
	for (size_t i = 0; i < hv_log_count(hv); i++) {
		const struct hv_call *c = hv_log_get(hv, i);
		char key[16];
		snprintf(key, sizeof key, "%u", c->cpu);
		json_t *arr = json_object_get(by, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(by, key, arr);
		}
		json_t *args = json_array();
		for (unsigned k = 0; k < c->nargs; k++) {
			char h[24];
			snprintf(h, sizeof h, "0x%llx", (unsigned long long)c->arg[k]);
			json_array_append_new(args, json_string(h));
		}
		json_array_append_new(arr, json_pack("{sssosI}", "fn", c->name, "args", args,
		                                     "status", (json_int_t)c->status));
	}
	return by;
}

static const char *op_name(enum trace_op_kind k)
{
	switch (k) {
	case TRACE_OP_MD_UPDATE:
		return "md-update";
	case TRACE_OP_CONFIGURE:
		return "configure";
	case TRACE_OP_UNCONFIGURE:
		return "unconfigure";
	case TRACE_OP_FORCE_UNCONFIGURE:
		return "force-unconfigure";
	case TRACE_OP_STATUS:
		return "status";
	}
	return "?";
}

/* min/p50/p90/p99/max (nearest rank) of n values. */
static json_t *percentiles(int64_t *v, size_t n)
{
	if (!n)
		return json_null();
	util_sort_i64(v, n);
	static const struct {
		const char *name;
		double pct;
	} qs[] = {{"min", 0}, {"p50", 50}, {"p90", 90}, {"p99", 99}, {"max", 100}};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
		json_object_set_new(o, qs[i].name, json_integer(util_percentile(v, n, qs[i].pct)));
	return o;
}

static int64_t event_time(struct bench_run *r, enum km_event_kind kind, unsigned cpu,
                          uint64_t after)
{
	for (size_t e = 0; e < km_event_count(r->km); e++) {
		const struct km_event *ev = km_event_get(r->km, e);
		if (ev->kind == kind && ev->cpu == cpu && ev->time_ns >= after)
			return (int64_t)ev->time_ns;
	}
	return -1;
}

/* Per-cpu phases of a bring-up, from the events and the CPU_START call:
 * prepare (cpuhp + idle + descriptor, master), cpu_start (the hypercall),
 * trampoline (hv_cpu_startup and smp_callin until callin_flag, new
 * strand), callin_poll (until online: the master's udelay(100) polling
 * and the commenced hand-off), online_wait (the master's spin on
 * cpu_online and the cpuhp online states). */
static json_t *cpu_phases(struct bench_run *r, unsigned cpu, uint64_t after, int64_t *callin_wait)
{
	int64_t up = event_time(r, KM_EV_CPU_UP_START, cpu, after);
	int64_t callin = event_time(r, KM_EV_CPU_CALLIN, cpu, after);
	int64_t online = event_time(r, KM_EV_CPU_ONLINE, cpu, after);
	int64_t done = event_time(r, KM_EV_CPU_UP_DONE, cpu, after);
	const struct hv *hv = hv_of(r->sim);
	const struct hv_call *start = NULL;
	for (size_t i = 0; i < hv_log_count(hv); i++) {
		const struct hv_call *c = hv_log_get(hv, i);
		if (c->fn == 0x10 && c->trap == 0x80 && c->arg[0] == cpu && c->t_ns >= after) {
			start = c;
			break;
		}
	}
	if (up < 0 || !start || callin < 0 || online < 0 || done < 0)
		return json_null();
	int64_t t_start = (int64_t)start->t_ns, t_run = t_start + (int64_t)start->latency_ns;
	/* The master's view: from CPU_START's return until its udelay(100)
	 * poll saw callin_flag; the new strand goes online within a quantum
	 * of the master setting smp_commenced_mask. */
	*callin_wait = online - t_run;
	return json_pack("{sIsIsIsIsI}", "prepare_ns", (json_int_t)(t_start - up), "cpu_start_ns",
	                 (json_int_t)start->latency_ns, "trampoline_ns",
	                 (json_int_t)(callin - t_run), "callin_poll_ns",
	                 (json_int_t)(online - callin), "online_wait_ns",
	                 (json_int_t)(done - online));
}

/* Per-cpu phases of a removal, from the events and the hypercall log:
 * disable (cpuhp teardown, the IPI, the real __cpu_disable on the victim
 * until set_cpu_online(false): sibling maps, fixup_irqs, its mdelay(1)),
 * die_wait (the master's real __cpu_die polling smp_commenced_mask until
 * it makes CPU_STOP: whole msleep(100)s when the victim's cpu_play_dead
 * has not cleared it yet; msleeps counts them), cpu_stop (every CPU_STOP
 * try), finish (until remove_cpu returns). play_dead runs on the victim
 * in parallel with die_wait: until its last CPU_QCONF un-registration. */
static json_t *cpu_down_phases(struct bench_run *r, unsigned cpu, uint64_t after)
{
	int64_t start = event_time(r, KM_EV_CPU_DOWN_START, cpu, after);
	int64_t offline = event_time(r, KM_EV_CPU_OFFLINE, cpu, after);
	int64_t done = event_time(r, KM_EV_CPU_DOWN_DONE, cpu, after);
	const struct hv *hv = hv_of(r->sim);
	int64_t first_stop = -1, last_stop_end = -1, stop_ns = 0, dead = -1;
	unsigned master = trace_ds_strand(r->trace), stops = 0;
	if (start < 0 || offline < 0 || done < 0)
		return json_null();
	for (size_t i = 0; i < hv_log_count(hv); i++) {
		const struct hv_call *c = hv_log_get(hv, i);
		if (c->trap != 0x80 || c->t_ns < (uint64_t)offline || c->t_ns > (uint64_t)done)
			continue;
		if (c->fn == 0x11 && c->arg[0] == cpu) { /* CPU_STOP */
			if (first_stop < 0)
				first_stop = (int64_t)c->t_ns;
			last_stop_end = (int64_t)(c->t_ns + c->latency_ns);
			stop_ns += (int64_t)c->latency_ns;
			stops++;
		} else if (c->fn == 0x14 && c->cpu == cpu) { /* CPU_QCONF by the victim */
			dead = (int64_t)(c->t_ns + c->latency_ns);
		}
	}
	if (first_stop < 0)
		return json_null();
	unsigned msleeps = 0;
	for (size_t e = 0; e < km_event_count(r->km); e++) {
		const struct km_event *ev = km_event_get(r->km, e);
		msleeps += ev->kind == KM_EV_MSLEEP && ev->cpu == master &&
		           ev->time_ns >= (uint64_t)offline && ev->time_ns < (uint64_t)first_stop;
	}
	json_t *o =
	    json_pack("{sIsIsIsIsIsI}", "disable_ns", (json_int_t)(offline - start), "die_wait_ns",
	              (json_int_t)(first_stop - offline), "msleeps", (json_int_t)msleeps,
	              "cpu_stop_ns", (json_int_t)stop_ns, "cpu_stop_calls", (json_int_t)stops,
	              "finish_ns", (json_int_t)(done - last_stop_end));
	json_object_set_new(o, "play_dead_ns",
	                    dead < 0 ? json_null() : json_integer((json_int_t)(dead - offline)));
	return o;
}

static json_t *phases_json(struct bench_run *r, const struct phase_snap *a,
                           const struct phase_snap *b, int with_insns)
{
	if (!sim_profile(r->sim))
		return json_null();
	json_t *o = json_object();
	for (size_t i = 0; i < NPHASES; i++) {
		uint64_t ps = b->ps[i] - a->ps[i], in = b->insns[i] - a->insns[i];
		if (with_insns)
			json_object_set_new(o, phase_defs[i].name,
			                    json_pack("{sIsI}", "ns", (json_int_t)(ps / 1000),
			                              "insns", (json_int_t)in));
		else
			json_object_set_new(o, phase_defs[i].name,
			                    json_integer((json_int_t)(ps / 1000)));
	}
	return o;
}

static json_t *fn_rows(struct sim_prof_fn *f, size_t n, size_t top)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < top; i++)
		json_array_append_new(arr, json_pack("{sssIsIsIsIsI}", "fn", f[i].name, "calls",
		                                     (json_int_t)f[i].calls, "self_insns",
		                                     (json_int_t)f[i].self_insns, "incl_insns",
		                                     (json_int_t)f[i].incl_insns, "self_ns",
		                                     (json_int_t)(f[i].self_ps / 1000), "incl_ns",
		                                     (json_int_t)(f[i].incl_ps / 1000)));
	return arr;
}

/* The profile: the top functions over all threads, then per strand
 * (thread that ran guest code) its top functions. */
static json_t *profile_json(struct bench_run *r, size_t top)
{
	struct sim_prof *p = sim_profile(r->sim);
	struct sim_prof_fn *f;
	size_t n = sim_prof_functions(p, &f);
	json_t *root = json_object(), *threads = json_object();
	json_object_set_new(root, "functions", fn_rows(f, n, top));
	free(f);
	for (unsigned t = 0; t < sim_thread_count(r->sim); t++) {
		if (!sim_prof_thread_ran(p, t))
			continue;
		n = sim_prof_thread_functions(p, (int)t, &f);
		const char *label = sim_prof_thread_label_of(p, t);
		char key[64];
		snprintf(key, sizeof key, "%s", label[0] ? label : "thread");
		if (json_object_get(threads, key))
			snprintf(key, sizeof key, "%s#%u", label[0] ? label : "thread", t);
		json_object_set_new(threads, key, fn_rows(f, n, top / 4 ? top / 4 : 1));
		free(f);
	}
	json_object_set_new(root, "threads", threads);
	return root;
}

void *bench_run_json(struct bench_run *r, int with_log)
{
	const struct trace_machine *m = &r->m;
	json_t *root = json_object(), *cfg = json_object(), *ops = json_array();
	json_object_set_new(root, "format", json_string(BENCH_RESULT_FORMAT));
	json_object_set_new(root, "version",
	                    json_pack("[ii]", BENCH_RESULT_MAJOR, BENCH_RESULT_MINOR));
	json_object_set_new(cfg, "trace", json_string(r->cfg.trace));
	json_object_set_new(cfg, "trace_sha256", json_string(trace_sha256_hex(r->trace)));
	json_object_set_new(cfg, "guest_image", json_string(r->image));
	json_object_set_new(cfg, "guest", r->guest ? json_incref(r->guest) : json_null());
	json_object_set_new(cfg, "kernel_version", json_string(LX_KERNEL_VERSION));
	json_object_set_new(cfg, "hwcaps", r->hwcaps ? json_incref(r->hwcaps) : json_array());
	json_object_set_new(cfg, "code_patches",
	                    json_pack("{sbsbsi}", "popc", !!(r->patch_sets & SIM_PATCH_POPC),
	                              "pause", !!(r->patch_sets & SIM_PATCH_PAUSE), "instructions",
	                              (int)r->patched));
	json_object_set_new(cfg, "unicorn_version", json_string(sim_unicorn_version(r->sim)));
	json_object_set_new(cfg, "shape", json_string(m->shape));
	json_object_set_new(cfg, "cpi", json_real(m->cpi));
	json_object_set_new(cfg, "clock_hz", json_integer((json_int_t)m->clock_hz));
	json_object_set_new(cfg, "stick_hz", json_integer((json_int_t)m->stick_hz));
	struct trace_costs costs = m->costs;
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		json_object_set_new(cfg, trace_cost_fields[i].name,
		                    json_integer((json_int_t)*trace_cost(&costs, i)));
	json_object_set_new(cfg, "quantum_ps", json_integer(SIM_QUANTUM_PS));
	json_object_set_new(cfg, "profile", json_boolean(!r->cfg.no_profile));
	json_t *inj = json_array();
	for (size_t i = 0; i < r->cfg.ninject; i++) {
		const struct bench_fault *f = &r->cfg.inject[i];
		const char *name = hv_fn_name(0x80, f->f.fn);
		json_array_append_new(inj, f->spec
		                               ? json_string(f->spec)
		                               : json_sprintf("%s=%llux%u@%d", name ? name : "?",
		                                              (unsigned long long)f->f.status,
		                                              f->f.count, f->f.cpu));
	}
	json_object_set_new(cfg, "inject", inj);
	json_t *irqs = json_array();
	for (size_t i = 0; i < r->cfg.nirq; i++) {
		char sb[32];
		json_array_append_new(irqs, json_string(irq_spec(&r->cfg.irq[i], sb, sizeof sb)));
	}
	json_object_set_new(cfg, "irq", irqs);
	json_object_set_new(cfg, "insn_budget", json_integer((json_int_t)r->cfg.insn_budget));
	json_object_set_new(cfg, "ram_size", json_integer((json_int_t)r->cfg.ram_size));
	json_object_set_new(root, "config", cfg);
	json_object_set_new(root, "ok", json_boolean(!r->failed));
	json_object_set_new(root, "verdict", json_string(r->failed ? r->verdict : "ok"));
	if (sim_power_state(r->sim)) /* 1.x: only when the domain stopped */
		json_object_set_new(root, "domain", domain_json(r));
	if (km_obp_call_count(r->km))
		json_object_set_new(root, "findings", findings_json(r));
	if (trace_lost_count(r->trace)) { /* 1.3: the trace's capture lost events */
		json_t *le = json_array();
		for (size_t i = 0; i < trace_lost_count(r->trace); i++) {
			const struct trace_lost *l = trace_lost_at(r->trace, i);
			json_array_append_new(
			    le, json_pack("{siso}", "cpu", (int)l->cpu, "events",
			                  l->known ? json_integer((json_int_t)l->events)
			                           : json_string("unknown")));
		}
		json_object_set_new(root, "capture",
		                    json_pack("{sbso}", "incomplete", 1, "lost_events", le));
	}
	for (size_t i = 0; i < r->nops; i++) {
		const struct op_result *o = &r->ops[i];
		json_t *jo = json_object(), *cpus = json_array();
		json_object_set_new(jo, "op", json_string(op_name(o->kind)));
		json_object_set_new(jo, "req_num", json_integer((json_int_t)o->req_num));
		json_object_set_new(jo, "request_ns",
		                    i < bench_play_released(r->play)
		                        ? json_integer((json_int_t)o->t_request_ns)
		                        : json_null()); /* held back: never sent */
		json_object_set_new(jo, "reply_ns",
		                    o->t_reply_ns < 0 ? json_null() : json_integer(o->t_reply_ns));
		if (o->t_reply_ns >= 0 && o->kind != TRACE_OP_MD_UPDATE) {
			char t[2] = {(char)o->reply_type, 0};
			json_object_set_new(jo, "reply_type", json_string(t));
		} else if (o->t_reply_ns >= 0) {
			json_object_set_new(jo, "reply_result", json_integer(o->reply_type));
		}
		if (o->t_reply_ns >= 0)
			json_object_set_new(jo, "latency_ns",
			                    json_integer(o->t_reply_ns - (int64_t)o->t_request_ns));
		for (size_t k = 0; k < o->ncpus; k++) {
			const struct cpu_result *c = &o->cpus[k];
			json_t *jc = json_pack("{sIsIsI}", "cpu", (json_int_t)c->cpu, "result",
			                       (json_int_t)c->result, "stat", (json_int_t)c->stat);
			json_object_set_new(jc, "online_ns",
			                    c->online_ns < 0 ? json_null()
			                                     : json_integer(c->online_ns));
			if (c->online_ns >= 0)
				json_object_set_new(
				    jc, "latency_ns",
				    json_integer(c->online_ns - (int64_t)o->t_request_ns));
			json_array_append_new(cpus, jc);
		}
		json_object_set_new(jo, "phases",
		                    phases_json(r, &r->snaps[i], &r->snaps[i + 1], 0));
		if (o->kind != TRACE_OP_MD_UPDATE) {
			int64_t *lat = calloc(o->ncpus ? o->ncpus : 1, sizeof *lat);
			size_t nl = 0;
			for (size_t k = 0; k < o->ncpus; k++) {
				json_t *jc = json_array_get(cpus, k);
				if (o->cpus[k].online_ns >= 0 && lat)
					lat[nl++] = o->cpus[k].online_ns - (int64_t)o->t_request_ns;
				int64_t wait = -1;
				json_object_set_new(
				    jc, "phases",
				    o->kind == TRACE_OP_CONFIGURE
				        ? cpu_phases(r, o->cpus[k].cpu, o->t_request_ns, &wait)
				        : cpu_down_phases(r, o->cpus[k].cpu, o->t_request_ns));
				if (wait >= 0)
					json_object_set_new(jc, "callin_wait_ns",
					                    json_integer(wait));
			}
			json_object_set_new(jo, "cpu_latency_ns", percentiles(lat, nl));
			free(lat);
			json_object_set_new(jo, "cpus", cpus);
			/* The topology-map update of this request: on configure
			 * the real mdesc_fill_in_cpu_data and its steps; on
			 * removal the victims' real __cpu_disable (it clears the
			 * sibling maps; fixup_irqs and its mdelay(1) are in it
			 * too, see phases) and the scheduler-topology rebuild. */
			json_t *tc = phases_json(r, &r->snaps[i], &r->snaps[i + 1], 1);
			json_t *keep = json_is_null(tc) ? json_null() : json_object();
			static const char *const topo_up[] = {"topology_maps",
			                                      "set_core_ids",
			                                      "set_proc_ids",
			                                      "set_sock_ids",
			                                      "smp_fill_in_sib_core_maps",
			                                      NULL};
			static const char *const topo_down[] = {"cpu_disable", "cpu_map_rebuild",
			                                        NULL};
			const char *const *topo =
			    o->kind == TRACE_OP_CONFIGURE ? topo_up : topo_down;
			for (size_t k = 0; topo[k] && !json_is_null(tc); k++)
				json_object_set(keep, topo[k], json_object_get(tc, topo[k]));
			json_decref(tc);
			json_object_set_new(jo, "topology_cost", keep);
		} else {
			json_decref(cpus);
		}
		json_array_append_new(ops, jo);
	}
	json_object_set_new(root, "scenario_start_ns", json_integer((json_int_t)r->t_base_ns));
	json_object_set_new(root, "operations", ops);
	uint64_t online;
	if (!sim_sym(r->sim, "__cpu_online_mask", &online))
		json_object_set_new(root, "online_mask", guest_mask(r, online));
	uint64_t present;
	if (!sim_sym(r->sim, "__cpu_present_mask", &present))
		json_object_set_new(root, "present_mask", guest_mask(r, present));
	json_object_set_new(root, "hv_running_mask", hv_running_mask(r));
	json_object_set_new(root, "strands", strands_json(r));
	json_object_set_new(root, "interrupts", irqs_json(r));
	/* Injected faults and how many calls each failed: a run whose every
	 * request was answered can still have run degraded. */
	json_object_set_new(root, "faults", faults_json(r));
	json_object_set_new(root, "hcalls", hcalls_json(r));
	json_object_set_new(root, "boot_topology_cost",
	                    sim_profile(r->sim)
	                        ? json_pack("{sIsI}", "ns", (json_int_t)(r->boot_topo_ps / 1000),
	                                    "insns", (json_int_t)r->boot_topo_insns)
	                        : json_null());
	json_object_set_new(root, "profile",
	                    sim_profile(r->sim) ? profile_json(r, 40) : json_null());
	json_object_set_new(root, "topology",
	                    json_pack("{sIsssIsbsIss}", "differences", (json_int_t)r->topo_diffs,
	                              "report", r->topo_report, "generation",
	                              (json_int_t)r->handed_gen, "host_refused", r->topo_refused,
	                              "stale_bits", (json_int_t)r->topo_stale, "stale_report",
	                              r->topo_stale_report));
	if (with_log) {
		json_t *log = json_array();
		for (size_t i = 0; i < km_log_count(r->km); i++) {
			const struct km_log_line *l = km_log_get(r->km, i);
			json_array_append_new(log, json_pack("{sIsIss}", "t_ns",
			                                     (json_int_t)l->time_ns, "cpu",
			                                     (json_int_t)l->cpu, "text", l->text));
		}
		json_object_set_new(root, "log", log);
	}
	/* Host time: the only place it appears. */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	json_t *simu = json_pack("{sfsIsfsI}", "host_seconds", r->host_seconds, "guest_insns",
	                         (json_int_t)r->guest_insns, "guest_insns_per_second",
	                         r->host_seconds > 0 ? r->guest_insns / r->host_seconds : 0.0,
	                         "peak_rss_kib", (json_int_t)ru.ru_maxrss);
	json_t *hp = json_array();
	for (size_t i = 0; i < r->nops; i++)
		json_array_append_new(hp, json_real(r->host_op[i + 1] - r->host_op[i]));
	json_object_set_new(simu, "host_seconds_boot", json_real(r->host_op[0]));
	json_object_set_new(simu, "host_seconds_per_operation", hp);
	json_object_set_new(root, "simulator", simu);
	return root;
}

void bench_run_print_log(const struct bench_run *r, void *file)
{
	FILE *f = file;
	for (size_t i = 0; i < km_log_count(r->km); i++) {
		const struct km_log_line *l = km_log_get(r->km, i);
		fprintf(f, "[%5llu.%06llu] %s\n", (unsigned long long)(l->time_ns / 1000000000ull),
		        (unsigned long long)(l->time_ns / 1000 % 1000000), l->text);
	}
}

int bench_run_request(struct bench_run *r, const char *service, const void *payload, size_t len,
                      int64_t claimed_len, uint8_t **reply, size_t *reply_len)
{
	uint64_t handle;
	*reply = NULL;
	*reply_len = 0;
	if (ds_peer_handle(bench_play_peer(r->play), service, &handle))
		return -1;
	uint8_t *b;
	size_t blen;
	if (ds_encode_data(handle, payload, len, &b, &blen))
		return -1;
	if (claimed_len >= 0)
		ds_set_tag_len(b, blen, (uint32_t)claimed_len);
	uint64_t t = 0;
	for (unsigned c = 0; c < sim_thread_count(r->sim); c++)
		if (sim_strand_running(r->sim, c) && sim_thread_time_ps(r->sim, c) / 1000 > t)
			t = sim_thread_time_ps(r->sim, c) / 1000;
	r->capture.on = 1;
	r->capture.handle = handle;
	int rc = bench_play_send(r->play, t + 1000000, b, blen);
	free(b);
	if (!rc && !bench_play_run(r->play)) {
		*reply = r->capture.bytes;
		*reply_len = r->capture.len;
	} else {
		free(r->capture.bytes);
		rc = -1;
	}
	r->capture.on = 0;
	r->capture.bytes = NULL;
	r->capture.len = 0;
	return rc ? -1 : 0;
}

int bench_run_deliver_raw(struct bench_run *r, const void *bytes, size_t len)
{
	uint64_t t = 0;
	for (unsigned c = 0; c < sim_thread_count(r->sim); c++)
		if (sim_strand_running(r->sim, c) && sim_thread_time_ps(r->sim, c) / 1000 > t)
			t = sim_thread_time_ps(r->sim, c) / 1000;
	if (bench_play_send(r->play, t + 1000000, bytes, len))
		return -1;
	return bench_play_run(r->play);
}

/* Append "; "-separated notes to report (no trailing separator). */
static void note(char *report, size_t n, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (!report || *used + 3 >= n)
		return;
	if (*used)
		*used += (size_t)snprintf(report + *used, n - *used, "; ");
	va_start(ap, fmt);
	int k = vsnprintf(report + *used, n - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used = *used + (size_t)k < n ? *used + (size_t)k : n - 1;
}

/* A guest cpumask by kernel virtual address (image or linear map). */
static const uint8_t *guest_cpumask(struct bench_run *r, uint64_t va)
{
	uint64_t ra = va >= 0xffff800000000000ull ? va - 0xffff800000000000ull : va;
	return sim_ra_ptr(r->sim, ra, LX_CPUMASK_SIZE);
}

static int mask_bit(const uint8_t *m, unsigned cpu)
{
	return m[8 * (cpu / 64) + 7 - (cpu % 64) / 8] >> (cpu % 8) & 1;
}

/* The guest's cpu_data ids and four sibling maps against the host
 * computation (traces/md_topo) of an MD, as Linux 6.1 leaves them: over
 * the cpus present in the guest (smp_fill_in_sib_core_maps walks the
 * present mask; a cpu the MD has but no configure added is not there).
 * __cpu_disable clears a removed cpu from the core and sibling maps only;
 * cpu_core_sib_map and cpu_core_sib_cache_map are only ever set, so the
 * bits of cpus no longer present stay: counted in r->topo_stale, not as
 * differences. Returns the strands that differ, SIZE_MAX (report says
 * why) when the host cannot compute the MD's topology. */
static size_t topology_check(struct bench_run *r, const uint8_t *md_bytes, size_t len, char *report,
                             size_t n)
{
	static const char *const maps[] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
	                                   "cpu_core_sib_cache_map"};
	static const char *const id_names[] = {"core_id", "proc_id", "sock_id", "max_cache_id"};
	struct md *md = NULL;
	struct md_topo *topo = NULL;
	struct md_err me;
	size_t diffs = 0, used = 0, noted = 0;
	uint64_t va, map_va[4];
	const uint8_t *present = NULL;
	uint8_t want[LX_CPUMASK_SIZE], stale_cpus[LX_CPUMASK_SIZE];
	if (report && n)
		report[0] = 0;
	r->topo_stale = 0;
	r->topo_stale_report[0] = 0;
	if (md_read(md_bytes, len, &md, &me) || md_topo_compute(md, &topo, &me)) {
		note(report, n, &used, "%s", me.msg);
		diffs = SIZE_MAX;
		goto out;
	}
	if (!sim_sym(r->sim, "__cpu_present_mask", &va))
		present = guest_cpumask(r, va);
	for (int m = 0; m < 4; m++)
		if (sim_sym(r->sim, maps[m], &map_va[m]))
			present = NULL;
	if (!present) {
		note(report, n, &used, "the guest image lacks the present mask or a sibling map");
		diffs = SIZE_MAX;
		goto out;
	}
	memset(stale_cpus, 0, sizeof stale_cpus);
	for (unsigned cpu = 0; cpu < LX_NR_CPUS; cpu++) {
		if (!mask_bit(present, cpu))
			continue;
		size_t bad = 0;
		struct km_cpu_ids g;
		if (!md_topo_present(topo, cpu) || km_cpu_ids(r->km, cpu, &g)) {
			if (noted++ < 8)
				note(report, n, &used,
				     "cpu %u: present in the guest, not in the MD", cpu);
			diffs++;
			continue;
		}
		int32_t e[4] = {md_topo_core_id(topo, cpu), md_topo_proc_id(topo, cpu),
		                md_topo_sock_id(topo, cpu), md_topo_max_cache_id(topo, cpu)};
		int32_t gv[4] = {g.core_id, g.proc_id, g.sock_id, g.max_cache_id};
		for (int k = 0; k < 4; k++) /* proc_id is signed in cpuinfo_sparc, the others u16 */
			if ((k == 1 ? e[k] : (int32_t)(uint16_t)e[k]) != gv[k]) {
				bad++;
				if (noted++ < 8)
					note(report, n, &used, "cpu %u: %s guest %d host %d", cpu,
					     id_names[k], gv[k], e[k]);
			}
		for (int m = 0; m < 4; m++) {
			const uint32_t *ids;
			size_t k = md_topo_siblings(topo, cpu, (enum md_topo_map)m, &ids);
			memset(want, 0, sizeof want);
			for (size_t j = 0; j < k; j++)
				if (ids[j] < LX_NR_CPUS && mask_bit(present, ids[j]))
					want[8 * (ids[j] / 64) + 7 - (ids[j] % 64) / 8] |=
					    (uint8_t)(1u << (ids[j] % 8));
			uint64_t a =
			    map_va[m] + (m == MD_TOPO_SIBLING ? km_per_cpu_offset(r->km, cpu)
			                                      : (uint64_t)cpu * LX_CPUMASK_SIZE);
			const uint8_t *got = guest_cpumask(r, a);
			int differs = !got;
			for (size_t b = 0; got && b < LX_CPUMASK_SIZE; b++) {
				uint8_t gb = got[b];
				/* never cleared: the bits of cpus gone since stay */
				if (m >= MD_TOPO_CORE_SIB) {
					uint8_t gone = gb & (uint8_t)~present[b];
					r->topo_stale += (size_t)__builtin_popcount(gone);
					stale_cpus[b] |= gone;
					gb &= present[b];
				}
				differs |= gb != want[b];
			}
			if (differs) {
				bad++;
				if (noted++ < 8)
					note(report, n, &used,
					     "cpu %u: %s differs (host has %zu cpus)", cpu, maps[m],
					     k);
			}
		}
		diffs += bad != 0;
	}
	if (r->topo_stale) {
		size_t u = 0, listed = 0;
		char *s = r->topo_stale_report;
		size_t sn = sizeof r->topo_stale_report;
		u += (size_t)snprintf(s, sn, "%zu stale bit%s of cpus no longer present (",
		                      r->topo_stale, r->topo_stale == 1 ? "" : "s");
		for (unsigned c = 0; c < LX_NR_CPUS && u < sn; c++)
			if (mask_bit(stale_cpus, c) && listed++ < 16)
				u += (size_t)snprintf(s + u, sn - u, "%s%u", listed > 1 ? "," : "",
				                      c);
		if (u < sn)
			snprintf(s + u, sn - u,
			         "%s) in cpu_core_sib_map/cpu_core_sib_cache_map: Linux never "
			         "clears them",
			         listed > 16 ? ",..." : "");
	}
out:
	md_topo_free(topo);
	md_free(md);
	return diffs;
}

int bench_run_publish_md(struct bench_run *r, const void *md, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	memcpy(copy, md, len);
	free(r->extra_md);
	r->extra_md = copy;
	r->extra_md_len = len;
	hv_set_mdesc(hv_of(r->sim), copy, len);
	r->handed_md = copy;
	r->handed_len = len;
	r->handed_gen = 0;
	return 0;
}

size_t bench_run_topology_check(struct bench_run *r, char *report, size_t n)
{
	if (!r->handed_md) {
		if (report && n)
			snprintf(report, n, "no MD was handed to the guest");
		return SIZE_MAX;
	}
	return topology_check(r, r->handed_md, r->handed_len, report, n);
}
