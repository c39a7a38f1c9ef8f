/*
 * sim/trap.c — traps and hooks: the Unicorn hooks, verdicts, the trap handlers the models register.
 */
#define _GNU_SOURCE
#include "sim/sim_impl.h"
#include "util/bytes.h"

static int machine_trap(unsigned tt)
{
	return (tt >= 0x80 && tt < 0x100) || tt == SIM_TT_SOFT(SIM_TRAP_RETURN) ||
	       tt == SIM_TT_SOFT(SIM_TRAP_BADVEC);
}

int sim_set_trap_handler(struct sim *s, unsigned tt_lo, unsigned tt_hi,
                         const struct sim_trap_handler *h)
{
	if (tt_lo > tt_hi || (h && !h->fn))
		return SIM_E_ARG;
	for (unsigned tt = tt_lo; tt <= tt_hi; tt++)
		if (machine_trap(tt))
			return SIM_E_ARG;
	/* Cut the range out of what is registered, then add it. */
	unsigned n = 0;
	struct trap_reg keep[2 * SIM_MAX_TRAP_HANDLERS];
	for (unsigned i = 0; i < s->ntraps; i++) {
		struct trap_reg t = s->traps[i];
		if (t.hi < tt_lo || t.lo > tt_hi) {
			keep[n++] = t;
			continue;
		}
		if (t.lo < tt_lo) {
			keep[n] = t;
			keep[n++].hi = tt_lo - 1;
		}
		if (t.hi > tt_hi) {
			keep[n] = t;
			keep[n++].lo = tt_hi + 1;
		}
	}
	if (n + (h != NULL) > SIM_MAX_TRAP_HANDLERS)
		return SIM_E_NOMEM;
	if (h)
		keep[n++] = (struct trap_reg){.lo = tt_lo, .hi = tt_hi, .h = *h};
	memcpy(s->traps, keep, n * sizeof keep[0]);
	s->ntraps = n;
	return SIM_OK;
}

const struct sim_trap_handler *sim_trap_handler(const struct sim *s, unsigned tt)
{
	for (unsigned i = 0; i < s->ntraps; i++)
		if (tt >= s->traps[i].lo && tt <= s->traps[i].hi)
			return &s->traps[i].h;
	return NULL;
}

/* ---- verdicts and hooks ---------------------------------------------- */

static const char *trap_name(unsigned tt)
{
	switch (tt) {
	case 0x08:
		return "instruction_access_exception";
	case 0x10:
		return "illegal_instruction";
	case 0x11:
		return "privileged_opcode";
	case 0x20:
		return "fp_disabled";
	case 0x24:
		return "clean_window";
	case 0x28:
		return "division_by_zero";
	case 0x30:
		return "data_access_exception";
	case 0x34:
		return "mem_address_not_aligned";
	}
	if (tt >= 0x80 && tt < 0xc0)
		return "spill";
	if (tt >= 0xc0 && tt < 0x100)
		return "fill";
	if (tt == 0x105)
		return "BUG(): ta 5, the kernel's __builtin_trap";
	if (tt >= 0x100 && tt < 0x200)
		return "trap_instruction";
	return "trap";
}

void sim__stop(struct sim *s, struct strand *st, enum sim_stop why, uint64_t pc, unsigned tt,
               uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	if (st->stop != SIM_STOP_NONE)
		return; /* the first reason wins */
	st->stop = why;
	st->v.why = why;
	st->v.cpu = st->cpu;
	st->v.pc = pc;
	st->v.tt = tt;
	st->v.addr = addr;
	sim_symbolize(s, pc, st->v.where, sizeof st->v.where);
	va_start(ap, fmt);
	vsnprintf(st->v.msg, sizeof st->v.msg, fmt, ap);
	va_end(ap);
	uc_err e = uc_emu_stop(st->eng->uc);
	if (e && !s->host_err[0]) /* it would run on past the verdict */
		snprintf(s->host_err, sizeof s->host_err, "%s: uc_emu_stop: %s",
		         sim_priv_version(s->priv), uc_strerror(e));
}

/* The domain stops: st (the strand that powered it off) leaves with that
 * verdict, and from now on the scheduler runs no thread. */
static void power_off(struct sim *s, struct strand *st, uint64_t pc, const char *msg)
{
	if (!s->powered_off) {
		s->powered_off = 1;
		s->power.cpu = st->cpu;
		s->power.time_ps = sim_thread_time_ps(s, st->id);
		s->power.pc = pc;
		sim_symbolize(s, pc, s->power.where, sizeof s->power.where);
		snprintf(s->power.msg, sizeof s->power.msg, "%s", msg);
	}
	sim__stop(s, st, SIM_STOP_POWER_OFF, pc, 0, 0, "%s", msg);
}

const struct sim_power_off *sim_power_state(const struct sim *s)
{
	return s->powered_off ? &s->power : NULL;
}

/* Delayed control transfers: call, BPcc, Bicc, BPr, FBPfcc, FBfcc, jmpl,
 * return. */
int sim__is_dcti(uint32_t insn)
{
	unsigned op = insn >> 30, op2 = (insn >> 22) & 7, op3 = (insn >> 19) & 0x3f;
	return op == 1 || (op == 0 && op2 && op2 != 4 && op2 != 7) ||
	       (op == 2 && (op3 == 0x38 || op3 == 0x39));
}

int sim__is_delay_slot(struct sim *s, uint64_t addr)
{
	return addr >= 4 && sim_ra_valid(s, addr - 4, 4) && sim__is_dcti(sim_ld32(s, addr - 4));
}

/* A block that is an unconditional branch to itself (`b .; nop`,
 * `b,a .`): the strand spins there forever with no effect (cpu_play_dead's
 * while (1) barrier(), hvtramp's error loop). */
static int is_self_loop(const struct sim *s, uint64_t addr, uint32_t size)
{
	if ((size != 8 && size != 4) || addr + 8 > s->cfg.ram_size)
		return 0;
	const uint8_t *p = s->ram + addr;
	uint32_t insn = util_be32(p), next = util_be32(p + 4);
	unsigned op2 = (insn >> 22) & 7, annul = (insn >> 29) & 1;
	if (insn >> 30 || ((insn >> 25) & 0xf) != 8)
		return 0; /* not a branch-always */
	int to_self = (op2 == 2 && !(insn & 0x3fffff)) || (op2 == 1 && !(insn & 0x7ffff));
	return to_self && (annul || next == 0x01000000u /* nop */);
}

/* The block hook's rare paths, out of line so that the hook itself stays
 * a leaf with no frame (every block runs it). */
static __attribute__((noinline)) void prof_enter(struct sim *s, struct strand *st, uint64_t addr,
                                                 uint64_t ps)
{
	sim_prof_block(s->prof, st->id, addr, st->stats.insns, ps, st->prof_range);
}

/* The slice or the budget ran out. Returns 1 if the block must not run. */
static __attribute__((noinline)) int limit_reached(struct sim *s, struct strand *st, uint64_t addr,
                                                   uint32_t size)
{
	/* A stopped block is not executed: the strand resumes at addr. */
	if (st->stats.insns >= st->runaway) {
		sim__stop(s, st, SIM_STOP_BUDGET, addr, 0, 0,
		          "no progress: instruction budget exhausted (%llu instructions)",
		          (unsigned long long)st->stats.insns);
		return 1;
	}
	if (is_self_loop(s, addr, size)) {
		/* It would spin until something outside stops it (CPU_STOP):
		 * halt it; no slice ever ends later than SIM_MAX_SLICE_INSNS,
		 * so a spinning strand is found without a check on every
		 * block. */
		sim__stop(s, st, SIM_STOP_HALTED, addr, 0, 0,
		          "spins forever in a self-loop (halted until stopped)");
		return 1;
	}
	/* uc_emu_start resumes with NPC = PC + 4, so a slice cannot end at a
	 * block that starts in a delay slot (NPC = the branch target; QEMU
	 * does not keep env->npc current across chained blocks, so ask the
	 * code): it ends at the next block instead. */
	if (!sim__is_delay_slot(s, addr)) {
		sim__stop(s, st, SIM_STOP_SLICE, addr, 0, 0, "slice");
		return 1;
	}
	return 0;
}

/* Instruction counting per translated block, the slice and the budget,
 * and the profiler's function changes. */
void sim__hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	if (__builtin_expect(st->stats.insns >= st->limit, 0) && limit_reached(s, st, addr, size))
		return;
	/* prof_range is [0, UINT64_MAX) when profiling is off. */
	if (__builtin_expect(addr < st->prof_range[0] || addr >= st->prof_range[1], 0)) {
		/* clock_add(clock_ps, sat_mul(...)) without its branches: any
		 * overflow of 64 bits is above the ceiling too. */
		unsigned __int128 r = (unsigned __int128)(st->stats.insns - st->insns_base) *
		                          s->ps_per_insn[st->cpu] +
		                      st->clock_ps;
		const uint64_t ceil = SIM_TIME_MAX_PS + SIM_TIME_MAX_PS / 2;
		uint64_t ps = r > ceil ? ceil : (uint64_t)r;
		if (!sim_prof_block_hot(s->prof_memo, &st->prof_cur, addr, st->stats.insns, ps,
		                        st->prof_range))
			prof_enter(s, st, addr, ps);
	}
	if (__builtin_expect(s->mem != NULL, 0))
		sim__mem_fetch(s, st, addr, size);
	st->stats.insns += size >> 2;
}

void sim__hook_stop_at(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	if (addr == st->stop_addr)
		sim__stop(s, st, SIM_STOP_REACHED, addr, 0, 0, "reached");
}

bool sim__hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                           void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	const char *what = type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch from"
	                   : (type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT)
	                       ? "store to"
	                       : "load from";
	/* Below SIM_NULL_GUARD nothing is mapped, as in the kernel's view. */
	int null = addr < SIM_NULL_GUARD;
	sim__stop(s, st, SIM_STOP_UNMAPPED, sim_priv_pc(&st->eng->cpu), 0, addr,
	          "%s%s %s0x%llx (%d bytes)", null ? "NULL pointer dereference: " : "", what,
	          null ? "" : "unmapped address ", (unsigned long long)addr, size);
	return false;
}

/* Unicorn leaves the PC at the start of the block when an access faults.
 * The guest registers are exact at that point (TCG saves them before every
 * memory operation), so the faulting instruction is the first load/store
 * of the block whose effective address, computed now, covers the fault.
 * The block ends at the first control transfer (and its delay slot);
 * remembering block bounds in the block hook would halve its speed. */
uint64_t sim__precise_fault_pc(struct sim *s, struct strand *st, uint64_t fault, uint64_t pc)
{
	int in_delay_slot = 0;
	for (unsigned i = 0; i < SIM_MAX_BLOCK_INSNS; i++) {
		uint64_t a = pc + 4ull * i;
		uint32_t insn = sim_ld32(s, a);
		unsigned op = insn >> 30, op3 = (insn >> 19) & 0x3f;
		if (op == 3) { /* load/store: format 3, op = 3 */
			uint64_t ea = sim__arch_reg(st->eng->uc, (insn >> 14) & 31);
			if (insn & (1u << 13))
				ea += (uint64_t)(int64_t)((int32_t)(insn << 19) >> 19);
			else
				ea += sim__arch_reg(st->eng->uc, insn & 31);
			if (fault >= ea && fault - ea < 16)
				return a;
		}
		if (in_delay_slot)
			break;
		if (op == 2 && op3 == 0x3a)
			break; /* Tcc ends a block without a delay slot */
		in_delay_slot = sim__is_dcti(insn);
	}
	return pc;
}

/* After a model charged time (a hypercall's latency, a kernel-model
 * entry's cost) or made another thread runnable: end the slice if the
 * clock passed the slice's horizon or the scheduler must choose again. */
void sim__slice_check(struct sim *s, struct strand *st)
{
	if (s->stepping != st)
		return; /* run alone (sim_call, sim_strand_run): no slices */
	uint64_t now = clock_add(
	    st->clock_ps, sat_mul(st->stats.insns - st->insns_base, s->ps_per_insn[st->cpu]));
	if (s->preempt || now >= st->horizon_ps) {
		sim__stop(s, st, SIM_STOP_SLICE, sim_priv_pc(&st->eng->cpu), 0, 0, "slice");
		return;
	}
	/* The charge moved the clock: fewer instructions fit before the
	 * horizon than when the slice began. */
	if (st->horizon_ps != UINT64_MAX) {
		uint64_t left = (st->horizon_ps - now) / s->ps_per_insn[st->cpu] + 1;
		if (sat_add(st->stats.insns, left) < st->limit)
			st->limit = st->stats.insns + left;
	}
}

void sim__resume_after(const struct sim_priv_cpu *c)
{
	/* Like `done`: continue at NPC, which is the branch target when the
	 * trap sat in a delay slot. */
	uint64_t npc = sim_priv_npc(c);
	sim_priv_set_pc(c, npc, npc + 4);
}

/* A trap some model above the machine answers (sim_set_trap_handler). */
static void trap_dispatch(struct sim *s, struct strand *st, unsigned tt, uint64_t pc)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	const struct sim_trap_handler *h = sim_trap_handler(s, tt);
	if (!h) {
		sim__stop(s, st, SIM_STOP_TRAP, pc, tt, 0, "unhandled trap 0x%x (%s)", tt,
		          trap_name(tt));
		return;
	}
	if (h->stat == SIM_TRAP_STAT_HCALLS)
		st->stats.hcalls++;
	else if (h->stat == SIM_TRAP_STAT_KMCALLS)
		st->stats.kmcalls++;
	struct sim_trap_result r;
	memset(&r, 0, sizeof r);
	h->fn(h->ctx, s, st->id, st->cpu, tt, pc, &r);
	if (st->stop != SIM_STOP_NONE) /* e.g. CPU_STOP of itself */
		return;
	if (r.next == SIM_TRAP_POWER_OFF) {
		power_off(s, st, pc, r.msg);
		return;
	}
	if (r.next == SIM_TRAP_STOP) {
		sim__stop(s, st, h->stop_as, pc, tt, 0, "%s", r.msg);
		return;
	}
	if (r.next == SIM_TRAP_REDIRECT)
		sim_priv_set_pc(c, r.pc, r.pc + 4);
	else
		sim__resume_after(c);
	if (st->blocked)
		sim__stop(s, st, SIM_STOP_BLOCKED, sim_priv_pc(c), 0, 0, "blocked");
	else if (r.yield)
		sim__stop(s, st, SIM_STOP_SLICE, sim_priv_pc(c), 0, 0, "slice");
	else
		sim__slice_check(s, st);
}

void sim__hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct sim *s = user;
	struct strand *st = s->cur;
	const struct sim_priv_cpu *c = &st->eng->cpu;
	uint64_t pc = sim_priv_pc(c);

	if (intno >= 0x80 && intno < 0x100) {
		/* Window spill/fill: real trap entry into the guest table.
		 * QEMU aborts the process at TL == MAXTL; the architecture
		 * enters RED_state at MAXTL - 1: both are verdicts here. */
		unsigned tl = sim_priv_tl(c);
		if (tl + 1 >= sim_priv_maxtl(c)) {
			sim__stop(s, st, SIM_STOP_RED_STATE, pc, intno, 0,
			          "%s trap 0x%x at TL %u would enter RED_state", trap_name(intno),
			          intno, tl);
			return;
		}
		if (intno < 0xc0)
			st->stats.spills++;
		else
			st->stats.fills++;
		sim_priv_enter_trap(c, intno);
		return;
	}
	switch (intno) {
	case SIM_TT_SOFT(SIM_TRAP_RETURN):
		sim__stop(s, st, SIM_STOP_RETURNED, pc, intno, 0, "returned");
		return;
	case SIM_TT_SOFT(SIM_TRAP_BADVEC): {
		uint64_t tt = 0, tpc = 0;
		uc_err e;
		if ((e = uc_reg_read(uc, UC_SPARC_REG_G1, &tt)) ||
		    (e = uc_reg_read(uc, UC_SPARC_REG_G2, &tpc))) {
			sim__stop(s, st, SIM_STOP_HOST, pc, intno, 0,
			          "Unicorn: reading %%g1/%%g2: %s", uc_strerror(e));
			return;
		}
		char where[96];
		sim__stop(s, st, SIM_STOP_TRAP, tpc, (unsigned)tt, 0,
		          "trap 0x%llx (%s) has no handler in the guest trap table (taken at %s)",
		          (unsigned long long)tt, trap_name((unsigned)tt),
		          sim_symbolize(s, tpc, where, sizeof where));
		return;
	}
	default:
		trap_dispatch(s, st, intno, pc);
	}
}
