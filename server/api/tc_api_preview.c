/*
 * tc_api_preview.c — the alert preview (tc_api_int.h): POST /api/v1/alerts/preview
 * and GET /api/v1/previews/{id}/{lang}.ogg, for the console's drafters, who must
 * hear and read a warning before they submit it.
 *
 * A preview is first checked exactly as /api/v1/alerts/check checks (check_alert in
 * tc_api.c). A valid alert then goes to the render worker (tc_api_options.preview),
 * the one thread that owns espeak-ng, which makes it only when no real alert waits;
 * meanwhile the request waits with its connection suspended, at most WAIT_MS. The
 * result comes back in tocsind's mailbox and through tc_api_preview_done(), on the
 * owner thread, like every other mail.
 *
 * Previews are kept in memory only (struct tc_previews: TC_PREVIEWS_MAX of them,
 * TC_PREVIEWS_BYTES together, TC_PREVIEW_TTL_S each), never stored, audited or sent.
 * Their audio goes to the user who made them only: to anyone else an id is as unknown
 * as one never made (404), so an audio address seen over a shoulder plays nothing.
 */
#include "tc_api_int.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tc_mailbox.h"
#include "tc_preview.h"

#define WAIT_MS 60000          /* a preview not made by then is given up on */
#define BUSY_RETRY_AFTER "5"   /* seconds: a preview takes about one */

enum MHD_Result tc_api_preview_start(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	static const char *const retry[] = { "Retry-After", BUSY_RETRY_AFTER, NULL };
	unsigned char raw[TC_PREVIEW_ID_LEN / 2];
	if (!api->o.preview)
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "preview.unavailable",
				    "this server makes no previews: its speech engine did not start (tocsind's log says why)");
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(rq->id, sizeof(rq->id), raw, sizeof(raw));
	enum tc_rc rc = api->o.preview(rq->id, rq->body.v ? rq->body.v : "", rq->body.n, api->o.preview_user);
	if (rc == TC_ERR_LIMIT)
		return tc_api_error_with(c, MHD_HTTP_SERVICE_UNAVAILABLE, "preview.busy",
					 "too many previews are being made; ask again in a few seconds", retry);
	if (rc)
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "preview.unavailable",
				    "the render worker could not take the preview (%s); ask again", tc_rc_name(rc));
	rq->previewing = true;
	rq->preview_deadline_ms = tc_mail_now_ms() + WAIT_MS;
	rq->conn = c;
	rq->next_preview = api->previewing;
	api->previewing = rq;
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* rq off the list of requests waiting for a preview. */
static void unlink_waiting(struct tc_api *api, struct request *rq)
{
	for (struct request **at = &api->previewing; *at; at = &(*at)->next_preview)
		if (*at == rq) {
			*at = rq->next_preview;
			break;
		}
	rq->next_preview = NULL;
	rq->previewing = false;
}

/* rq waits no more: resumed, to be answered with p (NULL: none came). */
static void resume(struct tc_api *api, struct request *rq, struct tc_preview *p)
{
	unlink_waiting(api, rq);
	rq->preview_over = true;
	rq->preview = p;
	MHD_resume_connection(rq->conn);
}

void tc_api_preview_done(struct tc_api *api, struct tc_preview *p)
{
	if (!p)
		return;
	for (struct request *rq = api->previewing; rq; rq = rq->next_preview)
		if (!strcmp(rq->id, p->id)) {
			resume(api, rq, p);
			MHD_run(api->mhd); /* answered now */
			return;
		}
	tc_preview_free(p); /* given up on meanwhile */
}

bool tc_api_preview_work(struct tc_api *api)
{
	int64_t now = tc_mail_now_ms();
	bool resumed = false;
	for (struct request *rq = api->previewing, *next; rq; rq = next) {
		next = rq->next_preview;
		if (rq->preview_deadline_ms <= now) {
			resume(api, rq, NULL);
			resumed = true;
		}
	}
	return resumed;
}

void tc_api_preview_forget(struct tc_api *api, struct request *rq)
{
	if (rq->previewing)
		unlink_waiting(api, rq);
	tc_preview_free(rq->preview);
	rq->preview = NULL;
}

/* {"preview","expires_in","languages":[...],"display":{"width","height","lines":[{"style","text"}]}}; NULL: out of memory */
static json_t *preview_json(const struct tc_preview *p)
{
	json_t *langs = json_array(), *lines = json_array();
	char audio[128];
	for (size_t i = 0; langs && i < p->n_langs; i++) {
		const struct tc_preview_lang *l = &p->langs[i];
		snprintf(audio, sizeof(audio), "/api/v1/previews/%s/%s.ogg", p->id, l->lang);
		json_array_append_new(langs, json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s, s:I}}", "lang", l->lang, "script",
						       l->script ? l->script : "", "audio", audio, "duration_ms",
						       (json_int_t)l->duration_ms, "sms", "text", l->sms_text ? l->sms_text : "",
						       "encoding", l->sms_encoding, "segments", (json_int_t)l->sms_segments));
	}
	for (size_t i = 0; lines && i < p->n_lines; i++)
		json_array_append_new(lines, json_pack("{s:s, s:s}", "style", rx_view_style_name(p->lines[i].style), "text",
						       p->lines[i].text));
	if (!langs || !lines || json_array_size(langs) != p->n_langs || json_array_size(lines) != p->n_lines) {
		json_decref(langs);
		json_decref(lines);
		return NULL;
	}
	return json_pack("{s:s, s:i, s:o, s:{s:i, s:i, s:o}}", "preview", p->id, "expires_in", TC_PREVIEW_TTL_S, "languages",
			 langs, "display", "width", p->width, "height", (int)p->n_lines, "lines", lines);
}

/* The answer to a preview once the render worker has made it (or was given up on). */
enum MHD_Result tc_api_preview_reply(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	struct tc_preview *p = rq->preview;
	if (!p)
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "preview.timeout",
				    "the preview was not made within %d s (real alerts are rendered first); ask again",
				    WAIT_MS / 1000);
	if (p->rc) /* the alert itself (422), or the server (500) */
		return tc_api_reply(c, p->rc == TC_ERR_INVALID || p->rc == TC_ERR_LIMIT ? MHD_HTTP_UNPROCESSABLE_CONTENT
										   : MHD_HTTP_INTERNAL_SERVER_ERROR,
				    json_pack("{s:[{s:s, s:s, s:s}], s:[]}", "errors", "code", p->code, "path", p->path,
					      "message", p->error, "warnings"));
	json_t *j = preview_json(p);
	if (!j)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "preview.memory", "out of memory; ask again");
	size_t bytes = tc_preview_bytes(p);
	rq->preview = NULL; /* kept for its audio from now on */
	if (tc_previews_put(api->previews, p, rq->user.name, tc_api_now(api)) != TC_OK) {
		json_decref(j);
		return tc_api_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "preview.too-large",
				    "the preview holds %zu bytes of audio and text, more than the %zu all previews may hold",
				    bytes, TC_PREVIEWS_BYTES);
	}
	return tc_api_reply(c, MHD_HTTP_OK, j);
}

/* GET /api/v1/previews/{id}/{lang}.ogg: the message audio of one of the user's own previews. */
enum MHD_Result tc_api_preview_audio(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const struct tc_preview_lang *l = NULL;
	if (tc_role_may(rq->user.role, TC_PERM_SUBMIT))
		l = tc_previews_get(api->previews, rq->id, rq->lang, rq->user.name, tc_api_now(api));
	if (!l) /* unknown, expired or another's: alike */
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found",
				    "no such preview (a preview is kept %d s, for the user who made it)", TC_PREVIEW_TTL_S);
	struct MHD_Response *r = MHD_create_response_from_buffer(l->audio_len, l->audio, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "audio/ogg");
	MHD_add_response_header(r, "Cache-Control", "private, no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}
