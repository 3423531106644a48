/*
 * tc_zh.c — Chinese normalisation for speech (tc_zh.h).
 *
 * Two passes over the text:
 *  1. symbols and numbers (tc_zh_numbers): control bytes, URLs and emoji
 *     are dropped, brackets become pauses, quotes vanish, symbol units are
 *     spelled out (km/h 公里每小时, ℃ 摄氏度), and every number is written in
 *     Chinese numerals inside a span (tc_zh_int.h): \x03 when it counts
 *     something, \x01 when it is read as it is;
 *  2. the reading (tc_zh_read.h): each word's pinyin from the lexicons and
 *     the dictionary, each number's from its span (一 in a quantity changes
 *     tone); without a lexicon the spans are removed and the text is left
 *     to the engine.
 *
 * How a number is read is decided by what follows it (and 第, 北纬 before
 * it); docs/speech.md gives the same rules for operators:
 *  - measure word or unit after it (小时 天 次 个 人 米 公里 摄氏度 万 千
 *    亿 ..., the table measure_words[], and the symbol units): a quantity;
 *    a whole 2 is 两 (2小时 两小时, 2℃ 两摄氏度, 2万 两万). 多/余/来 may
 *    stand between (20多米). 级 is a level, not a measure (2级 二级).
 *  - 2 leading 千/万/亿 in any number is 两 (2000 两千, 2500 两千五百);
 *    before 百 it is 二 (200米 二百米); 二 everywhere else (十二, 第2 第二,
 *    2月2日 二月二日, 2.5米 二点五米).
 *  - hours: 时/点 after 0-24 is an hour, 2 is 两 (2时 两时, 02:00 两时);
 *    minutes below ten after an hour or written 05 take 零 (08:05 八时零五分).
 *  - dates: 月 is a month, 日 a day of the month, unless 未来/过去/持续/
 *    连续/近/历时 before or 内/以上/以内/之内/左右 after make it a span of
 *    days (持续2日 两日); a 4-digit year is read digit by digit, other 年
 *    count years (2年 两年); 2026-08-12 is 二零二六年八月十二日.
 *  - decimals: 3.5 三点五, 0.5 零点五, 12.05 十二点零五; never a quantity
 *    span (1.5米 keeps yi1).
 *  - a minus sign not between two numbers (nor after a time word: 14时-16时
 *    is a range): 零下 before ℃/°C/度, 负 otherwise.
 *  - ranges (～ ~ 〜 - － — – 到 至 between two numbers): the mark is said
 *    到 (至 stays 至), and both numbers take the reading of the unit after
 *    the last (2～3天 两到三天, 1～2级 一到二级); a % on either makes both
 *    percentages (20%～30% 百分之二十到百分之三十).
 *  - percentages: 百分之 before the number, 100% 百分之百.
 *  - latitude and longitude: 北纬39.5度 北纬三十九点五度; 39.5°N, 117.2°E,
 *    39°30′N become 北纬/东经 ... 度 ... 分.
 *  - digit by digit: a 4-digit year, four or more digits before 号
 *    (2614号 二六一四号); telephone numbers and codes (after 拨打/电话/热线...,
 *    seven digits or more, three or more starting with 0) with 1 as 幺.
 */
#include "tc_zh.h"
#include "tc_zh_int.h"
#include "tc_file.h"
#include "tc_zh_read.h"
#include "tc_utf8.h"
#include "tc_vec.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growable string --------------------------------------------------------- */

/* Once an addition fails the rest are not made, and the text is refused. */
struct buf {
	struct tc_vec t; /* bytes, a C string once anything was added; NULL until then */
	bool failed;
};

#define BUF_EMPTY { .t = TC_VEC_OF(char) }

static void put(struct buf *b, const char *s, size_t n)
{
	if (!b->failed && tc_vec_append_text(&b->t, s, n))
		b->failed = true;
}

/* Whether the text so far ends with s. */
static bool ends_with(const struct buf *b, const char *s)
{
	size_t n = strlen(s);
	return b->t.n >= n && memcmp((const char *)b->t.v + b->t.n - n, s, n) == 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* --- UTF-8 --------------------------------------------------------------------- */

static bool is_emoji(int32_t cp)
{
	return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) || cp == 0xFE0F ||
	       cp == 0x200D || (cp >= 0x1F1E6 && cp <= 0x1F1FF);
}

/* A digit, ASCII or full-width; its value, or -1. */
static int digit_at(const char *s, size_t avail, size_t *n)
{
	int32_t cp = avail ? tc_zh_cp_at(s, avail, n) : -1;
	if (cp >= '0' && cp <= '9')
		return cp - '0';
	if (cp >= 0xFF10 && cp <= 0xFF19)
		return cp - 0xFF10;
	return -1;
}

/* --- numerals ------------------------------------------------------------------ */

static const char *const zh_digit[] = { "零", "一", "二", "三", "四", "五", "六", "七", "八", "九" };

/* A number below 10,000; lead says whether it starts the whole number. */
static void section(unsigned v, bool lead, bool two_as_liang, struct buf *b)
{
	static const char *const units[] = { "千", "百", "十", "" };
	static const unsigned div[] = { 1000, 100, 10, 1 };
	bool started = false, zero_pending = false;
	for (int i = 0; i < 4; i++) {
		unsigned d = (v / div[i]) % 10;
		if (d == 0) {
			zero_pending = started;
			continue;
		}
		if (zero_pending || (!started && !lead && i > 0))
			puts_(b, "零");
		zero_pending = false;
		if (!(d == 1 && i == 2 && !started && lead)) /* 十二, not 一十二 */
			puts_(b, d == 2 && i == 0 && two_as_liang ? "两" : zh_digit[d]);
		puts_(b, units[i]);
		started = true;
	}
}

static void number_words(unsigned long long n, struct buf *b)
{
	static const char *const big[] = { "", "万", "亿", "万亿" };
	unsigned parts[4];
	int k = 0;
	if (n == 0) {
		puts_(b, "零");
		return;
	}
	for (; n && k < 4; k++, n /= 10000)
		parts[k] = (unsigned)(n % 10000);
	bool lead = true;
	for (int i = k - 1; i >= 0; i--) {
		if (parts[i] == 0) {
			continue;
		}
		if (!lead && parts[i] < 1000)
			puts_(b, "零");
		if (parts[i] == 2 && i > 0)
			puts_(b, lead ? "两" : "二");
		else
			section(parts[i], true, lead, b);
		puts_(b, big[i]);
		lead = false;
	}
	/* "零" may have been emitted before a section that section() also prefixes; harmless but rare. */
}

void tc_zh_number(unsigned long long n, char *out, size_t len)
{
	struct buf b = BUF_EMPTY;
	number_words(n, &b);
	snprintf(out, len, "%s", b.failed || !b.t.v ? "" : (const char *)b.t.v);
	tc_vec_free(&b.t);
}

/* --- pass 1: symbols and numbers ------------------------------------------------ */

struct number {
	char digits[32];  /* integer part, ASCII */
	size_t n_digits;
	char frac[16];    /* decimals, ASCII */
	size_t n_frac;
	size_t bytes;     /* consumed from the text */
};

/* Read digits[.digits] at s; false when no digit is there. */
static bool read_number(const char *s, size_t avail, struct number *num)
{
	size_t n, i = 0;
	int d;
	memset(num, 0, sizeof(*num));
	while (i < avail && (d = digit_at(s + i, avail - i, &n)) >= 0) {
		if (num->n_digits + 1 < sizeof(num->digits))
			num->digits[num->n_digits++] = (char)('0' + d);
		i += n;
	}
	if (!num->n_digits)
		return false;
	if (i + 1 < avail && s[i] == '.' && digit_at(s + i + 1, avail - i - 1, &n) >= 0) {
		i++;
		while (i < avail && (d = digit_at(s + i, avail - i, &n)) >= 0) {
			if (num->n_frac + 1 < sizeof(num->frac))
				num->frac[num->n_frac++] = (char)('0' + d);
			i += n;
		}
	}
	num->bytes = i;
	return true;
}

static unsigned long long value_of(const struct number *num)
{
	return strtoull(num->digits, NULL, 10);
}

static void digits_one_by_one(const char *digits, size_t n, bool phone, struct buf *b)
{
	for (size_t i = 0; i < n; i++)
		puts_(b, phone && digits[i] == '1' ? "幺" : zh_digit[digits[i] - '0']);
}

/* A telephone or code-like number (seven digits or more, or three or more after a 0): digit by digit. */
static bool is_code_like(const struct number *num)
{
	return !num->n_frac && (num->n_digits >= 7 || (num->n_digits > 2 && num->digits[0] == '0'));
}

static bool starts_with(const char *s, size_t avail, const char *prefix)
{
	size_t n = strlen(prefix);
	return avail >= n && memcmp(s, prefix, n) == 0;
}

/* The longest of words[] at s: its length in bytes, 0 when none is there. */
static size_t word_at(const char *s, size_t avail, const char *const *words, size_t n_words)
{
	size_t best = 0;
	for (size_t i = 0; i < n_words; i++)
		if (starts_with(s, avail, words[i]) && strlen(words[i]) > best)
			best = strlen(words[i]);
	return best;
}

#define WORD_AT(s, avail, words) word_at(s, avail, words, sizeof(words) / sizeof(words[0]))

/* Whether the text written so far ends with one of words[]. */
static bool ends_with_any(const struct buf *b, const char *const *words, size_t n_words)
{
	for (size_t i = 0; i < n_words; i++)
		if (ends_with(b, words[i]))
			return true;
	return false;
}

#define ENDS_WITH_ANY(b, words) ends_with_any(b, words, sizeof(words) / sizeof(words[0]))

/* Units written after a number as symbols, with what is said. */
static const struct {
	const char *text, *say;
	bool ascii; /* must not be followed by an ASCII letter */
} units[] = {
	{ "km/h", "公里每小时", true }, { "m/s", "米每秒", true },   { "mm/h", "毫米每小时", true },
	{ "hPa", "百帕", true },         { "mm", "毫米", true },       { "cm", "厘米", true },
	{ "km", "公里", true },          { "m", "米", true },          { "℃", "摄氏度", false },
	{ "°C", "摄氏度", false },       { "°", "度", false },
};

/* The symbol unit at s, if any: what to say, and *len bytes consumed. */
static const char *unit_at(const char *s, size_t avail, size_t *len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].text);
		if (!starts_with(s, avail, units[i].text))
			continue;
		if (units[i].ascii && n < avail && isalpha((unsigned char)s[n]))
			continue;
		*len = n;
		return units[i].say;
	}
	return NULL;
}

/*
 * Measure words and units written in Hanzi: the number before one counts
 * something (2个 两个, 1次 yi2 ci4). 日 and 年 are decided apart (a date, a
 * year); 级 is a level, not a measure (2级 二级).
 */
static const char *const measure_words[] = {
	"小时", "天", "周", "个月", "分钟", "秒", "岁", "次", "个", "人", "名", "户", "家", "位",
	"座", "处", "所", "间", "条", "艘", "辆", "架", "台", "只", "头", "株", "棵", "套",
	"张", "件", "部", "片", "块", "种", "组", "支", "队", "场", "轮", "股", "项", "批",
	"起", "班", "趟", "列", "段", "层", "倍", "元", "吨", "公斤", "千克", "斤", "米",
	"千米", "公里", "厘米", "毫米", "平方米", "平方公里", "亩", "公顷", "立方米", "千瓦",
	"摄氏度", "度", "百帕", "万", "千", "亿",
};

/* Whether a unit is a temperature: a minus before its number is 零下. */
static bool is_temperature(const char *unit)
{
	return strcmp(unit, "摄氏度") == 0 || strcmp(unit, "度") == 0;
}

/* 百/千/万/亿 written after the digits (3000万, 1.5亿): said inside the number. */
static size_t multipliers(const char *s, size_t avail, char *out, size_t out_len)
{
	static const char *const mult[] = { "百", "千", "万", "亿" };
	size_t i = 0, w = 0, n;
	while ((n = WORD_AT(s + i, avail - i, mult)) && w + n < out_len) {
		if (WORD_AT(s + i, avail - i, measure_words) > n)
			break; /* 千米, 千克, 百帕: a unit, not 千 */
		memcpy(out + w, s + i, n);
		w += n;
		i += n;
	}
	out[w] = '\0';
	return i;
}

static size_t percent_at(const char *s, size_t avail)
{
	return starts_with(s, avail, "%") ? 1 : starts_with(s, avail, "％") ? strlen("％") : 0;
}

/* A minus sign at s: its length, 0 when none. */
static size_t minus_at(const char *s, size_t avail)
{
	static const char *const minus[] = { "-", "−", "－" };
	return WORD_AT(s, avail, minus);
}

/* Range marks between two numbers; *say is what is said for it. */
static size_t range_mark(const char *s, size_t avail, const char **say)
{
	static const char *const marks[] = { "～", "~", "〜", "－", "—", "–", "-", "到", "至" };
	*say = starts_with(s, avail, "至") ? "至" : "到";
	return WORD_AT(s, avail, marks);
}

/* One number of a range: [minus] digits [.digits] [百千万亿] [%]. */
struct term {
	struct number num;
	char mult[16]; /* the multipliers after it, UTF-8 */
	bool neg, percent;
	size_t bytes;  /* consumed, from the sign to the % */
};

static bool read_term(const char *s, size_t avail, struct term *t)
{
	size_t i = minus_at(s, avail);
	memset(t, 0, sizeof(*t));
	if (!read_number(s + i, avail - i, &t->num))
		return false;
	t->neg = i > 0;
	i += t->num.bytes;
	i += multipliers(s + i, avail - i, t->mult, sizeof(t->mult));
	size_t p = percent_at(s + i, avail - i);
	t->percent = p > 0;
	t->bytes = i + p;
	return true;
}

/* A number, or a range of two (7～8, -3～5, 20%～30%). */
struct group {
	struct term t[2];
	size_t n;
	const char *mark; /* said between the two */
	size_t bytes;
};

static void read_group(const char *s, size_t avail, struct group *g)
{
	size_t mark;
	g->n = read_term(s, avail, &g->t[0]);
	g->bytes = g->t[0].bytes;
	mark = range_mark(s + g->bytes, avail - g->bytes, &g->mark);
	if (mark && !is_code_like(&g->t[0].num) && read_term(s + g->bytes + mark, avail - g->bytes - mark, &g->t[1]) &&
	    !is_code_like(&g->t[1].num)) {
		g->n = 2;
		g->bytes += mark + g->t[1].bytes;
	}
}

/* How the numbers of a group are read, decided by what follows them. */
enum reading {
	READ_PLAIN,  /* as it is: 二, 一 yi1 (levels, ordinals, months, dates, 号) */
	READ_QTY,    /* counting what follows: whole 2 is 两 */
	READ_HOUR,   /* before 时/点: whole 2 is 两 (两点) */
	READ_MINUTE, /* 分 after an hour: 零 below ten (八时零五分) */
	READ_DIGITS, /* digit by digit, 0 as 零 (years, typhoon numbers) */
	READ_PHONE,  /* digit by digit, 1 as 幺 (telephone numbers, codes) */
};

struct reading_of {
	enum reading how;
	const char *say;  /* a symbol unit spelled out (℃ 摄氏度), or NULL */
	size_t bytes;     /* consumed with that symbol */
	bool temperature; /* a minus is 零下, not 负 */
};

/* 日 after a number is a date (8月2日, 2日夜间) unless the words around it make it a span of days. */
static bool days_counted(const struct buf *b, const char *rest, size_t left)
{
	static const char *const before[] = { "未来", "过去", "持续", "连续", "近", "历时" };
	static const char *const after[] = { "日内", "日以内", "日之内", "日以上", "日左右" };
	return ENDS_WITH_ANY(b, before) || WORD_AT(rest, left, after);
}

/* What follows the last number when it is a time or date word; false when it is none. */
static bool time_reading(const struct group *g, const struct buf *b, const char *rest, size_t left,
			 struct reading_of *r)
{
	static const char *const hour_end[] = { "时", "点" };
	const struct number *last = &g->t[g->n - 1].num;
	bool small = !last->n_frac && last->n_digits <= 2 && !*g->t[g->n - 1].mult;
	if (starts_with(rest, left, "年"))
		r->how = last->n_digits == 4 && !last->n_frac ? READ_DIGITS : READ_QTY;
	else if (starts_with(rest, left, "号"))
		r->how = last->n_digits >= 4 && !last->n_frac ? READ_DIGITS : READ_PLAIN;
	else if (starts_with(rest, left, "日"))
		r->how = !ends_with(b, "月") && days_counted(b, rest, left) ? READ_QTY : READ_PLAIN;
	else if (starts_with(rest, left, "月"))
		r->how = READ_PLAIN;
	else if (small && WORD_AT(rest, left, hour_end) && value_of(last) <= 24)
		r->how = READ_HOUR;
	else if (small && starts_with(rest, left, "分") && !starts_with(rest, left, "分之"))
		r->how = READ_MINUTE;
	else
		return false;
	return true;
}

/* Decide how the group is read from the text after it (rest) and before it (b). */
static void decide_reading(const struct group *g, const struct buf *b, const char *rest, size_t left,
			   struct reading_of *r)
{
	static const char *const about[] = { "多", "余", "来" };
	static const char *const latlong[] = { "北纬", "南纬", "东经", "西经" };
	const struct term *last = &g->t[g->n - 1];
	size_t n, skip = WORD_AT(rest, left, about);
	memset(r, 0, sizeof(*r));
	r->how = READ_PLAIN;
	if ((r->say = unit_at(rest, left, &r->bytes))) {
		r->how = READ_QTY;
		r->temperature = is_temperature(r->say);
	} else if ((n = WORD_AT(rest + skip, left - skip, measure_words))) {
		char unit[16];
		snprintf(unit, sizeof(unit), "%.*s", (int)n, rest + skip);
		r->how = READ_QTY;
		r->temperature = is_temperature(unit);
	} else if (!time_reading(g, b, rest, left, r) && (strstr(last->mult, "千") || strstr(last->mult, "万") ||
							 strstr(last->mult, "亿"))) {
		r->how = READ_QTY; /* 2万 两万 */
	}
	if ((ends_with(b, "第") && r->how != READ_DIGITS) || ENDS_WITH_ANY(b, latlong))
		r->how = READ_PLAIN; /* 第2天 第二天, 北纬2度 */
	if (r->how != READ_DIGITS && g->n == 1 && !last->percent && !last->neg && !*last->mult &&
	    ((is_code_like(&last->num) && r->how == READ_PLAIN) || last->num.n_digits > 16))
		r->how = READ_PHONE;
}

/* A whole number: 两 for 2 where the reading asks for it (两小时, 两点, 两万; 二百), 百分之百. */
static void whole_number(const struct term *t, enum reading how, bool percent, struct buf *b)
{
	unsigned long long v = value_of(&t->num);
	if (v == 2 && !t->num.n_frac && (how == READ_QTY || how == READ_HOUR) && strncmp(t->mult, "百", strlen("百")) != 0)
		puts_(b, "两");
	else if (percent && v == 100 && !t->num.n_frac && !*t->mult)
		puts_(b, "百");
	else
		number_words(v, b);
}

/* One number of a group, with its sign and 百分之 before it, in its span. */
static void say_term(const struct term *t, enum reading how, bool temperature, bool percent, struct buf *b)
{
	const struct number *num = &t->num;
	unsigned long long v = value_of(num);
	bool zero_minute = how == READ_MINUTE && v > 0 && v < 10 &&
			   (num->digits[0] == '0' || ends_with(b, "时") || ends_with(b, "点"));
	if (t->neg)
		puts_(b, temperature ? "零下" : "负");
	if (percent)
		puts_(b, "百分之");
	puts_(b, how == READ_QTY && !num->n_frac ? TC_ZH_QTY : TC_ZH_NUM);
	if (how == READ_DIGITS || how == READ_PHONE) {
		digits_one_by_one(num->digits, num->n_digits, how == READ_PHONE, b);
	} else {
		if (zero_minute)
			puts_(b, "零"); /* 八时零五分 */
		whole_number(t, how, percent, b);
	}
	if (num->n_frac) {
		puts_(b, "点");
		digits_one_by_one(num->frac, num->n_frac, false, b);
	}
	puts_(b, t->mult);
	puts_(b, TC_ZH_END);
}

/* A number read alone in its span (the parts of a date, a clock time, a latitude). */
static void say_number_as(const struct number *num, enum reading how, struct buf *b)
{
	struct term t = { .num = *num };
	say_term(&t, how, false, false, b);
}

/* A telephone number digit by digit; a dash before the next group becomes a pause (022-25201234). */
static size_t phone_number(const struct number *num, const char *s, size_t avail, struct buf *b)
{
	size_t used = num->bytes, mark = minus_at(s + used, avail - used), n;
	say_number_as(num, READ_PHONE, b);
	if (mark && digit_at(s + used + mark, avail - used - mark, &n) >= 0) {
		puts_(b, " ");
		used += mark;
	}
	return used;
}

/* A number or a range at s, its unit spelled out; returns bytes consumed. */
static size_t say_group(const char *s, size_t avail, struct buf *b)
{
	struct group g;
	struct reading_of r;
	read_group(s, avail, &g);
	decide_reading(&g, b, s + g.bytes, avail - g.bytes, &r);
	if (r.how == READ_PHONE)
		return phone_number(&g.t[0].num, s, avail, b);
	bool percent = g.t[0].percent || g.t[g.n - 1].percent; /* 20～30% 百分之二十到百分之三十 */
	for (size_t i = 0; i < g.n; i++) {
		if (i)
			puts_(b, g.mark);
		say_term(&g.t[i], r.how, r.temperature, percent, b);
	}
	if (r.say)
		puts_(b, r.say);
	return g.bytes + r.bytes;
}

/* 2026-08-12: a date. Returns bytes consumed, 0 when not a date. */
static size_t iso_date(const char *s, size_t avail, struct buf *b)
{
	struct number y, m, d;
	if (!read_number(s, avail, &y) || y.n_digits != 4 || y.n_frac || y.bytes >= avail || s[y.bytes] != '-')
		return 0;
	size_t at = y.bytes + 1;
	if (!read_number(s + at, avail - at, &m) || m.n_digits > 2 || m.n_frac || at + m.bytes >= avail ||
	    s[at + m.bytes] != '-')
		return 0;
	at += m.bytes + 1;
	if (!read_number(s + at, avail - at, &d) || d.n_digits > 2 || d.n_frac)
		return 0;
	if (value_of(&m) < 1 || value_of(&m) > 12 || value_of(&d) < 1 || value_of(&d) > 31)
		return 0;
	say_number_as(&y, READ_DIGITS, b);
	puts_(b, "年");
	say_number_as(&m, READ_PLAIN, b);
	puts_(b, "月");
	say_number_as(&d, READ_PLAIN, b);
	puts_(b, "日");
	return at + d.bytes;
}

/* 14:30 → 十四时三十分, 02:00 → 两时, 08:05 → 八时零五分. Returns bytes consumed, 0 when not a time. */
static size_t clock_time(const struct number *h, const char *s, size_t avail, struct buf *b)
{
	struct number m;
	size_t at = h->bytes;
	if (h->n_frac || h->n_digits > 2 || at + 1 >= avail || (s[at] != ':' && !starts_with(s + at, avail - at, "：")))
		return 0;
	at += s[at] == ':' ? 1 : strlen("：");
	if (!read_number(s + at, avail - at, &m) || m.n_digits != 2 || m.n_frac)
		return 0;
	if (value_of(h) > 24 || value_of(&m) > 59)
		return 0;
	say_number_as(h, READ_HOUR, b);
	puts_(b, "时");
	if (value_of(&m)) {
		say_number_as(&m, READ_MINUTE, b);
		puts_(b, "分");
	}
	return at + m.bytes;
}

/* 39.5°N → 北纬三十九点五度, 39°30′N → 北纬三十九度三十分. Returns bytes consumed, 0 when not one. */
static size_t lat_long(const char *s, size_t avail, struct buf *b)
{
	static const char *const sign[3][2] = { { "°", "°" }, { "′", "'" }, { "″", "\"" } };
	static const char *const said[] = { "度", "分", "秒" };
	static const char hemisphere[] = "NSEW";
	static const char *const prefix[] = { "北纬", "南纬", "东经", "西经" };
	struct number part[3];
	size_t at = 0, k = 0;
	for (; k < 3 && read_number(s + at, avail - at, &part[k]); k++) {
		const char *after = s + at + part[k].bytes;
		size_t left = avail - at - part[k].bytes;
		size_t n = word_at(after, left, sign[k], 2);
		if (!n)
			break;
		at += part[k].bytes + n;
	}
	const char *h = at < avail && s[at] ? strchr(hemisphere, s[at]) : NULL;
	if (!k || !h || (at + 1 < avail && isalpha((unsigned char)s[at + 1])))
		return 0;
	puts_(b, prefix[h - hemisphere]);
	for (size_t i = 0; i < k; i++) {
		say_number_as(&part[i], READ_PLAIN, b);
		puts_(b, said[i]);
	}
	return at + 1;
}

/* Words after which a number is dialled, so read digit by digit (拨打12121). */
static bool after_dial_word(const struct buf *b)
{
	static const char *const words[] = { "拨打", "电话", "热线", "号码", "致电", "短信" };
	return ENDS_WITH_ANY(b, words);
}

/* "1.政府": a list item, said "一、". Returns bytes consumed, 0 when not one. */
static size_t list_item(const struct number *num, const char *s, size_t avail, struct buf *b)
{
	const char *rest = s + num->bytes;
	size_t left = avail - num->bytes, n;
	if (num->n_frac || num->n_digits > 2 || (!starts_with(rest, left, ".") && !starts_with(rest, left, "．")))
		return 0;
	size_t dot = rest[0] == '.' ? 1 : strlen("．");
	if (dot >= left || !tc_zh_is_hanzi(tc_zh_cp_at(rest + dot, left - dot, &n)))
		return 0;
	say_number_as(num, READ_PLAIN, b);
	puts_(b, "、");
	return num->bytes + dot;
}

/* A number at s (or a minus sign before one) and what follows it; returns bytes consumed. */
static size_t number_token(const char *s, size_t avail, struct buf *b)
{
	struct number num;
	size_t used;
	if (minus_at(s, avail))
		return say_group(s, avail, b);
	if ((used = iso_date(s, avail, b)) || (used = lat_long(s, avail, b)))
		return used;
	read_number(s, avail, &num);
	if ((used = clock_time(&num, s, avail, b)) || (used = list_item(&num, s, avail, b)))
		return used;
	if (!num.n_frac && after_dial_word(b))
		return phone_number(&num, s, avail, b);
	return say_group(s, avail, b);
}

/* Whether the text so far ends with a time or date word (14时-16时: the dash is 到). */
static bool after_time_word(const struct buf *b)
{
	static const char *const words[] = { "时", "分", "秒", "日", "月", "号", "点", "年" };
	return ENDS_WITH_ANY(b, words);
}

/* A minus sign before a number, not between two numbers: -5℃, 气温−3. */
static bool negative_at(const char *s, size_t avail, int32_t prev, const struct buf *b)
{
	size_t m = minus_at(s, avail), n;
	return m && digit_at(s + m, avail - m, &n) >= 0 && !(prev < 0x80 && isalnum((int)prev)) && !after_time_word(b);
}

static bool ends_with_pause(const struct buf *b)
{
	static const char *const pauses[] = { "，", "。", "、", "；", "：", "！", "？", " " };
	for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++)
		if (ends_with(b, pauses[i]))
			return true;
	return b->t.n == 0;
}

/* Brackets become pauses; quotes disappear. Returns true when cp was one of them. */
static bool punctuation(int32_t cp, struct buf *b)
{
	static const int32_t pause[] = { 0xFF08, 0xFF09, '(', ')', 0x3010, 0x3011, '[', ']', 0x300A, 0x300B, 0x3014, 0x3015 };
	static const int32_t drop[] = { 0x201C, 0x201D, '"', 0x2018, 0x2019, 0x300C, 0x300D, 0x300E, 0x300F };
	for (size_t i = 0; i < sizeof(pause) / sizeof(pause[0]); i++) {
		if (pause[i] == cp) {
			if (!ends_with_pause(b))
				puts_(b, "，");
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (drop[i] == cp)
			return true;
	return false;
}

/* Length of a URL at s, 0 when none. */
static size_t url_at(const char *s, size_t avail)
{
	if (!starts_with(s, avail, "http://") && !starts_with(s, avail, "https://") && !starts_with(s, avail, "www."))
		return 0;
	size_t i = 0;
	while (i < avail && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

static enum tc_rc symbols_and_numbers(const char *text, struct buf *b, struct tc_diags *d)
{
	size_t len = strlen(text), i = 0, n;
	int32_t prev = 0;
	while (i < len) {
		size_t skip = url_at(text + i, len - i);
		const char *say;
		if (skip) {
			i += skip;
			continue;
		}
		if (digit_at(text + i, len - i, &n) >= 0 || negative_at(text + i, len - i, prev, b)) {
			i += number_token(text + i, len - i, b);
			prev = '0';
			continue;
		}
		int32_t cp = tc_zh_cp_at(text + i, len - i, &n);
		if (cp < 0) {
			tc_err(d, "speech.utf8", "", "the text is not valid UTF-8 (byte %zu)", i);
			return TC_ERR_INVALID;
		}
		size_t next_n, mark = range_mark(text + i, len - i, &say);
		int32_t next = i + n < len ? tc_zh_cp_at(text + i + n, len - i - n, &next_n) : 0;
		if (is_emoji(cp) || punctuation(cp, b)) {
			/* dropped or turned into a pause */
		} else if (mark && after_time_word(b) && digit_at(text + i + mark, len - i - mark, &next_n) >= 0) {
			puts_(b, say); /* 14时-16时 十四时到十六时 */
			n = mark;
		} else if (cp == '/' && tc_zh_is_hanzi(prev) && tc_zh_is_hanzi(next)) {
			puts_(b, "每"); /* 米/秒 → 米每秒 */
		} else if (cp == 0x2103) {
			puts_(b, "摄氏度");
		} else {
			put(b, text + i, n);
		}
		prev = cp;
		i += n;
	}
	return TC_OK;
}

/*
 * A copy of text without its control bytes but tab and newline, so no marker
 * comes from the text; NULL when out of memory (the caller frees the copy).
 */
static char *without_controls(const char *text)
{
	char *copy = malloc(strlen(text) + 1), *w = copy;
	for (const unsigned char *r = (const unsigned char *)text; copy && *r; r++)
		if (*r >= 0x20 || *r == '\t' || *r == '\n')
			*w++ = (char)*r;
	if (copy)
		*w = '\0';
	return copy;
}

enum tc_rc tc_zh_numbers(const char *text, char **out, struct tc_diags *d)
{
	struct buf b = BUF_EMPTY;
	char *clean = without_controls(text);
	enum tc_rc rc = clean ? symbols_and_numbers(clean, &b, d) : TC_ERR_NOMEM;
	*out = NULL;
	free(clean);
	if (rc == TC_OK && b.failed)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK) {
		*out = b.t.v ? tc_vec_take(&b.t) : strdup("");
		if (!*out)
			rc = TC_ERR_NOMEM;
	}
	tc_vec_free(&b.t);
	return rc;
}

void tc_zh_strip_marks(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++)
		if (*r != TC_ZH_NUM[0] && *r != TC_ZH_QTY[0] && *r != TC_ZH_END[0])
			*w++ = *r;
	*w = '\0';
}

/* --- the lexicon ---------------------------------------------------------------- */

struct entry {
	char *word, *pinyin;
	const char *origin; /* the name of the text it came from (one of the lexicon's origins) */
	size_t seq;         /* insertion order: the later of two equal words wins */
};

struct tc_lexicon {
	struct tc_vec e;       /* struct entry, sorted by word, no duplicates, between calls */
	struct tc_vec origins; /* char *: names of the texts added, owned */
	size_t max_word;       /* bytes */
	size_t next_seq;
};

struct tc_lexicon *tc_lexicon_new(void)
{
	struct tc_lexicon *lex = calloc(1, sizeof(*lex));
	if (lex) {
		tc_vec_init(&lex->e, sizeof(struct entry));
		tc_vec_init(&lex->origins, sizeof(char *));
	}
	return lex;
}

void tc_lexicon_free(struct tc_lexicon *lex)
{
	if (!lex)
		return;
	struct entry *e = lex->e.v;
	for (size_t i = 0; i < lex->e.n; i++) {
		free(e[i].word);
		free(e[i].pinyin);
	}
	tc_vec_free(&lex->e);
	char **o = lex->origins.v;
	for (size_t i = 0; i < lex->origins.n; i++)
		free(o[i]);
	tc_vec_free(&lex->origins);
	free(lex);
}

size_t tc_lexicon_size(const struct tc_lexicon *lex)
{
	return lex ? lex->e.n : 0;
}

static int by_word_then_seq(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->word, y->word);
	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Sort, and of equal words keep the one added last. */
static void sort_unique(struct tc_lexicon *lex)
{
	struct entry *e = lex->e.v;
	size_t n = lex->e.n, w = 0;
	if (!n)
		return;
	qsort(e, n, sizeof(*e), by_word_then_seq);
	for (size_t r = 0; r < n; r++) {
		if (r + 1 < n && strcmp(e[r].word, e[r + 1].word) == 0) {
			free(e[r].word);
			free(e[r].pinyin);
			continue;
		}
		e[w++] = e[r];
	}
	lex->e.n = w;
}

/* "chang3 suo3": syllables of letters (ü allowed) each ending in a tone digit 1-5. */
static bool pinyin_ok(const char *p)
{
	bool in_syllable = false;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p == ' ') {
			if (in_syllable)
				return false; /* a syllable without its tone */
			continue;
		}
		if (*p >= '1' && *p <= '5') {
			if (!in_syllable)
				return false;
			in_syllable = false;
		} else if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80) {
			in_syllable = true;
		} else {
			return false;
		}
	}
	return !in_syllable;
}

/* Whether a word written only in Hanzi has as many syllables as characters (other words are not checked). */
static bool syllable_per_character(const char *word, const char *pinyin)
{
	size_t chars = 0, syllables = 0, len = strlen(word), n;
	for (size_t i = 0; i < len; i += n, chars++)
		if (!tc_zh_is_hanzi(tc_zh_cp_at(word + i, len - i, &n)))
			return true;
	for (const char *p = pinyin; *p; p++)
		syllables += *p >= '1' && *p <= '5';
	return chars == syllables;
}

/* Split "word<TAB>pinyin" at line; false (with a message in why) when malformed. */
static bool parse_line(char *line, char **word, char **pinyin, const char **why)
{
	char *tab = strchr(line, '\t');
	if (!tab) {
		*why = "expected word<TAB>pinyin";
		return false;
	}
	*tab = '\0';
	*word = line;
	*pinyin = tab + 1;
	size_t n = strlen(*pinyin);
	while (n && ((*pinyin)[n - 1] == ' ' || (*pinyin)[n - 1] == '\r'))
		(*pinyin)[--n] = '\0';
	if (!**word) {
		*why = "the word is empty";
		return false;
	}
	if (!pinyin_ok(*pinyin)) {
		*why = "pinyin must be syllables with tone numbers 1-5, separated by spaces (chang3 suo3)";
		return false;
	}
	if (!syllable_per_character(*word, *pinyin)) {
		*why = "a word of Hanzi needs one syllable per character";
		return false;
	}
	return true;
}

static enum tc_rc add_entry(struct tc_lexicon *lex, const char *word, const char *pinyin, const char *origin)
{
	struct entry en = { strdup(word), strdup(pinyin), origin, lex->next_seq++ };
	struct entry *slot = en.word && en.pinyin ? tc_vec_push(&lex->e) : NULL;
	if (!slot) {
		free(en.word);
		free(en.pinyin);
		return TC_ERR_NOMEM;
	}
	*slot = en;
	if (strlen(word) > lex->max_word)
		lex->max_word = strlen(word);
	return TC_OK;
}

enum tc_rc tc_lexicon_add_tsv(struct tc_lexicon *lex, const char *text, size_t len, const char *name,
			      struct tc_diags *d)
{
	char *copy = malloc(len + 1);
	enum tc_rc rc = TC_OK;
	if (!copy)
		return TC_ERR_NOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	char *origin = strdup(name), **slot = origin ? tc_vec_push(&lex->origins) : NULL;
	if (!slot) {
		free(origin);
		free(copy);
		return TC_ERR_NOMEM;
	}
	*slot = origin;
	/* First check every line, so a bad file adds nothing. */
	for (int pass = 0; pass < 2 && rc == TC_OK; pass++) {
		char *save = NULL, *scratch = strdup(copy);
		if (!scratch) {
			rc = TC_ERR_NOMEM;
			break;
		}
		int line_no = 0;
		for (char *line = strtok_r(scratch, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line_no++;
			char *word, *pinyin;
			const char *why;
			if (line[0] == '#' || line[strspn(line, " \t\r")] == '\0')
				continue;
			if (!parse_line(line, &word, &pinyin, &why)) {
				tc_err(d, "lexicon.line", name, "%s, line %d: %s", name, line_no, why);
				rc = TC_ERR_INVALID;
			} else if (pass == 1) {
				rc = add_entry(lex, word, pinyin, origin);
				if (rc)
					break;
			}
		}
		free(scratch);
	}
	free(copy);
	sort_unique(lex);
	return rc;
}

enum tc_rc tc_lexicon_add_file(struct tc_lexicon *lex, const char *path, struct tc_diags *d)
{
	char *text = NULL;
	size_t len = 0;
	int err = tc_file_read(path, 64u << 20, &text, &len);
	if (err) {
		tc_err(d, "lexicon.io", path, "cannot read the lexicon %s: %s", path, strerror(err));
		return err == ENOMEM ? TC_ERR_NOMEM : TC_ERR_IO;
	}
	enum tc_rc rc = tc_lexicon_add_tsv(lex, text, len, path, d);
	free(text);
	return rc;
}

extern const unsigned char tc_zh_lexicon_builtin[];
extern const size_t tc_zh_lexicon_builtin_len;

enum tc_rc tc_lexicon_add_builtin(struct tc_lexicon *lex, struct tc_diags *d)
{
	return tc_lexicon_add_tsv(lex, (const char *)tc_zh_lexicon_builtin, tc_zh_lexicon_builtin_len,
				  "built-in lexicon", d);
}

/* Index of the first entry not below s[0..n) (memcmp order, shorter first). */
static size_t lower_bound(const struct tc_lexicon *lex, const char *s, size_t n)
{
	const struct entry *e = lex->e.v;
	size_t lo = 0, hi = lex->e.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, k = strlen(e[mid].word);
		int c = memcmp(e[mid].word, s, k < n ? k : n);
		if (c < 0 || (c == 0 && k < n))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *tc_lexicon_find(const struct tc_lexicon *lex, const char *s, size_t n, const char **origin)
{
	if (!lex || !n)
		return NULL;
	size_t i = lower_bound(lex, s, n);
	const struct entry *e = lex->e.v;
	if (i == lex->e.n || strlen(e[i].word) != n || memcmp(e[i].word, s, n) != 0)
		return NULL;
	if (origin)
		*origin = e[i].origin;
	return e[i].pinyin;
}

bool tc_lexicon_has_prefix(const struct tc_lexicon *lex, const char *s, size_t n)
{
	if (!lex || !n)
		return false;
	size_t i = lower_bound(lex, s, n);
	const struct entry *e = lex->e.v;
	return i < lex->e.n && strncmp(e[i].word, s, n) == 0 && strlen(e[i].word) >= n;
}

/* A pause mark written just before another one is dropped ("，。" → "。"). */
static void tidy_pauses(char *s)
{
	static const char *const marks[] = { "，", "。", "、", "；", "：", "！", "？" };
	const char comma[] = "，";
	char *w = s;
	for (char *r = s; *r;) {
		if (strncmp(r, comma, 3) == 0) {
			const char *after = r + 3;
			while (*after == ' ')
				after++;
			bool next_is_mark = false;
			for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
				next_is_mark |= strncmp(after, marks[i], strlen(marks[i])) == 0;
			if (next_is_mark || *after == '\0') {
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Pass 2: each word's reading (tc_zh_read.h) and the engine's input from them. */
static enum tc_rc read_words(const char *marked, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	struct tc_zh_reading r;
	enum tc_rc rc = tc_zh_read(marked, lex, &r, d);
	if (!rc) {
		*out = tc_zh_reading_script(&r);
		rc = *out ? TC_OK : TC_ERR_NOMEM;
	}
	tc_zh_reading_release(&r);
	return rc;
}

enum tc_rc tc_zh_normalise(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	char *marked = NULL, *said = NULL;
	*out = NULL;
	enum tc_rc rc = tc_zh_numbers(text, &marked, d);
	if (rc == TC_OK && lex) {
		rc = read_words(marked, lex, &said, d);
	} else if (rc == TC_OK) {
		tc_zh_strip_marks(marked);
		said = marked;
		marked = NULL;
	}
	free(marked);
	if (rc == TC_OK) {
		tidy_pauses(said);
		*out = said;
		said = NULL;
	}
	free(said);
	return rc;
}

enum tc_rc tc_zh_explain(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	struct buf lines = BUF_EMPTY;
	struct tc_zh_reading r = { 0 };
	char *marked = NULL;
	*out = NULL;
	enum tc_rc rc = tc_zh_numbers(text, &marked, d);
	if (rc == TC_OK)
		rc = tc_zh_read(marked, lex, &r, d);
	for (size_t i = 0; rc == TC_OK && i < r.n; i++) {
		const struct tc_zh_piece *p = &r.p[i];
		if (p->source == TC_ZH_SRC_TEXT && p->text[strspn(p->text, " ")] == '\0')
			continue;
		puts_(&lines, p->text);
		puts_(&lines, "\t");
		puts_(&lines, p->say);
		puts_(&lines, "\t");
		puts_(&lines, tc_zh_source_name(p->source));
		if (p->why) {
			puts_(&lines, ": ");
			puts_(&lines, p->why);
		}
		puts_(&lines, "\n");
	}
	if (rc == TC_OK && lines.failed)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK) {
		*out = lines.t.v ? tc_vec_take(&lines.t) : strdup("");
		rc = *out ? TC_OK : TC_ERR_NOMEM;
	}
	tc_zh_reading_release(&r);
	free(marked);
	tc_vec_free(&lines.t);
	return rc;
}
