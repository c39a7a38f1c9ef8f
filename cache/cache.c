/*
 * cache/cache.c — see cache.h.
 */
#include "cache/cache.h"

#include <stdlib.h>
#include <string.h>
#include "util/ser.h"

struct cache {
	struct cache_geom g;
	unsigned line_shift;
	uint64_t set_mask; /* sets - 1 */
	uint64_t *tags;    /* sets x assoc: line number + 1 (0: invalid), MRU first */
	struct cache_stats st;
};

const char *cache_strerror(int status)
{
	switch (status) {
	case CACHE_OK:
		return "ok";
	case CACHE_E_GEOM:
		return "cache geometry out of range (line and sets powers of two, 1..64 ways)";
	case CACHE_E_NOMEM:
		return "out of memory (cache tags)";
	}
	return "unknown cache status";
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int cache_create(const struct cache_geom *g, struct cache **out)
{
	*out = NULL;
	if (!is_pow2(g->line) || g->line > CACHE_MAX_LINE || !g->assoc ||
	    g->assoc > CACHE_MAX_ASSOC || g->size % ((uint64_t)g->line * g->assoc) ||
	    !is_pow2(g->size / ((uint64_t)g->line * g->assoc)))
		return CACHE_E_GEOM;
	struct cache *c = calloc(1, sizeof *c);
	if (!c)
		return CACHE_E_NOMEM;
	c->g = *g;
	c->line_shift = (unsigned)__builtin_ctzll(g->line);
	c->set_mask = g->size / ((uint64_t)g->line * g->assoc) - 1;
	*out = c;
	return CACHE_OK;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	free(c->tags);
	free(c);
}

const struct cache_geom *cache_geom(const struct cache *c)
{
	return &c->g;
}

const struct cache_stats *cache_stats(const struct cache *c)
{
	return &c->st;
}

static inline int access_line(struct cache *c, uint64_t pa, enum cache_kind k)
{
	if (!c->tags && !(c->tags = calloc((c->set_mask + 1) * c->g.assoc, sizeof *c->tags)))
		return CACHE_E_NOMEM;
	uint64_t lineno = pa >> c->line_shift, tag = lineno + 1;
	uint64_t *set = c->tags + (lineno & c->set_mask) * c->g.assoc;
	unsigned ways = c->g.assoc, w;
	c->st.accesses[k]++;
	for (w = 0; w < ways && set[w] != tag; w++)
		;
	if (w < ways) { /* hit: most recently used first */
		memmove(set + 1, set, w * sizeof *set);
		set[0] = tag;
		return 1;
	}
	c->st.misses[k]++;
	if (k == CACHE_WRITE && !c->g.write_allocate)
		return 0;
	memmove(set + 1, set, (ways - 1) * sizeof *set); /* the LRU way drops out */
	set[0] = tag;
	return 0;
}

int cache_access(struct cache *c, uint64_t pa, enum cache_kind k)
{
	return access_line(c, pa, k);
}

/* One line through the levels: the level that served it. */
static int path_line(const struct cache_path *p, uint64_t pa, enum cache_kind k)
{
	int served = -1;
	for (unsigned i = 0; i < p->nlevels; i++) {
		int hit = access_line(p->level[i], pa, k);
		if (hit < 0)
			return hit;
		if (hit && served < 0)
			served = (int)i;
		/* Served: a load or fetch stops; a store stops unless this level
		 * writes through to the next. */
		if (served >= 0 && !(k == CACHE_WRITE && p->level[i]->g.write_through))
			break;
	}
	return served < 0 ? (int)p->nlevels : served;
}

int cache_path_access(const struct cache_path *p, uint64_t pa, uint32_t len, enum cache_kind k)
{
	int far = 0;
	if (!p->nlevels)
		return 0;
	/* The common case first: one line, the most recently used of its set
	 * in the nearest level (a hit that changes no order). A store there
	 * still goes on when the level writes through. */
	struct cache *l0 = p->level[0];
	uint64_t lineno = pa >> l0->line_shift;
	if (l0->tags && (k != CACHE_WRITE || !l0->g.write_through) &&
	    ((pa + (len ? len : 1) - 1) >> l0->line_shift) == lineno &&
	    l0->tags[(lineno & l0->set_mask) * l0->g.assoc] == lineno + 1) {
		l0->st.accesses[k]++;
		return 0;
	}
	/* The nearest level's line is the unit: a wider access touches each. */
	uint32_t line = p->level[0]->g.line;
	uint64_t first = pa & ~(uint64_t)(line - 1),
	         last = (pa + (len ? len : 1) - 1) & ~(uint64_t)(line - 1);
	for (uint64_t a = first;; a += line) {
		int lvl = path_line(p, a, k);
		if (lvl < 0)
			return lvl;
		if (lvl > far)
			far = lvl;
		if (a == last)
			break;
	}
	return far;
}

/* ---- boot snapshots ---------------------------------------------------- */

void cache_save(const struct cache *c, struct ser_w *w)
{
	ser_put(w, &c->g, sizeof c->g);
	ser_put_u64(w, c->tags != NULL); /* allocated at the first access */
	if (c->tags)
		ser_put(w, c->tags, (c->set_mask + 1) * c->g.assoc * sizeof *c->tags);
	ser_put(w, &c->st, sizeof c->st);
}

int cache_load(struct cache *c, struct ser_r *r)
{
	struct cache_geom g;
	ser_get(r, &g, sizeof g);
	if (!ser_r_failed(r) && memcmp(&g, &c->g, sizeof g))
		ser_r_fail(r, "a cache of another geometry");
	size_t bytes = (c->set_mask + 1) * c->g.assoc * sizeof *c->tags;
	if (ser_get_u64(r) && !ser_r_failed(r)) {
		if (!c->tags && !(c->tags = calloc(1, bytes)))
			ser_r_fail(r, "cache tags: out of memory");
		ser_get(r, c->tags, ser_r_failed(r) ? 0 : bytes);
	} else if (c->tags) {
		memset(c->tags, 0, bytes);
	}
	ser_get(r, &c->st, sizeof c->st);
	return ser_r_failed(r) ? -1 : 0;
}
