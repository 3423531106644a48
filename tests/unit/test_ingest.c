/*
 * test_ingest.c — taking in one alert: an Update or Cancel may end only
 * alerts of its own sender, or of a sender cap_cross_sender_allowed lets
 * it; a foreign reference is refused before anything changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_fixture.h"
#include "store_fixture.h"
#include "tc_alert_life.h"
#include "tc_ingest.h"

#define ORIGINAL_REF "12011641600000,12011641600000_20260812063000_0,2026-08-12T06:30:00+08:00"

static struct tc_store *store;
static char original[17];

static int setup(void **state)
{
	(void)state;
	struct tc_ingest_options o = { .profile = TC_CAP_PROFILE_NONE };
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	int bad = fixture_store_dir() || tc_store_open(fixture_db, &store, NULL) ||
		  tc_ingest_alert(store, &o, "test", fixture_alert, strlen(fixture_alert), FIXTURE_NOW, &res, d);
	snprintf(original, sizeof(original), "%s", res.id);
	tc_diags_free(d);
	return bad ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

/* A Cancel (or Update) from sender, referencing the fixture's alert (malloc'ed). */
static char *ending(const char *msg_type, const char *sender)
{
	char type[64], from[64];
	snprintf(type, sizeof(type), "<msgType>%s</msgType>", msg_type);
	snprintf(from, sizeof(from), "<sender>%s</sender>", sender);
	char *a = fixture_with("<msgType>Alert</msgType>", type);
	char *b = fixture_replace(a, "<scope>Public</scope>\n",
				  "<scope>Public</scope>\n<references>" ORIGINAL_REF "</references>\n");
	char *c = fixture_replace(b, "_20260812063000_0</identifier>", "_20260812070000_0</identifier>");
	char *e = fixture_replace(c, "<sender>12011641600000</sender>", from);
	free(a);
	free(b);
	free(c);
	return e;
}

static enum tc_alert_state state_of(const char *id)
{
	char msg_type[16];
	enum tc_alert_state st = TC_ALERT_ACCEPTED;
	int64_t expires;
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	return st;
}

static enum tc_rc ingest(const char *xml, const char *allowed, struct tc_ingest_result *res, struct tc_diags *d)
{
	struct tc_ingest_options o = { .profile = TC_CAP_PROFILE_NONE, .cross_sender = allowed };
	return tc_ingest_alert(store, &o, "test", xml, strlen(xml), FIXTURE_NOW + 60, res, d);
}

static void test_foreign_cancel_refused(void **state)
{
	(void)state;
	char *xml = ending("Cancel", "12011700000000");
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	char found[17];
	enum tc_alert_state before = state_of(original);
	assert_int_equal(ingest(xml, NULL, &res, d), TC_ERR_INVALID);
	assert_false(res.unreadable); /* 422, not 400 */
	const struct tc_diag *it = NULL;
	for (size_t i = 0; i < tc_diags_count(d); i++)
		if (!strcmp(tc_diags_get(d, i)->code, "ingest.reference-foreign"))
			it = tc_diags_get(d, i);
	assert_non_null(it);
	assert_int_equal(it->sev, TC_SEV_ERROR);
	assert_non_null(strstr(it->message, ORIGINAL_REF));
	assert_non_null(strstr(it->message, "sender 12011700000000"));
	assert_non_null(strstr(it->message, "sender 12011641600000"));
	/* nothing changed: the original as it was, the Cancel not kept */
	assert_int_equal(state_of(original), before);
	assert_int_not_equal(state_of(original), TC_ALERT_CANCELLED);
	assert_int_equal(tc_store_find_alert(store, "12011700000000", "12011641600000_20260812070000_0",
					     "2026-08-12T06:30:00+08:00", found),
			 TC_ERR_NOTFOUND);
	/* an Update likewise */
	free(xml);
	xml = ending("Update", "12011700000000");
	assert_int_equal(ingest(xml, "12011800000000>*, 12011641600000>12011700000000", &res, d), TC_ERR_INVALID);
	assert_int_not_equal(state_of(original), TC_ALERT_SUPERSEDED);
	tc_diags_free(d);
	free(xml);
}

static void test_own_cancel_accepted(void **state)
{
	(void)state;
	char *xml = ending("Cancel", "12011641600000");
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(ingest(xml, NULL, &res, d), TC_OK);
	assert_int_equal(state_of(original), TC_ALERT_CANCELLED);
	tc_diags_free(d);
	free(xml);
}

static void test_allowed_sender_cancels(void **state)
{
	(void)state;
	const char *lists[] = { "12011700000000>12011641600000", "x>y; 12011700000000>*" };
	for (int i = 0; i < 2; i++) {
		teardown(NULL);
		assert_int_equal(setup(NULL), 0);
		char *xml = ending("Cancel", "12011700000000");
		struct tc_ingest_result res;
		struct tc_diags *d = tc_diags_new();
		assert_int_equal(ingest(xml, lists[i], &res, d), TC_OK);
		assert_int_equal(state_of(original), TC_ALERT_CANCELLED);
		tc_diags_free(d);
		free(xml);
	}
}

static void test_allowed_list_checked(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_ingest_cross_sender_check("", d), TC_OK);
	assert_int_equal(tc_ingest_cross_sender_check("a>b, c>*;d>e", d), TC_OK);
	assert_int_equal(tc_diags_count(d), 0);
	assert_int_equal(tc_ingest_cross_sender_check("a>b, lonely, >x, y>, p>q>r", d), TC_ERR_INVALID);
	assert_int_equal(tc_diags_count(d), 4);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "'lonely'"));
	tc_diags_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_foreign_cancel_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_cancel_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_sender_cancels, setup, teardown),
		cmocka_unit_test(test_allowed_list_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
