/*
 * bench/play.c — the scenario player (see play.h).
 */
#include "bench/play.h"

#include <stdio.h>
#include <stdlib.h>

#include "ds/ds.h"
#include "kernel-model/km.h"
#include "lx/lx.h"
#include "sim/eventq.h"
#include "sim/sim.h"
#include "util/ser.h"

struct bench_play {
	struct sim *sim;
	struct km *km;
	unsigned irq_tid;
	uint64_t irq_stack;
	struct bench_play_ops ops;
	struct sim_eventq *q; /* the peer's answers and the ops, by time */
	struct ds_peer *peer;
	int started;        /* the scenario is playing (after the DS bring-up) */
	uint64_t t_base_ns; /* simulated time at which the scenario starts */
	size_t nops;
	size_t next_op; /* the next op to release */
};

/* An operation on the queue (its context, owned by it). */
struct op_ev {
	struct bench_play *p;
	uint64_t t_ns;
	size_t op;
};

int bench_play_raise_event(struct sim *sim, struct km *km, unsigned tid, uint64_t stack,
                           uint64_t t_ns, int event, char *why, size_t n)
{
	uint64_t fn, arg;
	if (km_ldc_event_target(km, &fn, &arg)) {
		snprintf(why, n, "the DS channel is not bound: no LDC event can be delivered");
		return -1;
	}
	if (sim_thread_time_ps(sim, tid) < t_ns * 1000)
		sim_thread_set_time_ps(sim, tid, t_ns * 1000);
	uint64_t args[2] = {arg, (uint64_t)event};
	struct sim_verdict v;
	enum sim_stop stop = sim_sched_call(sim, tid, fn, args, 2, stack, NULL, &v);
	if (stop == SIM_STOP_POWER_OFF)
		return 0; /* the domain stopped meanwhile: the play ends, the verdict says why */
	if (stop != SIM_STOP_RETURNED) {
		snprintf(why, n, "LDC event handler: %s at %s: %s", sim_stop_name(stop), v.where,
		         v.msg);
		return -1;
	}
	return 0;
}

static int raise_event(struct bench_play *p, uint64_t t_ns, int event)
{
	char why[512];
	if (bench_play_raise_event(p->sim, p->km, p->irq_tid, p->irq_stack, t_ns, event, why,
	                           sizeof why)) {
		p->ops.fail(p->ops.ctx, why);
		return -1;
	}
	return 0;
}

int bench_play_send(struct bench_play *p, uint64_t t_ns, const uint8_t *bytes, size_t len)
{
	if (km_ldc_deliver(p->km, bytes, len))
		return -1;
	return raise_event(p, t_ns, km_layout(p->km)->ldc_event_data_ready);
}

static int to_guest(void *ctx, uint64_t t_ns, const uint8_t *bytes, size_t len)
{
	return bench_play_send(ctx, t_ns, bytes, len);
}

/* The LDC port's write side: what the guest writes goes to the peer. */
static void guest_wrote(void *ctx, uint64_t t_ns, const uint8_t *bytes, size_t len)
{
	struct bench_play *p = ctx;
	ds_peer_guest_wrote(p->peer, t_ns, bytes, len);
}

/* The guest's DATA, to the player's owner. */
static void guest_data(void *ctx, const struct ds_peer_data *d)
{
	struct bench_play *p = ctx;
	if (p->ops.data)
		p->ops.data(p->ops.ctx, d);
}

static int op_run(void *ctx, uint64_t when_ps)
{
	struct op_ev *e = ctx;
	struct bench_play *p = e->p;
	size_t k = e->op;
	uint64_t t = e->t_ns;
	free(e);
	return p->ops.op_due(p->ops.ctx, k, t);
}

/* Release the next op when its predecessor was answered. */
static int release_next_op(struct bench_play *p)
{
	size_t k = p->next_op;
	if (!p->started || k >= p->nops || (k > 0 && p->ops.op_replied(p->ops.ctx, k - 1) < 0))
		return 0;
	uint64_t t = p->t_base_ns + p->ops.op_time(p->ops.ctx, k);
	if (k > 0 && (uint64_t)p->ops.op_replied(p->ops.ctx, k - 1) > t)
		t = (uint64_t)p->ops.op_replied(p->ops.ctx, k - 1);
	p->next_op = k + 1;
	struct op_ev *e = malloc(sizeof *e);
	if (!e || sim_eventq_pending(p->q) == BENCH_PLAY_MAX_EVENTS) {
		free(e);
		return -1;
	}
	*e = (struct op_ev){p, t, k};
	if (sim_eventq_schedule_owned(p->q, t * 1000, 0, op_run, e, free)) {
		free(e);
		return -1;
	}
	return 0;
}

int bench_play_create(struct sim *sim, struct km *km, unsigned irq_tid, uint64_t irq_stack,
                      uint64_t ldc_msg_ns, const struct bench_play_ops *ops,
                      struct bench_play **out)
{
	struct bench_play *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	*p = (struct bench_play){
	    .sim = sim, .km = km, .irq_tid = irq_tid, .irq_stack = irq_stack, .ops = *ops};
	struct ds_peer_ops pops = {.to_guest = to_guest, .data = guest_data, .ctx = p};
	struct km_ldc_port port = {.write = guest_wrote, .ctx = p};
	/* Attached last: what the guest wrote while booting reaches the peer now. */
	if (sim_eventq_create(&p->q) || ds_peer_create(p->q, &pops, ldc_msg_ns, &p->peer) ||
	    km_ldc_attach(km, &port)) {
		bench_play_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void bench_play_free(struct bench_play *p)
{
	if (!p)
		return;
	sim_eventq_free(p->q);
	ds_peer_free(p->peer);
	free(p);
}

struct ds_peer *bench_play_peer(const struct bench_play *p)
{
	return p->peer;
}

int bench_play_start(struct bench_play *p, uint64_t t_base_ns, size_t nops)
{
	p->started = 1;
	p->t_base_ns = t_base_ns;
	p->nops = nops;
	return release_next_op(p);
}

size_t bench_play_released(const struct bench_play *p)
{
	return p->next_op;
}

/* A powered-off domain ends the scenario: nothing more is delivered (no
 * later op, no DS message). */
static int powered_off(struct bench_play *p)
{
	if (!sim_power_state(p->sim))
		return 0;
	sim_eventq_clear(p->q);
	return 1;
}

/* The peer met an error answering (its queue full, no memory). */
static int peer_failed(struct bench_play *p)
{
	return ds_peer_error(p->peer) ? -1 : 0;
}

int bench_play_run(struct bench_play *p)
{
	for (;;) {
		uint64_t t, head;
		if (powered_off(p))
			return 0;
		if (peer_failed(p) || release_next_op(p))
			return -1;
		if (sim_eventq_next(p->q, &t)) {
			sim_sched_run(p->sim, UINT64_MAX);
			if (powered_off(p))
				return 0;
			if (peer_failed(p) || release_next_op(p))
				return -1;
			if (!sim_eventq_pending(p->q))
				return 0;
			continue;
		}
		sim_sched_run(p->sim, t);
		if (powered_off(p))
			return 0;
		if (peer_failed(p))
			return -1;
		if (!sim_eventq_next(p->q, &head) && head < t)
			continue; /* an answer is due first */
		if (sim_eventq_service_one(p->q, NULL))
			return -1;
	}
}

/* ---- boot snapshots ---------------------------------------------------- */

int bench_play_save(const struct bench_play *p, struct ser_w *w)
{
	if (p->started || sim_eventq_pending(p->q))
		return -1;
	ser_tag(w, "play");
	ds_peer_save(p->peer, w);
	return 0;
}

int bench_play_load(struct bench_play *p, struct ser_r *r)
{
	ser_expect(r, "play");
	return ser_r_failed(r) ? -1 : ds_peer_load(p->peer, r);
}
