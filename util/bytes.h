/*
 * util/bytes.h — big-endian loads and stores (sparc64 is big-endian: the
 * machine description, the DS wire format and the guest's memory all are).
 * p must hold 2 (be16), 4 (be32) or 8 (be64) bytes; no alignment is needed.
 */
#ifndef LDOMSIM_UTIL_BYTES_H
#define LDOMSIM_UTIL_BYTES_H

#include <stdint.h>

static inline uint16_t util_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t util_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t util_be64(const uint8_t *p)
{
	return (uint64_t)util_be32(p) << 32 | util_be32(p + 4);
}

static inline void util_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void util_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void util_put_be64(uint8_t *p, uint64_t v)
{
	util_put_be32(p, (uint32_t)(v >> 32));
	util_put_be32(p + 4, (uint32_t)v);
}

#endif
