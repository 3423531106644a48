/*
 * tc_mqtt.c — the broker connection thread and publishing (tc_mqtt.h).
 */
#include "tc_mqtt.h"

/* Largest message tocsind reads (receivers send acknowledgments and statuses of a few hundred bytes). */
#define TC_MQTT_MAX_PACKET (256 * 1024)

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "tc_log.h"
#include "tc_proto.h"

#define RECEIVE_MAXIMUM 1000 /* QoS 1 messages the broker may have in flight to tocsind */

struct tc_mqtt {
	struct mosquitto *mosq;
	struct tc_mailbox *mb;
	struct tc_mqtt_options o;
	char host[256], client_id[128], prefix[128];
	pthread_t thread;
	bool started;
	atomic_bool stop, connected;
	bool refused; /* the last CONNACK refused us (network thread only) */
	bool tls;     /* with a CA: TLS */
	atomic_ulong published;
	mosquitto_property *connect_props;
};

/*
 * libmosquitto (and the TLS library under it) is set up with the first connection and cleaned up
 * after the last one is destroyed: with several brokers, one connection's stop must not clean up
 * what the others still use. Start and stop run on the owner thread.
 */
static atomic_int lib_users;

static void lib_take(void)
{
	if (atomic_fetch_add(&lib_users, 1) == 0)
		mosquitto_lib_init();
}

static void lib_release(void)
{
	if (atomic_fetch_sub(&lib_users, 1) == 1)
		mosquitto_lib_cleanup();
}

/*
 * libmosquitto sets up its TLS state (the TLS library, a UI method, an index for its data on each
 * connection) on the first TLS connection, unguarded: two connections making their first one at
 * the same moment race on it. With several brokers, TLS connections are therefore made one at a
 * time until one has been made; from then on they run side by side.
 */
static pthread_mutex_t tls_first = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool tls_ready;

static int connect_now(struct tc_mqtt *m)
{
	bool guard = m->tls && !atomic_load(&tls_ready);
	if (guard)
		pthread_mutex_lock(&tls_first);
	int rc = mosquitto_connect_bind_v5(m->mosq, m->host, m->o.port, m->o.keepalive_s, NULL, m->connect_props);
	if (guard) {
		if (rc == MOSQ_ERR_SUCCESS)
			atomic_store(&tls_ready, true);
		pthread_mutex_unlock(&tls_first);
	}
	return rc;
}

static void post(struct tc_mqtt *m, int kind, const char *topic, const void *data, size_t len)
{
	struct tc_mail *mail = tc_mail_new(kind, topic, data, len);
	if (mail)
		mail->from = m->o.index;
	if (tc_mailbox_post(m->mb, mail) != TC_OK)
		tc_log(TC_LOG_WARN, "mqtt", "the owner's mailbox is full; a %s was dropped",
		       kind == TC_MQTT_MESSAGE ? "message" : "connection event");
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
	(void)props;
	struct tc_mqtt *m = obj;
	char present = flags & 1 ? '1' : '0'; /* CONNACK "session present" */
	char acks[TC_PROTO_MAX_TOPIC], status[TC_PROTO_MAX_TOPIC];
	if (rc) {
		if (!m->refused) /* said once until a connection is accepted */
			tc_log(TC_LOG_ERROR, "mqtt", "the broker %s:%d refused the connection: %s", m->host, m->o.port,
			       mosquitto_reason_string(rc));
		m->refused = true;
		return;
	}
	m->refused = false;
	/* Subscription filters: tc_proto_topic() refuses "+" as a receiver id, on purpose. */
	snprintf(acks, sizeof(acks), "%s%s/rx/+/ack", m->prefix, m->o.county_tree ? "/county/+" : "");
	snprintf(status, sizeof(status), "%s%s/rx/+/status", m->prefix, m->o.county_tree ? "/county/+" : "");
	mosquitto_subscribe_v5(mosq, NULL, acks, 1, 0, NULL);
	mosquitto_subscribe_v5(mosq, NULL, status, 1, 0, NULL);
	atomic_store(&m->connected, true);
	post(m, TC_MQTT_CONNECTED, NULL, &present, 1);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
	(void)mosq;
	(void)props;
	struct tc_mqtt *m = obj;
	if (atomic_exchange(&m->connected, false)) {
		if (atomic_load(&m->stop))
			tc_log(TC_LOG_INFO, "mqtt", "disconnected from the broker %s:%d", m->host, m->o.port);
		else
			tc_log(TC_LOG_WARN, "mqtt", "lost the broker %s:%d (%s); reconnecting", m->host, m->o.port,
			       rc ? mosquitto_strerror(rc) : "closed");
		post(m, TC_MQTT_DISCONNECTED, NULL, NULL, 0);
	}
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	(void)mosq;
	(void)props;
	if (msg->payloadlen > TC_MQTT_MAX_PACKET) {
		tc_log(TC_LOG_WARN, "mqtt", "a message of %d bytes on %s dropped unread (at most %d)", msg->payloadlen,
		       msg->topic, TC_MQTT_MAX_PACKET);
		return;
	}
	post(obj, msg->retain ? TC_MQTT_RETAINED : TC_MQTT_MESSAGE, msg->topic, msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Connect, serve, and after a loss connect again with backoff, until told to stop. */
static void *run(void *arg)
{
	struct tc_mqtt *m = arg;
	long backoff = 100;
	bool warned = false;
	while (!atomic_load(&m->stop)) {
		int rc = connect_now(m);
		if (rc != MOSQ_ERR_SUCCESS) {
			if (!warned)
				tc_log(TC_LOG_WARN, "mqtt", "cannot reach the broker %s:%d (%s); trying again", m->host,
				       m->o.port, mosquitto_strerror(rc));
			warned = true;
			for (long t = 0; t < backoff && !atomic_load(&m->stop); t += 50)
				nap_ms(50);
			backoff = backoff < 5000 ? backoff * 2 : 5000;
			continue;
		}
		while (!atomic_load(&m->stop) && (rc = mosquitto_loop(m->mosq, 100, 1)) == MOSQ_ERR_SUCCESS) {
			if (atomic_load(&m->connected) && warned) {
				tc_log(TC_LOG_INFO, "mqtt", "connected to the broker %s:%d", m->host, m->o.port);
				warned = false;
			}
			if (atomic_load(&m->connected))
				backoff = 100;
		}
		on_disconnect(m->mosq, m, rc, NULL);
		/* Refused (wrong credentials, not authorised) or lost at once: wait before the next try too. */
		warned = true;
		for (long t = 0; t < backoff && !atomic_load(&m->stop); t += 50)
			nap_ms(50);
		backoff = backoff < 5000 ? backoff * 2 : 5000;
	}
	return NULL;
}

enum tc_rc tc_mqtt_start(const struct tc_mqtt_options *o, struct tc_mailbox *mb, struct tc_mqtt **out,
			 struct tc_diags *d)
{
	*out = NULL;
	struct tc_mqtt *m = calloc(1, sizeof(*m));
	if (!m)
		return TC_ERR_NOMEM;
	m->o = *o;
	m->mb = mb;
	snprintf(m->host, sizeof(m->host), "%s", o->host);
	snprintf(m->client_id, sizeof(m->client_id), "%s", o->client_id);
	snprintf(m->prefix, sizeof(m->prefix), "%s", o->prefix && *o->prefix ? o->prefix : TC_PROTO_DEFAULT_PREFIX);
	lib_take();
	m->mosq = mosquitto_new(m->client_id, false, m);
	if (!m->mosq) {
		tc_err(d, "mqtt.start", "", "libmosquitto could not start a client");
		lib_release();
		free(m);
		return TC_ERR_INTERNAL;
	}
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	/* How many acknowledgments the broker may have in flight to us at once: libmosquitto's
	 * default of 20 makes a burst from thousands of receivers wait for our PUBACKs 20 at a time. */
	mosquitto_int_option(m->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, RECEIVE_MAXIMUM);
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_max_inflight_messages_set(m->mosq, 1000);
	if (o->username)
		mosquitto_username_pw_set(m->mosq, o->username, o->password);
	m->o.username = m->o.password = NULL; /* libmosquitto keeps its own copies */
	/* The broker's certificate must be signed by cafile and name the host (libmosquitto checks both). */
	if (o->cafile && mosquitto_tls_set(m->mosq, o->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
		tc_err(d, "mqtt.tls", o->cafile, "cannot use %s as the broker's CA certificate", o->cafile);
		mosquitto_destroy(m->mosq);
		lib_release();
		free(m);
		return TC_ERR_USAGE;
	}
	m->tls = o->cafile != NULL;
	m->o.cafile = NULL;
	mosquitto_property_add_int32(&m->connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, (uint32_t)o->session_expiry_s);
	/* the broker sends nothing larger (MQTT 5 maximum packet size); acknowledgments and statuses are small */
	mosquitto_property_add_int32(&m->connect_props, MQTT_PROP_MAXIMUM_PACKET_SIZE, TC_MQTT_MAX_PACKET + 4096);
	mosquitto_connect_v5_callback_set(m->mosq, on_connect);
	mosquitto_message_v5_callback_set(m->mosq, on_message);
	if (pthread_create(&m->thread, NULL, run, m)) {
		tc_err(d, "mqtt.start", "", "cannot start the broker connection thread");
		tc_mqtt_stop(m);
		return TC_ERR_INTERNAL;
	}
	m->started = true;
	*out = m;
	return TC_OK;
}

void tc_mqtt_halt(struct tc_mqtt *m)
{
	if (!m)
		return;
	atomic_store(&m->stop, true);
	if (m->started) {
		mosquitto_disconnect_v5(m->mosq, 0, NULL);
		pthread_join(m->thread, NULL);
		m->started = false;
	}
}

void tc_mqtt_stop(struct tc_mqtt *m)
{
	if (!m)
		return;
	tc_mqtt_halt(m);
	mosquitto_destroy(m->mosq);
	mosquitto_property_free_all(&m->connect_props);
	lib_release();
	free(m);
}

bool tc_mqtt_connected(const struct tc_mqtt *m)
{
	return m && atomic_load(&m->connected);
}

/* Whether libmosquitto refused this one message (its topic or size), the connection being fine. */
static bool message_refused(int rc)
{
	switch (rc) {
	case MOSQ_ERR_INVAL:
	case MOSQ_ERR_PAYLOAD_SIZE:
	case MOSQ_ERR_MALFORMED_UTF8:
	case MOSQ_ERR_OVERSIZE_PACKET:
	case MOSQ_ERR_QOS_NOT_SUPPORTED: return true;
	default: return false;
	}
}

enum tc_rc tc_mqtt_publish(struct tc_mqtt *m, const char *topic, const void *data, size_t len, bool retain,
			   uint32_t expiry_s)
{
	mosquitto_property *props = NULL;
	if (!tc_mqtt_connected(m))
		return TC_ERR_IO;
	if (expiry_s)
		mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, expiry_s);
	int rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int)len, len ? data : NULL, 1, retain, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		tc_log(TC_LOG_WARN, "mqtt", "publishing to %s failed: %s", topic, mosquitto_strerror(rc));
		return message_refused(rc) ? TC_ERR_INVALID : TC_ERR_IO;
	}
	atomic_fetch_add(&m->published, 1);
	return TC_OK;
}

unsigned long tc_mqtt_published(const struct tc_mqtt *m)
{
	return m ? atomic_load(&m->published) : 0;
}
