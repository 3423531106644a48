/*
 * tc_tts.h — speech synthesis with espeak-ng, through its C API.
 *
 * espeak-ng keeps global state and is not thread-safe, so there is one
 * struct tc_tts per process and one thread uses it (the render worker).
 * Mandarin uses the voice cmn-latn-pinyin: with cmn or zh, espeak-ng 1.51
 * reads most Hanzi as English letters and digits.
 */
#ifndef TC_TTS_H
#define TC_TTS_H

#include "tc_audio.h"
#include "tc_diag.h"

struct tc_tts;

/*
 * Start espeak-ng (data_dir NULL: its default data). Fails with
 * TC_ERR_USAGE when another struct tc_tts exists in this process.
 */
enum tc_rc tc_tts_new(const char *data_dir, struct tc_tts **out, struct tc_diags *d);
void tc_tts_free(struct tc_tts *t);

/* The voice for a CAP language tag: zh* → cmn-latn-pinyin, en* → en-us or en, else the primary subtag. */
const char *tc_tts_voice_for(const char *lang, char *buf, size_t len);

/* Native sample rate of the engine (22050 for espeak-ng). */
int tc_tts_rate(const struct tc_tts *t);

/*
 * Speak text (UTF-8, already normalised) with voice at words per minute wpm
 * (0 = the engine's default), appending samples to *out (whose rate must be
 * 0 or tc_tts_rate()). Unknown voices are TC_ERR_INVALID with a message.
 */
enum tc_rc tc_tts_speak(struct tc_tts *t, const char *voice, const char *text, int wpm,
			struct tc_pcm *out, struct tc_diags *d);

/*
 * Called on the speaking thread with each piece of audio as the engine makes
 * it (n samples at s, in *out's buffer: copy them, they move). A non-zero
 * result stops the speech and is returned.
 */
typedef enum tc_rc (*tc_tts_sink)(void *ctx, const float *s, size_t n);

/* tc_tts_speak, also handing each piece to sink(ctx, ...) (e.g. tc_opus_pipe_post). */
enum tc_rc tc_tts_speak_to(struct tc_tts *t, const char *voice, const char *text, int wpm, struct tc_pcm *out,
			   tc_tts_sink sink, void *ctx, struct tc_diags *d);

#endif
