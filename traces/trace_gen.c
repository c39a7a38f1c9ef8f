/*
 * ldomsim — `trace gen`: a complete synthetic trace for a machine shape —
 * MD generations from the MD generator, the DS exchange a Linux 6.1 guest
 * has with the control domain for the DR operations, plausible hypervisor
 * call records whose latencies come from the trace's own model. Output is
 * byte-identical for the same arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/file.h"
#include "traces/md_shape.h"
#include "traces/trace_gen.h"
#include "traces/trace_internal.h"
#include "util/stats.h"

void trace_gen_costs(struct trace_costs *c)
{
	*c = (struct trace_costs){
#define COST(name, unit, model_default, trace_default, min, what) .name = trace_default,
#define MODEL_COST(name, unit, model_default, what)
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
	};
}

struct gen {
	json_t *ds, *hcalls, *ops;
	struct trace_model model;
	uint64_t handle[16];
	uint64_t req_num;
	uint32_t ds_strand;
	/* per (fn, strand) call counters, for the model's sample index */
	uint32_t *count; /* [256 * max_cpus] */
	uint32_t max_cpus;
	int ok;
};

static void hcall(struct gen *g, uint32_t strand, const char *name, int nargs, const uint64_t *args,
                  uint64_t status, int nrets, const uint64_t *rets)
{
	const struct trace_hcall_fn_info *fi = trace_hcall_fn_by_name(name);
	json_t *o = json_object(), *a = json_array(), *r = json_array();
	uint32_t *cnt;

	if (!fi) {
		g->ok = 0;
		json_decref(o);
		json_decref(a);
		json_decref(r);
		return;
	}
	cnt = &g->count[(size_t)fi->fn * g->max_cpus + strand];
	trace_put(o, "strand", json_integer(strand), &g->ok);
	trace_put(o, "fn", json_integer(fi->fn), &g->ok);
	trace_put(o, "name", json_string(fi->name), &g->ok);
	for (int i = 0; i < nargs; i++)
		trace_append(a, trace_hex_json(args[i]), &g->ok);
	trace_put(o, "args", a, &g->ok);
	trace_put(o, "status", json_integer((json_int_t)status), &g->ok);
	for (int i = 0; i < nrets; i++)
		trace_append(r, trace_hex_json(rets[i]), &g->ok);
	trace_put(o, "rets", r, &g->ok);
	trace_put(
	    o, "latency_ns",
	    json_integer((json_int_t)trace_dist_sample(trace_model_dist(&g->model, fi->fn),
	                                               g->model.seed, fi->fn, strand, (*cnt)++)),
	    &g->ok);
	trace_append(g->hcalls, o, &g->ok);
}

/* A DS message: structured fields plus the exact bytes. */
static void ds_msg(struct gen *g, struct trace_ds_msg *m, int with_t)
{
	json_t *o = json_object();
	uint8_t *raw;
	size_t len;
	char *rx;

	if (with_t)
		trace_put(o, "t_ns", json_integer((json_int_t)m->t_ns), &g->ok);
	trace_put(o, "dir", json_string(m->dir == TRACE_DS_TO_GUEST ? "to-guest" : "from-guest"),
	          &g->ok);
	trace_put(o, "type", json_string(trace_ds_type_name(m->type)), &g->ok);
	switch (m->type) {
	case TRACE_DS_INIT_REQ:
		trace_put(o, "major", json_integer(m->major), &g->ok);
		trace_put(o, "minor", json_integer(m->minor), &g->ok);
		break;
	case TRACE_DS_INIT_ACK:
		trace_put(o, "minor", json_integer(m->minor), &g->ok);
		break;
	case TRACE_DS_REG_REQ:
		trace_put(o, "handle", trace_hex_json(m->handle), &g->ok);
		trace_put(o, "major", json_integer(m->major), &g->ok);
		trace_put(o, "minor", json_integer(m->minor), &g->ok);
		trace_put(o, "service", json_string(m->service), &g->ok);
		break;
	case TRACE_DS_REG_ACK:
		trace_put(o, "handle", trace_hex_json(m->handle), &g->ok);
		trace_put(o, "minor", json_integer(m->minor), &g->ok);
		break;
	case TRACE_DS_DATA:
		trace_put(o, "handle", trace_hex_json(m->handle), &g->ok);
		trace_put(o, "service", json_string(m->service), &g->ok);
		trace_put(o, "req_num", json_integer((json_int_t)m->req_num), &g->ok);
		if (!strcmp(m->service, "md-update")) {
			if (m->dir == TRACE_DS_FROM_GUEST)
				trace_put(o, "result", json_integer(m->result), &g->ok);
		} else if (m->dir == TRACE_DS_TO_GUEST) {
			trace_put(o, "req",
			          json_string(m->dr_type == TRACE_DR_CONFIGURE ? "configure"
			                                                       : "unconfigure"),
			          &g->ok);
			trace_put(o, "cpus", trace_cpus_json(m->cpus, m->ncpus), &g->ok);
		} else {
			json_t *e = json_array();

			trace_put(o, "resp", json_string("ok"), &g->ok);
			for (uint32_t i = 0; i < m->nentries; i++)
				trace_append(e,
				             json_pack("{s:i, s:i, s:i}", "cpu",
				                       (int)m->entries[i].cpu, "result",
				                       (int)m->entries[i].result, "stat",
				                       (int)m->entries[i].stat),
				             &g->ok);
			trace_put(o, "entries", e, &g->ok);
		}
		break;
	default:
		g->ok = 0;
		break;
	}
	if (trace_ds_encode(m, &raw, &len)) {
		g->ok = 0;
	} else {
		rx = trace_hex_encode(raw, len);
		trace_put(o, "raw", rx ? json_string(rx) : NULL, &g->ok);
		free(rx);
		free(raw);
	}
	trace_append(g->ds, o, &g->ok);
}

static void handshake(struct gen *g)
{
	struct trace_ds_msg m;

	memset(&m, 0, sizeof(m));
	m.dir = TRACE_DS_FROM_GUEST;
	m.type = TRACE_DS_INIT_REQ;
	m.major = 1;
	ds_msg(g, &m, 0);
	memset(&m, 0, sizeof(m));
	m.dir = TRACE_DS_TO_GUEST;
	m.type = TRACE_DS_INIT_ACK;
	ds_msg(g, &m, 0);
	/* register_services(): one REG_REQ per service, then the acks. */
	for (size_t i = 0; i < trace_ds_nservices; i++) {
		g->handle[i] = (uint64_t)i << 32 | (uint32_t)(TRACE_GEN_BOOT_CLOCK_NS +
		                                              15000ull * i); /* sched_clock() */
		memset(&m, 0, sizeof(m));
		m.dir = TRACE_DS_FROM_GUEST;
		m.type = TRACE_DS_REG_REQ;
		m.handle = g->handle[i];
		m.major = 1;
		snprintf(m.service, sizeof(m.service), "%s", trace_ds_services[i]);
		ds_msg(g, &m, 0);
	}
	for (size_t i = 0; i < trace_ds_nservices; i++) {
		memset(&m, 0, sizeof(m));
		m.dir = TRACE_DS_TO_GUEST;
		m.type = TRACE_DS_REG_ACK;
		m.handle = g->handle[i];
		ds_msg(g, &m, 0);
	}
}

static void md_update(struct gen *g, uint64_t t, uint32_t gen, size_t md_size)
{
	struct trace_ds_msg m;
	uint64_t req = ++g->req_num;
	uint64_t a0[2] = {0, 0}, r0[1] = {md_size};
	uint64_t a1[2] = {TRACE_GEN_MD_RA + (uint64_t)gen * 0x400000ull, md_size};

	trace_append(g->ops,
	             json_pack("{s:I, s:s, s:I, s:i}", "t_ns", (json_int_t)t, "op", "md-update",
	                       "req_num", (json_int_t)req, "generation", (int)gen),
	             &g->ok);
	memset(&m, 0, sizeof(m));
	m.dir = TRACE_DS_TO_GUEST;
	m.type = TRACE_DS_DATA;
	m.t_ns = t;
	m.handle = g->handle[0];
	strcpy(m.service, "md-update");
	m.req_num = req;
	ds_msg(g, &m, 1);
	/* mdesc_update(): ask the size, then fetch into a fresh buffer. */
	hcall(g, g->ds_strand, "mach_desc", 2, a0, 6 /* EINVAL */, 1, r0);
	hcall(g, g->ds_strand, "mach_desc", 2, a1, 0, 1, r0);
	m.dir = TRACE_DS_FROM_GUEST;
	m.result = 0;
	ds_msg(g, &m, 0);
}

static void dr_cpu(struct gen *g, uint64_t t, int configure, const uint32_t *cpus, size_t n)
{
	struct trace_ds_msg m;
	struct trace_dr_entry *ent = calloc(n ? n : 1, sizeof(*ent));
	uint64_t req = ++g->req_num;

	if (!ent) {
		g->ok = 0;
		return;
	}
	trace_append(g->ops,
	             json_pack("{s:I, s:s, s:I, s:o}", "t_ns", (json_int_t)t, "op",
	                       configure ? "configure" : "unconfigure", "req_num", (json_int_t)req,
	                       "cpus", trace_cpus_json(cpus, n)),
	             &g->ok);
	memset(&m, 0, sizeof(m));
	m.dir = TRACE_DS_TO_GUEST;
	m.type = TRACE_DS_DATA;
	m.t_ns = t;
	m.handle = g->handle[3];
	strcpy(m.service, "dr-cpu");
	m.req_num = req;
	m.dr_type = configure ? TRACE_DR_CONFIGURE : TRACE_DR_UNCONFIGURE;
	m.ncpus = (uint32_t)n;
	m.cpus = cpus;
	ds_msg(g, &m, 1);

	for (size_t i = 0; i < n; i++) {
		uint32_t c = cpus[i];
		uint64_t tb = TRACE_GEN_HEAP_RA + (uint64_t)c * 0x10000ull; /* per-cpu area */

		if (configure) {
			uint64_t start[4] = {c, TRACE_GEN_KERNEL_RA + 0x1a2b00ull,
			                     TRACE_GEN_KERNEL_RA + 0x0ull /* sparc64_ttable_tl0 */,
			                     tb + 0x100ull /* hvtramp_descr */};
			uint64_t fault[1] = {tb + 0x40ull}, fprev[1] = {0};
			uint64_t en[2] = {1, TRACE_GEN_KERNBASE + 0x1a2b80ull};
			static const uint64_t qtype[4] = {0x3c, 0x3d, 0x3e, 0x3f};
			static const uint64_t qents[4] = {128, 128, 64, 4};

			hcall(g, g->ds_strand, "cpu_start", 4, start, 0, 0, NULL);
			for (int k = 0; k < TRACE_GEN_KERNEL_MAPPINGS; k++) {
				uint64_t map[4] = {TRACE_GEN_KERNBASE + 0x400000ull * (uint64_t)k,
				                   0,
				                   TRACE_GEN_TTE_BITS | (TRACE_GEN_KERNEL_RA +
				                                         0x400000ull * (uint64_t)k),
				                   3 /* HV_MMU_IMMU | HV_MMU_DMMU */};

				hcall(g, c, "mmu_map_perm_addr", 4, map, 0, 0, NULL);
			}
			hcall(g, c, "mmu_fault_area_conf", 1, fault, 0, 1, fprev);
			hcall(g, c, "mmu_enable", 2, en, 0, 0, NULL);
			for (int k = 0; k < 4; k++) {
				uint64_t q[3] = {qtype[k], tb + 0x2000ull * (uint64_t)(k + 1),
				                 qents[k]};

				hcall(g, c, "cpu_qconf", 3, q, 0, 0, NULL);
			}
		} else {
			static const uint64_t qtype[4] = {0x3c, 0x3d, 0x3e, 0x3f};
			uint64_t stop[1] = {c};

			for (int k = 0; k < 4; k++) {
				uint64_t q[3] = {qtype[k], tb + 0x2000ull * (uint64_t)(k + 1), 0};

				hcall(g, c, "cpu_qconf", 3, q, 0, 0, NULL);
			}
			hcall(g, g->ds_strand, "cpu_stop", 1, stop, 0, 0, NULL);
		}
		ent[i].cpu = c;
		ent[i].result = 0;
		ent[i].stat = configure ? 2 : 1;
	}
	m.dir = TRACE_DS_FROM_GUEST;
	m.ncpus = 0;
	m.cpus = NULL;
	m.dr_type = TRACE_DR_OK;
	m.nentries = (uint32_t)n;
	m.entries = ent;
	ds_msg(g, &m, 0);
	free(ent);
}

static const struct {
	const char *name;
	struct trace_dist d;
} gen_model[] = {
#define LOGN(name, median, sigma) {name, {TRACE_DIST_LOGNORMAL, 0, 0, 0, median, sigma}},
#define FIXED(name, ns)           {name, {TRACE_DIST_FIXED, ns, 0, 0, 0, 0.0}},
    TRACE_GEN_MODEL(LOGN, FIXED)
#undef LOGN
#undef FIXED
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static json_t *model_json(const struct trace_model *m, int *ok)
{
	json_t *o = json_object(), *fns = json_array();

	trace_put(o, "seed", trace_hex_json(m->seed), ok);
	trace_put(o, "default", trace_dist_to_json(&m->def), ok);
	for (size_t i = 0; i < m->nfns; i++) {
		json_t *d = trace_dist_to_json(&m->fns[i].dist), *e = json_object(), *v;
		const char *key;

		trace_put(e, "fn", json_integer(m->fns[i].fn), ok);
		trace_put(e, "name", json_string(trace_hcall_fn_by_number(m->fns[i].fn)->name), ok);
		if (!d) {
			*ok = 0;
		} else {
			json_object_foreach(d, key, v) trace_put(e, key, json_incref(v), ok);
			json_decref(d);
		}
		trace_append(fns, e, ok);
	}
	trace_put(o, "fns", fns, ok);
	return o;
}

static enum trace_status write_md(const char *dir, uint32_t gen, const struct md_buf *b, json_t *md,
                                  int *ok, struct trace_error *err)
{
	char *path, name[32], hx[65];
	uint8_t h[32];
	enum trace_status st;

	snprintf(name, sizeof(name), "md-gen%u.bin", gen);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
	st = trace_write_atomic(path, b->data, b->len, err);
	free(path);
	if (st)
		return st;
	if (trace_sha256(b->data, b->len, h))
		return trace_fail(err, TRACE_ERR_DIGEST, dir, NULL,
		                  "%s: libcrypto could not compute its SHA-256", name);
	trace_sha256_to_hex(h, hx);
	trace_append(md,
	             json_pack("{s:i, s:s, s:s, s:I}", "generation", (int)gen, "file", name,
	                       "sha256", hx, "size", (json_int_t)b->len),
	             ok);
	return TRACE_OK;
}

enum trace_status trace_gen(const struct trace_gen_opts *o, const char *dir,
                            struct trace_error *err)
{
	struct md_shape *shape = NULL;
	struct md_err merr;
	struct md_buf mb[3] = {{0}};
	uint32_t *present = NULL, *all = NULL, *added = NULL, *rest = NULL;
	size_t npresent = 0, nall = 0;
	uint32_t max, nmd = 0; /* MD files written */
	struct gen g;
	json_t *doc = NULL, *md = NULL, *mach = NULL, *sc = NULL;
	char *text = NULL, *seedtext = NULL, *path = NULL;
	enum trace_status st = TRACE_OK;
	struct trace *t = NULL;
	struct trace_model_fn fns[sizeof(gen_model) / sizeof(gen_model[0])];
	uint64_t tnow;

	memset(&g, 0, sizeof(g));
	g.ok = 1;
	if (md_shape_get(o->shape, &shape, &merr))
		return trace_fail(err, TRACE_ERR_ARG, "--shape", NULL, "%s", merr.msg);
	max = md_shape_strands(shape);
	if (md_parse_cpulist(o->present, max, 1, &present, &npresent, &merr)) {
		st = trace_fail(err, TRACE_ERR_ARG, "--present", NULL, "%s", merr.msg);
		goto out;
	}
	if (!npresent) {
		st = trace_fail(err, TRACE_ERR_ARG, "--present", NULL, "no strand present");
		goto out;
	}
	if (o->add == 0 || o->add > max - npresent) {
		st = trace_fail(err, TRACE_ERR_ARG, "--add", NULL,
		                "%u strands asked, the machine has %zu not present (1..%zu)",
		                o->add, (size_t)(max - npresent), (size_t)(max - npresent));
		goto out;
	}
	if (o->remove > o->add) {
		st = trace_fail(err, TRACE_ERR_ARG, "--remove", NULL,
		                "%u is more than the %u strands added", o->remove, o->add);
		goto out;
	}
	all = calloc(max, sizeof(uint32_t));
	added = calloc(o->add, sizeof(uint32_t));
	rest = calloc(max, sizeof(uint32_t));
	g.count = calloc((size_t)256 * max, sizeof(uint32_t));
	if (!all || !added || !rest || !g.count) {
		st = trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
		goto out;
	}
	/* added = the next strands of the machine (lowest ids not present) */
	{
		size_t k = 0, j = 0;

		for (uint32_t id = 0; id < max && k < o->add; id++) {
			while (j < npresent && present[j] < id)
				j++;
			if (j < npresent && present[j] == id)
				continue;
			added[k++] = id;
		}
	}
	memcpy(all, present, npresent * sizeof(uint32_t));
	memcpy(all + npresent, added, o->add * sizeof(uint32_t));
	nall = npresent + o->add;
	qsort(all, nall, sizeof(uint32_t), util_cmp_u32);

	if (md_gen(shape, present, npresent, &mb[0], &merr) ||
	    md_gen(shape, all, nall, &mb[1], &merr)) {
		st = trace_fail(err, TRACE_ERR_MD, "md_gen", NULL, "%s", merr.msg);
		goto out;
	}
	if (o->remove) {
		/* the last `remove` of the added strands go away */
		size_t n = 0;

		for (size_t i = 0; i < nall; i++) {
			int gone = 0;

			for (uint32_t k = o->add - o->remove; k < o->add; k++)
				gone |= all[i] == added[k];
			if (!gone)
				rest[n++] = all[i];
		}
		if (md_gen(shape, rest, n, &mb[2], &merr)) {
			st = trace_fail(err, TRACE_ERR_MD, "md_gen", NULL, "%s", merr.msg);
			goto out;
		}
	}

	/* model */
	if (asprintf(&seedtext, "ldomsim trace gen|%s|%s|%u|%u|%u", o->shape, o->present, o->add,
	             o->remove, o->batch) < 0) {
		st = trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
		goto out;
	}
	g.model.seed = fnv1a(seedtext);
	g.model.def = (struct trace_dist){TRACE_DIST_UNIFORM,       0, TRACE_GEN_DEFAULT_MIN_NS,
	                                  TRACE_GEN_DEFAULT_MAX_NS, 0, 0.0};
	for (size_t i = 0; i < sizeof(gen_model) / sizeof(gen_model[0]); i++) {
		fns[i].fn = trace_hcall_fn_by_name(gen_model[i].name)->fn;
		fns[i].dist = gen_model[i].d;
	}
	g.model.fns = fns;
	g.model.nfns = sizeof(gen_model) / sizeof(gen_model[0]);
	g.max_cpus = max;
	g.ds_strand = present[0];

	doc = json_object();
	md = json_array();
	mach = json_object();
	sc = json_object();
	g.ds = json_array();
	g.hcalls = json_array();
	g.ops = json_array();
	if (util_mkdir_p(dir)) {
		st = trace_fail(err, TRACE_ERR_IO, dir, NULL, "cannot create the folder: %s",
		                strerror(errno));
		goto out;
	}
	for (uint32_t i = 0; i < (o->remove ? 3u : 2u); i++, nmd++)
		if ((st = write_md(dir, i + 1, &mb[i], md, &g.ok, err)))
			goto out;

	trace_put(doc, "format", json_string(TRACE_FORMAT_NAME), &g.ok);
	/* 1.0: the lowest version that holds what is written here */
	trace_put(doc, "version", json_pack("[i, i]", TRACE_VERSION_MAJOR, 0), &g.ok);
	trace_put(doc, "comment", json_string(seedtext), &g.ok);
	trace_put(mach, "shape", json_string(md_shape_name(shape)), &g.ok);
	trace_put(mach, "sockets", json_integer(md_shape_sockets(shape)), &g.ok);
	trace_put(mach, "cores_per_socket", json_integer(md_shape_cores_per_socket(shape)), &g.ok);
	trace_put(mach, "strands_per_core", json_integer(md_shape_strands_per_core(shape)), &g.ok);
	trace_put(mach, "max_cpus", json_integer(max), &g.ok);
	trace_put(mach, "cpi", json_real(md_shape_cpi(shape)), &g.ok);
	trace_put(mach, "clock_hz", json_integer((json_int_t)md_shape_clock_hz(shape)), &g.ok);
	trace_put(mach, "stick_hz", json_integer((json_int_t)md_shape_stick_hz(shape)), &g.ok);
	struct trace_costs costs;
	trace_gen_costs(&costs);
	trace_put(mach, "costs", trace_costs_json(&costs), &g.ok);
	trace_put(doc, "machine", mach, &g.ok);
	trace_put(doc, "md", md, &g.ok);

	handshake(&g);
	tnow = TRACE_GEN_T_MD_UPDATE;
	md_update(&g, tnow, 2, mb[1].len);
	tnow += TRACE_GEN_T_STEP;
	{
		uint32_t b = o->batch ? o->batch : o->add;

		for (uint32_t i = 0; i < o->add; i += b)
			dr_cpu(&g, tnow, 1, added + i, o->add - i < b ? o->add - i : b);
		if (o->remove) {
			tnow += TRACE_GEN_T_REMOVE;
			for (uint32_t i = o->add - o->remove; i < o->add; i += b)
				dr_cpu(&g, tnow, 0, added + i, o->add - i < b ? o->add - i : b);
			tnow += TRACE_GEN_T_STEP;
			md_update(&g, tnow, 3, mb[2].len);
		}
	}
	trace_put(sc, "present", trace_cpus_json(present, npresent), &g.ok);
	trace_put(sc, "ds_strand", json_integer(g.ds_strand), &g.ok);
	trace_put(sc, "ops", json_incref(g.ops), &g.ok);
	trace_put(doc, "scenario", sc, &g.ok);
	trace_put(doc, "ds", json_incref(g.ds), &g.ok);
	trace_put(doc, "hcalls", json_incref(g.hcalls), &g.ok);
	trace_put(doc, "hcall_model", model_json(&g.model, &g.ok), &g.ok);
	if (!g.ok || !(text = trace_json_dump(doc))) {
		st = trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
		goto out;
	}
	/* Validate through the loader and write the canonical form. */
	if (asprintf(&path, "%s/trace.json", dir) < 0) {
		st = trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
		goto out;
	}
	if ((st = trace_load_mem(text, strlen(text), path, dir, &t, err)))
		goto out;
	st = trace_save(t, path, err);
out:
	/* No half trace: the MD files of a trace that could not be written go. */
	for (uint32_t i = 0; st && i < nmd; i++) {
		char *f = NULL;
		if (asprintf(&f, "%s/md-gen%u.bin", dir, i + 1) >= 0)
			unlink(f);
		free(f);
	}
	trace_free(t);
	free(path);
	free(text);
	free(seedtext);
	json_decref(doc);
	json_decref(g.ds);
	json_decref(g.hcalls);
	json_decref(g.ops);
	for (int i = 0; i < 3; i++)
		md_buf_free(&mb[i]);
	free(g.count);
	free(all);
	free(added);
	free(rest);
	free(present);
	md_shape_free(shape);
	return st;
}
