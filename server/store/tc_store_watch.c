/*
 * tc_store_watch.c — which alerts changed (tc_store.h, "Change watching").
 *
 * Deliveries, SMS messages, escalations and alerts are written from many
 * places: acknowledgments, timers, dispatch, the SMS engine, cancels, expiry
 * in bulk. Rather than ask each of them to say so, the owner's connection
 * carries SQLite's update hook while someone watches: it notes the table and
 * rowid of every row inserted or updated (an append, nothing else: a hook may
 * not use the connection). tc_store_changed_alerts then reads each noted row's
 * alert once, after the writes, on the owner thread.
 *
 * Invariants:
 *   1. The hook is set only while s->watching; turning watching off removes
 *      it and forgets what was noted.
 *   2. At most TC_STORE_CHANGES_MAX rows are kept; past that the list is
 *      dropped and changed_overflow set, and the next look reports every
 *      alert as changed (fn(NULL)).
 *   3. Deleted rows are not noted: their alert cannot be read any more, and
 *      no delivery, message or alert is deleted while its alert lives.
 *
 * On PostgreSQL there is no update hook: the schema's triggers (tc_store_pg.c)
 * notify the channel tocsin_changes with the alert of every row written, once
 * per alert and statement, when the transaction commits; the watching
 * connection listens to it, and a look reads the notifications waiting.
 * Every process on the database hears every writer's changes, a standby's
 * console included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "tc_store_int.h"

#define TC_STORE_CHANGES_MAX (1u << 20)

enum watched_table { W_DELIVERIES, W_ALERTS, W_SMS, W_ESCALATIONS, W_N };

struct tc_store_change {
	int64_t rowid;
	int table; /* enum watched_table */
};

/* How each watched table's row names its alert. */
static const struct {
	const char *table;
	const char *sql;
} watched[W_N] = {
	[W_DELIVERIES] = { "deliveries", "SELECT alert_id FROM deliveries WHERE rowid = ?" },
	[W_ALERTS] = { "alerts", "SELECT id FROM alerts WHERE rowid = ?" },
	[W_SMS] = { "sms_messages", "SELECT alert_id FROM sms_messages WHERE id = ?" },
	[W_ESCALATIONS] = { "escalations", "SELECT alert_id FROM escalations WHERE id = ?" },
};

static void on_update(void *arg, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct tc_store *s = arg;
	(void)db;
	if (op == SQLITE_DELETE || s->changed_overflow)
		return;
	for (int t = 0; t < W_N; t++) {
		if (strcmp(table, watched[t].table) != 0)
			continue;
		struct tc_store_change *c = s->changed.n < TC_STORE_CHANGES_MAX ? tc_vec_push(&s->changed) : NULL;
		if (!c) { /* too many, or no memory: every alert counts as changed */
			s->changed_overflow = true;
			tc_vec_free(&s->changed);
			tc_vec_init(&s->changed, sizeof(struct tc_store_change));
			return;
		}
		c->rowid = rowid;
		c->table = t;
		return;
	}
}

enum tc_rc tc_store_watch(struct tc_store *s, bool on)
{
	if (on == s->watching)
		return TC_OK;
	tc_vec_free(&s->changed);
	tc_vec_init(&s->changed, sizeof(struct tc_store_change));
	s->changed_overflow = false;
	if (tc_db_engine(s->db) == TC_DB_POSTGRESQL) {
		if (tc_db_exec(s->db, on ? "LISTEN tocsin_changes" : "UNLISTEN tocsin_changes"))
			return TC_ERR_IO;
		PGconn *pg = tc_db_pg(s->db); /* what was heard before is forgotten */
		PGnotify *n;
		PQconsumeInput(pg);
		while ((n = PQnotifies(pg)))
			PQfreemem(n);
	} else {
		sqlite3_update_hook(tc_db_sqlite(s->db), on ? on_update : NULL, on ? s : NULL);
	}
	s->watching = on;
	return TC_OK;
}

void tc_store_watch_release(struct tc_store *s)
{
	if (s->watching && tc_db_engine(s->db) == TC_DB_SQLITE)
		sqlite3_update_hook(tc_db_sqlite(s->db), NULL, NULL);
	s->watching = false;
	tc_vec_free(&s->changed);
}

static int by_row(const void *a, const void *b)
{
	const struct tc_store_change *x = a, *y = b;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

/* The notifications waiting on a PostgreSQL connection, each alert once in a row. */
static enum tc_rc pg_changed(struct tc_store *s, void (*fn)(const char *alert_id, void *user), void *user)
{
	PGconn *pg = tc_db_pg(s->db);
	PGnotify *n;
	char last[17] = "";
	if (!PQconsumeInput(pg)) {
		fn(NULL, user); /* what could not be read counts as changed */
		return TC_ERR_IO;
	}
	while ((n = PQnotifies(pg))) {
		if (n->extra && n->extra[0] && strcmp(n->extra, last) != 0) {
			snprintf(last, sizeof(last), "%s", n->extra);
			fn(last, user);
		}
		PQfreemem(n);
	}
	return TC_OK;
}

enum tc_rc tc_store_changed_alerts(struct tc_store *s, void (*fn)(const char *alert_id, void *user), void *user)
{
	enum tc_rc rc = TC_OK;
	if (!s->watching)
		return TC_OK;
	if (tc_db_engine(s->db) == TC_DB_POSTGRESQL)
		return pg_changed(s, fn, user);
	if (s->changed_overflow) {
		s->changed_overflow = false;
		fn(NULL, user);
		return TC_OK;
	}
	/* taken first: the reads below write nothing, but fn may */
	struct tc_vec rows = s->changed;
	struct tc_store_change *c = rows.v;
	tc_vec_init(&s->changed, sizeof(struct tc_store_change));
	if (rows.n > 1)
		qsort(c, rows.n, sizeof(*c), by_row);
	char last[17] = "";
	for (size_t i = 0; i < rows.n && !rc; i++) {
		if (i && c[i].table == c[i - 1].table && c[i].rowid == c[i - 1].rowid)
			continue;
		tc_db_stmt *q = tc_store_stmt(s, watched[c[i].table].sql);
		if (!q) {
			rc = TC_ERR_IO;
			break;
		}
		tc_db_bind_int64(q, 1, c[i].rowid);
		char id[17] = "";
		int r = tc_db_step(q);
		if (r == TC_DB_ROW)
			tc_store_text_col(q, 0, id, sizeof(id));
		else if (r != TC_DB_DONE)
			rc = TC_ERR_IO;
		tc_db_reset(q);
		if (id[0] && strcmp(id, last) != 0) { /* rows of one alert often come together */
			memcpy(last, id, sizeof(last));
			fn(id, user);
		}
	}
	tc_vec_free(&rows);
	if (rc)
		fn(NULL, user); /* what could not be read counts as changed */
	return rc;
}
