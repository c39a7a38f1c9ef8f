/*
 * ds/ds_peer.c — the control domain's side of the DS channel (see ds.h).
 * The peer registers every service the guest offers and answers the
 * handshake; what it does with the guest's DATA is its owner's business.
 */
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"
#include "sim/eventq.h"
#include "util/ser.h"

struct service {
	char name[DS_SERVICE_MAX];
	uint64_t handle;
};

struct ds_peer {
	struct sim_eventq *q;
	struct ds_peer_ops ops;
	uint64_t latency_ns;
	struct service svc[DS_PEER_SERVICES];
	size_t nsvc;
	int error;
};

/* An answer on its way to the guest (the queue's context, owned by it). */
struct answer {
	struct ds_peer *p;
	uint64_t t_ns;
	uint8_t *bytes;
	size_t len;
};

int ds_peer_create(struct sim_eventq *q, const struct ds_peer_ops *ops, uint64_t latency_ns,
                   struct ds_peer **out)
{
	if (!q || !ops || !ops->to_guest || !out)
		return DS_ERR_ARG;
	struct ds_peer *p = calloc(1, sizeof *p);
	if (!p)
		return DS_ERR_NOMEM;
	p->q = q;
	p->ops = *ops;
	p->latency_ns = latency_ns;
	*out = p;
	return DS_OK;
}

void ds_peer_free(struct ds_peer *p)
{
	free(p);
}

int ds_peer_error(const struct ds_peer *p)
{
	return p ? p->error : DS_ERR_ARG;
}

static void answer_drop(void *ctx)
{
	struct answer *a = ctx;
	free(a->bytes);
	free(a);
}

static int answer_due(void *ctx, uint64_t when_ps)
{
	struct answer *a = ctx;
	int rc = a->p->ops.to_guest(a->p->ops.ctx, a->t_ns, a->bytes, a->len);
	answer_drop(a);
	return rc;
}

/* Schedule m for the guest latency_ns after t_ns. */
static void answer(struct ds_peer *p, uint64_t t_ns, const struct ds_msg *m)
{
	struct answer *a = calloc(1, sizeof *a);
	int rc = a ? ds_encode(m, &a->bytes, &a->len) : DS_ERR_NOMEM;
	if (!rc && sim_eventq_pending(p->q) >= DS_PEER_QUEUE)
		rc = DS_ERR_FULL;
	if (!rc) {
		a->p = p;
		a->t_ns = t_ns + p->latency_ns;
		if (sim_eventq_schedule_owned(p->q, a->t_ns * 1000, 0, answer_due, a, answer_drop))
			rc = DS_ERR_FULL;
	}
	if (rc) {
		if (a)
			answer_drop(a);
		if (!p->error)
			p->error = rc;
	}
}

static const struct service *by_handle(const struct ds_peer *p, uint64_t h)
{
	for (size_t i = 0; i < p->nsvc; i++)
		if (p->svc[i].handle == h)
			return &p->svc[i];
	return NULL;
}

static const struct service *by_name(const struct ds_peer *p, const char *name)
{
	for (size_t i = 0; name && i < p->nsvc; i++)
		if (!strcmp(p->svc[i].name, name))
			return &p->svc[i];
	return NULL;
}

/* The guest's DATA: decoded as the reply of its service when it is one. */
static void data(struct ds_peer *p, uint64_t t_ns, const struct ds_msg *m, const uint8_t *b,
                 size_t len)
{
	const struct service *s = by_handle(p, m->handle);
	struct ds_peer_data d = {.t_ns = t_ns,
	                         .handle = m->handle,
	                         .service = s ? s->name : NULL,
	                         .bytes = b,
	                         .len = len};
	if (s && !strcmp(s->name, "dr-cpu")) {
		/* A short reply keeps its header and the records that fit. */
		int rc = ds_dr_cpu_decode(m->payload, m->payload_len, 1, &d.dr, NULL, 0);
		if (rc == DS_OK || rc == DS_ERR_RECORDS || rc == DS_ERR_LONG) {
			d.has_reply = 1;
			d.req_num = d.dr.req_num;
			d.type = d.dr.type;
		}
	} else if (s && !strcmp(s->name, "md-update")) {
		struct ds_md_update u;
		int rc = ds_md_update_decode(m->payload, m->payload_len, 1, &u, NULL, 0);
		if (rc == DS_OK || rc == DS_ERR_LONG) {
			d.has_reply = 1;
			d.req_num = u.req_num;
			d.type = u.result;
		}
	}
	if (p->ops.data)
		p->ops.data(p->ops.ctx, &d);
}

void ds_peer_guest_wrote(struct ds_peer *p, uint64_t t_ns, const uint8_t *b, size_t len)
{
	struct ds_msg in, ans = {0};
	if (!p || ds_decode(b, len, &in, NULL, 0))
		return;
	switch (in.type) {
	case DS_INIT_REQ:
		ans.type = DS_INIT_ACK;
		answer(p, t_ns, &ans);
		break;
	case DS_REG_REQ: {
		if (p->nsvc == DS_PEER_SERVICES)
			break;
		struct service *s = &p->svc[p->nsvc++];
		size_t nl = in.name_len < sizeof s->name ? in.name_len : sizeof s->name - 1;
		memcpy(s->name, in.name, nl);
		s->name[nl] = 0;
		s->handle = in.handle;
		ans.type = DS_REG_ACK;
		ans.handle = in.handle;
		answer(p, t_ns, &ans);
		break;
	}
	case DS_DATA:
		data(p, t_ns, &in, b, len);
		break;
	default:
		break;
	}
}

int ds_peer_handle(const struct ds_peer *p, const char *service, uint64_t *handle)
{
	const struct service *s = p ? by_name(p, service) : NULL;
	if (!s)
		return DS_ERR_STATE;
	if (handle)
		*handle = s->handle;
	return DS_OK;
}

int ds_peer_encode_request(const struct ds_peer *p, const char *service, const uint8_t *payload,
                           size_t plen, uint8_t **out, size_t *len)
{
	uint64_t h;
	int rc = ds_peer_handle(p, service, &h);
	return rc ? rc : ds_encode_data(h, payload, plen, out, len);
}

/* ---- boot snapshots ---------------------------------------------------- */

void ds_peer_save(const struct ds_peer *p, struct ser_w *w)
{
	ser_tag(w, "dsp ");
	ser_put_array(w, p->svc, p->nsvc, sizeof p->svc[0]);
	ser_put_u64(w, (uint64_t)p->error);
}

int ds_peer_load(struct ds_peer *p, struct ser_r *r)
{
	ser_expect(r, "dsp ");
	size_t n = ser_get_count(r, DS_PEER_SERVICES, "DS services");
	struct service svc[DS_PEER_SERVICES];
	ser_get(r, svc, n * sizeof svc[0]);
	int error = (int)ser_get_u64(r);
	if (ser_r_failed(r))
		return -1;
	memcpy(p->svc, svc, n * sizeof svc[0]);
	p->nsvc = n;
	p->error = error;
	return 0;
}
