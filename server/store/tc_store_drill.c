/*
 * tc_store_drill.c — drill runs and the answers their reports read
 * (tc_store_drill.h). The runs are schema 12's, the schedules schema 15's (tc_store.c).
 */
#include "tc_store_drill.h"

#include <stdio.h>
#include <string.h>

#include "tc_store_int.h"

enum tc_rc tc_store_drill_last(struct tc_store *s, const char *schedule, int64_t *slot)
{
	static const char sql[] = "SELECT COALESCE(MAX(slot), 0) FROM drill_runs WHERE schedule = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*slot = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, schedule, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW)
		*slot = tc_db_column_int64(q, 0);
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_drill_record(struct tc_store *s, const char *schedule, int64_t slot, const char *alert_id,
				 int64_t at)
{
	static const char sql[] = "INSERT INTO drill_runs (schedule, slot, alert_id, released_at) VALUES (?, ?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, schedule, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, slot);
	tc_db_bind_text(q, 3, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 4, at);
	int r = tc_db_step(q);
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : r == TC_DB_CONSTRAINT ? TC_ERR_INVALID : TC_ERR_IO;
}

enum tc_rc tc_store_drill_counties(struct tc_store *s, struct tc_vec *codes)
{
	static const char sql[] = "SELECT DISTINCT substr(region, 1, 6) FROM receivers ORDER BY 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	enum tc_rc rc = q ? TC_OK : TC_ERR_IO;
	int r = TC_DB_DONE;
	while (!rc && (r = tc_db_step(q)) == TC_DB_ROW) {
		char *slot = tc_vec_push(codes);
		if (!slot)
			rc = TC_ERR_NOMEM;
		else
			tc_store_text_col(q, 0, slot, codes->size);
	}
	if (q)
		tc_db_reset(q);
	return rc ? rc : r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_drill_runs(struct tc_store *s, const char *schedule, int64_t id, size_t limit,
			       void (*fn)(const struct tc_drill_run *r, void *user), void *user)
{
	static const char sql[] = "SELECT id, schedule, slot, COALESCE(alert_id, ''), released_at FROM drill_runs"
				  " WHERE (?1 IS NULL OR schedule = ?1) AND (?2 = 0 OR id = ?2)"
				  " ORDER BY slot DESC, id DESC LIMIT ?3";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	size_t n = 0;
	int r;
	if (!q)
		return TC_ERR_IO;
	if (schedule)
		tc_db_bind_text(q, 1, schedule, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, id);
	tc_db_bind_int64(q, 3, (int64_t)limit);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_drill_run run = { .id = tc_db_column_int64(q, 0),
					    .schedule = (const char *)tc_db_column_text(q, 1),
					    .slot = tc_db_column_int64(q, 2),
					    .alert_id = (const char *)tc_db_column_text(q, 3),
					    .released_at = tc_db_column_int64(q, 4) };
		fn(&run, user);
		n++;
	}
	tc_db_reset(q);
	if (r != TC_DB_DONE)
		return TC_ERR_IO;
	return id && !n ? TC_ERR_NOTFOUND : TC_OK;
}

enum tc_rc tc_store_drill_answers(struct tc_store *s, const char *alert_id,
				  void (*fn)(const struct tc_drill_answer *a, void *user), void *user)
{
	static const char sql[] =
		"SELECT d.target, COALESCE(r.region, ''), d.state, COALESCE(d.reason, ''),"
		" (SELECT COALESCE(MIN(k.at), 0) FROM acks k WHERE k.alert_id = d.alert_id AND k.target = d.target"
		"   AND k.kind IN ('played', 'displayed', 'checked'))"
		" FROM deliveries d LEFT JOIN receivers r ON r.id = d.target"
		" WHERE d.alert_id = ? AND d.channel = 'mqtt' ORDER BY 2, 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_drill_answer a = { .receiver = (const char *)tc_db_column_text(q, 0),
					     .region = (const char *)tc_db_column_text(q, 1),
					     .state = (const char *)tc_db_column_text(q, 2),
					     .reason = (const char *)tc_db_column_text(q, 3),
					     .answered_at = tc_db_column_int64(q, 4) };
		fn(&a, user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_drill_schedule_add(struct tc_store *s, const char *spec, const char *by, int64_t at,
				       int64_t runs_after, int64_t *id)
{
	static const char sql[] =
		"INSERT INTO drill_schedules (spec, created_by, created_at, runs_after) VALUES (?, ?, ?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*id = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, spec, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, by, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 3, at);
	tc_db_bind_int64(q, 4, runs_after);
	int r = tc_db_step(q);
	tc_db_reset(q);
	if (r == TC_DB_DONE)
		*id = tc_db_last_insert_rowid(s->db);
	return r == TC_DB_DONE ? TC_OK : r == TC_DB_CONSTRAINT ? TC_ERR_INVALID : TC_ERR_IO;
}

struct text_buf {
	char *s;
	size_t len;
};

static void spec_into(const struct tc_drill_schedule *sc, void *user)
{
	struct text_buf *out = user;
	snprintf(out->s, out->len, "%s", sc->spec);
}

enum tc_rc tc_store_drill_schedule_remove(struct tc_store *s, int64_t id, char *spec, size_t len)
{
	static const char sql[] = "DELETE FROM drill_schedules WHERE id = ?";
	struct text_buf into = { spec, len };
	enum tc_rc rc = tc_store_drill_schedules(s, id, spec_into, &into);
	tc_db_stmt *q = rc ? NULL : tc_store_stmt(s, sql);
	if (rc || !q)
		return rc ? rc : TC_ERR_IO;
	tc_db_bind_int64(q, 1, id);
	int r = tc_db_step(q);
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_drill_schedules(struct tc_store *s, int64_t id,
				    void (*fn)(const struct tc_drill_schedule *sc, void *user), void *user)
{
	static const char sql[] = "SELECT id, spec, created_by, created_at, runs_after FROM drill_schedules"
				  " WHERE ?1 = 0 OR id = ?1 ORDER BY id";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	size_t n = 0;
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, id);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_drill_schedule sc = { .id = tc_db_column_int64(q, 0),
						.spec = (const char *)tc_db_column_text(q, 1),
						.created_by = (const char *)tc_db_column_text(q, 2),
						.created_at = tc_db_column_int64(q, 3),
						.runs_after = tc_db_column_int64(q, 4) };
		fn(&sc, user);
		n++;
	}
	tc_db_reset(q);
	if (r != TC_DB_DONE)
		return TC_ERR_IO;
	return id && !n ? TC_ERR_NOTFOUND : TC_OK;
}
