/*
 * sim/cmd_selftest.c — `ldomsim selftest`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "sim/selftest.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ldomsim selftest [--json] [--selftest-image ELF]\n\n"
		   "Checks the machine: Unicorn's privileged sparc64 state and traps, register\n"
		   "window spill/fill through the guest trap table, hypercall resumption, and\n"
		   "the verdicts for guest faults.\n\n"
		   "  --json              one JSON object on stdout\n"
		   "  --selftest-image F  self-test guest ELF (default: build/sim/selftest.elf)\n"
		   "\nExit status: 0 all checks pass, 1 a check failed, 2 cannot run.\n");
}

int sim_cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"selftest-image", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int json = 0, ch;
	char stpath[4096];
	const char *st = sim_default_path("sim/selftest.elf", stpath, sizeof stpath);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 's': st = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	struct sim_checks checks = {0};
	char err[512] = "";
	int ran = sim_selftest_machine(st, &checks, err, sizeof err) == 0;
	int ok = ran && sim_checks_all_pass(&checks);
	if (json) {
		json_t *root = json_object(), *jc = json_object();
		for (size_t i = 0; i < checks.n; i++)
			json_object_set_new(jc, checks.v[i].name,
					    json_string(checks.v[i].pass ? "pass" : "fail"));
		json_object_set_new(root, "checks", jc);
		if (!ran)
			json_object_set_new(root, "error", json_string(err));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		for (size_t i = 0; i < checks.n; i++)
			printf("%-30s %s  %s\n", checks.v[i].name, checks.v[i].pass ? "pass" : "FAIL",
			       checks.v[i].detail);
		if (!ran)
			fprintf(stderr, "ldomsim selftest: %s\n", err);
	}
	sim_checks_free(&checks);
	return !ran ? 2 : ok ? 0 : 1;
}
