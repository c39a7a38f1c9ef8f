/*
 * tests/test_profile_fast.c — the profile's fast path (sim/profile_hot.h:
 * moves remembered per call-tree node and block address, their counters
 * summed and applied later) gives the rows the plain algorithm gives:
 * against a replay written the plain way, on the block hook's totals, and
 * on code patched after an engine translated the old code.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/image.h"
#include "sim/profile.h"
#include "sim/sim.h"
#include "tests/util.h"

/* ---- the plain algorithm (profile.h's contract, one step at a time) ---- */

#define PLAIN_ROOT    (-1)
#define PLAIN_UNKNOWN (-2)

struct plain_fn {
	uint64_t start, end;
	const char *name;
	int is_trap;
};

struct plain_node {
	int fn, parent, first_child, next_sibling;
	uint64_t self_insns, self_ps, calls;
};

struct plain_thread {
	int node, root;
	uint64_t last_insns, last_ps;
};

struct plain {
	const struct plain_fn *fns;
	size_t nfns;
	struct plain_node *nodes;
	size_t nnodes, cap;
	struct plain_thread th[4];
};

static int plain_new(struct plain *p, int fn, int parent)
{
	if (p->nnodes == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->nodes = realloc(p->nodes, p->cap * sizeof *p->nodes);
		cr_assert_not_null(p->nodes);
	}
	int i = (int)p->nnodes++;
	p->nodes[i] = (struct plain_node){fn, parent, -1, -1, 0, 0, 0};
	if (parent >= 0) {
		p->nodes[i].next_sibling = p->nodes[parent].first_child;
		p->nodes[parent].first_child = i;
	}
	return i;
}

static int plain_child(struct plain *p, int parent, int fn)
{
	for (int c = p->nodes[parent].first_child; c >= 0; c = p->nodes[c].next_sibling)
		if (p->nodes[c].fn == fn)
			return c;
	return plain_new(p, fn, parent);
}

/* Only functions that no other function overlaps are used, so that "the
 * function holding addr" has one answer. */
static int plain_lookup(const struct plain *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nfns; i++)
		if (addr >= p->fns[i].start && addr < p->fns[i].end)
			return (int)i;
	return PLAIN_UNKNOWN;
}

static void plain_block(struct plain *p, unsigned tid, uint64_t addr, uint64_t insns, uint64_t ps)
{
	struct plain_thread *t = &p->th[tid];
	int fn = plain_lookup(p, addr);
	if (fn == p->nodes[t->node].fn)
		return;
	p->nodes[t->node].self_insns += insns - t->last_insns;
	p->nodes[t->node].self_ps += ps - t->last_ps;
	t->last_insns = insns;
	t->last_ps = ps;
	int entry = fn >= 0 && (addr == p->fns[fn].start || p->fns[fn].is_trap), next = -1;
	if (entry) {
		next = plain_child(p, t->node, fn);
		p->nodes[next].calls++;
	} else {
		for (int a = p->nodes[t->node].parent; a >= 0 && next < 0; a = p->nodes[a].parent)
			if (p->nodes[a].fn == fn)
				next = a;
		if (next < 0) {
			int par = p->nodes[t->node].parent;
			next = plain_child(p, par >= 0 ? par : t->root, fn);
		}
	}
	t->node = next;
}

static void plain_reset(struct plain *p, unsigned tid, uint64_t insns, uint64_t ps_before,
                        uint64_t ps_after, int new_stack)
{
	struct plain_thread *t = &p->th[tid];
	if (t->last_insns <= insns && t->last_ps <= ps_before) {
		p->nodes[t->node].self_insns += insns - t->last_insns;
		p->nodes[t->node].self_ps += ps_before - t->last_ps;
	}
	t->last_insns = insns;
	t->last_ps = ps_after;
	if (new_stack)
		t->node = t->root;
}

/* Per function: self, inclusive (outermost occurrences) and calls, over
 * the threads. */
struct plain_row {
	uint64_t self_insns, self_ps, incl_insns, incl_ps, calls;
};

static struct plain_row *plain_rows(const struct plain *p)
{
	size_t n = p->nnodes;
	uint64_t *ti = calloc(n, sizeof *ti), *tp = calloc(n, sizeof *tp);
	struct plain_row *r = calloc(p->nfns, sizeof *r);
	cr_assert(ti && tp && r);
	for (size_t i = n; i-- > 0;) {
		ti[i] += p->nodes[i].self_insns;
		tp[i] += p->nodes[i].self_ps;
		if (p->nodes[i].parent >= 0) {
			ti[p->nodes[i].parent] += ti[i];
			tp[p->nodes[i].parent] += tp[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		int fn = p->nodes[i].fn;
		if (fn < 0)
			continue;
		r[fn].self_insns += p->nodes[i].self_insns;
		r[fn].self_ps += p->nodes[i].self_ps;
		r[fn].calls += p->nodes[i].calls;
		int nested = 0;
		for (int a = p->nodes[i].parent; a >= 0 && !nested; a = p->nodes[a].parent)
			nested = p->nodes[a].fn == fn;
		if (!nested) {
			r[fn].incl_insns += ti[i];
			r[fn].incl_ps += tp[i];
		}
	}
	free(ti);
	free(tp);
	return r;
}

/* The profile's rows equal the plain replay's, function by function. */
static void expect_same_rows(struct sim_prof *prof, const struct plain *p, const char *when)
{
	struct plain_row *want = plain_rows(p);
	struct sim_prof_fn *got;
	size_t n = sim_prof_functions(prof, &got), seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(got[i].name, "[unknown]"))
			continue;
		size_t k = 0;
		while (k < p->nfns && strcmp(p->fns[k].name, got[i].name))
			k++;
		cr_assert_lt(k, p->nfns, "%s: row %s was never run", when, got[i].name);
		seen++;
		cr_expect_eq(got[i].self_insns, want[k].self_insns,
		             "%s: %s self_insns %lu, plain %lu", when, got[i].name,
		             (unsigned long)got[i].self_insns, (unsigned long)want[k].self_insns);
		cr_expect_eq(got[i].self_ps, want[k].self_ps, "%s: %s self_ps", when, got[i].name);
		cr_expect_eq(got[i].incl_insns, want[k].incl_insns, "%s: %s incl_insns", when,
		             got[i].name);
		cr_expect_eq(got[i].incl_ps, want[k].incl_ps, "%s: %s incl_ps", when, got[i].name);
		cr_expect_eq(got[i].calls, want[k].calls, "%s: %s calls %lu, plain %lu", when,
		             got[i].name, (unsigned long)got[i].calls,
		             (unsigned long)want[k].calls);
	}
	size_t ran = 0;
	for (size_t k = 0; k < p->nfns; k++)
		ran += want[k].incl_insns || want[k].incl_ps || want[k].calls;
	cr_expect_eq(seen, ran, "%s: %zu rows, the plain replay has %zu", when, seen, ran);
	free(got);
	free(want);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A long random walk over the self-test image's functions — calls,
 * returns to a caller on the stack, jumps, traps, unknown code, clock
 * moves, new stacks and restarted counters on three threads — far more
 * (node, block) pairs than the fast path remembers at once, read in the
 * middle and at the end. */
Test(profile_fast, rows_equal_a_plain_replay_of_the_same_blocks, .timeout = 120)
{
	struct sim_image *img;
	char err[256] = "";
	cr_assert_eq(sim_image_open(TEST_SELFTEST_ELF, &img, err, sizeof err), 0, "%s", err);
	size_t nall = sim_image_function_count(img), nfns = 0;
	struct plain_fn *fns = calloc(nall, sizeof *fns);
	cr_assert_not_null(fns);
	for (size_t i = 0; i < nall; i++) {
		struct plain_fn f;
		sim_image_function_at(img, i, &f.start, &f.end, &f.name);
		f.is_trap = !strncmp(f.name, "sparc64_ttable_tl", 17);
		int alone = f.end > f.start;
		for (size_t j = 0; j < nall && alone; j++) {
			uint64_t s2, e2;
			const char *n2;
			sim_image_function_at(img, j, &s2, &e2, &n2);
			alone = j == i || ((e2 <= f.start || s2 >= f.end) && strcmp(n2, f.name));
		}
		if (alone)
			fns[nfns++] = f;
	}
	cr_assert_geq(nfns, 8, "the self-test image has %zu separate functions", nfns);
	int trap = -1;
	for (size_t i = 0; i < nfns; i++)
		if (fns[i].is_trap)
			trap = (int)i;
	cr_assert_geq(trap, 0, "the self-test image has its trap table");

	const unsigned nth = 3;
	struct sim_prof *prof;
	cr_assert_eq(sim_prof_create(img, nth, &prof), 0);
	struct plain p = {.fns = fns, .nfns = nfns};
	uint64_t insns[3] = {0}, ps[3] = {0}, range[3][2] = {{0}}, x = 0x9e3779b97f4a7c15ull;
	for (unsigned t = 0; t < nth; t++) {
		p.th[t].root = p.th[t].node = plain_new(&p, PLAIN_ROOT, -1);
		ps[t] = 1000 * t;
	}
	for (unsigned step = 0; step < 400000; step++) {
		unsigned t = (unsigned)(rnd(&x) % nth);
		insns[t] += 1 + rnd(&x) % 40;
		ps[t] += 1 + rnd(&x) % 40000;
		uint64_t r = rnd(&x) % 1000, addr;
		const struct plain_fn *f = &fns[rnd(&x) % nfns];
		uint64_t words = (f->end - f->start) / 4;
		if (r < 6) { /* the host moves the clock, or restarts the stack */
			uint64_t after = ps[t] + (r & 1) * (rnd(&x) % 1000000);
			sim_prof_thread_reset(prof, t, insns[t], ps[t], after, r >= 3);
			plain_reset(&p, t, insns[t], ps[t], after, r >= 3);
			ps[t] = after;
			range[t][0] = range[t][1] = 0;
			continue;
		}
		if (r == 6) { /* counters restart (a strand started again) */
			sim_prof_thread_reset(prof, t, 0, 0, ps[t], 1);
			plain_reset(&p, t, 0, 0, ps[t], 1);
			insns[t] = 0;
			range[t][0] = range[t][1] = 0;
			continue;
		}
		if (r < 350) {
			addr = f->start; /* a call */
		} else if (r < 600) {
			/* back into a function on the stack, anywhere in it */
			int a = p.nodes[p.th[t].node].parent;
			for (uint64_t up = rnd(&x) % 4; up && a >= 0 && p.nodes[a].fn >= 0; up--)
				a = p.nodes[a].parent;
			if (a >= 0 && p.nodes[a].fn >= 0)
				f = &fns[p.nodes[a].fn];
			words = (f->end - f->start) / 4;
			addr = f->start + 4 * (rnd(&x) % words);
		} else if (r < 950) {
			addr = f->start + 4 * (rnd(&x) % words); /* a jump, or the same function */
		} else if (r < 980) {
			f = &fns[trap];
			addr = f->start + 32 * (rnd(&x) % ((f->end - f->start) / 32));
		} else {
			addr = 0x100 + 4 * (rnd(&x) % 64); /* no function's code */
		}
		/* what the block hook does: the profile only when the block
		 * leaves the range it gave last */
		if (addr < range[t][0] || addr >= range[t][1])
			sim_prof_block(prof, t, addr, insns[t], ps[t], range[t]);
		plain_block(&p, t, addr, insns[t], ps[t]);
		if (step == 200000)
			expect_same_rows(prof, &p, "half way");
	}
	cr_assert_gt(p.nnodes, 4096, "the walk made %zu call-tree nodes", p.nnodes);
	expect_same_rows(prof, &p, "at the end");
	/* reading twice changes nothing */
	expect_same_rows(prof, &p, "read again");
	sim_prof_free(prof);
	free(p.nodes);
	free(fns);
	sim_image_free(img);
}

/* ---- through the block hook ------------------------------------------- */

static uint64_t sym(struct sim *s, const char *name)
{
	uint64_t a = 0;
	cr_assert_eq(sim_sym(s, name, &a), 0, "no %s", name);
	return a;
}

static const struct sim_prof_fn *row(const struct sim_prof_fn *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/* Once the last open stretch is closed (as the next call would close it),
 * every instruction and picosecond the strand ran is in exactly one row:
 * recursion 30 deep with window spills and fills through the trap table,
 * twice, and a loop. */
Test(profile_fast, rows_add_up_to_the_instructions_and_time_the_strand_ran)
{
	struct sim *s = test_selftest_sim(2);
	cr_assert_eq(sim_profile_enable(s), 0);
	uint64_t rec = sym(s, "st_recurse"), loop = sym(s, "st_loop4"), ret, n = 30;
	struct sim_verdict v;
	cr_assert_eq(sim_strand_start(s, 0, rec, 0), 0);
	uint64_t t0 = sim_thread_time_ps(s, 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sim_call(s, 0, rec, &n, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED,
		             "%s", v.msg);
		cr_assert_eq(ret, 4 * n * (n + 1));
	}
	uint64_t iters = 1000;
	cr_assert_eq(sim_call(s, 0, loop, &iters, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED, "%s",
	             v.msg);
	struct sim_prof *p = sim_profile(s);
	uint64_t insns = sim_strand_stats(s, 0)->insns, t1 = sim_thread_time_ps(s, 0);
	sim_prof_thread_reset(p, 0, insns, t1, t1, 1);
	struct sim_prof_fn *f;
	size_t nf = sim_prof_functions(p, &f);
	uint64_t sum_insns = 0, sum_ps = 0;
	for (size_t i = 0; i < nf; i++) {
		sum_insns += f[i].self_insns;
		sum_ps += f[i].self_ps;
	}
	cr_expect_eq(sum_insns, insns, "rows hold %lu instructions, the strand ran %lu",
	             (unsigned long)sum_insns, (unsigned long)insns);
	cr_expect_eq(sum_ps, t1 - t0, "rows hold %lu ps, the strand ran %lu", (unsigned long)sum_ps,
	             (unsigned long)(t1 - t0));
	const struct sim_prof_fn *r = row(f, nf, "st_recurse");
	cr_assert_not_null(r);
	/* a call to itself is no change of function: entries are the two
	 * calls and the returns from window traps taken at its save */
	cr_expect_gt(r->calls, 2, "st_recurse entered %lu times", (unsigned long)r->calls);
	cr_expect_not_null(row(f, nf, "sparc64_ttable_tl0"), "window traps ran in the trap table");
	r = row(f, nf, "st_loop4");
	cr_assert_not_null(r);
	/* mov; iters x (add, subcc, bne, xor); retl; mov */
	cr_expect_eq(r->calls, 1);
	cr_expect_eq(r->self_insns, 4 * iters + 3, "st_loop4 ran %lu instructions",
	             (unsigned long)r->self_insns);
	cr_expect_eq(r->self_ps, r->self_insns * sim_cpu_ps_per_insn(s, 0));
	free(f);
	sim_free(s);
}

/* SPARC V9 encodings for the patch below. */
static uint32_t call_to(uint64_t pc, uint64_t target)
{
	return 0x40000000u | (uint32_t)(((target - pc) >> 2) & 0x3fffffffu);
}

/* A sim whose engine ran st_loop4 as built hands the engine to the next
 * sim, which rewrites st_loop4 to call st_recurse before running it: the
 * new code runs (not the engine's old translation of that address) and
 * the profile gives st_recurse its calls, under st_loop4. */
Test(profile_fast, code_patched_after_an_engine_translated_it_is_attributed_as_patched)
{
	struct sim_engines *c;
	struct sim_config cfg;
	struct sim *s;
	struct sim_verdict v;
	char err[256] = "";
	cr_assert_eq(sim_engines_create(&c, err, sizeof err), 0, "%s", err);
	sim_config_default(&cfg);
	cfg.image = TEST_SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = 2;
	cfg.engines = c;
	uint64_t ret, n = 7, calls[2], rec_insns[2];
	for (int patched = 0; patched < 2; patched++) {
		cr_assert_eq(sim_create(&cfg, &s, err, sizeof err), 0, "%s", err);
		uint64_t loop = sym(s, "st_loop4"), rec = sym(s, "st_recurse");
		if (patched) {
			/* st_loop4: save; call st_recurse (%o0 = n passes on as
			 * %i0 -> %o0); nop; ret; restore %o0, 0, %o0 */
			const uint32_t code[] = {0x9de3bf40u, 0x90100018u, call_to(loop + 8, rec),
			                         0x01000000u, 0x81c7e008u, 0x91ea0000u};
			for (unsigned i = 0; i < sizeof code / sizeof code[0]; i++)
				cr_assert_eq(sim_st32(s, loop + 4 * i, code[i]), 0);
		}
		cr_assert_eq(sim_profile_enable(s), 0);
		cr_assert_eq(sim_strand_start(s, 0, loop, 0), 0);
		cr_assert_eq(sim_call(s, 0, loop, &n, 1, 0x200000, &ret, &v), SIM_STOP_RETURNED,
		             "%s", v.msg);
		if (patched)
			cr_expect_eq(ret, 4 * n * (n + 1), "the patched code ran");
		struct sim_prof_fn *f;
		size_t nf = sim_prof_functions(sim_profile(s), &f);
		const struct sim_prof_fn *r = row(f, nf, "st_recurse");
		calls[patched] = r ? r->calls : 0;
		uint64_t ps;
		sim_prof_query(sim_profile(s), "st_recurse", "st_loop4", &rec_insns[patched], &ps);
		free(f);
		sim_free(s);
	}
	cr_expect_eq(sim_engines_opened(c), 1, "the patched sim borrowed the first one's engine");
	cr_expect_eq(calls[0], 0);
	cr_expect_gt(calls[1], 0, "st_recurse entered %lu times", (unsigned long)calls[1]);
	cr_expect_eq(rec_insns[0], 0);
	cr_expect_gt(rec_insns[1], 0, "st_recurse's time is under st_loop4");
	sim_engines_free(c);
}
