/*
 * board/hvtramp.c — the first real run: the kernel's own hv_cpu_startup
 * (hvtramp.S), started as CPU_START starts it, with the descriptor built as
 * ldom_startcpu_cpuid() builds it, runs through the real
 * init_irqwork_curcpu, hard_smp_processor_id, sun4v_register_mondo_queues
 * and init_cur_cpu_trap, and stops when it reaches smp_callin.
 *
 * Boot state the real code reads is set up here as the kernel's boot code
 * leaves it (setup_page_offset, remap_kernel, sun4v_init_mondo_queues,
 * the idle task): every value comes from the generated offsets header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "hv/hv.h"
#include "kernel-model/km.h"
#include "lx/lx.h"
#include "sim/image.h"
#include "sim/selftest.h"
#include "sim/sim.h"

#define HVT_RAM_SIZE (256ull << 20)
#define MAP_4MB      (4ull << 20) /* one locked kernel TTE */
#define HVT_BUDGET   1000000ull   /* instructions: hvtramp takes well under 1000 */

void board_hvtramp_opts_default(struct board_hvtramp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->cpu = 1;
	o->fail_fn = -1;
}

void board_hvtramp_result_free(struct board_hvtramp_result *r)
{
	free(r->hcalls);
	r->hcalls = NULL;
	r->nhcalls = 0;
}

int board_hvtramp_run(const char *elf, const struct board_hvtramp_opts *o,
                      struct board_hvtramp_result *r, struct sim_checks *checks, char *err,
                      size_t n)
{
	struct board_config cfg;
	struct board b;
	int rc = -1;
	memset(r, 0, sizeof *r);

	board_config_default(&cfg);
	cfg.image = elf;
	cfg.ram_size = HVT_RAM_SIZE;
	cfg.pool_max = 4;
	cfg.insn_budget = o->insn_budget ? o->insn_budget : HVT_BUDGET;
	if (board_create(&cfg, &b, err, n))
		return -1;
	struct sim *s = b.sim;
	struct km *km = b.km;
	const struct lx_layout *lx = km_layout(km);
	snprintf(r->kernel_version, sizeof r->kernel_version, "%s", lx->kernel_version);
	if (o->cpu >= lx->nr_cpus) {
		snprintf(err, n, "cpu %u is beyond NR_CPUS (%u)", o->cpu, (unsigned)lx->nr_cpus);
		board_free(&b);
		return -1;
	}
	snprintf(r->unicorn_version, sizeof r->unicorn_version, "%s", sim_unicorn_version(s));

	/* Boot state as the kernel's early boot leaves it, the mondo queues
	 * of the new cpu (MD default sizes) and its idle task. */
	struct km_thread idle;
	uint64_t ttable, startup, callin;
	if (board_boot_state(&b, err, n))
		goto out;
	if (board_cpu_queues(&b, o->cpu) || km_thread_setup(km, o->cpu, o->cpu, "swapper", &idle)) {
		snprintf(err, n, "kernel heap exhausted");
		goto out;
	}
	if (sim_sym(s, "sparc64_ttable_tl0", &ttable) || sim_sym(s, "hv_cpu_startup", &startup) ||
	    sim_sym(s, "smp_callin", &callin)) {
		snprintf(err, n, "guest image lacks sparc64_ttable_tl0/hv_cpu_startup/smp_callin");
		goto out;
	}
	uint64_t tb = km_trap_block(km, o->cpu);
	sim_st64(s, tb + lx->trap_per_cpu_irq_worklist_pa, 0xdeadbeefull); /* must be cleared */
	unsigned nmaps = km_num_kernel_mappings(km);
	uint64_t tte = km_kern_locked_tte(km);

	/* The descriptor, exactly as ldom_startcpu_cpuid() builds it (kzalloc:
	 * a linear-map address; CPU_START gets __pa()). */
	uint64_t hd_va = km_alloc_zeroed(km, lx->hvtramp_descr_size +
	                                         (uint64_t)nmaps * lx->hvtramp_mapping_size);
	uint64_t hd = km_va_to_ra(km, hd_va);
	if (!hd_va) {
		snprintf(err, n, "kernel heap exhausted allocating the descriptor");
		goto out;
	}
	sim_st32(s, hd + lx->hvtramp_descr_cpu, o->cpu);
	sim_st32(s, hd + lx->hvtramp_descr_num_mappings, nmaps);
	sim_st64(s, hd + lx->hvtramp_descr_fault_info_va, tb + lx->trap_per_cpu_fault_info);
	sim_st64(s, hd + lx->hvtramp_descr_fault_info_pa, tb + lx->trap_per_cpu_fault_info);
	sim_st64(s, hd + lx->hvtramp_descr_thread_reg, idle.ti);
	for (unsigned i = 0; i < nmaps; i++) {
		uint64_t m = hd + lx->hvtramp_descr_maps + (uint64_t)i * lx->hvtramp_mapping_size;
		sim_st64(s, m + lx->hvtramp_mapping_vaddr, lx->kernbase + i * MAP_4MB);
		sim_st64(s, m + lx->hvtramp_mapping_tte, tte + i * MAP_4MB);
	}
	r->num_mappings = nmaps;
	r->descr_ra = hd;
	r->expect_g6 = idle.ti;
	r->expect_g4 = idle.task;
	r->expect_sp = idle.ti + (1ull << lx->thread_shift) - (lx->stackframe_sz + lx->stack_bias);

	if (o->fail_fn >= 0)
		(void)hv_inject(b.hv, (unsigned)o->fail_fn, (int)o->cpu, o->fail_status,
		                1); /* the first of a fresh hypervisor: cannot be full */

	/* CPU_START(cpu, kimage_addr_to_ra(hv_cpu_startup),
	 *           kimage_addr_to_ra(&sparc64_ttable_tl0), __pa(hdesc)) from cpu 0. */
	uint64_t st = hv_cpu_start(b.hv, 0, o->cpu, startup, ttable, hd);
	if (st != HV_EOK) {
		snprintf(err, n, "CPU_START of cpu %u failed with status %llu", o->cpu,
		         (unsigned long long)st);
		goto out;
	}
	if (sim_strand_stop_at(s, o->cpu, callin)) {
		snprintf(err, n, "cannot set the stop at smp_callin");
		goto out;
	}
	struct sim_verdict v;
	enum sim_stop why = sim_strand_run(s, o->cpu, 0, &v);
	uint64_t off;
	const char *at = sim_image_sym_at(sim_image(s), v.pc, &off);
	snprintf(r->reached, sizeof r->reached, "%s", why == SIM_STOP_REACHED && at ? at : "");
	snprintf(r->stop, sizeof r->stop, "%s", sim_stop_name(why));
	snprintf(r->where, sizeof r->where, "%s", v.where);
	if (why == SIM_STOP_REACHED)
		snprintf(r->verdict, sizeof r->verdict, "cpu %u reached %s", o->cpu, v.where);
	else
		snprintf(r->verdict, sizeof r->verdict, "cpu %u %s at %s: %s", o->cpu,
		         sim_stop_name(why), v.where, v.msg);
	r->insns = sim_strand_stats(s, o->cpu)->insns;
	if (sim_strand_running(s, o->cpu)) {
		r->g4 = sim_strand_reg(s, o->cpu, SIM_REG_G4);
		r->g6 = sim_strand_reg(s, o->cpu, SIM_REG_G6);
		r->sp = sim_strand_reg(s, o->cpu, SIM_REG_SP);
	}
	const struct hv *hv = b.hv;
	r->nhcalls = hv_log_count(hv);
	r->hcalls = calloc(r->nhcalls ? r->nhcalls : 1, sizeof *r->hcalls);
	if (!r->hcalls) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->nhcalls; i++)
		r->hcalls[i] = *hv_log_get(hv, i);

	if (checks) {
		/* The hypercalls hvtramp must make, in order, with the
		 * descriptor's values. */
		size_t k = 0;
		int seq_ok = 1;
		char why_bad[200] = "";
		for (unsigned i = 0; i < nmaps && seq_ok; i++, k++) {
			const struct hv_call *c = k < r->nhcalls ? &r->hcalls[k] : NULL;
			seq_ok = c && c->fn == 0x25 && c->arg[0] == lx->kernbase + i * MAP_4MB &&
			         c->arg[1] == 0 && c->arg[2] == tte + i * MAP_4MB &&
			         c->arg[3] == (lx->hv_mmu_immu | lx->hv_mmu_dmmu) && c->status == 0;
			if (!seq_ok)
				snprintf(why_bad, sizeof why_bad,
				         "call %zu: not mmu_map_perm_addr of "
				         "mapping %u",
				         k, i);
		}
		const struct hv_call *c = k < r->nhcalls ? &r->hcalls[k] : NULL;
		if (seq_ok &&
		    !(c && c->fn == 0x26 && c->arg[0] == tb + lx->trap_per_cpu_fault_info)) {
			seq_ok = 0;
			snprintf(why_bad, sizeof why_bad, "call %zu: not mmu_fault_area_conf", k);
		}
		k++;
		c = k < r->nhcalls ? &r->hcalls[k] : NULL;
		if (seq_ok && !(c && c->fn == 0x27 && c->arg[0] == 1 && c->arg[1] > startup &&
		                c->arg[1] < callin + 0x100000)) {
			seq_ok = 0;
			snprintf(why_bad, sizeof why_bad, "call %zu: not mmu_enable(1, 1f)", k);
		}
		k++;
		const struct {
			unsigned q;
			uint64_t pa;
			unsigned bits;
		} qs[] = {{0x3c, lx->trap_per_cpu_cpu_mondo_pa, 7},
		          {0x3d, lx->trap_per_cpu_dev_mondo_pa, 7},
		          {0x3e, lx->trap_per_cpu_resum_mondo_pa, 6},
		          {0x3f, lx->trap_per_cpu_nonresum_mondo_pa, 2}};
		for (unsigned i = 0; i < 4 && seq_ok; i++, k++) {
			c = k < r->nhcalls ? &r->hcalls[k] : NULL;
			seq_ok = c && c->fn == 0x14 && c->arg[0] == qs[i].q &&
			         c->arg[1] == sim_ld64(s, tb + qs[i].pa) &&
			         c->arg[2] == (1u << qs[i].bits) && c->status == 0;
			if (!seq_ok)
				snprintf(why_bad, sizeof why_bad, "call %zu: not cpu_qconf(0x%x)",
				         k, qs[i].q);
		}
		if (seq_ok && k != r->nhcalls) {
			seq_ok = 0;
			snprintf(why_bad, sizeof why_bad, "%zu calls, expected %zu", r->nhcalls, k);
		}
		int reached = why == SIM_STOP_REACHED && !strcmp(r->reached, "smp_callin");
		if (o->fail_fn < 0) {
			sim_checks_add(checks, "hvtramp-reaches-smp_callin", reached,
			               "%s (%llu insns)", r->verdict, (unsigned long long)r->insns);
			char seqmsg[256];
			if (seq_ok)
				snprintf(seqmsg, sizeof seqmsg,
				         "%zu calls: %u x mmu_map_perm_addr, mmu_fault_area_conf, "
				         "mmu_enable, 4 x cpu_qconf",
				         r->nhcalls, nmaps);
			else
				snprintf(seqmsg, sizeof seqmsg, "%s", why_bad);
			sim_checks_add(checks, "hvtramp-hcall-sequence", seq_ok, "%s", seqmsg);
			sim_checks_add(checks, "hvtramp-registers",
			               reached && r->g6 == r->expect_g6 && r->g4 == r->expect_g4 &&
			                   r->sp == r->expect_sp,
			               "%%g6 0x%llx (thread_info) %%g4 0x%llx (task) %%sp 0x%llx",
			               (unsigned long long)r->g6, (unsigned long long)r->g4,
			               (unsigned long long)r->sp);
			/* What the real per-cpu set-up wrote. */
			sim_checks_add(
			    checks, "hvtramp-trap-block",
			    reached && sim_ld64(s, tb + lx->trap_per_cpu_thread) == idle.ti &&
			        sim_ld64(s, tb + lx->trap_per_cpu_irq_worklist_pa) == 0,
			    "trap_block[%u].thread 0x%llx irq_worklist_pa 0x%llx", o->cpu,
			    (unsigned long long)sim_ld64(s, tb + lx->trap_per_cpu_thread),
			    (unsigned long long)sim_ld64(s, tb + lx->trap_per_cpu_irq_worklist_pa));
		}
	}
	rc = 0;
out:
	board_free(&b);
	return rc;
}
