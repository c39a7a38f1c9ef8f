/*
 * tests/test_ds.c — the DS codec (ds/ds.h): every message type encodes and
 * decodes back to its fields; truncated, oversized and garbage input is
 * refused with a named error; dr-cpu and md-update payloads round-trip.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ds/ds.h"

static void roundtrip(const struct ds_msg *in, struct ds_msg *out, uint8_t **bytes, size_t *len)
{
	char err[200] = "";
	cr_assert_eq(ds_encode(in, bytes, len), DS_OK, "encode %s", ds_type_name(in->type));
	cr_assert_eq(ds_decode(*bytes, *len, out, err, sizeof err), DS_OK, "decode %s: %s",
	             ds_type_name(in->type), err);
	cr_assert_eq(out->type, in->type);
}

Test(ds_codec, every_message_type_decodes_to_the_fields_it_was_encoded_from)
{
	for (uint32_t ty = 0; ty < DS_NTYPES; ty++) {
		struct ds_msg in = {.type = ty,
		                    .major = 0x1234,
		                    .minor = 0x5678,
		                    .handle = 0x0102030405060708ull,
		                    .result = 0xa1b2c3d4e5f60718ull};
		uint8_t pl[] = {1, 2, 3, 4, 5};
		if (ty == DS_REG_REQ) {
			in.name = "dr-cpu";
			in.name_len = 6;
		}
		if (ty == DS_DATA) {
			in.payload = pl;
			in.payload_len = sizeof pl;
		}
		struct ds_msg out;
		uint8_t *b;
		size_t len;
		roundtrip(&in, &out, &b, &len);
		switch (ty) {
		case DS_INIT_REQ:
			cr_expect_eq(out.major, in.major);
			cr_expect_eq(out.minor, in.minor);
			break;
		case DS_INIT_ACK:
			cr_expect_eq(out.minor, in.minor);
			break;
		case DS_INIT_NACK:
			cr_expect_eq(out.major, in.major);
			break;
		case DS_REG_REQ:
			cr_expect_eq(out.handle, in.handle);
			cr_expect_eq(out.major, in.major);
			cr_expect_eq(out.minor, in.minor);
			cr_expect_eq(out.name_len, 6);
			cr_expect(!memcmp(out.name, "dr-cpu", 6));
			break;
		case DS_REG_ACK:
			cr_expect_eq(out.handle, in.handle);
			cr_expect_eq(out.minor, in.minor);
			break;
		case DS_REG_NACK:
			cr_expect_eq(out.handle, in.handle);
			cr_expect_eq(out.major, in.major);
			break;
		case DS_NACK:
			cr_expect_eq(out.handle, in.handle);
			cr_expect_eq(out.result, in.result);
			break;
		case DS_DATA:
			cr_expect_eq(out.handle, in.handle);
			cr_assert_eq(out.payload_len, sizeof pl);
			cr_expect(!memcmp(out.payload, pl, sizeof pl));
			break;
		default:
			cr_expect_eq(out.handle, in.handle, "%s", ds_type_name(ty));
		}
		free(b);
	}
}

/* The layout is big-endian with the tag first: a peer on another host
 * order must see the same bytes. */
Test(ds_codec, the_tag_is_big_endian_type_then_body_length)
{
	struct ds_msg in = {.type = DS_UNREG_ACK, .handle = 0x1122334455667788ull};
	uint8_t *b;
	size_t len;
	cr_assert_eq(ds_encode(&in, &b, &len), DS_OK);
	static const uint8_t want[] = {0,    0,    0,    7,    0,    0,    0,    8,
	                               0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	cr_assert_eq(len, sizeof want);
	cr_expect(!memcmp(b, want, sizeof want));
	free(b);
}

/* Linux 6.1 writes the REG_REQ name after the struct's padding: the
 * decoder skips the NULs between minor and the name. */
Test(ds_codec, reg_req_name_after_the_structs_padding_is_found)
{
	uint8_t b[8 + 16 + 6] = {0, 0, 0, DS_REG_REQ, 0, 0, 0, 22};
	memcpy(b + 24, "dr-cpu", 6);
	struct ds_msg m;
	char err[200] = "";
	cr_assert_eq(ds_decode(b, sizeof b, &m, err, sizeof err), DS_OK, "%s", err);
	cr_assert_eq(m.name_len, 6);
	cr_expect(!memcmp(m.name, "dr-cpu", 6));
}

Test(ds_codec, truncated_messages_are_refused_with_a_named_error)
{
	struct ds_msg in = {.type = DS_REG_ACK, .handle = 9};
	uint8_t *b;
	size_t len;
	cr_assert_eq(ds_encode(&in, &b, &len), DS_OK);
	struct ds_msg m;
	char err[200];
	for (size_t cut = 0; cut < len; cut++) {
		err[0] = 0;
		cr_expect_eq(ds_decode(b, cut, &m, err, sizeof err), DS_ERR_SHORT, "%zu bytes",
		             cut);
		cr_expect(strstr(err, "truncated"), "%zu bytes: %s", cut, err);
	}
	/* A tag whose type's fixed part does not fit (REG_ACK with an 8-byte body). */
	ds_set_tag_len(b, len, 8);
	cr_expect_eq(ds_decode(b, 16, &m, err, sizeof err), DS_ERR_SHORT);
	cr_expect(strstr(err, "REG_ACK"), "%s", err);
	free(b);
}

Test(ds_codec, bytes_beyond_the_tags_length_are_refused)
{
	struct ds_msg in = {.type = DS_INIT_REQ, .major = 1};
	uint8_t *b, big[64] = {0};
	size_t len;
	cr_assert_eq(ds_encode(&in, &b, &len), DS_OK);
	memcpy(big, b, len);
	struct ds_msg m;
	char err[200] = "";
	cr_expect_eq(ds_decode(big, len + 4, &m, err, sizeof err), DS_ERR_LONG);
	cr_expect(strstr(err, "oversized") && strstr(err, "INIT_REQ"), "%s", err);
	free(b);
}

Test(ds_codec, an_unknown_type_is_refused)
{
	uint8_t b[16] = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 8};
	struct ds_msg m;
	char err[200] = "";
	cr_expect_eq(ds_decode(b, sizeof b, &m, err, sizeof err), DS_ERR_TYPE);
	cr_expect(strstr(err, "0xdeadbeef"), "%s", err);
	b[3] = DS_NTYPES;
	b[0] = b[1] = b[2] = 0;
	cr_expect_eq(ds_decode(b, sizeof b, &m, NULL, 0), DS_ERR_TYPE);
	cr_expect_null(ds_type_name(DS_NTYPES));
	cr_expect_str_eq(ds_strerror(DS_ERR_TYPE), "unknown message type");
}

/* Garbage: every byte string up to 24 bytes from a fixed generator is
 * either decoded within its bounds or refused; never read past len (ASan
 * in the fuzz build; here: the decoded pointers stay inside). */
Test(ds_codec, garbage_is_decoded_within_bounds_or_refused)
{
	uint64_t x = 88172645463325252ull;
	for (int k = 0; k < 20000; k++) {
		uint8_t b[24];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = x % (sizeof b + 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[i] = (uint8_t)x;
		}
		if (len >= 8) { /* often a plausible tag */
			b[0] = b[1] = b[2] = 0;
			b[3] %= 12;
			b[4] = b[5] = b[6] = 0;
			b[7] = (uint8_t)(len - 8 + (k % 3) - 1);
		}
		struct ds_msg m;
		int rc = ds_decode(b, len, &m, NULL, 0);
		cr_assert(rc == DS_OK || rc == DS_ERR_SHORT || rc == DS_ERR_LONG ||
		          rc == DS_ERR_TYPE);
		if (rc == DS_OK && m.payload)
			cr_assert_leq(m.payload + m.payload_len, b + len);
		if (rc == DS_OK && m.name)
			cr_assert_leq((const uint8_t *)m.name + m.name_len, b + len);
	}
}

Test(ds_dr_cpu, request_and_reply_payloads_round_trip)
{
	uint32_t cpus[] = {56, 57, 63};
	uint8_t *p;
	size_t len;
	struct ds_dr_cpu d;
	cr_assert_eq(ds_dr_cpu_encode_request(77, DS_DR_CONFIGURE, cpus, 3, &p, &len), DS_OK);
	cr_assert_eq(ds_dr_cpu_decode(p, len, 0, &d, NULL, 0), DS_OK);
	cr_expect_eq(d.req_num, 77);
	cr_expect_eq(d.type, DS_DR_CONFIGURE);
	cr_assert_eq(d.nfit, 3);
	for (uint32_t i = 0; i < 3; i++)
		cr_expect_eq(ds_dr_cpu_cpu(&d, i), cpus[i]);
	free(p);

	struct ds_dr_record recs[] = {{56, 0, 2, 0}, {57, 4, 0, 0}};
	cr_assert_eq(ds_dr_cpu_encode_reply(78, DS_DR_OK, recs, 2, &p, &len), DS_OK);
	cr_assert_eq(ds_dr_cpu_decode(p, len, 1, &d, NULL, 0), DS_OK);
	cr_expect_eq(d.req_num, 78);
	cr_expect_eq(d.type, DS_DR_OK);
	cr_assert_eq(d.nfit, 2);
	for (uint32_t i = 0; i < 2; i++) {
		struct ds_dr_record r = ds_dr_cpu_record(&d, i);
		cr_expect(!memcmp(&r, &recs[i], sizeof r), "record %u", i);
	}
	/* A reply that holds fewer records than it says keeps its header. */
	char err[200] = "";
	cr_expect_eq(ds_dr_cpu_decode(p, len - 1, 1, &d, err, sizeof err), DS_ERR_RECORDS);
	cr_expect_eq(d.nfit, 1);
	cr_expect_eq(d.req_num, 78);
	cr_expect(strstr(err, "num_records 2"), "%s", err);
	cr_expect_eq(ds_dr_cpu_decode(p, 15, 1, &d, NULL, 0), DS_ERR_SHORT);
	free(p);
}

Test(ds_md_update, request_and_reply_payloads_round_trip)
{
	struct ds_md_update u = {.req_num = 0x99, .result = 3}, v;
	uint8_t *p;
	size_t len;
	cr_assert_eq(ds_md_update_encode(&u, 0, &p, &len), DS_OK);
	cr_expect_eq(len, 8);
	cr_assert_eq(ds_md_update_decode(p, len, 0, &v, NULL, 0), DS_OK);
	cr_expect_eq(v.req_num, 0x99);
	cr_expect_eq(ds_md_update_decode(p, len - 1, 0, &v, NULL, 0), DS_ERR_SHORT);
	free(p);
	cr_assert_eq(ds_md_update_encode(&u, 1, &p, &len), DS_OK);
	cr_assert_eq(ds_md_update_decode(p, len, 1, &v, NULL, 0), DS_OK);
	cr_expect_eq(v.req_num, 0x99);
	cr_expect_eq(v.result, 3);
	cr_expect_eq(ds_md_update_decode(p, 11, 1, &v, NULL, 0), DS_ERR_SHORT);
	free(p);
}

/* ---- the peer ------------------------------------------------------------ */

#include "sim/eventq.h"

struct sink {
	uint64_t t[8];
	struct ds_msg m[8];
	uint8_t *bytes[8];
	size_t n;
	struct ds_peer_data data[4];
	uint8_t data_bytes[4][64];
	size_t ndata;
};

static int sink_to_guest(void *ctx, uint64_t t_ns, const uint8_t *b, size_t len)
{
	struct sink *s = ctx;
	cr_assert_lt(s->n, 8);
	s->t[s->n] = t_ns;
	s->bytes[s->n] = malloc(len);
	memcpy(s->bytes[s->n], b, len);
	cr_assert_eq(ds_decode(s->bytes[s->n], len, &s->m[s->n], NULL, 0), DS_OK);
	s->n++;
	return 0;
}

static void sink_data(void *ctx, const struct ds_peer_data *d)
{
	struct sink *s = ctx;
	cr_assert_lt(s->ndata, 4);
	cr_assert_leq(d->len, 64);
	memcpy(s->data_bytes[s->ndata], d->bytes, d->len);
	s->data[s->ndata++] = *d;
}

static void guest_sends(struct ds_peer *p, uint64_t t, const struct ds_msg *m)
{
	uint8_t *b;
	size_t len;
	cr_assert_eq(ds_encode(m, &b, &len), DS_OK);
	ds_peer_guest_wrote(p, t, b, len);
	free(b);
}

static struct ds_peer *peer(struct sim_eventq **q, struct sink *s)
{
	struct ds_peer *p;
	struct ds_peer_ops ops = {.to_guest = sink_to_guest, .data = sink_data, .ctx = s};
	memset(s, 0, sizeof *s);
	cr_assert_eq(sim_eventq_create(q), 0);
	cr_assert_eq(ds_peer_create(*q, &ops, 1000, &p), DS_OK);
	return p;
}

Test(ds_peer, answers_the_handshake_and_registrations_one_latency_later)
{
	struct sim_eventq *q;
	struct sink s;
	struct ds_peer *p = peer(&q, &s);
	guest_sends(p, 100, &(struct ds_msg){.type = DS_INIT_REQ, .major = 1});
	guest_sends(p, 200,
	            &(struct ds_msg){
	                .type = DS_REG_REQ, .handle = 0x42, .name = "md-update", .name_len = 9});
	guest_sends(
	    p, 200,
	    &(struct ds_msg){.type = DS_REG_REQ, .handle = 0x43, .name = "dr-cpu", .name_len = 6});
	cr_expect_eq(s.n, 0, "nothing reaches the guest before its time");
	cr_assert_eq(sim_eventq_run_until(q, 1100 * 1000 - 1), 0);
	cr_expect_eq(s.n, 0);
	cr_assert_eq(sim_eventq_run_until(q, UINT64_MAX), 0);
	cr_assert_eq(s.n, 3);
	cr_expect_eq(s.m[0].type, DS_INIT_ACK);
	cr_expect_eq(s.t[0], 1100);
	cr_expect_eq(s.m[1].type, DS_REG_ACK);
	cr_expect_eq(s.m[1].handle, 0x42);
	cr_expect_eq(s.m[2].handle, 0x43, "equal times answer in the order asked");
	cr_expect_eq(s.t[2], 1200);
	uint64_t h;
	cr_assert_eq(ds_peer_handle(p, "dr-cpu", &h), DS_OK);
	cr_expect_eq(h, 0x43);
	cr_expect_eq(ds_peer_handle(p, "pri", &h), DS_ERR_STATE);
	cr_expect_eq(ds_peer_error(p), DS_OK);
	for (size_t i = 0; i < s.n; i++)
		free(s.bytes[i]);
	ds_peer_free(p);
	sim_eventq_free(q);
}

Test(ds_peer, encodes_requests_only_for_registered_services)
{
	struct sim_eventq *q;
	struct sink s;
	struct ds_peer *p = peer(&q, &s);
	uint8_t *b, pl[] = {9, 9};
	size_t len;
	cr_expect_eq(ds_peer_encode_request(p, "dr-cpu", pl, 2, &b, &len), DS_ERR_STATE);
	guest_sends(
	    p, 0,
	    &(struct ds_msg){.type = DS_REG_REQ, .handle = 7, .name = "dr-cpu", .name_len = 6});
	cr_assert_eq(ds_peer_encode_request(p, "dr-cpu", pl, 2, &b, &len), DS_OK);
	struct ds_msg m;
	cr_assert_eq(ds_decode(b, len, &m, NULL, 0), DS_OK);
	cr_expect_eq(m.type, DS_DATA);
	cr_expect_eq(m.handle, 7);
	cr_expect_eq(m.payload_len, 2);
	free(b);
	ds_peer_free(p);
	sim_eventq_free(q); /* drops the pending REG_ACK */
}

Test(ds_peer, hands_the_guests_replies_to_its_owner_decoded)
{
	struct sim_eventq *q;
	struct sink s;
	struct ds_peer *p = peer(&q, &s);
	guest_sends(
	    p, 0,
	    &(struct ds_msg){.type = DS_REG_REQ, .handle = 7, .name = "dr-cpu", .name_len = 6});
	guest_sends(
	    p, 0,
	    &(struct ds_msg){.type = DS_REG_REQ, .handle = 8, .name = "md-update", .name_len = 9});
	struct ds_dr_record recs[] = {{60, 0, 2, 0}};
	uint8_t *pl, *b;
	size_t plen, len;
	cr_assert_eq(ds_dr_cpu_encode_reply(5, DS_DR_OK, recs, 1, &pl, &plen), DS_OK);
	cr_assert_eq(ds_encode_data(7, pl, plen, &b, &len), DS_OK);
	ds_peer_guest_wrote(p, 500, b, len);
	free(pl);
	free(b);
	struct ds_md_update u = {.req_num = 6, .result = 0};
	cr_assert_eq(ds_md_update_encode(&u, 1, &pl, &plen), DS_OK);
	cr_assert_eq(ds_encode_data(8, pl, plen, &b, &len), DS_OK);
	ds_peer_guest_wrote(p, 600, b, len);
	free(pl);
	free(b);
	/* garbage and an unregistered handle */
	ds_peer_guest_wrote(p, 700, (const uint8_t *)"\0\0\0\x09\0\0\0\x40", 8);
	guest_sends(p, 800, &(struct ds_msg){.type = DS_DATA, .handle = 99});
	cr_assert_eq(s.ndata, 3);
	cr_expect(s.data[0].has_reply);
	cr_expect_str_eq(s.data[0].service, "dr-cpu");
	cr_expect_eq(s.data[0].req_num, 5);
	cr_expect_eq(s.data[0].type, DS_DR_OK);
	cr_expect_eq(s.data[0].dr.nfit, 1);
	cr_expect_eq(s.data[0].t_ns, 500);
	cr_expect(s.data[1].has_reply);
	cr_expect_eq(s.data[1].req_num, 6);
	cr_expect_null(s.data[2].service, "an unregistered handle has no service");
	cr_expect_not(s.data[2].has_reply);
	ds_peer_free(p);
	sim_eventq_free(q);
}

/* ---- the protocol validator ---------------------------------------------- */

static const uint32_t req_cpus[] = {58, 56, 57, 56};
static const uint32_t rep_cpus[] = {56, 57, 58};

/* A well-formed log: handshake, dr-cpu registered, a request, its reply. */
static size_t good_log(struct ds_log_msg *l)
{
	size_t n = 0;
	l[n++] = (struct ds_log_msg){.to_guest = 0, .type = DS_INIT_REQ};
	l[n++] = (struct ds_log_msg){.to_guest = 1, .type = DS_INIT_ACK};
	l[n++] = (struct ds_log_msg){.type = DS_REG_REQ, .handle = 5, .service = "dr-cpu"};
	l[n++] = (struct ds_log_msg){.to_guest = 1, .type = DS_REG_ACK, .handle = 5};
	l[n++] = (struct ds_log_msg){.to_guest = 1,
	                             .type = DS_DATA,
	                             .handle = 5,
	                             .service = "dr-cpu",
	                             .req_num = 1,
	                             .dr_type = DS_DR_CONFIGURE,
	                             .cpus = req_cpus,
	                             .ncpus = 4};
	l[n++] = (struct ds_log_msg){.type = DS_DATA,
	                             .handle = 5,
	                             .service = "dr-cpu",
	                             .req_num = 1,
	                             .dr_type = DS_DR_OK,
	                             .cpus = rep_cpus,
	                             .ncpus = 3};
	return n;
}

/* Walk the log as the trace reader does; the first finding, its message
 * index (or reply entry) and text. */
static int walk(const struct ds_log_msg *l, size_t n, size_t *at, size_t *entry, char *why,
                size_t wn)
{
	struct ds_check *c;
	int rc;
	cr_assert_eq(ds_check_create(l, n, &c), DS_OK);
	*entry = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		*at = i;
		if ((rc = ds_check_msg(c, i, why, wn)))
			goto out;
		if (l[i].type != DS_DATA || !l[i].to_guest)
			continue;
		if ((rc = ds_check_reply(c, i, &j, why, wn)))
			goto out;
		*at = j;
		if ((rc = ds_check_dr_reply(c, i, entry, why, wn)))
			goto out;
	}
	rc = ds_check_finish(c, at, why, wn);
out:
	ds_check_free(c);
	return rc;
}

Test(ds_check, a_well_formed_log_passes)
{
	struct ds_log_msg l[8];
	size_t n = good_log(l), at, e;
	char why[300] = "";
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_OK, "%s", why);
}

Test(ds_check, registration_or_data_before_the_handshake_is_out_of_order)
{
	struct ds_log_msg l[8];
	size_t n = good_log(l), at, e;
	char why[300] = "";
	l[1].type = DS_INIT_NACK;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_ORDER);
	cr_expect_eq(at, 2);
	cr_expect(strstr(why, "REG_REQ before the handshake"), "%s", why);
	good_log(l);
	l[0].to_guest = 1;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_ORDER);
	cr_expect_eq(at, 1);
	cr_expect(strstr(why, "INIT_ACK without an earlier INIT_REQ"), "%s", why);
}

Test(ds_check, data_needs_a_registered_handle_of_its_service)
{
	struct ds_log_msg l[8];
	size_t n = good_log(l), at, e;
	char why[300] = "";
	l[3].handle = 6; /* the REG_ACK acknowledges another handle */
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_UNREGISTERED);
	cr_expect_eq(at, 4);
	cr_expect(strstr(why, "handle 0x5"), "%s", why);
	good_log(l);
	l[4].service = "md-update";
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_MISMATCH);
	cr_expect(strstr(why, "registered for \"dr-cpu\" at $.ds[2]"), "%s", why);
}

Test(ds_check, every_request_gets_a_reply_and_every_reply_a_request)
{
	struct ds_log_msg l[8];
	size_t n = good_log(l), at, e;
	char why[300] = "";
	l[5].req_num = 2;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_NO_REPLY);
	cr_expect_eq(at, 4);
	cr_expect(strstr(why, "req_num 1"), "%s", why);
	good_log(l);
	l[n++] = l[5]; /* a second reply to the same request */
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_UNANSWERED);
	cr_expect_eq(at, 6);
}

Test(ds_check, a_dr_cpu_reply_has_one_record_per_distinct_cpu_in_order)
{
	struct ds_log_msg l[8];
	size_t n = good_log(l), at, e;
	char why[300] = "";
	static const uint32_t swapped[] = {56, 58, 57};
	l[5].cpus = swapped;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_MISMATCH);
	cr_expect_eq(at, 5);
	cr_expect_eq(e, 1, "the record at fault");
	cr_expect(strstr(why, "cpu 58, expected 57"), "%s", why);
	good_log(l);
	l[5].ncpus = 2;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_MISMATCH);
	cr_expect_eq(e, SIZE_MAX, "the reply as a whole");
	cr_expect(strstr(why, "with 3 entries"), "%s", why);
	good_log(l);
	l[4].dr_type = DS_DR_STATUS;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_CHECK_MISMATCH);
	cr_expect(strstr(why, "status request"), "%s", why);
	l[5].dr_type = DS_DR_ERROR;
	l[5].ncpus = 0;
	cr_expect_eq(walk(l, n, &at, &e, why, sizeof why), DS_OK, "%s", why);
}
