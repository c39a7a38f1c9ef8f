/*
 * ldomsim — trace loader: the JSON reading helpers every section of the loader
 * uses. Each failure names the JSON path and what is wrong.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

void trace__join(char *out, const char *path, const char *key)
{
	if (snprintf(out, MAX_PATH_TEXT, "%s.%s", path, key) >= MAX_PATH_TEXT)
		strcpy(out + MAX_PATH_TEXT - 4, "...");
}

void trace__index_path(char *out, const char *path, size_t i)
{
	if (snprintf(out, MAX_PATH_TEXT, "%s[%zu]", path, i) >= MAX_PATH_TEXT)
		strcpy(out + MAX_PATH_TEXT - 4, "...");
}

enum trace_status trace__check_keys(struct trace_ld *ld, json_t *obj, const char *path,
                                    const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				break;
		if (!allowed[i]) {
			char p[MAX_PATH_TEXT];

			trace__join(p, path, key);
			return FAIL(ld, TRACE_ERR_FIELD, p,
			            "unknown field (not in trace format %d.%d)",
			            TRACE_VERSION_MAJOR, TRACE_VERSION_MINOR);
		}
	}
	return TRACE_OK;
}

enum trace_status trace__want_object(struct trace_ld *ld, json_t *v, const char *path)
{
	return json_is_object(v) ? TRACE_OK : FAIL(ld, TRACE_ERR_TYPE, path, "expected an object");
}

enum trace_status trace__want_array(struct trace_ld *ld, json_t *v, const char *path)
{
	return json_is_array(v) ? TRACE_OK : FAIL(ld, TRACE_ERR_TYPE, path, "expected an array");
}

/* Look up a field; *out is NULL when optional and absent. */
enum trace_status trace__field(struct trace_ld *ld, json_t *obj, const char *path, const char *key,
                               int required, json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out && required) {
		char p[MAX_PATH_TEXT];

		trace__join(p, path, key);
		return FAIL(ld, TRACE_ERR_MISSING, p, "missing required field");
	}
	return TRACE_OK;
}

static enum trace_status uint_of(struct trace_ld *ld, json_t *v, const char *path, uint64_t min,
                                 uint64_t max, uint64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return FAIL(ld, TRACE_ERR_TYPE, path, "expected an unsigned integer");
	x = json_integer_value(v);
	if ((uint64_t)x < min || (uint64_t)x > max)
		return FAIL(ld, TRACE_ERR_RANGE, path, "%lld is out of range %llu..%llu",
		            (long long)x, (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)x;
	return TRACE_OK;
}

enum trace_status trace__get_uint(struct trace_ld *ld, json_t *obj, const char *path,
                                  const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = trace__field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	trace__join(p, path, key);
	return uint_of(ld, v, p, min, max, out);
}

enum trace_status trace__get_u32(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, uint64_t min, uint64_t max, uint32_t *out)
{
	uint64_t x;
	enum trace_status st = trace__get_uint(ld, obj, path, key, min, max, &x);

	if (!st)
		*out = (uint32_t)x;
	return st;
}

/* A 64-bit register value: an unsigned integer or a "0x..." hex string. */
enum trace_status trace__reg_of(struct trace_ld *ld, json_t *v, const char *path, uint64_t *out)
{
	const char *s;
	uint64_t x = 0;
	size_t n;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return TRACE_OK;
	}
	if (!json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, path,
		            "expected an unsigned integer or a \"0x\" hex string");
	s = json_string_value(v);
	n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		return FAIL(ld, TRACE_ERR_TYPE, path,
		            "expected \"0x\" and 1 to 16 hex digits, got \"%.40s\"", s);
	for (size_t i = 2; i < n; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return FAIL(ld, TRACE_ERR_TYPE, path, "bad hex digit '%c' in \"%.40s\"", c,
			            s);
		x = x << 4 | (uint64_t)d;
	}
	*out = x;
	return TRACE_OK;
}

enum trace_status trace__get_reg(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = trace__field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	trace__join(p, path, key);
	return trace__reg_of(ld, v, p, out);
}

enum trace_status trace__get_str(struct trace_ld *ld, json_t *obj, const char *path,
                                 const char *key, size_t maxlen, const char **out)
{
	char p[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = trace__field(ld, obj, path, key, 1, &v);

	if (st)
		return st;
	trace__join(p, path, key);
	if (!json_is_string(v))
		return FAIL(ld, TRACE_ERR_TYPE, p, "expected a string");
	if (json_string_length(v) > maxlen || strlen(json_string_value(v)) != json_string_length(v))
		return FAIL(ld, TRACE_ERR_RANGE, p, "string longer than %zu bytes or with a NUL",
		            maxlen);
	*out = json_string_value(v);
	return TRACE_OK;
}

/* Optional t_ns. */
enum trace_status trace__get_opt_t(struct trace_ld *ld, json_t *obj, const char *path, int *has,
                                   uint64_t *out)
{
	char p[MAX_PATH_TEXT];
	json_t *v = json_object_get(obj, "t_ns");

	*has = 0;
	if (!v)
		return TRACE_OK;
	trace__join(p, path, "t_ns");
	*has = 1;
	return uint_of(ld, v, p, 0, TRACE_T_NS_MAX, out);
}

/* A list of cpu ids (< max_cpus), at least min_n entries. */
enum trace_status trace__get_cpus(struct trace_ld *ld, json_t *obj, const char *path,
                                  const char *key, size_t min_n, uint32_t **out, uint32_t *n)
{
	char p[MAX_PATH_TEXT], q[MAX_PATH_TEXT];
	json_t *v;
	enum trace_status st = trace__field(ld, obj, path, key, 1, &v);
	size_t cnt;

	if (st)
		return st;
	trace__join(p, path, key);
	if ((st = trace__want_array(ld, v, p)))
		return st;
	cnt = json_array_size(v);
	if (cnt < min_n || cnt > TRACE_MAX_CPUS)
		return FAIL(ld, TRACE_ERR_RANGE, p, "expected %zu to %u cpu ids, got %zu", min_n,
		            TRACE_MAX_CPUS, cnt);
	*out = malloc((cnt ? cnt : 1) * sizeof(uint32_t));
	if (!*out)
		return FAIL(ld, TRACE_ERR_NOMEM, p, "out of memory");
	*n = (uint32_t)cnt;
	for (size_t i = 0; i < cnt; i++) {
		uint64_t x;

		trace__index_path(q, p, i);
		st = uint_of(ld, json_array_get(v, i), q, 0, ld->t->machine.max_cpus - 1, &x);
		if (st) {
			free(*out);
			*out = NULL;
			if (st == TRACE_ERR_RANGE)
				FAIL(ld, st, q, "cpu %lld is not below the machine's max_cpus %u",
				     (long long)json_integer_value(json_array_get(v, i)),
				     ld->t->machine.max_cpus);
			return st;
		}
		(*out)[i] = (uint32_t)x;
	}
	return TRACE_OK;
}
