/*
 * tc_store_lease.h — which tocsind is the active one on a shared store
 * (README, "A standby tocsind").
 *
 * Two tocsind on one PostgreSQL store: one active, publishing, sending SMS
 * and taking acknowledgments; the other a standby, answering reads. The
 * lease is a PostgreSQL session advisory lock held by the active one's own
 * store connection: it goes with that connection, whether the process
 * stops, is killed or loses the database, and PostgreSQL gives it to the
 * next one asking. Every write the active one makes goes through the
 * connection that holds it, so a tocsind that has lost the lease has lost
 * the means to write too.
 *
 * On SQLite there is one tocsind per database file: the lease is always
 * held.
 */
#ifndef TC_STORE_LEASE_H
#define TC_STORE_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_store.h"

/* Take the lease if it is free: *held tells whether this store's connection holds it now. */
enum tc_rc tc_store_lease_take(struct tc_store *s, bool *held);

/* Say where the holder is (its API's URL), for the standby to name: kept as the connection's
 * application_name, which PostgreSQL shows other sessions. */
enum tc_rc tc_store_lease_announce(struct tc_store *s, const char *url);

/* What the holder announced (a URL, "" when it has not yet or none holds the lease). */
enum tc_rc tc_store_lease_holder(struct tc_store *s, char *out, size_t len);

/* Whether the connection holding the lease still answers (a round trip); always true on SQLite. */
bool tc_store_lease_kept(struct tc_store *s);

#endif
