/*
 * tocsind_broker.h — tocsind's side of the secured broker: how it connects
 * (mqtts:// with the CA and password `tocsin broker setup` left in the data
 * dir, or plain with a warning), the receivers' accounts that follow the
 * registry (tc_accounts.h), and what devices are provisioned with.
 */
#ifndef TOCSIND_BROKER_H
#define TOCSIND_BROKER_H

#include <stdbool.h>

#include "tc_accounts.h"
#include "tc_config.h"
#include "tc_mqtt.h"
#include "tc_store.h"

struct broker_link {
	const struct tc_config *cfg;
	struct tc_store *store;
	struct tc_mqtt *mqtt;
	struct tc_accounts *accounts; /* NULL on a plain broker: it has no accounts */
	bool tls, was_up;
	char host[256];
	unsigned port;
	char cafile[1100], password[160];
};

/* Read cfg->broker (HOST:PORT, mqtt://HOST:PORT or mqtts://HOST:PORT) and, for mqtts, the credentials. */
int broker_link_parse(struct broker_link *bl, const struct tc_config *cfg, struct tc_store *store);
/* The connection options for tc_mqtt_start. */
void broker_link_options(struct broker_link *bl, struct tc_mqtt_options *mo);
/* Once connected to m: keep accounts (secured broker only). */
int broker_link_start(struct broker_link *bl, struct tc_mqtt *m);
/* Called from the main loop: a new connection resends every account; changes are sent. */
void broker_link_work(struct broker_link *bl);
void broker_link_free(struct broker_link *bl);
/* tc_api_options.provision and .receivers_changed (user: the broker_link). */
unsigned broker_link_provision(const char *id, char **json, void *user);
void broker_link_changed(void *user);

#endif
