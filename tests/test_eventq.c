/*
 * tests/test_eventq.c — the machine's event queue (sim/eventq.h): time
 * order, equal times by priority then insertion, run_until's bounds,
 * events scheduled from a callback, a failing callback stopping the run.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/eventq.h"

struct log {
	struct sim_eventq *q;
	int order[64];
	uint64_t when[64];
	size_t n;
};

struct tag {
	struct log *log;
	int id;
	int fail; /* the callback's result */
	/* reschedule this tag at when + again_ps (0: not) up to `times` */
	uint64_t again_ps;
	int times;
};

static int record(void *ctx, uint64_t when)
{
	struct tag *t = ctx;
	struct log *l = t->log;
	l->order[l->n] = t->id;
	l->when[l->n++] = when;
	if (t->times > 0) {
		t->times--;
		cr_assert_eq(sim_eventq_schedule(l->q, when + t->again_ps, 0, record, t), 0);
	}
	return t->fail;
}

static struct sim_eventq *mk(struct log *l)
{
	memset(l, 0, sizeof *l);
	cr_assert_eq(sim_eventq_create(&l->q), SIM_EVENTQ_OK);
	return l->q;
}

Test(eventq, events_run_in_order_of_time_whatever_the_insertion_order)
{
	struct log l;
	struct sim_eventq *q = mk(&l);
	static const uint64_t t[] = {50, 10, 40, 20, 30, 5, 1000, 7};
	struct tag tags[8];
	for (int i = 0; i < 8; i++) {
		tags[i] = (struct tag){&l, i, 0, 0, 0};
		cr_assert_eq(sim_eventq_schedule(q, t[i], 0, record, &tags[i]), 0);
	}
	cr_assert_eq(sim_eventq_pending(q), 8);
	cr_assert_eq(sim_eventq_run_until(q, UINT64_MAX), 0);
	cr_assert_eq(l.n, 8);
	for (size_t i = 1; i < l.n; i++)
		cr_expect_lt(l.when[i - 1], l.when[i], "event %zu", i);
	cr_expect_eq(l.order[0], 5);
	cr_expect_eq(l.order[7], 6);
	sim_eventq_free(q);
}

Test(eventq, equal_times_run_by_priority_then_first_in_first_out)
{
	struct log l;
	struct sim_eventq *q = mk(&l);
	/* id: prio */
	static const int prio[] = {2, 0, 1, 0, 2, 1, 0, -1, 0, 1, 2, 0};
	struct tag tags[12];
	for (int i = 0; i < 12; i++) {
		tags[i] = (struct tag){&l, i, 0, 0, 0};
		cr_assert_eq(sim_eventq_schedule(q, 100, prio[i], record, &tags[i]), 0);
	}
	cr_assert_eq(sim_eventq_run_until(q, 100), 0);
	static const int want[] = {7, 1, 3, 6, 8, 11, 2, 5, 9, 0, 4, 10};
	cr_assert_eq(l.n, 12);
	for (int i = 0; i < 12; i++)
		cr_expect_eq(l.order[i], want[i], "position %d", i);
	sim_eventq_free(q);
}

Test(eventq, run_until_runs_what_is_due_and_leaves_the_rest)
{
	struct log l;
	struct sim_eventq *q = mk(&l);
	struct tag a = {&l, 1, 0, 0, 0}, b = {&l, 2, 0, 0, 0}, c = {&l, 3, 0, 0, 0};
	sim_eventq_schedule(q, 10, 0, record, &a);
	sim_eventq_schedule(q, 20, 0, record, &b);
	sim_eventq_schedule(q, 21, 0, record, &c);
	cr_assert_eq(sim_eventq_run_until(q, 9), 0);
	cr_expect_eq(l.n, 0, "nothing is due before 10");
	cr_assert_eq(sim_eventq_run_until(q, 20), 0);
	cr_expect_eq(l.n, 2, "an event at exactly t runs");
	uint64_t next;
	cr_assert_eq(sim_eventq_next(q, &next), 0);
	cr_expect_eq(next, 21);
	cr_expect_eq(sim_eventq_pending(q), 1);
	int ran;
	cr_expect_eq(sim_eventq_service_one(q, &ran), 0);
	cr_expect_eq(ran, 1);
	cr_expect_eq(sim_eventq_next(q, &next), -1);
	cr_expect_eq(sim_eventq_service_one(q, &ran), 0);
	cr_expect_eq(ran, 0, "an empty queue runs nothing");
	sim_eventq_free(q);
}

Test(eventq, a_callback_can_schedule_events_that_run_in_the_same_pass)
{
	struct log l;
	struct sim_eventq *q = mk(&l);
	struct tag tick = {&l, 1, 0, 10, 4}, other = {&l, 2, 0, 0, 0};
	sim_eventq_schedule(q, 0, 0, record, &tick);
	sim_eventq_schedule(q, 25, 0, record, &other);
	cr_assert_eq(sim_eventq_run_until(q, 30), 0);
	/* tick at 0, 10, 20, other at 25, tick at 30; the 40 tick is left */
	static const int want[] = {1, 1, 1, 2, 1};
	static const uint64_t when[] = {0, 10, 20, 25, 30};
	cr_assert_eq(l.n, 5);
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(l.order[i], want[i], "position %d", i);
		cr_expect_eq(l.when[i], when[i], "position %d", i);
	}
	cr_expect_eq(sim_eventq_pending(q), 1);
	sim_eventq_free(q);
}

Test(eventq, a_failing_callback_stops_the_run_and_keeps_the_rest)
{
	struct log l;
	struct sim_eventq *q = mk(&l);
	struct tag a = {&l, 1, 0, 0, 0}, b = {&l, 2, -7, 0, 0}, c = {&l, 3, 0, 0, 0};
	sim_eventq_schedule(q, 1, 0, record, &a);
	sim_eventq_schedule(q, 2, 0, record, &b);
	sim_eventq_schedule(q, 3, 0, record, &c);
	cr_expect_eq(sim_eventq_run_until(q, 100), -7);
	cr_expect_eq(l.n, 2);
	cr_expect_eq(sim_eventq_pending(q), 1);
	sim_eventq_free(q);
}

static void drop(void *ctx)
{
	++*(int *)ctx;
}

static int never(void *ctx, uint64_t when)
{
	cr_assert_fail("a cleared event ran");
	return 0;
}

Test(eventq, clear_runs_nothing_and_hands_owned_contexts_back)
{
	struct sim_eventq *q;
	int drops = 0;
	cr_assert_eq(sim_eventq_create(&q), 0);
	for (int i = 0; i < 100; i++)
		sim_eventq_schedule_owned(q, (uint64_t)(i * 7919 % 100), 0, never, &drops, drop);
	sim_eventq_schedule(q, 5, 0, never, NULL); /* not owned: nothing to drop */
	sim_eventq_clear(q);
	cr_expect_eq(drops, 100);
	cr_expect_eq(sim_eventq_pending(q), 0);
	cr_expect_eq(sim_eventq_run_until(q, UINT64_MAX), 0);
	cr_expect_eq(sim_eventq_schedule(NULL, 0, 0, record, NULL), SIM_EVENTQ_ERR_ARG);
	cr_expect_eq(sim_eventq_schedule(q, 0, 0, NULL, NULL), SIM_EVENTQ_ERR_ARG);
	sim_eventq_free(q);
	sim_eventq_free(NULL);
}
