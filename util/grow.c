/*
 * util/grow.c — see grow.h.
 */
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>

int util_grow(void **v, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : first;
	if (nc <= n || nc > SIZE_MAX / elem)
		return -1;
	void *p = realloc(*v, nc * elem);
	if (!p)
		return -1;
	*v = p;
	*cap = nc;
	return 0;
}
