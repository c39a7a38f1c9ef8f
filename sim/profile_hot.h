/*
 * sim/profile_hot.h — the profile's hot path, inline in the block hook.
 * Only sim/profile.c and the hook use it; everyone else uses profile.h.
 */
#ifndef LDOMSIM_SIM_PROFILE_HOT_H
#define LDOMSIM_SIM_PROFILE_HOT_H

#include <stdint.h>

#define SIM_PROF_MEMO_BITS 11

/* A change of function seen before: a thread in call-tree node from
 * reaching the block at addr moves to node to. The tree only grows and a
 * node's function and parent never change, so the move is the same every
 * time. Moves through an entry are summed (sum_insns, sum_ps: the
 * counters at each move; n: how many), applied to the nodes later. One
 * entry is one cache line. */
struct __attribute__((aligned(64))) sim_prof_memo {
	uint64_t addr; /* UINT64_MAX: empty */
	uint32_t from, to;
	uint64_t lo, hi; /* to's code range */
	uint64_t sum_insns, sum_ps, n;
	uint32_t entry; /* a call: each move counts one */
};

/* A thread's place: its node, and its counters at its last move. The
 * profile keeps one per thread; a caller may keep it elsewhere
 * (sim_prof_thread_cursor), next to its own hot data. */
struct sim_prof_cursor {
	uint64_t last_insns, last_ps;
	uint32_t node;
};

static inline unsigned sim_prof_memo_slot(uint64_t addr, uint32_t node)
{
	return (unsigned)(((addr >> 2) ^ (node * 0x9e3779b1u)) & ((1u << SIM_PROF_MEMO_BITS) - 1));
}

/* sim_prof_block for a move seen before, with the thread's cursor c and
 * the profile's memo table (sim_prof_memo): 1 if done, 0 if the caller
 * must call sim_prof_block. */
static inline int sim_prof_block_hot(struct sim_prof_memo *memo, struct sim_prof_cursor *c,
                                     uint64_t addr, uint64_t insns, uint64_t ps, uint64_t range[2])
{
	struct sim_prof_memo *m = &memo[sim_prof_memo_slot(addr, c->node)];
	if (__builtin_expect(m->addr != addr || m->from != c->node, 0))
		return 0;
	m->sum_insns += insns;
	m->sum_ps += ps;
	m->n++;
	c->node = m->to;
	c->last_insns = insns;
	c->last_ps = ps;
	range[0] = m->lo;
	range[1] = m->hi;
	return 1;
}

#endif
