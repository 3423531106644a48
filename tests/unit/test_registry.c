/* test_registry.c — registry import (CSV, JSON), all-or-nothing, export, phone numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_fixture.h"
#include "tc_registry.h"

static struct tc_store *store;

static int setup(void **state)
{
	(void)state;
	if (fixture_store_dir())
		return -1;
	return tc_store_open(fixture_db, &store, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

static void test_receivers_csv(void **state)
{
	(void)state;
	static const char csv[] = "\xEF\xBB\xBFid,kind,name,lat,lon,region\r\n"
				  "rx-001,loudspeaker,郭庄子村大喇叭,38.9,117.6,120116105201\r\n"
				  "rx-002,signage,\"塘沽避难场所, 北门\",39.01,117.65,120116001\n"
				  "\n";
	size_t n = 0;
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, csv, strlen(csv), &n, NULL), TC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(tc_store_count(store, "receivers"), 2);
	char *out = NULL;
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out), TC_OK);
	assert_non_null(strstr(out, "rx-002,signage,\"塘沽避难场所, 北门\",39.01,117.65,120116001,,yes\n"));
	free(out);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, false, &out), TC_OK);
	assert_non_null(strstr(out, "\"kind\": \"loudspeaker\""));
	free(out);
}

static void test_bad_rows_import_nothing(void **state)
{
	(void)state;
	static const char csv[] = "id,kind,name,lat,lon,region\n"
				  "rx-101,loudspeaker,A,38.9,117.6,120116\n"
				  "rx-102,siren,B,38.9,117.6,120116\n"
				  "rx-103,signage,C,138.9,117.6,120116\n"
				  "rx 104,signage,D,38.9,117.6,12011\n"
				  "rx-105,signage,E\n";
	struct tc_diags *d = tc_diags_new();
	size_t n = 99;
	long before = tc_store_count(store, "receivers");
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_ERR_INVALID);
	assert_int_equal(n, 0);
	assert_int_equal(tc_store_count(store, "receivers"), before); /* rx-101 was not half-imported */
	assert_int_equal(tc_diags_errors(d), 5);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 3: kind 'siren' must be loudspeaker or signage"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, "line 4: lat '138.9' is out of range"));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, "line 5: id 'rx 104'"));
	assert_non_null(strstr(tc_diags_get(d, 3)->message, "line 5: region '12011'"));
	assert_non_null(strstr(tc_diags_get(d, 4)->message, "line 6: 3 fields, the header has 6"));
	tc_diags_free(d);
}

static void test_header_problems(void **state)
{
	(void)state;
	static const char csv[] = "id,kind,nom,lat,lon,region\nrx,loudspeaker,x,1,2,120116\n";
	struct tc_diags *d = tc_diags_new();
	size_t n;
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "unknown column 'nom'"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, "no 'name' column"));
	tc_diags_free(d);
}

static void test_contacts_and_phones(void **state)
{
	(void)state;
	static const char csv[] = "phone,name,role,region,language\n"
				  "138 0013 8000,张三,信息员,120116105201,\n"
				  "+86-22-2520-1234,李四,official,120116,zh-CN\n"
				  "022 2520 1235,王五,official,120116,en-US\n";
	size_t n = 0;
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, csv, strlen(csv), &n, NULL), TC_OK);
	assert_int_equal(n, 3);
	char *out = NULL;
	assert_int_equal(tc_registry_export(store, TC_REG_CONTACTS, true, &out), TC_OK);
	assert_non_null(strstr(out, "+8613800138000,张三,信息员,120116105201,zh-CN\n"));
	assert_non_null(strstr(out, "+862225201234,李四"));
	assert_non_null(strstr(out, "+862225201235,王五,official,120116,en-US"));
	free(out);
	/* the same phone again updates, never duplicates */
	static const char again[] = "phone,name,role,region\n13800138000,张三,official,120116\n";
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, again, strlen(again), &n, NULL), TC_OK);
	assert_int_equal(tc_store_count(store, "contacts"), 3);
	char e164[24];
	assert_false(tc_registry_phone("12345", "86", e164, sizeof(e164)));
	assert_false(tc_registry_phone("call me", "86", e164, sizeof(e164)));
	assert_true(tc_registry_phone("0044 20 7946 0000", "86", e164, sizeof(e164)));
	assert_string_equal(e164, "+442079460000");
}

static void test_shelters_json(void **state)
{
	(void)state;
	static const char json[] = "[{\"id\":\"sh-1\",\"name\":\"塘沽第一中学\",\"lat\":39.02,\"lon\":117.65,"
				   "\"capacity\":1200,\"area_m2\":5400.5,\"manager\":\"赵六\",\"phone\":\"13900139000\"},"
				   "{\"id\":\"sh-2\",\"name\":\"新河体育馆\",\"lat\":38.99,\"lon\":117.7,\"capacity\":800,"
				   "\"area_m2\":3000}]";
	size_t n = 0;
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, json, strlen(json), &n, NULL), TC_OK);
	assert_int_equal(n, 2);
	static const char bad[] = "[{\"id\":\"sh-3\",\"name\":\"x\",\"lat\":39,\"lon\":117,\"capacity\":1.5,\"area_m2\":1}, 7]";
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, bad, strlen(bad), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "item 1: capacity '1.5' must be a whole number"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, "item 2: not an object"));
	assert_int_equal(tc_store_count(store, "shelters"), 2);
	tc_diags_clear(d);
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, "[1,", 3, &n, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "registry.json"));
	tc_diags_free(d);
	/* a receiver may name its shelter */
	static const char rx[] = "id,kind,name,lat,lon,region,shelter,drills\nrx-201,signage,屏,39.02,117.65,120116001,sh-1,no\n";
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, rx, strlen(rx), &n, NULL), TC_OK);
	enum tc_registry_kind k;
	assert_int_equal(tc_registry_kind_parse("shelters", &k), TC_OK);
	assert_int_equal(k, TC_REG_SHELTERS);
	assert_int_equal(tc_registry_kind_parse("sirens", &k), TC_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receivers_csv),   cmocka_unit_test(test_bad_rows_import_nothing),
		cmocka_unit_test(test_header_problems), cmocka_unit_test(test_contacts_and_phones),
		cmocka_unit_test(test_shelters_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
