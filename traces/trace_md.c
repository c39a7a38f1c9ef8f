/*
 * ldomsim — trace loader: $.md, the MD generations (files read and checked
 * against their sha256 and size).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"
#include "util/file.h"

/* The whole file (util/file.h); errno says why on TRACE_ERR_IO. */
enum trace_status trace__read_file(const char *path, uint8_t **out, size_t *len)
{
	int rc = util_read_file(path, out, len);
	return !rc ? TRACE_OK : rc == UTIL_E_NOMEM ? TRACE_ERR_NOMEM : TRACE_ERR_IO;
}

static int parse_sha(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 64; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		if (i % 2)
			out[i / 2] = (uint8_t)(out[i / 2] | d);
		else
			out[i / 2] = (uint8_t)(d << 4);
	}
	return 0;
}

enum trace_status trace__load_md(struct trace_ld *ld, json_t *root)
{
	static const char *const keys[] = {"generation", "file", "sha256", "size", NULL};
	struct trace *t = ld->t;
	json_t *arr;
	enum trace_status st;
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];

	if ((st = trace__field(ld, root, "$", "md", 1, &arr)) ||
	    (st = trace__want_array(ld, arr, "$.md")))
		return st;
	if (json_array_size(arr) < 1 || json_array_size(arr) > 1024)
		return FAIL(ld, TRACE_ERR_RANGE, "$.md",
		            "expected 1 to 1024 MD generations, got %zu", json_array_size(arr));
	t->mds = calloc(json_array_size(arr), sizeof(*t->mds));
	if (!t->mds)
		return FAIL(ld, TRACE_ERR_NOMEM, "$.md", "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		struct trace_md_gen *g = &t->mds[i];
		const char *file, *sha;
		uint64_t size;

		trace__index_path(p, "$.md", i);
		if ((st = trace__want_object(ld, e, p)) ||
		    (st = trace__check_keys(ld, e, p, keys)) ||
		    (st = trace__get_u32(ld, e, p, "generation", 1, UINT32_MAX, &g->generation)) ||
		    (st = trace__get_str(ld, e, p, "file", 255, &file)) ||
		    (st = trace__get_str(ld, e, p, "sha256", 64, &sha)) ||
		    (st = trace__get_uint(ld, e, p, "size", 1, 1ull << 32, &size)))
			return st;
		t->nmds = i + 1;
		g->size = (size_t)size;
		g->file = strdup(file);
		if (!g->file)
			return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
		trace__join(q, p, "file");
		if (!*file || file[0] == '/' || strstr(file, "..") || strchr(file, '\\'))
			return FAIL(ld, TRACE_ERR_RANGE, q,
			            "\"%s\" must be a relative path inside the trace's folder",
			            file);
		trace__join(q, p, "sha256");
		if (parse_sha(sha, g->sha256))
			return FAIL(ld, TRACE_ERR_TYPE, q, "expected 64 lower-case hex digits");
		if (i > 0 && g->generation <= t->mds[i - 1].generation)
			return FAIL(ld, TRACE_ERR_RANGE, p,
			            "generation %u does not follow generation %u (must ascend)",
			            g->generation, t->mds[i - 1].generation);
		if (ld->base_dir) {
			char *full;
			uint8_t *bytes, h[32];
			size_t len;
			char hex[65], want[65];

			if (asprintf(&full, "%s/%s", ld->base_dir, file) < 0)
				return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
			st = trace__read_file(full, &bytes, &len);
			trace__join(q, p, "file");
			if (st) {
				FAIL(ld, st, q, "cannot read MD generation %u from %s: %s",
				     g->generation, full,
				     st == TRACE_ERR_NOMEM ? "out of memory" : strerror(errno));
				free(full);
				return st;
			}
			g->bytes = bytes;
			if (len != g->size) {
				FAIL(ld, TRACE_ERR_HASH, p, "%s has %zu bytes, the trace says %zu",
				     full, len, g->size);
				free(full);
				return TRACE_ERR_HASH;
			}
			if (trace_sha256(bytes, len, h)) {
				FAIL(ld, TRACE_ERR_DIGEST, p,
				     "%s: libcrypto could not compute its SHA-256", full);
				free(full);
				return TRACE_ERR_DIGEST;
			}
			if (memcmp(h, g->sha256, 32)) {
				trace_sha256_to_hex(h, hex);
				trace_sha256_to_hex(g->sha256, want);
				trace__join(q, p, "sha256");
				FAIL(ld, TRACE_ERR_HASH, q, "%s has sha256 %s, the trace says %s",
				     full, hex, want);
				free(full);
				return TRACE_ERR_HASH;
			}
			free(full);
		}
	}
	return TRACE_OK;
}

int trace__find_gen(const struct trace *t, uint32_t gen)
{
	for (size_t i = 0; i < t->nmds; i++)
		if (t->mds[i].generation == gen)
			return (int)i;
	return -1;
}
