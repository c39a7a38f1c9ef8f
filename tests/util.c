/*
 * tests/util.c — see util.h.
 */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"

/* The suite's temporary root, made by the runner before any test and
 * handed to the test processes through the environment (they are forked or
 * spawned by the runner after this hook). */
#define TEST_ROOT_ENV "LDOMSIM_TEST_ROOT"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	const char *t = getenv("TMPDIR");
	char root[4096];
	snprintf(root, sizeof root, "%s/ldomsim-tests-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(root)) {
		perror(root);
		abort();
	}
	setenv(TEST_ROOT_ENV, root, 1);
	/* Boot snapshots go to the suite's own store (removed with the root),
	 * never the user's cache; the tests share it, so most runs of one
	 * input after the first restore a snapshot another test saved. */
	char cache[4200];
	snprintf(cache, sizeof cache, "%s/cache", root);
	setenv("XDG_CACHE_HOME", cache, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	const char *root = getenv(TEST_ROOT_ENV);
	if (root && strstr(root, "/ldomsim-tests-")) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "tests: could not remove %s\n", root);
	}
}

const char *test_tmproot(void)
{
	const char *root = getenv(TEST_ROOT_ENV);
	cr_assert(root && *root, "no suite temporary root (%s unset)", TEST_ROOT_ENV);
	return root;
}

static void tmp_template(char *buf, size_t n, const char *tag)
{
	int len = snprintf(buf, n, "%s/%s-XXXXXX", test_tmproot(), tag);
	cr_assert(len > 0 && (size_t)len < n, "temporary path too long for its buffer");
}

void test_tmpdir(char *buf, size_t n, const char *tag)
{
	tmp_template(buf, n, tag);
	cr_assert_not_null(mkdtemp(buf), "mkdtemp %s", buf);
}

void test_tmpfile(char *buf, size_t n, const char *tag)
{
	tmp_template(buf, n, tag);
	int fd = mkstemp(buf);
	cr_assert_geq(fd, 0, "mkstemp %s", buf);
	close(fd);
}

static int exit_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int test_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof cmd, "command too long: %s", cmd);
	return exit_status(system(cmd));
}

int test_run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	size_t n = out && cap ? fread(out, 1, cap - 1, p) : 0;
	if (out && cap)
		out[n] = '\0';
	char sink[4096];
	while (fread(sink, 1, sizeof sink, p) > 0)
		;
	return exit_status(pclose(p));
}

char *test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot read %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0, "%s", path);
	long size = ftell(f);
	cr_assert_geq(size, 0, "%s", path);
	rewind(f);
	char *buf = malloc((size_t)size + 1);
	cr_assert_not_null(buf);
	size_t n = fread(buf, 1, (size_t)size, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void test_gen_trace(char *path, size_t n, const char *args_fmt, ...)
{
	char dir[1024], args[1024];
	test_tmpdir(dir, sizeof dir, "trace");
	va_list ap;
	va_start(ap, args_fmt);
	vsnprintf(args, sizeof args, args_fmt, ap);
	va_end(ap);
	cr_assert_eq(test_sh("build/ldomsim trace gen %s -o %s >/dev/null", args, dir), 0,
	             "trace gen %s", args);
	int len = snprintf(path, n, "%s/trace.json", dir);
	cr_assert(len > 0 && (size_t)len < n);
}

struct sim *test_selftest_sim(unsigned max_cpus)
{
	struct sim_config cfg;
	struct sim *s;
	char err[256];
	sim_config_default(&cfg);
	cfg.image = TEST_SELFTEST_ELF;
	cfg.ram_size = 8 << 20;
	cfg.max_cpus = max_cpus;
	cr_assert_eq(sim_create(&cfg, &s, err, sizeof err), 0, "%s", err);
	return s;
}
