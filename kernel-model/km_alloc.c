/*
 * kernel-model/km_alloc.c — memory allocation entries: __kmalloc,
 * kmalloc_trace, kfree, kfree_const, kmemdup, kstrdup_const,
 * memblock_phys_alloc_range, memblock_free_late.
 *
 * Everything comes from the kernel-model heap (km_heap.c): linear-map
 * addresses (PAGE_OFFSET + RA), so the real __pa()/__va() arithmetic of the
 * guest holds. What the guest can observe of kmalloc is kept:
 *  - kmalloc(0) returns ZERO_SIZE_PTR (16) and kfree() ignores it and NULL;
 *  - a block whose size is a power of two is aligned to that size (the
 *    guarantee of Documentation/core-api/memory-allocation.rst), larger
 *    than KMALLOC_MAX_CACHE_SIZE to its page-allocator order; others to the
 *    heap's 16 bytes (ARCH_KMALLOC_MINALIGN is 8 on sparc64);
 *  - __GFP_ZERO zeroes; without it the contents are whatever was there;
 *  - a request above KMALLOC_MAX_SIZE, or an exhausted heap, returns NULL
 *    (with a log line, as the kernel's allocation-failure warning).
 * kfree of anything kmalloc did not return is a verdict, never ignored.
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */
#include <stdio.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/tunables.h"
#include "sim/image.h"
#include "sim/sim.h"

/* Constants of include/linux/slab.h and include/linux/memblock.h for
 * sparc64 6.1 (SLUB, PAGE_SHIFT 13, MAX_ORDER 11): ZERO_SIZE_PTR,
 * KMALLOC_MAX_CACHE_SIZE = 1 << (PAGE_SHIFT + 1), KMALLOC_MAX_SIZE =
 * 1 << (MAX_ORDER + PAGE_SHIFT - 1); SMP_CACHE_BYTES (asm/cache.h), the
 * alignment memblock uses when asked for 0; MEMBLOCK_ALLOC_ACCESSIBLE (0)
 * and MEMBLOCK_ALLOC_ANYWHERE (~0) as an end mean "no upper bound". */
#define ZERO_SIZE_PTR              16ull
#define KMALLOC_MAX_CACHE_SIZE(lx) (2ull * (lx)->page_size)
#define KMALLOC_MAX_SIZE(lx)       ((lx)->page_size << 10)
#define SMP_CACHE_BYTES            64ull
#define MEMBLOCK_ALLOC_ACCESSIBLE  0ull
#define MEMBLOCK_ALLOC_ANYWHERE    (~0ull)

static uint64_t words8(uint64_t n)
{
	return n / 8 + (n % 8 != 0);
}

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static uint64_t pow2_ceil(uint64_t x)
{
	uint64_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

/* The alignment kmalloc(size) has in the kernel (see the header). */
static uint64_t kmalloc_align(const struct lx_layout *lx, uint64_t size)
{
	if (size > KMALLOC_MAX_CACHE_SIZE(lx))
		return pow2_ceil(size) < lx->page_size ? lx->page_size : pow2_ceil(size);
	return is_pow2(size) ? size : 16;
}

/* kmalloc(size, gfp) as the entries share it: the address, ZERO_SIZE_PTR
 * for 0, or 0 (NULL) with a log line on failure. Charges the fast path and
 * the zeroing. */
static uint64_t do_kmalloc(struct km_call *c, uint64_t size, uint64_t gfp, const char *who)
{
	const struct lx_layout *lx = km_layout(c->km);
	int zero = (gfp & lx->gfp_zero) != 0;
	km_charge(c, KM_COST_KMALLOC_NS + (zero ? KM_COST_COPY_PER_8B_NS * words8(size) : 0));
	if (!size)
		return ZERO_SIZE_PTR;
	uint64_t va = size > KMALLOC_MAX_SIZE(lx)
	                  ? 0
	                  : km_heap_alloc(c->km, size, kmalloc_align(lx, size), zero);
	if (!va) {
		char line[160];
		snprintf(line, sizeof line,
		         "%s: allocation of %llu bytes failed (gfp 0x%llx; kernel-model heap "
		         "exhausted or above KMALLOC_MAX_SIZE)",
		         who, (unsigned long long)size, (unsigned long long)gfp);
		km_log(c->km, c->cpu, km_now_ns(c), 4, line);
	}
	return va;
}

/* kfree(p) as the entries share it: NULL and ZERO_SIZE_PTR are ignored;
 * anything else must be a live heap block. Charges the free path. */
static void do_kfree(struct km_call *c, uint64_t va)
{
	km_charge(c, KM_COST_KFREE_NS);
	if (va <= ZERO_SIZE_PTR)
		return;
	if (!km_heap_size(c->km, va)) {
		km_fail(c, "kfree of 0x%llx which kmalloc did not return (or already freed)",
		        (unsigned long long)va);
		return;
	}
	km_heap_free(c->km, va);
}

/* Is va in the image's .rodata (is_kernel_rodata())? The kernel's
 * __start_rodata/__end_rodata when the image has them, else the .rodata
 * output section of hvtramp/guest.lds.S: it starts where the kernel-model
 * stubs end .text and ends where the first patch table (.cpuid_patch)
 * starts. */
static int in_rodata(struct km_call *c, uint64_t va)
{
	const struct sim_image *img = sim_image(c->s);
	uint64_t lo, hi;
	if (!sim_image_sym(img, "__start_rodata", &lo, NULL) &&
	    !sim_image_sym(img, "__end_rodata", &hi, NULL))
		return va >= lo && va < hi;
	if (!sim_image_sym(img, "km_stubs_end", &lo, NULL) &&
	    !sim_image_sym(img, "__cpuid_patch", &hi, NULL))
		return va >= lo && va < hi;
	return 0;
}

/* void *__kmalloc(size_t size, gfp_t flags): kmalloc of a size the
 * compiler does not know.
 * Cost: KM_COST_KMALLOC_NS (+ KM_COST_COPY_PER_8B_NS per 8 bytes zeroed). */
void km___kmalloc(struct km_call *c)
{
	c->a[0] = do_kmalloc(c, c->a[0], c->a[1], "kmalloc");
}

/* void *kmalloc_trace(struct kmem_cache *s, gfp_t flags, size_t size):
 * kmalloc of a constant size; the cache (from kmalloc_caches[], NULL in
 * this model) only names the size class, the block is sized by size.
 * Cost: as __kmalloc. */
void km_kmalloc_trace(struct km_call *c)
{
	c->a[0] = do_kmalloc(c, c->a[2], c->a[1], "kmalloc");
}

/* void kfree(const void *p).
 * Cost: KM_COST_KFREE_NS. */
void km_kfree(struct km_call *c)
{
	do_kfree(c, c->a[0]);
}

/* void kfree_const(const void *p): nothing for a string in the image's
 * .rodata (what kstrdup_const returned unchanged), else kfree.
 * Cost: KM_COST_CALL_NS for .rodata, else as kfree. */
void km_kfree_const(struct km_call *c)
{
	if (in_rodata(c, c->a[0])) {
		km_charge(c, KM_COST_CALL_NS);
		return;
	}
	do_kfree(c, c->a[0]);
}

/* void *kmemdup(const void *src, size_t len, gfp_t gfp): a copy, or NULL.
 * Cost: KM_COST_KMALLOC_NS + KM_COST_COPY_PER_8B_NS per 8 bytes copied. */
void km_kmemdup(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t src = c->a[0], len = c->a[1];
	const void *s = len ? km_ptr(c->km, src, len) : NULL;
	if (len && !s) {
		km_fail(c, "bad source 0x%llx (%llu bytes are not all guest RAM)",
		        (unsigned long long)src, (unsigned long long)len);
		return;
	}
	km_charge(c, KM_COST_COPY_PER_8B_NS * words8(len));
	uint64_t va = do_kmalloc(c, len, c->a[2] & ~(uint64_t)lx->gfp_zero, "kmemdup");
	if (va > ZERO_SIZE_PTR)
		memcpy(km_ptr(c->km, va, len), s, len);
	c->a[0] = va;
}

/* const char *kstrdup_const(const char *s, gfp_t gfp): s itself when it
 * is in the image's .rodata, else kstrdup(s) (NULL for NULL).
 * Cost: KM_COST_CALL_NS for .rodata or NULL; else KM_COST_KMALLOC_NS +
 * KM_COST_STR_PER_BYTE_NS per byte copied. */
void km_kstrdup_const(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t s = c->a[0], n = 0;
	if (!s || in_rodata(c, s)) {
		km_charge(c, KM_COST_CALL_NS);
		return; /* a[0] is already s */
	}
	for (;; n++) {
		const char *p = km_ptr(c->km, s + n, 1);
		if (!p) {
			km_fail(c, "string 0x%llx runs off guest RAM at 0x%llx",
			        (unsigned long long)s, (unsigned long long)(s + n));
			return;
		}
		if (!*p)
			break;
	}
	n++; /* the NUL */
	km_charge(c, KM_COST_STR_PER_BYTE_NS * n);
	uint64_t va = do_kmalloc(c, n, c->a[1] & ~(uint64_t)lx->gfp_zero, "kstrdup_const");
	if (va)
		memcpy(km_ptr(c->km, va, n), km_ptr(c->km, s, n), n);
	c->a[0] = va;
}

/* phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t
 * align, phys_addr_t start, phys_addr_t end): a block of the heap whose
 * REAL address lies in [start, end) (end 0 or ~0: anywhere), aligned to
 * align (0: SMP_CACHE_BYTES, as memblock does after warning); not zeroed
 * (memblock_phys_alloc does not zero). Returns the real address, 0 on
 * failure.
 * Cost: KM_COST_MEMBLOCK_NS. */
void km_memblock_phys_alloc_range(struct km_call *c)
{
	uint64_t size = c->a[0], align = c->a[1], start = c->a[2], end = c->a[3];
	km_charge(c, KM_COST_MEMBLOCK_NS);
	c->a[0] = 0;
	if (!align)
		align = SMP_CACHE_BYTES;
	if (!size || !is_pow2(align))
		return;
	if (end == MEMBLOCK_ALLOC_ACCESSIBLE || end == MEMBLOCK_ALLOC_ANYWHERE)
		end = UINT64_MAX;
	uint64_t va = km_heap_alloc(c->km, size, align, 0);
	if (!va)
		return;
	uint64_t ra = km_va_to_ra(c->km, va);
	if (ra < start || ra > end || size > end - ra) {
		km_heap_free(c->km, va); /* the heap cannot serve that range */
		return;
	}
	c->a[0] = ra;
}

/* void memblock_free_late(phys_addr_t base, phys_addr_t size): give back
 * a block memblock_phys_alloc_range returned (the whole block; size must
 * not exceed it).
 * Cost: KM_COST_MEMBLOCK_NS. */
void km_memblock_free_late(struct km_call *c)
{
	uint64_t base = c->a[0], size = c->a[1];
	uint64_t va = km_ra_to_va(c->km, base);
	uint64_t have = km_heap_size(c->km, va);
	km_charge(c, KM_COST_MEMBLOCK_NS);
	if (!have) {
		km_fail(c, "free of real address 0x%llx which memblock did not allocate",
		        (unsigned long long)base);
		return;
	}
	if (size > have) {
		km_fail(c, "free of %llu bytes at real address 0x%llx, a block of %llu",
		        (unsigned long long)size, (unsigned long long)base,
		        (unsigned long long)have);
		return;
	}
	km_heap_free(c->km, va);
}
