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
#include <asm/export.h>

	.text
#include "hvcalls.S"
