/*
 * tests/test_boot.c — the real boot-time MD code (sun4v_mdesc_init,
 * mdesc_populate_present_mask, mdesc_fill_in_cpu_data) on generated MDs:
 * the masks and topology maps it builds equal the independent host
 * computation (traces/md_topo).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "kernel-model/km.h"
#include "hv/hv.h"
#include "sim/sim.h"
#include "traces/md.h"
#include "traces/md_shape.h"
#include "traces/md_topo.h"

struct booted {
	struct board board;
	struct md_buf mb;
	struct md *md;
	struct md_topo *topo;
};

static void boot(struct booted *b, const char *shape, const uint32_t *ids, size_t n)
{
	struct board_config cfg;
	char err[512];
	struct md_err me;
	struct md_shape *sh;
	memset(b, 0, sizeof *b);
	board_config_default(&cfg);
	cfg.image = "build/guest/guest.elf";
	cfg.ram_size = 512ull << 20;
	cfg.insn_budget = 200000000ull;
	cr_assert_eq(board_create(&cfg, &b->board, err, sizeof err), 0, "%s", err);
	cr_assert_eq(md_shape_get(shape, &sh, &me), 0, "%s", me.msg);
	cr_assert_eq(md_gen(sh, ids, n, &b->mb, &me), 0, "%s", me.msg);
	md_shape_free(sh);
	cr_assert_eq(md_read(b->mb.data, b->mb.len, &b->md, &me), 0, "%s", me.msg);
	cr_assert_eq(md_topo_compute(b->md, &b->topo, &me), 0, "%s", me.msg);
	hv_set_mdesc(b->board.hv, b->mb.data, b->mb.len);
	cr_assert_eq(km_boot_state(b->board.km, err, sizeof err), 0, "%s", err);
	cr_assert_eq(sim_strand_start(b->board.sim, 0, 0x400000, 0), 0);
	hv_set_running(b->board.hv, 0);
	struct km_thread t;
	cr_assert_eq(km_thread_setup(b->board.km, 0, 0, "swapper/0", &t), 0);
	struct sim_verdict v;
	cr_assert_eq(km_boot_mdesc(b->board.km, 0, t.stack_top, &v, err, sizeof err), 0, "%s", err);
}

static void unboot(struct booted *b)
{
	board_free(&b->board);
	md_topo_free(b->topo);
	md_free(b->md);
	md_buf_free(&b->mb);
}

static int logged(struct km *km, const char *text)
{
	for (size_t i = 0; i < km_log_count(km); i++)
		if (strstr(km_log_get(km, i)->text, text))
			return 1;
	return 0;
}

static int mask_has(struct booted *b, const char *mask, unsigned cpu)
{
	uint64_t a;
	cr_assert_eq(sim_sym(b->board.sim, mask, &a), 0);
	return km_cpumask_test(b->board.km, a, cpu);
}

Test(boot, t2_56_strands_maps_equal_host_computation, .timeout = 60)
{
	uint32_t ids[56];
	for (unsigned i = 0; i < 56; i++)
		ids[i] = i;
	struct booted b;
	boot(&b, "t2", ids, 56);
	char rep[2048];
	size_t bad = km_topology_compare(b.board.km, b.topo, rep, sizeof rep);
	cr_expect_eq(bad, 0, "%zu differences: %s", bad, rep);
	/* report_platform_properties() read max-cpus and set the possible
	 * mask; record_one_cpu() the present mask. */
	cr_expect(logged(b.board.km, "PLATFORM: max-cpus [64]"));
	cr_expect(logged(b.board.km, "MDESC: Size is"));
	cr_expect(mask_has(&b, "__cpu_possible_mask", 63));
	cr_expect(!mask_has(&b, "__cpu_possible_mask", 64));
	cr_expect(mask_has(&b, "__cpu_present_mask", 55));
	cr_expect(!mask_has(&b, "__cpu_present_mask", 56));
	/* T2: 8 strands per core, 2 integer pipelines of 4 (proc_id). */
	struct km_cpu_ids g;
	cr_assert_eq(km_cpu_ids(b.board.km, 13, &g), 0);
	cr_expect_eq(g.core_id, md_topo_core_id(b.topo, 13));
	cr_expect_eq(g.proc_id, md_topo_proc_id(b.topo, 13));
	unboot(&b);
}

Test(boot, t4_4_sparse_domain_with_sockets_gets_maps_equal_to_the_host, .timeout = 60)
{
	/* every other core of every socket: a domain owning part of the machine */
	uint32_t ids[128];
	size_t n = 0;
	for (unsigned cpu = 0; cpu < 256; cpu++)
		if ((cpu / 8) % 2 == 0)
			ids[n++] = cpu;
	struct booted b;
	boot(&b, "t4-4", ids, n);
	char rep[2048];
	size_t bad = km_topology_compare(b.board.km, b.topo, rep, sizeof rep);
	cr_expect_eq(bad, 0, "%zu differences: %s", bad, rep);
	cr_expect(!mask_has(&b, "__cpu_present_mask", 8));
	cr_expect(mask_has(&b, "__cpu_present_mask", 16));
	unboot(&b);
}

/* The comparison can fail: corrupt one guest map and it is reported. */
Test(boot, a_corrupted_guest_map_is_reported)
{
	uint32_t ids[16];
	for (unsigned i = 0; i < 16; i++)
		ids[i] = i;
	struct booted b;
	boot(&b, "t2", ids, 16);
	uint64_t a;
	cr_assert_eq(sim_sym(b.board.sim, "cpu_core_map", &a), 0);
	km_cpumask_set(b.board.km, a + 3 * 512, 9); /* cpu 3's core map gains cpu 9 */
	char rep[2048];
	cr_expect_eq(km_topology_compare(b.board.km, b.topo, rep, sizeof rep), 1, "%s", rep);
	cr_expect(strstr(rep, "cpu 3: cpu_core_map differs") != NULL, "%s", rep);
	unboot(&b);
}
