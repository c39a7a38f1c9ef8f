/*
 * cli/run_cmd.c — `ldomsim run TRACE`.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/run.h"
#include "bench/sweep_io.h"
#include "cli/options.h"
#include "traces/trace.h"
#include "cli/commands.h"
#include "sim/tunables.h"
#include "util/atomic.h"

/* Repeatable options, at most (more: a usage error). */
#define RUN_MAX_SETS    64
#define RUN_MAX_INJECTS 16
#define RUN_MAX_IRQS    16

static void usage(FILE *f)
{
	fprintf(f, "usage: ldomsim run TRACE [--json RESULT.json] [--log] [--guest ELF|NAME]\n"
	           "                  [--insn-budget N] [--set NAME=VALUE] [--profile FILE]\n"
	           "                  [--no-profile] [--memory-model on|off]\n"
	           "                  [--no-snapshot] [--snapshot-dir DIR]\n\n"
	           "Boots the guest on the trace's first MD generation (the real boot-time MD\n"
	           "code), brings up domain services (the real ds.c), and plays the trace's\n"
	           "operations: md-update and dr-cpu requests run through the real mdesc.c,\n"
	           "ds.c, smp_64.c and hvtramp.S; new strands come online in simulated time.\n\n"
	           "  -o, --json FILE  write the result JSON (atomically)\n"
	           "  --log            print the kernel log (dmesg, simulated timestamps)\n"
	           "  --guest ELF|NAME guest image, or the name of one built with make guest\n"
	           "                   GUEST=NAME (build/guests/NAME/guest.elf); default\n"
	           "                   build/guest/guest.elf. Its manifest's identity (kernel\n"
	           "                   version, source and object hashes) goes into the result\n"
	           "  --insn-budget N  instructions a thread may run without blocking\n"
	           "                   before it counts as stuck (default 20000000000, at\n"
	           "                   most 10000000000000)\n"
	           "  --set NAME=VALUE override a timing parameter of the trace (repeatable):\n"
	           "                   cpi, clock_hz, stick_hz, or a cost in ns\n"
	           "                   (");
	/* The cost names, from the one table (kernel-model/costs.def). */
	for (size_t i = 0, col = 20; i < TRACE_NCOSTS; i++) {
		const char *name = trace_cost_fields[i].name;
		if (i && col + 2 + strlen(name) > 79) {
			fprintf(f, ",\n                   ");
			col = 19;
		} else if (i) {
			col += (size_t)fprintf(f, ", ");
		}
		col += (size_t)fprintf(f, "%s", name);
	}
	fprintf(f, ")\n");
	fprintf(f, "  --profile FILE   also write folded call stacks (flame-graph input, ns)\n"
	           "  --no-profile     no per-function profile and phases (faster)\n"
	           "  --memory-model on|off\n"
	           "                   on: the MD's caches simulated (LRU), every load, store\n"
	           "                   and fetch goes through them, loads and fetches stall by\n"
	           "                   the latency of the level that served them (per shape;\n"
	           "                   --set l1_cycles=, l2_cycles=, l3_cycles=, mem_ns=);\n"
	           "                   bench/TIMING.md \"Memory\". Default off\n"
	           "  --no-snapshot    boot cold and store no boot snapshot. By default a run\n"
	           "                   restores the boot (MD generation 1 parsed, domain\n"
	           "                   services registered) from a snapshot made by an earlier\n"
	           "                   run with the same binary, guest, machine, MD generation\n"
	           "                   1, present strands and boot options, else boots and\n"
	           "                   saves one; the result is the same either way, and its\n"
	           "                   simulator.snapshot says hit, miss or off\n"
	           "  --snapshot-dir DIR\n"
	           "                   the snapshot store (default $XDG_CACHE_HOME/ldomsim, else\n"
	           "                   ~/.cache/ldomsim; at most 1 GiB, least recently used\n"
	           "                   snapshots go first); one that cannot hold snapshots is\n"
	           "                   refused (exit 2)\n"
	           "  --inject NAME=STATUS[xCOUNT][@CPU]\n"
	           "                   the next COUNT calls of hypercall NAME (cpu_start,\n"
	           "                   mmu_map_perm_addr, mmu_fault_area_conf, cpu_stop, ...)\n"
	           "                   on CPU return STATUS (EINVAL, ENOCPU, EWOULDBLOCK, or a\n"
	           "                   number)\n"
	           "  --irq DEVHANDLE:DEVINO[@CPULIST]\n"
	           "                   a device interrupt of the domain (repeatable; devhandle\n"
	           "                   0-7, devino 0-255, affinity like 64-127,200, default all\n"
	           "                   cpus): built by the real sun4v_build_irq at boot and\n"
	           "                   retargeted by the real fixup_irqs on every dr-cpu; the\n"
	           "                   result's \"interrupts\" gives its target and retargets\n"
	           "\nExit status: 0 the run did what the trace asked, 1 a verdict (a strand\n"
	           "faulted, a request got no reply, maps differ), 2 unusable input.\n");
}

static int write_atomic(const char *path, json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char err[256];
	int rc = text ? util_write_atomic(path, text, strlen(text), err, sizeof err) : -1;
	/* One message: the file and why (util_write_atomic names both). */
	if (rc)
		fprintf(stderr, "ldomsim run: %s\n",
		        text ? err : "cannot write the result: out of memory");
	free(text);
	return rc;
}

/* The option strings as the library's typed configuration (cli/options.h),
 * in static storage that outlives the run. 0, or -1 with err. */
static int typed_options(struct bench_run_cfg *cfg, const char *const *sets, size_t nset,
                         const char *const *injects, size_t ninject, const char *const *irqs,
                         size_t nirq, char *err, size_t n)
{
	static struct trace_param_value set_v[RUN_MAX_SETS];
	static struct bench_fault inject_v[RUN_MAX_INJECTS];
	static struct bench_irq irq_v[RUN_MAX_IRQS];
	for (size_t i = 0; i < nset; i++)
		if (cli_parse_set(sets[i], &set_v[i], err, n))
			return -1;
	if (ninject) {
		/* A fault's cpu is one of the trace's domain. */
		struct trace *t;
		struct trace_error te;
		if (trace_load(cfg->trace, &t, &te)) {
			snprintf(err, n, "%s", te.msg);
			return -1;
		}
		uint32_t max_cpus = trace_machine(t)->max_cpus;
		trace_free(t);
		for (size_t i = 0; i < ninject; i++)
			if (cli_parse_inject(injects[i], max_cpus, &inject_v[i], err, n))
				return -1;
	}
	for (size_t i = 0; i < nirq; i++)
		if (cli_parse_irq(irqs[i], irq_v, i, &irq_v[i], err, n))
			return -1;
	cfg->set = set_v;
	cfg->nset = nset;
	cfg->inject = inject_v;
	cfg->ninject = ninject;
	cfg->irq = irq_v;
	cfg->nirq = nirq;
	return 0;
}

int bench_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
	                                     {"json", required_argument, NULL, 'o'},
	                                     {"log", no_argument, NULL, 'l'},
	                                     {"guest", required_argument, NULL, 'g'},
	                                     {"insn-budget", required_argument, NULL, 'b'},
	                                     {"set", required_argument, NULL, 's'},
	                                     {"profile", required_argument, NULL, 'p'},
	                                     {"no-profile", no_argument, NULL, 'n'},
	                                     {"memory-model", required_argument, NULL, 'M'},
	                                     {"no-snapshot", no_argument, NULL, 'S'},
	                                     {"snapshot-dir", required_argument, NULL, 'D'},
	                                     {"inject", required_argument, NULL, 'i'},
	                                     {"irq", required_argument, NULL, 'q'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct bench_run_cfg cfg;
	const char *out = NULL, *sets[RUN_MAX_SETS], *injects[RUN_MAX_INJECTS], *irqs[RUN_MAX_IRQS];
	size_t nset = 0, ninject = 0, nirq = 0;
	int log = 0, ch;
	char *end;
	bench_run_cfg_default(&cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'l':
			log = 1;
			break;
		case 'g':
			cfg.image = optarg;
			break;
		case 'b':
			/* strtoull takes a sign and wraps: digits only, no overflow. */
			errno = 0;
			cfg.insn_budget = isdigit((unsigned char)optarg[0])
			                      ? strtoull(optarg, &end, 0)
			                      : (end = optarg, 0);
			if (end == optarg || *end || errno == ERANGE || !cfg.insn_budget ||
			    cfg.insn_budget > SIM_INSN_BUDGET_MAX) {
				fprintf(
				    stderr,
				    "ldomsim run: --insn-budget: '%s' is not an integer in range "
				    "1..%llu instructions\n",
				    optarg, SIM_INSN_BUDGET_MAX);
				return 2;
			}
			break;
		case 's':
			if (nset == sizeof sets / sizeof sets[0]) {
				fprintf(stderr, "ldomsim run: too many --set\n");
				return 2;
			}
			sets[nset++] = optarg;
			break;
		case 'p':
			cfg.folded = optarg;
			break;
		case 'n':
			cfg.no_profile = 1;
			break;
		case 'S':
			cfg.no_snapshot = 1;
			break;
		case 'D':
			cfg.snapshot_dir = optarg;
			break;
		case 'M':
			if (!strcmp(optarg, "on") || !strcmp(optarg, "off")) {
				cfg.memory_model = !strcmp(optarg, "on");
				break;
			}
			fprintf(stderr, "ldomsim run: --memory-model: '%s' is not on or off\n",
			        optarg);
			return 2;
		case 'i':
			if (ninject == sizeof injects / sizeof injects[0]) {
				fprintf(stderr, "ldomsim run: too many --inject\n");
				return 2;
			}
			injects[ninject++] = optarg;
			break;
		case 'q':
			if (nirq == sizeof irqs / sizeof irqs[0]) {
				fprintf(stderr, "ldomsim run: too many --irq\n");
				return 2;
			}
			irqs[nirq++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	cfg.trace = argv[optind];
	struct bench_run *r;
	char err[1024];
	if (typed_options(&cfg, sets, nset, injects, ninject, irqs, nirq, err, sizeof err) ||
	    bench_run(&cfg, &r, err, sizeof err)) {
		fprintf(stderr, "ldomsim run: %s\n", err);
		return 2;
	}
	json_t *doc = bench_run_json(r, 1);
	if (log)
		bench_run_print_log(r, stdout);
	/* A summary a person reads. */
	json_t *ops = json_object_get(doc, "operations"), *o;
	size_t i;
	printf("ldomsim run %s: %s\n", cfg.trace,
	       json_string_value(json_object_get(doc, "verdict")));
	/* A boot snapshot that could not be used or saved (a hit or a miss is
	 * the result's simulator.snapshot): on stderr, stdout is the summary. */
	const char *note =
	    json_string_value(json_object_get(json_object_get(doc, "simulator"), "snapshot_note"));
	if (note)
		fprintf(stderr, "ldomsim run: boot snapshot: %s\n", note);
	json_array_foreach(ops, i, o)
	{
		json_t *lat = json_object_get(o, "latency_ns");
		printf("  %-10s req %-4lld ", json_string_value(json_object_get(o, "op")),
		       (long long)json_integer_value(json_object_get(o, "req_num")));
		if (json_is_integer(lat))
			printf("reply after %.3f ms\n", (double)json_integer_value(lat) / 1e6);
		else
			printf("no reply\n");
		json_t *cpus = json_object_get(o, "cpus"), *c;
		const char *what = strcmp(json_string_value(json_object_get(o, "op")), "configure")
		                       ? "offline"
		                       : "online";
		size_t k;
		json_array_foreach(cpus, k, c)
		{
			json_t *cl = json_object_get(c, "latency_ns");
			char when[32] = "never";
			if (cl)
				snprintf(when, sizeof when, "%.3f ms",
				         (double)json_integer_value(cl) / 1e6);
			printf("    cpu %-5lld result %lld stat %lld %s after %s\n",
			       (long long)json_integer_value(json_object_get(c, "cpu")),
			       (long long)json_integer_value(json_object_get(c, "result")),
			       (long long)json_integer_value(json_object_get(c, "stat")), what,
			       when);
		}
	}
	json_t *jirqs = json_object_get(doc, "interrupts"), *q;
	json_array_foreach(jirqs, i, q)
	{
		printf("  irq %-4lld dev %lld:%lld affinity %s: cpu %lld -> cpu %lld (%lld "
		       "retargets)%s\n",
		       (long long)json_integer_value(json_object_get(q, "irq")),
		       (long long)json_integer_value(json_object_get(q, "devhandle")),
		       (long long)json_integer_value(json_object_get(q, "devino")),
		       json_string_value(json_object_get(q, "affinity")),
		       (long long)json_integer_value(json_object_get(q, "target_boot")),
		       (long long)json_integer_value(json_object_get(q, "target_end")),
		       (long long)json_integer_value(json_object_get(q, "retargets")),
		       json_is_true(json_object_get(q, "target_running"))
		           ? ""
		           : "  WARNING: aimed at a stopped strand");
	}
	json_t *jf = json_object_get(doc, "faults");
	json_array_foreach(jf, i, q)
	{
		json_t *cpu = json_object_get(q, "cpu");
		char at[24] = "";
		if (json_is_integer(cpu))
			snprintf(at, sizeof at, "@%lld", (long long)json_integer_value(cpu));
		printf("  fault %s=%lld%s: failed %lld of %lld calls (%s)\n",
		       json_string_value(json_object_get(q, "fn")),
		       (long long)json_integer_value(json_object_get(q, "status")), at,
		       (long long)json_integer_value(json_object_get(q, "fired")),
		       (long long)json_integer_value(json_object_get(q, "count")),
		       json_string_value(json_object_get(q, "from")));
	}
	json_t *dom = json_object_get(doc, "domain");
	if (dom)
		printf("  domain %s on cpu %lld at %.6f ms: %s\n",
		       json_string_value(json_object_get(dom, "state")),
		       (long long)json_integer_value(json_object_get(dom, "cpu")),
		       (double)json_integer_value(json_object_get(dom, "scenario_ns")) / 1e6,
		       json_string_value(json_object_get(dom, "reason")));
	json_array_foreach(json_object_get(doc, "findings"), i, q)
	    printf("  finding: %s\n", json_string_value(json_object_get(q, "text")));
	json_array_foreach(json_object_get(json_object_get(doc, "capture"), "lost_events"), i, q)
	{
		json_t *ev = json_object_get(q, "events");
		char n[32] = "an unknown number of";
		if (json_is_integer(ev))
			snprintf(n, sizeof n, "%lld", (long long)json_integer_value(ev));
		printf("  capture: cpu %lld lost %s events (the trace is incomplete)\n",
		       (long long)json_integer_value(json_object_get(q, "cpu")), n);
	}
	json_t *topo = json_object_get(doc, "topology");
	if (json_integer_value(json_object_get(topo, "stale_bits")))
		printf("  topology: %s\n",
		       json_string_value(json_object_get(topo, "stale_report")));
	int rc = bench_run_ok(r) ? 0 : 1;
	if (out && write_atomic(out, doc))
		rc = 2;
	json_decref(doc);
	bench_run_free(r);
	return rc;
}
