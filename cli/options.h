/*
 * cli/options.h — the command line's option strings parsed into the
 * library's typed configuration, under the shared rules (traces/trace.h
 * trace_params and trace_fault_parse, traces/hv_calls.def). Each returns
 * 0, or -1 with err naming the option, the value at fault and its allowed
 * range (the command prints it after "ldomsim CMD: " and exits 2).
 */
#ifndef LDOMSIM_CLI_OPTIONS_H
#define LDOMSIM_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "bench/run.h"
#include "traces/trace.h"

/* --set NAME=VALUE: a timing parameter (cpi, clock_hz, stick_hz or a cost
 * of kernel-model/costs.def) and its value. */
int cli_parse_set(const char *kv, struct trace_param_value *out, char *err, size_t n);

/* --inject NAME=STATUS[xCOUNT][@CPU], CPU below max_cpus (the trace's). */
int cli_parse_inject(const char *spec, uint32_t max_cpus, struct bench_fault *out, char *err,
                     size_t n);

/* --irq DEVHANDLE:DEVINO[@CPULIST] (devhandle 0-7, devino 0-255, CPULIST
 * like 64-127,200; default every cpu); earlier[0..nearlier) are the --irq
 * sources before it on the command line (a source given twice is
 * refused). out->spec borrows spec. */
int cli_parse_irq(const char *spec, const struct bench_irq *earlier, size_t nearlier,
                  struct bench_irq *out, char *err, size_t n);

#endif
