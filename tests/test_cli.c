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
#include <string.h>

#include "bench/run.h"
#include "tests/util.h"
#include "traces/trace.h"

/* sim/cmd_selftest.c leaves sim/ with the machine's own redesign (issue 11,
 * item 1); until then it is the one command entry point the library keeps. */
static const char *const still_in_library[] = {"sim_cmd_selftest"};

static int allowed(const char *sym)
{
	for (size_t i = 0; i < sizeof still_in_library / sizeof still_in_library[0]; i++)
		if (!strcmp(sym, still_in_library[i]))
			return 1;
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
	                  "traces/*.[ch] bench/*.[ch] 2>/dev/null | grep -v '^sim/cmd_selftest.c$'",
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
	const char *set[1] = {kv};
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
