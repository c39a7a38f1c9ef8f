/*
 * sim/profile.c — see profile.h.
 */
#include "sim/profile.h"

#include <stdlib.h>
#include <string.h>

#include "sim/image.h"
#include "sim/profile_hot.h"
#include "util/ser.h"

#define CACHE_BITS 12 /* block address -> function cache (4096 entries: stays in L1/L2) */
#define ROOT_FN    UINT32_MAX
#define UNKNOWN_FN (UINT32_MAX - 1)

struct fn {
	uint64_t start, end;
	const char *name;
	int is_trap; /* the guest trap table: entered like an interrupt */
};

struct node {
	uint32_t fn, parent, first_child, next_sibling;
	uint64_t self_insns, self_ps, calls;
};

struct thread {
	uint32_t root;
	char label[32];
};

struct cache_ent {
	uint64_t addr;
	uint32_t fn;
};

struct sim_prof {
	struct sim_prof_memo memo[1u << SIM_PROF_MEMO_BITS];
	struct sim_prof_cursor **cur; /* per thread: own[tid] or the caller's */
	struct sim_prof_cursor *own;
	struct fn *fns;
	size_t nfns;
	struct node *nodes;
	size_t nnodes, capnodes;
	struct thread *threads;
	unsigned nthreads;
	struct sim_prof_mem *mem; /* by node, as nodes; NULL: memory model off */
	struct cache_ent cache[1u << CACHE_BITS];
};

static int cmp_fn(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static uint32_t new_node(struct sim_prof *p, uint32_t fn, uint32_t parent)
{
	if (p->nnodes == p->capnodes) {
		size_t cap = p->capnodes * 2;
		struct node *n = realloc(p->nodes, cap * sizeof *n);
		if (!n)
			return 0;
		p->nodes = n;
		if (p->mem) {
			struct sim_prof_mem *m = realloc(p->mem, cap * sizeof *m);
			if (!m)
				return 0;
			memset(m + p->capnodes, 0, (cap - p->capnodes) * sizeof *m);
			p->mem = m;
		}
		p->capnodes = cap;
	}
	uint32_t i = (uint32_t)p->nnodes++;
	p->nodes[i] = (struct node){fn, parent, 0, 0, 0, 0, 0};
	if (parent) {
		p->nodes[i].next_sibling = p->nodes[parent].first_child;
		p->nodes[parent].first_child = i;
	}
	return i;
}

int sim_prof_create(const struct sim_image *img, unsigned nthreads, struct sim_prof **out)
{
	/* aligned: a memo entry is one cache line */
	struct sim_prof *p = aligned_alloc(_Alignof(struct sim_prof), sizeof *p);
	*out = NULL;
	if (!p)
		return -1;
	memset(p, 0, sizeof *p);
	p->nthreads = nthreads;
	p->threads = calloc(nthreads, sizeof *p->threads);
	p->cur = calloc(nthreads ? nthreads : 1, sizeof *p->cur);
	p->own = calloc(nthreads ? nthreads : 1, sizeof *p->own);
	p->capnodes = 1024;
	p->nodes = malloc(p->capnodes * sizeof *p->nodes);
	p->nfns = sim_image_function_count(img);
	p->fns = calloc(p->nfns ? p->nfns : 1, sizeof *p->fns);
	if (!p->threads || !p->cur || !p->own || !p->nodes || !p->fns)
		goto fail;
	for (size_t i = 0; i < p->nfns; i++) {
		sim_image_function_at(img, i, &p->fns[i].start, &p->fns[i].end, &p->fns[i].name);
		p->fns[i].is_trap = !strncmp(p->fns[i].name, "sparc64_ttable_tl", 17);
	}
	qsort(p->fns, p->nfns, sizeof *p->fns, cmp_fn);
	p->nnodes = 1; /* node 0 is "none" */
	memset(&p->nodes[0], 0, sizeof p->nodes[0]);
	for (unsigned t = 0; t < nthreads; t++) {
		p->threads[t].root = new_node(p, ROOT_FN, 0);
		if (!p->threads[t].root)
			goto fail;
		p->cur[t] = &p->own[t];
		p->own[t].node = p->threads[t].root;
	}
	for (size_t i = 0; i < (1u << CACHE_BITS); i++)
		p->cache[i].addr = UINT64_MAX;
	for (size_t i = 0; i < (1u << SIM_PROF_MEMO_BITS); i++)
		p->memo[i].addr = UINT64_MAX;
	*out = p;
	return 0;
fail:
	sim_prof_free(p);
	return -1;
}

void sim_prof_free(struct sim_prof *p)
{
	if (!p)
		return;
	free(p->fns);
	free(p->nodes);
	free(p->mem);
	free(p->threads);
	free(p->cur);
	free(p->own);
	free(p);
}

static uint32_t lookup(struct sim_prof *p, uint64_t addr)
{
	struct cache_ent *c = &p->cache[(addr >> 2) & ((1u << CACHE_BITS) - 1)];
	if (c->addr == addr)
		return c->fn;
	size_t lo = 0, hi = p->nfns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->fns[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t fn = UNKNOWN_FN;
	if (lo && addr < p->fns[lo - 1].end)
		fn = (uint32_t)(lo - 1);
	c->addr = addr;
	c->fn = fn;
	return fn;
}

/* The child of parent running fn; siblings move to the front when found
 * (a loop calls the same few functions over and over). */
static uint32_t child(struct sim_prof *p, uint32_t parent, uint32_t fn)
{
	uint32_t prev = 0;
	for (uint32_t c = p->nodes[parent].first_child; c; prev = c, c = p->nodes[c].next_sibling)
		if (p->nodes[c].fn == fn) {
			if (prev) {
				p->nodes[prev].next_sibling = p->nodes[c].next_sibling;
				p->nodes[c].next_sibling = p->nodes[parent].first_child;
				p->nodes[parent].first_child = c;
			}
			return c;
		}
	return new_node(p, fn, parent);
}

/*
 * Accounting. A thread's time between two changes of function belongs to
 * the node it ran in. Rather than adding (now - last change) to that node
 * at each change, a change at (insns, ps) from node X to node Y adds
 * (insns, ps) to X and subtracts it from Y (modulo 2^64: the sums of a
 * node are exact once its intervals are closed). So a node's stored
 * counters are its closed intervals minus the start of its open one, if
 * it is a thread's current node (open_intervals adds that back), plus the
 * pending sums of the memo entries that leave or enter it (flush). The
 * fast path then touches only one memo entry and the thread.
 */
static void memo_flush(struct sim_prof *p, struct sim_prof_memo *m)
{
	if (m->addr == UINT64_MAX || !m->n)
		return;
	struct node *from = &p->nodes[m->from], *to = &p->nodes[m->to];
	from->self_insns += m->sum_insns;
	from->self_ps += m->sum_ps;
	to->self_insns -= m->sum_insns;
	to->self_ps -= m->sum_ps;
	if (m->entry)
		to->calls += m->n;
	m->sum_insns = m->sum_ps = m->n = 0;
}

/* Every node's counters as the readers expect them (sign 1), or back to
 * the accounting's form (sign -1): the open intervals are not counted. */
static void open_intervals(struct sim_prof *p, int sign)
{
	if (sign > 0)
		for (size_t i = 0; i < (1u << SIM_PROF_MEMO_BITS); i++)
			memo_flush(p, &p->memo[i]);
	for (unsigned i = 0; i < p->nthreads; i++) {
		struct sim_prof_cursor *t = p->cur[i];
		p->nodes[t->node].self_insns += sign > 0 ? t->last_insns : -t->last_insns;
		p->nodes[t->node].self_ps += sign > 0 ? t->last_ps : -t->last_ps;
	}
}

void sim_prof_block(struct sim_prof *p, unsigned tid, uint64_t addr, uint64_t insns, uint64_t ps,
                    uint64_t range[2])
{
	if (tid >= p->nthreads)
		return;
	struct sim_prof_cursor *t = p->cur[tid];
	if (sim_prof_block_hot(p->memo, t, addr, insns, ps, range))
		return;
	uint32_t cur = t->node;
	struct sim_prof_memo *m = &p->memo[sim_prof_memo_slot(addr, cur)];
	uint32_t fn = lookup(p, addr);
	/* The caller skips calls while addr stays in [range[0], range[1]). */
	if (fn < p->nfns) {
		range[0] = p->fns[fn].start;
		range[1] = p->fns[fn].end;
	} else {
		range[0] = range[1] = 0;
	}
	if (fn == p->nodes[cur].fn)
		return; /* same function: its time is attributed when it changes */
	uint32_t next;
	int entry = fn < p->nfns && (addr == p->fns[fn].start || p->fns[fn].is_trap);
	if (entry) {
		next = child(p, cur, fn); /* a call (or a trap) */
	} else {
		/* A return to a function on the stack, else a jump. */
		next = 0;
		for (uint32_t a = p->nodes[cur].parent; a; a = p->nodes[a].parent)
			if (p->nodes[a].fn == fn) {
				next = a;
				break;
			}
		if (!next) {
			uint32_t parent =
			    p->nodes[cur].parent ? p->nodes[cur].parent : p->threads[tid].root;
			next = child(p, parent, fn);
		}
	}
	if (!next) {
		/* out of memory: keep attributing to the current node */
		t->last_insns = insns;
		t->last_ps = ps;
		return;
	}
	memo_flush(p, m);
	*m = (struct sim_prof_memo){addr, cur, next, range[0], range[1], 0, 0, 0, (uint32_t)entry};
	p->nodes[cur].self_insns += insns;
	p->nodes[cur].self_ps += ps;
	p->nodes[next].self_insns -= insns;
	p->nodes[next].self_ps -= ps;
	if (entry)
		p->nodes[next].calls++;
	t->node = next;
	t->last_insns = insns;
	t->last_ps = ps;
}

void sim_prof_thread_reset(struct sim_prof *p, unsigned tid, uint64_t insns, uint64_t ps_before,
                           uint64_t ps_after, int new_stack)
{
	if (tid >= p->nthreads)
		return;
	struct sim_prof_cursor *t = p->cur[tid];
	struct node *n = &p->nodes[t->node];
	/* What ran since the last change of function is attributed (up to
	 * ps_before); the move to ps_after is not: the host moved the clock
	 * (a thread idle until an event) or restarted the counters (then the
	 * open interval is dropped: it is closed at its own start). */
	if (t->last_insns <= insns && t->last_ps <= ps_before) {
		n->self_insns += insns;
		n->self_ps += ps_before;
	} else {
		n->self_insns += t->last_insns;
		n->self_ps += t->last_ps;
	}
	t->last_insns = insns;
	t->last_ps = ps_after;
	if (new_stack)
		t->node = p->threads[tid].root;
	n = &p->nodes[t->node];
	n->self_insns -= insns;
	n->self_ps -= ps_after;
}

int sim_prof_memory_enable(struct sim_prof *p)
{
	if (!p->mem && !(p->mem = calloc(p->capnodes, sizeof *p->mem)))
		return -1;
	return 0;
}

struct sim_prof_mem *const *sim_prof_mem_table(struct sim_prof *p)
{
	return &p->mem;
}

/* Inclusive memory counts, children before parents (as totals()). */
static struct sim_prof_mem *mem_totals(struct sim_prof *p)
{
	struct sim_prof_mem *t = calloc(p->nnodes ? p->nnodes : 1, sizeof *t);
	if (!t || !p->mem)
		return t;
	for (size_t i = p->nnodes; i-- > 1;) {
		uint32_t par = p->nodes[i].parent;
		for (int k = 0; k < CACHE_NKINDS; k++)
			for (int l = 0; l <= CACHE_MAX_LEVELS; l++) {
				t[i].served[k][l] += p->mem[i].served[k][l];
				if (par)
					t[par].served[k][l] += t[i].served[k][l];
			}
		t[i].stall_ps += p->mem[i].stall_ps;
		if (par)
			t[par].stall_ps += t[i].stall_ps;
	}
	return t;
}

static void mem_add(struct sim_prof_mem *to, const struct sim_prof_mem *from)
{
	for (int k = 0; k < CACHE_NKINDS; k++)
		for (int l = 0; l <= CACHE_MAX_LEVELS; l++)
			to->served[k][l] += from->served[k][l];
	to->stall_ps += from->stall_ps;
}

struct sim_prof_memo *sim_prof_memo(struct sim_prof *p)
{
	return p->memo;
}

void sim_prof_thread_cursor(struct sim_prof *p, unsigned tid, struct sim_prof_cursor *c)
{
	if (tid < p->nthreads) {
		*c = *p->cur[tid];
		p->cur[tid] = c;
	}
}

void sim_prof_thread_label(struct sim_prof *p, unsigned tid, const char *label)
{
	if (tid < p->nthreads)
		snprintf(p->threads[tid].label, sizeof p->threads[tid].label, "%s", label);
}

/* Subtree totals, children before parents: nodes are created after their
 * parents, so a reverse sweep sees every child first. */
static void totals(struct sim_prof *p, uint64_t *ti, uint64_t *tp)
{
	for (size_t i = p->nnodes; i-- > 1;) {
		ti[i] += p->nodes[i].self_insns;
		tp[i] += p->nodes[i].self_ps;
		uint32_t par = p->nodes[i].parent;
		if (par) {
			ti[par] += ti[i];
			tp[par] += tp[i];
		}
	}
}

/* Whether node i has an ancestor running the same function (recursion:
 * its subtree is already inside the ancestor's inclusive total). */
static int nested(const struct sim_prof *p, uint32_t i)
{
	for (uint32_t a = p->nodes[i].parent; a; a = p->nodes[a].parent)
		if (p->nodes[a].fn == p->nodes[i].fn)
			return 1;
	return 0;
}

static const char *fn_name(const struct sim_prof *p, uint32_t fn)
{
	if (fn == UNKNOWN_FN)
		return "[unknown]";
	if (fn == ROOT_FN)
		return "[thread]";
	return p->fns[fn].name;
}

static int cmp_incl(const void *a, const void *b)
{
	const struct sim_prof_fn *x = a, *y = b;
	if (x->incl_ps != y->incl_ps)
		return x->incl_ps > y->incl_ps ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t sim_prof_functions(struct sim_prof *p, struct sim_prof_fn **out)
{
	return sim_prof_thread_functions(p, -1, out);
}

static size_t thread_functions(struct sim_prof *p, int tid, struct sim_prof_fn **out)
{
	uint64_t *ti = calloc(p->nnodes, sizeof *ti), *tp = calloc(p->nnodes, sizeof *tp);
	/* one slot per function, plus [unknown] */
	struct sim_prof_fn *f = calloc(p->nfns + 1, sizeof *f);
	*out = NULL;
	if (!ti || !tp || !f) {
		free(ti);
		free(tp);
		free(f);
		return 0;
	}
	totals(p, ti, tp);
	struct sim_prof_mem *tm = p->mem ? mem_totals(p) : NULL;
	uint32_t want_root = tid >= 0 && (unsigned)tid < p->nthreads ? p->threads[tid].root : 0;
	uint32_t *root = want_root ? calloc(p->nnodes, sizeof *root) : NULL;
	if (want_root && !root) {
		free(ti);
		free(tp);
		free(f);
		return 0;
	}
	for (size_t i = 1; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];
		if (root)
			root[i] = n->fn == ROOT_FN ? (uint32_t)i : root[n->parent];
		if (n->fn == ROOT_FN || (root && root[i] != want_root))
			continue;
		size_t k = n->fn == UNKNOWN_FN ? p->nfns : n->fn;
		f[k].self_insns += n->self_insns;
		f[k].self_ps += n->self_ps;
		f[k].calls += n->calls;
		if (!nested(p, (uint32_t)i)) {
			f[k].incl_insns += ti[i];
			f[k].incl_ps += tp[i];
			if (tm)
				mem_add(&f[k].incl_mem, &tm[i]);
		}
	}
	size_t m = 0;
	for (size_t k = 0; k <= p->nfns; k++)
		if (f[k].incl_insns || f[k].incl_ps || f[k].calls) {
			f[m] = f[k];
			f[m].name = fn_name(p, k == p->nfns ? UNKNOWN_FN : (uint32_t)k);
			m++;
		}
	qsort(f, m, sizeof *f, cmp_incl);
	free(tm);
	free(root);
	free(ti);
	free(tp);
	*out = f;
	return m;
}

size_t sim_prof_thread_functions(struct sim_prof *p, int tid, struct sim_prof_fn **out)
{
	open_intervals(p, 1);
	size_t n = thread_functions(p, tid, out);
	open_intervals(p, -1);
	return n;
}

/* Node i counts for sim_prof_query: its function's name starts with
 * prefix, it was called from parent (NULL: anywhere), and no ancestor's
 * name starts with prefix (topmost occurrences only). */
static int selected(const struct sim_prof *p, uint32_t i, const char *prefix, size_t plen,
                    const char *parent)
{
	const struct node *n = &p->nodes[i];
	if (n->fn == ROOT_FN || strncmp(fn_name(p, n->fn), prefix, plen))
		return 0;
	if (parent && (!n->parent || strcmp(fn_name(p, p->nodes[n->parent].fn), parent)))
		return 0;
	for (uint32_t a = n->parent; a; a = p->nodes[a].parent)
		if (p->nodes[a].fn != ROOT_FN && !strncmp(fn_name(p, p->nodes[a].fn), prefix, plen))
			return 0;
	return 1;
}

static void query(struct sim_prof *p, const char *prefix, const char *parent, uint64_t *insns,
                  uint64_t *ps)
{
	uint64_t *ti = calloc(p->nnodes, sizeof *ti), *tp = calloc(p->nnodes, sizeof *tp);
	size_t plen = strlen(prefix);
	*insns = *ps = 0;
	if (!ti || !tp) {
		free(ti);
		free(tp);
		return;
	}
	totals(p, ti, tp);
	for (size_t i = 1; i < p->nnodes; i++) {
		if (!selected(p, (uint32_t)i, prefix, plen, parent))
			continue;
		*insns += ti[i];
		*ps += tp[i];
	}
	free(ti);
	free(tp);
}

void sim_prof_query_mem(struct sim_prof *p, const char *prefix, const char *parent,
                        struct sim_prof_mem *out)
{
	memset(out, 0, sizeof *out);
	struct sim_prof_mem *tm = p->mem ? mem_totals(p) : NULL;
	size_t plen = strlen(prefix);
	for (size_t i = 1; tm && i < p->nnodes; i++)
		if (selected(p, (uint32_t)i, prefix, plen, parent))
			mem_add(out, &tm[i]);
	free(tm);
}

void sim_prof_query(struct sim_prof *p, const char *prefix, const char *parent, uint64_t *insns,
                    uint64_t *ps)
{
	open_intervals(p, 1);
	query(p, prefix, parent, insns, ps);
	open_intervals(p, -1);
}

static uint64_t incl_of(struct sim_prof *p, const char *name, int want_insns)
{
	struct sim_prof_fn *f;
	size_t n = sim_prof_functions(p, &f);
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			v = want_insns ? f[i].incl_insns : f[i].incl_ps;
	free(f);
	return v;
}

uint64_t sim_prof_incl_ps(struct sim_prof *p, const char *name)
{
	return incl_of(p, name, 0);
}

uint64_t sim_prof_incl_insns(struct sim_prof *p, const char *name)
{
	return incl_of(p, name, 1);
}

static void write_folded(struct sim_prof *p, FILE *f)
{
	uint32_t path[256];
	for (size_t i = 1; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];
		if (n->fn == ROOT_FN || n->self_ps < 1000)
			continue;
		size_t d = 0;
		uint32_t a = (uint32_t)i, root = 0;
		for (; a && d < 256; a = p->nodes[a].parent) {
			if (p->nodes[a].fn == ROOT_FN) {
				root = a;
				break;
			}
			path[d++] = a;
		}
		unsigned tid = 0;
		for (unsigned t = 0; t < p->nthreads; t++)
			if (p->threads[t].root == root)
				tid = t;
		if (p->threads[tid].label[0])
			fprintf(f, "%s", p->threads[tid].label);
		else
			fprintf(f, "t%u", tid);
		while (d--)
			fprintf(f, ";%s", fn_name(p, p->nodes[path[d]].fn));
		fprintf(f, " %llu\n", (unsigned long long)(n->self_ps / 1000));
	}
}

int sim_prof_write_folded(struct sim_prof *p, FILE *f)
{
	open_intervals(p, 1);
	write_folded(p, f);
	open_intervals(p, -1);
	return ferror(f) ? -1 : 0;
}

const char *sim_prof_thread_label_of(const struct sim_prof *p, unsigned tid)
{
	return tid < p->nthreads ? p->threads[tid].label : "";
}

int sim_prof_thread_ran(const struct sim_prof *p, unsigned tid)
{
	if (tid >= p->nthreads)
		return 0;
	uint32_t root = p->threads[tid].root;
	return p->nodes[root].first_child != 0;
}

/* ---- boot snapshots (issue 14) ------------------------------------------ */

void sim_prof_save(const struct sim_prof *p, struct ser_w *w)
{
	ser_tag(w, "prof");
	ser_put_u64(w, p->nthreads);
	ser_put_u64(w, p->nfns);
	ser_put_array(w, p->nodes, p->nnodes, sizeof *p->nodes);
	ser_put(w, p->threads, p->nthreads * sizeof *p->threads);
	ser_put(w, p->own, p->nthreads * sizeof *p->own);
	for (unsigned t = 0; t < p->nthreads; t++)
		ser_put(w, p->cur[t], sizeof *p->cur[t]);
	ser_put(w, p->memo, sizeof p->memo);
	ser_put_u64(w, p->mem != NULL);
	if (p->mem)
		ser_put(w, p->mem, p->nnodes * sizeof *p->mem);
	ser_put(w, p->cache, sizeof p->cache);
}

int sim_prof_load(struct sim_prof *p, struct ser_r *r)
{
	ser_expect(r, "prof");
	if (ser_get_u64(r) != p->nthreads || ser_get_u64(r) != p->nfns)
		ser_r_fail(r, "profile: another machine or image");
	size_t n;
	struct node *nodes = ser_get_array(r, &n, sizeof *nodes, UINT32_MAX, "profile nodes");
	size_t cap = n > 1024 ? n : 1024;
	struct node *grown = nodes ? realloc(nodes, cap * sizeof *nodes) : NULL;
	if (!ser_r_failed(r) && !grown)
		ser_r_fail(r, "profile: no nodes, or out of memory");
	if (grown)
		nodes = grown;
	for (size_t i = 0; !ser_r_failed(r) && i < n; i++)
		if ((i && nodes[i].fn != ROOT_FN && nodes[i].fn >= p->nfns) ||
		    nodes[i].parent >= n || nodes[i].first_child >= n || nodes[i].next_sibling >= n)
			ser_r_fail(r, "profile node %zu: out of range", i);
	ser_get(r, p->threads, p->nthreads * sizeof *p->threads);
	ser_get(r, p->own, p->nthreads * sizeof *p->own);
	for (unsigned t = 0; t < p->nthreads; t++)
		ser_get(r, p->cur[t], sizeof *p->cur[t]);
	ser_get(r, p->memo, sizeof p->memo);
	/* Node indexes the fast path follows without a check: in range. */
	for (unsigned t = 0; !ser_r_failed(r) && t < p->nthreads; t++)
		if (p->threads[t].root >= n || p->own[t].node >= n || p->cur[t]->node >= n)
			ser_r_fail(r, "profile thread %u: node out of range", t);
	for (size_t i = 0; !ser_r_failed(r) && i < (1u << SIM_PROF_MEMO_BITS); i++)
		if (p->memo[i].addr != UINT64_MAX && (p->memo[i].from >= n || p->memo[i].to >= n))
			ser_r_fail(r, "profile memo %zu: node out of range", i);
	int has_mem = (int)ser_get_u64(r);
	if (!ser_r_failed(r) && has_mem != (p->mem != NULL))
		ser_r_fail(r, "profile: memory counts %s",
		           has_mem ? "saved, model off" : "missing");
	struct sim_prof_mem *mem = NULL;
	if (!ser_r_failed(r) && has_mem) {
		if (!(mem = calloc(cap, sizeof *mem)))
			ser_r_fail(r, "profile: out of memory");
		ser_get(r, mem, mem ? n * sizeof *mem : 0);
	}
	ser_get(r, p->cache, sizeof p->cache);
	if (ser_r_failed(r)) {
		free(nodes);
		free(mem);
		return -1;
	}
	free(p->nodes);
	p->nodes = nodes;
	p->nnodes = n;
	p->capnodes = cap;
	if (has_mem) {
		free(p->mem);
		p->mem = mem;
	}
	return 0;
}
