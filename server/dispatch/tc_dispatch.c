/*
 * tc_dispatch.c — publishing alerts and tracking what comes back (tc_dispatch.h).
 *
 * Runs on the owner thread only. Each call works inside one store
 * transaction, so a crash leaves either everything a step did or nothing;
 * what was published but not yet marked sent is published again after a
 * restart, and receivers recognise it by its id.
 *
 * No store result is dropped. A read or a write the store refuses fails the
 * transaction at hand, which is rolled back and done again whole: a batch
 * of mails is kept and handled again first (tc_mail_held), the periodic
 * work is done again on the next call (everything it decides is read from
 * the store). Messages already handed to the broker then go out once more;
 * receivers know them by id. The failure is logged at error level, the
 * first of a run, with the alert and target it was about, and counted by
 * operation (tocsin_store_errors_total). What the store answers on purpose
 * (no such delivery, a transition the state machine refuses) is handled
 * where it comes and is not a failure.
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

/* What the dispatcher asks of the store, for counting and naming failures. */
enum store_op {
	OP_BEGIN = 0,
	OP_COMMIT,
	OP_READ,
	OP_ACK,
	OP_DELIVERY,
	OP_ALERT,
	OP_PAYLOAD,
	OP_PUBLISHED,
	OP_RECEIVER,
	OP_AUDIT,
	OP_N,
};

static const struct {
	const char *name; /* the metric's op label */
	const char *what; /* "the store could not ..." */
} ops[OP_N] = {
	[OP_BEGIN] = { "begin", "start a transaction" },
	[OP_COMMIT] = { "commit", "commit" },
	[OP_READ] = { "read", "be read" },
	[OP_ACK] = { "ack", "keep an acknowledgment" },
	[OP_DELIVERY] = { "delivery", "write a delivery's state" },
	[OP_ALERT] = { "alert", "write an alert's state" },
	[OP_PAYLOAD] = { "payload", "keep a rendered payload or its audio" },
	[OP_PUBLISHED] = { "published", "record or clear a retained topic" },
	[OP_RECEIVER] = { "receiver", "write a receiver's liveness" },
	[OP_AUDIT] = { "audit", "write the audit log" },
};

/* The first store failure of the transaction at hand. */
struct failure {
	bool set;
	enum store_op op;
	enum tc_rc rc;
	char alert[17], target[64];
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
	struct failure failure;   /* of the transaction at hand */
	unsigned long store_errors[OP_N];
	unsigned work_refused;    /* rounds of work rolled back in a row */
	bool watch_failing;       /* the last look at a watched alert could not read the store */
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

/* --- store failures ----------------------------------------------------------- */

/* Count a failed store call; the first of a transaction is kept, to be logged when it ends. */
static void store_failed(struct tc_dispatch *dp, enum store_op op, enum tc_rc rc, const char *alert,
			 const char *target)
{
	dp->store_errors[op]++;
	dp->stats.store_errors++;
	if (dp->failure.set)
		return;
	dp->failure = (struct failure){ .set = true, .op = op, .rc = rc };
	snprintf(dp->failure.alert, sizeof(dp->failure.alert), "%s", alert ? alert : "");
	snprintf(dp->failure.target, sizeof(dp->failure.target), "%s", target ? target : "");
}

/* True when a store call went through; otherwise the transaction at hand fails. */
static bool stored(struct tc_dispatch *dp, enum tc_rc rc, enum store_op op, const char *alert, const char *target)
{
	if (rc == TC_OK)
		return true;
	store_failed(dp, op, rc, alert, target);
	return false;
}

/* A count the store answers with -1 when it cannot be read. */
static bool counted(struct tc_dispatch *dp, long n, const char *alert, const char *target)
{
	return stored(dp, n < 0 ? TC_ERR_IO : TC_OK, OP_READ, alert, target);
}

static bool failing(const struct tc_dispatch *dp)
{
	return dp->failure.set;
}

/* The failure of the transaction that ended, then what becomes of its work. */
static void log_failure(const struct tc_dispatch *dp, const char *then)
{
	const struct failure *f = &dp->failure;
	tc_log(TC_LOG_ERROR, "store", "alert=%s target=%s op=%s the store could not %s (%s): %s",
	       f->alert[0] ? f->alert : "-", f->target[0] ? f->target : "-", ops[f->op].name, ops[f->op].what,
	       tc_rc_name(f->rc), then);
}

/* The transaction at hand failed: undo what it did, but keep the failures counted. */
static void roll_back(struct tc_dispatch *dp, const struct tc_dispatch_stats *before, bool began)
{
	unsigned long errors = dp->stats.store_errors;
	if (began)
		tc_store_rollback(dp->store);
	dp->stats = *before;
	dp->stats.store_errors = errors;
}

/* --- small caches ---------------------------------------------------------------- */

/*
 * The sealed payload of an alert (owned by the cache); NULL when it has none yet, or when the store
 * could not be read (then the transaction fails: check failing()).
 */
static const struct payload_entry *payload_of(struct tc_dispatch *dp, const char *id)
{
	for (size_t i = 0; i < PAYLOAD_CACHE; i++)
		if (dp->payloads[i].data && !strcmp(dp->payloads[i].id, id))
			return &dp->payloads[i];
	struct payload_entry *e = &dp->payloads[dp->next_payload];
	unsigned char *data = NULL;
	size_t len = 0;
	enum tc_rc rc = tc_store_get_payload(dp->store, id, &data, &len);
	if (rc == TC_ERR_NOTFOUND || !stored(dp, rc, OP_READ, id, NULL))
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

/* The expiry for messages about alert id: its own, else the default (also when unknown). */
static uint32_t expiry_of_alert(struct tc_dispatch *dp, const char *id, int64_t now)
{
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires = 0;
	enum tc_rc rc = tc_store_alert_brief(dp->store, id, msg_type, &st, &expires);
	if (rc != TC_ERR_NOTFOUND)
		stored(dp, rc, OP_READ, id, NULL);
	return expiry_of(dp, rc ? 0 : expires, now);
}

/*
 * Event ev happens to alert id (tc_alert_life.h). True when it changed the alert's state; a
 * refused event is logged, a store failure fails the transaction.
 */
static bool alert_event(struct tc_dispatch *dp, const char *id, enum tc_alert_event ev, int64_t now)
{
	struct tc_alert_step step = { 0 };
	enum tc_alert_state from = TC_ALERT_ACCEPTED;
	enum tc_rc rc = tc_store_alert_event(dp->store, id, ev, now, &step, &from);
	if (rc == TC_ERR_INVALID) {
		tc_log(TC_LOG_INFO, "dispatch", "alert=%s state=%s refused the event %s", id, tc_alert_state_name(from),
		       tc_alert_event_name(ev));
		return false;
	}
	return stored(dp, rc, OP_ALERT, id, NULL) && step.changed;
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

/* An alert's deliveries in state (all when NULL), every one of them or a failed transaction. */
static bool gather_rows(struct tc_dispatch *dp, const char *alert_id, const char *state, struct rows *rs)
{
	enum tc_rc rc = tc_store_each_delivery_row(dp->store, alert_id, state, add_row, rs);
	return stored(dp, rc ? rc : rs->rc, OP_READ, alert_id, NULL);
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

/* The region scopes met so far (struct scope); NULL when one could not be kept or counted. */
static struct scope *scope_of(struct tc_dispatch *dp, struct tc_vec *ss, const struct rows *rs, const char *code)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct scope *s = tc_vec_at(ss, i);
		if (!strcmp(s->code, code))
			return s;
	}
	long registered = tc_store_count_region(dp->store, code);
	if (!counted(dp, registered, row_at(rs, 0)->alert_id, NULL))
		return NULL;
	struct scope *s = tc_vec_push(ss);
	if (!s) /* its receivers are sent to directly */
		return NULL;
	snprintf(s->code, sizeof(s->code), "%s", code);
	s->full = (long)rows_under(rs, code) == registered;
	s->used = false;
	return s;
}

/* The widest region scope of row r whose receivers are all targets; NULL: send directly. */
static struct scope *widest_scope(struct tc_dispatch *dp, struct tc_vec *ss, const struct rows *rs,
				  const struct tc_delivery_row *r)
{
	char codes[TC_PROTO_MAX_REGIONS][16];
	size_t n = tc_proto_region_scopes(r->region, codes);
	while (n-- > 0 && !failing(dp)) {
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
	if (!ac->rc && !stored(ac->dp, tc_store_add_published(ac->dp->store, ac->alert_id, topic), OP_PUBLISHED,
			       ac->alert_id, NULL))
		ac->rc = TC_ERR_IO;
}

/* Every audio message of the alert, retained; TC_OK when all went out and were recorded. */
static enum tc_rc publish_audios(struct tc_dispatch *dp, const char *alert_id, uint32_t expiry)
{
	struct audio_ctx ac = { dp, alert_id, expiry, TC_OK };
	enum tc_rc rc = tc_store_each_audio(dp->store, alert_id, publish_audio, &ac);
	return stored(dp, rc, OP_READ, alert_id, NULL) ? ac.rc : rc;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Watch alert id from published_ms on (again, when a rolled-back round published it before). */
static void watch(struct tc_dispatch *dp, const char *id, int64_t published_ms)
{
	for (size_t i = 0; i < dp->n_watched; i++)
		if (!strcmp(dp->watched[i].id, id)) {
			dp->watched[i] = (struct watched){ .published_ms = published_ms, .dirty = true };
			snprintf(dp->watched[i].id, sizeof(dp->watched[i].id), "%s", id);
			return;
		}
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

/*
 * Whether no target of a watched alert waits any more; a store that cannot be read is counted and
 * logged (once for a run of them), and the alert looked at again next time.
 */
static bool watched_settled(struct tc_dispatch *dp, struct watched *w, long counts[TC_DELIVERY_N_STATES],
			    long *total)
{
	long waiting = tc_store_awaiting_receipt(dp->store, w->id);
	enum tc_rc rc = waiting < 0 ? TC_ERR_IO : TC_OK;
	if (!rc && waiting == 0)
		rc = tc_store_delivery_counts(dp->store, w->id, counts, total);
	if (rc) {
		dp->store_errors[OP_READ]++;
		dp->stats.store_errors++;
		if (!dp->watch_failing)
			tc_log(TC_LOG_ERROR, "store", "alert=%s target=- op=read the store could not be read (%s): whether "
			       "a target still waits is looked at again later", w->id, tc_rc_name(rc));
		dp->watch_failing = true;
		return false;
	}
	dp->watch_failing = false;
	w->dirty = false;
	return waiting == 0;
}

/* After a batch of acknowledgments or timers: report the alerts no target is waiting for any more. */
static void check_watched(struct tc_dispatch *dp)
{
	for (size_t i = 0; i < dp->n_watched;) {
		struct watched *w = &dp->watched[i];
		long counts[TC_DELIVERY_N_STATES], total = 0;
		if (!w->dirty || !watched_settled(dp, w, counts, &total)) {
			i++;
			continue;
		}
		double s = (double)(wall_ms() - w->published_ms) / 1000.0;
		tc_log(TC_LOG_INFO, "track", "alert=%s %ld of %ld target(s) acknowledged receipt, none is waiting; "
		       "%.3f s after publication", w->id,
		       counts[TC_DS_RECEIVED] + counts[TC_DS_PLAYED] + counts[TC_DS_DISPLAYED], total, s);
		memmove(w, w + 1, (--dp->n_watched - i) * sizeof(*w));
	}
}

/* Rows not published (the broker went away) go back to planned; false when the store refused. */
static bool put_back(struct tc_dispatch *dp, const struct rows *rs, struct scope *const *chosen, const bool *direct_ok,
		     int64_t now)
{
	for (size_t i = 0; i < rs->all.n; i++) {
		const struct tc_delivery_row *r = row_at(rs, i);
		if (!(chosen[i] ? chosen[i]->used : direct_ok[i]) &&
		    !stored(dp, tc_store_update_delivery(dp->store, r, NULL, now), OP_DELIVERY, r->alert_id, r->target))
			return false;
	}
	return true;
}

/* One region message for scope s (retained, recorded) or one direct message for row i. */
static enum tc_rc publish_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, const struct payload_entry *pl,
			      const struct tc_delivery_row *r, struct scope *s, uint32_t expiry, bool *direct_ok)
{
	char topic[TC_PROTO_MAX_TOPIC];
	enum tc_rc rc = TC_OK;
	if (!s) {
		rc = send_direct(dp, r->target, pl->data, pl->len, expiry);
		*direct_ok = !rc;
		return rc;
	}
	if (s->used)
		return TC_OK;
	rc = tc_proto_topic(topic, sizeof(topic), dp->prefix, TC_TOPIC_REGION_ALERT, s->code, a->id);
	if (!rc)
		rc = tc_mqtt_publish(dp->mq, topic, pl->data, pl->len, true, expiry);
	if (!rc && !stored(dp, tc_store_add_published(dp->store, a->id, topic), OP_PUBLISHED, a->id, NULL))
		return TC_OK; /* the round fails: failing() says so */
	s->used = !rc;
	return rc;
}

/*
 * Publish the region messages, then the direct ones. The rows (all planned) are marked sent
 * first, in one statement, so that publishing is the last step before the commit and nothing
 * delays the receipts; a row that could not be published is put back. *first_ms: the wall
 * clock when the first message went out. A store failure leaves failing() set.
 */
static enum tc_rc publish_rows(struct tc_dispatch *dp, const struct tc_alert_brief *a, const struct payload_entry *pl,
			       const struct rows *rs, int64_t now, int64_t *first_ms)
{
	struct tc_vec ss = TC_VEC_OF(struct scope);
	size_t n = rs->all.n, regions = 0, direct = 0;
	struct scope **chosen = calloc(n, sizeof(*chosen));
	bool *direct_ok = calloc(n, sizeof(*direct_ok));
	uint32_t expiry = expiry_of(dp, a->expires_at, now);
	enum tc_rc rc = chosen && direct_ok ? TC_OK : TC_ERR_NOMEM;
	struct tc_track_step step = tc_track_decide(TC_DS_PLANNED, TC_EV_SENT, 0, 0, &dp->o.policy, now);
	if (rc) {
		tc_log(TC_LOG_ERROR, "dispatch", "alert=%s out of memory while publishing; tried again next round", a->id);
		goto out;
	}
	if (step.accepted && step.changed &&
	    !stored(dp, tc_store_move_deliveries(dp->store, a->id, "planned", tc_dstate_name(step.next), step.attempts,
						 step.due_at, now),
		    OP_DELIVERY, a->id, NULL))
		goto out;
	for (size_t i = 0; !failing(dp) && i < n; i++)
		chosen[i] = row_at(rs, i)->region[0] ? widest_scope(dp, &ss, rs, row_at(rs, i)) : NULL;
	*first_ms = wall_ms();
	for (size_t i = 0; !rc && !failing(dp) && i < n; i++) {
		bool was_used = chosen[i] && chosen[i]->used;
		rc = publish_one(dp, a, pl, row_at(rs, i), chosen[i], expiry, &direct_ok[i]);
		regions += chosen[i] && chosen[i]->used && !was_used;
		direct += !chosen[i] && direct_ok[i];
	}
	if (failing(dp) || (rc && !put_back(dp, rs, chosen, direct_ok, now)))
		goto out; /* the round is rolled back */
	tc_log(TC_LOG_INFO, "dispatch", "alert=%s published to %zu target(s): %zu region topic(s), %zu direct%s", a->id,
	       n, regions, direct, rc ? " (stopped: the broker went away; the rest follows)" : "");
out:
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
	if (dp->n_inflight == MAX_INFLIGHT)
		return;
	if (!stored(dp, tc_store_get_alert(dp->store, id, &sa), OP_READ, id, NULL))
		return;
	if (tc_renderer_submit(dp->rd, id, sa.xml, sa.xml_len) == TC_OK) /* else tried again next round */
		snprintf(dp->inflight[dp->n_inflight++], 17, "%s", id);
	tc_store_alert_release(&sa);
}

/* Render (once) or publish an alert with planned deliveries. */
static void publish_alert(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	const struct payload_entry *pl = payload_of(dp, a->id);
	if (!pl) {
		if (!failing(dp))
			submit_render(dp, a->id);
		return;
	}
	if (!tc_mqtt_connected(dp->mq) || publish_audios(dp, a->id, expiry_of(dp, a->expires_at, now)))
		return;
	struct rows rs = ROWS;
	int64_t first_ms = 0;
	enum tc_rc rc = TC_OK;
	if (!gather_rows(dp, a->id, "planned", &rs))
		goto out;
	if (rs.all.n)
		rc = publish_rows(dp, a, pl, &rs, now, &first_ms);
	if (rc || failing(dp) || !alert_event(dp, a->id, TC_AEV_PUBLISH, now) ||
	    !stored(dp, tc_store_audit(dp->store, now, "dispatch", "published", a->id, NULL), OP_AUDIT, a->id, NULL))
		goto out;
	dp->stats.published_alerts++;
	if (rs.all.n)
		watch(dp, a->id, first_ms);
out:
	tc_vec_free(&rs.all);
}

/* --- the render worker's results ----------------------------------------------------- */

/* Rendering failed: the alert's planned deliveries fail with the reason, and it is being dispatched. */
static void fail_planned(struct tc_dispatch *dp, const char *id, const char *reason, int64_t now)
{
	struct rows rs = ROWS;
	if (!gather_rows(dp, id, "planned", &rs))
		goto out;
	for (size_t i = 0; i < rs.all.n; i++) {
		struct tc_delivery_row *r = row_at(&rs, i);
		snprintf(r->state, sizeof(r->state), "failed");
		r->due_at = 0;
		if (!stored(dp, tc_store_update_delivery(dp->store, r, reason, now), OP_DELIVERY, id, r->target))
			goto out;
	}
	alert_event(dp, id, TC_AEV_PUBLISH, now);
out:
	tc_vec_free(&rs.all);
}

/* The payload and every audio of a rendered alert are kept together, or the batch fails. */
static void keep_rendered(struct tc_dispatch *dp, const struct tc_rendered *r)
{
	enum tc_rc rc = tc_store_set_payload(dp->store, r->alert_id, r->sealed, r->sealed_len, r->priority);
	if (rc == TC_ERR_NOTFOUND) {
		tc_log(TC_LOG_WARN, "render", "alert=%s was rendered but is not in the store; the result is dropped",
		       r->alert_id);
		return;
	}
	for (size_t i = 0; !rc && i < r->n_audio; i++) {
		const struct tc_rendered_audio *au = &r->audio[i];
		rc = tc_store_put_audio(dp->store, au->id, r->alert_id, au->lang, "ogg-opus", au->sha256, au->duration_ms,
					au->data, au->len);
	}
	if (stored(dp, rc, OP_PAYLOAD, r->alert_id, NULL))
		tc_log(TC_LOG_INFO, "render", "alert=%s rendered: %zu language(s), payload %zu bytes", r->alert_id,
		       r->n_audio, r->sealed_len);
}

static void on_rendered(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now)
{
	for (size_t i = 0; i < dp->n_inflight; i++)
		if (!strcmp(dp->inflight[i], r->alert_id)) {
			memmove(dp->inflight[i], dp->inflight[i + 1], (dp->n_inflight - i - 1) * sizeof(dp->inflight[0]));
			dp->n_inflight--;
			break;
		}
	if (!r->rc) {
		keep_rendered(dp, r);
		return;
	}
	tc_log(TC_LOG_ERROR, "render", "alert=%s cannot be rendered: %s", r->alert_id, r->error);
	if (stored(dp, tc_store_audit(dp->store, now, "render", "failed", r->alert_id, r->error), OP_AUDIT, r->alert_id,
		   NULL))
		fail_planned(dp, r->alert_id, r->error, now);
}

/* --- what comes back from receivers -------------------------------------------------- */

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
	return stored(dp, rc, OP_DELIVERY, r->alert_id, r->target);
}

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
	enum tc_rc rc = tc_store_get_delivery_state(dp->store, ack.alert_id, rx, "mqtt", &row);
	if (rc == TC_ERR_NOTFOUND) {
		dp->stats.acks_unknown++;
		tc_log(TC_LOG_DEBUG, "track", "alert=%s target=%s acknowledged %s, but the alert was not sent to it",
		       ack.alert_id, rx, tc_ack_kind_name(ack.kind));
		return;
	}
	if (!stored(dp, rc, OP_READ, ack.alert_id, rx))
		return;
	dp->stats.acks++;
	mark_watched(dp, ack.alert_id);
	if (!stored(dp, tc_store_put_ack(dp->store, ack.alert_id, rx, tc_ack_kind_name(ack.kind), ack.reason, now), OP_ACK,
		    ack.alert_id, rx))
		return;
	struct tc_track_step step = { 0 };
	if (!apply_event(dp, &row, tc_devent_of_ack(ack.kind), ack.reason, now, &step) || !step.changed)
		return;
	if (step.action == TC_TRACK_ESCALATE)
		dp->work_due = true; /* an escalation for the SMS side */
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
	struct tc_track_step step = { 0 };
	if (failing(dp))
		return;
	const struct payload_entry *pl = payload_of(dp, r->alert_id);
	uint32_t expiry = pl ? expiry_of_alert(dp, r->alert_id, rc->now) : 0;
	if (!pl || failing(dp) || send_direct(dp, r->target, pl->data, pl->len, expiry) != TC_OK)
		return; /* not rendered yet, or the broker went away: the timer sends it */
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
	enum tc_rc rc = tc_store_receiver_seen(dp->store, rx, st.online, now);
	if (rc == TC_ERR_NOTFOUND) {
		tc_log(TC_LOG_DEBUG, "track", "target=%s is not registered; its status is ignored", rx);
		return;
	}
	if (!stored(dp, rc, OP_RECEIVER, NULL, rx) || !st.online)
		return;
	struct resend_ctx ctx = { dp, now };
	stored(dp, tc_store_receiver_pending(dp->store, rx, now, resend_pending, &ctx), OP_READ, NULL, rx);
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
static void hold(struct tc_dispatch *dp, struct tc_mail *mails)
{
	char then[128];
	snprintf(then, sizeof(then), "a batch of %zu mail(s) (acknowledgments, statuses, rendered alerts); it is kept "
		 "and tried again", count_mails(mails));
	if (tc_mail_held_keep(&dp->held, mails))
		log_failure(dp, then);
}

bool tc_dispatch_handle(struct tc_dispatch *dp, struct tc_mail *mails, int64_t now)
{
	mails = tc_mail_held_take(&dp->held, mails); /* the held batch first */
	if (!mails)
		return false;
	struct tc_dispatch_stats before = dp->stats; /* what a refused batch did is counted when it is written */
	dp->failure.set = false;
	bool began = stored(dp, tc_store_begin(dp->store), OP_BEGIN, NULL, NULL);
	for (struct tc_mail *m = mails; began && m && !failing(dp); m = m->next)
		handle_mail(dp, m, now);
	if (!failing(dp))
		stored(dp, tc_store_commit(dp->store), OP_COMMIT, NULL, NULL);
	if (failing(dp)) {
		roll_back(dp, &before, began);
		dp->work_due = false;
		hold(dp, mails);
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

/* The result of a brief query, every brief kept, or a failed transaction. */
static bool briefs_read(struct tc_dispatch *dp, enum tc_rc rc, const struct briefs *bs)
{
	return stored(dp, rc ? rc : bs->rc, OP_READ, NULL, NULL);
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

/* Clear one ended alert's retained messages (and tell its receivers of an operator's cancel). */
static enum tc_rc clear_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	struct clear_ctx cc = { dp, now, a->id, TC_OK };
	if (!stored(dp, tc_store_each_published(dp->store, a->id, clear_topic, &cc), OP_READ, a->id, NULL))
		return TC_ERR_IO;
	if (!cc.rc && a->state == TC_ALERT_CANCELLED &&
	    !stored(dp, tc_store_each_delivery_row(dp->store, a->id, NULL, send_cancel, &cc), OP_READ, a->id, NULL))
		return TC_ERR_IO;
	if (cc.rc) /* the broker went away: next round */
		return cc.rc;
	if (!stored(dp, tc_store_clear_published(dp->store, a->id), OP_PUBLISHED, a->id, NULL))
		return TC_ERR_IO;
	dp->stats.cleared++;
	tc_log(TC_LOG_INFO, "dispatch", "alert=%s state=%s retained messages cleared", a->id, tc_alert_state_name(a->state));
	return TC_OK;
}

/* Ended alerts: clear their retained messages; an operator's cancel is also told to each receiver. */
static void clear_ended(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	enum tc_rc rc = TC_OK;
	if (!tc_mqtt_connected(dp->mq))
		return;
	if (briefs_read(dp, tc_store_alerts_to_clear(dp->store, add_brief, &bs), &bs))
		for (size_t i = 0; !rc && i < bs.all.n; i++)
			rc = clear_one(dp, brief_at(&bs, i), now);
	tc_vec_free(&bs.all);
}

struct republish_ctx {
	struct tc_dispatch *dp;
	const struct payload_entry *pl;
	uint32_t expiry;
	enum tc_rc rc;
};

static void republish_topic(const char *topic, void *user)
{
	struct republish_ctx *rc = user;
	if (!rc->rc && strstr(topic, "/region/"))
		rc->rc = tc_mqtt_publish(rc->dp->mq, topic, rc->pl->data, rc->pl->len, true, rc->expiry);
}

/* One active alert's audio and region messages on the broker again. */
static enum tc_rc republish_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	const struct payload_entry *pl = payload_of(dp, a->id);
	if (!pl)
		return failing(dp) ? TC_ERR_IO : TC_OK;
	struct republish_ctx rc = { dp, pl, expiry_of(dp, a->expires_at, now), TC_OK };
	enum tc_rc r = publish_audios(dp, a->id, rc.expiry);
	if (r)
		return r;
	r = tc_store_each_published(dp->store, a->id, republish_topic, &rc);
	return stored(dp, r, OP_READ, a->id, NULL) ? rc.rc : r;
}

/* After a (re)connect: the broker may have lost its retained messages (a restart without persistence).
 * True when every one is back. */
static bool republish_active(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	enum tc_rc rc = TC_OK;
	if (briefs_read(dp, tc_store_active_alerts(dp->store, now, add_brief, &bs), &bs))
		for (size_t i = 0; !rc && i < bs.all.n; i++)
			rc = republish_one(dp, brief_at(&bs, i), now);
	if (!rc && !failing(dp) && bs.all.n)
		tc_log(TC_LOG_INFO, "dispatch", "put %zu active alert(s) back on the broker", bs.all.n);
	tc_vec_free(&bs.all);
	return !rc && !failing(dp);
}

static void on_timer(const struct tc_delivery_row *r, void *user)
{
	struct resend_ctx *rc = user;
	struct tc_dispatch *dp = rc->dp;
	struct tc_track_step step = { 0 };
	if (failing(dp) || !apply_event(dp, r, TC_EV_TIMEOUT, NULL, rc->now, &step) || !step.changed)
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
	if (!stored(ac->dp, tc_store_audit(ac->dp->store, ac->now, "dispatch", "asked again", ac->alert, detail),
		    OP_AUDIT, ac->alert, NULL))
		ac->rc = TC_ERR_IO;
}

/* A copy of its alert to the receiver of one unsettled delivery. */
static void ask_one(const struct tc_delivery_row *r, void *user)
{
	struct ask_ctx *ac = user;
	struct tc_dispatch *dp = ac->dp;
	if (ac->rc || failing(dp))
		return;
	if (!ac->alerts || strcmp(ac->alert, r->alert_id)) {
		asked_alert(ac);
		snprintf(ac->alert, sizeof(ac->alert), "%s", r->alert_id);
		ac->alert_n = 0;
		ac->alerts++;
		ac->pl = payload_of(dp, r->alert_id);
		ac->expiry = expiry_of_alert(dp, r->alert_id, ac->now);
	}
	if (!ac->pl || ac->rc || failing(dp))
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
	if (!stored(dp, tc_store_each_unsettled(dp->store, now, ask_one, &ac), OP_READ, NULL, NULL))
		return;
	asked_alert(&ac);
	if (failing(dp))
		return;
	tc_log(ac.rc ? TC_LOG_WARN : TC_LOG_INFO, "dispatch",
	       "after an unclean stop: %zu receiver(s) of %zu alert(s) asked again for their last acknowledgment%s",
	       ac.sent, ac.alerts, ac.rc ? " (stopped: the broker went away; all are asked again on reconnect)" : "");
	dp->ask_again = ac.rc != TC_OK;
}

/* Alerts past their expiry end; alerts whose every target reached a final state are done. */
static void end_alerts(struct tc_dispatch *dp, int64_t now, bool expire)
{
	long n = 0;
	enum tc_rc rc = expire ? tc_store_expire_alerts(dp->store, now, &n) : tc_store_finish_alerts(dp->store, now, &n);
	if (!stored(dp, rc, OP_ALERT, NULL, NULL) || !n)
		return;
	if (expire)
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) expired", n);
	else
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) reached every target's final state", n);
}

/* Publish (or render) every alert with planned deliveries. */
static void publish_planned(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	if (briefs_read(dp, tc_store_alerts_to_dispatch(dp->store, add_brief, &bs), &bs))
		for (size_t i = 0; !failing(dp) && i < bs.all.n; i++)
			publish_alert(dp, brief_at(&bs, i), now);
	tc_vec_free(&bs.all);
}

/* Everything the work does, in order; it stops at the first store failure. */
static void work(struct tc_dispatch *dp, int64_t now)
{
	end_alerts(dp, now, true);
	if (!failing(dp))
		clear_ended(dp, now);
	if (!failing(dp) && dp->republish && tc_mqtt_connected(dp->mq))
		dp->republish = !republish_active(dp, now);
	if (!failing(dp) && dp->ask_again && tc_mqtt_connected(dp->mq))
		ask_again(dp, now);
	if (!failing(dp))
		publish_planned(dp, now);
	struct resend_ctx rc = { dp, now };
	if (!failing(dp))
		stored(dp, tc_store_due_deliveries(dp->store, now, TIMER_BATCH, on_timer, &rc), OP_READ, NULL, NULL);
	if (!failing(dp))
		check_watched(dp);
	if (!failing(dp))
		end_alerts(dp, now, false);
}

void tc_dispatch_work(struct tc_dispatch *dp, int64_t now)
{
	struct tc_dispatch_stats before = dp->stats;
	bool republish = dp->republish, asking = dp->ask_again;
	dp->failure.set = false;
	bool began = stored(dp, tc_store_begin(dp->store), OP_BEGIN, NULL, NULL);
	if (began)
		work(dp, now);
	if (!failing(dp))
		stored(dp, tc_store_commit(dp->store), OP_COMMIT, NULL, NULL);
	if (failing(dp)) {
		roll_back(dp, &before, began);
		dp->republish = republish;
		dp->ask_again = asking;
		if (!dp->work_refused++)
			log_failure(dp, "the dispatch work is rolled back and done again");
		return;
	}
	if (dp->work_refused)
		tc_log(TC_LOG_INFO, "store", "the dispatch work is written again, after %u refused round(s)",
		       dp->work_refused);
	dp->work_refused = 0;
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
	fprintf(f, "# HELP tocsin_store_errors_total Store reads and writes of dispatch and tracking that failed, by "
		   "operation (the work was rolled back and done again).\n# TYPE tocsin_store_errors_total counter\n");
	for (int op = 0; op < OP_N; op++)
		fprintf(f, "tocsin_store_errors_total{op=\"%s\"} %lu\n", ops[op].name, dp->store_errors[op]);
}
