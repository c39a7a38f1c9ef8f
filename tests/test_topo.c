/*
 * Tests of traces/md_topo.c: the host-side topology on small hand-built MDs
 * whose answer is known from the Linux 6.1 rules (see traces/md_topo.h), and
 * on generated machine shapes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "traces/md_shape.h"
#include "traces/md_topo.h"

struct mini {
	struct md_builder *b;
	md_bnode_t root, cpus;
	md_bnode_t cpu[64];
};

/* root, platform (max-cpus unless 0), cpus */
static void mini_init(struct mini *m, uint64_t max_cpus, int with_platform)
{
	md_bnode_t plat;
	cr_assert_eq(md_builder_new(&m->b), MD_OK);
	cr_assert_eq(md_b_node(m->b, "root", &m->root), MD_OK);
	if (with_platform) {
		cr_assert_eq(md_b_node(m->b, "platform", &plat), MD_OK);
		if (max_cpus)
			cr_assert_eq(md_b_u64(m->b, plat, "max-cpus", max_cpus), MD_OK);
	}
	cr_assert_eq(md_b_node(m->b, "cpus", &m->cpus), MD_OK);
}

static void link_nodes(struct mini *m, md_bnode_t from, md_bnode_t to)
{
	cr_assert_eq(md_b_arc(m->b, from, "fwd", to), MD_OK);
	cr_assert_eq(md_b_arc(m->b, to, "back", from), MD_OK);
}

static void add_cpu(struct mini *m, uint32_t id)
{
	cr_assert_eq(md_b_node(m->b, "cpu", &m->cpu[id]), MD_OK);
	cr_assert_eq(md_b_u64(m->b, m->cpu[id], "id", id), MD_OK);
	link_nodes(m, m->cpus, m->cpu[id]);
}

static md_bnode_t add_cache(struct mini *m, uint64_t level, const char *type)
{
	md_bnode_t c;
	cr_assert_eq(md_b_node(m->b, "cache", &c), MD_OK);
	cr_assert_eq(md_b_u64(m->b, c, "level", level), MD_OK);
	if (!strcmp(type, "unified"))
		cr_assert_eq(md_b_strn(m->b, c, "type", "instn\0data", 11), MD_OK);
	else
		cr_assert_eq(md_b_str(m->b, c, "type", type), MD_OK);
	cr_assert_eq(md_b_u64(m->b, c, "size", 16384), MD_OK);
	cr_assert_eq(md_b_u64(m->b, c, "line-size", 64), MD_OK);
	return c;
}

/* An L1 I + L1 D pair for the given cpus, both feeding `l2` (if not NONE). */
static void add_core(struct mini *m, const uint32_t *ids, size_t n, md_bnode_t l2)
{
	md_bnode_t i = add_cache(m, 1, "instn"), d = add_cache(m, 1, "data");
	for (size_t k = 0; k < n; k++) {
		link_nodes(m, m->cpu[ids[k]], i);
		link_nodes(m, m->cpu[ids[k]], d);
	}
	if (l2 != MD_NODE_NONE) {
		link_nodes(m, i, l2);
		link_nodes(m, d, l2);
	}
}

static void add_eu(struct mini *m, const char *name, const char *type, const uint32_t *ids,
                   size_t n)
{
	md_bnode_t e;
	cr_assert_eq(md_b_node(m->b, name, &e), MD_OK);
	cr_assert_eq(md_b_str(m->b, e, "type", type), MD_OK);
	for (size_t k = 0; k < n; k++)
		link_nodes(m, m->cpu[ids[k]], e);
}

static struct md *mini_finish(struct mini *m)
{
	struct md_buf buf;
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_b_finish(m->b, &buf), MD_OK);
	md_builder_free(m->b);
	cr_assert_eq(md_read(buf.data, buf.len, &md, &e), MD_OK, "%s", e.msg);
	md_buf_free(&buf);
	return md;
}

static struct md_topo *topo_of(struct md *md)
{
	struct md_topo *t;
	struct md_err e;
	cr_assert_eq(md_topo_compute(md, &t, &e), MD_OK, "%s", e.msg);
	return t;
}

/* The sibling set as "a,b,c". */
static const char *set_str(const struct md_topo *t, uint32_t cpu, enum md_topo_map map)
{
	static char buf[4096];
	const uint32_t *ids;
	size_t n = md_topo_siblings(t, cpu, map, &ids), len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "", ids[i]);
	return buf;
}

#define IDS(...) ((const uint32_t[]){__VA_ARGS__}), (sizeof((const uint32_t[]){__VA_ARGS__}) / 4)

/* 2 cores x 2 strands, split L1 per core, one shared L2, an integer exec
 * unit per core. */
static struct md *two_by_two(int b_first, int with_eu)
{
	struct mini m;
	mini_init(&m, 4, 1);
	for (uint32_t i = 0; i < 4; i++)
		add_cpu(&m, i);
	md_bnode_t l2 = add_cache(&m, 2, "unified");
	if (b_first) {
		add_core(&m, IDS(2, 3), l2);
		add_core(&m, IDS(0, 1), l2);
	} else {
		add_core(&m, IDS(0, 1), l2);
		add_core(&m, IDS(2, 3), l2);
	}
	if (with_eu) {
		add_eu(&m, "exec-unit", "integer", IDS(0, 1));
		add_eu(&m, "exec-unit", "integer", IDS(2, 3));
	}
	return mini_finish(&m);
}

Test(md_topo, two_cores_of_two_strands_sharing_an_l2_get_their_maps)
{
	struct md *md = two_by_two(0, 1);
	struct md_topo *t = topo_of(md);
	cr_assert_eq(md_topo_cpu_count(t), 4);
	const int32_t core[] = {1, 1, 2, 2}, proc[] = {0, 0, 1, 1};
	for (uint32_t c = 0; c < 4; c++) {
		cr_assert_eq(md_topo_core_id(t, c), core[c], "cpu %u", c);
		cr_assert_eq(md_topo_proc_id(t, c), proc[c], "cpu %u", c);
		cr_assert_eq(md_topo_sock_id(t, c), 1, "cpu %u", c); /* from the L2 */
		cr_assert_eq(md_topo_max_cache_id(t, c), 1, "cpu %u", c);
		cr_assert_str_eq(set_str(t, c, MD_TOPO_CORE_SIB), "0,1,2,3");
		cr_assert_str_eq(set_str(t, c, MD_TOPO_CACHE), "0,1,2,3");
	}
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_SIBLING), "0,1");
	cr_assert_str_eq(set_str(t, 3, MD_TOPO_SIBLING), "2,3");
	cr_assert_str_eq(set_str(t, 1, MD_TOPO_CORE), "0,1");
	cr_assert_str_eq(set_str(t, 2, MD_TOPO_CORE), "2,3");
	cr_assert_eq(md_topo_core_id(t, 4), -1); /* not present */
	md_topo_free(t);
	md_topo_free(NULL);
	md_free(md);
}

Test(md_topo, core_ids_follow_md_order_of_l1_instruction_caches)
{
	struct md *md = two_by_two(1, 1);
	struct md_topo *t = topo_of(md);
	cr_assert_eq(md_topo_core_id(t, 0), 2);
	cr_assert_eq(md_topo_core_id(t, 2), 1);
	cr_assert_eq(md_topo_proc_id(t, 0), 0); /* exec units still in order */
	md_topo_free(t);
	md_free(md);
}

Test(md_topo, missing_exec_units_leave_proc_id_unset)
{
	struct md *md = two_by_two(0, 0);
	struct md_topo *t = topo_of(md);
	for (uint32_t c = 0; c < 4; c++) {
		cr_assert_eq(md_topo_proc_id(t, c), -1);
		const uint32_t *ids;
		cr_assert_eq(md_topo_siblings(t, c, MD_TOPO_SIBLING, &ids), 1);
		cr_assert_eq(ids[0], c);
	}
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE), "0,1"); /* cores unaffected */
	md_topo_free(t);
	md_free(md);
}

Test(md_topo, strands_absent_from_the_domain)
{
	struct mini m;
	mini_init(&m, 8, 1);
	const uint32_t present[] = {0, 1, 4, 5};
	for (int i = 0; i < 4; i++)
		add_cpu(&m, present[i]);
	md_bnode_t l2 = add_cache(&m, 2, "unified");
	add_core(&m, IDS(0, 1), l2);
	add_core(&m, IDS(4, 5), l2);
	add_eu(&m, "exec-unit", "integer", IDS(0, 1));
	add_eu(&m, "exec-unit", "integer", IDS(4, 5));
	struct md *md = mini_finish(&m);
	struct md_topo *t = topo_of(md);
	cr_assert_eq(md_topo_cpu_count(t), 4);
	cr_assert_eq(md_topo_cpus(t)[2], 4);
	cr_assert_not(md_topo_present(t, 2));
	cr_assert_eq(md_topo_sock_id(t, 2), -1);
	cr_assert_eq(md_topo_siblings(t, 2, MD_TOPO_CORE, NULL), 0);
	cr_assert_eq(md_topo_core_id(t, 5), 2);
	cr_assert_str_eq(set_str(t, 4, MD_TOPO_CORE), "4,5");
	cr_assert_str_eq(set_str(t, 4, MD_TOPO_SIBLING), "4,5");
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE_SIB), "0,1,4,5");
	md_topo_free(t);
	md_free(md);
}

Test(md_topo, ids_beyond_max_cpus_get_no_core_or_cache_id)
{
	struct mini m;
	mini_init(&m, 4, 1);
	add_cpu(&m, 0);
	add_cpu(&m, 1);
	add_cpu(&m, 5);
	md_bnode_t l2 = add_cache(&m, 2, "unified");
	add_core(&m, IDS(0, 1), l2);
	add_core(&m, IDS(5), l2);
	add_eu(&m, "exec-unit", "integer", IDS(0, 1));
	add_eu(&m, "exec-unit", "integer", IDS(5));
	struct md *md = mini_finish(&m);
	struct md_topo *t = topo_of(md);
	cr_assert(md_topo_present(t, 5));       /* present: below NR_CPUS */
	cr_assert_eq(md_topo_core_id(t, 5), 0); /* but not possible (max-cpus 4) */
	cr_assert_eq(md_topo_max_cache_id(t, 5), 0);
	cr_assert_eq(md_topo_sock_id(t, 5), 0);
	cr_assert_eq(md_topo_proc_id(t, 5), 1); /* proc ids check NR_CPUS only */
	cr_assert_str_eq(set_str(t, 5, MD_TOPO_CORE), "5");
	cr_assert_str_eq(set_str(t, 5, MD_TOPO_CORE_SIB), "5");
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE_SIB), "0,1");
	md_topo_free(t);
	md_free(md);
}

Test(md_topo, both_exec_unit_spellings_restart_numbering)
{
	struct mini m;
	mini_init(&m, 0, 1); /* no max-cpus: all NR_CPUS possible */
	for (uint32_t i = 0; i < 4; i++)
		add_cpu(&m, i);
	add_eu(&m, "exec_unit", "int", IDS(0, 1));
	add_eu(&m, "exec-unit", "integer", IDS(2, 3));
	add_eu(&m, "exec-unit", "fp", IDS(0, 1, 2, 3)); /* not an integer unit */
	struct md *md = mini_finish(&m);
	struct md_topo *t = topo_of(md);
	for (uint32_t c = 0; c < 4; c++)
		cr_assert_eq(md_topo_proc_id(t, c), 0, "cpu %u", c);
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_SIBLING), "0,1,2,3");
	cr_assert_eq(md_topo_core_id(t, 0), 0); /* no caches at all */
	cr_assert_eq(md_topo_sock_id(t, 0), 0);
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE), "0");
	cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE_SIB), "0,1,2,3"); /* all sock_id 0 */
	md_topo_free(t);
	md_free(md);
}

Test(md_topo, level3_wins_and_socket_nodes_need_a_sockets_node)
{
	/* Two L3s (partitions) over one L2 each; socket nodes but no `sockets`. */
	for (int with_sockets = 0; with_sockets < 2; with_sockets++) {
		struct mini m;
		mini_init(&m, 0, 1);
		for (uint32_t i = 0; i < 4; i++)
			add_cpu(&m, i);
		md_bnode_t l3a = add_cache(&m, 3, "unified"), l3b = add_cache(&m, 3, "unified");
		md_bnode_t l2a = add_cache(&m, 2, "unified"), l2b = add_cache(&m, 2, "unified");
		link_nodes(&m, l2a, l3a);
		link_nodes(&m, l2b, l3b);
		add_core(&m, IDS(0, 1), l2a);
		add_core(&m, IDS(2, 3), l2b);
		if (with_sockets) {
			md_bnode_t ss;
			cr_assert_eq(md_b_node(m.b, "sockets", &ss), MD_OK);
			link_nodes(&m, m.root, ss);
		}
		md_bnode_t so;
		cr_assert_eq(md_b_node(m.b, "socket", &so), MD_OK);
		for (uint32_t i = 0; i < 4; i++)
			link_nodes(&m, so, m.cpu[i]);
		struct md *md = mini_finish(&m);
		struct md_topo *t = topo_of(md);
		cr_assert_eq(md_topo_max_cache_id(t, 0), 1);
		cr_assert_eq(md_topo_max_cache_id(t, 3), 2);
		cr_assert_str_eq(set_str(t, 0, MD_TOPO_CACHE), "0,1");
		if (with_sockets) {
			cr_assert_eq(md_topo_sock_id(t, 3), 1);
			cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE_SIB), "0,1,2,3");
		} else {
			cr_assert_eq(md_topo_sock_id(t, 3), 2);
			cr_assert_str_eq(set_str(t, 0, MD_TOPO_CORE_SIB), "0,1");
		}
		md_topo_free(t);
		md_free(md);
	}
}

Test(md_topo, back_walk_stops_after_ten_arcs)
{
	for (int hops = 9; hops <= 10; hops++) {
		/* cache <-back- x1 ... x_hops <-back- cpu : distance hops + 1 */
		struct mini m;
		mini_init(&m, 0, 1);
		add_cpu(&m, 0);
		md_bnode_t c = add_cache(&m, 1, "instn"), prev = c;
		for (int k = 0; k < hops; k++) {
			md_bnode_t x;
			cr_assert_eq(md_b_node(m.b, "x", &x), MD_OK);
			link_nodes(&m, x, prev);
			prev = x;
		}
		link_nodes(&m, m.cpu[0], prev);
		struct md *md = mini_finish(&m);
		struct md_topo *t = topo_of(md);
		cr_assert_eq(md_topo_core_id(t, 0), hops + 1 <= 10 ? 1 : 0, "hops %d", hops);
		md_topo_free(t);
		md_free(md);
	}
}

static void expect_topo_err(struct md *md, const char *what)
{
	struct md_topo *t;
	struct md_err e;
	cr_assert_eq(md_topo_compute(md, &t, &e), MD_ERR_TOPO);
	cr_assert_null(t);
	cr_assert(strstr(e.msg, what), "'%s' not in '%s'", what, e.msg);
	md_free(md);
}

Test(md_topo, what_linux_would_crash_on_is_an_error)
{
	struct mini m;
	md_bnode_t n;
	mini_init(&m, 4, 0);
	add_cpu(&m, 0);
	expect_topo_err(mini_finish(&m), "no 'platform' node");

	mini_init(&m, 4, 1);
	cr_assert_eq(md_b_node(m.b, "cpu", &n), MD_OK); /* element 4: root 0-1, platform 2-4 */
	expect_topo_err(mini_finish(&m), "(node 'cpu'): no numeric 'id'");

	mini_init(&m, 4, 1);
	cr_assert_eq(md_b_node(m.b, "cache", &n), MD_OK);
	expect_topo_err(mini_finish(&m), "(node 'cache'): no numeric 'level'");

	mini_init(&m, 4, 1);
	cr_assert_eq(md_b_node(m.b, "cache", &n), MD_OK);
	cr_assert_eq(md_b_u64(m.b, n, "level", 1), MD_OK);
	expect_topo_err(mini_finish(&m), "level 1): 'type' missing");
}

Test(md_topo, error_names_the_element)
{
	struct mini m;
	md_bnode_t n;
	mini_init(&m, 4, 1);
	cr_assert_eq(md_b_node(m.b, "cpu", &n), MD_OK);
	struct md *md = mini_finish(&m);
	md_node_t cpu = md_node_first(md, "cpu");
	struct md_topo *t;
	struct md_err e;
	cr_assert_eq(md_topo_compute(md, &t, &e), MD_ERR_TOPO);
	cr_assert_eq(e.elem, cpu);
	char want[64];
	snprintf(want, sizeof(want), "element %u (node 'cpu')", cpu);
	cr_assert(strstr(e.msg, want), "%s", e.msg);
	md_free(md);
}

Test(md_topo, generated_shapes_give_the_expected_group_counts)
{
	static const struct {
		const char *name;
		size_t sib, core, sock, cache;
	} want[] = {
	    {"t2", 4, 8, 64, 64},     /* 2 exec units per core; L2 is the socket */
	    {"t4-4", 8, 8, 64, 64},   /* L3 per socket */
	    {"t5-8", 8, 8, 128, 128}, /* L3 per socket */
	    {"m7-16", 8, 8, 256, 32}, /* L3 partition of 4 cores; socket nodes */
	    {"m8-8", 8, 8, 256, 128}, /* L3 half of 16 cores */
	    {"param:2x3x2", 2, 2, 6, 6},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct md_shape *s;
		struct md_err e;
		struct md_buf buf;
		struct md *md;
		cr_assert_eq(md_shape_get(want[i].name, &s, &e), MD_OK);
		cr_assert_eq(md_gen(s, NULL, 0, &buf, &e), MD_OK);
		cr_assert_eq(md_read(buf.data, buf.len, &md, &e), MD_OK);
		struct md_topo *t = topo_of(md);
		uint32_t n = md_shape_strands(s);
		cr_assert_eq(md_topo_cpu_count(t), n);
		uint32_t spc = md_shape_strands_per_core(s),
		         sps = spc * md_shape_cores_per_socket(s);
		for (uint32_t c = 0; c < n; c++) {
			cr_assert_eq(md_topo_core_id(t, c), (int32_t)(c / spc + 1), "%s cpu %u",
			             want[i].name, c);
			cr_assert_eq(md_topo_sock_id(t, c), (int32_t)(c / sps + 1), "%s cpu %u",
			             want[i].name, c);
			cr_assert_eq(md_topo_siblings(t, c, MD_TOPO_SIBLING, NULL), want[i].sib);
			cr_assert_eq(md_topo_siblings(t, c, MD_TOPO_CORE, NULL), want[i].core);
			cr_assert_eq(md_topo_siblings(t, c, MD_TOPO_CORE_SIB, NULL), want[i].sock);
			cr_assert_eq(md_topo_siblings(t, c, MD_TOPO_CACHE, NULL), want[i].cache,
			             "%s cpu %u", want[i].name, c);
		}
		md_topo_free(t);
		md_free(md);
		md_buf_free(&buf);
		md_shape_free(s);
	}
}

Test(md_topo, domain_subset_of_m7_renumbers_in_md_order)
{
	/* A domain owning strands 32-63 and 256-263 of an M7-16: cores and L3
	 * partitions are numbered by what the domain's MD holds. */
	struct md_shape *s;
	struct md_err e;
	struct md_buf buf;
	struct md *md;
	uint32_t *ids;
	size_t n;
	cr_assert_eq(md_shape_get("m7-16", &s, &e), MD_OK);
	cr_assert_eq(md_parse_cpulist("32-63,256-263", 4096, 0, &ids, &n, &e), MD_OK);
	cr_assert_eq(md_gen(s, ids, n, &buf, &e), MD_OK);
	cr_assert_eq(md_read(buf.data, buf.len, &md, &e), MD_OK);
	struct md_topo *t = topo_of(md);
	cr_assert_eq(md_topo_core_id(t, 32), 1);
	cr_assert_eq(md_topo_core_id(t, 256), 5);
	cr_assert_eq(md_topo_max_cache_id(t, 32), 1);
	cr_assert_eq(md_topo_max_cache_id(t, 256), 2);
	cr_assert_eq(md_topo_sock_id(t, 32), 1);
	cr_assert_eq(md_topo_sock_id(t, 256), 2);
	cr_assert_str_eq(set_str(t, 40, MD_TOPO_CORE), "40,41,42,43,44,45,46,47");
	md_topo_free(t);
	md_free(md);
	md_buf_free(&buf);
	free(ids);
	md_shape_free(s);
}
