/*
 * tests/test_dsinput.c — DS requests the real ds.c gets after a run, and the
 * replies it writes: a cpu absent from the MD, an unknown request type, a
 * message shorter than its header claims. Each asserts the captured bytes.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/run.h"
#include "cli/options.h"
#include "tests/util.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* A domain of 32 T2 strands that grows to 40: cpus 40-63 are possible
 * (max-cpus 64) but in no MD. */
static struct bench_run *small_run(void)
{
	char path[600];
	test_gen_trace(path, sizeof path, "--shape t2 --present 32 --add 8");
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	test_run_cfg(&cfg, path);
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	cr_assert(bench_run_ok(r));
	return r;
}

/* dr-cpu request payload: {u64 req_num, u32 type, u32 n, u32 cpu[n]}. */
static size_t dr_req(uint8_t *b, uint64_t req, uint32_t type, const uint32_t *cpus, uint32_t n)
{
	put64(b, req);
	put32(b + 8, type);
	put32(b + 12, n);
	for (uint32_t i = 0; i < n; i++)
		put32(b + 16 + 4 * i, cpus[i]);
	return 16 + 4 * (size_t)n;
}

Test(dsinput, configure_of_a_cpu_absent_from_the_md, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	uint32_t cpus[] = {50};
	size_t n = dr_req(b, 77, 'C', cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "the real dr_cpu_configure answers");
	/* tag, handle, {req_num, type, num_records}, {cpu, result, stat, str_off} */
	cr_assert_geq(len, 48);
	cr_expect_eq(be64(rep + 16), 77, "req_num echoed");
	cr_expect_eq(be32(rep + 24), 'o', "DR_CPU_OK: per-cpu status carries the failure");
	cr_expect_eq(be32(rep + 28), 1);
	cr_expect_eq(be32(rep + 32), 50);
	cr_expect_eq(be32(rep + 36), 4, "DR_CPU_RES_NOT_IN_MD");
	cr_expect_eq(be32(rep + 40), 0, "DR_CPU_STAT_NOT_PRESENT");
	free(rep);
	bench_run_free(r);
}

Test(dsinput, unknown_request_type_gets_the_error_reply, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	uint32_t cpus[] = {33};
	size_t n = dr_req(b, 78, 'X', cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "dr_cpu_send_error answers");
	cr_expect_eq(be64(rep + 16), 78);
	cr_expect_eq(be32(rep + 24), 'e', "DR_CPU_ERROR");
	free(rep);
	bench_run_free(r);
}

/* A message shorter than its tag claims: ds_event reads what there is,
 * finds it short and drops it: no reply, and the guest keeps running. */
Test(dsinput, message_shorter_than_its_header_is_dropped, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	uint32_t cpus[] = {33};
	size_t n = dr_req(b, 79, 'C', cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, (int64_t)(8 + n + 64), &rep, &len), 0);
	cr_expect_null(rep);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
}

/* A cpu beyond nr_cpu_ids is skipped by dr_cpu_data: an empty mask, an
 * OK reply with no records. */
Test(dsinput, cpu_beyond_nr_cpu_ids_is_skipped, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	uint32_t cpus[] = {5000};
	size_t n = dr_req(b, 80, 'C', cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep);
	cr_expect_eq(be64(rep + 16), 80);
	cr_expect_eq(be32(rep + 24), 'o');
	cr_expect_eq(be32(rep + 28), 0, "no records");
	free(rep);
	bench_run_free(r);
}

/* The mixed scenario: add 64 (the trace), remove 32, add the same 32 back
 * (CPU_START of stopped cpus, new idle threads); after every step the
 * guest's maps equal the host computation from the MD the control domain
 * published. */
#include "traces/md.h"
#include "traces/md_shape.h"

static void publish(struct bench_run *r, unsigned ncpus, uint64_t req)
{
	struct md_shape *sh;
	struct md_err me;
	struct md_buf mb;
	uint32_t ids[256];
	for (unsigned i = 0; i < ncpus; i++)
		ids[i] = i;
	cr_assert_eq(md_shape_get("t4-4", &sh, &me), 0, "%s", me.msg);
	cr_assert_eq(md_gen(sh, ids, ncpus, &mb, &me), 0, "%s", me.msg);
	md_shape_free(sh);
	cr_assert_eq(bench_run_publish_md(r, mb.data, mb.len), 0);
	md_buf_free(&mb);
	uint8_t b[8], *rep;
	size_t len;
	put64(b, req);
	cr_assert_eq(bench_run_request(r, "md-update", b, 8, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "md-update answered");
	free(rep);
}

static void dr(struct bench_run *r, uint32_t type, unsigned first, unsigned n, uint64_t req,
               uint32_t want_stat)
{
	uint8_t b[16 + 4 * 64], *rep;
	uint32_t cpus[64];
	size_t len;
	for (unsigned i = 0; i < n; i++)
		cpus[i] = first + i;
	size_t plen = dr_req(b, req, type, cpus, n);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, plen, -1, &rep, &len), 0);
	cr_assert_not_null(rep);
	cr_assert_eq(be32(rep + 24), 'o');
	cr_assert_eq(be32(rep + 28), n);
	for (unsigned i = 0; i < n; i++) {
		cr_expect_eq(be32(rep + 32 + 16 * i + 4), 0, "cpu %u result",
		             be32(rep + 32 + 16 * i));
		cr_expect_eq(be32(rep + 32 + 16 * i + 8), want_stat, "cpu %u stat",
		             be32(rep + 32 + 16 * i));
	}
	free(rep);
}

Test(dsinput, add_64_remove_32_add_32_keeps_the_maps_right, .timeout = 300)
{
	char path[600], rep[1024];
	test_gen_trace(path, sizeof path, "--shape t4-4 --present 128 --add 64");
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	test_run_cfg(&cfg, path);
	cfg.no_profile = 1;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	cr_assert(bench_run_ok(r));
	cr_expect_eq(bench_run_topology_check(r, rep, sizeof rep), 0, "after +64: %s", rep);

	dr(r, 'U', 160, 32, 100, 1); /* UNCONFIGURED */
	publish(r, 160, 101);
	cr_expect_eq(bench_run_topology_check(r, rep, sizeof rep), 0, "after -32: %s", rep);

	publish(r, 192, 102);
	dr(r, 'C', 160, 32, 103, 2); /* CONFIGURED again */
	cr_expect_eq(bench_run_topology_check(r, rep, sizeof rep), 0, "after +32: %s", rep);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
}

/* ---- device interrupts: the real sun4v_build_irq and fixup_irqs ---- */

static struct bench_run *irq_run(const char *const *irqs, size_t n, char *err, size_t errlen)
{
	char path[600]; /* the run keeps its own copy */
	test_gen_trace(path, sizeof path, "--shape t2 --present 32 --add 8");
	struct bench_run_cfg cfg;
	struct bench_run *r = NULL;
	/* The strings as `run --irq` parses them. */
	static struct bench_irq typed[16];
	cr_assert_leq(n, 16);
	for (size_t i = 0; i < n; i++)
		if (cli_parse_irq(irqs[i], typed, i, &typed[i], err, errlen))
			return NULL;
	test_run_cfg(&cfg, path);
	cfg.no_profile = 1;
	cfg.irq = typed;
	cfg.nirq = n;
	if (bench_run(&cfg, &r, err, errlen))
		return NULL;
	return r;
}

/* interrupts[i].key of the run's result (a new reference). */
static json_t *irq_value(struct bench_run *r, size_t i, const char *key)
{
	json_t *doc = bench_run_json(r, 0);
	json_t *v = json_incref(
	    json_object_get(json_array_get(json_object_get(doc, "interrupts"), i), key));
	json_decref(doc);
	cr_assert_not_null(v, "interrupts[%zu].%s", i, key);
	return v;
}

static json_int_t irq_field(struct bench_run *r, size_t i, const char *key)
{
	json_t *v = irq_value(r, i, key);
	cr_assert(json_is_integer(v), "interrupts[%zu].%s is an integer", i, key);
	json_int_t x = json_integer_value(v);
	json_decref(v);
	return x;
}

static int irq_field_bool(struct bench_run *r, size_t i, const char *key)
{
	json_t *v = irq_value(r, i, key);
	cr_assert(json_is_boolean(v), "interrupts[%zu].%s is a boolean", i, key);
	int x = json_is_true(v);
	json_decref(v);
	return x;
}

/* Cpus 0-31 are online at boot, the trace configures 32-39, nr_cpu_ids is
 * 64. irq_choose_cpu: affinity ∩ online, its first cpu; if empty (or the
 * affinity equals the online mask over nr_cpu_ids bits) map_to_cpu(irq),
 * modelled as the (irq mod online)-th online cpu. */
Test(dsinput, interrupts_follow_their_affinity_through_add_and_remove, .timeout = 300)
{
	static const char *const irqs[] = {"0:1@32-39", "0:2@5", "1:7"};
	char err[1024];
	struct bench_run *r = irq_run(irqs, 3, err, sizeof err);
	cr_assert_not_null(r, "%s", err);
	cr_assert(bench_run_ok(r));
	json_int_t irq0 = irq_field(r, 0, "irq");
	cr_expect_gt(irq0, 0, "sun4v_build_irq gives a real irq number");
	cr_expect_neq(irq_field(r, 1, "irq"), irq0, "distinct sources, distinct irqs");
	/* 32-39 offline at boot: distributed by map_to_cpu; the configure's
	 * fixup_irqs moves it onto the first new cpu. */
	cr_expect_eq(irq_field(r, 0, "target_boot"), irq0 % 32);
	cr_expect_eq(irq_field(r, 0, "target_end"), 32);
	cr_expect_eq(irq_field(r, 0, "retargets"), 1);
	cr_expect_eq(irq_field(r, 1, "target_boot"), 5);
	cr_expect_eq(irq_field(r, 1, "target_end"), 5);
	cr_expect_eq(irq_field(r, 1, "retargets"), 0);
	cr_expect_eq(irq_field(r, 2, "target_end"), 0, "default affinity: first online cpu");

	cr_expect(irq_field_bool(r, 0, "target_running"));

	/* Removing 32-39: each victim's __cpu_disable runs fixup_irqs while
	 * the victim is still in cpu_online_mask (6.1 clears it after), so
	 * the interrupt steps 32 → 33 → ... → 39 and stays on 39, the last
	 * victim: a stopped strand. Found by this simulator; the test pins
	 * the real code's behaviour. */
	dr(r, 'U', 32, 8, 200, 1);
	cr_expect(bench_run_ok(r));
	cr_expect_eq(irq_field(r, 0, "target_end"), 39);
	cr_expect_eq(irq_field(r, 0, "retargets"), 1 + 7);
	cr_expect_not(irq_field_bool(r, 0, "target_running"), "hypervisor: cpu 39 is stopped");
	cr_expect_eq(irq_field(r, 1, "target_end"), 5);
	cr_expect(irq_field_bool(r, 1, "target_running"));
	bench_run_free(r);
}

Test(dsinput, bad_irq_specs_are_refused_by_name)
{
	static const char *const bad[] = {"8:1",      "0:256", "0:1@",  "0:1@5-3",
	                                  "0:1@4096", "x",     "0:1@1,"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[1024] = "";
		struct bench_run *r = irq_run(&bad[i], 1, err, sizeof err);
		cr_expect_null(r, "--irq %s accepted", bad[i]);
		cr_expect(strstr(err, bad[i]) != NULL, "error names '%s': %s", bad[i], err);
		bench_run_free(r);
	}
	static const char *const dup[] = {"0:1", "0:0x1"};
	char err[1024] = "";
	cr_expect_null(irq_run(dup, 2, err, sizeof err));
	cr_expect(strstr(err, "twice") != NULL, "%s", err);
}

/* Duplicates in a dr-cpu request: the real purge_dups drops them, the
 * reply has one entry per distinct cpu. */
Test(dsinput, duplicate_cpus_are_answered_once, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	const uint32_t cpus[] = {36, 36, 37, 36};
	size_t n = dr_req(b, 300, 'U', cpus, 4);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep);
	cr_expect_eq(be32(rep + 24), 'o');
	cr_assert_eq(be32(rep + 28), 2, "one entry per distinct cpu");
	cr_expect_eq(be32(rep + 32), 36);
	cr_expect_eq(be32(rep + 32 + 16), 37);
	cr_expect_eq(be32(rep + 32 + 8), 1, "UNCONFIGURED");
	cr_expect_eq(be32(rep + 32 + 16 + 8), 1, "UNCONFIGURED");
	free(rep);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
}

/* More cpus than NR_CPUS: 6.1's ds_event reads tag->len bytes into its
 * 4096-byte receive buffer without a bound; the simulator stops the
 * guest at the overrun and says so (no reply, a verdict, no host crash). */
Test(dsinput, more_cpus_than_nr_cpus_overruns_the_receive_buffer, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint32_t n = 4097, *cpus = malloc(n * sizeof *cpus);
	uint8_t *b = malloc(16 + 4 * (size_t)n), *rep = NULL;
	size_t len;
	cr_assert(cpus && b);
	for (uint32_t i = 0; i < n; i++)
		cpus[i] = i;
	size_t plen = dr_req(b, 301, 'C', cpus, n);
	bench_run_request(r, "dr-cpu", b, plen, -1, &rep, &len);
	cr_expect_null(rep, "no reply");
	cr_expect_not(bench_run_ok(r));
	json_t *doc = bench_run_json(r, 0);
	const char *v = json_string_value(json_object_get(doc, "verdict"));
	cr_expect(v && strstr(v, "overruns its heap buffer"), "%s", v);
	json_decref(doc);
	free(rep);
	free(cpus);
	free(b);
	bench_run_free(r);
}

/* MACH_DESC hands out a truncated MD (its header claims more than the
 * hypervisor returns, MACH_DESC's length says the truncated size). 6.1's
 * mdesc_update checks only status and real_len <= len, not the header:
 * it installs the MD and answers success. Found by this simulator; the
 * test pins the real code's behaviour, and the host side (which checks
 * the header) calls the MD unreadable. */
Test(dsinput, truncated_md_from_mach_desc_is_accepted_by_6_1, .timeout = 120)
{
	struct bench_run *r = small_run();
	struct md_shape *sh;
	struct md_err me;
	struct md_buf mb;
	uint32_t ids[40];
	char rep_text[256];
	for (unsigned i = 0; i < 40; i++)
		ids[i] = i;
	cr_assert_eq(md_shape_get("t2", &sh, &me), 0, "%s", me.msg);
	cr_assert_eq(md_gen(sh, ids, 40, &mb, &me), 0, "%s", me.msg);
	md_shape_free(sh);
	cr_assert_eq(bench_run_publish_md(r, mb.data, mb.len / 2), 0);
	md_buf_free(&mb);
	uint8_t b[8], *rep = NULL;
	size_t len;
	put64(b, 400);
	cr_assert_eq(bench_run_request(r, "md-update", b, 8, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "md-update answered");
	cr_expect_eq(be32(rep + 24), 0, "MD_UPDATE_SUCCESS");
	cr_expect(bench_run_ok(r));
	cr_expect_eq(bench_run_topology_check(r, rep_text, sizeof rep_text), SIZE_MAX,
	             "the host cannot read the published MD: %s", rep_text);
	free(rep);
	bench_run_free(r);
}

/* FORCE_UNCONFIGURE takes the same real path as UNCONFIGURE in 6.1's
 * dr_cpu_data (anything but CONFIGURE goes to dr_cpu_unconfigure). */
Test(dsinput, force_unconfigure_takes_cpus_down, .timeout = 120)
{
	struct bench_run *r = small_run();
	dr(r, 'F', 38, 2, 500, 1); /* UNCONFIGURED */
	json_t *doc = bench_run_json(r, 0);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")), "0-37");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "present_mask")), "0-37");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "hv_running_mask")), "0-37");
	json_decref(doc);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
}
