/*
 * ds/ds.c — the DS wire codec (see ds.h). Layouts are Linux 6.1 ds.c's
 * structs including their padding: the tag {u32 type, u32 len}, a u64 handle
 * after it, 16-byte dr-cpu reply records.
 */
#include "ds/ds.h"
#include "util/bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets of the fixed parts (bytes from the start of the message). */
#define OFF_TYPE    0
#define OFF_LEN     4
#define OFF_BODY    8  /* after the tag */
#define OFF_HANDLE  8  /* REG_*, UNREG_*, NACK, DATA */
#define OFF_PAYLOAD 16 /* DATA */
#define OFF_REG_VER 16 /* REG_REQ major, minor; REG_ACK minor; REG_NACK major */
#define OFF_REG_SVC 20 /* REG_REQ: the service name follows minor */
#define OFF_NACK_RS 16 /* NACK: u64 result */

/* Payload offsets (from the start of the DATA payload). */
#define DR_HDR_SIZE  16 /* {u64 req_num, u32 type, u32 num_records} */
#define DR_REC_SIZE  16 /* {u32 cpu, result, stat, str_off} */
#define DR_CPU_SIZE  4
#define MDU_REQ_SIZE 8  /* {u64 req_num} */
#define MDU_REP_MIN  12 /* {u64 req_num, u32 result} */
#define MDU_REP_SIZE 16 /* ... padded to its u64 */

static const char *const type_names[DS_NTYPES] = {
    "INIT_REQ",  "INIT_ACK",  "INIT_NACK",  "REG_REQ", "REG_ACK", "REG_NACK",
    "UNREG_REQ", "UNREG_ACK", "UNREG_NACK", "DATA",    "NACK",
};

const char *ds_type_name(uint32_t type)
{
	return type < DS_NTYPES ? type_names[type] : NULL;
}

const char *ds_strerror(int code)
{
	switch (code) {
	case DS_OK:
		return "ok";
	case DS_ERR_ARG:
		return "invalid argument";
	case DS_ERR_NOMEM:
		return "out of memory";
	case DS_ERR_SHORT:
		return "truncated message";
	case DS_ERR_LONG:
		return "oversized message";
	case DS_ERR_TYPE:
		return "unknown message type";
	case DS_ERR_RECORDS:
		return "fewer records than num_records";
	case DS_ERR_FULL:
		return "table full";
	case DS_ERR_STATE:
		return "out of protocol order";
	}
	return "unknown DS error";
}

static int fail(int code, char *err, size_t n, const char *fmt, ...)
{
	if (err && n) {
		va_list ap;
		int k = snprintf(err, n, "%s: ", ds_strerror(code));
		va_start(ap, fmt);
		if (k >= 0 && (size_t)k < n)
			vsnprintf(err + k, n - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Size of a message of this type with m's variable part (0: unknown type).
 * INIT_* are {tag, u16, u16} padded to 12; REG_ACK/NACK and NACK to 24. */
static size_t msg_size(const struct ds_msg *m)
{
	switch (m->type) {
	case DS_INIT_REQ:
	case DS_INIT_ACK:
	case DS_INIT_NACK:
		return 12;
	case DS_REG_REQ:
		return 24 + m->name_len;
	case DS_REG_ACK:
	case DS_REG_NACK:
	case DS_NACK:
		return 24;
	case DS_UNREG_REQ:
	case DS_UNREG_ACK:
	case DS_UNREG_NACK:
		return 16;
	case DS_DATA:
		return OFF_PAYLOAD + m->payload_len;
	}
	return 0;
}

/* The fixed part a decoded message of this type must hold. */
static size_t min_size(uint32_t type)
{
	switch (type) {
	case DS_INIT_REQ:
	case DS_INIT_ACK:
	case DS_INIT_NACK:
		return 12;
	case DS_REG_REQ:
		return OFF_REG_SVC;
	case DS_REG_ACK:
	case DS_REG_NACK:
	case DS_NACK:
		return 24;
	default:
		return 16;
	}
}

int ds_encode(const struct ds_msg *m, uint8_t **out, size_t *len)
{
	if (!m || !out || !len || (m->name_len && !m->name) || (m->payload_len && !m->payload))
		return DS_ERR_ARG;
	size_t n = msg_size(m);
	if (!n)
		return DS_ERR_TYPE;
	if (n - DS_TAG_SIZE > UINT32_MAX)
		return DS_ERR_ARG;
	uint8_t *b = calloc(1, n);
	if (!b)
		return DS_ERR_NOMEM;
	util_put_be32(b + OFF_TYPE, m->type);
	util_put_be32(b + OFF_LEN, (uint32_t)(n - DS_TAG_SIZE));
	switch (m->type) {
	case DS_INIT_REQ:
		util_put_be16(b + OFF_BODY, m->major);
		util_put_be16(b + OFF_BODY + 2, m->minor);
		break;
	case DS_INIT_ACK:
		util_put_be16(b + OFF_BODY, m->minor);
		break;
	case DS_INIT_NACK:
		util_put_be16(b + OFF_BODY, m->major);
		break;
	case DS_REG_REQ:
		util_put_be64(b + OFF_HANDLE, m->handle);
		util_put_be16(b + OFF_REG_VER, m->major);
		util_put_be16(b + OFF_REG_VER + 2, m->minor);
		if (m->name_len)
			memcpy(b + OFF_REG_SVC, m->name, m->name_len);
		break;
	case DS_REG_ACK:
		util_put_be64(b + OFF_HANDLE, m->handle);
		util_put_be16(b + OFF_REG_VER, m->minor);
		break;
	case DS_REG_NACK:
		util_put_be64(b + OFF_HANDLE, m->handle);
		util_put_be16(b + OFF_REG_VER, m->major);
		break;
	case DS_NACK:
		util_put_be64(b + OFF_HANDLE, m->handle);
		util_put_be64(b + OFF_NACK_RS, m->result);
		break;
	case DS_DATA:
		util_put_be64(b + OFF_HANDLE, m->handle);
		if (m->payload_len)
			memcpy(b + OFF_PAYLOAD, m->payload, m->payload_len);
		break;
	default: /* UNREG_* */
		util_put_be64(b + OFF_HANDLE, m->handle);
		break;
	}
	*out = b;
	*len = n;
	return DS_OK;
}

int ds_encode_data(uint64_t handle, const uint8_t *payload, size_t plen, uint8_t **out, size_t *len)
{
	struct ds_msg m = {
	    .type = DS_DATA, .handle = handle, .payload = payload, .payload_len = plen};
	return ds_encode(&m, out, len);
}

void ds_set_tag_len(uint8_t *b, size_t len, uint32_t claimed)
{
	if (b && len >= DS_TAG_SIZE)
		util_put_be32(b + OFF_LEN, claimed);
}

int ds_decode(const uint8_t *b, size_t len, struct ds_msg *m, char *err, size_t n)
{
	if (!b || !m)
		return fail(DS_ERR_ARG, err, n, "no message");
	memset(m, 0, sizeof *m);
	if (len < DS_TAG_SIZE)
		return fail(DS_ERR_SHORT, err, n, "%zu bytes, the tag alone is %d", len,
		            DS_TAG_SIZE);
	uint32_t type = util_be32(b + OFF_TYPE), body = util_be32(b + OFF_LEN);
	if (type >= DS_NTYPES)
		return fail(DS_ERR_TYPE, err, n, "type 0x%x (allowed 0x0..0x%x)", type,
		            DS_NTYPES - 1);
	if ((uint64_t)body > len - DS_TAG_SIZE)
		return fail(DS_ERR_SHORT, err, n, "%s: the tag's len says %u bytes, %zu follow",
		            type_names[type], body, len - DS_TAG_SIZE);
	if ((uint64_t)body < len - DS_TAG_SIZE)
		return fail(DS_ERR_LONG, err, n, "%s: %zu bytes follow the tag, its len says %u",
		            type_names[type], len - DS_TAG_SIZE, body);
	if (len < min_size(type))
		return fail(DS_ERR_SHORT, err, n, "%s: %zu bytes, its fixed part is %zu",
		            type_names[type], len, min_size(type));
	m->type = type;
	switch (type) {
	case DS_INIT_REQ:
		m->major = util_be16(b + OFF_BODY);
		m->minor = util_be16(b + OFF_BODY + 2);
		break;
	case DS_INIT_ACK:
		m->minor = util_be16(b + OFF_BODY);
		break;
	case DS_INIT_NACK:
		m->major = util_be16(b + OFF_BODY);
		break;
	case DS_REG_REQ: {
		m->handle = util_be64(b + OFF_HANDLE);
		m->major = util_be16(b + OFF_REG_VER);
		m->minor = util_be16(b + OFF_REG_VER + 2);
		/* The name is 6.1's flexible svc_id[] at offset 20 (its message
		 * length counts sizeof(struct ds_reg_req) = 24, so 4 bytes follow
		 * it). Leading NULs are skipped: a writer that places the name
		 * after the padded struct is still understood. */
		size_t at = OFF_REG_SVC;
		while (at < len && !b[at])
			at++;
		m->name = (const char *)b + at;
		m->name_len = strnlen(m->name, len - at);
		break;
	}
	case DS_REG_ACK:
		m->handle = util_be64(b + OFF_HANDLE);
		m->minor = util_be16(b + OFF_REG_VER);
		break;
	case DS_REG_NACK:
		m->handle = util_be64(b + OFF_HANDLE);
		m->major = util_be16(b + OFF_REG_VER);
		break;
	case DS_NACK:
		m->handle = util_be64(b + OFF_HANDLE);
		m->result = util_be64(b + OFF_NACK_RS);
		break;
	case DS_DATA:
		m->handle = util_be64(b + OFF_HANDLE);
		m->payload = b + OFF_PAYLOAD;
		m->payload_len = len - OFF_PAYLOAD;
		break;
	default: /* UNREG_* */
		m->handle = util_be64(b + OFF_HANDLE);
		break;
	}
	return DS_OK;
}

/* ---- dr-cpu --------------------------------------------------------------- */

static int dr_encode(uint64_t req_num, uint32_t type, uint32_t n, size_t each, uint8_t **out,
                     size_t *len, uint8_t **recs)
{
	if (!out || !len)
		return DS_ERR_ARG;
	size_t size = DR_HDR_SIZE + (size_t)n * each;
	uint8_t *b = calloc(1, size);
	if (!b)
		return DS_ERR_NOMEM;
	util_put_be64(b, req_num);
	util_put_be32(b + 8, type);
	util_put_be32(b + 12, n);
	*out = b;
	*len = size;
	*recs = b + DR_HDR_SIZE;
	return DS_OK;
}

int ds_dr_cpu_encode_request(uint64_t req_num, uint32_t type, const uint32_t *cpus, uint32_t n,
                             uint8_t **out, size_t *len)
{
	uint8_t *r;
	if (n && !cpus)
		return DS_ERR_ARG;
	int rc = dr_encode(req_num, type, n, DR_CPU_SIZE, out, len, &r);
	for (uint32_t i = 0; !rc && i < n; i++)
		util_put_be32(r + DR_CPU_SIZE * i, cpus[i]);
	return rc;
}

int ds_dr_cpu_encode_reply(uint64_t req_num, uint32_t type, const struct ds_dr_record *recs,
                           uint32_t n, uint8_t **out, size_t *len)
{
	uint8_t *r;
	if (n && !recs)
		return DS_ERR_ARG;
	int rc = dr_encode(req_num, type, n, DR_REC_SIZE, out, len, &r);
	for (uint32_t i = 0; !rc && i < n; i++) {
		uint8_t *e = r + DR_REC_SIZE * i;
		util_put_be32(e, recs[i].cpu);
		util_put_be32(e + 4, recs[i].result);
		util_put_be32(e + 8, recs[i].stat);
		util_put_be32(e + 12, recs[i].str_off);
	}
	return rc;
}

int ds_dr_cpu_decode(const uint8_t *p, size_t len, int reply, struct ds_dr_cpu *d, char *err,
                     size_t n)
{
	if (!d || (len && !p))
		return fail(DS_ERR_ARG, err, n, "no payload");
	memset(d, 0, sizeof *d);
	if (len < DR_HDR_SIZE)
		return fail(DS_ERR_SHORT, err, n, "dr-cpu payload of %zu bytes, its header is %d",
		            len, DR_HDR_SIZE);
	size_t each = reply ? DR_REC_SIZE : DR_CPU_SIZE;
	d->req_num = util_be64(p);
	d->type = util_be32(p + 8);
	d->num_records = util_be32(p + 12);
	d->reply = reply;
	d->records = p + DR_HDR_SIZE;
	size_t fit = (len - DR_HDR_SIZE) / each;
	d->nfit = fit < d->num_records ? (uint32_t)fit : d->num_records;
	if (d->nfit < d->num_records)
		return fail(DS_ERR_RECORDS, err, n, "num_records %u, the payload holds %u",
		            d->num_records, d->nfit);
	if (len > DR_HDR_SIZE + (size_t)d->nfit * each)
		return fail(DS_ERR_LONG, err, n, "%zu bytes follow the %u records",
		            len - DR_HDR_SIZE - (size_t)d->nfit * each, d->nfit);
	return DS_OK;
}

struct ds_dr_record ds_dr_cpu_record(const struct ds_dr_cpu *d, uint32_t i)
{
	struct ds_dr_record r = {0};
	if (d && d->reply && i < d->nfit) {
		const uint8_t *e = d->records + DR_REC_SIZE * (size_t)i;
		r = (struct ds_dr_record){util_be32(e), util_be32(e + 4), util_be32(e + 8),
		                          util_be32(e + 12)};
	}
	return r;
}

uint32_t ds_dr_cpu_cpu(const struct ds_dr_cpu *d, uint32_t i)
{
	if (!d || i >= d->nfit)
		return 0;
	return d->reply ? util_be32(d->records + DR_REC_SIZE * (size_t)i)
	                : util_be32(d->records + DR_CPU_SIZE * (size_t)i);
}

/* ---- md-update ------------------------------------------------------------ */

int ds_md_update_encode(const struct ds_md_update *u, int reply, uint8_t **out, size_t *len)
{
	if (!u || !out || !len)
		return DS_ERR_ARG;
	size_t size = reply ? MDU_REP_SIZE : MDU_REQ_SIZE;
	uint8_t *b = calloc(1, size);
	if (!b)
		return DS_ERR_NOMEM;
	util_put_be64(b, u->req_num);
	if (reply)
		util_put_be32(b + 8, u->result);
	*out = b;
	*len = size;
	return DS_OK;
}

int ds_md_update_decode(const uint8_t *p, size_t len, int reply, struct ds_md_update *u, char *err,
                        size_t n)
{
	if (!u || (len && !p))
		return fail(DS_ERR_ARG, err, n, "no payload");
	memset(u, 0, sizeof *u);
	size_t min = reply ? MDU_REP_MIN : MDU_REQ_SIZE, max = reply ? MDU_REP_SIZE : MDU_REQ_SIZE;
	if (len < min)
		return fail(DS_ERR_SHORT, err, n, "md-update %s of %zu bytes, needs %zu",
		            reply ? "reply" : "request", len, min);
	u->req_num = util_be64(p);
	if (reply)
		u->result = util_be32(p + 8);
	if (len > max)
		return fail(DS_ERR_LONG, err, n, "md-update %s of %zu bytes, at most %zu",
		            reply ? "reply" : "request", len, max);
	return DS_OK;
}
