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
 * the role "tocsind" and the client "tocsind" with password hashed with salt, and the n
 * receivers' roles and accounts (a receiver whose id or region cannot be in a topic is left
 * out). Writing them here, at setup, costs one file; the plugin rewrites its whole file
 * after each command, so thousands of accounts sent one by one cost thousands of rewrites.
 */
char *tc_broker_dynsec_config(const char *prefix, const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES],
			      const struct tc_broker_rx *rx, size_t n);
/* PBKDF2-HMAC-SHA512 of password as the plugin stores it: base64 of 64 bytes (out >= 89 bytes). */
enum tc_rc tc_broker_hash(const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES], int iterations,
			  char *out, size_t out_len);

#endif
