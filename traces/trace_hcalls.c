/*
 * ldomsim — trace loader: $.hcalls (the hypervisor-call records, indexed by
 * strand) and $.model (the latency distributions).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

#define HV_STATUS_MAX 17 /* EBUSY: highest status the format knows */

enum trace_status trace__load_hcalls(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"strand", "t_ns", "fn",         "name", "args",
	                                   "status", "rets", "latency_ns", NULL};
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT], r[MAX_PATH_TEXT];
	size_t n;

	if ((st = trace__field(ld, root, "$", "hcalls", 1, &arr)) ||
	    (st = trace__want_array(ld, arr, "$.hcalls")))
		return st;
	n = json_array_size(arr);
	if (n > TRACE_MAX_HCALLS)
		return FAIL(ld, TRACE_ERR_RANGE, "$.hcalls", "more than %u records",
		            TRACE_MAX_HCALLS);
	t->hcalls = calloc(n + 1, sizeof(*t->hcalls));
	if (!t->hcalls)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.hcalls", "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i), *a;
		struct trace_hcall *h = &t->hcalls[i];
		const struct trace_hcall_fn_info *fi;
		const char *name;

		trace__index_path(p, "$.hcalls", i);
		t->nhcalls = i + 1;
		h->index = (uint32_t)i;
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__check_keys(ld, e, p, keys)) ||
		    (st = trace__get_u32(ld, e, p, "strand", 0, t->machine.max_cpus - 1,
		                         &h->strand)) ||
		    (st = trace__get_opt_t(ld, e, p, &h->has_t_ns, &h->t_ns)) ||
		    (st = trace__get_u32(ld, e, p, "fn", 0, 0xff, &h->fn)) ||
		    (st = trace__get_str(ld, e, p, "name", 64, &name)))
			return st;
		fi = trace_hcall_fn_by_number(h->fn);
		trace__join(q, p, "fn");
		if (!fi)
			return FAIL(ld, TRACE_ERR_NAME, q, "unknown hypervisor function 0x%x",
			            h->fn);
		trace__join(q, p, "name");
		if (strcmp(fi->name, name))
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "\"%s\" is not the name of function 0x%x (\"%s\")", name, h->fn,
			            fi->name);
		h->name = fi->name;
		trace__join(q, p, "args");
		if ((st = trace__field(ld, e, p, "args", 1, &a)) ||
		    (st = trace__want_array(ld, a, q)))
			return st;
		if (json_array_size(a) > fi->nargs)
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "%s takes at most %u arguments, got %zu", fi->name, fi->nargs,
			            json_array_size(a));
		h->nargs = (uint32_t)json_array_size(a);
		for (size_t k = 0; k < h->nargs; k++) {
			trace__index_path(r, q, k);
			if ((st = trace__reg_of(ld, json_array_get(a, k), r, &h->args[k])))
				return st;
		}
		if ((st = trace__get_uint(ld, e, p, "status", 0, HV_STATUS_MAX, &h->status)))
			return st;
		trace__join(q, p, "rets");
		if ((st = trace__field(ld, e, p, "rets", 1, &a)) ||
		    (st = trace__want_array(ld, a, q)))
			return st;
		if (json_array_size(a) > fi->nrets)
			return FAIL(ld, TRACE_ERR_RANGE, q, "%s returns at most %u values, got %zu",
			            fi->name, fi->nrets, json_array_size(a));
		h->nrets = (uint32_t)json_array_size(a);
		for (size_t k = 0; k < h->nrets; k++) {
			trace__index_path(r, q, k);
			if ((st = trace__reg_of(ld, json_array_get(a, k), r, &h->rets[k])))
				return st;
		}
		if ((st = trace__get_uint(ld, e, p, "latency_ns", 0, 1000000000000ull,
		                          &h->latency_ns)))
			return st;
	}
	return TRACE_OK;
}

/* Index the records by strand and check each strand exists at some point. */
enum trace_status trace__index_hcalls(struct trace_ld *ld)
{
	struct trace *t = ld->t;
	uint32_t max = t->machine.max_cpus;
	uint8_t *seen = calloc(max, 1);
	size_t *fill;
	char p[MAX_PATH_TEXT];

	t->strand_off = calloc((size_t)max + 1, sizeof(size_t));
	t->by_strand = calloc(t->nhcalls + 1, sizeof(*t->by_strand));
	fill = calloc((size_t)max + 1, sizeof(size_t));
	if (!seen || !t->strand_off || !t->by_strand || !fill) {
		free(seen);
		free(fill);
		return FAIL(ld, TRACE_ERR_NOMEM, "$.hcalls", "out of memory");
	}
	for (size_t i = 0; i < t->npresent; i++)
		seen[t->present[i]] = 1;
	for (size_t i = 0; i < t->nops; i++)
		for (uint32_t k = 0; k < t->ops[i].ncpus; k++)
			seen[t->ops[i].cpus[k]] = 1;
	for (size_t i = 0; i < t->nhcalls; i++) {
		if (!seen[t->hcalls[i].strand]) {
			snprintf(p, sizeof(p), "$.hcalls[%zu].strand", i);
			free(seen);
			free(fill);
			return FAIL(ld, TRACE_ERR_CONSISTENCY, p,
			            "strand %u is neither present nor named by any operation",
			            t->hcalls[i].strand);
		}
		t->strand_off[t->hcalls[i].strand + 1]++;
	}
	for (uint32_t s = 0; s < max; s++)
		t->strand_off[s + 1] += t->strand_off[s];
	for (size_t i = 0; i < t->nhcalls; i++) {
		uint32_t s = t->hcalls[i].strand;

		t->by_strand[t->strand_off[s] + fill[s]++] = &t->hcalls[i];
	}
	free(seen);
	free(fill);
	return TRACE_OK;
}

static enum trace_status load_dist(struct trace_ld *ld, json_t *e, const char *p,
                                   struct trace_dist *d)
{
	static const char *const fixed[] = {"dist", "ns", "fn", "name", NULL};
	static const char *const uniform[] = {"dist", "min_ns", "max_ns", "fn", "name", NULL};
	static const char *const lognormal[] = {"dist",   "median_ns", "sigma", "min_ns",
	                                        "max_ns", "fn",        "name",  NULL};
	const char *kind;
	enum trace_status st;
	char q[MAX_PATH_TEXT];
	const uint64_t lim = 1000000000000ull;

	if ((st = trace__want_object(ld, e, p)) ||
	    (st = trace__get_str(ld, e, p, "dist", 16, &kind)))
		return st;
	trace__join(q, p, "dist");
	if (!strcmp(kind, "fixed")) {
		d->kind = TRACE_DIST_FIXED;
		if ((st = trace__check_keys(ld, e, p, fixed)) ||
		    (st = trace__get_uint(ld, e, p, "ns", 0, lim, &d->ns)))
			return st;
	} else if (!strcmp(kind, "uniform")) {
		d->kind = TRACE_DIST_UNIFORM;
		if ((st = trace__check_keys(ld, e, p, uniform)) ||
		    (st = trace__get_uint(ld, e, p, "min_ns", 0, lim, &d->min_ns)) ||
		    (st = trace__get_uint(ld, e, p, "max_ns", d->min_ns, lim, &d->max_ns)))
			return st;
	} else if (!strcmp(kind, "lognormal")) {
		json_t *s;

		d->kind = TRACE_DIST_LOGNORMAL;
		if ((st = trace__check_keys(ld, e, p, lognormal)) ||
		    (st = trace__get_uint(ld, e, p, "median_ns", 1, lim, &d->median_ns)) ||
		    (st = trace__field(ld, e, p, "sigma", 1, &s)))
			return st;
		trace__join(q, p, "sigma");
		if (!json_is_number(s))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected a number");
		d->sigma = json_number_value(s);
		if (!(d->sigma >= 0.0 && d->sigma <= 10.0))
			return FAIL(ld, TRACE_ERR_RANGE, q, "%g is out of range [0, 10]", d->sigma);
		if (json_object_get(e, "min_ns") &&
		    (st = trace__get_uint(ld, e, p, "min_ns", 1, lim, &d->min_ns)))
			return st;
		if (json_object_get(e, "max_ns") &&
		    (st = trace__get_uint(ld, e, p, "max_ns", d->min_ns ? d->min_ns : 1, lim,
		                          &d->max_ns)))
			return st;
	} else {
		return FAIL(ld, TRACE_ERR_NAME, q,
		            "unknown distribution \"%s\" (fixed, uniform, lognormal)", kind);
	}
	return TRACE_OK;
}

enum trace_status trace__load_model(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"seed", "default", "fns", NULL};
	struct trace_model *m = &ld->t->model;
	const char *path = "$.hcall_model";
	json_t *obj, *def, *fns;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = trace__field(ld, root, "$", "hcall_model", 1, &obj)) ||
	    (st = trace__want_object(ld, obj, path)) ||
	    (st = trace__check_keys(ld, obj, path, keys)) ||
	    (st = trace__get_reg(ld, obj, path, "seed", &m->seed)) ||
	    (st = trace__field(ld, obj, path, "default", 1, &def)))
		return st;
	if (json_object_get(def, "fn") || json_object_get(def, "name"))
		return FAIL(ld, TRACE_ERR_FIELD, "$.hcall_model.default",
		            "the default distribution takes no \"fn\" or \"name\"");
	if ((st = load_dist(ld, def, "$.hcall_model.default", &m->def)) ||
	    (st = trace__field(ld, obj, path, "fns", 1, &fns)) ||
	    (st = trace__want_array(ld, fns, "$.hcall_model.fns")))
		return st;
	if (json_array_size(fns) > 256)
		return FAIL(ld, TRACE_ERR_RANGE, "$.hcall_model.fns", "more than 256 entries");
	m->fns = calloc(json_array_size(fns) + 1, sizeof(*m->fns));
	if (!m->fns)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.hcall_model.fns", "out of memory");
	for (size_t i = 0; i < json_array_size(fns); i++) {
		json_t *e = json_array_get(fns, i);
		const struct trace_hcall_fn_info *fi;
		const char *name;
		uint32_t fn;

		trace__index_path(p, "$.hcall_model.fns", i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__get_u32(ld, e, p, "fn", 0, 0xff, &fn)) ||
		    (st = trace__get_str(ld, e, p, "name", 64, &name)))
			return st;
		fi = trace_hcall_fn_by_number(fn);
		trace__join(q, p, "fn");
		if (!fi)
			return FAIL(ld, TRACE_ERR_NAME, q, "unknown hypervisor function 0x%x", fn);
		trace__join(q, p, "name");
		if (strcmp(fi->name, name))
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "\"%s\" is not the name of function 0x%x (\"%s\")", name, fn,
			            fi->name);
		for (size_t k = 0; k < i; k++)
			if (m->fns[k].fn == fn)
				return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
				            "function %s already has a model at "
				            "$.hcall_model.fns[%zu]",
				            name, k);
		m->fns[i].fn = fn;
		m->nfns = i + 1;
		if ((st = load_dist(ld, e, p, &m->fns[i].dist)))
			return st;
	}
	return TRACE_OK;
}
