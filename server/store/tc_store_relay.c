/*
 * tc_store_relay.c — the relay chains' table (tc_store_relay.h). Queries
 * whose callbacks may write gather their rows first.
 */
#include "tc_store_relay.h"

#include <stdlib.h>
#include <string.h>

#include "tc_store_int.h"
#include "tc_vec.h"

#define CHAIN_COLUMNS "c.alert_id, c.region, c.state, c.position, c.message_id, c.started_at, c.due_at, c.ended_at," \
		      " c.duty_told"
/* Alert states whose relay goes on (tc_store_sms.c's LIVE_ALERTS). */
#define LIVE_ALERTS "(alert_state('planned'), alert_state('dispatching'), alert_state('done'))"

static void read_chain(tc_db_stmt *q, struct tc_relay_chain *c)
{
	tc_store_text_col(q, 0, c->alert_id, sizeof(c->alert_id));
	tc_store_text_col(q, 1, c->region, sizeof(c->region));
	tc_store_text_col(q, 2, c->state, sizeof(c->state));
	c->position = tc_db_column_int(q, 3);
	c->message_id = tc_db_column_int64(q, 4);
	c->started_at = tc_db_column_int64(q, 5);
	c->due_at = tc_db_column_int64(q, 6);
	c->ended_at = tc_db_column_int64(q, 7);
	c->duty_told = tc_db_column_int(q, 8) != 0;
}

/* Every row of q read, then fn called for each (fn may run other statements). */
static enum tc_rc each_chain(tc_db_stmt *q, size_t limit, tc_relay_chain_fn fn, void *user)
{
	struct tc_vec v = TC_VEC_OF(struct tc_relay_chain);
	enum tc_rc rc = TC_OK;
	int r;
	while ((!limit || v.n < limit) && (r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_relay_chain *c = tc_vec_push(&v);
		if (!c) {
			rc = TC_ERR_NOMEM;
			break;
		}
		read_chain(q, c);
	}
	tc_db_reset(q);
	for (size_t i = 0; !rc && i < v.n; i++)
		fn(tc_vec_at(&v, i), user);
	tc_vec_free(&v);
	return rc;
}

enum tc_rc tc_store_relay_start(struct tc_store *s, const char *alert_id, const char *region, int position,
				int64_t message_id, int64_t now, int64_t due_at)
{
	static const char sql[] = "INSERT OR IGNORE INTO relay_chains (alert_id, region, position, message_id, started_at,"
				  " due_at) VALUES (?, ?, ?, ?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, region, -1, TC_DB_STATIC);
	tc_db_bind_int(q, 3, position);
	tc_db_bind_int64(q, 4, message_id);
	tc_db_bind_int64(q, 5, now);
	tc_db_bind_int64(q, 6, due_at);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_relay_mark_started(struct tc_store *s, const char *alert_id, long chains, int64_t now, bool *first)
{
	static const char sql[] = "INSERT OR IGNORE INTO relay_alerts (alert_id, at, chains) VALUES (?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*first = false;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, now);
	tc_db_bind_int64(q, 3, chains);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	*first = !rc && tc_db_changes(s->db) > 0;
	return rc;
}

enum tc_rc tc_store_relay_due(struct tc_store *s, int64_t now, size_t limit, tc_relay_chain_fn fn, void *user)
{
	static const char sql[] = "SELECT " CHAIN_COLUMNS " FROM relay_chains c JOIN alerts a ON a.id = c.alert_id"
				  " WHERE c.state = 'waiting' AND c.due_at > 0 AND c.due_at <= ?1 AND a.state IN " LIVE_ALERTS
				  " AND (a.expires_at = 0 OR a.expires_at > ?1) ORDER BY c.due_at LIMIT ?2";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, (int64_t)limit);
	return each_chain(q, limit, fn, user);
}

enum tc_rc tc_store_relay_advance(struct tc_store *s, const char *alert_id, const char *region, int position,
				  int64_t message_id, int64_t due_at)
{
	static const char sql[] = "UPDATE relay_chains SET position = ?, message_id = ?, due_at = ?"
				  " WHERE alert_id = ? AND region = ? AND state = 'waiting'";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int(q, 1, position);
	tc_db_bind_int64(q, 2, message_id);
	tc_db_bind_int64(q, 3, due_at);
	tc_db_bind_text(q, 4, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 5, region, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_relay_ran_out(struct tc_store *s, const char *alert_id, const char *region, int64_t now)
{
	static const char sql[] = "UPDATE relay_chains SET state = 'ran-out', due_at = 0, ended_at = ?"
				  " WHERE alert_id = ? AND region = ? AND state = 'waiting'";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_text(q, 2, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, region, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_relay_confirmed(struct tc_store *s, int64_t message_id, int64_t now, bool *chain)
{
	static const char sql[] = "UPDATE relay_chains SET state = 'confirmed', due_at = 0, ended_at = ?1"
				  " WHERE state = 'waiting' AND (alert_id, region) IN"
				  " (SELECT alert_id, region FROM sms_messages WHERE id = ?2 AND purpose = 'relay')";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*chain = false;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, message_id);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	*chain = !rc && tc_db_changes(s->db) > 0;
	return rc;
}

enum tc_rc tc_store_relay_duty_due(struct tc_store *s, void (*fn)(const char *alert_id, void *user), void *user)
{
	static const char sql[] = "SELECT DISTINCT c.alert_id FROM relay_chains c WHERE c.state = 'ran-out' AND c.duty_told = 0"
				  " AND NOT EXISTS (SELECT 1 FROM relay_chains w WHERE w.alert_id = c.alert_id"
				  "  AND w.state = 'waiting') LIMIT 16";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	char ids[16][17];
	size_t n = 0;
	if (!q)
		return TC_ERR_IO;
	while (n < 16 && tc_db_step(q) == TC_DB_ROW)
		tc_store_text_col(q, 0, ids[n++], 17);
	tc_db_reset(q);
	for (size_t i = 0; i < n; i++)
		fn(ids[i], user);
	return TC_OK;
}

enum tc_rc tc_store_relay_duty_told(struct tc_store *s, const char *alert_id)
{
	static const char sql[] = "UPDATE relay_chains SET duty_told = 1 WHERE alert_id = ? AND state = 'ran-out'";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_relay_each(struct tc_store *s, const char *alert_id, tc_relay_chain_fn fn, void *user)
{
	static const char sql[] = "SELECT " CHAIN_COLUMNS " FROM relay_chains c WHERE c.alert_id = ? ORDER BY c.region";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	return each_chain(q, 0, fn, user);
}

enum tc_rc tc_store_relay_next(struct tc_store *s, const char *region, int position, struct tc_contact *out)
{
	static const char sql[] = "SELECT phone, name, role, region, language, relay FROM contacts"
				  " WHERE region = ? AND relay > ? ORDER BY relay, phone LIMIT 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, region, -1, TC_DB_STATIC);
	tc_db_bind_int(q, 2, position);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		memset(out, 0, sizeof(*out));
		tc_store_text_col(q, 0, out->phone, sizeof(out->phone));
		tc_store_text_col(q, 1, out->name, sizeof(out->name));
		tc_store_text_col(q, 2, out->role, sizeof(out->role));
		tc_store_text_col(q, 3, out->region, sizeof(out->region));
		tc_store_text_col(q, 4, out->language, sizeof(out->language));
		out->relay = tc_db_column_int(q, 5);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_relay_steps(struct tc_store *s, const char *alert_id,
				void (*fn)(const struct tc_relay_step *st, void *user), void *user)
{
	tc_db_stmt *q = NULL;
	/* not cached: fn may run other statements */
	if (tc_db_prepare(s->db, "SELECT region, phone, name, role, state, reply, batch, created_at, sent_at,"
			       " confirmed_at FROM sms_messages WHERE alert_id = ? AND purpose = 'relay' ORDER BY region, batch, id", &q) != TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_relay_step st = {
			(const char *)tc_db_column_text(q, 0), (const char *)tc_db_column_text(q, 1),
			(const char *)tc_db_column_text(q, 2), (const char *)tc_db_column_text(q, 3),
			(const char *)tc_db_column_text(q, 4), (const char *)tc_db_column_text(q, 5),
			tc_db_column_int(q, 6), tc_db_column_int64(q, 7), tc_db_column_int64(q, 8),
			tc_db_column_int64(q, 9),
		};
		fn(&st, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}
