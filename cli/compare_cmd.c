/*
 * cli/compare_cmd.c — `ldomsim compare BASE NEW` (bench/compare.h does the
 * matching and the verdict).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/compare.h"
#include "bench/sweep_io.h"
#include "cli/commands.h"
#include "cli/dispatch.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ldomsim compare BASE NEW [--threshold PCT] [--json FILE]\n\n"
	        "Compares measured points: BASE and NEW are result files (ldomsim run --json),\n"
	        "sweep folders (ldomsim sweep -o DIR), their summary.json, or folders of\n"
	        "sweep folders (results/). Points match by (shape, present, add); prints each\n"
	        "metric of the matched points with its relative change (simulated time is\n"
	        "deterministic: an unchanged kernel and trace compare exactly equal).\n\n"
	        "  --threshold PCT  a metric regresses when NEW > BASE * (1 + PCT/100)\n"
	        "                   (default %.0f); a point regresses when its run failed\n"
	        "                   in NEW and not in BASE\n"
	        "  --json FILE      also write the comparison as JSON (format ldomsim-compare,\n"
	        "                   bench/compare.schema.json): every matched point and metric\n"
	        "                   with base, new, change and relative change, the regressions,\n"
	        "                   the unmatched points, the per-function rows (fn_*) with the\n"
	        "                   largest increases first. Written atomically, and only when\n"
	        "                   the exit status is 0 or 1\n\n"
	        "Exit status: 0 nothing regressed, 1 a regression (named on stderr), 2 usage\n"
	        "or unusable input (the file and field named; results of another major\n"
	        "version are refused).\n",
	        BENCH_COMPARE_THRESHOLD_PCT);
}

int bench_cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {{"threshold", required_argument, NULL, 't'},
	                                     {"json", required_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	double thr = BENCH_COMPARE_THRESHOLD_PCT;
	const char *json_out = NULL;
	struct bench_points *base = NULL, *cur = NULL;
	char err[2048], *end;
	int ch, rc;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			thr = strtod(optarg, &end);
			if (end == optarg || *end || !(thr >= 0) || !isfinite(thr)) {
				fprintf(
				    stderr,
				    "ldomsim compare: --threshold: '%s' is not a percentage >= 0\n",
				    optarg);
				return 2;
			}
			break;
		case 'j':
			if (!*optarg) {
				fprintf(stderr, "ldomsim compare: --json: expected a file name\n");
				return 2;
			}
			json_out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim compare", argv, usage);
		}
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "ldomsim compare: expected BASE and NEW\n");
		usage(stderr);
		return 2;
	}
	if (bench_points_load(argv[optind], &base, err, sizeof err) ||
	    bench_points_load(argv[optind + 1], &cur, err, sizeof err)) {
		fprintf(stderr, "ldomsim compare: %s; refusing to compare\n", err);
		bench_points_free(base);
		return 2;
	}
	rc = bench_compare(base, cur, thr, stdout, err, sizeof err);
	if (rc >= 0 && json_out) {
		int verdict = 0;
		char jerr[2048];
		json_t *doc = bench_compare_json(base, cur, argv[optind], argv[optind + 1], thr,
		                                 &verdict, jerr, sizeof jerr);
		if (!doc || bench_write_json_atomic(json_out, doc, jerr, sizeof jerr)) {
			fprintf(stderr, "ldomsim compare: --json %s: %s\n", json_out, jerr);
			json_decref(doc);
			bench_points_free(base);
			bench_points_free(cur);
			return 2;
		}
		json_decref(doc);
	}
	if (rc < 0)
		fprintf(stderr, "ldomsim compare: %s and %s: %s\n", argv[optind], argv[optind + 1],
		        err);
	else if (rc)
		fprintf(stderr, "ldomsim compare: regressed beyond %.2f%%: %s\n", thr, err);
	bench_points_free(base);
	bench_points_free(cur);
	return rc < 0 ? 2 : rc;
}
