/*
 * ldomsim — trace loader: parses and validates a trace document
 * (traces/FORMAT.md), reads the MD generations it references, and answers
 * the simulator's queries. Every error names the file, the JSON path (with
 * the record index) and what is wrong. This file holds the top level (the
 * document, $.capture), freeing and the accessors; each other section is
 * read by its own file (trace_machine.c, trace_md.c, trace_scenario.c,
 * trace_ds.c, trace_hcalls.c) with the JSON helpers of trace_json.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"
#include "traces/trace_mdcheck.h"

enum trace_status trace_fail(struct trace_error *err, enum trace_status code, const char *name,
                             const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return code;
	err->code = code;
	n = snprintf(err->msg, sizeof(err->msg), "%s: %s%s", name ? name : "(trace)",
	             path ? path : "", path ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		return code;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

const char *trace_strerror(enum trace_status code)
{
	switch (code) {
	case TRACE_OK:
		return "success";
	case TRACE_ERR_ARG:
		return "invalid argument";
	case TRACE_ERR_NOMEM:
		return "out of memory";
	case TRACE_ERR_IO:
		return "input/output error";
	case TRACE_ERR_JSON:
		return "malformed JSON";
	case TRACE_ERR_VERSION:
		return "unsupported trace format version";
	case TRACE_ERR_FORMAT:
		return "not an ldomsim trace";
	case TRACE_ERR_TYPE:
		return "field of the wrong type";
	case TRACE_ERR_MISSING:
		return "missing field";
	case TRACE_ERR_FIELD:
		return "unknown field";
	case TRACE_ERR_RANGE:
		return "value out of range";
	case TRACE_ERR_NAME:
		return "unknown name";
	case TRACE_ERR_HASH:
		return "MD file does not match its hash";
	case TRACE_ERR_REF:
		return "dangling reference";
	case TRACE_ERR_CONSISTENCY:
		return "inconsistent records";
	case TRACE_ERR_MD:
		return "invalid machine description";
	case TRACE_ERR_DIGEST:
		return "cannot compute a SHA-256 (libcrypto)";
	}
	return "unknown error";
}

/* $.capture (1.2): {"lost_events": [{"cpu", "events": count | "unknown"}]},
 * cpus strictly ascending. */
static enum trace_status load_capture(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"lost_events", NULL};
	static const char *const ekeys[] = {"cpu", "events", NULL};
	const char *path = "$.capture", *lpath = "$.capture.lost_events";
	struct trace *t = ld->t;
	json_t *obj = json_object_get(root, "capture"), *a;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if (!obj)
		return TRACE_OK;
	if (ld->minor < 2)
		return FAIL(ld, TRACE_ERR_FIELD, path,
		            "needs trace format version 1.2 (the file says 1.%u)", ld->minor);
	if ((st = trace__want_object(ld, obj, path)) ||
	    (st = trace__check_keys(ld, obj, path, keys)) ||
	    (st = trace__field(ld, obj, path, "lost_events", 1, &a)) ||
	    (st = trace__want_array(ld, a, lpath)))
		return st;
	if (json_array_size(a) > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, lpath, "more than %u entries", TRACE_MAX_CPUS);
	if (!(t->lost = calloc(json_array_size(a) + 1, sizeof *t->lost)))
		return FAIL(ld, TRACE_ERR_NOMEM, lpath, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *ev;
		struct trace_lost *l = &t->lost[i];

		trace__index_path(p, lpath, i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__check_keys(ld, e, p, ekeys)) ||
		    (st = trace__get_u32(ld, e, p, "cpu", 0, t->machine.max_cpus - 1, &l->cpu)))
			return st;
		if (i && l->cpu <= t->lost[i - 1].cpu) {
			trace__join(q, p, "cpu");
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
			            "cpu %u: the cpus must be strictly ascending", l->cpu);
		}
		ev = json_object_get(e, "events");
		if (json_is_string(ev) && !strcmp(json_string_value(ev), "unknown")) {
			l->known = 0;
		} else {
			if ((st = trace__get_uint(ld, e, p, "events", 1, UINT64_MAX >> 1,
			                          &l->events)))
				return st;
			l->known = 1;
		}
		t->nlost = i + 1;
	}
	return TRACE_OK;
}

/* ---- top level ---- */

static enum trace_status load_doc(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"format",      "version",  "comment", "machine",
	                                   "md",          "scenario", "ds",      "hcalls",
	                                   "hcall_model", "capture",  NULL};
	json_t *v, *maj, *min;
	enum trace_status st;
	const char *fmt;

	if (!json_is_object(root))
		return FAIL(ld, TRACE_ERR_TYPE, "$", "expected a JSON object");
	/* The version comes first: nothing else is read from a trace of another version. */
	if ((st = trace__field(ld, root, "$", "version", 1, &v)))
		return st;
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_integer(maj = json_array_get(v, 0)) ||
	    !json_is_integer(min = json_array_get(v, 1)) || json_integer_value(maj) < 0 ||
	    json_integer_value(min) < 0)
		return FAIL(ld, TRACE_ERR_TYPE, "$.version",
		            "expected [major, minor] (two unsigned integers)");
	if (json_integer_value(maj) != TRACE_VERSION_MAJOR ||
	    json_integer_value(min) > TRACE_VERSION_MINOR) {
		int old = json_integer_value(maj) < TRACE_VERSION_MAJOR;

		return FAIL(ld, TRACE_ERR_VERSION, "$.version",
		            "trace format version %lld.%lld is too %s; this ldomsim reads versions "
		            "%d.0 to %d.%d",
		            (long long)json_integer_value(maj), (long long)json_integer_value(min),
		            old ? "old" : "new", TRACE_VERSION_MAJOR, TRACE_VERSION_MAJOR,
		            TRACE_VERSION_MINOR);
	}
	ld->minor = (unsigned)json_integer_value(min);
	if ((st = trace__get_str(ld, root, "$", "format", 64, &fmt)))
		return st;
	if (strcmp(fmt, TRACE_FORMAT_NAME))
		return FAIL(ld, TRACE_ERR_FORMAT, "$.format", "expected \"%s\", got \"%s\"",
		            TRACE_FORMAT_NAME, fmt);
	if ((st = trace__check_keys(ld, root, "$", keys)))
		return st;
	if ((v = json_object_get(root, "comment")) && !json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, "$.comment", "expected a string");
	if ((st = trace__load_machine(ld, root)) || (st = trace__load_md(ld, root)) ||
	    (st = trace__load_scenario(ld, root)) || (st = trace__load_ds(ld, root)) ||
	    (st = trace__check_ds(ld)) || (st = trace__load_hcalls(ld, root)) ||
	    (st = trace__index_hcalls(ld)) || (st = trace__load_model(ld, root)) ||
	    (st = load_capture(ld, root)))
		return st;
	if (ld->base_dir)
		return trace_mdcheck(ld->t, ld->err);
	return TRACE_OK;
}

enum trace_status trace_load_mem(const void *buf, size_t len, const char *name,
                                 const char *base_dir, struct trace **out, struct trace_error *err)
{
	struct trace_ld ld = {name ? name : "(memory)", base_dir, err, NULL, 0};
	json_error_t jerr;
	json_t *root;
	enum trace_status st;
	uint8_t h[32];

	if (err) {
		err->code = TRACE_OK;
		err->msg[0] = '\0';
	}
	if (!out || (!buf && len))
		return trace_fail(err, TRACE_ERR_ARG, ld.name, NULL, "invalid argument");
	*out = NULL;
	ld.t = calloc(1, sizeof(*ld.t));
	if (!ld.t || !(ld.t->name = strdup(ld.name))) {
		free(ld.t);
		return trace_fail(err, TRACE_ERR_NOMEM, ld.name, NULL, "out of memory");
	}
	if (trace_sha256(buf, len, h)) {
		trace_free(ld.t);
		return trace_fail(err, TRACE_ERR_DIGEST, ld.name, NULL,
		                  "libcrypto could not compute the trace's SHA-256");
	}
	trace_sha256_to_hex(h, ld.t->sha_hex);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		trace_free(ld.t);
		return trace_fail(err, TRACE_ERR_JSON, ld.name, NULL, "line %d, column %d: %s",
		                  jerr.line, jerr.column, jerr.text);
	}
	st = load_doc(&ld, root);
	json_decref(root);
	if (st) {
		trace_free(ld.t);
		return st;
	}
	*out = ld.t;
	return TRACE_OK;
}

enum trace_status trace_load(const char *path, struct trace **out, struct trace_error *err)
{
	uint8_t *buf;
	size_t len;
	enum trace_status st;
	char *dir, *slash;

	if (!path || !out)
		return trace_fail(err, TRACE_ERR_ARG, path, NULL, "invalid argument");
	*out = NULL;
	st = trace__read_file(path, &buf, &len);
	if (st)
		return trace_fail(err, st, path, NULL, "cannot read: %s",
		                  st == TRACE_ERR_NOMEM ? "out of memory" : strerror(errno));
	dir = strdup(path);
	if (!dir) {
		free(buf);
		return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	st = trace_load_mem(buf, len, path, slash ? (*dir ? dir : "/") : ".", out, err);
	free(dir);
	free(buf);
	return st;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	free(t->name);
	for (size_t i = 0; i < t->nmds; i++) {
		free((void *)t->mds[i].file);
		free((void *)t->mds[i].bytes);
	}
	free(t->mds);
	free(t->present);
	for (size_t i = 0; i < t->nops; i++)
		free((void *)t->ops[i].cpus);
	free(t->ops);
	for (size_t i = 0; i < t->nirqs; i++)
		free((void *)t->irqs[i].affinity);
	free(t->irqs);
	free(t->faults);
	free(t->lost);
	for (size_t i = 0; i < t->nds; i++) {
		free((void *)t->ds[i].cpus);
		free((void *)t->ds[i].entries);
		free((void *)t->ds[i].raw);
	}
	free(t->ds);
	free(t->ds_reply);
	free(t->op_request);
	free(t->hcalls);
	free(t->by_strand);
	free(t->strand_off);
	free(t->model.fns);
	free(t);
}

/* ---- accessors ---- */

const char *trace_name(const struct trace *t)
{
	return t->name;
}

const char *trace_sha256_hex(const struct trace *t)
{
	return t->sha_hex;
}

const struct trace_machine *trace_machine(const struct trace *t)
{
	return &t->machine;
}

size_t trace_md_count(const struct trace *t)
{
	return t->nmds;
}

const struct trace_md_gen *trace_md_at(const struct trace *t, size_t i)
{
	return i < t->nmds ? &t->mds[i] : NULL;
}

const struct trace_md_gen *trace_md_gen(const struct trace *t, uint32_t generation)
{
	int i = trace__find_gen(t, generation);

	return i < 0 ? NULL : &t->mds[i];
}

size_t trace_irq_count(const struct trace *t)
{
	return t->nirqs;
}

const struct trace_irq *trace_irq_at(const struct trace *t, size_t i)
{
	return i < t->nirqs ? &t->irqs[i] : NULL;
}

size_t trace_lost_count(const struct trace *t)
{
	return t->nlost;
}

const struct trace_lost *trace_lost_at(const struct trace *t, size_t i)
{
	return i < t->nlost ? &t->lost[i] : NULL;
}

size_t trace_fault_count(const struct trace *t)
{
	return t->nfaults;
}

const struct trace_fault *trace_fault_at(const struct trace *t, size_t i)
{
	return i < t->nfaults ? &t->faults[i] : NULL;
}

const uint32_t *trace_present(const struct trace *t, size_t *n)
{
	*n = t->npresent;
	return t->present;
}

uint32_t trace_ds_strand(const struct trace *t)
{
	return t->ds_strand;
}

size_t trace_op_count(const struct trace *t)
{
	return t->nops;
}

const struct trace_op *trace_op_at(const struct trace *t, size_t i)
{
	return i < t->nops ? &t->ops[i] : NULL;
}

size_t trace_ds_count(const struct trace *t)
{
	return t->nds;
}

const struct trace_ds_msg *trace_ds_at(const struct trace *t, size_t i)
{
	return i < t->nds ? &t->ds[i] : NULL;
}

const struct trace_ds_msg *trace_ds_reply(const struct trace *t, size_t request_index)
{
	if (request_index >= t->nds || t->ds_reply[request_index] == SIZE_MAX)
		return NULL;
	return &t->ds[t->ds_reply[request_index]];
}

const struct trace_ds_msg *trace_op_request(const struct trace *t, size_t op_index)
{
	return op_index < t->nops ? &t->ds[t->op_request[op_index]] : NULL;
}

size_t trace_op_request_index(const struct trace *t, size_t op_index)
{
	return op_index < t->nops ? t->op_request[op_index] : SIZE_MAX;
}

enum trace_status trace_ds_wire(const struct trace_ds_msg *m, uint8_t **out, size_t *len)
{
	uint8_t *b;

	if (!m || !out || !len)
		return TRACE_ERR_ARG;
	if (!m->raw)
		return trace_ds_encode(m, out, len);
	b = malloc(m->raw_len ? m->raw_len : 1);
	if (!b)
		return TRACE_ERR_NOMEM;
	memcpy(b, m->raw, m->raw_len);
	*out = b;
	*len = m->raw_len;
	return TRACE_OK;
}

size_t trace_hcall_count(const struct trace *t)
{
	return t->nhcalls;
}

const struct trace_hcall *trace_hcall_at(const struct trace *t, size_t i)
{
	return i < t->nhcalls ? &t->hcalls[i] : NULL;
}

const struct trace_hcall *const *trace_hcalls_of_strand(const struct trace *t, uint32_t strand,
                                                        size_t *n)
{
	if (strand >= t->machine.max_cpus) {
		*n = 0;
		return NULL;
	}
	*n = t->strand_off[strand + 1] - t->strand_off[strand];
	return t->by_strand + t->strand_off[strand];
}

const struct trace_hcall *trace_hcall_find(const struct trace *t, uint32_t strand, uint32_t fn,
                                           uint32_t k)
{
	size_t n;
	const struct trace_hcall *const *v = trace_hcalls_of_strand(t, strand, &n);

	for (size_t i = 0; i < n; i++)
		if (v[i]->fn == fn && k-- == 0)
			return v[i];
	return NULL;
}

uint64_t trace_model_sample(const struct trace *t, uint32_t fn, uint32_t strand, uint32_t k)
{
	return trace_dist_sample(trace_model_dist(&t->model, fn), t->model.seed, fn, strand, k);
}

uint64_t trace_hcall_latency(const struct trace *t, uint32_t strand, uint32_t fn, uint32_t k)
{
	const struct trace_hcall *h = trace_hcall_find(t, strand, fn, k);

	return h ? h->latency_ns : trace_model_sample(t, fn, strand, k);
}
