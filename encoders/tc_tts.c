/*
 * tc_tts.c — espeak-ng synthesis into a PCM buffer (tc_tts.h).
 */
#include "tc_tts.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <espeak-ng/speak_lib.h>

struct tc_tts {
	int rate;
	char voice[64]; /* the voice currently set, to skip needless switches */
};

/* espeak-ng has one global engine: at most one owner. */
static bool engine_taken;

struct collect {
	struct tc_pcm *out;
	tc_tts_sink sink;
	void *ctx;
	enum tc_rc rc;
};

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
	struct collect *c = events ? events->user_data : NULL;
	if (!c || !wav || n <= 0 || c->rc)
		return 0;
	size_t at = c->out->n;
	c->rc = tc_pcm_append_s16(c->out, wav, (size_t)n);
	if (!c->rc && c->sink)
		c->rc = c->sink(c->ctx, c->out->s + at, (size_t)n);
	return c->rc ? 1 : 0;
}

enum tc_rc tc_tts_new(const char *data_dir, struct tc_tts **out, struct tc_diags *d)
{
	*out = NULL;
	if (engine_taken) {
		tc_err(d, "tts.busy", "", "espeak-ng is already in use in this process (it is not thread-safe)");
		return TC_ERR_USAGE;
	}
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_dir, espeakINITIALIZE_DONT_EXIT);
	if (rate <= 0) {
		tc_err(d, "tts.init", "", "espeak-ng could not start (data %s); is espeak-ng-data installed?",
		       data_dir ? data_dir : "default");
		return TC_ERR_INTERNAL;
	}
	struct tc_tts *t = calloc(1, sizeof(*t));
	if (!t) {
		espeak_Terminate();
		return TC_ERR_NOMEM;
	}
	t->rate = rate;
	espeak_SetSynthCallback(on_samples);
	engine_taken = true;
	*out = t;
	return TC_OK;
}

void tc_tts_free(struct tc_tts *t)
{
	if (!t)
		return;
	espeak_Terminate();
	engine_taken = false;
	free(t);
}

int tc_tts_rate(const struct tc_tts *t)
{
	return t->rate;
}

const char *tc_tts_voice_for(const char *lang, char *buf, size_t len)
{
	if (!lang || !*lang)
		lang = "en-US";
	if (strncasecmp(lang, "zh", 2) == 0 || strncasecmp(lang, "cmn", 3) == 0)
		return "cmn-latn-pinyin";
	if (strcasecmp(lang, "en-US") == 0)
		return "en-us";
	if (strncasecmp(lang, "en", 2) == 0)
		return "en";
	size_t n = strcspn(lang, "-_");
	snprintf(buf, len, "%.*s", (int)n, lang);
	for (char *p = buf; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	return buf;
}

enum tc_rc tc_tts_speak(struct tc_tts *t, const char *voice, const char *text, int wpm,
			struct tc_pcm *out, struct tc_diags *d)
{
	return tc_tts_speak_to(t, voice, text, wpm, out, NULL, NULL, d);
}

enum tc_rc tc_tts_speak_to(struct tc_tts *t, const char *voice, const char *text, int wpm, struct tc_pcm *out,
			   tc_tts_sink sink, void *ctx, struct tc_diags *d)
{
	struct collect c = { .out = out, .sink = sink, .ctx = ctx };
	if (out->rate && out->rate != t->rate) {
		tc_err(d, "tts.rate", "", "the buffer is at %d Hz but the engine speaks at %d Hz", out->rate, t->rate);
		return TC_ERR_USAGE;
	}
	out->rate = t->rate;
	if (strcmp(t->voice, voice) != 0) {
		if (espeak_SetVoiceByName(voice) != EE_OK) {
			tc_err(d, "tts.voice", "", "espeak-ng has no voice '%s'", voice);
			return TC_ERR_INVALID;
		}
		snprintf(t->voice, sizeof(t->voice), "%s", voice);
	}
	espeak_SetParameter(espeakRATE, wpm > 0 ? wpm : espeakRATE_NORMAL, 0);
	espeak_ERROR e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, &c);
	if (e == EE_OK)
		e = espeak_Synchronize();
	if (c.rc)
		return c.rc;
	if (e != EE_OK) {
		tc_err(d, "tts.synth", "", "espeak-ng failed to speak (error %d)", (int)e);
		return TC_ERR_INTERNAL;
	}
	return TC_OK;
}
