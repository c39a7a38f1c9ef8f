/*
 * tests/test_timeline.c — the timeline plot's data (bench/plot.c) at M7-16
 * scale: the request's master-strand phases are bars with their start and
 * end (the 0.9 s topology update among them), and each cpu's bring-up
 * phases are drawn from the cpu's own start, where microseconds show.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plot.h"
#include "bench/sweep_io.h"
#include "tests/util.h"

/* The committed M7-16 baseline's largest point: the one the timeline draws. */
#define TL_SWEEP "results/m7-16"
#define TL_POINT "points/p4032-a64.json"

static double ms_of(const json_t *o, const char *k)
{
	return (double)json_integer_value(json_object_get(o, k)) / 1e6;
}

/* The block of timeline.dat whose header line starts with prefix: its
 * rows, up to the next blank line (NULL when absent; the caller frees). */
static char *block(const char *dat, const char *prefix)
{
	const char *h = strstr(dat, prefix), *b, *e;
	if (!h || !(b = strchr(h, '\n')))
		return NULL;
	e = strstr(++b, "\n\n");
	return strndup(b, e ? (size_t)(e - b + 1) : strlen(b));
}

Test(timeline, m7_16_topology_phase_is_a_bar_with_its_start_and_end)
{
	char dir[1024], path[1200], err[2048];
	json_t *plots = NULL;
	test_tmpdir(dir, sizeof dir, "timeline");
	cr_assert_eq(test_sh("mkdir -p %s/points %s/plots && cp " TL_SWEEP "/summary.json %s/ && "
	                     "cp " TL_SWEEP "/" TL_POINT " %s/points/",
	                     dir, dir, dir, dir),
	             0);
	snprintf(path, sizeof path, "%s/summary.json", dir);
	json_t *sum = bench_read_json(path, err, sizeof err);
	cr_assert(sum, "%s", err);
	cr_assert_eq(bench_plot_sweep(dir, sum, "scripts/plots", &plots, err, sizeof err), 0, "%s",
	             err);
	json_t *tl = json_array_get(plots, 3);
	cr_expect_str_eq(json_string_value(json_object_get(tl, "name")), "timeline");
	cr_expect(json_array_size(json_object_get(tl, "files")) == 2, "timeline not drawn: %s",
	          json_dumps(tl, 0));

	/* The result the plot is drawn from: its configure request. */
	json_t *res = bench_read_json(TL_SWEEP "/" TL_POINT, err, sizeof err), *op = NULL, *c;
	size_t i;
	cr_assert(res, "%s", err);
	json_array_foreach(
	    json_object_get(res, "operations"), i,
	    c) if (!op && !strcmp(json_string_value(json_object_get(c, "op")), "configure")) op = c;
	cr_assert(op);
	const json_t *ph = json_object_get(op, "phases");
	double topo = ms_of(ph, "topology_maps");
	double before =
	    ms_of(ph, "ds_receive") + ms_of(ph, "md_update") + ms_of(ph, "present_mask");
	cr_assert(topo > 500, "M7-16 at 4032 present: a topology update of %g ms", topo);
	/* When the first cpu's bring-up began: its online time less the
	 * phases before online_wait. */
	double bu0 = INFINITY;
	json_array_foreach(json_object_get(op, "cpus"), i, c)
	{
		const json_t *cp = json_object_get(c, "phases");
		double t = ms_of(c, "latency_ns") - ms_of(cp, "prepare_ns") -
		           ms_of(cp, "cpu_start_ns") - ms_of(cp, "trampoline_ns") -
		           ms_of(cp, "callin_poll_ns");
		bu0 = t < bu0 ? t : bu0;
	}

	snprintf(path, sizeof path, "%s/plots/timeline.dat", dir);
	char *dat = test_slurp(path);
	char *master = block(dat, "# master strand");
	cr_assert(master, "timeline.dat has no master-strand block:\n%.2000s", dat);
	/* The topology update: a bar on the phases row from where the phases
	 * before it end to its own duration later, before any cpu starts. */
	int found = 0;
	for (char *line = strtok(master, "\n"); line; line = strtok(NULL, "\n")) {
		int row;
		double s, e;
		unsigned colour;
		char name[64];
		cr_assert_eq(sscanf(line, "%d %lf %lf %u %63s", &row, &s, &e, &colour, name), 5,
		             "row '%s'", line);
		cr_expect(e > s, "%s: an empty bar %g..%g", name, s, e);
		if (strcmp(name, "topology_maps"))
			continue;
		found = 1;
		cr_expect_eq(row, 2);
		cr_expect(fabs(s - before) < 2e-6, "topology starts at %g ms, not %g", s, before);
		cr_expect(fabs((e - s) - topo) < 2e-6, "topology bar %g ms long, not %g", e - s,
		          topo);
		cr_expect(e <= bu0 + 1e-6, "topology ends at %g ms, after the bring-up began (%g)",
		          e, bu0);
	}
	cr_expect(found, "no topology_maps bar in\n%s", dat);
	free(master);

	/* Each cpu's phases from its own start: five contiguous rows from 0. */
	char *rel = block(dat, "# each cpu from its own start");
	cr_assert(rel, "timeline.dat has no per-cpu block from each cpu's start");
	size_t rows = 0;
	double prev_end = 0;
	for (char *line = strtok(rel, "\n"); line; line = strtok(NULL, "\n"), rows++) {
		unsigned cpu, phase;
		double s, e;
		cr_assert_eq(sscanf(line, "%u %lf %lf %u", &cpu, &s, &e, &phase), 4, "row '%s'",
		             line);
		cr_expect_eq(phase, rows % 5 + 1);
		cr_expect(fabs(s - (phase == 1 ? 0 : prev_end)) < 1e-9, "cpu %u phase %u at %g",
		          cpu, phase, s);
		cr_expect(e >= s && e < 10, "cpu %u phase %u ends at %g ms", cpu, phase, e);
		prev_end = e;
	}
	cr_expect_eq(rows, 5 * json_array_size(json_object_get(op, "cpus")));
	free(rel);
	free(dat);
	json_decref(res);
	json_decref(plots);
	json_decref(sum);
	test_sh("rm -rf %s", dir);
}

/* A result without the request's phases (run --no-profile) or without the
 * cpus' phases: the timeline is still drawn, with the panels it has data
 * for (gnuplot warns about an empty block, which fails the plot). */
Test(timeline, drawn_without_the_request_or_the_cpus_phases)
{
	static const char *const drop[] = {"request", "cpus", "both"};
	for (size_t d = 0; d < 3; d++) {
		char dir[1024], path[1200], err[2048];
		json_t *plots = NULL, *c;
		size_t i;
		test_tmpdir(dir, sizeof dir, "timeline-np");
		cr_assert_eq(
		    test_sh("mkdir -p %s/points %s/plots && cp results/t2/summary.json %s/", dir,
		            dir, dir),
		    0);
		json_t *res = bench_read_json("results/t2/points/p56-a8.json", err, sizeof err);
		cr_assert(res, "%s", err);
		json_array_foreach(json_object_get(res, "operations"), i, c)
		{
			const json_t *cpu;
			size_t k;
			if (d != 1) {
				json_object_set_new(c, "phases", json_null());
				json_object_set_new(c, "topology_cost", json_null());
			}
			if (d != 0)
				json_array_foreach(json_object_get(c, "cpus"), k, cpu)
				    json_object_set_new((json_t *)cpu, "phases", json_null());
		}
		snprintf(path, sizeof path, "%s/points/p56-a8.json", dir);
		cr_assert_eq(bench_write_json_atomic(path, res, err, sizeof err), 0, "%s", err);
		snprintf(path, sizeof path, "%s/summary.json", dir);
		json_t *sum = bench_read_json(path, err, sizeof err);
		cr_assert(sum, "%s", err);
		bench_plot_sweep(dir, sum, "scripts/plots", &plots, err, sizeof err);
		json_t *tl = json_array_get(plots, 3);
		cr_expect_eq(json_array_size(json_object_get(tl, "files")), 2,
		             "without the %s phases: %s", drop[d], json_dumps(tl, 0));
		json_decref(plots);
		json_decref(sum);
		json_decref(res);
		test_sh("rm -rf %s", dir);
	}
}
