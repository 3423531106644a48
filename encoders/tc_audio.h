/*
 * tc_audio.h — broadcast audio: PCM buffers, tones, programmes, WAV and
 * Ogg/Opus in memory (libsndfile) and resampling (libsamplerate).
 *
 * A loudspeaker programme is: attention signal (853 Hz + 960 Hz), a gap, then
 * the message N times with gaps between, peak-normalised. Samples are mono
 * floats in [-1, 1] while being built; the encoders write 16-bit WAV or Opus.
 */
#ifndef TC_AUDIO_H
#define TC_AUDIO_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_diag.h"

struct tc_pcm {
	float *s;   /* owned; free with tc_pcm_release() */
	size_t n;   /* samples */
	int rate;   /* samples per second */
};

enum tc_audio_format {
	TC_AUDIO_WAV = 0, /* 16-bit PCM WAV */
	TC_AUDIO_OPUS,    /* Ogg/Opus: rate must be 8, 12, 16, 24 or 48 kHz */
};

const char *tc_audio_format_name(enum tc_audio_format f); /* "wav", "ogg-opus" */

void tc_pcm_release(struct tc_pcm *p);
/* Append n samples (or n zeros when s is NULL) to p. */
enum tc_rc tc_pcm_append(struct tc_pcm *p, const float *s, size_t n);
/* Append 16-bit samples. */
enum tc_rc tc_pcm_append_s16(struct tc_pcm *p, const short *s, size_t n);
/* Append ms of silence. */
enum tc_rc tc_pcm_silence(struct tc_pcm *p, unsigned ms);
/*
 * Append ms of the sum of n_freqs sines (Hz), at peak amplitude amp, with
 * 10 ms fades at both ends so the loudspeaker does not click.
 */
enum tc_rc tc_pcm_tone(struct tc_pcm *p, const double *freqs, size_t n_freqs, unsigned ms, double amp);
/* Scale so the largest sample is peak (e.g. 0.89 = -1 dBFS); silence stays silent. */
void tc_pcm_normalise(struct tc_pcm *p, double peak);
/* Peak absolute sample value. */
double tc_pcm_peak(const struct tc_pcm *p);
/* A copy of in at rate (libsamplerate); a plain copy when rates match. */
enum tc_rc tc_pcm_resample(const struct tc_pcm *in, int rate, struct tc_pcm *out, struct tc_diags *d);

struct tc_programme_options {
	unsigned tone_ms;     /* attention signal length; 0 for none */
	unsigned gap_ms;      /* silence after the tone and after each message */
	unsigned repeats;     /* times the message is played, >= 1 */
	double peak;          /* normalisation target, 0 < peak <= 1 */
};

/* Defaults: 3 s tone, 800 ms gaps, 1 repeat, peak 0.89 (-1 dBFS). */
void tc_programme_defaults(struct tc_programme_options *o);

/* The programme for message (at message's rate) into *out. */
enum tc_rc tc_audio_programme(const struct tc_pcm *message, const struct tc_programme_options *o,
			      struct tc_pcm *out, struct tc_diags *d);

/*
 * Encode p as format into a malloc'ed buffer (*out, *out_len). Opus needs
 * one of its rates: resample first (tc_pcm_resample) or get TC_ERR_INVALID.
 */
enum tc_rc tc_audio_encode(const struct tc_pcm *p, enum tc_audio_format f, unsigned char **out,
			   size_t *out_len, struct tc_diags *d);
/* Decode WAV, Ogg/Opus, Ogg/Vorbis, FLAC or MP3 bytes (mixed down to mono). */
enum tc_rc tc_audio_decode(const unsigned char *data, size_t len, struct tc_pcm *out, struct tc_diags *d);

/* Whether rate is one Opus accepts. */
bool tc_audio_opus_rate_ok(int rate);

#endif
