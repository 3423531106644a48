/*
 * tc_render.c — rendering an alert's channels per language (tc_render.h).
 */
#include "tc_render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"
#include "tc_opus.h"
#include "tc_payload.h"
#include "tc_script.h"

void tc_render_defaults(struct tc_render_options *o)
{
	memset(o, 0, sizeof(*o));
	tc_programme_defaults(&o->programme);
	o->sms_max_segments = 3;
	o->opus_rate = 24000;
}

static void lang_release(struct tc_render_lang *l)
{
	free(l->script);
	free(l->engine_text);
	tc_pcm_release(&l->message);
	tc_pcm_release(&l->programme);
	free(l->wav);
	free(l->opus);
	free(l->sms_text);
}

void tc_render_free(struct tc_render *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		lang_release(&r->langs[i]);
	free(r->langs);
	free(r);
}

/*
 * Bytes of a local file named by a resource uri: a relative path inside base
 * (the alert's folder) only. Absolute paths, "..", and anything with a
 * scheme are refused, so an alert cannot make tocsin read other files.
 */
static unsigned char *read_local(const char *uri, const char *base, size_t *len)
{
	char path[4096];
	if (!base || !uri || !*uri || uri[0] == '/' || strstr(uri, "..") || strchr(uri, ':'))
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", base, uri);
	char *data = NULL;
	return tc_file_read(path, 64u << 20, &data, len) ? NULL : (unsigned char *)data;
}

/* The recorded message of an info, if it has one that decodes. */
static bool recorded_audio(const struct tc_cap_info *in, const char *base, struct tc_pcm *out, struct tc_diags *d)
{
	for (size_t i = 0; i < in->n_resources; i++) {
		const struct tc_cap_resource *r = &in->resources[i];
		if (!r->mime_type || strncmp(r->mime_type, "audio/", 6) != 0)
			continue;
		unsigned char *data = NULL;
		size_t len = 0;
		if (r->deref_uri && !tc_cap_base64_decode(r->deref_uri, &data, &len))
			data = NULL;
		if (!data)
			data = read_local(r->uri, base, &len);
		if (!data)
			continue;
		enum tc_rc rc = tc_audio_decode(data, len, out, d);
		free(data);
		if (rc == TC_OK && out->n)
			return true;
		tc_warn(d, "render.resource", "", "the audio resource '%s' cannot be played; speaking the text instead",
			r->resource_desc ? r->resource_desc : "");
	}
	return false;
}

static enum tc_rc post_to_pipe(void *pipe, const float *s, size_t n)
{
	return tc_opus_pipe_post(pipe, s, n);
}

/*
 * Speak the text into msg while *pipe (started here, the caller finishes
 * it) codes it as Opus on another thread.
 */
static enum tc_rc speak(struct tc_render_lang *l, struct tc_tts *tts, const struct tc_render_options *o,
			struct tc_pcm *msg, struct tc_opus_pipe **pipe, struct tc_diags *d)
{
	char vbuf[16];
	struct tc_opus_options oo;
	if (!tts) {
		tc_err(d, "render.no-tts", "", "no speech engine to speak the %s text", l->lang);
		return TC_ERR_USAGE;
	}
	tc_opus_defaults(&oo);
	oo.rate = o->opus_rate;
	enum tc_rc rc = tc_opus_pipe_start(tc_tts_rate(tts), &oo, pipe, d);
	if (!rc)
		rc = tc_tts_speak_to(tts, tc_tts_voice_for(l->lang, vbuf, sizeof(vbuf)), l->engine_text, o->wpm, msg,
				     post_to_pipe, *pipe, d);
	return rc;
}

/* The message alone as Ogg/Opus at o->opus_rate, normalised to peak. */
static enum tc_rc message_opus(struct tc_render_lang *l, const struct tc_pcm *msg, struct tc_opus_pipe *pipe,
			       const struct tc_render_options *o, double peak, struct tc_diags *d)
{
	struct tc_pcm at_rate = { 0 };
	if (pipe)
		return tc_opus_pipe_finish(pipe, peak, &l->opus, &l->opus_len, &l->message_ms, d);
	enum tc_rc rc = tc_pcm_resample(msg, o->opus_rate, &at_rate, d);
	if (!rc) {
		tc_pcm_normalise(&at_rate, peak);
		l->message_ms = (unsigned)(at_rate.n * 1000 / (size_t)at_rate.rate);
		rc = tc_opus_encode(&at_rate, &l->opus, &l->opus_len, d);
	}
	tc_pcm_release(&at_rate);
	return rc;
}

static enum tc_rc render_lang(const struct tc_cap_alert *a, struct tc_render_lang *l, struct tc_tts *tts,
			      const struct tc_render_options *o, struct tc_diags *d)
{
	struct tc_pcm msg = { 0 };
	struct tc_opus_pipe *pipe = NULL;
	struct tc_programme_options po = o->programme;
	enum tc_rc rc = tc_script_compose(a, l->info, &l->script, d);
	if (!rc)
		rc = tc_script_engine_text(l->lang, l->script, o->lex, &l->engine_text, d);
	if (rc)
		return rc;
	l->recorded = recorded_audio(l->info, o->base_dir, &msg, d);
	if (!l->recorded)
		rc = speak(l, tts, o, &msg, &pipe, d);
	l->repeats = po.repeats = (unsigned)tc_payload_repeats(l->info, (int)o->programme.repeats);
	if (!rc && !o->message_only)
		rc = tc_audio_programme(&msg, &po, &l->programme, d);
	if (!rc && !o->message_only) {
		l->duration_ms = (unsigned)(l->programme.n * 1000 / (size_t)l->programme.rate);
		rc = tc_audio_encode_wav(&l->programme, &l->wav, &l->wav_len, d);
	}
	/*
	 * What travels to receivers is the message alone, normalised, in Opus: each
	 * receiver adds the attention signal and the repeats itself (it knows them
	 * from the payload), so the network carries a third of the programme.
	 * Spoken messages were being coded while the programme was made.
	 */
	if (!rc)
		rc = message_opus(l, &msg, pipe, o, po.peak, d);
	else
		tc_opus_pipe_free(pipe);
	pipe = NULL;
	if (!rc)
		rc = tc_script_sms(a, l->info, o->sms_max_segments, &l->sms_text, d);
	if (!rc) {
		struct tc_sms_options so = { .max_segments = o->sms_max_segments };
		rc = tc_sms_encode(l->sms_text, strlen(l->sms_text), &so, &l->sms, d);
	}
	l->message = msg; /* kept for other encoders (SAME) */
	return rc;
}

enum tc_rc tc_render_text(const char *lang, const char *text, struct tc_tts *tts, const struct tc_render_options *o,
			  unsigned char **opus, size_t *opus_len, unsigned *duration_ms, struct tc_diags *d)
{
	struct tc_render_lang l = { 0 };
	struct tc_pcm msg = { 0 };
	struct tc_opus_pipe *pipe = NULL;
	*opus = NULL;
	*opus_len = 0;
	*duration_ms = 0;
	snprintf(l.lang, sizeof(l.lang), "%s", lang);
	enum tc_rc rc = tc_script_engine_text(lang, text, o->lex, &l.engine_text, d);
	if (!rc)
		rc = speak(&l, tts, o, &msg, &pipe, d);
	if (!rc)
		rc = message_opus(&l, &msg, pipe, o, o->programme.peak, d);
	else
		tc_opus_pipe_free(pipe);
	if (!rc) {
		*opus = l.opus;
		*opus_len = l.opus_len;
		*duration_ms = l.message_ms;
		l.opus = NULL;
	}
	free(l.opus);
	free(l.engine_text);
	tc_pcm_release(&msg);
	return rc;
}

static bool seen_lang(const struct tc_render *r, const char *lang)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->langs[i].lang, lang) == 0)
			return true;
	return false;
}

enum tc_rc tc_render_alert(const struct tc_cap_alert *a, struct tc_tts *tts, const struct tc_render_options *o,
			   struct tc_render **out, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	struct tc_render *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r || !(r->langs = calloc(a->n_infos ? a->n_infos : 1, sizeof(*r->langs)))) {
		free(r);
		return TC_ERR_NOMEM;
	}
	for (size_t i = 0; i < a->n_infos && !rc; i++) {
		const char *lang = a->infos[i].language ? a->infos[i].language : "en-US";
		if (seen_lang(r, lang))
			continue;
		struct tc_render_lang *l = &r->langs[r->n++];
		snprintf(l->lang, sizeof(l->lang), "%s", lang);
		l->info = &a->infos[i];
		rc = render_lang(a, l, tts, o, d);
	}
	if (rc) {
		tc_render_free(r);
		return rc;
	}
	*out = r;
	return TC_OK;
}
