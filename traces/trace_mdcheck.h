/*
 * ldomsim — checks of a trace against its MD generations, done with the MD
 * reader (traces/md.h): internal to the trace loader.
 */
#ifndef LDOMSIM_TRACES_TRACE_MDCHECK_H
#define LDOMSIM_TRACES_TRACE_MDCHECK_H

#include "traces/trace.h"

/* Every MD generation parses; its platform max-cpus equals the machine's;
 * the first generation's strands are the present ones; every cpu configured
 * OK is in the generation published before its request. */
enum trace_status trace_mdcheck(const struct trace *t, struct trace_error *err);

#endif
