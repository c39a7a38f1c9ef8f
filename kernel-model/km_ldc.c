/*
 * kernel-model/km_ldc.c — the LDC channel ds.c talks over (stream mode),
 * and the vio bus that probes it. The channel is a port (km.h): the peer
 * (the control domain's domain services) puts bytes into it with
 * km_ldc_deliver() and then raises the channel's event; every message the
 * guest writes goes to the attached port's write callback with its
 * simulated time (kept until a port is attached).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/km_impl.h"
#include "kernel-model/km_state.h"
#include "sim/sim.h"
#include "util/grow.h"
#include "util/ser.h"

#define LDC_OBJ_SIZE 64 /* the opaque struct ldc_channel ds.c holds */

struct km_ldc {
	uint64_t lp;       /* guest handle */
	uint64_t id;       /* channel id */
	uint64_t event_fn; /* cfg->event */
	uint64_t event_arg;
	uint32_t mtu, mode;
	int bound;
	uint8_t *rx; /* bytes the peer sent, not yet read */
	size_t rx_len, rx_cap;
	struct km_ldc_port port; /* port.write NULL: none attached yet */
	struct backlog {         /* what the guest wrote before a port was attached */
		uint64_t time_ns;
		uint8_t *bytes;
		size_t len;
	} * tx;
	size_t ntx, captx;
};

void km_ldc_fini(struct km *km)
{
	struct km_ldc *l = km->ldc;
	if (!l)
		return;
	for (size_t i = 0; i < l->ntx; i++)
		free(l->tx[i].bytes);
	free(l->tx);
	free(l->rx);
	free(l);
	km->ldc = NULL;
}

static struct km_ldc *ldc_of(struct km_call *c, uint64_t lp)
{
	struct km_ldc *l = c->km->ldc;
	if (!l || !l->lp || l->lp != lp) {
		km_fail(c, "0x%llx is not the LDC channel ldc_alloc returned",
		        (unsigned long long)lp);
		return NULL;
	}
	return l;
}

/* ldc_alloc(id, cfg, event_arg, name) — one channel (the DS channel):
 * records cfg->event, mtu, mode. Cost 5 us (LDC queue set-up, two
 * hypercalls). Returns the channel handle. */
void km_ldc_alloc(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	uint64_t cfg = c->a[1];
	km_charge(c, 5000);
	if (c->km->ldc && c->km->ldc->lp) {
		km_fail(c, "a second LDC channel is not modelled");
		return;
	}
	/* The channel may exist already: a port attached before ldc_alloc. */
	struct km_ldc *l = c->km->ldc ? c->km->ldc : calloc(1, sizeof *l);
	uint64_t lp = l ? km_heap_alloc(c->km, LDC_OBJ_SIZE, 64, 1) : 0;
	if (!l || !lp) {
		if (l != c->km->ldc)
			free(l);
		km_fail(c, "out of memory");
		return;
	}
	l->lp = lp;
	l->id = c->a[0];
	l->event_fn = km_ld64(c, cfg + lx->ldc_cfg_event);
	l->mtu = km_ld32(c, cfg + lx->ldc_cfg_mtu);
	const uint8_t *mode = km_ptr(c->km, cfg + lx->ldc_cfg_mode, 1);
	l->mode = mode ? *mode : 0;
	l->event_arg = c->a[2];
	c->km->ldc = l;
	c->a[0] = lp;
}

/* ldc_bind(lp) — binds the channel; the link comes up when the peer
 * says so (LDC_EVENT_UP from the run). Cost 2 us. Returns 0. */
void km_ldc_bind(struct km_call *c)
{
	struct km_ldc *l = ldc_of(c, c->a[0]);
	km_charge(c, 2000);
	if (l) {
		l->bound = 1;
		c->a[0] = 0;
	}
}

/* ldc_free(lp). Cost 1 us. */
void km_ldc_free(struct km_call *c)
{
	struct km_ldc *l = ldc_of(c, c->a[0]);
	km_charge(c, 1000);
	if (l)
		l->bound = 0;
}

/* ldc_write(lp, buf, len) — the bytes go to the attached port (which adds
 * costs.ldc_msg_ns of latency to its answers). Cost 1 us + 2 ns per byte (copy into the TX queue,
 * LDC_TX_SET_QTAIL). Returns len, or -ENOTCONN when not bound. */
void km_ldc_write(struct km_call *c)
{
	const struct lx_layout *lx = km_layout(c->km);
	struct km_ldc *l = ldc_of(c, c->a[0]);
	int64_t len = (int32_t)c->a[2];
	if (!l)
		return;
	km_charge(c, 1000 + 2 * (uint64_t)(len > 0 ? len : 0));
	if (!l->bound) {
		c->a[0] = (uint64_t)-lx->enotconn;
		return;
	}
	const void *p = len > 0 ? km_ptr(c->km, c->a[1], (uint64_t)len) : NULL;
	if (len <= 0 || !p) {
		km_fail(c, "bad buffer 0x%llx (%lld bytes)", (unsigned long long)c->a[1],
		        (long long)len);
		return;
	}
	if (l->port.write) {
		l->port.write(l->port.ctx, km_now_ns(c), p, (size_t)len);
		c->a[0] = (uint64_t)len;
		return;
	}
	if (util_grow((void **)&l->tx, &l->captx, l->ntx, sizeof *l->tx, 16)) {
		km_fail(c, "out of memory");
		return;
	}
	uint8_t *copy = malloc((size_t)len);
	if (!copy) {
		km_fail(c, "out of memory");
		return;
	}
	memcpy(copy, p, (size_t)len);
	l->tx[l->ntx++] = (struct backlog){km_now_ns(c), copy, (size_t)len};
	c->a[0] = (uint64_t)len;
}

/* ldc_read(lp, buf, size) — stream mode: up to size bytes of what the
 * peer sent; 0 when nothing is pending. Cost 500 ns + 2 ns per byte. */
void km_ldc_read(struct km_call *c)
{
	struct km_ldc *l = ldc_of(c, c->a[0]);
	int64_t size = (int32_t)c->a[2];
	if (!l)
		return;
	size_t n = size > 0 ? (size_t)size : 0;
	if (n > l->rx_len)
		n = l->rx_len;
	km_charge(c, 500 + 2 * n);
	/* The caller's size is trusted by LDC: a read past the end of the
	 * kmalloc'd buffer is the guest corrupting its heap. Stop there. */
	uint64_t room = n ? km_heap_room(c->km, c->a[1]) : UINT64_MAX;
	if (n > room) {
		km_fail(c,
		        "ldc_read of %zu bytes into 0x%llx overruns its heap buffer by %llu bytes "
		        "(the peer's message is longer than the buffer)",
		        n, (unsigned long long)c->a[1], (unsigned long long)(n - room));
		return;
	}
	void *dst = n ? km_ptr(c->km, c->a[1], n) : NULL;
	if (n && !dst) {
		km_fail(c, "bad buffer 0x%llx (%zu bytes)", (unsigned long long)c->a[1], n);
		return;
	}
	if (n) {
		memcpy(dst, l->rx, n);
		memmove(l->rx, l->rx + n, l->rx_len - n);
		l->rx_len -= n;
	}
	c->a[0] = n;
}

/* __vio_register_driver(drv, owner, mod_name) — the vio bus would probe
 * the driver's devices from the MD's channel-devices; the run probes the
 * DS device itself (ds_probe) once the driver is registered. Cost 10 us.
 * Returns 0. */
void km___vio_register_driver(struct km_call *c)
{
	km_charge(c, 10000);
	c->km->vio_driver = c->a[0];
	c->a[0] = 0;
}

/* ---- the run's side ------------------------------------------------------ */

int km_ldc_attach(struct km *km, const struct km_ldc_port *port)
{
	if (!km || !port || !port->write)
		return -1;
	struct km_ldc *l = km->ldc;
	if (!l && !(l = km->ldc = calloc(1, sizeof *l)))
		return -1;
	l->port = *port;
	for (size_t i = 0; i < l->ntx; i++) {
		port->write(port->ctx, l->tx[i].time_ns, l->tx[i].bytes, l->tx[i].len);
		free(l->tx[i].bytes);
	}
	free(l->tx);
	l->tx = NULL;
	l->ntx = l->captx = 0;
	return 0;
}

int km_ldc_deliver(struct km *km, const void *bytes, size_t len)
{
	struct km_ldc *l = km->ldc;
	if (!l || !l->lp)
		return -1;
	if (l->rx_len + len > l->rx_cap) {
		size_t cap = l->rx_cap ? l->rx_cap : 4096;
		while (cap < l->rx_len + len)
			cap *= 2;
		uint8_t *p = realloc(l->rx, cap);
		if (!p)
			return -1;
		l->rx = p;
		l->rx_cap = cap;
	}
	memcpy(l->rx + l->rx_len, bytes, len);
	l->rx_len += len;
	return 0;
}

int km_ldc_event_target(const struct km *km, uint64_t *fn, uint64_t *arg)
{
	if (!km->ldc || !km->ldc->bound)
		return -1;
	*fn = km->ldc->event_fn;
	*arg = km->ldc->event_arg;
	return 0;
}

size_t km_ldc_pending(const struct km *km)
{
	return km->ldc ? km->ldc->rx_len : 0;
}

uint64_t km_vio_driver(const struct km *km)
{
	return km->vio_driver;
}

/* ---- boot snapshots ---------------------------------------------------- */

/* The channel without its port (the caller attaches its own again, as
 * before the save) and without a backlog (it went to the port). */
void km_ldc_save(const struct km *km, struct ser_w *w)
{
	const struct km_ldc *l = km->ldc;
	ser_tag(w, "ldc ");
	ser_put_u64(w, l != NULL);
	if (!l)
		return;
	ser_put_u64(w, l->lp);
	ser_put_u64(w, l->id);
	ser_put_u64(w, l->event_fn);
	ser_put_u64(w, l->event_arg);
	ser_put_u64(w, l->mtu);
	ser_put_u64(w, l->mode);
	ser_put_u64(w, (uint64_t)l->bound);
	ser_put_array(w, l->rx, l->rx_len, 1);
	ser_put_u64(w, l->ntx);
}

int km_ldc_load(struct km *km, struct ser_r *r)
{
	ser_expect(r, "ldc ");
	if (!ser_get_u64(r))
		return ser_r_failed(r) ? -1 : 0;
	struct km_ldc *l = km->ldc;
	if (!l && !(l = km->ldc = calloc(1, sizeof *l))) {
		ser_r_fail(r, "ldc: out of memory");
		return -1;
	}
	uint64_t v[7];
	for (int i = 0; i < 7; i++)
		v[i] = ser_get_u64(r);
	size_t len;
	uint8_t *rx = ser_get_array(r, &len, 1, SIZE_MAX / 2, "ldc receive buffer");
	if (ser_get_u64(r))
		ser_r_fail(r, "ldc: a backlog without a port");
	if (ser_r_failed(r)) {
		free(rx);
		return -1;
	}
	l->lp = v[0];
	l->id = v[1];
	l->event_fn = v[2];
	l->event_arg = v[3];
	l->mtu = (uint32_t)v[4];
	l->mode = (uint32_t)v[5];
	l->bound = (int)v[6];
	free(l->rx);
	l->rx = rx;
	l->rx_len = l->rx_cap = len;
	return 0;
}
