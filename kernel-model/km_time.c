/*
 * kernel-model/km_time.c — time as the code under study sees it. Every
 * service advances the caller's simulated clock; a caller that waits ends
 * its time slice so that the other strands run meanwhile.
 */
#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"

/* udelay(usecs) — a busy wait: usecs * 1000 ns rounded up to
 * costs.udelay_granularity_ns, plus costs.udelay_overhead_ns. The master
 * polls callin_flag with udelay(100), so bringup latency is quantised by
 * this (a real effect). */
void km_udelay(struct km_call *c)
{
	uint64_t g = c->km->costs.udelay_granularity_ns;
	uint64_t ns = c->a[0] * 1000;
	if (g > 1)
		ns = (ns + g - 1) / g * g;
	km_charge(c, ns + c->km->costs.udelay_overhead_ns);
	c->r->yield = 1;
}

/* msleep(ms) — sleeps at least ms, in whole jiffies: (ms / jiffy + 1)
 * jiffies, as msecs_to_jiffies(ms) + 1 does. Modelled as the caller's
 * clock jumping (the cpu idles meanwhile). */
void km_msleep(struct km_call *c)
{
	uint64_t j = c->km->costs.jiffy_ns ? c->km->costs.jiffy_ns : 1;
	uint64_t ns = c->a[0] * 1000000;
	km_event(c->km, KM_EV_MSLEEP, c->cpu, km_now_ns(c));
	km_charge(c, (ns + j - 1) / j * j + j);
	c->r->yield = 1;
}

/* sched_clock() — nanoseconds of the caller's simulated clock. */
void km_sched_clock(struct km_call *c)
{
	c->a[0] = km_now_ns(c);
}

/* ---- tick_ops: the %stick operations (time_64.c, not under study) ------ */

static uint64_t stick_now(struct km_call *c)
{
	/* %stick counts at the machine's stick frequency from time 0. */
	return (uint64_t)((double)km_now_ns(c) * (double)c->km->stick_hz / 1e9);
}

/* tick_ops->get_tick() — the %stick value at the caller's time. 20 ns. */
void km_tick_get_tick(struct km_call *c)
{
	km_charge(c, 20);
	c->a[0] = stick_now(c);
}

/* tick_ops->add_compare(delta) — programs %stick_cmpr = now + delta;
 * returns 0 (not in the past). 30 ns. */
void km_tick_add_compare(struct km_call *c)
{
	km_charge(c, 30);
	c->a[0] = 0;
}

/* tick_ops->disable_irq() — %stick_cmpr interrupt off. 30 ns. */
void km_tick_disable_irq(struct km_call *c)
{
	km_charge(c, 30);
}

/* tick_ops->init_tick() — clears the %stick NPT bit. 30 ns. */
void km_tick_init_tick(struct km_call *c)
{
	km_charge(c, 30);
}

/* tick_ops->add_tick(adj) — on sun4v %stick is read-only: returns the
 * current value unchanged. 30 ns. */
void km_tick_add_tick(struct km_call *c)
{
	km_charge(c, 30);
	c->a[0] = stick_now(c);
}

/* tick_ops->get_frequency() — the stick frequency, Hz. 10 ns. */
void km_tick_get_frequency(struct km_call *c)
{
	km_charge(c, 10);
	c->a[0] = c->km->stick_hz;
}
