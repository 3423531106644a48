/*
 * tc_opus.h — Ogg/Opus in memory, written as the audio arrives: libopus
 * codes it, libogg makes the pages (RFC 7845: an OpusHead page, an OpusTags
 * page, then audio pages whose granule positions count 48 kHz samples, the
 * pre-skip included, the last one trimmed to the input's exact length).
 *
 * The defaults are what receivers get: 24 kHz mono, about 30 kbit/s (VBR),
 * 20 ms frames, Opus's MDCT (CELT) mode at complexity 0. Measured on speech
 * from espeak-ng (bench/README.md), that mode codes about 1,200x real time
 * on one core, where the SILK and hybrid modes that libopus picks for voice
 * at this rate manage 270x at complexity 0 and 80x at 10; its spectral
 * error is no worse than theirs below 8 kHz at the same bitrate, coarser
 * above (where loudspeaker horns give little).
 *
 * tc_opus_pipe runs an encoder on a thread of its own, so that speech can be
 * coded while it is being synthesised: the synthesising thread posts
 * samples (copies) and goes on; only the pipe's thread touches the encoder.
 */
#ifndef TC_OPUS_H
#define TC_OPUS_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_audio.h"
#include "tc_diag.h"

/* Whether rate is one Opus accepts (8, 12, 16, 24 or 48 kHz). */
bool tc_opus_rate_ok(int rate);

struct tc_opus_options {
	int rate;        /* 8000, 12000, 16000, 24000 or 48000 */
	int bitrate;     /* bit/s, 6000..256000 */
	int complexity;  /* 0..10: higher is slower (4x at 10), hardly better for speech here */
	unsigned serial; /* Ogg stream serial number (fixed, so the same audio gives the same bytes) */
};

/* 24 kHz, 30,000 bit/s, complexity 0. */
void tc_opus_defaults(struct tc_opus_options *o);

struct tc_opus;

/* A new encoder (opaque); free with tc_opus_free(). Bad options: TC_ERR_USAGE. */
enum tc_rc tc_opus_new(const struct tc_opus_options *o, struct tc_opus **out, struct tc_diags *d);
void tc_opus_free(struct tc_opus *e);

/* Code n samples (mono, [-1, 1], at the encoder's rate). */
enum tc_rc tc_opus_write(struct tc_opus *e, const float *s, size_t n, struct tc_diags *d);

/*
 * Code what is left and end the stream. gain_db (-128..+127) goes into
 * OpusHead's output gain, which decoders apply (RFC 7845, 5.1). The bytes
 * move to the caller (*out, *out_len: free()); e is then spent: free it.
 */
enum tc_rc tc_opus_finish(struct tc_opus *e, double gain_db, unsigned char **out, size_t *out_len,
			  struct tc_diags *d);

/* Samples written so far. */
size_t tc_opus_samples(const struct tc_opus *e);

/*
 * The whole of p as Ogg/Opus with the defaults at p's rate, into a malloc'ed
 * buffer (*out, *out_len). A rate Opus cannot carry is TC_ERR_INVALID:
 * resample first (tc_pcm_resample).
 */
enum tc_rc tc_opus_encode(const struct tc_pcm *p, unsigned char **out, size_t *out_len, struct tc_diags *d);

struct tc_opus_pipe;

/*
 * Start a thread that resamples in_rate audio to o->rate and codes it.
 * Free with tc_opus_pipe_finish(), or tc_opus_pipe_free() to give up.
 */
enum tc_rc tc_opus_pipe_start(int in_rate, const struct tc_opus_options *o, struct tc_opus_pipe **out,
			      struct tc_diags *d);
/* Hand n samples to the pipe's thread (copied); returns without waiting for them to be coded. */
enum tc_rc tc_opus_pipe_post(struct tc_opus_pipe *p, const float *s, size_t n);
/*
 * Wait for the thread to code everything posted, and end the stream with
 * the output gain that brings its peak (at o->rate) to peak, as
 * tc_pcm_normalise() would (silence stays at 0 dB). The bytes move to the
 * caller; *ms (may be NULL) gets the audio's length. Frees p in every case.
 */
enum tc_rc tc_opus_pipe_finish(struct tc_opus_pipe *p, double peak, unsigned char **out, size_t *out_len,
			       unsigned *ms, struct tc_diags *d);
void tc_opus_pipe_free(struct tc_opus_pipe *p);

#endif
