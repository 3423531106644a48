/*
 * tc_cap_colour.c — the Chinese warning colour level of an info block.
 *
 * Chinese warnings carry a colour, 蓝 < 黄 < 橙 < 红, that maps to CAP
 * severity Minor < Moderate < Severe < Extreme. It is read from a parameter
 * (COLOUR, COLOR, 颜色, 预警颜色 or 预警级别; values 蓝色/蓝/BLUE/Ⅳ级 ...)
 * or else from the headline ("…红色预警…", "Red Warning"). Used by the cn
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

enum tc_cap_colour tc_cap_colour_of_headline(const char *h)
{
	static const struct { const char *text; enum tc_cap_colour c; } names[] = {
		{ "蓝色预警", TC_CAP_COLOUR_BLUE },     { "黄色预警", TC_CAP_COLOUR_YELLOW },
		{ "橙色预警", TC_CAP_COLOUR_ORANGE },   { "红色预警", TC_CAP_COLOUR_RED },
		{ "blue warning", TC_CAP_COLOUR_BLUE }, { "yellow warning", TC_CAP_COLOUR_YELLOW },
		{ "orange warning", TC_CAP_COLOUR_ORANGE }, { "red warning", TC_CAP_COLOUR_RED },
		{ "blue alert", TC_CAP_COLOUR_BLUE },   { "yellow alert", TC_CAP_COLOUR_YELLOW },
		{ "orange alert", TC_CAP_COLOUR_ORANGE }, { "red alert", TC_CAP_COLOUR_RED },
	};
	enum tc_cap_colour found = TC_CAP_COLOUR_NONE;
	const char *latest = NULL;
	for (size_t i = 0; h && i < sizeof(names) / sizeof(names[0]); i++) {
		for (const char *p = ci_strstr(h, names[i].text); p; p = ci_strstr(p + 1, names[i].text)) {
			if (!latest || p > latest) {
				latest = p;
				found = names[i].c;
			}
		}
	}
	return found;
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
