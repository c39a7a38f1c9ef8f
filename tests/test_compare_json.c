/*
 * tests/test_compare_json.c — `ldomsim compare --json FILE` (issue 15):
 * equal inputs give a document of zero changes and exit 0; a doctored
 * regression exits 1 with the metric flagged; unusable input exits 2 and
 * writes no file; the per-function rows come largest increase first; every
 * document validates against bench/compare.schema.json, and the printed
 * table is the same with or without --json.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/compare.h"
#include "bench/sweep_io.h"
#include "tests/util.h"

/* Validates the file against bench/compare.schema.json (draft 2020-12)
 * with python3-jsonschema, as tests/test_run.c does for results. */
static void expect_schema_valid(const char *path)
{
	static const char prog[] =
	    "import json, sys, jsonschema\n"
	    "s = json.load(open(\"bench/compare.schema.json\"))\n"
	    "jsonschema.Draft202012Validator.check_schema(s)\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "e = next(jsonschema.Draft202012Validator(s).iter_errors(d), None)\n"
	    "e and print(e.json_path, e.message[:300])\n"
	    "sys.exit(1 if e else 0)";
	int st = test_sh("for py in python3 /usr/bin/python3; do "
	                 "if $py -c 'import jsonschema' 2>/dev/null; then exec $py -c '%s' %s; fi; "
	                 "done; exit 3",
	                 prog, path);
	cr_assert(st == 0 || st == 1, "no python3 with jsonschema (scripts/deps.sh)");
	cr_expect_eq(st, 0, "%s does not validate against bench/compare.schema.json", path);
}

static json_t *read_doc(const char *path)
{
	char err[1024];
	json_t *doc = bench_read_json(path, err, sizeof err);
	cr_assert(doc, "%s", err);
	return doc;
}

/* A copy of results/t2 in DIR/name whose point p16-a8 has request_ns and
 * fn_ldc_write_insns (the last function row of the point) raised by 20%. */
static void doctored_t2(const char *dir, const char *name)
{
	char path[1024], err[512];
	cr_assert_eq(
	    test_sh("mkdir -p %s/%s && cp results/t2/summary.json %s/%s/", dir, name, dir, name),
	    0);
	snprintf(path, sizeof path, "%s/%s/summary.json", dir, name);
	json_t *doc = read_doc(path);
	json_t *m = json_object_get(json_array_get(json_object_get(doc, "points"), 0), "metrics");
	static const char *const raise[] = {"request_ns", "fn_ldc_write_insns"};
	for (int i = 0; i < 2; i++) {
		json_int_t v = json_integer_value(json_object_get(m, raise[i]));
		cr_assert_gt(v, 0, "%s", raise[i]);
		json_object_set_new(m, raise[i], json_integer(v + v / 5));
	}
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);
}

Test(compare_json, equal_inputs_give_zero_changes_and_exit_0, .timeout = 60)
{
	char dir[512], out[1024];
	test_tmpdir(dir, sizeof dir, "cmpjson-eq");
	snprintf(out, sizeof out, "%s/c.json", dir);
	cr_assert_eq(
	    test_sh("build/ldomsim compare results/t2 results/t2 --json %s >/dev/null", out), 0);
	expect_schema_valid(out);
	json_t *doc = read_doc(out), *sum = read_doc("results/t2/summary.json"), *pt, *row;
	size_t i, k, rows = 0;
	cr_expect_str_eq(json_string_value(json_object_get(doc, "format")), "ldomsim-compare");
	cr_expect(json_is_false(json_object_get(doc, "regressed")));
	cr_expect_eq(json_array_size(json_object_get(doc, "regressions")), 0);
	cr_expect(json_is_null(json_object_get(doc, "largest_increase")));
	cr_expect_eq(json_array_size(json_object_get(doc, "points")),
	             json_array_size(json_object_get(sum, "points")));
	json_array_foreach(json_object_get(doc, "points"), i, pt)
	{
		const json_t *m =
		    json_object_get(json_array_get(json_object_get(sum, "points"), i), "metrics");
		cr_expect_eq(json_array_size(json_object_get(pt, "metrics")), json_object_size(m));
		json_array_foreach(json_object_get(pt, "metrics"), k, row)
		{
			const char *name = json_string_value(json_object_get(row, "metric"));
			json_int_t want = json_integer_value(json_object_get(m, name));
			cr_expect_eq(json_integer_value(json_object_get(row, "base")), want, "%s",
			             name);
			cr_expect_eq(json_integer_value(json_object_get(row, "new")), want, "%s",
			             name);
			cr_expect_eq(json_integer_value(json_object_get(row, "change")), 0, "%s",
			             name);
			cr_expect_eq(json_real_value(json_object_get(row, "change_pct")), 0.0, "%s",
			             name);
			cr_expect(json_is_false(json_object_get(row, "regressed")), "%s", name);
			rows++;
		}
	}
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "equal")),
	             (json_int_t)rows);
	cr_expect_gt(json_array_size(json_object_get(doc, "functions")), 0);
	json_decref(doc);
	json_decref(sum);
}

Test(compare_json, a_regression_exits_1_with_the_metric_flagged, .timeout = 60)
{
	char dir[512], out[1024];
	test_tmpdir(dir, sizeof dir, "cmpjson-reg");
	doctored_t2(dir, "slow");
	snprintf(out, sizeof out, "%s/c.json", dir);
	cr_assert_eq(test_sh("build/ldomsim compare results/t2 %s/slow --json %s >%s/with.txt "
	                     "2>/dev/null",
	                     dir, out, dir),
	             1);
	/* The printed table is the one compare prints without --json. */
	cr_assert_eq(test_sh("build/ldomsim compare results/t2 %s/slow >%s/without.txt 2>/dev/null",
	                     dir, dir),
	             1);
	cr_expect_eq(test_sh("cmp -s %s/with.txt %s/without.txt", dir, dir), 0,
	             "--json changed the printed table");
	expect_schema_valid(out);
	json_t *doc = read_doc(out), *r, *pt, *row;
	size_t i, flagged = 0;
	cr_expect(json_is_true(json_object_get(doc, "regressed")));
	json_array_foreach(json_object_get(doc, "regressions"), i, r)
	{
		cr_expect_str_eq(json_string_value(json_object_get(r, "kind")), "metric");
		cr_expect_eq(json_integer_value(json_object_get(r, "present")), 16);
		const char *name = json_string_value(json_object_get(r, "metric"));
		cr_expect(!strcmp(name, "request_ns") || !strcmp(name, "fn_ldc_write_insns"), "%s",
		          name);
		double pct = json_real_value(json_object_get(r, "change_pct"));
		cr_expect(pct > 19.9 && pct <= 20.0, "%s %g", name, pct);
	}
	cr_expect_eq(json_array_size(json_object_get(doc, "regressions")), 2);
	pt = json_array_get(json_object_get(doc, "points"), 0);
	json_array_foreach(json_object_get(pt, "metrics"), i, row)
	{
		int bad = json_is_true(json_object_get(row, "regressed"));
		flagged += bad;
		cr_expect_eq(bad, json_integer_value(json_object_get(row, "change")) > 0, "%s",
		             json_string_value(json_object_get(row, "metric")));
	}
	cr_expect_eq(flagged, 2);
	/* The slower function is the first function row (it is the point's last
	 * fn_* metric: the rows are sorted). */
	row = json_array_get(json_object_get(doc, "functions"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(row, "function")), "ldc_write");
	cr_expect_gt(json_integer_value(json_object_get(row, "change")), 0);
	json_decref(doc);
	/* At 25% nothing regresses: exit 0, the same changes, none flagged. */
	cr_assert_eq(test_sh("build/ldomsim compare results/t2 %s/slow --threshold 25 --json %s "
	                     ">/dev/null",
	                     dir, out),
	             0);
	doc = read_doc(out);
	cr_expect(json_is_false(json_object_get(doc, "regressed")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "higher")),
	             2);
	json_decref(doc);
}

Test(compare_json, unusable_input_exits_2_and_writes_no_file, .timeout = 60)
{
	char dir[512], out[1024];
	test_tmpdir(dir, sizeof dir, "cmpjson-bad");
	snprintf(out, sizeof out, "%s/c.json", dir);
	/* A missing input, a file that is not JSON, another major version. */
	char path[1024], err[512];
	cr_assert_eq(test_sh("printf 'not json' >%s/garbage.json", dir), 0);
	json_t *doc = read_doc("results/t2/summary.json");
	json_object_set_new(doc, "version", json_pack("[ii]", 7, 0));
	snprintf(path, sizeof path, "%s/major7.json", dir);
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);
	const char *bad[] = {"missing.json", "garbage.json", "major7.json"};
	for (int i = 0; i < 3; i++) {
		cr_expect_eq(test_sh("build/ldomsim compare results/t2 %s/%s --json %s "
		                     ">/dev/null 2>&1",
		                     dir, bad[i], out),
		             2, "%s", bad[i]);
		cr_expect_neq(access(out, F_OK), 0, "%s: %s was written", bad[i], out);
	}
	/* No point in common: exit 2, no file; an earlier file is left intact. */
	cr_assert_eq(test_sh("printf 'earlier' >%s", out), 0);
	cr_expect_eq(test_sh("build/ldomsim compare results/t2 results/t4-4 --json %s "
	                     ">/dev/null 2>&1",
	                     out),
	             2);
	char *kept = test_slurp(out);
	cr_expect_str_eq(kept, "earlier");
	free(kept);
	/* Nothing else in the folder (no temporary left behind). */
	cr_expect_eq(test_sh("test \"$(ls -A %s | wc -l)\" = 3", dir), 0, "a temporary was left");
	/* An unwritable output: exit 2, the file named. */
	cr_expect_eq(test_sh("build/ldomsim compare results/t2 results/t2 --json "
	                     "%s/no/such/dir/c.json >/dev/null 2>%s/err.txt",
	                     dir, dir),
	             2);
	snprintf(path, sizeof path, "%s/err.txt", dir);
	char *msg = test_slurp(path);
	cr_expect(strstr(msg, "no/such/dir/c.json"), "%s", msg);
	free(msg);
}

Test(compare_json, function_rows_come_largest_increase_first, .timeout = 60)
{
	char dir[512], out[1024];
	test_tmpdir(dir, sizeof dir, "cmpjson-fn");
	snprintf(out, sizeof out, "%s/c.json", dir);
	/* The what-if study: the patched guest as BASE, the stock one as NEW. */
	test_sh("build/ldomsim compare results/whatif-incremental-topology/"
	        "whatif-incremental-topology results/whatif-incremental-topology/base --json %s "
	        ">/dev/null 2>&1",
	        out);
	expect_schema_valid(out);
	json_t *doc = read_doc(out), *f;
	json_t *fns = json_object_get(doc, "functions");
	size_t i, fn_rows = 0, k;
	json_t *pt, *row;
	cr_assert_gt(json_array_size(fns), 1);
	json_array_foreach(fns, i, f)
	{
		if (i)
			cr_expect_geq(json_integer_value(
			                  json_object_get(json_array_get(fns, i - 1), "change")),
			              json_integer_value(json_object_get(f, "change")), "row %zu",
			              i);
		cr_expect_eq(json_integer_value(json_object_get(f, "change")),
		             json_integer_value(json_object_get(f, "new")) -
		                 json_integer_value(json_object_get(f, "base")));
	}
	/* Every fn_* metric of every point is a function row. */
	json_array_foreach(json_object_get(doc, "points"), i, pt)
	    json_array_foreach(json_object_get(pt, "metrics"), k, row) fn_rows +=
	    !strncmp(json_string_value(json_object_get(row, "metric")), "fn_", 3);
	cr_expect_eq(json_array_size(fns), fn_rows);
	json_decref(doc);
}
