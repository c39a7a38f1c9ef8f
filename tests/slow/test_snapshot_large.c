/*
 * tests/slow/test_snapshot_large.c — boot snapshots on the two largest
 * shipped machines (issue 14): M7-16 at 4032 strands and M8-8, warm equals
 * cold with and without the profile (about a minute; the smaller traces
 * are in the main suite, tests/test_snapshot_run.c).
 */
#include <criterion/criterion.h>

#include "tests/util_snap.h"

Test(snapshot_large, m7_16_warm_equals_cold_with_and_without_profile, .timeout = 900)
{
	test_snap_warm_equals_cold("traces/m7-16/trace.json", "");
	test_snap_warm_equals_cold("traces/m7-16/trace.json", "--no-profile");
}

Test(snapshot_large, m8_8_warm_equals_cold_with_and_without_profile, .timeout = 600)
{
	test_snap_warm_equals_cold("traces/m8-8/trace.json", "");
	test_snap_warm_equals_cold("traces/m8-8/trace.json", "--no-profile");
}
