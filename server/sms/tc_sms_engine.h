/*
 * tc_sms_engine.h — the SMS channel of tocsind: the owner thread's side.
 *
 * It builds batches (tc_sms_batch) when an alert is published (policy:
 * officials at every level, 信息员 for orange and red, ...) and when the
 * MQTT tracker escalates a silent loudspeaker (the village's officers),
 * queues them durably in the store (tc_store_sms.h), hands parts to the
 * gateway (tc_sms_gateway.h; SMPP or Kannel, the kind it starts) as fast
 * as it takes them, and moves each recipient through tc_sms_track's states
 * as submit results, delivery receipts and replies come back through its
 * mailbox.
 *
 * Everything is read from and written to the store in one transaction per
 * call, so a restarted tocsind resumes: what the SMSC accepted is never
 * sent again; parts handed over but unanswered at the stop go again.
 */
#ifndef TC_SMS_ENGINE_H
#define TC_SMS_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "tc_smpp.h"
#include "tc_sms_batch.h"
#include "tc_sms_gateway.h"
#include "tc_sms_kannel.h"
#include "tc_store.h"
#include "tc_store_sms.h"

enum tc_sms_gw_kind {
	TC_SMS_GW_NONE = 0,
	TC_SMS_GW_SMPP,
	TC_SMS_GW_KANNEL,
};
const char *tc_sms_gw_kind_name(enum tc_sms_gw_kind k);

/* Gateways the engine starts at most (the first and sms_gateways_file's), and number prefixes a gateway. */
#define TC_SMS_MAX_GATEWAYS 16
#define TC_SMS_GW_MAX_PREFIXES 64

/*
 * A gateway the engine starts, and its settings. The first (tc_sms_engine_options.gw) is
 * "default" and takes every number no other gateway's prefix matches; only it may be Kannel.
 */
struct tc_sms_engine_gateway {
	enum tc_sms_gw_kind kind;
	struct tc_smpp_options smpp;
	struct tc_sms_kannel_options kannel;
	char name[32];                                   /* [a-z0-9_-]; "" for the first: "default" */
	char prefixes[TC_SMS_GW_MAX_PREFIXES][16];       /* E.164 without '+': the numbers it takes */
	size_t n_prefixes;
	char fallback[32];                               /* the gateway its parts go to while it is down; "": none */
	long submit_ahead;                               /* parts handed to it before it answered; 0: window x 2 + tps */
};

struct tc_sms_engine_options {
	struct tc_sms_engine_gateway gw;
	const struct tc_sms_engine_gateway *more;      /* further gateways (sms_gateways_file), SMPP, n_more of them */
	size_t n_more;
	const char *default_cc;        /* country code of national numbers: "86" */
	struct tc_sms_policy policy;   /* who gets an alert's SMS by role and colour */
	const char *escalation_roles;  /* who is told of a silent loudspeaker: "信息员,网格员" */
	long batch_size;               /* recipients a batch */
	unsigned max_segments;         /* parts a message, at most */
	unsigned escalation_segments;  /* parts an escalation SMS, at most (0: max_segments) */
	long receipt_timeout_s;        /* submitted, no receipt after this: no-receipt */
	long reply_window_s;           /* a reply counts for a message sent this long ago, at most */
	bool reply_code_required;      /* a plain reply ("1", "收到") confirms nothing (escalations need their code anyway) */
	long submit_ahead;             /* parts handed to the gateway before it has answered */
	int relay_min_colour;          /* enum tc_cap_colour; alerts at or above it start the relay (0: never) */
	long relay_confirm_s;          /* a relay step not confirmed after this: the next person is told */
	const char *relay_duty_role;   /* the district duty room, told of chains that ran out: "区值班室" */
	const char *maintenance_role;  /* told of an escalated loudspeaker once a receiver a Beijing day: "维护" */
	/* a shelter manager's report changed shelter id (README, "Shelters"); NULL: nobody is told */
	void (*shelter_changed)(const char *shelter_id, void *user);
	void *shelter_user;
};

/* What came of an SMS from a shelter manager's registered phone. */
enum tc_sms_shelter_outcome {
	TC_SMS_SHELTER_APPLIED = 0,     /* full, a number, open or closed: the shelter changed */
	TC_SMS_SHELTER_NOT_UNDERSTOOD,  /* anything else: no effect */
	TC_SMS_SHELTER_SEVERAL,         /* the phone manages more than one shelter: which one is unknown */
	TC_SMS_N_SHELTER_OUTCOMES
};
const char *tc_sms_shelter_outcome_name(enum tc_sms_shelter_outcome o);

/* Why a reply confirmed nothing (docs/sms-replies.md). */
enum tc_sms_refusal {
	TC_SMS_REFUSED_NOT_A_REPLY = 0, /* not a confirmation, or no readable number */
	TC_SMS_REFUSED_NO_MESSAGE,      /* plain reply: nothing sent to that phone within the window */
	TC_SMS_REFUSED_NO_CODE,         /* plain reply to an escalation, or to anything while sms_reply_code_required */
	TC_SMS_REFUSED_WRONG_CODE,      /* no message to that phone has that code */
	TC_SMS_REFUSED_NEVER_SENT,      /* the code's message was never accepted by the SMSC */
	TC_SMS_REFUSED_EXPIRED,         /* the code's message was sent before the reply window */
	TC_SMS_REFUSED_LOCKED,          /* TC_SMS_MAX_WRONG_CODES wrong codes came from that phone within the window */
	TC_SMS_N_REFUSALS
};
/* Wrong codes from one phone (on its messages of the reply window) after which its codes count no more. */
#define TC_SMS_MAX_WRONG_CODES 5
const char *tc_sms_refusal_name(enum tc_sms_refusal r);

struct tc_sms_engine_stats {
	unsigned long batches, recipients, escalations, officers, parts_sent, receipts, receipts_unknown,
		replies, replies_matched, replies_unmatched, relay_sent, relay_confirmed, relay_ran_out, relay_duty,
		maintenance; /* maintenance contacts told of an escalated receiver */
	unsigned long replies_refused[TC_SMS_N_REFUSALS]; /* replies_unmatched by reason */
	unsigned long shelter_reports[TC_SMS_N_SHELTER_OUTCOMES]; /* messages from shelter managers' phones */
	unsigned long parts_sent_class[TC_SMS_N_CLASSES];         /* parts_sent by class (tc_store_sms.h) */
	long queued[TC_SMS_N_CLASSES]; /* parts waiting to be handed over, by class, as of queued_at */
	int64_t queued_at;
};

struct tc_sms;

/* Start the gateway; the store stays the caller's and must outlive the engine. */
enum tc_rc tc_sms_new(struct tc_store *s, const struct tc_sms_engine_options *o, struct tc_sms **out, struct tc_diags *d);
/* Stop the gateway (an SMPP session unbinds); NULL is a no-op. */
void tc_sms_free(struct tc_sms *e);

/* The mailbox the gateways post their results to (tc_sms_gateway.h); tc_sms_handle takes them. */
struct tc_mailbox *tc_sms_mailbox(struct tc_sms *e);

/* Readable while the gateway has posted something. */
int tc_sms_fd(const struct tc_sms *e);
/*
 * Take what the gateway posted and apply it (one transaction); receipts and replies are
 * answered once it commits. False when the store could not write it.
 */
bool tc_sms_handle(struct tc_sms *e, int64_t now);
/* Build policy batches for published alerts, act on escalations, hand parts over, fire receipt timers. */
void tc_sms_work(struct tc_sms *e, int64_t now);

/*
 * A gateway callback on the HTTP API (Kannel); see tc_sms_kannel_http. What it brings is
 * written before the answer (on the caller's thread, the owner's): 503 when the store refused.
 */
unsigned tc_sms_http(struct tc_sms *e, const char *path, const char *(*arg)(void *conn, const char *name), void *conn);

const struct tc_sms_engine_stats *tc_sms_stats(const struct tc_sms *e);
void tc_sms_metrics(const struct tc_sms *e, FILE *f);

#endif
