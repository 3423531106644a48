/*
 * cap_fixture.h — a valid CAP 1.2 alert (also valid under the cn profile)
 * and a helper that changes one piece of it, for the CAP unit tests.
 */
#ifndef TC_CAP_FIXTURE_H
#define TC_CAP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_cap_check.h"

#define FIXTURE_NOW 1786489200 /* 2026-08-12T07:00:00+08:00 */

static const char fixture_alert[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
	"<identifier>12011641600000_20260812063000_0</identifier>\n"
	"<sender>12011641600000</sender>\n"
	"<sent>2026-08-12T06:30:00+08:00</sent>\n"
	"<status>Actual</status>\n"
	"<msgType>Alert</msgType>\n"
	"<scope>Public</scope>\n"
	"<info>\n"
	"<language>zh-CN</language>\n"
	"<category>Met</category>\n"
	"<event>台风</event>\n"
	"<responseType>Shelter</responseType>\n"
	"<urgency>Expected</urgency>\n"
	"<severity>Severe</severity>\n"
	"<certainty>Likely</certainty>\n"
	"<eventCode><valueName>GB/T 35561</valueName><value>11B01</value></eventCode>\n"
	"<effective>2026-08-12T06:30:00+08:00</effective>\n"
	"<onset>2026-08-12T18:00:00+08:00</onset>\n"
	"<expires>2026-08-13T18:00:00+08:00</expires>\n"
	"<senderName>天津市滨海新区气象台</senderName>\n"
	"<headline>天津市滨海新区气象台发布台风橙色预警</headline>\n"
	"<description>预计10～11级大风。</description>\n"
	"<instruction>转移到避难场所。</instruction>\n"
	"<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>\n"
	"<area>\n"
	"<areaDesc>滨海新区</areaDesc>\n"
	"<polygon>39.2,117.5 39.2,117.9 38.8,117.9 39.2,117.5</polygon>\n"
	"<circle>38.98,117.78 15</circle>\n"
	"<geocode><valueName>ADCODE</valueName><value>120116</value></geocode>\n"
	"</area>\n"
	"</info>\n"
	"</alert>\n";

/* src with the first occurrence of from replaced by to (malloc'ed). */
static inline char *fixture_replace(const char *src, const char *from, const char *to)
{
	const char *at = strstr(src, from);
	if (!at) {
		fprintf(stderr, "fixture: '%s' not found\n", from);
		abort();
	}
	size_t head = (size_t)(at - src), fl = strlen(from), tl = strlen(to);
	char *s = malloc(strlen(src) + tl + 1);
	memcpy(s, src, head);
	memcpy(s + head, to, tl);
	strcpy(s + head + tl, at + fl);
	return s;
}

/* fixture_alert with the first occurrence of from replaced by to (malloc'ed). */
static inline char *fixture_with(const char *from, const char *to)
{
	return fixture_replace(fixture_alert, from, to);
}

/* Check xml with profile and mode; returns the result, fills d. */
static inline enum tc_rc fixture_check(const char *xml, enum tc_cap_profile profile, bool lenient,
				       struct tc_diags *d, struct tc_cap_alert **out)
{
	struct tc_cap_options o;
	tc_cap_options_default(&o);
	o.profile = profile;
	o.lenient = lenient;
	o.now = FIXTURE_NOW;
	return tc_cap_check(xml, strlen(xml), &o, out, d);
}

#endif
