/*
 * tc_cap_colour.c — the Chinese warning colour level of an info block.
 *
 * Chinese warnings carry a colour, 蓝 < 黄 < 橙 < 红, that maps to CAP
 * severity Minor < Moderate < Severe < Extreme. It is read from a parameter
 * (COLOUR, COLOR, 颜色, 预警颜色 or 预警级别; values 蓝色/蓝/BLUE/Ⅳ级 ...)
 * or else from the headline ("…红色预警…", "Red Warning"). A headline that
 * raises or lowers a warning names the old colour before the new one
 * ("将台风红色预警信号降级为橙色", "Red Warning downgraded to Orange"); the
 * colour after the change word is the one it announces. Used by the cn
 * profile and by everything that shows or ranks an alert.
 */
#include "tc_cap.h"

#include <string.h>
#include <strings.h>

static const char *const colour_names[] = { "COLOUR", "COLOR", "颜色", "预警颜色", "预警级别", NULL };

const char *tc_cap_colour_name(enum tc_cap_colour c)
{
	static const char *const names[] = { "none", "blue", "yellow", "orange", "red" };
	return c <= TC_CAP_COLOUR_RED ? names[c] : "none";
}

const char *tc_cap_colour_zh(enum tc_cap_colour c)
{
	static const char *const names[] = { "", "蓝色", "黄色", "橙色", "红色" };
	return c <= TC_CAP_COLOUR_RED ? names[c] : "";
}

enum tc_cap_severity tc_cap_colour_severity(enum tc_cap_colour c)
{
	static const enum tc_cap_severity sev[] = { TC_CAP_SEVERITY_UNKNOWN, TC_CAP_MINOR, TC_CAP_MODERATE,
						    TC_CAP_SEVERE, TC_CAP_EXTREME };
	return c <= TC_CAP_COLOUR_RED ? sev[c] : TC_CAP_SEVERITY_UNKNOWN;
}

enum tc_cap_colour tc_cap_colour_of_value(const char *value)
{
	static const struct { const char *text; enum tc_cap_colour c; } names[] = {
		{ "蓝色", TC_CAP_COLOUR_BLUE }, { "蓝", TC_CAP_COLOUR_BLUE }, { "BLUE", TC_CAP_COLOUR_BLUE },
		{ "Ⅳ级", TC_CAP_COLOUR_BLUE }, { "Ⅳ", TC_CAP_COLOUR_BLUE }, { "IV", TC_CAP_COLOUR_BLUE },
		{ "IV级", TC_CAP_COLOUR_BLUE }, { "四级", TC_CAP_COLOUR_BLUE },
		{ "黄色", TC_CAP_COLOUR_YELLOW }, { "黄", TC_CAP_COLOUR_YELLOW }, { "YELLOW", TC_CAP_COLOUR_YELLOW },
		{ "Ⅲ级", TC_CAP_COLOUR_YELLOW }, { "Ⅲ", TC_CAP_COLOUR_YELLOW }, { "III", TC_CAP_COLOUR_YELLOW },
		{ "III级", TC_CAP_COLOUR_YELLOW }, { "三级", TC_CAP_COLOUR_YELLOW },
		{ "橙色", TC_CAP_COLOUR_ORANGE }, { "橙", TC_CAP_COLOUR_ORANGE }, { "ORANGE", TC_CAP_COLOUR_ORANGE },
		{ "Ⅱ级", TC_CAP_COLOUR_ORANGE }, { "Ⅱ", TC_CAP_COLOUR_ORANGE }, { "II", TC_CAP_COLOUR_ORANGE },
		{ "II级", TC_CAP_COLOUR_ORANGE }, { "二级", TC_CAP_COLOUR_ORANGE },
		{ "红色", TC_CAP_COLOUR_RED }, { "红", TC_CAP_COLOUR_RED }, { "RED", TC_CAP_COLOUR_RED },
		{ "Ⅰ级", TC_CAP_COLOUR_RED }, { "Ⅰ", TC_CAP_COLOUR_RED }, { "I", TC_CAP_COLOUR_RED },
		{ "I级", TC_CAP_COLOUR_RED }, { "一级", TC_CAP_COLOUR_RED },
	};
	char v[32];
	tc_cap_trim(value ? value : "", v, sizeof(v));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tc_cap_ascii_ieq(v, names[i].text))
			return names[i].c;
	return TC_CAP_COLOUR_NONE;
}

static const char *ci_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

struct colour_word {
	const char *text;
	enum tc_cap_colour c;
};

#define N_WORDS(t) (sizeof(t) / sizeof((t)[0]))

/* Phrases that name a warning's colour. */
static const struct colour_word named_words[] = {
	{ "蓝色预警", TC_CAP_COLOUR_BLUE },     { "黄色预警", TC_CAP_COLOUR_YELLOW },
	{ "橙色预警", TC_CAP_COLOUR_ORANGE },   { "红色预警", TC_CAP_COLOUR_RED },
	{ "blue warning", TC_CAP_COLOUR_BLUE }, { "yellow warning", TC_CAP_COLOUR_YELLOW },
	{ "orange warning", TC_CAP_COLOUR_ORANGE }, { "red warning", TC_CAP_COLOUR_RED },
	{ "blue alert", TC_CAP_COLOUR_BLUE },   { "yellow alert", TC_CAP_COLOUR_YELLOW },
	{ "orange alert", TC_CAP_COLOUR_ORANGE }, { "red alert", TC_CAP_COLOUR_RED },
};

/* Words that raise or lower a warning; the new colour comes after them. */
static const char *const change_words[] = {
	"升级为", "降级为", "调整为", "升为", "降为", "upgraded to", "downgraded to",
	"raised to", "lowered to", "changed to", "adjusted to",
};

/* The colours a change word can be followed by ("降级为橙色预警", "upgraded to Red"). */
static const struct colour_word new_colours[] = {
	{ "蓝色", TC_CAP_COLOUR_BLUE }, { "黄色", TC_CAP_COLOUR_YELLOW },
	{ "橙色", TC_CAP_COLOUR_ORANGE }, { "红色", TC_CAP_COLOUR_RED },
	{ "blue", TC_CAP_COLOUR_BLUE }, { "yellow", TC_CAP_COLOUR_YELLOW },
	{ "orange", TC_CAP_COLOUR_ORANGE }, { "red", TC_CAP_COLOUR_RED },
};

static bool ascii_letter(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Bytes of the Chinese character (U+4000-U+9FFF in UTF-8) at p, or 0: punctuation ends a phrase. */
static size_t ideograph_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return u[0] >= 0xe4 && u[0] <= 0xe9 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80 ? 3 : 0;
}

/* The colour word at p, NONE when there is none. */
static enum tc_cap_colour colour_at(const char *p)
{
	for (size_t i = 0; i < N_WORDS(new_colours); i++) {
		size_t n = strlen(new_colours[i].text);
		if (strncasecmp(p, new_colours[i].text, n) == 0 && !ascii_letter(p[n]))
			return new_colours[i].c;
	}
	return TC_CAP_COLOUR_NONE;
}

/*
 * The colour a change word at p announces: the colour word after blanks and
 * an English article ("upgraded to a Red Warning"), or after the event's name
 * of up to four characters ("降级为台风橙色"); NONE when there is none.
 */
static enum tc_cap_colour colour_after(const char *p)
{
	static const char *const articles[] = { "a ", "an ", "the " };
	enum { MAX_EVENT_CHARS = 4 };
	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; i < N_WORDS(articles); i++) {
		if (strncasecmp(p, articles[i], strlen(articles[i])) == 0) {
			p += strlen(articles[i]);
			break;
		}
	}
	enum tc_cap_colour c = colour_at(p);
	for (int skipped = 0; !c && skipped < MAX_EVENT_CHARS && ideograph_len(p); skipped++) {
		p += ideograph_len(p);
		c = colour_at(p);
	}
	return c;
}

/* The last place in a headline that gives a colour, and that colour. */
struct hit {
	const char *at;
	enum tc_cap_colour c;
};

/* Moves last to the latest place in h where word gives a colour: named, or (NONE) the one after it. */
static void last_hit(const char *h, const char *word, enum tc_cap_colour named, struct hit *last)
{
	size_t len = strlen(word);
	for (const char *p = ci_strstr(h, word); p; p = ci_strstr(p + 1, word)) {
		enum tc_cap_colour c = named ? named : colour_after(p + len);
		if (c && (!last->at || p > last->at)) {
			last->at = p;
			last->c = c;
		}
	}
}

enum tc_cap_colour tc_cap_colour_of_headline(const char *h)
{
	struct hit change = { NULL, TC_CAP_COLOUR_NONE }, named = { NULL, TC_CAP_COLOUR_NONE };
	if (!h)
		return TC_CAP_COLOUR_NONE;
	for (size_t i = 0; i < N_WORDS(change_words); i++)
		last_hit(h, change_words[i], TC_CAP_COLOUR_NONE, &change);
	for (size_t i = 0; i < N_WORDS(named_words); i++)
		last_hit(h, named_words[i].text, named_words[i].c, &named);
	return change.c ? change.c : named.c;
}

long tc_cap_colour_param(const struct tc_cap_info *in)
{
	for (size_t i = 0; i < in->n_parameters; i++)
		if (tc_cap_name_is(in->parameters[i].name, colour_names))
			return (long)i;
	return -1;
}

enum tc_cap_colour tc_cap_info_colour(const struct tc_cap_info *in)
{
	long pi = tc_cap_colour_param(in);
	enum tc_cap_colour c = pi >= 0 ? tc_cap_colour_of_value(in->parameters[pi].value) : TC_CAP_COLOUR_NONE;
	return c ? c : tc_cap_colour_of_headline(in->headline);
}
