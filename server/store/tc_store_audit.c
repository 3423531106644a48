/*
 * tc_store_audit.c — the audit trail as a hash chain (tc_store_audit.h).
 *
 * Invariants, kept by every writer of the table:
 *   1. ids run 1, 2, 3, ... without gaps (each row is written with the id after the last one);
 *   2. row N's prev_hash is row N-1's hash ("" for row 1);
 *   3. a row's hash is tc_store_audit_hash() of its fields.
 * The last row is read and the new one inserted in one write transaction, so two connections
 * (two processes) appending at once still keep 1 and 2. tc_store_audit_verify() checks all three.
 */
#include "tc_store_audit.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "tc_store_int.h"

#define AUDIT_TAG "tocsin-audit-1"

/* The columns a row is read with, in the order of read_row(). */
#define AUDIT_COLUMNS \
	"id, at, actor, username, role, source, action, alert_id, object, detail, body_sha256, prev_hash, hash"

/* One netstring item of the encoding: LEN ":" BYTES "," */
static void put_item(crypto_hash_sha256_state *h, const char *bytes, size_t len)
{
	char head[24];
	int n = snprintf(head, sizeof(head), "%zu:", len);
	crypto_hash_sha256_update(h, (const unsigned char *)head, (unsigned long long)n);
	crypto_hash_sha256_update(h, (const unsigned char *)bytes, len);
	crypto_hash_sha256_update(h, (const unsigned char *)",", 1);
}

static void put_text(crypto_hash_sha256_state *h, const char *s)
{
	put_item(h, s ? s : "", s ? strlen(s) : 0);
}

static void put_int(crypto_hash_sha256_state *h, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);
	put_item(h, num, (size_t)n);
}

void tc_store_audit_hash(const struct tc_audit_row *r, char out[TC_AUDIT_HASH_HEX + 1])
{
	crypto_hash_sha256_state h;
	unsigned char digest[crypto_hash_sha256_BYTES];
	const char *const text[] = { r->actor,  r->username, r->role,   r->source,      r->action,
				     r->alert_id, r->object, r->detail, r->body_sha256, r->prev_hash };
	crypto_hash_sha256_init(&h);
	put_text(&h, AUDIT_TAG);
	put_int(&h, r->id);
	put_int(&h, r->at);
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		put_text(&h, text[i]);
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(out, TC_AUDIT_HASH_HEX + 1, digest, sizeof(digest));
}

/*
 * The row q is at, read by the columns of AUDIT_COLUMNS (NULL text as ""). False when a value is
 * not what the store writes (an id or time that is not an integer, text with a NUL byte in it):
 * such a row cannot be hashed faithfully, so it never fits the chain.
 */
static bool read_row(tc_db_stmt *q, struct tc_audit_row *r)
{
	const char **text[] = { &r->actor,  &r->username, &r->role,   &r->source,      &r->action,    &r->alert_id,
				&r->object, &r->detail,   &r->body_sha256, &r->prev_hash, &r->hash };
	bool faithful = tc_db_column_type(q, 0) == TC_DB_INTEGER && tc_db_column_type(q, 1) == TC_DB_INTEGER;
	r->id = tc_db_column_int64(q, 0);
	r->at = tc_db_column_int64(q, 1);
	for (int i = 0; i < (int)(sizeof(text) / sizeof(text[0])); i++) {
		const char *t = (const char *)tc_db_column_text(q, i + 2);
		*text[i] = t ? t : "";
		if (t && strlen(t) != (size_t)tc_db_column_bytes(q, i + 2))
			faithful = false;
	}
	return faithful;
}

/* The id and hash of the last row (0 and "" when there is none). */
static enum tc_rc last_row(struct tc_store *s, int64_t *id, char hash[TC_AUDIT_HASH_HEX + 1])
{
	static const char sql[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*id = 0;
	hash[0] = '\0';
	if (!q)
		return TC_ERR_IO;
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		*id = tc_db_column_int64(q, 0);
		tc_store_text_col(q, 1, hash, TC_AUDIT_HASH_HEX + 1);
	}
	return tc_store_done(q, r == TC_DB_ROW ? TC_DB_DONE : r);
}

/* Insert row r (its hash set) as it is; alert_id and detail "" are kept as NULL, as before schema 8. */
static enum tc_rc insert_row(struct tc_store *s, const struct tc_audit_row *r)
{
	static const char sql[] = "INSERT INTO audit (" AUDIT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const char *const text[] = { r->actor,  r->username, r->role,        r->source,    r->action, r->alert_id,
				     r->object, r->detail,   r->body_sha256, r->prev_hash, r->hash };
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, r->id);
	tc_db_bind_int64(q, 2, r->at);
	for (int i = 0; i < (int)(sizeof(text) / sizeof(text[0])); i++) {
		bool nullable = i == 5 || i == 7; /* alert_id, detail */
		if (!nullable || *text[i])
			tc_db_bind_text(q, i + 3, text[i], -1, TC_DB_STATIC);
	}
	return tc_store_done(q, tc_db_step(q));
}

/* Append r after the last row: its id, prev_hash and hash are filled in here. */
static enum tc_rc append_row(struct tc_store *s, struct tc_audit_row *r)
{
	char prev[TC_AUDIT_HASH_HEX + 1], hash[TC_AUDIT_HASH_HEX + 1];
	bool own = tc_db_autocommit(s->db) != 0;
	enum tc_rc rc = own ? tc_store_begin(s) : TC_OK;
	if (rc)
		return rc;
	rc = last_row(s, &r->id, prev);
	if (!rc) {
		r->id++;
		r->prev_hash = prev;
		tc_store_audit_hash(r, hash);
		r->hash = hash;
		rc = insert_row(s, r);
	}
	if (own) {
		if (!rc)
			rc = tc_store_commit(s);
		if (rc)
			tc_store_rollback(s);
	}
	r->prev_hash = r->hash = NULL; /* they pointed at this frame */
	return rc;
}

enum tc_rc tc_store_audit_by(struct tc_store *s, int64_t now, const struct tc_audit_who *who, const char *actor,
			     const char *action, const char *alert_id, const char *object, const char *detail,
			     const void *body, size_t body_len)
{
	static const struct tc_audit_who nobody = { NULL, NULL, NULL };
	char body_sha[TC_AUDIT_HASH_HEX + 1] = "";
	if (!who)
		who = &nobody;
	if (body && body_len) {
		unsigned char digest[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(digest, body, body_len);
		sodium_bin2hex(body_sha, sizeof(body_sha), digest, sizeof(digest));
	}
	struct tc_audit_row r = {
		.at = now,
		.actor = actor ? actor : "",
		.username = who->user ? who->user : "",
		.role = who->role ? who->role : "",
		.source = who->source ? who->source : "",
		.action = action ? action : "",
		.alert_id = alert_id ? alert_id : "",
		.object = object ? object : "",
		.detail = detail ? detail : "",
		.body_sha256 = body_sha,
	};
	return append_row(s, &r);
}

enum tc_rc tc_store_audit(struct tc_store *s, int64_t now, const char *actor, const char *action,
			  const char *alert_id, const char *detail)
{
	return tc_store_audit_by(s, now, NULL, actor, action, alert_id, NULL, detail, NULL, 0);
}

#define CHAIN_ROUND 64

/*
 * One round of chaining rows written before schema 8: up to CHAIN_ROUND rows after row *after
 * (whose hash is prev) and before row end (the first row that has a hash). Their hashes are worked
 * out while reading and written after (a statement does not update the rows it is still reading).
 * *n receives how many rows were chained; *after and prev move to the last of them.
 */
static enum tc_rc chain_round(struct tc_store *s, int64_t end, int64_t *after, char prev[TC_AUDIT_HASH_HEX + 1],
			      size_t *n)
{
	static const char unchained[] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ? AND id < ? ORDER BY id LIMIT ?";
	static const char chain[] = "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?";
	struct { int64_t id; char prev[TC_AUDIT_HASH_HEX + 1], hash[TC_AUDIT_HASH_HEX + 1]; } row[CHAIN_ROUND];
	tc_db_stmt *q = tc_store_stmt(s, unchained);
	enum tc_rc rc = TC_OK;
	int r = TC_DB_DONE;
	*n = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, *after);
	tc_db_bind_int64(q, 2, end);
	tc_db_bind_int64(q, 3, CHAIN_ROUND);
	while (*n < CHAIN_ROUND && (r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_audit_row it;
		read_row(q, &it);
		snprintf(row[*n].prev, sizeof(row[*n].prev), "%s", prev);
		it.prev_hash = row[*n].prev;
		tc_store_audit_hash(&it, row[*n].hash);
		row[*n].id = *after = it.id;
		snprintf(prev, TC_AUDIT_HASH_HEX + 1, "%s", row[(*n)++].hash);
	}
	rc = tc_store_done(q, r == TC_DB_ROW ? TC_DB_DONE : r);
	for (size_t i = 0; !rc && i < *n; i++) {
		tc_db_stmt *u = tc_store_stmt(s, chain);
		if (!u)
			return TC_ERR_IO;
		tc_db_bind_text(u, 1, row[i].prev, -1, TC_DB_STATIC);
		tc_db_bind_text(u, 2, row[i].hash, -1, TC_DB_STATIC);
		tc_db_bind_int64(u, 3, row[i].id);
		rc = tc_store_done(u, tc_db_step(u));
	}
	return rc;
}

/* Row 1.. before *end have no hash: *end is the first row that has one (or the last row + 1). */
static enum tc_rc unchained_end(struct tc_store *s, int64_t *end)
{
	static const char sql[] = "SELECT coalesce((SELECT min(id) FROM audit WHERE hash != ''),"
				  " (SELECT max(id) FROM audit) + 1, 0)";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	int r = tc_db_step(q);
	*end = r == TC_DB_ROW ? tc_db_column_int64(q, 0) : 0;
	return tc_store_done(q, r == TC_DB_ROW ? TC_DB_DONE : r);
}

/*
 * Rows written before schema 8 have hash "" and come first: when the first row has none, the rows
 * up to the first that has one are chained in id order, in one transaction, and a row of the trail
 * says how many ("store", "chained"), so that chaining is never silent. A row without a hash after
 * one that has a hash is left as it is, for tc_store_audit_verify() to name. Called by
 * tc_store_open() once the schema is current; looks at one row when there is nothing to do.
 */
enum tc_rc tc_store_audit_open(struct tc_store *s, int64_t now, struct tc_diags *d)
{
	static const char first[] = "SELECT hash FROM audit ORDER BY id LIMIT 1";
	char prev[TC_AUDIT_HASH_HEX + 1] = "", detail[96];
	int64_t after = 0, end = 0;
	long total = 0;
	size_t n = 0;
	tc_db_stmt *q = tc_store_stmt(s, first);
	int r;
	if (sodium_init() < 0) {
		tc_err(d, "store.audit", "", "cannot start libsodium, which hashes the audit trail");
		return TC_ERR_INTERNAL;
	}
	if (!q)
		return TC_ERR_IO;
	if ((r = tc_db_step(q)) != TC_DB_ROW || tc_db_column_bytes(q, 0) > 0) /* nothing to chain, or an error */
		return tc_store_done(q, r == TC_DB_ROW ? TC_DB_DONE : r);
	tc_db_reset(q);
	enum tc_rc rc = tc_store_begin(s);
	if (!rc)
		rc = unchained_end(s, &end);
	do {
		if (!rc)
			rc = chain_round(s, end, &after, prev, &n);
		total += (long)n;
	} while (!rc && n == CHAIN_ROUND);
	snprintf(detail, sizeof(detail), "%ld rows written before the audit trail was a chain", total);
	if (!rc && total)
		rc = tc_store_audit(s, now, "store", "chained", NULL, detail);
	if (!rc)
		rc = tc_store_commit(s);
	if (rc) {
		tc_err(d, "store.audit", "", "chaining the audit rows written before schema 8: %s", tc_db_errmsg(s->db));
		tc_store_rollback(s);
	}
	return rc;
}

enum tc_rc tc_store_audit_each(struct tc_store *s, int64_t after_id, size_t limit,
			       void (*fn)(const struct tc_audit_row *r, void *user), void *user)
{
	static const char sql[] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ? ORDER BY id LIMIT ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, after_id);
	tc_db_bind_int64(q, 2, limit ? (int64_t)limit : -1);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_audit_row row;
		read_row(q, &row);
		fn(&row, user);
	}
	return tc_store_done(q, r);
}

struct json_t *tc_store_audit_json(const struct tc_audit_row *r)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id,
			 "at", (json_int_t)r->at, "actor", r->actor, "username", r->username, "role", r->role, "source",
			 r->source, "action", r->action, "alert_id", r->alert_id, "object", r->object, "detail", r->detail,
			 "body_sha256", r->body_sha256, "prev_hash", r->prev_hash, "hash", r->hash);
}

/*
 * Whether row r, read faithfully or not, fits after the rows of c (c->rows of them, the last with
 * hash c->head). When it does not, c->bad_id and c->why say which row and why.
 */
static bool fits(const struct tc_audit_row *r, bool faithful, struct tc_audit_check *c)
{
	char want[TC_AUDIT_HASH_HEX + 1];
	int64_t expected = c->rows + 1;
	c->bad_id = r->id < expected ? r->id : expected;
	if (r->id < expected) { /* only a first row below 1 can be: ids are unique and read in order */
		snprintf(c->why, sizeof(c->why), "its id comes before row 1, where the chain starts");
		return false;
	}
	if (r->id > expected) {
		snprintf(c->why, sizeof(c->why), "row %" PRId64 " is missing", expected);
		return false;
	}
	if (strcmp(r->prev_hash, c->head) != 0) {
		if (expected == 1)
			snprintf(c->why, sizeof(c->why), "its prev_hash is not empty, as the first row's must be");
		else
			snprintf(c->why, sizeof(c->why), "its prev_hash is not the hash of row %" PRId64, expected - 1);
		return false;
	}
	tc_store_audit_hash(r, want);
	if (!faithful || strcmp(r->hash, want) != 0) {
		snprintf(c->why, sizeof(c->why), "its hash does not match its content");
		return false;
	}
	c->bad_id = 0;
	return true;
}

enum tc_rc tc_store_audit_verify(struct tc_store *s, struct tc_audit_check *out)
{
	static const char sql[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY id";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	memset(out, 0, sizeof(*out));
	if (!q)
		return TC_ERR_IO;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_audit_row row;
		bool faithful = read_row(q, &row);
		if (!fits(&row, faithful, out)) {
			r = TC_DB_DONE;
			break;
		}
		out->rows++;
		snprintf(out->head, sizeof(out->head), "%s", row.hash);
	}
	return tc_store_done(q, r);
}

long tc_store_audit_count(struct tc_store *s, const char *alert_id)
{
	static const char all[] = "SELECT count(*) FROM audit";
	static const char of_alert[] = "SELECT count(*) FROM audit WHERE alert_id = ?";
	tc_db_stmt *q = tc_store_stmt(s, alert_id ? of_alert : all);
	long n = -1;
	if (!q)
		return -1;
	if (alert_id)
		tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	if (tc_db_step(q) == TC_DB_ROW)
		n = (long)tc_db_column_int64(q, 0);
	tc_db_reset(q);
	return n;
}

enum tc_rc tc_store_last_run(struct tc_store *s, bool *clean, int64_t *started_at)
{
	static const char sql[] = "SELECT action, at FROM audit WHERE actor = 'system' AND action IN ('start', 'stop')"
				  " ORDER BY id DESC LIMIT 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*clean = true;
	*started_at = 0;
	if (!q)
		return TC_ERR_IO;
	int r = tc_db_step(q);
	if (r == TC_DB_ROW && !strcmp((const char *)tc_db_column_text(q, 0), "start")) {
		*clean = false;
		*started_at = tc_db_column_int64(q, 1);
	}
	return tc_store_done(q, r == TC_DB_ROW ? TC_DB_DONE : r);
}
