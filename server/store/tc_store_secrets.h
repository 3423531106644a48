/*
 * tc_store_secrets.h — receivers' secrets (their passwords on the broker) and
 * which broker accounts still have to be made or deleted.
 *
 * A secret is 16 random bytes as 32 hex characters, made the first time the
 * receiver is seen (tc_secrets_ensure, after an import) and never changed;
 * it is never logged. A removed receiver's row is kept, marked removed, until
 * its account is deleted on the broker (tc_secrets_forget).
 */
#ifndef TC_STORE_SECRETS_H
#define TC_STORE_SECRETS_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_store.h"

#define TC_SECRET_CHARS 32

/* A secret for every receiver that has none; *added (may be NULL) counts them. */
enum tc_rc tc_secrets_ensure(struct tc_store *s, int64_t now, size_t *added);
/* The same for one receiver (a step of an import; inside the caller's transaction). */
enum tc_rc tc_secrets_ensure_one(struct tc_store *s, const char *id, int64_t now);
/* Receiver id's secret (out: TC_SECRET_CHARS + 1 bytes) and region (16 bytes); TC_ERR_NOTFOUND. */
enum tc_rc tc_secrets_get(struct tc_store *s, const char *id, char *secret, char *region);
/* Every registered receiver with its region and secret, in id order. */
enum tc_rc tc_secrets_each(struct tc_store *s, void (*cb)(const char *id, const char *region, const char *secret,
							   void *user),
			   void *user);
/*
 * Receivers whose broker account is to be sent (made, or again after a new connection) or whose
 * region changed since their role was last given (its ACLs must be replaced), at most max, in the
 * order of their ids from the first after the id after ("": from the first). was is the region its
 * account was last made for ("" when never).
 */
enum tc_rc tc_secrets_unsynced(struct tc_store *s, const char *after, size_t max,
			       void (*cb)(const char *id, const char *region, const char *secret, const char *was,
					  void *user),
			       void *user);
/* Mark receiver id's account as sent, with its role for region. */
enum tc_rc tc_secrets_synced(struct tc_store *s, const char *id, const char *region);
/* Every account of a receiver whose region begins with prefix ("": every one) to be sent again
 * (after a new connection to its broker); *n (may be NULL) receives how many. */
enum tc_rc tc_secrets_resync(struct tc_store *s, const char *prefix, long *n);
/* Removed receivers whose account is still to be deleted, with the region their role was last given for. */
enum tc_rc tc_secrets_removed(struct tc_store *s, size_t max, void (*cb)(const char *id, const char *region, void *user),
			      void *user);
/* The broker account of removed receiver id is gone: forget its secret. */
enum tc_rc tc_secrets_forget(struct tc_store *s, const char *id);
/*
 * Remove receiver id from the registry (its deliveries and acknowledgments stay, as history) and
 * mark its secret for deletion on the broker. TC_ERR_NOTFOUND when there is no such receiver.
 */
enum tc_rc tc_store_remove_receiver(struct tc_store *s, const char *id);

#endif
