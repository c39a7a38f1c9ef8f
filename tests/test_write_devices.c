/*
 * tests/test_write_devices.c — an output path that is a device or a pipe
 * (-o /dev/null, -o /dev/stdout, a FIFO) is written into, never replaced:
 * the atomic rename of util/atomic.h would swap the device for a regular
 * file (a root CI once lost its /dev/null that way, and the kernel build's
 * genksyms then read garbage from it).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/util.h"
#include "util/atomic.h"

Test(write_devices, a_fifo_stays_a_fifo_and_gets_the_bytes, .timeout = 60)
{
	char d[256], fifo[300], got[300], cmd[1024], out[4096];
	test_tmpdir(d, sizeof d, "fifo");
	snprintf(fifo, sizeof fifo, "%s/out.fifo", d);
	snprintf(got, sizeof got, "%s/got.json", d);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	/* A reader drains the FIFO while ldomsim writes its result into it. */
	snprintf(
	    cmd, sizeof cmd,
	    "timeout 30 cat %s > %s & build/ldomsim run traces/default/trace.json -o %s >/dev/null "
	    "2>&1; rc=$?; wait; exit $rc",
	    fifo, got, fifo);
	cr_expect_eq(test_sh("%s", cmd), 0);
	struct stat st;
	cr_assert_eq(stat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "the FIFO was replaced by a file");
	snprintf(cmd, sizeof cmd,
	         "python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))"
	         "[\"format\"])' %s",
	         got);
	cr_expect_eq(test_run(cmd, out, sizeof out), 0);
	cr_expect_str_eq(out, "ldomsim-result\n", "the reader got the whole result");
}

Test(write_devices, library_writes_into_a_device)
{
	char err[256];
	struct stat st;
	if (stat("/dev/null", &st) || !S_ISCHR(st.st_mode))
		cr_skip_test(
		    "/dev/null is not a character device on this machine already (something "
		    "replaced it before this test: restore it with mknod -m 666 /dev/null c 1 3)");
	cr_assert_eq(util_write_atomic("/dev/null", "x", 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_expect(S_ISCHR(st.st_mode), "/dev/null is still a character device");
}
