/*
 * rx_session.h — a receiver's one MQTT 5 connection: client id = receiver
 * id, clean start off with a session expiry (alerts queue at the broker
 * while the box is away), keepalive, a Last Will of the retained status
 * "offline", the retained status "online" refreshed every heartbeat, and
 * subscriptions at QoS 1 to P/region/<scope>/alert/+ for every scope of
 * every served code (tc_proto_region_scopes) and to P/rx/<id>/cmd.
 *
 * The broker being down — at start or later — is never fatal: connection
 * attempts are repeated with exponential backoff (1 s doubling up to
 * reconnect_max_s). It is driven from the owner's thread by
 * rx_session_run(); its callbacks run there, inside that call.
 */
#ifndef RX_SESSION_H
#define RX_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "tc_diag.h"

struct rx_session_options {
	const char *id, *broker, *username, *password, *prefix;
	const char *cafile;        /* mqtts: the broker's CA (NULL or "": the system's) */
	const char *kind;          /* loudspeaker | signage: in the status message */
	const char *version;
	const char (*regions)[16];
	size_t n_regions;
	long keepalive_s, session_expiry_s, heartbeat_s, reconnect_max_s;
	long max_packet;           /* bytes: the broker is asked to send nothing larger (0: no limit) */
};

struct rx_session_callbacks {
	void *ctx;
	/* One message (borrowed for the call). */
	void (*message)(void *ctx, const char *topic, const void *msg, size_t len);
	/* Connected (again) and subscribed. */
	void (*connected)(void *ctx);
};

struct rx_session;

/*
 * Strings in o are copied. broker is HOST:PORT or mqtt://HOST:PORT (plain) or mqtts://HOST:PORT
 * (TLS: the broker's certificate must be signed by cafile and name HOST). TC_ERR_USAGE (with a
 * message) when broker is none of these.
 */
enum tc_rc rx_session_new(const struct rx_session_options *o, const struct rx_session_callbacks *cb,
			  struct rx_session **out, struct tc_diags *d);
/* Says goodbye (retained status offline), disconnects; NULL is a no-op. */
void rx_session_free(struct rx_session *s);

/* Network work for at most timeout_ms: read, write, keepalive, reconnect, heartbeat. */
void rx_session_run(struct rx_session *s, int timeout_ms);
bool rx_session_connected(const struct rx_session *s);
/* The broker round trip (PUBLISH to PUBACK, ms) of the last timed QoS 1 publication; -1 before one. */
int64_t rx_session_rtt_ms(const struct rx_session *s);

/* Publish at qos (0 or 1, not retained); TC_ERR_IO when not connected. */
enum tc_rc rx_session_publish(struct rx_session *s, const char *topic, const void *buf, size_t len, int qos);
/* An extra subscription (audio), kept across reconnects until unsubscribed. */
void rx_session_subscribe(struct rx_session *s, const char *topic);
void rx_session_unsubscribe(struct rx_session *s, const char *topic);

#endif
