/*
 * tc_accounts.h — keeping the broker's accounts in step with the registry.
 *
 * Owned by tocsind's main thread, beside the store. Each receiver gets a
 * secret (tc_store_secrets.h) and an account made through the
 * dynamic-security plugin's control topic (tc_broker.h), without restarting
 * the broker: after an import, after a removal, and for every receiver of a
 * broker again whenever tocsind (re)connects to it, since the broker may
 * have lost or never had them. Accounts are sent a batch a call, in the
 * order of receiver ids, passing over those of brokers that are down: one
 * broker down holds up no other broker's accounts, and its own go when it
 * is back.
 */
#ifndef TC_ACCOUNTS_H
#define TC_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_store.h"

struct tc_accounts;

/*
 * publish sends one control message (QoS 1) about a receiver of region (to the broker that serves
 * it, with several); it returns 0 when the broker connection took it. broker_of names the broker
 * that serves region (any number, the same for the same broker; NULL: one broker); broker_up says
 * whether its connection is up (NULL: the one connection, as tc_accounts_connected says).
 * county_tree: a broker tree, each account goes to its county's broker (tc_broker_control_topic).
 * A receiver whose region moved to another broker or county loses its account on the old one
 * before it gets one on the new one: its credentials open only the broker that serves it.
 */
struct tc_accounts *tc_accounts_new(struct tc_store *store, const char *prefix, bool county_tree,
				    int (*publish)(void *user, const char *region, const char *topic, const char *text),
				    int (*broker_of)(void *user, const char *region),
				    bool (*broker_up)(void *user, const char *region), void *user);
void tc_accounts_free(struct tc_accounts *a);
/* Whether any broker connection is up. */
void tc_accounts_connected(struct tc_accounts *a, bool up);
/* A broker connection came (again): the accounts of receivers whose region begins with prefix
 * ("": every one) are sent again. */
void tc_accounts_came(struct tc_accounts *a, const char *prefix);
/* The registry changed (an import, a removal). */
void tc_accounts_changed(struct tc_accounts *a);
/* Send what is due; true when more is left for the next call. */
bool tc_accounts_work(struct tc_accounts *a, int64_t now);

#endif
