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
#include <asm/export.h>

	.text
#include "helpers.S"
