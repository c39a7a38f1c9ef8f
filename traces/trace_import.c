/*
 * ldomsim — `trace import`: a capture directory written by
 * scripts/record-ldom.sh on a real sun4v Linux guest becomes a trace.
 *
 *   manifest.txt      key=value lines (format=ldomsim-capture-1, ...)
 *   mdesc-before.bin  /dev/mdesc before the operation (MD generation 1)
 *   mdesc-gen<N>.bin  /dev/mdesc after the (N-1)-th md-update, when the
 *                     operation made more than one (generations 2 ... )
 *   mdesc-after.bin   /dev/mdesc after it (the last generation)
 *   dmesg.txt         the kernel log lines printed during the operation
 *   ftrace.txt        the function_graph trace (funcgraph-abstime, -proc,
 *                     -duration, -cpu), exactly as /sys/kernel/tracing/trace
 *                     prints it, "CPU:N [LOST M EVENTS]" overrun markers
 *                     included (recorded in the trace's capture.lost_events)
 *
 * hcall records come from the durations of the hypercall wrappers
 * (sun4v_<name> -> the function <name>) per cpu; DR operations from the
 * ds.c log lines ("Machine description update.", "Starting cpu N...",
 * "Shutting down cpu N...", "CPU startup failed"), grouped into requests by
 * the dr_cpu_configure/dr_cpu_unconfigure calls in the ftrace capture.
 * The DS exchange is reconstructed from those (there is no byte capture of
 * the LDC channel), without "raw".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

#include "traces/md.h"
#include "traces/trace_gen.h"
#include "traces/trace_import.h"
#include "traces/trace_internal.h"
#include "util/file.h"

#define IMP_MAX_DEPTH 64

/* ---- ftrace function_graph text ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "12.345 us" (optionally preceded by a marker) -> ns; 1 if found. */
static int parse_duration(const char *s, const char *end, uint64_t *ns)
{
	const char *p = s;
	uint64_t whole = 0, frac = 0;
	int fd = 0, any = 0;

	while (p < end && (*p == ' ' || strchr("+!#*@$", *p)))
		p++;
	while (p < end && isdigit((unsigned char)*p)) {
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		any = 1;
	}
	if (p < end && *p == '.') {
		p++;
		while (p < end && isdigit((unsigned char)*p)) {
			if (fd < 3) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fd++;
			}
			p++;
		}
	}
	if (!any)
		return 0;
	while (fd < 3) {
		frac *= 10;
		fd++;
	}
	p = skip_ws(p);
	if (end - p >= 2 && !strncmp(p, "us", 2)) {
		*ns = whole * 1000 + frac;
		return 1;
	}
	if (end - p >= 2 && !strncmp(p, "ms", 2)) { /* not printed by 6.1, accepted */
		*ns = (whole * 1000 + frac) * 1000;
		return 1;
	}
	return 0;
}

enum trace_status trace_ftrace_parse_line(const char *line, struct trace_ftrace_line *out)
{
	const char *p = skip_ws(line), *bar, *q;
	char *e;

	memset(out, 0, sizeof(*out));
	out->kind = TRACE_FTRACE_SKIP;
	/* kernel/trace/trace.c print_trace_line: "CPU:%d [LOST %lu EVENTS]", or
	 * "CPU:%d [LOST EVENTS]" when the count is not known. */
	if (!strncmp(p, "CPU:", 4) && isdigit((unsigned char)p[4])) {
		unsigned long cpu = strtoul(p + 4, &e, 10);

		q = e;
		if (!strncmp(q, " [LOST EVENTS]", 14)) {
			q += 14;
		} else if (!strncmp(q, " [LOST ", 7) && isdigit((unsigned char)q[7])) {
			out->lost = strtoull(q + 7, &e, 10);
			if (strncmp(e, " EVENTS]", 8))
				return TRACE_ERR_JSON;
			out->lost_known = 1;
			q = e + 8;
		} else {
			return TRACE_ERR_JSON;
		}
		if (*skip_ws(q) && *skip_ws(q) != '\n')
			return TRACE_ERR_JSON;
		if (cpu > UINT32_MAX)
			return TRACE_ERR_JSON;
		out->cpu = (uint32_t)cpu;
		out->kind = TRACE_FTRACE_LOST;
		return TRACE_OK;
	}
	if (!*p || *p == '#' || *p == '\n' || !strncmp(p, "---", 3) || !strncmp(p, "===", 3) ||
	    strstr(p, "=>") || strstr(p, "==========") || strstr(p, "<=========="))
		return TRACE_OK;
	/* abstime "SSSSS.UUUUUU |" */
	if (isdigit((unsigned char)*p)) {
		const char *d = p;

		while (isdigit((unsigned char)*d))
			d++;
		if (*d == '.') {
			unsigned long long sec = strtoull(p, &e, 10), us;

			if (e != d)
				return TRACE_ERR_JSON;
			us = strtoull(d + 1, &e, 10);
			if (e - (d + 1) != 6)
				return TRACE_ERR_JSON;
			q = skip_ws(e);
			if (*q != '|')
				return TRACE_ERR_JSON;
			out->has_time = 1;
			out->time_ns = (uint64_t)sec * 1000000000ull + (uint64_t)us * 1000ull;
			p = skip_ws(q + 1);
		}
	}
	/* cpu "N)" */
	if (!isdigit((unsigned char)*p))
		return TRACE_ERR_JSON;
	out->cpu = (uint32_t)strtoul(p, &e, 10);
	if (*e != ')')
		return TRACE_ERR_JSON;
	p = e + 1;
	/* optional "comm-pid |" and the duration column "... |" */
	bar = strchr(p, '|');
	if (!bar)
		return TRACE_ERR_JSON;
	{
		/* With funcgraph-proc there are two bars before the function column. */
		const char *bar2 = strchr(bar + 1, '|');
		const char *dstart = p, *dend = bar;
		uint64_t ns;

		if (bar2 && !parse_duration(p, bar, &ns)) {
			/* proc column first */
			const char *c = skip_ws(p);
			size_t n = (size_t)(bar - c);

			while (n && c[n - 1] == ' ')
				n--;
			if (n >= sizeof(out->proc))
				n = sizeof(out->proc) - 1;
			memcpy(out->proc, c, n);
			out->proc[n] = '\0';
			dstart = bar + 1;
			dend = bar2;
			bar = bar2;
		}
		if (parse_duration(dstart, dend, &ns)) {
			out->has_duration = 1;
			out->duration_ns = ns;
		} else {
			const char *c = skip_ws(dstart);

			if (c != dend && *c != '\n')
				return TRACE_ERR_JSON; /* something else in the duration column */
		}
	}
	/* function column: indentation (2 per level) after "|  " */
	p = bar + 1;
	if (*p == ' ')
		p++;
	{
		const char *f = p;
		size_t n;

		while (*f == ' ')
			f++;
		out->depth = (uint32_t)((f - p) / 2);
		n = strcspn(f, "\n");
		while (n && f[n - 1] == ' ')
			n--;
		if (n >= 2 && f[0] == '/' && f[1] == '*') {
			const char *c = f + 2;
			size_t m;

			while (c < f + n && (*c == ' ' || *c == '\t'))
				c++;
			m = (size_t)(f + n - c);

			if (m >= 2 && c[m - 2] == '*' && c[m - 1] == '/')
				m -= 2;
			while (m && c[m - 1] == ' ')
				m--;
			if (m >= sizeof(out->text))
				m = sizeof(out->text) - 1;
			memcpy(out->text, c, m);
			out->text[m] = '\0';
			out->kind = TRACE_FTRACE_COMMENT;
			return TRACE_OK;
		}
		if (n >= 1 && f[0] == '}') {
			out->kind = TRACE_FTRACE_EXIT;
			q = strstr(f, "/*");
			if (q && q < f + n) {
				q = skip_ws(q + 2);
				n = strcspn(q, " */\n");
				if (n >= sizeof(out->func))
					n = sizeof(out->func) - 1;
				memcpy(out->func, q, n);
				out->func[n] = '\0';
			}
			return TRACE_OK;
		}
		q = strstr(f, "()");
		if (!q || q > f + n || q == f)
			return TRACE_ERR_JSON;
		n = (size_t)(q - f);
		if (n >= sizeof(out->func))
			n = sizeof(out->func) - 1;
		memcpy(out->func, f, n);
		out->func[n] = '\0';
		q = skip_ws(q + 2);
		if (*q == ';')
			out->kind = TRACE_FTRACE_LEAF;
		else if (*q == '{')
			out->kind = TRACE_FTRACE_ENTRY;
		else
			return TRACE_ERR_JSON;
	}
	return TRACE_OK;
}

/* ---- capture -> trace ---- */

struct call {
	uint32_t cpu;
	uint64_t start_ns, dur_ns;
	char func[64];
	int probed; /* from a kprobe/kretprobe pair (args and status known) */
	uint32_t nargs;
	uint64_t args[TRACE_HCALL_MAX_ARGS];
	uint64_t status;
};

/* kprobe events of scripts/record-ldom.sh, printed by function_graph as
 * comments:  hv_cpu_start: (sun4v_cpu_start+0x0/0x20) a0=0x38 a1=0x...
 *            hv_cpu_start_ret: (ldom_startcpu_cpuid+0x1c/0x80 <- sun4v_cpu_start) st=0x0
 * Returns 1 entry, 2 return, 0 other; fills name, args / status. */
static int parse_probe(const char *text, char name[64], struct call *c)
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

		p = skip_ws(p);
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

struct calls {
	struct call *v;
	size_t n, cap;
};

static int calls_add(struct calls *c, const struct call *x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct call *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *x;
	return 0;
}

/* Events ftrace lost on one cpu (its "CPU:N [LOST ...]" markers). */
struct lostacc {
	int seen, unknown;
	uint64_t events;
};

/* Completed calls of every function in the capture, in completion order;
 * the overrun markers per cpu into lost[TRACE_MAX_CPUS]. */
static enum trace_status read_ftrace(const char *path, struct calls *out, struct lostacc *lost,
                                     struct trace_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct {
		char func[64];
		uint64_t start;
	}(*stack)[IMP_MAX_DEPTH] = NULL;
	uint32_t *depth = NULL;
	struct call *pending = NULL;
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
		struct call c;

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
			struct call pc;
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
				if (calls_add(out, &pending[l.cpu])) {
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
			if (l.has_duration && calls_add(out, &c)) {
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
			if (calls_add(out, &c)) {
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

/* dmesg lines "[  215.497400] ds-1: Starting cpu 56..." */
struct klog {
	uint64_t t_ns;
	int kind; /* 0 md-update, 1 starting, 2 shutting down, 3 startup failed */
	uint32_t cpu;
};

static enum trace_status read_dmesg(const char *path, struct klog **out, size_t *n,
                                    struct trace_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, cnt = 0, lcap = 0;
	struct klog *v = NULL;

	if (!f)
		return trace_fail(err, TRACE_ERR_IO, path, NULL, "cannot read: %s",
		                  strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		unsigned long sec, us;
		int off = 0;
		const char *m;
		struct klog k;

		if (sscanf(line, " [ %lu.%lu]%n", &sec, &us, &off) != 2 || !off)
			continue;
		m = strstr(line + off, ": ");
		if (!m || strncmp(skip_ws(line + off), "ds-", 3))
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
			struct klog *nv;

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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct mdinfo {
	struct md *md;
	uint32_t max_cpus;
	uint64_t clock_hz, stick_hz;
	uint32_t *cpus;
	size_t ncpus;
};

static enum trace_status read_md(const char *path, struct mdinfo *mi, struct trace_error *err)
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
	qsort(mi->cpus, mi->ncpus, sizeof(uint32_t), cmp_u32);
	if (!mi->ncpus)
		return trace_fail(err, TRACE_ERR_MD, path, NULL, "no cpu node with an id");
	return TRACE_OK;
}

static char *manifest_get(const char *text, const char *key)
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

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* Fit a lognormal per hypercall function from the recorded latencies. */
static json_t *fit_model(const struct calls *hc, const uint32_t *fnof, uint64_t seed, int *ok)
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

/* ---- the output folder ---- */

/* An import's output: written into a staging folder beside DIR and moved
 * into place by outdir_commit, so that a failed import leaves nothing
 * behind (outdir_abort removes the staging folder and the parents it made). */
struct outdir {
	char *dir;   /* -o DIR, trailing slashes removed */
	char *stage; /* DIR.import-XXXXXX */
	char **made; /* parent folders this import created, outermost first */
	size_t nmade;
	char **files; /* names written into stage */
	size_t nfiles;
	int committed;
};

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static enum trace_status outdir_open(struct outdir *od, const char *dir, struct trace_error *err)
{
	struct stat sb;
	size_t n = strlen(dir);
	char *slash;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return trace_fail(err, TRACE_ERR_ARG, "-o", NULL, "an empty folder name");
	if (!(od->dir = strndup(dir, n)))
		return trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
	if (!stat(od->dir, &sb) && !S_ISDIR(sb.st_mode))
		return trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "exists and is not a folder");
	/* The parents, created one by one (and remembered). */
	for (slash = strchr(od->dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(od->dir, &sb)) {
			if (mkdir(od->dir, 0777) || push_str(&od->made, &od->nmade, od->dir)) {
				enum trace_status st =
				    trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
				               "cannot create the folder: %s", strerror(errno));
				*slash = '/';
				return st;
			}
		} else if (!S_ISDIR(sb.st_mode)) {
			enum trace_status st =
			    trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "is not a folder");
			*slash = '/';
			return st;
		}
		*slash = '/';
	}
	if (asprintf(&od->stage, "%s.import-XXXXXX", od->dir) < 0) {
		od->stage = NULL;
		return trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
	}
	if (!mkdtemp(od->stage)) {
		free(od->stage);
		od->stage = NULL;
		return trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
		                  "cannot create a staging folder beside it: %s", strerror(errno));
	}
	return TRACE_OK;
}

static enum trace_status outdir_note(struct outdir *od, const char *name, struct trace_error *err)
{
	if (push_str(&od->files, &od->nfiles, name))
		return trace_fail(err, TRACE_ERR_NOMEM, od->dir, NULL, "out of memory");
	return TRACE_OK;
}

static enum trace_status outdir_write(struct outdir *od, const char *name, const void *b,
                                      size_t len, struct trace_error *err)
{
	char *p;
	enum trace_status st;

	if (asprintf(&p, "%s/%s", od->stage, name) < 0)
		return trace_fail(err, TRACE_ERR_NOMEM, od->dir, NULL, "out of memory");
	if (!(st = trace_write_atomic(p, b, len, err)))
		st = outdir_note(od, name, err);
	free(p);
	return st;
}

/* Move the staged files into DIR (DIR itself when it does not exist). */
static enum trace_status outdir_commit(struct outdir *od, struct trace_error *err)
{
	struct stat sb;

	if (stat(od->dir, &sb)) {
		if (rename(od->stage, od->dir))
			return trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "cannot create: %s",
			                  strerror(errno));
		od->committed = 1;
		return TRACE_OK;
	}
	for (size_t i = 0; i < od->nfiles; i++) {
		char *from = NULL, *to = NULL;
		int bad = asprintf(&from, "%s/%s", od->stage, od->files[i]) < 0 ||
		          asprintf(&to, "%s/%s", od->dir, od->files[i]) < 0 || rename(from, to);

		free(from);
		free(to);
		if (bad)
			return trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
			                  "cannot move %s into the folder: %s", od->files[i],
			                  strerror(errno));
	}
	rmdir(od->stage);
	od->committed = 1;
	return TRACE_OK;
}

static void outdir_abort(struct outdir *od)
{
	if (od->committed)
		return;
	for (size_t i = 0; od->stage && i < od->nfiles; i++) {
		char *p;

		if (asprintf(&p, "%s/%s", od->stage, od->files[i]) >= 0) {
			unlink(p);
			free(p);
		}
	}
	if (od->stage)
		rmdir(od->stage);
	for (size_t i = od->nmade; i-- > 0;)
		rmdir(od->made[i]);
}

static void outdir_free(struct outdir *od)
{
	for (size_t i = 0; i < od->nmade; i++)
		free(od->made[i]);
	for (size_t i = 0; i < od->nfiles; i++)
		free(od->files[i]);
	free(od->made);
	free(od->files);
	free(od->stage);
	free(od->dir);
}

/* Replace every "from" in msg (n bytes) by "to". */
static void replace_all(char *msg, size_t n, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = msg;

	if (!fl)
		return;
	while ((p = strstr(p, from))) {
		size_t rest = strlen(p + fl);

		if ((size_t)(p - msg) + tl + rest + 1 > n)
			return;
		memmove(p + tl, p + fl, rest + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

/* A message about the staged trace names what the user has: the capture's
 * MD file for md-genN.bin, the capture folder for the rest. */
static void outdir_rename_in_msg(const struct outdir *od, struct trace_error *err,
                                 char *const *md_src, size_t nmds, const char *cap)
{
	char from[1200];

	for (size_t g = 0; g < nmds; g++) {
		snprintf(from, sizeof(from), "%s/md-gen%zu.bin", od->stage, g + 1);
		replace_all(err->msg, sizeof(err->msg), from, md_src[g]);
	}
	for (size_t g = 0; g < nmds; g++) { /* as the trace names them */
		snprintf(from, sizeof(from), "md-gen%zu.bin", g + 1);
		replace_all(err->msg, sizeof(err->msg), from, md_src[g]);
	}
	replace_all(err->msg, sizeof(err->msg), od->stage, cap);
}

enum trace_status trace_import(const char *cap, const char *dir, struct trace_error *err)
{
	char *p_manifest = NULL, *p_before = NULL, *p_after = NULL, *p_dmesg = NULL,
	     *p_ftrace = NULL;
	char *manifest = NULL, *shape = NULL, *path = NULL, *text = NULL;
	size_t manifest_len;
	struct mdinfo *mds = NULL; /* generation g + 1 at index g */
	char **md_src = NULL;      /* the capture file of each */
	size_t nmds = 0, nupdates = 0, ngen_op = 0;
	struct lostacc *lost = NULL;
	struct outdir od = {0};
	struct calls calls = {0}, hc = {0};
	uint32_t *fnof = NULL, *opcpus = NULL;
	struct klog *kl = NULL;
	size_t nkl = 0;
	enum trace_status st = TRACE_OK;
	json_t *doc = NULL, *md = NULL, *mach = NULL, *sc = NULL, *ops = NULL;
	json_t *ds = NULL, *hcalls = NULL;
	int ok = 1;
	uint64_t t_base = UINT64_MAX, handle[16], req_num = 0;
	int probed = 0;
	struct trace *t = NULL;

	{
		struct stat sb;

		if (stat(cap, &sb))
			return trace_fail(err, TRACE_ERR_IO, cap, NULL,
			                  "cannot read the capture folder: %s", strerror(errno));
		if (!S_ISDIR(sb.st_mode))
			return trace_fail(err, TRACE_ERR_IO, cap, NULL,
			                  "not a folder (scripts/record-ldom.sh writes a capture "
			                  "folder)");
	}
	if (!(lost = calloc(TRACE_MAX_CPUS, sizeof(*lost))) ||
	    asprintf(&p_manifest, "%s/manifest.txt", cap) < 0 ||
	    asprintf(&p_before, "%s/mdesc-before.bin", cap) < 0 ||
	    asprintf(&p_after, "%s/mdesc-after.bin", cap) < 0 ||
	    asprintf(&p_dmesg, "%s/dmesg.txt", cap) < 0 ||
	    asprintf(&p_ftrace, "%s/ftrace.txt", cap) < 0) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	if (util_read_file(p_manifest, (uint8_t **)&manifest, &manifest_len)) {
		st = trace_fail(err, TRACE_ERR_IO, p_manifest, NULL, "cannot read: %s",
		                strerror(errno));
		goto out;
	}
	{
		char *fmt = manifest_get(manifest, "format");
		int good = fmt && !strcmp(fmt, "ldomsim-capture-1");

		free(fmt);
		if (!good) {
			st = trace_fail(err, TRACE_ERR_FORMAT, p_manifest, NULL,
			                "expected a line format=ldomsim-capture-1");
			goto out;
		}
	}
	shape = manifest_get(manifest, "shape");
	if ((st = read_dmesg(p_dmesg, &kl, &nkl, err)) ||
	    (st = read_ftrace(p_ftrace, &calls, lost, err)))
		goto out;
	/* MD generations: 1 before the operation, one more per md-update line of
	 * the kernel log; the last is mdesc-after.bin, those in between
	 * mdesc-gen<N>.bin (scripts/record-ldom.sh saves each MD it sees). */
	for (size_t i = 0; i < nkl; i++)
		nupdates += kl[i].kind == 0;
	nmds = (nupdates ? nupdates : 1) + 1;
	mds = calloc(nmds, sizeof(*mds));
	md_src = calloc(nmds, sizeof(*md_src));
	if (!mds || !md_src) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t g = 0; g < nmds; g++) {
		int r = g == 0          ? asprintf(&md_src[g], "%s", p_before)
		        : g == nmds - 1 ? asprintf(&md_src[g], "%s", p_after)
		                        : asprintf(&md_src[g], "%s/mdesc-gen%zu.bin", cap, g + 1);

		if (r < 0) {
			md_src[g] = NULL;
			st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
			goto out;
		}
		if (g && g < nmds - 1 && access(md_src[g], F_OK)) {
			st = trace_fail(
			    err, TRACE_ERR_MISSING, p_dmesg, NULL,
			    "%zu md-update lines (\"Machine description update.\"): "
			    "generation %zu needs the capture's MD file mdesc-gen%zu.bin "
			    "(generation 1 is mdesc-before.bin, generation %zu "
			    "mdesc-after.bin), which %s lacks",
			    nupdates, g + 1, g + 1, nmds, cap);
			goto out;
		}
		if ((st = read_md(md_src[g], &mds[g], err)))
			goto out;
	}
	if (!nkl) {
		st =
		    trace_fail(err, TRACE_ERR_MISSING, p_dmesg, NULL,
		               "no ds.c log line (\"ds-N: Machine description update.\", \"ds-N: "
		               "Starting cpu N...\"); was the operation done while recording, with "
		               "printk times on?");
		goto out;
	}
	for (size_t g = 1; g < nmds; g++)
		if (mds[g].max_cpus != mds[0].max_cpus) {
			st = trace_fail(err, TRACE_ERR_CONSISTENCY, md_src[g], NULL,
			                "max-cpus %u differs from mdesc-before.bin's %u",
			                mds[g].max_cpus, mds[0].max_cpus);
			goto out;
		}

	/* hcall wrapper calls: sun4v_<fn name>. */
	fnof = calloc(calls.n + 1, sizeof(uint32_t));
	if (!fnof) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < calls.n; i++)
		probed |= calls.v[i].probed;
	for (size_t i = 0; i < calls.n; i++) {
		const struct trace_hcall_fn_info *fi;

		if (calls.v[i].start_ns < t_base)
			t_base = calls.v[i].start_ns;
		if (calls.v[i].probed != probed || strncmp(calls.v[i].func, "sun4v_", 6) ||
		    !(fi = trace_hcall_fn_by_name(calls.v[i].func + 6)))
			continue;
		if (calls.v[i].cpu >= mds[0].max_cpus)
			continue;
		fnof[hc.n] = fi->fn;
		if (calls_add(&hc, &calls.v[i])) {
			st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < nkl; i++)
		if (kl[i].t_ns < t_base)
			t_base = kl[i].t_ns;
	if (t_base == UINT64_MAX)
		t_base = 0;

	doc = json_object();
	md = json_array();
	mach = json_object();
	sc = json_object();
	ops = json_array();
	ds = json_array();
	hcalls = json_array();
	/* Everything is written into a staging folder next to dir and moved
	 * into place once the trace is valid: a failed import leaves nothing. */
	if ((st = outdir_open(&od, dir, err)))
		goto out;
	for (size_t g = 0; g < nmds; g++) {
		size_t len;
		const uint8_t *b = md_bytes(mds[g].md, &len);
		char name[40], hx[65];
		uint8_t h[32];

		snprintf(name, sizeof(name), "md-gen%zu.bin", g + 1);
		if ((st = outdir_write(&od, name, b, len, err)))
			goto out;
		trace_sha256(b, len, h);
		trace_sha256_to_hex(h, hx);
		trace_append(md,
		             json_pack("{s:i, s:s, s:s, s:I}", "generation", (int)g + 1, "file",
		                       name, "sha256", hx, "size", (json_int_t)len),
		             &ok);
	}
	trace_put(doc, "format", json_string(TRACE_FORMAT_NAME), &ok);
	/* the lowest version that holds what is written here: 1.2 with lost
	 * events, else 1.0 */
	{
		int any = 0;

		for (uint32_t c = 0; c < mds[0].max_cpus; c++)
			any |= lost[c].seen;
		trace_put(doc, "version", json_pack("[i, i]", TRACE_VERSION_MAJOR, any ? 2 : 0),
		          &ok);
	}
	{
		char *host = manifest_get(manifest, "host"),
		     *kernel = manifest_get(manifest, "kernel");
		char *c = NULL;

		if (asprintf(&c, "imported from %s (host %s, kernel %s)", cap, host ? host : "?",
		             kernel ? kernel : "?") >= 0)
			trace_put(doc, "comment", json_string(c), &ok);
		free(c);
		free(host);
		free(kernel);
	}
	/* Machine: from the MD and the manifest; the shape counts default to one
	 * socket x one core per strand when the manifest does not give them. */
	{
		char *so = manifest_get(manifest, "sockets"),
		     *co = manifest_get(manifest, "cores_per_socket");
		char *sp = manifest_get(manifest, "strands_per_core"),
		     *cpi = manifest_get(manifest, "cpi");
		long s = so ? atol(so) : 1, c = co ? atol(co) : 1;
		long k = sp ? atol(sp) : (long)mds[0].max_cpus;
		double cv = cpi ? atof(cpi) : 1.5;

		trace_put(mach, "shape", json_string(shape && *shape ? shape : "imported"), &ok);
		trace_put(mach, "sockets", json_integer(s), &ok);
		trace_put(mach, "cores_per_socket", json_integer(c), &ok);
		trace_put(mach, "strands_per_core", json_integer(k), &ok);
		trace_put(mach, "max_cpus", json_integer(mds[0].max_cpus), &ok);
		trace_put(mach, "cpi", json_real(cv), &ok);
		trace_put(mach, "clock_hz",
		          json_integer((json_int_t)(mds[0].clock_hz ? mds[0].clock_hz : 1)), &ok);
		trace_put(mach, "stick_hz",
		          json_integer((json_int_t)(mds[0].stick_hz ? mds[0].stick_hz : 1)), &ok);
		free(so);
		free(co);
		free(sp);
		free(cpi);
	}
	struct trace_costs gen_costs;
	trace_gen_costs(&gen_costs);
	trace_put(mach, "costs", trace_costs_json(&gen_costs), &ok);
	trace_put(doc, "machine", mach, &ok);
	mach = NULL;
	trace_put(doc, "md", md, &ok);
	md = NULL;

	/* DS: handshake (handles from the ds.c scheme, index << 32), then one
	 * request/reply per operation. */
	{
		static const char *const types[] = {"INIT_REQ", "INIT_ACK"};

		trace_append(ds,
		             json_pack("{s:s, s:s, s:i, s:i}", "dir", "from-guest", "type",
		                       types[0], "major", 1, "minor", 0),
		             &ok);
		trace_append(
		    ds,
		    json_pack("{s:s, s:s, s:i}", "dir", "to-guest", "type", types[1], "minor", 0),
		    &ok);
		for (size_t i = 0; i < trace_ds_nservices; i++) {
			handle[i] = (uint64_t)i << 32;
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:i, s:i, s:s}", "dir",
			                       "from-guest", "type", "REG_REQ", "handle",
			                       trace_hex_json(handle[i]), "major", 1, "minor", 0,
			                       "service", trace_ds_services[i]),
			             &ok);
		}
		for (size_t i = 0; i < trace_ds_nservices; i++)
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:i}", "dir", "to-guest", "type",
			                       "REG_ACK", "handle", trace_hex_json(handle[i]),
			                       "minor", 0),
			             &ok);
	}
	opcpus = calloc(TRACE_MAX_CPUS + 1, sizeof(uint32_t));
	if (!opcpus) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nkl;) {
		uint64_t t_op = kl[i].t_ns - t_base;

		if (kl[i].kind == 0) {
			req_num++;
			ngen_op++;
			trace_append(ops,
			             json_pack("{s:I, s:s, s:I, s:i}", "t_ns", (json_int_t)t_op,
			                       "op", "md-update", "req_num", (json_int_t)req_num,
			                       "generation", (int)ngen_op + 1),
			             &ok);
			trace_append(ds,
			             json_pack("{s:I, s:s, s:s, s:o, s:s, s:I}", "t_ns",
			                       (json_int_t)t_op, "dir", "to-guest", "type", "DATA",
			                       "handle", trace_hex_json(handle[0]), "service",
			                       "md-update", "req_num", (json_int_t)req_num),
			             &ok);
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:s, s:I, s:i}", "dir",
			                       "from-guest", "type", "DATA", "handle",
			                       trace_hex_json(handle[0]), "service", "md-update",
			                       "req_num", (json_int_t)req_num, "result", 0),
			             &ok);
			i++;
			continue;
		}
		if (kl[i].kind == 3) {
			i++;
			continue;
		}
		/* One dr-cpu request: the run of Starting/Shutting lines inside one
		 * dr_cpu_configure/dr_cpu_unconfigure call (or the whole run). */
		{
			int kind = kl[i].kind;
			const char *fname = kind == 1 ? "dr_cpu_configure" : "dr_cpu_unconfigure";
			uint64_t lo = 0, hi = UINT64_MAX;
			size_t n = 0, j;
			uint8_t failed[TRACE_MAX_CPUS / 8] = {0};
			json_t *ents = json_array();

			for (size_t c = 0; c < calls.n; c++)
				if (!strcmp(calls.v[c].func, fname) &&
				    calls.v[c].start_ns <= kl[i].t_ns &&
				    kl[i].t_ns <= calls.v[c].start_ns + calls.v[c].dur_ns) {
					lo = calls.v[c].start_ns;
					hi = lo + calls.v[c].dur_ns;
					break;
				}
			for (j = i; j < nkl && (kl[j].kind == kind || kl[j].kind == 3) &&
			            kl[j].t_ns >= lo && kl[j].t_ns <= hi;
			     j++) {
				if (kl[j].kind == 3) {
					if (n)
						failed[opcpus[n - 1] / 8] |=
						    (uint8_t)(1u << (opcpus[n - 1] % 8));
					continue;
				}
				if (kl[j].cpu < mds[0].max_cpus && n < TRACE_MAX_CPUS)
					opcpus[n++] = kl[j].cpu;
			}
			req_num++;
			trace_append(ops,
			             json_pack("{s:I, s:s, s:I, s:o}", "t_ns", (json_int_t)t_op,
			                       "op", kind == 1 ? "configure" : "unconfigure",
			                       "req_num", (json_int_t)req_num, "cpus",
			                       trace_cpus_json(opcpus, n)),
			             &ok);
			trace_append(ds,
			             json_pack("{s:I, s:s, s:s, s:o, s:s, s:I, s:s, s:o}", "t_ns",
			                       (json_int_t)t_op, "dir", "to-guest", "type", "DATA",
			                       "handle", trace_hex_json(handle[3]), "service",
			                       "dr-cpu", "req_num", (json_int_t)req_num, "req",
			                       kind == 1 ? "configure" : "unconfigure", "cpus",
			                       trace_cpus_json(opcpus, n)),
			             &ok);
			qsort(opcpus, n, sizeof(uint32_t), cmp_u32);
			for (size_t k = 0; k < n; k++) {
				int bad = (failed[opcpus[k] / 8] >> (opcpus[k] % 8)) & 1;

				if (k && opcpus[k] == opcpus[k - 1])
					continue;
				trace_append(ents,
				             json_pack("{s:i, s:i, s:i}", "cpu", (int)opcpus[k],
				                       "result", bad ? 1 : 0, "stat",
				                       kind == 1 ? (bad ? 1 : 2) : (bad ? 2 : 1)),
				             &ok);
			}
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:s, s:I, s:s, s:o}", "dir",
			                       "from-guest", "type", "DATA", "handle",
			                       trace_hex_json(handle[3]), "service", "dr-cpu",
			                       "req_num", (json_int_t)req_num, "resp", "ok",
			                       "entries", ents),
			             &ok);
			i = j > i ? j : i + 1;
		}
	}
	trace_put(sc, "present", trace_cpus_json(mds[0].cpus, mds[0].ncpus), &ok);
	{
		/* The DS thread's strand: where dr_cpu_data / md-update ran, else the first
		 * present. */
		uint32_t dss = mds[0].cpus[0];

		for (size_t c = 0; c < calls.n; c++)
			if ((!strcmp(calls.v[c].func, "dr_cpu_data") ||
			     !strcmp(calls.v[c].func, "mdesc_update")) &&
			    bsearch(&calls.v[c].cpu, mds[0].cpus, mds[0].ncpus, sizeof(uint32_t),
			            cmp_u32)) {
				dss = calls.v[c].cpu;
				break;
			}
		trace_put(sc, "ds_strand", json_integer(dss), &ok);
	}
	trace_put(sc, "ops", ops, &ok);
	ops = NULL;
	trace_put(doc, "scenario", sc, &ok);
	sc = NULL;
	trace_put(doc, "ds", ds, &ok);
	ds = NULL;
	for (size_t i = 0; i < hc.n; i++) {
		const struct trace_hcall_fn_info *fi = trace_hcall_fn_by_number(fnof[i]);

		json_t *args = json_array();
		uint32_t na = hc.v[i].nargs < fi->nargs ? hc.v[i].nargs : fi->nargs;

		for (uint32_t k = 0; k < na; k++)
			trace_append(args, trace_hex_json(hc.v[i].args[k]), &ok);
		trace_append(
		    hcalls,
		    json_pack("{s:i, s:I, s:i, s:s, s:o, s:I, s:[], s:I}", "strand",
		              (int)hc.v[i].cpu, "t_ns", (json_int_t)(hc.v[i].start_ns - t_base),
		              "fn", (int)fi->fn, "name", fi->name, "args", args, "status",
		              (json_int_t)(hc.v[i].status <= 17 ? hc.v[i].status : 11 /* EIO */),
		              "rets", "latency_ns", (json_int_t)hc.v[i].dur_ns),
		    &ok);
	}
	trace_put(doc, "hcalls", hcalls, &ok);
	hcalls = NULL;
	trace_put(doc, "hcall_model", fit_model(&hc, fnof, fnv1a(manifest), &ok), &ok);
	{
		json_t *le = json_array();

		for (uint32_t c = 0; c < mds[0].max_cpus; c++)
			if (lost[c].seen)
				trace_append(
				    le,
				    json_pack("{s:i, s:o}", "cpu", (int)c, "events",
				              lost[c].unknown
				                  ? json_string("unknown")
				                  : json_integer((json_int_t)lost[c].events)),
				    &ok);
		if (json_array_size(le))
			trace_put(doc, "capture", json_pack("{s:o}", "lost_events", le), &ok);
		else
			json_decref(le);
	}
	if (!ok || !(text = trace_json_dump(doc))) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	if (asprintf(&path, "%s/trace.json", od.stage) < 0) {
		path = NULL;
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	/* Messages about the trace name the capture: the staging folder goes. */
	if ((st = trace_load_mem(text, strlen(text), cap, od.stage, &t, err))) {
		outdir_rename_in_msg(&od, err, md_src, nmds, cap);
		goto out;
	}
	if ((st = trace_save(t, path, err)) || (st = outdir_note(&od, "trace.json", err)) ||
	    (st = outdir_commit(&od, err)))
		goto out;
out:
	/* A write that failed names the file asked for, not the staging
	 * folder that is about to go. */
	if (st && od.stage)
		replace_all(err->msg, sizeof(err->msg), od.stage, dir);
	if (st)
		outdir_abort(&od);
	outdir_free(&od);
	trace_free(t);
	json_decref(doc);
	json_decref(md);
	json_decref(mach);
	json_decref(sc);
	json_decref(ops);
	json_decref(ds);
	json_decref(hcalls);
	free(text);
	free(path);
	free(opcpus);
	free(fnof);
	free(kl);
	free(calls.v);
	free(hc.v);
	for (size_t g = 0; mds && g < nmds; g++) {
		md_free(mds[g].md);
		free(mds[g].cpus);
		free(md_src ? md_src[g] : NULL);
	}
	free(mds);
	free(md_src);
	free(lost);
	free(shape);
	free(manifest);
	free(p_manifest);
	free(p_before);
	free(p_after);
	free(p_dmesg);
	free(p_ftrace);
	return st;
}
