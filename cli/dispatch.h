/*
 * cli/dispatch.h — a command's subcommands by name (ldomsim COMMAND,
 * ldomsim md SUB, ldomsim trace SUB).
 */
#ifndef LDOMSIM_CLI_DISPATCH_H
#define LDOMSIM_CLI_DISPATCH_H

#include <stddef.h>
#include <stdio.h>

struct cli_cmd {
	const char *name;
	const char *summary;              /* one line for the usage text; NULL: none */
	int (*fn)(int argc, char **argv); /* argv[0] is the name */
};

/* Runs the row of cmds[0..n) that argv[1] names, with argc - 1, argv + 1.
 * No name: usage to stderr, 2; --help, -h or help: usage to stdout, 0; a
 * name no row has: "PROG: unknown WHAT 'NAME'" and usage on stderr, 2. */
int cli_dispatch(const char *prog, const char *what, const struct cli_cmd *cmds, size_t n,
                 void (*usage)(FILE *f), int argc, char **argv);

/* getopt_long refused argv[optind - 1] (unknown, or its value missing):
 * "PROG: unknown or incomplete option 'ARG'" and usage on stderr; 2. */
int cli_bad_option(const char *prog, char **argv, void (*usage)(FILE *f));

#endif
