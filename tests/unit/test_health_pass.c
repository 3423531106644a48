/*
 * test_health_pass.c — tocsind's health pass (server/tocsind_health.h):
 * with 100,000 receivers the owner's connection does no judging (the pass
 * is judged on a reader connection in a thread, and the owner only writes
 * what changed); the list, its figures and the daily SMS come out as
 * before; receivers are known from their first write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_fixture.h"
#include "tc_store_health.h"
#include "tc_store_int.h"
#include "tocsind_health.h"

static int64_t now_unix;

static int setup(void **state)
{
	(void)state;
	now_unix = (int64_t)time(NULL);
	return fixture_store_dir();
}

static int teardown(void **state)
{
	(void)state;
	fixture_store_remove();
	return 0;
}

static void exec_sql(struct tc_store *s, const char *sql)
{
	if (tc_db_exec(s->db, sql) != TC_DB_OK)
		fail_msg("%s: %s", sql, tc_db_errmsg(s->db));
}

static long count_sql(struct tc_store *s, const char *sql)
{
	tc_db_stmt *q = NULL;
	assert_int_equal(tc_db_prepare(s->db, sql, &q), TC_DB_OK);
	assert_int_equal(tc_db_step(q), TC_DB_ROW);
	long n = (long)tc_db_column_int64(q, 0);
	tc_db_finalize(q);
	return n;
}

/* A fresh store with n receivers, known and online now; rx-00000..rx-00002 silent for two days. */
static struct tc_store *store_of(long n)
{
	struct tc_store *s = NULL;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "BEGIN;"
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %ld)"
		 " INSERT INTO receivers (id, kind, name, lat, lon, region, online, last_seen, known_at)"
		 " SELECT printf('rx-%%05d', i), 'loudspeaker', printf('village %%d', i), 39, 117,"
		 " printf('120116%%03d001', i %% 50), 1, %lld, %lld FROM n;"
		 "UPDATE receivers SET online = 0, last_seen = %lld WHERE id < 'rx-00003';"
		 "COMMIT;",
		 n - 1, (long long)now_unix, (long long)now_unix - 100, (long long)now_unix - 48 * 3600);
	exec_sql(s, sql);
	return s;
}

static void health_of(struct tocsind_health *h)
{
	tocsind_health_init(h);
	h->set = (struct tc_health_settings){ .offline_h = 24, .silent_alerts = 3, .clock_s = 30 };
	h->role = "maintenance";
	h->cc = "86";
	h->max_segments = 3;
	h->sms_minute = 0;
}

/* Virtual machine steps (thousands) the owner's connection ran. */
static int count_steps(void *user)
{
	(*(long *)user)++;
	return 0;
}

/*
 * tocsind_health_work at now until the figures say listed (bounded); the
 * owner connection's steps and the SMS queued are added up. Returns how
 * many calls it took.
 */
static int work_until(struct tocsind_health *h, struct tc_store *s, int64_t now, long listed, long *steps,
		      long *queued)
{
	sqlite3_progress_handler(tc_db_sqlite(s->db), 1000, count_steps, steps);
	int calls = 0;
	for (; calls < 6000; calls++) {
		*queued += tocsind_health_work(h, s, now);
		if (h->judged && h->listed == listed)
			break;
		usleep(10000);
	}
	sqlite3_progress_handler(tc_db_sqlite(s->db), 0, NULL, NULL);
	if (calls == 6000)
		fail_msg("no pass listed %ld receiver(s) within a minute (%ld listed)", listed, h->listed);
	return calls + 1;
}

/*
 * 100,000 receivers, three of them offline: the call that starts a pass
 * returns before anything is judged, the list is written by a later call,
 * and the owner's connection runs far less than one step per receiver for
 * the whole pass (judging on it: millions).
 */
static void test_pass_off_the_loop(void **state)
{
	(void)state;
	struct tc_store *s = store_of(100000);
	struct tocsind_health h;
	health_of(&h);
	long steps = 0, queued = 0;
	assert_int_equal(tocsind_health_work(&h, s, now_unix), 0);
	assert_false(h.judged);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM health_list"), 0);
	assert_true(work_until(&h, s, now_unix, 3, &steps, &queued) > 1);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM health_list"), 3);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM health_list WHERE since = (SELECT max(since) FROM health_list)"),
			 3);
	assert_int_equal(h.problems[TC_HEALTH_OFFLINE], 3);
	/* the next pass: one back online, two others silent; only the owner's share is counted */
	exec_sql(s, "UPDATE receivers SET online = 1, last_seen = known_at WHERE id = 'rx-00001';"
		    "UPDATE receivers SET online = 0, last_seen = 1 WHERE id IN ('rx-50000', 'rx-99999')");
	steps = 0;
	assert_true(work_until(&h, s, now_unix + TOCSIND_HEALTH_PASS_S, 4, &steps, &queued) > 1);
	if (steps >= 100)
		fail_msg("the owner's connection ran %ld thousand steps for a pass over 100,000 receivers", steps);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM health_list WHERE receiver_id IN"
				      " ('rx-00000', 'rx-00002', 'rx-50000', 'rx-99999')"),
			 4);
	assert_int_equal(queued, 0);
	/* not due again: nothing starts */
	assert_int_equal(tocsind_health_work(&h, s, now_unix + TOCSIND_HEALTH_PASS_S + 1), 0);
	assert_int_equal(h.listed, 4);
	tocsind_health_free(&h);
	tc_store_close(s);
}

/*
 * The daily SMS goes with the pass judged after its time came, once: the
 * day is recorded with it, and a later pass the same day queues none.
 */
static void test_daily_sms_once(void **state)
{
	(void)state;
	struct tc_store *s = store_of(200);
	struct tc_contact c = { .phone = "+8613800000001", .name = "Wang", .role = "maintenance", .region = "120116",
				.language = "zh" };
	assert_int_equal(tc_store_put_contact(s, &c), TC_OK);
	struct tocsind_health h;
	health_of(&h);
	h.sms = true;
	long steps = 0, queued = 0;
	work_until(&h, s, now_unix, 3, &steps, &queued);
	assert_int_equal(queued, 1);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM sms_messages WHERE purpose = 'maintenance'"
				      " AND subject LIKE 'daily:%' AND text LIKE '%rx-00002%'"),
			 1);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM health_days"), 1);
	queued = 0;
	exec_sql(s, "UPDATE receivers SET online = 0, last_seen = 1 WHERE id = 'rx-00100'");
	work_until(&h, s, now_unix + TOCSIND_HEALTH_PASS_S, 4, &steps, &queued);
	assert_int_equal(queued, 0);
	assert_int_equal(count_sql(s, "SELECT count(*) FROM sms_messages"), 1);
	tocsind_health_free(&h);
	tc_store_close(s);
}

/* A pass still being judged at shutdown is waited for. */
static void test_free_waits(void **state)
{
	(void)state;
	struct tc_store *s = store_of(20000);
	struct tocsind_health h;
	health_of(&h);
	assert_int_equal(tocsind_health_work(&h, s, now_unix), 0);
	tocsind_health_free(&h);
	tc_store_close(s);
}

/*
 * A receiver is known from its first write, and writing it again keeps when;
 * one left unknown (written before) is known from the first call.
 */
static void test_known_from_first_write(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	struct tc_receiver r = { .id = "rx-new", .kind = "loudspeaker", .name = "v", .lat = 39, .lon = 117,
				 .region = "120116001001" };
	int64_t before = (int64_t)time(NULL);
	assert_int_equal(tc_store_put_receiver(s, &r), TC_OK);
	long at = count_sql(s, "SELECT known_at FROM receivers WHERE id = 'rx-new'");
	assert_true(at >= before && at <= (int64_t)time(NULL));
	exec_sql(s, "UPDATE receivers SET known_at = 5 WHERE id = 'rx-new';"
		    "INSERT INTO receivers (id, kind, name, lat, lon, region) VALUES ('rx-old', 'loudspeaker', 'v', 39, 117,"
		    " '120116001001')");
	snprintf(r.name, sizeof(r.name), "renamed");
	assert_int_equal(tc_store_put_receiver(s, &r), TC_OK);
	assert_int_equal(count_sql(s, "SELECT known_at FROM receivers WHERE id = 'rx-new'"), 5);
	struct tocsind_health h;
	health_of(&h);
	tocsind_health_work(&h, s, 1000);
	assert_int_equal(count_sql(s, "SELECT known_at FROM receivers WHERE id = 'rx-old'"), 1000);
	assert_int_equal(count_sql(s, "SELECT known_at FROM receivers WHERE id = 'rx-new'"), 5);
	tocsind_health_free(&h);
	tc_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pass_off_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_sms_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_from_first_write, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
