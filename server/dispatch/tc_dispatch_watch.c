/*
 * tc_dispatch_watch.c — the watched alerts (tc_dispatch_int.h). An alert this process
 * published is watched until no target waits for it any more (each acknowledged receipt,
 * failed or was escalated); the log then says how many acknowledged, and how long after
 * publication. Reading the store for it never fails a transaction: what cannot be read is
 * looked at again later.
 */
#include "tc_dispatch_int.h"

#include <string.h>
#include <time.h>

#include "tc_log.h"

int64_t tc_dispatch_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Watch alert id from published_ms on (again, when a rolled-back round published it before). */
void tc_dispatch_watch(struct tc_dispatch *dp, const char *id, int64_t published_ms)
{
	for (size_t i = 0; i < dp->n_watched; i++)
		if (!strcmp(dp->watched[i].id, id)) {
			dp->watched[i] = (struct tc_dispatch_watched){ .published_ms = published_ms, .dirty = true };
			snprintf(dp->watched[i].id, sizeof(dp->watched[i].id), "%s", id);
			return;
		}
	if (dp->n_watched == TC_DISPATCH_MAX_WATCHED) /* the oldest goes unreported */
		memmove(dp->watched, dp->watched + 1, --dp->n_watched * sizeof(dp->watched[0]));
	struct tc_dispatch_watched *w = &dp->watched[dp->n_watched++];
	*w = (struct tc_dispatch_watched){ .published_ms = published_ms, .dirty = true };
	snprintf(w->id, sizeof(w->id), "%s", id);
}

void tc_dispatch_mark_watched(struct tc_dispatch *dp, const char *id)
{
	for (size_t i = 0; i < dp->n_watched; i++)
		if (!strcmp(dp->watched[i].id, id))
			dp->watched[i].dirty = true;
}

/*
 * Whether no target of a watched alert waits any more; a store that cannot be read is counted and
 * logged (once for a run of them), and the alert looked at again next time.
 */
static bool watched_settled(struct tc_dispatch *dp, struct tc_dispatch_watched *w, long counts[TC_DELIVERY_N_STATES],
			    long *total)
{
	long waiting = tc_store_awaiting_receipt(dp->store, w->id);
	enum tc_rc rc = waiting < 0 ? TC_ERR_IO : TC_OK;
	if (!rc && waiting == 0)
		rc = tc_store_delivery_counts(dp->store, w->id, counts, total);
	if (rc) {
		tc_dispatch_count_error(dp, TC_DOP_READ);
		if (!dp->watch_failing)
			tc_log(TC_LOG_ERROR, "store", "alert=%s target=- op=read the store could not be read (%s): whether "
			       "a target still waits is looked at again later", w->id, tc_rc_name(rc));
		dp->watch_failing = true;
		return false;
	}
	dp->watch_failing = false;
	w->dirty = false;
	return waiting == 0;
}

/* After a batch of acknowledgments or timers: report the alerts no target is waiting for any more. */
void tc_dispatch_check_watched(struct tc_dispatch *dp)
{
	for (size_t i = 0; i < dp->n_watched;) {
		struct tc_dispatch_watched *w = &dp->watched[i];
		long counts[TC_DELIVERY_N_STATES], total = 0;
		if (!w->dirty || !watched_settled(dp, w, counts, &total)) {
			i++;
			continue;
		}
		double s = (double)(tc_dispatch_wall_ms() - w->published_ms) / 1000.0;
		tc_log(TC_LOG_INFO, "track", "alert=%s %ld of %ld target(s) acknowledged receipt, none is waiting; "
		       "%.3f s after publication", w->id,
		       counts[TC_DS_RECEIVED] + counts[TC_DS_PLAYED] + counts[TC_DS_DISPLAYED], total, s);
		memmove(w, w + 1, (--dp->n_watched - i) * sizeof(*w));
	}
}
