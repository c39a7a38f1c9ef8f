/* Entry points of ldomsim subcommands; see cli/commands.def. */
#ifndef LDOMSIM_CLI_COMMANDS_H
#define LDOMSIM_CLI_COMMANDS_H

int selftest_cmd_main(int argc, char **argv);
int bench_cmd_main(int argc, char **argv);
int bench_cmd_run(int argc, char **argv);
int bench_cmd_sweep(int argc, char **argv);
int bench_cmd_merge(int argc, char **argv);
int bench_cmd_compare(int argc, char **argv);
int bench_cmd_report(int argc, char **argv);
int bench_cmd_export(int argc, char **argv);

int trace_cmd_main(int argc, char **argv);
int md_cmd_main(int argc, char **argv);

#endif
