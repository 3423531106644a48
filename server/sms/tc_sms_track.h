/*
 * tc_sms_track.h — what happens to one SMS recipient: the per-recipient
 * state machine, delivery receipts and officers' replies.
 *
 *            all parts handed over        every part DELIVRD
 *   queued ─────────────────────> submitted ──────────────────> delivered
 *     │ a part refused (permanent)     │ a part UNDELIV / EXPIRED / REJECTD
 *     v                                v        (or DELETED, UNKNOWN: undeliverable)
 *   rejected                  undeliverable | expired | rejected
 *                                      │ no receipt within receipt_timeout_s
 *                                      v
 *                                  no-receipt   (a late receipt still moves it on)
 *
 * Confirmation is apart from the delivery state: a reply from the phone
 * ("1", "收到", "ACK <code>", ...) marks the recipient confirmed whatever its
 * state, since an answer proves the message arrived.
 *
 * Invariants:
 *  1. A recipient is delivered only when every one of its parts has a
 *     DELIVRD receipt; the first failing receipt decides a failure.
 *  2. Final states are delivered, undeliverable, expired, rejected; only a
 *     receipt leaves no-receipt. Nothing leaves a final state.
 *  3. Only submitted carries a timer (the receipt deadline).
 */
#ifndef TC_SMS_TRACK_H
#define TC_SMS_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_rc.h"

enum tc_sms_state {
	TC_SMS_QUEUED = 0,
	TC_SMS_SUBMITTED,
	TC_SMS_DELIVERED,
	TC_SMS_UNDELIVERABLE,
	TC_SMS_REJECTED,
	TC_SMS_EXPIRED,
	TC_SMS_NO_RECEIPT,
	TC_SMS_N_STATES,
};
#define TC_SMS_STATE_NAMES "queued", "submitted", "delivered", "undeliverable", "rejected", "expired", "no-receipt"

const char *tc_sms_state_name(enum tc_sms_state s);
enum tc_rc tc_sms_state_parse(const char *name, enum tc_sms_state *out);
bool tc_sms_state_final(enum tc_sms_state s);

enum tc_sms_sevent {
	TC_SMS_EV_ALL_SUBMITTED = 0, /* the last part was accepted by the SMSC */
	TC_SMS_EV_REFUSED,           /* a part was refused for good */
	TC_SMS_EV_DELIVERED,         /* a receipt DELIVRD for the last part still open */
	TC_SMS_EV_UNDELIVERABLE,     /* a receipt UNDELIV (DELETED, UNKNOWN) */
	TC_SMS_EV_EXPIRED,           /* a receipt EXPIRED */
	TC_SMS_EV_REJECTED,          /* a receipt REJECTD */
	TC_SMS_EV_TIMEOUT,           /* the receipt deadline passed */
	TC_SMS_N_EVENTS,
};
const char *tc_sms_sevent_name(enum tc_sms_sevent e);

/* The state after ev in st; false (and *next = st) when st does not take ev. Pure. */
bool tc_sms_next(enum tc_sms_state st, enum tc_sms_sevent ev, enum tc_sms_state *next);

/* --- delivery receipts --------------------------------------------------------------- */

struct tc_sms_receipt {
	char id[66];   /* the message id the receipt is about */
	char stat[8];  /* DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED, ACCEPTD, UNKNOWN, ENROUTE */
	char err[8];
};

/*
 * Read a receipt: the text "id:… sub:… dlvrd:… submit date:… done date:…
 * stat:… err:… text:…" (fields in any order, case-insensitive names), with
 * TLVs winning when given (tlv_id may be NULL or "", tlv_state -1 when
 * absent: SMPP message_state 1..8). TC_ERR_INVALID when neither says which
 * message it is about and how it ended.
 */
enum tc_rc tc_sms_receipt_parse(const char *text, size_t len, const char *tlv_id, int tlv_state,
				struct tc_sms_receipt *out);

/* The event of a receipt's stat; false for intermediate ones (ENROUTE, ACCEPTD). */
bool tc_sms_receipt_event(const char *stat, enum tc_sms_sevent *out);

/* --- officers' replies ------------------------------------------------------------------ */

enum tc_sms_reply {
	TC_SMS_REPLY_NONE = 0, /* not a confirmation */
	TC_SMS_REPLY_ACK,      /* "1", "收到", "确认", "OK", "ACK": the latest message to that phone */
	TC_SMS_REPLY_ACK_CODE, /* "ACK 4821", "收到 4821", "1 4821": the message with that code */
};

const char *tc_sms_reply_name(enum tc_sms_reply r);

/*
 * What a reply means. Spaces (also full-width), punctuation at the ends and
 * case are ignored; full-width digits count as digits. *code receives the
 * code of TC_SMS_REPLY_ACK_CODE (4 to 8 digits).
 */
enum tc_sms_reply tc_sms_reply_parse(const char *text, size_t len, char code[9]);

#endif
