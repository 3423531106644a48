/*
 * rx_intake.h — the first step of every message a receiver gets: which
 * topic it came on, whether its seal verifies (tc_sign_open, before any
 * byte is parsed), and what it is — an alert payload, a command, an empty
 * retained message clearing an alert, an audio message — or why it is
 * refused. Shared by tocsin-receiver, tocsin-signage and the fuzz target;
 * pure (no I/O, no clock).
 */
#ifndef RX_INTAKE_H
#define RX_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_proto.h"
#include "tc_sign.h"

enum rx_msg_kind {
	RX_MSG_ALERT = 0, /* alert: a verified, parsed payload */
	RX_MSG_CMD,       /* cmd: a verified command on our own topic */
	RX_MSG_CLEAR,     /* an empty retained message on P/region/<c>/alert/<id> */
	RX_MSG_AUDIO,     /* an audio message (not sealed: its digest is in the signed payload) */
	RX_MSG_REJECT,    /* refused: reason (acknowledged when topic_id is known) */
	RX_MSG_IGNORE,    /* not for us (another receiver's topic, an empty command) */
};
const char *rx_msg_kind_name(enum rx_msg_kind k);

struct rx_msg {
	enum rx_msg_kind kind;
	char topic_id[17];      /* the alert id named by a region topic, "" when none */
	char audio_id[128];     /* RX_MSG_AUDIO */
	struct tc_rx_alert *alert; /* RX_MSG_ALERT; the caller frees it (tc_rx_alert_free) */
	struct tc_cmd cmd;      /* RX_MSG_CMD */
	const char *reason;     /* RX_MSG_REJECT: unsigned, malformed-signature, bad-signature,
				   malformed-payload, unsupported-version, malformed-command,
				   command-on-region-topic */
	const uint8_t *body;    /* the verified payload bytes inside msg (ALERT, CMD) */
	size_t body_len;
};

/*
 * Read one message received on topic by receiver self under prefix, with
 * the bureau's key pk. msg is borrowed (body points into it).
 */
void rx_intake(const char *prefix, const char *self, const uint8_t pk[TC_SIGN_PUBLIC_BYTES], const char *topic,
	       const void *msg, size_t len, struct rx_msg *out);

/*
 * The seal and what is behind it, without the topic: region says whether
 * it came on a region alert topic (where a command is refused). Sets kind
 * (ALERT, CMD or REJECT), reason, alert, cmd, body.
 */
void rx_intake_sealed(const uint8_t pk[TC_SIGN_PUBLIC_BYTES], bool region, const void *msg, size_t len,
		      struct rx_msg *out);

#endif
