/*
 * util/file.h — whole-file reading, and the error codes of util/.
 *
 * util/ follows the library's error convention: 0 or a negative enum
 * util_status code, which util_strerror names.
 */
#ifndef LDOMSIM_UTIL_FILE_H
#define LDOMSIM_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

enum util_status {
	UTIL_OK = 0,
	UTIL_E_OPEN = -1,  /* the file cannot be opened (errno says why) */
	UTIL_E_READ = -2,  /* a read failed part way (errno says why) */
	UTIL_E_NOMEM = -3, /* out of memory */
};

/* "cannot open", "read error", "out of memory", or "unknown error". */
const char *util_strerror(int code);

/* Reads the whole of path (any size, pipes too) into *data (malloc'd; the
 * caller frees it) and its length into *len; one NUL byte follows the
 * data, not counted in *len, so a text file can be used as a string.
 * 0, or a util_status code with errno kept from the failing call and
 * *data NULL. */
int util_read_file(const char *path, uint8_t **data, size_t *len);

/* mkdir -p of the folders above path's last component (parents), or of
 * dir itself and its parents (p). 0, or -1 with errno. */
int util_mkdir_parents(const char *path);
int util_mkdir_p(const char *dir);

#endif
