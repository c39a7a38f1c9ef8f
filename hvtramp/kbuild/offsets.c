// SPDX-License-Identifier: GPL-2.0
/*
 * ldomsim: structure offsets and constants the host needs, generated with
 * the kernel's own asm-offsets technique. Copied into the kernel OBJECT tree
 * as arch/sparc/kernel/ldomsim_offsets.c and compiled with -S by kbuild
 * (`make arch/sparc/kernel/ldomsim_offsets.s`), so every value comes from
 * the configured kernel's compiler and headers. hvtramp/module.mk turns
 * each "->LX_NAME value" marker of the .s into `#define LX_NAME value`.
 * Nothing here is a value typed by hand: only names.
 */
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/sched.h>
#include <linux/threads.h>
#include <linux/cpumask.h>
#include <generated/utsrelease.h>
#include <asm/hvtramp.h>
#include <asm/trap_block.h>
#include <asm/cpudata.h>
#include <asm/thread_info.h>
#include <asm/ptrace.h>
#include <asm/head.h>
#include <asm/page.h>
#include <linux/mm.h>
#include <asm/hypervisor.h>
#include <asm/scratchpad.h>
#include <asm/spitfire.h>
#include <asm/pstate.h>
#include <asm/asi.h>
#include <asm/pil.h>
#include <asm/io.h>
#include <asm/ldc.h>
#include <asm/vio.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/interrupt.h>
#include <linux/errno.h>
#include <linux/wait.h>
#include <asm/timer.h>
#include <linux/slab.h>
#include <linux/mm_types.h>
#include "entry.h" /* struct ino_bucket (arch/sparc/kernel/entry.h) */

/* Declared inside ldom_startcpu_cpuid() in smp_64.c, not in a header. */
extern unsigned long kern_locked_tte_data;

/* Names are stringized here, before an argument could be macro-expanded
 * (HVTRAMP_DESCR_CPU etc. are macros of the kernel's headers too). */
#define LX_(str, val)          asm volatile("\n.ascii \"->LX_" str " %0\"" : : "i"(val))
#define LX(name, val)          LX_(#name, val)
#define LXC(name)              LX_(#name, name)
#define LXO(name, type, field) LX_(#name, offsetof(type, field))
#define LXS(name, type)        LX_(#name, sizeof(type))
/* Size and alignment of a kernel variable the kernel model provides. */
#define LXV(sym)                                                                                   \
	LX_("SIZEOF_" #sym, sizeof(sym));                                                          \
	LX_("ALIGNOF_" #sym, __alignof__(sym))
#define LXBLANK() asm volatile("\n.ascii \"->\"")

void ldomsim_offsets(void);
void ldomsim_offsets(void)
{
	asm volatile("\n.ascii \"->LX_KERNEL_VERSION \\\"" UTS_RELEASE "\\\"\"");
	LXBLANK();

	/* struct hvtramp_descr / hvtramp_mapping (asm/hvtramp.h) */
	LXO(HVTRAMP_DESCR_CPU, struct hvtramp_descr, cpu);
	LXO(HVTRAMP_DESCR_NUM_MAPPINGS, struct hvtramp_descr, num_mappings);
	LXO(HVTRAMP_DESCR_FAULT_INFO_VA, struct hvtramp_descr, fault_info_va);
	LXO(HVTRAMP_DESCR_FAULT_INFO_PA, struct hvtramp_descr, fault_info_pa);
	LXO(HVTRAMP_DESCR_THREAD_REG, struct hvtramp_descr, thread_reg);
	LXO(HVTRAMP_DESCR_MAPS, struct hvtramp_descr, maps);
	LXS(HVTRAMP_DESCR_SIZE, struct hvtramp_descr);
	LXO(HVTRAMP_MAPPING_VADDR, struct hvtramp_mapping, vaddr);
	LXO(HVTRAMP_MAPPING_TTE, struct hvtramp_mapping, tte);
	LXS(HVTRAMP_MAPPING_SIZE, struct hvtramp_mapping);
	LXBLANK();

	/* struct trap_per_cpu (asm/trap_block.h): one trap_block[] entry */
	LXS(TRAP_PER_CPU_SIZE, struct trap_per_cpu);
	LXO(TRAP_PER_CPU_THREAD, struct trap_per_cpu, thread);
	LXO(TRAP_PER_CPU_PGD_PADDR, struct trap_per_cpu, pgd_paddr);
	LXO(TRAP_PER_CPU_CPU_MONDO_PA, struct trap_per_cpu, cpu_mondo_pa);
	LXO(TRAP_PER_CPU_DEV_MONDO_PA, struct trap_per_cpu, dev_mondo_pa);
	LXO(TRAP_PER_CPU_RESUM_MONDO_PA, struct trap_per_cpu, resum_mondo_pa);
	LXO(TRAP_PER_CPU_RESUM_KBUF_PA, struct trap_per_cpu, resum_kernel_buf_pa);
	LXO(TRAP_PER_CPU_NONRESUM_MONDO_PA, struct trap_per_cpu, nonresum_mondo_pa);
	LXO(TRAP_PER_CPU_NONRESUM_KBUF_PA, struct trap_per_cpu, nonresum_kernel_buf_pa);
	LXO(TRAP_PER_CPU_FAULT_INFO, struct trap_per_cpu, fault_info);
	LXO(TRAP_PER_CPU_CPU_MONDO_BLOCK_PA, struct trap_per_cpu, cpu_mondo_block_pa);
	LXO(TRAP_PER_CPU_CPU_LIST_PA, struct trap_per_cpu, cpu_list_pa);
	LXO(TRAP_PER_CPU_TSB_HUGE, struct trap_per_cpu, tsb_huge);
	LXO(TRAP_PER_CPU_TSB_HUGE_TEMP, struct trap_per_cpu, tsb_huge_temp);
	LXO(TRAP_PER_CPU_IRQ_WORKLIST_PA, struct trap_per_cpu, irq_worklist_pa);
	LXO(TRAP_PER_CPU_CPU_MONDO_QMASK, struct trap_per_cpu, cpu_mondo_qmask);
	LXO(TRAP_PER_CPU_DEV_MONDO_QMASK, struct trap_per_cpu, dev_mondo_qmask);
	LXO(TRAP_PER_CPU_RESUM_QMASK, struct trap_per_cpu, resum_qmask);
	LXO(TRAP_PER_CPU_NONRESUM_QMASK, struct trap_per_cpu, nonresum_qmask);
	LXO(TRAP_PER_CPU_PER_CPU_BASE, struct trap_per_cpu, __per_cpu_base);
	LXS(HV_FAULT_STATUS_SIZE, struct hv_fault_status);
	LXBLANK();

	/* cpuinfo_sparc (asm/cpudata_64.h): cpu_data(i), per-cpu __cpu_data */
	LXS(CPUINFO_SPARC_SIZE, cpuinfo_sparc);
	LXO(CPUINFO_SPARC_SOFTIRQ_PENDING, cpuinfo_sparc, __softirq_pending);
	LXO(CPUINFO_SPARC_NMI_COUNT, cpuinfo_sparc, __nmi_count);
	LXO(CPUINFO_SPARC_CLOCK_TICK, cpuinfo_sparc, clock_tick);
	LXO(CPUINFO_SPARC_IRQ0_IRQS, cpuinfo_sparc, irq0_irqs);
	LXO(CPUINFO_SPARC_DCACHE_SIZE, cpuinfo_sparc, dcache_size);
	LXO(CPUINFO_SPARC_DCACHE_LINE_SIZE, cpuinfo_sparc, dcache_line_size);
	LXO(CPUINFO_SPARC_ICACHE_SIZE, cpuinfo_sparc, icache_size);
	LXO(CPUINFO_SPARC_ICACHE_LINE_SIZE, cpuinfo_sparc, icache_line_size);
	LXO(CPUINFO_SPARC_ECACHE_SIZE, cpuinfo_sparc, ecache_size);
	LXO(CPUINFO_SPARC_ECACHE_LINE_SIZE, cpuinfo_sparc, ecache_line_size);
	LXO(CPUINFO_SPARC_SOCK_ID, cpuinfo_sparc, sock_id);
	LXO(CPUINFO_SPARC_CORE_ID, cpuinfo_sparc, core_id);
	LXO(CPUINFO_SPARC_MAX_CACHE_ID, cpuinfo_sparc, max_cache_id);
	LXO(CPUINFO_SPARC_PROC_ID, cpuinfo_sparc, proc_id);
	LXBLANK();

	/* struct thread_info (asm/thread_info_64.h) */
	LXS(THREAD_INFO_SIZE, struct thread_info);
	LXO(TI_TASK, struct thread_info, task);
	LXO(TI_FLAGS, struct thread_info, flags);
	LXO(TI_FPSAVED, struct thread_info, fpsaved);
	LXO(TI_STATUS, struct thread_info, status);
	LXO(TI_KSP, struct thread_info, ksp);
	LXO(TI_FAULT_ADDRESS, struct thread_info, fault_address);
	LXO(TI_KREGS, struct thread_info, kregs);
	LXO(TI_PREEMPT_COUNT, struct thread_info, preempt_count);
	LXO(TI_NEW_CHILD, struct thread_info, new_child);
	LXO(TI_CPU, struct thread_info, cpu);
	LXO(TI_UTRAPS, struct thread_info, utraps);
	LXO(TI_REG_WINDOW, struct thread_info, reg_window);
	LXO(TI_RWBUF_STKPTRS, struct thread_info, rwbuf_stkptrs);
	LXO(TI_GSR, struct thread_info, gsr);
	LXO(TI_XFSR, struct thread_info, xfsr);
	LXO(TI_KERN_UNA_REGS, struct thread_info, kern_una_regs);
	LXO(TI_KERN_UNA_INSN, struct thread_info, kern_una_insn);
	LXO(TI_FPREGS, struct thread_info, fpregs);
	LXC(THREAD_SHIFT);
	LXC(THREAD_SIZE);
	LXC(STACKFRAME_SZ);
	LXC(STACK_BIAS);
	LXBLANK();

	/* struct task_struct: the fields the kernel model touches */
	LXS(TASK_STRUCT_SIZE, struct task_struct);
	LXO(TASK_STATE, struct task_struct, __state);
	LXO(TASK_STACK, struct task_struct, stack);
	LXO(TASK_FLAGS, struct task_struct, flags);
	LXO(TASK_CPUS_PTR, struct task_struct, cpus_ptr);
	LXO(TASK_MM, struct task_struct, mm);
	LXO(TASK_ACTIVE_MM, struct task_struct, active_mm);
	LXO(TASK_PID, struct task_struct, pid);
	LXO(TASK_TGID, struct task_struct, tgid);
	LXO(TASK_COMM, struct task_struct, comm);
	LXC(TASK_COMM_LEN);
	LXBLANK();

	/* kernel patch tables the loader applies (asm/trap_block.h) */
	LXS(CPUID_PATCH_ENTRY_SIZE, struct cpuid_patch_entry);
	LXO(CPUID_PATCH_ENTRY_ADDR, struct cpuid_patch_entry, addr);
	LXO(CPUID_PATCH_ENTRY_SUN4V, struct cpuid_patch_entry, sun4v);
	LXS(SUN4V_1INSN_PATCH_ENTRY_SIZE, struct sun4v_1insn_patch_entry);
	LXO(SUN4V_1INSN_PATCH_ENTRY_ADDR, struct sun4v_1insn_patch_entry, addr);
	LXO(SUN4V_1INSN_PATCH_ENTRY_INSN, struct sun4v_1insn_patch_entry, insn);
	LXS(SUN4V_2INSN_PATCH_ENTRY_SIZE, struct sun4v_2insn_patch_entry);
	LXO(SUN4V_2INSN_PATCH_ENTRY_ADDR, struct sun4v_2insn_patch_entry, addr);
	LXO(SUN4V_2INSN_PATCH_ENTRY_INSNS, struct sun4v_2insn_patch_entry, insns);
	LXBLANK();

	/* machine constants */
	LXC(KERNBASE);
	LXC(NR_CPUS);
	LXS(CPUMASK_SIZE, struct cpumask);
	LXC(PAGE_SHIFT);
	LXC(PAGE_SIZE);
	LX(TLB_TYPE_HYPERVISOR, hypervisor);
	LX(GFP_ZERO, __GFP_ZERO);
	LXC(PIL_NORMAL_MAX);
	LXC(SCRATCHPAD_CPUID);
	LXC(PRIMARY_CONTEXT);
	LXC(SECONDARY_CONTEXT);
	LXC(PSTATE_PRIV);
	LXC(PSTATE_PEF);
	LXC(PSTATE_IE);
	LXBLANK();

	/* LDC and the vio device the kernel model hands ds.c */
	LXO(LDC_CFG_EVENT, struct ldc_channel_config, event);
	LXO(LDC_CFG_MTU, struct ldc_channel_config, mtu);
	LXO(LDC_CFG_MODE, struct ldc_channel_config, mode);
	LXC(LDC_EVENT_RESET);
	LXC(LDC_EVENT_UP);
	LXC(LDC_EVENT_DATA_READY);
	LXC(LDC_MODE_STREAM);
	LXS(VIO_DEV_SIZE, struct vio_dev);
	LXO(VIO_DEV_MP, struct vio_dev, mp);
	LXO(VIO_DEV_CHANNEL_ID, struct vio_dev, channel_id);
	LXO(VIO_DEV_TX_IRQ, struct vio_dev, tx_irq);
	LXO(VIO_DEV_RX_IRQ, struct vio_dev, rx_irq);
	LXBLANK();

	/* the %stick tick operations the kernel model provides (tick_ops) */
	LXS(TICK_OPS_SIZE, struct sparc64_tick_ops);
	LXO(TICK_OPS_GET_TICK, struct sparc64_tick_ops, get_tick);
	LXO(TICK_OPS_ADD_COMPARE, struct sparc64_tick_ops, add_compare);
	LXO(TICK_OPS_SOFTINT_MASK, struct sparc64_tick_ops, softint_mask);
	LXO(TICK_OPS_DISABLE_IRQ, struct sparc64_tick_ops, disable_irq);
	LXO(TICK_OPS_INIT_TICK, struct sparc64_tick_ops, init_tick);
	LXO(TICK_OPS_ADD_TICK, struct sparc64_tick_ops, add_tick);
	LXO(TICK_OPS_GET_FREQUENCY, struct sparc64_tick_ops, get_frequency);
	LXO(TICK_OPS_FREQUENCY, struct sparc64_tick_ops, frequency);
	LXBLANK();

	/* the generic irq core's descriptors, which the kernel model keeps */
	LXS(IRQ_DESC_SIZE, struct irq_desc);
	LXO(IRQ_DESC_COMMON, struct irq_desc, irq_common_data);
	LXO(IRQ_DESC_DATA, struct irq_desc, irq_data);
	LXO(IRQ_DESC_HANDLE_IRQ, struct irq_desc, handle_irq);
	LXO(IRQ_DESC_ACTION, struct irq_desc, action);
	LXO(IRQ_DESC_NAME, struct irq_desc, name);
	LXO(IRQ_DATA_IRQ, struct irq_data, irq);
	LXO(IRQ_DATA_HWIRQ, struct irq_data, hwirq);
	LXO(IRQ_DATA_COMMON, struct irq_data, common);
	LXO(IRQ_DATA_CHIP, struct irq_data, chip);
	LXO(IRQ_COMMON_STATE, struct irq_common_data, state_use_accessors);
	LXO(IRQ_COMMON_HANDLER_DATA, struct irq_common_data, handler_data);
	LXO(IRQ_COMMON_AFFINITY, struct irq_common_data, affinity);
	LXS(IRQACTION_SIZE, struct irqaction);
	LXC(NR_IRQS);
	LXS(INO_BUCKET_SIZE, struct ino_bucket);
	LXS(SIZEOF_INT, int); /* numa_cpu_lookup_table[NR_CPUS] is an int array */
	LXBLANK();

	/* errno values (sparc numbers its own) */
	LXC(EINVAL);
	LXC(ENODEV);
	LXC(ENOMEM);
	LXC(EAGAIN);
	LXC(ECONNRESET);
	LXC(ENOTCONN);
	LXC(EBUSY);
	LXC(EEXIST);
	LXBLANK();

	/* sun4v TTE bits: kern_large_tte() builds the locked kernel TTEs */
	LX(PAGE_VALID, _PAGE_VALID);
	LX(PAGE_SZ4MB_4V, _PAGE_SZ4MB_4V);
	LX(PAGE_CP_4V, _PAGE_CP_4V);
	LX(PAGE_CV_4V, _PAGE_CV_4V);
	LX(PAGE_P_4V, _PAGE_P_4V);
	LX(PAGE_EXEC_4V, _PAGE_EXEC_4V);
	LX(PAGE_W_4V, _PAGE_W_4V);
	LXBLANK();

	/* kernel-model data (kernel-model/entries.def KM_DATA/KM_PERCPU rows):
	 * LX_SIZEOF_<symbol>, LX_ALIGNOF_<symbol> as the kernel declares them */
	LXV(PAGE_OFFSET);
	LXV(__cpu_data);
	LXV(__cpu_online_mask);
	LXV(__cpu_possible_mask);
	LXV(__cpu_present_mask);
	LXV(__cpu_active_mask);
	LXV(cpu_bit_bitmap);
	LXV(init_mm);
	LXV(kern_base);
	LXV(kern_size);
	LXV(kern_locked_tte_data);
	LXV(kmalloc_caches);
	LXV(ldom_domaining_enabled);
	LXV(ncpus_probed);
	LXV(nr_cpu_ids);
	LXV(num_kernel_image_mappings);
	LXV(tick_ops);
	LXV(tlb_type);
	LXBLANK();

	/* hypervisor.h: every HV_FAST_*, HV_E*, HV_MMU_* macro, and the ASI_*
	 * that hvtramp.S and helpers.S use (names listed by hvtramp/kernel.sh) */
#include "ldomsim_names.h"
}
