/*
 * rx_core.c — the protocol rules both receiver daemons share (rx_core.h).
 */
#include "rx_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rx_intake.h"
#include "rx_session.h"
#include "rx_state.h"
#include "tc_file.h"
#include "tc_log.h"
#include "tc_sign.h"

#define TURN_MS 50
#define CHECKS 8 /* Test alerts whose self-check may wait for the audio output at once */

/* A self-check made but for its audio (self_check). */
struct check {
	char id[17];
	struct tc_selfcheck k;
};

struct rx_core {
	struct rx_config cfg;
	char kind[16];
	bool restore_active;
	struct tc_keyring keys; /* the bureau's keys this receiver trusts */
	char regions[RX_MAX_REGIONS][16];
	size_t n_regions;
	char ack_topic[TC_PROTO_MAX_TOPIC];
	struct rx_state *st;
	struct rx_rules rules; /* the protocol's rules on st (rx_intake.h) */
	struct rx_session *ses;
	struct rx_output out;
	struct check checks[CHECKS];
	size_t n_checks;
	int64_t next_expiry_ms, next_prune_ms;
	struct tc_diags *d;
};

int64_t rx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall(void)
{
	return (int64_t)time(NULL);
}

static void log_diags(struct tc_diags *d, const char *cat)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *x = tc_diags_get(d, i);
		tc_log(x->sev == TC_SEV_ERROR ? TC_LOG_ERROR : TC_LOG_WARN, cat, "%s", x->message);
	}
	tc_diags_clear(d);
}

/* --- acknowledgments and the seen-list --------------------------------------------- */

static void queue_ack_check(struct rx_core *c, const char *id, enum tc_ack_kind kind, const char *reason,
			    const struct tc_selfcheck *check)
{
	char buf[1024];
	struct tc_ack a = { .kind = kind, .at = wall() };
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", id);
	snprintf(a.reason, sizeof(a.reason), "%s", reason ? reason : "");
	if (check) {
		a.check = *check;
		a.has_check = true;
	}
	if (tc_ack_encode(&a, buf, sizeof(buf)))
		rx_state_ack_push(c->st, buf);
	tc_log(TC_LOG_INFO, "ack", "alert=%s ack=%s%s%s", id, tc_ack_kind_name(kind), reason ? " reason=" : "",
	       reason ? reason : "");
}

static void queue_ack(struct rx_core *c, const char *id, enum tc_ack_kind kind, const char *reason)
{
	queue_ack_check(c, id, kind, reason, NULL);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a file can be written, flushed to disk and removed in the state folder: "ok" or why not. */
static void storage_check(const char *dir, char *why, size_t len)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/.selfcheck", dir);
	FILE *f = fopen(path, "w");
	int bad = !f || fputs("selfcheck\n", f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0;
	int err = errno;
	if (f)
		bad |= fclose(f) != 0;
	if (!bad && unlink(path) != 0) {
		bad = 1;
		err = errno;
	}
	snprintf(why, len, "%s", bad ? strerror(err ? err : EIO) : "ok");
}

/* Answer the self-check of checks[i] with audio, and forget it. */
static void check_answer(struct rx_core *c, size_t i, const char *audio)
{
	struct check *x = &c->checks[i];
	snprintf(x->k.audio, sizeof(x->k.audio), "%s", audio);
	rx_state_record(c->st, x->id, TC_ACK_CHECKED, NULL, wall());
	queue_ack_check(c, x->id, TC_ACK_CHECKED, NULL, &x->k);
	tc_log(TC_LOG_INFO, "check", "alert=%s audio=%s storage=%s clock_offset_ms=%lld rtt_ms=%lld", x->id,
	       x->k.audio, x->k.storage, (long long)x->k.clock_offset_ms, (long long)x->k.rtt_ms);
	c->checks[i] = c->checks[--c->n_checks];
}

/* Once per turn: the self-checks waiting for the audio output are answered once it has answered. */
static void checks_poll(struct rx_core *c)
{
	char audio[sizeof(c->checks[0].k.audio)] = "ok";
	if (!c->n_checks || (c->out.audio_check_done && !c->out.audio_check_done(c->out.ctx, audio, sizeof(audio))))
		return;
	while (c->n_checks)
		check_answer(c, c->n_checks - 1, audio);
}

/*
 * A Test alert: nothing is played or shown; the self-check runs and its result goes in one
 * checked acknowledgment, after which the Test is over (docs/protocol.md, "Self-check"). The
 * audio output's part comes within a few seconds (checks_poll); the rest is measured now.
 */
static void self_check(struct rx_core *c, const struct tc_rx_alert *a, int64_t arrived_ms)
{
	for (size_t i = 0; i < c->n_checks; i++)
		if (!strcmp(c->checks[i].id, a->id))
			return; /* already waiting */
	if (c->n_checks == CHECKS)
		check_answer(c, 0, "not checked: too many Tests at once");
	struct check *x = &c->checks[c->n_checks++];
	*x = (struct check){ .k = { .clock_offset_ms = arrived_ms - a->issued_at * 1000,
				    .rtt_ms = rx_session_rtt_ms(c->ses) } };
	snprintf(x->id, sizeof(x->id), "%s", a->id);
	storage_check(c->cfg.state_dir, x->k.storage, sizeof(x->k.storage));
	snprintf(x->k.version, sizeof(x->k.version), "%s", TOCSIN_VERSION);
	for (size_t i = 0; i < c->keys.n && x->k.n_kids < TC_CHECK_MAX_KIDS; i++)
		snprintf(x->k.kids[x->k.n_kids++], sizeof(x->k.kids[0]), "%s", c->keys.kid[i]);
	if (c->out.audio_check_begin)
		c->out.audio_check_begin(c->out.ctx);
	checks_poll(c);
}

void rx_core_ack(struct rx_core *c, const char *id, enum tc_ack_kind kind, const char *reason)
{
	rx_state_record(c->st, id, kind, reason, wall());
	queue_ack(c, id, kind, reason);
}

void rx_core_fail_for_now(struct rx_core *c, const char *id, const char *reason)
{
	rx_core_ack(c, id, TC_ACK_FAILED, reason);
	rx_state_forget(c->st, id);
}

bool rx_core_in_force(const struct rx_core *c, const char *id)
{
	return rx_state_in_force(c->st, id);
}

/* The rules' callbacks (rx_intake.h): acknowledgments are queued, stops go to the output. */
static void rules_ack(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again)
{
	(void)again;
	queue_ack(ctx, id, kind, reason);
}

static void rules_stop(void *ctx, const char *id)
{
	struct rx_core *c = ctx;
	if (c->out.clear)
		c->out.clear(c->out.ctx, id);
}

/* The QoS of a queued acknowledgment line (tc_ack_qos); 1 for a line that does not decode. */
static int qos_of(const char *line)
{
	struct tc_ack a;
	return tc_ack_decode(line, strlen(line), &a, NULL) == TC_OK ? tc_ack_qos(a.kind) : 1;
}

/* Flush the state, then hand the acknowledgment queue to the broker. */
static void flush(struct rx_core *c)
{
	if (rx_state_flush(c->st, c->d))
		log_diags(c->d, "state");
	size_t sent = 0, n = rx_state_ack_count(c->st);
	while (sent < n && rx_session_connected(c->ses)) {
		const char *line = rx_state_ack_at(c->st, sent);
		if (rx_session_publish(c->ses, c->ack_topic, line, strlen(line), qos_of(line)) != TC_OK)
			break;
		sent++;
	}
	if (sent) {
		rx_state_ack_shift(c->st, sent);
		if (rx_state_flush(c->st, c->d))
			log_diags(c->d, "state");
	}
}

/* --- messages ---------------------------------------------------------------------- */

/* What the rules made of a verified, parsed alert (a is taken): carried out, or logged. */
static void alert(struct rx_core *c, struct tc_rx_alert *a, enum rx_verdict v, const char *reason,
		  const void *sealed_msg, size_t sealed_len, bool restored)
{
	const struct rx_seen *s = rx_state_find(c->st, a->id);
	if (v == RX_REPEATED)
		tc_log(TC_LOG_DEBUG, "intake", "alert=%s seen before (%s): acknowledging again", a->id,
		       s ? rx_phase_name(s->phase) : "forgotten");
	else if (v == RX_REFUSED)
		tc_log(TC_LOG_WARN, "intake", "alert=%s refused: %s", a->id, reason);
	if (v != RX_TAKEN)
		goto out;
	if (!restored && rx_state_keep_msg(c->st, a->id, sealed_msg, sealed_len))
		tc_log(TC_LOG_WARN, "state", "alert=%s cannot be kept on disk", a->id);
	if (a->status && !strcmp(a->status, "Test")) { /* never played or shown; kept until checked */
		self_check(c, a, wall_ms());
		goto out;
	}
	tc_log(TC_LOG_INFO, "intake", "alert=%s msgType=%s priority=%d%s%s", a->id, a->msg_type, a->priority,
	       a->drill ? " drill" : "", restored ? " (restored)" : "");
	if (c->out.take) {
		c->out.take(c->out.ctx, a, restored);
		a = NULL;
	}
out:
	tc_rx_alert_free(a);
}

/*
 * A guidance command: kept with its alert (its sealed message on disk too, so that a restart
 * keeps it) unless the alert's programme is over (then logged). sealed_msg is NULL when it is
 * read back from the disk.
 */
static void guidance(struct rx_core *c, const struct tc_cmd *cmd, const void *sealed_msg, size_t sealed_len)
{
	const struct rx_seen *s = rx_state_find(c->st, cmd->alert_id);
	for (size_t i = 0; i < cmd->n_guidance; i++)
		tc_log(TC_LOG_INFO, "guidance", "alert=%s lang=%s audio=%s guidance: %s%s", cmd->alert_id,
		       cmd->guidance[i].lang, cmd->guidance[i].audio_id, cmd->guidance[i].text,
		       sealed_msg ? "" : " (restored)");
	if (s && s->phase != RX_PHASE_PENDING) {
		tc_log(TC_LOG_WARN, "guidance", "alert=%s state=%s guidance arrived after the programme: not played",
		       cmd->alert_id, rx_phase_name(s->phase));
		return;
	}
	if (sealed_msg && rx_state_keep_guidance(c->st, cmd->alert_id, sealed_msg, sealed_len))
		tc_log(TC_LOG_WARN, "state", "alert=%s its guidance cannot be kept on disk", cmd->alert_id);
	if (c->out.guidance)
		c->out.guidance(c->out.ctx, cmd);
}

/* After a restart: each kept guidance command verified again and handed to the output, or dropped. */
static void restore_guidance(struct rx_core *c)
{
	char ids[64][17];
	size_t n = rx_state_guidance_ids(c->st, ids, 64);
	for (size_t i = 0; i < n; i++) {
		uint8_t *msg = NULL;
		size_t len = 0;
		const char *why = "unreadable";
		struct tc_cmd cmd;
		enum rx_verdict v = RX_REFUSED;
		if (rx_state_load_guidance(c->st, ids[i], &msg, &len) == TC_OK)
			v = rx_intake_kept_guidance(&c->rules, &c->keys, ids[i], msg, len, wall(), &cmd, &why);
		free(msg);
		if (v == RX_TAKEN) {
			guidance(c, &cmd, NULL, 0);
			continue;
		}
		if (v == RX_REFUSED)
			tc_log(TC_LOG_WARN, "state", "alert=%s its kept guidance is refused (%s): dropped", ids[i], why);
		else
			tc_log(TC_LOG_INFO, "state", "alert=%s its kept guidance is %s: dropped", ids[i], why);
		rx_state_drop_guidance(c->st, ids[i]);
	}
}

/* What the rules made of a verified command: logged; a test-tone goes to the output. */
static void command(struct rx_core *c, const struct tc_cmd *cmd, enum rx_verdict v, const char *reason, int64_t now,
		    const void *msg, size_t len)
{
	const char *kind = tc_cmd_kind_name(cmd->kind);
	if (v == RX_IGNORED) {
		tc_log(TC_LOG_WARN, "cmd", "cmd=%s nonce=%s replayed: ignored", kind, cmd->nonce);
	} else if (v == RX_REFUSED && strcmp(reason, "command-too-old")) {
		tc_log(TC_LOG_WARN, "cmd", "cmd=%s nonce=%s rx=%s refused: %s", kind, cmd->nonce, cmd->rx, reason);
	} else if (v == RX_REFUSED) {
		tc_log(TC_LOG_WARN, "cmd", "cmd=%s nonce=%s issued %lld s ago: refused (cmd_max_age_s=%ld)", kind,
		       cmd->nonce, (long long)(now - cmd->at), c->cfg.cmd_max_age_s);
	} else {
		tc_log(TC_LOG_INFO, "cmd", "cmd=%s alert=%s", kind, cmd->alert_id);
		if (cmd->kind == TC_CMD_TEST_TONE && c->out.test_tone)
			c->out.test_tone(c->out.ctx, (unsigned)c->cfg.test_tone_s);
		if (cmd->kind == TC_CMD_SHELTER && c->out.shelter)
			c->out.shelter(c->out.ctx, cmd);
		if (cmd->kind == TC_CMD_GUIDANCE)
			guidance(c, cmd, msg, len);
	}
}

static void on_message(void *ctx, const char *topic, const void *msg, size_t len)
{
	struct rx_core *c = ctx;
	struct rx_msg m;
	const char *reason = NULL;
	int64_t now = wall();
	if (len > (size_t)c->cfg.max_packet) {
		tc_log(TC_LOG_WARN, "intake", "topic=%s message of %zu bytes dropped unread (max_packet=%ld)", topic, len,
		       c->cfg.max_packet);
		return;
	}
	rx_intake(c->cfg.prefix, c->cfg.id, &c->keys, topic, msg, len, &m);
	if (m.kind == RX_MSG_AUDIO) {
		if (c->out.audio)
			c->out.audio(c->out.ctx, m.audio_id, msg, len);
		return;
	}
	enum rx_verdict v = rx_intake_apply(&c->rules, &m, now, &reason);
	if (m.kind == RX_MSG_ALERT)
		alert(c, m.alert, v, reason, msg, len, false);
	else if (m.kind == RX_MSG_CMD)
		command(c, &m.cmd, v, reason, now, msg, len);
	else if (m.kind == RX_MSG_REJECT)
		tc_log(TC_LOG_WARN, "intake", "topic=%s refused, not acknowledged: %s", topic, reason);
	else if (m.kind == RX_MSG_CLEAR)
		tc_log(TC_LOG_WARN, "intake", "topic=%s empty message ignored (only a signed Cancel, command or expiry ends an alert)",
		       topic);
}

static void on_connected(void *ctx)
{
	struct rx_core *c = ctx;
	if (rx_state_ack_count(c->st))
		tc_log(TC_LOG_INFO, "ack", "sending %zu acknowledgments queued while offline",
		       rx_state_ack_count(c->st));
}

/* --- timers ------------------------------------------------------------------------ */

void rx_core_run(struct rx_core *c, volatile sig_atomic_t *stop, int64_t deadline_ms)
{
	while (!*stop && (deadline_ms <= 0 || rx_now_ms() < deadline_ms)) {
		rx_session_run(c->ses, TURN_MS);
		int64_t now = rx_now_ms();
		if (now >= c->next_expiry_ms) {
			rx_intake_expire(&c->rules, wall());
			c->next_expiry_ms = now + 1000;
		}
		if (now >= c->next_prune_ms) {
			rx_state_prune(c->st, wall());
			c->next_prune_ms = now + 3600 * 1000;
		}
		if (c->out.tick)
			c->out.tick(c->out.ctx, now);
		checks_poll(c);
		flush(c);
	}
	flush(c);
}

/* --- life cycle -------------------------------------------------------------------- */

enum tc_rc rx_core_new(const struct rx_config *cfg, const char *kind, bool restore_active, struct rx_core **out,
		       struct tc_diags *d)
{
	enum tc_rc rc;
	*out = NULL;
	struct rx_core *c = calloc(1, sizeof(*c));
	if (!c || !(c->d = tc_diags_new())) {
		free(c);
		return TC_ERR_NOMEM;
	}
	c->cfg = *cfg;
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	c->restore_active = restore_active;
	c->n_regions = rx_config_regions(cfg, c->regions);
	if ((rc = tc_sign_init()) || (rc = rx_config_keyring(cfg, &c->keys, d)))
		goto out;
	if ((rc = tc_proto_topic(c->ack_topic, sizeof(c->ack_topic), cfg->prefix, TC_TOPIC_RX_ACK, cfg->id, NULL))) {
		tc_err(d, "config.value", "id", "id '%s' cannot be used in a topic", cfg->id);
		goto out;
	}
	if ((rc = rx_state_open(cfg->state_dir, cfg->seen_keep_s, &c->st, d)))
		goto out;
	c->rules = (struct rx_rules){ .st = c->st, .self = c->cfg.id, .regions = (const char(*)[16])c->regions,
				      .n_regions = c->n_regions, .accept_drills = cfg->accept_drills,
				      .cmd_max_age_s = cfg->cmd_max_age_s, .skew_s = cfg->clock_skew_s, .ctx = c,
				      .ack = rules_ack, .stop = rules_stop };
	struct rx_session_options so = { .id = cfg->id, .broker = cfg->broker, .username = cfg->username,
					 .password = cfg->password, .cafile = cfg->cafile, .prefix = cfg->prefix, .kind = kind,
					 .version = TOCSIN_VERSION, .regions = (const char(*)[16])c->regions,
					 .n_regions = c->n_regions, .keepalive_s = cfg->keepalive_s,
					 .session_expiry_s = cfg->session_expiry_s, .heartbeat_s = cfg->heartbeat_s,
					 .reconnect_max_s = cfg->reconnect_max_s, .max_packet = cfg->max_packet };
	struct rx_session_callbacks cb = { .ctx = c, .message = on_message, .connected = on_connected };
	rc = rx_session_new(&so, &cb, &c->ses, d);
out:
	if (rc)
		rx_core_free(c);
	else
		*out = c;
	return rc;
}

void rx_core_free(struct rx_core *c)
{
	if (!c)
		return;
	rx_session_free(c->ses);
	if (c->st && rx_state_flush(c->st, c->d))
		log_diags(c->d, "state");
	rx_state_free(c->st);
	tc_diags_free(c->d);
	free(c);
}

void rx_core_set_output(struct rx_core *c, const struct rx_output *o)
{
	c->out = *o;
}

void rx_core_restore(struct rx_core *c)
{
	restore_guidance(c); /* before the alerts, so that one taken again finds its guidance */
	size_t n = rx_state_count(c->st);
	char (*ids)[17] = calloc(n ? n : 1, sizeof(*ids));
	size_t k = 0;
	for (size_t i = 0; ids && i < n; i++) {
		const struct rx_seen *s = rx_state_at(c->st, i);
		if (s->phase == RX_PHASE_ACTIVE) /* report what is in force again: the server may have missed it */
			queue_ack(c, s->id, (enum tc_ack_kind)s->final, s->reason[0] ? s->reason : NULL);
		if (s->phase == RX_PHASE_PENDING || (s->phase == RX_PHASE_ACTIVE && c->restore_active))
			memcpy(ids[k++], s->id, 17);
	}
	for (size_t i = 0; i < k; i++) {
		uint8_t *msg = NULL;
		size_t len = 0;
		struct rx_msg m = { .kind = RX_MSG_IGNORE };
		if (rx_state_load_msg(c->st, ids[i], &msg, &len) == TC_OK) {
			/* a kept message is read as if it came on our own topic */
			char topic[TC_PROTO_MAX_TOPIC];
			if (!tc_proto_topic(topic, sizeof(topic), c->cfg.prefix, TC_TOPIC_RX_CMD, c->cfg.id, NULL))
				rx_intake(c->cfg.prefix, c->cfg.id, &c->keys, topic, msg, len, &m);
			if (m.kind == RX_MSG_ALERT && !strcmp(m.alert->id, ids[i])) {
				const char *reason = NULL;
				enum rx_verdict v = rx_intake_restore(&c->rules, m.alert, wall(), &reason);
				alert(c, m.alert, v, reason, msg, len, true);
			} else {
				tc_rx_alert_free(m.alert);
				rx_core_ack(c, ids[i], TC_ACK_FAILED, "state-unreadable");
			}
		} else {
			rx_core_ack(c, ids[i], TC_ACK_FAILED, "state-unreadable");
		}
		free(msg);
	}
	free(ids);
	flush(c);
}

void rx_core_subscribe(struct rx_core *c, const char *topic)
{
	rx_session_subscribe(c->ses, topic);
}

void rx_core_unsubscribe(struct rx_core *c, const char *topic)
{
	rx_session_unsubscribe(c->ses, topic);
}

bool rx_core_connected(const struct rx_core *c)
{
	return rx_session_connected(c->ses);
}

const struct rx_config *rx_core_config(const struct rx_core *c)
{
	return &c->cfg;
}
