/* test_audio.c — tones, programmes, resampling, WAV and Ogg/Opus in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tc_audio.h"

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
	assert_true(fabs(tc_pcm_peak(&(struct tc_pcm){ out.s + 20000 + 100, 7800, 16000 })) > 0.4);
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
	assert_int_equal(tc_audio_encode(&in, TC_AUDIO_WAV, &wav, &len, NULL), TC_OK);
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
	assert_int_equal(tc_audio_encode(&in, TC_AUDIO_OPUS, &ogg, &len, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "audio.opus-rate"));
	assert_null(ogg);
	assert_false(tc_audio_opus_rate_ok(44100));
	assert_true(tc_audio_opus_rate_ok(48000));
	struct tc_pcm at48;
	assert_int_equal(tc_pcm_resample(&in, 48000, &at48, NULL), TC_OK);
	assert_int_equal(tc_audio_encode(&at48, TC_AUDIO_OPUS, &ogg, &len, NULL), TC_OK);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attention_tone),  cmocka_unit_test(test_programme_layout),
		cmocka_unit_test(test_resample_length), cmocka_unit_test(test_wav_round_trip),
		cmocka_unit_test(test_opus_rates),      cmocka_unit_test(test_decode_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
