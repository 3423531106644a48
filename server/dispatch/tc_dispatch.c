/*
 * tc_dispatch.c — publishing alerts and tracking what comes back (tc_dispatch.h): the
 * dispatcher itself. It takes the mails of the broker thread and the render worker, runs the
 * periodic work, and owns what every job shares (tc_dispatch_int.h); publishing, tracking
 * and watching are their own files.
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
#include "tc_dispatch_int.h"

#include <stdlib.h>
#include <string.h>

#include "tc_id.h"
#include "tc_log.h"
#include "tc_proto.h"

static const struct {
	const char *name; /* the metric's op label */
	const char *what; /* "the store could not ..." */
} ops[TC_DOP_N] = {
	[TC_DOP_BEGIN] = { "begin", "start a transaction" },
	[TC_DOP_COMMIT] = { "commit", "commit" },
	[TC_DOP_READ] = { "read", "be read" },
	[TC_DOP_ACK] = { "ack", "keep an acknowledgment" },
	[TC_DOP_DELIVERY] = { "delivery", "write a delivery's state" },
	[TC_DOP_ALERT] = { "alert", "write an alert's state" },
	[TC_DOP_PAYLOAD] = { "payload", "keep a rendered payload or its audio" },
	[TC_DOP_PUBLISHED] = { "published", "record or clear a retained topic" },
	[TC_DOP_RECEIVER] = { "receiver", "write a receiver's liveness" },
	[TC_DOP_AUDIT] = { "audit", "write the audit log" },
};

struct tc_dispatch *tc_dispatch_new(struct tc_store *s, struct tc_mqtt *mq, struct tc_renderer *rd,
				    const struct tc_dispatch_options *o)
{
	struct tc_dispatch *dp = calloc(1, sizeof(*dp));
	if (!dp)
		return NULL;
	dp->store = s;
	dp->mq[0] = mq;
	dp->n_mq = 1;
	for (size_t i = 0; i < o->n_routes && i < TC_ROUTES_MAX; i++) {
		dp->routes[i] = o->routes[i];
		dp->mq[i] = o->brokers[i];
		dp->n_mq = dp->n_routes = i + 1;
	}
	dp->rd = rd;
	dp->o = *o;
	dp->o.routes = NULL;
	dp->o.brokers = NULL;
	snprintf(dp->prefix, sizeof(dp->prefix), "%s", o->prefix && *o->prefix ? o->prefix : TC_PROTO_DEFAULT_PREFIX);
	dp->o.prefix = dp->prefix;
	return dp;
}

void tc_dispatch_free(struct tc_dispatch *dp)
{
	if (!dp)
		return;
	for (size_t i = 0; i < TC_DISPATCH_PAYLOAD_CACHE; i++)
		free(dp->payloads[i].data);
	tc_mail_free_list(dp->held.mails);
	tc_dispatch_guidance_forget(dp);
	free(dp);
}

const struct tc_dispatch_stats *tc_dispatch_stats(const struct tc_dispatch *dp)
{
	return &dp->stats;
}

/* --- store failures ----------------------------------------------------------- */

void tc_dispatch_count_error(struct tc_dispatch *dp, enum tc_dispatch_op op)
{
	dp->store_errors[op]++;
	dp->stats.store_errors++;
}

/* Count a failed store call; the first of a transaction is kept, to be logged when it ends. */
static void store_failed(struct tc_dispatch *dp, enum tc_dispatch_op op, enum tc_rc rc, const char *alert,
			 const char *target)
{
	tc_dispatch_count_error(dp, op);
	if (dp->failure.set)
		return;
	dp->failure = (struct tc_dispatch_failure){ .set = true, .op = op, .rc = rc };
	snprintf(dp->failure.alert, sizeof(dp->failure.alert), "%s", alert ? alert : "");
	snprintf(dp->failure.target, sizeof(dp->failure.target), "%s", target ? target : "");
}

/* True when a store call went through; otherwise the transaction at hand fails. */
bool tc_dispatch_stored(struct tc_dispatch *dp, enum tc_rc rc, enum tc_dispatch_op op, const char *alert,
			const char *target)
{
	if (rc == TC_OK)
		return true;
	store_failed(dp, op, rc, alert, target);
	return false;
}

bool tc_dispatch_failing(const struct tc_dispatch *dp)
{
	return dp->failure.set;
}

/* The failure of the transaction that ended, then what becomes of its work. */
static void log_failure(const struct tc_dispatch *dp, const char *then)
{
	const struct tc_dispatch_failure *f = &dp->failure;
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

/* --- what every job uses ------------------------------------------------------------- */

/*
 * The sealed payload of an alert (owned by the cache); NULL when it has none yet, or when the store
 * could not be read (then the transaction fails: check tc_dispatch_failing()).
 */
struct tc_dispatch_payload *tc_dispatch_payload(struct tc_dispatch *dp, const char *id)
{
	for (size_t i = 0; i < TC_DISPATCH_PAYLOAD_CACHE; i++)
		if (dp->payloads[i].data && !strcmp(dp->payloads[i].id, id))
			return &dp->payloads[i];
	struct tc_dispatch_payload *e = &dp->payloads[dp->next_payload];
	unsigned char *data = NULL;
	size_t len = 0;
	enum tc_rc rc = tc_store_get_payload(dp->store, id, &data, &len);
	if (rc == TC_ERR_NOTFOUND || !tc_dispatch_stored(dp, rc, TC_DOP_READ, id, NULL))
		return NULL;
	dp->next_payload = (dp->next_payload + 1) % TC_DISPATCH_PAYLOAD_CACHE;
	free(e->data);
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->data = data;
	e->len = len;
	e->guidance_known = false;
	return e;
}

uint32_t tc_dispatch_expiry(const struct tc_dispatch *dp, int64_t expires_at, int64_t now)
{
	if (expires_at <= 0)
		return (uint32_t)dp->o.default_expiry_s;
	return expires_at > now ? (uint32_t)(expires_at - now) : 1;
}

/* The expiry for messages about alert id: its own, else the default (also when unknown). */
uint32_t tc_dispatch_alert_expiry(struct tc_dispatch *dp, const char *id, int64_t now)
{
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires = 0;
	enum tc_rc rc = tc_store_alert_brief(dp->store, id, msg_type, &st, &expires);
	if (rc != TC_ERR_NOTFOUND)
		tc_dispatch_stored(dp, rc, TC_DOP_READ, id, NULL);
	return tc_dispatch_expiry(dp, rc ? 0 : expires, now);
}

enum tc_rc tc_dispatch_send_direct(struct tc_dispatch *dp, const char *target, const void *data, size_t len,
			      uint32_t expiry)
{
	char topic[TC_PROTO_MAX_TOPIC], region[16];
	enum tc_rc rc = tc_dispatch_region_of(dp, target, region);
	if (rc)
		return rc;
	if (!tc_id_valid(target) || tc_dispatch_topic(dp, region, TC_TOPIC_RX_CMD, target, NULL, topic, sizeof(topic)))
		return TC_ERR_INVALID; /* this receiver cannot be addressed; the others can */
	return tc_dispatch_send(dp, tc_dispatch_brokers_of(dp, region, true), topic, data, len, false, expiry);
}

/* --- mails from the broker thread and the render worker ---------------------------- */

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
		if ((!m->len || ((const char *)m->data)[0] != '1') && m->from < dp->n_mq)
			dp->republish |= 1u << m->from;
		dp->work_due = true;
		break;
	case TC_MQTT_DISCONNECTED: break;
	case TC_MQTT_MESSAGE:
	case TC_MQTT_RETAINED: tc_dispatch_on_message(dp, m, now); break;
	case TC_RENDER_DONE:
		tc_dispatch_on_rendered(dp, m->ptr, now);
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

/* How long the broker's messages of a written batch waited, from their arrival to the commit. */
static void note_waits(struct tc_dispatch *dp, const struct tc_mail *mails)
{
	static const int64_t bounds[] = { TC_DISPATCH_WAIT_BUCKETS_MS };
	int64_t now = tc_mail_now_ms();
	for (const struct tc_mail *m = mails; m; m = m->next) {
		if (m->kind != TC_MQTT_MESSAGE && m->kind != TC_MQTT_RETAINED)
			continue;
		int64_t w = now - m->posted_ms;
		size_t b = 0;
		while (b < sizeof(bounds) / sizeof(bounds[0]) && w > bounds[b])
			b++;
		dp->stats.waited[b]++;
		if (w > dp->stats.waited_max_ms)
			dp->stats.waited_max_ms = w;
	}
}

bool tc_dispatch_handle(struct tc_dispatch *dp, struct tc_mail *mails, int64_t now)
{
	mails = tc_mail_held_take(&dp->held, mails); /* the held batch first */
	if (!mails)
		return false;
	struct tc_dispatch_stats before = dp->stats; /* what a refused batch did is counted when it is written */
	dp->failure.set = false;
	bool began = tc_dispatch_stored(dp, tc_store_begin(dp->store), TC_DOP_BEGIN, NULL, NULL);
	for (struct tc_mail *m = mails; began && m && !tc_dispatch_failing(dp); m = m->next)
		handle_mail(dp, m, now);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_stored(dp, tc_store_commit(dp->store), TC_DOP_COMMIT, NULL, NULL);
	if (tc_dispatch_failing(dp)) {
		roll_back(dp, &before, began);
		dp->work_due = false;
		hold(dp, mails);
		return false;
	}
	note_waits(dp, mails);
	unsigned tries = tc_mail_held_done(&dp->held);
	if (tries)
		tc_log(TC_LOG_INFO, "store", "the held batch of %zu mail(s) is written, after %u tries", count_mails(mails),
		       tries);
	tc_mail_free_list(mails);
	tc_dispatch_check_watched(dp);
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

/* Alerts past their expiry end; alerts whose every target reached a final state are done. */
static void end_alerts(struct tc_dispatch *dp, int64_t now, bool expire)
{
	long n = 0;
	enum tc_rc rc = expire ? tc_store_expire_alerts(dp->store, now, &n) : tc_store_finish_alerts(dp->store, now, &n);
	if (!tc_dispatch_stored(dp, rc, TC_DOP_ALERT, NULL, NULL) || !n)
		return;
	if (expire)
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) expired", n);
	else
		tc_log(TC_LOG_INFO, "dispatch", "%ld alert(s) reached every target's final state", n);
}

/* The retained messages again on the brokers that lost them and are back. */
static void put_back_retained(struct tc_dispatch *dp, int64_t now)
{
	unsigned back = dp->republish & tc_dispatch_up(dp);
	dp->only = dp->n_routes ? back : 0;
	if (tc_dispatch_republish(dp, now))
		dp->republish &= ~back;
	dp->only = 0;
}

/* Everything the work does, in order; it stops at the first store failure. */
static void work(struct tc_dispatch *dp, int64_t now)
{
	end_alerts(dp, now, true);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_clear_ended(dp, now);
	if (!tc_dispatch_failing(dp) && (dp->republish & tc_dispatch_up(dp)))
		put_back_retained(dp, now);
	if (!tc_dispatch_failing(dp) && dp->ask_again && tc_dispatch_up(dp))
		tc_dispatch_ask_receivers(dp, now);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_publish_planned(dp, now);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_fire_timers(dp, now);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_check_watched(dp);
	if (!tc_dispatch_failing(dp))
		end_alerts(dp, now, false);
}

void tc_dispatch_work(struct tc_dispatch *dp, int64_t now)
{
	struct tc_dispatch_stats before = dp->stats;
	unsigned republish = dp->republish;
	bool asking = dp->ask_again;
	dp->failure.set = false;
	bool began = tc_dispatch_stored(dp, tc_store_begin(dp->store), TC_DOP_BEGIN, NULL, NULL);
	if (began)
		work(dp, now);
	if (!tc_dispatch_failing(dp))
		tc_dispatch_stored(dp, tc_store_commit(dp->store), TC_DOP_COMMIT, NULL, NULL);
	if (tc_dispatch_failing(dp)) {
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

/* Whether tocsind is connected to its broker (each of its brokers, labelled), and what it handed over. */
static void broker_metrics(const struct tc_dispatch *dp, FILE *f)
{
	unsigned long published = 0;
	fprintf(f, "# HELP tocsin_mqtt_connected Whether tocsind is connected to the broker (with several, to each).\n"
		   "# TYPE tocsin_mqtt_connected gauge\n");
	for (size_t i = 0; i < dp->n_mq; i++) {
		published += tc_mqtt_published(dp->mq[i]);
		if (dp->n_routes)
			fprintf(f, "tocsin_mqtt_connected{broker=\"%s\"} %d\n", dp->routes[i].url,
				tc_mqtt_connected(dp->mq[i]) ? 1 : 0);
		else
			fprintf(f, "tocsin_mqtt_connected %d\n", tc_mqtt_connected(dp->mq[i]) ? 1 : 0);
	}
	fprintf(f, "# HELP tocsin_mqtt_published_total Messages handed to the broker(s).\n"
		   "# TYPE tocsin_mqtt_published_total counter\ntocsin_mqtt_published_total %lu\n", published);
}

void tc_dispatch_metrics(const struct tc_dispatch *dp, FILE *f)
{
	const struct tc_dispatch_stats *s = &dp->stats;
	broker_metrics(dp, f);
	long online = tc_store_count_online(dp->store);
	fprintf(f, "# HELP tocsin_receivers_online Registered receivers whose last status said online (NaN: the store "
		   "could not be read).\n# TYPE tocsin_receivers_online gauge\n");
	if (online < 0)
		fprintf(f, "tocsin_receivers_online NaN\n");
	else
		fprintf(f, "tocsin_receivers_online %ld\n", online);
	fprintf(f, "# HELP tocsin_acks_total Acknowledgments from receivers, by outcome.\n# TYPE tocsin_acks_total counter\n");
	fprintf(f, "tocsin_acks_total{outcome=\"applied\"} %lu\n", s->acks);
	fprintf(f, "tocsin_acks_total{outcome=\"unreadable\"} %lu\n", s->acks_refused);
	fprintf(f, "tocsin_acks_total{outcome=\"not-a-target\"} %lu\n", s->acks_unknown);
	fprintf(f, "tocsin_acks_total{outcome=\"not-sent\"} %lu\n", s->acks_not_sent);
	fprintf(f, "tocsin_acks_total{outcome=\"other-receiver\"} %lu\n", s->acks_foreign);
	fprintf(f, "tocsin_acks_total{outcome=\"wrong-county\"} %lu\n", s->acks_wrong_county);
	fprintf(f, "tocsin_acks_total{outcome=\"wrong-broker\"} %lu\n", s->acks_wrong_broker);
	fprintf(f, "tocsin_acks_total{outcome=\"refused\"} %lu\n", s->acks_out_of_order);
	fprintf(f, "# HELP tocsin_resends_total Alerts re-sent directly to a receiver.\n"
		   "# TYPE tocsin_resends_total counter\ntocsin_resends_total %lu\n", s->resends);
	fprintf(f, "# HELP tocsin_resends_held_total Re-sends an online status asked for within ack_timeout_s of the "
		   "last one, held.\n# TYPE tocsin_resends_held_total counter\ntocsin_resends_held_total %lu\n",
		s->resends_held);
	fprintf(f, "# HELP tocsin_unpublishable_total Targets that could not be published to (an id outside the "
		   "grammar, a message refused for that topic): failed and escalated.\n"
		   "# TYPE tocsin_unpublishable_total counter\ntocsin_unpublishable_total %lu\n", s->unpublishable);
	fprintf(f, "# HELP tocsin_guidance_rendered_total Distinct guidance sentences rendered (each once).\n"
		   "# TYPE tocsin_guidance_rendered_total counter\ntocsin_guidance_rendered_total %lu\n", s->guidance_rendered);
	fprintf(f, "# HELP tocsin_guidance_cached_total Distinct guidance sentences of an alert already rendered.\n"
		   "# TYPE tocsin_guidance_cached_total counter\ntocsin_guidance_cached_total %lu\n", s->guidance_cached);
	fprintf(f, "# HELP tocsin_guidance_sent_total Guidance commands sent to loudspeakers.\n"
		   "# TYPE tocsin_guidance_sent_total counter\ntocsin_guidance_sent_total %lu\n", s->guidance_sent);
	fprintf(f, "# HELP tocsin_guidance_audio_published_total Guidance audio published (retained) for an alert's groups.\n"
		   "# TYPE tocsin_guidance_audio_published_total counter\ntocsin_guidance_audio_published_total %lu\n",
		s->guidance_audio);
	fprintf(f, "# HELP tocsin_asked_again_total Alerts sent again after an unclean stop, for the last acknowledgment.\n"
		   "# TYPE tocsin_asked_again_total counter\ntocsin_asked_again_total %lu\n", s->asked_again);
	fprintf(f, "# HELP tocsin_escalations_total Deliveries escalated to people.\n"
		   "# TYPE tocsin_escalations_total counter\ntocsin_escalations_total %lu\n", s->escalations);
	fprintf(f, "# HELP tocsin_receiver_statuses_total Status messages from receivers.\n"
		   "# TYPE tocsin_receiver_statuses_total counter\ntocsin_receiver_statuses_total %lu\n", s->statuses);
	static const int64_t bounds[] = { TC_DISPATCH_WAIT_BUCKETS_MS };
	unsigned long below = 0;
	fprintf(f, "# HELP tocsin_broker_message_wait_seconds From a broker message's arrival (an acknowledgment, a "
		   "status) to its write being committed.\n# TYPE tocsin_broker_message_wait_seconds histogram\n");
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		below += s->waited[b];
		fprintf(f, "tocsin_broker_message_wait_seconds_bucket{le=\"%g\"} %lu\n", (double)bounds[b] / 1000, below);
	}
	below += s->waited[sizeof(bounds) / sizeof(bounds[0])];
	fprintf(f, "tocsin_broker_message_wait_seconds_bucket{le=\"+Inf\"} %lu\ntocsin_broker_message_wait_seconds_count %lu\n",
		below, below);
	fprintf(f, "# HELP tocsin_broker_message_wait_max_seconds The longest such wait since the start.\n"
		   "# TYPE tocsin_broker_message_wait_max_seconds gauge\ntocsin_broker_message_wait_max_seconds %.3f\n",
		(double)s->waited_max_ms / 1000);
	fprintf(f, "# HELP tocsin_store_errors_total Store reads and writes of dispatch and tracking that failed, by "
		   "operation (the work was rolled back and done again).\n# TYPE tocsin_store_errors_total counter\n");
	for (int op = 0; op < TC_DOP_N; op++)
		fprintf(f, "tocsin_store_errors_total{op=\"%s\"} %lu\n", ops[op].name, dp->store_errors[op]);
}

void tc_dispatch_set_key(struct tc_dispatch *dp, const uint8_t sk[TC_SIGN_SECRET_BYTES])
{
	memcpy(dp->o.secret_key, sk, TC_SIGN_SECRET_BYTES);
}
