/*
 * ldomsim — command dispatcher. Each subcommand's argument parsing and
 * printing lives in cli/ (the library, libldomsim.a, holds no command
 * code) and has the signature int fn(int argc, char **argv), where
 * argv[0] is the subcommand name. Exit status: 0 success, 1 a verdict or
 * finding (regression, failed check), 2 usage or unusable input.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
#define CMD(name, summary, fn) {name, summary, fn},
#include "cli/commands.def"
#undef CMD
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ldomsim COMMAND [ARGS...]\n\n"
	           "Trace-driven simulator of sun4v (LDoms) CPU dynamic reconfiguration:\n"
	           "the real Linux hvtramp/smp_64/ds/mdesc code runs in Unicorn.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'ldomsim COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ldomsim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
