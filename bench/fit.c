/*
 * bench/fit.c — see fit.h.
 */
#include "bench/fit.h"

#include <math.h>

int bench_fit_power(const double *x, const double *y, size_t n, struct bench_fit *fit)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
	if (n < 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(x[i] > 0) || !(y[i] > 0) || !isfinite(x[i]) || !isfinite(y[i]))
			return -1;
		double lx = log(x[i]), ly = log(y[i]);
		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
		syy += ly * ly;
	}
	double dn = (double)n;
	double vx = sxx - sx * sx / dn, vy = syy - sy * sy / dn, cxy = sxy - sx * sy / dn;
	if (!(vx > 1e-12 * (sxx + 1)))
		return -1; /* every x equal */
	fit->exponent = cxy / vx;
	fit->coefficient = exp((sy - fit->exponent * sx) / dn);
	fit->r2 = vy > 0 ? cxy * cxy / (vx * vy) : 1.0;
	fit->n = n;
	return 0;
}
