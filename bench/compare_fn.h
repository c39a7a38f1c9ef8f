/*
 * bench/compare_fn.h — per-function rows (fn_<name>_insns) across kernel
 * versions: one function may carry another name in the other guest (a
 * compiler clone suffix, a kernel rename of a kernel-model entry), or be
 * absent (inlined there, or outside the profile's list).
 */
#ifndef LDOMSIM_BENCH_COMPARE_FN_H
#define LDOMSIM_BENCH_COMPARE_FN_H

#include <jansson.h>
#include <stddef.h>

/* The function a metric counts, under a name that stays across versions:
 * fn_<name>_insns without GCC's clone suffixes (.part.N, .constprop.N,
 * .isra.N, .cold) and, for a kernel-model entry, its first row's name
 * (km_fn_entry). "" for a metric that is not per function. */
void bench_fn_stem(const char *metric, char *buf, size_t n);

/* The per-function metric of other, absent from self, that counts the same
 * function as self's metric (bench_fn_stem); NULL if none. */
const char *bench_fn_counterpart(const json_t *self, const json_t *other, const char *metric);

#endif
