/*
 * ds/ds_check.c — the DS protocol validator `trace check` uses (see ds.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"

/* The first REG_REQ of a handle, and whether a REG_ACK followed it. */
struct reg {
	uint64_t handle;
	size_t at;
	int acked;
};

struct ds_check {
	const struct ds_log_msg *log;
	size_t n;
	size_t *reply_of; /* request index -> reply index, SIZE_MAX: none */
	struct reg *regs;
	size_t nregs;
	int init_req, hs_done;
	uint32_t *sorted; /* scratch: a request's distinct cpus */
};

int ds_check_create(const struct ds_log_msg *log, size_t n, struct ds_check **out)
{
	if (!out || (n && !log))
		return DS_ERR_ARG;
	struct ds_check *c = calloc(1, sizeof *c);
	if (!c)
		return DS_ERR_NOMEM;
	c->log = log;
	c->n = n;
	c->reply_of = malloc((n + 1) * sizeof *c->reply_of);
	c->regs = calloc(n + 1, sizeof *c->regs);
	if (!c->reply_of || !c->regs) {
		ds_check_free(c);
		return DS_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		c->reply_of[i] = SIZE_MAX;
	*out = c;
	return DS_OK;
}

void ds_check_free(struct ds_check *c)
{
	if (!c)
		return;
	free(c->reply_of);
	free(c->regs);
	free(c->sorted);
	free(c);
}

static struct reg *reg_of(struct ds_check *c, uint64_t handle)
{
	for (size_t k = 0; k < c->nregs; k++)
		if (c->regs[k].handle == handle)
			return &c->regs[k];
	return NULL;
}

int ds_check_msg(struct ds_check *c, size_t i, char *err, size_t n)
{
	if (!c || i >= c->n)
		return DS_ERR_ARG;
	const struct ds_log_msg *m = &c->log[i];
	if (m->type == DS_INIT_REQ && !m->to_guest)
		c->init_req = 1;
	if (m->type == DS_INIT_ACK && m->to_guest) {
		if (!c->init_req) {
			snprintf(err, n, "INIT_ACK without an earlier INIT_REQ from the guest");
			return DS_CHECK_ORDER;
		}
		c->hs_done = 1;
	}
	if ((m->type == DS_REG_REQ || m->type == DS_DATA) && !c->hs_done) {
		snprintf(err, n, "%s before the handshake (INIT_REQ, INIT_ACK) completed",
		         ds_type_name(m->type));
		return DS_CHECK_ORDER;
	}
	struct reg *r = reg_of(c, m->handle);
	if (m->type == DS_REG_REQ && !r)
		c->regs[c->nregs++] = (struct reg){m->handle, i, 0};
	if (m->type == DS_REG_ACK && r)
		r->acked = 1;
	if (m->type != DS_DATA)
		return DS_OK;
	if (!r || !r->acked) {
		snprintf(err, n,
		         "DATA on handle 0x%llx, which no earlier REG_REQ + REG_ACK registered",
		         (unsigned long long)m->handle);
		return DS_CHECK_UNREGISTERED;
	}
	const char *svc = c->log[r->at].service;
	if (strcmp(svc ? svc : "", m->service ? m->service : "")) {
		snprintf(err, n,
		         "service \"%s\" but handle 0x%llx was registered for \"%s\" at $.ds[%zu]",
		         m->service ? m->service : "", (unsigned long long)m->handle,
		         svc ? svc : "", r->at);
		return DS_CHECK_MISMATCH;
	}
	return DS_OK;
}

int ds_check_reply(struct ds_check *c, size_t i, size_t *reply, char *err, size_t n)
{
	if (!c || i >= c->n || !reply)
		return DS_ERR_ARG;
	const struct ds_log_msg *m = &c->log[i];
	for (size_t j = i + 1; j < c->n; j++) {
		const struct ds_log_msg *r = &c->log[j];
		if (r->type == DS_DATA && !r->to_guest && r->handle == m->handle &&
		    r->req_num == m->req_num) {
			c->reply_of[i] = j;
			*reply = j;
			return DS_OK;
		}
	}
	snprintf(err, n, "no reply from the guest with req_num %llu follows this request",
	         (unsigned long long)m->req_num);
	return DS_CHECK_NO_REPLY;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int ds_check_dr_reply(struct ds_check *c, size_t i, size_t *entry, char *err, size_t n)
{
	if (!c || i >= c->n || c->reply_of[i] == SIZE_MAX || !entry)
		return DS_ERR_ARG;
	const struct ds_log_msg *m = &c->log[i], *r = &c->log[c->reply_of[i]];
	*entry = SIZE_MAX;
	if (m->dr_type == DS_DR_STATUS) {
		if (r->dr_type != DS_DR_ERROR || r->ncpus) {
			snprintf(err, n,
			         "the guest answers a status request with an \"error\" reply "
			         "without entries");
			return DS_CHECK_MISMATCH;
		}
		return DS_OK;
	}
	/* Expected records: the request's cpus, sorted, without duplicates. */
	uint32_t *s = realloc(c->sorted, ((size_t)m->ncpus + 1) * sizeof *s);
	if (!s) {
		snprintf(err, n, "out of memory");
		return DS_ERR_NOMEM;
	}
	c->sorted = s;
	size_t ns = 0;
	if (m->ncpus)
		memcpy(s, m->cpus, m->ncpus * sizeof *s);
	qsort(s, m->ncpus, sizeof *s, cmp_u32);
	for (size_t k = 0; k < m->ncpus; k++)
		if (!ns || s[ns - 1] != s[k])
			s[ns++] = s[k];
	if (r->dr_type != DS_DR_OK || r->ncpus != ns) {
		snprintf(
		    err, n,
		    "expected an \"ok\" reply with %zu entries (one per distinct requested cpu), "
		    "got %s with %u",
		    ns, r->dr_type == DS_DR_OK ? "ok" : "error", r->ncpus);
		return DS_CHECK_MISMATCH;
	}
	for (size_t k = 0; k < ns; k++)
		if (r->cpus[k] != s[k]) {
			*entry = k;
			snprintf(
			    err, n,
			    "cpu %u, expected %u (entries follow the request's cpus in ascending "
			    "order)",
			    r->cpus[k], s[k]);
			return DS_CHECK_MISMATCH;
		}
	return DS_OK;
}

int ds_check_finish(struct ds_check *c, size_t *at, char *err, size_t n)
{
	if (!c || !at)
		return DS_ERR_ARG;
	uint8_t *answered = calloc(c->n + 1, 1);
	if (!answered)
		return DS_ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++)
		if (c->reply_of[i] != SIZE_MAX)
			answered[c->reply_of[i]] = 1;
	int rc = DS_OK;
	for (size_t j = 0; j < c->n && !rc; j++)
		if (c->log[j].type == DS_DATA && !c->log[j].to_guest && !answered[j]) {
			*at = j;
			snprintf(err, n,
			         "reply with req_num %llu answers no earlier request on its handle",
			         (unsigned long long)c->log[j].req_num);
			rc = DS_CHECK_UNANSWERED;
		}
	free(answered);
	return rc;
}
