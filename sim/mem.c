/*
 * sim/mem.c — guest memory: RAM by real address, the image's symbols, boot memory, boot-time
 * patches.
 */
#define _GNU_SOURCE
#include "sim/sim_impl.h"
#include "util/bytes.h"

/* ---- guest memory ---------------------------------------------------- */

int sim_ra_valid(const struct sim *s, uint64_t ra, uint64_t len)
{
	return ra < s->cfg.ram_size && len <= s->cfg.ram_size - ra;
}

uint8_t *sim_ra_ptr(struct sim *s, uint64_t ra, uint64_t len)
{
	return sim_ra_valid(s, ra, len) ? s->ram + ra : NULL;
}

uint64_t sim_ld64(struct sim *s, uint64_t ra)
{
	const uint8_t *p = sim_ra_ptr(s, ra, 8);
	return p ? util_be64(p) : 0;
}

uint32_t sim_ld32(struct sim *s, uint64_t ra)
{
	const uint8_t *p = sim_ra_ptr(s, ra, 4);
	return p ? util_be32(p) : 0;
}

int sim_st64(struct sim *s, uint64_t ra, uint64_t v)
{
	uint8_t *p = sim_ra_ptr(s, ra, 8);
	if (!p)
		return -1;
	util_put_be64(p, v);
	return 0;
}

int sim_st32(struct sim *s, uint64_t ra, uint32_t v)
{
	uint8_t *p = sim_ra_ptr(s, ra, 4);
	if (!p)
		return -1;
	util_put_be32(p, v);
	return 0;
}

int sim_sym(struct sim *s, const char *name, uint64_t *addr)
{
	return sim_image_sym(s->img, name, addr, NULL) ? SIM_E_NOSYM : SIM_OK;
}

const char *sim_symbolize(const struct sim *s, uint64_t addr, char *buf, size_t n)
{
	return sim_image_symbolize(s->img, addr, buf, n);
}

const struct sim_image *sim_image(const struct sim *s)
{
	return s->img;
}

int sim_alloc(struct sim *s, uint64_t size, uint64_t align, uint64_t *ra)
{
	if (!align || (align & (align - 1)))
		return SIM_E_ARG;
	uint64_t at = (s->brk + align - 1) & ~(align - 1);
	if (at < s->brk || at > s->brk_end || size > s->brk_end - at)
		return SIM_E_NOMEM;
	s->brk = at + size;
	/* Guest RAM is anonymous memory and boot memory is never reused:
	 * it is zero already (and stays untouched until used). */
	*ra = at;
	return SIM_OK;
}

uint64_t sim_alloc_avail(const struct sim *s)
{
	return s->brk_end > s->brk ? s->brk_end - s->brk : 0;
}

uint64_t sim_image_end(const struct sim *s)
{
	uint64_t lo, hi;
	sim_image_extent(s->img, &lo, &hi);
	return hi;
}

int sim_apply_patches(struct sim *s, unsigned sets, unsigned *applied, char *err, size_t n)
{
	*applied = 0;
	if (s->opened) {
		/* Unicorn does not see host writes to mapped RAM: blocks
		 * already translated would keep the old instructions. */
		util_errf(err, n, "instruction patches must precede the first strand");
		return SIM_E_ARG;
	}
	if (sim_image_apply_patches(s->img, sets, s->ram, 0, s->cfg.ram_size, applied, err, n))
		return SIM_E_IMAGE;
	return SIM_OK;
}
