/*
 * tests/test_guest.c — the guest image build (hvtramp/): a kernel-model
 * table that lacks a row the reachable kernel code needs is a build error
 * naming the symbol and the object; the default image carries a manifest.
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

Test(guest, manifest_describes_the_image)
{
	json_error_t e;
	json_t *m = json_load_file("build/guest/manifest.json", 0, &e);
	cr_assert_not_null(m, "%s", e.text);
	cr_expect_str_eq(json_string_value(json_object_get(m, "kernel_version")), "6.1.192");
	const char *sha = json_string_value(json_object_get(m, "source_sha256"));
	cr_assert_not_null(sha);
	cr_expect_eq(strlen(sha), 64);
	json_t *objs = json_object_get(m, "objects");
	cr_assert_not_null(objs);
	const char *need[] = {"hvtramp.o", "smp_64.o",   "mdesc.o",  "ds.o",
	                      "irq_64.o",  "traps_64.o", "hvcalls.o"};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		json_t *o = json_object_get(objs, need[i]);
		cr_assert_not_null(o, "manifest lacks %s", need[i]);
		const char *t = json_string_value(json_object_get(o, "text_sha256"));
		cr_expect(t && strlen(t) == 64, "%s text_sha256", need[i]);
		cr_expect(json_integer_value(json_object_get(o, "symbols")) > 0, "%s symbols",
		          need[i]);
	}
	json_decref(m);
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
	cr_expect_str_eq(json_string_value(json_object_get(g, "kernel_version")), "6.1.192");
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

/* A kernel whose layouts differ from the simulator's is refused at build
 * time, each difference named. */
Test(guest, layout_differences_are_named)
{
	char out[16384], cmd[2048];
	char d[256];
	test_tmpdir(d, sizeof d, "layout");
	snprintf(cmd, sizeof cmd,
	         "sed -e 's/^#define LX_TRAP_PER_CPU_SIZE .*/#define LX_TRAP_PER_CPU_SIZE 999/' "
	         "-e '/^#define LX_NR_IRQS /d' build/guest/offsets.h > %s/offsets.h && "
	         "echo '#define LX_NEW_FIELD 8' >> %s/offsets.h && "
	         "python3 hvtramp/guest.py layout --name other build/guest/offsets.h %s/offsets.h "
	         "%s/ok",
	         d, d, d, d);
	cr_expect_eq(run(cmd, out, sizeof out), 1, "%s", out);
	cr_expect(strstr(out, "guest other: its kernel's layouts differ") != NULL, "%s", out);
	cr_expect(strstr(out, "3 difference(s)") != NULL, "%s", out);
	cr_expect(strstr(out, "LX_TRAP_PER_CPU_SIZE:") && strstr(out, "999 in this kernel"), "%s",
	          out);
	cr_expect(strstr(out, "LX_NR_IRQS:") && strstr(out, "absent from this kernel"), "%s", out);
	cr_expect(strstr(out, "LX_NEW_FIELD: 8 in this kernel, unknown to the simulator"), "%s",
	          out);
	snprintf(cmd, sizeof cmd, "test -e %s/ok", d);
	cr_expect_neq(run(cmd, out, sizeof out), 0, "no stamp on a mismatch");
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	run(cmd, out, sizeof out);
}

/* An image that no longer matches its manifest (a stale or hand-edited
 * build) is refused, naming both. */
Test(guest, image_not_matching_its_manifest_is_refused, .timeout = 120)
{
	char out[16384], cmd[2048];
	char d[256];
	test_tmpdir(d, sizeof d, "stale");
	snprintf(cmd, sizeof cmd,
	         "cp build/guest/guest.elf build/guest/manifest.json %s/ && printf x >> "
	         "%s/guest.elf && build/ldomsim run traces/default/trace.json --guest %s/guest.elf",
	         d, d, d);
	cr_expect_eq(run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "does not match") && strstr(out, "manifest.json"), "%s", out);
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
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
