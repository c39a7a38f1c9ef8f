/*
 * kernel-model/km.h — host implementations of what the real kernel objects
 * call but is not under study. One table (kernel-model/entries.def) names
 * every entry; the guest build turns each function row into an 8-byte stub
 * `sym: retl; ta SIM_TRAP_KM` in table order from km_stubs_start, and the
 * simulator dispatches the trap here by the stub's index.
 */
#ifndef LDOMSIM_KM_KM_H
#define LDOMSIM_KM_KM_H

#include <stddef.h>
#include <stdint.h>

struct sim;
struct km;

struct km_result {
	int stop;      /* nonzero: the thread stops with msg as its verdict */
	char msg[200];
	int redirect;  /* nonzero: continue at pc (guest glue), not at the caller */
	int yield;     /* nonzero: end the caller's time slice (its clock jumped) */
	uint64_t pc;
};

/* Bind the table to the image loaded in s: find km_stubs_start and check
 * that the i-th stub carries the i-th row's name. */
int km_create(struct sim *s, struct km **out, char *err, size_t errlen);
void km_free(struct km *km);

/* Dispatch the kernel-model trap at pc (the `ta` in a stub's delay slot)
 * made by guest thread tid on cpu; arguments in %o0..%o5, result in %o0. */
void km_call(struct km *km, struct sim *s, unsigned tid, unsigned cpu, uint64_t pc,
	     struct km_result *r);

/* Where the kernel's linear map starts (PAGE_OFFSET), and the image. */
uint64_t km_page_offset(const struct km *km);

/* The kernel log, in order. */
struct km_log_line {
	uint64_t time_ns; /* the printing thread's simulated time */
	unsigned cpu;
	int level;        /* KERN_* level 0..7, or -1 when none was given */
	const char *text; /* one line, no trailing newline */
};
size_t km_log_count(const struct km *km);
const struct km_log_line *km_log_get(const struct km *km, size_t i);

/* The function rows (KM_FN and KM_TODO), in stub order. */
size_t km_fn_count(void);
const char *km_fn_name(size_t i);
int km_fn_is_placeholder(size_t i);
/* Calls per row so far. */
uint64_t km_fn_calls(const struct km *km, size_t i);

#endif
