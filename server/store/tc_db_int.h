/*
 * tc_db_int.h — what tc_db.c (the calls, and SQLite) and tc_db_pg.c
 * (PostgreSQL) share: the connection and statement records.
 */
#ifndef TC_DB_INT_H
#define TC_DB_INT_H

#include <sqlite3.h>

#include "tc_db.h"

struct pg_result;

struct tc_db {
	enum tc_db_engine engine;
	sqlite3 *lite;
	struct pg_conn *pg;
	char target[512];
	char err[512];
	int changes;           /* PostgreSQL: rows the last command changed */
	unsigned long prepared; /* PostgreSQL: statements prepared on this connection (their names) */
};

/* A bound parameter (PostgreSQL): its text, or its bytes for a blob. */
struct tc_db_param {
	char *value;           /* NULL for NULL */
	int len;
	unsigned oid;          /* 0: inferred by PostgreSQL */
	bool binary;
	char small[24];        /* numbers are written here */
};

struct tc_db_stmt {
	struct tc_db *db;
	sqlite3_stmt *lite;
	/* PostgreSQL */
	char *sql;
	int n_params;
	struct tc_db_param *params;
	struct pg_result *res;
	int row, rows;
	bool ran;
	int runs;              /* times it ran: from the second on it is a prepared statement of the session */
	char name[24];         /* its name there, once prepared ("" before) */
	unsigned char *blob;   /* the current row's decoded bytea, for column_blob */
	size_t blob_len;
	int blob_col;
};

struct tc_db *tc_db_pg_open(const char *uri, char *err, size_t len);
void tc_db_pg_close(struct tc_db *db);
int tc_db_pg_exec(struct tc_db *db, const char *sql);
int64_t tc_db_pg_last_id(struct tc_db *db);
bool tc_db_pg_idle(struct tc_db *db);
int tc_db_pg_prepare(struct tc_db *db, const char *sql, tc_db_stmt **out);
void tc_db_pg_finish(tc_db_stmt *q);
void tc_db_pg_reset(tc_db_stmt *q);
void tc_db_pg_unbind(tc_db_stmt *q);
int tc_db_pg_bind(tc_db_stmt *q, int i, const void *v, int64_t n, unsigned oid, bool binary);
int tc_db_pg_step(tc_db_stmt *q);
int tc_db_pg_type(tc_db_stmt *q, int col);
const char *tc_db_pg_value(tc_db_stmt *q, int col);
const void *tc_db_pg_blob(tc_db_stmt *q, int col, int *len);

#endif
