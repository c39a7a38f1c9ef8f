/*
 * tests/test_import_real.c — `ldomsim trace import` on what ftrace and a
 * real operation produce: the ring-buffer overrun markers ("CPU:N [LOST M
 * EVENTS]"), more than one MD update in one capture, and failures that
 * leave no output folder behind and name files that exist.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/run.h"
#include "traces/trace.h"
#include "traces/trace_import.h"
#include "tests/util.h"

#define KPROBES "traces/testdata/import/capture-kprobes"

/* A copy of the kprobes capture in a new folder, then the shell edits
 * (printf format, %1$s = the copy) applied to it. */
static void capture_copy(char *cap, size_t n, const char *edits)
{
	test_tmpdir(cap, n, "capture");
	cr_assert_eq(test_sh("cp " KPROBES "/* '%s'", cap), 0);
	if (edits) {
		char cmd[4096];
		snprintf(cmd, sizeof cmd, edits, cap);
		cr_assert_eq(test_sh("%s", cmd), 0, "%s", cmd);
	}
}

/* `ldomsim trace import CAP -o OUT` with OUT a not yet existing folder in
 * a new temporary one; its exit status, its stderr in msg. */
static int import(const char *cap, char *out, size_t n, char *msg, size_t mn)
{
	char parent[700], cmd[2400];
	test_tmpdir(parent, sizeof parent, "import");
	snprintf(out, n, "%s/out/trace", parent);
	snprintf(cmd, sizeof cmd, "build/ldomsim trace import '%s' -o '%s' 2>&1 >/dev/null", cap,
	         out);
	return test_run(cmd, msg, mn);
}

static int exists(const char *path)
{
	struct stat sb;
	return !stat(path, &sb);
}

Test(import_real, lost_marker_lines_parse)
{
	struct trace_ftrace_line l;
	cr_assert_eq(trace_ftrace_parse_line("CPU:1 [LOST 42 EVENTS]\n", &l), TRACE_OK);
	cr_expect_eq(l.kind, TRACE_FTRACE_LOST);
	cr_expect_eq(l.cpu, 1);
	cr_expect_eq(l.lost_known, 1);
	cr_expect_eq(l.lost, 42);
	cr_assert_eq(trace_ftrace_parse_line("CPU:63 [LOST EVENTS]\n", &l), TRACE_OK);
	cr_expect_eq(l.kind, TRACE_FTRACE_LOST);
	cr_expect_eq(l.cpu, 63);
	cr_expect_eq(l.lost_known, 0);
	cr_expect_eq(trace_ftrace_parse_line("CPU:1 [LOST many EVENTS]\n", &l), TRACE_ERR_JSON);
	cr_expect_eq(trace_ftrace_parse_line("CPU:1 [LOST 3 EVENTS] and more\n", &l),
	             TRACE_ERR_JSON);
}

/* A capture whose cpu 1 overran by 42 events, cpu 0 by an unprinted
 * number: it imports, and the trace and the run's result say so. */
Test(import_real, lost_events_are_recorded_in_the_trace_and_the_result, .timeout = 120)
{
	char cap[600], out[800], msg[2048], path[900];
	capture_copy(cap, sizeof cap,
	             "sed -i -e '/215.512450 |  4)/i CPU:1 [LOST 42 EVENTS]' "
	             "-e '/215.497600 |  0)/i CPU:0 [LOST EVENTS]' '%1$s/ftrace.txt'");
	cr_assert_eq(import(cap, out, sizeof out, msg, sizeof msg), 0, "%s", msg);
	snprintf(path, sizeof path, "%s/trace.json", out);
	struct trace *t;
	struct trace_error err;
	cr_assert_eq(trace_load(path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_lost_count(t), 2);
	cr_expect_eq(trace_lost_at(t, 0)->cpu, 0);
	cr_expect_eq(trace_lost_at(t, 0)->known, 0);
	cr_expect_eq(trace_lost_at(t, 1)->cpu, 1);
	cr_expect_eq(trace_lost_at(t, 1)->known, 1);
	cr_expect_eq(trace_lost_at(t, 1)->events, 42);
	cr_expect_eq(trace_hcall_count(t), 12, "the records around the markers are kept");
	trace_free(t);
	char *text = test_slurp(path);
	cr_expect(strstr(text, "\"version\": [1,2]"), "the trace is not 1.2");
	free(text);

	struct bench_run_cfg cfg;
	struct bench_run *r;
	char rerr[1024];
	test_run_cfg(&cfg, path);
	cr_assert_eq(bench_run(&cfg, &r, rerr, sizeof rerr), 0, "%s", rerr);
	json_t *doc = bench_run_json(r, 0);
	bench_run_free(r);
	json_t *c = json_object_get(doc, "capture");
	cr_assert(json_is_object(c), "the result does not carry the capture's loss");
	cr_expect(json_is_true(json_object_get(c, "incomplete")));
	json_t *le = json_object_get(c, "lost_events");
	cr_assert_eq(json_array_size(le), 2);
	json_t *e1 = json_array_get(le, 1);
	cr_expect_eq(json_integer_value(json_object_get(e1, "cpu")), 1);
	cr_expect_eq(json_integer_value(json_object_get(e1, "events")), 42);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(le, 0), "events")),
	                 "unknown");
	json_decref(doc);
}

/* Two md-updates: generations 2 (mdesc-gen2.bin) and 3 (mdesc-after.bin). */
Test(import_real, two_md_updates_give_generations_2_and_3)
{
	char cap[600], out[800], msg[2048], path[900];
	capture_copy(cap, sizeof cap,
	             "mv '%1$s/mdesc-after.bin' '%1$s/mdesc-gen2.bin' && "
	             "build/ldomsim md gen --shape param:1x2x4@3 --present 8 "
	             "-o '%1$s/mdesc-after.bin' >/dev/null && "
	             "echo '[  215.530000] ds-1: Machine description update.' >> "
	             "'%1$s/dmesg.txt'");
	cr_assert_eq(import(cap, out, sizeof out, msg, sizeof msg), 0, "%s", msg);
	snprintf(path, sizeof path, "%s/trace.json", out);
	struct trace *t;
	struct trace_error err;
	cr_assert_eq(trace_load(path, &t, &err), TRACE_OK, "%s", err.msg);
	cr_assert_eq(trace_md_count(t), 3);
	cr_expect_eq(trace_md_at(t, 1)->generation, 2);
	cr_expect_eq(trace_md_at(t, 2)->generation, 3);
	cr_assert_eq(trace_op_count(t), 3);
	cr_expect_eq(trace_op_at(t, 0)->kind, TRACE_OP_MD_UPDATE);
	cr_expect_eq(trace_op_at(t, 0)->generation, 2);
	cr_expect_eq(trace_op_at(t, 1)->kind, TRACE_OP_CONFIGURE);
	cr_expect_eq(trace_op_at(t, 2)->kind, TRACE_OP_MD_UPDATE);
	cr_expect_eq(trace_op_at(t, 2)->generation, 3);
	trace_free(t);
}

/* The message names a file the user has, and no output folder is left:
 * (a) a second md-update without its MD file: names dmesg.txt and the
 * missing mdesc-gen2.bin; (b) an MD the trace check refuses (another clock)
 * after everything was staged: names the capture's mdesc-after.bin. */
Test(import_real, failures_leave_no_folder_and_name_existing_files)
{
	char cap[600], out[800], msg[2048], want[800];
	capture_copy(cap, sizeof cap,
	             "echo '[  215.530000] ds-1: Machine description update.' >> "
	             "'%1$s/dmesg.txt'");
	cr_expect_eq(import(cap, out, sizeof out, msg, sizeof msg), 2, "%s", msg);
	snprintf(want, sizeof want, "%s/dmesg.txt", cap);
	cr_expect(strstr(msg, want), "%s", msg);
	cr_expect(strstr(msg, "mdesc-gen2.bin"), "%s", msg);
	cr_expect(!exists(out), "%s was left behind", out);
	*strrchr(out, '/') = 0;
	cr_expect(!exists(out), "the parent %s it made was left behind", out);

	capture_copy(cap, sizeof cap,
	             "build/ldomsim md gen --shape param:1x2x4@2.5 --present 6 "
	             "-o '%1$s/mdesc-after.bin' >/dev/null");
	cr_expect_eq(import(cap, out, sizeof out, msg, sizeof msg), 2, "%s", msg);
	snprintf(want, sizeof want, "%s/mdesc-after.bin", cap);
	cr_expect(strstr(msg, want), "%s", msg);
	cr_expect(!strstr(msg, out), "names the output folder: %s", msg);
	cr_expect(!strstr(msg, ".import-"), "names the staging folder: %s", msg);
	cr_expect(!exists(out), "%s was left behind", out);
	*strrchr(out, '/') = 0;
	cr_expect(!exists(out), "the parent %s it made was left behind", out);
	char *parent = strdup(out);
	*strrchr(parent, '/') = 0;
	cr_expect_eq(test_sh("[ -z \"$(ls -A '%s')\" ]", parent), 0, "%s is not empty", parent);
	free(parent);
}

/* An existing output folder keeps what it had when the import fails, and
 * receives the trace when it succeeds. */
Test(import_real, an_existing_output_folder_is_kept_on_failure_and_filled_on_success)
{
	char cap[600], out[800], msg[2048], keep[900];
	capture_copy(cap, sizeof cap,
	             "build/ldomsim md gen --shape param:1x2x4@2.5 --present 6 "
	             "-o '%1$s/mdesc-after.bin' >/dev/null");
	test_tmpdir(out, sizeof out, "import-existing");
	snprintf(keep, sizeof keep, "%s/keep.txt", out);
	cr_assert_eq(test_sh("echo x > '%s'", keep), 0);
	char cmd[2400];
	snprintf(cmd, sizeof cmd, "build/ldomsim trace import '%s' -o '%s' 2>&1 >/dev/null", cap,
	         out);
	cr_expect_eq(test_run(cmd, msg, sizeof msg), 2, "%s", msg);
	cr_expect(exists(keep));
	cr_expect_eq(test_sh("[ \"$(ls -A '%s')\" = keep.txt ]", out), 0, "files were left");
	snprintf(cmd, sizeof cmd, "build/ldomsim trace import " KPROBES " -o '%s' 2>&1", out);
	cr_expect_eq(test_run(cmd, msg, sizeof msg), 0, "%s", msg);
	snprintf(keep, sizeof keep, "%s/trace.json", out);
	cr_expect(exists(keep));
	cr_expect_eq(test_sh("ls -A '%s' | grep -c import- | grep -qx 0", out), 0);
}

/* A 1.1 trace cannot carry the 1.2 field. */
Test(import_real, capture_field_needs_version_1_2)
{
	char cap[600], out[800], msg[2048], path[900];
	capture_copy(cap, sizeof cap, "sed -i '1i CPU:2 [LOST 7 EVENTS]' '%1$s/ftrace.txt'");
	cr_assert_eq(import(cap, out, sizeof out, msg, sizeof msg), 0, "%s", msg);
	snprintf(path, sizeof path, "%s/trace.json", out);
	cr_assert_eq(test_sh("sed -i 's/\"version\": \\[1,2\\]/\"version\": [1,1]/' '%s'", path),
	             0);
	struct trace *t;
	struct trace_error err;
	cr_expect_eq(trace_load(path, &t, &err), TRACE_ERR_FIELD, "%s", err.msg);
	cr_expect(strstr(err.msg, "$.capture") && strstr(err.msg, "1.2"), "%s", err.msg);
}
