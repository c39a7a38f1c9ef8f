/*
 * kernel-model/km.c — the kernel-model dispatch table, built from
 * entries.def (the single source of truth shared with the guest build),
 * and the services every entry uses (km_impl.h).
 */
#include "util/errf.h"
#include "kernel-model/km.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "hv/hv.h"
#include "sim/image.h"
#include "sim/sim.h"
#include "sim/guest/sim_traps.h"
#include "util/bytes.h"
#include "util/ser.h"
#include "util/grow.h"

#define KM_STUB_SIZE 8 /* retl; ta SIM_TRAP_KM */
#define STACK_BIAS   2047
#define ARGS_OFFSET  176 /* 16 saved window registers, then %o0..%o5 homes */

struct km_row {
	const char *name;
	km_fn fn; /* NULL: placeholder */
};

/* Handlers are declared from the table itself. */
#define KM_FN(sym, handler) void handler(struct km_call *c);
#define KM_TODO(sym)
#define KM_DATA(sym, size, align)
#include "kernel-model/entries.def"
#undef KM_FN
#undef KM_TODO
#undef KM_DATA

static const struct km_row km_rows[] = {
#define KM_FN(sym, handler) {#sym, handler},
#define KM_TODO(sym)        {#sym, NULL},
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

const char *km_fn_entry(const char *sym)
{
	for (size_t i = 0; i < KM_NROWS; i++)
		if (km_rows[i].fn && !strcmp(km_rows[i].name, sym))
			for (size_t j = 0; j <= i; j++)
				if (km_rows[j].fn == km_rows[i].fn)
					return km_rows[j].name;
	return NULL;
}

int km_fn_is_placeholder(size_t i)
{
	return i < KM_NROWS && !km_rows[i].fn;
}

uint64_t km_fn_calls(const struct km *km, size_t i)
{
	return i < KM_NROWS ? km->calls[i] : 0;
}

uint64_t km_page_offset(const struct km *km)
{
	return km->page_offset;
}

const struct lx_layout *km_layout(const struct km *km)
{
	return &km->lx;
}

static void km_call(struct km *km, struct sim *s, unsigned tid, unsigned cpu, uint64_t pc,
                    struct sim_trap_result *out);

static void km_on_trap(void *ctx, struct sim *s, unsigned tid, unsigned cpu, unsigned tt,
                       uint64_t pc, struct sim_trap_result *r)
{
	km_call(ctx, s, tid, cpu, pc, r);
}

int km_create(struct sim *s, struct hv *hv, const struct lx_layout *lx, struct km **out, char *err,
              size_t n)
{
	struct km *km = calloc(1, sizeof *km);
	const struct sim_image *img = sim_image(s);
	*out = NULL;
	if (!km || !(km->calls = calloc(KM_NROWS + 1, sizeof *km->calls))) {
		free(km);
		util_errf(err, n, "out of memory");
		return -1;
	}
	km->s = s;
	km->lx = *lx;
	km->hv = hv;
	km->page_offset = KM_PAGE_OFFSET;
	km_costs_default(&km->costs);
	km->stick_hz = KM_STICK_HZ_DEFAULT;
	if (sim_image_sym(img, "km_stubs_start", &km->stubs, NULL) ||
	    sim_image_sym(img, "km_stubs_end", &km->stubs_end, NULL)) {
		util_errf(err, n, "%s: no km_stubs_start/km_stubs_end (not a ldomsim guest image?)",
		          sim_image_path(img));
		goto fail;
	}
	if (km->stubs_end - km->stubs != KM_NROWS * KM_STUB_SIZE) {
		util_errf(
		    err, n,
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
			util_errf(err, n, "%s: stub %zu is not '%s' (table and image disagree)",
			          sim_image_path(img), i, km_rows[i].name);
			goto fail;
		}
	}
	if (km_heap_init(km) || km_log_init(km)) {
		util_errf(err, n, "out of memory");
		goto fail;
	}
	struct sim_trap_handler h = {
	    .fn = km_on_trap, .ctx = km, .stop_as = SIM_STOP_KM, .stat = SIM_TRAP_STAT_KMCALLS};
	if (sim_set_trap_handler(s, SIM_TT_SOFT(SIM_TRAP_KM), SIM_TT_SOFT(SIM_TRAP_KM), &h)) {
		util_errf(err, n, "cannot register the kernel-model trap");
		goto fail;
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
	km_heap_fini(km);
	km_log_fini(km);
	km_sched_fini(km);
	km_ldc_fini(km);
	km_irq_fini(km);
	free(km->calls);
	free(km->events);
	free(km->dying);
	free(km);
}

void km_costs_default(struct km_costs *c)
{
	*c = (struct km_costs){
#define COST(name, unit, model_default, trace_default, min, what) .name = model_default,
#define MODEL_COST(name, unit, model_default, what)               .name = model_default,
#include "kernel-model/costs.def"
#undef COST
#undef MODEL_COST
	};
}

void km_set_costs(struct km *km, const struct km_costs *c)
{
	km->costs = *c;
}

void km_event(struct km *km, enum km_event_kind kind, unsigned cpu, uint64_t time_ns)
{
	if (util_grow((void **)&km->events, &km->capevents, km->nevents, sizeof *km->events, 64))
		return;
	km->events[km->nevents++] = (struct km_event){kind, cpu, time_ns};
}

size_t km_event_count(const struct km *km)
{
	return km->nevents;
}

const struct km_event *km_event_get(const struct km *km, size_t i)
{
	return i < km->nevents ? &km->events[i] : NULL;
}

static void dispatch(struct km *km, struct sim *s, unsigned tid, unsigned cpu, uint64_t pc,
                     struct km_result *r)
{
	/* The ta sits in the stub's delay slot: stub = pc - 4. */
	uint64_t stub = pc - 4;
	memset(r, 0, sizeof *r);
	if (stub < km->stubs || stub >= km->stubs_end || (stub - km->stubs) % KM_STUB_SIZE) {
		r->stop = 1;
		snprintf(r->msg, sizeof r->msg, "kernel-model trap outside the stub table");
		return;
	}
	size_t i = (stub - km->stubs) / KM_STUB_SIZE;
	km->calls[i]++;
	if (!strncmp(km_rows[i].name, "prom_", 5) && !hv_cpu_obp_known(km->hv, cpu) &&
	    km->nobp < KM_MAX_OBP_CALLS) {
		struct km_obp_call *o = &km->obp[km->nobp++];
		snprintf(o->fn, sizeof o->fn, "%s", km_rows[i].name);
		sim_symbolize(s, sim_strand_reg(s, tid, SIM_REG_O7), o->caller, sizeof o->caller);
		o->cpu = cpu;
		o->time_ns = sim_thread_time_ps(s, tid) / 1000;
	}
	if (!km_rows[i].fn) {
		char caller[96];
		uint64_t o7 = sim_strand_reg(s, tid, SIM_REG_O7);
		r->stop = 1;
		snprintf(r->msg, sizeof r->msg,
		         "kernel-model placeholder '%s' reached (no host implementation yet), "
		         "called from %s",
		         km_rows[i].name, sim_symbolize(s, o7, caller, sizeof caller));
		return;
	}
	struct km_call c = {
	    .km = km, .s = s, .tid = tid, .cpu = cpu, .pc = stub, .nret = 1, .r = r};
	sim_strand_oregs(s, tid, c.a);
	km_rows[i].fn(&c);
	if (!r->stop)
		sim_strand_set_oregs(s, tid, c.a, c.nret);
}

/* The kernel-model trap at pc (the `ta` in a stub's delay slot) made by
 * guest thread tid on cpu; arguments in %o0..%o5, result in %o0. An entry
 * may ask for several outcomes: the power-off wins, then the verdict, then
 * the redirect. */
static void km_call(struct km *km, struct sim *s, unsigned tid, unsigned cpu, uint64_t pc,
                    struct sim_trap_result *out)
{
	struct km_result r;
	dispatch(km, s, tid, cpu, pc, &r);
	memset(out, 0, sizeof *out);
	if (r.power_off)
		out->next = SIM_TRAP_POWER_OFF;
	else if (r.stop)
		out->next = SIM_TRAP_STOP;
	else if (r.redirect)
		out->next = SIM_TRAP_REDIRECT;
	out->pc = r.pc;
	out->yield = r.yield;
	snprintf(out->msg, sizeof out->msg, "%s", r.msg);
}

size_t km_obp_call_count(const struct km *km)
{
	return km->nobp;
}

const struct km_obp_call *km_obp_call_get(const struct km *km, size_t i)
{
	return i < km->nobp ? &km->obp[i] : NULL;
}

const struct km_halt *km_halt_state(const struct km *km)
{
	return km->halt.halted ? &km->halt : NULL;
}

/* ---- services for the entries (km_impl.h) ------------------------------ */

void km_charge(struct km_call *c, uint64_t ns)
{
	sim_thread_charge_ps(c->s, c->tid, ns * 1000);
}

uint64_t km_now_ns(struct km_call *c)
{
	return sim_thread_time_ps(c->s, c->tid) / 1000;
}

void km_fail(struct km_call *c, const char *fmt, ...)
{
	va_list ap;
	if (c->r->stop)
		return;
	c->r->stop = 1;
	int k = snprintf(c->r->msg, sizeof c->r->msg,
	                 "%s: ", km_rows[(c->pc - c->km->stubs) / KM_STUB_SIZE].name);
	va_start(ap, fmt);
	vsnprintf(c->r->msg + k, sizeof c->r->msg - (size_t)k, fmt, ap);
	va_end(ap);
}

uint64_t km_va_to_ra(const struct km *km, uint64_t va)
{
	uint64_t ra = va >= km->page_offset ? va - km->page_offset : va;
	return sim_ra_valid(km->s, ra, 1) ? ra : UINT64_MAX;
}

uint64_t km_ra_to_va(const struct km *km, uint64_t ra)
{
	return km->page_offset + ra;
}

void *km_ptr(struct km *km, uint64_t va, uint64_t len)
{
	uint64_t ra = va >= km->page_offset ? va - km->page_offset : va;
	return sim_ra_ptr(km->s, ra, len);
}

/* The guest memory a model call loads from or stores to (access: "load
 * from", "store to"); NULL and a verdict when va is not guest memory. */
static uint8_t *call_ptr(struct km_call *c, uint64_t va, uint64_t len, const char *access)
{
	uint8_t *p = km_ptr(c->km, va, len);
	if (!p)
		km_fail(c, "%s bad address 0x%llx", access, (unsigned long long)va);
	return p;
}

uint64_t km_ld64(struct km_call *c, uint64_t va)
{
	const uint8_t *p = call_ptr(c, va, 8, "load from");
	return p ? util_be64(p) : 0;
}

uint32_t km_ld32(struct km_call *c, uint64_t va)
{
	const uint8_t *p = call_ptr(c, va, 4, "load from");
	return p ? util_be32(p) : 0;
}

void km_st64(struct km_call *c, uint64_t va, uint64_t v)
{
	uint8_t *p = call_ptr(c, va, 8, "store to");
	if (p)
		util_put_be64(p, v);
}

void km_st32(struct km_call *c, uint64_t va, uint32_t v)
{
	uint8_t *p = call_ptr(c, va, 4, "store to");
	if (p)
		util_put_be32(p, v);
}

int km_cstr(struct km *km, uint64_t va, char *buf, size_t n)
{
	for (size_t i = 0;; i++) {
		const char *p = km_ptr(km, va + i, 1);
		if (!p) {
			if (n)
				buf[i < n ? i : n - 1] = 0;
			return -1;
		}
		if (i + 1 < n)
			buf[i] = *p;
		if (!*p) {
			if (n)
				buf[i < n ? i : n - 1] = 0;
			return 0;
		}
	}
}

uint64_t km_arg(struct km_call *c, unsigned i)
{
	if (i < 6)
		return c->a[i];
	uint64_t sp = sim_strand_reg(c->s, c->tid, SIM_REG_SP);
	return km_ld64(c, sp + STACK_BIAS + ARGS_OFFSET + 8ull * (i - 6));
}

/* ---- boot snapshots (issue 14) ------------------------------------------ */

void km_save(const struct km *km, struct ser_w *w)
{
	ser_tag(w, "km  ");
	ser_put_u64(w, KM_NROWS);
	ser_put(w, km->calls, (KM_NROWS + 1) * sizeof *km->calls);
	ser_put_u64(w, km->page_offset);
	ser_put(w, &km->costs, sizeof km->costs);
	ser_put_u64(w, km->vio_driver);
	ser_put_array(w, km->dying, km->dying ? km->lx.nr_cpus : 0, sizeof *km->dying);
	ser_put_array(w, km->irq_desc, km->irq_desc ? km->lx.nr_irqs : 0, sizeof *km->irq_desc);
	ser_put_array(w, km->events, km->nevents, sizeof *km->events);
	uint64_t v[7] = {km->trap_block, km->cpu_all_mask, km->boot_cpu,       km->nmaps,
	                 km->locked_tte, km->stick_hz,     km->obp_console_cpu};
	ser_put(w, v, sizeof v);
	ser_put_array(w, km->obp, km->nobp, sizeof km->obp[0]);
	ser_put(w, &km->halt, sizeof km->halt);
	ser_put(w, km->obp_console, sizeof km->obp_console);
	km_heap_save(km, w);
	km_log_save(km, w);
	km_sched_save(km, w);
	km_ldc_save(km, w);
}

/* An array of exactly want elements, or none; into *dst (replaced). */
static void load_lazy(struct ser_r *r, void *dst, size_t want, size_t elem, const char *what)
{
	size_t n;
	void *p = ser_get_array(r, &n, elem, want, what);
	if (p && n != want)
		ser_r_fail(r, "%s: %zu elements, %zu expected", what, n, want);
	if (ser_r_failed(r)) {
		free(p);
		return;
	}
	free(*(void **)dst);
	*(void **)dst = p;
}

int km_load(struct km *km, struct ser_r *r)
{
	ser_expect(r, "km  ");
	if (ser_get_u64(r) != KM_NROWS)
		ser_r_fail(r, "kernel model: another table");
	ser_get(r, km->calls, (KM_NROWS + 1) * sizeof *km->calls);
	km->page_offset = ser_get_u64(r);
	ser_get(r, &km->costs, sizeof km->costs);
	km->vio_driver = ser_get_u64(r);
	load_lazy(r, &km->dying, km->lx.nr_cpus, sizeof *km->dying, "dying cpus");
	load_lazy(r, &km->irq_desc, km->lx.nr_irqs, sizeof *km->irq_desc, "irq descriptors");
	size_t n;
	struct km_event *ev =
	    ser_get_array(r, &n, sizeof *ev, (r->len - r->off) / sizeof *ev, "kernel events");
	if (!ser_r_failed(r)) {
		free(km->events);
		km->events = ev;
		km->nevents = km->capevents = n;
	}
	uint64_t v[7];
	ser_get(r, v, sizeof v);
	km->trap_block = v[0];
	km->cpu_all_mask = v[1];
	km->boot_cpu = (unsigned)v[2];
	km->nmaps = (unsigned)v[3];
	km->locked_tte = v[4];
	km->stick_hz = v[5];
	km->obp_console_cpu = (unsigned)v[6];
	km->nobp = ser_get_count(r, KM_MAX_OBP_CALLS, "OBP calls");
	ser_get(r, km->obp, km->nobp * sizeof km->obp[0]);
	ser_get(r, &km->halt, sizeof km->halt);
	ser_get(r, km->obp_console, sizeof km->obp_console);
	if (ser_r_failed(r) || km_heap_load(km, r) || km_log_load(km, r) || km_sched_load(km, r) ||
	    km_ldc_load(km, r))
		return -1;
	return 0;
}
