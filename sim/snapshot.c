/*
 * sim/snapshot.c — the machine's part of a boot snapshot (issue 14): guest
 * RAM as an image, only its non-zero pages, compressed (zlib). The state
 * of strands and models comes next; see sim.h.
 */
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/sim_impl.h"
#include "util/bytes.h"
#include "util/ser.h"

#define RAM_MAGIC "LDOMSIM-RAM1"
#define RAM_HDR   (12 + 8 + 8 + 8) /* magic, ram size, pages, raw length */

/* Pages the host never backed are zero without reading them (guest RAM
 * is an anonymous mapping): /proc/self/pagemap says, per host page,
 * whether it is in memory (bit 63) or in swap (bit 62); neither: never
 * written. One byte per host page, 1 = backed; NULL when pagemap cannot be
 * read (then every page is read). mincore() would not do: a page in swap
 * is not resident yet holds data. */
static unsigned char *backed(const struct sim *s)
{
	long hp = sysconf(_SC_PAGESIZE);
	if (hp <= 0 || SIM_SNAP_PAGE % hp)
		return NULL;
	size_t np = s->cfg.ram_size / (size_t)hp;
	unsigned char *v = malloc(np);
	uint64_t *e = malloc(np * sizeof *e);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t at = (off_t)((uintptr_t)s->ram / (uintptr_t)hp * sizeof *e);
	size_t want = np * sizeof *e, got = 0;
	while (v && e && fd >= 0 && got < want) {
		ssize_t r = pread(fd, (char *)e + got, want - got, at + (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	if (!v || !e || got != want) {
		free(v);
		free(e);
		return NULL;
	}
	for (size_t i = 0; i < np; i++)
		v[i] = (e[i] >> 62) != 0;
	free(e);
	return v;
}

static int untouched(const unsigned char *res, uint64_t page)
{
	long hp = sysconf(_SC_PAGESIZE);
	size_t per = SIM_SNAP_PAGE / (size_t)hp;
	for (size_t i = 0; res && i < per; i++)
		if (res[page * per + i])
			return 0;
	return res != NULL;
}

static int page_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	for (size_t i = 0; i < SIM_SNAP_PAGE / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

int sim_ram_image(const struct sim *s, int level, uint8_t **out, size_t *len, char *err, size_t n)
{
	uint64_t pages = s->cfg.ram_size / SIM_SNAP_PAGE, used = 0;
	unsigned char *res = backed(s);
	*out = NULL;
	*len = 0;
	for (uint64_t i = 0; i < pages; i++)
		used += !untouched(res, i) && !page_zero(s->ram + i * SIM_SNAP_PAGE);
	/* raw: (u64 page index, page) per non-zero page */
	size_t raw_len = (size_t)used * (8 + SIM_SNAP_PAGE);
	uint8_t *raw = malloc(raw_len ? raw_len : 1);
	uLongf zlen = compressBound((uLong)raw_len);
	uint8_t *img = malloc(RAM_HDR + zlen);
	if (!raw || !img) {
		free(raw);
		free(img);
		free(res);
		util_errf(err, n, "out of memory (RAM image of %llu pages)",
		          (unsigned long long)used);
		return SIM_E_NOMEM;
	}
	uint8_t *p = raw;
	for (uint64_t i = 0; i < pages; i++) {
		const uint8_t *pg = s->ram + i * SIM_SNAP_PAGE;
		if (untouched(res, i) || page_zero(pg))
			continue;
		util_put_be64(p, i);
		memcpy(p + 8, pg, SIM_SNAP_PAGE);
		p += 8 + SIM_SNAP_PAGE;
	}
	free(res);
	if (compress2(img + RAM_HDR, &zlen, raw, (uLong)raw_len, level) != Z_OK) {
		free(raw);
		free(img);
		util_errf(err, n, "RAM image: compression failed");
		return SIM_E_NOMEM;
	}
	free(raw);
	memcpy(img, RAM_MAGIC, 12);
	util_put_be64(img + 12, s->cfg.ram_size);
	util_put_be64(img + 20, used);
	util_put_be64(img + 28, raw_len);
	*out = img;
	*len = RAM_HDR + zlen;
	return SIM_OK;
}

int sim_ram_load(struct sim *s, const uint8_t *img, size_t len, char *err, size_t n)
{
	if (s->opened) {
		/* Unicorn does not see host writes to mapped RAM: blocks already
		 * translated would run the old code. */
		util_errf(err, n, "a RAM image loads only before the first strand starts");
		return SIM_E_ARG;
	}
	if (len < RAM_HDR || memcmp(img, RAM_MAGIC, 12)) {
		util_errf(err, n, "not a RAM image (%zu bytes)", len);
		return SIM_E_ARG;
	}
	uint64_t ram = util_be64(img + 12), used = util_be64(img + 20),
	         raw_len = util_be64(img + 28);
	if (ram != s->cfg.ram_size || used > ram / SIM_SNAP_PAGE ||
	    raw_len != used * (8 + SIM_SNAP_PAGE)) {
		util_errf(err, n,
		          "RAM image of %llu bytes and %llu pages does not fit this machine's %llu "
		          "bytes",
		          (unsigned long long)ram, (unsigned long long)used,
		          (unsigned long long)s->cfg.ram_size);
		return SIM_E_ARG;
	}
	uint8_t *raw = malloc(raw_len ? raw_len : 1);
	uLongf got = (uLongf)raw_len;
	if (!raw) {
		util_errf(err, n, "out of memory (RAM image)");
		return SIM_E_NOMEM;
	}
	if (uncompress(raw, &got, img + RAM_HDR, (uLong)(len - RAM_HDR)) != Z_OK ||
	    got != raw_len) {
		free(raw);
		util_errf(err, n, "RAM image: corrupt or truncated compressed data");
		return SIM_E_ARG;
	}
	/* Validate every index before touching RAM: a bad image changes nothing. */
	for (uint64_t k = 0; k < used; k++)
		if (util_be64(raw + k * (8 + SIM_SNAP_PAGE)) >= ram / SIM_SNAP_PAGE) {
			free(raw);
			util_errf(err, n, "RAM image: page index out of range");
			return SIM_E_ARG;
		}
	/* All zero again: dropping the anonymous pages is that, and cheap. */
	if (madvise(s->ram, s->cfg.ram_size, MADV_DONTNEED))
		memset(s->ram, 0, s->cfg.ram_size);
	for (uint64_t k = 0; k < used; k++) {
		const uint8_t *e = raw + k * (8 + SIM_SNAP_PAGE);
		memcpy(s->ram + util_be64(e) * SIM_SNAP_PAGE, e + 8, SIM_SNAP_PAGE);
	}
	free(raw);
	return SIM_OK;
}

/* ---- the whole machine --------------------------------------------------- */

int sim_state_save(const struct sim *s, struct ser_w *w, char *err, size_t n)
{
	if (s->cur || s->stepping || s->host_err[0]) {
		util_errf(err, n, "the machine is not between runs%s%s", s->host_err[0] ? ": " : "",
		          s->host_err);
		return SIM_E_ARG;
	}
	uint8_t *ram = NULL, *cpu = malloc(sim_priv_state_size());
	size_t len = 0;
	if (!cpu) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	int rc = sim_ram_image(s, 1, &ram, &len, err, n);
	if (rc) {
		free(cpu);
		return rc;
	}
	ser_tag(w, "sim ");
	ser_put_u64(w, s->nthreads);
	ser_put_u64(w, s->cfg.ram_size);
	ser_put_array(w, ram, len, 1);
	free(ram);
	for (unsigned i = 0; i < s->nthreads; i++) {
		struct strand st = s->strands[i];
		st.eng = NULL;
		ser_put(w, &st, sizeof st);
		ser_put_u64(w, s->strands[i].eng != NULL);
		if (s->strands[i].eng) {
			sim_priv_state_save(&s->strands[i].eng->cpu, cpu);
			ser_put(w, cpu, sim_priv_state_size());
		}
	}
	free(cpu);
	uint64_t v[4] = {s->brk, s->brk_end, (uint64_t)s->powered_off, (uint64_t)s->preempt};
	ser_put(w, v, sizeof v);
	ser_put(w, &s->power, sizeof s->power);
	ser_put_u64(w, s->nnotes);
	for (size_t i = 0; i < s->nnotes; i++)
		ser_put_str(w, s->notes[i]);
	ser_put_array(w, s->verdicts, s->nverdicts, sizeof *s->verdicts);
	ser_put_u64(w, s->prof != NULL);
	if (s->prof)
		sim_prof_save(s->prof, w);
	if (ser_w_failed(w)) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	return SIM_OK;
}

/* Give thread st an engine holding the saved cpu state (and its stop
 * hook back). */
static int load_engine(struct sim *s, struct strand *st, const uint8_t *cpu, char *err, size_t n)
{
	struct engine *e;
	int rc = sim__engine_open(s, &e, err, n);
	if (rc)
		return rc;
	st->eng = e;
	uc_err ue;
	if (sim_priv_state_load(&e->cpu, cpu)) {
		util_errf(err, n, "thread %u: a cpu state no save made", st->id);
		return SIM_E_ARG;
	}
	if (st->stop_addr &&
	    (ue = uc_hook_add(e->uc, &e->stop_hook, UC_HOOK_CODE, (void *)sim__hook_stop_at, s,
	                      st->stop_addr, st->stop_addr + 3))) {
		util_errf(err, n, "thread %u: stop hook: %s", st->id, uc_strerror(ue));
		return SIM_E_UNICORN;
	}
	return SIM_OK;
}

int sim_state_load(struct sim *s, struct ser_r *r, char *err, size_t n)
{
	if (s->opened || s->cur) {
		util_errf(err, n, "a machine state loads only before the first strand starts");
		return SIM_E_ARG;
	}
	ser_expect(r, "sim ");
	if (ser_get_u64(r) != s->nthreads || ser_get_u64(r) != s->cfg.ram_size)
		ser_r_fail(r, "another machine (threads, RAM size)");
	size_t len;
	uint8_t *ram = ser_get_array(r, &len, 1, SIZE_MAX / 2, "RAM image");
	int rc = ser_r_failed(r) ? SIM_E_ARG : sim_ram_load(s, ram, len, err, n);
	free(ram);
	if (rc) {
		if (ser_r_failed(r))
			util_errf(err, n, "%s", r->why);
		return rc;
	}
	size_t cpu_len = sim_priv_state_size();
	for (unsigned i = 0; i < s->nthreads && !ser_r_failed(r); i++) {
		struct strand *st = &s->strands[i];
		ser_get(r, st, sizeof *st);
		st->eng = NULL;
		/* Indexes the machine uses as they are: in range, or no load (a
		 * kthread's cpu counts once it runs). */
		if (!ser_r_failed(r) && (st->id != i || (i < s->cfg.max_cpus && st->cpu != i) ||
		                         (st->active && st->cpu >= s->cfg.max_cpus)))
			ser_r_fail(r, "thread %u: id %u on cpu %u", i, st->id, st->cpu);
		if (!ser_get_u64(r) || ser_r_failed(r))
			continue;
		if (st->id != i || !st->active) {
			ser_r_fail(r, "thread %u: an engine for an inactive or misplaced thread",
			           i);
			break;
		}
		if (cpu_len > r->len - r->off) {
			ser_r_fail(r, "thread %u: cpu state past the end", i);
			break;
		}
		if ((rc = load_engine(s, st, r->p + r->off, err, n)))
			return rc;
		r->off += cpu_len;
	}
	uint64_t v[4];
	ser_get(r, v, sizeof v);
	s->brk = v[0];
	s->brk_end = v[1];
	s->powered_off = (int)v[2];
	s->preempt = (int)v[3];
	ser_get(r, &s->power, sizeof s->power);
	/* The saved notes replace the fresh machine's (those of its set-up
	 * are among them). */
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	s->nnotes = 0;
	size_t nnotes = ser_get_count(r, SIM_MAX_NOTES, "notes");
	for (size_t i = 0; i < nnotes && !ser_r_failed(r); i++) {
		char *line = ser_get_str(r), **p = NULL;
		if (line && !(p = realloc(s->notes, (s->nnotes + 1) * sizeof *p)))
			ser_r_fail(r, "notes: out of memory");
		if (!p) {
			free(line);
			continue;
		}
		s->notes = p;
		s->notes[s->nnotes++] = line;
	}
	size_t nv;
	struct sim_verdict *vs = ser_get_array(r, &nv, sizeof *vs, SIZE_MAX / 1024, "verdicts");
	if (!ser_r_failed(r)) {
		free(s->verdicts);
		s->verdicts = vs;
		s->nverdicts = nv;
	} else {
		free(vs);
	}
	if (!ser_r_failed(r) && ser_get_u64(r) != (s->prof != NULL))
		ser_r_fail(r, "profile %s", s->prof ? "missing" : "saved, profiling off");
	if (!ser_r_failed(r) && s->prof)
		sim_prof_load(s->prof, r);
	if (ser_r_failed(r)) {
		util_errf(err, n, "%s", r->why);
		return SIM_E_ARG;
	}
	return SIM_OK;
}
