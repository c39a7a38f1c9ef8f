/*
 * bench/html.h — `ldomsim report DIR --html OUT`: one self-contained HTML
 * page of a sweep folder or a folder of sweeps (no external asset, no
 * script): per sweep the resolved configuration, the summary table, the
 * fitted exponents, the phases and the sweep's plots inlined as SVG; with a
 * base, the comparison with the regressions highlighted and the functions
 * (fn_<name>_insns rows) that got slower, largest increase first.
 */
#ifndef LDOMSIM_BENCH_HTML_H
#define LDOMSIM_BENCH_HTML_H

#include <stddef.h>

struct bench_html_cfg {
	const char *dir;      /* what `report` takes: a sweep folder, its summary.json, or a folder
	                         of sweep folders */
	const char *base;     /* NULL, or the same kinds of input to compare against */
	double threshold_pct; /* a metric regresses when new > base * (1 + pct / 100) */
};

/* What the page found, for the exit status. */
struct bench_html_findings {
	size_t failed;    /* points of DIR that did not run ok */
	size_t regressed; /* with a base: regressed metrics and points (compare's rule) */
};

/* Reads every input, then writes the page to out atomically (util/atomic.h).
 * 0, or -1 with err naming the file and field at fault (an unusable input,
 * no point of the base in DIR, an output that cannot be written); on -1
 * out is not touched. */
int bench_html_report(const struct bench_html_cfg *cfg, const char *out,
                      struct bench_html_findings *found, char *err, size_t n);

#endif
