/*
 * tc_store_sms.h — what the SMS channel keeps in the store (schema 3, and
 * 7: when a message was sent, and its random reply code):
 * one message per (alert, phone, purpose) with its text and state, its
 * parts as handed to the SMSC (with the SMSC's message ids), the alerts
 * whose policy batch was built, and the escalations it has acted on.
 *
 * Everything the SMS engine decides is here, so a restarted tocsind
 * resumes: queued parts are sent, submitted ones wait for their receipts,
 * and what was already accepted by the SMSC is never sent again (a part
 * handed over but not yet answered when tocsind stopped goes again).
 */
#ifndef TC_STORE_SMS_H
#define TC_STORE_SMS_H

#include "tc_store.h"

/* The per-recipient states, in the order of tc_sms_track.h's enum tc_sms_state. */
#define TC_STORE_SMS_STATES "queued", "submitted", "delivered", "undeliverable", "rejected", "expired", "no-receipt"
#define TC_STORE_SMS_N_STATES 7

/*
 * Priority classes of the SMS queue, highest first: escalation (the officer
 * of a silent village), relay (the relay with confirmation, its duty
 * officers, and release approvals: people who must act), policy (everyone
 * the alert's policy names), maintenance (receiver health). A queued part of
 * a higher class is always handed over before any of a lower one; within a
 * class, oldest message first. The class follows from the message's purpose,
 * which is stored, so a restart keeps the order.
 */
enum tc_sms_class { TC_SMS_CLASS_ESCALATION, TC_SMS_CLASS_RELAY, TC_SMS_CLASS_POLICY, TC_SMS_CLASS_MAINTENANCE };
#define TC_SMS_N_CLASSES 4
/* "escalation", "relay", "policy", "maintenance". */
const char *tc_sms_class_name(enum tc_sms_class c);
/* The class of a message of that purpose. */
enum tc_sms_class tc_sms_class_of(const char *purpose);

struct tc_sms_row {
	int64_t id;
	char alert_id[17];
	char phone[24];
	char purpose[16];      /* policy | escalation | relay | relay-duty | approval | maintenance */
	char subject[64];      /* what a maintenance SMS is about: a receiver id, or daily:YYYY-MM-DD; else "" */
	char name[128], role[64], region[16], language[16];
	long batch;
	char code[9];          /* what "ACK <code>" names: random, 6 digits (tc_sms_engine.c) */
	const char *text;      /* valid during a callback; copied by tc_store_sms_add */
	long parts;
	char state[16];
	int64_t due_at, confirmed_at;
	const char *reply; /* the officer's reply that confirmed it (escalated villages only; else NULL) */
};
typedef void (*tc_sms_row_fn)(const struct tc_sms_row *r, void *user);

/*
 * Queue a message and its parts (state queued). The same (alert, phone,
 * purpose) again changes nothing: *added is false then. *id (may be NULL)
 * receives the row's id.
 */
enum tc_rc tc_store_sms_add(struct tc_store *s, const struct tc_sms_row *r, int64_t now, bool *added, int64_t *id);
/* Give a message its code for replies. */
enum tc_rc tc_store_sms_set_code(struct tc_store *s, int64_t id, const char *code);
/* The SMSC accepted a part of message id at now: it was sent (the first time counts). */
enum tc_rc tc_store_sms_mark_sent(struct tc_store *s, int64_t id, int64_t now);

/* Alerts being delivered (planned, dispatching, done), not expired at now, received in the last 6 hours, with no policy batch yet. */
enum tc_rc tc_store_sms_alerts_to_build(struct tc_store *s, int64_t now, void (*fn)(const char *id, void *user),
					void *user);
enum tc_rc tc_store_sms_mark_built(struct tc_store *s, const char *alert_id, long recipients, int64_t now);

struct tc_sms_escalation {
	int64_t id;
	char alert_id[17], target[64], region[16];
};
/* Escalations not yet handled (oldest first, at most limit) of alerts still being delivered. */
enum tc_rc tc_store_sms_escalations(struct tc_store *s, int64_t now, size_t limit,
				    void (*fn)(const struct tc_sms_escalation *e, void *user), void *user);
enum tc_rc tc_store_sms_escalation_handled(struct tc_store *s, int64_t id);

/* One part to hand over: the message it belongs to (row), and its number. */
struct tc_sms_part {
	struct tc_sms_row msg;
	long seq;
};
/* What the sender makes of a queued part offered to it by tc_store_sms_take_parts. */
enum tc_sms_pick {
	TC_SMS_PICK_TAKE,   /* handed over now */
	TC_SMS_PICK_SKIP,   /* stays queued (its gateway is full or down); the scan goes on */
	TC_SMS_PICK_ENOUGH, /* stays queued, and so does the rest: the scan ends */
};
typedef enum tc_sms_pick (*tc_sms_pick_fn)(const char *phone, void *user);
/*
 * Queued parts of alerts still being delivered, the highest class first
 * (enum tc_sms_class), then oldest message first: at most scan of them are
 * offered to pick by their phone; each it takes is marked "sending" and then
 * handed to fn with its message. A part one gateway cannot take does not
 * hold back those behind it that another can.
 */
enum tc_rc tc_store_sms_take_parts(struct tc_store *s, size_t scan, tc_sms_pick_fn pick,
				   void (*fn)(const struct tc_sms_part *p, void *user), void *user);
/* Parts waiting to be handed over, per class; of one alert, or of all when alert_id is NULL. */
enum tc_rc tc_store_sms_queued(struct tc_store *s, const char *alert_id, long n[TC_SMS_N_CLASSES]);
/* Parts left "sending" by a stop go back to queued (at start). *n how many. */
enum tc_rc tc_store_sms_requeue(struct tc_store *s, long *n);
/* Put one part back to queued (the gateway could not take it). */
enum tc_rc tc_store_sms_part_queued(struct tc_store *s, int64_t message_id, long seq);

/* A part's state and, when not NULL, the SMSC's message id for it. */
enum tc_rc tc_store_sms_part_set(struct tc_store *s, int64_t message_id, long seq, const char *state,
				 const char *smsc_id);
/*
 * Part seq of message_id, queued or sending, was accepted as smsc_id: state submitted. One
 * statement; TC_ERR_NOTFOUND when no such part waits for that (none, or it has moved on).
 */
enum tc_rc tc_store_sms_part_submitted(struct tc_store *s, int64_t message_id, long seq, const char *smsc_id);
/* The part the SMSC calls smsc_id (the latest with that id); TC_ERR_NOTFOUND when none. */
enum tc_rc tc_store_sms_part_find(struct tc_store *s, const char *smsc_id, int64_t *message_id, long *seq);
/* How many of a message's parts are in state. */
long tc_store_sms_parts_in(struct tc_store *s, int64_t message_id, const char *state);

enum tc_rc tc_store_sms_get(struct tc_store *s, int64_t id, tc_sms_row_fn fn, void *user);
enum tc_rc tc_store_sms_set_state(struct tc_store *s, int64_t id, const char *state, int64_t due_at, int64_t now);
/* Messages submitted whose receipt deadline passed (0 < due_at <= now), at most limit. */
enum tc_rc tc_store_sms_overdue(struct tc_store *s, int64_t now, size_t limit, tc_sms_row_fn fn, void *user);

/*
 * The message a reply from phone answers. With code: the latest message to
 * phone with that code, whether sent or not (*sent_at 0: never sent; the
 * caller refuses it, and one sent before since). Without: the latest sent
 * to it at or after since (escalations first). TC_ERR_NOTFOUND when none.
 */
enum tc_rc tc_store_sms_reply_target(struct tc_store *s, const char *phone, const char *code, int64_t since,
				     int64_t *id, int64_t *sent_at);
/*
 * A reply from phone named a code none of its messages has: counted on its
 * messages queued or sent at or after since. *most receives the most wrong codes
 * counted on one of them (tc_store_sms_wrong_replies).
 */
enum tc_rc tc_store_sms_wrong_reply(struct tc_store *s, const char *phone, int64_t since, long *most);
/* The most wrong codes counted on one message to phone queued or sent at or after since (0: none). */
long tc_store_sms_wrong_replies(struct tc_store *s, const char *phone, int64_t since);
/* Mark a message confirmed by a reply (the first reply wins). */
enum tc_rc tc_store_sms_confirm(struct tc_store *s, int64_t id, const char *reply, int64_t now);

/* An alert's messages per state (TC_STORE_SMS_STATES order), *total and *confirmed. */
enum tc_rc tc_store_sms_counts(struct tc_store *s, const char *alert_id, long counts[TC_STORE_SMS_N_STATES],
			       long *total, long *confirmed);
/* An alert's messages, by batch and phone (for the CSV export). */
enum tc_rc tc_store_sms_each(struct tc_store *s, const char *alert_id, tc_sms_row_fn fn, void *user);

/* One escalated village and, when it has one, an officer the SMS went to. */
struct tc_sms_village {
	const char *region;      /* the village's code */
	const char *receivers;   /* the silent receivers, comma separated */
	long n_receivers;
	const struct tc_sms_row *officer; /* NULL: no officer's SMS for this village */
};
/* An alert's escalated villages by region, each with every officer told (one call per officer). */
enum tc_rc tc_store_sms_each_village(struct tc_store *s, const char *alert_id,
				     void (*fn)(const struct tc_sms_village *v, void *user), void *user);

/*
 * Coverage with people: *targets the alert's distinct targets, *covered how
 * many of them acknowledged played or displayed, or were escalated in a
 * village whose officer confirmed by reply, or are receivers of a village
 * (the receiver's region) whose relay chain was confirmed (tc_store_relay.h;
 * a town's confirmed chain covers none of its villages' receivers by
 * itself). Each target counts once, however
 * it was reached (a loudspeaker that played late in a confirmed village too).
 */
enum tc_rc tc_store_sms_coverage(struct tc_store *s, const char *alert_id, long *targets, long *covered);

#endif
