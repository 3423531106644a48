/* test_sms_track.c — per-recipient SMS states, delivery receipts and officers' replies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_sms_track.h"

static void test_states(void **state)
{
	(void)state;
	enum tc_sms_state next, back;
	for (int i = 0; i < TC_SMS_N_STATES; i++) {
		assert_int_equal(tc_sms_state_parse(tc_sms_state_name((enum tc_sms_state)i), &back), TC_OK);
		assert_int_equal(back, i);
	}
	assert_int_equal(tc_sms_state_parse("sent", &back), TC_ERR_INVALID);
	static const struct { enum tc_sms_state st; enum tc_sms_sevent ev; bool ok; enum tc_sms_state to; } cases[] = {
		{ TC_SMS_QUEUED, TC_SMS_EV_ALL_SUBMITTED, true, TC_SMS_SUBMITTED },
		{ TC_SMS_QUEUED, TC_SMS_EV_REFUSED, true, TC_SMS_REJECTED },
		{ TC_SMS_QUEUED, TC_SMS_EV_DELIVERED, false, TC_SMS_QUEUED },
		{ TC_SMS_SUBMITTED, TC_SMS_EV_DELIVERED, true, TC_SMS_DELIVERED },
		{ TC_SMS_SUBMITTED, TC_SMS_EV_UNDELIVERABLE, true, TC_SMS_UNDELIVERABLE },
		{ TC_SMS_SUBMITTED, TC_SMS_EV_EXPIRED, true, TC_SMS_EXPIRED },
		{ TC_SMS_SUBMITTED, TC_SMS_EV_REJECTED, true, TC_SMS_REJECTED },
		{ TC_SMS_SUBMITTED, TC_SMS_EV_TIMEOUT, true, TC_SMS_NO_RECEIPT },
		{ TC_SMS_NO_RECEIPT, TC_SMS_EV_DELIVERED, true, TC_SMS_DELIVERED }, /* a late receipt still counts */
		{ TC_SMS_NO_RECEIPT, TC_SMS_EV_TIMEOUT, false, TC_SMS_NO_RECEIPT },
		{ TC_SMS_DELIVERED, TC_SMS_EV_UNDELIVERABLE, false, TC_SMS_DELIVERED }, /* nothing leaves a final state */
		{ TC_SMS_REJECTED, TC_SMS_EV_DELIVERED, false, TC_SMS_REJECTED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tc_sms_next(cases[i].st, cases[i].ev, &next), cases[i].ok);
		assert_int_equal(next, cases[i].to);
	}
	/* final states take nothing */
	for (int s = 0; s < TC_SMS_N_STATES; s++)
		for (int e = 0; e < TC_SMS_N_EVENTS; e++)
			if (tc_sms_state_final((enum tc_sms_state)s))
				assert_false(tc_sms_next((enum tc_sms_state)s, (enum tc_sms_sevent)e, &next));
}

static void test_receipts(void **state)
{
	(void)state;
	struct tc_sms_receipt r;
	const char *t = "id:0123abc sub:001 dlvrd:001 submit date:2612011200 done date:2612011201 stat:DELIVRD err:000 text:台风";
	assert_int_equal(tc_sms_receipt_parse(t, strlen(t), NULL, -1, &r), TC_OK);
	assert_string_equal(r.id, "0123abc");
	assert_string_equal(r.stat, "DELIVRD");
	assert_string_equal(r.err, "000");
	/* field names in any case and order; lower-case stat */
	t = "Stat:undeliv Id:77 err:001";
	assert_int_equal(tc_sms_receipt_parse(t, strlen(t), NULL, -1, &r), TC_OK);
	assert_string_equal(r.id, "77");
	assert_string_equal(r.stat, "UNDELIV");
	/* the TLVs win over the text */
	t = "id:1 stat:DELIVRD";
	assert_int_equal(tc_sms_receipt_parse(t, strlen(t), "abc-9", 3, &r), TC_OK);
	assert_string_equal(r.id, "abc-9");
	assert_string_equal(r.stat, "EXPIRED");
	/* TLVs alone */
	assert_int_equal(tc_sms_receipt_parse(NULL, 0, "x", 8, &r), TC_OK);
	assert_string_equal(r.stat, "REJECTD");
	/* "id:" inside another word is not the id; nothing usable */
	t = "myid:5 text:stat:";
	assert_int_equal(tc_sms_receipt_parse(t, strlen(t), NULL, -1, &r), TC_ERR_INVALID);
	assert_int_equal(tc_sms_receipt_parse("", 0, NULL, 9, &r), TC_ERR_INVALID);

	enum tc_sms_sevent ev;
	assert_true(tc_sms_receipt_event("DELIVRD", &ev));
	assert_int_equal(ev, TC_SMS_EV_DELIVERED);
	assert_true(tc_sms_receipt_event("UNDELIV", &ev));
	assert_int_equal(ev, TC_SMS_EV_UNDELIVERABLE);
	assert_true(tc_sms_receipt_event("EXPIRED", &ev));
	assert_int_equal(ev, TC_SMS_EV_EXPIRED);
	assert_true(tc_sms_receipt_event("REJECTD", &ev));
	assert_int_equal(ev, TC_SMS_EV_REJECTED);
	assert_false(tc_sms_receipt_event("ENROUTE", &ev));
	assert_false(tc_sms_receipt_event("ACCEPTD", &ev));
}

static void test_replies(void **state)
{
	(void)state;
	char code[9];
	static const struct { const char *text; enum tc_sms_reply kind; const char *code; } cases[] = {
		{ "1", TC_SMS_REPLY_ACK, "" },
		{ " 1 ", TC_SMS_REPLY_ACK, "" },
		{ "１", TC_SMS_REPLY_ACK, "" },           /* full-width digit */
		{ "收到", TC_SMS_REPLY_ACK, "" },
		{ "收到。", TC_SMS_REPLY_ACK, "" },
		{ "收到！", TC_SMS_REPLY_ACK, "" },
		{ "确认", TC_SMS_REPLY_ACK, "" },
		{ "ok", TC_SMS_REPLY_ACK, "" },
		{ "ACK", TC_SMS_REPLY_ACK, "" },
		{ "ACK 4821", TC_SMS_REPLY_ACK_CODE, "4821" },
		{ "ack4821", TC_SMS_REPLY_ACK_CODE, "4821" },
		{ "ＡＣＫ　４８２１", TC_SMS_REPLY_ACK_CODE, "4821" }, /* full-width letters, digits and space */
		{ "收到 4821", TC_SMS_REPLY_ACK_CODE, "4821" },
		{ "1 4821", TC_SMS_REPLY_ACK_CODE, "4821" },
		{ "ACK: 12345678", TC_SMS_REPLY_ACK_CODE, "12345678" },
		{ "ACK 123", TC_SMS_REPLY_NONE, "" },      /* a code has 4 to 8 digits */
		{ "2", TC_SMS_REPLY_NONE, "" },
		{ "12", TC_SMS_REPLY_NONE, "" },
		{ "没收到", TC_SMS_REPLY_NONE, "" },
		{ "STOP", TC_SMS_REPLY_NONE, "" },
		{ "", TC_SMS_REPLY_NONE, "" },
		{ "4821", TC_SMS_REPLY_NONE, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tc_sms_reply k = tc_sms_reply_parse(cases[i].text, strlen(cases[i].text), code);
		if (k != cases[i].kind)
			fail_msg("'%s': got %d, expected %d", cases[i].text, k, cases[i].kind);
		assert_string_equal(code, cases[i].code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
