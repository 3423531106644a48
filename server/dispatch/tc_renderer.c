/*
 * tc_renderer.c — the render worker thread (tc_renderer.h).
 */
#include "tc_renderer.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tc_cap_check.h"
#include "tc_log.h"
#include "tc_payload.h"
#include "tc_preview.h"
#include "tc_sign.h"

struct tc_renderer {
	struct tc_renderer_options o;
	struct tc_mailbox *in, *out;
	struct tc_tts *tts;
	struct tc_lexicon *lex;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint previews; /* queued or being made */
};

void tc_rendered_free(void *p)
{
	struct tc_rendered *r = p;
	if (!r)
		return;
	for (size_t i = 0; i < r->n_audio; i++)
		free(r->audio[i].data);
	free(r->audio);
	for (size_t i = 0; i < r->n_guidance; i++)
		free(r->guidance[i].au.data);
	free(r->guidance);
	free(r->sealed);
	free(r);
}

static void first_error(struct tc_rendered *out, const struct tc_diags *d, const char *fallback)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		if (tc_diags_get(d, i)->sev == TC_SEV_ERROR) {
			snprintf(out->error, sizeof(out->error), "%s", tc_diags_get(d, i)->message);
			return;
		}
	snprintf(out->error, sizeof(out->error), "%s", fallback);
}

/* Audio entries of out from the rendering (one per language). */
static enum tc_rc take_audio(struct tc_rendered *out, struct tc_render *r)
{
	out->audio = calloc(r->n ? r->n : 1, sizeof(*out->audio));
	if (!out->audio)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < r->n; i++) {
		struct tc_render_lang *l = &r->langs[i];
		struct tc_rendered_audio *au = &out->audio[out->n_audio++];
		snprintf(au->id, sizeof(au->id), "%s-%s", out->alert_id, l->lang);
		snprintf(au->lang, sizeof(au->lang), "%s", l->lang);
		tc_sign_sha256_hex(l->opus, l->opus_len, au->sha256);
		au->data = l->opus;
		au->len = l->opus_len;
		au->duration_ms = l->message_ms;
		l->opus = NULL; /* ownership moves to out */
	}
	return TC_OK;
}

#define KEY_MAIL 1
#define PREVIEW_MAIL 2
#define SCOPE_MAX 100000

/* The entries of a scope text ("region CODE" / "rx ID" lines) into regions and receivers (pointing into text). */
static void scope_lists(char *text, const char **regions, size_t *n_regions, const char **receivers,
			size_t *n_receivers)
{
	*n_regions = *n_receivers = 0;
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "region ", 7) && *n_regions < SCOPE_MAX)
			regions[(*n_regions)++] = line + 7;
		else if (!strncmp(line, "rx ", 3) && *n_receivers < SCOPE_MAX)
			receivers[(*n_receivers)++] = line + 3;
		line = next;
	}
}

static enum tc_rc seal(struct tc_renderer *rd, const struct tc_cap_alert *a, const char *scope,
		       struct tc_rendered *out, struct tc_diags *d)
{
	char kid[TC_KID_HEX + 1], *scope_text = strdup(scope ? scope : "");
	size_t lines = 1;
	for (const char *p = scope_text; p && *p; p++)
		lines += *p == '\n';
	const char **regions = calloc(lines, sizeof(*regions)), **receivers = calloc(lines, sizeof(*receivers));
	if (!scope_text || !regions || !receivers) {
		free(scope_text);
		free(regions);
		free(receivers);
		return TC_ERR_NOMEM;
	}
	size_t n_regions, n_receivers;
	scope_lists(scope_text, regions, &n_regions, receivers, &n_receivers);
	tc_sign_kid_of_secret(rd->o.secret_key, kid);
	struct tc_payload_audio pa[32];
	size_t n = out->n_audio < 32 ? out->n_audio : 32;
	for (size_t i = 0; i < n; i++)
		pa[i] = (struct tc_payload_audio){ .lang = out->audio[i].lang, .id = out->audio[i].id,
						   .format = "ogg-opus", .length = out->audio[i].len,
						   .duration_ms = out->audio[i].duration_ms };
	for (size_t i = 0; i < n; i++)
		memcpy(pa[i].sha256, out->audio[i].sha256, sizeof(pa[i].sha256));
	struct tc_payload_options po = { .alert_id = out->alert_id, .default_repeats = rd->o.default_repeats,
					 .audio = pa, .n_audio = n, .kid = kid, .issued_at = (int64_t)time(NULL),
					 .default_expiry_s = rd->o.default_expiry_s, .scope_regions = regions,
					 .n_scope_regions = n_regions, .scope_receivers = receivers,
					 .n_scope_receivers = n_receivers };
	char *payload = NULL;
	size_t len = 0;
	out->expires_at = tc_payload_expires_at(a, po.issued_at, po.default_expiry_s);
	enum tc_rc rc = tc_payload_build(a, &po, &payload, &len, d);
	if (!rc) {
		out->sealed = malloc(len + TC_SIGN_HEADER_LEN);
		rc = out->sealed ? tc_sign_seal(payload, len, rd->o.secret_key, out->sealed, len + TC_SIGN_HEADER_LEN,
						&out->sealed_len)
				 : TC_ERR_NOMEM;
	}
	for (size_t i = 0; i < a->n_infos; i++) {
		int p = tc_payload_priority(&a->infos[i]);
		if (p > out->priority)
			out->priority = p;
	}
	free(payload);
	free(scope_text);
	free(regions);
	free(receivers);
	return rc;
}

/*
 * The scope's "guidance ID\tLANG\tTEXT" lines, each spoken with the message's voice and settings
 * (tc_render_text) right after the message, in the same job.
 */
static enum tc_rc render_guidance(struct tc_renderer *rd, const char *scope, struct tc_rendered *out, struct tc_diags *d)
{
	size_t n = 0;
	for (const char *p = scope; p && (p = strstr(p, "guidance ")); p++)
		n++;
	if (!n)
		return TC_OK;
	out->guidance = calloc(n, sizeof(*out->guidance));
	if (!out->guidance)
		return TC_ERR_NOMEM;
	enum tc_rc rc = TC_OK;
	for (const char *p = scope; !rc && p && *p;) {
		const char *end = strchr(p, '\n'), *t1, *t2;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!strncmp(p, "guidance ", 9) && (t1 = memchr(p, '\t', len)) && (t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - p))) &&
		    out->n_guidance < n) {
			struct tc_rendered_guidance *g = &out->guidance[out->n_guidance];
			snprintf(g->au.id, sizeof(g->au.id), "%.*s", (int)(t1 - p - 9), p + 9);
			snprintf(g->au.lang, sizeof(g->au.lang), "%.*s", (int)(t2 - t1 - 1), t1 + 1);
			snprintf(g->text, sizeof(g->text), "%.*s", (int)(p + len - t2 - 1), t2 + 1);
			rc = tc_render_text(g->au.lang, g->text, rd->tts, &rd->o.render, &g->au.data, &g->au.len,
					    &g->au.duration_ms, d);
			if (!rc) {
				tc_sign_sha256_hex(g->au.data, g->au.len, g->au.sha256);
				out->n_guidance++;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return rc;
}

static struct tc_rendered *render_one(struct tc_renderer *rd, const char *id, const char *xml, size_t len,
				      const char *scope)
{
	struct tc_rendered *out = calloc(1, sizeof(*out));
	struct tc_diags *d = tc_diags_new();
	struct tc_cap_alert *a = NULL;
	struct tc_render *r = NULL;
	if (!out || !d) {
		free(out);
		tc_diags_free(d);
		return NULL;
	}
	snprintf(out->alert_id, sizeof(out->alert_id), "%s", id);
	struct tc_cap_options co;
	tc_cap_options_default(&co);
	co.lenient = true; /* it was checked when it was accepted; its stored bytes are read again here */
	out->rc = tc_cap_check(xml, len, &co, &a, d);
	if (out->rc == TC_OK && !a)
		out->rc = TC_ERR_INVALID;
	if (!out->rc)
		out->rc = tc_render_alert(a, rd->tts, &rd->o.render, &r, d);
	if (!out->rc)
		out->rc = take_audio(out, r);
	if (!out->rc)
		out->rc = seal(rd, a, scope, out, d);
	if (!out->rc)
		out->rc = render_guidance(rd, scope, out, d);
	if (out->rc)
		first_error(out, d, "the alert could not be rendered");
	tc_render_free(r);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	return out;
}

/* Mails in the order they are to be handled. */
struct queue {
	struct tc_mail *head, *tail;
};

static void enqueue(struct queue *q, struct tc_mail *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
}

static struct tc_mail *dequeue(struct queue *q)
{
	struct tc_mail *m = q->head;
	if (m) {
		q->head = m->next;
		if (!q->head)
			q->tail = NULL;
		m->next = NULL;
	}
	return m;
}

/* What waits in the inbox, sorted: alerts and key changes in the order they came, previews apart. */
static void sort_in(struct tc_renderer *rd, struct queue *alerts, struct queue *previews)
{
	for (struct tc_mail *m = tc_mailbox_take(rd->in), *next; m; m = next) {
		next = m->next;
		enqueue(m->kind == PREVIEW_MAIL ? previews : alerts, m);
	}
}

/* A key change, or an alert rendered and its result mailed to the owner. */
static void handle_alert(struct tc_renderer *rd, struct tc_mail *m)
{
	if (m->kind == KEY_MAIL) {
		if (m->len == TC_SIGN_SECRET_BYTES)
			memcpy(rd->o.secret_key, m->data, TC_SIGN_SECRET_BYTES);
		sodium_memzero(m->data, m->len);
		return;
	}
	struct tc_rendered *res = render_one(rd, m->topic, m->data, m->len, m->ptr);
	struct tc_mail *reply = res ? tc_mail_new(TC_RENDER_DONE, NULL, NULL, 0) : NULL;
	if (reply) {
		reply->ptr = res;
		reply->ptr_free = tc_rendered_free;
		tc_mailbox_post(rd->out, reply);
	} else {
		tc_rendered_free(res);
		tc_log(TC_LOG_ERROR, "render", "alert=%s out of memory while rendering", m->topic);
	}
}

/* A preview made and mailed to the owner; its place in the count is given back. */
static void handle_preview(struct tc_renderer *rd, struct tc_mail *m)
{
	struct tc_preview *p = tc_preview_make(m->topic, m->data, m->len, rd->tts, &rd->o.render, (int64_t)time(NULL));
	struct tc_mail *reply = p ? tc_mail_new(TC_RENDER_PREVIEW, NULL, NULL, 0) : NULL;
	if (reply) {
		reply->ptr = p;
		reply->ptr_free = tc_preview_free;
		tc_mailbox_post(rd->out, reply);
	} else {
		tc_preview_free(p);
		tc_log(TC_LOG_ERROR, "render", "preview=%.8s… out of memory while rendering it", m->topic);
	}
	atomic_fetch_sub(&rd->previews, 1);
}

/* One job at a time: an alert (or key change) whenever one waits, a preview only when none does. */
static void *run(void *arg)
{
	struct tc_renderer *rd = arg;
	struct queue alerts = { 0 }, previews = { 0 };
	while (!atomic_load(&rd->stop)) {
		sort_in(rd, &alerts, &previews);
		struct tc_mail *m = dequeue(&alerts);
		if (m) {
			handle_alert(rd, m);
		} else if ((m = dequeue(&previews))) {
			handle_preview(rd, m);
		} else {
			struct pollfd p = { .fd = tc_mailbox_fd(rd->in), .events = POLLIN };
			poll(&p, 1, 200);
		}
		tc_mail_free(m);
	}
	tc_mail_free_list(alerts.head);
	tc_mail_free_list(previews.head);
	return NULL;
}

enum tc_rc tc_renderer_start(const struct tc_renderer_options *o, struct tc_mailbox *out, struct tc_renderer **r,
			     struct tc_diags *d)
{
	*r = NULL;
	struct tc_renderer *rd = calloc(1, sizeof(*rd));
	if (!rd)
		return TC_ERR_NOMEM;
	rd->o = *o;
	rd->out = out;
	rd->in = tc_mailbox_new(10000);
	rd->lex = tc_lexicon_new();
	enum tc_rc rc = rd->in && rd->lex ? TC_OK : TC_ERR_NOMEM;
	if (!rc)
		rc = tc_lexicon_add_builtin(rd->lex, d);
	if (!rc && o->lexicon_path && *o->lexicon_path)
		rc = tc_lexicon_add_file(rd->lex, o->lexicon_path, d);
	if (!rc)
		rc = tc_tts_new(NULL, &rd->tts, d); /* espeak-ng is started here, used only by the worker */
	rd->o.render.lex = rd->lex;
	rd->o.render.message_only = true; /* receivers make the programme themselves */
	rd->o.lexicon_path = NULL;
	if (!rc && pthread_create(&rd->thread, NULL, run, rd)) {
		tc_err(d, "render.start", "", "cannot start the render worker thread");
		rc = TC_ERR_INTERNAL;
	}
	if (rc) {
		tc_tts_free(rd->tts);
		tc_lexicon_free(rd->lex);
		tc_mailbox_free(rd->in);
		free(rd);
		return rc;
	}
	*r = rd;
	return TC_OK;
}

void tc_renderer_stop(struct tc_renderer *rd)
{
	if (!rd)
		return;
	atomic_store(&rd->stop, true);
	pthread_join(rd->thread, NULL);
	tc_tts_free(rd->tts);
	tc_lexicon_free(rd->lex);
	tc_mailbox_free(rd->in);
	memset(rd->o.secret_key, 0, sizeof(rd->o.secret_key));
	free(rd);
}

enum tc_rc tc_renderer_submit(struct tc_renderer *rd, const char *alert_id, const char *xml, size_t len,
			      const char *scope)
{
	struct tc_mail *m = tc_mail_new(0, alert_id, xml, len);
	if (m && scope) {
		m->ptr = strdup(scope);
		m->ptr_free = free;
		if (!m->ptr) {
			tc_mail_free(m);
			m = NULL;
		}
	}
	return m ? tc_mailbox_post(rd->in, m) : TC_ERR_NOMEM;
}

enum tc_rc tc_renderer_preview(struct tc_renderer *rd, const char *id, const char *xml, size_t len)
{
	unsigned n = atomic_load(&rd->previews);
	do {
		if (n >= TC_RENDERER_PREVIEWS)
			return TC_ERR_LIMIT;
	} while (!atomic_compare_exchange_weak(&rd->previews, &n, n + 1));
	struct tc_mail *m = tc_mail_new(PREVIEW_MAIL, id, xml, len);
	enum tc_rc rc = m ? tc_mailbox_post(rd->in, m) : TC_ERR_NOMEM;
	if (rc)
		atomic_fetch_sub(&rd->previews, 1);
	return rc;
}

enum tc_rc tc_renderer_set_key(struct tc_renderer *rd, const uint8_t sk[TC_SIGN_SECRET_BYTES])
{
	struct tc_mail *m = tc_mail_new(KEY_MAIL, NULL, sk, TC_SIGN_SECRET_BYTES);
	return m ? tc_mailbox_post(rd->in, m) : TC_ERR_NOMEM;
}
