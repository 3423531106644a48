/* test_payload.c — the receiver payload built from CAP alerts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_payload.h"
#include "tc_sign.h"
#include "tc_cap_check.h"

static struct tc_cap_alert *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TOCSIN_EXAMPLES_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options opt;
	tc_cap_options_default(&opt);
	opt.profile = TC_CAP_PROFILE_CN;
	assert_int_equal(tc_cap_check(buf, n, &opt, &a, NULL), TC_OK);
	return a;
}

static json_t *build(const struct tc_cap_alert *a, const struct tc_payload_options *opt)
{
	char *s = NULL;
	size_t n = 0;
	assert_int_equal(tc_payload_build(a, opt, &s, &n, NULL), TC_OK);
	assert_int_equal(strlen(s), n);
	json_t *j = json_loads(s, 0, NULL);
	assert_non_null(j);
	free(s);
	return j;
}

static void test_typhoon_orange(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-typhoon-orange.xml");
	struct tc_payload_audio audio = { .lang = "zh-CN", .id = "a1-zh-CN", .format = "ogg-opus",
					  .length = 1234, .duration_ms = 42000 };
	tc_sign_sha256_hex("abc", 3, audio.sha256);
	struct tc_payload_options opt = { .alert_id = "a1", .default_repeats = 2, .audio = &audio, .n_audio = 1 };
	json_t *j = build(a, &opt);
	assert_int_equal(json_integer_value(json_object_get(j, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "a1");
	assert_string_equal(json_string_value(json_object_get(j, "msgType")), "Alert");
	assert_string_equal(json_string_value(json_object_get(j, "colour")), "orange");
	assert_string_equal(json_string_value(json_object_get(j, "severity")), "Severe");
	assert_int_equal(json_integer_value(json_object_get(j, "repeats")), 3); /* REPEAT parameter */
	assert_false(json_boolean_value(json_object_get(j, "drill")));
	assert_string_equal(json_string_value(json_object_get(j, "expires")), "2026-08-13T18:00:00+08:00");
	json_t *infos = json_object_get(j, "infos");
	assert_int_equal(json_array_size(infos), 2);
	json_t *zh = json_array_get(infos, 0);
	assert_string_equal(json_string_value(json_object_get(zh, "lang")), "zh-CN");
	assert_string_equal(json_string_value(json_object_get(zh, "headline")), "天津市滨海新区气象台发布台风橙色预警");
	json_t *au = json_object_get(zh, "audio");
	assert_string_equal(json_string_value(json_object_get(au, "sha256")),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(json_integer_value(json_object_get(au, "length")), 1234);
	assert_true(json_is_null(json_object_get(json_array_get(infos, 1), "audio")));
	json_decref(j);
	tc_cap_alert_free(a);
}

/* kid, issued_at, expires_at (the CAP's, else issued_at + default_expiry_s) and scope: always there. */
static void test_seal_fields(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-typhoon-orange.xml");
	static const char *const regions[] = { "120116", "310115" }, *const receivers[] = { "rx-1" };
	struct tc_payload_options opt = { .alert_id = "a1", .default_repeats = 2, .kid = "0123456789abcdef",
					  .issued_at = 1800000000, .default_expiry_s = 21600, .scope_regions = regions,
					  .n_scope_regions = 2, .scope_receivers = receivers, .n_scope_receivers = 1 };
	json_t *j = build(a, &opt);
	assert_string_equal(json_string_value(json_object_get(j, "kid")), "0123456789abcdef");
	assert_int_equal(json_integer_value(json_object_get(j, "issued_at")), 1800000000);
	assert_int_equal(json_integer_value(json_object_get(j, "expires_at")), 1786615200); /* 2026-08-13T18:00+08 */
	json_t *scope = json_object_get(j, "scope");
	assert_int_equal(json_array_size(json_object_get(scope, "regions")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(scope, "regions"), 1)), "310115");
	assert_string_equal(json_string_value(json_array_get(json_object_get(scope, "receivers"), 0)), "rx-1");
	json_decref(j);
	/* no <expires>: default_expiry_s after it is sealed */
	for (size_t i = 0; i < a->n_infos; i++)
		a->infos[i].expires.valid = false;
	opt.n_scope_regions = opt.n_scope_receivers = 0;
	j = build(a, &opt);
	assert_true(json_is_null(json_object_get(j, "expires")));
	assert_int_equal(json_integer_value(json_object_get(j, "expires_at")), 1800000000 + 21600);
	scope = json_object_get(j, "scope");
	assert_true(json_is_array(json_object_get(scope, "regions")));
	assert_int_equal(json_array_size(json_object_get(scope, "receivers")), 0);
	json_decref(j);
	tc_cap_alert_free(a);
}

static void test_update_references_and_priority(void **state)
{
	(void)state;
	struct tc_cap_alert *orange = load("cn-typhoon-orange.xml");
	struct tc_cap_alert *red = load("cn-typhoon-red-update.xml");
	struct tc_payload_options opt = { .alert_id = "a2", .default_repeats = 1 };
	json_t *j = build(red, &opt);
	assert_string_equal(json_string_value(json_object_get(j, "colour")), "red");
	json_t *refs = json_object_get(j, "references");
	assert_int_equal(json_array_size(refs), 1);
	assert_string_equal(json_string_value(json_array_get(refs, 0)),
			    "12011641600000,12011641600000_20260812063000_0,2026-08-12T06:30:00+08:00");
	assert_true(tc_payload_priority(&red->infos[0]) > tc_payload_priority(&orange->infos[0]));
	json_decref(j);
	tc_cap_alert_free(orange);
	tc_cap_alert_free(red);
}

static void test_drill_flag(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-rainstorm-blue-exercise.xml");
	struct tc_payload_options opt = { .alert_id = "a3", .default_repeats = 1 };
	json_t *j = build(a, &opt);
	assert_true(json_boolean_value(json_object_get(j, "drill")));
	assert_string_equal(json_string_value(json_object_get(j, "colour")), "blue");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "Exercise");
	json_decref(j);
	tc_cap_alert_free(a);
}

static void test_repeats_parameter_bounds(void **state)
{
	(void)state;
	struct tc_cap_pair p = { "REPEAT", "0" };
	struct tc_cap_info in = { .parameters = &p, .n_parameters = 1 };
	assert_int_equal(tc_payload_repeats(&in, 2), 2);
	p.value = "11";
	assert_int_equal(tc_payload_repeats(&in, 2), 2);
	p.value = " 4 ";
	assert_int_equal(tc_payload_repeats(&in, 2), 4); /* white space around the number is fine */
	p.value = "4";
	assert_int_equal(tc_payload_repeats(&in, 2), 4);
}

static void test_colour_falls_back_to_severity(void **state)
{
	(void)state;
	struct tc_cap_info in = { .severity = TC_CAP_SEVERE, .headline = "Gale warning" };
	assert_int_equal(tc_payload_colour(&in), TC_CAP_COLOUR_ORANGE);
	in.headline = "Gale Yellow Warning";
	assert_int_equal(tc_payload_colour(&in), TC_CAP_COLOUR_YELLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typhoon_orange),
		cmocka_unit_test(test_seal_fields),
		cmocka_unit_test(test_update_references_and_priority),
		cmocka_unit_test(test_drill_flag),
		cmocka_unit_test(test_repeats_parameter_bounds),
		cmocka_unit_test(test_colour_falls_back_to_severity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
