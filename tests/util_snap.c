/*
 * tests/util_snap.c — see util_snap.h.
 */
#include "tests/util_snap.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/util.h"

json_t *test_snap_run(const char *bin, const char *trace, const char *opts, const char *store,
                      char *out, size_t n)
{
	char res[256], cmd[2048], sd[300] = "";
	test_tmpfile(res, sizeof res, "snaprun");
	if (store[0])
		snprintf(sd, sizeof sd, "--snapshot-dir %s", store);
	snprintf(cmd, sizeof cmd, "%s run %s %s %s -o %s 2>&1", bin, trace, opts, sd, res);
	test_run(cmd, out, n);
	return json_load_file(res, 0, NULL);
}

void test_snap_assert_same(json_t *a, json_t *b, const char *trace, const char *what)
{
	cr_assert(a && b, "%s %s: a run wrote no result", trace, what);
	json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
	json_object_del(x, "simulator");
	json_object_del(y, "simulator");
	if (!json_equal(x, y)) {
		const char *k;
		json_t *v;
		const char *first = "?";
		json_object_foreach(x, k, v) if (!json_equal(v, json_object_get(y, k)))
		{
			first = k;
			break;
		}
		json_decref(x);
		json_decref(y);
		cr_assert_fail("%s %s: the result differs from a cold run's (first key: %s)", trace,
		               what, first);
	}
	json_decref(x);
	json_decref(y);
}

static const char *status_of(json_t *doc)
{
	const char *s =
	    json_string_value(json_object_get(json_object_get(doc, "simulator"), "snapshot"));
	return s ? s : "(none)";
}

void test_snap_warm_equals_cold(const char *trace, const char *opts)
{
	char store[256], out[8192], what[600];
	test_tmpdir(store, sizeof store, "store");
	char cold_opts[600];
	snprintf(cold_opts, sizeof cold_opts, "%s --no-snapshot", opts);
	json_t *cold = test_snap_run("build/ldomsim", trace, cold_opts, "", out, sizeof out);
	cr_assert(cold, "%s %s: no result: %s", trace, cold_opts, out);
	cr_assert_str_eq(status_of(cold), "off", "%s %s", trace, cold_opts);
	json_t *miss = test_snap_run("build/ldomsim", trace, opts, store, out, sizeof out);
	cr_assert(miss, "%s %s: no result: %s", trace, opts, out);
	cr_assert_str_eq(status_of(miss), "miss", "%s %s: %s", trace, opts, out);
	json_t *hit = test_snap_run("build/ldomsim", trace, opts, store, out, sizeof out);
	cr_assert(hit, "%s %s: no result: %s", trace, opts, out);
	cr_assert_str_eq(status_of(hit), "hit", "%s %s: %s", trace, opts, out);
	snprintf(what, sizeof what, "%s (saving)", opts);
	test_snap_assert_same(cold, miss, trace, what);
	snprintf(what, sizeof what, "%s (restored)", opts);
	test_snap_assert_same(cold, hit, trace, what);
	json_decref(cold);
	json_decref(miss);
	json_decref(hit);
}
