/*
 * ldomsim — trace tables and pure helpers: the hypervisor function table,
 * the deterministic latency model, the DS wire encoding, hex.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

static const struct trace_hcall_fn_info hcall_fns[] = {
    {"mach_exit", 0x00, 0x80, 1, 0},
    {"mach_desc", 0x01, 0x80, 2, 1},
    {"mach_sir", 0x02, 0x80, 0, 0},
    {"mach_set_watchdog", 0x05, 0x80, 1, 1},
    {"cpu_start", 0x10, 0x80, 4, 0},
    {"cpu_stop", 0x11, 0x80, 1, 0},
    {"cpu_yield", 0x12, 0x80, 0, 0},
    {"cpu_qconf", 0x14, 0x80, 3, 0},
    {"cpu_qinfo", 0x15, 0x80, 1, 2},
    {"cpu_mycpuid", 0x16, 0x80, 0, 1},
    {"cpu_state", 0x17, 0x80, 1, 1},
    {"cpu_set_rtba", 0x18, 0x80, 1, 1},
    {"cpu_get_rtba", 0x19, 0x80, 0, 1},
    {"mmu_tsb_ctx0", 0x20, 0x80, 2, 0},
    {"mmu_tsb_ctxnon0", 0x21, 0x80, 2, 0},
    {"mmu_demap_page", 0x22, 0x80, 5, 0},
    {"mmu_demap_ctx", 0x23, 0x80, 4, 0},
    {"mmu_demap_all", 0x24, 0x80, 3, 0},
    {"mmu_map_perm_addr", 0x25, 0x80, 4, 0},
    {"mmu_fault_area_conf", 0x26, 0x80, 1, 1},
    {"mmu_enable", 0x27, 0x80, 2, 0},
    {"mmu_unmap_perm_addr", 0x28, 0x80, 3, 0},
    {"mmu_tsb_ctx0_info", 0x29, 0x80, 0, 2},
    {"mmu_tsb_ctxnon0_info", 0x2a, 0x80, 0, 2},
    {"mmu_fault_area_info", 0x2b, 0x80, 0, 1},
    {"mem_scrub", 0x31, 0x80, 2, 1},
    {"mem_sync", 0x32, 0x80, 2, 1},
    {"cpu_mondo_send", 0x42, 0x80, 3, 0},
    {"tod_get", 0x50, 0x80, 0, 1},
    {"tod_set", 0x51, 0x80, 1, 0},
    {"cons_getchar", 0x60, 0x80, 0, 1},
    {"cons_putchar", 0x61, 0x80, 1, 0},
    {"cons_write", 0x63, 0x80, 2, 1},
    {"intr_devino2sysino", 0xa0, 0x80, 2, 1},
    {"intr_getenabled", 0xa1, 0x80, 1, 1},
    {"intr_setenabled", 0xa2, 0x80, 2, 0},
    {"intr_getstate", 0xa3, 0x80, 1, 1},
    {"intr_setstate", 0xa4, 0x80, 2, 0},
    {"intr_gettarget", 0xa5, 0x80, 1, 1},
    {"intr_settarget", 0xa6, 0x80, 2, 0},
    {"ldc_tx_qconf", 0xe0, 0x80, 3, 0},
    {"ldc_tx_qinfo", 0xe1, 0x80, 1, 2},
    {"ldc_tx_get_state", 0xe2, 0x80, 1, 3},
    {"ldc_tx_set_qtail", 0xe3, 0x80, 2, 0},
    {"ldc_rx_qconf", 0xe4, 0x80, 3, 0},
    {"ldc_rx_qinfo", 0xe5, 0x80, 1, 2},
    {"ldc_rx_get_state", 0xe6, 0x80, 1, 3},
    {"ldc_rx_set_qhead", 0xe7, 0x80, 2, 0},
    {"mmu_map_addr", 0x83, 0x83, 4, 0},
    {"mmu_unmap_addr", 0x84, 0x84, 3, 0},
    {"core_trap", 0xff, 0xff, 5, 1},
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

const char *const trace_ds_services[] = {
    "md-update", "domain-shutdown", "domain-panic",      "dr-cpu",
    "pri",       "var-config",      "var-config-backup",
};
const size_t trace_ds_nservices = sizeof(trace_ds_services) / sizeof(trace_ds_services[0]);

static const char *const ds_type_names[] = {
    "INIT_REQ",  "INIT_ACK",  "INIT_NACK",  "REG_REQ", "REG_ACK", "REG_NACK",
    "UNREG_REQ", "UNREG_ACK", "UNREG_NACK", "DATA",    "NACK",
};

const char *trace_ds_type_name(uint32_t type)
{
	return type < sizeof(ds_type_names) / sizeof(ds_type_names[0]) ? ds_type_names[type] : NULL;
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

/* ---- DS wire encoding (big-endian; struct layouts incl. padding) ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

enum trace_status trace_ds_encode(const struct trace_ds_msg *m, uint8_t **out, size_t *len)
{
	size_t n;
	uint8_t *b;

	switch (m->type) {
	case TRACE_DS_INIT_REQ:
	case TRACE_DS_INIT_ACK:
	case TRACE_DS_INIT_NACK:
		n = 12;
		break;
	case TRACE_DS_REG_REQ:
		n = 24 + strlen(m->service);
		break;
	case TRACE_DS_REG_ACK:
	case TRACE_DS_REG_NACK:
	case TRACE_DS_NACK:
		n = 24;
		break;
	case TRACE_DS_UNREG_REQ:
	case TRACE_DS_UNREG_ACK:
	case TRACE_DS_UNREG_NACK:
		n = 16;
		break;
	case TRACE_DS_DATA:
		if (!strcmp(m->service, "md-update"))
			n = m->dir == TRACE_DS_TO_GUEST ? 24 : 32;
		else if (m->dir == TRACE_DS_TO_GUEST)
			n = 32 + 4 * (size_t)m->ncpus;
		else
			n = 32 + 16 * (size_t)m->nentries;
		break;
	default:
		return TRACE_ERR_ARG;
	}
	b = calloc(1, n);
	if (!b)
		return TRACE_ERR_NOMEM;
	put32(b, (uint32_t)m->type);
	put32(b + 4, (uint32_t)(n - 8));
	switch (m->type) {
	case TRACE_DS_INIT_REQ:
		put16(b + 8, m->major);
		put16(b + 10, m->minor);
		break;
	case TRACE_DS_INIT_ACK:
		put16(b + 8, m->minor);
		break;
	case TRACE_DS_INIT_NACK:
		put16(b + 8, m->major);
		break;
	case TRACE_DS_REG_REQ:
		put64(b + 8, m->handle);
		put16(b + 16, m->major);
		put16(b + 18, m->minor);
		memcpy(b + 20, m->service, strlen(m->service));
		break;
	case TRACE_DS_REG_ACK:
		put64(b + 8, m->handle);
		put16(b + 16, m->minor);
		break;
	case TRACE_DS_REG_NACK:
		put64(b + 8, m->handle);
		put16(b + 16, m->major);
		break;
	case TRACE_DS_NACK:
		put64(b + 8, m->handle);
		put64(b + 16, m->result);
		break;
	case TRACE_DS_UNREG_REQ:
	case TRACE_DS_UNREG_ACK:
	case TRACE_DS_UNREG_NACK:
		put64(b + 8, m->handle);
		break;
	case TRACE_DS_DATA:
		put64(b + 8, m->handle);
		put64(b + 16, m->req_num);
		if (!strcmp(m->service, "md-update")) {
			if (m->dir == TRACE_DS_FROM_GUEST)
				put32(b + 24, m->result);
			break;
		}
		put32(b + 24, m->dr_type);
		if (m->dir == TRACE_DS_TO_GUEST) {
			put32(b + 28, m->ncpus);
			for (uint32_t i = 0; i < m->ncpus; i++)
				put32(b + 32 + 4 * i, m->cpus[i]);
		} else {
			put32(b + 28, m->nentries);
			for (uint32_t i = 0; i < m->nentries; i++) {
				put32(b + 32 + 16 * i, m->entries[i].cpu);
				put32(b + 36 + 16 * i, m->entries[i].result);
				put32(b + 40 + 16 * i, m->entries[i].stat);
			}
		}
		break;
	}
	*out = b;
	*len = n;
	return TRACE_OK;
}
