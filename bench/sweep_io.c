/*
 * bench/sweep_io.c — see sweep_io.h.
 */
#define _GNU_SOURCE
#include "bench/sweep_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/atomic.h"
#include "util/errf.h"

int bench_is_count(const json_t *j)
{
	return json_is_integer(j) && json_integer_value(j) >= 0;
}

int bench_check_version(const json_t *doc, const char *file, const char *format, int major,
                        const char *what, char *err, size_t n)
{
	const json_t *v = json_object_get(doc, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), format)) {
		util_errf(err, n, "%s: $.format: expected \"%s\"", file, format);
		return -1;
	}
	v = json_object_get(doc, "version");
	if (json_array_size(v) != 2 || !bench_is_count(json_array_get(v, 0)) ||
	    !bench_is_count(json_array_get(v, 1))) {
		util_errf(err, n, "%s: $.version: expected [major, minor]", file);
		return -1;
	}
	if (json_integer_value(json_array_get(v, 0)) != major) {
		util_errf(err, n,
		          "%s: $.version: %s version %lld.%lld is another major version (this "
		          "ldomsim reads %d.x)",
		          file, what, (long long)json_integer_value(json_array_get(v, 0)),
		          (long long)json_integer_value(json_array_get(v, 1)), major);
		return -1;
	}
	return 0;
}

int bench_write_json_atomic(const char *path, const json_t *doc, char *err, size_t n)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *t = s ? bench_strf("%s\n", s) : NULL;
	int rc = -1;
	if (!t)
		util_errf(err, n, "%s: out of memory", path);
	else
		rc = util_write_atomic(path, t, strlen(t), err, n);
	free(s);
	free(t);
	return rc;
}

json_t *bench_read_json(const char *path, char *err, size_t n)
{
	json_error_t je;
	json_t *doc;
	if (!bench_is_file(path)) {
		util_errf(err, n, "%s: cannot read: %s", path,
		          errno ? strerror(errno) : "not a regular file");
		return NULL;
	}
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		util_errf(err, n, "%s: line %d, column %d: %s", path, je.line, je.column, je.text);
	return doc;
}

char *bench_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : s;
}

int bench_is_dir(const char *path)
{
	struct stat st;
	errno = 0;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int bench_is_file(const char *path)
{
	struct stat st;
	errno = 0;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

void bench_free_list(char **list)
{
	for (char **p = list; p && *p; p++)
		free(*p);
	free(list);
}

static int push(char ***list, size_t *k, char *s)
{
	char **l = s ? realloc(*list, (*k + 2) * sizeof *l) : NULL;
	if (!l) {
		free(s);
		return -1;
	}
	l[(*k)++] = s;
	l[*k] = NULL;
	*list = l;
	return 0;
}

int bench_summary_files(const char *path, char ***files, char *err, size_t n)
{
	struct dirent **ents;
	size_t k = 0;
	int nent, rc = 0;
	char *top;
	*files = NULL;
	if (!bench_is_dir(path)) {
		if (push(files, &k, strdup(path)))
			goto oom;
		return 0;
	}
	top = bench_strf("%s/summary.json", path);
	if (top && bench_is_file(top)) {
		if (push(files, &k, top))
			goto oom;
		return 0;
	}
	free(top);
	nent = scandir(path, &ents, NULL, alphasort);
	if (nent < 0) {
		util_errf(err, n, "%s: cannot read the folder: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < nent; i++) {
		char *sub = bench_strf("%s/%s/summary.json", path, ents[i]->d_name);
		if (!rc && ents[i]->d_name[0] != '.' && sub && bench_is_file(sub))
			rc = push(files, &k, sub);
		else
			free(sub);
		free(ents[i]);
	}
	free(ents);
	if (rc)
		goto oom;
	if (!k) {
		util_errf(err, n,
		          "%s: not a sweep folder (no summary.json) and no sweep folders in it",
		          path);
		return -1;
	}
	return 0;
oom:
	bench_free_list(*files);
	*files = NULL;
	util_errf(err, n, "%s: out of memory", path);
	return -1;
}
