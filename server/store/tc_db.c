/*
 * tc_db.c — the store's SQL calls (tc_db.h): SQLite here, handed straight
 * through; PostgreSQL in tc_db_pg.c.
 */
#include "tc_db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tc_db_is_postgresql(const char *target)
{
	return target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11));
}

struct tc_db *tc_db_open(const char *target, bool create, bool read_only, char *err, size_t len)
{
	if (tc_db_is_postgresql(target))
		return tc_db_pg_open(target, err, len);
	struct tc_db *db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	db->engine = TC_DB_SQLITE;
	snprintf(db->target, sizeof(db->target), "%s", target);
	int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)) |
		    SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(target, &db->lite, flags, NULL) != SQLITE_OK) {
		snprintf(err, len, "%s", db->lite ? sqlite3_errmsg(db->lite) : "out of memory");
		tc_db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->lite, 5000);
	return db;
}

void tc_db_close(struct tc_db *db)
{
	if (!db)
		return;
	if (db->engine == TC_DB_POSTGRESQL) {
		tc_db_pg_close(db);
		return;
	}
	sqlite3_close(db->lite);
	free(db);
}

enum tc_db_engine tc_db_engine(const struct tc_db *db)
{
	return db->engine;
}

const char *tc_db_target(const struct tc_db *db)
{
	return db->target;
}

struct sqlite3 *tc_db_sqlite(struct tc_db *db)
{
	return db->lite;
}

struct pg_conn *tc_db_pg(struct tc_db *db)
{
	return db->pg;
}

const char *tc_db_errmsg(struct tc_db *db)
{
	return db->lite ? sqlite3_errmsg(db->lite) : db->err;
}

int tc_db_exec(struct tc_db *db, const char *sql)
{
	return db->lite ? sqlite3_exec(db->lite, sql, NULL, NULL, NULL) : tc_db_pg_exec(db, sql);
}

int tc_db_changes(struct tc_db *db)
{
	return db->lite ? sqlite3_changes(db->lite) : db->changes;
}

int64_t tc_db_last_insert_rowid(struct tc_db *db)
{
	return db->lite ? sqlite3_last_insert_rowid(db->lite) : tc_db_pg_last_id(db);
}

bool tc_db_autocommit(struct tc_db *db)
{
	return db->lite ? sqlite3_get_autocommit(db->lite) != 0 : tc_db_pg_idle(db);
}

int tc_db_prepare(struct tc_db *db, const char *sql, tc_db_stmt **out)
{
	*out = NULL;
	if (db->engine == TC_DB_POSTGRESQL)
		return tc_db_pg_prepare(db, sql, out);
	tc_db_stmt *q = calloc(1, sizeof(*q));
	if (!q)
		return SQLITE_NOMEM;
	q->db = db;
	int r = sqlite3_prepare_v3(db->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &q->lite, NULL);
	if (r != SQLITE_OK || !q->lite) {
		sqlite3_finalize(q->lite);
		free(q);
		return r != SQLITE_OK ? r : SQLITE_ERROR;
	}
	*out = q;
	return SQLITE_OK;
}

int tc_db_finalize(tc_db_stmt *q)
{
	if (!q)
		return TC_DB_OK;
	if (q->lite)
		sqlite3_finalize(q->lite);
	else
		tc_db_pg_finish(q);
	free(q);
	return TC_DB_OK;
}

int tc_db_reset(tc_db_stmt *q)
{
	if (q->lite)
		return sqlite3_reset(q->lite);
	tc_db_pg_reset(q);
	return TC_DB_OK;
}

int tc_db_clear_bindings(tc_db_stmt *q)
{
	if (q->lite)
		return sqlite3_clear_bindings(q->lite);
	tc_db_pg_unbind(q);
	return TC_DB_OK;
}

int tc_db_bind_parameter_count(tc_db_stmt *q)
{
	return q->lite ? sqlite3_bind_parameter_count(q->lite) : q->n_params;
}

/* PostgreSQL's type numbers (pg_type.oid) for what is bound. */
#define OID_INT8 20u
#define OID_FLOAT8 701u
#define OID_BYTEA 17u
#define OID_TEXT 25u

int tc_db_bind_int64(tc_db_stmt *q, int i, int64_t v)
{
	if (q->lite)
		return sqlite3_bind_int64(q->lite, i, v);
	return tc_db_pg_bind(q, i, &v, 0, OID_INT8, false);
}

int tc_db_bind_int(tc_db_stmt *q, int i, int v)
{
	return tc_db_bind_int64(q, i, v);
}

int tc_db_bind_double(tc_db_stmt *q, int i, double v)
{
	if (q->lite)
		return sqlite3_bind_double(q->lite, i, v);
	return tc_db_pg_bind(q, i, &v, 0, OID_FLOAT8, false);
}

int tc_db_bind_null(tc_db_stmt *q, int i)
{
	if (q->lite)
		return sqlite3_bind_null(q->lite, i);
	return tc_db_pg_bind(q, i, NULL, 0, 0, false);
}

int tc_db_bind_text(tc_db_stmt *q, int i, const char *v, int n, tc_db_destructor d)
{
	if (q->lite)
		return sqlite3_bind_text(q->lite, i, v, n, d);
	return tc_db_pg_bind(q, i, v, v && n < 0 ? (int64_t)strlen(v) : n, OID_TEXT, false);
}

int tc_db_bind_blob64(tc_db_stmt *q, int i, const void *v, uint64_t n, tc_db_destructor d)
{
	if (q->lite)
		return sqlite3_bind_blob64(q->lite, i, v, n, d);
	return tc_db_pg_bind(q, i, v ? v : "", (int64_t)n, OID_BYTEA, true);
}

int tc_db_bind_blob(tc_db_stmt *q, int i, const void *v, int n, tc_db_destructor d)
{
	return tc_db_bind_blob64(q, i, v, n < 0 ? 0 : (uint64_t)n, d);
}

int tc_db_step(tc_db_stmt *q)
{
	return q->lite ? sqlite3_step(q->lite) : tc_db_pg_step(q);
}

int tc_db_column_type(tc_db_stmt *q, int col)
{
	return q->lite ? sqlite3_column_type(q->lite, col) : tc_db_pg_type(q, col);
}

int64_t tc_db_column_int64(tc_db_stmt *q, int col)
{
	if (q->lite)
		return sqlite3_column_int64(q->lite, col);
	const char *v = tc_db_pg_value(q, col);
	if (!v)
		return 0;
	if (!strcmp(v, "t") || !strcmp(v, "f"))
		return v[0] == 't';
	return strchr(v, '.') || strchr(v, 'e') ? (int64_t)strtod(v, NULL) : strtoll(v, NULL, 10);
}

int tc_db_column_int(tc_db_stmt *q, int col)
{
	return (int)tc_db_column_int64(q, col);
}

double tc_db_column_double(tc_db_stmt *q, int col)
{
	if (q->lite)
		return sqlite3_column_double(q->lite, col);
	const char *v = tc_db_pg_value(q, col);
	return v ? strtod(v, NULL) : 0;
}

const unsigned char *tc_db_column_text(tc_db_stmt *q, int col)
{
	if (q->lite)
		return sqlite3_column_text(q->lite, col);
	if (tc_db_pg_type(q, col) == TC_DB_BLOB) /* bytea read as text: its bytes, as SQLite gives them */
		return tc_db_pg_blob(q, col, NULL);
	return (const unsigned char *)tc_db_pg_value(q, col);
}

const void *tc_db_column_blob(tc_db_stmt *q, int col)
{
	if (q->lite)
		return sqlite3_column_blob(q->lite, col);
	return tc_db_pg_type(q, col) == TC_DB_BLOB ? tc_db_pg_blob(q, col, NULL) : tc_db_pg_value(q, col);
}

int tc_db_column_bytes(tc_db_stmt *q, int col)
{
	if (q->lite)
		return sqlite3_column_bytes(q->lite, col);
	if (tc_db_pg_type(q, col) == TC_DB_BLOB) {
		int len = 0;
		tc_db_pg_blob(q, col, &len);
		return len;
	}
	const char *v = tc_db_pg_value(q, col);
	return v ? (int)strlen(v) : 0;
}
