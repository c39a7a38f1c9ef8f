/*
 * util/stats.c — see stats.h.
 */
#include "util/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int util_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void util_sort_u32(uint32_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof *v, util_cmp_u32);
}

void util_sort_i64(int64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof *v, cmp_i64);
}

int64_t util_percentile(const int64_t *sorted, size_t n, double pct)
{
	if (!n)
		return 0;
	size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}
