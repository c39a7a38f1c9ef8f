/*
 * sim/image.c — minimal ELF64 big-endian reader for the guest image.
 * Only what the loader needs: program headers (PT_LOAD) and .symtab.
 */
#include "util/errf.h"
#include "sim/image.h"
#include "util/bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_SPARCV9 43
#define PT_LOAD    1
#define SHT_SYMTAB 2
#define STT_OBJECT 1
#define STT_FUNC   2
#define STT_NOTYPE 0
#define SHN_UNDEF  0
#define SHN_ABS    0xfff1

struct sym {
	uint64_t addr, size;
	const char *name;
	int is_fn; /* STT_FUNC, or an unsized code label (STT_NOTYPE) */
};

struct seg {
	uint64_t paddr, filesz, memsz, offset;
};

struct sim_image {
	char *path;
	uint8_t *file;
	size_t file_len;
	struct seg *segs;
	size_t nsegs;
	struct sym *by_addr; /* functions and objects, sorted by address */
	size_t naddr;
	struct sym *by_name; /* every defined symbol, sorted by name */
	size_t nname;
	uint64_t lo, hi;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* At one address the sized symbol sorts last, so that the backward
	 * walk of sim_image_sym_at meets it before an unsized label. */
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int in_file(const struct sim_image *img, uint64_t off, uint64_t len)
{
	return off <= img->file_len && len <= img->file_len - off;
}

static int read_symbols(struct sim_image *img, const uint8_t *eh, char *err, size_t n)
{
	uint64_t shoff = util_be64(eh + 0x28);
	unsigned shentsize = util_be16(eh + 0x3a), shnum = util_be16(eh + 0x3c);
	if (!shoff || shentsize < 0x40 || !in_file(img, shoff, (uint64_t)shentsize * shnum)) {
		util_errf(err, n, "%s: bad section header table", img->path);
		return -1;
	}
	for (unsigned i = 0; i < shnum; i++) {
		const uint8_t *sh = img->file + shoff + (uint64_t)i * shentsize;
		if (util_be32(sh + 4) != SHT_SYMTAB)
			continue;
		uint64_t off = util_be64(sh + 0x18), size = util_be64(sh + 0x20),
		         entsize = util_be64(sh + 0x38);
		unsigned link = util_be32(sh + 0x28);
		if (entsize < 24 || !in_file(img, off, size) || link >= shnum) {
			util_errf(err, n, "%s: bad .symtab (section %u)", img->path, i);
			return -1;
		}
		const uint8_t *strh = img->file + shoff + (uint64_t)link * shentsize;
		uint64_t stroff = util_be64(strh + 0x18), strsize = util_be64(strh + 0x20);
		if (!in_file(img, stroff, strsize) || !strsize || img->file[stroff + strsize - 1]) {
			util_errf(err, n, "%s: bad symbol string table", img->path);
			return -1;
		}
		size_t count = size / entsize;
		img->by_addr = calloc(count ? count : 1, sizeof *img->by_addr);
		img->by_name = calloc(count ? count : 1, sizeof *img->by_name);
		if (!img->by_addr || !img->by_name) {
			util_errf(err, n, "out of memory");
			return -1;
		}
		for (size_t k = 0; k < count; k++) {
			const uint8_t *s = img->file + off + k * entsize;
			uint32_t name = util_be32(s);
			unsigned type = s[4] & 0xf;
			unsigned shndx = util_be16(s + 6);
			uint64_t value = util_be64(s + 8), sz = util_be64(s + 16);
			if (shndx == SHN_UNDEF || !name || name >= strsize)
				continue;
			const char *nm = (const char *)img->file + stroff + name;
			struct sym sy = {value, sz, nm, type != STT_OBJECT};
			img->by_name[img->nname++] = sy;
			/* Assembly labels without .type/.size (hv_cpu_startup) are
			 * NOTYPE with size 0: kept, as "nearest label before". */
			if ((type == STT_FUNC || type == STT_OBJECT ||
			     (type == STT_NOTYPE && strncmp(nm, ".L", 2) && nm[0] != '$')) &&
			    shndx != SHN_ABS)
				img->by_addr[img->naddr++] = sy;
		}
		qsort(img->by_addr, img->naddr, sizeof *img->by_addr, cmp_addr);
		qsort(img->by_name, img->nname, sizeof *img->by_name, cmp_name);
		return 0;
	}
	util_errf(err, n, "%s: no symbol table (the image must not be stripped)", img->path);
	return -1;
}

int sim_image_open(const char *path, struct sim_image **out, char *err, size_t n)
{
	struct sim_image *img = calloc(1, sizeof *img);
	FILE *f = NULL;
	if (!img || !(img->path = strdup(path))) {
		util_errf(err, n, "out of memory");
		goto fail;
	}
	f = fopen(path, "rb");
	if (!f) {
		util_errf(err, n, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fseek(f, 0, SEEK_END) || (long)(img->file_len = (size_t)ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		util_errf(err, n, "%s: cannot size file", path);
		goto fail;
	}
	img->file = malloc(img->file_len ? img->file_len : 1);
	if (!img->file || fread(img->file, 1, img->file_len, f) != img->file_len) {
		util_errf(err, n, "%s: read failed", path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	const uint8_t *eh = img->file;
	if (img->file_len < 0x40 || memcmp(eh, "\177ELF", 4) || eh[4] != 2 || eh[5] != 2) {
		util_errf(err, n, "%s: not a 64-bit big-endian ELF file", path);
		goto fail;
	}
	if (util_be16(eh + 0x12) != EM_SPARCV9) {
		util_errf(err, n, "%s: ELF machine %u is not SPARC V9", path, util_be16(eh + 0x12));
		goto fail;
	}
	uint64_t phoff = util_be64(eh + 0x20);
	unsigned phentsize = util_be16(eh + 0x36), phnum = util_be16(eh + 0x38);
	if (phentsize < 0x38 || !in_file(img, phoff, (uint64_t)phentsize * phnum)) {
		util_errf(err, n, "%s: bad program header table", path);
		goto fail;
	}
	img->segs = calloc(phnum ? phnum : 1, sizeof *img->segs);
	if (!img->segs) {
		util_errf(err, n, "out of memory");
		goto fail;
	}
	img->lo = UINT64_MAX;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img->file + phoff + (uint64_t)i * phentsize;
		if (util_be32(ph) != PT_LOAD || !util_be64(ph + 0x28))
			continue;
		struct seg s = {util_be64(ph + 0x18), util_be64(ph + 0x20), util_be64(ph + 0x28),
		                util_be64(ph + 0x08)};
		if (s.filesz > s.memsz || !in_file(img, s.offset, s.filesz) ||
		    s.paddr + s.memsz < s.paddr) {
			util_errf(err, n, "%s: program header %u: bad sizes", path, i);
			goto fail;
		}
		img->segs[img->nsegs++] = s;
		if (s.paddr < img->lo)
			img->lo = s.paddr;
		if (s.paddr + s.memsz > img->hi)
			img->hi = s.paddr + s.memsz;
	}
	if (!img->nsegs) {
		util_errf(err, n, "%s: no loadable segment", path);
		goto fail;
	}
	if (read_symbols(img, eh, err, n))
		goto fail;
	*out = img;
	return 0;
fail:
	if (f)
		fclose(f);
	sim_image_free(img);
	return -1;
}

void sim_image_free(struct sim_image *img)
{
	if (!img)
		return;
	free(img->path);
	free(img->file);
	free(img->segs);
	free(img->by_addr);
	free(img->by_name);
	free(img);
}

const char *sim_image_path(const struct sim_image *img)
{
	return img->path;
}

void sim_image_extent(const struct sim_image *img, uint64_t *lo, uint64_t *hi)
{
	*lo = img->lo;
	*hi = img->hi;
}

int sim_image_load(const struct sim_image *img, uint8_t *ram, uint64_t base, uint64_t size,
                   char *err, size_t n)
{
	for (size_t i = 0; i < img->nsegs; i++) {
		const struct seg *s = &img->segs[i];
		if (s->paddr < base || s->paddr - base > size ||
		    s->memsz > size - (s->paddr - base)) {
			util_errf(err, n, "%s: segment at 0x%llx (+0x%llx) is outside guest RAM",
			         img->path, (unsigned long long)s->paddr,
			         (unsigned long long)s->memsz);
			return -1;
		}
		uint8_t *dst = ram + (s->paddr - base);
		memcpy(dst, img->file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

int sim_image_sym(const struct sim_image *img, const char *name, uint64_t *addr, uint64_t *size)
{
	struct sym key = {0, 0, name, 0};
	const struct sym *s = bsearch(&key, img->by_name, img->nname, sizeof key, cmp_name);
	if (!s)
		return -1;
	*addr = s->addr;
	if (size)
		*size = s->size;
	return 0;
}

const char *sim_image_sym_at(const struct sim_image *img, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi = img->naddr;
	while (lo < hi) { /* first symbol with address > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (img->by_addr[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A sized symbol covering addr wins; otherwise the nearest unsized
	 * label before it (an assembly routine without .size), unless a sized
	 * symbol ends in between. */
	for (size_t i = lo; i-- > 0;) {
		const struct sym *s = &img->by_addr[i];
		if (s->size && addr - s->addr < s->size) {
			*off = addr - s->addr;
			return s->name;
		}
		if (s->size)
			break; /* a sized symbol ended before addr */
		*off = addr - s->addr;
		return s->name;
	}
	return NULL;
}

size_t sim_image_function_count(const struct sim_image *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->naddr; i++)
		n += img->by_addr[i].is_fn;
	return n;
}

void sim_image_function_at(const struct sim_image *img, size_t k, uint64_t *start, uint64_t *end,
                           const char **name)
{
	for (size_t i = 0; i < img->naddr; i++) {
		if (!img->by_addr[i].is_fn || k--)
			continue;
		const struct sym *s = &img->by_addr[i];
		*start = s->addr;
		*name = s->name;
		*end = s->addr + s->size;
		if (!s->size) /* an unsized label runs to the next symbol */
			for (size_t j = i + 1; j < img->naddr; j++)
				if (img->by_addr[j].addr > s->addr) {
					*end = img->by_addr[j].addr;
					break;
				}
		return;
	}
}

const char *sim_image_symbolize(const struct sim_image *img, uint64_t addr, char *buf, size_t n)
{
	uint64_t off;
	const char *name = img ? sim_image_sym_at(img, addr, &off) : NULL;
	if (name)
		snprintf(buf, n, "%s+0x%llx", name, (unsigned long long)off);
	else
		snprintf(buf, n, "0x%llx", (unsigned long long)addr);
	return buf;
}

/* The patch tables the kernel walks at boot: {u32 addr; u32 insns[k]}
 * entries, where the sun4v variant of a cpuid patch is the last 4 of 16
 * words. */
struct patch_table {
	unsigned set; /* enum sim_patch_set */
	const char *start, *end;
	unsigned entry_words; /* u32 words per entry, addr included */
	unsigned insn_word;   /* index of the first replacement instruction */
	unsigned ninsns;
};

static const struct patch_table patch_tables[] = {
    {SIM_PATCH_SUN4V, "__sun4v_1insn_patch", "__sun4v_1insn_patch_end", 2, 1, 1},
    {SIM_PATCH_SUN4V, "__sun4v_2insn_patch", "__sun4v_2insn_patch_end", 3, 1, 2},
    {SIM_PATCH_SUN4V, "__fast_win_ctrl_1insn_patch", "__fast_win_ctrl_1insn_patch_end", 2, 1, 1},
    /* cpuid_patch_entry: addr, cheetah_safari[4], cheetah_jbus[4],
     * starfire[4], sun4v[4] */
    {SIM_PATCH_SUN4V, "__cpuid_patch", "__cpuid_patch_end", 17, 13, 4},
    /* popc_3insn_patch_entry, popc_6insn_patch_entry (kernel/entry.h) */
    {SIM_PATCH_POPC, "__popc_3insn_patch", "__popc_3insn_patch_end", 4, 1, 3},
    {SIM_PATCH_POPC, "__popc_6insn_patch", "__popc_6insn_patch_end", 7, 1, 6},
    /* pause_patch_entry: cpu_relax() and the atomics' backoff loop */
    {SIM_PATCH_PAUSE, "__pause_3insn_patch", "__pause_3insn_patch_end", 4, 1, 3},
};

int sim_image_apply_patches(const struct sim_image *img, unsigned sets, uint8_t *ram, uint64_t base,
                            uint64_t size, unsigned *applied, char *err, size_t n)
{
	*applied = 0;
	for (size_t t = 0; t < sizeof patch_tables / sizeof patch_tables[0]; t++) {
		const struct patch_table *pt = &patch_tables[t];
		uint64_t start, end;
		if (!(pt->set & sets) || sim_image_sym(img, pt->start, &start, NULL))
			continue;
		if (sim_image_sym(img, pt->end, &end, NULL) || end < start || start < base ||
		    end - base > size || (end - start) % (4 * pt->entry_words)) {
			util_errf(err, n, "%s: patch table %s..%s is malformed", img->path,
			         pt->start, pt->end);
			return -1;
		}
		for (uint64_t e = start; e < end; e += 4 * pt->entry_words) {
			const uint8_t *ent = ram + (e - base);
			uint64_t at = util_be32(ent);
			if (at < base || at - base + 4ull * pt->ninsns > size) {
				util_errf(err, n,
				         "%s: %s entry at 0x%llx patches 0x%llx outside RAM",
				         img->path, pt->start, (unsigned long long)e,
				         (unsigned long long)at);
				return -1;
			}
			memcpy(ram + (at - base), ent + 4 * pt->insn_word, 4 * pt->ninsns);
			*applied += pt->ninsns;
		}
	}
	return 0;
}
