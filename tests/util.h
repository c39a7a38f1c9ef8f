/*
 * tests/util.h — helpers the test files share: running commands from the
 * project root and reading their files. Failures fail the calling test.
 */
#ifndef LDOMSIM_TESTS_UTIL_H
#define LDOMSIM_TESTS_UTIL_H

#include <stddef.h>

/* Run a shell command (printf format): its exit status, -1 if it did not
 * exit normally. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run cmd with popen: up to cap - 1 bytes of its standard output into out
 * (NUL-terminated; out NULL keeps none), the rest drained; its exit status,
 * -1 if it did not exit normally. */
int test_run(const char *cmd, char *out, size_t cap);
/* A new empty folder (tmpdir) or file (tmpfile) named after tag, inside
 * this suite run's own temporary root: $TMPDIR (else /tmp)/ldomsim-tests-*,
 * made before the first test and removed with all it holds after the last
 * one, whether tests passed, failed an assertion or crashed. The path (n
 * bytes) goes to buf. */
void test_tmpdir(char *buf, size_t n, const char *tag);
void test_tmpfile(char *buf, size_t n, const char *tag);
/* The suite run's temporary root. */
const char *test_tmproot(void);
struct sim;
/* The machine's self-test image build/sim/selftest.elf (TEST_SELFTEST_ELF)
 * in a new sim with 8 MiB of RAM and max_cpus cpus (the caller frees it). */
#define TEST_SELFTEST_ELF "build/sim/selftest.elf"
struct sim *test_selftest_sim(unsigned max_cpus);
/* The kernel version of the default guest build/guest (its manifest.json,
 * as the simulator reads it); fails the calling test if unreadable. */
const char *test_kernel_version(void);
/* The whole file, NUL-terminated (the caller frees it). */
char *test_slurp(const char *path);

/* `ldomsim trace gen ARGS -o DIR` (ARGS a printf format) into a new
 * temporary folder DIR; path (n bytes) receives DIR/trace.json. */
void test_gen_trace(char *path, size_t n, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct bench_run_cfg;
/* The defaults for a run of trace (borrowed) on the default guest image. */
void test_run_cfg(struct bench_run_cfg *cfg, const char *trace);

#endif
