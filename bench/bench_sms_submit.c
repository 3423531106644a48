/*
 * bench_sms_submit.c — SMS submission through tocsind's SMPP session layer
 * (tc_smpp) against an SMSC, and the SMSC's own ceiling beside it.
 *
 *   bench_sms_submit --smsc HOST:PORT [--system-id ID] [--password PW] [--count N]
 *                    [--tps N] [--window N] [--text TEXT] [--dest-prefix +8613900]
 *                    [--receipts] [--timeout-s S] [--enquire-s S] [--linger-s S] [--raw] [--json]
 *
 * Each of N messages (the text encoded by encoders/tc_sms: GSM 7-bit or
 * UCS-2, concatenated with a UDH when long) goes to dest-prefix + i. It
 * prints what came back and the rate of accepted parts a second. With
 * --receipts it also waits for one receipt per part. --raw skips the
 * session layer: bind, then submit_sm pipelined with a window of 512 and
 * no pacing, so the SMSC alone sets the pace (its ceiling).
 * The integration tests use it as a client too (--json).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <netdb.h>
#include <sys/socket.h>

#include <smpp34.h>

#include "tc_sms.h"
#include "tc_sms_gateway.h"
#include "tc_smpp.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct args {
	char host[256];
	int port;
	const char *system_id, *password, *text, *prefix;
	long count, tps, window, timeout_s, enquire_s, linger_s;
	int receipts, raw, json;
};

/* The parts of message i. */
static size_t parts_of(const struct args *a, long i, struct tc_smpp_msg *out, size_t cap)
{
	struct tc_sms_message m;
	struct tc_sms_options so = { .ref = (uint16_t)i };
	if (tc_sms_encode(a->text, strlen(a->text), &so, &m, NULL) != TC_OK)
		return 0;
	char dest[24];
	struct tc_sms_submit part;
	size_t n = 0;
	snprintf(dest, sizeof(dest), "%s%06ld", a->prefix, i);
	for (; n < m.n_segments && n < cap; n++) { /* as tocsind hands it to its SMPP gateway */
		tc_sms_submit_from_segment(&m, n, dest, (uint64_t)i * 16 + n, &part);
		tc_smpp_msg_from_submit(&part, &out[n]);
	}
	return n;
}

static int session(const struct args *a)
{
	struct tc_mailbox *mb = tc_mailbox_new(0);
	struct tc_smpp *s = NULL;
	struct tc_smpp_options o = { .host = a->host, .port = a->port, .system_id = a->system_id,
				     .password = a->password, .tps = a->tps, .window = a->window,
				     .enquire_link_s = a->enquire_s, .response_timeout_s = 10, .queue_max = 2000000 };
	struct tc_diags *d = tc_diags_new();
	if (tc_smpp_start(&o, mb, &s, d)) {
		fprintf(stderr, "bench_sms_submit: %s\n", tc_diags_get(d, 0)->message);
		return 2;
	}
	tc_diags_free(d);
	long parts = 0, submitted = 0, refused = 0, receipts = 0, delivered = 0, mo = 0, ups = 0, downs = 0;
	struct tc_smpp_msg msg[TC_SMS_MAX_SEGMENTS];
	for (long i = 0; i < a->count; i++) {
		size_t n = parts_of(a, i, msg, TC_SMS_MAX_SEGMENTS);
		for (size_t k = 0; k < n; k++)
			tc_smpp_submit(s, &msg[k]);
		parts += (long)n;
	}
	double start = 0, last = 0, deadline = now_s() + (double)a->timeout_s;
	int lingering = 0;
	while (now_s() < deadline) {
		struct pollfd p = { tc_mailbox_fd(mb), POLLIN, 0 };
		poll(&p, 1, 100);
		for (struct tc_mail *m = tc_mailbox_take(mb), *next; m; m = next) {
			next = m->next;
			const struct tc_sms_event *ev = m->ptr;
			switch (m->kind) {
			case TC_SMS_GW_UP: ups++; if (!start) start = now_s(); break;
			case TC_SMS_GW_DOWN: downs++; break;
			case TC_SMS_GW_SUBMITTED: submitted++; last = now_s(); break;
			case TC_SMS_GW_REFUSED: refused++; break;
			case TC_SMS_GW_RECEIPT: receipts++; delivered += !strcmp(ev->stat, "DELIVRD"); break;
			case TC_SMS_GW_MO: mo++; break;
			default: break;
			}
			if (m->kind == TC_SMS_GW_RECEIPT || m->kind == TC_SMS_GW_MO) /* counted: answer the SMSC */
				tc_smpp_answer(s, ev->answer);
			tc_mail_free(m);
		}
		if (submitted + refused >= parts && (!a->receipts || receipts >= submitted) && !lingering) {
			if (!a->linger_s)
				break;
			double until = now_s() + (double)a->linger_s;
			deadline = until < deadline ? until : deadline;
			lingering = 1;
		}
	}
	struct tc_smpp_stats st;
	tc_smpp_get_stats(s, &st);
	tc_smpp_stop(s);
	tc_mailbox_free(mb);
	double secs = last > start ? last - start : 0;
	if (a->json)
		printf("{\"parts\":%ld,\"submitted\":%ld,\"refused\":%ld,\"receipts\":%ld,\"delivered\":%ld,\"mo\":%ld,"
		       "\"binds\":%ld,\"disconnects\":%ld,\"throttled\":%lu,\"resent\":%lu,\"enquires\":%lu,"
		       "\"seconds\":%.3f,\"rate\":%.1f}\n",
		       parts, submitted, refused, receipts, delivered, mo, ups, downs, st.throttled, st.resent, st.enquires,
		       secs, secs > 0 ? (double)submitted / secs : 0.0);
	else
		printf("tc_smpp (window %ld, tps %s%ld): %ld of %ld parts accepted in %.2f s: %.0f parts/s"
		       " (throttled %lu, re-sent %lu)\n", a->window, a->tps ? "" : "unlimited ", a->tps, submitted, parts,
		       secs, secs > 0 ? (double)submitted / secs : 0.0, st.throttled, st.resent);
	return submitted + refused == parts ? 0 : 1;
}

/* --- raw: the SMSC's ceiling ------------------------------------------------------------ */

static int dial(const char *host, int port)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	if (getaddrinfo(host, p, &hints, &res))
		return -1;
	int fd = socket(res->ai_family, res->ai_socktype, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Read PDUs; returns how many submit_sm_resp (status 0 in *ok) came, -1 on EOF. */
static long drain(int fd, uint8_t *buf, size_t *len, long *ok, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	long n = 0;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	ssize_t r = recv(fd, buf + *len, 65536 - *len, 0);
	if (r <= 0)
		return -1;
	*len += (size_t)r;
	size_t off = 0;
	long k;
	while ((k = tc_smpp_frame(buf + off, *len - off)) > 0) {
		const uint8_t *h = buf + off;
		uint32_t id = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		uint32_t status = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
		if (id == SUBMIT_SM_RESP) {
			n++;
			*ok += status == 0;
		} else if (id == DELIVER_SM) {
			uint8_t resp[64];
			uint32_t seq = (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 | (uint32_t)h[14] << 8 | h[15];
			size_t m = tc_smpp_pack_deliver_resp(resp, sizeof(resp), seq);
			if (send(fd, resp, m, MSG_NOSIGNAL) < 0)
				return -1;
		}
		off += (size_t)k;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	return n;
}

static int raw(const struct args *a)
{
	static uint8_t buf[65536];
	uint8_t pdu[TC_SMPP_MAX_PDU];
	size_t len = 0;
	int fd = dial(a->host, a->port);
	if (fd < 0) {
		fprintf(stderr, "bench_sms_submit: cannot reach %s:%d\n", a->host, a->port);
		return 2;
	}
	size_t n = tc_smpp_pack_bind(pdu, sizeof(pdu), 1, a->system_id, a->password, "");
	long ok = 0, answered = 0, sent = 0;
	if (send(fd, pdu, n, MSG_NOSIGNAL) < 0)
		return 2;
	for (int i = 0; i < 50 && len < 16; i++)
		drain(fd, buf, &len, &ok, 100);
	len = 0;
	struct tc_smpp_msg msg[TC_SMS_MAX_SEGMENTS];
	size_t parts = parts_of(a, 0, msg, TC_SMS_MAX_SEGMENTS);
	long total = a->count * (long)parts;
	double start = now_s(), deadline = start + (double)a->timeout_s;
	uint32_t seq = 2;
	while (answered < total && now_s() < deadline) {
		while (sent < total && sent - answered < 512) {
			n = tc_smpp_pack_submit(pdu, sizeof(pdu), seq++, &msg[sent % (long)parts], "");
			if (send(fd, pdu, n, MSG_NOSIGNAL) < 0)
				return 2;
			sent++;
		}
		long got = drain(fd, buf, &len, &ok, 100);
		if (got < 0)
			break;
		answered += got;
	}
	double secs = now_s() - start;
	close(fd);
	if (a->json)
		printf("{\"parts\":%ld,\"answered\":%ld,\"accepted\":%ld,\"seconds\":%.3f,\"rate\":%.1f}\n", total, answered,
		       ok, secs, secs > 0 ? (double)answered / secs : 0.0);
	else
		printf("SMSC ceiling (raw pipelined submit_sm, window 512): %ld parts answered in %.2f s: %.0f parts/s\n",
		       answered, secs, secs > 0 ? (double)answered / secs : 0.0);
	return answered == total ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct args a = { .system_id = "tocsin", .password = "secret", .count = 1000, .window = 10,
			  .timeout_s = 60, .enquire_s = 30, .text = "Typhoon warning: go to the shelter now.", .prefix = "+8613900" };
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(f, "--receipts")) a.receipts = 1;
		else if (!strcmp(f, "--raw")) a.raw = 1;
		else if (!strcmp(f, "--json")) a.json = 1;
		else if (!v) goto usage;
		else if (!strcmp(f, "--smsc")) {
			const char *c = strrchr(v, ':');
			if (!c)
				goto usage;
			snprintf(a.host, sizeof(a.host), "%.*s", (int)(c - v), v);
			a.port = atoi(c + 1);
			i++;
		} else if (!strcmp(f, "--system-id")) a.system_id = v, i++;
		else if (!strcmp(f, "--password")) a.password = v, i++;
		else if (!strcmp(f, "--count")) a.count = atol(v), i++;
		else if (!strcmp(f, "--tps")) a.tps = atol(v), i++;
		else if (!strcmp(f, "--window")) a.window = atol(v), i++;
		else if (!strcmp(f, "--text")) a.text = v, i++;
		else if (!strcmp(f, "--dest-prefix")) a.prefix = v, i++;
		else if (!strcmp(f, "--timeout-s")) a.timeout_s = atol(v), i++;
		else if (!strcmp(f, "--enquire-s")) a.enquire_s = atol(v), i++;
		else if (!strcmp(f, "--linger-s")) a.linger_s = atol(v), i++;
		else goto usage;
	}
	if (!a.host[0] || a.port <= 0)
		goto usage;
	return a.raw ? raw(&a) : session(&a);
usage:
	fprintf(stderr, "usage: bench_sms_submit --smsc HOST:PORT [--system-id ID] [--password PW] [--count N] [--tps N]\n"
			"       [--window N] [--text TEXT] [--dest-prefix P] [--receipts] [--timeout-s S] [--enquire-s S]\n"
			"       [--linger-s S] [--raw] [--json]\n");
	return 2;
}
