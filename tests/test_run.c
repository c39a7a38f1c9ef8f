/*
 * tests/test_run.c — `ldomsim run` end to end on the bundled default
 * scenario (T2, 56 strands present, md-update to generation 2, dr-cpu
 * CONFIGURE of cpus 56-63): the real ds.c/mdesc.c/smp_64.c/hvtramp.S path.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "bench/run.h"

static json_t *run_default(void)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	bench_run_cfg_default(&cfg);
	cfg.trace = "traces/default/trace.json";
	cfg.image = "build/guest/guest.elf";
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 1);
	cr_expect(bench_run_ok(r), "%s", json_string_value(json_object_get(doc, "verdict")));
	bench_run_free(r);
	return doc;
}

static int log_has(json_t *doc, const char *text)
{
	size_t i;
	json_t *l;
	json_array_foreach(
	    json_object_get(doc, "log"), i,
	    l) if (strstr(json_string_value(json_object_get(l, "text")), text)) return 1;
	return 0;
}

Test(run, default_scenario_configures_eight_cpus, .timeout = 120)
{
	json_t *doc = run_default();
	json_t *ops = json_object_get(doc, "operations");
	cr_assert_eq(json_array_size(ops), 2);
	json_t *md = json_array_get(ops, 0), *cfg = json_array_get(ops, 1);
	cr_expect_str_eq(json_string_value(json_object_get(md, "op")), "md-update");
	cr_expect(json_integer_value(json_object_get(md, "latency_ns")) > 0, "md-update answered");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "op")), "configure");
	json_t *cpus = json_object_get(cfg, "cpus");
	cr_assert_eq(json_array_size(cpus), 8);
	int64_t prev = 0;
	for (size_t i = 0; i < 8; i++) {
		json_t *c = json_array_get(cpus, i);
		cr_expect_eq(json_integer_value(json_object_get(c, "cpu")), 56 + (int)i);
		/* The real dr_cpu_configure's reply: DR_CPU_RES_OK, CONFIGURED. */
		cr_expect_eq(json_integer_value(json_object_get(c, "result")), 0);
		cr_expect_eq(json_integer_value(json_object_get(c, "stat")), 2);
		int64_t lat = json_integer_value(json_object_get(c, "latency_ns"));
		/* One after another (add_cpu is serial), each after the
		 * topology update, all before the reply. */
		cr_expect(lat > prev, "cpu %zu online at %lld after %lld", i, (long long)lat,
		          (long long)prev);
		prev = lat;
	}
	cr_expect(json_integer_value(json_object_get(cfg, "latency_ns")) > prev,
	          "the reply follows the last cpu");
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "topology"), "differences")),
	    0);
	cr_expect(log_has(doc, "Registered dr-cpu service."));
	cr_expect(log_has(doc, "Machine description update."));
	cr_expect(log_has(doc, "Starting cpu 63..."));
	json_decref(doc);
}

/* Simulated time only: the same inputs give the same result, except the
 * simulator's own speed section. */
Test(run, deterministic, .timeout = 120)
{
	json_t *a = run_default(), *b = run_default();
	json_object_del(a, "simulator");
	json_object_del(b, "simulator");
	char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
	cr_expect_str_eq(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

Test(run, result_starts_with_the_configuration, .timeout = 120)
{
	json_t *doc = run_default();
	const char *first = json_object_iter_key(json_object_iter(doc));
	cr_expect_str_eq(first, "format");
	json_t *cfg = json_object_get(doc, "config");
	cr_assert_not_null(cfg);
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "kernel_version")), "6.1.192");
	cr_expect_eq(strlen(json_string_value(json_object_get(cfg, "trace_sha256"))), 64);
	json_decref(doc);
}

Test(run, missing_trace_is_an_error_naming_it)
{
	struct bench_run_cfg cfg;
	struct bench_run *r = (struct bench_run *)1;
	char err[1024] = "";
	bench_run_cfg_default(&cfg);
	cfg.trace = "traces/no-such/trace.json";
	cr_expect_eq(bench_run(&cfg, &r, err, sizeof err), -1);
	cr_expect_null(r);
	cr_expect(strstr(err, "traces/no-such/trace.json") != NULL, "%s", err);
}

/* Fidelity on every shipped machine shape: after the md-update and the
 * CONFIGURE, the ids and the four sibling sets the real code built equal
 * the host computation for every strand, and every cpu came online. */
static void run_shape(const char *trace)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	bench_run_cfg_default(&cfg);
	cfg.trace = trace;
	cfg.image = "build/guest/guest.elf";
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 0);
	cr_expect(bench_run_ok(r), "%s: %s", trace,
	          json_string_value(json_object_get(doc, "verdict")));
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "topology"), "differences")), 0,
	    "%s", trace);
	json_t *cfg_op = json_array_get(json_object_get(doc, "operations"), 1), *c;
	size_t i;
	cr_assert_not_null(cfg_op);
	cr_expect_str_eq(json_string_value(json_object_get(cfg_op, "reply_type")), "o");
	json_array_foreach(json_object_get(cfg_op, "cpus"), i, c)
	{
		cr_expect_eq(json_integer_value(json_object_get(c, "result")), 0);
		cr_expect_eq(json_integer_value(json_object_get(c, "stat")), 2);
		cr_expect(json_integer_value(json_object_get(c, "latency_ns")) > 0);
	}
	cr_expect_eq(json_array_size(json_object_get(cfg_op, "cpus")), 64, "%s", trace);
	json_decref(doc);
	bench_run_free(r);
}

Test(fidelity, t4_4, .timeout = 300)
{
	run_shape("traces/t4-4/trace.json");
}
Test(fidelity, t5_8, .timeout = 300)
{
	run_shape("traces/t5-8/trace.json");
}
Test(fidelity, m8_8, .timeout = 300)
{
	run_shape("traces/m8-8/trace.json");
}
Test(fidelity, m7_16, .timeout = 600)
{
	run_shape("traces/m7-16/trace.json");
}
