/*
 * tc_cap.c — the CAP model's small pieces: enum names, CAP date-times,
 * valueName look-up, freeing an alert and tocsin's id for it.
 */
#include "tc_cap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "tc_arena.h"

struct name_map {
	const char *name;
	int value;
};

static const struct name_map status_map[] = {
	{ "Actual", TC_CAP_ACTUAL }, { "Exercise", TC_CAP_EXERCISE }, { "System", TC_CAP_SYSTEM },
	{ "Test", TC_CAP_TEST }, { "Draft", TC_CAP_DRAFT }, { NULL, 0 },
};
static const struct name_map msgtype_map[] = {
	{ "Alert", TC_CAP_ALERT }, { "Update", TC_CAP_UPDATE }, { "Cancel", TC_CAP_CANCEL },
	{ "Ack", TC_CAP_ACK }, { "Error", TC_CAP_ERROR }, { NULL, 0 },
};
static const struct name_map scope_map[] = {
	{ "Public", TC_CAP_PUBLIC }, { "Restricted", TC_CAP_RESTRICTED }, { "Private", TC_CAP_PRIVATE },
	{ NULL, 0 },
};
static const struct name_map urgency_map[] = {
	{ "Immediate", TC_CAP_IMMEDIATE }, { "Expected", TC_CAP_EXPECTED }, { "Future", TC_CAP_FUTURE },
	{ "Past", TC_CAP_PAST }, { "Unknown", TC_CAP_URGENCY_UNKNOWN }, { NULL, 0 },
};
static const struct name_map severity_map[] = {
	{ "Extreme", TC_CAP_EXTREME }, { "Severe", TC_CAP_SEVERE }, { "Moderate", TC_CAP_MODERATE },
	{ "Minor", TC_CAP_MINOR }, { "Unknown", TC_CAP_SEVERITY_UNKNOWN }, { NULL, 0 },
};
static const struct name_map certainty_map[] = {
	{ "Observed", TC_CAP_OBSERVED }, { "Likely", TC_CAP_LIKELY }, { "Possible", TC_CAP_POSSIBLE },
	{ "Unlikely", TC_CAP_UNLIKELY }, { "Unknown", TC_CAP_CERTAINTY_UNKNOWN }, { NULL, 0 },
};

static const char *map_name(const struct name_map *m, int v)
{
	for (; m->name; m++)
		if (m->value == v)
			return m->name;
	return "Unknown";
}

/* The value named by text, surrounding white space ignored; 0 when none. */
static int map_value(const struct name_map *m, const char *text)
{
	char buf[32];
	if (!text)
		return 0;
	tc_cap_trim(text, buf, sizeof(buf));
	for (; m->name; m++)
		if (strcmp(m->name, buf) == 0)
			return m->value;
	return 0;
}

const char *tc_cap_status_name(enum tc_cap_status v) { return map_name(status_map, (int)v); }
const char *tc_cap_msgtype_name(enum tc_cap_msgtype v) { return map_name(msgtype_map, (int)v); }
const char *tc_cap_scope_name(enum tc_cap_scope v) { return map_name(scope_map, (int)v); }
const char *tc_cap_urgency_name(enum tc_cap_urgency v) { return map_name(urgency_map, (int)v); }
const char *tc_cap_severity_name(enum tc_cap_severity v) { return map_name(severity_map, (int)v); }
const char *tc_cap_certainty_name(enum tc_cap_certainty v) { return map_name(certainty_map, (int)v); }

void tc_cap_model_enums(struct tc_cap_alert *a)
{
	a->status = map_value(status_map, a->status_text);
	a->msg_type = map_value(msgtype_map, a->msg_type_text);
	a->scope = map_value(scope_map, a->scope_text);
	for (size_t i = 0; i < a->n_infos; i++) {
		struct tc_cap_info *in = &a->infos[i];
		in->urgency = map_value(urgency_map, in->urgency_text);
		in->severity = map_value(severity_map, in->severity_text);
		in->certainty = map_value(certainty_map, in->certainty_text);
	}
}

void tc_cap_alert_free(struct tc_cap_alert *a)
{
	if (a)
		tc_arena_free(a->arena); /* the alert itself lives in its arena */
}

/* --- date-times ------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* n digits at p into *v. */
static bool digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	return true;
}

void tc_cap_time_parse(const char *text, struct tc_cap_time *t)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0;
	char buf[64];
	memset(t, 0, sizeof(*t));
	t->text = text;
	if (!text)
		return;
	const char *p = tc_cap_trim(text, buf, sizeof(buf));
	if (!digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
	    !digits(p + 8, 2, &d) || p[10] != 'T' || !digits(p + 11, 2, &h) || p[13] != ':' ||
	    !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &s))
		return;
	p += 19;
	if (*p == '.') { /* fractional seconds: read, then ignored */
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z') {
		t->has_zone = t->zulu = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
			return;
		t->has_zone = true;
		t->offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || s > 60)
		return;
	t->epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - t->offset_min * 60;
	t->valid = true;
}

/* --- strings ---------------------------------------------------------------- */

bool tc_cap_ascii_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

const char *tc_cap_trim(const char *s, char *buf, size_t len)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

bool tc_cap_name_is(const char *name, const char *const *accepted)
{
	char norm[64];
	size_t n = 0;
	if (!name)
		return false;
	for (const char *p = name; *p && n + 1 < sizeof(norm); p++)
		if (*p != ' ' && *p != '/' && *p != '_' && *p != '-')
			norm[n++] = (char)toupper((unsigned char)*p);
	norm[n] = '\0';
	for (; *accepted; accepted++)
		if (strcmp(norm, *accepted) == 0)
			return true;
	return false;
}

const char *tc_cap_pair_find(const struct tc_cap_pair *pairs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (pairs[i].name && tc_cap_ascii_ieq(pairs[i].name, name))
			return pairs[i].value;
	return NULL;
}

void tc_cap_alert_id(const struct tc_cap_alert *a, char out[17])
{
	struct sha256_ctx h;
	uint8_t sum[SHA256_DIGEST_SIZE];
	const char *parts[] = { a->sender ? a->sender : "", ",", a->identifier ? a->identifier : "", ",",
				a->sent.text ? a->sent.text : "" };
	sha256_init(&h);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		sha256_update(&h, strlen(parts[i]), (const uint8_t *)parts[i]);
	sha256_digest(&h, sizeof(sum), sum);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}
