/*
 * tc_alert_life.h — an alert's own life as a state machine: what each event
 * does to an alert (its deliveries have theirs, in tc_track.h).
 *
 *              PLAN               PUBLISH                FINISH
 *   accepted ───────> planned ────────────> dispatching ───────> done
 *                                               ^                  │
 *                                               └────── PLAN ──────┘
 *                                                 (more targets)
 *
 *   pending-approval ── APPROVE ──> accepted      (an alert held for a second person, tc_auth.h)
 *                    ── REJECT ───> rejected
 *
 *   pending-approval, accepted, planned, dispatching, done ── CANCEL ──> cancelled
 *                                        ── SUPERSEDE ─> superseded ── CANCEL ──> cancelled
 *                                        ── EXPIRE ──> expired ── CANCEL, SUPERSEDE ──> cancelled, superseded
 *
 * Invariants:
 *  1. cancelled and rejected are final. A CAP Cancel ends a whole chain, so superseded
 *     and expired alerts it references become cancelled; nothing else
 *     leaves superseded.
 *  2. Once published an alert never goes back to accepted or planned:
 *     planning more targets of an alert being dispatched or done makes it
 *     dispatching, and those targets are published as any planned delivery.
 *  3. An event a state does not take is refused: the alert stays as it is,
 *     and the caller logs it (alert=… state=… refused the event …). It is
 *     never fatal.
 *  4. The store keeps the state as the number of its enum value; SQL text
 *     names states (alert_state('done')) and takes the states an event
 *     applies to from this table (alert_states_moved_by('expire')), never a
 *     bare number.
 */
#ifndef TC_ALERT_LIFE_H
#define TC_ALERT_LIFE_H

#include <stdbool.h>

#include "tc_rc.h"

/* Alert states, in the order an alert lives through them (the store keeps these numbers). */
enum tc_alert_state {
	TC_ALERT_ACCEPTED = 0, /* durable, not yet planned */
	TC_ALERT_PLANNED,      /* targets and deliveries written */
	TC_ALERT_DISPATCHING,  /* being sent */
	TC_ALERT_DONE,         /* every delivery reached a final state */
	TC_ALERT_CANCELLED,
	TC_ALERT_SUPERSEDED,   /* replaced by an Update */
	TC_ALERT_EXPIRED,
	TC_ALERT_PENDING_APPROVAL, /* durable, held until another person approves it; not planned */
	TC_ALERT_REJECTED,         /* refused by an approver: never planned nor sent */
};
#define TC_ALERT_N_STATES (TC_ALERT_REJECTED + 1)

/* "accepted", "planned", ...; "unknown" for anything else. */
const char *tc_alert_state_name(enum tc_alert_state st);
enum tc_rc tc_alert_state_parse(const char *name, enum tc_alert_state *out);

enum tc_alert_event {
	TC_AEV_PLAN = 0,   /* its targets are written as planned deliveries */
	TC_AEV_PUBLISH,    /* published to its targets (or, when it cannot be rendered, their deliveries failed) */
	TC_AEV_FINISH,     /* every delivery reached a final state */
	TC_AEV_CANCEL,     /* a CAP Cancel referencing it, or an operator's cancel */
	TC_AEV_SUPERSEDE,  /* a CAP Update referencing it */
	TC_AEV_EXPIRE,     /* its expiry passed */
	TC_AEV_APPROVE,    /* a second person released it (or its author, by the urgent path) */
	TC_AEV_REJECT,     /* an approver refused it, with a reason */
	TC_AEV_N,
};
const char *tc_alert_event_name(enum tc_alert_event e);
enum tc_rc tc_alert_event_parse(const char *name, enum tc_alert_event *out);

struct tc_alert_step {
	bool accepted;            /* false: the state does not take the event (log it) */
	bool changed;             /* the state must be written */
	enum tc_alert_state next; /* the state after the event (the same one when refused) */
};

/* Pure: what event ev does to an alert in state st. */
struct tc_alert_step tc_alert_decide(enum tc_alert_state st, enum tc_alert_event ev);

/* Whether state st takes event ev and changes with it (the states a bulk transition starts from). */
bool tc_alert_moves(enum tc_alert_state st, enum tc_alert_event ev);

#endif
