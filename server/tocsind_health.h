/*
 * tocsind_health.h — the maintenance list kept up to date (README, "Receiver
 * health"; the rules are tc_health.h's): every TOCSIND_HEALTH_PASS_S a pass
 * judges every receiver, keeps since when each is on the list (health_list),
 * counts the figures /metrics shows, and once a Beijing day, at
 * maintenance_sms_at, queues one SMS to each maintenance contact listing its
 * region's receivers still on the list.
 *
 * Judging reads every receiver's facts (100,000 receivers: a few tenths of a
 * second), so it runs in a thread of its own on a reader connection
 * (tc_store_task_start), never holding the owner's loop; at most one pass
 * runs at a time. A later tocsind_health_work, once the thread is done,
 * writes on the owner thread, in one short transaction, only what changed
 * (receivers put on the list or taken off it) and the daily SMS when it was
 * due when the pass was judged; the day is recorded in that transaction, so
 * that its SMS never goes twice, restarts included. When no thread can
 * start, the pass is judged in place on the owner's connection.
 */
#ifndef TOCSIND_HEALTH_H
#define TOCSIND_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_health.h"
#include "tc_store.h"
#include "tc_vec.h"

#define TOCSIND_HEALTH_PASS_S 30 /* the list is judged again this often */

struct tocsind_health_pass;

struct tocsind_health {
	struct tc_health_settings set;
	const char *role;      /* maintenance_role (borrowed) */
	const char *cc;        /* sms_default_cc (borrowed) */
	unsigned max_segments; /* sms_max_segments */
	int sms_minute;        /* maintenance_sms_at, minutes after midnight, Beijing time */
	int64_t offset_s;      /* TOCSIN_TEST_CLOCK_OFFSET: added to the clock the daily SMS is read with (tests) */
	bool sms;              /* an SMS gateway runs: the daily SMS is sent */
	char done_day[11];     /* the last day whose daily SMS is known to have gone */
	int64_t next_pass;     /* Unix seconds */
	bool known;            /* receivers stored without known_at were marked known (once, at the first call) */
	struct tc_store_task *task;        /* the pass being judged, or NULL */
	struct tocsind_health_pass *pass;  /* its state: the thread's until the task is done */
	/* the last pass's figures (/metrics) */
	bool judged;
	long problems[TC_HEALTH_N], listed;
	struct tc_vec towns;   /* struct tc_health_town */
};

void tocsind_health_init(struct tocsind_health *h);
/* Waits for a pass still being judged. */
void tocsind_health_free(struct tocsind_health *h);

/*
 * On the owner thread, called often (every turn of the loop): a pass
 * starts when one is due at now (Unix seconds, the real clock), or the
 * daily SMS is, and none runs; a pass judged since the last call is
 * written. Returns how many SMS it queued (the engine then hands them over).
 */
long tocsind_health_work(struct tocsind_health *h, struct tc_store *s, int64_t now);

/* The gauges of the last pass (tocsin_receivers_unhealthy, ...), in the /metrics text format. */
void tocsind_health_metrics(const struct tocsind_health *h, FILE *f);

#endif
