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
	wrpr	%g0, 3, %gl
	clr	%g1
	clr	%g2
	clr	%g3
	clr	%g4
	clr	%g5
	clr	%g6
	clr	%g7
	wrpr	%g0, 2, %gl
	clr	%g1
	clr	%g2
	clr	%g3
	clr	%g4
	clr	%g5
	clr	%g6
	clr	%g7
	wrpr	%g0, 1, %gl
	clr	%g1
	clr	%g2
	clr	%g3
	clr	%g4
	clr	%g5
	clr	%g6
	clr	%g7
	wrpr	%g0, 0, %gl
	clr	%g1
	clr	%g2
	clr	%g3
	clr	%g4
	clr	%g5
	clr	%g6
	clr	%g7
	wrpr	%g0, 7, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 6, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 5, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 4, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 3, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 2, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 1, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 0, %cwp
	clr	%l0
	clr	%l1
	clr	%l2
	clr	%l3
	clr	%l4
	clr	%l5
	clr	%l6
	clr	%l7
	clr	%i0
	clr	%i1
	clr	%i2
	clr	%i3
	clr	%i4
	clr	%i5
	clr	%i6
	clr	%i7
	wrpr	%g0, 6, %cansave
	wrpr	%g0, 0, %canrestore
	wrpr	%g0, 0, %otherwin
	wrpr	%g0, 6, %cleanwin
	wrpr	%g0, 0, %wstate
	wr	%g0, 0, %y
	wrpr	%g0, 0, %pil
	ta	SIM_TRAP_RETURN
	.size	sim_reset_regs, . - sim_reset_regs
