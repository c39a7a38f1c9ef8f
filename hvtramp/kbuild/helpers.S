/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ldomsim wrapper: assembles the kernel's helpers.S (head_64.S #includes
 * it; not an object of its own). hv_cpu_startup calls the real
 * hard_smp_processor_id from here, whose __GET_CPUID goes through the
 * .cpuid_patch section the simulator's loader applies. Copied into the
 * kernel OBJECT tree as arch/sparc/kernel/ldomsim_helpers.S at build time.
 */
#include <linux/linkage.h>
#include <asm/ptrace.h>
#include <asm/pstate.h>
#include <asm/cpudata.h>
/* EXPORT_SYMBOL for assembler: <asm/export.h> up to 6.4, <linux/export.h>
 * from 6.5 on (asm/export.h was removed). */
#if __has_include(<asm/export.h>)
#include <asm/export.h>
#else
#include <linux/export.h>
#endif

	.text
#include "helpers.S"
