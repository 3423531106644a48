/*
 * bench_mqtt_rtt.c — the raw broker figures bench_dispatch.sh compares with:
 * QoS 1 messages out through the broker and back, as fast as it carries them.
 *
 *   bench_mqtt_rtt --broker HOST:PORT [--count N] [--bytes B] [--back-bytes B2]
 *   bench_mqtt_rtt --broker HOST:PORT --fanout TOPIC --count N [--bytes B]
 *
 * One connection each way: client "out" publishes N messages of B bytes to
 * bench/out/<i>; client "echo", subscribed to bench/out/+, answers each with
 * B2 bytes (default B) on bench/back/<i>; "out", subscribed to bench/back/+,
 * counts them.
 *
 * --fanout: one message of B bytes to TOPIC, which N other clients are
 * subscribed to (tocsin-sim --echo TOPIC: the simulated receivers' own
 * connections); each answers on TOPIC/back/<id>, and "out" counts N answers.
 *
 * With --cafile, --username and --password-file both clients speak TLS and
 * log in (a broker made by tocsin broker setup).
 *
 * Prints the time from the first publish to the last message back, and the
 * rate.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

static atomic_long back, subscribed;
static long back_bytes = -1; /* what the echo sends back; -1: all it got */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	(void)m;
	(void)obj;
	(void)mid;
	(void)n;
	(void)granted;
	atomic_fetch_add(&subscribed, 1);
}

static void on_echo(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	(void)obj;
	char topic[64];
	snprintf(topic, sizeof(topic), "bench/back/%s", msg->topic + strlen("bench/out/"));
	int len = back_bytes >= 0 && back_bytes < msg->payloadlen ? (int)back_bytes : msg->payloadlen;
	mosquitto_publish(m, NULL, topic, len, msg->payload, 1, false);
}

static void on_back(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	(void)m;
	(void)obj;
	(void)msg;
	atomic_fetch_add(&back, 1);
}

/* --cafile, --username, --password-file: a secured broker (TLS, an account) */
static const char *cafile, *username;
static char password[256];

static struct mosquitto *client(const char *id, const char *host, int port, const char *sub,
				void (*on_msg)(struct mosquitto *, void *, const struct mosquitto_message *))
{
	struct mosquitto *m = mosquitto_new(id, true, NULL);
	if (!m)
		return NULL;
	if ((cafile && mosquitto_tls_set(m, cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) ||
	    (username && mosquitto_username_pw_set(m, username, password) != MOSQ_ERR_SUCCESS)) {
		fprintf(stderr, "bench_mqtt_rtt: cannot use the CA %s or the account %s\n", cafile ? cafile : "-",
			username ? username : "-");
		mosquitto_destroy(m);
		return NULL;
	}
	mosquitto_max_inflight_messages_set(m, 1000);
	mosquitto_message_callback_set(m, on_msg);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	if (mosquitto_connect(m, host, port, 60) != MOSQ_ERR_SUCCESS || mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "bench_mqtt_rtt: cannot connect to %s:%d\n", host, port);
		mosquitto_destroy(m);
		return NULL;
	}
	mosquitto_subscribe(m, NULL, sub, 1);
	return m;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_mqtt_rtt --broker HOST:PORT [--count N] [--bytes B] [--back-bytes B2]\n"
			"       bench_mqtt_rtt --broker HOST:PORT --fanout TOPIC --count N [--bytes B]\n"
			"       either with [--cafile FILE --username U --password-file FILE] (TLS and an account)\n");
	return 2;
}

int main(int argc, char **argv)
{
	char host[256] = "127.0.0.1";
	const char *fanout = NULL;
	int port = 1883;
	long count = 10000, bytes = 400;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--broker")) {
			const char *colon = strrchr(argv[i + 1], ':');
			if (!colon)
				return usage();
			snprintf(host, sizeof(host), "%.*s", (int)(colon - argv[i + 1]), argv[i + 1]);
			port = atoi(colon + 1);
		} else if (!strcmp(argv[i], "--count")) {
			count = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--bytes")) {
			bytes = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--back-bytes")) {
			back_bytes = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--cafile")) {
			cafile = argv[i + 1];
		} else if (!strcmp(argv[i], "--username")) {
			username = argv[i + 1];
		} else if (!strcmp(argv[i], "--password-file")) {
			FILE *f = fopen(argv[i + 1], "r");
			if (!f || !fgets(password, sizeof(password), f)) {
				fprintf(stderr, "bench_mqtt_rtt: cannot read %s\n", argv[i + 1]);
				if (f)
					fclose(f);
				return 2;
			}
			fclose(f);
			password[strcspn(password, "\r\n")] = '\0';
		} else if (!strcmp(argv[i], "--fanout")) {
			fanout = argv[i + 1];
		} else {
			return usage();
		}
	}
	if (count < 1 || bytes < 1 || bytes > 1 << 20 || back_bytes > 1 << 20 || (fanout && strlen(fanout) > 64))
		return usage();
	mosquitto_lib_init();
	char back_topic[80];
	snprintf(back_topic, sizeof(back_topic), "%s/back/+", fanout ? fanout : "bench");
	struct mosquitto *echo = fanout ? NULL : client("bench-echo", host, port, "bench/out/+", on_echo);
	struct mosquitto *out = client("bench-out", host, port, back_topic, on_back);
	if ((!fanout && !echo) || !out)
		return 1;
	for (int i = 0; i < 500 && atomic_load(&subscribed) < (fanout ? 1 : 2); i++)
		usleep(10000);
	char *payload = calloc(1, (size_t)bytes);
	double t0 = now_s(), limit = t0 + 120;
	if (fanout) {
		mosquitto_publish(out, NULL, fanout, (int)bytes, payload, 1, false);
	} else {
		for (long i = 0; i < count; i++) {
			char topic[64];
			snprintf(topic, sizeof(topic), "bench/out/%ld", i);
			mosquitto_publish(out, NULL, topic, (int)bytes, payload, 1, false);
		}
	}
	while (atomic_load(&back) < count && now_s() < limit)
		usleep(1000);
	double t = now_s() - t0;
	long got = atomic_load(&back);
	if (fanout)
		printf("raw broker round trip through the receivers' connections: 1 QoS 1 message of %ld bytes to %ld"
		       " subscribers and %ld back in %.3f s (%.0f round trips/s)\n",
		       bytes, count, got, t, (double)got / t);
	else
		printf("raw broker round trip: %ld QoS 1 messages of %ld bytes out and %ld of %ld bytes back in %.3f s"
		       " (%.0f round trips/s)\n",
		       count, bytes, got, back_bytes >= 0 && back_bytes < bytes ? back_bytes : bytes, t,
		       (double)got / t);
	mosquitto_loop_stop(out, true);
	mosquitto_destroy(out);
	if (echo) {
		mosquitto_loop_stop(echo, true);
		mosquitto_destroy(echo);
	}
	mosquitto_lib_cleanup();
	free(payload);
	return got == count ? 0 : 1;
}
