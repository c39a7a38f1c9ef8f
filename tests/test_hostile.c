/*
 * tests/test_hostile.c — hostile options and traces (issue 10, section 3):
 * each is refused by exit status 2 (for `trace check` and `md check`, whose
 * contract calls an invalid input a finding: 1) with a message naming the
 * option or field and its allowed range, never by a signal (test_sh/test_run
 * give -1 then) or a wrong result with status 0.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traces/md.h"
#include "traces/trace.h"
#include "tests/util.h"

#define DEFAULT_TRACE "traces/default/trace.json"

/* Run a command (printf format) with its stderr joined to stdout: exit
 * status, -1 on a signal; the output into out. */
static int run_cmd(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof cmd - 8);
	strcat(cmd, " 2>&1");
	return test_run(cmd, out, cap);
}

/* Refused with status want, and the output holds every one of the NULL-
 * terminated strings. */
static void expect_refused(int want, const char *what, const char *out, int rc, ...)
{
	cr_expect_eq(rc, want, "%s: exit %d (-1: a signal), want %d; output:\n%s", what, rc, want,
	             out);
	va_list ap;
	va_start(ap, rc);
	for (const char *s; (s = va_arg(ap, const char *));)
		cr_expect(strstr(out, s), "%s: the message lacks \"%s\":\n%s", what, s, out);
	va_end(ap);
}

/* A copy of traces/default in a new temporary folder; path gets its
 * trace.json. */
static void copy_default(char *path, size_t n, const char *tag)
{
	char dir[1024];
	test_tmpdir(dir, sizeof dir, tag);
	cr_assert_eq(test_sh("cp traces/default/* %s/", dir), 0);
	snprintf(path, n, "%s/trace.json", dir);
}

static json_t *load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, JSON_PRESERVE_ORDER, &e);
	cr_assert_not_null(j, "%s: %s", path, e.text);
	return j;
}

static void save_json(json_t *j, const char *path)
{
	cr_assert_eq(json_dump_file(j, path, JSON_PRESERVE_ORDER | JSON_INDENT(1)), 0, "%s", path);
	json_decref(j);
}

/* ---- --set and $.machine: one rule table ---- */

Test(hostile, set_values_that_crashed_or_lied_are_refused)
{
	static const struct {
		const char *set, *names, *range;
	} cases[] = {
	    {"cpi=1e-7", "--set cpi", "0.1..1000"}, /* SIGFPE: 0 ps per instruction */
	    {"cpi=inf", "--set cpi", "0.1..1000"},
	    {"cpi=nan", "--set cpi", "0.1..1000"},
	    {"clock_hz=-5", "--set clock_hz", "1..100000000000 Hz"},
	    {"clock_hz=1000000000000000", "--set clock_hz", "1..100000000000 Hz"},
	    {"clock_hz=0", "--set clock_hz", "1..100000000000 Hz"},
	    {"hotplug_online_ns=-1", "--set hotplug_online_ns", "0..1000000000000 ns"},
	    {"ipi_ns=18446744073709551616", "--set ipi_ns", "0..1000000000000 ns"},
	    {"jiffy_ns=0", "--set jiffy_ns", "1..1000000000000 ns"},
	    {"udelay_granularity_ns=0", "--set udelay_granularity_ns", "1..1000000000000 ns"},
	    {"stick_hz= 5", "--set stick_hz", "1..100000000000 Hz"},
	    {"bogus=1", "--set", "bogus"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[4096];
		int rc = run_cmd(out, sizeof out, "build/ldomsim run %s --set '%s' -o /dev/null",
		                 DEFAULT_TRACE, cases[i].set);
		expect_refused(2, cases[i].set, out, rc, cases[i].names, cases[i].range, NULL);
	}
}

/* The machine values that crashed run from --set are refused by the reader
 * too, naming the field: trace check finds the trace invalid (1), run
 * refuses it (2). */
Test(hostile, trace_machine_values_are_refused_by_check_and_run)
{
	static const struct {
		const char *field;
		double value;
		int real, cost;
	} cases[] = {
	    {"cpi", 1e-7, 1, 0},
	    {"clock_hz", 1e15, 0, 0},
	    {"jiffy_ns", 0, 0, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[1100], out[4096], want[128];
		copy_default(path, sizeof path, "machine");
		json_t *j = load_json(path), *m = json_object_get(j, "machine");
		json_object_set_new(cases[i].cost ? json_object_get(m, "costs") : m, cases[i].field,
		                    cases[i].real ? json_real(cases[i].value)
		                                  : json_integer((json_int_t)cases[i].value));
		save_json(j, path);
		snprintf(want, sizeof want, "$.machine.%s%s", cases[i].cost ? "costs." : "",
		         cases[i].field);
		const struct trace_param *p = trace_param_by_name(cases[i].field);
		cr_assert_not_null(p);
		char range[64];
		if (p->type == TRACE_PARAM_REAL)
			snprintf(range, sizeof range, "%g..%g", p->min, p->max);
		else
			snprintf(range, sizeof range, "%llu..%llu", (unsigned long long)p->min,
			         (unsigned long long)p->max);
		int rc = run_cmd(out, sizeof out, "build/ldomsim trace check %s", path);
		expect_refused(1, "trace check", out, rc, want, range, NULL);
		rc = run_cmd(out, sizeof out, "build/ldomsim run %s -o /dev/null", path);
		expect_refused(2, "run", out, rc, want, range, NULL);
	}
}

/* The default trace's JSON with one machine parameter set to v (text as
 * JSON), loaded from memory: 0 accepted. */
static int reader_accepts(const char *doc, const struct trace_param *p, const char *v)
{
	json_error_t e;
	json_t *j = json_loads(doc, JSON_DECODE_ANY, &e), *m = json_object_get(j, "machine");
	json_t *val = json_loads(v, JSON_DECODE_ANY, &e);
	if (!val) /* beyond what JSON integers hold: the reader never sees it */
		return json_decref(j), -1;
	int cost = (size_t)(p - trace_params) >= TRACE_PARAM_FIRST_COST;
	json_object_set_new(cost ? json_object_get(m, "costs") : m, p->name, val);
	char *text = json_dumps(j, 0);
	struct trace *t = NULL;
	struct trace_error err;
	enum trace_status st = trace_load_mem(text, strlen(text), "hostile", NULL, &t, &err);
	free(text);
	json_decref(j);
	trace_free(t);
	if (st)
		cr_expect(strstr(err.msg, p->name), "the reader's message lacks %s: %s", p->name,
		          err.msg);
	return st ? -1 : 0;
}

/* Every row of trace_params is accepted or refused alike by the reader and
 * by --set (trace_param_set) at its bounds and just beyond them. */
Test(hostile, reader_and_set_share_one_rule_table)
{
	char *doc = test_slurp(DEFAULT_TRACE);
	for (size_t i = 0; i < TRACE_NPARAMS; i++) {
		const struct trace_param *p = &trace_params[i];
		char vals[7][64];
		size_t nv = 0;
		if (p->type == TRACE_PARAM_REAL) {
			snprintf(vals[nv++], 64, "%.17g", p->min);
			snprintf(vals[nv++], 64, "%.17g", p->max);
			snprintf(vals[nv++], 64, "%.17g", nextafter(p->min, 0));
			snprintf(vals[nv++], 64, "%.17g", nextafter(p->max, INFINITY));
			snprintf(vals[nv++], 64, "0");
		} else {
			unsigned long long lo = (unsigned long long)p->min,
			                   hi = (unsigned long long)p->max;
			snprintf(vals[nv++], 64, "%llu", lo);
			snprintf(vals[nv++], 64, "%llu", hi);
			snprintf(vals[nv++], 64, "%llu", hi + 1);
			if (lo)
				snprintf(vals[nv++], 64, "%llu", lo - 1);
			snprintf(vals[nv++], 64, "-1");
			/* strtoull wraps a negative number: this one to 1 */
			snprintf(vals[nv++], 64, "-18446744073709551615");
		}
		for (size_t k = 0; k < nv; k++) {
			struct trace_machine m = {0};
			char why[256] = "";
			int by_set = trace_param_set(&m, p, vals[k], why, sizeof why);
			int by_reader = reader_accepts(doc, p, vals[k]);
			cr_expect_eq(by_set, by_reader, "%s=%s: --set %s, the reader %s (%s)",
			             p->name, vals[k], by_set ? "refuses" : "accepts",
			             by_reader ? "refuses" : "accepts", why);
			/* The bounds themselves are accepted, beyond them refused. */
			cr_expect_eq(by_set, k < 2 ? 0 : -1, "%s=%s: %s", p->name, vals[k], why);
		}
	}
	/* Each cost row has exactly one field of struct trace_costs. */
	struct trace_costs c;
	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		*trace_cost(&c, i) = i + 1;
	for (size_t i = 0; i < TRACE_NCOSTS; i++)
		cr_expect_eq(((uint64_t *)&c)[i], i + 1, "cost row %zu", i);
	free(doc);
}

/* ---- simulated time ---- */

Test(hostile, t_ns_beyond_the_time_bound_is_refused)
{
	char path[1100], out[4096];
	copy_default(path, sizeof path, "tns");
	json_t *j = load_json(path);
	json_t *ops = json_object_get(json_object_get(j, "scenario"), "ops");
	json_object_set_new(json_array_get(ops, 1), "t_ns", json_integer(100000000000000000ll));
	save_json(j, path);
	int rc = run_cmd(out, sizeof out, "build/ldomsim trace check %s", path);
	expect_refused(1, "trace check", out, rc, "$.scenario.ops[1].t_ns", "0..1000000000000000",
	               NULL);
	rc = run_cmd(out, sizeof out, "build/ldomsim run %s -o /dev/null", path);
	expect_refused(2, "run", out, rc, "$.scenario.ops[1].t_ns", NULL);
	/* At the bound the trace is valid. */
	copy_default(path, sizeof path, "tns-max");
	j = load_json(path);
	ops = json_object_get(json_object_get(j, "scenario"), "ops");
	json_object_set_new(json_array_get(ops, 1), "t_ns", json_integer(TRACE_T_NS_MAX));
	save_json(j, path);
	cr_expect_eq(run_cmd(out, sizeof out, "build/ldomsim trace check %s", path), 0, "%s", out);
}

/* One instruction of 1000 s: the clocks would wrap within 2 * 10^4
 * instructions. The run stops with the verdict time-limit instead. */
Test(hostile, clock_that_would_wrap_stops_with_a_verdict)
{
	char out[8192];
	int rc = run_cmd(out, sizeof out,
	                 "build/ldomsim run %s --set clock_hz=1 --set cpi=1000 -o /dev/null",
	                 DEFAULT_TRACE);
	cr_expect(rc == 1 || rc == 2, "exit %d (-1: a signal); output:\n%s", rc, out);
	cr_expect(strstr(out, "time-limit"), "no time-limit verdict:\n%s", out);
}

Test(hostile, insn_budget_is_bounded)
{
	static const char *const bad[] = {"18446744073709551615", "-1", "0", "10000000000001",
	                                  "12x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[4096];
		int rc =
		    run_cmd(out, sizeof out, "build/ldomsim run %s --insn-budget %s -o /dev/null",
		            DEFAULT_TRACE, bad[i]);
		expect_refused(2, bad[i], out, rc, "--insn-budget", "1..10000000000000", NULL);
	}
	char out[4096];
	cr_expect_eq(run_cmd(out, sizeof out,
	                     "build/ldomsim run %s --insn-budget 10000000000000 -o /dev/null",
	                     DEFAULT_TRACE),
	             0, "the largest budget: %s", out);
}

/* ---- --inject and the trace's faults ---- */

Test(hostile, inject_values_are_refused)
{
	static const struct {
		const char *spec, *part, *range;
	} cases[] = {
	    {"cpu_start=0", "status '0'", "1..255"},
	    {"cpu_start=256", "status '256'", "1..255"},
	    {"cpu_start=18446744073709551617", "status", "1..255"},
	    {"cpu_start=EINVALx-1", "count '-1'", "1..1000000"},
	    {"cpu_start=EINVALx0", "count '0'", "1..1000000"},
	    {"cpu_start=EINVAL@64", "cpu '64'", "0..63"}, /* the MD's max-cpus is 64 */
	    {"cpu_start=EINVAL@4096", "cpu '4096'", "0..63"},
	    {"cpu_start=EINVAL@", "cpu ''", "0..63"},
	    {"cpu_start=EBOGUS", "status 'EBOGUS'", "1..255"},
	    {"cpu_mycpuid=EINVAL", "cpu_mycpuid", "not a fast-trap"},
	    {"mmu_map_addr=EINVAL", "mmu_map_addr", "not a fast-trap"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[4096];
		int rc = run_cmd(out, sizeof out, "build/ldomsim run %s --inject '%s' -o /dev/null",
		                 DEFAULT_TRACE, cases[i].spec);
		expect_refused(2, cases[i].spec, out, rc, "--inject", cases[i].part, cases[i].range,
		               NULL);
	}
}

Test(hostile, inject_parses_hex_status_count_and_cpu)
{
	struct trace_fault f;
	char why[256] = "";
	cr_assert_eq(trace_fault_parse("cpu_start=0x6", 64, &f, why, sizeof why), 0, "%s", why);
	cr_expect_eq(f.status, 6); /* was status 0, count 6 */
	cr_expect_eq(f.count, 1);
	cr_expect_eq(f.cpu, -1);
	cr_assert_eq(trace_fault_parse("cpu_start=0x6x3@5", 64, &f, why, sizeof why), 0, "%s", why);
	cr_expect(f.status == 6 && f.count == 3 && f.cpu == 5);
	cr_assert_eq(trace_fault_parse("mach_desc=EWOULDBLOCKx2", 64, &f, why, sizeof why), 0);
	cr_expect(f.fn == 0x01 && f.status == 9 && f.count == 2);
	cr_expect_eq(trace_fault_parse("cpu_start=EINVAL@63", 64, &f, why, sizeof why), 0);
	cr_expect_eq(trace_fault_parse("cpu_start=EINVAL@64", 64, &f, why, sizeof why), -1);
}

/* --inject and $.scenario.faults accept the same hypercall names: every
 * fast-trap row of the table, including the ones the two lists disagreed
 * on (0x16, tod_set, LDC and vintr calls), and refuse the same others. */
Test(hostile, inject_and_trace_faults_share_one_hypercall_table)
{
	static const char *const names[] = {
	    "cpu_myid",
	    "tod_set",
	    "ldc_copy",
	    "ldc_revoke",
	    "vintr_get_cookie",
	    "cons_read",
	    "cpu_poke",
	    "mmu_demap_page",
	    "cpu_start",
	    "cpu_mycpuid",
	    "mmu_map_addr",
	    "core_trap",
	    "core_set_ver",
	    "bogus",
	    "mach_set_soft_state",
	    "mmu_enable",
	    "intr_settarget",
	    "mmu_tsb_ctx0_info",
	};
	char *doc = test_slurp(DEFAULT_TRACE);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char spec[96], why[256];
		struct trace_fault f;
		snprintf(spec, sizeof spec, "%s=EINVAL", names[i]);
		int by_inject = trace_fault_parse(spec, 64, &f, why, sizeof why);

		json_error_t e;
		json_t *j = json_loads(doc, 0, &e);
		json_t *sc = json_object_get(j, "scenario");
		json_object_set_new(sc, "faults",
		                    json_pack("[{sssi}]", "fn", names[i], "status", 6));
		json_object_set_new(j, "version", json_pack("[ii]", 1, 1));
		char *text = json_dumps(j, 0);
		struct trace *t = NULL;
		struct trace_error err;
		int by_trace =
		    trace_load_mem(text, strlen(text), "faults", NULL, &t, &err) ? -1 : 0;
		cr_expect_eq(by_inject, by_trace,
		             "%s: --inject %s, the trace's faults %s (%s / %s)", names[i],
		             by_inject ? "refuses" : "accepts", by_trace ? "refuses" : "accepts",
		             why, by_trace ? err.msg : "");
		if (!by_inject && !by_trace)
			cr_expect_eq(trace_fault_at(t, 0)->fn, f.fn, "%s", names[i]);
		trace_free(t);
		free(text);
		json_decref(j);
	}
	free(doc);
	/* The sun4v names of the calls the lists disagreed on. */
	cr_expect_eq(trace_hcall_fn_by_name("cpu_myid")->fn, 0x16);
	cr_expect_null(trace_hcall_fn_by_name("cpu_mycpuid"));
	cr_expect_eq(trace_hcall_fn_by_name("tod_set")->fn, 0x51);
	cr_expect_eq(trace_hcall_fn_by_name("mmu_demap_page")->nargs, 5);
	cr_expect_eq(trace_hcall_fn_by_name("mmu_demap_all")->nargs, 3);
	cr_expect_eq(trace_hcall_fn_by_name("mmu_tsb_ctx0_info")->nargs, 2);
	cr_expect_eq(trace_hcall_fn_by_name("mmu_tsb_ctx0_info")->nrets, 1);
}

/* ---- MD arcs ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

enum arc_edit {
	FWD_SELF,  /* a level-1 cache's first arc becomes `fwd` to itself */
	BACK_SELF, /* a level-1 cache's first `back` arc points at itself */
	FWD_CYCLE, /* a cpu's first `fwd` arc points at the root */
};

/* Edit the MD file in place; returns the element index of the node edited. */
static uint32_t edit_md(const char *path, enum arc_edit how)
{
	FILE *f = fopen(path, "r+b");
	cr_assert_not_null(f, "%s", path);
	uint8_t buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf, f);
	uint32_t node_sz = be32(buf + 4);
	const char *names = (const char *)buf + 16 + node_sz;
	uint32_t fwd_name = 0, nel = node_sz / 16, node = 0, target_node = UINT32_MAX;
	for (uint32_t i = 0; i < nel; i++) {
		const uint8_t *e = buf + 16 + (size_t)i * 16;
		if (e[0] == 'a' && !strcmp(names + be32(e + 4), "fwd"))
			fwd_name = be32(e + 4);
	}
	cr_assert(fwd_name);
	for (uint32_t i = 0; i < nel && target_node == UINT32_MAX; i++) {
		uint8_t *e = buf + 16 + (size_t)i * 16;
		const char *nm = names + be32(e + 4);
		if (e[0] == 'N') {
			node = i;
			continue;
		}
		if (e[0] != 'a')
			continue;
		const char *owner = names + be32(buf + 16 + (size_t)node * 16 + 4);
		if (how != FWD_CYCLE && !strcmp(owner, "cache") && !strcmp(nm, "back")) {
			if (how == FWD_SELF) {
				e[1] = 3;
				e[4] = (uint8_t)(fwd_name >> 24);
				e[5] = (uint8_t)(fwd_name >> 16);
				e[6] = (uint8_t)(fwd_name >> 8);
				e[7] = (uint8_t)fwd_name;
			}
			put_be64(e + 8, node);
			target_node = node;
		} else if (how == FWD_CYCLE && !strcmp(owner, "cpu") && !strcmp(nm, "fwd")) {
			put_be64(e + 8, 0);
			target_node = node;
		}
	}
	cr_assert_neq(target_node, UINT32_MAX);
	rewind(f);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	return target_node;
}

/* traces/default with its first MD generation edited (and its hash). */
static uint32_t hostile_md_trace(char *path, size_t n, enum arc_edit how, char *md, size_t mn)
{
	copy_default(path, n, "md-arcs");
	snprintf(md, mn, "%.*s/md-gen1.bin", (int)(strrchr(path, '/') - path), path);
	uint32_t node = edit_md(md, how);
	char *bytes;
	FILE *f = fopen(md, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	bytes = malloc((size_t)len);
	cr_assert_eq(fread(bytes, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	uint8_t h[32];
	char hex[65];
	trace_sha256(bytes, (size_t)len, h);
	trace_sha256_to_hex(h, hex);
	free(bytes);
	json_t *j = load_json(path);
	json_object_set_new(json_array_get(json_object_get(j, "md"), 0), "sha256",
	                    json_string(hex));
	save_json(j, path);
	return node;
}

Test(hostile, md_arcs_at_their_own_node_or_in_a_cycle_are_refused)
{
	static const struct {
		enum arc_edit how;
		const char *arc, *why;
	} cases[] = {
	    {FWD_SELF, "'fwd' arc points at node", "fill_in_one_cache"},
	    {BACK_SELF, "'back' arc points at node", "find_back_node_value"},
	    {FWD_CYCLE, "closes a cycle of 'fwd' arcs", "fill_in_one_cache"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[1100], md[1100], out[8192], node[32];
		uint32_t at = hostile_md_trace(path, sizeof path, cases[i].how, md, sizeof md);
		snprintf(node, sizeof node, "node %u", at);
		int rc = run_cmd(out, sizeof out, "build/ldomsim md check %s", md);
		expect_refused(1, "md check", out, rc, node, cases[i].arc, cases[i].why, NULL);
		rc = run_cmd(out, sizeof out, "build/ldomsim trace check %s", path);
		expect_refused(1, "trace check", out, rc, node, cases[i].arc, NULL);
		rc = run_cmd(out, sizeof out, "timeout 60 build/ldomsim run %s -o /dev/null", path);
		expect_refused(2, "run", out, rc, node, cases[i].arc, NULL);
	}
}

/* ---- md diff ---- */

/* An MD of ncpu strands, each with a level-1 cache (no id: identified by
 * the lowest strand it serves), all under one `cpus` node; strand skip
 * left out. */
static void write_wide_md(const char *path, long ncpu, long skip)
{
	struct md_builder *b;
	struct md_buf out;
	struct md_err e;
	md_bnode_t root, cpus, pl;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	md_b_node(b, "root", &root);
	md_b_node(b, "platform", &pl);
	md_b_u64(b, pl, "max-cpus", 4096);
	md_b_arc(b, root, "fwd", pl);
	md_b_arc(b, pl, "back", root);
	md_b_node(b, "cpus", &cpus);
	md_b_arc(b, root, "fwd", cpus);
	md_b_arc(b, cpus, "back", root);
	for (long i = 0; i < ncpu; i++) {
		md_bnode_t c, l1;
		if (i == skip)
			continue;
		md_b_node(b, "cpu", &c);
		md_b_u64(b, c, "id", (uint64_t)i);
		md_b_arc(b, cpus, "fwd", c);
		md_b_arc(b, c, "back", cpus);
		md_b_node(b, "cache", &l1);
		md_b_u64(b, l1, "level", 1);
		md_b_strn(b, l1, "type", "data", 5);
		md_b_arc(b, c, "fwd", l1);
		md_b_arc(b, l1, "back", c);
	}
	cr_assert_eq(md_b_finish(b, &out), MD_OK);
	cr_assert_eq(md_buf_write_file(&out, path, &e), MD_OK, "%s", e.msg);
	md_buf_free(&out);
	md_builder_free(b);
}

/* 10^5 nodes under one container: 34 s when every cache's search rescanned
 * the container's 5 * 10^4 arcs, 0.4 s now (measured here). */
Test(hostile, md_diff_is_not_quadratic, .timeout = 120)
{
	char dir[1024], out[4096];
	test_tmpdir(dir, sizeof dir, "mddiff");
	char a[1100], b[1100];
	snprintf(a, sizeof a, "%s/a.bin", dir);
	snprintf(b, sizeof b, "%s/b.bin", dir);
	write_wide_md(a, 50000, -1);
	write_wide_md(b, 50000, 7);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = run_cmd(out, sizeof out, "build/ldomsim md diff %s %s", a, b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "strands removed (1): 7"), "%s", out);
	cr_expect(strstr(out, "node removed: cache L1 data of cpu 7"), "%s", out);
	cr_expect_lt(s, 12.0, "md diff of 10^5 nodes took %.1f s", s);
}

/* ---- sweep ---- */

Test(hostile, sweep_refuses_bad_options_before_any_point)
{
	static const char *const bad[][2] = {
	    {"--set bogus=1", "bogus"},
	    {"--set cpi=1e-7", "0.1..1000"},
	    {"--guest /nonexistent/guest.elf", "/nonexistent/guest.elf"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char dir[1024], out[4096];
		test_tmpdir(dir, sizeof dir, "sweep");
		int rc =
		    run_cmd(out, sizeof out,
		            "build/ldomsim sweep --shape t2 --present 16,24 --add 8 --jobs 1 -o "
		            "%s/s %s",
		            dir, bad[i][0]);
		expect_refused(2, bad[i][0], out, rc, bad[i][1], NULL);
		cr_expect_neq(test_sh("test -e %s/s/points/p16-a8.log", dir), 0, "%s: a point ran",
		              bad[i][0]);
	}
}
