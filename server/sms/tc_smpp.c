/*
 * tc_smpp.c — the SMPP session thread, and the SMPP kind of SMS gateway
 * over it (tc_smpp.h).
 *
 * The thread alone touches the socket, the window and the sequence
 * numbers; the owner thread only adds to the queue (under the lock) and
 * reads counters. Times are monotonic milliseconds (pacing: microseconds).
 */
#include "tc_smpp.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <smpp34.h>

#include "tc_log.h"
#include "tc_sms_gateway.h"
#include "tc_sms_track.h"
#include "tc_vec.h"

#define RBUF (TC_SMPP_MAX_PDU * 4)

struct outstanding {
	struct tc_smpp_msg m;
	uint32_t seq;
	int64_t sent_ms;
};

struct answer { /* a deliver_sm the owner has written */
	uint32_t link, seq;
};

struct tc_smpp {
	struct tc_smpp_options o;
	char host[256], system_id[16], password[9], system_type[13], source[21];
	struct tc_mailbox *mb;
	pthread_t thread;
	bool started;
	atomic_bool stop, bound;

	pthread_mutex_t lock; /* queue and stats */
	struct tc_smpp_msg *q;
	size_t q_head, q_len, q_cap;
	size_t n_win_shared;
	struct tc_smpp_stats stats;
	struct tc_vec answers; /* struct answer: to be sent by the thread */

	/* the thread's own */
	uint32_t link; /* links opened so far: the one up now */
	int fd;
	bool link_bound; /* bound since the link opened (the UP mail was posted) */
	enum tc_smpp_state st;
	uint32_t seq, bind_seq, enquire_seq, unbind_seq;
	int64_t bind_sent_ms, enquire_sent_ms, unbind_sent_ms, last_rx_ms, pause_until_ms;
	int64_t next_send_us;
	long backoff_ms;
	struct outstanding *win;
	size_t n_win;
	uint8_t rbuf[RBUF];
	size_t rlen;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	return mono_us() / 1000;
}

#define STAT(s, field) do { pthread_mutex_lock(&(s)->lock); (s)->stats.field++; pthread_mutex_unlock(&(s)->lock); } while (0)

/* --- the queue (shared) ------------------------------------------------------------ */

static struct tc_smpp_msg *q_at(struct tc_smpp *s, size_t i)
{
	return &s->q[(s->q_head + i) % s->q_cap];
}

enum tc_rc tc_smpp_submit(struct tc_smpp *s, const struct tc_smpp_msg *m)
{
	enum tc_rc rc = TC_OK;
	pthread_mutex_lock(&s->lock);
	if (s->q_len >= (size_t)s->o.queue_max)
		rc = TC_ERR_LIMIT;
	else
		*q_at(s, s->q_len++) = *m;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Put the window back at the front of the queue, oldest first (there is always room: q_cap covers it). */
static void requeue_window(struct tc_smpp *s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = s->n_win; i-- > 0;) {
		s->q_head = (s->q_head + s->q_cap - 1) % s->q_cap;
		s->q[s->q_head] = s->win[i].m;
		s->q_len++;
		s->stats.resent++;
	}
	s->n_win = 0;
	s->n_win_shared = 0;
	pthread_mutex_unlock(&s->lock);
}

static bool q_pop(struct tc_smpp *s, struct tc_smpp_msg *out)
{
	bool ok = false;
	pthread_mutex_lock(&s->lock);
	if (s->q_len) {
		*out = s->q[s->q_head];
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
		ok = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void q_push_front(struct tc_smpp *s, const struct tc_smpp_msg *m)
{
	pthread_mutex_lock(&s->lock);
	s->q_head = (s->q_head + s->q_cap - 1) % s->q_cap;
	s->q[s->q_head] = *m;
	s->q_len++;
	pthread_mutex_unlock(&s->lock);
}

static size_t q_len(struct tc_smpp *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->q_len;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* --- the wire ------------------------------------------------------------------------ */

static void event(struct tc_smpp *s, enum tc_smpp_event ev)
{
	enum tc_smpp_state next;
	if (!tc_smpp_next(s->st, ev, &next)) {
		tc_log(TC_LOG_DEBUG, "smpp", "state=%s refused the event %s", tc_smpp_state_name(s->st),
		       tc_smpp_event_name(ev));
		return;
	}
	if (next != s->st)
		tc_log(TC_LOG_DEBUG, "smpp", "state=%s after %s", tc_smpp_state_name(next), tc_smpp_event_name(ev));
	s->st = next;
	atomic_store(&s->bound, next == TC_SMPP_BOUND);
}

static int send_all(struct tc_smpp *s, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(s->fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { s->fd, POLLOUT, 0 };
			if (poll(&p, 1, 1000) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint32_t next_seq(struct tc_smpp *s)
{
	s->seq = s->seq >= 0x7FFFFFFF ? 1 : s->seq + 1;
	return s->seq;
}

static int send_simple(struct tc_smpp *s, uint32_t cmd, uint32_t status, uint32_t seq)
{
	uint8_t b[16];
	return send_all(s, b, tc_smpp_pack_simple(b, sizeof(b), cmd, status, seq));
}

static void close_link(struct tc_smpp *s, const char *why)
{
	bool was_bound = s->link_bound;
	s->link_bound = false;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->rlen = 0;
	s->enquire_sent_ms = 0;
	if (s->n_win)
		tc_log(TC_LOG_INFO, "smpp", "%zu submit_sm without an answer go out again after reconnecting", s->n_win);
	requeue_window(s);
	event(s, TC_SMPP_EV_LINK_LOST);
	if (was_bound) {
		STAT(s, disconnects);
		if (!atomic_load(&s->stop))
			tc_log(TC_LOG_WARN, "smpp", "lost the SMSC %s:%d (%s); reconnecting", s->host, s->o.port, why);
		tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_DOWN, NULL);
	}
}

static int connect_to(struct tc_smpp *s)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", s->o.port);
	if (getaddrinfo(s->host, port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static void nap_ms(struct tc_smpp *s, long ms)
{
	for (long t = 0; t < ms && !atomic_load(&s->stop); t += 50) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* Connect and send bind_transceiver; false when the SMSC cannot be reached. */
static bool open_link(struct tc_smpp *s)
{
	uint8_t b[256];
	s->fd = connect_to(s);
	if (s->fd < 0)
		return false;
	s->link++;
	event(s, TC_SMPP_EV_CONNECTED);
	s->bind_seq = next_seq(s);
	size_t n = tc_smpp_pack_bind(b, sizeof(b), s->bind_seq, s->system_id, s->password, s->system_type);
	if (!n || send_all(s, b, n)) {
		close_link(s, "bind could not be sent");
		return false;
	}
	s->bind_sent_ms = s->last_rx_ms = mono_ms();
	return true;
}

/* --- what comes in --------------------------------------------------------------------- */

static struct outstanding *find_window(struct tc_smpp *s, uint32_t seq)
{
	for (size_t i = 0; i < s->n_win; i++)
		if (s->win[i].seq == seq)
			return &s->win[i];
	return NULL;
}

static void drop_window(struct tc_smpp *s, struct outstanding *w)
{
	size_t i = (size_t)(w - s->win);
	memmove(&s->win[i], &s->win[i + 1], (s->n_win - i - 1) * sizeof(*w));
	s->n_win--;
	pthread_mutex_lock(&s->lock);
	s->n_win_shared = s->n_win;
	pthread_mutex_unlock(&s->lock);
}

/* Part ref is refused for good with an SMPP status: the gateway's event says which and why. */
static void post_refused(struct tc_smpp *s, uint64_t ref, uint32_t status)
{
	struct tc_sms_event ev = { .ref = ref };
	snprintf(ev.reason, sizeof(ev.reason), "%s (0x%02x)", tc_smpp_status_name(status), status);
	STAT(s, refused);
	tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_REFUSED, &ev);
}

static void on_submit_resp(struct tc_smpp *s, const struct tc_smpp_pdu *p)
{
	struct outstanding *w = find_window(s, p->seq);
	if (!w) {
		tc_log(TC_LOG_DEBUG, "smpp", "submit_sm_resp seq=%u answers nothing outstanding", p->seq);
		return;
	}
	struct tc_smpp_msg m = w->m;
	drop_window(s, w);
	if (p->status == ESME_RTHROTTLED || p->status == ESME_RMSGQFUL) {
		/* back to the front, and a pause that doubles while it lasts */
		q_push_front(s, &m);
		if (p->status == ESME_RTHROTTLED)
			STAT(s, throttled);
		else
			STAT(s, queue_full);
		s->pause_until_ms = mono_ms() + s->backoff_ms;
		tc_log(TC_LOG_DEBUG, "smpp", "SMSC says %s; pausing %ld ms", tc_smpp_status_name(p->status), s->backoff_ms);
		s->backoff_ms = s->backoff_ms < 5000 ? s->backoff_ms * 2 : 5000;
		return;
	}
	s->backoff_ms = 100;
	if (p->status != ESME_ROK) {
		post_refused(s, m.ref, p->status);
		return;
	}
	struct tc_sms_event ev = { .ref = m.ref };
	snprintf(ev.message_id, sizeof(ev.message_id), "%s", p->message_id);
	STAT(s, submitted);
	tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_SUBMITTED, &ev);
}

static void answer_deliver(struct tc_smpp *s, uint32_t seq)
{
	uint8_t b[64];
	size_t n = tc_smpp_pack_deliver_resp(b, sizeof(b), seq);
	if (n && send_all(s, b, n))
		close_link(s, "write failed");
}

/* What an event names a deliver_sm by (tc_smpp_answer): its link and its sequence number; 0 for none. */
static uint64_t answer_token(uint32_t link, uint32_t seq)
{
	return seq ? (uint64_t)link << 32 | seq : 0;
}

/*
 * A receipt or an MO goes to the owner with this link and its sequence number, and is answered
 * (deliver_sm_resp) only once the owner has written it (tc_smpp_answer): until then the SMSC
 * keeps it, and a tocsind killed in between gets it again on its next link.
 */
static void on_deliver(struct tc_smpp *s, const struct tc_smpp_pdu *p)
{
	struct tc_sms_event ev = { .answer = answer_token(s->link, p->seq) };
	event(s, TC_SMPP_EV_DELIVER);
	if ((p->esm_class & 0x3C) == SMPP34_DELIVERY_RECEIPT) {
		struct tc_sms_receipt r;
		char text[TC_SMPP_SM_MAX + 1];
		size_t len = tc_smpp_text(p->sm, p->sm_len, p->data_coding == 8 ? 8 : 1, false, text, sizeof(text));
		if (tc_sms_receipt_parse(text, len, p->message_id, p->message_state, &r) != TC_OK) {
			tc_log(TC_LOG_WARN, "smpp", "a delivery receipt says neither which message nor how it ended: %.80s",
			       text);
			answer_deliver(s, p->seq); /* nothing in it to keep */
			return;
		}
		snprintf(ev.message_id, sizeof(ev.message_id), "%s", r.id);
		snprintf(ev.stat, sizeof(ev.stat), "%s", r.stat);
		STAT(s, receipts);
		tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_RECEIPT, &ev);
		return;
	}
	snprintf(ev.from, sizeof(ev.from), "%s", p->source);
	tc_smpp_text(p->sm, p->sm_len, p->data_coding, (p->esm_class & 0x40) != 0, ev.text, sizeof(ev.text));
	STAT(s, mo);
	tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_MO, &ev);
}

static void on_bind_resp(struct tc_smpp *s, const struct tc_smpp_pdu *p)
{
	if (p->seq != s->bind_seq)
		return;
	if (p->status != ESME_ROK) {
		tc_log(TC_LOG_ERROR, "smpp", "the SMSC %s:%d refused bind_transceiver as '%s': %s (0x%02x)", s->host,
		       s->o.port, s->system_id, tc_smpp_status_name(p->status), p->status);
		event(s, TC_SMPP_EV_BIND_FAIL);
		close_link(s, "bind refused");
		return;
	}
	event(s, TC_SMPP_EV_BIND_OK);
	s->link_bound = true;
	STAT(s, binds);
	s->backoff_ms = 100;
	tc_log(TC_LOG_INFO, "smpp", "bound to the SMSC %s:%d as '%s' (transceiver)", s->host, s->o.port, s->system_id);
	tc_sms_event_post(s->mb, s->o.gateway, TC_SMS_GW_UP, NULL);
}

static void on_pdu(struct tc_smpp *s, const uint8_t *buf, size_t len)
{
	struct tc_smpp_pdu p;
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc = tc_smpp_parse(buf, len, &p, d);
	if (rc) {
		tc_log(TC_LOG_WARN, "smpp", "%s", tc_diags_count(d) ? tc_diags_get(d, 0)->message : "unreadable PDU");
		tc_diags_free(d);
		if (len >= 16 && p.command_id == DELIVER_SM)
			send_simple(s, GENERIC_NACK, ESME_RINVMSGLEN, p.seq);
		return;
	}
	tc_diags_free(d);
	s->last_rx_ms = mono_ms();
	switch (p.command_id) {
	case BIND_TRANSCEIVER_RESP: on_bind_resp(s, &p); break;
	case SUBMIT_SM_RESP: event(s, TC_SMPP_EV_RESP); on_submit_resp(s, &p); break;
	case DELIVER_SM: on_deliver(s, &p); break;
	case ENQUIRE_LINK: send_simple(s, ENQUIRE_LINK_RESP, ESME_ROK, p.seq); break;
	case ENQUIRE_LINK_RESP:
		if (p.seq == s->enquire_seq)
			s->enquire_sent_ms = 0;
		break;
	case UNBIND:
		send_simple(s, UNBIND_RESP, ESME_ROK, p.seq);
		event(s, TC_SMPP_EV_PEER_UNBIND);
		close_link(s, "the SMSC unbound");
		break;
	case UNBIND_RESP: event(s, TC_SMPP_EV_UNBIND_RESP); break;
	case GENERIC_NACK: {
		struct outstanding *w = find_window(s, p.seq);
		if (w) {
			uint64_t ref = w->m.ref;
			drop_window(s, w);
			post_refused(s, ref, p.status);
		}
		break;
	}
	default:
		if (!(p.command_id & 0x80000000u))
			send_simple(s, GENERIC_NACK, ESME_RINVCMDID, p.seq);
		break;
	}
}

/* Read what is there and handle every whole PDU; false when the link broke. */
static bool read_link(struct tc_smpp *s)
{
	ssize_t n = recv(s->fd, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close_link(s, n == 0 ? "closed by the SMSC" : strerror(errno));
		return false;
	}
	s->rlen += (size_t)n;
	size_t off = 0;
	while (s->fd >= 0) {
		long k = tc_smpp_frame(s->rbuf + off, s->rlen - off);
		if (k < 0) {
			close_link(s, "the SMSC sent something that is not SMPP");
			return false;
		}
		if (k == 0)
			break;
		on_pdu(s, s->rbuf + off, (size_t)k);
		off += (size_t)k;
	}
	if (s->fd < 0)
		return false;
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
	return true;
}

/* --- what goes out ----------------------------------------------------------------------- */

static void send_due(struct tc_smpp *s, int64_t now_ms)
{
	uint8_t b[TC_SMPP_MAX_PDU];
	int64_t interval = s->o.tps > 0 ? 1000000 / s->o.tps : 0;
	while (s->st == TC_SMPP_BOUND && s->n_win < (size_t)s->o.window && now_ms >= s->pause_until_ms) {
		int64_t now = mono_us();
		if (interval && now < s->next_send_us)
			return;
		struct tc_smpp_msg m;
		if (!q_pop(s, &m))
			return;
		uint32_t seq = next_seq(s);
		size_t n = tc_smpp_pack_submit(b, sizeof(b), seq, &m, s->source);
		if (!n) {
			tc_log(TC_LOG_ERROR, "smpp", "a message to %s cannot be packed as submit_sm", m.dest);
			post_refused(s, m.ref, ESME_RINVMSGLEN);
			continue;
		}
		s->win[s->n_win++] = (struct outstanding){ m, seq, now_ms };
		pthread_mutex_lock(&s->lock);
		s->n_win_shared = s->n_win;
		pthread_mutex_unlock(&s->lock);
		event(s, TC_SMPP_EV_SUBMIT);
		if (send_all(s, b, n)) {
			close_link(s, "write failed");
			return;
		}
		if (interval)
			s->next_send_us = (s->next_send_us < now - interval ? now : s->next_send_us) + interval;
	}
}

/* The deliver_sm the owner has written, answered if their link is this one (else the SMSC sends them again). */
static void send_answers(struct tc_smpp *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->answers.n;
	struct answer *v = tc_vec_take(&s->answers);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n && s->fd >= 0; i++)
		if (v[i].link == s->link)
			answer_deliver(s, v[i].seq);
	free(v);
}

/* Timers: bind answer, enquire_link, answers to submit_sm. False when the link was dropped. */
static bool timers(struct tc_smpp *s, int64_t now)
{
	int64_t limit = s->o.response_timeout_s * 1000;
	if (s->st == TC_SMPP_OPEN && now - s->bind_sent_ms > limit) {
		tc_log(TC_LOG_WARN, "smpp", "the SMSC %s:%d did not answer bind_transceiver", s->host, s->o.port);
		event(s, TC_SMPP_EV_TIMEOUT);
		close_link(s, "no answer to bind");
		return false;
	}
	if (s->st != TC_SMPP_BOUND)
		return true;
	if (s->enquire_sent_ms && now - s->enquire_sent_ms > limit) {
		event(s, TC_SMPP_EV_ENQUIRE_TIMEOUT);
		close_link(s, "no answer to enquire_link");
		return false;
	}
	if (s->n_win && now - s->win[0].sent_ms > limit) {
		event(s, TC_SMPP_EV_TIMEOUT);
		close_link(s, "submit_sm unanswered");
		return false;
	}
	if (!s->enquire_sent_ms && now - s->last_rx_ms > s->o.enquire_link_s * 1000) {
		event(s, TC_SMPP_EV_ENQUIRE_DUE);
		s->enquire_seq = next_seq(s);
		s->enquire_sent_ms = now;
		STAT(s, enquires);
		if (send_simple(s, ENQUIRE_LINK, ESME_ROK, s->enquire_seq)) {
			close_link(s, "write failed");
			return false;
		}
	}
	return true;
}

static void unbind_link(struct tc_smpp *s)
{
	send_answers(s);
	if (s->st != TC_SMPP_BOUND) {
		if (s->fd >= 0)
			close_link(s, "stopping");
		return;
	}
	event(s, TC_SMPP_EV_STOP);
	s->unbind_seq = next_seq(s);
	int64_t until = mono_ms() + 1000;
	if (send_simple(s, UNBIND, ESME_ROK, s->unbind_seq) == 0) {
		while (s->fd >= 0 && s->st == TC_SMPP_UNBINDING && mono_ms() < until) {
			struct pollfd p = { s->fd, POLLIN, 0 };
			if (poll(&p, 1, 100) > 0 && !read_link(s))
				break;
		}
	}
	if (s->st == TC_SMPP_UNBINDING)
		event(s, TC_SMPP_EV_TIMEOUT);
	if (s->fd >= 0)
		close_link(s, "unbound");
}

static void *run(void *arg)
{
	struct tc_smpp *s = arg;
	long reconnect_ms = 100;
	bool warned = false;
	while (!atomic_load(&s->stop)) {
		if (s->fd < 0) {
			if (!open_link(s)) {
				if (!warned)
					tc_log(TC_LOG_WARN, "smpp", "cannot reach the SMSC %s:%d; trying again", s->host, s->o.port);
				warned = true;
				nap_ms(s, reconnect_ms);
				reconnect_ms = reconnect_ms < 5000 ? reconnect_ms * 2 : 5000;
				continue;
			}
			warned = false;
		}
		int64_t now = mono_ms();
		if (!timers(s, now)) {
			nap_ms(s, reconnect_ms);
			reconnect_ms = reconnect_ms < 5000 ? reconnect_ms * 2 : 5000;
			continue;
		}
		if (s->st == TC_SMPP_BOUND)
			reconnect_ms = 100;
		send_answers(s);
		send_due(s, now);
		if (s->fd < 0)
			continue;
		int wait = 20;
		if (s->st == TC_SMPP_BOUND && s->n_win < (size_t)s->o.window && q_len(s) && now >= s->pause_until_ms) {
			int64_t until = s->next_send_us - mono_us();
			wait = until > 0 ? (int)(until / 1000) : 0;
		}
		struct pollfd p = { s->fd, POLLIN, 0 };
		if (poll(&p, 1, wait) > 0 && !read_link(s)) {
			nap_ms(s, reconnect_ms);
			reconnect_ms = reconnect_ms < 5000 ? reconnect_ms * 2 : 5000;
		}
	}
	unbind_link(s);
	return NULL;
}

/* --- life ------------------------------------------------------------------------------- */

enum tc_rc tc_smpp_start(const struct tc_smpp_options *o, struct tc_mailbox *mb, struct tc_smpp **out,
			 struct tc_diags *d)
{
	*out = NULL;
	if (!o->host || !*o->host || o->port <= 0 || o->port > 65535) {
		tc_err(d, "smpp.address", "smpp", "the SMSC address must be HOST:PORT, e.g. 127.0.0.1:2775");
		return TC_ERR_USAGE;
	}
	if (strlen(o->system_id ? o->system_id : "") > 15 || strlen(o->password ? o->password : "") > 8 ||
	    strlen(o->system_type ? o->system_type : "") > 12 || strlen(o->source ? o->source : "") > 20) {
		tc_err(d, "smpp.bind", "smpp",
		       "SMPP 3.4 allows a system id of 15 characters, a password of 8, a system type of 12 and a source address of 20");
		return TC_ERR_USAGE;
	}
	struct tc_smpp *s = calloc(1, sizeof(*s));
	if (!s)
		return TC_ERR_NOMEM;
	s->o = *o;
	if (s->o.window < 1)
		s->o.window = 1;
	if (s->o.queue_max < 1)
		s->o.queue_max = 10000;
	if (s->o.enquire_link_s < 1)
		s->o.enquire_link_s = 30;
	if (s->o.response_timeout_s < 1)
		s->o.response_timeout_s = 10;
	snprintf(s->host, sizeof(s->host), "%s", o->host);
	snprintf(s->system_id, sizeof(s->system_id), "%s", o->system_id ? o->system_id : "");
	snprintf(s->password, sizeof(s->password), "%s", o->password ? o->password : "");
	snprintf(s->system_type, sizeof(s->system_type), "%s", o->system_type ? o->system_type : "");
	snprintf(s->source, sizeof(s->source), "%s", o->source ? o->source : "");
	s->o.host = s->host;
	s->mb = mb;
	s->fd = -1;
	s->backoff_ms = 100;
	tc_vec_init(&s->answers, sizeof(struct answer));
	s->q_cap = (size_t)s->o.queue_max + (size_t)s->o.window + 16;
	s->q = calloc(s->q_cap, sizeof(*s->q));
	s->win = calloc((size_t)s->o.window, sizeof(*s->win));
	pthread_mutex_init(&s->lock, NULL);
	if (!s->q || !s->win || pthread_create(&s->thread, NULL, run, s)) {
		tc_err(d, "smpp.start", "smpp", "cannot start the SMPP session thread");
		tc_smpp_stop(s);
		return TC_ERR_INTERNAL;
	}
	s->started = true;
	*out = s;
	return TC_OK;
}

void tc_smpp_stop(struct tc_smpp *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s->q);
	free(s->win);
	tc_vec_free(&s->answers);
	free(s);
}

void tc_smpp_answer(struct tc_smpp *s, uint64_t token)
{
	uint32_t link = (uint32_t)(token >> 32), seq = (uint32_t)token;
	pthread_mutex_lock(&s->lock);
	struct answer *a = tc_vec_push(&s->answers);
	if (a) { /* else unanswered: the SMSC sends it again */
		a->link = link;
		a->seq = seq;
	}
	pthread_mutex_unlock(&s->lock);
}

bool tc_smpp_bound(const struct tc_smpp *s)
{
	return s && atomic_load(&s->bound);
}

size_t tc_smpp_pending(struct tc_smpp *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->q_len + s->n_win_shared;
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t tc_smpp_take_back(struct tc_smpp *s, uint64_t *refs, size_t max)
{
	struct tc_smpp_msg m;
	size_t n = 0;
	while (n < max && q_pop(s, &m))
		refs[n++] = m.ref;
	return n;
}

void tc_smpp_get_stats(struct tc_smpp *s, struct tc_smpp_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

/* --- the SMPP kind of SMS gateway ----------------------------------------------------------- */

static void gw_stop(void *impl)
{
	tc_smpp_stop(impl);
}

static enum tc_rc gw_submit(void *impl, const struct tc_sms_submit *p)
{
	struct tc_smpp_msg m;
	tc_smpp_msg_from_submit(p, &m);
	return tc_smpp_submit(impl, &m);
}

static bool gw_up(void *impl)
{
	return tc_smpp_bound(impl);
}

static size_t gw_pending(void *impl)
{
	return tc_smpp_pending(impl);
}

static void gw_metrics(void *impl, FILE *f, bool head)
{
	static const char *const names[] = { "submitted", "refused", "throttled", "queue_full", "resent", "receipt",
					     "mo", "bind", "disconnect", "enquire_link" };
	struct tc_smpp *s = impl;
	struct tc_smpp_stats st;
	tc_smpp_get_stats(s, &st);
	const unsigned long counts[] = { st.submitted, st.refused, st.throttled, st.queue_full, st.resent, st.receipts,
					 st.mo, st.binds, st.disconnects, st.enquires };
	const char *gw = s->o.name ? s->o.name : "default";
	if (head)
		fprintf(f, "# HELP tocsin_smpp_bound Whether tocsind is bound to the SMSC, by gateway.\n"
			   "# TYPE tocsin_smpp_bound gauge\n");
	fprintf(f, "tocsin_smpp_bound{gateway=\"%s\"} %d\n", gw, tc_smpp_bound(s) ? 1 : 0);
	if (head)
		fprintf(f, "# HELP tocsin_smpp_pdus_total SMPP traffic, by gateway and what happened.\n"
			   "# TYPE tocsin_smpp_pdus_total counter\n");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		fprintf(f, "tocsin_smpp_pdus_total{gateway=\"%s\",event=\"%s\"} %lu\n", gw, names[i], counts[i]);
}

static void gw_answer(void *impl, uint64_t token)
{
	tc_smpp_answer(impl, token);
}

static size_t gw_take_back(void *impl, uint64_t *refs, size_t max)
{
	return tc_smpp_take_back(impl, refs, max);
}

static const struct tc_sms_gateway_ops gateway_ops = {
	"smpp", gw_stop, gw_submit, gw_up, gw_pending, gw_metrics, gw_answer, gw_take_back,
};

enum tc_rc tc_smpp_gateway_start(const struct tc_smpp_options *o, struct tc_mailbox *mb, struct tc_sms_gateway **out,
				 struct tc_diags *d)
{
	struct tc_smpp *s = NULL;
	*out = NULL;
	enum tc_rc rc = tc_smpp_start(o, mb, &s, d);
	if (rc)
		return rc;
	*out = tc_sms_gateway_new(&gateway_ops, s);
	return *out ? TC_OK : TC_ERR_NOMEM;
}
