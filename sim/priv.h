/*
 * sim/priv.h — the ONE place that reaches past Unicorn's public API.
 *
 * Unicorn 2.0.1's sparc64 register API has no PSTATE, TL, GL, CWP or NPC,
 * never runs the cpu reset, and never enters the guest trap vector by
 * itself. This module locates QEMU's CPUState/CPUSPARCState inside an
 * engine and calls the QEMU helpers libunicorn.so.2 exports. Every layout
 * assumption is verified by sim_priv_probe() on fresh engines at start-up
 * and by sim_priv_attach() in O(1) on every engine; a failed check is an
 * error naming the library version, never a guess.
 */
#ifndef LDOMSIM_SIM_PRIV_H
#define LDOMSIM_SIM_PRIV_H

#include <stdint.h>
#include <stddef.h>
#include <unicorn/unicorn.h>

/* The library's entry points and offsets, resolved once by sim_priv_probe. */
struct sim_priv;

/* One engine's cpu state, resolved by sim_priv_attach. */
struct sim_priv_cpu {
	const struct sim_priv *priv;
	void *cpu;    /* QEMU CPUState */
	uint8_t *env; /* QEMU CPUSPARCState */
};

int sim_priv_probe(struct sim_priv **out, char *err, size_t errlen);
void sim_priv_free(struct sim_priv *p);
/* "unicorn 2.0.1" — for messages and results. */
const char *sim_priv_version(const struct sim_priv *p);

/* Create an engine (UltraSPARC T1 model) and attach to its cpu state. */
/* Close an engine opened by sim_priv_open: uc_close's status (a failure
 * leaves nothing to undo: the handle is gone either way, so callers on
 * failure and teardown paths may drop it). */
uc_err sim_priv_close(uc_engine *uc);
int sim_priv_open(const struct sim_priv *p, uc_engine **uc, struct sim_priv_cpu *cpu, char *err,
                  size_t errlen);

/* Put the cpu in the state sun4v CPU_START defines: PSTATE = PRIV|PEF,
 * TL = 0, GL = 0, CWP = 0 (architectural), CCR = 0 (which also makes QEMU's
 * lazy condition codes valid), MMU off. Call before writing %o/%l/%i. */
void sim_priv_reset(const struct sim_priv_cpu *c);

uint64_t sim_priv_pc(const struct sim_priv_cpu *c);
uint64_t sim_priv_npc(const struct sim_priv_cpu *c);
/* Continue at pc with npc (a trap in a delay slot resumes at its branch
 * target: npc need not be pc + 4). Valid inside a hook. */
void sim_priv_set_pc(const struct sim_priv_cpu *c, uint64_t pc, uint64_t npc);
unsigned sim_priv_tl(const struct sim_priv_cpu *c);
unsigned sim_priv_maxtl(const struct sim_priv_cpu *c);
uint32_t sim_priv_pstate(const struct sim_priv_cpu *c);

/* Real trap entry for trap type tt (TL+1, TPC/TNPC/TSTATE/TT saved, GL+1,
 * PC = %tba + (tt << 5) [+ 0x4000 when TL > 0]). The caller must have
 * checked TL < MAXTL - 1: QEMU aborts the process at TL == MAXTL. */
void sim_priv_enter_trap(const struct sim_priv_cpu *c, unsigned tt);

/* Boot snapshots: a cpu's whole state (registers, every window, the
 * privileged and MMU registers, the trap stack, the global sets of every
 * GL) as sim_priv_state_size() bytes, and back into another engine of the
 * same library (translated code is not part of it: flush it after a
 * load). The bytes are this library build's layout: only this binary
 * reads them. Load: -1 (nothing changed) for bytes no save made. */
size_t sim_priv_state_size(void);
void sim_priv_state_save(const struct sim_priv_cpu *c, uint8_t *buf);
int sim_priv_state_load(const struct sim_priv_cpu *c, const uint8_t *buf);

#define SIM_PSTATE_PEF  0x10
#define SIM_PSTATE_PRIV 0x04
#define SIM_PSTATE_IE   0x02

#endif
