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
	km_charge(c, (ns + j - 1) / j * j + j);
	c->r->yield = 1;
}

/* sched_clock() — nanoseconds of the caller's simulated clock. */
void km_sched_clock(struct km_call *c)
{
	c->a[0] = km_now_ns(c);
}
