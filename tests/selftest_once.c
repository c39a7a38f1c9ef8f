/*
 * tests/selftest_once.c — see selftest_once.h.
 */
#include "tests/selftest_once.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sim/selftest.h"
#include "tests/util.h"

#define SELFTEST_ELF "build/sim/selftest.elf"

/* One line per check: pass (0/1), TAB, name, TAB, detail (tabs and
 * newlines of the detail made spaces). Written to a temporary name and
 * renamed, so a reader sees all of it or nothing. */
static void write_cache(const char *path, const struct sim_checks *c)
{
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	cr_assert_not_null(f, "%s", tmp);
	for (size_t i = 0; i < c->n; i++) {
		char detail[sizeof c->v[i].detail];
		snprintf(detail, sizeof detail, "%s", c->v[i].detail);
		for (char *p = detail; *p; p++)
			if (*p == '\t' || *p == '\n')
				*p = ' ';
		fprintf(f, "%d\t%s\t%s\n", c->v[i].pass ? 1 : 0, c->v[i].name, detail);
	}
	cr_assert_eq(fclose(f), 0, "%s", tmp);
	cr_assert_eq(rename(tmp, path), 0, "%s", path);
}

int test_machine_check(const char *name, char *detail, size_t n)
{
	char path[4200], lock[4300];
	snprintf(path, sizeof path, "%s/machine-selftest.tsv", test_tmproot());
	snprintf(lock, sizeof lock, "%s.lock", path);
	/* Parallel test processes: one runs the self-test, the others wait. */
	int fd = open(lock, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0, "%s", lock);
	cr_assert_eq(flock(fd, LOCK_EX), 0, "%s", lock);
	if (access(path, F_OK) != 0) {
		struct sim_checks c = {0};
		char err[512] = "";
		int rc = sim_selftest_machine(SELFTEST_ELF, &c, err, sizeof err);
		if (rc == 0)
			write_cache(path, &c);
		sim_checks_free(&c);
		cr_assert_eq(rc, 0, "cannot run: %s", err);
	}
	flock(fd, LOCK_UN);
	close(fd);

	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char line[512];
	int pass = -1;
	while (pass < 0 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		cr_assert(tab1 && tab2, "%s: malformed line '%s'", path, line);
		*tab2 = 0;
		if (strcmp(tab1 + 1, name))
			continue;
		pass = line[0] == '1';
		snprintf(detail, n, "%s", tab2 + 1);
	}
	fclose(f);
	cr_assert_geq(pass, 0, "no check named %s", name);
	return pass;
}
