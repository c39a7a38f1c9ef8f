/*
 * kernel-model/km_lock.c — locks: _raw_spin_lock_irq,
 * _raw_spin_lock_irqsave, _raw_spin_unlock_irqrestore, mutex_lock,
 * mutex_unlock.
 *
 * One guest thread runs at a time and threads switch only at
 * kernel-model calls that block, so a lock is never contended in a way
 * waiting could resolve: a spinlock found held can never be released
 * (its holder cannot run while this thread spins) — a deadlock verdict,
 * never a silent success. The lock words are kept in guest memory as the
 * real code keeps them, so guest code that reads them (spin_is_locked,
 * mutex_is_locked) sees the truth:
 *  - spinlock_t (no lock debugging in sparc64_defconfig) is a queued
 *    spinlock, a 32-bit big-endian atomic_t at offset 0 (asm-generic/
 *    qspinlock_types.h): lock stores _Q_LOCKED_VAL (1, the `locked` byte,
 *    the word's low byte), unlock clears that byte;
 *  - struct mutex starts with atomic_long_t owner (include/linux/mutex.h):
 *    the owning task_struct pointer, low 3 bits MUTEX_FLAG_* (kernel/
 *    locking/mutex.c); lock stores current, unlock clears it. current is
 *    current_thread_info()->task: %g6 holds the thread_info.
 * Interrupts: the simulator has no %pil accessor for the kernel model and
 * delivers no interrupts, so the _irq/_irqsave variants do not model %pil;
 * _raw_spin_lock_irqsave returns flags 0 and _raw_spin_unlock_irqrestore
 * ignores its flags.
 * A mutex held by another task would put the caller to sleep; the kernel
 * model has no blocking entry yet, so that is a verdict naming the owner.
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */
#include <unicorn/unicorn.h>

#include "guest/offsets.h"
#include "kernel-model/km_impl.h"
#include "kernel-model/tunables.h"
#include "sim/sim.h"

#define Q_LOCKED_VAL    1u      /* _Q_LOCKED_VAL */
#define MUTEX_OWNER_OFF 0       /* offsetof(struct mutex, owner) */
#define MUTEX_FLAGS     0x07ull /* MUTEX_FLAG_WAITERS | _HANDOFF | _PICKUP */

/* The lock word at va, or -1 (and a verdict) if it is misaligned or not
 * guest RAM. */
static int64_t spin_word(struct km_call *c, uint64_t va)
{
	if ((va & 3) || !km_ptr(c->km, va, 4)) {
		km_fail(c, "bad spinlock address 0x%llx", (unsigned long long)va);
		return -1;
	}
	return km_ld32(c, va);
}

/* Take the spinlock at va or stop the thread with a deadlock verdict. */
static void spin_take(struct km_call *c, uint64_t va)
{
	km_charge(c, KM_COST_SPIN_LOCK_NS);
	int64_t w = spin_word(c, va);
	if (w < 0)
		return;
	if (w) {
		km_fail(c,
		        "deadlock: spinlock 0x%llx already held (lock word 0x%08llx) when thread "
		        "%u on cpu %u takes it; its holder cannot run to release it",
		        (unsigned long long)va, (unsigned long long)w, c->tid, c->cpu);
		return;
	}
	km_st32(c, va, Q_LOCKED_VAL);
}

/* void _raw_spin_lock_irq(raw_spinlock_t *lock): local_irq_disable() and
 * lock.
 * Cost: KM_COST_SPIN_LOCK_NS. */
void km__raw_spin_lock_irq(struct km_call *c)
{
	spin_take(c, c->a[0]);
}

/* unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock): save the
 * interrupt state, disable, lock; returns 0 as the saved flags (see the
 * header: %pil is not modelled).
 * Cost: KM_COST_SPIN_LOCK_NS. */
void km__raw_spin_lock_irqsave(struct km_call *c)
{
	spin_take(c, c->a[0]);
	c->a[0] = 0;
}

/* void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long
 * flags): unlock (clear the locked byte) and restore the interrupt state
 * (not modelled). Unlocking a lock that is not held is a verdict (the
 * kernel would corrupt the lock silently).
 * Cost: KM_COST_SPIN_UNLOCK_NS. */
void km__raw_spin_unlock_irqrestore(struct km_call *c)
{
	uint64_t va = c->a[0];
	km_charge(c, KM_COST_SPIN_UNLOCK_NS);
	int64_t w = spin_word(c, va);
	if (w < 0)
		return;
	if (!(w & 0xff)) {
		km_fail(c, "unlock of spinlock 0x%llx which is not held (lock word 0x%08llx)",
		        (unsigned long long)va, (unsigned long long)w);
		return;
	}
	km_st32(c, va, (uint32_t)w & ~0xffu);
}

/* current: the task of the thread_info in %g6; 0 (and a verdict) if there
 * is none. */
static uint64_t current_task(struct km_call *c)
{
	uint64_t ti = sim_strand_reg(c->s, c->tid, UC_SPARC_REG_G6);
	uint64_t task = ti && km_ptr(c->km, ti + LX_TI_TASK, 8) ? km_ld64(c, ti + LX_TI_TASK) : 0;
	if (!task)
		km_fail(c, "no current task (%%g6 = 0x%llx is not a thread_info with a task)",
		        (unsigned long long)ti);
	return task;
}

/* The owner word of the mutex at va, or UINT64_MAX (and a verdict). */
static uint64_t mutex_owner(struct km_call *c, uint64_t va)
{
	if ((va & 7) || !km_ptr(c->km, va + MUTEX_OWNER_OFF, 8)) {
		km_fail(c, "bad mutex address 0x%llx", (unsigned long long)va);
		return UINT64_MAX;
	}
	return km_ld64(c, va + MUTEX_OWNER_OFF);
}

/* void mutex_lock(struct mutex *lock): the fast path (owner 0 -> current).
 * Held by the caller: a deadlock verdict; held by another task: a verdict
 * too (sleeping is not modelled yet, see the header).
 * Cost: KM_COST_MUTEX_NS. */
void km_mutex_lock(struct km_call *c)
{
	uint64_t va = c->a[0];
	km_charge(c, KM_COST_MUTEX_NS);
	uint64_t task = current_task(c);
	uint64_t owner = task ? mutex_owner(c, va) : UINT64_MAX;
	if (owner == UINT64_MAX)
		return;
	if ((owner & ~MUTEX_FLAGS) == task) {
		km_fail(c, "deadlock: mutex 0x%llx already held by the caller (task 0x%llx)",
		        (unsigned long long)va, (unsigned long long)task);
		return;
	}
	if (owner) {
		km_fail(c,
		        "mutex 0x%llx is held by task 0x%llx: task 0x%llx would sleep, and "
		        "sleeping on a mutex is not modelled",
		        (unsigned long long)va, (unsigned long long)(owner & ~MUTEX_FLAGS),
		        (unsigned long long)task);
		return;
	}
	km_st64(c, va + MUTEX_OWNER_OFF, task);
}

/* void mutex_unlock(struct mutex *lock): owner current -> 0. Unlocking a
 * mutex the caller does not hold is a verdict (the kernel's
 * DEBUG_MUTEXES check).
 * Cost: KM_COST_MUTEX_NS. */
void km_mutex_unlock(struct km_call *c)
{
	uint64_t va = c->a[0];
	km_charge(c, KM_COST_MUTEX_NS);
	uint64_t task = current_task(c);
	uint64_t owner = task ? mutex_owner(c, va) : UINT64_MAX;
	if (owner == UINT64_MAX)
		return;
	if ((owner & ~MUTEX_FLAGS) != task) {
		km_fail(c, "unlock of mutex 0x%llx held by 0x%llx, not by the caller (task 0x%llx)",
		        (unsigned long long)va, (unsigned long long)(owner & ~MUTEX_FLAGS),
		        (unsigned long long)task);
		return;
	}
	km_st64(c, va + MUTEX_OWNER_OFF, 0);
}
