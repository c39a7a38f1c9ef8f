/*
 * tests/test_realdata.c — true verdicts on captures built around MDs other
 * tools made (Sun's mdgen for OpenSPARC T1) and hand-made bad variants
 * (traces/testdata/README.md): they run end to end, their maps equal the
 * host computation of the MD the guest was handed last over the present
 * cpus, a guest NULL dereference is a verdict naming the function and PC,
 * stale core_sib bits after a removal are a finding of their own, md stat
 * and the trace format agree on a missing max-cpus, and trace check prints
 * the file's own format version.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench/run.h"
#include "traces/md.h"
#include "traces/md_shape.h"
#include "tests/util.h"

#define TD "traces/testdata/"

struct outcome {
	int status; /* exit status of ldomsim run */
	json_t *doc;
	char out[8192]; /* its standard output (the summary) */
};

/* `ldomsim run TRACE --json F`: exit status, result, summary. */
static void run_capture(const char *name, struct outcome *o)
{
	char json[512], cmd[1200];
	test_tmpfile(json, sizeof json, name);
	snprintf(cmd, sizeof cmd, "build/ldomsim run " TD "%s/trace.json --json %s 2>&1", name,
	         json);
	o->status = test_run(cmd, o->out, sizeof o->out);
	json_error_t je;
	o->doc = json_load_file(json, 0, &je);
	cr_assert_not_null(o->doc, "%s: no result (%s): %s", name, je.text, o->out);
}

static const char *verdict(const struct outcome *o)
{
	return json_string_value(json_object_get(o->doc, "verdict"));
}

static json_int_t topo_int(const struct outcome *o, const char *field)
{
	json_t *v = json_object_get(json_object_get(o->doc, "topology"), field);
	cr_assert(json_is_integer(v), "topology.%s is not an integer", field);
	return json_integer_value(v);
}

/* The result validates against bench/result.schema.json (python3
 * jsonschema, as tests/test_run.c uses it). */
static void schema_ok(const struct outcome *o)
{
	char path[512], cmd[2048];
	test_tmpfile(path, sizeof path, "schema");
	cr_assert_eq(json_dump_file(o->doc, path, JSON_COMPACT), 0);
	static const char prog[] =
	    "import json, sys, jsonschema\n"
	    "s = json.load(open(\"bench/result.schema.json\"))\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "e = next(jsonschema.Draft202012Validator(s).iter_errors(d), None)\n"
	    "e and print(e.json_path, e.message[:300])\n"
	    "sys.exit(1 if e else 0)";
	snprintf(cmd, sizeof cmd,
	         "for py in python3 /usr/bin/python3; do "
	         "if $py -c 'import jsonschema' 2>/dev/null; then exec $py -c '%s' %s; fi; "
	         "done; exit 3",
	         prog, path);
	int st = test_sh("%s", cmd);
	cr_assert_neq(st, 3, "no python3 with jsonschema (scripts/deps.sh)");
	cr_expect_eq(st, 0, "the result does not validate against the schema");
}

/* A run that did what its trace asked with maps equal to the host's. */
static void expect_true_ok(const char *name, json_int_t generation, struct outcome *o)
{
	run_capture(name, o);
	cr_expect_eq(o->status, 0, "%s: exit %d: %s", name, o->status, o->out);
	cr_expect_str_eq(verdict(o), "ok", "%s", name);
	cr_expect(json_is_true(json_object_get(o->doc, "ok")), "%s", name);
	cr_expect_eq(
	    topo_int(o, "differences"), 0, "%s: %s", name,
	    json_string_value(json_object_get(json_object_get(o->doc, "topology"), "report")));
	cr_expect(
	    json_is_false(json_object_get(json_object_get(o->doc, "topology"), "host_refused")),
	    "%s", name);
	cr_expect_eq(topo_int(o, "generation"), generation, "%s compares the MD handed last", name);
	schema_ok(o);
}

Test(realdata, real_mds_run_end_to_end_with_maps_equal_to_the_host, .timeout = 300)
{
	static const struct {
		const char *name;
		unsigned cpus;
	} caps[] = {{"t1-real-1up-1g2p", 1}, {"t1-real-1g2p-1g32p", 30}};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		struct outcome o;
		expect_true_ok(caps[i].name, 2, &o);
		/* every requested cpu came online */
		json_t *op = json_array_get(json_object_get(o.doc, "operations"), 1);
		json_t *cpus = json_object_get(op, "cpus"), *c;
		size_t k, online = 0;
		json_array_foreach(cpus, k, c) online +=
		    json_is_integer(json_object_get(c, "latency_ns"));
		cr_expect_eq(online, caps[i].cpus, "%s: %zu of %u cpus online", caps[i].name,
		             online, caps[i].cpus);
		cr_expect_eq(topo_int(&o, "stale_bits"), 0, "%s", caps[i].name);
		json_decref(o.doc);
	}
}

/* The copied MDs are Sun's, byte for byte (README.md's sha256). */
Test(realdata, copied_mds_keep_their_provenance)
{
	static const struct {
		const char *file, *sha;
	} mds[] = {
	    {TD "t1-real-1up-1g2p/md-gen1.bin",
	     "e24ffc81b03864e9dd02472283da0f4c18411df8c16bad1420c3642265b3689d"},
	    {TD "t1-real-1up-1g2p/md-gen2.bin",
	     "97a131f8871c646399ded72417663cc0fca1a3e6a7534a74ac9fa94a48945bdf"},
	    {TD "t1-real-1g2p-1g32p/md-gen2.bin",
	     "2d605310aa831dfe4b44a93d47efa4cb69e661d520ddac64241fc16dc0b264cd"},
	};
	char *readme = test_slurp(TD "README.md");
	for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++) {
		char cmd[512], out[128];
		snprintf(cmd, sizeof cmd, "sha256sum %s", mds[i].file);
		cr_assert_eq(test_run(cmd, out, sizeof out), 0);
		cr_expect_eq(strncmp(out, mds[i].sha, 64), 0, "%s", mds[i].file);
		cr_expect_not_null(strstr(readme, mds[i].sha), "README.md records %s", mds[i].sha);
	}
	free(readme);
}

Test(realdata, cache_without_level_is_a_null_dereference_in_fill_in_one_cache, .timeout = 120)
{
	struct outcome o;
	run_capture("t2-cache-no-level", &o);
	cr_expect_eq(o.status, 1, "a verdict is exit 1: %s", o.out);
	cr_expect(json_is_false(json_object_get(o.doc, "ok")));
	const char *v = verdict(&o);
	cr_expect_not_null(strstr(v, "NULL pointer dereference: load from 0x0"), "%s", v);
	cr_expect_not_null(strstr(v, "at fill_in_one_cache+0x"), "%s", v);
	cr_expect_not_null(strstr(v, ", pc 0x"), "%s", v);
	/* the host refuses that MD: said so, never a negative difference count */
	cr_expect(
	    json_is_true(json_object_get(json_object_get(o.doc, "topology"), "host_refused")));
	cr_expect_eq(topo_int(&o, "differences"), 0);
	schema_ok(&o);
	json_decref(o.doc);
}

/* An empty cache node serves no cpu, so fill_in_one_cache never meets it;
 * set_core_ids (inlined into mdesc_fill_in_cpu_data) reads its missing
 * level: Linux oopses there. */
Test(realdata, empty_cache_node_is_a_null_dereference_in_set_core_ids, .timeout = 120)
{
	struct outcome o;
	run_capture("t2-empty-cache-node", &o);
	cr_expect_eq(o.status, 1, "%s", o.out);
	const char *v = verdict(&o);
	cr_expect_not_null(strstr(v, "NULL pointer dereference: load from 0x0"), "%s", v);
	cr_expect_not_null(strstr(v, "at mdesc_fill_in_cpu_data+0x"), "%s", v);
	cr_expect_null(strstr(v, "fill_in_one_cache"), "%s", v);
	json_decref(o.doc);
}

Test(realdata, md_update_adding_a_cpu_without_configure_is_ok, .timeout = 120)
{
	struct outcome o;
	expect_true_ok("t1-real-md-update-only", 2, &o);
	json_decref(o.doc);
}

Test(realdata, unconfigure_before_its_md_update_is_ok_and_reports_stale_bits, .timeout = 120)
{
	static const char *const caps[] = {"t1-real-unconfigure-no-md-update",
	                                   "t1-real-unconfigure-gen1-only"};
	for (size_t i = 0; i < 2; i++) {
		struct outcome o;
		expect_true_ok(caps[i], 1, &o);
		/* cpu 0's cpu_core_sib_map and cpu_core_sib_cache_map keep cpu 1 */
		cr_expect_eq(topo_int(&o, "stale_bits"), 2, "%s", caps[i]);
		const char *sr = json_string_value(
		    json_object_get(json_object_get(o.doc, "topology"), "stale_report"));
		cr_expect_not_null(strstr(sr, "(1)"), "%s", sr);
		cr_expect_not_null(strstr(o.out, "  topology: 2 stale bits"), "summary line: %s",
		                   o.out);
		json_decref(o.doc);
	}
}

/* Differences count strands, and the report has no trailing separator:
 * after a run, hand the guest a T2 MD (cache nodes: other ids) without
 * the configure that would apply it. */
Test(realdata, differences_count_strands_without_trailing_separator, .timeout = 120)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024], rep[1024];
	test_run_cfg(&cfg, TD "t1-real-1g2p-1g32p/trace.json");
	cfg.no_profile = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	cr_assert(bench_run_ok(r));
	cr_expect_eq(bench_run_topology_check(r, rep, sizeof rep), 0, "%s", rep);
	struct md_shape *sh;
	struct md_err me;
	struct md_buf mb = {0};
	uint32_t ids[32];
	for (unsigned i = 0; i < 32; i++)
		ids[i] = i;
	cr_assert_eq(md_shape_get("t2", &sh, &me), 0, "%s", me.msg);
	cr_assert_eq(md_gen(sh, ids, 32, &mb, &me), 0, "%s", me.msg);
	md_shape_free(sh);
	cr_assert_eq(bench_run_publish_md(r, mb.data, mb.len), 0);
	md_buf_free(&mb);
	size_t d = bench_run_topology_check(r, rep, sizeof rep);
	cr_expect_eq(d, 32, "32 strands differ (not one per id or map): %zu: %s", d, rep);
	size_t n = strlen(rep);
	cr_expect(n > 2 && rep[n - 1] != ' ' && rep[n - 2] != ';', "trailing separator: '%s'", rep);
	bench_run_free(r);
}

Test(realdata, md_stat_and_trace_agree_on_a_missing_max_cpus)
{
	char out[4096];
	cr_assert_eq(test_run("build/ldomsim md stat --json " TD "t1-real-1up-1g2p/md-gen1.bin",
	                      out, sizeof out),
	             0);
	json_t *j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_expect_eq(json_integer_value(json_object_get(j, "max_cpus")), 64, "%s", out);
	cr_expect(json_is_true(json_object_get(j, "max_cpus_absent")));
	json_decref(j);
	cr_assert_eq(
	    test_run("build/ldomsim md stat " TD "t1-real-1up-1g2p/md-gen1.bin", out, sizeof out),
	    0);
	cr_expect_not_null(strstr(out, "max-cpus 64 (absent"), "%s", out);
	cr_assert_eq(test_run("build/ldomsim trace check " TD "t1-real-1up-1g2p/trace.json", out,
	                      sizeof out),
	             0, "%s", out);
	cr_expect_not_null(strstr(out, "max-cpus 64,"), "%s", out);
}

Test(realdata, trace_check_prints_the_files_format_version)
{
	char out[4096], dir[512];
	cr_assert_eq(test_run("build/ldomsim trace check " TD "t1-real-1up-1g2p/trace.json", out,
	                      sizeof out),
	             0, "%s", out);
	cr_expect_not_null(strstr(out, "format 1.0,"), "%s", out);
	/* the same trace declared 1.1 (allowed: a minor only adds) */
	test_tmpdir(dir, sizeof dir, "v11");
	cr_assert_eq(test_sh("cp " TD "t1-real-1up-1g2p/* %s/ && sed -i 's/\"version\": \\[1,0\\]/"
	                     "\"version\": [1,1]/' %s/trace.json",
	                     dir, dir),
	             0);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "build/ldomsim trace check %s/trace.json", dir);
	cr_assert_eq(test_run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect_not_null(strstr(out, "format 1.1,"), "%s", out);
}
