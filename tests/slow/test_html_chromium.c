/*
 * tests/slow/test_html_chromium.c — the HTML report (`ldomsim report DIR
 * --html`) in a real browser: Debian's chromium, headless, renders the
 * M7-16 baseline's page to a PNG screenshot (its size and its share of
 * drawn pixels are checked, decoded with libpng) and dumps the DOM it
 * parsed (the summary table's numbers, read from summary.json, must be in
 * it, and every plot an inline <svg>). scripts/deps.sh installs chromium;
 * the test is skipped, saying so, only when it cannot be installed.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/util.h"

#define HC_SWEEP  "results/m7-16"
#define HC_WIDTH  1280 /* the browser window and so the screenshot, pixels */
#define HC_HEIGHT 2400
/* The table headers' background in bench/html.c's style sheet (#eef). */
#define HC_TH_RGB 0xeeeeffu
/* A pixel is drawn when a channel is this far from the white page. */
#define HC_INK 24
/* Headless chromium as root needs --no-sandbox; its profile goes to the
 * test's own folder; a hung browser is stopped. */
#define HC_CHROMIUM                                                                                \
	"timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "               \
	"--disable-extensions --hide-scrollbars --user-data-dir=%s/profile"

static int have_chromium(void)
{
	return test_sh("command -v chromium >/dev/null 2>&1") == 0;
}

/* The share of pixels of the RGB image that are not (nearly) white. */
static double ink_share(const png_bytep px, png_uint_32 w, png_uint_32 h)
{
	size_t ink = 0;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		const png_byte *p = px + 3 * i;
		ink += 255 - p[0] > HC_INK || 255 - p[1] > HC_INK || 255 - p[2] > HC_INK;
	}
	return (double)ink / ((double)w * h);
}

/* The share of pixels of exactly the colour 0xRRGGBB. */
static double colour_share(const png_bytep px, png_uint_32 w, png_uint_32 h, unsigned rgb)
{
	size_t k = 0;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		const png_byte *p = px + 3 * i;
		k +=
		    p[0] == (rgb >> 16 & 0xff) && p[1] == (rgb >> 8 & 0xff) && p[2] == (rgb & 0xff);
	}
	return (double)k / ((double)w * h);
}

Test(html_chromium, report_renders_with_its_numbers_and_plots, .timeout = 300)
{
	char dir[1024], page[1200], shot[1200], dom[1200];
	if (!have_chromium()) {
		/* Install it the way `make check` installs everything. */
		test_sh("env -u MAKEFLAGS scripts/deps.sh >/dev/null 2>&1");
		if (!have_chromium())
			cr_skip_test(
			    "chromium is not installed and scripts/deps.sh could not install "
			    "it (Debian package chromium): the HTML report was not rendered");
	}
	test_tmpdir(dir, sizeof dir, "chromium");
	snprintf(page, sizeof page, "%s/page.html", dir);
	snprintf(shot, sizeof shot, "%s/shot.png", dir);
	snprintf(dom, sizeof dom, "%s/dom.html", dir);
	cr_assert_eq(test_sh("build/ldomsim report " HC_SWEEP " --html %s >/dev/null", page), 0);

	/* The screenshot: a PNG of the window's size, a fair share of it drawn
	 * (text, tables, plots), not a blank or an error page. */
	cr_assert_eq(test_sh(HC_CHROMIUM " --screenshot=%s --window-size=%d,%d file://%s "
	                                 ">%s/shot.log 2>&1",
	                     dir, shot, HC_WIDTH, HC_HEIGHT, page, dir),
	             0, "chromium --screenshot failed (%s/shot.log)", dir);
	struct stat st;
	cr_assert_eq(stat(shot, &st), 0, "no screenshot %s", shot);
	cr_expect(st.st_size > 50000, "screenshot of %lld bytes", (long long)st.st_size);
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	cr_assert(png_image_begin_read_from_file(&img, shot), "%s: %s", shot, img.message);
	cr_expect_eq(img.width, HC_WIDTH);
	cr_expect_eq(img.height, HC_HEIGHT);
	img.format = PNG_FORMAT_RGB;
	png_bytep px = malloc(PNG_IMAGE_SIZE(img));
	cr_assert_not_null(px);
	cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL), "%s: %s", shot, img.message);
	double ink = ink_share(px, img.width, img.height);
	cr_log_info("screenshot %ux%u, %lld bytes, %.1f%% drawn (top half %.1f%%), %.2f%% header "
	            "colour",
	            (unsigned)img.width, (unsigned)img.height, (long long)st.st_size, 100 * ink,
	            100 * ink_share(px, img.width, img.height / 2),
	            100 * colour_share(px, img.width, img.height, HC_TH_RGB));
	cr_expect(ink > 0.03 && ink < 0.8, "%.1f%% of the screenshot is drawn", 100 * ink);
	/* Its top (title, configuration, table) and bottom (a plot) both drawn. */
	png_uint_32 half = img.height / 2;
	cr_expect(ink_share(px, img.width, half) > 0.02);
	cr_expect(ink_share(px + 3 * (size_t)img.width * half, img.width, img.height - half) >
	          0.01);
	/* The page's own style sheet applied: the table headers' background. */
	double heads = colour_share(px, img.width, img.height, HC_TH_RGB);
	cr_expect(heads > 0.002, "%.3f%% of the screenshot has the header colour", 100 * heads);
	free(px);

	/* The DOM the browser built: the summary table's numbers, from
	 * summary.json, and each plot as an svg element. */
	cr_assert_eq(
	    test_sh(HC_CHROMIUM " --dump-dom file://%s >%s 2>%s/dom.log", dir, page, dom, dir), 0);
	char *text = test_slurp(dom);
	json_t *sum = json_load_file(HC_SWEEP "/summary.json", 0, NULL);
	const json_t *row, *v;
	const char *name;
	size_t i, numbers = 0;
	cr_assert(sum, "%s/summary.json", HC_SWEEP);
	cr_expect(strstr(text, "<table"));
	json_array_foreach(json_object_get(sum, "points"), i, row)
	{
		json_object_foreach(json_object_get(row, "metrics"), name, v)
		{
			char num[64];
			if (strcmp(name, "request_ns") && strncmp(name, "online_", 7) &&
			    strcmp(name, "topology_ns"))
				continue;
			snprintf(num, sizeof num, ">%.3f<", (double)json_integer_value(v) / 1e6);
			cr_expect(strstr(text, num), "%s %s %s not in the rendered page",
			          json_string_value(json_object_get(row, "point")), name, num);
			numbers++;
		}
	}
	cr_expect(numbers >= 7 * json_array_size(json_object_get(sum, "points")));
	size_t svgs = 0;
	for (const char *p = text; (p = strstr(p, "<svg")); p += 4)
		svgs++;
	cr_expect_eq(svgs, json_array_size(json_object_get(sum, "plots")));
	cr_expect(!strcasestr(text, "<script"));
	test_sh("rm -rf %s", dir);
	json_decref(sum);
	free(text);
}
