/*
 * ldomsim — SHA-256 of the trace format's MD files and of traces, computed
 * by OpenSSL's libcrypto (a maintained implementation; the project carries
 * no cryptography of its own).
 */
#include <openssl/evp.h>

#include "traces/trace.h"

enum trace_status trace_sha256(const void *buf, size_t len, uint8_t out[32])
{
	unsigned int got = 0;
	/* EVP_Digest fails only when libcrypto cannot set a digest up (no
	 * memory, no provider for SHA-256). */
	if (!EVP_Digest(buf ? buf : "", len, out, &got, EVP_sha256(), NULL) || got != 32)
		return TRACE_ERR_DIGEST;
	return TRACE_OK;
}

void trace_sha256_to_hex(const uint8_t h[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[h[i] >> 4];
		hex[2 * i + 1] = digits[h[i] & 15];
	}
	hex[64] = '\0';
}
