/*
 * sim/profile.h — the per-function profile: guest instructions and
 * simulated time by kernel function (self and inclusive) and folded call
 * stacks, per guest thread, from the block hook. Calls and returns are
 * inferred from control flow: a block at a function's entry is a call, a
 * block in a function already on the thread's stack is a return to it, a
 * block in the guest trap table is a trap (pushed like a call), anything
 * else is a jump (the top of the stack is replaced). Simulated time
 * charged by the hypervisor and kernel models goes to the function that
 * was running (the model's stub).
 */
#ifndef LDOMSIM_SIM_PROFILE_H
#define LDOMSIM_SIM_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cache/cache.h"

struct sim_image;
struct sim_prof;
struct sim_prof_memo;
struct sim_prof_cursor;

int sim_prof_create(const struct sim_image *img, unsigned nthreads, struct sim_prof **out);
void sim_prof_free(struct sim_prof *p);

/* Hot path: thread tid is about to run the block at addr; insns and ps
 * are its counters now (everything before this block). range gets the
 * code range of addr's function: the caller need not call again while
 * the thread stays inside it (its time is attributed when it leaves). */
void sim_prof_block(struct sim_prof *p, unsigned tid, uint64_t addr, uint64_t insns, uint64_t ps,
                    uint64_t range[2]);
/* The host moves thread tid's clock from ps_before to ps_after (idle
 * time) or restarts its counters (insns, with ps_before = ps_after):
 * what ran until now is attributed, the move is not; new_stack: its call
 * stack restarts. */
void sim_prof_thread_reset(struct sim_prof *p, unsigned tid, uint64_t insns, uint64_t ps_before,
                           uint64_t ps_after, int new_stack);
/* The hot path (sim/profile_hot.h): the memo table sim_prof_block_hot
 * reads, and a thread's cursor moved to c (its state copied there): from
 * then on the profile uses c, which must stay valid while p is used. */
struct sim_prof_memo *sim_prof_memo(struct sim_prof *p);
void sim_prof_thread_cursor(struct sim_prof *p, unsigned tid, struct sim_prof_cursor *c);
/* The memory model's accesses in the profile (off until enabled): what a
 * thread's access did, charged to the function it runs. */
struct sim_prof_mem {
	uint64_t served[CACHE_NKINDS][CACHE_MAX_LEVELS + 1]; /* by kind and serving level */
	uint64_t stall_ps;
};
int sim_prof_memory_enable(struct sim_prof *p);
/* The hot path's view of those counts: the table by call-tree node (it
 * moves as nodes are added: read it through this each time; NULL while
 * the memory model is off); a thread's node is its cursor's. */
struct sim_prof_mem *const *sim_prof_mem_table(struct sim_prof *p);
/* Inclusive memory counts of the functions sim_prof_query selects
 * (zeros while the memory model is off). */
void sim_prof_query_mem(struct sim_prof *p, const char *prefix, const char *parent,
                        struct sim_prof_mem *out);
/* Label of a thread's stacks in folded output (default "tN"). */
void sim_prof_thread_label(struct sim_prof *p, unsigned tid, const char *label);

struct sim_prof_fn {
	const char *name;
	uint64_t self_insns, incl_insns; /* guest instructions */
	uint64_t self_ps, incl_ps;       /* simulated picoseconds */
	uint64_t calls;                  /* entries into it */
	struct sim_prof_mem incl_mem;    /* the memory model's, inclusive (zeros: off) */
};
/* Totals per function so far (functions never run are left out); *out is
 * malloc'd, sorted by inclusive time, largest first. */
size_t sim_prof_functions(struct sim_prof *p, struct sim_prof_fn **out);
/* The same for one thread (tid < 0: all threads). */
size_t sim_prof_thread_functions(struct sim_prof *p, int tid, struct sim_prof_fn **out);
/* Whether thread tid ran guest code, and its label. */
int sim_prof_thread_ran(const struct sim_prof *p, unsigned tid);
const char *sim_prof_thread_label_of(const struct sim_prof *p, unsigned tid);
/* Inclusive simulated time of one function so far (0 if never run). */
uint64_t sim_prof_incl_ps(struct sim_prof *p, const char *name);
uint64_t sim_prof_incl_insns(struct sim_prof *p, const char *name);
/* Inclusive totals over the functions whose name starts with prefix (gcc
 * clones: "find_back_node_value" matches ".part.0.constprop.0"), only
 * where called directly from a function named parent (NULL: anywhere),
 * outermost occurrences only. */
void sim_prof_query(struct sim_prof *p, const char *prefix, const char *parent, uint64_t *insns,
                    uint64_t *ps);
/* Folded stacks ("label;f;g;h <picoseconds>\n"), the format flame-graph
 * tools read; value = self simulated time in nanoseconds. */
int sim_prof_write_folded(struct sim_prof *p, FILE *f);

/* Boot snapshots (issue 14): the call trees, counts, cursors and memo
 * into a stream, and back into a profile of the same machine and image
 * (its cursors already placed as before the save). A failed load leaves
 * the profile as it was, apart from cursors and counts to be discarded
 * with it. */
struct ser_w;
struct ser_r;
void sim_prof_save(const struct sim_prof *p, struct ser_w *w);
int sim_prof_load(struct sim_prof *p, struct ser_r *r);

#endif
