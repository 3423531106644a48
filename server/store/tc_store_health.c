/*
 * tc_store_health.c — receiver health in the store (tc_store_health.h).
 * The tables and columns are schema 14's (tc_store.c).
 */
#include "tc_store_health.h"

#include <string.h>

#include "tc_store_int.h"

enum tc_rc tc_store_health_know(struct tc_store *s, int64_t now)
{
	static const char sql[] = "UPDATE receivers SET known_at = ? WHERE known_at = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	return tc_store_done(q, tc_db_step(q));
}

/*
 * A delivery is silent when it was escalated, or expired without any
 * acknowledgment of received or later; planned, sent (still waiting) and
 * cancelled ones are not decided yet, or never will be. CASE, not OR: SQLite
 * ran the acknowledgments' subquery for every delivery under OR (schema 16's
 * index makes each run one lookup).
 */
#define SILENT_SQL                                                                                                  \
	"SELECT target, alert_id, silent FROM (SELECT d.target, d.alert_id,"                                       \
	" CASE d.state WHEN 'escalated' THEN 1 WHEN 'expired' THEN CASE WHEN NOT EXISTS (SELECT 1 FROM acks k"      \
	"   WHERE k.alert_id = d.alert_id AND k.target = d.target"                                                 \
	"   AND k.kind IN ('received', 'playing', 'played', 'displayed', 'cleared', 'failed')) THEN 1 ELSE 0 END"   \
	"   ELSE 0 END AS silent,"                                                                                 \
	" row_number() OVER (PARTITION BY d.target ORDER BY a.received_at DESC, a.rowid DESC) AS k"               \
	" FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.channel = 'mqtt' AND a.status <> 'Test'"   \
	" AND d.state NOT IN ('planned', 'sent', 'cancelled')) AS r WHERE k <= ? ORDER BY target, k"

#define FACTS_SQL                                                                                                   \
	"SELECT r.id, r.kind, r.name, r.region, r.online, r.last_seen, r.known_at, r.clock_at, r.clock_offset_s,"  \
	" c.alert_id, c.at, c.audio, c.storage, c.clock_offset_ms, coalesce(h.since, 0) FROM receivers r"          \
	" LEFT JOIN self_checks c ON c.rowid = (SELECT x.rowid FROM self_checks x WHERE x.receiver_id = r.id"      \
	"  ORDER BY x.at DESC, x.rowid DESC LIMIT 1)"                                                              \
	" LEFT JOIN health_list h ON h.receiver_id = r.id ORDER BY r.id"

static void read_facts(tc_db_stmt *q, struct tc_health_facts *f)
{
	*f = (struct tc_health_facts){ 0 };
	tc_store_text_col(q, 0, f->id, sizeof(f->id));
	tc_store_text_col(q, 1, f->kind, sizeof(f->kind));
	tc_store_text_col(q, 2, f->name, sizeof(f->name));
	tc_store_text_col(q, 3, f->region, sizeof(f->region));
	f->online = tc_db_column_int(q, 4) != 0;
	f->last_seen = tc_db_column_int64(q, 5);
	f->known_at = tc_db_column_int64(q, 6);
	f->clock_at = tc_db_column_int64(q, 7);
	f->clock_offset_s = tc_db_column_int64(q, 8);
	f->checked = tc_db_column_type(q, 9) != TC_DB_NULL;
	if (f->checked) {
		tc_store_text_col(q, 9, f->check_alert, sizeof(f->check_alert));
		f->check_at = tc_db_column_int64(q, 10);
		tc_store_text_col(q, 11, f->audio, sizeof(f->audio));
		tc_store_text_col(q, 12, f->storage, sizeof(f->storage));
		f->check_offset_ms = tc_db_column_int64(q, 13);
	}
	f->listed_since = tc_db_column_int64(q, 14);
}

/* The silent cursor's rows of receiver id into f; *r is the cursor's last step (TC_DB_ROW while it has rows). */
static void take_recent(tc_db_stmt *sq, int *r, struct tc_health_facts *f)
{
	while (*r == TC_DB_ROW) {
		const char *target = (const char *)tc_db_column_text(sq, 0);
		int c = strcmp(target ? target : "", f->id);
		if (c > 0)
			return;
		if (c == 0 && f->recent < TC_HEALTH_SILENT_MAX) {
			tc_store_text_col(sq, 1, f->recent_alert[f->recent], sizeof(f->recent_alert[0]));
			f->recent_silent[f->recent++] = tc_db_column_int(sq, 2) != 0;
		}
		*r = tc_db_step(sq);
	}
}

enum tc_rc tc_store_health_each(struct tc_store *s, long silent_alerts,
				void (*fn)(const struct tc_health_facts *f, void *user), void *user)
{
	tc_db_stmt *q = NULL, *sq = NULL;
	struct tc_health_facts f;
	enum tc_rc rc = TC_ERR_IO;
	/* two cursors walked side by side: prepared here, not cached, so that both stay open */
	if (tc_db_prepare(s->db, FACTS_SQL, &q) != TC_DB_OK ||
	    tc_db_prepare(s->db, SILENT_SQL, &sq) != TC_DB_OK)
		goto out;
	tc_db_bind_int64(sq, 1, silent_alerts < 1 ? 1 : silent_alerts);
	int r = tc_db_step(q), sr = tc_db_step(sq);
	for (; r == TC_DB_ROW; r = tc_db_step(q)) {
		read_facts(q, &f);
		take_recent(sq, &sr, &f);
		fn(&f, user);
	}
	if (r == TC_DB_DONE && (sr == TC_DB_ROW || sr == TC_DB_DONE))
		rc = TC_OK;
out:
	tc_db_finalize(q);
	tc_db_finalize(sq);
	return rc;
}

/* Run a write with one text (1) and up to two integers (2, 3; n of them). */
static enum tc_rc write_one(struct tc_store *s, const char *sql, const char *text, int n, int64_t x, int64_t y)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, text, -1, TC_DB_STATIC);
	if (n > 0)
		tc_db_bind_int64(q, 2, x);
	if (n > 1)
		tc_db_bind_int64(q, 3, y);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_health_list(struct tc_store *s, const char *id, int64_t since)
{
	static const char sql[] = "INSERT OR IGNORE INTO health_list (receiver_id, since) VALUES (?, ?)";
	return write_one(s, sql, id, 1, since, 0);
}

enum tc_rc tc_store_health_unlist(struct tc_store *s, const char *id)
{
	static const char sql[] = "DELETE FROM health_list WHERE receiver_id = ?";
	return write_one(s, sql, id, 0, 0, 0);
}

enum tc_rc tc_store_receiver_clock(struct tc_store *s, const char *id, int64_t offset_s, int64_t at)
{
	static const char sql[] = "UPDATE receivers SET clock_offset_s = ?2, clock_at = ?3 WHERE id = ?1";
	return write_one(s, sql, id, 2, offset_s, at);
}

/* One row or none of a query with two texts (1, 2) and, when has_int, an integer (3). */
static enum tc_rc exists(struct tc_store *s, const char *sql, const char *a, const char *b, bool has_int, int64_t x,
			 bool *yes)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*yes = false;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, a, -1, TC_DB_STATIC);
	if (b)
		tc_db_bind_text(q, 2, b, -1, TC_DB_STATIC);
	if (has_int)
		tc_db_bind_int64(q, 3, x);
	int r = tc_db_step(q);
	*yes = r == TC_DB_ROW;
	tc_db_reset(q);
	return r == TC_DB_ROW || r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_health_told(struct tc_store *s, const char *phone, const char *subject, int64_t since, bool *told)
{
	static const char sql[] = "SELECT 1 FROM sms_messages WHERE purpose = 'maintenance' AND subject = ?2"
				  " AND phone = ?1 AND created_at >= ?3 LIMIT 1";
	return exists(s, sql, phone, subject, true, since, told);
}

enum tc_rc tc_store_health_day_done(struct tc_store *s, const char *day, bool *done)
{
	static const char sql[] = "SELECT 1 FROM health_days WHERE day = ?";
	return exists(s, sql, day, NULL, false, 0, done);
}

enum tc_rc tc_store_health_day_record(struct tc_store *s, const char *day, int64_t at, long messages)
{
	static const char sql[] = "INSERT OR IGNORE INTO health_days (day, at, messages) VALUES (?1, ?2, ?3)";
	return write_one(s, sql, day, 2, at, messages);
}
