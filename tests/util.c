/*
 * tests/util.c — see util.h.
 */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "bench/run.h"

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
	char dir[] = "/tmp/ldomsim-test-trace-XXXXXX", args[1024];
	cr_assert_not_null(mkdtemp(dir));
	va_list ap;
	va_start(ap, args_fmt);
	vsnprintf(args, sizeof args, args_fmt, ap);
	va_end(ap);
	cr_assert_eq(test_sh("build/ldomsim trace gen %s -o %s >/dev/null", args, dir), 0,
	             "trace gen %s", args);
	int len = snprintf(path, n, "%s/trace.json", dir);
	cr_assert(len > 0 && (size_t)len < n);
}

void test_run_cfg(struct bench_run_cfg *cfg, const char *trace)
{
	bench_run_cfg_default(cfg);
	cfg->trace = trace;
	cfg->image = "build/guest/guest.elf";
}
