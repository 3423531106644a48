/*
 * tc_cap_profile_cn.c — the "cn" profile: what Chinese warning practice adds.
 *
 *  - identifier: ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N, the 31-character form of the
 *    national early-warning release system: issuing unit code (6-digit
 *    GB/T 2260 admin code, 3-digit GB/T 4657 organ code, 3-digit internal
 *    code, 2-digit extension), entry time in Beijing time, sequence 0-9.
 *    The system's own feeds often leave out "_N"; lenient mode takes such an
 *    identifier with a warning, so an upstream alert is not lost over it;
 *  - at least one info in Chinese (zh, zh-CN, ...);
 *  - each info of an Alert or Update carries a GB/T 35561 event code
 *    (eventCode valueName "GB/T 35561"), e.g. 11B01 typhoon, 11B03 rainstorm,
 *    11B14 lightning, 11E02 storm surge;
 *  - the colour level 蓝/黄/橙/红 is given (parameter COLOUR, 颜色 or 预警级别,
 *    else the headline "…红色预警…" / "Red Warning") and agrees with severity:
 *    蓝 Minor, 黄 Moderate, 橙 Severe, 红 Extreme. The parameter decides; a
 *    headline that announces another colour (after a downgrade, the new one:
 *    "…红色预警信号降级为橙色" announces 橙色) is a conflict, as it is read out;
 *  - areas name their administrative division (geocode ADCODE, GB2260 or
 *    GB/T 2260: 6-digit county, 9-digit town, 12-digit village code).
 */
#include "tc_cap_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* GB/T 35561 event types tocsin knows by name; other well-formed codes get a warning. */
static const struct { const char *code, *name; } event_codes[] = {
	{ "11B01", "台风 typhoon" },        { "11B03", "暴雨 rainstorm" },
	{ "11B04", "暴雪 snowstorm" },      { "11B05", "寒潮 cold wave" },
	{ "11B06", "大风 gale" },           { "11B07", "沙尘暴 sandstorm" },
	{ "11B09", "高温 heat" },           { "11B14", "雷电 lightning" },
	{ "11B15", "冰雹 hail" },           { "11B16", "霜冻 frost" },
	{ "11B17", "大雾 fog" },            { "11B19", "霾 haze" },
	{ "11B21", "道路结冰 road icing" }, { "11E02", "风暴潮 storm surge" },
	{ "11E01", "海浪 high waves" },
};

static const char *const event_code_names[] = { "GBT35561", NULL };
static const char *const adcode_names[] = { "ADCODE", "GB2260", "GBT2260", NULL };

/* The first n characters of s are digits. */
static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* s is exactly n digits. */
static bool all_digits(const char *s, size_t n)
{
	return digits(s, n) && s[n] == '\0';
}

/* The province part of a GB/T 2260 code is one of these. */
static bool province_ok(const char *code)
{
	static const int provinces[] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
					 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
					 65, 71, 81, 82 };
	int p = (code[0] - '0') * 10 + (code[1] - '0');
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (provinces[i] == p)
			return true;
	return false;
}

static void check_identifier(const struct tc_cap_alert *a, bool lenient, struct tc_diags *d)
{
	const char *id = a->identifier;
	const char *path = "alert/identifier[0]";
	if (!id)
		return;
	size_t n = strlen(id);
	bool sequence = n == 31 && id[29] == '_' && isdigit((unsigned char)id[30]);
	if ((n != 29 && !sequence) || !digits(id, 14) || id[14] != '_') {
		tc_err(d, "cn.identifier.format", path,
		       "identifier '%.64s' is not ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N: the 14-digit issuing "
		       "unit code, '_', the entry time in 14 digits, '_', a sequence digit 0-9", id);
		return;
	}
	char stamp[15];
	memcpy(stamp, id + 15, 14);
	stamp[14] = '\0';
	if (!all_digits(stamp, 14)) {
		tc_err(d, "cn.identifier.format", path, "identifier '%s': the time part '%s' is not 14 digits", id, stamp);
		return;
	}
	if (!sequence)
		tc_diags_add(d, lenient ? TC_SEV_WARNING : TC_SEV_ERROR, "cn.identifier.sequence", path, 0,
			     "identifier '%s' has no sequence digit: the national form ends in '_' and a digit "
			     "0-9 (%s_0)%s", id, id, lenient ? "; accepted as sent, in lenient mode" : "");
	if (!province_ok(id))
		tc_err(d, "cn.identifier.unit", path,
		       "identifier '%s' starts with '%.6s', which is not a GB/T 2260 admin code", id, id);
	char iso[40];
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s+08:00", stamp, stamp + 4, stamp + 6,
		 stamp + 8, stamp + 10, stamp + 12);
	struct tc_cap_time t;
	tc_cap_time_parse(iso, &t);
	if (!t.valid)
		tc_err(d, "cn.identifier.time", path,
		       "identifier '%s': '%s' is not a real date and time (YYYYMMDDhhmmss, Beijing time)", id, stamp);
}

static bool is_chinese(const char *lang)
{
	return lang && (tc_cap_ascii_ieq(lang, "zh") || strncasecmp(lang, "zh-", 3) == 0);
}

static void check_language(const struct tc_cap_alert *a, struct tc_diags *d)
{
	for (size_t i = 0; i < a->n_infos; i++)
		if (is_chinese(a->infos[i].language))
			return;
	if (a->n_infos)
		tc_err(d, "cn.language", "alert/info[0]/language[0]",
		       "no <info> is in Chinese: add one with <language>zh-CN</language>");
}

static bool code_shape_ok(const char *v)
{
	return strlen(v) == 5 && v[0] >= '1' && v[0] <= '4' && isdigit((unsigned char)v[1]) &&
	       isupper((unsigned char)v[2]) && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]);
}

static void check_event_code(const struct tc_cap_info *in, const char *base, struct tc_diags *d)
{
	char path[128], v[16];
	for (size_t i = 0; i < in->n_event_codes; i++) {
		if (!tc_cap_name_is(in->event_codes[i].name, event_code_names))
			continue;
		snprintf(path, sizeof(path), "%s/eventCode[%zu]", base, i);
		tc_cap_trim(in->event_codes[i].value ? in->event_codes[i].value : "", v, sizeof(v));
		if (!code_shape_ok(v)) {
			tc_err(d, "cn.event-code.format", path,
			       "GB/T 35561 event code '%s' is not of the form 11B03 (class digit 1-4, digit, "
			       "letter, two digits)", v);
			return;
		}
		for (size_t k = 0; k < sizeof(event_codes) / sizeof(event_codes[0]); k++)
			if (strcmp(v, event_codes[k].code) == 0)
				return;
		tc_warn(d, "cn.event-code.unknown", path,
			"GB/T 35561 event code %s is not in tocsin's table; check that it is right", v);
		return;
	}
	snprintf(path, sizeof(path), "%s/eventCode", base);
	tc_err(d, "cn.event-code.missing", path,
	       "no GB/T 35561 event code: add <eventCode><valueName>GB/T 35561</valueName>"
	       "<value>11B03</value></eventCode> (11B01 typhoon, 11B03 rainstorm, 11B14 lightning, "
	       "11E02 storm surge, ...)");
}

static void check_colour(const struct tc_cap_info *in, const char *base, struct tc_diags *d)
{
	char path[128];
	long pi = tc_cap_colour_param(in);
	enum tc_cap_colour from_param = TC_CAP_COLOUR_NONE;
	enum tc_cap_colour from_headline = tc_cap_colour_of_headline(in->headline);
	if (pi >= 0) {
		const char *v = in->parameters[pi].value;
		snprintf(path, sizeof(path), "%s/parameter[%ld]", base, pi);
		from_param = tc_cap_colour_of_value(v);
		if (!from_param) {
			tc_err(d, "cn.colour.value", path,
			       "colour level '%.40s' is not one of 蓝色, 黄色, 橙色, 红色 (BLUE, YELLOW, ORANGE, RED)",
			       v ? v : "");
			return;
		}
	} else {
		snprintf(path, sizeof(path), "%s/headline[0]", base);
	}
	if (from_param && from_headline && from_param != from_headline) {
		tc_err(d, "cn.colour.conflict", path, "the colour parameter says %s but the headline announces %s",
		       tc_cap_colour_zh(from_param), tc_cap_colour_zh(from_headline));
		return;
	}
	enum tc_cap_colour c = from_param ? from_param : from_headline;
	if (!c) {
		tc_err(d, "cn.colour.missing", base,
		       "no colour level: add <parameter><valueName>COLOUR</valueName><value>橙色</value>"
		       "</parameter> or name it in the headline (…橙色预警…)");
		return;
	}
	if (in->severity != tc_cap_colour_severity(c))
		tc_err(d, "cn.colour.severity", path, "colour %s (%s) requires severity %s, but <severity> is %s",
		       tc_cap_colour_zh(c), tc_cap_colour_name(c), tc_cap_severity_name(tc_cap_colour_severity(c)),
		       in->severity_text ? in->severity_text : "missing");
}

static void check_areas(const struct tc_cap_info *in, const char *base, struct tc_diags *d)
{
	char path[160], v[32];
	if (in->n_areas == 0) {
		tc_err(d, "cn.area.missing", base, "the info has no <area>: say where the warning applies");
		return;
	}
	for (size_t j = 0; j < in->n_areas; j++) {
		const struct tc_cap_area *ar = &in->areas[j];
		size_t found = 0;
		for (size_t k = 0; k < ar->n_geocodes; k++) {
			if (!tc_cap_name_is(ar->geocodes[k].name, adcode_names))
				continue;
			found++;
			snprintf(path, sizeof(path), "%s/area[%zu]/geocode[%zu]", base, j, k);
			tc_cap_trim(ar->geocodes[k].value ? ar->geocodes[k].value : "", v, sizeof(v));
			size_t n = strlen(v);
			if ((n != 6 && n != 9 && n != 12) || !all_digits(v, n) || !province_ok(v))
				tc_err(d, "cn.geocode.format", path,
				       "admin code '%s' is not a GB/T 2260 code: 6 digits for a county, 9 for a "
				       "town, 12 for a village, starting with a province code", v);
		}
		if (!found) {
			snprintf(path, sizeof(path), "%s/area[%zu]", base, j);
			tc_warn(d, "cn.area.no-adcode", path,
				"the area has no admin-code geocode (valueName ADCODE); targeting falls back "
				"to its polygon or circle");
		}
	}
}

void tc_cap_profile_cn_check(const struct tc_cap_alert *a, bool lenient, struct tc_diags *d)
{
	char base[64];
	check_identifier(a, lenient, d);
	check_language(a, d);
	bool warning = a->msg_type == TC_CAP_ALERT || a->msg_type == TC_CAP_UPDATE;
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_info *in = &a->infos[i];
		snprintf(base, sizeof(base), "alert/info[%zu]", i);
		check_event_code(in, base, d);
		if (warning)
			check_colour(in, base, d);
		check_areas(in, base, d);
	}
}
