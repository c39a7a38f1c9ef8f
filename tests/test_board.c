/*
 * tests/test_board.c — the models above the machine, assembled: the
 * hypervisor model (hv/) on a bare machine, and the board's first real run,
 * the kernel's hv_cpu_startup (board/hvtramp.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "hv/hv.h"
#include "sim/guest/sim_traps.h"
#include "sim/selftest.h"
#include "sim/sim.h"
#include "tests/util.h"

/* The hypervisor model: argument checks of the spec, and the log. */
Test(hv, cpu_start_checks_its_arguments_and_logs_the_call)
{
	struct sim *s = test_selftest_sim(4);
	struct hv *hv;
	cr_assert_eq(hv_create(s, 4, &hv), 0);
	cr_expect_eq(hv_of(s), hv);
	cr_expect_eq(hv_cpu_start(hv, 0, 9, 0x400000, 0x408000, 0), HV_ENOCPU);
	cr_expect_eq(hv_cpu_start(hv, 0, 1, 0x400002, 0x408000, 0), HV_EBADALIGN);
	cr_expect_eq(hv_cpu_start(hv, 0, 1, 0x400000, 0x408010, 0), HV_EBADALIGN);
	cr_expect_eq(hv_cpu_start(hv, 0, 1, 0x40000000, 0x408000, 0), HV_ENORADDR);
	cr_expect_eq(hv_cpu_start(hv, 0, 1, 0x400000, 0x408000, 0), HV_EOK);
	cr_expect(sim_strand_running(s, 1));
	cr_expect_eq(hv_cpu_start(hv, 0, 1, 0x400000, 0x408000, 0), HV_EINVAL, "already running");
	cr_expect_str_eq(hv_fn_name(0x80, 0x25), "mmu_map_perm_addr");
	cr_expect_null(hv_fn_name(0x80, 0x1ff));
	sim_free(s);
}

/* The model answers an unknown function EBADTRAP and reports it by
 * number (the machine's self-test checks only the machine's side). */
Test(hv, unknown_function_is_ebadtrap_and_a_note)
{
	struct hv *hv;
	struct sim *s = test_selftest_sim(4);
	cr_assert_eq(hv_create(s, 4, &hv), 0);
	uint64_t fn, ret = 0;
	cr_assert_eq(sim_sym(s, "st_unknown_hcall", &fn), 0);
	cr_assert_eq(sim_strand_start(s, 0, 0x400000, 0), 0);
	struct sim_verdict v;
	cr_expect_eq(sim_call(s, 0, fn, NULL, 0, 0x200000, &ret, &v), SIM_STOP_RETURNED, "%s",
	             v.msg);
	cr_expect_eq(ret, HV_EBADTRAP);
	cr_expect_eq(hv_unknown_count(hv), 1);
	cr_assert_eq(sim_note_count(s), 1);
	cr_expect(strstr(sim_note_get(s, 0), "unknown hypervisor function 0x1ff") != NULL, "%s",
	          sim_note_get(s, 0));
	cr_expect_eq(sim_strand_stats(s, 0)->hcalls, 1);
	sim_free(s); /* and the model, attached to it */
}

static void ignore_trap(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt,
                        uint64_t pc, struct sim_trap_result *r)
{
}

static void nothing_to_free(void *ctx)
{
}

/* A model that cannot be created leaves no handler behind: the machine
 * would call into freed memory at the next hypercall. */
Test(hv, a_failed_creation_leaves_no_handler_registered)
{
	struct hv *hv = NULL;
	struct sim *s = test_selftest_sim(4);
	/* Room for two of the model's four trap registrations only. */
	struct sim_trap_handler h = {.fn = ignore_trap};
	for (unsigned i = 0; i < SIM_MAX_TRAP_HANDLERS - 2; i++)
		cr_assert_eq(sim_set_trap_handler(s, 0x1a0 + i, 0x1a0 + i, &h), 0);
	cr_expect_neq(hv_create(s, 4, &hv), 0);
	cr_expect_null(sim_trap_handler(s, SIM_TT_SOFT(0x80)), "fast trap left registered");
	cr_expect_null(sim_trap_handler(s, SIM_TT_SOFT(0x83)), "map trap left registered");
	cr_expect_null(hv_of(s));
	sim_free(s);

	/* No room to attach it: the same. */
	s = test_selftest_sim(4);
	for (unsigned i = 0; i < SIM_MAX_ATTACHED; i++)
		cr_assert_eq(sim_attach(s, nothing_to_free, NULL), 0);
	cr_expect_neq(hv_create(s, 4, &hv), 0);
	for (unsigned tt = 0x180; tt <= 0x1ff; tt++)
		cr_expect_null(sim_trap_handler(s, tt), "trap 0x%x left registered", tt);
	sim_free(s);
}

Test(hv, free_of_null_is_a_noop)
{
	hv_free(NULL);
}

/* ---- the real hv_cpu_startup (needs build/guest/guest.elf) ---------- */

#define GUEST_ELF "build/guest/guest.elf"

static void hvtramp_run(struct board_hvtramp_opts *o, struct board_hvtramp_result *r,
                        struct sim_checks *c)
{
	char err[512] = "";
	cr_assert_eq(board_hvtramp_run(GUEST_ELF, o, r, c, err, sizeof err), 0, "%s", err);
}

static int passed(const struct sim_checks *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return c->v[i].pass;
	cr_assert_fail("no check %s", name);
	return 0;
}

Test(hvtramp, real_hv_cpu_startup_reaches_smp_callin)
{
	struct board_hvtramp_opts o;
	struct board_hvtramp_result r;
	struct sim_checks c = {0};
	board_hvtramp_opts_default(&o);
	hvtramp_run(&o, &r, &c);
	cr_expect_str_eq(r.reached, "smp_callin", "%s", r.verdict);
	cr_expect(passed(&c, "hvtramp-reaches-smp_callin"));
	/* Every guest instruction is counted; hvtramp and the per-cpu set-up
	 * it calls are a few hundred at most. */
	cr_expect(r.insns > 50 && r.insns < 2000, "%llu insns", (unsigned long long)r.insns);
	board_hvtramp_result_free(&r);
	sim_checks_free(&c);
}

/* The exact sequence: one MMU_MAP_PERM_ADDR per 4 MiB kernel mapping with
 * the descriptor's VA and TTE, MMU_FAULT_AREA_CONF with trap_block's fault
 * area, MMU_ENABLE(1, label), then CPU_QCONF of the four queues. */
Test(hvtramp, makes_the_exact_hypercall_sequence)
{
	struct board_hvtramp_opts o;
	struct board_hvtramp_result r;
	struct sim_checks c = {0};
	board_hvtramp_opts_default(&o);
	hvtramp_run(&o, &r, &c);
	cr_assert(passed(&c, "hvtramp-hcall-sequence"));
	cr_assert_eq(r.nhcalls, r.num_mappings + 6);
	const char *names[] = {"mmu_fault_area_conf", "mmu_enable", "cpu_qconf",
	                       "cpu_qconf",           "cpu_qconf",  "cpu_qconf"};
	for (unsigned i = 0; i < r.num_mappings; i++) {
		cr_expect_str_eq(r.hcalls[i].name, "mmu_map_perm_addr");
		cr_expect_eq(r.hcalls[i].arg[0], 0x400000ull + i * 0x400000ull);
		cr_expect_eq(r.hcalls[i].arg[3], 3, "IMMU|DMMU");
		cr_expect_eq(r.hcalls[i].arg[2] >> 63, 1, "valid TTE");
	}
	for (unsigned i = 0; i < 6; i++)
		cr_expect_str_eq(r.hcalls[r.num_mappings + i].name, names[i]);
	const struct hv_call *q = &r.hcalls[r.num_mappings + 2];
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(q[i].arg[0], 0x3c + i,
		             "queue order cpu, dev, resumable, nonresumable");
	for (size_t i = 0; i < r.nhcalls; i++)
		cr_expect_eq(r.hcalls[i].status, 0, "%s", r.hcalls[i].name);
	board_hvtramp_result_free(&r);
	sim_checks_free(&c);
}

/* %g6 = thread_info, %g4 = its task, %sp = thread_info + 2^THREAD_SHIFT -
 * (STACKFRAME_SZ + STACK_BIAS), as hvtramp computes them. */
Test(hvtramp, sets_g6_g4_and_sp_as_smp_callin_expects)
{
	struct board_hvtramp_opts o;
	struct board_hvtramp_result r;
	struct sim_checks c = {0};
	board_hvtramp_opts_default(&o);
	o.cpu = 37;
	hvtramp_run(&o, &r, &c);
	cr_expect_eq(r.g6, r.expect_g6);
	cr_expect_eq(r.g4, r.expect_g4);
	cr_expect_eq(r.sp, r.expect_sp);
	cr_expect_eq(r.sp, r.g6 + 16384 - (192 + 2047));
	cr_expect(passed(&c, "hvtramp-trap-block"), "init_cur_cpu_trap/init_irqwork_curcpu");
	board_hvtramp_result_free(&r);
	sim_checks_free(&c);
}

/* A hypervisor error from MMU_MAP_PERM_ADDR: the real hvtramp branches to
 * its error loop (80: ba 80b) and the budget reports it stuck there. */
Test(hvtramp, map_perm_addr_error_parks_in_error_loop)
{
	struct board_hvtramp_opts o;
	struct board_hvtramp_result r;
	board_hvtramp_opts_default(&o);
	o.fail_fn = 0x25;
	o.fail_status = HV_EINVAL;
	o.insn_budget = 100000;
	hvtramp_run(&o, &r, NULL);
	cr_expect_str_eq(r.stop, "stuck", "%s", r.verdict);
	cr_expect(!strncmp(r.where, "hv_cpu_startup+0x", 17), "%s", r.where);
	cr_expect_eq(r.nhcalls, 1, "nothing after the failed mapping");
	cr_expect_eq(r.hcalls[0].status, HV_EINVAL);
	cr_expect_str_eq(r.reached, "");
	board_hvtramp_result_free(&r);
}

Test(hvtramp, fault_area_error_parks_in_the_error_loop_too)
{
	struct board_hvtramp_opts o;
	struct board_hvtramp_result r;
	board_hvtramp_opts_default(&o);
	o.fail_fn = 0x26;
	o.fail_status = HV_EBADALIGN;
	o.insn_budget = 100000;
	hvtramp_run(&o, &r, NULL);
	cr_expect_str_eq(r.stop, "stuck", "%s", r.verdict);
	cr_expect(!strncmp(r.where, "hv_cpu_startup+0x", 17), "%s", r.where);
	cr_expect_str_eq(r.hcalls[r.nhcalls - 1].name, "mmu_fault_area_conf");
	board_hvtramp_result_free(&r);
}
