/*
 * tc_sms_gateway.h — one ops table in front of the ways SMS leave tocsind:
 * an SMSC over SMPP 3.4 (tc_smpp) or Kannel's HTTP sendsms interface with
 * dlr-url callbacks. The SMS engine (tc_sms_engine.h) sees only this.
 *
 * Whatever the kind, results come back to the owner thread as mails in the
 * engine's mailbox, each carrying a struct tc_sms_event (mail->ptr):
 *   TC_SMS_GW_UP / TC_SMS_GW_DOWN   the link to the SMSC came or went
 *   TC_SMS_GW_SUBMITTED             a part was accepted: ref, message_id
 *   TC_SMS_GW_REFUSED               a part was refused for good: ref, status
 *   TC_SMS_GW_RECEIPT               a delivery receipt: message_id, stat
 *   TC_SMS_GW_MO                    a reply from a phone: from, text
 * Kannel's callbacks arrive over tocsind's HTTP API (on the owner thread);
 * tc_sms_gateway_http() turns them into the same events.
 */
#ifndef TC_SMS_GATEWAY_H
#define TC_SMS_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_mailbox.h"
#include "tc_smpp.h"

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
	uint64_t ref;            /* the part's id (submitted, refused; receipt: when the gateway knows it, else 0) */
	uint32_t status;         /* SMPP command_status of a refusal */
	char message_id[66];     /* the SMSC's id (submitted, receipt) */
	char stat[8];            /* receipt: DELIVRD, UNDELIV, EXPIRED, REJECTD, ... */
	char from[24];           /* MO: the phone */
	char text[700];          /* MO: the text as UTF-8 */
	uint32_t answer_link;    /* receipt, MO over SMPP: the link (tc_smpp's count) and the sequence */
	uint32_t answer_seq;     /* number of the deliver_sm to answer once it is written; 0: nothing */
};

/* Post an event of kind to mb (copied). */
void tc_sms_event_post(struct tc_mailbox *mb, int kind, const struct tc_sms_event *ev);

enum tc_sms_gw_kind {
	TC_SMS_GW_NONE = 0,
	TC_SMS_GW_SMPP,
	TC_SMS_GW_KANNEL,
};
const char *tc_sms_gw_kind_name(enum tc_sms_gw_kind k);

struct tc_sms_gateway_options {
	enum tc_sms_gw_kind kind;
	struct tc_smpp_options smpp; /* smpp.source is Kannel's "from" too */
	const char *kannel_url;      /* http://host:13013/cgi-bin/sendsms */
	const char *kannel_user, *kannel_password;
	const char *dlr_url;         /* where Kannel calls back: http://127.0.0.1:PORT/api/v1/sms/dlr */
};

struct tc_sms_gateway;

struct tc_sms_gateway_ops {
	const char *name;
	enum tc_rc (*start)(const struct tc_sms_gateway_options *o, struct tc_mailbox *mb, void **impl,
			    struct tc_diags *d);
	void (*stop)(void *impl);
	enum tc_rc (*submit)(void *impl, const struct tc_smpp_msg *m);
	bool (*up)(void *impl);
	size_t (*pending)(void *impl);
	void (*metrics)(void *impl, FILE *f);
	void (*answer)(void *impl, uint32_t link, uint32_t seq); /* NULL: nothing waits for an answer */
};

/* The kinds (tc_sms_gateway.c, tc_sms_kannel.c). */
extern const struct tc_sms_gateway_ops tc_sms_smpp_ops, tc_sms_kannel_ops;

enum tc_rc tc_sms_gateway_start(const struct tc_sms_gateway_options *o, struct tc_mailbox *mb,
				struct tc_sms_gateway **out, struct tc_diags *d);
/* NULL is a no-op. */
void tc_sms_gateway_stop(struct tc_sms_gateway *g);
/* Hand one part over (copied). TC_ERR_LIMIT: try again later; TC_ERR_IO: the gateway is down. */
enum tc_rc tc_sms_gateway_submit(struct tc_sms_gateway *g, const struct tc_smpp_msg *m);
bool tc_sms_gateway_up(const struct tc_sms_gateway *g);
size_t tc_sms_gateway_pending(const struct tc_sms_gateway *g);
const char *tc_sms_gateway_name(const struct tc_sms_gateway *g);
void tc_sms_gateway_metrics(const struct tc_sms_gateway *g, FILE *f);
/*
 * What ev brought is written: answer the SMSC for it now (SMPP: deliver_sm_resp). Until
 * then the SMSC keeps it and delivers it again on the next link if tocsind dies first.
 */
void tc_sms_gateway_answer(struct tc_sms_gateway *g, const struct tc_sms_event *ev);

/*
 * A Kannel callback on tocsind's HTTP API: GET /api/v1/sms/dlr?ref=R[&n=N]&type=T
 * (T: Kannel's dlr type, 1 delivered, 2 failed, 4 buffered, 8 submitted,
 * 16 rejected) or /api/v1/sms/mo?from=P&text=T. arg looks up a query
 * argument. Returns the HTTP status (200, or 400 for a bad call; 0 when the
 * path is not a gateway callback).
 */
unsigned tc_sms_gateway_http(struct tc_mailbox *mb, const char *path,
			     const char *(*arg)(void *conn, const char *name), void *conn);

#endif
