/*
 * tests/test_export.c — `ldomsim export` (issue 15): both dashboard formats
 * validate against schemas written from their published descriptions
 * (tests/dashboards/), names are the same for the same points of two runs
 * in two places, values are the results' numbers, failed points are left
 * out (exit 1), and an unusable SOURCE exits 2 with nothing written.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/sweep_io.h"
#include "tests/util.h"

/* Validates path against schema (draft 2020-12) with python3-jsonschema,
 * as tests/test_run.c does for results. */
static void expect_valid(const char *schema, const char *path)
{
	static const char prog[] =
	    "import json, sys, jsonschema\n"
	    "s = json.load(open(sys.argv[1]))\n"
	    "jsonschema.Draft202012Validator.check_schema(s)\n"
	    "d = json.load(open(sys.argv[2]))\n"
	    "e = next(jsonschema.Draft202012Validator(s).iter_errors(d), None)\n"
	    "e and print(e.json_path, e.message[:300])\n"
	    "sys.exit(1 if e else 0)";
	int st = test_sh("for py in python3 /usr/bin/python3; do "
	                 "if $py -c 'import jsonschema' 2>/dev/null; then exec $py -c '%s' %s %s; "
	                 "fi; done; exit 3",
	                 prog, schema, path);
	cr_assert(st == 0 || st == 1, "no python3 with jsonschema (scripts/deps.sh)");
	cr_expect_eq(st, 0, "%s does not validate against %s", path, schema);
}

static json_t *read_doc(const char *path)
{
	char err[1024];
	json_t *doc = bench_read_json(path, err, sizeof err);
	cr_assert(doc, "%s", err);
	return doc;
}

static void export(const char *fmt, const char *source, const char *out, const char *opts, int want)
{
	cr_assert_eq(test_sh("build/ldomsim export --format %s %s -o %s %s >/dev/null 2>&1", fmt,
	                     source, out, opts),
	             want, "export --format %s %s %s", fmt, source, opts);
}

#define GAB_SCHEMA "tests/dashboards/github-action-benchmark.schema.json"
#define BMF_SCHEMA "tests/dashboards/bmf.schema.json"

Test(export, the_schemas_accept_the_published_examples)
{
	expect_valid(GAB_SCHEMA, "tests/dashboards/github-action-benchmark-example.json");
	expect_valid(BMF_SCHEMA, "tests/dashboards/bmf-example.json");
}

/* The benchmark name of every entry has the documented form. */
static void expect_stable_name(const char *name)
{
	regex_t re;
	cr_assert_eq(regcomp(&re, "^[a-z0-9-]+/present=[0-9]+/add=[0-9]+/[A-Za-z0-9_.]+$",
	                     REG_EXTENDED | REG_NOSUB),
	             0);
	cr_expect_eq(regexec(&re, name, 0, NULL, 0), 0, "name '%s'", name);
	regfree(&re);
}

Test(export, github_action_benchmark_has_the_results_numbers, .timeout = 60)
{
	char dir[512], out[1024];
	test_tmpdir(dir, sizeof dir, "export-gab");
	snprintf(out, sizeof out, "%s/gab.json", dir);
	export("github-action-benchmark", "results/t2", out, "", 0);
	expect_valid(GAB_SCHEMA, out);
	json_t *doc = read_doc(out), *sum = read_doc("results/t2/summary.json"), *e, *row;
	size_t i, k, want = 0;
	/* One entry per metric of every point, fn_* excepted, in order. */
	json_array_foreach(json_object_get(sum, "points"), i, row)
	{
		const char *metric;
		json_t *v;
		json_object_foreach(json_object_get(row, "metrics"), metric, v)
		{
			char name[256];
			if (!strncmp(metric, "fn_", 3))
				continue;
			snprintf(name, sizeof name, "t2/present=%lld/add=%lld/%s",
			         (long long)json_integer_value(json_object_get(row, "present")),
			         (long long)json_integer_value(json_object_get(row, "add")),
			         metric);
			e = json_array_get(doc, want++);
			cr_assert(e, "%s missing", name);
			cr_expect_str_eq(json_string_value(json_object_get(e, "name")), name);
			cr_expect_eq(json_integer_value(json_object_get(e, "value")),
			             json_integer_value(v), "%s", name);
			cr_expect_str_eq(json_string_value(json_object_get(e, "unit")),
			                 strstr(metric, "_insns") ? "instructions" : "ns", "%s",
			                 name);
		}
	}
	cr_expect_eq(json_array_size(doc), want);
	json_array_foreach(doc, k, e)
	    expect_stable_name(json_string_value(json_object_get(e, "name")));
	/* The request's latency is the result's own number. */
	json_t *res = read_doc("results/t2/points/p56-a8.json"), *op;
	json_int_t lat = -1;
	json_array_foreach(
	    json_object_get(res, "operations"), i,
	    op) if (!strcmp(json_string_value(json_object_get(op, "op")), "configure")) lat =
	    json_integer_value(json_object_get(op, "latency_ns"));
	cr_assert_gt(lat, 0);
	json_int_t got = -1;
	json_array_foreach(doc, i, e) if (!strcmp(json_string_value(json_object_get(e, "name")),
	                                          "t2/present=56/add=8/request_ns")) got =
	    json_integer_value(json_object_get(e, "value"));
	cr_expect_eq(got, lat);
	json_decref(res);
	json_decref(doc);
	json_decref(sum);
}

Test(export, bmf_has_a_measure_per_metric_and_bounds_equal_the_value, .timeout = 60)
{
	char dir[512], out[1024], fns[1024];
	test_tmpdir(dir, sizeof dir, "export-bmf");
	snprintf(out, sizeof out, "%s/bmf.json", dir);
	snprintf(fns, sizeof fns, "%s/bmf-fn.json", dir);
	/* A single result file. */
	export("bmf", "results/t2/points/p16-a8.json", out, "", 0);
	export("bmf", "results/t2/points/p16-a8.json", fns, "--functions", 0);
	expect_valid(BMF_SCHEMA, out);
	expect_valid(BMF_SCHEMA, fns);
	json_t *doc = read_doc(out), *all = read_doc(fns),
	       *sum = read_doc("results/t2/summary.json");
	json_t *m = json_object_get(json_array_get(json_object_get(sum, "points"), 0), "metrics");
	const char *metric, *name;
	json_t *v, *b;
	size_t with_fn = 0, plain = 0;
	json_object_foreach(m, metric, v)
	{
		char key[256];
		int fn = !strncmp(metric, "fn_", 3);
		snprintf(key, sizeof key, "t2/present=16/add=8/%s", metric);
		with_fn++;
		plain += !fn;
		b = json_object_get(fn ? all : doc, key);
		cr_assert(b, "%s missing", key);
		cr_expect_eq(json_object_size(b), 1, "%s", key);
		const char *measure = strstr(metric, "_insns") ? "instructions" : "latency";
		json_t *x = json_object_get(b, measure);
		cr_assert(x, "%s: no measure %s", key, measure);
		cr_expect_eq(json_integer_value(json_object_get(x, "value")), json_integer_value(v),
		             "%s", key);
		cr_expect_eq(json_integer_value(json_object_get(x, "lower_value")),
		             json_integer_value(v), "%s", key);
		cr_expect_eq(json_integer_value(json_object_get(x, "upper_value")),
		             json_integer_value(v), "%s", key);
		if (fn)
			cr_expect_null(json_object_get(doc, key), "%s without --functions", key);
	}
	cr_expect_eq(json_object_size(doc), plain);
	cr_expect_eq(json_object_size(all), with_fn);
	json_object_foreach(all, name, b) expect_stable_name(name);
	json_decref(doc);
	json_decref(all);
	json_decref(sum);
}

Test(export, names_and_values_are_the_same_for_two_runs_in_two_places, .timeout = 120)
{
	char dir[512];
	test_tmpdir(dir, sizeof dir, "export-stable");
	/* Two sweeps of the same points, in folders of different names. */
	static const char *const sweeps[] = {"first", "elsewhere/second"};
	for (int i = 0; i < 2; i++)
		cr_assert_eq(test_sh("build/ldomsim sweep --shape t2 --present 16,32 --add 8 "
		                     "--jobs 2 --no-plots -o %s/%s >/dev/null 2>&1",
		                     dir, sweeps[i]),
		             0);
	static const char *const fmts[] = {"github-action-benchmark", "bmf"};
	for (int f = 0; f < 2; f++) {
		for (int i = 0; i < 2; i++) {
			char src[1024], out[1024];
			snprintf(src, sizeof src, "%s/%s", dir, sweeps[i]);
			snprintf(out, sizeof out, "%s/%s-%d.json", dir, fmts[f], i);
			export(fmts[f], src, out, "--functions", 0);
		}
		cr_expect_eq(
		    test_sh("cmp -s %s/%s-0.json %s/%s-1.json", dir, fmts[f], dir, fmts[f]), 0,
		    "%s: two runs export differently", fmts[f]);
		/* No path of either sweep in the names (nor anywhere). */
		cr_expect_neq(test_sh("grep -q -e '%s' -e first -e elsewhere %s/%s-0.json", dir,
		                      dir, fmts[f]),
		              0, "%s: a path in the export", fmts[f]);
	}
}

Test(export, a_failed_point_is_left_out_with_exit_1, .timeout = 60)
{
	char dir[512], path[1024], out[1024], err[512];
	test_tmpdir(dir, sizeof dir, "export-failed");
	snprintf(path, sizeof path, "%s/summary.json", dir);
	snprintf(out, sizeof out, "%s/out.json", dir);
	json_t *doc = read_doc("results/t2/summary.json");
	json_t *row = json_array_get(json_object_get(doc, "points"), 1); /* p32-a8 */
	json_object_set_new(row, "ok", json_false());
	json_object_set_new(row, "verdict", json_string("doctored: failed"));
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);
	cr_expect_eq(
	    test_sh("build/ldomsim export --format bmf %s -o %s 2>%s/err.txt", path, out, dir), 1);
	doc = read_doc(out);
	cr_expect_null(json_object_get(doc, "t2/present=32/add=8/request_ns"));
	cr_expect_not_null(json_object_get(doc, "t2/present=16/add=8/request_ns"));
	json_decref(doc);
	snprintf(path, sizeof path, "%s/err.txt", dir);
	char *msg = test_slurp(path);
	cr_expect(strstr(msg, "p32 a8") && strstr(msg, "doctored: failed"), "%s", msg);
	free(msg);
}

Test(export, an_unusable_source_exits_2_and_writes_nothing, .timeout = 60)
{
	char dir[512], out[1024], path[1024], err[512];
	test_tmpdir(dir, sizeof dir, "export-bad");
	snprintf(out, sizeof out, "%s/out.json", dir);
	cr_assert_eq(test_sh("printf 'not json' >%s/garbage.json && mkdir %s/empty", dir, dir), 0);
	json_t *doc = read_doc("results/t2/points/p16-a8.json");
	json_object_set_new(doc, "version", json_pack("[ii]", 9, 0));
	snprintf(path, sizeof path, "%s/major9.json", dir);
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);
	static const char *const bad[] = {"missing", "garbage.json", "major9.json", "empty"};
	for (int i = 0; i < 4; i++) {
		char src[1024];
		snprintf(src, sizeof src, "%s/%s", dir, bad[i]);
		export("bmf", src, out, "", 2);
		export("github-action-benchmark", src, out, "", 2);
		cr_expect_neq(access(out, F_OK), 0, "%s: %s was written", bad[i], out);
	}
	/* An earlier file stays as it was. */
	cr_assert_eq(test_sh("printf 'earlier' >%s", out), 0);
	export("bmf", "results/t2/no-such", out, "", 2);
	char *kept = test_slurp(out);
	cr_expect_str_eq(kept, "earlier");
	free(kept);
	/* Usage errors: an unknown format, no SOURCE. */
	cr_expect_eq(test_sh("build/ldomsim export --format csv results/t2 >/dev/null 2>&1"), 2);
	cr_expect_eq(test_sh("build/ldomsim export --format bmf >/dev/null 2>&1"), 2);
	cr_expect_eq(test_sh("build/ldomsim export results/t2 >/dev/null 2>&1"), 2);
	cr_expect_eq(test_sh("build/ldomsim export --help | grep -q customSmallerIsBetter"), 0);
}
