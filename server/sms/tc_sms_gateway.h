/*
 * tc_sms_gateway.h — one ops table in front of the ways SMS leave tocsind,
 * and the messages that cross it, in terms every gateway shares: a part of
 * a text going to a phone; acceptance, refusal, delivery receipts and
 * replies coming back.
 *
 * It sits below its kinds, which start themselves and turn these messages
 * into their own requests: an SMSC over SMPP 3.4 (tc_smpp.h) and Kannel's
 * HTTP sendsms interface with dlr-url callbacks (tc_sms_kannel.h). The SMS
 * engine (server/sms/tc_sms_engine.c) chooses the kind, then sends and
 * hears only through this.
 *
 * Texts are encoded by the encoders' SMS text codec (encoders/tc_sms.c): a
 * part is one of its segments, with the characters one GSM 7-bit code
 * an octet (not yet packed) or UCS-2 big-endian, behind the concatenation
 * header when the text needs more than one.
 *
 * Whatever the kind, results come back to the owner thread as mails in the
 * engine's mailbox, each carrying a struct tc_sms_event (mail->ptr):
 *   TC_SMS_GW_UP / TC_SMS_GW_DOWN   the gateway came or went
 *   TC_SMS_GW_SUBMITTED             a part was accepted: ref, message_id
 *   TC_SMS_GW_REFUSED               a part was refused for good: ref, reason
 *   TC_SMS_GW_RECEIPT               a delivery receipt: message_id, stat
 *   TC_SMS_GW_MO                    a reply from a phone: from, text
 */
#ifndef TC_SMS_GATEWAY_H
#define TC_SMS_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_diag.h"
#include "tc_mailbox.h"
#include "tc_sms.h"

/* --- what goes out --------------------------------------------------------------------- */

/* Octets of a part's user data, at most: a UDH of 7 and the longest GSM 7-bit text, a code an octet. */
#define TC_SMS_SUBMIT_MAX (7 + TC_SMS_UD_MAX * 8 / 7 + 1)

/* One part of a message to one phone. */
struct tc_sms_submit {
	uint64_t ref;                   /* the caller's id for the part: the results name it */
	char dest[24];                  /* the recipient, E.164 with or without '+' */
	enum tc_sms_encoding encoding;  /* GSM 7-bit or UCS-2 */
	uint8_t part, parts;            /* this part's number (1..parts) and how many the message has */
	size_t udh_len;                 /* octets of concatenation header at the start of ud (0: a single SMS) */
	uint8_t ud[TC_SMS_SUBMIT_MAX];  /* the header, then the text: a GSM 7-bit code an octet, or UCS-2 big-endian */
	size_t ud_len;
};

/* Segment k of an encoded message as a part to dest named ref (dest copied). TC_ERR_INVALID: no such segment. */
enum tc_rc tc_sms_submit_from_segment(const struct tc_sms_message *m, size_t k, const char *dest, uint64_t ref,
				      struct tc_sms_submit *out);

/* --- what comes back -------------------------------------------------------------------- */

enum tc_sms_gw_mail {
	TC_SMS_GW_UP = 300,
	TC_SMS_GW_DOWN,
	TC_SMS_GW_SUBMITTED,
	TC_SMS_GW_REFUSED,
	TC_SMS_GW_RECEIPT,
	TC_SMS_GW_MO,
};

/* "up", "down", "submitted", ... for a TC_SMS_GW_* kind. */
const char *tc_sms_gw_mail_name(int kind);

struct tc_sms_event {
	uint64_t ref;            /* the part (submitted, refused; receipt: when the gateway knows it, else 0) */
	char message_id[66];     /* the gateway's id for the part (submitted, receipt) */
	char stat[8];            /* receipt: DELIVRD, UNDELIV, EXPIRED, REJECTD, ... (tc_sms_track.h) */
	char reason[64];         /* refused: why, in the gateway's words */
	char from[24];           /* MO: the phone */
	char text[700];          /* MO: the text as UTF-8 */
	uint64_t answer;         /* receipt, MO: the gateway's token to answer it by once written; 0: nothing waits */
	unsigned gw;             /* which of the engine's gateways posted it (0: the first, "default") */
};

/* Post an event of kind to mb (copied), from the engine's gateway number gw. */
void tc_sms_event_post(struct tc_mailbox *mb, unsigned gw, int kind, const struct tc_sms_event *ev);

/* --- the gateway ------------------------------------------------------------------------ */

struct tc_sms_gateway_ops {
	const char *name;
	void (*stop)(void *impl);
	enum tc_rc (*submit)(void *impl, const struct tc_sms_submit *m);
	bool (*up)(void *impl);
	size_t (*pending)(void *impl);
	void (*metrics)(void *impl, FILE *f, bool head); /* head: with the HELP and TYPE lines (the first of a kind) */
	void (*answer)(void *impl, uint64_t token); /* NULL: nothing waits for an answer */
	size_t (*take_back)(void *impl, uint64_t *refs, size_t max); /* NULL: it hands nothing back */
};

struct tc_sms_gateway;

/*
 * A gateway of the kind ops over impl, for a back end's start (tc_smpp_gateway_start,
 * tc_sms_kannel_start). It owns impl from here: NULL when out of memory, impl stopped then.
 */
struct tc_sms_gateway *tc_sms_gateway_new(const struct tc_sms_gateway_ops *ops, void *impl);
/* Stop the gateway and free it; NULL is a no-op. */
void tc_sms_gateway_stop(struct tc_sms_gateway *g);
/* Hand one part over (copied). TC_ERR_LIMIT: try again later; TC_ERR_IO: the gateway is down. */
enum tc_rc tc_sms_gateway_submit(struct tc_sms_gateway *g, const struct tc_sms_submit *m);
bool tc_sms_gateway_up(const struct tc_sms_gateway *g);
size_t tc_sms_gateway_pending(const struct tc_sms_gateway *g);
const char *tc_sms_gateway_name(const struct tc_sms_gateway *g);
/* The gateway's own metrics; head: with their HELP and TYPE lines (once for several gateways of a kind). */
void tc_sms_gateway_metrics(const struct tc_sms_gateway *g, FILE *f, bool head);
/*
 * What ev brought is written: answer the gateway for it now (SMPP: deliver_sm_resp). Until
 * then the gateway keeps it and delivers it again if tocsind dies first.
 */
void tc_sms_gateway_answer(struct tc_sms_gateway *g, const struct tc_sms_event *ev);
/*
 * Take back, oldest first, up to max of the parts handed over and not yet on the wire (with those
 * a dropped link left unanswered, which it would send again once bound): their refs into refs; how
 * many. The gateway forgets them: the caller hands them to another or queues them again.
 */
size_t tc_sms_gateway_take_back(struct tc_sms_gateway *g, uint64_t *refs, size_t max);

#endif
