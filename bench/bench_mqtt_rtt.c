/*
 * bench_mqtt_rtt.c — the raw broker figure bench_dispatch.sh compares with:
 * N QoS 1 messages out through the broker and N back, as fast as the broker
 * carries them.
 *
 *   bench_mqtt_rtt --broker HOST:PORT [--count N] [--bytes B]
 *
 * Client "out" publishes N messages of B bytes to bench/out/<i>; client
 * "echo", subscribed to bench/out/+, publishes each back to bench/back/<i>;
 * "out", subscribed to bench/back/+, counts them. Prints the time from the
 * first publish to the last message back, and the rate.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

static atomic_long back, subscribed;

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
	mosquitto_publish(m, NULL, topic, msg->payloadlen, msg->payload, 1, false);
}

static void on_back(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	(void)m;
	(void)obj;
	(void)msg;
	atomic_fetch_add(&back, 1);
}

static struct mosquitto *client(const char *id, const char *host, int port, const char *sub,
				void (*on_msg)(struct mosquitto *, void *, const struct mosquitto_message *))
{
	struct mosquitto *m = mosquitto_new(id, true, NULL);
	if (!m)
		return NULL;
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

int main(int argc, char **argv)
{
	char host[256] = "127.0.0.1";
	int port = 1883;
	long count = 10000, bytes = 400;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--broker")) {
			const char *colon = strrchr(argv[i + 1], ':');
			if (!colon)
				return 2;
			snprintf(host, sizeof(host), "%.*s", (int)(colon - argv[i + 1]), argv[i + 1]);
			port = atoi(colon + 1);
		} else if (!strcmp(argv[i], "--count")) {
			count = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--bytes")) {
			bytes = atol(argv[i + 1]);
		} else {
			fprintf(stderr, "usage: bench_mqtt_rtt --broker HOST:PORT [--count N] [--bytes B]\n");
			return 2;
		}
	}
	if (count < 1 || bytes < 1 || bytes > 1 << 20)
		return 2;
	mosquitto_lib_init();
	struct mosquitto *echo = client("bench-echo", host, port, "bench/out/+", on_echo);
	struct mosquitto *out = client("bench-out", host, port, "bench/back/+", on_back);
	if (!echo || !out)
		return 1;
	for (int i = 0; i < 500 && atomic_load(&subscribed) < 2; i++)
		usleep(10000);
	char *payload = calloc(1, (size_t)bytes);
	double t0 = now_s(), limit = t0 + 120;
	for (long i = 0; i < count; i++) {
		char topic[64];
		snprintf(topic, sizeof(topic), "bench/out/%ld", i);
		mosquitto_publish(out, NULL, topic, (int)bytes, payload, 1, false);
	}
	while (atomic_load(&back) < count && now_s() < limit)
		usleep(1000);
	double t = now_s() - t0;
	long got = atomic_load(&back);
	printf("raw broker round trip: %ld QoS 1 messages of %ld bytes out and %ld back in %.3f s (%.0f round trips/s)\n",
	       count, bytes, got, t, (double)got / t);
	mosquitto_loop_stop(out, true);
	mosquitto_loop_stop(echo, true);
	mosquitto_destroy(out);
	mosquitto_destroy(echo);
	mosquitto_lib_cleanup();
	free(payload);
	return got == count ? 0 : 1;
}
