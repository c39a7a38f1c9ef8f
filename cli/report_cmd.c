/*
 * cli/report_cmd.c — `ldomsim report DIR`: the summary table of a sweep (the
 * numbers behind its plots); --html: the page of bench/html.h besides.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/compare.h"
#include "bench/html.h"
#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "cli/commands.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ldomsim report DIR [--html OUT.html [--base BASE] [--threshold PCT]]\n\n"
	        "Prints the summary of a sweep folder (ldomsim sweep -o DIR), of its\n"
	        "summary.json, or of every sweep folder in DIR (results/): one row per point\n"
	        "with the configure-to-online latency over its cpus (min/p50/p90/p99/max),\n"
	        "the request's latency (request -> DS response) and the topology-map cost\n"
	        "when the results measure it, all in ms of simulated time; the power-law\n"
	        "fits; the phase breakdown when the results have phases; the plots.\n\n"
	        "  --html OUT.html   also write one self-contained page (no external file, no\n"
	        "                    script): per sweep the configuration, the table, the fits,\n"
	        "                    the phases and the plots inlined as SVG; written whole or\n"
	        "                    not at all\n"
	        "  --base BASE       (with --html) compare DIR with BASE (results, sweeps or a\n"
	        "                    folder of sweeps, as `compare` takes): regressions\n"
	        "                    highlighted, the functions that got slower\n"
	        "  --threshold PCT   a metric regresses when it grew by more than PCT percent\n"
	        "                    (default %.0f)\n\n"
	        "Exit status: 0 every point ran ok, 1 a point failed (or, with --base, a\n"
	        "metric regressed), 2 unusable input (no page is written).\n",
	        BENCH_COMPARE_THRESHOLD_PCT);
}

static void cell(const json_t *metrics, const char *name)
{
	const json_t *v = json_object_get(metrics, name);
	if (v)
		printf(" %10.3f", (double)json_integer_value(v) / 1e6);
	else
		printf(" %10s", "-");
}

/* Phases (ms): one row per phase, one column per point. */
static void phases(const json_t *rows)
{
	const json_t *first = NULL, *row, *v;
	const char *name;
	size_t i;
	json_array_foreach(rows, i,
	                   row) if (!first && json_object_get(json_object_get(row, "metrics"),
	                                                      "phase_dr_cpu_data_ns")) first = row;
	json_array_foreach(rows, i, row) if (!first) json_object_foreach(
	    json_object_get(row, "metrics"), name, v) if (!strncmp(name, "phase_", 6)) first = row;
	if (!first)
		return;
	printf("\nphases of the configure request (ms):\n%-30s", "");
	json_array_foreach(rows, i, row)
	    printf(" %10s", json_string_value(json_object_get(row, "point")));
	printf("\n");
	json_object_foreach(json_object_get(first, "metrics"), name, v)
	{
		if (strncmp(name, "phase_", 6))
			continue;
		printf("%-30.*s", (int)strlen(name) - 9, name + 6);
		json_array_foreach(rows, i, row) cell(json_object_get(row, "metrics"), name);
		printf("\n");
	}
}

static int report(const char *file, const json_t *doc)
{
	static const char *const cols[] = {"online_min_ns", "online_p50_ns", "online_p90_ns",
	                                   "online_p99_ns", "online_max_ns", "request_ns",
	                                   "topology_ns",   "md_update_ns"};
	const json_t *cfg = json_object_get(doc, "config"), *rows = json_object_get(doc, "points");
	const json_t *row, *fit, *plot;
	size_t i, failed = 0;
	printf("%s: %s sweep, %zu points (ldomsim %s)\n", file,
	       json_string_value(json_object_get(cfg, "shape")), json_array_size(rows),
	       json_string_value(json_object_get(cfg, "ldomsim")));
	printf("%-14s %-6s %7s %4s %10s %10s %10s %10s %10s %10s %10s %10s\n", "point", "",
	       "present", "add", "online min", "p50", "p90", "p99", "max", "request", "topology",
	       "md-update");
	json_array_foreach(rows, i, row)
	{
		const json_t *m = json_object_get(row, "metrics");
		int ok = json_is_true(json_object_get(row, "ok"));
		printf("%-14s %-6s %7lld %4lld", json_string_value(json_object_get(row, "point")),
		       ok ? "ok" : "FAILED",
		       (long long)json_integer_value(json_object_get(row, "present")),
		       (long long)json_integer_value(json_object_get(row, "add")));
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
			cell(m, cols[c]);
		printf("\n");
		if (!ok) {
			failed++;
			printf("  %s\n", json_string_value(json_object_get(row, "verdict")));
		}
	}
	printf("(ms of simulated time; online: request -> each cpu online; request: -> DS "
	       "response)\n");
	json_array_foreach(json_object_get(doc, "fits"), i, fit)
	{
		printf(
		    "%s %lld added: %s = %.4g * present^%.3f (r2 %.4f, %lld points)\n",
		    i ? "    " : "fit:", (long long)json_integer_value(json_object_get(fit, "add")),
		    json_string_value(json_object_get(fit, "metric")),
		    json_real_value(json_object_get(fit, "coefficient")),
		    json_real_value(json_object_get(fit, "exponent")),
		    json_real_value(json_object_get(fit, "r2")),
		    (long long)json_integer_value(json_object_get(fit, "points")));
	}
	phases(rows);
	json_array_foreach(json_object_get(doc, "plots"), i, plot)
	{
		const json_t *files = json_object_get(plot, "files"), *f;
		size_t k;
		printf("%s %-9s",
		       i ? "      " : "plots:", json_string_value(json_object_get(plot, "name")));
		json_array_foreach(files, k, f) printf(" %s", json_string_value(f));
		if (json_object_get(plot, "skipped"))
			printf(" (skipped: %s)",
			       json_string_value(json_object_get(plot, "skipped")));
		if (json_object_get(plot, "error"))
			printf(" (FAILED: %s)", json_string_value(json_object_get(plot, "error")));
		printf("\n");
	}
	return failed ? 1 : 0;
}

int bench_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	                                     {"html", required_argument, NULL, 'H'},
	                                     {"base", required_argument, NULL, 'b'},
	                                     {"threshold", required_argument, NULL, 't'},
	                                     {NULL, 0, NULL, 0}};
	struct bench_html_cfg hc = {.threshold_pct = BENCH_COMPARE_THRESHOLD_PCT};
	const char *html = NULL;
	char err[2048], **files, *end;
	int ch, rc = 0, threshold = 0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			html = optarg;
			break;
		case 'b':
			hc.base = optarg;
			break;
		case 't':
			hc.threshold_pct = strtod(optarg, &end);
			threshold = 1;
			if (end == optarg || *end || !(hc.threshold_pct >= 0) ||
			    hc.threshold_pct > 1e6) {
				fprintf(stderr,
				        "ldomsim report: --threshold '%s': expected a percentage "
				        "0..1000000\n",
				        optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "ldomsim report: unknown option or missing value '%s'\n",
			        argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "ldomsim report: expected one DIR\n");
		usage(stderr);
		return 2;
	}
	if (!html && (hc.base || threshold)) {
		fprintf(stderr, "ldomsim report: --base and --threshold go with --html\n");
		return 2;
	}
	if (bench_summary_files(argv[optind], &files, err, sizeof err)) {
		fprintf(stderr, "ldomsim report: %s\n", err);
		return 2;
	}
	for (char **f = files; *f && rc != 2; f++) {
		json_t *doc = bench_read_json(*f, err, sizeof err);
		if (!doc || bench_summary_check(doc, *f, err, sizeof err)) {
			fprintf(stderr, "ldomsim report: %s\n", err);
			rc = 2;
		} else {
			if (f != files)
				printf("\n");
			rc |= report(*f, doc);
		}
		json_decref(doc);
	}
	bench_free_list(files);
	if (html && rc != 2) {
		struct bench_html_findings found;
		hc.dir = argv[optind];
		if (bench_html_report(&hc, html, &found, err, sizeof err)) {
			fprintf(stderr, "ldomsim report: --html: %s\n", err);
			return 2;
		}
		printf("\nhtml: %s", html);
		if (hc.base)
			printf(" (compared with %s: %zu regressed beyond %.2f%%)", hc.base,
			       found.regressed, hc.threshold_pct);
		printf("\n");
		if (found.regressed)
			rc |= 1;
	}
	return rc;
}
