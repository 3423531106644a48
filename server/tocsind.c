/*
 * tocsind.c — the tocsin server.
 *
 *   tocsind --data-dir DIR [--http ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--config FILE]
 *           [--profile cn|ipaws] [--lenient] [--spool DIR] [--broker HOST:PORT]
 *           [--smpp HOST:PORT --smpp-system-id ID --smpp-password-file FILE [--smpp-tps N]]
 *
 * Settings come from the table in config/tc_config.c: defaults, then the
 * --config file, then the flags. `tocsind --print-config` writes the
 * documented example file.
 * DIR holds the database (tocsin.db) and the bureau's signing key pair
 * (signing.key, signing.pub: what receivers are given), created on first
 * start and never overwritten (keys/tc_keys.h); SIGHUP makes it seal with
 * the key now in DIR (after `tocsin key rotate`). The main loop owns the
 * store and serves the HTTP API on the same thread. SIGTERM or SIGINT stop
 * it cleanly. Logs go to stderr. It writes the address it listens on to
 * DIR/http.addr as ADDR:PORT (useful with port 0), and its URL, http:// or
 * https:// (with --tls-cert and --tls-key), to DIR/http.url.
 * With an SMS gateway (--smpp, or sms_gateway = kannel) the SMS channel
 * (sms/tc_sms_engine.h) runs beside MQTT dispatch on the same loop.
 * The drill schedules of the configuration (drill = ...) and those added
 * through the API are issued on it too, at their slots (tocsind_drill.h). For tests only, the environment
 * variable TOCSIN_TEST_CLOCK_OFFSET (seconds) moves the clock those slots are
 * read with; every other time stays the real one.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "tc_api.h"
#include "tc_auth.h"
#include "tc_db.h"
#include "tc_store_lease.h"
#include "tc_dispatch.h"
#include "tc_ingest.h"
#include "tc_log.h"
#include "tc_config.h"
#include "tc_spool.h"
#include "tc_file.h"
#include "tc_keys.h"
#include "tc_plan.h"
#include "tc_registry.h"
#include "tc_sign.h"
#include "tc_sms_engine.h"
#include "tc_sms_gateways.h"
#include "tc_store.h"
#include "tc_store_audit.h"
#include "tocsind_broker.h"
#include "tocsind_drill.h"
#include "tocsind_health.h"
#include "tocsind_remind.h"

static volatile sig_atomic_t stopping, reloading;
/* The store's lease went with its connection: another tocsind may be the active one now. */
static bool lease_lost;
/* A standby asks for the store's lease this often; the active one checks it still holds it this often. */
#define TOCSIND_LEASE_POLL_MS 1000
#define TOCSIND_LEASE_CHECK_MS 1000
static char config_path[1024]; /* --config, for the audit trail: "" none */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reloading = 1;
	else
		stopping = 1;
}

#define log_line(level, ...) tc_log(level, "server", __VA_ARGS__)

static void log_diags(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		log_line(tc_diags_get(d, i)->sev == TC_SEV_ERROR ? TC_LOG_ERROR : TC_LOG_WARN, "%s",
			 tc_diags_get(d, i)->message);
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	return bad ? -1 : chmod(path, mode);
}

/* The key files of dir (tc_keys.h): made on first start, never overwritten. */
static int ensure_keys(const char *dir)
{
	bool made = false;
	struct tc_diags *d = tc_diags_new();
	int bad = !d || tc_keys_ensure(dir, &made, d) != TC_OK;
	if (d)
		log_diags(d);
	tc_diags_free(d);
	if (made)
		log_line(TC_LOG_INFO, "made a new signing key pair; give %s/signing.pub to the receivers", dir);
	return bad ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tocsind --data-dir DIR [--http ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
		   "               [--config FILE] [--profile cn|ipaws] [--lenient] [--spool DIR]\n"
		   "               [--broker HOST:PORT] [--log-level L]\n"
		   "               [--smpp HOST:PORT --smpp-system-id ID --smpp-password-file FILE [--smpp-tps N]]\n"
		   "               | --print-config\n"
		   "  --data-dir DIR   database and signing keys (created on first start)\n"
		   "  --http ADDR:PORT where the HTTP API listens (default 127.0.0.1:8080; port 0 = any free);\n"
		   "                   an address other than loopback needs --tls-cert and --tls-key\n"
		   "  --tls-cert FILE  the API speaks HTTPS with this PEM certificate (chain) ...\n"
		   "  --tls-key FILE   ... and this PEM private key\n"
		   "  --config FILE    settings file (INI); flags override it\n"
		   "  --profile P      the CAP profile every submitted alert must meet (default none)\n"
		   "  --lenient        upstream feeds: accept alerts whose only faults are element order\n"
		   "                   or (cn) an identifier without its _N sequence digit\n"
		   "  --spool DIR      ingest CAP files dropped in DIR (moved to done/ or failed/)\n"
		   "  --broker B       the MQTT broker receivers listen to: mqtts://H:P (set up by 'tocsin broker setup'),\n"
		   "                   or plain H:P (default 127.0.0.1:1883; none: no dispatch)\n"
		   "  --smpp H:P       send SMS through this SMSC (SMPP 3.4); with --smpp-system-id ID,\n"
		   "                   --smpp-password-file FILE (its first line; --smpp-password PW works,\n"
		   "                   but is visible to other users until tocsind wipes it) and --smpp-tps N\n"
		   "                   (the operator's rate, default 50)\n"
		   "  --log-level L    debug, info (default), warn or error\n"
		   "  --print-config   print every setting with its default and stop\n");
}

static int parse_http(const char *arg, char *addr, size_t len, unsigned *port)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	if (!colon || (size_t)(colon - arg) >= len)
		return -1;
	snprintf(addr, len, "%.*s", (int)(colon - arg), arg);
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The API's address into DIR/http.url, then DIR/http.addr (which scripts
 * wait for); url receives the URL.
 */
static void publish_address(const char *dir, const char *addr, unsigned port, bool tls, char url[160])
{
	char where[96], path[4096];
	snprintf(where, sizeof(where), "%s:%u\n", addr, port);
	snprintf(url, 160, "%s://%s:%u", tls ? "https" : "http", addr, port);
	snprintf(path, sizeof(path), "%s/http.url", dir);
	char line[170];
	snprintf(line, sizeof(line), "%s\n", url);
	write_text(path, line, 0644);
	snprintf(path, sizeof(path), "%s/http.addr", dir);
	write_text(path, where, 0644);
}

/*
 * A standby (README, "A standby tocsind"): while another tocsind holds the
 * store's lease, this one answers reads and refuses writes naming the
 * active one, and asks for the lease every TOCSIND_LEASE_POLL_MS. Nothing
 * else runs: no broker connection (the active one's MQTT session is the
 * shared one), no SMS, no timers. Returns 0 once this one holds the lease
 * (its API stopped again: the active start makes its own), 1 when it was
 * stopped meanwhile, 2 on an error.
 */
static int stand_by(struct tc_store *store, const struct tc_api_options *base, const char *dir, struct tc_diags *d)
{
	bool held = false;
	if (tc_store_lease_take(store, &held)) {
		log_line(TC_LOG_ERROR, "cannot ask the store for its lease");
		return 2;
	}
	if (held)
		return 0;
	char active[160] = "", url[160];
	tc_store_lease_holder(store, active, sizeof(active));
	struct tc_api_options so = *base;
	so.standby = active;
	struct tc_api *api = NULL;
	if (tc_api_start(store, &so, &api, d)) {
		log_diags(d);
		return 2;
	}
	publish_address(dir, base->address, tc_api_port(api), base->tls_cert != NULL, url);
	log_line(TC_LOG_INFO, "standby on %s: another tocsind is the active one (%s); this one answers reads and takes "
		 "over when it stops", url, active[0] ? active : "it has not said where");
	int64_t next = now_ms() + TOCSIND_LEASE_POLL_MS;
	while (!stopping) {
		long timeout_ms = next - now_ms();
		struct pollfd pf = { .fd = tc_api_fd(api, &timeout_ms), .events = POLLIN };
		if (poll(&pf, 1, timeout_ms < 0 ? 0 : (int)timeout_ms) < 0 && errno != EINTR) {
			log_line(TC_LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		tc_api_run(api);
		if (now_ms() < next)
			continue;
		next = now_ms() + TOCSIND_LEASE_POLL_MS;
		if (tc_store_lease_take(store, &held) == TC_OK && held)
			break;
		tc_store_lease_holder(store, active, sizeof(active));
	}
	tc_api_stop(api);
	if (!held)
		return stopping ? 1 : 2;
	log_line(TC_LOG_WARN, "the active tocsind is gone: this one holds the store's lease and takes over");
	return 0;
}

/* Files dropped in the spool folder, submitted as spool_user (read each pass: a disabled user stops it). */
static void spool_pass(struct tc_api *api, struct tc_store *store, const struct tc_config *cfg,
		       const struct tc_ingest_options *io)
{
	struct tc_spool_stats st = { 0 };
	struct tc_ingest_options now_io = *io;
	struct tc_user user;
	if (tc_auth_user_get(store, cfg->spool_user, &user) != TC_OK || user.disabled ||
	    !tc_role_may(user.role, TC_PERM_SUBMIT)) {
		static int64_t said;
		if (time(NULL) - said > 300) {
			said = time(NULL);
			log_line(TC_LOG_ERROR, "spool: user %s is unknown, disabled or may not submit alerts; files in %s wait",
				 cfg->spool_user, cfg->spool_dir);
		}
		return;
	}
	struct tc_diags *d = tc_diags_new();
	now_io.user = &user;
	now_io.source_address = "spool";
	now_io.index = tc_api_index(api); /* the registry as of now */
	tc_spool_scan(store, &now_io, cfg->spool_dir, (int64_t)time(NULL), &st, d);
	log_diags(d);
	tc_diags_free(d);
}

#define MAIL_BATCH_MS 20
#define HELD_RETRY_MS 1000

/* What the main loop drives besides the HTTP API. */
struct engine {
	struct tc_mailbox *mail;      /* from the broker thread and the render worker */
	struct tc_mqtt *mqtt[TC_ROUTES_MAX]; /* a connection per broker (the one broker, or each region_broker) */
	size_t n_mqtt;                /* 0 with broker = none */
	struct tc_renderer *renderer; /* also with broker = none, for previews; NULL when it could not start then */
	struct tc_dispatch *dispatch; /* NULL with broker = none */
	struct tc_api *api;           /* previews made by the render worker go back to it */
	struct tc_sms *sms;           /* NULL with sms_gateway = none */
	struct broker_link link;      /* the broker's address, credentials and accounts */
	struct tocsind_health health; /* the maintenance list and its figures */
};

/* Previews the render worker made go to the API; the other mails are returned, in order. */
static struct tc_mail *take_previews(struct engine *en, struct tc_mail *m)
{
	struct tc_mail *rest = NULL, **tail = &rest;
	for (struct tc_mail *next; m; m = next) {
		next = m->next;
		m->next = NULL;
		if (m->kind == TC_RENDER_PREVIEW && en->api) {
			tc_api_preview_done(en->api, m->ptr);
			m->ptr = NULL; /* the API's now */
			tc_mail_free(m);
		} else {
			*tail = m;
			tail = &m->next;
		}
	}
	return rest;
}

/* Hand what is in the mailbox to the dispatcher (or drop it without one); true when work is due. */
static bool take_mails(struct engine *en)
{
	struct tc_mail *m = take_previews(en, tc_mailbox_take(en->mail));
	if (en->dispatch)
		return tc_dispatch_handle(en->dispatch, m, (int64_t)time(NULL));
	tc_mail_free_list(m);
	return true;
}

static int read_secret_key(const char *dir, uint8_t sk[TC_SIGN_SECRET_BYTES])
{
	struct tc_diags *d = tc_diags_new();
	int bad = !d || tc_keys_load(dir, sk, d) != TC_OK;
	if (d)
		log_diags(d);
	tc_diags_free(d);
	return bad ? -1 : 0;
}

/* SIGHUP: seal with the key in the data directory from now on (after a rotation). */
static void reload_key(const char *dir, struct tc_store *store, struct engine *en)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	char kid[TC_KID_HEX + 1];
	if (ensure_keys(dir) || read_secret_key(dir, sk)) {
		log_line(TC_LOG_ERROR, "reload: the signing key in %s cannot be used; still sealing with the old one", dir);
		return;
	}
	tc_sign_kid_of_secret(sk, kid);
	if (en->renderer && tc_renderer_set_key(en->renderer, sk))
		log_line(TC_LOG_ERROR, "reload: the render worker did not take the new key");
	if (en->dispatch)
		tc_dispatch_set_key(en->dispatch, sk);
	sodium_memzero(sk, sizeof(sk));
	log_line(TC_LOG_INFO, "reload: sealing with key %s from now on", kid);
	tc_store_audit_by(store, (int64_t)time(NULL), NULL, "system", "key-reload", NULL, kid, "sealing with this key", NULL, 0);
}

static void serve(struct tc_api *api, struct tc_store *store, const struct tc_config *cfg,
		  const struct tc_ingest_options *io, struct engine *en, struct tocsind_drills *drills)
{
	int64_t next_spool = 0, next_work = 0, next_sms = 0, next_mail = 0, next_remind = 0, next_drill = 0;
	int64_t next_lease = 0;
	unsigned long accepted = tc_api_accepted(api);
	while (!stopping) {
		if (cfg->store[0] && now_ms() >= next_lease) {
			/* an active tocsind without its lease stops at once: the standby may be publishing already */
			if (!tc_store_lease_kept(store)) {
				log_line(TC_LOG_ERROR, "the store's connection is gone, and the lease with it: stopping (a "
					 "standby takes over; start this one again to be the next standby)");
				lease_lost = true;
				break;
			}
			next_lease = now_ms() + TOCSIND_LEASE_CHECK_MS;
		}
		if (reloading) {
			reloading = 0;
			reload_key(cfg->data_dir, store, en);
		}
		long timeout_ms = 1000;
		int64_t now = now_ms();
		if (cfg->spool_dir[0]) {
			if (now >= next_spool) {
				spool_pass(api, store, cfg, io);
				next_spool = now + cfg->spool_interval_ms;
				next_work = 0; /* a dropped file may be a new alert */
			}
			if (next_spool - now < timeout_ms)
				timeout_ms = (long)(next_spool - now);
		}
		if (en->dispatch) {
			if (tc_api_accepted(api) != accepted) {
				accepted = tc_api_accepted(api);
				next_work = 0;
			}
			if (now >= next_work) {
				tc_dispatch_work(en->dispatch, (int64_t)time(NULL));
				next_work = now + 200;
			}
			if (next_work - now < timeout_ms)
				timeout_ms = (long)(next_work - now);
		}
		if (en->sms) {
			if (now >= next_sms) {
				tc_sms_work(en->sms, (int64_t)time(NULL));
				next_sms = now + 200;
			}
			if (next_sms - now < timeout_ms)
				timeout_ms = (long)(next_sms - now);
		}
		{ /* the configuration's schedules and the store's (added through the API at any time) */
			if (now >= next_drill) {
				if (tocsind_drills_work(drills, store, io, tc_api_index(api), (int64_t)time(NULL)))
					next_work = 0; /* a drill to render and publish */
				next_drill = now + 1000;
			}
			if (next_drill - now < timeout_ms)
				timeout_ms = (long)(next_drill - now);
		}
		if (tocsind_health_work(&en->health, store, (int64_t)time(NULL)))
			next_sms = 0; /* the daily maintenance SMS to hand over */
		if (now >= next_remind) {
			if (tocsind_remind_approvers(store, cfg->approval_timeout_s, en->sms != NULL, (int64_t)time(NULL)))
				next_sms = 0;
			next_remind = now + 10000;
		}
		/* The API's connections are all behind one descriptor (poll, not select: any number is fine). */
		struct pollfd pf[3] = { { .fd = tc_api_fd(api, &timeout_ms), .events = POLLIN },
					{ .fd = -1, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
		/*
		 * Mail is taken at most every MAIL_BATCH_MS: under a burst of
		 * acknowledgments each batch is one transaction (one fsync) of many,
		 * at the price of that much latency.
		 */
		int mail_fd = tc_mailbox_fd(en->mail), sms_fd = en->sms ? tc_sms_fd(en->sms) : -1;
		bool take_mail = now >= next_mail, held = en->dispatch && tc_dispatch_holding(en->dispatch);
		if (take_mail) {
			pf[1].fd = mail_fd;
			if (held)
				timeout_ms = 0;
		} else if (next_mail - now < timeout_ms) {
			timeout_ms = (long)(next_mail - now);
		}
		pf[2].fd = sms_fd;
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (poll(pf, 3, (int)timeout_ms) < 0 && errno != EINTR) {
			log_line(TC_LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		tc_api_run(api);
		broker_link_work(&en->link);
		if (take_mail && (held || pf[1].revents)) {
			bool due = take_mails(en);
			/* A batch the store refused is tried again a second later, with what came meanwhile. */
			bool refused = en->dispatch && tc_dispatch_holding(en->dispatch);
			next_mail = now_ms() + (refused ? HELD_RETRY_MS : MAIL_BATCH_MS);
			if (due) {
				next_work = 0; /* a rendered alert to publish, a connection */
				next_sms = 0;  /* an escalation was recorded */
			}
		}
		if (sms_fd >= 0 && pf[2].revents) {
			tc_sms_handle(en->sms, (int64_t)time(NULL));
			next_sms = 0; /* the gateway took parts: hand it more */
		}
	}
}

/* A drafter's preview for the render worker (tc_api_options.preview). */
static enum tc_rc preview_job(const char *id, const char *xml, size_t len, void *user)
{
	struct engine *en = user;
	return tc_renderer_preview(en->renderer, id, xml, len);
}

static void metrics_extra(FILE *f, void *user)
{
	struct engine *en = user;
	if (en->dispatch)
		tc_dispatch_metrics(en->dispatch, f);
	if (en->sms)
		tc_sms_metrics(en->sms, f);
	tocsind_health_metrics(&en->health, f);
}

/* A shelter's occupancy or state changed (its manager's SMS, the API): its displays are told. */
static void shelter_changed(const char *shelter_id, void *user)
{
	struct engine *en = user;
	if (en->dispatch)
		tc_dispatch_shelter_changed(en->dispatch, shelter_id, (int64_t)time(NULL));
}

static unsigned sms_callback(const char *path, const char *(*arg)(void *conn, const char *name), void *conn,
			     void *user)
{
	struct engine *en = user;
	return en->sms ? tc_sms_http(en->sms, path, arg, conn) : 0;
}

/* relay_min_colour as enum tc_cap_colour; none (0): the relay never starts. */
static int relay_colour(const char *name)
{
	static const char *const names[] = { "none", "blue", "yellow", "orange", "red" };
	for (int i = 0; i < 5; i++)
		if (!strcmp(name, names[i]))
			return i;
	return 0;
}

/* The SMS channel, once the HTTP API listens (Kannel's callbacks come to it). */
static int start_sms(const struct tc_config *cfg, struct tc_store *store, const char *addr, unsigned port,
		     const char *gateway_key, struct engine *en, struct tc_diags *d)
{
	char host[256], dlr[512];
	unsigned smsc_port = 0;
	if (!strcmp(cfg->sms_gateway, "none") && cfg->sms_gateways_file[0]) {
		log_line(TC_LOG_ERROR, "sms_gateways_file needs a first gateway (sms_gateway = smpp or kannel, \"default\")");
		return -1;
	}
	if (!strcmp(cfg->sms_gateway, "none"))
		return 0;
	struct tc_sms_engine_options so = {
		.default_cc = cfg->sms_default_cc, .escalation_roles = cfg->sms_escalation_roles,
		.maintenance_role = cfg->maintenance_role,
		.batch_size = cfg->sms_batch_size, .max_segments = (unsigned)cfg->sms_max_segments,
		.escalation_segments = (unsigned)cfg->sms_escalation_segments,
		.receipt_timeout_s = cfg->sms_receipt_timeout_s, .reply_window_s = cfg->sms_reply_window_s,
		.reply_code_required = cfg->sms_reply_code_required,
		.submit_ahead = cfg->smpp_window * 2 + cfg->smpp_tps, /* about a second of work: the rest waits in the store, by class */
		.relay_min_colour = relay_colour(cfg->relay_min_colour),
		.relay_confirm_s = cfg->relay_confirm_s, .relay_duty_role = cfg->relay_duty_role,
		.shelter_changed = shelter_changed, .shelter_user = en,
	};
	if (tc_sms_policy_parse(cfg->sms_policy, &so.policy, d))
		return -1;
	if (!strcmp(cfg->sms_gateway, "smpp")) {
		if (parse_http(cfg->smpp, host, sizeof(host), &smsc_port) || !smsc_port) {
			log_line(TC_LOG_ERROR, "smpp = '%s' is not HOST:PORT, e.g. 127.0.0.1:2775", cfg->smpp);
			return -1;
		}
		so.gw.kind = TC_SMS_GW_SMPP;
		so.gw.smpp = (struct tc_smpp_options){ .host = host, .port = (int)smsc_port,
						       .system_id = cfg->smpp_system_id, .password = cfg->smpp_password,
						       .system_type = cfg->smpp_system_type, .source = cfg->smpp_source,
						       .tps = cfg->smpp_tps, .window = cfg->smpp_window,
						       .enquire_link_s = cfg->smpp_enquire_link_s,
						       .response_timeout_s = cfg->smpp_response_timeout_s,
						       .queue_max = cfg->smpp_window * 40 };
	} else {
		/* delivery reports prove themselves with tocsind's own key (the API wants credentials) */
		snprintf(dlr, sizeof(dlr), "%s://%s:%u/api/v1/sms/dlr?key=%s", cfg->tls_cert[0] ? "https" : "http", addr,
			 port, gateway_key);
		so.gw.kind = TC_SMS_GW_KANNEL;
		so.gw.kannel = (struct tc_sms_kannel_options){ .url = cfg->kannel_url, .user = cfg->kannel_user,
							       .password = cfg->kannel_password,
							       .dlr_url = cfg->sms_dlr_url[0] ? cfg->sms_dlr_url : dlr,
							       .source = cfg->smpp_source };
	}
	/* the further gateways take what their sections do not say from the smpp_* settings */
	struct tc_smpp_options base = { .system_type = cfg->smpp_system_type, .source = cfg->smpp_source,
					.enquire_link_s = cfg->smpp_enquire_link_s,
					.response_timeout_s = cfg->smpp_response_timeout_s };
	struct tc_sms_gateways *more = calloc(1, sizeof(*more));
	enum tc_rc rc = more ? TC_OK : TC_ERR_NOMEM;
	if (!rc && cfg->sms_gateways_file[0])
		rc = tc_sms_gateways_load(cfg->sms_gateways_file, &base, more, d);
	snprintf(so.gw.fallback, sizeof(so.gw.fallback), "%s", cfg->sms_fallback);
	if (!rc) {
		so.more = more->v;
		so.n_more = more->n;
		rc = tc_sms_new(store, &so, &en->sms, d); /* the sessions keep copies of the passwords */
	}
	for (size_t i = 0; !rc && i < so.n_more; i++)
		log_line(TC_LOG_INFO, "SMS gateway %s: SMSC %s:%d, %ld a second at most, %zu number prefix(es), fallback %s",
			 so.more[i].name, so.more[i].smpp.host, so.more[i].smpp.port, so.more[i].smpp.tps,
			 so.more[i].n_prefixes, so.more[i].fallback[0] ? so.more[i].fallback : "none");
	if (more)
		tc_sms_gateways_wipe(more);
	free(more);
	if (rc)
		return -1;
	if (so.gw.kind == TC_SMS_GW_SMPP)
		log_line(TC_LOG_INFO, "sending SMS through the SMSC %s (SMPP, %ld a second at most)", cfg->smpp, cfg->smpp_tps);
	else {
		char shown[512];
		tc_sms_kannel_url_shown(cfg->kannel_url, shown, sizeof(shown));
		log_line(TC_LOG_INFO, "sending SMS through Kannel %s (delivery reports to %.*s)", shown,
			 (int)strcspn(so.gw.kannel.dlr_url, "?"), so.gw.kannel.dlr_url); /* never the key */
	}
	return 0;
}

/*
 * Without a broker nothing is dispatched, but drafters still preview their alerts: the render
 * worker starts for that alone (it seals nothing). When it cannot — no speech engine — tocsind
 * serves without previews, and says so.
 */
static int start_previews(struct tc_renderer_options *ro, struct engine *en)
{
	struct tc_diags *d = tc_diags_new();
	if (d && tc_renderer_start(ro, en->mail, &en->renderer, d) != TC_OK) {
		const struct tc_diag *first = tc_diags_count(d) ? tc_diags_get(d, 0) : NULL;
		log_line(TC_LOG_WARN, "broker = none and no render worker (%s): alert previews are not available",
			 first ? first->message : "it did not start");
	}
	tc_diags_free(d);
	return 0;
}

/* The broker connection, the render worker and the dispatcher. */
static int start_engine(const struct tc_config *cfg, struct tc_store *store, struct engine *en, struct tc_diags *d)
{
	struct tc_renderer_options ro = { .lexicon_path = cfg->lexicon, .default_repeats = (int)cfg->default_repeats,
					  .default_expiry_s = cfg->default_expiry_s };
	struct tc_dispatch_options dopt = {
		.prefix = cfg->mqtt_prefix,
		.policy = { cfg->ack_timeout_s, cfg->play_timeout_s, cfg->max_attempts },
		.default_expiry_s = cfg->default_expiry_s,
		.shelter_walk_m = (double)cfg->shelter_walk_m,
		.county_tree = !strcmp(cfg->broker_tree, "counties"),
	};
	en->mail = tc_mailbox_new(0);
	if (!en->mail)
		return -1;
	en->link.store = store; /* provisioning works without a broker too */
	en->link.cfg = cfg;
	tc_render_defaults(&ro.render);
	ro.render.programme.repeats = (unsigned)cfg->default_repeats;
	if (!strcmp(cfg->broker, "none") && !cfg->region_broker.n)
		return start_previews(&ro, en);
	if (broker_link_parse(&en->link, cfg, store))
		return -1;
	if (read_secret_key(cfg->data_dir, ro.secret_key)) {
		log_line(TC_LOG_ERROR, "cannot use the signing key %s/signing.key", cfg->data_dir);
		return -1;
	}
	memcpy(dopt.secret_key, ro.secret_key, sizeof(ro.secret_key));
	struct tc_mqtt_options mo = { .client_id = cfg->mqtt_client_id,
				      .username = cfg->mqtt_username[0] ? cfg->mqtt_username : NULL,
				      .password = cfg->mqtt_password[0] ? cfg->mqtt_password : NULL,
				      .prefix = cfg->mqtt_prefix, .keepalive_s = (int)cfg->mqtt_keepalive_s,
				      .session_expiry_s = cfg->mqtt_session_expiry_s, .county_tree = dopt.county_tree };
	struct tc_route routes[TC_ROUTES_MAX];
	int bad = tc_renderer_start(&ro, en->mail, &en->renderer, d) != TC_OK;
	for (size_t i = 0; !bad && i < en->link.n_ends; i++) {
		struct tc_mqtt_options one = mo;
		broker_link_options(&en->link, i, &one);
		bad = tc_mqtt_start(&one, en->mail, &en->mqtt[i], d) != TC_OK;
		en->link.ends[i].mqtt = en->mqtt[i];
		routes[i] = en->link.ends[i].r;
		en->n_mqtt = i + 1;
	}
	if (en->link.several) {
		dopt.routes = routes;
		dopt.brokers = en->mqtt;
		dopt.n_routes = en->link.n_ends;
	}
	bad = bad || broker_link_start(&en->link) ||
	      !(en->dispatch = tc_dispatch_new(store, en->mqtt[0], en->renderer, &dopt));
	sodium_memzero(ro.secret_key, sizeof(ro.secret_key));
	sodium_memzero(dopt.secret_key, sizeof(dopt.secret_key));
	for (size_t i = 0; !bad && i < en->link.n_ends; i++) {
		const struct tc_route *r = &en->link.ends[i].r;
		char serves[TC_ROUTE_PREFIXES * 17] = "", *p = serves;
		for (size_t k = 0; k < r->n_prefixes; k++)
			p += sprintf(p, "%s%s", k ? "," : " for the regions ", r->prefixes[k]);
		log_line(TC_LOG_INFO, "dispatching over MQTT%s to %s:%u%s (topics %s/%s...)", r->tls ? " (TLS)" : "",
			 r->host, r->port, serves, cfg->mqtt_prefix, dopt.county_tree ? "county/COUNTY/" : "");
	}
	return bad ? -1 : 0;
}

static void stop_engine(struct engine *en)
{
	tc_sms_free(en->sms);
	for (size_t i = 0; i < en->n_mqtt; i++)
		tc_mqtt_stop(en->mqtt[i]);
	broker_link_free(&en->link);
	tc_renderer_stop(en->renderer);
	tc_dispatch_free(en->dispatch);
	tc_mailbox_free(en->mail);
	tocsind_health_free(&en->health);
}

/*
 * As many open files as the system lets this process have: every HTTP
 * connection is one. Warned about when fewer than http_max_connections.
 */
static void raise_file_limit(const struct tc_config *cfg)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = was;
	}
	log_line(TC_LOG_DEBUG, "open files: up to %llu", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)cfg->http_max_connections + 64)
		log_line(TC_LOG_WARN, "http_max_connections = %ld, but this process may open only %llu files (ulimit -n); "
			 "connections past that are refused", cfg->http_max_connections, (unsigned long long)rl.rlim_cur);
}

/* The API's settings from the configuration. */
static void api_limits(const struct tc_config *cfg, struct tc_api_options *ao)
{
	ao->tls_cert = cfg->tls_cert[0] ? cfg->tls_cert : NULL;
	ao->tls_key = cfg->tls_key[0] ? cfg->tls_key : NULL;
	ao->secure_cookies = ao->tls_cert != NULL; /* a session cookie never travels in clear */
	ao->plain_allowed = cfg->http_plain_allowed;
	ao->max_connections = (unsigned)cfg->http_max_connections;
	ao->max_per_address = (unsigned)cfg->http_max_connections_per_address;
	ao->timeout_s = (unsigned)cfg->http_timeout_s;
	ao->body_memory = (size_t)cfg->http_body_memory;
}

/*
 * A secret from the first line of path into out (cap bytes); 0, or -1 with
 * the reason on stderr (never the content). A file open to others is named.
 */
static int secret_from_file(const char *path, char *out, size_t cap)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int err = tc_file_read(path, cap + 2, &buf, &len);
	if (err) {
		fprintf(stderr, "tocsind: cannot read the secret file %s: %s\n", path, strerror(err));
		return -1;
	}
	len = strcspn(buf, "\r\n");
	if (len >= cap) {
		fprintf(stderr, "tocsind: the secret in %s is longer than %zu characters\n", path, cap - 1);
		sodium_memzero(buf, strlen(buf));
		free(buf);
		return -1;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	sodium_memzero(buf, strlen(buf));
	free(buf);
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "tocsind: warning: the secret file %s is mode %03o, open to other users; make it 0600\n", path,
			(unsigned)(st.st_mode & 0777));
	return 0;
}

/*
 * Defaults, then --config, then the other flags; the drill schedules into drills (TC_DRILL_MAX).
 * Returns 0, 1 to stop with success, 2 on usage errors.
 */
static int configure(int argc, char **argv, struct tc_config *cfg, struct tc_drill *drills, size_t *n_drills)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' }, { "http", required_argument, NULL, 'H' },
		{ "profile", required_argument, NULL, 'p' },  { "lenient", no_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },   { "spool", required_argument, NULL, 's' },
		{ "print-config", no_argument, NULL, 'P' },   { "help", no_argument, NULL, 'h' },
		{ "broker", required_argument, NULL, 'b' },   { "log-level", required_argument, NULL, 'L' },
		{ "smpp", required_argument, NULL, 1 },       { "smpp-system-id", required_argument, NULL, 2 },
		{ "smpp-password", required_argument, NULL, 3 }, { "smpp-tps", required_argument, NULL, 4 },
		{ "smpp-password-file", required_argument, NULL, 5 },
		{ "tls-cert", required_argument, NULL, 6 },   { "tls-key", required_argument, NULL, 7 },
		{ NULL, 0, NULL, 0 },
	};
	struct { const char *name, *value; } flags[24];
	static char smpp_password[128]; /* from --smpp-password-file */
	char *wipe[8];                  /* secrets given as flags: wiped from argv (ps, /proc/PID/cmdline) once read */
	int n = 0, c, n_wipe = 0;
	struct tc_diags *d = tc_diags_new();
	tc_config_defaults(cfg);
	while ((c = getopt_long(argc, argv, "d:H:p:lc:s:Phb:L:", longopts, NULL)) != -1) {
		const char *name = c == 'd' ? "data_dir" : c == 'H' ? "http" : c == 'p' ? "profile" :
				   c == 'l' ? "lenient" : c == 's' ? "spool_dir" : c == 'b' ? "broker" :
				   c == 'L' ? "log_level" : c == 1 ? "smpp" : c == 2 ? "smpp_system_id" :
				   c == 3 ? "smpp_password" : c == 4 ? "smpp_tps" : c == 5 ? "smpp_password" :
				   c == 6 ? "tls_cert" : c == 7 ? "tls_key" : NULL;
		if (c == 3 && n_wipe < 8)
			wipe[n_wipe++] = optarg;
		if (c == 5 && secret_from_file(optarg, smpp_password, sizeof(smpp_password))) {
			tc_diags_free(d);
			return 2;
		}
		if (name && n < 23) {
			if (c == 1) { /* --smpp chooses the SMPP gateway */
				flags[n].name = "sms_gateway";
				flags[n++].value = "smpp";
			}
			flags[n].name = name;
			flags[n++].value = c == 'l' ? "true" : c == 5 ? smpp_password : optarg;
		} else if (c == 'c') {
			struct stat st;
			snprintf(config_path, sizeof(config_path), "%s", optarg);
			if (tc_config_load(cfg, optarg, d)) {
				log_diags(d);
				tc_diags_free(d);
				return 2;
			}
			if ((cfg->smpp_password[0] || cfg->kannel_password[0] || cfg->mqtt_password[0]) &&
			    stat(optarg, &st) == 0 && (st.st_mode & 077))
				fprintf(stderr, "tocsind: warning: %s holds a password and is mode %03o, open to other users; "
					"make it 0600\n", optarg, (unsigned)(st.st_mode & 0777));
		} else if (c == 'P') {
			tc_config_print(stdout);
			tc_diags_free(d);
			return 1;
		} else {
			usage(c == 'h' ? stdout : stderr);
			tc_diags_free(d);
			return c == 'h' ? 1 : 2;
		}
	}
	int bad = 0;
	for (int i = 0; !bad && i < n; i++)
		bad = tc_config_set(cfg, flags[i].name, flags[i].value, d) != TC_OK;
	for (int i = 0; i < n_wipe; i++)
		sodium_memzero(wipe[i], strlen(wipe[i]));
	sodium_memzero(smpp_password, sizeof(smpp_password));
	if (n_wipe)
		log_line(TC_LOG_WARN, "--smpp-password was visible to other users (ps) until now; use --smpp-password-file");
	if (bad) {
		log_diags(d);
		tc_diags_free(d);
		return 2;
	}
	if (tc_config_drills(cfg, drills, n_drills, d)) {
		log_diags(d);
		tc_diags_free(d);
		return 2;
	}
	tc_diags_free(d);
	if (!cfg->data_dir[0] || optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* TOCSIN_TEST_CLOCK_OFFSET into *offset: 0 when unset; -1 when it is not a number of seconds. */
static int test_clock_offset(int64_t *offset)
{
	const char *v = getenv("TOCSIN_TEST_CLOCK_OFFSET");
	char *end;
	*offset = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (*end || errno || x < -100LL * 365 * 86400 || x > 100LL * 365 * 86400) {
		fprintf(stderr, "tocsind: TOCSIN_TEST_CLOCK_OFFSET = '%.40s' is not a number of seconds\n", v);
		return -1;
	}
	*offset = x;
	return 0;
}

int main(int argc, char **argv)
{
	struct tc_config cfg;
	char addr[64], path[4096];
	unsigned port;
	static struct tc_drill drill_v[TC_DRILL_MAX];
	struct tocsind_drills drills = { .v = drill_v };
	int status = configure(argc, argv, &cfg, drill_v, &drills.n);
	if (status)
		return status == 1 ? 0 : 2;
	if (test_clock_offset(&drills.offset_s))
		return 2;
	drills.sender = cfg.drill_sender;
	drills.catchup_s = cfg.drill_catchup_s;
	if (parse_http(cfg.http, addr, sizeof(addr), &port)) {
		fprintf(stderr, "tocsind: http = '%s' is not ADDR:PORT, e.g. 127.0.0.1:8080\n", cfg.http);
		return 2;
	}
	tc_log_setup("tocsind", (enum tc_log_level)tc_log_level_parse(cfg.log_level));
	if (cfg.http_body_memory <= cfg.max_alert_bytes) {
		fprintf(stderr, "tocsind: http_body_memory = %ld is not more than max_alert_bytes = %ld: the largest "
			"alert could never be taken in\n", cfg.http_body_memory, cfg.max_alert_bytes);
		return 2;
	}
	int sms_minute = tc_health_parse_hhmm(cfg.maintenance_sms_at);
	if (sms_minute < 0) {
		fprintf(stderr, "tocsind: maintenance_sms_at = '%s' is not a time of day HH:MM (00:00 to 23:59), e.g. 08:30\n",
			cfg.maintenance_sms_at);
		return 2;
	}
	raise_file_limit(&cfg);
	struct engine en = { 0 };
	tocsind_health_init(&en.health);
	en.health.set = (struct tc_health_settings){ cfg.health_offline_h, cfg.health_silent_alerts, cfg.health_clock_s };
	en.health.role = cfg.maintenance_role;
	en.health.cc = cfg.sms_default_cc;
	en.health.max_segments = (unsigned)cfg.sms_max_segments;
	en.health.sms_minute = sms_minute;
	en.health.offset_s = drills.offset_s;
	char gateway_key[TC_TOKEN_TEXT];
	unsigned char raw[24];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(gateway_key, sizeof(gateway_key), raw, sizeof(raw));
	struct tc_api_options ao = { .address = addr, .port = port, .lenient = cfg.lenient,
				     .max_bytes = (size_t)cfg.max_alert_bytes, .metrics = metrics_extra,
				     .hosts = cfg.http_hosts, .approval = cfg.approval_required, .gateway_key = gateway_key,
				     .session_ttl_s = cfg.session_ttl_s, .console_dir = cfg.console_dir[0] ? cfg.console_dir : NULL,
				     .leaflet_dir = cfg.console_leaflet_dir[0] ? cfg.console_leaflet_dir : NULL,
				     .map_tiles = cfg.map_tiles[0] ? cfg.map_tiles : NULL,
				     .map_attribution = cfg.map_attribution[0] ? cfg.map_attribution : NULL };
	ao.drills = drill_v;
	ao.n_drills = drills.n;
	ao.drill_sender = cfg.drill_sender;
	ao.drill_target_s = cfg.drill_target_s;
	ao.drill_clock_offset_s = drills.offset_s;
	ao.health = (struct tc_health_settings){ cfg.health_offline_h, cfg.health_silent_alerts, cfg.health_clock_s };
	tc_cap_profile_parse(cfg.profile, &ao.profile);
	api_limits(&cfg, &ao);
	struct tc_ingest_options io = { .profile = ao.profile, .lenient = cfg.lenient, .max_bytes = (size_t)cfg.max_alert_bytes,
					.cross_sender = cfg.cap_cross_sender_allowed };
	ao.cross_sender = cfg.cap_cross_sender_allowed;
	const char *dir = cfg.data_dir;
	struct tc_diags *d = tc_diags_new();
	struct tc_store *store = NULL;
	struct tc_api *api = NULL;
	status = 1;
	io.approval = cfg.approval_required;
	if (cfg.spool_dir[0] && !cfg.spool_user[0]) {
		log_line(TC_LOG_ERROR, "spool_dir needs spool_user: the user its alerts are submitted as ('tocsin user add')");
		goto out;
	}
	if (tc_ingest_cross_sender_check(cfg.cap_cross_sender_allowed, d) ||
	    tc_ingest_approval_check(cfg.approval_required, d)) {
		log_diags(d);
		goto out;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_line(TC_LOG_ERROR, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (ensure_keys(dir)) {
		log_line(TC_LOG_ERROR, "cannot make the signing keys in %s", dir);
		goto out;
	}
	if (cfg.store[0] && !tc_db_is_postgresql(cfg.store)) {
		log_line(TC_LOG_ERROR, "store = '%s' is not a PostgreSQL URI (postgresql://USER@HOST:PORT/DB); leave it "
			 "empty for %s/tocsin.db", cfg.store, dir);
		goto out;
	}
	if (cfg.store[0])
		snprintf(path, sizeof(path), "%s", cfg.store);
	else
		snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	bool clean = true;
	int64_t last_start = 0;
	size_t finished = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tc_store_open(path, &store, d)) {
		log_diags(d);
		goto out;
	}
	int standby = stand_by(store, &ao, dir, d);
	if (standby) {
		status = standby == 1 ? 0 : 1;
		goto out;
	}
	/* an import accepted before a stop is finished before anything reads the registry */
	if (tc_store_last_run(store, &clean, &last_start) ||
	    tc_registry_recover(store, (int64_t)time(NULL), &finished, d) || start_engine(&cfg, store, &en, d)) {
		log_diags(d);
		goto out;
	}
	log_diags(d); /* warnings: a database file that was open to others */
	tc_diags_clear(d);
	if (finished)
		log_line(TC_LOG_INFO, "finished %zu registry import(s) accepted before the last stop", finished);
	if (!clean) {
		char when[32];
		struct tm tm;
		time_t t = (time_t)last_start;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		log_line(TC_LOG_WARN, "the last run (started %s) did not stop cleanly: acknowledgments it took may be "
			 "unwritten%s", when, en.dispatch ? "; receivers of unsettled deliveries are asked again" : "");
		if (en.dispatch)
			tc_dispatch_ask_again(en.dispatch);
	}
	ao.metrics = metrics_extra;
	ao.metrics_user = &en;
	ao.callback = sms_callback;
	ao.callback_user = &en;
	ao.provision = broker_link_provision;
	ao.receivers_changed = broker_link_changed;
	ao.shelter_walk_m = (double)cfg.shelter_walk_m;
	ao.shelter_changed = shelter_changed;
	ao.shelter_user = &en;
	ao.provision_user = &en.link;
	if (en.renderer) {
		ao.preview = preview_job;
		ao.preview_user = &en;
	}
	if (tc_api_start(store, &ao, &api, d) || start_sms(&cfg, store, addr, tc_api_port(api), gateway_key, &en, d) ||
	    (cfg.spool_dir[0] && tc_spool_prepare(cfg.spool_dir, d))) {
		log_diags(d);
		goto out;
	}
	en.api = api;
	en.health.sms = en.sms != NULL;
	log_diags(d); /* warnings: plain HTTP off loopback */
	tc_diags_clear(d);
	const char *scheme = ao.tls_cert ? "https" : "http";
	char where[96], url[160];
	snprintf(where, sizeof(where), "%s:%u", addr, tc_api_port(api));
	publish_address(dir, addr, tc_api_port(api), ao.tls_cert != NULL, url);
	tc_store_lease_announce(store, url); /* for a standby to name */
	tc_store_audit(store, (int64_t)time(NULL), "system", "start", NULL, where);
	if (config_path[0]) { /* the configuration it runs with, by its hash: a change between starts shows */
		char *text = NULL;
		size_t len = 0;
		if (tc_file_read(config_path, 1u << 20, &text, &len) == 0)
			tc_store_audit_by(store, (int64_t)time(NULL), NULL, "system", "config", NULL, config_path, NULL, text, len);
		if (text)
			sodium_memzero(text, len);
		free(text);
	}
	size_t resumed = tc_plan_resume(store, (int64_t)time(NULL), d);
	if (resumed)
		log_line(TC_LOG_INFO, "planned %zu alert(s) accepted before the last stop", resumed);
	log_line(TC_LOG_INFO, "listening on %s://%s:%u (profile %s)%s%s", scheme, addr, tc_api_port(api), cfg.profile,
		 cfg.spool_dir[0] ? ", spool " : "", cfg.spool_dir);
	if (drills.offset_s)
		log_line(TC_LOG_WARN, "TOCSIN_TEST_CLOCK_OFFSET = %lld: drill slots are read with a clock moved by that many "
			 "seconds (for tests only)", (long long)drills.offset_s);
	if (drills.n)
		log_line(TC_LOG_INFO, "%zu drill schedule(s), issued as %s", drills.n, cfg.drill_sender);
	serve(api, store, &cfg, &io, &en, &drills);
	if (lease_lost) {
		for (size_t i = 0; i < en.n_mqtt; i++)
			tc_mqtt_halt(en.mqtt[i]);
		goto out; /* status 1; nothing more is written: the store is gone */
	}
	log_line(TC_LOG_INFO, "stopping");
	/* Acknowledgments the broker thread took are written before the stop is: it is clean only then. */
	for (size_t i = 0; i < en.n_mqtt; i++)
		tc_mqtt_halt(en.mqtt[i]);
	take_mails(&en);
	if (en.dispatch && tc_dispatch_holding(en.dispatch))
		log_line(TC_LOG_ERROR, "the store would not take the last acknowledgments; the next start asks for them again");
	else
		tc_store_audit(store, (int64_t)time(NULL), "system", "stop", NULL, NULL);
	status = 0;
out:
	tc_api_stop(api);
	stop_engine(&en);
	tc_store_close(store);
	tc_diags_free(d);
	return status;
}
