/*
 * tc_track.h — the delivery state machine: what an acknowledgment, a
 * publication or a timer does to one (alert, target) delivery.
 *
 *            SENT          received/playing         played | displayed
 *   planned ──────> sent ───────────────> received ────────────────────> played | displayed
 *                   │  ^ TIMEOUT, attempts < max:      │ TIMEOUT (never played)
 *                   │  └─ re-send directly             v
 *                   └── TIMEOUT, attempts = max ──> escalated (the village's people are told)
 *
 *   sent | received ── rejected ──> rejected, ── failed ──> failed; both escalate
 *   open states are also ended from outside: expired (the alert expired),
 *   cancelled (Cancel, Update, operator).
 *
 * Invariants:
 *  1. Coverage counts only played and displayed: a state reached by an
 *     acknowledgment from the receiver itself.
 *  2. A late played/displayed always wins (a receiver that was escalated,
 *     failed, rejected or expired and then did play is covered); nothing
 *     else leaves a final state.
 *  3. Only sent and received carry a timer; entering any other state
 *     clears it.
 *  4. A Cancel is tracked like any alert: loudspeakers announce that the
 *     warning is lifted (played), displays clear it (displayed).
 *  5. An event a state does not accept is refused and logged, never fatal.
 *  6. An acknowledgment counts only for a delivery that was sent (attempts
 *     above 0): planned takes none, and a delivery ended before it was ever
 *     sent (failed, expired, cancelled) takes none either.
 *  7. rejected and failed, whatever the reason, escalate like silence: the
 *     village's people are told. A later played/displayed still counts.
 */
#ifndef TC_TRACK_H
#define TC_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_proto.h"
#include "tc_store.h"

/* In the order of TC_DELIVERY_STATES. */
enum tc_dstate {
	TC_DS_PLANNED = 0,
	TC_DS_SENT,
	TC_DS_RECEIVED,
	TC_DS_PLAYED,
	TC_DS_DISPLAYED,
	TC_DS_FAILED,
	TC_DS_REJECTED,
	TC_DS_EXPIRED,
	TC_DS_CANCELLED,
	TC_DS_ESCALATED,
	TC_DS_N,
};
const char *tc_dstate_name(enum tc_dstate s);
enum tc_rc tc_dstate_parse(const char *name, enum tc_dstate *out);

enum tc_devent {
	TC_EV_SENT = 0,  /* published to the receiver (first time or re-send) */
	TC_EV_RECEIVED,  /* acknowledgments, as tc_ack_kind */
	TC_EV_PLAYING,
	TC_EV_PLAYED,
	TC_EV_DISPLAYED,
	TC_EV_CLEARED,
	TC_EV_REJECTED,
	TC_EV_FAILED,
	TC_EV_TIMEOUT,   /* the state's timer fired */
	TC_EV_N,
};
const char *tc_devent_name(enum tc_devent e);
/* The event of an acknowledgment kind. */
enum tc_devent tc_devent_of_ack(enum tc_ack_kind k);

struct tc_track_policy {
	long ack_timeout_s;  /* sent, no receipt: re-send after this */
	long play_timeout_s; /* received, not played: escalate after this */
	long max_attempts;   /* sends (first + re-sends) before escalating */
};

enum tc_track_action {
	TC_TRACK_NONE = 0,
	TC_TRACK_RESEND,   /* publish the alert to the receiver directly again */
	TC_TRACK_ESCALATE, /* record an escalation for the receiver's village */
};

struct tc_track_step {
	bool accepted;            /* false: the state does not take this event (log it) */
	bool changed;             /* the delivery row must be written */
	enum tc_dstate next;
	long attempts;
	int64_t due_at;           /* the new timer; 0 for none */
	enum tc_track_action action;
};

/*
 * Pure: what event ev does to a delivery in state st with attempts sends
 * so far and a timer due at due_at. No I/O.
 */
struct tc_track_step tc_track_decide(enum tc_dstate st, enum tc_devent ev, long attempts, int64_t due_at,
				     const struct tc_track_policy *p, int64_t now);

/*
 * Apply ev to delivery row r (as read from the store) and write the result
 * (state, attempts, timer, reason); an escalation is recorded too. *out
 * (may be NULL) receives the step, so the caller can re-send.
 */
enum tc_rc tc_track_apply(struct tc_store *s, const struct tc_track_policy *p, const struct tc_delivery_row *r,
			  enum tc_devent ev, const char *reason, int64_t now, struct tc_track_step *out);

#endif
