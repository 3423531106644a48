/* test_guidance.c — when the programme ends with the way to shelter, and grouping receivers by sentence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_guidance.h"
#include "tc_sign.h"

/* An info with one event code, a colour parameter, a responseType and a SHELTER_GUIDANCE value (NULL: absent). */
struct fixture {
	struct tc_cap_info in;
	struct tc_cap_pair code, params[2];
	const char *rt;
};

static void make(struct fixture *f, const char *code, const char *colour, const char *rt, const char *explicit_value)
{
	memset(f, 0, sizeof(*f));
	f->code = (struct tc_cap_pair){ "GB/T 35561", code };
	f->in.event_codes = &f->code;
	f->in.n_event_codes = code ? 1 : 0;
	f->params[0] = (struct tc_cap_pair){ "COLOUR", colour };
	f->params[1] = (struct tc_cap_pair){ "shelter_guidance", explicit_value };
	f->in.parameters = f->params;
	f->in.n_parameters = colour ? (explicit_value ? 2 : 1) : 0;
	if (!colour && explicit_value) {
		f->params[0] = f->params[1];
		f->in.n_parameters = 1;
	}
	f->rt = rt;
	f->in.response_types = &f->rt;
	f->in.n_response_types = rt ? 1 : 0;
}

static void test_rule(void **state)
{
	(void)state;
	static const struct {
		const char *code, *colour, *rt, *explicit_value;
		bool want;
		const char *why;
	} cases[] = {
		{ "11B01", "橙色", NULL, NULL, true, "cn event and colour: orange" },
		{ "11B01", "红色", NULL, NULL, true, "cn event and colour: red" },
		{ "11B01", "黄色", NULL, NULL, false, "not asked" },
		{ "11B03", "橙色", NULL, NULL, false, "not asked" },
		{ "11B03", "红色", NULL, NULL, true, "cn event and colour: red" },
		{ "11E02", "橙色", NULL, NULL, true, "cn event and colour: orange" },
		{ "11B14", "红色", NULL, NULL, false, "not asked" },
		{ NULL, NULL, "Evacuate", NULL, true, "responseType Evacuate" },
		{ NULL, NULL, "Shelter", NULL, true, "responseType Shelter" },
		{ NULL, NULL, "Prepare", NULL, false, "not asked" },
		{ "11B01", "黄色", NULL, "TRUE", true, "parameter SHELTER_GUIDANCE=true" },
		{ "11B01", "红色", "Evacuate", "false", false, "parameter SHELTER_GUIDANCE=false" },
		{ "11B01", "红色", NULL, "maybe", true, "cn event and colour: red" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		const char *why = NULL;
		char problem[160];
		make(&f, cases[i].code, cases[i].colour, cases[i].rt, cases[i].explicit_value);
		bool got = tc_guidance_wanted(&f.in, &why, problem, sizeof(problem));
		if (got != cases[i].want)
			fail_msg("case %zu: wanted %d, got %d (%s)", i, cases[i].want, got, why);
		assert_string_equal(why, cases[i].why);
		if (cases[i].explicit_value && !strcmp(cases[i].explicit_value, "maybe"))
			assert_string_equal(problem, "parameter SHELTER_GUIDANCE: 'maybe' is neither true nor false; ignored");
		else
			assert_string_equal(problem, "");
	}
}

static void test_audio_id(void **state)
{
	(void)state;
	char id[TC_GUIDANCE_ID_LEN + 1], hex[65];
	const char *words = "zh-CN\n请前往塘沽第一中学避难场所，距离约四百米，向东。";
	tc_guidance_audio_id("zh-CN", "请前往塘沽第一中学避难场所，距离约四百米，向东。", id);
	tc_sign_sha256_hex(words, strlen(words), hex);
	assert_int_equal(strlen(id), TC_GUIDANCE_ID_LEN);
	assert_memory_equal(id, "g-", 2);
	assert_memory_equal(id + 2, hex, 16);
	char other[TC_GUIDANCE_ID_LEN + 1];
	tc_guidance_audio_id("en-US", "请前往塘沽第一中学避难场所，距离约四百米，向东。", other);
	assert_string_not_equal(id, other);
}

static void test_group(void **state)
{
	(void)state;
	const char *a = "请前往甲避难场所，距离约四百米，向东。", *b = "请前往乙避难场所，距离约二百米，向北。";
	const struct tc_guidance_target t[] = {
		{ "rx-1", "zh-CN", a }, { "rx-2", "zh-CN", b }, { "rx-3", "zh-CN", a },
		{ "rx-4", "zh-CN", "" }, /* no shelter within the limit */
		{ "rx-1", "en-US", "Go to the A shelter, about 400 metres to the east." },
		{ "rx-3", "en-US", "Go to the A shelter, about 400 metres to the east." },
	};
	struct tc_guidance_groups g;
	assert_int_equal(tc_guidance_group(t, sizeof(t) / sizeof(t[0]), &g), TC_OK);
	assert_int_equal(g.n_groups, 3);
	assert_int_equal(g.n_members, 5);
	assert_string_equal(g.groups[0].lang, "en-US");
	assert_int_equal(g.groups[0].n, 2);
	assert_string_equal(t[g.members[g.groups[0].first]].rx, "rx-1");
	assert_string_equal(t[g.members[g.groups[0].first + 1]].rx, "rx-3");
	/* byte order: 乙 (U+4E59) before 甲 (U+7532) */
	assert_string_equal(g.groups[1].text, b);
	assert_int_equal(g.groups[1].n, 1);
	assert_string_equal(t[g.members[g.groups[1].first]].rx, "rx-2");
	assert_string_equal(g.groups[2].text, a);
	assert_int_equal(g.groups[2].n, 2);
	assert_string_equal(t[g.members[g.groups[2].first]].rx, "rx-1");
	assert_string_equal(t[g.members[g.groups[2].first + 1]].rx, "rx-3");
	char id[TC_GUIDANCE_ID_LEN + 1];
	tc_guidance_audio_id("zh-CN", b, id);
	assert_string_equal(g.groups[1].audio_id, id);
	tc_guidance_groups_release(&g);
	tc_guidance_groups_release(&g); /* twice is harmless */

	assert_int_equal(tc_guidance_group(t, 0, &g), TC_OK);
	assert_int_equal(g.n_groups, 0);
	tc_guidance_groups_release(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_audio_id),
		cmocka_unit_test(test_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
