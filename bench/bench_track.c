/*
 * bench_track.c — how fast tocsind applies acknowledgments: the owner
 * thread's share of bench_dispatch.sh, without the broker.
 *
 * Registers N receivers, plans one alert to all of them, marks every
 * delivery sent, then feeds the acknowledgments N receivers would send
 * (received, playing, played: 3N messages, as the broker thread mails
 * them) through tc_dispatch_handle() in batches of B, each batch one
 * transaction, as tocsind's main loop does. Prints acknowledgments per
 * second and the time per acknowledgment, and checks every delivery ended
 * "played".
 *
 * Usage: bench_track [--receivers N] [--batch B]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "tc_db.h"
#include "tc_cap_check.h"
#include "tc_dispatch.h"
#include "tc_registry.h"

static const char alert_xml[] =
	"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>t1</identifier><sender>s</sender>"
	"<sent>2027-08-12T06:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
	"<info><category>Met</category><event>e</event><urgency>Immediate</urgency><severity>Severe</severity>"
	"<certainty>Observed</certainty><expires>2099-01-01T00:00:00+08:00</expires>"
	"<area><areaDesc>a</areaDesc></area></info></alert>";

static char *registry_csv(long n, size_t *len)
{
	size_t cap = (size_t)n * 64 + 64, used = 0;
	char *s = malloc(cap);
	used += (size_t)snprintf(s, cap, "id,kind,name,lat,lon,region\n");
	for (long i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used, "rx%07ld,loudspeaker,r,39.0,117.7,120116001%03ld\n", i,
					 i % 300 + 1);
	*len = used;
	return s;
}

struct sent_ctx {
	struct tc_store *s;
	const struct tc_track_policy *p;
};

static void mark_sent(const struct tc_delivery_row *r, void *user)
{
	struct sent_ctx *c = user;
	tc_track_apply(c->s, c->p, r, TC_EV_SENT, NULL, 1000, NULL);
}

/* A fresh database on the PostgreSQL server of uri (whose database it connects to first): its URI
 * into out, made as name; drop: drop it instead. 0 when it went. */
static int pg_database(const char *uri, const char *name, bool drop, char *out, size_t len)
{
	char err[256], sql[128];
	struct tc_db *db = tc_db_open(uri, false, false, err, sizeof(err));
	const char *slash = strrchr(uri, '/');
	snprintf(sql, sizeof(sql), drop ? "DROP DATABASE IF EXISTS %s WITH (FORCE)" : "CREATE DATABASE %s", name);
	int r = db && slash ? tc_db_exec(db, sql) : -1;
	if (r)
		fprintf(stderr, "bench_track: %s: %s\n", sql, db ? tc_db_errmsg(db) : err);
	tc_db_close(db);
	if (!r && out)
		snprintf(out, len, "%.*s/%s", (int)(slash - uri), uri, name);
	return r;
}

/* The acknowledgments of n receivers, in batches, on the store at db: *secs they took; 0 when all were played. */
static int run(const char *db, long n, long batch, double *secs)
{
	struct tc_store *s = NULL;
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options co;
	size_t imported, len;
	char id[17];
	bool dup;
	char *csv = registry_csv(n, &len);
	tc_cap_options_default(&co);
	co.now = 1000;
	if (tc_store_open(db, &s, NULL) || tc_registry_import(s, TC_REG_RECEIVERS, csv, len, &imported, NULL) ||
	    tc_cap_check(alert_xml, strlen(alert_xml), &co, &a, NULL) || tc_store_put_alert(s, a, 1000, id, &dup, NULL)) {
		fprintf(stderr, "bench_track: cannot set up the store\n");
		return 1;
	}
	char (*targets)[64] = calloc((size_t)n, 64);
	for (long i = 0; i < n; i++)
		snprintf(targets[i], 64, "rx%07ld", i);
	struct tc_dispatch_options o = { .policy = { 30, 600, 3 }, .default_expiry_s = 86400 };
	struct sent_ctx sc = { s, &o.policy };
	tc_store_plan_alert(s, id, (const char(*)[64])targets, (size_t)n, "mqtt", 1000);
	tc_store_begin(s);
	tc_store_each_delivery_row(s, id, "planned", mark_sent, &sc);
	tc_store_commit(s);
	struct tc_dispatch *dp = tc_dispatch_new(s, NULL, NULL, &o);

	static const char *const kinds[] = { "received", "playing", "played" };
	double t0 = bench_now();
	long acks = 0;
	for (int k = 0; k < 3; k++) {
		for (long i = 0; i < n; i += batch) {
			struct tc_mail *head = NULL, **tail = &head;
			for (long j = i; j < i + batch && j < n; j++) {
				char topic[96], body[160];
				snprintf(topic, sizeof(topic), "tocsin/v1/rx/%s/ack", targets[j]);
				int bl = snprintf(body, sizeof(body), "{\"v\":1,\"alert\":\"%s\",\"ack\":\"%s\",\"at\":1001}", id,
						  kinds[k]);
				*tail = tc_mail_new(TC_MQTT_MESSAGE, topic, body, (size_t)bl);
				tail = &(*tail)->next;
				acks++;
			}
			tc_dispatch_handle(dp, head, 1001);
		}
	}
	double t = bench_now() - t0;
	long counts[TC_DELIVERY_N_STATES], total;
	tc_store_delivery_counts(s, id, counts, &total);
	printf("%s: %ld acknowledgments from %ld receivers in batches of %ld: %.3f s, %.0f acknowledgments/s, %.1f us each\n",
	       tc_db_is_postgresql(db) ? "PostgreSQL" : "SQLite", acks, n, batch, t, (double)acks / t,
	       t * 1e6 / (double)acks);
	printf("deliveries played: %ld of %ld%s\n", counts[TC_DS_PLAYED], total,
	       counts[TC_DS_PLAYED] == total ? "" : " (NOT all: a fault)");
	tc_dispatch_free(dp);
	tc_cap_alert_free(a);
	tc_store_close(s);
	free(targets);
	free(csv);
	*secs = t;
	return counts[TC_DS_PLAYED] == total ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n = 10000, batch = 1000;
	const char *pg = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--receivers"))
			n = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch"))
			batch = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--store"))
			pg = argv[i + 1];
	}
	if (n < 1 || batch < 1 || (pg && !tc_db_is_postgresql(pg))) {
		fprintf(stderr, "usage: bench_track [--receivers N] [--batch B] [--store postgresql://...]\n"
				"  --store: the same on a new database of that PostgreSQL server, beside SQLite\n");
		return 2;
	}
	char dir[] = "/tmp/tocsin-bench-trackXXXXXX", db[128], pg_db[512], name[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/tocsin.db", dir);
	double lite = 0, post = 0;
	int status = run(db, n, batch, &lite);
	snprintf(name, sizeof(name), "bench_track_%ld", (long)getpid());
	if (!status && pg) {
		status = pg_database(pg, name, false, pg_db, sizeof(pg_db)) || run(pg_db, n, batch, &post);
		pg_database(pg, name, true, NULL, 0);
		if (!status)
			printf("PostgreSQL / SQLite: %.2fx\n", post / lite);
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_track: could not remove %s\n", dir);
	return status;
}
