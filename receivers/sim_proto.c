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

#include "rx_config.h"
#include "rx_intake.h"
#include "rx_state.h"
#include "tc_proto.h"
#include "tc_vec.h"

#define AUDIO_TRIES 3
#define PRUNE_MS (3600 * 1000) /* as often as tocsin-receiver prunes its seen-list */

/* A receiver waiting for an audio message, with what its own payload says the audio is. */
struct waiter {
	uint32_t rx;
	char id[17]; /* the alert */
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
	uint32_t rx;  /* T_AUDIO: the audio index */
	uint32_t gen; /* T_AUDIO: the fetch it belongs to (a later one makes it stale) */
	uint8_t kind;
	char id[17];  /* T_PLAYED: the alert */
};

struct alert_count {
	char id[17];
	unsigned long acks[TC_ACK_N_KINDS];
};

struct reason_count {
	char reason[RX_REASON_MAX];
	unsigned long n;
};

/*
 * The same sealed bytes reach every receiver of a region. What rx_intake
 * makes of them depends only on the bytes, the key and whether they came
 * on a region topic, so one process opens and parses each distinct message
 * once and every virtual receiver applies the rules (rx_intake_apply) to
 * the result with its own state: the simulator stands for N devices that
 * each verify on their own processor, and its one core is not what is
 * measured. --verify-each turns this off.
 */
#define VERDICTS 16
#define SKEW_S 300                /* tocsin-receiver's clock_skew_s default */
#define MAX_PACKET (8u << 20)     /* tocsin-receiver's max_packet default */

struct verdict {
	unsigned char *bytes; /* the sealed message, NULL for an empty slot */
	size_t len;
	bool region;
	struct rx_msg m; /* kind, reason, alert (owned here), cmd, body (into bytes) */
};

struct sim_proto {
	struct sim_proto_options o;
	struct verdict verdicts[VERDICTS];
	size_t next_verdict;
	const struct sim_identity *ids;
	const bool *silent;
	size_t n;
	struct sim_io io;
	struct rx_state **st; /* each receiver's seen-list and nonces, in memory */
	bool accept_drills;   /* a receiver's settings, as tocsin-receiver's defaults */
	long cmd_max_age_s;
	int64_t next_prune_ms;
	struct audio *audio;
	size_t n_audio, cap_audio;
	struct timer *heap;
	size_t n_heap, cap_heap;
	struct alert_count *alerts;
	size_t n_alerts, cap_alerts;
	struct reason_count *reasons;
	size_t n_reasons, cap_reasons;
	unsigned long messages, acks[TC_ACK_N_KINDS], drills, test_tones, cancel_cmds, replays, resent, audio_fetches,
		guidance_cmds, guidance_entries;
	bool first_alert;
};

/* Make room for one more element in *arr (elem bytes each); false when out of memory. */
static bool grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	return n < *cap || tc_vec_grow(arr, cap, n + 1, elem) == TC_OK;
}

static int64_t wall(void)
{
	return (int64_t)time(NULL);
}

/* --- timers: a binary min-heap on due time ---------------------------------------- */

static void timer_push(struct sim_proto *p, const struct timer *t)
{
	if (!grow(&p->heap, &p->cap_heap, p->n_heap, sizeof(*p->heap)))
		return; /* out of memory: the timer is lost, the alert stays in progress */
	size_t i = p->n_heap++;
	while (i && p->heap[(i - 1) / 2].due > t->due) {
		p->heap[i] = p->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	p->heap[i] = *t;
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
 * repeat of what the receiver said before) also counts in the alert's row,
 * so the row says how many receivers did what.
 */
static void send_ack_check(struct sim_proto *p, size_t rx, const char *alert_id, enum tc_ack_kind kind,
			   const char *reason, bool repeat, const struct tc_selfcheck *check)
{
	char topic[TC_PROTO_MAX_TOPIC], buf[1024];
	if (p->silent[rx])
		return;
	struct tc_ack a = { .kind = kind, .at = wall() };
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", alert_id);
	snprintf(a.reason, sizeof(a.reason), "%s", reason ? reason : "");
	if (check) {
		a.check = *check;
		a.has_check = true;
	}
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

static void send_ack(struct sim_proto *p, size_t rx, const char *alert_id, enum tc_ack_kind kind, const char *reason,
		     bool repeat)
{
	send_ack_check(p, rx, alert_id, kind, reason, repeat, NULL);
}

/* Record acknowledgment kind of id in receiver rx's seen-list, and send it. */
static void say(struct sim_proto *p, size_t rx, const char *id, enum tc_ack_kind kind, const char *reason)
{
	rx_state_record(p->st[rx], id, kind, reason, wall());
	send_ack(p, rx, id, kind, reason, false);
}

/* --- the rules: tocsin-receiver's own (rx_intake.h), on each receiver's state ------ */

struct sim_rx {
	struct sim_proto *p;
	size_t rx;
	char region[1][16];
};

static void rules_ack(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again)
{
	const struct sim_rx *r = ctx;
	send_ack(r->p, r->rx, id, kind, reason, again);
}

/* Receiver rx's rules; who (borrowed by the result) names it to the callbacks. */
static struct rx_rules rules_of(struct sim_proto *p, size_t rx, struct sim_rx *who)
{
	*who = (struct sim_rx){ p, rx, { "" } };
	snprintf(who->region[0], sizeof(who->region[0]), "%s", p->ids[rx].region);
	/* nothing to stop: a cleared entry makes its playing timer and audio wait do nothing */
	return (struct rx_rules){ .st = p->st[rx], .self = p->ids[rx].id, .regions = (const char(*)[16])who->region,
				  .n_regions = who->region[0][0] ? 1 : 0, .accept_drills = p->accept_drills,
				  .cmd_max_age_s = p->cmd_max_age_s, .skew_s = SKEW_S, .ctx = who, .ack = rules_ack };
}

/* Whether alert id on receiver rx is still in progress with kind as its last acknowledgment. */
static bool at_step(const struct sim_proto *p, size_t rx, const char *id, enum tc_ack_kind kind)
{
	const struct rx_seen *e = rx_state_find(p->st[rx], id);
	return e && e->phase == RX_PHASE_PENDING && e->final == (int)kind;
}

/* --- playing ----------------------------------------------------------------------- */

/* A display shows, it does not play: it stays at received until displayed. */
static enum tc_ack_kind playing_step(const struct sim_proto *p, size_t rx)
{
	return p->ids[rx].kind == SIM_LOUDSPEAKER ? TC_ACK_PLAYING : TC_ACK_RECEIVED;
}

static void start_playing(struct sim_proto *p, size_t rx, const char *id, int64_t now_ms)
{
	struct timer t = { .due = now_ms + p->o.delay_ms, .rx = (uint32_t)rx, .kind = T_PLAYED };
	if (p->ids[rx].kind == SIM_LOUDSPEAKER)
		say(p, rx, id, TC_ACK_PLAYING, NULL);
	snprintf(t.id, sizeof(t.id), "%s", id);
	timer_push(p, &t);
}

static void played(struct sim_proto *p, const struct timer *t)
{
	if (!at_step(p, t->rx, t->id, playing_step(p, t->rx)))
		return; /* cleared meanwhile */
	say(p, t->rx, t->id, p->ids[t->rx].kind == SIM_SIGNAGE ? TC_ACK_DISPLAYED : TC_ACK_PLAYED, NULL);
}

static void expire(struct sim_proto *p, const struct timer *t)
{
	struct sim_rx who;
	struct rx_rules r = rules_of(p, t->rx, &who);
	rx_intake_expire(&r, wall());
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
	timer_push(p, &(struct timer){ .due = now_ms + p->o.audio_timeout_ms, .rx = (uint32_t)(a - p->audio),
				       .gen = a->gen, .kind = T_AUDIO });
}

/* Receiver w's verdict on the audio a now describes. */
static void audio_verdict(struct sim_proto *p, const struct audio *a, const struct waiter *w, int64_t now_ms)
{
	if (!at_step(p, w->rx, w->id, TC_ACK_RECEIVED))
		return; /* cleared while it waited */
	if (a->state != A_READY)
		say(p, w->rx, w->id, TC_ACK_FAILED, "audio-unavailable");
	else if (strcmp(a->sha256, w->sha256) || a->length != w->length)
		say(p, w->rx, w->id, TC_ACK_FAILED, "digest-mismatch");
	else
		start_playing(p, w->rx, w->id, now_ms);
}

static void audio_settle(struct sim_proto *p, struct audio *a, int64_t now_ms)
{
	for (size_t i = 0; i < a->n_w; i++)
		audio_verdict(p, a, &a->w[i], now_ms);
	a->n_w = 0;
}

static void need_audio(struct sim_proto *p, size_t rx, const char *id, const struct tc_rx_info *in, int64_t now_ms)
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
	struct waiter w = { .rx = (uint32_t)rx, .length = in->audio_length };
	snprintf(w.id, sizeof(w.id), "%s", id);
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

static void milestone(struct sim_proto *p, size_t rx, const struct tc_rx_alert *a, int64_t now_ms)
{
	if (p->first_alert)
		return;
	p->first_alert = true;
	fprintf(stderr, "tocsin-sim: first alert %s (%s%s) reached %s after %.1f s\n", a->id,
		a->msg_type, a->drill ? ", drill" : "", p->ids[rx].id, (double)(now_ms - p->o.start_ms) / 1000.0);
}

/* A Test: no sound, a simulated self-check in one checked acknowledgment (--fail-check fails some). */
static void self_check(struct sim_proto *p, size_t rx, const struct tc_rx_alert *a)
{
	struct tc_selfcheck k = { .clock_offset_ms = (wall() + p->o.clock_offset_s - a->issued_at) * 1000, .rtt_ms = 1 };
	bool fails = p->o.fail_check && sim_fleet_silent(p->n - 1 - rx, p->o.fail_check_share);
	snprintf(k.audio, sizeof(k.audio), "%s", fails && !strcmp(p->o.fail_check, "audio") ? "simulated-failure" : "ok");
	snprintf(k.storage, sizeof(k.storage), "%s",
		 fails && !strcmp(p->o.fail_check, "storage") ? "simulated-failure" : "ok");
	snprintf(k.version, sizeof(k.version), "%s-sim", TOCSIN_VERSION);
	for (size_t i = 0; i < p->o.keys.n && k.n_kids < TC_CHECK_MAX_KIDS; i++)
		snprintf(k.kids[k.n_kids++], sizeof(k.kids[0]), "%s", p->o.keys.kid[i]);
	rx_state_record(p->st[rx], a->id, TC_ACK_CHECKED, NULL, wall());
	send_ack_check(p, rx, a->id, TC_ACK_CHECKED, NULL, false, &k);
}

/* Carry out alert a, which the rules took on receiver rx: audio, playing, expiry. */
static void take_alert(struct sim_proto *p, size_t rx, const struct tc_rx_alert *a, int64_t now_ms)
{
	milestone(p, rx, a, now_ms);
	p->drills += a->drill;
	if (a->status && !strcmp(a->status, "Test")) {
		self_check(p, rx, a);
		return;
	}
	if (a->expires_at)
		timer_push(p, &(struct timer){ .due = now_ms + (a->expires_at - wall()) * 1000, .rx = (uint32_t)rx,
					       .kind = T_EXPIRE });
	const struct tc_rx_info *in = tc_rx_alert_info(a, p->o.lang);
	if (p->ids[rx].kind == SIM_LOUDSPEAKER && in && in->audio_id && *in->audio_id)
		need_audio(p, rx, a->id, in, now_ms);
	else
		start_playing(p, rx, a->id, now_ms);
}

/* A refusal: counted by reason (the rules acknowledged it only for a verified alert id in scope). */
static void refused(struct sim_proto *p, size_t rx, const struct rx_msg *m, const char *reason)
{
	const char *id = m->kind == RX_MSG_ALERT ? m->alert->id : m->kind == RX_MSG_CMD ? m->cmd.alert_id : m->topic_id;
	count_reason(p, reason);
	if (p->o.verbose)
		fprintf(stderr, "tocsin-sim: rx=%s alert=%s rejected: %s\n", p->ids[rx].id, *id ? id : "(unknown)",
			reason);
}

/* A command the rules obeyed or ignored: counted. */
static void commanded(struct sim_proto *p, const struct tc_cmd *c, enum rx_verdict v)
{
	if (v == RX_IGNORED)
		p->replays++;
	else if (v == RX_OBEYED && c->kind == TC_CMD_CANCEL)
		p->cancel_cmds++;
	else if (v == RX_OBEYED && c->kind == TC_CMD_GUIDANCE) {
		p->guidance_cmds++;
		p->guidance_entries += c->n_guidance;
	} else if (v == RX_OBEYED && c->kind == TC_CMD_TEST_TONE)
		p->test_tones++;
}

/* The receiver's rules on m, then what the simulated output does with the verdict. */
static void apply(struct sim_proto *p, size_t rx, const struct rx_msg *m, int64_t now_ms)
{
	struct sim_rx who;
	struct rx_rules r = rules_of(p, rx, &who);
	const char *reason = NULL;
	enum rx_verdict v = rx_intake_apply(&r, m, wall(), &reason);
	if (v == RX_TAKEN)
		take_alert(p, rx, m->alert, now_ms);
	else if (v == RX_REPEATED)
		p->resent++;
	else if (v == RX_REFUSED)
		refused(p, rx, m, reason);
	else if (reason) /* ignored with a reason: an empty message */
		count_reason(p, reason);
	if (m->kind == RX_MSG_CMD)
		commanded(p, &m->cmd, v);
}

/* The cached verdict on msg from a region topic or not, opening (and keeping) it when new; NULL when out of memory. */
static const struct verdict *verdict_of(struct sim_proto *p, bool region, const void *msg, size_t len)
{
	for (size_t i = 0; i < VERDICTS; i++) {
		const struct verdict *e = &p->verdicts[i];
		if (e->bytes && e->region == region && e->len == len && !memcmp(e->bytes, msg, len))
			return e;
	}
	struct verdict *e = &p->verdicts[p->next_verdict];
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	p->next_verdict = (p->next_verdict + 1) % VERDICTS;
	free(e->bytes);
	tc_rx_alert_free(e->m.alert);
	memcpy(copy, msg, len);
	*e = (struct verdict){ .bytes = copy, .len = len, .region = region };
	rx_intake_sealed(&p->o.keys, region, copy, len, &e->m);
	return e;
}

/* A sealed message on receiver rx: opened (once per process unless --verify-each), then the rules. */
static void sealed(struct sim_proto *p, size_t rx, struct rx_msg *m, bool region, const void *msg, size_t len,
		   int64_t now_ms)
{
	const struct verdict *e = p->o.verify_each ? NULL : verdict_of(p, region, msg, len);
	if (!e) {
		rx_intake_sealed(&p->o.keys, region, msg, len, m);
		apply(p, rx, m, now_ms);
		tc_rx_alert_free(m->alert);
		return;
	}
	m->kind = e->m.kind;
	m->reason = e->m.reason;
	m->alert = e->m.alert; /* still the cache's */
	m->cmd = e->m.cmd;
	m->body = e->m.body;
	m->body_len = e->m.body_len;
	memcpy(m->kid, e->m.kid, sizeof(m->kid));
	apply(p, rx, m, now_ms);
}

void sim_proto_message(struct sim_proto *p, size_t rx, const char *topic, const void *msg, size_t len,
		       int64_t now_ms)
{
	struct rx_msg m;
	bool region;
	if (rx >= p->n)
		return;
	if (len > MAX_PACKET) { /* as tocsin-receiver's max_packet: dropped unread */
		p->messages++;
		count_reason(p, "too-large");
		return;
	}
	bool is_sealed = rx_intake_topic(p->o.prefix, p->ids[rx].id, topic, len, &m, &region);
	if (m.kind == RX_MSG_AUDIO) {
		audio_arrived(p, rx, m.audio_id, msg, len, now_ms);
		return;
	}
	p->messages++;
	if (p->silent[rx])
		return;
	if (is_sealed)
		sealed(p, rx, &m, region, msg, len, now_ms);
	else if (m.kind == RX_MSG_IGNORE && len)
		count_reason(p, "unexpected-topic");
	else
		apply(p, rx, &m, now_ms);
}

/* Every receiver's seen-list pruned, as tocsin-receiver does every hour. */
static void prune(struct sim_proto *p, int64_t now_ms)
{
	int64_t now = wall();
	for (size_t i = 0; i < p->n; i++)
		rx_state_prune(p->st[i], now);
	p->next_prune_ms = now_ms + PRUNE_MS;
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
	if (now_ms >= p->next_prune_ms)
		prune(p, now_ms);
}

unsigned long sim_proto_messages(const struct sim_proto *p)
{
	return p->messages;
}

/* --- life cycle and report --------------------------------------------------------- */

struct sim_proto *sim_proto_new(const struct sim_proto_options *o, const struct sim_identity *ids,
				const bool *silent, size_t n, const struct sim_io *io)
{
	struct rx_config defaults;
	struct sim_proto *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	rx_config_defaults(&defaults);
	p->o = *o;
	p->ids = ids;
	p->silent = silent;
	p->n = n;
	p->io = *io;
	p->accept_drills = defaults.accept_drills;
	p->cmd_max_age_s = defaults.cmd_max_age_s;
	p->next_prune_ms = o->start_ms + PRUNE_MS;
	p->st = calloc(n ? n : 1, sizeof(*p->st));
	for (size_t i = 0; p->st && i < n; i++)
		if (!(p->st[i] = rx_state_new(defaults.seen_keep_s))) {
			sim_proto_free(p);
			return NULL;
		}
	if (!p->st) {
		sim_proto_free(p);
		return NULL;
	}
	return p;
}

void sim_proto_free(struct sim_proto *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->st && i < p->n; i++)
		rx_state_free(p->st[i]);
	for (size_t i = 0; i < p->n_audio; i++) {
		free(p->audio[i].id);
		free(p->audio[i].w);
	}
	for (size_t i = 0; i < VERDICTS; i++) {
		free(p->verdicts[i].bytes);
		tc_rx_alert_free(p->verdicts[i].m.alert);
	}
	free(p->st);
	free(p->audio);
	free(p->heap);
	free(p->alerts);
	free(p->reasons);
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
	return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "receivers",
			 (json_int_t)p->n, "connected", (json_int_t)connected, "messages", (json_int_t)p->messages,
			 "acks", ack_counts(p->acks), "rejected", rej, "alerts", alerts, "silent", silent, "drills",
			 (json_int_t)p->drills, "test_tones", (json_int_t)p->test_tones, "cancel_commands",
			 (json_int_t)p->cancel_cmds, "replays_ignored", (json_int_t)p->replays, "repeated_copies",
			 (json_int_t)p->resent, "audio_fetches", (json_int_t)p->audio_fetches, "guidance_commands",
			 (json_int_t)p->guidance_cmds, "guidance_entries", (json_int_t)p->guidance_entries);
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
