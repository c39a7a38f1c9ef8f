/*
 * kernel-model/km_bitops.c — bit operations, bitmaps and atomics:
 * __bitmap_weight, __fls, _find_next_bit, set_bit, clear_bit,
 * arch_atomic_add, arch_atomic_fetch_add, arch_atomic_fetch_sub.
 *
 * sparc64 is big-endian with 64-bit longs: bit nr of a bitmap is bit
 * nr % 64 of the big-endian 64-bit word at addr + 8 * (nr / 64). atomic_t
 * is a 32-bit big-endian int. One guest thread runs at a time, so a
 * read-modify-write here is atomic. A misaligned word would take a
 * mem_address_not_aligned trap on the real machine: here it is a verdict,
 * as is a word outside guest RAM. Signatures as the 6.1 headers declare
 * them (asm/bitops_64.h, asm/atomic_64.h, linux/find.h, linux/bitmap.h);
 * int results are sign-extended to 64 bits as the sparc64 ABI returns them.
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */
#include "kernel-model/km_impl.h"
#include "kernel-model/tunables.h"

#define BITS_PER_LONG 64

static uint64_t sext32(uint32_t v)
{
	return (uint64_t)(int64_t)(int32_t)v;
}

/* Check that [va, va + size) is a naturally aligned word of guest RAM. */
static int word_ok(struct km_call *c, uint64_t va, unsigned size, const char *what)
{
	if (va & (size - 1)) {
		km_fail(c, "misaligned %s at 0x%llx (a %u-byte word; the real access traps)", what,
		        (unsigned long long)va, size);
		return 0;
	}
	if (!km_ptr(c->km, va, size)) {
		km_fail(c, "%s at 0x%llx is not guest RAM", what, (unsigned long long)va);
		return 0;
	}
	return 1;
}

/* The bitmap word holding bit nr. */
static uint64_t word_of(uint64_t addr, uint64_t nr)
{
	return addr + 8 * (nr / BITS_PER_LONG);
}

/* void set_bit(unsigned long nr, volatile unsigned long *addr).
 * Cost: KM_COST_ATOMIC_NS. */
void km_set_bit(struct km_call *c)
{
	uint64_t nr = c->a[0], w = word_of(c->a[1], nr);
	km_charge(c, KM_COST_ATOMIC_NS);
	if (word_ok(c, w, 8, "bitmap word"))
		km_st64(c, w, km_ld64(c, w) | 1ull << (nr % BITS_PER_LONG));
}

/* void clear_bit(unsigned long nr, volatile unsigned long *addr).
 * Cost: KM_COST_ATOMIC_NS. */
void km_clear_bit(struct km_call *c)
{
	uint64_t nr = c->a[0], w = word_of(c->a[1], nr);
	km_charge(c, KM_COST_ATOMIC_NS);
	if (word_ok(c, w, 8, "bitmap word"))
		km_st64(c, w, km_ld64(c, w) & ~(1ull << (nr % BITS_PER_LONG)));
}

/* int __fls(unsigned long word): index of the most significant set bit.
 * Undefined for 0 in Linux; sparc64's default routine (lib/fls64.S)
 * returns 0 then, and so does this.
 * Cost: KM_COST_FLS_NS. */
void km___fls(struct km_call *c)
{
	uint64_t w = c->a[0];
	km_charge(c, KM_COST_FLS_NS);
	c->a[0] = w ? (uint64_t)(63 - __builtin_clzll(w)) : 0;
}

/* unsigned int __bitmap_weight(const unsigned long *bitmap, unsigned int
 * nbits): set bits among bits [0, nbits).
 * Cost: KM_COST_CALL_NS + KM_COST_WEIGHT_PER_WORD_NS per word. */
void km___bitmap_weight(struct km_call *c)
{
	uint64_t addr = c->a[0];
	uint32_t nbits = (uint32_t)c->a[1];
	uint64_t nwords = (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG, weight = 0;
	km_charge(c, KM_COST_CALL_NS + KM_COST_WEIGHT_PER_WORD_NS * nwords);
	for (uint64_t i = 0; i < nwords; i++) {
		uint64_t va = addr + 8 * i;
		if (!word_ok(c, va, 8, "bitmap word"))
			return;
		uint64_t v = km_ld64(c, va);
		unsigned tail = nbits % BITS_PER_LONG;
		if (i == nwords - 1 && tail)
			v &= (1ull << tail) - 1;
		weight += (uint64_t)__builtin_popcountll(v);
	}
	c->a[0] = weight;
}

/* unsigned long _find_next_bit(const unsigned long *addr, unsigned long
 * nbits, unsigned long start): the first set bit at or after start, below
 * nbits; nbits if there is none (or start >= nbits).
 * Cost: KM_COST_CALL_NS + KM_COST_FIND_PER_WORD_NS per word read. */
void km__find_next_bit(struct km_call *c)
{
	uint64_t addr = c->a[0], nbits = c->a[1], start = c->a[2], words = 0;
	c->a[0] = nbits;
	for (uint64_t i = start; i < nbits;) {
		uint64_t va = word_of(addr, i);
		words++;
		if (!word_ok(c, va, 8, "bitmap word"))
			break;
		uint64_t v = km_ld64(c, va) >> (i % BITS_PER_LONG);
		if (v) {
			uint64_t bit = i + (uint64_t)__builtin_ctzll(v);
			c->a[0] = bit < nbits ? bit : nbits;
			break;
		}
		i = (i / BITS_PER_LONG + 1) * BITS_PER_LONG;
	}
	km_charge(c, KM_COST_CALL_NS + KM_COST_FIND_PER_WORD_NS * words);
}

/* Add delta to the atomic_t at va; the old value, or 0 after a verdict. */
static uint32_t atomic_add_at(struct km_call *c, uint64_t va, uint32_t delta)
{
	km_charge(c, KM_COST_ATOMIC_NS);
	if (!word_ok(c, va, 4, "atomic_t"))
		return 0;
	uint32_t old = km_ld32(c, va);
	km_st32(c, va, old + delta); /* wraps as the kernel's -fno-strict-overflow */
	return old;
}

/* void arch_atomic_add(int i, atomic_t *v).
 * Cost: KM_COST_ATOMIC_NS. */
void km_arch_atomic_add(struct km_call *c)
{
	atomic_add_at(c, c->a[1], (uint32_t)c->a[0]);
}

/* int arch_atomic_fetch_add(int i, atomic_t *v) -> the old value.
 * Cost: KM_COST_ATOMIC_NS. */
void km_arch_atomic_fetch_add(struct km_call *c)
{
	c->a[0] = sext32(atomic_add_at(c, c->a[1], (uint32_t)c->a[0]));
}

/* int arch_atomic_fetch_sub(int i, atomic_t *v) -> the old value.
 * Cost: KM_COST_ATOMIC_NS. */
void km_arch_atomic_fetch_sub(struct km_call *c)
{
	c->a[0] = sext32(atomic_add_at(c, c->a[1], (uint32_t)0 - (uint32_t)c->a[0]));
}
