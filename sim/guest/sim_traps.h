/*
 * Software trap numbers the simulator reserves for itself (Tcc immediate;
 * QEMU raises trap type 0x100 + n). Included by guest assembly and host C.
 * Linux 6.1 sparc64 itself uses none of 0x7c-0x7e.
 */
#ifndef LDOMSIM_SIM_TRAPS_H
#define LDOMSIM_SIM_TRAPS_H

/* Kernel-model stub: `sym: retl; ta SIM_TRAP_KM` — the host runs the entry,
 * then the real retl returns to the caller. */
#define SIM_TRAP_KM 0x7e
/* A host-initiated guest call returned: %o7 was set to sim_return - 8. */
#define SIM_TRAP_RETURN 0x7d
/* The guest trap table took a vector it has no handler for; %g1 = %tt,
 * %g2 = %tpc (trap globals, so nothing of the guest is clobbered). */
#define SIM_TRAP_BADVEC 0x7c

#define SIM_TT_SOFT(n) (0x100 + (n))

#endif
