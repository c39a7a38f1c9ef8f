/*
 * kernel-model/km_lock.c — locks: _raw_spin_lock_irq,
 * _raw_spin_lock_irqsave, _raw_spin_unlock_irqrestore, mutex_lock,
 * mutex_unlock.
 *
 * The lock words are kept in guest memory as the real code keeps them, so
 * guest code that reads them (spin_is_locked, mutex_is_locked) sees the
 * truth:
 *  - spinlock_t (no lock debugging in sparc64_defconfig) is a queued
 *    spinlock, a 32-bit big-endian atomic_t at offset 0 (asm-generic/
 *    qspinlock_types.h): lock stores _Q_LOCKED_VAL (1, the `locked` byte,
 *    the word's low byte), unlock clears that byte;
 *  - struct mutex starts with atomic_long_t owner (include/linux/mutex.h):
 *    the owning task_struct pointer, low 3 bits MUTEX_FLAG_* (kernel/
 *    locking/mutex.c); lock stores current, unlock clears it. current is
 *    %g4 on sparc64 (asm/current.h).
 * Contention: the simulator's scheduler ends a thread's time slice at any
 * block, so a thread on another cpu can hold a lock the caller wants. The
 * caller then waits as the real one would, but without burning host time:
 * it blocks (sim_thread_block) on a key made from the lock's real address
 * (KM_LOCK_KEY_TAG | RA, odd, so it never equals a wait-queue or task key)
 * and resumes at the entry's stub, i.e. retries the call, when the unlock
 * wakes it (sim_wake at the unlocker's time: a spinner gets the lock when
 * it is released). A lock nobody can release is the scheduler's deadlock
 * verdict ("thread T waits (key 0x8000...|RA|1) and no thread can run to
 * wake it"); a mutex its owner takes again is a deadlock verdict here at
 * once. Unlocking what is not held is a verdict (the kernel would corrupt
 * the lock silently).
 * Interrupts: the simulator has no %pil accessor for the kernel model and
 * delivers no interrupts, so the _irq/_irqsave variants do not model %pil;
 * _raw_spin_lock_irqsave returns flags 0 and _raw_spin_unlock_irqrestore
 * ignores its flags.
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */

#include "kernel-model/km_impl.h"
#include "kernel-model/tunables.h"
#include "sim/sim.h"

#define Q_LOCKED_VAL    1u      /* _Q_LOCKED_VAL */
#define MUTEX_OWNER_OFF 0       /* offsetof(struct mutex, owner) */
#define MUTEX_FLAGS     0x07ull /* MUTEX_FLAG_WAITERS | _HANDOFF | _PICKUP */
#define KM_LOCK_KEY_TAG 0x8000000000000001ull

/* The wait key of the lock at va (see the header). */
static uint64_t lock_key(struct km_call *c, uint64_t va)
{
	return KM_LOCK_KEY_TAG | km_va_to_ra(c->km, va);
}

/* Block the caller on the lock at va and retry the entry when woken. */
static void wait_and_retry(struct km_call *c, uint64_t va)
{
	sim_thread_block(c->s, c->tid, lock_key(c, va));
	c->r->redirect = 1;
	c->r->pc = c->pc; /* the stub: the call runs again with the same %o0 */
}

/* Wake the threads waiting for the lock at va. */
static void wake_waiters(struct km_call *c, uint64_t va)
{
	sim_wake(c->s, lock_key(c, va), sim_thread_time_ps(c->s, c->tid));
}

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

/* Take the spinlock at va; 1 when taken, 0 when the caller now waits for
 * it (or stopped with a verdict). */
static int spin_take(struct km_call *c, uint64_t va)
{
	km_charge(c, KM_COST_SPIN_LOCK_NS);
	int64_t w = spin_word(c, va);
	if (w < 0)
		return 0;
	if (w) {
		wait_and_retry(c, va);
		return 0;
	}
	km_st32(c, va, Q_LOCKED_VAL);
	return 1;
}

/* void _raw_spin_lock_irq(raw_spinlock_t *lock): local_irq_disable() and
 * lock; waits while another thread holds it.
 * Cost: KM_COST_SPIN_LOCK_NS per attempt (+ the wait). */
void km__raw_spin_lock_irq(struct km_call *c)
{
	spin_take(c, c->a[0]);
}

/* unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock): save the
 * interrupt state, disable, lock; returns 0 as the saved flags (see the
 * header: %pil is not modelled).
 * Cost: KM_COST_SPIN_LOCK_NS per attempt (+ the wait). */
void km__raw_spin_lock_irqsave(struct km_call *c)
{
	if (spin_take(c, c->a[0]))
		c->a[0] = 0;
}

/* void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long
 * flags): unlock (clear the locked byte), wake the waiters, restore the
 * interrupt state (not modelled).
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
	wake_waiters(c, va);
}

/* current (%g4); 0 and a verdict if there is none. */
static uint64_t current_task(struct km_call *c)
{
	uint64_t task = sim_strand_reg(c->s, c->tid, SIM_REG_G4);
	if (!task)
		km_fail(c, "no current task (%%g4 is 0)");
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

/* What mutex_lock and mutex_unlock begin with: KM_COST_MUTEX_NS charged,
 * the mutex (va, the call's first argument), the calling task and the
 * mutex's owner word. -1 (and a verdict) when there is no current task or
 * no mutex at va. */
static int mutex_enter(struct km_call *c, uint64_t *va, uint64_t *task, uint64_t *owner)
{
	*va = c->a[0];
	km_charge(c, KM_COST_MUTEX_NS);
	*task = current_task(c);
	*owner = *task ? mutex_owner(c, *va) : UINT64_MAX;
	return *owner == UINT64_MAX ? -1 : 0;
}

/* void mutex_lock(struct mutex *lock): owner 0 -> current. Held by another
 * task: the caller sleeps until it is unlocked; held by the caller: a
 * deadlock verdict.
 * Cost: KM_COST_MUTEX_NS per attempt (+ the wait). */
void km_mutex_lock(struct km_call *c)
{
	uint64_t va, task, owner;
	if (mutex_enter(c, &va, &task, &owner))
		return;
	if ((owner & ~MUTEX_FLAGS) == task) {
		km_fail(c, "deadlock: mutex 0x%llx already held by the caller (task 0x%llx)",
		        (unsigned long long)va, (unsigned long long)task);
		return;
	}
	if (owner) {
		wait_and_retry(c, va);
		return;
	}
	km_st64(c, va + MUTEX_OWNER_OFF, task);
}

/* void mutex_unlock(struct mutex *lock): owner current -> 0, waiters
 * woken. Unlocking a mutex the caller does not hold is a verdict (the
 * kernel's DEBUG_MUTEXES check).
 * Cost: KM_COST_MUTEX_NS. */
void km_mutex_unlock(struct km_call *c)
{
	uint64_t va, task, owner;
	if (mutex_enter(c, &va, &task, &owner))
		return;
	if ((owner & ~MUTEX_FLAGS) != task) {
		km_fail(c, "unlock of mutex 0x%llx held by 0x%llx, not by the caller (task 0x%llx)",
		        (unsigned long long)va, (unsigned long long)(owner & ~MUTEX_FLAGS),
		        (unsigned long long)task);
		return;
	}
	km_st64(c, va + MUTEX_OWNER_OFF, 0);
	wake_waiters(c, va);
}
