/*
 * kernel-model/km_heap.c — the kernel heap behind kmalloc and friends.
 *
 * One region of guest RAM, taken from the machine's boot memory at
 * start-up, handed out by a first-fit allocator over an address-ordered
 * free list, with every live block's size kept (kfree, ksize). Blocks are
 * aligned to at least 16 bytes (ARCH_KMALLOC_MINALIGN on sparc64 is 8; 16
 * keeps every kmalloc'd struct naturally aligned). Deterministic: the same
 * sequence of calls gives the same addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"
#include "util/ser.h"

#define HEAP_MIN_ALIGN 16

struct span {
	uint64_t ra, size;
};

struct km_heap {
	uint64_t base, size; /* real addresses */
	struct span *free;   /* sorted by address, coalesced */
	size_t nfree, capfree;
	struct span *live; /* sorted by address */
	size_t nlive, caplive;
};

static int grow(struct span **v, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 64;
	while (c < need)
		c *= 2;
	struct span *p = realloc(*v, c * sizeof *p);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

int km_heap_init(struct km *km)
{
	struct km_heap *h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	km->heap = h;
	/* KM_HEAP_SIZE, or what guest RAM leaves (keeping KM_HEAP_RESERVE for
	 * the machine's own boot memory). */
	uint64_t avail = sim_alloc_avail(km->s);
	h->size = KM_HEAP_SIZE;
	if (avail < KM_HEAP_RESERVE + (8ull << 20))
		return -1;
	if (h->size > avail - KM_HEAP_RESERVE)
		h->size = (avail - KM_HEAP_RESERVE) & ~((1ull << 22) - 1);
	if (sim_alloc(km->s, h->size, 1ull << 22, &h->base) || grow(&h->free, &h->capfree, 1))
		return -1;
	h->free[0] = (struct span){h->base, h->size};
	h->nfree = 1;
	return 0;
}

void km_heap_fini(struct km *km)
{
	if (!km->heap)
		return;
	free(km->heap->free);
	free(km->heap->live);
	free(km->heap);
	km->heap = NULL;
}

/* Index of the first live block with ra >= key. */
static size_t live_lower(const struct km_heap *h, uint64_t key)
{
	size_t lo = 0, hi = h->nlive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->live[mid].ra < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t km_heap_alloc(struct km *km, uint64_t size, uint64_t align, int zero)
{
	struct km_heap *h = km->heap;
	if (!size)
		size = 1;
	if (align < HEAP_MIN_ALIGN)
		align = HEAP_MIN_ALIGN;
	if (align & (align - 1))
		return 0;
	size = (size + HEAP_MIN_ALIGN - 1) & ~(uint64_t)(HEAP_MIN_ALIGN - 1);
	/* Room for one more span in both lists first: growing moves them, and
	 * f below points into the free list. */
	if (grow(&h->live, &h->caplive, h->nlive + 1) || grow(&h->free, &h->capfree, h->nfree + 1))
		return 0;
	for (size_t i = 0; i < h->nfree; i++) {
		struct span *f = &h->free[i];
		uint64_t at = (f->ra + align - 1) & ~(align - 1);
		if (at - f->ra > f->size || size > f->size - (at - f->ra))
			continue;
		uint64_t head = at - f->ra, tail = f->size - head - size;
		uint64_t tail_ra = at + size;
		if (head && tail) { /* split: keep the head here, the tail after it */
			memmove(&h->free[i + 2], &h->free[i + 1],
			        (h->nfree - i - 1) * sizeof *h->free);
			h->free[i].size = head;
			h->free[i + 1] = (struct span){tail_ra, tail};
			h->nfree++;
		} else if (head) {
			f->size = head;
		} else if (tail) {
			*f = (struct span){tail_ra, tail};
		} else {
			memmove(&h->free[i], &h->free[i + 1], (h->nfree - i - 1) * sizeof *h->free);
			h->nfree--;
		}
		size_t k = live_lower(h, at);
		memmove(&h->live[k + 1], &h->live[k], (h->nlive - k) * sizeof *h->live);
		h->live[k] = (struct span){at, size};
		h->nlive++;
		if (zero)
			memset(sim_ra_ptr(km->s, at, size), 0, size);
		return km_ra_to_va(km, at);
	}
	return 0;
}

uint64_t km_heap_size(struct km *km, uint64_t va)
{
	struct km_heap *h = km->heap;
	uint64_t ra = km_va_to_ra(km, va);
	size_t k = live_lower(h, ra);
	return k < h->nlive && h->live[k].ra == ra ? h->live[k].size : 0;
}

uint64_t km_heap_room(struct km *km, uint64_t va)
{
	struct km_heap *h = km->heap;
	uint64_t ra = km_va_to_ra(km, va);
	size_t k = live_lower(h, ra + 1); /* first block starting above va */
	if (k == 0)
		return UINT64_MAX;
	const struct span *b = &h->live[k - 1];
	return ra < b->ra + b->size ? b->ra + b->size - ra : UINT64_MAX;
}

void km_heap_free(struct km *km, uint64_t va)
{
	struct km_heap *h = km->heap;
	uint64_t ra = km_va_to_ra(km, va);
	size_t k = live_lower(h, ra);
	if (k >= h->nlive || h->live[k].ra != ra)
		return; /* not a live block: the caller reports it */
	struct span b = h->live[k];
	memmove(&h->live[k], &h->live[k + 1], (h->nlive - k - 1) * sizeof *h->live);
	h->nlive--;
	/* Insert into the free list in address order, coalescing. */
	size_t i = 0;
	while (i < h->nfree && h->free[i].ra < b.ra)
		i++;
	int merge_prev = i > 0 && h->free[i - 1].ra + h->free[i - 1].size == b.ra;
	int merge_next = i < h->nfree && b.ra + b.size == h->free[i].ra;
	if (merge_prev && merge_next) {
		h->free[i - 1].size += b.size + h->free[i].size;
		memmove(&h->free[i], &h->free[i + 1], (h->nfree - i - 1) * sizeof *h->free);
		h->nfree--;
	} else if (merge_prev) {
		h->free[i - 1].size += b.size;
	} else if (merge_next) {
		h->free[i].ra = b.ra;
		h->free[i].size += b.size;
	} else if (!grow(&h->free, &h->capfree, h->nfree + 1)) {
		memmove(&h->free[i + 1], &h->free[i], (h->nfree - i) * sizeof *h->free);
		h->free[i] = b;
		h->nfree++;
	}
}

/* ---- boot snapshots ---------------------------------------------------- */

void km_heap_save(const struct km *km, struct ser_w *w)
{
	const struct km_heap *h = km->heap;
	ser_tag(w, "heap");
	ser_put_u64(w, h->base);
	ser_put_u64(w, h->size);
	ser_put_array(w, h->free, h->nfree, sizeof *h->free);
	ser_put_array(w, h->live, h->nlive, sizeof *h->live);
}

int km_heap_load(struct km *km, struct ser_r *r)
{
	struct km_heap *h = km->heap;
	ser_expect(r, "heap");
	if (ser_get_u64(r) != h->base || ser_get_u64(r) != h->size)
		ser_r_fail(r, "kernel heap: another place or size");
	size_t nfree, nlive;
	struct span *fr = ser_get_array(r, &nfree, sizeof *fr, SIZE_MAX / 64, "heap free spans");
	struct span *lv = ser_get_array(r, &nlive, sizeof *lv, SIZE_MAX / 64, "heap live spans");
	if (ser_r_failed(r)) {
		free(fr);
		free(lv);
		return -1;
	}
	free(h->free);
	free(h->live);
	h->free = fr;
	h->nfree = h->capfree = nfree;
	h->live = lv;
	h->nlive = h->caplive = nlive;
	return 0;
}
