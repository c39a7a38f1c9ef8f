/*
 * ldomsim — the ftrace function_graph line parser used by `trace import`
 * (internal to the traces module; exposed for its tests).
 */
#ifndef LDOMSIM_TRACES_TRACE_IMPORT_H
#define LDOMSIM_TRACES_TRACE_IMPORT_H

#include "traces/trace.h"

enum trace_ftrace_kind {
	TRACE_FTRACE_SKIP,    /* header, blank, "---", context switch "=>", irq arrows */
	TRACE_FTRACE_ENTRY,   /* "func() {" */
	TRACE_FTRACE_LEAF,    /* "func();" with its duration */
	TRACE_FTRACE_EXIT,    /* "}" (optionally "} /" "* func *" "/") with its duration */
	TRACE_FTRACE_COMMENT, /* "/" "* ... *" "/" */
	TRACE_FTRACE_LOST,    /* "CPU:N [LOST M EVENTS]" / "CPU:N [LOST EVENTS]": the ring
	                         buffer of cpu N overran before this point */
};

struct trace_ftrace_line {
	enum trace_ftrace_kind kind;
	int has_time;
	uint64_t time_ns; /* funcgraph-abstime, seconds.microseconds */
	uint32_t cpu;
	char proc[32]; /* funcgraph-proc "comm-pid", or empty */
	int has_duration;
	uint64_t duration_ns; /* "12.345 us" -> 12345 */
	uint32_t depth;       /* nesting level (2 columns per level) */
	char func[64];        /* function name (EXIT: from the tail comment, if any) */
	char text[256];       /* COMMENT: the text between the comment markers, trimmed */
	int lost_known;       /* LOST: the marker printed the count ... */
	uint64_t lost;        /* ... of events lost */
};

/* Parse one line of /sys/kernel/tracing/trace (function_graph tracer), or
 * the overrun marker the trace file prints between any two lines.
 * TRACE_OK and kind SKIP for lines that carry no call; TRACE_ERR_JSON
 * (malformed) for text that is not a function_graph line. */
enum trace_status trace_ftrace_parse_line(const char *line, struct trace_ftrace_line *out);

#endif
