/*
 * Guest-side glue of the kernel model's cpu-hotplug core (written for
 * ldomsim). The host's add_cpu entry prepares the idle task, then
 * continues here instead of returning, so that the REAL __cpu_up runs as
 * an ordinary guest call on the caller's stack and in its register
 * windows:
 *
 *   int add_cpu(cpu)  ->  host: cpuhp prepare, fork_idle  -> km_glue_add_cpu
 *   km_glue_add_cpu(cpu, idle):
 *       ret = __cpu_up(cpu, idle)       the code under study
 *       return km_add_cpu_done(ret, cpu) host: cpuhp online steps
 *
 * Entered with %o7 = add_cpu's caller, so its `ret` returns there.
 */
	.section ".text.km_glue", "ax", @progbits
	.align	8
	.globl	km_glue_add_cpu
	.type	km_glue_add_cpu, #function
km_glue_add_cpu:
	save	%sp, -192, %sp
	mov	%i0, %o0
	call	__cpu_up
	 mov	%i1, %o1
	call	km_add_cpu_done
	 mov	%i0, %o1
	ret
	 restore %o0, %g0, %o0
	.size	km_glue_add_cpu, . - km_glue_add_cpu

/*
 * Removal. The host's remove_cpu entry starts the victim strand on its
 * idle thread at km_glue_cpu_dying (stop_machine's take_cpu_down runs there
 * on a real kernel) and continues the caller here:
 *
 *   km_glue_remove_cpu(cpu):
 *       err = km_cpu_down_wait(cpu)     host: until the victim's __cpu_disable returned
 *       if (!err) { __cpu_die(cpu)      the code under study (msleep polls, CPU_STOP)
 *                   km_remove_cpu_done(cpu) }
 *       return err
 *
 *   km_glue_cpu_dying (on the victim):
 *       km_cpu_disabled(__cpu_disable())   host: wakes the master
 *       cpu_play_dead()                    the code under study; never returns
 */
	.align	8
	.globl	km_glue_remove_cpu
	.type	km_glue_remove_cpu, #function
km_glue_remove_cpu:
	save	%sp, -192, %sp
	call	km_cpu_down_wait
	 mov	%i0, %o0
	brnz,pn	%o0, 1f
	 mov	%o0, %l0
	call	__cpu_die
	 mov	%i0, %o0
	call	km_remove_cpu_done
	 mov	%i0, %o0
	mov	0, %l0
1:	ret
	 restore %l0, %g0, %o0
	.size	km_glue_remove_cpu, . - km_glue_remove_cpu

	.align	8
	.globl	km_glue_cpu_dying
	.type	km_glue_cpu_dying, #function
km_glue_cpu_dying:
	call	__cpu_disable
	 nop
	call	km_cpu_disabled
	 nop
	call	cpu_play_dead
	 nop
1:	ba	1b
	 nop
	.size	km_glue_cpu_dying, . - km_glue_cpu_dying
