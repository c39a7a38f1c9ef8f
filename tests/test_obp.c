/*
 * tests/test_obp.c — OBP on strands the hypervisor started, and a domain
 * that powers itself off: with CPU_QCONF failing on a new strand the real
 * register_one_mondo (inlined into sun4v_register_mondo_queues) calls
 * prom_printf and prom_halt there; 6.1 with domaining enabled powers the
 * domain off (ldom_power_off → MACH_EXIT), after which nothing runs.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/run.h"
#include "cli/options.h"
#include "tests/util.h"

static json_t *run_trace(const char *trace, const char *inject, int *ok)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	struct bench_fault inj[1];
	if (inject)
		cr_assert_eq(cli_parse_inject(inject, TRACE_MAX_CPUS, &inj[0], err, sizeof err), 0,
		             "%s", err);
	test_run_cfg(&cfg, trace);
	cfg.inject = inject ? inj : NULL;
	cfg.ninject = inject != NULL;
	cr_assert_eq(bench_run(&cfg, &r, err, sizeof err), 0, "%s", err);
	json_t *doc = bench_run_json(r, 1);
	*ok = bench_run_ok(r);
	bench_run_free(r);
	return doc;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Whether cpu is in a "0-59,61" list. */
static int in_list(const char *list, int cpu)
{
	for (const char *p = list; *p;) {
		char *e;
		long a = strtol(p, &e, 10), b = a;
		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		if (cpu >= a && cpu <= b)
			return 1;
		p = *e == ',' ? e + 1 : e;
		if (e == p && *p != ',')
			break;
	}
	return 0;
}

/* The OBP finding for fn, or NULL. */
static json_t *finding(json_t *doc, const char *fn)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f)
	{
		if (!strcmp(str(f, "kind"), "obp-call") && !strcmp(str(f, "fn"), fn))
			return f;
	}
	return NULL;
}

/* No kernel-log line is later than the power-off: nothing ran after it. */
static void expect_silent_after(json_t *doc, json_int_t off_ns)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(doc, "log"), i, l)
	{
		json_int_t t = json_integer_value(json_object_get(l, "t_ns"));
		cr_expect(t <= off_ns, "log line at %lld after the power-off at %lld: %s",
		          (long long)t, (long long)off_ns, str(l, "text"));
	}
}

Test(obp, qconf_failure_on_a_new_strand_powers_the_domain_off, .timeout = 120)
{
	int ok = 1;
	json_t *doc = run_trace("traces/default/trace.json", "cpu_qconf=EINVAL@60", &ok);
	cr_expect(!ok);
	const char *verdict = str(doc, "verdict");
	cr_expect(strstr(verdict, "powered off") && strstr(verdict, "cpu 60"), "%s", verdict);
	json_t *d = json_object_get(doc, "domain");
	cr_assert(json_is_object(d), "no domain state in the result");
	cr_expect_str_eq(str(d, "state"), "powered-off");
	cr_expect_eq(json_integer_value(json_object_get(d, "cpu")), 60);
	cr_expect(strstr(str(d, "reason"), "prom_halt") && strstr(str(d, "reason"), "MACH_EXIT"),
	          "%s", str(d, "reason"));
	cr_expect(strstr(str(d, "console"), "sun4v_cpu_qconf(60:"), "%s", str(d, "console"));
	cr_expect(strstr(str(d, "where"), "sun4v_mach_exit"), "%s", str(d, "where"));
	json_int_t off = json_integer_value(json_object_get(d, "stopped_ns"));
	cr_expect(off > 0);
	/* The configure is never answered, no cpu of it comes online. */
	json_t *op = json_array_get(json_object_get(doc, "operations"), 1);
	cr_expect_str_eq(str(op, "op"), "configure");
	cr_expect(json_is_null(json_object_get(op, "reply_ns")), "the configure got a reply");
	/* cpus 56-59 came up before 60 failed; 60-63 never do. */
	const char *online = str(doc, "online_mask");
	for (int cpu = 56; cpu <= 63; cpu++)
		cr_expect(in_list(online, cpu) == (cpu < 60), "cpu %d online: %d (%s)", cpu,
		          in_list(online, cpu), online);
	cr_expect(in_list(online, 0) && in_list(online, 55), "%s", online);
	cr_expect_str_eq(str(doc, "hv_running_mask"), "", "strands still run after MACH_EXIT");
	expect_silent_after(doc, off);
	/* The OBP calls on the strand the hypervisor started, with their caller
	 * (register_one_mondo is static and inlined: the image names its caller). */
	json_t *pf = finding(doc, "prom_printf"), *ph = finding(doc, "prom_halt");
	cr_assert_not_null(pf, "no OBP finding for prom_printf");
	cr_assert_not_null(ph, "no OBP finding for prom_halt");
	cr_expect_eq(json_integer_value(json_object_get(pf, "cpu")), 60);
	cr_expect(strstr(str(pf, "caller"), "sun4v_register_mondo_queues+0x"), "%s",
	          str(pf, "caller"));
	cr_expect(
	    strstr(str(pf, "text"), "OBP call prom_printf from sun4v_register_mondo_queues+") &&
	        strstr(str(pf, "text"), "on cpu 60, a strand the hypervisor started"),
	    "%s", str(pf, "text"));
	json_decref(doc);
}

/* A later operation is never played once the domain is off: two configure
 * requests of four cpus, the first powers the domain off. */
Test(obp, no_operation_after_the_power_off, .timeout = 120)
{
	char trace[1100];
	int ok = 1;
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 56 --add 8 --batch 4");
	json_t *doc = run_trace(trace, "cpu_qconf=EINVAL@57", &ok);
	cr_expect(!ok);
	json_t *ops = json_object_get(doc, "operations");
	cr_assert_eq(json_array_size(ops), 3);
	cr_expect(json_is_null(json_object_get(json_array_get(ops, 1), "reply_ns")));
	cr_expect(json_is_null(json_object_get(json_array_get(ops, 2), "request_ns")),
	          "the second configure was sent to a powered-off domain");
	json_t *d = json_object_get(doc, "domain");
	cr_expect_eq(json_integer_value(json_object_get(d, "cpu")), 57);
	const char *online = str(doc, "online_mask");
	for (int cpu = 56; cpu <= 63; cpu++)
		cr_expect(in_list(online, cpu) == (cpu < 57), "cpu %d online: %d (%s)", cpu,
		          in_list(online, cpu), online);
	expect_silent_after(doc, json_integer_value(json_object_get(d, "stopped_ns")));
	json_decref(doc);
}

Test(obp, default_run_has_no_finding_and_a_running_domain, .timeout = 120)
{
	int ok = 0;
	json_t *doc = run_trace("traces/default/trace.json", NULL, &ok);
	cr_expect(ok, "%s", str(doc, "verdict"));
	cr_expect_null(json_object_get(doc, "findings"));
	cr_expect_null(json_object_get(doc, "domain"));
	json_decref(doc);
}

/* The command: exit 1, the summary names the power-off and the finding. */
Test(obp, command_exits_1_and_prints_the_finding, .timeout = 120)
{
	char out[1100], cmd[1400], text[16384];
	test_tmpfile(out, sizeof out, "obp-result");
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim run traces/default/trace.json --inject cpu_qconf=EINVAL@60 -o %s",
	         out);
	cr_expect_eq(test_run(cmd, text, sizeof text), 1);
	cr_expect(strstr(text, "domain powered-off on cpu 60"), "%s", text);
	cr_expect(strstr(text, "finding: OBP call prom_printf from sun4v_register_mondo_queues+"),
	          "%s", text);
	json_error_t je;
	json_t *doc = json_load_file(out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	json_t *v = json_object_get(doc, "version");
	cr_expect(json_integer_value(json_array_get(v, 1)) >= 3);
	json_decref(doc);
}
