/*
 * tc_track.c — the delivery state machine as a table (tc_track.h).
 */
#include "tc_track.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[TC_DS_N] = { TC_DELIVERY_STATES };

const char *tc_dstate_name(enum tc_dstate s)
{
	return s < TC_DS_N ? state_names[s] : "unknown";
}

enum tc_rc tc_dstate_parse(const char *name, enum tc_dstate *out)
{
	for (int i = 0; name && i < TC_DS_N; i++)
		if (!strcmp(name, state_names[i])) {
			*out = (enum tc_dstate)i;
			return TC_OK;
		}
	return TC_ERR_INVALID;
}

static const char *const event_names[TC_EV_N] = { "sent",   "received", "playing", "played", "displayed",
						  "cleared", "rejected", "failed", "timeout" };

const char *tc_devent_name(enum tc_devent e)
{
	return e < TC_EV_N ? event_names[e] : "unknown";
}

enum tc_devent tc_devent_of_ack(enum tc_ack_kind k)
{
	static const enum tc_devent map[TC_ACK_N_KINDS] = {
		[TC_ACK_RECEIVED] = TC_EV_RECEIVED, [TC_ACK_PLAYING] = TC_EV_PLAYING,   [TC_ACK_PLAYED] = TC_EV_PLAYED,
		[TC_ACK_DISPLAYED] = TC_EV_DISPLAYED, [TC_ACK_CLEARED] = TC_EV_CLEARED, [TC_ACK_REJECTED] = TC_EV_REJECTED,
		[TC_ACK_FAILED] = TC_EV_FAILED, [TC_ACK_CHECKED] = TC_EV_PLAYED, /* a passed self-check; a failed one: FAILED */
	};
	return k < TC_ACK_N_KINDS ? map[k] : TC_EV_N;
}

/* Table cells besides a next state. */
enum {
	NO = -1,    /* refused */
	STAY = -2,  /* accepted, nothing changes */
	RETRY = -3, /* timer of "sent": re-send, or escalate after the last attempt */
};

#define PL TC_DS_PLANNED
#define SE TC_DS_SENT
#define RE TC_DS_RECEIVED
#define PD TC_DS_PLAYED
#define DI TC_DS_DISPLAYED
#define FA TC_DS_FAILED
#define RJ TC_DS_REJECTED
#define EX TC_DS_EXPIRED
#define CA TC_DS_CANCELLED
#define ES TC_DS_ESCALATED

/* next[state][event] */
static const int next_state[TC_DS_N][TC_EV_N] = {
	/*               SENT  RECV  PLAYING PLAYED DISPL CLEARED REJECT FAILED TIMEOUT */
	[TC_DS_PLANNED] = { SE, NO, NO, NO, NO, NO, NO, NO, NO },
	[TC_DS_SENT] = { SE, RE, RE, PD, DI, STAY, RJ, FA, RETRY },
	[TC_DS_RECEIVED] = { STAY, STAY, STAY, PD, DI, STAY, RJ, FA, ES },
	[TC_DS_PLAYED] = { STAY, STAY, STAY, STAY, STAY, STAY, STAY, STAY, NO },
	[TC_DS_DISPLAYED] = { STAY, STAY, STAY, STAY, STAY, STAY, STAY, STAY, NO },
	[TC_DS_FAILED] = { STAY, STAY, STAY, PD, DI, STAY, STAY, STAY, NO },
	[TC_DS_REJECTED] = { STAY, STAY, STAY, PD, DI, STAY, STAY, STAY, NO },
	[TC_DS_EXPIRED] = { NO, STAY, STAY, PD, DI, STAY, STAY, STAY, NO },
	[TC_DS_CANCELLED] = { NO, STAY, STAY, STAY, STAY, STAY, STAY, STAY, NO },
	[TC_DS_ESCALATED] = { STAY, STAY, STAY, PD, DI, STAY, STAY, STAY, NO },
};

/* The timer a state starts with; 0 for none. */
static int64_t timer_of(enum tc_dstate st, const struct tc_track_policy *p, int64_t now)
{
	if (st == TC_DS_SENT)
		return now + p->ack_timeout_s;
	if (st == TC_DS_RECEIVED)
		return now + p->play_timeout_s;
	return 0;
}

/* Whether ev is an acknowledgment from the receiver (not a publication or a timer). */
static bool is_ack(enum tc_devent ev)
{
	return ev != TC_EV_SENT && ev != TC_EV_TIMEOUT;
}

struct tc_track_step tc_track_decide(enum tc_dstate st, enum tc_devent ev, long attempts, int64_t due_at,
				     const struct tc_track_policy *p, int64_t now)
{
	struct tc_track_step step = { .next = st, .attempts = attempts, .due_at = due_at };
	if (st >= TC_DS_N || ev >= TC_EV_N || next_state[st][ev] == NO)
		return step;
	if (is_ack(ev) && attempts < 1) /* invariant 6: never sent, nothing to acknowledge */
		return step;
	step.accepted = true;
	int cell = next_state[st][ev];
	if (cell == STAY)
		return step;
	step.changed = true;
	if (cell == RETRY) {
		if (attempts < p->max_attempts) {
			step.next = TC_DS_SENT;
			step.attempts = attempts + 1;
			step.due_at = timer_of(TC_DS_SENT, p, now);
			step.action = TC_TRACK_RESEND;
		} else {
			step.next = TC_DS_ESCALATED;
			step.due_at = 0;
			step.action = TC_TRACK_ESCALATE;
		}
		return step;
	}
	step.next = (enum tc_dstate)cell;
	if (ev == TC_EV_SENT)
		step.attempts = attempts + 1;
	if (step.next == TC_DS_ESCALATED || step.next == TC_DS_REJECTED || step.next == TC_DS_FAILED)
		step.action = TC_TRACK_ESCALATE; /* invariant 7 */
	/* Staying in received (playing after received) keeps the running timer. */
	step.due_at = step.next == st ? due_at : timer_of(step.next, p, now);
	return step;
}

enum tc_rc tc_track_apply(struct tc_store *s, const struct tc_track_policy *p, const struct tc_delivery_row *r,
			  enum tc_devent ev, const char *reason, int64_t now, struct tc_track_step *out)
{
	enum tc_dstate st;
	struct tc_track_step step = { 0 };
	enum tc_rc rc = tc_dstate_parse(r->state, &st);
	if (!rc)
		step = tc_track_decide(st, ev, r->attempts, r->due_at, p, now);
	if (out)
		*out = step;
	if (rc || !step.accepted)
		return rc ? rc : TC_ERR_INVALID;
	if (!step.changed)
		return TC_OK;
	struct tc_delivery_row w = *r;
	snprintf(w.state, sizeof(w.state), "%s", tc_dstate_name(step.next));
	w.attempts = step.attempts;
	w.due_at = step.due_at;
	rc = tc_store_update_delivery(s, &w, reason, now);
	if (!rc && step.action == TC_TRACK_ESCALATE) {
		char why[192];
		if (step.next != TC_DS_ESCALATED)
			snprintf(why, sizeof(why), "%s: %s", tc_dstate_name(step.next), reason && *reason ? reason : "no reason given");
		else
			snprintf(why, sizeof(why), "%s",
				 st == TC_DS_RECEIVED ? "received but never played" : "no receipt after every attempt");
		rc = tc_store_put_escalation(s, r->alert_id, r->target, r->region, why, now);
	}
	return rc;
}
