/* test_sms_engine.c — the SMS engine with the Kannel gateway: a delivery report that reaches
 * tocsind before Kannel's answer to the sendsms request still counts, and the late answer
 * changes nothing back. A loopback socket stands in for smsbox, so that the test decides when
 * the answer goes (the integration test sms_kannel runs the real Kannel). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cap_fixture.h"
#include "store_fixture.h"
#include "tc_sms_engine.h"
#include "tc_smpp.h"
#include "tc_store_sms.h"

#define NOW 1000000

static struct tc_store *store;
static char alert_id[17];

static int setup(void **state)
{
	(void)state;
	bool dup;
	struct tc_cap_alert *a = NULL;
	if (fixture_store_dir() || tc_store_open(fixture_db, &store, NULL) ||
	    fixture_check(fixture_alert, TC_CAP_PROFILE_NONE, false, NULL, &a) ||
	    tc_store_put_alert(store, a, NOW, alert_id, &dup, NULL) ||
	    tc_store_set_alert_state(store, alert_id, TC_ALERT_DISPATCHING, NOW))
		return -1;
	tc_cap_alert_free(a);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

struct query {
	const char *names[3], *values[3];
};

static const char *query_arg(void *conn, const char *name)
{
	struct query *q = conn;
	for (int i = 0; i < 3; i++)
		if (q->names[i] && !strcmp(q->names[i], name))
			return q->values[i];
	return NULL;
}

static void copy_state(const struct tc_sms_row *r, void *user)
{
	snprintf(user, 16, "%s", r->state);
}

static void state_of(int64_t id, char state[16])
{
	state[0] = '\0';
	assert_int_equal(tc_store_sms_get(store, id, copy_state, state), TC_OK);
}

/* Requests Kannel accepted, from the gateway's metrics. */
static unsigned long kannel_accepted(struct tc_sms *e)
{
	char *text = NULL, *at;
	size_t len = 0;
	unsigned long n = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tc_sms_metrics(e, f);
	fclose(f);
	if ((at = strstr(text, "tocsin_kannel_requests_total{outcome=\"accepted\"} ")))
		n = strtoul(strchr(at, ' ') + 1, NULL, 10);
	free(text);
	return n;
}

/* A listening loopback socket; *port receives its port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* The gateway's request, read up to the end of its head (at most five seconds); the connection. */
static int take_request(int lfd, char *buf, size_t cap)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	if (poll(&p, 1, 5000) != 1)
		return -1;
	int c = accept(lfd, NULL, NULL);
	size_t n = 0;
	while (c >= 0 && n + 1 < cap) {
		struct pollfd q = { c, POLLIN, 0 };
		ssize_t got = poll(&q, 1, 5000) == 1 ? read(c, buf + n, cap - 1 - n) : -1;
		if (got <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return c;
	}
	if (c >= 0)
		close(c);
	return -1;
}

static void test_report_before_answer(void **state)
{
	(void)state;
	int port = 0, lfd = listen_loopback(&port);
	assert_true(lfd >= 0);
	char url[64], request[16384], st[16], ref[32], want[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/cgi-bin/sendsms", port);
	struct tc_sms_engine_options o = {
		.gw = { .kind = TC_SMS_GW_KANNEL,
			.kannel = { .url = url, .user = "tocsin", .password = "secret",
				    .dlr_url = "http://127.0.0.1:8080/api/v1/sms/dlr" } },
		.default_cc = "86", .escalation_roles = "信息员", .batch_size = 100, .max_segments = 6,
		.receipt_timeout_s = 3600, .reply_window_s = 86400, .submit_ahead = 100,
	};
	struct tc_sms_row r = { .batch = 1, .text = "Typhoon orange warning", .parts = 1 };
	snprintf(r.alert_id, sizeof(r.alert_id), "%s", alert_id);
	snprintf(r.phone, sizeof(r.phone), "+8613990000001");
	snprintf(r.purpose, sizeof(r.purpose), "policy");
	snprintf(r.language, sizeof(r.language), "en-US");
	bool added = false;
	int64_t id = 0;
	assert_int_equal(tc_store_sms_add(store, &r, NOW, &added, &id), TC_OK);
	assert_true(added);
	struct tc_sms *e = NULL;
	assert_int_equal(tc_sms_new(store, &o, &e, NULL), TC_OK);
	tc_sms_work(e, NOW + 1); /* the part goes to the gateway, which sends it to "smsbox" */
	int c = take_request(lfd, request, sizeof(request));
	assert_true(c >= 0);
	assert_int_equal(tc_store_sms_parts_in(store, id, "sending"), 1);
	snprintf(ref, sizeof(ref), "%lld", (long long)id * 16); /* the part: message id * 16 + its number */
	snprintf(want, sizeof(want), "ref%%3D%s%%26n%%3D1", ref);
	assert_non_null(strstr(request, want)); /* the dlr-url names it */
	/* Kannel delivered it and calls the dlr-url (type 1: delivered) before its answer has come;
	 * the report is written before Kannel hears 200 */
	struct query q = { { "ref", "type", "n" }, { ref, "1", "1" } };
	assert_int_equal(tc_sms_http(e, "/api/v1/sms/dlr", query_arg, &q), 200);
	state_of(id, st);
	assert_string_equal(st, "delivered");
	assert_int_equal(tc_store_sms_parts_in(store, id, "delivered"), 1);
	assert_int_equal(tc_sms_stats(e)->receipts, 1);
	assert_int_equal(tc_sms_stats(e)->receipts_unknown, 0);
	/* then the answer: the part stays delivered */
	static const char answer[] = "HTTP/1.1 202 Accepted\r\nContent-Length: 25\r\nConnection: close\r\n\r\n"
				     "0: Accepted for delivery\n";
	assert_int_equal(write(c, answer, sizeof(answer) - 1), (ssize_t)(sizeof(answer) - 1));
	close(c);
	for (int i = 0; i < 100 && kannel_accepted(e) < 1; i++) /* posted once it counts it */
		usleep(50000);
	assert_int_equal(kannel_accepted(e), 1);
	tc_sms_handle(e, NOW + 3);
	state_of(id, st);
	assert_string_equal(st, "delivered");
	assert_int_equal(tc_store_sms_parts_in(store, id, "delivered"), 1);
	/* a report naming no part of ours is counted and ignored */
	struct query bogus = { { "ref", "type", "n" }, { "999999", "1", "1" } };
	assert_int_equal(tc_sms_http(e, "/api/v1/sms/dlr", query_arg, &bogus), 200);
	assert_int_equal(tc_sms_stats(e)->receipts_unknown, 1);
	/* the store refuses (a second connection holds it in a write transaction, past the busy
	 * timeout): Kannel is not told the report was taken */
	struct tc_store *other = NULL;
	assert_int_equal(tc_store_open(fixture_db, &other, NULL), TC_OK);
	assert_int_equal(tc_store_begin(other), TC_OK);
	struct query late = { { "ref", "type", "n" }, { ref, "1", "1" } };
	assert_int_equal(tc_sms_http(e, "/api/v1/sms/dlr", query_arg, &late), 503);
	assert_int_equal(tc_sms_stats(e)->receipts, 1);
	tc_store_rollback(other);
	tc_store_close(other);
	/* kept, not lost: written once the store takes it */
	assert_true(tc_sms_handle(e, NOW + 4));
	assert_int_equal(tc_sms_stats(e)->receipts, 2);
	state_of(id, st);
	assert_string_equal(st, "delivered");
	tc_sms_free(e);
	close(lfd);
}

/* An SMS to phone with code, for purpose, queued (never sent); its id. */
static int64_t queued_for(const char *phone, const char *code, const char *purpose)
{
	struct tc_sms_row r = { .batch = 0, .text = "Typhoon orange warning", .parts = 1 };
	snprintf(r.alert_id, sizeof(r.alert_id), "%s", alert_id);
	snprintf(r.phone, sizeof(r.phone), "%s", phone);
	snprintf(r.purpose, sizeof(r.purpose), "%s", purpose);
	snprintf(r.region, sizeof(r.region), "120116001009");
	snprintf(r.code, sizeof(r.code), "%s", code);
	bool added = false;
	int64_t id = 0;
	assert_int_equal(tc_store_sms_add(store, &r, NOW, &added, &id), TC_OK);
	assert_true(added);
	return id;
}

/* An escalation SMS to phone with code, queued (never sent); its id. */
static int64_t queued_sms(const char *phone, const char *code)
{
	return queued_for(phone, code, "escalation");
}

static void copy_confirmed(const struct tc_sms_row *r, void *user)
{
	*(int64_t *)user = r->confirmed_at;
}

static bool confirmed(int64_t id)
{
	int64_t at = 0;
	assert_int_equal(tc_store_sms_get(store, id, copy_confirmed, &at), TC_OK);
	return at > 0;
}

/* Kannel brings a reply from phone (GET /api/v1/sms/mo). */
static void reply(struct tc_sms *e, const char *from, const char *text)
{
	struct query q = { { "from", "text", NULL }, { from, text, NULL } };
	assert_int_equal(tc_sms_http(e, "/api/v1/sms/mo", query_arg, &q), 200);
}

/* The value of one metric line (name with labels) of the engine. */
static unsigned long metric(struct tc_sms *e, const char *line)
{
	char *text = NULL, *at;
	size_t len = 0;
	unsigned long n = ~0ul;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tc_sms_metrics(e, f);
	fclose(f);
	if ((at = strstr(text, line)))
		n = strtoul(at + strlen(line), NULL, 10);
	free(text);
	return n;
}

#define REFUSED(reason) "tocsin_sms_replies_refused_total{reason=\"" reason "\"} "

/*
 * A reply confirms only a message the SMSC accepted, within the reply
 * window, and with a code, only that message's code: a forged reply for an
 * SMS never sent, a wrong code or an old one is refused and counted.
 */
static void test_replies_checked(void **state)
{
	(void)state;
	struct tc_sms_engine_options o = {
		.gw = { .kind = TC_SMS_GW_KANNEL,
			.kannel = { .url = "http://127.0.0.1:9/cgi-bin/sendsms", .user = "tocsin", .password = "secret",
				    .dlr_url = "http://127.0.0.1:8080/api/v1/sms/dlr" } },
		.default_cc = "86", .escalation_roles = "信息员", .batch_size = 100, .max_segments = 6,
		.receipt_timeout_s = 3600, .reply_window_s = 86400, .submit_ahead = 100,
	};
	int64_t t = (int64_t)time(NULL); /* the engine answers Kannel at the real time */
	int64_t unsent = queued_sms("+8613990000011", "123456");
	int64_t old = queued_sms("+8613990000012", "234567");
	int64_t sent = queued_sms("+8613990000013", "345678");
	assert_int_equal(tc_store_sms_mark_sent(store, old, t - 86400 - 60), TC_OK);
	assert_int_equal(tc_store_sms_mark_sent(store, sent, t - 60), TC_OK);
	struct tc_sms *e = NULL;
	assert_int_equal(tc_sms_new(store, &o, &e, NULL), TC_OK);

	reply(e, "8613990000011", "ACK 123456"); /* the right code of an SMS never sent */
	reply(e, "8613990000011", "1");          /* a plain reply: nothing was sent to that phone */
	reply(e, "8613990000012", "ACK 234567"); /* sent before the window */
	reply(e, "8613990000012", "收到");       /* plain, also too old */
	reply(e, "8613990000013", "ACK 345679"); /* a wrong code */
	reply(e, "8613990000013", "ACK 4821");   /* a code of the old kind */
	reply(e, "8613990000013", "hello");      /* not a reply */
	reply(e, "8613990000013", "收到");       /* plain, to an escalation: only its code counts */
	assert_false(confirmed(unsent));
	assert_false(confirmed(old));
	assert_false(confirmed(sent));
	assert_int_equal(tc_sms_stats(e)->replies_matched, 0);
	assert_int_equal(tc_sms_stats(e)->replies_unmatched, 8);
	assert_int_equal(metric(e, REFUSED("never-sent")), 1);
	assert_int_equal(metric(e, REFUSED("no-message")), 2);
	assert_int_equal(metric(e, REFUSED("expired")), 1);
	assert_int_equal(metric(e, REFUSED("wrong-code")), 2);
	assert_int_equal(metric(e, REFUSED("not-a-reply")), 1);
	assert_int_equal(metric(e, REFUSED("no-code")), 1);

	reply(e, "8613990000013", "收到 345678"); /* the genuine reply */
	assert_true(confirmed(sent));
	assert_int_equal(tc_sms_stats(e)->replies_matched, 1);
	int64_t warning = queued_for("+8613990000016", "678901", "policy"); /* the warning itself shows no code */
	assert_int_equal(tc_store_sms_mark_sent(store, warning, t - 60), TC_OK);
	reply(e, "8613990000016", "1");
	assert_true(confirmed(warning));

	/* guessing: after 5 wrong codes from a phone, even the right one counts no more */
	int64_t guessed = queued_sms("+8613990000015", "567890");
	assert_int_equal(tc_store_sms_mark_sent(store, guessed, t - 60), TC_OK);
	char guess[16];
	for (int i = 0; i < TC_SMS_MAX_WRONG_CODES; i++) {
		snprintf(guess, sizeof(guess), "ACK %06d", 100000 + i);
		reply(e, "8613990000015", guess);
	}
	assert_int_equal(metric(e, REFUSED("wrong-code")), 2 + TC_SMS_MAX_WRONG_CODES);
	reply(e, "8613990000015", "ACK 567890");
	assert_false(confirmed(guessed));
	assert_int_equal(metric(e, REFUSED("locked")), 1);
	tc_sms_free(e);

	/* with sms_reply_code_required a plain reply confirms nothing, a coded one still does */
	int64_t more = queued_for("+8613990000014", "456789", "policy");
	assert_int_equal(tc_store_sms_mark_sent(store, more, t - 60), TC_OK);
	o.reply_code_required = true;
	assert_int_equal(tc_sms_new(store, &o, &e, NULL), TC_OK);
	reply(e, "8613990000014", "收到");
	assert_false(confirmed(more));
	assert_int_equal(metric(e, REFUSED("no-code")), 1);
	reply(e, "8613990000014", "ACK 456789");
	assert_true(confirmed(more));
	tc_sms_free(e);
}

/* Shelters the engine said changed. */
static char told[8][64];
static int n_told;

static void shelter_told(const char *id, void *user)
{
	(void)user;
	if (n_told < 8)
		snprintf(told[n_told++], 64, "%s", id);
}

#define SHELTER(outcome) "tocsin_sms_shelter_reports_total{outcome=\"" outcome "\"} "

/*
 * A shelter manager's SMS from the registered phone changes the shelter (full, a number,
 * open, closed) and is no confirmation; anything else from that phone changes nothing and is
 * counted; the same words from any other phone change nothing.
 */
static void test_shelter_manager_sms(void **state)
{
	(void)state;
	struct tc_sms_engine_options o = {
		.gw = { .kind = TC_SMS_GW_KANNEL,
			.kannel = { .url = "http://127.0.0.1:9/cgi-bin/sendsms", .user = "tocsin", .password = "secret",
				    .dlr_url = "http://127.0.0.1:8080/api/v1/sms/dlr" } },
		.default_cc = "86", .escalation_roles = "信息员", .batch_size = 100, .max_segments = 6,
		.receipt_timeout_s = 3600, .reply_window_s = 86400, .submit_ahead = 100,
		.shelter_changed = shelter_told,
	};
	struct tc_shelter sh = { .id = "sh-m1", .name = "塘沽第一中学", .lat = 39.02, .lon = 117.65, .capacity = 1200,
				 .phone = "+8613990000031", .state = "open" };
	assert_int_equal(tc_store_put_shelter(store, &sh), TC_OK);
	struct tc_sms *e = NULL;
	struct tc_shelter got;
	assert_int_equal(tc_sms_new(store, &o, &e, NULL), TC_OK);
	reply(e, "8613990000031", "350");
	assert_int_equal(tc_store_get_shelter(store, "sh-m1", &got), TC_OK);
	assert_int_equal(got.occupancy, 350);
	assert_true(got.occupancy_at > 0);
	assert_int_equal(n_told, 1);
	assert_string_equal(told[0], "sh-m1");
	reply(e, "8613990000032", "已满"); /* another phone */
	reply(e, "8613990000031", "hello"); /* the manager, not a report */
	assert_int_equal(tc_store_get_shelter(store, "sh-m1", &got), TC_OK);
	assert_string_equal(got.state, "open");
	assert_int_equal(n_told, 1);
	assert_int_equal(metric(e, SHELTER("not-understood")), 1);
	reply(e, "8613990000031", "已满");
	assert_int_equal(tc_store_get_shelter(store, "sh-m1", &got), TC_OK);
	assert_string_equal(got.state, "full");
	assert_int_equal(got.occupancy, 350);
	assert_int_equal(n_told, 2);
	assert_int_equal(metric(e, SHELTER("applied")), 2);
	/* a manager's message is never a confirmation: the replies saw only the other phone */
	assert_int_equal(tc_sms_stats(e)->replies, 1);
	tc_sms_free(e);
}

/* Kannel's URL is logged without the credentials it may carry. */
static void test_kannel_url_shown(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "http://127.0.0.1:13013/cgi-bin/sendsms", "http://127.0.0.1:13013/cgi-bin/sendsms" },
		{ "http://tocsin:s3cret@kannel:13013/cgi-bin/sendsms", "http://kannel:13013/cgi-bin/sendsms" },
		{ "https://k/cgi-bin/sendsms?username=t&password=s3cret", "https://k/cgi-bin/sendsms?(hidden)" },
		{ "http://u:p@k?password=s3cret", "http://k?(hidden)" },
		{ "kannel/x@y", "kannel/x@y" },
	};
	char out[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_sms_kannel_url_shown(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
}

struct taken {
	int64_t id[64];
	enum tc_sms_class cls[64];
	size_t n;
};

static void take_one(const struct tc_sms_part *p, void *user)
{
	struct taken *t = user;
	if (t->n < 64) {
		t->id[t->n] = p->msg.id;
		t->cls[t->n++] = tc_sms_class_of(p->msg.purpose);
	}
}

static enum tc_sms_pick take_all(const char *phone, void *user)
{
	(void)phone;
	(void)user;
	return TC_SMS_PICK_TAKE;
}

/* The queue hands over the highest class first, oldest message first within it, and keeps that across a restart. */
static void test_queue_by_class(void **state)
{
	(void)state;
	long before[TC_SMS_N_CLASSES], after[TC_SMS_N_CLASSES];
	assert_int_equal(tc_store_sms_queued(store, NULL, before), TC_OK);
	static const char *const purposes[] = { "policy", "policy", "maintenance", "policy", "escalation",
						"approval", "relay", "escalation", "policy" };
	int64_t ids[9];
	for (int i = 0; i < 9; i++) {
		char phone[24];
		snprintf(phone, sizeof(phone), "+86139700000%02d", i);
		ids[i] = queued_for(phone, "", purposes[i]);
	}
	assert_int_equal(tc_store_sms_queued(store, NULL, after), TC_OK);
	assert_int_equal(after[TC_SMS_CLASS_ESCALATION] - before[TC_SMS_CLASS_ESCALATION], 2);
	assert_int_equal(after[TC_SMS_CLASS_RELAY] - before[TC_SMS_CLASS_RELAY], 2);
	assert_int_equal(after[TC_SMS_CLASS_POLICY] - before[TC_SMS_CLASS_POLICY], 4);
	assert_int_equal(after[TC_SMS_CLASS_MAINTENANCE] - before[TC_SMS_CLASS_MAINTENANCE], 1);
	long of_alert[TC_SMS_N_CLASSES];
	assert_int_equal(tc_store_sms_queued(store, alert_id, of_alert), TC_OK);
	assert_true(of_alert[TC_SMS_CLASS_ESCALATION] >= 2);
	assert_int_equal(tc_store_sms_queued(store, "no-such-alert", of_alert), TC_OK);
	assert_int_equal(of_alert[TC_SMS_CLASS_POLICY], 0);
	/* the order is the store's: a restart keeps it */
	tc_store_close(store);
	assert_int_equal(tc_store_open(fixture_db, &store, NULL), TC_OK);
	struct taken t = { .n = 0 };
	assert_int_equal(tc_store_sms_take_parts(store, 64, take_all, take_one, &t), TC_OK);
	for (size_t i = 1; i < t.n; i++) {
		if (t.cls[i] < t.cls[i - 1] || (t.cls[i] == t.cls[i - 1] && t.id[i] < t.id[i - 1]))
			fail_msg("part %zu (message %lld, %s) handed over after message %lld (%s)", i, (long long)t.id[i],
				 tc_sms_class_name(t.cls[i]), (long long)t.id[i - 1], tc_sms_class_name(t.cls[i - 1]));
	}
	/* ours: both escalations, then approval and relay, then the policy SMS as queued, then maintenance */
	int64_t want[] = { ids[4], ids[7], ids[5], ids[6], ids[0], ids[1], ids[3], ids[8], ids[2] };
	size_t k = 0;
	for (size_t i = 0; i < t.n && k < 9; i++)
		for (int j = 0; j < 9; j++)
			if (t.id[i] == ids[j]) {
				assert_int_equal(t.id[i], want[k]);
				k++;
			}
	assert_int_equal(k, 9);
	assert_int_equal(tc_store_sms_queued(store, NULL, after), TC_OK);
	assert_int_equal(after[TC_SMS_CLASS_ESCALATION], 0);
	assert_string_equal(tc_sms_class_name(TC_SMS_CLASS_RELAY), "relay");
	assert_int_equal(tc_sms_class_of("relay-duty"), TC_SMS_CLASS_RELAY);
	assert_int_equal(tc_sms_class_of("unknown"), TC_SMS_CLASS_MAINTENANCE);
}

/* Room left on the gateway of +8613760…; every other phone's gateway is full. */
static enum tc_sms_pick only_second(const char *phone, void *user)
{
	long *room = ((void **)user)[0];
	if (strncmp(phone, "+8613760", 8))
		return TC_SMS_PICK_SKIP;
	if (*room <= 0)
		return TC_SMS_PICK_ENOUGH;
	(*room)--;
	return TC_SMS_PICK_TAKE;
}

static void take_into(const struct tc_sms_part *p, void *user)
{
	take_one(p, ((void **)user)[1]);
}

/* Parts a full gateway cannot take do not hold back, behind them in the queue, those another gateway can. */
static void test_full_gateway_holds_back_none(void **state)
{
	(void)state;
	int64_t first[6], second[3];
	for (int i = 0; i < 6; i++) { /* at the head of the queue, for a gateway that is full */
		char phone[24];
		snprintf(phone, sizeof(phone), "+86137500000%02d", i);
		first[i] = queued_for(phone, "", "policy");
	}
	for (int i = 0; i < 3; i++) {
		char phone[24];
		snprintf(phone, sizeof(phone), "+86137600000%02d", i);
		second[i] = queued_for(phone, "", "policy");
	}
	long room = 2;
	struct taken t = { .n = 0 };
	void *ctx[2] = { &room, &t };
	assert_int_equal(tc_store_sms_take_parts(store, 1000, only_second, take_into, ctx), TC_OK);
	assert_int_equal(t.n, 2); /* as many as the second gateway had room for, past the six */
	assert_int_equal(t.id[0], second[0]);
	assert_int_equal(t.id[1], second[1]);
	assert_int_equal(tc_store_sms_parts_in(store, second[0], "sending"), 1);
	assert_int_equal(tc_store_sms_parts_in(store, second[2], "queued"), 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(tc_store_sms_parts_in(store, first[i], "queued"), 1);
}

/* A gateway gives back, oldest first, the parts it holds and has not sent, and forgets them. */
static void test_gateway_gives_back(void **state)
{
	(void)state;
	struct tc_mailbox *mb = tc_mailbox_new(64);
	struct tc_sms_gateway *g = NULL;
	const struct tc_smpp_options o = { .host = "127.0.0.1", .port = 1, .system_id = "tocsin", .password = "x",
					   .tps = 50, .window = 10, .enquire_link_s = 30, .response_timeout_s = 10,
					   .queue_max = 10 };
	assert_non_null(mb);
	assert_int_equal(tc_smpp_gateway_start(&o, mb, &g, NULL), TC_OK);
	struct tc_sms_message msg;
	struct tc_sms_options so = { .max_segments = 3 };
	assert_int_equal(tc_sms_encode("台风橙色预警", strlen("台风橙色预警"), &so, &msg, NULL), TC_OK);
	const uint64_t refs[] = { 17, 18, 33 };
	for (int i = 0; i < 3; i++) {
		struct tc_sms_submit m;
		assert_int_equal(tc_sms_submit_from_segment(&msg, 0, "+8613800000001", refs[i], &m), TC_OK);
		assert_int_equal(tc_sms_gateway_submit(g, &m), TC_OK);
	}
	assert_int_equal(tc_sms_gateway_pending(g), 3);
	uint64_t back[4] = { 0 };
	assert_int_equal(tc_sms_gateway_take_back(g, back, 2), 2);
	assert_true(back[0] == 17 && back[1] == 18);
	assert_int_equal(tc_sms_gateway_pending(g), 1);
	assert_int_equal(tc_sms_gateway_take_back(g, back, 4), 1);
	assert_true(back[0] == 33);
	assert_int_equal(tc_sms_gateway_take_back(g, back, 4), 0);
	assert_int_equal(tc_sms_gateway_pending(g), 0);
	tc_sms_gateway_stop(g);
	tc_mailbox_free(mb);
}

/* The engine with two SMPP gateways, default and cmcc, to an SMSC that is not there. */
static struct tc_sms *two_gateways(struct tc_sms_engine_gateway *more)
{
	struct tc_sms *e = NULL;
	struct tc_sms_engine_options o = {
		.gw = { .kind = TC_SMS_GW_SMPP,
			.smpp = { .host = "127.0.0.1", .port = 1, .system_id = "tocsin", .password = "x", .tps = 50,
				  .window = 10, .enquire_link_s = 30, .response_timeout_s = 10, .queue_max = 400 } },
		.default_cc = "86", .escalation_roles = "信息员", .batch_size = 100, .max_segments = 6,
		.receipt_timeout_s = 3600, .reply_window_s = 86400, .submit_ahead = 70,
	};
	more->kind = TC_SMS_GW_SMPP;
	more->smpp = o.gw.smpp;
	snprintf(more->name, sizeof(more->name), "cmcc");
	snprintf(more->prefixes[0], sizeof(more->prefixes[0]), "86139");
	more->n_prefixes = 1;
	o.more = more;
	o.n_more = 1;
	assert_int_equal(tc_sms_new(store, &o, &e, NULL), TC_OK);
	return e;
}

static void post(struct tc_sms *e, unsigned gw, int kind, uint64_t ref, const char *message_id, const char *stat)
{
	struct tc_sms_event ev = { .ref = ref };
	snprintf(ev.message_id, sizeof(ev.message_id), "%s", message_id);
	snprintf(ev.stat, sizeof(ev.stat), "%s", stat);
	tc_sms_event_post(tc_sms_mailbox(e), gw, kind, &ev);
}

/* Two SMSCs give the same message id to two parts: each gateway's answer and receipt find its own part. */
static void test_same_id_two_gateways(void **state)
{
	(void)state;
	struct tc_sms_engine_gateway more = { 0 };
	struct tc_sms *e = two_gateways(&more);
	char st[16];
	int64_t a = queued_for("+8613800000001", "", "policy"), b = queued_for("+8613900000001", "", "policy");
	post(e, 0, TC_SMS_GW_SUBMITTED, (uint64_t)a * 16, "0a1b", "");
	post(e, 1, TC_SMS_GW_SUBMITTED, (uint64_t)b * 16, "0a1b", "");
	assert_true(tc_sms_handle(e, NOW + 1));
	int64_t id = 0;
	long seq = -1;
	assert_int_equal(tc_store_sms_part_find(store, "0a1b", &id, &seq), TC_OK); /* the first gateway's: bare */
	assert_int_equal(id, a);
	assert_int_equal(tc_store_sms_part_find(store, "cmcc:0a1b", &id, &seq), TC_OK);
	assert_int_equal(id, b);
	/* the first gateway's receipt marks its part only, though the other's part is the latest with the id */
	static const struct { unsigned gw; const char *stat, *a, *b; } steps[] = {
		{ 0, "DELIVRD", "delivered", "submitted" }, { 1, "UNDELIV", "delivered", "undeliverable" } };
	for (int i = 0; i < 2; i++) {
		post(e, steps[i].gw, TC_SMS_GW_RECEIPT, 0, "0a1b", steps[i].stat);
		assert_true(tc_sms_handle(e, NOW + 2 + i));
		state_of(a, st);
		assert_string_equal(st, steps[i].a);
		state_of(b, st);
		assert_string_equal(st, steps[i].b);
	}
	tc_sms_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_before_answer),
		cmocka_unit_test(test_replies_checked),
		cmocka_unit_test(test_shelter_manager_sms),
		cmocka_unit_test(test_kannel_url_shown),
		cmocka_unit_test(test_queue_by_class),
		cmocka_unit_test(test_full_gateway_holds_back_none),
		cmocka_unit_test(test_same_id_two_gateways),
		cmocka_unit_test(test_gateway_gives_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
