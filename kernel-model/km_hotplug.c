/*
 * kernel-model/km_hotplug.c — the generic cpu-hotplug core around the real
 * arch code, and what a new cpu calls on its way online that is not under
 * study. The generic core (kernel/cpu.c: cpu_up, the cpuhp state machine,
 * fork_idle) is modelled as named steps whose costs come from the trace's
 * machine section; the arch hooks it calls (__cpu_up, smp_callin) run for
 * real.
 */
#include <stdio.h>

#include "guest/offsets.h"
#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"

/* add_cpu(cpu) — kernel/cpu.c: lock, cpu_up (possible? present? online
 * already?, as the real checks: -EINVAL, -EINVAL, 0) → _cpu_up: cpuhp prepare
 * states (cost costs.hotplug_prepare_ns), idle task (fork_idle:
 * km_thread_setup), then bringup_cpu → the real __cpu_up(cpu, idle) through
 * the guest glue km_glue_add_cpu; km_add_cpu_done finishes. Returns what
 * __cpu_up returns (0 or -errno); -EINVAL for a cpu id out of range. */
void km_add_cpu(struct km_call *c)
{
	uint64_t cpu = c->a[0], glue, possible, present, online;
	struct km_thread idle;
	if (sim_sym(c->s, "__cpu_possible_mask", &possible) ||
	    sim_sym(c->s, "__cpu_present_mask", &present) ||
	    sim_sym(c->s, "__cpu_online_mask", &online)) {
		km_fail(c, "guest image lacks the cpu masks");
		return;
	}
	/* cpu_up(): a cpu that is not possible cannot be onlined (with the
	 * kernel's message); _cpu_up(): nor one that is not present; one
	 * that is online already is done. */
	km_charge(c, 200);
	if (cpu >= LX_NR_CPUS || !km_cpumask_test(c->km, possible, (unsigned)cpu)) {
		char line[160];
		snprintf(line, sizeof line,
		         "can't online cpu %llu because it is not configured as may-hotadd at "
		         "boot time",
		         (unsigned long long)cpu);
		km_log(c->km, c->cpu, km_now_ns(c), 3, line);
		c->a[0] = (uint64_t)-LX_EINVAL;
		return;
	}
	if (!km_cpumask_test(c->km, present, (unsigned)cpu)) {
		c->a[0] = (uint64_t)-LX_EINVAL;
		return;
	}
	if (km_cpumask_test(c->km, online, (unsigned)cpu)) {
		c->a[0] = 0;
		return;
	}
	if (sim_sym(c->s, "km_glue_add_cpu", &glue)) {
		km_fail(c, "guest image lacks km_glue_add_cpu");
		return;
	}
	km_event(c->km, KM_EV_CPU_UP_START, (unsigned)cpu, km_now_ns(c));
	km_charge(c, c->km->costs.hotplug_prepare_ns);
	if (km_thread_setup(c->km, (unsigned)cpu, (unsigned)cpu, "swapper", &idle)) {
		km_fail(c, "kernel heap exhausted creating the idle task of cpu %llu",
		        (unsigned long long)cpu);
		return;
	}
	c->a[1] = idle.task;
	c->nret = 2;
	c->r->redirect = 1;
	c->r->pc = glue;
}

/* km_add_cpu_done(ret, cpu) — the cpuhp states after bringup (cost
 * costs.hotplug_online_ns when the cpu came up); returns ret. */
void km_add_cpu_done(struct km_call *c)
{
	int64_t ret = (int64_t)c->a[0];
	if (!ret)
		km_charge(c, c->km->costs.hotplug_online_ns);
	km_event(c->km, ret ? KM_EV_CPU_UP_FAILED : KM_EV_CPU_UP_DONE, (unsigned)c->a[1],
	         km_now_ns(c));
}

/* set_cpu_online(cpu, online) — kernel/cpu.c: the online mask (and the
 * active mask, which the scheduler's cpuhp callbacks set right after on a
 * real kernel). Cost: an atomic bit operation, 20 ns. */
void km_set_cpu_online(struct km_call *c)
{
	unsigned cpu = (unsigned)c->a[0];
	int online = (c->a[1] & 0xff) != 0;
	uint64_t mask;
	km_charge(c, 20);
	if (cpu >= LX_NR_CPUS || sim_sym(c->s, "__cpu_online_mask", &mask)) {
		km_fail(c, "cpu %u out of range", cpu);
		return;
	}
	if (online)
		km_cpumask_set(c->km, mask, cpu);
	else
		km_cpumask_clear(c->km, mask, cpu);
	km_event(c->km, online ? KM_EV_CPU_ONLINE : KM_EV_CPU_OFFLINE, cpu, km_now_ns(c));
}

/* notify_cpu_starting(cpu) — the CPUHP_AP_* startup callbacks on the new
 * cpu (timers, rcu, sched). Cost costs.notify_starting_ns. */
void km_notify_cpu_starting(struct km_call *c)
{
	/* smp_callin set callin_flag just before: the moment the master's
	 * poll can see the cpu. */
	km_event(c->km, KM_EV_CPU_CALLIN, c->cpu, km_now_ns(c));
	km_charge(c, c->km->costs.notify_starting_ns);
}

/* cpu_startup_entry(state) — the new cpu enters its idle loop: the strand
 * parks (it stays online; its engine returns to the pool). */
void km_cpu_startup_entry(struct km_call *c)
{
	km_event(c->km, KM_EV_CPU_IDLE, c->cpu, km_now_ns(c));
	sim_strand_park(c->s, c->tid);
}

/* cpu_map_rebuild() — the scheduler-domain rebuild after a topology
 * change (kernel/sched/topology.c). Cost costs.cpu_map_rebuild_ns. */
void km_cpu_map_rebuild(struct km_call *c)
{
	km_charge(c, c->km->costs.cpu_map_rebuild_ns);
}

/* __flush_tlb_all() — on sun4v a demap-all hypercall (mm/ultra.S, not
 * under study): cost costs.hcall_ns. */
void km_flush_tlb_all(struct km_call *c)
{
	km_charge(c, c->km->costs.hcall_ns);
}

/* sun4v_ktsb_register() — registers the kernel TSBs with the hypervisor
 * (MMU_TSB_CTX0, mm/init_64.c, not under study): cost costs.hcall_ns. */
void km_sun4v_ktsb_register(struct km_call *c)
{
	km_charge(c, c->km->costs.hcall_ns);
}

/* setup_sparc64_timer() — programs this cpu's %stick_cmpr and registers
 * its clockevent (time_64.c, not under study): cost
 * costs.timer_setup_ns. */
void km_setup_sparc64_timer(struct km_call *c)
{
	km_charge(c, c->km->costs.timer_setup_ns);
}
