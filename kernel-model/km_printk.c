/*
 * kernel-model/km_printk.c — printk and friends: _printk, prom_printf,
 * warn_slowpath_fmt, panic, prom_halt, bust_spinlocks,
 * refcount_warn_saturate.
 *
 * The kernel's format is rendered here with the guest's variadic
 * arguments (integers in %o0..%o5, then the caller's outgoing-argument
 * area on its stack: km_arg()), following lib/vsprintf.c's rules where
 * they differ from C's: "%#x" of 0 is "0x0", a 0 with precision 0 still
 * prints "0", '0' padding survives a precision, a negative '*' precision
 * is 0, length modifiers are h hh l ll L z Z t (no j), and an unsupported
 * conversion ends the output (and warns once per call, as WARN_ONCE).
 * Supported: %d %i %u %o %x %X %c %s %p %% with flags - + space # 0, width
 * and precision (numbers or *).
 * Pointers: plain %p is hashed in Linux (a per-boot secret); here it
 * prints the raw value as %px does (16 zero-padded hex digits, no 0x), so
 * runs stay deterministic and comparable. %ps / %pS print the image's
 * symbol ("name", "name+0xoff/0xsize"; the hex address when no symbol
 * covers it). Every other extension (%pOF, %pK, %pa, %pM, ...) prints the
 * raw pointer like %px and, as vsprintf does, swallows the alphanumerics
 * after the p. %s of NULL prints "(null)", of another address below a page
 * or outside guest RAM "(efault)".
 * Records: a message is cut to LOG_LINE_MAX - 1 (991) bytes like
 * vprintk_store, its trailing newline dropped, its KERN_* prefixes
 * ("\001" + '0'..'7' or 'c'; the first level wins) parsed from the
 * rendered text and stripped, and each of its lines logged with the
 * caller's cpu, its simulated time at the call and the level (-1: none
 * given). KERN_CONT text would be appended to the previous record by the
 * kernel; km_log has no append, so it is logged as a line of its own.
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */
#include <stdio.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "kernel-model/tunables.h"
#include "sim/image.h"
#include "sim/sim.h"

#define LOG_LINE_MAX       992  /* CONSOLE_LOG_MAX - PREFIX_MAX (kernel/printk/printk.c) */
#define FMT_MAX            1024 /* longest format string read from the guest */
#define KERN_SOH           '\001'
#define LEVEL_EMERG        0           /* pr_emerg */
#define LEVEL_WARNING      4           /* pr_warn */
#define REFCOUNT_SATURATED 0xc0000000u /* INT_MIN / 2 (linux/refcount.h) */

/* Rendered text, cut at LOG_LINE_MAX - 1 bytes. */
struct out {
	char buf[LOG_LINE_MAX];
	size_t n;
};

static void put(struct out *o, char ch)
{
	if (o->n < sizeof o->buf - 1)
		o->buf[o->n++] = ch;
	o->buf[o->n] = 0;
}

static void put_n(struct out *o, char ch, int count)
{
	while (count-- > 0)
		put(o, ch);
}

enum {
	F_LEFT = 1,
	F_PLUS = 2,
	F_SPACE = 4,
	F_SPECIAL = 8,
	F_ZEROPAD = 16,
	F_SIGN = 32,
	F_SMALL = 64,
};

struct spec {
	int flags;
	int width; /* -1: none */
	int prec;  /* -1: none */
	int base;
	char qual; /* 0, 'h', 'H' (hh), 'l', 'L' (ll), 'z', 't' */
};

/* The guest's variadic arguments, from argument index i on. */
struct args {
	struct km_call *c;
	unsigned i;
};

static uint64_t next_arg(struct args *a)
{
	return km_arg(a->c, a->i++);
}

/* An integer with vsprintf's number() rules (see the header). */
static void put_number(struct out *o, uint64_t num, struct spec sp)
{
	char digits[24];
	int nd = 0, width = sp.width, prec = sp.prec;
	char sign = 0;
	int zero = num == 0, prefix = (sp.flags & F_SPECIAL) && sp.base != 10;
	if (sp.flags & F_LEFT)
		sp.flags &= ~F_ZEROPAD;
	if (sp.flags & F_SIGN) {
		if ((int64_t)num < 0) {
			sign = '-';
			num = 0 - num;
		} else if (sp.flags & F_PLUS) {
			sign = '+';
		} else if (sp.flags & F_SPACE) {
			sign = ' ';
		}
	}
	if (sign)
		width--;
	if (prefix)
		width -= sp.base == 16 ? 2 : !zero;
	do {
		char d = "0123456789ABCDEF"[num % (unsigned)sp.base];
		digits[nd++] = (sp.flags & F_SMALL) && d >= 'A' ? (char)(d | 0x20) : d;
		num /= (unsigned)sp.base;
	} while (num);
	if (prec < nd)
		prec = nd;
	width -= prec;
	if (!(sp.flags & (F_ZEROPAD | F_LEFT))) {
		put_n(o, ' ', width);
		width = 0;
	}
	if (sign)
		put(o, sign);
	if (prefix) {
		if (sp.base == 16 || !zero)
			put(o, '0');
		if (sp.base == 16)
			put(o, (sp.flags & F_SMALL) ? 'x' : 'X');
	}
	if (!(sp.flags & F_LEFT)) {
		put_n(o, (sp.flags & F_ZEROPAD) ? '0' : ' ', width);
		width = 0;
	}
	put_n(o, '0', prec - nd);
	while (nd > 0)
		put(o, digits[--nd]);
	put_n(o, ' ', width);
}

/* len bytes of s, padded to the width. */
static void put_padded(struct out *o, const char *s, size_t len, struct spec sp)
{
	int pad = sp.width > (int)len ? sp.width - (int)len : 0;
	if (!(sp.flags & F_LEFT))
		put_n(o, ' ', pad);
	for (size_t i = 0; i < len; i++)
		put(o, s[i]);
	if (sp.flags & F_LEFT)
		put_n(o, ' ', pad);
}

/* %s: the guest string at va, at most prec bytes. */
static void put_guest_str(struct out *o, struct km *km, uint64_t va, struct spec sp)
{
	const struct lx_layout *lx = km_layout(km);
	char tmp[LOG_LINE_MAX];
	size_t len = 0, max = sp.prec >= 0 ? (size_t)sp.prec : sizeof tmp;
	if (!va || va < lx->page_size || !km_ptr(km, va, 1)) {
		const char *msg = va ? "(efault)" : "(null)";
		size_t n = strlen(msg);
		put_padded(o, msg, sp.prec >= 0 && (size_t)sp.prec < n ? (size_t)sp.prec : n, sp);
		return;
	}
	while (len < max && len < sizeof tmp) {
		const char *p = km_ptr(km, va + len, 1);
		if (!p || !*p)
			break;
		tmp[len++] = *p;
	}
	put_padded(o, tmp, len, sp);
}

/* %p and its extensions; ext points after the 'p'. Returns the number of
 * format characters consumed after the 'p'. */
static size_t put_pointer(struct out *o, struct km_call *c, const char *ext, uint64_t ptr,
                          struct spec sp)
{
	size_t used = 0;
	while ((ext[used] >= 'a' && ext[used] <= 'z') || (ext[used] >= 'A' && ext[used] <= 'Z') ||
	       (ext[used] >= '0' && ext[used] <= '9'))
		used++;
	if (*ext == 's' || *ext == 'S') {
		const struct sim_image *img = sim_image(c->s);
		uint64_t off = 0, addr = 0, size = 0;
		const char *name = sim_image_sym_at(img, ptr, &off);
		char sym[160];
		if (!name)
			snprintf(sym, sizeof sym, "0x%llx", (unsigned long long)ptr);
		else if (*ext == 's')
			snprintf(sym, sizeof sym, "%s", name);
		else {
			sim_image_sym(img, name, &addr, &size);
			snprintf(sym, sizeof sym, "%s+0x%llx/0x%llx", name, (unsigned long long)off,
			         (unsigned long long)size);
		}
		sp.prec = -1;
		put_padded(o, sym, strlen(sym), sp);
		return used;
	}
	sp.base = 16;
	sp.flags |= F_SMALL;
	sp.flags &= ~F_SIGN;
	if (sp.width < 0) {
		sp.width = 16;
		sp.flags |= F_ZEROPAD;
	}
	put_number(o, ptr, sp);
	return used;
}

/* The integer argument as the length modifier and signedness read it. */
static uint64_t int_arg(uint64_t v, char qual, int is_signed)
{
	switch (qual) {
	case 'H':
		return is_signed ? (uint64_t)(int64_t)(int8_t)v : (uint8_t)v;
	case 'h':
		return is_signed ? (uint64_t)(int64_t)(int16_t)v : (uint16_t)v;
	case 'l':
	case 'L':
	case 'z':
	case 't':
		return v;
	default:
		return is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
	}
}

static int parse_int(const char **f)
{
	int v = 0;
	while (**f >= '0' && **f <= '9') {
		if (v < 100000)
			v = v * 10 + (**f - '0');
		(*f)++;
	}
	return v;
}

/* Render the guest format at fmt_va with the arguments from a into o.
 * 0, or -1 with a verdict when the format is not a guest string. */
static int render(struct km_call *c, uint64_t fmt_va, struct args *a, struct out *o)
{
	char fmt[FMT_MAX];
	o->n = 0;
	o->buf[0] = 0;
	if (km_cstr(c->km, fmt_va, fmt, sizeof fmt) < 0) {
		km_fail(c, "format string at 0x%llx is not in guest RAM",
		        (unsigned long long)fmt_va);
		return -1;
	}
	for (const char *f = fmt; *f;) {
		if (*f != '%') {
			put(o, *f++);
			continue;
		}
		const char *start = f++;
		struct spec sp = {0, -1, -1, 10, 0};
		for (;; f++) {
			if (*f == '-')
				sp.flags |= F_LEFT;
			else if (*f == '+')
				sp.flags |= F_PLUS;
			else if (*f == ' ')
				sp.flags |= F_SPACE;
			else if (*f == '#')
				sp.flags |= F_SPECIAL;
			else if (*f == '0')
				sp.flags |= F_ZEROPAD;
			else
				break;
		}
		if (*f >= '0' && *f <= '9') {
			sp.width = parse_int(&f);
		} else if (*f == '*') {
			int w = (int)(int32_t)next_arg(a);
			f++;
			if (w < 0) {
				sp.flags |= F_LEFT;
				w = -w;
			}
			sp.width = w;
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				int p = (int)(int32_t)next_arg(a);
				f++;
				sp.prec = p < 0 ? 0 : p;
			} else {
				sp.prec = parse_int(&f);
			}
		}
		if (*f == 'h' || *f == 'l' || *f == 'L' || *f == 'z' || *f == 'Z' || *f == 't') {
			sp.qual = *f == 'Z' ? 'z' : *f == 'L' ? 'L' : *f;
			f++;
			if (sp.qual == 'h' && *f == 'h') {
				sp.qual = 'H';
				f++;
			} else if (sp.qual == 'l' && *f == 'l') {
				sp.qual = 'L';
				f++;
			}
		}
		char conv = *f;
		switch (conv) {
		case '%':
			put(o, '%');
			break;
		case 'c': {
			char ch = (char)(uint8_t)next_arg(a);
			put_padded(o, &ch, 1, sp);
			break;
		}
		case 's':
			put_guest_str(o, c->km, next_arg(a), sp);
			break;
		case 'p':
			f += put_pointer(o, c, f + 1, next_arg(a), sp);
			break;
		case 'd':
		case 'i':
			sp.flags |= F_SIGN;
			put_number(o, int_arg(next_arg(a), sp.qual, 1), sp);
			break;
		case 'u':
			put_number(o, int_arg(next_arg(a), sp.qual, 0), sp);
			break;
		case 'o':
			sp.base = 8;
			put_number(o, int_arg(next_arg(a), sp.qual, 0), sp);
			break;
		case 'x':
			sp.flags |= F_SMALL;
			/* fall through */
		case 'X':
			sp.base = 16;
			put_number(o, int_arg(next_arg(a), sp.qual, 0), sp);
			break;
		default: {
			/* vsnprintf stops at an unsupported conversion: the
			 * arguments after it can no longer be found. */
			char w[96];
			snprintf(w, sizeof w,
			         "WARNING: unsupported %%%c in format string \"%.40s\"",
			         conv ? conv : '0', start);
			km_log(c->km, c->cpu, km_now_ns(c), LEVEL_WARNING, w);
			return 0;
		}
		}
		f++;
	}
	return 0;
}

/* Log text (NUL-terminated, modified) line by line. */
static void log_lines(struct km_call *c, uint64_t t, int level, char *text)
{
	for (char *line = text;;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		km_log(c->km, c->cpu, t, level, line);
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* The printk record of o: its trailing newline and KERN_* prefixes
 * stripped, logged with the caller's cpu and time t. Returns the record's
 * length (what printk returns). */
static size_t store_record(struct km_call *c, uint64_t t, struct out *o)
{
	char *text = o->buf;
	size_t len = o->n;
	int level = -1;
	if (len && text[len - 1] == '\n')
		text[--len] = 0;
	while (len >= 2 && text[0] == KERN_SOH &&
	       ((text[1] >= '0' && text[1] <= '7') || text[1] == 'c')) {
		if (text[1] != 'c' && level < 0)
			level = text[1] - '0';
		text += 2;
		len -= 2;
	}
	log_lines(c, t, level, text);
	return len;
}

/* One line of the caller's, at a fixed level. */
static void log_fixed(struct km_call *c, uint64_t t, int level, const char *line)
{
	km_log(c->km, c->cpu, t, level, line);
}

/* int _printk(const char *fmt, ...) -> the length of the stored record.
 * Cost: costs.printk_ns + KM_COST_PRINTK_PER_BYTE_NS per byte rendered. */
void km__printk(struct km_call *c)
{
	struct out o;
	struct args a = {c, 1};
	uint64_t t = km_now_ns(c);
	if (render(c, c->a[0], &a, &o))
		return;
	km_charge(c, c->km->costs.printk_ns + KM_COST_PRINTK_PER_BYTE_NS * o.n);
	c->a[0] = store_record(c, t, &o);
}

/* void prom_printf(const char *fmt, ...): OBP console output. Logged
 * as-is (no KERN_* parsing), line by line, level -1. Made on a strand OBP
 * does not know, it is still logged (what the console would show if OBP
 * coped) and km_call records it as a finding.
 * Cost: KM_COST_PROM_PRINTF_NS + KM_COST_PROM_PRINTF_PER_BYTE_NS per byte. */
void km_prom_printf(struct km_call *c)
{
	struct out o;
	struct args a = {c, 1};
	uint64_t t = km_now_ns(c);
	if (render(c, c->a[0], &a, &o))
		return;
	km_charge(c, KM_COST_PROM_PRINTF_NS + KM_COST_PROM_PRINTF_PER_BYTE_NS * o.n);
	if (o.n && o.buf[o.n - 1] == '\n')
		o.buf[--o.n] = 0;
	log_lines(c, t, -1, o.buf);
	/* Kept for prom_halt's report: the firmware console's last words. */
	const char *last = strrchr(o.buf, '\n');
	snprintf(c->km->obp_console, sizeof c->km->obp_console, "%.*s", KM_OBP_LINE_MAX - 1,
	         last ? last + 1 : o.buf);
	c->km->obp_console_cpu = c->cpu;
}

/* The caller's return site (%o7: the leaf stub keeps it) as "sym+0xoff". */
static void caller(struct km_call *c, char *buf, size_t n)
{
	sim_symbolize(c->s, sim_strand_reg(c->s, c->tid, SIM_REG_O7), buf, n);
}

/* void warn_slowpath_fmt(const char *file, const int line, unsigned
 * taint, const char *fmt, ...): WARN(). Logs the kernel's
 * "------------[ cut here ]------------" and
 * "WARNING: CPU: <cpu> at <file>:<line> <caller>" at warning level, then
 * the message (when fmt is not NULL) as printk would, and keeps running.
 * Cost: 2 * costs.printk_ns + the message's printk cost. */
void km_warn_slowpath_fmt(struct km_call *c)
{
	char file[128], who[96], line[LOG_LINE_MAX];
	uint64_t t = km_now_ns(c);
	if (!c->a[0] || km_cstr(c->km, c->a[0], file, sizeof file) < 0)
		snprintf(file, sizeof file, "?");
	caller(c, who, sizeof who);
	km_charge(c, 2 * c->km->costs.printk_ns);
	log_fixed(c, t, LEVEL_WARNING, "------------[ cut here ]------------");
	snprintf(line, sizeof line, "WARNING: CPU: %u at %s:%d %s", c->cpu, file,
	         (int)(int32_t)c->a[1], who);
	log_fixed(c, t, LEVEL_WARNING, line);
	if (!c->a[3])
		return;
	struct out o;
	struct args a = {c, 4};
	if (render(c, c->a[3], &a, &o))
		return;
	km_charge(c, c->km->costs.printk_ns + KM_COST_PRINTK_PER_BYTE_NS * o.n);
	store_record(c, t, &o);
}

/* void panic(const char *fmt, ...): logs "Kernel panic - not syncing:
 * <message>" (emergency level) and stops the thread with that verdict.
 * Cost: costs.printk_ns + the message's per-byte cost. */
void km_panic(struct km_call *c)
{
	struct out o;
	struct args a = {c, 1};
	char line[LOG_LINE_MAX + 40];
	uint64_t t = km_now_ns(c);
	if (render(c, c->a[0], &a, &o))
		return;
	km_charge(c, c->km->costs.printk_ns + KM_COST_PRINTK_PER_BYTE_NS * o.n);
	if (o.n && o.buf[o.n - 1] == '\n')
		o.buf[--o.n] = 0;
	snprintf(line, sizeof line, "Kernel panic - not syncing: %s", o.buf);
	log_lines(c, t, LEVEL_EMERG, line);
	snprintf(line, sizeof line, "Kernel panic - not syncing: %s", o.buf);
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	km_fail(c, "%s", line);
}

/* void prom_halt(void), as arch/sparc/prom/misc_64.c in 6.1: with
 * ldom_domaining_enabled it calls ldom_power_off() — here the guest's real
 * one (ds.c), whose MACH_EXIT hypercall powers the domain off — and
 * otherwise asks OBP to "exit", which stops the machine as well. Either way
 * nothing in the domain runs afterwards; the halt (caller, cpu, time, the
 * cpu's last prom_printf line) is recorded for the result.
 * Cost: KM_COST_CALL_NS. */
void km_prom_halt(struct km_call *c)
{
	struct km_halt *h = &c->km->halt;
	uint64_t enabled_va, power_off;
	km_charge(c, KM_COST_CALL_NS);
	if (!h->halted) {
		h->halted = 1;
		caller(c, h->caller, sizeof h->caller);
		h->cpu = c->cpu;
		h->time_ns = km_now_ns(c);
		snprintf(h->console, sizeof h->console, "%s",
		         c->km->obp_console_cpu == c->cpu ? c->km->obp_console : "");
	}
	if (!sim_sym(c->s, "ldom_domaining_enabled", &enabled_va) && km_ld32(c, enabled_va) &&
	    !sim_sym(c->s, "ldom_power_off", &power_off)) {
		c->r->redirect = 1;
		c->r->pc = power_off;
		return;
	}
	c->r->power_off = 1;
	snprintf(c->r->msg, sizeof c->r->msg, "OBP exit (prom_halt from %s): the machine stopped",
	         h->caller);
}

/* void bust_spinlocks(int yes): the panic path's console unlocking; no
 * state to change here.
 * Cost: KM_COST_CALL_NS. */
void km_bust_spinlocks(struct km_call *c)
{
	km_charge(c, KM_COST_CALL_NS);
}

/* void refcount_warn_saturate(refcount_t *r, enum refcount_saturation_type
 * t): sets *r to REFCOUNT_SATURATED and WARNs "refcount_t: <what>." as
 * lib/refcount.c does (the cut-here and WARNING lines, then the message),
 * and keeps running.
 * Cost: 3 * costs.printk_ns + KM_COST_ATOMIC_NS. */
void km_refcount_warn_saturate(struct km_call *c)
{
	static const char *const what[] = {
	    "saturated; leaking memory",       /* REFCOUNT_ADD_NOT_ZERO_OVF */
	    "saturated; leaking memory",       /* REFCOUNT_ADD_OVF */
	    "addition on 0; use-after-free",   /* REFCOUNT_ADD_UAF */
	    "underflow; use-after-free",       /* REFCOUNT_SUB_UAF */
	    "decrement hit 0; leaking memory", /* REFCOUNT_DEC_LEAK */
	};
	uint64_t r = c->a[0];
	uint32_t type = (uint32_t)c->a[1];
	char who[96], line[LOG_LINE_MAX];
	uint64_t t = km_now_ns(c);
	km_charge(c, 3 * c->km->costs.printk_ns + KM_COST_ATOMIC_NS);
	if ((r & 3) || !km_ptr(c->km, r, 4)) {
		km_fail(c, "bad refcount_t address 0x%llx", (unsigned long long)r);
		return;
	}
	km_st32(c, r, REFCOUNT_SATURATED);
	caller(c, who, sizeof who);
	log_fixed(c, t, LEVEL_WARNING, "------------[ cut here ]------------");
	snprintf(line, sizeof line, "WARNING: CPU: %u at %s", c->cpu, who);
	log_fixed(c, t, LEVEL_WARNING, line);
	snprintf(line, sizeof line, "refcount_t: %s.",
	         type < sizeof what / sizeof what[0] ? what[type] : "unknown saturation event!?");
	log_fixed(c, t, -1, line);
}
