/*
 * rx_signage_view.h — the shelter display's screen as pure code: the
 * alerts in force (and "warning lifted" notices) become lines of text of
 * at most width display columns, each with a style, so the ncurses screen
 * and --once print the same thing. Chinese characters take two columns
 * (wcwidth, with the East Asian wide ranges as a fallback when the locale
 * does not know them), so columns line up.
 *
 *   line 0        shelter name, capacity[, occupancy or 已满 FULL] ... clock
 *   line 1        a rule
 *   per alert     [红色 RED] event (演习 DRILL)            (by priority, highest first;
 *                 headline                                 lifted notices last)
 *                   instruction, wrapped
 *                 发布 issued · 有效至 until · area
 *   idle          a calm centred message
 *   last line     how many in force, online or offline
 */
#ifndef RX_SIGNAGE_VIEW_H
#define RX_SIGNAGE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_proto.h"

#define RX_VIEW_LINE_MAX 1024 /* bytes of one line's text */
#define RX_VIEW_MAX_WIDTH 300
#define RX_VIEW_WIDTH 80  /* the screen --once prints, and tocsind's preview shows, unless told */
#define RX_VIEW_HEIGHT 24

enum rx_view_style {
	RX_STYLE_PLAIN = 0,
	RX_STYLE_TITLE,
	RX_STYLE_RULE,
	RX_STYLE_BLUE,
	RX_STYLE_YELLOW,
	RX_STYLE_ORANGE,
	RX_STYLE_RED,
	RX_STYLE_NONE_LEVEL, /* an alert without a colour level */
	RX_STYLE_LIFTED,
	RX_STYLE_DETAIL,
	RX_STYLE_IDLE,
	RX_STYLE_N,
};
const char *rx_view_style_name(enum rx_view_style s);

struct rx_view_alert {
	const char *id, *colour, *event, *headline, *instruction, *area, *sent, *expires;
	int priority;
	bool drill;
	bool lifted; /* a Cancel: the warning is lifted */
};

/*
 * Alert a as the screen shows it, with its info in (tc_rx_alert_info: the display's language;
 * may be NULL); a Cancel is a "warning lifted" notice. The strings point into a and in.
 */
struct rx_view_alert rx_view_alert_of(const struct tc_rx_alert *a, const struct tc_rx_info *in);

struct rx_view_header {
	const char *shelter_name;
	long capacity;
	bool online;
	/* told by tocsind (the shelter command): "NAME  容量1200 已入住350", or "… 已满 FULL" when full;
	 * without it, "NAME  容纳 1200 人" from the display's own configuration */
	bool occupancy_known;
	long occupancy;
	bool full;
};

struct rx_view_line {
	enum rx_view_style style;
	char text[RX_VIEW_LINE_MAX];
};

/*
 * Lay out exactly height lines (2 <= height) of at most width columns
 * (20 <= width <= RX_VIEW_MAX_WIDTH) into out; now (unix seconds) is the
 * clock, in local time. Alerts that do not fit are counted on the last
 * line. Returns height, or 0 for sizes out of bounds.
 */
size_t rx_view_layout(const struct rx_view_header *h, const struct rx_view_alert *a, size_t n, int64_t now,
		      int width, int height, struct rx_view_line *out);

/* Display columns of UTF-8 text (malformed bytes count one each). */
int rx_view_columns(const char *s);

#endif
