/*
 * tc_preview.c — an alert's preview, and the previews kept (tc_preview.h).
 */
#include "tc_preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tc_cap_check.h"
#include "tc_payload.h"
#include "tc_proto.h"

/* The display's language: a display shows its lang setting's info, zh-CN unless told otherwise. */
#define DISPLAY_LANG "zh-CN"

void tc_preview_free(void *ptr)
{
	struct tc_preview *p = ptr;
	if (!p)
		return;
	for (size_t i = 0; i < p->n_langs; i++) {
		free(p->langs[i].script);
		free(p->langs[i].audio);
		free(p->langs[i].sms_text);
	}
	free(p->langs);
	free(p->lines);
	free(p);
}

size_t tc_preview_bytes(const struct tc_preview *p)
{
	size_t n = sizeof(*p) + p->n_lines * sizeof(*p->lines) + p->n_langs * sizeof(*p->langs);
	for (size_t i = 0; i < p->n_langs; i++) {
		const struct tc_preview_lang *l = &p->langs[i];
		n += l->audio_len + (l->script ? strlen(l->script) + 1 : 0) + (l->sms_text ? strlen(l->sms_text) + 1 : 0);
	}
	return n;
}

/* The first error of d as p's reason (fallback when d has none). */
static void reason(struct tc_preview *p, const struct tc_diags *d, const char *fallback)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		if (it->sev == TC_SEV_ERROR) {
			snprintf(p->code, sizeof(p->code), "%s", it->code);
			snprintf(p->path, sizeof(p->path), "%s", it->path);
			snprintf(p->error, sizeof(p->error), "%s", it->message);
			return;
		}
	}
	snprintf(p->code, sizeof(p->code), "render.failed");
	snprintf(p->error, sizeof(p->error), "%s", fallback);
}

/* Each rendered language into p (its text and audio move). */
static enum tc_rc take_langs(struct tc_preview *p, struct tc_render *r)
{
	p->langs = calloc(r->n ? r->n : 1, sizeof(*p->langs));
	if (!p->langs)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < r->n; i++) {
		struct tc_render_lang *l = &r->langs[i];
		struct tc_preview_lang *out = &p->langs[p->n_langs++];
		snprintf(out->lang, sizeof(out->lang), "%s", l->lang);
		out->script = l->engine_text;
		out->audio = l->opus;
		out->audio_len = l->opus_len;
		out->duration_ms = l->message_ms;
		out->sms_text = l->sms_text;
		out->sms_encoding = l->sms.encoding == TC_SMS_UCS2 ? "UCS2" : "GSM7";
		out->sms_segments = l->sms.n_segments;
		l->engine_text = NULL; /* ownership moves to p */
		l->opus = NULL;
		l->sms_text = NULL;
	}
	return TC_OK;
}

/*
 * The shelter display's screen for alert a: its payload as receivers would get it (not sealed:
 * nothing is sent), read back as tocsin-signage reads it, laid out as it lays it out.
 */
static enum tc_rc display(struct tc_preview *p, const struct tc_cap_alert *a, int64_t now, struct tc_diags *d)
{
	char alert_id[17], *payload = NULL;
	size_t len = 0;
	struct tc_rx_alert *rx = NULL;
	tc_payload_alert_id(a, alert_id);
	/* no key seals it, and the screen shows the CAP expires, never the payload's own expiry */
	struct tc_payload_options po = { .alert_id = alert_id, .default_repeats = 1, .kid = "0000000000000000",
					 .issued_at = now, .default_expiry_s = TC_PREVIEW_TTL_S };
	enum tc_rc rc = tc_payload_build(a, &po, &payload, &len, d);
	if (!rc)
		rc = tc_rx_alert_parse(payload, len, &rx, d);
	if (!rc) {
		p->lines = calloc(RX_VIEW_HEIGHT, sizeof(*p->lines));
		rc = p->lines ? TC_OK : TC_ERR_NOMEM;
	}
	if (!rc) {
		struct rx_view_alert v = rx_view_alert_of(rx, tc_rx_alert_info(rx, DISPLAY_LANG));
		struct rx_view_header h = { .online = true };
		p->width = RX_VIEW_WIDTH;
		p->n_lines = rx_view_layout(&h, &v, 1, now, RX_VIEW_WIDTH, RX_VIEW_HEIGHT, p->lines);
	}
	for (size_t i = 0; !rc && i < p->n_lines; i++) { /* as --once prints it */
		size_t n = strlen(p->lines[i].text);
		while (n && p->lines[i].text[n - 1] == ' ')
			p->lines[i].text[--n] = '\0';
	}
	tc_rx_alert_free(rx);
	free(payload);
	return rc;
}

struct tc_preview *tc_preview_make(const char *id, const char *xml, size_t len, struct tc_tts *tts,
				   const struct tc_render_options *ro, int64_t now)
{
	struct tc_preview *p = calloc(1, sizeof(*p));
	struct tc_diags *d = tc_diags_new();
	struct tc_cap_alert *a = NULL;
	struct tc_render *r = NULL;
	struct tc_cap_options co;
	if (!p || !d) {
		free(p);
		tc_diags_free(d);
		return NULL;
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	tc_cap_options_default(&co);
	co.lenient = true; /* it passed the submission's checks already */
	p->rc = tc_cap_check(xml, len, &co, &a, d);
	if (!p->rc && !a)
		p->rc = TC_ERR_INVALID;
	if (!p->rc)
		p->rc = tc_render_alert(a, tts, ro, &r, d);
	if (!p->rc)
		p->rc = take_langs(p, r);
	if (!p->rc)
		p->rc = display(p, a, now, d);
	if (p->rc)
		reason(p, d, "the alert could not be rendered");
	tc_render_free(r);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	return p;
}

/* --- the previews kept ------------------------------------------------------------------------- */

struct kept {
	struct tc_preview *p;
	char owner[64];
	int64_t until;
	size_t bytes;
};

struct tc_previews {
	struct kept *v; /* oldest first */
	size_t n, max_n, bytes, max_bytes;
	int64_t ttl_s;
};

struct tc_previews *tc_previews_new(size_t max_n, size_t max_bytes, int64_t ttl_s)
{
	struct tc_previews *ps = calloc(1, sizeof(*ps));
	if (ps)
		ps->v = calloc(max_n ? max_n : 1, sizeof(*ps->v));
	if (!ps || !ps->v) {
		free(ps);
		return NULL;
	}
	ps->max_n = max_n ? max_n : 1;
	ps->max_bytes = max_bytes;
	ps->ttl_s = ttl_s;
	return ps;
}

void tc_previews_free(struct tc_previews *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		tc_preview_free(ps->v[i].p);
	free(ps->v);
	free(ps);
}

static void drop(struct tc_previews *ps, size_t i)
{
	tc_preview_free(ps->v[i].p);
	ps->bytes -= ps->v[i].bytes;
	memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof(ps->v[0]));
	ps->n--;
}

static void expire(struct tc_previews *ps, int64_t now)
{
	for (size_t i = 0; i < ps->n;)
		if (ps->v[i].until <= now)
			drop(ps, i);
		else
			i++;
}

enum tc_rc tc_previews_put(struct tc_previews *ps, struct tc_preview *p, const char *owner, int64_t now)
{
	size_t bytes = tc_preview_bytes(p);
	if (bytes > ps->max_bytes) {
		tc_preview_free(p);
		return TC_ERR_LIMIT;
	}
	expire(ps, now);
	while (ps->n && (ps->n == ps->max_n || ps->bytes + bytes > ps->max_bytes))
		drop(ps, 0);
	struct kept *k = &ps->v[ps->n++];
	*k = (struct kept){ .p = p, .until = now + ps->ttl_s, .bytes = bytes };
	snprintf(k->owner, sizeof(k->owner), "%s", owner);
	ps->bytes += bytes;
	return TC_OK;
}

const struct tc_preview_lang *tc_previews_get(struct tc_previews *ps, const char *id, const char *lang,
					      const char *owner, int64_t now)
{
	expire(ps, now);
	if (strlen(id) != TC_PREVIEW_ID_LEN)
		return NULL;
	for (size_t i = 0; i < ps->n; i++) {
		const struct kept *k = &ps->v[i];
		/* the id is the secret part: compared in constant time */
		if (sodium_memcmp(k->p->id, id, TC_PREVIEW_ID_LEN) != 0 || strcmp(k->owner, owner) != 0)
			continue;
		for (size_t l = 0; l < k->p->n_langs; l++)
			if (!strcmp(k->p->langs[l].lang, lang))
				return &k->p->langs[l];
		return NULL;
	}
	return NULL;
}

size_t tc_previews_count(const struct tc_previews *ps)
{
	return ps->n;
}

size_t tc_previews_bytes(const struct tc_previews *ps)
{
	return ps->bytes;
}
