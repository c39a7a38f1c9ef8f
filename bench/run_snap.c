/*
 * bench/run_snap.c — boot snapshots of a run (issue 14): after boot (MD
 * generation 1 parsed, per-cpu areas, domain services registered, the
 * channel quiet) the whole state — guest RAM, every thread's clock and
 * cpu state, the hypervisor and kernel models, the memory model's caches,
 * the DS peer, the profile and the run's own boot bookkeeping — goes into
 * the snapshot store under a key made of everything that determines it.
 * A later run with that key restores it and starts at the first
 * operation; its result equals a cold run's apart from `simulator`.
 *
 * The key: this binary's SHA-256 (its code and struct layouts), the
 * Unicorn version, the guest image's SHA-256 and layouts, the trace's
 * machine after overrides, MD generation 1, the present strands, the DS
 * strand, the interrupt sources, and the options that act during boot
 * (RAM size, instruction budget, profile, memory model and its
 * latencies). Not in it, because boot does not read them: the trace's
 * operations, later MD generations, hypercall records and latency model
 * (counted from the scenario's start), faults (injected after boot).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>
#include <zlib.h>

#include "bench/play.h"
#include "bench/run_impl.h"
#include "hv/hv.h"
#include "kernel-model/km.h"
#include "sim/sim.h"
#include "snap/snap.h"
#include "traces/trace.h"
#include "util/bytes.h"
#include "util/ser.h"

#define SNAP_STATE_FORMAT 2 /* the payload's layout; bump on any change */

const char *bench_snap_status_name(enum bench_snap_status s)
{
	switch (s) {
	case BENCH_SNAP_HIT:
		return "hit";
	case BENCH_SNAP_MISS:
		return "miss";
	case BENCH_SNAP_OFF:
		break;
	}
	return "off";
}

/* The key's bytes (ser_w) for the run as boot_machine left it. */
static int key_of(struct bench_run *r, char hex[SNAP_KEY_LEN + 1], char *why, size_t n)
{
	struct ser_w w = {0};
	char self[65], image[65];
	/* The image's hash: its manifest's, which guest_identity checked
	 * against the file, else the file's own (a hand-linked image). */
	const char *known = json_string_value(json_object_get(r->guest, "image_sha256"));
	if (known)
		snprintf(image, sizeof image, "%s", known);
	if (bench_file_sha256("/proc/self/exe", self) ||
	    (!known && bench_file_sha256(r->image, image))) {
		snprintf(why, n, "cannot hash this binary or the guest image");
		return -1;
	}
	const struct trace_machine *m = &r->m;
	const struct trace_md_gen *g1 = trace_md_at(r->trace, 0);
	size_t npresent;
	const uint32_t *present = trace_present(r->trace, &npresent);
	unsigned maj, min;
	uc_version(&maj, &min);
	ser_put_str(&w, "ldomsim boot snapshot");
	ser_put_u64(&w, SNAP_STATE_FORMAT);
	ser_put_str(&w, self);
	ser_put_u64(&w, (uint64_t)maj << 32 | min);
	ser_put_str(&w, image);
	ser_put(&w, &r->layout, sizeof r->layout);
	ser_put_str(&w, m->shape);
	uint64_t mv[7] = {m->sockets, m->cores_per_socket, m->strands_per_core, m->max_cpus,
	                  0,          m->clock_hz,         m->stick_hz};
	memcpy(&mv[4], &m->cpi, sizeof m->cpi);
	ser_put(&w, mv, sizeof mv);
	ser_put(&w, &m->costs, sizeof m->costs);
	ser_put_array(&w, g1->bytes, g1->size, 1);
	ser_put_array(&w, present, npresent, sizeof *present);
	ser_put_u64(&w, trace_ds_strand(r->trace));
	ser_put_array(&w, r->irqs, r->nirqs, sizeof r->irqs[0]);
	uint64_t opt[5] = {r->cfg.ram_size, r->cfg.insn_budget, (uint64_t)!r->cfg.no_profile,
	                   (uint64_t)r->cfg.memory_model, r->mem_over_mask};
	ser_put(&w, opt, sizeof opt);
	ser_put(&w, &r->mem_over, sizeof r->mem_over);
	uint8_t h[32];
	int rc = ser_w_failed(&w) || trace_sha256(w.buf, w.len, h) ? -1 : 0;
	ser_w_free(&w);
	if (rc) {
		snprintf(why, n, "out of memory (key)");
		return -1;
	}
	trace_sha256_to_hex(h, hex);
	return 0;
}

/* The store, or NULL with the note saying why snapshots are off. */
static struct snap_store *open_store(struct bench_run *r)
{
	char dir[4096], err[512];
	struct snap_store *st = NULL;
	if (r->cfg.snapshot_dir)
		snprintf(dir, sizeof dir, "%s", r->cfg.snapshot_dir);
	else if (snap_default_dir(dir, sizeof dir)) {
		snprintf(r->snap_note, sizeof r->snap_note,
		         "no cache folder: neither XDG_CACHE_HOME nor HOME is set");
		return NULL;
	}
	if (snap_store_open(dir, BENCH_SNAP_STORE_MAX, &st, err, sizeof err)) {
		snprintf(r->snap_note, sizeof r->snap_note, "%s", err);
		return NULL;
	}
	return st;
}

/* The run's own boot bookkeeping. */
static void save_run(const struct bench_run *r, struct ser_w *w)
{
	ser_tag(w, "run ");
	uint64_t v[4] = {r->boot_topo_insns, r->boot_topo_ps, r->irq_tid, r->irq_stack};
	ser_put(w, v, sizeof v);
	ser_put_array(w, r->irqs, r->nirqs, sizeof r->irqs[0]);
}

static void load_run(struct bench_run *r, struct ser_r *rd)
{
	uint64_t v[4];
	ser_expect(rd, "run ");
	ser_get(rd, v, sizeof v);
	r->boot_topo_insns = v[0];
	r->boot_topo_ps = v[1];
	r->irq_tid = (unsigned)v[2];
	r->irq_stack = v[3];
	ser_get_fixed(rd, r->irqs, r->nirqs, sizeof r->irqs[0], "interrupt sources");
}

int bench_run_snap_check_dir(const char *dir, char *err, size_t n)
{
	struct snap_store *st = NULL;
	char why[512];
	if (!dir)
		return 0;
	if (!*dir || snap_store_open(dir, BENCH_SNAP_STORE_MAX, &st, why, sizeof why)) {
		snprintf(err, n, "--snapshot-dir '%s': %s", dir,
		         *dir ? why : "empty (omit it for the default store)");
		return -1;
	}
	snap_store_free(st);
	return 0;
}

int bench_run_snap_restore(struct bench_run *r, char *err, size_t n)
{
	r->snap = BENCH_SNAP_OFF;
	if (r->cfg.no_snapshot)
		return 0;
	/* A store named by the caller must work; the default one may not
	 * exist (no HOME): then snapshots are off, with a note. */
	if (bench_run_snap_check_dir(r->cfg.snapshot_dir, err, n))
		return -1;
	double t0 = bench_run_now_s();
	struct snap_store *st = NULL;
	if (key_of(r, r->snap_key, r->snap_note, sizeof r->snap_note) || !(st = open_store(r)))
		return 0;
	r->snap = BENCH_SNAP_MISS;
	uint8_t *data = NULL, *raw = NULL;
	size_t len = 0;
	int rc = snap_get(st, r->snap_key, &data, &len, r->snap_note, sizeof r->snap_note);
	snap_store_free(st);
	if (rc != SNAP_OK) {
		/* absent (no note: the usual first run), or corrupt and removed */
		if (strstr(r->snap_note, ": none"))
			r->snap_note[0] = 0;
		return 0;
	}
	/* The payload: its raw length (u64, big-endian), then zlib. */
	uint64_t raw_len = len >= 8 ? util_be64(data) : 0;
	uLongf got = (uLongf)raw_len;
	if (len < 8 || raw_len > (1ull << 34) || !(raw = malloc(raw_len ? raw_len : 1)) ||
	    uncompress(raw, &got, data + 8, (uLong)(len - 8)) != Z_OK || got != raw_len) {
		free(data);
		free(raw);
		snprintf(r->snap_note, sizeof r->snap_note,
		         "snapshot %.12s: its payload does not decompress: booting cold",
		         r->snap_key);
		return 0;
	}
	free(data);
	r->snap_bytes = len;
	struct ser_r rd;
	char why[512] = "";
	struct run_irq irqs[MAX_IRQS];
	memcpy(irqs, r->irqs, sizeof irqs);
	ser_r_init(&rd, raw, raw_len);
	load_run(r, &rd);
	/* The player first: its port takes the guest's LDC output. */
	if (!ser_r_failed(&rd) && bench_run_play_create(r, err, n)) {
		free(raw);
		return -1;
	}
	if (ser_r_failed(&rd) || sim_state_load(r->board.sim, &rd, why, sizeof why) ||
	    hv_load(r->board.hv, &rd) || km_load(r->board.km, &rd) || bench_mem_load(r->mem, &rd) ||
	    bench_play_load(r->play, &rd) ||
	    (rd.off != rd.len && (ser_r_fail(&rd, "%zu bytes left over", rd.len - rd.off), 1))) {
		free(raw);
		snprintf(r->snap_note, sizeof r->snap_note,
		         "snapshot %.12s does not load (%s): booting cold", r->snap_key,
		         why[0]      ? why
		         : rd.why[0] ? rd.why
		                     : "inconsistent state");
		/* Half loaded: the machine again, as boot_machine makes it. */
		memcpy(r->irqs, irqs, sizeof irqs);
		r->boot_topo_insns = r->boot_topo_ps = 0;
		r->irq_tid = 0;
		r->irq_stack = 0;
		r->snap = BENCH_SNAP_MISS;
		return bench_run_remake_machine(r, err, n) ? -1 : 0;
	}
	free(raw);
	r->snap = BENCH_SNAP_HIT;
	for (unsigned c = 0; c < sim_thread_count(r->board.sim); c++) {
		const struct sim_strand_stats *ss = sim_strand_stats(r->board.sim, c);
		r->snap_insns += ss ? ss->insns : 0;
	}
	r->snap_seconds = bench_run_now_s() - t0;
	return 1;
}

void bench_run_snap_save(struct bench_run *r)
{
	if (r->snap != BENCH_SNAP_MISS)
		return;
	double t0 = bench_run_now_s();
	struct ser_w w = {0};
	char err[512] = "";
	save_run(r, &w);
	if (sim_state_save(r->board.sim, &w, err, sizeof err)) {
		snprintf(r->snap_note, sizeof r->snap_note, "not saved: %s", err);
		ser_w_free(&w);
		return;
	}
	hv_save(r->board.hv, &w);
	km_save(r->board.km, &w);
	bench_mem_save(r->mem, &w);
	if (bench_play_save(r->play, &w) || ser_w_failed(&w)) {
		snprintf(r->snap_note, sizeof r->snap_note,
		         "not saved: the DS channel is not quiet, or out of memory");
		ser_w_free(&w);
		return;
	}
	uLongf zlen = compressBound((uLong)w.len);
	uint8_t *z = malloc(8 + zlen);
	if (!z || compress2(z + 8, &zlen, w.buf, (uLong)w.len, 1) != Z_OK) {
		free(z);
		ser_w_free(&w);
		snprintf(r->snap_note, sizeof r->snap_note, "not saved: out of memory");
		return;
	}
	util_put_be64(z, w.len);
	ser_w_free(&w);
	struct snap_store *st = open_store(r);
	if (st && snap_put(st, r->snap_key, z, 8 + zlen, err, sizeof err))
		snprintf(r->snap_note, sizeof r->snap_note, "not saved: %s", err);
	else if (st)
		r->snap_bytes = 8 + zlen;
	snap_store_free(st);
	free(z);
	r->snap_seconds = bench_run_now_s() - t0;
}
