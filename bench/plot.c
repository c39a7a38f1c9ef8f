/*
 * bench/plot.c — see plot.h. Data files and images are written atomically:
 * gnuplot draws into a temporary file that is flushed and renamed
 * (util_commit) once gnuplot exited cleanly and said nothing on stderr.
 */
#define _GNU_SOURCE
#include "bench/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/sweep_io.h"
#include "util/atomic.h"
#include "util/errf.h"

extern char **environ;

#define NS_PER_MS 1e6

struct plot {
	const char *dir, *scripts, *name; /* name: the script and the output files */
	char *data;                       /* DIR/plots/NAME.dat */
	FILE *f;                          /* data being written (memory) */
	char *buf;
	size_t len;
	char *vars; /* gnuplot -e assignments */
};

/* A gnuplot single-quoted string ('' stands for '). */
static char *gp_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 2 : 1;
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'')
			*o++ = '\'';
		*o++ = *s;
	}
	*o++ = '\'';
	*o = 0;
	return q;
}

/* Appends "; NAME=VALUE" with the value quoted (quote) or as is. */
static void var(struct plot *p, const char *name, const char *value, int quote)
{
	char *q = quote ? gp_quote(value) : strdup(value);
	char *v = q ? bench_strf("%s%s%s=%s", p->vars ? p->vars : "", p->vars ? "; " : "", name, q)
	            : NULL;
	free(q);
	free(p->vars);
	p->vars = v;
}

static int plot_begin(struct plot *p, const char *dir, const char *scripts, const char *name)
{
	memset(p, 0, sizeof *p);
	p->dir = dir;
	p->scripts = scripts;
	p->name = name;
	p->data = bench_strf("%s/plots/%s.dat", dir, name);
	p->f = open_memstream(&p->buf, &p->len);
	return p->data && p->f ? 0 : -1;
}

static void plot_end(struct plot *p)
{
	if (p->f)
		fclose(p->f);
	free(p->buf);
	free(p->data);
	free(p->vars);
}

/* Runs gnuplot on the script for one terminal; out is renamed into place
 * on success. */
static int gnuplot(struct plot *p, const char *term, const char *out, char *err, size_t n)
{
	char *tmp = bench_strf("%s.tmp", out), *errf = bench_strf("%s.stderr", out);
	char *script = bench_strf("%s/%s.gp", p->scripts, p->name);
	char *qs = gp_quote(p->scripts), *qd = gp_quote(p->data), *qt = tmp ? gp_quote(tmp) : NULL;
	char *e = qs && qd && qt ? bench_strf("scripts=%s; data=%s; term='%s'; out=%s; %s", qs, qd,
	                                      term, qt, p->vars ? p->vars : "")
	                         : NULL;
	char *argv[] = {"gnuplot", "-e", e, script, NULL}, said[512] = "";
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	struct stat st;
	pid_t pid;
	int rc = -1, status = 0, fd = -1, sp;
	if (!tmp || !errf || !script || !e) {
		util_errf(err, n, "%s: out of memory", out);
		goto out;
	}
	fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		util_errf(err, n, "%s: cannot create: %s", errf, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* No signal blocked in gnuplot (a sweep blocks its stop signals): an
	 * interrupt ends it, and its temporary output goes below. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	sp = posix_spawnp(&pid, "gnuplot", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (sp) {
		util_errf(err, n, "gnuplot: cannot start it (%s); install gnuplot-nox",
		          strerror(sp));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	FILE *ef = fopen(errf, "r");
	if (ef) {
		char line[512];
		while (!said[0] && fgets(line, sizeof line, ef)) {
			line[strcspn(line, "\n")] = 0;
			if (line[strspn(line, " \t^")])
				snprintf(said, sizeof said, "%s", line + strspn(line, " \t"));
		}
		fclose(ef);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) || said[0]) {
		util_errf(err, n, "gnuplot %s (%s): %s", script, term,
		          said[0] ? said : "failed without a message");
		goto out;
	}
	if (stat(tmp, &st) || !st.st_size) {
		util_errf(err, n, "gnuplot %s (%s): wrote nothing to %s", script, term, tmp);
		goto out;
	}
	if (util_commit(tmp, out, err, n))
		goto out;
	rc = 0;
out:
	if (rc && tmp)
		unlink(tmp);
	if (errf)
		unlink(errf);
	free(tmp);
	free(errf);
	free(script);
	free(qs);
	free(qd);
	free(qt);
	free(e);
	return rc;
}

/* Writes the data, draws PNG and SVG, and records the outcome in plots. */
static int draw(struct plot *p, json_t *plots, char *err, size_t n)
{
	static const struct {
		const char *term, *ext;
	} terms[] = {{"pngcairo", "png"}, {"svg", "svg"}};
	json_t *files = json_array();
	int rc = 0;
	fflush(p->f);
	if (!p->vars || util_write_atomic(p->data, p->buf, p->len, err, n))
		rc = -1;
	for (size_t i = 0; !rc && i < sizeof terms / sizeof terms[0]; i++) {
		char *out = bench_strf("%s/plots/%s.%s", p->dir, p->name, terms[i].ext);
		rc = out ? gnuplot(p, terms[i].term, out, err, n) : -1;
		if (!rc)
			json_array_append_new(files, json_string(out + strlen(p->dir) + 1));
		free(out);
	}
	if (rc) {
		json_array_append_new(plots, json_pack("{ssss}", "name", p->name, "error", err));
		json_decref(files);
	} else {
		json_array_append_new(plots, json_pack("{ssso}", "name", p->name, "files", files));
	}
	return rc;
}

static void skip(json_t *plots, const char *name, const char *why)
{
	json_array_append_new(plots, json_pack("{ssss}", "name", name, "skipped", why));
}

static const json_t *metric(const json_t *row, const char *name)
{
	return json_object_get(json_object_get(row, "metrics"), name);
}

static double ms(const json_t *v)
{
	return (double)json_integer_value(v) / NS_PER_MS;
}

/* The batch sizes with at least one ok point that has metric m, ascending,
 * as a space-separated list; NULL when there is none. */
static char *adds_with(const json_t *rows, const char *m)
{
	char *list = NULL;
	json_int_t prev = -1;
	for (;;) {
		json_int_t add = -1;
		const json_t *row;
		size_t i;
		json_array_foreach(rows, i, row)
		{
			json_int_t a = json_integer_value(json_object_get(row, "add"));
			if (a > prev && (add < 0 || a < add) &&
			    json_is_true(json_object_get(row, "ok")) && metric(row, m))
				add = a;
		}
		if (add < 0)
			return list;
		char *l = bench_strf("%s%s%lld", list ? list : "", list ? " " : "", (long long)add);
		free(list);
		if (!(list = l))
			return NULL;
		prev = add;
	}
}

/* Blocks of "present values..." per batch size in adds, for the metrics
 * ms_metrics (in ms). */
static void blocks(struct plot *p, const json_t *rows, const char *adds,
                   const char *const *ms_metrics)
{
	const char *s = adds;
	while (*s) {
		char *end;
		long long add = strtoll(s, &end, 10);
		const json_t *row;
		size_t i;
		fprintf(p->f, "%s# add %lld\n", s == adds ? "" : "\n\n", add);
		json_array_foreach(rows, i, row)
		{
			if (json_integer_value(json_object_get(row, "add")) != add ||
			    !json_is_true(json_object_get(row, "ok")) ||
			    !metric(row, ms_metrics[0]))
				continue;
			fprintf(p->f, "%lld",
			        (long long)json_integer_value(json_object_get(row, "present")));
			for (const char *const *m = ms_metrics; *m; m++)
				fprintf(p->f, " %.6f", metric(row, *m) ? ms(metric(row, *m)) : 0.0);
			fputc('\n', p->f);
		}
		s = *end ? end + 1 : end;
	}
}

static int plot_latency(const char *dir, const json_t *sum, const char *scripts, json_t *plots,
                        char *err, size_t n)
{
	static const char *const cols[] = {"request_ns", "online_p50_ns", "online_p99_ns", NULL};
	const json_t *rows = json_object_get(sum, "points");
	const char *shape =
	    json_string_value(json_object_get(json_object_get(sum, "config"), "shape"));
	char *adds = adds_with(rows, "request_ns"), *title;
	struct plot p;
	int rc;
	if (!adds) {
		skip(plots, "latency", "no point ran ok");
		return 0;
	}
	if (plot_begin(&p, dir, scripts, "latency")) {
		free(adds);
		plot_end(&p);
		util_errf(err, n, "%s: out of memory", dir);
		return -1;
	}
	fprintf(p.f, "# present request_ms online_p50_ms online_p99_ms\n");
	blocks(&p, rows, adds, cols);
	title = bench_strf("%s: configure-to-online latency vs present strands", shape);
	var(&p, "adds", adds, 1);
	var(&p, "title", title ? title : "", 1);
	rc = draw(&p, plots, err, n);
	free(title);
	free(adds);
	plot_end(&p);
	return rc;
}

static int plot_topology(const char *dir, const json_t *sum, const char *scripts, json_t *plots,
                         char *err, size_t n)
{
	const json_t *rows = json_object_get(sum, "points"), *fit;
	const json_t *fits = json_object_get(sum, "fits");
	const char *shape =
	    json_string_value(json_object_get(json_object_get(sum, "config"), "shape"));
	const char *m = json_string_value(json_object_get(json_array_get(fits, 0), "metric"));
	char *adds, *fitidx = strdup(""), *exps = strdup(""), *coefs = strdup(""), *title;
	const char *cols[] = {NULL, NULL};
	struct plot p;
	size_t i;
	int rc;
	if (!m)
		m = "topology_ns";
	cols[0] = m;
	adds = adds_with(rows, m);
	if (!adds) {
		adds = adds_with(rows, "request_ns");
		m = cols[0] = "request_ns";
	}
	if (!adds || !fitidx || !exps || !coefs) {
		skip(plots, "topology", "no point ran ok");
		free(adds), free(fitidx), free(exps), free(coefs);
		return 0;
	}
	if (plot_begin(&p, dir, scripts, "topology")) {
		plot_end(&p);
		free(adds), free(fitidx), free(exps), free(coefs);
		util_errf(err, n, "%s: out of memory", dir);
		return -1;
	}
	fprintf(p.f, "# present %s (ms)\n", m);
	blocks(&p, rows, adds, cols);
	json_array_foreach(fits, i, fit)
	{
		/* The fit's block: the position of its batch size in adds. */
		long long add = (long long)json_integer_value(json_object_get(fit, "add"));
		const char *s = adds;
		int idx = 1, found = 0;
		while (*s && !found) {
			char *end;
			found = strtoll(s, &end, 10) == add;
			idx += !found;
			s = *end ? end + 1 : end;
		}
		if (!found)
			continue;
		char *a = bench_strf("%s%s%d", fitidx, *fitidx ? " " : "", idx);
		char *b = bench_strf("%s%s%.6g", exps, *exps ? " " : "",
		                     json_real_value(json_object_get(fit, "exponent")));
		char *c =
		    bench_strf("%s%s%.9g", coefs, *coefs ? " " : "",
		               json_real_value(json_object_get(fit, "coefficient")) / NS_PER_MS);
		free(fitidx), free(exps), free(coefs);
		fitidx = a, exps = b, coefs = c;
		if (!a || !b || !c)
			break;
	}
	title = bench_strf("%s: topology-map update cost vs present strands (log-log)", shape);
	var(&p, "adds", adds, 1);
	var(&p, "fitidx", fitidx ? fitidx : "", 1);
	var(&p, "exps", exps ? exps : "", 1);
	var(&p, "coefs", coefs ? coefs : "", 1);
	var(&p, "ylabel",
	    !strcmp(m, "topology_ns") ? "topology-map update (ms, simulated)"
	                              : "configure request -> DS response (ms, simulated; the "
	                                "results have no topology_cost)",
	    1);
	var(&p, "title", title ? title : "", 1);
	rc = draw(&p, plots, err, n);
	free(title), free(adds), free(fitidx), free(exps), free(coefs);
	plot_end(&p);
	return rc;
}

/* Phases that lie inside another and would count twice in a stack: the
 * steps of the topology update (the result's topology_cost lists them:
 * topology_STEP_ns) and the whole dr-cpu handler (PLOT_PHASE_WHOLE, the
 * last of bench/run_json.c's request phases). */
#define PLOT_PHASE_WHOLE "dr_cpu_data"
static int nested_phase(const json_t *row, const char *metric_name)
{
	char name[128], topo[160];
	size_t l;
	snprintf(name, sizeof name, "%s", metric_name + 6); /* phase_NAME_ns */
	l = strlen(name);
	if (l > 3 && !strcmp(name + l - 3, "_ns"))
		name[l - 3] = 0;
	snprintf(topo, sizeof topo, "topology_%s_ns", name);
	return !strcmp(name, PLOT_PHASE_WHOLE) || metric(row, topo);
}

static int plot_phases(const char *dir, const json_t *sum, const char *scripts, json_t *plots,
                       char *err, size_t n)
{
	const json_t *rows = json_object_get(sum, "points"), *row, *v;
	const char *shape =
	    json_string_value(json_object_get(json_object_get(sum, "config"), "shape"));
	json_t *names = json_array();
	const char *name;
	struct plot p;
	size_t i, k;
	int rc = 0, any = 0;
	char cols[16], *title;
	json_array_foreach(rows, i, row) if (json_is_true(json_object_get(row, "ok")))
	    json_object_foreach(json_object_get(row, "metrics"), name, v)
	{
		int seen = 0;
		json_t *s;
		if (strncmp(name, "phase_", 6) || nested_phase(row, name))
			continue;
		json_array_foreach(names, k, s) seen |= !strcmp(json_string_value(s), name);
		if (!seen)
			json_array_append_new(names, json_string(name));
	}
	if (!json_array_size(names)) {
		skip(plots, "phases", "the results have no phases");
		json_decref(names);
		return 0;
	}
	if (plot_begin(&p, dir, scripts, "phases")) {
		plot_end(&p);
		json_decref(names);
		util_errf(err, n, "%s: out of memory", dir);
		return -1;
	}
	fprintf(p.f, "point");
	json_array_foreach(names, k, v)
	{
		/* phase_NAME_ns -> NAME */
		const char *s = json_string_value(v) + 6;
		size_t l = strlen(s);
		fprintf(p.f, " %.*s", (int)(l > 3 && !strcmp(s + l - 3, "_ns") ? l - 3 : l), s);
	}
	fputc('\n', p.f);
	json_array_foreach(rows, i, row)
	{
		int has = 0;
		json_array_foreach(names, k, v) has |= !!metric(row, json_string_value(v));
		if (!has || !json_is_true(json_object_get(row, "ok")))
			continue;
		any = 1;
		fprintf(p.f, "%s", json_string_value(json_object_get(row, "point")));
		json_array_foreach(names, k, v)
		{
			const json_t *x = metric(row, json_string_value(v));
			fprintf(p.f, " %.6f", x ? ms(x) : 0.0);
		}
		fputc('\n', p.f);
	}
	snprintf(cols, sizeof cols, "%zu", json_array_size(names));
	title = bench_strf("%s: phases of the configure request (master strand)", shape);
	var(&p, "ncols", cols, 0);
	var(&p, "title", title ? title : "", 1);
	if (any)
		rc = draw(&p, plots, err, n);
	free(title);
	json_decref(names);
	plot_end(&p);
	return rc;
}

/* The per-cpu bring-up phases of bench/run_json.c are contiguous: every one
 * before PLOT_CPU_AFTER_ONLINE ends when the cpu is online, that one starts
 * there. Writes one data block per phase ("cpu start_ms length_ms") and
 * returns their names (NULL when the cpus have no phases). */
#define PLOT_CPU_AFTER_ONLINE "online_wait_ns"
static char *cpu_segments(struct plot *p, const json_t *op)
{
	const json_t *cpus = json_object_get(op, "cpus");
	const json_t *first = json_object_get(json_array_get(cpus, 0), "phases"), *v, *c;
	const char *name;
	char *names = NULL;
	size_t i;
	if (!json_is_object(first))
		return NULL;
	json_object_foreach((json_t *)first, name, v)
	{
		size_t l = strlen(name);
		char *nn =
		    bench_strf("%s%s%.*s", names ? names : "", names ? " " : "",
		               (int)(l > 3 && !strcmp(name + l - 3, "_ns") ? l - 3 : l), name);
		free(names);
		if (!(names = nn))
			return NULL;
		fprintf(p->f, "\n\n# %s: cpu start_ms length_ms\n", name);
		json_array_foreach(cpus, i, c)
		{
			const json_t *ph = json_object_get(c, "phases"), *w;
			const char *k;
			int from = 0;
			double start = ms(json_object_get(c, "latency_ns"));
			if (!json_is_object(ph) || !json_object_get(c, "latency_ns"))
				continue;
			json_object_foreach((json_t *)ph, k, w)
			{
				if (!strcmp(k, PLOT_CPU_AFTER_ONLINE))
					break;
				from |= !strcmp(k, name);
				if (from)
					start -= ms(w);
			}
			fprintf(p->f, "%lld %.6f %.6f\n",
			        (long long)json_integer_value(json_object_get(c, "cpu")), start,
			        ms(json_object_get(ph, name)));
		}
	}
	return names;
}

/* The request's phases on the master strand, laid end to end from the
 * request's arrival in the result's order (the phases object lists them
 * as they run), PLOT_PHASE_WHOLE and the topology steps left out of that
 * row. The steps (the op's topology_cost after its first entry, the whole
 * update) go on a row of their own, end to end and ending where the update
 * ends: the update's unnamed part (the MD walk filling in each cpu's data)
 * runs before them. Only what took time is drawn. Writes the block "row
 * start_ms end_ms colour name" (row 2: phases, 1: steps; colour: 1-based
 * position in *names) and returns its row count; *names / *durs: the
 * phases' names and durations (ms), space-separated (NULL: none). *first_end:
 * where the first drawn phase ends (ms), the log axis's lower end. */
static size_t master_block(struct plot *p, const json_t *op, char **names, char **durs,
                           double *first_end)
{
	const json_t *ph = json_object_get(op, "phases"),
	             *cost = json_object_get(op, "topology_cost");
	const json_t *v;
	const char *name, *whole = NULL;
	double t = 0, topo_end = -1;
	size_t rows = 0, colour = 0;
	*names = *durs = NULL;
	*first_end = 0;
	fprintf(p->f, "\n\n# master strand: row start_ms end_ms colour name (row 2 phases, 1 "
	              "the topology steps)\n");
	if (!json_is_object(ph))
		return 0;
	/* The topology update: the first entry of topology_cost. */
	if (json_is_object(cost)) {
		void *it = json_object_iter((json_t *)cost);
		whole = it ? json_object_iter_key(it) : NULL;
	}
	for (int row = 2; row >= 1; row--) {
		double steps = 0;
		if (row == 1) {
			if (topo_end < 0)
				break;
			json_object_foreach((json_t *)cost, name, v) if (strcmp(name, whole))
			    steps += ms(json_object_get(ph, name));
			t = topo_end - steps;
		}
		json_object_foreach((json_t *)ph, name, v)
		{
			int step = whole && strcmp(name, whole) && json_object_get(cost, name);
			double d = ms(v);
			if (!strcmp(name, PLOT_PHASE_WHOLE) || step != (row == 1))
				continue;
			if (d > 0) {
				char *nn = bench_strf("%s%s%s", *names ? *names : "",
				                      *names ? " " : "", name);
				char *nd =
				    bench_strf("%s%s%.6f", *durs ? *durs : "", *durs ? " " : "", d);
				free(*names), free(*durs);
				*names = nn, *durs = nd;
				if (!nn || !nd)
					return rows;
				fprintf(p->f, "%d %.6f %.6f %zu %s\n", row, t, t + d, ++colour,
				        name);
				if (!rows++)
					*first_end = t + d;
			}
			t += d;
			if (whole && !strcmp(name, whole))
				topo_end = t;
		}
	}
	return rows;
}

/* Each cpu's bring-up phases from its own start (the first phase): rows
 * "cpu start_ms end_ms phase" (phase: 1-based, in the cpus' order), so
 * that a phase of microseconds shows beside the request's second. Returns
 * the longest bring-up (ms); *first: the earliest start since the
 * request (ms). */
static double relative_block(struct plot *p, const json_t *op, double *first)
{
	const json_t *c, *w;
	const char *k;
	double longest = 0;
	size_t i;
	*first = -1;
	fprintf(p->f, "\n\n# each cpu from its own start: cpu start_ms end_ms phase\n");
	json_array_foreach(json_object_get(op, "cpus"), i, c)
	{
		const json_t *ph = json_object_get(c, "phases");
		double t = 0, before = 0;
		int idx = 0;
		if (!json_is_object(ph) || !json_object_get(c, "latency_ns"))
			continue;
		json_object_foreach((json_t *)ph, k, w)
		{
			if (!strcmp(k, PLOT_CPU_AFTER_ONLINE))
				break;
			before += ms(w);
		}
		json_object_foreach((json_t *)ph, k, w)
		{
			fprintf(p->f, "%lld %.6f %.6f %d\n",
			        (long long)json_integer_value(json_object_get(c, "cpu")), t,
			        t + ms(w), ++idx);
			t += ms(w);
		}
		if (t > longest)
			longest = t;
		before = ms(json_object_get(c, "latency_ns")) - before;
		if (*first < 0 || before < *first)
			*first = before;
	}
	return longest;
}

/* The configure request with the most cpus (the largest domain among
 * those): cpu vs online time. */
static int plot_timeline(const char *dir, const json_t *sum, const char *scripts, json_t *plots,
                         char *err, size_t n)
{
	const json_t *rows = json_object_get(sum, "points"), *row, *pick = NULL, *op = NULL, *c;
	const char *shape =
	    json_string_value(json_object_get(json_object_get(sum, "config"), "shape"));
	json_t *doc = NULL;
	struct plot p;
	size_t i;
	int rc;
	char *file, *title, *segs, *mnames = NULL, *mdurs = NULL, reply[32], num[64];
	double first_end = 0, first = -1, longest;
	json_int_t cmin = 0, cmax = 0;
	size_t nmaster;
	json_array_foreach(rows, i, row)
	{
		if (!json_is_true(json_object_get(row, "ok")) ||
		    !json_is_string(json_object_get(row, "result")))
			continue;
		if (!pick ||
		    json_integer_value(json_object_get(row, "add")) >
		        json_integer_value(json_object_get(pick, "add")) ||
		    (json_integer_value(json_object_get(row, "add")) ==
		         json_integer_value(json_object_get(pick, "add")) &&
		     json_integer_value(json_object_get(row, "present")) >
		         json_integer_value(json_object_get(pick, "present"))))
			pick = row;
	}
	if (!pick) {
		skip(plots, "timeline", "no point ran ok");
		return 0;
	}
	file = bench_strf("%s/%s", dir, json_string_value(json_object_get(pick, "result")));
	if (!file || !(doc = bench_read_json(file, err, n))) {
		json_array_append_new(plots, json_pack("{ssss}", "name", "timeline", "error", err));
		free(file);
		return -1;
	}
	json_array_foreach(json_object_get(doc, "operations"), i,
	                   c) if (!op && !strcmp(json_string_value(json_object_get(c, "op")) ?: "",
	                                         "configure")) op = c;
	if (!op || !json_is_integer(json_object_get(op, "latency_ns"))) {
		util_errf(err, n, "%s: $.operations: no answered configure request", file);
		json_array_append_new(plots, json_pack("{ssss}", "name", "timeline", "error", err));
		json_decref(doc);
		free(file);
		return -1;
	}
	if (plot_begin(&p, dir, scripts, "timeline")) {
		plot_end(&p);
		json_decref(doc);
		free(file);
		util_errf(err, n, "%s: out of memory", dir);
		return -1;
	}
	fprintf(p.f, "# %s: cpu online_ms (after the request arrived)\n", file);
	json_array_foreach(json_object_get(op, "cpus"), i, c) if (json_object_get(c, "latency_ns"))
	    fprintf(p.f, "%lld %.6f\n", (long long)json_integer_value(json_object_get(c, "cpu")),
	            ms(json_object_get(c, "latency_ns")));
	segs = cpu_segments(&p, op);
	/* The master block last: gnuplot does not count an empty block (no
	 * phases) among the indexes. */
	longest = segs ? relative_block(&p, op, &first) : 0;
	nmaster = master_block(&p, op, &mnames, &mdurs, &first_end);
	snprintf(reply, sizeof reply, "%.6f", ms(json_object_get(op, "latency_ns")));
	/* The log axis starts at least a third of a decade before the first
	 * phase ends, at a power of ten. */
	snprintf(num, sizeof num, "%g", nmaster ? pow(10, floor(log10(first_end) - 0.3)) : 1e-3);
	var(&p, "mx0", num, 0);
	snprintf(num, sizeof num, "%.6f", first < 0 ? 0 : first);
	var(&p, "bu0", num, 0);
	snprintf(num, sizeof num, "%.6f", longest);
	var(&p, "longest", num, 0);
	json_array_foreach(json_object_get(op, "cpus"), i, c)
	{
		json_int_t cpu = json_integer_value(json_object_get(c, "cpu"));
		cmin = !i || cpu < cmin ? cpu : cmin;
		cmax = !i || cpu > cmax ? cpu : cmax;
	}
	snprintf(num, sizeof num, "%lld", (long long)cmin);
	var(&p, "cmin", num, 0);
	snprintf(num, sizeof num, "%lld", (long long)cmax);
	var(&p, "cmax", num, 0);
	title = bench_strf("%s, %lld strands present: CONFIGURE of %zu cpus", shape,
	                   (long long)json_integer_value(json_object_get(pick, "present")),
	                   json_array_size(json_object_get(op, "cpus")));
	var(&p, "reply_ms", reply, 0);
	var(&p, "segs", segs ? segs : "", 1);
	var(&p, "mnames", mnames ? mnames : "", 1);
	var(&p, "mdurs", mdurs ? mdurs : "", 1);
	var(&p, "title", title ? title : "", 1);
	rc = draw(&p, plots, err, n);
	free(title);
	free(segs);
	free(mnames);
	free(mdurs);
	free(file);
	json_decref(doc);
	plot_end(&p);
	return rc;
}

/* The memory model's request misses vs present strands (sweeps run with
 * --memory-model on; nothing for the others): per batch size a block of
 * "present reads_l1_misses reads_l2_misses reads_l3_misses reads_memory
 * fetches_l1_misses stall_ms" (a level the machine lacks: 0). */
static int plot_memory(const char *dir, const json_t *sum, const char *scripts, json_t *plots,
                       char *err, size_t n)
{
	static const char *const cols[] = {"mem_reads_l1_misses", "mem_reads_l2_misses",
	                                   "mem_reads_l3_misses", "mem_reads_memory",
	                                   "mem_fetches_l1_misses"};
	const json_t *rows = json_object_get(sum, "points");
	const char *shape =
	    json_string_value(json_object_get(json_object_get(sum, "config"), "shape"));
	char *adds = adds_with(rows, "mem_reads_l1_misses"), *title;
	struct plot p;
	int rc;
	if (!adds)
		return 0; /* no memory model */
	if (plot_begin(&p, dir, scripts, "memory")) {
		free(adds);
		plot_end(&p);
		util_errf(err, n, "%s: out of memory", dir);
		return -1;
	}
	fprintf(p.f, "# present reads_l1_misses reads_l2_misses reads_l3_misses reads_memory "
	             "fetches_l1_misses stall_ms\n");
	for (const char *s = adds; *s;) {
		char *end;
		long long add = strtoll(s, &end, 10);
		const json_t *row;
		size_t i;
		fprintf(p.f, "%s# add %lld\n", s == adds ? "" : "\n\n", add);
		json_array_foreach(rows, i, row)
		{
			if (json_integer_value(json_object_get(row, "add")) != add ||
			    !json_is_true(json_object_get(row, "ok")) ||
			    !metric(row, "mem_reads_l1_misses"))
				continue;
			fprintf(p.f, "%lld",
			        (long long)json_integer_value(json_object_get(row, "present")));
			for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
				fprintf(p.f, " %lld",
				        (long long)json_integer_value(metric(row, cols[c])));
			fprintf(p.f, " %.6f\n", ms(metric(row, "mem_stall_ns")));
		}
		s = *end ? end + 1 : end;
	}
	title = bench_strf("%s: the configure request's cache misses vs present strands", shape);
	var(&p, "adds", adds, 1);
	var(&p, "title", title ? title : "", 1);
	rc = draw(&p, plots, err, n);
	free(title);
	free(adds);
	plot_end(&p);
	return rc;
}

int bench_plot_sweep(const char *dir, const json_t *summary, const char *scripts, json_t **plots,
                     char *err, size_t n)
{
	static int (*const fns[])(const char *, const json_t *, const char *, json_t *, char *,
	                          size_t) = {plot_latency, plot_topology, plot_phases,
	                                     plot_timeline, plot_memory};
	char e[1024];
	int rc = 0;
	*plots = json_array();
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (fns[i](dir, summary, scripts, *plots, e, sizeof e) && !rc) {
			rc = -1;
			util_errf(err, n, "%s", e);
		}
	return rc;
}
