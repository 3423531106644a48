/*
 * tc_drill.h — the bureau's standing drills and weekly tests: schedule
 * entries, when their slots fall, and the CAP alert tocsind issues for a
 * slot. Pure: text in, text out, no I/O, no clock (the caller gives the
 * time).
 *
 * An entry (tocsind.conf `drill = ...`, repeatable; docs/operations.md):
 *
 *   daily HH:MM MODE REGION
 *   weekly DAY HH:MM MODE REGION          DAY: mon tue wed thu fri sat sun
 *   monthly NTH-DAY HH:MM MODE REGION     NTH: first second third fourth last
 *
 * MODE is silent (CAP status Test: receivers run their self-check, nothing
 * sounds) or audible (Exercise: the drill is played, announced as a drill
 * before and after). REGION is an administrative code of 2 to 12 digits, or
 * `*` for every region of the registry. Times are Beijing time
 * (Asia/Shanghai, UTC+8 all year: China keeps no daylight saving time).
 */
#ifndef TC_DRILL_H
#define TC_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"

#define TC_DRILL_UTC_OFFSET_S (8 * 3600)
#define TC_DRILL_MAX 32 /* entries a configuration may hold */

enum tc_drill_every { TC_DRILL_DAILY = 0, TC_DRILL_WEEKLY, TC_DRILL_MONTHLY };

struct tc_drill {
	char spec[128];          /* the entry as written, trimmed: its name in the store and the reports */
	enum tc_drill_every every;
	int wday;                /* 0 Sunday .. 6 Saturday (weekly, monthly) */
	int nth;                 /* 1..4, or 5 for the last (monthly) */
	int minute;              /* minutes after midnight, Beijing time */
	bool audible;            /* Exercise; false: Test */
	char region[16];         /* "" for every region */
};

/* Read one entry; TC_ERR_INVALID naming the bad word (the caller adds the file and line). */
enum tc_rc tc_drill_parse(const char *text, struct tc_drill *out, struct tc_diags *d);

/* The latest slot at or before t (Unix seconds), and the earliest after t. */
int64_t tc_drill_prev(const struct tc_drill *dr, int64_t t);
int64_t tc_drill_next(const struct tc_drill *dr, int64_t t);

/*
 * The slot to run now, or 0: the latest slot at or before now, when it is
 * later than last (the slot last run, 0 for none) and less than catchup_s
 * old. A slot missed while tocsind was down runs once at start when it is
 * young enough; a slot already run never runs again.
 */
int64_t tc_drill_due(const struct tc_drill *dr, int64_t now, int64_t last, long catchup_s);

/*
 * The CAP 1.2 alert for slot of dr: status Test or Exercise, sender, sent
 * at sent (Unix seconds), expiring expires_s later, one area with the
 * geocodes codes (n of them, ADCODE). Returns the length written into out,
 * 0 when it does not fit.
 */
size_t tc_drill_cap(const struct tc_drill *dr, const char *sender, int64_t slot, int64_t sent, long expires_s,
		    const char (*codes)[16], size_t n, char *out, size_t len);

#endif
