/*
 * tc_store_approval.h — alerts held for a second person (two-person release).
 *
 * An alert that needs approval is stored in state pending-approval together
 * with its approval record (author, the regions it reaches, how many
 * receivers, the warnings validation gave, the text people will read), in
 * one transaction: it is durable and visible, and it is never planned while
 * held (tc_plan_resume plans only accepted alerts). Approval moves it to
 * accepted (then the caller plans it); rejection ends it for good. Each
 * decision is one transaction with its alert's state change, so a crash
 * leaves either both or neither.
 */
#ifndef TC_STORE_APPROVAL_H
#define TC_STORE_APPROVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_store.h"

struct tc_approval {
	char alert_id[17];
	char author[64];
	int64_t submitted_at;
	char state[16];      /* pending, approved, rejected (or withdrawn: the alert ended while held) */
	char decided_by[64]; /* "" while pending */
	int64_t decided_at;
	bool urgent;         /* released by its own author on the urgent path */
	long targets;
	int64_t notified_at; /* when approvers were last reminded; 0 never */
	char *reason;        /* "" when none */
	char *regions;       /* region codes it reaches, space-separated */
	char *warnings;      /* JSON array of the validation's warnings */
	char *text;          /* what people will read: headline and description per language */
};
void tc_approval_release(struct tc_approval *a);

/* What is kept with a held alert. */
struct tc_approval_new {
	const char *author, *regions, *warnings, *text;
	long targets;
};

/*
 * Keep alert a held for approval (state pending-approval) with its record, in one transaction.
 * The same alert again is not stored twice: *duplicate set, TC_OK, the first id.
 */
enum tc_rc tc_store_put_held_alert(struct tc_store *s, const struct tc_cap_alert *a, const struct tc_approval_new *n,
				   int64_t now, char id[17], bool *duplicate, struct tc_diags *d);

/* The approval record of an alert; TC_ERR_NOTFOUND when it was never held. Release with tc_approval_release. */
enum tc_rc tc_store_approval_get(struct tc_store *s, const char *alert_id, struct tc_approval *out);

/* Held alerts (state pending), oldest first; the record is valid during the call. */
enum tc_rc tc_store_approval_each_pending(struct tc_store *s, void (*fn)(const struct tc_approval *a, void *user),
					  void *user);

/*
 * Decide a held alert: approve (its state goes to accepted) or reject (rejected), recording who,
 * why and whether on the urgent path; one transaction. TC_ERR_INVALID (nothing written) when
 * the alert is not held any more (approved, rejected, expired, cancelled); TC_ERR_NOTFOUND.
 */
enum tc_rc tc_store_approval_decide(struct tc_store *s, const char *alert_id, bool approve, const char *by,
				    const char *reason, bool urgent, int64_t now);

/* Held alerts submitted at or before `before` and not reminded since `since`: noted reminded at now. */
enum tc_rc tc_store_approval_overdue(struct tc_store *s, int64_t before, int64_t now,
				     void (*fn)(const struct tc_approval *a, void *user), void *user);

#endif
