/*
 * tests/test_sim.c — the machine (sim/): each self-test of
 * `ldomsim selftest` as a test that can fail, run on build/sim/selftest.elf
 * once per suite run (tests/selftest_once.h). Built alone with sim/ (make
 * check-sim): nothing above the machine.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/image.h"
#include "sim/selftest.h"
#include "sim/sim.h"
#include "tests/util.h"
#include "tests/selftest_once.h"

static void expect_check(const char *name)
{
	char detail[256];
	cr_expect(test_machine_check(name, detail, sizeof detail), "%s: %s", name, detail);
}

Test(machine, unicorn_internals_are_located_and_verified)
{
	expect_check("unicorn-internals");
}
Test(machine, privileged_state_is_as_cpu_start_leaves_it)
{
	expect_check("privileged-state");
}
Test(machine, spill_and_fill_survive_recursion_30_deep)
{
	expect_check("spill-fill-recursion");
}
Test(machine, hcall_in_delay_slot_honours_npc)
{
	expect_check("hcall-in-delay-slot");
}
Test(machine, an_unknown_hcall_is_a_verdict)
{
	expect_check("verdict-unknown-hcall");
}
Test(machine, an_unmapped_access_is_a_verdict)
{
	expect_check("verdict-unmapped");
}
Test(machine, an_illegal_instruction_is_a_verdict)
{
	expect_check("verdict-illegal");
}
Test(machine, a_runaway_loop_is_a_verdict)
{
	expect_check("verdict-runaway");
}
Test(machine, red_state_is_a_verdict)
{
	expect_check("verdict-red-state");
}
Test(machine, a_trap_without_handler_is_a_verdict)
{
	expect_check("verdict-trap-without-handler");
}
Test(machine, engine_recycling_wipes_registers)
{
	expect_check("engine-recycling");
}

/* The verdict names the strand, function+offset and trap type. */
Test(machine, a_verdict_names_strand_function_offset_and_trap_type)
{
	struct sim *s = test_selftest_sim(8);
	uint64_t fn;
	cr_assert_eq(sim_sym(s, "st_illegal", &fn), 0);
	cr_assert_eq(sim_strand_start(s, 5, 0x400000, 0), 0);
	struct sim_verdict v;
	enum sim_stop why = sim_call(s, 5, fn, NULL, 0, 0x200000, NULL, &v);
	cr_expect_eq(why, SIM_STOP_ILLEGAL);
	cr_expect_eq(v.cpu, 5);
	cr_expect_eq(v.pc, fn + 4);
	cr_expect_str_eq(v.where, "st_illegal+0x4");
	cr_expect_eq(v.tt, 0x10);
	sim_free(s);
}

Test(sim, free_of_null_is_a_noop)
{
	sim_free(NULL);
}

Test(sim, missing_image_is_an_error_naming_the_file)
{
	struct sim_config cfg;
	struct sim *s = (struct sim *)1;
	char err[256] = "";
	sim_config_default(&cfg);
	cfg.image = "build/no-such-image.elf";
	cr_expect_eq(sim_create(&cfg, &s, err, sizeof err), SIM_E_IMAGE);
	cr_expect_null(s);
	cr_expect(strstr(err, "build/no-such-image.elf") != NULL, "%s", err);
}

/* Strands by the thousand over one run: every cpu id of NR_CPUS gets a
 * strand in turn, and the engines come from a small pool. */
Test(machine, thousands_of_strands_from_a_small_pool, .timeout = 120)
{
	struct sim_config cfg;
	struct sim *s;
	char err[256];
	sim_config_default(&cfg);
	cfg.image = TEST_SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = 4096;
	cfg.pool_max = 4;
	cr_assert_eq(sim_create(&cfg, &s, err, sizeof err), 0, "%s", err);
	uint64_t fn;
	cr_assert_eq(sim_sym(s, "st_recurse", &fn), 0);
	for (unsigned cpu = 0; cpu < 4096; cpu++) {
		cr_assert_eq(sim_strand_start(s, cpu, fn, 0), 0, "cpu %u", cpu);
		uint64_t arg = 5, ret = 0;
		struct sim_verdict v;
		/* Depth 5 stays within the windows: no trap table needed. */
		cr_assert_eq(sim_call(s, cpu, fn, &arg, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED,
		             "cpu %u: %s", cpu, v.msg);
		cr_assert_eq(ret, 4 * 5 * 6, "cpu %u", cpu);
		sim_strand_park(s, cpu);
		cr_assert(!sim_strand_running(s, cpu));
	}
	unsigned opened, idle;
	sim_pool_stats(s, &opened, &idle);
	cr_expect_eq(opened, 1, "one engine serves strands that run one after another");
	cr_expect_eq(idle, 1);
	/* Four at once use four engines; a fifth is refused, not a crash. */
	for (unsigned cpu = 0; cpu < 4; cpu++)
		cr_assert_eq(sim_strand_start(s, cpu, fn, 0), 0);
	cr_expect_eq(sim_strand_start(s, 4, fn, 0), SIM_E_POOL);
	sim_free(s);
}

/* ---- the scheduler --------------------------------------------------- */

static uint64_t sym(struct sim *s, const char *name)
{
	uint64_t a;
	cr_assert_eq(sim_sym(s, name, &a), 0, "%s", name);
	return a;
}

/* Time slices end between blocks and resume exactly there: a loop cut into
 * hundreds of slices computes what it computes in one run, and the counted
 * instructions are the same. */
Test(sched, time_slices_resume_exactly_where_they_ended)
{
	struct sim *s = test_selftest_sim(4);
	uint64_t fn = sym(s, "st_loop16"), n = 100000, one, sliced;
	struct sim_verdict v;
	cr_assert_eq(sim_strand_start(s, 0, fn, 0), 0);
	cr_assert_eq(sim_call(s, 0, fn, &n, 1, 0x200000, &one, &v), SIM_STOP_RETURNED);
	uint64_t insns_one = sim_strand_stats(s, 0)->insns;
	sim_strand_park(s, 0);
	/* The same loop on two cpus at once: each runs in 1 us slices. */
	cr_assert_eq(sim_strand_start(s, 0, fn, 0), 0);
	cr_assert_eq(sim_strand_start(s, 1, fn, 0), 0);
	sim_strand_set_reg(s, 1, SIM_REG_O0, n);
	sim_strand_set_reg(s, 1, SIM_REG_SP, 0x180000 - 192 - 2047);
	sim_strand_set_reg(s, 1, SIM_REG_O7, sym(s, "sim_return") - 8);
	cr_assert_eq(sim_sched_call(s, 0, fn, &n, 1, 0x200000, &sliced, &v), SIM_STOP_RETURNED,
	             "%s", v.msg);
	cr_expect_eq(sliced, one);
	cr_expect_eq(sim_strand_stats(s, 0)->insns, insns_one);
	cr_expect_eq(sim_strand_reg(s, 1, SIM_REG_O0), one, "the other cpu's result");
	/* Both clocks advanced by the same instruction count at 1 ns each. */
	cr_expect_eq(sim_thread_time_ps(s, 0), insns_one * 1000);
	sim_free(s);
}

/* A spin-wait in real guest code costs what it would cost: cpu 0 spins on a
 * flag that cpu 1 sets after n loop iterations; the spin lasts as long in
 * simulated time (to within a quantum). */
Test(sched, spin_wait_interleaves_in_simulated_time)
{
	struct sim *s = test_selftest_sim(4);
	uint64_t flag = 0x300000, n = 200000, waited;
	struct sim_verdict v;
	cr_assert_eq(sim_st64(s, flag, 0), 0);
	cr_assert_eq(sim_strand_start(s, 1, sym(s, "st_set_flag_after"), flag), 0);
	sim_strand_set_reg(s, 1, SIM_REG_O1, n);
	sim_strand_set_reg(s, 1, SIM_REG_O7, sym(s, "sim_return") - 8);
	cr_assert_eq(sim_strand_start(s, 0, sym(s, "st_wait_flag"), 0), 0);
	cr_assert_eq(sim_sched_call(s, 0, sym(s, "st_wait_flag"), &flag, 1, 0x200000, &waited, &v),
	             SIM_STOP_RETURNED, "%s", v.msg);
	/* 3 instructions per iteration on both sides; a quantum is 1000. */
	cr_expect(waited + 400 >= n && waited <= n + 400, "waited %llu for %llu",
	          (unsigned long long)waited, (unsigned long long)n);
	uint64_t t0 = sim_thread_time_ps(s, 0), t1 = sim_thread_time_ps(s, 1);
	cr_expect(t0 >= t1, "the waiter finishes after the setter (%llu < %llu)",
	          (unsigned long long)t0, (unsigned long long)t1);
	cr_expect(t0 - t1 <= 2000000, "within a quantum or two");
	sim_free(s);
}

/* A blocked thread stays out of the run until woken, then resumes at the
 * waker's time at the earliest. */
Test(sched, a_blocked_thread_runs_again_only_once_woken)
{
	struct sim *s = test_selftest_sim(4);
	uint64_t fn = sym(s, "st_loop4"), n = 10, ret;
	struct sim_verdict v;
	cr_assert_eq(sim_strand_start(s, 0, fn, 0), 0);
	cr_assert_eq(sim_strand_start(s, 1, fn, 0), 0);
	sim_thread_block(s, 1, 0x1234);
	sim_strand_park(s, 0);
	cr_assert_eq(sim_strand_start(s, 0, fn, 0), 0);
	/* cpu 0 returns normally while cpu 1 stays blocked. */
	cr_expect_eq(sim_sched_call(s, 0, fn, &n, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED);
	cr_expect(sim_thread_blocked(s, 1));
	cr_expect_eq(sim_wake(s, 0x1234, 5000), 1);
	cr_expect(!sim_thread_blocked(s, 1));
	cr_expect_eq(sim_thread_time_ps(s, 1), 5000, "woken at the waker's time");
	sim_thread_block(s, 1, 0x99);
	cr_expect_eq(sim_sched_call(s, 1, fn, &n, 1, 0x180000, &ret, &v), SIM_STOP_RETURNED,
	             "a call unblocks its thread");
	sim_free(s);
}

/* PAUSE, which QEMU lacks, is modelled (sim.c pause_insn): the strand
 * stalls for the cycles written, in 8-cycle steps, clamped, besides
 * counting as one instruction, so a block holding it counts what a nop would; and the
 * code after it runs. Default speed: 1 cycle = 1 instruction = 1 ns. */
static void pause_call(struct sim *s, const char *fn, uint64_t cycles, uint64_t *insns,
                       uint64_t *ps)
{
	struct sim_verdict v;
	uint64_t ret, f = sym(s, fn), i0 = sim_strand_stats(s, 0)->insns;
	uint64_t t0 = sim_thread_time_ps(s, 0);
	cr_assert_eq(sim_call(s, 0, f, &cycles, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED, "%s: %s",
	             fn, v.msg);
	cr_assert_eq(ret, cycles + 1, "%s went on after the pause", fn);
	*insns = sim_strand_stats(s, 0)->insns - i0;
	*ps = sim_thread_time_ps(s, 0) - t0;
}

Test(machine, pause_instruction_is_modelled)
{
	struct sim *s = test_selftest_sim(2);
	uint64_t ni, np, pi, pp;
	cr_assert_eq(sim_strand_start(s, 0, sym(s, "st_nopause"), 0), 0);
	pause_call(s, "st_nopause", 1000, &ni, &np);
	pause_call(s, "st_pause", 1000, &pi, &pp);
	cr_expect_eq(pi, ni, "a PAUSE counts as one instruction");
	cr_expect_eq(pp, np + 1000 * 1000, "the instruction and a 1000-cycle stall: %llu vs %llu",
	             (unsigned long long)pp, (unsigned long long)np);
	cr_expect_eq(sim_strand_stats(s, 0)->pauses, 1);
	pause_call(s, "st_pause", 1005, &pi, &pp);
	cr_expect_eq(pp, np + 1000 * 1000, "8-cycle granularity");
	pause_call(s, "st_pause", 3, &pi, &pp);
	cr_expect_eq(pp, np + 1000, "below 8: one cycle");
	pause_call(s, "st_pause", 1ull << 40, &pi, &pp);
	cr_expect_eq(pp, np + (4096ull << 7) * 1000, "clamped to the kernel's largest");
	/* Code patches after a strand ran would not reach translated blocks. */
	unsigned applied = 99;
	char err[256] = "";
	cr_expect_eq(sim_apply_patches(s, SIM_PATCH_POPC, &applied, err, sizeof err), SIM_E_ARG);
	cr_expect_eq(applied, 0);
	cr_expect(strstr(err, "precede the first strand"), "%s", err);
	sim_free(s);
}

/* An engine cache holds one guest RAM: a second sim while the first lives,
 * or one with another RAM geometry, is refused naming why; after the first
 * is freed the cache serves the next. */
Test(sim, engine_cache_serves_one_sim_at_a_time)
{
	struct sim_engines *c;
	struct sim_config cfg;
	struct sim *a, *b;
	char err[256] = "";
	cr_assert_eq(sim_engines_create(&c, err, sizeof err), 0, "%s", err);
	sim_config_default(&cfg);
	cfg.image = TEST_SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = 2;
	cfg.engines = c;
	cr_assert_eq(sim_create(&cfg, &a, err, sizeof err), 0, "%s", err);
	cr_expect_eq(sim_create(&cfg, &b, err, sizeof err), SIM_E_ARG);
	cr_expect_null(b);
	cr_expect(strstr(err, "one sim at a time"), "%s", err);
	/* a's RAM is intact and a runs */
	uint64_t fn = sym(a, "st_loop4"), n = 10, ret1, ret2;
	struct sim_verdict v;
	cr_assert_eq(sim_strand_start(a, 0, fn, 0), 0);
	cr_assert_eq(sim_call(a, 0, fn, &n, 1, 0x200000, &ret1, &v), SIM_STOP_RETURNED, "%s",
	             v.msg);
	sim_st64(a, 0x300000, 0x1234); /* guest memory the next sim must not see */
	sim_free(a);
	cfg.ram_size = 16 << 20;
	cr_expect_eq(sim_create(&cfg, &b, err, sizeof err), SIM_E_ARG, "another RAM size");
	cr_expect(strstr(err, "holds 8388608 bytes"), "%s", err);
	cfg.ram_size = 8 << 20;
	cr_assert_eq(sim_create(&cfg, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(sim_ld64(b, 0x300000), 0, "cleared between sims");
	cr_assert_eq(sim_strand_start(b, 0, fn, 0), 0);
	cr_assert_eq(sim_call(b, 0, fn, &n, 1, 0x200000, &ret2, &v), SIM_STOP_RETURNED, "%s",
	             v.msg);
	cr_expect_eq(ret2, ret1);
	sim_free(b);
	/* Other code at the same address (another image, other patches):
	 * the borrowed engine runs the new code, not its old translation. */
	cr_assert_eq(sim_create(&cfg, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(sim_ld32(b, fn), 0x92102000u, "st_loop4 starts with clr %%o1");
	sim_st32(b, fn, 0x92102005u); /* mov 5, %o1 */
	cr_assert_eq(sim_strand_start(b, 0, fn, 0), 0);
	cr_assert_eq(sim_call(b, 0, fn, &n, 1, 0x200000, &ret2, &v), SIM_STOP_RETURNED, "%s",
	             v.msg);
	cr_expect_neq(ret2, ret1, "the old translation ran");
	cr_expect_eq(sim_engines_opened(c), 1, "the second sim borrowed the first one's engine");
	sim_free(b);
	sim_engines_free(c);
}
