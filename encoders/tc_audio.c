/*
 * tc_audio.c — PCM building, programmes and in-memory audio files (tc_audio.h).
 *
 * libsndfile reads and writes through virtual I/O over a memory buffer, so
 * audio for MQTT never touches the disk.
 */
#include "tc_audio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>
#include <sndfile.h>

#define ATTENTION_LOW 853.0
#define ATTENTION_HIGH 960.0
#define FADE_MS 10

const char *tc_audio_format_name(enum tc_audio_format f)
{
	return f == TC_AUDIO_OPUS ? "ogg-opus" : "wav";
}

void tc_pcm_release(struct tc_pcm *p)
{
	if (!p)
		return;
	free(p->s);
	p->s = NULL;
	p->n = 0;
}

static enum tc_rc reserve(struct tc_pcm *p, size_t more)
{
	float *s = realloc(p->s, (p->n + more) * sizeof(float) + sizeof(float));
	if (!s)
		return TC_ERR_NOMEM;
	p->s = s;
	return TC_OK;
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

enum tc_rc tc_pcm_resample(const struct tc_pcm *in, int rate, struct tc_pcm *out, struct tc_diags *d)
{
	memset(out, 0, sizeof(*out));
	out->rate = rate;
	if (in->rate == rate || in->n == 0)
		return tc_pcm_append(out, in->s, in->n);
	double ratio = (double)rate / in->rate;
	size_t cap = (size_t)ceil(in->n * ratio) + 16;
	if (reserve(out, cap))
		return TC_ERR_NOMEM;
	SRC_DATA src = {
		.data_in = in->s, .input_frames = (long)in->n, .data_out = out->s,
		.output_frames = (long)cap, .src_ratio = ratio, .end_of_input = 1,
	};
	int err = src_simple(&src, SRC_SINC_FASTEST, 1); /* ample for speech, several times faster */
	if (err) {
		tc_err(d, "audio.resample", "", "resampling %d Hz to %d Hz failed: %s", in->rate, rate,
		       src_strerror(err));
		tc_pcm_release(out);
		return TC_ERR_INTERNAL;
	}
	out->n = (size_t)src.output_frames_gen;
	return TC_OK;
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

bool tc_audio_opus_rate_ok(int rate)
{
	return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

/* --- libsndfile virtual I/O over memory ---------------------------------------- */

struct membuf {
	unsigned char *data;
	sf_count_t len, cap, pos;
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
	if (m->pos + count > m->cap) {
		sf_count_t cap = m->cap ? m->cap : 65536;
		while (cap < m->pos + count)
			cap *= 2;
		unsigned char *p = realloc(m->data, (size_t)cap);
		if (!p) {
			m->failed = true;
			return 0;
		}
		m->data = p;
		m->cap = cap;
	}
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

enum tc_rc tc_audio_encode(const struct tc_pcm *p, enum tc_audio_format f, unsigned char **out,
			   size_t *out_len, struct tc_diags *d)
{
	struct membuf m = { 0 };
	SF_INFO info = { .samplerate = p->rate, .channels = 1 };
	*out = NULL;
	*out_len = 0;
	if (f == TC_AUDIO_OPUS && !tc_audio_opus_rate_ok(p->rate)) {
		tc_err(d, "audio.opus-rate", "",
		       "Opus cannot carry %d Hz audio (only 8, 12, 16, 24 or 48 kHz); resample first", p->rate);
		return TC_ERR_INVALID;
	}
	info.format = f == TC_AUDIO_OPUS ? SF_FORMAT_OGG | SF_FORMAT_OPUS : SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	SNDFILE *sf = sf_open_virtual(&vio, SFM_WRITE, &info, &m);
	if (!sf) {
		tc_err(d, "audio.encode", "", "cannot write %s audio: %s", tc_audio_format_name(f),
		       sf_strerror(NULL));
		free(m.data);
		return TC_ERR_INTERNAL;
	}
	if (f == TC_AUDIO_OPUS) {
		/*
		 * libsndfile maps level 0..1 to roughly 256..6 kbit/s; 0.9 gives about
		 * 30 kbit/s, plenty for speech on a loudspeaker, half the default size.
		 */
		double level = 0.9;
		sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof(level));
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
