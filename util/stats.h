/*
 * util/stats.h — order statistics of simulated latencies.
 */
#ifndef LDOMSIM_UTIL_STATS_H
#define LDOMSIM_UTIL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sorts v ascending. */
void util_sort_i64(int64_t *v, size_t n);
void util_sort_u32(uint32_t *v, size_t n);
/* The qsort/bsearch comparator of two uint32_t. */
int util_cmp_u32(const void *a, const void *b);

/* The pct-th percentile (0-100) of n ascending values by nearest rank:
 * the value of rank ceil(pct/100 * n), at least 1 (pct 0 gives the
 * minimum, 100 the maximum); 0 when n is 0. */
int64_t util_percentile(const int64_t *sorted, size_t n, double pct);

#endif
