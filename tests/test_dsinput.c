/*
 * tests/test_dsinput.c — DS requests the real ds.c gets after a run, and the
 * replies it writes: a cpu absent from the MD, an unknown request type, a
 * message shorter than its header claims. Each asserts the captured bytes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/run.h"

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
	char dir[] = "/tmp/ldomsim-dsin-XXXXXX", cmd[512], path[600];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim trace gen --shape t2 --present 32 --add 8 -o %s >/dev/null", dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof path, "%s/trace.json", dir);
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	bench_run_cfg_default(&cfg);
	cfg.trace = path;
	cfg.image = "build/guest/guest.elf";
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
		cr_expect_eq(be32(rep + 32 + 16 * i + 4), 0, "cpu %u result", be32(rep + 32 + 16 * i));
		cr_expect_eq(be32(rep + 32 + 16 * i + 8), want_stat, "cpu %u stat",
			     be32(rep + 32 + 16 * i));
	}
	free(rep);
}

Test(dsinput, add_64_remove_32_add_32_keeps_the_maps_right, .timeout = 300)
{
	char dir[] = "/tmp/ldomsim-mixed-XXXXXX", cmd[512], path[600], rep[1024];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd,
		 "build/ldomsim trace gen --shape t4-4 --present 128 --add 64 -o %s >/dev/null", dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof path, "%s/trace.json", dir);
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	bench_run_cfg_default(&cfg);
	cfg.trace = path;
	cfg.image = "build/guest/guest.elf";
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
