/*
 * tc_sms_kannel.c — the Kannel kind of SMS gateway (tc_sms_kannel.h):
 * Kannel's smsbox HTTP sendsms interface, one request per message, from a
 * thread of its own (libcurl), with a dlr-url so that Kannel calls tocsind
 * back with each message's delivery report.
 *
 * The parts of a concatenated message are gathered and sent as one text,
 * which Kannel splits and concatenates itself. A message accepted by Kannel
 * (HTTP 202 "Accepted for delivery", or 200 "Sent") has each part submitted,
 * with the message id "k<ref>"; the dlr-url names the first part and the
 * count (ref=R&n=N), and a report covers every part. Kannel's dlr types:
 * 1 delivered, 2 undelivered, 4 buffered, 8 accepted by the SMSC, 16
 * rejected by the SMSC.
 */
#include "tc_sms_kannel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "tc_log.h"
#include "tc_sms.h"

#define QUEUE_MAX 10000

struct kannel {
	char url[512], user[128], password[128], dlr_url[512], from[32];
	char shown[512]; /* url as logged: no credentials */
	struct tc_mailbox *mb;
	pthread_t thread;
	bool started;
	atomic_bool stop, up;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct tc_sms_submit *q;
	size_t head, len;
	bool busy; /* parts taken but not yet answered */
	unsigned long sent, refused, failures;
};

void tc_sms_kannel_url_shown(const char *url, char *out, size_t cap)
{
	const char *auth = strstr(url, "://");
	auth = auth ? auth + 3 : url;
	size_t host_end = strcspn(auth, "/?#");
	const char *at = memchr(auth, '@', host_end);
	const char *host = at ? at + 1 : auth;
	size_t rest = strcspn(host, "?#");
	snprintf(out, cap, "%.*s%.*s%s", (int)(auth - url), url, (int)rest, host, host[rest] ? "?(hidden)" : "");
}

static size_t sink(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	(void)user;
	return size * n;
}

static void add_param(CURL *c, char *url, size_t cap, const char *name, const char *value, size_t len)
{
	char *e = curl_easy_escape(c, value, (int)len);
	size_t n = strlen(url);
	if (e)
		snprintf(url + n, cap - n, "%s%s=%s", strchr(url, '?') ? "&" : "?", name, e);
	curl_free(e);
}

/*
 * The parts of one message, gathered: Kannel is given the whole text and
 * concatenates it itself (given our UDH it would split GSM 7-bit parts
 * again). Its delivery report names the first part and the count.
 */
struct whole {
	char dest[24];
	uint64_t first;
	int n;
	bool ucs2;
	char text[TC_SMS_MAX_SEGMENTS * TC_SMS_SUBMIT_MAX * 3]; /* UTF-8: at most 3 octets a code */
	size_t len;
};

static void add_part(struct whole *w, const struct tc_sms_submit *m)
{
	size_t h = m->udh_len < m->ud_len ? m->udh_len : m->ud_len;
	if (!w->n) {
		snprintf(w->dest, sizeof(w->dest), "%s", m->dest);
		w->first = m->ref;
		w->ucs2 = m->encoding == TC_SMS_UCS2;
		w->len = 0;
	}
	w->len += tc_sms_decode(m->encoding, m->ud + h, m->ud_len - h, w->text + w->len, sizeof(w->text) - w->len);
	w->n++;
}

/* One message to Kannel: 0 accepted, 1 refused for good (*code: Kannel's answer), -1 try again later. */
static int send_whole(struct kannel *k, CURL *c, const struct whole *w, long *code)
{
	char url[16384], dlr[700];
	snprintf(url, sizeof(url), "%s", k->url);
	add_param(c, url, sizeof(url), "username", k->user, strlen(k->user));
	add_param(c, url, sizeof(url), "password", k->password, strlen(k->password));
	if (k->from[0])
		add_param(c, url, sizeof(url), "from", k->from, strlen(k->from));
	add_param(c, url, sizeof(url), "to", w->dest, strlen(w->dest));
	add_param(c, url, sizeof(url), "text", w->text, w->len);
	add_param(c, url, sizeof(url), "charset", "UTF-8", 5);
	add_param(c, url, sizeof(url), "coding", w->ucs2 ? "2" : "0", 1);
	snprintf(dlr, sizeof(dlr), "%s%sref=%llu&n=%d&type=%%d", k->dlr_url, strchr(k->dlr_url, '?') ? "&" : "?",
		 (unsigned long long)w->first, w->n);
	add_param(c, url, sizeof(url), "dlr-mask", "19", 2); /* delivered, undelivered, rejected */
	add_param(c, url, sizeof(url), "dlr-url", dlr, strlen(dlr));
	curl_easy_setopt(c, CURLOPT_URL, url);
	*code = 0;
	CURLcode cr = curl_easy_perform(c);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (cr != CURLE_OK || *code >= 500 || *code == 0) {
		if (atomic_exchange(&k->up, false))
			tc_log(TC_LOG_WARN, "kannel", "Kannel at %s does not answer (%s); trying again", k->shown,
			       cr != CURLE_OK ? curl_easy_strerror(cr) : "server error");
		return -1;
	}
	if (!atomic_exchange(&k->up, true)) {
		tc_log(TC_LOG_INFO, "kannel", "Kannel at %s answers", k->shown);
		tc_sms_event_post(k->mb, 0, TC_SMS_GW_UP, NULL);
	}
	return *code == 200 || *code == 202 ? 0 : 1;
}

static bool take(struct kannel *k, struct tc_sms_submit *m)
{
	pthread_mutex_lock(&k->lock);
	while (!k->len && !atomic_load(&k->stop)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&k->wake, &k->lock, &ts);
	}
	bool have = k->len > 0;
	if (have) {
		*m = k->q[k->head];
		k->head = (k->head + 1) % QUEUE_MAX;
		k->len--;
		k->busy = true;
	}
	pthread_mutex_unlock(&k->lock);
	return have;
}

/* Send w (trying again with backoff while Kannel does not answer) and say what became of each part. */
static void flush(struct kannel *k, CURL *c, struct whole *w)
{
	long backoff = 100, code = 0;
	int r;
	while ((r = send_whole(k, c, w, &code)) < 0 && !atomic_load(&k->stop)) {
		k->failures++;
		for (long t = 0; t < backoff && !atomic_load(&k->stop); t += 50)
			nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
		backoff = backoff < 5000 ? backoff * 2 : 5000;
	}
	for (int i = 0; r >= 0 && i < w->n; i++) {
		struct tc_sms_event ev = { .ref = w->first + (uint64_t)i };
		if (r == 0) {
			snprintf(ev.message_id, sizeof(ev.message_id), "k%llu", (unsigned long long)ev.ref);
			tc_sms_event_post(k->mb, 0, TC_SMS_GW_SUBMITTED, &ev);
		} else {
			snprintf(ev.reason, sizeof(ev.reason), "Kannel refused it (HTTP %ld)", code);
			tc_sms_event_post(k->mb, 0, TC_SMS_GW_REFUSED, &ev);
		}
	}
	if (r == 0)
		k->sent++;
	else if (r > 0)
		k->refused++;
	w->n = 0;
}

static void *run(void *arg)
{
	struct kannel *k = arg;
	struct whole *w = calloc(1, sizeof(*w));
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	while (w && !atomic_load(&k->stop)) {
		struct tc_sms_submit m;
		if (!take(k, &m))
			continue;
		/* a part that does not follow the gathered ones: send those as they are */
		if (w->n && (strcmp(w->dest, m.dest) != 0 || m.ref != w->first + (uint64_t)w->n))
			flush(k, c, w);
		add_part(w, &m);
		if (m.part >= m.parts) /* the message's last part */
			flush(k, c, w);
		pthread_mutex_lock(&k->lock);
		k->busy = w->n > 0;
		pthread_mutex_unlock(&k->lock);
	}
	curl_easy_cleanup(c);
	free(w);
	return NULL;
}

static void kannel_stop(void *impl)
{
	struct kannel *k = impl;
	if (!k)
		return;
	atomic_store(&k->stop, true);
	pthread_mutex_lock(&k->lock);
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	if (k->started)
		pthread_join(k->thread, NULL);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->wake);
	free(k->q);
	free(k);
}

static enum tc_rc kannel_new(const struct tc_sms_kannel_options *o, struct tc_mailbox *mb, struct kannel **out,
			     struct tc_diags *d)
{
	*out = NULL;
	if (!o->url || strncmp(o->url, "http", 4) != 0 || !o->dlr_url || !*o->dlr_url) {
		tc_err(d, "kannel.url", "kannel_url",
		       "the Kannel gateway needs kannel_url (http://HOST:13013/cgi-bin/sendsms) and a dlr-url");
		return TC_ERR_USAGE;
	}
	struct kannel *k = calloc(1, sizeof(*k));
	if (!k)
		return TC_ERR_NOMEM;
	snprintf(k->url, sizeof(k->url), "%s", o->url);
	tc_sms_kannel_url_shown(o->url, k->shown, sizeof(k->shown));
	snprintf(k->user, sizeof(k->user), "%s", o->user ? o->user : "");
	snprintf(k->password, sizeof(k->password), "%s", o->password ? o->password : "");
	snprintf(k->dlr_url, sizeof(k->dlr_url), "%s", o->dlr_url);
	snprintf(k->from, sizeof(k->from), "%s", o->source ? o->source : "");
	k->mb = mb;
	k->q = calloc(QUEUE_MAX, sizeof(*k->q));
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->wake, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!k->q || pthread_create(&k->thread, NULL, run, k)) {
		tc_err(d, "kannel.start", "kannel_url", "cannot start the Kannel client thread");
		kannel_stop(k);
		return TC_ERR_INTERNAL;
	}
	k->started = true;
	*out = k;
	return TC_OK;
}

static enum tc_rc kannel_submit(void *impl, const struct tc_sms_submit *m)
{
	struct kannel *k = impl;
	enum tc_rc rc = TC_OK;
	pthread_mutex_lock(&k->lock);
	if (k->len == QUEUE_MAX)
		rc = TC_ERR_LIMIT;
	else
		k->q[(k->head + k->len++) % QUEUE_MAX] = *m;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

static bool kannel_up(void *impl)
{
	struct kannel *k = impl;
	/* Kannel is asked only when there is something to send: it is "up" until it fails. */
	return k->failures == 0 || atomic_load(&k->up);
}

static size_t kannel_pending(void *impl)
{
	struct kannel *k = impl;
	pthread_mutex_lock(&k->lock);
	size_t n = k->len + k->busy;
	pthread_mutex_unlock(&k->lock);
	return n;
}

static void kannel_metrics(void *impl, FILE *f, bool head)
{
	struct kannel *k = impl;
	if (head) /* only the first gateway is Kannel */
		fprintf(f, "# HELP tocsin_kannel_requests_total sendsms requests, by outcome.\n"
		   "# TYPE tocsin_kannel_requests_total counter\n");
	fprintf(f, "tocsin_kannel_requests_total{outcome=\"accepted\"} %lu\n", k->sent);
	fprintf(f, "tocsin_kannel_requests_total{outcome=\"refused\"} %lu\n", k->refused);
	fprintf(f, "tocsin_kannel_requests_total{outcome=\"failed\"} %lu\n", k->failures);
}

static const struct tc_sms_gateway_ops gateway_ops = {
	"kannel", kannel_stop, kannel_submit, kannel_up, kannel_pending, kannel_metrics, NULL, NULL,
};

enum tc_rc tc_sms_kannel_start(const struct tc_sms_kannel_options *o, struct tc_mailbox *mb,
			       struct tc_sms_gateway **out, struct tc_diags *d)
{
	struct kannel *k = NULL;
	*out = NULL;
	enum tc_rc rc = kannel_new(o, mb, &k, d);
	if (rc)
		return rc;
	*out = tc_sms_gateway_new(&gateway_ops, k);
	return *out ? TC_OK : TC_ERR_NOMEM;
}

/* --- the callbacks ----------------------------------------------------------------------- */

unsigned tc_sms_kannel_http(struct tc_mailbox *mb, const char *path,
			    const char *(*arg)(void *conn, const char *name), void *conn)
{
	struct tc_sms_event ev = { 0 };
	if (!strcmp(path, "/api/v1/sms/dlr")) {
		const char *ref = arg(conn, "ref"), *type = arg(conn, "type"), *parts = arg(conn, "n");
		char *end;
		unsigned long long r = ref ? strtoull(ref, &end, 10) : 0;
		if (!ref || *end || !type)
			return 400;
		long t = strtol(type, &end, 10), n = parts ? strtol(parts, &end, 10) : 1;
		if (n < 1 || n > TC_SMS_MAX_SEGMENTS)
			return 400;
		const char *stat = t == 1 ? "DELIVRD" : t == 2 ? "UNDELIV" : t == 16 ? "REJECTD" : NULL;
		if (!stat)
			return 200; /* buffered, accepted by the SMSC: nothing final yet */
		for (long i = 0; i < n; i++) { /* the report covers every part of the message */
			ev.ref = r + (unsigned long long)i; /* the part the id names */
			snprintf(ev.message_id, sizeof(ev.message_id), "k%llu", (unsigned long long)ev.ref);
			snprintf(ev.stat, sizeof(ev.stat), "%s", stat);
			tc_sms_event_post(mb, 0, TC_SMS_GW_RECEIPT, &ev);
		}
		return 200;
	}
	if (!strcmp(path, "/api/v1/sms/mo")) {
		const char *from = arg(conn, "from"), *text = arg(conn, "text");
		if (!from || !text)
			return 400;
		snprintf(ev.from, sizeof(ev.from), "%s", from);
		snprintf(ev.text, sizeof(ev.text), "%s", text);
		tc_sms_event_post(mb, 0, TC_SMS_GW_MO, &ev);
		return 200;
	}
	return 0;
}
