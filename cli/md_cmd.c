/*
 * ldomsim md — inspect, compare and generate machine descriptions.
 *
 *   ldomsim md check FILE...            validate; print accepted deviations
 *   ldomsim md dump FILE                indented tree: nodes, properties, arcs
 *   ldomsim md stat FILE [--json]       strands, cores, sockets, caches
 *   ldomsim md diff A B                 strands added/removed, then other changes
 *   ldomsim md gen --shape NAME [--present LIST|N] -o FILE
 *   ldomsim md topo FILE [--json]       host-side topology (traces/md_topo.h)
 *
 * Exit status: 0 success (diff: no difference), 1 a finding (diff: the MDs
 * differ; check: a file is not a valid MD), 2 usage error or unusable input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/commands.h"
#include "cli/dispatch.h"
#include "traces/md.h"
#include "traces/md_shape.h"
#include "traces/md_topo.h"

/* ---- small helpers ---------------------------------------------------- */

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t nc = b->cap ? b->cap * 2 : 256;
		while (nc < b->len + (size_t)n + 1)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
}

/* "0-7,9,12-15" of sorted ids (caller frees; NULL on no memory). */
static char *cpulist_str(const uint32_t *ids, size_t n)
{
	struct sbuf b = {0};
	sb_addf(&b, "%s", "");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (j == i)
			sb_addf(&b, "%s%u", i ? "," : "", ids[i]);
		else
			sb_addf(&b, "%s%u-%u", i ? "," : "", ids[i], ids[j]);
		i = j + 1;
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static int load(const char *cmd, const char *path, struct md **md)
{
	struct md_err e;
	if (md_read_file(path, md, &e)) {
		fprintf(stderr, "ldomsim md %s: %s\n", cmd, e.msg);
		return -1;
	}
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int print_json(json_t *j)
{
	if (!j) {
		fprintf(stderr, "ldomsim md: out of memory\n");
		return 2;
	}
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	fputc('\n', stdout);
	return rc ? 2 : 0;
}

/* Sorted ids of the present strands (cpu nodes with an id), like Linux. */
static uint32_t *strand_ids(const struct md *md, size_t *n)
{
	size_t cap = 64, k = 0;
	uint32_t *v = malloc(cap * sizeof(*v));
	if (!v)
		return NULL;
	for (md_node_t c = md_node_first(md, "cpu"); c != MD_NODE_NONE;
	     c = md_node_next(md, c, "cpu")) {
		uint64_t id;
		if (md_get_u64(md, c, "id", &id))
			continue;
		if (k == cap) {
			uint32_t *nv = realloc(v, cap * 2 * sizeof(*nv));
			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		v[k++] = (uint32_t)(id > UINT32_MAX ? UINT32_MAX : id);
	}
	for (size_t i = 1; i < k; i++) { /* insertion sort: MDs are nearly sorted */
		uint32_t x = v[i];
		size_t j = i;
		while (j && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (!u || v[u - 1] != v[i])
			v[u++] = v[i];
	*n = u;
	return v;
}

static void print_value(FILE *f, const struct md_prop *p)
{
	if (p->tag == MD_TAG_VAL) {
		fprintf(f, "%llu (0x%llx)", (unsigned long long)p->val, (unsigned long long)p->val);
		return;
	}
	const unsigned char *d = p->data;
	int printable = p->len > 0 && d[p->len - 1] == '\0';
	for (uint32_t i = 0; printable && i + 1 < p->len; i++)
		if (d[i] && (d[i] < 0x20 || d[i] > 0x7e))
			printable = 0;
	if (printable) {
		/* string list */
		for (uint32_t i = 0; i < p->len;) {
			const char *s = (const char *)d + i;
			fprintf(f, "%s\"%s\"", i ? ", " : "", s);
			i += (uint32_t)strlen(s) + 1;
		}
		return;
	}
	fprintf(f, "<%u bytes>", p->len);
	for (uint32_t i = 0; i < p->len && i < 32; i++)
		fprintf(f, "%s%02x", i ? "" : " ", d[i]);
	if (p->len > 32)
		fprintf(f, "...");
}

/* ---- check ------------------------------------------------------------ */

static int cmd_check(int argc, char **argv)
{
	if (wants_help(argc, argv) || argc < 2) {
		fprintf(wants_help(argc, argv) ? stdout : stderr,
		        "usage: ldomsim md check FILE...\n"
		        "Validate machine descriptions, every FILE, one line each; print what was\n"
		        "accepted though it deviates from the transport specification. Exit 0 all\n"
		        "valid, 1 any invalid, 2 any unreadable (which wins over 1).\n");
		return wants_help(argc, argv) ? 0 : 2;
	}
	int bad = 0, unusable = 0;
	for (int i = 1; i < argc; i++) {
		struct md *md;
		struct md_err e;
		struct stat st;
		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
			fprintf(stderr, "ldomsim md check: %s: a folder, not an MD file\n",
			        argv[i]);
			unusable = 1;
			continue;
		}
		if (md_read_file(argv[i], &md, &e)) {
			if (e.code == MD_ERR_IO || e.code == MD_ERR_NOMEM) {
				fprintf(stderr, "ldomsim md check: %s: cannot check: %s\n", argv[i],
				        e.msg);
				unusable = 1;
				continue;
			}
			printf("%s: INVALID: %s (%s)\n", argv[i], e.msg, md_strerror(e.code));
			bad = 1;
			continue;
		}
		struct md_warnings w;
		md_warnings(md, &w);
		printf("%s: ok: %zu elements, %zu nodes", argv[i], md_elem_count(md),
		       md_node_count(md));
		if (w.unknown_tags)
			printf(", %u unknown tags skipped", w.unknown_tags);
		if (w.noops)
			printf(", %u no-ops", w.noops);
		if (w.reserved_nonzero)
			printf(", %u non-zero reserved fields", w.reserved_nonzero);
		if (w.data_unpadded)
			printf(", data block not padded to 16");
		if (w.name_unpadded)
			printf(", name block not padded to 16");
		if (w.zero_after_end)
			printf(", %u zero elements after the list end", w.zero_after_end);
		printf("\n");
		md_free(md);
	}
	return unusable ? 2 : bad;
}

/* ---- dump ------------------------------------------------------------- */

static int cmd_dump(int argc, char **argv)
{
	if (wants_help(argc, argv) || argc != 2) {
		fprintf(wants_help(argc, argv) ? stdout : stderr,
		        "usage: ldomsim md dump FILE\n"
		        "Print the MD as an indented tree: each node (element index and name),\n"
		        "its properties (name = value) and its arcs (name -> @index name).\n");
		return wants_help(argc, argv) ? 0 : 2;
	}
	struct md *md;
	if (load("dump", argv[1], &md))
		return 2;
	size_t len;
	md_bytes(md, &len);
	printf("# %s: %zu bytes, %zu elements, %zu nodes\n", argv[1], len, md_elem_count(md),
	       md_node_count(md));
	for (md_node_t n = md_node_first(md, NULL); n != MD_NODE_NONE;
	     n = md_node_next(md, n, NULL)) {
		printf("@%u %s\n", n, md_node_name(md, n));
		size_t np = md_prop_count(md, n);
		for (size_t i = 0; i < np; i++) {
			struct md_prop p;
			md_prop_get(md, n, i, &p);
			if (p.tag == MD_TAG_ARC) {
				printf("    %s -> @%llu %s\n", p.name, (unsigned long long)p.val,
				       md_node_name(md, (md_node_t)p.val));
			} else {
				printf("    %s = ", p.name);
				print_value(stdout, &p);
				printf("\n");
			}
		}
	}
	md_free(md);
	return 0;
}

/* ---- stat ------------------------------------------------------------- */

struct cache_stat {
	uint64_t level, size, line;
	char type[32];
	uint32_t count;
};

/* The arguments of `md CMD FILE [--json]`: -1 (said on stderr) if wrong. */
static int file_and_json(const char *cmd, int argc, char **argv, const char **file, int *json)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = 1;
		else if (!*file && argv[i][0] != '-')
			*file = argv[i];
		else {
			fprintf(stderr, "ldomsim md %s: unexpected argument '%s'\n", cmd, argv[i]);
			return -1;
		}
	}
	if (!*file) {
		fprintf(stderr, "usage: ldomsim md %s FILE [--json]\n", cmd);
		return -1;
	}
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	int json = 0;
	const char *file = NULL;
	if (wants_help(argc, argv)) {
		printf("usage: ldomsim md stat FILE [--json]\n"
		       "Summarise an MD: platform, strands (count and ids), cores, exec units,\n"
		       "sockets, caches by level and type with sizes, the first cpu's hwcap-list\n"
		       "(what the kernel patches itself for). --json prints an object\n"
		       "with at least \"strands\" (count) and \"strand_ids\" (list). Without a\n"
		       "platform max-cpus, max-cpus is 64, Linux's default (mdesc.c), as in\n"
		       "the trace format (\"max_cpus_absent\": true).\n");
		return 0;
	}
	if (file_and_json("stat", argc, argv, &file, &json))
		return 2;
	struct md *md;
	if (load("stat", file, &md))
		return 2;
	int rc = 2;
	size_t nids = 0;
	uint32_t *ids = strand_ids(md, &nids);
	char *idlist = ids ? cpulist_str(ids, nids) : NULL;
	struct cache_stat cs[32];
	size_t ncs = 0;
	uint32_t eus = 0, sockets = 0, l1i = 0;
	uint64_t max_cpus = 0, stick = 0, clock = 0;
	int has_max = 0;
	const char *pname = NULL;
	if (!ids || !idlist) {
		fprintf(stderr, "ldomsim md stat: out of memory\n");
		goto out;
	}
	md_node_t plat = md_node_first(md, "platform");
	if (plat != MD_NODE_NONE) {
		has_max = !md_get_u64(md, plat, "max-cpus", &max_cpus);
		md_get_u64(md, plat, "stick-frequency", &stick);
		pname = md_get_str(md, plat, "name");
	}
	/* mdesc.c's max_cpus (mondo queue sizing) is 64 without the property,
	 * as the trace format's machine.max_cpus; the possible cpus are then
	 * NR_CPUS (md topo). */
	if (!has_max)
		max_cpus = 64;
	md_node_t c0 = md_node_first(md, "cpu");
	if (c0 != MD_NODE_NONE)
		md_get_u64(md, c0, "clock-frequency", &clock);
	/* The first cpu's hwcap-list, where the kernel reads it. */
	const char *cap;
	size_t caplen;
	for (md_node_t n = md_node_first(md, "cache"); n != MD_NODE_NONE;
	     n = md_node_next(md, n, "cache")) {
		struct cache_stat c = {0};
		md_get_u64(md, n, "level", &c.level);
		md_get_u64(md, n, "size", &c.size);
		md_get_u64(md, n, "line-size", &c.line);
		int ins = md_prop_has_str(md, n, "type", "instn");
		int dat = md_prop_has_str(md, n, "type", "data");
		snprintf(c.type, sizeof(c.type), "%s",
		         ins && dat ? "unified"
		         : ins      ? "instn"
		         : dat      ? "data"
		                    : "other");
		if (c.level == 1 && ins)
			l1i++;
		size_t k;
		for (k = 0; k < ncs; k++)
			if (cs[k].level == c.level && cs[k].size == c.size &&
			    cs[k].line == c.line && !strcmp(cs[k].type, c.type))
				break;
		if (k == ncs && ncs < sizeof(cs) / sizeof(cs[0]))
			cs[ncs++] = c;
		if (k < ncs)
			cs[k].count++;
	}
	for (md_node_t n = md_node_first(md, NULL); n != MD_NODE_NONE;
	     n = md_node_next(md, n, NULL)) {
		const char *nm = md_node_name(md, n);
		if (!strcmp(nm, "exec-unit") || !strcmp(nm, "exec_unit"))
			eus++;
		else if (!strcmp(nm, "socket"))
			sockets++;
	}
	size_t bytes;
	md_bytes(md, &bytes);
	if (json) {
		json_t *o = json_object(), *a = json_array(), *ca = json_array();
		if (!o || !a || !ca) {
			json_decref(o);
			json_decref(a);
			json_decref(ca);
			fprintf(stderr, "ldomsim md stat: out of memory\n");
			goto out;
		}
		json_object_set_new(o, "file", json_string(file));
		json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(o, "elements", json_integer((json_int_t)md_elem_count(md)));
		json_object_set_new(o, "nodes", json_integer((json_int_t)md_node_count(md)));
		json_object_set_new(o, "platform", pname ? json_string(pname) : json_null());
		json_object_set_new(o, "max_cpus", json_integer((json_int_t)max_cpus));
		json_object_set_new(o, "max_cpus_absent", json_boolean(!has_max));
		json_object_set_new(o, "stick_frequency", json_integer((json_int_t)stick));
		json_object_set_new(o, "clock_frequency", json_integer((json_int_t)clock));
		json_object_set_new(o, "strands", json_integer((json_int_t)nids));
		for (size_t i = 0; i < nids; i++)
			json_array_append_new(a, json_integer(ids[i]));
		json_object_set_new(o, "strand_ids", a);
		json_object_set_new(o, "strand_list", json_string(idlist));
		json_object_set_new(o, "cores", json_integer(l1i));
		json_object_set_new(o, "exec_units", json_integer(eus));
		json_object_set_new(o, "sockets", json_integer(sockets));
		for (size_t k = 0; k < ncs; k++) {
			json_t *c =
			    json_pack("{s:I,s:s,s:I,s:I,s:I}", "level", (json_int_t)cs[k].level,
			              "type", cs[k].type, "count", (json_int_t)cs[k].count, "size",
			              (json_int_t)cs[k].size, "line_size", (json_int_t)cs[k].line);
			json_array_append_new(ca, c);
		}
		json_object_set_new(o, "caches", ca);
		json_t *hw = json_array();
		for (size_t i = 0; (cap = md_strlist_at(md, c0, "hwcap-list", i, &caplen)); i++)
			json_array_append_new(hw, json_stringn(cap, caplen));
		json_object_set_new(o, "hwcaps", hw);
		rc = print_json(o);
	} else {
		printf("file:      %s (%zu bytes, %zu elements, %zu nodes)\n", file, bytes,
		       md_elem_count(md), md_node_count(md));
		printf("platform:  %s, max-cpus %llu%s, stick %llu Hz, clock %llu Hz\n",
		       pname ? pname : "?", (unsigned long long)max_cpus,
		       has_max ? "" : " (absent: Linux's default)", (unsigned long long)stick,
		       (unsigned long long)clock);
		printf("strands:   %zu [%s]\n", nids, idlist);
		printf("cores:     %u (level-1 instruction caches)\n", l1i);
		printf("exec units:%u\n", eus);
		printf("sockets:   %u%s\n", sockets, sockets ? "" : " (no socket nodes)");
		printf("hwcaps:   ");
		for (size_t i = 0; (cap = md_strlist_at(md, c0, "hwcap-list", i, &caplen)); i++)
			printf(" %.*s", (int)caplen, cap);
		printf("%s\n",
		       md_strlist_at(md, c0, "hwcap-list", 0, &caplen) ? "" : " (no hwcap-list)");
		for (size_t k = 0; k < ncs; k++)
			printf("cache:     L%llu %-7s x%u, %llu bytes, %llu-byte lines\n",
			       (unsigned long long)cs[k].level, cs[k].type, cs[k].count,
			       (unsigned long long)cs[k].size, (unsigned long long)cs[k].line);
		rc = 0;
	}
out:
	free(ids);
	free(idlist);
	md_free(md);
	return rc;
}

/* ---- diff ------------------------------------------------------------- */

/* A node's identity across MD generations: its name, its `id` when it has
 * one, else its level/type and the lowest strand it serves (back arcs, depth
 * 10), else its rank among same-named nodes. */
struct nkey {
	char *key;
	md_node_t node;
};

/* For every node, the lowest `id` of a `cpu` node reachable from it by 1
 * to 10 `back` arcs (UINT64_MAX: none), by ordinal: ten relaxations over
 * the back arcs, O(nodes + arcs). A search from each node instead costs
 * the arcs of every container it reaches (a `cpus` node with 10^5 `fwd`
 * arcs scanned once per cache: quadratic). Walks and shortest paths reach
 * the same nodes within 10 arcs, so the minimum is the same. */
static uint64_t *lowest_cpus(const struct md *md)
{
	size_t nn = md_node_count(md), ne = 0;
	size_t *first = calloc(nn + 1, sizeof(*first));
	uint64_t *cpuid = malloc((nn ? nn : 1) * sizeof(*cpuid));
	uint64_t *cur = malloc((nn ? nn : 1) * sizeof(*cur));
	uint64_t *nxt = malloc((nn ? nn : 1) * sizeof(*nxt));
	uint32_t *to = NULL;
	if (!first || !cpuid || !cur || !nxt)
		goto fail;
	for (size_t i = 0; i < nn; i++) {
		md_node_t n = md_node_at(md, (uint32_t)i);
		uint64_t id;
		first[i] = ne;
		ne += md_arcs(md, n, "back", NULL, 0);
		cpuid[i] = !strcmp(md_node_name(md, n), "cpu") && !md_get_u64(md, n, "id", &id)
		               ? id
		               : UINT64_MAX;
		cur[i] = UINT64_MAX;
	}
	first[nn] = ne;
	to = malloc((ne ? ne : 1) * sizeof(*to));
	md_node_t *tmp = malloc((ne ? ne : 1) * sizeof(*tmp));
	if (!to || !tmp) {
		free(tmp);
		goto fail;
	}
	for (size_t i = 0; i < nn; i++) {
		size_t k = md_arcs(md, md_node_at(md, (uint32_t)i), "back", tmp, ne);
		for (size_t j = 0; j < k; j++)
			to[first[i] + j] = md_node_ordinal(md, tmp[j]);
	}
	free(tmp);
	for (int d = 0; d < 10; d++) {
		for (size_t i = 0; i < nn; i++) {
			uint64_t best = UINT64_MAX;
			for (size_t j = first[i]; j < first[i + 1]; j++) {
				uint32_t w = to[j];
				if (w == MD_NODE_NONE)
					continue;
				if (cpuid[w] < best)
					best = cpuid[w];
				if (cur[w] < best)
					best = cur[w];
			}
			nxt[i] = best;
		}
		uint64_t *t = cur;
		cur = nxt;
		nxt = t;
	}
	free(first);
	free(cpuid);
	free(nxt);
	free(to);
	return cur;
fail:
	free(first);
	free(cpuid);
	free(cur);
	free(nxt);
	free(to);
	return NULL;
}

/* Node keys by content: open addressing over FNV-1a, values are indexes.
 * The strings are borrowed. */
struct keytab {
	size_t cap; /* a power of two, at least twice the keys */
	const char **key;
	size_t *val;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static int keytab_init(struct keytab *t, size_t n)
{
	t->cap = 16;
	while (t->cap < 2 * n + 2)
		t->cap *= 2;
	t->key = calloc(t->cap, sizeof(*t->key));
	t->val = malloc(t->cap * sizeof(*t->val));
	return t->key && t->val ? 0 : -1;
}

static void keytab_free(struct keytab *t)
{
	free(t->key);
	free(t->val);
}

/* The slot of key: holding it, or the empty one where it belongs. */
static size_t keytab_slot(const struct keytab *t, const char *key)
{
	size_t i = (size_t)key_hash(key) & (t->cap - 1);
	while (t->key[i] && strcmp(t->key[i], key))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void free_keys(struct nkey *k, size_t n)
{
	if (!k)
		return;
	for (size_t i = 0; i < n; i++)
		free(k[i].key);
	free(k);
}

/* Keys of all nodes in MD order (k[i] is ordinal i), and the same
 * pointers by ordinal in *by_ord. */
static struct nkey *make_keys(const struct md *md, char ***by_ord)
{
	size_t nn = md_node_count(md);
	struct nkey *k = calloc(nn ? nn : 1, sizeof(*k));
	uint64_t *low = lowest_cpus(md);
	char **bo = calloc(nn ? nn : 1, sizeof(*bo));
	if (!k || !low || !bo)
		goto fail;
	for (size_t i = 0; i < nn; i++) {
		md_node_t n = md_node_at(md, (uint32_t)i);
		const char *nm = md_node_name(md, n);
		struct sbuf b = {0};
		uint64_t id, level;
		if (!md_get_u64(md, n, "id", &id)) {
			sb_addf(&b, "%s id=%llu", nm, (unsigned long long)id);
		} else {
			sb_addf(&b, "%s", nm);
			if (!md_get_u64(md, n, "level", &level))
				sb_addf(&b, " L%llu", (unsigned long long)level);
			size_t tl;
			const char *t = md_get_data(md, n, "type", &tl);
			if (t && tl && t[tl - 1] == '\0') {
				sb_addf(&b, " ");
				for (size_t j = 0; j < tl;) {
					sb_addf(&b, "%s%s", j ? "+" : "", t + j);
					j += strlen(t + j) + 1;
				}
			}
			uint64_t lc = low[i];
			if (lc != UINT64_MAX)
				sb_addf(&b, " of cpu %llu", (unsigned long long)lc);
		}
		if (b.oom) {
			free(b.s);
			goto fail;
		}
		k[i].key = b.s;
		k[i].node = n;
	}
	/* Disambiguate equal keys by rank in MD order: "KEY #2", "KEY #3"...
	 * (k is in MD order; the first of a kind keeps its key, which the
	 * table borrows). */
	struct keytab seen;
	size_t *count = calloc(nn ? nn : 1, sizeof(*count));
	if (!count || keytab_init(&seen, nn)) {
		free(count);
		keytab_free(&seen);
		goto fail;
	}
	for (size_t i = 0; i < nn; i++) {
		size_t slot = keytab_slot(&seen, k[i].key);
		if (!seen.key[slot]) {
			seen.key[slot] = k[i].key;
			seen.val[slot] = i;
			count[i] = 1;
			continue;
		}
		struct sbuf b = {0};
		sb_addf(&b, "%s #%zu", k[i].key, ++count[seen.val[slot]]);
		if (b.oom) {
			free(b.s);
			free(count);
			keytab_free(&seen);
			goto fail;
		}
		free(k[i].key);
		k[i].key = b.s;
	}
	free(count);
	keytab_free(&seen);
	for (size_t i = 0; i < nn; i++)
		bo[i] = k[i].key;
	free(low);
	*by_ord = bo;
	return k;
fail:
	free(low);
	free(bo);
	free_keys(k, nn);
	return NULL;
}

static char *prop_str(const struct md *md, const struct md_prop *p, char **keys_by_ord)
{
	struct sbuf b = {0};
	if (p->tag == MD_TAG_ARC) {
		sb_addf(&b, "%s -> %s", p->name,
		        keys_by_ord[md_node_ordinal(md, (md_node_t)p->val)]);
	} else if (p->tag == MD_TAG_VAL) {
		sb_addf(&b, "%s = %llu", p->name, (unsigned long long)p->val);
	} else {
		char *s = NULL;
		size_t sl = 0;
		FILE *f = open_memstream(&s, &sl);
		if (f) {
			print_value(f, p);
			fclose(f);
		}
		sb_addf(&b, "%s = %s", p->name, s ? s : "?");
		free(s);
	}
	return b.oom ? (free(b.s), NULL) : b.s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted property/arc strings of a node. */
static char **node_props(const struct md *md, md_node_t n, char **keys, size_t *cnt)
{
	size_t np = md_prop_count(md, n);
	char **v = calloc(np ? np : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < np; i++) {
		struct md_prop p;
		md_prop_get(md, n, i, &p);
		v[i] = prop_str(md, &p, keys);
		if (!v[i]) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	}
	qsort(v, np, sizeof(*v), cmp_str);
	*cnt = np;
	return v;
}

static void free_strs(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A node added or removed (text NULL), or a node's property changes. */
struct dline {
	const char *key;
	char *text;
	md_node_t node;
	int added;
};

static int cmp_dline(const void *x, const void *y)
{
	return strcmp(((const struct dline *)x)->key, ((const struct dline *)y)->key);
}

static int cmd_diff(int argc, char **argv)
{
	if (wants_help(argc, argv) || argc != 3) {
		fprintf(wants_help(argc, argv) ? stdout : stderr,
		        "usage: ldomsim md diff A B\n"
		        "Compare two MD generations: the strands added and removed first, then\n"
		        "nodes added/removed and properties/arcs changed, nodes identified by\n"
		        "name and id (cpu, socket) or by level/type and lowest strand served.\n"
		        "Exit 0 when they describe the same thing, 1 when they differ, 2 on\n"
		        "unusable input.\n");
		return wants_help(argc, argv) ? 0 : 2;
	}
	struct md *a = NULL, *b = NULL;
	struct nkey *ka = NULL, *kb = NULL;
	char **oa = NULL, **ob = NULL;
	uint32_t *ia = NULL, *ib = NULL;
	int rc = 2, changes = 0;
	struct sbuf chg = {0}; /* property/arc changes, printed after nodes added/removed */
	if (load("diff", argv[1], &a) || load("diff", argv[2], &b))
		goto out;
	size_t na, nb;
	ia = strand_ids(a, &na);
	ib = strand_ids(b, &nb);
	ka = make_keys(a, &oa);
	kb = make_keys(b, &ob);
	if (!ia || !ib || !ka || !kb)
		goto oom;
	/* Strands. */
	uint32_t *add = malloc((nb ? nb : 1) * sizeof(*add)),
	         *rem = malloc((na ? na : 1) * sizeof(*rem));
	size_t nadd = 0, nrem = 0;
	if (!add || !rem) {
		free(add);
		free(rem);
		goto oom;
	}
	for (size_t i = 0, j = 0; i < na || j < nb;) {
		if (j == nb || (i < na && ia[i] < ib[j]))
			rem[nrem++] = ia[i++];
		else if (i == na || ib[j] < ia[i])
			add[nadd++] = ib[j++];
		else
			i++, j++;
	}
	char *ls = cpulist_str(rem, nrem), *la = cpulist_str(add, nadd);
	if (nrem)
		printf("strands removed (%zu): %s\n", nrem, ls ? ls : "?");
	if (nadd)
		printf("strands added (%zu): %s\n", nadd, la ? la : "?");
	changes += nrem || nadd;
	free(ls);
	free(la);
	free(add);
	free(rem);
	/* Nodes: matched by key through a hash table of B's, O(nodes); only
	 * the differences are sorted (by key, the order the output keeps). */
	size_t ma = md_node_count(a), mb = md_node_count(b), nline = 0, nrec = 0;
	struct keytab tb = {0};
	uint8_t *matched = calloc(mb ? mb : 1, 1);
	struct dline *lines = malloc((ma + mb + 1) * sizeof(*lines));
	struct dline *recs = malloc((ma + 1) * sizeof(*recs));
	if (!matched || !lines || !recs || keytab_init(&tb, mb)) {
		free(matched);
		free(lines);
		free(recs);
		keytab_free(&tb);
		goto oom;
	}
	for (size_t j = 0; j < mb; j++) {
		size_t slot = keytab_slot(&tb, kb[j].key);
		tb.key[slot] = kb[j].key;
		tb.val[slot] = j;
	}
	int failed = 0;
	for (size_t i = 0; i < ma && !failed; i++) {
		size_t slot = keytab_slot(&tb, ka[i].key);
		if (!tb.key[slot]) {
			lines[nline++] = (struct dline){ka[i].key, NULL, ka[i].node, 0};
			changes++;
			continue;
		}
		size_t j = tb.val[slot], pa, pb;
		matched[j] = 1;
		char **sa = node_props(a, ka[i].node, oa, &pa);
		char **sb = node_props(b, kb[j].node, ob, &pb);
		struct sbuf one = {0};
		if (!sa || !sb) {
			failed = 1;
		} else {
			for (size_t x = 0, y = 0; x < pa || y < pb;) {
				int d = x == pa ? 1 : y == pb ? -1 : strcmp(sa[x], sb[y]);
				if (d < 0)
					sb_addf(&one, "changed: %s: - %s\n", ka[i].key, sa[x++]);
				else if (d > 0)
					sb_addf(&one, "changed: %s: + %s\n", kb[j].key, sb[y++]);
				else {
					x++;
					y++;
					continue;
				}
				changes++;
			}
		}
		free_strs(sa, pa);
		free_strs(sb, pb);
		if (one.oom)
			failed = 1;
		if (one.len)
			recs[nrec++] = (struct dline){ka[i].key, one.s, 0, 0};
		else
			free(one.s);
	}
	for (size_t j = 0; j < mb && !failed; j++)
		if (!matched[j]) {
			lines[nline++] = (struct dline){kb[j].key, NULL, kb[j].node, 1};
			changes++;
		}
	if (!failed) {
		qsort(lines, nline, sizeof(*lines), cmp_dline);
		for (size_t x = 0; x < nline; x++)
			printf("node %s: %s (@%u)\n", lines[x].added ? "added" : "removed",
			       lines[x].key, lines[x].node);
		qsort(recs, nrec, sizeof(*recs), cmp_dline);
		for (size_t x = 0; x < nrec; x++)
			sb_addf(&chg, "%s", recs[x].text);
	}
	for (size_t x = 0; x < nrec; x++)
		free(recs[x].text);
	free(recs);
	free(lines);
	free(matched);
	keytab_free(&tb);
	if (failed)
		goto oom;
	if (chg.oom)
		goto oom;
	if (chg.len)
		fputs(chg.s, stdout);
	if (!changes)
		printf("no differences\n");
	rc = changes ? 1 : 0;
	goto out;
oom:
	fprintf(stderr, "ldomsim md diff: out of memory\n");
	rc = 2;
out:
	if (a)
		free_keys(ka, md_node_count(a));
	if (b)
		free_keys(kb, md_node_count(b));
	free(chg.s);
	free(oa);
	free(ob);
	free(ia);
	free(ib);
	md_free(a);
	md_free(b);
	return rc;
}

/* ---- gen -------------------------------------------------------------- */

static int cmd_gen(int argc, char **argv)
{
	const char *shape = NULL, *present = NULL, *outp = NULL;
	if (wants_help(argc, argv)) {
		printf("usage: ldomsim md gen --shape NAME [--present LIST|N] -o FILE\n"
		       "Generate the MD of a domain on a machine shape: t2, t4-4, t5-8, m7-16,\n"
		       "m8-8 or param:SOCKETSxCORESxSTRANDS[@GHz]. --present gives the strands\n"
		       "the domain owns, as a list (0-55,60) or a count N (strands 0..N-1);\n"
		       "default: all. Output is byte-identical for the same arguments.\n");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--shape") && i + 1 < argc)
			shape = argv[++i];
		else if (!strcmp(argv[i], "--present") && i + 1 < argc)
			present = argv[++i];
		else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			outp = argv[++i];
		else {
			fprintf(stderr, "ldomsim md gen: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!shape || !outp) {
		fprintf(stderr, "usage: ldomsim md gen --shape NAME [--present LIST|N] -o FILE\n");
		return 2;
	}
	struct md_shape *s = NULL;
	struct md_err e;
	struct md_buf buf = {0};
	uint32_t *ids = NULL;
	size_t n = 0;
	int rc = 2;
	if (md_shape_get(shape, &s, &e) ||
	    (present && md_parse_cpulist(present, md_shape_strands(s), 1, &ids, &n, &e)) ||
	    md_gen(s, ids, present ? n : 0, &buf, &e) || md_buf_write_file(&buf, outp, &e)) {
		fprintf(stderr, "ldomsim md gen: %s\n", e.msg);
		goto out;
	}
	rc = 0;
out:
	md_buf_free(&buf);
	free(ids);
	md_shape_free(s);
	return rc;
}

/* ---- topo ------------------------------------------------------------- */

static const char *const map_names[4] = {"cpu_sibling_map", "cpu_core_map", "cpu_core_sib_map",
                                         "cpu_core_sib_cache_map"};

static int cmd_topo(int argc, char **argv)
{
	int json = 0;
	const char *file = NULL;
	if (wants_help(argc, argv)) {
		printf("usage: ldomsim md topo FILE [--json]\n"
		       "The topology Linux 6.1 derives from this MD (computed on the host,\n"
		       "independently of the guest): per strand core_id, proc_id, sock_id,\n"
		       "max_cache_id, and the sibling maps cpu_sibling_map (same proc_id),\n"
		       "cpu_core_map (same core_id), cpu_core_sib_map (same sock_id) and\n"
		       "cpu_core_sib_cache_map (same max_cache_id) as cpu lists.\n");
		return 0;
	}
	if (file_and_json("topo", argc, argv, &file, &json))
		return 2;
	struct md *md;
	struct md_topo *t = NULL;
	struct md_err e;
	if (load("topo", file, &md))
		return 2;
	if (md_topo_compute(md, &t, &e)) {
		fprintf(stderr, "ldomsim md topo: %s: %s\n", file, e.msg);
		md_free(md);
		return 2;
	}
	int rc = 2;
	json_t *arr = json ? json_array() : NULL;
	if (json && !arr)
		goto oom;
	if (!json)
		printf("%5s %5s %5s %5s %5s  %s\n", "cpu", "core", "proc", "sock", "cache",
		       "sibling | core | core_sib | core_sib_cache");
	for (size_t i = 0; i < md_topo_cpu_count(t); i++) {
		uint32_t c = md_topo_cpus(t)[i];
		char *lists[4] = {0};
		int bad = 0;
		for (int m = 0; m < 4; m++) {
			const uint32_t *ids;
			size_t n = md_topo_siblings(t, c, (enum md_topo_map)m, &ids);
			lists[m] = cpulist_str(ids, n);
			bad |= !lists[m];
		}
		if (!bad && json) {
			json_t *o = json_pack(
			    "{s:i,s:i,s:i,s:i,s:i,s:s,s:s,s:s,s:s}", "cpu", (int)c, "core_id",
			    md_topo_core_id(t, c), "proc_id", md_topo_proc_id(t, c), "sock_id",
			    md_topo_sock_id(t, c), "max_cache_id", md_topo_max_cache_id(t, c),
			    map_names[0], lists[0], map_names[1], lists[1], map_names[2], lists[2],
			    map_names[3], lists[3]);
			bad = !o || json_array_append_new(arr, o);
		} else if (!bad) {
			printf("%5u %5d %5d %5d %5d  %s | %s | %s | %s\n", c, md_topo_core_id(t, c),
			       md_topo_proc_id(t, c), md_topo_sock_id(t, c),
			       md_topo_max_cache_id(t, c), lists[0], lists[1], lists[2], lists[3]);
		}
		for (int m = 0; m < 4; m++)
			free(lists[m]);
		if (bad)
			goto oom;
	}
	if (json) {
		json_t *o = json_pack("{s:s,s:i,s:o}", "file", file, "strands",
		                      (int)md_topo_cpu_count(t), "cpus", arr);
		arr = NULL;
		rc = print_json(o);
	} else {
		rc = 0;
	}
	goto out;
oom:
	fprintf(stderr, "ldomsim md topo: out of memory\n");
	rc = 2;
out:
	json_decref(arr);
	md_topo_free(t);
	md_free(md);
	return rc;
}

/* ---- dispatcher ------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: ldomsim md SUBCOMMAND ...\n\n"
	           "  check FILE...                 validate machine descriptions\n"
	           "  dump FILE                     print the MD as an indented tree\n"
	           "  stat FILE [--json]            strands, cores, sockets, caches\n"
	           "  diff A B                      what changed between two generations\n"
	           "  gen --shape NAME [--present LIST|N] -o FILE   generate an MD\n"
	           "  topo FILE [--json]            host-side topology (Linux 6.1 semantics)\n\n"
	           "Exit: 0 ok (diff: identical), 1 a finding (diff: differ; check: invalid),\n"
	           "2 usage or unusable input. 'ldomsim md SUBCOMMAND --help' for details.\n");
}

int md_cmd_main(int argc, char **argv)
{
	static const struct cli_cmd subs[] = {{"check", NULL, cmd_check}, {"dump", NULL, cmd_dump},
	                                      {"stat", NULL, cmd_stat},   {"diff", NULL, cmd_diff},
	                                      {"gen", NULL, cmd_gen},     {"topo", NULL, cmd_topo}};
	return cli_dispatch("ldomsim md", "subcommand", subs, sizeof subs / sizeof subs[0], usage,
	                    argc, argv);
}
