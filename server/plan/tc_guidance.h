/*
 * tc_guidance.h — when an alert's loudspeaker programme ends with the way to
 * shelter, and which receivers share one guidance sentence.
 *
 * Pure: nothing here logs or does I/O (tc_shelter_near.h gives the sentences).
 *
 * The rule (README, "Shelters"), per info, first that says:
 *  1. A parameter SHELTER_GUIDANCE (valueName, any case) of `true` or `false`
 *     decides. Any other value is not read as either: *why names it, and the
 *     rules below decide.
 *  2. A responseType of Evacuate or Shelter asks people to move.
 *  3. The Chinese event code (GB/T 35561) and colour, from this table:
 *       11B01 typhoon      orange, red
 *       11B03 rainstorm    red
 *       11E02 storm surge  orange, red
 *     at or above the colour listed.
 *  Otherwise the programme carries no guidance.
 *
 * Guidance audio is named for its words, so the same sentence is rendered once
 * whatever the alert: `g-` and the first 16 hex digits of SHA-256(lang "\n" text).
 */
#ifndef TC_GUIDANCE_H
#define TC_GUIDANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_cap.h"
#include "tc_rc.h"

#define TC_GUIDANCE_PARAM "SHELTER_GUIDANCE"
#define TC_GUIDANCE_ID_LEN 18 /* "g-" + 16 hex digits */

/*
 * Whether info in asks people to move. *why (may be NULL) is set to a short reason the log
 * can carry ("parameter SHELTER_GUIDANCE=true", "responseType Evacuate", "event 11B01 orange",
 * "not asked"); a SHELTER_GUIDANCE that is neither true nor false gives "parameter
 * SHELTER_GUIDANCE: 'VALUE' is neither true nor false; ignored" in problem (may be NULL, len 0).
 */
bool tc_guidance_wanted(const struct tc_cap_info *in, const char **why, char *problem, size_t len);
/* Any info of a asks people to move. */
bool tc_guidance_alert_wanted(const struct tc_cap_alert *a);

/* The audio id of a guidance sentence: "g-" + 16 hex digits. */
void tc_guidance_audio_id(const char *lang, const char *text, char out[TC_GUIDANCE_ID_LEN + 1]);

/* One receiver's guidance in one language; text "" means none. The strings are the caller's. */
struct tc_guidance_target {
	const char *rx, *lang, *text;
};

/* Receivers that share one (lang, text): members[first .. first + n) of a tc_guidance_groups. */
struct tc_guidance_group {
	const char *lang, *text; /* point into the targets */
	char audio_id[TC_GUIDANCE_ID_LEN + 1];
	size_t first, n;
};

struct tc_guidance_groups {
	struct tc_guidance_group *groups; /* by lang, then text */
	size_t n_groups;
	size_t *members;                  /* indexes into the targets, grouped */
	size_t n_members;
};

/*
 * Group n targets by distinct (lang, text); targets with an empty text are left out. The
 * targets must outlive out. TC_ERR_NOMEM when memory runs out (out then holds nothing).
 * Free with tc_guidance_groups_release.
 */
enum tc_rc tc_guidance_group(const struct tc_guidance_target *t, size_t n, struct tc_guidance_groups *out);
void tc_guidance_groups_release(struct tc_guidance_groups *g);

#endif
