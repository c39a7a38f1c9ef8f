/*
 * sim/image.h — a guest ELF image (sparc64, big-endian): its loadable
 * segments and its symbol table. The image is linked so that virtual and
 * real addresses coincide (kern_base == KERNBASE), so segments are copied
 * to guest RAM at their link address.
 */
#ifndef LDOMSIM_SIM_IMAGE_H
#define LDOMSIM_SIM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct sim_image;

int sim_image_open(const char *path, struct sim_image **out, char *err, size_t errlen);
void sim_image_free(struct sim_image *img);
const char *sim_image_path(const struct sim_image *img);
/* Lowest and highest+1 address of the loadable segments. */
void sim_image_extent(const struct sim_image *img, uint64_t *lo, uint64_t *hi);

/* Copy every PT_LOAD segment (zero-filling its bss) into ram, which backs
 * real addresses [ram_base, ram_base + ram_size). */
int sim_image_load(const struct sim_image *img, uint8_t *ram, uint64_t ram_base, uint64_t ram_size,
                   char *err, size_t errlen);

/* The kernel's boot-time instruction-patch tables, by who applies them:
 * sun4v_patch() and per_cpu_patch() on every sun4v machine; popc_patch()
 * and pause_patch() (init_sparc64_elf_hwcap) when the cpu's hwcaps have
 * POPC or PAUSE. */
enum sim_patch_set {
	SIM_PATCH_SUN4V = 1 << 0,
	SIM_PATCH_POPC = 1 << 1,
	SIM_PATCH_PAUSE = 1 << 2,
};

/* Apply the tables of the sets in `sets` to the loaded copy in ram.
 * Tables absent from the image are skipped; *applied counts the patched
 * instructions. */
int sim_image_apply_patches(const struct sim_image *img, unsigned sets, uint8_t *ram,
                            uint64_t ram_base, uint64_t ram_size, unsigned *applied, char *err,
                            size_t errlen);

/* Symbol by name: 0 and *addr (and *size if non-NULL) when found, -1 if not. */
int sim_image_sym(const struct sim_image *img, const char *name, uint64_t *addr, uint64_t *size);
/* The function or object containing addr, as "name+0xoff" (or the address
 * in hex when no symbol covers it). Returns buf. */
const char *sim_image_symbolize(const struct sim_image *img, uint64_t addr, char *buf, size_t n);
/* The name of the symbol containing addr, or NULL; *off gets the offset. */
const char *sim_image_sym_at(const struct sim_image *img, uint64_t addr, uint64_t *off);

/* Code symbols (functions and unsized code labels) in address order:
 * [start, end) and name of the k-th. */
size_t sim_image_function_count(const struct sim_image *img);
void sim_image_function_at(const struct sim_image *img, size_t k, uint64_t *start, uint64_t *end,
                           const char **name);

#endif
