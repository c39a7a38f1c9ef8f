/*
 * Guest half of `ldomsim selftest`: small functions the machine self-tests
 * call through the host-call mechanism (%o7 = sim_return - 8). Each states
 * the result the host checks. Linked with ttable.S and entry.S into
 * build/sim/selftest.elf, never into the kernel image.
 */
#include "sim/guest/sim_traps.h"

#define STACK_BIAS	2047
#define FRAME		192
#define ASI_SCRATCHPAD	0x20
#define ASI_MMU		0x21
#define HV_FAST_TRAP	0x80
#define HV_CPU_MYID	0x16

	.text
	.align	8

	/* Point %tba at the guest trap table, as hvtramp does first thing. */
	.globl	st_set_tba
	.type	st_set_tba, #function
st_set_tba:
	sethi	%hi(sparc64_ttable_tl0), %g1
	wrpr	%g1, %tba
	retl
	 rdpr	%tba, %o0
	.size	st_set_tba, . - st_set_tba

	/* Privileged state as CPU_START leaves it. Returns
	 * %o0 = PSTATE, %o1 = PIL written/read (14), %o2 = TL read back after
	 * writing 1 (then restored to 0), %o3 = a scratchpad register's
	 * round trip, %o4 = %gl read back after writing 1 (then 0). */
	.globl	st_priv
	.type	st_priv, #function
st_priv:
	wrpr	%g0, 0, %gl
	wrpr	%g0, 14, %pil
	rdpr	%pil, %o1
	wrpr	%g0, 1, %tl
	rdpr	%tl, %o2
	wrpr	%g0, 0, %tl
	sethi	%hi(0xcafe0000), %g1
	or	%g1, 0x5a5, %g1
	mov	0x18, %g2
	stxa	%g1, [%g2] ASI_SCRATCHPAD
	ldxa	[%g2] ASI_SCRATCHPAD, %o3
	mov	0x08, %g7		/* PRIMARY_CONTEXT */
	stxa	%g0, [%g7] ASI_MMU
	membar	#Sync
	wrpr	%g0, 1, %gl
	rdpr	%gl, %o4
	wrpr	%g0, 0, %gl
	retl
	 rdpr	%pstate, %o0
	.size	st_priv, . - st_priv

	/* long st_recurse(long n): every level keeps n*3 in %l0 and n*5 in
	 * %l7 across the call, so a wrong spill or fill changes the sum.
	 * Returns sum over 1..n of 8k = 4n(n+1). */
	.globl	st_recurse
	.type	st_recurse, #function
st_recurse:
	save	%sp, -FRAME, %sp
	brz,pn	%i0, 1f
	 mulx	%i0, 3, %l0
	mulx	%i0, 5, %l7
	call	st_recurse
	 sub	%i0, 1, %o0
	add	%o0, %l0, %o0
	add	%o0, %l7, %o0
	ret
	 restore %o0, %g0, %o0
1:	ret
	 restore %g0, %g0, %o0
	.size	st_recurse, . - st_recurse

	/* A hypercall in a delay slot: resuming must honour NPC (the branch
	 * target), not PC + 4. Returns %o0 = status, %o1 = cpu id,
	 * %o2 = 0 when NPC was honoured (99 otherwise). */
	.globl	st_delayslot
	.type	st_delayslot, #function
st_delayslot:
	mov	0, %o2
	mov	HV_CPU_MYID, %o5
	ba	1f
	 ta	HV_FAST_TRAP
	mov	99, %o2
1:	retl
	 nop
	.size	st_delayslot, . - st_delayslot

	/* An unknown fast-trap function: returns the status in %o0. */
	.globl	st_unknown_hcall
	.type	st_unknown_hcall, #function
st_unknown_hcall:
	mov	0x1ff, %o5
	ta	HV_FAST_TRAP
	retl
	 nop
	.size	st_unknown_hcall, . - st_unknown_hcall

	/* Load from a real address nothing maps. */
	.globl	st_unmapped
	.type	st_unmapped, #function
st_unmapped:
	sethi	%hi(0x7f000000), %g1
	sllx	%g1, 8, %g1
	ldx	[%g1], %o0
	retl
	 nop
	.size	st_unmapped, . - st_unmapped

	/* An illegal instruction (illtrap 0). */
	.globl	st_illegal
	.type	st_illegal, #function
st_illegal:
	nop
	illtrap	0
	retl
	 nop
	.size	st_illegal, . - st_illegal

	/* A loop that never ends: the instruction budget must stop it. */
	.globl	st_runaway
	.type	st_runaway, #function
st_runaway:
1:	ba,pt	%xcc, 1b
	 nop
	.size	st_runaway, . - st_runaway

	/* A spill trap at TL = MAXTL - 1 would enter RED_state: the
	 * simulator must refuse to deliver it and give a verdict. */
	.globl	st_red_state
	.type	st_red_state, #function
st_red_state:
	wrpr	%g0, 5, %tl
	flushw
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	save	%sp, -FRAME, %sp
	retl
	 nop
	.size	st_red_state, . - st_red_state

	/* A trap with no handler in the guest table (tag overflow would be
	 * exotic; use a software trap the guest table routes nowhere). */
	.globl	st_badvec
	.type	st_badvec, #function
st_badvec:
	ta	0x10		/* TT 0x110: no handler, the guest table reports it */
	retl
	 nop
	.size	st_badvec, . - st_badvec

	/* long st_pause(long cycles): PAUSE (`wr %o0, 0, %asr27`, SPARC T4;
	 * spelled as a word because QEMU and older assemblers lack it) in the
	 * middle of a block, then cycles + 1. st_nopause is the same block
	 * with a nop in its place: both count the same instructions. */
	.globl	st_pause
	.type	st_pause, #function
st_pause:
	mov	%o0, %o1
	.word	0xb7822000	/* wr %o0, 0, %asr27 */
	add	%o1, 1, %o0
	retl
	 nop
	.size	st_pause, . - st_pause

	.globl	st_nopause
	.type	st_nopause, #function
st_nopause:
	mov	%o0, %o1
	nop
	add	%o1, 1, %o0
	retl
	 nop
	.size	st_nopause, . - st_nopause

	/* A guest loop for the speed benchmark: %o0 iterations of a
	 * 16-instruction body (a checksum step, as kernel code looks), then
	 * return. A second entry runs the 4-instruction worst case. */
	.globl	st_loop16
	.type	st_loop16, #function
st_loop16:
	mov	0, %o1
	mov	1, %o2
1:	add	%o1, %o2, %o1
	sllx	%o1, 3, %o3
	xor	%o3, %o2, %o3
	srlx	%o3, 5, %o4
	add	%o4, %o1, %o1
	and	%o1, 0xff, %o4
	or	%o4, %o2, %o2
	add	%o2, 7, %o2
	sub	%o1, %o4, %o1
	xor	%o1, %o3, %o1
	add	%o3, %o4, %o3
	srlx	%o1, 1, %o4
	add	%o1, %o4, %o1
	subcc	%o0, 1, %o0
	bne,pt	%xcc, 1b
	 add	%o1, 1, %o1
	retl
	 mov	%o1, %o0
	.size	st_loop16, . - st_loop16

	.globl	st_loop4
	.type	st_loop4, #function
st_loop4:
	mov	0, %o1
1:	add	%o1, 3, %o1
	subcc	%o0, 1, %o0
	bne,pt	%xcc, 1b
	 xor	%o1, %o0, %o1
	retl
	 mov	%o1, %o0
	.size	st_loop4, . - st_loop4

	/* long st_wait_flag(long *flag): spin until *flag != 0; returns the
	 * iterations waited (3 instructions each). */
	.globl	st_wait_flag
	.type	st_wait_flag, #function
st_wait_flag:
	mov	0, %o1
1:	ldx	[%o0], %o2
	brz,a,pt %o2, 1b
	 add	%o1, 1, %o1
	retl
	 mov	%o1, %o0
	.size	st_wait_flag, . - st_wait_flag

	/* void st_set_flag_after(long *flag, long n): n iterations of a
	 * 3-instruction loop, then *flag = 1. */
	.globl	st_set_flag_after
	.type	st_set_flag_after, #function
st_set_flag_after:
1:	subcc	%o1, 1, %o1
	bne,pt	%xcc, 1b
	 nop
	mov	1, %o2
	retl
	 stx	%o2, [%o0]
	.size	st_set_flag_after, . - st_set_flag_after

	/* long st_stream(long *base, long bytes, long passes): read every
	 * 8-byte word of [base, base + bytes) in order, passes times; returns
	 * their sum. The memory model's known-answer loop: one load per word,
	 * nothing else touches memory. */
	.globl	st_stream
	.type	st_stream, #function
st_stream:
	mov	0, %o5
2:	mov	%o0, %o3
	add	%o0, %o1, %o4
1:	ldx	[%o3], %g1
	add	%o5, %g1, %o5
	add	%o3, 8, %o3
	cmp	%o3, %o4
	blu,pt	%xcc, 1b
	 nop
	subcc	%o2, 1, %o2
	bne,pt	%xcc, 2b
	 nop
	retl
	 mov	%o5, %o0
	.size	st_stream, . - st_stream

	/* long st_stride(long *base, long stride, long count, long passes):
	 * read base[0], base[stride], ... count words, passes times; returns
	 * their sum (associativity conflicts: a stride of one set's span). */
	.globl	st_stride
	.type	st_stride, #function
st_stride:
	mov	0, %o5
2:	mov	%o0, %o4
	mov	%o2, %g2
1:	ldx	[%o4], %g1
	add	%o5, %g1, %o5
	subcc	%g2, 1, %g2
	bne,pt	%xcc, 1b
	 add	%o4, %o1, %o4
	subcc	%o3, 1, %o3
	bne,pt	%xcc, 2b
	 nop
	retl
	 mov	%o5, %o0
	.size	st_stride, . - st_stride
