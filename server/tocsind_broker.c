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

int broker_link_parse(struct broker_link *bl, const struct tc_config *cfg, struct tc_store *store)
{
	const char *b = cfg->broker, *colon;
	char *end;
	memset(bl, 0, sizeof(*bl));
	bl->cfg = cfg;
	bl->store = store;
	if (!strncmp(b, "mqtts://", 8)) {
		bl->tls = true;
		b += 8;
	} else if (!strncmp(b, "mqtt://", 7)) {
		b += 7;
	}
	colon = strrchr(b, ':');
	long p = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == b || (size_t)(colon - b) >= sizeof(bl->host) || !colon[1] || *end || p <= 0 || p > 65535) {
		log_line(TC_LOG_ERROR, "broker = '%s' is not HOST:PORT or mqtts://HOST:PORT, e.g. mqtts://127.0.0.1:8883 "
			 "(or none)", cfg->broker);
		return -1;
	}
	snprintf(bl->host, sizeof(bl->host), "%.*s", (int)(colon - b), b);
	bl->port = (unsigned)p;
	if (!bl->tls) {
		log_line(TC_LOG_WARN, "the broker %s is plain MQTT: anyone on the network can read, forge and take over "
			 "sessions; use mqtts:// with a broker made by 'tocsin broker setup'", cfg->broker);
		return 0;
	}
	char path[1100];
	snprintf(bl->cafile, sizeof(bl->cafile), "%s/broker-ca.crt", cfg->data_dir);
	if (access(bl->cafile, R_OK) != 0) {
		log_line(TC_LOG_ERROR, "cannot read the broker's CA certificate %s (made by 'tocsin broker setup "
			 "--data-dir %s')", bl->cafile, cfg->data_dir);
		return -1;
	}
	if (cfg->mqtt_password[0]) {
		snprintf(bl->password, sizeof(bl->password), "%s", cfg->mqtt_password);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/broker.password", cfg->data_dir);
	if (read_small(path, bl->password, sizeof(bl->password))) {
		log_line(TC_LOG_ERROR, "cannot read tocsind's broker password %s (made by 'tocsin broker setup "
			 "--data-dir %s')", path, cfg->data_dir);
		return -1;
	}
	return 0;
}

void broker_link_options(struct broker_link *bl, struct tc_mqtt_options *mo)
{
	mo->host = bl->host;
	mo->port = (int)bl->port;
	if (!bl->tls)
		return;
	mo->cafile = bl->cafile;
	mo->username = bl->cfg->mqtt_username[0] ? bl->cfg->mqtt_username : TC_BROKER_USER;
	mo->password = bl->password;
}

static int publish(void *user, const char *topic, const char *text)
{
	struct broker_link *bl = user;
	return tc_mqtt_publish(bl->mqtt, topic, text, strlen(text), false, 0) == TC_OK ? 0 : -1;
}

int broker_link_start(struct broker_link *bl, struct tc_mqtt *m)
{
	bl->mqtt = m;
	sodium_memzero(bl->password, sizeof(bl->password)); /* libmosquitto has its copy */
	if (!bl->tls)
		return 0;
	const char *prefix = bl->cfg->mqtt_prefix[0] ? bl->cfg->mqtt_prefix : TC_PROTO_DEFAULT_PREFIX;
	bl->accounts = tc_accounts_new(bl->store, prefix, !strcmp(bl->cfg->broker_tree, "counties"), publish, bl);
	return bl->accounts ? 0 : -1;
}

void broker_link_work(struct broker_link *bl)
{
	if (!bl->accounts)
		return;
	bool up = tc_mqtt_connected(bl->mqtt);
	if (up != bl->was_up)
		tc_accounts_connected(bl->accounts, up);
	bl->was_up = up;
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
	char secret[TC_SECRET_CHARS + 1], region[16], path[1100], *ca = NULL;
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
	} else if (!bl->host[0]) {
		j = json_pack("{s:s, s:s}", "error", "provision.no-broker", "message",
			      "this server dispatches to no broker (broker = none)");
		status = 409;
	} else {
		enum tc_rc rc = tc_secrets_get(bl->store, id, secret, region);
		if (rc) {
			j = json_pack("{s:s, s:s}", "error", rc == TC_ERR_NOTFOUND ? "api.not-found" : "store.read",
				      "message", rc == TC_ERR_NOTFOUND ? "no receiver with that id" : "the store could not be read");
			status = rc == TC_ERR_NOTFOUND ? 404 : 503;
		} else {
			char broker[300];
			snprintf(broker, sizeof(broker), "%s://%s:%u", bl->tls ? "mqtts" : "mqtt", bl->host, bl->port);
			snprintf(path, sizeof(path), "%s/broker-ca.crt", bl->cfg->data_dir);
			if (bl->tls)
				tc_file_read(path, 64 * 1024, &ca, &len);
			j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s?}", "id", id, "regions", region, "broker", broker,
				      "username", id, "password", secret, "pubkeys", pubkeys(bl->cfg->data_dir), "ca_cert", ca);
			free(ca);
			sodium_memzero(secret, sizeof(secret));
		}
	}
	*json = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	json_decref(j);
	return status;
}
