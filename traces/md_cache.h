/*
 * traces/md_cache.h — the cache hierarchy an MD declares, as the memory
 * model needs it: the cache instances (level, kind, size, line size,
 * associativity, as each `cache` node says) and, for each cpu, the
 * instances its data accesses and its instruction fetches go through,
 * nearest first. Paths follow the arcs Linux follows (mdesc.c,
 * fill_in_one_cache): cpu -fwd-> level-1 cache -fwd-> level-2 cache ...
 * Several MD generations of one domain describe one machine: an instance
 * serving a cpu at some level in one generation is the same instance in
 * the next (matched by level, kind and a cpu it serves).
 */
#ifndef LDOMSIM_TRACES_MD_CACHE_H
#define LDOMSIM_TRACES_MD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "traces/md.h"
#include "traces/md_shape.h"

#define MD_CACHE_MAX_LEVELS 4 /* deepest path followed */

struct md_cache_inst {
	uint32_t level;          /* 1.. */
	enum md_cache_kind kind; /* instruction, data, or both */
	uint64_t size;           /* bytes */
	uint32_t line_size;      /* bytes */
	uint32_t associativity;  /* ways */
	uint32_t generation;     /* the MD (0-based, in the order given) that first declared it */
	uint64_t elem;           /* its node's element index in that MD */
};

struct md_caches;
/* From mds[0..n-1] (one domain's generations, oldest first) for cpu ids
 * below max_cpus. A cache node lacking a numeric level, size, line-size
 * or associativity, or a `type` string list, is an error naming the MD and
 * the element. An MD without cache nodes gives no instances (the caller's
 * default applies). */
enum md_status md_caches_build(const struct md *const *mds, size_t n, uint32_t max_cpus,
                               struct md_caches **out, struct md_err *err);
void md_caches_free(struct md_caches *c); /* NULL is a no-op */
size_t md_caches_count(const struct md_caches *c);
const struct md_cache_inst *md_caches_at(const struct md_caches *c, size_t i);
/* The instances (indices) on cpu's path for data (MD_CACHE_DATA) or
 * instruction fetches (MD_CACHE_INSTN), nearest first; returns how many
 * (0 for a cpu no MD names). */
size_t md_caches_path(const struct md_caches *c, uint32_t cpu, enum md_cache_kind kind,
                      uint32_t out[MD_CACHE_MAX_LEVELS]);

#endif
