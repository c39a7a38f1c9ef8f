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

/* ---- the loader (trace.c and the trace_*.c files of its sections) ---- */

/* Longest JSON path an error message names ("..." ends a longer one). */
#define MAX_PATH_TEXT 160

/* One load in progress: the document's name, the folder its MD files are
 * relative to (NULL: in memory, MD files not read), where errors go. */
struct trace_ld {
	const char *name;
	const char *base_dir;
	struct trace_error *err;
	struct trace *t;
	unsigned minor; /* the file's minor version */
};

#define FAIL(ld, code, path, ...) trace_fail((ld)->err, code, (ld)->name, path, __VA_ARGS__)

/* JSON reading helpers (trace_json.c): each fails with the path and reason.
 * out of join/index_path holds MAX_PATH_TEXT bytes. */
void trace__join(char *out, const char *path, const char *key);
void trace__index_path(char *out, const char *path, size_t i);
/* Every key of obj is one of allowed (NULL-terminated). */
enum trace_status trace__check_keys(struct trace_ld *ld, json_t *obj, const char *path,
                                    const char *const *allowed);
enum trace_status trace__want_object(struct trace_ld *ld, json_t *v, const char *path);
enum trace_status trace__want_array(struct trace_ld *ld, json_t *v, const char *path);
/* Look up a field; *out is NULL when optional and absent. */
enum trace_status trace__field(struct trace_ld *ld, json_t *obj, const char *path, const char *key,
                               int required, json_t **out);
enum trace_status trace__get_uint(struct trace_ld *ld, json_t *obj, const char *path,
                                  const char *key, uint64_t min, uint64_t max, uint64_t *out);
enum trace_status trace__get_u32(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, uint64_t min, uint64_t max, uint32_t *out);
/* A 64-bit register value: an unsigned integer or a "0x..." hex string. */
enum trace_status trace__reg_of(struct trace_ld *ld, json_t *v, const char *path, uint64_t *out);
enum trace_status trace__get_reg(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, uint64_t *out);
enum trace_status trace__get_str(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, size_t maxlen, const char **out);
/* Optional t_ns. */
enum trace_status trace__get_opt_t(struct trace_ld *ld, json_t *obj, const char *path, int *has,
                                   uint64_t *out);
/* A list of cpu ids (< max_cpus), at least min_n entries. */
enum trace_status trace__get_cpus(struct trace_ld *ld, json_t *obj, const char *path,
                                  const char *key, size_t min_n, uint32_t **out, uint32_t *n);

/* The loader's sections, in the order trace.c calls them: each reads its
 * part of the document root into ld->t. */
enum trace_status trace__load_machine(struct trace_ld *ld, json_t *root);  /* trace_machine.c */
enum trace_status trace__load_md(struct trace_ld *ld, json_t *root);       /* trace_md.c */
enum trace_status trace__load_scenario(struct trace_ld *ld, json_t *root); /* trace_scenario.c */
enum trace_status trace__load_ds(struct trace_ld *ld, json_t *root);       /* trace_ds.c */
/* The DS log against the protocol and the scenario (trace_ds.c). */
enum trace_status trace__check_ds(struct trace_ld *ld);
enum trace_status trace__load_hcalls(struct trace_ld *ld, json_t *root); /* trace_hcalls.c */
/* Index the records by strand and check each strand exists at some point. */
enum trace_status trace__index_hcalls(struct trace_ld *ld);
enum trace_status trace__load_model(struct trace_ld *ld, json_t *root); /* trace_hcalls.c */

/* The whole file (util/file.h); errno says why on TRACE_ERR_IO (trace_md.c). */
enum trace_status trace__read_file(const char *path, uint8_t **out, size_t *len);
/* Index of MD generation gen in t->mds, -1 if none (trace_md.c). */
int trace__find_gen(const struct trace *t, uint32_t gen);
/* $.scenario.ops[].op names, by enum trace_op_kind (trace_scenario.c). */
extern const char *const trace__op_names[];

/* ---- trace import (trace_import.c, trace_ftrace.c, trace_capture.c, trace_outdir.c) ---- */

struct md;

/* A completed call of the ftrace capture. */
struct trace_imp_call {
	uint32_t cpu;
	uint64_t start_ns, dur_ns;
	char func[64];
	int probed; /* from a kprobe/kretprobe pair (args and status known) */
	uint32_t nargs;
	uint64_t args[TRACE_HCALL_MAX_ARGS];
	uint64_t status;
};

struct trace_imp_calls {
	struct trace_imp_call *v;
	size_t n, cap;
};

/* Events ftrace lost on one cpu (its "CPU:N [LOST ...]" markers). */
struct trace_imp_lostacc {
	int seen, unknown;
	uint64_t events;
};

/* dmesg lines "[  215.497400] ds-1: Starting cpu 56..." */
struct trace_imp_klog {
	uint64_t t_ns;
	int kind; /* 0 md-update, 1 starting, 2 shutting down, 3 startup failed */
	uint32_t cpu;
};

struct trace_imp_mdinfo {
	struct md *md;
	uint32_t max_cpus;
	uint64_t clock_hz, stick_hz;
	uint32_t *cpus;
	size_t ncpus;
};

/* An import's output: written into a staging folder beside DIR and moved
 * into place by trace__outdir_commit, so that a failed import leaves nothing
 * behind (trace__outdir_abort removes the staging folder and the parents it made). */
struct trace_imp_outdir {
	char *dir;   /* -o DIR, trailing slashes removed */
	char *stage; /* DIR.import-XXXXXX */
	char **made; /* parent folders this import created, outermost first */
	size_t nmade;
	char **files; /* names written into stage */
	size_t nfiles;
	int committed;
};

/* Whitespace (spaces and tabs) skipped (trace_ftrace.c). */
const char *trace__skip_ws(const char *p);
/* qsort order of uint32_t, ascending (trace_capture.c). */
/* Append x; -1 when out of memory (trace_capture.c). */
int trace__calls_add(struct trace_imp_calls *c, const struct trace_imp_call *x);
/* Completed calls of every function in the capture, in completion order;
 * the overrun markers per cpu into lost[TRACE_MAX_CPUS] (trace_capture.c). */
enum trace_status trace__read_ftrace(const char *path, struct trace_imp_calls *out,
                                     struct trace_imp_lostacc *lost, struct trace_error *err);
/* The DR lines of dmesg.txt, in order (*out malloc'd; trace_capture.c). */
enum trace_status trace__read_dmesg(const char *path, struct trace_imp_klog **out, size_t *n,
                                    struct trace_error *err);
/* An MD file and what the trace takes from it (trace_capture.c). */
enum trace_status trace__read_md(const char *path, struct trace_imp_mdinfo *mi,
                                 struct trace_error *err);
/* The value of key=value in the manifest text (malloc'd), NULL if absent. */
char *trace__manifest_get(const char *text, const char *key);
/* FNV-1a hash of s (the hcall model's seed: the manifest's text). */
uint64_t trace__fnv1a(const char *s);
/* Fit a lognormal per hypercall function from the recorded latencies. */
json_t *trace__fit_model(const struct trace_imp_calls *hc, const uint32_t *fnof, uint64_t seed,
                         int *ok);

/* The output folder (trace_outdir.c): open stages it, note/write add a
 * file, commit moves the staged files into DIR, abort removes the staging
 * folder and the parents it made, free releases the struct. */
enum trace_status trace__outdir_open(struct trace_imp_outdir *od, const char *dir,
                                     struct trace_error *err);
enum trace_status trace__outdir_note(struct trace_imp_outdir *od, const char *name,
                                     struct trace_error *err);
enum trace_status trace__outdir_write(struct trace_imp_outdir *od, const char *name, const void *b,
                                      size_t len, struct trace_error *err);
enum trace_status trace__outdir_commit(struct trace_imp_outdir *od, struct trace_error *err);
void trace__outdir_abort(struct trace_imp_outdir *od);
void trace__outdir_free(struct trace_imp_outdir *od);
/* Replace every "from" in msg (n bytes) by "to". */
void trace__replace_all(char *msg, size_t n, const char *from, const char *to);
/* A message about the staged trace names what the user has: the capture's
 * MD file for md-genN.bin, the capture folder for the rest. */
void trace__outdir_rename_in_msg(const struct trace_imp_outdir *od, struct trace_error *err,
                                 char *const *md_src, size_t nmds, const char *cap);

#endif
