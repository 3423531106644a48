/* test_rx_view.c — the shelter display's layout: priority order, colour styles, CJK column widths, wrapping, idle screen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx_signage_view.h"

#define NOW 1796169600 /* 2026-12-02T00:00:00Z, 08:00 in Beijing */

static struct rx_view_line lines[40];

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	setlocale(LC_ALL, "C.UTF-8");
	return 0;
}

static const struct rx_view_header hdr = { .shelter_name = "新城镇第一小学避难场所", .capacity = 800, .online = true };

static int find(size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i].text, text))
			return (int)i;
	return -1;
}

static void test_columns(void **state)
{
	(void)state;
	assert_int_equal(rx_view_columns("abc"), 3);
	assert_int_equal(rx_view_columns("台风"), 4);
	assert_int_equal(rx_view_columns("台风 red"), 8);
	assert_int_equal(rx_view_columns("，。"), 4); /* fullwidth punctuation */
	assert_int_equal(rx_view_columns("\xff"), 1);  /* malformed byte */
}

static void test_every_line_fits(void **state)
{
	(void)state;
	struct rx_view_alert a[] = {
		{ .id = "a", .colour = "orange", .event = "台风", .headline = "滨海新区气象台发布台风橙色预警信号",
		  .instruction = "预计未来24小时内将受台风影响，平均风力可达10级以上，请立即停止户外活动，到就近的避难场所避险，"
				 "关好门窗，加固围板、棚架、广告牌等易被风吹动的搭建物。",
		  .area = "新城镇、寨上街道", .sent = "2026-12-01T08:00:00+08:00", .expires = "2026-12-02T08:00:00+08:00",
		  .priority = 70 },
	};
	for (int w = 20; w <= 120; w += 7) {
		size_t n = rx_view_layout(&hdr, a, 1, NOW, w, 24, lines);
		assert_int_equal(n, 24);
		for (size_t i = 0; i < n; i++)
			assert_true(rx_view_columns(lines[i].text) <= w);
	}
	size_t n = rx_view_layout(&hdr, a, 1, NOW, 80, 24, lines);
	assert_int_equal(find(n, "新城镇第一小学避难场所  容纳 800 人"), 0);
	assert_non_null(strstr(lines[0].text, "2026-12-02 08:00:00")); /* the clock, local time */
	assert_int_equal(rx_view_columns(lines[0].text), 80);        /* right-aligned to the edge */
	int t = find(n, "[橙色 ORANGE] 台风");
	assert_true(t > 0);
	assert_int_equal(lines[t].style, RX_STYLE_ORANGE);
	assert_int_equal(find(n, "滨海新区气象台发布台风橙色预警信号"), t + 1);
	assert_true(find(n, "发布 12-01 08:00 · 有效至 12-02 08:00 · 新城镇、寨上街道") > t);
	/* wrapped instruction lines are indented 2 columns and fill the width (two-column characters) */
	assert_int_equal(strncmp(lines[t + 2].text, "  预计", 8), 0);
	int cols = rx_view_columns(lines[t + 2].text);
	assert_true(cols == 80 || cols == 79);
}

static void test_priority_order_and_lifted_last(void **state)
{
	(void)state;
	struct rx_view_alert a[] = {
		{ .id = "y", .colour = "yellow", .event = "雷电", .headline = "雷电黄色预警", .priority = 40 },
		{ .id = "x", .colour = "none", .event = "台风", .headline = "台风预警解除", .priority = 95, .lifted = true },
		{ .id = "r", .colour = "red", .event = "暴雨", .headline = "暴雨红色预警", .priority = 90, .drill = true },
		{ .id = "b", .colour = "blue", .event = "大风", .headline = "大风蓝色预警", .priority = 20 },
	};
	size_t n = rx_view_layout(&hdr, a, 4, NOW, 60, 30, lines);
	int r = find(n, "[红色 RED] 暴雨  (演习 DRILL)"), y = find(n, "[黄色 YELLOW] 雷电"), b = find(n, "[蓝色 BLUE] 大风"),
	    x = find(n, "[解除 LIFTED] 台风");
	assert_true(r > 0 && y > r && b > y && x > b);
	assert_int_equal(lines[r].style, RX_STYLE_RED);
	assert_int_equal(lines[y].style, RX_STYLE_YELLOW);
	assert_int_equal(lines[b].style, RX_STYLE_BLUE);
	assert_int_equal(lines[x].style, RX_STYLE_LIFTED);
	assert_non_null(strstr(lines[n - 1].text, "生效预警 3 条"));
}

static void test_overflow_counted(void **state)
{
	(void)state;
	struct rx_view_alert a[6];
	for (int i = 0; i < 6; i++)
		a[i] = (struct rx_view_alert){ .id = "z", .colour = "red", .event = "暴雨", .headline = "暴雨红色预警",
					       .instruction = "停课停业", .priority = 90 - i };
	size_t n = rx_view_layout(&hdr, a, 6, NOW, 50, 14, lines);
	assert_int_equal(n, 14);
	assert_non_null(strstr(lines[13].text, "more"));
}

static void test_idle(void **state)
{
	(void)state;
	struct rx_view_header off = { .shelter_name = "", .capacity = 0, .online = false };
	size_t n = rx_view_layout(&off, NULL, 0, NOW, 80, 24, lines);
	int i = find(n, "当前没有生效的预警");
	assert_true(i > 2);
	assert_int_equal(lines[i].style, RX_STYLE_IDLE);
	int col = (int)(strstr(lines[i].text, "当") - lines[i].text);
	assert_int_equal(col, (80 - 18) / 2); /* centred by columns, not bytes */
	assert_int_equal(find(n, "应急避难场所"), 0);
	assert_non_null(strstr(lines[23].text, "离线 offline"));
	assert_int_equal(rx_view_layout(&off, NULL, 0, NOW, 10, 24, lines), 0);
}

/* The header with tocsind's word on the shelter: occupancy, then full. */
static void test_header_occupancy(void **state)
{
	(void)state;
	struct rx_view_header h = { .shelter_name = "塘沽第一中学应急避难场所", .capacity = 1200, .online = true,
				    .occupancy_known = true, .occupancy = 350 };
	assert_int_equal(rx_view_layout(&h, NULL, 0, NOW, 80, 24, lines), 24);
	assert_non_null(strstr(lines[0].text, "塘沽第一中学应急避难场所  容量1200 已入住350"));
	assert_non_null(strstr(lines[0].text, "2026-12-02 08:00:00"));
	assert_true(rx_view_columns(lines[0].text) <= 80);
	h.full = true;
	assert_int_equal(rx_view_layout(&h, NULL, 0, NOW, 80, 24, lines), 24);
	assert_non_null(strstr(lines[0].text, "塘沽第一中学应急避难场所  容量1200 已满 FULL"));
	assert_null(strstr(lines[0].text, "已入住"));
	/* narrow: the clock stays, the text is cut to fit */
	assert_int_equal(rx_view_layout(&h, NULL, 0, NOW, 30, 24, lines), 24);
	assert_true(rx_view_columns(lines[0].text) <= 30);
	/* not told yet: the configured capacity, as before */
	assert_int_equal(rx_view_layout(&hdr, NULL, 0, NOW, 80, 24, lines), 24);
	assert_non_null(strstr(lines[0].text, "新城镇第一小学避难场所  容纳 800 人"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_header_occupancy),
		cmocka_unit_test(test_every_line_fits),
		cmocka_unit_test(test_priority_order_and_lifted_last),
		cmocka_unit_test(test_overflow_counted),
		cmocka_unit_test(test_idle),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
