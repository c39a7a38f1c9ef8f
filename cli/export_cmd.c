/*
 * cli/export_cmd.c — `ldomsim export --format FORMAT SOURCE [-o FILE]`:
 * measured points in a dashboard's input format (bench/export.h does the
 * conversion).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/compare.h"
#include "bench/export.h"
#include "bench/sweep_io.h"
#include "cli/commands.h"
#include "cli/dispatch.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ldomsim export --format github-action-benchmark|bmf SOURCE [-o FILE]\n"
	    "                      [--functions]\n\n"
	    "Writes the measured points of SOURCE — a result file (ldomsim run --json), a\n"
	    "sweep folder (ldomsim sweep -o DIR) or its summary.json, or a folder of sweep\n"
	    "folders (results/) — in the input format of a benchmark dashboard, one\n"
	    "benchmark per metric of each point, named SHAPE/present=P/add=A/METRIC\n"
	    "(t2/present=56/add=8/request_ns): the same name in every run, so that the\n"
	    "dashboard's history lines up. Values are the points' numbers: simulated ns\n"
	    "(*_ns) or guest instructions (*_insns); lower is better.\n\n"
	    "  --format github-action-benchmark\n"
	    "                   the JSON array github-action-benchmark reads with tool\n"
	    "                   customSmallerIsBetter: {\"name\", \"unit\", \"value\", \"extra\"}\n"
	    "  --format bmf     Bencher Metric Format: {NAME: {MEASURE: {\"value\",\n"
	    "                   \"lower_value\", \"upper_value\"}}}, measure latency (ns) or\n"
	    "                   instructions; the bounds equal the value (deterministic)\n"
	    "  -o, --output FILE  write there (atomically) instead of standard output\n"
	    "  --functions      also the per-function rows (fn_<function>_insns)\n\n"
	    "Points whose run failed are left out and named on standard error.\n"
	    "Exit status: 0 written, 1 written without a failed point, 2 usage or\n"
	    "unusable SOURCE (nothing written).\n");
}

int bench_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
	                                     {"output", required_argument, NULL, 'o'},
	                                     {"functions", no_argument, NULL, 'F'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	enum bench_export_format fmt = BENCH_EXPORT_BMF;
	const char *out = NULL, *fmt_name = NULL;
	int ch, functions = 0, rc = 2;
	struct bench_points *pts = NULL;
	json_t *doc = NULL;
	size_t failed = 0;
	char err[2048];
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			fmt_name = optarg;
			if (bench_export_format_parse(optarg, &fmt)) {
				fprintf(
				    stderr,
				    "ldomsim export: --format: '%s' is not github-action-benchmark "
				    "or bmf\n",
				    optarg);
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'F':
			functions = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim export", argv, usage);
		}
	}
	if (!fmt_name || optind + 1 != argc) {
		fprintf(stderr, "ldomsim export: expected --format and one SOURCE\n");
		usage(stderr);
		return 2;
	}
	if (out && !*out) {
		fprintf(stderr, "ldomsim export: -o: expected a file name\n");
		return 2;
	}
	if (bench_points_load(argv[optind], &pts, err, sizeof err)) {
		fprintf(stderr, "ldomsim export: %s; nothing written\n", err);
		return 2;
	}
	if (!bench_points_count(pts)) {
		fprintf(stderr, "ldomsim export: %s: holds no point; nothing written\n",
		        argv[optind]);
		goto out;
	}
	if (!(doc = bench_export(pts, fmt, functions, &failed, err, sizeof err))) {
		fprintf(stderr, "ldomsim export: %s; nothing written\n", err);
		goto out;
	}
	if (out) {
		if (bench_write_json_atomic(out, doc, err, sizeof err)) {
			fprintf(stderr, "ldomsim export: %s\n", err);
			goto out;
		}
	} else if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	           fputc('\n', stdout) == EOF || fflush(stdout)) {
		fprintf(stderr, "ldomsim export: cannot write to standard output\n");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < bench_points_count(pts); i++) {
		const struct bench_point *p = bench_points_at(pts, i);
		if (!p->ok) {
			fprintf(stderr,
			        "ldomsim export: %s: point %s p%u a%u failed (%s): left out\n",
			        p->source, p->key.shape, p->key.present, p->key.add,
			        p->verdict ? p->verdict : "?");
			rc = 1;
		}
	}
out:
	json_decref(doc);
	bench_points_free(pts);
	return rc;
}
