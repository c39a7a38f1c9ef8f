/*
 * cli/dispatch.c — see dispatch.h.
 */
#include "cli/dispatch.h"

#include <getopt.h>
#include <string.h>

int cli_dispatch(const char *prog, const char *what, const struct cli_cmd *cmds, size_t n,
                 void (*usage)(FILE *f), int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown %s '%s'\n", prog, what, name);
	usage(stderr);
	return 2;
}

int cli_bad_option(const char *prog, char **argv, void (*usage)(FILE *f))
{
	fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog, argv[optind - 1]);
	usage(stderr);
	return 2;
}
