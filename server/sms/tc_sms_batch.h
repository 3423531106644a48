/*
 * tc_sms_batch.h — who gets an SMS for an alert, and what it says.
 *
 * Recipients come from the contacts registry, chosen two ways:
 *  - by policy, when an alert is published: rules "role:levels" (e.g.
 *    "official:all;信息员:orange,red") pick every contact of a role whose
 *    region is inside the alert's area or contains it, for the colour levels
 *    listed (blue, yellow, orange, red, none; all);
 *  - by escalation, when a village's loudspeaker stays silent: every
 *    contact of the escalation roles whose region is the village's code or
 *    a prefix of it (the village's, town's and county's officers).
 * Numbers are normalised to E.164 (the default country code for national
 * numbers is a setting), duplicates dropped (the first wins), and each
 * recipient gets the text of the info in its language (else the first
 * info), numbered into batches of a configured size.
 *
 * The texts come from encoders/tc_script (tc_script_sms) and are encoded by
 * encoders/tc_sms: GSM 7-bit or UCS-2, concatenated with a UDH when long.
 */
#ifndef TC_SMS_BATCH_H
#define TC_SMS_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tc_cap.h"
#include "tc_sms.h"
#include "tc_store.h"

/* --- policy ---------------------------------------------------------------------------- */

#define TC_SMS_POLICY_MAX 16

struct tc_sms_policy {
	struct {
		char role[64];
		unsigned levels; /* bit (1 << enum tc_cap_colour) */
	} rules[TC_SMS_POLICY_MAX];
	size_t n;
};

/* "role:level,level;role:all" → *out; TC_ERR_INVALID naming the bad part. "" is no rule. */
enum tc_rc tc_sms_policy_parse(const char *text, struct tc_sms_policy *out, struct tc_diags *d);
/* Whether a contact of role gets alerts of colour c. */
bool tc_sms_policy_wants(const struct tc_sms_policy *p, const char *role, enum tc_cap_colour c);
/* Whether role is one of a comma-separated list. */
bool tc_sms_role_in(const char *list, const char *role);

/* Whether two region codes nest: one is a prefix of (or equal to) the other. */
bool tc_sms_regions_nest(const char *a, const char *b);

/* --- recipients ------------------------------------------------------------------------ */

struct tc_sms_recipient {
	char phone[24];
	char name[128], role[64], region[16], language[16];
};

struct tc_sms_batch;

/* An empty list; default_cc is the country code of national numbers ("86"). */
struct tc_sms_batch *tc_sms_batch_new(const char *default_cc);
void tc_sms_batch_free(struct tc_sms_batch *b);

enum tc_sms_add {
	TC_SMS_ADDED = 0,
	TC_SMS_DUPLICATE,  /* the number (normalised) is already in the list */
	TC_SMS_BAD_NUMBER, /* not a telephone number */
	TC_SMS_NO_MEMORY,  /* the list could not grow: not added, and the list cannot be trusted whole */
};
const char *tc_sms_add_name(enum tc_sms_add a);
/* Add a contact (its phone normalised); TC_SMS_NO_MEMORY when it could not be kept. */
enum tc_sms_add tc_sms_batch_add(struct tc_sms_batch *b, const struct tc_contact *c);
size_t tc_sms_batch_count(const struct tc_sms_batch *b);
const struct tc_sms_recipient *tc_sms_batch_get(const struct tc_sms_batch *b, size_t i);
/* Duplicates and bad numbers seen so far. */
size_t tc_sms_batch_duplicates(const struct tc_sms_batch *b);
size_t tc_sms_batch_bad(const struct tc_sms_batch *b);

/* --- texts ------------------------------------------------------------------------------- */

#define TC_SMS_MAX_LANGS 8

struct tc_sms_texts {
	struct {
		char lang[36];
		char *text;
		size_t segments;
	} v[TC_SMS_MAX_LANGS];
	size_t n;
	enum tc_cap_colour colour; /* the highest colour of the alert's infos */
};

/* The SMS text of each info language of a (first info of a language wins). Release with tc_sms_texts_release. */
enum tc_rc tc_sms_texts_build(const struct tc_cap_alert *a, unsigned max_segments, struct tc_sms_texts *out,
			      struct tc_diags *d);
void tc_sms_texts_release(struct tc_sms_texts *t);
/* The index of the text for language (exact, then the same primary subtag, then the first). */
size_t tc_sms_texts_pick(const struct tc_sms_texts *t, const char *language);

/*
 * The escalation text: how to confirm first ("收到 <code>" or "ACK <code>",
 * docs/sms-replies.md; in the first part of a long SMS), the village, what
 * did not play, then as much of the alert's text as fits max_segments.
 * malloc'ed; NULL when out of memory.
 */
char *tc_sms_escalation_text(const char *language, const char *village, const char *code, const char *alert_text,
			     unsigned max_segments);
/*
 * The relay text (叫应) to a person of region's chain: how to confirm first,
 * within how many minutes, then as much of the alert's text as fits.
 * malloc'ed; NULL when out of memory.
 */
char *tc_sms_relay_text(const char *language, const char *region, const char *code, long minutes,
			const char *alert_text, unsigned max_segments);
/*
 * The duty room's text: the alert's headline and the towns and villages
 * (regions, comma separated) whose chains ran out without a confirmation;
 * no codes, no numbers. Cut to max_segments. malloc'ed; NULL when out of memory.
 */
char *tc_sms_relay_duty_text(const char *language, const char *regions, long n_regions, const char *alert_text,
			     unsigned max_segments);

/* --- export --------------------------------------------------------------------------------- */


#endif
