/*
 * ldomsim — `trace import`: reading the files of a capture directory
 * (the ftrace calls and overrun markers, the dmesg DR lines, the MDs,
 * the manifest) and fitting the hcall model to the recorded latencies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "traces/trace_gen.h"
#include "traces/trace_import.h"
#include "traces/trace_internal.h"
#include "util/stats.h"
#include "util/grow.h"

#define IMP_MAX_DEPTH 64

/* kprobe events of scripts/record-ldom.sh, printed by function_graph as
 * comments:  hv_cpu_start: (sun4v_cpu_start+0x0/0x20) a0=0x38 a1=0x...
 *            hv_cpu_start_ret: (ldom_startcpu_cpuid+0x1c/0x80 <- sun4v_cpu_start) st=0x0
 * Returns 1 entry, 2 return, 0 other; fills name, args / status. */
static int parse_probe(const char *text, char name[64], struct trace_imp_call *c)
{
	const char *colon = strstr(text, ": ("), *p;
	size_t n;
	int ret;

	if (strncmp(text, "hv_", 3) || !colon)
		return 0;
	n = (size_t)(colon - (text + 3));
	ret = n > 4 && !strncmp(colon - 4, "_ret", 4);
	if (ret)
		n -= 4;
	if (!n || n >= 64)
		return 0;
	memcpy(name, text + 3, n);
	name[n] = '\0';
	if (!trace_hcall_fn_by_name(name))
		return 0;
	p = strchr(colon + 3, ')');
	if (!p)
		return 0;
	c->nargs = 0;
	c->status = 0;
	for (p = p + 1; *p;) {
		unsigned k;
		char *e;
		unsigned long long v;

		p = trace__skip_ws(p);
		if (!*p)
			break;
		if (ret && !strncmp(p, "st=", 3)) {
			v = strtoull(p + 3, &e, 0);
			c->status = v;
		} else if (!ret && p[0] == 'a' && sscanf(p, "a%u=", &k) == 1 &&
		           k < TRACE_HCALL_MAX_ARGS && strchr(p, '=')) {
			v = strtoull(strchr(p, '=') + 1, &e, 0);
			c->args[k] = v;
			if (k + 1 > c->nargs)
				c->nargs = k + 1;
		} else {
			e = (char *)p;
		}
		while (*e && *e != ' ')
			e++;
		p = e;
	}
	return ret ? 2 : 1;
}

int trace__calls_add(struct trace_imp_calls *c, const struct trace_imp_call *x)
{
	if (util_grow((void **)&c->v, &c->cap, c->n, sizeof(*c->v), 256))
		return -1;
	c->v[c->n++] = *x;
	return 0;
}

/* Completed calls of every function in the capture, in completion order;
 * the overrun markers per cpu into lost[TRACE_MAX_CPUS]. */
enum trace_status trace__read_ftrace(const char *path, struct trace_imp_calls *out,
                                     struct trace_imp_lostacc *lost, struct trace_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct {
		char func[64];
		uint64_t start;
	}(*stack)[IMP_MAX_DEPTH] = NULL;
	uint32_t *depth = NULL;
	struct trace_imp_call *pending = NULL;
	enum trace_status st = TRACE_OK;

	if (!f)
		return trace_fail(err, TRACE_ERR_IO, path, NULL, "cannot read: %s",
		                  strerror(errno));
	stack = calloc(TRACE_MAX_CPUS, sizeof(*stack));
	depth = calloc(TRACE_MAX_CPUS, sizeof(*depth));
	pending = calloc(TRACE_MAX_CPUS, sizeof(*pending));
	if (!stack || !depth || !pending) {
		st = trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		struct trace_ftrace_line l;
		struct trace_imp_call c;

		memset(&c, 0, sizeof(c));
		lineno++;
		if (trace_ftrace_parse_line(line, &l)) {
			st = trace_fail(err, TRACE_ERR_JSON, path, NULL,
			                "line %zu: not a function_graph line: %.80s", lineno, line);
			goto out;
		}
		if (l.kind == TRACE_FTRACE_SKIP)
			continue;
		if (l.cpu >= TRACE_MAX_CPUS) {
			st = trace_fail(err, TRACE_ERR_RANGE, path, NULL, "line %zu: cpu %u (0-%u)",
			                lineno, l.cpu, TRACE_MAX_CPUS - 1);
			goto out;
		}
		if (l.kind == TRACE_FTRACE_LOST) {
			/* Entries and returns of this cpu may be missing from here on:
			 * its open calls and a pending kprobe are no longer paired. */
			lost[l.cpu].seen = 1;
			if (l.lost_known)
				lost[l.cpu].events += l.lost;
			else
				lost[l.cpu].unknown = 1;
			depth[l.cpu] = 0;
			pending[l.cpu].probed = 0;
			continue;
		}
		if (!l.has_time) {
			st = trace_fail(
			    err, TRACE_ERR_MISSING, path, NULL,
			    "line %zu: no absolute time (record with funcgraph-abstime)", lineno);
			goto out;
		}
		switch (l.kind) {
		case TRACE_FTRACE_COMMENT: {
			char name[64];
			struct trace_imp_call pc;
			int k;

			memset(&pc, 0, sizeof(pc));
			k = parse_probe(l.text, name, &pc);
			if (k == 1) {
				pending[l.cpu] = pc;
				pending[l.cpu].cpu = l.cpu;
				pending[l.cpu].start_ns = l.time_ns;
				pending[l.cpu].probed = 1;
				snprintf(pending[l.cpu].func, sizeof(pending[l.cpu].func),
				         "sun4v_%.57s", name);
			} else if (k == 2 && pending[l.cpu].probed &&
			           !strcmp(pending[l.cpu].func + 6, name)) {
				pending[l.cpu].status = pc.status;
				pending[l.cpu].dur_ns = l.time_ns >= pending[l.cpu].start_ns
				                            ? l.time_ns - pending[l.cpu].start_ns
				                            : 0;
				if (trace__calls_add(out, &pending[l.cpu])) {
					st = trace_fail(err, TRACE_ERR_NOMEM, path, NULL,
					                "out of memory");
					goto out;
				}
				pending[l.cpu].probed = 0;
			}
			break;
		}
		case TRACE_FTRACE_ENTRY:
			if (depth[l.cpu] < IMP_MAX_DEPTH) {
				snprintf(stack[l.cpu][depth[l.cpu]].func, 64, "%s", l.func);
				stack[l.cpu][depth[l.cpu]].start = l.time_ns;
			}
			depth[l.cpu]++;
			break;
		case TRACE_FTRACE_LEAF:
			c.cpu = l.cpu;
			c.start_ns = l.time_ns;
			c.dur_ns = l.duration_ns;
			snprintf(c.func, sizeof(c.func), "%s", l.func);
			if (l.has_duration && trace__calls_add(out, &c)) {
				st = trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
				goto out;
			}
			break;
		case TRACE_FTRACE_EXIT:
			/* A return whose entry is before the capture started has depth 0. */
			if (!depth[l.cpu])
				break;
			depth[l.cpu]--;
			if (depth[l.cpu] >= IMP_MAX_DEPTH || !l.has_duration)
				break;
			c.cpu = l.cpu;
			c.dur_ns = l.duration_ns;
			c.start_ns = l.time_ns >= l.duration_ns ? l.time_ns - l.duration_ns : 0;
			if (stack[l.cpu][depth[l.cpu]].start < c.start_ns)
				c.start_ns = stack[l.cpu][depth[l.cpu]].start;
			snprintf(c.func, sizeof(c.func), "%s", stack[l.cpu][depth[l.cpu]].func);
			if (trace__calls_add(out, &c)) {
				st = trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
				goto out;
			}
			break;
		default:
			break;
		}
	}
out:
	free(line);
	free(stack);
	free(depth);
	free(pending);
	fclose(f);
	return st;
}

enum trace_status trace__read_dmesg(const char *path, struct trace_imp_klog **out, size_t *n,
                                    struct trace_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, cnt = 0, lcap = 0;
	struct trace_imp_klog *v = NULL;

	if (!f)
		return trace_fail(err, TRACE_ERR_IO, path, NULL, "cannot read: %s",
		                  strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		unsigned long sec, us;
		int off = 0;
		const char *m;
		struct trace_imp_klog k;

		if (sscanf(line, " [ %lu.%lu]%n", &sec, &us, &off) != 2 || !off)
			continue;
		m = strstr(line + off, ": ");
		if (!m || strncmp(trace__skip_ws(line + off), "ds-", 3))
			continue;
		m += 2;
		k.t_ns = (uint64_t)sec * 1000000000ull + (uint64_t)us * 1000ull;
		k.cpu = 0;
		if (!strncmp(m, "Machine description update.", 27))
			k.kind = 0;
		else if (sscanf(m, "Starting cpu %u...", &k.cpu) == 1)
			k.kind = 1;
		else if (sscanf(m, "Shutting down cpu %u...", &k.cpu) == 1)
			k.kind = 2;
		else if (!strncmp(m, "CPU startup failed", 18))
			k.kind = 3;
		else
			continue;
		if (cnt == lcap) {
			struct trace_imp_klog *nv;

			lcap = lcap ? lcap * 2 : 64;
			nv = realloc(v, lcap * sizeof(*nv));
			if (!nv) {
				free(v);
				free(line);
				fclose(f);
				return trace_fail(err, TRACE_ERR_NOMEM, path, NULL,
				                  "out of memory");
			}
			v = nv;
		}
		v[cnt++] = k;
	}
	free(line);
	fclose(f);
	*out = v;
	*n = cnt;
	return TRACE_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum trace_status trace__read_md(const char *path, struct trace_imp_mdinfo *mi,
                                 struct trace_error *err)
{
	struct md_err merr;
	md_node_t n;
	uint64_t v;

	if (md_read_file(path, &mi->md, &merr)) {
		/* The MD reader's message starts with the path: name it once. */
		size_t pl = strlen(path);
		const char *m = !strncmp(merr.msg, path, pl) && !strncmp(merr.msg + pl, ": ", 2)
		                    ? merr.msg + pl + 2
		                    : merr.msg;

		return trace_fail(err, TRACE_ERR_MD, path, NULL, "%s", m);
	}
	n = md_node_first(mi->md, "platform");
	mi->max_cpus = 64;
	if (n != MD_NODE_NONE && !md_get_u64(mi->md, n, "max-cpus", &v) && v >= 1 &&
	    v <= TRACE_MAX_CPUS)
		mi->max_cpus = (uint32_t)v;
	if (n == MD_NODE_NONE || md_get_u64(mi->md, n, "stick-frequency", &mi->stick_hz))
		mi->stick_hz = 0;
	mi->cpus = calloc(TRACE_MAX_CPUS, sizeof(uint32_t));
	if (!mi->cpus)
		return trace_fail(err, TRACE_ERR_NOMEM, path, NULL, "out of memory");
	for (n = md_node_first(mi->md, "cpu"); n != MD_NODE_NONE;
	     n = md_node_next(mi->md, n, "cpu")) {
		if (md_get_u64(mi->md, n, "id", &v) || v >= mi->max_cpus ||
		    mi->ncpus >= TRACE_MAX_CPUS)
			continue;
		mi->cpus[mi->ncpus++] = (uint32_t)v;
		if (!mi->clock_hz)
			md_get_u64(mi->md, n, "clock-frequency", &mi->clock_hz);
	}
	qsort(mi->cpus, mi->ncpus, sizeof(uint32_t), util_cmp_u32);
	if (!mi->ncpus)
		return trace_fail(err, TRACE_ERR_MD, path, NULL, "no cpu node with an id");
	return TRACE_OK;
}

char *trace__manifest_get(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, "\n");

			return strndup(p + kl + 1, n);
		}
	}
	return NULL;
}

uint64_t trace__fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* Fit a lognormal per hypercall function from the recorded latencies. */
json_t *trace__fit_model(const struct trace_imp_calls *hc, const uint32_t *fnof, uint64_t seed,
                         int *ok)
{
	json_t *o = json_object(), *fns = json_array();
	uint64_t *lat = malloc((hc->n + 1) * sizeof(uint64_t));
	struct trace_dist def = {TRACE_DIST_UNIFORM,       0, TRACE_GEN_DEFAULT_MIN_NS,
	                         TRACE_GEN_DEFAULT_MAX_NS, 0, 0.0};

	if (!lat) {
		*ok = 0;
		json_decref(o);
		json_decref(fns);
		return NULL;
	}
	trace_put(o, "seed", trace_hex_json(seed), ok);
	trace_put(o, "default", trace_dist_to_json(&def), ok);
	for (uint32_t fn = 0; fn < 256; fn++) {
		size_t n = 0;
		double mean = 0, var = 0;
		uint64_t med;

		for (size_t i = 0; i < hc->n; i++)
			if (fnof[i] == fn && hc->v[i].dur_ns)
				lat[n++] = hc->v[i].dur_ns;
		if (!n)
			continue;
		qsort(lat, n, sizeof(uint64_t), cmp_u64);
		med = lat[n / 2];
		for (size_t i = 0; i < n; i++)
			mean += log((double)lat[i]);
		mean /= (double)n;
		for (size_t i = 0; i < n; i++)
			var += (log((double)lat[i]) - mean) * (log((double)lat[i]) - mean);
		var = n > 1 ? var / (double)(n - 1) : 0.0625;
		trace_append(fns,
		             json_pack("{s:i, s:s, s:s, s:I, s:f}", "fn", (int)fn, "name",
		                       trace_hcall_fn_by_number(fn)->name, "dist", "lognormal",
		                       "median_ns", (json_int_t)med, "sigma",
		                       round(sqrt(var) * 1000.0) / 1000.0),
		             ok);
	}
	free(lat);
	trace_put(o, "fns", fns, ok);
	return o;
}
