/*
 * tc_dispatch_publish.c — publishing (tc_dispatch_int.h): an alert with planned deliveries is
 * rendered once by the render worker, then its audio and its sealed payload go out, retained
 * on the region topics whose every receiver is a target and directly to the others; an ended
 * alert's retained messages are cleared, and after a reconnect the active ones put back.
 */
#include "tc_dispatch_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tc_id.h"
#include "tc_log.h"
#include "tc_proto.h"
#include "tc_vec.h"

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
	return tc_dispatch_stored(dp, rc, TC_DOP_ALERT, id, NULL) && step.changed;
}

/* --- an alert's deliveries and region scopes ------------------------------------------- */

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
	return tc_dispatch_stored(dp, rc ? rc : rs->rc, TC_DOP_READ, alert_id, NULL);
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
	bool refused; /* its message cannot be published: its receivers are sent to directly */
};

/* A count the store answers with -1 when it cannot be read. */
static bool counted(struct tc_dispatch *dp, long n, const char *alert, const char *target)
{
	return tc_dispatch_stored(dp, n < 0 ? TC_ERR_IO : TC_OK, TC_DOP_READ, alert, target);
}

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
	s->full = (long)rows_under(rs, code) == registered && tc_dispatch_place_up(dp, code, false);
	s->used = false;
	s->refused = false;
	return s;
}

/* The widest region scope of row r whose receivers are all targets; NULL: send directly. */
static struct scope *widest_scope(struct tc_dispatch *dp, struct tc_vec *ss, const struct rows *rs,
				  const struct tc_delivery_row *r)
{
	char codes[TC_PROTO_MAX_REGIONS][16];
	size_t n = tc_proto_region_scopes(r->region, codes);
	while (n-- > 0 && !tc_dispatch_failing(dp)) {
		if (strlen(codes[n]) < tc_dispatch_min_scope(dp)) /* in a tree: once per county at most */
			continue;
		struct scope *s = scope_of(dp, ss, rs, codes[n]);
		if (s && s->full)
			return s;
	}
	return NULL;
}

/* --- alert briefs ------------------------------------------------------------------------ */

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
	return tc_dispatch_stored(dp, rc ? rc : bs->rc, TC_DOP_READ, NULL, NULL);
}

/* --- publishing ------------------------------------------------------------------------ */

struct audio_ctx {
	struct tc_dispatch *dp;
	const char *alert_id;
	uint32_t expiry;
	enum tc_rc rc;
	struct tc_vec counties; /* char[16]: where it goes (tc_dispatch_counties) */
};

/* One audio message, retained, once per county or broker that needs it (or once on the one broker). */
static void publish_audio(const char *id, const void *data, size_t len, void *user)
{
	struct audio_ctx *ac = user;
	if (ac->rc)
		return;
	ac->rc = tc_dispatch_send_audio(ac->dp, &ac->counties, id, data, len, ac->expiry, ac->alert_id);
	if (ac->rc == TC_ERR_INVALID) { /* this message alone (too large): its receivers fail audio-unavailable */
		tc_log(TC_LOG_WARN, "dispatch", "alert=%s the audio %s cannot be published; it is left out", ac->alert_id, id);
		ac->rc = TC_OK;
	}
}

/* Every audio message of the alert, retained; TC_OK when all went out and were recorded. */
static enum tc_rc publish_audios(struct tc_dispatch *dp, const char *alert_id, uint32_t expiry)
{
	struct audio_ctx ac = { dp, alert_id, expiry, TC_OK, TC_VEC_OF(char[16]) };
	enum tc_rc rc = TC_ERR_IO;
	if (tc_dispatch_counties(dp, alert_id, &ac.counties)) {
		rc = tc_store_each_audio(dp->store, alert_id, publish_audio, &ac);
		rc = tc_dispatch_stored(dp, rc, TC_DOP_READ, alert_id, NULL) ? ac.rc : rc;
	}
	tc_vec_free(&ac.counties);
	return rc;
}

/* Rows not published (the broker went away; all rows when chosen is NULL) go back to planned; false when the
 * store refused. */
static bool put_back(struct tc_dispatch *dp, const struct rows *rs, struct scope *const *chosen, const bool *direct_ok,
		     int64_t now)
{
	for (size_t i = 0; i < rs->all.n; i++) {
		const struct tc_delivery_row *r = row_at(rs, i);
		if (!(chosen ? (chosen[i] ? chosen[i]->used : direct_ok[i]) : false) &&
		    !tc_dispatch_stored(dp, tc_store_update_delivery(dp->store, r, NULL, now), TC_DOP_DELIVERY, r->alert_id, r->target))
			return false;
	}
	return true;
}

/*
 * A target that cannot be published to (an id outside the grammar of tc_id.h, or a message the
 * broker client refuses for that topic alone) fails with the reason and is escalated like
 * silence; the rest of the alert goes on. It was never sent (attempts 0): no acknowledgment
 * counts for it. False when the store refused.
 */
static bool fail_target(struct tc_dispatch *dp, const struct tc_delivery_row *r, const char *reason, int64_t now)
{
	struct tc_delivery_row w = *r;
	snprintf(w.state, sizeof(w.state), "failed");
	w.attempts = 0;
	w.due_at = 0;
	if (!tc_dispatch_stored(dp, tc_store_update_delivery(dp->store, &w, reason, now), TC_DOP_DELIVERY, r->alert_id,
				r->target) ||
	    !tc_dispatch_stored(dp, tc_store_put_escalation(dp->store, r->alert_id, r->target, r->region, reason, now),
				TC_DOP_DELIVERY, r->alert_id, r->target))
		return false;
	dp->stats.unpublishable++;
	dp->stats.escalations++;
	dp->work_due = true; /* an escalation for the SMS side */
	tc_log(TC_LOG_WARN, "dispatch", "alert=%s target=%s region=%s state=failed escalated: %s", r->alert_id, r->target,
	       r->region, reason);
	return true;
}

/* Why row r's target cannot be published to, into why; false when it can (as far as can be told). */
static bool unpublishable(const struct tc_dispatch *dp, const struct tc_delivery_row *r, char *why, size_t len)
{
	const char *problem = tc_id_problem(r->target);
	if (problem)
		snprintf(why, len, "the receiver id '%s' %s; it cannot be published to", r->target, problem);
	else if (strlen(r->region) < tc_dispatch_min_scope(dp))
		snprintf(why, len, "the receiver '%s' has no county (region '%s' is not 6 digits or more): no county "
			 "broker of the broker tree carries it", r->target, r->region);
	else if (!tc_dispatch_brokers_of(dp, r->region, true))
		snprintf(why, len, "the receiver '%s' is in region '%s', which no region_broker serves", r->target,
			 r->region);
	else
		return false;
	return true;
}

/* One region message for scope s (retained, recorded) or one direct message for row i. */
static enum tc_rc publish_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, const struct tc_dispatch_payload *pl,
			      const struct tc_delivery_row *r, struct scope *s, uint32_t expiry, int64_t now, bool *direct_ok)
{
	char topic[TC_PROTO_MAX_TOPIC];
	enum tc_rc rc = TC_OK;
	if (!s) {
		rc = tc_dispatch_send_direct(dp, r->target, pl->data, pl->len, expiry);
		*direct_ok = !rc;
		if (rc == TC_ERR_INVALID) { /* this target alone: it fails, the others go on */
			char why[192];
			if (!unpublishable(dp, r, why, sizeof(why)))
				snprintf(why, sizeof(why),
					 "the message to receiver '%s' (%zu bytes) was refused: too large or not valid for its topic",
					 r->target, pl->len);
			*direct_ok = true; /* settled: not put back */
			return fail_target(dp, r, why, now) ? TC_OK : TC_ERR_IO;
		}
		return rc;
	}
	if (s->used)
		return TC_OK;
	rc = tc_dispatch_topic(dp, s->code, TC_TOPIC_REGION_ALERT, s->code, a->id, topic, sizeof(topic));
	if (!rc)
		rc = tc_dispatch_send(dp, tc_dispatch_brokers_of(dp, s->code, false), topic, pl->data, pl->len, true, expiry);
	if (!rc && !tc_dispatch_record(dp, a->id, s->code, topic))
		return TC_OK; /* the round fails: tc_dispatch_failing() says so */
	s->used = !rc;
	return rc;
}

/*
 * Publish the region messages, then the direct ones. The rows (all planned) are marked sent
 * first, in one statement, so that publishing is the last step before the commit and nothing
 * delays the receipts; a row that could not be published is put back. *first_ms: the wall
 * clock when the first message went out. A store failure leaves tc_dispatch_failing() set.
 */
static enum tc_rc publish_rows(struct tc_dispatch *dp, const struct tc_alert_brief *a, const struct tc_dispatch_payload *pl,
			       const struct rows *rs, int64_t now, int64_t *first_ms)
{
	struct tc_vec ss = TC_VEC_OF(struct scope);
	size_t n = rs->all.n, regions = 0, direct = 0;
	struct scope **chosen = calloc(n, sizeof(*chosen));
	bool *direct_ok = calloc(n, sizeof(*direct_ok));
	uint32_t expiry = tc_dispatch_expiry(dp, a->expires_at, now);
	enum tc_rc rc = chosen && direct_ok ? TC_OK : TC_ERR_NOMEM;
	struct tc_track_step step = tc_track_decide(TC_DS_PLANNED, TC_EV_SENT, 0, 0, &dp->o.policy, now);
	if (rc) {
		tc_log(TC_LOG_ERROR, "dispatch", "alert=%s out of memory while publishing; tried again next round", a->id);
		goto out;
	}
	if (step.accepted && step.changed &&
	    !tc_dispatch_stored(dp, tc_store_move_deliveries(dp->store, a->id, "planned", tc_dstate_name(step.next), step.attempts,
						 step.due_at, now),
		    TC_DOP_DELIVERY, a->id, NULL))
		goto out;
	for (size_t i = 0; !tc_dispatch_failing(dp) && i < n; i++)
		chosen[i] = row_at(rs, i)->region[0] && tc_id_valid(row_at(rs, i)->target) &&
				    tc_dispatch_brokers_of(dp, row_at(rs, i)->region, true) ? /* else it fails, saying why */
				    widest_scope(dp, &ss, rs, row_at(rs, i)) : NULL;
	*first_ms = tc_dispatch_wall_ms();
	unsigned long failed = dp->stats.unpublishable;
	for (size_t i = 0; !rc && !tc_dispatch_failing(dp) && i < n; i++) {
		if (chosen[i] && chosen[i]->refused)
			chosen[i] = NULL;
		bool was_used = chosen[i] && chosen[i]->used;
		rc = publish_one(dp, a, pl, row_at(rs, i), chosen[i], expiry, now, &direct_ok[i]);
		if (rc == TC_ERR_INVALID && chosen[i]) { /* the region message alone refused: directly */
			chosen[i]->refused = true;
			chosen[i] = NULL;
			rc = publish_one(dp, a, pl, row_at(rs, i), NULL, expiry, now, &direct_ok[i]);
		}
		regions += chosen[i] && chosen[i]->used && !was_used;
		direct += !chosen[i] && direct_ok[i];
	}
	failed = dp->stats.unpublishable - failed;
	direct -= failed;
	if (tc_dispatch_failing(dp) || (rc && !put_back(dp, rs, chosen, direct_ok, now)))
		goto out; /* the round is rolled back */
	tc_log(TC_LOG_INFO, "dispatch", "alert=%s published to %zu target(s): %zu region topic(s), %zu direct, %lu failed%s",
	       a->id, n, regions, direct, failed, rc ? " (stopped: the broker went away; the rest follows)" : "");
out:
	free(chosen);
	free(direct_ok);
	tc_vec_free(&ss);
	return rc;
}

/* Receivers named one by one in a payload's scope; beyond this, their region codes are named instead. */
#define SCOPE_RECEIVERS_MAX 256

char *tc_dispatch_scope_text(const struct tc_delivery_row *rows, size_t n_rows)
{
	size_t n = 0, cap = 1;
	for (size_t i = 0; i < n_rows; i++)
		if (!strcmp(rows[i].channel, "mqtt")) {
			n++;
			cap += strlen(rows[i].target) + strlen(rows[i].region) + 10;
		}
	char *out = malloc(cap), *p = out;
	if (!out)
		return NULL;
	*p = '\0';
	const char *last = NULL;
	for (size_t i = 0; i < n_rows; i++) {
		const struct tc_delivery_row *r = &rows[i];
		if (strcmp(r->channel, "mqtt"))
			continue;
		if (n <= SCOPE_RECEIVERS_MAX || !r->region[0])
			p += sprintf(p, "rx %s\n", r->target);
		else if (!last || strcmp(last, r->region))
			p += sprintf(p, "region %s\n", (last = r->region));
	}
	return out;
}

static void submit_render(struct tc_dispatch *dp, const char *id)
{
	struct tc_store_alert sa;
	struct rows rs = ROWS;
	for (size_t i = 0; i < dp->n_inflight; i++)
		if (!strcmp(dp->inflight[i], id))
			return;
	if (dp->n_inflight == TC_DISPATCH_MAX_INFLIGHT)
		return;
	if (!gather_rows(dp, id, NULL, &rs))
		goto out;
	char *plain = tc_dispatch_scope_text(rs.all.n ? row_at(&rs, 0) : NULL, rs.all.n);
	char *scope = plain ? tc_dispatch_guidance_jobs(dp, id, rs.all.n ? row_at(&rs, 0) : NULL, rs.all.n, plain) : NULL;
	free(plain);
	if (scope && tc_dispatch_stored(dp, tc_store_get_alert(dp->store, id, &sa), TC_DOP_READ, id, NULL)) {
		if (tc_renderer_submit(dp->rd, id, sa.xml, sa.xml_len, scope) == TC_OK) /* else tried again next round */
			snprintf(dp->inflight[dp->n_inflight++], 17, "%s", id);
		tc_store_alert_release(&sa);
	}
	free(scope);
out:
	tc_vec_free(&rs.all);
}

/*
 * With several brokers, the rows of receivers whose broker is away move from rs to waiting: they
 * stay planned and go out when it is back, while the others go out now. False when out of memory.
 */
static bool hold_away(struct tc_dispatch *dp, struct rows *rs, struct rows *waiting)
{
	size_t kept = 0;
	for (size_t i = 0; dp->n_routes && i < rs->all.n; i++) {
		const struct tc_delivery_row *r = row_at(rs, i);
		unsigned mask = tc_dispatch_brokers_of(dp, r->region, true);
		if (!mask || (mask & tc_dispatch_up(dp))) {
			*row_at(rs, kept++) = *r;
			continue;
		}
		add_row(r, waiting);
	}
	if (dp->n_routes)
		rs->all.n = kept;
	return tc_dispatch_stored(dp, waiting->rc, TC_DOP_READ, NULL, NULL);
}

/* Render (once) or publish an alert with planned deliveries. */
static void publish_alert(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	const struct tc_dispatch_payload *pl = tc_dispatch_payload(dp, a->id);
	if (!pl) {
		if (!tc_dispatch_failing(dp))
			submit_render(dp, a->id);
		return;
	}
	if (!tc_dispatch_up(dp) || publish_audios(dp, a->id, tc_dispatch_expiry(dp, a->expires_at, now)))
		return;
	struct rows rs = ROWS, waiting = ROWS;
	int64_t first_ms = 0;
	enum tc_rc rc = TC_OK;
	if (!gather_rows(dp, a->id, "planned", &rs) || !hold_away(dp, &rs, &waiting))
		goto out;
	if (rs.all.n) /* the guidance first: a receiver holds it before the alert it ends */
		rc = tc_dispatch_guidance_send(dp, a->id, row_at(&rs, 0), rs.all.n, tc_dispatch_expiry(dp, a->expires_at, now), now,
					       false);
	if (!rc && rs.all.n)
		rc = publish_rows(dp, a, pl, &rs, now, &first_ms);
	if (!tc_dispatch_failing(dp) && waiting.all.n) /* publish_rows marked them sent with the others */
		put_back(dp, &waiting, NULL, NULL, now);
	if (rc || tc_dispatch_failing(dp) || (!rs.all.n && waiting.all.n) || !alert_event(dp, a->id, TC_AEV_PUBLISH, now) ||
	    !tc_dispatch_stored(dp, tc_store_audit(dp->store, now, "dispatch", "published", a->id, NULL), TC_DOP_AUDIT, a->id, NULL))
		goto out;
	dp->stats.published_alerts++;
	if (rs.all.n)
		tc_dispatch_watch(dp, a->id, first_ms);
out:
	tc_vec_free(&rs.all);
	tc_vec_free(&waiting.all);
}

/* Publish (or render) every alert with planned deliveries. */
void tc_dispatch_publish_planned(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	if (briefs_read(dp, tc_store_alerts_to_dispatch(dp->store, add_brief, &bs), &bs))
		for (size_t i = 0; !tc_dispatch_failing(dp) && i < bs.all.n; i++)
			publish_alert(dp, brief_at(&bs, i), now);
	tc_vec_free(&bs.all);
}

/* --- the render worker's results ---------------------------------------------------------- */

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
		if (!tc_dispatch_stored(dp, tc_store_update_delivery(dp->store, r, reason, now), TC_DOP_DELIVERY, id, r->target))
			goto out;
	}
	alert_event(dp, id, TC_AEV_PUBLISH, now);
out:
	tc_vec_free(&rs.all);
}

/* The payload and every audio of a rendered alert are kept together, or the batch fails. */
static void keep_rendered(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now)
{
	enum tc_rc rc = tc_store_set_payload(dp->store, r->alert_id, r->sealed, r->sealed_len, r->priority);
	if (rc == TC_ERR_NOTFOUND) {
		tc_log(TC_LOG_WARN, "render", "alert=%s was rendered but is not in the store; the result is dropped",
		       r->alert_id);
		return;
	}
	if (!rc && r->expires_at > 0) /* tocsind ends it when the receivers do */
		rc = tc_store_set_default_expiry(dp->store, r->alert_id, r->expires_at);
	for (size_t i = 0; !rc && i < r->n_audio; i++) {
		const struct tc_rendered_audio *au = &r->audio[i];
		rc = tc_store_put_audio(dp->store, au->id, r->alert_id, au->lang, "ogg-opus", au->sha256, au->duration_ms,
					au->data, au->len);
	}
	tc_dispatch_guidance_keep(dp, r, now, &rc);
	if (tc_dispatch_stored(dp, rc, TC_DOP_PAYLOAD, r->alert_id, NULL))
		tc_log(TC_LOG_INFO, "render", "alert=%s rendered: %zu language(s), payload %zu bytes", r->alert_id,
		       r->n_audio, r->sealed_len);
}

void tc_dispatch_on_rendered(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now)
{
	for (size_t i = 0; i < dp->n_inflight; i++)
		if (!strcmp(dp->inflight[i], r->alert_id)) {
			memmove(dp->inflight[i], dp->inflight[i + 1], (dp->n_inflight - i - 1) * sizeof(dp->inflight[0]));
			dp->n_inflight--;
			break;
		}
	if (!r->rc) {
		keep_rendered(dp, r, now);
		return;
	}
	tc_log(TC_LOG_ERROR, "render", "alert=%s cannot be rendered: %s", r->alert_id, r->error);
	if (tc_dispatch_stored(dp, tc_store_audit(dp->store, now, "render", "failed", r->alert_id, r->error), TC_DOP_AUDIT, r->alert_id,
		   NULL))
		fail_planned(dp, r->alert_id, r->error, now);
}

/* --- ended alerts, and active ones after a reconnect ------------------------------------- */

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
		cc->rc = tc_dispatch_send_record(cc->dp, topic, NULL, 0, true, 0);
}

static void send_cancel(const struct tc_delivery_row *r, void *user)
{
	struct clear_ctx *cc = user;
	uint8_t nonce[8];
	char text[512];
	unsigned char sealed[512 + TC_SIGN_HEADER_LEN];
	size_t len = 0;
	if (cc->rc || !r->attempts)
		return;
	struct tc_cmd cmd = { .kind = TC_CMD_CANCEL, .at = cc->now };
	snprintf(cmd.alert_id, sizeof(cmd.alert_id), "%s", cc->alert_id);
	snprintf(cmd.rx, sizeof(cmd.rx), "%s", r->target);
	tc_sign_kid_of_secret(cc->dp->o.secret_key, cmd.kid);
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(cmd.nonce, sizeof(cmd.nonce), nonce, sizeof(nonce));
	size_t n = tc_cmd_encode(&cmd, text, sizeof(text));
	if (!n || tc_sign_seal(text, n, cc->dp->o.secret_key, sealed, sizeof(sealed), &len))
		return;
	cc->rc = tc_dispatch_send_direct(cc->dp, r->target, sealed, len, (uint32_t)cc->dp->o.default_expiry_s);
	if (cc->rc == TC_ERR_INVALID) { /* this receiver cannot be addressed; the others are told */
		tc_log(TC_LOG_WARN, "dispatch", "alert=%s target=%s the cancel command cannot be published to it",
		       cc->alert_id, r->target);
		cc->rc = TC_OK;
	}
}

/* Clear one ended alert's retained messages (and tell its receivers of an operator's cancel). */
static enum tc_rc clear_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	struct clear_ctx cc = { dp, now, a->id, TC_OK };
	if (!tc_dispatch_stored(dp, tc_store_each_published(dp->store, a->id, clear_topic, &cc), TC_DOP_READ, a->id, NULL))
		return TC_ERR_IO;
	if (!cc.rc && a->state == TC_ALERT_CANCELLED &&
	    !tc_dispatch_stored(dp, tc_store_each_delivery_row(dp->store, a->id, NULL, send_cancel, &cc), TC_DOP_READ, a->id, NULL))
		return TC_ERR_IO;
	if (cc.rc) /* the broker went away: next round */
		return cc.rc;
	if (!tc_dispatch_stored(dp, tc_store_clear_published(dp->store, a->id), TC_DOP_PUBLISHED, a->id, NULL))
		return TC_ERR_IO;
	dp->stats.cleared++;
	tc_log(TC_LOG_INFO, "dispatch", "alert=%s state=%s retained messages cleared", a->id, tc_alert_state_name(a->state));
	return TC_OK;
}

/* Ended alerts: clear their retained messages; an operator's cancel is also told to each receiver. */
void tc_dispatch_clear_ended(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	enum tc_rc rc = TC_OK;
	if (!tc_dispatch_up(dp))
		return;
	if (briefs_read(dp, tc_store_alerts_to_clear(dp->store, add_brief, &bs), &bs))
		for (size_t i = 0; (!rc || dp->n_routes) && !tc_dispatch_failing(dp) && i < bs.all.n; i++)
			rc = clear_one(dp, brief_at(&bs, i), now); /* with several brokers, one away holds up only its own */
	tc_vec_free(&bs.all);
}

struct republish_ctx {
	struct tc_dispatch *dp;
	const struct tc_dispatch_payload *pl;
	uint32_t expiry;
	enum tc_rc rc;
};

static void republish_topic(const char *topic, void *user)
{
	struct republish_ctx *rc = user;
	if (!rc->rc && strstr(topic, "/region/"))
		rc->rc = tc_dispatch_send_record(rc->dp, topic, rc->pl->data, rc->pl->len, true, rc->expiry);
}

/* One active alert's audio and region messages on the broker again. */
static enum tc_rc republish_one(struct tc_dispatch *dp, const struct tc_alert_brief *a, int64_t now)
{
	const struct tc_dispatch_payload *pl = tc_dispatch_payload(dp, a->id);
	if (!pl)
		return tc_dispatch_failing(dp) ? TC_ERR_IO : TC_OK;
	struct republish_ctx rc = { dp, pl, tc_dispatch_expiry(dp, a->expires_at, now), TC_OK };
	enum tc_rc r = publish_audios(dp, a->id, rc.expiry);
	if (r)
		return r;
	struct rows rs = ROWS; /* the guidance audio too: a receiver may still have to fetch it */
	r = !gather_rows(dp, a->id, NULL, &rs) ? TC_ERR_IO
	    : rs.all.n ? tc_dispatch_guidance_audio(dp, a->id, row_at(&rs, 0), rs.all.n, rc.expiry) : TC_OK;
	tc_vec_free(&rs.all);
	if (r)
		return r;
	r = tc_store_each_published(dp->store, a->id, republish_topic, &rc);
	return tc_dispatch_stored(dp, r, TC_DOP_READ, a->id, NULL) ? rc.rc : r;
}

/* After a (re)connect: the broker may have lost its retained messages (a restart without persistence).
 * True when every one is back. */
bool tc_dispatch_republish(struct tc_dispatch *dp, int64_t now)
{
	struct briefs bs = BRIEFS;
	enum tc_rc rc = TC_OK;
	if (briefs_read(dp, tc_store_active_alerts(dp->store, now, add_brief, &bs), &bs))
		for (size_t i = 0; !rc && i < bs.all.n; i++)
			rc = republish_one(dp, brief_at(&bs, i), now);
	if (!rc && !tc_dispatch_failing(dp) && bs.all.n)
		tc_log(TC_LOG_INFO, "dispatch", "put %zu active alert(s) back on the broker", bs.all.n);
	tc_vec_free(&bs.all);
	return !rc && !tc_dispatch_failing(dp);
}
