/*
 * bench/run.c — see run.h. The run owns the trace, the machine and the
 * kernel model; the DS peer (the control domain's side of the channel) is
 * modelled here: it answers the guest's INIT_REQ and REG_REQs, and sends
 * the trace's requests at their times with the handles the guest chose.
 * The result document is run_json.c's; the topology check run_topo.c's.
 */
#define _GNU_SOURCE
#include "bench/run.h"

#include "bench/play.h"
#include "bench/run_impl.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "ds/ds.h"
#include "kernel-model/km.h"
#include "hv/hv.h"
#include "sim/image.h"
#include "sim/profile.h"
#include "sim/selftest.h"
#include "sim/sim.h"
#include "sim/tunables.h"
#include "traces/md.h"
#include "traces/trace.h"
#include "util/atomic.h"
#include "util/file.h"

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
	if (bench_play_raise_event(r->board.sim, r->board.km, r->irq_tid, r->irq_stack, t_ns, event,
	                           why, sizeof why)) {
		failf(r, "%s", why);
		return -1;
	}
	return 0;
}

static int apply_injections(struct bench_run *r, char *err, size_t n);

static void snapshot(struct bench_run *r, struct phase_snap *sn)
{
	struct sim_prof *p = sim_profile(r->board.sim);
	memset(sn, 0, sizeof *sn);
	for (unsigned t = 0; r->mem && t < sim_thread_count(r->board.sim); t++) {
		const struct sim_strand_stats *st = sim_strand_stats(r->board.sim, t);
		for (int k = 0; k < CACHE_NKINDS; k++)
			for (int l = 0; l <= CACHE_MAX_LEVELS; l++)
				sn->mem[k][l] += st->mem_served[k][l];
		sn->mem_stall_ps += st->mem_stall_ps;
	}
	for (size_t i = 0; p && i < BENCH_RUN_NPHASES; i++)
		for (int k = 0; k < 2 && bench_run_phase_defs[i].fn[k]; k++) {
			uint64_t in, ps;
			sim_prof_query(p, bench_run_phase_defs[i].fn[k],
			               bench_run_phase_defs[i].parent[k], &in, &ps);
			sn->insns[i] += in;
			sn->ps[i] += ps;
			if (r->mem) {
				struct sim_prof_mem m;
				sim_prof_query_mem(p, bench_run_phase_defs[i].fn[k],
				                   bench_run_phase_defs[i].parent[k], &m);
				for (int kk = 0; kk < CACHE_NKINDS; kk++)
					for (int l = 0; l <= CACHE_MAX_LEVELS; l++)
						sn->pmem[i].served[kk][l] += m.served[kk][l];
				sn->pmem[i].stall_ps += m.stall_ps;
			}
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
	r->host_op[k] = bench_run_now_s() - r->t0;
	if (op->kind == TRACE_OP_MD_UPDATE) {
		/* The hypervisor publishes the new generation, then md-update. */
		const struct trace_md_gen *g = trace_md_gen(r->trace, op->generation);
		if (!g || !g->bytes) {
			failf(r, "md-update to generation %u: not in the trace", op->generation);
			return -1;
		}
		hv_set_mdesc(r->board.hv, g->bytes, g->size);
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
void bench_run_obp_finding_text(const struct km_obp_call *o, char *buf, size_t n)
{
	snprintf(buf, n,
	         "OBP call %s from %s on cpu %u, a strand the hypervisor started: OBP has no "
	         "state for it",
	         o->fn, o->caller, o->cpu);
}

/* Why the domain stopped, as one line: the hypervisor's or OBP's account,
 * prom_halt's caller and the console's last line when the guest halted. */
void bench_run_domain_reason(struct bench_run *r, char *buf, size_t n)
{
	const struct sim_power_off *p = sim_power_state(r->board.sim);
	const struct km_halt *h = km_halt_state(r->board.km);
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
	const struct sim_power_off *p = sim_power_state(r->board.sim);
	if (p) {
		char why[1024];
		bench_run_domain_reason(r, why, sizeof why);
		failf(r, "the domain powered off at %.6f ms on cpu %u: %s",
		      (double)(p->time_ps / 1000 - r->t_base_ns) / 1e6, p->cpu, why);
	}
	if (km_obp_call_count(r->board.km)) {
		char f[300];
		bench_run_obp_finding_text(km_obp_call_get(r->board.km, 0), f, sizeof f);
		failf(r, "%s", f);
	}
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
const char *bench_run_irq_spec(const struct bench_irq *q, char *buf, size_t n)
{
	if (q->spec)
		return q->spec;
	snprintf(buf, n, "%u:%u", q->devhandle, q->devino);
	return buf;
}

/* The --irq sources (run.h struct bench_irq), then the trace's. */
static int take_irqs(struct bench_run *r, char *err, size_t n)
{
	const struct lx_layout *lx = r->lx;
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
			         bench_run_irq_spec(c, sb, sizeof sb));
			return -1;
		}
		*q =
		    (struct run_irq){.devhandle = c->devhandle, .devino = c->devino, .all = c->all};
		memcpy(q->aff, c->aff, sizeof q->aff);
		for (size_t k = 0; k < i; k++)
			if (r->irqs[k].devhandle == q->devhandle &&
			    r->irqs[k].devino == q->devino) {
				snprintf(err, n, "--irq '%s': source given twice",
				         bench_run_irq_spec(c, sb, sizeof sb));
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
			if (ti->affinity[k] < lx->nr_cpus)
				q->aff[ti->affinity[k] / 64] |= 1ull << (ti->affinity[k] % 64);
		for (size_t k = 0; k < r->cfg.nirq; k++)
			if (r->irqs[k].devhandle == q->devhandle &&
			    r->irqs[k].devino == q->devino) {
				snprintf(err, n, "--irq '%s': source given twice (also in %s)",
				         bench_run_irq_spec(&r->cfg.irq[k], sb, sizeof sb),
				         r->cfg.trace);
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
	const struct lx_layout *lx = r->lx;
	struct hv *hv = r->board.hv;
	struct sim_verdict v;
	uint64_t build, fixup, ret;
	if (!r->nirqs)
		return 0;
	if (sim_sym(r->board.sim, "sun4v_build_irq", &build) ||
	    sim_sym(r->board.sim, "fixup_irqs", &fixup) ||
	    km_irq_ivector_init(r->board.km, HV_NSYSINO)) {
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
		if (sim_sched_call(r->board.sim, cpu, build, args, 2, stack, &ret, &v) !=
		        SIM_STOP_RETURNED ||
		    !(uint32_t)ret) {
			snprintf(err, n, "sun4v_build_irq(%#x, %#x): %s (irq %u)", q->devhandle,
			         q->devino, v.msg, (unsigned)ret);
			return -1;
		}
		q->irq = (uint32_t)ret;
		uint64_t aff = km_irq_affinity(r->board.km, q->irq);
		if (!aff || km_irq_request(r->board.km, q->irq)) {
			snprintf(err, n, "irq %u: no descriptor", q->irq);
			return -1;
		}
		for (unsigned c = 0; c < lx->nr_cpus && !q->all; c++)
			if (q->aff[c / 64] >> (c % 64) & 1)
				km_cpumask_set(r->board.km, aff, c);
			else
				km_cpumask_clear(r->board.km, aff, c);
	}
	if (sim_sched_call(r->board.sim, cpu, fixup, NULL, 0, stack, &ret, &v) !=
	    SIM_STOP_RETURNED) {
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
	return sim_apply_patches(r->board.sim, sets, &r->patched, err, n) ? -1 : 0;
}

/* --memory-model: the caches of every MD generation of the trace (a cpu
 * the boot MD lacks gets the caches the MD that adds it declares), before
 * the first strand runs. */
static int memory_model(struct bench_run *r, char *err, size_t n)
{
	size_t nmd = trace_md_count(r->trace);
	struct md **mds = calloc(nmd ? nmd : 1, sizeof *mds);
	struct md_err me;
	int rc = -1;
	if (!mds) {
		snprintf(err, n, "out of memory (memory model)");
		return -1;
	}
	for (size_t i = 0; i < nmd; i++) {
		const struct trace_md_gen *g = trace_md_at(r->trace, i);
		if (md_read(g->bytes, g->size, &mds[i], &me) != MD_OK) {
			snprintf(err, n, "%s: MD generation %u (%s): %s", r->cfg.trace,
			         g->generation, g->file, me.msg);
			goto out;
		}
	}
	rc = bench_mem_create(r->board.sim, (const struct md *const *)mds, nmd,
	                      (uint32_t)r->lx->nr_cpus, &r->m, &r->mem_over, r->mem_over_mask,
	                      &r->mem, err, n);
out:
	for (size_t i = 0; i < nmd; i++)
		md_free(mds[i]);
	free(mds);
	return rc;
}

/* The machine a run boots on: board, code patches, costs, clocks, the
 * memory model, the MD the hypervisor hands out. Cheap: a snapshot
 * restores onto it. */
static int boot_machine(struct bench_run *r, char *err, size_t n)
{
	const struct trace_machine *m = &r->m;
	const struct trace_md_gen *g1 = trace_md_at(r->trace, 0);
	struct board_config bc;
	struct board *b = &r->board;
	struct km_costs costs;
	board_config_default(&bc);
	bc.image = r->image;
	bc.ram_size = r->cfg.ram_size;
	bc.insn_budget = r->cfg.insn_budget;
	bc.engines = r->cfg.engines;
	bc.profile = !r->cfg.no_profile;
	bc.lx = r->lx;
	if (!g1 || !g1->bytes) {
		snprintf(err, n, "%s: no MD generation to boot from", r->cfg.trace);
		return -1;
	}
	if (board_create(&bc, b, err, n))
		return -1;
	const struct lx_layout *lx = r->lx;
	if (boot_hwcaps(r, g1, err, n))
		return -1;
	to_km_costs(&m->costs, &costs);
	km_set_costs(r->board.km, &costs);
	km_set_stick_hz(r->board.km, m->stick_hz);
	for (unsigned cpu = 0; cpu < lx->nr_cpus; cpu++)
		sim_cpu_set_speed(r->board.sim, cpu, m->clock_hz, m->cpi);
	if (r->cfg.memory_model && memory_model(r, err, n))
		return -1;
	hv_set_mdesc(b->hv, g1->bytes, g1->size);
	r->handed_md = g1->bytes;
	r->handed_len = g1->size;
	r->handed_gen = g1->generation;
	return 0;
}

/* Boot proper, from the machine boot_machine made: the guest's early
 * state, its MD parse, ds_init and ds_probe, the interrupt sources, the
 * LDC interrupt context, the link coming up. What a snapshot replaces. */
static int boot_guest(struct bench_run *r, char *err, size_t n)
{
	const struct trace_machine *m = &r->m;
	struct board *b = &r->board;
	const struct lx_layout *lx = r->lx;
	struct sim_verdict v;
	if (board_boot_state(b, err, n))
		return -1;
	unsigned boot_cpu = trace_ds_strand(r->trace);
	struct km_thread t;
	if (board_boot_strand(b, boot_cpu, &t, err, n))
		return -1;
	if (km_boot_mdesc(r->board.km, boot_cpu, t.stack_top, &v, err, n))
		return -1;
	/* The domain is up with the trace's present strands online, as
	 * smp_init() leaves them (boot state: their bring-up is not part of
	 * what is measured; their strands idle and hold no engine). */
	size_t npresent;
	const uint32_t *present = trace_present(r->trace, &npresent);
	static const char *const up_masks[] = {"__cpu_online_mask", "__cpu_active_mask"};
	for (size_t k = 0; k < 2; k++) {
		uint64_t mask;
		if (sim_sym(r->board.sim, up_masks[k], &mask))
			continue; /* not linked: nothing under study reads it */
		for (size_t i = 0; i < npresent; i++)
			km_cpumask_set(r->board.km, mask, present[i]);
	}
	/* ... and running, for the hypervisor (CPU_STOP can stop them). */
	for (size_t i = 0; i < npresent; i++)
		hv_set_running(b->hv, present[i]);
	if (sim_profile(r->board.sim))
		sim_prof_query(sim_profile(r->board.sim), "mdesc_fill_in_cpu_data", NULL,
		               &r->boot_topo_insns, &r->boot_topo_ps);
	if (board_mondo_queues(b, m->max_cpus, err, n))
		return -1;
	/* ds_init (fs_initcall): kthread kldomd, vio driver registration. */
	uint64_t fn, ret;
	if (sim_sym(r->board.sim, "ds_init", &fn) ||
	    sim_sched_call(r->board.sim, boot_cpu, fn, NULL, 0, t.stack_top, &ret, &v) !=
	        SIM_STOP_RETURNED) {
		snprintf(err, n, "ds_init: %s at %s", v.msg, v.where);
		return -1;
	}
	/* The vio bus probes the DS device: ds_probe(vdev, id). */
	uint64_t vdev = 0;
	if (sim_sym(r->board.sim, "ds_probe", &fn) ||
	    !(vdev = km_alloc_zeroed(r->board.km, lx->vio_dev_size))) {
		snprintf(err, n, "guest image lacks ds_probe, or no memory");
		return -1;
	}
	km_store64(r->board.km, vdev + lx->vio_dev_mp, ~0ull); /* no MD node: ds id 0 */
	uint64_t args[2] = {vdev, 0};
	if (sim_sched_call(r->board.sim, boot_cpu, fn, args, 2, t.stack_top, &ret, &v) !=
	        SIM_STOP_RETURNED ||
	    ret) {
		snprintf(err, n, "ds_probe: %s (returned %lld)", v.msg, (long long)(int64_t)ret);
		return -1;
	}
	if (setup_irqs(r, boot_cpu, t.stack_top, err, n))
		return -1;
	/* Interrupt context on the boot cpu, for the LDC events. */
	struct km_thread it;
	if (sim_thread_create(r->board.sim, boot_cpu, 0x400000, 0,
	                      sim_thread_time_ps(r->board.sim, boot_cpu), &r->irq_tid) ||
	    km_thread_setup(r->board.km, r->irq_tid, boot_cpu, "irq/ldc", &it)) {
		snprintf(err, n, "cannot create the interrupt context");
		return -1;
	}
	r->irq_stack = it.stack_top;
	/* The link comes up: ds_up sends INIT_REQ; the handshake follows. */
	if (raise_event(r, sim_thread_time_ps(r->board.sim, boot_cpu) / 1000, lx->ldc_event_up)) {
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
		if (bench_mem_param_is(v->param) && !r->cfg.memory_model) {
			snprintf(err, n,
			         "--set %s: a latency of the memory model, which is off (add "
			         "--memory-model on)",
			         v->param->name);
			return -1;
		}
		if (bench_mem_param_is(v->param)) { /* the memory model's, not the trace's */
			size_t k = (size_t)(v->param - bench_mem_params);
			*(uint32_t *)((char *)&r->mem_over + v->param->offset) = (uint32_t)v->u;
			r->mem_over_mask |= 1u << k;
			continue;
		}
		trace_param_store(&r->m, v);
	}
	return 0;
}

static int add_fault(struct bench_run *r, struct run_fault f, char *err, size_t n)
{
	if (hv_inject(r->board.hv, f.fn, f.cpu, f.status, f.count)) {
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

double bench_run_now_s(void)
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
		snprintf(r->image_shown, sizeof r->image_shown, "%s", rel);
		if (access(r->image, R_OK)) {
			snprintf(err, n,
			         "guest '%s': no %s (build it: make guest GUEST=%s "
			         "[KERNEL_SRC=TARBALL_OR_TREE])",
			         image, r->image, image);
			return -1;
		}
	} else if (image) {
		snprintf(r->image, sizeof r->image, "%s", image);
		snprintf(r->image_shown, sizeof r->image_shown, "%s", image);
	} else {
		sim_default_path("guest/guest.elf", r->image, sizeof r->image);
		snprintf(r->image_shown, sizeof r->image_shown, "guest/guest.elf");
	}
	if (access(r->image, R_OK)) {
		snprintf(err, n, "--guest %s: %s", r->image, strerror(errno));
		return -1;
	}
	return 0;
}

int bench_run_remake_machine(struct bench_run *r, char *err, size_t n)
{
	bench_play_free(r->play);
	r->play = NULL;
	board_free(&r->board);
	bench_mem_free(r->mem); /* after the machine that used its caches */
	r->mem = NULL;
	json_decref(r->hwcaps);
	r->hwcaps = NULL;
	r->patch_sets = r->patched = 0;
	return boot_machine(r, err, n);
}

/* The player and its DS peer, attached to the guest's LDC port (what
 * the guest wrote while booting reaches the peer now). */
int bench_run_play_create(struct bench_run *r, char *err, size_t n)
{
	struct bench_play_ops pops = {.op_due = op_due,
	                              .op_time = op_time,
	                              .op_replied = op_replied,
	                              .data = guest_data,
	                              .fail = play_fail,
	                              .ctx = r};
	if (bench_play_create(r->board.sim, r->board.km, r->irq_tid, r->irq_stack,
	                      r->m.costs.ldc_msg_ns, &pops, &r->play)) {
		snprintf(err, n, "out of memory");
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
	double t0 = bench_run_now_s();
	r->t0 = t0;
	r->cfg = *cfg;
	snprintf(r->trace_path, sizeof r->trace_path, "%s", cfg->trace ? cfg->trace : "");
	r->cfg.trace = r->trace_path;
	/* The trace first: a missing trace is named before anything else. */
	if (trace_load(cfg->trace, &r->trace, &te)) {
		snprintf(err, n, "%s", te.msg);
		goto fail;
	}
	if (resolve_guest(r, err, n) || guest_identity(r, err, n) ||
	    lx_layout_load(r->image, &r->layout, err, n))
		goto fail;
	r->lx = &r->layout;
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
	if (boot_machine(r, err, n))
		goto fail;
	int warm = bench_run_snap_restore(r, err, n);
	if (warm < 0)
		goto fail;
	if (!warm) {
		if (boot_guest(r, err, n) || bench_run_play_create(r, err, n))
			goto fail;
		/* The DS handshake and service registrations complete first:
		 * the scenario's clock starts when the channel is quiet. */
		if (bench_play_run(r->play) || r->failed) {
			snprintf(err, n, "domain services bring-up: %s", r->verdict);
			goto fail;
		}
		bench_run_snap_save(r);
	}
	if (r->cfg.boot_only) { /* the snapshot point */
		*out = r;
		return 0;
	}
	/* The trace's hypercall records and latency model describe its
	 * scenario (a capture starts with the domain up): boot's calls took no
	 * time, and the scenario's are counted from here. */
	hv_set_latency(r->board.hv, hcall_latency, r->trace);
	/* Faults are injected into the scenario, not into boot. */
	if (apply_injections(r, err, n))
		goto fail;
	r->t_base_ns = sim_thread_time_ps(r->board.sim, trace_ds_strand(r->trace)) / 1000;
	for (unsigned c = 0; c < sim_thread_count(r->board.sim); c++)
		if (sim_strand_running(r->board.sim, c) &&
		    sim_thread_time_ps(r->board.sim, c) / 1000 > r->t_base_ns)
			r->t_base_ns = sim_thread_time_ps(r->board.sim, c) / 1000;
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
	if (sim_host_error(r->board.sim)) {
		snprintf(err, n, "%s", sim_host_error(r->board.sim));
		goto fail;
	}
	snapshot(r, &r->snaps[r->nops]);
	for (size_t j = bench_play_released(r->play); j < r->nops; j++)
		r->snaps[j] = r->snaps[r->nops]; /* never sent: no cost */
	r->host_op[r->nops] = bench_run_now_s() - r->t0;
	if (cfg->folded && sim_profile(r->board.sim)) {
		/* Built in memory, then written all or nothing. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int bad = !f || sim_prof_write_folded(sim_profile(r->board.sim), f);
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
	for (size_t i = 0; i < sim_verdict_count(r->board.sim); i++) {
		const struct sim_verdict *v = sim_verdict_get(r->board.sim, i);
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
			r->ops[i].cpus[k].online_ns = bench_run_event_time(
			    r, want, r->ops[i].cpus[k].cpu, r->ops[i].t_request_ns);
	}
	/* Fidelity: the guest's maps against the host computation of the MD
	 * it was handed last (not the trace's last generation: a capture may
	 * end before the hypervisor publishes it). */
	if (r->handed_md) {
		size_t d = bench_run_topo_check(r, r->handed_md, r->handed_len, r->topo_report,
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
	for (unsigned c = 0; c < sim_thread_count(r->board.sim); c++) {
		const struct sim_strand_stats *st = sim_strand_stats(r->board.sim, c);
		if (st)
			r->guest_insns += st->insns;
		if (st && st->insns > 10000000 && getenv("LDOMSIM_DEBUG_THREADS"))
			fprintf(stderr, "thread %u: %llu insns, %llu kmcalls, %llu hcalls\n", c,
			        (unsigned long long)st->insns, (unsigned long long)st->kmcalls,
			        (unsigned long long)st->hcalls);
	}
	r->host_seconds = bench_run_now_s() - t0;
	*out = r;
	return 0;
fail:
	/* The host's failure explains whatever the guest did about it. */
	if (r->board.sim && sim_host_error(r->board.sim))
		snprintf(err, n, "%s", sim_host_error(r->board.sim));
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
	board_free(&r->board);
	bench_mem_free(r->mem); /* after the machine that used its caches */
	trace_free(r->trace);
	json_decref(r->guest);
	json_decref(r->hwcaps);
	free(r);
}

int bench_run_ok(const struct bench_run *r)
{
	return !r->failed;
}

int64_t bench_run_event_time(struct bench_run *r, enum km_event_kind kind, unsigned cpu,
                             uint64_t after)
{
	for (size_t e = 0; e < km_event_count(r->board.km); e++) {
		const struct km_event *ev = km_event_get(r->board.km, e);
		if (ev->kind == kind && ev->cpu == cpu && ev->time_ns >= after)
			return (int64_t)ev->time_ns;
	}
	return -1;
}

void bench_run_print_log(const struct bench_run *r, void *file)
{
	FILE *f = file;
	for (size_t i = 0; i < km_log_count(r->board.km); i++) {
		const struct km_log_line *l = km_log_get(r->board.km, i);
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
	for (unsigned c = 0; c < sim_thread_count(r->board.sim); c++)
		if (sim_strand_running(r->board.sim, c) &&
		    sim_thread_time_ps(r->board.sim, c) / 1000 > t)
			t = sim_thread_time_ps(r->board.sim, c) / 1000;
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
	for (unsigned c = 0; c < sim_thread_count(r->board.sim); c++)
		if (sim_strand_running(r->board.sim, c) &&
		    sim_thread_time_ps(r->board.sim, c) / 1000 > t)
			t = sim_thread_time_ps(r->board.sim, c) / 1000;
	if (bench_play_send(r->play, t + 1000000, bytes, len))
		return -1;
	return bench_play_run(r->play);
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
	hv_set_mdesc(r->board.hv, copy, len);
	r->handed_md = copy;
	r->handed_len = len;
	r->handed_gen = 0;
	return 0;
}

struct sim *bench_run_sim(struct bench_run *r)
{
	return r->board.sim;
}

const char *bench_run_image(const struct bench_run *r)
{
	return r->image;
}
