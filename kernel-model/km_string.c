/*
 * kernel-model/km_string.c — string.h entries: memcpy, memset, strcmp,
 * strcpy, strlen, strncmp on guest memory (kernel virtual addresses).
 *
 * C semantics; where C leaves a value open the kernel's sparc64 routine
 * decides: strcmp returns -1/0/1 (lib/string.c), strncmp the difference of
 * the first differing bytes as unsigned chars (arch/sparc/lib/strncmp_64.S).
 * A pointer that leaves guest RAM stops the thread with a verdict naming
 * the address (the real routine would take a data access exception).
 * Costs: KM_COST_* of tunables.h (T2-class strand model), per entry below.
 */
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/tunables.h"

/* Ceiling of n / 8. */
static uint64_t words8(uint64_t n)
{
	return n / 8 + (n % 8 != 0);
}

/* The byte at va, or -1 (and a verdict naming what and where) if va is
 * not guest RAM. */
static int byte_at(struct km_call *c, uint64_t va, const char *what)
{
	const uint8_t *p = km_ptr(c->km, va, 1);
	if (!p) {
		km_fail(c, "%s runs off guest RAM at 0x%llx", what, (unsigned long long)va);
		return -1;
	}
	return *p;
}

/* memcpy(dst, src, n) -> dst. Overlap is undefined in C; the host copy is
 * a memmove so a buggy caller gets the same bytes every run.
 * Cost: KM_COST_CALL_NS + KM_COST_COPY_PER_8B_NS per started 8 bytes. */
void km_memcpy(struct km_call *c)
{
	uint64_t dst = c->a[0], src = c->a[1], n = c->a[2];
	km_charge(c, KM_COST_CALL_NS + KM_COST_COPY_PER_8B_NS * words8(n));
	if (!n)
		return; /* a[0] is already dst */
	void *d = km_ptr(c->km, dst, n);
	const void *s = km_ptr(c->km, src, n);
	if (!d || !s) {
		km_fail(c, "bad %s 0x%llx (%llu bytes are not all guest RAM)",
		        d ? "source" : "destination", (unsigned long long)(d ? src : dst),
		        (unsigned long long)n);
		return;
	}
	memmove(d, s, n);
}

/* memset(dst, ch, n) -> dst; ch is converted to unsigned char.
 * Cost: KM_COST_CALL_NS + KM_COST_COPY_PER_8B_NS per started 8 bytes. */
void km_memset(struct km_call *c)
{
	uint64_t dst = c->a[0], n = c->a[2];
	km_charge(c, KM_COST_CALL_NS + KM_COST_COPY_PER_8B_NS * words8(n));
	if (!n)
		return;
	void *d = km_ptr(c->km, dst, n);
	if (!d) {
		km_fail(c, "bad destination 0x%llx (%llu bytes are not all guest RAM)",
		        (unsigned long long)dst, (unsigned long long)n);
		return;
	}
	memset(d, (unsigned char)c->a[1], n);
}

/* strcmp(a, b) -> -1, 0, 1 (unsigned char comparison, as lib/string.c).
 * Cost: KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS per byte pair compared. */
void km_strcmp(struct km_call *c)
{
	uint64_t a = c->a[0], b = c->a[1], i = 0;
	int64_t r = 0;
	for (;; i++) {
		int x = byte_at(c, a + i, "first string"), y = byte_at(c, b + i, "second string");
		if (x < 0 || y < 0)
			break;
		if (x != y) {
			r = x < y ? -1 : 1;
			break;
		}
		if (!x)
			break;
	}
	km_charge(c, KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS * (i + 1));
	c->a[0] = (uint64_t)r;
}

/* strncmp(a, b, n) -> the difference of the first differing bytes (as
 * unsigned chars), 0 if the first n bytes (or both strings) are equal.
 * Cost: KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS per byte pair compared. */
void km_strncmp(struct km_call *c)
{
	uint64_t a = c->a[0], b = c->a[1], n = c->a[2], i = 0;
	int64_t r = 0;
	for (; i < n; i++) {
		int x = byte_at(c, a + i, "first string"), y = byte_at(c, b + i, "second string");
		if (x < 0 || y < 0)
			break;
		if (x != y) {
			r = x - y;
			i++;
			break;
		}
		if (!x) {
			i++;
			break;
		}
	}
	km_charge(c, KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS * i);
	c->a[0] = (uint64_t)r;
}

/* strlen(s) -> bytes before the NUL.
 * Cost: KM_COST_CALL_NS + KM_COST_STRLEN_PER_8B_NS per started 8 bytes
 * scanned (NUL included). */
void km_strlen(struct km_call *c)
{
	uint64_t s = c->a[0], n = 0;
	for (;; n++) {
		int x = byte_at(c, s + n, "string");
		if (x <= 0)
			break;
	}
	km_charge(c, KM_COST_CALL_NS + KM_COST_STRLEN_PER_8B_NS * words8(n + 1));
	c->a[0] = n;
}

/* strcpy(dst, src) -> dst, the NUL copied too. The source is measured
 * first, so a source that runs off RAM writes nothing.
 * Cost: KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS per byte copied. */
void km_strcpy(struct km_call *c)
{
	uint64_t dst = c->a[0], src = c->a[1], n = 0;
	for (;; n++) {
		int x = byte_at(c, src + n, "source string");
		if (x < 0)
			return;
		if (!x)
			break;
	}
	n++; /* the NUL */
	km_charge(c, KM_COST_CALL_NS + KM_COST_STR_PER_BYTE_NS * n);
	uint8_t *d = km_ptr(c->km, dst, n);
	if (!d) {
		km_fail(c, "bad destination 0x%llx (%llu bytes are not all guest RAM)",
		        (unsigned long long)dst, (unsigned long long)n);
		return;
	}
	memmove(d, km_ptr(c->km, src, n), n);
}
