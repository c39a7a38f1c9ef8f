/*
 * ldomsim — trace checks that need the MD reader: every MD generation is a
 * valid machine description (traces/md.h), agrees with $.machine, and the
 * scenario's strands are those the MDs describe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "traces/trace_internal.h"
#include "traces/trace_mdcheck.h"

struct gen_info {
	struct md *md;
	uint8_t *in_md; /* [max_cpus] */
};

static enum trace_status fail_at(struct trace_error *err, enum trace_status code,
                                 const struct trace *t, const char *path, const char *fmt,
                                 uint64_t a, uint64_t b)
{
	return trace_fail(err, code, t->name, path, fmt, (unsigned long long)a,
	                  (unsigned long long)b);
}

enum trace_status trace_mdcheck(const struct trace *t, struct trace_error *err)
{
	struct gen_info *gi = calloc(t->nmds, sizeof(*gi));
	enum trace_status st = TRACE_OK;
	uint32_t max = t->machine.max_cpus;
	char path[96];
	size_t cur, nreq = 0;

	if (!gi)
		return trace_fail(err, TRACE_ERR_NOMEM, t->name, "$.md", "out of memory");
	for (size_t i = 0; i < t->nmds; i++) {
		struct md_err merr;
		md_node_t pl, cpu;
		uint64_t v;

		snprintf(path, sizeof(path), "$.md[%zu].file", i);
		if (!t->mds[i].bytes)
			continue;
		if (md_read(t->mds[i].bytes, t->mds[i].size, &gi[i].md, &merr)) {
			st = trace_fail(err, TRACE_ERR_MD, t->name, path, "%s: %s", t->mds[i].file,
			                merr.msg);
			goto out;
		}
		gi[i].in_md = calloc(max, 1);
		if (!gi[i].in_md) {
			st = trace_fail(err, TRACE_ERR_NOMEM, t->name, path, "out of memory");
			goto out;
		}
		pl = md_node_first(gi[i].md, "platform");
		if (pl == MD_NODE_NONE) {
			st = trace_fail(err, TRACE_ERR_MD, t->name, path, "%s has no platform node",
			                t->mds[i].file);
			goto out;
		}
		if (md_get_u64(gi[i].md, pl, "max-cpus", &v))
			v = 64; /* Linux's default */
		if (v != max) {
			st = trace_fail(err, TRACE_ERR_CONSISTENCY, t->name, "$.machine.max_cpus",
			                "%u, but %s says max-cpus %llu", max, t->mds[i].file,
			                (unsigned long long)v);
			goto out;
		}
		if (!md_get_u64(gi[i].md, pl, "stick-frequency", &v) && v != t->machine.stick_hz) {
			st = trace_fail(err, TRACE_ERR_CONSISTENCY, t->name, "$.machine.stick_hz",
			                "%llu, but %s says stick-frequency %llu",
			                (unsigned long long)t->machine.stick_hz, t->mds[i].file,
			                (unsigned long long)v);
			goto out;
		}
		for (cpu = md_node_first(gi[i].md, "cpu"); cpu != MD_NODE_NONE;
		     cpu = md_node_next(gi[i].md, cpu, "cpu")) {
			uint64_t id;

			if (md_get_u64(gi[i].md, cpu, "id", &id))
				continue;
			if (id >= max) {
				st = trace_fail(err, TRACE_ERR_MD, t->name, path,
				                "%s: cpu node id %llu is not below max-cpus %u",
				                t->mds[i].file, (unsigned long long)id, max);
				goto out;
			}
			gi[i].in_md[id] = 1;
			if (!md_get_u64(gi[i].md, cpu, "clock-frequency", &v) &&
			    v != t->machine.clock_hz) {
				st = trace_fail(
				    err, TRACE_ERR_CONSISTENCY, t->name, "$.machine.clock_hz",
				    "%llu, but cpu %llu in %s has clock-frequency %llu",
				    (unsigned long long)t->machine.clock_hz, (unsigned long long)id,
				    t->mds[i].file, (unsigned long long)v);
				goto out;
			}
		}
	}
	if (!gi[0].in_md)
		goto out;
	/* The first generation describes exactly the present strands. */
	{
		size_t k = 0;

		for (uint32_t id = 0; id < max; id++) {
			int pres = k < t->npresent && t->present[k] == id;

			if (pres != gi[0].in_md[id]) {
				st = fail_at(
				    err, TRACE_ERR_CONSISTENCY, t, "$.scenario.present",
				    pres ? "cpu %llu is present but not in MD generation %llu"
				         : "cpu %llu is in MD generation %llu but not present",
				    id, t->mds[0].generation);
				goto out;
			}
			k += pres;
		}
	}
	/* Cpus configured OK are in the generation published before the request;
	 * cpus answered NOT_IN_MD are not. */
	cur = 0;
	for (size_t i = 0; i < t->nds; i++) {
		const struct trace_ds_msg *m = &t->ds[i], *r;
		const struct trace_op *op;

		if (m->type != TRACE_DS_DATA || m->dir != TRACE_DS_TO_GUEST)
			continue;
		op = &t->ops[nreq++];
		if (op->kind == TRACE_OP_MD_UPDATE) {
			for (size_t g = 0; g < t->nmds; g++)
				if (t->mds[g].generation == op->generation)
					cur = g;
			continue;
		}
		r = trace_ds_reply(t, i);
		if (!r || m->dr_type != TRACE_DR_CONFIGURE || !gi[cur].in_md)
			continue;
		for (uint32_t k = 0; k < r->nentries; k++) {
			uint32_t c = r->entries[k].cpu;

			snprintf(path, sizeof(path), "$.ds[%zu].entries[%u]", t->ds_reply[i], k);
			if (r->entries[k].result == 0 && !gi[cur].in_md[c]) {
				st = fail_at(
				    err, TRACE_ERR_CONSISTENCY, t, path,
				    "cpu %llu configured OK but MD generation %llu does not "
				    "describe it",
				    c, t->mds[cur].generation);
				goto out;
			}
			if (r->entries[k].result == 4 && gi[cur].in_md[c]) {
				st = fail_at(err, TRACE_ERR_CONSISTENCY, t, path,
				             "cpu %llu answered NOT_IN_MD but MD generation %llu "
				             "describes it",
				             c, t->mds[cur].generation);
				goto out;
			}
		}
	}
out:
	for (size_t i = 0; i < t->nmds; i++) {
		md_free(gi[i].md);
		free(gi[i].in_md);
	}
	free(gi);
	return st;
}
