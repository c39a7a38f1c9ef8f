/*
 * tests/test_crypto.c — the trace format's SHA-256 comes from OpenSSL's
 * libcrypto (issue 15: no hand-written cryptography): the binary calls
 * libcrypto's digest, no source carries SHA-256's round constants, and the
 * committed traces' MD hashes still verify.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "tests/util.h"
#include "traces/trace.h"

Test(crypto, sha256_is_libcrypto_s_digest)
{
	/* The binary imports EVP_Digest from libcrypto. */
	cr_expect_eq(test_sh("nm -D --undefined-only build/ldomsim | grep -qw EVP_Digest"), 0,
	             "build/ldomsim does not call libcrypto's EVP_Digest");
	cr_expect_eq(test_sh("ldd build/ldomsim | grep -q 'libcrypto\\.so'"), 0,
	             "build/ldomsim is not linked with libcrypto");
	/* No tracked C file holds SHA-256's first round constant (an
	 * implementation of the compression function would; the bracket keeps
	 * this file from matching itself). */
	cr_expect_neq(test_sh("git ls-files -z '*.c' '*.h' | xargs -0 grep -il '0x428a2f9[8]'"), 0,
	              "a source file implements SHA-256 itself");
}

Test(crypto, committed_traces_verify_with_libcrypto)
{
	/* trace_load checks every MD file's sha256 against its bytes. */
	static const char *const traces[] = {"traces/default/trace.json", "traces/t2/trace.json",
	                                     "traces/m7-16/trace.json"};
	for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
		struct trace *t = NULL;
		struct trace_error e;
		cr_expect_eq(trace_load(traces[i], &t, &e), TRACE_OK, "%s", e.msg);
		cr_expect_eq(strlen(trace_sha256_hex(t)), 64, "%s", traces[i]);
		trace_free(t);
	}
	uint8_t h[32];
	char x[65];
	cr_assert_eq(trace_sha256("abc", 3, h), TRACE_OK);
	trace_sha256_to_hex(h, x);
	cr_expect_str_eq(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
