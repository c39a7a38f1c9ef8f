/*
 * sim/sched.c — simulated time and the scheduler: clocks, slices, blocking and waking.
 */
#define _GNU_SOURCE
#include "sim/sim_impl.h"

/* ---- simulated time ------------------------------------------------------ */

/* scale cycles at hz, in picoseconds: at least 1 (the scheduler divides
 * by it; the trace's rules keep it there) and at most 2^63 (the clocks
 * saturate and stop at SIM_TIME_MAX_PS). */
static uint64_t ps_of(double scale, uint64_t hz)
{
	double ps = scale * 1e12 / (double)hz + 0.5;
	return !(ps >= 1.0) ? 1 : ps >= 0x1p63 ? 1ull << 63 : (uint64_t)ps;
}

void sim_cpu_set_speed(struct sim *s, unsigned cpu, uint64_t hz, double cpi)
{
	if (cpu < s->cfg.max_cpus && hz) {
		s->ps_per_insn[cpu] = ps_of(cpi, hz);
		s->ps_per_cycle[cpu] = ps_of(1.0, hz);
	}
}

uint64_t sim_cpu_ps_per_insn(const struct sim *s, unsigned cpu)
{
	return cpu < s->cfg.max_cpus ? s->ps_per_insn[cpu] : 0;
}

/* Fold the instructions executed since the last settle into the clock. */
static void settle(const struct sim *s, struct strand *st)
{
	uint64_t d = st->stats.insns - st->insns_base;
	st->clock_ps = clock_add(st->clock_ps, sat_mul(d, s->ps_per_insn[st->cpu]));
	st->insns_base = st->stats.insns;
}

uint64_t sim_thread_time_ps(struct sim *s, unsigned id)
{
	struct strand *st = sim__strand_of(s, id);
	if (!st)
		return 0;
	settle(s, st);
	return st->clock_ps;
}

void sim_thread_charge_ps(struct sim *s, unsigned id, uint64_t ps)
{
	struct strand *st = sim__strand_of(s, id);
	if (st)
		st->clock_ps = clock_add(st->clock_ps, ps);
}

void sim_thread_set_time_ps(struct sim *s, unsigned id, uint64_t ps)
{
	struct strand *st = sim__strand_of(s, id);
	if (st) {
		settle(s, st);
		uint64_t before = st->clock_ps;
		st->clock_ps = ps;
		if (s->prof)
			sim_prof_thread_reset(s->prof, id, st->stats.insns, before, ps, 0);
	}
}

unsigned sim_thread_cpu(const struct sim *s, unsigned id)
{
	const struct strand *st = sim__strand_of(s, id);
	return st ? st->cpu : UINT32_MAX;
}

int sim_thread_create(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0, uint64_t time_ps,
                      unsigned *tid)
{
	if (cpu >= s->cfg.max_cpus)
		return SIM_E_CPU;
	for (unsigned id = s->cfg.max_cpus; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (st->active)
			continue;
		st->cpu = cpu;
		int rc = sim__start_thread(s, st, pc, arg0);
		if (rc)
			return rc;
		st->clock_ps = time_ps;
		*tid = id;
		return SIM_OK;
	}
	return SIM_E_POOL;
}

/* ---- the scheduler ------------------------------------------------------- */

void sim_thread_block(struct sim *s, unsigned tid, uint64_t key)
{
	struct strand *st = sim__strand_of(s, tid);
	if (st && st->active) {
		st->blocked = 1;
		st->wait_key = key;
	}
}

unsigned sim_thread_count(const struct sim *s)
{
	return s->nthreads;
}

int sim_thread_blocked(const struct sim *s, unsigned tid)
{
	const struct strand *st = sim__strand_of(s, tid);
	return st && st->active && st->blocked;
}

unsigned sim_wake(struct sim *s, uint64_t key, uint64_t time_ps)
{
	unsigned n = 0;
	for (unsigned id = 0; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (!st->active || !st->blocked || st->wait_key != key)
			continue;
		st->blocked = 0;
		settle(s, st);
		uint64_t before = st->clock_ps;
		if (st->clock_ps < time_ps)
			st->clock_ps = time_ps;
		if (s->prof) /* asleep is not work */
			sim_prof_thread_reset(s->prof, id, st->stats.insns, before, st->clock_ps,
			                      0);
		st->runaway = sat_add(st->stats.insns, s->cfg.insn_budget);
		n++;
		if (s->cur && s->cur != st)
			s->preempt = 1;
	}
	return n;
}

size_t sim_verdict_count(const struct sim *s)
{
	return s->nverdicts;
}

const struct sim_verdict *sim_verdict_get(const struct sim *s, size_t i)
{
	return i < s->nverdicts ? &s->verdicts[i] : NULL;
}

static void record_verdict(struct sim *s, const struct sim_verdict *v)
{
	struct sim_verdict *p = realloc(s->verdicts, (s->nverdicts + 1) * sizeof *p);
	if (!p)
		return;
	s->verdicts = p;
	s->verdicts[s->nverdicts++] = *v;
}

/* The runnable thread with the earliest clock (ties: lowest id), and the
 * clock of the next one. */
static struct strand *pick(struct sim *s, uint64_t *next_ps)
{
	struct strand *best = NULL;
	*next_ps = UINT64_MAX;
	if (s->powered_off)
		return NULL; /* nothing in a powered-off domain runs */
	for (unsigned id = 0; id < s->nthreads; id++) {
		struct strand *st = &s->strands[id];
		if (!st->active || !st->runnable || st->blocked)
			continue;
		settle(s, st);
		if (!best || st->clock_ps < best->clock_ps) {
			if (best && best->clock_ps < *next_ps)
				*next_ps = best->clock_ps;
			best = st;
		} else if (st->clock_ps < *next_ps) {
			*next_ps = st->clock_ps;
		}
	}
	return best;
}

/* Run the earliest thread for one slice. Returns it (NULL: none runnable)
 * and why it stopped. */
/* A thread's clock passed SIM_TIME_MAX_PS: its verdict (it stopped
 * already, so no engine stop is needed). */
static enum sim_stop time_limit(struct sim *s, struct strand *st)
{
	memset(&st->v, 0, sizeof st->v);
	st->stop = st->v.why = SIM_STOP_TIME;
	st->v.cpu = st->cpu;
	st->v.pc = st->eng ? sim_priv_pc(&st->eng->cpu) : 0;
	sim_symbolize(s, st->v.pc, st->v.where, sizeof st->v.where);
	snprintf(st->v.msg, sizeof st->v.msg,
	         "simulated time passed its limit of %llu s (SIM_TIME_MAX_PS)",
	         (unsigned long long)(SIM_TIME_MAX_PS / 1000000000000ull));
	return SIM_STOP_TIME;
}

static struct strand *step(struct sim *s, enum sim_stop *why)
{
	uint64_t next;
	struct strand *st = pick(s, &next);
	if (!st)
		return NULL;
	uint64_t slice = SIM_MAX_SLICE_INSNS;
	st->horizon_ps = UINT64_MAX;
	if (next != UINT64_MAX) {
		st->horizon_ps = next + SIM_QUANTUM_PS;
		uint64_t until = (st->horizon_ps - st->clock_ps) / s->ps_per_insn[st->cpu] + 1;
		if (until < slice)
			slice = until;
	}
	struct strand *outer = s->stepping;
	s->stepping = st;
	*why = sim__run(s, st, slice);
	s->stepping = outer;
	settle(s, st);
	if (st->clock_ps > SIM_TIME_MAX_PS && (*why < SIM_STOP_BUDGET || *why >= SIM_STOP_SLICE))
		*why = time_limit(s, st);
	switch (*why) {
	case SIM_STOP_SLICE:
	case SIM_STOP_BLOCKED:
		break;
	case SIM_STOP_HALTED:
		/* A halted strand waits, spinning, for CPU_STOP: it holds its
		 * engine but never runs again. */
		st->runnable = 0;
		break;
	case SIM_STOP_PARKED:
		sim__engine_release(s, st->eng);
		st->eng = NULL;
		st->active = 0;
		st->runnable = 0;
		break;
	case SIM_STOP_RETURNED:
	case SIM_STOP_REACHED:
		st->runnable = 0;
		break;
	default: /* a verdict: the thread leaves the run */
		st->runnable = 0;
		record_verdict(s, &st->v);
	}
	return st;
}

enum sim_stop sim_sched_call(struct sim *s, unsigned tid, uint64_t fn, const uint64_t *args,
                             unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v)
{
	struct strand *target = sim__strand_of(s, tid);
	if (!target || !target->active || nargs > 6) {
		if (v) {
			memset(v, 0, sizeof *v);
			v->why = SIM_STOP_HOST;
			v->cpu = tid;
			snprintf(v->msg, sizeof v->msg, "thread %u is not started", tid);
		}
		return SIM_STOP_HOST;
	}
	for (unsigned i = 0; i < nargs; i++)
		sim_strand_set_reg(s, tid, SIM_REG_O0 + i, args[i]);
	sim_strand_set_reg(s, tid, SIM_REG_O6, sp - MIN_FRAME - STACK_BIAS);
	sim_strand_set_reg(s, tid, SIM_REG_O7, s->sim_return - 8);
	sim_priv_set_pc(&target->eng->cpu, fn, fn + 4);
	target->runnable = 1;
	target->blocked = 0;
	target->runaway = sat_add(target->stats.insns, s->cfg.insn_budget);
	if (s->prof) {
		settle(s, target);
		sim_prof_thread_reset(s->prof, tid, target->stats.insns, target->clock_ps,
		                      target->clock_ps, 1);
		target->prof_range[0] = target->prof_range[1] = 0; /* look up again */
	}
	enum sim_stop why = SIM_STOP_NONE;
	for (;;) {
		struct strand *st = step(s, &why);
		if (!st && s->powered_off) {
			why = SIM_STOP_POWER_OFF;
			if (target->stop == SIM_STOP_POWER_OFF)
				break; /* it powered the domain off itself */
			memset(&target->v, 0, sizeof target->v);
			target->v.why = why;
			target->v.cpu = s->power.cpu;
			target->v.pc = s->power.pc;
			snprintf(target->v.where, sizeof target->v.where, "%s", s->power.where);
			snprintf(target->v.msg, sizeof target->v.msg, "%s", s->power.msg);
			break;
		}
		if (!st) {
			why = SIM_STOP_DEADLOCK;
			memset(&target->v, 0, sizeof target->v);
			target->v.why = why;
			target->v.cpu = tid;
			target->v.pc = target->active ? sim_priv_pc(&target->eng->cpu) : 0;
			sim_symbolize(s, target->v.pc, target->v.where, sizeof target->v.where);
			snprintf(target->v.msg, sizeof target->v.msg,
			         "thread %u waits (key 0x%llx) and no thread can run to wake it",
			         tid, (unsigned long long)target->wait_key);
			break;
		}
		if (st == target && why != SIM_STOP_SLICE && why != SIM_STOP_BLOCKED)
			break; /* returned, halted or a verdict */
	}
	if (v)
		*v = target->v;
	if (ret)
		*ret = why == SIM_STOP_RETURNED ? sim_strand_reg(s, tid, SIM_REG_O0) : 0;
	return why;
}

void sim_sched_run(struct sim *s, uint64_t until_ps)
{
	for (;;) {
		uint64_t next;
		struct strand *st = pick(s, &next);
		if (!st || st->clock_ps >= until_ps)
			return;
		enum sim_stop why;
		step(s, &why);
	}
}
