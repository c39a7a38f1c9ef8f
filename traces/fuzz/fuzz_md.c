/*
 * ldomsim — libFuzzer harness for the MD reader (traces/md.h) and the host
 * topology (traces/md_topo.h). An input that reads must: answer every
 * accessor on every node without faults; re-encode (md_write) into an MD
 * that reads again and re-encodes to the same bytes (the writer's output is
 * canonical); have the same node count and properties after the round trip.
 * The topology computation runs on it and may refuse it (MD_ERR_TOPO); so
 * may the memory model's cache hierarchy (traces/md_cache.h), whose paths
 * must name existing instances at strictly increasing levels.
 *
 * Build and run: make fuzz; make fuzz-run FUZZ_SECONDS=60 (traces/module.mk).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "traces/md_cache.h"
#include "traces/md_topo.h"

static void walk(const struct md *md)
{
	for (md_node_t n = md_node_first(md, NULL); n != MD_NODE_NONE;
	     n = md_node_next(md, n, NULL)) {
		const char *name = md_node_name(md, n);
		if (!name || md_node_at(md, md_node_ordinal(md, n)) != n)
			abort();
		size_t np = md_prop_count(md, n);
		for (size_t i = 0; i < np; i++) {
			struct md_prop p;
			if (md_prop_get(md, n, i, &p))
				abort();
			if (p.tag == MD_TAG_ARC && !md_node_name(md, (md_node_t)p.val))
				abort();
			if (p.data && p.len &&
			    ((const volatile uint8_t *)p.data)[p.len - 1] == 0xa5)
				continue; /* touch the last payload byte */
		}
		uint64_t v;
		md_get_u64(md, n, "id", &v);
		md_get_str(md, n, "name");
		md_prop_has_str(md, n, "type", "instn");
		size_t l;
		const char *sl;
		for (size_t i = 0; (sl = md_strlist_at(md, n, "hwcap-list", i, &l)); i++)
			if (l && ((const volatile char *)sl)[l - 1] == 0)
				abort(); /* a string's length stops before its NUL */
		md_arcs(md, n, "fwd", NULL, 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md *md = NULL, *md2 = NULL;
	struct md_err err;
	struct md_buf w1 = {0}, w2 = {0};
	if (md_read(data, size, &md, &err) != MD_OK) {
		if (md || !err.msg[0])
			abort(); /* failure must leave no MD and explain itself */
		return 0;
	}
	walk(md);
	struct md_topo *t = NULL;
	if (md_topo_compute(md, &t, &err) == MD_OK) {
		for (size_t i = 0; i < md_topo_cpu_count(t); i++) {
			uint32_t c = md_topo_cpus(t)[i];
			for (int m = 0; m <= MD_TOPO_CACHE; m++) {
				const uint32_t *ids;
				size_t n = md_topo_siblings(t, c, (enum md_topo_map)m, &ids);
				for (size_t k = 1; k < n; k++)
					if (ids[k - 1] >= ids[k])
						abort();
			}
		}
	}
	md_topo_free(t);
	struct md_caches *mc = NULL;
	if (md_caches_build((const struct md *const *)&md, 1, 4096, &mc, &err) == MD_OK) {
		for (uint32_t c = 0; c < 4096; c++)
			for (int k = 0; k < 2; k++) {
				uint32_t idx[MD_CACHE_MAX_LEVELS];
				size_t np =
				    md_caches_path(mc, c, k ? MD_CACHE_INSTN : MD_CACHE_DATA, idx);
				uint32_t prev = 0;
				for (size_t i = 0; i < np; i++) {
					const struct md_cache_inst *d = md_caches_at(mc, idx[i]);
					if (!d || d->level <= prev || !d->size || !d->line_size ||
					    !d->associativity)
						abort();
					prev = d->level;
				}
			}
	} else if (mc || !err.msg[0]) {
		abort(); /* a refusal leaves nothing and explains itself */
	}
	md_caches_free(mc);
	if (md_write(md, &w1, &err) != MD_OK) {
		/* the only legitimate refusal: no memory */
		if (err.code != MD_ERR_NOMEM)
			abort();
		goto out;
	}
	if (md_read(w1.data, w1.len, &md2, &err) != MD_OK)
		abort();
	if (md_node_count(md2) != md_node_count(md))
		abort();
	if (md_write(md2, &w2, &err) != MD_OK)
		abort();
	if (w1.len != w2.len || memcmp(w1.data, w2.data, w1.len))
		abort();
out:
	md_buf_free(&w1);
	md_buf_free(&w2);
	md_free(md2);
	md_free(md);
	return 0;
}
