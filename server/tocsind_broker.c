/*
 * tocsind_broker.c — tocsind and the secured broker (tocsind_broker.h;
 * docs/operations.md, "Broker security").
 */
#include "tocsind_broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "tc_broker.h"
#include "tc_file.h"
#include "tc_keys.h"
#include "tc_log.h"
#include "tc_proto.h"
#include "tc_store_secrets.h"

#define log_line(level, ...) tc_log(level, "broker", __VA_ARGS__)

static int read_small(const char *path, char *out, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	if (tc_file_read(path, 64 * 1024, &text, &n))
		return -1;
	text[strcspn(text, "\r\n")] = '\0';
	int bad = strlen(text) >= len || !text[0];
	if (!bad)
		strcpy(out, text);
	sodium_memzero(text, n);
	free(text);
	return bad ? -1 : 0;
}

/* The CA certificate and tocsind's password for end e (mqtts), from dir (made by tocsin broker setup). */
static int read_credentials(struct broker_end *e, const struct tc_config *cfg, const char *dir)
{
	char path[1100];
	snprintf(e->cafile, sizeof(e->cafile), "%s/broker-ca.crt", dir);
	if (access(e->cafile, R_OK) != 0) {
		log_line(TC_LOG_ERROR, "%s: cannot read the broker's CA certificate %s (made by 'tocsin broker setup "
			 "--data-dir %s')", e->r.where, e->cafile, dir);
		return -1;
	}
	if (cfg->mqtt_password[0]) {
		snprintf(e->password, sizeof(e->password), "%s", cfg->mqtt_password);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/broker.password", dir);
	if (read_small(path, e->password, sizeof(e->password))) {
		log_line(TC_LOG_ERROR, "%s: cannot read tocsind's broker password %s (made by 'tocsin broker setup "
			 "--data-dir %s')", e->r.where, path, dir);
		return -1;
	}
	return 0;
}

/* The one broker of cfg->broker into ends[0]. */
static int parse_one(struct broker_link *bl, const struct tc_config *cfg)
{
	struct broker_end *e = &bl->ends[0];
	snprintf(e->r.where, sizeof(e->r.where), "broker");
	if (tc_route_address(cfg->broker, e->r.host, sizeof(e->r.host), &e->r.port, &e->r.tls)) {
		log_line(TC_LOG_ERROR, "broker = '%s' is not HOST:PORT or mqtts://HOST:PORT, e.g. mqtts://127.0.0.1:8883 "
			 "(or none)", cfg->broker);
		return -1;
	}
	snprintf(e->r.url, sizeof(e->r.url), "%s://%s:%u", e->r.tls ? "mqtts" : "mqtt", e->r.host, e->r.port);
	bl->n_ends = 1;
	return 0;
}

/* The region_broker lines into ends; their errors are logged, each naming its line. */
static int parse_several(struct broker_link *bl, const struct tc_config *cfg)
{
	struct tc_route routes[TC_ROUTES_MAX];
	struct tc_diags *d = tc_diags_new();
	size_t n = 0;
	enum tc_rc rc = d ? tc_routes_parse(&cfg->region_broker, routes, &n, d) : TC_ERR_NOMEM;
	for (size_t i = 0; d && i < tc_diags_count(d); i++)
		log_line(TC_LOG_ERROR, "%s", tc_diags_get(d, i)->message);
	tc_diags_free(d);
	if (!rc && strcmp(cfg->broker_tree, "none")) {
		log_line(TC_LOG_ERROR, "%s: region_broker and broker_tree = %s cannot be combined: a broker tree is one "
			 "top broker bridged to county brokers, region_broker names brokers each serving its regions "
			 "directly; use one of them", routes[0].where, cfg->broker_tree);
		rc = TC_ERR_INVALID;
	}
	for (size_t i = 0; !rc && i < n; i++)
		bl->ends[i].r = routes[i];
	bl->n_ends = rc ? 0 : n;
	bl->several = !rc;
	return rc ? -1 : 0;
}

struct unserved {
	const struct broker_link *bl;
	size_t n;
};

static void check_served(const struct tc_receiver *r, void *user)
{
	struct unserved *u = user;
	struct tc_route routes[TC_ROUTES_MAX];
	for (size_t i = 0; i < u->bl->n_ends; i++)
		routes[i] = u->bl->ends[i].r;
	if (tc_routes_serving(routes, u->bl->n_ends, r->region) >= 0)
		return;
	if (u->n++ < 5)
		log_line(TC_LOG_ERROR, "the receiver %s (region '%s') is on no broker: no region_broker line serves a "
			 "prefix of its region; add its region to one, or remove the receiver", r->id, r->region);
}

/* Every registered receiver is served by one of the region brokers. */
static int all_served(struct broker_link *bl)
{
	struct unserved u = { bl, 0 };
	if (tc_store_each_receiver(bl->store, check_served, &u)) {
		log_line(TC_LOG_ERROR, "cannot read the registry to check the receivers' brokers");
		return -1;
	}
	if (u.n)
		log_line(TC_LOG_ERROR, "%zu registered receiver(s) are on no region_broker; tocsind does not start", u.n);
	return u.n ? -1 : 0;
}

int broker_link_parse(struct broker_link *bl, const struct tc_config *cfg, struct tc_store *store)
{
	memset(bl, 0, sizeof(*bl));
	bl->cfg = cfg;
	bl->store = store;
	if (cfg->region_broker.n ? parse_several(bl, cfg) || all_served(bl) : parse_one(bl, cfg))
		return -1;
	for (size_t i = 0; i < bl->n_ends; i++) {
		struct broker_end *e = &bl->ends[i];
		if (!e->r.tls)
			log_line(TC_LOG_WARN, "the broker %s is plain MQTT: anyone on the network can read, forge and take "
				 "over sessions; use mqtts:// with a broker made by 'tocsin broker setup'", e->r.url);
		else if (read_credentials(e, cfg, e->r.dir[0] ? e->r.dir : cfg->data_dir))
			return -1;
	}
	return 0;
}

void broker_link_options(struct broker_link *bl, size_t i, struct tc_mqtt_options *mo)
{
	struct broker_end *e = &bl->ends[i];
	mo->host = e->r.host;
	mo->port = (int)e->r.port;
	mo->index = (unsigned)i;
	if (!e->r.tls)
		return;
	mo->cafile = e->cafile;
	mo->username = bl->cfg->mqtt_username[0] ? bl->cfg->mqtt_username : TC_BROKER_USER;
	mo->password = e->password;
}

/* The end serving a receiver of region: the one broker, or the region broker of its prefix; NULL: none. */
static struct broker_end *end_of(struct broker_link *bl, const char *region)
{
	if (!bl->several)
		return bl->n_ends ? &bl->ends[0] : NULL;
	for (size_t i = 0; i < bl->n_ends; i++)
		for (size_t k = 0; k < bl->ends[i].r.n_prefixes; k++)
			if (!strncmp(region, bl->ends[i].r.prefixes[k], strlen(bl->ends[i].r.prefixes[k])))
				return &bl->ends[i];
	return NULL;
}

/* An account's message to the broker of the receiver's region (tc_accounts.h). */
static int publish(void *user, const char *region, const char *topic, const char *text)
{
	struct broker_end *e = end_of(user, region);
	return e && tc_mqtt_publish(e->mqtt, topic, text, strlen(text), false, 0) == TC_OK ? 0 : -1;
}

/* Whether the connection to the broker serving region is up. */
static bool broker_up(void *user, const char *region)
{
	struct broker_end *e = end_of(user, region);
	return e && tc_mqtt_connected(e->mqtt);
}

/* Which broker serves region: its end's number (-1: none). */
static int broker_of(void *user, const char *region)
{
	struct broker_link *bl = user;
	struct broker_end *e = end_of(bl, region);
	return e ? (int)(e - bl->ends) : -1;
}

int broker_link_start(struct broker_link *bl)
{
	bool tls = false;
	for (size_t i = 0; i < bl->n_ends; i++) {
		sodium_memzero(bl->ends[i].password, sizeof(bl->ends[i].password)); /* libmosquitto has its copy */
		tls |= bl->ends[i].r.tls;
	}
	if (!tls)
		return 0;
	const char *prefix = bl->cfg->mqtt_prefix[0] ? bl->cfg->mqtt_prefix : TC_PROTO_DEFAULT_PREFIX;
	bl->accounts = tc_accounts_new(bl->store, prefix, !strcmp(bl->cfg->broker_tree, "counties"), publish, broker_of,
				       broker_up, bl);
	return bl->accounts ? 0 : -1;
}

void broker_link_work(struct broker_link *bl)
{
	if (!bl->accounts)
		return;
	bool any = false;
	for (size_t i = 0; i < bl->n_ends; i++)
		any |= tc_mqtt_connected(bl->ends[i].mqtt);
	tc_accounts_connected(bl->accounts, any);
	for (size_t i = 0; i < bl->n_ends; i++) {
		struct broker_end *e = &bl->ends[i];
		bool up = tc_mqtt_connected(e->mqtt);
		if (up && !e->was_up) { /* a broker (back) that may not have its receivers' accounts: theirs again */
			if (!bl->several)
				tc_accounts_came(bl->accounts, "");
			for (size_t k = 0; bl->several && k < e->r.n_prefixes; k++)
				tc_accounts_came(bl->accounts, e->r.prefixes[k]);
		}
		e->was_up = up;
	}
	tc_accounts_work(bl->accounts, (int64_t)time(NULL));
}

void broker_link_free(struct broker_link *bl)
{
	tc_accounts_free(bl->accounts);
	bl->accounts = NULL;
}

void broker_link_changed(void *user)
{
	struct broker_link *bl = user;
	if (bl->accounts) {
		/* Sent before the import is answered, so the accounts work at once; the rest of a large
		 * import's by the loop, a batch a turn, so that acknowledgments are not held up. */
		tc_accounts_changed(bl->accounts);
		tc_accounts_work(bl->accounts, (int64_t)time(NULL));
	}
}

static void add_secret(const char *id, const char *region, const char *secret, void *user)
{
	json_array_append_new(user, json_pack("{s:s, s:s, s:s}", "id", id, "region", region, "secret", secret));
}

/* The public keys receivers trust: the current one, and during a change-over the next or the
 * previous one too (tocsin key trusted; docs/operations.md, "Signing keys"). */
static json_t *pubkeys(const char *dir)
{
	char *text = NULL;
	size_t len = 0;
	json_t *keys = json_array();
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return keys;
	enum tc_rc rc = tc_keys_trusted(dir, f, NULL);
	fclose(f);
	if (!rc)
		for (char *save = NULL, *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
			if (*line)
				json_array_append_new(keys, json_string(line));
	free(text);
	return keys;
}

unsigned broker_link_provision(const char *id, char **json, void *user)
{
	struct broker_link *bl = user;
	char secret[TC_SECRET_CHARS + 1], region[16], *ca = NULL;
	size_t len = 0;
	json_t *j;
	unsigned status = 200;
	*json = NULL;
	if (tc_secrets_ensure(bl->store, (int64_t)time(NULL), NULL))
		return 503;
	if (!id) {
		json_t *list = json_array();
		if (tc_secrets_each(bl->store, add_secret, list)) {
			json_decref(list);
			return 503;
		}
		j = json_pack("{s:o}", "receivers", list);
	} else if (!bl->n_ends) {
		j = json_pack("{s:s, s:s}", "error", "provision.no-broker", "message",
			      "this server dispatches to no broker (broker = none)");
		status = 409;
	} else {
		enum tc_rc rc = tc_secrets_get(bl->store, id, secret, region);
		const struct broker_end *e = rc ? NULL : end_of(bl, region);
		if (!rc && !e) {
			j = json_pack("{s:s, s:s}", "error", "provision.no-broker", "message",
				      "no region_broker serves this receiver's region");
			status = 409;
		} else if (rc) {
			j = json_pack("{s:s, s:s}", "error", rc == TC_ERR_NOTFOUND ? "api.not-found" : "store.read",
				      "message", rc == TC_ERR_NOTFOUND ? "no receiver with that id" : "the store could not be read");
			status = rc == TC_ERR_NOTFOUND ? 404 : 503;
		} else {
			if (e->r.tls)
				tc_file_read(e->cafile, 64 * 1024, &ca, &len);
			j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s?}", "id", id, "regions", region, "broker", e->r.url,
				      "username", id, "password", secret, "pubkeys", pubkeys(bl->cfg->data_dir), "ca_cert", ca);
			free(ca);
			sodium_memzero(secret, sizeof(secret));
		}
	}
	*json = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	json_decref(j);
	return status;
}
