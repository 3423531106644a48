/*
 * tc_same.c — SAME header text and AFSK audio (tc_same.h).
 */
#include "tc_same.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PREAMBLE_BYTES 16
#define PREAMBLE 0xAB
#define MAX_LOCATIONS 31

bool tc_same_applies(const struct tc_cap_info *in)
{
	return tc_cap_pair_find(in->event_codes, in->n_event_codes, "SAME") != NULL;
}

void tc_same_purge(long long seconds, char out[6])
{
	long long minutes = (seconds + 59) / 60;
	if (minutes <= 0)
		minutes = 15;
	if (minutes <= 60)
		minutes = (minutes + 14) / 15 * 15;
	else
		minutes = (minutes + 29) / 30 * 30;
	if (minutes > 99 * 60 + 30)
		minutes = 99 * 60 + 30;
	snprintf(out, 6, "+%02lld%02lld", minutes / 60, minutes % 60);
}

static bool three_capitals(const char *v)
{
	return v && strlen(v) == 3 && isupper((unsigned char)v[0]) && isupper((unsigned char)v[1]) &&
	       isupper((unsigned char)v[2]);
}

static bool six_digits(const char *v)
{
	if (!v || strlen(v) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

/* Append the info's SAME locations to out; returns how many, or -1 after an error. */
static int locations(const struct tc_cap_info *in, size_t info_index, char *out, size_t len, struct tc_diags *d)
{
	int n = 0;
	char path[96];
	for (size_t j = 0; j < in->n_areas; j++) {
		const struct tc_cap_area *ar = &in->areas[j];
		for (size_t k = 0; k < ar->n_geocodes; k++) {
			const char *v = ar->geocodes[k].value;
			if (!ar->geocodes[k].name || strcasecmp(ar->geocodes[k].name, "SAME") != 0)
				continue;
			snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]/geocode[%zu]", info_index, j, k);
			if (!six_digits(v)) {
				tc_err(d, "same.location", path, "SAME location '%.16s' must be six digits (PSSCCC)", v ? v : "");
				return -1;
			}
			char needle[8];
			snprintf(needle, sizeof(needle), "-%s", v);
			const char *seen = strstr(out, needle);
			if (seen && (seen[7] == '-' || seen[7] == '\0')) /* each location once */
				continue;
			if (++n > MAX_LOCATIONS) {
				tc_err(d, "same.locations", path, "a SAME header carries at most %d locations", MAX_LOCATIONS);
				return -1;
			}
			strncat(out, "-", len - strlen(out) - 1);
			strncat(out, v, len - strlen(out) - 1);
		}
	}
	if (n == 0)
		tc_err(d, "same.no-location", "", "info[%zu] has no SAME geocode (valueName SAME, six digits)", info_index);
	return n ? n : -1;
}

enum tc_rc tc_same_header(const struct tc_cap_alert *a, size_t info_index, const char *station,
			  const char *org_default, char *out, size_t len, struct tc_diags *d)
{
	char locs[TC_SAME_HEADER_MAX] = "", purge[6], id[9];
	if (info_index >= a->n_infos || len < TC_SAME_HEADER_MAX)
		return TC_ERR_USAGE;
	const struct tc_cap_info *in = &a->infos[info_index];
	const char *event = tc_cap_pair_find(in->event_codes, in->n_event_codes, "SAME");
	const char *org = tc_cap_pair_find(in->parameters, in->n_parameters, "EAS-ORG");
	if (!org)
		org = org_default ? org_default : "CIV";
	if (!three_capitals(event)) {
		tc_err(d, "same.event", "", "info[%zu] needs a SAME event code of three capital letters (e.g. TOR)",
		       info_index);
		return TC_ERR_INVALID;
	}
	if (!three_capitals(org)) {
		tc_err(d, "same.originator", "", "originator '%.8s' must be EAS, CIV, WXR or PEP", org);
		return TC_ERR_INVALID;
	}
	if (!a->sent.valid || !a->sent.has_zone || !in->expires.valid || !in->expires.has_zone) {
		tc_err(d, "same.times", "", "a SAME header needs <sent> and the info's <expires> with time zones");
		return TC_ERR_INVALID;
	}
	if (locations(in, info_index, locs, sizeof(locs), d) < 0)
		return TC_ERR_INVALID;
	tc_same_purge(in->expires.epoch - a->sent.epoch, purge);
	time_t t = (time_t)a->sent.epoch;
	struct tm utc;
	gmtime_r(&t, &utc);
	snprintf(id, sizeof(id), "%-8.8s", station && *station ? station : (a->sender ? a->sender : ""));
	for (char *p = id; *p; p++)
		*p = *p == '-' ? '/' : (char)toupper((unsigned char)*p);
	snprintf(out, len, "ZCZC-%s-%s%s%s-%03d%02d%02d-%s-", org, event, locs, purge, utc.tm_yday + 1, utc.tm_hour,
		 utc.tm_min, id);
	return TC_OK;
}

/* --- AFSK ------------------------------------------------------------------- */

struct fsk {
	struct tc_pcm *p;
	double phase;
	double amplitude;
	size_t bits; /* bits written in this burst, for exact bit boundaries */
	size_t start;
};

static enum tc_rc fsk_bit(struct fsk *f, int bit)
{
	double rate = f->p->rate;
	size_t end = f->start + (size_t)llround((double)(f->bits + 1) * rate / TC_SAME_BAUD);
	size_t from = f->start + (size_t)llround((double)f->bits * rate / TC_SAME_BAUD);
	double step = 2 * M_PI * (bit ? TC_SAME_MARK_HZ : TC_SAME_SPACE_HZ) / rate;
	enum tc_rc rc = tc_pcm_append(f->p, NULL, end - from);
	if (rc)
		return rc;
	for (size_t i = from; i < end; i++) {
		f->p->s[i] = (float)(f->amplitude * sin(f->phase));
		f->phase = fmod(f->phase + step, 2 * M_PI);
	}
	f->bits++;
	return TC_OK;
}

static enum tc_rc fsk_byte(struct fsk *f, unsigned char c)
{
	for (int b = 0; b < 8; b++) { /* least significant bit first, no start or stop bits */
		enum tc_rc rc = fsk_bit(f, (c >> b) & 1);
		if (rc)
			return rc;
	}
	return TC_OK;
}

enum tc_rc tc_same_burst(struct tc_pcm *p, const char *text, double amplitude)
{
	struct fsk f = { .p = p, .amplitude = amplitude, .start = p->n };
	enum tc_rc rc = TC_OK;
	for (int i = 0; i < PREAMBLE_BYTES && !rc; i++)
		rc = fsk_byte(&f, PREAMBLE);
	for (const char *c = text; *c && !rc; c++)
		rc = fsk_byte(&f, (unsigned char)*c);
	return rc;
}

static enum tc_rc three_bursts(struct tc_pcm *p, const char *text, double amplitude)
{
	enum tc_rc rc = TC_OK;
	for (int i = 0; i < 3 && !rc; i++) {
		rc = tc_same_burst(p, text, amplitude);
		if (!rc)
			rc = tc_pcm_silence(p, 1000);
	}
	return rc;
}

enum tc_rc tc_same_programme(const char *header, const struct tc_same_options *o, struct tc_pcm *out,
			     struct tc_diags *d)
{
	static const double attention[] = { 853.0, 960.0 };
	enum tc_rc rc;
	memset(out, 0, sizeof(out[0]));
	out->rate = o->rate;
	if (o->rate < 8000 || o->amplitude <= 0 || o->amplitude > 1 ||
	    (o->attention_ms && (o->attention_ms < 8000 || o->attention_ms > 25000)) ||
	    (o->message && o->message->rate != o->rate)) {
		tc_err(d, "same.options", "", "SAME audio needs a rate of at least 8000 Hz, an amplitude in (0, 1], "
		       "an attention signal of 8 to 25 s (or none) and a message at the same rate");
		return TC_ERR_USAGE;
	}
	if (strncmp(header, "ZCZC-", 5) != 0) {
		tc_err(d, "same.header", "", "a SAME header starts with ZCZC-");
		return TC_ERR_INVALID;
	}
	rc = three_bursts(out, header, o->amplitude);
	if (!rc && o->attention_ms)
		rc = tc_pcm_tone(out, attention, 2, o->attention_ms, o->amplitude);
	if (!rc && o->attention_ms)
		rc = tc_pcm_silence(out, 1000);
	if (!rc && o->message) {
		rc = tc_pcm_append(out, o->message->s, o->message->n);
		if (!rc)
			rc = tc_pcm_silence(out, 1000);
	}
	if (!rc)
		rc = three_bursts(out, "NNNN", o->amplitude);
	if (rc)
		tc_pcm_release(out);
	return rc;
}
