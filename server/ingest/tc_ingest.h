/*
 * tc_ingest.h — taking in one CAP alert, whichever way it came (HTTP API,
 * spool folder): check it, refuse it with every reason, or keep it durably
 * and plan it. The same alert twice is answered with the first id. An
 * Update or Cancel that references another sender's alert is refused
 * (ingest.reference-foreign) unless cap_cross_sender_allowed lets it.
 */
#ifndef TC_INGEST_H
#define TC_INGEST_H

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
};

struct tc_ingest_result {
	char id[17];
	bool duplicate;
	size_t targets;
	bool unreadable; /* refused before it could be read as CAP (bad XML, unsafe, not CAP, too large) */
};

/*
 * Ingest xml from source (for the audit log: "api", "spool", ...). TC_OK:
 * durable (and planned); TC_ERR_INVALID: refused, d says why; TC_ERR_IO:
 * the store failed and the alert was NOT accepted.
 */
enum tc_rc tc_ingest_alert(struct tc_store *s, const struct tc_ingest_options *o, const char *source, const char *xml,
			   size_t len, int64_t now, struct tc_ingest_result *out, struct tc_diags *d);

/*
 * Check a cap_cross_sender_allowed list: entries SENDER>SENDER or SENDER>*,
 * separated by commas, semicolons or spaces. TC_ERR_INVALID names each bad one.
 */
enum tc_rc tc_ingest_cross_sender_check(const char *list, struct tc_diags *d);

#endif
