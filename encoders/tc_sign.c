/*
 * tc_sign.c — sealing and opening tocsin messages with Ed25519 (tc_sign.h).
 */
#include "tc_sign.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
#define SIG_B64_LEN 88 /* 64 bytes in padded base64 */

const char *tc_verify_name(enum tc_verify v)
{
	switch (v) {
	case TC_VERIFY_OK: return "ok";
	case TC_VERIFY_UNSIGNED: return "unsigned";
	case TC_VERIFY_MALFORMED: return "malformed-signature";
	case TC_VERIFY_UNKNOWN_KEY: return "unknown-key";
	case TC_VERIFY_BAD_SIGNATURE: return "bad-signature";
	}
	return "unknown";
}

void tc_sign_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

enum tc_rc tc_sign_init(void)
{
	return sodium_init() < 0 ? TC_ERR_INTERNAL : TC_OK;
}

void tc_sign_kid(const uint8_t pk[TC_SIGN_PUBLIC_BYTES], char out[TC_KID_HEX + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, TC_SIGN_PUBLIC_BYTES);
	sodium_bin2hex(out, TC_KID_HEX + 1, h, TC_KID_HEX / 2);
}

void tc_sign_public_of_secret(const uint8_t sk[TC_SIGN_SECRET_BYTES], uint8_t pk[TC_SIGN_PUBLIC_BYTES])
{
	crypto_sign_ed25519_sk_to_pk(pk, sk);
}

void tc_sign_kid_of_secret(const uint8_t sk[TC_SIGN_SECRET_BYTES], char out[TC_KID_HEX + 1])
{
	uint8_t pk[TC_SIGN_PUBLIC_BYTES];
	tc_sign_public_of_secret(sk, pk);
	tc_sign_kid(pk, out);
}

enum tc_rc tc_sign_keypair(uint8_t pk[TC_SIGN_PUBLIC_BYTES], uint8_t sk[TC_SIGN_SECRET_BYTES])
{
	if (tc_sign_init())
		return TC_ERR_INTERNAL;
	return crypto_sign_keypair(pk, sk) == 0 ? TC_OK : TC_ERR_INTERNAL;
}

void tc_sign_detached(const void *msg, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
		      uint8_t sig[TC_SIGN_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

int tc_sign_check_detached(const void *msg, size_t len, const uint8_t sig[TC_SIGN_BYTES],
			   const uint8_t pk[TC_SIGN_PUBLIC_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

enum tc_rc tc_sign_seal(const void *payload, size_t len, const uint8_t sk[TC_SIGN_SECRET_BYTES],
			uint8_t *out, size_t out_len, size_t *written)
{
	uint8_t sig[TC_SIGN_BYTES];
	char b64[SIG_B64_LEN + 1], kid[TC_KID_HEX + 1];
	const size_t magic = sizeof(TC_SIGN_MAGIC) - 1;
	if (out_len < len + TC_SIGN_HEADER_LEN)
		return TC_ERR_LIMIT;
	tc_sign_detached(payload, len, sk, sig);
	tc_sign_kid_of_secret(sk, kid);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), B64_VARIANT);
	uint8_t *p = out;
	memcpy(p, TC_SIGN_MAGIC, magic);
	p += magic;
	memcpy(p, kid, TC_KID_HEX);
	p += TC_KID_HEX;
	*p++ = ' ';
	memcpy(p, b64, SIG_B64_LEN);
	p += SIG_B64_LEN;
	*p++ = '\n';
	memcpy(p, payload, len);
	*written = len + TC_SIGN_HEADER_LEN;
	return TC_OK;
}

static bool is_kid(const uint8_t *s)
{
	for (size_t i = 0; i < TC_KID_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

enum tc_verify tc_sign_open(const uint8_t *msg, size_t len, const struct tc_keyring *ring,
			    const uint8_t **payload, size_t *payload_len, char kid[TC_KID_HEX + 1])
{
	uint8_t sig[TC_SIGN_BYTES];
	size_t sig_len = 0;
	char id[TC_KID_HEX + 1];
	const size_t magic = sizeof(TC_SIGN_MAGIC) - 1;
	*payload = NULL;
	*payload_len = 0;
	if (kid)
		kid[0] = '\0';
	if (len < magic || memcmp(msg, TC_SIGN_MAGIC, magic) != 0)
		return TC_VERIFY_UNSIGNED;
	if (len < TC_SIGN_HEADER_LEN || !is_kid(msg + magic) || msg[magic + TC_KID_HEX] != ' ' ||
	    msg[TC_SIGN_HEADER_LEN - 1] != '\n')
		return TC_VERIFY_MALFORMED;
	if (sodium_base642bin(sig, sizeof(sig), (const char *)msg + magic + TC_KID_HEX + 1, SIG_B64_LEN, NULL,
			      &sig_len, NULL, B64_VARIANT) != 0 || sig_len != TC_SIGN_BYTES)
		return TC_VERIFY_MALFORMED;
	memcpy(id, msg + magic, TC_KID_HEX);
	id[TC_KID_HEX] = '\0';
	int k = tc_keyring_find(ring, id);
	if (k < 0)
		return TC_VERIFY_UNKNOWN_KEY;
	const uint8_t *body = msg + TC_SIGN_HEADER_LEN;
	size_t body_len = len - TC_SIGN_HEADER_LEN;
	if (!tc_sign_check_detached(body, body_len, sig, ring->pk[k]))
		return TC_VERIFY_BAD_SIGNATURE;
	*payload = body;
	*payload_len = body_len;
	if (kid)
		memcpy(kid, id, sizeof(id));
	return TC_VERIFY_OK;
}

int tc_keyring_find(const struct tc_keyring *ring, const char *kid)
{
	for (size_t i = 0; ring && i < ring->n; i++)
		if (!strcmp(ring->kid[i], kid))
			return (int)i;
	return -1;
}

enum tc_rc tc_keyring_add(struct tc_keyring *ring, const uint8_t pk[TC_SIGN_PUBLIC_BYTES])
{
	char kid[TC_KID_HEX + 1];
	tc_sign_kid(pk, kid);
	if (tc_keyring_find(ring, kid) >= 0)
		return TC_OK;
	if (ring->n == TC_KEYRING_MAX)
		return TC_ERR_LIMIT;
	memcpy(ring->pk[ring->n], pk, TC_SIGN_PUBLIC_BYTES);
	memcpy(ring->kid[ring->n], kid, sizeof(kid));
	ring->n++;
	return TC_OK;
}

enum tc_rc tc_keyring_add_text(struct tc_keyring *ring, const char *text, size_t *bad)
{
	struct tc_keyring r = *ring;
	size_t nth = 0;
	*bad = 0;
	for (const char *p = text; *p;) {
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		size_t skip = strspn(p, ", \t\r\n");
		if (skip) {
			p += skip;
			continue;
		}
		size_t n = strcspn(p, ", \t\r\n#");
		char word[128];
		uint8_t pk[TC_SIGN_PUBLIC_BYTES];
		nth++;
		if (n >= sizeof(word)) {
			*bad = nth;
			return TC_ERR_INVALID;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (tc_sign_key_from_text(word, pk, sizeof(pk))) {
			*bad = nth;
			return TC_ERR_INVALID;
		}
		if (tc_keyring_add(&r, pk)) {
			*bad = nth;
			return TC_ERR_LIMIT;
		}
		p += n;
	}
	*ring = r;
	return TC_OK;
}

enum tc_rc tc_sign_key_to_text(const uint8_t *key, size_t key_len, char *out, size_t out_len)
{
	if (out_len < sodium_base64_ENCODED_LEN(key_len, B64_VARIANT))
		return TC_ERR_LIMIT;
	sodium_bin2base64(out, out_len, key, key_len, B64_VARIANT);
	return TC_OK;
}

enum tc_rc tc_sign_key_from_text(const char *text, uint8_t *key, size_t key_len)
{
	size_t got = 0;
	const char *end = NULL;
	if (sodium_base642bin(key, key_len, text, strlen(text), " \t\r\n", &got, &end, B64_VARIANT) != 0 ||
	    got != key_len)
		return TC_ERR_INVALID;
	return TC_OK;
}
