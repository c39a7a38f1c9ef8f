/*
 * snap/snap.h — the boot-snapshot store (issue 14, part 1): files keyed by
 * everything that determines a snapshot (the caller hashes it into a
 * SHA-256 key), in a cache folder, written atomically, bounded in total
 * size with least-recently-used eviction, and never trusted when corrupt,
 * truncated or of another format: such a file is a miss, with a note
 * saying why, and is removed. What a snapshot holds is the caller's bytes.
 *
 * File DIR/KEY.snap: "LDOMSIM-SNAPSHOT" (16 bytes), the format version
 * (u32, big-endian), the key (64 hex characters), the payload length (u64)
 * and its SHA-256, then the payload. A reader only ever opens finished
 * files (util/atomic.h renames them into place), so processes sharing the
 * folder (a sweep with --jobs 2) never read a half-written snapshot.
 */
#ifndef LDOMSIM_SNAP_SNAP_H
#define LDOMSIM_SNAP_SNAP_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_FORMAT_VERSION 1
#define SNAP_KEY_LEN        64 /* hex characters of a SHA-256 */

enum snap_status {
	SNAP_OK = 0,
	SNAP_MISS = 1,   /* no usable snapshot for the key (the note says why) */
	SNAP_E_ARG = -1, /* a key that is not 64 lower-case hex characters, a payload
	                    larger than the bound */
	SNAP_E_IO = -2,  /* the folder cannot be made, read or written */
	SNAP_E_NOMEM = -3,
};
const char *snap_strerror(int status);

struct snap_store;
/* The store in dir (made if absent) holding at most max_bytes of snapshot
 * files. -1 and err on failure. */
int snap_store_open(const char *dir, uint64_t max_bytes, struct snap_store **out, char *err,
                    size_t n);
void snap_store_free(struct snap_store *s); /* NULL is a no-op */
/* The default folder: $XDG_CACHE_HOME/ldomsim, else $HOME/.cache/ldomsim;
 * -1 when neither variable is set. */
int snap_default_dir(char *buf, size_t n);

/* The snapshot of key: SNAP_OK with *data (malloc'd) and *len, its use
 * recorded (it becomes the most recently used); SNAP_MISS with note saying
 * why (absent; corrupt, truncated or another format: removed). */
int snap_get(struct snap_store *s, const char *key, uint8_t **data, size_t *len, char *note,
             size_t n);
/* Store data as key's snapshot (replacing one), then remove the least
 * recently used others until the folder's snapshots fit the bound. */
int snap_put(struct snap_store *s, const char *key, const void *data, size_t len, char *err,
             size_t n);
/* Bytes of snapshot files in the folder now. */
uint64_t snap_store_bytes(const struct snap_store *s);

#endif
