/*
 * test_drill.c — drill schedule entries, their slots in Beijing time and
 * the catch-up rule (server/drill/tc_drill.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_drill.h"

/* Unix time of a Beijing wall-clock time (UTC+8, no daylight saving). */
static int64_t bj(int y, int mo, int d, int h, int mi)
{
	/* days from civil (Howard Hinnant's algorithm) */
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400, doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy, days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 - 8 * 3600;
}

static struct tc_drill parse_ok(const char *text)
{
	struct tc_drill dr;
	assert_int_equal(tc_drill_parse(text, &dr, NULL), TC_OK);
	return dr;
}

static void test_parse(void **state)
{
	(void)state;
	struct tc_drill dr = parse_ok("weekly  wed 10:00 silent *");
	assert_int_equal(dr.every, TC_DRILL_WEEKLY);
	assert_int_equal(dr.wday, 3);
	assert_int_equal(dr.minute, 600);
	assert_false(dr.audible);
	assert_string_equal(dr.region, "");
	assert_string_equal(dr.spec, "weekly wed 10:00 silent *");
	dr = parse_ok("monthly first-mon 10:00 audible 120116");
	assert_int_equal(dr.every, TC_DRILL_MONTHLY);
	assert_int_equal(dr.nth, 1);
	assert_int_equal(dr.wday, 1);
	assert_true(dr.audible);
	assert_string_equal(dr.region, "120116");
	assert_int_equal(parse_ok("monthly last-sun 23:59 silent 12").nth, 5);
	assert_int_equal(parse_ok("daily 00:00 silent 120116001001").every, TC_DRILL_DAILY);
	static const char *const bad[] = {
		"", "weekly", "weekly wed 10:00 silent", "weekly wen 10:00 silent *", "weekly wed 24:00 silent *",
		"weekly wed 10:60 silent *", "weekly wed 9:00 silent *", "weekly wed 10:00 loud *",
		"weekly wed 10:00 silent 1", "weekly wed 10:00 silent 12011600100100", "weekly wed 10:00 silent 12a",
		"monthly fifth-mon 10:00 silent *", "monthly mon 10:00 silent *", "yearly wed 10:00 silent *",
		"daily 10:00 silent * extra", "weekly wed 10:00 silent * extra words here",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tc_diags *d = tc_diags_new();
		struct tc_drill x;
		if (tc_drill_parse(bad[i], &x, d) != TC_ERR_INVALID)
			fail_msg("'%s' was taken", bad[i]);
		assert_true(tc_diags_count(d) > 0);
		assert_non_null(strstr(tc_diags_get(d, 0)->message, "drill '"));
		tc_diags_free(d);
	}
}

static void test_weekly(void **state)
{
	(void)state;
	struct tc_drill dr = parse_ok("weekly wed 10:00 silent *");
	/* 2026-01-07 is a Wednesday */
	assert_int_equal(tc_drill_next(&dr, bj(2026, 1, 5, 12, 0)), bj(2026, 1, 7, 10, 0));
	assert_int_equal(tc_drill_next(&dr, bj(2026, 1, 7, 10, 0)), bj(2026, 1, 14, 10, 0));
	assert_int_equal(tc_drill_prev(&dr, bj(2026, 1, 7, 10, 0)), bj(2026, 1, 7, 10, 0));
	assert_int_equal(tc_drill_prev(&dr, bj(2026, 1, 7, 9, 59)), bj(2025, 12, 31, 10, 0));
	/* 10:00 Beijing is 02:00 UTC: a slot early in the UTC day is still found on its Beijing day */
	dr = parse_ok("weekly thu 03:00 silent *");
	assert_int_equal(tc_drill_next(&dr, bj(2026, 1, 7, 23, 0)), bj(2026, 1, 8, 3, 0));
}

static void test_monthly(void **state)
{
	(void)state;
	struct tc_drill dr = parse_ok("monthly first-mon 10:00 audible 120116");
	/* first Mondays: 2026-01-05, 2026-02-02, 2026-03-02; 2025-12-01 */
	assert_int_equal(tc_drill_next(&dr, bj(2025, 12, 20, 0, 0)), bj(2026, 1, 5, 10, 0));
	assert_int_equal(tc_drill_next(&dr, bj(2026, 1, 5, 10, 0)), bj(2026, 2, 2, 10, 0));
	assert_int_equal(tc_drill_next(&dr, bj(2026, 2, 2, 10, 1)), bj(2026, 3, 2, 10, 0));
	assert_int_equal(tc_drill_prev(&dr, bj(2026, 1, 1, 0, 0)), bj(2025, 12, 1, 10, 0));
	dr = parse_ok("monthly last-sun 23:30 silent *");
	/* last Sundays: 2026-02-22 (February, 28 days), 2026-05-31 (a month's last day) */
	assert_int_equal(tc_drill_next(&dr, bj(2026, 2, 1, 0, 0)), bj(2026, 2, 22, 23, 30));
	assert_int_equal(tc_drill_next(&dr, bj(2026, 5, 25, 0, 0)), bj(2026, 5, 31, 23, 30));
	/* across the year's end (31 December 2028 is a Sunday) */
	assert_int_equal(tc_drill_next(&dr, bj(2028, 12, 25, 0, 0)), bj(2028, 12, 31, 23, 30));
	dr = parse_ok("monthly fourth-fri 08:00 silent *");
	assert_int_equal(tc_drill_next(&dr, bj(2026, 1, 1, 0, 0)), bj(2026, 1, 23, 8, 0));
}

static void test_due(void **state)
{
	(void)state;
	struct tc_drill dr = parse_ok("weekly wed 10:00 silent *");
	int64_t slot = bj(2026, 1, 7, 10, 0);
	assert_int_equal(tc_drill_due(&dr, slot - 1, 0, 3600), 0);    /* not yet (last week's is too old) */
	assert_int_equal(tc_drill_due(&dr, slot, 0, 3600), slot);     /* on time */
	assert_int_equal(tc_drill_due(&dr, slot + 1800, 0, 3600), slot); /* missed while down: caught up */
	assert_int_equal(tc_drill_due(&dr, slot + 3600, 0, 3600), 0);    /* too old: skipped */
	assert_int_equal(tc_drill_due(&dr, slot + 10, slot, 3600), 0);   /* already run: never twice */
}

static void test_cap(void **state)
{
	(void)state;
	char xml[8192];
	const char codes[2][16] = { "120116", "13" };
	struct tc_drill dr = parse_ok("weekly wed 10:00 silent *");
	size_t n = tc_drill_cap(&dr, "drills@tj.gov.cn", bj(2026, 1, 7, 10, 0), bj(2026, 1, 7, 10, 0), 3600, codes, 2,
				xml, sizeof(xml));
	assert_true(n > 0);
	assert_non_null(strstr(xml, "<status>Test</status>"));
	assert_non_null(strstr(xml, "<sent>2026-01-07T10:00:00+08:00</sent>"));
	assert_non_null(strstr(xml, "<expires>2026-01-07T11:00:00+08:00</expires>"));
	assert_non_null(strstr(xml, "<value>13</value>"));
	dr = parse_ok("monthly first-mon 10:00 audible 120116");
	assert_true(tc_drill_cap(&dr, "s", 1, 1, 3600, codes, 1, xml, sizeof(xml)) > 0);
	assert_non_null(strstr(xml, "<status>Exercise</status>"));
	assert_int_equal(tc_drill_cap(&dr, "s", 1, 1, 3600, codes, 1, xml, 100), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse), cmocka_unit_test(test_weekly), cmocka_unit_test(test_monthly),
		cmocka_unit_test(test_due), cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
