/*
 * cli/bench_cmd.c — `ldomsim bench speed`: the simulator's own speed.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/run.h"
#include "bench/speed.h"
#include "cli/commands.h"
#include "sim/selftest.h"
#include "sim/sim.h"

/* `ldomsim bench snapshot TRACE`: what the guest RAM part of a boot
 * snapshot (issue 14) costs at that trace's boot: its image size, the time
 * to make it and to load it into a fresh machine. Figures, host time. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int snapshot_figure(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
		        "usage: ldomsim bench snapshot TRACE\n\n"
		        "Boots TRACE to the boot-snapshot point (domain services registered,\n"
		        "before the first operation) and reports the guest RAM part of a\n"
		        "snapshot: non-zero pages, image bytes (zlib level 1), host seconds to\n"
		        "boot, to make the image and to load it into a fresh machine.\n");
		return argc == 2 ? 0 : 2;
	}
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	bench_run_cfg_default(&cfg);
	cfg.trace = argv[1];
	cfg.boot_only = 1;
	cfg.no_snapshot = 1; /* the figure is a boot's */
	double t0 = now();
	if (bench_run(&cfg, &r, err, sizeof err)) {
		fprintf(stderr, "ldomsim bench snapshot: %s\n", err);
		return 2;
	}
	double t1 = now();
	uint8_t *img;
	size_t len;
	struct sim *s = bench_run_sim(r);
	if (sim_ram_image(s, 1, &img, &len, err, sizeof err)) {
		fprintf(stderr, "ldomsim bench snapshot: %s\n", err);
		bench_run_free(r);
		return 1;
	}
	double t2 = now();
	struct sim_config sc;
	struct sim *fresh;
	sim_config_default(&sc);
	sc.image = bench_run_image(r);
	sc.max_cpus = 1;
	sc.ram_size = cfg.ram_size;
	int rc = sim_create(&sc, &fresh, err, sizeof err);
	double t3 = now();
	if (!rc)
		rc = sim_ram_load(fresh, img, len, err, sizeof err);
	double t4 = now();
	if (rc)
		fprintf(stderr, "ldomsim bench snapshot: load: %s\n", err);
	else
		printf("%s: boot %.2f s; guest RAM image %.2f MiB (zlib 1), made in %.3f s, loaded "
		       "in %.3f s\n",
		       argv[1], t1 - t0, (double)len / (1 << 20), t2 - t1, t4 - t3);
	sim_free(rc ? NULL : fresh);
	free(img);
	bench_run_free(r);
	return rc ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ldomsim bench speed [--iters N] [--repeats R] [--json]\n"
	           "       ldomsim bench snapshot TRACE   (the RAM part of a boot snapshot)\n\n"
	           "Guest instructions per host second on a guest loop (16 and 4 instructions\n"
	           "per iteration): raw Unicorn, with the block counter, and with the full\n"
	           "machine (every hook ldomsim installs), side by side. Host time is used\n"
	           "here only. Target: full machine >= 0.5 x raw on the 16-instruction loop.\n\n"
	           "  --iters N     iterations of the 16-instruction loop (default 20000000)\n"
	           "  --repeats R   best of R runs per point (default 3)\n"
	           "  --json        JSON on stdout\n");
}

int bench_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {{"iters", required_argument, NULL, 'i'},
	                                     {"repeats", required_argument, NULL, 'r'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	uint64_t iters = 20000000;
	unsigned repeats = 3;
	int json = 0, ch;
	if (argc >= 2 && !strcmp(argv[1], "snapshot"))
		return snapshot_figure(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "speed")) {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'i':
			iters = strtoull(optarg, &end, 10);
			if (*end || !iters) {
				fprintf(stderr,
				        "ldomsim bench: --iters: '%s' is not a positive integer\n",
				        optarg);
				return 2;
			}
			break;
		case 'r':
			repeats = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !repeats) {
				fprintf(
				    stderr,
				    "ldomsim bench: --repeats: '%s' is not a positive integer\n",
				    optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	char path[4096], err[512] = "";
	struct bench_speed_point pts[8];
	int np = bench_speed_run(sim_default_path("sim/selftest.elf", path, sizeof path), iters,
	                         repeats, pts, 8, err, sizeof err);
	if (np < 0) {
		fprintf(stderr, "ldomsim bench speed: %s\n", err);
		return 2;
	}
	if (json) {
		json_t *root = json_object(), *cfg = json_object(), *arr = json_array();
		json_object_set_new(cfg, "iters", json_integer((json_int_t)iters));
		json_object_set_new(cfg, "repeats", json_integer(repeats));
		json_object_set_new(root, "config", cfg);
		for (int i = 0; i < np; i++) {
			json_t *p = json_object();
			json_object_set_new(p, "loop", json_string(pts[i].loop));
			json_object_set_new(p, "setup", json_string(pts[i].setup));
			json_object_set_new(p, "insns", json_integer((json_int_t)pts[i].insns));
			json_object_set_new(p, "host_seconds", json_real(pts[i].seconds));
			json_object_set_new(p, "insns_per_second", json_real(pts[i].ips));
			json_object_set_new(p, "ratio_to_raw", json_real(pts[i].ratio));
			json_array_append_new(arr, p);
		}
		json_object_set_new(root, "simulator_speed", arr);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		printf("%-7s %-13s %14s %10s %14s %8s\n", "loop", "setup", "guest insns", "host s",
		       "insns/s", "x raw");
		for (int i = 0; i < np; i++)
			printf("%-7s %-13s %14llu %10.3f %14.3e %8.2f\n", pts[i].loop, pts[i].setup,
			       (unsigned long long)pts[i].insns, pts[i].seconds, pts[i].ips,
			       pts[i].ratio);
	}
	return 0;
}
