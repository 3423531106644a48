/*
 * tc_opus.c — Ogg/Opus written as audio arrives, and an encoder on its own
 * thread (tc_opus.h).
 *
 * Stream layout (RFC 7845): page 0 holds OpusHead alone, page 1 OpusTags
 * alone, then audio pages. A page's granule position is the 48 kHz sample
 * count at the end of its last complete packet, pre-skip included. The
 * encoder's lookahead is the pre-skip; at the end, silence pushes the last
 * input out of the encoder and the final page's granule position is
 * pre-skip + the input's length, which tells decoders to drop the padding.
 * Packets coded at the end all go on that final page, so no earlier page
 * claims samples beyond the end.
 *
 * The output gain is known only at the end (tc_opus_pipe normalises the
 * peak of audio it has not all seen yet): the OpusHead page is written with
 * 0 dB and rewritten in place, same length, with a fresh checksum.
 */
#include "tc_opus.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ogg/ogg.h>
#include <opus/opus.h>

#include "tc_mailbox.h"
#include "tc_vec.h"

#define FRAME_MS 20
#define HEAD_LEN 19           /* OpusHead, channel mapping family 0 */
#define HEAD_GAIN_AT 16       /* offset of the output gain in OpusHead */
#define OGG_HEADER_ONE_SEGMENT 28 /* page header with one lacing value */
#define MAX_PACKET 1500       /* bytes; 20 ms at 256 kbit/s is 640 */
#define STREAM_FIRST 16384    /* bytes: the stream's first room (about 4 s at 30 kbit/s) */

struct tc_opus {
	OpusEncoder *enc;
	ogg_stream_state os;
	bool os_ready;
	int rate, factor;          /* factor: 48000 / rate */
	int frame;                 /* samples per packet */
	int lookahead;             /* at rate */
	float *pending;            /* a frame being filled */
	int n_pending;
	unsigned long long n_in;   /* samples written */
	unsigned long long n_coded; /* samples coded, padding included */
	ogg_int64_t packetno;
	struct tc_vec ogg;         /* bytes: the Ogg stream so far */
	bool spent;
};

bool tc_opus_rate_ok(int rate)
{
	return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

void tc_opus_defaults(struct tc_opus_options *o)
{
	o->rate = 24000;
	o->bitrate = 30000;
	o->complexity = 0;
	o->serial = 0x746f6373; /* "tocs" */
}

static void put_le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put_le32(unsigned char *p, unsigned long v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

/* Move pages out of the stream: the full ones, or (flush) every packet held. */
static enum tc_rc pages_out(struct tc_opus *e, bool flush)
{
	ogg_page og;
	while (flush ? ogg_stream_flush(&e->os, &og) : ogg_stream_pageout(&e->os, &og)) {
		if (tc_vec_append(&e->ogg, og.header, (size_t)og.header_len) ||
		    tc_vec_append(&e->ogg, og.body, (size_t)og.body_len))
			return TC_ERR_NOMEM;
	}
	return TC_OK;
}

static enum tc_rc packet_in(struct tc_opus *e, unsigned char *data, long len, ogg_int64_t granule, bool last)
{
	ogg_packet op = {
		.packet = data, .bytes = len, .b_o_s = e->packetno == 0, .e_o_s = last,
		.granulepos = granule, .packetno = e->packetno++,
	};
	return ogg_stream_packetin(&e->os, &op) ? TC_ERR_INTERNAL : TC_OK;
}

/* Pages 0 and 1: OpusHead (gain 0 for now) and OpusTags, each flushed onto its own page. */
static enum tc_rc write_headers(struct tc_opus *e)
{
	unsigned char head[HEAD_LEN] = "OpusHead";
	head[8] = 1; /* version */
	head[9] = 1; /* channels */
	put_le16(head + 10, (unsigned)(e->lookahead * e->factor));
	put_le32(head + 12, (unsigned long)e->rate);
	put_le16(head + HEAD_GAIN_AT, 0);
	head[18] = 0; /* mapping family 0: mono or stereo */
	const char *vendor = opus_get_version_string();
	size_t vlen = strlen(vendor);
	unsigned char tags[8 + 4 + 128 + 4] = "OpusTags";
	vlen = vlen > 128 ? 128 : vlen;
	put_le32(tags + 8, (unsigned long)vlen);
	memcpy(tags + 12, vendor, vlen);
	put_le32(tags + 12 + vlen, 0); /* no user comments */
	enum tc_rc rc = packet_in(e, head, HEAD_LEN, 0, false);
	if (!rc)
		rc = pages_out(e, true);
	if (!rc && e->ogg.n != OGG_HEADER_ONE_SEGMENT + HEAD_LEN)
		rc = TC_ERR_INTERNAL;
	if (!rc)
		rc = packet_in(e, tags, (long)(16 + vlen), 0, false);
	if (!rc)
		rc = pages_out(e, true);
	return rc;
}

static bool options_ok(const struct tc_opus_options *o)
{
	return tc_opus_rate_ok(o->rate) && o->bitrate >= 6000 && o->bitrate <= 256000 && o->complexity >= 0 &&
	       o->complexity <= 10;
}

enum tc_rc tc_opus_new(const struct tc_opus_options *o, struct tc_opus **out, struct tc_diags *d)
{
	int err = OPUS_OK;
	enum tc_rc rc = TC_OK;
	*out = NULL;
	if (!options_ok(o)) {
		tc_err(d, "audio.opus-options", "",
		       "Opus needs 8, 12, 16, 24 or 48 kHz, 6..256 kbit/s and complexity 0..10 (got %d Hz, %d bit/s, %d)",
		       o->rate, o->bitrate, o->complexity);
		return TC_ERR_USAGE;
	}
	struct tc_opus *e = calloc(1, sizeof(*e));
	if (!e)
		return TC_ERR_NOMEM;
	tc_vec_init(&e->ogg, 1);
	e->rate = o->rate;
	e->factor = 48000 / o->rate;
	e->frame = o->rate / 1000 * FRAME_MS;
	e->pending = malloc((size_t)e->frame * sizeof(float));
	/* RESTRICTED_LOWDELAY is the MDCT mode alone: see tc_opus.h for why. */
	e->enc = opus_encoder_create(o->rate, 1, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &err);
	if (!e->pending || !e->enc || err != OPUS_OK) {
		rc = e->pending && err != OPUS_ALLOC_FAIL ? TC_ERR_INTERNAL : TC_ERR_NOMEM;
		if (rc == TC_ERR_INTERNAL)
			tc_err(d, "audio.opus", "", "the Opus encoder could not start: %s", opus_strerror(err));
		goto out;
	}
	if (opus_encoder_ctl(e->enc, OPUS_SET_BITRATE(o->bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY(o->complexity)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_GET_LOOKAHEAD(&e->lookahead)) != OPUS_OK) {
		rc = TC_ERR_INTERNAL;
		tc_err(d, "audio.opus", "", "the Opus encoder refused its settings");
		goto out;
	}
	if (ogg_stream_init(&e->os, (int)o->serial)) {
		rc = TC_ERR_NOMEM;
		goto out;
	}
	e->os_ready = true;
	rc = tc_vec_reserve(&e->ogg, STREAM_FIRST);
	if (!rc)
		rc = write_headers(e);
out:
	if (rc) {
		tc_opus_free(e);
		return rc;
	}
	*out = e;
	return TC_OK;
}

void tc_opus_free(struct tc_opus *e)
{
	if (!e)
		return;
	if (e->enc)
		opus_encoder_destroy(e->enc);
	if (e->os_ready)
		ogg_stream_clear(&e->os);
	free(e->pending);
	tc_vec_free(&e->ogg);
	free(e);
}

size_t tc_opus_samples(const struct tc_opus *e)
{
	return (size_t)e->n_in;
}

/*
 * Code the pending frame (full, or padded with zeros) as one packet. At the
 * end (tail) packets stay in the stream until the final flush; the last one
 * carries the stream's end granule.
 */
static enum tc_rc code_frame(struct tc_opus *e, bool tail, bool last, ogg_int64_t end_granule,
			     struct tc_diags *d)
{
	unsigned char packet[MAX_PACKET];
	if (e->n_pending < e->frame)
		memset(e->pending + e->n_pending, 0, (size_t)(e->frame - e->n_pending) * sizeof(float));
	opus_int32 len = opus_encode_float(e->enc, e->pending, e->frame, packet, sizeof(packet));
	if (len < 0) {
		tc_err(d, "audio.opus", "", "the Opus encoder failed: %s", opus_strerror(len));
		return TC_ERR_INTERNAL;
	}
	e->n_pending = 0;
	e->n_coded += (unsigned long long)e->frame;
	/* Samples a decoder has produced after this packet, pre-skip included. */
	ogg_int64_t granule = (ogg_int64_t)(e->n_coded * (unsigned long long)e->factor);
	enum tc_rc rc = packet_in(e, packet, len, last ? end_granule : granule, last);
	return rc || tail ? rc : pages_out(e, false);
}

enum tc_rc tc_opus_write(struct tc_opus *e, const float *s, size_t n, struct tc_diags *d)
{
	if (e->spent)
		return TC_ERR_USAGE;
	e->n_in += n;
	while (n) {
		size_t take = (size_t)(e->frame - e->n_pending);
		take = take < n ? take : n;
		memcpy(e->pending + e->n_pending, s, take * sizeof(float));
		e->n_pending += (int)take;
		s += take;
		n -= take;
		if (e->n_pending == e->frame) {
			enum tc_rc rc = code_frame(e, false, false, 0, d);
			if (rc)
				return rc;
		}
	}
	return TC_OK;
}

/* Rewrite OpusHead's output gain on page 0 and its checksum. */
static void set_gain(struct tc_opus *e, double gain_db)
{
	unsigned char *page = e->ogg.v;
	double q = round((gain_db < -128 ? -128 : gain_db > 127 ? 127 : gain_db) * 256); /* Q7.8 */
	put_le16(page + OGG_HEADER_ONE_SEGMENT + HEAD_GAIN_AT, (unsigned)((int)q & 0xffff));
	ogg_page og = {
		.header = page, .header_len = OGG_HEADER_ONE_SEGMENT,
		.body = page + OGG_HEADER_ONE_SEGMENT, .body_len = HEAD_LEN,
	};
	ogg_page_checksum_set(&og);
}

enum tc_rc tc_opus_finish(struct tc_opus *e, double gain_db, unsigned char **out, size_t *out_len,
			  struct tc_diags *d)
{
	enum tc_rc rc = e->spent ? TC_ERR_USAGE : pages_out(e, true); /* what came before the end */
	*out = NULL;
	*out_len = 0;
	e->spent = true;
	/* The end: the last input and the encoder's lookahead, coded as zeros. */
	ogg_int64_t end = (ogg_int64_t)((e->lookahead + e->n_in) * (unsigned long long)e->factor);
	while (!rc) {
		bool last = e->n_coded + (unsigned long long)e->frame >= e->n_in + (unsigned long long)e->lookahead;
		rc = code_frame(e, true, last, end, d);
		if (last)
			break;
	}
	if (!rc)
		rc = pages_out(e, true);
	if (rc)
		return rc;
	set_gain(e, gain_db);
	*out_len = e->ogg.n;
	*out = tc_vec_take(&e->ogg);
	return TC_OK;
}

/* --- tc_opus_pipe: the encoder on its own thread ------------------------------ */

enum { MAIL_SAMPLES = 1, MAIL_END };

struct tc_opus_pipe {
	struct tc_mailbox *box;
	struct tc_mail *end;       /* made at the start, so ending cannot fail */
	/* The posting thread's: samples gathered into fewer, larger mails (fewer wake-ups). */
	float *batch;
	size_t batch_n, batch_max;
	pthread_t thread;
	bool started;
	/* Owned by the pipe's thread until it is joined. */
	struct tc_resampler *rs;
	struct tc_opus *enc;
	struct tc_pcm at_rate;     /* resampled, waiting to be coded */
	double peak;
	enum tc_rc rc;
	struct tc_diags *diags;    /* the thread's own messages, copied out at the end */
};

static double chunk_peak(const struct tc_pcm *p, double peak)
{
	for (size_t i = 0; i < p->n; i++) {
		double v = fabs(p->s[i]);
		peak = v > peak ? v : peak;
	}
	return peak;
}

static enum tc_rc pipe_code(struct tc_opus_pipe *p, const float *s, size_t n, bool end)
{
	enum tc_rc rc = TC_OK;
	p->at_rate.n = 0;
	if (n)
		rc = tc_resampler_push(p->rs, s, n, &p->at_rate);
	if (!rc && end)
		rc = tc_resampler_flush(p->rs, &p->at_rate);
	if (rc)
		return rc;
	p->peak = chunk_peak(&p->at_rate, p->peak);
	return tc_opus_write(p->enc, p->at_rate.s, p->at_rate.n, p->diags);
}

static void *pipe_main(void *arg)
{
	struct tc_opus_pipe *p = arg;
	bool end = false;
	while (!end) {
		struct pollfd pfd = { .fd = tc_mailbox_fd(p->box), .events = POLLIN };
		if (poll(&pfd, 1, -1) < 0)
			continue; /* EINTR */
		struct tc_mail *m = tc_mailbox_take(p->box);
		while (m) {
			struct tc_mail *next = m->next;
			end = end || m->kind == MAIL_END;
			if (!p->rc && (m->kind == MAIL_END || m->len))
				p->rc = pipe_code(p, m->data, m->len / sizeof(float), m->kind == MAIL_END);
			tc_mail_free(m);
			m = next;
		}
	}
	return NULL;
}

void tc_opus_pipe_free(struct tc_opus_pipe *p)
{
	if (!p)
		return;
	if (p->started) {
		tc_mailbox_post(p->box, p->end);
		p->end = NULL;
		pthread_join(p->thread, NULL);
	}
	tc_mail_free(p->end);
	free(p->batch);
	tc_mailbox_free(p->box);
	tc_resampler_free(p->rs);
	tc_opus_free(p->enc);
	tc_pcm_release(&p->at_rate);
	tc_diags_free(p->diags);
	free(p);
}

enum tc_rc tc_opus_pipe_start(int in_rate, const struct tc_opus_options *o, struct tc_opus_pipe **out,
			      struct tc_diags *d)
{
	enum tc_rc rc;
	struct tc_opus_pipe *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (!p)
		return TC_ERR_NOMEM;
	rc = tc_resampler_new(in_rate, o->rate, &p->rs, d);
	if (!rc)
		rc = tc_opus_new(o, &p->enc, d);
	p->batch_max = (size_t)in_rate / 4; /* 250 ms */
	if (!rc && (!(p->box = tc_mailbox_new(0)) || !(p->diags = tc_diags_new()) ||
		    !(p->end = tc_mail_new(MAIL_END, NULL, NULL, 0)) ||
		    !(p->batch = malloc(p->batch_max * sizeof(float)))))
		rc = TC_ERR_NOMEM;
	if (!rc && pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
		tc_err(d, "audio.opus", "", "no thread for the Opus encoder");
		rc = TC_ERR_INTERNAL;
	}
	if (rc) {
		tc_opus_pipe_free(p);
		return rc;
	}
	p->started = true;
	*out = p;
	return TC_OK;
}

static enum tc_rc post_batch(struct tc_opus_pipe *p)
{
	enum tc_rc rc = TC_OK;
	if (p->batch_n)
		rc = tc_mailbox_post(p->box, tc_mail_new(MAIL_SAMPLES, NULL, p->batch, p->batch_n * sizeof(float)));
	p->batch_n = 0;
	return rc;
}

enum tc_rc tc_opus_pipe_post(struct tc_opus_pipe *p, const float *s, size_t n)
{
	while (n) {
		size_t take = p->batch_max - p->batch_n < n ? p->batch_max - p->batch_n : n;
		memcpy(p->batch + p->batch_n, s, take * sizeof(float));
		p->batch_n += take;
		s += take;
		n -= take;
		if (p->batch_n == p->batch_max && post_batch(p))
			return TC_ERR_NOMEM;
	}
	return TC_OK;
}

enum tc_rc tc_opus_pipe_finish(struct tc_opus_pipe *p, double peak, unsigned char **out, size_t *out_len,
			       unsigned *ms, struct tc_diags *d)
{
	*out = NULL;
	*out_len = 0;
	enum tc_rc lost = post_batch(p);
	tc_mailbox_post(p->box, p->end); /* a million mails fit: it takes it */
	p->end = NULL;
	pthread_join(p->thread, NULL);
	p->started = false;
	enum tc_rc rc = lost ? lost : p->rc;
	for (size_t i = 0; i < tc_diags_count(p->diags); i++) {
		const struct tc_diag *g = tc_diags_get(p->diags, i);
		tc_diags_add(d, g->sev, g->code, g->path, g->line, "%s", g->message);
	}
	double gain_db = p->peak > 0 ? 20 * log10(peak / p->peak) : 0;
	if (ms)
		*ms = (unsigned)(tc_opus_samples(p->enc) * 1000 / (size_t)p->enc->rate);
	if (!rc)
		rc = tc_opus_finish(p->enc, gain_db, out, out_len, d);
	tc_opus_pipe_free(p);
	return rc;
}

enum tc_rc tc_opus_encode(const struct tc_pcm *p, unsigned char **out, size_t *out_len, struct tc_diags *d)
{
	struct tc_opus_options o;
	struct tc_opus *e = NULL;
	*out = NULL;
	*out_len = 0;
	if (!tc_opus_rate_ok(p->rate)) {
		tc_err(d, "audio.opus-rate", "",
		       "Opus cannot carry %d Hz audio (only 8, 12, 16, 24 or 48 kHz); resample first", p->rate);
		return TC_ERR_INVALID;
	}
	tc_opus_defaults(&o);
	o.rate = p->rate;
	enum tc_rc rc = tc_opus_new(&o, &e, d);
	if (!rc)
		rc = tc_opus_write(e, p->s, p->n, d);
	if (!rc)
		rc = tc_opus_finish(e, 0, out, out_len, d);
	tc_opus_free(e);
	return rc;
}
