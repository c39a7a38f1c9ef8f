/*
 * tests/test_cli.c — the boundary between the commands and the library:
 * every command's argument parsing and printing lives in cli/, and the
 * library (build/libldomsim.a) neither holds command code nor includes
 * cli/ headers; one table of timing costs (kernel-model/costs.def) drives
 * --set, the trace, the result's config and the kernel model.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/run.h"
#include "cli/options.h"
#include "tests/util.h"
#include "traces/trace.h"

/* Every command entry point lives in cli/: none is allowed in the library. */
static int allowed(const char *sym)
{
	(void)sym;
	return 0;
}

Test(cli_boundary, the_library_defines_no_command_entry_point)
{
	static char out[1 << 16];
	/* Defined text symbols named like a command: NAME_main or NAME_cmd_... */
	int rc = test_run("nm --defined-only build/libldomsim.a 2>/dev/null | "
	                  "awk '$2 == \"T\" && ($3 ~ /_main$/ || $3 ~ /_cmd_/) {print $3}'",
	                  out, sizeof out);
	cr_assert_eq(rc, 0, "nm build/libldomsim.a failed");
	char *save = NULL;
	for (char *sym = strtok_r(out, "\n", &save); sym; sym = strtok_r(NULL, "\n", &save))
		cr_expect(allowed(sym), "libldomsim.a defines the command entry point %s", sym);
}

Test(cli_boundary, every_command_entry_point_is_defined_in_cli)
{
	static char out[1 << 16];
	/* Each entry function named in cli/commands.def is defined by a cli/ object. */
	int rc = test_run("sed -n 's/^CMD(.*, *\\([a-z_]*\\))$/\\1/p' cli/commands.def", out,
	                  sizeof out);
	cr_assert_eq(rc, 0);
	size_t count = 0;
	char *save = NULL;
	for (char *fn = strtok_r(out, "\n", &save); fn; fn = strtok_r(NULL, "\n", &save)) {
		count++;
		if (allowed(fn))
			continue;
		cr_expect_eq(test_sh("nm --defined-only build/obj/cli/*.o | grep -qw 'T %s'", fn),
		             0, "%s (cli/commands.def) is not defined in cli/", fn);
	}
	cr_assert_gt(count, 5, "cli/commands.def lists %zu commands", count);
}

Test(cli_boundary, no_library_source_includes_a_cli_header)
{
	char out[4096];
	int rc = test_run("grep -ln '#include \"cli/' util/*.[ch] sim/*.[ch] kernel-model/*.[ch] "
	                  "traces/*.[ch] bench/*.[ch] ds/*.[ch] hv/*.[ch] board/*.[ch] 2>/dev/null",
	                  out, sizeof out);
	cr_expect_neq(rc, 0, "library files include cli/ headers:\n%s", out);
}

/* ---- the costs table (kernel-model/costs.def) ------------------------- */

/* The result of running trace with --set kv (NULL: none); a new reference. */
static json_t *run_with(const char *trace, const char *kv)
{
	struct bench_run_cfg cfg;
	struct bench_run *r = NULL;
	char err[1024];
	struct trace_param_value set[1];
	if (kv)
		cr_assert_eq(cli_parse_set(kv, &set[0], err, sizeof err), 0, "%s", err);
	test_run_cfg(&cfg, trace);
	cfg.set = set;
	cfg.nset = kv != NULL;
	cfg.no_profile = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "--set %s: %s", kv ? kv : "-", err);
	json_t *doc = bench_run_json(r, 0);
	bench_run_free(r);
	return doc;
}

/* The first configure operation's reply latency (ns). */
static json_int_t configure_latency(const json_t *doc)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "operations"), i, o)
	{
		if (!strcmp(json_string_value(json_object_get(o, "op")), "configure"))
			return json_integer_value(json_object_get(o, "latency_ns"));
	}
	cr_assert_fail("no configure operation");
	return 0;
}

Test(costs_table, every_cost_row_is_a_set_parameter_echoed_in_the_result_config, .timeout = 120)
{
	char trace[1100];
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 8 --add 4");
	size_t rows = 0;
#define COST(name, unit, model_default, trace_default, min, what)                                  \
	do {                                                                                       \
		char kv[128];                                                                      \
		uint64_t v = (uint64_t)(trace_default)*2 + 1;                                      \
		rows++;                                                                            \
		cr_assert_not_null(trace_param_by_name(#name), "%s is not a --set parameter",      \
		                   #name);                                                         \
		snprintf(kv, sizeof kv, "%s=%llu", #name, (unsigned long long)v);                  \
		json_t *doc = run_with(trace, kv);                                                 \
		json_t *got = json_object_get(json_object_get(doc, "config"), #name);              \
		cr_expect(json_is_integer(got) && (uint64_t)json_integer_value(got) == v,          \
		          "config.%s is not %llu", #name, (unsigned long long)v);                  \
		json_decref(doc);                                                                  \
	} while (0);
#define MODEL_COST(name, unit, model_default, what)                                                \
	cr_expect_null(trace_param_by_name(#name), "%s is the model's own", #name);
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
	cr_expect_eq(rows, TRACE_NCOSTS);
}

/* A traced cost reaches the kernel model: a larger printk_ns or
 * hotplug_prepare_ns makes the configure request slower (printk_ns once
 * stopped reaching it while the trace and --set still took it). */
Test(costs_table, a_traced_cost_reaches_the_kernel_model, .timeout = 120)
{
	char trace[1100];
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 8 --add 4");
	json_t *base = run_with(trace, NULL);
	json_int_t l0 = configure_latency(base);
	static const char *const sets[] = {"printk_ns=1000000", "hotplug_prepare_ns=5000000"};
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		json_t *doc = run_with(trace, sets[i]);
		cr_expect_gt(configure_latency(doc), l0,
		             "--set %s: configure took %lld ns, as before", sets[i],
		             (long long)configure_latency(doc));
		json_decref(doc);
	}
	json_decref(base);
}

/* ---- typed configuration: the library takes values, not option strings */

/* A run of trace with the typed fault f (spec NULL: no option string). */
static struct bench_run *run_fault(const char *trace, const struct bench_fault *f, char *err,
                                   size_t n)
{
	struct bench_run_cfg cfg;
	struct bench_run *r = NULL;
	test_run_cfg(&cfg, trace);
	cfg.no_profile = 1;
	cfg.inject = f;
	cfg.ninject = 1;
	if (bench_run(&cfg, &r, err, n))
		return NULL;
	return r;
}

Test(typed_config, a_fault_built_in_code_runs_as_the_same_inject_option, .timeout = 120)
{
	char trace[1100], err[1024];
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 8 --add 4");
	struct bench_fault parsed, built = {.spec = NULL};
	cr_assert_eq(cli_parse_inject("cpu_start=ENOCPU@9", 64, &parsed, err, sizeof err), 0, "%s",
	             err);
	built.f = (struct trace_fault){.fn = trace_hcall_fn_by_name("cpu_start")->fn,
	                               .status = (uint64_t)trace_hv_status_by_name("ENOCPU"),
	                               .count = 1,
	                               .cpu = 9};
	struct bench_run *a = run_fault(trace, &parsed, err, sizeof err);
	cr_assert_not_null(a, "%s", err);
	struct bench_run *b = run_fault(trace, &built, err, sizeof err);
	cr_assert_not_null(b, "%s", err);
	json_t *ja = bench_run_json(a, 0), *jb = bench_run_json(b, 0);
	cr_expect(json_equal(json_object_get(ja, "operations"), json_object_get(jb, "operations")));
	cr_expect(json_equal(json_object_get(ja, "faults"), json_object_get(jb, "faults")));
	json_t *fa = json_array_get(json_object_get(ja, "faults"), 0);
	cr_expect_gt(json_integer_value(json_object_get(fa, "fired")), 0, "the fault never fired");
	const char *echo = json_string_value(
	    json_array_get(json_object_get(json_object_get(ja, "config"), "inject"), 0));
	cr_expect(echo && !strcmp(echo, "cpu_start=ENOCPU@9"), "config.inject: %s", echo);
	json_decref(ja);
	json_decref(jb);
	bench_run_free(a);
	bench_run_free(b);
}

Test(typed_config, the_library_refuses_a_fault_cpu_beyond_the_domain, .timeout = 60)
{
	char trace[1100], err[1024] = "";
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 8 --add 4");
	uint32_t max_cpus = 0;
	struct trace *t;
	struct trace_error te;
	cr_assert_eq(trace_load(trace, &t, &te), 0, "%s", te.msg);
	max_cpus = trace_machine(t)->max_cpus;
	trace_free(t);
	struct bench_fault f = {.f = {.fn = trace_hcall_fn_by_name("cpu_start")->fn,
	                              .status = 2,
	                              .count = 1,
	                              .cpu = (int32_t)max_cpus}};
	cr_expect_null(run_fault(trace, &f, err, sizeof err));
	char want[64];
	snprintf(want, sizeof want, "0..%u", max_cpus - 1);
	cr_expect(strstr(err, "--inject cpu_start") && strstr(err, want), "%s", err);
}

Test(typed_config, irq_option_builds_the_affinity_mask)
{
	struct bench_irq q[2];
	char err[512];
	cr_assert_eq(cli_parse_irq("0x3:17@2-4,4095", NULL, 0, &q[0], err, sizeof err), 0, "%s",
	             err);
	cr_expect_eq(q[0].devhandle, 3);
	cr_expect_eq(q[0].devino, 17);
	cr_expect(!q[0].all);
	cr_expect_eq(q[0].aff[0], 0x1cull);
	cr_expect_eq(q[0].aff[BENCH_IRQ_CPU_WORDS - 1], 1ull << 63);
	cr_assert_eq(cli_parse_irq("1:2", q, 1, &q[1], err, sizeof err), 0, "%s", err);
	cr_expect(q[1].all);
	cr_expect_neq(cli_parse_irq("3:0x11", q, 2, &q[1], err, sizeof err), 0);
	cr_expect(strstr(err, "twice"), "%s", err);
}

/* run --help lists every cost --set takes, from the table (the hand-kept
 * list had lost hotplug_teardown_ns). */
Test(costs_table, run_help_names_every_cost)
{
	static char out[1 << 14];
	cr_assert_eq(test_run("build/ldomsim run --help", out, sizeof out), 0);
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		cr_expect(strstr(out, trace_cost_fields[i].name), "run --help lacks %s",
		          trace_cost_fields[i].name);
}

/* The trace format's documentation has a row for every cost of the table. */
Test(costs_table, format_md_documents_every_cost)
{
	char *doc = test_slurp("traces/FORMAT.md");
	for (size_t i = 0; i < TRACE_NCOSTS; i++) {
		char row[96];
		snprintf(row, sizeof row, "| `%s` |", trace_cost_fields[i].name);
		cr_expect(strstr(doc, row), "traces/FORMAT.md has no row %s", row);
	}
	free(doc);
}
