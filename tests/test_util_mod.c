/*
 * tests/test_util_mod.c — util/: the helpers every module shares (byte
 * order, whole-file reading, percentiles), written once; and the one
 * error convention of the library's modules.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "tests/util.h"
#include "traces/md.h"
#include "traces/trace.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/grow.h"
#include "util/stats.h"

Test(util_bytes, big_endian_loads_and_stores_round_trip_at_any_alignment)
{
	uint8_t b[13] = {0};
	util_put_be64(b + 1, 0x0102030405060708ull);
	util_put_be32(b + 9, 0xa1b2c3d4u);
	static const uint8_t want[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0xa1, 0xb2, 0xc3, 0xd4};
	cr_assert_arr_eq(b, want, sizeof want);
	cr_expect_eq(util_be64(b + 1), 0x0102030405060708ull);
	cr_expect_eq(util_be32(b + 9), 0xa1b2c3d4u);
	cr_expect_eq(util_be32(b + 3), 0x03040506u);
}

Test(util_file, reads_a_file_larger_than_one_block_whole_and_nul_terminated)
{
	char path[1024];
	test_tmpfile(path, sizeof path, "util-file");
	size_t big = 3 * 65536 + 17;
	uint8_t *w = malloc(big);
	cr_assert_not_null(w);
	for (size_t i = 0; i < big; i++)
		w[i] = (uint8_t)(i * 7 + 1);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(w, 1, big, f), big);
	cr_assert_eq(fclose(f), 0);
	uint8_t *r;
	size_t len;
	cr_assert_eq(util_read_file(path, &r, &len), UTIL_OK);
	cr_expect_eq(len, big);
	cr_expect_eq(memcmp(r, w, big), 0);
	cr_expect_eq(r[len], 0, "no NUL after the data");
	free(r);
	free(w);
}

Test(util_file, an_empty_file_is_zero_bytes_and_an_empty_string)
{
	char path[1024];
	test_tmpfile(path, sizeof path, "util-empty");
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fclose(f);
	uint8_t *r;
	size_t len = 99;
	cr_assert_eq(util_read_file(path, &r, &len), UTIL_OK);
	cr_expect_eq(len, 0);
	cr_assert_not_null(r);
	cr_expect_str_eq((char *)r, "");
	free(r);
}

Test(util_file, failures_are_negative_codes_with_errno_and_a_name)
{
	char dir[1024], missing[1100];
	uint8_t *r = (uint8_t *)"x";
	size_t len;
	test_tmpdir(dir, sizeof dir, "util-fail");
	snprintf(missing, sizeof missing, "%s/no-such-file", dir);
	cr_expect_eq(util_read_file(missing, &r, &len), UTIL_E_OPEN);
	cr_expect_eq(errno, ENOENT);
	cr_expect_null(r);
	/* A folder opens but does not read. */
	cr_expect_eq(util_read_file(dir, &r, &len), UTIL_E_READ);
	cr_expect_eq(errno, EISDIR);
	cr_expect_null(r);
	const int codes[] = {UTIL_OK, UTIL_E_OPEN, UTIL_E_READ, UTIL_E_NOMEM};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		cr_expect(codes[i] <= 0);
		for (size_t k = 0; k < i; k++)
			cr_expect_str_neq(util_strerror(codes[i]), util_strerror(codes[k]));
		cr_expect_str_neq(util_strerror(codes[i]), util_strerror(-99));
	}
}

Test(util_stats, percentiles_are_nearest_rank)
{
	int64_t s[] = {100, 30, 20, 60, 10, 50, 40, 90, 80, 70};
	util_sort_i64(s, 10);
	for (size_t i = 0; i < 10; i++)
		cr_assert_eq(s[i], (int64_t)(10 * (i + 1)));
	cr_expect_eq(util_percentile(s, 10, 0), 10);
	cr_expect_eq(util_percentile(s, 10, 50), 50);
	cr_expect_eq(util_percentile(s, 10, 90), 90);
	cr_expect_eq(util_percentile(s, 10, 99), 100);
	cr_expect_eq(util_percentile(s, 10, 100), 100);
	cr_expect_eq(util_percentile(s, 1, 50), 10);
	cr_expect_eq(util_percentile(s, 0, 50), 0);
}

/* The result JSON's cpu_latency_ns and a sweep row's online_p*_ns both
 * come from util_percentile: its floating-point rank must equal the exact
 * rank ceil(pct * n / 100), in integers, for every cpu count a domain can
 * have and the percentiles ldomsim reports. */
Test(util_stats, the_rank_is_exact_for_every_cpu_count)
{
	static int64_t v[4096];
	for (size_t i = 0; i < 4096; i++)
		v[i] = (int64_t)i + 1;
	static const unsigned pcts[] = {0, 50, 90, 99, 100};
	for (size_t n = 1; n <= 4096; n++)
		for (size_t p = 0; p < sizeof pcts / sizeof pcts[0]; p++) {
			size_t rank = (pcts[p] * n + 99) / 100;
			if (rank < 1)
				rank = 1;
			cr_assert_eq(util_percentile(v, n, pcts[p]), (int64_t)rank,
			             "n %zu, p%u: rank %lld, exact %zu", n, pcts[p],
			             (long long)util_percentile(v, n, pcts[p]), rank);
		}
}

/* ---- one error convention (README Conventions) ------------------------ */

/* Every module's status is 0 or negative, and its *_strerror names every
 * code (a failing call's result can be tested with < 0 across modules). */
Test(error_convention, every_module_status_is_zero_or_negative_and_named)
{
	static const int trace_codes[] = {TRACE_ERR_ARG,   TRACE_ERR_NOMEM,       TRACE_ERR_IO,
	                                  TRACE_ERR_JSON,  TRACE_ERR_VERSION,     TRACE_ERR_FORMAT,
	                                  TRACE_ERR_TYPE,  TRACE_ERR_MISSING,     TRACE_ERR_FIELD,
	                                  TRACE_ERR_RANGE, TRACE_ERR_NAME,        TRACE_ERR_HASH,
	                                  TRACE_ERR_REF,   TRACE_ERR_CONSISTENCY, TRACE_ERR_MD};
	for (size_t i = 0; i < sizeof trace_codes / sizeof trace_codes[0]; i++) {
		cr_expect_lt(trace_codes[i], 0, "trace status %d", trace_codes[i]);
		cr_expect_str_neq(trace_strerror((enum trace_status)trace_codes[i]),
		                  "unknown error");
	}
	cr_expect_eq(TRACE_OK, 0);
	cr_expect_eq(MD_OK, 0);
	for (int c = 1; c < MD_STATUS_COUNT; c++)
		cr_expect_str_neq(md_strerror((enum md_status) - c), "unknown MD error", "md -%d",
		                  c);
	cr_expect_lt(MD_ERR_ARC_CYCLE, 0);
	cr_expect_lt(UTIL_E_NOMEM, 0);
	cr_expect_lt(SIM_E_NOMEM, 0);
	/* A real failure of each reader gives a negative code. */
	struct md *md;
	struct md_err me;
	cr_expect_lt(md_read_file("/nonexistent/md.bin", &md, &me), 0);
	struct trace *t;
	struct trace_error te;
	cr_expect_lt(trace_load("/nonexistent/trace.json", &t, &te), 0);
}

Test(util_grow, doubles_from_the_first_capacity_and_keeps_the_contents)
{
	uint32_t *v = NULL;
	size_t cap = 0, n = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert_eq(util_grow((void **)&v, &cap, n, sizeof *v, 4), 0);
		cr_assert_gt(cap, n);
		v[n++] = i;
	}
	cr_expect_eq(cap, 1024, "4 doubled to fit 1000: %zu", cap);
	for (uint32_t i = 0; i < 1000; i++)
		cr_assert_eq(v[i], i);
	/* Room enough: nothing moves. */
	uint32_t *before = v;
	cr_expect_eq(util_grow((void **)&v, &cap, 10, sizeof *v, 4), 0);
	cr_expect_eq(v, before);
	free(v);
}

Test(util_grow, an_impossible_size_fails_and_leaves_the_array_alone)
{
	char *v = malloc(8);
	size_t cap = SIZE_MAX / 2 + 1;
	cr_assert_not_null(v);
	cr_expect_eq(util_grow((void **)&v, &cap, cap, 4, 16), -1);
	cr_expect_eq(cap, SIZE_MAX / 2 + 1);
	cr_expect_not_null(v);
	free(v);
}
