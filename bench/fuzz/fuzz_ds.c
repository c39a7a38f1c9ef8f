/*
 * bench/fuzz/fuzz_ds.c — libFuzzer harness: arbitrary bytes from the DS
 * peer into the LDC channel of a booted guest, parsed by the REAL ds.c
 * (ds_event → ds_handshake / ds_data → ds_thread → dr_cpu_data,
 * md_update_data, ...). A host crash or a sanitizer report is a finding; a
 * guest verdict is the guest's reaction (the run is booted again).
 *
 * The booted run persists across inputs (a harness, not library code: the
 * one place with a static). Needs build/guest/guest.elf and the default
 * trace; run from the project root.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/run.h"
#include "sim/sim.h"

static struct bench_run *booted;
/* Every reboot borrows the same engines: Unicorn 2.0.1 leaks ~80 KB per
 * closed sparc64 engine, which ran a long fuzz out of memory. */
static struct sim_engines *engines;

static struct bench_run *boot(void)
{
	struct bench_run_cfg cfg;
	struct bench_run *r;
	char err[1024];
	if (!engines && sim_engines_create(&engines, err, sizeof err)) {
		fprintf(stderr, "fuzz_ds: %s\n", err);
		abort();
	}
	bench_run_cfg_default(&cfg);
	cfg.engines = engines;
	cfg.trace = "traces/default/trace.json";
	cfg.image = "build/guest/guest.elf";
	cfg.no_profile = 1;
	cfg.insn_budget = 200000000ull;
	if (bench_run(&cfg, &r, err, sizeof err)) {
		fprintf(stderr, "fuzz_ds: cannot boot: %s\n", err);
		abort();
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!booted)
		booted = boot();
	if (size > 8192)
		return 0;
	if (bench_run_deliver_raw(booted, data, size) || !bench_run_ok(booted)) {
		bench_run_free(booted);
		booted = NULL;
	}
	return 0;
}
