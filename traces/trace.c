/*
 * ldomsim — trace loader: parses and validates a trace document
 * (traces/FORMAT.md), reads the MD generations it references, and answers
 * the simulator's queries. Every error names the file, the JSON path (with
 * the record index) and what is wrong.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"
#include "traces/trace_internal.h"
#include "traces/trace_mdcheck.h"
#include "util/file.h"

#define MAX_PATH_TEXT 160
#define HV_STATUS_MAX 17 /* EBUSY: highest status the format knows */

struct ld {
	const char *name;
	const char *base_dir;
	struct trace_error *err;
	struct trace *t;
	unsigned minor; /* the file's minor version */
};

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

#define FAIL(ld, code, path, ...) trace_fail((ld)->err, code, (ld)->name, path, __VA_ARGS__)

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
	}
	return "unknown error";
}

/* ---- JSON field helpers ---- */

static void join(char *out, const char *path, const char *key)
{
	if (snprintf(out, MAX_PATH_TEXT, "%s.%s", path, key) >= MAX_PATH_TEXT)
		strcpy(out + MAX_PATH_TEXT - 4, "...");
}

static void index_path(char *out, const char *path, size_t i)
{
	if (snprintf(out, MAX_PATH_TEXT, "%s[%zu]", path, i) >= MAX_PATH_TEXT)
		strcpy(out + MAX_PATH_TEXT - 4, "...");
}

static enum trace_status check_keys(struct ld *ld, json_t *obj, const char *path,
                                    const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				break;
		if (!allowed[i]) {
			char p[MAX_PATH_TEXT];

			join(p, path, key);
			return FAIL(ld, TRACE_ERR_FIELD, p,
			            "unknown field (not in trace format %d.%d)",
			            TRACE_VERSION_MAJOR, TRACE_VERSION_MINOR);
		}
	}
	return TRACE_OK;
}

static enum trace_status want_object(struct ld *ld, json_t *v, const char *path)
{
	return json_is_object(v) ? TRACE_OK : FAIL(ld, TRACE_ERR_TYPE, path, "expected an object");
}

static enum trace_status want_array(struct ld *ld, json_t *v, const char *path)
{
	return json_is_array(v) ? TRACE_OK : FAIL(ld, TRACE_ERR_TYPE, path, "expected an array");
}

/* Look up a field; *out is NULL when optional and absent. */
static enum trace_status field(struct ld *ld, json_t *obj, const char *path, const char *key,
                               int required, json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out && required) {
		char p[MAX_PATH_TEXT];

		join(p, path, key);
		return FAIL(ld, TRACE_ERR_MISSING, p, "missing required field");
	}
	return TRACE_OK;
}

static enum trace_status uint_of(struct ld *ld, json_t *v, const char *path, uint64_t min,
                                 uint64_t max, uint64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return FAIL(ld, TRACE_ERR_TYPE, path, "expected an unsigned integer");
	x = json_integer_value(v);
	if ((uint64_t)x < min || (uint64_t)x > max)
		return FAIL(ld, TRACE_ERR_RANGE, path, "%lld is out of range %llu..%llu",
		            (long long)x, (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)x;
	return TRACE_OK;
}

static enum trace_status get_uint(struct ld *ld, json_t *obj, const char *path, const char *key,
                                  uint64_t min, uint64_t max, uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	join(p, path, key);
	return uint_of(ld, v, p, min, max, out);
}

static enum trace_status get_u32(struct ld *ld, json_t *obj, const char *path, const char *key,
                                 uint64_t min, uint64_t max, uint32_t *out)
{
	uint64_t x;
	enum trace_status st = get_uint(ld, obj, path, key, min, max, &x);

	if (!st)
		*out = (uint32_t)x;
	return st;
}

/* A 64-bit register value: an unsigned integer or a "0x..." hex string. */
static enum trace_status reg_of(struct ld *ld, json_t *v, const char *path, uint64_t *out)
{
	const char *s;
	uint64_t x = 0;
	size_t n;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return TRACE_OK;
	}
	if (!json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, path,
		            "expected an unsigned integer or a \"0x\" hex string");
	s = json_string_value(v);
	n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		return FAIL(ld, TRACE_ERR_TYPE, path,
		            "expected \"0x\" and 1 to 16 hex digits, got \"%.40s\"", s);
	for (size_t i = 2; i < n; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return FAIL(ld, TRACE_ERR_TYPE, path, "bad hex digit '%c' in \"%.40s\"", c,
			            s);
		x = x << 4 | (uint64_t)d;
	}
	*out = x;
	return TRACE_OK;
}

static enum trace_status get_reg(struct ld *ld, json_t *obj, const char *path, const char *key,
                                 uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	join(p, path, key);
	return reg_of(ld, v, p, out);
}

static enum trace_status get_str(struct ld *ld, json_t *obj, const char *path, const char *key,
                                 size_t maxlen, const char **out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	join(p, path, key);
	if (!json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, p, "expected a string");
	if (json_string_length(v) > maxlen || strlen(json_string_value(v)) != json_string_length(v))
		return FAIL(ld, TRACE_ERR_RANGE, p, "string longer than %zu bytes or with a NUL",
		            maxlen);
	*out = json_string_value(v);
	return TRACE_OK;
}

/* Optional t_ns. */
static enum trace_status get_opt_t(struct ld *ld, json_t *obj, const char *path, int *has,
                                   uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v = json_object_get(obj, "t_ns");

	*has = 0;
	if (!v)
		return TRACE_OK;
	join(p, path, "t_ns");
	*has = 1;
	return uint_of(ld, v, p, 0, TRACE_T_NS_MAX, out);
}

/* A list of cpu ids (< max_cpus), at least min_n entries. */
static enum trace_status get_cpus(struct ld *ld, json_t *obj, const char *path, const char *key,
                                  size_t min_n, uint32_t **out, uint32_t *n)
{
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = field(ld, obj, path, key, 1, &v);
	size_t cnt;

	if (st)
		return st;
	join(p, path, key);
	if ((st = want_array(ld, v, p)))
		return st;
	cnt = json_array_size(v);
	if (cnt < min_n || cnt > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, p, "expected %zu to %u cpu ids, got %zu", min_n,
		            TRACE_MAX_CPUS, cnt);
	*out = malloc((cnt ? cnt : 1) * sizeof(uint32_t));
	if (!*out)
		return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
	*n = (uint32_t)cnt;
	for (size_t i = 0; i < cnt; i++) {
		uint64_t x;

		index_path(q, p, i);
		st = uint_of(ld, json_array_get(v, i), q, 0, ld->t->machine.max_cpus - 1, &x);
		if (st) {
			free(*out);
			*out = NULL;
			if (st == TRACE_ERR_RANGE)
				FAIL(ld, st, q, "cpu %lld is not below the machine's max_cpus %u",
				     (long long)json_integer_value(json_array_get(v, i)),
				     ld->t->machine.max_cpus);
			return st;
		}
		(*out)[i] = (uint32_t)x;
	}
	return TRACE_OK;
}

/* ---- machine ---- */

#define SPEED(f, type, unit, lo, hi)                                                               \
	{                                                                                          \
#f, unit, type, offsetof(struct trace_machine, f), lo, hi                          \
	}
#define COST(f, unit, model_default, trace_default, lo, what)                                      \
	{#f, unit, TRACE_PARAM_U64, offsetof(struct trace_machine, costs.f), lo, TRACE_COST_NS_MAX},
#define MODEL_COST(f, unit, model_default, what)
const struct trace_param trace_params[TRACE_NPARAMS] = {
    SPEED(cpi, TRACE_PARAM_REAL, "cycles per instruction", TRACE_CPI_MIN, TRACE_CPI_MAX),
    SPEED(clock_hz, TRACE_PARAM_U64, "Hz", 1, TRACE_CLOCK_HZ_MAX),
    SPEED(stick_hz, TRACE_PARAM_U64, "Hz", 1, TRACE_CLOCK_HZ_MAX),
#include "kernel-model/costs.def"
};
#undef COST
#undef MODEL_COST
#undef SPEED
/* cpi / clock >= 1 ps, i.e. cpi_milli * 10^9 >= clock_hz. */
_Static_assert(TRACE_CPI_MIN_MILLI * 1000000000ull >= (unsigned long long)TRACE_CLOCK_HZ_MAX,
               "an instruction lasts at least 1 ps");

const struct trace_param *trace_param_by_name(const char *name)
{
	for (size_t i = 0; i < TRACE_NPARAMS; i++)
		if (!strcmp(trace_params[i].name, name))
			return &trace_params[i];
	return NULL;
}

int trace_param_check(const struct trace_param *p, uint64_t v_u, double v_real, char *why, size_t n)
{
	if (p->type == TRACE_PARAM_REAL) {
		if (v_real >= p->min && v_real <= p->max) /* false for NaN */
			return 0;
		snprintf(why, n, "%g is out of range %g..%g %s", v_real, p->min, p->max, p->unit);
		return -1;
	}
	if (v_u >= (uint64_t)p->min && v_u <= (uint64_t)p->max)
		return 0;
	snprintf(why, n, "%llu is out of range %llu..%llu %s", (unsigned long long)v_u,
	         (unsigned long long)p->min, (unsigned long long)p->max, p->unit);
	return -1;
}

int trace_param_parse(const struct trace_param *p, const char *text, struct trace_param_value *out,
                      char *why, size_t n)
{
	char *end = (char *)text;
	uint64_t u = 0;
	double d = 0;

	/* strtoull and strtod take leading blanks and a sign ('-1' would
	 * wrap), and strtod "inf" and "nan": a value starts with a digit. */
	errno = 0;
	if (isdigit((unsigned char)text[0]) || text[0] == '.') {
		if (p->type == TRACE_PARAM_REAL)
			d = strtod(text, &end);
		else
			u = strtoull(text, &end, 0);
	}
	if (end == text || *end || errno == ERANGE) {
		snprintf(why, n, "'%s' is not %s in range %.15g..%.15g %s", text,
		         p->type == TRACE_PARAM_REAL ? "a number" : "a decimal or 0x hex integer",
		         p->min, p->max, p->unit);
		return -1;
	}
	if (trace_param_check(p, u, d, why, n))
		return -1;
	*out = (struct trace_param_value){.param = p, .u = u, .real = d};
	return 0;
}

void trace_param_store(struct trace_machine *m, const struct trace_param_value *v)
{
	if (v->param->type == TRACE_PARAM_REAL)
		*(double *)((char *)m + v->param->offset) = v->real;
	else
		*(uint64_t *)((char *)m + v->param->offset) = v->u;
}

int trace_param_set(struct trace_machine *m, const struct trace_param *p, const char *text,
                    char *why, size_t n)
{
	struct trace_param_value v;
	if (trace_param_parse(p, text, &v, why, n))
		return -1;
	trace_param_store(m, &v);
	return 0;
}

/* A timing parameter under its rule (trace_params). */
static enum trace_status get_param(struct ld *ld, json_t *obj, const char *path,
                                   const struct trace_param *tp, struct trace_machine *m)
{
	char p[MAX_PATH_TEXT], why[200];
	json_t *v;
	enum trace_status st = field(ld, obj, path, tp->name, 1, &v);
	uint64_t u = 0;
	double d = 0;

	if (st)
		return st;
	join(p, path, tp->name);
	if (tp->type == TRACE_PARAM_REAL) {
		if (!json_is_number(v))
			return FAIL(ld, TRACE_ERR_TYPE, p, "expected a number");
		d = json_number_value(v);
	} else {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return FAIL(ld, TRACE_ERR_TYPE, p, "expected an unsigned integer (%s)",
			            tp->unit);
		u = (uint64_t)json_integer_value(v);
	}
	if (trace_param_check(tp, u, d, why, sizeof why))
		return FAIL(ld, TRACE_ERR_RANGE, p, "%s", why);
	trace_param_store(m, &(struct trace_param_value){.param = tp, .u = u, .real = d});
	return TRACE_OK;
}

static enum trace_status load_machine(struct ld *ld, json_t *root)
{
	static const char *const keys[] = {
	    "shape",    "sockets", "cores_per_socket", "strands_per_core",
	    "max_cpus", "cpi",     "clock_hz",         "stick_hz",
	    "costs",    NULL};
	const char *cost_keys[TRACE_NCOSTS + 1];
	struct trace_machine *m = &ld->t->machine;
	const char *path = "$.machine", *shape;
	json_t *obj, *c;
	enum trace_status st;
	char p[MAX_PATH_TEXT];

	if ((st = field(ld, root, "$", "machine", 1, &obj)) || (st = want_object(ld, obj, path)) ||
	    (st = check_keys(ld, obj, path, keys)))
		return st;
	if ((st = get_str(ld, obj, path, "shape", sizeof(m->shape) - 1, &shape)))
		return st;
	if (!*shape || strspn(shape, "abcdefghijklmnopqrstuvwxyz0123456789-_:.@") != strlen(shape))
		return FAIL(ld, TRACE_ERR_RANGE, "$.machine.shape",
		            "expected 1 to 31 characters [a-z0-9_:.@-], got \"%s\"", shape);
	strcpy(m->shape, shape);
	if ((st = get_u32(ld, obj, path, "sockets", 1, 64, &m->sockets)) ||
	    (st = get_u32(ld, obj, path, "cores_per_socket", 1, 256, &m->cores_per_socket)) ||
	    (st = get_u32(ld, obj, path, "strands_per_core", 1, 64, &m->strands_per_core)) ||
	    (st = get_u32(ld, obj, path, "max_cpus", 1, TRACE_MAX_CPUS, &m->max_cpus)))
		return st;
	if ((uint64_t)m->sockets * m->cores_per_socket * m->strands_per_core > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, path,
		            "sockets x cores_per_socket x strands_per_core = %llu exceeds %u",
		            (unsigned long long)m->sockets * m->cores_per_socket *
		                m->strands_per_core,
		            TRACE_MAX_CPUS);
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		cost_keys[i] = trace_cost_fields[i].name;
	cost_keys[TRACE_NCOSTS] = NULL;
	join(p, path, "costs");
	if ((st = field(ld, obj, path, "costs", 1, &c)) || (st = want_object(ld, c, p)) ||
	    (st = check_keys(ld, c, p, cost_keys)))
		return st;
	for (size_t i = 0; i < TRACE_NPARAMS; i++)
		if ((st = get_param(ld, i < TRACE_PARAM_FIRST_COST ? obj : c,
		                    i < TRACE_PARAM_FIRST_COST ? path : p, &trace_params[i], m)))
			return st;
	return TRACE_OK;
}

/* ---- md generations ---- */

/* The whole file (util/file.h); errno says why on TRACE_ERR_IO. */
static enum trace_status read_file(const char *path, uint8_t **out, size_t *len)
{
	int rc = util_read_file(path, out, len);
	return !rc ? TRACE_OK : rc == UTIL_E_NOMEM ? TRACE_ERR_NOMEM : TRACE_ERR_IO;
}

static int parse_sha(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 64; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		if (i % 2)
			out[i / 2] = (uint8_t)(out[i / 2] | d);
		else
			out[i / 2] = (uint8_t)(d << 4);
	}
	return 0;
}

static enum trace_status load_md(struct ld *ld, json_t *root)
{
	static const char *const keys[] = {"generation", "file", "sha256", "size", NULL};
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = field(ld, root, "$", "md", 1, &arr)) || (st = want_array(ld, arr, "$.md")))
		return st;
	if (json_array_size(arr) < 1 || json_array_size(arr) > 1024)
		return FAIL(ld, TRACE_ERR_RANGE, "$.md",
		            "expected 1 to 1024 MD generations, got %zu", json_array_size(arr));
	t->mds = calloc(json_array_size(arr), sizeof(*t->mds));
	if (!t->mds)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.md", "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		struct trace_md_gen *g = &t->mds[i];
		const char *file, *sha;
		uint64_t size;

		index_path(p, "$.md", i);
		if ((st = want_object(ld, e, p)) || (st = check_keys(ld, e, p, keys)) ||
		    (st = get_u32(ld, e, p, "generation", 1, UINT32_MAX, &g->generation)) ||
		    (st = get_str(ld, e, p, "file", 255, &file)) ||
		    (st = get_str(ld, e, p, "sha256", 64, &sha)) ||
		    (st = get_uint(ld, e, p, "size", 1, 1ull << 32, &size)))
			return st;
		t->nmds = i + 1;
		g->size = (size_t)size;
		g->file = strdup(file);
		if (!g->file)
			return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
		join(q, p, "file");
		if (!*file || file[0] == '/' || strstr(file, "..") || strchr(file, '\\'))
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "\"%s\" must be a relative path inside the trace's folder",
			            file);
		join(q, p, "sha256");
		if (parse_sha(sha, g->sha256))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected 64 lower-case hex digits");
		if (i > 0 && g->generation <= t->mds[i - 1].generation)
			return FAIL(ld, TRACE_ERR_RANGE, p,
			            "generation %u does not follow generation %u (must ascend)",
			            g->generation, t->mds[i - 1].generation);
		if (ld->base_dir) {
			char *full;
			uint8_t *bytes, h[32];
			size_t len;
			char hex[65], want[65];

			if (asprintf(&full, "%s/%s", ld->base_dir, file) < 0)
				return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
			st = read_file(full, &bytes, &len);
			join(q, p, "file");
			if (st) {
				FAIL(ld, st, q, "cannot read MD generation %u from %s: %s",
				     g->generation, full,
				     st == TRACE_ERR_NOMEM ? "out of memory" : strerror(errno));
				free(full);
				return st;
			}
			g->bytes = bytes;
			if (len != g->size) {
				FAIL(ld, TRACE_ERR_HASH, p, "%s has %zu bytes, the trace says %zu",
				     full, len, g->size);
				free(full);
				return TRACE_ERR_HASH;
			}
			trace_sha256(bytes, len, h);
			if (memcmp(h, g->sha256, 32)) {
				trace_sha256_to_hex(h, hex);
				trace_sha256_to_hex(g->sha256, want);
				join(q, p, "sha256");
				FAIL(ld, TRACE_ERR_HASH, q, "%s has sha256 %s, the trace says %s",
				     full, hex, want);
				free(full);
				return TRACE_ERR_HASH;
			}
			free(full);
		}
	}
	return TRACE_OK;
}

static int find_gen(const struct trace *t, uint32_t gen)
{
	for (size_t i = 0; i < t->nmds; i++)
		if (t->mds[i].generation == gen)
			return (int)i;
	return -1;
}

/* ---- scenario ---- */

static const char *const op_names[] = {"md-update", "configure", "unconfigure", "force-unconfigure",
                                       "status"};

/* An optional 1.1 array of the scenario: NULL if absent. */
static enum trace_status opt_array(struct ld *ld, json_t *sc, const char *key, const char *path,
                                   json_t **out)
{
	*out = json_object_get(sc, key);
	if (!*out)
		return TRACE_OK;
	if (ld->minor < 1)
		return FAIL(ld, TRACE_ERR_FIELD, path,
		            "needs trace format version 1.1 (the file says 1.%u)", ld->minor);
	if (json_array_size(*out) > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, path, "more than %u entries", TRACE_MAX_CPUS);
	return want_array(ld, *out, path);
}

/* $.scenario.interrupts (1.1): [{"devhandle", "devino", "affinity"?, "target"?}]. */
static enum trace_status load_irqs(struct ld *ld, json_t *sc)
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

		index_path(p, "$.scenario.interrupts", i);
		if ((st = want_object(ld, e, p)) || (st = check_keys(ld, e, p, keys)) ||
		    (st = get_u32(ld, e, p, "devhandle", 0, 7, &q_->devhandle)) ||
		    (st = get_u32(ld, e, p, "devino", 0, 255, &q_->devino)))
			return st;
		t->nirqs = i + 1;
		if (json_object_get(e, "affinity")) {
			if ((st = get_cpus(ld, e, p, "affinity", 1, &aff, &q_->naffinity)))
				return st;
			q_->affinity = aff;
		}
		if (json_object_get(e, "target")) {
			if ((st = get_u32(ld, e, p, "target", 0, t->machine.max_cpus - 1,
			                  &q_->target)))
				return st;
			q_->has_target = 1;
		}
		for (size_t j = 0; j < i; j++)
			if (t->irqs[j].devhandle == q_->devhandle &&
			    t->irqs[j].devino == q_->devino) {
				join(q, p, "devino");
				return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
				            "source %u:%u is already $.scenario.interrupts[%zu]",
				            q_->devhandle, q_->devino, j);
			}
	}
	return TRACE_OK;
}

/* $.scenario.faults (1.1): [{"fn": name, "status", "count"?, "cpu"?}]. */
static enum trace_status load_faults(struct ld *ld, json_t *sc)
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

		index_path(p, "$.scenario.faults", i);
		if ((st = want_object(ld, e, p)) || (st = check_keys(ld, e, p, keys)) ||
		    (st = get_str(ld, e, p, "fn", 64, &name)) ||
		    (st = get_uint(ld, e, p, "status", 1, TRACE_FAULT_STATUS_MAX, &f->status)))
			return st;
		info = trace_hcall_fn_by_name(name);
		if (!info || info->trap != 0x80) {
			join(q, p, "fn");
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "\"%s\" is not a fast-trap hypervisor call", name);
		}
		f->fn = info->fn;
		f->count = 1;
		f->cpu = -1;
		if (json_object_get(e, "count") &&
		    (st = get_u32(ld, e, p, "count", 1, TRACE_FAULT_COUNT_MAX, &f->count)))
			return st;
		if (json_object_get(e, "cpu")) {
			if ((st = get_u32(ld, e, p, "cpu", 0, t->machine.max_cpus - 1, &cpu)))
				return st;
			f->cpu = (int32_t)cpu;
		}
		t->nfaults = i + 1;
	}
	return TRACE_OK;
}

static enum trace_status load_scenario(struct ld *ld, json_t *root)
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

	if ((st = field(ld, root, "$", "scenario", 1, &obj)) || (st = want_object(ld, obj, path)) ||
	    (st = check_keys(ld, obj, path, keys)) ||
	    (st = get_cpus(ld, obj, path, "present", 1, &t->present, &npresent)))
		return st;
	t->npresent = npresent;
	for (size_t i = 1; i < t->npresent; i++)
		if (t->present[i] <= t->present[i - 1]) {
			index_path(p, "$.scenario.present", i);
			return FAIL(
			    ld, TRACE_ERR_RANGE, p,
			    "cpu %u does not follow cpu %u (ids must ascend, no duplicates)",
			    t->present[i], t->present[i - 1]);
		}
	if ((st = get_u32(ld, obj, path, "ds_strand", 0, t->machine.max_cpus - 1, &t->ds_strand)))
		return st;
	{
		int found = 0;

		for (size_t i = 0; i < t->npresent; i++)
			found |= t->present[i] == t->ds_strand;
		if (!found)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, "$.scenario.ds_strand",
			            "strand %u is not in $.scenario.present", t->ds_strand);
	}
	if ((st = field(ld, obj, path, "ops", 1, &ops)) ||
	    (st = want_array(ld, ops, "$.scenario.ops")))
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

		index_path(p, "$.scenario.ops", i);
		if ((st = want_object(ld, e, p)) || (st = get_str(ld, e, p, "op", 32, &name)))
			return st;
		for (k = 0; k < sizeof(op_names) / sizeof(op_names[0]); k++)
			if (!strcmp(op_names[k], name))
				break;
		if (k == sizeof(op_names) / sizeof(op_names[0])) {
			char q[MAX_PATH_TEXT];

			join(q, p, "op");
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "unknown operation \"%s\" (md-update, configure, unconfigure, "
			            "force-unconfigure, status)",
			            name);
		}
		op->kind = (enum trace_op_kind)k;
		t->nops = i + 1;
		if ((st = check_keys(ld, e, p, k == TRACE_OP_MD_UPDATE ? md_keys : dr_keys)) ||
		    (st = get_uint(ld, e, p, "t_ns", 0, TRACE_T_NS_MAX, &op->t_ns)) ||
		    (st = get_uint(ld, e, p, "req_num", 0, INT64_MAX, &op->req_num)))
			return st;
		if (k == TRACE_OP_MD_UPDATE) {
			char q[MAX_PATH_TEXT];

			if ((st = get_u32(ld, e, p, "generation", 1, UINT32_MAX, &op->generation)))
				return st;
			join(q, p, "generation");
			if (find_gen(t, op->generation) < 0)
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

			if ((st = get_cpus(ld, e, p, "cpus", k == TRACE_OP_STATUS ? 0 : 1, &cpus,
			                   &op->ncpus)))
				return st;
			op->cpus = cpus;
		}
		if (i > 0 && op->t_ns < t->ops[i - 1].t_ns) {
			char q[MAX_PATH_TEXT];

			join(q, p, "t_ns");
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "%llu is earlier than the previous operation's %llu",
			            (unsigned long long)op->t_ns,
			            (unsigned long long)t->ops[i - 1].t_ns);
		}
		for (size_t j = 0; j < i; j++)
			if (t->ops[j].req_num == op->req_num) {
				char q[MAX_PATH_TEXT];

				join(q, p, "req_num");
				return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
				            "req_num %llu is already used by $.scenario.ops[%zu]",
				            (unsigned long long)op->req_num, j);
			}
	}
	if ((st = load_irqs(ld, obj)) || (st = load_faults(ld, obj)))
		return st;
	return TRACE_OK;
}

/* ---- domain services ---- */

static enum trace_status load_ds_msg(struct ld *ld, json_t *e, const char *p,
                                     struct trace_ds_msg *m)
{
	static const char *const k_init_req[] = {"t_ns",  "dir", "type", "major",
	                                         "minor", "raw", NULL};
	static const char *const k_init_ack[] = {"t_ns", "dir", "type", "minor", "raw", NULL};
	static const char *const k_init_nack[] = {"t_ns", "dir", "type", "major", "raw", NULL};
	static const char *const k_reg_req[] = {"t_ns",  "dir",     "type", "handle", "major",
	                                        "minor", "service", "raw",  NULL};
	static const char *const k_reg_ack[] = {"t_ns",  "dir", "type", "handle",
	                                        "minor", "raw", NULL};
	static const char *const k_reg_nack[] = {"t_ns",  "dir", "type", "handle",
	                                         "major", "raw", NULL};
	static const char *const k_unreg[] = {"t_ns", "dir", "type", "handle", "raw", NULL};
	static const char *const k_nack[] = {"t_ns",   "dir", "type", "handle",
	                                     "result", "raw", NULL};
	static const char *const k_md_req[] = {"t_ns",    "dir",     "type", "handle",
	                                       "service", "req_num", "raw",  NULL};
	static const char *const k_md_res[] = {"t_ns",    "dir",    "type", "handle", "service",
	                                       "req_num", "result", "raw",  NULL};
	static const char *const k_dr_req[] = {"t_ns",    "dir", "type", "handle", "service",
	                                       "req_num", "req", "cpus", "raw",    NULL};
	static const char *const k_dr_res[] = {"t_ns",    "dir",  "type",    "handle", "service",
	                                       "req_num", "resp", "entries", "raw",    NULL};
	static const char *const k_entry[] = {"cpu", "result", "stat", NULL};
	const char *dir, *type, *svc;
	enum trace_status st;
	uint32_t ty;
	uint64_t x;
	char q[MAX_PATH_TEXT];
	json_t *raw;

	if ((st = want_object(ld, e, p)) || (st = get_str(ld, e, p, "dir", 16, &dir)) ||
	    (st = get_str(ld, e, p, "type", 16, &type)) ||
	    (st = get_opt_t(ld, e, p, &m->has_t_ns, &m->t_ns)))
		return st;
	join(q, p, "dir");
	if (!strcmp(dir, "to-guest"))
		m->dir = TRACE_DS_TO_GUEST;
	else if (!strcmp(dir, "from-guest"))
		m->dir = TRACE_DS_FROM_GUEST;
	else
		return FAIL(ld, TRACE_ERR_NAME, q,
		            "expected \"to-guest\" or \"from-guest\", got \"%s\"", dir);
	for (ty = 0; trace_ds_type_name(ty); ty++)
		if (!strcmp(trace_ds_type_name(ty), type))
			break;
	join(q, p, "type");
	if (!trace_ds_type_name(ty))
		return FAIL(ld, TRACE_ERR_NAME, q, "unknown DS message type \"%s\"", type);
	m->type = (enum trace_ds_type)ty;

	switch (m->type) {
	case TRACE_DS_INIT_REQ:
		if ((st = check_keys(ld, e, p, k_init_req)) ||
		    (st = get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		if ((st = get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_INIT_ACK:
		if ((st = check_keys(ld, e, p, k_init_ack)) ||
		    (st = get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_INIT_NACK:
		if ((st = check_keys(ld, e, p, k_init_nack)) ||
		    (st = get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		break;
	case TRACE_DS_REG_REQ:
		if ((st = check_keys(ld, e, p, k_reg_req)) ||
		    (st = get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		if ((st = get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)) ||
		    (st = get_str(ld, e, p, "service", TRACE_DS_SERVICE_MAX - 1, &svc)))
			return st;
		m->minor = (uint16_t)x;
		strcpy(m->service, svc);
		break;
	case TRACE_DS_REG_ACK:
		if ((st = check_keys(ld, e, p, k_reg_ack)) ||
		    (st = get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_REG_NACK:
		if ((st = check_keys(ld, e, p, k_reg_nack)) ||
		    (st = get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		break;
	case TRACE_DS_UNREG_REQ:
	case TRACE_DS_UNREG_ACK:
	case TRACE_DS_UNREG_NACK:
		if ((st = check_keys(ld, e, p, k_unreg)) ||
		    (st = get_reg(ld, e, p, "handle", &m->handle)))
			return st;
		break;
	case TRACE_DS_NACK:
		if ((st = check_keys(ld, e, p, k_nack)) ||
		    (st = get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = get_uint(ld, e, p, "result", 0, UINT32_MAX, &x)))
			return st;
		m->result = (uint32_t)x;
		break;
	case TRACE_DS_DATA:
		if ((st = get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = get_str(ld, e, p, "service", TRACE_DS_SERVICE_MAX - 1, &svc)) ||
		    (st = get_uint(ld, e, p, "req_num", 0, INT64_MAX, &m->req_num)))
			return st;
		strcpy(m->service, svc);
		join(q, p, "service");
		if (!strcmp(svc, "md-update")) {
			if (m->dir == TRACE_DS_TO_GUEST)
				st = check_keys(ld, e, p, k_md_req);
			else if (!(st = check_keys(ld, e, p, k_md_res)) &&
			         !(st = get_uint(ld, e, p, "result", 0, UINT32_MAX, &x)))
				m->result = (uint32_t)x;
			if (st)
				return st;
		} else if (!strcmp(svc, "dr-cpu")) {
			static const char *const reqs[] = {"configure", "unconfigure",
			                                   "force-unconfigure", "status"};
			static const uint32_t req_types[] = {
			    TRACE_DR_CONFIGURE, TRACE_DR_UNCONFIGURE, TRACE_DR_FORCE_UNCONFIGURE,
			    TRACE_DR_STATUS};
			const char *r;

			if (m->dir == TRACE_DS_TO_GUEST) {
				uint32_t *cpus;
				size_t k;

				if ((st = check_keys(ld, e, p, k_dr_req)) ||
				    (st = get_str(ld, e, p, "req", 32, &r)))
					return st;
				for (k = 0; k < 4; k++)
					if (!strcmp(reqs[k], r))
						break;
				join(q, p, "req");
				if (k == 4)
					return FAIL(ld, TRACE_ERR_NAME, q,
					            "unknown dr-cpu request \"%s\" (configure, "
					            "unconfigure, force-unconfigure, status)",
					            r);
				m->dr_type = req_types[k];
				if ((st = get_cpus(ld, e, p, "cpus", 0, &cpus, &m->ncpus)))
					return st;
				m->cpus = cpus;
			} else {
				json_t *ents;
				struct trace_dr_entry *ev;
				char ep[MAX_PATH_TEXT], eq[MAX_PATH_TEXT];

				if ((st = check_keys(ld, e, p, k_dr_res)) ||
				    (st = get_str(ld, e, p, "resp", 16, &r)))
					return st;
				join(q, p, "resp");
				if (!strcmp(r, "ok"))
					m->dr_type = TRACE_DR_OK;
				else if (!strcmp(r, "error"))
					m->dr_type = TRACE_DR_ERROR;
				else
					return FAIL(ld, TRACE_ERR_NAME, q,
					            "expected \"ok\" or \"error\", got \"%s\"", r);
				join(ep, p, "entries");
				if ((st = field(ld, e, p, "entries", 1, &ents)) ||
				    (st = want_array(ld, ents, ep)))
					return st;
				if (json_array_size(ents) > TRACE_MAX_CPUS)
					return FAIL(ld, TRACE_ERR_RANGE, ep, "more than %u entries",
					            TRACE_MAX_CPUS);
				ev = calloc(json_array_size(ents) + 1, sizeof(*ev));
				if (!ev)
					return FAIL(ld, TRACE_ERR_NOMEM, ep, "out of memory");
				m->entries = ev;
				m->nentries = (uint32_t)json_array_size(ents);
				for (size_t k = 0; k < m->nentries; k++) {
					json_t *en = json_array_get(ents, k);

					index_path(eq, ep, k);
					if ((st = want_object(ld, en, eq)) ||
					    (st = check_keys(ld, en, eq, k_entry)) ||
					    (st = get_u32(ld, en, eq, "cpu", 0,
					                  ld->t->machine.max_cpus - 1,
					                  &ev[k].cpu)) ||
					    (st = get_u32(ld, en, eq, "result", 0, 4,
					                  &ev[k].result)) ||
					    (st = get_u32(ld, en, eq, "stat", 0, 2, &ev[k].stat)))
						return st;
				}
			}
		} else {
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "DATA of service \"%s\" is not part of trace format %d.%d "
			            "(md-update, dr-cpu)",
			            svc, TRACE_VERSION_MAJOR, TRACE_VERSION_MINOR);
		}
		break;
	}

	raw = json_object_get(e, "raw");
	if (raw) {
		uint8_t *b, *enc;
		size_t blen, elen;
		int rc;

		join(q, p, "raw");
		if (!json_is_string(raw))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected a hex string");
		rc = trace_hex_decode(json_string_value(raw), &b, &blen);
		if (rc == -2)
			return FAIL(ld, TRACE_ERR_NOMEM, q, "out of memory");
		if (rc)
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected an even number of hex digits");
		m->raw = b;
		m->raw_len = blen;
		if ((st = trace_ds_encode(m, &enc, &elen)))
			return FAIL(ld, st, q, "cannot encode the message");
		if (elen != blen || memcmp(enc, b, blen)) {
			size_t at = 0;

			while (at < elen && at < blen && enc[at] == b[at])
				at++;
			free(enc);
			return FAIL(
			    ld, TRACE_ERR_CONSISTENCY, q,
			    "raw bytes (%zu) disagree with the structured fields (%zu bytes) "
			    "at byte %zu",
			    blen, elen, at);
		}
		free(enc);
	}
	return TRACE_OK;
}

/* The DS log as the protocol validator (ds/) sees it; *pool holds the
 * replies' cpus (the caller frees both). */
static struct ds_log_msg *ds_log(const struct trace *t, uint32_t **pool)
{
	struct ds_log_msg *log = calloc(t->nds + 1, sizeof *log);
	size_t total = 0, used = 0;

	for (size_t i = 0; i < t->nds; i++)
		total += t->ds[i].nentries;
	*pool = malloc((total + 1) * sizeof **pool);
	if (!log || !*pool) {
		free(log);
		free(*pool);
		*pool = NULL;
		return NULL;
	}
	for (size_t i = 0; i < t->nds; i++) {
		const struct trace_ds_msg *m = &t->ds[i];
		struct ds_log_msg *d = &log[i];

		*d = (struct ds_log_msg){.to_guest = m->dir == TRACE_DS_TO_GUEST,
		                         .type = (uint32_t)m->type,
		                         .handle = m->handle,
		                         .service = m->service,
		                         .req_num = m->req_num,
		                         .dr_type = m->dr_type,
		                         .cpus = m->cpus,
		                         .ncpus = m->ncpus};
		if (m->entries) {
			d->cpus = *pool + used;
			d->ncpus = m->nentries;
			for (uint32_t k = 0; k < m->nentries; k++)
				(*pool)[used++] = m->entries[k].cpu;
		}
	}
	return log;
}

/* A validator finding as the trace reader's status. */
static enum trace_status ds_status(int rc)
{
	switch (rc) {
	case DS_ERR_NOMEM:
		return TRACE_ERR_NOMEM;
	case DS_CHECK_UNREGISTERED:
	case DS_CHECK_NO_REPLY:
	case DS_CHECK_UNANSWERED:
		return TRACE_ERR_REF;
	default:
		return TRACE_ERR_CONSISTENCY;
	}
}

/* cpu k of reply r to request m moves the scenario's present cpus. */
static enum trace_status check_entry(struct ld *ld, const struct trace_ds_msg *m,
                                     const struct trace_ds_msg *r, size_t k, const char *p,
                                     uint8_t *online)
{
	const struct trace_dr_entry *en = &r->entries[k];
	const struct trace *t = ld->t;
	char q[MAX_PATH_TEXT + 32];

	snprintf(q, sizeof(q), "%s.entries[%zu]", p, k);
	if (m->dr_type == TRACE_DR_CONFIGURE && en->result == 0) {
		if (online[en->cpu] || en->stat != 2)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q, "cpu %u configured OK but it %s",
			            en->cpu,
			            online[en->cpu] ? "is already present"
			                            : "has a stat other than CONFIGURED (2)");
		online[en->cpu] = 1;
	} else if (m->dr_type != TRACE_DR_CONFIGURE && en->result == 0) {
		if (!online[en->cpu] || en->stat != 1 || en->cpu == t->ds_strand)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
			            "cpu %u unconfigured OK but it %s", en->cpu,
			            !online[en->cpu] ? "is not present"
			            : en->cpu == t->ds_strand
			                ? "runs the DS service (ds_strand)"
			                : "has a stat other than UNCONFIGURED (1)");
		online[en->cpu] = 0;
	}
	return TRACE_OK;
}

/* Check the DS log against the protocol (ds/'s validator) and the scenario
 * against the DS log: each request carries the next operation, its reply
 * moves the present cpus. */
static enum trace_status check_ds(struct ld *ld)
{
	struct trace *t = ld->t;
	size_t nreq = 0, at;
	enum trace_status st = TRACE_OK;
	char p[MAX_PATH_TEXT], why[300];
	uint8_t *online = calloc(t->machine.max_cpus, 1);
	uint32_t *pool = NULL;
	struct ds_log_msg *log = ds_log(t, &pool);
	struct ds_check *c = NULL;
	int rc;

	if (!online || !log || ds_check_create(log, t->nds, &c)) {
		st = FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->npresent; i++)
		online[t->present[i]] = 1;
	for (size_t i = 0; i < t->nds; i++) {
		struct trace_ds_msg *m = &t->ds[i];
		const struct trace_op *op;
		size_t j, bad;
		int is_md = !strcmp(m->service, "md-update");

		t->ds_reply[i] = SIZE_MAX;
		index_path(p, "$.ds", i);
		if ((rc = ds_check_msg(c, i, why, sizeof why))) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		if (m->type != TRACE_DS_DATA || m->dir != TRACE_DS_TO_GUEST)
			continue;

		/* A request: its op, then its reply. */
		if (nreq >= t->nops) {
			st = FAIL(ld, TRACE_ERR_REF, p,
			          "request req_num %llu has no operation in $.scenario.ops",
			          (unsigned long long)m->req_num);
			goto out;
		}
		op = &t->ops[nreq];
		if (op->req_num != m->req_num || is_md != (op->kind == TRACE_OP_MD_UPDATE)) {
			st = FAIL(ld, TRACE_ERR_CONSISTENCY, p,
			          "%s request req_num %llu does not match $.scenario.ops[%zu] "
			          "(%s, req_num %llu)",
			          m->service, (unsigned long long)m->req_num, nreq,
			          op_names[op->kind], (unsigned long long)op->req_num);
			goto out;
		}
		if (!is_md) {
			static const uint32_t kind_type[] = {
			    0, TRACE_DR_CONFIGURE, TRACE_DR_UNCONFIGURE, TRACE_DR_FORCE_UNCONFIGURE,
			    TRACE_DR_STATUS};

			if (kind_type[op->kind] != m->dr_type || op->ncpus != m->ncpus ||
			    (m->ncpus && memcmp(op->cpus, m->cpus, m->ncpus * sizeof(uint32_t)))) {
				st = FAIL(ld, TRACE_ERR_CONSISTENCY, p,
				          "dr-cpu request (type or cpu list) differs from "
				          "$.scenario.ops[%zu]",
				          nreq);
				goto out;
			}
		}
		t->op_request[nreq++] = i;
		if ((rc = ds_check_reply(c, i, &j, why, sizeof why))) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		t->ds_reply[i] = j;
		if (is_md)
			continue;
		index_path(p, "$.ds", j);
		rc = ds_check_dr_reply(c, i, &bad, why, sizeof why);
		if (rc && bad == SIZE_MAX) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		if (m->dr_type == TRACE_DR_STATUS)
			continue;
		/* Entries in order: the first at fault, the protocol's or the scenario's. */
		for (size_t k = 0; k < t->ds[j].nentries; k++) {
			if (rc && k == bad) {
				char q[MAX_PATH_TEXT + 32];

				snprintf(q, sizeof(q), "%s.entries[%zu]", p, k);
				st = FAIL(ld, ds_status(rc), q, "%s", why);
				goto out;
			}
			if ((st = check_entry(ld, m, &t->ds[j], k, p, online)))
				goto out;
		}
	}
	if (nreq != t->nops) {
		index_path(p, "$.scenario.ops", nreq);
		st = FAIL(ld, TRACE_ERR_REF, p, "no DS request in $.ds carries this operation");
		goto out;
	}
	/* Every DATA from the guest answers one request. */
	if ((rc = ds_check_finish(c, &at, why, sizeof why))) {
		if (rc == DS_ERR_NOMEM) {
			st = FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
			goto out;
		}
		index_path(p, "$.ds", at);
		st = FAIL(ld, ds_status(rc), p, "%s", why);
	}
out:
	ds_check_free(c);
	free(log);
	free(pool);
	free(online);
	return st;
}

static enum trace_status load_ds(struct ld *ld, json_t *root)
{
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT];

	if ((st = field(ld, root, "$", "ds", 1, &arr)) || (st = want_array(ld, arr, "$.ds")))
		return st;
	if (json_array_size(arr) > TRACE_MAX_DS_MSGS)
		return FAIL(ld, TRACE_ERR_RANGE, "$.ds", "more than %u messages",
		            TRACE_MAX_DS_MSGS);
	t->ds = calloc(json_array_size(arr) + 1, sizeof(*t->ds));
	t->ds_reply = calloc(json_array_size(arr) + 1, sizeof(*t->ds_reply));
	if (!t->ds || !t->ds_reply)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		index_path(p, "$.ds", i);
		t->nds = i + 1;
		if ((st = load_ds_msg(ld, json_array_get(arr, i), p, &t->ds[i])))
			return st;
	}
	return TRACE_OK;
}

/* ---- hypervisor calls ---- */

static enum trace_status load_hcalls(struct ld *ld, json_t *root)
{
	static const char *const keys[] = {"strand", "t_ns", "fn",         "name", "args",
	                                   "status", "rets", "latency_ns", NULL};
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT], r[MAX_PATH_TEXT];
	size_t n;

	if ((st = field(ld, root, "$", "hcalls", 1, &arr)) ||
	    (st = want_array(ld, arr, "$.hcalls")))
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

		index_path(p, "$.hcalls", i);
		t->nhcalls = i + 1;
		h->index = (uint32_t)i;
		if ((st = want_object(ld, e, p)) || (st = check_keys(ld, e, p, keys)) ||
		    (st = get_u32(ld, e, p, "strand", 0, t->machine.max_cpus - 1, &h->strand)) ||
		    (st = get_opt_t(ld, e, p, &h->has_t_ns, &h->t_ns)) ||
		    (st = get_u32(ld, e, p, "fn", 0, 0xff, &h->fn)) ||
		    (st = get_str(ld, e, p, "name", 64, &name)))
			return st;
		fi = trace_hcall_fn_by_number(h->fn);
		join(q, p, "fn");
		if (!fi)
			return FAIL(ld, TRACE_ERR_NAME, q, "unknown hypervisor function 0x%x",
			            h->fn);
		join(q, p, "name");
		if (strcmp(fi->name, name))
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "\"%s\" is not the name of function 0x%x (\"%s\")", name, h->fn,
			            fi->name);
		h->name = fi->name;
		join(q, p, "args");
		if ((st = field(ld, e, p, "args", 1, &a)) || (st = want_array(ld, a, q)))
			return st;
		if (json_array_size(a) > fi->nargs)
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "%s takes at most %u arguments, got %zu", fi->name, fi->nargs,
			            json_array_size(a));
		h->nargs = (uint32_t)json_array_size(a);
		for (size_t k = 0; k < h->nargs; k++) {
			index_path(r, q, k);
			if ((st = reg_of(ld, json_array_get(a, k), r, &h->args[k])))
				return st;
		}
		if ((st = get_uint(ld, e, p, "status", 0, HV_STATUS_MAX, &h->status)))
			return st;
		join(q, p, "rets");
		if ((st = field(ld, e, p, "rets", 1, &a)) || (st = want_array(ld, a, q)))
			return st;
		if (json_array_size(a) > fi->nrets)
			return FAIL(ld, TRACE_ERR_RANGE, q, "%s returns at most %u values, got %zu",
			            fi->name, fi->nrets, json_array_size(a));
		h->nrets = (uint32_t)json_array_size(a);
		for (size_t k = 0; k < h->nrets; k++) {
			index_path(r, q, k);
			if ((st = reg_of(ld, json_array_get(a, k), r, &h->rets[k])))
				return st;
		}
		if ((st = get_uint(ld, e, p, "latency_ns", 0, 1000000000000ull, &h->latency_ns)))
			return st;
	}
	return TRACE_OK;
}

/* Index the records by strand and check each strand exists at some point. */
static enum trace_status index_hcalls(struct ld *ld)
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

static enum trace_status load_dist(struct ld *ld, json_t *e, const char *p, struct trace_dist *d)
{
	static const char *const fixed[] = {"dist", "ns", "fn", "name", NULL};
	static const char *const uniform[] = {"dist", "min_ns", "max_ns", "fn", "name", NULL};
	static const char *const lognormal[] = {"dist",   "median_ns", "sigma", "min_ns",
	                                        "max_ns", "fn",        "name",  NULL};
	const char *kind;
	enum trace_status st;
	char q[MAX_PATH_TEXT];
	const uint64_t lim = 1000000000000ull;

	if ((st = want_object(ld, e, p)) || (st = get_str(ld, e, p, "dist", 16, &kind)))
		return st;
	join(q, p, "dist");
	if (!strcmp(kind, "fixed")) {
		d->kind = TRACE_DIST_FIXED;
		if ((st = check_keys(ld, e, p, fixed)) ||
		    (st = get_uint(ld, e, p, "ns", 0, lim, &d->ns)))
			return st;
	} else if (!strcmp(kind, "uniform")) {
		d->kind = TRACE_DIST_UNIFORM;
		if ((st = check_keys(ld, e, p, uniform)) ||
		    (st = get_uint(ld, e, p, "min_ns", 0, lim, &d->min_ns)) ||
		    (st = get_uint(ld, e, p, "max_ns", d->min_ns, lim, &d->max_ns)))
			return st;
	} else if (!strcmp(kind, "lognormal")) {
		json_t *s;

		d->kind = TRACE_DIST_LOGNORMAL;
		if ((st = check_keys(ld, e, p, lognormal)) ||
		    (st = get_uint(ld, e, p, "median_ns", 1, lim, &d->median_ns)) ||
		    (st = field(ld, e, p, "sigma", 1, &s)))
			return st;
		join(q, p, "sigma");
		if (!json_is_number(s))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected a number");
		d->sigma = json_number_value(s);
		if (!(d->sigma >= 0.0 && d->sigma <= 10.0))
			return FAIL(ld, TRACE_ERR_RANGE, q, "%g is out of range [0, 10]", d->sigma);
		if (json_object_get(e, "min_ns") &&
		    (st = get_uint(ld, e, p, "min_ns", 1, lim, &d->min_ns)))
			return st;
		if (json_object_get(e, "max_ns") &&
		    (st = get_uint(ld, e, p, "max_ns", d->min_ns ? d->min_ns : 1, lim, &d->max_ns)))
			return st;
	} else {
		return FAIL(ld, TRACE_ERR_NAME, q,
		            "unknown distribution \"%s\" (fixed, uniform, lognormal)", kind);
	}
	return TRACE_OK;
}

static enum trace_status load_model(struct ld *ld, json_t *root)
{
	static const char *const keys[] = {"seed", "default", "fns", NULL};
	struct trace_model *m = &ld->t->model;
	const char *path = "$.hcall_model";
	json_t *obj, *def, *fns;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = field(ld, root, "$", "hcall_model", 1, &obj)) ||
	    (st = want_object(ld, obj, path)) || (st = check_keys(ld, obj, path, keys)) ||
	    (st = get_reg(ld, obj, path, "seed", &m->seed)) ||
	    (st = field(ld, obj, path, "default", 1, &def)))
		return st;
	if (json_object_get(def, "fn") || json_object_get(def, "name"))
		return FAIL(ld, TRACE_ERR_FIELD, "$.hcall_model.default",
		            "the default distribution takes no \"fn\" or \"name\"");
	if ((st = load_dist(ld, def, "$.hcall_model.default", &m->def)) ||
	    (st = field(ld, obj, path, "fns", 1, &fns)) ||
	    (st = want_array(ld, fns, "$.hcall_model.fns")))
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

		index_path(p, "$.hcall_model.fns", i);
		if ((st = want_object(ld, e, p)) || (st = get_u32(ld, e, p, "fn", 0, 0xff, &fn)) ||
		    (st = get_str(ld, e, p, "name", 64, &name)))
			return st;
		fi = trace_hcall_fn_by_number(fn);
		join(q, p, "fn");
		if (!fi)
			return FAIL(ld, TRACE_ERR_NAME, q, "unknown hypervisor function 0x%x", fn);
		join(q, p, "name");
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

/* $.capture (1.2): {"lost_events": [{"cpu", "events": count | "unknown"}]},
 * cpus strictly ascending. */
static enum trace_status load_capture(struct ld *ld, json_t *root)
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
	if ((st = want_object(ld, obj, path)) || (st = check_keys(ld, obj, path, keys)) ||
	    (st = field(ld, obj, path, "lost_events", 1, &a)) || (st = want_array(ld, a, lpath)))
		return st;
	if (json_array_size(a) > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, lpath, "more than %u entries", TRACE_MAX_CPUS);
	if (!(t->lost = calloc(json_array_size(a) + 1, sizeof *t->lost)))
		return FAIL(ld, TRACE_ERR_NOMEM, lpath, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *ev;
		struct trace_lost *l = &t->lost[i];

		index_path(p, lpath, i);
		if ((st = want_object(ld, e, p)) || (st = check_keys(ld, e, p, ekeys)) ||
		    (st = get_u32(ld, e, p, "cpu", 0, t->machine.max_cpus - 1, &l->cpu)))
			return st;
		if (i && l->cpu <= t->lost[i - 1].cpu) {
			join(q, p, "cpu");
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
			            "cpu %u: the cpus must be strictly ascending", l->cpu);
		}
		ev = json_object_get(e, "events");
		if (json_is_string(ev) && !strcmp(json_string_value(ev), "unknown")) {
			l->known = 0;
		} else {
			if ((st = get_uint(ld, e, p, "events", 1, UINT64_MAX >> 1, &l->events)))
				return st;
			l->known = 1;
		}
		t->nlost = i + 1;
	}
	return TRACE_OK;
}

/* ---- top level ---- */

static enum trace_status load_doc(struct ld *ld, json_t *root)
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
	if ((st = field(ld, root, "$", "version", 1, &v)))
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
	if ((st = get_str(ld, root, "$", "format", 64, &fmt)))
		return st;
	if (strcmp(fmt, TRACE_FORMAT_NAME))
		return FAIL(ld, TRACE_ERR_FORMAT, "$.format", "expected \"%s\", got \"%s\"",
		            TRACE_FORMAT_NAME, fmt);
	if ((st = check_keys(ld, root, "$", keys)))
		return st;
	if ((v = json_object_get(root, "comment")) && !json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, "$.comment", "expected a string");
	if ((st = load_machine(ld, root)) || (st = load_md(ld, root)) ||
	    (st = load_scenario(ld, root)) || (st = load_ds(ld, root)) || (st = check_ds(ld)) ||
	    (st = load_hcalls(ld, root)) || (st = index_hcalls(ld)) ||
	    (st = load_model(ld, root)) || (st = load_capture(ld, root)))
		return st;
	if (ld->base_dir)
		return trace_mdcheck(ld->t, ld->err);
	return TRACE_OK;
}

enum trace_status trace_load_mem(const void *buf, size_t len, const char *name,
                                 const char *base_dir, struct trace **out, struct trace_error *err)
{
	struct ld ld = {name ? name : "(memory)", base_dir, err, NULL, 0};
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
	trace_sha256(buf, len, h);
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
	st = read_file(path, &buf, &len);
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
	int i = find_gen(t, generation);

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
