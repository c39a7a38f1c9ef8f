/*
 * bench/export.c — see export.h; the formats are described in
 * bench/DASHBOARDS.md, from each dashboard's published description.
 */
#include "bench/export.h"

#include <stdio.h>
#include <string.h>

#include "util/errf.h"

int bench_export_format_parse(const char *name, enum bench_export_format *out)
{
	if (!strcmp(name, "github-action-benchmark"))
		*out = BENCH_EXPORT_GITHUB_ACTION_BENCHMARK;
	else if (!strcmp(name, "bmf"))
		*out = BENCH_EXPORT_BMF;
	else
		return -1;
	return 0;
}

int bench_export_name(const struct bench_point_key *k, const char *metric, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/present=%u/add=%u/%s", k->shape, k->present, k->add, metric);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* What a metric counts (bench/sweep_result.h): simulated nanoseconds
 * (*_ns) or guest instructions (*_insns). unit: github-action-benchmark's
 * free-text unit; measure: the Bencher measure slug (latency is Bencher's
 * built-in measure, in nanoseconds). */
static void metric_kind(const char *metric, const char **unit, const char **measure)
{
	if (ends_with(metric, "_insns")) {
		*unit = "instructions";
		*measure = "instructions";
	} else {
		*unit = "ns";
		*measure = "latency";
	}
}

json_t *bench_export(const struct bench_points *pts, enum bench_export_format f, int functions,
                     size_t *failed, char *msg, size_t n)
{
	json_t *doc = f == BENCH_EXPORT_BMF ? json_object() : json_array();
	*failed = 0;
	if (msg && n)
		msg[0] = 0;
	if (!doc)
		goto nomem;
	for (size_t i = 0; i < bench_points_count(pts); i++) {
		const struct bench_point *p = bench_points_at(pts, i);
		const char *metric, *unit, *measure;
		const json_t *v;
		if (!p->ok) {
			(*failed)++;
			continue;
		}
		json_object_foreach((json_t *)p->metrics, metric, v)
		{
			char name[512];
			json_int_t x = json_integer_value(v);
			json_t *e;
			if (!functions && !strncmp(metric, "fn_", 3))
				continue;
			if (bench_export_name(&p->key, metric, name, sizeof name)) {
				util_errf(msg, n,
				          "%s: point %s p%u a%u: metric %s: the name is longer "
				          "than %zu bytes",
				          p->source, p->key.shape, p->key.present, p->key.add,
				          metric, sizeof name - 1);
				json_decref(doc);
				return NULL;
			}
			metric_kind(metric, &unit, &measure);
			if (f == BENCH_EXPORT_BMF) {
				/* Simulated time is deterministic: a run has no spread,
				 * so its bounds are its value. */
				e = json_pack("{s{sIsIsI}}", measure, "value", x, "lower_value", x,
				              "upper_value", x);
				if (!e || json_object_set_new(doc, name, e))
					goto nomem;
			} else {
				char extra[256];
				snprintf(extra, sizeof extra,
				         "%s, %u strands present, %u added: %s (simulated, "
				         "deterministic)",
				         p->key.shape, p->key.present, p->key.add, metric);
				e = json_pack("{sssssIss}", "name", name, "unit", unit, "value", x,
				              "extra", extra);
				if (!e || json_array_append_new(doc, e))
					goto nomem;
			}
		}
	}
	return doc;
nomem:
	json_decref(doc);
	util_errf(msg, n, "out of memory");
	return NULL;
}
