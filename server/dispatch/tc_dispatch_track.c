/*
 * tc_dispatch_track.c — acknowledgments, statuses and timers (tc_dispatch_int.h): the owner
 * thread's side of the delivery state machine (tc_track.h). An acknowledgment moves its
 * delivery; a receiver that comes back online gets what it is still missing; a timer re-sends
 * or escalates. After an unclean stop the receivers of unsettled deliveries are asked again.
 */
#include "tc_dispatch_int.h"

#include <stdio.h>
#include <string.h>

#include "tc_hash.h"
#include "tc_log.h"
#include "tc_proto.h"
#include "tc_store_health.h"

#define TIMER_BATCH 2000

/* Write what event ev does to row r; false when the store refused (a refused event is logged). */
static bool apply_event(struct tc_dispatch *dp, const struct tc_delivery_row *r, enum tc_devent ev, const char *reason,
			int64_t now, struct tc_track_step *step)
{
	enum tc_rc rc = tc_track_apply(dp->store, &dp->o.policy, r, ev, reason, now, step);
	if (rc == TC_ERR_INVALID && !step->accepted) {
		tc_log(TC_LOG_INFO, "track", "alert=%s target=%s state=%s refused the event %s", r->alert_id, r->target,
		       r->state, tc_devent_name(ev));
		return true;
	}
	return tc_dispatch_stored(dp, rc, TC_DOP_DELIVERY, r->alert_id, r->target);
}

/* An acknowledgment the delivery's state refused; counted, logged (tc_track.h, invariants 5 and 6). */
static void refused_ack(struct tc_dispatch *dp, const struct tc_delivery_row *r, const struct tc_ack *ack)
{
	if (r->attempts < 1) {
		dp->stats.acks_not_sent++;
		tc_log(TC_LOG_WARN, "track", "alert=%s target=%s state=%s acknowledged %s, but the delivery was never sent; ignored",
		       r->alert_id, r->target, r->state, tc_ack_kind_name(ack->kind));
	} else {
		dp->stats.acks_out_of_order++;
		tc_log(TC_LOG_INFO, "track", "alert=%s target=%s state=%s refused the acknowledgment %s", r->alert_id, r->target,
		       r->state, tc_ack_kind_name(ack->kind));
	}
}

/*
 * What an acknowledgment does to its delivery. A checked one counts as played when every field of
 * its self-check is ok, and as failed otherwise, the reason naming the failed field
 * ("check-audio: no audio output device"), so that it escalates like any failure; a repeated
 * checked without its check counts as played (its check was taken the first time).
 */
static enum tc_devent checked_event(const struct tc_ack *ack, char *why, size_t len)
{
	const char *field = ack->kind == TC_ACK_CHECKED && ack->has_check ? tc_selfcheck_failed(&ack->check) : NULL;
	if (!field)
		return tc_devent_of_ack(ack->kind);
	snprintf(why, len, "check-%s: %s", field, !strcmp(field, "audio") ? ack->check.audio : ack->check.storage);
	return TC_EV_FAILED;
}

/* Keep the self-check of a checked acknowledgment from receiver rx. */
static enum tc_rc put_check(struct tc_dispatch *dp, const struct tc_ack *ack, const char *rx, int64_t now)
{
	char kids[TC_CHECK_MAX_KIDS * 17 + 1] = "";
	size_t n = 0;
	for (size_t i = 0; i < ack->check.n_kids && i < TC_CHECK_MAX_KIDS; i++)
		n += (size_t)snprintf(kids + n, sizeof(kids) - n, "%s%s", i ? "," : "", ack->check.kids[i]);
	struct tc_store_selfcheck c = { ack->check.audio, ack->check.storage, ack->check.clock_offset_ms,
					ack->check.rtt_ms, ack->check.version, kids };
	return tc_store_put_selfcheck(dp->store, ack->alert_id, rx, &c, now);
}

/*
 * The receiver is the topic's (P/rx/<id>/ack): the broker lets only that receiver write it. An
 * acknowledgment naming another receiver, or for a delivery never sent, is ignored; rejected and
 * failed escalate (tc_track.h).
 */
static void on_ack(struct tc_dispatch *dp, const char *rx, const struct tc_mail *m, int64_t now)
{
	struct tc_ack ack;
	struct tc_delivery_row row;
	struct tc_diags *d = tc_diags_new();
	if (tc_ack_decode(m->data, m->len, &ack, d) != TC_OK) {
		dp->stats.acks_refused++;
		tc_log(TC_LOG_WARN, "track", "target=%s sent an unreadable acknowledgment: %s", rx,
		       tc_diags_count(d) ? tc_diags_get(d, 0)->message : "?");
		tc_diags_free(d);
		return;
	}
	tc_diags_free(d);
	if (ack.rx[0] && strcmp(ack.rx, rx)) {
		dp->stats.acks_foreign++;
		tc_log(TC_LOG_WARN, "track", "alert=%s target=%s acknowledged %s on behalf of receiver %s; ignored",
		       ack.alert_id, rx, tc_ack_kind_name(ack.kind), ack.rx);
		return;
	}
	char why[160] = "";
	enum tc_devent ev = checked_event(&ack, why, sizeof(why));
	enum tc_rc rc = tc_store_get_delivery_state(dp->store, ack.alert_id, rx, "mqtt", &row);
	if (rc == TC_ERR_NOTFOUND) {
		dp->stats.acks_unknown++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s acknowledged %s, but the alert was not sent to it",
		       ack.alert_id, rx, tc_ack_kind_name(ack.kind));
		return;
	}
	if (!tc_dispatch_stored(dp, rc, TC_DOP_READ, ack.alert_id, rx))
		return;
	enum tc_dstate st;
	struct tc_track_step step = { 0 };
	if (tc_dstate_parse(row.state, &st) == TC_OK)
		step = tc_track_decide(st, ev, row.attempts, row.due_at, &dp->o.policy, now);
	if (!step.accepted) {
		refused_ack(dp, &row, &ack);
		return;
	}
	if (step.action == TC_TRACK_ESCALATE) { /* the escalation names the receiver's village */
		char kind[16];
		rc = tc_store_receiver_info(dp->store, rx, kind, row.region);
		if (rc != TC_ERR_NOTFOUND && !tc_dispatch_stored(dp, rc, TC_DOP_READ, ack.alert_id, rx))
			return;
	}
	dp->stats.acks++;
	tc_dispatch_mark_watched(dp, ack.alert_id);
	if (!tc_dispatch_stored(dp, tc_store_put_ack(dp->store, ack.alert_id, rx, tc_ack_kind_name(ack.kind),
						     why[0] ? why : ack.reason, now), TC_DOP_ACK, ack.alert_id, rx) ||
	    (ack.has_check && !tc_dispatch_stored(dp, put_check(dp, &ack, rx, now), TC_DOP_ACK, ack.alert_id, rx)))
		return;
	if (!apply_event(dp, &row, ev, why[0] ? why : ack.reason, now, &step) || !step.changed)
		return;
	if (step.action == TC_TRACK_ESCALATE) {
		dp->stats.escalations++;
		dp->work_due = true; /* an escalation for the SMS side */
		tc_log(TC_LOG_WARN, "track", "alert=%s target=%s region=%s state=%s escalated (%s)", ack.alert_id, rx, row.region,
		       tc_dstate_name(step.next), ack.reason[0] ? ack.reason : "no reason given");
		return;
	}
	tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s state=%s", ack.alert_id, rx, tc_dstate_name(step.next));
}

struct resend_ctx {
	struct tc_dispatch *dp;
	int64_t now;
};

/* The slot of delivery (alert, target) in the table of recent online re-sends. */
static struct tc_dispatch_resent *resent_slot(struct tc_dispatch *dp, const char *alert, const char *target)
{
	uint32_t h = tc_fnv1a(tc_fnv1a(tc_fnv1a(TC_FNV1A_INIT, alert), "/"), target);
	return &dp->resent[h % TC_DISPATCH_RESENT_SLOTS];
}

/*
 * Whether an online status must leave delivery r alone now: it was re-sent for one less than
 * ack_timeout_s ago, so that a flood of statuses causes no flood of alerts (at most one re-send
 * per delivery per ack_timeout_s). Kept in memory (a restart forgets it); a slot taken since by
 * another delivery lets the next status through.
 */
static bool resend_held(struct tc_dispatch *dp, const struct tc_delivery_row *r, int64_t now)
{
	const struct tc_dispatch_resent *e = resent_slot(dp, r->alert_id, r->target);
	return e->at && !strcmp(e->alert, r->alert_id) && !strcmp(e->target, r->target) &&
	       now - e->at < dp->o.policy.ack_timeout_s;
}

/* Delivery r was re-sent at now for an online status. */
static void resend_noted(struct tc_dispatch *dp, const struct tc_delivery_row *r, int64_t now)
{
	struct tc_dispatch_resent *e = resent_slot(dp, r->alert_id, r->target);
	snprintf(e->alert, sizeof(e->alert), "%s", r->alert_id);
	snprintf(e->target, sizeof(e->target), "%s", r->target);
	e->at = now;
}

static void resend_pending(const struct tc_delivery_row *r, void *user)
{
	struct resend_ctx *rc = user;
	struct tc_dispatch *dp = rc->dp;
	struct tc_track_step step = { 0 };
	if (tc_dispatch_failing(dp))
		return;
	const struct tc_dispatch_payload *pl = tc_dispatch_payload(dp, r->alert_id);
	uint32_t expiry = pl ? tc_dispatch_alert_expiry(dp, r->alert_id, rc->now) : 0;
	if (!pl || tc_dispatch_failing(dp))
		return; /* not rendered yet: the timer sends it */
	if (resend_held(dp, r, rc->now)) {
		dp->stats.resends_held++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s state=%s online again within ack_timeout_s; re-send held",
		       r->alert_id, r->target, r->state);
		return;
	}
	if (tc_dispatch_guidance_send(dp, r->alert_id, r, 1, expiry, rc->now, true) != TC_OK ||
	    tc_dispatch_send_direct(dp, r->target, pl->data, pl->len, expiry) != TC_OK)
		return; /* the broker went away: the timer sends it */
	resend_noted(dp, r, rc->now);
	dp->stats.resends++;
	apply_event(dp, r, TC_EV_SENT, NULL, rc->now, &step);
}

static void on_status(struct tc_dispatch *dp, const char *rx, const struct tc_mail *m, int64_t now)
{
	struct tc_rx_status st;
	dp->stats.statuses++;
	if (!m->len) /* a cleared retained status */
		return;
	if (tc_rx_status_decode(m->data, m->len, &st, NULL) != TC_OK) {
		tc_log(TC_LOG_WARN, "track", "target=%s sent an unreadable status", rx);
		return;
	}
	if (st.rx[0] && strcmp(st.rx, rx)) {
		tc_log(TC_LOG_WARN, "track", "target=%s sent a status on behalf of receiver %s; ignored", rx, st.rx);
		return;
	}
	enum tc_rc rc = tc_store_receiver_seen(dp->store, rx, st.online, now);
	if (rc == TC_ERR_NOTFOUND) {
		tc_log(TC_LOG_DEBUG, "track", "target=%s is not registered; its status is ignored", rx);
		return;
	}
	if (!tc_dispatch_stored(dp, rc, TC_DOP_RECEIVER, NULL, rx) || !st.online)
		return;
	/* a status sent now tells the receiver's clock; a retained one may be old, and a Will is */
	if (m->kind == TC_MQTT_MESSAGE && st.at > 0 &&
	    !tc_dispatch_stored(dp, tc_store_receiver_clock(dp->store, rx, st.at - now, now), TC_DOP_RECEIVER, NULL, rx))
		return;
	tc_dispatch_shelter_online(dp, rx, now);
	struct resend_ctx ctx = { dp, now };
	tc_dispatch_stored(dp, tc_store_receiver_pending(dp->store, rx, now, resend_pending, &ctx), TC_DOP_READ, NULL, rx);
}

void tc_dispatch_on_message(struct tc_dispatch *dp, const struct tc_mail *m, int64_t now)
{
	char rx[128];
	switch (tc_dispatch_parse(dp, m->from, m->topic, rx, sizeof(rx))) {
	case TC_TOPIC_RX_ACK: on_ack(dp, rx, m, now); break;
	case TC_TOPIC_RX_STATUS: on_status(dp, rx, m, now); break;
	default: tc_log(TC_LOG_DEBUG, "mqtt", "ignored a message on %s", m->topic); break;
	}
}

/* --- timers ------------------------------------------------------------------------------- */

static void on_timer(const struct tc_delivery_row *r, void *user)
{
	struct resend_ctx *rc = user;
	struct tc_dispatch *dp = rc->dp;
	struct tc_track_step step = { 0 };
	if (tc_dispatch_failing(dp) || !apply_event(dp, r, TC_EV_TIMEOUT, NULL, rc->now, &step) || !step.changed)
		return;
	if (step.action == TC_TRACK_RESEND) {
		const struct tc_dispatch_payload *pl = tc_dispatch_payload(dp, r->alert_id);
		if (pl && !tc_dispatch_guidance_send(dp, r->alert_id, r, 1, tc_dispatch_alert_expiry(dp, r->alert_id, rc->now),
						     rc->now, true) &&
		    tc_dispatch_send_direct(dp, r->target, pl->data, pl->len, (uint32_t)dp->o.policy.ack_timeout_s * 4) == TC_OK)
			dp->stats.resends++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s state=sent attempt %ld", r->alert_id, r->target,
		       step.attempts);
	} else if (step.action == TC_TRACK_ESCALATE) {
		dp->stats.escalations++;
		tc_dispatch_mark_watched(dp, r->alert_id); /* no longer waited for */
		tc_log(TC_LOG_WARN, "track", "alert=%s target=%s region=%s state=escalated (%s)", r->alert_id, r->target,
		       r->region, !strcmp(r->state, "received") ? "received but never played" : "no receipt");
	}
}

/* --- asking again after an unclean stop ------------------------------------------------- */

struct ask_ctx {
	struct tc_dispatch *dp;
	int64_t now;
	char alert[17];  /* the alert the rows are at (they come by alert) */
	size_t alert_n;  /* its receivers asked so far */
	size_t alerts, sent;
	const struct tc_dispatch_payload *pl;
	uint32_t expiry;
	enum tc_rc rc;
};

/* The audit entry of the alert the rows were at. */
static void asked_alert(struct ask_ctx *ac)
{
	char detail[96];
	if (!ac->alert_n)
		return;
	snprintf(detail, sizeof(detail), "%zu receiver(s) asked for their last acknowledgment after an unclean stop",
		 ac->alert_n);
	if (!tc_dispatch_stored(ac->dp, tc_store_audit(ac->dp->store, ac->now, "dispatch", "asked again", ac->alert, detail),
		    TC_DOP_AUDIT, ac->alert, NULL))
		ac->rc = TC_ERR_IO;
}

/* A copy of its alert to the receiver of one unsettled delivery. */
static void ask_one(const struct tc_delivery_row *r, void *user)
{
	struct ask_ctx *ac = user;
	struct tc_dispatch *dp = ac->dp;
	if (ac->rc || tc_dispatch_failing(dp))
		return;
	if (!ac->alerts || strcmp(ac->alert, r->alert_id)) {
		asked_alert(ac);
		snprintf(ac->alert, sizeof(ac->alert), "%s", r->alert_id);
		ac->alert_n = 0;
		ac->alerts++;
		ac->pl = tc_dispatch_payload(dp, r->alert_id);
		ac->expiry = tc_dispatch_alert_expiry(dp, r->alert_id, ac->now);
	}
	if (!ac->pl || ac->rc || tc_dispatch_failing(dp))
		return;
	enum tc_rc rc = tc_dispatch_send_direct(dp, r->target, ac->pl->data, ac->pl->len, ac->expiry);
	if (rc == TC_ERR_INVALID) /* this receiver cannot be addressed; the others are asked */
		return;
	ac->rc = rc;
	if (!ac->rc) {
		ac->alert_n++;
		ac->sent++;
		dp->stats.asked_again++;
	}
}

/*
 * After an unclean stop. libmosquitto answers an acknowledgment's PUBACK before tocsind has
 * written it, so the last run may have taken acknowledgments it never wrote, and the broker
 * keeps no copy. Every receiver of an unsettled delivery gets its alert once more; it knows the
 * alert and answers with its last acknowledgment, never playing twice. Nothing changes state
 * here: what comes back does that, as any acknowledgment.
 */
void tc_dispatch_ask_receivers(struct tc_dispatch *dp, int64_t now)
{
	struct ask_ctx ac = { .dp = dp, .now = now };
	if (!tc_dispatch_stored(dp, tc_store_each_unsettled(dp->store, now, ask_one, &ac), TC_DOP_READ, NULL, NULL))
		return;
	asked_alert(&ac);
	if (tc_dispatch_failing(dp))
		return;
	tc_log(ac.rc ? TC_LOG_WARN : TC_LOG_INFO, "dispatch",
	       "after an unclean stop: %zu receiver(s) of %zu alert(s) asked again for their last acknowledgment%s",
	       ac.sent, ac.alerts, ac.rc ? " (stopped: the broker went away; all are asked again on reconnect)" : "");
	dp->ask_again = ac.rc != TC_OK;
}

void tc_dispatch_fire_timers(struct tc_dispatch *dp, int64_t now)
{
	struct resend_ctx rc = { dp, now };
	tc_dispatch_stored(dp, tc_store_due_deliveries(dp->store, now, TIMER_BATCH, on_timer, &rc), TC_DOP_READ, NULL,
			   NULL);
}
