/*
 * test_rx_rules.c — what a receiver acts on (rx_intake, then
 * rx_intake_apply), with real seals: only what a trusted key sealed, meant
 * for this receiver (its id, or one of its region codes under a scope
 * region), on the topic of the alert it names, within issued_at - skew ..
 * expires_at. Refusals of anything not verified are never acknowledged;
 * empty and garbage messages change nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx_intake.h"
#include "tc_sign.h"

#define NOW 1800000000LL
#define P "tocsin/v1"

static uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
static uint8_t pk2[TC_SIGN_PUBLIC_BYTES], sk2[TC_SIGN_SECRET_BYTES];
static uint8_t other_pk[TC_SIGN_PUBLIC_BYTES], other_sk[TC_SIGN_SECRET_BYTES];
static struct tc_keyring ring; /* pk and pk2: a rotation in progress */
static char kid[17], kid2[17];
static const char my_regions[1][16] = { "120116001001" };

struct said {
	char lines[16][96];
	size_t n;
	int stopped;
};

static void said_ack(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again)
{
	struct said *w = ctx;
	(void)again;
	if (w->n < 16)
		snprintf(w->lines[w->n++], sizeof(w->lines[0]), "%s %s %s", id, tc_ack_kind_name(kind), reason ? reason : "-");
}

static void said_stop(void *ctx, const char *id)
{
	(void)id;
	((struct said *)ctx)->stopped++;
}

static int setup(void **state)
{
	(void)state;
	if (tc_sign_keypair(pk, sk) || tc_sign_keypair(pk2, sk2) || tc_sign_keypair(other_pk, other_sk))
		return -1;
	tc_sign_kid(pk, kid);
	tc_sign_kid(pk2, kid2);
	return tc_keyring_add(&ring, pk) || tc_keyring_add(&ring, pk2);
}

/* A payload for id, sealed with key s (its kid named by payload_kid), scoped as given. */
static size_t alert_msg(uint8_t *out, size_t cap, const uint8_t *s, const char *payload_kid, const char *id,
			const char *msg_type, const char *refs, long long issued, long long expires, const char *scope)
{
	char json[1024];
	size_t n = 0;
	snprintf(json, sizeof(json),
		 "{\"v\":1,\"id\":\"%s\",\"msgType\":\"%s\",\"references\":[%s],\"infos\":[{\"lang\":\"zh-CN\"}],"
		 "\"kid\":\"%s\",\"issued_at\":%lld,\"expires_at\":%lld,\"scope\":%s}",
		 id, msg_type, refs, payload_kid, issued, expires, scope);
	assert_int_equal(tc_sign_seal(json, strlen(json), s, out, cap, &n), TC_OK);
	return n;
}

static size_t plain(uint8_t *out, size_t cap, const char *id, const char *scope)
{
	return alert_msg(out, cap, sk, kid, id, "Alert", "", NOW - 10, NOW + 3600, scope);
}

struct rig {
	struct rx_state *st;
	struct said w;
	struct rx_rules r;
};

static void rig_up(struct rig *g)
{
	memset(g, 0, sizeof(*g));
	g->st = rx_state_new(3600);
	g->r = (struct rx_rules){ .st = g->st, .self = "rx-1", .regions = my_regions, .n_regions = 1,
				  .accept_drills = true, .cmd_max_age_s = 600, .skew_s = 300, .ctx = &g->w,
				  .ack = said_ack, .stop = said_stop };
}

/* Receive msg on topic at now; the verdict, *why the reason. */
static enum rx_verdict receive(struct rig *g, const char *topic, const void *msg, size_t len, int64_t now,
			       const char **why)
{
	struct rx_msg m;
	rx_intake(P, "rx-1", &ring, topic, msg, len, &m);
	enum rx_verdict v = rx_intake_apply(&g->r, &m, now, why);
	tc_rx_alert_free(m.alert);
	return v;
}

static void rig_down(struct rig *g)
{
	rx_state_free(g->st);
}

#define ID_A "a1a1a1a1a1a1a1a1"
#define ID_B "b2b2b2b2b2b2b2b2"
#define TOPIC_A P "/region/120116/alert/" ID_A
#define TOPIC_B P "/region/120116/alert/" ID_B

static void test_scope(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	size_t n;
	rig_up(&g);
	/* a prefix of our region code: taken */
	n = plain(buf, sizeof(buf), ID_A, "{\"regions\":[\"120116\"],\"receivers\":[]}");
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN);
	/* another region (a genuine alert for Shanghai replayed on our topic): refused, not a word */
	n = plain(buf, sizeof(buf), ID_B, "{\"regions\":[\"31\",\"1201160010011\"],\"receivers\":[\"rx-2\"]}");
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "out-of-scope");
	/* our id among the receivers: taken */
	n = plain(buf, sizeof(buf), ID_B, "{\"regions\":[\"31\"],\"receivers\":[\"rx-9\",\"rx-1\"]}");
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_TAKEN);
	assert_int_equal(g.w.n, 2);
	assert_string_equal(g.w.lines[0], ID_A " received -");
	assert_string_equal(g.w.lines[1], ID_B " received -");
	rig_down(&g);
}

static void test_topic_must_match(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	rig_up(&g);
	size_t n = plain(buf, sizeof(buf), ID_A, "{\"regions\":[\"12\"],\"receivers\":[]}");
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "topic-mismatch");
	assert_int_equal(g.w.n, 0);
	assert_null(rx_state_find(g.st, ID_A)); /* the genuine copy is still taken later */
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN);
	/* on our own command topic (a direct send): no alert id in the topic */
	rig_down(&g);
	rig_up(&g);
	assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_TAKEN);
	rig_down(&g);
}

static void test_time_bounds(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	const char *scope = "{\"regions\":[\"12\"],\"receivers\":[]}";
	rig_up(&g);
	size_t n = alert_msg(buf, sizeof(buf), sk, kid, ID_A, "Alert", "", NOW + 301, NOW + 3600, scope);
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "not-yet-valid");
	assert_int_equal(g.w.n, 0);
	n = alert_msg(buf, sizeof(buf), sk, kid, ID_A, "Alert", "", NOW + 300, NOW + 3600, scope);
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN); /* within the skew */
	/* replayed after its expiry: refused expired (a verified id in scope: acknowledged) */
	n = alert_msg(buf, sizeof(buf), sk, kid, ID_B, "Alert", "", NOW - 7200, NOW - 1, scope);
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "expired");
	assert_string_equal(g.w.lines[g.w.n - 1], ID_B " rejected expired");
	/* what was taken ends at its expiry */
	rx_intake_expire(&g.r, NOW + 3600);
	assert_string_equal(g.w.lines[g.w.n - 1], ID_A " cleared expired");
	rig_down(&g);
}

static void test_keys(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	const char *scope = "{\"regions\":[\"12\"],\"receivers\":[]}";
	rig_up(&g);
	/* either key of a rotation */
	size_t n = alert_msg(buf, sizeof(buf), sk2, kid2, ID_A, "Alert", "", NOW, NOW + 60, scope);
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN);
	/* a key not trusted: refused unknown-key, never acknowledged */
	char okid[17];
	tc_sign_kid(other_pk, okid);
	n = alert_msg(buf, sizeof(buf), other_sk, okid, ID_B, "Alert", "", NOW, NOW + 60, scope);
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "unknown-key");
	/* the payload names another key than the seal: refused */
	n = alert_msg(buf, sizeof(buf), sk, kid2, ID_B, "Alert", "", NOW, NOW + 60, scope);
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "key-mismatch");
	/* changed after sealing */
	n = plain(buf, sizeof(buf), ID_B, scope);
	buf[n - 2] ^= 1;
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "bad-signature");
	assert_int_equal(g.w.n, 1); /* only ID_A's received */
	rig_down(&g);
}

static void test_empty_and_garbage_change_nothing(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	rig_up(&g);
	size_t n = plain(buf, sizeof(buf), ID_A, "{\"regions\":[\"12\"],\"receivers\":[]}");
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN);
	assert_int_equal(receive(&g, TOPIC_A, "", 0, NOW, &why), RX_IGNORED);
	assert_string_equal(why, "empty-message");
	assert_int_equal(receive(&g, TOPIC_A, "garbage", 7, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "unsigned");
	static const char junk[] = "tocsin-sig-v2 zzzz";
	assert_int_equal(receive(&g, TOPIC_A, junk, strlen(junk), NOW, &why), RX_REFUSED);
	assert_string_equal(why, "malformed-signature");
	assert_true(rx_state_in_force(g.st, ID_A));
	assert_int_equal(g.w.n, 1);
	assert_int_equal(g.w.stopped, 0);
	/* a signed Cancel ends it */
	char refs[96];
	snprintf(refs, sizeof(refs), "\"s,i,t\"");
	char ref_id[17];
	tc_proto_reference_id("s,i,t", 5, ref_id);
	rig_down(&g);
	rig_up(&g);
	n = plain(buf, sizeof(buf), ref_id, "{\"regions\":[\"12\"],\"receivers\":[]}");
	char topic[128];
	snprintf(topic, sizeof(topic), P "/region/120116/alert/%s", ref_id);
	assert_int_equal(receive(&g, topic, buf, n, NOW, &why), RX_TAKEN);
	n = alert_msg(buf, sizeof(buf), sk, kid, ID_B, "Cancel", refs, NOW, NOW + 60, "{\"regions\":[\"12\"],\"receivers\":[]}");
	assert_int_equal(receive(&g, TOPIC_B, buf, n, NOW, &why), RX_TAKEN);
	assert_false(rx_state_in_force(g.st, ref_id));
	assert_int_equal(g.w.stopped, 1);
	rig_down(&g);
}

static size_t command(uint8_t *out, size_t cap, const char *rx, const char *alert, int64_t at, const char *nonce)
{
	struct tc_cmd c = { .kind = TC_CMD_CANCEL, .at = at };
	char text[512];
	size_t n = 0;
	snprintf(c.alert_id, sizeof(c.alert_id), "%s", alert);
	snprintf(c.nonce, sizeof(c.nonce), "%s", nonce);
	snprintf(c.rx, sizeof(c.rx), "%s", rx);
	memcpy(c.kid, kid, sizeof(c.kid));
	size_t len = tc_cmd_encode(&c, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(tc_sign_seal(text, len, sk, out, cap, &n), TC_OK);
	return n;
}

static void test_commands(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[2048];
	const char *why;
	rig_up(&g);
	size_t n = plain(buf, sizeof(buf), ID_A, "{\"regions\":[\"12\"],\"receivers\":[]}");
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_TAKEN);
	/* another receiver's command, replayed on ours: not obeyed, not a word */
	n = command(buf, sizeof(buf), "rx-2", ID_A, NOW, "n1");
	assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "not-for-this-receiver");
	assert_true(rx_state_in_force(g.st, ID_A));
	/* a command on a region topic */
	n = command(buf, sizeof(buf), "rx-1", ID_A, NOW, "n2");
	assert_int_equal(receive(&g, TOPIC_A, buf, n, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "command-on-region-topic");
	/* ours */
	assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_OBEYED);
	assert_false(rx_state_in_force(g.st, ID_A));
	assert_int_equal(g.w.n, 2);
	assert_string_equal(g.w.lines[1], ID_A " cleared cancelled");
	rig_down(&g);
}

/* A guidance or shelter command, sealed with key s for rx, issued at. */
static size_t told(uint8_t *out, size_t cap, enum tc_cmd_kind kind, const uint8_t *s, const char *rx, int64_t at,
		   const char *nonce)
{
	struct tc_cmd c = { .kind = kind, .at = at, .capacity = 1200, .occupancy = 1200, .full = true, .n_guidance = 1 };
	char text[2048];
	size_t n = 0;
	snprintf(c.alert_id, sizeof(c.alert_id), "%s", ID_A);
	snprintf(c.nonce, sizeof(c.nonce), "%s", nonce);
	snprintf(c.rx, sizeof(c.rx), "%s", rx);
	snprintf(c.shelter_name, sizeof(c.shelter_name), "塘沽第一中学");
	c.guidance[0] = (struct tc_cmd_guidance){ .lang = "zh-CN", .text = "请前往塘沽第一中学避难场所，距离约四百米，向东。",
						  .audio_id = "g-0123456789abcdef", .format = "ogg-opus", .length = 9000,
						  .duration_ms = 4200 };
	memset(c.guidance[0].sha256, 'a', 64);
	memcpy(c.kid, s == sk ? kid : "0000000000000000", sizeof(c.kid));
	size_t len = tc_cmd_encode(&c, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(tc_sign_seal(text, len, s, out, cap, &n), TC_OK);
	return n;
}

/* The way to shelter and a shelter's state obey the same rules as every command: from a trusted
 * key only, for this receiver only, once, and not stale; a stolen receiver cannot send another
 * village somewhere else, nor call a display's shelter full. */
static void test_guidance_and_shelter_commands(void **state)
{
	(void)state;
	static const enum tc_cmd_kind kinds[] = { TC_CMD_GUIDANCE, TC_CMD_SHELTER };
	struct rig g;
	uint8_t buf[4096];
	const char *why = NULL;
	rig_up(&g);
	for (size_t k = 0; k < 2; k++) {
		char nonce[8];
		snprintf(nonce, sizeof(nonce), "g%zu", k);
		size_t n = told(buf, sizeof(buf), kinds[k], sk, "rx-2", NOW, nonce);
		assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_REFUSED);
		assert_string_equal(why, "not-for-this-receiver");
		n = told(buf, sizeof(buf), kinds[k], other_sk, "rx-1", NOW, nonce);
		assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_REFUSED);
		assert_string_equal(why, "unknown-key");
		n = told(buf, sizeof(buf), kinds[k], sk, "rx-1", NOW - 601, nonce);
		assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_REFUSED);
		assert_string_equal(why, "command-too-old");
		snprintf(nonce, sizeof(nonce), "h%zu", k);
		n = told(buf, sizeof(buf), kinds[k], sk, "rx-1", NOW, nonce);
		assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_OBEYED);
		assert_int_equal(receive(&g, P "/rx/rx-1/cmd", buf, n, NOW, &why), RX_IGNORED); /* replayed */
	}
	rig_down(&g);
}

/* A guidance command read back from the disk after a restart: verified again, for this receiver and
 * this alert only; a file changed on disk is refused, and one whose alert was played or ended, or
 * never came within a day, is stale. */
static void test_kept_guidance(void **state)
{
	(void)state;
	struct rig g;
	uint8_t buf[4096];
	struct tc_cmd cmd;
	const char *why = NULL;
	rig_up(&g);
	size_t n = told(buf, sizeof(buf), TC_CMD_GUIDANCE, sk, "rx-1", NOW, "k0");
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW + 3600, &cmd, &why), RX_TAKEN);
	assert_string_equal(cmd.guidance[0].audio_id, "g-0123456789abcdef");
	/* the same file twice is still taken: its nonce is not checked again */
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW, &cmd, &why), RX_TAKEN);
	uint8_t bad[4096];
	memcpy(bad, buf, n);
	size_t at = 0;
	while (at + 18 <= n && memcmp(bad + at, "g-0123456789abcdef", 18))
		at++;
	assert_true(at + 18 <= n);
	bad[at + 2] = 'f'; /* another village's audio, written on the disk */
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, bad, n, NOW, &cmd, &why), RX_REFUSED);
	assert_string_equal(why, "bad-signature");
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n - 1, NOW, &cmd, &why), RX_REFUSED);
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_B, buf, n, NOW, &cmd, &why), RX_REFUSED);
	assert_string_equal(why, "other-alert");
	size_t m = told(bad, sizeof(bad), TC_CMD_GUIDANCE, sk, "rx-2", NOW, "k1");
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, bad, m, NOW, &cmd, &why), RX_REFUSED);
	assert_string_equal(why, "not-for-this-receiver");
	m = told(bad, sizeof(bad), TC_CMD_GUIDANCE, other_sk, "rx-1", NOW, "k2");
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, bad, m, NOW, &cmd, &why), RX_REFUSED);
	assert_string_equal(why, "unknown-key");
	m = told(bad, sizeof(bad), TC_CMD_SHELTER, sk, "rx-1", NOW, "k3");
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, bad, m, NOW, &cmd, &why), RX_REFUSED);
	assert_string_equal(why, "not-guidance");
	/* stale: its alert never came within a day; its alert played; its alert ended */
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW + RX_GUIDANCE_KEEP_S, &cmd, &why),
			 RX_IGNORED);
	assert_string_equal(why, "stale");
	rx_state_record(g.st, ID_A, TC_ACK_RECEIVED, NULL, NOW);
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW + RX_GUIDANCE_KEEP_S, &cmd, &why),
			 RX_TAKEN); /* pending: kept however long the alert lasts */
	rx_state_record(g.st, ID_A, TC_ACK_PLAYED, NULL, NOW);
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW, &cmd, &why), RX_IGNORED);
	rx_state_record(g.st, ID_A, TC_ACK_CLEARED, "expired", NOW);
	assert_int_equal(rx_intake_kept_guidance(&g.r, &ring, ID_A, buf, n, NOW, &cmd, &why), RX_IGNORED);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_topic_must_match),
		cmocka_unit_test(test_time_bounds),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_empty_and_garbage_change_nothing),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_guidance_and_shelter_commands),
		cmocka_unit_test(test_kept_guidance),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
