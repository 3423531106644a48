/* test_zh.c — Chinese speech normalisation and the pronunciation lexicon. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_zh.h"

static struct tc_lexicon *lex;

static int setup(void **state)
{
	(void)state;
	lex = tc_lexicon_new();
	return tc_lexicon_add_builtin(lex, NULL) != TC_OK;
}

static int teardown(void **state)
{
	(void)state;
	tc_lexicon_free(lex);
	return 0;
}

/* normalise without the lexicon and compare */
static void says(const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(tc_zh_normalise(in, NULL, &out, NULL), TC_OK);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' → '%s', want '%s'", in, out, want);
	free(out);
}

static void says_lex(const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(tc_zh_normalise(in, lex, &out, NULL), TC_OK);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' → '%s', want '%s'", in, out, want);
	free(out);
}

static void test_numbers(void **state)
{
	(void)state;
	static const struct { unsigned long long n; const char *zh; } cases[] = {
		{ 0, "零" }, { 7, "七" }, { 10, "十" }, { 12, "十二" }, { 20, "二十" }, { 100, "一百" },
		{ 105, "一百零五" }, { 110, "一百一十" }, { 1001, "一千零一" }, { 1010, "一千零一十" },
		{ 2000, "两千" }, { 2026, "两千零二十六" }, { 10000, "一万" }, { 10001, "一万零一" },
		{ 20000, "两万" }, { 100000, "十万" }, { 1000000, "一百万" }, { 100000001, "一亿零一" },
		{ 12345678, "一千二百三十四万五千六百七十八" },
	};
	char buf[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_zh_number(cases[i].n, buf, sizeof(buf));
		if (strcmp(buf, cases[i].zh) != 0)
			fail_msg("%llu → %s, want %s", cases[i].n, buf, cases[i].zh);
	}
}

static void test_ranges_and_levels(void **state)
{
	(void)state;
	says("10～12级大风", "十到十二级大风");
	says("8~10级", "八到十级");
	says("3-5级", "三到五级");
	says("8〜9级", "八到九级");
}

static void test_decimals_percent_units(void **state)
{
	(void)state;
	says("雨量3.5毫米", "雨量三点五毫米");
	says("136.5毫米", "一百三十六点五毫米");
	says("湿度80%", "湿度百分之八十");
	says("湿度80％", "湿度百分之八十");
	says("风速45米/秒", "风速四十五米每秒");
	says("雨强40毫米/小时", "雨强四十毫米每小时");
	says("时速120km/h", "时速一百二十公里每小时");
	says("风速30m/s", "风速三十米每秒");
	says("雨量40mm", "雨量四十毫米");
	says("气温33℃", "气温三十三摄氏度");
	says("气温25°C", "气温二十五摄氏度");
	says("气压1000hPa", "气压一千百帕");
}

static void test_years_dates_times(void **state)
{
	(void)state;
	says("2026年8月12日", "二零二六年八月十二日");
	says("2026-08-12", "二零二六年八月十二日");
	says("14:30起", "十四时三十分起");
	says("14：30起", "十四时三十分起");
	says("08:00", "八时");
	says("14时30分", "十四时三十分");
	says("16日03时05分", "十六日三时五分");
}

static void test_codes_lists_and_symbols(void **state)
{
	(void)state;
	says("电话022-25201234", "电话零二二 二五二零幺二三四");
	says("拨打12121", "拨打幺二幺二幺");
	says("共12121人", "共一万二千一百二十一人");
	says("拨打0221234", "拨打零二二幺二三四");
	says("1.停止集会；2.停课", "一、停止集会；二、停课");
	says("最大风力14级（45米/秒）。", "最大风力十四级，四十五米每秒。");
	says("台风“海鸥”", "台风海鸥");
	says("【演练】本条", "演练，本条");
	says("详见http://example.cn/a 网站", "详见 网站");
	says("注意安全😀", "注意安全");
	says("第9号台风", "第九号台风");
}

static void test_lexicon_replaces_polyphones(void **state)
{
	(void)state;
	says_lex("尽快转移到避难场所", "jin3 kuai4 zhuan3 yi2 dao4 bi4 nan4 chang3 suo3");
	says_lex("避难所", "bi4 nan4 suo3");
	says_lex("应急广播", "ying4 ji2 guang3 bo1");
	assert_true(tc_lexicon_size(lex) > 50);
}

static void test_lexicon_later_entry_wins(void **state)
{
	(void)state;
	struct tc_lexicon *l = tc_lexicon_new();
	const char *tsv = "# comment\n重庆\tzhong4 qing4\n\n重庆\tchong2 qing4\n";
	assert_int_equal(tc_lexicon_add_tsv(l, tsv, strlen(tsv), "test", NULL), TC_OK);
	assert_int_equal(tc_lexicon_size(l), 1);
	char *out = NULL;
	assert_int_equal(tc_zh_normalise("去重庆", l, &out, NULL), TC_OK);
	assert_string_equal(out, "qu4 chong2 qing4");
	free(out);
	tc_lexicon_free(l);
}

static void test_lexicon_bad_lines(void **state)
{
	(void)state;
	struct tc_lexicon *l = tc_lexicon_new();
	struct tc_diags *d = tc_diags_new();
	const char *tsv = "场所\tchang3 suo3\n避难 bi4 nan4\n应急\tying ji2\n网点\twang3\n";
	assert_int_equal(tc_lexicon_add_tsv(l, tsv, strlen(tsv), "ops.tsv", d), TC_ERR_INVALID);
	assert_int_equal(tc_diags_errors(d), 3);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "ops.tsv, line 2"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, "line 3"));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, "line 4: a word of Hanzi needs one syllable per character"));
	assert_int_equal(tc_lexicon_size(l), 0); /* nothing half-added */
	tc_diags_clear(d);
	assert_int_equal(tc_lexicon_add_file(l, "/nonexistent/lexicon.tsv", d), TC_ERR_IO);
	assert_non_null(tc_diags_find(d, "lexicon.io"));
	tc_diags_free(d);
	tc_lexicon_free(l);
}

static void test_lexicon_file(void **state)
{
	(void)state;
	char path[] = "/tmp/tocsin-lexXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *tsv = "郭庄子\tguo1 zhuang1 zi5\n";
	assert_int_equal(write(fd, tsv, strlen(tsv)), (ssize_t)strlen(tsv));
	close(fd);
	struct tc_lexicon *l = tc_lexicon_new();
	assert_int_equal(tc_lexicon_add_file(l, path, NULL), TC_OK);
	char *out = NULL;
	assert_int_equal(tc_zh_normalise("郭庄子村", l, &out, NULL), TC_OK);
	assert_string_equal(out, "guo1 zhuang1 zi5 cun1");
	free(out);
	tc_lexicon_free(l);
	unlink(path);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	char *out = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_zh_normalise("台\xE9\x80风", NULL, &out, d), TC_ERR_INVALID);
	assert_null(out);
	assert_non_null(tc_diags_find(d, "speech.utf8"));
	tc_diags_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ranges_and_levels),
		cmocka_unit_test(test_decimals_percent_units),
		cmocka_unit_test(test_years_dates_times),
		cmocka_unit_test(test_codes_lists_and_symbols),
		cmocka_unit_test(test_lexicon_replaces_polyphones),
		cmocka_unit_test(test_lexicon_later_entry_wins),
		cmocka_unit_test(test_lexicon_bad_lines),
		cmocka_unit_test(test_lexicon_file),
		cmocka_unit_test(test_invalid_utf8),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
