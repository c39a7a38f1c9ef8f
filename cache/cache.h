/*
 * cache/cache.h — set-associative caches as a trace-driven simulator sees
 * them (Dinero IV's model: sets of ways with LRU replacement, per-kind
 * access and miss counts, no timing), and the path of levels one strand's
 * loads, stores or instruction fetches take through them. A leaf module:
 * the machine (sim/) drives it, the MD decides the geometry.
 */
#ifndef LDOMSIM_CACHE_CACHE_H
#define LDOMSIM_CACHE_CACHE_H

#include <stddef.h>
#include <stdint.h>

enum cache_kind { CACHE_READ, CACHE_WRITE, CACHE_FETCH, CACHE_NKINDS };

#define CACHE_MAX_LEVELS 4 /* levels on one path (L1, L2, L3, L4) */
#define CACHE_MAX_ASSOC  64
#define CACHE_MAX_LINE   4096 /* bytes */

enum cache_status { CACHE_OK = 0, CACHE_E_GEOM = -1, CACHE_E_NOMEM = -2 };
const char *cache_strerror(int status);

struct cache_geom {
	uint64_t size;      /* bytes; size / line / assoc sets, a power of two */
	uint32_t line;      /* bytes, a power of two */
	uint32_t assoc;     /* ways, 1..CACHE_MAX_ASSOC */
	int write_through;  /* a store also goes to the next level */
	int write_allocate; /* a store that misses fills the line */
};

/* One cache instance (shared by every strand whose path names it). Its
 * tags are allocated at the first access. */
struct cache;
int cache_create(const struct cache_geom *g, struct cache **out);
void cache_free(struct cache *c); /* NULL is a no-op */
const struct cache_geom *cache_geom(const struct cache *c);

/* One access to the line holding pa: 1 on a hit, 0 on a miss (the line
 * is filled, replacing the set's least recently used, unless a store
 * misses without write-allocate); CACHE_E_NOMEM if the tags cannot be
 * allocated. */
int cache_access(struct cache *c, uint64_t pa, enum cache_kind k);

struct cache_stats {
	uint64_t accesses[CACHE_NKINDS], misses[CACHE_NKINDS];
};
const struct cache_stats *cache_stats(const struct cache *c);

/* The levels a strand's accesses of one kind go through, nearest first
 * (not owned: caches are shared). */
struct cache_path {
	struct cache *level[CACHE_MAX_LEVELS];
	unsigned nlevels;
};
/* An access of len bytes at pa (every line it touches): the level that
 * served it, 0 for the nearest, nlevels for memory; the farthest level any
 * of its lines came from. A store on a write-through level goes on to the
 * next one (counted there) but is served by the first level that hit.
 * CACHE_E_NOMEM on allocation failure. */
int cache_path_access(const struct cache_path *p, uint64_t pa, uint32_t len, enum cache_kind k);

/* Boot snapshots (issue 14): the tags and counts, into a stream and back
 * into a cache of the same geometry (else the load fails). */
struct ser_w;
struct ser_r;
void cache_save(const struct cache *c, struct ser_w *w);
int cache_load(struct cache *c, struct ser_r *r);

#endif
