/*
 * tc_health.h — receiver health: the rules that put a receiver on the
 * maintenance list, the per-town health figure, and the Beijing calendar
 * day the maintenance SMS are counted in. Pure: facts in, verdicts out, no
 * I/O, no clock (the caller gives the time). README, "Receiver health".
 *
 * A receiver is on the list for each of these problems:
 *
 *   offline     its last status (or the broker's Last Will for it) said
 *               offline, for longer than health_offline_h hours; a
 *               receiver never heard from counts from when the store first
 *               knew it (its registration, or the first start after the
 *               upgrade that added health);
 *   self-check  its latest self-check (the answer to a drill Test) found
 *               audio or storage not `ok`;
 *   silent      none of the last health_silent_alerts non-Test alerts that
 *               reached a decision for it (escalated, expired, or
 *               answered) got a received-or-later acknowledgment from it;
 *   clock       its clock is off by more than health_clock_s seconds: the
 *               most recent of its latest self-check's clock_offset_ms and
 *               its latest online status's `at` against tocsind's clock.
 */
#ifndef TC_HEALTH_H
#define TC_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TC_HEALTH_SILENT_MAX 16 /* health_silent_alerts, at most */
#define TC_HEALTH_UTC_OFFSET_S (8 * 3600)

enum tc_health_problem { TC_HEALTH_OFFLINE = 0, TC_HEALTH_SELF_CHECK, TC_HEALTH_SILENT, TC_HEALTH_CLOCK, TC_HEALTH_N };
/* offline, self-check, silent, clock */
const char *tc_health_problem_name(enum tc_health_problem p);

struct tc_health_settings {
	long offline_h;     /* health_offline_h */
	long silent_alerts; /* health_silent_alerts, 1..TC_HEALTH_SILENT_MAX */
	long clock_s;       /* health_clock_s */
};

/* What the store knows of one receiver. */
struct tc_health_facts {
	char id[64], kind[16], name[128], region[16];
	bool online;
	int64_t last_seen, known_at;   /* 0: never heard from; when the store first knew it */
	bool checked;                  /* a self-check is known: */
	int64_t check_at, check_offset_ms;
	char check_alert[17], audio[64], storage[64];
	int64_t clock_at, clock_offset_s; /* the latest online status's offset (receiver - tocsind); clock_at 0: none */
	size_t recent;                 /* decided deliveries of its latest non-Test alerts, newest first: */
	char recent_alert[TC_HEALTH_SILENT_MAX][17];
	bool recent_silent[TC_HEALTH_SILENT_MAX];
	int64_t listed_since;          /* on the list since (0: not yet) */
};

struct tc_health_verdict {
	unsigned problems;             /* bit 1u << enum tc_health_problem */
	int64_t offline_since;         /* offline */
	int64_t clock_offset_s;        /* clock: the offset judged... */
	bool clock_by_status;          /* ...from a status (else from the self-check) */
};

/* Judge f at now; the verdict into *v. Returns v->problems. */
unsigned tc_health_judge(const struct tc_health_facts *f, const struct tc_health_settings *s, int64_t now,
			 struct tc_health_verdict *v);

/*
 * The evidence of problem p as one line of text for people (the API, the
 * CSV, the SMS), e.g. "self-check of alert A at 2025-06-04T02:00:00Z:
 * audio simulated-failure". Returns the length written (truncated to len).
 */
size_t tc_health_evidence(const struct tc_health_facts *f, const struct tc_health_verdict *v,
			  enum tc_health_problem p, char *out, size_t len);

/* The town of region: its first 9 digits (a shorter code as it is). */
void tc_health_town(const char *region, char town[16]);

/* Per-town figures: receivers registered, and of them on the list. */
struct tc_health_town {
	char town[16];
	long receivers, listed;
};
/*
 * Fold v (n entries, each one receiver's town with receivers 1 and listed 0
 * or 1, in any order) in place into one entry per town, by town; returns
 * how many towns.
 */
size_t tc_health_towns(struct tc_health_town *v, size_t n);
/* The share of a town's receivers not on the list (1 for a town of none). */
double tc_health_ratio(const struct tc_health_town *t);

/* The Beijing calendar day of t (Unix seconds) as YYYY-MM-DD, and its first second. */
void tc_health_day(int64_t t, char day[11]);
int64_t tc_health_day_start(int64_t t);
/* The minute of the Beijing day of t (0..1439). */
int tc_health_minute(int64_t t);
/* "HH:MM" into minutes after midnight; -1 when it is not that. */
int tc_health_parse_hhmm(const char *s);

/*
 * Maintenance contacts are the contacts of role maintenance_role whose
 * region covers the receiver's (a prefix of it), the most specific ones
 * only: how specific a contact of role c_role in c_region is for region,
 * its region's length, or -1 when it is not of role or does not cover it.
 */
int tc_health_covers(const char *c_region, const char *c_role, const char *role, const char *region);

/* One receiver of a maintenance contact's daily SMS. */
struct tc_health_item {
	const char *id, *name;
	unsigned problems;
};

/*
 * The daily maintenance SMS listing v (n of them) in lang (en-US: English,
 * else Chinese), as many as fit max_segments with a count of the rest.
 * malloc'ed; NULL when out of memory.
 */
char *tc_health_daily_text(const char *lang, const struct tc_health_item *v, size_t n, unsigned max_segments);

/* The SMS telling a maintenance contact that receiver id was escalated (silent or failed) in alert_id. malloc'ed. */
char *tc_health_escalation_text(const char *lang, const char *id, const char *name, const char *region,
				const char *alert_id);

#endif
