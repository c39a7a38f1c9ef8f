/*
 * util/atomic.c — see atomic.h.
 */
#define _GNU_SOURCE
#include "util/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errf.h"

/* The rename is durable once the folder's entry is on disk. Best effort:
 * the file itself is complete either way. */
static void sync_folder(const char *path)
{
	char *copy = strdup(path);
	int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int util_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t n)
{
	size_t plen = strlen(path), off = 0;
	char *tmp = malloc(plen + sizeof UTIL_TMP_SUFFIX + 6);
	const char *p = buf, *what = "cannot write";
	int fd, saved;
	if (!tmp) {
		util_errf(err, n, "%s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, UTIL_TMP_SUFFIX "XXXXXX", sizeof UTIL_TMP_SUFFIX + 6);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		util_errf(err, n, "%s: cannot create a temporary file beside it: %s", path,
		          strerror(saved));
		free(tmp);
		errno = saved;
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		if (w == 0) {
			errno = ENOSPC;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644))
		goto fail;
	if (fsync(fd)) {
		what = "cannot flush it to disk";
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		what = "cannot rename the temporary file into place";
		goto fail;
	}
	free(tmp);
	sync_folder(path);
	return 0;
fail:
	saved = errno;
	util_errf(err, n, "%s: %s: %s", path, what, strerror(saved));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

int util_commit(const char *tmp, const char *path, char *err, size_t n)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC), saved;
	const char *what = "cannot open the temporary file";
	if (fd >= 0) {
		what = "cannot flush it to disk";
		if (!fsync(fd)) {
			what = "cannot rename the temporary file into place";
			if (!rename(tmp, path)) {
				close(fd);
				sync_folder(path);
				return 0;
			}
		}
	}
	saved = errno;
	util_errf(err, n, "%s: %s (%s): %s", path, what, tmp, strerror(saved));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}
