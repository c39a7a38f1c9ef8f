/*
 * Kernel-model stubs and data of the ldomsim guest image, generated from the
 * kernel-model table (kernel-model/entries.def, or KM_TABLE=) by X-macros.
 * Assembled with -I. -I build; KM_TABLE_FILE is the table's path as a string.
 *
 * Stub ABI: the i-th KM_FN/KM_TODO row of the table (in table order) is
 *
 *	sym:	retl
 *		 ta	SIM_TRAP_KM	! 0x7e, in the delay slot
 *
 * at km_stubs_start + 8*i, so the host recovers the row from the trap pc as
 * (pc_of_ta - 4 - km_stubs_start) / 8, runs the host entry with the caller's
 * %o0-%o5, and resumes at npc: the retl already in flight returns to the
 * caller. KM_DATA rows are zero-filled objects in .bss.km, KM_PERCPU rows
 * are zero-filled objects in the per-cpu template (.data..percpu..km).
 */
#include "offsets.h" /* the guest's own: -I$(GUEST_DIR) */
#include "sim/guest/sim_traps.h"

#ifndef SIM_TRAP_KM
#error "sim/guest/sim_traps.h does not define SIM_TRAP_KM"
#endif

#define KM_STUB_(s) .globl s; .type s, STT_FUNC; .size s, 8; s: retl; ta SIM_TRAP_KM
#define KM_OBJ_(s, sz, al) .balign al; .globl s; .type s, STT_OBJECT; .size s, (sz); s: .skip (sz)

	.section .text.km_stubs, "ax", @progbits
	.balign	8
	.globl	km_stubs_start
	.type	km_stubs_start, STT_NOTYPE
km_stubs_start:
#define KM_FN(s, handler) KM_STUB_(s)
#define KM_TODO(s) KM_STUB_(s)
#define KM_DATA(s, size, align)
#define KM_PERCPU(s, size, align)
#include KM_TABLE_FILE
	.globl	km_stubs_end
	.type	km_stubs_end, STT_NOTYPE
km_stubs_end:
#undef KM_FN
#undef KM_TODO
#undef KM_DATA
#undef KM_PERCPU

	.section .bss.km, "aw", @nobits
#define KM_FN(s, handler)
#define KM_TODO(s)
#define KM_DATA(s, sz, al) KM_OBJ_(s, sz, al)
#define KM_PERCPU(s, size, align)
#include KM_TABLE_FILE
#undef KM_DATA
#undef KM_PERCPU

	.section .data..percpu..km, "aw", @progbits
#define KM_DATA(s, size, align)
#define KM_PERCPU(s, sz, al) KM_OBJ_(s, sz, al)
#include KM_TABLE_FILE
