/*
 * tests/test_machine_alone.c — the machine (sim/) on its own: the models
 * above it answer the guest's traps through handlers they register, and a
 * trap nobody answers is a verdict. Runs build/sim/selftest.elf.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim/guest/sim_traps.h"
#include "sim/sim.h"
#include "tests/util.h"

#define FAST_TRAP SIM_TT_SOFT(0x80) /* `ta 0x80` as QEMU numbers it */

static struct sim *machine(void)
{
	struct sim *s = test_selftest_sim(4);
	cr_assert_eq(sim_strand_start(s, 0, 0x400000, 0), 0);
	return s;
}

/* st_unknown_hcall: `mov 0x1ff, %o5; ta 0x80; retl` — returns %o0. */
static enum sim_stop call_hcall(struct sim *s, uint64_t *ret, struct sim_verdict *v)
{
	uint64_t fn;
	cr_assert_eq(sim_sym(s, "st_unknown_hcall", &fn), 0);
	return sim_call(s, 0, fn, NULL, 0, 0x200000, ret, v);
}

struct seen {
	unsigned calls, tid, cpu, tt;
	uint64_t pc, o5;
	enum sim_trap_next next;
};

static void answer(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt, uint64_t pc,
                   struct sim_trap_result *r)
{
	struct seen *w = ctx;
	uint64_t o[6];
	sim_strand_oregs(s, tid, o);
	w->calls++;
	w->tid = tid;
	w->cpu = cpu;
	w->tt = tt;
	w->pc = pc;
	w->o5 = o[5];
	o[0] = 42;
	sim_strand_set_oregs(s, tid, o, 1);
	r->next = w->next;
	snprintf(r->msg, sizeof r->msg, "answered by the test");
}

Test(machine_alone, a_trap_nobody_handles_is_a_verdict_naming_the_trap_type)
{
	struct sim *s = machine();
	cr_assert_eq(sim_set_trap_handler(s, FAST_TRAP, FAST_TRAP, NULL), 0);
	cr_expect_null(sim_trap_handler(s, FAST_TRAP));
	struct sim_verdict v;
	cr_expect_eq(call_hcall(s, NULL, &v), SIM_STOP_TRAP, "%s", v.msg);
	cr_expect_eq(v.tt, FAST_TRAP);
	cr_expect(strstr(v.msg, "trap 0x180") != NULL, "%s", v.msg);
	sim_free(s);
}

Test(machine_alone, a_registered_handler_answers_its_trap_and_the_strand_resumes_after_it)
{
	struct sim *s = machine();
	struct seen w = {.next = SIM_TRAP_RESUME};
	struct sim_trap_handler h = {
	    .fn = answer, .ctx = &w, .stop_as = SIM_STOP_HCALL, .stat = SIM_TRAP_STAT_HCALLS};
	cr_assert_eq(sim_set_trap_handler(s, FAST_TRAP, FAST_TRAP, &h), 0);
	uint64_t ret = 0, fn;
	struct sim_verdict v;
	cr_assert_eq(sim_sym(s, "st_unknown_hcall", &fn), 0);
	cr_expect_eq(call_hcall(s, &ret, &v), SIM_STOP_RETURNED, "%s", v.msg);
	cr_expect_eq(ret, 42);
	cr_expect_eq(w.calls, 1);
	cr_expect_eq(w.tt, FAST_TRAP);
	cr_expect_eq(w.cpu, 0);
	cr_expect_eq(w.o5, 0x1ff);
	cr_expect_eq(w.pc, fn + 4, "the trap's own pc");
	cr_expect_eq(sim_strand_stats(s, 0)->hcalls, 1);
	cr_expect_eq(sim_strand_stats(s, 0)->kmcalls, 0);
	sim_free(s);
}

Test(machine_alone, a_handler_that_stops_the_strand_gives_its_verdict_reason_and_message)
{
	struct sim *s = machine();
	struct seen w = {.next = SIM_TRAP_STOP};
	struct sim_trap_handler h = {
	    .fn = answer, .ctx = &w, .stop_as = SIM_STOP_KM, .stat = SIM_TRAP_STAT_KMCALLS};
	cr_assert_eq(sim_set_trap_handler(s, FAST_TRAP, FAST_TRAP, &h), 0);
	struct sim_verdict v;
	cr_expect_eq(call_hcall(s, NULL, &v), SIM_STOP_KM, "%s", v.msg);
	cr_expect_str_eq(v.msg, "answered by the test");
	cr_expect_eq(sim_strand_stats(s, 0)->kmcalls, 1);
	sim_free(s);
}

Test(machine_alone, the_machines_own_traps_cannot_be_taken_over)
{
	struct sim *s = machine();
	struct seen w = {0};
	struct sim_trap_handler h = {.fn = answer, .ctx = &w};
	cr_expect_eq(sim_set_trap_handler(s, 0x80, 0x80, &h), SIM_E_ARG, "spill vector");
	cr_expect_eq(sim_set_trap_handler(s, 0x170, 0x1ff, &h), SIM_E_ARG,
	             "covers SIM_TRAP_RETURN");
	cr_expect_eq(sim_set_trap_handler(s, 0x1a0, 0x190, &h), SIM_E_ARG, "empty range");
	struct sim_trap_handler none = {0};
	cr_expect_eq(sim_set_trap_handler(s, 0x150, 0x150, &none), SIM_E_ARG, "no function");
	sim_free(s);
}

Test(machine_alone, removing_part_of_a_range_keeps_the_rest_handled)
{
	struct sim *s = machine();
	struct seen w = {0};
	struct sim_trap_handler h = {.fn = answer, .ctx = &w};
	cr_assert_eq(sim_set_trap_handler(s, 0x150, 0x160, &h), 0);
	cr_assert_eq(sim_set_trap_handler(s, 0x155, 0x156, NULL), 0);
	cr_expect_not_null(sim_trap_handler(s, 0x150));
	cr_expect_not_null(sim_trap_handler(s, 0x154));
	cr_expect_null(sim_trap_handler(s, 0x155));
	cr_expect_null(sim_trap_handler(s, 0x156));
	cr_expect_not_null(sim_trap_handler(s, 0x157));
	cr_expect_not_null(sim_trap_handler(s, 0x160));
	cr_expect_null(sim_trap_handler(s, 0x161));
	sim_free(s);
}

/* The machine's register numbering reaches the register it names: each
 * value written comes back from the same register and no other. */
Test(machine_alone, registers_are_named_by_the_machines_own_enum)
{
	struct sim *s = machine();
	static const enum sim_reg regs[] = {SIM_REG_G1, SIM_REG_G4, SIM_REG_O0, SIM_REG_O5,
	                                    SIM_REG_SP, SIM_REG_O7, SIM_REG_L3, SIM_REG_I2};
	size_t n = sizeof regs / sizeof regs[0];
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(sim_strand_set_reg(s, 0, regs[i], 0x1000 + i), SIM_OK);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(sim_strand_reg(s, 0, regs[i]), 0x1000 + i, "register %d", regs[i]);
	uint64_t o[6];
	sim_strand_oregs(s, 0, o);
	cr_expect_eq(o[0], 0x1002);
	cr_expect_eq(o[5], 0x1003);
	cr_expect_eq(sim_strand_reg(s, 0, SIM_REG_G0), 0, "%%g0 reads 0");
	cr_assert_eq(sim_strand_set_reg(s, 0, SIM_REG_PC, 0x400100), SIM_OK);
	cr_expect_eq(sim_strand_reg(s, 0, SIM_REG_PC), 0x400100);
	cr_expect_eq(sim_strand_reg(s, 0, SIM_REG_NPC), 0x400104);
	cr_expect_eq(sim_strand_set_reg(s, 0, SIM_REG_COUNT, 1), SIM_E_ARG);
	cr_expect_eq(sim_strand_set_reg(s, 3, SIM_REG_O0, 1), SIM_E_CPU, "strand 3 is not running");
	cr_expect_eq(sim_strand_reg(s, 3, SIM_REG_O0), 0);
	cr_expect_null(sim_host_error(s));
	sim_free(s);
}

struct freed {
	unsigned order[4], n;
};
struct model {
	struct freed *log;
	unsigned id;
};

static void free_model(void *ctx)
{
	struct model *m = ctx;
	m->log->order[m->log->n++] = m->id;
}

Test(machine_alone, attached_models_are_freed_with_the_machine_last_attached_first)
{
	struct sim *s = machine();
	struct freed log = {0};
	struct model a = {&log, 1}, b = {&log, 2}, c = {&log, 3};
	cr_assert_eq(sim_attach(s, free_model, &a), 0);
	cr_assert_eq(sim_attach(s, free_model, &b), 0);
	cr_assert_eq(sim_attach(s, free_model, &c), 0);
	cr_expect_eq(log.n, 0, "nothing freed while the machine lives");
	sim_free(s);
	cr_assert_eq(log.n, 3);
	cr_expect_eq(log.order[0], 3);
	cr_expect_eq(log.order[1], 2);
	cr_expect_eq(log.order[2], 1);
}
