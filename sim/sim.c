/*
 * sim/sim.c — the machine: creation, notes, strands and their runs (sim.h).
 *
 * Execution model: one host thread; at most one strand runs at a time
 * (s->cur), so every hook finds its strand through the struct sim it gets
 * as user_data. A strand owns an engine only while it is started; parked
 * strands give it back to the pool, and every engine is wiped by the guest
 * routine sim_reset_regs before a strand starts on it. The machine's
 * files share sim/sim_impl.h.
 */
#define _GNU_SOURCE
#include "sim/sim_impl.h"

static const char *const stop_names[] = {
    [SIM_STOP_NONE] = "running",
    [SIM_STOP_RETURNED] = "returned",
    [SIM_STOP_REACHED] = "reached",
    [SIM_STOP_PARKED] = "parked",
    [SIM_STOP_BUDGET] = "stuck",
    [SIM_STOP_UNMAPPED] = "unmapped-access",
    [SIM_STOP_ILLEGAL] = "illegal-instruction",
    [SIM_STOP_TRAP] = "unhandled-trap",
    [SIM_STOP_RED_STATE] = "red-state",
    [SIM_STOP_HCALL] = "hypercall-not-modelled",
    [SIM_STOP_KM] = "kernel-model",
    [SIM_STOP_HOST] = "host-error",
    [SIM_STOP_POWER_OFF] = "power-off",
    [SIM_STOP_TIME] = "time-limit",
    [SIM_STOP_SLICE] = "slice",
    [SIM_STOP_BLOCKED] = "blocked",
    [SIM_STOP_DEADLOCK] = "deadlock",
};

const char *sim_stop_name(enum sim_stop why)
{
	return (unsigned)why < sizeof stop_names / sizeof stop_names[0] ? stop_names[why] : "?";
}

const char *sim_strerror(int code)
{
	switch (code) {
	case SIM_OK:
		return "success";
	case SIM_E_NOMEM:
		return "out of memory";
	case SIM_E_UNICORN:
		return "Unicorn failed";
	case SIM_E_IMAGE:
		return "guest image cannot be loaded";
	case SIM_E_NOSYM:
		return "symbol not in the guest image";
	case SIM_E_CPU:
		return "bad cpu id or strand state";
	case SIM_E_POOL:
		return "no engine available";
	case SIM_E_ARG:
		return "bad argument";
	}
	return "unknown error";
}

void sim_config_default(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->ram_size = SIM_RAM_SIZE_DEFAULT;
	cfg->insn_budget = SIM_INSN_BUDGET_DEFAULT;
	cfg->pool_max = SIM_ENGINE_POOL_MAX;
	cfg->max_cpus = SIM_MAX_CPUS;
}

int sim_attach(struct sim *s, void (*free_fn)(void *ctx), void *ctx)
{
	if (s->nattached == SIM_MAX_ATTACHED)
		return SIM_E_NOMEM;
	s->attached[s->nattached++] = (struct attached){free_fn, ctx};
	return SIM_OK;
}

const char *sim_unicorn_version(const struct sim *s)
{
	return sim_priv_version(s->priv);
}

/* ---- notes ------------------------------------------------------------ */

void sim_note(struct sim *s, unsigned cpu, uint64_t pc, const char *fmt, ...)
{
	char msg[256], where[96];
	va_list ap;
	if (s->nnotes >= SIM_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *line = NULL;
	if (asprintf(&line, "cpu %u at %s: %s", cpu, sim_symbolize(s, pc, where, sizeof where),
	             msg) < 0)
		return;
	char **p = realloc(s->notes, (s->nnotes + 1) * sizeof *p);
	if (!p) {
		free(line);
		return;
	}
	s->notes = p;
	s->notes[s->nnotes++] = line;
}

const char *sim_host_error(const struct sim *s)
{
	return s->host_err[0] ? s->host_err : NULL;
}

size_t sim_note_count(const struct sim *s)
{
	return s->nnotes;
}

const char *sim_note_get(const struct sim *s, size_t i)
{
	return i < s->nnotes ? s->notes[i] : NULL;
}

/* ---- create / free ----------------------------------------------------- */

int sim_create(const struct sim_config *cfg, struct sim **out, char *err, size_t n)
{
	struct sim *s = calloc(1, sizeof *s);
	int rc = SIM_E_NOMEM;
	unsigned patched;
	*out = NULL;
	if (!s) {
		util_errf(err, n, "out of memory");
		return SIM_E_NOMEM;
	}
	s->cfg = *cfg;
	if (!cfg->image || cfg->ram_size <= SIM_NULL_GUARD || (cfg->ram_size & 0xfff) ||
	    !cfg->max_cpus || !cfg->pool_max || !cfg->insn_budget ||
	    cfg->insn_budget > SIM_INSN_BUDGET_MAX) {
		util_errf(err, n,
		          "bad configuration (image, ram_size multiple of 4 KiB, max_cpus, "
		          "pool_max, insn_budget 1..%llu)",
		          SIM_INSN_BUDGET_MAX);
		rc = SIM_E_ARG;
		goto fail;
	}
	if (cfg->engines && cfg->engines->user) {
		s->cfg.engines = NULL; /* not this sim's to give back */
		util_errf(err, n, "the engine cache serves one sim at a time (its RAM is one)");
		rc = SIM_E_ARG;
		goto fail;
	}
	if (cfg->engines) {
		cfg->engines->user = s;
		s->priv = cfg->engines->priv; /* borrowed: probed when the cache was made */
	} else if (sim_priv_probe(&s->priv, err, n)) {
		rc = SIM_E_UNICORN;
		goto fail;
	}
	if (sim_image_open(cfg->image, &s->img, err, n)) {
		rc = SIM_E_IMAGE;
		goto fail;
	}
	struct sim_engines *c = cfg->engines;
	if (c && c->ram && (c->ram_size != cfg->ram_size || c->linear_base != cfg->linear_base)) {
		util_errf(
		    err, n,
		    "the engine cache holds %llu bytes of RAM at linear base 0x%llx, not %llu "
		    "at 0x%llx",
		    (unsigned long long)c->ram_size, (unsigned long long)c->linear_base,
		    (unsigned long long)cfg->ram_size, (unsigned long long)cfg->linear_base);
		rc = SIM_E_ARG;
		goto fail;
	}
	if (c && c->ram) {
		/* Zero pages again, as a fresh mapping reads: the last sim's
		 * guest memory must not leak into this one. */
		if (madvise(c->ram, c->ram_size, MADV_DONTNEED)) {
			util_errf(err, n, "cannot clear the engine cache's guest RAM");
			goto fail;
		}
		s->ram = c->ram;
	} else {
		s->ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
		              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (s->ram == MAP_FAILED) {
			s->ram = NULL;
			util_errf(err, n,
			          "cannot map %llu MiB of guest RAM: %s (ldomsim needs the guest "
			          "RAM plus about %llu GiB of virtual address space per engine: "
			          "under ulimit -v, raise it or lift it)",
			          (unsigned long long)(cfg->ram_size >> 20), strerror(errno),
			          (unsigned long long)(SIM_ENGINE_VSPACE >> 30));
			goto fail;
		}
		if (c) { /* the first sim of a cache: the RAM is the cache's */
			c->ram = s->ram;
			c->ram_size = cfg->ram_size;
			c->linear_base = cfg->linear_base;
		}
	}
	if (sim_image_load(s->img, s->ram, 0, cfg->ram_size, err, n) ||
	    sim_image_apply_patches(s->img, SIM_PATCH_SUN4V, s->ram, 0, cfg->ram_size, &patched,
	                            err, n)) {
		rc = SIM_E_IMAGE;
		goto fail;
	}
	if (sim_sym(s, "sim_return", &s->sim_return) ||
	    sim_sym(s, "sim_reset_regs", &s->reset_regs)) {
		util_errf(err, n,
		          "%s: lacks sim_return/sim_reset_regs (sim/guest/entry.S not linked in)",
		          cfg->image);
		rc = SIM_E_NOSYM;
		goto fail;
	}
	uint64_t lo, hi;
	sim_image_extent(s->img, &lo, &hi);
	s->brk = (hi + SIM_BOOTMEM_ALIGN - 1) & ~(uint64_t)(SIM_BOOTMEM_ALIGN - 1);
	s->brk_end = cfg->ram_size;
	s->nthreads = cfg->max_cpus + SIM_MAX_KTHREADS;
	s->strands = calloc(s->nthreads, sizeof *s->strands);
	s->ps_per_insn = calloc(cfg->max_cpus, sizeof *s->ps_per_insn);
	s->ps_per_cycle = calloc(cfg->max_cpus, sizeof *s->ps_per_cycle);
	s->pool = calloc(cfg->pool_max, sizeof *s->pool);
	if (!s->strands || !s->pool || !s->ps_per_insn || !s->ps_per_cycle) {
		util_errf(err, n, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->strands[i].id = s->strands[i].cpu = i;
		s->strands[i].prof_range[1] = UINT64_MAX; /* profiling off */
	}
	for (unsigned i = 0; i < cfg->max_cpus; i++)
		s->ps_per_insn[i] = s->ps_per_cycle[i] = SIM_PS_PER_INSN_DEFAULT;
	*out = s;
	return SIM_OK;
fail:
	sim_free(s);
	return rc;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->opened; i++) {
		if (s->cfg.engines) {
			sim__engine_return(s, s->all[i]);
		} else {
			sim_priv_close(s->all[i]->uc);
			free(s->all[i]);
		}
	}
	free(s->all);
	free(s->pool);
	free(s->strands);
	free(s->ps_per_insn);
	free(s->ps_per_cycle);
	free(s->mem);
	while (s->nattached--)
		s->attached[s->nattached].free_fn(s->attached[s->nattached].ctx);
	if (s->ram && !s->cfg.engines)
		munmap(s->ram, s->cfg.ram_size); /* else the cache's */
	if (s->cfg.engines && s->cfg.engines->user == s)
		s->cfg.engines->user = NULL;
	sim_image_free(s->img);
	if (!s->cfg.engines)
		sim_priv_free(s->priv);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->verdicts);
	sim_prof_free(s->prof);
	free(s);
}

/* ---- strands ------------------------------------------------------------ */

struct strand *sim__strand_of(const struct sim *s, unsigned id)
{
	return id < s->nthreads ? &s->strands[id] : NULL;
}

/* Instructions of the translated block holding pc that follow it: the
 * block hook counted them on entry, but an exception at pc ran none.
 * QEMU ends a block after a control transfer's delay slot, after a Tcc,
 * or at a page end (TARGET_PAGE_SIZE, 8 KiB). */
static uint64_t block_rest(struct sim *s, uint64_t pc)
{
	if (sim__is_delay_slot(s, pc))
		return 0;
	uint64_t n = 0;
	for (uint64_t a = pc + 4; (a & 0x1fff) && n < SIM_MAX_BLOCK_INSNS; a += 4) {
		uint32_t insn = sim_ld32(s, a);
		n++;
		if (sim__is_dcti(insn))
			return n + 1; /* and its delay slot */
		if (insn >> 30 == 2 && ((insn >> 19) & 0x3f) == 0x3a)
			break; /* Tcc */
	}
	return n;
}

/* PAUSE (`wr %rs1, reg_or_imm, %asr27`, SPARC T4 and later) is not
 * implemented by QEMU's sparc64: an illegal instruction to Unicorn. The
 * kernel patches it into cpu_relax() and the atomics' backoff loop when the
 * cpu's hwcaps have `pause` (pause_patch()). Modelled as T4 implements it
 * (asm/backoff.h): the strand blocks for the value written, in 8-cycle
 * steps (1 cycle below 8), at most SIM_PAUSE_MAX_CYCLES; it counts as one
 * instruction and resumes at NPC. Returns 1 if pc held a PAUSE and the
 * strand may go on. */
static int pause_insn(struct sim *s, struct strand *st)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	uint64_t pc = sim_priv_pc(c);
	uint32_t insn = sim_ld32(s, pc);
	if (insn >> 30 != 2 || ((insn >> 19) & 0x3f) != 0x30 || ((insn >> 25) & 31) != 27)
		return 0; /* op 2, op3 WRASR, rd 27 */
	uint64_t v = sim__arch_reg(st->eng->uc, (insn >> 14) & 31);
	if (insn & (1u << 13))
		v ^= (uint64_t)(int64_t)((int32_t)(insn << 19) >> 19);
	else
		v ^= sim__arch_reg(st->eng->uc, insn & 31);
	if (v > SIM_PAUSE_MAX_CYCLES)
		v = SIM_PAUSE_MAX_CYCLES;
	v = v < 8 ? 1 : v & ~7ull;
	uint64_t rest = block_rest(s, pc);
	if (st->stats.insns - rest >= st->insns_base)
		st->stats.insns -= rest;
	st->stats.pauses++;
	st->clock_ps = clock_add(st->clock_ps, sat_mul(v, s->ps_per_cycle[st->cpu]));
	sim__resume_after(c);
	sim__slice_check(s, st);
	return st->stop == SIM_STOP_NONE;
}

/* Run the strand's engine from its current PC until something stops it. */
enum sim_stop sim__run(struct sim *s, struct strand *st, uint64_t budget)
{
	const struct sim_priv_cpu *c = &st->eng->cpu;
	st->stop = SIM_STOP_NONE;
	memset(&st->v, 0, sizeof st->v);
	/* budget: the slice; the runaway limit is set by the caller. */
	st->limit = st->runaway;
	if (budget && sat_add(st->stats.insns, budget) < st->limit)
		st->limit = st->stats.insns + budget;
	/* A run can nest inside a hook of another engine (a kernel-model
	 * entry starting a thread wipes its engine): restore the outer one. */
	struct strand *outer = s->cur;
	int outer_preempt = s->preempt;
	s->preempt = 0;
	s->cur = st;
	uc_err e;
	do
		e = uc_emu_start(st->eng->uc, sim_priv_pc(c), SIM_NEVER_ADDR, 0, 0);
	while (e == UC_ERR_INSN_INVALID && st->stop == SIM_STOP_NONE && pause_insn(s, st));
	s->cur = outer;
	s->preempt = outer_preempt;
	uint64_t pc = sim_priv_pc(c);
	switch (e) {
	case UC_ERR_OK:
		break;
	case UC_ERR_INSN_INVALID:
		sim__stop(s, st, SIM_STOP_ILLEGAL, pc, 0x10, 0, "illegal instruction 0x%08x",
		          sim_ld32(s, pc));
		break;
	case UC_ERR_READ_UNMAPPED:
	case UC_ERR_WRITE_UNMAPPED:
	case UC_ERR_FETCH_UNMAPPED:
	case UC_ERR_READ_PROT:
	case UC_ERR_WRITE_PROT:
	case UC_ERR_FETCH_PROT:
		/* The hook has the address; the PC is exact only now. */
		if (st->stop == SIM_STOP_UNMAPPED) {
			pc = sim__precise_fault_pc(s, st, st->v.addr, pc);
			st->v.pc = pc;
			sim_symbolize(s, pc, st->v.where, sizeof st->v.where);
			/* An oops names the PC; the exact one is known only now. */
			size_t len = strlen(st->v.msg);
			if (st->v.addr < SIM_NULL_GUARD && len < sizeof st->v.msg)
				snprintf(st->v.msg + len, sizeof st->v.msg - len, ", pc 0x%llx",
				         (unsigned long long)pc);
		} else {
			sim__stop(s, st, SIM_STOP_UNMAPPED, pc, 0, 0, "%s", uc_strerror(e));
		}
		break;
	default:
		if (st->stop == SIM_STOP_NONE)
			sim__stop(s, st, SIM_STOP_HOST, pc, 0, 0, "Unicorn: %s", uc_strerror(e));
	}
	if (st->stop == SIM_STOP_NONE)
		sim__stop(s, st, SIM_STOP_HOST, pc, 0, 0,
		          "the engine stopped for no recorded reason");
	return st->stop;
}

/* Give thread st an engine and start it at pc with %o0 = arg0. */
int sim__start_thread(struct sim *s, struct strand *st, uint64_t pc, uint64_t arg0)
{
	unsigned cpu = st->cpu;
	struct engine *e;
	char err[256];
	if (st->active)
		return SIM_E_CPU;
	if (s->npool) {
		e = s->pool[--s->npool];
	} else if (s->opened < s->cfg.pool_max) {
		int rc = sim__engine_open(s, &e, err, sizeof err);
		if (rc) {
			sim_note(s, cpu, pc, "cannot open an engine: %s", err);
			return rc;
		}
	} else {
		return SIM_E_POOL;
	}
	memset(&st->stats, 0, sizeof st->stats);
	st->eng = e;
	st->active = 1;
	st->stop_addr = 0;
	sim_priv_reset(&e->cpu);
	/* Every strand starts from the same state, fresh engine or recycled:
	 * the guest routine wipes every window, the globals of every GL, TL
	 * and GL, and sets the window registers (CANSAVE 6, ...) that QEMU's
	 * never-run reset leaves at 0. */
	uint64_t o7 = s->sim_return - 8;
	uc_err ue;
	if ((ue = uc_reg_write(e->uc, UC_SPARC_REG_O7, &o7))) {
		sim_note(s, cpu, pc, "engine wipe failed: %%o7: %s", uc_strerror(ue));
		st->active = 0;
		st->eng = NULL;
		sim__engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_set_pc(&e->cpu, s->reset_regs, s->reset_regs + 4);
	st->runaway = st->stats.insns + RESET_BUDGET;
	/* The wipe is not the strand's work: the profiler must not see it
	 * (its counters restarted above; the profile's still hold the
	 * strand's previous life). */
	st->prof_range[0] = 0;
	st->prof_range[1] = UINT64_MAX;
	if (sim__run(s, st, 0) != SIM_STOP_RETURNED) {
		sim_note(s, cpu, pc, "engine wipe failed: %s", st->v.msg);
		st->active = 0;
		st->eng = NULL;
		sim__engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_reset(&e->cpu);
	memset(&st->stats, 0, sizeof st->stats);
	st->insns_base = 0; /* the wipe is free: the clock keeps its value */
	if (s->prof) {      /* counters restart: a new stack from here */
		sim_prof_thread_reset(s->prof, st->id, 0, 0, st->clock_ps, 1);
		st->prof_range[0] = st->prof_range[1] = 0;
	}
	if ((ue = uc_reg_write(e->uc, UC_SPARC_REG_O0, &arg0))) {
		sim_note(s, cpu, pc, "cannot set %%o0: %s", uc_strerror(ue));
		st->active = 0;
		st->eng = NULL;
		sim__engine_release(s, e);
		return SIM_E_UNICORN;
	}
	sim_priv_set_pc(&e->cpu, pc, pc + 4);
	st->stop = SIM_STOP_NONE;
	st->runnable = 1;
	st->blocked = 0;
	st->runaway = sat_add(st->stats.insns, s->cfg.insn_budget);
	st->horizon_ps = UINT64_MAX;
	/* Started from inside another thread's trap (CPU_START, a kthread):
	 * that thread's slice ends so the scheduler sees the new one. */
	if (s->cur && s->cur != st)
		s->preempt = 1;
	return SIM_OK;
}

int sim_strand_start(struct sim *s, unsigned cpu, uint64_t pc, uint64_t arg0)
{
	struct strand *st = cpu < s->cfg.max_cpus ? sim__strand_of(s, cpu) : NULL;
	return st ? sim__start_thread(s, st, pc, arg0) : SIM_E_CPU;
}

void sim_strand_park(struct sim *s, unsigned cpu)
{
	struct strand *st = sim__strand_of(s, cpu);
	if (!st || !st->active)
		return;
	if (s->cur == st) /* parking itself: stop after the current hook */
		sim__stop(s, st, SIM_STOP_PARKED, sim_priv_pc(&st->eng->cpu), 0, 0, "parked");
	else
		sim__engine_release(s, st->eng);
	if (s->cur != st) {
		st->eng = NULL;
		st->active = 0;
	}
	st->runnable = 0;
	st->blocked = 0;
}

int sim_profile_enable(struct sim *s)
{
	if (s->prof)
		return SIM_OK;
	if (sim_prof_create(s->img, s->nthreads, &s->prof))
		return SIM_E_NOMEM;
	if (s->mem && sim_prof_memory_enable(s->prof)) {
		sim_prof_free(s->prof);
		s->prof = NULL;
		return SIM_E_NOMEM;
	}
	s->prof_memo = sim_prof_memo(s->prof);
	s->prof_mem = sim_prof_mem_table(s->prof);
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->strands[i].prof_range[0] = s->strands[i].prof_range[1] = 0;
		sim_prof_thread_cursor(s->prof, i, &s->strands[i].prof_cur);
	}
	return SIM_OK;
}

struct sim_prof *sim_profile(struct sim *s)
{
	return s->prof;
}

void sim_thread_label(struct sim *s, unsigned tid, const char *label)
{
	if (s->prof)
		sim_prof_thread_label(s->prof, tid, label);
}

int sim_strand_running(const struct sim *s, unsigned cpu)
{
	const struct strand *st = sim__strand_of(s, cpu);
	return st && st->active;
}

int sim_strand_stop_at(struct sim *s, unsigned cpu, uint64_t addr)
{
	struct strand *st = sim__strand_of(s, cpu);
	uc_err e;
	if (!st || !st->active)
		return SIM_E_CPU;
	if (st->eng->stop_hook && uc_hook_del(st->eng->uc, st->eng->stop_hook))
		return SIM_E_UNICORN; /* the old hook stays: it still stops there */
	st->eng->stop_hook = 0;
	st->stop_addr = addr;
	if ((e = uc_hook_add(st->eng->uc, &st->eng->stop_hook, UC_HOOK_CODE,
	                     (void *)sim__hook_stop_at, s, addr, addr + 3)))
		return SIM_E_UNICORN;
	/* Hooks do not apply to blocks translated before they were added. */
	if ((e = uc_ctl_flush_tlb(st->eng->uc)))
		return SIM_E_UNICORN;
	return SIM_OK;
}

enum sim_stop sim_strand_run(struct sim *s, unsigned cpu, uint64_t budget, struct sim_verdict *v)
{
	struct strand *st = sim__strand_of(s, cpu);
	if (!st || !st->active) {
		if (v) {
			memset(v, 0, sizeof *v);
			v->why = SIM_STOP_HOST;
			v->cpu = cpu;
			snprintf(v->msg, sizeof v->msg, "cpu %u has no running strand", cpu);
		}
		return SIM_STOP_HOST;
	}
	st->runaway = sat_add(st->stats.insns, budget ? budget : s->cfg.insn_budget);
	st->horizon_ps = UINT64_MAX; /* alone: no slices */
	enum sim_stop why = sim__run(s, st, 0);
	if (why == SIM_STOP_HALTED) {
		/* Alone, a strand spinning in place will never progress: stuck. */
		why = st->v.why = st->stop = SIM_STOP_BUDGET;
		snprintf(st->v.msg, sizeof st->v.msg, "no progress: spins forever in a self-loop");
	}
	if (v)
		*v = st->v;
	if (why == SIM_STOP_PARKED) {
		sim__engine_release(s, st->eng);
		st->eng = NULL;
		st->active = 0;
	}
	return why;
}

const struct sim_strand_stats *sim_strand_stats(const struct sim *s, unsigned cpu)
{
	const struct strand *st = sim__strand_of(s, cpu);
	return st ? &st->stats : NULL;
}

enum sim_stop sim_call(struct sim *s, unsigned cpu, uint64_t fn, const uint64_t *args,
                       unsigned nargs, uint64_t sp, uint64_t *ret, struct sim_verdict *v)
{
	struct strand *st = sim__strand_of(s, cpu);
	if (!st || !st->active || nargs > 6)
		return sim_strand_run(s, cpu, 0, v); /* reports the bad state */
	for (unsigned i = 0; i < nargs; i++)
		sim_strand_set_reg(s, cpu, SIM_REG_O0 + i, args[i]);
	sim_strand_set_reg(s, cpu, SIM_REG_O6, sp - MIN_FRAME - STACK_BIAS);
	sim_strand_set_reg(s, cpu, SIM_REG_O7, s->sim_return - 8);
	sim_priv_set_pc(&st->eng->cpu, fn, fn + 4);
	enum sim_stop why = sim_strand_run(s, cpu, 0, v);
	if (ret)
		*ret = why == SIM_STOP_RETURNED ? sim_strand_reg(s, cpu, SIM_REG_O0) : 0;
	return why;
}
