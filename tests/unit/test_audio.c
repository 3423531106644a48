/* test_audio.c — tones, programmes, resampling, WAV and Ogg/Opus in memory (tc_audio, tc_opus). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tc_audio.h"
#include "tc_opus.h"

/* Power of one frequency in p (Goertzel). */
static double power_at(const struct tc_pcm *p, double hz)
{
	double k = 2 * cos(2 * M_PI * hz / p->rate), s1 = 0, s2 = 0;
	for (size_t i = 0; i < p->n; i++) {
		double s0 = p->s[i] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return (s1 * s1 + s2 * s2 - k * s1 * s2) / ((double)p->n * p->n);
}

static void test_attention_tone(void **state)
{
	(void)state;
	static const double freqs[] = { 853, 960 };
	struct tc_pcm p = { .rate = 48000 };
	assert_int_equal(tc_pcm_tone(&p, freqs, 2, 1000, 0.8), TC_OK);
	assert_int_equal(p.n, 48000);
	assert_true(tc_pcm_peak(&p) <= 0.8 + 1e-6);
	assert_true(tc_pcm_peak(&p) > 0.75);
	double on1 = power_at(&p, 853), on2 = power_at(&p, 960), off = power_at(&p, 700);
	assert_true(on1 > 100 * off);
	assert_true(on2 > 100 * off);
	assert_true(fabs(p.s[0]) < 1e-3); /* faded in: no click */
	assert_true(fabs(p.s[p.n - 1]) < 0.01);
	tc_pcm_release(&p);
}

static void test_programme_layout(void **state)
{
	(void)state;
	static const double f[] = { 440 };
	struct tc_pcm msg = { .rate = 16000 }, out = { 0 };
	tc_pcm_tone(&msg, f, 1, 500, 0.2);
	struct tc_programme_options o = { .tone_ms = 1000, .gap_ms = 250, .repeats = 3, .peak = 0.5 };
	assert_int_equal(tc_audio_programme(&msg, &o, &out, NULL), TC_OK);
	assert_int_equal(out.rate, 16000);
	assert_int_equal(out.n, 16000 + 4000 + 3 * (8000 + 4000));
	assert_true(fabs(tc_pcm_peak(&out) - 0.5) < 1e-3); /* message normalised to the peak */
	/* the gap after the tone is silent, the first message starts after it */
	assert_true(fabs(out.s[16000 + 2000]) < 1e-9);
	assert_true(fabs(tc_pcm_peak(&(struct tc_pcm){ .s = out.s + 20000 + 100, .n = 7800, .rate = 16000 })) > 0.4);
	tc_pcm_release(&out);
	o.repeats = 0;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_audio_programme(&msg, &o, &out, d), TC_ERR_USAGE);
	assert_non_null(tc_diags_find(d, "audio.programme"));
	tc_diags_free(d);
	tc_pcm_release(&msg);
}

static void test_resample_length(void **state)
{
	(void)state;
	static const double f[] = { 300 };
	struct tc_pcm in = { .rate = 22050 }, out;
	tc_pcm_tone(&in, f, 1, 2000, 0.5);
	assert_int_equal(tc_pcm_resample(&in, 48000, &out, NULL), TC_OK);
	assert_int_equal(out.rate, 48000);
	assert_true(labs((long)out.n - 96000) < 100);
	assert_true(power_at(&out, 300) > 100 * power_at(&out, 1000));
	tc_pcm_release(&in);
	tc_pcm_release(&out);
}

static void test_wav_round_trip(void **state)
{
	(void)state;
	static const double f[] = { 1000 };
	struct tc_pcm in = { .rate = 22050 }, back;
	unsigned char *wav = NULL;
	size_t len = 0;
	tc_pcm_tone(&in, f, 1, 300, 0.5);
	assert_int_equal(tc_audio_encode_wav(&in, &wav, &len, NULL), TC_OK);
	assert_int_equal(len, 44 + 2 * in.n);
	assert_memory_equal(wav, "RIFF", 4);
	assert_int_equal(tc_audio_decode(wav, len, &back, NULL), TC_OK);
	assert_int_equal(back.rate, 22050);
	assert_int_equal(back.n, in.n);
	for (size_t i = 0; i < in.n; i++)
		assert_true(fabs(back.s[i] - in.s[i]) < 1.0 / 16384);
	free(wav);
	tc_pcm_release(&in);
	tc_pcm_release(&back);
}

static void test_opus_rates(void **state)
{
	(void)state;
	static const double f[] = { 500 };
	struct tc_pcm in = { .rate = 44100 }, back;
	unsigned char *ogg = NULL;
	size_t len = 0;
	struct tc_diags *d = tc_diags_new();
	tc_pcm_tone(&in, f, 1, 1000, 0.5);
	assert_int_equal(tc_opus_encode(&in, &ogg, &len, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "audio.opus-rate"));
	assert_null(ogg);
	assert_false(tc_opus_rate_ok(44100));
	assert_true(tc_opus_rate_ok(48000));
	struct tc_pcm at48;
	assert_int_equal(tc_pcm_resample(&in, 48000, &at48, NULL), TC_OK);
	assert_int_equal(tc_opus_encode(&at48, &ogg, &len, NULL), TC_OK);
	assert_memory_equal(ogg, "OggS", 4);
	assert_true(len < 2 * at48.n / 10); /* compressed far below 16-bit PCM */
	assert_int_equal(tc_audio_decode(ogg, len, &back, NULL), TC_OK);
	assert_int_equal(back.rate, 48000);
	assert_true(labs((long)back.n - (long)at48.n) < 4800);
	assert_true(power_at(&back, 500) > 100 * power_at(&back, 2000));
	free(ogg);
	tc_diags_free(d);
	tc_pcm_release(&in);
	tc_pcm_release(&at48);
	tc_pcm_release(&back);
}

static double db(double ratio)
{
	return 20 * log10(ratio);
}

/* Amplitude of one frequency in the middle half of p (Hann window). */
static double amp_at(const struct tc_pcm *p, double hz)
{
	size_t a = p->n / 4, n = p->n / 2;
	double re = 0, im = 0;
	for (size_t i = 0; i < n; i++) {
		double w = 0.5 - 0.5 * cos(2 * M_PI * i / n), ph = 2 * M_PI * hz * (double)(a + i) / p->rate;
		re += p->s[a + i] * w * cos(ph);
		im += p->s[a + i] * w * sin(ph);
	}
	return 4 * sqrt(re * re + im * im) / n;
}

static void tone_at(struct tc_pcm *out, int rate, double hz)
{
	*out = (struct tc_pcm){ .rate = rate };
	assert_int_equal(tc_pcm_tone(out, &hz, 1, 1000, 0.5), TC_OK);
}

/* 22050 -> 24000 Hz: flat pass band, images of the input far down, exact length. */
static void test_resampler_response(void **state)
{
	(void)state;
	static const double flat[] = { 300, 1000, 4000, 7500 };
	struct tc_pcm in, out;
	for (size_t i = 0; i < sizeof(flat) / sizeof(flat[0]); i++) {
		tone_at(&in, 22050, flat[i]);
		assert_int_equal(tc_pcm_resample(&in, 24000, &out, NULL), TC_OK);
		assert_int_equal(out.rate, 24000);
		assert_int_equal(out.n, (in.n * 160 + 146) / 147);
		assert_true(fabs(db(amp_at(&out, flat[i]) / 0.5)) < 0.1);
		tc_pcm_release(&in);
		tc_pcm_release(&out);
	}
	/* 3 kHz has an image at 22050 - 3000 Hz, which would fold to 4950 Hz at 24 kHz */
	tone_at(&in, 22050, 3000);
	assert_int_equal(tc_pcm_resample(&in, 24000, &out, NULL), TC_OK);
	assert_true(db(amp_at(&out, 4950) / 0.5) < -80);
	tc_pcm_release(&in);
	tc_pcm_release(&out);
	/* going down, what the output cannot carry is removed, not folded */
	tone_at(&in, 48000, 14000); /* would fold to 8050 Hz at 22050 Hz */
	assert_int_equal(tc_pcm_resample(&in, 22050, &out, NULL), TC_OK);
	assert_true(db(amp_at(&out, 8050) / 0.5) < -80);
	tc_pcm_release(&in);
	tc_pcm_release(&out);
	struct tc_resampler *r = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_resampler_new(22050, 22051, &r, d), TC_ERR_USAGE);
	assert_null(r);
	assert_non_null(tc_diags_find(d, "audio.resample"));
	tc_diags_free(d);
}

/* Fed in uneven pieces, the resampler gives the same samples as in one go; time is kept. */
static void test_resampler_streaming(void **state)
{
	(void)state;
	struct tc_pcm in = { .rate = 22050 }, whole, parts = { 0 };
	struct tc_resampler *r = NULL;
	assert_int_equal(tc_pcm_silence(&in, 1000), TC_OK);
	in.s[11025] = 1; /* a click at 0.5 s */
	assert_int_equal(tc_pcm_resample(&in, 24000, &whole, NULL), TC_OK);
	assert_int_equal(tc_resampler_new(22050, 24000, &r, NULL), TC_OK);
	for (size_t at = 0, step = 1; at < in.n; at += step, step = step * 3 % 9001 + 1)
		assert_int_equal(tc_resampler_push(r, in.s + at, at + step > in.n ? in.n - at : step, &parts), TC_OK);
	assert_int_equal(tc_resampler_flush(r, &parts), TC_OK);
	tc_resampler_free(r);
	assert_int_equal(parts.n, whole.n);
	assert_memory_equal(parts.s, whole.s, whole.n * sizeof(float));
	size_t top = 0;
	for (size_t i = 0; i < whole.n; i++)
		top = fabs(whole.s[i]) > fabs(whole.s[top]) ? i : top;
	assert_int_equal(top, 12000); /* 0.5 s at 24 kHz */
	tc_pcm_release(&in);
	tc_pcm_release(&whole);
	tc_pcm_release(&parts);
}

struct ogg_page_info {
	unsigned char type;
	long long granule;
	unsigned long serial, seq;
	const unsigned char *body;
	size_t body_len;
	int packets; /* completed on the page */
};

/* The page at *at (RFC 3533), or false at the end. */
static bool next_page(const unsigned char *b, size_t len, size_t *at, struct ogg_page_info *pg)
{
	const unsigned char *p = b + *at;
	if (*at + 27 > len)
		return false;
	assert_memory_equal(p, "OggS", 4);
	pg->type = p[5];
	pg->granule = 0;
	for (int i = 7; i >= 0; i--)
		pg->granule = pg->granule << 8 | p[6 + i];
	pg->serial = p[14] | p[15] << 8 | p[16] << 16 | (unsigned long)p[17] << 24;
	pg->seq = p[18] | p[19] << 8 | p[20] << 16 | (unsigned long)p[21] << 24;
	int nseg = p[26];
	pg->body_len = 0;
	pg->packets = 0;
	for (int i = 0; i < nseg; i++) {
		pg->body_len += p[27 + i];
		pg->packets += p[27 + i] < 255;
	}
	pg->body = p + 27 + nseg;
	*at += 27 + (size_t)nseg + pg->body_len;
	assert_true(*at <= len);
	return true;
}

/* RFC 7845: OpusHead page, OpusTags page, audio pages; end granule = pre-skip + length at 48 kHz. */
static void test_opus_stream_layout(void **state)
{
	(void)state;
	struct tc_pcm in, back;
	unsigned char *ogg = NULL;
	size_t len = 0, at = 0;
	tone_at(&in, 24000, 440);
	in.n = 24000 - 77; /* not a whole number of frames */
	assert_int_equal(tc_opus_encode(&in, &ogg, &len, NULL), TC_OK);
	struct ogg_page_info pg;
	assert_true(next_page(ogg, len, &at, &pg));
	assert_int_equal(pg.type, 2); /* beginning of stream */
	assert_int_equal(pg.seq, 0);
	assert_int_equal(pg.body_len, 19);
	assert_memory_equal(pg.body, "OpusHead\x01\x01", 10);
	unsigned preskip = pg.body[10] | pg.body[11] << 8;
	assert_true(preskip > 0);
	assert_int_equal(pg.body[12] | pg.body[13] << 8 | pg.body[14] << 16, 24000);
	assert_int_equal(pg.body[16] | pg.body[17] << 8, 0); /* no gain asked */
	unsigned long serial = pg.serial;
	assert_true(next_page(ogg, len, &at, &pg));
	assert_memory_equal(pg.body, "OpusTags", 8);
	assert_int_equal(pg.granule, 0);
	assert_int_equal(pg.packets, 1);
	long long last = 0;
	unsigned long seq = 1;
	int audio_pages = 0;
	while (next_page(ogg, len, &at, &pg)) {
		assert_int_equal(pg.serial, serial);
		assert_int_equal(pg.seq, ++seq);
		assert_true(pg.granule >= last);
		last = pg.granule;
		audio_pages++;
		if (pg.type & 4)
			break;
	}
	assert_true(audio_pages >= 1);
	assert_int_equal(pg.type & 4, 4); /* end of stream */
	assert_int_equal(at, len);
	assert_int_equal(last, (long long)preskip + 2 * (long long)in.n);
	/* libsndfile reads it back: exactly the input's length */
	assert_int_equal(tc_audio_decode(ogg, len, &back, NULL), TC_OK);
	assert_int_equal(back.rate, 24000);
	assert_int_equal(back.n, in.n);
	assert_true(fabs(db(amp_at(&back, 440) / 0.5)) < 1);
	free(ogg);
	tc_pcm_release(&back);
	tc_pcm_release(&in);
}

/* The output gain, written at the end, is applied by decoders. */
static void test_opus_gain(void **state)
{
	(void)state;
	struct tc_pcm in, back;
	struct tc_opus_options o;
	struct tc_opus *e = NULL;
	unsigned char *ogg = NULL;
	size_t len = 0;
	tone_at(&in, 16000, 700);
	tc_opus_defaults(&o);
	o.rate = 16000;
	assert_int_equal(tc_opus_new(&o, &e, NULL), TC_OK);
	assert_int_equal(tc_opus_write(e, in.s, in.n / 2, NULL), TC_OK);
	assert_int_equal(tc_opus_write(e, in.s + in.n / 2, in.n - in.n / 2, NULL), TC_OK);
	assert_int_equal(tc_opus_samples(e), in.n);
	assert_int_equal(tc_opus_finish(e, -6.0206, &ogg, &len, NULL), TC_OK); /* half */
	assert_int_equal(tc_opus_write(e, in.s, 1, NULL), TC_ERR_USAGE); /* spent */
	tc_opus_free(e);
	assert_int_equal(ogg[28 + 16] | ogg[28 + 17] << 8, 0x10000 - 1541); /* -6.02 dB in Q7.8 */
	assert_int_equal(tc_audio_decode(ogg, len, &back, NULL), TC_OK);
	assert_int_equal(back.rate, 16000);
	assert_true(fabs(db(amp_at(&back, 700) / 0.25)) < 1);
	free(ogg);
	tc_pcm_release(&back);
	tc_pcm_release(&in);
	struct tc_diags *d = tc_diags_new();
	o.rate = 22050;
	assert_int_equal(tc_opus_new(&o, &e, d), TC_ERR_USAGE);
	assert_null(e);
	assert_non_null(tc_diags_find(d, "audio.opus-options"));
	tc_diags_free(d);
}

/* The pipe: 22050 Hz in pieces, coded at 24 kHz on its thread, normalised to a peak. */
static void test_opus_pipe(void **state)
{
	(void)state;
	struct tc_pcm in, back, at24;
	struct tc_opus_options o;
	struct tc_opus_pipe *p = NULL;
	unsigned char *ogg = NULL;
	size_t len = 0;
	unsigned ms = 0;
	tone_at(&in, 22050, 500);
	tc_pcm_normalise(&in, 0.2);
	tc_opus_defaults(&o);
	assert_int_equal(tc_opus_pipe_start(22050, &o, &p, NULL), TC_OK);
	for (size_t at = 0; at < in.n; at += 1323) /* 60 ms, as espeak-ng hands them */
		assert_int_equal(tc_opus_pipe_post(p, in.s + at, in.n - at < 1323 ? in.n - at : 1323), TC_OK);
	assert_int_equal(tc_opus_pipe_finish(p, 0.8, &ogg, &len, &ms, NULL), TC_OK);
	assert_int_equal(ms, 1000);
	assert_int_equal(tc_pcm_resample(&in, 24000, &at24, NULL), TC_OK);
	assert_int_equal(tc_audio_decode(ogg, len, &back, NULL), TC_OK);
	assert_int_equal(back.n, at24.n);
	assert_true(fabs(db(amp_at(&back, 500) / 0.8)) < 1); /* 0.2 brought to 0.8 by the header */
	free(ogg);
	tc_pcm_release(&back);
	tc_pcm_release(&at24);
	/* given up half way: the thread is stopped, nothing leaks */
	assert_int_equal(tc_opus_pipe_start(22050, &o, &p, NULL), TC_OK);
	assert_int_equal(tc_opus_pipe_post(p, in.s, in.n / 2), TC_OK);
	tc_opus_pipe_free(p);
	tc_opus_pipe_free(NULL);
	tc_pcm_release(&in);
}

static void test_decode_garbage(void **state)
{
	(void)state;
	struct tc_pcm p;
	struct tc_diags *d = tc_diags_new();
	static const unsigned char junk[] = "this is not audio at all, not even close";
	assert_int_equal(tc_audio_decode(junk, sizeof(junk), &p, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "audio.decode"));
	tc_diags_free(d);
}

/* Many small appends (speech arrives in callbacks, decoded audio by packets): every sample kept
 * in order, the room growing by a factor rather than by each piece. */
static void test_append_pieces(void **state)
{
	(void)state;
	struct tc_pcm p = { .rate = 16000 };
	float piece[7];
	size_t grew = 0, last_cap = 0;
	for (size_t i = 0; i < 20000; i++) {
		for (size_t j = 0; j < 7; j++)
			piece[j] = (float)((i * 7 + j) % 1000) / 1000.0f;
		assert_int_equal(tc_pcm_append(&p, piece, 7), TC_OK);
		grew += p.cap != last_cap;
		last_cap = p.cap;
	}
	assert_int_equal(p.n, 140000);
	assert_true(p.cap > p.n);
	assert_true(grew < 20); /* 4096 samples, then half again: about a dozen times */
	for (size_t k = 0; k < p.n; k++)
		assert_true(p.s[k] == (float)(k % 1000) / 1000.0f);
	assert_int_equal(tc_pcm_silence(&p, 10), TC_OK); /* 160 samples at 16 kHz */
	assert_int_equal(p.n, 140160);
	assert_true(p.s[p.n - 1] == 0.0f);
	tc_pcm_release(&p);
	assert_null(p.s);
	assert_int_equal(p.cap, 0);
	/* reused after emptying: the room stays */
	assert_int_equal(tc_pcm_append(&p, piece, 7), TC_OK);
	size_t cap = p.cap;
	p.n = 0;
	assert_int_equal(tc_pcm_append(&p, piece, 7), TC_OK);
	assert_int_equal(p.cap, cap);
	tc_pcm_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attention_tone),  cmocka_unit_test(test_programme_layout),
		cmocka_unit_test(test_resample_length), cmocka_unit_test(test_wav_round_trip),
		cmocka_unit_test(test_opus_rates),      cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_resampler_response), cmocka_unit_test(test_resampler_streaming),
		cmocka_unit_test(test_opus_stream_layout), cmocka_unit_test(test_opus_gain),
		cmocka_unit_test(test_opus_pipe),        cmocka_unit_test(test_append_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
