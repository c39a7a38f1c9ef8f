/*
 * kernel-model/km_irq.c — the generic irq core (kernel/irq/, not under
 * study) that the real sun4v irq code of irq_64.c builds on: descriptors
 * in guest memory with the kernel's layout (build/guest/offsets.h), the
 * irq-number space, chip/handler/handler-data setters, and the interrupt
 * distribution map (arch/sparc/kernel/cpumap.c is not built: map_to_cpu is
 * modelled by the kernel's own fallback, simple_map_to_cpu). The run
 * builds the domain's device interrupts with the real sun4v_build_irq and
 * marks them requested; fixup_irqs then retargets them through the real
 * sun4v_set_affinity (INTR_SETTARGET).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"
#include "util/bytes.h"

static int ensure(struct km *km)
{
	const struct lx_layout *lx = km_layout(km);
	if (!km->irq_desc)
		km->irq_desc = calloc(lx->nr_irqs, sizeof *km->irq_desc);
	return km->irq_desc ? 0 : -1;
}

void km_irq_fini(struct km *km)
{
	free(km->irq_desc);
	km->irq_desc = NULL;
}

uint64_t km_irq_desc(struct km *km, unsigned irq)
{
	const struct lx_layout *lx = km_layout(km);
	return km->irq_desc && irq < lx->nr_irqs ? km->irq_desc[irq] : 0;
}

/* __irq_alloc_descs(irq, from, cnt, node, owner, affinity) — cnt new
 * descriptors, numbered from max(from, 1) (irq 0 is never handed out on
 * sparc64), each with its irq_data pointing at its common data, no chip,
 * and the default affinity (every cpu). Returns the first irq or -ENOMEM.
 * Cost 1 us per descriptor. */
void km___irq_alloc_descs(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	int64_t want = (int32_t)c->a[0];
	unsigned from = (unsigned)c->a[1], cnt = (unsigned)c->a[2];
	if (ensure(c->km) || !cnt) {
		c->a[0] = (uint64_t)-lx->enomem;
		return;
	}
	unsigned start = want >= 0 ? (unsigned)want : (from ? from : 1);
	for (;; start++) {
		if (start + cnt > lx->nr_irqs) {
			c->a[0] = (uint64_t)-lx->enomem;
			return;
		}
		unsigned k = 0;
		while (k < cnt && !c->km->irq_desc[start + k])
			k++;
		if (k == cnt)
			break;
		if (want >= 0) {
			c->a[0] = (uint64_t)-lx->eexist;
			return;
		}
	}
	for (unsigned k = 0; k < cnt; k++) {
		uint64_t d = km_heap_alloc(c->km, lx->irq_desc_size, 64, 1);
		if (!d) {
			c->a[0] = (uint64_t)-lx->enomem;
			return;
		}
		km_st32(c, d + lx->irq_desc_data + lx->irq_data_irq, start + k);
		km_st64(c, d + lx->irq_desc_data + lx->irq_data_hwirq, start + k);
		km_st64(c, d + lx->irq_desc_data + lx->irq_data_common, d + lx->irq_desc_common);
		memset(km_ptr(c->km, d + lx->irq_desc_common + lx->irq_common_affinity,
		              lx->cpumask_size),
		       0xff, lx->cpumask_size);
		c->km->irq_desc[start + k] = d;
	}
	km_charge(c, 1000 * (uint64_t)cnt);
	c->a[0] = start;
}

/* irq_free_descs(irq, cnt). Cost 500 ns per descriptor. */
void km_irq_free_descs(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	unsigned irq = (unsigned)c->a[0], cnt = (unsigned)c->a[1];
	for (unsigned k = 0; c->km->irq_desc && k < cnt && irq + k < lx->nr_irqs; k++) {
		km_heap_free(c->km, c->km->irq_desc[irq + k]);
		c->km->irq_desc[irq + k] = 0;
	}
	km_charge(c, 500 * (uint64_t)cnt);
}

/* irq_to_desc(irq) — the descriptor, or NULL (fixup_irqs walks all
 * NR_IRQS). Cost 5 ns. */
void km_irq_to_desc(struct km_call *c)
{
	km_charge(c, 5);
	c->a[0] = km_irq_desc(c->km, (unsigned)c->a[0]);
}

/* irq_get_irq_data(irq) — &desc->irq_data, or NULL. Cost 5 ns. */
void km_irq_get_irq_data(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t d = km_irq_desc(c->km, (unsigned)c->a[0]);
	km_charge(c, 5);
	c->a[0] = d ? d + lx->irq_desc_data : 0;
}

/* irq_set_chip_and_handler_name(irq, chip, handle, name) — the chip (the
 * real sun4v_irq) and the flow handler's address. Cost 200 ns. */
void km_irq_set_chip_and_handler_name(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t d = km_irq_desc(c->km, (unsigned)c->a[0]);
	km_charge(c, 200);
	if (!d) {
		km_fail(c, "irq %llu has no descriptor", (unsigned long long)c->a[0]);
		return;
	}
	km_st64(c, d + lx->irq_desc_data + lx->irq_data_chip, c->a[1]);
	km_st64(c, d + lx->irq_desc_handle_irq, c->a[2]);
	km_st64(c, d + lx->irq_desc_name, c->a[3]);
}

/* irq_set_handler_data(irq, data) — the chip's per-irq data (sparc's
 * struct irq_handler_data). Returns 0, or -EINVAL without a descriptor.
 * Cost 100 ns. */
void km_irq_set_handler_data(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t d = km_irq_desc(c->km, (unsigned)c->a[0]);
	km_charge(c, 100);
	if (!d) {
		c->a[0] = (uint64_t)-lx->einval;
		return;
	}
	km_st64(c, d + lx->irq_desc_common + lx->irq_common_handler_data, c->a[1]);
	c->a[0] = 0;
}

/* handle_fasteoi_irq — the flow handler: only its address is taken here
 * (no interrupt is delivered in these scenarios); called, it stops the
 * thread. */
void km_handle_fasteoi_irq(struct km_call *c)
{
	km_fail(c, "interrupt delivery is not modelled");
}

/* map_to_cpu(index) — the cpu an interrupt is distributed to. cpumap.c's
 * topology-balanced map is not built; this is the kernel's own fallback,
 * simple_map_to_cpu: the (index mod online)-th online cpu. Cost 50 ns +
 * 2 ns per cpu scanned. */
void km_map_to_cpu(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t online;
	if (sim_sym(c->s, "__cpu_online_mask", &online)) {
		km_fail(c, "guest image lacks __cpu_online_mask");
		return;
	}
	unsigned n = 0, first = 0, found = 0;
	for (unsigned cpu = 0; cpu < lx->nr_cpus; cpu++)
		if (km_cpumask_test(c->km, online, cpu)) {
			if (!n)
				first = cpu;
			n++;
		}
	unsigned end = n ? (unsigned)(c->a[0] % n) : 0, seen = 0;
	c->a[0] = first;
	for (unsigned cpu = 0; cpu < lx->nr_cpus && !found; cpu++)
		if (km_cpumask_test(c->km, online, cpu) && seen++ == end) {
			c->a[0] = cpu;
			found = 1;
		}
	km_charge(c, 50 + 2 * (uint64_t)n);
}

/* Bitmaps of more than one word (lib/bitmap.c): cpumask_equal and
 * cpumask_and with NR_CPUS = 4096. Cost 5 ns per word. */
void km___bitmap_equal(struct km_call *c)
{
	unsigned bits = (unsigned)c->a[2], words = bits / 64;
	const uint8_t *a = km_ptr(c->km, c->a[0], 8ull * ((bits + 63) / 64));
	const uint8_t *b = km_ptr(c->km, c->a[1], 8ull * ((bits + 63) / 64));
	if (!a || !b) {
		km_fail(c, "bad bitmap");
		return;
	}
	int eq = !memcmp(a, b, 8ull * words);
	if (eq && bits % 64) { /* compare the low bits of the last (big-endian) word */
		uint64_t x = util_be64(a + 8 * words), y = util_be64(b + 8 * words),
		         mask = (1ull << (bits % 64)) - 1;
		eq = (x & mask) == (y & mask);
	}
	km_charge(c, 5 * (uint64_t)((bits + 63) / 64));
	c->a[0] = eq;
}

void km___bitmap_and(struct km_call *c)
{
	unsigned bits = (unsigned)c->a[3], words = (bits + 63) / 64;
	uint8_t *d = km_ptr(c->km, c->a[0], 8ull * words);
	const uint8_t *a = km_ptr(c->km, c->a[1], 8ull * words);
	const uint8_t *b = km_ptr(c->km, c->a[2], 8ull * words);
	if (!d || !a || !b) {
		km_fail(c, "bad bitmap");
		return;
	}
	int any = 0;
	for (unsigned i = 0; i < 8 * words; i++) {
		d[i] = a[i] & b[i];
		any |= d[i] != 0;
	}
	km_charge(c, 5 * (uint64_t)words);
	c->a[0] = any;
}

int km_irq_request(struct km *km, unsigned irq)
{
	const struct lx_layout *lx = km_layout(km);
	uint64_t d = km_irq_desc(km, irq);
	uint64_t action = km_heap_alloc(km, lx->irqaction_size, 64, 1);
	uint8_t *p = d ? km_ptr(km, d + lx->irq_desc_action, 8) : NULL;
	if (!p || !action)
		return -1;
	util_put_be64(p, action);
	return 0;
}

uint64_t km_irq_affinity(struct km *km, unsigned irq)
{
	const struct lx_layout *lx = km_layout(km);
	uint64_t d = km_irq_desc(km, irq);
	return d ? d + lx->irq_desc_common + lx->irq_common_affinity : 0;
}

int km_irq_ivector_init(struct km *km, unsigned nsysino)
{
	const struct lx_layout *lx = km_layout(km);
	uint64_t table, table_pa, cur;
	if (sim_sym(km->s, "ivector_table", &table))
		return -1;
	uint8_t *p = km_ptr(km, table, 8);
	if (!p)
		return -1;
	cur = util_be64(p);
	if (cur)
		return 0;
	uint64_t va = km_heap_alloc(km, (uint64_t)lx->ino_bucket_size * nsysino, 64, 1);
	if (!va)
		return -1;
	km_store64(km, table, va);
	if (!sim_sym(km->s, "ivector_table_pa", &table_pa)) /* linked only if read */
		km_store64(km, table_pa, km_va_to_ra(km, va));
	return 0;
}
