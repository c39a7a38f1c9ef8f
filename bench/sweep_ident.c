/*
 * bench/sweep_ident.c — which ldomsim ran a sweep, recorded without a host
 * path (committed baselines must not carry the path of the machine that
 * made them): the SHA-256 of the binary's bytes, and the version of this
 * build when that binary is this build.
 */
#include <stdlib.h>
#include <string.h>

#include "bench/run_impl.h"
#include "bench/sweep_impl.h"
#include "ldomsim_version.h" /* LDOMSIM_VERSION: git describe at build time */
#include "traces/trace.h"
#include "util/file.h"

const char *bench_ldomsim_version(void)
{
	return LDOMSIM_VERSION;
}

/* Hex SHA-256 of the file's bytes into hex; 0, or -1 (unreadable). */
int bench_file_sha256(const char *path, char hex[65])
{
	uint8_t *data, h[32];
	size_t len;
	if (!path || util_read_file(path, &data, &len))
		return -1;
	int rc = trace_sha256(data, len, h) ? -1 : 0;
	free(data);
	if (!rc)
		trace_sha256_to_hex(h, hex);
	return rc;
}

json_t *bench_sweep__ldomsim_identity(const char *binary)
{
	char mine[65], theirs[65];
	int known = !bench_file_sha256(binary, theirs);
	/* The version is this build's: it names the binary that ran the points
	 * only when that binary is byte for byte this one. */
	int same = known && !bench_file_sha256("/proc/self/exe", mine) && !strcmp(mine, theirs);
	return json_pack("{ssso}", "ldomsim", same ? LDOMSIM_VERSION : "unknown", "ldomsim_sha256",
	                 known ? json_string(theirs) : json_null());
}
