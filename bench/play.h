/*
 * bench/play.h — the scenario player (bench-internal): the machine's event
 * queue carries the trace's operations and the DS peer's answers; the
 * guest runs between events. Operations are serialised (traces/FORMAT.md):
 * op k + 1 goes out at its time or when the guest answered op k, whichever
 * is later; an unanswered op holds back the rest.
 */
#ifndef LDOMSIM_BENCH_PLAY_H
#define LDOMSIM_BENCH_PLAY_H

#include <stddef.h>
#include <stdint.h>

struct sim;
struct km;
struct ds_peer;
struct ds_peer_data;

/* Pending events at most (a runaway scenario fails instead). */
#define BENCH_PLAY_MAX_EVENTS 4096

/* What the player asks of the run that owns it. */
struct bench_play_ops {
	/* Op k falls due at t_ns: send its request (bench_play_send). */
	int (*op_due)(void *ctx, size_t k, uint64_t t_ns);
	/* The time op k goes out at the earliest, ns after the scenario's start. */
	uint64_t (*op_time)(void *ctx, size_t k);
	/* When the guest answered op k, -1 while it has not. */
	int64_t (*op_replied)(void *ctx, size_t k);
	/* The guest wrote a DATA message (the DS peer's owner). */
	void (*data)(void *ctx, const struct ds_peer_data *d);
	/* A finding that stops the run (its verdict). */
	void (*fail)(void *ctx, const char *msg);
	void *ctx;
};

struct bench_play;

/* A player for a booted machine: the channel event runs on thread irq_tid
 * with stack irq_stack; the peer answers ldc_msg_ns after the guest wrote.
 * The peer is attached to the kernel model's LDC port. */
int bench_play_create(struct sim *sim, struct km *km, unsigned irq_tid, uint64_t irq_stack,
                      uint64_t ldc_msg_ns, const struct bench_play_ops *ops,
                      struct bench_play **out);
void bench_play_free(struct bench_play *p);
struct ds_peer *bench_play_peer(const struct bench_play *p);

/* Raise the DS channel's event (LDC_EVENT_* of the guest's layout) in interrupt context at
 * t_ns on thread tid: 0 (also when the domain powered off meanwhile), or
 * -1 with why (n bytes) naming the failure. No player needed: boot raises
 * LDC_EVENT_UP before there is one. */
int bench_play_raise_event(struct sim *sim, struct km *km, unsigned tid, uint64_t stack,
                           uint64_t t_ns, int event, char *why, size_t n);
/* Put bytes into the guest's DS channel and raise its event at t_ns. */
int bench_play_send(struct bench_play *p, uint64_t t_ns, const uint8_t *bytes, size_t len);
/* Release nops operations from t_base_ns on. */
int bench_play_start(struct bench_play *p, uint64_t t_base_ns, size_t nops);
/* The operations released so far. */
size_t bench_play_released(const struct bench_play *p);
/* Run until nothing is left to do or the domain powered off: 0, or -1
 * (the owner's fail said why, or the peer's queue failed). */
int bench_play_run(struct bench_play *p);

/* Boot snapshots (issue 14): the player before its scenario starts (the
 * DS peer's registrations), into a stream and back. -1 from save when it
 * is not at that point (started, events pending). */
struct ser_w;
struct ser_r;
int bench_play_save(const struct bench_play *p, struct ser_w *w);
int bench_play_load(struct bench_play *p, struct ser_r *r);

#endif
