/*
 * tc_store_int.h — what the store's own files share (not for other modules):
 * the connection and its cache of prepared statements.
 */
#ifndef TC_STORE_INT_H
#define TC_STORE_INT_H

#include "tc_db.h"
#include "tc_store.h"
#include "tc_vec.h"

enum tc_store_fixed_stmt {
	ST_FIND_ALERT,
	ST_INSERT_ALERT,
	ST_GET_ALERT,
	ST_SET_STATE,
	ST_LIST,
	ST_COUNT
};

#define TC_STORE_CACHE_SIZE 256

struct tc_store {
	struct tc_db *db;
	char *where; /* the file or URI it was opened with */
	tc_db_stmt *st[ST_COUNT];
	struct {
		const char *sql; /* a string constant: compared by address */
		tc_db_stmt *st;
	} cache[TC_STORE_CACHE_SIZE];
	int n_cache;
	int version;
	/* rows of deliveries, alerts and the SMS channel written since tc_store_changed_alerts last
	 * looked (tc_store_watch.c): recorded only while watching, on the owner's connection */
	struct tc_vec changed; /* struct tc_store_change */
	bool watching, changed_overflow;
	/* transactions open (tc_store_begin): the first is BEGIN IMMEDIATE, the ones inside it savepoints */
	int nest;
};

/* Create or bring forward the schema of a PostgreSQL store, and (re)define the SQL functions its
 * statements call: the store's own, and alert_functions (the alert life's, tc_store.c). */
enum tc_rc tc_store_pg_migrate(struct tc_store *s, const char *alert_functions, struct tc_diags *d);

/* Free what change watching holds (tc_store_close). */
void tc_store_watch_release(struct tc_store *s);

/*
 * The prepared statement for sql, which must be a string constant (it is
 * compared by address): prepared on first use, then reset and unbound.
 * NULL when it cannot be prepared.
 */
tc_db_stmt *tc_store_stmt(struct tc_store *s, const char *sql);

/*
 * Chain the audit rows written before schema 8 (tc_store_audit.c); tc_store_open() calls it once
 * the schema is current. Errors are named in d.
 */
enum tc_rc tc_store_audit_open(struct tc_store *s, int64_t now, struct tc_diags *d);

/* The SQL function new_secret() (tc_store_secrets.c), added at open: TC_DB_OK or an error code. */
int tc_store_secret_functions(struct tc_db *db);

/* Text column col of the current row into out ("" for NULL), cut to len. */
void tc_store_text_col(tc_db_stmt *q, int col, char *out, size_t len);
/* Reset q after its step returned r: TC_OK when r is TC_DB_DONE, else TC_ERR_IO. */
enum tc_rc tc_store_done(tc_db_stmt *q, int r);

#endif
