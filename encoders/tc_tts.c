/*
 * tc_tts.c — espeak-ng synthesis into a PCM buffer (tc_tts.h).
 *
 * libespeak-ng is loaded when the first engine starts (dlopen), not linked:
 * a loudspeaker speaks only when an alert comes without audio or to announce
 * a drill, so a receiver runs, and plays rendered audio, without espeak-ng
 * installed; and the tocsin commands that never speak never load it.
 */
#include "tc_tts.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <espeak-ng/speak_lib.h>

#define ESPEAK_LIBRARY "libespeak-ng.so.1"

/* The espeak-ng calls tocsin makes, from the loaded library. */
static struct {
	__typeof__(espeak_Initialize) *initialize;
	__typeof__(espeak_Terminate) *terminate;
	__typeof__(espeak_SetSynthCallback) *set_synth_callback;
	__typeof__(espeak_SetVoiceByName) *set_voice_by_name;
	__typeof__(espeak_SetParameter) *set_parameter;
	__typeof__(espeak_Synth) *synth;
	__typeof__(espeak_Synchronize) *synchronize;
	char error[256]; /* why it could not be loaded; empty when it was */
} es;

static pthread_once_t es_once = PTHREAD_ONCE_INIT;

static void es_load(void)
{
	void *h = dlopen(ESPEAK_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(es.error, sizeof(es.error), "%s", dlerror());
		return;
	}
	const struct {
		const char *name;
		void **slot;
	} calls[] = {
		{ "espeak_Initialize", (void **)&es.initialize },
		{ "espeak_Terminate", (void **)&es.terminate },
		{ "espeak_SetSynthCallback", (void **)&es.set_synth_callback },
		{ "espeak_SetVoiceByName", (void **)&es.set_voice_by_name },
		{ "espeak_SetParameter", (void **)&es.set_parameter },
		{ "espeak_Synth", (void **)&es.synth },
		{ "espeak_Synchronize", (void **)&es.synchronize },
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		*calls[i].slot = dlsym(h, calls[i].name);
		if (!*calls[i].slot) {
			snprintf(es.error, sizeof(es.error), "%s has no %s", ESPEAK_LIBRARY, calls[i].name);
			return;
		}
	}
}

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
	pthread_once(&es_once, es_load);
	if (es.error[0]) {
		tc_err(d, "tts.missing", "",
		       "espeak-ng cannot be loaded (%s); install the Debian packages libespeak-ng1 and espeak-ng-data",
		       es.error);
		return TC_ERR_INTERNAL;
	}
	int rate = es.initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_dir, espeakINITIALIZE_DONT_EXIT);
	if (rate <= 0) {
		tc_err(d, "tts.init", "", "espeak-ng could not start (data %s); is espeak-ng-data installed?",
		       data_dir ? data_dir : "default");
		return TC_ERR_INTERNAL;
	}
	struct tc_tts *t = calloc(1, sizeof(*t));
	if (!t) {
		es.terminate();
		return TC_ERR_NOMEM;
	}
	t->rate = rate;
	es.set_synth_callback(on_samples);
	engine_taken = true;
	*out = t;
	return TC_OK;
}

void tc_tts_free(struct tc_tts *t)
{
	if (!t)
		return;
	es.terminate();
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
		if (es.set_voice_by_name(voice) != EE_OK) {
			tc_err(d, "tts.voice", "", "espeak-ng has no voice '%s'", voice);
			return TC_ERR_INVALID;
		}
		snprintf(t->voice, sizeof(t->voice), "%s", voice);
	}
	es.set_parameter(espeakRATE, wpm > 0 ? wpm : espeakRATE_NORMAL, 0);
	espeak_ERROR e = es.synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, &c);
	if (e == EE_OK)
		e = es.synchronize();
	if (c.rc)
		return c.rc;
	if (e != EE_OK) {
		tc_err(d, "tts.synth", "", "espeak-ng failed to speak (error %d)", (int)e);
		return TC_ERR_INTERNAL;
	}
	return TC_OK;
}
