/*
 * bench/run.h — one run of a trace: boot the guest on MD generation 1 with
 * the real boot-time MD code, bring up domain services (the real ds.c over
 * the kernel model's LDC, answered by a model of the control domain's DS
 * peer), then play the trace's operations at their times: md-update
 * (the real mdesc_update fetching the next generation) and dr-cpu requests
 * (the real dr_cpu_data → dr_cpu_configure → add_cpu → __cpu_up → CPU_START
 * → hv_cpu_startup on the new strand → smp_callin → online → the DS reply).
 */
#ifndef LDOMSIM_BENCH_RUN_H
#define LDOMSIM_BENCH_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "traces/trace.h" /* struct trace_fault, trace_param_value */

/* The result document's format and version (bench/result.schema.json):
 * a major change breaks readers (compare refuses it), a minor one adds. */
#define BENCH_RESULT_FORMAT "ldomsim-result"
#define BENCH_RESULT_MAJOR  1
/* 1.1: "interrupts", config "irq"; 1.2: config "hwcaps", "code_patches";
 * 1.3: "domain" (the domain powered off), "findings" (OBP calls on
 * hypervisor-started strands), "capture" (events an imported trace lost),
 *      topology "generation", "host_refused", "stale_bits", "stale_report";
 * 1.4: config "memory_model", operations[] "memory" (--memory-model on);
 * 1.5: simulator "snapshot", "snapshot_key", "snapshot_bytes",
 *      "snapshot_note", "host_seconds_save"/"_restore", "guest_insns_restored",
 *      "cpu_seconds" */
#define BENCH_RESULT_MINOR 5

/* A hypervisor fault to inject (run --inject; traces/trace.h
 * trace_fault_parse is its rule): the next f.count calls of fast-trap
 * function f.fn on strand f.cpu (-1: any) return f.status. */
struct bench_fault {
	struct trace_fault f;
	const char *spec; /* as written, for the result's config.inject; NULL: none */
};

/* A device interrupt the domain owns (run --irq): built at boot with the
 * real sun4v_build_irq, requested, and targeted by the real fixup_irqs;
 * dr-cpu then retargets it through the real sun4v_set_affinity. */
#define BENCH_IRQ_CPU_WORDS (TRACE_MAX_CPUS / 64)
struct bench_irq {
	unsigned devhandle;                /* 0-7 */
	unsigned devino;                   /* 0-255 */
	int all;                           /* affinity: every cpu */
	uint64_t aff[BENCH_IRQ_CPU_WORDS]; /* else these cpus (bit c of word c / 64) */
	const char *spec; /* as written, for messages and the result's config.irq; NULL: none */
};

/* The run copies trace and image; the arrays (set, inject, irq) and their
 * strings are borrowed and must outlive the run. The library takes typed
 * values: cli/options.h parses the command line's strings into them. */
struct sim_engines; /* sim/sim.h */

struct bench_run_cfg {
	const char *trace;    /* trace.json */
	const char *image;    /* guest ELF; NULL: build/guest/guest.elf beside the binary */
	uint64_t insn_budget; /* instructions a thread may run without blocking */
	uint64_t ram_size;    /* bytes of guest RAM */
	/* Timing parameters overriding the trace's machine section: cpi,
	 * clock_hz, stick_hz, or a cost (kernel-model/costs.def). */
	const struct trace_param_value *set;
	size_t nset;
	const char *folded; /* write folded stacks here (flame graphs); NULL: not */
	/* Hypervisor faults to inject before the trace's own; a cpu must be
	 * below the trace's max_cpus. */
	const struct bench_fault *inject;
	size_t ninject;
	/* Device interrupts the domain owns besides the trace's. */
	const struct bench_irq *irq;
	size_t nirq;
	int no_profile;   /* skip the per-function profile (and the phases it
	                     gives): ~30% faster on the largest shapes */
	int memory_model; /* 1: caches from the MDs, accesses stall by the level
	                     that serves them (bench/TIMING.md, "Memory") */
	int boot_only;    /* stop at the boot-snapshot point (issue 14): booted, the
	                     domain services registered, before the first operation */
	/* Boot snapshots (issue 14): restore the boot from the snapshot
	 * store when one has this run's key, else boot and save one. */
	int no_snapshot;          /* 1: always boot cold, store nothing */
	const char *snapshot_dir; /* the store; NULL: $XDG_CACHE_HOME/ldomsim or
	                             ~/.cache/ldomsim */
	/* Engines to borrow (sim.h, sim_engines_create), for a process that
	 * runs many scenarios; NULL: the run opens and closes its own. */
	struct sim_engines *engines;
};
void bench_run_cfg_default(struct bench_run_cfg *c);

struct bench_run;

/* What a run did with boot snapshots: simulator.snapshot. */
enum bench_snap_status { BENCH_SNAP_OFF, BENCH_SNAP_HIT, BENCH_SNAP_MISS };
const char *bench_snap_status_name(enum bench_snap_status s);
/* 0 when dir (NULL: the default) can hold snapshots (made if absent), else
 * -1 with err naming it: a --snapshot-dir that does not work. */
int bench_run_snap_check_dir(const char *dir, char *err, size_t n);
/* Bytes of snapshots the store keeps (least recently used go first). */
#define BENCH_SNAP_STORE_MAX (1ull << 30)

/* Runs the whole scenario. On a setup error (bad trace, missing image)
 * returns -1 with err set and *out NULL; otherwise 0 and a run whose
 * verdict says whether the guest did what the trace asked. */
int bench_run(const struct bench_run_cfg *cfg, struct bench_run **out, char *err, size_t n);
void bench_run_free(struct bench_run *r);
/* The checks bench_run makes of cfg before it runs anything (the guest
 * image and its manifest, the overrides' ranges, fault cpus of any
 * domain), for a caller that plans many runs (sweep) and must refuse a bad
 * option before the first. 0, or -1 with err naming the option.
 * cfg.trace is not read; the guest is checked only when cfg.image names
 * one (the runs find their default guest beside their binary). */
int bench_run_check_cfg(const struct bench_run_cfg *cfg, char *err, size_t n);

/* The machine of a run (for a boot_only run: as the snapshot would hold it). */
struct sim;
struct sim *bench_run_sim(struct bench_run *r);
/* The guest image the run used (resolved path). */
const char *bench_run_image(const struct bench_run *r);

/* 0: every operation completed and the maps equal the host computation. */
int bench_run_ok(const struct bench_run *r);

/* The result document (jansson json_t *; a new reference). */
void *bench_run_json(struct bench_run *r, int with_log);
/* After a run: send the guest one more DS DATA message on service (the
 * handle the guest registered, then payload), with the tag's length field
 * claimed_len (-1: the true length), let it run, and return its first DATA
 * reply on that service (malloc'd; NULL, 0 when it sent none). */
int bench_run_request(struct bench_run *r, const char *service, const void *payload, size_t len,
                      int64_t claimed_len, uint8_t **reply, size_t *reply_len);

/* After a run: put raw bytes into the DS channel as the peer would (tags
 * and all, any content), raise the channel event and let the guest run.
 * -1 when the run can go no further (the guest stopped with a verdict:
 * bench_run_ok() is then false). */
int bench_run_deliver_raw(struct bench_run *r, const void *bytes, size_t len);

/* After a run: publish another MD generation (the hypervisor's MACH_DESC
 * hands it out from now on; send md-update yourself), and compare the
 * guest's ids and topology maps, over the cpus present in the guest, with
 * the host computation from the MD handed out last: the number of strands
 * that differ (SIZE_MAX: the host cannot compute that MD's topology).
 * Bits of removed cpus that Linux leaves in cpu_core_sib_map and
 * cpu_core_sib_cache_map are not differences (result topology.stale_bits). */
int bench_run_publish_md(struct bench_run *r, const void *md, size_t len);
size_t bench_run_topology_check(struct bench_run *r, char *report, size_t n);

/* The kernel log as dmesg prints it. */
void bench_run_print_log(const struct bench_run *r, void *file);

#endif
