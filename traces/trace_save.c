/*
 * ldomsim — trace writer: the canonical JSON text of a trace (FORMAT.md,
 * "Canonical form") and atomic file writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/trace_gen.h"
#include "traces/trace_internal.h"
#include "util/atomic.h"
#include "util/file.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_indent(struct sbuf *b, int level)
{
	for (int i = 0; i < level; i++)
		sb_add(b, "  ", 2);
}

static void sb_compact(struct sbuf *b, json_t *v)
{
	char *s = json_dumps(v, DUMP_FLAGS);

	if (!s) {
		b->oom = 1;
		return;
	}
	sb_str(b, s);
	free(s);
}

static int all_containers(json_t *a)
{
	size_t i;
	json_t *e;

	if (!json_array_size(a))
		return 0;
	json_array_foreach(a, i, e) if (!json_is_object(e) && !json_is_array(e)) return 0;
	return 1;
}

/* Objects at levels 0-1 are expanded one member per line; arrays of
 * objects at levels 1-2 get one compact element per line; the rest is
 * compact. */
static void dump(struct sbuf *b, json_t *v, int level)
{
	if (json_is_object(v) && level <= 1 && json_object_size(v)) {
		const char *key;
		json_t *c;
		size_t i = 0, n = json_object_size(v);

		sb_str(b, "{\n");
		json_object_foreach(v, key, c)
		{
			json_t *k = json_string(key);

			sb_indent(b, level + 1);
			if (!k) {
				b->oom = 1;
				return;
			}
			sb_compact(b, k);
			json_decref(k);
			sb_str(b, ": ");
			dump(b, c, level + 1);
			sb_str(b, ++i < n ? ",\n" : "\n");
		}
		sb_indent(b, level);
		sb_str(b, "}");
	} else if (json_is_array(v) && level >= 1 && level <= 2 && all_containers(v)) {
		size_t i, n = json_array_size(v);
		json_t *e;

		sb_str(b, "[\n");
		json_array_foreach(v, i, e)
		{
			sb_indent(b, level + 1);
			sb_compact(b, e);
			sb_str(b, i + 1 < n ? ",\n" : "\n");
		}
		sb_indent(b, level);
		sb_str(b, "]");
	} else {
		sb_compact(b, v);
	}
}

char *trace_json_dump(json_t *doc)
{
	struct sbuf b = {0};

	dump(&b, doc, 0);
	sb_str(&b, "\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- atomic writes ---- */

enum trace_status trace_write_atomic(const char *path, const void *buf, size_t len,
                                     struct trace_error *err)
{
	char msg[sizeof err->msg];
	enum trace_status code;

	if (!util_write_atomic(path, buf, len, msg, sizeof msg))
		return TRACE_OK;
	code = errno == ENOMEM ? TRACE_ERR_NOMEM : TRACE_ERR_IO;
	if (err) { /* msg names the file already */
		err->code = code;
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return code;
}

/* ---- struct trace -> JSON ---- */

json_t *trace_hex_json(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	return json_string(s);
}

static json_t *u64_json(uint64_t v)
{
	return json_integer((json_int_t)v);
}

json_t *trace_costs_json(const struct trace_costs *c)
{
	json_t *o = json_object();
	int ok = 1;
	struct trace_costs copy = *c;
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		trace_put(o, trace_cost_fields[i].name, u64_json(*trace_cost(&copy, i)), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *trace_cpus_json(const uint32_t *c, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer(c[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *ds_json(const struct trace_ds_msg *m, int *ok)
{
	json_t *o = json_object();

	if (m->has_t_ns)
		trace_put(o, "t_ns", u64_json(m->t_ns), ok);
	trace_put(o, "dir", json_string(m->dir == TRACE_DS_TO_GUEST ? "to-guest" : "from-guest"),
	          ok);
	trace_put(o, "type", json_string(trace_ds_type_name(m->type)), ok);
	switch (m->type) {
	case TRACE_DS_INIT_REQ:
		trace_put(o, "major", json_integer(m->major), ok);
		trace_put(o, "minor", json_integer(m->minor), ok);
		break;
	case TRACE_DS_INIT_ACK:
		trace_put(o, "minor", json_integer(m->minor), ok);
		break;
	case TRACE_DS_INIT_NACK:
		trace_put(o, "major", json_integer(m->major), ok);
		break;
	case TRACE_DS_REG_REQ:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		trace_put(o, "major", json_integer(m->major), ok);
		trace_put(o, "minor", json_integer(m->minor), ok);
		trace_put(o, "service", json_string(m->service), ok);
		break;
	case TRACE_DS_REG_ACK:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		trace_put(o, "minor", json_integer(m->minor), ok);
		break;
	case TRACE_DS_REG_NACK:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		trace_put(o, "major", json_integer(m->major), ok);
		break;
	case TRACE_DS_UNREG_REQ:
	case TRACE_DS_UNREG_ACK:
	case TRACE_DS_UNREG_NACK:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		break;
	case TRACE_DS_NACK:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		trace_put(o, "result", json_integer(m->result), ok);
		break;
	case TRACE_DS_DATA:
		trace_put(o, "handle", trace_hex_json(m->handle), ok);
		trace_put(o, "service", json_string(m->service), ok);
		trace_put(o, "req_num", u64_json(m->req_num), ok);
		if (!strcmp(m->service, "md-update")) {
			if (m->dir == TRACE_DS_FROM_GUEST)
				trace_put(o, "result", json_integer(m->result), ok);
		} else if (m->dir == TRACE_DS_TO_GUEST) {
			const char *r = m->dr_type == TRACE_DR_CONFIGURE     ? "configure"
			                : m->dr_type == TRACE_DR_UNCONFIGURE ? "unconfigure"
			                : m->dr_type == TRACE_DR_FORCE_UNCONFIGURE
			                    ? "force-unconfigure"
			                    : "status";

			trace_put(o, "req", json_string(r), ok);
			trace_put(o, "cpus", trace_cpus_json(m->cpus, m->ncpus), ok);
		} else {
			json_t *a = json_array();

			trace_put(o, "resp",
			          json_string(m->dr_type == TRACE_DR_OK ? "ok" : "error"), ok);
			for (uint32_t i = 0; i < m->nentries; i++)
				trace_append(a,
				             json_pack("{s:i, s:i, s:i}", "cpu",
				                       (int)m->entries[i].cpu, "result",
				                       (int)m->entries[i].result, "stat",
				                       (int)m->entries[i].stat),
				             ok);
			trace_put(o, "entries", a, ok);
		}
		break;
	}
	if (m->raw) {
		char *hex = trace_hex_encode(m->raw, m->raw_len);

		trace_put(o, "raw", hex ? json_string(hex) : NULL, ok);
		free(hex);
	}
	return o;
}

static json_t *hcall_json(const struct trace_hcall *h, int *ok)
{
	json_t *o = json_object(), *a = json_array(), *r = json_array();

	trace_put(o, "strand", json_integer(h->strand), ok);
	if (h->has_t_ns)
		trace_put(o, "t_ns", u64_json(h->t_ns), ok);
	trace_put(o, "fn", json_integer(h->fn), ok);
	trace_put(o, "name", json_string(h->name), ok);
	for (uint32_t i = 0; i < h->nargs; i++)
		trace_append(a, trace_hex_json(h->args[i]), ok);
	trace_put(o, "args", a, ok);
	trace_put(o, "status", u64_json(h->status), ok);
	for (uint32_t i = 0; i < h->nrets; i++)
		trace_append(r, trace_hex_json(h->rets[i]), ok);
	trace_put(o, "rets", r, ok);
	trace_put(o, "latency_ns", u64_json(h->latency_ns), ok);
	return o;
}

json_t *trace_to_json(const struct trace *t)
{
	const struct trace_machine *m = &t->machine;
	const struct trace_costs *c = &m->costs;
	json_t *doc = json_object(), *mach = json_object();
	json_t *md = json_array(), *sc = json_object(), *ops = json_array(), *ds = json_array();
	json_t *hc = json_array(), *model = json_object(), *fns = json_array();
	int ok = 1;

	trace_put(doc, "format", json_string(TRACE_FORMAT_NAME), &ok);
	/* the lowest version that holds the content: 1.1 only with interrupts or
	 * faults, 1.2 only with a capture's lost events */
	trace_put(doc, "version",
	          json_pack("[i, i]", TRACE_VERSION_MAJOR,
	                    t->nlost                 ? 2
	                    : t->nirqs || t->nfaults ? 1
	                                             : 0),
	          &ok);
	trace_put(mach, "shape", json_string(m->shape), &ok);
	trace_put(mach, "sockets", json_integer(m->sockets), &ok);
	trace_put(mach, "cores_per_socket", json_integer(m->cores_per_socket), &ok);
	trace_put(mach, "strands_per_core", json_integer(m->strands_per_core), &ok);
	trace_put(mach, "max_cpus", json_integer(m->max_cpus), &ok);
	trace_put(mach, "cpi", json_real(m->cpi), &ok);
	trace_put(mach, "clock_hz", u64_json(m->clock_hz), &ok);
	trace_put(mach, "stick_hz", u64_json(m->stick_hz), &ok);
	trace_put(mach, "costs", trace_costs_json(c), &ok);
	trace_put(doc, "machine", mach, &ok);

	for (size_t i = 0; i < t->nmds; i++) {
		char hex[65];
		json_t *g = json_object();

		trace_sha256_to_hex(t->mds[i].sha256, hex);
		trace_put(g, "generation", json_integer(t->mds[i].generation), &ok);
		trace_put(g, "file", json_string(t->mds[i].file), &ok);
		trace_put(g, "sha256", json_string(hex), &ok);
		trace_put(g, "size", u64_json(t->mds[i].size), &ok);
		trace_append(md, g, &ok);
	}
	trace_put(doc, "md", md, &ok);

	trace_put(sc, "present", trace_cpus_json(t->present, t->npresent), &ok);
	trace_put(sc, "ds_strand", json_integer(t->ds_strand), &ok);
	for (size_t i = 0; i < t->nops; i++) {
		const struct trace_op *op = &t->ops[i];
		json_t *o = json_object();

		trace_put(o, "t_ns", u64_json(op->t_ns), &ok);
		trace_put(o, "op", json_string(trace__op_names[op->kind]), &ok);
		trace_put(o, "req_num", u64_json(op->req_num), &ok);
		if (op->kind == TRACE_OP_MD_UPDATE)
			trace_put(o, "generation", json_integer(op->generation), &ok);
		else
			trace_put(o, "cpus", trace_cpus_json(op->cpus, op->ncpus), &ok);
		trace_append(ops, o, &ok);
	}
	trace_put(sc, "ops", ops, &ok);
	if (t->nirqs) {
		json_t *a = json_array();

		for (size_t i = 0; i < t->nirqs; i++) {
			const struct trace_irq *q = &t->irqs[i];
			json_t *o = json_object();

			trace_put(o, "devhandle", json_integer(q->devhandle), &ok);
			trace_put(o, "devino", json_integer(q->devino), &ok);
			if (q->naffinity)
				trace_put(o, "affinity", trace_cpus_json(q->affinity, q->naffinity),
				          &ok);
			if (q->has_target)
				trace_put(o, "target", json_integer(q->target), &ok);
			trace_append(a, o, &ok);
		}
		trace_put(sc, "interrupts", a, &ok);
	}
	if (t->nfaults) {
		json_t *a = json_array();

		for (size_t i = 0; i < t->nfaults; i++) {
			const struct trace_fault *f = &t->faults[i];
			json_t *o = json_object();

			trace_put(o, "fn", json_string(trace_hcall_fn_by_number(f->fn)->name), &ok);
			trace_put(o, "status", u64_json(f->status), &ok);
			trace_put(o, "count", json_integer(f->count), &ok);
			if (f->cpu >= 0)
				trace_put(o, "cpu", json_integer(f->cpu), &ok);
			trace_append(a, o, &ok);
		}
		trace_put(sc, "faults", a, &ok);
	}
	trace_put(doc, "scenario", sc, &ok);

	for (size_t i = 0; i < t->nds; i++)
		trace_append(ds, ds_json(&t->ds[i], &ok), &ok);
	trace_put(doc, "ds", ds, &ok);
	for (size_t i = 0; i < t->nhcalls; i++)
		trace_append(hc, hcall_json(&t->hcalls[i], &ok), &ok);
	trace_put(doc, "hcalls", hc, &ok);

	trace_put(model, "seed", trace_hex_json(t->model.seed), &ok);
	trace_put(model, "default", trace_dist_to_json(&t->model.def), &ok);
	for (size_t i = 0; i < t->model.nfns; i++) {
		json_t *d = trace_dist_to_json(&t->model.fns[i].dist);
		json_t *o = json_object();
		const struct trace_hcall_fn_info *fi = trace_hcall_fn_by_number(t->model.fns[i].fn);
		const char *key;
		json_t *v;

		trace_put(o, "fn", json_integer(t->model.fns[i].fn), &ok);
		trace_put(o, "name", json_string(fi ? fi->name : "?"), &ok);
		if (d) {
			json_object_foreach(d, key, v) trace_put(o, key, json_incref(v), &ok);
			json_decref(d);
		} else {
			ok = 0;
		}
		trace_append(fns, o, &ok);
	}
	trace_put(model, "fns", fns, &ok);
	trace_put(doc, "hcall_model", model, &ok);
	if (t->nlost) {
		json_t *a = json_array();

		for (size_t i = 0; i < t->nlost; i++)
			trace_append(a,
			             json_pack("{s:i, s:o}", "cpu", (int)t->lost[i].cpu, "events",
			                       t->lost[i].known ? u64_json(t->lost[i].events)
			                                        : json_string("unknown")),
			             &ok);
		trace_put(doc, "capture", json_pack("{s:o}", "lost_events", a), &ok);
	}
	if (!ok) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int same_content(const char *path, const uint8_t *bytes, size_t len)
{
	FILE *f = fopen(path, "rb");
	uint8_t buf[65536];
	size_t off = 0, n;
	int same = 1;

	if (!f)
		return 0;
	while (same && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (off + n > len || memcmp(buf, bytes + off, n))
			same = 0;
		off += n;
	}
	fclose(f);
	return same && off == len;
}

enum trace_status trace_save(const struct trace *t, const char *path, struct trace_error *err)
{
	json_t *doc;
	char *text, *dir, *slash;
	enum trace_status st;

	if (!t || !path)
		return trace_fail(err, TRACE_ERR_ARG, path, NULL, "invalid argument");
	dir = strdup(path);
	if (!dir)
		return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < t->nmds; i++) {
		char *full;

		if (!t->mds[i].bytes)
			continue;
		if (asprintf(&full, "%s/%s", slash ? dir : ".", t->mds[i].file) < 0) {
			free(dir);
			return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
		}
		st = TRACE_OK;
		if (!same_content(full, t->mds[i].bytes, t->mds[i].size)) {
			if (util_mkdir_parents(full))
				st = trace_fail(err, TRACE_ERR_IO, full, NULL,
				                "cannot create its folder: %s", strerror(errno));
			else
				st = trace_write_atomic(full, t->mds[i].bytes, t->mds[i].size, err);
		}
		free(full);
		if (st) {
			free(dir);
			return st;
		}
	}
	free(dir);
	doc = trace_to_json(t);
	if (!doc)
		return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
	text = trace_json_dump(doc);
	json_decref(doc);
	if (!text)
		return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
	st = trace_write_atomic(path, text, strlen(text), err);
	free(text);
	return st;
}
