/*
 * traces/md_cache.c — see md_cache.h.
 */
#include "traces/md_cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

#define NONE UINT32_MAX

struct cpu_paths {
	uint32_t path[2][MD_CACHE_MAX_LEVELS]; /* [0] data, [1] instruction */
	uint32_t n[2];
};

struct md_caches {
	struct md_cache_inst *v;
	size_t n, cap;
	uint32_t max_cpus;
	struct cpu_paths *cpu; /* by cpu id */
};

static enum md_status cerr(struct md_err *err, enum md_status code, uint64_t elem, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
static enum md_status cerr(struct md_err *err, enum md_status code, uint64_t elem, const char *fmt,
                           ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->elem = elem;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

void md_caches_free(struct md_caches *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->cpu);
	free(c);
}

size_t md_caches_count(const struct md_caches *c)
{
	return c ? c->n : 0;
}

const struct md_cache_inst *md_caches_at(const struct md_caches *c, size_t i)
{
	return c && i < c->n ? &c->v[i] : NULL;
}

size_t md_caches_path(const struct md_caches *c, uint32_t cpu, enum md_cache_kind kind,
                      uint32_t out[MD_CACHE_MAX_LEVELS])
{
	if (!c || cpu >= c->max_cpus || (kind != MD_CACHE_DATA && kind != MD_CACHE_INSTN))
		return 0;
	const struct cpu_paths *p = &c->cpu[cpu];
	int k = kind == MD_CACHE_INSTN;
	memcpy(out, p->path[k], p->n[k] * sizeof *out);
	return p->n[k];
}

/* The cache node's description; what is missing is an error naming it. */
static enum md_status read_node(const struct md *md, size_t gen, md_node_t node,
                                struct md_cache_inst *out, struct md_err *err)
{
	uint64_t level, size, line, assoc;
	memset(out, 0, sizeof *out);
	static const char *const need[] = {"level", "size", "line-size", "associativity"};
	uint64_t *vals[] = {&level, &size, &line, &assoc};
	for (size_t i = 0; i < 4; i++)
		if (md_get_u64(md, node, need[i], vals[i]))
			return cerr(err, MD_ERR_TOPO, node,
			            "MD generation %zu, element %u (node 'cache'): no numeric '%s' "
			            "(the memory model needs the cache's %s)",
			            gen + 1, (unsigned)node, need[i], need[i]);
	int i = md_prop_has_str(md, node, "type", "instn"),
	    d = md_prop_has_str(md, node, "type", "data");
	if (!md_get_data(md, node, "type", NULL) || (!i && !d))
		return cerr(err, MD_ERR_TOPO, node,
		            "MD generation %zu, element %u (node 'cache'): 'type' lists neither "
		            "\"instn\" nor \"data\"",
		            gen + 1, (unsigned)node);
	if (!level || level > MD_CACHE_MAX_LEVELS || !size || !line || !assoc ||
	    size > (1ull << 40) || line > UINT32_MAX || assoc > UINT32_MAX)
		return cerr(
		    err, MD_ERR_TOPO, node,
		    "MD generation %zu, element %u (node 'cache'): level %llu, size %llu, "
		    "line-size %llu, associativity %llu out of range (level 1..%d, the rest "
		    "non-zero)",
		    gen + 1, (unsigned)node, (unsigned long long)level, (unsigned long long)size,
		    (unsigned long long)line, (unsigned long long)assoc, MD_CACHE_MAX_LEVELS);
	out->level = (uint32_t)level;
	out->kind = (enum md_cache_kind)((i ? MD_CACHE_INSTN : 0) | (d ? MD_CACHE_DATA : 0));
	out->size = size;
	out->line_size = (uint32_t)line;
	out->associativity = (uint32_t)assoc;
	out->generation = (uint32_t)gen;
	out->elem = node;
	return MD_OK;
}

static enum md_status add_inst(struct md_caches *c, const struct md_cache_inst *in, uint32_t *idx)
{
	if (util_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v, 64))
		return MD_ERR_NOMEM;
	c->v[c->n] = *in;
	*idx = (uint32_t)c->n++;
	return MD_OK;
}

/* The first cache node among node's `fwd` targets at level `level` whose
 * kind covers `kind`, or MD_NODE_NONE. */
static enum md_status next_cache(const struct md *md, size_t gen, md_node_t node, uint32_t level,
                                 enum md_cache_kind kind, md_node_t *found,
                                 struct md_cache_inst *desc, struct md_err *err)
{
	md_node_t t[64];
	size_t na = md_arcs(md, node, "fwd", t, 64);
	*found = MD_NODE_NONE;
	for (size_t j = 0; j < na && j < 64; j++) {
		const char *name = md_node_name(md, t[j]);
		if (!name || strcmp(name, "cache"))
			continue;
		enum md_status rc = read_node(md, gen, t[j], desc, err);
		if (rc)
			return rc;
		if (desc->level == level && (desc->kind & kind)) {
			*found = t[j];
			return MD_OK;
		}
	}
	return MD_OK;
}

/* One cpu's path of one kind in one MD. node_inst maps this MD's cache
 * nodes (by element) to instances. Pass 0 only records the nodes on the
 * levels the cpu already has an instance for (from an earlier MD); pass 1
 * adds the levels it lacks: the instance of the same node, else a new one.
 * So a cache shared by cpus old and new stays one instance. */
static enum md_status walk(struct md_caches *c, const struct md *md, size_t gen, md_node_t cpu_node,
                           uint32_t cpu, enum md_cache_kind kind, int pass, uint32_t *node_inst,
                           struct md_err *err)
{
	struct cpu_paths *p = &c->cpu[cpu];
	int k = kind == MD_CACHE_INSTN;
	md_node_t at = cpu_node;
	for (uint32_t level = 1; level <= MD_CACHE_MAX_LEVELS; level++) {
		md_node_t next;
		struct md_cache_inst d;
		enum md_status rc = next_cache(md, gen, at, level, kind, &next, &d, err);
		if (rc)
			return rc;
		if (next == MD_NODE_NONE)
			return MD_OK;
		if (level <= p->n[k]) {
			if (node_inst[next] == NONE)
				node_inst[next] = p->path[k][level - 1];
		} else if (pass == 1) {
			if (node_inst[next] == NONE && (rc = add_inst(c, &d, &node_inst[next])))
				return rc;
			p->path[k][p->n[k]++] = node_inst[next];
		} else {
			return MD_OK;
		}
		at = next;
	}
	return MD_OK;
}

enum md_status md_caches_build(const struct md *const *mds, size_t n, uint32_t max_cpus,
                               struct md_caches **out, struct md_err *err)
{
	struct md_caches *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c || !(c->cpu = calloc(max_cpus ? max_cpus : 1, sizeof *c->cpu))) {
		md_caches_free(c);
		return cerr(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory (cache hierarchy)");
	}
	c->max_cpus = max_cpus;
	enum md_status rc = MD_OK;
	for (size_t g = 0; g < n && rc == MD_OK; g++) {
		size_t ne = md_elem_count(mds[g]);
		uint32_t *node_inst = malloc((ne ? ne : 1) * sizeof *node_inst);
		if (!node_inst) {
			rc = MD_ERR_NOMEM;
			break;
		}
		for (size_t e = 0; e < ne; e++)
			node_inst[e] = NONE;
		for (int pass = 0; pass < 2 && rc == MD_OK; pass++)
			for (md_node_t node = md_node_first(mds[g], "cpu");
			     node != MD_NODE_NONE && rc == MD_OK;
			     node = md_node_next(mds[g], node, "cpu")) {
				uint64_t id;
				if (md_get_u64(mds[g], node, "id", &id) || id >= max_cpus)
					continue; /* the topology checks report these */
				if (!(rc = walk(c, mds[g], g, node, (uint32_t)id, MD_CACHE_DATA,
				                pass, node_inst, err)))
					rc = walk(c, mds[g], g, node, (uint32_t)id, MD_CACHE_INSTN,
					          pass, node_inst, err);
			}
		free(node_inst);
	}
	if (rc != MD_OK) {
		md_caches_free(c);
		if (rc == MD_ERR_NOMEM)
			return cerr(err, rc, MD_NO_ELEM, "out of memory (cache hierarchy)");
		return rc;
	}
	*out = c;
	return MD_OK;
}
