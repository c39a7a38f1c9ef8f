/*
 * ldomsim — trace tables and pure helpers: the hypervisor function table,
 * the deterministic latency model, the DS wire encoding, hex.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"
#include "traces/trace_internal.h"

/* The trace format's view of traces/hv_calls.def: fast-trap functions by
 * number, dedicated traps (and every CORE_TRAP call) by trap number. */
#define HV_FAST(fn, name, nargs, nrets, handler)   {#name, fn, 0x80, nargs, nrets},
#define HV_TRAP(trap, name, nargs, nrets, handler) {#name, trap, trap, nargs, nrets},
#define HV_CORE(fn, name, nargs, nrets, handler)
static const struct trace_hcall_fn_info hcall_fns[] = {
#include "traces/hv_calls.def"
};

const struct trace_hcall_fn_info *trace_hcall_fn_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(hcall_fns) / sizeof(hcall_fns[0]); i++)
		if (!strcmp(hcall_fns[i].name, name))
			return &hcall_fns[i];
	return NULL;
}

const struct trace_hcall_fn_info *trace_hcall_fn_by_number(uint32_t fn)
{
	for (size_t i = 0; i < sizeof(hcall_fns) / sizeof(hcall_fns[0]); i++)
		if (hcall_fns[i].fn == fn)
			return &hcall_fns[i];
	return NULL;
}

static const char *const hv_status_names[] = {
    "EOK",       "ENOCPU",        "ENORADDR",  "ENOINTR",     "EBADPGSZ",  "EBADTSB",
    "EINVAL",    "EBADTRAP",      "EBADALIGN", "EWOULDBLOCK", "ENOACCESS", "EIO",
    "ECPUERROR", "ENOTSUPPORTED", "ENOMAP",    "ETOOMANY",    "ECHANNEL",  "EBUSY",
};

int trace_hv_status_by_name(const char *name)
{
	for (size_t k = 0; k < sizeof hv_status_names / sizeof hv_status_names[0]; k++)
		if (!strcmp(name, hv_status_names[k]))
			return (int)k;
	return -1;
}

/* An unsigned number filling all of s[0..len): decimal, or hex after
 * "0x" when hex; no sign, no blanks, no overflow. */
static int strict_u64(const char *s, size_t len, int hex, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (hex && len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int trace_fault_parse(const char *spec, uint32_t max_cpus, struct trace_fault *out, char *why,
                      size_t n)
{
	const char *eq = strchr(spec, '='), *st, *st_end, *x, *at;
	const struct trace_hcall_fn_info *fi;
	char name[64];
	uint64_t v;
	size_t skip;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof name) {
		snprintf(why, n, "'%s': expected NAME=STATUS[xCOUNT][@CPU]", spec);
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = 0;
	fi = trace_hcall_fn_by_name(name);
	if (!fi || fi->trap != 0x80) {
		snprintf(why, n, "'%s' is not a fast-trap hypervisor call (traces/FORMAT.md)",
		         name);
		return -1;
	}
	*out = (struct trace_fault){.fn = fi->fn, .count = 1, .cpu = -1};
	st = eq + 1;
	at = strchr(st, '@');
	st_end = at ? at : st + strlen(st);
	/* The count follows an 'x' that is not the one of a 0x status. */
	skip = st[0] == '0' && (st[1] == 'x' || st[1] == 'X') ? 2 : 0;
	x = memchr(st + skip, 'x', (size_t)(st_end - st) - skip);
	if (at) {
		if (strict_u64(at + 1, strlen(at + 1), 0, &v) || v >= max_cpus) {
			snprintf(why, n,
			         "%s: cpu '%s' is not a decimal number in range 0..%u (the "
			         "MD's max-cpus - 1)",
			         name, at + 1, max_cpus - 1);
			return -1;
		}
		out->cpu = (int32_t)v;
	}
	if (x) {
		if (strict_u64(x + 1, (size_t)(st_end - x - 1), 0, &v) || !v ||
		    v > TRACE_FAULT_COUNT_MAX) {
			snprintf(why, n, "%s: count '%.*s' is not a decimal number in range 1..%u",
			         name, (int)(st_end - x - 1), x + 1, TRACE_FAULT_COUNT_MAX);
			return -1;
		}
		out->count = (uint32_t)v;
		st_end = x;
	}
	{
		char text[32];
		int k;

		snprintf(text, sizeof text, "%.*s", (int)(st_end - st), st);
		if ((k = trace_hv_status_by_name(text)) >= 0)
			v = (uint64_t)k;
		else if (strict_u64(st, (size_t)(st_end - st), 1, &v))
			v = 0;
		if (!v || v > TRACE_FAULT_STATUS_MAX) {
			snprintf(
			    why, n,
			    "%s: status '%.*s' is not an HV error name (ENOCPU ... EBUSY) or a "
			    "number in range 1..%u",
			    name, (int)(st_end - st), st, TRACE_FAULT_STATUS_MAX);
			return -1;
		}
		out->status = v;
	}
	return 0;
}

const char *const trace_ds_services[] = {
    "md-update", "domain-shutdown", "domain-panic",      "dr-cpu",
    "pri",       "var-config",      "var-config-backup",
};
const size_t trace_ds_nservices = sizeof(trace_ds_services) / sizeof(trace_ds_services[0]);

/* The trace format's DS types and dr-cpu values are the wire's (ds/). */
_Static_assert((int)TRACE_DS_INIT_REQ == DS_INIT_REQ && (int)TRACE_DS_INIT_ACK == DS_INIT_ACK &&
                   (int)TRACE_DS_INIT_NACK == DS_INIT_NACK && (int)TRACE_DS_REG_REQ == DS_REG_REQ &&
                   (int)TRACE_DS_REG_ACK == DS_REG_ACK && (int)TRACE_DS_REG_NACK == DS_REG_NACK &&
                   (int)TRACE_DS_UNREG_REQ == DS_UNREG_REQ &&
                   (int)TRACE_DS_UNREG_ACK == DS_UNREG_ACK &&
                   (int)TRACE_DS_UNREG_NACK == DS_UNREG_NACK && (int)TRACE_DS_DATA == DS_DATA &&
                   (int)TRACE_DS_NACK == DS_NACK,
               "trace DS types are the wire's");
_Static_assert(TRACE_DR_CONFIGURE == DS_DR_CONFIGURE && TRACE_DR_UNCONFIGURE == DS_DR_UNCONFIGURE &&
                   TRACE_DR_FORCE_UNCONFIGURE == DS_DR_FORCE_UNCONFIGURE &&
                   TRACE_DR_STATUS == DS_DR_STATUS && TRACE_DR_OK == DS_DR_OK &&
                   TRACE_DR_ERROR == DS_DR_ERROR,
               "trace dr-cpu values are the wire's");

const char *trace_ds_type_name(uint32_t type)
{
	return ds_type_name(type);
}

/* ---- deterministic latency model (FORMAT.md, "hcall_model") ---- */

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t trace_dist_sample(const struct trace_dist *d, uint64_t seed, uint32_t fn, uint32_t strand,
                           uint32_t k)
{
	uint64_t h = splitmix64(splitmix64(splitmix64(seed ^ fn) ^ strand) ^ k);
	uint64_t h2 = splitmix64(h);
	double u1 = (double)(h >> 11) * 0x1p-53, u2 = (double)(h2 >> 11) * 0x1p-53;
	uint64_t v;

	switch (d->kind) {
	case TRACE_DIST_FIXED:
		return d->ns;
	case TRACE_DIST_UNIFORM:
		v = d->min_ns + (uint64_t)(u1 * (double)(d->max_ns - d->min_ns + 1));
		return v > d->max_ns ? d->max_ns : v;
	case TRACE_DIST_LOGNORMAL: {
		double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
		double x = (double)d->median_ns * exp(d->sigma * z);

		v = x >= 1e15 ? (uint64_t)1e15 : (uint64_t)llround(x);
		if (d->min_ns && v < d->min_ns)
			v = d->min_ns;
		if (d->max_ns && v > d->max_ns)
			v = d->max_ns;
		return v;
	}
	}
	return 0;
}

const struct trace_dist *trace_model_dist(const struct trace_model *m, uint32_t fn)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (m->fns[i].fn == fn)
			return &m->fns[i].dist;
	return &m->def;
}

json_t *trace_dist_to_json(const struct trace_dist *d)
{
	switch (d->kind) {
	case TRACE_DIST_FIXED:
		return json_pack("{s:s, s:I}", "dist", "fixed", "ns", (json_int_t)d->ns);
	case TRACE_DIST_UNIFORM:
		return json_pack("{s:s, s:I, s:I}", "dist", "uniform", "min_ns",
		                 (json_int_t)d->min_ns, "max_ns", (json_int_t)d->max_ns);
	case TRACE_DIST_LOGNORMAL: {
		json_t *o = json_pack("{s:s, s:I, s:f}", "dist", "lognormal", "median_ns",
		                      (json_int_t)d->median_ns, "sigma", d->sigma);

		if (o && d->min_ns &&
		    json_object_set_new(o, "min_ns", json_integer((json_int_t)d->min_ns))) {
			json_decref(o);
			return NULL;
		}
		if (o && d->max_ns &&
		    json_object_set_new(o, "max_ns", json_integer((json_int_t)d->max_ns))) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	}
	return NULL;
}

/* ---- hex ---- */

char *trace_hex_encode(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * len + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 15];
	}
	s[2 * len] = '\0';
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 0 ok, -1 malformed, -2 out of memory. */
int trace_hex_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *b;

	if (n % 2)
		return -1;
	b = malloc(n / 2 ? n / 2 : 1);
	if (!b)
		return -2;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n / 2;
	return 0;
}

/* ---- DS wire encoding: the ds/ codec, from the trace's record ---- */

static enum trace_status from_ds(int rc)
{
	return rc == DS_OK ? TRACE_OK : rc == DS_ERR_NOMEM ? TRACE_ERR_NOMEM : TRACE_ERR_ARG;
}

/* The DATA payload of m (malloc'd). */
static int ds_payload(const struct trace_ds_msg *m, uint8_t **out, size_t *len)
{
	int reply = m->dir == TRACE_DS_FROM_GUEST;
	if (!strcmp(m->service, "md-update")) {
		struct ds_md_update u = {.req_num = m->req_num, .result = m->result};
		return ds_md_update_encode(&u, reply, out, len);
	}
	if (!reply)
		return ds_dr_cpu_encode_request(m->req_num, m->dr_type, m->cpus, m->ncpus, out,
		                                len);
	struct ds_dr_record *recs = calloc(m->nentries ? m->nentries : 1, sizeof *recs);
	if (!recs)
		return DS_ERR_NOMEM;
	for (uint32_t i = 0; i < m->nentries; i++)
		recs[i] = (struct ds_dr_record){m->entries[i].cpu, m->entries[i].result,
		                                m->entries[i].stat, 0};
	int rc = ds_dr_cpu_encode_reply(m->req_num, m->dr_type, recs, m->nentries, out, len);
	free(recs);
	return rc;
}

enum trace_status trace_ds_encode(const struct trace_ds_msg *m, uint8_t **out, size_t *len)
{
	struct ds_msg d = {.type = (uint32_t)m->type,
	                   .major = m->major,
	                   .minor = m->minor,
	                   .handle = m->handle,
	                   .result = m->result};
	uint8_t *payload = NULL;
	int rc;

	if (ds_type_name(d.type) == NULL)
		return TRACE_ERR_ARG;
	if (m->type == TRACE_DS_REG_REQ) {
		d.name = m->service;
		d.name_len = strlen(m->service);
	}
	if (m->type == TRACE_DS_DATA) {
		if ((rc = ds_payload(m, &payload, &d.payload_len)))
			return from_ds(rc);
		d.payload = payload;
	}
	rc = ds_encode(&d, out, len);
	free(payload);
	return from_ds(rc);
}
