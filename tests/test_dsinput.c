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
#include "ds/ds.h"
#include "cli/options.h"
#include "tests/util.h"

/* The guest's DATA reply: its dr-cpu payload (the message must decode;
 * the payload may hold fewer records than it says). */
static struct ds_dr_cpu dr_reply(const uint8_t *rep, size_t len)
{
	struct ds_msg m;
	struct ds_dr_cpu d;
	char err[200] = "";
	cr_assert_eq(ds_decode(rep, len, &m, err, sizeof err), DS_OK, "%s", err);
	cr_assert_eq(m.type, DS_DATA);
	int rc = ds_dr_cpu_decode(m.payload, m.payload_len, 1, &d, err, sizeof err);
	cr_assert(rc == DS_OK || rc == DS_ERR_RECORDS, "%s", err);
	return d;
}

static struct ds_md_update md_reply(const uint8_t *rep, size_t len)
{
	struct ds_msg m;
	struct ds_md_update u;
	char err[200] = "";
	cr_assert_eq(ds_decode(rep, len, &m, err, sizeof err), DS_OK, "%s", err);
	cr_assert_eq(m.type, DS_DATA);
	cr_assert_eq(ds_md_update_decode(m.payload, m.payload_len, 1, &u, err, sizeof err), DS_OK,
	             "%s", err);
	return u;
}

/* An md-update request payload into b (8 bytes). */
static size_t md_req(uint8_t *b, uint64_t req)
{
	struct ds_md_update u = {.req_num = req};
	uint8_t *p;
	size_t n;
	cr_assert_eq(ds_md_update_encode(&u, 0, &p, &n), DS_OK);
	memcpy(b, p, n);
	free(p);
	return n;
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

/* A dr-cpu request payload into b (room for 16 + 4 n bytes). */
static size_t dr_req(uint8_t *b, uint64_t req, uint32_t type, const uint32_t *cpus, uint32_t n)
{
	uint8_t *p;
	size_t len;
	cr_assert_eq(ds_dr_cpu_encode_request(req, type, cpus, n, &p, &len), DS_OK);
	memcpy(b, p, len);
	free(p);
	return len;
}

Test(dsinput, configure_of_a_cpu_absent_from_the_md, .timeout = 120)
{
	struct bench_run *r = small_run();
	uint8_t b[64], *rep;
	size_t len;
	uint32_t cpus[] = {50};
	size_t n = dr_req(b, 77, DS_DR_CONFIGURE, cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "the real dr_cpu_configure answers");
	struct ds_dr_cpu d = dr_reply(rep, len);
	cr_expect_eq(d.req_num, 77, "req_num echoed");
	cr_expect_eq(d.type, DS_DR_OK, "DR_CPU_OK: per-cpu status carries the failure");
	cr_assert_eq(d.nfit, 1);
	cr_expect_eq(ds_dr_cpu_record(&d, 0).cpu, 50);
	cr_expect_eq(ds_dr_cpu_record(&d, 0).result, 4, "DR_CPU_RES_NOT_IN_MD");
	cr_expect_eq(ds_dr_cpu_record(&d, 0).stat, 0, "DR_CPU_STAT_NOT_PRESENT");
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
	struct ds_dr_cpu d = dr_reply(rep, len);
	cr_expect_eq(d.req_num, 78);
	cr_expect_eq(d.type, DS_DR_ERROR, "DR_CPU_ERROR");
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
	size_t n = dr_req(b, 79, DS_DR_CONFIGURE, cpus, 1);
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
	size_t n = dr_req(b, 80, DS_DR_CONFIGURE, cpus, 1);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep);
	struct ds_dr_cpu d = dr_reply(rep, len);
	cr_expect_eq(d.req_num, 80);
	cr_expect_eq(d.type, DS_DR_OK);
	cr_expect_eq(d.num_records, 0, "no records");
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
	size_t n = md_req(b, req);
	cr_assert_eq(bench_run_request(r, "md-update", b, n, -1, &rep, &len), 0);
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
	struct ds_dr_cpu d = dr_reply(rep, len);
	cr_assert_eq(d.type, DS_DR_OK);
	cr_assert_eq(d.num_records, n);
	cr_assert_eq(d.nfit, n);
	for (unsigned i = 0; i < n; i++) {
		struct ds_dr_record e = ds_dr_cpu_record(&d, i);
		cr_expect_eq(e.result, 0, "cpu %u result", e.cpu);
		cr_expect_eq(e.stat, want_stat, "cpu %u stat", e.cpu);
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

	dr(r, DS_DR_UNCONFIGURE, 160, 32, 100, 1); /* UNCONFIGURED */
	publish(r, 160, 101);
	cr_expect_eq(bench_run_topology_check(r, rep, sizeof rep), 0, "after -32: %s", rep);

	publish(r, 192, 102);
	dr(r, DS_DR_CONFIGURE, 160, 32, 103, 2); /* CONFIGURED again */
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
	dr(r, DS_DR_UNCONFIGURE, 32, 8, 200, 1);
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
	size_t n = dr_req(b, 300, DS_DR_UNCONFIGURE, cpus, 4);
	cr_assert_eq(bench_run_request(r, "dr-cpu", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep);
	struct ds_dr_cpu d = dr_reply(rep, len);
	cr_expect_eq(d.type, DS_DR_OK);
	cr_assert_eq(d.nfit, 2, "one entry per distinct cpu");
	cr_expect_eq(ds_dr_cpu_record(&d, 0).cpu, 36);
	cr_expect_eq(ds_dr_cpu_record(&d, 1).cpu, 37);
	cr_expect_eq(ds_dr_cpu_record(&d, 0).stat, 1, "UNCONFIGURED");
	cr_expect_eq(ds_dr_cpu_record(&d, 1).stat, 1, "UNCONFIGURED");
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
	size_t plen = dr_req(b, 301, DS_DR_CONFIGURE, cpus, n);
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
	size_t n = md_req(b, 400);
	cr_assert_eq(bench_run_request(r, "md-update", b, n, -1, &rep, &len), 0);
	cr_assert_not_null(rep, "md-update answered");
	cr_expect_eq(md_reply(rep, len).result, 0, "MD_UPDATE_SUCCESS");
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
	dr(r, DS_DR_FORCE_UNCONFIGURE, 38, 2, 500, 1); /* UNCONFIGURED */
	json_t *doc = bench_run_json(r, 0);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "online_mask")), "0-37");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "present_mask")), "0-37");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "hv_running_mask")), "0-37");
	json_decref(doc);
	cr_expect(bench_run_ok(r));
	bench_run_free(r);
}
