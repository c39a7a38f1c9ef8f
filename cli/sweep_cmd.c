/*
 * cli/sweep_cmd.c — `ldomsim sweep`.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "cli/commands.h"
#include "cli/dispatch.h"
#include "cli/options.h"
#include "traces/trace.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ldomsim sweep --shape NAME --present LIST --add LIST -o DIR\n"
	        "                     [--remove K] [--jobs N] [--no-plots] [--scripts DIR]\n"
	        "                     [--set NAME=VALUE]... [--ldomsim BINARY]\n"
	        "                     [--emit-jobs FILE] [--guest ELF|NAME] [--force]\n"
	        "                     [--memory-model on|off] [--no-snapshot]\n"
	        "                     [--snapshot-dir DIR]\n\n"
	        "For every (present, add) point: generates the trace of a NAME domain with the\n"
	        "first `present` strands present to which one dr-cpu CONFIGURE adds `add`\n"
	        "(DIR/traces/p<present>-a<add>/), runs it with `ldomsim run TRACE --json\n"
	        "DIR/points/p<present>-a<add>.json` in its own process (up to N at a time,\n"
	        "the costliest first), then writes DIR/summary.json (the resolved configuration\n"
	        "with the trace hashes, one row of key metrics per point, power-law fits) and\n"
	        "draws DIR/plots/{latency,topology,phases,timeline}.{png,svg} with gnuplot.\n"
	        "Progress: a bar on a terminal, one line per point otherwise (stderr).\n\n"
	        "  --shape NAME      machine shape (ldomsim md gen --help lists them)\n"
	        "  --present LIST    strands present before the request: 16,32,48 or 64-256:64\n"
	        "  --add LIST        strands one CONFIGURE adds (the batch sizes)\n"
	        "  --remove K        unconfigure K of the added strands afterwards\n"
	        "  --jobs N          points run at a time (default: the number of cores)\n"
	        "  -o, --output DIR  the sweep folder (created; every file written atomically);\n"
	        "                    a DIR that already holds files is refused\n"
	        "  --force           DIR may hold an earlier sweep: its files (summary.json,\n"
	        "                    plan.json, points/, traces/, plots/) are removed first; if\n"
	        "                    DIR holds anything else, nothing is removed and the sweep\n"
	        "                    is refused, naming it\n"
	        "  --no-plots        no gnuplot\n"
	        "  --scripts DIR     the gnuplot scripts (default: scripts/plots of the source\n"
	        "                    tree the binary was built in)\n"
	        "  --set NAME=VALUE  a timing override passed to every run (ldomsim run --help)\n"
	        "  --ldomsim BINARY  the ldomsim that runs the points (default: this one)\n"
	        "  --memory-model on|off  every point with the memory model (ldomsim run --help)\n"
	        "  --no-snapshot     every point boots cold (ldomsim run --help). By default\n"
	        "                    the first point of each present count boots and saves\n"
	        "                    a boot snapshot before the others of that count start,\n"
	        "                    and they restore it: one boot per present count\n"
	        "  --snapshot-dir DIR  the snapshot store the points share\n"
	        "  --guest ELF|NAME  the guest every point runs (ldomsim run --guest); compare\n"
	        "                    two guests' sweeps with ldomsim compare\n"
	        "  --emit-jobs FILE  do not run the points: write the traces, DIR/plan.json\n"
	        "                    and one self-contained shell command per point to FILE\n"
	        "                    (GNU parallel: parallel -j N < FILE, also over\n"
	        "                    --sshlogin hosts sharing DIR; Slurm: scripts/sweep-slurm.sh\n"
	        "                    FILE), then join them with ldomsim merge -o OUT DIR...\n\n"
	        "SIGINT, SIGTERM or SIGHUP stop the sweep: the running points get the signal\n"
	        "and are waited for, their temporary files removed, no summary is written.\n\n"
	        "Exit status: 0 every point ran ok and every plot was drawn, 1 a point failed\n"
	        "(its verdict and exit status are in the summary) or a plot failed, 2 bad\n"
	        "arguments, a DIR that holds files (without --force) or an unwritable DIR,\n"
	        "128 + N stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP).\n");
}

static int parse_count(const char *opt, const char *s, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v < min || v > TRACE_MAX_CPUS) {
		fprintf(stderr, "ldomsim sweep: %s: expected a number %u..%u, got '%s'\n", opt, min,
		        TRACE_MAX_CPUS, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* scripts/plots beside the build folder the binary lives in, else the
 * current folder's. */
static char *default_scripts(const char *self)
{
	char *copy = strdup(self), *s = NULL;
	if (copy) {
		s = bench_strf("%s/../scripts/plots", dirname(copy));
		if (s && !bench_is_dir(s)) {
			free(s);
			s = NULL;
		}
	}
	free(copy);
	return s ? s : strdup("scripts/plots");
}

int bench_cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {{"shape", required_argument, NULL, 's'},
	                                     {"present", required_argument, NULL, 'p'},
	                                     {"add", required_argument, NULL, 'a'},
	                                     {"remove", required_argument, NULL, 'r'},
	                                     {"jobs", required_argument, NULL, 'j'},
	                                     {"output", required_argument, NULL, 'o'},
	                                     {"no-plots", no_argument, NULL, 'n'},
	                                     {"scripts", required_argument, NULL, 'S'},
	                                     {"ldomsim", required_argument, NULL, 'l'},
	                                     {"set", required_argument, NULL, 'x'},
	                                     {"emit-jobs", required_argument, NULL, 'e'},
	                                     {"guest", required_argument, NULL, 'g'},
	                                     {"memory-model", required_argument, NULL, 'M'},
	                                     {"force", no_argument, NULL, 'F'},
	                                     {"no-snapshot", no_argument, NULL, 'N'},
	                                     {"snapshot-dir", required_argument, NULL, 'D'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	uint32_t present[BENCH_SWEEP_MAX_LIST], add[BENCH_SWEEP_MAX_LIST], one;
	const char *sets[BENCH_SWEEP_MAX_SETS];
	struct bench_sweep_cfg cfg = {0};
	char err[2048], self[PATH_MAX], *scripts = NULL;
	const char *scripts_opt = NULL;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int ch, plots = 1, rc;
	size_t k;
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	self[sl > 0 ? sl : 0] = 0;
	cfg.ldomsim = sl > 0 ? self : argv[0];
	cfg.jobs = cores > 0 ? (unsigned)cores : 1;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			cfg.shape = optarg;
			break;
		case 'p':
		case 'a':
			if (bench_sweep_parse_list(ch == 'p' ? "--present" : "--add", optarg,
			                           ch == 'p' ? present : add, BENCH_SWEEP_MAX_LIST,
			                           &k, err, sizeof err)) {
				fprintf(stderr, "ldomsim sweep: %s\n", err);
				return 2;
			}
			*(ch == 'p' ? &cfg.npresent : &cfg.nadd) = k;
			break;
		case 'r':
		case 'j':
			if (parse_count(ch == 'r' ? "--remove" : "--jobs", optarg, ch == 'j', &one))
				return 2;
			*(ch == 'r' ? &cfg.remove : &cfg.jobs) = one;
			break;
		case 'o':
			cfg.dir = optarg;
			break;
		case 'n':
			plots = 0;
			break;
		case 'S':
			scripts_opt = optarg;
			break;
		case 'l':
			cfg.ldomsim = optarg;
			break;
		case 'e':
			cfg.emit_jobs = optarg;
			break;
		case 'g':
			cfg.guest = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				fprintf(stderr,
				        "ldomsim sweep: --memory-model: '%s' is not on or off\n",
				        optarg);
				return 2;
			}
			cfg.memory_model = !strcmp(optarg, "on");
			break;
		case 'F':
			cfg.force = 1;
			break;
		case 'N':
			cfg.no_snapshot = 1;
			break;
		case 'D':
			cfg.snapshot_dir = optarg;
			break;
		case 'x':
			if (cfg.nsets == BENCH_SWEEP_MAX_SETS || !strchr(optarg, '=')) {
				fprintf(
				    stderr,
				    "ldomsim sweep: --set: expected NAME=VALUE (at most %d), got "
				    "'%s'\n",
				    BENCH_SWEEP_MAX_SETS, optarg);
				return 2;
			}
			{
				/* Refused before any point runs, by the rule run applies. */
				struct trace_param_value v;
				char why[512];
				if (cli_parse_set(optarg, &v, why, sizeof why)) {
					fprintf(stderr, "ldomsim sweep: %s\n", why);
					return 2;
				}
			}
			sets[cfg.nsets++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim sweep", argv, usage);
		}
	}
	if (optind != argc || !cfg.shape || !cfg.npresent || !cfg.nadd || !cfg.dir) {
		fprintf(stderr, "ldomsim sweep: --shape, --present, --add and -o are required\n");
		usage(stderr);
		return 2;
	}
	cfg.present = present;
	cfg.add = add;
	cfg.sets = sets;
	if (plots) {
		scripts = scripts_opt ? strdup(scripts_opt) : default_scripts(cfg.ldomsim);
		cfg.scripts = scripts;
	}
	rc = bench_sweep(&cfg, stderr, isatty(STDERR_FILENO), err, sizeof err);
	if (rc)
		fprintf(stderr, "ldomsim sweep: %s\n", err);
	free(scripts);
	return rc < 0 ? 2 : rc;
}

static void merge_usage(FILE *f)
{
	fprintf(f,
	        "usage: ldomsim merge -o OUT [--force] [--no-plots] [--scripts DIR] SWEEPDIR...\n\n"
	        "Joins the points of sweep folders into one sweep folder OUT: each SWEEPDIR\n"
	        "holds plan.json (ldomsim sweep --emit-jobs) or summary.json and the\n"
	        "points/*.json its jobs wrote. Copies the point results and logs into\n"
	        "OUT/points/, writes OUT/summary.json and the plots as ldomsim sweep does\n"
	        "(report, compare and the plots take it). The folders must agree on shape,\n"
	        "--remove and --set; a point in two folders is an error; a point without a\n"
	        "result is a failed row.\n\n"
	        "  -o, --output OUT  the merged sweep folder (created; every file written\n"
	        "                    atomically); an OUT that already holds files is refused,\n"
	        "                    and OUT must not be one of the SWEEPDIRs\n"
	        "  --force           OUT may hold an earlier sweep: its files (summary.json,\n"
	        "                    plan.json, points/, traces/, plots/) are removed first;\n"
	        "                    if OUT holds anything else, nothing is removed and the\n"
	        "                    merge is refused, naming it\n"
	        "  --no-plots        no gnuplot\n"
	        "  --scripts DIR     the gnuplot scripts (default: as ldomsim sweep)\n\n"
	        "SIGINT, SIGTERM or SIGHUP stop the merge between two files (none is left\n"
	        "half-written); no summary is written.\n\n"
	        "Exit status: 0 every point ok and every plot drawn, 1 a point or plot failed,\n"
	        "2 bad arguments, unreadable folders, an OUT that holds files (without --force)\n"
	        "or an unwritable OUT, 128 + N stopped by signal N (130 SIGINT, 143 SIGTERM).\n");
}

int bench_cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'F'},
	    {"no-plots", no_argument, NULL, 'n'},     {"scripts", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	const char *out = NULL, *scripts_opt = NULL;
	char err[2048], self[PATH_MAX], *scripts = NULL;
	int ch, plots = 1, rc, force = 0;
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	self[sl > 0 ? sl : 0] = 0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'n':
			plots = 0;
			break;
		case 'S':
			scripts_opt = optarg;
			break;
		case 'h':
			merge_usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim merge", argv, merge_usage);
		}
	}
	if (!out || optind == argc) {
		fprintf(stderr,
		        "ldomsim merge: -o OUT and at least one sweep folder are required\n");
		merge_usage(stderr);
		return 2;
	}
	if (plots) {
		scripts =
		    scripts_opt ? strdup(scripts_opt) : default_scripts(sl > 0 ? self : argv[0]);
		if (!scripts) {
			fprintf(stderr, "ldomsim merge: out of memory\n");
			return 2;
		}
	}
	rc = bench_sweep_merge((const char *const *)&argv[optind], (size_t)(argc - optind), out,
	                       force, scripts, stderr, err, sizeof err);
	if (rc)
		fprintf(stderr, "ldomsim merge: %s\n", err);
	free(scripts);
	return rc < 0 ? 2 : rc;
}
