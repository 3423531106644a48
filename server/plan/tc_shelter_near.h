/*
 * tc_shelter_near.h — the way to shelter: for each village loudspeaker, the
 * nearest open shelters within walking distance, and what to tell people.
 *
 * Pure: the caller hands in the shelters and villages (tc_shelter_near_load
 * reads them from the store); nothing here logs or does I/O. Distances are
 * great-circle (haversine, mean Earth radius 6,371,008.8 m) between the
 * registry's coordinates. Shelters are kept in a grid of cells one walking
 * limit high, sorted by cell, so a village looks at a few cells, not at
 * every shelter (100,000 villages × 5,000 shelters: bench/bench_shelters).
 *
 * The rules (README, "Shelters"):
 *  1. A shelter can take people when its state is open and it is not full
 *     (state full, or occupancy at or above a capacity above 0):
 *     tc_store_shelter_open().
 *  2. A village's assigned shelter (the receivers registry's `shelter`)
 *     comes first whatever its distance, when it can take people; then the
 *     nearest others within the walking limit, nearest first (ties by id).
 *  3. Distance for speech: rounded to the nearest 50 m, at least 50 m.
 *     Chinese reads it as a broadcaster does: below 1000 m in 米 (四百米,
 *     四百五十米), from 1000 m in 公里 with the decimals read digit by digit
 *     (一公里, 一点二公里, 一点零五公里); English "about 400 metres",
 *     "about 1.2 kilometres".
 *  4. Direction from the village to the shelter: the initial great-circle
 *     bearing in one of 8 sectors of 45° centred on north (北, 东北, 东, …;
 *     north, north-east, east, …).
 *  5. The guidance sentence:
 *       zh: 请前往{name}避难场所，距离约{distance}，向{direction}。
 *       en: Go to the {name_en} shelter, about {distance} to the {direction}.
 *     "避难场所" / " shelter" is not repeated when the name already ends
 *     with 避难场所, 避难所 or "shelter"; en uses the shelter's name when it
 *     has no English one.
 *
 * The planning report (tc_shelter_report) takes every registered shelter,
 * whatever its state: it is about where shelters are, not who is in them.
 */
#ifndef TC_SHELTER_NEAR_H
#define TC_SHELTER_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

#define TC_SHELTER_WALK_M_DEFAULT 500.0
#define TC_SHELTER_MAX_CHOICES 4
#define TC_SHELTER_NONE UINT32_MAX

/* One direction of 8: 0 north, 1 north-east, … clockwise. */
const char *tc_shelter_direction_zh(int dir);
const char *tc_shelter_direction_name(int dir); /* "north", "north-east", … */
/* The direction from (lat1, lon1) to (lat2, lon2), and the distance between them in metres. */
int tc_shelter_direction(double lat1, double lon1, double lat2, double lon2);
double tc_shelter_distance_m(double lat1, double lon1, double lat2, double lon2);
/* Metres rounded for speech: to the nearest 50, at least 50. */
long tc_shelter_round_m(double m);
/* A rounded distance as Chinese speech (四百米, 一点二公里) / English ("400 metres", "1.2 kilometres"). */
void tc_shelter_distance_zh(long m, char *out, size_t len);
void tc_shelter_distance_en(long m, char *out, size_t len);

struct tc_shelter_near;

/*
 * Index shelters (copied; the caller keeps its array) for villages within walk_m metres
 * (0: TC_SHELTER_WALK_M_DEFAULT). With all set, every shelter is indexed whatever its state
 * (the planning report); otherwise only those that can take people. NULL when out of memory.
 */
struct tc_shelter_near *tc_shelter_near_new(const struct tc_shelter *shelters, size_t n, double walk_m, bool all);
void tc_shelter_near_free(struct tc_shelter_near *x);
/* Read every shelter from the store and index it as _new does. */
enum tc_rc tc_shelter_near_load(struct tc_store *s, double walk_m, bool all, struct tc_shelter_near **out);
size_t tc_shelter_near_count(const struct tc_shelter_near *x);
/* The shelter at index i (as tc_shelter_choice.shelter gives it). */
const struct tc_shelter *tc_shelter_near_get(const struct tc_shelter_near *x, uint32_t i);
/* The index of the shelter with this id; TC_SHELTER_NONE when not indexed. */
uint32_t tc_shelter_near_find_id(const struct tc_shelter_near *x, const char *id);
double tc_shelter_near_walk_m(const struct tc_shelter_near *x);

struct tc_shelter_choice {
	uint32_t shelter; /* index in the tc_shelter_near */
	double distance_m;
	bool assigned;    /* the village's assigned shelter */
};

/*
 * The shelters for a village at (lat, lon) with assigned shelter id assigned ("" or NULL:
 * none), in the order of rule 2, at most max into out. Returns how many.
 */
size_t tc_shelter_near_find(const struct tc_shelter_near *x, double lat, double lon, const char *assigned,
			    struct tc_shelter_choice *out, size_t max);
/* The same by looking at every shelter (for tests and the bench's comparison). */
size_t tc_shelter_near_find_naive(const struct tc_shelter_near *x, double lat, double lon, const char *assigned,
				  struct tc_shelter_choice *out, size_t max);

/* What a village's loudspeaker tells people. */
struct tc_shelter_guide {
	uint32_t shelter;   /* index in the tc_shelter_near; TC_SHELTER_NONE: no shelter, zh and en "" */
	const char *shelter_id;
	double distance_m;
	long rounded_m;
	int direction;
	bool assigned;
	char zh[512], en[512];
};

/* The guidance for receiver r (its place and assigned shelter): the first choice of rule 2. */
void tc_shelter_guidance(const struct tc_shelter_near *x, const struct tc_receiver *r, struct tc_shelter_guide *out);
/* The sentences for shelter sh at distance m (rounded) and direction dir. */
void tc_shelter_sentence_zh(const struct tc_shelter *sh, long m, int dir, char *out, size_t len);
void tc_shelter_sentence_en(const struct tc_shelter *sh, long m, int dir, char *out, size_t len);

/*
 * The planning report over loudspeakers (signage rows are not villages), with x indexed
 * with all = true. A village is a region code; its population is the largest `population`
 * on its rows. Each loudspeaker is served by its assigned shelter, else by its nearest
 * within the limit. A village has no shelter when none of its loudspeakers is served by one
 * within the limit. A shelter serves the villages of the loudspeakers it serves; it is short
 * when its capacity is below their population together.
 */
struct tc_shelter_gap {
	char region[16];
	long population;
	size_t receivers;
	uint32_t nearest;   /* the nearest shelter at any distance; TC_SHELTER_NONE when there is none */
	double nearest_m;
};
struct tc_shelter_short {
	uint32_t shelter;
	long capacity, population;
	size_t villages;
};
struct tc_shelter_report {
	struct tc_shelter_gap *gaps; /* villages without a shelter within the limit, by region */
	size_t n_gaps;
	struct tc_shelter_short *shorts; /* shelters short of room, by id */
	size_t n_shorts;
	size_t villages;             /* villages looked at */
};
/* in_scope (NULL: all) chooses the villages by region. Free with tc_shelter_report_release. */
enum tc_rc tc_shelter_report(const struct tc_shelter_near *x, const struct tc_receiver *rx, size_t n,
			     bool (*in_scope)(const char *region, void *user), void *user, struct tc_shelter_report *out);
void tc_shelter_report_release(struct tc_shelter_report *r);

/* A shelter manager's SMS (README, "Shelters"). */
enum tc_shelter_sms_kind {
	TC_SHELTER_SMS_NONE = 0, /* not a report */
	TC_SHELTER_SMS_FULL,     /* 满, 已满, FULL */
	TC_SHELTER_SMS_COUNT,    /* a number: people inside now */
	TC_SHELTER_SMS_OPEN,     /* 开放, 开, OPEN */
	TC_SHELTER_SMS_CLOSED,   /* 关闭, 关, CLOSED */
};
const char *tc_shelter_sms_kind_name(enum tc_shelter_sms_kind k);
/*
 * Read a manager's SMS: spaces (also full-width), punctuation at the ends and case are
 * ignored; full-width digits are digits; 人 after a number is allowed ("350人"). A number
 * is at most 9999999 (*count).
 */
enum tc_shelter_sms_kind tc_shelter_sms_parse(const char *text, long *count);
/*
 * A report applied to sh (a copy the caller then stores): full sets the state full; a number
 * sets the occupancy and, unless the shelter is closed, the state open (full again by itself
 * when the number reaches the capacity); open and closed set the state. occupancy_at = now.
 */
void tc_shelter_apply(struct tc_shelter *sh, enum tc_shelter_sms_kind k, long count, int64_t now);

#endif
