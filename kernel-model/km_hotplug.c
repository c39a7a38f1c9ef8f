/*
 * kernel-model/km_hotplug.c — the generic cpu-hotplug core around the real
 * arch code, and what a new cpu calls on its way online that is not under
 * study. The generic core (kernel/cpu.c: cpu_up, the cpuhp state machine,
 * fork_idle) is modelled as named steps whose costs come from the trace's
 * machine section; the arch hooks it calls (__cpu_up, smp_callin) run for
 * real.
 */
#include <stdio.h>
#include <stdlib.h>

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
	const struct lx_layout *lx = km_layout(c->km);
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
	if (cpu >= lx->nr_cpus || !km_cpumask_test(c->km, possible, (unsigned)cpu)) {
		char line[160];
		snprintf(line, sizeof line,
		         "can't online cpu %llu because it is not configured as may-hotadd at "
		         "boot time",
		         (unsigned long long)cpu);
		km_log(c->km, c->cpu, km_now_ns(c), 3, line);
		c->a[0] = (uint64_t)-lx->einval;
		return;
	}
	if (!km_cpumask_test(c->km, present, (unsigned)cpu)) {
		c->a[0] = (uint64_t)-lx->einval;
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
	const struct lx_layout *lx = km_layout(c->km);
	unsigned cpu = (unsigned)c->a[0];
	int online = (c->a[1] & 0xff) != 0;
	uint64_t mask;
	km_charge(c, 20);
	if (cpu >= lx->nr_cpus || sim_sym(c->s, "__cpu_online_mask", &mask)) {
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

/* ---- removal ----------------------------------------------------------- */

#define DYING_KEY 0xd1e0000000000000ull /* | cpu: the master waits for the victim */

static struct km_dying *dying_of(struct km *km, unsigned cpu)
{
	const struct lx_layout *lx = km_layout(km);
	if (!km->dying)
		km->dying = calloc(lx->nr_cpus, sizeof *km->dying);
	return km->dying && cpu < lx->nr_cpus ? &km->dying[cpu] : NULL;
}

/* remove_cpu(cpu) — kernel/cpu.c: device_offline → cpu_down →
 * _cpu_down: an offline cpu gives 1 (device_offline's "already
 * offline"), the last online cpu -EBUSY; otherwise the cpuhp teardown
 * states (costs.hotplug_teardown_ns) and takedown_cpu: the victim runs
 * the real __cpu_disable on its idle thread (guest glue
 * km_glue_cpu_dying, started costs.ipi_ns later, as stop_machine's IPI),
 * the caller continues in km_glue_remove_cpu: it waits for the victim,
 * then runs the real __cpu_die. Returns __cpu_disable's error or 0. */
void km_remove_cpu(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	unsigned cpu = (unsigned)c->a[0];
	uint64_t online, glue, dying_pc;
	km_charge(c, 200);
	if (sim_sym(c->s, "__cpu_online_mask", &online) ||
	    sim_sym(c->s, "km_glue_remove_cpu", &glue) ||
	    sim_sym(c->s, "km_glue_cpu_dying", &dying_pc)) {
		km_fail(c, "guest image lacks the removal glue or the online mask");
		return;
	}
	if (cpu >= lx->nr_cpus || !km_cpumask_test(c->km, online, cpu)) {
		c->a[0] = 1;
		return;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < lx->nr_cpus && n < 2; i++)
		n += km_cpumask_test(c->km, online, i);
	if (n < 2 || cpu == c->cpu) {
		c->a[0] = (uint64_t)-lx->ebusy;
		return;
	}
	struct km_dying *d = dying_of(c->km, cpu);
	if (!d) {
		km_fail(c, "out of memory");
		return;
	}
	km_event(c->km, KM_EV_CPU_DOWN_START, cpu, km_now_ns(c));
	km_charge(c, c->km->costs.hotplug_teardown_ns);
	/* The victim's idle thread: the one add_cpu made, or a fresh one for
	 * a cpu that was up at boot. */
	struct km_thread idle;
	if (sim_strand_running(c->s, cpu)) {
		km_fail(c, "cpu %u is running guest code: the model only takes down an idle cpu",
		        cpu);
		return;
	}
	if (sim_strand_start(c->s, cpu, dying_pc, 0) ||
	    km_thread_setup(c->km, cpu, cpu, "swapper", &idle)) {
		km_fail(c, "cannot start cpu %u's idle thread to take it down", cpu);
		return;
	}
	sim_strand_set_reg(c->s, cpu, SIM_REG_SP, idle.stack_top - lx->stackframe_sz - 2047);
	sim_thread_set_time_ps(c->s, cpu, (km_now_ns(c) + c->km->costs.ipi_ns) * 1000);
	d->state = KM_DYING_RUNNING;
	d->waiter = c->tid;
	c->r->redirect = 1;
	c->r->pc = glue;
}

/* km_cpu_down_wait(cpu) — the master waits until the victim's
 * __cpu_disable returned; gives its result. */
void km_cpu_down_wait(struct km_call *c)
{
	struct km_dying *d = dying_of(c->km, (unsigned)c->a[0]);
	km_charge(c, 50);
	if (!d) {
		km_fail(c, "cpu %llu out of range", (unsigned long long)c->a[0]);
		return;
	}
	if (d->state == KM_DYING_DISABLED) {
		c->a[0] = (uint64_t)(int64_t)d->result;
		return;
	}
	d->waiter = c->tid;
	sim_thread_block(c->s, c->tid, DYING_KEY | c->a[0]);
}

/* km_cpu_disabled(err) — on the victim after __cpu_disable: the cpuhp
 * dying states ran; wake the master with err (costs.ipi_ns later). */
void km_cpu_disabled(struct km_call *c)
{
	struct km_dying *d = dying_of(c->km, c->cpu);
	if (!d) {
		km_fail(c, "cpu %u out of range", c->cpu);
		return;
	}
	d->state = KM_DYING_DISABLED;
	d->result = (int32_t)c->a[0];
	/* The master is blocked right after its km_cpu_down_wait stub: the
	 * result goes into its %o0. */
	if (sim_thread_blocked(c->s, d->waiter)) {
		sim_strand_set_reg(c->s, d->waiter, SIM_REG_O0, (uint64_t)(int64_t)d->result);
		sim_wake(c->s, DYING_KEY | c->cpu, (km_now_ns(c) + c->km->costs.ipi_ns) * 1000);
	}
}

/* km_remove_cpu_done(cpu) — after the real __cpu_die: cpuhp's last
 * states (included in costs.hotplug_teardown_ns). */
void km_remove_cpu_done(struct km_call *c)
{
	struct km_dying *d = dying_of(c->km, (unsigned)c->a[0]);
	if (d)
		d->state = KM_DYING_NONE;
	km_event(c->km, KM_EV_CPU_DOWN_DONE, (unsigned)c->a[0], km_now_ns(c));
}

/* idle_task_exit() — the dying cpu's idle task drops its mm
 * (kernel/sched/core.c). Cost 500 ns. */
void km_idle_task_exit(struct km_call *c)
{
	km_charge(c, 500);
}
