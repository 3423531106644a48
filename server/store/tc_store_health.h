/*
 * tc_store_health.h — what receiver health reads and keeps (schema 14):
 * each receiver's facts for the rules of tc_health.h (its liveness, when
 * the store first knew it, its latest self-check and status clock offset,
 * its latest decided deliveries), since when each is on the maintenance
 * list, the maintenance SMS already sent, and the days whose daily
 * maintenance SMS went out.
 */
#ifndef TC_STORE_HEALTH_H
#define TC_STORE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_health.h"
#include "tc_store.h"

/*
 * Receivers the store had not known before now are known from now (known_at).
 * tc_store_put_receiver sets known_at when it first writes a receiver, so only
 * rows written before it did (schema 14's migration left them 0) are left:
 * tocsind runs this once when it starts, not every pass (a scan of every
 * receiver that finds nothing, on the owner's loop, would be wasted).
 */
enum tc_rc tc_store_health_know(struct tc_store *s, int64_t now);

/*
 * Every receiver's facts, by id, with its latest silent_alerts (at most
 * TC_HEALTH_SILENT_MAX) decided deliveries of non-Test alerts. f is valid
 * during the callback only.
 */
enum tc_rc tc_store_health_each(struct tc_store *s, long silent_alerts,
				void (*fn)(const struct tc_health_facts *f, void *user), void *user);

/* Put receiver id on the list since since (kept when it is on it), or take it off. */
enum tc_rc tc_store_health_list(struct tc_store *s, const char *id, int64_t since);
enum tc_rc tc_store_health_unlist(struct tc_store *s, const char *id);

/* An online status of receiver id at at (tocsind's clock) said its clock is offset_s off. */
enum tc_rc tc_store_receiver_clock(struct tc_store *s, const char *id, int64_t offset_s, int64_t at);

/* Whether phone got a maintenance SMS about subject (a receiver id) created at or after since. */
enum tc_rc tc_store_health_told(struct tc_store *s, const char *phone, const char *subject, int64_t since, bool *told);

/* Whether the daily maintenance SMS of day (YYYY-MM-DD) went out; record that it did. */
enum tc_rc tc_store_health_day_done(struct tc_store *s, const char *day, bool *done);
enum tc_rc tc_store_health_day_record(struct tc_store *s, const char *day, int64_t at, long messages);

#endif
