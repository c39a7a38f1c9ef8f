/*
 * util/atomic.h — the one way ldomsim writes a file: all of it or nothing.
 *
 * The bytes go to a temporary file beside the target (PATH.tmp.XXXXXX, so
 * the rename stays within one filesystem), which is flushed to disk
 * (fsync) and renamed over PATH. A reader never sees a partial file, and
 * on every failure (a full disk, a file-size limit, an unwritable folder)
 * the temporary is removed and PATH keeps its earlier content.
 *
 * A PATH that exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO) is written into as it is: a rename would replace the device or the
 * pipe with a file.
 *
 * Errors go to err (n bytes; err NULL or n 0: none) as "PATH: what: the
 * system's reason (strerror)".
 */
#ifndef LDOMSIM_UTIL_ATOMIC_H
#define LDOMSIM_UTIL_ATOMIC_H

#include <stddef.h>

/* The suffix every temporary of util_write_atomic starts with. */
#define UTIL_TMP_SUFFIX ".tmp."

/* Writes len bytes to path atomically (mode 0644). 0, or -1 with err and
 * errno set. */
int util_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t n);

/* Moves tmp, a finished file another program wrote (gnuplot, say), over
 * path: fsync, rename. On failure tmp is removed. 0, or -1 with err. */
int util_commit(const char *tmp, const char *path, char *err, size_t n);

#endif
