/*
 * ldomsim — trace loader: $.machine (speeds and costs) and the parameter
 * table `--set` and the trace format share.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

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
static enum trace_status get_param(struct trace_ld *ld, json_t *obj, const char *path,
                                   const struct trace_param *tp, struct trace_machine *m)
{
	char p[MAX_PATH_TEXT], why[200];
	json_t *v;
	enum trace_status st = trace__field(ld, obj, path, tp->name, 1, &v);
	uint64_t u = 0;
	double d = 0;

	if (st)
		return st;
	trace__join(p, path, tp->name);
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

enum trace_status trace__load_machine(struct trace_ld *ld, json_t *root)
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

	if ((st = trace__field(ld, root, "$", "machine", 1, &obj)) ||
	    (st = trace__want_object(ld, obj, path)) ||
	    (st = trace__check_keys(ld, obj, path, keys)))
		return st;
	if ((st = trace__get_str(ld, obj, path, "shape", sizeof(m->shape) - 1, &shape)))
		return st;
	if (!*shape || strspn(shape, "abcdefghijklmnopqrstuvwxyz0123456789-_:.@") != strlen(shape))
		return FAIL(ld, TRACE_ERR_RANGE, "$.machine.shape",
		            "expected 1 to 31 characters [a-z0-9_:.@-], got \"%s\"", shape);
	strcpy(m->shape, shape);
	if ((st = trace__get_u32(ld, obj, path, "sockets", 1, 64, &m->sockets)) ||
	    (st =
	         trace__get_u32(ld, obj, path, "cores_per_socket", 1, 256, &m->cores_per_socket)) ||
	    (st = trace__get_u32(ld, obj, path, "strands_per_core", 1, 64, &m->strands_per_core)) ||
	    (st = trace__get_u32(ld, obj, path, "max_cpus", 1, TRACE_MAX_CPUS, &m->max_cpus)))
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
	trace__join(p, path, "costs");
	if ((st = trace__field(ld, obj, path, "costs", 1, &c)) ||
	    (st = trace__want_object(ld, c, p)) || (st = trace__check_keys(ld, c, p, cost_keys)))
		return st;
	for (size_t i = 0; i < TRACE_NPARAMS; i++)
		if ((st = get_param(ld, i < TRACE_PARAM_FIRST_COST ? obj : c,
		                    i < TRACE_PARAM_FIRST_COST ? path : p, &trace_params[i], m)))
			return st;
	return TRACE_OK;
}
