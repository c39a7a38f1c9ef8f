/*
 * ldomsim — host-side cpu topology from an MD.
 *
 * This is written from what Linux 6.1 is documented/observed to compute in
 * mdesc_fill_in_cpu_data() (set_core_ids, set_proc_ids, set_sock_ids) and
 * smp_fill_in_sib_core_maps(), not ported from it: the walks here are
 * breadth-first over a node graph with visited marks, the maps are built by
 * sorting strands on their key. The rules it reproduces (see md_topo.h):
 *
 *  - "possible" strands are the ids below the platform's max-cpus (NR_CPUS
 *    when the property is absent), capped at NR_CPUS; core, cache and socket
 *    ids are only given to possible strands, proc ids to any id < NR_CPUS;
 *  - "reaches through at most 10 back arcs": the nodes whose back-arc
 *    distance from the cache is 1..10 (Linux walks paths depth-first with a
 *    depth budget of 10; the set of nodes it visits is the same);
 *  - numbering is by MD order of the numbered nodes, starting at 1 for
 *    cores, caches and sockets and at 0 for exec units (restarted at 0 for
 *    the `exec-unit` spelling after the `exec_unit` one); a node numbered
 *    later overwrites an earlier number;
 *  - Linux keeps these ids in 16-bit fields (unsigned, proc_id signed):
 *    numbers are truncated the same way;
 *  - the level used for max_cache_id is 3 when any cache node has level 3,
 *    else 2 (even when no strand is reached);
 *  - socket nodes are honoured only when a `sockets` node exists, and then
 *    every `socket` node in the MD counts (Linux does not check that they
 *    hang under `sockets`).
 * Where Linux would dereference a missing property (a `cpu` without `id`, a
 * `cache` without `level`, a level-1 cache or an integer exec unit without
 * `type`, no `platform` node) this returns MD_ERR_TOPO naming the element,
 * because the real kernel would crash or halt.
 *
 * Linux never clears cpu_core_sib_map/cpu_core_sib_cache_map between two
 * calls (DR adds), so after several MD generations its maps are the union
 * of what each generation gives; this computation is one call on a fresh
 * kernel. Comparisons across a DR sequence must union them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md_topo.h"

struct map {
	uint32_t *order; /* present cpus sorted by (key, id) */
	uint32_t *start; /* per present index: first of its group in order */
	uint32_t *len;   /* per present index: group size */
};

struct md_topo {
	uint32_t ncpus;
	uint32_t *cpus; /* present ids ascending */
	int32_t *slot;  /* id -> index in cpus, or -1; MD_TOPO_NR_CPUS entries */
	int32_t core_id[MD_TOPO_NR_CPUS];
	int32_t proc_id[MD_TOPO_NR_CPUS];
	int32_t sock_id[MD_TOPO_NR_CPUS];
	int32_t cache_id[MD_TOPO_NR_CPUS];
	struct map maps[4];
};

static enum md_status terr(struct md_err *err, uint64_t elem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum md_status terr(struct md_err *err, uint64_t elem, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = MD_ERR_TOPO;
		err->elem = elem;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return MD_ERR_TOPO;
}

/* A numeric property as the kernel needs it: a `v`. 0 found, -1 absent,
 * -2 present but not a `v`. */
static int num_prop(const struct md *md, md_node_t node, const char *name, uint64_t *out)
{
	size_t n = md_prop_count(md, node);
	for (size_t i = 0; i < n; i++) {
		struct md_prop p;
		md_prop_get(md, node, i, &p);
		if (p.tag == MD_TAG_ARC || strcmp(p.name, name))
			continue;
		if (p.tag != MD_TAG_VAL)
			return -2;
		*out = p.val;
		return 0;
	}
	return -1;
}

/* ids[id] = v for every "cpu" node one dir ("fwd"/"back") arc from node
 * whose numeric id is below limit (mdesc.c's mark_proc_ids bounds by
 * NR_CPUS, set_sock_ids_by_socket by the possible cpus). */
static enum md_status mark_arc_cpus(const struct md *md, md_node_t node, const char *dir,
                                    uint64_t limit, int32_t *ids, int32_t v, struct md_err *err)
{
	size_t na = md_arcs(md, node, dir, NULL, 0);
	md_node_t *a = malloc((na ? na : 1) * sizeof(*a));
	enum md_status rc = MD_OK;
	if (!a)
		return MD_ERR_NOMEM;
	md_arcs(md, node, dir, a, na);
	for (size_t j = 0; j < na && rc == MD_OK; j++) {
		uint64_t id;
		if (strcmp(md_node_name(md, a[j]), "cpu"))
			continue;
		if (num_prop(md, a[j], "id", &id))
			rc = terr(err, a[j], "element %u (node 'cpu'): no numeric 'id'", a[j]);
		else if (id < limit)
			ids[id] = v;
	}
	free(a);
	return rc;
}

/* A string-list property contains str: 1/0; -1 absent; -2 not a NUL-ended
 * `s`/`d` (the kernel would read beyond it). */
static int list_prop_has(const struct md *md, md_node_t node, const char *name, const char *str)
{
	size_t n = md_prop_count(md, node);
	for (size_t i = 0; i < n; i++) {
		struct md_prop p;
		md_prop_get(md, node, i, &p);
		if (p.tag == MD_TAG_ARC || strcmp(p.name, name))
			continue;
		if (p.tag == MD_TAG_VAL || p.len == 0 || ((const char *)p.data)[p.len - 1] != '\0')
			return -2;
		return md_prop_has_str(md, node, name, str);
	}
	return -1;
}

/* Scratch for breadth-first walks. */
struct walk {
	uint32_t *stamp; /* per node ordinal: walk number that visited it */
	uint32_t gen;
	md_node_t *q;    /* queue of nodes */
	md_node_t *arcs; /* arc targets buffer */
	size_t arcs_cap;
};

/* Call mark(id) for every `cpu` node at back-arc distance 1..10 from start. */
static enum md_status walk_back(const struct md *md, struct walk *w, md_node_t start,
                                void (*mark)(struct md_topo *, uint32_t, int32_t),
                                struct md_topo *t, int32_t val, uint32_t limit, struct md_err *err)
{
	size_t head = 0, tail = 0;
	w->gen++;
	w->stamp[md_node_ordinal(md, start)] = w->gen;
	w->q[tail++] = start;
	for (int depth = 1; depth <= 10 && head < tail; depth++) {
		size_t level_end = tail;
		while (head < level_end) {
			md_node_t u = w->q[head++];
			size_t na = md_arcs(md, u, "back", NULL, 0);
			if (na > w->arcs_cap) {
				md_node_t *a = realloc(w->arcs, na * sizeof(*a));
				if (!a)
					return MD_ERR_NOMEM;
				w->arcs = a;
				w->arcs_cap = na;
			}
			md_arcs(md, u, "back", w->arcs, na);
			for (size_t k = 0; k < na; k++) {
				md_node_t v = w->arcs[k];
				uint32_t ord = md_node_ordinal(md, v);
				if (w->stamp[ord] == w->gen)
					continue;
				w->stamp[ord] = w->gen;
				w->q[tail++] = v;
				if (strcmp(md_node_name(md, v), "cpu"))
					continue;
				uint64_t id;
				if (num_prop(md, v, "id", &id))
					return terr(err, v,
					            "element %u (node 'cpu'): no numeric 'id'", v);
				if (id < limit)
					mark(t, (uint32_t)id, val);
			}
		}
	}
	return MD_OK;
}

static void mark_core(struct md_topo *t, uint32_t id, int32_t v)
{
	t->core_id[id] = v;
}

static void mark_cache(struct md_topo *t, uint32_t id, int32_t v)
{
	t->cache_id[id] = v;
	t->sock_id[id] = v;
}

struct sort_item {
	int32_t key;
	uint32_t id;
	uint32_t idx;
};

static int cmp_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Group present cpus by key; `alone` is the key value meaning "only itself". */
static enum md_status build_map(struct md_topo *t, struct map *m, const int32_t *key, int32_t alone)
{
	uint32_t n = t->ncpus;
	struct sort_item *it = malloc((n ? n : 1) * sizeof(*it));
	m->order = malloc((n ? n : 1) * sizeof(*m->order));
	m->start = malloc((n ? n : 1) * sizeof(*m->start));
	m->len = malloc((n ? n : 1) * sizeof(*m->len));
	if (!it || !m->order || !m->start || !m->len) {
		free(it);
		return MD_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		it[i] = (struct sort_item){key[t->cpus[i]], t->cpus[i], i};
	qsort(it, n, sizeof(*it), cmp_item);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		while (j < n && it[j].key == it[i].key)
			j++;
		for (uint32_t k = i; k < j; k++) {
			m->order[k] = it[k].id;
			if (it[k].key == alone) {
				m->start[it[k].idx] = k;
				m->len[it[k].idx] = 1;
			} else {
				m->start[it[k].idx] = i;
				m->len[it[k].idx] = j - i;
			}
		}
		i = j;
	}
	free(it);
	return MD_OK;
}

void md_topo_free(struct md_topo *t)
{
	if (!t)
		return;
	free(t->cpus);
	free(t->slot);
	for (int i = 0; i < 4; i++) {
		free(t->maps[i].order);
		free(t->maps[i].start);
		free(t->maps[i].len);
	}
	free(t);
}

enum md_status md_topo_compute(const struct md *md, struct md_topo **out, struct md_err *err)
{
	enum md_status rc = MD_ERR_NOMEM;
	struct walk w = {0};
	struct md_topo *t = NULL;
	if (!md || !out)
		return MD_ERR_ARG;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->slot = malloc(MD_TOPO_NR_CPUS * sizeof(*t->slot));
	t->cpus = malloc(MD_TOPO_NR_CPUS * sizeof(*t->cpus));
	size_t nn = md_node_count(md);
	w.stamp = calloc(nn ? nn : 1, sizeof(*w.stamp));
	w.q = malloc((nn ? nn : 1) * sizeof(*w.q));
	if (!t->slot || !t->cpus || !w.stamp || !w.q)
		goto nomem;
	for (uint32_t i = 0; i < MD_TOPO_NR_CPUS; i++) {
		t->slot[i] = -1;
		t->core_id[i] = 0;
		t->proc_id[i] = -1;
		t->sock_id[i] = 0;
		t->cache_id[i] = 0;
	}

	/* Platform and the possible strands. */
	md_node_t plat = md_node_first(md, "platform");
	if (plat == MD_NODE_NONE) {
		rc = terr(err, MD_NO_ELEM, "no 'platform' node (Linux halts)");
		goto fail;
	}
	uint64_t maxc = MD_TOPO_NR_CPUS;
	int r = num_prop(md, plat, "max-cpus", &maxc);
	if (r == -2) {
		rc = terr(err, plat, "element %u (node 'platform'): 'max-cpus' is not a value",
		          plat);
		goto fail;
	}
	uint32_t possible = maxc < MD_TOPO_NR_CPUS ? (uint32_t)maxc : MD_TOPO_NR_CPUS;

	/* Present strands. */
	for (md_node_t c = md_node_first(md, "cpu"); c != MD_NODE_NONE;
	     c = md_node_next(md, c, "cpu")) {
		uint64_t id;
		if (num_prop(md, c, "id", &id)) {
			rc = terr(err, c, "element %u (node 'cpu'): no numeric 'id'", c);
			goto fail;
		}
		if (id < MD_TOPO_NR_CPUS && t->slot[id] < 0)
			t->slot[id] = 0;
	}
	for (uint32_t id = 0; id < MD_TOPO_NR_CPUS; id++)
		if (t->slot[id] == 0) {
			t->slot[id] = (int32_t)t->ncpus;
			t->cpus[t->ncpus++] = id;
		}

	/* Caches: levels and core ids. */
	int has_l3 = 0, has_l2 = 0;
	uint32_t core_no = 1;
	for (md_node_t c = md_node_first(md, "cache"); c != MD_NODE_NONE;
	     c = md_node_next(md, c, "cache")) {
		uint64_t level;
		if (num_prop(md, c, "level", &level)) {
			rc = terr(err, c, "element %u (node 'cache'): no numeric 'level'", c);
			goto fail;
		}
		has_l3 |= level == 3;
		has_l2 |= level == 2;
		if (level != 1)
			continue;
		int h = list_prop_has(md, c, "type", "instn");
		if (h < 0) {
			rc = terr(err, c,
			          "element %u (node 'cache', level 1): 'type' missing or not a "
			          "NUL-terminated string list",
			          c);
			goto fail;
		}
		if (!h)
			continue;
		if ((rc = walk_back(md, &w, c, mark_core, t, (uint16_t)core_no, possible, err)))
			goto fail;
		core_no++;
	}

	/* Exec units: proc ids. */
	static const char *const eu_names[2] = {"exec_unit", "exec-unit"};
	for (int k = 0; k < 2; k++) {
		uint32_t proc_no = 0;
		for (md_node_t e = md_node_first(md, eu_names[k]); e != MD_NODE_NONE;
		     e = md_node_next(md, e, eu_names[k])) {
			int h1 = list_prop_has(md, e, "type", "int");
			int h2 = list_prop_has(md, e, "type", "integer");
			if (h1 < 0 || h2 < 0) {
				rc = terr(err, e,
				          "element %u (node '%s'): 'type' missing or not a "
				          "NUL-terminated string list",
				          e, eu_names[k]);
				goto fail;
			}
			if (!h1 && !h2)
				continue;
			rc = mark_arc_cpus(md, e, "back", MD_TOPO_NR_CPUS, t->proc_id,
			                   (int32_t)proc_no, err);
			if (rc == MD_ERR_NOMEM)
				goto nomem;
			if (rc)
				goto fail;
			proc_no++;
		}
	}

	/* Highest shared cache level, then sockets. */
	uint64_t top = has_l3 ? 3 : has_l2 ? 2 : 0;
	if (top) {
		uint32_t cache_no = 1;
		for (md_node_t c = md_node_first(md, "cache"); c != MD_NODE_NONE;
		     c = md_node_next(md, c, "cache")) {
			uint64_t level = 0;
			num_prop(md, c, "level", &level);
			if (level != top)
				continue;
			if ((rc = walk_back(md, &w, c, mark_cache, t, (uint16_t)cache_no, possible,
			                    err)))
				goto fail;
			cache_no++;
		}
	}
	if (md_node_first(md, "sockets") != MD_NODE_NONE) {
		uint32_t sock_no = 1;
		for (md_node_t s = md_node_first(md, "socket"); s != MD_NODE_NONE;
		     s = md_node_next(md, s, "socket")) {
			rc = mark_arc_cpus(md, s, "fwd", possible, t->sock_id, (int32_t)sock_no,
			                   err);
			if (rc == MD_ERR_NOMEM)
				goto nomem;
			if (rc)
				goto fail;
			sock_no++;
		}
	}

	if ((rc = build_map(t, &t->maps[MD_TOPO_SIBLING], t->proc_id, -1)) ||
	    (rc = build_map(t, &t->maps[MD_TOPO_CORE], t->core_id, 0)) ||
	    (rc = build_map(t, &t->maps[MD_TOPO_CORE_SIB], t->sock_id, INT32_MIN)) ||
	    (rc = build_map(t, &t->maps[MD_TOPO_CACHE], t->cache_id, INT32_MIN)))
		goto fail;
	free(w.stamp);
	free(w.q);
	free(w.arcs);
	*out = t;
	return MD_OK;
nomem:
	rc = MD_ERR_NOMEM;
	if (err) {
		err->code = rc;
		err->elem = MD_NO_ELEM;
		snprintf(err->msg, sizeof(err->msg), "topology: out of memory");
	}
fail:
	free(w.stamp);
	free(w.q);
	free(w.arcs);
	md_topo_free(t);
	return rc;
}

size_t md_topo_cpu_count(const struct md_topo *t)
{
	return t->ncpus;
}

const uint32_t *md_topo_cpus(const struct md_topo *t)
{
	return t->cpus;
}

int md_topo_present(const struct md_topo *t, uint32_t cpu)
{
	return cpu < MD_TOPO_NR_CPUS && t->slot[cpu] >= 0;
}

int32_t md_topo_core_id(const struct md_topo *t, uint32_t cpu)
{
	return md_topo_present(t, cpu) ? t->core_id[cpu] : -1;
}

int32_t md_topo_proc_id(const struct md_topo *t, uint32_t cpu)
{
	return md_topo_present(t, cpu) ? t->proc_id[cpu] : -1;
}

int32_t md_topo_sock_id(const struct md_topo *t, uint32_t cpu)
{
	return md_topo_present(t, cpu) ? t->sock_id[cpu] : -1;
}

int32_t md_topo_max_cache_id(const struct md_topo *t, uint32_t cpu)
{
	return md_topo_present(t, cpu) ? t->cache_id[cpu] : -1;
}

size_t md_topo_siblings(const struct md_topo *t, uint32_t cpu, enum md_topo_map map,
                        const uint32_t **ids)
{
	if (!md_topo_present(t, cpu) || (unsigned)map > MD_TOPO_CACHE) {
		if (ids)
			*ids = NULL;
		return 0;
	}
	const struct map *m = &t->maps[map];
	int32_t i = t->slot[cpu];
	if (ids)
		*ids = m->order + m->start[i];
	return m->len[i];
}
