/*
 * tests/test_suite_rules.c — rules the test sources keep so that the suite
 * stays fast and survives a change of kernel: no test of the fast binary
 * builds a guest image (those are in tests/slow/, make check-slow), and no
 * test names the kernel version, which comes from the generated header.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/util.h"

Test(suite_rules, no_fast_test_builds_another_guest_image)
{
	char out[8192];
	/* A further image: `make guest` given a GUEST, KM_TABLE or PATCHES
	 * value (a missing KERNEL_SRC, refused at once, builds nothing). */
	int rc = test_run("grep -nE 'make[^\"]* guest [^\"]*(GUEST|KM_TABLE|PATCHES)=' tests/*.c",
	                  out, sizeof out);
	cr_assert_eq(rc, 1, "guest builds in the fast suite (move them to tests/slow/):\n%s", out);
}

Test(suite_rules, no_test_names_the_kernel_version_literally)
{
	char out[8192];
	int rc = test_sh("grep -rnF '\"%s\"' tests/ >/dev/null", test_kernel_version());
	if (rc != 1) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "grep -rnF '\"%s\"' tests/", test_kernel_version());
		test_run(cmd, out, sizeof out);
	}
	cr_assert_eq(rc, 1, "the literal \"%s\" in the tests (use test_kernel_version()):\n%s",
	             test_kernel_version(), rc == 1 ? "" : out);
}

/* `make check-slow` on a fresh clone plans the package install before the
 * kernel extraction, as `make check` does
 * (build::fresh_machine_plans_the_package_install_first). */
Test(suite_rules, check_slow_on_a_fresh_clone_plans_the_package_install_first, .timeout = 120)
{
	static char out[1 << 18];
	char dir[1024], cmd[4096];
	test_tmpdir(dir, sizeof dir, "fresh-slow");
	cr_assert_eq(test_sh("git ls-files -z | xargs -0 cp --parents -t %s", dir), 0);
	/* Not CI's fuzzing block, nor an enclosing make's jobserver; the
	 * default tarball's path made absent. */
	snprintf(cmd, sizeof cmd,
	         "env -u CI -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -n -C %s check-slow "
	         "KERNEL_SRC=%s/usr-src/linux-source.tar.xz 2>&1",
	         dir, dir);
	int rc = test_run(cmd, out, sizeof out);
	cr_assert_eq(rc, 0, "make -n check-slow failed:\n%s", out);
	const char *deps = strstr(out, "scripts/deps.sh");
	const char *extract = strstr(out, "kernel.sh extract");
	const char *slow = strstr(out, "ldomsim-tests-slow");
	cr_assert(deps && extract && slow,
	          "deps.sh, the extraction and the slow tests planned:\n%s", out);
	cr_assert(deps < extract, "deps.sh after the kernel extraction:\n%s", out);
}
