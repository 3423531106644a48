/*
 * fuzz_proto.c — libFuzzer target for the receiver protocol's messages as
 * tocsind reads them from the broker (acknowledgments, statuses, topics)
 * and as receivers read them (commands, alert payloads): all arrive from
 * devices or the network, unchecked by anything before these parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct tc_diags *d = tc_diags_new();
	struct tc_ack ack;
	struct tc_rx_status st;
	struct tc_cmd cmd;
	struct tc_rx_alert *a = NULL;
	tc_ack_decode(data, size, &ack, d);
	tc_rx_status_decode(data, size, &st, d);
	tc_cmd_decode(data, size, &cmd, d);
	tc_proto_is_cmd(data, size);
	if (tc_rx_alert_parse(data, size, &a, d) == TC_OK) {
		tc_rx_alert_info(a, "zh-CN");
		tc_rx_alert_free(a);
	}
	/* The same bytes as a topic and as a region code. */
	char *topic = malloc(size + 1), x[128], y[64], scopes[TC_PROTO_MAX_REGIONS][16];
	memcpy(topic, data, size);
	topic[size] = '\0';
	tc_proto_parse_topic(NULL, topic, x, sizeof(x), y, sizeof(y));
	tc_proto_region_scopes(topic, scopes);
	char out[TC_PROTO_MAX_TOPIC];
	tc_proto_topic(out, sizeof(out), NULL, TC_TOPIC_RX_ACK, topic, NULL);
	free(topic);
	tc_diags_free(d);
	return 0;
}
