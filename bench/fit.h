/*
 * bench/fit.h — least-squares fit of a power law y = c * x^k on the logs
 * (ln y = ln c + k ln x), for the topology-cost growth of a sweep.
 */
#ifndef LDOMSIM_BENCH_FIT_H
#define LDOMSIM_BENCH_FIT_H

#include <stddef.h>

struct bench_fit {
	double exponent;    /* k */
	double coefficient; /* c, in the unit of y */
	double r2;          /* coefficient of determination of the log-log line */
	size_t n;           /* points used */
};

/* Fits the n points (x[i], y[i]); every x and y must be > 0 and at least
 * two x must differ. Returns 0, or -1 (fit untouched) when that is not so. */
int bench_fit_power(const double *x, const double *y, size_t n, struct bench_fit *fit);

#endif
