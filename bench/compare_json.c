/*
 * bench/compare_json.c — `ldomsim compare --json`: the comparison as a
 * versioned document (bench/compare.schema.json). It applies the rules of
 * bench_compare (compare.c) through the same helpers, so the document and
 * the printed table always agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/compare.h"
#include "bench/compare_fn.h"
#include "util/errf.h"

/* {"shape", "present", "add"} of a point, to which the caller adds. */
static json_t *point_obj(const struct bench_point_key *k)
{
	return json_pack("{sssIsI}", "shape", k->shape, "present", (json_int_t)k->present, "add",
	                 (json_int_t)k->add);
}

/* A relative change as JSON: null when infinite (base 0). */
static json_t *pct_json(double pct)
{
	return isfinite(pct) ? json_real(pct) : json_null();
}

/* Order of the function rows: the largest absolute increase first; ties by
 * relative change (infinite first), then point and name, so that the order
 * is the same on every run. */
static int fn_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_int_t ca = json_integer_value(json_object_get(a, "change")),
	           cb = json_integer_value(json_object_get(b, "change"));
	if (ca != cb)
		return ca > cb ? -1 : 1;
	const json_t *ra = json_object_get(a, "change_pct"), *rb = json_object_get(b, "change_pct");
	double xa = json_is_null(ra) ? INFINITY : json_real_value(ra),
	       xb = json_is_null(rb) ? INFINITY : json_real_value(rb);
	if (xa != xb)
		return xa > xb ? -1 : 1;
	static const char *const keys[] = {"shape", "metric"};
	for (int i = 0; i < 2; i++) {
		int c = strcmp(json_string_value(json_object_get(a, keys[i])),
		               json_string_value(json_object_get(b, keys[i])));
		if (c)
			return c;
	}
	static const char *const nums[] = {"present", "add"};
	for (int i = 0; i < 2; i++) {
		json_int_t x = json_integer_value(json_object_get(a, nums[i])),
		           y = json_integer_value(json_object_get(b, nums[i]));
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* fns sorted by fn_cmp (a new array). */
static json_t *sorted(json_t *fns)
{
	size_t k = json_array_size(fns);
	json_t **v = calloc(k ? k : 1, sizeof *v), *out = json_array();
	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < k; i++)
		v[i] = json_array_get(fns, i);
	qsort(v, k, sizeof *v, fn_cmp);
	for (size_t i = 0; i < k; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* The rows of one matched point: its metrics, its regressions and function
 * rows appended to regs and fns; counts[0..3] += compared, higher, lower,
 * regressed. *top (borrowed from the point's rows) is the largest relative
 * increase so far, as bench_compare picks it. */
static json_t *point_rows(const struct bench_point *b, const struct bench_point *c,
                          double threshold_pct, json_t *regs, json_t *fns, size_t counts[4],
                          double *top_pct, json_t **top)
{
	json_t *pt = point_obj(&b->key), *rows = json_array(), *gone = json_array(),
	       *added = json_array();
	int failed = b->ok && !c->ok;
	const char *name;
	const json_t *bv, *cv;
	json_object_set_new(pt, "base_ok", json_boolean(b->ok));
	json_object_set_new(pt, "new_ok", json_boolean(c->ok));
	json_object_set_new(pt, "base_verdict", json_string(b->verdict ? b->verdict : ""));
	json_object_set_new(pt, "new_verdict", json_string(c->verdict ? c->verdict : ""));
	json_object_set_new(pt, "failed", json_boolean(failed));
	if (failed) {
		json_t *r = point_obj(&b->key);
		json_object_set_new(r, "kind", json_string("run"));
		json_object_set_new(r, "verdict", json_string(c->verdict ? c->verdict : ""));
		json_array_append_new(regs, r);
		counts[3]++;
	}
	json_object_foreach((json_t *)b->metrics, name, bv)
	{
		/* A function under another name in NEW (compare_fn.h) is itself. */
		const char *renamed = NULL;
		if (!(cv = json_object_get(c->metrics, name)) &&
		    (renamed = bench_fn_counterpart(b->metrics, c->metrics, name)))
			cv = json_object_get(c->metrics, renamed);
		if (!cv) {
			json_array_append_new(gone, json_string(name));
			continue;
		}
		json_int_t x = json_integer_value(bv), y = json_integer_value(cv);
		double pct = bench_metric_change_pct((double)x, (double)y);
		int bad = bench_metric_regressed((double)x, (double)y, threshold_pct);
		json_t *row =
		    json_pack("{sssIsIsIsosb}", "metric", name, "base", x, "new", y, "change",
		              y - x, "change_pct", pct_json(pct), "regressed", bad);
		if (renamed)
			json_object_set_new(row, "new_metric", json_string(renamed));
		json_array_append_new(rows, row);
		counts[0]++;
		counts[1] += y > x;
		counts[2] += y < x;
		if (y > x && (pct > *top_pct || !*top)) {
			*top_pct = pct;
			*top = row;
		}
		if (bad) {
			json_t *r = point_obj(&b->key);
			json_object_set_new(r, "kind", json_string("metric"));
			json_object_update(r, row);
			json_object_del(r, "regressed");
			json_array_append_new(regs, r);
			counts[3]++;
		}
		size_t len = strlen(name);
		if (!strncmp(name, "fn_", 3) && len > 9 && !strcmp(name + len - 6, "_insns")) {
			json_t *f = point_obj(&b->key);
			json_object_set_new(f, "function", json_stringn(name + 3, len - 9));
			json_object_update(f, row);
			json_object_del(f, "regressed");
			json_array_append_new(fns, f);
		}
	}
	json_object_foreach((json_t *)c->metrics, name, cv)
	{
		if (!json_object_get(b->metrics, name) &&
		    !bench_fn_counterpart(c->metrics, b->metrics, name))
			json_array_append_new(added, json_string(name));
	}
	json_object_set_new(pt, "metrics", rows);
	json_object_set_new(pt, "metrics_only_in_base", gone);
	json_object_set_new(pt, "metrics_only_in_new", added);
	return pt;
}

/* Points of a that b lacks. */
static json_t *unmatched(const struct bench_points *a, const struct bench_points *b)
{
	json_t *v = json_array();
	for (size_t i = 0; i < bench_points_count(a); i++) {
		const struct bench_point *p = bench_points_at(a, i);
		if (!bench_points_find(b, &p->key)) {
			json_t *o = point_obj(&p->key);
			json_object_set_new(o, "source", json_string(p->source));
			json_array_append_new(v, o);
		}
	}
	return v;
}

json_t *bench_compare_json(const struct bench_points *base, const struct bench_points *cur,
                           const char *base_name, const char *new_name, double threshold_pct,
                           int *verdict, char *msg, size_t n)
{
	json_t *points = json_array(), *regs = json_array(), *fns = json_array(), *top = NULL;
	json_t *doc = NULL, *largest = json_null();
	size_t counts[4] = {0}, matched = 0;
	double top_pct = 0;
	if (msg && n)
		msg[0] = 0;
	for (size_t i = 0; i < bench_points_count(base); i++) {
		const struct bench_point *b = bench_points_at(base, i);
		const struct bench_point *c = bench_points_find(cur, &b->key);
		if (!c)
			continue;
		matched++;
		json_array_append_new(
		    points, point_rows(b, c, threshold_pct, regs, fns, counts, &top_pct, &top));
	}
	if (!matched) {
		util_errf(msg, n,
		          "no point of BASE is in NEW (points match by shape, present, add)");
		goto out;
	}
	/* The largest relative increase, as the table's last lines name it. */
	for (size_t i = 0; top && i < json_array_size(points); i++) {
		json_t *pt = json_array_get(points, i), *row;
		size_t k;
		json_array_foreach(json_object_get(pt, "metrics"), k, row) if (row == top)
		{
			json_decref(largest);
			largest = json_pack("{sOsOsO}", "shape", json_object_get(pt, "shape"),
			                    "present", json_object_get(pt, "present"), "add",
			                    json_object_get(pt, "add"));
			json_object_update(largest, row);
			json_object_del(largest, "regressed");
		}
	}
	json_t *fsorted = sorted(fns);
	doc = json_object();
	if (!fsorted || !doc) {
		json_decref(fsorted);
		json_decref(doc);
		doc = NULL;
		util_errf(msg, n, "out of memory");
		goto out;
	}
	json_object_set_new(doc, "format", json_string(BENCH_COMPARE_FORMAT));
	json_object_set_new(doc, "version",
	                    json_pack("[ii]", BENCH_COMPARE_MAJOR, BENCH_COMPARE_MINOR));
	json_object_set_new(doc, "base", json_string(base_name));
	json_object_set_new(doc, "new", json_string(new_name));
	json_object_set_new(doc, "threshold_pct", json_real(threshold_pct));
	json_object_set_new(doc, "regressed", json_boolean(counts[3] > 0));
	json_object_set_new(doc, "summary",
	                    json_pack("{sIsIsIsIsIsI}", "points", (json_int_t)matched, "metrics",
	                              (json_int_t)counts[0], "equal",
	                              (json_int_t)(counts[0] - counts[1] - counts[2]), "lower",
	                              (json_int_t)counts[2], "higher", (json_int_t)counts[1],
	                              "regressions", (json_int_t)counts[3]));
	json_object_set(doc, "largest_increase", largest);
	json_object_set(doc, "regressions", regs);
	json_object_set(doc, "points", points);
	json_object_set_new(doc, "only_in_base", unmatched(base, cur));
	json_object_set_new(doc, "only_in_new", unmatched(cur, base));
	json_object_set_new(doc, "functions", fsorted);
	*verdict = counts[3] > 0;
out:
	json_decref(points);
	json_decref(regs);
	json_decref(fns);
	json_decref(largest);
	return doc;
}
