/*
 * tests/test_compare_versions.c — `compare` between guests of two kernel
 * versions (issue 12): a function renamed between them (a compiler clone
 * suffix, a kernel rename of a kernel-model entry) is compared as itself,
 * one inlined in one version is reported as such, and neither counts as a
 * regression.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/compare_fn.h"
#include "tests/util.h"

Test(compare_versions, function_stems)
{
	char s[256];
	bench_fn_stem("fn_find_back_node_value.part.0.constprop.0_insns", s, sizeof s);
	cr_expect_str_eq(s, "find_back_node_value");
	bench_fn_stem("fn_find_back_node_value.isra.0_insns", s, sizeof s);
	cr_expect_str_eq(s, "find_back_node_value");
	/* kernel-model rows of one entry under two kernels' names */
	bench_fn_stem("fn___kmalloc_cache_noprof_insns", s, sizeof s);
	cr_expect_str_eq(s, "kmalloc_trace");
	bench_fn_stem("fn_kmemdup_noprof_insns", s, sizeof s);
	cr_expect_str_eq(s, "kmemdup");
	bench_fn_stem("fn___kmalloc_noprof_insns", s, sizeof s);
	cr_expect_str_eq(s, "__kmalloc");
	bench_fn_stem("fn_smp_callin_insns", s, sizeof s);
	cr_expect_str_eq(s, "smp_callin");
	bench_fn_stem("request_ns", s, sizeof s);
	cr_expect_str_eq(s, "");
	bench_fn_stem("fn__insns", s, sizeof s);
	cr_expect_str_eq(s, "");
}

/* A result of the default trace (BASE) and a copy whose profile plays a
 * second kernel (NEW): python edits on `f` (the profile's functions by
 * name) and `fs` (the list). */
static void make_pair(char *dir, size_t n, const char *edit)
{
	test_tmpdir(dir, n, "cmpver");
	cr_assert_eq(test_sh("build/ldomsim run traces/default/trace.json -o %s/a.json "
	                     ">/dev/null 2>&1",
	                     dir),
	             0);
	cr_assert_eq(test_sh("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
	                     "fs=d[\"profile\"][\"functions\"]; "
	                     "fs.append(dict(fs[-1], fn=\"kmalloc_trace\", incl_insns=500)); "
	                     "json.dump(d, open(sys.argv[1], \"w\")); "
	                     "f={x[\"fn\"]: x for x in fs}; %s; "
	                     "json.dump(d, open(sys.argv[2], \"w\"))' %s/a.json %s/b.json",
	                     edit, dir, dir),
	             0, "%s", edit);
}

#define RENAMES                                                                                    \
	"f[\"find_back_node_value.part.0.constprop.0\"][\"fn\"]=\"find_back_node_value.isra.0\"; " \
	"f[\"kmalloc_trace\"][\"fn\"]=\"__kmalloc_cache_noprof\"; "                                \
	"fs.remove(f[\"__mark_max_cache_id\"]); "                                                  \
	"fs.append(dict(fs[-1], fn=\"mdesc_new_helper\", incl_insns=77))"

Test(compare_versions, renamed_and_inlined_functions_are_named_not_regressions, .timeout = 60)
{
	char d[256], cmd[1024], out[1 << 16];
	make_pair(d, sizeof d, RENAMES);
	snprintf(cmd, sizeof cmd, "build/ldomsim compare --threshold 0 %s/a.json %s/b.json", d, d);
	cr_expect_eq(test_run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect_not_null(strstr(out, "fn_find_back_node_value.part.0.constprop.0_insns -> "
	                               "fn_find_back_node_value.isra.0_insns (renamed)"),
	                   "%s", out);
	cr_expect_not_null(
	    strstr(out, "fn_kmalloc_trace_insns -> fn___kmalloc_cache_noprof_insns (renamed)"),
	    "%s", out);
	cr_expect_not_null(strstr(out, "+0.00%"), "renamed rows are compared: %s", out);
	const char *gone = strstr(out, "fn___mark_max_cache_id_insns");
	cr_expect(gone && strstr(gone, "not in NEW: inlined there"), "%s", out);
	const char *added = strstr(out, "fn_mdesc_new_helper_insns");
	cr_expect(added && strstr(added, "not in BASE: inlined there"), "%s", out);
	cr_expect_not_null(strstr(out, "functions across versions: 2 renamed (compared as one), 1 "
	                               "only in BASE, 1 only in NEW"),
	                   "%s", out);
}

/* A renamed function that did get slower is a regression under its new
 * name, not hidden by the rename. */
Test(compare_versions, a_renamed_function_can_regress, .timeout = 60)
{
	char d[256], cmd[1024], out[1 << 16];
	make_pair(d, sizeof d,
	          "f[\"kmalloc_trace\"][\"fn\"]=\"__kmalloc_cache_noprof\"; "
	          "f[\"kmalloc_trace\"][\"incl_insns\"]=1000");
	snprintf(cmd, sizeof cmd, "build/ldomsim compare --threshold 5 %s/a.json %s/b.json 2>&1", d,
	         d);
	cr_expect_eq(test_run(cmd, out, sizeof out), 1, "%s", out);
	const char *row = strstr(out, "fn_kmalloc_trace_insns -> fn___kmalloc_cache_noprof_insns");
	cr_expect(row && strstr(row, "+100.00%") && strstr(row, "REGRESSED"), "%s", out);
}

/* The JSON form says the same: the renamed row carries NEW's name, and
 * neither renamed name is listed as a metric of one side only. */
Test(compare_versions, json_names_the_renamed_metric, .timeout = 60)
{
	char d[256], cmd[2048], out[1 << 16];
	make_pair(d, sizeof d, RENAMES);
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim compare --threshold 0 --json %s/c.json %s/a.json %s/b.json "
	         ">/dev/null && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
	         "p=d[\"points\"][0]; r=[m for m in p[\"metrics\"] if \"new_metric\" in m]; "
	         "print(sorted(m[\"new_metric\"] for m in r)); print(p[\"metrics_only_in_base\"]); "
	         "print(p[\"metrics_only_in_new\"])' %s/c.json",
	         d, d, d, d);
	cr_assert_eq(test_run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect_not_null(strstr(out, "['fn___kmalloc_cache_noprof_insns', "
	                               "'fn_find_back_node_value.isra.0_insns']\n"
	                               "['fn___mark_max_cache_id_insns']\n"
	                               "['fn_mdesc_new_helper_insns']\n"),
	                   "%s", out);
}
