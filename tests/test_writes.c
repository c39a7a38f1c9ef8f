/*
 * tests/test_writes.c — interrupted and failed writes: a sweep stopped by a
 * signal leaves no process and no temporary file behind; sweep and merge
 * refuse an output folder holding files unless --force, which removes only
 * a sweep's files; every writer is all or nothing under a file-size limit
 * (EFBIG) and says why; the exit codes of trace check/gen and md check;
 * an engine that cannot get its address space is a clear exit 2.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/util.h"
#include "util/atomic.h"

#define LDOMSIM "build/ldomsim"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Starts argv (stdout to /dev/null, stderr to errfile) in its own process
 * group, with resource res limited to lim bytes (res < 0: none), SIGXFSZ
 * ignored (a write past RLIMIT_FSIZE then fails with EFBIG, as under the
 * shell's `trap '' XFSZ; ulimit -f`) and SIGINT/SIGTERM at their defaults. */
static pid_t start(const char *errfile, int res, rlim_t lim, char *const argv[])
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (pid == 0) {
		sigset_t none;
		int out = open("/dev/null", O_WRONLY),
		    err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGXFSZ, SIG_IGN);
		if (res >= 0) {
			struct rlimit rl = {lim, lim};
			if (setrlimit(res, &rl))
				_exit(126);
		}
		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Exit status of pid (-100 - N when signal N ended it), waiting at most
 * seconds. */
static int finish(pid_t pid, int seconds)
{
	int st;
	for (int i = 0; i < seconds * 20; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -100 - WTERMSIG(st);
		sleep_ms(50);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	cr_assert_fail("process %d did not end within %d s", (int)pid, seconds);
	return -1;
}

static int run_limited(const char *errfile, int res, rlim_t lim, char *const argv[])
{
	return finish(start(errfile, res, lim, argv), 120);
}

static int exists(const char *fmt, const char *dir)
{
	char path[1400];
	struct stat st;
	snprintf(path, sizeof path, fmt, dir);
	return !stat(path, &st);
}

/* 1 when a temporary file (util/atomic.h's, a point's log, gnuplot's) is
 * anywhere under dir. */
static int tmp_left(const char *dir)
{
	return test_sh("find %s -name '*.tmp*' | grep -q .", dir) == 0;
}

/* ---- a sweep stopped by a signal -------------------------------------- */

/* The points run a stand-in for ldomsim run that has begun writing its
 * result (a temporary file, as util_write_atomic leaves one while it
 * writes) and then runs for 30 s: the sweep is stopped while they run. */
static void stop_sweep_with(int sig)
{
	char d[1024], fake[1200], out[1200], errf[1200], pts[1300];
	test_tmpdir(d, sizeof d, "writes-stop");
	snprintf(fake, sizeof fake, "%s/fake-run.sh", d);
	snprintf(out, sizeof out, "%s/sweep", d);
	snprintf(errf, sizeof errf, "%s/stderr.txt", d);
	snprintf(pts, sizeof pts, "%s/points", out);
	FILE *f = fopen(fake, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\n# ldomsim run TRACE --json RESULT\necho partial >\"$4.tmp.abcdef\"\n"
	      "exec sleep 30\n",
	      f);
	fclose(f);
	chmod(fake, 0755);
	/* Orphans of the sweep would be re-parented here. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	char *const argv[] = {LDOMSIM, "sweep", "--shape", "t2", "--present",  "16,24,32",
	                      "--add", "8",     "--jobs",  "2",  "--no-plots", "--ldomsim",
	                      fake,    "-o",    out,       NULL};
	pid_t pid = start(errf, -1, 0, argv);
	/* Until both running points have begun their result. */
	int started = 0;
	for (int i = 0; i < 400 && !started; i++) {
		started = test_sh("test $(ls %s 2>/dev/null | grep -c 'json.tmp') -eq 2", pts) == 0;
		if (!started)
			sleep_ms(50);
	}
	cr_assert(started, "the sweep's points did not start");
	kill(pid, sig);
	int rc = finish(pid, 20);
	/* Any process of the sweep still there is now a child of this one. */
	int st;
	pid_t left = waitpid(-1, &st, WNOHANG);
	int children = left >= 0;
	kill(-pid, SIGKILL); /* whatever is left, for the next tests */
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	char *said = test_slurp(errf);
	cr_expect_eq(rc, 128 + sig, "exit status %d, expected %d: %s", rc, 128 + sig, said);
	cr_expect(!children, "a point's process outlived the sweep");
	cr_expect(!tmp_left(out), "a temporary file is left in %s", out);
	cr_expect(strstr(said, sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM") &&
	              strstr(said, "2 running points ended"),
	          "%s", said);
	cr_expect(!exists("%s/summary.json", out), "a stopped sweep wrote a summary");
	free(said);
}

Test(writes, sweep_stopped_by_sigint_leaves_no_process_or_temporary, .timeout = 60)
{
	stop_sweep_with(SIGINT);
}

Test(writes, sweep_stopped_by_sigterm_leaves_no_process_or_temporary, .timeout = 60)
{
	stop_sweep_with(SIGTERM);
}

/* A signal that arrives while merge copies: it ends between two files, no
 * summary, exit 128 + N. The signal is made pending before the exec (a
 * blocked pending signal survives it), so it is there from the start. */
Test(writes, merge_stopped_by_a_signal_writes_no_summary, .timeout = 60)
{
	char d[1024], out[1200], planned[1200], errf[1200];
	test_tmpdir(d, sizeof d, "writes-mstop");
	snprintf(planned, sizeof planned, "%s/planned", d);
	snprintf(out, sizeof out, "%s/merged", d);
	snprintf(errf, sizeof errf, "%s/stderr.txt", d);
	cr_assert_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16,24 --add 8 -o %s --emit-jobs "
	                             "%s/jobs.txt 2>/dev/null",
	                     planned, d),
	             0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		sigset_t intr;
		int err = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		sigemptyset(&intr);
		sigaddset(&intr, SIGINT);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_BLOCK, &intr, NULL);
		raise(SIGINT);
		if (err < 0 || dup2(err, 2) < 0)
			_exit(126);
		execl(LDOMSIM, LDOMSIM, "merge", "--no-plots", "-o", out, planned, (char *)NULL);
		_exit(127);
	}
	int rc = finish(pid, 30);
	char *said = test_slurp(errf);
	cr_expect_eq(rc, 130, "exit %d: %s", rc, said);
	cr_expect(strstr(said, "stopped by SIGINT"), "%s", said);
	cr_expect(!exists("%s/summary.json", out));
	cr_expect(!tmp_left(out));
	free(said);
}

/* ---- output folders that hold files ----------------------------------- */

Test(writes, sweep_and_merge_refuse_a_folder_holding_files_unless_force, .timeout = 120)
{
	char d[1024], path[1200];
	test_tmpdir(d, sizeof d, "writes-force");
	/* /bin/false runs the points: every point fails (exit 1), fast. */
	cr_assert_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16,24 --add 8 --no-plots "
	                             "--ldomsim /bin/false -o %s/s 2>/dev/null",
	                     d),
	             1);
	cr_assert(exists("%s/s/points/p24-a8.log", d));
	/* A second sweep into it is refused, naming the folder and --force;
	 * nothing of the first is touched. */
	cr_expect_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16 --add 8 --no-plots "
	                             "--ldomsim /bin/false -o %s/s 2>%s/err.txt",
	                     d, d),
	             2);
	snprintf(path, sizeof path, "%s/err.txt", d);
	char *said = test_slurp(path);
	cr_expect(strstr(said, "/s: the folder is not empty") && strstr(said, "--force"), "%s",
	          said);
	free(said);
	cr_expect(exists("%s/s/points/p24-a8.log", d));
	cr_expect(exists("%s/s/traces/p24-a8/trace.json", d));
	/* --force replaces it: no stale point of the first sweep stays. */
	cr_expect_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16 --add 8 --no-plots "
	                             "--ldomsim /bin/false --force -o %s/s 2>/dev/null",
	                     d),
	             1);
	cr_expect(!exists("%s/s/points/p24-a8.log", d), "a stale point stayed");
	cr_expect(!exists("%s/s/traces/p24-a8", d), "a stale trace stayed");
	cr_expect(exists("%s/s/points/p16-a8.log", d));
	cr_expect_eq(test_sh("grep -q p24 %s/s/summary.json", d), 1);
	/* A file a sweep does not write: --force removes nothing and says so. */
	cr_assert_eq(test_sh("echo mine >%s/s/notes.txt", d), 0);
	cr_expect_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16 --add 8 --no-plots "
	                             "--ldomsim /bin/false --force -o %s/s 2>%s/err.txt",
	                     d, d),
	             2);
	said = test_slurp(path);
	cr_expect(strstr(said, "notes.txt") && strstr(said, "nothing was removed"), "%s", said);
	free(said);
	cr_expect(exists("%s/s/notes.txt", d) && exists("%s/s/summary.json", d) &&
	          exists("%s/s/points/p16-a8.log", d));
	/* merge: the same rule, and never into a folder it merges. */
	cr_assert_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16 --add 8 -o %s/e "
	                             "--emit-jobs %s/jobs.txt 2>/dev/null",
	                     d, d),
	             0);
	cr_expect_eq(test_sh(LDOMSIM " merge --no-plots -o %s/m %s/e 2>/dev/null", d, d), 1);
	cr_expect_eq(test_sh(LDOMSIM " merge --no-plots -o %s/m %s/e 2>%s/err.txt", d, d, d), 2);
	said = test_slurp(path);
	cr_expect(strstr(said, "/m: the folder is not empty"), "%s", said);
	free(said);
	cr_expect_eq(test_sh(LDOMSIM " merge --no-plots --force -o %s/m %s/e 2>/dev/null", d, d),
	             1);
	cr_expect_eq(test_sh(LDOMSIM " merge --no-plots --force -o %s/e %s/e 2>/dev/null", d, d),
	             2);
	cr_expect(exists("%s/e/plan.json", d), "merge --force cleared its own input");
}

/* ---- writes under a file-size limit ----------------------------------- */

/* cmd's exit status is 2, its stderr names file and says "File too large",
 * and neither file nor a temporary is in dir. */
static void expect_efbig(const char *dir, const char *file, int rc, const char *errfile)
{
	char *said = test_slurp(errfile);
	cr_expect_eq(rc, 2, "exit %d: %s", rc, said);
	cr_expect(strstr(said, file) && strstr(said, strerror(EFBIG)), "%s", said);
	cr_expect(access(file, F_OK) != 0, "%s was left", file);
	cr_expect(!tmp_left(dir), "a temporary file was left in %s", dir);
	free(said);
}

Test(writes, every_writer_is_all_or_nothing_under_a_file_size_limit, .timeout = 120)
{
	char d[1024], trace[1200], errf[1200], file[1400], dir[1300];
	test_tmpdir(d, sizeof d, "writes-efbig");
	snprintf(errf, sizeof errf, "%s/stderr.txt", d);
	test_gen_trace(trace, sizeof trace, "--shape t2 --present 16 --add 8");

	/* md gen: the T2 MD is ~7 KB. */
	snprintf(file, sizeof file, "%s/md.bin", d);
	char *const md[] = {LDOMSIM, "md", "gen", "--shape", "t2", "-o", file, NULL};
	expect_efbig(d, file, run_limited(errf, RLIMIT_FSIZE, 4096, md), errf);

	/* trace gen: both MD files fit (7 and 10 KB), trace.json (15 KB) does
	 * not: no half trace stays. */
	snprintf(dir, sizeof dir, "%s/gen", d);
	snprintf(file, sizeof file, "%s/trace.json", dir);
	char *const gen[] = {LDOMSIM, "trace", "gen", "--shape", "t2", "--present",
	                     "16",    "--add", "8",   "-o",      dir,  NULL};
	expect_efbig(dir, file, run_limited(errf, RLIMIT_FSIZE, 12000, gen), errf);
	cr_expect_eq(test_sh("ls -A %s | grep -q .", dir), 1, "trace gen left files in %s", dir);

	/* trace import: its MD files (3 and 4.1 KB) fit, trace.json (4.6 KB)
	 * does not. */
	snprintf(dir, sizeof dir, "%s/import", d);
	snprintf(file, sizeof file, "%s/trace.json", dir);
	char *const imp[] = {LDOMSIM, "trace", "import", "traces/testdata/import/capture-graph",
	                     "-o",    dir,     NULL};
	expect_efbig(dir, file, run_limited(errf, RLIMIT_FSIZE, 4400, imp), errf);
	cr_expect_eq(test_sh("ls -A %s | grep -q .", dir), 1, "trace import left files in %s", dir);

	/* run --json (57 KB) and --profile (36 KB folded stacks). */
	snprintf(file, sizeof file, "%s/result.json", d);
	char *const json[] = {LDOMSIM, "run", trace, "--json", file, NULL};
	expect_efbig(d, file, run_limited(errf, RLIMIT_FSIZE, 16384, json), errf);
	snprintf(file, sizeof file, "%s/stacks.folded", d);
	char *const prof[] = {LDOMSIM, "run", trace, "--profile", file, NULL};
	expect_efbig(d, file, run_limited(errf, RLIMIT_FSIZE, 16384, prof), errf);

	/* merge: the summary of a point without a result is ~1 KB. */
	snprintf(dir, sizeof dir, "%s/planned", d);
	cr_assert_eq(test_sh(LDOMSIM " sweep --shape t2 --present 16 --add 8 -o %s --emit-jobs "
	                             "%s/jobs.txt 2>/dev/null",
	                     dir, d),
	             0);
	snprintf(dir, sizeof dir, "%s/merged", d);
	snprintf(file, sizeof file, "%s/summary.json", dir);
	char planned[1300];
	snprintf(planned, sizeof planned, "%s/planned", d);
	char *const merge[] = {LDOMSIM, "merge", "--no-plots", "-o", dir, planned, NULL};
	expect_efbig(dir, file, run_limited(errf, RLIMIT_FSIZE, 512, merge), errf);
}

/* The helper itself: content in place, and a failure names the file and
 * the system's reason and leaves the old content. */
Test(writes, util_write_atomic_replaces_or_leaves_the_old_file)
{
	char d[1024], path[1200], err[512];
	test_tmpdir(d, sizeof d, "writes-util");
	snprintf(path, sizeof path, "%s/f.txt", d);
	cr_assert_eq(util_write_atomic(path, "one\n", 4, err, sizeof err), 0, "%s", err);
	cr_assert_eq(util_write_atomic(path, "two\n", 4, err, sizeof err), 0, "%s", err);
	char *s = test_slurp(path);
	cr_expect_str_eq(s, "two\n");
	free(s);
	snprintf(path, sizeof path, "%s/no/such/f.txt", d);
	cr_expect_eq(util_write_atomic(path, "x", 1, err, sizeof err), -1);
	cr_expect(strstr(err, path) && strstr(err, strerror(ENOENT)), "%s", err);
	cr_expect(!tmp_left(d));
}

/* ---- exit codes ------------------------------------------------------- */

Test(writes, trace_and_md_commands_follow_the_exit_status_contract, .timeout = 60)
{
	char d[1024], path[1200];
	test_tmpdir(d, sizeof d, "writes-exit");
	snprintf(path, sizeof path, "%s/err.txt", d);
	/* trace check on a folder: unusable input, not an invalid trace. */
	cr_expect_eq(test_sh(LDOMSIM " trace check traces/default 2>/dev/null"), 2);
	/* trace gen into places it cannot write: 2, with the reason. */
	cr_expect_eq(test_sh(LDOMSIM " trace gen --shape t2 --present 16 --add 8 -o /proc/x "
	                             "2>%s",
	                     path),
	             2);
	char *said = test_slurp(path);
	cr_expect(strstr(said, "/proc/x") && strstr(said, strerror(ENOENT)), "%s", said);
	free(said);
	cr_assert_eq(test_sh("touch %s/plain", d), 0);
	cr_expect_eq(test_sh(LDOMSIM " trace gen --shape t2 --present 16 --add 8 -o %s/plain/t "
	                             "2>%s",
	                     d, path),
	             2);
	said = test_slurp(path);
	cr_expect(strstr(said, "plain/t") && strstr(said, strerror(ENOTDIR)), "%s", said);
	free(said);
	/* md check: every file is checked and reported. */
	cr_assert_eq(test_sh("head -c 100 traces/default/trace.json >%s/bad.bin", d), 0);
	cr_expect_eq(test_sh(LDOMSIM " md check traces/default/md-gen1.bin %s/bad.bin "
	                             "traces/default/md-gen2.bin >%s/out.txt",
	                     d, d),
	             1);
	snprintf(path, sizeof path, "%s/out.txt", d);
	said = test_slurp(path);
	cr_expect(strstr(said, "md-gen1.bin: ok") && strstr(said, "bad.bin: INVALID") &&
	              strstr(said, "md-gen2.bin: ok"),
	          "%s", said);
	free(said);
	cr_expect_eq(test_sh(LDOMSIM " md check traces/default/md-gen1.bin %s/none.bin %s/bad.bin "
	                             "traces/default/md-gen2.bin >%s/out.txt 2>%s/err.txt",
	                     d, d, d, d),
	             2);
	said = test_slurp(path);
	cr_expect(strstr(said, "bad.bin: INVALID") && strstr(said, "md-gen2.bin: ok"), "%s", said);
	free(said);
	snprintf(path, sizeof path, "%s/err.txt", d);
	said = test_slurp(path);
	cr_expect(strstr(said, "none.bin"), "%s", said);
	free(said);
	cr_expect_eq(test_sh(LDOMSIM " md check traces/default/md-gen1.bin "
	                             "traces/default/md-gen2.bin >/dev/null"),
	             0);
}

/* ---- an engine without address space --------------------------------- */

/* Each engine reserves 1 GiB (Unicorn's translation buffer), the guest RAM
 * 1 GiB: 400000 KiB is too little for the first engine, 3000000 KiB for
 * the second of a run. */
Test(writes, engine_without_address_space_says_what_it_needs, .timeout = 60)
{
	char d[1024], errf[1200];
	static const rlim_t kib[] = {400000, 3000000};
	test_tmpdir(d, sizeof d, "writes-vspace");
	snprintf(errf, sizeof errf, "%s/stderr.txt", d);
	for (size_t i = 0; i < 2; i++) {
		char *const run[] = {LDOMSIM, "run", "traces/default/trace.json", NULL};
		int rc = run_limited(errf, RLIMIT_AS, kib[i] << 10, run);
		char *said = test_slurp(errf);
		cr_expect_eq(rc, 2, "ulimit -v %llu: exit %d: %s", (unsigned long long)kib[i], rc,
		             said);
		cr_expect(strstr(said, "GiB of virtual address space per engine") &&
		              strstr(said, "raise ulimit -v"),
		          "%s", said);
		if (i)
			cr_expect(strstr(said, "cannot open engine"), "%s", said);
		free(said);
	}
}

/* A result that cannot be written: exit 2 and one message that names the
 * file and says why (not a second, vaguer "cannot write" line). */
Test(writes, an_unwritable_result_is_one_message_naming_file_and_reason, .timeout = 60)
{
	char d[512], errf[600];
	test_tmpdir(d, sizeof d, "writes-result");
	snprintf(errf, sizeof errf, "%s/stderr.txt", d);
	cr_assert_eq(test_sh("build/ldomsim run traces/default/trace.json -o %s/no/such/r.json "
	                     ">/dev/null 2>%s",
	                     d, errf),
	             2);
	char *said = test_slurp(errf);
	size_t lines = 0;
	for (const char *p = said; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 1, "%s", said);
	cr_expect(strstr(said, "/no/such/r.json") && strstr(said, strerror(ENOENT)), "%s", said);
	free(said);
}
