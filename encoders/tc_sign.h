/*
 * tc_sign.h — Ed25519 signatures over exact bytes and SHA-256 digests
 * (libsodium), shared by the server (which seals) and every receiver (which
 * opens and checks).
 *
 * A sealed message is one text line, then the signed bytes unchanged:
 *
 *     tocsin-sig-v2 <key id, 16 hex> <base64 of the 64-byte Ed25519 signature>\n<payload bytes>
 *
 * The signature covers exactly the payload bytes after the newline, so a
 * receiver verifies before it parses anything. The key id (kid) is the first
 * 8 bytes of the SHA-256 of the 32-byte public key, as 16 lowercase hex
 * digits: it picks the key among those a receiver trusts (a keyring of up to
 * TC_KEYRING_MAX keys, so an old and a new key both work during a rotation).
 * See docs/protocol.md, "Seal".
 */
#ifndef TC_SIGN_H
#define TC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tc_rc.h"

#define TC_SIGN_PUBLIC_BYTES 32
#define TC_SIGN_SECRET_BYTES 64
#define TC_SIGN_BYTES 64
#define TC_SIGN_MAGIC "tocsin-sig-v2 "
#define TC_KID_HEX 16 /* hex digits of a key id */
/* Bytes a seal adds in front of the payload. */
#define TC_SIGN_HEADER_LEN (sizeof(TC_SIGN_MAGIC) - 1 + TC_KID_HEX + 1 + 88 + 1)
#define TC_KEYRING_MAX 8

enum tc_verify {
	TC_VERIFY_OK = 0,
	TC_VERIFY_UNSIGNED,      /* no "tocsin-sig-v2" line: not a sealed message */
	TC_VERIFY_MALFORMED,     /* the seal line is not a key id and 64 bytes of base64 */
	TC_VERIFY_UNKNOWN_KEY,   /* sealed with a key id this receiver does not trust */
	TC_VERIFY_BAD_SIGNATURE, /* the bytes were changed or cut, or the signature is another key's */
};

/* The public keys a receiver trusts, each with its key id. */
struct tc_keyring {
	uint8_t pk[TC_KEYRING_MAX][TC_SIGN_PUBLIC_BYTES];
	char kid[TC_KEYRING_MAX][TC_KID_HEX + 1];
	size_t n;
};

const char *tc_verify_name(enum tc_verify v);

/* Make libsodium ready (idempotent); TC_ERR_INTERNAL when it cannot start. */
enum tc_rc tc_sign_init(void);

/* SHA-256 of data as 64 hex digits and a NUL (the digest that names audio and references). */
void tc_sign_sha256_hex(const void *data, size_t len, char out[65]);

/* The key id of a public key: 16 lowercase hex digits and a NUL. */
void tc_sign_kid(const uint8_t pk[TC_SIGN_PUBLIC_BYTES], char out[TC_KID_HEX + 1]);
/* The key id of the public half held in a secret key. */
void tc_sign_kid_of_secret(const uint8_t sk[TC_SIGN_SECRET_BYTES], char out[TC_KID_HEX + 1]);
/* The public half of a secret key. */
void tc_sign_public_of_secret(const uint8_t sk[TC_SIGN_SECRET_BYTES], uint8_t pk[TC_SIGN_PUBLIC_BYTES]);

/* A new key pair. */
enum tc_rc tc_sign_keypair(uint8_t pk[TC_SIGN_PUBLIC_BYTES], uint8_t sk[TC_SIGN_SECRET_BYTES]);

/* The signature of msg into sig. */
void tc_sign_detached(const void *msg, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
		      uint8_t sig[TC_SIGN_BYTES]);
/* Whether sig is pk's signature of msg. */
int tc_sign_check_detached(const void *msg, size_t len, const uint8_t sig[TC_SIGN_BYTES],
			   const uint8_t pk[TC_SIGN_PUBLIC_BYTES]);

/*
 * Seal payload into out with sk, named by the key id of sk's public half (out_len at least len + TC_SIGN_HEADER_LEN; out must
 * not overlap payload);
 * *written receives the sealed length. TC_ERR_LIMIT when out is too small.
 */
enum tc_rc tc_sign_seal(const void *payload, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
			uint8_t *out, size_t out_len, size_t *written);

/*
 * Open a sealed message with the key the seal names among the trusted ones:
 * on TC_VERIFY_OK, *payload and *payload_len point into msg at the signed
 * bytes and kid (when not NULL) receives the key id. Nothing is trusted
 * before this returns OK.
 */
enum tc_verify tc_sign_open(const uint8_t *msg, size_t len, const struct tc_keyring *ring,
			    const uint8_t **payload, size_t *payload_len, char kid[TC_KID_HEX + 1]);

/* Add a public key to ring (once: a key already there is not added again); TC_ERR_LIMIT when full. */
enum tc_rc tc_keyring_add(struct tc_keyring *ring, const uint8_t pk[TC_SIGN_PUBLIC_BYTES]);
/* The index of kid in ring, -1 when it is not there. */
int tc_keyring_find(const struct tc_keyring *ring, const char *kid);
/*
 * Add every key of text: base64 public keys separated by commas, spaces or
 * new lines; '#' starts a comment to the end of its line. TC_ERR_INVALID
 * naming the bad key's position in *bad (1-based), TC_ERR_LIMIT beyond
 * TC_KEYRING_MAX keys; none added then.
 */
enum tc_rc tc_keyring_add_text(struct tc_keyring *ring, const char *text, size_t *bad);

/* Keys as base64 text (for key files and configuration). */
enum tc_rc tc_sign_key_to_text(const uint8_t *key, size_t key_len, char *out, size_t out_len);
enum tc_rc tc_sign_key_from_text(const char *text, uint8_t *key, size_t key_len);

#endif
