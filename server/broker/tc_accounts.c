/*
 * tc_accounts.c — broker accounts that follow the registry (tc_accounts.h).
 */
#include "tc_accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_broker.h"
#include "tc_log.h"
#include "tc_proto.h"
#include "tc_store_secrets.h"

#define BATCH 500 /* accounts sent per call, so the main loop stays responsive */

struct tc_accounts {
	struct tc_store *store;
	char prefix[128];
	int (*publish)(void *user, const char *region, const char *topic, const char *text);
	int (*broker_of)(void *user, const char *region);
	bool (*broker_up)(void *user, const char *region);
	void *user;
	bool county_tree;
	bool up, changed;
	bool ensure; /* secrets for receivers that have none: once per connection (imports make their own) */
	size_t sent, failed, rows;
	size_t swept;   /* accounts sent since the pass last began at the first id */
	char after[64]; /* where the pass goes on: the last receiver id it came to */
};

struct tc_accounts *tc_accounts_new(struct tc_store *store, const char *prefix, bool county_tree,
				    int (*publish)(void *user, const char *region, const char *topic, const char *text),
				    int (*broker_of)(void *user, const char *region),
				    bool (*broker_up)(void *user, const char *region), void *user)
{
	struct tc_accounts *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->store = store;
	snprintf(a->prefix, sizeof(a->prefix), "%s", prefix);
	a->county_tree = county_tree;
	a->publish = publish;
	a->broker_of = broker_of;
	a->broker_up = broker_up;
	a->user = user;
	a->changed = true;
	return a;
}

void tc_accounts_free(struct tc_accounts *a)
{
	free(a);
}

void tc_accounts_connected(struct tc_accounts *a, bool up)
{
	if (up && !a->up)
		a->changed = a->ensure = true;
	a->up = up;
}

void tc_accounts_came(struct tc_accounts *a, const char *prefix)
{
	long n = 0;
	if (tc_secrets_resync(a->store, prefix, &n) == TC_OK && n > 0)
		tc_log(TC_LOG_INFO, "broker", "connected to the broker of %s: its %ld receiver account(s) are sent again",
		       prefix[0] ? prefix : "every region", n);
	a->changed = true;
}

/* Whether the broker of a receiver in region is there to take its account now. */
static bool reachable(const struct tc_accounts *a, const char *region)
{
	return !a->broker_up || a->broker_up(a->user, region);
}

void tc_accounts_changed(struct tc_accounts *a)
{
	a->changed = true;
}

/* Where the account of a receiver in region is kept; false when it has none (no county in a tree). */
static bool control_topic(const struct tc_accounts *a, const char *region, char *out, size_t len)
{
	return tc_broker_control_topic(out, len, a->prefix, a->county_tree ? region : NULL) == TC_OK;
}

/* Whether a receiver's account for region was made where was's is kept: a county of the tree, a broker. */
static bool same_place(const struct tc_accounts *a, const char *was, const char *region)
{
	if (a->county_tree)
		return !strncmp(was, region, 6);
	return !a->broker_of || a->broker_of(a->user, was) == a->broker_of(a->user, region);
}

/* The account a moved receiver had where it was: deleted there; false when that could not be sent. */
static bool leave(struct tc_accounts *a, const char *id, const char *was)
{
	char topic[TC_PROTO_MAX_TOPIC];
	char *text = tc_broker_rx_delete(id);
	bool gone = text && (!control_topic(a, was, topic, sizeof(topic)) || a->publish(a->user, was, topic, text) == 0);
	if (gone)
		tc_log(TC_LOG_INFO, "broker", "receiver %s moved from %s: its account there is deleted", id, was);
	free(text);
	return gone;
}

static void make_one(const char *id, const char *region, const char *secret, const char *was, void *user)
{
	struct tc_accounts *a = user;
	char topic[TC_PROTO_MAX_TOPIC];
	bool moved = strcmp(was, region) != 0;
	a->rows++;
	snprintf(a->after, sizeof(a->after), "%s", id);
	if (!reachable(a, region) || (was[0] && !reachable(a, was)))
		return; /* when its broker is back */
	if (was[0] && moved && !same_place(a, was, region) && !leave(a, id, was)) {
		a->failed++; /* tried again on the next connection */
		return;
	}
	char *text = tc_broker_rx_commands(a->prefix, id, region, secret, moved);
	if (text && !control_topic(a, region, topic, sizeof(topic))) {
		tc_log(TC_LOG_ERROR, "broker", "receiver %s cannot have a broker account: its region '%s' names no county "
		       "(6 digits) of the broker tree", id, region);
		free(text);
		tc_secrets_synced(a->store, id, region); /* nothing to send until it moves */
		return;
	}
	if (!text) {
		tc_log(TC_LOG_ERROR, "broker", "receiver %s cannot have a broker account (its id or region %s cannot be "
		       "in a topic)", id, region);
		tc_secrets_synced(a->store, id, region); /* nothing to send, ever */
		return;
	}
	if (a->publish(a->user, region, topic, text) == 0 && tc_secrets_synced(a->store, id, region) == TC_OK)
		a->sent++;
	else
		a->failed++;
	free(text);
}

static void delete_one(const char *id, const char *region, void *user)
{
	struct tc_accounts *a = user;
	char topic[TC_PROTO_MAX_TOPIC];
	if (!reachable(a, region))
		return; /* when its broker is back */
	char *text = tc_broker_rx_delete(id);
	if (text && !control_topic(a, region, topic, sizeof(topic))) { /* never had an account in the tree */
		free(text);
		tc_secrets_forget(a->store, id);
		return;
	}
	if (text && a->publish(a->user, region, topic, text) == 0 && tc_secrets_forget(a->store, id) == TC_OK) {
		tc_log(TC_LOG_INFO, "broker", "deleted the broker account of the removed receiver %s", id);
		a->sent++;
	} else {
		a->failed++;
	}
	free(text);
}

bool tc_accounts_work(struct tc_accounts *a, int64_t now)
{
	if (!a->up || !a->changed)
		return false;
	size_t added = 0;
	if (a->ensure) {
		if (tc_secrets_ensure(a->store, now, &added))
			return true;
		a->ensure = false;
	}
	a->sent = a->failed = a->rows = 0;
	if (tc_store_begin(a->store))
		return true;
	tc_secrets_removed(a->store, BATCH, delete_one, a);
	tc_secrets_unsynced(a->store, a->after, BATCH, make_one, a);
	if (tc_store_commit(a->store))
		tc_store_rollback(a->store);
	a->swept += a->sent;
	if (a->rows < BATCH) { /* the pass came to the last id: from the first again, or done */
		bool done = a->swept == 0 && !a->failed;
		a->after[0] = '\0';
		a->swept = 0;
		if (done) { /* what is left waits for its broker (tc_accounts_came) */
			a->changed = false;
			return false;
		}
	}
	if (a->failed) /* a connection went meanwhile: again on a later call */
		return true;
	if (added)
		tc_log(TC_LOG_INFO, "broker", "%zu new receiver(s) have their secret and broker account", added);
	return true;
}
