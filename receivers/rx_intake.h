/*
 * rx_intake.h — what a receiver does with every message it gets, in two
 * steps shared by tocsin-receiver, tocsin-signage, every receiver of
 * tocsin-sim and the fuzz target, so the receiver protocol
 * (docs/protocol.md) is written once:
 *
 * 1. rx_intake(): which topic it came on, whether its seal verifies
 *    (tc_sign_open, before any byte is parsed), and what it is — an alert
 *    payload, a command, an empty retained message (ignored), an
 *    audio message — or why it is refused. Pure: no state, no I/O, no clock.
 *
 * 2. rx_intake_apply(): the rules, against this receiver's seen-list and
 *    nonces (rx_state) at a time the caller gives:
 *
 *    an alert  on a topic naming another id  -> refused topic-mismatch, not acknowledged
 *              not in scope (none of our region codes under a scope region,
 *              our id not among the scope receivers) -> refused out-of-scope, not acknowledged
 *              issued over skew_s after now    -> refused not-yet-valid, not acknowledged
 *              seen before                -> its last acknowledgment again, nothing else
 *              expired (expires_at <= now) -> rejected expired, remembered
 *              a drill, drills refused     -> rejected drill-refused, remembered
 *              Cancel / Update             -> each referenced alert in force stopped and
 *                                             cleared (cancelled / updated); one never seen
 *                                             remembered as cleared; then
 *              new                         -> pending, received: the caller carries it out
 *    a command for another receiver         -> refused not-for-this-receiver, not acknowledged
 *              nonce seen before            -> ignored (the nonce is remembered first)
 *              issued over cmd_max_age_s before or after now -> refused command-too-old
 *                                             (a cancel: rejected for its alert)
 *              cancel                      -> its alert cleared (cancelled), acknowledged
 *                                             even when it was not in force
 *              test-tone                   -> for the caller to play
 *    empty (retained)                      -> ignored (reason empty-message): only a signed
 *                                             Cancel, a signed command or expiry ends an alert
 *    refused by step 1                     -> refused, never acknowledged: nothing in it
 *                                             (not even the topic's alert id) is verified
 *
 *    and rx_intake_expire() clears what is in force once its expiry has come.
 *
 * The rules change only the state in memory (and drop the kept message of
 * an alert that ends); what they say goes through the caller's ack and stop
 * callbacks, which run inside the call. Writing the state to disk (the
 * daemons) and carrying an alert out (playing, showing, simulating) are the
 * caller's.
 */
#ifndef RX_INTAKE_H
#define RX_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rx_state.h"
#include "tc_proto.h"
#include "tc_sign.h"

enum rx_msg_kind {
	RX_MSG_ALERT = 0, /* alert: a verified, parsed payload */
	RX_MSG_CMD,       /* cmd: a verified command on our own topic */
	RX_MSG_CLEAR,     /* an empty retained message on P/region/<c>/alert/<id>: ignored */
	RX_MSG_AUDIO,     /* an audio message (not sealed: its digest is in the signed payload) */
	RX_MSG_REJECT,    /* refused: reason (acknowledged when topic_id is known) */
	RX_MSG_IGNORE,    /* not for us (another receiver's topic, an empty command) */
};
const char *rx_msg_kind_name(enum rx_msg_kind k);

struct rx_msg {
	enum rx_msg_kind kind;
	char topic_id[17];      /* the alert id named by a region topic, "" when none */
	char audio_id[128];     /* RX_MSG_AUDIO */
	struct tc_rx_alert *alert; /* RX_MSG_ALERT; the caller frees it (tc_rx_alert_free) */
	struct tc_cmd cmd;      /* RX_MSG_CMD */
	const char *reason;     /* RX_MSG_REJECT: unsigned, malformed-signature, unknown-key,
				   bad-signature, malformed-payload, unsupported-version,
				   malformed-command, command-on-region-topic, key-mismatch */
	char kid[17];           /* the key id that verified it (ALERT, CMD) */
	const uint8_t *body;    /* the verified payload bytes inside msg (ALERT, CMD) */
	size_t body_len;
};

/*
 * Read one message received on topic by receiver self under prefix, with
 * the bureau's keys this receiver trusts. msg is borrowed (body points into it).
 */
void rx_intake(const char *prefix, const char *self, const struct tc_keyring *ring, const char *topic,
	       const void *msg, size_t len, struct rx_msg *out);

/*
 * The topic alone: sets kind (AUDIO, CLEAR or IGNORE), topic_id and
 * audio_id, and returns true when msg is sealed and still to be opened by
 * rx_intake_sealed() (*region: it came on a region alert topic).
 */
bool rx_intake_topic(const char *prefix, const char *self, const char *topic, size_t len, struct rx_msg *out,
		     bool *region);

/*
 * The seal and what is behind it, without the topic: region says whether
 * it came on a region alert topic (where a command is refused). Sets kind
 * (ALERT, CMD or REJECT), reason, alert, cmd, body.
 */
void rx_intake_sealed(const struct tc_keyring *ring, bool region, const void *msg, size_t len,
		      struct rx_msg *out);

/* --- the rules ---------------------------------------------------------------------- */

/* One receiver: its state, its settings, and how what it says leaves it. */
struct rx_rules {
	struct rx_state *st;   /* this receiver's seen-list and nonces (borrowed) */
	const char *self;      /* this receiver's id */
	const char (*regions)[16]; /* its region codes */
	size_t n_regions;
	bool accept_drills;    /* rx_config accept_drills */
	long cmd_max_age_s;    /* rx_config cmd_max_age_s */
	long skew_s;           /* rx_config clock_skew_s: how far ahead of now an alert may be issued */
	void *ctx;
	/*
	 * Send or queue acknowledgment kind of id (reason NULL when none). again:
	 * it says once more what this receiver said before (a copy seen before, a
	 * cancel command for an alert that had already ended).
	 */
	void (*ack)(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again);
	/* Stop or take off id, in force until now; the rules acknowledge it cleared. NULL: nothing to stop. */
	void (*stop)(void *ctx, const char *id);
};

/* Whether alert a names this receiver (its id, or one of its region codes under a scope region). */
bool rx_intake_in_scope(const struct rx_rules *r, const struct tc_rx_alert *a);

enum rx_verdict {
	RX_TAKEN = 0, /* an alert to carry out: pending, acknowledged received (the caller keeps and plays it) */
	RX_REPEATED,  /* an alert seen before: its last acknowledgment said again, nothing else */
	RX_REFUSED,   /* refused (reason): acknowledged rejected only for a verified alert id in scope */
	RX_OBEYED,    /* a command carried out; a test-tone is left to the caller */
	RX_IGNORED,   /* nothing done: a replayed command, an empty message (reason), audio, not ours */
};
const char *rx_verdict_name(enum rx_verdict v);

/*
 * Apply m (from rx_intake) at now (unix seconds). *reason (when reason is
 * not NULL) names the refusal (RX_REFUSED) or why a message was ignored
 * (empty-message), else NULL. m and m->alert stay
 * the caller's.
 */
enum rx_verdict rx_intake_apply(const struct rx_rules *r, const struct rx_msg *m, int64_t now, const char **reason);

/*
 * An alert read back from a kept message after a restart (already in the
 * seen-list): cleared when it has expired since (RX_IGNORED), refused when
 * it is a drill no longer accepted, else RX_TAKEN without a new
 * acknowledgment.
 */
enum rx_verdict rx_intake_restore(const struct rx_rules *r, const struct tc_rx_alert *a, int64_t now,
				  const char **reason);

/*
 * A guidance command read back from the state folder after a restart
 * (rx_state_keep_guidance) for alert id. Its seal is verified again by ring;
 * it must be a guidance command for this receiver and for id, else
 * RX_REFUSED with reason (unknown-key, bad-signature, ..., not-guidance,
 * not-for-this-receiver, other-alert): a file changed on disk is never
 * played. RX_IGNORED (reason stale) when it no longer applies: its alert
 * has been played or has ended, or was never seen and the command was
 * issued RX_GUIDANCE_KEEP_S or more ago. Else RX_TAKEN with the command in
 * *out. Its nonce and age were checked when it came; they are not again.
 */
#define RX_GUIDANCE_KEEP_S 86400
enum rx_verdict rx_intake_kept_guidance(const struct rx_rules *r, const struct tc_keyring *ring, const char *id,
					const void *msg, size_t len, int64_t now, struct tc_cmd *out,
					const char **reason);

/* Clear every alert in force whose expiry has come by now (cleared, expired). */
void rx_intake_expire(const struct rx_rules *r, int64_t now);

#endif
