/*
 * sim_proto.c — the simulated receivers' protocol logic (sim_proto.h).
 */
#include "sim_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "tc_proto.h"

#define REASON_MAX 40
#define AUDIO_TRIES 3
#define CMD_MAX_AGE_S 86400 /* as long as a session keeps messages for a receiver away */

enum seen_state {
	S_WAIT_AUDIO = 0, /* received acked; waiting for the audio message */
	S_PLAYING,        /* playing acked; the played timer is set */
	S_ACTIVE,         /* played or displayed: on air / on screen until cleared */
	S_DONE,           /* final: cleared, rejected or failed */
};

/* One alert id in one receiver's seen-list. */
struct seen {
	char id[17];
	uint8_t state;
	int8_t final; /* enum tc_ack_kind of the final acknowledgment, -1 while in progress */
	uint32_t gen; /* bumped when the entry leaves an active state, so stale timers and waiters do nothing */
	int64_t expires_at;
	char reason[REASON_MAX];
};

struct rx_state {
	struct seen *seen;
	size_t n_seen, cap_seen;
	char (*nonces)[17];
	size_t n_nonces, cap_nonces;
};

/* A receiver waiting for an audio message, with what its own payload says the audio is. */
struct waiter {
	uint32_t rx, slot, gen;
	size_t length;
	char sha256[65];
};

enum audio_state { A_FETCHING = 0, A_READY, A_UNAVAILABLE };

/* One audio id, fetched once per process and shared. */
struct audio {
	char *id;
	enum audio_state state;
	char sha256[65];
	size_t length;
	size_t fetcher; /* the receiver whose connection subscribed */
	unsigned tries;
	uint32_t gen;
	struct waiter *w;
	size_t n_w, cap_w;
};

enum timer_kind { T_PLAYED = 0, T_EXPIRE, T_AUDIO };

struct timer {
	int64_t due;
	uint32_t rx, slot, gen; /* T_AUDIO: rx is the audio index */
	uint8_t kind;
};

struct alert_count {
	char id[17];
	unsigned long acks[TC_ACK_N_KINDS];
};

struct reason_count {
	char reason[REASON_MAX];
	unsigned long n;
};

/*
 * The same sealed bytes reach every receiver of a region. Their verdict
 * depends only on the bytes and the key, so one process verifies and parses
 * each distinct message once and every virtual receiver applies its own
 * rules (expiry, seen-list) to the result: the simulator stands for N
 * devices that each verify on their own processor, and its one core is not
 * what is measured. --verify-each turns this off.
 */
#define VERDICTS 16

struct verdict {
	unsigned char *bytes; /* the sealed message, NULL for an empty slot */
	size_t len;
	enum tc_verify v;
	size_t body_off, body_len;
	bool is_cmd;
	int parsed;               /* 0 not yet, 1 alert, -1 another version, -2 malformed */
	struct tc_rx_alert *alert; /* when parsed == 1 */
};

struct sim_proto {
	struct sim_proto_options o;
	struct verdict verdicts[VERDICTS];
	size_t next_verdict;
	const struct sim_identity *ids;
	const bool *silent;
	size_t n;
	struct sim_io io;
	struct rx_state *rx;
	struct audio *audio;
	size_t n_audio, cap_audio;
	struct timer *heap;
	size_t n_heap, cap_heap;
	struct alert_count *alerts;
	size_t n_alerts, cap_alerts;
	struct reason_count *reasons;
	size_t n_reasons, cap_reasons;
	unsigned long messages, acks[TC_ACK_N_KINDS], drills, test_tones, cancel_cmds, replays, resent, audio_fetches;
	bool first_alert;
	struct tc_diags *d;
};

/* Make room for one more element in *arr (elem bytes each); false when out of memory. */
static bool grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	void **p = arr;
	if (n < *cap)
		return true;
	size_t c = *cap ? 2 * *cap : 4;
	void *g = realloc(*p, c * elem);
	if (!g)
		return false;
	*p = g;
	*cap = c;
	return true;
}

static bool is_alert_id(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

/* --- timers: a binary min-heap on due time ---------------------------------------- */

static void timer_push(struct sim_proto *p, int64_t due, uint32_t rx, uint32_t slot, uint32_t gen, uint8_t kind)
{
	if (!grow(&p->heap, &p->cap_heap, p->n_heap, sizeof(*p->heap)))
		return; /* out of memory: the timer is lost, the alert stays in progress */
	size_t i = p->n_heap++;
	struct timer t = { .due = due, .rx = rx, .slot = slot, .gen = gen, .kind = kind };
	while (i && p->heap[(i - 1) / 2].due > t.due) {
		p->heap[i] = p->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	p->heap[i] = t;
}

static struct timer timer_pop(struct sim_proto *p)
{
	struct timer top = p->heap[0], last = p->heap[--p->n_heap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= p->n_heap)
			break;
		if (c + 1 < p->n_heap && p->heap[c + 1].due < p->heap[c].due)
			c++;
		if (p->heap[c].due >= last.due)
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (p->n_heap)
		p->heap[i] = last;
	return top;
}

int64_t sim_proto_next_due(const struct sim_proto *p)
{
	return p->n_heap ? p->heap[0].due : -1;
}

/* --- counts ------------------------------------------------------------------------ */

static struct alert_count *alert_count(struct sim_proto *p, const char *id)
{
	for (size_t i = p->n_alerts; i-- > 0;)
		if (!strcmp(p->alerts[i].id, id))
			return &p->alerts[i];
	if (!grow(&p->alerts, &p->cap_alerts, p->n_alerts, sizeof(*p->alerts)))
		return NULL;
	struct alert_count *a = &p->alerts[p->n_alerts++];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	return a;
}

static void count_reason(struct sim_proto *p, const char *reason)
{
	for (size_t i = 0; i < p->n_reasons; i++)
		if (!strcmp(p->reasons[i].reason, reason)) {
			p->reasons[i].n++;
			return;
		}
	if (!grow(&p->reasons, &p->cap_reasons, p->n_reasons, sizeof(*p->reasons)))
		return;
	struct reason_count *r = &p->reasons[p->n_reasons++];
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->n = 1;
}

/* --- acknowledgments --------------------------------------------------------------- */

/*
 * Publish one acknowledgment. Every one counts in acks; a first one (not a
 * repeat of a final ack) also counts in the alert's row, so the row says how
 * many receivers did what.
 */
static void send_ack(struct sim_proto *p, size_t rx, const char *alert_id, enum tc_ack_kind kind, const char *reason,
		     bool repeat)
{
	char topic[TC_PROTO_MAX_TOPIC], buf[512];
	if (p->silent[rx])
		return;
	struct tc_ack a = { .kind = kind, .at = (int64_t)time(NULL) };
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", alert_id);
	snprintf(a.reason, sizeof(a.reason), "%s", reason ? reason : "");
	size_t len = tc_ack_encode(&a, buf, sizeof(buf));
	if (!len || tc_proto_topic(topic, sizeof(topic), p->o.prefix, TC_TOPIC_RX_ACK, p->ids[rx].id, NULL))
		return;
	p->io.publish(p->io.ctx, rx, topic, buf, len, tc_ack_qos(kind));
	p->acks[kind]++;
	struct alert_count *c = repeat ? NULL : alert_count(p, alert_id);
	if (c)
		c->acks[kind]++;
	if (p->o.verbose > 1)
		fprintf(stderr, "tocsin-sim: rx=%s alert=%s ack=%s%s%s%s\n", p->ids[rx].id, alert_id,
			tc_ack_kind_name(kind), reason ? " reason=" : "", reason ? reason : "", repeat ? " (repeated)" : "");
}

static void ack(struct sim_proto *p, size_t rx, const char *alert_id, enum tc_ack_kind kind, const char *reason)
{
	send_ack(p, rx, alert_id, kind, reason, false);
}

/* A refused message: counted by reason; acknowledged when the alert id is known. */
static void reject(struct sim_proto *p, size_t rx, const char *alert_id, const char *reason)
{
	count_reason(p, reason);
	if (p->o.verbose)
		fprintf(stderr, "tocsin-sim: rx=%s alert=%s rejected: %s\n", p->ids[rx].id,
			alert_id ? alert_id : "(unknown)", reason);
	if (alert_id)
		ack(p, rx, alert_id, TC_ACK_REJECTED, reason);
}

/* --- the seen-list ----------------------------------------------------------------- */

static struct seen *seen_find(struct sim_proto *p, size_t rx, const char *id, size_t *slot)
{
	struct rx_state *r = &p->rx[rx];
	for (size_t i = 0; i < r->n_seen; i++)
		if (!strcmp(r->seen[i].id, id)) {
			if (slot)
				*slot = i;
			return &r->seen[i];
		}
	return NULL;
}

static struct seen *seen_add(struct sim_proto *p, size_t rx, const char *id, enum seen_state st, size_t *slot)
{
	struct rx_state *r = &p->rx[rx];
	if (!grow(&r->seen, &r->cap_seen, r->n_seen, sizeof(*r->seen)))
		return NULL;
	struct seen *s = &r->seen[r->n_seen];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->state = (uint8_t)st;
	s->final = -1;
	if (slot)
		*slot = r->n_seen;
	r->n_seen++;
	return s;
}

static bool seen_active(const struct seen *s)
{
	return s->state != S_DONE;
}

/* Make s final with kind (and reason) and acknowledge it. */
static void finish(struct sim_proto *p, size_t rx, struct seen *s, enum tc_ack_kind kind, const char *reason)
{
	s->state = S_DONE;
	s->final = (int8_t)kind;
	s->gen++;
	snprintf(s->reason, sizeof(s->reason), "%s", reason ? reason : "");
	ack(p, rx, s->id, kind, reason);
}

/*
 * Stop and clear alert id on receiver rx. An active alert is acked cleared;
 * one never seen is remembered as cleared so a late copy is not played.
 * always_ack: acknowledge cleared even when it was not active (a cancel command).
 */
static void clear_alert(struct sim_proto *p, size_t rx, const char *id, bool always_ack)
{
	struct seen *s = seen_find(p, rx, id, NULL);
	if (s && seen_active(s)) {
		finish(p, rx, s, TC_ACK_CLEARED, NULL);
		return;
	}
	bool again = s && s->final == TC_ACK_CLEARED;
	if (!s && (s = seen_add(p, rx, id, S_DONE, NULL)) != NULL)
		s->final = TC_ACK_CLEARED;
	if (always_ack)
		send_ack(p, rx, id, TC_ACK_CLEARED, NULL, again);
}

/* --- playing ----------------------------------------------------------------------- */

static void start_playing(struct sim_proto *p, size_t rx, size_t slot, int64_t now_ms)
{
	struct seen *s = &p->rx[rx].seen[slot];
	s->state = S_PLAYING;
	if (p->ids[rx].kind == SIM_LOUDSPEAKER) /* a display shows, it does not play: displayed only */
		ack(p, rx, s->id, TC_ACK_PLAYING, NULL);
	timer_push(p, now_ms + p->o.delay_ms, (uint32_t)rx, (uint32_t)slot, s->gen, T_PLAYED);
}

static void played(struct sim_proto *p, const struct timer *t)
{
	struct seen *s = &p->rx[t->rx].seen[t->slot];
	if (s->state != S_PLAYING || s->gen != t->gen)
		return;
	s->state = S_ACTIVE;
	s->final = p->ids[t->rx].kind == SIM_SIGNAGE ? TC_ACK_DISPLAYED : TC_ACK_PLAYED;
	ack(p, t->rx, s->id, (enum tc_ack_kind)s->final, NULL);
}

static void expire(struct sim_proto *p, const struct timer *t)
{
	struct seen *s = &p->rx[t->rx].seen[t->slot];
	if (seen_active(s) && s->expires_at && s->expires_at <= (int64_t)time(NULL))
		finish(p, t->rx, s, TC_ACK_CLEARED, "expired");
}

/* --- audio ------------------------------------------------------------------------- */

static struct audio *audio_find(struct sim_proto *p, const char *id)
{
	for (size_t i = 0; i < p->n_audio; i++)
		if (!strcmp(p->audio[i].id, id))
			return &p->audio[i];
	return NULL;
}

static void audio_topic(const struct sim_proto *p, const struct audio *a, char *topic, size_t len)
{
	if (tc_proto_topic(topic, len, p->o.prefix, TC_TOPIC_AUDIO, a->id, NULL))
		topic[0] = '\0';
}

static void fetch(struct sim_proto *p, struct audio *a, size_t rx, int64_t now_ms)
{
	char topic[TC_PROTO_MAX_TOPIC];
	audio_topic(p, a, topic, sizeof(topic));
	a->state = A_FETCHING;
	a->fetcher = rx;
	a->gen++;
	p->audio_fetches++;
	if (p->o.verbose)
		fprintf(stderr, "tocsin-sim: rx=%s fetching %s (attempt %u)\n", p->ids[rx].id, topic, a->tries + 1);
	if (topic[0])
		p->io.subscribe(p->io.ctx, rx, topic);
	timer_push(p, now_ms + p->o.audio_timeout_ms, (uint32_t)(a - p->audio), 0, a->gen, T_AUDIO);
}

/* Receiver w's verdict on the audio a now describes. */
static void audio_verdict(struct sim_proto *p, const struct audio *a, const struct waiter *w, int64_t now_ms)
{
	struct seen *s = &p->rx[w->rx].seen[w->slot];
	if (s->state != S_WAIT_AUDIO || s->gen != w->gen)
		return; /* cleared while it waited */
	if (a->state != A_READY)
		finish(p, w->rx, s, TC_ACK_FAILED, "audio-unavailable");
	else if (strcmp(a->sha256, w->sha256) || a->length != w->length)
		finish(p, w->rx, s, TC_ACK_FAILED, "digest-mismatch");
	else
		start_playing(p, w->rx, w->slot, now_ms);
}

static void audio_settle(struct sim_proto *p, struct audio *a, int64_t now_ms)
{
	for (size_t i = 0; i < a->n_w; i++)
		audio_verdict(p, a, &a->w[i], now_ms);
	a->n_w = 0;
}

static void need_audio(struct sim_proto *p, size_t rx, size_t slot, const struct tc_rx_info *in, int64_t now_ms)
{
	struct audio *a = audio_find(p, in->audio_id);
	if (!a) {
		if (!grow(&p->audio, &p->cap_audio, p->n_audio, sizeof(*p->audio)))
			return;
		a = &p->audio[p->n_audio];
		memset(a, 0, sizeof(*a));
		a->id = strdup(in->audio_id);
		if (!a->id)
			return;
		a->state = A_UNAVAILABLE;
		p->n_audio++;
	}
	struct waiter w = { .rx = (uint32_t)rx, .slot = (uint32_t)slot, .gen = p->rx[rx].seen[slot].gen,
			    .length = in->audio_length };
	snprintf(w.sha256, sizeof(w.sha256), "%s", in->audio_sha256);
	if (a->state == A_READY) {
		audio_verdict(p, a, &w, now_ms);
		return;
	}
	if (!grow(&a->w, &a->cap_w, a->n_w, sizeof(*a->w)))
		return;
	a->w[a->n_w++] = w;
	if (a->state == A_UNAVAILABLE) {
		a->tries = 0;
		fetch(p, a, rx, now_ms);
	}
}

static void audio_arrived(struct sim_proto *p, size_t rx, const char *id, const void *msg, size_t len, int64_t now_ms)
{
	char topic[TC_PROTO_MAX_TOPIC];
	struct audio *a = audio_find(p, id);
	if (!a || a->state != A_FETCHING)
		return; /* a late copy of one already settled */
	audio_topic(p, a, topic, sizeof(topic));
	if (topic[0])
		p->io.unsubscribe(p->io.ctx, rx, topic);
	if (len) {
		a->state = A_READY;
		a->length = len;
		tc_sign_sha256_hex(msg, len, a->sha256);
	} else {
		a->state = A_UNAVAILABLE;
	}
	audio_settle(p, a, now_ms);
}

/* An attempt timed out: try again from a waiter that is connected, or give up. */
static void audio_timeout(struct sim_proto *p, const struct timer *t, int64_t now_ms)
{
	struct audio *a = &p->audio[t->rx];
	if (a->state != A_FETCHING || a->gen != t->gen)
		return;
	char topic[TC_PROTO_MAX_TOPIC];
	audio_topic(p, a, topic, sizeof(topic));
	if (topic[0] && p->io.connected(p->io.ctx, a->fetcher))
		p->io.unsubscribe(p->io.ctx, a->fetcher, topic);
	if (++a->tries >= AUDIO_TRIES) {
		a->state = A_UNAVAILABLE;
		count_reason(p, "audio-timeout");
		audio_settle(p, a, now_ms);
		return;
	}
	size_t next = a->fetcher;
	for (size_t i = 0; i < a->n_w; i++)
		if (p->io.connected(p->io.ctx, a->w[i].rx)) {
			next = a->w[i].rx;
			break;
		}
	fetch(p, a, next, now_ms);
}

/* --- messages ---------------------------------------------------------------------- */

static void command(struct sim_proto *p, size_t rx, const void *body, size_t len)
{
	struct tc_cmd c;
	struct rx_state *r = &p->rx[rx];
	tc_diags_clear(p->d);
	if (tc_cmd_decode(body, len, &c, p->d)) {
		reject(p, rx, NULL, "malformed-command");
		return;
	}
	if (c.at < (int64_t)time(NULL) - CMD_MAX_AGE_S) {
		reject(p, rx, NULL, "stale-command");
		return;
	}
	for (size_t i = 0; i < r->n_nonces; i++)
		if (!strcmp(r->nonces[i], c.nonce)) {
			p->replays++;
			return;
		}
	if (grow(&r->nonces, &r->cap_nonces, r->n_nonces, sizeof(*r->nonces)))
		memcpy(r->nonces[r->n_nonces++], c.nonce, sizeof(c.nonce));
	if (c.kind == TC_CMD_CANCEL) {
		p->cancel_cmds++;
		clear_alert(p, rx, c.alert_id, true);
	} else {
		p->test_tones++;
	}
}

/* A copy of an alert this receiver has seen: repeat the final ack, never play again. */
static void seen_again(struct sim_proto *p, size_t rx, const struct seen *s)
{
	p->resent++;
	if (s->final >= 0)
		send_ack(p, rx, s->id, (enum tc_ack_kind)s->final, s->reason[0] ? s->reason : NULL, true);
	else
		send_ack(p, rx, s->id, TC_ACK_RECEIVED, NULL, true);
}

static void milestone(struct sim_proto *p, size_t rx, const struct tc_rx_alert *a, int64_t now_ms)
{
	if (p->first_alert)
		return;
	p->first_alert = true;
	fprintf(stderr, "tocsin-sim: first alert %s (%s%s) reached %s after %.1f s\n", a->id,
		a->msg_type, a->drill ? ", drill" : "", p->ids[rx].id, (double)(now_ms - p->o.start_ms) / 1000.0);
}

/* Take alert a (verified, parsed, not seen before) on receiver rx. */
static void take_alert(struct sim_proto *p, size_t rx, const struct tc_rx_alert *a, int64_t now_ms)
{
	size_t slot;
	int64_t now = (int64_t)time(NULL);
	bool cancel = !strcmp(a->msg_type, "Cancel"), update = !strcmp(a->msg_type, "Update");
	if (a->expires_at && a->expires_at <= now) {
		struct seen *s = seen_add(p, rx, a->id, S_DONE, NULL);
		if (s) {
			s->final = TC_ACK_REJECTED;
			snprintf(s->reason, sizeof(s->reason), "expired");
		}
		reject(p, rx, a->id, "expired");
		return;
	}
	milestone(p, rx, a, now_ms);
	p->drills += a->drill;
	for (size_t i = 0; (cancel || update) && i < a->n_references; i++)
		clear_alert(p, rx, a->references[i], false);
	/* A Cancel, once it has cleared what it references, is announced like any alert:
	 * loudspeakers say the warning is lifted, displays show it. */
	struct seen *s = seen_add(p, rx, a->id, S_WAIT_AUDIO, &slot);
	if (!s)
		return;
	s->expires_at = a->expires_at;
	ack(p, rx, a->id, TC_ACK_RECEIVED, NULL);
	if (a->expires_at)
		timer_push(p, now_ms + (a->expires_at - now) * 1000, (uint32_t)rx, (uint32_t)slot, 0, T_EXPIRE);
	const struct tc_rx_info *in = tc_rx_alert_info(a, p->o.lang);
	if (p->ids[rx].kind == SIM_LOUDSPEAKER && in && in->audio_id && *in->audio_id)
		need_audio(p, rx, slot, in, now_ms);
	else
		start_playing(p, rx, slot, now_ms);
}

static void alert_payload(struct sim_proto *p, size_t rx, const char *topic_id, const void *body, size_t len,
			  int64_t now_ms)
{
	struct tc_rx_alert *a = NULL;
	tc_diags_clear(p->d);
	if (tc_rx_alert_parse(body, len, &a, p->d)) {
		bool version = tc_diags_find(p->d, "proto.version") != NULL;
		reject(p, rx, topic_id, version ? "unsupported-version" : "malformed-payload");
		return;
	}
	const struct seen *s = seen_find(p, rx, a->id, NULL);
	if (s)
		seen_again(p, rx, s);
	else
		take_alert(p, rx, a, now_ms);
	tc_rx_alert_free(a);
}

/* The cached verdict for msg, verifying (and remembering) it when it is new; NULL when out of memory. */
static struct verdict *verdict_of(struct sim_proto *p, const void *msg, size_t len)
{
	for (size_t i = 0; i < VERDICTS; i++) {
		struct verdict *e = &p->verdicts[i];
		if (e->bytes && e->len == len && !memcmp(e->bytes, msg, len))
			return e;
	}
	struct verdict *e = &p->verdicts[p->next_verdict];
	unsigned char *copy = malloc(len);
	if (!copy)
		return NULL;
	p->next_verdict = (p->next_verdict + 1) % VERDICTS;
	free(e->bytes);
	tc_rx_alert_free(e->alert);
	memcpy(copy, msg, len);
	const uint8_t *body = NULL;
	*e = (struct verdict){ .bytes = copy, .len = len };
	e->v = tc_sign_open(copy, len, p->o.pk, &body, &e->body_len);
	e->body_off = body ? (size_t)(body - copy) : 0;
	e->is_cmd = e->v == TC_VERIFY_OK && tc_proto_is_cmd(body, e->body_len);
	return e;
}

/* An alert payload whose verdict is cached: parsed once, then taken by each receiver. */
static void cached_alert(struct sim_proto *p, size_t rx, const char *topic_id, struct verdict *e, int64_t now_ms)
{
	if (!e->parsed) {
		tc_diags_clear(p->d);
		if (tc_rx_alert_parse(e->bytes + e->body_off, e->body_len, &e->alert, p->d) == TC_OK)
			e->parsed = 1;
		else
			e->parsed = tc_diags_find(p->d, "proto.version") ? -1 : -2;
	}
	if (e->parsed < 0) {
		reject(p, rx, topic_id, e->parsed == -1 ? "unsupported-version" : "malformed-payload");
		return;
	}
	const struct seen *s = seen_find(p, rx, e->alert->id, NULL);
	if (s)
		seen_again(p, rx, s);
	else
		take_alert(p, rx, e->alert, now_ms);
}

static void sealed(struct sim_proto *p, size_t rx, const char *topic_id, const void *msg, size_t len, int64_t now_ms)
{
	const uint8_t *body;
	size_t body_len;
	struct verdict *e = p->o.verify_each ? NULL : verdict_of(p, msg, len);
	enum tc_verify v = e ? e->v : tc_sign_open(msg, len, p->o.pk, &body, &body_len);
	if (v != TC_VERIFY_OK) {
		reject(p, rx, topic_id, tc_verify_name(v));
		return;
	}
	if (e) {
		body = e->bytes + e->body_off;
		body_len = e->body_len;
	}
	if (e ? !e->is_cmd : !tc_proto_is_cmd(body, body_len)) {
		if (e)
			cached_alert(p, rx, topic_id, e, now_ms);
		else
			alert_payload(p, rx, topic_id, body, body_len, now_ms);
	} else if (topic_id) {
		reject(p, rx, topic_id, "command-on-region-topic");
	} else {
		command(p, rx, body, body_len);
	}
}

void sim_proto_message(struct sim_proto *p, size_t rx, const char *topic, const void *msg, size_t len,
		       int64_t now_ms)
{
	char a[128], b[128];
	if (rx >= p->n)
		return;
	enum tc_topic_kind k = tc_proto_parse_topic(p->o.prefix, topic, a, sizeof(a), b, sizeof(b));
	if (k == TC_TOPIC_AUDIO) {
		audio_arrived(p, rx, a, msg, len, now_ms);
		return;
	}
	p->messages++;
	if (p->silent[rx])
		return;
	if (k == TC_TOPIC_REGION_ALERT) {
		const char *id = is_alert_id(b) ? b : NULL;
		if (!len && id)
			clear_alert(p, rx, id, false);
		else if (len)
			sealed(p, rx, id, msg, len, now_ms);
	} else if (k == TC_TOPIC_RX_CMD && !strcmp(a, p->ids[rx].id)) {
		if (len)
			sealed(p, rx, NULL, msg, len, now_ms);
	} else {
		count_reason(p, "unexpected-topic");
	}
}

void sim_proto_tick(struct sim_proto *p, int64_t now_ms)
{
	while (p->n_heap && p->heap[0].due <= now_ms) {
		struct timer t = timer_pop(p);
		switch (t.kind) {
		case T_PLAYED: played(p, &t); break;
		case T_EXPIRE: expire(p, &t); break;
		case T_AUDIO: audio_timeout(p, &t, now_ms); break;
		}
	}
}

unsigned long sim_proto_messages(const struct sim_proto *p)
{
	return p->messages;
}

/* --- life cycle and report --------------------------------------------------------- */

struct sim_proto *sim_proto_new(const struct sim_proto_options *o, const struct sim_identity *ids,
				const bool *silent, size_t n, const struct sim_io *io)
{
	struct sim_proto *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->o = *o;
	p->ids = ids;
	p->silent = silent;
	p->n = n;
	p->io = *io;
	p->rx = calloc(n ? n : 1, sizeof(*p->rx));
	p->d = tc_diags_new();
	if (!p->rx || !p->d) {
		sim_proto_free(p);
		return NULL;
	}
	return p;
}

void sim_proto_free(struct sim_proto *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->rx && i < p->n; i++) {
		free(p->rx[i].seen);
		free(p->rx[i].nonces);
	}
	for (size_t i = 0; i < p->n_audio; i++) {
		free(p->audio[i].id);
		free(p->audio[i].w);
	}
	for (size_t i = 0; i < VERDICTS; i++) {
		free(p->verdicts[i].bytes);
		tc_rx_alert_free(p->verdicts[i].alert);
	}
	free(p->rx);
	free(p->audio);
	free(p->heap);
	free(p->alerts);
	free(p->reasons);
	tc_diags_free(p->d);
	free(p);
}

static json_t *ack_counts(const unsigned long acks[TC_ACK_N_KINDS])
{
	json_t *o = json_object();
	for (int k = 0; o && k < TC_ACK_N_KINDS; k++)
		json_object_set_new(o, tc_ack_kind_name((enum tc_ack_kind)k), json_integer((json_int_t)acks[k]));
	return o;
}

static json_t *report_json(const struct sim_proto *p, size_t connected)
{
	json_t *rej = json_object(), *alerts = json_object(), *silent = json_array();
	for (size_t i = 0; rej && i < p->n_reasons; i++)
		json_object_set_new(rej, p->reasons[i].reason, json_integer((json_int_t)p->reasons[i].n));
	for (size_t i = 0; alerts && i < p->n_alerts; i++)
		json_object_set_new(alerts, p->alerts[i].id, ack_counts(p->alerts[i].acks));
	for (size_t i = 0; silent && i < p->n; i++)
		if (p->silent[i])
			json_array_append_new(silent, json_string(p->ids[i].id));
	return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "receivers",
			 (json_int_t)p->n, "connected", (json_int_t)connected, "messages", (json_int_t)p->messages,
			 "acks", ack_counts(p->acks), "rejected", rej, "alerts", alerts, "silent", silent, "drills",
			 (json_int_t)p->drills, "test_tones", (json_int_t)p->test_tones, "cancel_commands",
			 (json_int_t)p->cancel_cmds, "replays_ignored", (json_int_t)p->replays, "repeated_copies",
			 (json_int_t)p->resent, "audio_fetches", (json_int_t)p->audio_fetches);
}

enum tc_rc sim_proto_report(const struct sim_proto *p, const char *path, size_t connected, struct tc_diags *d)
{
	char tmp[4096];
	json_t *j = report_json(p, connected);
	if (!j)
		return TC_ERR_NOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int bad = json_dump_file(j, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (bad || rename(tmp, path)) {
		tc_err(d, "sim.report", path, "the report %s could not be written: %s", path, strerror(errno));
		remove(tmp);
		return TC_ERR_IO;
	}
	return TC_OK;
}
