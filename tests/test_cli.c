/*
 * tests/test_cli.c — the boundary between the commands and the library:
 * every command's argument parsing and printing lives in cli/, and the
 * library (build/libldomsim.a) neither holds command code nor includes
 * cli/ headers.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/util.h"

/* sim/cmd_selftest.c leaves sim/ with the machine's own redesign (issue 11,
 * item 1); until then it is the one command entry point the library keeps. */
static const char *const still_in_library[] = {"sim_cmd_selftest"};

static int allowed(const char *sym)
{
	for (size_t i = 0; i < sizeof still_in_library / sizeof still_in_library[0]; i++)
		if (!strcmp(sym, still_in_library[i]))
			return 1;
	return 0;
}

Test(cli_boundary, the_library_defines_no_command_entry_point)
{
	static char out[1 << 16];
	/* Defined text symbols named like a command: NAME_main or NAME_cmd_... */
	int rc = test_run("nm --defined-only build/libldomsim.a 2>/dev/null | "
	                  "awk '$2 == \"T\" && ($3 ~ /_main$/ || $3 ~ /_cmd_/) {print $3}'",
	                  out, sizeof out);
	cr_assert_eq(rc, 0, "nm build/libldomsim.a failed");
	char *save = NULL;
	for (char *sym = strtok_r(out, "\n", &save); sym; sym = strtok_r(NULL, "\n", &save))
		cr_expect(allowed(sym), "libldomsim.a defines the command entry point %s", sym);
}

Test(cli_boundary, every_command_entry_point_is_defined_in_cli)
{
	static char out[1 << 16];
	/* Each entry function named in cli/commands.def is defined by a cli/ object. */
	int rc = test_run("sed -n 's/^CMD(.*, *\\([a-z_]*\\))$/\\1/p' cli/commands.def", out,
	                  sizeof out);
	cr_assert_eq(rc, 0);
	size_t count = 0;
	char *save = NULL;
	for (char *fn = strtok_r(out, "\n", &save); fn; fn = strtok_r(NULL, "\n", &save)) {
		count++;
		if (allowed(fn))
			continue;
		cr_expect_eq(test_sh("nm --defined-only build/obj/cli/*.o | grep -qw 'T %s'", fn),
		             0, "%s (cli/commands.def) is not defined in cli/", fn);
	}
	cr_assert_gt(count, 5, "cli/commands.def lists %zu commands", count);
}

Test(cli_boundary, no_library_source_includes_a_cli_header)
{
	char out[4096];
	int rc = test_run("grep -ln '#include \"cli/' util/*.[ch] sim/*.[ch] kernel-model/*.[ch] "
	                  "traces/*.[ch] bench/*.[ch] 2>/dev/null | grep -v '^sim/cmd_selftest.c$'",
	                  out, sizeof out);
	cr_expect_neq(rc, 0, "library files include cli/ headers:\n%s", out);
}
