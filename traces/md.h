/*
 * ldomsim — sun4v machine descriptions (MDs): a validating reader, a
 * builder/writer, and the bytes the hypervisor hands out with MACH_DESC.
 *
 * Transport format (all big-endian):
 *   header   { u32 transport version (0x10000), u32 node block size,
 *              u32 name block size, u32 data block size }
 *   nodes    16-byte elements { u8 tag, u8 name length (without NUL),
 *              u16 reserved, u32 name offset, u64 value }
 *   names    NUL-terminated names, referenced by (offset, length)
 *   data     `s`/`d` payloads, value = u32 length << 32 | u32 offset
 *
 * Nodes are identified by the index of their `N` element (the same number
 * arcs carry), as an md_node_t. A struct md is immutable once read; every
 * pointer an accessor returns stays valid until md_free().
 *
 * Machine shapes and the generator are in traces/md_shape.h; the host-side
 * topology computation is in traces/md_topo.h.
 */
#ifndef LDOMSIM_TRACES_MD_H
#define LDOMSIM_TRACES_MD_H

#include <stddef.h>
#include <stdint.h>

#define MD_TRANSPORT_VERSION 0x10000u
#define MD_HEADER_SIZE       16u
#define MD_ELEM_SIZE         16u

/* Element tags. */
#define MD_TAG_LIST_END 0x00
#define MD_TAG_NOOP     0x20
#define MD_TAG_NODE     0x4e /* 'N' */
#define MD_TAG_NODE_END 0x45 /* 'E' */
#define MD_TAG_ARC      0x61 /* 'a' */
#define MD_TAG_VAL      0x76 /* 'v' */
#define MD_TAG_STR      0x73 /* 's' */
#define MD_TAG_DATA     0x64 /* 'd' */

typedef uint32_t md_node_t;     /* element index of a node's `N` */
#define MD_NODE_NONE UINT32_MAX /* "no node" / end of an iteration */
#define MD_NO_ELEM   UINT64_MAX /* md_err.elem when no element is at fault */

/* 0, or a negative code (the library's convention: README Conventions);
 * md_strerror names it, struct md_err adds the element and message. */
enum md_status {
	MD_OK = 0,
	MD_ERR_ARG = -1,                  /* bad argument to an API call */
	MD_ERR_NOMEM = -2,                /* allocation failed */
	MD_ERR_IO = -3,                   /* cannot read or write a file */
	MD_ERR_SHORT = -4,                /* buffer shorter than the header */
	MD_ERR_VERSION = -5,              /* header transport version is not 0x10000 */
	MD_ERR_NODE_BLOCK_ALIGN = -6,     /* node block size not a multiple of 16 */
	MD_ERR_BLOCKS_SIZE = -7,          /* header + blocks larger than the buffer */
	MD_ERR_TRAILING = -8,             /* bytes after the data block */
	MD_ERR_EMPTY = -9,                /* node block holds no element */
	MD_ERR_NAME_BOUNDS = -10,         /* name offset+length outside the name block */
	MD_ERR_NAME_UNTERMINATED = -11,   /* name[name_len] is not NUL */
	MD_ERR_NAME_EMPTY = -12,          /* `N`/`a`/`v`/`s`/`d` element with name length 0 */
	MD_ERR_DATA_BOUNDS = -13,         /* `s`/`d` offset+length outside the data block */
	MD_ERR_STRING_UNTERMINATED = -14, /* `s` payload empty or not ending in NUL */
	MD_ERR_ARC_TARGET = -15,          /* arc value is not the index of an `N` element */
	MD_ERR_OUTSIDE_NODE = -16,        /* property/arc/`E` element not inside a node */
	MD_ERR_NODE_UNTERMINATED = -17,   /* `N` (or list end) before the `E` of the open node */
	MD_ERR_NODE_NEXT = -18, /* `N` value is not the index of the next node (or list end) */
	MD_ERR_LIST_UNTERMINATED = -19, /* node block ends without a list end (0x00) */
	MD_ERR_AFTER_END = -20,         /* non-zero elements after the list end */
	MD_ERR_UNKNOWN_TAG = -21,       /* unknown tag outside a node */
	MD_ERR_RESERVED = -22,    /* reserved field of an element is not 0 (unused: accepted) */
	MD_ERR_LIMIT = -23,       /* an MD too large for this implementation (>= 2^32 elements) */
	MD_ERR_SHAPE = -24,       /* unknown or malformed machine shape */
	MD_ERR_PRESENT = -25,     /* present strand list: bad syntax, out of range, duplicate */
	MD_ERR_TOPO = -26,        /* MD lacks what the topology computation needs */
	MD_ERR_NAME_LENGTH = -27, /* name has a NUL before name_len */
	MD_ERR_ARC_CYCLE = -28,   /* `fwd` (or `back`) arcs at their own node or in a cycle */
};
/* The number of codes, MD_OK included (MD_OK .. -(MD_STATUS_COUNT - 1)). */
#define MD_STATUS_COUNT 29

/* Error details. msg reads e.g. "element 17 (arc 'fwd' in node 'cpu' @12):
 * target 99 is not a node start"; md_read_file() prefixes "FILE: ". */
struct md_err {
	enum md_status code;
	uint64_t elem; /* element index at fault, or MD_NO_ELEM */
	char msg[512];
};

/* Short fixed description of a status code (never NULL). */
const char *md_strerror(enum md_status code);

/* An owned byte buffer (writer output). */
struct md_buf {
	uint8_t *data;
	size_t len;
};
void md_buf_free(struct md_buf *buf); /* frees data, zeroes; NULL is a no-op */

/* ---- reader ---------------------------------------------------------- */

struct md;

/* Parse and validate len bytes (copied; buf may be freed afterwards).
 * err may be NULL. On failure *out is NULL. */
enum md_status md_read(const void *buf, size_t len, struct md **out, struct md_err *err);
/* Same on a file's contents; error messages start with "PATH: ". */
enum md_status md_read_file(const char *path, struct md **out, struct md_err *err);
void md_free(struct md *md); /* NULL is a no-op */

/* Harmless deviations the reader accepted, counted. */
struct md_warnings {
	uint32_t unknown_tags;     /* unknown tags inside nodes (skipped) */
	uint32_t noops;            /* 0x20 no-op elements */
	uint32_t reserved_nonzero; /* elements whose reserved u16 is not 0 */
	uint32_t data_unpadded;    /* 1 when the data block size is not a multiple of 16 */
	uint32_t name_unpadded;    /* 1 when the name block size is not a multiple of 16 */
	uint32_t zero_after_end;   /* zero elements after the list end (padding) */
};
void md_warnings(const struct md *md, struct md_warnings *out);

/* The validated image, exactly as read. */
const uint8_t *md_bytes(const struct md *md, size_t *len);

size_t md_elem_count(const struct md *md); /* elements in the node block, list end included */
size_t md_node_count(const struct md *md);

/* Iteration in MD order: first node, next node, MD_NODE_NONE at the end.
 * With name != NULL, only nodes of that name. */
md_node_t md_node_first(const struct md *md, const char *name);
md_node_t md_node_next(const struct md *md, md_node_t node, const char *name);
/* 0..md_node_count()-1 position of a node in MD order (MD_NODE_NONE if not a node). */
uint32_t md_node_ordinal(const struct md *md, md_node_t node);
md_node_t md_node_at(const struct md *md, uint32_t ordinal);

const char *md_node_name(const struct md *md, md_node_t node); /* NULL if not a node */

/* One property or arc of a node (a view into the MD). */
struct md_prop {
	uint8_t tag;      /* MD_TAG_VAL / _STR / _DATA / _ARC (no-ops and unknowns skipped) */
	const char *name; /* NUL-terminated */
	uint64_t val;     /* `v`: the value; `a`: the target node; `s`/`d`: raw value */
	const void *data; /* `s`/`d`: payload (strings include their NUL); else NULL */
	uint32_t len;     /* `s`/`d`: payload length */
	uint32_t elem;    /* element index */
};
/* Number of properties/arcs of a node, and the i-th one (0 on success). */
size_t md_prop_count(const struct md *md, md_node_t node);
int md_prop_get(const struct md *md, md_node_t node, size_t i, struct md_prop *out);

/* Lookup by name, first match like Linux's mdesc_get_property(). */
int md_get_u64(const struct md *md, md_node_t node, const char *name, uint64_t *out); /* 0 / -1 */
const char *md_get_str(const struct md *md, md_node_t node, const char *name);        /* `s` only */
/* `s` or `d` payload (any tag with a payload); NULL if absent. */
const void *md_get_data(const struct md *md, md_node_t node, const char *name, size_t *len);
/* The i-th string of a string-list property (`s` or `d`, "a\0b\0", like
 * `compatible` or `hwcap-list`): its start, *len its length without the
 * NUL; NULL past the end or if absent. */
const char *md_strlist_at(const struct md *md, md_node_t node, const char *name, size_t i,
                          size_t *len);
/* 1 when a string-list property (`s` or `d`, "a\0b\0") contains str. */
int md_prop_has_str(const struct md *md, md_node_t node, const char *name, const char *str);

/* Arcs of a node with the given name ("fwd", "back"), in MD order: writes
 * up to cap targets to out (out may be NULL when cap is 0) and returns the
 * total number of such arcs. */
size_t md_arcs(const struct md *md, md_node_t node, const char *name, md_node_t *out, size_t cap);

/* Re-encode a parsed MD with the writer (nodes, properties and arcs in
 * their order; no-ops and unknown tags dropped). For an MD produced by the
 * builder this is byte-identical to the input. */
enum md_status md_write(const struct md *md, struct md_buf *out, struct md_err *err);

/* ---- builder / writer ------------------------------------------------ */

/* Nodes are numbered by the builder 0, 1, 2... in creation order (an
 * md_bnode_t); properties and arcs may be added to any node at any time and
 * keep their insertion order; arcs may point at nodes created later. The
 * output lays nodes out in creation order, names deduplicated in first-use
 * order, data payloads deduplicated in first-use order, name and data
 * blocks padded with zeros to 16 bytes. Deterministic. */
struct md_builder;
typedef uint32_t md_bnode_t;

enum md_status md_builder_new(struct md_builder **out);
void md_builder_free(struct md_builder *b); /* NULL is a no-op */

enum md_status md_b_node(struct md_builder *b, const char *name, md_bnode_t *out);
enum md_status md_b_u64(struct md_builder *b, md_bnode_t node, const char *name, uint64_t val);
/* `s` with the string and its NUL. */
enum md_status md_b_str(struct md_builder *b, md_bnode_t node, const char *name, const char *str);
/* `s` with exactly len bytes (must end in NUL): for string lists "instn\0data". */
enum md_status md_b_strn(struct md_builder *b, md_bnode_t node, const char *name, const char *str,
                         size_t len);
enum md_status md_b_data(struct md_builder *b, md_bnode_t node, const char *name, const void *data,
                         size_t len);
enum md_status md_b_arc(struct md_builder *b, md_bnode_t node, const char *name, md_bnode_t target);
/* Lay out and serialise. The builder can be finished again or freed. */
enum md_status md_b_finish(struct md_builder *b, struct md_buf *out);

/* Write a buffer to a file atomically (util/atomic.h; 0 / MD_ERR_IO with msg
 * "PATH: what: the system's reason"). */
enum md_status md_buf_write_file(const struct md_buf *buf, const char *path, struct md_err *err);

#endif
