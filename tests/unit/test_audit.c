/* test_audit.c — the audit trail's hash chain: appending, verifying, tampering named, old rows chained. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"
#include "tc_store_audit.h"

static struct tc_store *store;

static int setup(void **state)
{
	(void)state;
	if (fixture_store_dir() || tc_store_open(fixture_db, &store, NULL) != TC_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	store = NULL;
	fixture_store_remove();
	return 0;
}

/* Run sql on the database file with a connection of its own, as someone with sqlite3 would. */
static void tamper(const char *sql)
{
	struct tc_db *db;
	assert_non_null(db = fixture_db_open(fixture_db));
	assert_int_equal(tc_db_exec(db, sql), TC_DB_OK);
	tc_db_close(db);
}

/* n rows as the API and the server write them. */
static void append_rows(struct tc_store *s, int n)
{
	const struct tc_audit_who who = { "li.wei", "approver", "192.0.2.7" };
	for (int i = 0; i < n; i++) {
		char detail[32];
		snprintf(detail, sizeof(detail), "step %d", i);
		if (i % 2)
			assert_int_equal(tc_store_audit(s, 1000 + i, "dispatch", "published", "00000000000000a1", detail), TC_OK);
		else
			assert_int_equal(tc_store_audit_by(s, 1000 + i, &who, "api", "approve", "00000000000000a1", "user:li.wei",
							   detail, "<alert/>", 8),
					 TC_OK);
	}
}

static void expect_broken(int64_t id, const char *why, long rows)
{
	struct tc_audit_check c;
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, id);
	assert_string_equal(c.why, why);
	assert_int_equal(c.rows, rows);
}

struct collected {
	int n;
	int64_t ids[64];
	char hash[64][TC_AUDIT_HASH_HEX + 1], prev[64][TC_AUDIT_HASH_HEX + 1];
	char json[4096];
};

static void collect(const struct tc_audit_row *r, void *user)
{
	struct collected *c = user;
	char want[TC_AUDIT_HASH_HEX + 1];
	tc_store_audit_hash(r, want);
	assert_string_equal(r->hash, want);
	c->ids[c->n] = r->id;
	snprintf(c->hash[c->n], sizeof(c->hash[0]), "%s", r->hash);
	snprintf(c->prev[c->n++], sizeof(c->prev[0]), "%s", r->prev_hash);
	if (c->n == 1) {
		json_t *o = tc_store_audit_json(r);
		char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		snprintf(c->json, sizeof(c->json), "%s", text);
		free(text);
		json_decref(o);
	}
}

/* Rows written by both calls chain from row 1; the chain holds and its head is the last row's hash. */
static void test_chain_holds(void **state)
{
	(void)state;
	struct tc_audit_check c;
	struct collected got = { 0 };
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.rows, 0);
	assert_int_equal(c.bad_id, 0);
	assert_string_equal(c.head, "");
	append_rows(store, 6);
	assert_int_equal(tc_store_audit_each(store, 0, 0, collect, &got), TC_OK);
	assert_int_equal(got.n, 6);
	assert_string_equal(got.prev[0], "");
	for (int i = 0; i < got.n; i++) {
		assert_int_equal(got.ids[i], i + 1);
		assert_int_equal(strlen(got.hash[i]), TC_AUDIT_HASH_HEX);
		if (i)
			assert_string_equal(got.prev[i], got.hash[i - 1]);
	}
	assert_non_null(strstr(got.json, "\"id\":1,\"at\":1000,\"actor\":\"api\",\"username\":\"li.wei\",\"role\":\"approver\","
					 "\"source\":\"192.0.2.7\",\"action\":\"approve\",\"alert_id\":\"00000000000000a1\","
					 "\"object\":\"user:li.wei\",\"detail\":\"step 0\",\"body_sha256\":\""));
	assert_non_null(strstr(got.json, "\"prev_hash\":\"\",\"hash\":\""));
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.rows, 6);
	assert_int_equal(c.bad_id, 0);
	assert_string_equal(c.why, "");
	assert_string_equal(c.head, got.hash[5]);

	struct collected later = { 0 };
	assert_int_equal(tc_store_audit_each(store, 4, 1, collect, &later), TC_OK); /* after row 4, one row */
	assert_int_equal(later.n, 1);
	assert_int_equal(later.ids[0], 5);
}

/* The hash is SHA-256 over the encoding tc_store_audit.h documents, byte for byte. */
static void test_documented_encoding(void **state)
{
	(void)state;
	static const char encoded[] = "14:tocsin-audit-1,1:1,10:1700000000,6:system,0:,0:,0:,5:start,0:,0:,"
				      "14:127.0.0.1:8080,0:,0:,";
	unsigned char digest[crypto_hash_sha256_BYTES];
	char want[TC_AUDIT_HASH_HEX + 1], got[TC_AUDIT_HASH_HEX + 1];
	crypto_hash_sha256(digest, (const unsigned char *)encoded, strlen(encoded));
	sodium_bin2hex(want, sizeof(want), digest, sizeof(digest));
	struct tc_audit_row r = { .id = 1, .at = 1700000000, .actor = "system", .username = "", .role = "",
				  .source = "", .action = "start", .alert_id = "", .object = "",
				  .detail = "127.0.0.1:8080", .body_sha256 = "", .prev_hash = "" };
	tc_store_audit_hash(&r, got);
	assert_string_equal(got, want);
	/* and the store writes exactly that for such a row */
	assert_int_equal(tc_store_audit(store, 1700000000, "system", "start", NULL, "127.0.0.1:8080"), TC_OK);
	struct tc_audit_check c;
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_string_equal(c.head, want);
	/* moving a byte from one field to the next changes the hash */
	r.actor = "syste";
	r.username = "m";
	tc_store_audit_hash(&r, got);
	assert_string_not_equal(got, want);
}

/* The body's hash is the SHA-256 of its bytes; no body, no hash. */
static void test_body_hash(void **state)
{
	(void)state;
	tc_db_stmt *q;
	struct tc_db *db;
	assert_int_equal(tc_store_audit_by(store, 1, NULL, "api", "submit", NULL, NULL, NULL, "abc", 3), TC_OK);
	assert_int_equal(tc_store_audit_by(store, 2, NULL, "api", "submit", NULL, NULL, NULL, NULL, 0), TC_OK);
	assert_non_null(db = fixture_db_open(fixture_db));
	assert_int_equal(tc_db_prepare(db, "SELECT body_sha256, username FROM audit ORDER BY id", &q),
			 TC_DB_OK);
	assert_int_equal(tc_db_step(q), TC_DB_ROW);
	assert_string_equal((const char *)tc_db_column_text(q, 0),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal((const char *)tc_db_column_text(q, 1), "");
	assert_int_equal(tc_db_step(q), TC_DB_ROW);
	assert_string_equal((const char *)tc_db_column_text(q, 0), "");
	tc_db_finalize(q);
	tc_db_close(db);
}

/* A row's detail changed afterwards: that row is named. */
static void test_edited_row_named(void **state)
{
	(void)state;
	append_rows(store, 5);
	tamper("UPDATE audit SET detail = 'x' WHERE id = 3");
	expect_broken(3, "its hash does not match its content", 2);
}

/* A row deleted from the middle: named as missing. The last row deleted: the chain holds, shorter. */
static void test_deleted_row_named(void **state)
{
	(void)state;
	struct tc_audit_check c;
	append_rows(store, 5);
	tamper("DELETE FROM audit WHERE id = 5");
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 4); /* only a head kept elsewhere shows this */
	tamper("DELETE FROM audit WHERE id = 2");
	expect_broken(2, "row 2 is missing", 1);
	tamper("DELETE FROM audit WHERE id = 1");
	expect_broken(1, "row 1 is missing", 0);
	tamper("INSERT INTO audit (id, at, actor, action) VALUES (0, 1, 'x', 'y')");
	expect_broken(0, "its id comes before row 1, where the chain starts", 0);
}

/* A changed hash is named; a row rewritten with a hash that fits its new content breaks the next link. */
static void test_changed_hash_named(void **state)
{
	(void)state;
	append_rows(store, 5);
	tamper("UPDATE audit SET hash = '0000000000000000000000000000000000000000000000000000000000000000' WHERE id = 4");
	expect_broken(4, "its hash does not match its content", 3);
	tamper("UPDATE audit SET hash = (SELECT prev_hash FROM audit WHERE id = 5) WHERE id = 4;"
	       "UPDATE audit SET detail = 'x' WHERE id = 2");
	expect_broken(2, "its hash does not match its content", 1);

	/* rewrite row 2 properly: then row 3 does not follow it */
	struct tc_audit_row r = { .id = 2, .at = 1001, .actor = "dispatch", .username = "", .role = "",
				  .source = "", .action = "published", .alert_id = "00000000000000a1", .object = "",
				  .detail = "x", .body_sha256 = "" };
	struct collected got = { 0 };
	char hash[TC_AUDIT_HASH_HEX + 1], sql[256];
	assert_int_equal(tc_store_audit_each(store, 0, 1, collect, &got), TC_OK);
	r.prev_hash = got.hash[0];
	tc_store_audit_hash(&r, hash);
	snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = 2", hash);
	tamper(sql);
	expect_broken(3, "its prev_hash is not the hash of row 2", 2);
}

/* A row of the chain with an id or time that is not a whole number, or a NUL in its text, never fits. */
static void test_unfaithful_values(void **state)
{
	(void)state;
	if (fixture_pg_name[0])
		skip(); /* PostgreSQL's columns keep their types: a bigint cannot hold 0.25 nor a text a NUL */
	append_rows(store, 3);
	tamper("UPDATE audit SET at = at + 0.25 WHERE id = 2");
	expect_broken(2, "its hash does not match its content", 1);
	tamper("UPDATE audit SET at = CAST(at AS INTEGER) WHERE id = 2;"
	       "UPDATE audit SET detail = CAST(detail || char(0) || 'more' AS TEXT) WHERE id = 3");
	expect_broken(3, "its hash does not match its content", 2);
}

/* Two connections on one file appending in turn keep one chain. */
static void test_two_handles(void **state)
{
	(void)state;
	struct tc_store *other = NULL;
	struct tc_audit_check c;
	assert_int_equal(tc_store_open(fixture_db, &other, NULL), TC_OK);
	for (int i = 0; i < 10; i++) {
		append_rows(i % 2 ? other : store, 2);
		assert_int_equal(tc_store_audit(i % 2 ? store : other, 2000 + i, "system", "tick", NULL, NULL), TC_OK);
	}
	assert_int_equal(tc_store_audit_verify(other, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 30);
	tc_store_close(other);
}

/* Two processes appending at the same time keep one chain. */
static void test_two_processes(void **state)
{
	(void)state;
	struct tc_audit_check c;
	pid_t kids[2];
	tc_store_close(store); /* no connection is carried across fork() */
	store = NULL;
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct tc_store *s = NULL;
			int bad = tc_store_open(fixture_db, &s, NULL) != TC_OK;
			for (int i = 0; !bad && i < 60; i++)
				bad = tc_store_audit(s, 3000 + i, k ? "tocsin user" : "api", "add", NULL, NULL) != TC_OK;
			tc_store_close(s);
			_exit(bad);
		}
	}
	assert_int_equal(tc_store_open(fixture_db, &store, NULL), TC_OK);
	for (int i = 0; i < 60; i++)
		assert_int_equal(tc_store_audit(store, 4000 + i, "dispatch", "published", NULL, NULL), TC_OK);
	for (int k = 0; k < 2; k++) {
		int status = -1;
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 180);
}

/* A write inside the caller's transaction goes with it: rolled back, the chain holds without it. */
static void test_inside_transaction(void **state)
{
	(void)state;
	struct tc_audit_check c;
	append_rows(store, 2);
	assert_int_equal(tc_store_begin(store), TC_OK);
	assert_int_equal(tc_store_audit(store, 5, "api", "import", NULL, "rolled back"), TC_OK);
	tc_store_rollback(store);
	assert_int_equal(tc_store_begin(store), TC_OK);
	assert_int_equal(tc_store_audit(store, 6, "api", "import", NULL, "kept"), TC_OK);
	assert_int_equal(tc_store_audit(store, 7, "api", "import", NULL, "kept too"), TC_OK);
	assert_int_equal(tc_store_commit(store), TC_OK);
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 4);
}

/* Rows written before schema 8 (no hash) are chained at open, with a row saying so; only once. */
static void test_old_rows_chained(void **state)
{
	(void)state;
	struct tc_audit_check c;
	struct collected got = { 0 };
	tc_store_close(store);
	store = NULL;
	char sql[16384] = "";
	for (int i = 1; i <= 70; i++) /* more than one round of chaining */
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
			 "INSERT INTO audit (id, at, actor, action, alert_id, detail) VALUES (%d, %d, 'ingest', 'accepted',"
			 " %s, %s);",
			 i, 500 + i, i % 3 ? "'00000000000000b2'" : "NULL", i % 2 ? "'ident'" : "NULL");
	tamper(sql);
	assert_int_equal(tc_store_open(fixture_db, &store, NULL), TC_OK);
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 71);
	assert_int_equal(tc_store_audit_each(store, 70, 0, collect, &got), TC_OK);
	assert_int_equal(got.n, 1);
	assert_non_null(strstr(got.json, "\"actor\":\"store\",\"username\":\"\",\"role\":\"\",\"source\":\"\","
					 "\"action\":\"chained\",\"alert_id\":\"\",\"object\":\"\","
					 "\"detail\":\"70 rows written before the audit trail was a chain\""));
	tc_store_close(store);
	assert_int_equal(tc_store_open(fixture_db, &store, NULL), TC_OK);
	assert_int_equal(tc_store_audit_count(store, NULL), 71);
	append_rows(store, 2);
	assert_int_equal(tc_store_audit_verify(store, &c), TC_OK);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.rows, 73);
}

/* A hash blanked in the middle of the chain is not chained again at open: it is named. */
static void test_blanked_hash_named(void **state)
{
	(void)state;
	append_rows(store, 4);
	tamper("UPDATE audit SET hash = '', detail = 'x' WHERE id = 3");
	tc_store_close(store);
	assert_int_equal(tc_store_open(fixture_db, &store, NULL), TC_OK);
	assert_int_equal(tc_store_audit_count(store, NULL), 4);
	expect_broken(3, "its hash does not match its content", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_documented_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_row_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_row_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_hash_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfaithful_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inside_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_rows_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blanked_hash_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
