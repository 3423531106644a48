/*
 * sim_net.c — many MQTT clients under one epoll loop (sim_net.h).
 *
 * Client states and what moves them:
 *
 *   held       --offline_ms passed-------------------------> idle
 *   idle       --its turn, a connect slot free--> connecting | idle (refused: backoff)
 *   connecting --CONNACK 0-----------------------------------> connected
 *   connecting | connected --socket closed, keepalive, refusal--> idle (backoff)
 *
 * libmosquitto closes a client's socket itself and then calls on_disconnect,
 * which forgets the descriptor here; a closed descriptor leaves the epoll set
 * on its own, so this file never deletes one (the number may already belong
 * to another client's new socket).
 */
#include "sim_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "tc_proto.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define MAX_EVENTS 512
#define PACE_TICK_MS 5
#define MISC_EVERY_MS 1000
#define REPORT_UNREACHABLE_MS 5000
#define DRAIN_MS 2000

enum client_state { C_HELD = 0, C_IDLE, C_CONNECTING, C_CONNECTED };

struct client {
	struct mosquitto *m;
	struct sim_net *net;
	size_t idx;
	enum client_state state;
	int fd;          /* the descriptor registered in epoll, -1 when none */
	uint32_t events; /* what it is registered for */
	bool dirty;      /* may want to write: looked at after this round */
	int64_t not_before;
	unsigned backoff_ms;
};

struct sim_net {
	const struct sim_net_options *o;
	const struct sim_identity *ids;
	size_t n;
	struct client *c;
	struct sim_proto *proto;
	mosquitto_property *connect_props;
	int ep;
	size_t inflight, connected, idle, held, cursor, connect_failures, lost;
	size_t connected_at_stop; /* for the final report, written after the goodbyes */
	size_t *dirty;
	size_t n_dirty;
	int64_t start_ms, last_unreachable_ms, last_misc_ms;
	char last_error[128];
	bool all_announced, stopping;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mark_dirty(struct client *c)
{
	if (c->dirty || c->net->n_dirty == 2 * c->net->n)
		return;
	c->dirty = true;
	c->net->dirty[c->net->n_dirty++] = c->idx;
}

/* Register c's socket for what it needs now (read always, write when it has bytes queued). */
static void sync_events(struct client *c)
{
	if (c->state >= C_CONNECTING && mosquitto_socket(c->m) >= 0 && mosquitto_want_write(c->m))
		mosquitto_loop_write(c->m, 1); /* a failed write closes the socket and calls on_disconnect */
	int fd = mosquitto_socket(c->m);
	if (fd < 0) {
		c->fd = -1;
		return;
	}
	uint32_t want = EPOLLIN | (mosquitto_want_write(c->m) ? EPOLLOUT : 0);
	if (fd == c->fd && want == c->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = c };
	int op = fd == c->fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(c->net->ep, op, fd, &ev) != 0) {
		op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
		if (epoll_ctl(c->net->ep, op, fd, &ev) != 0)
			return;
	}
	c->fd = fd;
	c->events = want;
}

static void flush_dirty(struct sim_net *net)
{
	/* Clients marked while this runs are appended and handled in the same pass. */
	for (size_t i = 0; i < net->n_dirty; i++) {
		struct client *c = &net->c[net->dirty[i]];
		c->dirty = false;
		sync_events(c);
	}
	net->n_dirty = 0;
}

/* --- the protocol's way out (struct sim_io) ----------------------------------------- */

static void io_publish(void *ctx, size_t rx, const char *topic, const void *buf, size_t len, int qos)
{
	struct sim_net *net = ctx;
	mosquitto_publish_v5(net->c[rx].m, NULL, topic, (int)len, buf, qos, false, NULL);
	mark_dirty(&net->c[rx]);
}

static void io_subscribe(void *ctx, size_t rx, const char *topic)
{
	struct sim_net *net = ctx;
	mosquitto_subscribe_v5(net->c[rx].m, NULL, topic, 1, MQTT_SUB_OPT_SEND_RETAIN_ALWAYS, NULL);
	mark_dirty(&net->c[rx]);
}

static void io_unsubscribe(void *ctx, size_t rx, const char *topic)
{
	struct sim_net *net = ctx;
	mosquitto_unsubscribe_v5(net->c[rx].m, NULL, topic, NULL);
	mark_dirty(&net->c[rx]);
}

static bool io_connected(void *ctx, size_t rx)
{
	struct sim_net *net = ctx;
	return net->c[rx].state == C_CONNECTED;
}

/* --- libmosquitto callbacks (run on this thread, inside loop_read/write/misc) ------- */

static size_t status_message(const struct client *c, bool online, char *buf, size_t len)
{
	struct tc_rx_status s = { .online = online, .at = (int64_t)time(NULL) + c->net->o->clock_offset_s };
	snprintf(s.kind, sizeof(s.kind), "%s", sim_kind_name(c->net->ids[c->idx].kind));
	snprintf(s.version, sizeof(s.version), "%s", c->net->o->version);
	return tc_rx_status_encode(&s, buf, len);
}

static void subscribe_all(struct client *c)
{
	const struct sim_identity *id = &c->net->ids[c->idx];
	const char *prefix = c->net->o->prefix;
	char scopes[TC_PROTO_MAX_REGIONS][16], topics[TC_PROTO_MAX_REGIONS + 1][TC_PROTO_MAX_TOPIC];
	char *subs[TC_PROTO_MAX_REGIONS + 2];
	int n = 0;
	size_t k = tc_proto_region_scopes(id->region, scopes);
	for (size_t i = 0; i < k; i++)
		if (!tc_proto_topic(topics[n], sizeof(topics[n]), prefix, TC_TOPIC_REGION_ALERT, scopes[i], "+"))
			subs[n] = topics[n], n++;
	if (!tc_proto_topic(topics[n], sizeof(topics[n]), prefix, TC_TOPIC_RX_CMD, id->id, NULL))
		subs[n] = topics[n], n++;
	if (c->net->o->echo_topic)
		subs[n++] = (char *)c->net->o->echo_topic;
	/* Retained alerts only for a new subscription: a resumed session already had them. */
	mosquitto_subscribe_multiple(c->m, NULL, n, subs, 1, MQTT_SUB_OPT_SEND_RETAIN_NEW, NULL);
}

static void announce_all(struct sim_net *net)
{
	if (net->all_announced || net->connected < net->n - net->held)
		return;
	net->all_announced = true;
	fprintf(stderr, "tocsin-sim: all %zu receivers connected after %.1f s", net->connected,
		(double)(now_ms() - net->start_ms) / 1000.0);
	if (net->held)
		fprintf(stderr, " (%zu held offline)", net->held);
	fputc('\n', stderr);
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct client *c = obj;
	struct sim_net *net = c->net;
	char topic[TC_PROTO_MAX_TOPIC], buf[256];
	if (rc) {
		snprintf(net->last_error, sizeof(net->last_error), "refused: %s", mosquitto_reason_string(rc));
		net->connect_failures++;
		return; /* the library closes the connection and calls on_disconnect */
	}
	if (c->state == C_CONNECTING)
		net->inflight--;
	c->state = C_CONNECTED;
	c->backoff_ms = 0;
	net->connected++;
	size_t len = status_message(c, true, buf, sizeof(buf));
	if (len && !tc_proto_topic(topic, sizeof(topic), net->o->prefix, TC_TOPIC_RX_STATUS, net->ids[c->idx].id, NULL))
		mosquitto_publish_v5(m, NULL, topic, (int)len, buf, 1, true, NULL);
	subscribe_all(c);
	mark_dirty(c);
	if (net->o->verbose > 1)
		fprintf(stderr, "tocsin-sim: rx=%s connected\n", net->ids[c->idx].id);
	announce_all(net);
}

static void backoff(struct client *c)
{
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	/* Spread the retries so a fleet does not come back in one burst. */
	c->not_before = now_ms() + c->backoff_ms + (int64_t)(c->idx * 7919 % 1000) * c->backoff_ms / 4000;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct client *c = obj;
	struct sim_net *net = c->net;
	(void)m;
	if (c->state == C_CONNECTING)
		net->inflight--;
	if (c->state == C_CONNECTED) {
		net->connected--;
		net->all_announced = false;
		if (!net->stopping)
			net->lost++;
	}
	if (c->state == C_CONNECTING || c->state == C_CONNECTED) {
		c->state = C_IDLE;
		net->idle++;
	}
	c->fd = -1;
	c->events = 0;
	if (!net->stopping) {
		backoff(c);
		if (rc && net->o->verbose)
			fprintf(stderr, "tocsin-sim: rx=%s lost the broker (%s); retrying in %u ms\n", net->ids[c->idx].id,
				mosquitto_strerror(rc), c->backoff_ms);
	}
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct client *c = obj;
	(void)m;
	const char *echo = c->net->o->echo_topic;
	if (echo && !strcmp(msg->topic, echo)) {
		char topic[TC_PROTO_MAX_TOPIC];
		int len = msg->payloadlen < 64 ? msg->payloadlen : 64;
		snprintf(topic, sizeof(topic), "%s/back/%s", echo, c->net->ids[c->idx].id);
		io_publish(c->net, c->idx, topic, msg->payload, (size_t)len, 1);
		return;
	}
	sim_proto_message(c->net->proto, c->idx, msg->topic, msg->payload, (size_t)msg->payloadlen, now_ms());
}

/* --- connecting ---------------------------------------------------------------------- */

static void set_will(struct client *c)
{
	char topic[TC_PROTO_MAX_TOPIC], buf[256];
	size_t len = status_message(c, false, buf, sizeof(buf));
	if (len && !tc_proto_topic(topic, sizeof(topic), c->net->o->prefix, TC_TOPIC_RX_STATUS,
				   c->net->ids[c->idx].id, NULL))
		mosquitto_will_set_v5(c->m, topic, (int)len, buf, 1, true, NULL);
}

static void connect_one(struct sim_net *net, struct client *c)
{
	set_will(c);
	errno = 0;
	int rc = mosquitto_connect_bind_v5(c->m, net->o->host, net->o->port, (int)net->o->keepalive_s,
					   sim_source_pick(net->o->sources, c->idx), net->connect_props);
	net->idle--;
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(net->last_error, sizeof(net->last_error), "%s",
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		net->connect_failures++;
		net->idle++;
		backoff(c);
		return;
	}
	c->state = C_CONNECTING;
	net->inflight++;
	mark_dirty(c);
}

/* Start connections whose turn it is, while fewer than connect_inflight wait for CONNACK. */
static void pace(struct sim_net *net, int64_t now)
{
	if (net->o->offline && net->o->offline_ms && now - net->start_ms >= net->o->offline_ms)
		for (size_t i = net->n - net->o->offline; i < net->n; i++)
			if (net->c[i].state == C_HELD) {
				net->c[i].state = C_IDLE;
				net->idle++;
				net->held--;
				net->all_announced = false;
			}
	for (size_t seen = 0; net->idle && seen < net->n && net->inflight < net->o->connect_inflight; seen++) {
		struct client *c = &net->c[net->cursor];
		net->cursor = (net->cursor + 1) % net->n;
		if (c->state == C_IDLE && c->not_before <= now)
			connect_one(net, c);
	}
}

static void report_unreachable(struct sim_net *net, int64_t now)
{
	if (!net->connect_failures && !net->lost)
		return;
	if (now - net->last_unreachable_ms < REPORT_UNREACHABLE_MS)
		return;
	if (net->connect_failures)
		fprintf(stderr, "tocsin-sim: broker %s:%d unreachable (%s): %zu connection attempts failed; %zu of %zu "
			"receivers connected, the rest retry with backoff\n", net->o->host, net->o->port, net->last_error,
			net->connect_failures, net->connected, net->n);
	if (net->lost)
		fprintf(stderr, "tocsin-sim: %zu connections to the broker were lost; reconnecting with backoff\n",
			net->lost);
	net->connect_failures = 0;
	net->lost = 0;
	net->last_unreachable_ms = now;
}

/* --- the loop ------------------------------------------------------------------------- */

static void on_event(struct client *c, uint32_t ev)
{
	if (c->state < C_CONNECTING || mosquitto_socket(c->m) < 0)
		return; /* closed earlier in this round */
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		mosquitto_loop_read(c->m, 1);
	if ((ev & EPOLLOUT) && mosquitto_socket(c->m) >= 0)
		mosquitto_loop_write(c->m, 1);
	mark_dirty(c);
}

static void misc(struct sim_net *net, int64_t now)
{
	if (now - net->last_misc_ms < MISC_EVERY_MS)
		return;
	net->last_misc_ms = now;
	for (size_t i = 0; i < net->n; i++)
		if (net->c[i].state >= C_CONNECTING) {
			mosquitto_loop_misc(net->c[i].m);
			mark_dirty(&net->c[i]);
		}
}

static void write_report(struct sim_net *net, struct tc_diags *d)
{
	size_t connected = net->stopping ? net->connected_at_stop : net->connected;
	if (net->o->report && sim_proto_report(net->proto, net->o->report, connected, d)) {
		fprintf(stderr, "tocsin-sim: %s\n", tc_diags_get(d, tc_diags_count(d) - 1)->message);
		tc_diags_clear(d);
	}
}

static int wait_ms(const struct sim_net *net, int64_t now)
{
	int64_t t = net->idle ? PACE_TICK_MS : 50;
	int64_t due = sim_proto_next_due(net->proto);
	if (due >= 0 && due - now < t)
		t = due - now;
	return t < 0 ? 0 : (int)t;
}

static void round_once(struct sim_net *net, struct epoll_event *evs, int timeout)
{
	int k = epoll_wait(net->ep, evs, MAX_EVENTS, timeout);
	for (int i = 0; i < k; i++)
		on_event(evs[i].data.ptr, evs[i].events);
	int64_t now = now_ms();
	sim_proto_tick(net->proto, now);
	if (!net->stopping) {
		pace(net, now);
		misc(net, now);
	}
	flush_dirty(net);
}

static void loop(struct sim_net *net, struct tc_diags *d)
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t end = net->o->duration_s > 0 ? net->start_ms + (int64_t)(net->o->duration_s * 1000) : -1;
	while (!*net->o->stop) {
		int64_t now = now_ms();
		if (end >= 0 && now >= end)
			break;
		round_once(net, evs, wait_ms(net, now));
		report_unreachable(net, now_ms());
		if (*net->o->report_now) {
			*net->o->report_now = 0;
			write_report(net, d);
		}
	}
}

/* Say goodbye: each connected client asks the broker to publish its Will (status offline). */
static void drain(struct sim_net *net)
{
	struct epoll_event evs[MAX_EVENTS];
	net->stopping = true;
	net->connected_at_stop = net->connected;
	for (size_t i = 0; i < net->n; i++)
		if (net->c[i].state >= C_CONNECTING) {
			mosquitto_disconnect_v5(net->c[i].m, MQTT_RC_DISCONNECT_WITH_WILL_MSG, NULL);
			mark_dirty(&net->c[i]);
		}
	flush_dirty(net);
	for (int64_t end = now_ms() + DRAIN_MS; net->connected + net->inflight > 0 && now_ms() < end;)
		round_once(net, evs, 20);
}

/* --- setup ---------------------------------------------------------------------------- */

static void raise_fd_limit(size_t n)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY && n + 64 > r.rlim_cur)
		fprintf(stderr, "tocsin-sim: only %lu file descriptors allowed (hard limit); about %lu receivers can "
			"connect\n", (unsigned long)r.rlim_cur, (unsigned long)(r.rlim_cur - 64));
}

static enum tc_rc make_clients(struct sim_net *net, struct tc_diags *d)
{
	for (size_t i = 0; i < net->n; i++) {
		struct client *c = &net->c[i];
		*c = (struct client){ .net = net, .idx = i, .fd = -1 };
		c->m = mosquitto_new(net->ids[i].id, false, c);
		if (!c->m) {
			tc_err(d, "sim.client", net->ids[i].id, "cannot make the MQTT client for %s: %s", net->ids[i].id,
			       strerror(errno));
			return TC_ERR_NOMEM;
		}
		mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
		mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1); /* acks are small and one at a time */
		if (net->o->secrets && net->o->secrets[i])
			mosquitto_username_pw_set(c->m, net->ids[i].id, net->o->secrets[i]);
		if (net->o->tls && mosquitto_tls_set(c->m, net->o->cafile, net->o->cafile ? NULL : "/etc/ssl/certs", NULL,
						     NULL, NULL) != MOSQ_ERR_SUCCESS) {
			tc_err(d, "sim.cafile", net->o->cafile ? net->o->cafile : "", "cannot use %s as the broker's CA",
			       net->o->cafile ? net->o->cafile : "/etc/ssl/certs");
			return TC_ERR_USAGE;
		}
		mosquitto_connect_callback_set(c->m, on_connect);
		mosquitto_disconnect_callback_set(c->m, on_disconnect);
		mosquitto_message_callback_set(c->m, on_message);
		bool held = i >= net->n - net->o->offline;
		c->state = held ? C_HELD : C_IDLE;
		net->idle += !held;
		net->held += held;
	}
	return TC_OK;
}

static void free_net(struct sim_net *net)
{
	for (size_t i = 0; net->c && i < net->n; i++)
		mosquitto_destroy(net->c[i].m);
	free(net->c);
	free(net->dirty);
	sim_proto_free(net->proto);
	mosquitto_property_free_all(&net->connect_props);
	if (net->ep >= 0)
		close(net->ep);
}

enum tc_rc sim_net_run(const struct sim_net_options *o, const struct sim_identity *ids, const bool *silent, size_t n,
		       const struct sim_proto_options *po, struct tc_diags *d)
{
	struct sim_net net = { .o = o, .ids = ids, .n = n, .ep = -1, .start_ms = po->start_ms };
	struct sim_io io = { .ctx = &net, .publish = io_publish, .subscribe = io_subscribe,
			     .unsubscribe = io_unsubscribe, .connected = io_connected };
	enum tc_rc rc = TC_OK;
	raise_fd_limit(n);
	net.c = calloc(n, sizeof(*net.c));
	net.dirty = calloc(2 * n, sizeof(*net.dirty)); /* a client can be marked again while the list is flushed */
	net.proto = sim_proto_new(po, ids, silent, n, &io);
	net.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!net.c || !net.dirty || !net.proto || net.ep < 0 ||
	    mosquitto_property_add_int32(&net.connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, o->session_expiry_s)) {
		tc_err(d, "sim.setup", "", "cannot set up the simulator: %s", strerror(errno));
		rc = TC_ERR_NOMEM;
		goto out;
	}
	rc = make_clients(&net, d);
	if (rc)
		goto out;
	loop(&net, d);
	drain(&net);
	write_report(&net, d);
	fprintf(stderr, "tocsin-sim: stopped; %lu messages received\n", sim_proto_messages(net.proto));
out:
	free_net(&net);
	return rc;
}
