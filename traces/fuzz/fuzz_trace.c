/*
 * ldomsim — libFuzzer harness for the trace reader (traces/trace.h): the
 * input is a trace JSON document parsed from memory (no MD files are read).
 * A document that loads must dump to canonical JSON that loads again and
 * dumps to the same bytes. Every line is also fed to the ftrace
 * function_graph line parser of `trace import`.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -I. traces/fuzz/fuzz_trace.c
 *        traces/trace*.c traces/md*.c -ljansson -lm   (make fuzz does this)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"
#include "traces/trace_import.h"
#include "traces/trace_internal.h"

static void lines(const uint8_t *data, size_t size)
{
	char buf[512];
	size_t i = 0;

	while (i < size) {
		size_t n = 0;
		struct trace_ftrace_line l;

		while (i < size && data[i] != '\n' && n < sizeof(buf) - 2)
			buf[n++] = (char)data[i++];
		if (i < size && data[i] == '\n')
			i++;
		buf[n++] = '\n';
		buf[n] = '\0';
		if (strlen(buf) == n)
			(void)trace_ftrace_parse_line(buf, &l);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *t = NULL, *t2 = NULL;
	struct trace_error err;
	json_t *doc;
	char *a = NULL, *b = NULL;

	lines(data, size);
	if (trace_load_mem(data, size, "fuzz.json", NULL, &t, &err) != TRACE_OK) {
		if (t || !err.msg[0] || strncmp(err.msg, "fuzz.json: ", 11))
			abort(); /* failure must leave *out NULL and name the input */
		return 0;
	}
	/* accessors the simulator uses */
	for (size_t i = 0; i < trace_ds_count(t); i++)
		(void)trace_ds_reply(t, i);
	for (uint32_t s = 0; s < trace_machine(t)->max_cpus; s++) {
		size_t n;
		const struct trace_hcall *const *v = trace_hcalls_of_strand(t, s, &n);

		for (size_t k = 0; k < n; k++)
			(void)trace_hcall_latency(t, s, v[k]->fn, (uint32_t)k + 1);
	}
	/* canonical form is a fixed point */
	doc = trace_to_json(t);
	if (!doc || !(a = trace_json_dump(doc)))
		abort();
	json_decref(doc);
	if (trace_load_mem(a, strlen(a), "canonical.json", NULL, &t2, &err) != TRACE_OK)
		abort();
	doc = trace_to_json(t2);
	if (!doc || !(b = trace_json_dump(doc)) || strcmp(a, b))
		abort();
	json_decref(doc);
	free(a);
	free(b);
	trace_free(t);
	trace_free(t2);
	return 0;
}
