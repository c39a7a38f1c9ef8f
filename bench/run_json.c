/*
 * bench/run_json.c — the result document of a run (bench/result.schema.json):
 * its configuration, the operations with their latencies and phases, the
 * guest's masks and topology maps, interrupts, faults, hypercalls, the
 * profile, and the host time the run took.
 */
#include "bench/run.h"

#include "bench/play.h"
#include "bench/run_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hv/hv.h"
#include "kernel-model/km.h"
#include "sim/image.h"
#include "sim/profile.h"
#include "sim/sim.h"
#include "sim/tunables.h"
#include "traces/trace.h"
#include "util/stats.h"

/* The phases of a request on the master's timeline (run_impl.h). */
const struct phase_def bench_run_phase_defs[] = {
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
_Static_assert(sizeof bench_run_phase_defs / sizeof bench_run_phase_defs[0] == BENCH_RUN_NPHASES,
               "BENCH_RUN_NPHASES counts the phases");

static json_t *domain_json(struct bench_run *r)
{
	const struct sim_power_off *p = sim_power_state(r->board.sim);
	const struct km_halt *h = km_halt_state(r->board.km);
	char why[1024];
	if (!p)
		return json_pack("{ss}", "state", "running");
	bench_run_domain_reason(r, why, sizeof why);
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
	for (size_t i = 0; i < km_obp_call_count(r->board.km); i++) {
		const struct km_obp_call *o = km_obp_call_get(r->board.km, i);
		char text[300];
		bench_run_obp_finding_text(o, text, sizeof text);
		json_array_append_new(a,
		                      json_pack("{sssssssisIss}", "kind", "obp-call", "fn", o->fn,
		                                "caller", o->caller, "cpu", (int)o->cpu, "time_ns",
		                                (json_int_t)o->time_ns, "text", text));
	}
	return a;
}

static json_t *faults_json(struct bench_run *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct run_fault *f = &r->faults[i];
		const char *name = hv_fn_name(0x80, f->fn);
		json_t *o = json_pack("{sssIsIsIss}", "fn", name ? name : "?", "status",
		                      (json_int_t)f->status, "count", (json_int_t)f->count, "fired",
		                      (json_int_t)hv_inject_fired(r->board.hv, (unsigned)i), "from",
		                      f->from_trace ? "trace" : "--inject");
		json_object_set_new(o, "cpu", f->cpu < 0 ? json_null() : json_integer(f->cpu));
		json_array_append_new(a, o);
	}
	return a;
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
	const struct lx_layout *lx = r->lx;
	uint32_t *ids = malloc(lx->nr_cpus * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return json_null();
	for (unsigned c = 0; c < lx->nr_cpus; c++)
		if (km_cpumask_test(r->board.km, mask_va, c))
			ids[n++] = c;
	json_t *j = cpu_list(ids, n);
	free(ids);
	return j;
}

/* The strands the hypervisor has running (CPU_START'ed, not stopped). */
static json_t *hv_running_mask(struct bench_run *r)
{
	const struct lx_layout *lx = r->lx;
	uint32_t *ids = malloc(lx->nr_cpus * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return json_null();
	for (unsigned c = 0; c < lx->nr_cpus; c++)
		if (hv_cpu_running(r->board.hv, c))
			ids[n++] = c;
	json_t *j = cpu_list(ids, n);
	free(ids);
	return j;
}

static json_t *irqs_json(struct bench_run *r)
{
	const struct lx_layout *lx = r->lx;
	json_t *a = json_array();
	uint32_t *ids = malloc(lx->nr_cpus * sizeof *ids);
	for (size_t i = 0; i < r->nirqs && ids; i++) {
		const struct run_irq *q = &r->irqs[i];
		uint64_t target = 0;
		unsigned retargets = 0;
		size_t nids = 0;
		hv_intr_target(r->board.hv, q->devhandle, q->devino, &target, &retargets);
		for (unsigned c = 0; c < lx->nr_cpus && !q->all; c++)
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
		                    json_boolean(hv_cpu_running(r->board.hv, (unsigned)target)));
		json_array_append_new(a, o);
	}
	free(ids);
	return a;
}

/* Per present strand, what the guest's real code left in guest memory. */
static json_t *strands_json(struct bench_run *r)
{
	const struct lx_layout *lx = r->lx;
	json_t *arr = json_array();
	uint64_t present, maps[4];
	static const char *const names[4] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
	                                     "cpu_core_sib_cache_map"};
	if (sim_sym(r->board.sim, "__cpu_present_mask", &present))
		return arr;
	for (int m = 0; m < 4; m++)
		if (sim_sym(r->board.sim, names[m], &maps[m]))
			return arr;
	for (unsigned c = 0; c < lx->nr_cpus; c++) {
		if (!km_cpumask_test(r->board.km, present, c))
			continue;
		struct km_cpu_ids g;
		if (km_cpu_ids(r->board.km, c, &g))
			continue;
		json_t *o =
		    json_pack("{sIsIsIsIsI}", "cpu", (json_int_t)c, "core_id",
		              (json_int_t)g.core_id, "proc_id", (json_int_t)g.proc_id, "sock_id",
		              (json_int_t)g.sock_id, "max_cache_id", (json_int_t)g.max_cache_id);
		for (int m = 0; m < 4; m++) {
			uint64_t va = m == 0 ? maps[0] + km_per_cpu_offset(r->board.km, c)
			                     : maps[m] + (uint64_t)c * lx->cpumask_size;
			json_object_set_new(o, names[m], guest_mask(r, va));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *hcalls_json(struct bench_run *r)
{
	json_t *by = json_object();
	const struct hv *hv = r->board.hv;
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

/* Per-cpu phases of a bring-up, from the events and the CPU_START call:
 * prepare (cpuhp + idle + descriptor, master), cpu_start (the hypercall),
 * trampoline (hv_cpu_startup and smp_callin until callin_flag, new
 * strand), callin_poll (until online: the master's udelay(100) polling
 * and the commenced hand-off), online_wait (the master's spin on
 * cpu_online and the cpuhp online states). */
static json_t *cpu_phases(struct bench_run *r, unsigned cpu, uint64_t after, int64_t *callin_wait)
{
	int64_t up = bench_run_event_time(r, KM_EV_CPU_UP_START, cpu, after);
	int64_t callin = bench_run_event_time(r, KM_EV_CPU_CALLIN, cpu, after);
	int64_t online = bench_run_event_time(r, KM_EV_CPU_ONLINE, cpu, after);
	int64_t done = bench_run_event_time(r, KM_EV_CPU_UP_DONE, cpu, after);
	const struct hv *hv = r->board.hv;
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
	int64_t start = bench_run_event_time(r, KM_EV_CPU_DOWN_START, cpu, after);
	int64_t offline = bench_run_event_time(r, KM_EV_CPU_OFFLINE, cpu, after);
	int64_t done = bench_run_event_time(r, KM_EV_CPU_DOWN_DONE, cpu, after);
	const struct hv *hv = r->board.hv;
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
	for (size_t e = 0; e < km_event_count(r->board.km); e++) {
		const struct km_event *ev = km_event_get(r->board.km, e);
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
	if (!sim_profile(r->board.sim))
		return json_null();
	json_t *o = json_object();
	for (size_t i = 0; i < BENCH_RUN_NPHASES; i++) {
		uint64_t ps = b->ps[i] - a->ps[i], in = b->insns[i] - a->insns[i];
		if (with_insns && r->mem) { /* the memory time split out */
			uint64_t st = b->pmem[i].stall_ps - a->pmem[i].stall_ps;
			json_object_set_new(
			    o, bench_run_phase_defs[i].name,
			    json_pack("{sIsIsIso}", "ns", (json_int_t)(ps / 1000), "insns",
			              (json_int_t)in, "mem_stall_ns", (json_int_t)(st / 1000),
			              "memory",
			              bench_mem_counts_json(r->mem, a->pmem[i].served,
			                                    b->pmem[i].served, st)));
		} else if (with_insns)
			json_object_set_new(o, bench_run_phase_defs[i].name,
			                    json_pack("{sIsI}", "ns", (json_int_t)(ps / 1000),
			                              "insns", (json_int_t)in));
		else
			json_object_set_new(o, bench_run_phase_defs[i].name,
			                    json_integer((json_int_t)(ps / 1000)));
	}
	return o;
}

static json_t *fn_rows(const struct bench_mem *mem, struct sim_prof_fn *f, size_t n, size_t top)
{
	static const uint64_t zero[CACHE_NKINDS][CACHE_MAX_LEVELS + 1];
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < top; i++) {
		json_t *row = json_pack(
		    "{sssIsIsIsIsI}", "fn", f[i].name, "calls", (json_int_t)f[i].calls,
		    "self_insns", (json_int_t)f[i].self_insns, "incl_insns",
		    (json_int_t)f[i].incl_insns, "self_ns", (json_int_t)(f[i].self_ps / 1000),
		    "incl_ns", (json_int_t)(f[i].incl_ps / 1000));
		if (mem) /* the memory model: what its accesses did, inclusive */
			json_object_set_new(row, "memory",
			                    bench_mem_counts_json(mem, zero, f[i].incl_mem.served,
			                                          f[i].incl_mem.stall_ps));
		json_array_append_new(arr, row);
	}
	return arr;
}

/* The profile: the top functions over all threads, then per strand
 * (thread that ran guest code) its top functions. */
static json_t *profile_json(struct bench_run *r, size_t top)
{
	struct sim_prof *p = sim_profile(r->board.sim);
	struct sim_prof_fn *f;
	size_t n = sim_prof_functions(p, &f);
	json_t *root = json_object(), *threads = json_object();
	json_object_set_new(root, "functions", fn_rows(r->mem, f, n, top));
	free(f);
	for (unsigned t = 0; t < sim_thread_count(r->board.sim); t++) {
		if (!sim_prof_thread_ran(p, t))
			continue;
		n = sim_prof_thread_functions(p, (int)t, &f);
		const char *label = sim_prof_thread_label_of(p, t);
		char key[64];
		snprintf(key, sizeof key, "%s", label[0] ? label : "thread");
		if (json_object_get(threads, key))
			snprintf(key, sizeof key, "%s#%u", label[0] ? label : "thread", t);
		/* per thread without the memory counts: the whole run's rows
		 * carry them (results stay small) */
		json_object_set_new(threads, key, fn_rows(NULL, f, n, top / 4 ? top / 4 : 1));
		free(f);
	}
	json_object_set_new(root, "threads", threads);
	return root;
}

void *bench_run_json(struct bench_run *r, int with_log)
{
	const struct lx_layout *lx = r->lx;
	const struct trace_machine *m = &r->m;
	json_t *root = json_object(), *cfg = json_object(), *ops = json_array();
	json_object_set_new(root, "format", json_string(BENCH_RESULT_FORMAT));
	json_object_set_new(root, "version",
	                    json_pack("[ii]", BENCH_RESULT_MAJOR, BENCH_RESULT_MINOR));
	json_object_set_new(cfg, "trace", json_string(r->cfg.trace));
	json_object_set_new(cfg, "trace_sha256", json_string(trace_sha256_hex(r->trace)));
	json_object_set_new(cfg, "guest_image", json_string(r->image_shown));
	json_object_set_new(cfg, "guest", r->guest ? json_incref(r->guest) : json_null());
	json_object_set_new(cfg, "kernel_version", json_string(lx->kernel_version));
	json_object_set_new(cfg, "hwcaps", r->hwcaps ? json_incref(r->hwcaps) : json_array());
	json_object_set_new(cfg, "code_patches",
	                    json_pack("{sbsbsi}", "popc", !!(r->patch_sets & SIM_PATCH_POPC),
	                              "pause", !!(r->patch_sets & SIM_PATCH_PAUSE), "instructions",
	                              (int)r->patched));
	json_object_set_new(cfg, "unicorn_version", json_string(sim_unicorn_version(r->board.sim)));
	json_object_set_new(cfg, "shape", json_string(m->shape));
	json_object_set_new(cfg, "cpi", json_real(m->cpi));
	json_object_set_new(cfg, "memory_model", bench_mem_config_json(r->mem));
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
		json_array_append_new(
		    irqs, json_string(bench_run_irq_spec(&r->cfg.irq[i], sb, sizeof sb)));
	}
	json_object_set_new(cfg, "irq", irqs);
	json_object_set_new(cfg, "insn_budget", json_integer((json_int_t)r->cfg.insn_budget));
	json_object_set_new(cfg, "ram_size", json_integer((json_int_t)r->cfg.ram_size));
	json_object_set_new(root, "config", cfg);
	json_object_set_new(root, "ok", json_boolean(!r->failed));
	json_object_set_new(root, "verdict", json_string(r->failed ? r->verdict : "ok"));
	if (sim_power_state(r->board.sim)) /* 1.x: only when the domain stopped */
		json_object_set_new(root, "domain", domain_json(r));
	if (km_obp_call_count(r->board.km))
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
		/* The memory model: what every thread's accesses did from this
		 * request's delivery to the next one's (or the end). */
		if (r->mem)
			json_object_set_new(jo, "memory",
			                    bench_mem_counts_json(r->mem, r->snaps[i].mem,
			                                          r->snaps[i + 1].mem,
			                                          r->snaps[i + 1].mem_stall_ps -
			                                              r->snaps[i].mem_stall_ps));
		json_array_append_new(ops, jo);
	}
	json_object_set_new(root, "scenario_start_ns", json_integer((json_int_t)r->t_base_ns));
	json_object_set_new(root, "operations", ops);
	uint64_t online;
	if (!sim_sym(r->board.sim, "__cpu_online_mask", &online))
		json_object_set_new(root, "online_mask", guest_mask(r, online));
	uint64_t present;
	if (!sim_sym(r->board.sim, "__cpu_present_mask", &present))
		json_object_set_new(root, "present_mask", guest_mask(r, present));
	json_object_set_new(root, "hv_running_mask", hv_running_mask(r));
	json_object_set_new(root, "strands", strands_json(r));
	json_object_set_new(root, "interrupts", irqs_json(r));
	/* Injected faults and how many calls each failed: a run whose every
	 * request was answered can still have run degraded. */
	json_object_set_new(root, "faults", faults_json(r));
	json_object_set_new(root, "hcalls", hcalls_json(r));
	json_object_set_new(root, "boot_topology_cost",
	                    sim_profile(r->board.sim)
	                        ? json_pack("{sIsI}", "ns", (json_int_t)(r->boot_topo_ps / 1000),
	                                    "insns", (json_int_t)r->boot_topo_insns)
	                        : json_null());
	json_object_set_new(root, "profile",
	                    sim_profile(r->board.sim) ? profile_json(r, 40) : json_null());
	json_object_set_new(root, "topology",
	                    json_pack("{sIsssIsbsIss}", "differences", (json_int_t)r->topo_diffs,
	                              "report", r->topo_report, "generation",
	                              (json_int_t)r->handed_gen, "host_refused", r->topo_refused,
	                              "stale_bits", (json_int_t)r->topo_stale, "stale_report",
	                              r->topo_stale_report));
	if (with_log) {
		json_t *log = json_array();
		for (size_t i = 0; i < km_log_count(r->board.km); i++) {
			const struct km_log_line *l = km_log_get(r->board.km, i);
			json_array_append_new(log, json_pack("{sIsIss}", "t_ns",
			                                     (json_int_t)l->time_ns, "cpu",
			                                     (json_int_t)l->cpu, "text", l->text));
		}
		json_object_set_new(root, "log", log);
	}
	/* Host time: the only place it appears. */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* Per host second: what this process executed (a restored boot's
	 * instructions count in guest_insns, as a cold run's do). */
	uint64_t ran = r->guest_insns - r->snap_insns;
	json_t *simu = json_pack("{sfsIsfsI}", "host_seconds", r->host_seconds, "guest_insns",
	                         (json_int_t)r->guest_insns, "guest_insns_per_second",
	                         r->host_seconds > 0 ? ran / r->host_seconds : 0.0, "peak_rss_kib",
	                         (json_int_t)ru.ru_maxrss);
	json_t *hp = json_array();
	for (size_t i = 0; i < r->nops; i++)
		json_array_append_new(hp, json_real(r->host_op[i + 1] - r->host_op[i]));
	/* CPU time (user + system): steadier than wall time on a loaded or
	 * virtual machine, whose stolen time it leaves out. */
	json_object_set_new(simu, "cpu_seconds",
	                    json_real((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	                              (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6));
	json_object_set_new(simu, "host_seconds_boot", json_real(r->host_op[0]));
	json_object_set_new(simu, "host_seconds_per_operation", hp);
	/* Boot snapshots: hit (restored), miss (booted, then saved), off. */
	json_object_set_new(simu, "snapshot", json_string(bench_snap_status_name(r->snap)));
	if (r->snap != BENCH_SNAP_OFF) {
		json_object_set_new(simu, "snapshot_key", json_string(r->snap_key));
		json_object_set_new(simu, "snapshot_bytes",
		                    json_integer((json_int_t)r->snap_bytes));
		if (r->snap == BENCH_SNAP_HIT)
			json_object_set_new(simu, "guest_insns_restored",
			                    json_integer((json_int_t)r->snap_insns));
		json_object_set_new(
		    simu, r->snap == BENCH_SNAP_HIT ? "host_seconds_restore" : "host_seconds_save",
		    json_real(r->snap_seconds));
	}
	if (r->snap_note[0])
		json_object_set_new(simu, "snapshot_note", json_string(r->snap_note));
	json_object_set_new(root, "simulator", simu);
	return root;
}
