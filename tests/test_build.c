/*
 * tests/test_build.c — the build as a newcomer meets it: on a machine
 * without the Debian packages `make run` and `make check` must plan
 * scripts/deps.sh before anything that needs a package (the kernel tarball
 * above all), and the repository holds no tool artifacts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/util.h"

/* The tracked files of this working tree (with their uncommitted changes)
 * copied into a fresh folder: a clone with no build/. */
static void fresh_copy(char *dir, size_t n)
{
	test_tmpdir(dir, n, "fresh");
	cr_assert_eq(test_sh("git ls-files -z | xargs -0 cp --parents -t %s", dir), 0);
}

/* `make -n GOAL` in dir, with `extra` make arguments, under `wrap` (a
 * command prefix, "" for none): its output in out. */
static int plan(const char *wrap, const char *dir, const char *goal, const char *extra, char *out,
                size_t cap)
{
	char cmd[4096];
	/* Not CI's fuzzing block (a $(MAKE) line runs even under -n), nor an
	 * enclosing make's jobserver. */
	snprintf(cmd, sizeof cmd,
	         "%s env -u CI -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -n -C %s %s %s 2>&1", wrap,
	         dir, goal, extra);
	return test_run(cmd, out, cap);
}

/* The plan installs the packages before it extracts the kernel, and does
 * not stop on the missing tarball. */
static void assert_deps_first(const char *goal, const char *out, int rc)
{
	cr_assert_eq(rc, 0, "make -n %s failed:\n%s", goal, out);
	cr_assert_null(strstr(out, "No rule to make target"), "%s", out);
	const char *deps = strstr(out, "scripts/deps.sh");
	const char *extract = strstr(out, "kernel.sh extract");
	cr_assert_not_null(deps, "make -n %s does not plan scripts/deps.sh:\n%s", goal, out);
	cr_assert_not_null(extract, "make -n %s does not extract the kernel:\n%s", goal, out);
	cr_assert(deps < extract, "deps.sh after the kernel extraction:\n%s", out);
}

Test(build, fresh_machine_plans_the_package_install_first, .timeout = 120)
{
	static char out[1 << 18];
	char dir[1024], tar[1200];
	fresh_copy(dir, sizeof dir);
	/* Without privileges: the default tarball's path, made absent. */
	snprintf(tar, sizeof tar, "KERNEL_SRC=%s/usr-src/linux-source-6.1.tar.xz", dir);
	for (int g = 0; g < 2; g++) {
		const char *goal = g ? "check" : "run";
		assert_deps_first(goal, out, plan("", dir, goal, tar, out, sizeof out));
	}
	/* As on a fresh machine: /usr/src empty in a mount namespace. */
	if (test_sh("unshare -m sh -c 'mount -t tmpfs none /usr/src' 2>/dev/null") != 0) {
		cr_log_warn(
		    "no mount namespace here (unshare -m): the /usr/src variant is skipped");
		return;
	}
	for (int g = 0; g < 2; g++) {
		const char *goal = g ? "check" : "run";
		char wrap[64];
		snprintf(wrap, sizeof wrap,
		         "unshare -m sh -c 'mount -t tmpfs none /usr/src && exec \"$@\"' sh");
		assert_deps_first(goal, out, plan(wrap, dir, goal, "", out, sizeof out));
	}
}

Test(build, a_missing_kernel_source_is_refused_by_name, .timeout = 120)
{
	static char out[1 << 16];
	char dir[1024];
	fresh_copy(dir, sizeof dir);
	/* The packages are here (deps stamp made by hand): only the tarball is missing. */
	cr_assert_eq(test_sh("mkdir -p %s/build && touch %s/build/.deps-ok", dir, dir), 0);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "make -C %s guest KERNEL_SRC=/nonexistent/linux.tar.xz 2>&1",
	         dir);
	int rc = test_run(cmd, out, sizeof out);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert_not_null(strstr(out, "kernel source /nonexistent/linux.tar.xz not found"), "%s",
	                   out);
}

Test(build, no_fuzzer_artifacts_tracked_and_all_ignored)
{
	char out[4096];
	cr_assert_eq(test_run("git ls-files | grep -E '(^|/)(oom|crash|leak|timeout|slow-unit)-' ",
	                      out, sizeof out),
	             1, "tracked fuzzer artifacts:\n%s", out);
	static const char *const names[] = {"oom-0123abcd", "crash-0123abcd", "leak-0123abcd",
	                                    "timeout-0123abcd", "traces/oom-0123abcd"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		cr_expect_eq(test_sh("git check-ignore -q %s", names[i]), 0, "%s is not ignored",
		             names[i]);
}

/* The simulator compiles no guest's layouts in (issue 12): no host
 * source includes a header the guest build generates. */
Test(build, no_host_source_includes_a_guest_header)
{
	char out[8192];
	int rc = test_run("grep -rnE '#include \"(guest/|offsets\\.h)' --include=*.c --include=*.h "
	                  "util sim hv lx kernel-model board traces bench ds cli tests",
	                  out, sizeof out);
	cr_expect_eq(rc, 1, "host sources include a guest header:\n%s", out);
}

/* Every object rule of the simulator's sources waits for the headers this
 * build generates (the version, bench/module.mk), whatever order the
 * module.mk files are read in. */
Test(build, every_object_rule_waits_for_the_generated_headers, .timeout = 60)
{
	static char out[1 << 22];
	int rc = test_run("make -p -n -q build/ldomsim 2>/dev/null | grep -E "
	                  "'^build/(obj|asan/obj|fuzz-ds/obj)/%.o: '",
	                  out, sizeof out);
	cr_assert_eq(rc, 0, "no object pattern rules found");
	int rules = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), rules++)
		cr_expect_not_null(strstr(line, "build/ldomsim_version.h"), "%s", line);
	cr_assert_eq(rules, 3, "%d object rules", rules);
}

/* Tests take their temporary paths from tests/util.h (inside $TMPDIR), so
 * no test file names /tmp itself. */
Test(build, tests_name_no_literal_tmp_path)
{
	char out[8192];
	int rc = test_run("grep -n '\"/t[m]p/' tests/*.c", out, sizeof out);
	cr_assert_eq(rc, 1, "literal /tmp paths in the tests:\n%s", out);
}
