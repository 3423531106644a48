/*
 * tocsind_health.h — the maintenance list kept up to date on the owner
 * thread (README, "Receiver health"; the rules are tc_health.h's): every
 * pass judges every receiver, keeps since when each is on the list
 * (health_list), counts the figures /metrics shows, and once a Beijing day,
 * at maintenance_sms_at, queues one SMS to each maintenance contact listing
 * its region's receivers still on the list. The day is recorded in the
 * transaction that queues its SMS, so that it never goes twice, restarts
 * included.
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
	/* the last pass's figures (/metrics) */
	bool judged;
	long problems[TC_HEALTH_N], listed;
	struct tc_vec towns;   /* struct tc_health_town */
};

void tocsind_health_init(struct tocsind_health *h);
void tocsind_health_free(struct tocsind_health *h);

/*
 * A pass when one is due at now (Unix seconds, the real clock), or the
 * daily SMS is. Returns how many SMS it queued (the engine then hands them
 * over).
 */
long tocsind_health_work(struct tocsind_health *h, struct tc_store *s, int64_t now);

/* The gauges of the last pass (tocsin_receivers_unhealthy, ...), in the /metrics text format. */
void tocsind_health_metrics(const struct tocsind_health *h, FILE *f);

#endif
