/* test_sms.c — SMS encoding against exact bytes (3GPP TS 23.038 / 23.040). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sms.h"

static struct tc_sms_message msg;

static void encode_ok(const char *text, const struct tc_sms_options *opt)
{
	assert_int_equal(tc_sms_encode(text, strlen(text), opt, &msg, NULL), TC_OK);
}

static char *repeat(const char *unit, size_t n)
{
	size_t l = strlen(unit);
	char *s = malloc(l * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * l, unit, l);
	s[l * n] = '\0';
	return s;
}

static void test_gsm7_packing_golden(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37 };
	encode_ok("hellohello", NULL);
	assert_int_equal(msg.encoding, TC_SMS_GSM7);
	assert_int_equal(msg.n_segments, 1);
	assert_int_equal(msg.segments[0].udl, 10);
	assert_int_equal(msg.segments[0].udh_len, 0);
	assert_int_equal(msg.segments[0].ud_len, sizeof(want));
	assert_memory_equal(msg.segments[0].ud, want, sizeof(want));
}

static void test_gsm7_special_characters(void **state)
{
	(void)state;
	/* @ is 0x00, £ 0x01, $ 0x02, _ 0x11, Δ 0x10, é 0x05, ü 0x7E */
	static const uint8_t want[] = { 0x00, 0x01, 0x02, 0x11, 0x10, 0x05, 0x7E };
	encode_ok("@£$_Δéü", NULL);
	assert_int_equal(msg.encoding, TC_SMS_GSM7);
	assert_int_equal(msg.segments[0].n_septets, sizeof(want));
	assert_memory_equal(msg.segments[0].septets, want, sizeof(want));
}

static void test_gsm7_extension_is_two_septets(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0x9B, 0x32 }; /* ESC 0x65 packed */
	encode_ok("€", NULL);
	assert_int_equal(msg.encoding, TC_SMS_GSM7);
	assert_int_equal(msg.segments[0].udl, 2);
	assert_int_equal(msg.chars, 1);
	assert_memory_equal(msg.segments[0].ud, want, sizeof(want));
	encode_ok("[]{}|~^\\", NULL);
	assert_int_equal(msg.segments[0].udl, 16);
}

static void test_ucs2_golden(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0x53, 0xF0, 0x98, 0xCE };
	encode_ok("台风", NULL);
	assert_int_equal(msg.encoding, TC_SMS_UCS2);
	assert_int_equal(msg.segments[0].udl, 4);
	assert_memory_equal(msg.segments[0].ud, want, sizeof(want));
}

static void test_ucs2_surrogate_pair(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0xD8, 0x3D, 0xDE, 0x00 };
	encode_ok("😀", NULL);
	assert_int_equal(msg.encoding, TC_SMS_UCS2);
	assert_memory_equal(msg.segments[0].ud, want, sizeof(want));
}

static void test_mixed_text_is_ucs2(void **state)
{
	(void)state;
	encode_ok("Typhoon 台风 warning", NULL);
	assert_int_equal(msg.encoding, TC_SMS_UCS2);
	assert_int_equal(msg.segments[0].udl, 2 * 18);
}

/* What an SMSC hands back reads as what was sent: GSM codes (extension table too) and UCS-2. */
static void test_decode_round_trip(void **state)
{
	(void)state;
	char back[256];
	const char *gsm = "Hello @£$ {[€]} ÄÖÑÜ§ Δ_ 12:30!";
	encode_ok(gsm, NULL);
	assert_int_equal(msg.encoding, TC_SMS_GSM7);
	tc_sms_decode(TC_SMS_GSM7, msg.segments[0].septets, msg.segments[0].n_septets, back, sizeof(back));
	assert_string_equal(back, gsm);
	const char *ucs2 = "台风红色预警😀 go";
	encode_ok(ucs2, NULL);
	assert_int_equal(msg.encoding, TC_SMS_UCS2);
	tc_sms_decode(TC_SMS_UCS2, msg.segments[0].ud, msg.segments[0].ud_len, back, sizeof(back));
	assert_string_equal(back, ucs2);
}

static void test_decode_bounds(void **state)
{
	(void)state;
	char small[5];
	static const uint8_t tai_feng[] = { 0x53, 0xF0, 0x98, 0xCE }; /* 台风: 3 bytes each in UTF-8 */
	assert_int_equal(tc_sms_decode(TC_SMS_UCS2, tai_feng, sizeof(tai_feng), small, sizeof(small)), 3);
	assert_string_equal(small, "台"); /* cut at a character, never inside one */
	static const uint8_t odd[] = { 0x1B, 0x01, 0x41, 0x1B }; /* unknown extension, trailing ESC */
	char back[16];
	tc_sms_decode(TC_SMS_GSM7, odd, sizeof(odd), back, sizeof(back));
	assert_string_equal(back, " A ");
	static const uint8_t lone[] = { 0xD8, 0x3D, 0x00, 0x41 }; /* a high surrogate alone */
	tc_sms_decode(TC_SMS_UCS2, lone, sizeof(lone), back, sizeof(back));
	assert_string_equal(back, "\xEF\xBF\xBD" "A");
	assert_int_equal(tc_sms_decode(TC_SMS_GSM7, odd, sizeof(odd), back, 0), 0);
}

static void test_single_limits(void **state)
{
	(void)state;
	char *s160 = repeat("a", 160), *s161 = repeat("a", 161), *c70 = repeat("台", 70), *c71 = repeat("台", 71);
	assert_int_equal(tc_sms_count_segments(s160, 160, false, NULL), 1);
	assert_int_equal(tc_sms_count_segments(s161, 161, false, NULL), 2);
	assert_int_equal(tc_sms_count_segments(c70, strlen(c70), false, NULL), 1);
	assert_int_equal(tc_sms_count_segments(c71, strlen(c71), false, NULL), 2);
	free(s160);
	free(s161);
	free(c70);
	free(c71);
}

static void test_concatenated_gsm7_golden(void **state)
{
	(void)state;
	char *s = repeat("a", 161);
	struct tc_sms_options opt = { .ref = 0x42 };
	encode_ok(s, &opt);
	assert_int_equal(msg.n_segments, 2);
	const struct tc_sms_segment *a = &msg.segments[0], *b = &msg.segments[1];
	static const uint8_t udh1[] = { 0x05, 0x00, 0x03, 0x42, 0x02, 0x01 };
	static const uint8_t udh2[] = { 0x05, 0x00, 0x03, 0x42, 0x02, 0x02 };
	assert_memory_equal(a->ud, udh1, 6);
	assert_memory_equal(b->ud, udh2, 6);
	assert_int_equal(a->chars, 153);
	assert_int_equal(b->chars, 8);
	assert_int_equal(a->udl, 160);
	assert_int_equal(a->ud_len, 140);
	/* One fill bit after the 6-octet UDH: 'a' (0x61) starts at bit 49. */
	assert_int_equal(a->ud[6], 0xC2);
	assert_int_equal(a->ud[7], 0xE1);
	assert_int_equal(a->ud[8], 0x70); /* third and fourth septets share it */
	free(s);
}

static void test_concatenated_16bit_reference(void **state)
{
	(void)state;
	char *s = repeat("b", 305);
	struct tc_sms_options opt = { .ref16 = true, .ref = 0x1234 };
	encode_ok(s, &opt);
	assert_int_equal(msg.n_segments, 3); /* 152 + 152 + 1 */
	static const uint8_t udh[] = { 0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x03 };
	assert_memory_equal(msg.segments[2].ud, udh, 7);
	assert_int_equal(msg.segments[0].chars, 152);
	assert_int_equal(msg.segments[0].udl, 8 + 152);
	free(s);
}

static void test_escape_never_split(void **state)
{
	(void)state;
	char *a152 = repeat("a", 152), *a8 = repeat("a", 8);
	char text[256];
	snprintf(text, sizeof(text), "%s€%s", a152, a8);
	encode_ok(text, NULL);
	assert_int_equal(msg.n_segments, 2);
	assert_int_equal(msg.segments[0].n_septets, 152);
	assert_int_equal(msg.segments[1].septets[0], 0x1B);
	assert_int_equal(msg.segments[1].septets[1], 0x65);
	free(a152);
	free(a8);
}

static void test_surrogate_never_split(void **state)
{
	(void)state;
	char *c66 = repeat("台", 66), *c3 = repeat("台", 3);
	char text[512];
	snprintf(text, sizeof(text), "%s😀%s", c66, c3);
	encode_ok(text, NULL);
	assert_int_equal(msg.n_segments, 2);
	assert_int_equal(msg.segments[0].chars, 66);
	assert_int_equal(msg.segments[0].ud_len, 6 + 132);
	assert_int_equal(msg.segments[1].ud[6], 0xD8);
	assert_int_equal(msg.segments[1].ud[7], 0x3D);
	free(c66);
	free(c3);
}

static void test_ucs2_concatenated_sizes(void **state)
{
	(void)state;
	char *c135 = repeat("雨", 135);
	encode_ok(c135, NULL);
	assert_int_equal(msg.n_segments, 3); /* 67 + 67 + 1 */
	assert_int_equal(msg.segments[0].udl, 6 + 134);
	assert_int_equal(msg.segments[2].chars, 1);
	free(c135);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_sms_encode("ab\xC3", 3, NULL, &msg, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "sms.utf8"));
	assert_int_equal(tc_sms_encode("\xED\xA0\x80", 3, NULL, &msg, d), TC_ERR_INVALID); /* lone surrogate */
	assert_int_equal(tc_sms_encode("\xC0\xAF", 2, NULL, &msg, d), TC_ERR_INVALID);     /* overlong */
	tc_diags_free(d);
}

static void test_too_many_segments(void **state)
{
	(void)state;
	char *s = repeat("a", 400);
	struct tc_sms_options opt = { .max_segments = 2 };
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_sms_encode(s, 400, &opt, &msg, d), TC_ERR_LIMIT);
	assert_non_null(tc_diags_find(d, "sms.too-long"));
	tc_diags_free(d);
	free(s);
}

static void test_fit_cuts_at_sentence(void **state)
{
	(void)state;
	/* Three sentences of 30 characters each: 90 > 70, so one SMS keeps two. */
	char *body = repeat("雨", 29);
	char text[1024];
	snprintf(text, sizeof(text), "%s。%s。%s。", body, body, body);
	size_t keep = tc_sms_fit(text, strlen(text), 1, false);
	assert_int_equal(keep, 2 * (29 * 3 + 3));
	assert_int_equal(tc_sms_fit(text, strlen(text), 2, false), strlen(text));
	free(body);
}

static void test_fit_without_sentence_end(void **state)
{
	(void)state;
	char *s = repeat("a", 200);
	assert_int_equal(tc_sms_fit(s, 200, 1, false), 160);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsm7_packing_golden),
		cmocka_unit_test(test_gsm7_special_characters),
		cmocka_unit_test(test_gsm7_extension_is_two_septets),
		cmocka_unit_test(test_ucs2_golden),
		cmocka_unit_test(test_ucs2_surrogate_pair),
		cmocka_unit_test(test_mixed_text_is_ucs2),
		cmocka_unit_test(test_decode_round_trip),
		cmocka_unit_test(test_decode_bounds),
		cmocka_unit_test(test_single_limits),
		cmocka_unit_test(test_concatenated_gsm7_golden),
		cmocka_unit_test(test_concatenated_16bit_reference),
		cmocka_unit_test(test_escape_never_split),
		cmocka_unit_test(test_surrogate_never_split),
		cmocka_unit_test(test_ucs2_concatenated_sizes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_fit_cuts_at_sentence),
		cmocka_unit_test(test_fit_without_sentence_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
