/*
 * kernel-model/km.c — the kernel-model dispatch table, built from
 * entries.def (the single source of truth shared with the guest build).
 */
#include "kernel-model/km.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/image.h"

#define KM_STUB_SIZE 8 /* retl; ta SIM_TRAP_KM */

typedef void (*km_fn)(struct km *km, struct sim *s, unsigned cpu, uint64_t a[6],
		      struct km_result *r);

struct km_row {
	const char *name;
	km_fn fn; /* NULL: placeholder */
};

struct km {
	uint64_t stubs, stubs_end;
	uint64_t *calls;
};

/* Handlers are declared from the table itself. */
#define KM_FN(sym, handler)                                                                        \
	void handler(struct km *km, struct sim *s, unsigned cpu, uint64_t a[6],                    \
		     struct km_result *r);
#define KM_TODO(sym)
#define KM_DATA(sym, size, align)
#include "kernel-model/entries.def"
#undef KM_FN
#undef KM_TODO
#undef KM_DATA

static const struct km_row km_rows[] = {
#define KM_FN(sym, handler) {#sym, handler},
#define KM_TODO(sym) {#sym, NULL},
#define KM_DATA(sym, size, align)
#include "kernel-model/entries.def"
#undef KM_FN
#undef KM_TODO
#undef KM_DATA
	{NULL, NULL}, /* sentinel: keeps the array non-empty */
};

#define KM_NROWS (sizeof km_rows / sizeof km_rows[0] - 1)

size_t km_fn_count(void)
{
	return KM_NROWS;
}

const char *km_fn_name(size_t i)
{
	return i < KM_NROWS ? km_rows[i].name : NULL;
}

int km_fn_is_placeholder(size_t i)
{
	return i < KM_NROWS && !km_rows[i].fn;
}

uint64_t km_fn_calls(const struct km *km, size_t i)
{
	return i < KM_NROWS ? km->calls[i] : 0;
}

static void errf(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

int km_create(struct sim *s, struct km **out, char *err, size_t n)
{
	struct km *km = calloc(1, sizeof *km);
	const struct sim_image *img = sim_image(s);
	*out = NULL;
	if (!km || !(km->calls = calloc(KM_NROWS + 1, sizeof *km->calls))) {
		free(km);
		errf(err, n, "out of memory");
		return -1;
	}
	if (sim_image_sym(img, "km_stubs_start", &km->stubs, NULL) ||
	    sim_image_sym(img, "km_stubs_end", &km->stubs_end, NULL)) {
		errf(err, n, "%s: no km_stubs_start/km_stubs_end (not a ldomsim guest image?)",
		     sim_image_path(img));
		goto fail;
	}
	if (km->stubs_end - km->stubs != KM_NROWS * KM_STUB_SIZE) {
		errf(err, n,
		     "%s has %llu kernel-model stubs but this ldomsim has %zu rows: rebuild the "
		     "image and the simulator from the same entries.def",
		     sim_image_path(img), (unsigned long long)(km->stubs_end - km->stubs) / 8,
		     (size_t)KM_NROWS);
		goto fail;
	}
	for (size_t i = 0; i < KM_NROWS; i++) {
		uint64_t addr;
		if (sim_image_sym(img, km_rows[i].name, &addr, NULL) ||
		    addr != km->stubs + i * KM_STUB_SIZE) {
			errf(err, n, "%s: stub %zu is not '%s' (table and image disagree)",
			     sim_image_path(img), i, km_rows[i].name);
			goto fail;
		}
	}
	*out = km;
	return 0;
fail:
	km_free(km);
	return -1;
}

void km_free(struct km *km)
{
	if (!km)
		return;
	free(km->calls);
	free(km);
}

void km_call(struct km *km, struct sim *s, unsigned cpu, uint64_t pc, struct km_result *r)
{
	/* The ta sits in the stub's delay slot: stub = pc - 4. */
	uint64_t stub = pc - 4;
	r->stop = 0;
	r->msg[0] = 0;
	if (stub < km->stubs || stub >= km->stubs_end || (stub - km->stubs) % KM_STUB_SIZE) {
		r->stop = 1;
		snprintf(r->msg, sizeof r->msg, "kernel-model trap outside the stub table");
		return;
	}
	size_t i = (stub - km->stubs) / KM_STUB_SIZE;
	km->calls[i]++;
	if (!km_rows[i].fn) {
		r->stop = 1;
		snprintf(r->msg, sizeof r->msg,
			 "kernel-model placeholder '%s' reached (no host implementation yet)",
			 km_rows[i].name);
		return;
	}
	uint64_t a[6];
	sim_strand_oregs(s, cpu, a);
	km_rows[i].fn(km, s, cpu, a, r);
	if (!r->stop)
		sim_strand_set_oregs(s, cpu, a, 2);
}
