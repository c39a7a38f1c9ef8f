/*
 * ldomsim — sun4v machine description reader (validating) and writer.
 *
 * What the reader enforces, and why (Linux 6.1 arch/sparc/kernel/mdesc.c
 * walks the MD without any bounds checks):
 *  - the header version and the block sizes: the node block is a whole
 *    number of 16-byte elements and the three blocks fit in the buffer;
 *  - element 0 is a node (Linux starts its node walk there) or the list end;
 *  - every `N` value is the index of the next `N` (the last one: of the list
 *    end) — Linux follows this chain, a wrong value loops or skips nodes;
 *  - every node is closed by `E` before the next `N`/list end — Linux scans
 *    properties until it meets an `E`;
 *  - properties, arcs and `E` only inside a node;
 *  - names of `N`/`a`/`v`/`s`/`d` lie inside the name block, are not empty,
 *    have no NUL before name_len and a NUL at name_len (Linux strcmp()s them);
 *  - `s`/`d` payloads lie inside the data block; `s` payloads end in NUL;
 *  - arcs point at `N` elements (Linux takes the target's name unchecked);
 *  - no `fwd` arc and no `back` arc points at its own node, and neither
 *    kind forms a cycle: fill_in_one_cache() recurses along the `fwd` arcs
 *    of level-1 caches with no depth limit (a cycle never ends), and
 *    find_back_node_value() follows `back` arcs to depth 10 on every path
 *    (a cycle multiplies the walk: k arcs cost k^10 visits). Real MDs
 *    are a DAG of `fwd` arcs from the root, `back` arcs its mirror;
 *  - the list end exists; after it only all-zero elements (padding).
 * What it accepts (seen in real, tool-built MDs; harmless to Linux), counted
 * in struct md_warnings: a data or name block not padded to 16 bytes, unknown
 * tags and 0x20 no-ops inside nodes (no-ops also between nodes), a non-zero
 * reserved field, zero elements after the list end, up to 15 zero bytes after
 * the data block.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md.h"
#include "util/atomic.h"
#include "util/bytes.h"
#include "util/file.h"

/* ---- helpers ---------------------------------------------------------- */

static enum md_status set_err(struct md_err *err, enum md_status code, uint64_t elem,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum md_status set_err(struct md_err *err, enum md_status code, uint64_t elem,
                              const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->elem = elem;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *md_strerror(enum md_status code)
{
	static const char *const msgs[MD_STATUS_COUNT] = {
	    [-MD_OK] = "success",
	    [-MD_ERR_ARG] = "invalid argument",
	    [-MD_ERR_NOMEM] = "out of memory",
	    [-MD_ERR_IO] = "I/O error",
	    [-MD_ERR_SHORT] = "shorter than the MD header",
	    [-MD_ERR_VERSION] = "unsupported MD transport version",
	    [-MD_ERR_NODE_BLOCK_ALIGN] = "node block size not a multiple of 16",
	    [-MD_ERR_BLOCKS_SIZE] = "MD blocks larger than the buffer",
	    [-MD_ERR_TRAILING] = "bytes after the data block",
	    [-MD_ERR_EMPTY] = "empty node block",
	    [-MD_ERR_NAME_BOUNDS] = "name outside the name block",
	    [-MD_ERR_NAME_UNTERMINATED] = "name not NUL-terminated at its length",
	    [-MD_ERR_NAME_EMPTY] = "empty name",
	    [-MD_ERR_DATA_BOUNDS] = "payload outside the data block",
	    [-MD_ERR_STRING_UNTERMINATED] = "string payload not NUL-terminated",
	    [-MD_ERR_ARC_TARGET] = "arc target is not a node",
	    [-MD_ERR_OUTSIDE_NODE] = "element outside a node",
	    [-MD_ERR_NODE_UNTERMINATED] = "node not terminated by E",
	    [-MD_ERR_NODE_NEXT] = "node's next-node value is wrong",
	    [-MD_ERR_LIST_UNTERMINATED] = "element list not terminated",
	    [-MD_ERR_AFTER_END] = "elements after the list end",
	    [-MD_ERR_UNKNOWN_TAG] = "unknown tag outside a node",
	    [-MD_ERR_RESERVED] = "reserved field not zero",
	    [-MD_ERR_LIMIT] = "MD too large",
	    [-MD_ERR_SHAPE] = "unknown or malformed machine shape",
	    [-MD_ERR_PRESENT] = "bad present strand list",
	    [-MD_ERR_TOPO] = "MD lacks what the topology computation needs",
	    [-MD_ERR_NAME_LENGTH] = "name contains a NUL before its length",
	    [-MD_ERR_ARC_CYCLE] = "arcs at their own node or in a cycle",
	};
	if (code > 0 || -(int)code >= MD_STATUS_COUNT || !msgs[-code])
		return "unknown MD error";
	return msgs[-code];
}

void md_buf_free(struct md_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
}

/* ---- reader ----------------------------------------------------------- */

struct md_el {
	uint8_t tag;
	uint8_t name_len;
	uint32_t name_off;
	uint64_t val;
};

struct md {
	uint8_t *bytes;
	size_t len;
	uint32_t nelem; /* elements in the node block */
	struct md_el *el;
	const char *names;
	uint32_t name_sz;
	const uint8_t *data;
	uint32_t data_sz;
	uint32_t nnodes;
	uint32_t *nodes;      /* element index of each node, ascending */
	uint32_t *prop_start; /* nnodes + 1 entries into props[] */
	uint32_t *props;      /* element indices of a/v/s/d elements, node by node */
	struct md_warnings warn;
};

static const char *tag_kind(uint8_t tag)
{
	switch (tag) {
	case MD_TAG_NODE:
		return "node";
	case MD_TAG_NODE_END:
		return "node end";
	case MD_TAG_ARC:
		return "arc";
	case MD_TAG_VAL:
		return "value";
	case MD_TAG_STR:
		return "string";
	case MD_TAG_DATA:
		return "data";
	case MD_TAG_NOOP:
		return "no-op";
	case MD_TAG_LIST_END:
		return "list end";
	default:
		return "unknown tag";
	}
}

static int tag_named(uint8_t tag)
{
	return tag == MD_TAG_NODE || tag == MD_TAG_ARC || tag == MD_TAG_VAL || tag == MD_TAG_STR ||
	       tag == MD_TAG_DATA;
}

/* Name of element i if it is valid, else NULL (used while validating). */
static const char *el_name_ok(const struct md *md, uint32_t i)
{
	const struct md_el *e = &md->el[i];
	if (!e->name_len || (uint64_t)e->name_off + e->name_len >= md->name_sz)
		return NULL;
	if (md->names[e->name_off + e->name_len] != '\0' ||
	    memchr(md->names + e->name_off, 0, e->name_len))
		return NULL;
	return md->names + e->name_off;
}

/* "element 17 (arc 'fwd' in node 'cpu' @12)" */
static void el_context(const struct md *md, uint32_t i, uint32_t node, char *out, size_t cap)
{
	const struct md_el *e = &md->el[i];
	const char *nm = tag_named(e->tag) ? el_name_ok(md, i) : NULL;
	char kind[32];
	if (strcmp(tag_kind(e->tag), "unknown tag"))
		snprintf(kind, sizeof(kind), "%s", tag_kind(e->tag));
	else
		snprintf(kind, sizeof(kind), "tag 0x%02x", e->tag);
	char where[200] = "";
	if (e->tag != MD_TAG_NODE) {
		if (node != MD_NODE_NONE) {
			const char *nn = el_name_ok(md, node);
			snprintf(where, sizeof(where), " in node '%.64s' @%u", nn ? nn : "?", node);
		} else {
			snprintf(where, sizeof(where), " outside any node");
		}
	}
	if (nm)
		snprintf(out, cap, "element %u (%s '%.64s'%s)", i, kind, nm, where);
	else
		snprintf(out, cap, "element %u (%s%s)", i, kind, where);
}

#define CTX(i, node) (el_context(md, (i), (node), ctx, sizeof(ctx)), ctx)

static enum md_status check_name(struct md *md, uint32_t i, uint32_t node, struct md_err *err)
{
	const struct md_el *e = &md->el[i];
	char ctx[400];
	if (!e->name_len)
		return set_err(err, MD_ERR_NAME_EMPTY, i, "%s: name_len is 0", CTX(i, node));
	if ((uint64_t)e->name_off + e->name_len >= md->name_sz)
		return set_err(err, MD_ERR_NAME_BOUNDS, i,
		               "%s: name_offset %u + name_len %u (+ NUL) is outside the name "
		               "block of %u bytes",
		               CTX(i, node), e->name_off, e->name_len, md->name_sz);
	if (md->names[e->name_off + e->name_len] != '\0')
		return set_err(err, MD_ERR_NAME_UNTERMINATED, i,
		               "%s: name at name_offset %u is not NUL-terminated at name_len %u",
		               CTX(i, node), e->name_off, e->name_len);
	const char *z = memchr(md->names + e->name_off, 0, e->name_len);
	if (z)
		return set_err(err, MD_ERR_NAME_LENGTH, i,
		               "%s: name at name_offset %u has a NUL at %u, before name_len %u",
		               CTX(i, node), e->name_off, (unsigned)(z - (md->names + e->name_off)),
		               e->name_len);
	return MD_OK;
}

static enum md_status check_payload(struct md *md, uint32_t i, uint32_t node, struct md_err *err)
{
	const struct md_el *e = &md->el[i];
	uint32_t len = (uint32_t)(e->val >> 32), off = (uint32_t)e->val;
	char ctx[400];
	if ((uint64_t)off + len > md->data_sz)
		return set_err(err, MD_ERR_DATA_BOUNDS, i,
		               "%s: data offset %u + length %u is outside the data block of %u "
		               "bytes",
		               CTX(i, node), off, len, md->data_sz);
	if (e->tag == MD_TAG_STR && (len == 0 || md->data[off + len - 1] != '\0'))
		return set_err(err, MD_ERR_STRING_UNTERMINATED, i,
		               "%s: string at data offset %u, length %u does not end in NUL",
		               CTX(i, node), off, len);
	return MD_OK;
}

static enum md_status parse_header(struct md *md, struct md_err *err)
{
	if (md->len < MD_HEADER_SIZE)
		return set_err(err, MD_ERR_SHORT, MD_NO_ELEM,
		               "header: %zu bytes, shorter than the 16-byte header", md->len);
	uint32_t ver = util_be32(md->bytes), node_sz = util_be32(md->bytes + 4);
	uint32_t name_sz = util_be32(md->bytes + 8), data_sz = util_be32(md->bytes + 12);
	if (ver != MD_TRANSPORT_VERSION)
		return set_err(err, MD_ERR_VERSION, MD_NO_ELEM,
		               "header: transport version 0x%x, expected 0x%x", ver,
		               MD_TRANSPORT_VERSION);
	if (node_sz % MD_ELEM_SIZE)
		return set_err(err, MD_ERR_NODE_BLOCK_ALIGN, MD_NO_ELEM,
		               "header: node block size %u is not a multiple of 16", node_sz);
	if (node_sz == 0)
		return set_err(err, MD_ERR_EMPTY, MD_NO_ELEM,
		               "header: node block size is 0 (no list end)");
	uint64_t total = (uint64_t)MD_HEADER_SIZE + node_sz + name_sz + data_sz;
	if (total > md->len)
		return set_err(err, MD_ERR_BLOCKS_SIZE, MD_NO_ELEM,
		               "header: 16 + node block %u + name block %u + data block %u = "
		               "%llu bytes, but the MD has %zu",
		               node_sz, name_sz, data_sz, (unsigned long long)total, md->len);
	if (total < md->len) {
		size_t extra = md->len - (size_t)total;
		int zero = 1;
		for (size_t k = (size_t)total; k < md->len; k++)
			if (md->bytes[k])
				zero = 0;
		if (extra >= 16 || !zero)
			return set_err(
			    err, MD_ERR_TRAILING, MD_NO_ELEM,
			    "header: %zu bytes after the data block (which ends at %llu)", extra,
			    (unsigned long long)total);
	}
	md->nelem = node_sz / MD_ELEM_SIZE;
	md->names = (const char *)md->bytes + MD_HEADER_SIZE + node_sz;
	md->name_sz = name_sz;
	md->data = md->bytes + MD_HEADER_SIZE + node_sz + name_sz;
	md->data_sz = data_sz;
	if (data_sz % 16)
		md->warn.data_unpadded = 1;
	if (name_sz % 16)
		md->warn.name_unpadded = 1;
	return MD_OK;
}

static int is_arc_named(const struct md *md, uint32_t i, const char *name, size_t len)
{
	const struct md_el *e = &md->el[i];
	return e->tag == MD_TAG_ARC && e->name_len == len &&
	       !memcmp(md->names + e->name_off, name, len);
}

/* The arcs called name form no cycle, the shortest being an arc at its own
 * node (why: the comment at the top). An iterative depth-first search over
 * the node ordinals, O(nodes + arcs); targets are valid node starts. */
static enum md_status check_arc_cycles(struct md *md, const char *name, struct md_err *err)
{
	enum { WHITE, GREY, BLACK };
	size_t len = strlen(name);
	uint8_t *color = calloc(md->nnodes ? md->nnodes : 1, 1);
	uint32_t *stack = malloc(((size_t)md->nnodes + 1) * sizeof *stack);
	uint32_t *next = malloc(((size_t)md->nnodes + 1) * sizeof *next); /* props[] index */
	enum md_status rc = MD_OK;
	char ctx[400];
	const char *why = !strcmp(name, "fwd")
	                      ? "Linux's fill_in_one_cache would recurse along it forever"
	                      : "Linux's find_back_node_value would walk it again on each of its "
	                        "10 levels (k such arcs: k^10 visits)";

	if (!color || !stack || !next) {
		rc = set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory");
		goto out;
	}
	for (uint32_t root = 0; root < md->nnodes && !rc; root++) {
		size_t sp = 0;
		if (color[root] != WHITE)
			continue;
		color[root] = GREY;
		stack[sp] = root;
		next[sp++] = md->prop_start[root];
		while (sp && !rc) {
			uint32_t k = stack[sp - 1], j = next[sp - 1];
			while (j < md->prop_start[k + 1] &&
			       !is_arc_named(md, md->props[j], name, len))
				j++;
			if (j == md->prop_start[k + 1]) {
				color[k] = BLACK;
				sp--;
				continue;
			}
			next[sp - 1] = j + 1;
			uint32_t i = md->props[j],
			         t = md_node_ordinal(md, (md_node_t)md->el[i].val);
			if (t == k)
				rc = set_err(err, MD_ERR_ARC_CYCLE, i,
				             "%s: node %u's '%s' arc points at node %u itself: %s",
				             CTX(i, md->nodes[k]), md->nodes[k], name, md->nodes[k],
				             why);
			else if (color[t] == GREY)
				rc = set_err(
				    err, MD_ERR_ARC_CYCLE, i,
				    "%s: node %u's '%s' arc to node %u closes a cycle of '%s' "
				    "arcs: %s",
				    CTX(i, md->nodes[k]), md->nodes[k], name, md->nodes[t], name,
				    why);
			else if (color[t] == WHITE) {
				color[t] = GREY;
				stack[sp] = t;
				next[sp++] = md->prop_start[t];
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
	return rc;
}

static enum md_status validate(struct md *md, struct md_err *err)
{
	char ctx[400];
	uint32_t open = MD_NODE_NONE; /* node being read */
	uint32_t prev = MD_NODE_NONE; /* last node seen */
	uint32_t list_end = MD_NODE_NONE;
	uint32_t nprops = 0;
	enum md_status rc;

	md->el = calloc(md->nelem, sizeof(*md->el));
	if (!md->el)
		return set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory");
	for (uint32_t i = 0; i < md->nelem; i++) {
		const uint8_t *p = md->bytes + MD_HEADER_SIZE + (size_t)i * MD_ELEM_SIZE;
		md->el[i].tag = p[0];
		md->el[i].name_len = p[1];
		md->el[i].name_off = util_be32(p + 4);
		md->el[i].val = util_be64(p + 8);
		if (p[2] || p[3])
			md->warn.reserved_nonzero++;
	}

	for (uint32_t i = 0; i < md->nelem; i++) {
		const struct md_el *e = &md->el[i];
		if (list_end != MD_NODE_NONE) {
			const uint8_t *p = md->bytes + MD_HEADER_SIZE + (size_t)i * MD_ELEM_SIZE;
			for (int k = 0; k < 16; k++)
				if (p[k])
					return set_err(
					    err, MD_ERR_AFTER_END, i,
					    "%s: element after the list end at element %u",
					    CTX(i, MD_NODE_NONE), list_end);
			md->warn.zero_after_end++;
			continue;
		}
		switch (e->tag) {
		case MD_TAG_NODE:
			if (open != MD_NODE_NONE)
				return set_err(err, MD_ERR_NODE_UNTERMINATED, open,
				               "%s: no node end (E) before the next node at "
				               "element %u",
				               CTX(open, MD_NODE_NONE), i);
			if ((rc = check_name(md, i, MD_NODE_NONE, err)))
				return rc;
			if (prev != MD_NODE_NONE && md->el[prev].val != i)
				return set_err(err, MD_ERR_NODE_NEXT, prev,
				               "%s: next-node value %llu is not the next node "
				               "start %u",
				               CTX(prev, MD_NODE_NONE),
				               (unsigned long long)md->el[prev].val, i);
			open = prev = i;
			md->nnodes++;
			break;
		case MD_TAG_NODE_END:
			if (open == MD_NODE_NONE)
				return set_err(err, MD_ERR_OUTSIDE_NODE, i,
				               "%s: node end without a node", CTX(i, open));
			open = MD_NODE_NONE;
			break;
		case MD_TAG_ARC:
		case MD_TAG_VAL:
		case MD_TAG_STR:
		case MD_TAG_DATA:
			if (open == MD_NODE_NONE)
				return set_err(err, MD_ERR_OUTSIDE_NODE, i,
				               "%s: property or arc not inside a node",
				               CTX(i, open));
			if ((rc = check_name(md, i, open, err)))
				return rc;
			if ((e->tag == MD_TAG_STR || e->tag == MD_TAG_DATA) &&
			    (rc = check_payload(md, i, open, err)))
				return rc;
			nprops++;
			break;
		case MD_TAG_NOOP:
			if (i == 0)
				return set_err(
				    err, MD_ERR_OUTSIDE_NODE, i,
				    "%s: element 0 must be a node (Linux starts its node "
				    "walk there)",
				    CTX(i, open));
			md->warn.noops++;
			break;
		case MD_TAG_LIST_END:
			if (open != MD_NODE_NONE)
				return set_err(err, MD_ERR_NODE_UNTERMINATED, open,
				               "%s: no node end (E) before the list end at "
				               "element %u",
				               CTX(open, MD_NODE_NONE), i);
			if (prev != MD_NODE_NONE && md->el[prev].val != i)
				return set_err(err, MD_ERR_NODE_NEXT, prev,
				               "%s: next-node value %llu of the last node is not "
				               "the list end %u",
				               CTX(prev, MD_NODE_NONE),
				               (unsigned long long)md->el[prev].val, i);
			list_end = i;
			break;
		default:
			if (open == MD_NODE_NONE)
				return set_err(err, MD_ERR_UNKNOWN_TAG, i,
				               "%s: unknown tag 0x%02x outside any node",
				               CTX(i, open), e->tag);
			md->warn.unknown_tags++;
			break;
		}
	}
	if (list_end == MD_NODE_NONE) {
		if (open != MD_NODE_NONE)
			return set_err(err, MD_ERR_NODE_UNTERMINATED, open,
			               "%s: no node end (E) before the end of the node block",
			               CTX(open, MD_NODE_NONE));
		return set_err(err, MD_ERR_LIST_UNTERMINATED, md->nelem - 1,
		               "element %u: node block ends without a list end (0x00)",
		               md->nelem - 1);
	}

	md->nodes = malloc(((size_t)md->nnodes + 1) * sizeof(*md->nodes));
	md->prop_start = malloc(((size_t)md->nnodes + 1) * sizeof(*md->prop_start));
	md->props = malloc(((size_t)nprops + 1) * sizeof(*md->props));
	if (!md->nodes || !md->prop_start || !md->props)
		return set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory");
	uint32_t n = 0, np = 0;
	for (uint32_t i = 0; i < list_end; i++) {
		uint8_t t = md->el[i].tag;
		if (t == MD_TAG_NODE) {
			md->nodes[n] = i;
			md->prop_start[n++] = np;
		} else if (t == MD_TAG_ARC || t == MD_TAG_VAL || t == MD_TAG_STR ||
		           t == MD_TAG_DATA) {
			md->props[np++] = i;
		}
	}
	md->prop_start[n] = np;

	/* Arcs: targets must be node starts. */
	for (uint32_t k = 0; k < md->nnodes; k++) {
		for (uint32_t j = md->prop_start[k]; j < md->prop_start[k + 1]; j++) {
			uint32_t i = md->props[j];
			const struct md_el *e = &md->el[i];
			if (e->tag != MD_TAG_ARC)
				continue;
			if (e->val >= md->nelem || md->el[e->val].tag != MD_TAG_NODE)
				return set_err(err, MD_ERR_ARC_TARGET, i,
				               "%s: target %llu is not a node start",
				               CTX(i, md->nodes[k]), (unsigned long long)e->val);
		}
	}
	if ((rc = check_arc_cycles(md, "fwd", err)) || (rc = check_arc_cycles(md, "back", err)))
		return rc;
	return MD_OK;
}

void md_free(struct md *md)
{
	if (!md)
		return;
	free(md->bytes);
	free(md->el);
	free(md->nodes);
	free(md->prop_start);
	free(md->props);
	free(md);
}

enum md_status md_read(const void *buf, size_t len, struct md **out, struct md_err *err)
{
	enum md_status rc;
	if (err) {
		err->code = MD_OK;
		err->elem = MD_NO_ELEM;
		err->msg[0] = '\0';
	}
	if (!out || (!buf && len))
		return set_err(err, MD_ERR_ARG, MD_NO_ELEM, "md_read: invalid argument");
	*out = NULL;
	struct md *md = calloc(1, sizeof(*md));
	if (!md)
		return set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory");
	md->len = len;
	md->bytes = malloc(len ? len : 1);
	if (!md->bytes) {
		rc = set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "out of memory");
		goto fail;
	}
	if (len)
		memcpy(md->bytes, buf, len);
	if ((rc = parse_header(md, err)))
		goto fail;
	if ((rc = validate(md, err)))
		goto fail;
	*out = md;
	return MD_OK;
fail:
	md_free(md);
	return rc;
}

/* The whole file, with md_read_file's messages. */
static enum md_status slurp(const char *path, uint8_t **data, size_t *len, struct md_err *err)
{
	switch (util_read_file(path, data, len)) {
	case UTIL_OK:
		return MD_OK;
	case UTIL_E_OPEN:
		return set_err(err, MD_ERR_IO, MD_NO_ELEM, "%s: %s", path, strerror(errno));
	case UTIL_E_NOMEM:
		return set_err(err, MD_ERR_NOMEM, MD_NO_ELEM, "%s: out of memory", path);
	default:
		return set_err(err, MD_ERR_IO, MD_NO_ELEM, "%s: read error", path);
	}
}

enum md_status md_read_file(const char *path, struct md **out, struct md_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (!path || !out)
		return set_err(err, MD_ERR_ARG, MD_NO_ELEM, "md_read_file: invalid argument");
	*out = NULL;
	enum md_status rc = slurp(path, &buf, &len, err);
	if (rc)
		return rc;
	struct md_err e;
	rc = md_read(buf, len, out, &e);
	free(buf);
	if (rc)
		set_err(err, rc, e.elem, "%s: %s", path, e.msg);
	return rc;
}

void md_warnings(const struct md *md, struct md_warnings *out)
{
	*out = md->warn;
}

const uint8_t *md_bytes(const struct md *md, size_t *len)
{
	if (len)
		*len = md->len;
	return md->bytes;
}

size_t md_elem_count(const struct md *md)
{
	return md->nelem;
}

size_t md_node_count(const struct md *md)
{
	return md->nnodes;
}

uint32_t md_node_ordinal(const struct md *md, md_node_t node)
{
	uint32_t lo = 0, hi = md->nnodes;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (md->nodes[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < md->nnodes && md->nodes[lo] == node ? lo : MD_NODE_NONE;
}

md_node_t md_node_at(const struct md *md, uint32_t ordinal)
{
	return ordinal < md->nnodes ? md->nodes[ordinal] : MD_NODE_NONE;
}

const char *md_node_name(const struct md *md, md_node_t node)
{
	if (node >= md->nelem || md->el[node].tag != MD_TAG_NODE)
		return NULL;
	return md->names + md->el[node].name_off;
}

static md_node_t scan_nodes(const struct md *md, uint32_t from, const char *name)
{
	for (uint32_t k = from; k < md->nnodes; k++) {
		if (!name || !strcmp(md->names + md->el[md->nodes[k]].name_off, name))
			return md->nodes[k];
	}
	return MD_NODE_NONE;
}

md_node_t md_node_first(const struct md *md, const char *name)
{
	return scan_nodes(md, 0, name);
}

md_node_t md_node_next(const struct md *md, md_node_t node, const char *name)
{
	uint32_t k = md_node_ordinal(md, node);
	if (k == MD_NODE_NONE)
		return MD_NODE_NONE;
	return scan_nodes(md, k + 1, name);
}

size_t md_prop_count(const struct md *md, md_node_t node)
{
	uint32_t k = md_node_ordinal(md, node);
	if (k == MD_NODE_NONE)
		return 0;
	return md->prop_start[k + 1] - md->prop_start[k];
}

static void fill_prop(const struct md *md, uint32_t i, struct md_prop *out)
{
	const struct md_el *e = &md->el[i];
	out->tag = e->tag;
	out->name = md->names + e->name_off;
	out->val = e->val;
	out->elem = i;
	if (e->tag == MD_TAG_STR || e->tag == MD_TAG_DATA) {
		out->len = (uint32_t)(e->val >> 32);
		out->data = md->data + (uint32_t)e->val;
	} else {
		out->len = 0;
		out->data = NULL;
	}
}

int md_prop_get(const struct md *md, md_node_t node, size_t i, struct md_prop *out)
{
	uint32_t k = md_node_ordinal(md, node);
	if (k == MD_NODE_NONE || i >= md->prop_start[k + 1] - md->prop_start[k])
		return -1;
	fill_prop(md, md->props[md->prop_start[k] + i], out);
	return 0;
}

/* First non-arc property with that name, like mdesc_get_property(). */
static int find_prop(const struct md *md, md_node_t node, const char *name, struct md_prop *out)
{
	uint32_t k = md_node_ordinal(md, node);
	if (k == MD_NODE_NONE || !name)
		return -1;
	for (uint32_t j = md->prop_start[k]; j < md->prop_start[k + 1]; j++) {
		uint32_t i = md->props[j];
		if (md->el[i].tag == MD_TAG_ARC)
			continue;
		if (!strcmp(md->names + md->el[i].name_off, name)) {
			fill_prop(md, i, out);
			return 0;
		}
	}
	return -1;
}

int md_get_u64(const struct md *md, md_node_t node, const char *name, uint64_t *out)
{
	struct md_prop p;
	if (find_prop(md, node, name, &p) || p.tag != MD_TAG_VAL)
		return -1;
	if (out)
		*out = p.val;
	return 0;
}

const char *md_get_str(const struct md *md, md_node_t node, const char *name)
{
	struct md_prop p;
	if (find_prop(md, node, name, &p) || p.tag != MD_TAG_STR)
		return NULL;
	return p.data;
}

const void *md_get_data(const struct md *md, md_node_t node, const char *name, size_t *len)
{
	struct md_prop p;
	if (find_prop(md, node, name, &p) || !p.data)
		return NULL;
	if (len)
		*len = p.len;
	return p.data;
}

const char *md_strlist_at(const struct md *md, md_node_t node, const char *name, size_t i,
                          size_t *slen)
{
	size_t len;
	const char *s = md_get_data(md, node, name, &len);
	for (size_t pos = 0; s && pos < len;) {
		const char *z = memchr(s + pos, 0, len - pos);
		size_t l =
		    z ? (size_t)(z - (s + pos)) : len - pos; /* a last one may lack its NUL */
		if (!i--) {
			*slen = l;
			return s + pos;
		}
		pos += l + 1;
	}
	return NULL;
}

int md_prop_has_str(const struct md *md, md_node_t node, const char *name, const char *str)
{
	size_t len;
	const char *s = md_get_data(md, node, name, &len);
	if (!s)
		return 0;
	size_t want = strlen(str) + 1;
	for (size_t pos = 0; pos < len;) {
		const char *z = memchr(s + pos, 0, len - pos);
		size_t l = z ? (size_t)(z - (s + pos)) + 1 : len - pos;
		if (l == want && !memcmp(s + pos, str, want))
			return 1;
		pos += l;
	}
	return 0;
}

size_t md_arcs(const struct md *md, md_node_t node, const char *name, md_node_t *out, size_t cap)
{
	uint32_t k = md_node_ordinal(md, node);
	size_t n = 0;
	if (k == MD_NODE_NONE || !name)
		return 0;
	for (uint32_t j = md->prop_start[k]; j < md->prop_start[k + 1]; j++) {
		uint32_t i = md->props[j];
		if (md->el[i].tag != MD_TAG_ARC || strcmp(md->names + md->el[i].name_off, name))
			continue;
		if (n < cap)
			out[n] = (md_node_t)md->el[i].val;
		n++;
	}
	return n;
}

/* ---- builder ---------------------------------------------------------- */

/* An interning table of byte strings: arena + open-addressing hash. */
struct intern {
	uint8_t *arena;
	size_t len, cap;
	uint32_t *off, *blen; /* per entry */
	uint32_t n, ncap;
	uint32_t *slot; /* entry + 1, 0 = empty */
	uint32_t nslot; /* power of two */
	int nul;        /* append a NUL after each entry (names) */
};

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h ^ n;
}

static void intern_free(struct intern *t)
{
	free(t->arena);
	free(t->off);
	free(t->blen);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int intern_grow_slots(struct intern *t)
{
	uint32_t ns = t->nslot ? t->nslot * 2 : 256;
	uint32_t *s = calloc(ns, sizeof(*s));
	if (!s)
		return -1;
	for (uint32_t e = 0; e < t->n; e++) {
		uint64_t h = hash_bytes(t->arena + t->off[e], t->blen[e]);
		uint32_t k = (uint32_t)h & (ns - 1);
		while (s[k])
			k = (k + 1) & (ns - 1);
		s[k] = e + 1;
	}
	free(t->slot);
	t->slot = s;
	t->nslot = ns;
	return 0;
}

/* A non-NULL source for empty payloads (pointer arithmetic on NULL is UB). */
static const uint8_t md_empty[1];

/* Index of the entry equal to (p, n), adding it when new; -1 on no memory. */
static int64_t intern_add(struct intern *t, const void *p, size_t n)
{
	if ((t->n + 1) * 2 > t->nslot && intern_grow_slots(t))
		return -1;
	uint64_t h = hash_bytes(p, n);
	uint32_t k = (uint32_t)h & (t->nslot - 1);
	while (t->slot[k]) {
		uint32_t e = t->slot[k] - 1;
		if (t->blen[e] == n && !memcmp(t->arena + t->off[e], p, n))
			return e;
		k = (k + 1) & (t->nslot - 1);
	}
	if (t->len + n + 1 > UINT32_MAX)
		return -1;
	if (t->n == t->ncap) {
		uint32_t nc = t->ncap ? t->ncap * 2 : 64;
		uint32_t *o = realloc(t->off, nc * sizeof(*o));
		if (!o)
			return -1;
		t->off = o;
		uint32_t *l = realloc(t->blen, nc * sizeof(*l));
		if (!l)
			return -1;
		t->blen = l;
		t->ncap = nc;
	}
	size_t need = t->len + n + 1;
	if (need > t->cap) {
		size_t nc = t->cap ? t->cap : 1024;
		while (nc < need)
			nc *= 2;
		uint8_t *a = realloc(t->arena, nc);
		if (!a)
			return -1;
		t->arena = a;
		t->cap = nc;
	}
	if (n)
		memcpy(t->arena + t->len, p, n);
	t->off[t->n] = (uint32_t)t->len;
	t->blen[t->n] = (uint32_t)n;
	t->len += n;
	if (t->nul)
		t->arena[t->len++] = '\0';
	t->slot[k] = t->n + 1;
	return t->n++;
}

struct b_prop {
	uint8_t tag;
	uint32_t name; /* index in b->names */
	uint64_t val;  /* `v` value, `a` target bnode */
	uint32_t doff; /* `s`/`d`: payload offset in b->payload */
	uint32_t dlen;
	uint32_t next; /* next prop of the same node, UINT32_MAX = none */
};

struct b_node {
	uint32_t name;
	uint32_t first, last; /* props, UINT32_MAX = none */
	uint32_t nprops;
};

struct md_builder {
	struct intern names;
	uint8_t *payload;
	size_t plen, pcap;
	struct b_node *nodes;
	uint32_t nnodes, ncap;
	struct b_prop *props;
	uint32_t nprops, pcap_props;
};

enum md_status md_builder_new(struct md_builder **out)
{
	if (!out)
		return MD_ERR_ARG;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MD_ERR_NOMEM;
	(*out)->names.nul = 1;
	return MD_OK;
}

void md_builder_free(struct md_builder *b)
{
	if (!b)
		return;
	intern_free(&b->names);
	free(b->payload);
	free(b->nodes);
	free(b->props);
	free(b);
}

static enum md_status b_name(struct md_builder *b, const char *name, uint32_t *out)
{
	if (!name)
		return MD_ERR_ARG;
	size_t n = strlen(name);
	if (n == 0 || n > 255)
		return MD_ERR_ARG;
	int64_t id = intern_add(&b->names, name, n);
	if (id < 0)
		return MD_ERR_NOMEM;
	*out = (uint32_t)id;
	return MD_OK;
}

enum md_status md_b_node(struct md_builder *b, const char *name, md_bnode_t *out)
{
	uint32_t nm;
	enum md_status rc;
	if (!b)
		return MD_ERR_ARG;
	if ((rc = b_name(b, name, &nm)))
		return rc;
	if (b->nnodes == b->ncap) {
		uint32_t nc = b->ncap ? b->ncap * 2 : 64;
		struct b_node *n = realloc(b->nodes, nc * sizeof(*n));
		if (!n)
			return MD_ERR_NOMEM;
		b->nodes = n;
		b->ncap = nc;
	}
	if (b->nnodes == UINT32_MAX - 1)
		return MD_ERR_LIMIT;
	b->nodes[b->nnodes] = (struct b_node){nm, UINT32_MAX, UINT32_MAX, 0};
	if (out)
		*out = b->nnodes;
	b->nnodes++;
	return MD_OK;
}

static enum md_status b_prop(struct md_builder *b, md_bnode_t node, uint8_t tag, const char *name,
                             uint64_t val, const void *data, size_t len)
{
	uint32_t nm;
	enum md_status rc;
	if (!b || node >= b->nnodes)
		return MD_ERR_ARG;
	if ((rc = b_name(b, name, &nm)))
		return rc;
	if (b->nprops == b->pcap_props) {
		uint32_t nc = b->pcap_props ? b->pcap_props * 2 : 256;
		struct b_prop *p = realloc(b->props, nc * sizeof(*p));
		if (!p)
			return MD_ERR_NOMEM;
		b->props = p;
		b->pcap_props = nc;
	}
	struct b_prop *p = &b->props[b->nprops];
	*p = (struct b_prop){tag, nm, val, 0, 0, UINT32_MAX};
	if (tag == MD_TAG_STR || tag == MD_TAG_DATA) {
		if (len > UINT32_MAX || b->plen + len > UINT32_MAX)
			return MD_ERR_LIMIT;
		if (b->plen + len > b->pcap) {
			size_t nc = b->pcap ? b->pcap : 4096;
			while (nc < b->plen + len)
				nc *= 2;
			uint8_t *a = realloc(b->payload, nc);
			if (!a)
				return MD_ERR_NOMEM;
			b->payload = a;
			b->pcap = nc;
		}
		if (len)
			memcpy(b->payload + b->plen, data, len);
		p->doff = (uint32_t)b->plen;
		p->dlen = (uint32_t)len;
		b->plen += len;
	}
	struct b_node *n = &b->nodes[node];
	if (n->last == UINT32_MAX)
		n->first = b->nprops;
	else
		b->props[n->last].next = b->nprops;
	n->last = b->nprops;
	n->nprops++;
	b->nprops++;
	return MD_OK;
}

enum md_status md_b_u64(struct md_builder *b, md_bnode_t node, const char *name, uint64_t val)
{
	return b_prop(b, node, MD_TAG_VAL, name, val, NULL, 0);
}

enum md_status md_b_str(struct md_builder *b, md_bnode_t node, const char *name, const char *str)
{
	if (!str)
		return MD_ERR_ARG;
	return b_prop(b, node, MD_TAG_STR, name, 0, str, strlen(str) + 1);
}

enum md_status md_b_strn(struct md_builder *b, md_bnode_t node, const char *name, const char *str,
                         size_t len)
{
	if (!str || len == 0 || str[len - 1] != '\0')
		return MD_ERR_ARG;
	return b_prop(b, node, MD_TAG_STR, name, 0, str, len);
}

enum md_status md_b_data(struct md_builder *b, md_bnode_t node, const char *name, const void *data,
                         size_t len)
{
	if (!data && len)
		return MD_ERR_ARG;
	return b_prop(b, node, MD_TAG_DATA, name, 0, data, len);
}

enum md_status md_b_arc(struct md_builder *b, md_bnode_t node, const char *name, md_bnode_t target)
{
	return b_prop(b, node, MD_TAG_ARC, name, target, NULL, 0);
}

static size_t pad16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

enum md_status md_b_finish(struct md_builder *b, struct md_buf *out)
{
	enum md_status rc = MD_ERR_NOMEM;
	struct intern names = {.nul = 1}, data = {.nul = 0};
	uint32_t *start = NULL;
	uint8_t *img = NULL;
	if (!b || !out)
		return MD_ERR_ARG;
	out->data = NULL;
	out->len = 0;

	/* Layout: element index of each node, then the list end. */
	start = malloc(((size_t)b->nnodes + 1) * sizeof(*start));
	if (!start)
		goto fail;
	uint64_t idx = 0;
	for (uint32_t k = 0; k < b->nnodes; k++) {
		start[k] = (uint32_t)idx;
		idx += 2 + (uint64_t)b->nodes[k].nprops;
		if (idx >= UINT32_MAX / MD_ELEM_SIZE) {
			rc = MD_ERR_LIMIT;
			goto fail;
		}
	}
	start[b->nnodes] = (uint32_t)idx;
	size_t nelem = (size_t)idx + 1;

	/* Name and data blocks in layout order (first use). */
	uint32_t *name_off = NULL, *data_off = NULL;
	name_off = malloc(((size_t)b->nnodes + b->nprops + 1) * sizeof(*name_off));
	data_off = malloc(((size_t)b->nprops + 1) * sizeof(*data_off));
	if (!name_off || !data_off) {
		free(name_off);
		free(data_off);
		goto fail;
	}
	size_t ni = 0;
	for (uint32_t k = 0; k < b->nnodes; k++) {
		const struct b_node *n = &b->nodes[k];
		int64_t e = intern_add(&names, b->names.arena + b->names.off[n->name],
		                       b->names.blen[n->name]);
		if (e < 0)
			goto fail_offs;
		name_off[ni++] = names.off[e];
		for (uint32_t p = n->first; p != UINT32_MAX; p = b->props[p].next) {
			const struct b_prop *pp = &b->props[p];
			e = intern_add(&names, b->names.arena + b->names.off[pp->name],
			               b->names.blen[pp->name]);
			if (e < 0)
				goto fail_offs;
			name_off[ni++] = names.off[e];
			if (pp->tag == MD_TAG_STR || pp->tag == MD_TAG_DATA) {
				/* No payload yet when every `d` so far is empty. */
				const uint8_t *src = b->payload ? b->payload + pp->doff : md_empty;
				e = intern_add(&data, src, pp->dlen);
				if (e < 0)
					goto fail_offs;
				data_off[p] = data.off[e];
			} else if (pp->tag == MD_TAG_ARC && pp->val >= b->nnodes) {
				rc = MD_ERR_ARG;
				goto fail_offs;
			}
		}
	}
	size_t node_sz = nelem * MD_ELEM_SIZE;
	size_t name_sz = pad16(names.len), data_sz = pad16(data.len);
	size_t total = MD_HEADER_SIZE + node_sz + name_sz + data_sz;
	if (node_sz > UINT32_MAX || name_sz > UINT32_MAX || data_sz > UINT32_MAX) {
		rc = MD_ERR_LIMIT;
		goto fail_offs;
	}
	img = calloc(1, total);
	if (!img)
		goto fail_offs;
	util_put_be32(img, MD_TRANSPORT_VERSION);
	util_put_be32(img + 4, (uint32_t)node_sz);
	util_put_be32(img + 8, (uint32_t)name_sz);
	util_put_be32(img + 12, (uint32_t)data_sz);
	uint8_t *el = img + MD_HEADER_SIZE;
	ni = 0;
	for (uint32_t k = 0; k < b->nnodes; k++) {
		const struct b_node *n = &b->nodes[k];
		el[0] = MD_TAG_NODE;
		el[1] = (uint8_t)b->names.blen[n->name];
		util_put_be32(el + 4, name_off[ni++]);
		util_put_be64(el + 8, start[k + 1]);
		el += MD_ELEM_SIZE;
		for (uint32_t p = n->first; p != UINT32_MAX; p = b->props[p].next) {
			const struct b_prop *pp = &b->props[p];
			el[0] = pp->tag;
			el[1] = (uint8_t)b->names.blen[pp->name];
			util_put_be32(el + 4, name_off[ni++]);
			if (pp->tag == MD_TAG_ARC)
				util_put_be64(el + 8, start[pp->val]);
			else if (pp->tag == MD_TAG_VAL)
				util_put_be64(el + 8, pp->val);
			else
				util_put_be64(el + 8, (uint64_t)pp->dlen << 32 | data_off[p]);
			el += MD_ELEM_SIZE;
		}
		el[0] = MD_TAG_NODE_END;
		el += MD_ELEM_SIZE;
	}
	/* list end: all zero already */
	if (names.len)
		memcpy(img + MD_HEADER_SIZE + node_sz, names.arena, names.len);
	if (data.len)
		memcpy(img + MD_HEADER_SIZE + node_sz + name_sz, data.arena, data.len);
	out->data = img;
	out->len = total;
	rc = MD_OK;
fail_offs:
	free(name_off);
	free(data_off);
fail:
	free(start);
	intern_free(&names);
	intern_free(&data);
	return rc;
}

enum md_status md_write(const struct md *md, struct md_buf *out, struct md_err *err)
{
	struct md_builder *b = NULL;
	enum md_status rc;
	if (!md || !out)
		return set_err(err, MD_ERR_ARG, MD_NO_ELEM, "md_write: invalid argument");
	if ((rc = md_builder_new(&b)))
		return set_err(err, rc, MD_NO_ELEM, "out of memory");
	for (uint32_t k = 0; k < md->nnodes; k++) {
		if ((rc = md_b_node(b, md->names + md->el[md->nodes[k]].name_off, NULL)))
			goto fail;
	}
	for (uint32_t k = 0; k < md->nnodes; k++) {
		for (uint32_t j = md->prop_start[k]; j < md->prop_start[k + 1]; j++) {
			struct md_prop p;
			fill_prop(md, md->props[j], &p);
			switch (p.tag) {
			case MD_TAG_VAL:
				rc = md_b_u64(b, k, p.name, p.val);
				break;
			case MD_TAG_STR:
				rc = md_b_strn(b, k, p.name, p.data, p.len);
				break;
			case MD_TAG_DATA:
				rc = md_b_data(b, k, p.name, p.data, p.len);
				break;
			default:
				rc = md_b_arc(b, k, p.name, md_node_ordinal(md, (md_node_t)p.val));
				break;
			}
			if (rc)
				goto fail;
		}
	}
	rc = md_b_finish(b, out);
fail:
	md_builder_free(b);
	if (rc)
		return set_err(err, rc, MD_NO_ELEM, "md_write: %s", md_strerror(rc));
	return MD_OK;
}

enum md_status md_buf_write_file(const struct md_buf *buf, const char *path, struct md_err *err)
{
	char msg[512];
	if (!buf || !path)
		return set_err(err, MD_ERR_ARG, MD_NO_ELEM, "md_buf_write_file: invalid argument");
	if (util_write_atomic(path, buf->len ? buf->data : (const void *)"", buf->len, msg,
	                      sizeof msg))
		return set_err(err, MD_ERR_IO, MD_NO_ELEM, "%s", msg);
	return MD_OK;
}
