/*
 * rx_analyse.c — what a captured WAV holds, for the receiver tests: it
 * cuts the audio into sounding segments (separated by at least 500 ms of
 * silence) and names each by its content, measured with Goertzel filters
 * over 20 ms frames: T the attention signal (853 + 960 Hz carry most of
 * the energy), A a 440 Hz test message, S anything else (speech).
 *
 *   rx_analyse FILE.wav
 *   -> "segments T A A" (one letter per segment, in order), then
 *      "ms 1000 1200 1200", "seconds 7.2", "peak 0.89" on their own lines.
 *   An empty, missing or silent file prints "segments" with nothing after it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#define FRAME_MS 20
#define BRIDGE_MS 500
#define SILENT_RMS 0.01
#define MAX_SEG 4096

static double goertzel(const float *s, size_t n, double f, int rate)
{
	double w = 2.0 * M_PI * f / rate, c = 2.0 * cos(w), q1 = 0, q2 = 0;
	for (size_t i = 0; i < n; i++) {
		double q0 = c * q1 - q2 + s[i];
		q2 = q1;
		q1 = q0;
	}
	double re = q1 - q2 * cos(w), im = q2 * sin(w);
	double amp = 2.0 * sqrt(re * re + im * im) / (double)n;
	return amp * amp / 2.0; /* the power of that sine, comparable with the mean square */
}

struct seg {
	size_t start, end; /* frames */
	double tone, a440, all;
};

int main(int argc, char **argv)
{
	SF_INFO info = { 0 };
	SNDFILE *f = argc == 2 ? sf_open(argv[1], SFM_READ, &info) : NULL;
	float *s = NULL;
	size_t n = 0;
	double peak = 0;
	if (f && info.frames > 0 && info.channels == 1) {
		s = malloc((size_t)info.frames * sizeof(*s));
		n = s ? (size_t)sf_readf_float(f, s, info.frames) : 0;
	}
	if (f)
		sf_close(f);
	struct seg *v = calloc(MAX_SEG, sizeof(*v));
	size_t nv = 0, frame = info.samplerate ? (size_t)info.samplerate * FRAME_MS / 1000 : 1;
	size_t bridge = BRIDGE_MS / FRAME_MS, quiet = bridge + 1;
	for (size_t k = 0; v && s && (k + 1) * frame <= n; k++) {
		const float *x = s + k * frame;
		double ms = 0;
		for (size_t i = 0; i < frame; i++) {
			ms += (double)x[i] * x[i];
			if (fabsf(x[i]) > peak)
				peak = fabsf(x[i]);
		}
		ms /= (double)frame;
		if (sqrt(ms) < SILENT_RMS) {
			quiet++;
			continue;
		}
		if (quiet > bridge || !nv) {
			if (nv == MAX_SEG)
				break;
			v[nv++] = (struct seg){ .start = k };
		}
		quiet = 0;
		struct seg *g = &v[nv - 1];
		g->end = k + 1;
		g->tone += goertzel(x, frame, 853, info.samplerate) + goertzel(x, frame, 960, info.samplerate);
		g->a440 += goertzel(x, frame, 440, info.samplerate);
		g->all += ms;
	}
	printf("segments");
	for (size_t i = 0; i < nv; i++)
		printf(" %c", v[i].tone > 0.6 * v[i].all ? 'T' : v[i].a440 > 0.6 * v[i].all ? 'A' : 'S');
	printf("\nms");
	for (size_t i = 0; i < nv; i++)
		printf(" %zu", (v[i].end - v[i].start) * FRAME_MS);
	printf("\nseconds %.1f\npeak %.2f\n", info.samplerate ? (double)n / info.samplerate : 0.0, peak);
	free(v);
	free(s);
	return 0;
}
