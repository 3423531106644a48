/* test_sign.c — sealing and opening messages with Ed25519. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_sign.h"

static uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
static uint8_t other_pk[TC_SIGN_PUBLIC_BYTES], other_sk[TC_SIGN_SECRET_BYTES];
static const char payload[] = "{\"v\":1,\"id\":\"a1\",\"headline\":\"台风橙色预警\"}";

static int setup(void **state)
{
	(void)state;
	return tc_sign_keypair(pk, sk) || tc_sign_keypair(other_pk, other_sk);
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
	assert_int_equal(tc_sign_open(buf, n, pk, &body, &body_len), TC_VERIFY_OK);
	assert_int_equal(body_len, strlen(payload));
	assert_memory_equal(body, payload, body_len);
}

static void test_tampered_payload(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	buf[n - 3] ^= 0x01;
	assert_int_equal(tc_sign_open(buf, n, pk, &body, &body_len), TC_VERIFY_BAD_SIGNATURE);
	assert_null(body);
}

static void test_truncated(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	assert_int_equal(tc_sign_open(buf, n - 1, pk, &body, &body_len), TC_VERIFY_BAD_SIGNATURE);
	assert_int_equal(tc_sign_open(buf, 40, pk, &body, &body_len), TC_VERIFY_MALFORMED);
}

static void test_unsigned_and_malformed(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len;
	assert_int_equal(tc_sign_open((const uint8_t *)payload, strlen(payload), pk, &body, &body_len),
			 TC_VERIFY_UNSIGNED);
	size_t n = seal(buf, sizeof(buf));
	buf[strlen(TC_SIGN_MAGIC) + 5] = '*'; /* not base64 */
	assert_int_equal(tc_sign_open(buf, n, pk, &body, &body_len), TC_VERIFY_MALFORMED);
	assert_string_equal(tc_verify_name(TC_VERIFY_MALFORMED), "malformed-signature");
}

static void test_wrong_key(void **state)
{
	(void)state;
	uint8_t buf[512];
	const uint8_t *body;
	size_t body_len, n = seal(buf, sizeof(buf));
	assert_int_equal(tc_sign_open(buf, n, other_pk, &body, &body_len), TC_VERIFY_BAD_SIGNATURE);
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
		cmocka_unit_test(test_key_text_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
