/*
 * Linker script of the ldomsim guest image (written for ldomsim; run
 * through cpp with the guest's offsets.h). One ELF at KERNBASE:
 *
 *   .text     entry roots first (hv_cpu_startup), the reachable kernel code,
 *             the sim/guest code (trap table ...), the kernel-model stubs
 *   .rodata
 *   patch tables, each with the start/end symbols the kernel gives them;
 *             the simulator's loader applies them as sun4v_patch() does
 *   .data, .data..percpu (__per_cpu_start/__per_cpu_end), .bss
 *
 * --gc-sections keeps what the entry points reach: roots.ld (generated from
 * hvtramp/entries.txt) KEEPs their sections; the sim/guest objects, the
 * kernel-model stubs and data and the patch tables are KEEPs too.
 * --orphan-handling=error: a section this script does not place is an error,
 * so a new kind of section in a new kernel cannot slip in unnoticed.
 */
#include "offsets.h" /* the guest's own: -I$(GUEST_DIR) */

OUTPUT_FORMAT("elf64-sparc")
OUTPUT_ARCH(sparc:v9)
ENTRY(hv_cpu_startup)

PHDRS
{
	text PT_LOAD FLAGS(5);	/* R X */
	data PT_LOAD FLAGS(6);	/* R W */
}

#define PATCH(name)					\
	. = ALIGN(8);					\
	.name : {					\
		__##name = .;				\
		KEEP(*(.name))				\
		__##name##_end = .;			\
	} :text

#define OURS *km_stubs.o *simguest_*.o

SECTIONS
{
	. = LX_KERNBASE;
	.text : {
		INCLUDE roots.ld
		EXCLUDE_FILE(OURS) *(.text .text.*)
		*(.init.text .irqentry.text .fixup .ref.text .sched.text)
		KEEP(*simguest_*.o(.text .text.*))
		. = ALIGN(8);
		KEEP(*km_stubs.o(.text.km_stubs))
	} :text

	.rodata : {
		EXCLUDE_FILE(OURS) *(.rodata .rodata.* .init.rodata)
		KEEP(*simguest_*.o(.rodata .rodata.*))
	} :text

	/* ld's own sections of a static link; nothing uses an IFUNC here, so
	 * they stay empty (and are dropped) unless something changed. */
	.iplt : { *(.iplt) } :text
	.rela.iplt : { *(.rela.iplt) } :text
	ASSERT(SIZEOF(.iplt) == 0 && SIZEOF(.rela.iplt) == 0, "hvtramp: unexpected IFUNC/PLT entries in the guest image")

	/* sun4v instruction patch tables (kernel names). Only .cpuid_patch
	 * occurs in the 6.1 objects (helpers.S, __GET_CPUID); the others are
	 * here so a kernel that adds them still links with the right symbols. */
	PATCH(cpuid_patch)
	PATCH(sun4v_1insn_patch)
	PATCH(sun4v_2insn_patch)
	PATCH(sun_m7_1insn_patch)
	PATCH(sun_m7_2insn_patch)
	PATCH(swapper_tsb_phys_patch)
	PATCH(swapper_4m_tsb_phys_patch)
	PATCH(page_offset_shift_patch)
	PATCH(popc_3insn_patch)
	PATCH(popc_6insn_patch)
	PATCH(pause_3insn_patch)
	PATCH(fast_win_ctrl_1insn_patch)

	. = ALIGN(1 << LX_PAGE_SHIFT);
	.data : {
		EXCLUDE_FILE(OURS) *(.data .data..read_mostly .data..cacheline_aligned .init.data .data.[!.]* .data..once)
		KEEP(*simguest_*.o(.data .data.*))
		KEEP(*km_stubs.o(.data.km))
	} :data

	/* The per-cpu template: cpu i's copy of a per-cpu variable `v` lives at
	 * &v + trap_block[i].__per_cpu_base (cpu_data(i) is __cpu_data's copy).
	 * Kernel-model KM_PERCPU rows come last. */
	. = ALIGN(1 << LX_PAGE_SHIFT);
	.data..percpu : {
		__per_cpu_start = .;
		*(.data..percpu..first)
		*(.data..percpu..page_aligned)
		*(.data..percpu..read_mostly)
		*(.data..percpu)
		*(.data..percpu..shared_aligned)
		KEEP(*km_stubs.o(.data..percpu..km))
		__per_cpu_end = .;
	} :data

	.bss (NOLOAD) : {
		EXCLUDE_FILE(OURS) *(.bss .bss.* COMMON)
		KEEP(*simguest_*.o(.bss .bss.*))
		KEEP(*km_stubs.o(.bss.km))
	} :data
	_end = .;

	/DISCARD/ : {
		*(.comment .note.GNU-stack .gnu.attributes .modinfo __modver)
		*(___ksymtab+* ___ksymtab_gpl+* __ksymtab_strings)
		*(__ex_table .init.setup .initcall*.init)
	}
}
