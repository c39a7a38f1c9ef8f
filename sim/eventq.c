/*
 * sim/eventq.c — see eventq.h. A binary min-heap keyed by (when, prio,
 * seq); seq is a per-queue insertion counter, so the order never depends
 * on the heap's shape.
 */
#include "sim/eventq.h"

#include <stdlib.h>

struct event {
	uint64_t when;
	int prio;
	uint64_t seq;
	sim_event_fn fn;
	void *ctx;
	void (*drop)(void *ctx);
};

struct sim_eventq {
	struct event *heap;
	size_t n, cap;
	uint64_t seq;
};

int sim_eventq_create(struct sim_eventq **out)
{
	if (!out)
		return SIM_EVENTQ_ERR_ARG;
	*out = calloc(1, sizeof **out);
	return *out ? SIM_EVENTQ_OK : SIM_EVENTQ_ERR_NOMEM;
}

void sim_eventq_clear(struct sim_eventq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		if (q->heap[i].drop)
			q->heap[i].drop(q->heap[i].ctx);
	q->n = 0;
}

void sim_eventq_free(struct sim_eventq *q)
{
	if (!q)
		return;
	sim_eventq_clear(q);
	free(q->heap);
	free(q);
}

const char *sim_eventq_strerror(int code)
{
	switch (code) {
	case SIM_EVENTQ_OK:
		return "ok";
	case SIM_EVENTQ_ERR_ARG:
		return "invalid argument";
	case SIM_EVENTQ_ERR_NOMEM:
		return "out of memory";
	case SIM_EVENTQ_ERR_FULL:
		return "too many pending events";
	}
	return "unknown event-queue error";
}

static int before(const struct event *a, const struct event *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->seq < b->seq;
}

static void swap(struct event *a, struct event *b)
{
	struct event t = *a;
	*a = *b;
	*b = t;
}

int sim_eventq_schedule(struct sim_eventq *q, uint64_t when_ps, int prio, sim_event_fn fn,
                        void *ctx)
{
	return sim_eventq_schedule_owned(q, when_ps, prio, fn, ctx, NULL);
}

int sim_eventq_schedule_owned(struct sim_eventq *q, uint64_t when_ps, int prio, sim_event_fn fn,
                              void *ctx, void (*drop)(void *ctx))
{
	if (!q || !fn)
		return SIM_EVENTQ_ERR_ARG;
	if (q->n == SIM_EVENTQ_MAX)
		return SIM_EVENTQ_ERR_FULL;
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct event *h = realloc(q->heap, cap * sizeof *h);
		if (!h)
			return SIM_EVENTQ_ERR_NOMEM;
		q->heap = h;
		q->cap = cap;
	}
	size_t i = q->n++;
	q->heap[i] = (struct event){when_ps, prio, q->seq++, fn, ctx, drop};
	while (i > 0 && before(&q->heap[i], &q->heap[(i - 1) / 2])) {
		swap(&q->heap[i], &q->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return SIM_EVENTQ_OK;
}

size_t sim_eventq_pending(const struct sim_eventq *q)
{
	return q ? q->n : 0;
}

int sim_eventq_next(const struct sim_eventq *q, uint64_t *when_ps)
{
	if (!q || !q->n)
		return -1;
	if (when_ps)
		*when_ps = q->heap[0].when;
	return 0;
}

static struct event pop(struct sim_eventq *q)
{
	struct event top = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->n && before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->n && before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->heap[i], &q->heap[m]);
		i = m;
	}
	return top;
}

int sim_eventq_service_one(struct sim_eventq *q, int *ran)
{
	if (ran)
		*ran = 0;
	if (!q || !q->n)
		return 0;
	struct event e = pop(q);
	if (ran)
		*ran = 1;
	return e.fn(e.ctx, e.when);
}

int sim_eventq_run_until(struct sim_eventq *q, uint64_t t_ps)
{
	while (q && q->n && q->heap[0].when <= t_ps) {
		int rc = sim_eventq_service_one(q, NULL);
		if (rc)
			return rc;
	}
	return 0;
}
