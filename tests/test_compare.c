/*
 * tests/test_compare.c — `ldomsim compare`: two runs of one scenario give
 * byte-identical results (without the simulator section) and compare
 * exactly equal; a doctored +20% latency regresses at 5%; another major
 * version and malformed input are refused with the file and field named.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/compare.h"
#include "bench/sweep_io.h"
#include "tests/util.h"

struct fx {
	char dir[256];
	char a[320], b[320], out[320], err[320];
};

/* Two runs of the default scenario, a.json and b.json. */
static void setup(struct fx *x)
{
	test_tmpdir(x->dir, sizeof x->dir, "compare");
	snprintf(x->a, sizeof x->a, "%s/a.json", x->dir);
	snprintf(x->b, sizeof x->b, "%s/b.json", x->dir);
	snprintf(x->out, sizeof x->out, "%s/out.txt", x->dir);
	snprintf(x->err, sizeof x->err, "%s/err.txt", x->dir);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(
		    test_sh("build/ldomsim run traces/default/trace.json --json %s >/dev/null",
		            i ? x->b : x->a),
		    0);
}

static int compare(struct fx *x, const char *base, const char *cur, const char *opts)
{
	return test_sh("build/ldomsim compare %s %s %s >%s 2>%s", base, cur, opts, x->out, x->err);
}

/* Writes a copy of a.json changed by edit to name. */
static char *doctor(struct fx *x, const char *name, void (*edit)(json_t *))
{
	char err[512], *path = bench_strf("%s/%s", x->dir, name);
	json_t *doc = bench_read_json(x->a, err, sizeof err);
	cr_assert(doc, "%s", err);
	edit(doc);
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);
	return path;
}

static void teardown(struct fx *x)
{
	test_sh("rm -rf %s", x->dir);
}

Test(compare, identical_runs_are_byte_identical_and_equal, .timeout = 120)
{
	struct fx x;
	setup(&x);
	char err[512];
	json_t *a = bench_read_json(x.a, err, sizeof err),
	       *b = bench_read_json(x.b, err, sizeof err);
	cr_assert(a && b, "%s", err);
	json_object_del(a, "simulator");
	json_object_del(b, "simulator");
	char *sa = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *sb = json_dumps(b, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	cr_expect_str_eq(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);

	cr_expect_eq(compare(&x, x.a, x.b, ""), 0);
	char *out = test_slurp(x.out);
	cr_expect(strstr(out, "request_ns"), "%s", out);
	cr_expect(strstr(out, "online_p99_ns"), "%s", out);
	cr_expect(strstr(out, "0 lower, 0 higher; 0 beyond"), "%s", out);
	/* Every change is exactly zero. */
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (strchr(l, '%') && !strstr(l, "points,"))
			cr_expect(strstr(l, "+0.00%"), "%s", l);
	free(out);
	teardown(&x);
}

static void raise_latency(json_t *doc)
{
	json_t *op = json_array_get(json_object_get(doc, "operations"), 1);
	json_int_t v = json_integer_value(json_object_get(op, "latency_ns"));
	json_object_set_new(op, "latency_ns", json_integer(v + v / 5)); /* +20% */
}

Test(compare, raised_latency_regresses, .timeout = 120)
{
	struct fx x;
	setup(&x);
	char *c = doctor(&x, "slow.json", raise_latency);
	cr_expect_eq(compare(&x, x.a, c, ""), 1);
	char *err = test_slurp(x.err), *out = test_slurp(x.out);
	cr_expect(strstr(err, "request_ns +20.00%"), "%s", err);
	cr_expect(strstr(out, "REGRESSED"), "%s", out);
	free(err);
	free(out);
	/* Beyond 5% but within 25%; and an improvement is no regression. */
	cr_expect_eq(compare(&x, x.a, c, "--threshold 25"), 0);
	cr_expect_eq(compare(&x, c, x.a, ""), 0);
	free(c);
	teardown(&x);
}

static void major_2(json_t *doc)
{
	json_object_set_new(doc, "version", json_pack("[ii]", 2, 0));
}

static void no_ok(json_t *doc)
{
	json_object_del(doc, "ok");
}

static void bad_cpu_latency(json_t *doc)
{
	json_t *op = json_array_get(json_object_get(doc, "operations"), 1);
	json_object_set_new(json_array_get(json_object_get(op, "cpus"), 3), "latency_ns",
	                    json_string("soon"));
}

Test(compare, unusable_input_exits_2, .timeout = 120)
{
	struct fx x;
	setup(&x);
	char *v2 = doctor(&x, "v2.json", major_2), *nook = doctor(&x, "nook.json", no_ok);
	char *badlat = doctor(&x, "badlat.json", bad_cpu_latency), *e;
	cr_expect_eq(compare(&x, x.a, v2, ""), 2);
	e = test_slurp(x.err);
	cr_expect(strstr(e, "v2.json: $.version: result version 2.0 is another major version"),
	          "%s", e);
	free(e);
	cr_expect_eq(compare(&x, nook, x.a, ""), 2);
	e = test_slurp(x.err);
	cr_expect(strstr(e, "nook.json: $.ok"), "%s", e);
	free(e);
	cr_expect_eq(compare(&x, x.a, badlat, ""), 2);
	e = test_slurp(x.err);
	cr_expect(strstr(e, "badlat.json: $.operations[1].cpus[3].latency_ns"), "%s", e);
	free(e);
	cr_expect_eq(compare(&x, x.a, "traces/default/md-gen1.bin", ""), 2);
	e = test_slurp(x.err);
	cr_expect(strstr(e, "traces/default/md-gen1.bin: line 1"), "%s", e);
	free(e);
	cr_expect_eq(compare(&x, x.a, "/nonexistent/x.json", ""), 2);
	cr_expect_eq(compare(&x, x.a, x.b, "--threshold -3"), 2);
	cr_expect_eq(compare(&x, x.a, "", ""), 2);
	cr_expect_eq(test_sh("build/ldomsim compare --help >/dev/null"), 0);
	free(v2);
	free(nook);
	free(badlat);
	teardown(&x);
}

/* Points of a sweep folder match a single result by (shape, present, add). */
Test(compare, sweep_points_match_a_single_result_by_shape_present_and_add, .timeout = 120)
{
	struct fx x;
	struct bench_points *s;
	char err[1024];
	setup(&x);
	cr_assert_eq(bench_points_load(x.a, &s, err, sizeof err), 0, "%s", err);
	cr_assert_eq(bench_points_count(s), 1);
	const struct bench_point *p = bench_points_at(s, 0);
	cr_expect_str_eq(p->key.shape, "t2");
	cr_expect_eq(p->key.present, 56);
	cr_expect_eq(p->key.add, 8);
	cr_expect(p->ok);
	bench_points_free(s);
	cr_assert_eq(
	    test_sh("build/ldomsim sweep --shape t2 --present 56 --add 8 --jobs 1 --no-plots "
	            "-o %s/sw 2>/dev/null",
	            x.dir),
	    0);
	/* The sweep's point is the default scenario: byte-identical trace. */
	char path[320];
	snprintf(path, sizeof path, "%s/sw", x.dir);
	cr_expect_eq(compare(&x, x.a, path, ""), 0, "%s", test_slurp(x.out));
	cr_expect_eq(compare(&x, path, path, ""), 0);
	teardown(&x);
}

/* A guest whose topology update got slower: one function's instructions
 * grow by half; compare names it as the largest increase. */
static void slow_function(json_t *doc)
{
	json_t *f, *fns = json_object_get(json_object_get(doc, "profile"), "functions");
	size_t i;
	json_array_foreach(fns, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "fn")), "mdesc_fill_in_cpu_data"))
			continue;
		json_int_t v = json_integer_value(json_object_get(f, "incl_insns"));
		json_object_set_new(f, "incl_insns", json_integer(v + v / 2));
		return;
	}
	cr_assert_fail("no mdesc_fill_in_cpu_data in the profile");
}

Test(compare, per_function_metrics_name_the_function_that_got_slower, .timeout = 120)
{
	struct fx x;
	setup(&x);
	char *c = doctor(&x, "slowfn.json", slow_function);
	cr_expect_eq(compare(&x, x.a, c, ""), 1);
	char *out = test_slurp(x.out);
	cr_expect(strstr(out, "largest increase: ") &&
	              strstr(out, "fn_mdesc_fill_in_cpu_data_insns +50.00%"),
	          "%s", out);
	free(out);
	cr_expect_eq(compare(&x, x.a, x.b, ""), 0);
	out = test_slurp(x.out);
	cr_expect(!strstr(out, "largest increase"), "nothing grew: %s", out);
	free(out);
	free(c);
	teardown(&x);
}
