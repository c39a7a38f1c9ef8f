/*
 * kernel-model/tunables.h — the kernel model's tunables, units in the
 * comments. Costs of individual entries are documented on each entry.
 */
#ifndef LDOMSIM_KM_TUNABLES_H
#define LDOMSIM_KM_TUNABLES_H

/* PAGE_OFFSET as setup_page_offset() sets it for T1/T2 (48-bit VA): the
 * linear map starts at the top of the VA hole (virtual address). */
#define KM_PAGE_OFFSET 0xffff800000000000ull
/* Kernel heap (kmalloc): guest RAM reserved at start-up, bytes. */
#define KM_HEAP_SIZE (64ull << 20)
/* Kernel log lines kept (lines); later lines are counted, not kept. */
#define KM_LOG_MAX_LINES 65536

#endif
