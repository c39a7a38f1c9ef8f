/*
 * bench/plot.h — the plots of a sweep, drawn by gnuplot (PNG with
 * pngcairo, SVG with svg) from the scripts in scripts/plots/ and data files
 * written beside them in DIR/plots/:
 *   latency   configure-to-online latency vs present strands, per batch size
 *   topology  topology-map cost vs present strands, log-log, fitted exponent
 *   phases    the phase breakdown as stacked bars (when results have phases)
 *   timeline  cpu vs online time of one request
 */
#ifndef LDOMSIM_BENCH_PLOT_H
#define LDOMSIM_BENCH_PLOT_H

#include <jansson.h>
#include <stddef.h>

/* Draws every plot of the sweep in dir from its summary (points, fits).
 * *plots gets an array of {name, files} / {name, skipped} / {name, error}.
 * Returns 0 when every plot was drawn or had nothing to show, -1 when one
 * failed (err: the first failure, with what gnuplot said). */
int bench_plot_sweep(const char *dir, const json_t *summary, const char *scripts, json_t **plots,
                     char *err, size_t n);

#endif
