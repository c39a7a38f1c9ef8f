/*
 * tests/test_snapshot_run.c — boot snapshots end to end (issue 14): a run
 * that restores a snapshot (hit) gives the result of a cold run byte for
 * byte apart from `simulator`, on every shipped trace and capture (the
 * two largest in check-slow), with and without the profile, with faults,
 * interrupts, removal and the memory model; a snapshot made by another
 * ldomsim binary, for another guest image or another MD is not used; a
 * corrupt, truncated or inconsistent one is ignored with a message and
 * the run goes cold; a sweep boots once per present count.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "snap/snap.h"
#include "tests/util.h"
#include "tests/util_snap.h"

/* The snapshot status a result reports (simulator.snapshot). */
static const char *status(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "simulator"), "snapshot"));
}

static const char *note(json_t *doc)
{
	const char *s =
	    json_string_value(json_object_get(json_object_get(doc, "simulator"), "snapshot_note"));
	return s ? s : "";
}

Test(snapshot_run, warm_equals_cold_on_every_small_shipped_trace, .timeout = 600)
{
	static const char *const variants[] = {"", "--no-profile"};
	DIR *d;
	struct dirent *e;
	char traces[32][600];
	size_t nt = 0;
	static const char *const roots[] = {"traces", "traces/testdata"};
	for (size_t k = 0; k < 2; k++) {
		cr_assert((d = opendir(roots[k])));
		while ((e = readdir(d)) && nt < 32) {
			char p[600];
			snprintf(p, sizeof p, "%s/%s/trace.json", roots[k], e->d_name);
			/* the two largest machines: check-slow */
			if (e->d_name[0] == '.' || strstr(p, "m7-16") || strstr(p, "m8-8"))
				continue;
			FILE *f = fopen(p, "r");
			if (!f)
				continue;
			fclose(f);
			snprintf(traces[nt++], sizeof traces[0], "%s", p);
		}
		closedir(d);
	}
	cr_assert_geq(nt, 10, "shipped traces and captures: %zu found", nt);
	for (size_t i = 0; i < nt; i++)
		for (size_t v = 0; v < 2; v++)
			test_snap_warm_equals_cold(traces[i], variants[v]);
}

Test(snapshot_run, warm_equals_cold_with_faults_interrupts_removal_and_caches, .timeout = 300)
{
	static const char *const cases[][2] = {
	    {"traces/default/trace.json", "--inject cpu_qconf=EINVAL@60"},
	    {"traces/default/trace.json", "--inject cpu_start=EWOULDBLOCKx2@57"},
	    {"traces/default/trace.json", "--irq 0x1:0x5@56-63 --irq 0x2:0x7"},
	    {"traces/default/trace.json", "--set cpi=2.5"},
	    {"traces/default/trace.json", "--memory-model on"},
	    {"traces/t2/trace.json", "--memory-model on --no-profile --irq 0x1:0x5"},
	    {"traces/t4-4/trace.json", "--inject cpu_start=ENOCPU@200"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		test_snap_warm_equals_cold(cases[i][0], cases[i][1]);
}

/* A copy of a file with one byte appended (an ELF runs unchanged: its
 * loader never reads past its segments). */
static void copy_plus_byte(const char *from, const char *to)
{
	cr_assert_eq(test_sh("cp %s %s && printf x >> %s && chmod +x %s", from, to, to, to), 0);
}

Test(snapshot_run, another_binary_image_md_or_option_is_not_used, .timeout = 300)
{
	char store[256], dir[256], bin[300], img[300], out[8192];
	test_tmpdir(store, sizeof store, "store");
	test_tmpdir(dir, sizeof dir, "other");
	const char *t = "traces/default/trace.json";
	json_t *first = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
	cr_assert_str_eq(status(first), "miss", "%s", out);
	json_t *again = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
	cr_assert_str_eq(status(again), "hit", "%s", out);
	const char *key =
	    json_string_value(json_object_get(json_object_get(first, "simulator"), "snapshot_key"));
	cr_assert(key && strlen(key) == 64);

	/* another ldomsim binary (its own bytes differ) */
	snprintf(bin, sizeof bin, "%s/ldomsim", dir);
	copy_plus_byte("build/ldomsim", bin);
	json_t *other_bin =
	    test_snap_run(bin, t, "--guest build/guest/guest.elf", store, out, sizeof out);
	cr_assert_str_eq(status(other_bin), "miss", "another binary restored: %s", out);

	/* another guest image: the same code plus a byte, its manifest updated */
	cr_assert_eq(test_sh("mkdir -p %s/g && cp build/guest/manifest.json %s/g/", dir, dir), 0);
	snprintf(img, sizeof img, "%s/g/guest.elf", dir);
	copy_plus_byte("build/guest/guest.elf", img);
	cr_assert_eq(
	    test_sh("python3 -c \"import json,hashlib,sys; m=json.load(open(sys.argv[1])); "
	            "m['image_sha256']=hashlib.sha256(open(sys.argv[2],'rb').read())."
	            "hexdigest(); json.dump(m, open(sys.argv[1],'w'))\" %s/g/manifest.json "
	            "%s",
	            dir, img),
	    0);
	char opt[400];
	snprintf(opt, sizeof opt, "--guest %s", img);
	json_t *other_img = test_snap_run("build/ldomsim", t, opt, store, out, sizeof out);
	cr_assert_str_eq(status(other_img), "miss", "another image restored: %s", out);

	/* another MD generation 1: the same shape with one strand more */
	char other_md[256];
	test_gen_trace(other_md, sizeof other_md, "--shape t2 --present 55 --add 8");
	json_t *md = test_snap_run("build/ldomsim", other_md, "", store, out, sizeof out);
	cr_assert_str_eq(status(md), "miss", "another MD restored: %s", out);

	/* options that act during boot: each its own snapshot */
	static const char *const opts[] = {"--no-profile", "--memory-model on", "--set cpi=2",
	                                   "--irq 0x1:0x5", "--insn-budget 40000000"};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		json_t *o = test_snap_run("build/ldomsim", t, opts[i], store, out, sizeof out);
		cr_expect_str_eq(status(o), "miss", "%s restored the default's snapshot: %s",
		                 opts[i], out);
		json_decref(o);
	}
	/* ... and what boot does not read shares one: the scenario's faults */
	json_t *f = test_snap_run("build/ldomsim", t, "--inject cpu_start=EWOULDBLOCK@57", store,
	                          out, sizeof out);
	cr_expect_str_eq(status(f), "hit", "%s", out);
	/* --no-snapshot neither reads nor writes */
	json_t *off = test_snap_run("build/ldomsim", t, "--no-snapshot", store, out, sizeof out);
	cr_expect_str_eq(status(off), "off", "%s", out);
	json_decref(first);
	json_decref(again);
	json_decref(other_bin);
	json_decref(other_img);
	json_decref(md);
	json_decref(f);
	json_decref(off);
}

/* The store's only snapshot file (its path into buf). */
static void only_snapshot(const char *store, char *buf, size_t n)
{
	DIR *d = opendir(store);
	struct dirent *e;
	int found = 0;
	cr_assert(d, "%s", store);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".snap")) {
			snprintf(buf, n, "%s/%s", store, e->d_name);
			found++;
		}
	closedir(d);
	cr_assert_eq(found, 1, "%d snapshot files in %s", found, store);
}

Test(snapshot_run, a_corrupt_or_truncated_snapshot_is_ignored_and_the_run_goes_cold, .timeout = 300)
{
	char store[256], file[512], out[8192];
	const char *t = "traces/t4-4/trace.json";
	json_t *cold = test_snap_run("build/ldomsim", t, "--no-snapshot", "", out, sizeof out);
	cr_assert(cold, "%s", out);
	static const char *const damage[] = {
	    /* one payload byte flipped: its SHA-256 no longer matches */
	    "printf '\\377' | dd of=%s bs=1 seek=200 conv=notrunc status=none",
	    /* cut in the middle */
	    "truncate -s 150 %s",
	    /* nothing at all */
	    ": > %s",
	};
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		test_tmpdir(store, sizeof store, "corrupt");
		json_t *miss = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
		cr_assert_str_eq(status(miss), "miss", "%s", out);
		only_snapshot(store, file, sizeof file);
		char cmd[700];
		snprintf(cmd, sizeof cmd, damage[i], file);
		cr_assert_eq(test_sh("%s", cmd), 0);
		json_t *warm = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
		cr_assert(warm, "%s", out);
		cr_expect_str_eq(status(warm), "miss", "damage %zu: %s", i, out);
		cr_expect(strstr(note(warm), "ignored"), "damage %zu: the note says why: '%s'", i,
		          note(warm));
		cr_expect(strstr(out, "boot snapshot"), "damage %zu: stderr says it: %s", i, out);
		test_snap_assert_same(cold, warm, t, "a damaged snapshot");
		/* ... and the cold run saved a good one again */
		json_t *hit = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
		cr_expect_str_eq(status(hit), "hit", "damage %zu: %s", i, out);
		test_snap_assert_same(cold, hit, t, "the snapshot saved after a damaged one");
		json_decref(miss);
		json_decref(warm);
		json_decref(hit);
	}
	json_decref(cold);
}

/* A snapshot file that passes the store's checks (this binary's key, a
 * good hash) but whose state does not load: a payload that does not
 * decompress, and a state stream cut short. The run notes it, rebuilds
 * the machine and boots cold. */
Test(snapshot_run, a_snapshot_whose_state_does_not_load_goes_cold, .timeout = 300)
{
	char store[256], out[8192], err[256];
	const char *t = "traces/default/trace.json";
	json_t *cold = test_snap_run("build/ldomsim", t, "--no-snapshot", "", out, sizeof out);
	cr_assert(cold, "%s", out);
	for (int k = 0; k < 2; k++) {
		test_tmpdir(store, sizeof store, "badstate");
		json_t *miss = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
		const char *key = json_string_value(
		    json_object_get(json_object_get(miss, "simulator"), "snapshot_key"));
		cr_assert(key, "%s", out);
		struct snap_store *s;
		uint8_t *data;
		size_t len;
		cr_assert_eq(snap_store_open(store, 1ull << 30, &s, err, sizeof err), SNAP_OK, "%s",
		             err);
		cr_assert_eq(snap_get(s, key, &data, &len, err, sizeof err), SNAP_OK, "%s", err);
		if (k == 0) {
			/* garbage after the length word */
			memset(data + 8, 0x5a, len - 8);
		} else {
			/* the state stream, cut in half and compressed again */
			uint64_t raw_len = 0;
			for (int i = 0; i < 8; i++)
				raw_len = raw_len << 8 | data[i];
			uLongf got = raw_len;
			uint8_t *raw = malloc(raw_len);
			cr_assert(raw);
			cr_assert_eq(uncompress(raw, &got, data + 8, len - 8), Z_OK);
			uLongf zl = compressBound(raw_len / 2);
			uint8_t *z = malloc(8 + zl);
			cr_assert(z);
			cr_assert_eq(compress(z + 8, &zl, raw, raw_len / 2), Z_OK);
			memcpy(z, data, 8); /* claims the full length: checked after */
			uint64_t half = raw_len / 2;
			for (int i = 7; i >= 0; i--, half >>= 8)
				z[i] = (uint8_t)half;
			free(data);
			free(raw);
			data = z;
			len = 8 + zl;
		}
		cr_assert_eq(snap_put(s, key, data, len, err, sizeof err), SNAP_OK, "%s", err);
		free(data);
		snap_store_free(s);
		json_t *warm = test_snap_run("build/ldomsim", t, "", store, out, sizeof out);
		cr_assert(warm, "%s", out);
		cr_expect_str_eq(status(warm), "miss", "case %d: %s", k, out);
		cr_expect(strstr(note(warm), "booting cold"), "case %d: note '%s'", k, note(warm));
		test_snap_assert_same(cold, warm, t, "an unloadable snapshot");
		json_decref(miss);
		json_decref(warm);
	}
	json_decref(cold);
}

Test(snapshot_run, a_sweep_boots_once_per_present_count_and_equals_a_cold_one, .timeout = 300)
{
	char store[256], warm[256], cold[256], out[8192];
	test_tmpdir(store, sizeof store, "sweepstore");
	test_tmpdir(warm, sizeof warm, "sweepwarm");
	test_tmpdir(cold, sizeof cold, "sweepcold");
	const char *pts = "--shape t4-4 --present 64,128 --add 8,16,32 --jobs 2 --no-plots --force";
	cr_assert_eq(test_sh("build/ldomsim sweep %s --snapshot-dir %s -o %s >/dev/null 2>&1", pts,
	                     store, warm),
	             0);
	cr_assert_eq(
	    test_sh("build/ldomsim sweep %s --no-snapshot -o %s >/dev/null 2>&1", pts, cold), 0);
	snprintf(out, sizeof out, "build/ldomsim compare --threshold 0 %s %s >/dev/null", cold,
	         warm);
	cr_expect_eq(test_sh("%s", out), 0, "the sweeps differ");
	static const char *const names[] = {"p64-a8",  "p64-a16",  "p64-a32",
	                                    "p128-a8", "p128-a16", "p128-a32"};
	int miss[2] = {0, 0}, hit[2] = {0, 0};
	for (size_t i = 0; i < 6; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/points/%s.json", warm, names[i]);
		json_t *doc = json_load_file(p, 0, NULL);
		cr_assert(doc, "%s", p);
		const char *st = status(doc);
		cr_assert(st);
		int g = i >= 3;
		miss[g] += !strcmp(st, "miss");
		hit[g] += !strcmp(st, "hit");
		/* the first of each present count is the costliest: add 32 */
		cr_expect_str_eq(st, strstr(names[i], "a32") ? "miss" : "hit", "%s", names[i]);
		json_decref(doc);
	}
	cr_expect(miss[0] == 1 && miss[1] == 1 && hit[0] == 2 && hit[1] == 2,
	          "one boot per present count: misses %d %d, hits %d %d", miss[0], miss[1], hit[0],
	          hit[1]);
}

/* What a run prints and the folded stacks it writes are the same warm. */
Test(snapshot_run, the_printed_log_and_folded_stacks_are_the_same_warm, .timeout = 120)
{
	char store[256], dir[256];
	test_tmpdir(store, sizeof store, "logstore");
	test_tmpdir(dir, sizeof dir, "logs");
	const char *t = "traces/t4-4/trace.json";
	static const char *const runs[][2] = {{"cold", "--no-snapshot"}, {"miss", ""}, {"hit", ""}};
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(test_sh("build/ldomsim run %s %s --snapshot-dir %s --log --profile "
		                     "%s/%s.folded -o %s/%s.json > %s/%s.out",
		                     t, runs[i][1], store, dir, runs[i][0], dir, runs[i][0], dir,
		                     runs[i][0]),
		             0);
	cr_assert_eq(test_sh("grep -q '\"snapshot\": \"hit\"' %s/hit.json", dir), 0);
	for (size_t i = 1; i < 3; i++) {
		cr_expect_eq(test_sh("cmp -s %s/cold.out %s/%s.out", dir, dir, runs[i][0]), 0,
		             "%s: the printed log and summary differ", runs[i][0]);
		cr_expect_eq(test_sh("cmp -s %s/cold.folded %s/%s.folded", dir, dir, runs[i][0]), 0,
		             "%s: the folded stacks differ", runs[i][0]);
	}
}

/* A --snapshot-dir that cannot hold snapshots is a bad option: exit 2
 * naming it, before anything runs or is written; the default store that
 * cannot be made (no HOME) only turns snapshots off, with a note. */
Test(snapshot_run, an_unusable_snapshot_dir_is_refused, .timeout = 120)
{
	char dir[256], file[300], res[300], out[4096];
	test_tmpdir(dir, sizeof dir, "baddir");
	snprintf(file, sizeof file, "%s/a-file", dir);
	snprintf(res, sizeof res, "%s/r.json", dir);
	cr_assert_eq(test_sh("touch %s", file), 0);
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim run traces/default/trace.json --snapshot-dir %s -o %s 2>&1", file,
	         res);
	cr_expect_eq(test_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "--snapshot-dir") && strstr(out, file), "%s", out);
	cr_expect_neq(test_sh("test -e %s", res), 0, "a result was written");
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim run traces/default/trace.json --snapshot-dir '' -o %s 2>&1", res);
	cr_expect_eq(test_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "empty"), "%s", out);
	snprintf(cmd, sizeof cmd,
	         "build/ldomsim sweep --shape t2 --present 32 --add 8 --no-plots --snapshot-dir %s "
	         "-o %s/sw 2>&1",
	         file, dir);
	cr_expect_eq(test_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(strstr(out, "--snapshot-dir"), "%s", out);
	cr_expect_neq(test_sh("test -e %s/sw", dir), 0, "the sweep made its folder");
	/* the default store unavailable: a note, the run goes cold */
	snprintf(cmd, sizeof cmd,
	         "env -u HOME -u XDG_CACHE_HOME build/ldomsim run traces/default/trace.json -o %s "
	         "2>&1",
	         res);
	cr_expect_eq(test_run(cmd, out, sizeof out), 0, "%s", out);
	cr_expect(strstr(out, "no cache folder"), "%s", out);
	json_t *doc = json_load_file(res, 0, NULL);
	cr_assert(doc);
	cr_expect_str_eq(status(doc), "off");
	json_decref(doc);
}
