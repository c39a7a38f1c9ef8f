/*
 * tests/test_guest.c — the guest image (hvtramp/): the default image
 * carries a manifest, a kernel with other layouts is refused, and a stale
 * image is refused. Tests that build another guest image are in
 * tests/slow/ (make check-slow).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "guest/offsets.h" /* LX_KERNEL_VERSION: the kernel the guest was built from */
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

Test(guest, manifest_describes_the_image)
{
	json_error_t e;
	json_t *m = json_load_file("build/guest/manifest.json", 0, &e);
	cr_assert_not_null(m, "%s", e.text);
	cr_expect_str_eq(json_string_value(json_object_get(m, "kernel_version")),
	                 LX_KERNEL_VERSION);
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
