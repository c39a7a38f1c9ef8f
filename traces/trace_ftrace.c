/*
 * ldomsim — `trace import`: the ftrace function_graph line parser
 * (trace_import.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_import.h"
#include "traces/trace_internal.h"

const char *trace__skip_ws(const char *p)
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
	p = trace__skip_ws(p);
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
	const char *p = trace__skip_ws(line), *bar, *q;
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
		if (*trace__skip_ws(q) && *trace__skip_ws(q) != '\n')
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
			q = trace__skip_ws(e);
			if (*q != '|')
				return TRACE_ERR_JSON;
			out->has_time = 1;
			out->time_ns = (uint64_t)sec * 1000000000ull + (uint64_t)us * 1000ull;
			p = trace__skip_ws(q + 1);
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
			const char *c = trace__skip_ws(p);
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
			const char *c = trace__skip_ws(dstart);

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
				q = trace__skip_ws(q + 2);
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
		q = trace__skip_ws(q + 2);
		if (*q == ';')
			out->kind = TRACE_FTRACE_LEAF;
		else if (*q == '{')
			out->kind = TRACE_FTRACE_ENTRY;
		else
			return TRACE_ERR_JSON;
	}
	return TRACE_OK;
}
