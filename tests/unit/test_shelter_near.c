/* test_shelter_near.c — the way to shelter: distances, directions, speech, choices, the planning report, managers' SMS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_shelter_near.h"

#define LAT 39.0
#define LON 117.6
#define M_LAT (1.0 / 111195.08)                    /* degrees of latitude in a metre */
#define M_LON (1.0 / (111195.08 * cos(LAT * M_PI / 180.0))) /* degrees of longitude in a metre at LAT */

static struct tc_shelter shelter(const char *id, const char *name, double north_m, double east_m, long capacity)
{
	struct tc_shelter s = { .lat = LAT + north_m * M_LAT, .lon = LON + east_m * M_LON, .capacity = capacity };
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.state, sizeof(s.state), "open");
	return s;
}

static struct tc_receiver village(const char *id, const char *region, double north_m, double east_m,
				  const char *assigned, long population)
{
	struct tc_receiver r = { .lat = LAT + north_m * M_LAT, .lon = LON + east_m * M_LON, .population = population };
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.kind, sizeof(r.kind), "loudspeaker");
	snprintf(r.region, sizeof(r.region), "%s", region);
	snprintf(r.shelter_id, sizeof(r.shelter_id), "%s", assigned ? assigned : "");
	return r;
}

static void distances_and_directions(void **state)
{
	(void)state;
	/* Beijing to Shanghai: about 1,067 km, to the south-east */
	double d = tc_shelter_distance_m(39.9042, 116.4074, 31.2304, 121.4737);
	assert_true(fabs(d - 1067000) < 5000);
	assert_int_equal(tc_shelter_direction(39.9042, 116.4074, 31.2304, 121.4737), 3);
	assert_true(fabs(tc_shelter_distance_m(LAT, LON, LAT, LON + 400 * M_LON) - 400) < 1);
	assert_true(fabs(tc_shelter_distance_m(LAT, LON, LAT + 300 * M_LAT, LON) - 300) < 0.5);
	static const struct {
		double n, e;
		int dir;
		const char *zh, *en;
	} c[] = {
		{ 100, 0, 0, "北", "north" },  { 100, 100, 1, "东北", "north-east" }, { 0, 100, 2, "东", "east" },
		{ -100, 100, 3, "东南", "south-east" }, { -100, 0, 4, "南", "south" },  { -100, -100, 5, "西南", "south-west" },
		{ 0, -100, 6, "西", "west" },  { 100, -100, 7, "西北", "north-west" }, { 100, 30, 0, "北", "north" },
		{ 100, 50, 1, "东北", "north-east" },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int dir = tc_shelter_direction(LAT, LON, LAT + c[i].n * M_LAT, LON + c[i].e * M_LON);
		assert_int_equal(dir, c[i].dir);
		assert_string_equal(tc_shelter_direction_zh(dir), c[i].zh);
		assert_string_equal(tc_shelter_direction_name(dir), c[i].en);
	}
}

static void rounding_and_chinese_numbers(void **state)
{
	(void)state;
	assert_int_equal(tc_shelter_round_m(0), 50);
	assert_int_equal(tc_shelter_round_m(24), 50);
	assert_int_equal(tc_shelter_round_m(74), 50);
	assert_int_equal(tc_shelter_round_m(75), 100);
	assert_int_equal(tc_shelter_round_m(412), 400);
	assert_int_equal(tc_shelter_round_m(426), 450);
	assert_int_equal(tc_shelter_round_m(1190), 1200);
	static const struct {
		long m;
		const char *zh, *en;
	} c[] = {
		{ 50, "五十米", "50 metres" },         { 100, "一百米", "100 metres" },
		{ 400, "四百米", "400 metres" },       { 450, "四百五十米", "450 metres" },
		{ 150, "一百五十米", "150 metres" },   { 950, "九百五十米", "950 metres" },
		{ 1000, "一公里", "1 kilometre" },     { 1200, "一点二公里", "1.2 kilometres" },
		{ 1050, "一点零五公里", "1.05 kilometres" }, { 2500, "二点五公里", "2.5 kilometres" },
		{ 12000, "十二公里", "12 kilometres" }, { 10050, "十点零五公里", "10.05 kilometres" },
		{ 105000, "一百零五公里", "105 kilometres" },
	};
	char out[96];
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tc_shelter_distance_zh(c[i].m, out, sizeof(out));
		assert_string_equal(out, c[i].zh);
		tc_shelter_distance_en(c[i].m, out, sizeof(out));
		assert_string_equal(out, c[i].en);
	}
}

static void sentences(void **state)
{
	(void)state;
	struct tc_shelter s = shelter("sh-1", "塘沽第一中学", 0, 0, 1200);
	snprintf(s.name_en, sizeof(s.name_en), "Tanggu No. 1 Middle School");
	char out[512];
	tc_shelter_sentence_zh(&s, 400, 2, out, sizeof(out));
	assert_string_equal(out, "请前往塘沽第一中学避难场所，距离约四百米，向东。");
	tc_shelter_sentence_en(&s, 400, 2, out, sizeof(out));
	assert_string_equal(out, "Go to the Tanggu No. 1 Middle School shelter, about 400 metres to the east.");
	snprintf(s.name, sizeof(s.name), "塘沽第一中学应急避难场所");
	s.name_en[0] = '\0';
	tc_shelter_sentence_zh(&s, 1200, 4, out, sizeof(out));
	assert_string_equal(out, "请前往塘沽第一中学应急避难场所，距离约一点二公里，向南。");
	snprintf(s.name_en, sizeof(s.name_en), "Tanggu Park Shelter");
	tc_shelter_sentence_en(&s, 1200, 4, out, sizeof(out));
	assert_string_equal(out, "Go to the Tanggu Park Shelter, about 1.2 kilometres to the south.");
}

static void nearest_assignment_and_full(void **state)
{
	(void)state;
	struct tc_shelter sh[] = {
		shelter("a", "甲", 0, 400, 100),    /* 400 m east */
		shelter("b", "乙", -300, 0, 100),   /* 300 m south */
		shelter("c", "丙", 0, -450, 100),   /* 450 m west */
		shelter("d", "丁", 0, 900, 100),    /* beyond the limit */
		shelter("e", "戊", 100, 0, 100),    /* 100 m north, closed */
	};
	snprintf(sh[4].state, sizeof(sh[4].state), "closed");
	struct tc_shelter_near *x = tc_shelter_near_new(sh, 5, 0, false);
	assert_non_null(x);
	assert_int_equal(tc_shelter_near_count(x), 4);
	struct tc_shelter_choice c[4];
	size_t n = tc_shelter_near_find(x, LAT, LON, NULL, c, 4);
	assert_int_equal(n, 3);
	assert_string_equal(tc_shelter_near_get(x, c[0].shelter)->id, "b");
	assert_string_equal(tc_shelter_near_get(x, c[1].shelter)->id, "a");
	assert_string_equal(tc_shelter_near_get(x, c[2].shelter)->id, "c");
	/* the assignment wins, even beyond the limit; then the nearest others */
	n = tc_shelter_near_find(x, LAT, LON, "d", c, 2);
	assert_int_equal(n, 2);
	assert_string_equal(tc_shelter_near_get(x, c[0].shelter)->id, "d");
	assert_true(c[0].assigned);
	assert_string_equal(tc_shelter_near_get(x, c[1].shelter)->id, "b");
	struct tc_receiver r = village("rx-1", "120116001001", 0, 0, "a", 0);
	struct tc_shelter_guide g;
	tc_shelter_guidance(x, &r, &g);
	assert_string_equal(g.shelter_id, "a");
	assert_int_equal(g.rounded_m, 400);
	assert_int_equal(g.direction, 2);
	assert_string_equal(g.zh, "请前往甲避难场所，距离约四百米，向东。");
	/* an assigned shelter that cannot take people gives way to the nearest */
	r = village("rx-1", "120116001001", 0, 0, "e", 0);
	tc_shelter_guidance(x, &r, &g);
	assert_string_equal(g.shelter_id, "b");
	tc_shelter_near_free(x);
	/* full: by its state, or by occupancy at capacity */
	snprintf(sh[1].state, sizeof(sh[1].state), "full");
	sh[0].occupancy = 100;
	x = tc_shelter_near_new(sh, 5, 0, false);
	r = village("rx-1", "120116001001", 0, 0, "a", 0);
	tc_shelter_guidance(x, &r, &g);
	assert_string_equal(g.shelter_id, "c");
	assert_string_equal(g.en, "Go to the 丙 shelter, about 450 metres to the west.");
	tc_shelter_near_free(x);
	/* nothing within the limit: no guidance */
	x = tc_shelter_near_new(sh, 5, 200, false);
	tc_shelter_guidance(x, &r, &g);
	assert_int_equal(g.shelter, TC_SHELTER_NONE);
	assert_string_equal(g.zh, "");
	tc_shelter_near_free(x);
}

/* The grid finds what looking at every shelter finds, for random places. */
static void grid_matches_naive(void **state)
{
	(void)state;
	enum { NS = 600, NV = 2000 };
	struct tc_shelter *sh = calloc(NS, sizeof(*sh));
	srand(7);
	for (int i = 0; i < NS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "s%04d", i);
		sh[i] = shelter(id, id, rand() % 20000 - 10000, rand() % 20000 - 10000, 100);
	}
	struct tc_shelter_near *x = tc_shelter_near_new(sh, NS, 700, false);
	for (int i = 0; i < NV; i++) {
		double la = LAT + (rand() % 20000 - 10000) * M_LAT, lo = LON + (rand() % 20000 - 10000) * M_LON;
		struct tc_shelter_choice a[3], b[3];
		size_t na = tc_shelter_near_find(x, la, lo, NULL, a, 3), nb = tc_shelter_near_find_naive(x, la, lo, NULL, b, 3);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++)
			assert_int_equal(a[k].shelter, b[k].shelter);
	}
	tc_shelter_near_free(x);
	free(sh);
}

static bool only_town1(const char *region, void *user)
{
	(void)user;
	return !strncmp(region, "120116001", 9);
}

static void planning_report(void **state)
{
	(void)state;
	struct tc_shelter sh[] = {
		shelter("a", "甲", 0, 0, 500),       /* serves villages 1 and 2: 300 + 400 people > 500 */
		shelter("b", "乙", 0, 3000, 1000),   /* serves village 3: 600 people, room enough */
		shelter("c", "丙", 0, 6000, 10),     /* full, but the report is about places: serves village 4 */
	};
	snprintf(sh[2].state, sizeof(sh[2].state), "full");
	struct tc_receiver rx[] = {
		village("v1", "120116001001", 100, 0, NULL, 300),
		village("v1b", "120116001001", 150, 0, NULL, 300),  /* the same village: its people once */
		village("v2", "120116001002", -200, 100, NULL, 400),
		village("v3", "120116001003", 0, 3200, NULL, 600),
		village("v4", "120116001004", 0, 6100, NULL, 5),
		village("v5", "120116001005", 0, 10000, NULL, 80),  /* 4 km from c: no shelter within 500 m */
		village("v6", "120116001006", 0, 12000, "b", 70),   /* assigned, but 9 km away */
		village("v7", "120116002001", 0, 20000, NULL, 10),  /* outside the scope */
	};
	snprintf(rx[2].kind, sizeof(rx[2].kind), "loudspeaker");
	struct tc_shelter_near *x = tc_shelter_near_new(sh, 3, 0, true);
	struct tc_shelter_report r;
	assert_int_equal(tc_shelter_report(x, rx, 8, only_town1, NULL, &r), TC_OK);
	assert_int_equal(r.villages, 6);
	assert_int_equal(r.n_gaps, 2);
	assert_string_equal(r.gaps[0].region, "120116001005");
	assert_int_equal(r.gaps[0].population, 80);
	assert_string_equal(tc_shelter_near_get(x, r.gaps[0].nearest)->id, "c");
	assert_true(fabs(r.gaps[0].nearest_m - 4000) < 5);
	assert_string_equal(r.gaps[1].region, "120116001006");
	assert_int_equal(r.n_shorts, 1);
	assert_string_equal(tc_shelter_near_get(x, r.shorts[0].shelter)->id, "a");
	assert_int_equal(r.shorts[0].population, 700);
	assert_int_equal(r.shorts[0].villages, 2);
	tc_shelter_report_release(&r);
	/* signage is not a village */
	snprintf(rx[5].kind, sizeof(rx[5].kind), "signage");
	assert_int_equal(tc_shelter_report(x, rx, 8, NULL, NULL, &r), TC_OK);
	assert_int_equal(r.villages, 6);
	assert_int_equal(r.n_gaps, 2); /* 120116001006 and 120116002001 */
	assert_string_equal(r.gaps[1].region, "120116002001");
	tc_shelter_report_release(&r);
	tc_shelter_near_free(x);
}

static void manager_sms(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum tc_shelter_sms_kind kind;
		long count;
	} c[] = {
		{ "满", TC_SHELTER_SMS_FULL, 0 },       { "已满", TC_SHELTER_SMS_FULL, 0 },
		{ " 已满。", TC_SHELTER_SMS_FULL, 0 },  { "FULL", TC_SHELTER_SMS_FULL, 0 },
		{ "350", TC_SHELTER_SMS_COUNT, 350 },   { "３５０", TC_SHELTER_SMS_COUNT, 350 },
		{ "350人", TC_SHELTER_SMS_COUNT, 350 }, { "0", TC_SHELTER_SMS_COUNT, 0 },
		{ "开放", TC_SHELTER_SMS_OPEN, 0 },     { "关闭", TC_SHELTER_SMS_CLOSED, 0 },
		{ "Open!", TC_SHELTER_SMS_OPEN, 0 },    { "收到 483920", TC_SHELTER_SMS_NONE, 0 },
		{ "3 50", TC_SHELTER_SMS_COUNT, 350 },  { "-5", TC_SHELTER_SMS_NONE, 0 },
		{ "12345678", TC_SHELTER_SMS_NONE, 0 }, { "满了吗", TC_SHELTER_SMS_NONE, 0 },
		{ "", TC_SHELTER_SMS_NONE, 0 },         { "350 people", TC_SHELTER_SMS_NONE, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		long n = -1;
		enum tc_shelter_sms_kind k = tc_shelter_sms_parse(c[i].text, &n);
		if (k != c[i].kind)
			fail_msg("'%s': %s, not %s", c[i].text, tc_shelter_sms_kind_name(k), tc_shelter_sms_kind_name(c[i].kind));
		if (k == TC_SHELTER_SMS_COUNT)
			assert_int_equal(n, c[i].count);
	}
}

static void reports_applied(void **state)
{
	(void)state;
	struct tc_shelter s = shelter("a", "甲", 0, 0, 100);
	tc_shelter_apply(&s, TC_SHELTER_SMS_COUNT, 40, 10);
	assert_int_equal(s.occupancy, 40);
	assert_int_equal(s.occupancy_at, 10);
	assert_true(tc_store_shelter_open(&s));
	tc_shelter_apply(&s, TC_SHELTER_SMS_FULL, 0, 11);
	assert_string_equal(s.state, "full");
	assert_int_equal(s.occupancy, 40);
	assert_false(tc_store_shelter_open(&s));
	tc_shelter_apply(&s, TC_SHELTER_SMS_COUNT, 60, 12); /* people left: open again */
	assert_true(tc_store_shelter_open(&s));
	tc_shelter_apply(&s, TC_SHELTER_SMS_COUNT, 100, 13); /* at capacity: full by itself */
	assert_string_equal(s.state, "open");
	assert_true(tc_store_shelter_full(&s));
	tc_shelter_apply(&s, TC_SHELTER_SMS_CLOSED, 0, 14);
	tc_shelter_apply(&s, TC_SHELTER_SMS_COUNT, 5, 15); /* a number does not open a closed shelter */
	assert_string_equal(s.state, "closed");
	assert_false(tc_store_shelter_open(&s));
	tc_shelter_apply(&s, TC_SHELTER_SMS_OPEN, 0, 16);
	assert_true(tc_store_shelter_open(&s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(distances_and_directions), cmocka_unit_test(rounding_and_chinese_numbers),
		cmocka_unit_test(sentences),                cmocka_unit_test(nearest_assignment_and_full),
		cmocka_unit_test(grid_matches_naive),       cmocka_unit_test(planning_report),
		cmocka_unit_test(manager_sms),              cmocka_unit_test(reports_applied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
