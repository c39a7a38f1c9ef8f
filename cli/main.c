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
#include "cli/dispatch.h"

static const struct cli_cmd commands[] = {
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
	return cli_dispatch("ldomsim", "command", commands, sizeof commands / sizeof commands[0],
	                    usage, argc, argv);
}
