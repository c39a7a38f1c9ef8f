/*
 * ldomsim — trace loader: $.scenario (operations, interrupts, faults).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

const char *const trace__op_names[] = {"md-update", "configure", "unconfigure", "force-unconfigure",
                                       "status"};

/* An optional 1.1 array of the scenario: NULL if absent. */
static enum trace_status opt_array(struct trace_ld *ld, json_t *sc, const char *key,
                                   const char *path, json_t **out)
{
	*out = json_object_get(sc, key);
	if (!*out)
		return TRACE_OK;
	if (ld->minor < 1)
		return FAIL(ld, TRACE_ERR_FIELD, path,
		            "needs trace format version 1.1 (the file says 1.%u)", ld->minor);
	if (json_array_size(*out) > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, path, "more than %u entries", TRACE_MAX_CPUS);
	return trace__want_array(ld, *out, path);
}

/* $.scenario.interrupts (1.1): [{"devhandle", "devino", "affinity"?, "target"?}]. */
static enum trace_status load_irqs(struct trace_ld *ld, json_t *sc)
{
	static const char *const keys[] = {"devhandle", "devino", "affinity", "target", NULL};
	struct trace *t = ld->t;
	json_t *a;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = opt_array(ld, sc, "interrupts", "$.scenario.interrupts", &a)) || !a)
		return st;
	if (!(t->irqs = calloc(json_array_size(a) + 1, sizeof *t->irqs)))
		return FAIL(ld, TRACE_ERR_NOMEM, "$.scenario.interrupts", "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		struct trace_irq *q_ = &t->irqs[i];
		uint32_t *aff = NULL;

		trace__index_path(p, "$.scenario.interrupts", i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__check_keys(ld, e, p, keys)) ||
		    (st = trace__get_u32(ld, e, p, "devhandle", 0, 7, &q_->devhandle)) ||
		    (st = trace__get_u32(ld, e, p, "devino", 0, 255, &q_->devino)))
			return st;
		t->nirqs = i + 1;
		if (json_object_get(e, "affinity")) {
			if ((st = trace__get_cpus(ld, e, p, "affinity", 1, &aff, &q_->naffinity)))
				return st;
			q_->affinity = aff;
		}
		if (json_object_get(e, "target")) {
			if ((st = trace__get_u32(ld, e, p, "target", 0, t->machine.max_cpus - 1,
			                         &q_->target)))
				return st;
			q_->has_target = 1;
		}
		for (size_t j = 0; j < i; j++)
			if (t->irqs[j].devhandle == q_->devhandle &&
			    t->irqs[j].devino == q_->devino) {
				trace__join(q, p, "devino");
				return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
				            "source %u:%u is already $.scenario.interrupts[%zu]",
				            q_->devhandle, q_->devino, j);
			}
	}
	return TRACE_OK;
}

/* $.scenario.faults (1.1): [{"fn": name, "status", "count"?, "cpu"?}]. */
static enum trace_status load_faults(struct trace_ld *ld, json_t *sc)
{
	static const char *const keys[] = {"fn", "status", "count", "cpu", NULL};
	struct trace *t = ld->t;
	json_t *a;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = opt_array(ld, sc, "faults", "$.scenario.faults", &a)) || !a)
		return st;
	if (!(t->faults = calloc(json_array_size(a) + 1, sizeof *t->faults)))
		return FAIL(ld, TRACE_ERR_NOMEM, "$.scenario.faults", "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		struct trace_fault *f = &t->faults[i];
		const struct trace_hcall_fn_info *info;
		const char *name;
		uint32_t cpu;

		trace__index_path(p, "$.scenario.faults", i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__check_keys(ld, e, p, keys)) ||
		    (st = trace__get_str(ld, e, p, "fn", 64, &name)) ||
		    (st = trace__get_uint(ld, e, p, "status", 1, TRACE_FAULT_STATUS_MAX,
		                          &f->status)))
			return st;
		info = trace_hcall_fn_by_name(name);
		if (!info || info->trap != 0x80) {
			trace__join(q, p, "fn");
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "\"%s\" is not a fast-trap hypervisor call", name);
		}
		f->fn = info->fn;
		f->count = 1;
		f->cpu = -1;
		if (json_object_get(e, "count") &&
		    (st = trace__get_u32(ld, e, p, "count", 1, TRACE_FAULT_COUNT_MAX, &f->count)))
			return st;
		if (json_object_get(e, "cpu")) {
			if ((st =
			         trace__get_u32(ld, e, p, "cpu", 0, t->machine.max_cpus - 1, &cpu)))
				return st;
			f->cpu = (int32_t)cpu;
		}
		t->nfaults = i + 1;
	}
	return TRACE_OK;
}

enum trace_status trace__load_scenario(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"present",    "ds_strand", "ops",
	                                   "interrupts", "faults",    NULL};
	static const char *const md_keys[] = {"t_ns", "op", "req_num", "generation", NULL};
	static const char *const dr_keys[] = {"t_ns", "op", "req_num", "cpus", NULL};
	struct trace *t = ld->t;
	const char *path = "$.scenario";
	json_t *obj, *ops;
	enum trace_status st;
	uint32_t npresent = 0, published = t->mds[0].generation;
	char p[MAX_PATH_TEXT];

	if ((st = trace__field(ld, root, "$", "scenario", 1, &obj)) ||
	    (st = trace__want_object(ld, obj, path)) ||
	    (st = trace__check_keys(ld, obj, path, keys)) ||
	    (st = trace__get_cpus(ld, obj, path, "present", 1, &t->present, &npresent)))
		return st;
	t->npresent = npresent;
	for (size_t i = 1; i < t->npresent; i++)
		if (t->present[i] <= t->present[i - 1]) {
			trace__index_path(p, "$.scenario.present", i);
			return FAIL(
			    ld, TRACE_ERR_RANGE, p,
			    "cpu %u does not follow cpu %u (ids must ascend, no duplicates)",
			    t->present[i], t->present[i - 1]);
		}
	if ((st = trace__get_u32(ld, obj, path, "ds_strand", 0, t->machine.max_cpus - 1,
	                         &t->ds_strand)))
		return st;
	{
		int found = 0;

		for (size_t i = 0; i < t->npresent; i++)
			found |= t->present[i] == t->ds_strand;
		if (!found)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, "$.scenario.ds_strand",
			            "strand %u is not in $.scenario.present", t->ds_strand);
	}
	if ((st = trace__field(ld, obj, path, "ops", 1, &ops)) ||
	    (st = trace__want_array(ld, ops, "$.scenario.ops")))
		return st;
	if (json_array_size(ops) > TRACE_MAX_OPS)
		return FAIL(ld, TRACE_ERR_RANGE, "$.scenario.ops", "more than %u operations",
		            TRACE_MAX_OPS);
	t->ops = calloc(json_array_size(ops) + 1, sizeof(*t->ops));
	t->op_request = calloc(json_array_size(ops) + 1, sizeof(*t->op_request));
	if (!t->ops || !t->op_request)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.scenario.ops", "out of memory");
	for (size_t i = 0; i < json_array_size(ops); i++) {
		json_t *e = json_array_get(ops, i);
		struct trace_op *op = &t->ops[i];
		const char *name;
		size_t k;

		trace__index_path(p, "$.scenario.ops", i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__get_str(ld, e, p, "op", 32, &name)))
			return st;
		for (k = 0; k < sizeof(trace__op_names) / sizeof(trace__op_names[0]); k++)
			if (!strcmp(trace__op_names[k], name))
				break;
		if (k == sizeof(trace__op_names) / sizeof(trace__op_names[0])) {
			char q[MAX_PATH_TEXT];

			trace__join(q, p, "op");
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "unknown operation \"%s\" (md-update, configure, unconfigure, "
			            "force-unconfigure, status)",
			            name);
		}
		op->kind = (enum trace_op_kind)k;
		t->nops = i + 1;
		if ((st = trace__check_keys(ld, e, p,
		                            k == TRACE_OP_MD_UPDATE ? md_keys : dr_keys)) ||
		    (st = trace__get_uint(ld, e, p, "t_ns", 0, TRACE_T_NS_MAX, &op->t_ns)) ||
		    (st = trace__get_uint(ld, e, p, "req_num", 0, INT64_MAX, &op->req_num)))
			return st;
		if (k == TRACE_OP_MD_UPDATE) {
			char q[MAX_PATH_TEXT];

			if ((st = trace__get_u32(ld, e, p, "generation", 1, UINT32_MAX,
			                         &op->generation)))
				return st;
			trace__join(q, p, "generation");
			if (trace__find_gen(t, op->generation) < 0)
				return FAIL(ld, TRACE_ERR_REF, q, "MD generation %u is not in $.md",
				            op->generation);
			if (op->generation <= published)
				return FAIL(
				    ld, TRACE_ERR_CONSISTENCY, q,
				    "generation %u does not follow the generation %u already "
				    "published (generations only grow)",
				    op->generation, published);
			published = op->generation;
		} else {
			uint32_t *cpus;

			if ((st = trace__get_cpus(ld, e, p, "cpus", k == TRACE_OP_STATUS ? 0 : 1,
			                          &cpus, &op->ncpus)))
				return st;
			op->cpus = cpus;
		}
		if (i > 0 && op->t_ns < t->ops[i - 1].t_ns) {
			char q[MAX_PATH_TEXT];

			trace__join(q, p, "t_ns");
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "%llu is earlier than the previous operation's %llu",
			            (unsigned long long)op->t_ns,
			            (unsigned long long)t->ops[i - 1].t_ns);
		}
		for (size_t j = 0; j < i; j++)
			if (t->ops[j].req_num == op->req_num) {
				char q[MAX_PATH_TEXT];

				trace__join(q, p, "req_num");
				return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
				            "req_num %llu is already used by $.scenario.ops[%zu]",
				            (unsigned long long)op->req_num, j);
			}
	}
	if ((st = load_irqs(ld, obj)) || (st = load_faults(ld, obj)))
		return st;
	return TRACE_OK;
}
