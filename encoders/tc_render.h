/*
 * tc_render.h — everything a CAP alert becomes, per info language:
 * the script and engine text, the broadcast programme (tone + message ×
 * repeats) as WAV, the message alone as Ogg/Opus (what travels to
 * receivers, which add the tone and repeats themselves), and the SMS text
 * and segments.
 *
 * Recorded voice first: an info whose resource is audio (derefUri, or a
 * file named by a relative uri in the alert's folder) is played instead of
 * synthesised speech.
 * Rendering happens once per alert; the server publishes the results.
 */
#ifndef TC_RENDER_H
#define TC_RENDER_H

#include "tc_audio.h"
#include "tc_cap.h"
#include "tc_sms.h"
#include "tc_tts.h"
#include "tc_zh.h"

struct tc_render_options {
	const struct tc_lexicon *lex;   /* Chinese pronunciation lexicon; may be NULL */
	struct tc_programme_options programme; /* repeats is the fallback when the alert has no REPEAT */
	unsigned sms_max_segments;      /* 1..16 */
	int opus_rate;                  /* 8000, 12000, 16000, 24000 (default) or 48000 */
	int wpm;                        /* speaking rate; 0 = engine default */
	const char *base_dir;           /* where relative resource uris are looked up; NULL: not at all */
	bool message_only;              /* no programme (WAV): only what travels to receivers (Opus, SMS) */
};

void tc_render_defaults(struct tc_render_options *o);

struct tc_render_lang {
	char lang[36];
	const struct tc_cap_info *info; /* points into the alert */
	char *script;                   /* composed text */
	char *engine_text;              /* what the speech engine was given */
	bool recorded;                  /* the audio came from a CAP resource */
	struct tc_pcm message;          /* the message alone, at the engine's (or recording's) rate */
	struct tc_pcm programme;
	unsigned repeats;
	unsigned duration_ms;           /* the whole programme (0 with message_only) */
	unsigned message_ms;            /* the message alone (the Opus audio) */
	unsigned char *wav, *opus;      /* programme as WAV; message as Ogg/Opus */
	size_t wav_len, opus_len;
	char *sms_text;
	struct tc_sms_message sms;
};

struct tc_render {
	struct tc_render_lang *langs;
	size_t n;
};

/*
 * Render alert a (one entry per distinct info language, first info wins).
 * tts may be NULL only when every info has recorded audio.
 */
enum tc_rc tc_render_alert(const struct tc_cap_alert *a, struct tc_tts *tts, const struct tc_render_options *o,
			   struct tc_render **out, struct tc_diags *d);
void tc_render_free(struct tc_render *r);

/*
 * One sentence (a shelter guidance) spoken in lang with the same voice, lexicon, speaking rate,
 * Opus rate and peak as a message, no attention signal: *opus (malloc'ed, the caller frees),
 * its length and duration. tts must not be NULL.
 */
enum tc_rc tc_render_text(const char *lang, const char *text, struct tc_tts *tts, const struct tc_render_options *o,
			  unsigned char **opus, size_t *opus_len, unsigned *duration_ms, struct tc_diags *d);

#endif
