/*
 * tests/test_snap.c — the boot-snapshot store (snap/snap.h): a snapshot
 * comes back as written; a corrupt, truncated, foreign or other-format
 * file is a miss with a note and is removed; the size bound holds with the
 * least recently used evicted first; processes writing and reading one key
 * at once never see a half-written snapshot.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snap/snap.h"
#include "tests/util.h"

/* A 64-hex key made of one repeated digit. */
static const char *key_of(char c, char buf[SNAP_KEY_LEN + 1])
{
	memset(buf, c, SNAP_KEY_LEN);
	buf[SNAP_KEY_LEN] = 0;
	return buf;
}

static struct snap_store *open_store(char *dir, size_t n, uint64_t max)
{
	struct snap_store *s;
	char err[256];
	test_tmpdir(dir, n, "snap");
	cr_assert_eq(snap_store_open(dir, max, &s, err, sizeof err), SNAP_OK, "%s", err);
	return s;
}

Test(snap, round_trip_and_miss)
{
	char dir[256], k[SNAP_KEY_LEN + 1], note[256], err[256];
	struct snap_store *s = open_store(dir, sizeof dir, 1 << 20);
	uint8_t *d;
	size_t len;
	cr_expect_eq(snap_get(s, key_of('a', k), &d, &len, note, sizeof note), SNAP_MISS);
	cr_expect_not_null(strstr(note, "none"), "%s", note);
	const char payload[] = "the machine after boot";
	cr_assert_eq(snap_put(s, k, payload, sizeof payload, err, sizeof err), SNAP_OK, "%s", err);
	cr_assert_eq(snap_get(s, k, &d, &len, note, sizeof note), SNAP_OK, "%s", note);
	cr_expect_eq(len, sizeof payload);
	cr_expect_eq(memcmp(d, payload, len), 0);
	free(d);
	cr_expect_eq(snap_put(s, "not-a-key", payload, 1, err, sizeof err), SNAP_E_ARG);
	cr_expect_eq(snap_get(s, "ABCD", &d, &len, note, sizeof note), SNAP_E_ARG);
	snap_store_free(s);
	snap_store_free(NULL);
}

/* Each way a file can be wrong: a miss naming why, and the file gone. */
Test(snap, bad_files_are_ignored_with_a_note_and_removed)
{
	static const struct {
		const char *edit; /* python on bytearray b */
		const char *why;
	} cases[] = {
	    {"b[-1] ^= 1", "corrupt"},
	    {"del b[-5:]", "truncated"},
	    {"del b[40:]", "not a snapshot file"},
	    {"b[0:16] = b\"SOMETHING-ELSE!!\"", "not a snapshot file"},
	    {"b[19] = 9", "another snapshot format"},
	};
	char dir[256], k[SNAP_KEY_LEN + 1], note[256], err[256], path[512];
	struct snap_store *s = open_store(dir, sizeof dir, 1 << 20);
	uint8_t payload[4096], *d;
	size_t len;
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		key_of("0123456789"[c], k);
		cr_assert_eq(snap_put(s, k, payload, sizeof payload, err, sizeof err), SNAP_OK);
		snprintf(path, sizeof path, "%s/%s.snap", dir, k);
		cr_assert_eq(
		    test_sh("python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\")"
		            ".read()); %s; open(p,\"wb\").write(b)' %s",
		            cases[c].edit, path),
		    0);
		cr_expect_eq(snap_get(s, k, &d, &len, note, sizeof note), SNAP_MISS, "%s",
		             cases[c].edit);
		cr_expect(strstr(note, cases[c].why) && strstr(note, "ignored and removed"),
		          "%s: %s", cases[c].edit, note);
		cr_expect_neq(access(path, F_OK), 0, "%s: still there", cases[c].edit);
		cr_expect_null(d);
	}
	snap_store_free(s);
}

/* Files of ~1.1 KB in a 3500-byte store: the third put evicts the least
 * recently used; reading one makes it recently used. */
Test(snap, the_size_bound_holds_and_evicts_the_least_recently_used)
{
	char dir[256], a[SNAP_KEY_LEN + 1], b[SNAP_KEY_LEN + 1], c[SNAP_KEY_LEN + 1],
	    d4[SNAP_KEY_LEN + 1], note[256], err[256];
	struct snap_store *s = open_store(dir, sizeof dir, 3500);
	uint8_t payload[1000] = {1}, *d;
	size_t len;
	struct timespec pause = {0, 20000000}; /* distinct mtimes on any filesystem */
	cr_assert_eq(snap_put(s, key_of('a', a), payload, sizeof payload, err, sizeof err),
	             SNAP_OK);
	nanosleep(&pause, NULL);
	cr_assert_eq(snap_put(s, key_of('b', b), payload, sizeof payload, err, sizeof err),
	             SNAP_OK);
	nanosleep(&pause, NULL);
	cr_assert_eq(snap_put(s, key_of('c', c), payload, sizeof payload, err, sizeof err),
	             SNAP_OK);
	cr_expect_leq(snap_store_bytes(s), 3500);
	nanosleep(&pause, NULL);
	cr_assert_eq(snap_get(s, a, &d, &len, note, sizeof note), SNAP_OK, "a was kept: %s", note);
	free(d);
	nanosleep(&pause, NULL);
	cr_assert_eq(snap_put(s, key_of('d', d4), payload, sizeof payload, err, sizeof err),
	             SNAP_OK);
	cr_expect_leq(snap_store_bytes(s), 3500, "the bound holds");
	cr_expect_eq(snap_get(s, b, &d, &len, note, sizeof note), SNAP_MISS,
	             "b, least recently used, was evicted");
	cr_expect_eq(snap_get(s, a, &d, &len, note, sizeof note), SNAP_OK, "a was read: kept");
	free(d);
	cr_expect_eq(snap_get(s, d4, &d, &len, note, sizeof note), SNAP_OK);
	free(d);
	uint8_t big[4000] = {0};
	cr_expect_eq(snap_put(s, c, big, sizeof big, err, sizeof err), SNAP_E_ARG);
	cr_expect_not_null(strstr(err, "exceed the store's bound"), "%s", err);
	snap_store_free(s);
}

/* Two writers replace one key's snapshot over and over while a reader
 * reads it: every read is a whole snapshot of one writer or a miss
 * between them, never a corrupt or partial one. */
Test(snap, processes_sharing_the_folder_never_read_a_half_written_snapshot, .timeout = 60)
{
	char dir[256], k[SNAP_KEY_LEN + 1], note[256], err[256];
	struct snap_store *s = open_store(dir, sizeof dir, 64 << 20);
	key_of('e', k);
	enum { SIZE = 1 << 20, ROUNDS = 40 };
	pid_t w[2];
	for (int i = 0; i < 2; i++) {
		if ((w[i] = fork()) == 0) {
			uint8_t *p = malloc(SIZE);
			memset(p, 'A' + i, SIZE);
			for (int r = 0; r < ROUNDS; r++)
				if (snap_put(s, k, p, SIZE, err, sizeof err))
					_exit(1);
			_exit(0);
		}
		cr_assert_gt(w[i], 0);
	}
	int reads = 0, bad = 0;
	for (int alive = 2; alive;) {
		uint8_t *d;
		size_t len;
		int rc = snap_get(s, k, &d, &len, note, sizeof note);
		if (rc == SNAP_OK) {
			reads++;
			bad += len != SIZE || (d[0] != 'A' && d[0] != 'B') || d[SIZE - 1] != d[0];
			free(d);
		} else {
			bad += strstr(note, "none") == NULL; /* anything but "absent" */
		}
		alive = 0;
		for (int i = 0; i < 2; i++)
			alive += w[i] && waitpid(w[i], NULL, WNOHANG) == 0;
	}
	for (int i = 0; i < 2; i++) {
		int st;
		waitpid(w[i], &st, 0);
	}
	cr_expect_eq(bad, 0, "%d bad reads (last note: %s)", bad, note);
	cr_expect_gt(reads, 0);
	snap_store_free(s);
}

Test(snap, default_folder_follows_xdg)
{
	char buf[512];
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	cr_assert_eq(snap_default_dir(buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "/x/cache/ldomsim");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/u", 1);
	cr_assert_eq(snap_default_dir(buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "/home/u/.cache/ldomsim");
}

/* `ldomsim bench snapshot`: boots to the snapshot point and reports the
 * RAM image's figures; a bad trace is exit 2. */
Test(snap, bench_snapshot_reports_the_ram_image, .timeout = 60)
{
	char out[4096];
	cr_expect_eq(test_run("build/ldomsim bench snapshot traces/default/trace.json 2>&1", out,
	                      sizeof out),
	             0, "%s", out);
	cr_expect(strstr(out, "guest RAM image") && strstr(out, "MiB") && strstr(out, "loaded in"),
	          "%s", out);
	cr_expect_eq(
	    test_run("build/ldomsim bench snapshot no/such/trace.json 2>&1", out, sizeof out), 2,
	    "%s", out);
}
