/*
 * rx_signage_view.c — the display's lines from the alerts in force (rx_signage_view.h).
 */
#define _GNU_SOURCE /* wcwidth */
#include "rx_signage_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "tc_utf8.h"

const char *rx_view_style_name(enum rx_view_style s)
{
	static const char *const names[] = { "plain", "title", "rule", "blue", "yellow", "orange", "red",
					     "no-level", "lifted", "detail", "idle" };
	return (unsigned)s < RX_STYLE_N ? names[s] : "unknown";
}

struct rx_view_alert rx_view_alert_of(const struct tc_rx_alert *a, const struct tc_rx_info *in)
{
	return (struct rx_view_alert){ .id = a->id, .colour = a->colour, .event = in ? in->event : NULL,
				       .headline = in ? in->headline : NULL, .instruction = in ? in->instruction : NULL,
				       .area = in ? in->area : NULL, .sent = a->sent, .expires = a->expires,
				       .priority = a->priority, .drill = a->drill,
				       .lifted = a->msg_type && !strcmp(a->msg_type, "Cancel") };
}

/* East Asian wide and fullwidth ranges (Unicode 15, the ones a warning can hold). */
static bool wide(int32_t c)
{
	static const int32_t ranges[][2] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
		{ 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f }, { 0xff00, 0xff60 },
		{ 0xffe0, 0xffe6 }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return true;
	return false;
}

static int cp_columns(int32_t c)
{
	if (c < 0)
		return 1;
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 0;
	int w = wcwidth((wchar_t)c);
	if (w >= 0 && !(w == 1 && wide(c)))
		return w;
	return wide(c) ? 2 : 1;
}

/* The next character of s: its bytes (*len) and columns. */
static int next_char(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s, *q = p;
	int32_t c = tc_utf8_next(&q, p + strlen(s));
	if (c < 0) {
		*len = 1;
		return 1;
	}
	*len = (size_t)(q - p);
	return cp_columns(c);
}

int rx_view_columns(const char *s)
{
	int cols = 0;
	size_t k;
	for (; *s; s += k)
		cols += next_char(s, &k);
	return cols;
}

/* --- building lines ---------------------------------------------------------------- */

struct page {
	struct rx_view_line *out;
	int width, height, n; /* lines used */
};

static struct rx_view_line *line(struct page *p, enum rx_view_style st)
{
	if (p->n >= p->height)
		return NULL;
	struct rx_view_line *l = &p->out[p->n++];
	l->style = st;
	l->text[0] = '\0';
	return l;
}

/* Append text to l up to width columns in all; returns the bytes of text used. */
static size_t put(struct rx_view_line *l, const char *text, int width)
{
	int cols = rx_view_columns(l->text);
	size_t used = strlen(l->text), k, i = 0;
	while (text[i] && text[i] != '\n') {
		int w = next_char(text + i, &k);
		if (cols + w > width || used + k >= RX_VIEW_LINE_MAX)
			break;
		memcpy(l->text + used, text + i, k);
		used += k;
		i += k;
		cols += w;
	}
	l->text[used] = '\0';
	return i;
}

static void pad_to(struct rx_view_line *l, int col)
{
	size_t used = strlen(l->text);
	for (int c = rx_view_columns(l->text); c < col && used + 1 < RX_VIEW_LINE_MAX; c++)
		l->text[used++] = ' ';
	l->text[used] = '\0';
}

/* Where to cut text so it fills at most cols columns: at a space when Latin words would be split. */
static size_t cut(const char *text, int cols)
{
	size_t i = 0, k, last_space = 0;
	int c = 0;
	while (text[i] && text[i] != '\n') {
		int w = next_char(text + i, &k);
		if (c + w > cols)
			break;
		if (text[i] == ' ')
			last_space = i;
		c += w;
		i += k;
	}
	if (!text[i] || text[i] == '\n')
		return i;
	bool latin_split = i > 0 && (unsigned char)text[i] < 0x80 && text[i] != ' ' &&
			   (unsigned char)text[i - 1] < 0x80 && text[i - 1] != ' ';
	return latin_split && last_space > 0 ? last_space : i;
}

/* text wrapped to the page's width after indent spaces; at most max_lines lines. */
static void wrapped(struct page *p, enum rx_view_style st, int indent, const char *text, int max_lines)
{
	for (int n = 0; text && *text && n < max_lines; n++) {
		struct rx_view_line *l = line(p, st);
		if (!l)
			return;
		pad_to(l, indent);
		size_t k = cut(text, p->width - indent);
		char chunk[RX_VIEW_LINE_MAX];
		snprintf(chunk, sizeof(chunk), "%.*s", (int)(k < sizeof(chunk) ? k : sizeof(chunk) - 1), text);
		put(l, chunk, p->width);
		text += k;
		while (*text == ' ' || *text == '\n')
			text++;
		if (n + 1 == max_lines && *text) { /* the rest does not fit: mark it */
			size_t len = strlen(l->text);
			while (len > 0 && rx_view_columns(l->text) > p->width - 1) {
				len--;
				while (len > 0 && ((unsigned char)l->text[len] & 0xc0) == 0x80)
					len--;
				l->text[len] = '\0';
			}
			put(l, "…", p->width);
		}
	}
}

/* --- the parts of the screen ------------------------------------------------------- */

static void header(struct page *p, const struct rx_view_header *h, int64_t now)
{
	char clock[32], left[256];
	struct tm tm;
	time_t t = (time_t)now;
	localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%Y-%m-%d %H:%M:%S", &tm);
	const char *name = h->shelter_name && *h->shelter_name ? h->shelter_name : "应急避难场所";
	if (h->occupancy_known && h->full)
		snprintf(left, sizeof(left), "%s  容量%ld 已满 FULL", name, h->capacity);
	else if (h->occupancy_known)
		snprintf(left, sizeof(left), "%s  容量%ld 已入住%ld", name, h->capacity, h->occupancy);
	else if (h->capacity > 0)
		snprintf(left, sizeof(left), "%s  容纳 %ld 人", name, h->capacity);
	else
		snprintf(left, sizeof(left), "%s", name);
	struct rx_view_line *l = line(p, RX_STYLE_TITLE);
	int room = p->width - rx_view_columns(clock) - 1;
	put(l, left, room > 0 ? room : 0);
	pad_to(l, p->width - rx_view_columns(clock));
	put(l, clock, p->width);
	l = line(p, RX_STYLE_RULE);
	for (int i = 0; l && i < p->width && strlen(l->text) + 4 < RX_VIEW_LINE_MAX; i++)
		strcat(l->text, "─");
}

static const struct level {
	const char *colour, *label;
	enum rx_view_style style;
} levels[] = {
	{ "red", "红色 RED", RX_STYLE_RED },       { "orange", "橙色 ORANGE", RX_STYLE_ORANGE },
	{ "yellow", "黄色 YELLOW", RX_STYLE_YELLOW }, { "blue", "蓝色 BLUE", RX_STYLE_BLUE },
};

static const struct level *level_of(const char *colour)
{
	for (size_t i = 0; colour && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(levels[i].colour, colour))
			return &levels[i];
	return NULL;
}

/* "2026-08-12T06:00:00+08:00" -> "08-12 06:00" (as the bureau wrote it, its own time zone). */
static void short_time(const char *iso, char *out, size_t len)
{
	if (iso && strlen(iso) >= 16 && iso[4] == '-' && iso[10] == 'T')
		snprintf(out, len, "%.5s %.5s", iso + 5, iso + 11);
	else
		snprintf(out, len, "%s", iso && *iso ? iso : "—");
}

/* One alert; false when the page is full. */
static bool alert_block(struct page *p, const struct rx_view_alert *a, int lines_left)
{
	char title[512], detail[512], sent[32], until[32];
	const struct level *lv = level_of(a->colour);
	enum rx_view_style st = a->lifted ? RX_STYLE_LIFTED : lv ? lv->style : RX_STYLE_NONE_LEVEL;
	if (lines_left < 3)
		return false;
	snprintf(title, sizeof(title), "[%s] %s%s", a->lifted ? "解除 LIFTED" : lv ? lv->label : "预警 WARNING",
		 a->event && *a->event ? a->event : "", a->drill ? "  (演习 DRILL)" : "");
	wrapped(p, st, 0, title, 1);
	wrapped(p, RX_STYLE_PLAIN, 0, a->headline, 2);
	int room = lines_left - 4;
	wrapped(p, RX_STYLE_PLAIN, 2, a->instruction, room < 1 ? 1 : room > 4 ? 4 : room);
	short_time(a->sent, sent, sizeof(sent));
	short_time(a->expires, until, sizeof(until));
	snprintf(detail, sizeof(detail), "发布 %s · 有效至 %s%s%s", sent, until, a->area && *a->area ? " · " : "",
		 a->area ? a->area : "");
	wrapped(p, RX_STYLE_DETAIL, 0, detail, 1);
	line(p, RX_STYLE_PLAIN);
	return true;
}

static void centred(struct page *p, enum rx_view_style st, const char *text)
{
	struct rx_view_line *l = line(p, st);
	if (!l)
		return;
	int cols = rx_view_columns(text);
	pad_to(l, cols < p->width ? (p->width - cols) / 2 : 0);
	put(l, text, p->width);
}

static void idle(struct page *p)
{
	int top = (p->height - 6) / 2;
	while (p->n < top)
		line(p, RX_STYLE_PLAIN);
	centred(p, RX_STYLE_IDLE, "当前没有生效的预警");
	centred(p, RX_STYLE_IDLE, "No warnings in force");
	line(p, RX_STYLE_PLAIN);
	centred(p, RX_STYLE_PLAIN, "请保持冷静，留意广播和工作人员指引");
	centred(p, RX_STYLE_PLAIN, "Stay calm and follow the staff and the loudspeaker");
}

static int by_priority(const void *x, const void *y)
{
	const struct rx_view_alert *a = *(const struct rx_view_alert *const *)x,
				   *b = *(const struct rx_view_alert *const *)y;
	if (a->lifted != b->lifted)
		return a->lifted ? 1 : -1;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

size_t rx_view_layout(const struct rx_view_header *h, const struct rx_view_alert *a, size_t n, int64_t now,
		      int width, int height, struct rx_view_line *out)
{
	char foot[256];
	if (width < 20 || width > RX_VIEW_MAX_WIDTH || height < 2)
		return 0;
	struct page p = { .out = out, .width = width, .height = height - 1 };
	const struct rx_view_alert **order = calloc(n ? n : 1, sizeof(*order));
	size_t shown = 0, in_force = 0;
	for (size_t i = 0; order && i < n; i++) {
		order[i] = &a[i];
		in_force += !a[i].lifted;
	}
	header(&p, h, now);
	if (order)
		qsort(order, n, sizeof(*order), by_priority);
	for (size_t i = 0; order && i < n; i++, shown++)
		if (!alert_block(&p, order[i], p.height - p.n))
			break;
	if (!n)
		idle(&p);
	free(order);
	while (p.n < p.height)
		line(&p, RX_STYLE_PLAIN);
	p.height = height;
	if (n > shown)
		snprintf(foot, sizeof(foot), "另有 %zu 条未显示 (+%zu more) · 生效预警 %zu 条 · %s", n - shown, n - shown,
			 in_force, h->online ? "在线 online" : "离线 offline");
	else
		snprintf(foot, sizeof(foot), "生效预警 %zu 条 · %zu in force · %s", in_force, in_force,
			 h->online ? "在线 online" : "离线 offline");
	struct rx_view_line *l = line(&p, RX_STYLE_DETAIL);
	put(l, foot, width);
	return (size_t)height;
}
