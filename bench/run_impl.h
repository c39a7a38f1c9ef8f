/*
 * bench/run_impl.h — what the files of one run share (not part of the
 * library's interface: bench/run.h is): the run itself and its per-
 * operation results. run.c orchestrates (load, assemble the board, play,
 * collect), run_json.c writes the result document, run_topo.c checks the
 * guest's topology maps against the host computation.
 */
#ifndef LDOMSIM_BENCH_RUN_IMPL_H
#define LDOMSIM_BENCH_RUN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bench/run.h"
#include "bench/memory.h"
#include "board/board.h"
#include "hv/hv.h"
#include "kernel-model/km.h"
#include "sim/profile.h"
#include "lx/lx.h"
#include "traces/trace.h"

#define MAX_IRQS 16 /* --irq sources per run */

/* A device interrupt of the domain (--irq) and where the hypervisor
 * delivers it. */
/* --irq affinity masks (run.h) copy into run_irq's. */
_Static_assert(BENCH_IRQ_CPU_WORDS == LX_MAX_NR_CPUS / 64, "a cpu mask of the largest guest");

struct run_irq {
	unsigned devhandle, devino;
	unsigned irq;                      /* sun4v_build_irq's number */
	int all;                           /* affinity: every cpu */
	uint64_t aff[LX_MAX_NR_CPUS / 64]; /* else these cpus */
	uint64_t target_boot;              /* INTR_SETTARGET state after boot */
	unsigned retargets_boot;
	int from_trace;   /* else --irq */
	int has_recorded; /* the trace's INTR_GETTARGET at capture */
	uint32_t recorded;
};

struct cpu_result {
	uint32_t cpu, result, stat;
	int64_t online_ns; /* -1: never came online */
};

struct op_result {
	enum trace_op_kind kind;
	uint64_t req_num;
	uint64_t t_request_ns; /* the request reaches the guest */
	int64_t t_reply_ns;    /* the guest's reply is written; -1: none */
	uint32_t reply_type;   /* dr-cpu 'o'/'e', md-update result */
	struct cpu_result *cpus;
	size_t ncpus;
	int reply_matches; /* equals the trace's expected reply */
	char mismatch[200];
};

/* The phases of a request on the master's timeline, from the profile: the
 * functions that carry each step (gcc inlines set_core_ids, set_proc_ids
 * and set_sock_ids into mdesc_fill_in_cpu_data; what they call is named). */
struct phase_def {
	const char *name;
	const char *fn[2];     /* function name prefixes, summed */
	const char *parent[2]; /* ... when called from this function (NULL: anywhere) */
};

/* bench_run_phase_defs: run_json.c (the result's phases), read by the
 * snapshots the run takes at each operation. */
#define BENCH_RUN_NPHASES 16
extern const struct phase_def bench_run_phase_defs[];

struct phase_snap {
	uint64_t insns[BENCH_RUN_NPHASES], ps[BENCH_RUN_NPHASES];
	/* The memory model: every thread's accesses by kind and serving level,
	 * and stalls (sim_strand_stats), summed; zero when it is off. */
	uint64_t mem[CACHE_NKINDS][CACHE_MAX_LEVELS + 1];
	uint64_t mem_stall_ps;
	struct sim_prof_mem pmem[BENCH_RUN_NPHASES]; /* per phase, from the profile */
};

struct bench_run {
	struct bench_run_cfg cfg;
	struct trace_machine m;                 /* the trace's, with the overrides applied */
	struct phase_snap *snaps;               /* per op at its delivery, then the end */
	uint64_t boot_topo_insns, boot_topo_ps; /* boot's mdesc_fill_in_cpu_data */
	double *host_op; /* host seconds from the start at each op's delivery, then the end */
	double t0;
	char image[4096];
	char image_shown[512];        /* config.guest_image: as given, or relative to the
	                                 binary's folder when found beside it (no host path) */
	char trace_path[4096];        /* cfg.trace, owned: the caller's string may go */
	json_t *guest;                /* the image's identity from its manifest, or NULL */
	struct lx_layout layout;      /* the guest's layouts, read once per run */
	struct bench_mem *mem;        /* the memory model, NULL when off */
	struct md_shape_mem mem_over; /* --set l1_cycles= ...: bench_mem_params */
	unsigned mem_over_mask;       /* bit i: bench_mem_params[i] was set */
	const struct lx_layout *lx;   /* &layout */
	json_t *hwcaps;               /* the boot MD's cpu hwcap-list, as strings */
	unsigned patch_sets;          /* enum sim_patch_set applied for the hwcaps */
	unsigned patched;             /* instructions they replaced */
	struct trace *trace;
	struct board board; /* the machine, its hypervisor and the kernel model */
	unsigned irq_tid;
	uint64_t irq_stack;
	struct ds_peer *peer; /* the control domain's end of the DS channel */
	struct {              /* bench_run_request: the guest's first DATA on handle */
		int on;
		uint64_t handle;
		uint8_t *bytes;
		size_t len;
	} capture;
	struct bench_play *play; /* the scenario player: event queue and DS peer */
	struct op_result *ops;
	size_t nops;
	int failed; /* a verdict or an unanswered request */
	char verdict[512];
	size_t topo_diffs;      /* strands whose ids or maps differ */
	char topo_report[1024]; /* the first differences, or why no check was made */
	int topo_refused;       /* the host could not compute the topology of that MD */
	size_t topo_stale;      /* bits of cpus no longer present that Linux leaves */
	char topo_stale_report[256];
	/* The MD the guest was handed last (hv_set_mdesc before the guest's
	 * MACH_DESC): the one its maps must match. Generation 0: published by
	 * bench_run_publish_md. */
	const uint8_t *handed_md;
	size_t handed_len;
	uint32_t handed_gen;
	double host_seconds;
	uint64_t guest_insns;
	uint64_t t_base_ns; /* simulated time at which the scenario starts */
	uint8_t *extra_md;  /* an MD published after the trace (bench_run_publish_md) */
	size_t extra_md_len;
	struct run_irq irqs[MAX_IRQS];
	size_t nirqs;
	/* Boot snapshots (run_snap.c) */
	enum bench_snap_status snap;
	char snap_key[65];
	char snap_note[600]; /* why a snapshot was not used or not saved; "" none */
	double snap_seconds; /* host: restoring it (hit), or saving it (miss) */
	size_t snap_bytes;   /* its file's payload */
	uint64_t snap_insns; /* guest instructions the restored boot had run */
	struct run_fault {   /* injected faults, in hv_inject order */
		unsigned fn, count;
		int cpu;
		uint64_t status;
		int from_trace;
	} faults[HV_MAX_INJECT];
	size_t nfaults;
};

/* ---- shared between the run's files --------------------------------------- */

/* run_snap.c: restore the boot snapshot of the run as boot_machine made
 * it: 1 restored (continue at the first operation), 0 none (boot cold;
 * r->snap and r->snap_note say why), -1 err. */
int bench_run_snap_restore(struct bench_run *r, char *err, size_t n);
/* After a cold boot that missed: save its snapshot (a failure is a note). */
void bench_run_snap_save(struct bench_run *r);
/* run.c: the player attached to the guest's LDC port. */
int bench_run_play_create(struct bench_run *r, char *err, size_t n);
/* run.c: free the machine and make it again as boot_machine does. */
int bench_run_remake_machine(struct bench_run *r, char *err, size_t n);
/* run.c: host monotonic time, seconds (the simulator section's only clock). */
double bench_run_now_s(void);
/* sweep_ident.c: hex SHA-256 of a file's bytes; 0, or -1 (unreadable). */
int bench_file_sha256(const char *path, char hex[65]);

/* The first time (ns) an event of kind happened on cpu at or after
 * after; -1: none. */
int64_t bench_run_event_time(struct bench_run *r, enum km_event_kind kind, unsigned cpu,
                             uint64_t after);
/* Why the domain stopped, as one line ("running" when it did not). */
void bench_run_domain_reason(struct bench_run *r, char *buf, size_t n);
/* The finding's text for an OBP call on a hypervisor-started strand. */
void bench_run_obp_finding_text(const struct km_obp_call *o, char *buf, size_t n);
/* The spec of --irq source q (buf when the caller gave none). */
const char *bench_run_irq_spec(const struct bench_irq *q, char *buf, size_t n);
/* run_topo.c: the guest's ids and sibling maps against the host
 * computation of an MD; the strands that differ, SIZE_MAX when the host
 * cannot compute its topology (report says why). Sets r->topo_stale. */
size_t bench_run_topo_check(struct bench_run *r, const uint8_t *md_bytes, size_t len, char *report,
                            size_t n);

#endif
