/*
 * tc_payload.c — building the versioned JSON payload (tc_payload.h).
 */
#include "tc_payload.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

enum tc_cap_colour tc_payload_colour(const struct tc_cap_info *in)
{
	enum tc_cap_colour c = tc_cap_info_colour(in);
	if (c)
		return c;
	switch (in->severity) {
	case TC_CAP_EXTREME: return TC_CAP_COLOUR_RED;
	case TC_CAP_SEVERE: return TC_CAP_COLOUR_ORANGE;
	case TC_CAP_MODERATE: return TC_CAP_COLOUR_YELLOW;
	case TC_CAP_MINOR: return TC_CAP_COLOUR_BLUE;
	case TC_CAP_SEVERITY_UNKNOWN: break;
	}
	return TC_CAP_COLOUR_NONE;
}

int tc_payload_priority(const struct tc_cap_info *in)
{
	/* Colour (or severity) 0-4 → 0-80, urgency 0-3 → +0-15, certainty → +0-4. */
	static const int urgency[] = { [TC_CAP_URGENCY_UNKNOWN] = 0, [TC_CAP_PAST] = 0,
				       [TC_CAP_FUTURE] = 5, [TC_CAP_EXPECTED] = 10, [TC_CAP_IMMEDIATE] = 15 };
	enum tc_cap_colour c = tc_payload_colour(in);
	int p = (int)c * 20 + urgency[in->urgency] + (int)in->certainty;
	return p > 100 ? 100 : p;
}

int tc_payload_repeats(const struct tc_cap_info *in, int fallback)
{
	const char *v = tc_cap_pair_find(in->parameters, in->n_parameters, "REPEAT");
	if (v) {
		char *end;
		long n = strtol(v, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (end != v && *end == '\0' && n >= 1 && n <= 10)
			return (int)n;
	}
	return fallback;
}

void tc_payload_alert_id(const struct tc_cap_alert *a, char out[17])
{
	tc_cap_alert_id(a, out);
}

/* The area descriptions of an info joined with "、" (zh) or "; ". */
static char *area_text(const struct tc_cap_info *in)
{
	const char *sep = in->language && strncmp(in->language, "zh", 2) == 0 ? "、" : "; ";
	size_t len = 1;
	for (size_t i = 0; i < in->n_areas; i++)
		len += (in->areas[i].area_desc ? strlen(in->areas[i].area_desc) : 0) + strlen(sep);
	char *s = calloc(1, len);
	for (size_t i = 0; s && i < in->n_areas; i++) {
		if (!in->areas[i].area_desc)
			continue;
		if (*s)
			strcat(s, sep);
		strcat(s, in->areas[i].area_desc);
	}
	return s;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *audio_json(const struct tc_payload_options *opt, const char *lang)
{
	for (size_t i = 0; i < opt->n_audio; i++) {
		const struct tc_payload_audio *a = &opt->audio[i];
		if (a->lang && lang && strcmp(a->lang, lang) == 0)
			return json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", a->id, "format", a->format, "sha256",
					 a->sha256, "length", (json_int_t)a->length, "duration_ms",
					 (json_int_t)a->duration_ms);
	}
	return json_null();
}

static json_t *info_json(const struct tc_cap_info *in, const struct tc_payload_options *opt)
{
	const char *lang = in->language ? in->language : "en-US";
	char *area = area_text(in);
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "lang", lang, "event", str_or_null(in->event),
			      "headline", str_or_null(in->headline), "area", str_or_null(area), "instruction",
			      str_or_null(in->instruction), "sender_name", str_or_null(in->sender_name), "audio",
			      audio_json(opt, lang));
	free(area);
	return o;
}

static json_t *references_json(const char *refs)
{
	json_t *a = json_array();
	const char *p = refs;
	while (a && p && *p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t n = 0;
		while (p[n] && !isspace((unsigned char)p[n]))
			n++;
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
	}
	return a;
}

static json_t *strings_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *scope_json(const struct tc_payload_options *opt)
{
	return json_pack("{s:o, s:o}", "regions", strings_json(opt->scope_regions, opt->n_scope_regions), "receivers",
			 strings_json(opt->scope_receivers, opt->n_scope_receivers));
}

/* The info that governs colour, priority, expiry: the most severe one. */
static const struct tc_cap_info *lead_info(const struct tc_cap_alert *a)
{
	const struct tc_cap_info *best = NULL;
	for (size_t i = 0; i < a->n_infos; i++)
		if (!best || tc_payload_priority(&a->infos[i]) > tc_payload_priority(best))
			best = &a->infos[i];
	return best;
}

/* The latest expiry over all infos; NULL when none has one. */
static const struct tc_cap_time *latest_expiry(const struct tc_cap_alert *a)
{
	const struct tc_cap_time *t = NULL;
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_time *e = &a->infos[i].expires;
		if (e->valid && e->has_zone && (!t || e->epoch > t->epoch))
			t = e;
	}
	return t;
}

int64_t tc_payload_expires_at(const struct tc_cap_alert *a, int64_t issued_at, long default_expiry_s)
{
	const struct tc_cap_time *exp = latest_expiry(a);
	return exp ? (int64_t)exp->epoch : issued_at + default_expiry_s;
}

enum tc_rc tc_payload_build(const struct tc_cap_alert *a, const struct tc_payload_options *opt,
			    char **out, size_t *out_len, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	json_t *o = NULL, *infos = NULL;
	*out = NULL;
	const struct tc_cap_info *lead = lead_info(a);
	const struct tc_cap_time *exp = latest_expiry(a);
	bool drill = a->status == TC_CAP_EXERCISE || a->status == TC_CAP_TEST;

	infos = json_array();
	for (size_t i = 0; infos && i < a->n_infos; i++)
		json_array_append_new(infos, info_json(&a->infos[i], opt));
	o = json_pack("{s:i, s:o, s:o, s:o, s:o, s:s, s:s, s:b, s:o}", "v", TC_PAYLOAD_VERSION, "id",
		      str_or_null(opt->alert_id), "identifier", str_or_null(a->identifier), "sender",
		      str_or_null(a->sender), "sent", str_or_null(a->sent.text), "status",
		      tc_cap_status_name(a->status), "msgType", tc_cap_msgtype_name(a->msg_type), "drill", drill,
		      "references", references_json(a->references));
	if (!o || !infos) {
		rc = TC_ERR_NOMEM;
		goto out;
	}
	json_object_set_new(o, "colour", json_string(tc_cap_colour_name(lead ? tc_payload_colour(lead) : 0)));
	json_object_set_new(o, "severity", json_string(tc_cap_severity_name(lead ? lead->severity : 0)));
	json_object_set_new(o, "urgency", json_string(tc_cap_urgency_name(lead ? lead->urgency : 0)));
	json_object_set_new(o, "priority", json_integer(lead ? tc_payload_priority(lead) : 0));
	json_object_set_new(o, "repeats", json_integer(lead ? tc_payload_repeats(lead, opt->default_repeats)
							    : opt->default_repeats));
	json_object_set_new(o, "expires", exp ? json_string(exp->text) : json_null());
	json_object_set_new(o, "kid", json_string(opt->kid ? opt->kid : ""));
	json_object_set_new(o, "issued_at", json_integer(opt->issued_at));
	json_object_set_new(o, "expires_at", json_integer(tc_payload_expires_at(a, opt->issued_at, opt->default_expiry_s)));
	json_object_set_new(o, "scope", scope_json(opt));
	json_object_set(o, "infos", infos);
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!*out) {
		tc_err(d, "payload.json", "", "the payload could not be serialised");
		rc = TC_ERR_NOMEM;
		goto out;
	}
	*out_len = strlen(*out);
out:
	json_decref(infos);
	json_decref(o);
	return rc;
}
