/*
 * util/errf.h — the one way library code fills a caller's error buffer
 * (err may be NULL or n 0: nothing is written).
 */
#ifndef LDOMSIM_UTIL_ERRF_H
#define LDOMSIM_UTIL_ERRF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

__attribute__((format(printf, 3, 4))) static inline void util_errf(char *err, size_t n,
                                                                   const char *fmt, ...)
{
	va_list ap;
	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

#endif
