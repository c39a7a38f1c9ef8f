/*
 * bench/sweep_io.h — file helpers of the harness (sweep, compare, report,
 * plots): atomic writes (util/atomic.h),
 * JSON reads whose errors name the file, path building.
 */
#ifndef LDOMSIM_BENCH_SWEEP_IO_H
#define LDOMSIM_BENCH_SWEEP_IO_H

#include <jansson.h>
#include <stddef.h>

/* The document, indented, in insertion order, newline-terminated. */
int bench_write_json_atomic(const char *path, const json_t *doc, char *err, size_t n);
/* A JSON document, or NULL with err "FILE: line L, column C: what". */
json_t *bench_read_json(const char *path, char *err, size_t n);
/* malloc'd printf-style string (NULL when out of memory). */
__attribute__((format(printf, 1, 2))) char *bench_strf(const char *fmt, ...);
/* 1 when j is an integer >= 0. */
int bench_is_count(const json_t *j);
/* The header of a versioned document: $.format is format and $.version
 * is [major, minor] of this major (what names the document in the
 * message: "result", "summary"). 0, or -1 with err "FILE: $.format: ...". */
int bench_check_version(const json_t *doc, const char *file, const char *format, int major,
                        const char *what, char *err, size_t n);
/* 1 when path is an existing directory / regular file. */
int bench_is_dir(const char *path);
int bench_is_file(const char *path);

/* The output folder dir of a sweep or merge (option opt names it in
 * messages), before anything is written to it. A folder that holds no file
 * (or does not exist) is fine. A folder holding files is refused unless
 * force; with force, every file and folder a sweep writes (summary.json,
 * plan.json, points/p<P>-a<A>.{json,log}, traces/p<P>-a<A>/, plots/NAME.
 * {dat,png,svg}, their temporaries) is removed, but when dir holds anything
 * else nothing is removed and it is refused, naming that. 0, or -1 with err
 * naming dir and the file. */
int bench_out_prepare(const char *opt, const char *dir, int force, char *err, size_t n);

/* The summary files path names: path itself when it is a file, DIR/summary.json
 * for a sweep folder, else DIR/SUB/summary.json of every sweep subfolder
 * (sorted). *files is a NULL-terminated malloc'd array (free with
 * bench_free_list). 0, or -1 with err naming path. */
int bench_summary_files(const char *path, char ***files, char *err, size_t n);
void bench_free_list(char **list);

#endif
