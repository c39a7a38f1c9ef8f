/*
 * tests/test_sweep_ident.c — a sweep's summary.json names the ldomsim that
 * ran it by version and SHA-256, never by its path on this machine (issue
 * 15: committed baselines carry no host paths); summaries of format 1.0,
 * which hold that path, are still compared and merged.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sweep.h"
#include "bench/sweep_io.h"
#include "tests/util.h"

static json_t *read_doc(const char *path)
{
	char err[1024];
	json_t *doc = bench_read_json(path, err, sizeof err);
	cr_assert(doc, "%s", err);
	return doc;
}

/* A one-point T2 sweep into DIR/name. */
static void small_sweep(const char *dir, const char *name)
{
	cr_assert_eq(test_sh("build/ldomsim sweep --shape t2 --present 16 --add 8 --jobs 1 "
	                     "--no-plots -o %s/%s >/dev/null 2>&1",
	                     dir, name),
	             0);
}

Test(sweep_ident, summary_names_ldomsim_by_version_and_hash_not_path, .timeout = 120)
{
	char dir[512], path[1024], abs[PATH_MAX], sum[1024], out[128];
	test_tmpdir(dir, sizeof dir, "ident");
	small_sweep(dir, "s");
	snprintf(path, sizeof path, "%s/s/summary.json", dir);
	cr_assert(realpath("build/ldomsim", abs));
	char *text = test_slurp(path);
	cr_expect_null(strstr(text, abs), "summary.json holds the host path %s", abs);
	free(text);

	json_t *doc = read_doc(path);
	json_t *cfg = json_object_get(doc, "config");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "ldomsim")),
	                 bench_ldomsim_version());
	cr_expect_gt(strlen(bench_ldomsim_version()), 0);
	cr_expect_str_neq(bench_ldomsim_version(), "unknown");
	snprintf(sum, sizeof sum, "sha256sum build/ldomsim");
	cr_assert_eq(test_run(sum, out, sizeof out), 0);
	out[64] = 0;
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "ldomsim_sha256")), out);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(doc, "version"), 1)),
	             BENCH_SWEEP_MINOR);
	json_decref(doc);
}

Test(sweep_ident, format_1_0_summaries_with_a_path_still_compare_and_merge, .timeout = 120)
{
	char dir[512], path[1024], err[1024];
	test_tmpdir(dir, sizeof dir, "ident-old");
	small_sweep(dir, "new");
	cr_assert_eq(test_sh("cp -a %s/new %s/old", dir, dir), 0);
	/* What a 1.0 summary recorded: the binary's absolute path. */
	snprintf(path, sizeof path, "%s/old/summary.json", dir);
	json_t *doc = read_doc(path);
	json_object_set_new(json_object_get(doc, "config"), "ldomsim",
	                    json_string("/home/someone/ldomsim/build/ldomsim"));
	json_object_del(json_object_get(doc, "config"), "ldomsim_sha256");
	json_object_set_new(doc, "version", json_pack("[ii]", 1, 0));
	cr_assert_eq(bench_write_json_atomic(path, doc, err, sizeof err), 0, "%s", err);
	json_decref(doc);

	cr_expect_eq(
	    test_sh("build/ldomsim compare --threshold 0 %s/old %s/new >/dev/null", dir, dir), 0);
	cr_expect_eq(
	    test_sh("build/ldomsim compare --threshold 0 %s/new %s/old >/dev/null", dir, dir), 0);
	/* merge records an identity, not the old path (that binary is gone:
	 * its hash is unknown). */
	cr_assert_eq(
	    test_sh("build/ldomsim merge --no-plots -o %s/merged %s/old >/dev/null 2>&1", dir, dir),
	    0);
	snprintf(path, sizeof path, "%s/merged/summary.json", dir);
	char *text = test_slurp(path);
	cr_expect_null(strstr(text, "/home/someone"), "the merged summary holds the old path");
	free(text);
	doc = read_doc(path);
	json_t *cfg = json_object_get(doc, "config");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "ldomsim")), "unknown");
	cr_expect(json_is_null(json_object_get(cfg, "ldomsim_sha256")), "ldomsim_sha256");
	json_decref(doc);
	/* A 1.1 folder's version and hash are carried over as they are. */
	cr_assert_eq(test_sh("build/ldomsim merge --no-plots -o %s/merged2 %s/new >/dev/null 2>&1",
	                     dir, dir),
	             0);
	static const char *const keys[] = {"ldomsim", "ldomsim_sha256"};
	snprintf(path, sizeof path, "%s/new/summary.json", dir);
	json_t *a = read_doc(path);
	snprintf(path, sizeof path, "%s/merged2/summary.json", dir);
	json_t *b = read_doc(path);
	for (int i = 0; i < 2; i++)
		cr_expect(json_equal(json_object_get(json_object_get(a, "config"), keys[i]),
		                     json_object_get(json_object_get(b, "config"), keys[i])),
		          "merge changed config.%s", keys[i]);
	json_decref(a);
	json_decref(b);
}
