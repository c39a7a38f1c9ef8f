/*
 * cli/options.c — see options.h.
 */
#include "cli/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/memory.h"
#include "hv/hv.h"

int cli_parse_set(const char *kv, struct trace_param_value *out, char *err, size_t n)
{
	const char *eq = strchr(kv, '=');
	char key[64], why[200];
	if (!eq || (size_t)(eq - kv) >= sizeof key) {
		snprintf(err, n, "--set '%s': expected NAME=VALUE", kv);
		return -1;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = 0;
	const struct trace_param *p = trace_param_by_name(key);
	if (!p)
		p = bench_mem_param_by_name(key);
	if (!p) {
		snprintf(err, n,
		         "--set: unknown timing parameter '%s' (one of cpi, clock_hz, "
		         "stick_hz, a cost field of traces/FORMAT.md, or a memory-model "
		         "latency: l1_cycles, l2_cycles, l3_cycles, mem_ns)",
		         key);
		return -1;
	}
	if (trace_param_parse(p, eq + 1, out, why, sizeof why)) {
		snprintf(err, n, "--set %s: %s", key, why);
		return -1;
	}
	return 0;
}

int cli_parse_inject(const char *spec, uint32_t max_cpus, struct bench_fault *out, char *err,
                     size_t n)
{
	char why[256];
	if (trace_fault_parse(spec, max_cpus, &out->f, why, sizeof why)) {
		snprintf(err, n, "--inject %s", why);
		return -1;
	}
	out->spec = spec;
	return 0;
}

/* Adds CPULIST ("64-127,200") to q's affinity: 0, or -1 when it is not
 * such a list of cpus below TRACE_MAX_CPUS naming at least one. */
static int parse_cpulist(const char *p, struct bench_irq *q)
{
	char *end;
	while (*p) {
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			return -1;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				return -1;
		}
		if (lo > hi || hi >= TRACE_MAX_CPUS || (*end && *end != ','))
			return -1;
		for (unsigned long c = lo; c <= hi; c++)
			q->aff[c / 64] |= 1ull << (c % 64);
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -1;
	}
	for (size_t w = 0; w < BENCH_IRQ_CPU_WORDS; w++)
		if (q->aff[w])
			return 0;
	return -1;
}

int cli_parse_irq(const char *spec, const struct bench_irq *earlier, size_t nearlier,
                  struct bench_irq *out, char *err, size_t n)
{
	char *end;
	unsigned long dh = strtoul(spec, &end, 0), di;
	if (end == spec || *end != ':' || dh > HV_MAX_DEVHANDLE) {
		snprintf(err, n, "--irq '%s': expected DEVHANDLE:DEVINO[@CPULIST], devhandle 0-7",
		         spec);
		return -1;
	}
	const char *p = end + 1;
	di = strtoul(p, &end, 0);
	if (end == p || (*end && *end != '@') || di > HV_MAX_DEVINO) {
		snprintf(err, n, "--irq '%s': devino must be 0-255", spec);
		return -1;
	}
	*out = (struct bench_irq){
	    .devhandle = (unsigned)dh, .devino = (unsigned)di, .all = !*end, .spec = spec};
	for (size_t k = 0; k < nearlier; k++)
		if (earlier[k].devhandle == out->devhandle && earlier[k].devino == out->devino) {
			snprintf(err, n, "--irq '%s': source given twice", spec);
			return -1;
		}
	if (*end && parse_cpulist(end + 1, out)) {
		snprintf(err, n, "--irq '%s': CPULIST must be like 64-127,200 (cpus below %u)",
		         spec, TRACE_MAX_CPUS);
		return -1;
	}
	return 0;
}
