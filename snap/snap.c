/*
 * snap/snap.c — see snap.h.
 */
#define _GNU_SOURCE
#include "snap/snap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/atomic.h"
#include "util/bytes.h"
#include "util/errf.h"
#include "util/file.h"
#include "util/grow.h"

#define MAGIC     "LDOMSIM-SNAPSHOT"
#define MAGIC_LEN 16
#define HDR_LEN   (MAGIC_LEN + 4 + SNAP_KEY_LEN + 8 + 32)
#define SUFFIX    ".snap"

struct snap_store {
	char dir[4096];
	uint64_t max_bytes;
};

const char *snap_strerror(int status)
{
	switch (status) {
	case SNAP_OK:
		return "ok";
	case SNAP_MISS:
		return "no usable snapshot";
	case SNAP_E_ARG:
		return "bad key or payload larger than the store's bound";
	case SNAP_E_IO:
		return "the snapshot folder cannot be used";
	case SNAP_E_NOMEM:
		return "out of memory";
	}
	return "unknown snapshot status";
}

static int key_ok(const char *key)
{
	if (!key || strlen(key) != SNAP_KEY_LEN)
		return 0;
	for (size_t i = 0; i < SNAP_KEY_LEN; i++)
		if (!strchr("0123456789abcdef", key[i]))
			return 0;
	return 1;
}

static int sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

int snap_default_dir(char *buf, size_t n)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (x && *x)
		snprintf(buf, n, "%s/ldomsim", x);
	else if (h && *h)
		snprintf(buf, n, "%s/.cache/ldomsim", h);
	else
		return -1;
	return 0;
}

int snap_store_open(const char *dir, uint64_t max_bytes, struct snap_store **out, char *err,
                    size_t n)
{
	struct stat st;
	*out = NULL;
	if (strlen(dir) >= sizeof((struct snap_store *)0)->dir - SNAP_KEY_LEN - 16) {
		util_errf(err, n, "%s: snapshot folder path too long", dir);
		return SNAP_E_ARG;
	}
	if (util_mkdir_p(dir) || stat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    access(dir, R_OK | W_OK | X_OK)) {
		util_errf(err, n, "%s: cannot use as the snapshot folder: %s", dir,
		          strerror(errno));
		return SNAP_E_IO;
	}
	struct snap_store *s = calloc(1, sizeof *s);
	if (!s) {
		util_errf(err, n, "out of memory");
		return SNAP_E_NOMEM;
	}
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	s->max_bytes = max_bytes;
	*out = s;
	return SNAP_OK;
}

void snap_store_free(struct snap_store *s)
{
	free(s);
}

static void path_of(const struct snap_store *s, const char *key, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s" SUFFIX, s->dir, key);
}

int snap_get(struct snap_store *s, const char *key, uint8_t **data, size_t *len, char *note,
             size_t n)
{
	char path[4200];
	uint8_t *buf = NULL, h[32];
	size_t blen = 0;
	const char *why = NULL;
	*data = NULL;
	*len = 0;
	if (!key_ok(key)) {
		util_errf(note, n, "snapshot key '%s': not 64 lower-case hex characters",
		          key ? key : "");
		return SNAP_E_ARG;
	}
	path_of(s, key, path, sizeof path);
	int rc = util_read_file(path, &buf, &blen);
	if (rc) {
		free(buf);
		util_errf(note, n, "snapshot %.12s: none", key);
		return SNAP_MISS;
	}
	if (blen < HDR_LEN || memcmp(buf, MAGIC, MAGIC_LEN))
		why = "not a snapshot file (truncated or foreign)";
	else if (util_be32(buf + MAGIC_LEN) != SNAP_FORMAT_VERSION)
		why = "written in another snapshot format";
	else if (memcmp(buf + MAGIC_LEN + 4, key, SNAP_KEY_LEN))
		why = "holds another key";
	else if (util_be64(buf + MAGIC_LEN + 4 + SNAP_KEY_LEN) != blen - HDR_LEN)
		why = "truncated (shorter than its header says)";
	else if (sha256(buf + HDR_LEN, blen - HDR_LEN, h) ||
	         memcmp(h, buf + MAGIC_LEN + 4 + SNAP_KEY_LEN + 8, 32))
		why = "corrupt (its checksum does not match)";
	if (why) {
		free(buf);
		unlink(path);
		util_errf(note, n, "snapshot %.12s: %s: ignored and removed", key, why);
		return SNAP_MISS;
	}
	/* The payload, and this use recorded for the eviction order. */
	size_t plen = blen - HDR_LEN;
	memmove(buf, buf + HDR_LEN, plen);
	utimensat(AT_FDCWD, path, NULL, 0);
	*data = buf;
	*len = plen;
	if (n)
		note[0] = 0;
	return SNAP_OK;
}

struct entry {
	char name[SNAP_KEY_LEN + sizeof SUFFIX];
	uint64_t bytes;
	struct timespec used;
};

static int cmp_used(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The folder's snapshot files, least recently used first. */
static size_t list(const struct snap_store *s, struct entry **out, uint64_t *total)
{
	DIR *d = opendir(s->dir);
	struct entry *v = NULL;
	size_t nv = 0, cap = 0;
	struct dirent *de;
	*total = 0;
	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[4400];
		struct stat st;
		if (l != SNAP_KEY_LEN + strlen(SUFFIX) || strcmp(de->d_name + SNAP_KEY_LEN, SUFFIX))
			continue;
		snprintf(path, sizeof path, "%s/%s", s->dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (util_grow((void **)&v, &cap, nv, sizeof *v, 16))
			break;
		snprintf(v[nv].name, sizeof v[nv].name, "%s", de->d_name);
		v[nv].bytes = (uint64_t)st.st_size;
		v[nv].used = st.st_mtim;
		*total += v[nv].bytes;
		nv++;
	}
	closedir(d);
	qsort(v, nv, sizeof *v, cmp_used);
	*out = v;
	return nv;
}

uint64_t snap_store_bytes(const struct snap_store *s)
{
	struct entry *v;
	uint64_t total;
	list(s, &v, &total);
	free(v);
	return total;
}

int snap_put(struct snap_store *s, const char *key, const void *data, size_t len, char *err,
             size_t n)
{
	char path[4200];
	if (!key_ok(key)) {
		util_errf(err, n, "snapshot key '%s': not 64 lower-case hex characters",
		          key ? key : "");
		return SNAP_E_ARG;
	}
	if ((uint64_t)len + HDR_LEN > s->max_bytes) {
		util_errf(
		    err, n,
		    "snapshot %.12s: %zu bytes exceed the store's bound of %llu bytes: not kept",
		    key, len + HDR_LEN, (unsigned long long)s->max_bytes);
		return SNAP_E_ARG;
	}
	uint8_t *buf = malloc(HDR_LEN + len);
	if (!buf) {
		util_errf(err, n, "out of memory (snapshot of %zu bytes)", len);
		return SNAP_E_NOMEM;
	}
	memcpy(buf, MAGIC, MAGIC_LEN);
	util_put_be32(buf + MAGIC_LEN, SNAP_FORMAT_VERSION);
	memcpy(buf + MAGIC_LEN + 4, key, SNAP_KEY_LEN);
	util_put_be64(buf + MAGIC_LEN + 4 + SNAP_KEY_LEN, (uint64_t)len);
	if (sha256(data, len, buf + MAGIC_LEN + 4 + SNAP_KEY_LEN + 8)) {
		free(buf);
		util_errf(err, n, "snapshot %.12s: cannot compute its checksum", key);
		return SNAP_E_IO;
	}
	memcpy(buf + HDR_LEN, data, len);
	path_of(s, key, path, sizeof path);
	int rc = util_write_atomic(path, buf, HDR_LEN + len, err, n);
	free(buf);
	if (rc)
		return SNAP_E_IO;
	/* The bound: least recently used first, never the one just written. */
	struct entry *v;
	uint64_t total;
	size_t nv = list(s, &v, &total);
	for (size_t i = 0; i < nv && total > s->max_bytes; i++) {
		if (!strncmp(v[i].name, key, SNAP_KEY_LEN))
			continue;
		char p[4400];
		snprintf(p, sizeof p, "%s/%s", s->dir, v[i].name);
		if (!unlink(p) || errno == ENOENT)
			total -= v[i].bytes;
	}
	free(v);
	return SNAP_OK;
}
