/*
 * tc_drill.c — drill schedules, their slots and their CAP alert (tc_drill.h).
 *
 * Slots are found day by day in Beijing time: a day is a slot day when its
 * weekday (and, monthly, its place in the month) matches; the slot is that
 * day's midnight plus the entry's minutes, minus eight hours for UTC.
 */
#include "tc_drill.h"

#include "tc_hash.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_S 86400
#define SEARCH_DAYS 40 /* every kind of entry has a slot within this many days */

static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char *const nths[] = { "first", "second", "third", "fourth", "last" };

static int find_word(const char *const *v, int n, const char *w, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(v[i]) == len && !strncmp(v[i], w, len))
			return i;
	return -1;
}

static bool parse_time(const char *w, int *minute)
{
	int h, m;
	char tail;
	if (strlen(w) != 5 || sscanf(w, "%2d:%2d%c", &h, &m, &tail) != 2 || !isdigit((unsigned char)w[0]) ||
	    !isdigit((unsigned char)w[3]) || h < 0 || h > 23 || m < 0 || m > 59)
		return false;
	*minute = h * 60 + m;
	return true;
}

static bool parse_region(const char *w, char *out)
{
	size_t n = strlen(w);
	if (!strcmp(w, "*")) {
		out[0] = '\0';
		return true;
	}
	if (n < 2 || n > 12 || strspn(w, "0123456789") != n)
		return false;
	memcpy(out, w, n + 1);
	return true;
}

enum tc_rc tc_drill_parse(const char *text, struct tc_drill *out, struct tc_diags *d)
{
	char buf[128], *w[6], *save = NULL;
	int n = 0, k = 0;
	memset(out, 0, sizeof(*out));
	if (strlen(text) >= sizeof(buf)) {
		tc_err(d, "drill.syntax", "drill", "drill entry is longer than %zu characters", sizeof(buf) - 1);
		return TC_ERR_INVALID;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		if (n < 6)
			w[n++] = t;
		else
			n = 7;
	const char *why = NULL;
	if (n < 4 || n > 5)
		why = "expected daily HH:MM MODE REGION, weekly DAY HH:MM MODE REGION or monthly NTH-DAY HH:MM MODE REGION";
	else if (!strcmp(w[0], "daily") && n == 4)
		out->every = TC_DRILL_DAILY;
	else if (!strcmp(w[0], "weekly") && n == 5 && (out->wday = find_word(days, 7, w[1], strlen(w[1]))) >= 0)
		out->every = TC_DRILL_WEEKLY, k = 1;
	else if (!strcmp(w[0], "monthly") && n == 5 && strchr(w[1], '-') &&
		 (out->nth = find_word(nths, 5, w[1], (size_t)(strchr(w[1], '-') - w[1])) + 1) > 0 &&
		 (out->wday = find_word(days, 7, strchr(w[1], '-') + 1, strlen(strchr(w[1], '-') + 1))) >= 0)
		out->every = TC_DRILL_MONTHLY, k = 1;
	else
		why = n == 5 ? "the day must be mon..sun (weekly) or first-mon .. last-sun (monthly)"
			     : "the entry must start with daily, weekly or monthly";
	if (!why && !parse_time(w[1 + k], &out->minute))
		why = "the time must be HH:MM (Beijing time, 00:00 to 23:59)";
	else if (!why && strcmp(w[2 + k], "silent") && strcmp(w[2 + k], "audible"))
		why = "the mode must be silent (a Test) or audible (an Exercise)";
	else if (!why && !parse_region(w[3 + k], out->region))
		why = "the region must be an administrative code of 2 to 12 digits, or * for all";
	if (why) {
		tc_err(d, "drill.syntax", "drill", "drill '%.100s': %s", text, why);
		return TC_ERR_INVALID;
	}
	out->audible = !strcmp(w[2 + k], "audible");
	/* the spec is the entry with single spaces, so that spacing does not make it another schedule */
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out->spec + len, sizeof(out->spec) - len, "%s%s", i ? " " : "", w[i]);
	return TC_OK;
}

/* Whether Beijing-time day number day (days since 1970-01-01) is a slot day of dr. */
static bool slot_day(const struct tc_drill *dr, int64_t day)
{
	time_t t = (time_t)(day * DAY_S), week_on = (time_t)((day + 7) * DAY_S);
	struct tm tm, later;
	gmtime_r(&t, &tm);
	if (dr->every == TC_DRILL_DAILY)
		return true;
	if (tm.tm_wday != dr->wday)
		return false;
	if (dr->every == TC_DRILL_WEEKLY)
		return true;
	gmtime_r(&week_on, &later);
	return dr->nth == 5 ? later.tm_mon != tm.tm_mon : (tm.tm_mday - 1) / 7 + 1 == dr->nth;
}

static int64_t day_of(int64_t t)
{
	int64_t local = t + TC_DRILL_UTC_OFFSET_S;
	return local >= 0 ? local / DAY_S : (local - DAY_S + 1) / DAY_S;
}

static int64_t slot_of(const struct tc_drill *dr, int64_t day)
{
	return day * DAY_S + dr->minute * 60 - TC_DRILL_UTC_OFFSET_S;
}

int64_t tc_drill_prev(const struct tc_drill *dr, int64_t t)
{
	for (int64_t day = day_of(t), i = 0; i <= SEARCH_DAYS; i++, day--)
		if (slot_day(dr, day) && slot_of(dr, day) <= t)
			return slot_of(dr, day);
	return 0;
}

int64_t tc_drill_next(const struct tc_drill *dr, int64_t t)
{
	for (int64_t day = day_of(t), i = 0; i <= SEARCH_DAYS; i++, day++)
		if (slot_day(dr, day) && slot_of(dr, day) > t)
			return slot_of(dr, day);
	return 0;
}

int64_t tc_drill_due(const struct tc_drill *dr, int64_t now, int64_t last, long catchup_s)
{
	int64_t slot = tc_drill_prev(dr, now);
	return slot && slot > last && now - slot < catchup_s ? slot : 0;
}

static void beijing(int64_t t, char out[32])
{
	time_t local = (time_t)(t + TC_DRILL_UTC_OFFSET_S);
	struct tm tm;
	gmtime_r(&local, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

size_t tc_drill_cap(const struct tc_drill *dr, const char *sender, int64_t slot, int64_t sent, long expires_s,
		    const char (*codes)[16], size_t n, char *out, size_t len)
{
	char when[32], until[32], geo[16 * 80 + 1] = "";
	size_t g = 0;
	beijing(sent, when);
	beijing(sent + expires_s, until);
	for (size_t i = 0; i < n && g + 80 < sizeof(geo); i++)
		g += (size_t)snprintf(geo + g, sizeof(geo) - g,
				      "<geocode><valueName>ADCODE</valueName><value>%s</value></geocode>", codes[i]);
	const char *headline = dr->audible ? "应急广播演练" : "应急广播例行静默测试";
	const char *desc = dr->audible ? "这是应急广播系统的定期演练，不是真实预警。"
				       : "这是应急广播系统的例行静默测试，终端自检，不播放声音。";
	int k = snprintf(out, len,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
			 "<identifier>drill-%lld-%06x</identifier><sender>%s</sender><sent>%s</sent>"
			 "<status>%s</status><msgType>Alert</msgType><scope>Public</scope>"
			 "<note>%s</note>"
			 "<info><language>zh-CN</language><category>Safety</category><event>%s</event>"
			 "<urgency>Unknown</urgency><severity>Unknown</severity><certainty>Unknown</certainty>"
			 "<expires>%s</expires><senderName>%s</senderName><headline>%s</headline>"
			 "<description>%s</description>"
			 "<area><areaDesc>%s</areaDesc>%s</area></info></alert>\n",
			 (long long)slot, (unsigned)(tc_fnv1a(TC_FNV1A_INIT, dr->spec) & 0xffffffu), sender, when,
			 dr->audible ? "Exercise" : "Test", dr->spec, dr->audible ? "演练" : "测试", until, sender,
			 headline, desc, dr->region[0] ? dr->region : "全部区域", geo);
	return k > 0 && (size_t)k < len ? (size_t)k : 0;
}
