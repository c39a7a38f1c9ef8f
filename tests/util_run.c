/*
 * tests/util_run.c — the run helpers of tests/util.h, apart from the rest
 * so that the machine's own tests (make check-sim) link tests/util.c
 * without the harness.
 */
#include "tests/util.h"

#include "bench/run.h"

void test_run_cfg(struct bench_run_cfg *cfg, const char *trace)
{
	bench_run_cfg_default(cfg);
	cfg->trace = trace;
	cfg->image = "build/guest/guest.elf";
}
