/*
 * tc_store_drill.h — the runs of the bureau's drill schedules and what their
 * reports read: each run is one slot of one schedule (unique, so that a slot
 * never runs twice, also across restarts) and the alert issued for it; the
 * answers are the alert's deliveries with the receivers' regions and the
 * time each one answered (played, displayed or checked).
 */
#ifndef TC_STORE_DRILL_H
#define TC_STORE_DRILL_H

#include <stdint.h>

#include "tc_store.h"
#include "tc_vec.h"

/* The latest slot of schedule that ran, into *slot (0: none). */
enum tc_rc tc_store_drill_last(struct tc_store *s, const char *schedule, int64_t *slot);

/*
 * Record that schedule's slot ran as alert_id, released at at. Meant inside
 * the transaction that accepted the alert. TC_ERR_INVALID when that slot ran
 * already.
 */
enum tc_rc tc_store_drill_record(struct tc_store *s, const char *schedule, int64_t slot, const char *alert_id,
				 int64_t at);

/* The county codes (the first 6 digits; shorter codes as they are) of the registry's receivers, sorted, in codes (char[16] each). */
enum tc_rc tc_store_drill_counties(struct tc_store *s, struct tc_vec *codes);

/* One run; strings valid during the callback only. */
struct tc_drill_run {
	int64_t id, slot, released_at;
	const char *schedule, *alert_id; /* alert_id "" when none */
};

/*
 * The runs, newest slot first: of schedule only (NULL: all), at most limit of them; with id
 * not 0, that run alone (TC_ERR_NOTFOUND when there is none).
 */
enum tc_rc tc_store_drill_runs(struct tc_store *s, const char *schedule, int64_t id, size_t limit,
			       void (*fn)(const struct tc_drill_run *r, void *user), void *user);

/* A receiver's part in a run; strings valid during the callback only. */
struct tc_drill_answer {
	const char *receiver, *region; /* region "" when the receiver left the registry since */
	const char *state, *reason;    /* the delivery's state and last reason ("" none) */
	int64_t answered_at;           /* its first played, displayed or checked; 0: none */
};

/* Every receiver alert_id went to, by region then id. */
enum tc_rc tc_store_drill_answers(struct tc_store *s, const char *alert_id,
				  void (*fn)(const struct tc_drill_answer *a, void *user), void *user);

/*
 * Drill schedules added through the API (the configuration's are not in the store): the
 * entry as tc_drill_parse wrote it (unique), who added it and when (Unix seconds), and the
 * time its slots begin after (the schedule clock when it was added: a slot already past then
 * never runs).
 */
struct tc_drill_schedule {
	int64_t id, created_at, runs_after;
	const char *spec, *created_by; /* valid during the callback only */
};

/*
 * Keep spec (already parsed, so its single-spaced form); its id into *id. TC_ERR_INVALID
 * when the same spec is stored already.
 */
enum tc_rc tc_store_drill_schedule_add(struct tc_store *s, const char *spec, const char *by, int64_t at,
				       int64_t runs_after, int64_t *id);

/*
 * Remove schedule id; its spec into spec (len bytes) first, for the audit. TC_ERR_NOTFOUND
 * when there is none. Its runs stay, so a schedule added again later never reruns a slot.
 */
enum tc_rc tc_store_drill_schedule_remove(struct tc_store *s, int64_t id, char *spec, size_t len);

/* Every stored schedule (or, with id not 0, that one: TC_ERR_NOTFOUND when none), oldest first. */
enum tc_rc tc_store_drill_schedules(struct tc_store *s, int64_t id,
				    void (*fn)(const struct tc_drill_schedule *sc, void *user), void *user);

#endif
