/*
 * tests/util_snap.h — boot-snapshot helpers shared by the main and the
 * slow suites: run ldomsim with a snapshot store, and check that a run
 * restoring a snapshot gives a cold run's result.
 */
#ifndef LDOMSIM_TESTS_UTIL_SNAP_H
#define LDOMSIM_TESTS_UTIL_SNAP_H

#include <jansson.h>
#include <stddef.h>

/* `BIN run TRACE OPTS --snapshot-dir STORE -o RESULT` (no --snapshot-dir
 * when store is ""): the result (caller frees; NULL when none) and what
 * the command printed into out. */
json_t *test_snap_run(const char *bin, const char *trace, const char *opts, const char *store,
                      char *out, size_t n);
/* The two results are equal apart from their "simulator" sections (which
 * the caller's documents keep); fails naming the first differing key. */
void test_snap_assert_same(json_t *a, json_t *b, const char *trace, const char *what);
/* In a new store: a cold run (--no-snapshot, "off"), one that saves
 * ("miss") and one that restores ("hit") give the same result. */
void test_snap_warm_equals_cold(const char *trace, const char *opts);

#endif
