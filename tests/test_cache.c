/*
 * tests/test_cache.c — the cache model (cache/) against answers worked out
 * by hand: streaming over arrays that fit in L1, in L2 only, nowhere; a
 * stride that maps every access to one set (associativity conflicts); two
 * strands sharing an L2; write-through without write-allocate.
 */
#include <criterion/criterion.h>

#include "cache/cache.h"

/* UltraSPARC T2's L1 data cache and L2 (cache/cache.h geometry). */
static const struct cache_geom l1_t2 = {8 * 1024, 16, 4, 1, 0};
static const struct cache_geom l2_t2 = {4 * 1024 * 1024, 64, 16, 0, 1};

struct two_level {
	struct cache *l1, *l2;
	struct cache_path p;
};

static void two_level_open(struct two_level *t)
{
	cr_assert_eq(cache_create(&l1_t2, &t->l1), CACHE_OK);
	cr_assert_eq(cache_create(&l2_t2, &t->l2), CACHE_OK);
	t->p.level[0] = t->l1;
	t->p.level[1] = t->l2;
	t->p.nlevels = 2;
}

static void two_level_close(struct two_level *t)
{
	cache_free(t->l1);
	cache_free(t->l2);
}

/* Read every 8-byte word of [base, base + bytes) once. */
static void stream(const struct cache_path *p, uint64_t base, uint64_t bytes)
{
	for (uint64_t a = base; a < base + bytes; a += 8)
		cr_assert_geq(cache_path_access(p, a, 8, CACHE_READ), 0);
}

Test(cache, geometry_is_checked)
{
	struct cache *c;
	const struct cache_geom bad[] = {
	    {8192, 24, 4, 0, 1},  /* line not a power of two */
	    {8192, 16, 0, 0, 1},  /* no ways */
	    {8192, 16, 65, 0, 1}, /* too many ways */
	    {12288, 16, 4, 0, 1}, /* 192 sets */
	    {100, 16, 4, 0, 1},   /* not a whole number of sets */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(cache_create(&bad[i], &c), CACHE_E_GEOM, "geometry %zu", i);
	cr_expect_eq(cache_create(&l1_t2, &c), CACHE_OK);
	cache_free(c);
	cache_free(NULL);
	cr_expect_str_neq(cache_strerror(CACHE_E_GEOM), cache_strerror(CACHE_E_NOMEM));
}

/* 4 KiB fits the 8 KiB L1: the first pass misses once per 16-byte line
 * (256 lines, 2 words each), the second pass hits everywhere. */
Test(cache, stream_that_fits_in_l1)
{
	struct two_level t;
	two_level_open(&t);
	stream(&t.p, 0x100000, 4096);
	cr_expect_eq(cache_stats(t.l1)->accesses[CACHE_READ], 512);
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], 256);
	cr_expect_eq(cache_stats(t.l2)->misses[CACHE_READ], 64, "one per 64-byte L2 line");
	stream(&t.p, 0x100000, 4096);
	cr_expect_eq(cache_stats(t.l1)->accesses[CACHE_READ], 1024);
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], 256, "second pass: all L1 hits");
	cr_expect_eq(cache_stats(t.l2)->accesses[CACHE_READ], 256, "the L2 sees only L1 misses");
	two_level_close(&t);
}

/* 64 KiB: 8x the L1, 1/64 of the L2. LRU streaming evicts every L1 line
 * before its reuse, so the second pass misses L1 on every line again
 * (4096) and hits the L2 every time. */
Test(cache, stream_that_fits_in_l2_only)
{
	struct two_level t;
	two_level_open(&t);
	stream(&t.p, 0, 64 * 1024);
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], 4096);
	cr_expect_eq(cache_stats(t.l2)->misses[CACHE_READ], 1024);
	stream(&t.p, 0, 64 * 1024);
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], 8192);
	cr_expect_eq(cache_stats(t.l2)->misses[CACHE_READ], 1024, "second pass: all L2 hits");
	two_level_close(&t);
}

/* 8 MiB: twice the L2. Every line misses both levels on both passes. */
Test(cache, stream_that_fits_nowhere)
{
	struct two_level t;
	two_level_open(&t);
	for (int pass = 1; pass <= 2; pass++) {
		stream(&t.p, 0, 8u << 20);
		cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], pass * (8u << 20) / 16);
		cr_expect_eq(cache_stats(t.l2)->misses[CACHE_READ], pass * (8u << 20) / 64);
	}
	cr_expect_eq(cache_path_access(&t.p, 0, 8, CACHE_READ), 2, "served by memory");
	two_level_close(&t);
}

/* 128 sets of 16-byte lines: a 2 KiB stride maps every address to one
 * set. Four of them fit the 4 ways: after the first round all hit. A fifth
 * makes LRU evict exactly the line needed next: every access misses. */
Test(cache, strided_walk_shows_associativity_conflicts)
{
	struct cache *c;
	cr_assert_eq(cache_create(&l1_t2, &c), CACHE_OK);
	for (int round = 0; round < 10; round++)
		for (uint64_t i = 0; i < 4; i++)
			cache_access(c, i * 2048, CACHE_READ);
	cr_expect_eq(cache_stats(c)->misses[CACHE_READ], 4, "4 lines in 4 ways");
	for (int round = 0; round < 10; round++)
		for (uint64_t i = 0; i < 5; i++)
			cache_access(c, 0x100000 + i * 2048, CACHE_READ);
	cr_expect_eq(cache_stats(c)->misses[CACHE_READ], 4 + 50, "5 lines in 4 ways: all miss");
	/* The same five lines 16 bytes apart spread over 5 sets: 5 misses. */
	for (int round = 0; round < 10; round++)
		for (uint64_t i = 0; i < 5; i++)
			cache_access(c, 0x200000 + i * 16, CACHE_READ);
	cr_expect_eq(cache_stats(c)->misses[CACHE_READ], 4 + 50 + 5);
	cache_free(c);
}

/* Two strands, each with its own L1, one L2: what one brought in, the
 * other finds in the L2 (and not in its own L1). */
Test(cache, two_strands_sharing_an_l2_see_each_others_lines)
{
	struct cache *a1, *b1, *l2;
	cr_assert_eq(cache_create(&l1_t2, &a1), CACHE_OK);
	cr_assert_eq(cache_create(&l1_t2, &b1), CACHE_OK);
	cr_assert_eq(cache_create(&l2_t2, &l2), CACHE_OK);
	struct cache_path a = {{a1, l2}, 2}, b = {{b1, l2}, 2};
	stream(&a, 0x40000, 4096);
	cr_expect_eq(cache_stats(l2)->misses[CACHE_READ], 64);
	for (uint64_t x = 0x40000; x < 0x40000 + 4096; x += 64)
		cr_expect_eq(cache_path_access(&b, x, 8, CACHE_READ), 1, "0x%llx from the L2",
		             (unsigned long long)x);
	cr_expect_eq(cache_stats(l2)->misses[CACHE_READ], 64, "no new L2 miss");
	cr_expect_eq(cache_stats(b1)->misses[CACHE_READ], 64, "b's own L1 was cold");
	cache_free(a1);
	cache_free(b1);
	cache_free(l2);
}

/* T2's L1 writes through without allocating: a store that misses leaves
 * the L1 cold (a later load misses), every store reaches the L2, and a
 * store is served by the first level that hits. */
Test(cache, write_through_without_write_allocate)
{
	struct two_level t;
	two_level_open(&t);
	cr_expect_eq(cache_path_access(&t.p, 0x5000, 8, CACHE_WRITE), 2, "cold: memory");
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_WRITE], 1);
	cr_expect_eq(cache_stats(t.l2)->misses[CACHE_WRITE], 1, "the L2 allocates");
	cr_expect_eq(cache_path_access(&t.p, 0x5000, 8, CACHE_READ), 1, "not in L1, in L2");
	cr_expect_eq(cache_path_access(&t.p, 0x5000, 8, CACHE_WRITE), 0, "now an L1 hit");
	cr_expect_eq(cache_stats(t.l2)->accesses[CACHE_WRITE], 2, "written through");
	two_level_close(&t);
}

/* An access wider than a line touches each line it covers (a 64-byte
 * block load on 16-byte L1 lines: 4 lines). */
Test(cache, wide_access_touches_every_line)
{
	struct two_level t;
	two_level_open(&t);
	cr_expect_eq(cache_path_access(&t.p, 0x8000, 64, CACHE_READ), 2);
	cr_expect_eq(cache_stats(t.l1)->accesses[CACHE_READ], 4);
	cr_expect_eq(cache_stats(t.l1)->misses[CACHE_READ], 4);
	cr_expect_eq(cache_path_access(&t.p, 0x800c, 8, CACHE_READ), 0, "straddles two lines");
	cr_expect_eq(cache_stats(t.l1)->accesses[CACHE_READ], 6);
	two_level_close(&t);
}
