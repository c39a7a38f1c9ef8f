/*
 * sim/selftest.h — the machine's self-tests (the first real run, the
 * kernel's hv_cpu_startup, is the board's: board/board.h).
 */
#ifndef LDOMSIM_SIM_SELFTEST_H
#define LDOMSIM_SIM_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

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

/* Default artefact paths, relative to the directory of the running
 * executable (build/): guest/guest.elf and sim/selftest.elf. */
const char *sim_default_path(const char *rel, char *buf, size_t n);

#endif
