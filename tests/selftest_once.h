/*
 * tests/selftest_once.h — the machine's self-test (sim_selftest_machine on
 * build/sim/selftest.elf) run once per suite run rather than once per
 * check: the first test that asks runs it and leaves its checks in the
 * suite's temporary root, the others read them. `ldomsim selftest` and the
 * start-up probe of every real run are unchanged.
 */
#ifndef LDOMSIM_TESTS_SELFTEST_ONCE_H
#define LDOMSIM_TESTS_SELFTEST_ONCE_H

#include <stddef.h>

/* Whether the self-test check `name` passed; its detail (n bytes) in
 * detail. Fails the calling test if the self-test could not run or has no
 * check of that name. */
int test_machine_check(const char *name, char *detail, size_t n);

#endif
