/*
 * tests/test_report_html.c — `ldomsim report DIR --html OUT` (bench/html.c):
 * the page holds the summary's numbers, fits and plots inline and nothing
 * outside itself; text from the files is escaped; --base highlights
 * regressions and the functions that got slower; unusable input writes no
 * page. (tests/slow/test_html_chromium.c renders it in a browser.)
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/sweep_io.h"
#include "tests/util.h"

#define LDOMSIM "build/ldomsim"
/* A committed baseline sweep with plots: the input the page is made of. */
#define HTML_SWEEP "results/t2"

static size_t count(const char *s, const char *what)
{
	size_t k = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		k++;
	return k;
}

/* A copy of HTML_SWEEP's summary.json and plots in a new folder dir (n
 * bytes), the summary edited by edit (NULL: as it is). */
static void copy_sweep(char *dir, size_t n, const char *tag, void (*edit)(json_t *))
{
	char path[1200], err[1024];
	test_tmpdir(dir, n, tag);
	cr_assert_eq(test_sh("cp -r " HTML_SWEEP "/plots %s/", dir), 0);
	json_t *sum = bench_read_json(HTML_SWEEP "/summary.json", err, sizeof err);
	cr_assert(sum, "%s", err);
	if (edit)
		edit(sum);
	snprintf(path, sizeof path, "%s/summary.json", dir);
	cr_assert_eq(bench_write_json_atomic(path, sum, err, sizeof err), 0, "%s", err);
	json_decref(sum);
}

Test(report_html, page_holds_the_summary_fits_and_plots_and_nothing_outside)
{
	char dir[1024], out[1200], err[1024], num[64];
	test_tmpdir(dir, sizeof dir, "html");
	snprintf(out, sizeof out, "%s/page.html", dir);
	cr_assert_eq(test_sh(LDOMSIM " report " HTML_SWEEP " --html %s >/dev/null", out), 0);
	char *page = test_slurp(out);
	json_t *sum = bench_read_json(HTML_SWEEP "/summary.json", err, sizeof err);
	const json_t *row, *fit, *v;
	const char *name;
	size_t i;
	cr_assert(sum, "%s", err);
	cr_expect(!strncmp(page, "<!DOCTYPE html>", 15));
	cr_expect(strstr(page, "</html>\n"));
	/* Every number of the summary table, as the text report prints it. */
	json_array_foreach(json_object_get(sum, "points"), i, row)
	{
		cr_expect(strstr(page, json_string_value(json_object_get(row, "point"))));
		json_object_foreach(json_object_get(row, "metrics"), name, v)
		{
			if (strcmp(name, "request_ns") && strncmp(name, "online_", 7) &&
			    strcmp(name, "topology_ns") && strcmp(name, "md_update_ns"))
				continue;
			snprintf(num, sizeof num, ">%.3f<", (double)json_integer_value(v) / 1e6);
			cr_expect(strstr(page, num), "%s %s = %s not in the page",
			          json_string_value(json_object_get(row, "point")), name, num);
		}
	}
	/* The fitted exponents. */
	json_array_foreach(json_object_get(sum, "fits"), i, fit)
	{
		snprintf(num, sizeof num, ">%.3f<",
		         json_real_value(json_object_get(fit, "exponent")));
		cr_expect(strstr(page, num), "exponent %s not in the page", num);
	}
	/* The configuration: every trace hash. */
	json_array_foreach(json_object_get(json_object_get(sum, "config"), "traces"), i, row)
	    cr_expect(strstr(page, json_string_value(json_object_get(row, "sha256"))));
	/* Each plot inline, as SVG; nothing fetched, nothing run. */
	cr_expect_eq(count(page, "<svg"), json_array_size(json_object_get(sum, "plots")));
	cr_expect(!strcasestr(page, "<script"));
	cr_expect(!strstr(page, "src="));
	cr_expect(!strstr(page, "<link"));
	cr_expect(!strstr(page, "href=\"http") && !strstr(page, "href='http"));
	cr_expect(!strstr(page, "url(http"));
	/* Ids are unique in the page (the plots' ids are prefixed). */
	json_t *ids = json_object();
	for (const char *p = page; (p = strstr(p, " id=")); p += 4) {
		char q = p[4], *e = strchr(p + 5, q),
		     *id = strndup(p + 5, e ? (size_t)(e - p - 5) : 0);
		cr_expect(!json_object_get(ids, id), "id '%s' twice", id);
		json_object_set_new(ids, id, json_true());
		free(id);
	}
	cr_expect(json_object_size(ids) > 10);
	json_decref(ids);
	/* No temporary file left beside it. */
	cr_expect_eq(test_sh("ls %s | grep -v '^page.html$' | grep -q .", dir), 1);
	json_decref(sum);
	free(page);
}

static void hostile_verdict(json_t *sum)
{
	json_t *row = json_array_get(json_object_get(sum, "points"), 0);
	json_object_set_new(row, "ok", json_false());
	json_object_set_new(row, "verdict", json_string("<script>alert(1)</script> & 'x' \"y\""));
	json_object_set_new(json_object_get(sum, "config"), "note",
	                    json_string("</table><img src=x onerror=alert(2)>"));
}

Test(report_html, text_from_the_files_is_escaped)
{
	char dir[1024], out[1200];
	copy_sweep(dir, sizeof dir, "html-esc", hostile_verdict);
	snprintf(out, sizeof out, "%s/page.html", dir);
	/* A failed point: exit 1, the page written all the same. */
	cr_expect_eq(test_sh(LDOMSIM " report %s --html %s >/dev/null", dir, out), 1);
	char *page = test_slurp(out);
	cr_expect(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39; "
	                       "&quot;y&quot;"),
	          "the verdict is not escaped");
	cr_expect(strstr(page, "&lt;/table&gt;&lt;img src=x onerror=alert(2)&gt;"));
	cr_expect(!strcasestr(page, "<script"));
	cr_expect(!strstr(page, "<img"));
	cr_expect(strstr(page, ">FAILED<"));
	free(page);
}

Test(report_html, a_plot_with_a_script_or_an_outside_reference_is_not_inlined)
{
	char dir[1024], out[1200];
	copy_sweep(dir, sizeof dir, "html-svg", NULL);
	snprintf(out, sizeof out, "%s/page.html", dir);
	cr_assert_eq(test_sh("printf '<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()"
	                     "</script></svg>' >%s/plots/latency.svg && "
	                     "printf '<svg xmlns=\"http://www.w3.org/2000/svg\"><use "
	                     "href=\"http://example.org/a.svg#b\"/></svg>' >%s/plots/phases.svg",
	                     dir, dir),
	             0);
	cr_expect_eq(test_sh(LDOMSIM " report %s --html %s >/dev/null", dir, out), 0);
	char *page = test_slurp(out);
	cr_expect(!strcasestr(page, "<script"));
	cr_expect(!strstr(page, "example.org"));
	cr_expect_eq(count(page, "not embedded: "), 2, "%s", strstr(page, "not embedded"));
	cr_expect_eq(count(page, "<svg"), 2); /* topology and timeline */
	free(page);
}

static void slower(json_t *sum)
{
	json_t *m = json_object_get(json_array_get(json_object_get(sum, "points"), 1), "metrics");
	json_object_set_new(
	    m, "request_ns",
	    json_integer(json_integer_value(json_object_get(m, "request_ns")) * 3 / 2));
	json_object_set_new(
	    m, "fn_smp_fill_in_sib_core_maps_insns",
	    json_integer(
	        json_integer_value(json_object_get(m, "fn_smp_fill_in_sib_core_maps_insns")) * 2));
}

Test(report_html, base_highlights_the_regressions_and_the_slower_functions)
{
	char dir[1024], out[1200], same[1200];
	copy_sweep(dir, sizeof dir, "html-ab", slower);
	snprintf(out, sizeof out, "%s/ab.html", dir);
	snprintf(same, sizeof same, "%s/same.html", dir);
	/* Equal inputs: nothing regressed, exit 0. */
	cr_expect_eq(test_sh(LDOMSIM " report " HTML_SWEEP " --base " HTML_SWEEP
	                             " --html %s >/dev/null",
	                     same),
	             0);
	char *page = test_slurp(same);
	cr_expect(strstr(page, "Regressions: 0<"));
	cr_expect(strstr(page, "Functions that got slower: 0<"));
	cr_expect(!strstr(page, "class=\"bad\""));
	free(page);
	/* The edited copy against the baseline: two regressions, exit 1. */
	cr_expect_eq(
	    test_sh(LDOMSIM " report %s --base " HTML_SWEEP " --html %s >/dev/null", dir, out), 1);
	page = test_slurp(out);
	cr_expect(strstr(page, "Regressions: 2<"), "%.3000s", strstr(page, "Regressions"));
	cr_expect(strstr(page, "Functions that got slower: 1<"));
	cr_expect(strstr(page, "<code>smp_fill_in_sib_core_maps</code>"));
	cr_expect(strstr(page, "+100.00%"));
	cr_expect(strstr(page, "+50.00%"));
	/* The regressed metric's row is marked, in words as well as colour. */
	const char *r = strstr(page, "<tr class=\"bad\"><td>request_ns <b>REGRESSED</b>");
	cr_expect(r, "no highlighted request_ns row");
	/* A threshold above both changes: nothing regressed. */
	cr_expect_eq(test_sh(LDOMSIM " report %s --base " HTML_SWEEP
	                             " --threshold 200 --html %s >/dev/null",
	                     dir, out),
	             0);
	free(page);
}

Test(report_html, unusable_input_writes_no_page)
{
	char dir[1024], out[1200], bad[1200];
	test_tmpdir(dir, sizeof dir, "html-bad");
	snprintf(out, sizeof out, "%s/page.html", dir);
	snprintf(bad, sizeof bad, "%s/sweep", dir);
	/* No such folder; a folder with no sweep; a broken summary.json. */
	cr_expect_eq(test_sh(LDOMSIM " report %s/none --html %s 2>/dev/null", dir, out), 2);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(
	    test_sh("mkdir -p %s && " LDOMSIM " report %s --html %s 2>/dev/null", bad, bad, out),
	    2);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(test_sh("echo '{\"format\": ' >%s/summary.json && " LDOMSIM
	                     " report %s --html %s 2>%s/err",
	                     bad, bad, out, dir),
	             2);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(test_sh("grep -q 'summary.json' %s/err", dir), 0);
	/* A base none of whose points is in DIR. */
	cr_expect_eq(test_sh(LDOMSIM
	                     " report results/t2 --base results/t4-4 --html %s >/dev/null 2>%s/err",
	                     out, dir),
	             2);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(test_sh("grep -q 'no point of the base' %s/err", dir), 0);
	/* An output folder that does not exist: named, exit 2. */
	cr_expect_eq(test_sh(LDOMSIM " report results/t2 --html %s/no/page.html >/dev/null "
	                             "2>%s/err",
	                     dir, dir),
	             2);
	cr_expect_eq(test_sh("grep -q '%s/no/page.html' %s/err", dir, dir), 0);
	/* --base without --html, a bad threshold: usage errors. */
	cr_expect_eq(test_sh(LDOMSIM " report results/t2 --base results/t2 2>/dev/null"), 2);
	cr_expect_eq(
	    test_sh(LDOMSIM " report results/t2 --html %s --threshold -3 2>/dev/null", out), 2);
	cr_expect_eq(access(out, F_OK), -1);
	/* An existing page is left as it was when the input is unusable. */
	cr_assert_eq(test_sh("echo before >%s", out), 0);
	cr_expect_eq(test_sh(LDOMSIM " report %s/none --html %s 2>/dev/null", dir, out), 2);
	char *kept = test_slurp(out);
	cr_expect_str_eq(kept, "before\n");
	free(kept);
}
