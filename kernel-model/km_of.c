/*
 * kernel-model/km_of.c — Open Firmware device-tree helpers the MD code
 * calls (drivers/of/, not under study).
 */
#include <string.h>

#include "kernel-model/km_impl.h"

/* of_find_in_proplist(list, match, len) — 1 if the string match is one of
 * the NUL-separated strings in list[0..len), else 0 (mdesc.c uses it for a
 * cache's "type" list, e.g. "instn\0data"). Cost: 5 ns per byte scanned. */
void km_of_find_in_proplist(struct km_call *c)
{
	uint64_t list = c->a[0], match = c->a[1];
	int64_t len = (int32_t)c->a[2];
	char m[256];
	if (km_cstr(c->km, match, m, sizeof m)) {
		km_fail(c, "match string at bad address 0x%llx", (unsigned long long)match);
		return;
	}
	const char *l = len > 0 ? km_ptr(c->km, list, (uint64_t)len) : NULL;
	if (len > 0 && !l) {
		km_fail(c, "list at bad address 0x%llx (%lld bytes)", (unsigned long long)list,
		        (long long)len);
		return;
	}
	km_charge(c, 5 * (uint64_t)(len > 0 ? len : 0) + 10);
	c->a[0] = 0;
	for (int64_t off = 0; off < len;) {
		size_t n = strnlen(l + off, (size_t)(len - off));
		if (n == strlen(m) && !memcmp(l + off, m, n)) {
			c->a[0] = 1;
			return;
		}
		off += (int64_t)n + 1;
	}
}
