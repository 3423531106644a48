/*
 * test_routes.c — which broker serves which receivers (tc_routes.h): the region_broker lines,
 * refused with the line named when they are bad, and the routing by region prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tc_routes.h"

static struct tc_setting_list lines(const char *const *texts)
{
	struct tc_setting_list l = { 0 };
	for (; *texts; texts++, l.n++) {
		snprintf(l.v[l.n].text, sizeof(l.v[0].text), "%s", *texts);
		snprintf(l.v[l.n].where, sizeof(l.v[0].where), "tocsind.conf:%zu", l.n + 10);
	}
	return l;
}

/* Parse texts; the first error's message into why (or ""). */
static enum tc_rc parse(const char *const *texts, struct tc_route *out, size_t *n, char *why, size_t len)
{
	struct tc_setting_list l = lines(texts);
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc = tc_routes_parse(&l, out, n, d);
	snprintf(why, len, "%s", tc_diags_count(d) ? tc_diags_get(d, 0)->message : "");
	tc_diags_free(d);
	return rc;
}

static void test_two_brokers(void **state)
{
	(void)state;
	static const char *const texts[] = { "mqtts://county-a.example:8883 120116,120117",
					     "mqtt://127.0.0.1:1884 120118 /etc/tocsin/county-b", NULL };
	struct tc_route r[TC_ROUTES_MAX];
	size_t n = 0;
	char why[512];
	assert_int_equal(parse(texts, r, &n, why, sizeof(why)), TC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].url, "mqtts://county-a.example:8883");
	assert_true(r[0].tls);
	assert_string_equal(r[0].host, "county-a.example");
	assert_int_equal(r[0].port, 8883);
	assert_int_equal(r[0].n_prefixes, 2);
	assert_string_equal(r[0].prefixes[1], "120117");
	assert_string_equal(r[0].dir, "");
	assert_false(r[1].tls);
	assert_string_equal(r[1].dir, "/etc/tocsin/county-b");
	assert_string_equal(r[1].where, "tocsind.conf:11");
	/* A receiver is on the broker of its region's prefix; none for an unserved region. */
	assert_int_equal(tc_routes_serving(r, n, "120116001001"), 0);
	assert_int_equal(tc_routes_serving(r, n, "120117"), 0);
	assert_int_equal(tc_routes_serving(r, n, "120118002"), 1);
	assert_int_equal(tc_routes_serving(r, n, "120119001"), -1);
	assert_int_equal(tc_routes_serving(r, n, "1201"), -1); /* a scope, not a receiver of either */
	/* A scope reaches every broker that may carry receivers under it. */
	assert_true(tc_route_reaches(&r[0], "12") && tc_route_reaches(&r[1], "12"));
	assert_true(tc_route_reaches(&r[0], "120116001") && !tc_route_reaches(&r[1], "120116001"));
	assert_true(!tc_route_reaches(&r[0], "120118") && tc_route_reaches(&r[1], "120118"));
	assert_true(tc_route_reaches(&r[0], "") && tc_route_reaches(&r[1], ""));
	assert_false(tc_route_reaches(&r[0], "13"));
}

/* Each bad line is refused with its place and what is wrong. */
static void test_bad_lines(void **state)
{
	(void)state;
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "county-a.example 120116", "the URL is not mqtt://HOST:PORT or mqtts://HOST:PORT" },
		{ "https://a:1 120116", "the URL is not" },
		{ "mqtts://a:99999 120116", "the URL is not" },
		{ "mqtts://a:8883", "expected URL PREFIX[,PREFIX...] [DIR]" },
		{ "mqtts://a:8883 12a116", "a region prefix is 1 to 15 digits" },
		{ "mqtts://a:8883 ,", "no region prefix" },
		{ "mqtts://a:8883 120116,1201", "the same region is named twice" },
		{ "mqtts://a:8883 120116 relative/dir", "must be an absolute path" },
		{ "mqtts://a:8883 120116 /d extra", "more than URL, prefixes and DIR" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *texts[] = { bad[i].text, NULL };
		struct tc_route r[TC_ROUTES_MAX];
		size_t n = 9;
		char why[512];
		if (parse(texts, r, &n, why, sizeof(why)) != TC_ERR_INVALID)
			fail_msg("'%s' was accepted", bad[i].text);
		assert_int_equal(n, 0);
		assert_non_null(strstr(why, "tocsind.conf:10: region_broker = '"));
		if (!strstr(why, bad[i].says))
			fail_msg("'%s': %s", bad[i].text, why);
	}
}

/* A region served by two brokers is refused, naming both lines and both prefixes. */
static void test_region_on_two_brokers(void **state)
{
	(void)state;
	static const char *const same[] = { "mqtts://a:8883 120116", "mqtts://b:8883 120117,120116", NULL };
	static const char *const nested[] = { "mqtts://a:8883 1201", "mqtts://b:8883 120118", NULL };
	struct tc_route r[TC_ROUTES_MAX];
	size_t n = 0;
	char why[512];
	assert_int_equal(parse(same, r, &n, why, sizeof(why)), TC_ERR_INVALID);
	assert_int_equal(n, 1);
	assert_non_null(strstr(why, "tocsind.conf:11: region_broker = 'mqtts://b:8883 120117,120116': the region "
				    "120116 is already served by mqtts://a:8883 (tocsind.conf:10, region 120116)"));
	assert_int_equal(parse(nested, r, &n, why, sizeof(why)), TC_ERR_INVALID);
	assert_non_null(strstr(why, "the region 120118 is already served by mqtts://a:8883 (tocsind.conf:10, region 1201)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_brokers),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_region_on_two_brokers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
