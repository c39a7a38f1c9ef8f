/*
 * util/atomic.c — see atomic.h.
 */
#define _GNU_SOURCE
#include "util/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errf.h"
#include "util/file.h"

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

/* All of buf to fd; 0, or -1 with errno. */
static int write_all(int fd, const char *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* path exists and is not a regular file (/dev/null, /dev/stdout, a FIFO):
 * renaming over it would replace the device or pipe with a file, so the
 * bytes go into it as they are. */
static int not_a_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && !S_ISREG(st.st_mode);
}

static int write_through(const char *path, const void *buf, size_t len, char *err, size_t n)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), saved;
	if (fd >= 0 && !write_all(fd, buf, len) && !close(fd))
		return 0;
	saved = errno;
	util_errf(err, n, "%s: cannot write: %s", path, strerror(saved));
	if (fd >= 0)
		close(fd);
	errno = saved;
	return -1;
}

int util_write_atomic(const char *path, const void *buf, size_t len, char *err, size_t n)
{
	if (not_a_file(path))
		return write_through(path, buf, len, err, n);

	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof UTIL_TMP_SUFFIX + 6);
	const char *what = "cannot write";
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
	if (write_all(fd, buf, len))
		goto fail;
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
	if (not_a_file(path)) { /* copied into it, as util_write_atomic does */
		uint8_t *buf = NULL;
		size_t len = 0;
		int rc =
		    util_read_file(tmp, &buf, &len) ? -1 : write_through(path, buf, len, err, n);
		if (rc && !buf)
			util_errf(err, n, "%s: cannot read the temporary file %s", path, tmp);
		free(buf);
		unlink(tmp);
		return rc;
	}
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
