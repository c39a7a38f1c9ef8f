/*
 * util/ser.h — the byte stream a boot snapshot is made of (issue 14): a
 * growing writer and a bounds-checked reader. Values are the host's own
 * bytes (endianness, struct layout): a snapshot is only ever read by the
 * binary that wrote it, which its key names by hash. Each module writes
 * its state between a tag of its own, so a reader that drifts from the
 * writer stops at the first tag instead of loading garbage.
 *
 * Errors are sticky: after the first failure (out of memory; a read past
 * the end, a tag or count that does not match) every further call does
 * nothing, and ser_w_failed/ser_r_failed say so once at the end. A failed
 * read zero-fills what it was asked for.
 */
#ifndef LDOMSIM_UTIL_SER_H
#define LDOMSIM_UTIL_SER_H

#include <stddef.h>
#include <stdint.h>

struct ser_w {
	uint8_t *buf;
	size_t len, cap;
	int failed; /* out of memory */
};

struct ser_r {
	const uint8_t *p;
	size_t len, off;
	char why[160]; /* "" while the stream reads well */
};

void ser_put(struct ser_w *w, const void *p, size_t n);
void ser_put_u64(struct ser_w *w, uint64_t v);
/* A section: a 4-character name ("km  ", "hv  "). */
void ser_tag(struct ser_w *w, const char tag[4]);
/* A count, then n elements of elem bytes. */
void ser_put_array(struct ser_w *w, const void *p, size_t n, size_t elem);
/* A string of any length (NULL: a distinct empty marker). */
void ser_put_str(struct ser_w *w, const char *s);
int ser_w_failed(const struct ser_w *w);
void ser_w_free(struct ser_w *w); /* the buffer; the struct is the caller's */

void ser_r_init(struct ser_r *r, const void *p, size_t len);
void ser_get(struct ser_r *r, void *p, size_t n);
uint64_t ser_get_u64(struct ser_r *r);
/* The tag that must come next; a mismatch fails the stream naming both. */
void ser_expect(struct ser_r *r, const char tag[4]);
/* A count written by ser_put_array that must be at most max: the count, or
 * 0 (failed) when larger. what names it in the failure. */
size_t ser_get_count(struct ser_r *r, size_t max, const char *what);
/* ser_put_array's elements into a new allocation of *n elements (NULL
 * when none, or failed); at most max. */
void *ser_get_array(struct ser_r *r, size_t *n, size_t elem, size_t max, const char *what);
/* Exactly n elements (the count must equal n) into p. */
void ser_get_fixed(struct ser_r *r, void *p, size_t n, size_t elem, const char *what);
/* A string into a new allocation (NULL for ser_put_str(NULL), or failed). */
char *ser_get_str(struct ser_r *r);
/* Fail the stream with a reason (the first one stays). */
void ser_r_fail(struct ser_r *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ser_r_failed(const struct ser_r *r);

#endif
