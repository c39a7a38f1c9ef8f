/*
 * Tests of the trace format (traces/trace.h): loading, canonical saving,
 * one test per error class (each asserting the file, JSON path and record
 * named in the message), the latency model, the ftrace parser and import.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "traces/md.h"
#include "traces/trace.h"
#include "tests/util.h"
#include "traces/trace_import.h"

/* ---- fixture: an 8-strand machine, 0-3 present, 4-5 added ---- */

static void build_md(const uint32_t *cpus, size_t n, struct md_buf *out)
{
	struct md_builder *b;
	md_bnode_t root, pl, cs, c;

	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "root", &root), MD_OK);
	cr_assert_eq(md_b_node(b, "platform", &pl), MD_OK);
	cr_assert_eq(md_b_u64(b, pl, "max-cpus", 8), MD_OK);
	cr_assert_eq(md_b_u64(b, pl, "stick-frequency", 1000000), MD_OK);
	cr_assert_eq(md_b_arc(b, root, "fwd", pl), MD_OK);
	cr_assert_eq(md_b_arc(b, pl, "back", root), MD_OK);
	cr_assert_eq(md_b_node(b, "cpus", &cs), MD_OK);
	cr_assert_eq(md_b_arc(b, root, "fwd", cs), MD_OK);
	cr_assert_eq(md_b_arc(b, cs, "back", root), MD_OK);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(md_b_node(b, "cpu", &c), MD_OK);
		cr_assert_eq(md_b_u64(b, c, "id", cpus[i]), MD_OK);
		cr_assert_eq(md_b_u64(b, c, "clock-frequency", 1000000000), MD_OK);
		cr_assert_eq(md_b_arc(b, cs, "fwd", c), MD_OK);
		cr_assert_eq(md_b_arc(b, c, "back", cs), MD_OK);
	}
	cr_assert_eq(md_b_finish(b, out), MD_OK);
	md_builder_free(b);
}

static const char fixture_json[] =
    "{\"format\": \"ldomsim-trace\", \"version\": [1, 0],\n"
    " \"machine\": {\"shape\": \"test\", \"sockets\": 1, \"cores_per_socket\": 2,\n"
    "   \"strands_per_core\": 4, \"max_cpus\": 8, \"cpi\": 1.5, \"clock_hz\": 1000000000,\n"
    "   \"stick_hz\": 1000000, \"costs\": {\"hotplug_prepare_ns\": 1, \"hotplug_online_ns\": 2,\n"
    "   \"hotplug_teardown_ns\": 3, \"udelay_granularity_ns\": 1000, \"udelay_overhead_ns\": 5,\n"
    "   \"jiffy_ns\": 10000000, \"sched_switch_ns\": 7, \"kthread_wakeup_ns\": 8,\n"
    "   \"ldc_msg_ns\": 9, \"ipi_ns\": 10, \"printk_ns\": 11}},\n"
    " \"md\": [{\"generation\": 1, \"file\": \"md-gen1.bin\", \"sha256\": \"%s\", \"size\": %zu},\n"
    "        {\"generation\": 2, \"file\": \"md-gen2.bin\", \"sha256\": \"%s\", \"size\": %zu}],\n"
    " \"scenario\": {\"present\": [0, 1, 2, 3], \"ds_strand\": 0, \"ops\": [\n"
    "   {\"t_ns\": 1000, \"op\": \"md-update\", \"req_num\": 1, \"generation\": 2},\n"
    "   {\"t_ns\": 2000, \"op\": \"configure\", \"req_num\": 2, \"cpus\": [5, 4]}]},\n"
    " \"ds\": [\n"
    "   {\"dir\": \"from-guest\", \"type\": \"INIT_REQ\", \"major\": 1, \"minor\": 0},\n"
    "   {\"dir\": \"to-guest\", \"type\": \"INIT_ACK\", \"minor\": 0},\n"
    "   {\"dir\": \"from-guest\", \"type\": \"REG_REQ\", \"handle\": 5, \"major\": 1, \"minor\": 0,"
    "    \"service\": \"md-update\"},\n"
    "   {\"dir\": \"from-guest\", \"type\": \"REG_REQ\", \"handle\": \"0x300000007\", \"major\": 1,"
    "    \"minor\": 0, \"service\": \"dr-cpu\"},\n"
    "   {\"dir\": \"to-guest\", \"type\": \"REG_ACK\", \"handle\": 5, \"minor\": 0},\n"
    "   {\"dir\": \"to-guest\", \"type\": \"REG_ACK\", \"handle\": \"0x300000007\", \"minor\": "
    "0},\n"
    "   {\"t_ns\": 1000, \"dir\": \"to-guest\", \"type\": \"DATA\", \"handle\": 5, \"service\":"
    "    \"md-update\", \"req_num\": 1},\n"
    "   {\"dir\": \"from-guest\", \"type\": \"DATA\", \"handle\": 5, \"service\": \"md-update\","
    "    \"req_num\": 1, \"result\": 0},\n"
    "   {\"t_ns\": 2000, \"dir\": \"to-guest\", \"type\": \"DATA\", \"handle\": \"0x300000007\","
    "    \"service\": \"dr-cpu\", \"req_num\": 2, \"req\": \"configure\", \"cpus\": [5, 4]},\n"
    "   {\"dir\": \"from-guest\", \"type\": \"DATA\", \"handle\": \"0x300000007\", \"service\":"
    "    \"dr-cpu\", \"req_num\": 2, \"resp\": \"ok\", \"entries\": [{\"cpu\": 4, \"result\": 0,"
    "    \"stat\": 2}, {\"cpu\": 5, \"result\": 0, \"stat\": 2}]}],\n"
    " \"hcalls\": [\n"
    "   {\"strand\": 0, \"fn\": 1, \"name\": \"mach_desc\", \"args\": [0, 0], \"status\": 6,"
    "    \"rets\": [\"0x400\"], \"latency_ns\": 2000},\n"
    "   {\"strand\": 0, \"fn\": 1, \"name\": \"mach_desc\", \"args\": [\"0x3e000000\", 1024],"
    "    \"status\": 0, \"rets\": [1024], \"latency_ns\": 15000},\n"
    "   {\"strand\": 0, \"fn\": 16, \"name\": \"cpu_start\", \"args\": [4, \"0x20000000\","
    "    \"0x20000000\", \"0x3f040100\"], \"status\": 0, \"rets\": [], \"latency_ns\": 30000},\n"
    "   {\"strand\": 4, \"t_ns\": 2500, \"fn\": 37, \"name\": \"mmu_map_perm_addr\", \"args\":"
    "    [\"0x400000\", 0, \"0x8000000020000761\", 3], \"status\": 0, \"rets\": [],"
    "    \"latency_ns\": 1800},\n"
    "   {\"strand\": 0, \"fn\": 16, \"name\": \"cpu_start\", \"args\": [5, \"0x20000000\","
    "    \"0x20000000\", \"0x3f050100\"], \"status\": 0, \"rets\": [], \"latency_ns\": 31000}],\n"
    " \"hcall_model\": {\"seed\": \"0x1234\", \"default\": {\"dist\": \"fixed\", \"ns\": 1000},\n"
    "   \"fns\": [{\"fn\": 16, \"name\": \"cpu_start\", \"dist\": \"lognormal\", \"median_ns\":"
    "    28000, \"sigma\": 0.35},\n"
    "    {\"fn\": 20, \"name\": \"cpu_qconf\", \"dist\": \"uniform\", \"min_ns\": 800,"
    "    \"max_ns\": 1000}]}}\n";

struct fx {
	char dir[512];
	char path[600];
	json_t *doc;
};

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void fx_init(struct fx *fx)
{
	static const uint32_t g1[] = {0, 1, 2, 3}, g2[] = {0, 1, 2, 3, 4, 5};
	struct md_buf m1 = {0}, m2 = {0};
	uint8_t h1[32], h2[32];
	char x1[65], x2[65], p[700], *text;
	json_error_t je;

	test_tmpdir(fx->dir, sizeof fx->dir, "trace");
	snprintf(fx->path, sizeof(fx->path), "%s/trace.json", fx->dir);
	build_md(g1, 4, &m1);
	build_md(g2, 6, &m2);
	snprintf(p, sizeof(p), "%s/md-gen1.bin", fx->dir);
	write_bytes(p, m1.data, m1.len);
	snprintf(p, sizeof(p), "%s/md-gen2.bin", fx->dir);
	write_bytes(p, m2.data, m2.len);
	trace_sha256(m1.data, m1.len, h1);
	trace_sha256(m2.data, m2.len, h2);
	trace_sha256_to_hex(h1, x1);
	trace_sha256_to_hex(h2, x2);
	cr_assert(asprintf(&text, fixture_json, x1, m1.len, x2, m2.len) > 0);
	fx->doc = json_loads(text, 0, &je);
	cr_assert_not_null(fx->doc, "fixture JSON: %s (line %d)", je.text, je.line);
	free(text);
	md_buf_free(&m1);
	md_buf_free(&m2);
}

static void fx_write(struct fx *fx)
{
	cr_assert_eq(json_dump_file(fx->doc, fx->path, JSON_INDENT(1) | JSON_PRESERVE_ORDER), 0);
}

static void fx_fini(struct fx *fx)
{
	char cmd[1200];

	json_decref(fx->doc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	cr_assert_eq(system(cmd), 0);
}

/* Write the (modified) fixture, load it, expect code and message parts. */
static void expect_error(struct fx *fx, enum trace_status code, const char *path_part,
                         const char *text_part)
{
	struct trace *t = (struct trace *)1;
	struct trace_error err;
	enum trace_status st;

	fx_write(fx);
	st = trace_load(fx->path, &t, &err);
	cr_assert_eq(st, code, "expected %s, got %s: %s", trace_strerror(code), trace_strerror(st),
	             err.msg);
	cr_assert_eq(err.code, code);
	cr_assert_null(t);
	cr_assert(strncmp(err.msg, fx->path, strlen(fx->path)) == 0, "file not named: %s", err.msg);
	if (path_part)
		cr_assert_not_null(strstr(err.msg, path_part), "'%s' not in: %s", path_part,
		                   err.msg);
	if (text_part)
		cr_assert_not_null(strstr(err.msg, text_part), "'%s' not in: %s", text_part,
		                   err.msg);
}

static json_t *at(json_t *doc, const char *a, size_t i)
{
	json_t *v = json_array_get(json_object_get(doc, a), i);

	cr_assert_not_null(v);
	return v;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	cr_assert_not_null(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* ---- valid traces ---- */

Test(trace, loads_a_trace_and_answers_every_accessor)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;
	size_t n;
	const struct trace_hcall *const *v;

	fx_init(&fx);
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_str_eq(trace_machine(t)->shape, "test");
	cr_assert_eq(trace_machine(t)->max_cpus, 8);
	cr_assert_eq(trace_machine(t)->costs.printk_ns, 11);
	cr_assert_eq(trace_md_count(t), 2);
	cr_assert_not_null(trace_md_gen(t, 2)->bytes);
	cr_assert_null(trace_md_gen(t, 3));
	cr_assert_eq(trace_present(t, &n)[3], 3);
	cr_assert_eq(n, 4);
	cr_assert_eq(trace_op_count(t), 2);
	cr_assert_eq(trace_op_at(t, 1)->kind, TRACE_OP_CONFIGURE);
	cr_assert_eq(trace_op_at(t, 1)->cpus[0], 5);
	cr_assert_eq(trace_ds_count(t), 10);
	cr_assert_eq(trace_ds_reply(t, 8), trace_ds_at(t, 9));
	cr_assert_eq(trace_ds_reply(t, 9), NULL);
	cr_assert_eq(trace_ds_at(t, 9)->entries[1].cpu, 5);
	cr_assert_eq(trace_ds_at(t, 3)->handle, 0x300000007ull);
	v = trace_hcalls_of_strand(t, 0, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(v[3]->args[0], 5);
	cr_assert_eq(trace_hcalls_of_strand(t, 4, &n)[0]->args[2], 0x8000000020000761ull);
	cr_assert_eq(trace_hcall_find(t, 0, 0x10, 1)->latency_ns, 31000);
	cr_assert_null(trace_hcall_find(t, 0, 0x10, 2));
	cr_assert_eq(trace_hcall_latency(t, 0, 0x10, 0), 30000);
	trace_free(t);
	fx_fini(&fx);
}

Test(trace, free_null_is_a_noop)
{
	trace_free(NULL);
	cr_assert_str_eq(trace_strerror(TRACE_OK), "success");
	cr_assert_str_neq(trace_strerror(TRACE_ERR_HASH), "unknown error");
}

Test(trace, round_trip_is_byte_identical)
{
	struct fx fx;
	struct trace *t, *t2;
	struct trace_error err;
	char p2[700], p3[700], *a, *b;
	size_t la, lb;

	fx_init(&fx);
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	snprintf(p2, sizeof(p2), "%s/sub/a.json", fx.dir);
	snprintf(p3, sizeof(p3), "%s/sub/b.json", fx.dir);
	cr_assert_eq(trace_save(t, p2, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_load(p2, &t2, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_save(t2, p3, &err), TRACE_OK, "%s", err.msg);
	a = read_all(p2, &la);
	b = read_all(p3, &lb);
	cr_assert_eq(la, lb);
	cr_assert(memcmp(a, b, la) == 0, "second save differs");
	cr_assert_not_null(strstr(a, "\"version\": [1,0]"));
	free(a);
	free(b);
	trace_free(t);
	trace_free(t2);
	fx_fini(&fx);
}

Test(trace, loads_from_memory_without_reading_the_md_files)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;
	char *text;

	fx_init(&fx);
	text = json_dumps(fx.doc, 0);
	cr_assert_eq(trace_load_mem(text, strlen(text), "mem.json", NULL, &t, &err), TRACE_OK, "%s",
	             err.msg);
	cr_assert_null(trace_md_gen(t, 1)->bytes);
	cr_assert_str_eq(trace_name(t), "mem.json");
	cr_assert_eq(strlen(trace_sha256_hex(t)), 64);
	trace_free(t);
	free(text);
	fx_fini(&fx);
}

Test(trace, model_is_deterministic_and_in_range)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;
	uint64_t a, b;

	fx_init(&fx);
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	a = trace_model_sample(t, 0x10, 7, 3);
	b = trace_model_sample(t, 0x10, 7, 3);
	cr_assert_eq(a, b);
	cr_assert(a > 1000 && a < 1000000, "lognormal sample %llu", (unsigned long long)a);
	cr_assert_neq(trace_model_sample(t, 0x10, 7, 4), a);
	for (uint32_t k = 0; k < 200; k++) {
		uint64_t u = trace_model_sample(t, 0x14, 3, k);

		cr_assert(u >= 800 && u <= 1000);
	}
	cr_assert_eq(trace_model_sample(t, 0x27, 0, 0), 1000); /* default: fixed */
	/* beyond the records, the model answers */
	cr_assert_eq(trace_hcall_latency(t, 0, 0x10, 2), trace_model_sample(t, 0x10, 0, 2));
	trace_free(t);
	fx_fini(&fx);
}

Test(trace, sha256_gives_the_known_answers)
{
	uint8_t h[32];
	char x[65];

	trace_sha256("abc", 3, h);
	trace_sha256_to_hex(h, x);
	cr_assert_str_eq(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	trace_sha256("", 0, h);
	trace_sha256_to_hex(h, x);
	cr_assert_str_eq(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	trace_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	trace_sha256_to_hex(h, x);
	cr_assert_str_eq(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(trace, raw_bytes_must_match_the_fields)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;

	fx_init(&fx);
	/* INIT_REQ {type 0, len 4, major 1, minor 0}, big-endian */
	json_object_set_new(at(fx.doc, "ds", 0), "raw", json_string("000000000000000400010000"));
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_ds_at(t, 0)->raw_len, 12);
	trace_free(t);
	json_object_set_new(at(fx.doc, "ds", 0), "raw", json_string("000000000000000400020000"));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.ds[0].raw", "at byte 9");
	fx_fini(&fx);
}

/* ---- one test per error class ---- */

Test(trace_reader, refuses_a_version_too_old_before_anything_else)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(fx.doc, "version", json_pack("[i,i]", 0, 9));
	/* checked first: even a broken rest of the document is not looked at */
	json_object_del(fx.doc, "machine");
	expect_error(&fx, TRACE_ERR_VERSION, "$.version", "version 0.9 is too old");
	expect_error(&fx, TRACE_ERR_VERSION, NULL, "reads versions 1.0 to 1.2");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_version_too_new)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(fx.doc, "version", json_pack("[i,i]", 2, 0));
	expect_error(&fx, TRACE_ERR_VERSION, "$.version", "version 2.0 is too new");
	json_object_set_new(fx.doc, "version", json_pack("[i,i]", 1, 3));
	expect_error(&fx, TRACE_ERR_VERSION, "$.version", "version 1.3 is too new");
	json_object_set_new(fx.doc, "version", json_string("1.0"));
	expect_error(&fx, TRACE_ERR_TYPE, "$.version", "[major, minor]");
	fx_fini(&fx);
}

Test(trace_reader, refuses_text_that_is_not_json_or_not_a_trace)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;

	fx_init(&fx);
	cr_assert_eq(trace_load_mem("{\"a\": ", 6, "x.json", NULL, &t, &err), TRACE_ERR_JSON);
	cr_assert_not_null(strstr(err.msg, "x.json: line 1"), "%s", err.msg);
	json_object_set_new(fx.doc, "format", json_string("something-else"));
	expect_error(&fx, TRACE_ERR_FORMAT, "$.format", "ldomsim-trace");
	cr_assert_eq(trace_load("/nonexistent/trace.json", &t, &err), TRACE_ERR_IO);
	cr_assert_not_null(strstr(err.msg, "/nonexistent/trace.json: cannot read"));
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_wrong_type_naming_path_and_record)
{
	struct fx fx;

	fx_init(&fx);
	json_array_set_new(json_object_get(at(fx.doc, "hcalls", 3), "args"), 1, json_real(1.5));
	expect_error(&fx, TRACE_ERR_TYPE, "$.hcalls[3].args[1]: expected an unsigned integer",
	             NULL);
	json_array_set_new(json_object_get(at(fx.doc, "hcalls", 3), "args"), 1, json_string("0xZ"));
	expect_error(&fx, TRACE_ERR_TYPE, "$.hcalls[3].args[1]", "hex");
	json_array_set_new(json_object_get(at(fx.doc, "hcalls", 3), "args"), 1, json_integer(0));
	json_object_set_new(json_object_get(fx.doc, "machine"), "cpi", json_string("fast"));
	expect_error(&fx, TRACE_ERR_TYPE, "$.machine.cpi", "expected a number");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_missing_required_field)
{
	struct fx fx;

	fx_init(&fx);
	json_object_del(json_object_get(json_object_get(fx.doc, "machine"), "costs"), "ipi_ns");
	expect_error(&fx, TRACE_ERR_MISSING, "$.machine.costs.ipi_ns", "missing required field");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_del(at(fx.doc, "hcalls", 2), "latency_ns");
	expect_error(&fx, TRACE_ERR_MISSING, "$.hcalls[2].latency_ns", NULL);
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_unknown_field)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 4), "colour", json_string("red"));
	expect_error(&fx, TRACE_ERR_FIELD, "$.ds[4].colour", "unknown field");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_value_out_of_range)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(json_object_get(fx.doc, "machine"), "max_cpus", json_integer(5000));
	expect_error(&fx, TRACE_ERR_RANGE, "$.machine.max_cpus", "out of range 1..4096");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(at(fx.doc, "hcalls", 0), "status", json_integer(99));
	expect_error(&fx, TRACE_ERR_RANGE, "$.hcalls[0].status", NULL);
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_cpu_out_of_range)
{
	struct fx fx;

	fx_init(&fx);
	json_array_set_new(
	    json_object_get(
	        json_array_get(json_object_get(json_object_get(fx.doc, "scenario"), "ops"), 1),
	        "cpus"),
	    1, json_integer(8));
	expect_error(&fx, TRACE_ERR_RANGE, "$.scenario.ops[1].cpus[1]",
	             "cpu 8 is not below the machine's max_cpus 8");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_md_whose_sha256_differs)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(
	    at(fx.doc, "md", 1), "sha256",
	    json_string("00000000000000000000000000000000000000000000000000000000000"
	                "00000"));
	expect_error(&fx, TRACE_ERR_HASH, "$.md[1].sha256", "md-gen2.bin has sha256");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_md_file_missing_or_resized)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "md", 0), "file", json_string("nope.bin"));
	expect_error(&fx, TRACE_ERR_IO, "$.md[0].file", "cannot read MD generation 1");
	json_object_set_new(at(fx.doc, "md", 0), "file", json_string("../md-gen1.bin"));
	expect_error(&fx, TRACE_ERR_RANGE, "$.md[0].file", "relative path");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(at(fx.doc, "md", 0), "size", json_integer(17));
	expect_error(&fx, TRACE_ERR_HASH, "$.md[0]", "the trace says 17");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_unknown_hypervisor_function)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "hcalls", 1), "fn", json_integer(0x99));
	expect_error(&fx, TRACE_ERR_NAME, "$.hcalls[1].fn", "unknown hypervisor function 0x99");
	json_object_set_new(at(fx.doc, "hcalls", 1), "fn", json_integer(0x10));
	expect_error(&fx, TRACE_ERR_NAME, "$.hcalls[1].name", "(\"cpu_start\")");
	fx_fini(&fx);
}

Test(trace_reader, refuses_more_hcall_arguments_than_the_function_takes)
{
	struct fx fx;

	fx_init(&fx);
	json_array_append_new(json_object_get(at(fx.doc, "hcalls", 0), "args"), json_integer(1));
	expect_error(&fx, TRACE_ERR_RANGE, "$.hcalls[0].args", "mach_desc takes at most 2");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_op_naming_an_md_generation_not_in_the_trace)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(fx.doc, "scenario"), "ops"), 0),
	    "generation", json_integer(7));
	expect_error(&fx, TRACE_ERR_REF, "$.scenario.ops[0].generation",
	             "MD generation 7 is not in $.md");
	fx_fini(&fx);
}

Test(trace_reader, refuses_md_generations_going_backwards)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(fx.doc, "scenario"), "ops"), 0),
	    "generation", json_integer(1));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.scenario.ops[0].generation",
	             "does not follow the generation 1 already published");
	fx_fini(&fx);
}

Test(trace, status_nack_and_unreg_messages_load)
{
	size_t len;
	char *text = read_all("traces/fuzz/corpus/trace/status-nack.json", &len);
	struct trace *t;
	struct trace_error err;
	const struct trace_ds_msg *m;

	cr_assert_eq(trace_load_mem(text, len, "status-nack.json", NULL, &t, &err), TRACE_OK, "%s",
	             err.msg);
	cr_assert_eq(trace_op_at(t, 2)->kind, TRACE_OP_STATUS);
	m = trace_ds_reply(t, trace_ds_count(t) - 4);
	cr_assert_not_null(m);
	cr_assert_eq(m->dr_type, TRACE_DR_ERROR);
	cr_assert_eq(trace_ds_at(t, trace_ds_count(t) - 2)->type, TRACE_DS_NACK);
	cr_assert_eq(trace_ds_at(t, trace_ds_count(t) - 2)->result, 3);
	trace_free(t);
	free(text);
}

Test(trace_reader, refuses_a_registration_before_the_handshake)
{
	struct fx fx;

	fx_init(&fx);
	json_array_remove(json_object_get(fx.doc, "ds"), 1); /* drop INIT_ACK */
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.ds[1]", "REG_REQ before the handshake");
	fx_fini(&fx);
}

Test(trace, scenario_ops_find_their_ds_requests_and_wire_bytes)
{
	struct fx fx;
	struct trace *t;
	struct trace_error err;
	uint8_t *b;
	size_t n;

	fx_init(&fx);
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_op_request_index(t, 1), 8);
	cr_assert_eq(trace_op_request(t, 0), trace_ds_at(t, 6));
	cr_assert_null(trace_op_request(t, 2));
	/* dr-cpu CONFIGURE {5, 4}: 32 + 2 x 4 bytes, big-endian */
	cr_assert_eq(trace_ds_wire(trace_op_request(t, 1), &b, &n), TRACE_OK);
	cr_assert_eq(n, 40);
	cr_assert_eq(b[3], 9);  /* DS_DATA */
	cr_assert_eq(b[7], 32); /* len = 40 - 8 */
	cr_assert_eq(b[11], 3); /* handle 0x300000007 */
	cr_assert_eq(b[15], 7);
	cr_assert_eq(b[23], 2);    /* req_num */
	cr_assert_eq(b[27], 0x43); /* 'C' */
	cr_assert_eq(b[31], 2);    /* two records */
	cr_assert_eq(b[35], 5);
	cr_assert_eq(b[39], 4);
	free(b);
	/* the reply: 32 + 2 x 16 bytes */
	cr_assert_eq(trace_ds_wire(trace_ds_reply(t, 8), &b, &n), TRACE_OK);
	cr_assert_eq(n, 64);
	cr_assert_eq(b[27], 0x6f); /* 'o' */
	cr_assert_eq(b[32 + 16 + 3], 5);
	cr_assert_eq(b[32 + 16 + 11], 2); /* CONFIGURED */
	free(b);
	trace_free(t);
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_unknown_request_name)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 8), "req", json_string("explode"));
	expect_error(&fx, TRACE_ERR_NAME, "$.ds[8].req", "unknown dr-cpu request");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 1), "type", json_string("HELLO"));
	expect_error(&fx, TRACE_ERR_NAME, "$.ds[1].type", "unknown DS message type");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(json_object_get(fx.doc, "hcall_model"), "default",
	                    json_pack("{s:s}", "dist", "pareto"));
	expect_error(&fx, TRACE_ERR_NAME, "$.hcall_model.default.dist", "unknown distribution");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_message_on_an_unregistered_ds_handle)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 6), "handle", json_integer(6));
	expect_error(&fx, TRACE_ERR_REF, "$.ds[6]", "handle 0x6");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_ds_request_that_differs_from_the_scenario)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 8), "cpus", json_pack("[i]", 4));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.ds[8]", "differs from $.scenario.ops[1]");
	fx_fini(&fx);
}

Test(trace_reader, refuses_reply_entries_inconsistent_with_the_request)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(json_array_get(json_object_get(at(fx.doc, "ds", 9), "entries"), 1),
	                    "cpu", json_integer(6));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.ds[9].entries[1]", "cpu 6, expected 5");
	fx_fini(&fx);
	fx_init(&fx);
	/* cpu 3 is already present: configuring it "OK" contradicts the scenario */
	json_object_set_new(at(fx.doc, "ds", 8), "cpus", json_pack("[i,i]", 5, 3));
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(fx.doc, "scenario"), "ops"), 1), "cpus",
	    json_pack("[i,i]", 5, 3));
	json_object_set_new(json_array_get(json_object_get(at(fx.doc, "ds", 9), "entries"), 0),
	                    "cpu", json_integer(3));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.ds[9].entries[0]", "already present");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_request_without_a_reply)
{
	struct fx fx;

	fx_init(&fx);
	json_array_remove(json_object_get(fx.doc, "ds"), 9);
	expect_error(&fx, TRACE_ERR_REF, "$.ds[8]", "no reply from the guest with req_num 2");
	fx_fini(&fx);
}

Test(trace_reader, refuses_a_reply_without_its_request)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "ds", 7), "req_num", json_integer(42));
	expect_error(&fx, TRACE_ERR_REF, "$.ds[6]", "no reply from the guest with req_num 1");
	fx_fini(&fx);
	fx_init(&fx);
	json_array_append_new(json_object_get(fx.doc, "ds"),
	                      json_pack("{s:s, s:s, s:i, s:s, s:i, s:i}", "dir", "from-guest",
	                                "type", "DATA", "handle", 5, "service", "md-update",
	                                "req_num", 77, "result", 0));
	expect_error(&fx, TRACE_ERR_REF, "$.ds[10]", "answers no earlier request");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_hcall_on_a_strand_never_present)
{
	struct fx fx;

	fx_init(&fx);
	json_object_set_new(at(fx.doc, "hcalls", 3), "strand", json_integer(7));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.hcalls[3].strand", "strand 7");
	fx_fini(&fx);
}

Test(trace_reader, refuses_an_md_invalid_or_disagreeing_with_the_trace)
{
	struct fx fx;
	char p[700];
	uint8_t junk[64], h[32];
	char x[65];

	fx_init(&fx);
	memset(junk, 0xee, sizeof(junk));
	snprintf(p, sizeof(p), "%s/md-gen2.bin", fx.dir);
	write_bytes(p, junk, sizeof(junk));
	trace_sha256(junk, sizeof(junk), h);
	trace_sha256_to_hex(h, x);
	json_object_set_new(at(fx.doc, "md", 1), "sha256", json_string(x));
	json_object_set_new(at(fx.doc, "md", 1), "size", json_integer(sizeof(junk)));
	expect_error(&fx, TRACE_ERR_MD, "$.md[1].file", "md-gen2.bin");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(json_object_get(fx.doc, "scenario"), "present",
	                    json_pack("[i,i,i]", 0, 1, 2));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.scenario.present",
	             "cpu 3 is in MD generation 1 but not present");
	fx_fini(&fx);
	fx_init(&fx);
	json_object_set_new(json_object_get(fx.doc, "machine"), "clock_hz", json_integer(5));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.machine.clock_hz", "clock-frequency");
	fx_fini(&fx);
}

/* ---- ftrace function_graph parsing and import ---- */

Test(trace_import, parses_ftrace_lines_of_each_kind)
{
	struct trace_ftrace_line l;

	cr_assert_eq(trace_ftrace_parse_line("# tracer: function_graph\n", &l), TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_SKIP);
	cr_assert_eq(
	    trace_ftrace_parse_line("  215.497480 |   0)   kworker-87    |   0.521 us    |      "
	                            "sun4v_cpu_start();\n",
	                            &l),
	    TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_LEAF);
	cr_assert_eq(l.time_ns, 215497480000ull);
	cr_assert_eq(l.cpu, 0);
	cr_assert_str_eq(l.proc, "kworker-87");
	cr_assert_eq(l.duration_ns, 521);
	cr_assert_eq(l.depth, 2);
	cr_assert_str_eq(l.func, "sun4v_cpu_start");
	cr_assert_eq(trace_ftrace_parse_line(
	                 "  215.500000 |  12)   kworker-87    | + 12.345 us   |    }\n", &l),
	             TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_EXIT);
	cr_assert_eq(l.cpu, 12);
	cr_assert_eq(l.duration_ns, 12345);
	cr_assert_eq(
	    trace_ftrace_parse_line("  215.600000 |   1)   kworker-87    | ! 245.100 us  |  } /* "
	                            "dr_cpu_configure */\n",
	                            &l),
	    TRACE_OK);
	cr_assert_eq(l.duration_ns, 245100);
	cr_assert_str_eq(l.func, "dr_cpu_configure");
	cr_assert_eq(
	    trace_ftrace_parse_line(
	        "  215.497474 |   0)   kworker-87    |               |  dr_cpu_data() {\n", &l),
	    TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_ENTRY);
	cr_assert_eq(l.has_duration, 0);
	cr_assert_eq(
	    trace_ftrace_parse_line(
	        "  215.497474 |   0)   kworker-87    |               |  /* hello */\n", &l),
	    TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_COMMENT);
	cr_assert_eq(trace_ftrace_parse_line(" 0)   kworker-87    =>    <idle>-0    \n", &l),
	             TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_SKIP);
	cr_assert_eq(trace_ftrace_parse_line(" ------------------------------------------\n", &l),
	             TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_SKIP);
	/* without funcgraph-proc */
	cr_assert_eq(trace_ftrace_parse_line(" 3)   1.200 us    |  sun4v_mach_desc();\n", &l),
	             TRACE_OK);
	cr_assert_eq(l.kind, TRACE_FTRACE_LEAF);
	cr_assert_eq(l.has_time, 0);
	cr_assert_eq(l.duration_ns, 1200);
	cr_assert_eq(trace_ftrace_parse_line("garbage here\n", &l), TRACE_ERR_JSON);
}

static void tmpdir(char *buf, size_t n)
{
	test_tmpdir(buf, n, "trace");
}

static void rm_rf(const char *dir)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static struct trace *import_capture(const char *capture, char *dir, size_t n)
{
	char *argv[] = {"trace", "import", (char *)capture, "-o", dir, NULL};
	char path[700];
	struct trace *t;
	struct trace_error err;

	tmpdir(dir, n);
	cr_assert_eq(trace_cmd_main(5, argv), 0);
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	cr_assert_eq(trace_load(path, &t, &err), TRACE_OK, "%s", err.msg);
	return t;
}

Test(trace_import, kprobe_capture_gives_the_expected_hcalls)
{
	char dir[512];
	struct trace *t =
	    import_capture("traces/testdata/import/capture-kprobes", dir, sizeof(dir));
	const struct trace_hcall *const *v;
	size_t n;

	cr_assert_eq(trace_hcall_count(t), 12);
	v = trace_hcalls_of_strand(t, 0, &n);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(v[0]->name, "mach_desc");
	cr_assert_eq(v[0]->status, 6); /* the size query: EINVAL */
	cr_assert_eq(v[0]->nargs, 2);
	cr_assert_eq(v[0]->latency_ns, 2000);
	cr_assert_eq(v[1]->args[0], 0x3e800000);
	cr_assert_eq(v[1]->args[1], 0x6370);
	cr_assert_eq(v[1]->latency_ns, 16000);
	cr_assert_str_eq(v[2]->name, "cpu_start");
	cr_assert_eq(v[2]->args[0], 4);
	cr_assert_eq(v[2]->args[3], 0x3f040100);
	cr_assert_eq(v[2]->latency_ns, 29000);
	cr_assert_eq(v[3]->args[0], 5);
	cr_assert_eq(v[3]->latency_ns, 31000);
	v = trace_hcalls_of_strand(t, 5, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(v[3]->fn, 0x14);
	cr_assert_eq(v[3]->args[0], 0x3f);
	cr_assert_eq(v[3]->args[2], 4);
	cr_assert_eq(v[3]->latency_ns, 1000); /* kprobe times: microsecond resolution */
	/* the operations come from the kernel log, grouped by dr_cpu_configure */
	cr_assert_eq(trace_op_count(t), 2);
	cr_assert_eq(trace_op_at(t, 0)->kind, TRACE_OP_MD_UPDATE);
	cr_assert_eq(trace_op_at(t, 1)->kind, TRACE_OP_CONFIGURE);
	cr_assert_eq(trace_op_at(t, 1)->ncpus, 2);
	cr_assert_eq(trace_op_at(t, 1)->t_ns - trace_op_at(t, 0)->t_ns, 14900000);
	cr_assert_str_eq(trace_machine(t)->shape, "param-1x2x4");
	cr_assert_eq(trace_md_count(t), 2);
	trace_free(t);
	rm_rf(dir);
}

Test(trace_import, function_graph_capture_uses_wrapper_durations)
{
	char dir[512], dir2[512], p1[700], p2[700], *a, *b;
	size_t la, lb;
	struct trace *t = import_capture("traces/testdata/import/capture-graph", dir, sizeof(dir));
	struct trace *t2;
	const struct trace_hcall *const *v;
	size_t n;

	cr_assert_eq(trace_hcall_count(t), 12, "%zu records in %s", trace_hcall_count(t), dir);
	v = trace_hcalls_of_strand(t, 4, &n);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(v[i]->name, "cpu_qconf");
		cr_assert_eq(v[i]->latency_ns, 1000 + 100 * i); /* ns precision from DURATION */
		cr_assert_eq(v[i]->nargs, 0);
	}
	v = trace_hcalls_of_strand(t, 0, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(v[1]->latency_ns, 16000);
	cr_assert_eq(v[1]->t_ns + 16000 <= trace_op_at(t, 1)->t_ns, 1);
	/* deterministic */
	t2 = import_capture("traces/testdata/import/capture-graph", dir2, sizeof(dir2));
	snprintf(p1, sizeof(p1), "%s/trace.json", dir);
	snprintf(p2, sizeof(p2), "%s/trace.json", dir2);
	a = read_all(p1, &la);
	b = read_all(p2, &lb);
	cr_assert(la == lb && !memcmp(a, b, la));
	free(a);
	free(b);
	trace_free(t);
	trace_free(t2);
	rm_rf(dir);
	rm_rf(dir2);
}

Test(trace_import, imports_a_removal_capture)
{
	char dir[512];
	struct trace *t = import_capture("traces/testdata/import/capture-remove", dir, sizeof(dir));
	const struct trace_hcall *const *v;
	size_t n;

	cr_assert_eq(trace_ds_strand(t), 1); /* where dr_cpu_data ran */
	cr_assert_eq(trace_op_count(t), 2);
	cr_assert_eq(trace_op_at(t, 0)->kind, TRACE_OP_UNCONFIGURE);
	cr_assert_eq(trace_op_at(t, 0)->ncpus, 2);
	cr_assert_eq(trace_op_at(t, 1)->kind, TRACE_OP_MD_UPDATE);
	cr_assert_eq(trace_op_at(t, 1)->generation, 2);
	trace_present(t, &n);
	cr_assert_eq(n, 6);
	v = trace_hcalls_of_strand(t, 1, &n);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(v[0]->name, "cpu_stop");
	cr_assert_eq(v[0]->args[0], 4);
	cr_assert_eq(v[1]->args[0], 5);
	cr_assert_eq(v[1]->latency_ns, 45000);
	v = trace_hcalls_of_strand(t, 5, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(v[2]->args[0], 0x3e);
	cr_assert_eq(v[2]->args[2], 0); /* queues removed */
	trace_free(t);
	rm_rf(dir);
}

Test(trace_import, failed_startup_is_a_failure_entry)
{
	char dir[512], cap[600], cmd[2400], path[700];
	char *argv[] = {"trace", "import", cap, "-o", dir, NULL};
	struct trace *t;
	struct trace_error err;
	const struct trace_ds_msg *r;

	tmpdir(dir, sizeof(dir));
	tmpdir(cap, sizeof(cap));
	snprintf(
	    cmd, sizeof(cmd),
	    "cp traces/testdata/import/capture-kprobes/* '%s' && sed -i "
	    "'/Starting cpu 5/a [  215.516000] ds-1: CPU startup failed err=-5' '%s/dmesg.txt'",
	    cap, cap);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(trace_cmd_main(5, argv), 0);
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	cr_assert_eq(trace_load(path, &t, &err), TRACE_OK, "%s", err.msg);
	r = trace_ds_reply(t, trace_op_request_index(t, 1));
	cr_assert_not_null(r);
	cr_assert_eq(r->nentries, 2);
	cr_assert_eq(r->entries[0].result, 0);
	cr_assert_eq(r->entries[1].cpu, 5);
	cr_assert_eq(r->entries[1].result, 1); /* FAILURE */
	cr_assert_eq(r->entries[1].stat, 1);   /* UNCONFIGURED */
	trace_free(t);
	rm_rf(dir);
	rm_rf(cap);
}

Test(trace_import, bad_capture_is_refused)
{
	char dir[512], cap[600], p[1400];
	char *argv[] = {"trace", "import", cap, "-o", dir, NULL};
	FILE *f;

	tmpdir(dir, sizeof(dir));
	tmpdir(cap, sizeof(cap));
	cr_assert_eq(trace_cmd_main(5, argv), 2); /* no manifest */
	snprintf(p, sizeof(p), "%s/manifest.txt", cap);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs("format=something\n", f);
	fclose(f);
	cr_assert_eq(trace_cmd_main(5, argv), 2);
	/* a capture whose kernel log has no DR lines */
	snprintf(p, sizeof(p),
	         "cp traces/testdata/import/capture-graph/* '%s' && : > '%s/dmesg.txt'", cap, cap);
	cr_assert_eq(system(p), 0);
	cr_assert_eq(trace_cmd_main(5, argv), 2);
	rm_rf(dir);
	rm_rf(cap);
}

/* ---- trace gen and the shipped traces ---- */

static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = read_all(a, &la), *y = read_all(b, &lb);
	int same = la == lb && !memcmp(x, y, la);

	free(x);
	free(y);
	return same;
}

Test(trace_gen, is_deterministic_and_equal_to_the_shipped_default)
{
	char d1[512], d2[512], a[700], b[700];
	char *argv1[] = {"trace", "gen", "--shape", "t2", "--present", "56",
	                 "--add", "8",   "-o",      d1,   NULL};
	char *argv2[] = {"trace", "gen", "--shape", "t2", "--present", "0-55",
	                 "--add", "8",   "-o",      d2,   NULL};
	static const char *const files[] = {"trace.json", "md-gen1.bin", "md-gen2.bin"};

	tmpdir(d1, sizeof(d1));
	tmpdir(d2, sizeof(d2));
	cr_assert_eq(trace_cmd_main(10, argv1), 0);
	cr_assert_eq(trace_cmd_main(10, argv1), 0); /* again, over the first output */
	cr_assert_eq(trace_cmd_main(10, argv2), 0);
	for (size_t i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "%s/%s", d1, files[i]);
		snprintf(b, sizeof(b), "traces/default/%s", files[i]);
		cr_assert(same_file(a, b), "%s differs from the shipped %s", a, b);
		snprintf(b, sizeof(b), "%s/%s", d2, files[i]);
		/* a LIST naming the same strands gives the same MDs (the comment differs) */
		if (i)
			cr_assert(same_file(a, b), "%s differs from %s", a, b);
	}
	rm_rf(d1);
	rm_rf(d2);
}

Test(trace_gen, generates_removals_and_batched_requests)
{
	char d[512], p[700];
	char *argv[] = {"trace",    "gen", "--shape", "t4-4", "--present", "0-127", "--add", "16",
	                "--remove", "4",   "--batch", "5",    "-o",        d,       NULL};
	struct trace *t;
	struct trace_error err;
	size_t n;

	tmpdir(d, sizeof(d));
	cr_assert_eq(trace_cmd_main(14, argv), 0);
	snprintf(p, sizeof(p), "%s/trace.json", d);
	cr_assert_eq(trace_load(p, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_md_count(t), 3);
	/* md-update, 4 configure batches (5+5+5+1), 1 unconfigure (4), md-update */
	cr_assert_eq(trace_op_count(t), 7);
	cr_assert_eq(trace_op_at(t, 4)->ncpus, 1);
	cr_assert_eq(trace_op_at(t, 5)->kind, TRACE_OP_UNCONFIGURE);
	cr_assert_eq(trace_op_at(t, 5)->cpus[0], 140);
	cr_assert_eq(trace_op_at(t, 6)->generation, 3);
	cr_assert_eq(trace_hcalls_of_strand(t, 143, &n)[0]->fn, 0x25);
	cr_assert_eq(n,
	             8 + 4); /* bring-up (2 maps, fault area, enable, 4 qconf) + 4 qconf removals */
	cr_assert_not_null(trace_hcall_find(t, 0, 0x11, 3)); /* cpu_stop for each removed cpu */
	trace_free(t);
	rm_rf(d);
}

Test(trace_gen, usage_errors_exit_2)
{
	char *a1[] = {"trace", "gen", "--shape", "t2", "-o", "/nonexistent-ldomsim/x", NULL};
	char *a2[] = {"trace", "gen",   "--shape", "t2", "--present",
	              "60",    "--add", "8",       "-o", "/nonexistent-ldomsim/never",
	              NULL};
	char *a3[] = {"trace", "gen",   "--shape", "nope", "--present",
	              "6",     "--add", "8",       "-o",   "/nonexistent-ldomsim/never",
	              NULL};
	char *a4[] = {"trace", "check", NULL};
	char *a5[] = {"trace", "--help", NULL};

	cr_redirect_stderr();
	cr_redirect_stdout();
	cr_assert_eq(trace_cmd_main(6, a1), 2);
	cr_assert_eq(trace_cmd_main(10, a2), 2);
	cr_assert_eq(trace_cmd_main(10, a3), 2);
	cr_assert_eq(trace_cmd_main(2, a4), 2);
	cr_assert_eq(trace_cmd_main(2, a5), 0);
}

Test(trace_gen, shipped_traces_are_valid)
{
	static const char *const dirs[] = {"default", "t2", "t4-4", "t5-8", "m8-8", "m7-16"};
	static const uint32_t max[] = {64, 64, 256, 1024, 2048, 4096};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[96];
		struct trace *t;
		struct trace_error err;
		size_t n;

		snprintf(p, sizeof(p), "traces/%s/trace.json", dirs[i]);
		cr_assert_eq(trace_load(p, &t, &err), TRACE_OK, "%s", err.msg);
		cr_assert_eq(trace_machine(t)->max_cpus, max[i]);
		trace_present(t, &n);
		cr_assert_eq(n, i < 2 ? 56 : max[i] - 64);
		trace_free(t);
	}
}

/* ---- 1.1: scenario interrupts and faults ---- */

static void add_11_sections(struct fx *fx)
{
	json_t *sc = json_object_get(fx->doc, "scenario");
	json_object_set_new(fx->doc, "version", json_pack("[i,i]", 1, 1));
	json_object_set_new(sc, "interrupts",
	                    json_pack("[{sisis[ii]si}, {sisi}]", "devhandle", 1, "devino", 7,
	                              "affinity", 4, 5, "target", 2, "devhandle", 0, "devino", 3));
	json_object_set_new(
	    sc, "faults",
	    json_pack("[{sssisisi}]", "fn", "cpu_start", "status", 1, "count", 2, "cpu", 0));
}

Test(trace, interrupts_and_faults_load_and_round_trip)
{
	struct fx fx;
	struct trace *t, *t2;
	struct trace_error err;
	char p2[700], *a;
	size_t la;

	fx_init(&fx);
	add_11_sections(&fx);
	fx_write(&fx);
	cr_assert_eq(trace_load(fx.path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_irq_count(t), 2);
	const struct trace_irq *q = trace_irq_at(t, 0);
	cr_expect_eq(q->devhandle, 1);
	cr_expect_eq(q->devino, 7);
	cr_assert_eq(q->naffinity, 2);
	cr_expect_eq(q->affinity[1], 5);
	cr_expect(q->has_target);
	cr_expect_eq(q->target, 2);
	cr_expect_eq(trace_irq_at(t, 1)->naffinity, 0, "no affinity: every cpu");
	cr_expect_not(trace_irq_at(t, 1)->has_target);
	cr_assert_eq(trace_fault_count(t), 1);
	const struct trace_fault *f = trace_fault_at(t, 0);
	cr_expect_eq(f->fn, trace_hcall_fn_by_name("cpu_start")->fn);
	cr_expect_eq(f->status, 1);
	cr_expect_eq(f->count, 2);
	cr_expect_eq(f->cpu, 0);
	snprintf(p2, sizeof(p2), "%s/sub/a.json", fx.dir);
	cr_assert_eq(trace_save(t, p2, &err), TRACE_OK, "%s", err.msg);
	a = read_all(p2, &la);
	cr_expect_not_null(strstr(a, "\"version\": [1,1]"), "1.1 content is saved as 1.1");
	cr_assert_eq(trace_load(p2, &t2, &err), TRACE_OK, "%s", err.msg);
	cr_expect_eq(trace_irq_count(t2), 2);
	cr_expect_eq(trace_irq_at(t2, 0)->target, 2);
	cr_expect_eq(trace_fault_at(t2, 0)->count, 2);
	free(a);
	trace_free(t);
	trace_free(t2);
	fx_fini(&fx);
}

Test(trace_reader, checks_interrupts_and_faults_and_the_version_they_need)
{
	struct fx fx;

	fx_init(&fx);
	add_11_sections(&fx);
	json_object_set_new(fx.doc, "version", json_pack("[i,i]", 1, 0));
	expect_error(&fx, TRACE_ERR_FIELD, "$.scenario.interrupts",
	             "needs trace format version 1.1");
	add_11_sections(&fx);
	json_t *sc = json_object_get(fx.doc, "scenario");
	json_object_set_new(json_array_get(json_object_get(sc, "interrupts"), 1), "devhandle",
	                    json_integer(8));
	expect_error(&fx, TRACE_ERR_RANGE, "$.scenario.interrupts[1].devhandle", NULL);
	add_11_sections(&fx);
	sc = json_object_get(fx.doc, "scenario");
	json_object_set_new(json_array_get(json_object_get(sc, "interrupts"), 1), "devino",
	                    json_integer(7));
	json_object_set_new(json_array_get(json_object_get(sc, "interrupts"), 1), "devhandle",
	                    json_integer(1));
	expect_error(&fx, TRACE_ERR_CONSISTENCY, "$.scenario.interrupts[1].devino",
	             "already $.scenario.interrupts[0]");
	add_11_sections(&fx);
	sc = json_object_get(fx.doc, "scenario");
	json_object_set_new(json_array_get(json_object_get(sc, "faults"), 0), "fn",
	                    json_string("cpu_frobnicate"));
	expect_error(&fx, TRACE_ERR_NAME, "$.scenario.faults[0].fn", "cpu_frobnicate");
	add_11_sections(&fx);
	sc = json_object_get(fx.doc, "scenario");
	json_object_set_new(json_array_get(json_object_get(sc, "faults"), 0), "status",
	                    json_integer(0));
	expect_error(&fx, TRACE_ERR_RANGE, "$.scenario.faults[0].status", NULL);
	add_11_sections(&fx);
	sc = json_object_get(fx.doc, "scenario");
	json_object_set_new(json_array_get(json_object_get(sc, "interrupts"), 0), "colour",
	                    json_string("red"));
	expect_error(&fx, TRACE_ERR_FIELD, "$.scenario.interrupts[0].colour", "unknown field");
	fx_fini(&fx);
}
