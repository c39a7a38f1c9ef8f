/*
 * bench/html.c — see html.h. The page is built in memory and written once
 * (util_write_atomic); every text that comes from a file is escaped, and a
 * plot's SVG is inlined only when it references nothing outside itself and
 * holds no script (gnuplot's svg terminal writes neither), its ids
 * prefixed so that the plots of one page do not share ids.
 */
#define _GNU_SOURCE
#include "bench/html.h"

#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/compare.h"
#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "util/atomic.h"
#include "util/errf.h"
#include "util/file.h"

#define NS_PER_MS    1e6
#define HTML_MAX_SVG (16u << 20) /* bytes: a larger plot file is not inlined */
#define HTML_FN_ROWS 40          /* rows of the functions-that-got-slower table */

/* The summary table's columns: the text report's (cli/report_cmd.c). */
static const char *const summary_cols[] = {"online_min_ns", "online_p50_ns", "online_p90_ns",
                                           "online_p99_ns", "online_max_ns", "request_ns",
                                           "topology_ns",   "md_update_ns"};
static const char *const summary_heads[] = {"online min", "p50",     "p90",      "p99",
                                            "max",        "request", "topology", "md-update"};

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A metric cell: ms with the text report's precision, or "-". */
static void ms_cell(FILE *f, const json_t *metrics, const char *name)
{
	const json_t *v = json_object_get(metrics, name);
	if (v)
		fprintf(f, "<td class=\"num\">%.3f</td>",
		        (double)json_integer_value(v) / NS_PER_MS);
	else
		fputs("<td class=\"num\">-</td>", f);
}

static int is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static void value(FILE *f, const json_t *v);

static void scalar(FILE *f, const json_t *v)
{
	if (json_is_string(v))
		esc(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.6g", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", f);
	else
		fputs("<span class=\"dim\">null</span>", f);
}

/* An array of objects as a table, one column per key (in first-seen order). */
static void object_rows(FILE *f, const json_t *arr)
{
	json_t *keys = json_object();
	const json_t *row, *x;
	const char *k;
	size_t i;
	json_array_foreach(arr, i, row) json_object_foreach((json_t *)row, k, x)
	    json_object_set_new(keys, k, json_null());
	fputs("<table class=\"inner\"><tr>", f);
	json_object_foreach(keys, k, x)
	{
		fputs("<th>", f);
		esc(f, k);
		fputs("</th>", f);
	}
	fputs("</tr>", f);
	json_array_foreach(arr, i, row)
	{
		fputs("<tr>", f);
		json_object_foreach(keys, k, x)
		{
			const json_t *c = json_object_get(row, k);
			fputs("<td>", f);
			if (c)
				value(f, c);
			fputs("</td>", f);
		}
		fputs("</tr>", f);
	}
	fputs("</table>", f);
	json_decref(keys);
}

/* Any JSON value, readably: scalars as text, a list of scalars comma
 * separated, a list of objects as a table, an object as key/value rows. */
static void value(FILE *f, const json_t *v)
{
	const json_t *x;
	const char *k;
	size_t i;
	int scalars = 1, objects = 1;
	if (is_scalar(v)) {
		scalar(f, v);
		return;
	}
	if (json_is_object(v)) {
		fputs("<table class=\"kv\">", f);
		json_object_foreach((json_t *)v, k, x)
		{
			fputs("<tr><th>", f);
			esc(f, k);
			fputs("</th><td>", f);
			value(f, x);
			fputs("</td></tr>", f);
		}
		fputs("</table>", f);
		return;
	}
	json_array_foreach(v, i, x)
	{
		scalars &= is_scalar(x);
		objects &= json_is_object(x);
	}
	if (!json_array_size(v)) {
		fputs("<span class=\"dim\">none</span>", f);
	} else if (scalars) {
		json_array_foreach(v, i, x)
		{
			if (i)
				fputs(", ", f);
			scalar(f, x);
		}
	} else if (objects) {
		object_rows(f, v);
	} else {
		json_array_foreach(v, i, x)
		{
			fputs("<div>", f);
			value(f, x);
			fputs("</div>", f);
		}
	}
}

/* ---- the plots ---- */

/* 0 when the SVG text references nothing outside itself and holds no
 * script; else -1 with why ("holds ..."). */
static int svg_safe(const char *s, const char **why)
{
	static const char *const banned[] = {"<script", "javascript:", "<foreignobject",
	                                     "<iframe", "<image",      "@import"};
	for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
		if (strcasestr(s, banned[i])) {
			*why = "holds a script or an external document";
			return -1;
		}
	for (const char *p = s; (p = strcasestr(p, "href")); p += 4) {
		const char *q = p + 4;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		if ((*q == '"' || *q == '\'') && q[1] != '#') {
			*why = "holds a reference to another file";
			return -1;
		}
	}
	for (const char *p = s; (p = strcasestr(p, "url(")); p += 4)
		if (p[4] != '#') {
			*why = "holds a reference to another file";
			return -1;
		}
	/* Event-handler attributes: " on<letters>=". */
	for (const char *p = s; *p; p++) {
		if ((*p == ' ' || *p == '\n' || *p == '\t') && (p[1] | 32) == 'o' &&
		    (p[2] | 32) == 'n') {
			const char *q = p + 3;
			while ((*q | 32) >= 'a' && (*q | 32) <= 'z')
				q++;
			if (q > p + 3 && *q == '=') {
				*why = "holds an event handler";
				return -1;
			}
		}
	}
	return 0;
}

/* Copies the <svg> element of s to f with every id, #fragment reference and
 * url(#...) prefixed by prefix. An id the SVG repeats (gnuplot gives a
 * plot's key sample and its curve one id) gets a suffix, so that the page's
 * ids are unique; references resolve, as before, to the first. */
static void svg_copy(FILE *f, const char *s, const char *prefix)
{
	static const char *const marks[] = {"href=\"#", "href='#", "url(#",   " id=\"", " id='",
	                                    "\tid=\"",  "\tid='",  "\nid=\"", "\nid='"};
	enum { FIRST_ID_MARK = 3 };
	json_t *seen = json_object();
	const char *p = strstr(s, "<svg");
	while (p && *p) {
		size_t m, hit = 0;
		for (m = 0; m < sizeof marks / sizeof marks[0]; m++)
			if (!strncmp(p, marks[m], strlen(marks[m]))) {
				hit = strlen(marks[m]);
				break;
			}
		if (!hit) {
			fputc(*p++, f);
			continue;
		}
		fwrite(p, 1, hit, f);
		fputs(prefix, f);
		p += hit;
		if (m >= FIRST_ID_MARK && seen) {
			char quote = p[-1];
			const char *e = strchr(p, quote);
			if (!e)
				continue;
			char *id = strndup(p, (size_t)(e - p));
			json_int_t times = json_integer_value(json_object_get(seen, id ? id : ""));
			fwrite(p, 1, (size_t)(e - p), f);
			if (times)
				fprintf(f, "-%lld", (long long)times + 1);
			if (id)
				json_object_set_new(seen, id, json_integer(times + 1));
			free(id);
			p = e;
		}
	}
	json_decref(seen);
}

static void plots(FILE *f, const char *sumfile, const json_t *doc, size_t sweep)
{
	const json_t *plot, *file;
	size_t i, k;
	char *copy = strdup(sumfile);
	const char *dir = copy ? dirname(copy) : ".";
	int any = 0;
	fputs("<h3>Plots</h3>\n", f);
	json_array_foreach(json_object_get(doc, "plots"), i, plot)
	{
		const char *name = str(plot, "name"), *svg = NULL;
		json_array_foreach(json_object_get(plot, "files"), k, file)
		{
			const char *s = json_string_value(file);
			size_t l = s ? strlen(s) : 0;
			if (l > 4 && !strcmp(s + l - 4, ".svg"))
				svg = s;
		}
		any = 1;
		fputs("<figure>", f);
		if (svg) {
			char *path = bench_strf("%s/%s", dir, svg), prefix[64];
			uint8_t *data = NULL;
			size_t len = 0;
			int code = path ? util_read_file(path, &data, &len) : UTIL_E_NOMEM;
			const char *text = (const char *)data, *why = NULL;
			if (code)
				why = util_strerror(code);
			else if (len > HTML_MAX_SVG || strlen(text) != len || !strstr(text, "<svg"))
				why = "not an SVG document of at most 16 MiB";
			if (!why && !svg_safe(text, &why)) {
				snprintf(prefix, sizeof prefix, "s%zu-%s-", sweep,
				         name ? name : "plot");
				svg_copy(f, text, prefix);
			} else {
				fputs("<p class=\"note\">not embedded: ", f);
				esc(f, path);
				fputs(": ", f);
				esc(f, why);
				fputs("</p>", f);
			}
			free(data);
			free(path);
		} else {
			fputs("<p class=\"note\">", f);
			esc(f, str(plot, "skipped") ? "skipped: " : "not drawn: ");
			esc(f, str(plot, "skipped") ? str(plot, "skipped") : str(plot, "error"));
			fputs("</p>", f);
		}
		fputs("<figcaption>", f);
		esc(f, name);
		fputs("</figcaption></figure>\n", f);
	}
	if (!any)
		fputs("<p class=\"note\">no plots (the sweep ran with --no-plots)</p>\n", f);
	free(copy);
}

/* ---- one sweep ---- */

static void phase_table(FILE *f, const json_t *rows)
{
	const json_t *first = NULL, *row, *v;
	const char *name;
	size_t i;
	json_array_foreach(rows, i, row)
	    json_object_foreach(json_object_get(row, "metrics"), name,
	                        v) if (!first && !strncmp(name, "phase_", 6)) first = row;
	if (!first)
		return;
	fputs("<h3>Phases of the configure request (ms)</h3>\n<table><tr><th>phase</th>", f);
	json_array_foreach(rows, i, row)
	{
		fputs("<th>", f);
		esc(f, str(row, "point"));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_object_foreach(json_object_get(first, "metrics"), name, v)
	{
		size_t l = strlen(name);
		if (strncmp(name, "phase_", 6) || l < 9)
			continue;
		fprintf(f, "<tr><th>");
		char *shortname = strndup(name + 6, l - 9);
		esc(f, shortname);
		free(shortname);
		fputs("</th>", f);
		json_array_foreach(rows, i, row) ms_cell(f, json_object_get(row, "metrics"), name);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static size_t sweep_section(FILE *f, const char *file, const json_t *doc, size_t idx)
{
	const json_t *cfg = json_object_get(doc, "config"), *rows = json_object_get(doc, "points");
	const json_t *row, *fit;
	size_t i, failed = 0;
	fprintf(f, "<section id=\"sweep-%zu\">\n<h2>", idx);
	esc(f, str(cfg, "shape"));
	fprintf(f, " sweep, %zu points <span class=\"dim\">", json_array_size(rows));
	esc(f, file);
	fputs("</span></h2>\n<h3>Configuration</h3>\n", f);
	value(f, cfg);
	fputs("\n<h3>Summary</h3>\n<table class=\"summary\"><tr><th>point</th><th>status</th>"
	      "<th>present</th><th>add</th>",
	      f);
	for (size_t c = 0; c < sizeof summary_heads / sizeof summary_heads[0]; c++)
		fprintf(f, "<th>%s</th>", summary_heads[c]);
	fputs("</tr>\n", f);
	json_array_foreach(rows, i, row)
	{
		int ok = json_is_true(json_object_get(row, "ok"));
		const json_t *m = json_object_get(row, "metrics");
		fprintf(f, "<tr%s><td>", ok ? "" : " class=\"bad\"");
		esc(f, str(row, "point"));
		fprintf(f, "</td><td>%s</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>",
		        ok ? "ok" : "FAILED",
		        (long long)json_integer_value(json_object_get(row, "present")),
		        (long long)json_integer_value(json_object_get(row, "add")));
		for (size_t c = 0; c < sizeof summary_cols / sizeof summary_cols[0]; c++)
			ms_cell(f, m, summary_cols[c]);
		fputs("</tr>\n", f);
		if (!ok) {
			failed++;
			fprintf(f, "<tr class=\"bad\"><td colspan=\"%zu\">",
			        4 + sizeof summary_cols / sizeof summary_cols[0]);
			esc(f, str(row, "verdict"));
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</table>\n<p class=\"dim\">ms of simulated time; online: request &rarr; each cpu "
	      "online (min/p50/p90/p99/max over the cpus); request: &rarr; DS response</p>\n",
	      f);
	fputs("<h3>Fitted exponents</h3>\n", f);
	if (!json_array_size(json_object_get(doc, "fits")))
		fputs("<p class=\"note\">no fit (fewer than two ok points per batch size)</p>\n",
		      f);
	else
		fputs("<table><tr><th>add</th><th>metric</th><th>fit</th><th>exponent</th>"
		      "<th>coefficient</th><th>r&sup2;</th><th>points</th></tr>\n",
		      f);
	json_array_foreach(json_object_get(doc, "fits"), i, fit)
	{
		fprintf(f, "<tr><td class=\"num\">%lld</td><td>",
		        (long long)json_integer_value(json_object_get(fit, "add")));
		esc(f, str(fit, "metric"));
		fputs("</td><td>", f);
		esc(f, str(fit, "metric"));
		fprintf(f,
		        " = %.4g &times; present<sup>%.3f</sup></td><td class=\"num\">%.3f</td>"
		        "<td class=\"num\">%.4g</td><td class=\"num\">%.4f</td>"
		        "<td class=\"num\">%lld</td></tr>\n",
		        json_real_value(json_object_get(fit, "coefficient")),
		        json_real_value(json_object_get(fit, "exponent")),
		        json_real_value(json_object_get(fit, "exponent")),
		        json_real_value(json_object_get(fit, "coefficient")),
		        json_real_value(json_object_get(fit, "r2")),
		        (long long)json_integer_value(json_object_get(fit, "points")));
	}
	if (json_array_size(json_object_get(doc, "fits")))
		fputs("</table>\n", f);
	phase_table(f, rows);
	plots(f, file, doc, idx);
	fputs("</section>\n", f);
	return failed;
}

/* ---- the comparison ---- */

struct change {
	const struct bench_point *b, *c;
	const char *metric;
	double base, cur, pct;
	int regressed;
};

/* The comparison's headline columns. */
static const char *const key_metrics[] = {"request_ns", "online_p50_ns", "online_max_ns",
                                          "topology_ns"};

static int by_pct_desc(const void *x, const void *y)
{
	const struct change *a = x, *b = y;
	if (a->pct != b->pct)
		return a->pct < b->pct ? 1 : -1;
	double da = a->cur - a->base, db = b->cur - b->base;
	return da < db ? 1 : da > db ? -1 : 0;
}

static void label(FILE *f, const struct bench_point *p)
{
	esc(f, p->key.shape);
	fprintf(f, " p%u a%u", p->key.present, p->key.add);
}

static void number(FILE *f, const char *metric, double v)
{
	size_t l = strlen(metric);
	if (l > 3 && !strcmp(metric + l - 3, "_ns"))
		fprintf(f, "<td class=\"num\">%.6f</td>", v / NS_PER_MS);
	else
		fprintf(f, "<td class=\"num\">%.0f</td>", v);
}

static void pct_cell(FILE *f, double pct)
{
	if (isinf(pct))
		fputs("<td class=\"num\">new</td>", f);
	else
		fprintf(f, "<td class=\"num\">%+.2f%%</td>", pct);
}

/* The metrics of both sets under compare's rule (bench/compare.h). Returns
 * the changes (*nc of them; the caller frees) or NULL with *nc 0. */
static struct change *changes(const struct bench_points *base, const struct bench_points *cur,
                              double threshold, size_t *nc, size_t *matched)
{
	struct change *v = NULL;
	size_t cap = 0;
	*nc = *matched = 0;
	for (size_t i = 0; i < bench_points_count(base); i++) {
		const struct bench_point *b = bench_points_at(base, i);
		const struct bench_point *c = bench_points_find(cur, &b->key);
		const json_t *bv;
		const char *name;
		if (!c)
			continue;
		(*matched)++;
		json_object_foreach((json_t *)b->metrics, name, bv)
		{
			const json_t *cv = json_object_get(c->metrics, name);
			if (!cv)
				continue;
			if (*nc == cap) {
				cap = cap ? 2 * cap : 256;
				struct change *nv = realloc(v, cap * sizeof *v);
				if (!nv)
					return v;
				v = nv;
			}
			struct change *ch = &v[(*nc)++];
			ch->b = b;
			ch->c = c;
			ch->metric = name;
			ch->base = (double)json_integer_value(bv);
			ch->cur = (double)json_integer_value(cv);
			ch->pct = ch->base == ch->cur ? 0.0
			          : ch->base == 0     ? INFINITY
			                              : (ch->cur - ch->base) / ch->base * 100.0;
			ch->regressed = ch->cur > ch->base * (1.0 + threshold / 100.0);
		}
	}
	return v;
}

static int is_fn(const char *metric)
{
	return !strncmp(metric, "fn_", 3);
}

static size_t compare_section(FILE *f, const struct bench_html_cfg *cfg,
                              const struct bench_points *base, const struct bench_points *cur,
                              struct change *v, size_t nc, size_t matched)
{
	size_t regressed = 0, fn_regressed = 0, slower = 0, shown = 0;
	fputs("<section id=\"comparison\">\n<h2>Comparison with <code>", f);
	esc(f, cfg->base);
	fprintf(f,
	        "</code></h2>\n<p>%zu points in both (matched by shape, present, add); a metric "
	        "regresses when it grew by more than %.2f%% (lower is better).</p>\n",
	        matched, cfg->threshold_pct);
	/* The headline: the request, the cpus' median and the topology update. */
	fputs("<h3>Key metrics (ms)</h3>\n<table><tr><th>point</th>", f);
	for (size_t k = 0; k < sizeof key_metrics / sizeof key_metrics[0]; k++) {
		fputs("<th colspan=\"3\">", f);
		esc(f, key_metrics[k]);
		fputs("</th>", f);
	}
	fputs("</tr>\n<tr><th></th>", f);
	for (size_t k = 0; k < sizeof key_metrics / sizeof key_metrics[0]; k++)
		fputs("<th>base</th><th>new</th><th>change</th>", f);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < nc; i = shown) {
		for (shown = i; shown < nc && v[shown].c == v[i].c; shown++)
			;
		fputs("<tr><td>", f);
		label(f, v[i].c);
		fputs("</td>", f);
		for (size_t k = 0; k < sizeof key_metrics / sizeof key_metrics[0]; k++) {
			size_t j = i;
			while (j < shown && strcmp(v[j].metric, key_metrics[k]))
				j++;
			if (j == shown) {
				fputs("<td>-</td><td>-</td><td>-</td>", f);
				continue;
			}
			fprintf(f, "<td class=\"num\">%.3f</td>", v[j].base / NS_PER_MS);
			fprintf(f, "<td class=\"num%s\">%.3f</td>", v[j].regressed ? " bad" : "",
			        v[j].cur / NS_PER_MS);
			pct_cell(f, v[j].pct);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	/* The points that ran ok in the base and not here. */
	for (size_t i = 0; i < bench_points_count(base); i++) {
		const struct bench_point *b = bench_points_at(base, i);
		const struct bench_point *c = bench_points_find(cur, &b->key);
		if (c && b->ok && !c->ok) {
			fputs("<p class=\"bad\">REGRESSED: ", f);
			label(f, c);
			fputs(" failed: ", f);
			esc(f, c->verdict);
			fputs("</p>\n", f);
			regressed++;
		}
	}
	for (size_t i = 0; i < nc; i++) {
		regressed += v[i].regressed;
		fn_regressed += v[i].regressed && is_fn(v[i].metric);
	}
	fprintf(f, "<h3>Regressions: %zu</h3>\n", regressed);
	if (fn_regressed)
		fprintf(f, "<p>%zu of them function rows (fn_NAME_insns): in the next table.</p>\n",
		        fn_regressed);
	if (regressed > fn_regressed) {
		fputs("<table><tr><th>point</th><th>metric</th><th>base</th><th>new</th>"
		      "<th>change</th></tr>\n",
		      f);
		for (size_t i = 0; i < nc; i++) {
			if (!v[i].regressed || is_fn(v[i].metric))
				continue;
			fputs("<tr class=\"bad\"><td>", f);
			label(f, v[i].c);
			fputs("</td><td>", f);
			esc(f, v[i].metric);
			fputs("</td>", f);
			number(f, v[i].metric, v[i].base);
			number(f, v[i].metric, v[i].cur);
			pct_cell(f, v[i].pct);
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	/* The functions that got slower, largest relative increase first. */
	struct change *fn = calloc(nc ? nc : 1, sizeof *fn);
	for (size_t i = 0; fn && i < nc; i++)
		if (is_fn(v[i].metric) && v[i].cur > v[i].base)
			fn[slower++] = v[i];
	fprintf(f, "<h3>Functions that got slower: %zu</h3>\n", slower);
	if (slower) {
		qsort(fn, slower, sizeof *fn, by_pct_desc);
		fputs("<p class=\"dim\">guest instructions per function (fn_NAME_insns), largest "
		      "relative increase first</p>\n<table><tr><th>point</th><th>function</th>"
		      "<th>base insns</th><th>new insns</th><th>change</th></tr>\n",
		      f);
		for (size_t i = 0; i < slower && i < HTML_FN_ROWS; i++) {
			size_t l = strlen(fn[i].metric);
			char *name = l > 9 && !strcmp(fn[i].metric + l - 6, "_insns")
			                 ? strndup(fn[i].metric + 3, l - 9)
			                 : strdup(fn[i].metric);
			fprintf(f, "<tr%s><td>", fn[i].regressed ? " class=\"bad\"" : "");
			label(f, fn[i].c);
			fputs("</td><td><code>", f);
			esc(f, name ? name : fn[i].metric);
			fputs("</code></td>", f);
			number(f, fn[i].metric, fn[i].base);
			number(f, fn[i].metric, fn[i].cur);
			pct_cell(f, fn[i].pct);
			fputs("</tr>\n", f);
			free(name);
		}
		fputs("</table>\n", f);
		if (slower > HTML_FN_ROWS)
			fprintf(f, "<p class=\"dim\">and %zu more</p>\n", slower - HTML_FN_ROWS);
	}
	free(fn);
	/* Every other metric, one table per point (open when it regressed). */
	fputs("<h3>All metrics</h3>\n", f);
	for (size_t i = 0; i < nc; i = shown) {
		size_t bad = 0;
		for (shown = i; shown < nc && v[shown].c == v[i].c; shown++)
			bad += v[shown].regressed;
		fprintf(f, "<details%s><summary>", bad ? " open" : "");
		label(f, v[i].c);
		fprintf(f,
		        ": %zu regressed</summary>\n<table><tr><th>metric</th><th>base</th>"
		        "<th>new</th><th>change</th></tr>\n",
		        bad);
		for (size_t k = i; k < shown; k++) {
			if (is_fn(v[k].metric))
				continue;
			fprintf(f, "<tr%s><td>", v[k].regressed ? " class=\"bad\"" : "");
			esc(f, v[k].metric);
			fputs(v[k].regressed ? " <b>REGRESSED</b></td>" : "</td>", f);
			number(f, v[k].metric, v[k].base);
			number(f, v[k].metric, v[k].cur);
			pct_cell(f, v[k].pct);
			fputs("</tr>\n", f);
		}
		fputs("</table></details>\n", f);
	}
	for (int side = 0; side < 2; side++) {
		const struct bench_points *a = side ? cur : base, *b = side ? base : cur;
		for (size_t i = 0; i < bench_points_count(a); i++)
			if (!bench_points_find(b, &bench_points_at(a, i)->key)) {
				fputs(side ? "<p>only here: " : "<p>only in the base: ", f);
				label(f, bench_points_at(a, i));
				fputs("</p>\n", f);
			}
	}
	fputs("</section>\n", f);
	return regressed;
}

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#111;background:#fff;max-width:1200px}"
    "h1{font-size:1.6em}h2{border-bottom:2px solid #446;padding-bottom:.2em;margin-top:2em}"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.2em "
    ".5em;text-align:left;vertical-align:top}th{background:#eef}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}table.kv>tbody>tr>th,table.kv>tr>th{width:8em}"
    "table.inner{font-size:.9em}.dim{color:#666;font-size:.9em}.note{color:#864}"
    "tr.bad,p.bad,td.bad{background:#fcc}figure{margin:1em 0}figure svg{width:100%;max-width:960px;"
    "height:auto;border:1px solid #ddd}figcaption{color:#444}details{margin:.3em 0}";

int bench_html_report(const struct bench_html_cfg *cfg, const char *out,
                      struct bench_html_findings *found, char *err, size_t n)
{
	struct bench_points *base = NULL, *cur = NULL;
	struct change *v = NULL;
	size_t nsum = 0, nc = 0, matched = 0;
	json_t *docs = json_array();
	char **files = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc = -1;
	memset(found, 0, sizeof *found);
	if (!docs || bench_summary_files(cfg->dir, &files, err, n))
		goto out;
	for (char **p = files; *p; p++, nsum++) {
		json_t *doc = bench_read_json(*p, err, n);
		if (!doc || bench_summary_check(doc, *p, err, n)) {
			json_decref(doc);
			goto out;
		}
		json_array_append_new(docs, doc);
	}
	if (cfg->base) {
		if (bench_points_load(cfg->base, &base, err, n) ||
		    bench_points_load(cfg->dir, &cur, err, n))
			goto out;
		v = changes(base, cur, cfg->threshold_pct, &nc, &matched);
		if (!matched) {
			util_errf(err, n,
			          "%s: no point of the base %s is in it (points match by shape, "
			          "present, add)",
			          cfg->dir, cfg->base);
			goto out;
		}
	}
	if (!(f = open_memstream(&buf, &len))) {
		util_errf(err, n, "%s: out of memory", out);
		goto out;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>ldomsim report: ",
	      f);
	esc(f, cfg->dir);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>ldomsim report: <code>",
	        style);
	esc(f, cfg->dir);
	fprintf(f, "</code></h1>\n<p>%zu sweep%s:", nsum, nsum == 1 ? "" : "s");
	for (size_t i = 0; i < nsum; i++) {
		fprintf(f, "%s <a href=\"#sweep-%zu\">", i ? "," : "", i);
		esc(f, str(json_object_get(json_array_get(docs, i), "config"), "shape"));
		fputs("</a>", f);
	}
	if (cfg->base)
		fputs("; <a href=\"#comparison\">the comparison</a>", f);
	fputs(". Times are simulated (the guest's clock), not host time.</p>\n", f);
	if (cfg->base)
		found->regressed = compare_section(f, cfg, base, cur, v, nc, matched);
	for (size_t i = 0; i < nsum; i++)
		found->failed += sweep_section(f, files[i], json_array_get(docs, i), i);
	fputs("</body>\n</html>\n", f);
	if (fclose(f)) {
		f = NULL;
		util_errf(err, n, "%s: out of memory", out);
		goto out;
	}
	f = NULL;
	rc = util_write_atomic(out, buf, len, err, n);
out:
	if (f)
		fclose(f);
	free(buf);
	free(v);
	bench_points_free(base);
	bench_points_free(cur);
	bench_free_list(files);
	json_decref(docs);
	return rc;
}
