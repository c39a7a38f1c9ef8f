/*
 * tests/slow/test_kernel_versions.c — a second kernel version (issue 12):
 * Debian's linux-source-6.12 built as the guest linux-6.12 with the same
 * ldomsim (its layouts are read from its manifest at run time), and every
 * shipped trace, the real captures, fault injection, interrupts and the
 * real hv_cpu_startup run on it with the topology maps equal to the host
 * computation.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/util.h"

#define GUEST_612 "linux-6.12"
#define SRC_612   "/usr/src/linux-source-6.12.tar.xz"

/* Run a command from the project root; its exit status and up to n bytes
 * of its combined output (an enclosing make's jobserver dropped). */
static int run(const char *cmd, char *out, size_t n)
{
	char full[4400];
	snprintf(full, sizeof full, "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS %s 2>&1", cmd);
	return test_run(full, out, n);
}

/* make guest GUEST=linux-6.12 (installs the source package on demand; a
 * second call does nothing). Criterion runs the tests of this file in
 * parallel: one build at a time (flock), the others wait for it. Fails
 * the test when the build fails. */
static void build_612(void)
{
	static char out[1 << 16];
	int rc =
	    run("mkdir -p build/guests && flock build/guests/." GUEST_612 ".lock make -s guest "
	        "GUEST=" GUEST_612 " KERNEL_SRC=" SRC_612,
	        out, sizeof out);
	cr_assert_eq(rc, 0, "make guest GUEST=" GUEST_612 ": %s", out);
}

/* `ldomsim run TRACE --guest linux-6.12 ARGS`: its exit status; the
 * result document (the caller frees it) into *doc. */
static int run_612(const char *trace, const char *args, json_t **doc)
{
	char res[256], cmd[1024];
	static char out[1 << 16];
	test_tmpfile(res, sizeof res, "r612");
	snprintf(cmd, sizeof cmd, "build/ldomsim run %s --guest " GUEST_612 " %s -o %s", trace,
	         args, res);
	int rc = run(cmd, out, sizeof out);
	json_error_t e;
	*doc = json_load_file(res, 0, &e);
	cr_assert_not_null(*doc, "%s: no result (%s): %s", trace, e.text, out);
	return rc;
}

/* The result describes a 6.12 guest: config.guest names it and its kernel
 * version, and config.kernel_version says the same. */
static void expect_612(json_t *doc, const char *what)
{
	json_t *cfg = json_object_get(doc, "config");
	json_t *g = json_object_get(cfg, "guest");
	const char *kv = json_string_value(json_object_get(g, "kernel_version"));
	cr_expect(kv && !strncmp(kv, "6.12.", 5), "%s: config.guest.kernel_version %s", what,
	          kv ? kv : "(none)");
	cr_expect_str_eq(json_string_value(json_object_get(g, "name")), GUEST_612, "%s", what);
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "kernel_version")), kv ? kv : "",
	                 "%s", what);
	cr_expect_str_neq(kv ? kv : "", test_kernel_version(), "%s: not the default guest", what);
}

/* Every operation got its reply, every configured cpu but failed_cpu (-1:
 * none) came online (result 0; failed_cpu's is an error), and the topology
 * maps equal the host computation of the last MD. */
static void expect_replies_and_maps_but(json_t *doc, const char *what, int failed_cpu)
{
	cr_expect(json_is_true(json_object_get(doc, "ok")), "%s: verdict %s", what,
	          json_string_value(json_object_get(doc, "verdict")));
	size_t i;
	json_t *op;
	json_array_foreach(json_object_get(doc, "operations"), i, op)
	{
		cr_expect(json_is_integer(json_object_get(op, "reply_ns")),
		          "%s: op %zu has no reply", what, i);
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(op, "cpus"), k, c)
		{
			int cpu = (int)json_integer_value(json_object_get(c, "cpu"));
			json_int_t r = json_integer_value(json_object_get(c, "result"));
			cr_expect(cpu == failed_cpu ? r != 0 : r == 0,
			          "%s: op %zu cpu %d result %lld", what, i, cpu, (long long)r);
		}
	}
	json_t *topo = json_object_get(doc, "topology");
	cr_expect_eq(json_integer_value(json_object_get(topo, "differences")), 0, "%s: %s", what,
	             json_string_value(json_object_get(topo, "report")));
	cr_expect(json_is_false(json_object_get(topo, "host_refused")), "%s", what);
}

static void expect_replies_and_maps(json_t *doc, const char *what)
{
	expect_replies_and_maps_but(doc, what, -1);
}

Test(kernel_612, shipped_traces_run_with_maps_equal_to_the_host, .timeout = 1800)
{
	build_612();
	static const char *const traces[] = {"default", "t2", "t4-4", "t5-8", "m8-8", "m7-16"};
	for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
		char trace[128];
		json_t *doc;
		snprintf(trace, sizeof trace, "traces/%s/trace.json", traces[i]);
		cr_expect_eq(run_612(trace, "", &doc), 0, "%s", trace);
		expect_612(doc, trace);
		expect_replies_and_maps(doc, trace);
		json_decref(doc);
	}
}

/* The real firmware-built MDs: configure, md-update only, and both
 * unconfigure captures. */
Test(kernel_612, real_captures_run_with_maps_equal_to_the_host, .timeout = 600)
{
	build_612();
	static const char *const caps[] = {
	    "t1-real-1up-1g2p", "t1-real-1g2p-1g32p", "t1-real-md-update-only",
	    "t1-real-unconfigure-gen1-only", "t1-real-unconfigure-no-md-update"};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		char trace[160];
		json_t *doc;
		snprintf(trace, sizeof trace, "traces/testdata/%s/trace.json", caps[i]);
		cr_expect_eq(run_612(trace, "", &doc), 0, "%s", trace);
		expect_612(doc, trace);
		expect_replies_and_maps(doc, trace);
		json_decref(doc);
	}
}

/* Fault injection and interrupts on 6.12: a CPU_START that keeps failing
 * (the cpu is reported failed, the others come online), a
 * failed cpu_qconf halting the domain through the real prom_halt path, and
 * --irq sources retargeted by the real fixup_irqs. */
Test(kernel_612, faults_and_interrupts, .timeout = 600)
{
	build_612();
	json_t *doc;
	const char *d = "traces/default/trace.json";
	cr_expect_eq(run_612(d, "--inject cpu_start=EWOULDBLOCKx2@57", &doc), 0);
	expect_612(doc, "cpu_start fails");
	expect_replies_and_maps_but(doc, "cpu_start fails", 57);
	json_decref(doc);

	cr_expect_eq(run_612(d, "--irq 0x1:0x5@56-63", &doc), 0);
	expect_612(doc, "--irq");
	expect_replies_and_maps(doc, "--irq");
	cr_expect_gt(json_array_size(json_object_get(doc, "interrupts")), 0);
	json_decref(doc);

	cr_expect_eq(run_612(d, "--inject cpu_qconf=EINVAL@60", &doc), 1);
	expect_612(doc, "cpu_qconf fails");
	const char *v = json_string_value(json_object_get(doc, "verdict"));
	cr_expect(v && strstr(v, "powered off") && strstr(v, "prom_halt"), "%s", v ? v : "(none)");
	json_decref(doc);
}

/* The self-test's second part runs the 6.12 image's real hv_cpu_startup
 * up to smp_callin and reports the guest's kernel version. */
Test(kernel_612, selftest_runs_the_real_hv_cpu_startup, .timeout = 300)
{
	build_612();
	static char out[1 << 16];
	int rc = run("build/ldomsim selftest --json --guest build/guests/" GUEST_612 "/guest.elf",
	             out, sizeof out);
	cr_assert_eq(rc, 0, "%s", out);
	json_error_t e;
	json_t *doc = json_loads(out, 0, &e);
	cr_assert_not_null(doc, "%s: %s", e.text, out);
	char *text = json_dumps(doc, JSON_COMPACT);
	cr_expect(strstr(text, "6.12.") != NULL, "kernel version in %s", text);
	cr_expect(strstr(text, "smp_callin") != NULL, "%s", text);
	free(text);
	json_decref(doc);
}
