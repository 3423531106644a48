/* test_store.c — the store on SQLite and PostgreSQL: schema, durable idempotent alerts, states, audit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cap_fixture.h"
#include "store_fixture.h"
#include "tc_store.h"
#include "tc_store_drill.h"


static int setup(void **state)
{
	(void)state;
	if (fixture_store_dir())
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_store_remove();
	return 0;
}

static struct tc_cap_alert *parse(const char *xml)
{
	struct tc_cap_alert *a = NULL;
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_CN, false, NULL, &a), TC_OK);
	return a;
}

static void test_schema_created_and_kept(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_schema_version(s), TC_STORE_SCHEMA_VERSION);
	tc_store_close(s);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK); /* reopening migrates nothing */
	assert_int_equal(tc_store_schema_version(s), TC_STORE_SCHEMA_VERSION);
	tc_store_close(s);
}

static unsigned mode_of(const char *tail)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof(p), "%s%s", fixture_db, tail);
	assert_int_equal(stat(p, &st), 0);
	return (unsigned)(st.st_mode & 0777);
}

/* The database and its WAL files are the owner's alone, whatever the umask; a looser one is narrowed. */
static void test_files_private(void **state)
{
	(void)state;
	if (fixture_pg_name[0])
		skip(); /* the files are PostgreSQL's server's */
	struct tc_store *s = NULL;
	struct tc_diags *d = tc_diags_new();
	mode_t old = umask(0);
	assert_int_equal(tc_store_open(fixture_db, &s, d), TC_OK);
	assert_int_equal(tc_store_audit(s, 1, "test", "write", NULL, NULL), TC_OK); /* the WAL exists now */
	umask(old);
	assert_int_equal(mode_of(""), 0600);
	assert_int_equal(mode_of("-wal"), 0600);
	assert_int_equal(mode_of("-shm"), 0600);
	assert_int_equal(tc_diags_count(d), 0);
	tc_store_close(s);
	assert_int_equal(chmod(fixture_db, 0644), 0);
	assert_int_equal(tc_store_open(fixture_db, &s, d), TC_OK);
	assert_int_equal(mode_of(""), 0600);
	assert_int_equal(tc_diags_count(d), 1);
	assert_string_equal(tc_diags_get(d, 0)->code, "store.mode");
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "was mode 644"));
	tc_store_close(s);
	tc_diags_free(d);
}

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* A store of schema 3 (its deliveries indexed by target and state) is brought up to date, keeping its rows. */
static void test_migrates_from_3(void **state)
{
	(void)state;
	if (fixture_pg_name[0])
		skip(); /* a PostgreSQL store begins at schema 16 (tc_store_pg.c) */
	struct tc_store *s = NULL;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	tc_store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fixture_db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DROP INDEX acks_by_alert_target; CREATE INDEX acks_by_alert ON acks (alert_id);"
				      "DROP TABLE drill_schedules; DROP TABLE health_list; DROP TABLE health_days; DROP INDEX sms_messages_by_subject;"
				      "ALTER TABLE receivers DROP COLUMN known_at; ALTER TABLE receivers DROP COLUMN clock_offset_s;"
				      "ALTER TABLE receivers DROP COLUMN clock_at;"
				      "DROP TABLE guidance_audio;"
				      "DROP TABLE drill_runs; DROP TABLE self_checks;"
				      "DROP TABLE relay_alerts; DROP TABLE relay_chains; DROP INDEX contacts_by_relay;"
				      "ALTER TABLE contacts DROP COLUMN relay;"
				      "DROP INDEX shelters_by_phone; ALTER TABLE shelters DROP COLUMN name_en;"
				      "ALTER TABLE shelters DROP COLUMN occupancy; ALTER TABLE shelters DROP COLUMN occupancy_at;"
				      "ALTER TABLE shelters DROP COLUMN state; ALTER TABLE receivers DROP COLUMN population;"
				      "DROP TABLE import_rows; DROP TABLE imports;"
				      "DROP TABLE approvals; DROP TABLE sessions; DROP TABLE tokens; DROP TABLE users;"
				      "ALTER TABLE audit DROP COLUMN username; ALTER TABLE audit DROP COLUMN role;"
				      "ALTER TABLE audit DROP COLUMN source; ALTER TABLE audit DROP COLUMN object;"
				      "ALTER TABLE audit DROP COLUMN body_sha256; ALTER TABLE audit DROP COLUMN prev_hash;"
				      "ALTER TABLE audit DROP COLUMN hash;"
				      "DROP INDEX sms_messages_by_code;"
				      "ALTER TABLE sms_messages DROP COLUMN sent_at;"
				      "ALTER TABLE sms_messages DROP COLUMN wrong_replies;"
				      "DROP TABLE awaited_shelters;"
				      "DROP TABLE receiver_secrets;"
				      "DROP INDEX deliveries_of_target;"
				      "CREATE INDEX deliveries_by_target ON deliveries (target, state);"
				      "INSERT INTO alerts (id, sender, identifier, sent, msg_type, status, state, received_at,"
				      " updated_at, expires_at, xml) VALUES ('a', 's', 'i', 't', 'Alert', 'Actual', 2, 0, 0, 0, '');"
				      "INSERT INTO deliveries (alert_id, target, channel, state, updated_at)"
				      " VALUES ('a', 'rx-1', 'mqtt', 'sent', 0);"
				      "INSERT INTO sms_messages (alert_id, phone, purpose, code, text, parts, state, created_at, updated_at)"
				      " VALUES ('a', '+8613800100009', 'escalation', '4821', 't', 1, 'delivered', 5, 7),"
				      " ('a', '+8613800100008', 'escalation', '4822', 't', 1, 'queued', 5, 5);"
				      "PRAGMA user_version = 3",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_schema_version(s), TC_STORE_SCHEMA_VERSION);
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(s, "a", "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "sent");
	assert_int_equal(tc_store_awaiting_receipt(s, "a"), 1);
	tc_store_close(s);
	assert_int_equal(sqlite3_open(fixture_db, &db), SQLITE_OK);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'deliveries_by_target'"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'acks_by_alert'"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'acks_by_alert_target'"), 1);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'deliveries_of_target'"), 1);
	/* what was sent before counts as sent when it was last changed; what was queued, never */
	assert_int_equal(count_rows(db, "SELECT sum(sent_at) FROM sms_messages"), 7);
	sqlite3_close(db);
}

/* Set the stored schema version as someone with the database's own client would. */
static void set_version(int v)
{
	char sql[96];
	struct tc_db *db = fixture_db_open(fixture_db);
	assert_non_null(db);
	if (tc_db_engine(db) == TC_DB_POSTGRESQL)
		snprintf(sql, sizeof(sql), "UPDATE tocsin_schema SET version = %d", v);
	else
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	assert_int_equal(tc_db_exec(db, sql), TC_DB_OK);
	tc_db_close(db);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	set_version(99);
	struct tc_store *s = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_store_open(fixture_db, &s, d), TC_ERR_INVALID);
	assert_null(s);
	assert_non_null(tc_diags_find(d, "store.version"));
	tc_diags_free(d);
	set_version(TC_STORE_SCHEMA_VERSION);
}

/*
 * The two engines' schemas hold the same tables with the same columns (PostgreSQL's own rowid
 * columns, and SQLite's R*Tree's shadow tables, aside): a migration written for one engine only
 * fails here. Run with TOCSIN_TEST_POSTGRESQL (test_store_pg).
 */
static void columns_of(struct tc_db *db, const char *sql, char *out, size_t len)
{
	tc_db_stmt *q = NULL;
	out[0] = '\0';
	assert_int_equal(tc_db_prepare(db, sql, &q), TC_DB_OK);
	while (tc_db_step(q) == TC_DB_ROW) {
		const char *t = (const char *)tc_db_column_text(q, 0), *c = (const char *)tc_db_column_text(q, 1);
		if (!strcmp(c, "rowid") || !strncmp(t, "receivers_where", 15) || !strcmp(t, "tocsin_schema") ||
		    !strncmp(t, "sqlite_", 7))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s.%s ", t, c);
	}
	tc_db_finalize(q);
}

static void test_schemas_match(void **state)
{
	(void)state;
	if (!fixture_pg_name[0])
		skip(); /* needs PostgreSQL */
	static char lite[16384], pg[16384];
	char dir[] = "/tmp/tocsin-schemaXXXXXX", path[64];
	struct tc_store *s = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	tc_store_close(s);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	tc_store_close(s);
	struct tc_db *a = fixture_db_open(path), *b = fixture_db_open(fixture_db);
	columns_of(a, "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
		      " WHERE m.type = 'table' ORDER BY 1, 2", lite, sizeof(lite));
	columns_of(b, "SELECT table_name::text, column_name::text FROM information_schema.columns"
		      " WHERE table_schema = 'public' ORDER BY table_name::text COLLATE \"C\", column_name::text COLLATE \"C\"", pg, sizeof(pg));
	tc_db_close(a);
	tc_db_close(b);
	static const char *const tails[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char f[80];
		snprintf(f, sizeof(f), "%s%s", path, tails[i]);
		unlink(f);
	}
	rmdir(dir);
	assert_string_equal(pg, lite);
	assert_true(strlen(lite) > 1000);
}

static void test_alert_durable_and_idempotent(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	struct tc_cap_alert *a = parse(fixture_alert);
	char id[17], again[17], want[17];
	bool dup = true;
	tc_cap_alert_id(a, want);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(s, a, 1000, id, &dup, NULL), TC_OK);
	assert_false(dup);
	assert_string_equal(id, want);
	assert_int_equal(tc_store_put_alert(s, a, 2000, again, &dup, NULL), TC_OK);
	assert_true(dup);
	assert_string_equal(again, id);
	tc_store_close(s); /* and open again: it is still there, byte for byte */
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	struct tc_store_alert got;
	assert_int_equal(tc_store_get_alert(s, id, &got), TC_OK);
	assert_int_equal(got.xml_len, a->xml_len);
	assert_memory_equal(got.xml, a->xml, a->xml_len);
	assert_string_equal(got.identifier, "12011641600000_20260812063000_0");
	assert_string_equal(got.msg_type, "Alert");
	assert_int_equal(got.state, TC_ALERT_ACCEPTED);
	assert_int_equal(got.received_at, 1000);
	assert_int_equal(got.expires_at, 1786615200); /* 2026-08-13T18:00:00+08:00 */
	tc_store_alert_release(&got);
	assert_int_equal(tc_store_get_alert(s, "0000000000000000", &got), TC_ERR_NOTFOUND);
	tc_store_close(s);
	tc_cap_alert_free(a);
}

static void count_alert(const struct tc_store_alert *a, void *user)
{
	(void)a;
	(*(int *)user)++;
}

static void test_states_list_and_audit(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	char *xml2 = fixture_with("_20260812063000_0", "_20260812063000_1");
	struct tc_cap_alert *a = parse(fixture_alert), *b = parse(xml2);
	char ida[17], idb[17];
	bool dup;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(s, a, 1000, ida, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(s, b, 1001, idb, &dup, NULL), TC_OK);
	assert_false(dup);
	assert_string_not_equal(ida, idb);
	int n = 0;
	assert_int_equal(tc_store_list_alerts(s, 10, count_alert, &n), TC_OK);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(tc_store_list_alerts(s, 1, count_alert, &n), TC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tc_store_set_alert_state(s, idb, TC_ALERT_CANCELLED, 1500), TC_OK);
	assert_int_equal(tc_store_set_alert_state(s, "ffffffffffffffff", TC_ALERT_DONE, 1500), TC_ERR_NOTFOUND);
	struct tc_store_alert got;
	assert_int_equal(tc_store_get_alert(s, idb, &got), TC_OK);
	assert_int_equal(got.state, TC_ALERT_CANCELLED);
	assert_string_equal(tc_alert_state_name(got.state), "cancelled");
	tc_store_alert_release(&got);
	assert_int_equal(tc_store_audit(s, 1000, "officer", "submit", ida, "via api"), TC_OK);
	assert_int_equal(tc_store_audit(s, 1001, "system", "start", NULL, NULL), TC_OK);
	assert_int_equal(tc_store_audit_count(s, ida), 1);
	assert_true(tc_store_audit_count(s, NULL) >= 2);
	tc_store_close(s);
	tc_cap_alert_free(a);
	tc_cap_alert_free(b);
	free(xml2);
}

static void collect_schedule(const struct tc_drill_schedule *sc, void *user)
{
	char *out = user;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%lld %s %s %lld;", (long long)sc->id, sc->spec, sc->created_by, (long long)sc->runs_after);
}

/* API drill schedules: kept once each, listed oldest first, removed with their text, ids never reused. */
static void test_drill_schedules(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	char list[256] = "", spec[128] = "";
	int64_t a = 0, b = 0, c = 0;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_drill_schedule_add(s, "weekly wed 10:00 silent 120116", "li", 100, 160, &a), TC_OK);
	assert_int_equal(tc_store_drill_schedule_add(s, "daily 09:00 silent 12", "wang", 200, 260, &b), TC_OK);
	assert_int_equal(tc_store_drill_schedule_add(s, "daily 09:00 silent 12", "zhao", 300, 360, &c), TC_ERR_INVALID);
	assert_int_equal(tc_store_drill_schedules(s, 0, collect_schedule, list), TC_OK);
	char want[256];
	snprintf(want, sizeof(want), "%lld weekly wed 10:00 silent 120116 li 160;%lld daily 09:00 silent 12 wang 260;",
		 (long long)a, (long long)b);
	assert_string_equal(list, want);
	assert_int_equal(tc_store_drill_schedule_remove(s, b, spec, sizeof(spec)), TC_OK);
	assert_string_equal(spec, "daily 09:00 silent 12");
	assert_int_equal(tc_store_drill_schedule_remove(s, b, spec, sizeof(spec)), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_drill_schedules(s, b, collect_schedule, list), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_drill_schedule_add(s, "daily 09:00 silent 12", "zhao", 300, 360, &c), TC_OK);
	assert_true(c > b); /* the removed one's id is not given again */
	assert_int_equal(tc_store_drill_schedule_remove(s, a, spec, sizeof(spec)), TC_OK);
	assert_int_equal(tc_store_drill_schedule_remove(s, c, spec, sizeof(spec)), TC_OK);
	tc_store_close(s);
}

static void test_open_error_is_clear(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_store_open("/nonexistent/dir/tocsin.db", &s, d), TC_ERR_IO);
	assert_null(s);
	assert_non_null(tc_diags_find(d, "store.open"));
	tc_diags_free(d);
	tc_store_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_created_and_kept),
		cmocka_unit_test(test_files_private),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_schemas_match),
		cmocka_unit_test(test_alert_durable_and_idempotent),
		cmocka_unit_test(test_states_list_and_audit),
		cmocka_unit_test(test_open_error_is_clear),
		cmocka_unit_test(test_drill_schedules),
		cmocka_unit_test(test_migrates_from_3), /* last: it leaves rows behind */
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
