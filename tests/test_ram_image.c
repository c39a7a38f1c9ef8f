/*
 * tests/test_ram_image.c — guest RAM as a snapshot image (sim.h, "boot
 * snapshots"): a round trip restores every byte, zero pages cost nothing,
 * a malformed image is refused and changes nothing, and an image loads
 * only before the first strand runs.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "tests/util.h"

static void fill(struct sim *s)
{
	/* a few scattered pages, one straddling nothing but its own */
	static const uint64_t at[] = {0x100000, 0x123458, 0x3fe000, 0x7ffff8};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		cr_assert_eq(sim_st64(s, at[i], 0x0123456789abcdefull ^ at[i]), 0);
}

Test(ram_image, round_trip_restores_every_byte)
{
	struct sim *a = test_selftest_sim(1), *b = test_selftest_sim(1);
	char err[256];
	uint8_t *img;
	size_t len;
	fill(a);
	cr_assert_eq(sim_ram_image(a, 1, &img, &len, err, sizeof err), SIM_OK, "%s", err);
	cr_expect_lt(len, 64 * 1024, "8 MiB of RAM, a few used pages: %zu bytes", len);
	cr_assert_eq(sim_ram_load(b, img, len, err, sizeof err), SIM_OK, "%s", err);
	cr_expect_eq(memcmp(sim_ra_ptr(a, 0, 8 << 20), sim_ra_ptr(b, 0, 8 << 20), 8 << 20), 0);
	free(img);
	sim_free(a);
	sim_free(b);
}

Test(ram_image, malformed_images_change_nothing)
{
	struct sim *a = test_selftest_sim(1), *b = test_selftest_sim(1);
	char err[256];
	uint8_t *img;
	size_t len;
	fill(a);
	cr_assert_eq(sim_ram_image(a, 1, &img, &len, err, sizeof err), SIM_OK, "%s", err);
	cr_assert_eq(sim_st64(b, 0x200000, 42), 0);
	cr_expect_eq(sim_ram_load(b, img, len - 7, err, sizeof err), SIM_E_ARG, "truncated");
	cr_expect_not_null(strstr(err, "corrupt or truncated"), "%s", err);
	img[len / 2] ^= 0xff;
	cr_expect_eq(sim_ram_load(b, img, len, err, sizeof err), SIM_E_ARG, "corrupt");
	cr_expect_eq(sim_ram_load(b, img, 10, err, sizeof err), SIM_E_ARG, "short");
	cr_expect_not_null(strstr(err, "not a RAM image"), "%s", err);
	cr_expect_eq(sim_ld64(b, 0x200000), 42, "RAM untouched");
	free(img);
	sim_free(a);
	sim_free(b);
}

Test(ram_image, loads_only_before_the_first_strand)
{
	struct sim *a = test_selftest_sim(1), *b = test_selftest_sim(1);
	char err[256];
	uint8_t *img;
	size_t len;
	cr_assert_eq(sim_ram_image(a, 1, &img, &len, err, sizeof err), SIM_OK, "%s", err);
	cr_assert_eq(sim_strand_start(b, 0, 0x400000, 0), 0);
	cr_expect_eq(sim_ram_load(b, img, len, err, sizeof err), SIM_E_ARG);
	cr_expect_not_null(strstr(err, "before the first strand"), "%s", err);
	free(img);
	sim_free(a);
	sim_free(b);
}
