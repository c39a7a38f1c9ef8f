/*
 * ldomsim — trace files: the recorded (or generated) input of one
 * simulation run. The on-disk format is documented in traces/FORMAT.md.
 *
 * A struct trace is immutable once loaded; every accessor returns pointers
 * into it that stay valid until trace_free(). Records are plain value
 * structs; only struct trace itself is opaque.
 */
#ifndef LDOMSIM_TRACES_TRACE_H
#define LDOMSIM_TRACES_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_FORMAT_NAME    "ldomsim-trace"
#define TRACE_VERSION_MAJOR  1     /* versions read and written: 1.0 to 1.TRACE_VERSION_MINOR */
#define TRACE_VERSION_MINOR  2     /* 1.1: scenario "interrupts" and "faults"; 1.2: "capture" */
#define TRACE_MAX_CPUS       4096u /* sparc64 NR_CPUS */
#define TRACE_HCALL_MAX_ARGS 5     /* %o0..%o4 */
#define TRACE_HCALL_MAX_RETS 5     /* %o1..%o5 */
#define TRACE_DS_SERVICE_MAX 64
#define TRACE_MAX_OPS        10000   /* $.scenario.ops entries */
#define TRACE_MAX_DS_MSGS    20000   /* $.ds messages */
#define TRACE_MAX_HCALLS     4000000 /* $.hcalls records */

/* 0, or a negative code (the library's convention: README Conventions);
 * trace_strerror names it, struct trace_error adds the message. */
enum trace_status {
	TRACE_OK = 0,
	TRACE_ERR_ARG = -1,     /* bad argument to an API call */
	TRACE_ERR_NOMEM = -2,   /* allocation failed */
	TRACE_ERR_IO = -3,      /* cannot read or write a file */
	TRACE_ERR_JSON = -4,    /* not well-formed JSON */
	TRACE_ERR_VERSION = -5, /* format version too old or too new */
	TRACE_ERR_FORMAT = -6,  /* not an ldomsim trace ("format" field) */
	TRACE_ERR_TYPE = -7,    /* a field has the wrong JSON type */
	TRACE_ERR_MISSING = -8, /* a required field is absent */
	TRACE_ERR_FIELD = -9,   /* a field this version does not define */
	TRACE_ERR_RANGE = -10,  /* a value out of its documented range */
	TRACE_ERR_NAME = -11,   /* unknown name (hcall function, DS type, op, service) */
	TRACE_ERR_HASH = -12,   /* an MD file does not match its sha256/size */
	TRACE_ERR_REF = -13,    /* dangling reference (MD generation, DS handle, req_num) */
	TRACE_ERR_CONSISTENCY =
	    -14,                /* records contradict each other (cpus, responses, raw bytes) */
	TRACE_ERR_MD = -15,     /* an MD generation is not a valid machine description */
	TRACE_ERR_DIGEST = -16, /* libcrypto could not compute a SHA-256 */
};

/* Error details: code plus a message "FILE: $.json.path[index]: what". */
struct trace_error {
	enum trace_status code;
	char msg[1024];
};

/* Costs of modelled (non-emulated) kernel steps, all in nanoseconds: the
 * COST rows of kernel-model/costs.def, in file order. */
struct trace_costs {
#define COST(name, unit, model_default, trace_default, min, what) uint64_t name;
#define MODEL_COST(name, unit, model_default, what)
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
};

struct trace_machine;

/* The machine's timing parameters and their rules: one row per parameter,
 * the only list of names, units and allowed ranges that the trace reader
 * ($.machine and $.machine.costs), the writer, trace gen/import and
 * `run --set` use, so a value one path accepts the others accept too.
 * Rows TRACE_PARAM_FIRST_COST.. are the cost fields in file order; the
 * rows before them are keys of $.machine itself. Ranges are inclusive and
 * exact in a double (below 2^53). */
enum trace_param_type {
	TRACE_PARAM_U64,  /* uint64_t, decimal or 0x hex in --set */
	TRACE_PARAM_REAL, /* double, a finite decimal number */
};
struct trace_param {
	const char *name; /* JSON key and --set name */
	const char *unit; /* for messages */
	enum trace_param_type type;
	size_t offset; /* offsetof(struct trace_machine, ...) */
	double min, max;
};
/* The number of COST rows of kernel-model/costs.def. */
#define TRACE_NCOSTS           (sizeof(struct trace_costs) / sizeof(uint64_t))
#define TRACE_PARAM_FIRST_COST 3 /* cpi, clock_hz, stick_hz come first */
#define TRACE_NPARAMS          (TRACE_PARAM_FIRST_COST + TRACE_NCOSTS)
extern const struct trace_param trace_params[TRACE_NPARAMS];
/* The smallest cpi and the largest clock_hz keep one instruction at 1 ps
 * or more (the simulator's clock unit): cpi * 1e12 / clock_hz >= 1. */
/* cpi at least 0.1, in thousandths so that integer constant expressions
 * (_Static_assert, which clang evaluates strictly) can use it. */
#define TRACE_CPI_MIN_MILLI 100
#define TRACE_CPI_MIN       (TRACE_CPI_MIN_MILLI / 1000.0)
#define TRACE_CPI_MAX       1000.0
#define TRACE_CLOCK_HZ_MAX  100000000000.0  /* 100 GHz */
#define TRACE_COST_NS_MAX   1000000000000.0 /* 1000 s */
/* Latest simulated time a trace may name (t_ns of ops, DS messages and
 * hypercall records), ns: ~11.6 days, far below the simulator's clock
 * limit (SIM_TIME_MAX_PS, sim/tunables.h), which leaves room for the
 * costs the run adds after it. */
#define TRACE_T_NS_MAX 1000000000000000ull

/* The cost fields (rows of trace_params), in file order: i-th is
 * trace_cost_fields[i], its value in c is *trace_cost(c, i). */
#define trace_cost_fields (&trace_params[TRACE_PARAM_FIRST_COST])
/* The parameter called name; NULL if none. */
const struct trace_param *trace_param_by_name(const char *name);
/* 0 if v (of a U64 parameter: v_u; of a REAL one: v_real) is inside p's
 * range; else -1 and why says "V is out of range MIN..MAX UNIT". */
int trace_param_check(const struct trace_param *p, uint64_t v_u, double v_real, char *why,
                      size_t n);
/* A timing parameter's value, typed (run's cost overrides): the row of
 * trace_params and its value (u for U64 rows, real for REAL rows). */
struct trace_param_value {
	const struct trace_param *param;
	uint64_t u;
	double real;
};
/* Parse text as p's value (--set): U64 a decimal or 0x hex integer (no
 * sign, no overflow), REAL a finite number; check it against the rule.
 * 0, or -1 with why naming the value and the range. */
int trace_param_parse(const struct trace_param *p, const char *text, struct trace_param_value *out,
                      char *why, size_t n);
/* Store v in m (v already under its rule: trace_param_check). */
void trace_param_store(struct trace_machine *m, const struct trace_param_value *v);
/* trace_param_parse, then trace_param_store into m. */
int trace_param_set(struct trace_machine *m, const struct trace_param *p, const char *text,
                    char *why, size_t n);

struct trace_machine {
	char shape[32];            /* machine shape name, e.g. "t2", "m7-16" */
	uint32_t sockets;          /* processor sockets of the whole machine */
	uint32_t cores_per_socket; /* cores per socket */
	uint32_t strands_per_core; /* hardware strands per core */
	uint32_t max_cpus;         /* the MD's platform max-cpus (cpu ids are below it) */
	double cpi;                /* guest cycles per guest instruction */
	uint64_t clock_hz;         /* strand clock frequency, Hz */
	uint64_t stick_hz;         /* %stick frequency, Hz */
	struct trace_costs costs;
};

/* The i-th cost field of c. */
static inline uint64_t *trace_cost(struct trace_costs *c, size_t i)
{
	return (uint64_t *)((char *)c + trace_cost_fields[i].offset -
	                    offsetof(struct trace_machine, costs));
}

struct trace_md_gen {
	uint32_t generation; /* 1, 2, ... (ascending) */
	const char *file;    /* as written in the trace: relative to the trace file */
	uint8_t sha256[32];
	size_t size;          /* bytes */
	const uint8_t *bytes; /* the MD image; NULL when loaded without its files */
};

enum trace_op_kind {
	TRACE_OP_MD_UPDATE,
	TRACE_OP_CONFIGURE,
	TRACE_OP_UNCONFIGURE,
	TRACE_OP_FORCE_UNCONFIGURE,
	TRACE_OP_STATUS,
};

struct trace_op {
	enum trace_op_kind kind;
	uint64_t t_ns;       /* simulated arrival time of the DS request */
	uint64_t req_num;    /* req_num of the DS request carrying it */
	uint32_t generation; /* TRACE_OP_MD_UPDATE: the MD generation published */
	uint32_t ncpus;      /* dr-cpu ops: the cpu list as sent */
	const uint32_t *cpus;
};

/* A device interrupt source of the domain (1.1): its recorded affinity and
 * the cpu the hypervisor delivered it to at capture (INTR_GETTARGET). */
struct trace_irq {
	uint32_t devhandle; /* 0-7 */
	uint32_t devino;    /* 0-255 */
	uint32_t naffinity; /* 0: every cpu */
	const uint32_t *affinity;
	int has_target;
	uint32_t target;
};

/* A hypervisor fault the scenario injects (1.1): the next count calls of
 * fast-trap function fn made by strand cpu (-1: any) return status. */
struct trace_fault {
	uint32_t fn;
	uint64_t status; /* HV_E* number */
	uint32_t count;
	int32_t cpu;
};
/* The rules of a fault, shared by $.scenario.faults and run --inject: fn
 * a fast-trap call of traces/hv_calls.def, status 1..TRACE_FAULT_STATUS_MAX
 * (0 is EOK, no fault), count 1..TRACE_FAULT_COUNT_MAX, cpu below the
 * machine's max_cpus. */
#define TRACE_FAULT_STATUS_MAX 255
#define TRACE_FAULT_COUNT_MAX  1000000
/* Parse a fault written "NAME=STATUS[xCOUNT][@CPU]" (--inject): STATUS an
 * HV error name (EINVAL, ...) or a decimal or 0x hex number, COUNT
 * (default 1) and CPU (default any: -1) decimal. 0, or -1 with why naming
 * the part at fault and its allowed range. */
int trace_fault_parse(const char *spec, uint32_t max_cpus, struct trace_fault *out, char *why,
                      size_t n);
/* The HV error number called name (HV_EOK 0 .. HV_EBUSY 17), or -1. */
int trace_hv_status_by_name(const char *name);

/* Events the capture a trace was imported from lost on one cpu (1.2,
 * $.capture.lost_events): ftrace's ring buffer overran there, so the
 * trace is incomplete for that cpu. */
struct trace_lost {
	uint32_t cpu;
	int known;       /* 0: a marker did not print the count ("unknown") */
	uint64_t events; /* the sum of the printed counts (when known) */
};

/* DS message types (the wire values of the DS tag). */
enum trace_ds_type {
	TRACE_DS_INIT_REQ = 0x0,
	TRACE_DS_INIT_ACK = 0x1,
	TRACE_DS_INIT_NACK = 0x2,
	TRACE_DS_REG_REQ = 0x3,
	TRACE_DS_REG_ACK = 0x4,
	TRACE_DS_REG_NACK = 0x5,
	TRACE_DS_UNREG_REQ = 0x6,
	TRACE_DS_UNREG_ACK = 0x7,
	TRACE_DS_UNREG_NACK = 0x8,
	TRACE_DS_DATA = 0x9,
	TRACE_DS_NACK = 0xa,
};

enum trace_ds_dir {
	TRACE_DS_TO_GUEST,   /* sent by the service processor / control domain */
	TRACE_DS_FROM_GUEST, /* sent by the Linux guest */
};

/* dr-cpu request and response types (the wire values). */
#define TRACE_DR_CONFIGURE         0x43u /* 'C' */
#define TRACE_DR_UNCONFIGURE       0x55u /* 'U' */
#define TRACE_DR_FORCE_UNCONFIGURE 0x46u /* 'F' */
#define TRACE_DR_STATUS            0x53u /* 'S' */
#define TRACE_DR_OK                0x6fu /* 'o' */
#define TRACE_DR_ERROR             0x65u /* 'e' */

struct trace_dr_entry {
	uint32_t cpu;
	uint32_t result; /* 0 OK, 1 FAILURE, 2 BLOCKED, 3 CPU_NOT_RESPONDING, 4 NOT_IN_MD */
	uint32_t stat;   /* 0 NOT_PRESENT, 1 UNCONFIGURED, 2 CONFIGURED */
};

struct trace_ds_msg {
	enum trace_ds_dir dir;
	enum trace_ds_type type;
	int has_t_ns;
	uint64_t t_ns;                      /* recorded time, when has_t_ns */
	uint16_t major;                     /* INIT_REQ, INIT_NACK, REG_REQ, REG_NACK */
	uint16_t minor;                     /* INIT_REQ, INIT_ACK, REG_REQ, REG_ACK */
	uint64_t handle;                    /* REG_*, UNREG_*, DATA, NACK */
	char service[TRACE_DS_SERVICE_MAX]; /* REG_REQ; DATA: the service of the handle */
	/* DATA of md-update: req_num (+ result in the guest's reply).
	 * DATA of dr-cpu: req_num, dr_type, cpus (requests) or entries (replies). */
	uint64_t req_num;
	uint32_t dr_type;
	uint32_t result; /* md-update reply result; NACK result */
	uint32_t ncpus;
	const uint32_t *cpus;
	uint32_t nentries;
	const struct trace_dr_entry *entries;
	size_t raw_len; /* the exact bytes (DS tag included), when recorded */
	const uint8_t *raw;
};

struct trace_hcall {
	uint32_t strand; /* the strand that made the call */
	uint32_t fn;     /* function number (%o5) or, for trap-number calls, the trap */
	const char *name;
	int has_t_ns;
	uint64_t t_ns; /* start of the call, when recorded */
	uint32_t nargs;
	uint64_t args[TRACE_HCALL_MAX_ARGS];
	uint64_t status; /* %o0 on return */
	uint32_t nrets;
	uint64_t rets[TRACE_HCALL_MAX_RETS];
	uint64_t latency_ns;
	uint32_t index; /* position in $.hcalls */
};

struct trace;

/* Load a trace file and every MD file it references (hashes checked).
 * On failure *out is NULL and err (if non-NULL) names file, path, record. */
enum trace_status trace_load(const char *path, struct trace **out, struct trace_error *err);

/* Load a trace JSON document from memory. name is used in messages;
 * MD files are read relative to base_dir, or not at all when base_dir is
 * NULL (then trace_md_gen bytes are NULL and hashes are not checked). */
enum trace_status trace_load_mem(const void *buf, size_t len, const char *name,
                                 const char *base_dir, struct trace **out, struct trace_error *err);

/* Write the trace to path atomically (temp file + rename), and each held
 * MD generation next to it at its relative file name (unchanged files are
 * left alone). Output is canonical: load+save of a saved trace is
 * byte-identical. */
enum trace_status trace_save(const struct trace *t, const char *path, struct trace_error *err);

void trace_free(struct trace *t);
const char *trace_strerror(enum trace_status code);

/* The trace file's name as given to trace_load (or the name of trace_load_mem). */
const char *trace_name(const struct trace *t);
/* Lower-case hex SHA-256 of the trace JSON as loaded (65 bytes with NUL). */
const char *trace_sha256_hex(const struct trace *t);

const struct trace_machine *trace_machine(const struct trace *t);

size_t trace_md_count(const struct trace *t);
const struct trace_md_gen *trace_md_at(const struct trace *t, size_t i);
/* By generation number; NULL when the trace has no such generation. */
const struct trace_md_gen *trace_md_gen(const struct trace *t, uint32_t generation);

/* Scenario: strands present at start (ascending), the strand that runs the
 * DS service thread, and the DR operations in order. */
const uint32_t *trace_present(const struct trace *t, size_t *n);
uint32_t trace_ds_strand(const struct trace *t);
size_t trace_op_count(const struct trace *t);
const struct trace_op *trace_op_at(const struct trace *t, size_t i);

/* The DS request (guest-bound DATA) that carries op i, and its index in
 * the DS log (SIZE_MAX when out of range). */
const struct trace_ds_msg *trace_op_request(const struct trace *t, size_t op_index);
size_t trace_op_request_index(const struct trace *t, size_t op_index);

size_t trace_irq_count(const struct trace *t);
const struct trace_irq *trace_irq_at(const struct trace *t, size_t i);
size_t trace_lost_count(const struct trace *t); /* cpus with lost events, ascending */
const struct trace_lost *trace_lost_at(const struct trace *t, size_t i);
size_t trace_fault_count(const struct trace *t);
const struct trace_fault *trace_fault_at(const struct trace *t, size_t i);
size_t trace_ds_count(const struct trace *t);
const struct trace_ds_msg *trace_ds_at(const struct trace *t, size_t i);
/* The guest's recorded reply to the request at index i (NULL if none). */
const struct trace_ds_msg *trace_ds_reply(const struct trace *t, size_t request_index);

/* The wire bytes of a DS message (DS tag included, big-endian, Linux 6.1
 * ds.c layouts): its recorded raw bytes, else the encoding of its fields.
 * *out is malloc'd; the caller frees it. */
enum trace_status trace_ds_wire(const struct trace_ds_msg *m, uint8_t **out, size_t *len);

size_t trace_hcall_count(const struct trace *t);
const struct trace_hcall *trace_hcall_at(const struct trace *t, size_t i);
/* All records of one strand, in trace order. */
const struct trace_hcall *const *trace_hcalls_of_strand(const struct trace *t, uint32_t strand,
                                                        size_t *n);
/* The k-th (0-based) recorded call of function fn on strand, or NULL. */
const struct trace_hcall *trace_hcall_find(const struct trace *t, uint32_t strand, uint32_t fn,
                                           uint32_t k);

/* Latency of the k-th (0-based) call of fn on strand from the trace's
 * per-function model: a pure function of (seed, fn, strand, k), see
 * FORMAT.md. Returns ns. */
uint64_t trace_model_sample(const struct trace *t, uint32_t fn, uint32_t strand, uint32_t k);
/* Latency to use for the k-th call of fn on strand: the recorded record's
 * latency if there is one, else the model's sample. */
uint64_t trace_hcall_latency(const struct trace *t, uint32_t strand, uint32_t fn, uint32_t k);

/* Hypervisor function table (the names the format accepts). */
struct trace_hcall_fn_info {
	const char *name; /* e.g. "cpu_start" */
	uint32_t fn;      /* function number, or trap number when trap != 0x80 */
	uint32_t trap;    /* 0x80 fast trap, or 0x83/0x84/0xff */
	uint32_t nargs;   /* arguments %o0.. the call takes */
	uint32_t nrets;   /* results %o1.. it returns */
};
const struct trace_hcall_fn_info *trace_hcall_fn_by_name(const char *name);
const struct trace_hcall_fn_info *trace_hcall_fn_by_number(uint32_t fn);

/* Name of a DS message type ("INIT_REQ", ...) or NULL. */
const char *trace_ds_type_name(uint32_t type);

/* SHA-256 of a buffer (OpenSSL's libcrypto): TRACE_OK, or TRACE_ERR_DIGEST
 * when libcrypto cannot compute it (out is then undefined). hex is 65
 * bytes (NUL-terminated lower-case). */
enum trace_status trace_sha256(const void *buf, size_t len, uint8_t out[32]);
void trace_sha256_to_hex(const uint8_t h[32], char hex[65]);

#endif
