/*
 * bench/compare.c — see compare.h (the command is cli/compare_cmd.c).
 */
#define _GNU_SOURCE
#include "bench/compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench/compare_fn.h"
#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "util/errf.h"

struct bench_points {
	struct bench_point *v;
	size_t n, cap;
	json_t *keep; /* documents and source names the points point into */
};

size_t bench_points_count(const struct bench_points *s)
{
	return s ? s->n : 0;
}

const struct bench_point *bench_points_at(const struct bench_points *s, size_t i)
{
	return s && i < s->n ? &s->v[i] : NULL;
}

static int key_eq(const struct bench_point_key *a, const struct bench_point_key *b)
{
	return !strcmp(a->shape, b->shape) && a->present == b->present && a->add == b->add;
}

const struct bench_point *bench_points_find(const struct bench_points *s,
                                            const struct bench_point_key *k)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (key_eq(&s->v[i].key, k))
			return &s->v[i];
	return NULL;
}

void bench_points_free(struct bench_points *s)
{
	if (!s)
		return;
	json_decref(s->keep);
	free(s->v);
	free(s);
}

/* Takes a reference to doc; source is copied. */
static int add_point(struct bench_points *s, const struct bench_point *p, char *err, size_t n)
{
	const struct bench_point *dup = bench_points_find(s, &p->key);
	if (dup) {
		util_errf(err, n, "%s: point %s p%u a%u appears twice (also in %s)", p->source,
		          p->key.shape, p->key.present, p->key.add, dup->source);
		return -1;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct bench_point *v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			util_errf(err, n, "%s: out of memory", p->source);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	json_t *src = json_string(p->source);
	json_array_append_new(s->keep, src);
	s->v[s->n] = *p;
	s->v[s->n].source = json_string_value(src);
	s->n++;
	return 0;
}

static int load_result(struct bench_points *s, json_t *doc, const char *file, char *err, size_t n)
{
	struct bench_point p = {0};
	json_t *m;
	if (bench_result_check(doc, file, err, n))
		return -1;
	bench_result_key(doc, &p.key);
	p.ok = json_is_true(json_object_get(doc, "ok"));
	p.verdict = json_string_value(json_object_get(doc, "verdict"));
	p.source = file;
	m = bench_result_metrics(doc);
	json_array_append_new(s->keep, m);
	p.metrics = m;
	return add_point(s, &p, err, n);
}

static int load_summary(struct bench_points *s, json_t *doc, const char *file, char *err, size_t n)
{
	const json_t *row;
	size_t i;
	if (bench_summary_check(doc, file, err, n))
		return -1;
	json_array_foreach(json_object_get(doc, "points"), i, row)
	{
		struct bench_point p = {0};
		snprintf(p.key.shape, sizeof p.key.shape, "%s",
		         json_string_value(json_object_get(row, "shape")));
		p.key.present = (uint32_t)json_integer_value(json_object_get(row, "present"));
		p.key.add = (uint32_t)json_integer_value(json_object_get(row, "add"));
		p.ok = json_is_true(json_object_get(row, "ok"));
		p.verdict = json_string_value(json_object_get(row, "verdict"));
		p.metrics = json_object_get(row, "metrics");
		p.source = file;
		if (add_point(s, &p, err, n))
			return -1;
	}
	return 0;
}

static int load_file(struct bench_points *s, const char *file, char *err, size_t n)
{
	json_t *doc = bench_read_json(file, err, n);
	const char *fmt;
	if (!doc)
		return -1;
	json_array_append_new(s->keep, doc);
	fmt = json_string_value(json_object_get(doc, "format"));
	if (fmt && !strcmp(fmt, BENCH_SWEEP_FORMAT))
		return load_summary(s, doc, file, err, n);
	return load_result(s, doc, file, err, n);
}

int bench_points_load(const char *path, struct bench_points **out, char *err, size_t n)
{
	struct bench_points *s = calloc(1, sizeof *s);
	int rc;
	*out = NULL;
	if (!s || !(s->keep = json_array())) {
		free(s);
		util_errf(err, n, "%s: out of memory", path);
		return -1;
	}
	char **files;
	rc = bench_summary_files(path, &files, err, n);
	for (char **f = files; !rc && f && *f; f++)
		rc = load_file(s, *f, err, n);
	bench_free_list(files);
	if (rc) {
		bench_points_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ---- compare ---- */

static void appendf(char *msg, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *msg, size_t n, const char *fmt, ...)
{
	size_t used = strnlen(msg, n);
	va_list ap;
	if (used + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + used, n - used, fmt, ap);
	va_end(ap);
}

int bench_metric_regressed(double base, double cur, double threshold_pct)
{
	return cur > base * (1.0 + threshold_pct / 100.0);
}

double bench_metric_change_pct(double base, double cur)
{
	return base == cur ? 0.0 : base == 0 ? INFINITY : (cur - base) / base * 100.0;
}

int bench_compare(const struct bench_points *base, const struct bench_points *cur,
                  double threshold_pct, FILE *out, char *msg, size_t n)
{
	size_t matched = 0, compared = 0, worse = 0, better = 0, regressed = 0;
	size_t fn_renamed = 0, fn_gone = 0, fn_new = 0; /* per-function rows across versions */
	double top_pct = 0; /* the largest relative increase, for the one-line answer */
	char top[640] = "";
	if (msg && n)
		msg[0] = 0;
	fprintf(out, "%-22s %-30s %16s %16s %9s\n", "point", "metric", "base", "new", "change");
	for (size_t i = 0; i < bench_points_count(base); i++) {
		const struct bench_point *b = bench_points_at(base, i);
		const struct bench_point *c = bench_points_find(cur, &b->key);
		char label[64];
		const char *name;
		const json_t *bv;
		if (!c)
			continue;
		matched++;
		snprintf(label, sizeof label, "%s p%u a%u", b->key.shape, b->key.present,
		         b->key.add);
		if (b->ok != c->ok || (!b->ok && strcmp(b->verdict, c->verdict))) {
			int bad = b->ok && !c->ok;
			fprintf(out, "%-22s %-30s %16s %16s %9s\n", label, "ok",
			        b->ok ? "ok" : "FAILED", c->ok ? "ok" : "FAILED",
			        bad ? "REGRESSED" : "");
			if (bad) {
				regressed++;
				appendf(msg, n, "%s%s: the run failed (%s)",
				        regressed > 1 ? "; " : "", label, c->verdict);
			}
		}
		json_object_foreach((json_t *)b->metrics, name, bv)
		{
			const json_t *cv = json_object_get(c->metrics, name);
			const char *renamed = NULL;
			char shown[512];
			snprintf(shown, sizeof shown, "%s", name);
			if (!cv && (renamed = bench_fn_counterpart(b->metrics, c->metrics, name))) {
				/* The same function under NEW's name: compared as itself. */
				cv = json_object_get(c->metrics, renamed);
				snprintf(shown, sizeof shown, "%s -> %s (renamed)", name, renamed);
				fn_renamed++;
			}
			if (!cv) {
				int fn = !strncmp(name, "fn_", 3);
				fn_gone += fn;
				fprintf(out, "%-22s %-30s %16lld %16s %9s%s\n", label, name,
				        (long long)json_integer_value(bv), "-", "",
				        fn ? "  not in NEW: inlined there, or outside its profile"
				           : "");
				continue;
			}
			double x = (double)json_integer_value(bv),
			       y = (double)json_integer_value(cv);
			double pct = bench_metric_change_pct(x, y);
			int bad = bench_metric_regressed(x, y, threshold_pct);
			compared++;
			if (y > x && (pct > top_pct || !top[0])) {
				top_pct = pct;
				snprintf(top, sizeof top, "%s %s %+.2f%% (%lld -> %lld)", label,
				         shown, pct, (long long)json_integer_value(bv),
				         (long long)json_integer_value(cv));
			}
			worse += y > x;
			better += y < x;
			fprintf(out, "%-22s %-30s %16lld %16lld %+8.2f%%%s\n", label, shown,
			        (long long)json_integer_value(bv),
			        (long long)json_integer_value(cv), pct, bad ? "  REGRESSED" : "");
			if (bad) {
				regressed++;
				appendf(msg, n, "%s%s %s %+.2f%%", regressed > 1 ? "; " : "", label,
				        shown, pct);
			}
		}
		/* NEW's functions BASE has under no name: new or no longer inlined. */
		json_object_foreach((json_t *)c->metrics, name, bv)
		{
			if (strncmp(name, "fn_", 3) || json_object_get(b->metrics, name) ||
			    bench_fn_counterpart(c->metrics, b->metrics, name))
				continue;
			fn_new++;
			fprintf(out,
			        "%-22s %-30s %16s %16lld %9s  not in BASE: inlined there, or "
			        "outside its profile\n",
			        label, name, "-", (long long)json_integer_value(bv), "");
		}
	}
	for (size_t i = 0; i < bench_points_count(base); i++) {
		const struct bench_point *b = bench_points_at(base, i);
		if (!bench_points_find(cur, &b->key))
			fprintf(out, "only in BASE: %s p%u a%u\n", b->key.shape, b->key.present,
			        b->key.add);
	}
	for (size_t i = 0; i < bench_points_count(cur); i++) {
		const struct bench_point *c = bench_points_at(cur, i);
		if (!bench_points_find(base, &c->key))
			fprintf(out, "only in NEW: %s p%u a%u\n", c->key.shape, c->key.present,
			        c->key.add);
	}
	if (!matched) {
		util_errf(msg, n,
		          "no point of BASE is in NEW (points match by shape, present, add)");
		return -1;
	}
	if (top[0])
		fprintf(out, "largest increase: %s\n", top);
	if (fn_renamed || fn_gone || fn_new)
		fprintf(
		    out,
		    "functions across versions: %zu renamed (compared as one), %zu only in BASE, "
		    "%zu only in NEW (not counted as regressions)\n",
		    fn_renamed, fn_gone, fn_new);
	fprintf(
	    out, "%zu points, %zu metrics: %zu equal, %zu lower, %zu higher; %zu beyond %.2f%%\n",
	    matched, compared, compared - worse - better, better, worse, regressed, threshold_pct);
	return regressed ? 1 : 0;
}
