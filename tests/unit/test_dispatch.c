/*
 * test_dispatch.c — the dispatcher when the store refuses: nothing accepted is lost, and no
 * state is written that the rest of its transaction could not back.
 *
 * The store fails for real. A second connection to the same database adds a trigger that
 * aborts one kind of write (as a full or failing disk would, for that statement), or holds the
 * write lock past the store's busy timeout. Publishing is tried against a real mosquitto.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "cap_fixture.h"
#include "store_fixture.h"
#include "delivery_fixture.h"
#include "tc_dispatch.h"

#define NOW 1000000

extern char **environ;

static const struct tc_dispatch_options options = {
	.policy = { .ack_timeout_s = 30, .play_timeout_s = 600, .max_attempts = 3 }, .default_expiry_s = 86400
};

static struct tc_store *store;
static struct tc_db *other; /* the second connection, that makes the store fail */
static char alert_id[17];

/* The delivery fixture, and the second connection. */
static int setup(void **state)
{
	(void)state;
	return fixture_planned_store(&store, alert_id, NOW) || !(other = fixture_db_open(fixture_db)) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_db_close(other);
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

static void sql(const char *text)
{
	if (tc_db_exec(other, text) != TC_DB_OK)
		fail_msg("%s: %s", text, tc_db_errmsg(other));
}

/* From now on the store cannot do what (INSERT, UPDATE) on table: the statement fails. */
static void fault(const char *what, const char *table)
{
	char text[512];
	if (tc_db_engine(other) == TC_DB_POSTGRESQL)
		snprintf(text, sizeof(text), "CREATE OR REPLACE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$"
			 " BEGIN RAISE EXCEPTION 'disk I/O error'; END $$; CREATE TRIGGER fault_%s_%s BEFORE %s ON %s"
			 " FOR EACH ROW EXECUTE FUNCTION fault()", what, table, what, table);
	else
		snprintf(text, sizeof(text), "CREATE TRIGGER fault_%s_%s BEFORE %s ON %s BEGIN SELECT RAISE(ABORT, 'disk I/O "
			 "error'); END", what, table, what, table);
	sql(text);
}

static void heal(const char *what, const char *table)
{
	char text[128];
	snprintf(text, sizeof(text), "DROP TRIGGER fault_%s_%s%s%s", what, table,
		 tc_db_engine(other) == TC_DB_POSTGRESQL ? " ON " : "", tc_db_engine(other) == TC_DB_POSTGRESQL ? table : "");
	sql(text);
}

static struct tc_delivery_row row_of(const char *target)
{
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(store, alert_id, target, "mqtt", &r), TC_OK);
	return r;
}

static const char *state_of(const char *target)
{
	static struct tc_delivery_row r;
	r = row_of(target);
	return r.state;
}

static enum tc_alert_state alert_state(void)
{
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires;
	assert_int_equal(tc_store_alert_brief(store, alert_id, msg_type, &st, &expires), TC_OK);
	return st;
}

static int64_t alert_expiry(void)
{
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires = 0;
	assert_int_equal(tc_store_alert_brief(store, alert_id, msg_type, &st, &expires), TC_OK);
	return expires;
}

/* The value of the metric line that starts with name (a full label set included). */
static unsigned long metric(const struct tc_dispatch *dp, const char *name)
{
	char *text = NULL, *at;
	size_t len = 0;
	unsigned long v = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tc_dispatch_metrics(dp, f);
	fclose(f);
	at = strstr(text, name);
	if (!at)
		fail_msg("no metric %s in:\n%s", name, text);
	v = strtoul(at + strlen(name), NULL, 10);
	free(text);
	return v;
}

static struct tc_mail *ack_mail(const char *rx, enum tc_ack_kind kind)
{
	struct tc_ack a = { .kind = kind, .at = NOW };
	char text[256], topic[TC_PROTO_MAX_TOPIC];
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", alert_id);
	size_t n = tc_ack_encode(&a, text, sizeof(text));
	assert_int_equal(tc_proto_topic(topic, sizeof(topic), TC_PROTO_DEFAULT_PREFIX, TC_TOPIC_RX_ACK, rx, NULL), TC_OK);
	return tc_mail_new(TC_MQTT_MESSAGE, topic, text, n);
}

/* An acknowledgment on rx's topic whose payload names receiver named ("": none) and reason. */
static struct tc_mail *ack_mail_as(const char *rx, const char *named, enum tc_ack_kind kind, const char *reason)
{
	struct tc_ack a = { .kind = kind, .at = NOW };
	char text[320], topic[TC_PROTO_MAX_TOPIC];
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", alert_id);
	snprintf(a.rx, sizeof(a.rx), "%s", named);
	snprintf(a.reason, sizeof(a.reason), "%s", reason);
	size_t n = tc_ack_encode(&a, text, sizeof(text));
	assert_int_equal(tc_proto_topic(topic, sizeof(topic), TC_PROTO_DEFAULT_PREFIX, TC_TOPIC_RX_ACK, rx, NULL), TC_OK);
	return tc_mail_new(TC_MQTT_MESSAGE, topic, text, n);
}

static struct tc_mail *status_mail(const char *rx, bool online)
{
	struct tc_rx_status st = { .online = online, .at = NOW };
	char text[256], topic[TC_PROTO_MAX_TOPIC];
	size_t n = tc_rx_status_encode(&st, text, sizeof(text));
	assert_int_equal(tc_proto_topic(topic, sizeof(topic), TC_PROTO_DEFAULT_PREFIX, TC_TOPIC_RX_STATUS, rx, NULL), TC_OK);
	return tc_mail_new(TC_MQTT_MESSAGE, topic, text, n);
}

/* The alert's deliveries as publishing leaves them: sent once, the timer running from at. */
static void mark_sent(int64_t at)
{
	assert_int_equal(tc_store_move_deliveries(store, alert_id, "planned", "sent", 1, at + 30, at), TC_OK);
	assert_int_equal(tc_store_set_alert_state(store, alert_id, TC_ALERT_DISPATCHING, at), TC_OK);
	assert_int_equal(tc_store_set_payload(store, alert_id, "sealed", 6, 0), TC_OK);
}

static void test_ack_kept_when_not_written(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	mark_sent(NOW);
	fault("INSERT", "acks");
	tc_dispatch_handle(dp, ack_mail("a", TC_ACK_RECEIVED), NOW + 1);
	/* Nothing of the batch is written, and it is kept. */
	assert_true(tc_dispatch_holding(dp));
	assert_string_equal(state_of("a"), "sent");
	assert_int_equal(tc_store_ack_count(store, alert_id), 0);
	assert_int_equal(tc_dispatch_stats(dp)->acks, 0);
	assert_int_equal(tc_dispatch_stats(dp)->store_errors, 1);
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"ack\"} "), 1);
	/* Refused again with what came meanwhile: both kept, in order. */
	tc_dispatch_handle(dp, ack_mail("a", TC_ACK_PLAYED), NOW + 2);
	assert_true(tc_dispatch_holding(dp));
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"ack\"} "), 2);
	heal("INSERT", "acks");
	tc_dispatch_handle(dp, NULL, NOW + 3);
	assert_false(tc_dispatch_holding(dp));
	assert_int_equal(tc_store_ack_count(store, alert_id), 2);
	assert_string_equal(state_of("a"), "played");
	assert_int_equal(tc_dispatch_stats(dp)->acks, 2);
	assert_int_equal(tc_dispatch_stats(dp)->store_errors, 2);
	tc_dispatch_free(dp);
}

static void test_ack_kept_when_its_delivery_is_not_written(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	mark_sent(NOW);
	fault("UPDATE", "deliveries");
	tc_dispatch_handle(dp, ack_mail("b", TC_ACK_DISPLAYED), NOW + 1);
	assert_true(tc_dispatch_holding(dp));
	assert_int_equal(tc_store_ack_count(store, alert_id), 0); /* the ack's row went with the rollback */
	assert_string_equal(state_of("b"), "sent");
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"delivery\"} "), 1);
	heal("UPDATE", "deliveries");
	tc_dispatch_handle(dp, NULL, NOW + 2);
	assert_false(tc_dispatch_holding(dp));
	assert_string_equal(state_of("b"), "displayed");
	assert_int_equal(tc_store_ack_count(store, alert_id), 1);
	tc_dispatch_free(dp);
}

static struct tc_mail *rendered_mail(enum tc_rc rc)
{
	struct tc_rendered *r = calloc(1, sizeof(*r));
	struct tc_mail *m = tc_mail_new(TC_RENDER_DONE, NULL, NULL, 0);
	assert_non_null(r);
	assert_non_null(m);
	snprintf(r->alert_id, sizeof(r->alert_id), "%s", alert_id);
	r->rc = rc;
	if (rc) {
		snprintf(r->error, sizeof(r->error), "no voice for the language");
	} else {
		r->sealed = (unsigned char *)strdup("sealed payload");
		r->sealed_len = strlen("sealed payload");
		r->audio = calloc(1, sizeof(*r->audio));
		r->n_audio = 1;
		snprintf(r->audio[0].id, sizeof(r->audio[0].id), "%s-zh-CN", alert_id);
		snprintf(r->audio[0].lang, sizeof(r->audio[0].lang), "zh-CN");
		r->audio[0].data = (unsigned char *)strdup("ogg");
		r->audio[0].len = 3;
		r->audio[0].duration_ms = 1000;
	}
	m->ptr = r;
	m->ptr_free = tc_rendered_free;
	return m;
}

static void count_audio(const char *id, const void *data, size_t len, void *user)
{
	(void)id;
	(void)data;
	(void)len;
	(*(int *)user)++;
}

/* A payload whose audio could not be kept would send receivers after audio that is not there. */
static void test_rendered_kept_whole(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	unsigned char *data = NULL;
	size_t len = 0;
	int audio = 0;
	fault("INSERT", "audio");
	assert_false(tc_dispatch_handle(dp, rendered_mail(TC_OK), NOW));
	assert_true(tc_dispatch_holding(dp));
	assert_int_equal(tc_store_get_payload(store, alert_id, &data, &len), TC_ERR_NOTFOUND);
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"payload\"} "), 1);
	heal("INSERT", "audio");
	assert_true(tc_dispatch_handle(dp, NULL, NOW + 1)); /* now it is due to be published */
	assert_false(tc_dispatch_holding(dp));
	assert_int_equal(tc_store_get_payload(store, alert_id, &data, &len), TC_OK);
	assert_int_equal(len, strlen("sealed payload"));
	free(data);
	assert_int_equal(tc_store_each_audio(store, alert_id, count_audio, &audio), TC_OK);
	assert_int_equal(audio, 1);
	tc_dispatch_free(dp);
}

/* A rendering that failed fails the planned deliveries, all of them with the audit entry, or none. */
static void test_render_failure_written_whole(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	long before = tc_store_audit_count(store, alert_id);
	fault("UPDATE", "deliveries");
	tc_dispatch_handle(dp, rendered_mail(TC_ERR_INVALID), NOW);
	assert_true(tc_dispatch_holding(dp));
	assert_string_equal(state_of("a"), "planned");
	assert_string_equal(state_of("b"), "planned");
	assert_int_equal(tc_store_audit_count(store, alert_id), before);
	assert_int_equal(alert_state(), TC_ALERT_PLANNED);
	heal("UPDATE", "deliveries");
	tc_dispatch_handle(dp, NULL, NOW + 1);
	assert_false(tc_dispatch_holding(dp));
	assert_string_equal(state_of("a"), "failed");
	assert_string_equal(state_of("b"), "failed");
	assert_int_equal(tc_store_audit_count(store, alert_id), before + 1);
	assert_int_equal(alert_state(), TC_ALERT_DISPATCHING);
	tc_dispatch_free(dp);
}

/* A timer that escalates writes the escalation with the state, or neither: the SMS side is never
 * left with an escalated delivery it was not told of. */
static void test_escalation_written_with_its_record(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	mark_sent(NOW);
	struct tc_delivery_row r = row_of("a");
	r.attempts = options.policy.max_attempts; /* the last attempt's timer */
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW), TC_OK);
	fault("INSERT", "escalations");
	tc_dispatch_work(dp, NOW + 31);
	assert_string_equal(state_of("a"), "sent");
	assert_int_equal(row_of("b").attempts, 1); /* its re-send was rolled back with the rest */
	assert_int_equal(tc_store_escalation_count(store, alert_id), 0);
	assert_int_equal(tc_dispatch_stats(dp)->escalations, 0);
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"delivery\"} "), 1);
	heal("INSERT", "escalations");
	tc_dispatch_work(dp, NOW + 32);
	assert_string_equal(state_of("a"), "escalated");
	assert_int_equal(row_of("b").attempts, 2);
	assert_int_equal(tc_store_escalation_count(store, alert_id), 1);
	assert_int_equal(tc_dispatch_stats(dp)->escalations, 1);
	tc_dispatch_free(dp);
}

/* Expiry ends the alert and its open deliveries together, or not at all. */
static void test_expiry_written_whole(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	int64_t expires = alert_expiry();
	mark_sent(expires - 100);
	fault("UPDATE", "alerts");
	tc_dispatch_work(dp, expires);
	assert_int_equal(alert_state(), TC_ALERT_DISPATCHING);
	assert_string_equal(state_of("a"), "sent");
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"alert\"} "), 1);
	heal("UPDATE", "alerts");
	tc_dispatch_work(dp, expires + 1);
	assert_int_equal(alert_state(), TC_ALERT_EXPIRED);
	assert_string_equal(state_of("a"), "expired");
	tc_dispatch_free(dp);
}

/* Another writer holding the store past its busy timeout: the round is refused and counted. */
static void test_locked_store(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	int64_t expires = alert_expiry();
	mark_sent(expires - 100);
	sql("BEGIN IMMEDIATE");
	sql("UPDATE receivers SET online = 0");
	tc_dispatch_work(dp, expires);
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"begin\"} "), 1);
	sql("COMMIT");
	assert_int_equal(alert_state(), TC_ALERT_DISPATCHING);
	tc_dispatch_work(dp, expires);
	assert_int_equal(alert_state(), TC_ALERT_EXPIRED);
	assert_int_equal(tc_dispatch_stats(dp)->store_errors, 1);
	tc_dispatch_free(dp);
}

/* --- what an acknowledgment may change ------------------------------------------------------ */

/* A played on a delivery never sent (planned) is logged, counted and ignored: coverage unchanged. */
static void test_ack_on_planned_ignored(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	tc_dispatch_handle(dp, ack_mail("a", TC_ACK_PLAYED), NOW + 1);
	tc_dispatch_handle(dp, ack_mail("b", TC_ACK_DISPLAYED), NOW + 1);
	tc_dispatch_handle(dp, ack_mail("a", TC_ACK_REJECTED), NOW + 1);
	assert_false(tc_dispatch_holding(dp));
	assert_string_equal(state_of("a"), "planned");
	assert_string_equal(state_of("b"), "planned");
	assert_int_equal(tc_store_ack_count(store, alert_id), 0);
	assert_int_equal(tc_store_escalation_count(store, alert_id), 0);
	assert_int_equal(tc_dispatch_stats(dp)->acks, 0);
	assert_int_equal(metric(dp, "tocsin_acks_total{outcome=\"not-sent\"} "), 3);
	tc_dispatch_free(dp);
}

/* The receiver is the topic's: an acknowledgment naming another receiver changes nothing. */
static void test_ack_naming_another_receiver_ignored(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	mark_sent(NOW);
	tc_dispatch_handle(dp, ack_mail_as("a", "b", TC_ACK_DISPLAYED, ""), NOW + 1);
	assert_string_equal(state_of("a"), "sent");
	assert_string_equal(state_of("b"), "sent");
	assert_int_equal(metric(dp, "tocsin_acks_total{outcome=\"other-receiver\"} "), 1);
	tc_dispatch_handle(dp, ack_mail_as("a", "a", TC_ACK_PLAYED, ""), NOW + 2); /* its own name: counts */
	assert_string_equal(state_of("a"), "played");
	tc_dispatch_free(dp);
}

/*
 * With several brokers a receiver's acknowledgment counts only from the broker serving its region:
 * one from another broker (which could forge anything for receivers it does not carry) is ignored
 * and counted; the same from its own broker counts. Messages for a receiver go to its broker alone.
 */
static void test_ack_only_from_its_broker(void **state)
{
	(void)state;
	struct tc_route routes[2] = { { .url = "mqtts://a:8883", .prefixes = { "120116001" }, .n_prefixes = 1 },
				      { .url = "mqtts://b:8883", .prefixes = { "120116002", "120117" }, .n_prefixes = 2 } };
	struct tc_mqtt *brokers[2] = { NULL, NULL };
	struct tc_dispatch_options o = options;
	o.routes = routes;
	o.brokers = brokers;
	o.n_routes = 2;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &o);
	mark_sent(NOW);
	struct tc_mail *forged = ack_mail("a", TC_ACK_PLAYED);
	forged->from = 1; /* the broker of 120116002: not a's */
	tc_dispatch_handle(dp, forged, NOW + 1);
	assert_string_equal(state_of("a"), "sent");
	assert_int_equal(metric(dp, "tocsin_acks_total{outcome=\"wrong-broker\"} "), 1);
	assert_int_equal(metric(dp, "tocsin_mqtt_connected{broker=\"mqtts://b:8883\"} "), 0);
	struct tc_mail *own = ack_mail("a", TC_ACK_PLAYED);
	own->from = 0;
	tc_dispatch_handle(dp, own, NOW + 2);
	assert_string_equal(state_of("a"), "played");
	assert_int_equal(metric(dp, "tocsin_acks_total{outcome=\"wrong-broker\"} "), 1);
	tc_dispatch_free(dp);
}

/* A status counts only for the receiver of its topic: one naming another receiver is ignored. */
static void test_status_naming_another_receiver_ignored(void **state)
{
	(void)state;
	static const char foreign[] = "{\"v\":1,\"state\":\"online\",\"at\":1000000,\"rx\":\"b\"}";
	static const char own[] = "{\"v\":1,\"state\":\"online\",\"at\":1000000,\"rx\":\"a\"}";
	char topic[TC_PROTO_MAX_TOPIC];
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	assert_int_equal(tc_proto_topic(topic, sizeof(topic), TC_PROTO_DEFAULT_PREFIX, TC_TOPIC_RX_STATUS, "a", NULL), TC_OK);
	tc_dispatch_handle(dp, tc_mail_new(TC_MQTT_MESSAGE, topic, foreign, strlen(foreign)), NOW);
	assert_int_equal(tc_store_count_online(store), 0);
	tc_dispatch_handle(dp, tc_mail_new(TC_MQTT_MESSAGE, topic, own, strlen(own)), NOW);
	assert_int_equal(tc_store_count_online(store), 1);
	tc_dispatch_free(dp);
}

/* rejected (any reason) escalates to the village's people like silence; a later played counts. */
static void test_rejected_escalates(void **state)
{
	(void)state;
	struct tc_dispatch *dp = tc_dispatch_new(store, NULL, NULL, &options);
	mark_sent(NOW);
	tc_dispatch_handle(dp, ack_mail_as("a", "", TC_ACK_REJECTED, "malformed"), NOW + 1);
	tc_dispatch_handle(dp, ack_mail_as("b", "", TC_ACK_RECEIVED, ""), NOW + 1);
	tc_dispatch_handle(dp, ack_mail_as("b", "", TC_ACK_FAILED, "audio-timeout"), NOW + 2);
	assert_string_equal(state_of("a"), "rejected");
	assert_string_equal(state_of("b"), "failed");
	assert_int_equal(tc_store_escalation_count(store, alert_id), 2);
	assert_int_equal(tc_dispatch_stats(dp)->escalations, 2);
	tc_db_stmt *q = NULL; /* the escalation names the receiver's village, for its officers */
	assert_int_equal(tc_db_prepare(other, "SELECT region, reason FROM escalations WHERE target = 'a'", &q),
			 TC_DB_OK);
	assert_int_equal(tc_db_step(q), TC_DB_ROW);
	assert_string_equal((const char *)tc_db_column_text(q, 0), "120116001001");
	assert_string_equal((const char *)tc_db_column_text(q, 1), "rejected: malformed");
	tc_db_finalize(q);
	tc_dispatch_handle(dp, ack_mail("a", TC_ACK_PLAYED), NOW + 3);
	assert_string_equal(state_of("a"), "played");
	tc_dispatch_free(dp);
}

/* --- publishing, against a real broker ------------------------------------------------------- */

static pid_t broker_pid;
static const char *broker_extra = ""; /* more lines for the broker's configuration */

/* A port nothing listens on now. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) && !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool accepts(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* mosquitto on a free loopback port (the port, or -1 when it cannot be started). */
static int start_broker(void)
{
	char conf[160], log[160];
	int port = free_port();
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", fixture_dir);
	snprintf(log, sizeof(log), "%s/mosquitto.log", fixture_dir);
	FILE *f = fopen(conf, "w");
	if (port < 0 || !f)
		return -1;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n%s", port, broker_extra);
	fclose(f);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	char *argv[] = { "mosquitto", "-c", conf, NULL };
	int bad = posix_spawnp(&broker_pid, "mosquitto", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; !bad && i < 100; i++) {
		if (accepts(port))
			return port;
		usleep(50000);
	}
	return -1;
}

static void stop_broker(void)
{
	if (broker_pid > 0) {
		kill(broker_pid, SIGTERM);
		waitpid(broker_pid, NULL, 0);
	}
	broker_pid = 0;
	char p[160];
	snprintf(p, sizeof(p), "%s/mosquitto.conf", fixture_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/mosquitto.log", fixture_dir);
	unlink(p);
}

/* Hand the broker thread's mails to the dispatcher until it says it is connected (10 s at most). */
static void wait_connected(struct tc_dispatch *dp, struct tc_mqtt *mq, struct tc_mailbox *mb)
{
	for (int i = 0; i < 200 && !tc_mqtt_connected(mq); i++) {
		struct pollfd p = { .fd = tc_mailbox_fd(mb), .events = POLLIN };
		poll(&p, 1, 50);
		tc_dispatch_handle(dp, tc_mailbox_take(mb), NOW);
	}
	assert_true(tc_mqtt_connected(mq));
}

static void count_topic(const char *topic, void *user)
{
	(void)topic;
	(*(int *)user)++;
}

/* A region topic that could not be recorded would never be cleared: the round is done again. */
static void test_publish_written_whole(void **state)
{
	(void)state;
	int port = start_broker(), topics = 0;
	if (port < 0) {
		stop_broker();
		skip();
	}
	struct tc_mailbox *mb = tc_mailbox_new(0);
	struct tc_mqtt *mq = NULL;
	struct tc_mqtt_options mo = { .host = "127.0.0.1", .port = port, .client_id = "test-dispatch",
				      .prefix = TC_PROTO_DEFAULT_PREFIX, .keepalive_s = 30, .session_expiry_s = 60 };
	assert_int_equal(tc_mqtt_start(&mo, mb, &mq, NULL), TC_OK);
	struct tc_dispatch *dp = tc_dispatch_new(store, mq, NULL, &options);
	wait_connected(dp, mq, mb);
	assert_int_equal(tc_store_set_payload(store, alert_id, "sealed", 6, 0), TC_OK);
	fault("INSERT", "published");
	tc_dispatch_work(dp, NOW);
	assert_int_equal(alert_state(), TC_ALERT_PLANNED);
	assert_string_equal(state_of("a"), "planned");
	assert_string_equal(state_of("b"), "planned");
	assert_int_equal(tc_dispatch_stats(dp)->published_alerts, 0);
	assert_int_equal(metric(dp, "tocsin_store_errors_total{op=\"published\"} "), 1);
	heal("INSERT", "published");
	tc_dispatch_work(dp, NOW + 1);
	assert_int_equal(alert_state(), TC_ALERT_DISPATCHING);
	assert_string_equal(state_of("a"), "sent");
	assert_string_equal(state_of("b"), "sent");
	assert_int_equal(tc_store_each_published(store, alert_id, count_topic, &topics), TC_OK);
	assert_int_equal(topics, 1); /* a and b are every receiver of 120116001: one region message */
	assert_int_equal(tc_dispatch_stats(dp)->published_alerts, 1);
	tc_dispatch_free(dp);
	tc_mqtt_stop(mq);
	tc_mail_free_list(tc_mailbox_take(mb));
	tc_mailbox_free(mb);
	stop_broker();
}

/* A payload's scope: the receivers by id, or their regions when there are more than 256. */
static void test_scope_text(void **state)
{
	(void)state;
	struct tc_delivery_row rows[300];
	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 300; i++) {
		snprintf(rows[i].target, sizeof(rows[i].target), "rx-%03zu", i);
		snprintf(rows[i].channel, sizeof(rows[i].channel), "mqtt");
		snprintf(rows[i].region, sizeof(rows[i].region), "%s", i < 150 ? "120116001001" : "120116002001");
	}
	snprintf(rows[0].channel, sizeof(rows[0].channel), "sms"); /* not a receiver */
	char *s = tc_dispatch_scope_text(rows, 3);
	assert_string_equal(s, "rx rx-001\nrx rx-002\n");
	free(s);
	s = tc_dispatch_scope_text(rows, 257); /* 256 receivers */
	assert_non_null(strstr(s, "rx rx-256\n"));
	assert_null(strstr(s, "region"));
	free(s);
	rows[299].region[0] = '\0';
	s = tc_dispatch_scope_text(rows, 300);
	assert_string_equal(s, "region 120116001001\nregion 120116002001\nrx rx-299\n");
	free(s);
}

/* A dispatcher connected to a fresh broker (skips when mosquitto cannot be started). */
struct connected {
	struct tc_mailbox *mb;
	struct tc_mqtt *mq;
	struct tc_dispatch *dp;
};

static bool connect_dispatcher(struct connected *c)
{
	int port = start_broker();
	if (port < 0) {
		stop_broker();
		return false;
	}
	c->mb = tc_mailbox_new(0);
	struct tc_mqtt_options mo = { .host = "127.0.0.1", .port = port, .client_id = "test-dispatch",
				      .prefix = TC_PROTO_DEFAULT_PREFIX, .keepalive_s = 30, .session_expiry_s = 60 };
	assert_int_equal(tc_mqtt_start(&mo, c->mb, &c->mq, NULL), TC_OK);
	c->dp = tc_dispatch_new(store, c->mq, NULL, &options);
	wait_connected(c->dp, c->mq, c->mb);
	return true;
}

static void disconnect_dispatcher(struct connected *c)
{
	tc_dispatch_free(c->dp);
	tc_mqtt_stop(c->mq);
	tc_mail_free_list(tc_mailbox_take(c->mb));
	tc_mailbox_free(c->mb);
	stop_broker();
}

/* A flood of online statuses re-sends each pending delivery at most once per ack_timeout_s. */
static void test_online_flood_bounded(void **state)
{
	(void)state;
	struct connected c;
	if (!connect_dispatcher(&c))
		skip();
	mark_sent(NOW);
	for (int i = 0; i < 50; i++)
		tc_dispatch_handle(c.dp, status_mail("a", true), NOW + 1 + i / 10);
	assert_int_equal(tc_dispatch_stats(c.dp)->resends, 1);
	assert_int_equal(metric(c.dp, "\ntocsin_resends_held_total "), 49);
	assert_int_equal(row_of("a").attempts, 2);
	tc_dispatch_handle(c.dp, status_mail("a", true), NOW + 1 + 30); /* a timeout later: once more */
	assert_int_equal(tc_dispatch_stats(c.dp)->resends, 2);
	disconnect_dispatcher(&c);
}

/* A target whose id cannot be published (a store from before the id grammar) fails with its
 * reason and is escalated; the rest of the alert goes out, and nothing stays planned. */
static void test_bad_id_fails_only_its_target(void **state)
{
	(void)state;
	struct connected c;
	const char targets[2][64] = { "x#y", "p+q" };
	sql("INSERT INTO receivers (id, kind, name, lat, lon, region) VALUES ('x#y', 'loudspeaker', 'X', 39.0, 117.7, "
	    "'120116002002'), ('p+q', 'signage', 'P', 39.0, 117.7, '')");
	assert_int_equal(tc_store_plan_alert(store, alert_id, targets, 2, "mqtt", NOW), TC_OK);
	if (!connect_dispatcher(&c))
		skip();
	assert_int_equal(tc_store_set_payload(store, alert_id, "sealed", 6, 0), TC_OK);
	tc_dispatch_work(c.dp, NOW);
	assert_string_equal(state_of("a"), "sent");
	assert_string_equal(state_of("b"), "sent");
	assert_string_equal(state_of("x#y"), "failed");
	assert_string_equal(state_of("p+q"), "failed");
	assert_int_equal(row_of("x#y").attempts, 0);
	assert_int_equal(alert_state(), TC_ALERT_DISPATCHING);
	assert_int_equal(tc_store_escalation_count(store, alert_id), 2);
	assert_int_equal(metric(c.dp, "\ntocsin_unpublishable_total "), 2);
	assert_int_equal(tc_store_awaiting_receipt(store, alert_id), 2); /* a and b, sent; none planned */
	/* An acknowledgment forged for it changes nothing: it was never sent. */
	tc_dispatch_handle(c.dp, ack_mail("c", TC_ACK_PLAYED), NOW + 1); /* c: not a target */
	assert_int_equal(tc_dispatch_stats(c.dp)->acks, 0);
	disconnect_dispatcher(&c);
}

/* A message the broker client refuses for its size (over the broker's maximum packet size): the
 * region message and then each direct one are refused alone; each target fails with the reason,
 * nothing stays planned, and the connection is kept. */
static void test_refused_message_fails_its_targets(void **state)
{
	(void)state;
	struct connected c;
	static char big[4096];
	memset(big, 'x', sizeof(big));
	broker_extra = "max_packet_size 2048\n";
	bool up = connect_dispatcher(&c);
	broker_extra = "";
	if (!up)
		skip();
	assert_int_equal(tc_store_set_payload(store, alert_id, big, sizeof(big), 0), TC_OK);
	tc_dispatch_work(c.dp, NOW);
	assert_string_equal(state_of("a"), "failed");
	assert_string_equal(state_of("b"), "failed");
	assert_int_equal(tc_store_escalation_count(store, alert_id), 2);
	assert_int_equal(tc_store_awaiting_receipt(store, alert_id), 0);
	assert_true(tc_mqtt_connected(c.mq));
	disconnect_dispatcher(&c);
}

/* An operator's cancel reaches every receiver it can be published to; one that cannot be (an id
 * sent to before the grammar) does not keep the alert's retained messages from being cleared. */
static void test_cancel_skips_unaddressable(void **state)
{
	(void)state;
	struct connected c;
	const char targets[1][64] = { "p+q" };
	assert_int_equal(tc_store_plan_alert(store, alert_id, targets, 1, "mqtt", NOW), TC_OK);
	mark_sent(NOW); /* p+q too: sent once, as an older tocsind may have */
	assert_int_equal(tc_store_add_published(store, alert_id, "tocsin/v1/region/120116001/alert/x"), TC_OK);
	assert_int_equal(tc_store_set_alert_state(store, alert_id, TC_ALERT_CANCELLED, NOW), TC_OK);
	if (!connect_dispatcher(&c))
		skip();
	tc_dispatch_work(c.dp, NOW + 1);
	assert_int_equal(tc_dispatch_stats(c.dp)->cleared, 1);
	disconnect_dispatcher(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_kept_when_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_kept_when_its_delivery_is_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rendered_kept_whole, setup, teardown),
		cmocka_unit_test(test_scope_text),
		cmocka_unit_test_setup_teardown(test_render_failure_written_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_written_with_its_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_written_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_written_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_on_planned_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_naming_another_receiver_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_naming_another_receiver_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_only_from_its_broker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_escalates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_online_flood_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_id_fails_only_its_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_message_fails_its_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_skips_unaddressable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
