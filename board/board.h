/*
 * board/board.h — machine assembly: one sun4v domain made of the machine
 * (sim/), its hypervisor model (hv/) and the kernel model that answers the
 * image's stubs (kernel-model/), wired together, and the steps of its boot
 * that every scenario shares. The real hv_cpu_startup run (the self-test's
 * first real code) is assembled here too.
 */
#ifndef LDOMSIM_BOARD_BOARD_H
#define LDOMSIM_BOARD_BOARD_H

#include <stddef.h>
#include <stdint.h>

struct sim;
struct sim_engines;
struct hv;
struct hv_call;
struct km;
struct km_thread;
struct sim_checks;
struct lx_layout;

/* The parts of one domain. The sim owns the hypervisor model (attached);
 * the caller owns the sim and the kernel model (board_free frees both). */
struct board {
	struct sim *sim;
	struct hv *hv;
	struct km *km;
};

struct board_config {
	const char *image;           /* guest ELF path */
	uint64_t ram_size;           /* bytes */
	uint64_t insn_budget;        /* instructions per run of one strand */
	unsigned pool_max;           /* engines (0: the sim's default) */
	struct sim_engines *engines; /* engines to borrow (NULL: the sim's own) */
	int profile;                 /* nonzero: the per-function profile is on */
	const struct lx_layout *lx;  /* the guest's layouts (NULL: read from the
	                                image's manifest.json); copied */
};
void board_config_default(struct board_config *c);

/* The machine with the kernel's linear map at PAGE_OFFSET and NR_CPUS
 * cpus, the hypervisor model and the kernel model on it. On failure the
 * board is empty and err says what failed. */
int board_create(const struct board_config *c, struct board *b, char *err, size_t errlen);
void board_free(struct board *b);

/* The mondo-queue geometry sun4v_init_mondo_queues() reads from the MD
 * (q-cpu-mondo-#bits, q-dev-mondo-#bits, q-resumable-#bits,
 * q-nonresumable-#bits): log2 of the entries of each queue. */
#define BOARD_MONDO_QBITS                                                                          \
	{                                                                                          \
		7, 7, 6, 2                                                                         \
	}

/* Early boot as the kernel leaves it (km_boot_state). -1 and err on
 * failure. */
int board_boot_state(struct board *b, char *err, size_t errlen);
/* The mondo queues of one cpu (the geometry above); -1 when the kernel
 * heap is exhausted. */
int board_cpu_queues(struct board *b, unsigned cpu);
/* sun4v_init_mondo_queues(): the queues of every possible cpu, [0, ncpus)
 * (at most NR_CPUS). */
int board_mondo_queues(struct board *b, unsigned ncpus, char *err, size_t errlen);

/* The boot strand: started at the image's entry as OBP leaves it, its
 * swapper thread (*t), and known to the hypervisor as the running boot
 * cpu. */
int board_boot_strand(struct board *b, unsigned cpu, struct km_thread *t, char *err, size_t errlen);

/* ---- the real hv_cpu_startup run ---------------------------------------- */
struct board_hvtramp_opts {
	unsigned cpu;         /* cpu id the strand is started as */
	int fail_fn;          /* hypercall to fail (-1: none), e.g. 0x25 */
	uint64_t fail_status; /* the status it returns */
	uint64_t insn_budget; /* 0: default */
};
void board_hvtramp_opts_default(struct board_hvtramp_opts *o);

struct board_hvtramp_result {
	char reached[64];  /* symbol where the strand stopped ("smp_callin") */
	char verdict[512]; /* "reached" or the verdict line */
	char stop[32];     /* sim_stop_name */
	char where[96];
	uint64_t insns;
	uint64_t g4, g6, sp; /* at smp_callin */
	uint64_t expect_g4, expect_g6, expect_sp;
	struct hv_call *hcalls;
	size_t nhcalls;
	unsigned num_mappings;
	uint64_t descr_ra;
	char kernel_version[64];
	char unicorn_version[48];
};
void board_hvtramp_result_free(struct board_hvtramp_result *r);

/* Returns 0 when the run could be set up (whatever its verdict). */
int board_hvtramp_run(const char *guest_elf, const struct board_hvtramp_opts *o,
                      struct board_hvtramp_result *r, struct sim_checks *checks, char *err,
                      size_t n);

#endif
