/*
 * tocsind_drill.h — the bureau's standing drills and tests (drill = ... in
 * tocsind.conf) issued at their slots: each slot's Test or Exercise alert is
 * ingested like any other (checked, stored, planned) but never held for
 * approval — a schedule in the configuration is the bureau's standing order —
 * and audited with actor `schedule`. The run is recorded in drill_runs in the
 * transaction that accepts the alert, so that a slot runs once, restarts
 * included.
 */
#ifndef TOCSIND_DRILL_H
#define TOCSIND_DRILL_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_drill.h"
#include "tc_ingest.h"
#include "tc_store.h"

#define TOCSIND_DRILL_EXPIRES_S 3600 /* a drill's alert lasts this long */

struct tocsind_drills {
	const struct tc_drill *v; /* the schedules (borrowed) */
	size_t n;
	const char *sender;       /* drill_sender (borrowed) */
	long catchup_s;
	int64_t offset_s;         /* TOCSIN_TEST_CLOCK_OFFSET: added to the clock slots are read with (tests) */
	int64_t last[TC_DRILL_MAX]; /* the slot last run of each, read from the store at the first pass */
	bool loaded;
};

/*
 * Issue every slot due at now (Unix seconds, the real clock): the schedule
 * clock is now + offset_s. io are the ingest options (its user, approval and
 * source are replaced); index the registry to plan with. Returns how many
 * alerts were issued.
 */
size_t tocsind_drills_work(struct tocsind_drills *dr, struct tc_store *s, const struct tc_ingest_options *io,
			   const struct tc_registry_index *index, int64_t now);

#endif
