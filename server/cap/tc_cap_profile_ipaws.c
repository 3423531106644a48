/*
 * tc_cap_profile_ipaws.c — the "ipaws" profile: rules in the manner of the
 * US IPAWS-OPEN CAP profile, for alerts that feed EAS (SAME) and wireless
 * emergency alerts:
 *  - each info has a SAME event code (eventCode valueName SAME, three capital
 *    letters, e.g. TOR) and an <expires>;
 *  - each area has SAME geocodes (valueName SAME, six digits: PSSCCC);
 *  - EAS-ORG, when given, is EAS, CIV, WXR or PEP;
 *  - CMAMtext fits 90 characters and CMAMlongtext 360;
 *  - at least one info is in English (en-US), and the alert should be signed.
 */
#include "tc_cap_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool same_event_ok(const char *v)
{
	char b[8];
	tc_cap_trim(v ? v : "", b, sizeof(b));
	return strlen(b) == 3 && isupper((unsigned char)b[0]) && isupper((unsigned char)b[1]) &&
	       isupper((unsigned char)b[2]);
}

static bool same_geocode_ok(const char *v)
{
	char b[16];
	tc_cap_trim(v ? v : "", b, sizeof(b));
	if (strlen(b) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!isdigit((unsigned char)b[i]))
			return false;
	return true;
}

static void check_info(const struct tc_cap_info *in, size_t i, struct tc_diags *d)
{
	char path[160];
	const char *same = tc_cap_pair_find(in->event_codes, in->n_event_codes, "SAME");
	snprintf(path, sizeof(path), "alert/info[%zu]/eventCode", i);
	if (!same)
		tc_err(d, "ipaws.event-code.missing", path,
		       "no SAME event code: add <eventCode><valueName>SAME</valueName><value>TOR</value></eventCode>");
	else if (!same_event_ok(same))
		tc_err(d, "ipaws.event-code.format", path, "SAME event code '%.16s' must be three capital letters", same);
	if (!in->expires.text) {
		snprintf(path, sizeof(path), "alert/info[%zu]/expires[0]", i);
		tc_err(d, "ipaws.expires", path, "IPAWS requires <expires> in every info");
	}
	const char *org = tc_cap_pair_find(in->parameters, in->n_parameters, "EAS-ORG");
	if (org && strcmp(org, "EAS") && strcmp(org, "CIV") && strcmp(org, "WXR") && strcmp(org, "PEP")) {
		snprintf(path, sizeof(path), "alert/info[%zu]/parameter", i);
		tc_err(d, "ipaws.eas-org", path, "EAS-ORG '%.16s' must be EAS, CIV, WXR or PEP", org);
	}
	static const struct { const char *name; size_t max; } texts[] = { { "CMAMtext", 90 }, { "CMAMlongtext", 360 } };
	for (size_t k = 0; k < 2; k++) {
		const char *t = tc_cap_pair_find(in->parameters, in->n_parameters, texts[k].name);
		if (t && utf8_chars(t) > texts[k].max) {
			snprintf(path, sizeof(path), "alert/info[%zu]/parameter", i);
			tc_err(d, "ipaws.cmam-length", path, "%s has %zu characters; the limit is %zu",
			       texts[k].name, utf8_chars(t), texts[k].max);
		}
	}
	for (size_t j = 0; j < in->n_areas; j++) {
		const struct tc_cap_area *ar = &in->areas[j];
		snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]", i, j);
		size_t found = 0;
		for (size_t k = 0; k < ar->n_geocodes; k++) {
			if (!tc_cap_ascii_ieq(ar->geocodes[k].name, "SAME"))
				continue;
			found++;
			if (!same_geocode_ok(ar->geocodes[k].value))
				tc_err(d, "ipaws.geocode.format", path,
				       "SAME geocode '%.16s' must be six digits (PSSCCC)", ar->geocodes[k].value ? ar->geocodes[k].value : "");
		}
		if (!found)
			tc_err(d, "ipaws.geocode.missing", path,
			       "the area has no SAME geocode: add <geocode><valueName>SAME</valueName><value>006037</value></geocode>");
	}
}

void tc_cap_profile_ipaws_check(const struct tc_cap_alert *a, struct tc_diags *d)
{
	bool english = false;
	if (a->msg_type == TC_CAP_ALERT || a->msg_type == TC_CAP_UPDATE) {
		for (size_t i = 0; i < a->n_infos; i++) {
			check_info(&a->infos[i], i, d);
			const char *l = a->infos[i].language;
			english |= !l || tc_cap_ascii_ieq(l, "en-US") || tc_cap_ascii_ieq(l, "en");
		}
		if (a->n_infos == 0)
			tc_err(d, "ipaws.info.missing", "alert", "an IPAWS Alert or Update needs at least one <info>");
		else if (!english)
			tc_err(d, "ipaws.language", "alert/info[0]/language[0]", "IPAWS needs one <info> in en-US");
	}
	if (!a->has_signature)
		tc_warn(d, "ipaws.unsigned", "alert", "the alert carries no XML signature; IPAWS expects signed alerts");
}
