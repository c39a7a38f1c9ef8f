/*
 * tests/test_util.c — the suite's own temporary files: every test's folders
 * live under one root inside $TMPDIR that the runner removes after the last
 * test, also when a test fails (scripts/check-tmp.sh, run by make check,
 * checks that nothing is left behind).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/util.h"

Test(util, temporary_folders_live_under_the_suite_root_inside_TMPDIR)
{
	const char *t = getenv("TMPDIR");
	char want[1024], d[1024], f[1024];
	snprintf(want, sizeof want, "%s/ldomsim-tests-", t && *t ? t : "/tmp");
	cr_assert_eq(strncmp(test_tmproot(), want, strlen(want)), 0, "root %s is not under %s",
	             test_tmproot(), want);
	test_tmpdir(d, sizeof d, "util");
	test_tmpfile(f, sizeof f, "util");
	struct stat st;
	cr_assert_eq(stat(d, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(stat(f, &st), 0);
	cr_assert(S_ISREG(st.st_mode) && st.st_size == 0);
	cr_assert_eq(strncmp(d, test_tmproot(), strlen(test_tmproot())), 0, "%s", d);
	cr_assert_eq(strncmp(f, test_tmproot(), strlen(test_tmproot())), 0, "%s", f);
	cr_assert_str_neq(d, f);
}

/* Run by scripts/check-tmp.sh only: a test that fails an assertion with its
 * temporary folder full must still leave nothing behind. */
Test(util, failing_test_leaves_no_temporary_files)
{
	if (!getenv("LDOMSIM_TMP_FAIL_ON_PURPOSE"))
		cr_skip_test("run by scripts/check-tmp.sh");
	char d[1024];
	test_tmpdir(d, sizeof d, "fails");
	cr_assert_eq(test_sh("echo x > %s/file", d), 0);
	cr_assert_fail("failing on purpose with %s full", d);
}
