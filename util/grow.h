/*
 * util/grow.h — the growing array every module appends to: room for one
 * more element, doubling the capacity (first: the capacity of the first
 * allocation). The array keeps its contents and address on failure.
 */
#ifndef LDOMSIM_UTIL_GROW_H
#define LDOMSIM_UTIL_GROW_H

#include <stddef.h>

/* *v holds n elements of elem bytes in room for *cap: make room for n + 1.
 * 0, or -1 (out of memory; *v and *cap unchanged). */
int util_grow(void **v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
