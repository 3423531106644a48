/*
 * tc_sms.h — SMS text encoding per 3GPP TS 23.038 / 23.040.
 *
 * A UTF-8 text becomes one or more SMS segments. The GSM 7-bit default
 * alphabet (with its extension table: ^ { } \ [ ~ ] | €) is used when every
 * character has a place in it; otherwise UCS-2. A text that does not fit one
 * SMS (160 septets / 70 UCS-2 units) is split into concatenated segments
 * carrying a User Data Header (8-bit reference: 05 00 03 ref total seq;
 * 16-bit: 06 08 04 refhi reflo total seq), 153/67 characters each (152/66
 * with the 16-bit reference). An escape sequence and a UTF-16 surrogate pair
 * are never split across segments.
 *
 * Pure: no I/O, no globals; everything lives in the caller's struct.
 */
#ifndef TC_SMS_H
#define TC_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"

#define TC_SMS_MAX_SEGMENTS 16
#define TC_SMS_UD_MAX 140 /* octets of TP-User-Data in one SMS */

enum tc_sms_encoding {
	TC_SMS_GSM7 = 0,
	TC_SMS_UCS2,
};

const char *tc_sms_encoding_name(enum tc_sms_encoding e);

struct tc_sms_segment {
	uint8_t ud[TC_SMS_UD_MAX]; /* TP-UD as sent over the air: UDH, fill bits, packed septets or UCS-2 */
	size_t ud_len;             /* octets used in ud */
	size_t udl;                /* TP-UDL: septets (GSM 7-bit, UDH included) or octets (UCS-2) */
	size_t udh_len;            /* octets of UDH at the start of ud (0 for a single SMS) */
	size_t chars;              /* characters of the text in this segment */
	/* The same text as one GSM 7-bit code per octet (unpacked), as SMPP carries it. */
	uint8_t septets[TC_SMS_UD_MAX * 8 / 7 + 1];
	size_t n_septets;
};

struct tc_sms_message {
	enum tc_sms_encoding encoding;
	size_t n_segments;
	size_t chars; /* characters in the whole text */
	struct tc_sms_segment segments[TC_SMS_MAX_SEGMENTS];
};

struct tc_sms_options {
	unsigned max_segments; /* 1..TC_SMS_MAX_SEGMENTS; 0 means TC_SMS_MAX_SEGMENTS */
	bool ref16;            /* 16-bit concatenation reference */
	uint16_t ref;          /* the reference number (low 8 bits with 8-bit references) */
	bool force_ucs2;       /* never use the GSM 7-bit alphabet */
};

/*
 * Encode text (UTF-8, len bytes) into *out. Returns TC_OK, TC_ERR_INVALID
 * (text not valid UTF-8, or a code point UCS-2 cannot carry... never: those
 * become surrogate pairs) or TC_ERR_LIMIT (more segments than allowed); d
 * (may be NULL) says why.
 */
enum tc_rc tc_sms_encode(const char *text, size_t len, const struct tc_sms_options *opt,
			 struct tc_sms_message *out, struct tc_diags *d);

/*
 * How many segments text needs (without building them); 0 on invalid UTF-8.
 * *encoding (may be NULL) receives the encoding that would be used.
 */
size_t tc_sms_count_segments(const char *text, size_t len, bool ref16, enum tc_sms_encoding *encoding);

/*
 * The other way: characters as an SMSC or gateway hands them back (GSM 7-bit
 * one code per octet, ESC + code for the extension table; or UCS-2 big
 * endian, surrogate pairs joined) as UTF-8 in out, NUL-terminated, cut at a
 * character boundary when out is too small. Returns the bytes written
 * without the NUL. An unknown extension code reads as a space, a lone
 * surrogate as U+FFFD.
 */
size_t tc_sms_decode(enum tc_sms_encoding encoding, const uint8_t *chars, size_t len, char *out, size_t cap);

/*
 * Cut text to the longest prefix that fits max_segments, preferring the end
 * of a sentence (。！？.!?；;) and else a character boundary. Returns the
 * number of bytes to keep (len when everything fits).
 */
size_t tc_sms_fit(const char *text, size_t len, unsigned max_segments, bool ref16);

#endif
