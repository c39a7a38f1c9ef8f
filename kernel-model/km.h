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

/* ---- boot (km_boot.c) ------------------------------------------------ */
/* What the kernel's early boot leaves for the code under study: kern_base,
 * PAGE_OFFSET, tlb_type, the locked kernel TTE, per-cpu areas, the boot
 * cpu in the cpu masks. */
int km_boot_state(struct km *km, char *err, size_t errlen);
/* A guest thread's task_struct and thread_info/stack; when thread tid is
 * started, sets its %g4 (current), %g5 (per-cpu offset), %g6 (thread_info)
 * for cpu. */
struct km_thread {
	uint64_t task, ti, stack_top; /* kernel virtual addresses */
};
int km_thread_setup(struct km *km, unsigned tid, unsigned cpu, const char *comm,
		    struct km_thread *out);
/* Mondo queues of a cpu (trap_block) with the MD's q-*-#bits. */
int km_cpu_queues(struct km *km, unsigned cpu, const unsigned bits[4]);
/* The real sun4v_mdesc_init, mdesc_populate_present_mask(cpu_all_mask),
 * mdesc_fill_in_cpu_data(cpu_all_mask) on thread tid. */
struct sim_verdict;
int km_boot_mdesc(struct km *km, unsigned tid, uint64_t stack_top, struct sim_verdict *v,
		  char *err, size_t errlen);
uint64_t km_per_cpu_offset(struct km *km, unsigned cpu);
unsigned km_num_kernel_mappings(const struct km *km); /* 4 MiB locked TTEs */
uint64_t km_kern_locked_tte(const struct km *km);     /* the first one */
uint64_t km_trap_block(const struct km *km, unsigned cpu); /* &trap_block[cpu] */
void km_cpumask_set(struct km *km, uint64_t mask_va, unsigned cpu);
int km_cpumask_test(struct km *km, uint64_t mask_va, unsigned cpu);

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
