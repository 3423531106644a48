/*
 * tc_db.h — the one SQL interface the store speaks, over SQLite (embedded,
 * the default) or PostgreSQL (libpq). README, "Growing past one machine".
 *
 * It is SQLite's own calling shape (prepare, bind, step, column, reset),
 * so that the store reads the same on both engines; the SQLite engine is a
 * pass-through. The store's SQL is written once, in the common part of both
 * dialects (ON CONFLICT, CASE, coalesce, window functions); the PostgreSQL
 * engine only numbers the placeholders ("?" and "?N" become "$N"), reads a
 * negative LIMIT as none and "INSERT OR IGNORE" as ON CONFLICT DO NOTHING,
 * as SQLite does, and makes "BEGIN IMMEDIATE" take the store's write lock
 * (an advisory lock, TC_DB_PG_WRITE_LOCK), so that write transactions take
 * turns as they do on SQLite, whichever process runs them. What exists on
 * one engine only (PRAGMA, the R*Tree, SQL functions written in C, the
 * update hook) stays in the store's code for that engine.
 *
 * PostgreSQL specifics a caller sees:
 *   - integers are bound as bigint, reals as double precision, texts with
 *     no type (PostgreSQL infers it from where the parameter stands), blobs
 *     as bytea; results come as text and are converted on reading, booleans
 *     read as 1 and 0;
 *   - a statement runs at its first step; its whole result is then held
 *     until the statement is reset, so that statements may be read side by
 *     side on one connection, as on SQLite;
 *   - a failed statement inside a transaction fails the transaction, as
 *     PostgreSQL does: tc_db_step returns TC_DB_CONSTRAINT for a constraint
 *     violation so that the caller can roll back.
 */
#ifndef TC_DB_H
#define TC_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_db;
typedef struct tc_db_stmt tc_db_stmt;

/* The advisory lock every write transaction takes on PostgreSQL ("tcwr"). */
#define TC_DB_PG_WRITE_LOCK "1952675698"

/* Result codes: SQLite's numbers. */
enum {
	TC_DB_OK = 0,
	TC_DB_ERROR = 1,
	TC_DB_BUSY = 5,
	TC_DB_CONSTRAINT = 19,
	TC_DB_ROW = 100,
	TC_DB_DONE = 101,
};

/* Column types: SQLite's numbers. */
enum { TC_DB_INTEGER = 1, TC_DB_FLOAT = 2, TC_DB_TEXT = 3, TC_DB_BLOB = 4, TC_DB_NULL = 5 };

/* What a bound text or blob's memory is: kept by the caller until the statement is reset (STATIC), or copied. */
typedef void (*tc_db_destructor)(void *);
#define TC_DB_STATIC ((tc_db_destructor)0)
#define TC_DB_TRANSIENT ((tc_db_destructor)-1)

enum tc_db_engine { TC_DB_SQLITE, TC_DB_POSTGRESQL };

/* Whether target names a PostgreSQL database (postgresql:// or postgres:// URI) rather than a file. */
bool tc_db_is_postgresql(const char *target);

/*
 * Open target: a SQLite file (created when create is set; read only when
 * read_only) or a PostgreSQL URI. NULL on failure with the reason in
 * err (len bytes).
 */
struct tc_db *tc_db_open(const char *target, bool create, bool read_only, char *err, size_t len);
void tc_db_close(struct tc_db *db);
/* target as it may be shown: a PostgreSQL URI without its password. */
void tc_db_describe(const char *target, char *out, size_t len);
enum tc_db_engine tc_db_engine(const struct tc_db *db);
/* What was opened: the file's path or the URI (with any password left out). */
const char *tc_db_target(const struct tc_db *db);
/* The SQLite connection under db (NULL for PostgreSQL): for what only SQLite has. */
struct sqlite3 *tc_db_sqlite(struct tc_db *db);
/* The libpq connection under db (NULL for SQLite). */
struct pg_conn *tc_db_pg(struct tc_db *db);

/* The last error's text. */
const char *tc_db_errmsg(struct tc_db *db);
/* Run sql, one or more statements without parameters: TC_DB_OK or an error code. */
int tc_db_exec(struct tc_db *db, const char *sql);
/* Rows changed by the last INSERT, UPDATE or DELETE. */
int tc_db_changes(struct tc_db *db);
/* The key the last INSERT gave its row (SQLite's rowid; PostgreSQL's lastval()). */
int64_t tc_db_last_insert_rowid(struct tc_db *db);
/* Whether no transaction is open. */
bool tc_db_autocommit(struct tc_db *db);

/* Prepare sql (one statement): TC_DB_OK and *out, or an error code and *out NULL. */
int tc_db_prepare(struct tc_db *db, const char *sql, tc_db_stmt **out);
int tc_db_finalize(tc_db_stmt *q);
/* Ready q to run again (its bindings stay until tc_db_clear_bindings). */
int tc_db_reset(tc_db_stmt *q);
int tc_db_clear_bindings(tc_db_stmt *q);
int tc_db_bind_parameter_count(tc_db_stmt *q);

int tc_db_bind_int64(tc_db_stmt *q, int i, int64_t v);
int tc_db_bind_int(tc_db_stmt *q, int i, int v);
int tc_db_bind_double(tc_db_stmt *q, int i, double v);
int tc_db_bind_null(tc_db_stmt *q, int i);
/* n < 0: up to the NUL. NULL text binds NULL. */
int tc_db_bind_text(tc_db_stmt *q, int i, const char *v, int n, tc_db_destructor d);
int tc_db_bind_blob64(tc_db_stmt *q, int i, const void *v, uint64_t n, tc_db_destructor d);
int tc_db_bind_blob(tc_db_stmt *q, int i, const void *v, int n, tc_db_destructor d);

/* TC_DB_ROW, TC_DB_DONE or an error code. */
int tc_db_step(tc_db_stmt *q);

int tc_db_column_type(tc_db_stmt *q, int col);
int64_t tc_db_column_int64(tc_db_stmt *q, int col);
int tc_db_column_int(tc_db_stmt *q, int col);
double tc_db_column_double(tc_db_stmt *q, int col);
/* Valid until the next step, reset or finalize; NULL for NULL. */
const unsigned char *tc_db_column_text(tc_db_stmt *q, int col);
const void *tc_db_column_blob(tc_db_stmt *q, int col);
int tc_db_column_bytes(tc_db_stmt *q, int col);

/*
 * The PostgreSQL text of sql, as above. *n_params receives the highest placeholder number. Malloc'd;
 * NULL when out of memory. (Exposed for the tests.)
 */
char *tc_db_pg_sql(const char *sql, int *n_params);

#endif
