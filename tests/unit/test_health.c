/*
 * test_health.c — the maintenance list's rules, each problem at and beyond
 * its threshold; the per-town figure; the Beijing day the once-a-day rule
 * counts in, across a day boundary; the SMS texts; and what the store keeps
 * for the once-a-day rule across a reopening (server/health/tc_health.h,
 * server/store/tc_store_health.h).
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "tc_health.h"
#include "tc_sms.h"
#include "tc_store_health.h"
#include "tc_store_sms.h"

#define NOW 1780000000LL

static const struct tc_health_settings SET = { .offline_h = 24, .silent_alerts = 2, .clock_s = 30 };

/* Unix time of a Beijing wall-clock time (UTC+8 all year). */
static int64_t bj(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	return (int64_t)timegm(&tm) - 8 * 3600;
}

/* A receiver with nothing wrong: online, its last self-check passed, on time. */
static struct tc_health_facts healthy(void)
{
	struct tc_health_facts f = { .online = true, .last_seen = NOW - 10, .known_at = NOW - 86400 * 30,
				     .checked = true, .check_at = NOW - 3600 };
	snprintf(f.id, sizeof(f.id), "rx-1");
	snprintf(f.region, sizeof(f.region), "120116001002");
	snprintf(f.audio, sizeof(f.audio), "ok");
	snprintf(f.storage, sizeof(f.storage), "ok");
	snprintf(f.check_alert, sizeof(f.check_alert), "T1");
	return f;
}

static unsigned judge(const struct tc_health_facts *f, struct tc_health_verdict *v)
{
	return tc_health_judge(f, &SET, NOW, v);
}

static void test_healthy_is_not_listed(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	assert_int_equal(judge(&f, &v), 0);
}

static void test_offline_at_and_beyond(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	char text[256];
	f.online = false;
	f.last_seen = NOW - 24 * 3600; /* exactly the threshold: not longer */
	assert_int_equal(judge(&f, &v), 0);
	f.last_seen--;
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_OFFLINE);
	assert_int_equal(v.offline_since, NOW - 24 * 3600 - 1);
	tc_health_evidence(&f, &v, TC_HEALTH_OFFLINE, text, sizeof(text));
	assert_non_null(strstr(text, "offline since "));
	/* an online receiver long unheard is not offline by this rule (its Will would say so) */
	f.online = true;
	assert_int_equal(judge(&f, &v), 0);
	/* never heard from: since the store first knew it */
	f = healthy();
	f.online = false;
	f.last_seen = 0;
	f.known_at = NOW - 24 * 3600;
	assert_int_equal(judge(&f, &v), 0);
	f.known_at--;
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_OFFLINE);
	tc_health_evidence(&f, &v, TC_HEALTH_OFFLINE, text, sizeof(text));
	assert_non_null(strstr(text, "never heard from since "));
}

static void test_self_check(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	char text[256];
	snprintf(f.audio, sizeof(f.audio), "simulated-failure");
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_SELF_CHECK);
	tc_health_evidence(&f, &v, TC_HEALTH_SELF_CHECK, text, sizeof(text));
	assert_non_null(strstr(text, "self-check of alert T1 at "));
	assert_non_null(strstr(text, "audio simulated-failure, storage ok"));
	f = healthy();
	snprintf(f.storage, sizeof(f.storage), "read-only");
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_SELF_CHECK);
	f.checked = false; /* never checked: nothing to judge */
	assert_int_equal(judge(&f, &v), 0);
}

static void test_silent_at_and_beyond(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	char text[256];
	f.recent = 1; /* one silent alert of the two: not yet */
	snprintf(f.recent_alert[0], sizeof(f.recent_alert[0]), "A2");
	f.recent_silent[0] = true;
	assert_int_equal(judge(&f, &v), 0);
	f.recent = 2; /* two, the second answered */
	snprintf(f.recent_alert[1], sizeof(f.recent_alert[1]), "A1");
	assert_int_equal(judge(&f, &v), 0);
	f.recent_silent[1] = true; /* both silent */
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_SILENT);
	tc_health_evidence(&f, &v, TC_HEALTH_SILENT, text, sizeof(text));
	assert_string_equal(text, "no answer in the last 2 alert(s): A2 A1");
	/* the latest answered, older ones silent: not listed */
	f.recent = 3;
	f.recent_silent[0] = false;
	f.recent_silent[2] = true;
	assert_int_equal(judge(&f, &v), 0);
}

static void test_clock_at_and_beyond(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	char text[256];
	f.check_offset_ms = 30999; /* 30.999 s: not more than 30 s */
	assert_int_equal(judge(&f, &v), 0);
	f.check_offset_ms = -31000;
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_CLOCK);
	assert_false(v.clock_by_status);
	/* a later status decides */
	f.clock_at = NOW - 60;
	f.clock_offset_s = 30;
	assert_int_equal(judge(&f, &v), 0);
	f.clock_offset_s = 31;
	assert_int_equal(judge(&f, &v), 1u << TC_HEALTH_CLOCK);
	assert_true(v.clock_by_status);
	tc_health_evidence(&f, &v, TC_HEALTH_CLOCK, text, sizeof(text));
	assert_non_null(strstr(text, "clock +31 s off (status at "));
	/* an older status gives way to a later self-check */
	f.clock_at = f.check_at - 1;
	f.check_offset_ms = 0;
	assert_int_equal(judge(&f, &v), 0);
}

static void test_several_problems(void **state)
{
	(void)state;
	struct tc_health_facts f = healthy();
	struct tc_health_verdict v;
	f.online = false;
	f.last_seen = NOW - 25 * 3600;
	snprintf(f.audio, sizeof(f.audio), "no-device");
	assert_int_equal(judge(&f, &v), (1u << TC_HEALTH_OFFLINE) | (1u << TC_HEALTH_SELF_CHECK));
	assert_string_equal(tc_health_problem_name(TC_HEALTH_SELF_CHECK), "self-check");
	assert_string_equal(tc_health_problem_name(TC_HEALTH_N), "unknown");
}

static void test_towns(void **state)
{
	(void)state;
	static const char *const regions[] = { "120116001002", "120116002001", "120116001001", "120116001",
					       "1201", "120116002003" };
	static const bool listed[] = { true, false, false, false, true, true };
	struct tc_health_town v[6];
	for (size_t i = 0; i < 6; i++) {
		v[i] = (struct tc_health_town){ .receivers = 1, .listed = listed[i] };
		tc_health_town(regions[i], v[i].town);
	}
	size_t n = tc_health_towns(v, 6);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].town, "1201");
	assert_int_equal(v[0].receivers, 1);
	assert_int_equal(v[0].listed, 1);
	assert_string_equal(v[1].town, "120116001");
	assert_int_equal(v[1].receivers, 3);
	assert_int_equal(v[1].listed, 1);
	assert_true(tc_health_ratio(&v[1]) > 0.666 && tc_health_ratio(&v[1]) < 0.667);
	assert_string_equal(v[2].town, "120116002");
	assert_true(tc_health_ratio(&v[2]) == 0.5);
	struct tc_health_town none = { .town = "x" };
	assert_true(tc_health_ratio(&none) == 1.0);
}

static void test_beijing_day(void **state)
{
	(void)state;
	char day[11];
	int64_t evening = bj(2026, 6, 3, 23, 59), midnight = bj(2026, 6, 4, 0, 0);
	tc_health_day(evening, day);
	assert_string_equal(day, "2026-06-03");
	tc_health_day(midnight, day);
	assert_string_equal(day, "2026-06-04"); /* 16:00 UTC the day before */
	assert_int_equal(tc_health_day_start(evening), bj(2026, 6, 3, 0, 0));
	assert_int_equal(tc_health_day_start(midnight), midnight);
	assert_int_equal(tc_health_day_start(midnight - 1), bj(2026, 6, 3, 0, 0));
	assert_int_equal(tc_health_minute(bj(2026, 6, 4, 8, 30)), 510);
	assert_int_equal(tc_health_minute(midnight), 0);
	assert_int_equal(tc_health_parse_hhmm("08:30"), 510);
	assert_int_equal(tc_health_parse_hhmm("23:59"), 1439);
	assert_int_equal(tc_health_parse_hhmm("24:00"), -1);
	assert_int_equal(tc_health_parse_hhmm("8:30"), -1);
	assert_int_equal(tc_health_parse_hhmm(" 8:30"), -1);
	assert_int_equal(tc_health_parse_hhmm("08:3x"), -1);
}

static void test_covers(void **state)
{
	(void)state;
	assert_int_equal(tc_health_covers("120116", "维护", "维护", "120116001002"), 6);
	assert_int_equal(tc_health_covers("120116001", "维护", "维护", "120116001002"), 9);
	assert_int_equal(tc_health_covers("120116002", "维护", "维护", "120116001002"), -1);
	assert_int_equal(tc_health_covers("120116", "信息员", "维护", "120116001002"), -1);
	assert_int_equal(tc_health_covers("", "维护", "维护", "120116001002"), -1);
}

static void test_texts(void **state)
{
	(void)state;
	struct tc_health_item v[40];
	char ids[40][16];
	for (int i = 0; i < 40; i++) {
		snprintf(ids[i], sizeof(ids[i]), "rx-%02d", i);
		v[i] = (struct tc_health_item){ ids[i], "塘沽村广播", 1u << TC_HEALTH_OFFLINE };
	}
	char *t = tc_health_daily_text("zh-CN", v, 2, 3);
	assert_non_null(strstr(t, "有2台"));
	assert_non_null(strstr(t, "rx-00 塘沽村广播（离线）"));
	assert_null(strstr(t, "另有"));
	free(t);
	t = tc_health_daily_text("zh-CN", v, 40, 3); /* too many for 3 parts: the rest counted */
	assert_non_null(strstr(t, "另有"));
	assert_true(tc_sms_count_segments(t, strlen(t), false, NULL) <= 3);
	free(t);
	v[0].problems |= 1u << TC_HEALTH_CLOCK;
	t = tc_health_daily_text("en-US", v, 40, 4);
	assert_non_null(strstr(t, "40 receiver(s) in your area"));
	assert_non_null(strstr(t, "rx-00 塘沽村广播 (offline, clock)"));
	assert_non_null(strstr(t, "more. Details: tocsin health."));
	assert_true(tc_sms_count_segments(t, strlen(t), false, NULL) <= 4);
	free(t);
	t = tc_health_escalation_text("en-US", "rx-1", "Village 2", "120116001002", "A1");
	assert_non_null(strstr(t, "Loudspeaker rx-1 (Village 2, region 120116001002) did not play alert A1 (no answer or a fault)"));
	free(t);
}

/* The once-a-day rule's record survives a reopening of the store (a restart). */
static void test_store_days_across_restart(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_health_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	struct tc_store *s = NULL;
	bool done = true, told = true;
	int64_t at = bj(2026, 6, 4, 8, 30);
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	assert_int_equal(tc_store_health_day_done(s, "2026-06-04", &done), TC_OK);
	assert_false(done);
	assert_int_equal(tc_store_health_day_record(s, "2026-06-04", at, 1), TC_OK);
	/* a maintenance SMS about rx-1 that belongs to no alert */
	struct tc_sms_row row = { .text = "x", .parts = 1 };
	snprintf(row.phone, sizeof(row.phone), "+8613800000001");
	snprintf(row.purpose, sizeof(row.purpose), "maintenance");
	snprintf(row.subject, sizeof(row.subject), "rx-1");
	bool added = false;
	assert_int_equal(tc_store_sms_add(s, &row, at, &added, NULL), TC_OK);
	assert_true(added);
	tc_store_close(s);
	s = NULL;
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	assert_int_equal(tc_store_health_day_done(s, "2026-06-04", &done), TC_OK);
	assert_true(done);
	assert_int_equal(tc_store_health_day_done(s, "2026-06-05", &done), TC_OK);
	assert_false(done);
	/* told that day; not counted the next Beijing day */
	assert_int_equal(tc_store_health_told(s, "+8613800000001", "rx-1", tc_health_day_start(at + 3600), &told), TC_OK);
	assert_true(told);
	int64_t next = bj(2026, 6, 5, 0, 0);
	assert_int_equal(tc_store_health_told(s, "+8613800000001", "rx-1", tc_health_day_start(next), &told), TC_OK);
	assert_false(told);
	assert_int_equal(tc_store_health_told(s, "+8613800000002", "rx-1", tc_health_day_start(at), &told), TC_OK);
	assert_false(told);
	tc_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

struct silent_count {
	long receivers, silent;
};

static void count_silent(const struct tc_health_facts *f, void *user)
{
	struct silent_count *c = user;
	c->receivers++;
	c->silent += f->recent == 1 && f->recent_silent[0];
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One alert expired at 10,000 receivers, half of which acknowledged it (three acknowledgments
 * each): the pass finds the other half silent, and in well under a second. Each expired
 * delivery asks whether its receiver acknowledged anything; found by the alert alone, every
 * ask read all 15,000 acknowledgments (tens of seconds here, hours for 100,000 receivers).
 */
static void test_silent_pass_at_scale(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_health_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	struct tc_store *s = NULL;
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	tc_store_close(s);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	static const char fill[] =
		"BEGIN;"
		"INSERT INTO alerts (id, sender, identifier, sent, msg_type, status, state, received_at, updated_at, xml)"
		" VALUES ('a000000000000001', 's', 'i', '2026-06-04T08:00:00+08:00', 'Alert', 'Actual', 0, 1, 1, x'00');"
		"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)"
		" INSERT INTO receivers (id, kind, name, lat, lon, region) SELECT printf('rx-%05d', i), 'loudspeaker',"
		" 'v', 39, 117, '120116001001' FROM n;"
		"INSERT INTO deliveries (alert_id, target, channel, state, updated_at)"
		" SELECT 'a000000000000001', id, 'mqtt', 'expired', 1 FROM receivers;"
		"WITH k(kind) AS (VALUES ('received'), ('playing'), ('played'))"
		" INSERT INTO acks (alert_id, target, kind, at) SELECT 'a000000000000001', r.id, k.kind, 1"
		" FROM receivers r, k WHERE r.rowid % 2 = 0;"
		"COMMIT;";
	char *err = NULL;
	if (sqlite3_exec(db, fill, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("filling the store: %s", err);
	sqlite3_close(db);
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	struct silent_count c = { 0 };
	double t0 = now_s();
	assert_int_equal(tc_store_health_each(s, 3, count_silent, &c), TC_OK);
	double t = now_s() - t0;
	assert_int_equal(c.receivers, 10000);
	assert_int_equal(c.silent, 5000);
	if (t > 1.0)
		fail_msg("the pass over 10,000 receivers took %.2f s", t);
	tc_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_is_not_listed),
		cmocka_unit_test(test_offline_at_and_beyond),
		cmocka_unit_test(test_self_check),
		cmocka_unit_test(test_silent_at_and_beyond),
		cmocka_unit_test(test_clock_at_and_beyond),
		cmocka_unit_test(test_several_problems),
		cmocka_unit_test(test_towns),
		cmocka_unit_test(test_beijing_day),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_store_days_across_restart),
		cmocka_unit_test(test_silent_pass_at_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
