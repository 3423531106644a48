/*
 * tc_db_pg.c — the store's SQL calls on PostgreSQL, through libpq (tc_db.h).
 *
 * A statement runs at its first step with PQexecParams: parameters as text
 * (numbers written out) or binary (bytea), results as text; one that runs
 * again is prepared for the session first. libpq hands the
 * whole result over at once, so several statements may be read side by side
 * on one connection, as on SQLite; the price is that a result is held in
 * memory until the statement is reset.
 */
#include "tc_db_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* PostgreSQL's type numbers (pg_type.oid) of what comes back. */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_TEXT = 25, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

char *tc_db_pg_sql(const char *sql, int *n_params)
{
	size_t n = strlen(sql);
	char *out = malloc(n * 12 + 96), *o = out; /* "LIMIT ?" becomes the longest: 40 for 7 */
	int highest = 0;
	char quote = 0;
	if (!out)
		return NULL;
	const char *p = sql;
	while (isspace((unsigned char)*p))
		p++;
	bool ignore = false;
	if (!strncmp(p, "BEGIN IMMEDIATE", 15)) {
		o += sprintf(o, "BEGIN; SELECT pg_advisory_xact_lock(" TC_DB_PG_WRITE_LOCK ")");
		p += 15;
	} else if (!strncmp(p, "INSERT OR IGNORE ", 17)) {
		o += sprintf(o, "INSERT ");
		p += 17;
		ignore = true;
	}
	for (; *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
			*o++ = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
		} else if (*p == '?') {
			int k = 0;
			if (isdigit((unsigned char)p[1])) {
				while (isdigit((unsigned char)p[1]) && k < 10000)
					k = k * 10 + (*++p - '0');
			} else {
				k = highest + 1;
			}
			highest = k > highest ? k : highest;
			if (o - out >= 6 && !strncmp(o - 6, "LIMIT ", 6)) /* SQLite: a negative limit is none */
				o += sprintf(o, "CASE WHEN $%d < 0 THEN NULL ELSE $%d END", k, k);
			else
				o += sprintf(o, "$%d", k);
		} else {
			*o++ = *p;
		}
	}
	if (ignore)
		o += sprintf(o, " ON CONFLICT DO NOTHING");
	*o = 0;
	*n_params = highest;
	return out;
}

/* Notices (a table that already exists, ...) are not errors: not printed. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void tc_db_describe(const char *uri, char *out, size_t len)
{
	const char *scheme = strstr(uri, "://"), *at = strchr(uri, '@');
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (scheme && at && colon && colon < at)
		snprintf(out, len, "%.*s:***%s", (int)(colon - uri), uri, at);
	else
		snprintf(out, len, "%s", uri);
}

struct tc_db *tc_db_pg_open(const char *uri, char *err, size_t len)
{
	struct tc_db *db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	db->engine = TC_DB_POSTGRESQL;
	tc_db_describe(uri, db->target, sizeof(db->target));
	db->pg = PQconnectdb(uri);
	if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
		const char *why = db->pg ? PQerrorMessage(db->pg) : "out of memory";
		snprintf(err, len, "%.*s", (int)strcspn(why, "\n"), why);
		tc_db_pg_close(db);
		return NULL;
	}
	PQsetNoticeProcessor(db->pg, quiet, NULL);
	/* as SQLite's busy timeout: a lock held by another writer is waited for 5 s, then the write fails */
	if (tc_db_pg_exec(db, "SET lock_timeout = '5s'")) {
		snprintf(err, len, "%s", db->err);
		tc_db_pg_close(db);
		return NULL;
	}
	return db;
}

void tc_db_pg_close(struct tc_db *db)
{
	PQfinish(db->pg);
	free(db);
}

/* The code and message of a failed result (NULL: the connection's). */
static int failed(struct tc_db *db, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *why = res ? PQresultErrorMessage(res) : PQerrorMessage(db->pg);
	snprintf(db->err, sizeof(db->err), "%.*s", (int)strcspn(why ? why : "", "\n"), why ? why : "");
	if (state && !strncmp(state, "23", 2))
		return TC_DB_CONSTRAINT;
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
		return TC_DB_BUSY;
	return TC_DB_ERROR;
}

int tc_db_pg_exec(struct tc_db *db, const char *sql)
{
	int n = 0;
	char *text = tc_db_pg_sql(sql, &n);
	if (!text)
		return TC_DB_ERROR;
	PGresult *res = PQexec(db->pg, text);
	ExecStatusType st = PQresultStatus(res);
	int r = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? TC_DB_OK : failed(db, res);
	if (!r)
		db->changes = atoi(PQcmdTuples(res));
	PQclear(res);
	/* a transaction that began here and could not take its lock is not left open, failed */
	if (r && !strncmp(text, "BEGIN", 5) && PQtransactionStatus(db->pg) == PQTRANS_INERROR)
		PQclear(PQexec(db->pg, "ROLLBACK"));
	free(text);
	return r;
}

int64_t tc_db_pg_last_id(struct tc_db *db)
{
	PGresult *res = PQexec(db->pg, "SELECT lastval()");
	int64_t id = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return id;
}

bool tc_db_pg_idle(struct tc_db *db)
{
	return PQtransactionStatus(db->pg) == PQTRANS_IDLE;
}

int tc_db_pg_prepare(struct tc_db *db, const char *sql, tc_db_stmt **out)
{
	tc_db_stmt *q = calloc(1, sizeof(*q));
	if (!q)
		return TC_DB_ERROR;
	q->db = db;
	q->blob_col = -1;
	q->sql = tc_db_pg_sql(sql, &q->n_params);
	q->params = q->sql ? calloc((size_t)q->n_params + 1, sizeof(*q->params)) : NULL;
	if (!q->params) {
		free(q->sql);
		free(q);
		return TC_DB_ERROR;
	}
	tc_db_pg_unbind(q);
	*out = q;
	return TC_DB_OK;
}

static void forget_blob(tc_db_stmt *q)
{
	free(q->blob);
	q->blob = NULL;
	q->blob_len = 0;
	q->blob_col = -1;
}

void tc_db_pg_reset(tc_db_stmt *q)
{
	PQclear(q->res);
	q->res = NULL;
	q->ran = false;
	q->row = q->rows = 0;
	forget_blob(q);
}

/* Unbound, a parameter is NULL, as on SQLite; typed text, so that "?1 IS NULL" can be planned. */
static void unbind_one(struct tc_db_param *p)
{
	if (p->value != p->small)
		free(p->value);
	*p = (struct tc_db_param){ .oid = OID_TEXT };
}

void tc_db_pg_unbind(tc_db_stmt *q)
{
	for (int i = 0; i < q->n_params; i++)
		unbind_one(&q->params[i]);
}

void tc_db_pg_finish(tc_db_stmt *q)
{
	tc_db_pg_reset(q);
	if (q->name[0] && PQstatus(q->db->pg) == CONNECTION_OK) {
		char sql[40];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", q->name);
		PQclear(PQexec(q->db->pg, sql));
	}
	tc_db_pg_unbind(q);
	free(q->params);
	free(q->sql);
}

int tc_db_pg_bind(tc_db_stmt *q, int i, const void *v, int64_t n, unsigned oid, bool binary)
{
	if (i < 1 || i > q->n_params)
		return 25; /* SQLite's SQLITE_RANGE */
	struct tc_db_param *p = &q->params[i - 1];
	unbind_one(p);
	p->oid = oid;
	p->binary = binary;
	if (!v)
		return TC_DB_OK;
	if (oid == OID_INT8 && !binary) {
		p->len = snprintf(p->small, sizeof(p->small), "%" PRId64, *(const int64_t *)v);
		p->value = p->small;
		return TC_DB_OK;
	}
	if (oid == OID_FLOAT8) {
		p->len = snprintf(p->small, sizeof(p->small), "%.17g", *(const double *)v);
		p->value = p->small;
		return TC_DB_OK;
	}
	p->value = malloc((size_t)n + 1);
	if (!p->value)
		return TC_DB_ERROR;
	memcpy(p->value, v, (size_t)n);
	p->value[n] = 0;
	p->len = (int)n;
	return TC_DB_OK;
}

int tc_db_pg_step(tc_db_stmt *q)
{
	if (!q->ran) {
		int n = q->n_params;
		const char **values = calloc((size_t)n + 1, sizeof(*values));
		int *lens = calloc((size_t)n + 1, sizeof(*lens)), *formats = calloc((size_t)n + 1, sizeof(*formats));
		Oid *types = calloc((size_t)n + 1, sizeof(*types));
		if (!values || !lens || !formats || !types) {
			free(values), free(lens), free(formats), free(types);
			return TC_DB_ERROR;
		}
		for (int i = 0; i < n; i++) {
			values[i] = q->params[i].value;
			lens[i] = q->params[i].len;
			formats[i] = q->params[i].binary;
			types[i] = q->params[i].oid;
		}
		/*
		 * Run again, it is prepared first (parsed and planned once for the session), with the
		 * parameter types it just ran with; run once, it is not (preparing costs a round trip).
		 */
		if (++q->runs == 2 && !q->name[0]) {
			char name[24];
			snprintf(name, sizeof(name), "tc%lu", ++q->db->prepared);
			PGresult *p = PQprepare(q->db->pg, name, q->sql, n, types);
			if (PQresultStatus(p) == PGRES_COMMAND_OK)
				memcpy(q->name, name, sizeof(name));
			PQclear(p);
		}
		if (q->name[0])
			q->res = PQexecPrepared(q->db->pg, q->name, n, values, lens, formats, 0);
		else
			q->res = PQexecParams(q->db->pg, q->sql, n, types, values, lens, formats, 0);
		free(values), free(lens), free(formats), free(types);
		q->ran = true;
		q->row = -1;
		ExecStatusType st = PQresultStatus(q->res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			int r = failed(q->db, q->res);
			PQclear(q->res);
			q->res = NULL;
			return r;
		}
		q->rows = st == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
		q->db->changes = atoi(PQcmdTuples(q->res));
	}
	forget_blob(q);
	if (!q->res || q->row + 1 >= q->rows) {
		q->row = q->rows;
		return TC_DB_DONE;
	}
	q->row++;
	return TC_DB_ROW;
}

static bool on_row(const tc_db_stmt *q, int col)
{
	return q->res && q->row >= 0 && q->row < q->rows && col >= 0 && col < PQnfields(q->res);
}

int tc_db_pg_type(tc_db_stmt *q, int col)
{
	if (!on_row(q, col) || PQgetisnull(q->res, q->row, col))
		return TC_DB_NULL;
	switch (PQftype(q->res, col)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return TC_DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return TC_DB_FLOAT;
	case OID_BYTEA:
		return TC_DB_BLOB;
	default:
		return TC_DB_TEXT;
	}
}

const char *tc_db_pg_value(tc_db_stmt *q, int col)
{
	if (!on_row(q, col) || PQgetisnull(q->res, q->row, col))
		return NULL;
	return PQgetvalue(q->res, q->row, col);
}

const void *tc_db_pg_blob(tc_db_stmt *q, int col, int *len)
{
	if (q->blob_col != col) {
		forget_blob(q);
		const char *v = tc_db_pg_value(q, col);
		size_t n = 0;
		unsigned char *raw = v ? PQunescapeBytea((const unsigned char *)v, &n) : NULL;
		q->blob = raw ? malloc(n + 1) : NULL;
		if (q->blob) { /* NUL-terminated: a bytea read as text */
			memcpy(q->blob, raw, n);
			q->blob[n] = 0;
			q->blob_len = n;
			q->blob_col = col;
		}
		PQfreemem(raw);
	}
	if (len)
		*len = (int)q->blob_len;
	return q->blob;
}
