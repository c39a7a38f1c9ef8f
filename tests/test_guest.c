/*
 * tests/test_guest.c — the guest image build (hvtramp/): a kernel-model
 * table that lacks a row the reachable kernel code needs is a build error
 * naming the symbol and the object; the default image carries a manifest.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run a command from the project root; returns its exit status and up to
 * n bytes of its combined output. MAKEFLAGS of an enclosing make would leak
 * its jobserver into the child: drop them. */
static int run(const char *cmd, char *out, size_t n)
{
	char full[1024];
	snprintf(full, sizeof full, "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS %s 2>&1", cmd);
	FILE *p = popen(full, "r");
	cr_assert_not_null(p);
	size_t len = fread(out, 1, n - 1, p);
	out[len] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(guest, missing_table_row_is_a_build_error_naming_symbol_and_object, .timeout = 120)
{
	char path[] = "/tmp/ldomsim-km-XXXXXX";
	int fd = mkstemp(path);
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
