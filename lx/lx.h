/*
 * lx/lx.h — the guest kernel's layouts, read at run time. Each guest build
 * records the values of lx/lx.def (struct offsets and sizes, constants) in
 * its manifest.json; the board loads them once per run and the kernel
 * model, the board and the harness read them from here instead of
 * compiling one kernel's numbers in.
 */
#ifndef LDOMSIM_LX_LX_H
#define LDOMSIM_LX_LX_H

#include <stddef.h>
#include <stdint.h>

struct json_t;

/* Host arrays are sized by these bounds; a guest beyond them is refused.
 * 4096: the largest CONFIG_NR_CPUS sparc64's Kconfig allows (range 2 4096). */
#define LX_MAX_NR_CPUS      4096
#define LX_MAX_CPUMASK_SIZE (LX_MAX_NR_CPUS / 8) /* bytes */
#define LX_MAX_TASK_COMM    64                   /* bytes, TASK_COMM_LEN */

/* A plain value table: one field per row of lx/lx.def. */
struct lx_layout {
	char kernel_version[64]; /* the manifest's kernel_version ("6.1.192") */
#define LX(field, name, what) uint64_t field;
#include "lx/lx.def"
#undef LX
};

/* The manifest beside an image: DIR/manifest.json for DIR/guest.elf. */
void lx_manifest_path(const char *image, char *buf, size_t n);

/* Fill *out from a parsed manifest (its "kernel_version" and "layout");
 * what names the manifest in messages. -1 and err naming the first missing
 * or unusable name (and the bound it breaks) otherwise. */
int lx_layout_from_json(const struct json_t *manifest, const char *what, struct lx_layout *out,
                        char *err, size_t n);
/* The layout of the guest image at path (its manifest, read once). */
int lx_layout_load(const char *image, struct lx_layout *out, char *err, size_t n);

/* The rows of lx/lx.def: how many, and the i-th one's LX_ name without
 * the prefix ("NR_CPUS"). */
size_t lx_count(void);
const char *lx_name(size_t i);

#endif
