/*
 * kernel-model/tunables.h — the kernel model's tunables, units in the
 * comments. Costs of individual entries are documented on each entry.
 */
#ifndef LDOMSIM_KM_TUNABLES_H
#define LDOMSIM_KM_TUNABLES_H

/* PAGE_OFFSET as setup_page_offset() sets it for T1/T2 (48-bit VA): the
 * linear map starts at the top of the VA hole (virtual address). */
#define KM_PAGE_OFFSET 0xffff800000000000ull
/* %stick frequency until the run sets the machine's (Hz; T2's 1.4 GHz). */
#define KM_STICK_HZ_DEFAULT 1400000000ull
/* Kernel heap (kmalloc, per-cpu areas, mondo queues, stacks): guest RAM
 * reserved at start-up, bytes; less when guest RAM is smaller (keeping
 * KM_HEAP_RESERVE for other boot memory). 4096 cpus need ~150 MiB. */
#define KM_HEAP_SIZE    (512ull << 20)
#define KM_HEAP_RESERVE (16ull << 20)
/* Default costs of the modelled services: kernel-model/costs.def. */
/* Kernel log lines kept (lines); later lines are counted, not kept. */
#define KM_LOG_MAX_LINES 65536

/* Simulated costs of the library entries (km_string.c, km_alloc.c,
 * km_bitops.c, km_printk.c, km_lock.c), nanoseconds. A rough model of one
 * strand of a T2-class core (UltraSPARC T2/T2+, 1.2-1.6 GHz, in-order,
 * 8 strands sharing a pipeline, so about one instruction per 1-2 ns per
 * strand): a figure is the instruction count of the kernel's routine on
 * the usual path times ~1 ns, plus an L2 access (~20 ns) for an atomic.
 * Not measured: change them here, every entry reads them from here. */
/* Call, return and set-up of a small library routine. */
#define KM_COST_CALL_NS 5
/* memcpy/memset: per 8 bytes (one 8-byte load/store pair per strand cycle
 * pair; NG2memcpy's block-init stores do about this). */
#define KM_COST_COPY_PER_8B_NS 1
/* strcmp/strncmp/strcpy: per byte (byte-at-a-time loops: load, compare,
 * branch); strlen: per 8 bytes (sparc64's strlen tests a word at a time). */
#define KM_COST_STR_PER_BYTE_NS  1
#define KM_COST_STRLEN_PER_8B_NS 1
/* kmalloc/kmalloc_trace/kmemdup/kstrdup: the SLUB fast path (per-cpu
 * freelist pop, ~60 instructions); zeroing and copying add the memcpy
 * figure. kfree: the SLUB free fast path. */
#define KM_COST_KMALLOC_NS 60
#define KM_COST_KFREE_NS   40
/* memblock_phys_alloc_range / memblock_free_late: a walk of the memblock
 * region arrays (boot-time allocator, a few hundred instructions). */
#define KM_COST_MEMBLOCK_NS 300
/* Atomic read-modify-write (casa loop: set_bit, clear_bit, atomic_add,
 * atomic_fetch_*): one L2 round trip plus the loop. */
#define KM_COST_ATOMIC_NS 25
/* __fls: the generic shift-and-test sequence, ~20 instructions. */
#define KM_COST_FLS_NS 10
/* __bitmap_weight, _find_next_bit: per 64-bit word scanned (software
 * hweight64 is ~15 instructions; a find loop ~3 per word). */
#define KM_COST_WEIGHT_PER_WORD_NS 12
#define KM_COST_FIND_PER_WORD_NS   3
/* printk: vsnprintf and storing the record (no console attached), per
 * byte of formatted text (the fixed part is costs.printk_ns, costs.def). */
#define KM_COST_PRINTK_PER_BYTE_NS 5
/* prom_printf: OBP's console path, a firmware call per line plus the
 * hypervisor console, per byte. */
#define KM_COST_PROM_PRINTF_NS          20000
#define KM_COST_PROM_PRINTF_PER_BYTE_NS 100
/* Uncontended spinlock: casa on the lock word and the %pil write
 * (irq/irqsave); unlock: a store and the %pil restore. */
#define KM_COST_SPIN_LOCK_NS   30
#define KM_COST_SPIN_UNLOCK_NS 15
/* Uncontended mutex: cmpxchg of the owner word (fast paths of
 * mutex_lock/mutex_unlock, might_sleep included). */
#define KM_COST_MUTEX_NS 35

#endif
