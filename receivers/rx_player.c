/*
 * rx_player.c — the player thread and its two sinks, PortAudio and a WAV
 * file (rx_player.h).
 *
 * The thread waits for a programme, opens the sink when it is not open,
 * then writes 20 ms chunks, each scaled by the volume, never more than
 * RX_PLAYER_LEAD_MS ahead of the wall clock, and looks at the stop flag
 * between chunks. A failed write closes the sink (the next programme opens
 * it again) and reports FAILED with the sink's message. A device check is
 * a job like a programme, of silence, after which a sink opened for it is
 * closed again.
 */
#include "rx_player.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portaudio.h>
#include <sndfile.h>

const char *rx_play_state_name(enum rx_play_state s)
{
	static const char *const names[] = { "idle", "playing", "done", "stopped", "failed" };
	return (unsigned)s < 5 ? names[s] : "unknown";
}

/* --- PortAudio --------------------------------------------------------------------- */

struct pa_sink {
	char device[128];
	PaStream *stream;
	bool initialised, started;
	int rate;
};

static PaDeviceIndex pa_find(const char *want)
{
	if (!strcmp(want, "default"))
		return Pa_GetDefaultOutputDevice();
	int n = Pa_GetDeviceCount();
	for (int i = 0; i < n; i++) {
		const PaDeviceInfo *in = Pa_GetDeviceInfo(i);
		if (in && in->maxOutputChannels > 0 && in->name && strstr(in->name, want))
			return i;
	}
	return paNoDevice;
}

static enum tc_rc pa_open(void *ctx, int rate, char *err, size_t err_len)
{
	struct pa_sink *s = ctx;
	PaError e;
	if (!s->initialised) {
		if ((e = Pa_Initialize()) != paNoError) {
			snprintf(err, err_len, "PortAudio: %s", Pa_GetErrorText(e));
			return TC_ERR_IO;
		}
		s->initialised = true;
	}
	PaDeviceIndex dev = pa_find(s->device);
	if (dev == paNoDevice) {
		snprintf(err, err_len, "no audio output device '%s'", s->device);
		return TC_ERR_IO;
	}
	const PaDeviceInfo *in = Pa_GetDeviceInfo(dev);
	PaStreamParameters out = { .device = dev, .channelCount = 1, .sampleFormat = paFloat32,
				   .suggestedLatency = in ? in->defaultHighOutputLatency : 0.1 };
	e = Pa_OpenStream(&s->stream, NULL, &out, rate, paFramesPerBufferUnspecified, paNoFlag, NULL, NULL);
	if (e != paNoError) {
		s->stream = NULL;
		snprintf(err, err_len, "cannot open audio device '%s': %s", s->device, Pa_GetErrorText(e));
		return TC_ERR_IO;
	}
	s->rate = rate;
	return TC_OK;
}

static enum tc_rc pa_write(void *ctx, const float *smp, size_t n, char *err, size_t err_len)
{
	struct pa_sink *s = ctx;
	PaError e = paNoError;
	if (!s->started && (e = Pa_StartStream(s->stream)) == paNoError)
		s->started = true;
	if (e == paNoError)
		e = Pa_WriteStream(s->stream, smp, (unsigned long)n);
	if (e != paNoError && e != paOutputUnderflowed) {
		snprintf(err, err_len, "audio device '%s': %s", s->device, Pa_GetErrorText(e));
		return TC_ERR_IO;
	}
	return TC_OK;
}

static void pa_drain(void *ctx)
{
	struct pa_sink *s = ctx;
	if (s->stream && s->started)
		Pa_StopStream(s->stream); /* returns once every buffer has played */
	s->started = false;
}

static void pa_close(void *ctx)
{
	struct pa_sink *s = ctx;
	if (s->stream) {
		if (s->started)
			Pa_AbortStream(s->stream);
		Pa_CloseStream(s->stream);
	}
	s->stream = NULL;
	s->started = false;
}

static void pa_free(void *ctx)
{
	struct pa_sink *s = ctx;
	pa_close(s);
	if (s->initialised)
		Pa_Terminate();
	free(s);
}

static const struct rx_sink_ops pa_ops = { "portaudio", pa_open, pa_write, pa_drain, pa_close, pa_free };

static enum tc_rc sink_new(const struct rx_sink_ops *ops, void *ctx, struct rx_sink **out)
{
	struct rx_sink *s = malloc(sizeof(*s));
	if (!s) {
		ops->free(ctx);
		return TC_ERR_NOMEM;
	}
	s->ops = ops;
	s->ctx = ctx;
	*out = s;
	return TC_OK;
}

enum tc_rc rx_sink_portaudio_new(const char *device, struct rx_sink **out, struct tc_diags *d)
{
	struct pa_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return TC_ERR_NOMEM;
	snprintf(s->device, sizeof(s->device), "%s", device && *device ? device : "default");
	return sink_new(&pa_ops, s, out);
}

/* --- WAV file ---------------------------------------------------------------------- */

struct wav_sink {
	char path[1024];
	SNDFILE *f;
};

static enum tc_rc wav_open(void *ctx, int rate, char *err, size_t err_len)
{
	struct wav_sink *s = ctx;
	SF_INFO info = { .samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	s->f = sf_open(s->path, SFM_WRITE, &info);
	if (!s->f) {
		snprintf(err, err_len, "cannot write %s: %s", s->path, sf_strerror(NULL));
		return TC_ERR_IO;
	}
	sf_command(s->f, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
	sf_command(s->f, SFC_SET_CLIPPING, NULL, SF_TRUE);
	return TC_OK;
}

static enum tc_rc wav_write(void *ctx, const float *smp, size_t n, char *err, size_t err_len)
{
	struct wav_sink *s = ctx;
	if (sf_writef_float(s->f, smp, (sf_count_t)n) != (sf_count_t)n) {
		snprintf(err, err_len, "cannot write %s: %s", s->path, sf_strerror(s->f));
		return TC_ERR_IO;
	}
	return TC_OK;
}

static void wav_drain(void *ctx)
{
	struct wav_sink *s = ctx;
	if (s->f)
		sf_write_sync(s->f);
}

static void wav_close(void *ctx)
{
	struct wav_sink *s = ctx;
	if (s->f)
		sf_close(s->f);
	s->f = NULL;
}

static void wav_free(void *ctx)
{
	wav_close(ctx);
	free(ctx);
}

static const struct rx_sink_ops wav_ops = { "wav", wav_open, wav_write, wav_drain, wav_close, wav_free };

enum tc_rc rx_sink_wav_new(const char *path, struct rx_sink **out, struct tc_diags *d)
{
	struct wav_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return TC_ERR_NOMEM;
	if (strlen(path) >= sizeof(s->path)) {
		free(s);
		tc_err(d, "player.path", path, "the audio file name is too long");
		return TC_ERR_USAGE;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	return sink_new(&wav_ops, s, out);
}

void rx_sink_free(struct rx_sink *s)
{
	if (!s)
		return;
	s->ops->free(s->ctx);
	free(s);
}

/* --- the player thread ------------------------------------------------------------- */

struct rx_player {
	struct rx_sink *sink;
	int rate;
	float volume;
	bool paced;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quit, has_job, open, exited;
	bool job_check; /* the job is a device check (rx_player_check) */
	atomic_bool stop;
	struct tc_pcm job;
	unsigned long tag;
	enum rx_play_state state;
	atomic_size_t written;
	char err[256];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

/* Write the job; the resulting state. Runs on the player thread without the lock. */
static enum rx_play_state play_job(struct rx_player *p, const struct tc_pcm *pcm, char *err, size_t err_len)
{
	size_t chunk = (size_t)p->rate * RX_PLAYER_CHUNK_MS / 1000;
	float buf[4800];
	if (chunk > sizeof(buf) / sizeof(buf[0]))
		chunk = sizeof(buf) / sizeof(buf[0]);
	if (!p->open) {
		if (p->sink->ops->open(p->sink->ctx, p->rate, err, err_len))
			return RX_PLAY_FAILED;
		p->open = true;
	}
	double start = now_s();
	for (size_t at = 0; at < pcm->n;) {
		if (atomic_load(&p->stop))
			return RX_PLAY_STOPPED;
		size_t k = pcm->n - at < chunk ? pcm->n - at : chunk;
		for (size_t i = 0; i < k; i++)
			buf[i] = pcm->s[at + i] * p->volume;
		if (p->sink->ops->write(p->sink->ctx, buf, k, err, err_len)) {
			p->sink->ops->close(p->sink->ctx);
			p->open = false;
			return RX_PLAY_FAILED;
		}
		at += k;
		atomic_store(&p->written, at);
		if (p->paced)
			sleep_s((double)at / p->rate - (now_s() - start) - RX_PLAYER_LEAD_MS / 1000.0);
	}
	p->sink->ops->drain(p->sink->ctx);
	return atomic_load(&p->stop) ? RX_PLAY_STOPPED : RX_PLAY_DONE;
}

static void *player_main(void *arg)
{
	struct rx_player *p = arg;
	char err[256];
	pthread_mutex_lock(&p->mu);
	while (!p->quit) {
		if (!p->has_job) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		struct tc_pcm job = p->job;
		p->job = (struct tc_pcm){ 0 };
		pthread_mutex_unlock(&p->mu);
		err[0] = '\0';
		bool opened_here = p->job_check && !p->open;
		enum rx_play_state st = play_job(p, &job, err, sizeof(err));
		if (opened_here && p->open) { /* a check leaves the device as it found it */
			p->sink->ops->close(p->sink->ctx);
			p->open = false;
		}
		tc_pcm_release(&job);
		pthread_mutex_lock(&p->mu);
		p->has_job = false;
		p->state = st;
		snprintf(p->err, sizeof(p->err), "%s", err);
		pthread_cond_broadcast(&p->cv);
	}
	p->exited = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

enum tc_rc rx_player_new(struct rx_sink *sink, int rate, double volume, bool paced, struct rx_player **out,
			 struct tc_diags *d)
{
	struct rx_player *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (!p) {
		rx_sink_free(sink);
		return TC_ERR_NOMEM;
	}
	p->sink = sink;
	p->rate = rate;
	p->volume = (float)volume;
	p->paced = paced;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, player_main, p)) {
		tc_err(d, "player.thread", "", "cannot start the player thread");
		rx_sink_free(sink);
		free(p);
		return TC_ERR_INTERNAL;
	}
	*out = p;
	return TC_OK;
}

void rx_player_free(struct rx_player *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, true);
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->cv);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RX_PLAYER_QUIT_S;
	while (!p->exited && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
		;
	bool exited = p->exited;
	pthread_mutex_unlock(&p->mu);
	if (!exited) { /* stuck in a device that does not answer: left behind, the process is ending */
		pthread_detach(p->thread);
		return;
	}
	pthread_join(p->thread, NULL);
	if (p->open)
		p->sink->ops->close(p->sink->ctx);
	rx_sink_free(p->sink);
	tc_pcm_release(&p->job);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* Hand the thread a job (pcm taken when accepted). */
static enum tc_rc post(struct rx_player *p, struct tc_pcm *pcm, unsigned long tag, bool check)
{
	enum tc_rc rc = TC_OK;
	pthread_mutex_lock(&p->mu);
	if (p->has_job || p->state != RX_PLAY_IDLE || pcm->rate != p->rate) {
		rc = TC_ERR_USAGE;
	} else {
		p->job = *pcm;
		*pcm = (struct tc_pcm){ 0 };
		p->tag = tag;
		p->job_check = check;
		p->has_job = true;
		p->state = RX_PLAY_PLAYING;
		atomic_store(&p->stop, false);
		atomic_store(&p->written, 0);
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

enum tc_rc rx_player_start(struct rx_player *p, struct tc_pcm *pcm, unsigned long tag)
{
	return post(p, pcm, tag, false);
}

enum tc_rc rx_player_check(struct rx_player *p, unsigned ms)
{
	struct tc_pcm silence = { .n = (size_t)p->rate * ms / 1000, .rate = p->rate };
	if (!silence.n)
		silence.n = 1;
	if (!(silence.s = calloc(silence.n, sizeof(float))))
		return TC_ERR_NOMEM;
	silence.cap = silence.n;
	enum tc_rc rc = post(p, &silence, RX_PLAYER_CHECK_TAG, true);
	tc_pcm_release(&silence);
	return rc;
}

void rx_player_stop(struct rx_player *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->has_job) {
		atomic_store(&p->stop, true);
		while (p->has_job)
			pthread_cond_wait(&p->cv, &p->mu);
	}
	p->state = RX_PLAY_IDLE; /* the caller knows it ended */
	pthread_mutex_unlock(&p->mu);
}

enum rx_play_state rx_player_poll(struct rx_player *p, unsigned long *tag, char *err, size_t err_len)
{
	pthread_mutex_lock(&p->mu);
	enum rx_play_state st = p->state;
	if (tag)
		*tag = p->tag;
	if (err && err_len)
		snprintf(err, err_len, "%s", p->err);
	if (st != RX_PLAY_PLAYING)
		p->state = RX_PLAY_IDLE;
	pthread_mutex_unlock(&p->mu);
	return st;
}

double rx_player_position(struct rx_player *p)
{
	return (double)atomic_load(&p->written) / p->rate;
}
