/*
 * tc_ingest.h — taking in one CAP alert, whichever way it came (HTTP API,
 * spool folder): check it, refuse it with every reason, or keep it durably
 * and plan it. The same alert twice is answered with the first id. An
 * Update or Cancel that references another sender's alert is refused
 * (ingest.reference-foreign) unless cap_cross_sender_allowed lets it.
 *
 * A person submits within limits (docs/security.md, "Two-person release"):
 * the alert's sender must be one of the user's departments, and every area
 * must stay inside the user's regions (its admin codes, and the receivers
 * its polygons and circles reach); the first area that does not is named.
 * An alert whose status needs approval is kept held (pending-approval) and
 * released by tc_ingest_release once another person approves it: only then
 * is it planned, and only then do its references cancel or supersede.
 */
#ifndef TC_INGEST_H
#define TC_INGEST_H

#include "tc_auth.h"
#include "tc_cap_check.h"
#include "tc_store.h"

struct tc_registry_index;

struct tc_ingest_options {
	enum tc_cap_profile profile;
	bool lenient;
	size_t max_bytes;
	const struct tc_registry_index *index; /* plan from this in-memory index; NULL: from the store */
	/* cap_cross_sender_allowed: "A>B, C>*" lets sender A update or cancel B's alerts, C anyone's; NULL: none */
	const char *cross_sender;
	/* Who submits; NULL: nobody's limits apply (internal callers and tests of other rules). */
	const struct tc_user *user;
	/* approval_required: the CAP statuses whose alerts wait for a second person, e.g. "Actual"; NULL or "": none */
	const char *approval;
	/* The audit log's source of the submission (a client address, "spool"); NULL: "". */
	const char *source_address;
	/*
	 * A check only (the console's "check as you type"): every rule is applied and the alert
	 * planned, but nothing is stored, audited or sent; out->targets and out->held say what a
	 * submission would do, and reached (may be NULL) is told each region code the alert reaches
	 * with how many receivers there, in code order; target (may be NULL) each receiver it reaches.
	 */
	bool dry_run;
	void (*reached)(const char *region, size_t receivers, void *user);
	void (*target)(const char *receiver, void *user);
	void *reached_user;
};

struct tc_ingest_result {
	char id[17];
	bool duplicate;
	size_t targets;
	bool unreadable; /* refused before it could be read as CAP (bad XML, unsafe, not CAP, too large) */
	bool held;       /* kept in pending-approval: nothing is planned or sent until it is approved */
	bool forbidden;  /* refused because the user may not issue it (department, region): HTTP 403 */
};

/*
 * Ingest xml from source (for the audit log: "api", "spool", ...). TC_OK:
 * durable (and planned); TC_ERR_INVALID: refused, d says why; TC_ERR_IO:
 * the store failed and the alert was NOT accepted.
 */
enum tc_rc tc_ingest_alert(struct tc_store *s, const struct tc_ingest_options *o, const char *source, const char *xml,
			   size_t len, int64_t now, struct tc_ingest_result *out, struct tc_diags *d);

/*
 * Release held alert id after its approval (tc_store_approval_decide): plan it and apply its
 * references, as tc_ingest_alert does for an alert that needs no approval. *targets (may be
 * NULL) receives how many receivers it reaches.
 */
enum tc_rc tc_ingest_release(struct tc_store *s, const struct tc_ingest_options *o, const char *id, int64_t now,
			     size_t *targets, struct tc_diags *d);

/* Whether alerts of status (a CAP status name) need approval under the list approval ("Actual Exercise"). */
bool tc_ingest_needs_approval(const char *approval, const char *status);

/* Check an approval_required list: CAP status names, or "none". TC_ERR_INVALID names a bad one. */
enum tc_rc tc_ingest_approval_check(const char *approval, struct tc_diags *d);

/*
 * Check a cap_cross_sender_allowed list: entries SENDER>SENDER or SENDER>*,
 * separated by commas, semicolons or spaces. TC_ERR_INVALID names each bad one.
 */
enum tc_rc tc_ingest_cross_sender_check(const char *list, struct tc_diags *d);

#endif
