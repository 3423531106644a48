/*
 * rx_speaker.c — the loudspeaker's queue, audio fetch and playback (rx_speaker.h).
 */
#include "rx_speaker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx_programme.h"
#include "rx_queue.h"
#include "tc_log.h"
#include "tc_sign.h"
#include "tc_tts.h"

#define AUDIO_TRIES 3
#define SETTLE_MS 200   /* start playing once arrivals pause this long ... */
#define SETTLE_MAX_MS 3000 /* ... or the best has waited this long (a flood: the best of it plays first) */
#define CHECK_SILENCE_MS 100 /* the self-check plays this much digital silence */
#define CHECK_TIMEOUT_MS 5000 /* a device that has not played it by then has failed the check */
#define STR_(x) #x
#define STR(x) STR_(x)

enum item_state { I_FETCHING = 0, I_QUEUED, I_PLAYING };

struct item {
	struct tc_rx_alert *a;
	const struct tc_rx_info *info;
	enum item_state st;
	char audio_topic[TC_PROTO_MAX_TOPIC];
	unsigned char *audio;
	size_t audio_len;
	int tries;
	int64_t deadline_ms, queued_ms;
	uint64_t seq;
};

/* The way to shelter of one alert in one language, and its audio once fetched. */
#define GUIDES 32
struct guide {
	char alert_id[17];
	struct tc_cmd_guidance g;
	char topic[TC_PROTO_MAX_TOPIC];
	unsigned char *audio;
	size_t len;
	bool used;
};

struct rx_speaker {
	struct guide guides[GUIDES]; /* a ring: the oldest makes room */
	size_t next_guide;
	struct rx_core *core;
	const struct rx_config *cfg;
	struct rx_player *player;
	struct tc_tts *tts;
	struct rx_queue *q;
	struct item **fetching;
	size_t n_fetching;
	struct item *current;
	unsigned long tag;
	int64_t last_take_ms;
	unsigned test_tone_s;
	bool test_playing;
	char audio_error[64]; /* the device's error at its last use, "" when it played */
	bool checking;        /* a device check is with the player */
	int64_t check_deadline_ms;
	char check[64];       /* the self-check's answer once known, "" while none is */
	struct tc_diags *d;
};

static void item_free(struct item *it)
{
	if (!it)
		return;
	tc_rx_alert_free(it->a);
	free(it->audio);
	free(it);
}

/* --- the queue --------------------------------------------------------------------- */

static void fail(struct rx_speaker *s, struct item *it, const char *reason)
{
	if (!strcmp(reason, "queue-full"))
		rx_core_fail_for_now(s->core, it->a->id, reason); /* a re-send may find room */
	else
		rx_core_ack(s->core, it->a->id, TC_ACK_FAILED, reason);
	item_free(it);
}

static void enqueue(struct rx_speaker *s, struct item *it, int64_t now)
{
	struct rx_queue_item qi = { .priority = it->a->priority, .seq = it->seq, .data = it }, ev;
	it->st = I_QUEUED;
	it->queued_ms = now;
	if (rx_queue_push(s->q, &qi, &ev)) {
		struct item *gone = ev.data;
		tc_log(TC_LOG_WARN, "queue", "alert=%s priority=%d dropped: the queue holds %zu better ones", gone->a->id,
		       gone->a->priority, rx_queue_count(s->q));
		fail(s, gone, "queue-full");
	}
}

static void take(void *ctx, struct tc_rx_alert *a, bool restored)
{
	struct rx_speaker *s = ctx;
	int64_t now = rx_now_ms();
	struct item *it = calloc(1, sizeof(*it));
	if (!it) {
		rx_core_ack(s->core, a->id, TC_ACK_FAILED, "out-of-memory");
		tc_rx_alert_free(a);
		return;
	}
	it->a = a;
	it->info = tc_rx_alert_info(a, s->cfg->lang);
	it->seq = rx_queue_next_seq(s->q);
	s->last_take_ms = now;
	bool audio = it->info && it->info->audio_id && it->info->audio_id[0];
	if (!audio) {
		enqueue(s, it, now);
		return;
	}
	if (s->n_fetching >= rx_queue_cap(s->q) ||
	    tc_proto_topic(it->audio_topic, sizeof(it->audio_topic), s->cfg->prefix, TC_TOPIC_AUDIO, it->info->audio_id,
			   NULL)) {
		fail(s, it, s->n_fetching >= rx_queue_cap(s->q) ? "queue-full" : "audio-unavailable");
		return;
	}
	it->st = I_FETCHING;
	it->deadline_ms = now + s->cfg->audio_timeout_s * 1000;
	s->fetching[s->n_fetching++] = it;
	rx_core_subscribe(s->core, it->audio_topic);
}

static void unfetch(struct rx_speaker *s, size_t i)
{
	struct item *it = s->fetching[i];
	s->fetching[i] = s->fetching[--s->n_fetching];
	bool shared = false;
	for (size_t j = 0; j < s->n_fetching && !shared; j++)
		shared = !strcmp(s->fetching[j]->audio_topic, it->audio_topic);
	if (!shared)
		rx_core_unsubscribe(s->core, it->audio_topic);
}

static void clear(void *ctx, const char *id)
{
	struct rx_speaker *s = ctx;
	if (s->current && !strcmp(s->current->a->id, id)) {
		rx_player_stop(s->player);
		tc_log(TC_LOG_INFO, "play", "alert=%s stopped at %.1f s", id, rx_player_position(s->player));
		item_free(s->current);
		s->current = NULL;
		return;
	}
	for (size_t i = 0; i < rx_queue_count(s->q); i++) {
		struct item *it = rx_queue_at(s->q, i)->data;
		if (!strcmp(it->a->id, id)) {
			rx_queue_remove(s->q, it);
			item_free(it);
			return;
		}
	}
	for (size_t i = 0; i < s->n_fetching; i++)
		if (!strcmp(s->fetching[i]->a->id, id)) {
			struct item *it = s->fetching[i];
			unfetch(s, i);
			item_free(it);
			return;
		}
}

/* --- the way to shelter ------------------------------------------------------------ */

static void guide_drop(struct rx_speaker *s, struct guide *g)
{
	if (g->used && !g->audio)
		rx_core_unsubscribe(s->core, g->topic);
	free(g->audio);
	memset(g, 0, sizeof(*g));
}

/* The guide kept for alert id in lang, or NULL. */
static struct guide *guide_of(struct rx_speaker *s, const char *id, const char *lang)
{
	for (size_t i = 0; i < GUIDES; i++)
		if (s->guides[i].used && !strcmp(s->guides[i].alert_id, id) && !strcmp(s->guides[i].g.lang, lang))
			return &s->guides[i];
	return NULL;
}

/*
 * A guidance command: each entry kept with its alert and its audio fetched like message audio.
 * A later command for the same alert and language (a re-send, the copy read back after a restart)
 * replaces the entry; audio already fetched for the same id is kept.
 */
static void guidance(void *ctx, const struct tc_cmd *cmd)
{
	struct rx_speaker *s = ctx;
	for (size_t i = 0; i < cmd->n_guidance; i++) {
		struct guide *g = guide_of(s, cmd->alert_id, cmd->guidance[i].lang);
		if (g && g->audio && !strcmp(g->g.audio_id, cmd->guidance[i].audio_id))
			continue;
		if (!g) {
			g = &s->guides[s->next_guide];
			s->next_guide = (s->next_guide + 1) % GUIDES;
		}
		guide_drop(s, g);
		snprintf(g->alert_id, sizeof(g->alert_id), "%s", cmd->alert_id);
		g->g = cmd->guidance[i];
		if (tc_proto_topic(g->topic, sizeof(g->topic), s->cfg->prefix, TC_TOPIC_AUDIO, g->g.audio_id, NULL))
			continue;
		g->used = true;
		rx_core_subscribe(s->core, g->topic);
	}
}

/* Guidance audio arrived: kept for every guide that waits for it when its length and digest match. */
static void guidance_audio(struct rx_speaker *s, const char *audio_id, const void *msg, size_t len, const char *sha)
{
	for (size_t i = 0; i < GUIDES; i++) {
		struct guide *g = &s->guides[i];
		if (!g->used || g->audio || strcmp(g->g.audio_id, audio_id))
			continue;
		rx_core_unsubscribe(s->core, g->topic);
		if (len != g->g.length || strcmp(sha, g->g.sha256)) {
			tc_log(TC_LOG_WARN, "guidance", "alert=%s audio=%s digest or length differs from the signed command; "
			       "not played", g->alert_id, audio_id);
			g->used = false;
			continue;
		}
		if ((g->audio = malloc(len))) {
			memcpy(g->audio, msg, len);
			g->len = len;
			tc_log(TC_LOG_INFO, "guidance", "alert=%s audio=%s fetched (%zu bytes)", g->alert_id, audio_id, len);
		}
	}
}

/* The guidance of alert id in lang (any language when lang is NULL) whose audio is here; NULL when none. */
static const struct guide *guide_for(const struct rx_speaker *s, const char *id, const char *lang, bool *waiting)
{
	*waiting = false;
	for (size_t i = 0; i < GUIDES; i++) {
		const struct guide *g = &s->guides[i];
		if (!g->used || strcmp(g->alert_id, id) || (lang && strcmp(g->g.lang, lang)))
			continue;
		if (g->audio)
			return g;
		*waiting = true;
	}
	return NULL;
}

/* --- audio ------------------------------------------------------------------------- */

static void audio(void *ctx, const char *audio_id, const void *msg, size_t len)
{
	struct rx_speaker *s = ctx;
	char sha[65];
	if (!len)
		return; /* cleared retained audio: the fetch times out and is tried again */
	tc_sign_sha256_hex(msg, len, sha);
	if (!strncmp(audio_id, "g-", 2)) {
		guidance_audio(s, audio_id, msg, len, sha);
		return;
	}
	for (size_t i = 0; i < s->n_fetching;) {
		struct item *it = s->fetching[i];
		if (strcmp(it->info->audio_id, audio_id)) {
			i++;
			continue;
		}
		unfetch(s, i);
		if (len != it->info->audio_length || strcmp(sha, it->info->audio_sha256)) {
			tc_log(TC_LOG_WARN, "audio", "alert=%s audio=%s digest or length differs from the signed payload",
			       it->a->id, audio_id);
			fail(s, it, "digest-mismatch");
			continue;
		}
		if (!(it->audio = malloc(len))) {
			fail(s, it, "out-of-memory");
			continue;
		}
		memcpy(it->audio, msg, len);
		it->audio_len = len;
		enqueue(s, it, rx_now_ms());
	}
}

static void fetch_timeouts(struct rx_speaker *s, int64_t now)
{
	for (size_t i = 0; i < s->n_fetching;) {
		struct item *it = s->fetching[i];
		if (now < it->deadline_ms) {
			i++;
			continue;
		}
		if (++it->tries >= AUDIO_TRIES) {
			unfetch(s, i);
			fail(s, it, "audio-unavailable");
			continue;
		}
		tc_log(TC_LOG_WARN, "audio", "alert=%s audio not there yet: asking again (%d of %d)", it->a->id,
		       it->tries + 1, AUDIO_TRIES);
		rx_core_unsubscribe(s->core, it->audio_topic);
		rx_core_subscribe(s->core, it->audio_topic);
		it->deadline_ms = now + s->cfg->audio_timeout_s * 1000;
		i++;
	}
}

/* --- playing ----------------------------------------------------------------------- */

static bool is_zh(const char *lang)
{
	return lang && (lang[0] == 'z' || lang[0] == 'Z') && (lang[1] == 'h' || lang[1] == 'H');
}

static void speak(struct rx_speaker *s, const char *lang, const char *text, struct tc_pcm *out)
{
	char voice[64];
	if (!s->tts || !text || !*text)
		return;
	tc_diags_clear(s->d);
	if (tc_tts_speak(s->tts, tc_tts_voice_for(lang ? lang : "zh-CN", voice, sizeof(voice)), text, 0, out, s->d)) {
		tc_log(TC_LOG_WARN, "tts", "cannot speak: %s",
		       tc_diags_count(s->d) ? tc_diags_get(s->d, 0)->message : "espeak-ng failed");
		tc_pcm_release(out);
	}
}

/* The message of it: its audio decoded, else its headline and instruction spoken. */
static enum tc_rc message_of(struct rx_speaker *s, const struct item *it, struct tc_pcm *msg)
{
	*msg = (struct tc_pcm){ 0 };
	if (it->audio) {
		tc_diags_clear(s->d);
		return tc_audio_decode(it->audio, it->audio_len, msg, s->d);
	}
	if (it->info) {
		char text[2048];
		snprintf(text, sizeof(text), "%s%s%s", it->info->headline ? it->info->headline : "",
			 is_zh(it->info->lang) ? "。" : ". ", it->info->instruction ? it->info->instruction : "");
		speak(s, it->info->lang, text, msg);
	}
	return TC_OK;
}

static bool start(struct rx_speaker *s, struct item *it)
{
	struct tc_pcm msg = { 0 }, notice = { 0 }, prog = { 0 };
	if (message_of(s, it, &msg)) {
		tc_log(TC_LOG_WARN, "play", "alert=%s audio cannot be decoded", it->a->id);
		fail(s, it, "audio-undecodable");
		return false;
	}
	if (it->a->drill && s->cfg->speak_drill)
		speak(s, it->info ? it->info->lang : "zh-CN",
		      is_zh(it->info ? it->info->lang : "zh") ? "这是演习。" : "This is a drill.", &notice);
	long rep = it->a->repeats < 1 ? 1 : it->a->repeats > s->cfg->max_repeats ? s->cfg->max_repeats : it->a->repeats;
	struct tc_pcm guide = { 0 };
	bool waiting = false;
	const struct guide *g = guide_for(s, it->a->id, it->info ? it->info->lang : NULL, &waiting);
	if (g && tc_audio_decode(g->audio, g->len, &guide, s->d)) {
		tc_log(TC_LOG_WARN, "guidance", "alert=%s audio=%s cannot be decoded; played without it", it->a->id,
		       g->g.audio_id);
		g = NULL;
	} else if (!g && waiting) {
		tc_log(TC_LOG_WARN, "guidance", "alert=%s its guidance audio is not here yet; played without it", it->a->id);
	}
	struct rx_programme_parts parts = { .rate = (int)s->cfg->sample_rate, .tone_ms = (unsigned)s->cfg->tone_ms,
					    .gap_ms = (unsigned)s->cfg->gap_ms, .repeats = (unsigned)rep,
					    .message = &msg, .notice = notice.n ? &notice : NULL,
					    .guidance = guide.n ? &guide : NULL };
	const char *guided = g && guide.n ? g->g.audio_id : NULL;
	tc_diags_clear(s->d);
	enum tc_rc rc = rx_programme_build(&parts, &prog, s->d);
	double secs = prog.rate ? (double)prog.n / prog.rate : 0;
	if (!rc)
		rc = rx_player_start(s->player, &prog, ++s->tag);
	tc_pcm_release(&msg);
	tc_pcm_release(&notice);
	tc_pcm_release(&guide);
	tc_pcm_release(&prog);
	if (rc) {
		snprintf(s->audio_error, sizeof(s->audio_error), "player: %s", tc_rc_name(rc));
		fail(s, it, "audio-device");
		return false;
	}
	it->st = I_PLAYING;
	s->current = it;
	tc_log(TC_LOG_INFO, "play", "alert=%s priority=%d playing %.1f s (%ld x message%s%s%s)", it->a->id,
	       it->a->priority, secs, rep, it->a->drill ? ", drill" : "", guided ? ", guidance " : "",
	       guided ? guided : "");
	rx_core_ack(s->core, it->a->id, TC_ACK_PLAYING, NULL);
	return true;
}

/*
 * The device check's answer: "ok" (why NULL) or the device's error, kept as the error at its last
 * use too. Under 64 bytes, as the self-check's audio field must be.
 */
static void check_answer(struct rx_speaker *s, const char *why)
{
	s->checking = false;
	if (!why) {
		s->audio_error[0] = '\0';
		snprintf(s->check, sizeof(s->check), "ok");
		return;
	}
	snprintf(s->audio_error, sizeof(s->audio_error), "device: %.55s", why);
	snprintf(s->check, sizeof(s->check), "%s", s->audio_error);
	tc_log(TC_LOG_ERROR, "check", "audio device check failed: %s", why);
}

static void settle_player(struct rx_speaker *s)
{
	unsigned long tag;
	char err[256];
	enum rx_play_state st = rx_player_poll(s->player, &tag, err, sizeof(err));
	if (st == RX_PLAY_PLAYING || st == RX_PLAY_IDLE)
		return;
	if (tag == RX_PLAYER_CHECK_TAG) {
		if (s->checking)
			check_answer(s, st == RX_PLAY_DONE ? NULL : err[0] ? err : rx_play_state_name(st));
		return;
	}
	if (s->test_playing && tag == 0) {
		s->test_playing = false;
		tc_log(TC_LOG_INFO, "play", "test tone %s%s%s", rx_play_state_name(st), err[0] ? ": " : "", err);
		return;
	}
	if (!s->current || tag != s->tag || st == RX_PLAY_STOPPED)
		return;
	struct item *it = s->current;
	s->current = NULL;
	if (st == RX_PLAY_DONE) {
		s->audio_error[0] = '\0';
		rx_core_ack(s->core, it->a->id, TC_ACK_PLAYED, NULL);
		item_free(it);
	} else {
		tc_log(TC_LOG_ERROR, "play", "alert=%s audio device error: %s", it->a->id, err);
		snprintf(s->audio_error, sizeof(s->audio_error), "device: %.50s", err);
		fail(s, it, "audio-device");
	}
}

static void maybe_interrupt(struct rx_speaker *s, int64_t now)
{
	struct rx_queue_item best;
	if (!s->current || !rx_queue_peek(s->q, &best) || best.priority <= s->current->a->priority)
		return;
	struct item *it = s->current;
	rx_player_stop(s->player);
	tc_log(TC_LOG_INFO, "play", "alert=%s priority=%d interrupted at %.1f s by priority %d; queued again", it->a->id,
	       it->a->priority, rx_player_position(s->player), best.priority);
	s->current = NULL;
	enqueue(s, it, now);
}

static void tick(void *ctx, int64_t now)
{
	struct rx_speaker *s = ctx;
	struct rx_queue_item best;
	fetch_timeouts(s, now);
	settle_player(s);
	if (s->checking && now >= s->check_deadline_ms)
		check_answer(s, "no answer in " STR(CHECK_TIMEOUT_MS) " ms");
	if (s->checking)
		return; /* a few tens of milliseconds: what is queued waits for the device */
	maybe_interrupt(s, now);
	if (s->test_playing && rx_queue_count(s->q)) { /* an alert goes before an installer's test */
		rx_player_stop(s->player);
		s->test_playing = false;
		tc_log(TC_LOG_INFO, "play", "test tone stopped: an alert is waiting");
	}
	if (s->current || s->test_playing)
		return;
	if (s->test_tone_s) {
		struct tc_pcm tone;
		if (!rx_programme_tone((int)s->cfg->sample_rate, s->test_tone_s * 1000, &tone) &&
		    !rx_player_start(s->player, &tone, 0))
			s->test_playing = true;
		tc_pcm_release(&tone);
		tc_log(TC_LOG_INFO, "play", "test tone %u s", s->test_tone_s);
		s->test_tone_s = 0;
		return;
	}
	while (rx_queue_peek(s->q, &best)) {
		const struct item *b = best.data;
		if (now - s->last_take_ms < SETTLE_MS && now - b->queued_ms < SETTLE_MAX_MS)
			return;
		rx_queue_pop(s->q, &best);
		if (start(s, best.data))
			return;
	}
}

static void test_tone(void *ctx, unsigned seconds)
{
	struct rx_speaker *s = ctx;
	if (s->current)
		tc_log(TC_LOG_WARN, "cmd", "test tone refused: alert=%s is playing", s->current->a->id);
	else
		s->test_tone_s = seconds;
}

/* --- life cycle -------------------------------------------------------------------- */

enum tc_rc rx_speaker_new(struct rx_core *core, struct rx_player *player, struct tc_tts *tts,
			  struct rx_speaker **out, struct tc_diags *d)
{
	struct rx_speaker *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return TC_ERR_NOMEM;
	s->core = core;
	s->cfg = rx_core_config(core);
	s->player = player;
	s->tts = tts;
	s->q = rx_queue_new((size_t)s->cfg->queue_size);
	s->fetching = calloc((size_t)s->cfg->queue_size, sizeof(*s->fetching));
	s->d = tc_diags_new();
	if (!s->q || !s->fetching || !s->d) {
		rx_speaker_free(s);
		return TC_ERR_NOMEM;
	}
	*out = s;
	return TC_OK;
}

void rx_speaker_free(struct rx_speaker *s)
{
	if (!s)
		return;
	if (s->current)
		rx_player_stop(s->player);
	item_free(s->current);
	struct rx_queue_item qi;
	while (s->q && rx_queue_pop(s->q, &qi))
		item_free(qi.data);
	for (size_t i = 0; i < s->n_fetching; i++)
		item_free(s->fetching[i]);
	for (size_t i = 0; i < GUIDES; i++)
		free(s->guides[i].audio);
	rx_queue_free(s->q);
	free(s->fetching);
	tc_diags_free(s->d);
	free(s);
}

/*
 * The self-check's audio (rx_core.h, docs/protocol.md "Self-check"). While a programme or the
 * test tone plays, the device is evidently working: "ok" at once, nothing is interrupted.
 * Otherwise the player checks the device (rx_player_check: open, a short digital silence, close),
 * answered within CHECK_TIMEOUT_MS. A check under way answers every Test that asks meanwhile.
 */
static void audio_check_begin(void *ctx)
{
	struct rx_speaker *s = ctx;
	if (s->checking)
		return;
	s->check[0] = '\0';
	settle_player(s); /* a programme that just ended is reported before the player is asked */
	if (s->current || s->test_playing) {
		snprintf(s->check, sizeof(s->check), "ok");
		return;
	}
	if (rx_player_check(s->player, CHECK_SILENCE_MS)) { /* still busy with a check that had no answer */
		snprintf(s->check, sizeof(s->check), "%s", s->audio_error[0] ? s->audio_error : "device: busy");
		return;
	}
	s->checking = true;
	s->check_deadline_ms = rx_now_ms() + CHECK_TIMEOUT_MS;
}

static bool audio_check_done(void *ctx, char *why, size_t len)
{
	struct rx_speaker *s = ctx;
	if (!s->check[0])
		return false;
	snprintf(why, len, "%s", s->check);
	return true;
}

struct rx_output rx_speaker_output(struct rx_speaker *s)
{
	return (struct rx_output){ .ctx = s, .take = take, .clear = clear, .audio = audio, .test_tone = test_tone,
				   .guidance = guidance, .tick = tick, .audio_check_begin = audio_check_begin,
				   .audio_check_done = audio_check_done };
}
