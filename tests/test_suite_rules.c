/*
 * tests/test_suite_rules.c — rules the test sources keep so that the suite
 * stays fast and survives a change of kernel: no test of the fast binary
 * builds a guest image (those are in tests/slow/, make check-slow), and no
 * test names the kernel version, which comes from the generated header.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "guest/offsets.h" /* LX_KERNEL_VERSION: the kernel the guest was built from */
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
	int rc = test_sh("grep -rnF '\"%s\"' tests/ >/dev/null", LX_KERNEL_VERSION);
	if (rc != 1)
		test_run("grep -rnF '\"" LX_KERNEL_VERSION "\"' tests/", out, sizeof out);
	cr_assert_eq(rc, 1, "the literal \"%s\" in the tests (use LX_KERNEL_VERSION):\n%s",
	             LX_KERNEL_VERSION, rc == 1 ? "" : out);
}
