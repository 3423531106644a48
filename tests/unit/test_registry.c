/* test_registry.c — registry import (CSV, JSON), all-or-nothing, export, phone numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "store_fixture.h"
#include "tc_file.h"
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
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "rx-002,signage,\"塘沽避难场所, 北门\",39.01,117.65,120116001,,yes,\n"));
	free(out);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, false, &out, NULL), TC_OK);
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

/* Receiver ids follow one grammar, [A-Za-z0-9._-]{1,63}: a bad one is named with its line. */
static void test_receiver_id_grammar(void **state)
{
	(void)state;
	static const char csv[] = "id,kind,name,lat,lon,region\n"
				  "a#b,loudspeaker,A,38.9,117.6,120116\n"
				  "x+y,loudspeaker,B,38.9,117.6,120116\n"
				  "rx:7,loudspeaker,C,38.9,117.6,120116\n"
				  "1234567890123456789012345678901234567890123456789012345678901234,signage,D,38.9,117.6,120116\n"
				  "Ok.id_1-2,signage,E,38.9,117.6,120116\n";
	struct tc_diags *d = tc_diags_new();
	size_t n = 99;
	long before = tc_store_count(store, "receivers");
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_ERR_INVALID);
	assert_int_equal(tc_store_count(store, "receivers"), before);
	assert_int_equal(tc_diags_errors(d), 4);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 2: id 'a#b' may hold only"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, "line 3: id 'x+y' may hold only"));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, "line 4: id 'rx:7' may hold only"));
	assert_non_null(strstr(tc_diags_get(d, 3)->message, "line 5: id '"));
	assert_non_null(strstr(tc_diags_get(d, 3)->message, "is longer than 63 bytes"));
	tc_diags_free(d);
	static const char good[] = "id,kind,name,lat,lon,region\n"
				   "Ok.id_1-2,signage,E,38.9,117.6,120116\n"
				   "123456789012345678901234567890123456789012345678901234567890123,signage,F,38.9,117.6,120116\n";
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, good, strlen(good), &n, NULL), TC_OK);
	assert_int_equal(n, 2);
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
	assert_int_equal(tc_registry_export(store, TC_REG_CONTACTS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "+8613800138000,张三,信息员,120116105201,zh-CN,\n"));
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

/* A shelter's reported occupancy survives an import of the shelters; its export imports again; population. */
static void test_shelter_occupancy_kept(void **state)
{
	(void)state;
	static const char sh[] = "id,name,lat,lon,capacity,area_m2,manager,phone,name_en\n"
				 "sh-501,塘沽第一中学,39.02,117.65,1200,5400,赵六,13900139501,Tanggu No. 1 Middle School\n";
	size_t n = 0;
	struct tc_shelter got;
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, sh, strlen(sh), &n, NULL), TC_OK);
	assert_int_equal(tc_store_get_shelter(store, "sh-501", &got), TC_OK);
	assert_string_equal(got.state, "open");
	assert_string_equal(got.name_en, "Tanggu No. 1 Middle School");
	assert_true(tc_store_shelter_open(&got));
	assert_int_equal(tc_store_shelter_report(store, "sh-501", 350, NULL, 1000), TC_OK);
	assert_int_equal(tc_store_shelter_report(store, "sh-nope", 1, NULL, 1000), TC_ERR_NOTFOUND);
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, sh, strlen(sh), &n, NULL), TC_OK);
	assert_int_equal(tc_store_get_shelter(store, "sh-501", &got), TC_OK);
	assert_int_equal(got.occupancy, 350);
	assert_int_equal(got.occupancy_at, 1000);
	assert_int_equal(tc_store_shelter_report(store, "sh-501", -1, "full", 1001), TC_OK);
	assert_int_equal(tc_store_get_shelter(store, "sh-501", &got), TC_OK);
	assert_true(tc_store_shelter_full(&got));
	assert_false(tc_store_shelter_open(&got));
	size_t phones = 0;
	assert_int_equal(tc_store_shelters_of_phone(store, "+8613900139501", NULL, NULL, &phones), TC_OK);
	assert_int_equal(phones, 1);
	char *out = NULL;
	assert_int_equal(tc_registry_export(store, TC_REG_SHELTERS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "sh-501,塘沽第一中学,39.02,117.65,1200,5400,赵六,+8613900139501,"
				    "Tanggu No. 1 Middle School,350,1001,full\n"));
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, out, strlen(out), &n, NULL), TC_OK);
	free(out);
	assert_int_equal(tc_registry_export(store, TC_REG_SHELTERS, false, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "\"occupancy\": 350"));
	assert_non_null(strstr(out, "\"full\": true"));
	free(out);
	static const char rx[] = "id,kind,name,lat,lon,region,population\n"
				 "rx-501,loudspeaker,新港村,39.02,117.65,120116001001,1350\n"
				 "rx-502,loudspeaker,新河村,39.02,117.66,120116001002,\n";
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, rx, strlen(rx), &n, NULL), TC_OK);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "rx-501,loudspeaker,新港村,39.02,117.65,120116001001,,yes,1350\n"));
	assert_non_null(strstr(out, "rx-502,loudspeaker,新河村,39.02,117.66,120116001002,,yes,\n"));
	free(out);
	static const char bad[] = "id,kind,name,lat,lon,region,population\nrx-503,loudspeaker,x,39,117,120116,12.5\n";
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, bad, strlen(bad), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 2: population '12.5' must be a whole number of people"));
	tc_diags_free(d);
}

/* Whether s is UTF-8, as JSON (and so the API's answer) needs. */
static bool valid_utf8(const char *s)
{
	json_t *j = json_string(s);
	json_decref(j);
	return j != NULL;
}

/* A name that is not UTF-8 is refused with its line, like any bad row: the file is not imported. */
static void test_invalid_utf8_refused(void **state)
{
	(void)state;
	static const char csv[] = "id,kind,name,lat,lon,region\n"
				  "rx-301,loudspeaker,北塘村大喇叭,39.1,117.7,120116\n"
				  "rx-302,loudspeaker,\xB1\xB1\xCC\xC1\xB4\xE5,39.1,117.7,120116\n" /* GBK, not UTF-8 */
				  "rx-303,loudspeaker,\xE5\xA4,39.1,117.7,120116\n";                  /* cut short */
	struct tc_diags *d = tc_diags_new();
	size_t n = 99;
	long before = tc_store_count(store, "receivers");
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_ERR_INVALID);
	assert_int_equal(n, 0);
	assert_int_equal(tc_store_count(store, "receivers"), before);
	assert_int_equal(tc_diags_errors(d), 2);
	assert_string_equal(tc_diags_get(d, 0)->message, "line 3: name is not valid UTF-8");
	assert_string_equal(tc_diags_get(d, 1)->message, "line 4: name is not valid UTF-8");
	/* JSON cannot even be read */
	tc_diags_clear(d);
	static const char json[] = "[{\"id\":\"rx-304\",\"kind\":\"signage\",\n\"name\":\"\xE5\xA4\",\"lat\":39,\"lon\":117,"
				   "\"region\":\"120116\"}]";
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, json, strlen(json), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 2"));
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "UTF-8"));
	assert_true(valid_utf8(tc_diags_get(d, 0)->message));
	/* a value shown in a message is cut between characters, never inside one */
	tc_diags_clear(d);
	char long_name[512], row[700];
	snprintf(long_name, sizeof(long_name), "x%s", "郭庄子村大喇叭郭庄子村大喇叭郭庄子村大喇叭郭庄子村大喇叭郭庄子村大喇叭郭庄子村大喇叭郭庄子村大喇叭");
	snprintf(row, sizeof(row), "id,kind,name,lat,lon,region\nrx-305,loudspeaker,%s,39.1,117.7,120116\n", long_name);
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, row, strlen(row), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "is too long"));
	assert_true(valid_utf8(tc_diags_get(d, 0)->message));
	tc_diags_free(d);
}

/* A row already in the store that JSON cannot carry fails the export, naming the row; it is never left out. */
static void test_export_never_drops_a_row(void **state)
{
	(void)state;
	struct tc_db *db = NULL;
	if (fixture_pg_name[0])
		skip(); /* PostgreSQL keeps no text that is not UTF-8 */
	assert_non_null(db = fixture_db_open(fixture_db));
	assert_int_equal(tc_db_exec(db, "INSERT INTO receivers (id, kind, name, lat, lon, region)"
					" VALUES ('rx-399', 'loudspeaker', CAST(X'B1B1CCC1' AS TEXT), 39.1, 117.7, '120116')"),
			 TC_DB_OK);
	tc_db_close(db);
	struct tc_diags *d = tc_diags_new();
	char *out = NULL;
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, false, &out, d), TC_ERR_INVALID);
	assert_null(out);
	assert_string_equal(tc_diags_get(d, 0)->message,
			    "receiver rx-399: name is not valid UTF-8; import the row again with the name in UTF-8");
	/* CSV carries the bytes as they are: every row is there */
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out, d), TC_OK);
	assert_non_null(strstr(out, "rx-399,loudspeaker,\xB1\xB1\xCC\xC1,"));
	free(out);
	/* the row imported again in UTF-8: JSON has every row */
	static const char fix[] = "id,kind,name,lat,lon,region\nrx-399,loudspeaker,北塘村大喇叭,39.1,117.7,120116\n";
	size_t n = 0;
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, fix, strlen(fix), &n, NULL), TC_OK);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, false, &out, NULL), TC_OK);
	json_t *all = json_loads(out, 0, NULL);
	assert_int_equal(json_array_size(all), tc_store_count(store, "receivers"));
	json_decref(all);
	free(out);
	tc_diags_free(d);
}

static long count_sql(const char *db_path, const char *sql)
{
	struct tc_db *db = NULL;
	tc_db_stmt *q = NULL;
	long n = -1;
	if ((db = fixture_db_open(db_path)) != NULL && tc_db_prepare(db, sql, &q) == TC_DB_OK &&
	    tc_db_step(q) == TC_DB_ROW)
		n = (long)tc_db_column_int64(q, 0);
	tc_db_finalize(q);
	tc_db_close(db);
	return n;
}

/* The sample registry of cap-schemas/examples/registry, its files in the order given, into a new store at path. */
static char *import_example(const char *path, const char *const order[3])
{
	struct tc_store *s = NULL;
	char *out = NULL;
	assert_int_equal(tc_store_open(path, &s, NULL), TC_OK);
	for (int i = 0; i < 3; i++) {
		char file[512], *text = NULL;
		size_t len = 0, n = 0;
		enum tc_registry_kind k;
		snprintf(file, sizeof(file), "%s/registry/%s.csv", TOCSIN_EXAMPLES_DIR, order[i]);
		assert_int_equal(tc_file_read(file, 1u << 20, &text, &len), 0);
		assert_int_equal(tc_registry_kind_parse(order[i], &k), TC_OK);
		struct tc_diags *d = tc_diags_new();
		enum tc_rc rc = tc_registry_import(s, k, text, len, &n, d);
		for (size_t j = 0; rc && j < tc_diags_count(d); j++)
			print_message("%s: %s\n", order[i], tc_diags_get(d, j)->message);
		assert_int_equal(rc, TC_OK);
		tc_diags_free(d);
		free(text);
	}
	assert_int_equal(tc_registry_export(s, TC_REG_RECEIVERS, true, &out, NULL), TC_OK);
	tc_store_close(s);
	return out;
}

/* The sample registry imports in either order, and ends the same: every display linked to its shelter. */
static void test_example_registry_any_order(void **state)
{
	(void)state;
	static const char *const shelters_first[3] = { "shelters", "receivers", "contacts" };
	static const char *const receivers_first[3] = { "receivers", "contacts", "shelters" };
	static const char linked[] = "SELECT count(*) FROM receivers r JOIN shelters s ON s.id = r.shelter_id";
	char a[160], b[160];
	snprintf(a, sizeof(a), "%s/shelters-first.db", fixture_dir);
	snprintf(b, sizeof(b), "%s/receivers-first.db", fixture_dir);
	char *one = import_example(a, shelters_first), *other = import_example(b, receivers_first);
	assert_string_equal(one, other);
	assert_non_null(strstr(one, "bh-tg-s01,signage,塘沽第一中学避难场所显示屏,39.0185,117.6532,120116001003,sh-tanggu-1,yes,\n"));
	assert_int_equal(count_sql(a, linked), 3);
	assert_int_equal(count_sql(b, linked), 3);
	free(one);
	free(other);
	const char *files[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		char p[200];
		snprintf(p, sizeof(p), "%s%s", a, files[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s%s", b, files[i]);
		unlink(p);
	}
}

/* A receiver naming a shelter not yet known is kept, said so, and linked when the shelter comes. */
static void test_shelter_linked_when_it_comes(void **state)
{
	(void)state;
	static const char rx[] = "id,kind,name,lat,lon,region,shelter\n"
				 "rx-401,signage,北塘中学显示屏,39.1,117.7,120116,sh-401\n"
				 "rx-402,signage,北塘体育馆显示屏,39.1,117.7,120116,sh-402\n";
	static const char sh[] = "id,name,lat,lon,capacity,area_m2\nsh-401,北塘中学,39.1,117.7,900,4000\n";
	static const char linked[] = "SELECT count(*) FROM receivers WHERE id IN ('rx-401', 'rx-402') AND shelter_id IS NOT NULL";
	struct tc_diags *d = tc_diags_new();
	size_t n = 0;
	char *out = NULL;
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, rx, strlen(rx), &n, d), TC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(tc_diags_warnings(d), 2);
	assert_string_equal(tc_diags_get(d, 0)->message,
			    "line 2: shelter 'sh-401' is not registered yet; the receiver is linked to it once shelters are imported");
	assert_int_equal(count_sql(fixture_db, linked), 0);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "rx-401,signage,北塘中学显示屏,39.1,117.7,120116,sh-401,yes,\n")); /* as imported */
	free(out);
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, sh, strlen(sh), &n, NULL), TC_OK);
	assert_int_equal(count_sql(fixture_db, linked), 1);
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, sh, strlen(sh), &n, NULL), TC_OK); /* again: kept */
	assert_int_equal(count_sql(fixture_db, linked), 1);
	/* rx-402 imported again without a shelter: it no longer waits for sh-402 */
	static const char rx2[] = "id,kind,name,lat,lon,region\nrx-402,signage,北塘体育馆显示屏,39.1,117.7,120116\n";
	static const char sh2[] = "id,name,lat,lon,capacity,area_m2\nsh-402,北塘体育馆,39.1,117.7,500,2000\n";
	tc_diags_clear(d);
	assert_int_equal(tc_registry_import(store, TC_REG_RECEIVERS, rx2, strlen(rx2), &n, d), TC_OK);
	assert_int_equal(tc_diags_count(d), 0);
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, sh2, strlen(sh2), &n, NULL), TC_OK);
	assert_int_equal(count_sql(fixture_db, linked), 1);
	assert_int_equal(tc_registry_export(store, TC_REG_RECEIVERS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "rx-402,signage,北塘体育馆显示屏,39.1,117.7,120116,,yes,\n"));
	free(out);
	tc_diags_free(d);
}

/* n receivers st-<first>... as CSV (or a JSON array), malloc'ed; bad: the last row's kind is wrong. */
static char *many_receivers(int first, int n, bool json, bool bad)
{
	size_t cap = (size_t)n * 128 + 128, len = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	len += (size_t)snprintf(t, cap, "%s", json ? "[\n" : "id,kind,name,lat,lon,region\n");
	for (int i = 0; i < n; i++) {
		const char *kind = bad && i == n - 1 ? "siren" : "loudspeaker";
		if (json)
			len += (size_t)snprintf(t + len, cap - len,
						"%s{\"id\":\"st-%d\",\"kind\":\"%s\",\"name\":\"村%d\",\"lat\":39.%d,\"lon\":117.%d,"
						"\"region\":\"120116001%03d\"}\n",
						i ? "," : "", first + i, kind, i, i % 1000, i % 997, i % 1000);
		else
			len += (size_t)snprintf(t + len, cap - len, "st-%d,%s,村%d,39.%d,117.%d,120116001%03d\n", first + i,
						kind, i, i % 1000, i % 997, i % 1000);
	}
	if (json)
		snprintf(t + len, cap - len, "]\n");
	return t;
}

/* Step j with a 1 ms budget to its end; returns the steps; *partial: a step left part of it in the registry. */
static int step_all(struct tc_registry_job *j, long before, long rows, bool *partial)
{
	int steps = 0;
	*partial = false;
	while (!tc_registry_job_step(j, 1)) {
		long now = tc_store_count(store, "receivers");
		*partial |= now > before && now < before + rows;
		assert_true(++steps < 1000000);
	}
	return steps;
}

/* A large import in steps: checked first, staged, then merged a part at a time; secrets made on the way. */
static void test_import_in_steps(void **state)
{
	(void)state;
	long before = tc_store_count(store, "receivers");
	for (int json = 0; json < 2; json++) {
		char *text = many_receivers(json * 10000, 3000, json, false);
		struct tc_registry_job *j = NULL;
		struct tc_diags *d = tc_diags_new();
		assert_int_equal(tc_registry_job_new(store, TC_REG_RECEIVERS, text, strlen(text), NULL, NULL, 100, d, &j),
				 TC_OK);
		free(text); /* the job has its copy */
		bool partial;
		assert_true(step_all(j, before, 3000, &partial) > 3);
		assert_true(partial);
		size_t n = 0;
		assert_int_equal(tc_registry_job_result(j, &n), TC_OK);
		assert_int_equal(n, 3000);
		assert_int_equal(tc_diags_count(d), 0);
		tc_registry_job_free(j);
		tc_diags_free(d);
		before += 3000;
		assert_int_equal(tc_store_count(store, "receivers"), before);
	}
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM receiver_secrets WHERE receiver_id LIKE 'st-%'"), 6000);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM import_rows"), 0);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM imports WHERE state = 'done' AND rows = 3000"), 2);
}

/* One bad row at the end of a large import in steps: nothing is written, not even staged. */
static void test_import_in_steps_all_or_none(void **state)
{
	(void)state;
	long before = tc_store_count(store, "receivers"), imports = count_sql(fixture_db, "SELECT count(*) FROM imports");
	for (int json = 0; json < 2; json++) {
		char *text = many_receivers(20000, 3000, json, true);
		struct tc_registry_job *j = NULL;
		struct tc_diags *d = tc_diags_new();
		assert_int_equal(tc_registry_job_new(store, TC_REG_RECEIVERS, text, strlen(text), NULL, NULL, 100, d, &j),
				 TC_OK);
		free(text);
		bool partial;
		step_all(j, before, 3000, &partial);
		assert_false(partial);
		size_t n = 7;
		assert_int_equal(tc_registry_job_result(j, &n), TC_ERR_INVALID);
		assert_int_equal(n, 0);
		assert_int_equal(tc_diags_count(d), 1);
		assert_non_null(strstr(tc_diags_get(d, 0)->message, json ? "item 3000: kind 'siren'" : "line 3001: kind 'siren'"));
		tc_registry_job_free(j);
		tc_diags_free(d);
	}
	assert_int_equal(tc_store_count(store, "receivers"), before);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM imports"), imports);
}

/* Stopped half way: an accepted import (merging) is finished at the next start, one still staging is forgotten. */
static void test_import_recovered(void **state)
{
	(void)state;
	long before = tc_store_count(store, "receivers");
	char *text = many_receivers(30000, 3000, false, false);
	struct tc_registry_job *j = NULL;
	assert_int_equal(tc_registry_job_new(store, TC_REG_RECEIVERS, text, strlen(text), NULL, NULL, 100, NULL, &j), TC_OK);
	while (tc_store_count(store, "receivers") == before)
		assert_false(tc_registry_job_step(j, 1));
	tc_registry_job_free(j); /* the stop: part of it merged */
	long part = tc_store_count(store, "receivers");
	assert_true(part > before && part < before + 3000);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM imports WHERE state = 'merging'"), 1);
	/* one still staging at the stop (a row staged, nothing merged) */
	struct tc_db *db;
	assert_non_null(db = fixture_db_open(fixture_db));
	/* the row's fields, each ended by a NUL: st-late, loudspeaker, x, 39, 117, 120116, and three empty */
#define STAGED_ROW "73742d6c617465006c6f7564737065616b657200780033390031313700313230313136000000"
	assert_int_equal(tc_db_exec(db, "INSERT INTO imports (id, kind, rows, started_at, state)"
					" VALUES (900, 'receivers', 2, 0, 'staging')"), TC_DB_OK);
	assert_int_equal(tc_db_exec(db, tc_db_engine(db) == TC_DB_POSTGRESQL
					    ? "INSERT INTO import_rows (import_id, seq, vals) VALUES (900, 0, '\\x" STAGED_ROW "')"
					    : "INSERT INTO import_rows (import_id, seq, vals) VALUES (900, 0, X'" STAGED_ROW "')"),
			 TC_DB_OK);
	tc_db_close(db);
	size_t finished = 0;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_registry_recover(store, 100, &finished, d), TC_OK);
	assert_int_equal(finished, 1);
	assert_int_equal(tc_diags_count(d), 0);
	assert_int_equal(tc_store_count(store, "receivers"), before + 3000);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM receivers WHERE id = 'st-late'"), 0);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM import_rows"), 0);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM imports WHERE id = 900 AND state = 'abandoned'"), 1);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM imports WHERE state IN ('staging', 'merging')"), 0);
	/* a job given up while staging leaves nothing */
	free(text);
	text = many_receivers(40000, 6000, false, false);
	assert_int_equal(tc_registry_job_new(store, TC_REG_RECEIVERS, text, strlen(text), NULL, NULL, 100, NULL, &j), TC_OK);
	while (count_sql(fixture_db, "SELECT count(*) FROM import_rows") <= 0)
		assert_false(tc_registry_job_step(j, 1));
	tc_registry_job_free(j);
	assert_int_equal(count_sql(fixture_db, "SELECT count(*) FROM import_rows"), 0);
	assert_int_equal(tc_store_count(store, "receivers"), before + 3000);
	free(text);
	tc_diags_free(d);
}

/* JSON read an item at a time: what is wrong with the array itself is named with its line. */
static void test_json_array_problems(void **state)
{
	(void)state;
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ "[1,", "item 1: not an object" },
		{ "[{\"id\":\"a\"}\n\n,", "line 3" },
		{ "[] x", "text after the array" },
		{ "[{\"id\":\"x\"} {}]", "',' or ']' expected" },
		{ "[\n{\"id\":\"x\",\n\"name\":\"\xff\"}]", "line 3: the text is not valid UTF-8" },
		{ "[{\"id\":", "line 1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc_diags *d = tc_diags_new();
		size_t n = 9;
		assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, cases[i].text, strlen(cases[i].text), &n, d),
				 TC_ERR_INVALID);
		assert_int_equal(n, 0);
		bool found = false;
		for (size_t k = 0; k < tc_diags_count(d); k++)
			found |= strstr(tc_diags_get(d, k)->message, cases[i].says) != NULL;
		if (!found)
			fail_msg("case %zu: no message says \"%s\" (first: %s)", i, cases[i].says,
				 tc_diags_count(d) ? tc_diags_get(d, 0)->message : "none");
		tc_diags_free(d);
	}
	size_t n = 9;
	assert_int_equal(tc_registry_import(store, TC_REG_SHELTERS, " [ ] ", 5, &n, NULL), TC_OK);
	assert_int_equal(n, 0);
}

/* The relay column: a place in the region's chain; one person a place, refused with both lines. */
static void test_contacts_relay_chains(void **state)
{
	(void)state;
	static const char ok[] = "phone,name,role,region,relay\n"
				 "13800000101,值班室,镇值班室,120116001,1\n"
				 "13800000102,副镇长,分管副镇长,120116001,2\n"
				 "13800000103,镇长,镇长,120116001,4\n"
				 "13800000104,信息员,信息员,120116001001,\n";
	static const char twice[] = "phone,name,role,region,relay\n"
				    "13800000201,甲,信息员,120116002001,1\n"
				    "13800000202,乙,村支书,120116002001,1\n";
	static const char bad[] = "phone,name,role,region,relay\n13800000301,丙,信息员,120116002002,first\n";
	static const char taken[] = "phone,name,role,region,relay\n13800000401,丁,镇长,120116001,2\n";
	static const char moved[] = "phone,name,role,region,relay\n13800000401,丁,镇长,120116001,2\n"
				    "13800000102,副镇长,分管副镇长,120116001,3\n";
	static const char json[] = "[{\"phone\":\"13800000501\",\"name\":\"戊\",\"role\":\"信息员\","
				   "\"region\":\"120116003001\",\"relay\":1}]";
	size_t n = 0;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, ok, strlen(ok), &n, d), TC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, twice, strlen(twice), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 3: relay 1 of region 120116002001 is already line 2's"));
	tc_diags_free(d);
	d = tc_diags_new();
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, bad, strlen(bad), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "line 2: relay 'first' must be empty or"));
	tc_diags_free(d);
	d = tc_diags_new();
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, taken, strlen(taken), &n, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message,
			       "line 2: relay 2 of region 120116001 is registered for +8613800000102 already"));
	tc_diags_free(d);
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, moved, strlen(moved), &n, NULL), TC_OK);
	assert_int_equal(tc_registry_import(store, TC_REG_CONTACTS, json, strlen(json), &n, NULL), TC_OK);
	char *out = NULL;
	assert_int_equal(tc_registry_export(store, TC_REG_CONTACTS, true, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "phone,name,role,region,language,relay\n"));
	assert_non_null(strstr(out, "+8613800000101,值班室,镇值班室,120116001,zh-CN,1\n"));
	assert_non_null(strstr(out, "+8613800000102,副镇长,分管副镇长,120116001,zh-CN,3\n"));
	assert_non_null(strstr(out, "+8613800000104,信息员,信息员,120116001001,zh-CN,\n"));
	free(out);
	assert_int_equal(tc_registry_export(store, TC_REG_CONTACTS, false, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "\"relay\": 1"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receivers_csv),   cmocka_unit_test(test_bad_rows_import_nothing),
		cmocka_unit_test(test_header_problems), cmocka_unit_test(test_contacts_and_phones),
		cmocka_unit_test(test_shelters_json),   cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_shelter_occupancy_kept),
		cmocka_unit_test(test_export_never_drops_a_row), cmocka_unit_test(test_example_registry_any_order),
		cmocka_unit_test(test_shelter_linked_when_it_comes), cmocka_unit_test(test_receiver_id_grammar),
		cmocka_unit_test(test_import_in_steps), cmocka_unit_test(test_import_in_steps_all_or_none),
		cmocka_unit_test(test_import_recovered), cmocka_unit_test(test_json_array_problems),
		cmocka_unit_test(test_contacts_relay_chains),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
