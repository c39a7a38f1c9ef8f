/*
 * tests/test_guest.c — the guest image (hvtramp/): the default image
 * carries a manifest with its layouts, which the simulator reads at run
 * time (a missing or unusable one is refused by name), and a stale image is
 * refused. Tests that build another guest image are in
 * tests/slow/ (make check-slow).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lx/lx.h"
#include "tests/util.h"

/* Run a command from the project root; returns its exit status and up to
 * n bytes of its combined output. MAKEFLAGS of an enclosing make would leak
 * its jobserver into the child: drop them. */
static int run(const char *cmd, char *out, size_t n)
{
	char full[4400];
	snprintf(full, sizeof full, "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS %s 2>&1", cmd);
	return test_run(full, out, n);
}

Test(guest, manifest_describes_the_image)
{
	json_error_t e;
	json_t *m = json_load_file("build/guest/manifest.json", 0, &e);
	cr_assert_not_null(m, "%s", e.text);
	cr_expect_str_eq(json_string_value(json_object_get(m, "kernel_version")),
	                 test_kernel_version());
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

/* A copy of the default guest in a new folder with its manifest's layout
 * edited by a python expression on `l` (the "layout" object); then `ldomsim
 * run` of the default trace on it. Returns the exit status, output in out. */
static int run_with_layout(const char *edit, char *out, size_t n)
{
	char d[256], cmd[4096];
	test_tmpdir(d, sizeof d, "layout");
	snprintf(cmd, sizeof cmd,
	         "cp build/guest/guest.elf %s/ && python3 -c 'import json,sys; "
	         "m=json.load(open(\"build/guest/manifest.json\")); l=m[\"layout\"]; %s; "
	         "json.dump(m, open(sys.argv[1], \"w\"))' %s/manifest.json && "
	         "build/ldomsim run traces/default/trace.json --guest %s/guest.elf -o %s/r.json",
	         d, edit, d, d, d);
	return run(cmd, out, n);
}

/* The layouts come from the guest at run time: the manifest's own values
 * are used (a wrong trap_block stride breaks the real code), a missing name
 * is refused naming it, a value that would size host arrays out of bounds is
 * refused naming the bound, and a manifest from before layouts were
 * recorded asks for a rebuild. */
Test(guest, layouts_are_read_from_the_guest_at_run_time, .timeout = 120)
{
	char out[16384];
	cr_expect_eq(run_with_layout("pass", out, sizeof out), 0, "unchanged copy: %s", out);
	cr_expect_neq(run_with_layout("l[\"TRAP_PER_CPU_SIZE\"]=128", out, sizeof out), 0,
	              "a wrong trap_per_cpu size went unnoticed: %s", out);
	cr_expect_eq(run_with_layout("del l[\"TASK_PID\"]", out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "layout lacks LX_TASK_PID") && strstr(out, "manifest.json"), "%s",
	          out);
	cr_expect_eq(
	    run_with_layout("l[\"NR_CPUS\"]=8192; l[\"CPUMASK_SIZE\"]=1024", out, sizeof out), 2,
	    "%s", out);
	cr_expect(strstr(out, "LX_NR_CPUS 8192 out of range") != NULL, "%s", out);
	cr_expect_eq(run_with_layout("del m[\"layout\"]", out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "no \"layout\" object") && strstr(out, "make guest"), "%s", out);
}

/* Every row of lx/lx.def is required: removing any one name from the
 * default guest's layout is refused with exactly that name. */
Test(guest, every_layout_name_is_required)
{
	json_error_t e;
	json_t *m = json_load_file("build/guest/manifest.json", 0, &e);
	cr_assert_not_null(m, "%s", e.text);
	struct lx_layout l;
	char err[512], want[96];
	cr_assert_eq(lx_layout_from_json(m, "m", &l, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(l.kernel_version, test_kernel_version());
	cr_expect_gt(lx_count(), 80);
	for (size_t i = 0; i < lx_count(); i++) {
		json_t *copy = json_deep_copy(m);
		json_object_del(json_object_get(copy, "layout"), lx_name(i));
		cr_expect_eq(lx_layout_from_json(copy, "m", &l, err, sizeof err), -1, "%s accepted",
		             lx_name(i));
		snprintf(want, sizeof want, "layout lacks LX_%s,", lx_name(i));
		cr_expect_not_null(strstr(err, want), "%s: %s", lx_name(i), err);
		json_decref(copy);
	}
	json_decref(m);
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
