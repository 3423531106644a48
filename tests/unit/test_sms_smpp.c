/*
 * test_sms_smpp.c — the SMPP session's state table, its PDUs through libsmpp34,
 * and the gateway's parts as submit_sm carries them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <smpp34.h>

#include "tc_sms.h"
#include "tc_sms_gateway.h"
#include "tc_smpp.h"

static void test_state_table(void **state)
{
	(void)state;
	enum tc_smpp_state next;
	static const struct { enum tc_smpp_state st; enum tc_smpp_event ev; bool ok; enum tc_smpp_state to; } cases[] = {
		{ TC_SMPP_CLOSED, TC_SMPP_EV_CONNECTED, true, TC_SMPP_OPEN },
		{ TC_SMPP_OPEN, TC_SMPP_EV_BIND_OK, true, TC_SMPP_BOUND },
		{ TC_SMPP_OPEN, TC_SMPP_EV_BIND_FAIL, true, TC_SMPP_CLOSED },
		{ TC_SMPP_OPEN, TC_SMPP_EV_SUBMIT, false, TC_SMPP_OPEN },   /* invariant 1: only bound submits */
		{ TC_SMPP_CLOSED, TC_SMPP_EV_SUBMIT, false, TC_SMPP_CLOSED },
		{ TC_SMPP_BOUND, TC_SMPP_EV_SUBMIT, true, TC_SMPP_BOUND },
		{ TC_SMPP_BOUND, TC_SMPP_EV_DELIVER, true, TC_SMPP_BOUND },
		{ TC_SMPP_BOUND, TC_SMPP_EV_ENQUIRE_DUE, true, TC_SMPP_BOUND },
		{ TC_SMPP_BOUND, TC_SMPP_EV_ENQUIRE_TIMEOUT, true, TC_SMPP_CLOSED },
		{ TC_SMPP_BOUND, TC_SMPP_EV_PEER_UNBIND, true, TC_SMPP_CLOSED },
		{ TC_SMPP_BOUND, TC_SMPP_EV_STOP, true, TC_SMPP_UNBINDING },
		{ TC_SMPP_UNBINDING, TC_SMPP_EV_SUBMIT, false, TC_SMPP_UNBINDING },
		{ TC_SMPP_UNBINDING, TC_SMPP_EV_DELIVER, true, TC_SMPP_UNBINDING }, /* still answered while unbinding */
		{ TC_SMPP_UNBINDING, TC_SMPP_EV_UNBIND_RESP, true, TC_SMPP_CLOSED },
		{ TC_SMPP_UNBINDING, TC_SMPP_EV_TIMEOUT, true, TC_SMPP_CLOSED },
		{ TC_SMPP_CLOSED, TC_SMPP_EV_BIND_OK, false, TC_SMPP_CLOSED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tc_smpp_next(cases[i].st, cases[i].ev, &next), cases[i].ok);
		assert_int_equal(next, cases[i].to);
	}
	/* every state leaves on a lost link, and every name is known */
	for (int s = 0; s < TC_SMPP_N_STATES; s++) {
		assert_string_not_equal(tc_smpp_state_name((enum tc_smpp_state)s), "unknown");
		if (s != TC_SMPP_CLOSED) {
			assert_true(tc_smpp_next((enum tc_smpp_state)s, TC_SMPP_EV_LINK_LOST, &next));
			assert_int_equal(next, TC_SMPP_CLOSED);
		}
	}
	for (int e = 0; e < TC_SMPP_N_EVENTS; e++)
		assert_string_not_equal(tc_smpp_event_name((enum tc_smpp_event)e), "unknown");
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_pack_bind_and_submit(void **state)
{
	(void)state;
	uint8_t b[TC_SMPP_MAX_PDU];
	size_t n = tc_smpp_pack_bind(b, sizeof(b), 7, "tocsin", "secret", "");
	assert_true(n > 16);
	assert_int_equal(be32(b), n);
	assert_int_equal(be32(b + 4), BIND_TRANSCEIVER);
	assert_int_equal(be32(b + 12), 7);
	assert_memory_equal(b + 16, "tocsin\0secret\0", 14);

	struct tc_sms_message m;
	const char *text = "台风橙色预警：请立即转移到避难场所。沿海人员尽快撤离，关好门窗，远离广告牌和临时搭建物。"
			   "渔船回港避风，海上作业人员撤离上岸。请关注气象台发布的最新预警信息。";
	struct tc_sms_options so = { .ref = 0x2A };
	assert_int_equal(tc_sms_encode(text, strlen(text), &so, &m, NULL), TC_OK);
	assert_int_equal(m.n_segments, 2);
	/* a gateway's part: segment 2 of 2, its text read back whole from both */
	struct tc_sms_submit part;
	char whole[512];
	size_t len = 0;
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(tc_sms_submit_from_segment(&m, k, "+8613800000001", 32 + k, &part), TC_OK);
		len += tc_sms_decode(part.encoding, part.ud + part.udh_len, part.ud_len - part.udh_len, whole + len,
					   sizeof(whole) - len);
	}
	assert_string_equal(whole, text);
	assert_int_equal(tc_sms_submit_from_segment(&m, 2, "+8613800000001", 34, &part), TC_ERR_INVALID);
	assert_int_equal(part.ref, 33);
	assert_int_equal(part.encoding, TC_SMS_UCS2);
	assert_int_equal(part.part, 2);
	assert_int_equal(part.parts, 2);
	assert_int_equal(part.udh_len, 6);
	struct tc_smpp_msg msg;
	tc_smpp_msg_from_submit(&part, &msg);
	assert_int_equal(msg.ref, 33);
	assert_string_equal(msg.dest, "+8613800000001");
	assert_int_equal(msg.data_coding, 8);
	assert_int_equal(msg.esm_class, 0x40);
	assert_memory_equal(msg.sm, "\x05\x00\x03\x2A\x02\x02", 6);
	n = tc_smpp_pack_submit(b, sizeof(b), 8, &msg, "12379");
	assert_true(n > 16);
	assert_int_equal(be32(b + 4), SUBMIT_SM);
	/* service_type "", source TON 1 NPI 1 "12379", destination TON 1 NPI 1 without '+' */
	assert_memory_equal(b + 16, "\0\x01\x01" "12379\0\x01\x01" "8613800000001\0\x40", 26);

	/* GSM 7-bit travels as one septet an octet */
	assert_int_equal(tc_sms_encode("Typhoon warning {orange}", 24, NULL, &m, NULL), TC_OK);
	assert_int_equal(tc_sms_submit_from_segment(&m, 0, "8613800000001", 1, &part), TC_OK);
	assert_int_equal(part.part, 1);
	assert_int_equal(part.parts, 1);
	assert_int_equal(part.udh_len, 0);
	tc_smpp_msg_from_submit(&part, &msg);
	assert_int_equal(msg.data_coding, 0);
	assert_int_equal(msg.esm_class, 0);
	assert_int_equal(msg.sm_len, 26); /* { and } are escape + code */
	char back[64];
	tc_smpp_text(msg.sm, msg.sm_len, 0, false, back, sizeof(back));
	assert_string_equal(back, "Typhoon warning {orange}");
	tc_sms_decode(part.encoding, part.ud, part.ud_len, back, sizeof(back));
	assert_string_equal(back, "Typhoon warning {orange}");
}

/* A deliver_sm as an SMSC sends it: receipt text and optional TLVs. */
static size_t deliver(uint8_t *b, uint8_t esm, uint8_t dc, const char *src, const uint8_t *sm, size_t sm_len,
		      const char *tlv_id, int tlv_state)
{
	size_t o = 16;
	memcpy(b + o, "\0\x01\x01", 3); /* service_type, source TON, NPI */
	o += 3;
	memcpy(b + o, src, strlen(src) + 1);
	o += strlen(src) + 1;
	memcpy(b + o, "\x01\x01" "12379\0", 8);
	o += 8;
	b[o++] = esm;
	b[o++] = 0;    /* protocol_id */
	b[o++] = 0;    /* priority */
	b[o++] = 0;    /* schedule_delivery_time "" */
	b[o++] = 0;    /* validity_period "" */
	b[o++] = 0;    /* registered_delivery */
	b[o++] = 0;    /* replace_if_present */
	b[o++] = dc;
	b[o++] = 0;    /* sm_default_msg_id */
	b[o++] = (uint8_t)sm_len;
	if (sm_len)
		memcpy(b + o, sm, sm_len);
	o += sm_len;
	if (tlv_id) {
		size_t k = strlen(tlv_id) + 1;
		b[o++] = 0x00, b[o++] = 0x1E, b[o++] = 0, b[o++] = (uint8_t)k;
		memcpy(b + o, tlv_id, k);
		o += k;
	}
	if (tlv_state >= 0)
		b[o++] = 0x04, b[o++] = 0x27, b[o++] = 0, b[o++] = 1, b[o++] = (uint8_t)tlv_state;
	uint32_t v[4] = { (uint32_t)o, DELIVER_SM, 0, 99 };
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			b[4 * i + k] = (uint8_t)(v[i] >> (24 - 8 * k));
	return o;
}

static void test_parse_receipt_and_mo(void **state)
{
	(void)state;
	uint8_t b[TC_SMPP_MAX_PDU];
	struct tc_smpp_pdu p;
	const char *rc = "id:sim00000042 sub:001 dlvrd:001 submit date:2612011200 done date:2612011201 stat:DELIVRD err:000 text:";
	size_t n = deliver(b, 0x04, 0, "8613800000001", (const uint8_t *)rc, strlen(rc), "sim00000042", 2);
	assert_int_equal(tc_smpp_frame(b, n), (long)n);
	assert_int_equal(tc_smpp_frame(b, n - 1), 0);
	assert_int_equal(tc_smpp_parse(b, n, &p, NULL), TC_OK);
	assert_int_equal(p.command_id, DELIVER_SM);
	assert_int_equal(p.seq, 99);
	assert_int_equal(p.esm_class, 0x04);
	assert_string_equal(p.source, "8613800000001");
	assert_string_equal(p.message_id, "sim00000042");
	assert_int_equal(p.message_state, 2);
	assert_int_equal(p.sm_len, strlen(rc));

	/* an MO in UCS-2: 收到 */
	n = deliver(b, 0, 8, "8613800100009", (const uint8_t *)"\x65\x36\x52\x30", 4, NULL, -1);
	assert_int_equal(tc_smpp_parse(b, n, &p, NULL), TC_OK);
	assert_int_equal(p.message_state, -1);
	char text[64];
	tc_smpp_text(p.sm, p.sm_len, p.data_coding, false, text, sizeof(text));
	assert_string_equal(text, "收到");

	/* a submit_sm_resp refusing with an empty message id: read from the header */
	uint8_t r[17] = { 0, 0, 0, 17, 0x80, 0, 0, 4, 0, 0, 0, 0x45, 0, 0, 0, 5, 0 };
	assert_int_equal(tc_smpp_parse(r, sizeof(r), &p, NULL), TC_OK);
	assert_int_equal(p.status, 0x45);
	assert_int_equal(p.seq, 5);
	assert_string_equal(tc_smpp_status_name(ESME_RTHROTTLED), "throttled");
}

/* What overran libsmpp34's log buffer: hundreds of TLVs, a long message_payload. */
static void test_parse_many_tlvs(void **state)
{
	(void)state;
	uint8_t b[TC_SMPP_MAX_PDU];
	struct tc_smpp_pdu p;
	size_t n = deliver(b, 0x00, 0, "8613800100009", NULL, 0, NULL, -1);
	for (int i = 0; i < 300; i++) /* empty vendor TLVs */
		b[n++] = 0x14, b[n++] = 0x01, b[n++] = 0, b[n++] = 0;
	b[n++] = 0x04, b[n++] = 0x24, b[n++] = 0x02, b[n++] = 0x00; /* message_payload, 512 bytes */
	memset(b + n, 'A', 512);
	memcpy(b + n, "ACK 4821", 8);
	n += 512;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(n >> (24 - 8 * i));
	assert_int_equal(tc_smpp_parse(b, n, &p, NULL), TC_OK);
	assert_int_equal(p.sm_len, TC_SMPP_SM_MAX); /* the payload, cut to what a short message holds */
	assert_memory_equal(p.sm, "ACK 4821AAAA", 12);
	/* a TLV running past the end */
	n = deliver(b, 0x04, 0, "8613800100009", (const uint8_t *)"x", 1, "id1", 2);
	b[n - 2] = 9; /* message_state says 9 bytes */
	assert_int_equal(tc_smpp_parse(b, n, &p, NULL), TC_ERR_INVALID);
	/* a bind_transceiver_resp full of TLVs: its status is all that is read */
	uint8_t r[16 + 8 + 4 * 200] = { 0 };
	size_t k = 16;
	memcpy(r + 16, "smsc\0", 5);
	k += 5;
	for (int i = 0; i < 200; i++, k += 4)
		r[k] = 0x02, r[k + 1] = 0x10;
	uint32_t v[4] = { (uint32_t)k, BIND_TRANSCEIVER_RESP, 0, 1 };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			r[4 * i + j] = (uint8_t)(v[i] >> (24 - 8 * j));
	assert_int_equal(tc_smpp_parse(r, k, &p, NULL), TC_OK);
	assert_int_equal(p.command_id, BIND_TRANSCEIVER_RESP);
}

static void test_parse_refuses_garbage(void **state)
{
	(void)state;
	uint8_t b[64] = { 0, 0, 0, 8 };
	struct tc_smpp_pdu p;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_smpp_frame(b, 4), -1); /* shorter than a header */
	b[3] = 40;
	assert_int_equal(tc_smpp_parse(b, 20, &p, d), TC_ERR_INVALID); /* says 40, is 20 */
	assert_non_null(tc_diags_find(d, "smpp.length"));
	/* a deliver_sm cut short */
	uint8_t c[24] = { 0, 0, 0, 24, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, '8', '6', '1', '3', 0 };
	assert_int_equal(tc_smpp_parse(c, sizeof(c), &p, d), TC_ERR_INVALID);
	tc_diags_free(d);
	/* GSM text decoding never overruns */
	char small[4];
	const uint8_t gsm[] = { 0x1B, 0x65, 0x41, 0x42, 0x43, 0x1B };
	size_t k = tc_smpp_text(gsm, sizeof(gsm), 0, false, small, sizeof(small));
	assert_true(k < sizeof(small));
	assert_string_equal(small, "€");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_pack_bind_and_submit),
		cmocka_unit_test(test_parse_receipt_and_mo),
		cmocka_unit_test(test_parse_many_tlvs),
		cmocka_unit_test(test_parse_refuses_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
