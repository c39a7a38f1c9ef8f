/*
 * tests/test_ser.c — util/ser: the snapshot byte stream reads back what
 * was written, and a reader that drifts from its writer (a wrong tag, a
 * count too large, a stream cut short) fails once, says where, and
 * zero-fills instead of reading past the end.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/ser.h"

Test(ser, reads_back_what_was_written)
{
	struct ser_w w = {0};
	uint32_t arr[5] = {1, 2, 3, 4, 5};
	ser_tag(&w, "abcd");
	ser_put_u64(&w, 0x1122334455667788ull);
	ser_put_array(&w, arr, 5, sizeof arr[0]);
	ser_put_str(&w, "hello");
	ser_put_str(&w, NULL);
	ser_put_array(&w, arr, 3, sizeof arr[0]);
	cr_assert(!ser_w_failed(&w));
	struct ser_r r;
	ser_r_init(&r, w.buf, w.len);
	ser_expect(&r, "abcd");
	cr_expect_eq(ser_get_u64(&r), 0x1122334455667788ull);
	size_t n;
	uint32_t *got = ser_get_array(&r, &n, sizeof *got, 5, "arr");
	cr_assert_eq(n, 5);
	cr_expect_arr_eq(got, arr, sizeof arr);
	free(got);
	char *s = ser_get_str(&r);
	cr_expect_str_eq(s, "hello");
	free(s);
	cr_expect_null(ser_get_str(&r));
	uint32_t three[3];
	ser_get_fixed(&r, three, 3, sizeof three[0], "three");
	cr_expect_arr_eq(three, arr, sizeof three);
	cr_expect(!ser_r_failed(&r), "%s", r.why);
	cr_expect_eq(r.off, r.len);
	ser_w_free(&w);
}

Test(ser, a_drifting_reader_fails_once_and_says_where)
{
	struct ser_w w = {0};
	ser_tag(&w, "km  ");
	ser_put_u64(&w, 1000);
	struct ser_r r;
	/* another section */
	ser_r_init(&r, w.buf, w.len);
	ser_expect(&r, "hv  ");
	cr_expect(ser_r_failed(&r));
	cr_expect(strstr(r.why, "'hv  ' expected, 'km  ' found"), "%s", r.why);
	/* a count beyond its bound: nothing allocated, 0 */
	ser_r_init(&r, w.buf, w.len);
	ser_expect(&r, "km  ");
	size_t n = 7;
	cr_expect_null(ser_get_array(&r, &n, 8, 999, "spans"));
	cr_expect_eq(n, 0);
	cr_expect(strstr(r.why, "spans: 1000 elements, at most 999"), "%s", r.why);
	/* a count within bound but past the end */
	ser_r_init(&r, w.buf, w.len);
	ser_expect(&r, "km  ");
	cr_expect_null(ser_get_array(&r, &n, 8, 5000, "spans"));
	cr_expect(strstr(r.why, "past the end"), "%s", r.why);
	/* cut short: zero-filled, the first reason stays */
	ser_r_init(&r, w.buf, 6);
	ser_expect(&r, "km  ");
	cr_expect_eq(ser_get_u64(&r), 0);
	cr_expect(strstr(r.why, "ends at byte 6"), "%s", r.why);
	uint64_t v = 42;
	ser_get(&r, &v, sizeof v);
	cr_expect_eq(v, 0);
	cr_expect(strstr(r.why, "ends at byte 6"), "%s", r.why);
	ser_w_free(&w);
}
