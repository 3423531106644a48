/*
 * tc_mqtt.h — tocsind's connection to the MQTT broker (libmosquitto, MQTT 5).
 *
 * One thread of its own keeps the connection: it connects, reconnects with
 * backoff when the broker goes away, and turns what arrives into mails for
 * the owner thread (TC_MQTT_CONNECTED, TC_MQTT_DISCONNECTED, TC_MQTT_MESSAGE
 * with topic and payload). It never touches the store. Publishing is called
 * from the owner thread (libmosquitto is thread-safe for that).
 * A TC_MQTT_CONNECTED mail carries one byte: '1' when the broker still had
 * tocsind's session (so it kept its state), '0' when it starts afresh.
 *
 * The session is persistent (clean start off, a session expiry), so
 * acknowledgments that receivers send while tocsind is down wait at the
 * broker. On connect it subscribes, at QoS 1, to P/rx/+/ack and P/rx/+/status
 * (in a broker tree, P/county/+/rx/+/ack and P/county/+/rx/+/status).
 */
#ifndef TC_MQTT_H
#define TC_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_mailbox.h"

enum tc_mqtt_mail {
	TC_MQTT_CONNECTED = 100,
	TC_MQTT_DISCONNECTED,
	TC_MQTT_MESSAGE,
	TC_MQTT_RETAINED, /* a message the broker kept (it may be old): handled as TC_MQTT_MESSAGE */
};

struct tc_mqtt_options {
	const char *host;
	int port;
	const char *client_id;
	const char *username, *password; /* NULL: none */
	const char *cafile;              /* TLS, trusting this CA (PEM); NULL: plain MQTT */
	const char *prefix;              /* topic prefix, e.g. tocsin/v1 */
	bool county_tree;                /* a broker tree: receivers' topics are under P/county/<county> */
	unsigned index;                  /* this connection's number among tocsind's brokers: each mail's from */
	int keepalive_s;
	long session_expiry_s;
};

struct tc_mqtt;

/* Start the connection thread; mails go to mb. Fails only when libmosquitto cannot start. */
enum tc_rc tc_mqtt_start(const struct tc_mqtt_options *o, struct tc_mailbox *mb, struct tc_mqtt **out,
			 struct tc_diags *d);
/*
 * Disconnect and stop the thread, keeping the client: nothing more comes to the mailbox, and
 * what is there can still be handled (publishing fails from now on). NULL is a no-op.
 */
void tc_mqtt_halt(struct tc_mqtt *m);
/* Halt, then free; NULL is a no-op. */
void tc_mqtt_stop(struct tc_mqtt *m);

bool tc_mqtt_connected(const struct tc_mqtt *m);

/*
 * Publish at QoS 1 with an MQTT 5 message expiry (0: none). An empty
 * retained message (len 0) clears the topic. TC_ERR_IO when not connected
 * (nothing is queued then) or the connection failed; TC_ERR_INVALID when
 * this one message cannot be published (a topic with a wildcard or an
 * invalid level, a payload too large) while the connection is fine: the
 * caller fails that message alone and goes on with the others.
 */
enum tc_rc tc_mqtt_publish(struct tc_mqtt *m, const char *topic, const void *data, size_t len, bool retain,
			   uint32_t expiry_s);

/* Messages handed to libmosquitto since start (for metrics). */
unsigned long tc_mqtt_published(const struct tc_mqtt *m);

#endif
