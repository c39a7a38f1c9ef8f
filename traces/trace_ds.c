/*
 * ldomsim — trace loader: $.ds, the domain-service messages, and their check
 * against the protocol (ds/ds.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"
#include "traces/trace_internal.h"

static enum trace_status load_ds_msg(struct trace_ld *ld, json_t *e, const char *p,
                                     struct trace_ds_msg *m)
{
	static const char *const k_init_req[] = {"t_ns",  "dir", "type", "major",
	                                         "minor", "raw", NULL};
	static const char *const k_init_ack[] = {"t_ns", "dir", "type", "minor", "raw", NULL};
	static const char *const k_init_nack[] = {"t_ns", "dir", "type", "major", "raw", NULL};
	static const char *const k_reg_req[] = {"t_ns",  "dir",     "type", "handle", "major",
	                                        "minor", "service", "raw",  NULL};
	static const char *const k_reg_ack[] = {"t_ns",  "dir", "type", "handle",
	                                        "minor", "raw", NULL};
	static const char *const k_reg_nack[] = {"t_ns",  "dir", "type", "handle",
	                                         "major", "raw", NULL};
	static const char *const k_unreg[] = {"t_ns", "dir", "type", "handle", "raw", NULL};
	static const char *const k_nack[] = {"t_ns",   "dir", "type", "handle",
	                                     "result", "raw", NULL};
	static const char *const k_md_req[] = {"t_ns",    "dir",     "type", "handle",
	                                       "service", "req_num", "raw",  NULL};
	static const char *const k_md_res[] = {"t_ns",    "dir",    "type", "handle", "service",
	                                       "req_num", "result", "raw",  NULL};
	static const char *const k_dr_req[] = {"t_ns",    "dir", "type", "handle", "service",
	                                       "req_num", "req", "cpus", "raw",    NULL};
	static const char *const k_dr_res[] = {"t_ns",    "dir",  "type",    "handle", "service",
	                                       "req_num", "resp", "entries", "raw",    NULL};
	static const char *const k_entry[] = {"cpu", "result", "stat", NULL};
	const char *dir, *type, *svc;
	enum trace_status st;
	uint32_t ty;
	uint64_t x;
	char q[MAX_PATH_TEXT];
	json_t *raw;

	if ((st = trace__want_object(ld, e, p)) ||
	    (st = trace__get_str(ld, e, p, "dir", 16, &dir)) ||
	    (st = trace__get_str(ld, e, p, "type", 16, &type)) ||
	    (st = trace__get_opt_t(ld, e, p, &m->has_t_ns, &m->t_ns)))
		return st;
	trace__join(q, p, "dir");
	if (!strcmp(dir, "to-guest"))
		m->dir = TRACE_DS_TO_GUEST;
	else if (!strcmp(dir, "from-guest"))
		m->dir = TRACE_DS_FROM_GUEST;
	else
		return FAIL(ld, TRACE_ERR_NAME, q,
		            "expected \"to-guest\" or \"from-guest\", got \"%s\"", dir);
	for (ty = 0; trace_ds_type_name(ty); ty++)
		if (!strcmp(trace_ds_type_name(ty), type))
			break;
	trace__join(q, p, "type");
	if (!trace_ds_type_name(ty))
		return FAIL(ld, TRACE_ERR_NAME, q, "unknown DS message type \"%s\"", type);
	m->type = (enum trace_ds_type)ty;

	switch (m->type) {
	case TRACE_DS_INIT_REQ:
		if ((st = trace__check_keys(ld, e, p, k_init_req)) ||
		    (st = trace__get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		if ((st = trace__get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_INIT_ACK:
		if ((st = trace__check_keys(ld, e, p, k_init_ack)) ||
		    (st = trace__get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_INIT_NACK:
		if ((st = trace__check_keys(ld, e, p, k_init_nack)) ||
		    (st = trace__get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		break;
	case TRACE_DS_REG_REQ:
		if ((st = trace__check_keys(ld, e, p, k_reg_req)) ||
		    (st = trace__get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = trace__get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		if ((st = trace__get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)) ||
		    (st = trace__get_str(ld, e, p, "service", TRACE_DS_SERVICE_MAX - 1, &svc)))
			return st;
		m->minor = (uint16_t)x;
		strcpy(m->service, svc);
		break;
	case TRACE_DS_REG_ACK:
		if ((st = trace__check_keys(ld, e, p, k_reg_ack)) ||
		    (st = trace__get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = trace__get_uint(ld, e, p, "minor", 0, UINT16_MAX, &x)))
			return st;
		m->minor = (uint16_t)x;
		break;
	case TRACE_DS_REG_NACK:
		if ((st = trace__check_keys(ld, e, p, k_reg_nack)) ||
		    (st = trace__get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = trace__get_uint(ld, e, p, "major", 0, UINT16_MAX, &x)))
			return st;
		m->major = (uint16_t)x;
		break;
	case TRACE_DS_UNREG_REQ:
	case TRACE_DS_UNREG_ACK:
	case TRACE_DS_UNREG_NACK:
		if ((st = trace__check_keys(ld, e, p, k_unreg)) ||
		    (st = trace__get_reg(ld, e, p, "handle", &m->handle)))
			return st;
		break;
	case TRACE_DS_NACK:
		if ((st = trace__check_keys(ld, e, p, k_nack)) ||
		    (st = trace__get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = trace__get_uint(ld, e, p, "result", 0, UINT32_MAX, &x)))
			return st;
		m->result = (uint32_t)x;
		break;
	case TRACE_DS_DATA:
		if ((st = trace__get_reg(ld, e, p, "handle", &m->handle)) ||
		    (st = trace__get_str(ld, e, p, "service", TRACE_DS_SERVICE_MAX - 1, &svc)) ||
		    (st = trace__get_uint(ld, e, p, "req_num", 0, INT64_MAX, &m->req_num)))
			return st;
		strcpy(m->service, svc);
		trace__join(q, p, "service");
		if (!strcmp(svc, "md-update")) {
			if (m->dir == TRACE_DS_TO_GUEST)
				st = trace__check_keys(ld, e, p, k_md_req);
			else if (!(st = trace__check_keys(ld, e, p, k_md_res)) &&
			         !(st = trace__get_uint(ld, e, p, "result", 0, UINT32_MAX, &x)))
				m->result = (uint32_t)x;
			if (st)
				return st;
		} else if (!strcmp(svc, "dr-cpu")) {
			static const char *const reqs[] = {"configure", "unconfigure",
			                                   "force-unconfigure", "status"};
			static const uint32_t req_types[] = {
			    TRACE_DR_CONFIGURE, TRACE_DR_UNCONFIGURE, TRACE_DR_FORCE_UNCONFIGURE,
			    TRACE_DR_STATUS};
			const char *r;

			if (m->dir == TRACE_DS_TO_GUEST) {
				uint32_t *cpus;
				size_t k;

				if ((st = trace__check_keys(ld, e, p, k_dr_req)) ||
				    (st = trace__get_str(ld, e, p, "req", 32, &r)))
					return st;
				for (k = 0; k < 4; k++)
					if (!strcmp(reqs[k], r))
						break;
				trace__join(q, p, "req");
				if (k == 4)
					return FAIL(ld, TRACE_ERR_NAME, q,
					            "unknown dr-cpu request \"%s\" (configure, "
					            "unconfigure, force-unconfigure, status)",
					            r);
				m->dr_type = req_types[k];
				if ((st = trace__get_cpus(ld, e, p, "cpus", 0, &cpus, &m->ncpus)))
					return st;
				m->cpus = cpus;
			} else {
				json_t *ents;
				struct trace_dr_entry *ev;
				char ep[MAX_PATH_TEXT], eq[MAX_PATH_TEXT];

				if ((st = trace__check_keys(ld, e, p, k_dr_res)) ||
				    (st = trace__get_str(ld, e, p, "resp", 16, &r)))
					return st;
				trace__join(q, p, "resp");
				if (!strcmp(r, "ok"))
					m->dr_type = TRACE_DR_OK;
				else if (!strcmp(r, "error"))
					m->dr_type = TRACE_DR_ERROR;
				else
					return FAIL(ld, TRACE_ERR_NAME, q,
					            "expected \"ok\" or \"error\", got \"%s\"", r);
				trace__join(ep, p, "entries");
				if ((st = trace__field(ld, e, p, "entries", 1, &ents)) ||
				    (st = trace__want_array(ld, ents, ep)))
					return st;
				if (json_array_size(ents) > TRACE_MAX_CPUS)
					return FAIL(ld, TRACE_ERR_RANGE, ep, "more than %u entries",
					            TRACE_MAX_CPUS);
				ev = calloc(json_array_size(ents) + 1, sizeof(*ev));
				if (!ev)
					return FAIL(ld, TRACE_ERR_NOMEM, ep, "out of memory");
				m->entries = ev;
				m->nentries = (uint32_t)json_array_size(ents);
				for (size_t k = 0; k < m->nentries; k++) {
					json_t *en = json_array_get(ents, k);

					trace__index_path(eq, ep, k);
					if ((st = trace__want_object(ld, en, eq)) ||
					    (st = trace__check_keys(ld, en, eq, k_entry)) ||
					    (st = trace__get_u32(ld, en, eq, "cpu", 0,
					                         ld->t->machine.max_cpus - 1,
					                         &ev[k].cpu)) ||
					    (st = trace__get_u32(ld, en, eq, "result", 0, 4,
					                         &ev[k].result)) ||
					    (st = trace__get_u32(ld, en, eq, "stat", 0, 2,
					                         &ev[k].stat)))
						return st;
				}
			}
		} else {
			return FAIL(ld, TRACE_ERR_NAME, q,
			            "DATA of service \"%s\" is not part of trace format %d.%d "
			            "(md-update, dr-cpu)",
			            svc, TRACE_VERSION_MAJOR, TRACE_VERSION_MINOR);
		}
		break;
	}

	raw = json_object_get(e, "raw");
	if (raw) {
		uint8_t *b, *enc;
		size_t blen, elen;
		int rc;

		trace__join(q, p, "raw");
		if (!json_is_string(raw))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected a hex string");
		rc = trace_hex_decode(json_string_value(raw), &b, &blen);
		if (rc == -2)
			return FAIL(ld, TRACE_ERR_NOMEM, q, "out of memory");
		if (rc)
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected an even number of hex digits");
		m->raw = b;
		m->raw_len = blen;
		if ((st = trace_ds_encode(m, &enc, &elen)))
			return FAIL(ld, st, q, "cannot encode the message");
		if (elen != blen || memcmp(enc, b, blen)) {
			size_t at = 0;

			while (at < elen && at < blen && enc[at] == b[at])
				at++;
			free(enc);
			return FAIL(
			    ld, TRACE_ERR_CONSISTENCY, q,
			    "raw bytes (%zu) disagree with the structured fields (%zu bytes) "
			    "at byte %zu",
			    blen, elen, at);
		}
		free(enc);
	}
	return TRACE_OK;
}

/* The DS log as the protocol validator (ds/) sees it; *pool holds the
 * replies' cpus (the caller frees both). */
static struct ds_log_msg *ds_log(const struct trace *t, uint32_t **pool)
{
	struct ds_log_msg *log = calloc(t->nds + 1, sizeof *log);
	size_t total = 0, used = 0;

	for (size_t i = 0; i < t->nds; i++)
		total += t->ds[i].nentries;
	*pool = malloc((total + 1) * sizeof **pool);
	if (!log || !*pool) {
		free(log);
		free(*pool);
		*pool = NULL;
		return NULL;
	}
	for (size_t i = 0; i < t->nds; i++) {
		const struct trace_ds_msg *m = &t->ds[i];
		struct ds_log_msg *d = &log[i];

		*d = (struct ds_log_msg){.to_guest = m->dir == TRACE_DS_TO_GUEST,
		                         .type = (uint32_t)m->type,
		                         .handle = m->handle,
		                         .service = m->service,
		                         .req_num = m->req_num,
		                         .dr_type = m->dr_type,
		                         .cpus = m->cpus,
		                         .ncpus = m->ncpus};
		if (m->entries) {
			d->cpus = *pool + used;
			d->ncpus = m->nentries;
			for (uint32_t k = 0; k < m->nentries; k++)
				(*pool)[used++] = m->entries[k].cpu;
		}
	}
	return log;
}

/* A validator finding as the trace reader's status. */
static enum trace_status ds_status(int rc)
{
	switch (rc) {
	case DS_ERR_NOMEM:
		return TRACE_ERR_NOMEM;
	case DS_CHECK_UNREGISTERED:
	case DS_CHECK_NO_REPLY:
	case DS_CHECK_UNANSWERED:
		return TRACE_ERR_REF;
	default:
		return TRACE_ERR_CONSISTENCY;
	}
}

/* cpu k of reply r to request m moves the scenario's present cpus. */
static enum trace_status check_entry(struct trace_ld *ld, const struct trace_ds_msg *m,
                                     const struct trace_ds_msg *r, size_t k, const char *p,
                                     uint8_t *online)
{
	const struct trace_dr_entry *en = &r->entries[k];
	const struct trace *t = ld->t;
	char q[MAX_PATH_TEXT + 32];

	snprintf(q, sizeof(q), "%s.entries[%zu]", p, k);
	if (m->dr_type == TRACE_DR_CONFIGURE && en->result == 0) {
		if (online[en->cpu] || en->stat != 2)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q, "cpu %u configured OK but it %s",
			            en->cpu,
			            online[en->cpu] ? "is already present"
			                            : "has a stat other than CONFIGURED (2)");
		online[en->cpu] = 1;
	} else if (m->dr_type != TRACE_DR_CONFIGURE && en->result == 0) {
		if (!online[en->cpu] || en->stat != 1 || en->cpu == t->ds_strand)
			return FAIL(ld, TRACE_ERR_CONSISTENCY, q,
			            "cpu %u unconfigured OK but it %s", en->cpu,
			            !online[en->cpu] ? "is not present"
			            : en->cpu == t->ds_strand
			                ? "runs the DS service (ds_strand)"
			                : "has a stat other than UNCONFIGURED (1)");
		online[en->cpu] = 0;
	}
	return TRACE_OK;
}

/* Check the DS log against the protocol (ds/'s validator) and the scenario
 * against the DS log: each request carries the next operation, its reply
 * moves the present cpus. */
enum trace_status trace__check_ds(struct trace_ld *ld)
{
	struct trace *t = ld->t;
	size_t nreq = 0, at;
	enum trace_status st = TRACE_OK;
	char p[MAX_PATH_TEXT], why[300];
	uint8_t *online = calloc(t->machine.max_cpus, 1);
	uint32_t *pool = NULL;
	struct ds_log_msg *log = ds_log(t, &pool);
	struct ds_check *c = NULL;
	int rc;

	if (!online || !log || ds_check_create(log, t->nds, &c)) {
		st = FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->npresent; i++)
		online[t->present[i]] = 1;
	for (size_t i = 0; i < t->nds; i++) {
		struct trace_ds_msg *m = &t->ds[i];
		const struct trace_op *op;
		size_t j, bad;
		int is_md = !strcmp(m->service, "md-update");

		t->ds_reply[i] = SIZE_MAX;
		trace__index_path(p, "$.ds", i);
		if ((rc = ds_check_msg(c, i, why, sizeof why))) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		if (m->type != TRACE_DS_DATA || m->dir != TRACE_DS_TO_GUEST)
			continue;

		/* A request: its op, then its reply. */
		if (nreq >= t->nops) {
			st = FAIL(ld, TRACE_ERR_REF, p,
			          "request req_num %llu has no operation in $.scenario.ops",
			          (unsigned long long)m->req_num);
			goto out;
		}
		op = &t->ops[nreq];
		if (op->req_num != m->req_num || is_md != (op->kind == TRACE_OP_MD_UPDATE)) {
			st = FAIL(ld, TRACE_ERR_CONSISTENCY, p,
			          "%s request req_num %llu does not match $.scenario.ops[%zu] "
			          "(%s, req_num %llu)",
			          m->service, (unsigned long long)m->req_num, nreq,
			          trace__op_names[op->kind], (unsigned long long)op->req_num);
			goto out;
		}
		if (!is_md) {
			static const uint32_t kind_type[] = {
			    0, TRACE_DR_CONFIGURE, TRACE_DR_UNCONFIGURE, TRACE_DR_FORCE_UNCONFIGURE,
			    TRACE_DR_STATUS};

			if (kind_type[op->kind] != m->dr_type || op->ncpus != m->ncpus ||
			    (m->ncpus && memcmp(op->cpus, m->cpus, m->ncpus * sizeof(uint32_t)))) {
				st = FAIL(ld, TRACE_ERR_CONSISTENCY, p,
				          "dr-cpu request (type or cpu list) differs from "
				          "$.scenario.ops[%zu]",
				          nreq);
				goto out;
			}
		}
		t->op_request[nreq++] = i;
		if ((rc = ds_check_reply(c, i, &j, why, sizeof why))) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		t->ds_reply[i] = j;
		if (is_md)
			continue;
		trace__index_path(p, "$.ds", j);
		rc = ds_check_dr_reply(c, i, &bad, why, sizeof why);
		if (rc && bad == SIZE_MAX) {
			st = FAIL(ld, ds_status(rc), p, "%s", why);
			goto out;
		}
		if (m->dr_type == TRACE_DR_STATUS)
			continue;
		/* Entries in order: the first at fault, the protocol's or the scenario's. */
		for (size_t k = 0; k < t->ds[j].nentries; k++) {
			if (rc && k == bad) {
				char q[MAX_PATH_TEXT + 32];

				snprintf(q, sizeof(q), "%s.entries[%zu]", p, k);
				st = FAIL(ld, ds_status(rc), q, "%s", why);
				goto out;
			}
			if ((st = check_entry(ld, m, &t->ds[j], k, p, online)))
				goto out;
		}
	}
	if (nreq != t->nops) {
		trace__index_path(p, "$.scenario.ops", nreq);
		st = FAIL(ld, TRACE_ERR_REF, p, "no DS request in $.ds carries this operation");
		goto out;
	}
	/* Every DATA from the guest answers one request. */
	if ((rc = ds_check_finish(c, &at, why, sizeof why))) {
		if (rc == DS_ERR_NOMEM) {
			st = FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
			goto out;
		}
		trace__index_path(p, "$.ds", at);
		st = FAIL(ld, ds_status(rc), p, "%s", why);
	}
out:
	ds_check_free(c);
	free(log);
	free(pool);
	free(online);
	return st;
}

enum trace_status trace__load_ds(struct trace_ld *ld, json_t *root)
{
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT];

	if ((st = trace__field(ld, root, "$", "ds", 1, &arr)) ||
	    (st = trace__want_array(ld, arr, "$.ds")))
		return st;
	if (json_array_size(arr) > TRACE_MAX_DS_MSGS)
		return FAIL(ld, TRACE_ERR_RANGE, "$.ds", "more than %u messages",
		            TRACE_MAX_DS_MSGS);
	t->ds = calloc(json_array_size(arr) + 1, sizeof(*t->ds));
	t->ds_reply = calloc(json_array_size(arr) + 1, sizeof(*t->ds_reply));
	if (!t->ds || !t->ds_reply)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.ds", "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		trace__index_path(p, "$.ds", i);
		t->nds = i + 1;
		if ((st = load_ds_msg(ld, json_array_get(arr, i), p, &t->ds[i])))
			return st;
	}
	return TRACE_OK;
}
