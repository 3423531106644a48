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
#include "tc_zh_int.h"

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

/* pass 1 alone, with its number marks */
static void marks(const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(tc_zh_numbers(in, &out, NULL), TC_OK);
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
	says("16日03时05分", "十六日三时零五分");
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
	says_lex("宝坻区", "bao3 di3 qu1");
	/* the built-in lexicon's own entries: where the dictionary reads otherwise */
	says_lex("请不要待在室内", "qing3 bu2 yao4 dai1 zai4 shi4 nei4");
	says_lex("加固圈舍", "jia1 gu4 juan4 she4");
	says_lex("唐山市乐亭县", "tang2 shan1 shi4 lao4 ting2 xian4");
	assert_true(tc_lexicon_size(lex) > 30);
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

static void test_liang_before_measure_words(void **state)
{
	(void)state;
	says("过去2小时", "过去两小时");
	says("2米", "两米");
	says("2公里", "两公里");
	says("持续2天", "持续两天");
	says("2次", "两次");
	says("2个", "两个");
	says("2座水库", "两座水库");
	says("2人受伤", "两人受伤");
	says("2毫米", "两毫米");
	says("2℃", "两摄氏度");
	says("2m", "两米");
	says("2个月", "两个月");
	says("2年", "两年");
	says("2倍", "两倍");
	says("2万人", "两万人");
	says("2千", "两千");
	says("2000", "两千");
	says("20000", "两万");
	says("2500", "两千五百");
	says("2亿元", "两亿元");
	says("200米", "二百米");
	says("250", "二百五十");
	says("2千米", "两千米");
	says("12个", "十二个");
	says("22人", "二十二人");
}

static void test_er_elsewhere(void **state)
{
	(void)state;
	says("第2", "第二");
	says("第2天", "第二天");
	says("2级", "二级");
	says("1～2级", "一到二级");
	says("2月2日", "二月二日");
	says("12月", "十二月");
	says("14:02", "十四时零二分");
	says("2.5", "二点五");
	says("2.5米", "二点五米");
	says("北纬2度", "北纬二度");
	says("2号", "二号");
	says("零下2.5℃", "零下二点五摄氏度");
}

static void test_hours(void **state)
{
	(void)state;
	says("2时", "两时");
	says("2点", "两点");
	says("02:00", "两时");
	says("2:30", "两时三十分");
	says("12时", "十二时");
	says("8点", "八点");
	says("18时30分", "十八时三十分");
	says("18:30", "十八时三十分");
	says("08时", "八时");
	says("08:05", "八时零五分");
	says("14时2分", "十四时零二分");
	says("00:00", "零时");
	says("18时", "十八时");
	says("08～10时", "八到十时");
	says("14时-16时", "十四时到十六时");
	says("14:30-16:00", "十四时三十分到十六时");
	says("5分钟", "五分钟");
}

static void test_decimals(void **state)
{
	(void)state;
	says("3.5", "三点五");
	says("0.5", "零点五");
	says("12.05", "十二点零五");
	says("1.5米", "一点五米");
	says("3.2万人", "三点二万人");
}

static void test_negative_numbers(void **state)
{
	(void)state;
	says("-5℃", "零下五摄氏度");
	says("−5℃", "零下五摄氏度");
	says("－5℃", "零下五摄氏度");
	says("气温-5°C", "气温零下五摄氏度");
	says("最低-3度", "最低零下三度");
	says("-3～5℃", "零下三到五摄氏度");
	says("-5～-1℃", "零下五到零下一摄氏度");
	says("增幅-5", "增幅负五");
	says("-5%", "负百分之五");
	says("7-8级", "七到八级"); /* between two numbers: a range */
	says("PM2-3", "PM二到三");
	says("1日-3日", "一日到三日");
}

static void test_ranges(void **state)
{
	(void)state;
	says("7到8级", "七到八级");
	says("7～8级", "七到八级");
	says("7~8级", "七到八级");
	says("7-8级", "七到八级");
	says("7—8级", "七到八级");
	says("7至8级", "七至八级");
	says("2～3天", "两到三天");
	says("1～2天", "一到两天");
	says("1～2级", "一到二级");
	says("2到3小时", "两到三小时");
	says("20%～30%", "百分之二十到百分之三十");
	says("20～30%", "百分之二十到百分之三十");
	says("50～80厘米", "五十到八十厘米");
	says("2026-2027年", "二零二六到二零二七年");
}

static void test_percentages(void **state)
{
	(void)state;
	says("80%", "百分之八十");
	says("0.5%", "百分之零点五");
	says("100%", "百分之百");
	says("1％", "百分之一");
	says("12.5%", "百分之十二点五");
}

static void test_dates(void **state)
{
	(void)state;
	says("2026年8月12日", "二零二六年八月十二日");
	says("2026-08-12", "二零二六年八月十二日");
	says("8月2日", "八月二日");
	says("12月", "十二月");
	says("2日夜间", "二日夜间");
	says("1日夜间到2日白天", "一日夜间到二日白天");
	says("持续2日", "持续两日");
	says("未来3日内", "未来三日内");
	says("2008年", "二零零八年");
}

static void test_latitude_longitude(void **state)
{
	(void)state;
	says("北纬39.5度", "北纬三十九点五度");
	says("东经117.2度", "东经一百一十七点二度");
	says("39.5°N", "北纬三十九点五度");
	says("117.2°E", "东经一百一十七点二度");
	says("12.5°S", "南纬十二点五度");
	says("75°W", "西经七十五度");
	says("39°30′N", "北纬三十九度三十分");
	says("39°30'15\"N", "北纬三十九度三十分十五秒");
	says("25°C", "二十五摄氏度");
}

static void test_typhoon_numbers(void **state)
{
	(void)state;
	says("第14号", "第十四号");
	says("第2号台风", "第二号台风");
	says("2614号台风", "二六一四号台风");
	says("第2614号", "第二六一四号");
	says("第2601号", "第二六零一号");
}

static void test_digit_strings(void **state)
{
	(void)state;
	says("2026年", "二零二六年");
	says("拨打12121", "拨打幺二幺二幺");
	says("热线0221234", "热线零二二幺二三四");
	says("编号0031", "编号零零三幺");
	says("12000000人", "一千二百万人"); /* a count, not a code */
}

static void test_about_before_unit(void **state)
{
	(void)state;
	says("20多米", "二十多米");
	says("1000多人", "一千多人");
	says("10余人", "十余人");
	says("2万余人", "两万余人");
	says("30来个", "三十来个");
}

/* The spans pass 2 reads: \x03 a quantity, \x01 a number read as it is. */
static void test_number_marks(void **state)
{
	(void)state;
	marks("1次", "\x03一\x02次");
	marks("1级", "\x01一\x02级");
	marks("100米", "\x03一百\x02米");
	marks("第1", "第\x01一\x02");
	marks("1.5米", "\x01一点五\x02米");
	marks("1万人", "\x03一万\x02人");
	marks("1～2天", "\x03一\x02到\x03两\x02天");
	marks("1～2级", "\x01一\x02到\x01二\x02级");
	marks("-5℃", "零下\x03五\x02摄氏度");
	marks("80%", "百分之\x01八十\x02");
	marks("14:05", "\x01十四\x02时\x01零五\x02分");
	marks("2026年", "\x01二零二六\x02年");
	marks("拨打12121", "拨打\x01幺二幺二幺\x02");
	marks("北纬39.5度", "北纬\x01三十九点五\x02度");
	marks("1点", "\x01一\x02点");
	marks("1日", "\x01一\x02日");
	marks("20多米", "\x03二十\x02多米");
	marks("1", "\x01一\x02");
}

/* Markers cannot come from the text: control bytes are dropped, tab and newline kept. */
static void test_control_bytes_dropped(void **state)
{
	(void)state;
	marks("台\x01风\x03来\x02了", "台风来了");
	marks("1\x02次", "\x03一\x02次");
	marks("第\x01" "1\x02", "第\x01一\x02");
	marks("a\x1b\r\x7f" "b\x1f", "a\x7f" "b");
	marks("一\t二\n三", "一\t二\n三");
	says("7\x01～\x03" "8\x02级", "七到八级");
}

static void test_strip_marks(void **state)
{
	(void)state;
	char s[] = "第\x01一\x02天\x03两\x02次";
	tc_zh_strip_marks(s);
	assert_string_equal(s, "第一天两次");
	char empty[] = "";
	tc_zh_strip_marks(empty);
	assert_string_equal(empty, "");
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
		cmocka_unit_test(test_liang_before_measure_words),
		cmocka_unit_test(test_er_elsewhere),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_negative_numbers),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_percentages),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_latitude_longitude),
		cmocka_unit_test(test_typhoon_numbers),
		cmocka_unit_test(test_digit_strings),
		cmocka_unit_test(test_about_before_unit),
		cmocka_unit_test(test_number_marks),
		cmocka_unit_test(test_control_bytes_dropped),
		cmocka_unit_test(test_strip_marks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
