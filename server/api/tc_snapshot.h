/*
 * tc_snapshot.h — an alert's deliveries as a watcher was last told them, and
 * which of them changed since: what lets an event stream send only the rows
 * that changed. Kept once per alert, whatever the number of watchers.
 *
 * A pass reads every delivery of the alert in target order (strcmp order, as
 * the store gives them: ORDER BY target) and is compared row by row with
 * the snapshot, a merge of two sorted lists: no search, no hashing.
 *
 *     tc_snapshot_begin(s);
 *     for each delivery: tc_snapshot_put(s, target, state, region, &changed);
 *     tc_snapshot_end(s);          (or tc_snapshot_abandon(s) when the read failed)
 *
 * A row counts as changed when its target is new or its state or region
 * differs. A row out of order is reported changed (never missed). Memory:
 * the snapshot, and the pass under way, about 100 bytes a row each.
 */
#ifndef TC_SNAPSHOT_H
#define TC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_rc.h"

struct tc_snapshot_row {
	char target[64];
	char state[16];
	char region[16];
};

struct tc_snapshot;

/* An empty snapshot (every row of the first pass is new); NULL without memory. */
struct tc_snapshot *tc_snapshot_new(void);
/* NULL is a no-op. */
void tc_snapshot_free(struct tc_snapshot *s);

void tc_snapshot_begin(struct tc_snapshot *s);
/* The pass's next row; *changed says whether a watcher needs it. TC_ERR_NOMEM: the pass is lost (abandon it). */
enum tc_rc tc_snapshot_put(struct tc_snapshot *s, const char *target, const char *state, const char *region,
			   bool *changed);
/* The pass becomes the snapshot. */
void tc_snapshot_end(struct tc_snapshot *s);
/* The pass is dropped; the snapshot stays as it was. */
void tc_snapshot_abandon(struct tc_snapshot *s);

/* The snapshot's rows, in target order (valid until the next tc_snapshot_end). */
size_t tc_snapshot_count(const struct tc_snapshot *s);
const struct tc_snapshot_row *tc_snapshot_rows(const struct tc_snapshot *s);

#endif
