/*
 * bench/sweep_out.c — the output folder of a sweep or a merge: refused when
 * it already holds files, or (--force) cleared of an earlier sweep's files
 * and of nothing else. See bench_out_prepare in sweep_io.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/sweep_io.h"
#include "util/errf.h"

/* The folders of a sweep folder, by what they hold (bench/sweep.h). */
enum out_kind { OUT_TOP, OUT_POINTS, OUT_TRACES, OUT_TRACE, OUT_PLOTS, OUT_NONE };

/* Length of a point name "p<P>-a<A>" at the start of s, else 0. */
static size_t point_name(const char *s)
{
	const char *p = s;
	if (*p++ != 'p' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '-' || *p++ != 'a' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return (size_t)(p - s);
}

/* 1 when name is base itself or a temporary of it (base.tmp, base.tmp.XXXXXX:
 * util_write_atomic's, a point's log while it runs, gnuplot's output). */
static int is_or_tmp(const char *name, const char *base)
{
	size_t k = strlen(base);
	return !strncmp(name, base, k) && (!name[k] || !strncmp(name + k, ".tmp", 4));
}

/* What kind of entry a sweep writes into a folder of kind k: the kind of
 * folder when it is one, OUT_NONE for a file it writes, -1 when a sweep
 * never writes it. */
static int sweep_entry(enum out_kind k, const char *name, int isdir)
{
	size_t l;
	switch (k) {
	case OUT_TOP:
		if (isdir)
			return !strcmp(name, "points")   ? OUT_POINTS
			       : !strcmp(name, "traces") ? OUT_TRACES
			       : !strcmp(name, "plots")  ? OUT_PLOTS
			                                 : -1;
		return is_or_tmp(name, "summary.json") || is_or_tmp(name, "plan.json") ? OUT_NONE
		                                                                       : -1;
	case OUT_POINTS:
		l = point_name(name);
		if (isdir || !l || name[l] != '.')
			return -1;
		return is_or_tmp(name + l + 1, "json") || is_or_tmp(name + l + 1, "log") ? OUT_NONE
		                                                                         : -1;
	case OUT_TRACES:
		l = point_name(name);
		return isdir && l && !name[l] ? OUT_TRACE : -1;
	case OUT_TRACE:
		if (isdir)
			return -1;
		if (is_or_tmp(name, "trace.json"))
			return OUT_NONE;
		if (strncmp(name, "md-gen", 6))
			return -1;
		l = 6 + strspn(name + 6, "0123456789");
		return l > 6 && is_or_tmp(name + l, ".bin") ? OUT_NONE : -1;
	case OUT_PLOTS:
		l = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (isdir || !l || name[l] != '.')
			return -1;
		name += l + 1;
		for (const char *const *e = (const char *const[]){"dat", "png", "svg", NULL}; *e;
		     e++)
			if (!strncmp(name, *e, 3) &&
			    (!name[3] || is_or_tmp(name + 3, "") || !strcmp(name + 3, ".stderr")))
				return OUT_NONE;
		return -1;
	default:
		return -1;
	}
}

enum scan_mode {
	SCAN_ANY_FILE, /* find a file (anything but a folder) at any depth */
	SCAN_UNKNOWN,  /* find an entry a sweep does not write */
	SCAN_REMOVE,   /* remove everything (checked by SCAN_UNKNOWN first) */
};

/* Scans folder path of kind k. 1 when found (*found: its malloc'd path), 0
 * when not (SCAN_REMOVE: all removed), -1 on a system error (err). */
static int scan(const char *path, enum out_kind k, enum scan_mode mode, char **found, char *err,
                size_t n)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;
	if (!d) {
		util_errf(err, n, "%s: cannot read the folder: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && (errno = 0, de = readdir(d))) {
		struct stat st;
		char *sub;
		int kind, isdir;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = bench_strf("%s/%s", path, de->d_name);
		if (!sub) {
			util_errf(err, n, "%s: out of memory", path);
			rc = -1;
			break;
		}
		if (lstat(sub, &st)) {
			util_errf(err, n, "%s: %s", sub, strerror(errno));
			free(sub);
			rc = -1;
			break;
		}
		isdir = S_ISDIR(st.st_mode); /* a symbolic link is not followed */
		kind = sweep_entry(k, de->d_name, isdir);
		if ((mode == SCAN_ANY_FILE && !isdir) || (mode == SCAN_UNKNOWN && kind < 0)) {
			*found = sub;
			rc = 1;
			break;
		}
		if (isdir) {
			rc = scan(sub, kind < 0 ? OUT_NONE : (enum out_kind)kind, mode, found, err,
			          n);
			if (!rc && mode == SCAN_REMOVE && rmdir(sub)) {
				util_errf(err, n, "%s: cannot remove: %s", sub, strerror(errno));
				rc = -1;
			}
		} else if (mode == SCAN_REMOVE && unlink(sub)) {
			util_errf(err, n, "%s: cannot remove: %s", sub, strerror(errno));
			rc = -1;
		}
		if (rc != 1)
			free(sub);
	}
	if (!rc && errno) {
		util_errf(err, n, "%s: cannot read the folder: %s", path, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

int bench_out_prepare(const char *opt, const char *dir, int force, char *err, size_t n)
{
	struct stat st;
	char *found = NULL;
	int rc;
	if (stat(dir, &st)) {
		if (errno == ENOENT)
			return 0; /* made later */
		util_errf(err, n, "%s %s: %s", opt, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		util_errf(err, n, "%s %s: exists and is not a folder", opt, dir);
		return -1;
	}
	rc = scan(dir, OUT_TOP, SCAN_ANY_FILE, &found, err, n);
	if (rc <= 0)
		return rc; /* only folders in it (a sweep that stopped early): nothing to lose */
	if (!force) {
		util_errf(err, n,
		          "%s %s: the folder is not empty (it holds %s): choose a new or empty "
		          "folder, or pass --force to replace the sweep in it",
		          opt, dir, found);
		free(found);
		return -1;
	}
	free(found);
	found = NULL;
	rc = scan(dir, OUT_TOP, SCAN_UNKNOWN, &found, err, n);
	if (rc == 1) {
		util_errf(err, n,
		          "%s %s --force: the folder holds %s, which a sweep does not write: "
		          "nothing was removed (move it away or choose another folder)",
		          opt, dir, found);
		free(found);
		return -1;
	}
	return rc ? -1 : scan(dir, OUT_TOP, SCAN_REMOVE, &found, err, n);
}
