/*
 * tocsind_drill.h — the bureau's standing drills and tests issued at their
 * slots: the configuration's (drill = ... in tocsind.conf) and those added
 * through the API (kept in the store's drill_schedules; read again at every
 * pass, so an added or removed one takes effect within a second, without a
 * restart). Each slot's Test or Exercise alert is ingested like any other
 * (checked, stored, planned) but never held for approval — a schedule is a
 * standing order: the configuration's is the bureau's, an API schedule was
 * added by a user with the right to release it (docs/security.md) — and
 * audited with actor `schedule`. The run is recorded in drill_runs in the
 * transaction that accepts the alert, so that a slot runs once, restarts
 * included. An API schedule's first slot is the first after it was added.
 */
#ifndef TOCSIND_DRILL_H
#define TOCSIND_DRILL_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_drill.h"
#include "tc_ingest.h"
#include "tc_store.h"

#define TOCSIND_DRILL_EXPIRES_S 3600 /* a drill's alert lasts this long */

#define TOCSIND_DRILLS_MAX (2 * TC_DRILL_MAX) /* the configuration's and the store's */

struct tocsind_drills {
	const struct tc_drill *v; /* the configuration's schedules (borrowed) */
	size_t n;
	const char *sender;       /* drill_sender (borrowed) */
	long catchup_s;
	int64_t offset_s;         /* TOCSIN_TEST_CLOCK_OFFSET: added to the clock slots are read with (tests) */
	/* the schedules of the last pass, each with the slot last run (read from the store when new) */
	struct tocsind_drill_slot {
		struct tc_drill dr;
		int64_t last;
	} cur[TOCSIND_DRILLS_MAX];
	size_t n_cur;
	bool loaded; /* a pass has read the store */
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
