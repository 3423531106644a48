/*
 * sim_net.h — the simulator's network side: one MQTT 5 client per
 * simulated receiver, all driven by one thread from one epoll loop with
 * libmosquitto's socket API (no thread per client).
 *
 * Each client connects with its receiver id as client id, clean start off
 * and a session expiry, so QoS 1 messages queue at the broker while it is
 * away; its Last Will is its retained status "offline". On connect it
 * publishes its retained status "online" and subscribes at QoS 1 to the
 * alert topics of every scope of its region and to its own command topic.
 *
 * Connections are made in paced batches (at most connect_inflight waiting
 * for CONNACK at once) so the broker's listen backlog is never overrun;
 * a refused or lost connection retries with exponential backoff.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim_fleet.h"
#include "sim_proto.h"
#include "sim_source.h"
#include "tc_diag.h"

struct sim_net_options {
	const char *host;
	int port;
	const struct sim_sources *sources; /* receiver i binds sim_source_pick(sources, i) first; NULL: none */
	bool tls;                     /* mqtts: the broker's certificate is checked against cafile */
	const char *cafile;           /* NULL: the system's CAs */
	const char *const *secrets;   /* receiver i's password (username = its id); NULL: none */
	const char *prefix;
	const char *version;          /* sent in the status message */
	unsigned keepalive_s;         /* 30 */
	unsigned session_expiry_s;    /* 86400 */
	unsigned connect_inflight;    /* connections waiting for CONNACK at once */
	size_t offline;               /* the last K receivers start offline */
	unsigned offline_ms;          /* ...and connect after this (0: never) */
	double duration_s;            /* stop by itself after this (0: on a signal only) */
	const char *report;           /* JSON report path, or NULL */
	const char *echo_topic;       /* benchmarks: also subscribed; each message answered on
				       * <echo_topic>/back/<id> with its first 64 bytes (NULL: none) */
	long clock_offset_s;          /* added to the `at` of every status (--clock-offset-s) */
	int verbose;
	volatile sig_atomic_t *stop;       /* set by SIGTERM / SIGINT */
	volatile sig_atomic_t *report_now; /* set by SIGUSR1 */
};

/*
 * Run the n receivers until *stop or the duration. Returns TC_OK after a
 * clean stop, else an error with the reason in d.
 */
enum tc_rc sim_net_run(const struct sim_net_options *o, const struct sim_identity *ids, const bool *silent, size_t n,
		       const struct sim_proto_options *po, struct tc_diags *d);

#endif
