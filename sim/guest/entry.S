/*
 * Host-initiated guest calls return here: the simulator sets %o7 to
 * sim_return - 8, so both `retl` and `ret; restore` land on the trap.
 */
#include "sim/guest/sim_traps.h"

	.section ".text.sim_entry", "ax", @progbits
	.align	8
	.globl	sim_return
	.type	sim_return, #function
sim_return:
	ta	SIM_TRAP_RETURN
	nop
	.size	sim_return, . - sim_return

	/* Wipe an engine for its next strand: TL 0, the globals of GL 3..0,
	 * the locals and ins of all 8 windows (the outs are the next window's
	 * ins), the window-state registers as after CPU_START, %tba at the
	 * guest trap table (CPU_START's rtba: hvtramp installs the same one;
	 * host-started threads need it for their window traps), then report
	 * back. Runs privileged; returns by trap, not by %o7. */
	.align	8
	.globl	sim_reset_regs
	.type	sim_reset_regs, #function
sim_reset_regs:
	wrpr	%g0, 0, %tl
	sethi	%hi(sparc64_ttable_tl0), %g1
	wrpr	%g1, %tba
	.irp	gl, 3, 2, 1, 0
	wrpr	%g0, \gl, %gl
	.irp	r, %g1, %g2, %g3, %g4, %g5, %g6, %g7
	clr	\r
	.endr
	.endr
	.irp	w, 7, 6, 5, 4, 3, 2, 1, 0
	wrpr	%g0, \w, %cwp
	.irp	r, %l0, %l1, %l2, %l3, %l4, %l5, %l6, %l7, %i0, %i1, %i2, %i3, %i4, %i5, %i6, %i7
	clr	\r
	.endr
	.endr
	wrpr	%g0, 6, %cansave
	wrpr	%g0, 0, %canrestore
	wrpr	%g0, 0, %otherwin
	wrpr	%g0, 6, %cleanwin
	wrpr	%g0, 0, %wstate
	wr	%g0, 0, %y
	wrpr	%g0, 0, %pil
	ta	SIM_TRAP_RETURN
	.size	sim_reset_regs, . - sim_reset_regs
