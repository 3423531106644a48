/*
 * fuzz_smpp.c — libFuzzer target for what an SMSC sends tocsind: a stream
 * of SMPP PDUs (framed as the session does, unpacked through libsmpp34),
 * the text of deliver_sm in each data coding, delivery receipts and
 * officers' replies.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tc_sms_track.h"
#include "tc_smpp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_pdu(const uint8_t *p, size_t n)
{
	struct tc_smpp_pdu pdu;
	struct tc_sms_receipt r;
	char text[TC_SMPP_SM_MAX * 4 + 8], code[9];
	if (tc_smpp_parse(p, n, &pdu, NULL) != TC_OK)
		return;
	size_t len = tc_smpp_text(pdu.sm, pdu.sm_len, pdu.data_coding, (pdu.esm_class & 0x40) != 0, text, sizeof(text));
	tc_sms_receipt_parse(text, len, pdu.message_id, pdu.message_state, &r);
	tc_sms_reply_parse(text, len, code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024], code[9];
	struct tc_sms_receipt r;
	size_t off = 0;
	long k;
	/* the bytes as a stream of PDUs */
	while (off < size && (k = tc_smpp_frame(data + off, size - off)) > 0) {
		one_pdu(data + off, (size_t)k);
		off += (size_t)k;
	}
	/* and as the body of a PDU of the kinds tocsind reads, with a header that fits */
	if (size >= 1 && size + 15 <= TC_SMPP_MAX_PDU) {
		static const uint32_t kinds[] = { 0x00000005, 0x80000004, 0x80000009, 0x00000015, 0x80000000 };
		uint8_t pdu[TC_SMPP_MAX_PDU];
		uint32_t v[4] = { (uint32_t)(size + 15), kinds[data[0] % 5], data[0] & 0x80 ? 0x58u : 0u, 1 };
		for (int i = 0; i < 4; i++)
			for (int b = 0; b < 4; b++)
				pdu[4 * i + b] = (uint8_t)(v[i] >> (24 - 8 * b));
		memcpy(pdu + 16, data + 1, size - 1);
		one_pdu(pdu, size + 15);
	}
	/* and as text: a receipt, a reply, every coding */
	tc_sms_receipt_parse((const char *)data, size, NULL, -1, &r);
	tc_sms_reply_parse((const char *)data, size, code);
	for (uint8_t dc = 0; dc < 9; dc += 4)
		tc_smpp_text(data, size, dc, size && data[0] & 1, text, sizeof(text));
	return 0;
}
