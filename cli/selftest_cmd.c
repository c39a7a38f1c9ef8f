/*
 * cli/selftest_cmd.c — `ldomsim selftest`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "board/board.h"
#include "hv/hv.h"
#include "sim/selftest.h"

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: ldomsim selftest [--json] [--guest ELF] [--selftest-image ELF] [--cpu N]\n\n"
	       "1. Checks the machine: Unicorn's privileged sparc64 state and traps, register\n"
	       "   window spill/fill through the guest trap table, hypercall resumption, and\n"
	       "   the verdicts for guest faults (on the self-test image).\n"
	       "2. Runs the kernel's real hv_cpu_startup (hvtramp.S) from the guest image,\n"
	       "   started as CPU_START starts it, until it reaches smp_callin.\n\n"
	       "  --json              one JSON object on stdout\n"
	       "  --guest ELF         guest image (default: build/guest/guest.elf)\n"
	       "  --selftest-image F  self-test guest ELF (default: build/sim/selftest.elf)\n"
	       "  --cpu N             cpu id the new strand is started as (default 1)\n"
	       "\nExit status: 0 all checks pass, 1 a check failed, 2 cannot run.\n");
}

static json_t *u64hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *hvtramp_json(const struct board_hvtramp_result *r)
{
	json_t *o = json_object(), *calls = json_array();
	json_object_set_new(o, "reached", json_string(r->reached));
	json_object_set_new(o, "verdict", json_string(r->verdict));
	for (size_t i = 0; i < r->nhcalls; i++) {
		const struct hv_call *c = &r->hcalls[i];
		json_t *jc = json_object(), *args = json_array(), *rets = json_array();
		json_object_set_new(jc, "fn", json_string(c->name));
		json_object_set_new(jc, "num", u64hex(c->fn));
		for (unsigned k = 0; k < c->nargs; k++)
			json_array_append_new(args, u64hex(c->arg[k]));
		json_object_set_new(jc, "args", args);
		json_object_set_new(jc, "ret", json_integer((json_int_t)c->status));
		for (unsigned k = 0; k < c->nrets && k < 3; k++)
			json_array_append_new(rets, u64hex(c->ret[k]));
		json_object_set_new(jc, "rets", rets);
		json_array_append_new(calls, jc);
	}
	json_object_set_new(o, "hcalls", calls);
	json_object_set_new(o, "insns", json_integer((json_int_t)r->insns));
	json_object_set_new(o, "g6", u64hex(r->g6));
	json_object_set_new(o, "g4", u64hex(r->g4));
	json_object_set_new(o, "sp", u64hex(r->sp));
	json_object_set_new(o, "num_mappings", json_integer(r->num_mappings));
	json_object_set_new(o, "descriptor_ra", u64hex(r->descr_ra));
	return o;
}

int selftest_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"guest", required_argument, NULL, 'g'},
	                                     {"selftest-image", required_argument, NULL, 's'},
	                                     {"cpu", required_argument, NULL, 'c'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int json = 0, ch;
	char stpath[4096], gpath[4096], *end;
	const char *st = sim_default_path("sim/selftest.elf", stpath, sizeof stpath);
	const char *guest = sim_default_path("guest/guest.elf", gpath, sizeof gpath);
	struct board_hvtramp_opts ho;
	board_hvtramp_opts_default(&ho);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			st = optarg;
			break;
		case 'g':
			guest = optarg;
			break;
		case 'c':
			ho.cpu = (unsigned)strtoul(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "ldomsim selftest: --cpu: '%s' is not a number\n",
				        optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	struct sim_checks checks = {0};
	struct board_hvtramp_result hr;
	char err[512] = "", herr[512] = "";
	int ran = sim_selftest_machine(st, &checks, err, sizeof err) == 0;
	int hran = board_hvtramp_run(guest, &ho, &hr, &checks, herr, sizeof herr) == 0;
	int ok = ran && hran && sim_checks_all_pass(&checks);
	if (json) {
		json_t *root = json_object(), *jc = json_object();
		json_object_set_new(root, "unicorn_version", json_string(hr.unicorn_version));
		json_object_set_new(root, "kernel_version", json_string(hr.kernel_version));
		for (size_t i = 0; i < checks.n; i++)
			json_object_set_new(jc, checks.v[i].name,
			                    json_string(checks.v[i].pass ? "pass" : "fail"));
		json_object_set_new(root, "checks", jc);
		if (hran)
			json_object_set_new(root, "hvtramp", hvtramp_json(&hr));
		if (!ran || !hran) {
			json_t *errs = json_array();
			if (!ran)
				json_array_append_new(errs, json_string(err));
			if (!hran)
				json_array_append_new(errs, json_string(herr));
			json_object_set_new(root, "errors", errs);
		}
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		printf("ldomsim selftest: %s, Linux %s\n", hr.unicorn_version, hr.kernel_version);
		for (size_t i = 0; i < checks.n; i++)
			printf("  %-30s %s  %s\n", checks.v[i].name,
			       checks.v[i].pass ? "pass" : "FAIL", checks.v[i].detail);
		if (hran) {
			printf("\nhv_cpu_startup on cpu %u: %s, %llu guest instructions\n", ho.cpu,
			       hr.verdict, (unsigned long long)hr.insns);
			for (size_t i = 0; i < hr.nhcalls; i++) {
				const struct hv_call *c = &hr.hcalls[i];
				printf("  %-22s", c->name);
				for (unsigned k = 0; k < c->nargs; k++)
					printf(" 0x%llx", (unsigned long long)c->arg[k]);
				printf("  -> %llu\n", (unsigned long long)c->status);
			}
		}
		if (!ran)
			fprintf(stderr, "ldomsim selftest: machine: %s\n", err);
		if (!hran)
			fprintf(stderr, "ldomsim selftest: hvtramp: %s\n", herr);
	}
	board_hvtramp_result_free(&hr);
	sim_checks_free(&checks);
	return !ran || !hran ? 2 : ok ? 0 : 1;
}
