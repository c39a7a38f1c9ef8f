/*
 * ldomsim — `ldomsim trace gen|check|import`.
 * Exit status: 0 success, 1 a finding (invalid trace), 2 usage or unusable input.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/dispatch.h"
#include "traces/trace.h"
#include "traces/trace_gen.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ldomsim trace gen --shape NAME --present N|LIST --add K [--remove K]\n"
	        "                         [--batch B] -o DIR\n"
	        "       ldomsim trace check FILE\n"
	        "       ldomsim trace import CAPTURE_DIR -o DIR\n"
	        "\n"
	        "Trace files (format: traces/FORMAT.md).\n"
	        "  gen     write DIR/trace.json and DIR/md-gen1.bin, md-gen2.bin[, md-gen3.bin]:\n"
	        "          a domain of machine shape NAME with the first N strands (or LIST, e.g.\n"
	        "          0-55) present; generation 2 adds the next K strands (dr-cpu CONFIGURE\n"
	        "          in requests of B cpus); --remove K unconfigures the last K added ones\n"
	        "          and publishes generation 3. Byte-identical output for equal arguments.\n"
	        "          Every file is written atomically; when one cannot be, the MD files\n"
	        "          written so far are removed. Exit 0 written, 2 bad arguments or an\n"
	        "          unwritable DIR (the message says why).\n"
	        "  check   validate a trace and the MD files it references; print a summary.\n"
	        "          Exit 0 valid, 1 invalid, 2 usage or unreadable file.\n"
	        "  import  turn a capture of scripts/record-ldom.sh into a trace in DIR.\n"
	        "          Exit 0 written, 2 an unusable capture or DIR (the message names\n"
	        "          the file and why; nothing is left in DIR).\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 4096 || s[0] == '-') {
		fprintf(stderr, "ldomsim trace: %s: expected a number 0..4096, got '%s'\n", opt, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"shape", required_argument, NULL, 's'}, {"present", required_argument, NULL, 'p'},
	    {"add", required_argument, NULL, 'a'},   {"remove", required_argument, NULL, 'r'},
	    {"batch", required_argument, NULL, 'b'}, {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	struct trace_gen_opts o = {0};
	const char *dir = NULL;
	struct trace_error err;
	int c, have_add = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.shape = optarg;
			break;
		case 'p':
			o.present = optarg;
			break;
		case 'a':
			if (parse_u32("--add", optarg, &o.add))
				return 2;
			have_add = 1;
			break;
		case 'r':
			if (parse_u32("--remove", optarg, &o.remove))
				return 2;
			break;
		case 'b':
			if (parse_u32("--batch", optarg, &o.batch))
				return 2;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim trace gen", argv, usage);
		}
	}
	if (optind != argc || !o.shape || !o.present || !have_add || !dir) {
		fprintf(stderr,
		        "ldomsim trace gen: --shape, --present, --add and -o are required\n");
		usage(stderr);
		return 2;
	}
	if (trace_gen(&o, dir, &err)) {
		/* No finding here: bad arguments or an unwritable DIR. */
		fprintf(stderr, "ldomsim trace gen: %s\n", err.msg);
		return 2;
	}
	printf("%s/trace.json\n", dir);
	return 0;
}

/* The format version the file itself declares (the loader accepted it);
 * 0.0 if it cannot be read again. */
static void file_version(const char *path, unsigned *major, unsigned *minor)
{
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *v = json_object_get(doc, "version");
	*major = (unsigned)json_integer_value(json_array_get(v, 0));
	*minor = (unsigned)json_integer_value(json_array_get(v, 1));
	json_decref(doc);
}

static void summary(const struct trace *t, const char *path)
{
	unsigned major, minor;
	file_version(path, &major, &minor);
	const struct trace_machine *m = trace_machine(t);
	size_t npresent, nstrands = 0, nadd = 0, nrem = 0;
	const uint32_t *present = trace_present(t, &npresent);

	for (uint32_t s = 0; s < m->max_cpus; s++) {
		size_t n;

		trace_hcalls_of_strand(t, s, &n);
		nstrands += n > 0;
	}
	for (size_t i = 0; i < trace_op_count(t); i++) {
		const struct trace_op *op = trace_op_at(t, i);

		if (op->kind == TRACE_OP_CONFIGURE)
			nadd += op->ncpus;
		else if (op->kind == TRACE_OP_UNCONFIGURE || op->kind == TRACE_OP_FORCE_UNCONFIGURE)
			nrem += op->ncpus;
	}
	printf("%s: valid ldomsim trace, format %u.%u, sha256 %.16s...: machine %s "
	       "(%u x %u x %u strands, max-cpus %u, %.3f GHz, stick %.3f MHz, cpi %g); ",
	       trace_name(t), major, minor, trace_sha256_hex(t), m->shape, m->sockets,
	       m->cores_per_socket, m->strands_per_core, m->max_cpus, (double)m->clock_hz / 1e9,
	       (double)m->stick_hz / 1e6, m->cpi);
	printf("%zu MD generation%s (", trace_md_count(t), trace_md_count(t) == 1 ? "" : "s");
	for (size_t i = 0; i < trace_md_count(t); i++) {
		const struct trace_md_gen *g = trace_md_at(t, i);

		printf("%s%u: %s, %zu bytes", i ? "; " : "", g->generation, g->file, g->size);
	}
	printf("); %zu strands present (%u..%u), DS on strand %u; %zu operations "
	       "(%zu cpus configured, %zu unconfigured); %zu DS messages; %zu hypervisor calls "
	       "on %zu strands.\n",
	       npresent, present[0], present[npresent - 1], trace_ds_strand(t), trace_op_count(t),
	       nadd, nrem, trace_ds_count(t), trace_hcall_count(t), nstrands);
}

static int cmd_check(int argc, char **argv)
{
	struct trace *t;
	struct trace_error err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "ldomsim trace check: expected one FILE\n");
		usage(stderr);
		return 2;
	}
	{
		struct stat st;
		FILE *f;

		if (!stat(argv[1], &st) && S_ISDIR(st.st_mode)) {
			fprintf(stderr,
			        "ldomsim trace check: %s: a folder, not a trace file (its trace is "
			        "%s/trace.json?)\n",
			        argv[1], argv[1]);
			return 2;
		}
		f = fopen(argv[1], "rb");
		if (!f) {
			fprintf(stderr, "ldomsim trace check: %s: cannot read: %s\n", argv[1],
			        strerror(errno));
			return 2;
		}
		fclose(f);
	}
	if (trace_load(argv[1], &t, &err)) {
		fprintf(stderr, "ldomsim trace check: %s\n", err.msg);
		return 1;
	}
	summary(t, argv[1]);
	trace_free(t);
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	struct trace_error err;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("ldomsim trace import", argv, usage);
		}
	}
	if (optind != argc - 1 || !dir) {
		fprintf(stderr, "ldomsim trace import: expected CAPTURE_DIR and -o DIR\n");
		usage(stderr);
		return 2;
	}
	if (trace_import(argv[optind], dir, &err)) {
		fprintf(stderr, "ldomsim trace import: %s\n", err.msg);
		return 2; /* a capture that cannot be imported is unusable input */
	}
	printf("%s/trace.json\n", dir);
	return 0;
}

int trace_cmd_main(int argc, char **argv)
{
	static const struct cli_cmd subs[] = {
	    {"gen", NULL, cmd_gen}, {"check", NULL, cmd_check}, {"import", NULL, cmd_import}};
	return cli_dispatch("ldomsim trace", "subcommand", subs, sizeof subs / sizeof subs[0],
	                    usage, argc, argv);
}
