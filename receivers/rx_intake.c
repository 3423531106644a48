/*
 * rx_intake.c — topic, seal and payload of one received message (rx_intake.h).
 */
#include "rx_intake.h"

#include <stdio.h>
#include <string.h>

const char *rx_msg_kind_name(enum rx_msg_kind k)
{
	static const char *const names[] = { "alert", "cmd", "clear", "audio", "reject", "ignore" };
	return (unsigned)k <= RX_MSG_IGNORE ? names[k] : "unknown";
}

static int is_alert_id(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

static void reject(struct rx_msg *out, const char *reason)
{
	out->kind = RX_MSG_REJECT;
	out->reason = reason;
}

void rx_intake_sealed(const uint8_t pk[TC_SIGN_PUBLIC_BYTES], bool region, const void *msg, size_t len,
		      struct rx_msg *out)
{
	enum tc_verify v = tc_sign_open(msg, len, pk, &out->body, &out->body_len);
	if (v != TC_VERIFY_OK) {
		reject(out, tc_verify_name(v));
		return;
	}
	struct tc_diags *d = tc_diags_new();
	if (!d) {
		reject(out, "malformed-payload");
		return;
	}
	if (tc_proto_is_cmd(out->body, out->body_len)) {
		if (region)
			reject(out, "command-on-region-topic");
		else if (tc_cmd_decode(out->body, out->body_len, &out->cmd, d))
			reject(out, "malformed-command");
		else
			out->kind = RX_MSG_CMD;
	} else if (tc_rx_alert_parse(out->body, out->body_len, &out->alert, d)) {
		out->alert = NULL;
		reject(out, tc_diags_find(d, "proto.version") ? "unsupported-version" : "malformed-payload");
	} else {
		out->kind = RX_MSG_ALERT;
	}
	tc_diags_free(d);
}

void rx_intake(const char *prefix, const char *self, const uint8_t pk[TC_SIGN_PUBLIC_BYTES], const char *topic,
	       const void *msg, size_t len, struct rx_msg *out)
{
	char a[128], b[128];
	memset(out, 0, sizeof(*out));
	out->kind = RX_MSG_IGNORE;
	enum tc_topic_kind k = tc_proto_parse_topic(prefix, topic, a, sizeof(a), b, sizeof(b));
	if (k == TC_TOPIC_AUDIO) {
		out->kind = RX_MSG_AUDIO;
		snprintf(out->audio_id, sizeof(out->audio_id), "%s", a);
	} else if (k == TC_TOPIC_REGION_ALERT) {
		if (is_alert_id(b))
			memcpy(out->topic_id, b, 17);
		if (!len)
			out->kind = out->topic_id[0] ? RX_MSG_CLEAR : RX_MSG_IGNORE;
		else
			rx_intake_sealed(pk, true, msg, len, out);
	} else if (k == TC_TOPIC_RX_CMD && !strcmp(a, self) && len) {
		rx_intake_sealed(pk, false, msg, len, out);
	}
}
