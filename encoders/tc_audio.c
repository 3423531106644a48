/*
 * tc_audio.c — PCM building, programmes, resampling and in-memory audio
 * files (tc_audio.h).
 *
 * libsndfile writes WAV and reads every format through virtual I/O over a
 * memory buffer, so audio for MQTT never touches the disk; the server's
 * Ogg/Opus is written by tc_opus.c, which builds on this module.
 */
#include "tc_audio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>
#include <sndfile.h>

#include "tc_vec.h"

#define ATTENTION_LOW 853.0
#define ATTENTION_HIGH 960.0
#define FADE_MS 10
#define PCM_FIRST 4096      /* samples: a tc_pcm's first room (a quarter second at 16 kHz) */
#define MEMBUF_FIRST 65536  /* bytes: an audio file's first room */

void tc_pcm_release(struct tc_pcm *p)
{
	if (!p)
		return;
	free(p->s);
	p->s = NULL;
	p->n = 0;
	p->cap = 0;
}

/*
 * Room for more samples past n, and one spare. The room grows by tc_vec's rule, half again at
 * least: a message built from thousands of small pieces (speech callbacks, decoded packets, tone
 * segments) would otherwise copy itself once per piece wherever realloc cannot grow in place.
 * s holds n samples at least, whatever cap says (0 when unknown).
 */
static enum tc_rc reserve(struct tc_pcm *p, size_t more)
{
	if (more > SIZE_MAX - 1 - p->n)
		return TC_ERR_NOMEM;
	size_t need = p->n + more + 1;
	if (p->s && p->cap >= need)
		return TC_OK;
	if (p->cap < p->n)
		p->cap = p->n;
	void *s = p->s;
	enum tc_rc rc = tc_vec_grow(&s, &p->cap, need > PCM_FIRST ? need : PCM_FIRST, sizeof(float));
	p->s = s;
	return rc;
}

enum tc_rc tc_pcm_append(struct tc_pcm *p, const float *s, size_t n)
{
	if (reserve(p, n))
		return TC_ERR_NOMEM;
	if (s)
		memcpy(p->s + p->n, s, n * sizeof(float));
	else
		memset(p->s + p->n, 0, n * sizeof(float));
	p->n += n;
	return TC_OK;
}

enum tc_rc tc_pcm_append_s16(struct tc_pcm *p, const short *s, size_t n)
{
	if (reserve(p, n))
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		p->s[p->n + i] = (float)s[i] / 32768.0f;
	p->n += n;
	return TC_OK;
}

static size_t ms_to_samples(int rate, unsigned ms)
{
	return (size_t)rate * ms / 1000;
}

enum tc_rc tc_pcm_silence(struct tc_pcm *p, unsigned ms)
{
	return tc_pcm_append(p, NULL, ms_to_samples(p->rate, ms));
}

enum tc_rc tc_pcm_tone(struct tc_pcm *p, const double *freqs, size_t n_freqs, unsigned ms, double amp)
{
	size_t n = ms_to_samples(p->rate, ms), fade = ms_to_samples(p->rate, FADE_MS);
	if (!n_freqs || reserve(p, n))
		return n_freqs ? TC_ERR_NOMEM : TC_ERR_USAGE;
	for (size_t i = 0; i < n; i++) {
		double v = 0, t = (double)i / p->rate;
		for (size_t k = 0; k < n_freqs; k++)
			v += sin(2 * M_PI * freqs[k] * t);
		double env = 1.0;
		if (i < fade)
			env = (double)i / fade;
		else if (n - i <= fade)
			env = (double)(n - i) / fade;
		p->s[p->n + i] = (float)(amp * env * v / n_freqs);
	}
	p->n += n;
	return TC_OK;
}

double tc_pcm_peak(const struct tc_pcm *p)
{
	double peak = 0;
	for (size_t i = 0; i < p->n; i++)
		if (fabs(p->s[i]) > peak)
			peak = fabs(p->s[i]);
	return peak;
}

void tc_pcm_normalise(struct tc_pcm *p, double peak)
{
	double have = tc_pcm_peak(p);
	if (have <= 0)
		return;
	float g = (float)(peak / have);
	for (size_t i = 0; i < p->n; i++)
		p->s[i] *= g;
}

/* --- resampling ---------------------------------------------------------------- */

#define RS_HALF 16        /* taps on each side of the output instant, at the lower rate */
#define RS_CUTOFF 0.82    /* -6 dB point, as a fraction of the lower Nyquist frequency */
#define RS_BETA 8.0       /* Kaiser window: about -80 dB side lobes */
#define RS_MAX_L 1024

struct tc_resampler {
	int in_rate, out_rate;
	int L, M;             /* out/in = L/M in lowest terms */
	int half, taps;       /* taps = 2 * half coefficients per phase */
	float *h;             /* L phases x taps, phase p for the instant p/L past an input sample */
	struct tc_vec x;      /* floats: input not yet used up; the first is input sample x0 */
	long long x0;
	long long c;          /* input sample at or before the next output instant */
	int p;                /* and the phase of that instant */
	unsigned long long n_in, n_out;
};

static int gcd(int a, int b)
{
	while (b) {
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Modified Bessel function of the first kind, order 0 (its series converges fast here). */
static double bessel_i0(double x)
{
	double sum = 1, term = 1;
	for (int k = 1; k < 50 && term > 1e-12 * sum; k++) {
		term *= (x / (2 * k)) * (x / (2 * k));
		sum += term;
	}
	return sum;
}

/* Phase p's taps: a windowed sinc at distances p/L + half - 1 - j, summing to 1. */
static void rs_phase(struct tc_resampler *r, int p, double fc)
{
	float *h = r->h + (size_t)p * r->taps;
	double sum = 0, v[2 * RS_HALF * 16];
	for (int j = 0; j < r->taps; j++) {
		double dist = (double)p / r->L + r->half - 1 - j, u = dist / r->half;
		double x = 2 * fc * dist, sinc = fabs(x) < 1e-9 ? 1 : sin(M_PI * x) / (M_PI * x);
		double w = fabs(u) >= 1 ? 0 : bessel_i0(RS_BETA * sqrt(1 - u * u)) / bessel_i0(RS_BETA);
		v[j] = 2 * fc * sinc * w;
		sum += v[j];
	}
	for (int j = 0; j < r->taps; j++)
		h[j] = (float)(v[j] / sum);
}

/* Append n input samples (n zeros when s is NULL) to the buffered input. */
static enum tc_rc rs_take(struct tc_resampler *r, const float *s, size_t n)
{
	if (tc_vec_reserve(&r->x, n))
		return TC_ERR_NOMEM;
	float *end = (float *)r->x.v + r->x.n;
	if (s)
		memcpy(end, s, n * sizeof(float));
	else
		memset(end, 0, n * sizeof(float));
	r->x.n += n;
	return TC_OK;
}

enum tc_rc tc_resampler_new(int in_rate, int out_rate, struct tc_resampler **out, struct tc_diags *d)
{
	*out = NULL;
	int g = in_rate > 0 && out_rate > 0 ? gcd(in_rate, out_rate) : 1;
	int L = out_rate / g, M = in_rate / g;
	if (in_rate <= 0 || out_rate <= 0 || L > RS_MAX_L || M > 16 * L) {
		tc_err(d, "audio.resample", "", "no resampler from %d Hz to %d Hz (the ratio is %d/%d)", in_rate,
		       out_rate, L, M);
		return TC_ERR_USAGE;
	}
	struct tc_resampler *r = calloc(1, sizeof(*r));
	if (!r)
		return TC_ERR_NOMEM;
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	r->L = L;
	r->M = M;
	/* Going down, the filter follows the output's band: wider in input samples. */
	r->half = M > L ? (RS_HALF * M + L - 1) / L : RS_HALF;
	r->half += r->half % 2; /* taps a multiple of 4, for rs_dot */
	r->taps = 2 * r->half;
	double fc = RS_CUTOFF * 0.5 * (M > L ? (double)L / M : 1.0); /* cycles per input sample */
	tc_vec_init(&r->x, sizeof(float));
	r->h = malloc((size_t)L * r->taps * sizeof(float));
	/* half - 1 zeros before the first sample, so output 0 is centred on input 0 */
	if (!r->h || tc_vec_reserve(&r->x, 4096 + (size_t)r->taps) || rs_take(r, NULL, (size_t)r->half - 1)) {
		tc_resampler_free(r);
		return TC_ERR_NOMEM;
	}
	for (int p = 0; p < L; p++)
		rs_phase(r, p, fc);
	r->x0 = -(long long)(r->half - 1);
	*out = r;
	return TC_OK;
}

void tc_resampler_free(struct tc_resampler *r)
{
	if (!r)
		return;
	free(r->h);
	tc_vec_free(&r->x);
	free(r);
}

static float rs_dot(const float *h, const float *x, int taps)
{
	float a0 = 0, a1 = 0, a2 = 0, a3 = 0; /* four sums: the compiler keeps them in one vector */
	for (int j = 0; j < taps; j += 4) {
		a0 += h[j] * x[j];
		a1 += h[j + 1] * x[j + 1];
		a2 += h[j + 2] * x[j + 2];
		a3 += h[j + 3] * x[j + 3];
	}
	return (a0 + a1) + (a2 + a3);
}

/* Room in out for the outputs of the buffered input and n more samples. */
static enum tc_rc rs_reserve(struct tc_resampler *r, struct tc_pcm *out, size_t n)
{
	long long end = r->x0 + (long long)r->x.n + (long long)n;
	return reserve(out, end > r->c ? (size_t)((double)(end - r->c) * r->L / r->M) + 2 : 2);
}

/* Every output whose taps lie within the buffered input, up to limit outputs in all (room reserved). */
static void rs_run(struct tc_resampler *r, struct tc_pcm *out, unsigned long long limit)
{
	float *in = r->x.v;
	long long end = r->x0 + (long long)r->x.n; /* one past the last buffered sample */
	while (r->n_out < limit && r->c + r->half < end) {
		const float *x = in + (r->c - r->half + 1 - r->x0);
		out->s[out->n++] = rs_dot(r->h + (size_t)r->p * r->taps, x, r->taps);
		r->n_out++;
		r->p += r->M;
		while (r->p >= r->L) {
			r->p -= r->L;
			r->c++;
		}
	}
	/* Drop the input no later output needs. */
	long long keep_from = r->c - r->half + 1;
	if (keep_from > r->x0) {
		size_t drop = (size_t)(keep_from - r->x0);
		drop = drop > r->x.n ? r->x.n : drop;
		memmove(in, in + drop, (r->x.n - drop) * sizeof(float));
		r->x.n -= drop;
		r->x0 += (long long)drop;
	}
}

enum tc_rc tc_resampler_push(struct tc_resampler *r, const float *s, size_t n, struct tc_pcm *out)
{
	out->rate = r->out_rate;
	if (rs_reserve(r, out, n))
		return TC_ERR_NOMEM;
	while (n) {
		size_t part = n < 4096 ? n : 4096; /* keeps the buffer small */
		if (rs_take(r, s, part))
			return TC_ERR_NOMEM;
		rs_run(r, out, ~0ULL);
		r->n_in += part;
		s += part;
		n -= part;
	}
	return TC_OK;
}

enum tc_rc tc_resampler_flush(struct tc_resampler *r, struct tc_pcm *out)
{
	out->rate = r->out_rate;
	unsigned long long total = (r->n_in * (unsigned long long)r->L + (unsigned long long)r->M - 1) / r->M;
	if (rs_reserve(r, out, (size_t)r->half) || rs_take(r, NULL, (size_t)r->half))
		return TC_ERR_NOMEM;
	rs_run(r, out, total);
	return TC_OK;
}

static enum tc_rc resample_src(const struct tc_pcm *in, int rate, struct tc_pcm *out, struct tc_diags *d)
{
	double ratio = (double)rate / in->rate;
	size_t cap = (size_t)ceil(in->n * ratio) + 16;
	if (reserve(out, cap))
		return TC_ERR_NOMEM;
	SRC_DATA src = {
		.data_in = in->s, .input_frames = (long)in->n, .data_out = out->s,
		.output_frames = (long)cap, .src_ratio = ratio, .end_of_input = 1,
	};
	int err = src_simple(&src, SRC_SINC_FASTEST, 1);
	if (err) {
		tc_err(d, "audio.resample", "", "resampling %d Hz to %d Hz failed: %s", in->rate, rate,
		       src_strerror(err));
		return TC_ERR_INTERNAL;
	}
	out->n = (size_t)src.output_frames_gen;
	return TC_OK;
}

enum tc_rc tc_pcm_resample(const struct tc_pcm *in, int rate, struct tc_pcm *out, struct tc_diags *d)
{
	struct tc_resampler *r = NULL;
	enum tc_rc rc;
	memset(out, 0, sizeof(*out));
	out->rate = rate;
	if (in->rate == rate || in->n == 0)
		return tc_pcm_append(out, in->s, in->n);
	if (tc_resampler_new(in->rate, rate, &r, NULL) == TC_OK) {
		rc = tc_resampler_push(r, in->s, in->n, out);
		if (!rc)
			rc = tc_resampler_flush(r, out);
		tc_resampler_free(r);
	} else {
		rc = resample_src(in, rate, out, d);
	}
	if (rc)
		tc_pcm_release(out);
	return rc;
}

void tc_programme_defaults(struct tc_programme_options *o)
{
	o->tone_ms = 3000;
	o->gap_ms = 800;
	o->repeats = 1;
	o->peak = 0.89;
}

enum tc_rc tc_audio_programme(const struct tc_pcm *message, const struct tc_programme_options *o,
			      struct tc_pcm *out, struct tc_diags *d)
{
	static const double attention[] = { ATTENTION_LOW, ATTENTION_HIGH };
	enum tc_rc rc = TC_OK;
	memset(out, 0, sizeof(*out));
	out->rate = message->rate;
	if (o->repeats < 1 || o->peak <= 0 || o->peak > 1) {
		tc_err(d, "audio.programme", "", "repeats must be at least 1 and the peak within (0, 1]");
		return TC_ERR_USAGE;
	}
	/* The message is normalised on its own, so the tone cannot make it quieter. */
	struct tc_pcm msg = { .rate = message->rate };
	rc = tc_pcm_append(&msg, message->s, message->n);
	if (rc)
		return rc;
	tc_pcm_normalise(&msg, o->peak);
	if (o->tone_ms) {
		rc = tc_pcm_tone(out, attention, 2, o->tone_ms, o->peak);
		if (!rc)
			rc = tc_pcm_silence(out, o->gap_ms);
	}
	for (unsigned r = 0; r < o->repeats && !rc; r++) {
		rc = tc_pcm_append(out, msg.s, msg.n);
		if (!rc)
			rc = tc_pcm_silence(out, o->gap_ms);
	}
	tc_pcm_release(&msg);
	if (rc)
		tc_pcm_release(out);
	return rc;
}

/* --- libsndfile virtual I/O over memory ---------------------------------------- */

struct membuf {
	unsigned char *data;
	sf_count_t len, pos;
	size_t cap;
	bool readonly;
	bool failed;
};

static sf_count_t vio_len(void *u)
{
	return ((struct membuf *)u)->len;
}

static sf_count_t vio_seek(sf_count_t off, int whence, void *u)
{
	struct membuf *m = u;
	sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;
	if (base + off < 0)
		return -1;
	m->pos = base + off;
	return m->pos;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *u)
{
	struct membuf *m = u;
	sf_count_t n = m->pos >= m->len ? 0 : (count < m->len - m->pos ? count : m->len - m->pos);
	memcpy(ptr, m->data + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *u)
{
	struct membuf *m = u;
	if (m->readonly)
		return 0;
	sf_count_t end = count >= 0 && count <= (sf_count_t)PTRDIFF_MAX - m->pos ? m->pos + count : -1;
	void *data = m->data;
	if (end < 0 || tc_vec_grow(&data, &m->cap, (size_t)(end > MEMBUF_FIRST ? end : MEMBUF_FIRST), 1)) {
		m->failed = true;
		return 0;
	}
	m->data = data;
	if (m->pos > m->len) /* a seek past the end leaves a hole of zeros */
		memset(m->data + m->len, 0, (size_t)(m->pos - m->len));
	memcpy(m->data + m->pos, ptr, (size_t)count);
	m->pos += count;
	if (m->pos > m->len)
		m->len = m->pos;
	return count;
}

static sf_count_t vio_tell(void *u)
{
	return ((struct membuf *)u)->pos;
}

static SF_VIRTUAL_IO vio = { vio_len, vio_seek, vio_read, vio_write, vio_tell };

enum tc_rc tc_audio_encode_wav(const struct tc_pcm *p, unsigned char **out, size_t *out_len, struct tc_diags *d)
{
	struct membuf m = { 0 };
	SF_INFO info = { .samplerate = p->rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	*out = NULL;
	*out_len = 0;
	SNDFILE *sf = sf_open_virtual(&vio, SFM_WRITE, &info, &m);
	if (!sf) {
		tc_err(d, "audio.encode", "", "cannot write WAV audio: %s", sf_strerror(NULL));
		free(m.data);
		return TC_ERR_INTERNAL;
	}
	sf_count_t wrote = sf_writef_float(sf, p->s, (sf_count_t)p->n);
	sf_close(sf);
	if (m.failed || wrote != (sf_count_t)p->n) {
		free(m.data);
		return TC_ERR_NOMEM;
	}
	*out = m.data;
	*out_len = (size_t)m.len;
	return TC_OK;
}

enum tc_rc tc_audio_decode(const unsigned char *data, size_t len, struct tc_pcm *out, struct tc_diags *d)
{
	struct membuf m = { .data = (unsigned char *)data, .len = (sf_count_t)len, .readonly = true };
	SF_INFO info = { 0 };
	enum tc_rc rc = TC_OK;
	memset(out, 0, sizeof(*out));
	SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, &info, &m);
	if (!sf) {
		tc_err(d, "audio.decode", "", "the audio cannot be read: %s", sf_strerror(NULL));
		return TC_ERR_INVALID;
	}
	out->rate = info.samplerate;
	float frame[64];
	int ch = info.channels > 0 && info.channels <= 64 ? info.channels : 1;
	for (;;) {
		sf_count_t got = sf_readf_float(sf, frame, 64 / ch);
		if (got <= 0)
			break;
		float mono[64];
		for (sf_count_t i = 0; i < got; i++) {
			float v = 0;
			for (int c = 0; c < ch; c++)
				v += frame[i * ch + c];
			mono[i] = v / ch;
		}
		rc = tc_pcm_append(out, mono, (size_t)got);
		if (rc)
			break;
	}
	sf_close(sf);
	if (rc)
		tc_pcm_release(out);
	return rc;
}
