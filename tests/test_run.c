/*
 * tests/test_run.c — `ldomsim run` end to end on the bundled default
 * scenario (T2, 56 strands present, md-update to generation 2, dr-cpu
 * CONFIGURE of cpus 56-63): the real ds.c/mdesc.c/smp_64.c/hvtramp.S path.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/fit.h"
#include "bench/run.h"
#include "cli/options.h"
#include "sim/sim.h"
#include "traces/trace.h"
#include "tests/util.h"

static json_t *run_default(void)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	test_run_cfg(&cfg, "traces/default/trace.json");
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

/* Validate doc against bench/result.schema.json (draft 2020-12) with
 * python3-jsonschema (scripts/deps.sh installs Debian's; a python3 on PATH
 * that has it is taken first). Returns the validator's exit status: 0
 * valid, 1 invalid (the first error is printed). */
static int schema_check(json_t *doc)
{
	char path[256];
	test_tmpfile(path, sizeof path, "result");
	cr_assert_eq(json_dump_file(doc, path, JSON_COMPACT), 0);
	static const char prog[] =
	    "import json, sys, jsonschema\n"
	    "s = json.load(open(\"bench/result.schema.json\"))\n"
	    "jsonschema.Draft202012Validator.check_schema(s)\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "e = next(jsonschema.Draft202012Validator(s).iter_errors(d), None)\n"
	    "e and print(e.json_path, e.message[:300])\n"
	    "sys.exit(1 if e else 0)";
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
	         "for py in python3 /usr/bin/python3; do "
	         "if $py -c 'import jsonschema' 2>/dev/null; then exec $py -c '%s' %s; fi; "
	         "done; exit 3",
	         prog, path);
	int st = system(cmd);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) <= 1,
	          "cannot run the validator (no python3 with jsonschema: scripts/deps.sh)");
	return WEXITSTATUS(st);
}

/* The profile's rows never run backwards: every function's self counts
 * are non-negative and at most its inclusive ones, and no self time
 * exceeds the whole run. */
static void expect_sane_profile(json_t *doc)
{
	json_t *prof = json_object_get(doc, "profile"), *rows, *f;
	const char *key;
	size_t i;
	int64_t end_ns = 1000000000000; /* 1000 s of simulated time */
	json_array_foreach(json_object_get(prof, "functions"), i, f)
	{
		const char *fn = json_string_value(json_object_get(f, "fn"));
		cr_expect_geq(json_integer_value(json_object_get(f, "self_insns")), 0, "%s", fn);
		cr_expect_leq(json_integer_value(json_object_get(f, "self_insns")),
		              json_integer_value(json_object_get(f, "incl_insns")), "%s", fn);
		cr_expect_leq(json_integer_value(json_object_get(f, "self_ns")), end_ns, "%s", fn);
	}
	json_object_foreach(json_object_get(prof, "threads"), key, rows)
	{
		json_array_foreach(rows, i, f)
		{
			const char *fn = json_string_value(json_object_get(f, "fn"));
			cr_expect_geq(json_integer_value(json_object_get(f, "self_insns")), 0,
			              "%s %s", key, fn);
			cr_expect_leq(json_integer_value(json_object_get(f, "self_ns")), end_ns,
			              "%s %s", key, fn);
		}
	}
}

/* Results are what bench/result.schema.json promises dashboards, and the
 * check can fail: a field of the wrong type is caught. */
Test(run, result_matches_its_schema, .timeout = 120)
{
	json_t *doc = run_default();
	cr_expect_eq(schema_check(doc), 0);
	json_object_set_new(json_object_get(doc, "config"), "hwcaps", json_integer(5));
	cr_expect_eq(schema_check(doc), 1, "a wrong type is refused");
	json_decref(doc);
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
/* The boot MD's hwcap-list (T2: popc, no pause) makes the kernel's
 * popc_patch() rewrite ffs/__ffs as setup_arch does, and the real guest
 * then runs the patched code: every __ffs call is the 5-instruction popc
 * sequence (neg, xnor, popc, retl, nop), not the 30-odd generic one. */
Test(run, md_hwcaps_make_the_kernel_patch_in_popc, .timeout = 120)
{
	json_t *doc = run_default();
	json_t *cfg = json_object_get(doc, "config"), *cap;
	json_t *cp = json_object_get(cfg, "code_patches");
	size_t i;
	int popc = 0, pause = 0;
	json_array_foreach(json_object_get(cfg, "hwcaps"), i, cap)
	{
		popc |= !strcmp(json_string_value(cap), "popc");
		pause |= !strcmp(json_string_value(cap), "pause");
	}
	cr_expect(popc && !pause, "T2 hwcaps: popc, no pause");
	cr_expect(json_is_true(json_object_get(cp, "popc")));
	cr_expect(json_is_false(json_object_get(cp, "pause")));
	cr_expect_eq(json_integer_value(json_object_get(cp, "instructions")), 12, "ffs, __ffs");
	json_t *fn, *ffs = NULL;
	json_array_foreach(json_object_get(json_object_get(doc, "profile"), "functions"), i, fn)
	{
		if (!strcmp(json_string_value(json_object_get(fn, "fn")), "__ffs"))
			ffs = fn;
	}
	cr_assert_not_null(ffs, "__ffs in the profile");
	json_int_t calls = json_integer_value(json_object_get(ffs, "calls"));
	cr_expect(calls > 0);
	cr_expect_eq(json_integer_value(json_object_get(ffs, "self_insns")), 5 * calls);
	json_decref(doc);
}

/* Runs that borrow engines from one cache (sim_engines: what a fuzzer
 * rebooting its guest uses) open engines only for the first run, and
 * every run's result is the same as a run with engines of its own. */
static json_t *run_borrowing(struct sim_engines *c)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	test_run_cfg(&cfg, "traces/t2/trace.json"); /* strands come and go: engines recycle */
	cfg.engines = c;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 1);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
	json_object_del(doc, "simulator");
	return doc;
}

Test(run, engines_are_borrowed_across_runs, .timeout = 120)
{
	struct sim_engines *c;
	char err[256];
	cr_assert_eq(sim_engines_create(&c, err, sizeof err), 0, "%s", err);
	json_t *own = run_borrowing(NULL), *first = run_borrowing(c);
	unsigned opened = sim_engines_opened(c);
	cr_expect_gt(opened, 0);
	json_t *second = run_borrowing(c), *third = run_borrowing(c);
	cr_expect_eq(sim_engines_opened(c), opened, "no engine opened after the first run");
	char *so = json_dumps(own, JSON_SORT_KEYS);
	json_t *docs[] = {first, second, third};
	for (int i = 0; i < 3; i++) {
		char *sd = json_dumps(docs[i], JSON_SORT_KEYS);
		cr_expect_str_eq(sd, so, "run %d with borrowed engines", i + 1);
		free(sd);
		json_decref(docs[i]);
	}
	free(so);
	json_decref(own);
	sim_engines_free(c);
	sim_engines_free(NULL);
}

Test(run, identical_inputs_give_identical_results, .timeout = 120)
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
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "kernel_version")),
	                 test_kernel_version());
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
	test_run_cfg(&cfg, trace);
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
	/* SPARC T4 and later: pause_patch() too (cpu_relax, the backoff). */
	json_t *cp = json_object_get(json_object_get(doc, "config"), "code_patches");
	cr_expect(json_is_true(json_object_get(cp, "popc")), "%s", trace);
	cr_expect(json_is_true(json_object_get(cp, "pause")), "%s", trace);
	json_decref(doc);
	bench_run_free(r);
}

Test(fidelity, t4_4_runs_with_maps_equal_to_the_host, .timeout = 300)
{
	run_shape("traces/t4-4/trace.json");
}
Test(fidelity, t5_8_runs_with_maps_equal_to_the_host, .timeout = 300)
{
	run_shape("traces/t5-8/trace.json");
}
Test(fidelity, m8_8_runs_with_maps_equal_to_the_host, .timeout = 300)
{
	run_shape("traces/m8-8/trace.json");
}
Test(fidelity, m7_16_runs_with_maps_equal_to_the_host, .timeout = 600)
{
	run_shape("traces/m7-16/trace.json");
}

/* The measurements: phases of the request, the topology-map cost by step,
 * per-cpu bring-up phases that add up, and a profile that names the code
 * under study. */
Test(measure, result_gives_phases_profile_and_topology_cost, .timeout = 120)
{
	json_t *doc = run_default();
	json_t *op = json_array_get(json_object_get(doc, "operations"), 1);
	json_t *ph = json_object_get(op, "phases");
	cr_assert(json_is_object(ph));
	int64_t topo = json_integer_value(json_object_get(ph, "topology_maps"));
	int64_t sib = json_integer_value(json_object_get(ph, "smp_fill_in_sib_core_maps"));
	int64_t total = json_integer_value(json_object_get(ph, "dr_cpu_data"));
	cr_expect(sib > 0 && sib < topo, "sibling maps %lld inside topology %lld", (long long)sib,
	          (long long)topo);
	cr_expect(topo < total, "topology inside dr_cpu_data");
	json_t *tc = json_object_get(op, "topology_cost");
	cr_expect(json_integer_value(
	              json_object_get(json_object_get(tc, "topology_maps"), "insns")) > 1000);
	/* Per cpu, the phases sum to add_cpu's span and online comes
	 * within it; the callin poll reflects udelay(100). */
	json_t *c0 = json_array_get(json_object_get(op, "cpus"), 0);
	json_t *cp = json_object_get(c0, "phases");
	cr_assert(json_is_object(cp));
	int64_t poll = json_integer_value(json_object_get(cp, "callin_poll_ns"));
	cr_expect(poll > 0 && poll <= 200000, "callin poll %lld ns: within two udelay(100)",
	          (long long)poll);
	json_t *pct = json_object_get(op, "cpu_latency_ns");
	cr_expect(json_integer_value(json_object_get(pct, "min")) <=
	          json_integer_value(json_object_get(pct, "p50")));
	cr_expect(json_integer_value(json_object_get(pct, "p50")) <=
	          json_integer_value(json_object_get(pct, "max")));
	int found = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(json_object_get(doc, "profile"), "functions"), i, f)
	    found |= !strcmp(json_string_value(json_object_get(f, "fn")), "__cpu_up");
	cr_expect(found, "the profile names __cpu_up");
	/* Per strand: the new cpu's own profile starts in hv_cpu_startup. */
	json_t *mine = json_object_get(json_object_get(json_object_get(doc, "profile"), "threads"),
	                               "swapper/cpu56");
	cr_assert(json_is_array(mine));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(mine, 0), "fn")),
	                 "hv_cpu_startup");
	json_decref(doc);
}

/* The request latencies of traces/t2 (add, add, remove, md-update) with
 * the given --set overrides. */
static void t2_latencies(const char *const *set, size_t nset, int64_t lat[5])
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	struct trace_param_value v[4];
	cr_assert_leq(nset, 4);
	for (size_t i = 0; i < nset; i++)
		cr_assert_eq(cli_parse_set(set[i], &v[i], err, sizeof err), 0, "%s", err);
	test_run_cfg(&cfg, "traces/t2/trace.json");
	cfg.set = v;
	cfg.nset = nset;
	cfg.no_profile = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 0);
	for (size_t i = 0; i < 5; i++)
		lat[i] = json_integer_value(json_object_get(
		    json_array_get(json_object_get(doc, "operations"), i), "latency_ns"));
	json_decref(doc);
	bench_run_free(r);
}

/* Every timing parameter --set accepts (and the result's configuration
 * records) reaches the model: each changes some request's latency. (Found:
 * printk_ns was recorded but printk charged a fixed cost.) stick_hz only
 * scales %stick readings, which no latency is measured with; jiffy_ns
 * shows once msleep(100) is paid (ipi_ns=1000: see TIMING.md). */
Test(measure, every_cost_parameter_takes_effect, .timeout = 120)
{
	static const char *const one[] = {
	    "cpi=3",
	    "clock_hz=700000000",
	    "hotplug_prepare_ns=1500000",
	    "hotplug_online_ns=4000000",
	    "hotplug_teardown_ns=3000000",
	    "udelay_granularity_ns=30000",
	    "udelay_overhead_ns=2000",
	    "sched_switch_ns=30000",
	    "kthread_wakeup_ns=80000",
	    "ldc_msg_ns=200000",
	    "ipi_ns=50000",
	    "printk_ns=20000",
	};
	/* cpi, clock_hz, the costs; minus stick_hz and jiffy_ns (below) */
	cr_assert_eq(sizeof one / sizeof one[0], 2 + TRACE_NCOSTS - 1,
	             "a parameter without a check here");
	int64_t base[5], lat[5];
	t2_latencies(NULL, 0, base);
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
		t2_latencies(&one[i], 1, lat);
		cr_expect(memcmp(lat, base, sizeof lat), "--set %s changed nothing", one[i]);
	}
	const char *slow_ipi[] = {"ipi_ns=1000"}, *both[] = {"ipi_ns=1000", "jiffy_ns=1000000"};
	int64_t with_msleep[5];
	t2_latencies(slow_ipi, 1, with_msleep);
	t2_latencies(both, 2, lat);
	cr_expect(memcmp(lat, with_msleep, sizeof lat), "--set jiffy_ns changed nothing");
}

/* A timing parameter from the command line changes the result and is in
 * the configuration block. */
Test(measure, set_overrides_a_cost, .timeout = 120)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	struct trace_param_value set[1];
	cr_assert_eq(cli_parse_set("hotplug_online_ns=1000000", &set[0], err, sizeof err), 0);
	test_run_cfg(&cfg, "traces/default/trace.json");
	cfg.set = set;
	cfg.nset = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 0), *base = run_default();
	cr_expect_eq(json_integer_value(
	                 json_object_get(json_object_get(doc, "config"), "hotplug_online_ns")),
	             1000000);
	int64_t slow = json_integer_value(
	    json_object_get(json_array_get(json_object_get(doc, "operations"), 1), "latency_ns"));
	int64_t fast = json_integer_value(
	    json_object_get(json_array_get(json_object_get(base, "operations"), 1), "latency_ns"));
	cr_expect(slow > fast + 7 * 500000, "8 cpus x ~0.8 ms more: %lld vs %lld", (long long)slow,
	          (long long)fast);
	json_decref(doc);
	json_decref(base);
	bench_run_free(r);
}

/* Removal (traces/t2: +4, +4, then UNCONFIGURE 60-63 and md-update to
 * generation 3): the real dr_cpu_unconfigure, __cpu_disable on each victim,
 * cpu_play_dead (queues unregistered), __cpu_die with CPU_STOP. */
Test(removal, unconfigure_takes_four_cpus_down, .timeout = 120)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	test_run_cfg(&cfg, "traces/t2/trace.json");
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 1);
	cr_expect(bench_run_ok(r), "%s", json_string_value(json_object_get(doc, "verdict")));
	json_t *un = json_array_get(json_object_get(doc, "operations"), 3), *c;
	cr_assert_str_eq(json_string_value(json_object_get(un, "op")), "unconfigure");
	cr_expect_str_eq(json_string_value(json_object_get(un, "reply_type")), "o");
	size_t i;
	json_array_foreach(json_object_get(un, "cpus"), i, c)
	{
		cr_expect_eq(json_integer_value(json_object_get(c, "result")), 0);
		cr_expect_eq(json_integer_value(json_object_get(c, "stat")), 1, "UNCONFIGURED");
		cr_expect(json_integer_value(json_object_get(c, "latency_ns")) > 1000000,
		          "__cpu_disable's mdelay(1) at least");
	}
	cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")), "0-59");
	/* Per-cpu removal phases: __cpu_disable holds its mdelay(1); the
	 * victim's cpu_play_dead cleared smp_commenced_mask before the
	 * master's first poll (no msleep at the trace's ipi_ns; the two race
	 * within a scheduling quantum); one CPU_STOP. */
	json_array_foreach(json_object_get(un, "cpus"), i, c)
	{
		json_t *ph = json_object_get(c, "phases");
		cr_assert(json_is_object(ph), "cpu %lld has removal phases",
		          (long long)json_integer_value(json_object_get(c, "cpu")));
		cr_expect_geq(json_integer_value(json_object_get(ph, "disable_ns")), 1000000);
		cr_expect_eq(json_integer_value(json_object_get(ph, "msleeps")), 0);
		cr_expect_gt(json_integer_value(json_object_get(ph, "play_dead_ns")), 0);
		cr_expect_eq(json_integer_value(json_object_get(ph, "cpu_stop_calls")), 1);
		cr_expect_gt(json_integer_value(json_object_get(ph, "cpu_stop_ns")), 0);
	}
	json_t *tc = json_object_get(un, "topology_cost");
	cr_expect_gt(
	    json_integer_value(json_object_get(json_object_get(tc, "cpu_disable"), "insns")), 0);
	cr_expect_gt(
	    json_integer_value(json_object_get(json_object_get(tc, "cpu_map_rebuild"), "ns")), 0);
	/* Ops are serialised: the second configure (same t_ns as the first)
	 * goes out after the first's answer. */
	json_t *c1 = json_array_get(json_object_get(doc, "operations"), 1);
	json_t *c2 = json_array_get(json_object_get(doc, "operations"), 2);
	cr_expect_geq(json_integer_value(json_object_get(c2, "request_ns")),
	              json_integer_value(json_object_get(c1, "reply_ns")));
	/* Each victim unregistered its four queues (entries 0); the master
	 * stopped it. */
	json_t *h60 = json_object_get(json_object_get(doc, "hcalls"), "60");
	size_t n = json_array_size(h60), zeros = 0;
	for (size_t k = 0; k < n; k++) {
		json_t *call = json_array_get(h60, k);
		if (!strcmp(json_string_value(json_object_get(call, "fn")), "cpu_qconf") &&
		    !strcmp(json_string_value(json_array_get(json_object_get(call, "args"), 2)),
		            "0x0"))
			zeros++;
	}
	cr_expect_eq(zeros, 4);
	int stops = 0;
	json_t *h0 = json_object_get(json_object_get(doc, "hcalls"), "0");
	for (size_t k = 0; k < json_array_size(h0); k++)
		stops += !strcmp(json_string_value(json_object_get(json_array_get(h0, k), "fn")),
		                 "cpu_stop");
	cr_expect_eq(stops, 4, "one CPU_STOP per victim");
	cr_expect(log_has(doc, "Shutting down cpu 63..."));
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "topology"), "differences")),
	    0);
	/* A strand that comes back (engine recycled) does not charge its
	 * engine wipe to its previous life's last function. */
	expect_sane_profile(doc);
	cr_expect_eq(schema_check(doc), 0);
	json_decref(doc);
	bench_run_free(r);
}

/* Fault injection: CPU_START failing, or the new strand's MMU_MAP_PERM_ADDR
 * failing (the real hvtramp parks in its error loop): the real master
 * polls callin_flag for its 50000 x udelay(100), prints "Processor N is
 * stuck." and the reply says CPU_NOT_RESPONDING. */
static json_t *run_with(const char *trace, const char *inject, const char *irq)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	struct bench_fault inj[1];
	struct bench_irq irqs[1];
	if (inject)
		cr_assert_eq(cli_parse_inject(inject, TRACE_MAX_CPUS, &inj[0], err, sizeof err), 0,
		             "%s", err);
	if (irq)
		cr_assert_eq(cli_parse_irq(irq, NULL, 0, &irqs[0], err, sizeof err), 0, "%s", err);
	test_run_cfg(&cfg, trace);
	cfg.inject = inj;
	cfg.ninject = inject != NULL;
	cfg.irq = irqs;
	cfg.nirq = irq != NULL;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 1);
	bench_run_free(r);
	return doc;
}

static json_t *run_injected(const char *inject)
{
	return run_with("traces/default/trace.json", inject, NULL);
}

static void expect_stuck(json_t *doc, int cpu)
{
	json_t *op = json_array_get(json_object_get(doc, "operations"), 1), *c;
	size_t i;
	int seen = 0;
	json_array_foreach(json_object_get(op, "cpus"), i, c)
	{
		if (json_integer_value(json_object_get(c, "cpu")) != cpu) {
			cr_expect_eq(json_integer_value(json_object_get(c, "result")), 0);
			continue;
		}
		seen = 1;
		cr_expect_eq(json_integer_value(json_object_get(c, "result")), 3, "NOT_RESPONDING");
		cr_expect_eq(json_integer_value(json_object_get(c, "stat")), 1, "UNCONFIGURED");
		cr_expect(json_is_null(json_object_get(c, "online_ns")));
	}
	cr_expect(seen);
	char line[64];
	snprintf(line, sizeof line, "Processor %d is stuck.", cpu);
	cr_expect(log_has(doc, line));
	/* 50000 x udelay(100): the request takes more than 5 s. */
	cr_expect(json_integer_value(json_object_get(op, "latency_ns")) > 5000000000ll);
}

Test(inject, cpu_start_enocpu_keeps_the_cpu_from_coming_online, .timeout = 120)
{
	json_t *doc = run_injected("cpu_start=ENOCPU@58");
	expect_stuck(doc, 58);
	cr_expect(log_has(doc, "sun4v_cpu_start() gives error 1"));
	json_decref(doc);
}

Test(inject, map_perm_addr_failure_keeps_the_new_strand_from_coming_online, .timeout = 120)
{
	json_t *doc = run_injected("mmu_map_perm_addr=EINVAL@59");
	expect_stuck(doc, 59);
	json_decref(doc);
}

/* The udelay(100) effect: the master's wait for callin_flag after
 * CPU_START returns is whole udelay(100) periods (here one: the trampoline
 * takes ~17 us) plus the poll loop's own cost and the hand-off, as the real
 * loop implies. */
Test(measure, callin_wait_is_quantised_by_udelay_100, .timeout = 120)
{
	json_t *doc = run_default(), *c;
	size_t i;
	json_array_foreach(
	    json_object_get(json_array_get(json_object_get(doc, "operations"), 1), "cpus"), i, c)
	{
		int64_t w = json_integer_value(json_object_get(c, "callin_wait_ns"));
		int64_t k = w / 100000, rest = w % 100000;
		cr_expect(k >= 1, "at least one udelay(100): %lld ns", (long long)w);
		cr_expect(rest < 3000, "%lld = %lld x 100 us + %lld ns of loop and hand-off",
		          (long long)w, (long long)k, (long long)rest);
	}
	json_decref(doc);
}

/* The topology cost grows as the real code's O(P^2): on a parametric shape,
 * the exponent of smp_fill_in_sib_core_maps' instructions over present
 * strands is within [1.8, 2.2]. */
Test(measure, sibling_maps_cost_is_quadratic, .timeout = 300)
{
	static const unsigned present[] = {64, 128, 256, 512};
	double x[4], y[4];
	for (size_t i = 0; i < 4; i++) {
		char path[600];
		test_gen_trace(path, sizeof path, "--shape param:2x64x8 --present %u --add 8",
		               present[i]);
		struct bench_run_cfg cfg;
		struct bench_run *r;
		char err[1024];
		test_run_cfg(&cfg, path);
		cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
		json_t *doc = bench_run_json(r, 0);
		json_t *tc = json_object_get(json_array_get(json_object_get(doc, "operations"), 1),
		                             "topology_cost");
		x[i] = present[i] + 8;
		y[i] = (double)json_integer_value(
		    json_object_get(json_object_get(tc, "smp_fill_in_sib_core_maps"), "insns"));
		cr_assert(y[i] > 0);
		json_decref(doc);
		bench_run_free(r);
	}
	struct bench_fit fit;
	cr_assert_eq(bench_fit_power(x, y, 4, &fit), 0);
	cr_expect(fit.exponent >= 1.8 && fit.exponent <= 2.2, "exponent %.3f", fit.exponent);
}

/* MACH_DESC failing during md-update: the real mdesc_update takes its
 * error path, whose refcount_dec() to zero saturates the count, so
 * mdesc_free's BUG_ON fires — Linux 6.1's own behaviour, which the run
 * reports as the guest's BUG() (ta 5) with the kernel's message. */
Test(inject, mach_desc_failure_hits_the_kernels_bug_on, .timeout = 120)
{
	json_t *doc = run_injected("mach_desc=EIOx2");
	cr_expect(log_has(doc, "MD: mdesc reread fails with 11"));
	cr_expect(log_has(doc, "kernel BUG at arch/sparc/kernel/mdesc.c"));
	const char *v = json_string_value(json_object_get(doc, "verdict"));
	cr_expect(strstr(v, "BUG()") != NULL, "%s", v);
	cr_expect(!json_is_true(json_object_get(doc, "ok")));
	json_decref(doc);
}

Test(inject, cpu_start_einval_and_ewouldblock_give_the_kernels_errors, .timeout = 120)
{
	static const char *const inj[] = {"cpu_start=EINVAL@58", "cpu_start=EWOULDBLOCK@58"};
	static const char *const msg[] = {"sun4v_cpu_start() gives error 6",
	                                  "sun4v_cpu_start() gives error 9"};
	for (int i = 0; i < 2; i++) {
		json_t *doc = run_injected(inj[i]);
		expect_stuck(doc, 58);
		cr_expect(log_has(doc, msg[i]), "%s", inj[i]);
		cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")),
		                 "0-57,59-63");
		json_decref(doc);
	}
}

/* hvtramp's MMU_FAULT_AREA_CONF failing: the strand parks in the
 * trampoline's error loop, never calls in. */
Test(inject, fault_area_conf_failure_parks_the_new_strand_in_the_trampoline, .timeout = 120)
{
	json_t *doc = run_injected("mmu_fault_area_conf=EINVAL@59");
	expect_stuck(doc, 59);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")), "0-58,60-63");
	/* The hypervisor started it; it spins in hvtramp's error loop. */
	cr_expect_str_eq(json_string_value(json_object_get(doc, "hv_running_mask")), "0-63");
	json_decref(doc);
}

/* CPU_STOP failing for good: the real __cpu_die tries 100 times, prints
 * its error and leaves the cpu present; dr-cpu still reports it
 * UNCONFIGURED (remove_cpu succeeded), and the hypervisor keeps the
 * strands running (parked in cpu_play_dead). */
Test(inject, cpu_stop_failing_for_good_leaves_the_cpu_present_but_unconfigured, .timeout = 120)
{
	json_t *doc = run_with("traces/t2/trace.json", "cpu_stop=EINVALx1000", NULL), *c;
	json_t *un = json_array_get(json_object_get(doc, "operations"), 3);
	cr_assert_str_eq(json_string_value(json_object_get(un, "op")), "unconfigure");
	cr_expect_str_eq(json_string_value(json_object_get(un, "reply_type")), "o");
	size_t i, fails = 0;
	json_array_foreach(json_object_get(un, "cpus"), i, c)
	    cr_expect_eq(json_integer_value(json_object_get(c, "stat")), 1, "UNCONFIGURED");
	json_array_foreach(json_object_get(doc, "log"), i, c) fails +=
	    strstr(json_string_value(json_object_get(c, "text")), "sun4v_cpu_stop() fails err=6") !=
	    NULL;
	cr_expect_eq(fails, 4, "one error per victim");
	int stops = 0;
	json_t *h0 = json_object_get(json_object_get(doc, "hcalls"), "0");
	for (size_t k = 0; k < json_array_size(h0); k++)
		stops += !strcmp(json_string_value(json_object_get(json_array_get(h0, k), "fn")),
		                 "cpu_stop");
	cr_expect_eq(stops, 4 * 100, "__cpu_die's limit of 100 tries per victim");
	json_t *f = json_array_get(json_object_get(doc, "faults"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(f, "fn")), "cpu_stop");
	cr_expect_str_eq(json_string_value(json_object_get(f, "from")), "--inject");
	cr_expect_eq(json_integer_value(json_object_get(f, "count")), 1000);
	cr_expect_eq(json_integer_value(json_object_get(f, "fired")), 4 * 100);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")), "0-59");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "present_mask")), "0-63");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "hv_running_mask")), "0-63");
	json_decref(doc);
}

/* INTR_SETTARGET failing during the configure's fixup_irqs: the real
 * sun4v_set_affinity logs it and the interrupt stays where it was. */
Test(inject, interrupt_retarget_failure_leaves_the_interrupt_where_it_was, .timeout = 120)
{
	json_t *doc = run_with("traces/default/trace.json", "intr_settarget=EINVAL", "0:1@56-63");
	cr_expect(json_is_true(json_object_get(doc, "ok")));
	json_t *q = json_array_get(json_object_get(doc, "interrupts"), 0);
	json_int_t boot = json_integer_value(json_object_get(q, "target_boot"));
	cr_expect_lt(boot, 56, "cpus 56-63 are offline at boot");
	cr_expect_eq(json_integer_value(json_object_get(q, "target_end")), boot);
	cr_expect_eq(json_integer_value(json_object_get(q, "retargets")), 0);
	/* sysino of (devhandle 0, devino 1) in the hypervisor model: 0 << 8 | 1 */
	cr_expect(log_has(doc, "sun4v_intr_settarget(1,56): err(6)"));
	json_decref(doc);
}

/* A 1.1 trace carrying the domain's interrupt sources and a fault: the
 * same behaviour as --irq and --inject, marked as coming from the trace. */
Test(inject, interrupts_and_faults_from_the_trace_act_as_the_options_do, .timeout = 120)
{
	char dir[256], cmd[1024], path[320];
	test_tmpdir(dir, sizeof dir, "trace11");
	snprintf(cmd, sizeof cmd, "cp traces/default/* %s/", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/trace.json", dir);
	json_error_t je;
	json_t *tr = json_load_file(path, 0, &je);
	cr_assert_not_null(tr, "%s", je.text);
	json_t *sc = json_object_get(tr, "scenario");
	json_object_set_new(tr, "version", json_pack("[i,i]", 1, 1));
	json_object_set_new(sc, "interrupts",
	                    json_pack("[{sisis[ii]si}]", "devhandle", 3, "devino", 9, "affinity",
	                              60, 61, "target", 0));
	json_object_set_new(sc, "faults",
	                    json_pack("[{sssisi}]", "fn", "cpu_start", "status", 1, "cpu", 0));
	cr_assert_eq(json_dump_file(tr, path, JSON_INDENT(1)), 0);
	json_decref(tr);

	json_t *doc = run_with(path, NULL, NULL);
	/* cpu_start=ENOCPU for the master's first CPU_START: cpu 56. */
	expect_stuck(doc, 56);
	json_t *f = json_array_get(json_object_get(doc, "faults"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(f, "from")), "trace");
	cr_expect_eq(json_integer_value(json_object_get(f, "fired")), 1);
	json_t *q = json_array_get(json_object_get(doc, "interrupts"), 0);
	cr_assert_not_null(q);
	cr_expect_str_eq(json_string_value(json_object_get(q, "from")), "trace");
	cr_expect_str_eq(json_string_value(json_object_get(q, "affinity")), "60-61");
	cr_expect_eq(json_integer_value(json_object_get(q, "target_recorded")), 0);
	cr_expect_eq(json_integer_value(json_object_get(q, "target_end")), 60);
	cr_expect(json_is_true(json_object_get(q, "target_running")));
	json_decref(doc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The msleep(100) quantisation of the real __cpu_die: with a faster IPI the
 * master polls smp_commenced_mask before the victim's cpu_play_dead cleared
 * it, and sleeps a whole msleep(100) (11 jiffies of 10 ms) per cpu. */
Test(removal, die_wait_is_quantised_by_msleep_100, .timeout = 120)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	struct trace_param_value set[1];
	cr_assert_eq(cli_parse_set("ipi_ns=1000", &set[0], err, sizeof err), 0);
	test_run_cfg(&cfg, "traces/t2/trace.json");
	cfg.set = set;
	cfg.nset = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 0), *c;
	cr_expect(bench_run_ok(r));
	json_t *un = json_array_get(json_object_get(doc, "operations"), 3);
	size_t i;
	json_array_foreach(json_object_get(un, "cpus"), i, c)
	{
		json_t *ph = json_object_get(c, "phases");
		cr_expect_eq(json_integer_value(json_object_get(ph, "msleeps")), 1);
		json_int_t w = json_integer_value(json_object_get(ph, "die_wait_ns"));
		cr_expect(w >= 110000000 && w < 111000000, "die_wait %lld: one msleep(100)",
		          (long long)w);
	}
	cr_expect_gt(json_integer_value(json_object_get(un, "latency_ns")), 4 * 110000000ll);
	/* the md-update after it waited for its answer */
	json_t *md = json_array_get(json_object_get(doc, "operations"), 4);
	cr_expect_geq(json_integer_value(json_object_get(md, "request_ns")),
	              json_integer_value(json_object_get(un, "reply_ns")));
	json_decref(doc);
	bench_run_free(r);
}
