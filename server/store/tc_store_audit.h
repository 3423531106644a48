/*
 * tc_store_audit.h — the audit trail: one row per action, each row holding
 * the hash of the row before it, so that a row changed or deleted afterwards
 * shows when the chain is walked (`tocsin audit verify`, docs/security.md
 * "The audit trail").
 *
 * A row holds: id (1, 2, 3, ... without gaps), at (unix seconds), actor (the
 * component that wrote it: api, ingest, dispatch, system, ...), username,
 * role and source (the staff member, their role and their client address;
 * "" for the server's own actions), action, alert_id, object (what else the
 * action was done to: a user, a receiver, a key), detail, body_sha256 (the
 * SHA-256 of the request body as 64 lowercase hex digits, "" when there was
 * none), prev_hash (the hash of row id - 1; "" for row 1) and hash.
 *
 * The hash of a row is the SHA-256, as 64 lowercase hex digits, of this
 * encoding of its fields:
 *
 *   "tocsin-audit-1" id at actor username role source action alert_id
 *   object detail body_sha256 prev_hash
 *
 * each of those 13 items written as a netstring: its length in bytes in
 * decimal ASCII (no sign, no leading zeros), ":", its bytes, ",". id and at
 * are written in decimal ASCII (as printf's %lld writes them); text is
 * written as stored (UTF-8, without a terminating NUL); a missing
 * alert_id or detail (NULL) is the empty string. So row 1 with at 1700000000,
 * actor "system", action "start", detail "127.0.0.1:8080" and every other
 * field empty is encoded as
 *
 *   14:tocsin-audit-1,1:1,10:1700000000,6:system,0:,0:,0:,5:start,0:,0:,
 *   14:127.0.0.1:8080,0:,0:,
 *
 * (one line, without the line break). The length before each item makes the
 * encoding unambiguous: no two different rows have the same bytes.
 *
 * Appending reads the last row's hash and inserts the new row in one write
 * transaction, so two processes writing the same database (tocsind and
 * `tocsin user ...`) keep one chain. Rows written before schema 8 (hash "")
 * are chained when the store is opened, in id order.
 */
#ifndef TC_STORE_AUDIT_H
#define TC_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

#define TC_AUDIT_HASH_HEX 64

/* Who acted: NULL fields, and a NULL struct, are "". */
struct tc_audit_who {
	const char *user, *role, *source;
};

/*
 * Append a row: who (may be NULL) did action (as component actor) to alert_id and object (each may
 * be NULL), with detail (may be NULL) and the request body (body_len bytes at body; NULL or 0 bytes:
 * none, body_sha256 ""). Inside the caller's transaction when there is one (its rollback takes the
 * row too), else in a write transaction of its own. TC_ERR_IO when the store cannot be written.
 */
enum tc_rc tc_store_audit_by(struct tc_store *s, int64_t now, const struct tc_audit_who *who, const char *actor,
			     const char *action, const char *alert_id, const char *object, const char *detail,
			     const void *body, size_t body_len);

/* One row as stored; the strings are never NULL ("" for none) and valid during the callback only. */
struct tc_audit_row {
	int64_t id, at;
	const char *actor, *username, *role, *source, *action, *alert_id, *object, *detail, *body_sha256,
		*prev_hash, *hash;
};

/* The hash a row should have (the encoding above), from all its fields but hash. */
void tc_store_audit_hash(const struct tc_audit_row *r, char out[TC_AUDIT_HASH_HEX + 1]);

/*
 * Rows with an id above after_id, in id order, at most limit (0: all), each given to fn. TC_OK,
 * or TC_ERR_IO when the store cannot be read.
 */
enum tc_rc tc_store_audit_each(struct tc_store *s, int64_t after_id, size_t limit,
			       void (*fn)(const struct tc_audit_row *r, void *user), void *user);

/*
 * A row as a JSON object with every field (those of tc_audit_row, by the same names), for the
 * export and the API. New reference (the caller json_decref()s it); NULL when out of memory, or
 * when a field is not UTF-8 (JSON cannot carry it; the store writes none such).
 */
struct json_t *tc_store_audit_json(const struct tc_audit_row *r);

/* What walking the chain found. */
struct tc_audit_check {
	long rows;                        /* rows that fit, from row 1 up to the first that does not */
	int64_t bad_id;                   /* the first row that does not fit; 0 when the chain holds */
	char why[96];                     /* why it does not ("" when it holds) */
	char head[TC_AUDIT_HASH_HEX + 1]; /* the hash of the last row that fits; "" when none does */
};

/*
 * Walk the chain from row 1 in id order (one consistent snapshot): each row's id follows the one
 * before it ("row N is missing"), its prev_hash is the hash of the row before it ("its prev_hash is
 * not the hash of row N") and its hash is that of its content ("its hash does not match its
 * content"). TC_OK when the walk was done, whether the chain holds or not (out says which);
 * TC_ERR_IO when the store cannot be read.
 *
 * Deleting the last rows, or rewriting every row from some row on, leaves a chain that holds: compare
 * out->head with a head hash kept elsewhere to see that.
 */
enum tc_rc tc_store_audit_verify(struct tc_store *s, struct tc_audit_check *out);

#endif
