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
