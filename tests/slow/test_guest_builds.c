/*
 * tests/slow/test_guest_builds.c — tests that build guest images from
 * inside the run (`make guest` with another kernel-model table, a second
 * guest, a patched kernel): minutes on a fresh machine, so they live in
 * their own binary, build/ldomsim-tests-slow, run by `make check-slow`
 * (CI runs it after `make check`).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/util.h"

/* Run a command from the project root; returns its exit status and up to
 * n bytes of its combined output. MAKEFLAGS of an enclosing make would leak
 * its jobserver into the child: drop them. */
static int run(const char *cmd, char *out, size_t n)
{
	char full[2200];
	snprintf(full, sizeof full, "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS %s 2>&1", cmd);
	return test_run(full, out, n);
}

Test(guest, missing_table_row_is_a_build_error_naming_symbol_and_object, .timeout = 120)
{
	char path[256];
	test_tmpfile(path, sizeof path, "km");
	int fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert(fd >= 0);
	FILE *in = fopen("kernel-model/entries.def", "r"), *out = fdopen(fd, "w");
	cr_assert_not_null(in);
	char line[512];
	int dropped = 0;
	while (fgets(line, sizeof line, in)) {
		if (!strncmp(line, "KM_", 3) &&
		    (strstr(line, "(udelay)") || strstr(line, "(udelay,"))) {
			dropped = 1;
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	fclose(out);
	cr_assert(dropped, "entries.def has no udelay row to drop");
	char cmd[512], outbuf[16384];
	snprintf(cmd, sizeof cmd, "make -s guest KM_TABLE=%s GUEST_DIR=build/guest-kmtest", path);
	int rc = run(cmd, outbuf, sizeof outbuf);
	unlink(path);
	cr_expect_neq(rc, 0, "the build must fail");
	cr_expect(strstr(outbuf, "'udelay' (needed by") != NULL, "%s", outbuf);
	cr_expect(strstr(outbuf, "smp_64.o") != NULL, "names the object: %s", outbuf);
	cr_expect(strstr(outbuf, "has no entry in") != NULL, "%s", outbuf);
	run("rm -rf build/guest-kmtest", outbuf, sizeof outbuf);
}

/* Two kernels, one compare: a second guest built from the same source
 * (make guest GUEST=NAME) is the same image, its results equal the
 * default's, and each result names the guest that made it. */
Test(guest, second_guest_from_the_same_source_gives_identical_results, .timeout = 300)
{
	char out[16384], cmd[2048];
	char d[256];
	test_tmpdir(d, sizeof d, "guest2");
	cr_assert_eq(run("make -s guest GUEST=test-same", out, sizeof out), 0, "%s", out);
	cr_expect_eq(
	    run("cmp build/guest/guest.elf build/guests/test-same/guest.elf", out, sizeof out), 0,
	    "the same image: %s", out);
	snprintf(
	    cmd, sizeof cmd,
	    "build/ldomsim run traces/default/trace.json --json %s/a.json && "
	    "build/ldomsim run traces/default/trace.json --guest test-same --json %s/b.json && "
	    "build/ldomsim compare %s/a.json %s/b.json",
	    d, d, d, d);
	cr_expect_eq(run(cmd, out, sizeof out), 0, "%s", out);
	snprintf(cmd, sizeof cmd, "%s/b.json", d);
	json_error_t je;
	json_t *doc = json_load_file(cmd, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	json_t *g = json_object_get(json_object_get(doc, "config"), "guest");
	cr_expect_str_eq(json_string_value(json_object_get(g, "name")), "test-same");
	cr_expect_str_eq(json_string_value(json_object_get(g, "kernel_version")),
	                 test_kernel_version());
	cr_expect(json_is_string(json_object_get(json_object_get(g, "objects"), "smp_64.o")));
	json_decref(doc);
	/* ... and two sweeps, one per guest, compare equal row by row */
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim sweep --shape t2 --present 16,32 --add 4 --no-plots -o %s/sa && "
	         "build/ldomsim sweep --shape t2 --present 16,32 --add 4 --no-plots --guest "
	         "test-same -o %s/sb && build/ldomsim compare %s/sa %s/sb",
	         d, d, d, d);
	cr_expect_eq(run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect(strstr(out, "fn_mdesc_fill_in_cpu_data_insns"), "per-function rows: %s", out);
	snprintf(cmd, sizeof cmd, "rm -rf %s build/guests/test-same", d);
	run(cmd, out, sizeof out);
}

/* The what-if guest (hvtramp/patches/incremental-topology.patch): its maps
 * equal the host computation on every shipped shape, and its topology-map
 * cost grows measurably slower than 6.1's (fitted exponent < 1.5 over
 * M7-16 256..2048 present, where 6.1's is ~1.7). */
Test(guest, incremental_topology_patch_keeps_the_maps_and_lowers_the_exponent, .timeout = 600)
{
	static const char *const shapes[] = {"default", "t2", "t4-4", "t5-8", "m8-8", "m7-16"};
	char out[16384], cmd[2048];
	char d[256];
	test_tmpdir(d, sizeof d, "whatif");
	cr_assert_eq(run("make -s guest GUEST=whatif-incremental-topology "
	                 "PATCHES=hvtramp/patches/incremental-topology.patch",
	                 out, sizeof out),
	             0, "%s", out);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		snprintf(
		    cmd, sizeof cmd,
		    "build/ldomsim run traces/%s/trace.json --guest whatif-incremental-topology "
		    "--no-profile --json %s/%s.json >/dev/null",
		    shapes[i], d, shapes[i]);
		cr_expect_eq(run(cmd, out, sizeof out), 0, "%s: %s", shapes[i], out);
		snprintf(cmd, sizeof cmd, "%s/%s.json", d, shapes[i]);
		json_t *doc = json_load_file(cmd, 0, NULL);
		cr_assert_not_null(doc, "%s", cmd);
		cr_expect(json_is_true(json_object_get(doc, "ok")), "%s", shapes[i]);
		cr_expect_eq(json_integer_value(
		                 json_object_get(json_object_get(doc, "topology"), "differences")),
		             0, "%s: maps equal the host computation", shapes[i]);
		json_decref(doc);
	}
	snprintf(
	    cmd, sizeof cmd,
	    "build/ldomsim sweep --shape m7-16 --present 256,512,1024,2048 --add 64 --no-plots "
	    "--guest whatif-incremental-topology -o %s/sweep",
	    d);
	cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
	snprintf(cmd, sizeof cmd, "%s/sweep/summary.json", d);
	json_t *sum = json_load_file(cmd, 0, NULL);
	cr_assert_not_null(sum);
	json_t *fit = json_array_get(json_object_get(sum, "fits"), 0);
	double k = json_real_value(json_object_get(fit, "exponent"));
	cr_expect(k > 0.3 && k < 1.5, "topology-cost exponent %.2f", k);
	json_decref(sum);
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	run(cmd, out, sizeof out);
}
