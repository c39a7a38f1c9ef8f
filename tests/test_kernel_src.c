/*
 * tests/test_kernel_src.c — a guest built from another Debian kernel
 * source installs that package on demand (scripts/deps.sh PACKAGE), not for
 * everyone; deps.sh refuses what is not a package name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/util.h"

/* make -n of the tarball itself: plans its install, builds no guest. */
static int plan_tarball(const char *tarball, char *out, size_t cap)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
	         "env -u CI -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -n %s KERNEL_SRC=%s 2>&1",
	         tarball, tarball);
	return test_run(cmd, out, cap);
}

Test(kernel_src, debian_tarball_is_installed_on_demand)
{
	static char out[1 << 16];
	int rc = plan_tarball("/usr/src/linux-source-0.0.tar.xz", out, sizeof out);
	cr_assert_eq(rc, 0, "make -n failed:\n%s", out);
	cr_assert(strstr(out, "scripts/deps.sh linux-source-0.0"),
	          "the install of linux-source-0.0 is not planned:\n%s", out);
}

Test(kernel_src, other_missing_tarball_installs_nothing)
{
	static char out[1 << 16];
	char dir[1024], tarball[1100];
	test_tmpdir(dir, sizeof dir, "kernel-src");
	snprintf(tarball, sizeof tarball, "%s/linux-source-0.0.tar.xz", dir);
	int rc = plan_tarball(tarball, out, sizeof out);
	cr_assert_eq(rc, 0, "make -n failed:\n%s", out);
	cr_assert_null(strstr(out, "deps.sh linux-source"),
	               "an install planned for a tarball outside /usr/src:\n%s", out);
	cr_assert(strstr(out, "not found"), "the missing tarball is not refused by name:\n%s", out);
}

Test(kernel_src, deps_refuses_a_bad_package_name)
{
	char out[4096];
	int rc = test_run("scripts/deps.sh 'linux-source-6.12;true' 2>&1", out, sizeof out);
	cr_assert_eq(rc, 2, "exit %d, not 2 (usage):\n%s", rc, out);
	cr_assert(strstr(out, "linux-source-6.12;true"), "the bad name is not named:\n%s", out);
}
