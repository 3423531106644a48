/*
 * tc_api_events.c — GET /api/v1/alerts/{id}/events: an alert's report,
 * deliveries and state as Server-Sent Events, for the duty officer's console
 * (tc_api_int.h).
 *
 * On connect a stream gets `report` (the object GET .../report answers) and
 * `deliveries` with every row ("full":true). Afterwards, at most once a
 * second and only when something changed, `state` (the alert's own state
 * moved), `report` again and `deliveries` with the rows changed ("full":
 * false); `: keep-alive` after 15 s of nothing.
 *
 * Nothing is read per stream. Each alert with streams has one watch: its
 * deliveries as last sent (tc_snapshot.h), its state, its report text. The
 * store notes the rows written on the owner's connection (tc_store_watch);
 * once a second the watches of changed alerts read their alert once, build
 * the events once and append them to every stream of that alert. A stream is
 * a response read through a callback: with nothing to send it suspends its
 * connection, and appending resumes it.
 *
 * Invariants:
 *   1. A stream belongs to exactly one watch; a watch lives while it has
 *      streams; change watching is on while there is a watch.
 *   2. A stream's events are at least TICK_MS apart: one that joined less
 *      than TICK_MS before a tick keeps that tick's events until
 *      joined + TICK_MS (hold_until). A joiner starts from the watch's
 *      snapshot, so the next tick's changes are changes for it too.
 *   3. A stream is freed only by libmicrohttpd, when its response is
 *      (stream_gone); everything else marks it closing and resumes it.
 *   4. At most STREAMS_MAX streams, STREAMS_PER_USER of one user; each
 *      tick checks its credential again and closes it when revoked,
 *      expired or its user disabled; a client gone is noticed within a
 *      tick (a peek at the socket), a slow one dropped past PENDING_MAX.
 */
#include "tc_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "tc_log.h"
#include "tc_snapshot.h"
#include "tc_sse.h"
#include "tc_store_approval.h"

#define STREAMS_MAX 64u
#define STREAMS_PER_USER 8u
#define TICK_MS 1000
#define KEEPALIVE_MS 15000
#define PENDING_MAX ((size_t)32 << 20) /* bytes a client that does not read may have waiting */

struct watch {
	char id[17];
	enum tc_alert_state state;
	struct tc_snapshot *rows;
	struct tc_api_report rep; /* coverage as of the last read */
	char *report[2];          /* the report's text without [0] and with [1] phone numbers; NULL: not made */
	bool dirty;
	unsigned long next_id;    /* of its events */
	unsigned streams;
	struct watch *next;
};

struct stream {
	struct tc_api *api;
	struct watch *w;
	struct MHD_Connection *conn;
	char user[TC_AUTH_NAME_MAX + 1];
	bool phones;       /* may see phone numbers */
	char *credential;  /* checked again each tick; wiped when freed */
	bool session;
	struct tc_vec out; /* bytes to send; the first `sent` of them are sent */
	size_t sent;
	bool suspended, closing;
	int64_t joined, hold_until, last_event; /* ms, monotonic */
	struct stream *next;
};

struct tc_api_streams {
	struct stream *list;
	struct watch *watches;
	unsigned n;
	int64_t next_tick;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void watch_free(struct watch *w)
{
	if (!w)
		return;
	tc_snapshot_free(w->rows);
	json_decref(w->rep.regions);
	free(w->report[0]);
	free(w->report[1]);
	free(w);
}

/* --- reading an alert ------------------------------------------------------------------- */

struct pass {
	struct watch *w;
	struct tc_api_report rep;
	struct tc_vec diff; /* the changed rows as JSON, comma-separated */
	size_t changed;
	enum tc_rc rc;
};

/* One row as the deliveries event carries it. */
static enum tc_rc row_json(struct tc_vec *out, const char *target, const char *state, const char *region)
{
	enum tc_rc rc = tc_vec_append_text(out, "{\"receiver\":", 12);
	if (!rc)
		rc = tc_sse_json_string(out, target);
	if (!rc)
		rc = tc_vec_append_text(out, ",\"state\":", 9);
	if (!rc)
		rc = tc_sse_json_string(out, state);
	if (!rc)
		rc = tc_vec_append_text(out, ",\"region\":", 10);
	if (!rc)
		rc = tc_sse_json_string(out, region);
	return rc ? rc : tc_vec_append_text(out, "}", 1);
}

static void pass_row(const struct tc_delivery *dl, void *user)
{
	struct pass *p = user;
	bool changed = false;
	if (p->rc)
		return;
	tc_api_report_add(dl, &p->rep);
	p->rc = tc_snapshot_put(p->w->rows, dl->target, dl->state, dl->region, &changed);
	if (p->rc || !changed)
		return;
	if (p->changed++)
		p->rc = tc_vec_append_text(&p->diff, ",", 1);
	if (!p->rc)
		p->rc = row_json(&p->diff, dl->target, dl->state, dl->region ? dl->region : "");
}

/*
 * Read alert w->id again: its state into *state, its deliveries compared with the snapshot (which
 * becomes the new one), coverage into w->rep, the changed rows into p->diff. TC_OK or the store's
 * error, the watch then unchanged.
 */
static enum tc_rc watch_read(struct tc_api *api, struct watch *w, enum tc_alert_state *state, struct pass *p)
{
	char msg_type[16];
	int64_t expires_at;
	*p = (struct pass){ .w = w, .rep = { .regions = json_object() } };
	tc_vec_init(&p->diff, 1);
	enum tc_rc rc = tc_store_alert_brief(api->store, w->id, msg_type, state, &expires_at);
	if (rc == TC_OK && !p->rep.regions)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK) {
		tc_snapshot_begin(w->rows);
		rc = tc_store_each_delivery(api->store, w->id, NULL, pass_row, p);
		rc = rc ? rc : p->rc;
	}
	if (rc) {
		tc_snapshot_abandon(w->rows);
		json_decref(p->rep.regions);
		tc_vec_free(&p->diff);
		return rc;
	}
	tc_snapshot_end(w->rows);
	json_decref(w->rep.regions);
	w->rep = p->rep;
	return TC_OK;
}

/* The report's text for readers with (phones) or without phone numbers, made when missing; NULL on failure. */
static const char *report_text(struct tc_api *api, struct watch *w, bool phones)
{
	if (!w->report[phones]) {
		json_t *j = tc_api_report_json(api, &w->rep, w->id, phones);
		/* as tc_api_reply writes it, so the data is /report's answer byte for byte */
		w->report[phones] = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
		json_decref(j);
	}
	return w->report[phones];
}

/* --- sending ---------------------------------------------------------------------------- */

static void send_event(struct stream *st, unsigned long id, const char *event, const char *data, size_t len, int64_t now)
{
	if (st->closing)
		return;
	if (now < st->joined + TICK_MS) /* its first events went out less than a tick ago */
		st->hold_until = st->joined + TICK_MS;
	if (st->out.n - st->sent + len > PENDING_MAX || tc_sse_event(&st->out, id, event, data, len)) {
		tc_log(TC_LOG_WARN, "http", "alert=%s events: the stream of %s is closed: its client does not keep up",
		       st->w->id, st->user);
		st->out.n = st->sent = 0;
		st->closing = true;
		return;
	}
	st->last_event = now;
}

/* Every row of the snapshot: the data of a full deliveries event, in *out (malloc'ed); TC_OK or NOMEM. */
static enum tc_rc full_rows(const struct watch *w, struct tc_vec *out)
{
	const struct tc_snapshot_row *r = tc_snapshot_rows(w->rows);
	size_t n = tc_snapshot_count(w->rows);
	enum tc_rc rc = tc_vec_append_text(out, "{\"deliveries\":[", 15);
	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = tc_vec_append_text(out, ",", 1);
		if (!rc)
			rc = row_json(out, r[i].target, r[i].state, r[i].region);
	}
	return rc ? rc : tc_vec_append_text(out, "],\"full\":true}", 14);
}

/* What a stream gets on connect: the report and every delivery, from the watch. */
static enum tc_rc stream_start(struct tc_api *api, struct stream *st, int64_t now)
{
	struct watch *w = st->w;
	struct tc_vec rows;
	const char *report = report_text(api, w, st->phones);
	if (!report)
		return TC_ERR_IO;
	tc_vec_init(&rows, 1);
	enum tc_rc rc = full_rows(w, &rows);
	if (!rc)
		rc = tc_sse_event(&st->out, w->next_id++, "report", report, strlen(report));
	if (!rc)
		rc = tc_sse_event(&st->out, w->next_id++, "deliveries", rows.v, rows.n);
	tc_vec_free(&rows);
	st->last_event = now;
	return rc;
}

/* A changed alert read once, and what changed sent to each of its streams. */
static void watch_update(struct tc_api *api, struct watch *w, int64_t now)
{
	struct tc_api_streams *ss = api->streams;
	enum tc_alert_state state;
	struct pass p;
	if (watch_read(api, w, &state, &p)) {
		w->dirty = true; /* tried again at the next tick */
		return;
	}
	bool moved = state != w->state;
	w->state = state;
	char *old[2] = { w->report[0], w->report[1] };
	bool wanted[2] = { false, false }, differs[2] = { false, false };
	w->report[0] = w->report[1] = NULL;
	for (struct stream *st = ss->list; st; st = st->next)
		if (st->w == w)
			wanted[st->phones] = true;
	for (int v = 0; v < 2; v++) {
		const char *text = wanted[v] ? report_text(api, w, v) : NULL;
		differs[v] = text && (!old[v] || strcmp(old[v], text) != 0);
		free(old[v]);
	}
	char state_json[64];
	int state_len = snprintf(state_json, sizeof(state_json), "{\"state\":\"%s\"}", tc_alert_state_name(state));
	unsigned long state_id = moved ? w->next_id++ : 0, report_id = w->next_id++;
	unsigned long rows_id = p.changed ? w->next_id++ : 0;
	const char *tail = "],\"full\":false}";
	struct tc_vec rows;
	tc_vec_init(&rows, 1);
	bool rows_ok = !p.changed || (!tc_vec_append_text(&rows, "{\"deliveries\":[", 15) &&
				      !tc_vec_append(&rows, p.diff.v, p.diff.n) && !tc_vec_append_text(&rows, tail, strlen(tail)));
	for (struct stream *st = ss->list; st; st = st->next) {
		if (st->w != w)
			continue;
		if (moved)
			send_event(st, state_id, "state", state_json, (size_t)state_len, now);
		if (differs[st->phones])
			send_event(st, report_id, "report", w->report[st->phones], strlen(w->report[st->phones]), now);
		if (p.changed && rows_ok)
			send_event(st, rows_id, "deliveries", rows.v, rows.n, now);
	}
	if (!rows_ok)
		tc_log(TC_LOG_ERROR, "http", "alert=%s events: out of memory for the changed deliveries", w->id);
	tc_vec_free(&rows);
	tc_vec_free(&p.diff);
}

/* --- watches ---------------------------------------------------------------------------- */

static struct watch *watch_find(struct tc_api_streams *ss, const char *id)
{
	for (struct watch *w = ss->watches; w; w = w->next)
		if (!strcmp(w->id, id))
			return w;
	return NULL;
}

/* The watch of alert id, made (and read) when it has none; NULL when it cannot be. */
static struct watch *watch_get(struct tc_api *api, const char *id)
{
	struct tc_api_streams *ss = api->streams;
	struct watch *w = watch_find(ss, id);
	struct pass p;
	if (w)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->rows = tc_snapshot_new())) {
		watch_free(w);
		return NULL;
	}
	snprintf(w->id, sizeof(w->id), "%.16s", id);
	w->next_id = 1;
	tc_store_watch(api->store, true); /* before the read: whatever is written after it is noted */
	if (watch_read(api, w, &w->state, &p)) {
		watch_free(w);
		if (!ss->watches)
			tc_store_watch(api->store, false);
		return NULL;
	}
	tc_vec_free(&p.diff);
	w->next = ss->watches;
	ss->watches = w;
	return w;
}

/* A watch loses a stream; with none left it goes (and change watching with the last one). */
static void watch_drop(struct tc_api *api, struct watch *w)
{
	struct tc_api_streams *ss = api->streams;
	if (w->streams && --w->streams)
		return;
	for (struct watch **at = &ss->watches; *at; at = &(*at)->next)
		if (*at == w) {
			*at = w->next;
			break;
		}
	watch_free(w);
	if (!ss->watches)
		tc_store_watch(api->store, false);
}

static void mark_dirty(const char *alert_id, void *user)
{
	struct tc_api_streams *ss = user;
	for (struct watch *w = ss->watches; w; w = w->next)
		if (!alert_id || !strcmp(w->id, alert_id))
			w->dirty = true;
}

/*
 * Whether the user's regions reach the alert: one of its receivers (or, held, one of the regions it
 * would reach) is in them. An alert that reaches no receiver is in every view. NULL when it is in
 * the user's view; else a region it reaches, for the refusal.
 */
static const char *outside_view(struct tc_api *api, const struct watch *w, const struct tc_user *u, char buf[16])
{
	const struct tc_snapshot_row *r = tc_snapshot_rows(w->rows);
	size_t n = tc_snapshot_count(w->rows);
	struct tc_approval ap;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!r[i].region[0])
			continue;
		if (tc_user_in_scope(u, r[i].region))
			return NULL;
		if (!buf[0])
			snprintf(buf, 16, "%s", r[i].region);
	}
	if (!n && tc_store_approval_get(api->store, w->id, &ap) == TC_OK) {
		bool any = false, reached = false;
		for (const char *p = ap.regions ? ap.regions : ""; *p && !reached;) {
			size_t len = strcspn(p, " ");
			char code[16];
			snprintf(code, sizeof(code), "%.*s", (int)(len < 15 ? len : 15), p);
			if (len) {
				any = true;
				reached = tc_user_in_scope(u, code);
				if (!buf[0])
					memcpy(buf, code, sizeof(code));
			}
			p += len + strspn(p + len, " ");
		}
		tc_approval_release(&ap);
		return any && !reached ? buf : NULL;
	}
	return buf[0] ? buf : NULL;
}

/* --- the streams ------------------------------------------------------------------------ */

/* libmicrohttpd asks for bytes: what is due, else the connection waits (suspended) until there is. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	size_t left = st->out.n - st->sent;
	(void)pos;
	if (left && (st->closing || mono_ms() >= st->hold_until)) {
		size_t n = left < max ? left : max;
		memcpy(buf, (const char *)st->out.v + st->sent, n);
		st->sent += n;
		if (st->sent == st->out.n)
			st->out.n = st->sent = 0;
		return (ssize_t)n;
	}
	if (st->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	st->suspended = true;
	MHD_suspend_connection(st->conn);
	return 0;
}

/* The response is gone (the connection closed): so is the stream. */
static void stream_gone(void *cls)
{
	struct stream *st = cls;
	struct tc_api_streams *ss = st->api->streams;
	for (struct stream **at = &ss->list; *at; at = &(*at)->next)
		if (*at == st) {
			*at = st->next;
			ss->n--;
			break;
		}
	tc_log(TC_LOG_DEBUG, "http", "alert=%s events: the stream of %s ended (%u open)", st->w->id, st->user, ss->n);
	watch_drop(st->api, st->w);
	if (st->credential) {
		sodium_memzero(st->credential, strlen(st->credential));
		free(st->credential);
	}
	tc_vec_free(&st->out);
	free(st);
}

/* 0 when the user may open one more stream; else the 429 is queued. */
static int stream_limit(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct tc_api_streams *ss = api->streams;
	unsigned mine = 0;
	for (const struct stream *st = ss->list; st; st = st->next)
		mine += !strcmp(st->user, rq->user.name);
	if (ss->n >= STREAMS_MAX)
		tc_api_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "events.too-many",
			     "the server has %u event streams open, as many as it serves; try again later", ss->n);
	else if (mine >= STREAMS_PER_USER)
		tc_api_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "events.too-many",
			     "user %s has %u event streams open, as many as one user may; close one (another tab or "
			     "window of the console) first", rq->user.name, mine);
	else
		return 0;
	return -1;
}

static struct MHD_Response *stream_response(struct stream *st)
{
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, st, stream_gone);
	if (!r)
		return NULL;
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* a proxy in front must not hold events back */
	MHD_add_response_header(r, "Connection", "close");     /* an ended stream ends its connection */
	return r;
}

enum MHD_Result tc_api_events(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	char msg_type[16], outside[16];
	enum tc_alert_state state;
	int64_t expires_at, now = mono_ms();
	bool session = false;
	const char *credential = tc_api_credential(c, &session);
	enum tc_rc rc = tc_store_alert_brief(api->store, rq->id, msg_type, &state, &expires_at);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no alert with that id");
	if (rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	if (!api->streams && !(api->streams = calloc(1, sizeof(*api->streams))))
		return MHD_NO;
	if (stream_limit(api, c, rq))
		return MHD_YES;
	struct watch *w = watch_get(api, rq->id);
	if (!w)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	w->streams++; /* held from here: watch_drop lets it go */
	if (outside_view(api, w, &rq->user, outside)) {
		watch_drop(api, w);
		api->forbidden++;
		return tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region",
				    "alert %s reaches none of the regions of user %s (it reaches %s)", rq->id, rq->user.name,
				    outside);
	}
	struct stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *r = NULL;
	if (st) {
		st->api = api;
		st->w = w;
		st->conn = c;
		st->session = session;
		st->credential = credential ? strdup(credential) : NULL;
		st->phones = tc_role_may(rq->user.role, TC_PERM_READ_CONTACTS);
		st->joined = now;
		snprintf(st->user, sizeof(st->user), "%s", rq->user.name);
		tc_vec_init(&st->out, 1);
	}
	if (!st || !st->credential || stream_start(api, st, now) || !(r = stream_response(st))) {
		if (st) {
			free(st->credential);
			tc_vec_free(&st->out);
			free(st);
		}
		watch_drop(api, w);
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "the stream could not be started");
	}
	st->next = api->streams->list; /* from here stream_gone, called with the response, frees it */
	api->streams->list = st;
	api->streams->n++;
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u); /* a stream outlives http_timeout_s */
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	tc_log(TC_LOG_DEBUG, "http", "alert=%s events: a stream of %s opened (%u open)", rq->id, rq->user.name,
	       api->streams->n);
	return ok;
}

/* Whether the client of a waiting stream has closed its end. */
static bool client_gone(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char b;
	return ci && recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Once a second: changed alerts read and sent, credentials checked again, idle streams kept open. */
static void tick(struct tc_api *api, int64_t now)
{
	struct tc_api_streams *ss = api->streams;
	if (tc_store_changed_alerts(api->store, mark_dirty, ss))
		tc_log(TC_LOG_WARN, "http", "events: the store could not say which alerts changed; every watched one is read");
	for (struct watch *w = ss->watches; w; w = w->next)
		if (w->dirty) {
			w->dirty = false;
			watch_update(api, w, now);
		}
	for (struct stream *st = ss->list; st; st = st->next) {
		struct tc_user u;
		if (st->closing)
			continue;
		if (!tc_api_credential_holds(api, st->credential, st->session, &u) || !tc_role_may(u.role, TC_PERM_READ)) {
			tc_log(TC_LOG_INFO, "http", "alert=%s events: the stream of %s is closed: its %s no longer holds",
			       st->w->id, st->user, st->session ? "session" : "token");
			st->closing = true;
			st->out.n = st->sent = 0;
		} else if (st->suspended && client_gone(st->conn)) {
			st->closing = true;
			st->out.n = st->sent = 0;
		} else if (st->out.n == st->sent && now - st->last_event >= KEEPALIVE_MS && !tc_sse_comment(&st->out, "keep-alive")) {
			st->last_event = now;
		}
	}
}

bool tc_api_events_work(struct tc_api *api)
{
	struct tc_api_streams *ss = api->streams;
	bool resumed = false;
	if (!ss || !ss->list)
		return false;
	int64_t now = mono_ms();
	if (now >= ss->next_tick) {
		ss->next_tick = now + TICK_MS;
		tick(api, now);
	}
	for (struct stream *st = ss->list; st; st = st->next)
		if (st->suspended && (st->closing || (st->out.n > st->sent && now >= st->hold_until))) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
			resumed = true;
		}
	return resumed;
}

void tc_api_events_timeout(const struct tc_api *api, long *ms)
{
	const struct tc_api_streams *ss = api->streams;
	if (!ss || !ss->list)
		return;
	int64_t now = mono_ms(), due = ss->next_tick;
	for (const struct stream *st = ss->list; st; st = st->next)
		if (st->suspended && st->out.n > st->sent && st->hold_until < due)
			due = st->hold_until;
	long wait = due > now ? (long)(due - now) : 0;
	if (wait < *ms)
		*ms = wait;
}

bool tc_api_events_stop(struct tc_api *api)
{
	struct tc_api_streams *ss = api->streams;
	bool resumed = false;
	if (!ss)
		return false;
	for (struct stream *st = ss->list; st; st = st->next) {
		st->closing = true;
		st->out.n = st->sent = 0;
		if (st->suspended) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
			resumed = true;
		}
	}
	return resumed;
}

/* After the daemon stopped (every stream gone with its connection). */
void tc_api_events_free(struct tc_api *api)
{
	if (!api->streams)
		return;
	while (api->streams->watches) { /* none should be left; nothing is kept if one is */
		struct watch *w = api->streams->watches;
		api->streams->watches = w->next;
		watch_free(w);
	}
	free(api->streams);
	api->streams = NULL;
}

unsigned tc_api_events_open(const struct tc_api *api)
{
	return api->streams ? api->streams->n : 0;
}
