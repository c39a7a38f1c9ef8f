/*
 * bench/speed.h — the simulator's own speed: guest instructions per host
 * second on a guest loop, raw Unicorn vs the block counter vs the full
 * machine (every hook the simulator installs), side by side in one run.
 */
#ifndef LDOMSIM_BENCH_SPEED_H
#define LDOMSIM_BENCH_SPEED_H

#include <stddef.h>
#include <stdint.h>

struct bench_speed_point {
	const char *loop;  /* "loop16" or "loop4": instructions per iteration */
	const char *setup; /* "raw", "block-counter", "full-machine" */
	uint64_t insns;    /* guest instructions executed */
	double seconds;    /* host wall-clock seconds (best of the repeats) */
	double ips;        /* guest instructions per host second */
	double ratio;      /* ips / raw ips of the same loop */
};

/* Runs every (loop, setup) pair `repeats` times with `iters` iterations;
 * fills up to max points. Returns the number of points, -1 on error. */
int bench_speed_run(const char *selftest_elf, uint64_t iters, unsigned repeats,
                    struct bench_speed_point *pts, size_t max, char *err, size_t errlen);

#endif
