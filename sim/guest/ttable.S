/*
 * The guest trap table (written for ldomsim). hvtramp installs it with
 * `sethi %hi(sparc64_ttable_tl0), %g1; wrpr %g1, %tba`, so it carries the
 * kernel's name. Only the vectors the code under study needs have handlers:
 * spill_0_normal and fill_0_normal (WSTATE 0, 64-bit biased stack), at
 * TL = 0 and TL > 0. Every other vector reports itself through
 * SIM_TRAP_BADVEC so the simulator can give a verdict.
 */
#include "sim/guest/sim_traps.h"

#define STACK_BIAS 2047

	.macro	badvec count
	.rept	\count
	rdpr	%tt, %g1
	rdpr	%tpc, %g2
	ta	SIM_TRAP_BADVEC
	nop
	nop
	nop
	nop
	nop
	.endr
	.endm

	/* spill_0_normal: 4 vectors (128 bytes); saves the window CWP names. */
	.macro	spill0
	stx	%l0, [%sp + STACK_BIAS + 0x00]
	stx	%l1, [%sp + STACK_BIAS + 0x08]
	stx	%l2, [%sp + STACK_BIAS + 0x10]
	stx	%l3, [%sp + STACK_BIAS + 0x18]
	stx	%l4, [%sp + STACK_BIAS + 0x20]
	stx	%l5, [%sp + STACK_BIAS + 0x28]
	stx	%l6, [%sp + STACK_BIAS + 0x30]
	stx	%l7, [%sp + STACK_BIAS + 0x38]
	stx	%i0, [%sp + STACK_BIAS + 0x40]
	stx	%i1, [%sp + STACK_BIAS + 0x48]
	stx	%i2, [%sp + STACK_BIAS + 0x50]
	stx	%i3, [%sp + STACK_BIAS + 0x58]
	stx	%i4, [%sp + STACK_BIAS + 0x60]
	stx	%i5, [%sp + STACK_BIAS + 0x68]
	stx	%i6, [%sp + STACK_BIAS + 0x70]
	stx	%i7, [%sp + STACK_BIAS + 0x78]
	saved
	retry
	.skip	128 - 18 * 4
	.endm

	/* fill_0_normal: the mirror image. */
	.macro	fill0
	ldx	[%sp + STACK_BIAS + 0x00], %l0
	ldx	[%sp + STACK_BIAS + 0x08], %l1
	ldx	[%sp + STACK_BIAS + 0x10], %l2
	ldx	[%sp + STACK_BIAS + 0x18], %l3
	ldx	[%sp + STACK_BIAS + 0x20], %l4
	ldx	[%sp + STACK_BIAS + 0x28], %l5
	ldx	[%sp + STACK_BIAS + 0x30], %l6
	ldx	[%sp + STACK_BIAS + 0x38], %l7
	ldx	[%sp + STACK_BIAS + 0x40], %i0
	ldx	[%sp + STACK_BIAS + 0x48], %i1
	ldx	[%sp + STACK_BIAS + 0x50], %i2
	ldx	[%sp + STACK_BIAS + 0x58], %i3
	ldx	[%sp + STACK_BIAS + 0x60], %i4
	ldx	[%sp + STACK_BIAS + 0x68], %i5
	ldx	[%sp + STACK_BIAS + 0x70], %i6
	ldx	[%sp + STACK_BIAS + 0x78], %i7
	restored
	retry
	.skip	128 - 18 * 4
	.endm

	/* One table: 512 vectors of 32 bytes. */
	.macro	table
	badvec	0x80		/* 0x000-0x07f */
	spill0			/* 0x080-0x083 spill_0_normal */
	badvec	0x3c		/* 0x084-0x0bf */
	fill0			/* 0x0c0-0x0c3 fill_0_normal */
	badvec	0x13c		/* 0x0c4-0x1ff */
	.endm

	.section ".text.sim_ttable", "ax", @progbits
	.align	32768		/* %tba bits 14:0 are zero */
	.globl	sparc64_ttable_tl0, sparc64_ttable_tl1
	.type	sparc64_ttable_tl0, #function
sparc64_ttable_tl0:
	table
	.size	sparc64_ttable_tl0, . - sparc64_ttable_tl0
	.type	sparc64_ttable_tl1, #function
sparc64_ttable_tl1:
	table
	.size	sparc64_ttable_tl1, . - sparc64_ttable_tl1
