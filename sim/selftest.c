/*
 * sim/selftest.c — machine self-tests on build/sim/selftest.elf.
 */
#define _GNU_SOURCE
#include "sim/selftest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/guest/sim_traps.h"
#include "sim/sim.h"
#include "sim/tunables.h"
#include "util/grow.h"

#define ST_STACK_TOP 0x200000ull /* unbiased top of the self-test stack */
#define ST_BUDGET    2000000ull  /* instructions per self-test call */
#define ST_RECURSION 30          /* levels: > 8 windows, so it spills and fills */

/* sun4v numbers the self-test image uses (sim/guest/selftest.S). */
#define ST_HV_FAST_TRAP 0x80
#define ST_HV_CPU_MYID  0x16
#define ST_HV_EOK       0
#define ST_HV_EBADTRAP  7

/* The self-tests' stand-in for the hypervisor (the model, hv/, sits above
 * the machine): CPU_MYID answers the caller's cpu, any other function
 * EBADTRAP and a note. What is checked is the machine's side of a
 * hypercall: the dispatch, the results in %o0/%o1, NPC after a trap in a
 * delay slot, the note. */
static void st_hcall(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt, uint64_t pc,
                     struct sim_trap_result *r)
{
	uint64_t o[6];
	sim_strand_oregs(s, tid, o);
	if (o[5] == ST_HV_CPU_MYID) {
		o[0] = ST_HV_EOK;
		o[1] = cpu;
		sim_strand_set_oregs(s, tid, o, 2);
		return;
	}
	sim_note(s, cpu, pc, "unknown hypervisor function 0x%llx (trap 0x%x): EBADTRAP",
	         (unsigned long long)o[5], tt - SIM_TT_SOFT(0));
	o[0] = ST_HV_EBADTRAP;
	sim_strand_set_oregs(s, tid, o, 1);
}

void sim_checks_free(struct sim_checks *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}

int sim_checks_all_pass(const struct sim_checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].pass)
			return 0;
	return c->n > 0;
}

void sim_checks_add(struct sim_checks *c, const char *name, int pass, const char *fmt, ...)
{
	if (util_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v, 16))
		return;
	struct sim_check *k = &c->v[c->n++];
	snprintf(k->name, sizeof k->name, "%s", name);
	k->pass = pass;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->detail, sizeof k->detail, fmt, ap);
	va_end(ap);
}

const char *sim_default_path(const char *rel, char *buf, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0) {
		snprintf(buf, n, "build/%s", rel);
		return buf;
	}
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(buf, n, "%s/%s", exe, rel);
	return buf;
}

/* Call a self-test function by name on cpu 0 (its counters restart). */
static enum sim_stop call(struct sim *s, const char *fn, uint64_t arg, uint64_t *ret,
                          struct sim_verdict *v)
{
	uint64_t addr;
	if (sim_sym(s, fn, &addr)) {
		memset(v, 0, sizeof *v);
		v->why = SIM_STOP_HOST;
		snprintf(v->msg, sizeof v->msg, "no symbol %s", fn);
		return SIM_STOP_HOST;
	}
	return sim_call(s, 0, addr, &arg, 1, ST_STACK_TOP, ret, v);
}

static enum sim_stop call(struct sim *s, const char *fn, uint64_t arg, uint64_t *ret,
                          struct sim_verdict *v);

static uint64_t st_sym_addr(struct sim *s, const char *name)
{
	uint64_t a = 0;
	sim_sym(s, name, &a);
	return a;
}

/* Start cpu 0 as CPU_START would, then install the guest trap table. */
static int fresh_strand(struct sim *s)
{
	struct sim_verdict v;
	sim_strand_park(s, 0);
	int rc = sim_strand_start(s, 0, 0x400000, 0);
	uint64_t tba = 0;
	if (rc == SIM_OK && call(s, "st_set_tba", 0, &tba, &v) != SIM_STOP_RETURNED)
		rc = SIM_E_CPU;
	if (rc == SIM_OK && tba != st_sym_addr(s, "sparc64_ttable_tl0"))
		rc = SIM_E_CPU;
	return rc;
}

int sim_selftest_machine(const char *elf, struct sim_checks *c, char *err, size_t n)
{
	struct sim_config cfg;
	struct sim *s = NULL;
	struct sim_verdict v;
	uint64_t ret, o[6];
	enum sim_stop why;
	char buf[96];

	sim_config_default(&cfg);
	cfg.image = elf;
	cfg.ram_size = 8ull << 20;
	cfg.max_cpus = 4;
	cfg.pool_max = 2;
	cfg.insn_budget = ST_BUDGET;
	int rc = sim_create(&cfg, &s, err, n);
	sim_checks_add(
	    c, "unicorn-internals", rc != SIM_E_UNICORN,
	    rc == SIM_E_UNICORN ? "%s" : "cpu state located and verified, trap probe passed", err);
	if (rc)
		return -1;
	struct sim_trap_handler hv = {
	    .fn = st_hcall, .stop_as = SIM_STOP_HCALL, .stat = SIM_TRAP_STAT_HCALLS};
	if (sim_set_trap_handler(s, SIM_TT_SOFT(ST_HV_FAST_TRAP), SIM_TT_SOFT(ST_HV_FAST_TRAP),
	                         &hv)) {
		snprintf(err, n, "cannot register the self-test hypercall handler");
		sim_free(s);
		return -1;
	}

	/* Privileged state as CPU_START leaves it. */
	fresh_strand(s);
	why = call(s, "st_priv", 0, &ret, &v);
	sim_strand_oregs(s, 0, o);
	sim_checks_add(c, "privileged-state",
	               why == SIM_STOP_RETURNED && (o[0] & 0x14) == 0x14 && o[1] == 14 &&
	                   o[2] == 1 && o[3] == 0xcafe05a5 && o[4] == 1,
	               "%s: pstate 0x%llx pil %llu tl %llu scratchpad 0x%llx gl %llu",
	               sim_stop_name(why), (unsigned long long)o[0], (unsigned long long)o[1],
	               (unsigned long long)o[2], (unsigned long long)o[3],
	               (unsigned long long)o[4]);

	/* A recursion deeper than the 8 windows: real spill and fill traps
	 * through the guest trap table. */
	fresh_strand(s);
	why = call(s, "st_recurse", ST_RECURSION, &ret, &v);
	const struct sim_strand_stats *ss = sim_strand_stats(s, 0);
	uint64_t expect = 4ull * ST_RECURSION * (ST_RECURSION + 1);
	sim_checks_add(
	    c, "spill-fill-recursion",
	    why == SIM_STOP_RETURNED && ret == expect && ss->spills >= ST_RECURSION - 8 &&
	        ss->fills >= ST_RECURSION - 8,
	    "%s: depth %d returned %llu (expected %llu), %llu spills, %llu fills, %llu insns",
	    why == SIM_STOP_RETURNED ? "returned" : v.where, ST_RECURSION, (unsigned long long)ret,
	    (unsigned long long)expect, (unsigned long long)ss->spills,
	    (unsigned long long)ss->fills, (unsigned long long)ss->insns);

	/* A hypercall in a delay slot resumes at the branch target. */
	fresh_strand(s);
	why = call(s, "st_delayslot", 0, &ret, &v);
	sim_strand_oregs(s, 0, o);
	sim_checks_add(c, "hcall-in-delay-slot",
	               why == SIM_STOP_RETURNED && o[0] == ST_HV_EOK && o[1] == 0 && o[2] == 0,
	               "%s: status %llu cpu %llu marker %llu (0 = NPC honoured)",
	               sim_stop_name(why), (unsigned long long)o[0], (unsigned long long)o[1],
	               (unsigned long long)o[2]);

	/* An unknown hypercall: EBADTRAP, and a note naming it. */
	fresh_strand(s);
	size_t notes = sim_note_count(s);
	why = call(s, "st_unknown_hcall", 0, &ret, &v);
	const char *note = sim_note_count(s) > notes ? sim_note_get(s, notes) : "";
	sim_checks_add(c, "verdict-unknown-hcall",
	               why == SIM_STOP_RETURNED && ret == ST_HV_EBADTRAP && strstr(note, "0x1ff"),
	               "status %llu; note: %s", (unsigned long long)ret, note);

	/* Guest faults stop the strand with a verdict naming function+offset. */
	fresh_strand(s);
	why = call(s, "st_unmapped", 0, &ret, &v);
	sim_checks_add(c, "verdict-unmapped",
	               why == SIM_STOP_UNMAPPED && v.addr == 0x7f00000000ull &&
	                   !strcmp(v.where, "st_unmapped+0x8"),
	               "%s at %s: %s", sim_stop_name(why), v.where, v.msg);

	fresh_strand(s);
	why = call(s, "st_illegal", 0, &ret, &v);
	sim_checks_add(c, "verdict-illegal",
	               why == SIM_STOP_ILLEGAL && !strcmp(v.where, "st_illegal+0x4"),
	               "%s at %s: %s", sim_stop_name(why), v.where, v.msg);

	fresh_strand(s);
	why = call(s, "st_runaway", 0, &ret, &v);
	sim_checks_add(c, "verdict-runaway",
	               why == SIM_STOP_BUDGET && !strncmp(v.where, "st_runaway+", 11) &&
	                   sim_strand_stats(s, 0)->insns >= ST_BUDGET,
	               "%s at %s: %s", sim_stop_name(why), v.where, v.msg);

	fresh_strand(s);
	why = call(s, "st_red_state", 0, &ret, &v);
	sim_checks_add(c, "verdict-red-state", why == SIM_STOP_RED_STATE, "%s at %s: %s",
	               sim_stop_name(why), v.where, v.msg);

	fresh_strand(s);
	why = call(s, "st_badvec", 0, &ret, &v);
	sim_checks_add(c, "verdict-trap-without-handler",
	               why == SIM_STOP_TRAP && v.tt == 0x110 && !strcmp(v.where, "st_badvec+0x0"),
	               "%s at %s: %s", sim_stop_name(why), v.where, v.msg);

	/* Engine recycling: a strand started on a used engine sees none of
	 * the previous strand's registers. */
	fresh_strand(s);
	sim_strand_set_reg(s, 0, SIM_REG_L5, 0x1234);
	sim_strand_set_reg(s, 0, SIM_REG_G3, 0x5678);
	call(s, "st_priv", 0, &ret, &v); /* dirties the engine */
	sim_strand_park(s, 0);
	unsigned opened_before, idle;
	sim_pool_stats(s, &opened_before, &idle);
	int started = sim_strand_start(s, 1, 0x400000, 0x77);
	uint64_t l5 = sim_strand_reg(s, 1, SIM_REG_L5), g3 = sim_strand_reg(s, 1, SIM_REG_G3);
	uint64_t o0 = sim_strand_reg(s, 1, SIM_REG_O0);
	unsigned opened_after;
	sim_pool_stats(s, &opened_after, &idle);
	sim_checks_add(c, "engine-recycling",
	               started == SIM_OK && opened_after == opened_before && !l5 && !g3 &&
	                   o0 == 0x77,
	               "start %d, engines %u -> %u, %%l5 0x%llx %%g3 0x%llx %%o0 0x%llx", started,
	               opened_before, opened_after, (unsigned long long)l5, (unsigned long long)g3,
	               (unsigned long long)o0);
	(void)buf;
	sim_free(s);
	return 0;
}
