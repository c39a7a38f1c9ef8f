/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ldomsim wrapper: assembles the kernel's hypercall wrappers, which in Linux
 * are not an object of their own (head_64.S #includes hvcalls.S). Copied
 * into the kernel OBJECT tree as arch/sparc/kernel/ldomsim_hvcalls.S at
 * build time; "hvcalls.S" resolves to the kernel's own file.
 * Only the headers the included file needs, as head_64.S provides them.
 */
#include <linux/linkage.h>
#include <asm/hypervisor.h>
/* EXPORT_SYMBOL for assembler: <asm/export.h> up to 6.4, <linux/export.h>
 * from 6.5 on (asm/export.h was removed). */
#if __has_include(<asm/export.h>)
#include <asm/export.h>
#else
#include <linux/export.h>
#endif

	.text
#include "hvcalls.S"
