/*
 * bench/compare_fn.c — see compare_fn.h.
 */
#include "bench/compare_fn.h"

#include <stdio.h>
#include <string.h>

#include "kernel-model/km.h"

#define FN_PREFIX "fn_"
#define FN_SUFFIX "_insns"

void bench_fn_stem(const char *metric, char *buf, size_t n)
{
	size_t len = strlen(metric), pre = strlen(FN_PREFIX), suf = strlen(FN_SUFFIX);
	if (n)
		buf[0] = 0;
	if (len <= pre + suf || strncmp(metric, FN_PREFIX, pre) ||
	    strcmp(metric + len - suf, FN_SUFFIX))
		return;
	char name[256];
	size_t k = len - pre - suf;
	if (k >= sizeof name)
		k = sizeof name - 1;
	memcpy(name, metric + pre, k);
	name[k] = 0;
	/* GCC names a local clone <fn>.<kind>.<n>: the same source function. */
	char *dot = strchr(name, '.');
	if (dot && dot != name)
		*dot = 0;
	const char *entry = km_fn_entry(name);
	snprintf(buf, n, "%s", entry ? entry : name);
}

const char *bench_fn_counterpart(const json_t *self, const json_t *other, const char *metric)
{
	char want[256], stem[256];
	const char *name;
	const json_t *v;
	bench_fn_stem(metric, want, sizeof want);
	if (!want[0])
		return NULL;
	json_object_foreach((json_t *)other, name, v)
	{
		if (json_object_get(self, name))
			continue;
		bench_fn_stem(name, stem, sizeof stem);
		if (!strcmp(stem, want))
			return name;
	}
	return NULL;
}
