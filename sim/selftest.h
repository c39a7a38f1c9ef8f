/*
 * sim/selftest.h — the machine's self-tests and the first real run: the
 * kernel's hv_cpu_startup started as CPU_START starts it, up to smp_callin.
 */
#ifndef LDOMSIM_SIM_SELFTEST_H
#define LDOMSIM_SIM_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

#include "sim/hv.h"

struct sim_check {
	char name[48];
	int pass;
	char detail[256];
};

struct sim_checks {
	struct sim_check *v;
	size_t n, cap;
};
void sim_checks_free(struct sim_checks *c);
void sim_checks_add(struct sim_checks *c, const char *name, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sim_checks_all_pass(const struct sim_checks *c);

/* Privileged state, traps, spill/fill recursion, NPC after a trap in a
 * delay slot, verdicts (unknown hypercall, unmapped access, illegal
 * instruction, runaway loop, RED_state, trap without handler), engine
 * recycling — on the self-test image. Returns 0 if it could run at all. */
int sim_selftest_machine(const char *selftest_elf, struct sim_checks *out, char *err, size_t n);

/* The real hv_cpu_startup run. */
struct sim_hvtramp_opts {
	unsigned cpu;         /* cpu id the strand is started as */
	int fail_fn;          /* hypercall to fail (-1: none), e.g. 0x25 */
	uint64_t fail_status; /* the status it returns */
	uint64_t insn_budget; /* 0: default */
};
void sim_hvtramp_opts_default(struct sim_hvtramp_opts *o);

struct sim_hvtramp_result {
	char reached[64];  /* symbol where the strand stopped ("smp_callin") */
	char verdict[512]; /* "reached" or the verdict line */
	char stop[32];     /* sim_stop_name */
	char where[96];
	uint64_t insns;
	uint64_t g4, g6, sp; /* at smp_callin */
	uint64_t expect_g4, expect_g6, expect_sp;
	struct hv_call *hcalls;
	size_t nhcalls;
	unsigned num_mappings;
	uint64_t descr_ra;
	char kernel_version[64];
	char unicorn_version[48];
};
void sim_hvtramp_result_free(struct sim_hvtramp_result *r);

/* Returns 0 when the run could be set up (whatever its verdict). */
int sim_selftest_hvtramp(const char *guest_elf, const struct sim_hvtramp_opts *o,
                         struct sim_hvtramp_result *r, struct sim_checks *checks, char *err,
                         size_t n);

/* Default artefact paths, relative to the directory of the running
 * executable (build/): guest/guest.elf and sim/selftest.elf. */
const char *sim_default_path(const char *rel, char *buf, size_t n);

#endif
