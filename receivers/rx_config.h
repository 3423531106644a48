/*
 * rx_config.h — the settings of tocsin-receiver and tocsin-signage: one
 * table (name, type, default, bounds, help), read from an INI file under
 * [receiver] and then from command-line flags, which win. The example file
 * dist/tocsin-receiver.conf is what --print-config writes, from the same
 * table.
 */
#ifndef RX_CONFIG_H
#define RX_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "tc_diag.h"

#define RX_MAX_REGIONS 8

struct rx_config {
	char id[64];
	char region[256];       /* comma-separated region codes */
	char broker[256];       /* HOST:PORT */
	char username[128];
	char password[128];
	char cafile[1024];      /* mqtts: the broker's CA certificate (PEM) */
	char pubkey[1024];      /* file holding the bureau's public keys (base64, one a line) */
	char pubkeys[1024];     /* the bureau's public keys inline, comma or space separated */
	long clock_skew_s;      /* how far ahead of this clock an alert may be issued */
	long max_packet;        /* bytes: larger incoming messages are dropped unread */
	char state_dir[1024];
	char prefix[128];
	char lang[16];
	bool accept_drills;
	long cmd_max_age_s;
	long keepalive_s;
	long session_expiry_s;
	long heartbeat_s;
	long reconnect_max_s;
	long seen_keep_s;
	char audio_device[128]; /* "default" or part of a PortAudio device name */
	char audio_out[1024];   /* write a WAV file instead of the sound card; "" for none */
	long volume;            /* percent */
	bool realtime;          /* pace output to the wall clock */
	long sample_rate;
	long tone_ms;
	long gap_ms;
	long max_repeats;
	long queue_size;
	long audio_timeout_s;
	bool speak_drill;
	long test_tone_s;
	char shelter_name[128];
	long shelter_capacity;
	long notice_s;          /* how long a Cancel's lifting notice stays when it has no expiry */
	char log_level[8];
};

/* The defaults of every setting. */
void rx_config_defaults(struct rx_config *c);

/*
 * Read an INI file: "name = value" lines under [receiver]; '#' and ';'
 * start comments. Unknown names, other sections and bad values are errors
 * naming the file and line; nothing is changed when any line is bad.
 */
enum tc_rc rx_config_load(struct rx_config *c, const char *path, struct tc_diags *d);

/* Set one setting by name from text (as a flag does); errors name the setting and its bounds. */
enum tc_rc rx_config_set(struct rx_config *c, const char *name, const char *value, struct tc_diags *d);

/* What a daemon cannot start without (id, region, broker, pubkey or pubkeys, state_dir), checked once. */
enum tc_rc rx_config_check(const struct rx_config *c, struct tc_diags *d);

/*
 * The region codes of c->region, each checked to be 2 to 12 digits, into
 * out; returns how many, 0 when one is bad.
 */
size_t rx_config_regions(const struct rx_config *c, char out[RX_MAX_REGIONS][16]);

/*
 * The trusted keys of c: those of the pubkey file, then the pubkeys list.
 * Errors name the file or setting and the bad key.
 */
struct tc_keyring;
enum tc_rc rx_config_keyring(const struct rx_config *c, struct tc_keyring *ring, struct tc_diags *d);

/* Write every setting with its help and default, as an example file. */
void rx_config_print(FILE *f);

#endif
