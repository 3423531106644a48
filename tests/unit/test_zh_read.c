/* test_zh_read.c — word readings: the dictionary, segmentation, lexicons, 一/不, and --explain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_zh.h"
#include "tc_zh_dict.h"
#include "tc_zh_read.h"

static struct tc_lexicon *empty, *builtin;

static int setup(void **state)
{
	(void)state;
	empty = tc_lexicon_new();
	builtin = tc_lexicon_new();
	return !empty || tc_lexicon_add_builtin(builtin, NULL) != TC_OK;
}

static int teardown(void **state)
{
	(void)state;
	tc_lexicon_free(empty);
	tc_lexicon_free(builtin);
	return 0;
}

/* What the engine is handed for in, with the lexicon lex. */
static void says(const struct tc_lexicon *lex, const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(tc_zh_normalise(in, lex, &out, NULL), TC_OK);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' → '%s', want '%s'", in, out, want);
	free(out);
}

/* The reading and source of the piece whose text is word, read from marked. */
static void piece_is(const char *marked, const struct tc_lexicon *lex, const char *word, const char *say,
		     enum tc_zh_source source)
{
	struct tc_zh_reading r;
	assert_int_equal(tc_zh_read(marked, lex, &r, NULL), TC_OK);
	bool found = false;
	for (size_t i = 0; i < r.n && !found; i++) {
		if (strcmp(r.p[i].text, word) != 0)
			continue;
		found = true;
		if (strcmp(r.p[i].say, say) != 0 || r.p[i].source != source)
			fail_msg("%s in '%s': '%s' from %s, want '%s' from %s", word, marked, r.p[i].say,
				 tc_zh_source_name(r.p[i].source), say, tc_zh_source_name(source));
	}
	tc_zh_reading_release(&r);
	if (!found)
		fail_msg("no piece '%s' in '%s'", word, marked);
}

static void test_dictionary(void **state)
{
	(void)state;
	assert_true(tc_zh_dict_size() > 300000);
	struct tc_zh_word w;
	assert_true(tc_zh_dict_find("银行", strlen("银行"), &w));
	assert_true(w.decided);
	assert_string_equal(w.readings, "yin2 hang2");
	assert_true(tc_zh_dict_find("銀行", strlen("銀行"), &w)); /* traditional too */
	assert_false(tc_zh_dict_find("银行x", strlen("银行x"), &w));
	assert_true(tc_zh_dict_has_prefix("银", strlen("银")));
	assert_false(tc_zh_dict_has_prefix("银行x", strlen("银行x")));
	assert_false(tc_zh_dict_find("", 0, &w));
	/* 为 is wei2 and wei4 about as often: the dictionary does not decide */
	assert_true(tc_zh_dict_find("为", strlen("为"), &w));
	assert_false(w.decided);
	assert_true(w.polyphone);
}

/* The polyphones the engine gets wrong, read by the dictionary alone (no lexicon entry). */
static void test_polyphones_by_word(void **state)
{
	(void)state;
	says(empty, "各银行网点", "ge4 yin2 hang2 wang3 dian3");
	says(empty, "淹没农田", "yan1 mo4 nong2 tian2");
	says(empty, "物资供给", "wu4 zi1 gong1 ji3");
	says(empty, "处于", "chu3 yu2");
	says(empty, "道路堵塞", "dao4 lu4 du3 se4");
	says(empty, "重庆", "chong2 qing4");
	says(empty, "增长", "zeng1 zhang3");
	says(empty, "长江", "chang2 jiang1");
}

/* Taiwan readings in the source give way to the mainland's (encoders/data/zh-mainland.tsv). */
static void test_mainland_readings(void **state)
{
	(void)state;
	says(empty, "信息", "xin4 xi1");
	says(empty, "危险", "wei1 xian3");
	says(empty, "建筑", "jian4 zhu4");
	says(empty, "星期", "xing1 qi1");
	says(empty, "潮汐", "chao2 xi1");
	says(empty, "堤坝", "di1 ba4");
	says(empty, "储备", "chu3 bei4");
	says(empty, "傍晚", "bang4 wan3");
}

static void test_tone_changes(void **state)
{
	(void)state;
	says(empty, "一次", "yi2 ci4");
	says(empty, "一些", "yi4 xie1");
	says(empty, "一起", "yi4 qi3");
	says(empty, "不要", "bu2 yao4");
	says(empty, "不是", "bu2 shi4");
	says(empty, "不能", "bu4 neng2");
	says(empty, "统一", "tong3 yi1");
	says(empty, "第一", "di4 yi1");
	/* numbers from the first pass: a quantity changes, a level or a date does not */
	piece_is("\x03一\x02次", empty, "一", "yi2", TC_ZH_SRC_NUMBER);
	piece_is("\x01一\x02级", empty, "一", "yi1", TC_ZH_SRC_NUMBER);
	piece_is("\x03一百\x02米", empty, "一百", "yi4 bai3", TC_ZH_SRC_NUMBER);
	piece_is("\x03一万一千\x02人", empty, "一万一千", "yi2 wan4 yi4 qian1", TC_ZH_SRC_NUMBER);
	piece_is("\x03十一\x02天", empty, "十一", "shi2 yi1", TC_ZH_SRC_NUMBER);
	piece_is("\x01一点五\x02米", empty, "一点五", "yi1 dian3 wu3", TC_ZH_SRC_NUMBER);
	/* before 百/千/万/亿 in any number, also one read as written (东经118.9度) */
	piece_is("东经\x01一百一十八点九\x02度", empty, "一百一十八点九", "yi4 bai3 yi1 shi2 ba1 dian3 jiu3",
		 TC_ZH_SRC_NUMBER);
	piece_is("\x03两\x02小时", empty, "两", "liang3", TC_ZH_SRC_NUMBER);
}

static void test_segmentation(void **state)
{
	(void)state;
	/* 银行 and 人员, not 银 + 行人 + 员, though 行人 is a word too */
	piece_is("银行人员", empty, "银行", "yin2 hang2", TC_ZH_SRC_DICTIONARY);
	piece_is("银行人员", empty, "人员", "ren2 yuan2", TC_ZH_SRC_DICTIONARY);
	/* fragments the source lists (高潮时, 间出) do not beat common words */
	says(empty, "高潮时间出现在", "gao1 chao2 shi2 jian1 chu1 xian4 zai4");
	/* erhua is set aside: 把 + 儿童, not 把儿 (ba3 r5) + 童 */
	says(empty, "不要把儿童留在车内", "bu2 yao4 ba3 er2 tong2 liu2 zai4 che1 nei4");
	/* where the source weighs a neutral tone and a full one the same, the full one */
	says(empty, "方向", "fang1 xiang4");
	/* a run longer than one segmentation window is read whole */
	char long_text[4096] = "";
	for (int i = 0; i < 300; i++)
		strcat(long_text, "银行");
	char *out = NULL;
	assert_int_equal(tc_zh_normalise(long_text, empty, &out, NULL), TC_OK);
	assert_non_null(strstr(out, "yin2 hang2"));
	assert_null(strstr(out, "银"));
	free(out);
}

static void test_lexicon_decides_first(void **state)
{
	(void)state;
	struct tc_lexicon *lex = tc_lexicon_new();
	const char tsv[] = "咸水沽\txian2 shui3 gu1\n银行\tyin2 xing2\n";
	assert_int_equal(tc_lexicon_add_tsv(lex, tsv, strlen(tsv), "bureau.tsv", NULL), TC_OK);
	piece_is("咸水沽镇", lex, "咸水沽", "xian2 shui3 gu1", TC_ZH_SRC_LEXICON);
	piece_is("各银行", lex, "银行", "yin2 xing2", TC_ZH_SRC_LEXICON); /* even against the dictionary */
	char *why = NULL;
	assert_int_equal(tc_zh_explain("咸水沽", lex, &why, NULL), TC_OK);
	assert_string_equal(why, "咸水沽\txian2 shui3 gu1\tlexicon: bureau.tsv\n");
	free(why);
	tc_lexicon_free(lex);
}

static void test_particles(void **state)
{
	(void)state;
	piece_is("迅速地撤离", empty, "地", "de5", TC_ZH_SRC_RULE);
	piece_is("撤离得及时", empty, "得", "de5", TC_ZH_SRC_RULE);
	says(empty, "当地居民", "dang1 di4 ju1 min2"); /* a word of its own: no particle */
	says(empty, "得到通知", "de2 dao4 tong1 zhi1");
	piece_is("地", empty, "地", "di4", TC_ZH_SRC_DICTIONARY); /* nothing before it */
	piece_is("低洼地可能被淹", empty, "地", "di4", TC_ZH_SRC_DICTIONARY); /* 洼地 is a word */
	piece_is("必须得马上撤出", empty, "得", "dei3", TC_ZH_SRC_RULE);
	/* 为: is, before a number or completing a verb; for, before a purpose; else the engine */
	piece_is("气温为\x01五\x02度", empty, "为", "wei2", TC_ZH_SRC_RULE);
	piece_is("升级为红色", empty, "为", "wei2", TC_ZH_SRC_RULE);
	piece_is("为确保安全", empty, "为", "wei4", TC_ZH_SRC_RULE);
	piece_is("为", empty, "为", "为", TC_ZH_SRC_ENGINE);
	piece_is("流量为每秒", empty, "为", "wei2", TC_ZH_SRC_RULE);
	/* 量 to measure; 场 one event after a number */
	piece_is("给老人量\x01两\x02次体温", empty, "量", "liang2", TC_ZH_SRC_RULE);
	piece_is("第\x01二\x02场暴雪", empty, "场", "chang2", TC_ZH_SRC_RULE);
}

/* A lexicon word inside a longer dictionary word reads as the lexicon says. */
static void test_lexicon_inside_a_word(void **state)
{
	(void)state;
	piece_is("唐山市乐亭县", builtin, "乐亭县", "lao4 ting2 xian4", TC_ZH_SRC_DICTIONARY);
	piece_is("唐山市乐亭县", empty, "乐亭县", "le4 ting2 xian4", TC_ZH_SRC_DICTIONARY);
	char *why = NULL;
	assert_int_equal(tc_zh_explain("乐亭县", builtin, &why, NULL), TC_OK);
	assert_non_null(strstr(why, "part read from built-in lexicon"));
	free(why);
}

static void test_engine_when_undecided(void **state)
{
	(void)state;
	piece_is("为", empty, "为", "为", TC_ZH_SRC_ENGINE);
	char *why = NULL;
	assert_int_equal(tc_zh_explain("为", empty, &why, NULL), TC_OK);
	assert_non_null(strstr(why, "engine: the dictionary does not decide"));
	free(why);
	/* a character outside the dictionary goes to the engine as written */
	piece_is("\xf0\xaa\x9a\xb2", empty, "\xf0\xaa\x9a\xb2", "\xf0\xaa\x9a\xb2", TC_ZH_SRC_ENGINE);
}

static void test_explain(void **state)
{
	(void)state;
	char *why = NULL;
	assert_int_equal(tc_zh_explain("各银行网点，请不要外出。", builtin, &why, NULL), TC_OK);
	assert_string_equal(why, "各\tge4\tdictionary\n"
				 "银行\tyin2 hang2\tdictionary\n"
				 "网点\twang3 dian3\tdictionary\n"
				 "，\t，\ttext\n"
				 "请\tqing3\tdictionary\n"
				 "不要\tbu2 yao4\tdictionary\n"
				 "外出\twai4 chu1\tdictionary\n"
				 "。\t。\ttext\n");
	free(why);
}

/* Marks that do not come from the first pass (a stray end, a span left open) do no harm. */
static void test_stray_marks(void **state)
{
	(void)state;
	struct tc_zh_reading r;
	const char *inputs[] = { "\x02", "\x03", "\x01\x02", "银\x03行", "\x03一百", "\x01" "abc\x02", "\x03\x03\x02\x02" };
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		assert_int_equal(tc_zh_read(inputs[i], empty, &r, NULL), TC_OK);
		char *script = tc_zh_reading_script(&r);
		assert_non_null(script);
		free(script);
		tc_zh_reading_release(&r);
	}
	assert_int_equal(tc_zh_read("\xff", empty, &r, NULL), TC_ERR_INVALID);
	tc_zh_reading_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dictionary),
		cmocka_unit_test(test_polyphones_by_word),
		cmocka_unit_test(test_mainland_readings),
		cmocka_unit_test(test_tone_changes),
		cmocka_unit_test(test_segmentation),
		cmocka_unit_test(test_lexicon_decides_first),
		cmocka_unit_test(test_particles),
		cmocka_unit_test(test_lexicon_inside_a_word),
		cmocka_unit_test(test_engine_when_undecided),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_stray_marks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
