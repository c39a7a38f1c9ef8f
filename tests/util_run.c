/*
 * tests/util_run.c — the run helpers of tests/util.h, apart from the rest
 * so that the machine's own tests (make check-sim) link tests/util.c
 * without the harness.
 */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>

#include "bench/run.h"

void test_run_cfg(struct bench_run_cfg *cfg, const char *trace)
{
	bench_run_cfg_default(cfg);
	cfg->trace = trace;
	cfg->image = "build/guest/guest.elf";
}

const char *test_kernel_version(void)
{
	static char version[64]; /* the build's, the same for every test */
	if (!version[0]) {
		json_error_t e;
		json_t *m = json_load_file("build/guest/manifest.json", 0, &e);
		const char *v = json_string_value(json_object_get(m, "kernel_version"));
		cr_assert_not_null(v, "build/guest/manifest.json: no kernel_version (%s)", e.text);
		snprintf(version, sizeof version, "%s", v);
		json_decref(m);
	}
	return version;
}
