/*
 * tc_store_lease.c — the active tocsind's lease on a PostgreSQL store (tc_store_lease.h).
 */
#include "tc_store_lease.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "tc_store_int.h"

/* The lease's advisory lock: a number below 2^31, so that pg_locks shows it as objid ("tcls"). */
#define LEASE_KEY "1952672627"
/* What an announcement begins with, so that the holder's is told from other sessions' names. */
#define ANNOUNCED "tocsind "

static bool on_postgresql(struct tc_store *s)
{
	return tc_db_engine(s->db) == TC_DB_POSTGRESQL;
}

/* The first column of the one row sql (with one text parameter, or none) gives, into out. */
static enum tc_rc one_text(struct tc_store *s, const char *sql, const char *arg, char *out, size_t len)
{
	tc_db_stmt *q = NULL;
	enum tc_rc rc = TC_ERR_IO;
	out[0] = '\0';
	if (tc_db_prepare(s->db, sql, &q) != TC_DB_OK)
		return TC_ERR_IO;
	if (arg)
		tc_db_bind_text(q, 1, arg, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW)
		tc_store_text_col(q, 0, out, len);
	if (r == TC_DB_ROW || r == TC_DB_DONE)
		rc = TC_OK;
	tc_db_finalize(q);
	return rc;
}

enum tc_rc tc_store_lease_take(struct tc_store *s, bool *held)
{
	char got[8];
	*held = true;
	if (!on_postgresql(s))
		return TC_OK;
	/* a session lock taken twice is held twice: once is enough */
	enum tc_rc rc = one_text(s, "SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = "
			       LEASE_KEY " AND classid = 0 AND granted AND pid = pg_backend_pid()) > 0"
			       " OR pg_try_advisory_lock(" LEASE_KEY ")", NULL, got, sizeof(got));
	*held = !rc && (!strcmp(got, "t") || !strcmp(got, "1"));
	return rc;
}

enum tc_rc tc_store_lease_announce(struct tc_store *s, const char *url)
{
	char name[64], got[64];
	if (!on_postgresql(s))
		return TC_OK;
	snprintf(name, sizeof(name), ANNOUNCED "%s", url);
	return one_text(s, "SELECT set_config('application_name', ?, false)", name, got, sizeof(got));
}

enum tc_rc tc_store_lease_holder(struct tc_store *s, char *out, size_t len)
{
	char name[128];
	out[0] = '\0';
	if (!on_postgresql(s))
		return TC_OK;
	/* an advisory lock is the database's own: the server may hold other tocsin stores */
	enum tc_rc rc = one_text(s, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
				 " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = " LEASE_KEY
				 " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
				 " AND l.granted LIMIT 1", NULL, name, sizeof(name));
	if (!rc && !strncmp(name, ANNOUNCED, strlen(ANNOUNCED)))
		snprintf(out, len, "%s", name + strlen(ANNOUNCED));
	return rc;
}

bool tc_store_lease_kept(struct tc_store *s)
{
	bool held = false;
	if (!on_postgresql(s))
		return true;
	return PQstatus(tc_db_pg(s->db)) == CONNECTION_OK && tc_store_lease_take(s, &held) == TC_OK && held;
}
