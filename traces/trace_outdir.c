/*
 * ldomsim — `trace import`: the output folder, staged beside DIR and
 * moved into place, so that a failed import leaves nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/trace_internal.h"

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

enum trace_status trace__outdir_open(struct trace_imp_outdir *od, const char *dir,
                                     struct trace_error *err)
{
	struct stat sb;
	size_t n = strlen(dir);
	char *slash;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return trace_fail(err, TRACE_ERR_ARG, "-o", NULL, "an empty folder name");
	if (!(od->dir = strndup(dir, n)))
		return trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
	if (!stat(od->dir, &sb) && !S_ISDIR(sb.st_mode))
		return trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "exists and is not a folder");
	/* The parents, created one by one (and remembered). */
	for (slash = strchr(od->dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(od->dir, &sb)) {
			if (mkdir(od->dir, 0777) || push_str(&od->made, &od->nmade, od->dir)) {
				enum trace_status st =
				    trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
				               "cannot create the folder: %s", strerror(errno));
				*slash = '/';
				return st;
			}
		} else if (!S_ISDIR(sb.st_mode)) {
			enum trace_status st =
			    trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "is not a folder");
			*slash = '/';
			return st;
		}
		*slash = '/';
	}
	if (asprintf(&od->stage, "%s.import-XXXXXX", od->dir) < 0) {
		od->stage = NULL;
		return trace_fail(err, TRACE_ERR_NOMEM, dir, NULL, "out of memory");
	}
	if (!mkdtemp(od->stage)) {
		free(od->stage);
		od->stage = NULL;
		return trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
		                  "cannot create a staging folder beside it: %s", strerror(errno));
	}
	return TRACE_OK;
}

enum trace_status trace__outdir_note(struct trace_imp_outdir *od, const char *name,
                                     struct trace_error *err)
{
	if (push_str(&od->files, &od->nfiles, name))
		return trace_fail(err, TRACE_ERR_NOMEM, od->dir, NULL, "out of memory");
	return TRACE_OK;
}

enum trace_status trace__outdir_write(struct trace_imp_outdir *od, const char *name, const void *b,
                                      size_t len, struct trace_error *err)
{
	char *p;
	enum trace_status st;

	if (asprintf(&p, "%s/%s", od->stage, name) < 0)
		return trace_fail(err, TRACE_ERR_NOMEM, od->dir, NULL, "out of memory");
	if (!(st = trace_write_atomic(p, b, len, err)))
		st = trace__outdir_note(od, name, err);
	free(p);
	return st;
}

/* Move the staged files into DIR (DIR itself when it does not exist). */
enum trace_status trace__outdir_commit(struct trace_imp_outdir *od, struct trace_error *err)
{
	struct stat sb;

	if (stat(od->dir, &sb)) {
		if (rename(od->stage, od->dir))
			return trace_fail(err, TRACE_ERR_IO, od->dir, NULL, "cannot create: %s",
			                  strerror(errno));
		od->committed = 1;
		return TRACE_OK;
	}
	for (size_t i = 0; i < od->nfiles; i++) {
		char *from = NULL, *to = NULL;
		int bad = asprintf(&from, "%s/%s", od->stage, od->files[i]) < 0 ||
		          asprintf(&to, "%s/%s", od->dir, od->files[i]) < 0 || rename(from, to);

		free(from);
		free(to);
		if (bad)
			return trace_fail(err, TRACE_ERR_IO, od->dir, NULL,
			                  "cannot move %s into the folder: %s", od->files[i],
			                  strerror(errno));
	}
	rmdir(od->stage);
	od->committed = 1;
	return TRACE_OK;
}

void trace__outdir_abort(struct trace_imp_outdir *od)
{
	if (od->committed)
		return;
	for (size_t i = 0; od->stage && i < od->nfiles; i++) {
		char *p;

		if (asprintf(&p, "%s/%s", od->stage, od->files[i]) >= 0) {
			unlink(p);
			free(p);
		}
	}
	if (od->stage)
		rmdir(od->stage);
	for (size_t i = od->nmade; i-- > 0;)
		rmdir(od->made[i]);
}

void trace__outdir_free(struct trace_imp_outdir *od)
{
	for (size_t i = 0; i < od->nmade; i++)
		free(od->made[i]);
	for (size_t i = 0; i < od->nfiles; i++)
		free(od->files[i]);
	free(od->made);
	free(od->files);
	free(od->stage);
	free(od->dir);
}

/* Replace every "from" in msg (n bytes) by "to". */
void trace__replace_all(char *msg, size_t n, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = msg;

	if (!fl)
		return;
	while ((p = strstr(p, from))) {
		size_t rest = strlen(p + fl);

		if ((size_t)(p - msg) + tl + rest + 1 > n)
			return;
		memmove(p + tl, p + fl, rest + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

/* A message about the staged trace names what the user has: the capture's
 * MD file for md-genN.bin, the capture folder for the rest. */
void trace__outdir_rename_in_msg(const struct trace_imp_outdir *od, struct trace_error *err,
                                 char *const *md_src, size_t nmds, const char *cap)
{
	char from[1200];

	for (size_t g = 0; g < nmds; g++) {
		snprintf(from, sizeof(from), "%s/md-gen%zu.bin", od->stage, g + 1);
		trace__replace_all(err->msg, sizeof(err->msg), from, md_src[g]);
	}
	for (size_t g = 0; g < nmds; g++) { /* as the trace names them */
		snprintf(from, sizeof(from), "md-gen%zu.bin", g + 1);
		trace__replace_all(err->msg, sizeof(err->msg), from, md_src[g]);
	}
	trace__replace_all(err->msg, sizeof(err->msg), od->stage, cap);
}
