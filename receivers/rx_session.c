/*
 * rx_session.c — the receiver's MQTT 5 connection (rx_session.h).
 */
#include "rx_session.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "tc_log.h"
#include "tc_proto.h"
#include "tc_vec.h"

#define MAX_SCOPES 48

struct rx_session {
	struct rx_session_options o;
	struct rx_session_callbacks cb;
	char id[64], host[256], user[128], pass[128], prefix[128], kind[16], version[32];
	char scopes[MAX_SCOPES][16];
	size_t n_scopes;
	int port;
	struct mosquitto *m;
	mosquitto_property *props;
	bool connected, socket_open;
	int64_t next_attempt_ms, next_heartbeat_ms;
	long backoff_ms;
	char **extra;
	size_t n_extra, cap_extra;
	int probe_mid;           /* the QoS 1 publication being timed (0: none) ... */
	int64_t probe_at_ms;     /* ... and when it was handed over */
	int64_t rtt_ms;          /* the last PUBLISH-to-PUBACK time, -1 before the first */
};

/* Time one QoS 1 publication at a time: the broker round trip a self-check reports. */
static void probe_start(struct rx_session *s, int mid, int qos);
static void on_publish(struct mosquitto *m, void *ctx, int mid, int reason, const mosquitto_property *props);

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void status(struct rx_session *s, bool online, char *buf, size_t len, size_t *n)
{
	struct tc_rx_status st = { .online = online, .at = (int64_t)time(NULL) };
	snprintf(st.kind, sizeof(st.kind), "%s", s->kind);
	snprintf(st.version, sizeof(st.version), "%s", s->version);
	*n = tc_rx_status_encode(&st, buf, len);
}

static void publish_status(struct rx_session *s, bool online)
{
	char topic[TC_PROTO_MAX_TOPIC], buf[256];
	size_t n;
	int mid = 0;
	status(s, online, buf, sizeof(buf), &n);
	if (n && !tc_proto_topic(topic, sizeof(topic), s->prefix, TC_TOPIC_RX_STATUS, s->id, NULL) &&
	    mosquitto_publish_v5(s->m, &mid, topic, (int)n, buf, 1, true, NULL) == MOSQ_ERR_SUCCESS)
		probe_start(s, mid, 1);
}

static void subscribe_all(struct rx_session *s)
{
	char topic[TC_PROTO_MAX_TOPIC];
	for (size_t i = 0; i < s->n_scopes; i++)
		if (!tc_proto_topic(topic, sizeof(topic), s->prefix, TC_TOPIC_REGION_ALERT, s->scopes[i], "+"))
			mosquitto_subscribe_v5(s->m, NULL, topic, 1, MQTT_SUB_OPT_SEND_RETAIN_ALWAYS, NULL);
	if (!tc_proto_topic(topic, sizeof(topic), s->prefix, TC_TOPIC_RX_CMD, s->id, NULL))
		mosquitto_subscribe_v5(s->m, NULL, topic, 1, 0, NULL);
	for (size_t i = 0; i < s->n_extra; i++)
		mosquitto_subscribe_v5(s->m, NULL, s->extra[i], 1, MQTT_SUB_OPT_SEND_RETAIN_ALWAYS, NULL);
}

static void on_connect(struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *props)
{
	struct rx_session *s = obj;
	if (rc) {
		tc_log(TC_LOG_WARN, "mqtt", "broker %s:%d refused the connection: %s", s->host, s->port,
		       mosquitto_reason_string(rc));
		return;
	}
	s->connected = true;
	s->backoff_ms = 1000;
	tc_log(TC_LOG_INFO, "mqtt", "connected to %s:%d as %s (session %s)", s->host, s->port, s->id,
	       flags & 1 ? "resumed" : "new");
	publish_status(s, true);
	s->next_heartbeat_ms = mono_ms() + s->o.heartbeat_s * 1000;
	subscribe_all(s);
	if (s->cb.connected)
		s->cb.connected(s->cb.ctx);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *props)
{
	struct rx_session *s = obj;
	if (s->connected)
		tc_log(TC_LOG_WARN, "mqtt", "lost the broker %s:%d: %s", s->host, s->port,
		       rc ? mosquitto_strerror(rc) : "closed");
	s->connected = false;
	s->probe_mid = 0; /* its PUBACK will not come */
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	struct rx_session *s = obj;
	if (s->cb.message)
		s->cb.message(s->cb.ctx, msg->topic, msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
}

static bool parse_broker(const char *b, char *host, size_t host_len, int *port)
{
	const char *colon = strrchr(b, ':');
	if (!colon || colon == b || (size_t)(colon - b) >= host_len)
		return false;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535)
		return false;
	memcpy(host, b, (size_t)(colon - b));
	host[colon - b] = '\0';
	*port = (int)p;
	return true;
}

static void add_scopes(struct rx_session *s)
{
	for (size_t r = 0; r < s->o.n_regions; r++) {
		char sc[TC_PROTO_MAX_REGIONS][16];
		size_t n = tc_proto_region_scopes(s->o.regions[r], sc);
		for (size_t i = 0; i < n; i++) {
			bool dup = false;
			for (size_t j = 0; j < s->n_scopes && !dup; j++)
				dup = !strcmp(s->scopes[j], sc[i]);
			if (!dup && s->n_scopes < MAX_SCOPES)
				memcpy(s->scopes[s->n_scopes++], sc[i], 16);
		}
	}
}

enum tc_rc rx_session_new(const struct rx_session_options *o, const struct rx_session_callbacks *cb,
			  struct rx_session **out, struct tc_diags *d)
{
	char topic[TC_PROTO_MAX_TOPIC], will[256];
	size_t will_len;
	*out = NULL;
	struct rx_session *s = calloc(1, sizeof(*s));
	if (s)
		s->rtt_ms = -1;
	if (!s)
		return TC_ERR_NOMEM;
	s->o = *o;
	s->cb = *cb;
	snprintf(s->id, sizeof(s->id), "%s", o->id);
	snprintf(s->user, sizeof(s->user), "%s", o->username ? o->username : "");
	snprintf(s->pass, sizeof(s->pass), "%s", o->password ? o->password : "");
	snprintf(s->prefix, sizeof(s->prefix), "%s", o->prefix);
	snprintf(s->kind, sizeof(s->kind), "%s", o->kind);
	snprintf(s->version, sizeof(s->version), "%s", o->version ? o->version : "");
	bool tls = !strncmp(o->broker, "mqtts://", 8);
	const char *hp = tls ? o->broker + 8 : !strncmp(o->broker, "mqtt://", 7) ? o->broker + 7 : o->broker;
	if (!parse_broker(hp, s->host, sizeof(s->host), &s->port)) {
		tc_err(d, "config.value", "broker", "broker '%s' is not HOST:PORT or mqtts://HOST:PORT", o->broker);
		free(s);
		return TC_ERR_USAGE;
	}
	add_scopes(s);
	mosquitto_lib_init();
	s->m = mosquitto_new(s->id, false, s);
	if (!s->m) {
		tc_err(d, "mqtt.new", "", "cannot make an MQTT client: %s", strerror(errno));
		rx_session_free(s);
		return TC_ERR_INTERNAL;
	}
	mosquitto_int_option(s->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	if (s->user[0])
		mosquitto_username_pw_set(s->m, s->user, s->pass[0] ? s->pass : NULL);
	if (tls && mosquitto_tls_set(s->m, o->cafile && o->cafile[0] ? o->cafile : NULL,
				     o->cafile && o->cafile[0] ? NULL : "/etc/ssl/certs", NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
		tc_err(d, "config.value", "cafile", "cannot use '%s' as the broker's CA certificate",
		       o->cafile && o->cafile[0] ? o->cafile : "/etc/ssl/certs");
		rx_session_free(s);
		return TC_ERR_USAGE;
	}
	status(s, false, will, sizeof(will), &will_len);
	if (!tc_proto_topic(topic, sizeof(topic), s->prefix, TC_TOPIC_RX_STATUS, s->id, NULL))
		mosquitto_will_set_v5(s->m, topic, (int)will_len, will, 1, true, NULL);
	mosquitto_property_add_int32(&s->props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, (uint32_t)o->session_expiry_s);
	if (o->max_packet > 0) /* MQTT 5 maximum packet size: the broker drops larger messages for us */
		mosquitto_property_add_int32(&s->props, MQTT_PROP_MAXIMUM_PACKET_SIZE, (uint32_t)o->max_packet + 4096);
	mosquitto_connect_v5_callback_set(s->m, on_connect);
	mosquitto_disconnect_v5_callback_set(s->m, on_disconnect);
	mosquitto_message_v5_callback_set(s->m, on_message);
	mosquitto_publish_v5_callback_set(s->m, on_publish);
	s->backoff_ms = 1000;
	s->next_attempt_ms = 0;
	*out = s;
	return TC_OK;
}

void rx_session_free(struct rx_session *s)
{
	if (!s)
		return;
	if (s->m) {
		if (s->connected) {
			publish_status(s, false);
			for (int i = 0; i < 20 && mosquitto_want_write(s->m); i++)
				mosquitto_loop(s->m, 50, 1);
			mosquitto_disconnect_v5(s->m, 0, NULL); /* a clean goodbye: the broker drops the Will */
			for (int i = 0; i < 5 && mosquitto_socket(s->m) >= 0; i++)
				mosquitto_loop(s->m, 50, 1);
		}
		mosquitto_destroy(s->m);
	}
	mosquitto_property_free_all(&s->props);
	for (size_t i = 0; i < s->n_extra; i++)
		free(s->extra[i]);
	free(s->extra);
	mosquitto_lib_cleanup();
	free(s);
}

static void backoff(struct rx_session *s, int64_t now)
{
	s->next_attempt_ms = now + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->o.reconnect_max_s * 1000 ? s->o.reconnect_max_s * 1000 : s->backoff_ms * 2;
}

/* One connection attempt (the first, or after a loss); on failure the next waits longer. */
static void attempt(struct rx_session *s, int64_t now)
{
	int rc = s->socket_open ? mosquitto_reconnect(s->m)
				: mosquitto_connect_bind_v5(s->m, s->host, s->port, (int)s->o.keepalive_s, NULL, s->props);
	if (rc == MOSQ_ERR_SUCCESS) {
		s->socket_open = true;
		backoff(s, now); /* should the broker refuse us, the next attempt waits */
		return;
	}
	tc_log(TC_LOG_WARN, "mqtt", "cannot reach the broker %s:%d: %s; next try in %.0f s", s->host, s->port,
	       rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc), (double)s->backoff_ms / 1000);
	backoff(s, now);
}

void rx_session_run(struct rx_session *s, int timeout_ms)
{
	int64_t now = mono_ms();
	int rc = MOSQ_ERR_NO_CONN;
	if (s->socket_open && mosquitto_socket(s->m) >= 0)
		rc = mosquitto_loop(s->m, timeout_ms, 1);
	if (rc == MOSQ_ERR_SUCCESS) {
		if (s->connected && now >= s->next_heartbeat_ms) {
			publish_status(s, true);
			s->next_heartbeat_ms = now + s->o.heartbeat_s * 1000;
		}
		return;
	}
	if (s->connected)
		tc_log(TC_LOG_WARN, "mqtt", "connection to %s:%d lost: %s", s->host, s->port,
		       rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	s->connected = false;
	s->probe_mid = 0;
	if (now >= s->next_attempt_ms)
		attempt(s, now);
	else
		poll(NULL, 0, timeout_ms);
}

bool rx_session_connected(const struct rx_session *s)
{
	return s->connected;
}

enum tc_rc rx_session_publish(struct rx_session *s, const char *topic, const void *buf, size_t len, int qos)
{
	if (!s->connected)
		return TC_ERR_IO;
	int mid = 0;
	if (mosquitto_publish_v5(s->m, &mid, topic, (int)len, buf, qos, false, NULL) != MOSQ_ERR_SUCCESS)
		return TC_ERR_IO;
	probe_start(s, mid, qos);
	return TC_OK;
}

static void probe_start(struct rx_session *s, int mid, int qos)
{
	if (qos < 1 || s->probe_mid)
		return;
	s->probe_mid = mid;
	s->probe_at_ms = mono_ms();
}

static void on_publish(struct mosquitto *m, void *ctx, int mid, int reason, const mosquitto_property *props)
{
	(void)m, (void)reason, (void)props;
	struct rx_session *s = ctx;
	if (s->probe_mid && mid == s->probe_mid) {
		s->rtt_ms = mono_ms() - s->probe_at_ms;
		s->probe_mid = 0;
	}
}

int64_t rx_session_rtt_ms(const struct rx_session *s)
{
	return s->rtt_ms;
}

void rx_session_subscribe(struct rx_session *s, const char *topic)
{
	for (size_t i = 0; i < s->n_extra; i++)
		if (!strcmp(s->extra[i], topic))
			return;
	void *g = s->extra;
	enum tc_rc rc = tc_vec_grow(&g, &s->cap_extra, s->n_extra + 1, sizeof(*s->extra));
	s->extra = g;
	if (rc)
		return;
	char *t = strdup(topic);
	if (!t)
		return;
	s->extra[s->n_extra++] = t;
	if (s->connected)
		mosquitto_subscribe_v5(s->m, NULL, topic, 1, MQTT_SUB_OPT_SEND_RETAIN_ALWAYS, NULL);
}

void rx_session_unsubscribe(struct rx_session *s, const char *topic)
{
	for (size_t i = 0; i < s->n_extra; i++)
		if (!strcmp(s->extra[i], topic)) {
			free(s->extra[i]);
			s->extra[i] = s->extra[--s->n_extra];
			if (s->connected)
				mosquitto_unsubscribe_v5(s->m, NULL, topic, NULL);
			return;
		}
}
