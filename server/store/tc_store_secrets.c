/*
 * tc_store_secrets.c — receivers' secrets and their broker accounts (tc_store_secrets.h).
 */
#include "tc_store_secrets.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <sqlite3.h>

#include "tc_store_int.h"

static enum tc_rc new_secret(char out[TC_SECRET_CHARS + 1])
{
	unsigned char raw[TC_SECRET_CHARS / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return TC_ERR_IO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	memset(raw, 0, sizeof(raw));
	return TC_OK;
}

/* new_secret(): a fresh secret from the kernel's generator, for the statement below. */
static void sql_new_secret(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	char secret[TC_SECRET_CHARS + 1];
	(void)argc;
	(void)argv;
	if (new_secret(secret)) {
		sqlite3_result_error(c, "new_secret: no random bytes", -1);
		return;
	}
	sqlite3_result_text(c, secret, -1, TC_DB_TRANSIENT);
	memset(secret, 0, sizeof(secret));
}

int tc_store_secret_functions(struct tc_db *db)
{
	return sqlite3_create_function_v2(tc_db_sqlite(db), "new_secret", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, sql_new_secret, NULL,
					  NULL, NULL);
}

/* A removed receiver's row is replaced whole: a new secret, not yet synced nor removed, no ACL yet. */
#define REPLACE_SECRET                                                                                         \
	" ON CONFLICT (receiver_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,"  \
	" synced = 0, removed = 0, acl_region = ''"

/*
 * One statement in one transaction for every receiver without a secret: a
 * round per few rows, each looking the registry over again and committing
 * (fsync), took 47 s for 100,000 new receivers, all of it on the loop that
 * takes acknowledgments.
 */
enum tc_rc tc_secrets_ensure(struct tc_store *s, int64_t now, size_t *added)
{
	static const char put[] = "INSERT INTO receiver_secrets (receiver_id, secret, created_at)"
				  " SELECT r.id, new_secret(), ? FROM receivers r"
				  " LEFT JOIN receiver_secrets x ON x.receiver_id = r.id"
				  " WHERE x.receiver_id IS NULL OR x.removed = 1" REPLACE_SECRET;
	tc_db_stmt *q = tc_store_stmt(s, put);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q)); /* one statement: its own transaction */
	if (!rc && added)
		*added = (size_t)tc_db_changes(s->db);
	return rc;
}

enum tc_rc tc_secrets_ensure_one(struct tc_store *s, const char *id, int64_t now)
{
	/* as tc_secrets_ensure: a new secret when there is none or the old one was removed */
	static const char put[] = "INSERT INTO receiver_secrets (receiver_id, secret, created_at)"
				  " SELECT ?1, new_secret(), ?2 WHERE NOT EXISTS"
				  " (SELECT 1 FROM receiver_secrets WHERE receiver_id = ?1 AND removed = 0)" REPLACE_SECRET;
	tc_db_stmt *q = tc_store_stmt(s, put);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 2, now);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_secrets_get(struct tc_store *s, const char *id, char *secret, char *region)
{
	static const char sql[] = "SELECT x.secret, r.region FROM receivers r JOIN receiver_secrets x"
				  " ON x.receiver_id = r.id WHERE r.id = ? AND x.removed = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_TRANSIENT);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		tc_store_text_col(q, 0, secret, TC_SECRET_CHARS + 1);
		tc_store_text_col(q, 1, region, 16);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

/* Each row of sql (id, region, secret, moved; bound to at most max rows) to cb. */
static enum tc_rc rows(struct tc_store *s, const char *sql, const char *after, size_t max,
		       void (*cb)(const char *id, const char *region, const char *secret, const char *was, void *user),
		       void *user)
{
	char id[64], region[16], was[16], secret[TC_SECRET_CHARS + 1];
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, (int64_t)max);
	if (after)
		tc_db_bind_text(q, 2, after, -1, TC_DB_STATIC);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		tc_store_text_col(q, 0, id, sizeof(id));
		tc_store_text_col(q, 1, region, sizeof(region));
		tc_store_text_col(q, 2, secret, sizeof(secret));
		tc_store_text_col(q, 3, was, sizeof(was));
		cb(id, region, secret, was, user);
	}
	memset(secret, 0, sizeof(secret));
	return tc_store_done(q, r);
}

struct each {
	void (*cb)(const char *id, const char *region, const char *secret, void *user);
	void *user;
};

static void each_row(const char *id, const char *region, const char *secret, const char *was, void *user)
{
	(void)was;
	struct each *e = user;
	e->cb(id, region, secret, e->user);
}

enum tc_rc tc_secrets_each(struct tc_store *s, void (*cb)(const char *id, const char *region, const char *secret,
							   void *user),
			   void *user)
{
	static const char sql[] = "SELECT r.id, r.region, x.secret, '' FROM receivers r JOIN receiver_secrets x"
				  " ON x.receiver_id = r.id WHERE x.removed = 0 ORDER BY r.id LIMIT ?";
	struct each e = { cb, user };
	return rows(s, sql, NULL, (size_t)INT64_MAX, each_row, &e);
}

enum tc_rc tc_secrets_unsynced(struct tc_store *s, const char *after, size_t max,
			       void (*cb)(const char *id, const char *region, const char *secret, const char *was,
					  void *user),
			       void *user)
{
	static const char sql[] = "SELECT r.id, r.region, x.secret, x.acl_region FROM receivers r"
				  " JOIN receiver_secrets x ON x.receiver_id = r.id"
				  " WHERE x.removed = 0 AND (x.synced = 0 OR x.acl_region != r.region) AND r.id > ?2"
				  " ORDER BY r.id LIMIT ?1";
	return rows(s, sql, after, max, cb, user);
}

static enum tc_rc exec_id(struct tc_store *s, const char *sql, const char *id)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	if (id)
		tc_db_bind_text(q, 1, id, -1, TC_DB_TRANSIENT);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_secrets_synced(struct tc_store *s, const char *id, const char *region)
{
	static const char sql[] = "UPDATE receiver_secrets SET synced = 1, acl_region = ? WHERE receiver_id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, region, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, id, -1, TC_DB_TRANSIENT);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_secrets_resync(struct tc_store *s, const char *prefix, long *n)
{
	static const char sql[] = "UPDATE receiver_secrets SET synced = 0 WHERE synced = 1 AND receiver_id IN"
				  " (SELECT id FROM receivers WHERE substr(region, 1, length(?1)) = ?1)";
	enum tc_rc rc = exec_id(s, sql, prefix);
	if (n)
		*n = rc ? 0 : tc_db_changes(s->db);
	return rc;
}

enum tc_rc tc_secrets_removed(struct tc_store *s, size_t max, void (*cb)(const char *id, const char *region, void *user),
			      void *user)
{
	static const char sql[] = "SELECT receiver_id, acl_region FROM receiver_secrets WHERE removed = 1 LIMIT ?";
	char id[64], region[16];
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, (int64_t)max);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		tc_store_text_col(q, 0, id, sizeof(id));
		tc_store_text_col(q, 1, region, sizeof(region));
		cb(id, region, user);
	}
	return tc_store_done(q, r);
}

enum tc_rc tc_secrets_forget(struct tc_store *s, const char *id)
{
	static const char sql[] = "DELETE FROM receiver_secrets WHERE receiver_id = ? AND removed = 1";
	return exec_id(s, sql, id);
}

enum tc_rc tc_store_remove_receiver(struct tc_store *s, const char *id)
{
	static const char where[] = "DELETE FROM receivers_where WHERE rowid = (SELECT rowid FROM receivers WHERE id = ?)";
	static const char awaited[] = "DELETE FROM awaited_shelters WHERE receiver_id = ?";
	static const char rx[] = "DELETE FROM receivers WHERE id = ?";
	static const char mark[] = "UPDATE receiver_secrets SET removed = 1, synced = 0 WHERE receiver_id = ?";
	if (tc_store_begin(s))
		return TC_ERR_IO;
	if (exec_id(s, where, id) || exec_id(s, awaited, id) || exec_id(s, rx, id)) {
		tc_store_rollback(s);
		return TC_ERR_IO;
	}
	if (tc_db_changes(s->db) == 0) {
		tc_store_rollback(s);
		return TC_ERR_NOTFOUND;
	}
	if (exec_id(s, mark, id)) {
		tc_store_rollback(s);
		return TC_ERR_IO;
	}
	return tc_store_commit(s);
}
