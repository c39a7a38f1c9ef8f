/*
 * sim/eventq.h — a discrete-event queue of simulated time (gem5's eventq is
 * the model). Events are (when_ps, prio, fn, ctx); they are serviced in
 * order of time, then priority (lower first), then insertion: equal keys
 * run first-in first-out, so a run is deterministic. A callback may
 * schedule further events, at any time (one in the past runs next).
 *
 * The queue knows nothing of what the events do: the scenario player
 * releases the trace's operations and the DS peer's messages through it.
 */
#ifndef LDOMSIM_SIM_EVENTQ_H
#define LDOMSIM_SIM_EVENTQ_H

#include <stddef.h>
#include <stdint.h>

enum sim_eventq_err {
	SIM_EVENTQ_OK = 0,
	SIM_EVENTQ_ERR_ARG = -1,   /* NULL queue or callback */
	SIM_EVENTQ_ERR_NOMEM = -2, /* the queue cannot grow */
	SIM_EVENTQ_ERR_FULL = -3,  /* SIM_EVENTQ_MAX pending events */
};

/* Pending events at most (a bound on a runaway scenario, not a tuning
 * knob). */
#define SIM_EVENTQ_MAX (1u << 20)

/* An event's action: when_ps is the time it was scheduled for. Nonzero
 * stops sim_eventq_run_until and is returned by it. */
typedef int (*sim_event_fn)(void *ctx, uint64_t when_ps);

struct sim_eventq;

int sim_eventq_create(struct sim_eventq **out);
/* Frees the queue; pending events are dropped as by sim_eventq_clear. */
void sim_eventq_free(struct sim_eventq *q);
const char *sim_eventq_strerror(int code);

int sim_eventq_schedule(struct sim_eventq *q, uint64_t when_ps, int prio, sim_event_fn fn,
                        void *ctx);
/* The same, for an event that owns ctx: drop(ctx) is called when the event
 * is cleared instead of run (the callback frees ctx when it runs). */
int sim_eventq_schedule_owned(struct sim_eventq *q, uint64_t when_ps, int prio, sim_event_fn fn,
                              void *ctx, void (*drop)(void *ctx));
size_t sim_eventq_pending(const struct sim_eventq *q);
/* The time of the next event: 0 and *when_ps, or -1 when none is pending. */
int sim_eventq_next(const struct sim_eventq *q, uint64_t *when_ps);
/* Remove the next event and run it: its callback's result, or 0 (and
 * *ran = 0) when none is pending. ran may be NULL. */
int sim_eventq_service_one(struct sim_eventq *q, int *ran);
/* Run every event due at or before t_ps, those the callbacks schedule
 * included, in order; stop at the first callback that returns nonzero and
 * return its result. Later events stay queued. */
int sim_eventq_run_until(struct sim_eventq *q, uint64_t t_ps);
/* Drop every pending event without running it (owned events' drop is
 * called with their ctx). */
void sim_eventq_clear(struct sim_eventq *q);

#endif
