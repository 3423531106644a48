/*
 * rx_intake.c — topic, seal and payload of one received message, and the
 * rules a receiver applies to it (rx_intake.h).
 */
#include "rx_intake.h"

#include <stdio.h>
#include <string.h>

const char *rx_msg_kind_name(enum rx_msg_kind k)
{
	static const char *const names[] = { "alert", "cmd", "clear", "audio", "reject", "ignore" };
	return (unsigned)k <= RX_MSG_IGNORE ? names[k] : "unknown";
}

static int is_alert_id(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

static void reject(struct rx_msg *out, const char *reason)
{
	out->kind = RX_MSG_REJECT;
	out->reason = reason;
}

void rx_intake_sealed(const struct tc_keyring *ring, bool region, const void *msg, size_t len,
		      struct rx_msg *out)
{
	enum tc_verify v = tc_sign_open(msg, len, ring, &out->body, &out->body_len, out->kid);
	if (v != TC_VERIFY_OK) {
		reject(out, tc_verify_name(v));
		return;
	}
	struct tc_diags *d = tc_diags_new();
	if (!d) {
		reject(out, "malformed-payload");
		return;
	}
	if (tc_proto_is_cmd(out->body, out->body_len)) {
		if (region)
			reject(out, "command-on-region-topic");
		else if (tc_cmd_decode(out->body, out->body_len, &out->cmd, d))
			reject(out, "malformed-command");
		else if (strcmp(out->cmd.kid, out->kid))
			reject(out, "key-mismatch");
		else
			out->kind = RX_MSG_CMD;
	} else if (tc_rx_alert_parse(out->body, out->body_len, &out->alert, d)) {
		out->alert = NULL;
		reject(out, tc_diags_find(d, "proto.version") ? "unsupported-version" : "malformed-payload");
	} else if (strcmp(out->alert->kid, out->kid)) {
		tc_rx_alert_free(out->alert);
		out->alert = NULL;
		reject(out, "key-mismatch");
	} else {
		out->kind = RX_MSG_ALERT;
	}
	tc_diags_free(d);
}

bool rx_intake_topic(const char *prefix, const char *self, const char *topic, size_t len, struct rx_msg *out,
		     bool *region)
{
	char a[128], b[128];
	memset(out, 0, sizeof(*out));
	out->kind = RX_MSG_IGNORE;
	*region = false;
	enum tc_topic_kind k = tc_proto_parse_topic(prefix, topic, a, sizeof(a), b, sizeof(b));
	if (k == TC_TOPIC_AUDIO) {
		out->kind = RX_MSG_AUDIO;
		snprintf(out->audio_id, sizeof(out->audio_id), "%s", a);
	} else if (k == TC_TOPIC_REGION_ALERT) {
		if (is_alert_id(b))
			memcpy(out->topic_id, b, 17);
		if (len)
			return *region = true;
		out->kind = out->topic_id[0] ? RX_MSG_CLEAR : RX_MSG_IGNORE;
	} else if (k == TC_TOPIC_RX_CMD && !strcmp(a, self) && len) {
		return true;
	}
	return false;
}

void rx_intake(const char *prefix, const char *self, const struct tc_keyring *ring, const char *topic,
	       const void *msg, size_t len, struct rx_msg *out)
{
	bool region;
	if (rx_intake_topic(prefix, self, topic, len, out, &region))
		rx_intake_sealed(ring, region, msg, len, out);
}

/* --- the rules ---------------------------------------------------------------------- */

const char *rx_verdict_name(enum rx_verdict v)
{
	static const char *const names[] = { "taken", "repeated", "refused", "obeyed", "ignored" };
	return (unsigned)v <= RX_IGNORED ? names[v] : "unknown";
}

/* Record kind for id and say it. */
static void say(const struct rx_rules *r, const char *id, enum tc_ack_kind kind, const char *reason, int64_t now)
{
	rx_state_record(r->st, id, kind, reason, now);
	r->ack(r->ctx, id, kind, reason, false);
}

/*
 * Stop and clear id. One never seen is remembered as cleared, so a copy
 * arriving later is not carried out. always_ack: acknowledge cleared even
 * when it was not in force (a cancel command).
 */
static void clear(const struct rx_rules *r, const char *id, const char *reason, bool always_ack, int64_t now)
{
	const struct rx_seen *s = rx_state_find(r->st, id);
	if (s && s->phase != RX_PHASE_DONE) {
		if (r->stop)
			r->stop(r->ctx, id);
		say(r, id, TC_ACK_CLEARED, reason, now);
		return;
	}
	if (!s)
		rx_state_record(r->st, id, TC_ACK_CLEARED, reason, now);
	if (always_ack)
		r->ack(r->ctx, id, TC_ACK_CLEARED, reason, s != NULL);
}

static enum rx_verdict refuse(const struct rx_rules *r, const char *id, const char *why, const char **reason)
{
	*reason = why;
	if (id && *id)
		r->ack(r->ctx, id, TC_ACK_REJECTED, why, false);
	return RX_REFUSED;
}

/* Refuse a new alert for why, remembering it so that every later copy is refused alike. */
static enum rx_verdict refuse_alert(const struct rx_rules *r, const char *id, const char *why, int64_t now,
				    const char **reason)
{
	rx_state_record(r->st, id, TC_ACK_REJECTED, why, now);
	return refuse(r, id, why, reason);
}

static void end_references(const struct rx_rules *r, const struct tc_rx_alert *a, int64_t now)
{
	static const struct {
		const char *msg_type, *reason;
	} ends[] = { { "Cancel", "cancelled" }, { "Update", "updated" } };
	for (size_t k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
		if (!strcmp(a->msg_type, ends[k].msg_type))
			for (size_t i = 0; i < a->n_references; i++)
				clear(r, a->references[i], ends[k].reason, false, now);
}

bool rx_intake_in_scope(const struct rx_rules *r, const struct tc_rx_alert *a)
{
	for (size_t i = 0; r->self && i < a->n_scope_receivers; i++)
		if (!strcmp(a->scope_receivers[i], r->self))
			return true;
	for (size_t i = 0; i < a->n_scope_regions; i++)
		for (size_t k = 0; k < r->n_regions; k++)
			if (!strncmp(r->regions[k], a->scope_regions[i], strlen(a->scope_regions[i])))
				return true;
	return false;
}

/* Refused without a word: the message is not this receiver's to answer. */
static enum rx_verdict drop(const char *why, const char **reason)
{
	*reason = why;
	return RX_REFUSED;
}

static enum rx_verdict alert(const struct rx_rules *r, const struct tc_rx_alert *a, const char *topic_id,
			     int64_t now, const char **reason)
{
	if (topic_id[0] && strcmp(topic_id, a->id))
		return drop("topic-mismatch", reason);
	if (!rx_intake_in_scope(r, a))
		return drop("out-of-scope", reason);
	if (a->issued_at > now + r->skew_s)
		return drop("not-yet-valid", reason);
	const struct rx_seen *s = rx_state_find(r->st, a->id);
	if (s) {
		r->ack(r->ctx, s->id, (enum tc_ack_kind)s->final, s->reason[0] ? s->reason : NULL, true);
		return RX_REPEATED;
	}
	if (a->expires_at <= now)
		return refuse_alert(r, a->id, "expired", now, reason);
	if (a->drill && !r->accept_drills)
		return refuse_alert(r, a->id, "drill-refused", now, reason);
	end_references(r, a, now);
	struct rx_seen e = { .phase = RX_PHASE_PENDING, .final = TC_ACK_RECEIVED, .expires_at = a->expires_at,
			     .priority = a->priority };
	snprintf(e.id, sizeof(e.id), "%s", a->id);
	rx_state_put(r->st, &e, now);
	r->ack(r->ctx, a->id, TC_ACK_RECEIVED, NULL, false);
	return RX_TAKEN;
}

static enum rx_verdict command(const struct rx_rules *r, const struct tc_cmd *c, int64_t now, const char **reason)
{
	int64_t age = now - c->at;
	bool cancel = c->kind == TC_CMD_CANCEL && c->alert_id[0];
	if (!r->self || strcmp(c->rx, r->self))
		return drop("not-for-this-receiver", reason);
	if (!rx_state_nonce(r->st, c->nonce))
		return RX_IGNORED;
	if (age > r->cmd_max_age_s || age < -r->cmd_max_age_s)
		return refuse(r, cancel ? c->alert_id : NULL, "command-too-old", reason);
	if (cancel)
		clear(r, c->alert_id, "cancelled", true, now);
	return RX_OBEYED;
}

enum rx_verdict rx_intake_apply(const struct rx_rules *r, const struct rx_msg *m, int64_t now, const char **reason)
{
	const char *why = NULL;
	enum rx_verdict v = RX_IGNORED;
	switch (m->kind) {
	case RX_MSG_ALERT: v = alert(r, m->alert, m->topic_id, now, &why); break;
	case RX_MSG_CMD: v = command(r, &m->cmd, now, &why); break;
	case RX_MSG_CLEAR: why = "empty-message"; break;
	case RX_MSG_REJECT: v = drop(m->reason, &why); break;
	case RX_MSG_AUDIO:
	case RX_MSG_IGNORE: break;
	}
	if (reason)
		*reason = why;
	return v;
}

enum rx_verdict rx_intake_restore(const struct rx_rules *r, const struct tc_rx_alert *a, int64_t now,
				  const char **reason)
{
	const char *why = NULL;
	enum rx_verdict v = RX_TAKEN;
	if (a->expires_at <= now) {
		clear(r, a->id, "expired", false, now);
		v = RX_IGNORED;
	} else if (a->drill && !r->accept_drills) {
		v = refuse_alert(r, a->id, "drill-refused", now, &why);
	}
	if (reason)
		*reason = why;
	return v;
}

enum rx_verdict rx_intake_kept_guidance(const struct rx_rules *r, const struct tc_keyring *ring, const char *id,
					const void *msg, size_t len, int64_t now, struct tc_cmd *out,
					const char **reason)
{
	struct rx_msg m = { .kind = RX_MSG_IGNORE };
	const char *why = NULL;
	enum rx_verdict v = RX_REFUSED;
	rx_intake_sealed(ring, false, msg, len, &m);
	tc_rx_alert_free(m.alert);
	const struct rx_seen *s = rx_state_find(r->st, id);
	if (m.kind != RX_MSG_CMD)
		why = m.kind == RX_MSG_REJECT ? m.reason : "not-a-command";
	else if (m.cmd.kind != TC_CMD_GUIDANCE)
		why = "not-guidance";
	else if (!r->self || strcmp(m.cmd.rx, r->self))
		why = "not-for-this-receiver";
	else if (strcmp(m.cmd.alert_id, id))
		why = "other-alert";
	else if (s ? s->phase != RX_PHASE_PENDING : now - m.cmd.at >= RX_GUIDANCE_KEEP_S)
		v = RX_IGNORED, why = "stale";
	else
		v = RX_TAKEN, *out = m.cmd;
	if (reason)
		*reason = why;
	return v;
}

void rx_intake_expire(const struct rx_rules *r, int64_t now)
{
	for (size_t i = 0; i < rx_state_count(r->st); i++) {
		const struct rx_seen *s = rx_state_at(r->st, i);
		if (s->phase != RX_PHASE_DONE && s->expires_at && s->expires_at <= now) {
			char id[17];
			memcpy(id, s->id, sizeof(id));
			clear(r, id, "expired", false, now);
		}
	}
}
