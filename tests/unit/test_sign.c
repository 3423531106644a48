/* test_sign.c — sealing and opening messages with Ed25519: seal v2, key ids, keyrings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tc_sign.h"

static uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
static uint8_t other_pk[TC_SIGN_PUBLIC_BYTES], other_sk[TC_SIGN_SECRET_BYTES];
static const char payload[] = "{\"v\":1,\"id\":\"a1\",\"headline\":\"台风橙色预警\"}";

static struct tc_keyring ring, other_ring, both;

static int setup(void **state)
{
	(void)state;
	if (tc_sign_keypair(pk, sk) || tc_sign_keypair(other_pk, other_sk))
		return -1;
	return tc_keyring_add(&ring, pk) || tc_keyring_add(&other_ring, other_pk) || tc_keyring_add(&both, other_pk) ||
	       tc_keyring_add(&both, pk);
}

static size_t seal(uint8_t *buf, size_t cap)
{
	size_t n = 0;
	assert_int_equal(tc_sign_seal(payload, strlen(payload), sk, buf, cap, &n), TC_OK);
	return n;
}

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	assert_int_equal(n, strlen(payload) + TC_SIGN_HEADER_LEN);
	assert_memory_equal(buf, TC_SIGN_MAGIC, strlen(TC_SIGN_MAGIC));
	char kid[17], want[17];
	assert_int_equal(tc_sign_open(buf, n, &ring, &body, &body_len, kid), TC_VERIFY_OK);
	assert_int_equal(body_len, strlen(payload));
	assert_memory_equal(body, payload, body_len);
	tc_sign_kid(pk, want);
	assert_string_equal(kid, want);
	assert_memory_equal(buf + strlen(TC_SIGN_MAGIC), want, 16);
	assert_int_equal(buf[strlen(TC_SIGN_MAGIC) + 16], ' ');
	assert_int_equal(buf[TC_SIGN_HEADER_LEN - 1], '\n');
	/* either of two trusted keys */
	assert_int_equal(tc_sign_open(buf, n, &both, &body, &body_len, NULL), TC_VERIFY_OK);
}

static void test_kid(void **state)
{
	(void)state;
	/* first 8 bytes of SHA-256 over the 32-byte public key, lowercase hex */
	uint8_t zero[TC_SIGN_PUBLIC_BYTES] = { 0 };
	char kid[17], hex[65];
	tc_sign_kid(zero, kid);
	tc_sign_sha256_hex(zero, sizeof(zero), hex);
	assert_int_equal(strlen(kid), 16);
	assert_memory_equal(kid, hex, 16);
	assert_string_equal(kid, "66687aadf862bd77");
	char from_sk[17];
	tc_sign_kid(pk, kid);
	tc_sign_kid_of_secret(sk, from_sk);
	assert_string_equal(kid, from_sk);
}

static void test_tampered_payload(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	buf[n - 3] ^= 0x01;
	assert_int_equal(tc_sign_open(buf, n, &ring, &body, &body_len, NULL), TC_VERIFY_BAD_SIGNATURE);
	assert_null(body);
}

static void test_truncated(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	assert_int_equal(tc_sign_open(buf, n - 1, &ring, &body, &body_len, NULL), TC_VERIFY_BAD_SIGNATURE);
	assert_int_equal(tc_sign_open(buf, 40, &ring, &body, &body_len, NULL), TC_VERIFY_MALFORMED);
	assert_int_equal(tc_sign_open(buf, TC_SIGN_HEADER_LEN - 1, &ring, &body, &body_len, NULL), TC_VERIFY_MALFORMED);
}

static void test_unsigned_and_malformed(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len;
	assert_int_equal(tc_sign_open((const uint8_t *)payload, strlen(payload), &ring, &body, &body_len, NULL),
			 TC_VERIFY_UNSIGNED);
	assert_int_equal(tc_sign_open((const uint8_t *)"", 0, &ring, &body, &body_len, NULL), TC_VERIFY_UNSIGNED);
	/* the old seal is not understood */
	static const char v1[] = "tocsin-sig-v1 AAAA\n{}";
	assert_int_equal(tc_sign_open((const uint8_t *)v1, strlen(v1), &ring, &body, &body_len, NULL), TC_VERIFY_UNSIGNED);
	size_t n = seal(buf, sizeof(buf));
	buf[strlen(TC_SIGN_MAGIC) + 16 + 5] = '*'; /* not base64 */
	assert_int_equal(tc_sign_open(buf, n, &ring, &body, &body_len, NULL), TC_VERIFY_MALFORMED);
	n = seal(buf, sizeof(buf));
	buf[strlen(TC_SIGN_MAGIC) + 3] = 'G'; /* not a key id */
	assert_int_equal(tc_sign_open(buf, n, &ring, &body, &body_len, NULL), TC_VERIFY_MALFORMED);
	n = seal(buf, sizeof(buf));
	buf[strlen(TC_SIGN_MAGIC) + 16] = '_'; /* no space after the key id */
	assert_int_equal(tc_sign_open(buf, n, &ring, &body, &body_len, NULL), TC_VERIFY_MALFORMED);
	assert_string_equal(tc_verify_name(TC_VERIFY_MALFORMED), "malformed-signature");
}

static void test_wrong_key(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	assert_int_equal(tc_sign_open(buf, n, &other_ring, &body, &body_len, NULL), TC_VERIFY_UNKNOWN_KEY);
	assert_string_equal(tc_verify_name(TC_VERIFY_UNKNOWN_KEY), "unknown-key");
	/* a trusted key id in front of another key's signature */
	char other_kid[17];
	tc_sign_kid(other_pk, other_kid);
	memcpy(buf + strlen(TC_SIGN_MAGIC), other_kid, 16);
	assert_int_equal(tc_sign_open(buf, n, &other_ring, &body, &body_len, NULL), TC_VERIFY_BAD_SIGNATURE);
	assert_string_equal(tc_verify_name(TC_VERIFY_BAD_SIGNATURE), "bad-signature");
}

static void test_keyring_text(void **state)
{
	(void)state;
	char a[64], b[64], text[256];
	struct tc_keyring r = { .n = 0 };
	size_t bad = 0;
	tc_sign_key_to_text(pk, sizeof(pk), a, sizeof(a));
	tc_sign_key_to_text(other_pk, sizeof(other_pk), b, sizeof(b));
	snprintf(text, sizeof(text), "# trusted keys\n%s\n\n%s  # the next one\n%s\n", a, b, a);
	assert_int_equal(tc_keyring_add_text(&r, text, &bad), TC_OK);
	assert_int_equal(r.n, 2); /* the same key once */
	char kid[17];
	tc_sign_kid(other_pk, kid);
	assert_int_equal(tc_keyring_find(&r, kid), 1);
	assert_int_equal(tc_keyring_find(&r, "0000000000000000"), -1);
	struct tc_keyring inline_ring = { .n = 0 };
	snprintf(text, sizeof(text), "%s, %s", a, b);
	assert_int_equal(tc_keyring_add_text(&inline_ring, text, &bad), TC_OK);
	assert_int_equal(inline_ring.n, 2);
	/* a bad key: nothing added, its position named */
	struct tc_keyring r2 = { .n = 0 };
	snprintf(text, sizeof(text), "%s\nbm90IGEga2V5\n", a);
	assert_int_equal(tc_keyring_add_text(&r2, text, &bad), TC_ERR_INVALID);
	assert_int_equal(bad, 2);
	assert_int_equal(r2.n, 0);
	/* at most TC_KEYRING_MAX */
	struct tc_keyring full = { .n = 0 };
	for (int i = 0; i < TC_KEYRING_MAX; i++) {
		uint8_t p[TC_SIGN_PUBLIC_BYTES], s[TC_SIGN_SECRET_BYTES];
		assert_int_equal(tc_sign_keypair(p, s), TC_OK);
		assert_int_equal(tc_keyring_add(&full, p), TC_OK);
	}
	assert_int_equal(tc_keyring_add(&full, other_pk), TC_ERR_LIMIT);
}

static void test_buffer_too_small(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n;
	assert_int_equal(tc_sign_seal(payload, strlen(payload), sk, buf, sizeof(buf), &n), TC_ERR_LIMIT);
}

static void test_key_text_round_trip(void **state)
{
	(void)state;
	char text[128];
	uint8_t back[TC_SIGN_PUBLIC_BYTES];
	assert_int_equal(tc_sign_key_to_text(pk, sizeof(pk), text, sizeof(text)), TC_OK);
	assert_int_equal(tc_sign_key_from_text(text, back, sizeof(back)), TC_OK);
	assert_memory_equal(back, pk, sizeof(pk));
	assert_int_equal(tc_sign_key_from_text("bm90IGEga2V5", back, sizeof(back)), TC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_truncated),        cmocka_unit_test(test_unsigned_and_malformed),
		cmocka_unit_test(test_wrong_key),        cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_key_text_round_trip), cmocka_unit_test(test_kid),
		cmocka_unit_test(test_keyring_text),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
