/*
 * tests/test_md_cache.c — the cache hierarchy read from MDs
 * (traces/md_cache.h): the generated shapes' caches and who shares them,
 * one instance across two MD generations, the real T1 MDs (no cache
 * nodes), and a cache node the memory model cannot use.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "traces/md_cache.h"
#include "traces/md_shape.h"

/* The MD of shape `name` with strands present[0..n-1] (NULL: all). */
static struct md *gen_md(const char *name, const uint32_t *present, size_t n)
{
	struct md_shape *s;
	struct md_err e;
	struct md_buf b = {0};
	struct md *md;
	cr_assert_eq(md_shape_get(name, &s, &e), MD_OK, "%s", e.msg);
	cr_assert_eq(md_gen(s, present, n, &b, &e), MD_OK, "%s", e.msg);
	cr_assert_eq(md_read(b.data, b.len, &md, &e), MD_OK, "%s", e.msg);
	md_buf_free(&b);
	md_shape_free(s);
	return md;
}

static struct md_caches *build(struct md *const *mds, size_t n, uint32_t max_cpus)
{
	struct md_caches *c;
	struct md_err e;
	cr_assert_eq(md_caches_build((const struct md *const *)mds, n, max_cpus, &c, &e), MD_OK,
	             "%s", e.msg);
	return c;
}

/* T2: per core an L1I (16K/32/8) and an L1D (8K/16/4) shared by its 8
 * strands, one 4M/64/16 L2 for all: 8 + 8 + 1 instances; both paths of
 * every cpu end at the one L2. */
Test(md_cache, t2_paths_and_sharing)
{
	struct md *md = gen_md("t2", NULL, 0);
	struct md_caches *c = build(&md, 1, 64);
	cr_expect_eq(md_caches_count(c), 17);
	uint32_t d0[MD_CACHE_MAX_LEVELS], i0[MD_CACHE_MAX_LEVELS], d7[MD_CACHE_MAX_LEVELS],
	    d8[MD_CACHE_MAX_LEVELS];
	cr_assert_eq(md_caches_path(c, 0, MD_CACHE_DATA, d0), 2);
	cr_assert_eq(md_caches_path(c, 0, MD_CACHE_INSTN, i0), 2);
	cr_assert_eq(md_caches_path(c, 7, MD_CACHE_DATA, d7), 2);
	cr_assert_eq(md_caches_path(c, 8, MD_CACHE_DATA, d8), 2);
	const struct md_cache_inst *l1d = md_caches_at(c, d0[0]), *l1i = md_caches_at(c, i0[0]),
	                           *l2 = md_caches_at(c, d0[1]);
	cr_expect(l1d->level == 1 && l1d->kind == MD_CACHE_DATA && l1d->size == 8192 &&
	          l1d->line_size == 16 && l1d->associativity == 4);
	cr_expect(l1i->level == 1 && l1i->kind == MD_CACHE_INSTN && l1i->size == 16384 &&
	          l1i->line_size == 32 && l1i->associativity == 8);
	cr_expect(l2->level == 2 && l2->kind == MD_CACHE_UNIFIED && l2->size == 4u << 20 &&
	          l2->line_size == 64 && l2->associativity == 16);
	cr_expect_eq(d0[0], d7[0], "one core's strands share its L1D");
	cr_expect_neq(d0[0], d8[0], "the next core has its own");
	cr_expect_eq(d0[1], d8[1], "one L2 for all");
	cr_expect_eq(i0[1], d0[1], "unified: both paths reach it");
	uint32_t none[MD_CACHE_MAX_LEVELS];
	cr_expect_eq(md_caches_path(c, 64, MD_CACHE_DATA, none), 0, "beyond max_cpus");
	md_caches_free(c);
	md_free(md);
}

/* M7: L1s per core, L2 data shared by a core pair, L2 instruction by 4
 * cores, L3 partition by 4 cores: three levels on each path. */
Test(md_cache, m7_three_levels)
{
	uint32_t present[64];
	for (uint32_t i = 0; i < 64; i++)
		present[i] = i; /* cores 0..7 */
	struct md *md = gen_md("m7-16", present, 64);
	struct md_caches *c = build(&md, 1, 4096);
	uint32_t a[MD_CACHE_MAX_LEVELS], b[MD_CACHE_MAX_LEVELS], x[MD_CACHE_MAX_LEVELS];
	cr_assert_eq(md_caches_path(c, 0, MD_CACHE_DATA, a), 3);
	cr_assert_eq(md_caches_path(c, 8, MD_CACHE_DATA, b), 3);  /* core 1 */
	cr_assert_eq(md_caches_path(c, 16, MD_CACHE_DATA, x), 3); /* core 2 */
	cr_expect_neq(a[0], b[0]);
	cr_expect_eq(a[1], b[1], "cores 0 and 1 share an L2D");
	cr_expect_neq(a[1], x[1], "core 2 is the next pair");
	cr_expect_eq(a[2], x[2], "4 cores per L3 partition");
	cr_expect_eq(md_caches_at(c, a[2])->size, 8u << 20);
	md_caches_free(c);
	md_free(md);
}

/* Generation 1 has core 0 only; generation 2 adds core 1. The L2 both
 * use is one instance (matched across MDs), core 1's L1s are new. */
Test(md_cache, one_instance_across_generations)
{
	uint32_t p1[8], p2[16];
	for (uint32_t i = 0; i < 16; i++) {
		if (i < 8)
			p1[i] = i;
		p2[i] = i;
	}
	struct md *mds[2] = {gen_md("t2", p1, 8), gen_md("t2", p2, 16)};
	struct md_caches *c = build(mds, 2, 64);
	cr_expect_eq(md_caches_count(c), 5, "L1I, L1D of 2 cores and one L2");
	uint32_t a[MD_CACHE_MAX_LEVELS], b[MD_CACHE_MAX_LEVELS];
	cr_assert_eq(md_caches_path(c, 0, MD_CACHE_DATA, a), 2);
	cr_assert_eq(md_caches_path(c, 8, MD_CACHE_DATA, b), 2);
	cr_expect_eq(a[1], b[1]);
	cr_expect_eq(md_caches_at(c, a[1])->generation, 0);
	cr_expect_eq(md_caches_at(c, b[0])->generation, 1);
	md_caches_free(c);
	md_free(mds[0]);
	md_free(mds[1]);
}

/* Sun's firmware-built T1 MDs carry no cache nodes: no instances, no
 * paths (the run's documented default applies). The repository's copy of
 * opensparc-t1-1g32p-md.bin (traces/testdata/README.md: its provenance
 * and hash), so that a clone alone runs the test. */
Test(md_cache, real_t1_mds_have_no_cache_nodes)
{
	struct md *md;
	struct md_err e;
	const char *f = "traces/testdata/t1-real-1g2p-1g32p/md-gen2.bin";
	cr_assert_eq(md_read_file(f, &md, &e), MD_OK, "%s", e.msg);
	struct md_caches *c = build(&md, 1, 64);
	uint32_t p[MD_CACHE_MAX_LEVELS];
	cr_expect_eq(md_caches_count(c), 0);
	cr_expect_eq(md_caches_path(c, 0, MD_CACHE_DATA, p), 0);
	md_caches_free(c);
	md_free(md);
}

/* A cache node without line-size is refused naming the generation, the
 * element and the property. */
Test(md_cache, cache_without_line_size_is_named)
{
	struct md_builder *b;
	md_bnode_t cpus, cpu, l1;
	struct md_buf buf = {0};
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "cpus", &cpus), MD_OK);
	cr_assert_eq(md_b_node(b, "cpu", &cpu), MD_OK);
	cr_assert_eq(md_b_u64(b, cpu, "id", 0), MD_OK);
	cr_assert_eq(md_b_node(b, "cache", &l1), MD_OK);
	cr_assert_eq(md_b_u64(b, l1, "level", 1), MD_OK);
	cr_assert_eq(md_b_strn(b, l1, "type", "data", 5), MD_OK);
	cr_assert_eq(md_b_u64(b, l1, "size", 8192), MD_OK);
	cr_assert_eq(md_b_u64(b, l1, "associativity", 4), MD_OK);
	cr_assert_eq(md_b_arc(b, cpus, "fwd", cpu), MD_OK);
	cr_assert_eq(md_b_arc(b, cpu, "fwd", l1), MD_OK);
	cr_assert_eq(md_b_finish(b, &buf), MD_OK);
	md_builder_free(b);
	cr_assert_eq(md_read(buf.data, buf.len, &md, &e), MD_OK, "%s", e.msg);
	struct md_caches *c;
	cr_expect_eq(md_caches_build((const struct md *const *)&md, 1, 64, &c, &e), MD_ERR_TOPO);
	cr_expect_null(c);
	cr_expect(strstr(e.msg, "MD generation 1, element") && strstr(e.msg, "'line-size'"), "%s",
	          e.msg);
	md_free(md);
	md_buf_free(&buf);
}
