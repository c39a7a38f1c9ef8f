/*
 * Tests of traces/md.c (reader, builder) and traces/md_shape.c (shapes,
 * generator), and of the `ldomsim md` command. Run from the repository root.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/md.h"
#include "traces/md_shape.h"
#include "tests/util.h"

/* ---- a raw MD writer for hand-made (often broken) MDs ----------------- */

struct rel {
	uint8_t tag;
	const char *name; /* NULL: name_len 0, offset 0 */
	uint64_t val;
	int name_len;     /* -1: strlen(name) */
	int64_t name_off; /* -1: where the name was placed */
};
#define R(t, n, v)                                                                                 \
	{                                                                                          \
		t, n, v, -1, -1                                                                    \
	}
#define SV(len, off) (((uint64_t)(len) << 32) | (off))

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Header, elements, names (each with its NUL, padded to 16), data as given
 * (not padded). Returns malloc'd bytes. */
static uint8_t *raw_md(const struct rel *el, size_t n, const void *data, size_t dlen, size_t *len)
{
	char names[4096];
	size_t nlen = 0;
	uint32_t off[256];
	for (size_t i = 0; i < n; i++) {
		off[i] = el[i].name ? (uint32_t)nlen : 0;
		if (el[i].name) {
			size_t l = strlen(el[i].name);
			memcpy(names + nlen, el[i].name, l + 1);
			nlen += l + 1;
		}
	}
	size_t npad = (nlen + 15) & ~(size_t)15;
	memset(names + nlen, 0, npad - nlen);
	*len = 16 + 16 * n + npad + dlen;
	uint8_t *b = calloc(1, *len);
	cr_assert_not_null(b);
	put32(b, 0x10000);
	put32(b + 4, (uint32_t)(16 * n));
	put32(b + 8, (uint32_t)npad);
	put32(b + 12, (uint32_t)dlen);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = b + 16 + 16 * i;
		e[0] = el[i].tag;
		e[1] = (uint8_t)(el[i].name_len >= 0 ? el[i].name_len
		                 : el[i].name        ? (int)strlen(el[i].name)
		                                     : 0);
		put32(e + 4, el[i].name_off >= 0 ? (uint32_t)el[i].name_off : off[i]);
		put32(e + 8, (uint32_t)(el[i].val >> 32));
		put32(e + 12, (uint32_t)el[i].val);
	}
	memcpy(b + 16 + 16 * n, names, npad);
	if (dlen)
		memcpy(b + 16 + 16 * n + npad, data, dlen);
	return b;
}

static const char base_data[] = "hello\0instn\0data"; /* 17 bytes with the final NUL */

/* The valid base MD:
 *   0 N root -> 5 | 1 a fwd -> 5 | 2 v x = 1 | 3 s str "hello" | 4 E
 *   5 N cpu -> 10 | 6 v id = 0 | 7 a back -> 0 | 8 s type "instn\0data" | 9 E
 *   10 list end */
#define BASE_N 11
static void base(struct rel *el)
{
	const struct rel b[BASE_N] = {
	    R('N', "root", 5),         R('a', "fwd", 5),  R('v', "x", 1),  R('s', "str", SV(6, 0)),
	    R('E', NULL, 0),           R('N', "cpu", 10), R('v', "id", 0), R('a', "back", 0),
	    R('s', "type", SV(11, 6)), R('E', NULL, 0),   R(0, NULL, 0),
	};
	memcpy(el, b, sizeof(b));
}

static enum md_status read_rel(const struct rel *el, size_t n, struct md_err *err)
{
	size_t len;
	uint8_t *b = raw_md(el, n, base_data, sizeof(base_data), &len);
	struct md *md = NULL;
	enum md_status rc = md_read(b, len, &md, err);
	if (rc == MD_OK)
		cr_assert_not_null(md);
	else
		cr_assert_null(md);
	md_free(md);
	free(b);
	return rc;
}

#define EXPECT_ERR(el, n, code, elem_idx, ...)                                                     \
	do {                                                                                       \
		struct md_err e_;                                                                  \
		enum md_status rc_ = read_rel(el, n, &e_);                                         \
		cr_assert_eq(rc_, code, "got %d (%s): %s", rc_, md_strerror(rc_), e_.msg);         \
		cr_assert_eq(e_.elem, (uint64_t)(elem_idx), "elem %llu: %s",                       \
		             (unsigned long long)e_.elem, e_.msg);                                 \
		const char *subs_[] = {__VA_ARGS__, NULL};                                         \
		for (int k_ = 0; subs_[k_]; k_++)                                                  \
			cr_assert(strstr(e_.msg, subs_[k_]), "'%s' not in '%s'", subs_[k_],        \
			          e_.msg);                                                         \
	} while (0)

/* ---- reader: valid input and accessors -------------------------------- */

Test(md_reader, reads_a_valid_md_and_answers_every_accessor)
{
	struct rel el[BASE_N];
	base(el);
	size_t len;
	uint8_t *b = raw_md(el, BASE_N, base_data, sizeof(base_data), &len);
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_read(b, len, &md, &e), MD_OK, "%s", e.msg);
	free(b);
	cr_assert_eq(md_node_count(md), 2);
	cr_assert_eq(md_elem_count(md), BASE_N);
	md_node_t root = md_node_first(md, "root"), cpu = md_node_first(md, "cpu");
	cr_assert_eq(root, 0);
	cr_assert_eq(cpu, 5);
	cr_assert_eq(md_node_next(md, root, NULL), cpu);
	cr_assert_eq(md_node_next(md, cpu, NULL), MD_NODE_NONE);
	cr_assert_str_eq(md_node_name(md, cpu), "cpu");
	cr_assert_null(md_node_name(md, 1));
	uint64_t v;
	cr_assert_eq(md_get_u64(md, root, "x", &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(md_get_u64(md, root, "str", &v), -1);
	cr_assert_str_eq(md_get_str(md, root, "str"), "hello");
	cr_assert(md_prop_has_str(md, cpu, "type", "data"));
	cr_assert(md_prop_has_str(md, cpu, "type", "instn"));
	cr_assert_not(md_prop_has_str(md, cpu, "type", "inst"));
	md_node_t t[4];
	cr_assert_eq(md_arcs(md, root, "fwd", t, 4), 1);
	cr_assert_eq(t[0], cpu);
	cr_assert_eq(md_arcs(md, cpu, "fwd", t, 4), 0);
	cr_assert_eq(md_prop_count(md, cpu), 3);
	struct md_prop p;
	cr_assert_eq(md_prop_get(md, cpu, 1, &p), 0);
	cr_assert_eq(p.tag, MD_TAG_ARC);
	cr_assert_str_eq(p.name, "back");
	cr_assert_eq(p.elem, 7);
	cr_assert_eq(md_prop_get(md, cpu, 3, &p), -1);
	struct md_warnings w;
	md_warnings(md, &w);
	cr_assert_eq(w.data_unpadded, 1); /* 17-byte data block */
	md_free(md);
	md_free(NULL);
}

Test(md_reader, accepts_a_data_block_not_padded_to_16_bytes)
{
	struct rel el[BASE_N];
	base(el);
	size_t len;
	/* Data block of 17 bytes, file ends right after it. */
	uint8_t *b = raw_md(el, BASE_N, base_data, sizeof(base_data), &len);
	cr_assert_eq(len % 16, 1);
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_read(b, len, &md, &e), MD_OK, "%s", e.msg);
	struct md_warnings w;
	md_warnings(md, &w);
	cr_assert_eq(w.data_unpadded, 1);
	md_free(md);
	free(b);
}

Test(md_reader, accepts_harmless_deviations_from_the_format)
{
	/* Unknown tag and no-op inside a node, no-op between nodes, zero
	 * element after the list end, reserved field set, 8 trailing zeros. */
	const struct rel el[] = {
	    R('N', "root", 6), R('a', "fwd", 6), R(0x7a, "odd", 3), R(0x20, NULL, 0),
	    R('E', NULL, 0),   R(0x20, NULL, 0), R('N', "cpu", 9),  R('v', "id", 0),
	    R('E', NULL, 0),   R(0, NULL, 0),    R(0, NULL, 0),
	};
	size_t n = sizeof(el) / sizeof(el[0]), len;
	uint8_t *b = raw_md(el, n, base_data, sizeof(base_data), &len);
	b[16 + 16 * 7 + 3] = 1; /* reserved u16 of element 7 */
	uint8_t *b2 = calloc(1, len + 8);
	memcpy(b2, b, len);
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_read(b2, len + 8, &md, &e), MD_OK, "%s", e.msg);
	struct md_warnings w;
	md_warnings(md, &w);
	cr_assert_eq(w.unknown_tags, 1);
	cr_assert_eq(w.noops, 2);
	cr_assert_eq(w.zero_after_end, 1);
	cr_assert_eq(w.reserved_nonzero, 1);
	cr_assert_eq(md_prop_count(md, 0), 1); /* the unknown tag is not a property */
	uint64_t id;
	cr_assert_eq(md_get_u64(md, md_node_first(md, "cpu"), "id", &id), 0);
	md_free(md);
	free(b);
	free(b2);
}

/* ---- reader: one test per error class --------------------------------- */

Test(md_reader, refuses_a_buffer_shorter_than_the_header)
{
	uint8_t b[10] = {0};
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_read(b, sizeof(b), &md, &e), MD_ERR_SHORT);
	cr_assert(strstr(e.msg, "header"));
	cr_assert_null(md);
}

static enum md_status read_patched(void (*patch)(uint8_t *b, size_t *len), struct md_err *e)
{
	struct rel el[BASE_N];
	base(el);
	size_t len;
	uint8_t *b = raw_md(el, BASE_N, base_data, sizeof(base_data), &len);
	uint8_t *big = calloc(1, len + 64);
	memcpy(big, b, len);
	free(b);
	patch(big, &len);
	struct md *md = NULL;
	enum md_status rc = md_read(big, len, &md, e);
	md_free(md);
	free(big);
	return rc;
}

static void p_version(uint8_t *b, size_t *len)
{
	put32(b, 0x20000);
}
static void p_align(uint8_t *b, size_t *len)
{
	put32(b + 4, 16 * BASE_N + 8);
}
static void p_blocks(uint8_t *b, size_t *len)
{
	put32(b + 12, 1000);
}
static void p_trailing(uint8_t *b, size_t *len)
{
	*len += 16; /* 16 zero bytes after the data block */
}
static void p_trailing_junk(uint8_t *b, size_t *len)
{
	b[*len] = 0xff;
	*len += 1;
}
static void p_empty(uint8_t *b, size_t *len)
{
	put32(b + 4, 0);
}

Test(md_reader, refuses_an_unknown_transport_version)
{
	struct md_err e;
	cr_assert_eq(read_patched(p_version, &e), MD_ERR_VERSION);
	cr_assert(strstr(e.msg, "transport version 0x20000"), "%s", e.msg);
	cr_assert_eq(e.elem, MD_NO_ELEM);
}

Test(md_reader, refuses_a_node_block_not_a_multiple_of_16_bytes)
{
	struct md_err e;
	cr_assert_eq(read_patched(p_align, &e), MD_ERR_NODE_BLOCK_ALIGN);
	cr_assert(strstr(e.msg, "node block size 184"), "%s", e.msg);
}

Test(md_reader, refuses_blocks_larger_than_the_buffer)
{
	struct md_err e;
	cr_assert_eq(read_patched(p_blocks, &e), MD_ERR_BLOCKS_SIZE);
	cr_assert(strstr(e.msg, "data block 1000"), "%s", e.msg);
}

Test(md_reader, refuses_bytes_after_the_data_block)
{
	struct md_err e;
	cr_assert_eq(read_patched(p_trailing, &e), MD_ERR_TRAILING);
	cr_assert(strstr(e.msg, "16 bytes after the data block"), "%s", e.msg);
	cr_assert_eq(read_patched(p_trailing_junk, &e), MD_ERR_TRAILING);
}

Test(md_reader, refuses_an_empty_node_block)
{
	struct md_err e;
	cr_assert_eq(read_patched(p_empty, &e), MD_ERR_EMPTY);
	cr_assert(strstr(e.msg, "node block size is 0"), "%s", e.msg);
}

Test(md_reader, refuses_a_name_offset_outside_the_name_block)
{
	struct rel el[BASE_N];
	base(el);
	el[1].name_off = 5000;
	EXPECT_ERR(el, BASE_N, MD_ERR_NAME_BOUNDS, 1, "element 1 (arc in node 'root' @0)",
	           "name_offset 5000");
}

Test(md_reader, refuses_a_name_not_nul_terminated_at_its_length)
{
	struct rel el[BASE_N];
	base(el);
	el[6].name_len = 1; /* "id" read as "i" + 'd' where the NUL should be */
	EXPECT_ERR(el, BASE_N, MD_ERR_NAME_UNTERMINATED, 6, "element 6 (value in node 'cpu' @5)",
	           "not NUL-terminated at name_len 1");
}

Test(md_reader, refuses_a_name_with_a_nul_before_its_length)
{
	struct rel el[BASE_N];
	base(el);
	/* element 2 takes the name "x" plus the NUL and the "str" after it */
	el[2].name_len = 5;
	EXPECT_ERR(el, BASE_N, MD_ERR_NAME_LENGTH, 2, "element 2 (value in node 'root' @0)",
	           "has a NUL at 1, before name_len 5");
}

Test(md_reader, refuses_an_empty_name)
{
	struct rel el[BASE_N];
	base(el);
	el[5].name_len = 0;
	EXPECT_ERR(el, BASE_N, MD_ERR_NAME_EMPTY, 5, "element 5 (node)", "name_len is 0");
}

Test(md_reader, refuses_data_outside_the_data_block)
{
	struct rel el[BASE_N];
	base(el);
	el[8].val = SV(11, 10); /* 10 + 11 > 17 */
	EXPECT_ERR(el, BASE_N, MD_ERR_DATA_BOUNDS, 8, "element 8 (string 'type' in node 'cpu' @5)",
	           "data offset 10 + length 11", "data block of 17 bytes");
}

Test(md_reader, refuses_a_string_value_not_ending_in_nul)
{
	struct rel el[BASE_N];
	base(el);
	el[3].val = SV(5, 0); /* "hello" without its NUL */
	EXPECT_ERR(el, BASE_N, MD_ERR_STRING_UNTERMINATED, 3,
	           "element 3 (string 'str' in node 'root' @0)", "does not end in NUL");
}

Test(md_reader, refuses_an_arc_to_anything_but_a_node_start)
{
	struct rel el[BASE_N];
	base(el);
	el[1].val = 2;
	EXPECT_ERR(el, BASE_N, MD_ERR_ARC_TARGET, 1, "element 1 (arc 'fwd' in node 'root' @0)",
	           "target 2 is not a node start");
	el[1].val = 99;
	EXPECT_ERR(el, BASE_N, MD_ERR_ARC_TARGET, 1, "target 99 is not a node start");
}

Test(md_reader, refuses_an_element_outside_any_node)
{
	const struct rel el[] = {
	    R('N', "root", 4), R('v', "x", 1),  R('E', NULL, 0), R('v', "stray", 2),
	    R('N', "cpu", 6),  R('E', NULL, 0), R(0, NULL, 0),
	};
	EXPECT_ERR(el, 7, MD_ERR_OUTSIDE_NODE, 3, "element 3 (value 'stray' outside any node)");
	/* element 0 must be a node: Linux starts its walk there */
	const struct rel el2[] = {R(0x20, NULL, 0), R('N', "root", 3), R('E', NULL, 0),
	                          R(0, NULL, 0)};
	EXPECT_ERR(el2, 4, MD_ERR_OUTSIDE_NODE, 0, "element 0 must be a node");
}

Test(md_reader, refuses_a_node_end_outside_any_node)
{
	const struct rel el[] = {R('N', "root", 3), R('E', NULL, 0), R(0x20, NULL, 0),
	                         R('E', NULL, 0), R(0, NULL, 0)};
	/* root's next value 3 points at the stray E; the E is met first */
	EXPECT_ERR(el, 5, MD_ERR_OUTSIDE_NODE, 3, "element 3 (node end outside any node)");
}

Test(md_reader, refuses_a_node_without_its_end)
{
	struct rel el[BASE_N];
	base(el);
	el[4] = (struct rel)R('v', "y", 2); /* root's E replaced */
	EXPECT_ERR(el, BASE_N, MD_ERR_NODE_UNTERMINATED, 0, "element 0 (node 'root')",
	           "no node end (E) before the next node at element 5");
	base(el);
	el[9] = (struct rel)R('v', "y", 2); /* cpu's E replaced: list end comes */
	EXPECT_ERR(el, BASE_N, MD_ERR_NODE_UNTERMINATED, 5, "element 5 (node 'cpu')",
	           "before the list end at element 10");
}

Test(md_reader, refuses_a_next_node_value_other_than_the_next_node)
{
	struct rel el[BASE_N];
	base(el);
	el[0].val = 6;
	EXPECT_ERR(el, BASE_N, MD_ERR_NODE_NEXT, 0, "element 0 (node 'root')",
	           "next-node value 6 is not the next node start 5");
	base(el);
	el[5].val = 0; /* last node loops back: Linux would walk forever */
	EXPECT_ERR(el, BASE_N, MD_ERR_NODE_NEXT, 5, "element 5 (node 'cpu')",
	           "not the list end 10");
}

Test(md_reader, refuses_an_element_list_without_its_end)
{
	struct rel el[BASE_N];
	base(el);
	el[10] = (struct rel)R(0x20, NULL, 0);
	EXPECT_ERR(el, BASE_N, MD_ERR_LIST_UNTERMINATED, 10, "element 10", "without a list end");
}

Test(md_reader, refuses_an_element_after_the_list_end)
{
	struct rel el[BASE_N + 1];
	base(el);
	el[BASE_N] = (struct rel)R('v', "late", 1);
	EXPECT_ERR(el, BASE_N + 1, MD_ERR_AFTER_END, 11, "element 11",
	           "after the list end at element 10");
}

Test(md_reader, refuses_an_unknown_tag_outside_any_node)
{
	const struct rel el[] = {R('N', "root", 3), R('E', NULL, 0), R(0x7a, "odd", 0),
	                         R('N', "cpu", 5),  R('E', NULL, 0), R(0, NULL, 0)};
	EXPECT_ERR(el, 6, MD_ERR_UNKNOWN_TAG, 2, "element 2 (tag 0x7a outside any node)");
}

Test(md_reader, file_errors_name_the_file)
{
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_read_file("/nonexistent/x.md", &md, &e), MD_ERR_IO);
	cr_assert(strstr(e.msg, "/nonexistent/x.md: "), "%s", e.msg);
	char path[256];
	test_tmpfile(path, sizeof path, "md");
	int fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 16);
	close(fd);
	cr_assert_eq(md_read_file(path, &md, &e), MD_ERR_EMPTY);
	cr_assert(!strncmp(e.msg, path, strlen(path)), "%s", e.msg);
	unlink(path);
}

Test(md_reader, strerror_names_every_status_code)
{
	for (int c = 0; c < MD_STATUS_COUNT; c++) {
		cr_assert_not_null(md_strerror((enum md_status) - c));
		cr_assert_neq(strcmp(md_strerror((enum md_status) - c), "unknown MD error"), 0,
		              "code %d", c);
	}
	cr_assert_str_eq(md_strerror(MD_STATUS_COUNT), "unknown MD error");
}

/* ---- builder ---------------------------------------------------------- */

Test(md_builder, refuses_bad_arguments)
{
	struct md_builder *b;
	md_bnode_t n;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "", &n), MD_ERR_ARG);
	cr_assert_eq(md_b_node(b, "root", &n), MD_OK);
	cr_assert_eq(md_b_u64(b, 7, "x", 1), MD_ERR_ARG);
	cr_assert_eq(md_b_strn(b, n, "s", "ab", 2), MD_ERR_ARG); /* no NUL */
	cr_assert_eq(md_b_arc(b, n, "fwd", 5), MD_OK);           /* forward ref... */
	struct md_buf out;
	cr_assert_eq(md_b_finish(b, &out), MD_ERR_ARG); /* ...that never appeared */
	md_builder_free(b);
	md_builder_free(NULL);
	md_buf_free(NULL);
}

/* Finish builder b (freed), read the MD back: out keeps the bytes. */
static struct md *finish_and_read(struct md_builder *b, struct md_buf *out)
{
	struct md *md;
	struct md_err e;
	cr_assert_eq(md_b_finish(b, out), MD_OK);
	md_builder_free(b);
	cr_assert_eq(md_read(out->data, out->len, &md, &e), MD_OK, "%s", e.msg);
	return md;
}

Test(md_builder, resolves_forward_arcs_stores_equal_strings_once_and_pads_blocks)
{
	struct md_builder *b;
	md_bnode_t r, c;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "root", &r), MD_OK);
	cr_assert_eq(md_b_node(b, "cpu", &c), MD_OK);
	cr_assert_eq(md_b_arc(b, r, "fwd", c), MD_OK);
	cr_assert_eq(md_b_str(b, r, "a", "same"), MD_OK);
	cr_assert_eq(md_b_str(b, c, "b", "same"), MD_OK);
	cr_assert_eq(md_b_arc(b, c, "back", r), MD_OK);
	struct md_buf out;
	struct md *md = finish_and_read(b, &out);
	struct md_warnings w;
	md_warnings(md, &w);
	cr_assert_eq(w.data_unpadded, 0);
	cr_assert_eq(w.name_unpadded, 0);
	size_t dl1, dl2;
	const char *s1 = md_get_data(md, md_node_first(md, "root"), "a", &dl1);
	const char *s2 = md_get_data(md, md_node_first(md, "cpu"), "b", &dl2);
	cr_assert_eq(s1, s2); /* one copy in the data block */
	cr_assert_eq(dl1, 5);
	md_node_t t;
	cr_assert_eq(md_arcs(md, md_node_first(md, "root"), "fwd", &t, 1), 1);
	cr_assert_eq(t, md_node_first(md, "cpu"));
	md_free(md);
	md_buf_free(&out);
	cr_assert_null(out.data);
}

/* Regression (fuzz crash-md-7068f660): an MD whose only `d` payloads are
 * empty leaves the builder without a payload buffer; the writer must still
 * encode it (UBSan flagged NULL + 0 in md_write), and it must round-trip. */
Test(md_builder, empty_data_payload_round_trips)
{
	struct md_builder *b;
	md_bnode_t r;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "root", &r), MD_OK);
	cr_assert_eq(md_b_data(b, r, "empty", NULL, 0), MD_OK);
	cr_assert_eq(md_b_data(b, r, "empty2", "", 0), MD_OK);
	struct md_buf out, again;
	struct md *md = finish_and_read(b, &out);
	struct md_err e;
	size_t dl = 99;
	cr_assert_not_null(md_get_data(md, md_node_first(md, "root"), "empty", &dl));
	cr_assert_eq(dl, 0);
	cr_assert_eq(md_write(md, &again, &e), MD_OK, "%s", e.msg);
	cr_assert_eq(again.len, out.len);
	cr_assert_eq(memcmp(again.data, out.data, out.len), 0);
	md_free(md);
	md_buf_free(&out);
	md_buf_free(&again);
}

/* String lists (`compatible`, `hwcap-list`): each string in turn, an
 * empty one kept, a last one without its NUL still bounded by the payload. */
Test(md_builder, string_lists_iterate_each_string_within_the_payload)
{
	struct md_builder *b;
	md_bnode_t r;
	cr_assert_eq(md_builder_new(&b), MD_OK);
	cr_assert_eq(md_b_node(b, "root", &r), MD_OK);
	cr_assert_eq(md_b_data(b, r, "caps", "popc\0\0pause", 11), MD_OK);
	struct md_buf out;
	struct md *md = finish_and_read(b, &out);
	md_node_t n = md_node_first(md, "root");
	size_t l;
	const char *p = md_strlist_at(md, n, "caps", 0, &l);
	cr_assert(p && l == 4 && !memcmp(p, "popc", 4));
	p = md_strlist_at(md, n, "caps", 1, &l);
	cr_assert(p && l == 0);
	p = md_strlist_at(md, n, "caps", 2, &l);
	cr_assert(p && l == 5 && !memcmp(p, "pause", 5));
	cr_assert_null(md_strlist_at(md, n, "caps", 3, &l));
	cr_assert_null(md_strlist_at(md, n, "absent", 0, &l));
	cr_assert_null(md_strlist_at(md, MD_NODE_NONE, "caps", 0, &l));
	cr_assert(md_prop_has_str(md, n, "caps", "popc"));
	cr_assert(!md_prop_has_str(md, n, "caps", "pause"), "unterminated: not a string");
	md_free(md);
	md_buf_free(&out);
}

/* ---- shapes and generator --------------------------------------------- */

static const char *const all_shapes[] = {
    "t2", "t4-4", "t5-8", "m7-16", "m8-8", "param:2x4x2@1.5", "param:1x1x1", NULL};

Test(md_gen, round_trip_is_byte_identical_for_every_shape)
{
	for (int i = 0; all_shapes[i]; i++) {
		struct md_shape *s;
		struct md_err e;
		struct md_buf a, a2, w;
		struct md *md;
		cr_assert_eq(md_shape_get(all_shapes[i], &s, &e), MD_OK, "%s", e.msg);
		cr_assert_eq(md_gen(s, NULL, 0, &a, &e), MD_OK, "%s", e.msg);
		cr_assert_eq(md_gen(s, NULL, 0, &a2, &e), MD_OK, "%s", e.msg);
		cr_assert_eq(a.len, a2.len);
		cr_assert_eq(memcmp(a.data, a2.data, a.len), 0, "%s: not deterministic",
		             all_shapes[i]);
		cr_assert_eq(md_read(a.data, a.len, &md, &e), MD_OK, "%s: %s", all_shapes[i],
		             e.msg);
		cr_assert_eq(md_write(md, &w, &e), MD_OK, "%s", e.msg);
		cr_assert_eq(w.len, a.len, "%s", all_shapes[i]);
		cr_assert_eq(memcmp(w.data, a.data, a.len), 0, "%s: round trip differs",
		             all_shapes[i]);
		md_free(md);
		md_buf_free(&a);
		md_buf_free(&a2);
		md_buf_free(&w);
		md_shape_free(s);
	}
}

Test(md_gen, a_present_subset_gives_those_cpus_in_order_and_the_whole_machine)
{
	struct md_shape *s;
	struct md_err e;
	struct md_buf a;
	struct md *md;
	const uint32_t ids[] = {63, 3, 2, 17};
	cr_assert_eq(md_shape_get("t4-4", &s, &e), MD_OK);
	cr_assert_eq(md_gen(s, ids, 4, &a, &e), MD_OK, "%s", e.msg);
	cr_assert_eq(md_read(a.data, a.len, &md, &e), MD_OK, "%s", e.msg);
	uint64_t want[] = {2, 3, 17, 63}, id, maxc;
	size_t k = 0;
	for (md_node_t c = md_node_first(md, "cpu"); c != MD_NODE_NONE;
	     c = md_node_next(md, c, "cpu")) {
		cr_assert_eq(md_get_u64(md, c, "id", &id), 0);
		cr_assert_lt(k, 4);
		cr_assert_eq(id, want[k++]);
	}
	cr_assert_eq(k, 4);
	cr_assert_eq(md_get_u64(md, md_node_first(md, "platform"), "max-cpus", &maxc), 0);
	cr_assert_eq(maxc, 256);
	size_t sockets = 0, l1 = 0;
	for (md_node_t n = md_node_first(md, "socket"); n != MD_NODE_NONE;
	     n = md_node_next(md, n, "socket"))
		sockets++;
	for (md_node_t n = md_node_first(md, "cache"); n != MD_NODE_NONE;
	     n = md_node_next(md, n, "cache")) {
		uint64_t lv;
		md_get_u64(md, n, "level", &lv);
		l1 += lv == 1;
	}
	cr_assert_eq(sockets, 1);
	cr_assert_eq(l1, 2 * 3); /* cores 0, 2, 7 of socket 0: I and D each */
	md_free(md);
	md_buf_free(&a);
	const uint32_t bad[] = {1, 1};
	cr_assert_eq(md_gen(s, bad, 2, &a, &e), MD_ERR_PRESENT);
	cr_assert(strstr(e.msg, "strand 1 listed twice"), "%s", e.msg);
	const uint32_t big[] = {256};
	cr_assert_eq(md_gen(s, big, 1, &a, &e), MD_ERR_PRESENT);
	cr_assert(strstr(e.msg, "strand 256 is not below 256"), "%s", e.msg);
	md_shape_free(s);
}

Test(md_shape, each_shape_has_its_documented_geometry_and_clock)
{
	struct md_shape *s;
	struct md_err e;
	struct {
		const char *name;
		uint32_t so, co, st;
		uint64_t hz;
	} want[] = {{"t2", 1, 8, 8, 1400000000ull},    {"t4-4", 4, 8, 8, 3000000000ull},
	            {"t5-8", 8, 16, 8, 3600000000ull}, {"m7-16", 16, 32, 8, 4130000000ull},
	            {"m8-8", 8, 32, 8, 5000000000ull}, {"param:3x5x2@2.5", 3, 5, 2, 2500000000ull}};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(md_shape_get(want[i].name, &s, &e), MD_OK, "%s", e.msg);
		cr_assert_eq(md_shape_sockets(s), want[i].so);
		cr_assert_eq(md_shape_cores_per_socket(s), want[i].co);
		cr_assert_eq(md_shape_strands_per_core(s), want[i].st);
		cr_assert_eq(md_shape_strands(s), want[i].so * want[i].co * want[i].st);
		cr_assert_eq(md_shape_clock_hz(s), want[i].hz);
		cr_assert_gt(md_shape_cpi(s), 0.0);
		cr_assert_gt(md_shape_cache_count(s), 2);
		md_shape_free(s);
	}
	cr_assert_eq(md_shape_get("m7-16", &s, &e), MD_OK);
	cr_assert_eq(md_shape_strands(s), 4096);
	md_shape_free(s);
	cr_assert_eq(md_shape_get("t3", &s, &e), MD_ERR_SHAPE);
	cr_assert(strstr(e.msg, "unknown shape 't3'"));
	cr_assert_eq(md_shape_get("param:16x32x9", &s, &e), MD_ERR_SHAPE);
	cr_assert_eq(md_shape_get("param:1x0x1", &s, &e), MD_ERR_SHAPE);
	cr_assert_eq(md_shape_get("param:1x2", &s, &e), MD_ERR_SHAPE);
	cr_assert_eq(md_shape_get("param:1x2x2@", &s, &e), MD_ERR_SHAPE);
	md_shape_free(NULL);
	const char *const *names = md_shape_names();
	cr_assert_str_eq(names[0], "t2");
}

Test(md_shape, cpu_lists_parse_ranges_and_counts_and_refuse_bad_ones)
{
	uint32_t *ids;
	size_t n;
	struct md_err e;
	cr_assert_eq(md_parse_cpulist("5-7,1,3", 64, 0, &ids, &n, &e), MD_OK, "%s", e.msg);
	cr_assert_eq(n, 5);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(ids[4], 7);
	free(ids);
	cr_assert_eq(md_parse_cpulist("12", 64, 1, &ids, &n, &e), MD_OK);
	cr_assert_eq(n, 12);
	cr_assert_eq(ids[11], 11);
	free(ids);
	cr_assert_eq(md_parse_cpulist("12", 64, 0, &ids, &n, &e), MD_OK);
	cr_assert_eq(n, 1);
	free(ids);
	cr_assert_eq(md_parse_cpulist("1,1", 64, 0, &ids, &n, &e), MD_ERR_PRESENT);
	cr_assert_eq(md_parse_cpulist("3-1", 64, 0, &ids, &n, &e), MD_ERR_PRESENT);
	cr_assert_eq(md_parse_cpulist("0-64", 64, 0, &ids, &n, &e), MD_ERR_PRESENT);
	cr_assert(strstr(e.msg, "strand 64 is not below 64"), "%s", e.msg);
	cr_assert_eq(md_parse_cpulist("65", 64, 1, &ids, &n, &e), MD_ERR_PRESENT);
	cr_assert_eq(md_parse_cpulist("a", 64, 1, &ids, &n, &e), MD_ERR_PRESENT);
	cr_assert_eq(md_parse_cpulist("", 64, 1, &ids, &n, &e), MD_ERR_PRESENT);
}

/* ---- the CLI ---------------------------------------------------------- */

Test(md_cli, md_stat_counts_equal_each_shapes_geometry)
{
	static char out[1 << 20];
	char cmd[1024], path[256];
	test_tmpfile(path, sizeof path, "md");
	for (int i = 0; all_shapes[i]; i++) {
		struct md_shape *s;
		struct md_err e;
		cr_assert_eq(md_shape_get(all_shapes[i], &s, &e), MD_OK);
		snprintf(cmd, sizeof(cmd), "build/ldomsim md gen --shape '%s' -o %s", all_shapes[i],
		         path);
		cr_assert_eq(test_run(cmd, NULL, 0), 0, "%s", cmd);
		snprintf(cmd, sizeof(cmd), "build/ldomsim md stat --json %s", path);
		cr_assert_eq(test_run(cmd, out, sizeof(out)), 0, "%s", cmd);
		json_error_t je;
		json_t *j = json_loads(out, 0, &je);
		cr_assert_not_null(j, "%s: %s", all_shapes[i], je.text);
		uint32_t strands = md_shape_strands(s);
		cr_assert_eq(json_integer_value(json_object_get(j, "strands")), strands);
		json_t *ids = json_object_get(j, "strand_ids");
		cr_assert_eq(json_array_size(ids), strands);
		cr_assert_eq(json_integer_value(json_array_get(ids, strands - 1)), strands - 1);
		cr_assert_eq(json_integer_value(json_object_get(j, "cores")),
		             md_shape_sockets(s) * md_shape_cores_per_socket(s));
		cr_assert_eq(json_integer_value(json_object_get(j, "sockets")),
		             md_shape_has_sockets(s) ? md_shape_sockets(s) : 0);
		cr_assert_eq(json_integer_value(json_object_get(j, "exec_units")),
		             md_shape_sockets(s) * md_shape_cores_per_socket(s) *
		                 md_shape_exec_units_per_core(s));
		cr_assert_eq(json_integer_value(json_object_get(j, "max_cpus")), strands);
		/* hwcaps: every shape has popc; pause from SPARC T4 on (not T2) */
		json_t *hw = json_object_get(j, "hwcaps"), *cap;
		size_t hi;
		int popc = 0, pause = 0;
		json_array_foreach(hw, hi, cap)
		{
			popc |= !strcmp(json_string_value(cap), "popc");
			pause |= !strcmp(json_string_value(cap), "pause");
		}
		cr_assert(popc, "%s: hwcaps lack popc", all_shapes[i]);
		cr_assert_eq(pause, strcmp(all_shapes[i], "t2") != 0, "%s: pause", all_shapes[i]);
		/* caches: count per description = sockets * instances per socket */
		json_t *caches = json_object_get(j, "caches");
		for (size_t c = 0; c < md_shape_cache_count(s); c++) {
			const struct md_shape_cache *cd = md_shape_cache(s, c);
			uint32_t sh =
			    cd->cores_sharing ? cd->cores_sharing : md_shape_cores_per_socket(s);
			uint32_t inst =
			    md_shape_sockets(s) * ((md_shape_cores_per_socket(s) + sh - 1) / sh);
			int found = 0;
			for (size_t k = 0; k < json_array_size(caches); k++) {
				json_t *cc = json_array_get(caches, k);
				const char *type = cd->kind == MD_CACHE_INSTN  ? "instn"
				                   : cd->kind == MD_CACHE_DATA ? "data"
				                                               : "unified";
				if (json_integer_value(json_object_get(cc, "level")) == cd->level &&
				    (uint64_t)json_integer_value(json_object_get(cc, "size")) ==
				        cd->size &&
				    !strcmp(json_string_value(json_object_get(cc, "type")), type)) {
					cr_assert_eq(
					    json_integer_value(json_object_get(cc, "count")), inst,
					    "%s L%u", all_shapes[i], cd->level);
					found = 1;
				}
			}
			cr_assert(found, "%s: cache %zu missing", all_shapes[i], c);
		}
		json_decref(j);
		md_shape_free(s);
	}
	unlink(path);
}

Test(md_cli, diff_reports_strands_first_and_exit_status)
{
	static char out[1 << 16];
	char a[256], b[256], cmd[1024];
	test_tmpfile(a, sizeof a, "mda");
	test_tmpfile(b, sizeof b, "mdb");
	snprintf(cmd, sizeof(cmd), "build/ldomsim md gen --shape t2 --present 0-55 -o %s", a);
	cr_assert_eq(test_run(cmd, NULL, 0), 0);
	snprintf(cmd, sizeof(cmd), "build/ldomsim md gen --shape t2 --present 4-63 -o %s", b);
	cr_assert_eq(test_run(cmd, NULL, 0), 0);
	snprintf(cmd, sizeof(cmd), "build/ldomsim md diff %s %s", a, b);
	cr_assert_eq(test_run(cmd, out, sizeof(out)), 1);
	cr_assert(!strncmp(out, "strands removed (4): 0-3\nstrands added (8): 56-63\n", 48), "%s",
	          out);
	snprintf(cmd, sizeof(cmd), "build/ldomsim md diff %s %s", a, a);
	cr_assert_eq(test_run(cmd, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "no differences\n");
	snprintf(cmd, sizeof(cmd), "build/ldomsim md diff %s /nonexistent 2>/dev/null", a);
	cr_assert_eq(test_run(cmd, NULL, 0), 2);
	unlink(a);
	unlink(b);
}

Test(md_cli, md_usage_errors_exit_2_help_exits_0_and_errors_name_the_file)
{
	static char out[1 << 16];
	cr_assert_eq(test_run("build/ldomsim md 2>/dev/null", NULL, 0), 2);
	cr_assert_eq(test_run("build/ldomsim md --help", NULL, 0), 0);
	const char *subs[] = {"check", "dump", "stat", "diff", "gen", "topo"};
	char cmd[1024];
	for (size_t i = 0; i < 6; i++) {
		snprintf(cmd, sizeof(cmd), "build/ldomsim md %s --help", subs[i]);
		cr_assert_eq(test_run(cmd, out, sizeof(out)), 0, "%s", cmd);
		cr_assert(strstr(out, "usage: ldomsim md"), "%s", cmd);
	}
	cr_assert_eq(
	    test_run("build/ldomsim md gen --shape nope -o /dev/null 2>&1", out, sizeof(out)), 2);
	cr_assert(strstr(out, "unknown shape 'nope'"), "%s", out);
	/* A broken file: the error names the file and the element. */
	struct rel el[BASE_N];
	base(el);
	el[1].val = 2;
	size_t len;
	uint8_t *bytes = raw_md(el, BASE_N, base_data, sizeof(base_data), &len);
	char path[256];
	test_tmpfile(path, sizeof path, "md");
	int fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	free(bytes);
	snprintf(cmd, sizeof(cmd), "build/ldomsim md dump %s 2>&1", path);
	cr_assert_eq(test_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, path) && strstr(out, "element 1 (arc 'fwd' in node 'root' @0)"), "%s",
	          out);
	snprintf(cmd, sizeof(cmd), "build/ldomsim md check %s", path);
	cr_assert_eq(test_run(cmd, out, sizeof(out)), 1);
	unlink(path);
}
