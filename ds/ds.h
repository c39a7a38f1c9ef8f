/*
 * ds/ds.h — domain services (DS): the wire codec of the messages Linux
 * 6.1's ds.c exchanges with the control domain over LDC, and the control
 * domain's side of the channel (the peer).
 *
 * Every layout is big-endian (sun4v) and written once, in ds/ds.c: no code
 * outside ds/ knows a DS byte offset. A message is a tag {u32 type, u32 len}
 * (len counts the bytes after the tag) and a body by type; DATA carries a
 * handle and the payload of the service the handle was registered for
 * (dr-cpu, md-update).
 *
 * Errors: functions return DS_OK (0) or a negative enum ds_status, named by
 * ds_strerror(); decoders also fill an optional err buffer naming the field
 * and the sizes at fault.
 */
#ifndef LDOMSIM_DS_DS_H
#define LDOMSIM_DS_DS_H

#include <stddef.h>
#include <stdint.h>

/* Message types: the wire values of the tag's type. */
enum ds_type {
	DS_INIT_REQ = 0x0,
	DS_INIT_ACK = 0x1,
	DS_INIT_NACK = 0x2,
	DS_REG_REQ = 0x3,
	DS_REG_ACK = 0x4,
	DS_REG_NACK = 0x5,
	DS_UNREG_REQ = 0x6,
	DS_UNREG_ACK = 0x7,
	DS_UNREG_NACK = 0x8,
	DS_DATA = 0x9,
	DS_NACK = 0xa,
};
#define DS_NTYPES 11

enum ds_status {
	DS_OK = 0,
	DS_ERR_ARG = -1,     /* a NULL or out-of-range argument */
	DS_ERR_NOMEM = -2,   /* out of memory */
	DS_ERR_SHORT = -3,   /* truncated: fewer bytes than the tag or the type's fixed part */
	DS_ERR_LONG = -4,    /* oversized: more bytes than the tag says */
	DS_ERR_TYPE = -5,    /* unknown message type */
	DS_ERR_RECORDS = -6, /* fewer dr-cpu records than num_records says */
	DS_ERR_FULL = -7,    /* the peer's table of services or queue is full */
	DS_ERR_STATE = -8,   /* out of protocol order (no handshake, unknown handle) */
};

const char *ds_strerror(int code);
/* "INIT_REQ", ... or NULL for a type outside the protocol. */
const char *ds_type_name(uint32_t type);

/* Size of the tag; the smallest well-formed message. */
#define DS_TAG_SIZE 8

/* One message, decoded or to encode. Which fields count depends on type:
 * INIT_REQ major, minor; INIT_ACK minor; INIT_NACK major;
 * REG_REQ handle, major, minor, name; REG_ACK handle, minor;
 * REG_NACK handle, major; UNREG_* handle; NACK handle, result;
 * DATA handle, payload. Decoded pointers point into the decoded buffer. */
struct ds_msg {
	uint32_t type;
	uint16_t major, minor;
	uint64_t handle;
	uint64_t result;
	const char *name; /* REG_REQ service name, name_len bytes (no NUL on decode) */
	size_t name_len;
	const uint8_t *payload; /* DATA: the bytes after the handle */
	size_t payload_len;
};

/* The wire bytes of m (tag included), malloc'd into *out; the caller frees. */
int ds_encode(const struct ds_msg *m, uint8_t **out, size_t *len);
/* Decode one whole message of len bytes: the tag's len must match and the
 * type's fixed part must fit. err (n bytes, may be NULL) says why not. */
int ds_decode(const uint8_t *b, size_t len, struct ds_msg *m, char *err, size_t n);
/* Overwrite the tag's len of an encoded message (to build a message that
 * claims another length than it has). */
void ds_set_tag_len(uint8_t *b, size_t len, uint32_t claimed);

/* ---- dr-cpu payloads: {u64 req_num, u32 type, u32 num_records, ...} ---- */

#define DS_DR_CONFIGURE         0x43u /* 'C' */
#define DS_DR_UNCONFIGURE       0x55u /* 'U' */
#define DS_DR_FORCE_UNCONFIGURE 0x46u /* 'F' */
#define DS_DR_STATUS            0x53u /* 'S' */
#define DS_DR_OK                0x6fu /* 'o' */
#define DS_DR_ERROR             0x65u /* 'e' */

/* One reply record. result: 0 OK, 1 FAILURE, 2 BLOCKED, 3 CPU_NOT_RESPONDING,
 * 4 NOT_IN_MD; stat: 0 NOT_PRESENT, 1 UNCONFIGURED, 2 CONFIGURED. */
struct ds_dr_record {
	uint32_t cpu, result, stat, str_off;
};

/* A decoded dr-cpu payload: a request carries cpu ids, a reply records. */
struct ds_dr_cpu {
	uint64_t req_num;
	uint32_t type;
	uint32_t num_records; /* as written */
	uint32_t nfit;        /* the records the payload holds (<= num_records) */
	int reply;
	const uint8_t *records;
};

/* Payload bytes (malloc'd) of a request for cpus[n] / a reply of recs[n]. */
int ds_dr_cpu_encode_request(uint64_t req_num, uint32_t type, const uint32_t *cpus, uint32_t n,
                             uint8_t **out, size_t *len);
int ds_dr_cpu_encode_reply(uint64_t req_num, uint32_t type, const struct ds_dr_record *recs,
                           uint32_t n, uint8_t **out, size_t *len);
/* Decode a payload (reply: records, else cpu ids). DS_ERR_RECORDS when
 * fewer records fit than num_records says: the header and the nfit records
 * that fit are still valid. DS_ERR_LONG when bytes follow the records. */
int ds_dr_cpu_decode(const uint8_t *p, size_t len, int reply, struct ds_dr_cpu *d, char *err,
                     size_t n);
/* Record / cpu id i (< d->nfit). */
struct ds_dr_record ds_dr_cpu_record(const struct ds_dr_cpu *d, uint32_t i);
uint32_t ds_dr_cpu_cpu(const struct ds_dr_cpu *d, uint32_t i);

/* ---- md-update payloads: request {u64 req_num}, reply {u64 req_num,
 * u32 result} (padded to 16 bytes) ---- */

struct ds_md_update {
	uint64_t req_num;
	uint32_t result; /* reply only */
};
int ds_md_update_encode(const struct ds_md_update *u, int reply, uint8_t **out, size_t *len);
int ds_md_update_decode(const uint8_t *p, size_t len, int reply, struct ds_md_update *u, char *err,
                        size_t n);

/* Encode a whole DATA message: tag, handle, then the payload. */
int ds_encode_data(uint64_t handle, const uint8_t *payload, size_t plen, uint8_t **out,
                   size_t *len);

/* ---- the control domain's DS peer ------------------------------------------
 *
 * The other end of the guest's DS channel: it answers the guest's INIT_REQ
 * with INIT_ACK and each REG_REQ with REG_ACK (remembering the handle the
 * guest chose for the service), encodes requests for a registered service
 * (dr-cpu, md-update) and hands the guest's DATA to its owner. Its answers
 * are scheduled on the machine's event queue, latency_ns after the guest's
 * message, and reach the guest through ops.to_guest when they fall due.
 */

#define DS_SERVICE_MAX   64   /* bytes of a service name, NUL included */
#define DS_PEER_SERVICES 16   /* services the peer registers at most */
#define DS_PEER_QUEUE    4096 /* pending events on the queue the peer refuses to exceed */

struct sim_eventq;
struct ds_peer;

/* A DATA message the guest wrote. service is NULL for a handle the guest
 * never registered. has_reply: the payload decoded as the service's reply
 * (the dr-cpu records that fit in dr). */
struct ds_peer_data {
	uint64_t t_ns;
	uint64_t handle;
	const char *service;
	const uint8_t *bytes; /* the whole message */
	size_t len;
	int has_reply;
	uint64_t req_num;
	uint32_t type; /* dr-cpu: DS_DR_OK / DS_DR_ERROR; md-update: its result */
	struct ds_dr_cpu dr;
};

struct ds_peer_ops {
	/* Put an answer's bytes into the guest's channel at t_ns (due now);
	 * nonzero fails the queue's run. */
	int (*to_guest)(void *ctx, uint64_t t_ns, const uint8_t *bytes, size_t len);
	/* The guest wrote a DATA message (may be NULL). */
	void (*data)(void *ctx, const struct ds_peer_data *d);
	void *ctx;
};

int ds_peer_create(struct sim_eventq *q, const struct ds_peer_ops *ops, uint64_t latency_ns,
                   struct ds_peer **out);
void ds_peer_free(struct ds_peer *p);
/* The guest wrote len bytes at t_ns (the LDC port's write callback).
 * Undecodable messages are ignored, as the control domain drops them. */
void ds_peer_guest_wrote(struct ds_peer *p, uint64_t t_ns, const uint8_t *bytes, size_t len);
/* The first error the peer met answering (a full queue, no memory), or
 * DS_OK; sticky. */
int ds_peer_error(const struct ds_peer *p);
/* The handle the guest registered service under: DS_ERR_STATE if none. */
int ds_peer_handle(const struct ds_peer *p, const char *service, uint64_t *handle);
/* A whole DATA message carrying payload to service (malloc'd):
 * DS_ERR_STATE when the guest never registered it. */
int ds_peer_encode_request(const struct ds_peer *p, const char *service, const uint8_t *payload,
                           size_t plen, uint8_t **out, size_t *len);

/* ---- the protocol validator (trace check) ----------------------------------
 *
 * Checks a recorded DS log against the protocol: the handshake (INIT_REQ,
 * INIT_ACK) before any REG_REQ or DATA; DATA only on a handle an earlier
 * REG_REQ + REG_ACK registered, for that service; every request answered by
 * a later guest DATA with its handle and req_num, a dr-cpu reply carrying
 * one record per distinct requested cpu in ascending order (a STATUS
 * request an error reply without records); every guest DATA answering a
 * request. The caller walks the log in order, so its own checks (the
 * scenario's) interleave with these at the message they concern.
 */

enum ds_check_err {
	DS_CHECK_ORDER = -20,        /* out of protocol order */
	DS_CHECK_UNREGISTERED = -21, /* DATA on a handle nobody registered */
	DS_CHECK_MISMATCH = -22,     /* contradicts an earlier message */
	DS_CHECK_NO_REPLY = -23,     /* a request nobody answered */
	DS_CHECK_UNANSWERED = -24,   /* a reply to no request */
};

/* One message of a recorded log, as the validator sees it. */
struct ds_log_msg {
	int to_guest; /* sent by the control domain, else by the guest */
	uint32_t type;
	uint64_t handle;
	const char *service;  /* REG_REQ; DATA: the service the record names */
	uint64_t req_num;     /* DATA */
	uint32_t dr_type;     /* dr-cpu DATA: request type or DS_DR_OK/ERROR */
	const uint32_t *cpus; /* dr-cpu: the request's cpus, or the reply's records' cpus */
	uint32_t ncpus;
};

struct ds_check;

/* A validator over log[n] (borrowed until ds_check_free). */
int ds_check_create(const struct ds_log_msg *log, size_t n, struct ds_check **out);
void ds_check_free(struct ds_check *c);
/* Message i (call for 0, 1, ... in order): handshake and registration. */
int ds_check_msg(struct ds_check *c, size_t i, char *err, size_t n);
/* Request i (a DATA to the guest): the index of its reply in *reply. */
int ds_check_reply(struct ds_check *c, size_t i, size_t *reply, char *err, size_t n);
/* The dr-cpu reply to request i (found by ds_check_reply) against the
 * request; *entry: the record at fault, or SIZE_MAX for the reply. */
int ds_check_dr_reply(struct ds_check *c, size_t i, size_t *entry, char *err, size_t n);
/* After the last message: every guest DATA answered a request; *at: the
 * message at fault. */
int ds_check_finish(struct ds_check *c, size_t *at, char *err, size_t n);

/* Boot snapshots (issue 14): the services the guest registered, into a
 * stream and back (answers in flight are not part of it: a snapshot is
 * taken with the queue empty). */
struct ser_w;
struct ser_r;
void ds_peer_save(const struct ds_peer *p, struct ser_w *w);
int ds_peer_load(struct ds_peer *p, struct ser_r *r);

#endif
