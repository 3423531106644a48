/*
 * tc_broker.h — the broker's accounts and rights, as mosquitto's
 * dynamic-security plugin takes them (docs/operations.md, "Broker security").
 *
 * Every receiver has its own account: username and client id are its id, the
 * password its secret, and one role of its own, "rx:<id>", that lets it
 * publish only P/rx/<id>/ack and P/rx/<id>/status and subscribe only to its
 * region topics (its code and each prefix), its cmd topic and the audio
 * topics. tocsind's account "tocsind" has the role "tocsind": publish and
 * subscribe anywhere under P, and the plugin's control topic (to add and
 * remove receivers' accounts while the broker runs). Anything not allowed is
 * refused (the default ACL access denies publishing and subscribing).
 * The plugin of mosquitto 2.0 has no %u/%c patterns, hence a role per receiver.
 *
 * Everything here is text in, text out; the strings returned are malloc'ed.
 */
#ifndef TC_BROKER_H
#define TC_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"

#define TC_BROKER_USER "tocsind"        /* tocsind's username and role */
#define TC_BROKER_SALT_BYTES 12         /* the plugin's salt */
#define TC_BROKER_ITERATIONS 101        /* PBKDF2 rounds the plugin uses by default */
#define TC_BROKER_SECRET_CHARS 32       /* a receiver's secret: 16 random bytes as hex */
#define TC_BROKER_CONTROL "$CONTROL/dynamic-security/v1"
/* The largest MQTT packet the broker takes: an alert's audio (a few minutes of Opus) fits. */
#define TC_BROKER_MAX_PACKET (16u << 20)

/*
 * Where the commands for the account of a receiver in region go: the plugin's control topic
 * TC_BROKER_CONTROL on the one broker (region NULL), or in a broker tree P/county/C/dynsec of
 * the top broker, which the bridge of county C's broker carries to its plugin (and the answer
 * back on P/county/C/dynsec/response). TC_ERR_USAGE when region has no county (6 digits).
 */
enum tc_rc tc_broker_control_topic(char *out, size_t len, const char *prefix, const char *region);

/*
 * The commands that make receiver id's account and role as they should be,
 * whether or not they exist already: createRole with its ACLs and createClient
 * (each refused harmlessly when it exists: a secret never changes), and with
 * moved (its region changed) modifyRole to replace the ACLs. The plugin
 * rewrites its whole file after each command that changes something, so
 * nothing is sent that changes nothing. NULL when id or region cannot be in
 * a topic.
 */
char *tc_broker_rx_commands(const char *prefix, const char *id, const char *region, const char *secret, bool moved);
/* The commands that remove receiver id's account and role (its session is ended by the broker). */
char *tc_broker_rx_delete(const char *id);
/* A receiver's account as the plugin's file holds it (its secret hashed with salt). */
struct tc_broker_rx {
	const char *id, *region, *secret;
	uint8_t salt[TC_BROKER_SALT_BYTES];
};

/*
 * The plugin's whole configuration file: default access (deny publish and subscribe),
 * the role "tocsind" and the client "tocsind" with password hashed with salt (none when
 * password is NULL: a county broker of a tree, which tocsind reaches through the top), and the n
 * receivers' roles and accounts (a receiver whose id or region cannot be in a topic is left
 * out). Writing them here, at setup, costs one file; the plugin rewrites its whole file
 * after each command, so thousands of accounts sent one by one cost thousands of rewrites.
 */
char *tc_broker_dynsec_config(const char *prefix, const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES],
			      const struct tc_broker_rx *rx, size_t n);
/*
 * A county broker's bridge account on the top broker of a broker tree (docs/operations.md, "A
 * broker tree"): username and client id "bridge-<county>", role "bridge:<county>" that lets it
 * subscribe only to what the county's receivers read there (P/county/C/region/+/alert/+,
 * P/county/C/rx/+/cmd, P/county/C/audio/+ and its plugin's commands P/county/C/dynsec) and
 * publish only P/county/C/rx/+/ack, P/county/C/rx/+/status and P/county/C/dynsec/response.
 */
#define TC_BROKER_BRIDGE_USER "bridge-"
struct tc_broker_bridge {
	const char *county; /* 6 digits */
	const char *password;
	uint8_t salt[TC_BROKER_SALT_BYTES];
};

/*
 * The plugin's file of the top broker of a tree: tocsind's account as tc_broker_dynsec_config
 * makes it, and the n counties' bridge accounts (no receivers: they use their county's broker).
 * NULL when a county is not 6 digits.
 */
char *tc_broker_dynsec_top(const char *prefix, const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES],
			   const struct tc_broker_bridge *b, size_t n);

/* PBKDF2-HMAC-SHA512 of password as the plugin stores it: base64 of 64 bytes (out >= 89 bytes). */
enum tc_rc tc_broker_hash(const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES], int iterations,
			  char *out, size_t out_len);

#endif
