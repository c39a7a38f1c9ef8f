/*
 * ldomsim — `trace import`: a capture directory written by
 * scripts/record-ldom.sh on a real sun4v Linux guest becomes a trace.
 *
 *   manifest.txt      key=value lines (format=ldomsim-capture-1, ...)
 *   mdesc-before.bin  /dev/mdesc before the operation (MD generation 1)
 *   mdesc-gen<N>.bin  /dev/mdesc after the (N-1)-th md-update, when the
 *                     operation made more than one (generations 2 ... )
 *   mdesc-after.bin   /dev/mdesc after it (the last generation)
 *   dmesg.txt         the kernel log lines printed during the operation
 *   ftrace.txt        the function_graph trace (funcgraph-abstime, -proc,
 *                     -duration, -cpu), exactly as /sys/kernel/tracing/trace
 *                     prints it, "CPU:N [LOST M EVENTS]" overrun markers
 *                     included (recorded in the trace's capture.lost_events)
 *
 * hcall records come from the durations of the hypercall wrappers
 * (sun4v_<name> -> the function <name>) per cpu; DR operations from the
 * ds.c log lines ("Machine description update.", "Starting cpu N...",
 * "Shutting down cpu N...", "CPU startup failed"), grouped into requests by
 * the dr_cpu_configure/dr_cpu_unconfigure calls in the ftrace capture.
 * The DS exchange is reconstructed from those (there is no byte capture of
 * the LDC channel), without "raw".
 *
 * This file assembles the trace; the capture's files are read by
 * trace_capture.c (with trace_ftrace.c's line parser), and the output
 * folder is staged by trace_outdir.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/md.h"
#include "traces/trace_gen.h"
#include "traces/trace_internal.h"
#include "util/file.h"
#include "util/stats.h"

enum trace_status trace_import(const char *cap, const char *dir, struct trace_error *err)
{
	char *p_manifest = NULL, *p_before = NULL, *p_after = NULL, *p_dmesg = NULL,
	     *p_ftrace = NULL;
	char *manifest = NULL, *shape = NULL, *path = NULL, *text = NULL;
	size_t manifest_len;
	struct trace_imp_mdinfo *mds = NULL; /* generation g + 1 at index g */
	char **md_src = NULL;                /* the capture file of each */
	size_t nmds = 0, nupdates = 0, ngen_op = 0;
	struct trace_imp_lostacc *lost = NULL;
	struct trace_imp_outdir od = {0};
	struct trace_imp_calls calls = {0}, hc = {0};
	uint32_t *fnof = NULL, *opcpus = NULL;
	struct trace_imp_klog *kl = NULL;
	size_t nkl = 0;
	enum trace_status st = TRACE_OK;
	json_t *doc = NULL, *md = NULL, *mach = NULL, *sc = NULL, *ops = NULL;
	json_t *ds = NULL, *hcalls = NULL;
	int ok = 1;
	uint64_t t_base = UINT64_MAX, handle[16], req_num = 0;
	int probed = 0;
	struct trace *t = NULL;

	{
		struct stat sb;

		if (stat(cap, &sb))
			return trace_fail(err, TRACE_ERR_IO, cap, NULL,
			                  "cannot read the capture folder: %s", strerror(errno));
		if (!S_ISDIR(sb.st_mode))
			return trace_fail(err, TRACE_ERR_IO, cap, NULL,
			                  "not a folder (scripts/record-ldom.sh writes a capture "
			                  "folder)");
	}
	if (!(lost = calloc(TRACE_MAX_CPUS, sizeof(*lost))) ||
	    asprintf(&p_manifest, "%s/manifest.txt", cap) < 0 ||
	    asprintf(&p_before, "%s/mdesc-before.bin", cap) < 0 ||
	    asprintf(&p_after, "%s/mdesc-after.bin", cap) < 0 ||
	    asprintf(&p_dmesg, "%s/dmesg.txt", cap) < 0 ||
	    asprintf(&p_ftrace, "%s/ftrace.txt", cap) < 0) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	if (util_read_file(p_manifest, (uint8_t **)&manifest, &manifest_len)) {
		st = trace_fail(err, TRACE_ERR_IO, p_manifest, NULL, "cannot read: %s",
		                strerror(errno));
		goto out;
	}
	{
		char *fmt = trace__manifest_get(manifest, "format");
		int good = fmt && !strcmp(fmt, "ldomsim-capture-1");

		free(fmt);
		if (!good) {
			st = trace_fail(err, TRACE_ERR_FORMAT, p_manifest, NULL,
			                "expected a line format=ldomsim-capture-1");
			goto out;
		}
	}
	shape = trace__manifest_get(manifest, "shape");
	if ((st = trace__read_dmesg(p_dmesg, &kl, &nkl, err)) ||
	    (st = trace__read_ftrace(p_ftrace, &calls, lost, err)))
		goto out;
	/* MD generations: 1 before the operation, one more per md-update line of
	 * the kernel log; the last is mdesc-after.bin, those in between
	 * mdesc-gen<N>.bin (scripts/record-ldom.sh saves each MD it sees). */
	for (size_t i = 0; i < nkl; i++)
		nupdates += kl[i].kind == 0;
	nmds = (nupdates ? nupdates : 1) + 1;
	mds = calloc(nmds, sizeof(*mds));
	md_src = calloc(nmds, sizeof(*md_src));
	if (!mds || !md_src) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t g = 0; g < nmds; g++) {
		int r = g == 0          ? asprintf(&md_src[g], "%s", p_before)
		        : g == nmds - 1 ? asprintf(&md_src[g], "%s", p_after)
		                        : asprintf(&md_src[g], "%s/mdesc-gen%zu.bin", cap, g + 1);

		if (r < 0) {
			md_src[g] = NULL;
			st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
			goto out;
		}
		if (g && g < nmds - 1 && access(md_src[g], F_OK)) {
			st = trace_fail(
			    err, TRACE_ERR_MISSING, p_dmesg, NULL,
			    "%zu md-update lines (\"Machine description update.\"): "
			    "generation %zu needs the capture's MD file mdesc-gen%zu.bin "
			    "(generation 1 is mdesc-before.bin, generation %zu "
			    "mdesc-after.bin), which %s lacks",
			    nupdates, g + 1, g + 1, nmds, cap);
			goto out;
		}
		if ((st = trace__read_md(md_src[g], &mds[g], err)))
			goto out;
	}
	if (!nkl) {
		st =
		    trace_fail(err, TRACE_ERR_MISSING, p_dmesg, NULL,
		               "no ds.c log line (\"ds-N: Machine description update.\", \"ds-N: "
		               "Starting cpu N...\"); was the operation done while recording, with "
		               "printk times on?");
		goto out;
	}
	for (size_t g = 1; g < nmds; g++)
		if (mds[g].max_cpus != mds[0].max_cpus) {
			st = trace_fail(err, TRACE_ERR_CONSISTENCY, md_src[g], NULL,
			                "max-cpus %u differs from mdesc-before.bin's %u",
			                mds[g].max_cpus, mds[0].max_cpus);
			goto out;
		}

	/* hcall wrapper calls: sun4v_<fn name>. */
	fnof = calloc(calls.n + 1, sizeof(uint32_t));
	if (!fnof) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < calls.n; i++)
		probed |= calls.v[i].probed;
	for (size_t i = 0; i < calls.n; i++) {
		const struct trace_hcall_fn_info *fi;

		if (calls.v[i].start_ns < t_base)
			t_base = calls.v[i].start_ns;
		if (calls.v[i].probed != probed || strncmp(calls.v[i].func, "sun4v_", 6) ||
		    !(fi = trace_hcall_fn_by_name(calls.v[i].func + 6)))
			continue;
		if (calls.v[i].cpu >= mds[0].max_cpus)
			continue;
		fnof[hc.n] = fi->fn;
		if (trace__calls_add(&hc, &calls.v[i])) {
			st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < nkl; i++)
		if (kl[i].t_ns < t_base)
			t_base = kl[i].t_ns;
	if (t_base == UINT64_MAX)
		t_base = 0;

	doc = json_object();
	md = json_array();
	mach = json_object();
	sc = json_object();
	ops = json_array();
	ds = json_array();
	hcalls = json_array();
	/* Everything is written into a staging folder next to dir and moved
	 * into place once the trace is valid: a failed import leaves nothing. */
	if ((st = trace__outdir_open(&od, dir, err)))
		goto out;
	for (size_t g = 0; g < nmds; g++) {
		size_t len;
		const uint8_t *b = md_bytes(mds[g].md, &len);
		char name[40], hx[65];
		uint8_t h[32];

		snprintf(name, sizeof(name), "md-gen%zu.bin", g + 1);
		if ((st = trace__outdir_write(&od, name, b, len, err)))
			goto out;
		if (trace_sha256(b, len, h)) {
			st = trace_fail(err, TRACE_ERR_DIGEST, dir, NULL,
			                "%s: libcrypto could not compute its SHA-256", name);
			goto out;
		}
		trace_sha256_to_hex(h, hx);
		trace_append(md,
		             json_pack("{s:i, s:s, s:s, s:I}", "generation", (int)g + 1, "file",
		                       name, "sha256", hx, "size", (json_int_t)len),
		             &ok);
	}
	trace_put(doc, "format", json_string(TRACE_FORMAT_NAME), &ok);
	/* the lowest version that holds what is written here: 1.2 with lost
	 * events, else 1.0 */
	{
		int any = 0;

		for (uint32_t c = 0; c < mds[0].max_cpus; c++)
			any |= lost[c].seen;
		trace_put(doc, "version", json_pack("[i, i]", TRACE_VERSION_MAJOR, any ? 2 : 0),
		          &ok);
	}
	{
		char *host = trace__manifest_get(manifest, "host"),
		     *kernel = trace__manifest_get(manifest, "kernel");
		char *c = NULL;

		if (asprintf(&c, "imported from %s (host %s, kernel %s)", cap, host ? host : "?",
		             kernel ? kernel : "?") >= 0)
			trace_put(doc, "comment", json_string(c), &ok);
		free(c);
		free(host);
		free(kernel);
	}
	/* Machine: from the MD and the manifest; the shape counts default to one
	 * socket x one core per strand when the manifest does not give them. */
	{
		char *so = trace__manifest_get(manifest, "sockets"),
		     *co = trace__manifest_get(manifest, "cores_per_socket");
		char *sp = trace__manifest_get(manifest, "strands_per_core"),
		     *cpi = trace__manifest_get(manifest, "cpi");
		long s = so ? atol(so) : 1, c = co ? atol(co) : 1;
		long k = sp ? atol(sp) : (long)mds[0].max_cpus;
		double cv = cpi ? atof(cpi) : 1.5;

		trace_put(mach, "shape", json_string(shape && *shape ? shape : "imported"), &ok);
		trace_put(mach, "sockets", json_integer(s), &ok);
		trace_put(mach, "cores_per_socket", json_integer(c), &ok);
		trace_put(mach, "strands_per_core", json_integer(k), &ok);
		trace_put(mach, "max_cpus", json_integer(mds[0].max_cpus), &ok);
		trace_put(mach, "cpi", json_real(cv), &ok);
		trace_put(mach, "clock_hz",
		          json_integer((json_int_t)(mds[0].clock_hz ? mds[0].clock_hz : 1)), &ok);
		trace_put(mach, "stick_hz",
		          json_integer((json_int_t)(mds[0].stick_hz ? mds[0].stick_hz : 1)), &ok);
		free(so);
		free(co);
		free(sp);
		free(cpi);
	}
	struct trace_costs gen_costs;
	trace_gen_costs(&gen_costs);
	trace_put(mach, "costs", trace_costs_json(&gen_costs), &ok);
	trace_put(doc, "machine", mach, &ok);
	mach = NULL;
	trace_put(doc, "md", md, &ok);
	md = NULL;

	/* DS: handshake (handles from the ds.c scheme, index << 32), then one
	 * request/reply per operation. */
	{
		static const char *const types[] = {"INIT_REQ", "INIT_ACK"};

		trace_append(ds,
		             json_pack("{s:s, s:s, s:i, s:i}", "dir", "from-guest", "type",
		                       types[0], "major", 1, "minor", 0),
		             &ok);
		trace_append(
		    ds,
		    json_pack("{s:s, s:s, s:i}", "dir", "to-guest", "type", types[1], "minor", 0),
		    &ok);
		for (size_t i = 0; i < trace_ds_nservices; i++) {
			handle[i] = (uint64_t)i << 32;
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:i, s:i, s:s}", "dir",
			                       "from-guest", "type", "REG_REQ", "handle",
			                       trace_hex_json(handle[i]), "major", 1, "minor", 0,
			                       "service", trace_ds_services[i]),
			             &ok);
		}
		for (size_t i = 0; i < trace_ds_nservices; i++)
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:i}", "dir", "to-guest", "type",
			                       "REG_ACK", "handle", trace_hex_json(handle[i]),
			                       "minor", 0),
			             &ok);
	}
	opcpus = calloc(TRACE_MAX_CPUS + 1, sizeof(uint32_t));
	if (!opcpus) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nkl;) {
		uint64_t t_op = kl[i].t_ns - t_base;

		if (kl[i].kind == 0) {
			req_num++;
			ngen_op++;
			trace_append(ops,
			             json_pack("{s:I, s:s, s:I, s:i}", "t_ns", (json_int_t)t_op,
			                       "op", "md-update", "req_num", (json_int_t)req_num,
			                       "generation", (int)ngen_op + 1),
			             &ok);
			trace_append(ds,
			             json_pack("{s:I, s:s, s:s, s:o, s:s, s:I}", "t_ns",
			                       (json_int_t)t_op, "dir", "to-guest", "type", "DATA",
			                       "handle", trace_hex_json(handle[0]), "service",
			                       "md-update", "req_num", (json_int_t)req_num),
			             &ok);
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:s, s:I, s:i}", "dir",
			                       "from-guest", "type", "DATA", "handle",
			                       trace_hex_json(handle[0]), "service", "md-update",
			                       "req_num", (json_int_t)req_num, "result", 0),
			             &ok);
			i++;
			continue;
		}
		if (kl[i].kind == 3) {
			i++;
			continue;
		}
		/* One dr-cpu request: the run of Starting/Shutting lines inside one
		 * dr_cpu_configure/dr_cpu_unconfigure call (or the whole run). */
		{
			int kind = kl[i].kind;
			const char *fname = kind == 1 ? "dr_cpu_configure" : "dr_cpu_unconfigure";
			uint64_t lo = 0, hi = UINT64_MAX;
			size_t n = 0, j;
			uint8_t failed[TRACE_MAX_CPUS / 8] = {0};
			json_t *ents = json_array();

			for (size_t c = 0; c < calls.n; c++)
				if (!strcmp(calls.v[c].func, fname) &&
				    calls.v[c].start_ns <= kl[i].t_ns &&
				    kl[i].t_ns <= calls.v[c].start_ns + calls.v[c].dur_ns) {
					lo = calls.v[c].start_ns;
					hi = lo + calls.v[c].dur_ns;
					break;
				}
			for (j = i; j < nkl && (kl[j].kind == kind || kl[j].kind == 3) &&
			            kl[j].t_ns >= lo && kl[j].t_ns <= hi;
			     j++) {
				if (kl[j].kind == 3) {
					if (n)
						failed[opcpus[n - 1] / 8] |=
						    (uint8_t)(1u << (opcpus[n - 1] % 8));
					continue;
				}
				if (kl[j].cpu < mds[0].max_cpus && n < TRACE_MAX_CPUS)
					opcpus[n++] = kl[j].cpu;
			}
			req_num++;
			trace_append(ops,
			             json_pack("{s:I, s:s, s:I, s:o}", "t_ns", (json_int_t)t_op,
			                       "op", kind == 1 ? "configure" : "unconfigure",
			                       "req_num", (json_int_t)req_num, "cpus",
			                       trace_cpus_json(opcpus, n)),
			             &ok);
			trace_append(ds,
			             json_pack("{s:I, s:s, s:s, s:o, s:s, s:I, s:s, s:o}", "t_ns",
			                       (json_int_t)t_op, "dir", "to-guest", "type", "DATA",
			                       "handle", trace_hex_json(handle[3]), "service",
			                       "dr-cpu", "req_num", (json_int_t)req_num, "req",
			                       kind == 1 ? "configure" : "unconfigure", "cpus",
			                       trace_cpus_json(opcpus, n)),
			             &ok);
			qsort(opcpus, n, sizeof(uint32_t), util_cmp_u32);
			for (size_t k = 0; k < n; k++) {
				int bad = (failed[opcpus[k] / 8] >> (opcpus[k] % 8)) & 1;

				if (k && opcpus[k] == opcpus[k - 1])
					continue;
				trace_append(ents,
				             json_pack("{s:i, s:i, s:i}", "cpu", (int)opcpus[k],
				                       "result", bad ? 1 : 0, "stat",
				                       kind == 1 ? (bad ? 1 : 2) : (bad ? 2 : 1)),
				             &ok);
			}
			trace_append(ds,
			             json_pack("{s:s, s:s, s:o, s:s, s:I, s:s, s:o}", "dir",
			                       "from-guest", "type", "DATA", "handle",
			                       trace_hex_json(handle[3]), "service", "dr-cpu",
			                       "req_num", (json_int_t)req_num, "resp", "ok",
			                       "entries", ents),
			             &ok);
			i = j > i ? j : i + 1;
		}
	}
	trace_put(sc, "present", trace_cpus_json(mds[0].cpus, mds[0].ncpus), &ok);
	{
		/* The DS thread's strand: where dr_cpu_data / md-update ran, else the first
		 * present. */
		uint32_t dss = mds[0].cpus[0];

		for (size_t c = 0; c < calls.n; c++)
			if ((!strcmp(calls.v[c].func, "dr_cpu_data") ||
			     !strcmp(calls.v[c].func, "mdesc_update")) &&
			    bsearch(&calls.v[c].cpu, mds[0].cpus, mds[0].ncpus, sizeof(uint32_t),
			            util_cmp_u32)) {
				dss = calls.v[c].cpu;
				break;
			}
		trace_put(sc, "ds_strand", json_integer(dss), &ok);
	}
	trace_put(sc, "ops", ops, &ok);
	ops = NULL;
	trace_put(doc, "scenario", sc, &ok);
	sc = NULL;
	trace_put(doc, "ds", ds, &ok);
	ds = NULL;
	for (size_t i = 0; i < hc.n; i++) {
		const struct trace_hcall_fn_info *fi = trace_hcall_fn_by_number(fnof[i]);

		json_t *args = json_array();
		uint32_t na = hc.v[i].nargs < fi->nargs ? hc.v[i].nargs : fi->nargs;

		for (uint32_t k = 0; k < na; k++)
			trace_append(args, trace_hex_json(hc.v[i].args[k]), &ok);
		trace_append(
		    hcalls,
		    json_pack("{s:i, s:I, s:i, s:s, s:o, s:I, s:[], s:I}", "strand",
		              (int)hc.v[i].cpu, "t_ns", (json_int_t)(hc.v[i].start_ns - t_base),
		              "fn", (int)fi->fn, "name", fi->name, "args", args, "status",
		              (json_int_t)(hc.v[i].status <= 17 ? hc.v[i].status : 11 /* EIO */),
		              "rets", "latency_ns", (json_int_t)hc.v[i].dur_ns),
		    &ok);
	}
	trace_put(doc, "hcalls", hcalls, &ok);
	hcalls = NULL;
	trace_put(doc, "hcall_model", trace__fit_model(&hc, fnof, trace__fnv1a(manifest), &ok),
	          &ok);
	{
		json_t *le = json_array();

		for (uint32_t c = 0; c < mds[0].max_cpus; c++)
			if (lost[c].seen)
				trace_append(
				    le,
				    json_pack("{s:i, s:o}", "cpu", (int)c, "events",
				              lost[c].unknown
				                  ? json_string("unknown")
				                  : json_integer((json_int_t)lost[c].events)),
				    &ok);
		if (json_array_size(le))
			trace_put(doc, "capture", json_pack("{s:o}", "lost_events", le), &ok);
		else
			json_decref(le);
	}
	if (!ok || !(text = trace_json_dump(doc))) {
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	if (asprintf(&path, "%s/trace.json", od.stage) < 0) {
		path = NULL;
		st = trace_fail(err, TRACE_ERR_NOMEM, cap, NULL, "out of memory");
		goto out;
	}
	/* Messages about the trace name the capture: the staging folder goes. */
	if ((st = trace_load_mem(text, strlen(text), cap, od.stage, &t, err))) {
		trace__outdir_rename_in_msg(&od, err, md_src, nmds, cap);
		goto out;
	}
	if ((st = trace_save(t, path, err)) || (st = trace__outdir_note(&od, "trace.json", err)) ||
	    (st = trace__outdir_commit(&od, err)))
		goto out;
out:
	/* A write that failed names the file asked for, not the staging
	 * folder that is about to go. */
	if (st && od.stage)
		trace__replace_all(err->msg, sizeof(err->msg), od.stage, dir);
	if (st)
		trace__outdir_abort(&od);
	trace__outdir_free(&od);
	trace_free(t);
	json_decref(doc);
	json_decref(md);
	json_decref(mach);
	json_decref(sc);
	json_decref(ops);
	json_decref(ds);
	json_decref(hcalls);
	free(text);
	free(path);
	free(opcpus);
	free(fnof);
	free(kl);
	free(calls.v);
	free(hc.v);
	for (size_t g = 0; mds && g < nmds; g++) {
		md_free(mds[g].md);
		free(mds[g].cpus);
		free(md_src ? md_src[g] : NULL);
	}
	free(mds);
	free(md_src);
	free(lost);
	free(shape);
	free(manifest);
	free(p_manifest);
	free(p_before);
	free(p_after);
	free(p_dmesg);
	free(p_ftrace);
	return st;
}
