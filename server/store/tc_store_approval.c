/*
 * tc_store_approval.c — held alerts and their approval records (tc_store_approval.h).
 */
#include "tc_store_approval.h"

#include <stdlib.h>
#include <string.h>

#include "tc_store_int.h"

#define COLUMNS "p.alert_id, p.author, p.submitted_at, p.state, p.decided_by, p.decided_at, p.urgent, p.targets," \
		" p.notified_at, p.reason, p.regions, p.warnings, p.text"

void tc_approval_release(struct tc_approval *a)
{
	free(a->reason);
	free(a->regions);
	free(a->warnings);
	free(a->text);
	a->reason = a->regions = a->warnings = a->text = NULL;
}

static char *text_of(tc_db_stmt *q, int col)
{
	const unsigned char *t = tc_db_column_text(q, col);
	return strdup(t ? (const char *)t : "");
}

static enum tc_rc read_row(tc_db_stmt *q, struct tc_approval *out)
{
	memset(out, 0, sizeof(*out));
	tc_store_text_col(q, 0, out->alert_id, sizeof(out->alert_id));
	tc_store_text_col(q, 1, out->author, sizeof(out->author));
	out->submitted_at = tc_db_column_int64(q, 2);
	tc_store_text_col(q, 3, out->state, sizeof(out->state));
	tc_store_text_col(q, 4, out->decided_by, sizeof(out->decided_by));
	out->decided_at = tc_db_column_int64(q, 5);
	out->urgent = tc_db_column_int(q, 6) != 0;
	out->targets = (long)tc_db_column_int64(q, 7);
	out->notified_at = tc_db_column_int64(q, 8);
	out->reason = text_of(q, 9);
	out->regions = text_of(q, 10);
	out->warnings = text_of(q, 11);
	out->text = text_of(q, 12);
	if (!out->reason || !out->regions || !out->warnings || !out->text) {
		tc_approval_release(out);
		return TC_ERR_NOMEM;
	}
	return TC_OK;
}

enum tc_rc tc_store_put_held_alert(struct tc_store *s, const struct tc_cap_alert *a, const struct tc_approval_new *n,
				   int64_t now, char id[17], bool *duplicate, struct tc_diags *d)
{
	static const char put[] = "INSERT INTO approvals (alert_id, author, submitted_at, regions, targets, warnings, text)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?)";
	if (tc_store_begin(s))
		return TC_ERR_IO;
	enum tc_rc rc = tc_store_put_alert(s, a, now, id, duplicate, d);
	if (!rc && !*duplicate)
		rc = tc_store_set_alert_state(s, id, TC_ALERT_PENDING_APPROVAL, now);
	tc_db_stmt *q = !rc && !*duplicate ? tc_store_stmt(s, put) : NULL;
	if (q) {
		tc_db_bind_text(q, 1, id, -1, TC_DB_TRANSIENT);
		tc_db_bind_text(q, 2, n->author, -1, TC_DB_STATIC);
		tc_db_bind_int64(q, 3, now);
		tc_db_bind_text(q, 4, n->regions ? n->regions : "", -1, TC_DB_STATIC);
		tc_db_bind_int64(q, 5, n->targets);
		tc_db_bind_text(q, 6, n->warnings ? n->warnings : "[]", -1, TC_DB_STATIC);
		tc_db_bind_text(q, 7, n->text ? n->text : "", -1, TC_DB_STATIC);
		rc = tc_store_done(q, tc_db_step(q));
	} else if (!rc && !*duplicate) {
		rc = TC_ERR_IO;
	}
	if (rc || tc_store_commit(s)) {
		tc_store_rollback(s);
		tc_err(d, "store.write", "", "the alert could not be stored for approval");
		return TC_ERR_IO;
	}
	return TC_OK;
}

enum tc_rc tc_store_approval_get(struct tc_store *s, const char *alert_id, struct tc_approval *out)
{
	static const char sql[] = "SELECT " COLUMNS " FROM approvals p WHERE p.alert_id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	memset(out, 0, sizeof(*out));
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	enum tc_rc rc = r == TC_DB_ROW ? read_row(q, out) : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
	tc_db_reset(q);
	return rc;
}

static enum tc_rc each(tc_db_stmt *q, void (*fn)(const struct tc_approval *a, void *user), void *user)
{
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_approval a;
		if (read_row(q, &a)) {
			tc_db_reset(q);
			return TC_ERR_NOMEM;
		}
		fn(&a, user);
		tc_approval_release(&a);
	}
	return tc_store_done(q, r);
}

enum tc_rc tc_store_approval_each_pending(struct tc_store *s, void (*fn)(const struct tc_approval *a, void *user),
					  void *user)
{
	/* an alert that expired or was cancelled while held is not waiting any more */
	static const char sql[] = "SELECT " COLUMNS " FROM approvals p JOIN alerts a ON a.id = p.alert_id"
				  " WHERE p.state = 'pending' AND a.state = alert_state('pending-approval')"
				  " ORDER BY submitted_at, alert_id";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	return q ? each(q, fn, user) : TC_ERR_IO;
}

enum tc_rc tc_store_approval_decide(struct tc_store *s, const char *alert_id, bool approve, const char *by,
				    const char *reason, bool urgent, int64_t now)
{
	static const char sql[] = "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, reason = ?, urgent = ?"
				  " WHERE alert_id = ? AND state = 'pending'";
	struct tc_alert_step step;
	if (tc_store_begin(s))
		return TC_ERR_IO;
	enum tc_rc rc = tc_store_alert_event(s, alert_id, approve ? TC_AEV_APPROVE : TC_AEV_REJECT, now, &step, NULL);
	if (!rc && !step.changed)
		rc = TC_ERR_INVALID; /* rejected twice: nothing to decide */
	tc_db_stmt *q = rc ? NULL : tc_store_stmt(s, sql);
	if (q) {
		tc_db_bind_text(q, 1, approve ? "approved" : "rejected", -1, TC_DB_STATIC);
		tc_db_bind_text(q, 2, by, -1, TC_DB_STATIC);
		tc_db_bind_int64(q, 3, now);
		tc_db_bind_text(q, 4, reason ? reason : "", -1, TC_DB_STATIC);
		tc_db_bind_int(q, 5, urgent);
		tc_db_bind_text(q, 6, alert_id, -1, TC_DB_STATIC);
		rc = tc_store_done(q, tc_db_step(q));
		if (!rc && tc_db_changes(s->db) != 1)
			rc = TC_ERR_INVALID;
	} else if (!rc) {
		rc = TC_ERR_IO;
	}
	if (rc || tc_store_commit(s)) {
		tc_store_rollback(s);
		return rc ? rc : TC_ERR_IO;
	}
	return TC_OK;
}

enum tc_rc tc_store_approval_overdue(struct tc_store *s, int64_t before, int64_t now,
				     void (*fn)(const struct tc_approval *a, void *user), void *user)
{
	static const char sql[] = "SELECT " COLUMNS " FROM approvals p JOIN alerts a ON a.id = p.alert_id"
				  " WHERE p.state = 'pending' AND a.state = alert_state('pending-approval')"
				  " AND p.submitted_at <= ? AND p.notified_at <= p.submitted_at ORDER BY submitted_at";
	static const char mark[] = "UPDATE approvals SET notified_at = ? WHERE alert_id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, before);
	char ids[32][17];
	size_t n = 0;
	int r;
	while (n < 32 && (r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_approval a;
		if (read_row(q, &a)) {
			tc_db_reset(q);
			return TC_ERR_NOMEM;
		}
		fn(&a, user);
		memcpy(ids[n++], a.alert_id, sizeof(ids[0]));
		tc_approval_release(&a);
	}
	tc_db_reset(q);
	for (size_t i = 0; i < n; i++) {
		tc_db_stmt *w = tc_store_stmt(s, mark);
		if (!w)
			return TC_ERR_IO;
		tc_db_bind_int64(w, 1, now);
		tc_db_bind_text(w, 2, ids[i], -1, TC_DB_TRANSIENT);
		if (tc_store_done(w, tc_db_step(w)))
			return TC_ERR_IO;
	}
	return TC_OK;
}
