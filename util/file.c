/*
 * util/file.c — see file.h.
 */
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

const char *util_strerror(int code)
{
	switch (code) {
	case UTIL_OK:
		return "success";
	case UTIL_E_OPEN:
		return "cannot open";
	case UTIL_E_READ:
		return "read error";
	case UTIL_E_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

int util_read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0, got;
	int saved;

	*data = NULL;
	*len = 0;
	if (!f)
		return UTIL_E_OPEN;
	do {
		/* Room for one more block and the terminating NUL. */
		if (cap - used < 2) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return UTIL_E_NOMEM;
			}
			buf = nb;
		}
		got = fread(buf + used, 1, cap - used - 1, f);
		used += got;
	} while (got);
	if (ferror(f)) {
		saved = errno;
		free(buf);
		fclose(f);
		errno = saved;
		return UTIL_E_READ;
	}
	fclose(f);
	buf[used] = 0;
	*data = buf;
	*len = used;
	return UTIL_OK;
}

int util_mkdir_parents(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -1;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

int util_mkdir_p(const char *dir)
{
	size_t n = strlen(dir);
	char *p = malloc(n + 3);
	int rc;

	if (!p)
		return -1;
	memcpy(p, dir, n);
	memcpy(p + n, "/x", 3);
	rc = util_mkdir_parents(p);
	free(p);
	return rc;
}
