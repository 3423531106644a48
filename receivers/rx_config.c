/*
 * rx_config.c — the receivers' settings table (rx_config.h); reading and
 * printing are common/tc_settings.c's.
 */
#include "rx_config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"
#include "tc_id.h"
#include "tc_settings.h"
#include "tc_sign.h"

#define FIELD(f) TC_SETTING_FIELD(struct rx_config, f)
#define TEXT(f, def, help) { #f, TC_SET_TEXT, FIELD(f), def, 0, 0, NULL, help }
#define BOOL(f, def, help) { #f, TC_SET_BOOL, FIELD(f), def, 0, 0, NULL, help }
#define LONG(f, def, min, max, help) { #f, TC_SET_LONG, FIELD(f), def, min, max, NULL, help }

static const struct tc_setting settings[] = {
	TEXT(id, "", "this receiver's id, as registered on the server; required"),
	TEXT(region, "", "GB/T 2260 region codes served (6, 9 or 12 digits), comma-separated; required"),
	TEXT(broker, "127.0.0.1:1883", "HOST:PORT of the MQTT broker"),
	TEXT(username, "", "MQTT user name; empty: none"),
	TEXT(password, "", "MQTT password; empty: none (keep this file mode 0600 when set)"),
	TEXT(cafile, "", "broker = mqtts://...: the broker's CA certificate (BROKER_DIR/ca.crt); empty: the system's"),
	{ "ca_cert", TC_SET_TEXT, FIELD(cafile), "", 0, 0, NULL, "the same as cafile" },
	TEXT(pubkey, "", "file with the bureau's public keys, one a line ('tocsin key trusted'); this or pubkeys is required"),
	TEXT(pubkeys, "", "the bureau's public keys inline (base64), comma or space separated"),
	LONG(clock_skew_s, "300", 0, 86400, "an alert issued up to this far ahead of this receiver's clock is still taken"),
	LONG(max_packet, "8388608", 65536, 268435456, "largest incoming message in bytes; larger ones are dropped unread"),
	TEXT(state_dir, "", "folder of the seen-list and the queue of unsent acknowledgments; required"),
	TEXT(prefix, "tocsin/v1", "topic prefix of the receiver protocol"),
	TEXT(lang, "zh-CN", "the info language played or shown first"),
	BOOL(accept_drills, "true", "play or show drills (status Exercise/Test); false: reject them as drill-refused"),
	LONG(cmd_max_age_s, "600", 10, 86400, "commands issued longer ago than this are refused"),
	LONG(keepalive_s, "30", 5, 3600, "MQTT keepalive (the Last Will is sent about 1.5 keepalives after a freeze)"),
	LONG(session_expiry_s, "86400", 0, 2592000, "how long the broker queues alerts while this receiver is away"),
	LONG(heartbeat_s, "60", 5, 86400, "how often the retained status is refreshed"),
	LONG(reconnect_max_s, "60", 1, 3600, "longest wait between connection attempts (backoff from 1 s)"),
	LONG(seen_keep_s, "604800", 3600, 31536000, "how long an ended alert stays in the seen-list"),
	TEXT(audio_device, "default", "loudspeaker: PortAudio output, 'default' or part of a device name"),
	TEXT(audio_out, "", "loudspeaker: write what would be played to this WAV file instead of a sound card"),
	LONG(volume, "100", 0, 100, "loudspeaker: output level in percent of full scale"),
	BOOL(realtime, "true", "loudspeaker: play at the loudspeaker's own pace; false writes as fast as the output takes it (checks with audio_out)"),
	LONG(sample_rate, "48000", 8000, 96000, "loudspeaker: output sample rate"),
	LONG(tone_ms, "3000", 0, 30000, "loudspeaker: attention signal (853 + 960 Hz) before the message"),
	LONG(gap_ms, "800", 0, 10000, "loudspeaker: silence after the signal and after each message"),
	LONG(max_repeats, "10", 1, 50, "loudspeaker: most repeats played, whatever the alert asks"),
	LONG(queue_size, "64", 1, 10000, "loudspeaker: alerts waiting to be played; beyond it the lowest priority fails"),
	LONG(audio_timeout_s, "20", 1, 600, "loudspeaker: wait for an alert's audio message (three attempts)"),
	BOOL(speak_drill, "true", "loudspeaker: say 'this is a drill' before and after a drill (espeak-ng)"),
	LONG(test_tone_s, "5", 1, 60, "loudspeaker: length of the test tone (command or --test-tone)"),
	TEXT(shelter_name, "", "signage: the shelter's name shown at the top"),
	LONG(shelter_capacity, "0", 0, 1000000, "signage: people the shelter takes (0: not shown)"),
	LONG(notice_s, "600", 5, 86400, "signage: how long a 'warning lifted' notice stays when the Cancel has no expiry"),
	TEXT(log_level, "info", "lowest level of log lines written to stderr (debug, info, warn, error)"),
};

static const struct tc_settings table = { settings, sizeof(settings) / sizeof(settings[0]), "receiver",
					  sizeof(struct rx_config) };

void rx_config_defaults(struct rx_config *c)
{
	tc_settings_defaults(&table, c);
}

enum tc_rc rx_config_set(struct rx_config *c, const char *name, const char *value, struct tc_diags *d)
{
	return tc_settings_set(&table, c, name, value, d);
}

enum tc_rc rx_config_load(struct rx_config *c, const char *path, struct tc_diags *d)
{
	return tc_settings_load(&table, c, path, d);
}

size_t rx_config_regions(const struct rx_config *c, char out[RX_MAX_REGIONS][16])
{
	size_t n = 0;
	for (const char *p = c->region; *p;) {
		size_t k = strcspn(p, ",");
		while (k && p[k - 1] == ' ')
			k--;
		if (n == RX_MAX_REGIONS || k < 2 || k > 12 || strspn(p, "0123456789") < k)
			return 0;
		memcpy(out[n], p, k);
		out[n++][k] = '\0';
		p += strcspn(p, ",");
		p += strspn(p, ", ");
	}
	return n;
}

enum tc_rc rx_config_check(const struct rx_config *c, struct tc_diags *d)
{
	char regions[RX_MAX_REGIONS][16];
	static const struct { const char *name; size_t off; } required[] = {
		{ "id", offsetof(struct rx_config, id) },
		{ "broker", offsetof(struct rx_config, broker) },
		{ "state_dir", offsetof(struct rx_config, state_dir) },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!((const char *)c + required[i].off)[0]) {
			tc_err(d, "config.required", required[i].name, "%s is required (--%s or in the config file)",
			       required[i].name, required[i].name);
			bad++;
		}
	if (!c->pubkey[0] && !c->pubkeys[0]) {
		tc_err(d, "config.required", "pubkey",
		       "pubkey (a file of trusted keys) or pubkeys (the keys inline) is required");
		bad++;
	}
	if (c->id[0] && !tc_id_valid(c->id)) {
		tc_err(d, "config.value", "id", "id '%s' %s", c->id, tc_id_problem(c->id));
		bad++;
	}
	if (!rx_config_regions(c, regions)) {
		tc_err(d, "config.value", "region",
		       "region '%s' must be one to %d codes of 2 to 12 digits, comma-separated", c->region, RX_MAX_REGIONS);
		bad++;
	}
	return bad ? TC_ERR_INVALID : TC_OK;
}

enum tc_rc rx_config_keyring(const struct rx_config *c, struct tc_keyring *ring, struct tc_diags *d)
{
	size_t bad = 0;
	enum tc_rc rc;
	memset(ring, 0, sizeof(*ring));
	if (c->pubkey[0]) {
		char *text = NULL;
		size_t len = 0;
		int err = tc_file_read(c->pubkey, 65536, &text, &len);
		if (err) {
			tc_err(d, "config.pubkey", c->pubkey, "cannot read the public keys %s: %s", c->pubkey, strerror(err));
			return TC_ERR_IO;
		}
		rc = tc_keyring_add_text(ring, text, &bad);
		free(text);
		if (rc) {
			tc_err(d, "config.pubkey", c->pubkey, "%s: key %zu is %s", c->pubkey, bad,
			       rc == TC_ERR_LIMIT ? "one too many (at most 8 keys)" : "not an Ed25519 public key (base64 of 32 bytes)");
			return rc;
		}
	}
	if (c->pubkeys[0] && (rc = tc_keyring_add_text(ring, c->pubkeys, &bad))) {
		tc_err(d, "config.pubkeys", "pubkeys", "pubkeys: key %zu is %s", bad,
		       rc == TC_ERR_LIMIT ? "one too many (at most 8 keys)" : "not an Ed25519 public key (base64 of 32 bytes)");
		return rc;
	}
	if (!ring->n) {
		tc_err(d, "config.pubkey", "pubkey", "no trusted public key: pubkey names an empty file and pubkeys is empty");
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

void rx_config_print(FILE *f)
{
	tc_settings_print(&table,
			  "# tocsin-receiver and tocsin-signage configuration. Every setting, with its\n"
			  "# default; flags such as --id, --region or --broker override the file.\n",
			  f);
}
