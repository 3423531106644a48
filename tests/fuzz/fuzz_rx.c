/*
 * fuzz_rx.c — libFuzzer target for what a receiver does with a message
 * before trusting it (rx_intake): the topic, the seal, then — signed here
 * with a test key, so the parsers behind the signature are reached — the
 * alert payload or the command, the rules applied to it (rx_intake_apply,
 * on a fresh state in memory: scope, topic, time bounds, then the expiry), and the signage layout of
 * what parsed.
 *
 * Input: one byte choosing the topic (region alert, own command topic,
 * another receiver's, audio, unknown), one byte choosing whether the rest
 * is sealed with the test key or fed as it is, then the message bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rx_intake.h"
#include "rx_signage_view.h"
#include "tc_sign.h"

#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
static struct tc_keyring ring;
static const char regions[1][16] = { "120116" };
static int ready;

static const char *const topics[] = {
	"tocsin/v1/region/120116/alert/0123456789abcdef",
	"tocsin/v1/region/120116/alert/+",
	"tocsin/v1/rx/rx-1/cmd",
	"tocsin/v1/rx/rx-2/cmd",
	"tocsin/v1/audio/0123456789abcdef-zh-CN",
	"tocsin/v1/other",
};

static void no_ack(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again)
{
	(void)ctx, (void)id, (void)kind, (void)reason, (void)again;
}

/* The rules on m, twice (the second time it has been seen), then the expiry. */
static void apply(const struct rx_msg *m)
{
	struct rx_state *st = rx_state_new(3600);
	if (!st)
		return;
	struct rx_rules r = { .st = st, .self = "rx-1", .regions = regions, .n_regions = 1,
			      .accept_drills = m->body_len & 1, .cmd_max_age_s = 600, .skew_s = 300, .ack = no_ack };
	rx_intake_apply(&r, m, 1800000000, NULL);
	rx_intake_apply(&r, m, 1800000000, NULL);
	rx_intake_expire(&r, INT64_MAX);
	rx_state_free(st);
}

static void lay_out(const struct tc_rx_alert *a)
{
	static struct rx_view_line lines[24];
	const struct tc_rx_info *in = tc_rx_alert_info(a, "zh-CN");
	struct rx_view_alert v = { .id = a->id, .colour = a->colour, .event = in ? in->event : NULL,
				   .headline = in ? in->headline : NULL, .instruction = in ? in->instruction : NULL,
				   .area = in ? in->area : NULL, .sent = a->sent, .expires = a->expires,
				   .priority = a->priority, .drill = a->drill };
	struct rx_view_header h = { .shelter_name = in ? in->sender_name : NULL, .capacity = 1, .online = true };
	rx_view_layout(&h, &v, 1, 0, 40, 24, lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		uint8_t seed[32] = { 7 };
		tc_sign_init();
		crypto_sign_seed_keypair(pk, sk, seed);
		tc_keyring_add(&ring, pk);
		ready = 1;
	}
	if (size < 2 || size > 65536)
		return 0;
	const char *topic = topics[data[0] % (sizeof(topics) / sizeof(topics[0]))];
	const uint8_t *msg = data + 2;
	size_t len = size - 2, sealed_len = 0;
	uint8_t *sealed = NULL;
	if (data[1] & 1) {
		sealed = malloc(len + TC_SIGN_HEADER_LEN);
		if (!sealed || tc_sign_seal(msg, len, sk, sealed, len + TC_SIGN_HEADER_LEN, &sealed_len)) {
			free(sealed);
			return 0;
		}
		msg = sealed;
		len = sealed_len;
	}
	struct rx_msg m;
	rx_intake("tocsin/v1", "rx-1", &ring, topic, msg, len, &m);
	apply(&m);
	if (m.kind == RX_MSG_ALERT) {
		lay_out(m.alert);
		tc_rx_alert_free(m.alert);
	}
	free(sealed);
	return 0;
}
