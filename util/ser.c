/*
 * util/ser.c — the snapshot byte stream (ser.h).
 */
#include "util/ser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SER_NULL_STR UINT64_MAX /* ser_put_str(NULL)'s length */

void ser_put(struct ser_w *w, const void *p, size_t n)
{
	if (w->failed || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *b = realloc(w->buf, cap);
		if (!b) {
			w->failed = 1;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void ser_put_u64(struct ser_w *w, uint64_t v)
{
	ser_put(w, &v, sizeof v);
}

void ser_tag(struct ser_w *w, const char tag[4])
{
	ser_put(w, tag, 4);
}

void ser_put_array(struct ser_w *w, const void *p, size_t n, size_t elem)
{
	ser_put_u64(w, n);
	ser_put(w, p, n * elem);
}

void ser_put_str(struct ser_w *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	ser_put_u64(w, s ? n : SER_NULL_STR);
	ser_put(w, s, n);
}

int ser_w_failed(const struct ser_w *w)
{
	return w->failed;
}

void ser_w_free(struct ser_w *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void ser_r_init(struct ser_r *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->why[0] = 0;
}

void ser_r_fail(struct ser_r *r, const char *fmt, ...)
{
	if (r->why[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	if (!r->why[0])
		snprintf(r->why, sizeof r->why, "unreadable");
}

int ser_r_failed(const struct ser_r *r)
{
	return r->why[0] != 0;
}

void ser_get(struct ser_r *r, void *p, size_t n)
{
	if (!r->why[0] && n > r->len - r->off)
		ser_r_fail(r, "ends at byte %zu, %zu more wanted", r->len, n);
	if (r->why[0]) {
		if (p)
			memset(p, 0, n);
		return;
	}
	if (p)
		memcpy(p, r->p + r->off, n);
	r->off += n;
}

uint64_t ser_get_u64(struct ser_r *r)
{
	uint64_t v;
	ser_get(r, &v, sizeof v);
	return v;
}

void ser_expect(struct ser_r *r, const char tag[4])
{
	char got[4];
	size_t at = r->off;
	ser_get(r, got, 4);
	if (!r->why[0] && memcmp(got, tag, 4))
		ser_r_fail(r, "byte %zu: section '%.4s' expected, '%.4s' found", at, tag, got);
}

size_t ser_get_count(struct ser_r *r, size_t max, const char *what)
{
	uint64_t n = ser_get_u64(r);
	if (!r->why[0] && n > max)
		ser_r_fail(r, "%s: %llu elements, at most %zu", what, (unsigned long long)n, max);
	return r->why[0] ? 0 : (size_t)n;
}

void *ser_get_array(struct ser_r *r, size_t *n, size_t elem, size_t max, const char *what)
{
	*n = ser_get_count(r, max, what);
	if (!*n || r->why[0])
		return NULL;
	if (*n * elem > r->len - r->off) {
		ser_r_fail(r, "%s: %zu elements past the end", what, *n);
		*n = 0;
		return NULL;
	}
	void *p = malloc(*n * elem);
	if (!p) {
		ser_r_fail(r, "%s: out of memory", what);
		*n = 0;
		return NULL;
	}
	ser_get(r, p, *n * elem);
	return p;
}

void ser_get_fixed(struct ser_r *r, void *p, size_t n, size_t elem, const char *what)
{
	uint64_t got = ser_get_u64(r);
	if (!r->why[0] && got != n)
		ser_r_fail(r, "%s: %llu elements, %zu expected", what, (unsigned long long)got, n);
	ser_get(r, p, n * elem);
}

char *ser_get_str(struct ser_r *r)
{
	uint64_t n = ser_get_u64(r);
	if (r->why[0] || n == SER_NULL_STR)
		return NULL;
	if (n > r->len - r->off) {
		ser_r_fail(r, "a string of %llu bytes past the end", (unsigned long long)n);
		return NULL;
	}
	char *s = malloc(n + 1);
	if (!s) {
		ser_r_fail(r, "out of memory");
		return NULL;
	}
	ser_get(r, s, n);
	s[n] = 0;
	return s;
}
