/*
 * ldomsim — internals shared by the traces/trace_*.c files (not public:
 * users include traces/trace.h only).
 */
#ifndef LDOMSIM_TRACES_TRACE_INTERNAL_H
#define LDOMSIM_TRACES_TRACE_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>

#include "traces/trace.h"

/* Set/append helpers that remember failure: the caller checks *ok once. */
static inline void trace_put(json_t *o, const char *k, json_t *v, int *ok)
{
	if (!o || !v || json_object_set_new(o, k, v))
		*ok = 0;
}
static inline void trace_append(json_t *a, json_t *v, int *ok)
{
	if (!a || !v || json_array_append_new(a, v))
		*ok = 0;
}

/* JSON values as traces write them (trace_save.c); NULL on no memory:
 * "0x..." for register-sized values, an array of cpu ids. */
json_t *trace_hex_json(uint64_t v);
json_t *trace_cpus_json(const uint32_t *c, size_t n);
/* machine.costs as written (trace_save.c); NULL on no memory. */
json_t *trace_costs_json(const struct trace_costs *c);
/* The costs trace gen and trace import write (TRACE_GEN_*_NS, trace_gen.c). */
void trace_gen_costs(struct trace_costs *c);

enum trace_dist_kind { TRACE_DIST_FIXED, TRACE_DIST_UNIFORM, TRACE_DIST_LOGNORMAL };

struct trace_dist {
	enum trace_dist_kind kind;
	uint64_t ns;        /* fixed */
	uint64_t min_ns;    /* uniform; lognormal clamp (0: none) */
	uint64_t max_ns;    /* uniform; lognormal clamp (0: none) */
	uint64_t median_ns; /* lognormal */
	double sigma;       /* lognormal: standard deviation of ln(latency) */
};

struct trace_model_fn {
	uint32_t fn;
	struct trace_dist dist;
};

struct trace_model {
	uint64_t seed;
	struct trace_dist def; /* functions without their own entry */
	struct trace_model_fn *fns;
	size_t nfns;
};

struct trace {
	char *name;
	char sha_hex[65];
	struct trace_machine machine;
	struct trace_md_gen *mds;
	size_t nmds;
	uint32_t *present;
	size_t npresent;
	uint32_t ds_strand;
	struct trace_op *ops;
	size_t nops;
	struct trace_irq *irqs;
	size_t nirqs;
	struct trace_fault *faults;
	size_t nfaults;
	struct trace_lost *lost; /* 1.2 $.capture.lost_events */
	size_t nlost;
	struct trace_ds_msg *ds;
	size_t nds;
	size_t *ds_reply;   /* per DS message: index of the guest's reply, or SIZE_MAX */
	size_t *op_request; /* per op: index of the DS request carrying it */
	struct trace_hcall *hcalls;
	size_t nhcalls;
	const struct trace_hcall **by_strand; /* hcalls grouped by strand, trace order */
	size_t *strand_off;                   /* max_cpus + 1 offsets into by_strand */
	struct trace_model model;
};

/* Error helper: formats "NAME: PATH: message" into err (if non-NULL). */
enum trace_status trace_fail(struct trace_error *err, enum trace_status code, const char *name,
                             const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Canonical JSON text of a trace document (caller frees). */
char *trace_json_dump(json_t *doc);
/* Write bytes to path atomically: temp file in the same folder + rename. */
enum trace_status trace_write_atomic(const char *path, const void *buf, size_t len,
                                     struct trace_error *err);
/* The JSON document of a loaded trace (new reference). */
json_t *trace_to_json(const struct trace *t);

/* DS message <-> wire bytes (big-endian, the layouts of Linux's ds.c). */
enum trace_status trace_ds_encode(const struct trace_ds_msg *m, uint8_t **out, size_t *len);

/* Model: parse helpers and sampling. */
uint64_t trace_dist_sample(const struct trace_dist *d, uint64_t seed, uint32_t fn, uint32_t strand,
                           uint32_t k);
json_t *trace_dist_to_json(const struct trace_dist *d);
const struct trace_dist *trace_model_dist(const struct trace_model *m, uint32_t fn);

/* Hex helpers. */
char *trace_hex_encode(const uint8_t *buf, size_t len);
int trace_hex_decode(const char *s, uint8_t **out, size_t *len);

/* Service names of the DS services Linux registers, in ds.c's order. */
extern const char *const trace_ds_services[];
extern const size_t trace_ds_nservices;

#endif
