/*
 * lx/lx.c — see lx.h.
 */
#include "lx/lx.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const lx_names[] = {
#define LX(field, name, what) #name,
#include "lx/lx.def"
#undef LX
};

/* Where row i's value lives in struct lx_layout, in lx.def order. */
static const size_t lx_offsets[] = {
#define LX(field, name, what) offsetof(struct lx_layout, field),
#include "lx/lx.def"
#undef LX
};

size_t lx_count(void)
{
	return sizeof lx_names / sizeof lx_names[0];
}

const char *lx_name(size_t i)
{
	return i < lx_count() ? lx_names[i] : NULL;
}

void lx_manifest_path(const char *image, char *buf, size_t n)
{
	const char *slash = strrchr(image, '/');
	if (slash)
		snprintf(buf, n, "%.*s/manifest.json", (int)(slash - image), image);
	else
		snprintf(buf, n, "manifest.json");
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Bounds of the values that size host arrays or that the model divides
 * or shifts by: a manifest breaking them describes no kernel we can run. */
static int lx_check(const struct lx_layout *l, const char *what, char *err, size_t n)
{
	if (l->nr_cpus < 64 || l->nr_cpus > LX_MAX_NR_CPUS || l->nr_cpus % 64) {
		snprintf(err, n,
		         "%s: layout LX_NR_CPUS %llu out of range (a multiple of 64 in 64..%d)",
		         what, (unsigned long long)l->nr_cpus, LX_MAX_NR_CPUS);
		return -1;
	}
	if (l->cpumask_size != l->nr_cpus / 8) {
		snprintf(err, n, "%s: layout LX_CPUMASK_SIZE %llu is not LX_NR_CPUS/8 (%llu)", what,
		         (unsigned long long)l->cpumask_size, (unsigned long long)l->nr_cpus / 8);
		return -1;
	}
	if (!l->task_comm_len || l->task_comm_len > LX_MAX_TASK_COMM) {
		snprintf(err, n, "%s: layout LX_TASK_COMM_LEN %llu out of range (1..%d)", what,
		         (unsigned long long)l->task_comm_len, LX_MAX_TASK_COMM);
		return -1;
	}
	if (!is_pow2(l->page_size) || l->page_size < 4096 || l->thread_shift >= 32 ||
	    l->thread_size != 1ull << l->thread_shift) {
		snprintf(
		    err, n,
		    "%s: layout LX_PAGE_SIZE %llu / LX_THREAD_SIZE %llu / LX_THREAD_SHIFT %llu "
		    "inconsistent (powers of two, THREAD_SIZE = 1 << THREAD_SHIFT)",
		    what, (unsigned long long)l->page_size, (unsigned long long)l->thread_size,
		    (unsigned long long)l->thread_shift);
		return -1;
	}
	if (!l->nr_irqs || l->nr_irqs > (1u << 20)) {
		snprintf(err, n, "%s: layout LX_NR_IRQS %llu out of range (1..%u)", what,
		         (unsigned long long)l->nr_irqs, 1u << 20);
		return -1;
	}
	return 0;
}

int lx_layout_from_json(const json_t *m, const char *what, struct lx_layout *out, char *err,
                        size_t n)
{
	memset(out, 0, sizeof *out);
	const char *kv = json_string_value(json_object_get(m, "kernel_version"));
	if (!kv || !*kv || strlen(kv) >= sizeof out->kernel_version) {
		snprintf(err, n, "%s: no usable kernel_version (a string of 1..%zu characters)",
		         what, sizeof out->kernel_version - 1);
		return -1;
	}
	snprintf(out->kernel_version, sizeof out->kernel_version, "%s", kv);
	const json_t *layout = json_object_get(m, "layout");
	if (!json_is_object(layout)) {
		snprintf(err, n,
		         "%s: no \"layout\" object (a guest built before layouts were read at run "
		         "time: rebuild it with make guest)",
		         what);
		return -1;
	}
	for (size_t i = 0; i < lx_count(); i++) {
		const json_t *v = json_object_get(layout, lx_names[i]);
		if (!v) {
			snprintf(
			    err, n,
			    "%s: layout lacks LX_%s, which the simulator needs (lx/lx.def): this "
			    "kernel's asm-offsets step did not produce it",
			    what, lx_names[i]);
			return -1;
		}
		if (!json_is_integer(v)) {
			snprintf(err, n, "%s: layout LX_%s is not an integer", what, lx_names[i]);
			return -1;
		}
		/* Negative: a 64-bit pattern printed signed (see lx.def). */
		*(uint64_t *)((char *)out + lx_offsets[i]) = (uint64_t)json_integer_value(v);
	}
	return lx_check(out, what, err, n);
}

int lx_layout_load(const char *image, struct lx_layout *out, char *err, size_t n)
{
	char path[4200];
	json_error_t je;
	lx_manifest_path(image, path, sizeof path);
	json_t *m = json_load_file(path, 0, &je);
	if (!m) {
		snprintf(err, n,
		         "%s: cannot read the guest's manifest (%s, line %d): the layouts of the "
		         "guest %s come from it (make guest writes it beside the image)",
		         path, je.text, je.line, image);
		return -1;
	}
	int rc = lx_layout_from_json(m, path, out, err, n);
	json_decref(m);
	return rc;
}
