/*
 * tc_store.c — the SQLite store (tc_store.h).
 *
 * Schema changes are appended to the migrations table below, never edited:
 * migration N takes a database from user_version N-1 to N, inside one
 * transaction. Statements used on every alert are prepared once at open.
 */
#include "tc_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tc_store_int.h"

static const char *const migrations[] = {
	/* 1: alerts, registry, deliveries, acknowledgments, audit */
	"CREATE TABLE alerts ("
	"  id TEXT PRIMARY KEY, sender TEXT NOT NULL, identifier TEXT NOT NULL, sent TEXT NOT NULL,"
	"  msg_type TEXT NOT NULL, status TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	"  received_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,"
	"  xml BLOB NOT NULL, UNIQUE (sender, identifier, sent));"
	"CREATE INDEX alerts_by_time ON alerts (received_at);"
	"CREATE TABLE shelters ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
	"  capacity INTEGER NOT NULL DEFAULT 0, area_m2 REAL NOT NULL DEFAULT 0, manager TEXT, phone TEXT);"
	"CREATE TABLE receivers ("
	"  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('loudspeaker', 'signage')), name TEXT NOT NULL,"
	"  lat REAL NOT NULL, lon REAL NOT NULL, region TEXT NOT NULL, shelter_id TEXT REFERENCES shelters (id),"
	"  accepts_drills INTEGER NOT NULL DEFAULT 1, credentials TEXT, last_seen INTEGER NOT NULL DEFAULT 0,"
	"  online INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX receivers_by_region ON receivers (region);"
	"CREATE VIRTUAL TABLE receivers_where USING rtree (rowid, min_lat, max_lat, min_lon, max_lon);"
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,"
	"  region TEXT NOT NULL, language TEXT NOT NULL DEFAULT 'zh-CN');"
	"CREATE INDEX contacts_by_region ON contacts (region);"
	"CREATE TABLE deliveries ("
	"  alert_id TEXT NOT NULL REFERENCES alerts (id), target TEXT NOT NULL, channel TEXT NOT NULL,"
	"  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL, PRIMARY KEY (alert_id, target, channel));"
	"CREATE INDEX deliveries_due ON deliveries (state, due_at);"
	"CREATE TABLE acks ("
	"  id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,"
	"  detail TEXT, at INTEGER NOT NULL);"
	"CREATE INDEX acks_by_alert ON acks (alert_id);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	"  alert_id TEXT, detail TEXT);",
	/* 2: dispatch and tracking: the sealed payload and audio of an alert, the retained topics it
	 * was published on, the last reason of a delivery, escalations for the SMS channel */
	"ALTER TABLE alerts ADD COLUMN payload BLOB;"
	"ALTER TABLE alerts ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX alerts_by_state ON alerts (state);"
	"ALTER TABLE deliveries ADD COLUMN reason TEXT;"
	"CREATE INDEX deliveries_by_target ON deliveries (target, state);"
	"CREATE INDEX deliveries_by_alert_state ON deliveries (alert_id, state);"
	"CREATE TABLE audio ("
	"  id TEXT PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alerts (id), lang TEXT NOT NULL,"
	"  format TEXT NOT NULL, sha256 TEXT NOT NULL, duration_ms INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE INDEX audio_by_alert ON audio (alert_id);"
	"CREATE TABLE published ("
	"  alert_id TEXT NOT NULL REFERENCES alerts (id), topic TEXT NOT NULL, PRIMARY KEY (alert_id, topic));"
	"CREATE TABLE escalations ("
	"  id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, target TEXT NOT NULL, region TEXT NOT NULL,"
	"  at INTEGER NOT NULL, reason TEXT NOT NULL, handled INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (alert_id, target));",
	/* 3: SMS: one row per (alert, phone, purpose) with its text, the parts handed to the SMSC
	 * with their message ids, and the alerts whose policy batch was built */
	"CREATE TABLE sms_messages ("
	"  id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alerts (id), phone TEXT NOT NULL,"
	"  purpose TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '', language TEXT NOT NULL DEFAULT '', batch INTEGER NOT NULL DEFAULT 0,"
	"  code TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, parts INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'queued',"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, due_at INTEGER NOT NULL DEFAULT 0,"
	"  confirmed_at INTEGER NOT NULL DEFAULT 0, reply TEXT, UNIQUE (alert_id, phone, purpose));"
	"CREATE INDEX sms_messages_by_state ON sms_messages (state, due_at);"
	"CREATE INDEX sms_messages_by_phone ON sms_messages (phone, created_at);"
	"CREATE TABLE sms_parts ("
	"  message_id INTEGER NOT NULL REFERENCES sms_messages (id), seq INTEGER NOT NULL, smsc_id TEXT,"
	"  state TEXT NOT NULL DEFAULT 'queued', PRIMARY KEY (message_id, seq));"
	"CREATE INDEX sms_parts_by_smsc ON sms_parts (smsc_id);"
	"CREATE INDEX sms_parts_by_state ON sms_parts (state);"
	"CREATE TABLE sms_alerts (alert_id TEXT PRIMARY KEY REFERENCES alerts (id), at INTEGER NOT NULL,"
	"  recipients INTEGER NOT NULL);",
	/* 4: a receiver's deliveries are found by target alone (a receiver has few), so that an
	 * acknowledgment, which changes a delivery's state, rewrites one index entry fewer */
	"DROP INDEX deliveries_by_target;"
	"CREATE INDEX deliveries_of_target ON deliveries (target);",
	/* 5: a receiver may name a shelter not registered yet, so that the registry's files can be
	 * imported in any order: the name waits here, and the receiver is linked (receivers.shelter_id,
	 * a true reference) when the shelter is imported */
	"CREATE TABLE awaited_shelters ("
	"  receiver_id TEXT PRIMARY KEY REFERENCES receivers (id), shelter_id TEXT NOT NULL);"
	"CREATE INDEX awaited_shelters_by_shelter ON awaited_shelters (shelter_id);",
	/* 6: each receiver's secret, its password on the broker (tc_store_secrets.h), and the region
	 * its broker role was last given; a removed receiver's row stays, marked, until its broker
	 * account is deleted too */
	"CREATE TABLE receiver_secrets ("
	"  receiver_id TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  synced INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0, acl_region TEXT NOT NULL DEFAULT '');",
	/* 7: a reply confirms only an SMS the SMSC accepted (sent_at, 0: never), within the reply
	 * window; its code is random (it was a hash of alert and phone anyone could work out), a
	 * reply finds its message by phone and code, and wrong codes from a phone are counted on
	 * its messages (wrong_replies) so that guessing stops after a few */
	"ALTER TABLE sms_messages ADD COLUMN sent_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sms_messages ADD COLUMN wrong_replies INTEGER NOT NULL DEFAULT 0;"
	"UPDATE sms_messages SET sent_at = updated_at WHERE state NOT IN ('queued', 'rejected');"
	"CREATE INDEX sms_messages_by_code ON sms_messages (phone, code);",
	/* 8: staff. Users with one role, a scope of region codes and the senders (departments) they
	 * may issue as; API tokens and browser sessions kept only as SHA-256 hashes; an alert waiting
	 * for a second person (approvals); and the audit log as a chain: each row names its user,
	 * role and source address, the SHA-256 of the request body, and the hash of the row before
	 * it, so that a changed or deleted row shows (tc_store_audit.h) */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY, role TEXT NOT NULL, regions TEXT NOT NULL DEFAULT '',"
	"  departments TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', password TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
	"  failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE tokens ("
	"  id TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (name), hash TEXT NOT NULL UNIQUE,"
	"  label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	"  revoked_at INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX tokens_by_user ON tokens (username);"
	"CREATE TABLE sessions ("
	"  hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (name), csrf TEXT NOT NULL,"
	"  source TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
	"CREATE TABLE approvals ("
	"  alert_id TEXT PRIMARY KEY REFERENCES alerts (id), author TEXT NOT NULL, submitted_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending', decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '', urgent INTEGER NOT NULL DEFAULT 0, regions TEXT NOT NULL DEFAULT '',"
	"  targets INTEGER NOT NULL DEFAULT 0, warnings TEXT NOT NULL DEFAULT '[]', text TEXT NOT NULL DEFAULT '',"
	"  notified_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX approvals_by_state ON approvals (state, submitted_at);"
	"ALTER TABLE audit ADD COLUMN username TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN source TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN object TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';",
	/* 9: a large registry import is written in steps, so that acknowledgments are not held up
	 * behind it: its checked rows are staged first (import_rows), and once all are staged the
	 * import is accepted ('merging') and merged a step at a time; a restart finishes an accepted
	 * import and forgets one still staging (tc_registry.h) */
	"CREATE TABLE imports ("
	"  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, rows INTEGER NOT NULL, started_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('staging', 'merging', 'done', 'abandoned')));"
	"CREATE TABLE import_rows ("
	"  import_id INTEGER NOT NULL REFERENCES imports (id), seq INTEGER NOT NULL, vals BLOB NOT NULL,"
	"  PRIMARY KEY (import_id, seq)) WITHOUT ROWID;",
	/* 10: the relay with confirmation (叫应): a contact's place in its region's chain (contacts.relay,
	 * 0: not in one); per alert and town or village, the chain's progress: the position of the
	 * person told last, that person's SMS, when the next is due (a restart goes on from here),
	 * and whether it ended confirmed or ran out; duty_told once the duty room heard of it */
	"ALTER TABLE contacts ADD COLUMN relay INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX contacts_by_relay ON contacts (region, relay) WHERE relay > 0;"
	"CREATE TABLE relay_chains ("
	"  alert_id TEXT NOT NULL REFERENCES alerts (id), region TEXT NOT NULL, position INTEGER NOT NULL,"
	"  message_id INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'waiting'"
	"  CHECK (state IN ('waiting', 'confirmed', 'ran-out')), started_at INTEGER NOT NULL,"
	"  due_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0,"
	"  duty_told INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (alert_id, region));"
	"CREATE INDEX relay_chains_due ON relay_chains (state, due_at);"
	"CREATE TABLE relay_alerts (alert_id TEXT PRIMARY KEY REFERENCES alerts (id), at INTEGER NOT NULL,"
	"  chains INTEGER NOT NULL);",
	/* 11: the way to shelter: a shelter's English name, its occupancy and state as its manager
	 * reports them (SMS or API; an import of the shelters keeps them), and the population of a
	 * loudspeaker's village for the planning report (tc_shelter_near.h) */
	"ALTER TABLE shelters ADD COLUMN name_en TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE shelters ADD COLUMN occupancy INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE shelters ADD COLUMN occupancy_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE shelters ADD COLUMN state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'full', 'closed'));"
	"CREATE INDEX shelters_by_phone ON shelters (phone);"
	"ALTER TABLE receivers ADD COLUMN population INTEGER NOT NULL DEFAULT 0;",
	/* 12: drills and tests: each receiver's self-check answering a Test alert, and each run of a
	 * drill schedule (its slot, so that a slot is never run twice, also across restarts) */
	"CREATE TABLE self_checks ("
	"  alert_id TEXT NOT NULL, receiver_id TEXT NOT NULL, at INTEGER NOT NULL, audio TEXT NOT NULL,"
	"  storage TEXT NOT NULL, clock_offset_ms INTEGER NOT NULL, rtt_ms INTEGER NOT NULL,"
	"  version TEXT NOT NULL DEFAULT '', kids TEXT NOT NULL DEFAULT '', PRIMARY KEY (alert_id, receiver_id));"
	"CREATE INDEX self_checks_by_receiver ON self_checks (receiver_id, at);"
	"CREATE TABLE drill_runs ("
	"  id INTEGER PRIMARY KEY, schedule TEXT NOT NULL, slot INTEGER NOT NULL, alert_id TEXT,"
	"  released_at INTEGER NOT NULL, UNIQUE (schedule, slot));",
	/* 13: the way to shelter at the end of a programme: each distinct guidance sentence's audio,
	 * rendered once and kept for every alert that speaks it (tc_guidance.h) */
	"CREATE TABLE guidance_audio ("
	"  id TEXT PRIMARY KEY, lang TEXT NOT NULL, text TEXT NOT NULL, format TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL, duration_ms INTEGER NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);",
	/* 14: receiver health (tc_health.h): when the store first knew each receiver, the clock offset of
	 * its latest online status, and since when each receiver has been on the maintenance list; the
	 * days whose maintenance SMS went out. An SMS to a maintenance contact may belong to no alert
	 * (the daily list): sms_messages is rebuilt without its reference to alerts, with a subject
	 * (the receiver, or the day) that keeps one message per (alert, phone, purpose, subject) */
	"ALTER TABLE receivers ADD COLUMN known_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE receivers ADD COLUMN clock_offset_s INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE receivers ADD COLUMN clock_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE health_list (receiver_id TEXT PRIMARY KEY, since INTEGER NOT NULL);"
	"CREATE TABLE health_days (day TEXT PRIMARY KEY, at INTEGER NOT NULL, messages INTEGER NOT NULL);"
	"CREATE TABLE sms_messages_new ("
	"  id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, phone TEXT NOT NULL,"
	"  purpose TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '', language TEXT NOT NULL DEFAULT '', batch INTEGER NOT NULL DEFAULT 0,"
	"  code TEXT NOT NULL DEFAULT '', text TEXT NOT NULL, parts INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'queued',"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, due_at INTEGER NOT NULL DEFAULT 0,"
	"  confirmed_at INTEGER NOT NULL DEFAULT 0, reply TEXT, sent_at INTEGER NOT NULL DEFAULT 0,"
	"  wrong_replies INTEGER NOT NULL DEFAULT 0, subject TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (alert_id, phone, purpose, subject));"
	"INSERT INTO sms_messages_new (id, alert_id, phone, purpose, name, role, region, language, batch, code, text,"
	"  parts, state, created_at, updated_at, due_at, confirmed_at, reply, sent_at, wrong_replies)"
	"  SELECT id, alert_id, phone, purpose, name, role, region, language, batch, code, text, parts, state,"
	"  created_at, updated_at, due_at, confirmed_at, reply, sent_at, wrong_replies FROM sms_messages;"
	"DROP TABLE sms_messages;"
	"ALTER TABLE sms_messages_new RENAME TO sms_messages;"
	"CREATE INDEX sms_messages_by_state ON sms_messages (state, due_at);"
	"CREATE INDEX sms_messages_by_phone ON sms_messages (phone, created_at);"
	"CREATE INDEX sms_messages_by_code ON sms_messages (phone, code);"
	"CREATE INDEX sms_messages_by_subject ON sms_messages (purpose, subject, phone, created_at);",
	/* 15: drill schedules added through the API, beside the configuration's (tc_store_drill.h);
	 * an id is never given again, so that the audit's names one schedule; runs_after: only
	 * slots after it run (the schedule clock when it was added) */
	"CREATE TABLE drill_schedules ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL UNIQUE, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  runs_after INTEGER NOT NULL);",
	/* 16: acknowledgments found by alert and receiver: the health pass asks, for each expired
	 * delivery, whether its receiver acknowledged anything, and by alert alone that read every
	 * acknowledgment of the alert each time (100,000 receivers: hours; bench/README.md) */
	"CREATE INDEX acks_by_alert_target ON acks (alert_id, target);"
	"DROP INDEX acks_by_alert;",
};


static const char *const stmt_sql[ST_COUNT] = {
	[ST_FIND_ALERT] = "SELECT id FROM alerts WHERE sender = ? AND identifier = ? AND sent = ?",
	[ST_INSERT_ALERT] = "INSERT INTO alerts (id, sender, identifier, sent, msg_type, status, state, received_at,"
			    " updated_at, expires_at, xml) VALUES (?, ?, ?, ?, ?, ?, alert_state('accepted'), ?, ?, ?, ?)",
	[ST_GET_ALERT] = "SELECT id, sender, identifier, sent, msg_type, status, state, received_at, expires_at, xml"
			 " FROM alerts WHERE id = ?",
	[ST_SET_STATE] = "UPDATE alerts SET state = ?, updated_at = ? WHERE id = ?",
	[ST_LIST] = "SELECT id, sender, identifier, sent, msg_type, status, state, received_at, expires_at, xml"
		    " FROM alerts ORDER BY received_at DESC, rowid DESC LIMIT ?",
};

/* The prepared statement for sql (a string constant), prepared on first use, reset and unbound. */
tc_db_stmt *tc_store_stmt(struct tc_store *s, const char *sql)
{
	for (int i = 0; i < s->n_cache; i++) {
		if (s->cache[i].sql == sql) {
			tc_db_reset(s->cache[i].st);
			tc_db_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	}
	tc_db_stmt *q = NULL;
	if (s->n_cache == TC_STORE_CACHE_SIZE ||
	    tc_db_prepare(s->db, sql, &q) != TC_DB_OK)
		return NULL;
	s->cache[s->n_cache].sql = sql;
	s->cache[s->n_cache++].st = q;
	return q;
}

#define cached tc_store_stmt

static enum tc_rc fail(struct tc_store *s, struct tc_diags *d, const char *what)
{
	tc_err(d, "store.sqlite", "", "%s: %s", what, s && s->db ? tc_db_errmsg(s->db) : "cannot open");
	return TC_ERR_IO;
}

static int exec(struct tc_store *s, const char *sql)
{
	return tc_db_exec(s->db, sql);
}

static enum tc_rc migrate(struct tc_store *s, struct tc_diags *d)
{
	tc_db_stmt *q = NULL;
	int have = 0;
	const int want = (int)(sizeof(migrations) / sizeof(migrations[0]));
	if (tc_db_prepare(s->db, "PRAGMA user_version", &q) == TC_DB_OK && tc_db_step(q) == TC_DB_ROW)
		have = tc_db_column_int(q, 0);
	tc_db_finalize(q);
	if (have > want) {
		tc_err(d, "store.version", "",
		       "the database has schema version %d, newer than this tocsin understands (%d); use a newer tocsin",
		       have, want);
		return TC_ERR_INVALID;
	}
	for (int v = have; v < want; v++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE") || exec(s, migrations[v]) || exec(s, pragma) || exec(s, "COMMIT")) {
			enum tc_rc rc = fail(s, d, "migrating the database");
			exec(s, "ROLLBACK");
			return rc;
		}
	}
	s->version = want;
	return TC_OK;
}

/* alert_state('done'): the number the store keeps for a state named in SQL text. */
static void sql_alert_state(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	enum tc_alert_state st;
	(void)argc;
	if (tc_alert_state_parse((const char *)sqlite3_value_text(argv[0]), &st) != TC_OK) {
		sqlite3_result_error(c, "alert_state: no such alert state", -1);
		return;
	}
	sqlite3_result_int(c, (int)st);
}

/* alert_moved_by(state, 'expire'): 1 when the event moves an alert out of the state (tc_alert_moves), else 0. */
static void sql_alert_moved_by(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	enum tc_alert_event ev;
	int st = sqlite3_value_int(argv[0]);
	(void)argc;
	if (tc_alert_event_parse((const char *)sqlite3_value_text(argv[1]), &ev) != TC_OK) {
		sqlite3_result_error(c, "alert_moved_by: no such alert event", -1);
		return;
	}
	sqlite3_result_int(c, st >= 0 && st < TC_ALERT_N_STATES && tc_alert_moves((enum tc_alert_state)st, ev));
}

/*
 * The same functions on PostgreSQL, written out from the same tables as SQL
 * functions (malloc'd text; NULL when out of memory). States and events are
 * only ever appended, so a newer tocsind replacing them changes nothing an
 * older one relies on.
 */
static char *pg_alert_functions(void)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&sql, &len);
	if (!f)
		return NULL;
	fprintf(f, "CREATE OR REPLACE FUNCTION alert_state(text) RETURNS bigint LANGUAGE sql IMMUTABLE"
		   " AS $$ SELECT CASE $1");
	for (int st = 0; st < TC_ALERT_N_STATES; st++)
		fprintf(f, " WHEN '%s' THEN %d", tc_alert_state_name((enum tc_alert_state)st), st);
	fprintf(f, " END $$; CREATE OR REPLACE FUNCTION alert_moved_by(bigint, text) RETURNS bigint LANGUAGE sql"
		   " IMMUTABLE AS $$ SELECT CASE");
	for (int ev = 0; ev < TC_AEV_N; ev++) {
		fprintf(f, " WHEN $2 = '%s' THEN CASE WHEN $1 IN (-1", tc_alert_event_name((enum tc_alert_event)ev));
		for (int st = 0; st < TC_ALERT_N_STATES; st++)
			if (tc_alert_moves((enum tc_alert_state)st, (enum tc_alert_event)ev))
				fprintf(f, ", %d", st);
		fprintf(f, ") THEN 1 ELSE 0 END");
	}
	fprintf(f, " END $$;");
	bool ok = !ferror(f);
	fclose(f);
	if (!ok) {
		free(sql);
		return NULL;
	}
	return sql;
}

/* The SQL functions that let statements name alert states and events (tc_alert_life.h). */
static int alert_functions(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int r = sqlite3_create_function_v2(db, "alert_state", 1, flags, NULL, sql_alert_state, NULL, NULL, NULL);
	if (r == TC_DB_OK)
		r = sqlite3_create_function_v2(db, "alert_moved_by", 2, flags, NULL, sql_alert_moved_by, NULL, NULL, NULL);
	return r;
}

/*
 * The database holds phone numbers and SMS reply codes: its files are the
 * owner's alone. A new database file is made 0600 before SQLite opens it
 * (SQLite gives the -wal, -shm and -journal files the main file's mode); an
 * existing file readable or writable by others is narrowed to 0600, with a
 * warning in d.
 */
static enum tc_rc private_files(const char *path, struct tc_diags *d)
{
	static const char *const tails[] = { "", "-wal", "-shm", "-journal" };
	char p[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		struct stat st;
		snprintf(p, sizeof(p), "%s%s", path, tails[i]);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 077))
			continue;
		if (chmod(p, 0600) != 0) {
			tc_err(d, "store.mode", p, "%s is mode %03o, open to other users, and cannot be made 0600: %s", p,
			       (unsigned)(st.st_mode & 0777), strerror(errno));
			return TC_ERR_IO;
		}
		tc_warn(d, "store.mode", p, "%s was mode %03o, open to other users; made 0600 (it holds phone numbers)", p,
			(unsigned)(st.st_mode & 0777));
	}
	return TC_OK;
}

/* The PostgreSQL database's functions and schema (tc_store_pg.c). */
static enum tc_rc pg_setup(struct tc_store *s, struct tc_diags *d)
{
	char *functions = pg_alert_functions();
	if (!functions)
		return TC_ERR_NOMEM;
	enum tc_rc rc = tc_store_pg_migrate(s, functions, d);
	free(functions);
	return rc;
}

/* The SQLite connection's functions and settings, then its migrations. */
static enum tc_rc sqlite_setup(struct tc_store *s, struct tc_diags *d)
{
	if (alert_functions(tc_db_sqlite(s->db)) || tc_store_secret_functions(s->db))
		return fail(s, d, "adding the alert state functions");
	if (exec(s, "PRAGMA journal_mode = WAL") || exec(s, "PRAGMA synchronous = FULL") ||
	    exec(s, "PRAGMA cache_size = -65536"))
		return fail(s, d, "setting up the database");
	/* foreign keys are enforced once migrated: a migration may rebuild a table others refer to */
	enum tc_rc rc = migrate(s, d);
	if (!rc && exec(s, "PRAGMA foreign_keys = ON"))
		rc = fail(s, d, "setting up the database");
	return rc;
}

enum tc_rc tc_store_open(const char *path, struct tc_store **out, struct tc_diags *d)
{
	struct tc_store *s = calloc(1, sizeof(*s));
	enum tc_rc rc = TC_OK;
	*out = NULL;
	if (!s)
		return TC_ERR_NOMEM;
	bool pg = tc_db_is_postgresql(path);
	char why[512];
	s->where = strdup(path);
	if (!s->where) {
		rc = TC_ERR_NOMEM;
		goto out;
	}
	rc = pg ? TC_OK : private_files(path, d);
	if (rc)
		goto out;
	s->db = tc_db_open(path, true, false, why, sizeof(why));
	if (!s->db) {
		char shown[512];
		tc_db_describe(path, shown, sizeof(shown));
		tc_err(d, "store.open", shown, "cannot open the database %s: %s", shown, why);
		rc = TC_ERR_IO;
		goto out;
	}
	rc = pg ? pg_setup(s, d) : sqlite_setup(s, d);
	if (!rc)
		rc = tc_store_audit_open(s, (int64_t)time(NULL), d);
	for (int i = 0; !rc && i < ST_COUNT; i++)
		if (tc_db_prepare(s->db, stmt_sql[i], &s->st[i]) != TC_DB_OK)
			rc = fail(s, d, "preparing statements");
out:
	if (rc) {
		tc_store_close(s);
		return rc;
	}
	*out = s;
	return TC_OK;
}

enum tc_rc tc_store_open_reader(struct tc_store *s, struct tc_store **out)
{
	struct tc_store *r = calloc(1, sizeof(*r));
	char why[512];
	*out = NULL;
	if (!r)
		return TC_ERR_NOMEM;
	r->where = strdup(s->where);
	r->db = r->where ? tc_db_open(r->where, false, true, why, sizeof(why)) : NULL;
	if (!r->db || (tc_db_engine(r->db) == TC_DB_SQLITE && alert_functions(tc_db_sqlite(r->db)))) {
		tc_store_close(r);
		return TC_ERR_IO;
	}
	if (tc_db_engine(r->db) == TC_DB_POSTGRESQL && exec(r, "SET default_transaction_read_only = on")) {
		tc_store_close(r);
		return TC_ERR_IO;
	}
	r->version = s->version;
	*out = r;
	return TC_OK;
}

struct tc_store_task {
	pthread_t thread;
	struct tc_store *reader;
	enum tc_rc (*fn)(struct tc_store *reader, void *arg);
	void *arg;
	enum tc_rc rc;
	atomic_bool done;
};

static void *task_thread(void *arg)
{
	struct tc_store_task *t = arg;
	t->rc = t->fn(t->reader, t->arg);
	atomic_store(&t->done, true);
	return NULL;
}

enum tc_rc tc_store_task_start(struct tc_store *s, enum tc_rc (*fn)(struct tc_store *reader, void *arg), void *arg,
			       struct tc_store_task **out)
{
	struct tc_store_task *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t)
		return TC_ERR_NOMEM;
	atomic_init(&t->done, false);
	t->fn = fn;
	t->arg = arg;
	enum tc_rc rc = tc_store_open_reader(s, &t->reader);
	if (!rc && pthread_create(&t->thread, NULL, task_thread, t))
		rc = TC_ERR_NOMEM;
	if (rc) {
		tc_store_close(t->reader);
		free(t);
		return rc;
	}
	*out = t;
	return TC_OK;
}

void tc_store_task_wait(struct tc_store_task *t)
{
	if (!t)
		return;
	pthread_join(t->thread, NULL);
	tc_store_close(t->reader);
	free(t);
}

bool tc_store_task_done(struct tc_store_task *t, enum tc_rc *rc)
{
	if (!atomic_load(&t->done))
		return false;
	*rc = t->rc;
	tc_store_task_wait(t);
	return true;
}

void tc_store_close(struct tc_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		tc_db_finalize(s->st[i]);
	for (int i = 0; i < s->n_cache; i++)
		tc_db_finalize(s->cache[i].st);
	tc_store_watch_release(s);
	tc_db_close(s->db);
	free(s->where);
	free(s);
}

int tc_store_schema_version(const struct tc_store *s)
{
	return s->version;
}

static tc_db_stmt *use(struct tc_store *s, enum tc_store_fixed_stmt which)
{
	tc_db_stmt *q = s->st[which];
	tc_db_reset(q);
	tc_db_clear_bindings(q);
	return q;
}

static int64_t latest_expiry(const struct tc_cap_alert *a)
{
	int64_t t = 0;
	for (size_t i = 0; i < a->n_infos; i++)
		if (a->infos[i].expires.valid && a->infos[i].expires.has_zone && a->infos[i].expires.epoch > t)
			t = a->infos[i].expires.epoch;
	return t;
}

enum tc_rc tc_store_put_alert(struct tc_store *s, const struct tc_cap_alert *a, int64_t now, char id[17],
			      bool *duplicate, struct tc_diags *d)
{
	const char *sender = a->sender ? a->sender : "", *ident = a->identifier ? a->identifier : "";
	const char *sent = a->sent.text ? a->sent.text : "";
	*duplicate = false;
	tc_cap_alert_id(a, id);
	tc_db_stmt *q = use(s, ST_FIND_ALERT);
	tc_db_bind_text(q, 1, sender, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, ident, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, sent, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		snprintf(id, 17, "%s", (const char *)tc_db_column_text(q, 0));
		*duplicate = true;
		tc_db_reset(q);
		return TC_OK;
	}
	tc_db_reset(q);
	if (r != TC_DB_DONE)
		return fail(s, d, "looking for the alert");
	q = use(s, ST_INSERT_ALERT);
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, sender, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, ident, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 4, sent, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 5, tc_cap_msgtype_name(a->msg_type), -1, TC_DB_STATIC);
	tc_db_bind_text(q, 6, tc_cap_status_name(a->status), -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 7, now);
	tc_db_bind_int64(q, 8, now);
	tc_db_bind_int64(q, 9, latest_expiry(a));
	tc_db_bind_blob64(q, 10, a->xml, a->xml_len, TC_DB_STATIC);
	r = tc_db_step(q); /* autocommit: durable (WAL, synchronous=FULL) when it returns */
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : fail(s, d, "storing the alert");
}

static char *dup_col(tc_db_stmt *q, int col)
{
	const unsigned char *t = tc_db_column_text(q, col);
	return strdup(t ? (const char *)t : "");
}

static enum tc_rc read_row(tc_db_stmt *q, struct tc_store_alert *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", (const char *)tc_db_column_text(q, 0));
	out->sender = dup_col(q, 1);
	out->identifier = dup_col(q, 2);
	out->sent = dup_col(q, 3);
	out->msg_type = dup_col(q, 4);
	out->status = dup_col(q, 5);
	out->state = (enum tc_alert_state)tc_db_column_int(q, 6);
	out->received_at = tc_db_column_int64(q, 7);
	out->expires_at = tc_db_column_int64(q, 8);
	out->xml_len = (size_t)tc_db_column_bytes(q, 9);
	out->xml = malloc(out->xml_len + 1);
	if (!out->sender || !out->identifier || !out->sent || !out->msg_type || !out->status || !out->xml) {
		tc_store_alert_release(out);
		return TC_ERR_NOMEM;
	}
	memcpy(out->xml, tc_db_column_blob(q, 9), out->xml_len);
	out->xml[out->xml_len] = '\0';
	return TC_OK;
}

void tc_store_alert_release(struct tc_store_alert *a)
{
	if (!a)
		return;
	free(a->sender);
	free(a->identifier);
	free(a->sent);
	free(a->msg_type);
	free(a->status);
	free(a->xml);
	memset(a, 0, sizeof(*a));
}

enum tc_rc tc_store_get_alert(struct tc_store *s, const char *id, struct tc_store_alert *out)
{
	tc_db_stmt *q = use(s, ST_GET_ALERT);
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	enum tc_rc rc = r == TC_DB_ROW ? read_row(q, out) : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
	tc_db_reset(q);
	return rc;
}

enum tc_rc tc_store_list_alerts(struct tc_store *s, size_t limit,
				void (*fn)(const struct tc_store_alert *a, void *user), void *user)
{
	tc_db_stmt *q = use(s, ST_LIST);
	enum tc_rc rc = TC_OK;
	int r;
	tc_db_bind_int64(q, 1, (int64_t)limit);
	while ((r = tc_db_step(q)) == TC_DB_ROW && !rc) {
		struct tc_store_alert a;
		rc = read_row(q, &a);
		if (!rc) {
			fn(&a, user);
			tc_store_alert_release(&a);
		}
	}
	if (!rc && r != TC_DB_DONE)
		rc = TC_ERR_IO;
	tc_db_reset(q);
	return rc;
}

enum tc_rc tc_store_alert_event(struct tc_store *s, const char *id, enum tc_alert_event ev, int64_t now,
				struct tc_alert_step *out, enum tc_alert_state *from)
{
	static const char sql[] = "SELECT state FROM alerts WHERE id = ?";
	tc_db_stmt *q = cached(s, sql);
	struct tc_alert_step step = { 0 };
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	enum tc_alert_state st = r == TC_DB_ROW ? (enum tc_alert_state)tc_db_column_int(q, 0) : TC_ALERT_ACCEPTED;
	tc_db_reset(q);
	if (r != TC_DB_ROW)
		return r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
	step = tc_alert_decide(st, ev);
	if (out)
		*out = step;
	if (from)
		*from = st;
	if (!step.accepted)
		return TC_ERR_INVALID;
	return step.changed ? tc_store_set_alert_state(s, id, step.next, now) : TC_OK;
}

enum tc_rc tc_store_set_alert_state(struct tc_store *s, const char *id, enum tc_alert_state st, int64_t now)
{
	tc_db_stmt *q = use(s, ST_SET_STATE);
	tc_db_bind_int(q, 1, (int)st);
	tc_db_bind_int64(q, 2, now);
	tc_db_bind_text(q, 3, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	tc_db_reset(q);
	if (r != TC_DB_DONE)
		return TC_ERR_IO;
	return tc_db_changes(s->db) ? TC_OK : TC_ERR_NOTFOUND;
}

/* --- the registry --------------------------------------------------------------- */

/*
 * Transactions nest: one begun inside another is a savepoint, so that a
 * caller may put several writes that each keep their own transaction (an
 * alert's acceptance, its plan, the run of a drill slot) into one. Only the
 * outermost commit makes them durable; a rollback inside undoes its own part.
 */
enum tc_rc tc_store_begin(struct tc_store *s)
{
	if (exec(s, s->nest ? "SAVEPOINT tc_nested" : "BEGIN IMMEDIATE") != TC_DB_OK)
		return TC_ERR_IO;
	s->nest++;
	return TC_OK;
}

enum tc_rc tc_store_commit(struct tc_store *s)
{
	if (exec(s, s->nest > 1 ? "RELEASE tc_nested" : "COMMIT") != TC_DB_OK) {
		if (tc_db_autocommit(s->db)) /* the transaction is gone all the same */
			s->nest = 0;
		return TC_ERR_IO;
	}
	if (s->nest)
		s->nest--;
	return TC_OK;
}

void tc_store_rollback(struct tc_store *s)
{
	if (s->nest > 1) {
		exec(s, "ROLLBACK TO tc_nested");
		exec(s, "RELEASE tc_nested");
		s->nest--;
		return;
	}
	exec(s, "ROLLBACK");
	s->nest = 0;
}

/* Run sql with text and real parameters bound in order ("t" text, "r" real, "i" integer). */
static enum tc_rc run(struct tc_store *s, const char *sql, const char *types, ...)
{
	tc_db_stmt *q = cached(s, sql);
	va_list ap;
	if (!q)
		return TC_ERR_IO;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't') {
			const char *v = va_arg(ap, const char *);
			if (v && *v)
				tc_db_bind_text(q, i + 1, v, -1, TC_DB_TRANSIENT);
		} else if (types[i] == 'r') {
			tc_db_bind_double(q, i + 1, va_arg(ap, double));
		} else {
			tc_db_bind_int64(q, i + 1, va_arg(ap, long));
		}
	}
	va_end(ap);
	int r = tc_db_step(q);
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_put_receiver(struct tc_store *s, const struct tc_receiver *r)
{
	/* linked to its shelter when the shelter is known, else the shelter is awaited; known from its
	 * first write on (known_at, which an update keeps: the health pass has nothing to mark) */
	static const char put[] =
		"INSERT INTO receivers (id, kind, name, lat, lon, region, shelter_id, accepts_drills, population, known_at)"
		" VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM shelters WHERE id = ?), ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
		" kind = excluded.kind, name = excluded.name, lat = excluded.lat, lon = excluded.lon,"
		" region = excluded.region, shelter_id = excluded.shelter_id, accepts_drills = excluded.accepts_drills,"
		" population = excluded.population";
	static const char unawait[] = "DELETE FROM awaited_shelters WHERE receiver_id = ?";
	static const char await[] = "INSERT INTO awaited_shelters (receiver_id, shelter_id) SELECT ?1, ?2"
				    " WHERE ?2 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM shelters WHERE id = ?2)";
	/* an R*Tree on SQLite, which takes no ON CONFLICT; a plain table on PostgreSQL */
	static const char where_lite[] = "INSERT OR REPLACE INTO receivers_where (rowid, min_lat, max_lat, min_lon, max_lon)"
					 " SELECT rowid, lat, lat, lon, lon FROM receivers WHERE id = ?";
	static const char where_pg[] = "INSERT INTO receivers_where (rowid, min_lat, max_lat, min_lon, max_lon)"
				       " SELECT rowid, lat, lat, lon, lon FROM receivers WHERE id = ? ON CONFLICT (rowid)"
				       " DO UPDATE SET min_lat = excluded.min_lat, max_lat = excluded.max_lat,"
				       " min_lon = excluded.min_lon, max_lon = excluded.max_lon";
	enum tc_rc rc = run(s, put, "tttrrttiii", r->id, r->kind, r->name, r->lat, r->lon, r->region, r->shelter_id,
			    (long)r->accepts_drills, r->population, (long)time(NULL));
	if (!rc)
		rc = run(s, unawait, "t", r->id);
	if (!rc)
		rc = run(s, await, "tt", r->id, r->shelter_id);
	if (!rc)
		rc = run(s, tc_db_engine(s->db) == TC_DB_SQLITE ? where_lite : where_pg, "t", r->id);
	return rc;
}

enum tc_rc tc_store_put_contact(struct tc_store *s, const struct tc_contact *c)
{
	static const char put[] = "INSERT INTO contacts (phone, name, role, region, language, relay) VALUES (?, ?, ?, ?, ?, ?)"
				  " ON CONFLICT (phone) DO UPDATE SET name = excluded.name, role = excluded.role,"
				  " region = excluded.region, language = excluded.language, relay = excluded.relay";
	return run(s, put, "ttttti", c->phone, c->name, c->role, c->region, c->language, (long)c->relay);
}

enum tc_rc tc_store_put_shelter(struct tc_store *s, const struct tc_shelter *sh)
{
	/* what the manager reported (occupancy, state) is not the registry's: an import keeps it */
	static const char put[] = "INSERT INTO shelters (id, name, lat, lon, capacity, area_m2, manager, phone, name_en)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, '')) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
				  " lat = excluded.lat, lon = excluded.lon, capacity = excluded.capacity,"
				  " area_m2 = excluded.area_m2, manager = excluded.manager, phone = excluded.phone,"
				  " name_en = excluded.name_en";
	/* the receivers that named it before it came */
	static const char link[] = "UPDATE receivers SET shelter_id = ?1"
				   " WHERE id IN (SELECT receiver_id FROM awaited_shelters WHERE shelter_id = ?1)";
	static const char linked[] = "DELETE FROM awaited_shelters WHERE shelter_id = ?";
	enum tc_rc rc = run(s, put, "ttrrirttt", sh->id, sh->name, sh->lat, sh->lon, sh->capacity, sh->area_m2,
			    sh->manager, sh->phone, sh->name_en);
	if (!rc)
		rc = run(s, link, "t", sh->id);
	if (!rc)
		rc = run(s, linked, "t", sh->id);
	return rc;
}

enum tc_rc tc_store_shelter_known(struct tc_store *s, const char *id)
{
	static const char sql[] = "SELECT 1 FROM shelters WHERE id = ?";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

long tc_store_count(struct tc_store *s, const char *table)
{
	static const char *const allowed[] = { "receivers", "contacts", "shelters", "alerts" };
	char sql[64];
	tc_db_stmt *q = NULL;
	long n = -1;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(table, allowed[i]) != 0)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", allowed[i]);
		if (tc_db_prepare(s->db, sql, &q) == TC_DB_OK && tc_db_step(q) == TC_DB_ROW)
			n = (long)tc_db_column_int64(q, 0);
		tc_db_finalize(q);
	}
	return n;
}

void tc_store_text_col(tc_db_stmt *q, int col, char *out, size_t len)
{
	const unsigned char *t = tc_db_column_text(q, col);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

enum tc_rc tc_store_done(tc_db_stmt *q, int r)
{
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_each_receiver(struct tc_store *s, void (*fn)(const struct tc_receiver *, void *), void *user)
{
	tc_db_stmt *q = NULL;
	if (tc_db_prepare(s->db,
			       "SELECT r.id, r.kind, r.name, r.lat, r.lon, r.region, coalesce(r.shelter_id, w.shelter_id),"
			       " r.accepts_drills, r.population FROM receivers r LEFT JOIN awaited_shelters w"
			       " ON w.receiver_id = r.id ORDER BY r.id", &q) != TC_DB_OK)
		return TC_ERR_IO;
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_receiver x = { .lat = tc_db_column_double(q, 3), .lon = tc_db_column_double(q, 4),
					 .accepts_drills = tc_db_column_int(q, 7) != 0,
					 .population = (long)tc_db_column_int64(q, 8) };
		tc_store_text_col(q, 0, x.id, sizeof(x.id));
		tc_store_text_col(q, 1, x.kind, sizeof(x.kind));
		tc_store_text_col(q, 2, x.name, sizeof(x.name));
		tc_store_text_col(q, 5, x.region, sizeof(x.region));
		tc_store_text_col(q, 6, x.shelter_id, sizeof(x.shelter_id));
		fn(&x, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_displays_of_shelter(struct tc_store *s, const char *id, void (*fn)(const char *rx, void *),
					void *user)
{
	static const char sql[] = "SELECT id FROM receivers WHERE shelter_id = ? AND kind = 'signage' ORDER BY id";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW)
		fn((const char *)tc_db_column_text(q, 0), user);
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_get_receiver(struct tc_store *s, const char *id, struct tc_receiver *out)
{
	static const char sql[] = "SELECT r.id, r.kind, r.name, r.lat, r.lon, r.region, coalesce(r.shelter_id, w.shelter_id),"
				  " r.accepts_drills, r.population FROM receivers r LEFT JOIN awaited_shelters w"
				  " ON w.receiver_id = r.id WHERE r.id = ?";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		memset(out, 0, sizeof(*out));
		out->lat = tc_db_column_double(q, 3);
		out->lon = tc_db_column_double(q, 4);
		out->accepts_drills = tc_db_column_int(q, 7) != 0;
		out->population = (long)tc_db_column_int64(q, 8);
		tc_store_text_col(q, 0, out->id, sizeof(out->id));
		tc_store_text_col(q, 1, out->kind, sizeof(out->kind));
		tc_store_text_col(q, 2, out->name, sizeof(out->name));
		tc_store_text_col(q, 5, out->region, sizeof(out->region));
		tc_store_text_col(q, 6, out->shelter_id, sizeof(out->shelter_id));
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_each_receiver_live(struct tc_store *s, tc_receiver_live_fn fn, void *user)
{
	static const char sql[] = "SELECT r.id, r.kind, r.name, r.lat, r.lon, r.region, coalesce(r.shelter_id, w.shelter_id),"
				  " r.online, r.last_seen FROM receivers r LEFT JOIN awaited_shelters w ON w.receiver_id = r.id"
				  " ORDER BY r.id";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_receiver x = { .lat = tc_db_column_double(q, 3), .lon = tc_db_column_double(q, 4) };
		tc_store_text_col(q, 0, x.id, sizeof(x.id));
		tc_store_text_col(q, 1, x.kind, sizeof(x.kind));
		tc_store_text_col(q, 2, x.name, sizeof(x.name));
		tc_store_text_col(q, 5, x.region, sizeof(x.region));
		tc_store_text_col(q, 6, x.shelter_id, sizeof(x.shelter_id));
		fn(&x, tc_db_column_int(q, 7) != 0, tc_db_column_int64(q, 8), user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_each_receiver_place(struct tc_store *s, void (*fn)(const struct tc_receiver *, void *),
					void *user)
{
	static const char sql[] = "SELECT id, region, lat, lon, accepts_drills FROM receivers";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_receiver x = { .lat = tc_db_column_double(q, 2), .lon = tc_db_column_double(q, 3),
					 .accepts_drills = tc_db_column_int(q, 4) != 0 };
		tc_store_text_col(q, 0, x.id, sizeof(x.id));
		tc_store_text_col(q, 1, x.region, sizeof(x.region));
		fn(&x, user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_each_contact(struct tc_store *s, void (*fn)(const struct tc_contact *, void *), void *user)
{
	tc_db_stmt *q = NULL;
	if (tc_db_prepare(s->db, "SELECT phone, name, role, region, language, relay FROM contacts ORDER BY phone",
			       &q) != TC_DB_OK)
		return TC_ERR_IO;
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_contact x;
		tc_store_text_col(q, 0, x.phone, sizeof(x.phone));
		tc_store_text_col(q, 1, x.name, sizeof(x.name));
		tc_store_text_col(q, 2, x.role, sizeof(x.role));
		tc_store_text_col(q, 3, x.region, sizeof(x.region));
		tc_store_text_col(q, 4, x.language, sizeof(x.language));
		x.relay = tc_db_column_int(q, 5);
		fn(&x, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

bool tc_store_shelter_full(const struct tc_shelter *sh)
{
	return !strcmp(sh->state, "full") || (sh->capacity > 0 && sh->occupancy >= sh->capacity);
}

bool tc_store_shelter_open(const struct tc_shelter *sh)
{
	return (!sh->state[0] || !strcmp(sh->state, "open")) && !tc_store_shelter_full(sh);
}

#define SHELTER_COLS "id, name, lat, lon, capacity, area_m2, manager, phone, name_en, occupancy, occupancy_at, state"

static void shelter_row(tc_db_stmt *q, struct tc_shelter *x)
{
	memset(x, 0, sizeof(*x));
	x->lat = tc_db_column_double(q, 2);
	x->lon = tc_db_column_double(q, 3);
	x->capacity = (long)tc_db_column_int64(q, 4);
	x->area_m2 = tc_db_column_double(q, 5);
	x->occupancy = (long)tc_db_column_int64(q, 9);
	x->occupancy_at = tc_db_column_int64(q, 10);
	tc_store_text_col(q, 0, x->id, sizeof(x->id));
	tc_store_text_col(q, 1, x->name, sizeof(x->name));
	tc_store_text_col(q, 6, x->manager, sizeof(x->manager));
	tc_store_text_col(q, 7, x->phone, sizeof(x->phone));
	tc_store_text_col(q, 8, x->name_en, sizeof(x->name_en));
	tc_store_text_col(q, 11, x->state, sizeof(x->state));
}

enum tc_rc tc_store_each_shelter(struct tc_store *s, void (*fn)(const struct tc_shelter *, void *), void *user)
{
	tc_db_stmt *q = NULL;
	if (tc_db_prepare(s->db, "SELECT " SHELTER_COLS " FROM shelters ORDER BY id", &q) != TC_DB_OK)
		return TC_ERR_IO;
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_shelter x;
		shelter_row(q, &x);
		fn(&x, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_get_shelter(struct tc_store *s, const char *id, struct tc_shelter *out)
{
	static const char sql[] = "SELECT " SHELTER_COLS " FROM shelters WHERE id = ?";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW)
		shelter_row(q, out);
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_shelters_of_phone(struct tc_store *s, const char *phone,
				      void (*fn)(const struct tc_shelter *, void *), void *user, size_t *n)
{
	static const char sql[] = "SELECT " SHELTER_COLS " FROM shelters WHERE phone = ? ORDER BY id";
	tc_db_stmt *q = cached(s, sql);
	*n = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, phone, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_shelter x;
		shelter_row(q, &x);
		(*n)++;
		if (fn)
			fn(&x, user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_shelter_report(struct tc_store *s, const char *id, long occupancy, const char *state,
				   int64_t now)
{
	static const char sql[] = "UPDATE shelters SET occupancy = CASE WHEN ?2 < 0 THEN occupancy ELSE ?2 END,"
				  " state = coalesce(?3, state), occupancy_at = ?4 WHERE id = ?1";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, occupancy);
	if (state)
		tc_db_bind_text(q, 3, state, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 4, now);
	int r = tc_db_step(q);
	tc_db_reset(q);
	if (r != TC_DB_DONE)
		return TC_ERR_IO;
	return tc_db_changes(s->db) ? TC_OK : TC_ERR_NOTFOUND;
}

static enum tc_rc each_pos(tc_db_stmt *q, tc_receiver_fn fn, void *user)
{
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_receiver_pos p = { (const char *)tc_db_column_text(q, 0), tc_db_column_double(q, 1),
					     tc_db_column_double(q, 2), tc_db_column_int(q, 3) != 0, UINT32_MAX };
		fn(&p, user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_receivers_in_box(struct tc_store *s, double min_lat, double max_lat, double min_lon,
				     double max_lon, tc_receiver_fn fn, void *user)
{
	static const char sql[] = "SELECT r.id, r.lat, r.lon, r.accepts_drills FROM receivers_where w JOIN receivers r"
				  " ON r.rowid = w.rowid WHERE w.min_lat <= ? AND w.max_lat >= ? AND w.min_lon <= ?"
				  " AND w.max_lon >= ?";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_double(q, 1, max_lat);
	tc_db_bind_double(q, 2, min_lat);
	tc_db_bind_double(q, 3, max_lon);
	tc_db_bind_double(q, 4, min_lon);
	return each_pos(q, fn, user);
}

enum tc_rc tc_store_receivers_in_region(struct tc_store *s, const char *prefix, tc_receiver_fn fn, void *user)
{
	static const char sql[] = "SELECT id, lat, lon, accepts_drills FROM receivers WHERE region >= ? AND region < ?";
	char upper[32];
	/* region >= prefix AND region < prefix + ':' (the character after '9'): a range the index serves */
	snprintf(upper, sizeof(upper), "%s:", prefix);
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, prefix, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, upper, -1, TC_DB_STATIC);
	return each_pos(q, fn, user);
}

enum tc_rc tc_store_plan_alert(struct tc_store *s, const char *alert_id, const char (*targets)[64], size_t n,
			       const char *channel, int64_t now)
{
	tc_db_stmt *q = NULL;
	enum tc_rc rc = tc_store_begin(s);
	if (rc)
		return rc;
	if (tc_db_prepare(s->db,
			       "INSERT OR IGNORE INTO deliveries (alert_id, target, channel, state, updated_at)"
			       " VALUES (?, ?, ?, 'planned', ?)", &q) != TC_DB_OK)
		rc = TC_ERR_IO;
	for (size_t i = 0; !rc && i < n; i++) {
		tc_db_reset(q);
		tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
		tc_db_bind_text(q, 2, targets[i], -1, TC_DB_STATIC);
		tc_db_bind_text(q, 3, channel, -1, TC_DB_STATIC);
		tc_db_bind_int64(q, 4, now);
		if (tc_db_step(q) != TC_DB_DONE)
			rc = TC_ERR_IO;
	}
	tc_db_finalize(q);
	if (!rc)
		rc = tc_store_alert_event(s, alert_id, TC_AEV_PLAN, now, NULL, NULL);
	if (rc) {
		tc_store_rollback(s);
		return rc;
	}
	return tc_store_commit(s);
}

enum tc_rc tc_store_delivery_counts(struct tc_store *s, const char *alert_id, long counts[TC_DELIVERY_N_STATES],
				    long *total)
{
	static const char *const names[] = { TC_DELIVERY_STATES };
	tc_db_stmt *q = NULL;
	memset(counts, 0, sizeof(long) * TC_DELIVERY_N_STATES);
	*total = 0;
	if (tc_db_prepare(s->db, "SELECT state, count(*) FROM deliveries WHERE alert_id = ? GROUP BY state",
			       &q) != TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		const char *st = (const char *)tc_db_column_text(q, 0);
		long n = (long)tc_db_column_int64(q, 1);
		*total += n;
		for (int i = 0; i < TC_DELIVERY_N_STATES; i++)
			if (st && !strcmp(st, names[i]))
				counts[i] += n;
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_alerts_in_state(struct tc_store *s, enum tc_alert_state st, void (*fn)(const char *id, void *),
				    void *user)
{
	tc_db_stmt *q = NULL;
	if (tc_db_prepare(s->db, "SELECT id FROM alerts WHERE state = ? ORDER BY received_at, rowid", &q) != TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_int(q, 1, (int)st);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW)
		fn((const char *)tc_db_column_text(q, 0), user);
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_totals(struct tc_store *s, long alerts[TC_ALERT_N_STATES], long deliveries[TC_DELIVERY_N_STATES])
{
	static const char *const names[] = { TC_DELIVERY_STATES };
	tc_db_stmt *q = NULL;
	int r;
	memset(alerts, 0, sizeof(long) * (TC_ALERT_N_STATES));
	memset(deliveries, 0, sizeof(long) * TC_DELIVERY_N_STATES);
	if (tc_db_prepare(s->db, "SELECT state, count(*) FROM alerts GROUP BY state", &q) != TC_DB_OK)
		return TC_ERR_IO;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		int st = tc_db_column_int(q, 0);
		if (st >= 0 && st < TC_ALERT_N_STATES)
			alerts[st] = (long)tc_db_column_int64(q, 1);
	}
	tc_db_finalize(q);
	if (r != TC_DB_DONE ||
	    tc_db_prepare(s->db, "SELECT state, count(*) FROM deliveries GROUP BY state", &q) != TC_DB_OK)
		return TC_ERR_IO;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		const char *st = (const char *)tc_db_column_text(q, 0);
		for (int i = 0; i < TC_DELIVERY_N_STATES; i++)
			if (st && !strcmp(st, names[i]))
				deliveries[i] = (long)tc_db_column_int64(q, 1);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_each_delivery(struct tc_store *s, const char *alert_id, const char *state,
				  void (*fn)(const struct tc_delivery *dl, void *user), void *user)
{
	static const char sql[] = "SELECT d.target, d.channel, d.state, d.attempts, d.updated_at, coalesce(r.region, '')"
				  " FROM deliveries d LEFT JOIN receivers r ON r.id = d.target"
				  " WHERE d.alert_id = ?1 AND (?2 IS NULL OR d.state = ?2) ORDER BY d.target, d.channel";
	tc_db_stmt *q = cached(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	if (state)
		tc_db_bind_text(q, 2, state, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_delivery dl = { (const char *)tc_db_column_text(q, 0), (const char *)tc_db_column_text(q, 1),
					  (const char *)tc_db_column_text(q, 2), (const char *)tc_db_column_text(q, 5),
					  (long)tc_db_column_int64(q, 3), tc_db_column_int64(q, 4) };
		fn(&dl, user);
	}
	tc_db_reset(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_find_alert(struct tc_store *s, const char *sender, const char *identifier, const char *sent,
			       char id[17])
{
	tc_db_stmt *q = use(s, ST_FIND_ALERT);
	tc_db_bind_text(q, 1, sender, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 2, identifier, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, sent, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW)
		snprintf(id, 17, "%s", (const char *)tc_db_column_text(q, 0));
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_close_alert(struct tc_store *s, const char *id, enum tc_alert_state st, int64_t now, long *n)
{
	static const char sql[] = "UPDATE deliveries SET state = 'cancelled', updated_at = ?"
				  " WHERE alert_id = ? AND state IN ('planned', 'sent', 'received')";
	*n = 0;
	enum tc_rc rc = tc_store_begin(s);
	if (rc)
		return rc;
	if (st != TC_ALERT_CANCELLED && st != TC_ALERT_SUPERSEDED)
		rc = TC_ERR_USAGE;
	if (!rc)
		rc = tc_store_alert_event(s, id, st == TC_ALERT_CANCELLED ? TC_AEV_CANCEL : TC_AEV_SUPERSEDE, now, NULL, NULL);
	tc_db_stmt *q = rc ? NULL : cached(s, sql);
	if (!rc && !q)
		rc = TC_ERR_IO;
	if (!rc) {
		tc_db_bind_int64(q, 1, now);
		tc_db_bind_text(q, 2, id, -1, TC_DB_STATIC);
		if (tc_db_step(q) != TC_DB_DONE)
			rc = TC_ERR_IO;
		else
			*n = (long)tc_db_changes(s->db);
		tc_db_reset(q);
	}
	if (rc) {
		tc_store_rollback(s);
		return rc;
	}
	return tc_store_commit(s);
}
