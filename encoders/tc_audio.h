/*
 * tc_audio.h — broadcast audio: PCM buffers, tones, programmes, WAV in
 * memory and decoding of any format libsndfile reads, and resampling. Both
 * the server and the loudspeaker use it; Ogg/Opus encoding is the server's
 * (tc_opus.h, above this module).
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
	size_t cap; /* samples s has room for (the tc_pcm functions' own; 0 when unknown) */
};

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
/*
 * A copy of in at rate: a plain copy when rates match, else tc_resampler,
 * else (rates with no small common ratio) libsamplerate.
 */
enum tc_rc tc_pcm_resample(const struct tc_pcm *in, int rate, struct tc_pcm *out, struct tc_diags *d);

/*
 * A streaming resampler for rates whose ratio reduces to L/M with L <= 1024
 * and M <= 16 L (22050 -> 24000 is 160/147): a polyphase Kaiser-windowed
 * sinc, 32 taps at the lower rate, flat (within 0.1 dB) to 0.7 of the lower
 * Nyquist frequency (7.7 kHz from 22050 Hz), -6 dB at 0.82 of it, images
 * and aliases below -85 dB; about 5,000x real time from 22050 to 24000 Hz.
 * It keeps time (output sample k is at k / out_rate seconds, as its input
 * was), and n samples in give ceil(n * L / M) out. TC_ERR_USAGE for other
 * rates.
 */
struct tc_resampler;

enum tc_rc tc_resampler_new(int in_rate, int out_rate, struct tc_resampler **out, struct tc_diags *d);
void tc_resampler_free(struct tc_resampler *r);
/* Take n input samples; append to out (whose rate is set) every output they complete. */
enum tc_rc tc_resampler_push(struct tc_resampler *r, const float *s, size_t n, struct tc_pcm *out);
/* End of input: append the remaining output. */
enum tc_rc tc_resampler_flush(struct tc_resampler *r, struct tc_pcm *out);

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

/* Encode p as 16-bit WAV into a malloc'ed buffer (*out, *out_len). */
enum tc_rc tc_audio_encode_wav(const struct tc_pcm *p, unsigned char **out, size_t *out_len, struct tc_diags *d);
/* Decode WAV, Ogg/Opus, Ogg/Vorbis, FLAC or MP3 bytes (mixed down to mono). */
enum tc_rc tc_audio_decode(const unsigned char *data, size_t len, struct tc_pcm *out, struct tc_diags *d);

#endif
