/*
 * ldomsim — machine shapes of real sun4v systems and the MD generator.
 *
 * Sources of the figures (public documents):
 *  [T2]  UltraSPARC T2: 8 cores x 8 strands, two integer execution units
 *        per core (4 strands each), L1 I 16 KB 8-way, L1 D 8 KB 4-way per
 *        core, L2 4 MB 16-way shared, 64-byte lines: Sun "OpenSPARC T2 Core
 *        Microarchitecture Specification" and Clemson CPSC 330 notes on the
 *        T1/T2 (people.computing.clemson.edu/~mark/330/sun_t1.txt).
 *        1.4 GHz: Sun SPARC Enterprise T5220 at 1.4 GHz.
 *  [T4]  SPARC T4 (S3 core): 8 cores x 8 strands per socket, L1 I and D
 *        16 KB per core, L2 128 KB per core, L3 4 MB shared per socket;
 *        SPARC T4-4: 4 sockets at 3.0 GHz (Oracle SPARC T4-4 data sheet).
 *  [T5]  SPARC T5: 16 cores x 8 strands, same core and L2 as T4, L3 8 MB per
 *        socket; SPARC T5-8: 8 sockets at 3.6 GHz (Oracle T5-8 data sheet).
 *  [M7]  SPARC M7 (S4 core): 32 cores x 8 strands at 4.13 GHz; L1 I and D
 *        16 KB per core; four cores (a "SPARC cache cluster") share a 256 KB
 *        L2 I, each core pair a 256 KB 8-way L2 D; each cluster has an 8 MB
 *        8-way L3 partition, 8 partitions = 64 MB per socket (P. Li et al.,
 *        "A 20nm 32-Core 64MB L3 cache SPARC M7 processor", ISSCC 2015,
 *        paper 4.2; Hot Chips 26 summary at hpc2go.wordpress.com, 2014-08-21).
 *        SPARC M7-16: 16 sockets.
 *  [M8]  SPARC M8: 32 cores x 8 strands at 5.0 GHz, 32 KB L1 I and 16 KB L1 D
 *        per core, 64 MB L3 organised as two 32 MB partitions of 16 cores
 *        (N. Flaherty, "A deep dive into Oracle's latest SPARC processor",
 *        embeddedblog, 2017-09-20). The L2 split (128 KB I per 4 cores,
 *        256 KB D per core pair) follows Oracle's M8 data sheet as we recall
 *        it: not re-checked. SPARC M8-8: 8 sockets.
 * Not from a document (modelling assumptions, documented as such):
 *  - %stick: 1 GHz on T4 and later (the value Linux prints as
 *    "stick-frequency [3b9aca00]" on those systems); the core clock on T2.
 *  - default CPI per strand (the simulator's timing model, not a measured
 *    figure): T2 1.5 (in-order, single issue), T4/T5/M7 1.0, M8 0.8.
 *  - one integer exec-unit node per core on the S3/S4 cores (all 8 strands
 *    share the core's pipelines dynamically), two (4 strands each) on T2.
 *  - line sizes and associativities not stated above: 32-byte L1 D lines,
 *    64-byte elsewhere, 4-way L1, 8-way L2, 16-way L3.
 *
 * MD layout of a generated domain (the way hypervisor MDs link nodes):
 *   root -fwd-> platform, cpus, sockets (each with a `back` to root)
 *   cpus -fwd-> cpu (cpu -back-> cpus)
 *   cpu -fwd-> its core's level-1 caches and its exec-unit
 *   cache L(n) -fwd-> the L(n+1) caches that contain it (by kind: an
 *     instruction cache feeds instruction or unified caches, data feeds data
 *     or unified); every `fwd` has its `back`; L1 -back-> its cpus
 *   exec-unit -back-> its cpus (Linux reads proc ids from these `back`s)
 *   sockets -fwd-> socket -fwd-> its cpus (T4 and later)
 * Only the strands present in the domain get cpu nodes, and only the
 * caches, exec units and sockets serving at least one present strand exist.
 * Node order: root, platform, cpus, cpu (ascending id), caches (in the shape
 * table's order, instances ascending), exec-units, sockets, socket.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/md_shape.h"
#include "util/stats.h"

#define KB 1024ull
#define MB (1024ull * 1024ull)

struct md_shape {
	char name[64];
	const char *platform;   /* platform `name` */
	const char *banner;     /* platform `banner-name` */
	const char *compatible; /* cpu `compatible` */
	const char *hwcaps;     /* cpu `hwcap-list`, space-separated here */
	uint32_t sockets, cores, strands, eu_per_core;
	uint64_t clock_hz, stick_hz;
	double cpi;
	int has_sockets;
	uint32_t va_bits;
	uint64_t pgsz_mask; /* mmu-page-size-list: HV page size bits */
	size_t ncache;
	struct md_shape_cache cache[MD_SHAPE_MAX_CACHES];
	struct md_shape_mem mem;
};

/* HV page-size mask bits: 8K 0, 64K 1, 512K 2, 4M 3, 32M 4, 256M 5, 2G 6, 16G 7. */
#define PGSZ_T2 0x2bull /* 8K 64K 4M 256M */
#define PGSZ_T4 0xebull /* + 2G 16G */

/* cpu `hwcap-list` (the names of the kernel's hwcaps[]/crypto_hwcaps[]):
 * UltraSPARC T2 has POPC but no PAUSE; SPARC T4 and later add FMAF, VIS3,
 * HPC, PAUSE, CBCOND and the crypto opcodes (asm/backoff.h: pause from
 * SPARC-T4). The kernel applies popc_patch()/pause_patch() from these. */
#define HWCAPS_T2 "mul32 div32 fsmuld v8plus popc vis vis2 ASIBlkInit"
#define HWCAPS_T4                                                                                  \
	HWCAPS_T2 " fmaf vis3 hpc pause cbcond aes des kasumi camellia md5 sha1 "                  \
	          "sha256 sha512 mpmul montmul montsqr crc32c"

/* Cache geometry (size/line/ways/cores sharing) and latencies, with what
 * they rest on (the survey is summarised in bench/TIMING.md, "Memory"):
 * - L1 hit cycles: GCC's SPARC pipeline models (gcc/config/sparc/
 *   niagara2.md 3, niagara4.md 5 for T4 and T5, niagara7.md 5, m8.md 3).
 * - T2 geometry: Sun Studio 12u2 C User's Guide, -xcache for ultraT2
 *   (8/16/4:4096/64/16); L1I 16K/32/8 and the banked L2: Shah et al.,
 *   "UltraSPARC T2", IEEE A-SSCC 2007. L1D write-through without
 *   write-allocate, L2 write-back (OpenSPARC T2 core specification).
 * - T4/T5: Hot Chips 23 (2011) T4 talk, Shin et al., A-SSCC 2012; T5 L3
 *   8 MB/16 cores: Oracle's T5 server architecture white paper (2013).
 * - M7: Li et al., ISSCC 2015 (32 cores, 64 MB L3 in 8 partitions of 4
 *   cores); L2D per core pair, L2I per 4 cores: Hot Chips 2014 "Oracle's
 *   Next Generation SPARC Cache Hierarchy".
 * - M8: Oracle's 2017 launch description (32K L1I, 16K L1D, L3 2 x 32 MB
 *   partitions of 16 cores).
 * - L2, L3 and memory latencies: no published figure was found for these
 *   chips; they are estimates from the chips' generation and clock
 *   (marked "est."), to be overridden with --set l2_cycles=... etc. */
/* clang-format off */
#define C(l, k, sz, ls, as, sh) {l, k, sz, ls, as, sh}
/* l1, l2, l3 cycles; memory ns */
#define MEM(a, b, c, d) {a, b, c, d}
static const struct md_shape builtin[] = {
	{
		.name = "t2",
		.platform = "SUNW,SPARC-Enterprise-T5220",
		.banner = "SPARC Enterprise T5220",
		.compatible = "SUNW,UltraSPARC-T2", .hwcaps = HWCAPS_T2,
		.sockets = 1, .cores = 8, .strands = 8, .eu_per_core = 2,
		.clock_hz = 1400000000ull, .stick_hz = 1400000000ull, .cpi = 1.5,
		.has_sockets = 0, .va_bits = 48, .pgsz_mask = PGSZ_T2,
		.ncache = 3,
		.cache = {C(1, MD_CACHE_INSTN, 16 * KB, 32, 8, 1),
			  C(1, MD_CACHE_DATA, 8 * KB, 16, 4, 1),
			  C(2, MD_CACHE_UNIFIED, 4 * MB, 64, 16, 8)},
		.mem = MEM(3, 22, 0, 110), /* L2, memory: est. */
	},
	{
		.name = "t4-4",
		.platform = "ORCL,SPARC-T4-4",
		.banner = "SPARC T4-4",
		.compatible = "SUNW,SPARC-T4", .hwcaps = HWCAPS_T4,
		.sockets = 4, .cores = 8, .strands = 8, .eu_per_core = 1,
		.clock_hz = 3000000000ull, .stick_hz = 1000000000ull, .cpi = 1.0,
		.has_sockets = 1, .va_bits = 52, .pgsz_mask = PGSZ_T4,
		.ncache = 4,
		.cache = {C(1, MD_CACHE_INSTN, 16 * KB, 32, 4, 1),
			  C(1, MD_CACHE_DATA, 16 * KB, 32, 4, 1),
			  C(2, MD_CACHE_UNIFIED, 128 * KB, 64, 8, 1),
			  C(3, MD_CACHE_UNIFIED, 4 * MB, 64, 16, 8)},
		.mem = MEM(5, 13, 40, 110), /* L2, L3, memory: est. */
	},
	{
		.name = "t5-8",
		.platform = "ORCL,SPARC-T5-8",
		.banner = "SPARC T5-8",
		.compatible = "SUNW,SPARC-T5", .hwcaps = HWCAPS_T4,
		.sockets = 8, .cores = 16, .strands = 8, .eu_per_core = 1,
		.clock_hz = 3600000000ull, .stick_hz = 1000000000ull, .cpi = 1.0,
		.has_sockets = 1, .va_bits = 52, .pgsz_mask = PGSZ_T4,
		.ncache = 4,
		.cache = {C(1, MD_CACHE_INSTN, 16 * KB, 32, 4, 1),
			  C(1, MD_CACHE_DATA, 16 * KB, 32, 4, 1),
			  C(2, MD_CACHE_UNIFIED, 128 * KB, 64, 8, 1),
			  C(3, MD_CACHE_UNIFIED, 8 * MB, 64, 16, 16)},
		.mem = MEM(5, 13, 45, 110), /* L2, L3, memory: est. */
	},
	{
		.name = "m7-16",
		.platform = "ORCL,SPARC-M7-16",
		.banner = "SPARC M7-16",
		.compatible = "ORCL,SPARC-M7", .hwcaps = HWCAPS_T4,
		.sockets = 16, .cores = 32, .strands = 8, .eu_per_core = 1,
		.clock_hz = 4130000000ull, .stick_hz = 1000000000ull, .cpi = 1.0,
		.has_sockets = 1, .va_bits = 54, .pgsz_mask = PGSZ_T4,
		.ncache = 5,
		.cache = {C(1, MD_CACHE_INSTN, 16 * KB, 64, 4, 1),
			  C(1, MD_CACHE_DATA, 16 * KB, 32, 4, 1),
			  C(2, MD_CACHE_INSTN, 256 * KB, 64, 4, 4),
			  C(2, MD_CACHE_DATA, 256 * KB, 64, 8, 2),
			  C(3, MD_CACHE_UNIFIED, 8 * MB, 64, 8, 4)},
		.mem = MEM(5, 14, 35, 115), /* L2, L3, memory: est. */
	},
	{
		.name = "m8-8",
		.platform = "ORCL,SPARC-M8-8",
		.banner = "SPARC M8-8",
		.compatible = "ORCL,SPARC-M8", .hwcaps = HWCAPS_T4,
		.sockets = 8, .cores = 32, .strands = 8, .eu_per_core = 1,
		.clock_hz = 5000000000ull, .stick_hz = 1000000000ull, .cpi = 0.8,
		.has_sockets = 1, .va_bits = 54, .pgsz_mask = PGSZ_T4,
		.ncache = 5,
		.cache = {C(1, MD_CACHE_INSTN, 32 * KB, 64, 8, 1),
			  C(1, MD_CACHE_DATA, 16 * KB, 32, 4, 1),
			  C(2, MD_CACHE_INSTN, 128 * KB, 64, 4, 4),
			  C(2, MD_CACHE_DATA, 256 * KB, 64, 8, 2),
			  C(3, MD_CACHE_UNIFIED, 32 * MB, 64, 16, 16)},
		.mem = MEM(3, 14, 45, 115), /* L2, L3, memory: est. */
	},
};

/* The parametric shape: a T5-like core and cache hierarchy; the L3 is
 * shared by all cores of a socket (cores_sharing 0). */
static const struct md_shape param_template = {
	.name = "param",
	.platform = "ldomsim,param",
	.banner = "ldomsim parametric machine",
	.compatible = "SUNW,SPARC-T5", .hwcaps = HWCAPS_T4,
	.sockets = 1, .cores = 1, .strands = 1, .eu_per_core = 1,
	.clock_hz = 3000000000ull, .stick_hz = 1000000000ull, .cpi = 1.0,
	.has_sockets = 1, .va_bits = 52, .pgsz_mask = PGSZ_T4,
	.ncache = 4,
	.cache = {C(1, MD_CACHE_INSTN, 16 * KB, 32, 4, 1),
		  C(1, MD_CACHE_DATA, 16 * KB, 32, 4, 1),
		  C(2, MD_CACHE_UNIFIED, 128 * KB, 64, 8, 1),
		  C(3, MD_CACHE_UNIFIED, 8 * MB, 64, 16, 0)},
	.mem = MEM(5, 13, 45, 110), /* as T5 */
};
#undef C
#undef MEM

/* clang-format on */

static const char *const shape_names[] = {"t2", "t4-4", "t5-8", "m7-16", "m8-8", NULL};

const char *const *md_shape_names(void)
{
	return shape_names;
}

static enum md_status shape_err(struct md_err *err, enum md_status code, const char *fmt,
                                const char *a)
{
	if (err) {
		err->code = code;
		err->elem = MD_NO_ELEM;
		snprintf(err->msg, sizeof(err->msg), fmt, a);
	}
	return code;
}

static int parse_u32(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
		s++;
	}
	*p = s;
	*out = (uint32_t)v;
	return 0;
}

static enum md_status parse_param(const char *name, struct md_shape *s, struct md_err *err)
{
	const char *p = name + strlen("param:");
	uint32_t so, co, st;
	*s = param_template;
	if (parse_u32(&p, &so) || *p++ != 'x' || parse_u32(&p, &co) || *p++ != 'x' ||
	    parse_u32(&p, &st))
		return shape_err(err, MD_ERR_SHAPE,
		                 "shape '%s': expected param:SOCKETSxCORESxSTRANDS[@GHz]", name);
	if (*p == '@') {
		char *end;
		errno = 0;
		double ghz = strtod(p + 1, &end);
		if (end == p + 1 || *end || errno || !(ghz >= 0.001 && ghz <= 100.0))
			return shape_err(err, MD_ERR_SHAPE,
			                 "shape '%s': clock after '@' must be 0.001 to 100 GHz",
			                 name);
		s->clock_hz = (uint64_t)llround(ghz * 1e9);
	} else if (*p) {
		return shape_err(err, MD_ERR_SHAPE,
		                 "shape '%s': expected param:SOCKETSxCORESxSTRANDS[@GHz]", name);
	}
	if (!so || !co || !st || (uint64_t)so * co * st > MD_SHAPE_MAX_STRANDS)
		return shape_err(err, MD_ERR_SHAPE,
		                 "shape '%s': each count must be >= 1 and the product <= 4096",
		                 name);
	s->sockets = so;
	s->cores = co;
	s->strands = st;
	s->cache[3].cores_sharing = co;
	return MD_OK;
}

enum md_status md_shape_get(const char *name, struct md_shape **out, struct md_err *err)
{
	if (!name || !out)
		return shape_err(err, MD_ERR_ARG, "%s", "md_shape_get: invalid argument");
	*out = NULL;
	if (strlen(name) >= sizeof(((struct md_shape *)0)->name))
		return shape_err(err, MD_ERR_SHAPE, "shape '%.64s...': name too long", name);
	struct md_shape *s = malloc(sizeof(*s));
	if (!s)
		return shape_err(err, MD_ERR_NOMEM, "%s", "out of memory");
	if (!strncmp(name, "param:", 6)) {
		enum md_status rc = parse_param(name, s, err);
		if (rc) {
			free(s);
			return rc;
		}
	} else {
		size_t i;
		for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			if (!strcmp(builtin[i].name, name))
				break;
		if (i == sizeof(builtin) / sizeof(builtin[0])) {
			free(s);
			return shape_err(err, MD_ERR_SHAPE,
			                 "unknown shape '%s' (t2, t4-4, t5-8, m7-16, m8-8, "
			                 "param:SxCxT[@GHz])",
			                 name);
		}
		*s = builtin[i];
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	*out = s;
	return MD_OK;
}

void md_shape_free(struct md_shape *s)
{
	free(s);
}

const char *md_shape_name(const struct md_shape *s)
{
	return s->name;
}
const char *md_shape_platform(const struct md_shape *s)
{
	return s->platform;
}
uint32_t md_shape_sockets(const struct md_shape *s)
{
	return s->sockets;
}
uint32_t md_shape_cores_per_socket(const struct md_shape *s)
{
	return s->cores;
}
uint32_t md_shape_strands_per_core(const struct md_shape *s)
{
	return s->strands;
}
uint32_t md_shape_strands(const struct md_shape *s)
{
	return s->sockets * s->cores * s->strands;
}
uint32_t md_shape_exec_units_per_core(const struct md_shape *s)
{
	return s->eu_per_core;
}
uint64_t md_shape_clock_hz(const struct md_shape *s)
{
	return s->clock_hz;
}
uint64_t md_shape_stick_hz(const struct md_shape *s)
{
	return s->stick_hz;
}
double md_shape_cpi(const struct md_shape *s)
{
	return s->cpi;
}
int md_shape_has_sockets(const struct md_shape *s)
{
	return s->has_sockets;
}
const struct md_shape_mem *md_shape_mem(const struct md_shape *s)
{
	return &s->mem;
}

size_t md_shape_cache_count(const struct md_shape *s)
{
	return s->ncache;
}
const struct md_shape_cache *md_shape_cache(const struct md_shape *s, size_t i)
{
	return i < s->ncache ? &s->cache[i] : NULL;
}

/* ---- strand lists ----------------------------------------------------- */

enum md_status md_parse_cpulist(const char *s, uint32_t max, int count_ok, uint32_t **ids,
                                size_t *n, struct md_err *err)
{
	uint32_t *v = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = s;
	if (!s || !ids || !n)
		return shape_err(err, MD_ERR_ARG, "%s", "md_parse_cpulist: invalid argument");
	*ids = NULL;
	*n = 0;
	int bare = *s != '\0';
	for (const char *q = s; *q; q++)
		if (!isdigit((unsigned char)*q))
			bare = 0;
	if (bare && count_ok) {
		uint32_t k;
		if (parse_u32(&p, &k) || k > max)
			return shape_err(err, MD_ERR_PRESENT,
			                 "present '%s': count larger than the machine", s);
		v = malloc((k ? k : 1) * sizeof(*v));
		if (!v)
			return shape_err(err, MD_ERR_NOMEM, "%s", "out of memory");
		for (uint32_t i = 0; i < k; i++)
			v[i] = i;
		*ids = v;
		*n = k;
		return MD_OK;
	}
	if (!*p)
		goto syntax;
	while (*p) {
		uint32_t a, b;
		if (parse_u32(&p, &a))
			goto syntax;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_u32(&p, &b) || b < a)
				goto syntax;
		}
		if (b >= max) {
			free(v);
			if (err) {
				err->code = MD_ERR_PRESENT;
				err->elem = MD_NO_ELEM;
				snprintf(err->msg, sizeof(err->msg),
				         "present '%.200s': strand %u is not below %u", s, b, max);
			}
			return MD_ERR_PRESENT;
		}
		for (uint64_t i = a; i <= b; i++) {
			if (cnt == cap) {
				size_t nc = cap ? cap * 2 : 64;
				uint32_t *nv = realloc(v, nc * sizeof(*nv));
				if (!nv) {
					free(v);
					return shape_err(err, MD_ERR_NOMEM, "%s", "out of memory");
				}
				v = nv;
				cap = nc;
			}
			v[cnt++] = (uint32_t)i;
		}
		if (*p == ',')
			p++;
		else if (*p)
			goto syntax;
	}
	qsort(v, cnt, sizeof(*v), util_cmp_u32);
	for (size_t i = 1; i < cnt; i++)
		if (v[i] == v[i - 1]) {
			if (err) {
				err->code = MD_ERR_PRESENT;
				err->elem = MD_NO_ELEM;
				snprintf(err->msg, sizeof(err->msg),
				         "present '%.200s': strand %u listed twice", s, v[i]);
			}
			free(v);
			return MD_ERR_PRESENT;
		}
	*ids = v;
	*n = cnt;
	return MD_OK;
syntax:
	free(v);
	return shape_err(err, MD_ERR_PRESENT,
	                 "present '%.200s': expected a list like 0-55,60 or a count", s);
}

/* ---- generator -------------------------------------------------------- */

/* Instances of cache description c: per socket ceil(cores / sharing). */
static uint32_t cache_sharing(const struct md_shape *s, size_t c)
{
	uint32_t k = s->cache[c].cores_sharing;
	return k == 0 || k > s->cores ? s->cores : k;
}

static uint32_t cache_per_socket(const struct md_shape *s, size_t c)
{
	uint32_t k = cache_sharing(s, c);
	return (s->cores + k - 1) / k;
}

/* Instance of cache c serving global core g. */
static uint32_t cache_inst(const struct md_shape *s, size_t c, uint32_t g)
{
	return (g / s->cores) * cache_per_socket(s, c) + (g % s->cores) / cache_sharing(s, c);
}

static const char *cache_type(enum md_cache_kind k, size_t *len)
{
	switch (k) {
	case MD_CACHE_INSTN:
		*len = sizeof("instn");
		return "instn";
	case MD_CACHE_DATA:
		*len = sizeof("data");
		return "data";
	default:
		*len = sizeof("instn\0data");
		return "instn\0data";
	}
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) != MD_OK)                                                           \
			goto fail;                                                                 \
	} while (0)

enum md_status md_gen(const struct md_shape *s, const uint32_t *present, size_t n,
                      struct md_buf *out, struct md_err *err)
{
	enum md_status rc = MD_OK;
	struct md_builder *b = NULL;
	uint8_t *is_present = NULL;
	uint8_t *core_used = NULL;
	md_bnode_t *cpu_node = NULL, *cache_node[MD_SHAPE_MAX_CACHES] = {0}, *eu_node = NULL;
	if (!s || !out || (!present && n))
		return shape_err(err, MD_ERR_ARG, "%s", "md_gen: invalid argument");
	out->data = NULL;
	out->len = 0;
	const uint32_t total = md_shape_strands(s);
	const uint32_t ncores = s->sockets * s->cores;
	is_present = calloc(total, 1);
	core_used = calloc(ncores, 1);
	cpu_node = calloc(total, sizeof(*cpu_node));
	eu_node = calloc((size_t)ncores * s->eu_per_core, sizeof(*eu_node));
	if (!is_present || !core_used || !cpu_node || !eu_node)
		goto nomem;
	if (!present) {
		memset(is_present, 1, total);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (present[i] >= total) {
				rc = MD_ERR_PRESENT;
				if (err) {
					err->code = rc;
					err->elem = MD_NO_ELEM;
					snprintf(err->msg, sizeof(err->msg),
					         "shape '%s': present strand %u is not below %u",
					         s->name, present[i], total);
				}
				goto out;
			}
			if (is_present[present[i]]) {
				rc = MD_ERR_PRESENT;
				if (err) {
					err->code = rc;
					err->elem = MD_NO_ELEM;
					snprintf(err->msg, sizeof(err->msg),
					         "shape '%s': present strand %u listed twice",
					         s->name, present[i]);
				}
				goto out;
			}
			is_present[present[i]] = 1;
		}
	}
	for (uint32_t id = 0; id < total; id++)
		if (is_present[id])
			core_used[id / s->strands] = 1;

	/* hwcap-list: the names NUL-terminated one after another. */
	char hwcaps[256];
	size_t hwcaps_len = strlen(s->hwcaps) + 1;
	_Static_assert(sizeof HWCAPS_T4 <= sizeof hwcaps, "hwcap-list buffer");
	memcpy(hwcaps, s->hwcaps, hwcaps_len);
	for (size_t i = 0; i < hwcaps_len; i++)
		if (hwcaps[i] == ' ')
			hwcaps[i] = 0;

	TRY(md_builder_new(&b));
	md_bnode_t root, platform, cpus, sockets = 0;
	TRY(md_b_node(b, "root", &root));
	TRY(md_b_node(b, "platform", &platform));
	TRY(md_b_str(b, platform, "name", s->platform));
	TRY(md_b_str(b, platform, "banner-name", s->banner));
	TRY(md_b_u64(b, platform, "hostid", 0x84000000ull | (total & 0xffffffull)));
	TRY(md_b_u64(b, platform, "max-cpus", total));
	TRY(md_b_u64(b, platform, "stick-frequency", s->stick_hz));
	TRY(md_b_u64(b, platform, "watchdog-resolution", 1000));
	TRY(md_b_u64(b, platform, "watchdog-max-timeout", 31536000000ull));
	TRY(md_b_node(b, "cpus", &cpus));
	TRY(md_b_arc(b, root, "fwd", platform));
	TRY(md_b_arc(b, platform, "back", root));
	TRY(md_b_arc(b, root, "fwd", cpus));
	TRY(md_b_arc(b, cpus, "back", root));

	for (uint32_t id = 0; id < total; id++) {
		if (!is_present[id])
			continue;
		md_bnode_t c;
		TRY(md_b_node(b, "cpu", &c));
		cpu_node[id] = c;
		TRY(md_b_u64(b, c, "id", id));
		TRY(md_b_u64(b, c, "clock-frequency", s->clock_hz));
		TRY(md_b_str(b, c, "mmu-type", "sun4v"));
		TRY(md_b_str(b, c, "compatible", s->compatible));
		TRY(md_b_data(b, c, "hwcap-list", hwcaps, hwcaps_len));
		TRY(md_b_u64(b, c, "mmu-#context-bits", 13));
		TRY(md_b_u64(b, c, "mmu-#va-bits", s->va_bits));
		TRY(md_b_u64(b, c, "mmu-page-size-list", s->pgsz_mask));
		TRY(md_b_u64(b, c, "q-cpu-mondo-#bits", 7));
		TRY(md_b_u64(b, c, "q-dev-mondo-#bits", 7));
		TRY(md_b_u64(b, c, "q-resumable-#bits", 6));
		TRY(md_b_u64(b, c, "q-nonresumable-#bits", 2));
		TRY(md_b_arc(b, cpus, "fwd", c));
		TRY(md_b_arc(b, c, "back", cpus));
	}

	/* Caches, in table order, instances ascending. */
	for (size_t ci = 0; ci < s->ncache; ci++) {
		const struct md_shape_cache *cd = &s->cache[ci];
		uint32_t ninst = s->sockets * cache_per_socket(s, ci);
		cache_node[ci] = malloc((size_t)ninst * sizeof(md_bnode_t));
		if (!cache_node[ci])
			goto nomem;
		for (uint32_t k = 0; k < ninst; k++)
			cache_node[ci][k] = MD_NODE_NONE;
		for (uint32_t g = 0; g < ncores; g++) {
			uint32_t k = cache_inst(s, ci, g);
			if (!core_used[g] || cache_node[ci][k] != MD_NODE_NONE)
				continue;
			md_bnode_t cn;
			size_t tlen;
			const char *type = cache_type(cd->kind, &tlen);
			TRY(md_b_node(b, "cache", &cn));
			cache_node[ci][k] = cn;
			TRY(md_b_u64(b, cn, "level", cd->level));
			TRY(md_b_strn(b, cn, "type", type, tlen));
			TRY(md_b_u64(b, cn, "size", cd->size));
			TRY(md_b_u64(b, cn, "line-size", cd->line_size));
			TRY(md_b_u64(b, cn, "associativity", cd->associativity));
		}
	}
	/* cpu -> L1 and L1 -> cpu arcs. */
	for (uint32_t id = 0; id < total; id++) {
		if (!is_present[id])
			continue;
		uint32_t g = id / s->strands;
		for (size_t ci = 0; ci < s->ncache; ci++) {
			if (s->cache[ci].level != 1)
				continue;
			md_bnode_t cn = cache_node[ci][cache_inst(s, ci, g)];
			TRY(md_b_arc(b, cpu_node[id], "fwd", cn));
			TRY(md_b_arc(b, cn, "back", cpu_node[id]));
		}
	}
	/* L(n) -> L(n+1): a child instance links to each parent instance of the
	 * next level that serves its cores and whose kind covers its kind. */
	for (size_t ci = 0; ci < s->ncache; ci++) {
		uint32_t ninst = s->sockets * cache_per_socket(s, ci);
		for (uint32_t k = 0; k < ninst; k++) {
			md_bnode_t child = cache_node[ci][k];
			if (child == MD_NODE_NONE)
				continue;
			uint32_t g = (k / cache_per_socket(s, ci)) * s->cores +
			             (k % cache_per_socket(s, ci)) * cache_sharing(s, ci);
			for (size_t pi = 0; pi < s->ncache; pi++) {
				if (s->cache[pi].level != s->cache[ci].level + 1 ||
				    !(s->cache[pi].kind & s->cache[ci].kind))
					continue;
				md_bnode_t parent = cache_node[pi][cache_inst(s, pi, g)];
				TRY(md_b_arc(b, child, "fwd", parent));
				TRY(md_b_arc(b, parent, "back", child));
			}
		}
	}
	/* Exec units. */
	uint32_t per_eu = (s->strands + s->eu_per_core - 1) / s->eu_per_core;
	for (uint32_t g = 0; g < ncores; g++) {
		if (!core_used[g])
			continue;
		for (uint32_t e = 0; e < s->eu_per_core; e++) {
			int any = 0;
			for (uint32_t t = e * per_eu; t < (e + 1) * per_eu && t < s->strands; t++)
				any |= is_present[g * s->strands + t];
			if (!any)
				continue;
			md_bnode_t eu;
			TRY(md_b_node(b, "exec-unit", &eu));
			eu_node[(size_t)g * s->eu_per_core + e] = eu;
			TRY(md_b_str(b, eu, "type", "integer"));
			for (uint32_t t = e * per_eu; t < (e + 1) * per_eu && t < s->strands; t++) {
				uint32_t id = g * s->strands + t;
				if (!is_present[id])
					continue;
				TRY(md_b_arc(b, cpu_node[id], "fwd", eu));
				TRY(md_b_arc(b, eu, "back", cpu_node[id]));
			}
		}
	}
	/* Sockets. */
	if (s->has_sockets) {
		TRY(md_b_node(b, "sockets", &sockets));
		TRY(md_b_arc(b, root, "fwd", sockets));
		TRY(md_b_arc(b, sockets, "back", root));
		uint32_t per_sock = s->cores * s->strands;
		for (uint32_t so = 0; so < s->sockets; so++) {
			int any = 0;
			for (uint32_t c = 0; c < s->cores; c++)
				any |= core_used[so * s->cores + c];
			if (!any)
				continue;
			md_bnode_t sn;
			TRY(md_b_node(b, "socket", &sn));
			TRY(md_b_u64(b, sn, "id", so));
			TRY(md_b_arc(b, sockets, "fwd", sn));
			TRY(md_b_arc(b, sn, "back", sockets));
			for (uint32_t id = so * per_sock; id < (so + 1) * per_sock; id++) {
				if (!is_present[id])
					continue;
				TRY(md_b_arc(b, sn, "fwd", cpu_node[id]));
				TRY(md_b_arc(b, cpu_node[id], "back", sn));
			}
		}
	}
	TRY(md_b_finish(b, out));
	goto out;
nomem:
	rc = MD_ERR_NOMEM;
fail:
	if (err) {
		err->code = rc;
		err->elem = MD_NO_ELEM;
		snprintf(err->msg, sizeof(err->msg), "shape '%s': generating the MD: %s", s->name,
		         md_strerror(rc));
	}
out:
	md_builder_free(b);
	free(is_present);
	free(core_used);
	free(cpu_node);
	free(eu_node);
	for (size_t ci = 0; ci < MD_SHAPE_MAX_CACHES; ci++)
		free(cache_node[ci]);
	return rc;
}
