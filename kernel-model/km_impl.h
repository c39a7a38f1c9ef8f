/*
 * kernel-model/km_impl.h — for the files that implement kernel-model
 * entries (not a public header: the simulator uses km.h).
 *
 * An entry is `void handler(struct km_call *c)`, named in entries.def as
 * KM_FN(symbol, handler). It reads the guest's arguments from c->a[0..5]
 * (%o0..%o5; further arguments on the stack, km_arg()), writes its result
 * to c->a[0] (and c->a[1] for a 128-bit return), charges its simulated cost
 * with km_charge(), and either returns normally (the stub's real `retl`
 * returns to the caller), stops the thread with km_fail(), blocks it with
 * sim_thread_block() (it resumes after the stub when woken), ends its time
 * slice with c->r->yield, or continues in guest glue by setting
 * c->r->redirect and c->r->pc (km_add_cpu).
 *
 * Guest pointers are kernel virtual addresses: the image (KERNBASE.., where
 * VA == RA) or the linear map (PAGE_OFFSET + RA). km_ptr() turns one into a
 * host pointer, checking the whole range.
 */
#ifndef LDOMSIM_KM_IMPL_H
#define LDOMSIM_KM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "kernel-model/km.h"
#include "lx/lx.h"

struct sim;

/* What an entry asks of the machine (km_call turns it into the sim's
 * trap result). */
struct km_result {
	int stop; /* nonzero: the thread stops with msg as its verdict */
	char msg[200];
	int redirect;  /* nonzero: continue at pc (guest glue), not at the caller */
	int yield;     /* nonzero: end the caller's time slice (its clock jumped) */
	int power_off; /* nonzero: the domain stops (OBP exit); how, in msg */
	uint64_t pc;
};

struct km_call {
	struct km *km;
	struct sim *s;
	unsigned tid;  /* guest thread making the call */
	unsigned cpu;  /* cpu it runs on */
	uint64_t pc;   /* the stub's address */
	uint64_t a[6]; /* %o0..%o5 on entry; a[0], a[1] are the result */
	unsigned nret; /* result registers written back: 1 unless set to 2 */
	struct km_result *r;
};

typedef void (*km_fn)(struct km_call *c);

/* Simulated cost of the call, nanoseconds, charged to the caller's clock. */
void km_charge(struct km_call *c, uint64_t ns);
/* Stop the calling thread with a verdict (bad arguments, a panic). */
void km_fail(struct km_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Guest memory by kernel virtual address; NULL if [va, va+len) is not RAM. */
void *km_ptr(struct km *km, uint64_t va, uint64_t len);
uint64_t km_ra_to_va(const struct km *km, uint64_t ra); /* linear-map address */
/* Big-endian accessors; loads of bad addresses give 0 and fail the call. */
uint64_t km_ld64(struct km_call *c, uint64_t va);
uint32_t km_ld32(struct km_call *c, uint64_t va);
void km_st64(struct km_call *c, uint64_t va, uint64_t v);
void km_st32(struct km_call *c, uint64_t va, uint32_t v);
/* A NUL-terminated guest string into buf (truncated to n - 1); -1 if it
 * runs off RAM. */
int km_cstr(struct km *km, uint64_t va, char *buf, size_t n);
/* The i-th integer argument (0-based): registers for i < 6, else the
 * caller's outgoing-argument area on its stack (%sp + 2047 + 176 + 8*(i-6)). */
uint64_t km_arg(struct km_call *c, unsigned i);

/* The kernel heap (kmalloc and friends): linear-map addresses, zeroed on
 * request, deterministic. 0 when exhausted. */
uint64_t km_heap_alloc(struct km *km, uint64_t size, uint64_t align, int zero);
void km_heap_free(struct km *km, uint64_t va);
uint64_t km_heap_size(struct km *km, uint64_t va); /* 0 if not a live block */
/* Bytes from va to the end of the live heap block holding it; UINT64_MAX
 * if va is in no live block (not heap memory: no bound known). */
uint64_t km_heap_room(struct km *km, uint64_t va);

/* The kernel log (printk): one line, with the caller's simulated time. */
void km_log(struct km *km, unsigned cpu, uint64_t time_ns, int level, const char *text);
/* Current simulated time of the calling thread, nanoseconds. */
uint64_t km_now_ns(struct km_call *c);

#endif
