/*
 * tests/test_no_host_paths.c — a result names no path of the machine that
 * made it (committed baselines are compared on other machines): the guest
 * image ldomsim found beside itself is recorded relative to its folder.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/util.h"

/* Strings anywhere in v that contain needle. */
static size_t count_with(const json_t *v, const char *needle, char *first, size_t n)
{
	size_t c = 0, i;
	const char *k;
	const json_t *x;
	if (json_is_string(v) && strstr(json_string_value(v), needle)) {
		if (!first[0])
			snprintf(first, n, "%s", json_string_value(v));
		return 1;
	}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x) c += count_with(x, needle, first, n);
	if (json_is_array(v))
		json_array_foreach(v, i, x) c += count_with(x, needle, first, n);
	return c;
}

Test(no_host_paths, a_result_names_no_path_of_this_checkout, .timeout = 60)
{
	char cwd[4096], res[256], first[512] = "";
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	test_tmpfile(res, sizeof res, "result");
	cr_assert_eq(
	    test_sh("build/ldomsim run traces/default/trace.json -o %s >/dev/null 2>&1", res), 0);
	json_t *doc = json_load_file(res, 0, NULL);
	cr_assert_not_null(doc);
	json_object_del(doc, "simulator"); /* host facts, by design */
	cr_expect_eq(count_with(doc, cwd, first, sizeof first), 0, "e.g. \"%s\"", first);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "config"), "guest_image")),
	    "guest/guest.elf");
	json_decref(doc);
}
