/*
 * bench/sweep_jobs.c — --emit-jobs: the points of a sweep written as shell
 * commands (and DIR/plan.json) instead of run here.
 */
#define _GNU_SOURCE
#include "bench/sweep_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sweep_io.h"
#include "util/atomic.h"
#include "util/errf.h"

static void put_quoted(FILE *f, const char *w)
{
	fputc('\'', f);
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	fputc('\'', f);
}

/* DIR/plan.json and the jobs file (both atomically). */
int bench_sweep__emit_jobs(const struct bench_sweep_cfg *cfg, struct bench_pt *pts, size_t np,
                           FILE *progress, char *err, size_t n)
{
	char *abs = realpath(cfg->dir, NULL), *ldomsim = realpath(cfg->ldomsim, NULL);
	char *plan_path = bench_strf("%s/plan.json", cfg->dir), *buf = NULL;
	struct bench_pt **order = calloc(np ? np : 1, sizeof *order);
	size_t len = 0, k = strlen(cfg->dir);
	int rc = -1;
	json_t *plan = NULL;
	FILE *f = NULL;
	if (!abs || !ldomsim || !plan_path || !order) {
		util_errf(err, n, "%s: cannot resolve the folder or %s", cfg->dir, cfg->ldomsim);
		goto out;
	}
	plan = json_pack("{sss[ii]so}", "format", BENCH_PLAN_FORMAT, "version", BENCH_SWEEP_MAJOR,
	                 BENCH_SWEEP_MINOR, "config", bench_sweep__config_json(cfg, pts, np));
	if (!plan || bench_write_json_atomic(plan_path, plan, err, n))
		goto out;
	for (size_t i = 0; i < np; i++)
		order[i] = &pts[i];
	qsort(order, np, sizeof *order, bench_sweep__cmp_weight_desc);
	if (!(f = open_memstream(&buf, &len)))
		goto out;
	for (size_t i = 0; i < np; i++) {
		const struct bench_pt *p = order[i];
		char *paths[3] = {bench_strf("%s%s", abs, p->trace + k),
		                  bench_strf("%s%s", abs, p->result + k),
		                  bench_strf("%s%s", abs, p->log + k)};
		put_quoted(f, ldomsim);
		fputs(" run ", f);
		put_quoted(f, paths[0] ? paths[0] : "");
		fputs(" --json ", f);
		put_quoted(f, paths[1] ? paths[1] : "");
		for (size_t j = 0; j < cfg->nsets; j++) {
			fputs(" --set ", f);
			put_quoted(f, cfg->sets[j]);
		}
		if (cfg->guest) {
			fputs(" --guest ", f);
			put_quoted(f, cfg->guest);
		}
		if (cfg->memory_model)
			fputs(" --memory-model on", f);
		if (cfg->no_snapshot)
			fputs(" --no-snapshot", f);
		if (cfg->snapshot_dir) {
			fputs(" --snapshot-dir ", f);
			put_quoted(f, cfg->snapshot_dir);
		}
		fputs(" >", f);
		put_quoted(f, paths[2] ? paths[2] : "");
		fputs(" 2>&1\n", f);
		for (int j = 0; j < 3; j++)
			free(paths[j]);
	}
	if (fclose(f)) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (util_write_atomic(cfg->emit_jobs, buf, len, err, n))
		goto out;
	if (progress)
		fprintf(progress,
		        "sweep: %zu jobs in %s (run them, e.g. parallel -j N < %s), then: ldomsim "
		        "merge -o OUT %s\n",
		        np, cfg->emit_jobs, cfg->emit_jobs, cfg->dir);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(abs);
	free(ldomsim);
	free(plan_path);
	free(order);
	json_decref(plan);
	return rc;
}
