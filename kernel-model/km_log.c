/*
 * kernel-model/km_log.c — the kernel log (what printk writes), kept in
 * order with each line's simulated time and cpu.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "util/grow.h"
#include "util/ser.h"

struct km_logbuf {
	struct km_log_line *lines;
	size_t n, cap;
	size_t dropped;
};

int km_log_init(struct km *km)
{
	km->log = calloc(1, sizeof *km->log);
	return km->log ? 0 : -1;
}

void km_log_fini(struct km *km)
{
	if (!km->log)
		return;
	for (size_t i = 0; i < km->log->n; i++)
		free((char *)km->log->lines[i].text);
	free(km->log->lines);
	free(km->log);
	km->log = NULL;
}

void km_log(struct km *km, unsigned cpu, uint64_t time_ns, int level, const char *text)
{
	struct km_logbuf *b = km->log;
	if (b->n >= KM_LOG_MAX_LINES) {
		b->dropped++;
		return;
	}
	if (util_grow((void **)&b->lines, &b->cap, b->n, sizeof *b->lines, 64)) {
		b->dropped++;
		return;
	}
	char *t = strdup(text);
	if (!t) {
		b->dropped++;
		return;
	}
	b->lines[b->n++] = (struct km_log_line){time_ns, cpu, level, t};
}

size_t km_log_count(const struct km *km)
{
	return km->log->n;
}

const struct km_log_line *km_log_get(const struct km *km, size_t i)
{
	return i < km->log->n ? &km->log->lines[i] : NULL;
}

/* ---- boot snapshots ---------------------------------------------------- */

void km_log_save(const struct km *km, struct ser_w *w)
{
	const struct km_logbuf *b = km->log;
	ser_tag(w, "log ");
	ser_put_u64(w, b->dropped);
	ser_put_u64(w, b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct km_log_line l = b->lines[i];
		ser_put_str(w, l.text);
		l.text = NULL;
		ser_put(w, &l, sizeof l);
	}
}

int km_log_load(struct km *km, struct ser_r *r)
{
	struct km_logbuf *b = km->log;
	ser_expect(r, "log ");
	size_t dropped = ser_get_u64(r);
	size_t n = ser_get_count(r, KM_LOG_MAX_LINES, "log lines");
	struct km_log_line *lines = n ? calloc(n, sizeof *lines) : NULL;
	if (n && !lines)
		ser_r_fail(r, "log: out of memory");
	for (size_t i = 0; lines && i < n; i++) {
		char *t = ser_get_str(r);
		ser_get(r, &lines[i], sizeof lines[i]);
		lines[i].text = t ? t : strdup("");
		if (!lines[i].text)
			ser_r_fail(r, "log: out of memory");
	}
	if (ser_r_failed(r)) {
		for (size_t i = 0; lines && i < n; i++)
			free((char *)lines[i].text);
		free(lines);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++)
		free((char *)b->lines[i].text);
	free(b->lines);
	b->lines = lines;
	b->n = b->cap = n;
	b->dropped = dropped;
	return 0;
}
