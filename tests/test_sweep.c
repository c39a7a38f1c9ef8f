/*
 * tests/test_sweep.c — the harness around runs: list parsing, percentiles,
 * the power-law fit, a small sweep end to end (summary, plots, progress
 * lines, determinism), failing points and bad arguments.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/fit.h"
#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "bench/sweep_result.h"
#include "tests/util.h"

static char *tmpdir(void)
{
	char d[1024];
	test_tmpdir(d, sizeof d, "sweep");
	return strdup(d);
}

static off_t file_size(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) ? -1 : st.st_size;
}

Test(sweep, fit_recovers_a_power_law)
{
	double x[] = {8, 64, 512, 1024, 4032}, y[5], z[5];
	struct bench_fit f;
	for (int i = 0; i < 5; i++) {
		y[i] = 3.0 * pow(x[i], 2.0);
		z[i] = 7.0 * pow(x[i], 1.5) * (i % 2 ? 1.05 : 0.95); /* +-5% noise */
	}
	cr_assert_eq(bench_fit_power(x, y, 5, &f), 0);
	cr_expect_float_eq(f.exponent, 2.0, 1e-9);
	cr_expect_float_eq(f.coefficient, 3.0, 1e-6);
	cr_expect_float_eq(f.r2, 1.0, 1e-9);
	cr_expect_eq(f.n, 5);
	cr_assert_eq(bench_fit_power(x, z, 5, &f), 0);
	cr_expect(fabs(f.exponent - 1.5) < 0.05, "exponent %g", f.exponent);
	cr_expect(f.r2 > 0.99 && f.r2 < 1.0, "r2 %g", f.r2);
	/* Degenerate inputs. */
	double same[] = {16, 16, 16}, neg[] = {1, -2, 3};
	cr_expect_eq(bench_fit_power(same, y, 3, &f), -1);
	cr_expect_eq(bench_fit_power(x, neg, 3, &f), -1);
	cr_expect_eq(bench_fit_power(x, y, 1, &f), -1);
}

Test(sweep, parses_value_lists_and_computes_percentiles)
{
	uint32_t v[BENCH_SWEEP_MAX_LIST];
	size_t n;
	char err[256];
	cr_assert_eq(bench_sweep_parse_list("--present", "48,16,32,16", v, 16, &n, err, sizeof err),
	             0);
	cr_assert_eq(n, 3);
	cr_expect(v[0] == 16 && v[1] == 32 && v[2] == 48);
	cr_assert_eq(bench_sweep_parse_list("--present", "64-256:64,8", v, 16, &n, err, sizeof err),
	             0);
	cr_assert_eq(n, 5);
	cr_expect(v[0] == 8 && v[1] == 64 && v[4] == 256);
	static const char *const bad[] = {"", "0", "4097", "a", "16,", "16-8", "1-100000"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(bench_sweep_parse_list("--add", bad[i], v, 16, &n, err, sizeof err),
		             -1, "'%s'", bad[i]);
		cr_expect(strstr(err, "--add"), "%s", err);
	}
}

/* The CLI end to end: 2 t2 points, 2 jobs, stderr not a terminal. */
Test(sweep, small_sweep_writes_summary_plots_and_progress, .timeout = 180)
{
	char *d = tmpdir(), path[512];
	int rc = test_sh("build/ldomsim sweep --shape t2 --present 16,24 --add 8 --jobs 2 -o %s/a "
	                 "2>%s/progress.txt >/dev/null",
	                 d, d);
	snprintf(path, sizeof path, "%s/progress.txt", d);
	/* Progress: plain lines, one per point, no carriage returns. */
	char *prog = test_slurp(path);
	cr_assert_eq(rc, 0, "%s", prog);
	cr_expect(!strchr(prog, '\r'), "%s", prog);
	cr_expect(strstr(prog, "sweep: 1/2 p"), "%s", prog);
	cr_expect(strstr(prog, "sweep: 2/2 p"), "%s", prog);
	free(prog);

	char err[1024];
	snprintf(path, sizeof path, "%s/a/summary.json", d);
	json_t *sum = bench_read_json(path, err, sizeof err);
	cr_assert(sum, "%s", err);
	cr_expect_eq(bench_summary_check(sum, path, err, sizeof err), 0, "%s", err);
	json_t *cfg = json_object_get(sum, "config"), *pts = json_object_get(sum, "points");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "shape")), "t2");
	cr_expect_eq(json_integer_value(json_object_get(cfg, "jobs")), 2);
	cr_expect_eq(json_array_size(json_object_get(cfg, "traces")), 2);
	cr_expect_eq(strlen(json_string_value(json_object_get(
	                 json_array_get(json_object_get(cfg, "traces"), 0), "sha256"))),
	             64);
	cr_assert_eq(json_array_size(pts), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *row = json_array_get(pts, i), *m = json_object_get(row, "metrics");
		cr_expect(json_is_true(json_object_get(row, "ok")), "%s",
		          json_string_value(json_object_get(row, "verdict")));
		cr_expect_eq(json_integer_value(json_object_get(row, "present")), i ? 24 : 16);
		cr_expect_eq(json_integer_value(json_object_get(row, "exit_status")), 0);
		cr_expect(json_integer_value(json_object_get(m, "online_min_ns")) > 0);
		cr_expect(json_integer_value(json_object_get(m, "online_min_ns")) <=
		          json_integer_value(json_object_get(m, "online_p50_ns")));
		cr_expect(json_integer_value(json_object_get(m, "online_max_ns")) <
		          json_integer_value(json_object_get(m, "request_ns")));
	}
	cr_expect_eq(json_array_size(json_object_get(sum, "fits")), 1);
	/* Every plot drawn, PNG and SVG, non-empty; gnuplot said nothing. */
	static const char *const plots[] = {"latency", "topology", "phases", "timeline"};
	json_t *pl = json_object_get(sum, "plots");
	cr_expect_eq(json_array_size(pl), 4);
	for (size_t i = 0; i < 4; i++) {
		char name[64], dir[512];
		json_t *p = json_array_get(pl, i);
		cr_expect_str_eq(json_string_value(json_object_get(p, "name")), plots[i]);
		cr_expect(!json_object_get(p, "error"), "%s",
		          json_string_value(json_object_get(p, "error")));
		snprintf(dir, sizeof dir, "%s/a/plots", d);
		snprintf(name, sizeof name, "%s.png", plots[i]);
		cr_expect(file_size(dir, name) > 1000, "%s", name);
		snprintf(name, sizeof name, "%s.svg", plots[i]);
		cr_expect(file_size(dir, name) > 1000, "%s", name);
	}
	/* No temporary file is left behind. */
	cr_expect_eq(test_sh("find %s/a -name '*.tmp*' -o -name '*.stderr' | grep -q .", d), 1);

	/* Determinism: the same sweep again gives the same rows. */
	cr_assert_eq(
	    test_sh("build/ldomsim sweep --shape t2 --present 16,24 --add 8 --jobs 1 -o %s/b "
	            "--no-plots 2>/dev/null",
	            d),
	    0);
	snprintf(path, sizeof path, "%s/b/summary.json", d);
	json_t *again = bench_read_json(path, err, sizeof err);
	cr_assert(again, "%s", err);
	cr_expect(json_equal(pts, json_object_get(again, "points")));
	cr_expect(json_equal(json_object_get(sum, "fits"), json_object_get(again, "fits")));
	cr_expect(json_equal(json_object_get(cfg, "traces"),
	                     json_object_get(json_object_get(again, "config"), "traces")));
	cr_expect_eq(test_sh("build/ldomsim report %s/a >%s/report.txt", d, d), 0);
	snprintf(path, sizeof path, "%s/report.txt", d);
	char *rep = test_slurp(path);
	cr_expect(strstr(rep, "p16-a8") && strstr(rep, "p24-a8") && strstr(rep, "fit:"), "%s", rep);
	free(rep);
	json_decref(sum);
	json_decref(again);
	test_sh("rm -rf %s", d);
	free(d);
}

/* A point whose run fails is recorded, not fatal: exit 1. */
Test(sweep, failing_points_are_recorded)
{
	char *d = tmpdir(), path[512], err[1024];
	struct bench_sweep_cfg cfg = {0};
	uint32_t present[] = {16, 24}, add[] = {8};
	cfg.shape = "t2";
	cfg.present = present;
	cfg.npresent = 2;
	cfg.add = add;
	cfg.nadd = 1;
	cfg.jobs = 2;
	cfg.ldomsim = "/bin/false";
	cfg.dir = d;
	FILE *prog = tmpfile();
	cr_assert_eq(bench_sweep(&cfg, prog, 0, err, sizeof err), 1);
	cr_expect(strstr(err, "2 of 2 points failed"), "%s", err);
	snprintf(path, sizeof path, "%s/summary.json", d);
	json_t *sum = bench_read_json(path, err, sizeof err);
	cr_assert(sum, "%s", err);
	json_t *row = json_array_get(json_object_get(sum, "points"), 0);
	cr_expect(json_is_false(json_object_get(row, "ok")));
	cr_expect_eq(json_integer_value(json_object_get(row, "exit_status")), 1);
	cr_expect(strstr(json_string_value(json_object_get(row, "verdict")),
	                 "exited with status 1 and wrote no result"),
	          "%s", json_string_value(json_object_get(row, "verdict")));
	char line[256];
	rewind(prog);
	cr_expect(fgets(line, sizeof line, prog) && fgets(line, sizeof line, prog));
	cr_expect(strstr(line, "FAILED"), "%s", line);
	fclose(prog);
	json_decref(sum);
	test_sh("rm -rf %s", d);
	free(d);
}

Test(sweep, bad_arguments_exit_2)
{
	char *d = tmpdir();
	cr_expect_eq(
	    test_sh("build/ldomsim sweep --shape t2 --present 0 --add 8 -o %s 2>/dev/null", d), 2);
	cr_expect_eq(test_sh("build/ldomsim sweep --shape t2 --present 16 -o %s 2>/dev/null", d),
	             2);
	cr_expect_eq(test_sh("build/ldomsim sweep --shape nosuch --present 16 --add 8 -o %s "
	                     "2>/dev/null",
	                     d),
	             2);
	/* 60 + 8 strands do not fit a 64-strand T2. */
	cr_expect_eq(
	    test_sh("build/ldomsim sweep --shape t2 --present 60 --add 8 -o %s 2>/dev/null", d), 2);
	cr_expect_eq(test_sh("build/ldomsim sweep --help >/dev/null"), 0);
	cr_expect_eq(test_sh("build/ldomsim report --help >/dev/null"), 0);
	cr_expect_eq(test_sh("build/ldomsim report %s/nothing 2>/dev/null", d), 2);
	test_sh("rm -rf %s", d);
	free(d);
}

/* The metrics of every row of DIR/summary.json, by point name. */
static json_t *rows_by_point(const char *dir)
{
	char path[512];
	json_error_t je;
	snprintf(path, sizeof path, "%s/summary.json", dir);
	json_t *doc = json_load_file(path, 0, &je), *by = json_object(), *r;
	cr_assert_not_null(doc, "%s: %s", path, je.text);
	size_t i;
	json_array_foreach(json_object_get(doc, "points"), i, r)
	{
		cr_expect(json_is_true(json_object_get(r, "ok")), "%s %s", dir,
		          json_string_value(json_object_get(r, "point")));
		json_object_set(by, json_string_value(json_object_get(r, "point")),
		                json_object_get(r, "metrics"));
	}
	json_decref(doc);
	return by;
}

/* Past one machine: --emit-jobs on two hosts' worth of points, the jobs
 * run by GNU parallel (localhost), merge joins both folders; the summary
 * equals a direct sweep's, and compare finds no difference. */
Test(sweep, emit_jobs_parallel_merge_equals_a_direct_sweep, .timeout = 300)
{
	char *d = tmpdir();
	cr_assert_eq(
	    test_sh(
	        "build/ldomsim sweep --shape t2 --present 16,32 --add 4 --no-plots -o %s/direct "
	        "2>/dev/null",
	        d),
	    0);
	for (int h = 0; h < 2; h++)
		cr_assert_eq(
		    test_sh("build/ldomsim sweep --shape t2 --present %d --add 4 -o %s/host%d "
		            "--emit-jobs %s/jobs%d.txt 2>/dev/null",
		            16 * (h + 1), d, h, d, h),
		    0);
	cr_assert_eq(test_sh("test $(wc -l < %s/jobs0.txt) -eq 1", d), 0, "one line per point");
	cr_expect_eq(test_sh("scripts/sweep-slurm.sh %s/jobs0.txt --time=00:10:00 | grep -q "
	                     "'^#SBATCH --array=1-1$'",
	                     d),
	             0, "the Slurm script is a job array over the jobs file");
	cr_assert_eq(
	    test_sh("cat %s/jobs0.txt %s/jobs1.txt | parallel -j2 --halt now,fail=1", d, d), 0,
	    "GNU parallel ran the jobs");
	cr_assert_eq(
	    test_sh("build/ldomsim merge --no-plots -o %s/merged %s/host0 %s/host1 2>/dev/null", d,
	            d, d),
	    0);
	char m[512];
	snprintf(m, sizeof m, "%s/direct", d);
	json_t *a = rows_by_point(m);
	snprintf(m, sizeof m, "%s/merged", d);
	json_t *b = rows_by_point(m);
	cr_expect_eq(json_object_size(a), 2);
	cr_expect(json_equal(a, b), "merged metrics equal the direct sweep's");
	cr_expect_eq(test_sh("build/ldomsim compare %s/direct %s/merged >/dev/null", d, d), 0);
	/* a point in two folders, and folders that disagree, are refused */
	cr_expect_eq(
	    test_sh("build/ldomsim merge --no-plots -o %s/bad %s/host0 %s/host0 2>/dev/null", d, d,
	            d),
	    2);
	cr_assert_eq(
	    test_sh("build/ldomsim sweep --shape t2 --present 48 --add 4 --set ipi_ns=1000 -o "
	            "%s/host2 --emit-jobs %s/jobs2.txt 2>/dev/null",
	            d, d),
	    0);
	cr_expect_eq(
	    test_sh("build/ldomsim merge --no-plots -o %s/bad2 %s/host0 %s/host2 2>&1 | grep -q "
	            "'config.set differs'",
	            d, d, d),
	    0);
	json_decref(a);
	json_decref(b);
	test_sh("rm -rf %s", d);
	free(d);
}
