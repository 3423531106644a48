/* test_preview.c — an alert's preview (speech text, audio, SMS, the display's screen) and the previews kept: for their maker only, at most 32 and so many bytes, each for a while. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"
#include "tc_preview.h"

#define NOW 1796169600 /* 2026-12-02T00:00:00Z */

/* A made preview named after n, with bytes of audio in zh-CN. */
static struct tc_preview *made(unsigned n, size_t bytes)
{
	struct tc_preview *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	snprintf(p->id, sizeof(p->id), "%032x", n);
	p->langs = calloc(1, sizeof(*p->langs));
	assert_non_null(p->langs);
	p->n_langs = 1;
	snprintf(p->langs[0].lang, sizeof(p->langs[0].lang), "zh-CN");
	p->langs[0].audio = calloc(1, bytes ? bytes : 1);
	p->langs[0].audio_len = bytes;
	return p;
}

static const char *id_of(unsigned n)
{
	static char id[TC_PREVIEW_ID_LEN + 1];
	snprintf(id, sizeof(id), "%032x", n);
	return id;
}

static void test_for_its_maker_only(void **state)
{
	(void)state;
	struct tc_previews *ps = tc_previews_new(TC_PREVIEWS_MAX, TC_PREVIEWS_BYTES, TC_PREVIEW_TTL_S);
	assert_int_equal(tc_previews_put(ps, made(1, 1000), "li-wei", NOW), TC_OK);
	const struct tc_preview_lang *l = tc_previews_get(ps, id_of(1), "zh-CN", "li-wei", NOW + 1);
	assert_non_null(l);
	assert_int_equal(l->audio_len, 1000);
	assert_null(tc_previews_get(ps, id_of(1), "zh-CN", "zhang-san", NOW + 1)); /* another user */
	assert_null(tc_previews_get(ps, id_of(1), "zh-CN", "li-we", NOW + 1));
	assert_null(tc_previews_get(ps, id_of(1), "en-US", "li-wei", NOW + 1));    /* a language it has not */
	assert_null(tc_previews_get(ps, id_of(2), "zh-CN", "li-wei", NOW + 1));    /* an id never made */
	assert_null(tc_previews_get(ps, "0000", "zh-CN", "li-wei", NOW + 1));      /* not an id at all */
	tc_previews_free(ps);
	tc_previews_free(NULL);
}

static void test_kept_for_a_while(void **state)
{
	(void)state;
	struct tc_previews *ps = tc_previews_new(TC_PREVIEWS_MAX, TC_PREVIEWS_BYTES, TC_PREVIEW_TTL_S);
	assert_int_equal(tc_previews_put(ps, made(1, 10), "li-wei", NOW), TC_OK);
	assert_int_equal(tc_previews_put(ps, made(2, 10), "li-wei", NOW + 300), TC_OK);
	assert_non_null(tc_previews_get(ps, id_of(1), "zh-CN", "li-wei", NOW + TC_PREVIEW_TTL_S - 1));
	assert_null(tc_previews_get(ps, id_of(1), "zh-CN", "li-wei", NOW + TC_PREVIEW_TTL_S));
	assert_int_equal(tc_previews_count(ps), 1); /* the expired one is gone, the later one stays */
	assert_non_null(tc_previews_get(ps, id_of(2), "zh-CN", "li-wei", NOW + TC_PREVIEW_TTL_S));
	tc_previews_free(ps);
}

static void test_at_most_so_many(void **state)
{
	(void)state;
	struct tc_previews *ps = tc_previews_new(TC_PREVIEWS_MAX, TC_PREVIEWS_BYTES, TC_PREVIEW_TTL_S);
	for (unsigned i = 1; i <= TC_PREVIEWS_MAX + 1; i++)
		assert_int_equal(tc_previews_put(ps, made(i, 10), "li-wei", NOW + i), TC_OK);
	assert_int_equal(tc_previews_count(ps), TC_PREVIEWS_MAX);
	assert_null(tc_previews_get(ps, id_of(1), "zh-CN", "li-wei", NOW + 40)); /* the oldest went */
	assert_non_null(tc_previews_get(ps, id_of(2), "zh-CN", "li-wei", NOW + 40));
	assert_non_null(tc_previews_get(ps, id_of(TC_PREVIEWS_MAX + 1), "zh-CN", "li-wei", NOW + 40));
	tc_previews_free(ps);
}

static void test_bytes_together(void **state)
{
	(void)state;
	struct tc_preview *one = made(99, 100000);
	size_t each = tc_preview_bytes(one);
	tc_preview_free(one);
	assert_true(each >= 100000);
	struct tc_previews *ps = tc_previews_new(TC_PREVIEWS_MAX, 3 * each + each / 2, TC_PREVIEW_TTL_S);
	for (unsigned i = 1; i <= 4; i++)
		assert_int_equal(tc_previews_put(ps, made(i, 100000), "li-wei", NOW), TC_OK);
	assert_int_equal(tc_previews_count(ps), 3);
	assert_int_equal(tc_previews_bytes(ps), 3 * each);
	assert_null(tc_previews_get(ps, id_of(1), "zh-CN", "li-wei", NOW)); /* the oldest made room */
	assert_non_null(tc_previews_get(ps, id_of(4), "zh-CN", "li-wei", NOW));
	/* one larger than all may hold is refused (and freed), and nothing else goes for it */
	assert_int_equal(tc_previews_put(ps, made(5, 4 * each), "li-wei", NOW), TC_ERR_LIMIT);
	assert_int_equal(tc_previews_count(ps), 3);
	tc_previews_free(ps);
}

/* A whole preview of an example, with the real speech engine: what the drafter is shown. */
static void test_make(void **state)
{
	(void)state;
	char *xml = NULL, path[512];
	size_t len = 0;
	struct tc_tts *tts = NULL;
	struct tc_render_options ro;
	snprintf(path, sizeof(path), "%s/cn-typhoon-orange.xml", TOCSIN_EXAMPLES_DIR);
	assert_int_equal(tc_file_read(path, 1 << 20, &xml, &len), 0);
	assert_int_equal(tc_tts_new(NULL, &tts, NULL), TC_OK);
	tc_render_defaults(&ro);
	ro.message_only = true;
	struct tc_preview *p = tc_preview_make(id_of(7), xml, len, tts, &ro, NOW);
	assert_non_null(p);
	assert_int_equal(p->rc, TC_OK);
	assert_string_equal(p->id, id_of(7));
	assert_int_equal(p->n_langs, 2);
	assert_string_equal(p->langs[0].lang, "zh-CN");
	assert_string_equal(p->langs[1].lang, "en-US");
	assert_string_equal(p->langs[1].sms_encoding, "GSM7");
	assert_non_null(strstr(p->langs[0].script, "台风"));
	assert_true(p->langs[0].audio_len > 1000);
	assert_memory_equal(p->langs[0].audio, "OggS", 4);
	assert_true(p->langs[0].duration_ms > 1000);
	assert_string_equal(p->langs[0].sms_encoding, "UCS2");
	assert_true(p->langs[0].sms_segments >= 1);
	assert_int_equal(p->width, RX_VIEW_WIDTH);
	assert_int_equal(p->n_lines, RX_VIEW_HEIGHT);
	size_t orange = 0;
	for (size_t i = 0; i < p->n_lines; i++)
		if (p->lines[i].style == RX_STYLE_ORANGE && strstr(p->lines[i].text, "[橙色 ORANGE] 台风"))
			orange++;
	assert_int_equal(orange, 1);
	tc_preview_free(p);

	/* what cannot be read is a preview that says why, never a crash */
	p = tc_preview_make(id_of(8), "<alert/>", 8, tts, &ro, NOW);
	assert_non_null(p);
	assert_int_not_equal(p->rc, TC_OK);
	assert_true(strlen(p->code) > 0 && strlen(p->error) > 0);
	tc_preview_free(p);
	tc_preview_free(NULL);
	tc_tts_free(tts);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_for_its_maker_only),
		cmocka_unit_test(test_kept_for_a_while),
		cmocka_unit_test(test_at_most_so_many),
		cmocka_unit_test(test_bytes_together),
		cmocka_unit_test(test_make),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
