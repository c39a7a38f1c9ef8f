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
