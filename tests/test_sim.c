/*
 * tests/test_sim.c — the machine (sim/): each self-test of
 * `ldomsim selftest` as a test that can fail, run on build/sim/selftest.elf.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/hv.h"
#include "sim/selftest.h"
#include "sim/sim.h"

#define SELFTEST_ELF "build/sim/selftest.elf"

static void expect_check(const char *name)
{
	struct sim_checks c = {0};
	char err[512] = "";
	cr_assert_eq(sim_selftest_machine(SELFTEST_ELF, &c, err, sizeof err), 0, "cannot run: %s",
		     err);
	const struct sim_check *k = NULL;
	for (size_t i = 0; i < c.n; i++)
		if (!strcmp(c.v[i].name, name))
			k = &c.v[i];
	cr_assert_not_null(k, "no check named %s", name);
	cr_expect(k->pass, "%s: %s", name, k->detail);
	sim_checks_free(&c);
}

Test(machine, unicorn_internals_verified) { expect_check("unicorn-internals"); }
Test(machine, privileged_state) { expect_check("privileged-state"); }
Test(machine, spill_fill_recursion_30_deep) { expect_check("spill-fill-recursion"); }
Test(machine, hcall_in_delay_slot_honours_npc) { expect_check("hcall-in-delay-slot"); }
Test(machine, unknown_hcall_verdict) { expect_check("verdict-unknown-hcall"); }
Test(machine, unmapped_access_verdict) { expect_check("verdict-unmapped"); }
Test(machine, illegal_instruction_verdict) { expect_check("verdict-illegal"); }
Test(machine, runaway_loop_verdict) { expect_check("verdict-runaway"); }
Test(machine, red_state_verdict) { expect_check("verdict-red-state"); }
Test(machine, trap_without_handler_verdict) { expect_check("verdict-trap-without-handler"); }
Test(machine, engine_recycling_wipes_registers) { expect_check("engine-recycling"); }

/* The verdict names the strand, function+offset and trap type. */
Test(machine, verdict_fields)
{
	struct sim_config cfg;
	struct sim *s;
	char err[256];
	sim_config_default(&cfg);
	cfg.image = SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = 8;
	cr_assert_eq(sim_create(&cfg, &s, err, sizeof err), 0, "%s", err);
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

/* The hypervisor model: argument checks of the spec, and the log. */
Test(hv, cpu_start_checks)
{
	struct sim_config cfg;
	struct sim *s;
	char err[256];
	sim_config_default(&cfg);
	cfg.image = SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = 4;
	cr_assert_eq(sim_create(&cfg, &s, err, sizeof err), 0, "%s", err);
	struct hv *hv = sim_hv(s);
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

Test(sim, free_null_is_noop)
{
	sim_free(NULL);
	hv_free(NULL);
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
