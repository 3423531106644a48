/*
 * tc_health.c — the maintenance list's rules (tc_health.h).
 */
#include "tc_health.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


const char *tc_health_problem_name(enum tc_health_problem p)
{
	static const char *const names[TC_HEALTH_N] = { "offline", "self-check", "silent", "clock" };
	return (unsigned)p < TC_HEALTH_N ? names[p] : "unknown";
}

static bool offline(const struct tc_health_facts *f, const struct tc_health_settings *s, int64_t now,
		    struct tc_health_verdict *v)
{
	if (f->online)
		return false;
	v->offline_since = f->last_seen ? f->last_seen : f->known_at;
	return v->offline_since > 0 && now - v->offline_since > (int64_t)s->offline_h * 3600;
}

static bool check_failed(const struct tc_health_facts *f)
{
	return f->checked && (strcmp(f->audio, "ok") != 0 || strcmp(f->storage, "ok") != 0);
}

static bool silent(const struct tc_health_facts *f, const struct tc_health_settings *s)
{
	size_t want = s->silent_alerts < 1 ? 1 : (size_t)s->silent_alerts;
	if (want > TC_HEALTH_SILENT_MAX)
		want = TC_HEALTH_SILENT_MAX;
	if (f->recent < want)
		return false;
	for (size_t i = 0; i < want; i++)
		if (!f->recent_silent[i])
			return false;
	return true;
}

static bool clock_off(const struct tc_health_facts *f, const struct tc_health_settings *s, struct tc_health_verdict *v)
{
	bool by_status = f->clock_at && (!f->checked || f->clock_at >= f->check_at);
	if (!by_status && !f->checked)
		return false;
	v->clock_by_status = by_status;
	/* milliseconds are rounded toward zero: 30.9 s off is not "more than 30 s" */
	v->clock_offset_s = by_status ? f->clock_offset_s : f->check_offset_ms / 1000;
	int64_t off = v->clock_offset_s < 0 ? -v->clock_offset_s : v->clock_offset_s;
	return off > s->clock_s;
}

unsigned tc_health_judge(const struct tc_health_facts *f, const struct tc_health_settings *s, int64_t now,
			 struct tc_health_verdict *v)
{
	*v = (struct tc_health_verdict){ 0 };
	if (offline(f, s, now, v))
		v->problems |= 1u << TC_HEALTH_OFFLINE;
	if (check_failed(f))
		v->problems |= 1u << TC_HEALTH_SELF_CHECK;
	if (silent(f, s))
		v->problems |= 1u << TC_HEALTH_SILENT;
	if (clock_off(f, s, v))
		v->problems |= 1u << TC_HEALTH_CLOCK;
	return v->problems;
}

static void iso(int64_t t, char out[24])
{
	struct tm tm;
	time_t tt = (time_t)t;
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

static size_t silent_evidence(const struct tc_health_facts *f, char *out, size_t len)
{
	size_t k = (size_t)snprintf(out, len, "no answer in the last %zu alert(s):", f->recent);
	for (size_t i = 0; i < f->recent && k < len; i++)
		k += (size_t)snprintf(out + k, len - k, " %s", f->recent_alert[i]);
	return k < len ? k : len - 1;
}

size_t tc_health_evidence(const struct tc_health_facts *f, const struct tc_health_verdict *v,
			  enum tc_health_problem p, char *out, size_t len)
{
	char when[24];
	int n = 0;
	if (!len)
		return 0;
	switch (p) {
	case TC_HEALTH_OFFLINE:
		iso(v->offline_since, when);
		n = snprintf(out, len, "%s since %s", f->last_seen ? "offline" : "never heard from", when);
		break;
	case TC_HEALTH_SELF_CHECK:
		iso(f->check_at, when);
		n = snprintf(out, len, "self-check of alert %s at %s: audio %s, storage %s", f->check_alert, when, f->audio,
			     f->storage);
		break;
	case TC_HEALTH_SILENT: return silent_evidence(f, out, len);
	case TC_HEALTH_CLOCK:
		iso(v->clock_by_status ? f->clock_at : f->check_at, when);
		n = snprintf(out, len, "clock %+" PRId64 " s off (%s at %s)", v->clock_offset_s,
			     v->clock_by_status ? "status" : "self-check", when);
		break;
	default: n = snprintf(out, len, "?"); break;
	}
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void tc_health_town(const char *region, char town[16])
{
	snprintf(town, 16, "%.9s", region);
}

static int by_town(const void *a, const void *b)
{
	return strcmp(((const struct tc_health_town *)a)->town, ((const struct tc_health_town *)b)->town);
}

size_t tc_health_towns(struct tc_health_town *v, size_t n)
{
	size_t k = 0;
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), by_town);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(v[i].town, v[k].town)) {
			v[k].receivers += v[i].receivers;
			v[k].listed += v[i].listed;
		} else {
			v[++k] = v[i];
		}
	}
	return k + 1;
}

double tc_health_ratio(const struct tc_health_town *t)
{
	return t->receivers ? (double)(t->receivers - t->listed) / (double)t->receivers : 1.0;
}

/* Beijing keeps UTC+8 all year: a day is a whole number of 86400 s after the shift. */
static int64_t local_days(int64_t t)
{
	int64_t x = t + TC_HEALTH_UTC_OFFSET_S;
	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

void tc_health_day(int64_t t, char day[11])
{
	struct tm tm;
	time_t tt = (time_t)(local_days(t) * 86400);
	gmtime_r(&tt, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

int64_t tc_health_day_start(int64_t t)
{
	return local_days(t) * 86400 - TC_HEALTH_UTC_OFFSET_S;
}

int tc_health_minute(int64_t t)
{
	return (int)((t - tc_health_day_start(t)) / 60);
}

int tc_health_parse_hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
	return h > 23 || m > 59 ? -1 : h * 60 + m;
}

int tc_health_covers(const char *c_region, const char *c_role, const char *role, const char *region)
{
	size_t len = strlen(c_region);
	if (strcmp(c_role, role) != 0 || !len || strncmp(c_region, region, len) != 0)
		return -1;
	return (int)len;
}
