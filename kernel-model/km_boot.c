/*
 * kernel-model/km_boot.c — the state the kernel's early boot leaves behind
 * for the code under study (boot_cpu_init, setup_page_offset, paging_init's
 * remap_kernel, setup_per_cpu_areas, the idle and kernel threads' task and
 * thread_info), and the boot-time MD sequence of paging_init and
 * setup_per_cpu_areas run for real: sun4v_mdesc_init(),
 * mdesc_populate_present_mask(cpu_all_mask), mdesc_fill_in_cpu_data().
 *
 * Every layout comes from build/guest/offsets.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/image.h"
#include "sim/sim.h"
#include "util/bytes.h"

#define MAP_4MB (4ull << 20)

static int sym(struct km *km, const char *name, uint64_t *va, char *err, size_t n)
{
	if (sim_sym(km->s, name, va)) {
		snprintf(err, n, "guest image lacks %s", name);
		return -1;
	}
	return 0;
}

/* Big-endian stores by kernel virtual address (the image or the linear
 * map); the caller checked the range. */
static void st64(struct km *km, uint64_t va, uint64_t v)
{
	uint8_t *p = km_ptr(km, va, 8);
	if (p)
		util_put_be64(p, v);
}

static void st32(struct km *km, uint64_t va, uint32_t v)
{
	uint8_t *p = km_ptr(km, va, 4);
	if (p)
		util_put_be32(p, v);
}

static void st16(struct km *km, uint64_t va, uint16_t v)
{
	uint8_t *p = km_ptr(km, va, 2);
	if (p)
		util_put_be16(p, v);
}

static uint64_t ld64(struct km *km, uint64_t va)
{
	const uint8_t *p = km_ptr(km, va, 8);
	return p ? util_be64(p) : 0;
}

/* cpumask bit: 64-bit big-endian words, bit cpu%64 of word cpu/64. */
void km_cpumask_set(struct km *km, uint64_t mask_va, unsigned cpu)
{
	uint8_t *p = km_ptr(km, mask_va + 8 * (cpu / 64) + 7 - (cpu % 64) / 8, 1);
	if (p)
		*p |= (uint8_t)(1u << (cpu % 8));
}

void km_cpumask_clear(struct km *km, uint64_t mask_va, unsigned cpu)
{
	uint8_t *p = km_ptr(km, mask_va + 8 * (cpu / 64) + 7 - (cpu % 64) / 8, 1);
	if (p)
		*p &= (uint8_t) ~(1u << (cpu % 8));
}

int km_cpumask_test(struct km *km, uint64_t mask_va, unsigned cpu)
{
	const uint8_t *p = km_ptr(km, mask_va + 8 * (cpu / 64) + 7 - (cpu % 64) / 8, 1);
	return p && (*p >> (cpu % 8)) & 1;
}

unsigned km_num_kernel_mappings(const struct km *km)
{
	return km->nmaps;
}

uint64_t km_kern_locked_tte(const struct km *km)
{
	return km->locked_tte;
}

uint64_t km_trap_block(const struct km *km, unsigned cpu)
{
	const struct lx_layout *lx = km_layout(km);
	return km->trap_block + (uint64_t)cpu * lx->trap_per_cpu_size;
}

uint64_t km_per_cpu_offset(struct km *km, unsigned cpu)
{
	const struct lx_layout *lx = km_layout(km);
	return cpu < lx->nr_cpus ? ld64(km, km->trap_block + (uint64_t)cpu * lx->trap_per_cpu_size +
	                                        lx->trap_per_cpu_per_cpu_base)
	                         : 0;
}

int km_boot_state(struct km *km, char *err, size_t n)
{
	const struct lx_layout *lx = km_layout(km);
	struct sim *s = km->s;
	uint64_t a, pcpu_start, pcpu_end;
	if (sym(km, "trap_block", &km->trap_block, err, n) ||
	    sym(km, "__per_cpu_start", &pcpu_start, err, n) ||
	    sym(km, "__per_cpu_end", &pcpu_end, err, n))
		return -1;

	/* The image sits at its link address: kern_base == KERNBASE, so
	 * kimage_addr_to_ra() is the identity. num_kernel_image_mappings and
	 * the locked TTE as paging_init()/remap_kernel() compute them. */
	uint64_t kern_size = (sim_image_end(s) - lx->kernbase + MAP_4MB - 1) & ~(MAP_4MB - 1);
	km->nmaps = (unsigned)(kern_size / MAP_4MB);
	km->locked_tte = lx->kernbase | lx->page_valid | lx->page_sz4mb_4v | lx->page_cp_4v |
	                 lx->page_cv_4v | lx->page_p_4v | lx->page_exec_4v | lx->page_w_4v;
	static const struct {
		const char *name;
		int width; /* bytes */
		int required;
	} vars[] = {
	    {"kern_base", 8, 1},
	    {"kern_size", 8, 0},
	    {"PAGE_OFFSET", 8, 1},
	    {"tlb_type", 4, 1},
	    {"num_kernel_image_mappings", 4, 1},
	    {"kern_locked_tte_data", 8, 1},
	    {"ldom_domaining_enabled", 4, 0},
	    {"nr_cpu_ids", 4, 0},
	};
	uint64_t vals[] = {
	    lx->kernbase,   kern_size, km->page_offset, lx->tlb_type_hypervisor, km->nmaps,
	    km->locked_tte, 1,         lx->nr_cpus};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (sim_sym(s, vars[i].name, &a)) {
			if (vars[i].required) {
				snprintf(err, n, "guest image lacks %s", vars[i].name);
				return -1;
			}
			continue;
		}
		if (vars[i].width == 8)
			st64(km, a, vals[i]);
		else
			st32(km, a, (uint32_t)vals[i]);
	}

	/* cpu_bit_bitmap[1 + b][0] = 1 << b: the table cpumask_of() indexes. */
	if (!sim_sym(s, "cpu_bit_bitmap", &a))
		for (unsigned b = 0; b < 64; b++)
			st64(km, a + (uint64_t)(1 + b) * lx->cpumask_size, 1ull << b);

	/* setup_per_cpu_areas(): one copy of the per-cpu template per cpu,
	 * trap_block[cpu].__per_cpu_base = copy - __per_cpu_start. All
	 * NR_CPUS cpus get one (the kernel does it for the possible ones). */
	uint64_t tsize = pcpu_end - pcpu_start, stride = (tsize + 63) & ~63ull;
	const void *tmpl = km_ptr(km, pcpu_start, tsize);
	uint64_t areas = km_heap_alloc(km, stride * lx->nr_cpus, 8192, 1);
	if (!tmpl || !areas) {
		snprintf(err, n, "kernel heap exhausted allocating per-cpu areas");
		return -1;
	}
	for (unsigned cpu = 0; cpu < lx->nr_cpus; cpu++) {
		uint64_t copy = areas + cpu * stride;
		memcpy(km_ptr(km, copy, tsize), tmpl, tsize);
		st64(km,
		     km->trap_block + (uint64_t)cpu * lx->trap_per_cpu_size +
		         lx->trap_per_cpu_per_cpu_base,
		     copy - pcpu_start);
	}

	/* cpu_all_mask (the kernel's const cpu_all_bits). */
	km->cpu_all_mask = km_heap_alloc(km, lx->cpumask_size, 64, 1);
	if (!km->cpu_all_mask) {
		snprintf(err, n, "kernel heap exhausted");
		return -1;
	}
	memset(km_ptr(km, km->cpu_all_mask, lx->cpumask_size), 0xff, lx->cpumask_size);

	/* tick_ops = the %stick operations (time_init picks "stick" on
	 * sun4v): a table in guest memory pointing at kernel-model stubs. */
	if (!sim_sym(s, "tick_ops", &a)) {
		const struct {
			uint64_t off;
			const char *stub;
		} ops[] = {{lx->tick_ops_get_tick, "km_tick_get_tick"},
		           {lx->tick_ops_add_compare, "km_tick_add_compare"},
		           {lx->tick_ops_disable_irq, "km_tick_disable_irq"},
		           {lx->tick_ops_init_tick, "km_tick_init_tick"},
		           {lx->tick_ops_add_tick, "km_tick_add_tick"},
		           {lx->tick_ops_get_frequency, "km_tick_get_frequency"}};
		uint64_t t = km_heap_alloc(km, lx->tick_ops_size, 64, 1), fn;
		if (!t) {
			snprintf(err, n, "kernel heap exhausted");
			return -1;
		}
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
			if (sym(km, ops[i].stub, &fn, err, n))
				return -1;
			st64(km, t + ops[i].off, fn);
		}
		st64(km, t + lx->tick_ops_frequency, km->stick_hz);
		st64(km, a, t);
	}

	/* boot_cpu_init(): the boot cpu is possible, present, online, active. */
	static const char *const masks[] = {"__cpu_possible_mask", "__cpu_present_mask",
	                                    "__cpu_online_mask", "__cpu_active_mask"};
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++)
		if (!sim_sym(s, masks[i], &a))
			km_cpumask_set(km, a, km->boot_cpu);
	return 0;
}

/* Mondo queues of one cpu as sun4v_init_mondo_queues() allocates them:
 * (1 << bits) entries of 64 bytes, aligned to the size; qmask = size - 1.
 * bits are the MD's q-*-#bits (defaults 7, 7, 6, 2). */
int km_cpu_queues(struct km *km, unsigned cpu, const unsigned bits[4])
{
	const struct lx_layout *lx = km_layout(km);
	const uint64_t pa[4] = {lx->trap_per_cpu_cpu_mondo_pa, lx->trap_per_cpu_dev_mondo_pa,
	                        lx->trap_per_cpu_resum_mondo_pa,
	                        lx->trap_per_cpu_nonresum_mondo_pa};
	const uint64_t mask[4] = {lx->trap_per_cpu_cpu_mondo_qmask,
	                          lx->trap_per_cpu_dev_mondo_qmask, lx->trap_per_cpu_resum_qmask,
	                          lx->trap_per_cpu_nonresum_qmask};
	uint64_t tb = km->trap_block + (uint64_t)cpu * lx->trap_per_cpu_size;
	for (int q = 0; q < 4; q++) {
		uint64_t size = (1ull << bits[q]) * 64;
		uint64_t va =
		    km_heap_alloc(km, size, size < lx->page_size ? lx->page_size : size, 1);
		if (!va)
			return -1;
		st64(km, tb + pa[q], km_va_to_ra(km, va));
		st32(km, tb + mask[q], (uint32_t)(size - 1));
	}
	return 0;
}

int km_thread_setup(struct km *km, unsigned tid, unsigned cpu, const char *comm,
                    struct km_thread *out)
{
	const struct lx_layout *lx = km_layout(km);
	uint64_t ti = km_heap_alloc(km, lx->thread_size, lx->thread_size, 1);
	uint64_t task = km_heap_alloc(km, lx->task_struct_size, 64, 1);
	if (!ti || !task)
		return -1;
	st64(km, ti + lx->ti_task, task);
	st16(km, ti + lx->ti_cpu, (uint16_t)cpu);
	st64(km, task + lx->task_stack, ti);
	st32(km, task + lx->task_pid, tid);
	char *c = km_ptr(km, task + lx->task_comm, lx->task_comm_len);
	if (c)
		snprintf(c, lx->task_comm_len, "%s", comm);
	out->task = task;
	out->ti = ti;
	out->stack_top = ti + lx->thread_size;
	km_note_task(km, tid, task, comm);
	if (sim_strand_running(km->s, tid)) {
		/* current (%g4), current_thread_info() (%g6), the per-cpu
		 * offset (%g5) of the cpu it runs on. */
		sim_strand_set_reg(km->s, tid, SIM_REG_G4, task);
		sim_strand_set_reg(km->s, tid, SIM_REG_G5, km_per_cpu_offset(km, cpu));
		sim_strand_set_reg(km->s, tid, SIM_REG_G6, ti);
	}
	return 0;
}

/* paging_init()'s MD steps and setup_per_cpu_areas()'s, for real. */
int km_boot_mdesc(struct km *km, unsigned tid, uint64_t stack_top, struct sim_verdict *v, char *err,
                  size_t n)
{
	const struct lx_layout *lx = km_layout(km);
	static const char *const steps[] = {"sun4v_mdesc_init", "mdesc_populate_present_mask",
	                                    "mdesc_fill_in_cpu_data"};
	for (size_t i = 0; i < 3; i++) {
		uint64_t fn, arg = km->cpu_all_mask, ret;
		if (sym(km, steps[i], &fn, err, n))
			return -1;
		enum sim_stop why =
		    sim_sched_call(km->s, tid, fn, &arg, i ? 1 : 0, stack_top, &ret, v);
		if (why != SIM_STOP_RETURNED) {
			snprintf(err, n, "%s: %s at %s: %s", steps[i], sim_stop_name(why), v->where,
			         v->msg);
			return -1;
		}
		if (i == 0) {
			/* setup_nr_cpu_ids(): last possible cpu + 1. */
			uint64_t pm, nr;
			if (!sim_sym(km->s, "__cpu_possible_mask", &pm) &&
			    !sim_sym(km->s, "nr_cpu_ids", &nr)) {
				unsigned last = 0;
				for (unsigned c = 0; c < lx->nr_cpus; c++)
					if (km_cpumask_test(km, pm, c))
						last = c;
				st32(km, nr, last + 1);
			}
		}
	}
	return 0;
}

/* mdesc_adi_init() — reads the ADI capabilities (M7 and later) from the MD
 * (arch/sparc/kernel/adi_64.c, not under study). Modelled as a machine
 * without ADI: adi_state stays disabled, as on T1-T5. Cost: one MD lookup,
 * 2 us. */
void km_set_stick_hz(struct km *km, uint64_t hz)
{
	km->stick_hz = hz;
}

void km_mdesc_adi_init(struct km_call *c)
{
	km_charge(c, 2000);
}

uint64_t km_alloc_zeroed(struct km *km, uint64_t size)
{
	return km_heap_alloc(km, size, 64, 1);
}

void km_store64(struct km *km, uint64_t va, uint64_t v)
{
	st64(km, va, v);
}
