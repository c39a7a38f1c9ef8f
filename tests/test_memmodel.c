/*
 * tests/test_memmodel.c — the machine's memory model (sim.h, "the memory
 * model") with guest code: build/sim/selftest.elf's st_stream and st_stride
 * read arrays of known size, and the accesses each level served, the
 * stall time charged and the clock must be what arithmetic predicts. A
 * small two-level hierarchy (T2's L1 data cache, a 64 KiB L2) keeps the
 * arrays inside the self-test's 8 MiB of RAM.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "sim/profile.h"
#include "sim/sim.h"
#include "tests/util.h"

#define L1_LAT  3
#define L2_LAT  20
#define MEM_LAT 200
#define ARRAY   0x500000ull /* real address of the arrays (above the image) */
#define STACK   0x200000ull

static const struct cache_geom l1d = {8 * 1024, 16, 4, 1, 0};
static const struct cache_geom l1i = {16 * 1024, 32, 8, 0, 1};
static const struct cache_geom l2 = {64 * 1024, 64, 16, 0, 1};

struct fx {
	struct sim *s;
	struct cache *d[2], *i[2], *l2;
};

/* Two cpus, each with its own L1s, one shared L2; 1 GHz, CPI 1 (1000 ps
 * per cycle and per instruction); the profile on when profiled. */
static void fx_open_as(struct fx *f, int model, int profiled)
{
	memset(f, 0, sizeof *f);
	f->s = test_selftest_sim(2);
	if (profiled)
		cr_assert_eq(sim_profile_enable(f->s), SIM_OK);
	cr_assert_eq(cache_create(&l2, &f->l2), CACHE_OK);
	struct sim_mem_cpu m[2];
	memset(m, 0, sizeof m);
	for (int c = 0; c < 2; c++) {
		cr_assert_eq(cache_create(&l1d, &f->d[c]), CACHE_OK);
		cr_assert_eq(cache_create(&l1i, &f->i[c]), CACHE_OK);
		m[c].data = (struct cache_path){{f->d[c], f->l2}, 2};
		m[c].insn = (struct cache_path){{f->i[c], f->l2}, 2};
		uint32_t lat[] = {L1_LAT, L2_LAT, MEM_LAT};
		memcpy(m[c].data_lat, lat, sizeof lat);
		memcpy(m[c].insn_lat, lat, sizeof lat);
		sim_cpu_set_speed(f->s, (unsigned)c, 1000000000ull, 1.0);
	}
	if (model)
		cr_assert_eq(sim_memory_model(f->s, m), SIM_OK);
	cr_expect_eq(sim_memory_model_on(f->s), model);
	for (unsigned c = 0; c < 2; c++)
		cr_assert_eq(sim_strand_start(f->s, c, 0x400000, 0), 0);
	/* Once strands run, the engines have no memory hook to add. */
	cr_expect_eq(sim_memory_model(f->s, m), SIM_E_ARG);
}

static void fx_open(struct fx *f, int model)
{
	fx_open_as(f, model, 0);
}

static void fx_open_profiled(struct fx *f)
{
	fx_open_as(f, 1, 1);
}

static void fx_close(struct fx *f)
{
	sim_free(f->s);
	cache_free(f->l2);
	for (int c = 0; c < 2; c++) {
		cache_free(f->d[c]);
		cache_free(f->i[c]);
	}
}

static uint64_t stall_of(const uint64_t served[3])
{
	return (served[1] * (L2_LAT - L1_LAT) + served[2] * (MEM_LAT - L1_LAT)) * 1000;
}

/* Call fn(a0..a3) on cpu; the reads each level served during the call
 * into served[3] and the stall it charged into *stall_ps; checks that the
 * stall is the latencies of what reads and fetches missed, and that the
 * clock advanced by exactly the instructions plus the stall. */
static void call(struct fx *f, unsigned cpu, const char *fn, uint64_t a0, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t served[3], uint64_t *stall_ps)
{
	uint64_t addr, ret, args[4] = {a0, a1, a2, a3};
	struct sim_verdict v;
	cr_assert_eq(sim_sym(f->s, fn, &addr), 0);
	struct sim_strand_stats before = *sim_strand_stats(f->s, cpu);
	uint64_t t0 = sim_thread_time_ps(f->s, cpu);
	cr_assert_eq(sim_call(f->s, cpu, addr, args, 4, STACK - cpu * 0x10000, &ret, &v),
	             SIM_STOP_RETURNED, "%s", v.msg);
	const struct sim_strand_stats *after = sim_strand_stats(f->s, cpu);
	for (int l = 0; l < 3; l++)
		served[l] = after->mem_served[CACHE_READ][l] - before.mem_served[CACHE_READ][l];
	*stall_ps = after->mem_stall_ps - before.mem_stall_ps;
	uint64_t fetched[3];
	for (int l = 0; l < 3; l++)
		fetched[l] = after->mem_served[CACHE_FETCH][l] - before.mem_served[CACHE_FETCH][l];
	cr_expect_eq(*stall_ps, stall_of(served) + stall_of(fetched),
	             "stalls: reads and fetches beyond the L1, at their levels' latencies");
	uint64_t insns = after->insns - before.insns;
	cr_expect_eq(sim_thread_time_ps(f->s, cpu) - t0, insns * 1000 + *stall_ps,
	             "the clock is instructions plus stalls");
	cr_expect_eq(after->mem_served[CACHE_WRITE][0] + after->mem_served[CACHE_WRITE][1] +
	                 after->mem_served[CACHE_WRITE][2],
	             before.mem_served[CACHE_WRITE][0] + before.mem_served[CACHE_WRITE][1] +
	                 before.mem_served[CACHE_WRITE][2],
	             "the loops store nothing");
}

/* 4 KiB twice: pass 1 misses the L1 once per 16-byte line (256), the L2
 * once per 64-byte line (64); pass 2 hits the L1 on all 512 words. */
Test(memmodel, stream_that_fits_in_l1)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stream", ARRAY, 4096, 2, 0, sv, &stall);
	cr_expect_eq(sv[0], 256 + 512);
	cr_expect_eq(sv[1], 192);
	cr_expect_eq(sv[2], 64);
	fx_close(&f);
}

/* 32 KiB: 4x the L1, half the L2. Pass 1: 2048 L1 misses, 512 of them to
 * memory; pass 2: LRU streaming misses the L1 on all 2048 lines again,
 * every one served by the L2. */
Test(memmodel, stream_that_fits_in_l2_only)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stream", ARRAY, 32 * 1024, 2, 0, sv, &stall);
	cr_expect_eq(sv[0], 2 * 2048);
	cr_expect_eq(sv[1], 1536 + 2048);
	cr_expect_eq(sv[2], 512);
	fx_close(&f);
}

/* 256 KiB: 4x the L2. Every 64-byte line comes from memory on both passes
 * (4096 each), the other 3 of its 16-byte L1 lines from the L2. */
Test(memmodel, stream_that_fits_nowhere)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stream", ARRAY, 256 * 1024, 2, 0, sv, &stall);
	cr_expect_eq(sv[0], 2 * 16384);
	cr_expect_eq(sv[1], 2 * 12288);
	cr_expect_eq(sv[2], 2 * 4096);
	fx_close(&f);
}

/* A 2 KiB stride lands every read in one of the L1's 128 sets: 4 lines
 * fit its 4 ways (4 cold misses in 40 reads), 5 lines never hit (LRU);
 * the L2 (64 sets of 16 ways) holds all 5. */
Test(memmodel, strided_walk_shows_the_l1_associativity)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stride", ARRAY, 2048, 4, 10, sv, &stall);
	cr_expect_eq(sv[0], 36);
	cr_expect_eq(sv[1] + sv[2], 4);
	call(&f, 0, "st_stride", ARRAY + 0x100000, 2048, 5, 10, sv, &stall);
	cr_expect_eq(sv[0], 0, "5 lines in 4 ways: no L1 hit");
	cr_expect_eq(sv[1], 45);
	cr_expect_eq(sv[2], 5);
	fx_close(&f);
}

/* cpu 1 reads what cpu 0 read: its own L1 is cold, the shared L2 has
 * every line. */
Test(memmodel, two_strands_sharing_an_l2_see_each_others_lines)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stream", ARRAY, 4096, 1, 0, sv, &stall);
	cr_expect_eq(sv[2], 64);
	call(&f, 1, "st_stream", ARRAY, 4096, 1, 0, sv, &stall);
	cr_expect_eq(sv[0], 256);
	cr_expect_eq(sv[1], 256, "every L1 miss served by the shared L2");
	cr_expect_eq(sv[2], 0);
	fx_close(&f);
}

/* Instruction fetches go through the instruction path: the loop's few
 * lines miss once, then every block is an L1 hit. */
Test(memmodel, instruction_fetches_are_counted)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 1);
	call(&f, 0, "st_stream", ARRAY, 4096, 2, 0, sv, &stall);
	const struct sim_strand_stats *st = sim_strand_stats(f.s, 0);
	uint64_t fetch_far = st->mem_served[CACHE_FETCH][1] + st->mem_served[CACHE_FETCH][2];
	cr_expect_gt(st->mem_served[CACHE_FETCH][0], 1000, "one fetch per executed block");
	cr_expect_leq(fetch_far, 4, "the code is a few 32-byte lines: %llu",
	              (unsigned long long)fetch_far);
	fx_close(&f);
}

/* Off: no counts, no stall, the clock is instructions only. */
Test(memmodel, off_counts_nothing)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open(&f, 0);
	call(&f, 0, "st_stream", ARRAY, 32 * 1024, 2, 0, sv, &stall);
	cr_expect_eq(sv[0] + sv[1] + sv[2], 0);
	cr_expect_eq(stall, 0);
	fx_close(&f);
}

/* With the profile on, the accesses are charged to the function that made
 * them: st_stream's row holds exactly the reads the strand made. */
Test(memmodel, the_profile_charges_accesses_to_the_function)
{
	struct fx f;
	uint64_t sv[3], stall;
	fx_open_profiled(&f);
	call(&f, 0, "st_stream", ARRAY, 32 * 1024, 2, 0, sv, &stall);
	struct sim_prof_fn *rows;
	size_t n = sim_prof_functions(sim_profile(f.s), &rows);
	const struct sim_prof_fn *row = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, "st_stream"))
			row = &rows[i];
	cr_assert_not_null(row);
	for (int l = 0; l < 3; l++)
		cr_expect_eq(row->incl_mem.served[CACHE_READ][l], sv[l], "level %d", l);
	cr_expect_gt(row->incl_mem.stall_ps, 0);
	cr_expect_leq(row->incl_mem.stall_ps, stall, "fetch stalls of sim_return are not its");
	free(rows);
	fx_close(&f);
}
