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
#include "tc_routes.h"
#include "tc_store.h"

/* One broker tocsind dispatches to: where, with which credentials, and the connection. */
struct broker_end {
	struct tc_route r; /* with the one broker (broker = ...), no prefixes */
	char cafile[1100], password[160];
	struct tc_mqtt *mqtt;
	bool was_up;
};

struct broker_link {
	const struct tc_config *cfg;
	struct tc_store *store;
	struct tc_accounts *accounts; /* NULL on plain brokers: they have no accounts */
	struct broker_end ends[TC_ROUTES_MAX];
	size_t n_ends;   /* 0: broker = none */
	bool several;    /* region_broker: each end serves its region prefixes (tc_routes.h) */
};

/*
 * Read cfg->broker (HOST:PORT, mqtt://HOST:PORT or mqtts://HOST:PORT), or the region_broker lines
 * instead, and for mqtts the credentials of each. -1, logged naming the setting, when they are bad,
 * combined with broker_tree, or when a registered receiver is in a region no region_broker serves.
 */
int broker_link_parse(struct broker_link *bl, const struct tc_config *cfg, struct tc_store *store);
/* The connection options for tc_mqtt_start of end i (base: what every connection shares). */
void broker_link_options(struct broker_link *bl, size_t i, struct tc_mqtt_options *mo);
/* Once connected to each end's mqtt: keep accounts (secured brokers only). */
int broker_link_start(struct broker_link *bl);
/* Called from the main loop: a new connection resends every account; changes are sent. */
void broker_link_work(struct broker_link *bl);
void broker_link_free(struct broker_link *bl);
/* tc_api_options.provision and .receivers_changed (user: the broker_link). */
unsigned broker_link_provision(const char *id, char **json, void *user);
void broker_link_changed(void *user);

#endif
