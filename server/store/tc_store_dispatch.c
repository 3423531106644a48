/*
 * tc_store_dispatch.c — what dispatch and tracking keep in the store
 * (tc_store.h, "dispatch and tracking"): deliveries with their timers,
 * acknowledgments, sealed payloads and audio, retained topics, receiver
 * liveness and escalations. Every statement is prepared once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_store_int.h"
#include "tc_vec.h"

/* Open delivery states: not yet final. */
#define OPEN_STATES "('planned', 'sent', 'received')"
/* Alert states (tc_alert_life.h), by name: receivers should have these alerts (unless expired) ... */
#define ACTIVE_ALERTS "(alert_state('dispatching'), alert_state('done'))"
/* ... and these are over, their retained messages to be cleared. */
#define ENDED_ALERTS "(alert_state('cancelled'), alert_state('superseded'), alert_state('expired'))"
/* The alert states an event moves an alert out of, from the life table. */
#define MOVED_BY(column, event) "alert_moved_by(" column ", '" event "') = 1"


/* Columns of a delivery row (read_row): alert_id, target, channel, state, attempts, due_at, then the
 * receiver's region and kind, then the rowid. */
#define OWN_COLUMNS "d.alert_id, d.target, d.channel, d.state, d.attempts, d.due_at"
#define ROW_COLUMNS OWN_COLUMNS ", coalesce(r.region, ''), coalesce(r.kind, ''), d.rowid"
/* The same without the receiver's: region and kind "" */
#define STATE_COLUMNS OWN_COLUMNS ", '', '', d.rowid"

static void read_row(tc_db_stmt *q, struct tc_delivery_row *r)
{
	tc_store_text_col(q, 0, r->alert_id, sizeof(r->alert_id));
	tc_store_text_col(q, 1, r->target, sizeof(r->target));
	tc_store_text_col(q, 2, r->channel, sizeof(r->channel));
	tc_store_text_col(q, 3, r->state, sizeof(r->state));
	r->attempts = (long)tc_db_column_int64(q, 4);
	r->due_at = tc_db_column_int64(q, 5);
	tc_store_text_col(q, 6, r->region, sizeof(r->region));
	tc_store_text_col(q, 7, r->kind, sizeof(r->kind));
	r->rowid = tc_db_column_int64(q, 8);
}

static enum tc_rc each_row(tc_db_stmt *q, tc_delivery_row_fn fn, void *user)
{
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_delivery_row row;
		read_row(q, &row);
		fn(&row, user);
	}
	return tc_store_done(q, r);
}

/* The row of the statement q (alert_id, target, channel bound as 1, 2, 3) into *out. */
static enum tc_rc one_row(tc_db_stmt *q, const char *alert_id, const char *target, const char *channel,
			  struct tc_delivery_row *out)
{
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, target, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, channel, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW)
		read_row(q, out);
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_get_delivery(struct tc_store *s, const char *alert_id, const char *target, const char *channel,
				 struct tc_delivery_row *out)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM deliveries d LEFT JOIN receivers r ON r.id = d.target"
				  " WHERE d.alert_id = ? AND d.target = ? AND d.channel = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	return q ? one_row(q, alert_id, target, channel, out) : TC_ERR_IO;
}

enum tc_rc tc_store_get_delivery_state(struct tc_store *s, const char *alert_id, const char *target,
				       const char *channel, struct tc_delivery_row *out)
{
	static const char sql[] = "SELECT " STATE_COLUMNS " FROM deliveries d"
				  " WHERE d.alert_id = ? AND d.target = ? AND d.channel = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	return q ? one_row(q, alert_id, target, channel, out) : TC_ERR_IO;
}

/* One UPDATE of r's state by its rowid (by_rowid) or its key; *changed: whether a row was. */
static enum tc_rc update_row(struct tc_store *s, const struct tc_delivery_row *r, const char *reason, int64_t now,
			     bool by_rowid, bool *changed)
{
	static const char by_key_sql[] = "UPDATE deliveries SET state = ?1, attempts = ?2, due_at = ?3, updated_at = ?4,"
					 " reason = coalesce(?5, reason) WHERE alert_id = ?6 AND target = ?7 AND channel = ?8";
	/* || '': the key is checked on the row found, not used to find it */
	static const char by_rowid_sql[] = "UPDATE deliveries SET state = ?1, attempts = ?2, due_at = ?3, updated_at = ?4,"
					   " reason = coalesce(?5, reason) WHERE rowid = ?9 AND alert_id || '' = ?6"
					   " AND target || '' = ?7 AND channel || '' = ?8";
	tc_db_stmt *q = tc_store_stmt(s, by_rowid ? by_rowid_sql : by_key_sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, r->state, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, r->attempts);
	tc_db_bind_int64(q, 3, r->due_at);
	tc_db_bind_int64(q, 4, now);
	if (reason && *reason)
		tc_db_bind_text(q, 5, reason, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 6, r->alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 7, r->target, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 8, r->channel, -1, TC_DB_STATIC);
	if (by_rowid)
		tc_db_bind_int64(q, 9, r->rowid);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	*changed = !rc && tc_db_changes(s->db) > 0;
	return rc;
}

/*
 * A row read from the store is found again by its rowid, its key checked on
 * that row rather than looked up in the key's index (an acknowledgment's
 * update costs one index search fewer); a row made by hand, or one whose
 * rowid no longer holds it, by its key.
 */
enum tc_rc tc_store_update_delivery(struct tc_store *s, const struct tc_delivery_row *r, const char *reason,
				    int64_t now)
{
	bool changed = false;
	enum tc_rc rc = r->rowid > 0 ? update_row(s, r, reason, now, true, &changed) : TC_OK;
	if (!rc && !changed)
		rc = update_row(s, r, reason, now, false, &changed);
	return rc;
}

enum tc_rc tc_store_move_deliveries(struct tc_store *s, const char *alert_id, const char *from, const char *to,
				    long attempts, int64_t due_at, int64_t now)
{
	static const char sql[] = "UPDATE deliveries SET state = ?, attempts = ?, due_at = ?, updated_at = ?"
				  " WHERE alert_id = ? AND state = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, to, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, attempts);
	tc_db_bind_int64(q, 3, due_at);
	tc_db_bind_int64(q, 4, now);
	tc_db_bind_text(q, 5, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 6, from, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_each_delivery_row(struct tc_store *s, const char *alert_id, const char *state,
				      tc_delivery_row_fn fn, void *user)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM deliveries d LEFT JOIN receivers r ON r.id = d.target"
				  " WHERE d.alert_id = ?1 AND (?2 IS NULL OR d.state = ?2) ORDER BY r.region, d.target";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	if (state)
		tc_db_bind_text(q, 2, state, -1, TC_DB_STATIC);
	return each_row(q, fn, user);
}

enum tc_rc tc_store_due_deliveries(struct tc_store *s, int64_t now, size_t limit, tc_delivery_row_fn fn, void *user)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM deliveries d LEFT JOIN receivers r ON r.id = d.target"
				  " WHERE d.state IN ('sent', 'received') AND d.due_at > 0 AND d.due_at <= ?"
				  " ORDER BY d.due_at LIMIT ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, (int64_t)limit);
	/* Rows are gathered first: fn may update the deliveries the query walks. */
	struct tc_delivery_row *rows = calloc(limit ? limit : 1, sizeof(*rows));
	size_t n = 0;
	int r = TC_DB_DONE;
	if (!rows) {
		tc_db_reset(q);
		return TC_ERR_NOMEM;
	}
	while (n < limit && (r = tc_db_step(q)) == TC_DB_ROW)
		read_row(q, &rows[n++]);
	tc_db_reset(q);
	enum tc_rc rc = r == TC_DB_ROW || r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
	for (size_t i = 0; !rc && i < n; i++)
		fn(&rows[i], user);
	free(rows);
	return rc;
}

enum tc_rc tc_store_receiver_pending(struct tc_store *s, const char *target, int64_t now, tc_delivery_row_fn fn,
				     void *user)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
				  " LEFT JOIN receivers r ON r.id = d.target"
				  " WHERE d.target = ? AND d.state IN ('sent', 'escalated') AND a.state IN " ACTIVE_ALERTS
				  " AND (a.expires_at = 0 OR a.expires_at > ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, target, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, now);
	/* Rows are gathered first: fn may update the deliveries the query walks. */
	struct tc_vec rows = TC_VEC_OF(struct tc_delivery_row);
	struct tc_delivery_row *row;
	enum tc_rc rc = TC_OK;
	int r = TC_DB_DONE;
	while (!rc && (r = tc_db_step(q)) == TC_DB_ROW) {
		if ((row = tc_vec_push(&rows)))
			read_row(q, row);
		else
			rc = TC_ERR_NOMEM;
	}
	tc_db_reset(q);
	if (!rc && r != TC_DB_DONE)
		rc = TC_ERR_IO;
	for (size_t i = 0; !rc && i < rows.n; i++)
		fn(tc_vec_at(&rows, i), user);
	tc_vec_free(&rows);
	return rc;
}

enum tc_rc tc_store_each_unsettled(struct tc_store *s, int64_t now, tc_delivery_row_fn fn, void *user)
{
	static const char sql[] = "SELECT " STATE_COLUMNS " FROM alerts a JOIN deliveries d ON d.alert_id = a.id"
				  " WHERE a.state IN " ACTIVE_ALERTS " AND (a.expires_at = 0 OR a.expires_at > ?)"
				  " AND d.state IN ('sent', 'received', 'escalated') AND d.channel = 'mqtt'"
				  " AND d.attempts > 0 ORDER BY a.id, d.target";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	return each_row(q, fn, user);
}

enum tc_rc tc_store_put_ack(struct tc_store *s, const char *alert_id, const char *target, const char *kind,
			    const char *detail, int64_t at)
{
	static const char sql[] = "INSERT INTO acks (alert_id, target, kind, detail, at) VALUES (?, ?, ?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, target, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, kind, -1, TC_DB_STATIC);
	if (detail && *detail)
		tc_db_bind_text(q, 4, detail, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 5, at);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_put_selfcheck(struct tc_store *s, const char *alert_id, const char *receiver,
				  const struct tc_store_selfcheck *c, int64_t at)
{
	static const char sql[] = "INSERT INTO self_checks (alert_id, receiver_id, at, audio, storage, "
				  "clock_offset_ms, rtt_ms, version, kids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
				  " ON CONFLICT (alert_id, receiver_id) DO UPDATE SET at = excluded.at,"
				  " audio = excluded.audio, storage = excluded.storage, clock_offset_ms = excluded.clock_offset_ms,"
				  " rtt_ms = excluded.rtt_ms, version = excluded.version, kids = excluded.kids";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, receiver, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 3, at);
	tc_db_bind_text(q, 4, c->audio, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 5, c->storage, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 6, c->clock_offset_ms);
	tc_db_bind_int64(q, 7, c->rtt_ms);
	tc_db_bind_text(q, 8, c->version, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 9, c->kids, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

/* count(*) of a one-parameter query (the parameter may be NULL). */
static long count_of(struct tc_store *s, const char *sql, const char *param)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	long n = -1;
	if (!q)
		return -1;
	if (param)
		tc_db_bind_text(q, 1, param, -1, TC_DB_STATIC);
	if (tc_db_step(q) == TC_DB_ROW)
		n = (long)tc_db_column_int64(q, 0);
	tc_db_reset(q);
	return n;
}

long tc_store_ack_count(struct tc_store *s, const char *alert_id)
{
	static const char sql[] = "SELECT count(*) FROM acks WHERE ?1 IS NULL OR alert_id = ?1";
	return count_of(s, sql, alert_id);
}

long tc_store_awaiting_receipt(struct tc_store *s, const char *alert_id)
{
	static const char sql[] = "SELECT count(*) FROM deliveries WHERE alert_id = ? AND state IN ('planned', 'sent')";
	return count_of(s, sql, alert_id);
}

enum tc_rc tc_store_set_payload(struct tc_store *s, const char *alert_id, const void *sealed, size_t len,
				int priority)
{
	static const char sql[] = "UPDATE alerts SET payload = ?, priority = ? WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_blob64(q, 1, sealed, len, TC_DB_STATIC);
	tc_db_bind_int(q, 2, priority);
	tc_db_bind_text(q, 3, alert_id, -1, TC_DB_STATIC);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	return rc ? rc : tc_db_changes(s->db) ? TC_OK : TC_ERR_NOTFOUND;
}

enum tc_rc tc_store_set_default_expiry(struct tc_store *s, const char *alert_id, int64_t expires_at)
{
	static const char sql[] = "UPDATE alerts SET expires_at = ? WHERE id = ? AND expires_at = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, expires_at);
	tc_db_bind_text(q, 2, alert_id, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

/* The one blob the query sql finds for key, copied to *out (malloc'ed); TC_ERR_NOTFOUND: none. */
static enum tc_rc blob_of(struct tc_store *s, const char *sql, const char *key, unsigned char **out, size_t *len)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*out = NULL;
	*len = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, key, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	enum tc_rc rc = r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
	if (!rc) {
		*len = (size_t)tc_db_column_bytes(q, 0);
		*out = malloc(*len ? *len : 1);
		if (*out)
			memcpy(*out, tc_db_column_blob(q, 0), *len);
		else
			rc = TC_ERR_NOMEM;
	}
	tc_db_reset(q);
	return rc;
}

enum tc_rc tc_store_get_payload(struct tc_store *s, const char *alert_id, unsigned char **out, size_t *len)
{
	return blob_of(s, "SELECT payload FROM alerts WHERE id = ? AND payload IS NOT NULL", alert_id, out, len);
}

enum tc_rc tc_store_put_audio(struct tc_store *s, const char *id, const char *alert_id, const char *lang,
			      const char *format, const char *sha256, unsigned duration_ms, const void *data,
			      size_t len)
{
	static const char sql[] = "INSERT INTO audio (id, alert_id, lang, format, sha256, duration_ms, data)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET alert_id = excluded.alert_id,"
				  " lang = excluded.lang, format = excluded.format, sha256 = excluded.sha256,"
				  " duration_ms = excluded.duration_ms, data = excluded.data";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, lang, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 4, format, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 5, sha256, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 6, duration_ms);
	tc_db_bind_blob64(q, 7, data, len, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_each_audio(struct tc_store *s, const char *alert_id,
			       void (*fn)(const char *id, const void *data, size_t len, void *user), void *user)
{
	tc_db_stmt *q = NULL;
	/* Not cached: fn publishes, and the blob must stay valid while it runs. */
	if (tc_db_prepare(s->db, "SELECT id, data FROM audio WHERE alert_id = ? ORDER BY id", &q) !=
	    TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW)
		fn((const char *)tc_db_column_text(q, 0), tc_db_column_blob(q, 1), (size_t)tc_db_column_bytes(q, 1),
		   user);
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_put_guidance_audio(struct tc_store *s, const char *id, const char *lang, const char *text,
				       const char *format, const char *sha256, unsigned duration_ms, const void *data,
				       size_t len, int64_t now)
{
	static const char sql[] = "INSERT INTO guidance_audio (id, lang, text, format, sha256, duration_ms, data,"
				  " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET lang = excluded.lang,"
				  " text = excluded.text, format = excluded.format, sha256 = excluded.sha256,"
				  " duration_ms = excluded.duration_ms, data = excluded.data, created_at = excluded.created_at";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, lang, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, text, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 4, format, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 5, sha256, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 6, duration_ms);
	tc_db_bind_blob64(q, 7, data, len, TC_DB_STATIC);
	tc_db_bind_int64(q, 8, now);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_get_guidance_audio(struct tc_store *s, const char *id, struct tc_guidance_audio *out)
{
	static const char sql[] = "SELECT lang, format, sha256, duration_ms, length(data) FROM guidance_audio WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	memset(out, 0, sizeof(*out));
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	enum tc_rc rc = r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
	if (!rc) {
		snprintf(out->id, sizeof(out->id), "%s", id);
		snprintf(out->lang, sizeof(out->lang), "%s", (const char *)tc_db_column_text(q, 0));
		snprintf(out->format, sizeof(out->format), "%s", (const char *)tc_db_column_text(q, 1));
		snprintf(out->sha256, sizeof(out->sha256), "%s", (const char *)tc_db_column_text(q, 2));
		out->duration_ms = (unsigned)tc_db_column_int64(q, 3);
		out->length = (size_t)tc_db_column_int64(q, 4);
	}
	tc_db_reset(q);
	return rc;
}

enum tc_rc tc_store_get_guidance_data(struct tc_store *s, const char *id, unsigned char **out, size_t *len)
{
	return blob_of(s, "SELECT data FROM guidance_audio WHERE id = ?", id, out, len);
}

enum tc_rc tc_store_add_published(struct tc_store *s, const char *alert_id, const char *topic)
{
	static const char sql[] = "INSERT OR IGNORE INTO published (alert_id, topic) VALUES (?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, topic, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_each_published(struct tc_store *s, const char *alert_id, void (*fn)(const char *topic, void *user),
				   void *user)
{
	tc_db_stmt *q = NULL;
	if (tc_db_prepare(s->db, "SELECT topic FROM published WHERE alert_id = ? ORDER BY topic", &q) !=
	    TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW)
		fn((const char *)tc_db_column_text(q, 0), user);
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_clear_published(struct tc_store *s, const char *alert_id)
{
	static const char sql[] = "DELETE FROM published WHERE alert_id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

/* Run an alert-brief query (columns id, msg_type, state, expires_at, priority, has_payload) with an optional time. */
static enum tc_rc each_brief(struct tc_store *s, const char *sql, const int64_t *now, tc_alert_brief_fn fn, void *user)
{
	tc_db_stmt *q = NULL;
	/* Not cached: fn may run other statements, even this one's kind. */
	if (tc_db_prepare(s->db, sql, &q) != TC_DB_OK)
		return TC_ERR_IO;
	if (now)
		tc_db_bind_int64(q, 1, *now);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_alert_brief b = { (const char *)tc_db_column_text(q, 0), (const char *)tc_db_column_text(q, 1),
					    (enum tc_alert_state)tc_db_column_int(q, 2), tc_db_column_int64(q, 3),
					    tc_db_column_int(q, 4), tc_db_column_int(q, 5) != 0 };
		fn(&b, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

#define BRIEF_COLUMNS "a.id, a.msg_type, a.state, a.expires_at, a.priority, a.payload IS NOT NULL"

enum tc_rc tc_store_alerts_to_dispatch(struct tc_store *s, tc_alert_brief_fn fn, void *user)
{
	static const char sql[] =
		"SELECT " BRIEF_COLUMNS " FROM alerts a WHERE a.state = alert_state('planned')"
		" OR (a.state = alert_state('dispatching') AND EXISTS"
		" (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.state = 'planned'))"
		" ORDER BY a.priority DESC, a.received_at, a.rowid";
	return each_brief(s, sql, NULL, fn, user);
}

enum tc_rc tc_store_alerts_to_clear(struct tc_store *s, tc_alert_brief_fn fn, void *user)
{
	static const char sql[] = "SELECT " BRIEF_COLUMNS " FROM alerts a WHERE a.state IN " ENDED_ALERTS " AND EXISTS"
				  " (SELECT 1 FROM published p WHERE p.alert_id = a.id)";
	return each_brief(s, sql, NULL, fn, user);
}

enum tc_rc tc_store_active_alerts(struct tc_store *s, int64_t now, tc_alert_brief_fn fn, void *user)
{
	static const char sql[] = "SELECT " BRIEF_COLUMNS " FROM alerts a WHERE a.state IN " ACTIVE_ALERTS
				  " AND (a.expires_at = 0 OR a.expires_at > ?1) ORDER BY a.priority DESC, a.received_at";
	return each_brief(s, sql, &now, fn, user);
}

/* Run an UPDATE with one time parameter bound to ?1; *n receives the changed rows when n is not NULL. */
static enum tc_rc update_at(struct tc_store *s, const char *sql, int64_t now, long *n)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (n)
		*n = rc ? 0 : (long)tc_db_changes(s->db);
	return rc;
}

enum tc_rc tc_store_expire_alerts(struct tc_store *s, int64_t now, long *n)
{
	static const char deliveries[] =
		"UPDATE deliveries SET state = 'expired', due_at = 0, updated_at = ?1 WHERE state IN " OPEN_STATES
		" AND alert_id IN (SELECT id FROM alerts WHERE " MOVED_BY("state", "expire")
		" AND expires_at > 0 AND expires_at <= ?1)";
	static const char alerts[] = "UPDATE alerts SET state = alert_state('expired'), updated_at = ?1"
				     " WHERE " MOVED_BY("state", "expire") " AND expires_at > 0 AND expires_at <= ?1";
	enum tc_rc rc = update_at(s, deliveries, now, NULL);
	return rc ? rc : update_at(s, alerts, now, n);
}

enum tc_rc tc_store_finish_alerts(struct tc_store *s, int64_t now, long *n)
{
	static const char sql[] = "UPDATE alerts SET state = alert_state('done'), updated_at = ?1"
				  " WHERE " MOVED_BY("state", "finish") " AND NOT EXISTS"
				  " (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id AND d.state IN " OPEN_STATES ")";
	return update_at(s, sql, now, n);
}

enum tc_rc tc_store_alert_brief(struct tc_store *s, const char *id, char msg_type[16], enum tc_alert_state *state,
				int64_t *expires_at)
{
	static const char sql[] = "SELECT msg_type, state, expires_at FROM alerts WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		tc_store_text_col(q, 0, msg_type, 16);
		*state = (enum tc_alert_state)tc_db_column_int(q, 1);
		*expires_at = tc_db_column_int64(q, 2);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_receiver_info(struct tc_store *s, const char *id, char kind[16], char region[16])
{
	static const char sql[] = "SELECT kind, region FROM receivers WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		tc_store_text_col(q, 0, kind, 16);
		tc_store_text_col(q, 1, region, 16);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_receiver_seen(struct tc_store *s, const char *id, bool online, int64_t at)
{
	static const char sql[] = "UPDATE receivers SET online = ?, last_seen = max(last_seen, ?) WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int(q, 1, online);
	tc_db_bind_int64(q, 2, at);
	tc_db_bind_text(q, 3, id, -1, TC_DB_STATIC);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	return rc ? rc : tc_db_changes(s->db) ? TC_OK : TC_ERR_NOTFOUND;
}

long tc_store_count_region(struct tc_store *s, const char *prefix)
{
	static const char sql[] = "SELECT count(*) FROM receivers WHERE region >= ?1 AND region < ?1 || ':'";
	return count_of(s, sql, prefix);
}

long tc_store_count_online(struct tc_store *s)
{
	static const char sql[] = "SELECT count(*) FROM receivers WHERE online = 1";
	return count_of(s, sql, NULL);
}

enum tc_rc tc_store_put_escalation(struct tc_store *s, const char *alert_id, const char *target, const char *region,
				   const char *reason, int64_t now)
{
	static const char sql[] = "INSERT OR IGNORE INTO escalations (alert_id, target, region, at, reason)"
				  " VALUES (?, ?, ?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, target, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, region ? region : "", -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 4, now);
	tc_db_bind_text(q, 5, reason, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

long tc_store_escalation_count(struct tc_store *s, const char *alert_id)
{
	static const char sql[] = "SELECT count(*) FROM escalations WHERE ?1 IS NULL OR alert_id = ?1";
	return count_of(s, sql, alert_id);
}
