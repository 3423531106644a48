/*
 * tc_sign.h — Ed25519 signatures over exact bytes and SHA-256 digests
 * (libsodium), shared by the server (which seals) and every receiver (which
 * opens and checks).
 *
 * A sealed message is one text line, then the signed bytes unchanged:
 *
 *     tocsin-sig-v1 <base64 of the 64-byte Ed25519 signature>\n<payload bytes>
 *
 * The signature covers exactly the payload bytes after the newline, so a
 * receiver verifies before it parses anything.
 */
#ifndef TC_SIGN_H
#define TC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tc_rc.h"

#define TC_SIGN_PUBLIC_BYTES 32
#define TC_SIGN_SECRET_BYTES 64
#define TC_SIGN_BYTES 64
#define TC_SIGN_MAGIC "tocsin-sig-v1 "
/* Bytes a seal adds in front of the payload. */
#define TC_SIGN_HEADER_LEN (sizeof(TC_SIGN_MAGIC) - 1 + 88 + 1)

enum tc_verify {
	TC_VERIFY_OK = 0,
	TC_VERIFY_UNSIGNED,      /* no "tocsin-sig-v1" line: not a sealed message */
	TC_VERIFY_MALFORMED,     /* the signature line is not 64 bytes of base64 */
	TC_VERIFY_BAD_SIGNATURE, /* signed by another key, or the bytes were changed or cut */
};

const char *tc_verify_name(enum tc_verify v);

/* Make libsodium ready (idempotent); TC_ERR_INTERNAL when it cannot start. */
enum tc_rc tc_sign_init(void);

/* SHA-256 of data as 64 hex digits and a NUL (the digest that names audio and references). */
void tc_sign_sha256_hex(const void *data, size_t len, char out[65]);

/* A new key pair. */
enum tc_rc tc_sign_keypair(uint8_t pk[TC_SIGN_PUBLIC_BYTES], uint8_t sk[TC_SIGN_SECRET_BYTES]);

/* The signature of msg into sig. */
void tc_sign_detached(const void *msg, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
		      uint8_t sig[TC_SIGN_BYTES]);
/* Whether sig is pk's signature of msg. */
int tc_sign_check_detached(const void *msg, size_t len, const uint8_t sig[TC_SIGN_BYTES],
			   const uint8_t pk[TC_SIGN_PUBLIC_BYTES]);

/*
 * Seal payload into out (out_len at least len + TC_SIGN_HEADER_LEN; out must
 * not overlap payload);
 * *written receives the sealed length. TC_ERR_LIMIT when out is too small.
 */
enum tc_rc tc_sign_seal(const void *payload, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
			uint8_t *out, size_t out_len, size_t *written);

/*
 * Open a sealed message: on TC_VERIFY_OK, *payload and *payload_len point
 * into msg at the signed bytes. Nothing is trusted before this returns OK.
 */
enum tc_verify tc_sign_open(const uint8_t *msg, size_t len, const uint8_t pk[TC_SIGN_PUBLIC_BYTES],
			    const uint8_t **payload, size_t *payload_len);

/* Keys as base64 text (for key files and configuration). */
enum tc_rc tc_sign_key_to_text(const uint8_t *key, size_t key_len, char *out, size_t out_len);
enum tc_rc tc_sign_key_from_text(const char *text, uint8_t *key, size_t key_len);

#endif
