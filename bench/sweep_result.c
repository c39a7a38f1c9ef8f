/*
 * bench/sweep_result.c — see sweep_result.h.
 */
#include "bench/sweep_result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sweep_io.h"
#include "util/errf.h"
#include "util/stats.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		util_errf(err, n, __VA_ARGS__);                                                    \
		return -1;                                                                         \
	} while (0)

int bench_result_check(const json_t *doc, const char *file, char *err, size_t n)
{
	const json_t *v, *ops, *o, *c;
	size_t i, k;
	if (!json_is_object(doc))
		FAIL("%s: $: expected an object (an ldomsim result)", file);
	if (bench_check_version(doc, file, BENCH_RESULT_FORMAT, BENCH_RESULT_MAJOR, "result", err,
	                        n))
		return -1;
	v = json_object_get(json_object_get(doc, "config"), "shape");
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) >= sizeof(((struct bench_point_key *)0)->shape))
		FAIL("%s: $.config.shape: expected a shape name", file);
	if (!json_is_boolean(json_object_get(doc, "ok")))
		FAIL("%s: $.ok: expected true or false", file);
	if (!json_is_string(json_object_get(doc, "verdict")))
		FAIL("%s: $.verdict: expected a string", file);
	if (!json_is_array(json_object_get(doc, "strands")))
		FAIL("%s: $.strands: expected an array", file);
	json_array_foreach(json_object_get(doc, "strands"), i,
	                   o) if (!bench_is_count(json_object_get(o, "cpu")))
	    FAIL("%s: $.strands[%zu].cpu: expected a cpu number", file, i);
	ops = json_object_get(doc, "operations");
	if (!json_is_array(ops))
		FAIL("%s: $.operations: expected an array", file);
	json_array_foreach(ops, i, o)
	{
		if (!json_is_string(json_object_get(o, "op")))
			FAIL("%s: $.operations[%zu].op: expected a string", file, i);
		v = json_object_get(o, "latency_ns");
		if (v && !bench_is_count(v))
			FAIL("%s: $.operations[%zu].latency_ns: expected a non-negative integer",
			     file, i);
		v = json_object_get(o, "cpus");
		if (v && !json_is_array(v))
			FAIL("%s: $.operations[%zu].cpus: expected an array", file, i);
		json_array_foreach(v, k, c)
		{
			if (!bench_is_count(json_object_get(c, "cpu")))
				FAIL("%s: $.operations[%zu].cpus[%zu].cpu: expected a cpu number",
				     file, i, k);
			const json_t *l = json_object_get(c, "latency_ns");
			if (l && !bench_is_count(l))
				FAIL("%s: $.operations[%zu].cpus[%zu].latency_ns: expected a "
				     "non-negative integer",
				     file, i, k);
		}
	}
	return 0;
}

static int op_is(const json_t *o, const char *name)
{
	return !strcmp(json_string_value(json_object_get(o, "op")), name);
}

const json_t *bench_result_configure(const json_t *doc)
{
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(doc, "operations"), i,
	                   o) if (op_is(o, "configure")) return o;
	return NULL;
}

void bench_result_key(const json_t *doc, struct bench_point_key *k)
{
	const json_t *o, *c, *s;
	size_t i, j, nstrands = 0;
	memset(k, 0, sizeof *k);
	snprintf(k->shape, sizeof k->shape, "%s",
	         json_string_value(json_object_get(json_object_get(doc, "config"), "shape")));
	/* Added: the cpus of every configure request; present: the present
	 * strands the guest reports that were not added. */
	json_array_foreach(json_object_get(doc, "operations"), i, o)
	{
		if (op_is(o, "configure"))
			k->add += (uint32_t)json_array_size(json_object_get(o, "cpus"));
	}
	json_array_foreach(json_object_get(doc, "strands"), j, s)
	{
		json_int_t cpu = json_integer_value(json_object_get(s, "cpu"));
		int added = 0;
		json_array_foreach(json_object_get(doc, "operations"), i, o)
		{
			size_t m;
			if (!op_is(o, "configure"))
				continue;
			json_array_foreach(json_object_get(o, "cpus"), m, c) added |=
			    json_integer_value(json_object_get(c, "cpu")) == cpu;
		}
		nstrands += !added;
	}
	k->present = (uint32_t)nstrands;
}

/* m[prefix + suffix] = v, when v is an integer. */
static void set_int(json_t *m, const char *prefix, const char *suffix, const json_t *v)
{
	char key[160];
	if (!json_is_integer(v))
		return;
	snprintf(key, sizeof key, "%s%s", prefix, suffix);
	json_object_set_new(m, key, json_integer(json_integer_value(v)));
}

/* phases: name -> ns, as phase_NAME_ns. */
static void phases_metrics(json_t *m, const json_t *phases)
{
	const char *name;
	const json_t *v;
	json_object_foreach((json_t *)phases, name, v)
	{
		char key[128];
		snprintf(key, sizeof key, "phase_%s", name);
		set_int(m, key, "_ns", v);
	}
}

/* A cost {ns, insns} as prefix_ns, prefix_insns; or steps name -> {ns,
 * insns} whose first is the whole (run.c: topology_maps, then the steps
 * inside it) as prefix_ns, prefix_insns, then prefix_STEP_ns, ... */
/* The memory model's counts of the request (result 1.4, operations[]
 * "memory"): mem_<kind>_<lN_misses|memory> and mem_stall_ns. */
static void memory_metrics(json_t *m, const json_t *mem)
{
	static const char *const kinds[] = {"reads", "writes", "fetches"};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)json_object_get(mem, kinds[k]), key, v)
		{
			size_t len = strlen(key);
			if (strcmp(key, "memory") && strcmp(key, "accesses") &&
			    (len < 7 || strcmp(key + len - 7, "_misses")))
				continue;
			char prefix[64];
			snprintf(prefix, sizeof prefix, "mem_%s_%s", kinds[k], key);
			set_int(m, prefix, "", v);
		}
	}
	set_int(m, "mem_stall", "_ns", json_object_get(mem, "stall_ns"));
}

static void cost_metrics(json_t *m, const char *prefix, const json_t *cost)
{
	const char *step;
	const json_t *v;
	int first = 1;
	if (json_object_get(cost, "ns")) {
		set_int(m, prefix, "_ns", json_object_get(cost, "ns"));
		set_int(m, prefix, "_insns", json_object_get(cost, "insns"));
		return;
	}
	json_object_foreach((json_t *)cost, step, v)
	{
		char key[128];
		if (first)
			snprintf(key, sizeof key, "%s", prefix);
		else
			snprintf(key, sizeof key, "%s_%s", prefix, step);
		set_int(m, key, "_ns", json_object_get(v, "ns"));
		set_int(m, key, "_insns", json_object_get(v, "insns"));
		/* the memory model's share of _ns (results 1.4, --memory-model on) */
		set_int(m, key, "_mem_stall_ns", json_object_get(v, "mem_stall_ns"));
		first = 0;
	}
}

json_t *bench_result_metrics(const json_t *doc)
{
	json_t *m = json_object();
	const json_t *o, *c, *req = NULL, *md = NULL, *unc = NULL;
	size_t i, k, ncpus = 0, cap = 0;
	int64_t *lat = NULL;
	json_array_foreach(json_object_get(doc, "operations"), i, o)
	{
		const json_t *l = json_object_get(o, "latency_ns");
		if (op_is(o, "configure")) {
			if (l && (!req || json_integer_value(l) > json_integer_value(req)))
				req = l;
			cap += json_array_size(json_object_get(o, "cpus"));
		} else if (op_is(o, "md-update") && !md) {
			md = l;
		} else if (op_is(o, "unconfigure") && l &&
		           (!unc || json_integer_value(l) > json_integer_value(unc))) {
			unc = l;
		}
	}
	lat = cap ? calloc(cap, sizeof *lat) : NULL;
	json_array_foreach(json_object_get(doc, "operations"), i, o)
	{
		if (!op_is(o, "configure") || !lat)
			continue;
		json_array_foreach(json_object_get(o, "cpus"), k, c)
		{
			const json_t *l = json_object_get(c, "latency_ns");
			if (l)
				lat[ncpus++] = json_integer_value(l);
		}
	}
	set_int(m, "request", "_ns", req);
	if (ncpus) {
		static const struct {
			const char *name;
			double p;
		} pct[] = {{"online_min_ns", 0},
		           {"online_p50_ns", 50},
		           {"online_p90_ns", 90},
		           {"online_p99_ns", 99},
		           {"online_max_ns", 100}};
		util_sort_i64(lat, ncpus);
		for (size_t p = 0; p < sizeof pct / sizeof pct[0]; p++)
			json_object_set_new(m, pct[p].name,
			                    json_integer(util_percentile(lat, ncpus, pct[p].p)));
	}
	free(lat);
	set_int(m, "md_update", "_ns", md);
	set_int(m, "unconfigure", "_ns", unc);
	const json_t *cfg = bench_result_configure(doc);
	cost_metrics(m, "topology", json_object_get(cfg, "topology_cost"));
	memory_metrics(m, json_object_get(cfg, "memory"));
	cost_metrics(m, "boot_topology", json_object_get(doc, "boot_topology_cost"));
	const json_t *phases = json_object_get(doc, "phases");
	if (!phases)
		phases = json_object_get(cfg, "phases");
	if (json_is_object(phases))
		phases_metrics(m, phases);
	/* Per function (the result's profile, whole run): guest instructions
	 * including callees, so "which function got slower" between two
	 * guests is a row of compare. */
	const json_t *f;
	json_array_foreach(json_object_get(json_object_get(doc, "profile"), "functions"), i, f)
	{
		const char *fn = json_string_value(json_object_get(f, "fn"));
		char key[160];
		if (!fn)
			continue;
		snprintf(key, sizeof key, "fn_%s", fn);
		set_int(m, key, "_insns", json_object_get(f, "incl_insns"));
	}
	return m;
}
