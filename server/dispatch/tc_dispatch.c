/*
 * tc_dispatch.c — publishing alerts and tracking what comes back (tc_dispatch.h).
 *
 * Runs on the owner thread only. Each call works inside one store
 * transaction, so a crash leaves either everything a step did or nothing;
 * what was published but not yet marked sent is published again after a
 * restart, and receivers recognise it by its id.
 */
#include "tc_dispatch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tc_log.h"
#include "tc_proto.h"
#include "tc_vec.h"

#define MAX_INFLIGHT 64
#define PAYLOAD_CACHE 8
#define TIMER_BATCH 2000
#define MAX_WATCHED 32

struct payload_entry {
	char id[17];
	unsigned char *data;
	size_t len;
};

/* An alert published by this process, watched until no target is waiting for it any more
 * (every one acknowledged receipt, or failed, or was escalated): the log reports that moment
 * with the time since publication. */
struct watched {
	char id[17];
	int64_t published_ms; /* wall clock */
	bool dirty;
};

struct tc_dispatch {
	struct tc_store *store;
	struct tc_mqtt *mq;
	struct tc_renderer *rd;
	struct tc_dispatch_options o;
	char prefix[128];
	struct tc_dispatch_stats stats;
	char inflight[MAX_INFLIGHT][17]; /* alerts with the render worker */
	size_t n_inflight;
	bool republish;                  /* the broker lost our session: put retained messages back */
	struct payload_entry payloads[PAYLOAD_CACHE];
	size_t next_payload;
	struct watched watched[MAX_WATCHED];
	size_t n_watched;
	bool work_due; /* what a batch did calls for tc_dispatch_work (and the SMS side) at once */
	bool ask_again; /* the last run stopped uncleanly: ask the receivers of unsettled deliveries again */
	struct tc_mail_held held; /* a batch the store could not take, tried again with the next */
};

struct tc_dispatch *tc_dispatch_new(struct tc_store *s, struct tc_mqtt *mq, struct tc_renderer *rd,
				    const struct tc_dispatch_options *o)
{
	struct tc_dispatch *dp = calloc(1, sizeof(*dp));
	if (!dp)
		return NULL;
	dp->store = s;
	dp->mq = mq;
	dp->rd = rd;
	dp->o = *o;
	snprintf(dp->prefix, sizeof(dp->prefix), "%s", o->prefix && *o->prefix ? o->prefix : TC_PROTO_DEFAULT_PREFIX);
	dp->o.prefix = dp->prefix;
	return dp;
}

void tc_dispatch_free(struct tc_dispatch *dp)
{
	if (!dp)
		return;
	for (size_t i = 0; i < PAYLOAD_CACHE; i++)
		free(dp->payloads[i].data);
	tc_mail_free_list(dp->held.mails);
	free(dp);
}

const struct tc_dispatch_stats *tc_dispatch_stats(const struct tc_dispatch *dp)
{
	return &dp->stats;
}

/* --- small caches ---------------------------------------------------------------- */

/* The sealed payload of an alert (owned by the cache); NULL when it has none yet. */
static const struct payload_entry *payload_of(struct tc_dispatch *dp, const char *id)
{
	for (size_t i = 0; i < PAYLOAD_CACHE; i++)
		if (dp->payloads[i].data && !strcmp(dp->payloads[i].id, id))
			return &dp->payloads[i];
	struct payload_entry *e = &dp->payloads[dp->next_payload];
	unsigned char *data = NULL;
	size_t len = 0;
	if (tc_store_get_payload(dp->store, id, &data, &len) != TC_OK)
		return NULL;
	dp->next_payload = (dp->next_payload + 1) % PAYLOAD_CACHE;
	free(e->data);
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->data = data;
	e->len = len;
	return e;
}

static uint32_t expiry_of(const struct tc_dispatch *dp, int64_t expires_at, int64_t now)
{
	if (expires_at <= 0)
		return (uint32_t)dp->o.default_expiry_s;
	return expires_at > now ? (uint32_t)(expires_at - now) : 1;
}

/* --- publishing ---------------------------------------------------------------- */

/* Delivery rows gathered from the store; rc says whether every row could be kept. */
struct rows {
	struct tc_vec all; /* struct tc_delivery_row */
	enum tc_rc rc;
};

#define ROWS { .all = TC_VEC_OF(struct tc_delivery_row), .rc = TC_OK }

static struct tc_delivery_row *row_at(const struct rows *rs, size_t i)
{
	return tc_vec_at(&rs->all, i);
}

static void add_row(const struct tc_delivery_row *r, void *user)
{
	struct rows *rs = user;
	struct tc_delivery_row *slot = rs->rc ? NULL : tc_vec_push(&rs->all);
	if (!slot) {
		rs->rc = TC_ERR_NOMEM;
		return;
	}
	*slot = *r;
}

static enum tc_rc send_direct(struct tc_dispatch *dp, const char *target, const void *data, size_t len,
			      uint32_t expiry)
{
	char topic[TC_PROTO_MAX_TOPIC];
	if (tc_proto_topic(topic, sizeof(topic), dp->prefix, TC_TOPIC_RX_CMD, target, NULL))
		return TC_ERR_USAGE;
	return tc_mqtt_publish(dp->mq, topic, data, len, false, expiry);
}

/* Rows (sorted by region) whose region starts with prefix. */
static size_t rows_under(const struct rows *rs, const char *prefix)
{
	size_t lo = 0, hi = rs->all.n, k = strlen(prefix), n = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(row_at(rs, mid)->region, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < rs->all.n && !strncmp(row_at(rs, lo + n)->region, prefix, k))
		n++;
	return n;
}

struct scope {
	char code[16];
	bool full; /* every receiver registered under it is a target */
	bool used;
};

/* The region scopes met so far (struct scope); NULL from scope_of when one could not be kept. */
static struct scope *scope_of(struct tc_dispatch *dp, struct tc_vec *ss, const struct rows *rs, const char *code)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct scope *s = tc_vec_at(ss, i);
		if (!strcmp(s->code, code))
			return s;
	}
	struct scope *s = tc_vec_push(ss);
	if (!s)
		return NULL;
	snprintf(s->code, sizeof(s->code), "%s", code);
	s->full = (long)rows_under(rs, code) == tc_store_count_region(dp->store, code);
	s->used = false;
	return s;
}

/* The widest region scope of row r whose receivers are all targets; NULL: send directly. */
static struct scope *widest_scope(struct tc_dispatch *dp, struct tc_vec *ss, const struct rows *rs,
				  const struct tc_delivery_row *r)
{
	char codes[TC_PROTO_MAX_REGIONS][16];
	size_t n = tc_proto_region_scopes(r->region, codes);
	while (n-- > 0) {
		struct scope *s = scope_of(dp, ss, rs, codes[n]);
		if (s && s->full)
			return s;
	}
	return NULL;
}

struct audio_ctx {
	struct tc_dispatch *dp;
	const char *alert_id;
	uint32_t expiry;
	enum tc_rc rc;
};

static void publish_audio(const char *id, const void *data, size_t len, void *user)
{
	struct audio_ctx *ac = user;
	char topic[TC_PROTO_MAX_TOPIC];
	if (ac->rc || tc_proto_topic(topic, sizeof(topic), ac->dp->prefix, TC_TOPIC_AUDIO, id, NULL))
		return;
	ac->rc = tc_mqtt_publish(ac->dp->mq, topic, data, len, true, ac->expiry);
	if (!ac->rc)
		tc_store_add_published(ac->dp->store, ac->alert_id, topic);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void watch(struct tc_dispatch *dp, const char *id, int64_t published_ms)
{
	if (dp->n_watched == MAX_WATCHED) /* the oldest goes unreported */
		memmove(dp->watched, dp->watched + 1, --dp->n_watched * sizeof(dp->watched[0]));
	struct watched *w = &dp->watched[dp->n_watched++];
	*w = (struct watched){ .published_ms = published_ms, .dirty = true };
	snprintf(w->id, sizeof(w->id), "%s", id);
}

static void mark_watched(struct tc_dispatch *dp, const char *id)
{
	for (size_t i = 0; i < dp->n_watched; i++)
		if (!strcmp(dp->watched[i].id, id))
			dp->watched[i].dirty = true;
}

/* After a batch of acknowledgments or timers: report the alerts no target is waiting for any more. */
static void check_watched(struct tc_dispatch *dp)
{
	for (size_t i = 0; i < dp->n_watched;) {
		struct watched *w = &dp->watched[i];
		long counts[TC_DELIVERY_N_STATES], total;
		if (!w->dirty || tc_store_awaiting_receipt(dp->store, w->id) != 0) {
			w->dirty = false;
			i++;
			continue;
		}
		double s = (double)(wall_ms() - w->published_ms) / 1000.0;
		if (tc_store_delivery_counts(dp->store, w->id, counts, &total) == TC_OK)
			tc_log(TC_LOG_INFO, "track", "alert=%s %ld of %ld target(s) acknowledged receipt, none is waiting; "
			       "%.3f s after publication", w->id,
			       counts[TC_DS_RECEIVED] + counts[TC_DS_PLAYED] + counts[TC_DS_DISPLAYED], total, s);
		memmove(w, w + 1, (--dp->n_watched - i) * sizeof(*w));
	}
}

/*
 * Publish the region messages, then the direct ones. The rows (all planned) are marked sent
 * first, in one statement, so that publishing is the last step before the commit and nothing
 * delays the receipts; a row that could not be published is put back. *first_ms: the wall
 * clock when the first message went out.
 */
static enum tc_rc publish_rows(struct tc_dispatch *dp, const struct tc_alert_brief *a, const struct payload_entry *pl,
			       struct rows *rs, int64_t now, int64_t *first_ms)
{
	struct tc_vec ss = TC_VEC_OF(struct scope);
	size_t n = rs->all.n;
	struct scope **chosen = calloc(n ? n : 1, sizeof(*chosen));
	bool *direct_ok = calloc(n ? n : 1, sizeof(*direct_ok));
	uint32_t expiry = expiry_of(dp, a->expires_at, now);
	enum tc_rc rc = chosen && direct_ok ? TC_OK : TC_ERR_NOMEM;
	size_t regions = 0, direct = 0;
	struct tc_track_step step = tc_track_decide(TC_DS_PLANNED, TC_EV_SENT, 0, 0, &dp->o.policy, now);
	if (!rc && step.accepted && step.changed)
		rc = tc_store_move_deliveries(dp->store, a->id, "planned", tc_dstate_name(step.next), step.attempts,
					      step.due_at, now);
	for (size_t i = 0; !rc && i < n; i++)
		chosen[i] = row_at(rs, i)->region[0] ? widest_scope(dp, &ss, rs, row_at(rs, i)) : NULL;
	*first_ms = wall_ms();
	for (size_t i = 0; !rc && i < n; i++) {
		struct scope *s = chosen[i];
		if (s && !s->used) {
			char topic[TC_PROTO_MAX_TOPIC];
			rc = tc_proto_topic(topic, sizeof(topic), dp->prefix, TC_TOPIC_REGION_ALERT, s->code, a->id);
			if (!rc)
				rc = tc_mqtt_publish(dp->mq, topic, pl->data, pl->len, true, expiry);
			if (!rc)
				rc = tc_store_add_published(dp->store, a->id, topic);
			s->used = !rc;
			regions += !rc;
		}
		if (!rc && !s) {
			rc = send_direct(dp, row_at(rs, i)->target, pl->data, pl->len, expiry);
			direct_ok[i] = !rc;
			direct += !rc;
		}
	}
	for (size_t i = 0; rc && chosen && direct_ok && i < n; i++)
		if (!(chosen[i] ? chosen[i]->used : direct_ok[i]))
			tc_store_update_delivery(dp->store, row_at(rs, i), NULL, now); /* back to planned */
	tc_log(TC_LOG_INFO, "dispatch", "alert=%s published to %zu target(s): %zu region topic(s), %zu direct%s", a->id,
	       n, regions, direct, rc ? " (stopped: the broker went away; the rest follows)" : "");
	free(chosen);
	free(direct_ok);
	tc_vec_free(&ss);
	return rc;
}

static void submit_render(struct tc_dispatch *dp, const char *id)
{
	struct tc_store_alert sa;
	for (size_t i = 0; i < dp->n_inflight; i++)
		if (!strcmp(dp->inflight[i], id))
			return;
	if (dp->n_inflight == MAX_INFLIGHT || tc_store_get_alert(dp->store, id, &sa) != TC_OK)
		return;
	if (tc_renderer_submit(dp->rd, id, sa.xml, sa.xml_len) == TC_OK)
		snprintf(dp->inflight[dp->n_inflight++], 17, "%s", id);
	tc_store_alert_release(&sa);
}

/* Render (once) or publish an alert with planned deliveries. */
static void publish_alert(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	const struct payload_entry *pl = payload_of(dp, a->id);
	if (!pl) {
		submit_render(dp, a->id);
		return;
	}
	if (!tc_mqtt_connected(dp->mq))
		return;
	struct audio_ctx ac = { dp, a->id, expiry_of(dp, a->expires_at, now), TC_OK };
	tc_store_each_audio(dp->store, a->id, publish_audio, &ac);
	if (ac.rc)
		return;
	struct rows rs = ROWS;
	tc_store_each_delivery_row(dp->store, a->id, "planned", add_row, &rs);
	int64_t first_ms = 0;
	enum tc_rc rc = rs.all.n ? publish_rows(dp, a, pl, &rs, now, &first_ms) : TC_OK;
	if (!rc && a->state == TC_ALERT_PLANNED) {
		tc_store_set_alert_state(dp->store, a->id, TC_ALERT_DISPATCHING, now);
		tc_store_audit(dp->store, now, "dispatch", "published", a->id, NULL);
		dp->stats.published_alerts++;
		if (rs.all.n)
			watch(dp, a->id, first_ms);
	}
	tc_vec_free(&rs.all);
}

/* --- the render worker's results ----------------------------------------------------- */

static void fail_planned(struct tc_dispatch *dp, const char *id, const char *reason, int64_t now)
{
	struct rows rs = ROWS;
	tc_store_each_delivery_row(dp->store, id, "planned", add_row, &rs);
	for (size_t i = 0; i < rs.all.n; i++) {
		struct tc_delivery_row *r = row_at(&rs, i);
		snprintf(r->state, sizeof(r->state), "failed");
		r->due_at = 0;
		tc_store_update_delivery(dp->store, r, reason, now);
	}
	tc_vec_free(&rs.all);
	tc_store_set_alert_state(dp->store, id, TC_ALERT_DISPATCHING, now);
}

static void on_rendered(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now)
{
	for (size_t i = 0; i < dp->n_inflight; i++)
		if (!strcmp(dp->inflight[i], r->alert_id)) {
			memmove(dp->inflight[i], dp->inflight[i + 1], (dp->n_inflight - i - 1) * sizeof(dp->inflight[0]));
			dp->n_inflight--;
			break;
		}
	if (r->rc) {
		tc_log(TC_LOG_ERROR, "render", "alert=%s cannot be rendered: %s", r->alert_id, r->error);
		tc_store_audit(dp->store, now, "render", "failed", r->alert_id, r->error);
		fail_planned(dp, r->alert_id, r->error, now);
		return;
	}
	enum tc_rc rc = tc_store_set_payload(dp->store, r->alert_id, r->sealed, r->sealed_len, r->priority);
	for (size_t i = 0; !rc && i < r->n_audio; i++) {
		const struct tc_rendered_audio *au = &r->audio[i];
		rc = tc_store_put_audio(dp->store, au->id, r->alert_id, au->lang, "ogg-opus", au->sha256, au->duration_ms,
					au->data, au->len);
	}
	tc_log(TC_LOG_INFO, "render", "alert=%s rendered: %zu language(s), payload %zu bytes%s", r->alert_id, r->n_audio,
	       r->sealed_len, rc ? " but the store could not keep it" : "");
}

/* --- what comes back from receivers -------------------------------------------------- */

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
	if (tc_store_get_delivery_state(dp->store, ack.alert_id, rx, "mqtt", &row) != TC_OK) {
		dp->stats.acks_unknown++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s acknowledged %s, but the alert was not sent to it",
		       ack.alert_id, rx, tc_ack_kind_name(ack.kind));
		return;
	}
	dp->stats.acks++;
	mark_watched(dp, ack.alert_id);
	tc_store_put_ack(dp->store, ack.alert_id, rx, tc_ack_kind_name(ack.kind), ack.reason, now);
	struct tc_track_step step;
	enum tc_devent ev = tc_devent_of_ack(ack.kind);
	enum tc_rc rc = tc_track_apply(dp->store, &dp->o.policy, &row, ev, ack.reason, now, &step);
	if (!rc && step.changed && step.action == TC_TRACK_ESCALATE)
		dp->work_due = true; /* an escalation for the SMS side */
	if (rc && !step.accepted)
		tc_log(TC_LOG_INFO, "track", "alert=%s target=%s state=%s refused the event %s", ack.alert_id, rx,
		       row.state, tc_devent_name(ev));
	else if (step.changed)
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s state=%s", ack.alert_id, rx, tc_dstate_name(step.next));
}

struct resend_ctx {
	struct tc_dispatch *dp;
	int64_t now;
};

static void resend_pending(const struct tc_delivery_row *r, void *user)
{
	struct resend_ctx *rc = user;
	struct tc_dispatch *dp = rc->dp;
	const struct payload_entry *pl = payload_of(dp, r->alert_id);
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires = 0;
	if (!pl || tc_store_alert_brief(dp->store, r->alert_id, msg_type, &st, &expires) != TC_OK)
		return;
	if (send_direct(dp, r->target, pl->data, pl->len, expiry_of(dp, expires, rc->now)) != TC_OK)
		return;
	dp->stats.resends++;
	tc_track_apply(dp->store, &dp->o.policy, r, TC_EV_SENT, NULL, rc->now, NULL);
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
	if (tc_store_receiver_seen(dp->store, rx, st.online, now) == TC_ERR_NOTFOUND) {
		tc_log(TC_LOG_DEBUG, "track", "target=%s is not registered; its status is ignored", rx);
		return;
	}
	if (!st.online)
		return;
	struct resend_ctx rc = { dp, now };
	tc_store_receiver_pending(dp->store, rx, now, resend_pending, &rc);
}

static void on_message(struct tc_dispatch *dp, const struct tc_mail *m, int64_t now)
{
	char rx[128], b[64];
	switch (tc_proto_parse_topic(dp->prefix, m->topic, rx, sizeof(rx), b, sizeof(b))) {
	case TC_TOPIC_RX_ACK: on_ack(dp, rx, m, now); break;
	case TC_TOPIC_RX_STATUS: on_status(dp, rx, m, now); break;
	default: tc_log(TC_LOG_DEBUG, "mqtt", "ignored a message on %s", m->topic); break;
	}
}

static size_t count_mails(const struct tc_mail *m)
{
	size_t n = 0;
	for (; m; m = m->next)
		n++;
	return n;
}

static void handle_mail(struct tc_dispatch *dp, struct tc_mail *m, int64_t now)
{
	switch (m->kind) {
	case TC_MQTT_CONNECTED:
		/* A broker that lost our session (restarted without persistence, or never
		 * saw us) has most likely lost the retained alerts too. */
		if (!m->len || ((const char *)m->data)[0] != '1')
			dp->republish = true;
		dp->work_due = true;
		break;
	case TC_MQTT_DISCONNECTED: break;
	case TC_MQTT_MESSAGE: on_message(dp, m, now); break;
	case TC_RENDER_DONE:
		on_rendered(dp, m->ptr, now);
		dp->work_due = true; /* publish it */
		break;
	default: break;
	}
}

/* The store refused the batch: keep it whole, to be handled again before what comes next. */
static void hold(struct tc_dispatch *dp, struct tc_mail *mails, const char *what)
{
	if (tc_mail_held_keep(&dp->held, mails))
		tc_log(TC_LOG_ERROR, "store", "%s a batch of %zu acknowledgment(s) and other mail; it is kept and tried "
		       "again", what, count_mails(mails));
}

bool tc_dispatch_handle(struct tc_dispatch *dp, struct tc_mail *mails, int64_t now)
{
	mails = tc_mail_held_take(&dp->held, mails); /* the held batch first */
	if (!mails)
		return false;
	struct tc_dispatch_stats before = dp->stats; /* what a refused batch did is counted when it is written */
	if (tc_store_begin(dp->store) != TC_OK) {
		hold(dp, mails, "the store is locked or failing and cannot start");
		return false;
	}
	for (struct tc_mail *m = mails; m; m = m->next)
		handle_mail(dp, m, now);
	if (tc_store_commit(dp->store) != TC_OK) {
		tc_store_rollback(dp->store);
		dp->stats = before;
		hold(dp, mails, "the store could not write");
		return false;
	}
	unsigned tries = tc_mail_held_done(&dp->held);
	if (tries)
		tc_log(TC_LOG_INFO, "store", "the held batch of %zu mail(s) is written, after %u tries", count_mails(mails),
		       tries);
	tc_mail_free_list(mails);
	check_watched(dp);
	bool due = dp->work_due;
	dp->work_due = false;
	return due;
}

bool tc_dispatch_holding(const struct tc_dispatch *dp)
{
	return dp->held.mails != NULL;
}

void tc_dispatch_ask_again(struct tc_dispatch *dp)
{
	dp->ask_again = true;
}

/* --- the periodic work ------------------------------------------------------------- */

/* An alert's brief with its own copies of the strings it points to. */
struct brief {
	struct tc_alert_brief a; /* id and msg_type point into this element once brief_at gave it */
	char id[17], msg_type[16];
};

/* Alert briefs gathered from the store; rc says whether every one could be kept. */
struct briefs {
	struct tc_vec all; /* struct brief */
	enum tc_rc rc;
};

#define BRIEFS { .all = TC_VEC_OF(struct brief), .rc = TC_OK }

static void add_brief(const struct tc_alert_brief *a, void *user)
{
	struct briefs *bs = user;
	struct brief *b = bs->rc ? NULL : tc_vec_push(&bs->all);
	if (!b) {
		bs->rc = TC_ERR_NOMEM;
		return;
	}
	b->a = *a;
	snprintf(b->id, sizeof(b->id), "%s", a->id);
	snprintf(b->msg_type, sizeof(b->msg_type), "%s", a->msg_type ? a->msg_type : "");
}

/* Brief i, its strings pointing into the vector (valid until it grows). */
static const struct tc_alert_brief *brief_at(const struct briefs *bs, size_t i)
{
	struct brief *b = tc_vec_at(&bs->all, i);
	b->a.id = b->id;
	b->a.msg_type = b->msg_type;
	return &b->a;
}

static void briefs_release(struct briefs *bs)
{
	tc_vec_free(&bs->all);
	bs->rc = TC_OK;
}

struct clear_ctx {
	struct tc_dispatch *dp;
	int64_t now;
	const char *alert_id;
	enum tc_rc rc;
};

static void clear_topic(const char *topic, void *user)
{
	struct clear_ctx *cc = user;
	if (!cc->rc)
		cc->rc = tc_mqtt_publish(cc->dp->mq, topic, NULL, 0, true, 0);
}

static void send_cancel(const struct tc_delivery_row *r, void *user)
{
	struct clear_ctx *cc = user;
	uint8_t nonce[8];
	char text[256];
	unsigned char sealed[256 + TC_SIGN_HEADER_LEN];
	size_t len = 0;
	if (cc->rc || !r->attempts)
		return;
	struct tc_cmd cmd = { .kind = TC_CMD_CANCEL, .at = cc->now };
	snprintf(cmd.alert_id, sizeof(cmd.alert_id), "%s", cc->alert_id);
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(cmd.nonce, sizeof(cmd.nonce), nonce, sizeof(nonce));
	size_t n = tc_cmd_encode(&cmd, text, sizeof(text));
	if (!n || tc_sign_seal(text, n, cc->dp->o.secret_key, sealed, sizeof(sealed), &len))
		return;
	cc->rc = send_direct(cc->dp, r->target, sealed, len, (uint32_t)cc->dp->o.default_expiry_s);
}

/* Ended alerts: clear their retained messages; an operator's cancel is also told to each receiver. */
static void clear_ended(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	if (!tc_mqtt_connected(dp->mq))
		return;
	tc_store_alerts_to_clear(dp->store, add_brief, &bs);
	for (size_t i = 0; i < bs.all.n; i++) {
		const struct tc_alert_brief *a = brief_at(&bs, i);
		struct clear_ctx cc = { dp, now, a->id, TC_OK };
		tc_store_each_published(dp->store, a->id, clear_topic, &cc);
		if (!cc.rc && a->state == TC_ALERT_CANCELLED)
			tc_store_each_delivery_row(dp->store, a->id, NULL, send_cancel, &cc);
		if (cc.rc)
			break;
		tc_store_clear_published(dp->store, a->id);
		dp->stats.cleared++;
		tc_log(TC_LOG_INFO, "dispatch", "alert=%s state=%s retained messages cleared", a->id,
		       tc_alert_state_name(a->state));
	}
	briefs_release(&bs);
}

struct republish_ctx {
	struct tc_dispatch *dp;
	const struct payload_entry *pl;
	uint32_t expiry;
};

static void republish_topic(const char *topic, void *user)
{
	struct republish_ctx *rc = user;
	if (strstr(topic, "/region/"))
		tc_mqtt_publish(rc->dp->mq, topic, rc->pl->data, rc->pl->len, true, rc->expiry);
}

/* After a (re)connect: the broker may have lost its retained messages (a restart without persistence). */
static void republish_active(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	tc_store_active_alerts(dp->store, now, add_brief, &bs);
	for (size_t i = 0; i < bs.all.n; i++) {
		const struct tc_alert_brief *a = brief_at(&bs, i);
		const struct payload_entry *pl = payload_of(dp, a->id);
		if (!pl)
			continue;
		struct audio_ctx ac = { dp, a->id, expiry_of(dp, a->expires_at, now), TC_OK };
		tc_store_each_audio(dp->store, a->id, publish_audio, &ac);
		struct republish_ctx rc = { dp, pl, ac.expiry };
		tc_store_each_published(dp->store, a->id, republish_topic, &rc);
	}
	if (bs.all.n)
		tc_log(TC_LOG_INFO, "dispatch", "put %zu active alert(s) back on the broker", bs.all.n);
	briefs_release(&bs);
}

static void on_timer(const struct tc_delivery_row *r, void *user)
{
	struct resend_ctx *rc = user;
	struct tc_dispatch *dp = rc->dp;
	struct tc_track_step step;
	if (tc_track_apply(dp->store, &dp->o.policy, r, TC_EV_TIMEOUT, NULL, rc->now, &step) != TC_OK)
		return;
	if (step.action == TC_TRACK_RESEND) {
		const struct payload_entry *pl = payload_of(dp, r->alert_id);
		if (pl && send_direct(dp, r->target, pl->data, pl->len, (uint32_t)dp->o.policy.ack_timeout_s * 4) == TC_OK)
			dp->stats.resends++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s state=sent attempt %ld", r->alert_id, r->target,
		       step.attempts);
	} else if (step.action == TC_TRACK_ESCALATE) {
		dp->stats.escalations++;
		mark_watched(dp, r->alert_id); /* no longer waited for */
		tc_log(TC_LOG_WARN, "track", "alert=%s target=%s region=%s state=escalated (%s)", r->alert_id, r->target,
		       r->region, !strcmp(r->state, "received") ? "received but never played" : "no receipt");
	}
}

struct ask_ctx {
	struct tc_dispatch *dp;
	int64_t now;
	char alert[17];  /* the alert the rows are at (they come by alert) */
	size_t alert_n;  /* its receivers asked so far */
	size_t alerts, sent;
	const struct payload_entry *pl;
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
	tc_store_audit(ac->dp->store, ac->now, "dispatch", "asked again", ac->alert, detail);
}

/* A copy of its alert to the receiver of one unsettled delivery. */
static void ask_one(const struct tc_delivery_row *r, void *user)
{
	struct ask_ctx *ac = user;
	struct tc_dispatch *dp = ac->dp;
	if (ac->rc)
		return;
	if (!ac->alerts || strcmp(ac->alert, r->alert_id)) {
		char msg_type[16];
		enum tc_alert_state st;
		int64_t expires = 0;
		asked_alert(ac);
		snprintf(ac->alert, sizeof(ac->alert), "%s", r->alert_id);
		ac->alert_n = 0;
		ac->alerts++;
		ac->pl = payload_of(dp, r->alert_id);
		ac->expiry = tc_store_alert_brief(dp->store, r->alert_id, msg_type, &st, &expires) == TC_OK ?
				     expiry_of(dp, expires, ac->now) : (uint32_t)dp->o.default_expiry_s;
	}
	if (!ac->pl)
		return;
	ac->rc = send_direct(dp, r->target, ac->pl->data, ac->pl->len, ac->expiry);
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
static void ask_again(struct tc_dispatch *dp, int64_t now)
{
	struct ask_ctx ac = { .dp = dp, .now = now };
	tc_store_each_unsettled(dp->store, now, ask_one, &ac);
	asked_alert(&ac);
	tc_log(ac.rc ? TC_LOG_WARN : TC_LOG_INFO, "dispatch",
	       "after an unclean stop: %zu receiver(s) of %zu alert(s) asked again for their last acknowledgment%s",
	       ac.sent, ac.alerts, ac.rc ? " (stopped: the broker went away; all are asked again on reconnect)" : "");
	dp->ask_again = ac.rc != TC_OK;
}

void tc_dispatch_work(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	long n = 0;
	if (tc_store_begin(dp->store) != TC_OK)
		return;
	if (tc_store_expire_alerts(dp->store, now, &n) == TC_OK && n)
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) expired", n);
	clear_ended(dp, now);
	if (dp->republish && tc_mqtt_connected(dp->mq)) {
		republish_active(dp, now);
		dp->republish = false;
	}
	if (dp->ask_again && tc_mqtt_connected(dp->mq))
		ask_again(dp, now);
	tc_store_alerts_to_dispatch(dp->store, add_brief, &bs);
	for (size_t i = 0; i < bs.all.n; i++)
		publish_alert(dp, brief_at(&bs, i), now);
	briefs_release(&bs);
	struct resend_ctx rc = { dp, now };
	tc_store_due_deliveries(dp->store, now, TIMER_BATCH, on_timer, &rc);
	check_watched(dp);
	if (tc_store_finish_alerts(dp->store, now, &n) == TC_OK && n)
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) reached every target's final state", n);
	if (tc_store_commit(dp->store) != TC_OK) {
		tc_log(TC_LOG_ERROR, "store", "dispatch work could not be written; it will be done again");
		tc_store_rollback(dp->store);
	}
}

void tc_dispatch_metrics(const struct tc_dispatch *dp, FILE *f)
{
	const struct tc_dispatch_stats *s = &dp->stats;
	fprintf(f, "# HELP tocsin_mqtt_connected Whether tocsind is connected to the broker.\n"
		   "# TYPE tocsin_mqtt_connected gauge\ntocsin_mqtt_connected %d\n",
		tc_mqtt_connected(dp->mq) ? 1 : 0);
	fprintf(f, "# HELP tocsin_mqtt_published_total Messages handed to the broker.\n"
		   "# TYPE tocsin_mqtt_published_total counter\ntocsin_mqtt_published_total %lu\n",
		tc_mqtt_published(dp->mq));
	fprintf(f, "# HELP tocsin_receivers_online Registered receivers whose last status said online.\n"
		   "# TYPE tocsin_receivers_online gauge\ntocsin_receivers_online %ld\n", tc_store_count_online(dp->store));
	fprintf(f, "# HELP tocsin_acks_total Acknowledgments from receivers, by outcome.\n# TYPE tocsin_acks_total counter\n");
	fprintf(f, "tocsin_acks_total{outcome=\"applied\"} %lu\n", s->acks);
	fprintf(f, "tocsin_acks_total{outcome=\"unreadable\"} %lu\n", s->acks_refused);
	fprintf(f, "tocsin_acks_total{outcome=\"not-a-target\"} %lu\n", s->acks_unknown);
	fprintf(f, "# HELP tocsin_resends_total Alerts re-sent directly to a receiver.\n"
		   "# TYPE tocsin_resends_total counter\ntocsin_resends_total %lu\n", s->resends);
	fprintf(f, "# HELP tocsin_asked_again_total Alerts sent again after an unclean stop, for the last acknowledgment.\n"
		   "# TYPE tocsin_asked_again_total counter\ntocsin_asked_again_total %lu\n", s->asked_again);
	fprintf(f, "# HELP tocsin_escalations_total Deliveries escalated to people.\n"
		   "# TYPE tocsin_escalations_total counter\ntocsin_escalations_total %lu\n", s->escalations);
	fprintf(f, "# HELP tocsin_receiver_statuses_total Status messages from receivers.\n"
		   "# TYPE tocsin_receiver_statuses_total counter\ntocsin_receiver_statuses_total %lu\n", s->statuses);
}
