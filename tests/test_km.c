/*
 * tests/test_km.c — the kernel model's library entries (string.h,
 * allocation, bitops/atomics, printk and friends, locks), each called
 * through the real dispatch path: a guest call of the symbol's stub in
 * build/guest/guest.elf (`retl; ta 0x7e`), the simulator's trap dispatch,
 * km_call() and the row's host handler.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#include "lx/lx.h"
#include "board/board.h"
#include "kernel-model/km.h"
#include "kernel-model/tunables.h"
#include "sim/sim.h"

#define GUEST_ELF   "build/guest/guest.elf"
#define STACK_SIZE  (64u << 10)
#define STACK_BIAS  2047
#define ARGS_OFFSET 176 /* outgoing arguments after the window save area */
#define MIN_FRAME   192 /* what sim_call puts below the stack top it is given */
#define CPU         0

struct fx {
	struct board board;
	uint64_t sp; /* stack top handed to sim_call */
	struct sim_verdict v;
};

static void fx_open(struct fx *f)
{
	struct board_config cfg;
	char err[256] = "";
	memset(f, 0, sizeof *f);
	board_config_default(&cfg);
	cfg.image = GUEST_ELF;
	cfg.ram_size = 256ull << 20;
	cfg.pool_max = 2;
	cr_assert_eq(board_create(&cfg, &f->board, err, sizeof err), 0, "%s", err);
	uint64_t stack, start;
	cr_assert_eq(sim_alloc(f->board.sim, STACK_SIZE, 64, &stack), 0);
	/* Room above the top for the stack arguments sim_call's frame reaches. */
	f->sp = stack + STACK_SIZE - 1024;
	cr_assert_eq(sim_sym(f->board.sim, "km_stubs_start", &start), 0);
	cr_assert_eq(sim_strand_start(f->board.sim, CPU, start, 0), 0);
}

static void fx_close(struct fx *f)
{
	board_free(&f->board);
}

static uint64_t stub(struct fx *f, const char *sym)
{
	uint64_t a;
	cr_assert_eq(sim_sym(f->board.sim, sym, &a), 0, "no stub %s", sym);
	return a;
}

/* Call sym(args) and expect it to return; its %o0. */
static uint64_t call(struct fx *f, const char *sym, const uint64_t *args, unsigned n)
{
	uint64_t ret = 0;
	enum sim_stop why = sim_call(f->board.sim, CPU, stub(f, sym), args, n, f->sp, &ret, &f->v);
	cr_assert_eq(why, SIM_STOP_RETURNED, "%s: stopped (%s): %s", sym, sim_stop_name(why),
	             f->v.msg);
	return ret;
}

/* Call sym(args) and expect a kernel-model verdict; its message. */
static const char *call_fails(struct fx *f, const char *sym, const uint64_t *args, unsigned n)
{
	uint64_t ret = 0;
	enum sim_stop why = sim_call(f->board.sim, CPU, stub(f, sym), args, n, f->sp, &ret, &f->v);
	cr_assert_eq(why, SIM_STOP_KM, "%s: expected a verdict, got %s (%s)", sym,
	             sim_stop_name(why), f->v.msg);
	return f->v.msg;
}

#define CALL(f, sym, ...)                                                                          \
	call(f, sym, (const uint64_t[]){__VA_ARGS__},                                              \
	     sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))
#define CALL_FAILS(f, sym, ...)                                                                    \
	call_fails(f, sym, (const uint64_t[]){__VA_ARGS__},                                        \
	           sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

/* Fresh guest memory (real address), zeroed. */
static uint64_t gmem(struct fx *f, uint64_t size)
{
	uint64_t ra;
	cr_assert_eq(sim_alloc(f->board.sim, size, 64, &ra), 0);
	return ra;
}

static uint8_t *host(struct fx *f, uint64_t ra, uint64_t len)
{
	uint8_t *p = sim_ra_ptr(f->board.sim, ra, len);
	cr_assert_not_null(p);
	return p;
}

/* A NUL-terminated string in guest memory; its real address. */
static uint64_t gstr(struct fx *f, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t ra = gmem(f, n);
	memcpy(host(f, ra, n), s, n);
	return ra;
}

static uint64_t lin(uint64_t ra)
{
	return KM_PAGE_OFFSET + ra;
}

static uint64_t now_ps(struct fx *f)
{
	return sim_thread_time_ps(f->board.sim, CPU);
}

/* ---- string.h ------------------------------------------------------- */

Test(km_string, memcpy_copies_n_bytes_and_returns_dst)
{
	struct fx f;
	fx_open(&f);
	uint64_t src = gstr(&f, "0123456789abcdef"), dst = gmem(&f, 32);
	memset(host(&f, dst, 32), 'x', 32);
	/* Destination through the linear map, source by its image-style RA. */
	cr_expect_eq(CALL(&f, "memcpy", lin(dst), src, 10), lin(dst));
	cr_expect_eq(memcmp(host(&f, dst, 11), "0123456789x", 11), 0);
	cr_expect_eq(CALL(&f, "memcpy", dst, src, 0), dst, "n = 0 copies nothing");
	fx_close(&f);
}

Test(km_string, memset_fills_with_the_low_byte_and_returns_dst)
{
	struct fx f;
	fx_open(&f);
	uint64_t d = gmem(&f, 16);
	cr_expect_eq(CALL(&f, "memset", lin(d) + 1, 0x1a5, 6), lin(d) + 1);
	const uint8_t want[8] = {0, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0};
	cr_expect_eq(memcmp(host(&f, d, 8), want, 8), 0);
	fx_close(&f);
}

Test(km_string, strcmp_orders_as_unsigned_char)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = gstr(&f, "cpu"), b = gstr(&f, "cpu"), c = gstr(&f, "cpus"),
	         hi = gstr(&f, "\xff"), lo = gstr(&f, "a");
	cr_expect_eq(CALL(&f, "strcmp", a, b), 0);
	cr_expect_eq((int64_t)CALL(&f, "strcmp", a, c), -1);
	cr_expect_eq((int64_t)CALL(&f, "strcmp", c, a), 1);
	cr_expect_eq((int64_t)CALL(&f, "strcmp", hi, lo), 1, "0xff sorts after 'a'");
	fx_close(&f);
}

Test(km_string, strncmp_stops_after_n_bytes)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = gstr(&f, "back"), b = gstr(&f, "bacK"), c = gstr(&f, "ba");
	cr_expect_eq(CALL(&f, "strncmp", a, b, 3), 0);
	cr_expect_eq((int64_t)CALL(&f, "strncmp", a, b, 4), 'k' - 'K');
	cr_expect_eq((int64_t)CALL(&f, "strncmp", c, a, 4), -'c');
	cr_expect_eq(CALL(&f, "strncmp", a, c, 0), 0);
	fx_close(&f);
}

Test(km_string, strlen_counts_and_strcpy_copies_the_nul)
{
	struct fx f;
	fx_open(&f);
	uint64_t s = gstr(&f, "dr-cpu"), d = gmem(&f, 16);
	cr_expect_eq(CALL(&f, "strlen", lin(s)), 6);
	cr_expect_eq(CALL(&f, "strlen", gstr(&f, "")), 0);
	memset(host(&f, d, 16), 'x', 16);
	cr_expect_eq(CALL(&f, "strcpy", d, s), d);
	cr_expect_eq(memcmp(host(&f, d, 8), "dr-cpu\0x", 8), 0);
	fx_close(&f);
}

Test(km_string, bad_pointer_is_a_verdict_naming_the_address)
{
	struct fx f;
	fx_open(&f);
	uint64_t s = gstr(&f, "x");
	const char *m = CALL_FAILS(&f, "memcpy", 0x7f0000000000ull, s, 8);
	cr_expect(strstr(m, "memcpy: ") == m, "%s", m);
	cr_expect_not_null(strstr(m, "0x7f0000000000"), "%s", m);
	fx_close(&f);
	fx_open(&f);
	m = CALL_FAILS(&f, "strlen", 0x7f0000000000ull);
	cr_expect_not_null(strstr(m, "0x7f0000000000"), "%s", m);
	fx_close(&f);
}

/* ---- allocation ----------------------------------------------------- */

Test(km_alloc, kmalloc_linear_map_addresses_and_alignment)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = CALL(&f, "__kmalloc", 100, 0);
	uint64_t b = CALL(&f, "__kmalloc", 64, 0);
	uint64_t c = CALL(&f, "__kmalloc", 4096, 0);
	uint64_t d = CALL(&f, "kmalloc_trace", 0, 0, 24); /* cache NULL, size 24 */
	cr_expect_geq(a, KM_PAGE_OFFSET, "kmalloc returns linear-map addresses");
	cr_expect_eq(a % 16, 0);
	cr_expect_eq(b % 64, 0, "power-of-two sizes are naturally aligned");
	cr_expect_eq(c % 4096, 0);
	cr_expect_eq(d % 16, 0);
	uint64_t v[4] = {a, b, c, d}, n[4] = {100, 64, 4096, 24};
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			if (i != j)
				cr_expect(v[i] + n[i] <= v[j] || v[j] + n[j] <= v[i],
				          "blocks %d and %d overlap", i, j);
	cr_expect_eq(CALL(&f, "__kmalloc", 0, 0), 16, "kmalloc(0) is ZERO_SIZE_PTR");
	cr_expect_eq(CALL(&f, "__kmalloc", 1ull << 40, 0), 0, "too big: NULL");
	fx_close(&f);
}

Test(km_alloc, gfp_zero_zeroes_and_kfree_reuses)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = CALL(&f, "__kmalloc", 200, 0);
	uint8_t *p = host(&f, a - KM_PAGE_OFFSET, 200);
	memset(p, 0xaa, 200);
	CALL(&f, "kfree", a);
	uint64_t b = CALL(&f, "__kmalloc", 200, 0);
	cr_expect_eq(b, a, "the freed block is reused");
	cr_expect_eq(p[0], 0xaa, "no __GFP_ZERO: contents stay");
	CALL(&f, "kfree", b);
	uint64_t z = CALL(&f, "kmalloc_trace", 0, km_layout(f.board.km)->gfp_zero, 200);
	cr_expect_eq(z, a);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(p[i], 0, "byte %d not zeroed", i);
	fx_close(&f);
}

Test(km_alloc, kfree_null_and_zero_size_ptr_are_noops)
{
	struct fx f;
	fx_open(&f);
	CALL(&f, "kfree", 0);
	CALL(&f, "kfree", 16);
	CALL(&f, "kfree_const", 0);
	fx_close(&f);
}

Test(km_alloc, kfree_of_a_foreign_address_is_a_verdict)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = CALL(&f, "__kmalloc", 64, 0);
	const char *m = CALL_FAILS(&f, "kfree", a + 16);
	char want[64];
	snprintf(want, sizeof want, "kfree of 0x%llx which kmalloc did not return",
	         (unsigned long long)(a + 16));
	cr_expect_not_null(strstr(m, want), "%s", m);
	fx_close(&f);
	fx_open(&f);
	a = CALL(&f, "__kmalloc", 64, 0);
	CALL(&f, "kfree", a);
	m = CALL_FAILS(&f, "kfree", a);
	cr_expect_not_null(strstr(m, "which kmalloc did not return"), "double free: %s", m);
	fx_close(&f);
}

Test(km_alloc, kmemdup_copies)
{
	struct fx f;
	fx_open(&f);
	uint64_t src = gstr(&f, "template-bytes");
	uint64_t d = CALL(&f, "kmemdup", src, 15, 0);
	cr_assert_neq(d, 0);
	cr_expect_neq(d, src);
	cr_expect_eq(memcmp(host(&f, d - KM_PAGE_OFFSET, 15), "template-bytes", 15), 0);
	CALL(&f, "kfree", d);
	fx_close(&f);
}

/* Address of a string the image keeps in .rodata. */
static uint64_t rodata_string(struct fx *f, const char *s)
{
	uint64_t lo, hi;
	cr_assert_eq(sim_sym(f->board.sim, "km_stubs_end", &lo), 0);
	cr_assert_eq(sim_sym(f->board.sim, "__cpuid_patch", &hi), 0);
	const uint8_t *p = host(f, lo, hi - lo);
	const uint8_t *q = memmem(p, hi - lo, s, strlen(s) + 1);
	cr_assert_not_null(q, "'%s' is not in .rodata", s);
	return lo + (uint64_t)(q - p);
}

Test(km_alloc, kstrdup_const_and_kfree_const)
{
	struct fx f;
	fx_open(&f);
	uint64_t ro = rodata_string(&f, "dr-cpu");
	cr_expect_eq(CALL(&f, "kstrdup_const", ro, 0), ro, ".rodata strings are not copied");
	CALL(&f, "kfree_const", ro); /* no verdict */
	uint64_t s = gstr(&f, "var-config");
	uint64_t d = CALL(&f, "kstrdup_const", s, 0);
	cr_assert_geq(d, KM_PAGE_OFFSET);
	cr_expect_str_eq((const char *)host(&f, d - KM_PAGE_OFFSET, 11), "var-config");
	cr_expect_eq(CALL(&f, "kstrdup_const", 0, 0), 0);
	CALL(&f, "kfree_const", d);
	const char *m = CALL_FAILS(&f, "kfree_const", d);
	cr_expect_not_null(strstr(m, "which kmalloc did not return"), "kfree_const freed: %s", m);
	fx_close(&f);
}

Test(km_alloc, memblock_returns_real_addresses_in_range)
{
	struct fx f;
	fx_open(&f);
	uint64_t pa = CALL(&f, "memblock_phys_alloc_range", 20000, 64, 0, 0);
	cr_assert_neq(pa, 0);
	cr_expect_lt(pa, KM_PAGE_OFFSET, "a physical address");
	cr_expect_eq(pa % 64, 0);
	cr_expect(sim_ra_valid(f.board.sim, pa, 20000));
	cr_expect_eq(CALL(&f, "memblock_phys_alloc_range", 64, 64, 0, 0x1000), 0,
	             "nothing below 4 KiB");
	CALL(&f, "memblock_free_late", pa, 20000);
	cr_expect_eq(CALL(&f, "memblock_phys_alloc_range", 20000, 64, 0, ~0ull), pa,
	             "freed and reused");
	const char *m = CALL_FAILS(&f, "memblock_free_late", pa + 64, 64);
	cr_expect_not_null(strstr(m, "memblock did not allocate"), "%s", m);
	fx_close(&f);
}

/* ---- bitops, atomics ------------------------------------------------ */

Test(km_bitops, set_and_clear_bit_on_big_endian_words)
{
	struct fx f;
	fx_open(&f);
	uint64_t bm = gmem(&f, 16);
	uint8_t *p = host(&f, bm, 16);
	CALL(&f, "set_bit", 0, lin(bm));
	CALL(&f, "set_bit", 63, lin(bm));
	CALL(&f, "set_bit", 69, bm);
	const uint8_t want[16] = {0x80, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x20};
	cr_expect_eq(memcmp(p, want, 16), 0);
	cr_expect_eq(sim_ld64(f.board.sim, bm + 8), 1ull << 5);
	CALL(&f, "clear_bit", 63, bm);
	CALL(&f, "clear_bit", 1, bm); /* already clear */
	cr_expect_eq(sim_ld64(f.board.sim, bm), 1);
	/* set_bit/clear_bit are the kernel's own arch/sparc/lib/bitops.S
	 * now (built real: they run in the topology code's inner loops), so a
	 * misaligned word is the hardware's mem_address_not_aligned trap. */
	fx_close(&f);
}

Test(km_bitops, bitmap_weight_counts_only_nbits)
{
	struct fx f;
	fx_open(&f);
	uint64_t bm = gmem(&f, 24);
	sim_st64(f.board.sim, bm, ~0ull);
	sim_st64(f.board.sim, bm + 8, 0xf0f0ull);
	sim_st64(f.board.sim, bm + 16, ~0ull);
	cr_expect_eq(CALL(&f, "__bitmap_weight", bm, 128), 64 + 8);
	cr_expect_eq(CALL(&f, "__bitmap_weight", bm, 64 + 8), 64 + 4, "bits >= nbits ignored");
	cr_expect_eq(CALL(&f, "__bitmap_weight", bm, 3), 3);
	cr_expect_eq(CALL(&f, "__bitmap_weight", bm, 0), 0);
	fx_close(&f);
}

Test(km_bitops, find_next_bit_finds_each_set_bit)
{
	struct fx f;
	fx_open(&f);
	uint64_t bm = gmem(&f, 32);
	sim_st64(f.board.sim, bm, 1ull << 3 | 1ull << 40);
	sim_st64(f.board.sim, bm + 16, 1ull << 2); /* bit 130 */
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 256, 0), 3);
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 256, 3), 3);
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 256, 4), 40);
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 256, 41), 130);
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 256, 131), 256, "none: nbits");
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 129, 41), 129, "beyond nbits: nbits");
	cr_expect_eq(CALL(&f, "_find_next_bit", bm, 10, 10), 10, "start >= nbits");
	fx_close(&f);
}

Test(km_bitops, fls_gives_the_highest_set_bit)
{
	struct fx f;
	fx_open(&f);
	cr_expect_eq(CALL(&f, "__fls", 1), 0);
	cr_expect_eq(CALL(&f, "__fls", 0x100), 8);
	cr_expect_eq(CALL(&f, "__fls", 0x8000000000000001ull), 63);
	cr_expect_eq(CALL(&f, "__fls", 0), 0, "as sparc64's lib/fls64.S");
	fx_close(&f);
}

Test(km_bitops, atomics_on_32_bit_big_endian_ints)
{
	struct fx f;
	fx_open(&f);
	uint64_t v = gmem(&f, 16);
	sim_st32(f.board.sim, v + 4, 5);
	CALL(&f, "arch_atomic_add", 3, v + 4);
	cr_expect_eq(sim_ld32(f.board.sim, v + 4), 8);
	cr_expect_eq(sim_ld32(f.board.sim, v), 0, "the neighbour word is untouched");
	cr_expect_eq(CALL(&f, "arch_atomic_fetch_add", (uint64_t)-10, lin(v) + 4), 8);
	cr_expect_eq(sim_ld32(f.board.sim, v + 4), (uint32_t)-2);
	cr_expect_eq(CALL(&f, "arch_atomic_fetch_sub", 1, v + 4), (uint64_t)-2,
	             "an int result is sign-extended");
	cr_expect_eq(sim_ld32(f.board.sim, v + 4), (uint32_t)-3);
	/* Only the low 32 bits of the int argument count. */
	cr_expect_eq(CALL(&f, "arch_atomic_fetch_add", 0x100000004ull, v + 4), (uint64_t)-3);
	cr_expect_eq(sim_ld32(f.board.sim, v + 4), 1);
	const char *m = CALL_FAILS(&f, "arch_atomic_add", 1, v + 2);
	cr_expect_not_null(strstr(m, "misaligned atomic_t"), "%s", m);
	fx_close(&f);
}

/* ---- printk --------------------------------------------------------- */

/* printk(fmt, args...) with up to 5 register arguments: the one line it
 * logs (level -1 expected); its return value must be that line's length. */
static const char *printk1(struct fx *f, const char *fmt, int nargs, ...)
{
	uint64_t a[6] = {gstr(f, fmt)};
	size_t before = km_log_count(f->board.km);
	va_list ap;
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++)
		a[1 + i] = va_arg(ap, uint64_t);
	va_end(ap);
	uint64_t n = call(f, "_printk", a, 1 + (unsigned)nargs);
	cr_assert_eq(km_log_count(f->board.km), before + 1, "\"%s\" logged %zu lines", fmt,
	             km_log_count(f->board.km) - before);
	const struct km_log_line *l = km_log_get(f->board.km, before);
	cr_expect_eq(l->level, -1, "\"%s\"", fmt);
	cr_expect_eq(n, strlen(l->text), "\"%s\": printk returns the record length", fmt);
	return l->text;
}

#define U(x) ((uint64_t)(x))

Test(km_printk, prints_signed_decimals_with_width_and_flags)
{
	struct fx f;
	fx_open(&f);
	cr_expect_str_eq(printk1(&f, "%d|%i|%5d|%-5d|%05d", 5, U(-42), U(7), U(42), U(42), U(-42)),
	                 "-42|7|   42|42   |-0042");
	cr_expect_str_eq(printk1(&f, "%+d|% d|%.3d|%d", 4, U(3), U(3), U(7), U(0xffffffffull)),
	                 "+3| 3|007|-1");
	cr_expect_str_eq(printk1(&f, "%ld|%lld|%zd", 3, U(-5), U(-6), U(-7)), "-5|-6|-7");
	cr_expect_str_eq(printk1(&f, "%hd|%hhd|%d", 3, U(0x1ffff), U(0x1ff), U(1ull << 32)),
	                 "-1|-1|0");
	fx_close(&f);
}

Test(km_printk, prints_unsigned_octal_and_hex)
{
	struct fx f;
	fx_open(&f);
	cr_expect_str_eq(printk1(&f, "%u|%lu|%llu|%zu", 4, U(-1), U(-1), U(1), U(2)),
	                 "4294967295|18446744073709551615|1|2");
	cr_expect_str_eq(printk1(&f, "%x|%X|%lx|%#x|%08llx", 5, U(0xff), U(0xff),
	                         U(0x1234567890ull), U(0x1f), U(0xabcd)),
	                 "ff|FF|1234567890|0x1f|0000abcd");
	cr_expect_str_eq(printk1(&f, "%o|%#o|%#o|%hx|%#X", 5, U(15), U(15), U(0), U(-1), U(0x1f)),
	                 "17|017|0|ffff|0X1F");
	fx_close(&f);
}

Test(km_printk, prints_numbers_with_linux_quirks_not_c_ones)
{
	struct fx f;
	fx_open(&f);
	/* lib/vsprintf.c, not C: "%#x" of 0 is "0x0"; precision 0 of 0
	 * prints "0"; '0' padding survives a precision. */
	cr_expect_str_eq(printk1(&f, "%#x|%.0d|%08.3d|%hhx", 4, U(0), U(0), U(42), U(-1)),
	                 "0x0|0|00000042|ff");
	cr_expect_str_eq(
	    printk1(&f, "[%#8x][%#06x][%-#6o][%+05d]", 4, U(0x1f), U(0x1f), U(8), U(42)),
	    "[    0x1f][0x001f][010   ][+0042]");
	fx_close(&f);
}

Test(km_printk, prints_chars_strings_and_percent)
{
	struct fx f;
	fx_open(&f);
	uint64_t s = gstr(&f, "ds-1");
	cr_expect_str_eq(printk1(&f, "[%c%c] %s|%6s|%-6s|", 5, U('o'), U('k'), s, lin(s), s),
	                 "[ok] ds-1|  ds-1|ds-1  |");
	cr_expect_str_eq(printk1(&f, "%.2s|100%%|%5c|%-3c|", 3, s, U('z'), U('y')),
	                 "ds|100%|    z|y  |");
	cr_expect_str_eq(printk1(&f, "%s|%s", 2, U(0), U(8)), "(null)|(efault)");
	fx_close(&f);
}

Test(km_printk, takes_star_width_and_precision_from_the_arguments)
{
	struct fx f;
	fx_open(&f);
	uint64_t s = gstr(&f, "ds-1");
	cr_expect_str_eq(printk1(&f, "[%*d][%*d]", 4, U(5), U(42), U(-3), U(7)), "[   42][7  ]");
	/* A negative '*' precision is 0 in Linux (C would ignore it). */
	cr_expect_str_eq(printk1(&f, "[%.*s][%.*s]", 4, U(2), s, U(-1), s), "[ds][]");
	fx_close(&f);
}

Test(km_printk, pointers_print_raw)
{
	struct fx f;
	fx_open(&f);
	cr_expect_str_eq(
	    printk1(&f, "%p|%px|%pOF.", 3, U(0xffff800000001000ull), U(0x10), U(0xdeadbeef)),
	    "ffff800000001000|0000000000000010|00000000deadbeef.");
	fx_close(&f);
}

Test(km_printk, prints_symbolic_pointers_as_function_and_offset)
{
	struct fx f;
	fx_open(&f);
	uint64_t fn = stub(&f, "memcpy");
	cr_expect_str_eq(printk1(&f, "from %ps, %pS", 2, fn, fn + 4),
	                 "from memcpy, memcpy+0x4/0x8");
	fx_close(&f);
}

Test(km_printk, more_than_five_arguments_come_from_the_stack)
{
	struct fx f;
	fx_open(&f);
	uint64_t fmt = gstr(&f, "%d %d %d %d %d %d %d %lx %s");
	uint64_t s = gstr(&f, "end");
	uint64_t a[6] = {fmt, 1, 2, 3, 4, 5};
	/* Arguments 6.. at %sp + 2047 + 176 + 8 * (i - 6); sim_call sets
	 * %sp = top - MIN_FRAME - 2047. */
	uint64_t sp = f.sp - MIN_FRAME - STACK_BIAS;
	uint64_t stack_args[4] = {6, 7, 0xabcdef123ull, s};
	for (int i = 0; i < 4; i++)
		sim_st64(f.board.sim, sp + STACK_BIAS + ARGS_OFFSET + 8 * (uint64_t)i,
		         stack_args[i]);
	call(&f, "_printk", a, 6);
	cr_assert_eq(km_log_count(f.board.km), 1);
	cr_expect_str_eq(km_log_get(f.board.km, 0)->text, "1 2 3 4 5 6 7 abcdef123 end");
	fx_close(&f);
}

Test(km_printk, takes_the_level_and_newline_out_and_returns_the_length)
{
	struct fx f;
	fx_open(&f);
	uint64_t n = CALL(&f, "_printk", gstr(&f, "\0016ds-%llu: Starting cpu %d...\n"), 1, 64);
	cr_expect_eq(n, strlen("ds-1: Starting cpu 64..."), "prefix and newline not counted");
	CALL(&f, "_printk", gstr(&f, "\0013two\nlines\n"));
	CALL(&f, "_printk", gstr(&f, "no level"));
	CALL(&f, "_printk", gstr(&f, "%s"), gstr(&f, "\0014level from the argument"));
	CALL(&f, "_printk", gstr(&f, "\001c\0012cont then crit"));
	CALL(&f, "_printk", gstr(&f, "\0013\0016the first level wins"));
	cr_assert_eq(km_log_count(f.board.km), 7);
	const struct {
		int level;
		const char *text;
	} want[] = {
	    {6, "ds-1: Starting cpu 64..."},
	    {3, "two"},
	    {3, "lines"},
	    {-1, "no level"},
	    {4, "level from the argument"},
	    {2, "cont then crit"},
	    {3, "the first level wins"},
	};
	for (size_t i = 0; i < 7; i++) {
		const struct km_log_line *l = km_log_get(f.board.km, i);
		cr_expect_str_eq(l->text, want[i].text, "line %zu", i);
		cr_expect_eq(l->level, want[i].level, "line %zu", i);
		cr_expect_eq(l->cpu, CPU);
	}
	fx_close(&f);
}

Test(km_printk, unsupported_conversion_ends_the_text_and_warns)
{
	struct fx f;
	fx_open(&f);
	CALL(&f, "_printk", gstr(&f, "a=%d %q b=%d"), 1, 2);
	cr_assert_eq(km_log_count(f.board.km), 2);
	cr_expect_not_null(strstr(km_log_get(f.board.km, 0)->text, "unsupported %q"));
	cr_expect_str_eq(km_log_get(f.board.km, 1)->text, "a=1 ");
	fx_close(&f);
}

Test(km_printk, log_time_is_the_callers_simulated_time_and_cost_is_charged)
{
	struct fx f;
	fx_open(&f);
	uint64_t fmt = gstr(&f, "0123456789");
	sim_thread_set_time_ps(f.board.sim, CPU, 5000000000000ull); /* 5 s */
	uint64_t t0 = now_ps(&f);
	CALL(&f, "_printk", fmt);
	uint64_t t1 = now_ps(&f);
	cr_assert_eq(km_log_count(f.board.km), 1);
	uint64_t first = km_log_get(f.board.km, 0)->time_ns;
	cr_expect_geq(first * 1000, t0);
	cr_expect_lt(first * 1000, t0 + 100000, "stamped at the call, not after its cost");
	struct km_costs d;
	km_costs_default(&d);
	uint64_t cost = d.printk_ns + 10 * KM_COST_PRINTK_PER_BYTE_NS;
	cr_expect_geq(t1 - t0, cost * 1000);
	/* The next call logs a time at least one printk cost later. */
	CALL(&f, "_printk", fmt);
	cr_expect_geq(km_log_get(f.board.km, 1)->time_ns, first + cost);
	fx_close(&f);
}

Test(km_printk, prom_printf_logs_without_level)
{
	struct fx f;
	fx_open(&f);
	CALL(&f, "prom_printf", gstr(&f, "\0013Processor %d is stuck.\n"), 65);
	cr_assert_eq(km_log_count(f.board.km), 1);
	cr_expect_str_eq(km_log_get(f.board.km, 0)->text, "\0013Processor 65 is stuck.");
	cr_expect_eq(km_log_get(f.board.km, 0)->level, -1);
	fx_close(&f);
}

Test(km_printk, warn_logs_and_keeps_running)
{
	struct fx f;
	fx_open(&f);
	CALL(&f, "warn_slowpath_fmt", gstr(&f, "arch/sparc/kernel/ds.c"), 512, 9,
	     gstr(&f, "bad handle %llx\n"), 0x77);
	cr_assert_eq(km_log_count(f.board.km), 3);
	cr_expect_str_eq(km_log_get(f.board.km, 0)->text, "------------[ cut here ]------------");
	cr_expect(strstr(km_log_get(f.board.km, 1)->text,
	                 "WARNING: CPU: 0 at arch/sparc/kernel/ds.c:512") ==
	              km_log_get(f.board.km, 1)->text,
	          "%s", km_log_get(f.board.km, 1)->text);
	cr_expect_eq(km_log_get(f.board.km, 1)->level, 4);
	cr_expect_str_eq(km_log_get(f.board.km, 2)->text, "bad handle 77");
	fx_close(&f);
}

Test(km_printk, panic_is_a_verdict_quoting_the_message)
{
	struct fx f;
	fx_open(&f);
	const char *m = CALL_FAILS(&f, "panic", gstr(&f, "cpu %d: %s\n"), 3, gstr(&f, "boom"));
	cr_expect_str_eq(m, "panic: Kernel panic - not syncing: cpu 3: boom");
	cr_assert_eq(km_log_count(f.board.km), 1);
	cr_expect_str_eq(km_log_get(f.board.km, 0)->text,
	                 "Kernel panic - not syncing: cpu 3: boom");
	cr_expect_eq(km_log_get(f.board.km, 0)->level, 0);
	fx_close(&f);
	/* prom_halt stops the domain (6.1: ldom_power_off, or OBP's exit). */
	fx_open(&f);
	uint64_t ret = 0;
	enum sim_stop why =
	    sim_call(f.board.sim, CPU, stub(&f, "prom_halt"), NULL, 0, f.sp, &ret, &f.v);
	cr_expect_eq(why, SIM_STOP_POWER_OFF, "%s: %s", sim_stop_name(why), f.v.msg);
	cr_expect_not_null(sim_power_state(f.board.sim));
	cr_expect_not_null(km_halt_state(f.board.km));
	fx_close(&f);
}

Test(km_printk, refcount_warn_saturate_saturates_and_warns)
{
	struct fx f;
	fx_open(&f);
	uint64_t r = gmem(&f, 8);
	sim_st32(f.board.sim, r, 1);
	CALL(&f, "refcount_warn_saturate", r, 3); /* REFCOUNT_SUB_UAF */
	cr_expect_eq(sim_ld32(f.board.sim, r), 0xc0000000u);
	cr_assert_eq(km_log_count(f.board.km), 3);
	cr_expect_str_eq(km_log_get(f.board.km, 2)->text, "refcount_t: underflow; use-after-free.");
	CALL(&f, "bust_spinlocks", 1);
	fx_close(&f);
}

/* ---- locks ---------------------------------------------------------- */

/* Start strand cpu (besides the fixture's) for calls of its own. */
static void start_strand(struct fx *f, unsigned cpu)
{
	cr_assert_eq(sim_strand_start(f->board.sim, cpu, stub(f, "bust_spinlocks"), 0), 0);
}

/* Call sym(arg) on strand cpu; the reason it stopped. */
static enum sim_stop call_on(struct fx *f, unsigned cpu, const char *sym, uint64_t arg,
                             uint64_t *ret)
{
	return sim_call(f->board.sim, cpu, stub(f, sym), &arg, 1, f->sp - 4096 * cpu, ret, &f->v);
}

Test(km_lock, spinlock_sets_its_word_and_unlock_frees_it)
{
	struct fx f;
	fx_open(&f);
	uint64_t l = gmem(&f, 8);
	CALL(&f, "_raw_spin_lock_irq", lin(l));
	cr_expect_eq(sim_ld32(f.board.sim, l), 1, "_Q_LOCKED_VAL in the locked byte");
	CALL(&f, "_raw_spin_unlock_irqrestore", l, 0);
	cr_expect_eq(sim_ld32(f.board.sim, l), 0);
	cr_expect_eq(CALL(&f, "_raw_spin_lock_irqsave", l), 0, "flags");
	cr_expect_eq(sim_ld32(f.board.sim, l), 1);
	fx_close(&f);
	fx_open(&f);
	const char *m = CALL_FAILS(&f, "_raw_spin_unlock_irqrestore", gmem(&f, 8), 0);
	cr_expect_not_null(strstr(m, "not held"), "%s", m);
	fx_close(&f);
}

/* A held spinlock: the caller waits (blocks) and gets it when the holder
 * on another cpu releases it, at the holder's time. */
Test(km_lock, contended_spinlock_waits_for_the_unlock)
{
	struct fx f;
	fx_open(&f);
	start_strand(&f, 1);
	uint64_t l = gmem(&f, 8), ret = 7;
	sim_thread_set_time_ps(f.board.sim, 1, 5000000000ull); /* 5 ms */
	cr_assert_eq(call_on(&f, 1, "_raw_spin_lock_irqsave", l, &ret), SIM_STOP_RETURNED);
	cr_assert_eq(call_on(&f, CPU, "_raw_spin_lock_irqsave", lin(l), &ret), SIM_STOP_BLOCKED,
	             "%s", f.v.msg);
	cr_expect(sim_thread_blocked(f.board.sim, CPU));
	uint64_t args[2] = {l, 0};
	cr_assert_eq(sim_call(f.board.sim, 1, stub(&f, "_raw_spin_unlock_irqrestore"), args, 2,
	                      f.sp - 4096, &ret, &f.v),
	             SIM_STOP_RETURNED, "%s", f.v.msg);
	cr_expect(!sim_thread_blocked(f.board.sim, CPU), "the unlock wakes the waiter");
	cr_assert_eq(sim_strand_run(f.board.sim, CPU, 0, &f.v), SIM_STOP_RETURNED, "%s", f.v.msg);
	cr_expect_eq(sim_strand_reg(f.board.sim, CPU, SIM_REG_O0), 0,
	             "irqsave flags after the retry");
	cr_expect_eq(sim_ld32(f.board.sim, l), 1, "the waiter holds it now");
	cr_expect_geq(sim_thread_time_ps(f.board.sim, CPU), 5000000000ull,
	              "no earlier than the release");
	fx_close(&f);
}

/* A spinlock its only thread takes twice can never be released: the
 * scheduler's deadlock verdict names the lock's wait key. */
Test(km_lock, spinlock_taken_twice_is_a_deadlock_verdict)
{
	struct fx f;
	fx_open(&f);
	uint64_t l = gmem(&f, 8), ret;
	CALL(&f, "_raw_spin_lock_irq", l);
	uint64_t arg = lin(l);
	enum sim_stop why = sim_sched_call(f.board.sim, CPU, stub(&f, "_raw_spin_lock_irq"), &arg,
	                                   1, f.sp, &ret, &f.v);
	cr_expect_eq(why, SIM_STOP_DEADLOCK, "%s: %s", sim_stop_name(why), f.v.msg);
	char key[64];
	snprintf(key, sizeof key, "key 0x%llx", (unsigned long long)(0x8000000000000001ull | l));
	cr_expect_not_null(strstr(f.v.msg, key), "%s", f.v.msg);
	cr_expect_str_eq(f.v.where, "_raw_spin_lock_irq+0x0", "waits at the stub, to retry");
	fx_close(&f);
}

Test(km_lock, mutex_owner_is_current)
{
	struct fx f;
	fx_open(&f);
	uint64_t task = lin(gmem(&f, 64)), mx = gmem(&f, 64);
	sim_strand_set_reg(f.board.sim, CPU, SIM_REG_G4, task);
	CALL(&f, "mutex_lock", lin(mx));
	cr_expect_eq(sim_ld64(f.board.sim, mx), task);
	CALL(&f, "mutex_unlock", lin(mx));
	cr_expect_eq(sim_ld64(f.board.sim, mx), 0);
	CALL(&f, "mutex_lock", mx);
	const char *m = CALL_FAILS(&f, "mutex_lock", mx);
	cr_expect_not_null(strstr(m, "deadlock: mutex"), "%s", m);
	fx_close(&f);
	fx_open(&f);
	mx = gmem(&f, 64);
	sim_strand_set_reg(f.board.sim, CPU, SIM_REG_G4, 0x1000);
	m = CALL_FAILS(&f, "mutex_unlock", mx);
	cr_expect_not_null(strstr(m, "not by the caller"), "%s", m);
	fx_close(&f);
	fx_open(&f);
	m = CALL_FAILS(&f, "mutex_lock", gmem(&f, 64));
	cr_expect_not_null(strstr(m, "no current task"), "%g4 = 0: %s", m);
	fx_close(&f);
}

Test(km_lock, contended_mutex_sleeps_until_unlocked)
{
	struct fx f;
	fx_open(&f);
	start_strand(&f, 1);
	uint64_t t0 = lin(gmem(&f, 64)), t1 = lin(gmem(&f, 64)), mx = gmem(&f, 64), ret;
	sim_strand_set_reg(f.board.sim, CPU, SIM_REG_G4, t0);
	sim_strand_set_reg(f.board.sim, 1, SIM_REG_G4, t1);
	CALL(&f, "mutex_lock", mx);
	cr_assert_eq(call_on(&f, 1, "mutex_lock", mx, &ret), SIM_STOP_BLOCKED, "%s", f.v.msg);
	cr_expect_eq(sim_ld64(f.board.sim, mx), t0);
	CALL(&f, "mutex_unlock", mx);
	cr_assert_eq(sim_strand_run(f.board.sim, 1, 0, &f.v), SIM_STOP_RETURNED, "%s", f.v.msg);
	cr_expect_eq(sim_ld64(f.board.sim, mx), t1, "the waiter owns it");
	fx_close(&f);
}

/* ---- costs ---------------------------------------------------------- */

/* Simulated time of one call of sym(args). */
static uint64_t cost_ps(struct fx *f, const char *sym, const uint64_t *args, unsigned n)
{
	uint64_t t0 = now_ps(f);
	call(f, sym, args, n);
	return now_ps(f) - t0;
}

Test(km_cost, entries_charge_their_documented_costs)
{
	struct fx f;
	fx_open(&f);
	uint64_t a = gmem(&f, 4096), b = gmem(&f, 4096), w = gmem(&f, 8);
	/* Instruction time is the same for every stub: compare to a call whose
	 * cost is KM_COST_CALL_NS. */
	uint64_t base = cost_ps(&f, "bust_spinlocks", (uint64_t[]){0}, 1);
	cr_assert_geq(base, KM_COST_CALL_NS * 1000);
	uint64_t insn = base - KM_COST_CALL_NS * 1000;
	cr_expect_eq(cost_ps(&f, "memcpy", (uint64_t[]){a, b, 4096}, 3),
	             insn + (KM_COST_CALL_NS + 512 * KM_COST_COPY_PER_8B_NS) * 1000);
	cr_expect_eq(cost_ps(&f, "memset", (uint64_t[]){a, 0, 9}, 3),
	             insn + (KM_COST_CALL_NS + 2 * KM_COST_COPY_PER_8B_NS) * 1000);
	cr_expect_eq(cost_ps(&f, "arch_atomic_add", (uint64_t[]){1, a}, 2),
	             insn + KM_COST_ATOMIC_NS * 1000);
	cr_expect_eq(cost_ps(&f, "__kmalloc", (uint64_t[]){64, 0}, 2),
	             insn + KM_COST_KMALLOC_NS * 1000);
	cr_expect_eq(cost_ps(&f, "_raw_spin_lock_irq", (uint64_t[]){w}, 1),
	             insn + KM_COST_SPIN_LOCK_NS * 1000);
	fx_close(&f);
}
