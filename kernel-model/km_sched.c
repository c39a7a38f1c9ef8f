/*
 * kernel-model/km_sched.c — kernel threads, wait queues and schedule().
 *
 * A kthread is a guest thread of the simulator (its own engine) on the boot
 * cpu. Blocking is the simulator's: schedule() blocks the calling thread on
 * the wait queue it prepared to wait on (or on its task, for a thread that
 * was never woken), and __wake_up()/wake_up_process() wake it at the
 * waker's time plus costs.kthread_wakeup_ns. A wake-up between
 * prepare_to_wait() and schedule() is remembered, as TASK_RUNNING is on a
 * real kernel, so it is never lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"
#include "util/ser.h"

#define STACK_BIAS 2047

struct km_tstate {
	uint64_t task;               /* its task_struct, 0 for a thread the model did not create */
	uint64_t wq;                 /* wait queue it prepared to wait on, 0 if none */
	int woken;                   /* woken since prepare_to_wait / creation */
	int started;                 /* a kthread runs only after wake_up_process */
	char comm[LX_MAX_TASK_COMM]; /* NUL-terminated within TASK_COMM_LEN */
};

static struct km_tstate *ts_of(struct km *km, unsigned tid)
{
	if (!km->threads) {
		km->nthreads = sim_thread_count(km->s);
		km->threads = calloc(km->nthreads, sizeof *km->threads);
	}
	return km->threads && tid < km->nthreads ? &km->threads[tid] : NULL;
}

void km_sched_fini(struct km *km)
{
	free(km->threads);
	km->threads = NULL;
}

int km_task_tid(struct km *km, uint64_t task)
{
	for (unsigned t = 0; km->threads && t < km->nthreads; t++)
		if (km->threads[t].task == task)
			return (int)t;
	return -1;
}

void km_note_task(struct km *km, unsigned tid, uint64_t task, const char *comm)
{
	struct km_tstate *ts = ts_of(km, tid);
	char label[40];
	if (ts) {
		ts->task = task;
		ts->started = 1;
		snprintf(ts->comm, (size_t)km_layout(km)->task_comm_len, "%s", comm);
	}
	snprintf(label, sizeof label, "%s/cpu%u", comm, sim_thread_cpu(km->s, tid));
	sim_thread_label(km->s, tid, label);
}

/* kthread_create_on_node(threadfn, data, node, namefmt, ...) — a new
 * kernel thread on the boot cpu, created stopped: it first runs when
 * wake_up_process() wakes it, as threadfn(data); when threadfn returns
 * the thread ends. Cost: costs.kthread_wakeup_ns (fork of a kthread).
 * Returns its task_struct. */
void km_kthread_create_on_node(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t fn = c->a[0], data = c->a[1], ret;
	char comm[LX_MAX_TASK_COMM] = "kthread"; /* TASK_COMM_LEN of the guest */
	unsigned tid;
	struct km_thread t;
	km_cstr(c->km, c->a[3], comm, (size_t)lx->task_comm_len);
	if (sim_thread_create(c->s, c->km->boot_cpu, fn, data, sim_thread_time_ps(c->s, c->tid),
	                      &tid) ||
	    km_thread_setup(c->km, tid, c->km->boot_cpu, comm, &t) ||
	    sim_sym(c->s, "sim_return", &ret)) {
		km_fail(c, "cannot create kthread '%s' (no thread slot or memory)", comm);
		return;
	}
	sim_strand_set_reg(c->s, tid, SIM_REG_SP, t.stack_top - lx->stackframe_sz - STACK_BIAS);
	sim_strand_set_reg(c->s, tid, SIM_REG_O7, ret - 8);
	struct km_tstate *ts = ts_of(c->km, tid);
	ts->task = t.task;
	ts->started = 0;
	snprintf(ts->comm, (size_t)lx->task_comm_len, "%s", comm);
	sim_thread_block(c->s, tid, t.task); /* created stopped */
	km_charge(c, c->km->costs.kthread_wakeup_ns);
	c->a[0] = t.task;
}

static void wake_tid(struct km_call *c, unsigned tid, uint64_t key)
{
	uint64_t t = sim_thread_time_ps(c->s, c->tid) + c->km->costs.kthread_wakeup_ns * 1000;
	struct km_tstate *ts = ts_of(c->km, tid);
	if (ts)
		ts->woken = 1;
	sim_wake(c->s, key, t);
}

/* wake_up_process(task) — starts a created kthread or wakes a sleeping
 * one; returns 1 if it was not running. Cost 200 ns for the waker. */
void km_wake_up_process(struct km_call *c)
{
	int tid = km_task_tid(c->km, c->a[0]);
	km_charge(c, 200);
	if (tid < 0) {
		km_fail(c, "task 0x%llx is not a thread of the model", (unsigned long long)c->a[0]);
		return;
	}
	struct km_tstate *ts = ts_of(c->km, (unsigned)tid);
	int was_blocked = sim_thread_blocked(c->s, (unsigned)tid);
	ts->started = 1;
	wake_tid(c, (unsigned)tid, ts->task);
	if (ts->wq)
		sim_wake(c->s, ts->wq, sim_thread_time_ps(c->s, c->tid));
	c->a[0] = was_blocked;
}

/* kthread_should_stop() — nobody stops a kthread in these scenarios: 0. */
void km_kthread_should_stop(struct km_call *c)
{
	km_charge(c, 10);
	c->a[0] = 0;
}

/* prepare_to_wait(wq_head, wq_entry, state) — the caller will sleep on
 * wq_head. Cost 50 ns. */
void km_prepare_to_wait(struct km_call *c)
{
	struct km_tstate *ts = ts_of(c->km, c->tid);
	km_charge(c, 50);
	if (ts) {
		ts->wq = c->a[0];
		ts->woken = 0;
	}
}

/* finish_wait(wq_head, wq_entry) — the caller is done waiting. 30 ns. */
void km_finish_wait(struct km_call *c)
{
	struct km_tstate *ts = ts_of(c->km, c->tid);
	km_charge(c, 30);
	if (ts)
		ts->wq = 0;
}

/* schedule() — the caller sleeps until woken (at once if a wake-up came
 * after prepare_to_wait). Cost costs.sched_switch_ns. */
void km_schedule(struct km_call *c)
{
	struct km_tstate *ts = ts_of(c->km, c->tid);
	km_charge(c, c->km->costs.sched_switch_ns);
	if (!ts || ts->woken) {
		if (ts)
			ts->woken = 0;
		return;
	}
	sim_thread_block(c->s, c->tid, ts->wq ? ts->wq : ts->task);
}

/* __wake_up(wq_head, mode, nr, key) — wakes the threads sleeping on
 * wq_head (and marks those about to). Cost 150 ns. Returns 0. */
void km___wake_up(struct km_call *c)
{
	km_charge(c, 150);
	for (unsigned t = 0; c->km->threads && t < c->km->nthreads; t++)
		if (c->km->threads[t].wq == c->a[0])
			c->km->threads[t].woken = 1;
	sim_wake(c->s, c->a[0],
	         sim_thread_time_ps(c->s, c->tid) + c->km->costs.kthread_wakeup_ns * 1000);
	c->a[0] = 0;
}

/* ---- boot snapshots ---------------------------------------------------- */

void km_sched_save(const struct km *km, struct ser_w *w)
{
	ser_tag(w, "thr ");
	ser_put_array(w, km->threads, km->threads ? km->nthreads : 0, sizeof *km->threads);
}

int km_sched_load(struct km *km, struct ser_r *r)
{
	size_t n;
	ser_expect(r, "thr ");
	struct km_tstate *t =
	    ser_get_array(r, &n, sizeof *t, sim_thread_count(km->s), "kernel threads");
	if (ser_r_failed(r))
		return -1;
	free(km->threads);
	km->threads = t;
	km->nthreads = t ? n : 0;
	return 0;
}
