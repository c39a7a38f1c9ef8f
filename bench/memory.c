/*
 * bench/memory.c — see memory.h.
 */
#include "bench/memory.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "sim/sim.h"
#include "traces/md_cache.h"
#include "util/ser.h"

#define MEMP(f, unit, lo, hi)                                                                      \
	{                                                                                          \
#f, unit, TRACE_PARAM_U64, offsetof(struct md_shape_mem, f), lo, hi                \
	}
const struct trace_param bench_mem_params[BENCH_MEM_NPARAMS] = {
    MEMP(l1_cycles, "cycles", 1, 1000),
    MEMP(l2_cycles, "cycles", 1, 10000),
    MEMP(l3_cycles, "cycles", 1, 10000),
    MEMP(mem_ns, "ns", 1, 100000),
};
#undef MEMP

/* Latencies when neither the shape nor --set gives one (the T1 default
 * hierarchy's; an L3 only an MD of an unknown shape declares: est.). */
static const struct md_shape_mem default_lat = {3, 22, 40, 110};

const struct trace_param *bench_mem_param_by_name(const char *name)
{
	for (size_t i = 0; i < BENCH_MEM_NPARAMS; i++)
		if (!strcmp(bench_mem_params[i].name, name))
			return &bench_mem_params[i];
	return NULL;
}

int bench_mem_param_is(const struct trace_param *p)
{
	return p >= bench_mem_params && p < bench_mem_params + BENCH_MEM_NPARAMS;
}

struct bench_mem {
	unsigned depth[2];     /* longest data, instruction path */
	struct md_caches *mc;  /* NULL: the default hierarchy */
	struct cache **caches; /* by instance */
	struct md_cache_inst *inst;
	size_t ncaches;
	struct md_shape_mem lat; /* resolved */
	uint32_t mem_cycles;     /* mem_ns at the strand clock */
	const char *lat_from;    /* "shape t2" or "default" */
	char shape[32];
};

void bench_mem_free(struct bench_mem *bm)
{
	if (!bm)
		return;
	for (size_t i = 0; i < bm->ncaches; i++)
		cache_free(bm->caches[i]);
	free(bm->caches);
	free(bm->inst);
	md_caches_free(bm->mc);
	free(bm);
}

static uint32_t *lat_field(struct md_shape_mem *l, const struct trace_param *p)
{
	return (uint32_t *)((char *)l + p->offset);
}

static const char *kind_name(enum md_cache_kind k)
{
	return k == MD_CACHE_INSTN ? "instruction" : k == MD_CACHE_DATA ? "data" : "unified";
}

/* A cache of instance d: level 1 data caches write through without
 * write-allocate (every sun4v processor ldomsim models: T1/T2 L1D, the
 * S3 and M7/M8 cores' L1D), every other level writes back and allocates. */
static int make_cache(const struct md_cache_inst *d, struct cache **out)
{
	int l1d = d->level == 1 && (d->kind & MD_CACHE_DATA);
	struct cache_geom g = {d->size, d->line_size, d->associativity, l1d, !l1d};
	return cache_create(&g, out);
}

/* The default hierarchy's instances: per core an L1I and an L1D, one L2. */
static int default_hierarchy(struct bench_mem *bm, uint32_t max_cpus, uint32_t per_core)
{
	uint32_t cores = (max_cpus + per_core - 1) / per_core;
	bm->ncaches = 2 * (size_t)cores + 1;
	if (!(bm->inst = calloc(bm->ncaches, sizeof *bm->inst)))
		return -1;
	for (uint32_t c = 0; c < cores; c++) {
		bm->inst[2 * c] = (struct md_cache_inst){1, MD_CACHE_INSTN, 16384, 32, 4, 0, 0};
		bm->inst[2 * c + 1] = (struct md_cache_inst){1, MD_CACHE_DATA, 8192, 16, 4, 0, 0};
	}
	bm->inst[2 * (size_t)cores] =
	    (struct md_cache_inst){2, MD_CACHE_UNIFIED, 3u << 20, 64, 12, 0, 0};
	return 0;
}

static uint32_t level_lat(const struct bench_mem *bm, uint32_t level)
{
	return level == 1 ? bm->lat.l1_cycles : level == 2 ? bm->lat.l2_cycles : bm->lat.l3_cycles;
}

/* One cpu's path of kind: the caches and the latency of each level served
 * (memory last). */
static void fill_path(struct bench_mem *bm, int insn, const uint32_t *idx, size_t k,
                      struct cache_path *p, uint32_t *lat)
{
	if (k > bm->depth[insn])
		bm->depth[insn] = (unsigned)k;
	p->nlevels = (unsigned)k;
	for (size_t i = 0; i < k; i++) {
		p->level[i] = bm->caches[idx[i]];
		lat[i] = level_lat(bm, bm->inst[idx[i]].level);
	}
	lat[k] = bm->mem_cycles;
}

int bench_mem_create(struct sim *s, const struct md *const *mds, size_t nmds, uint32_t max_cpus,
                     const struct trace_machine *m, const struct md_shape_mem *over,
                     unsigned over_mask, struct bench_mem **out, char *err, size_t n)
{
	struct bench_mem *bm = calloc(1, sizeof *bm);
	struct sim_mem_cpu *cpus = calloc(max_cpus ? max_cpus : 1, sizeof *cpus);
	struct md_err me;
	*out = NULL;
	if (!bm || !cpus) {
		snprintf(err, n, "out of memory (memory model)");
		goto fail;
	}
	snprintf(bm->shape, sizeof bm->shape, "%s", m->shape);
	/* Latencies: the shape's, else the default; then --set. */
	struct md_shape *shape;
	bm->lat = default_lat;
	bm->lat_from = "default";
	if (md_shape_get(m->shape, &shape, &me) == MD_OK) {
		const struct md_shape_mem *sl = md_shape_mem(shape);
		bm->lat.l1_cycles = sl->l1_cycles;
		bm->lat.l2_cycles = sl->l2_cycles ? sl->l2_cycles : default_lat.l2_cycles;
		bm->lat.l3_cycles = sl->l3_cycles ? sl->l3_cycles : default_lat.l3_cycles;
		bm->lat.mem_ns = sl->mem_ns;
		bm->lat_from = "shape";
		md_shape_free(shape);
	}
	for (size_t i = 0; i < BENCH_MEM_NPARAMS; i++)
		if (over_mask & (1u << i))
			*lat_field(&bm->lat, &bench_mem_params[i]) =
			    *lat_field((struct md_shape_mem *)over, &bench_mem_params[i]);
	bm->mem_cycles = (uint32_t)ceil((double)bm->lat.mem_ns * (double)m->clock_hz / 1e9);

	/* The hierarchy: the MDs', else the default. */
	if (md_caches_build(mds, nmds, max_cpus, &bm->mc, &me) != MD_OK) {
		snprintf(err, n, "memory model: %s", me.msg);
		goto fail;
	}
	if (md_caches_count(bm->mc)) {
		bm->ncaches = md_caches_count(bm->mc);
		if (!(bm->inst = malloc(bm->ncaches * sizeof *bm->inst))) {
			snprintf(err, n, "out of memory (memory model)");
			goto fail;
		}
		for (size_t i = 0; i < bm->ncaches; i++)
			bm->inst[i] = *md_caches_at(bm->mc, i);
	} else {
		md_caches_free(bm->mc);
		bm->mc = NULL;
		if (default_hierarchy(bm, max_cpus, m->strands_per_core)) {
			snprintf(err, n, "out of memory (memory model)");
			goto fail;
		}
	}
	if (!(bm->caches = calloc(bm->ncaches, sizeof *bm->caches))) {
		snprintf(err, n, "out of memory (memory model)");
		goto fail;
	}
	for (size_t i = 0; i < bm->ncaches; i++) {
		int rc = make_cache(&bm->inst[i], &bm->caches[i]);
		if (rc) {
			const struct md_cache_inst *d = &bm->inst[i];
			snprintf(
			    err, n,
			    "memory model: MD generation %u, element %llu (node 'cache', level "
			    "%u): size %llu, line-size %u, associativity %u: %s",
			    d->generation + 1, (unsigned long long)d->elem, d->level,
			    (unsigned long long)d->size, d->line_size, d->associativity,
			    cache_strerror(rc));
			goto fail;
		}
	}
	for (uint32_t c = 0; c < max_cpus; c++) {
		uint32_t idx[MD_CACHE_MAX_LEVELS];
		size_t k;
		if (bm->mc) {
			k = md_caches_path(bm->mc, c, MD_CACHE_DATA, idx);
			fill_path(bm, 0, idx, k, &cpus[c].data, cpus[c].data_lat);
			k = md_caches_path(bm->mc, c, MD_CACHE_INSTN, idx);
			fill_path(bm, 1, idx, k, &cpus[c].insn, cpus[c].insn_lat);
		} else {
			uint32_t core = c / m->strands_per_core;
			idx[1] = (uint32_t)bm->ncaches - 1;
			idx[0] = 2 * core + 1;
			fill_path(bm, 0, idx, 2, &cpus[c].data, cpus[c].data_lat);
			idx[0] = 2 * core;
			fill_path(bm, 1, idx, 2, &cpus[c].insn, cpus[c].insn_lat);
		}
	}
	if (sim_memory_model(s, cpus)) {
		snprintf(err, n, "memory model: the machine refused it (strands already started)");
		goto fail;
	}
	free(cpus);
	*out = bm;
	return 0;
fail:
	free(cpus);
	bench_mem_free(bm);
	return -1;
}

json_t *bench_mem_config_json(const struct bench_mem *bm)
{
	if (!bm)
		return json_pack("{sb}", "enabled", 0);
	/* The caches grouped by level, kind and geometry, with instances. */
	json_t *caches = json_array();
	for (size_t i = 0; i < bm->ncaches; i++) {
		const struct md_cache_inst *d = &bm->inst[i];
		size_t same = 0, first = 1;
		for (size_t j = 0; j < bm->ncaches; j++) {
			const struct md_cache_inst *e = &bm->inst[j];
			if (e->level == d->level && e->kind == d->kind && e->size == d->size &&
			    e->line_size == d->line_size && e->associativity == d->associativity) {
				same++;
				if (j < i)
					first = 0;
			}
		}
		if (!first)
			continue;
		int l1d = d->level == 1 && (d->kind & MD_CACHE_DATA);
		json_array_append_new(
		    caches, json_pack("{sisssIsisisIss}", "level", (int)d->level, "kind",
		                      kind_name(d->kind), "size", (json_int_t)d->size, "line_size",
		                      (int)d->line_size, "associativity", (int)d->associativity,
		                      "instances", (json_int_t)same, "write",
		                      l1d ? "through, no allocate" : "back, allocate"));
	}
	return json_pack(
	    "{sbsssososss{sisisisisi}ss}", "enabled", 1, "hierarchy", bm->mc ? "md" : "default",
	    "note", bm->mc ? json_null() : json_string(BENCH_MEM_DEFAULT_NOTE), "caches", caches,
	    "latency_from", bm->lat_from, "latency", "l1_cycles", (int)bm->lat.l1_cycles,
	    "l2_cycles", (int)bm->lat.l2_cycles, "l3_cycles", (int)bm->lat.l3_cycles, "mem_ns",
	    (int)bm->lat.mem_ns, "mem_cycles", (int)bm->mem_cycles, "policy",
	    "LRU in every set; a load or fetch served by level i stalls its strand lat[i] - "
	    "lat[L1] cycles; stores retire into the store buffer (counted, no stall)");
}

unsigned bench_mem_depth(const struct bench_mem *bm, enum md_cache_kind kind)
{
	return bm ? bm->depth[kind == MD_CACHE_INSTN] : 0;
}

json_t *bench_mem_counts_json(const struct bench_mem *bm,
                              const uint64_t a[CACHE_NKINDS][CACHE_MAX_LEVELS + 1],
                              const uint64_t b[CACHE_NKINDS][CACHE_MAX_LEVELS + 1],
                              uint64_t stall_ps)
{
	static const char *const kinds[CACHE_NKINDS] = {"reads", "writes", "fetches"};
	json_t *o = json_object();
	for (int k = 0; k < CACHE_NKINDS; k++) {
		unsigned depth =
		    bench_mem_depth(bm, k == CACHE_FETCH ? MD_CACHE_INSTN : MD_CACHE_DATA);
		json_t *c = json_object();
		uint64_t total = 0, beyond;
		for (unsigned l = 0; l <= depth; l++)
			total += b[k][l] - a[k][l];
		json_object_set_new(c, "accesses", json_integer((json_int_t)total));
		beyond = total;
		/* served by level l; misses of level l: served beyond it */
		for (unsigned l = 0; l <= depth; l++) {
			char key[32];
			uint64_t v = b[k][l] - a[k][l];
			if (l < depth)
				snprintf(key, sizeof key, "l%u", l + 1);
			else
				snprintf(key, sizeof key, "memory");
			json_object_set_new(c, key, json_integer((json_int_t)v));
			beyond -= v;
			if (l < depth) {
				snprintf(key, sizeof key, "l%u_misses", l + 1);
				json_object_set_new(c, key, json_integer((json_int_t)beyond));
			}
		}
		json_object_set_new(o, kinds[k], c);
	}
	json_object_set_new(o, "stall_ns", json_integer((json_int_t)(stall_ps / 1000)));
	return o;
}

/* ---- boot snapshots ---------------------------------------------------- */

void bench_mem_save(const struct bench_mem *bm, struct ser_w *w)
{
	ser_tag(w, "mem ");
	ser_put_u64(w, bm ? bm->ncaches : 0);
	for (size_t i = 0; bm && i < bm->ncaches; i++)
		cache_save(bm->caches[i], w);
}

int bench_mem_load(struct bench_mem *bm, struct ser_r *r)
{
	ser_expect(r, "mem ");
	if (ser_get_u64(r) != (bm ? bm->ncaches : 0))
		ser_r_fail(r, "memory model: another number of caches");
	for (size_t i = 0; bm && i < bm->ncaches && !ser_r_failed(r); i++)
		cache_load(bm->caches[i], r);
	return ser_r_failed(r) ? -1 : 0;
}
