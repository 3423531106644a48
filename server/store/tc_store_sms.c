/*
 * tc_store_sms.c — the SMS channel's tables (tc_store_sms.h). Every
 * statement is prepared once (tc_store_stmt); queries whose callbacks run
 * other statements gather their rows first.
 */
#include "tc_store_sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_store_int.h"
#include "tc_vec.h"


#define MSG_COLUMNS "m.id, m.alert_id, m.phone, m.purpose, m.name, m.role, m.region, m.language, m.batch, m.code," \
		    " m.text, m.parts, m.state, m.due_at, m.confirmed_at"
#define MSG_N 15
/* Alert states (tc_alert_life.h), by name, of alerts whose SMS still go out: planned and not ended. */
#define LIVE_ALERTS "(alert_state('planned'), alert_state('dispatching'), alert_state('done'))"

/* A row read from MSG_COLUMNS at col 0; text points into the statement (copy it before the next step). */
static void read_msg(tc_db_stmt *q, struct tc_sms_row *r)
{
	r->id = tc_db_column_int64(q, 0);
	tc_store_text_col(q, 1, r->alert_id, sizeof(r->alert_id));
	tc_store_text_col(q, 2, r->phone, sizeof(r->phone));
	tc_store_text_col(q, 3, r->purpose, sizeof(r->purpose));
	tc_store_text_col(q, 4, r->name, sizeof(r->name));
	tc_store_text_col(q, 5, r->role, sizeof(r->role));
	tc_store_text_col(q, 6, r->region, sizeof(r->region));
	tc_store_text_col(q, 7, r->language, sizeof(r->language));
	r->batch = (long)tc_db_column_int64(q, 8);
	tc_store_text_col(q, 9, r->code, sizeof(r->code));
	r->text = (const char *)tc_db_column_text(q, 10);
	r->parts = (long)tc_db_column_int64(q, 11);
	tc_store_text_col(q, 12, r->state, sizeof(r->state));
	r->due_at = tc_db_column_int64(q, 13);
	r->confirmed_at = tc_db_column_int64(q, 14);
	r->reply = NULL;
}

/* Rows of a query gathered (texts copied), then handed to fn: fn may run other statements. */
struct gathered_row {
	struct tc_sms_row msg; /* msg.text is text */
	char *text;            /* malloc'ed */
	long extra;
};

struct gathered {
	struct tc_vec v; /* struct gathered_row */
};

#define GATHERED { .v = TC_VEC_OF(struct gathered_row) }

static struct gathered_row *gathered_at(const struct gathered *g, size_t i)
{
	return tc_vec_at(&g->v, i);
}

static enum tc_rc gather(tc_db_stmt *q, size_t limit, struct gathered *g, int extra_col)
{
	enum tc_rc rc = TC_OK;
	int r = TC_DB_DONE;
	while (!rc && (!limit || g->v.n < limit) && (r = tc_db_step(q)) == TC_DB_ROW) {
		struct gathered_row *row = tc_vec_push(&g->v);
		if (!row) {
			rc = TC_ERR_NOMEM;
			break;
		}
		read_msg(q, &row->msg);
		row->text = strdup(row->msg.text ? row->msg.text : "");
		row->msg.text = row->text;
		row->extra = extra_col >= 0 ? (long)tc_db_column_int64(q, extra_col) : 0;
		if (!row->text)
			rc = TC_ERR_NOMEM;
	}
	if (!rc && r != TC_DB_ROW && r != TC_DB_DONE)
		rc = TC_ERR_IO;
	tc_db_reset(q);
	return rc;
}

static void gathered_release(struct gathered *g)
{
	for (size_t i = 0; i < g->v.n; i++)
		free(gathered_at(g, i)->text);
	tc_vec_free(&g->v);
}

enum tc_rc tc_store_sms_add(struct tc_store *s, const struct tc_sms_row *r, int64_t now, bool *added, int64_t *id)
{
	static const char ins[] = "INSERT OR IGNORE INTO sms_messages (alert_id, phone, purpose, name, role, region, language,"
				  " batch, code, text, parts, created_at, updated_at, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char part[] = "INSERT OR IGNORE INTO sms_parts (message_id, seq) VALUES (?, ?)";
	tc_db_stmt *q = tc_store_stmt(s, ins);
	*added = false;
	if (!q)
		return TC_ERR_IO;
	const char *t[] = { r->alert_id, r->phone, r->purpose, r->name, r->role, r->region, r->language };
	for (int i = 0; i < 7; i++)
		tc_db_bind_text(q, i + 1, t[i], -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 8, r->batch);
	tc_db_bind_text(q, 9, r->code, -1, TC_DB_STATIC);
	tc_db_bind_text(q, 10, r->text ? r->text : "", -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 11, r->parts);
	tc_db_bind_int64(q, 12, now);
	tc_db_bind_int64(q, 13, now);
	tc_db_bind_text(q, 14, r->subject, -1, TC_DB_STATIC);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (rc || !tc_db_changes(s->db))
		return rc;
	int64_t mid = tc_db_last_insert_rowid(s->db);
	*added = true;
	if (id)
		*id = mid;
	for (long k = 0; !rc && k < r->parts; k++) {
		tc_db_stmt *p = tc_store_stmt(s, part);
		if (!p)
			return TC_ERR_IO;
		tc_db_bind_int64(p, 1, mid);
		tc_db_bind_int64(p, 2, k);
		rc = tc_store_done(p, tc_db_step(p));
	}
	return rc;
}

enum tc_rc tc_store_sms_set_code(struct tc_store *s, int64_t id, const char *code)
{
	static const char sql[] = "UPDATE sms_messages SET code = ? WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, code, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, id);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_mark_sent(struct tc_store *s, int64_t id, int64_t now)
{
	static const char sql[] = "UPDATE sms_messages SET sent_at = ? WHERE id = ? AND sent_at = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, id);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_alerts_to_build(struct tc_store *s, int64_t now, void (*fn)(const char *id, void *user),
					void *user)
{
	/* Received in the last 6 hours: turning the SMS channel on does not text people about old alerts. */
	static const char sql[] = "SELECT a.id FROM alerts a WHERE a.state IN " LIVE_ALERTS
				  " AND (a.expires_at = 0 OR a.expires_at > ?1)"
				  " AND a.received_at >= ?1 - 21600 AND NOT EXISTS (SELECT 1 FROM sms_alerts x WHERE x.alert_id = a.id)"
				  " ORDER BY a.priority DESC, a.received_at LIMIT 64";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	char ids[64][17];
	size_t n = 0;
	int r;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	while (n < 64 && (r = tc_db_step(q)) == TC_DB_ROW)
		tc_store_text_col(q, 0, ids[n++], 17);
	tc_db_reset(q);
	for (size_t i = 0; i < n; i++)
		fn(ids[i], user);
	return TC_OK;
}

enum tc_rc tc_store_sms_mark_built(struct tc_store *s, const char *alert_id, long recipients, int64_t now)
{
	static const char sql[] = "INSERT INTO sms_alerts (alert_id, at, recipients) VALUES (?, ?, ?)"
				  " ON CONFLICT (alert_id) DO UPDATE SET at = excluded.at, recipients = excluded.recipients";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, now);
	tc_db_bind_int64(q, 3, recipients);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_escalations(struct tc_store *s, int64_t now, size_t limit,
				    void (*fn)(const struct tc_sms_escalation *e, void *user), void *user)
{
	static const char sql[] = "SELECT e.id, e.alert_id, e.target, e.region FROM escalations e JOIN alerts a ON a.id = e.alert_id"
				  " WHERE e.handled = 0 AND a.state IN " LIVE_ALERTS " AND (a.expires_at = 0 OR a.expires_at > ?)"
				  " ORDER BY e.id LIMIT ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, (int64_t)limit);
	struct tc_sms_escalation *v = calloc(limit ? limit : 1, sizeof(*v));
	size_t n = 0;
	if (!v) {
		tc_db_reset(q);
		return TC_ERR_NOMEM;
	}
	while (n < limit && tc_db_step(q) == TC_DB_ROW) {
		v[n].id = tc_db_column_int64(q, 0);
		tc_store_text_col(q, 1, v[n].alert_id, sizeof(v[n].alert_id));
		tc_store_text_col(q, 2, v[n].target, sizeof(v[n].target));
		tc_store_text_col(q, 3, v[n].region, sizeof(v[n].region));
		n++;
	}
	tc_db_reset(q);
	for (size_t i = 0; i < n; i++)
		fn(&v[i], user);
	free(v);
	return TC_OK;
}

enum tc_rc tc_store_sms_escalation_handled(struct tc_store *s, int64_t id)
{
	static const char sql[] = "UPDATE escalations SET handled = 1 WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, id);
	return tc_store_done(q, tc_db_step(q));
}

/* The class of message m in SQL, as tc_sms_class_of says (the same on both engines). */
#define SMS_CLASS                                                                                          \
	"(CASE m.purpose WHEN 'escalation' THEN 0 WHEN 'relay' THEN 1 WHEN 'relay-duty' THEN 1"            \
	" WHEN 'approval' THEN 1 WHEN 'policy' THEN 2 ELSE 3 END)"

const char *tc_sms_class_name(enum tc_sms_class c)
{
	static const char *const names[] = { "escalation", "relay", "policy", "maintenance" };
	return (unsigned)c < TC_SMS_N_CLASSES ? names[c] : "?";
}

enum tc_sms_class tc_sms_class_of(const char *purpose)
{
	static const struct {
		const char *purpose;
		enum tc_sms_class c;
	} classes[] = {
		{ "escalation", TC_SMS_CLASS_ESCALATION }, { "relay", TC_SMS_CLASS_RELAY },
		{ "relay-duty", TC_SMS_CLASS_RELAY },      { "approval", TC_SMS_CLASS_RELAY },
		{ "policy", TC_SMS_CLASS_POLICY },
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(purpose, classes[i].purpose))
			return classes[i].c;
	return TC_SMS_CLASS_MAINTENANCE;
}

enum tc_rc tc_store_sms_queued(struct tc_store *s, const char *alert_id, long n[TC_SMS_N_CLASSES])
{
	static const char sql[] = "SELECT " SMS_CLASS ", count(*) FROM sms_parts p JOIN sms_messages m ON m.id = p.message_id"
				  " WHERE p.state = 'queued' AND m.state = 'queued' AND (?1 = '' OR m.alert_id = ?1)"
				  " GROUP BY 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	memset(n, 0, TC_SMS_N_CLASSES * sizeof(long));
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id ? alert_id : "", -1, TC_DB_STATIC);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		int64_t c = tc_db_column_int64(q, 0);
		if (c >= 0 && c < TC_SMS_N_CLASSES)
			n[c] = (long)tc_db_column_int64(q, 1);
	}
	return tc_store_done(q, r);
}

/* Parts of one message taken in one scan, handed over with its row (tc_store_sms_take_parts). */
struct taken {
	struct tc_store *s;
	const long *seqs;
	size_t n;
	void (*fn)(const struct tc_sms_part *p, void *user);
	void *user;
	enum tc_rc rc;
};

static void hand_over(const struct tc_sms_row *r, void *user)
{
	struct taken *t = user;
	for (size_t i = 0; !t->rc && i < t->n; i++) {
		struct tc_sms_part p = { *r, t->seqs[i] };
		t->rc = tc_store_sms_part_set(t->s, r->id, p.seq, "sending", NULL);
		if (!t->rc)
			t->fn(&p, t->user);
	}
}

enum tc_rc tc_store_sms_take_parts(struct tc_store *s, size_t scan, tc_sms_pick_fn pick,
				   void (*fn)(const struct tc_sms_part *p, void *user), void *user)
{
	/*
	 * Parts of alerts cancelled, superseded or expired since they were
	 * queued stay queued, as do the rest of a message already refused.
	 * A maintenance contact's SMS goes whatever became of its alert (it
	 * may have none). The scan reads no text: only what pick needs.
	 */
	static const char sql[] = "SELECT p.message_id, p.seq, m.phone FROM sms_parts p JOIN sms_messages m ON m.id = p.message_id"
				  " LEFT JOIN alerts a ON a.id = m.alert_id WHERE p.state = 'queued' AND m.state = 'queued'"
				  " AND (a.state IN " LIVE_ALERTS
				  "  OR (m.purpose = 'approval' AND a.state = alert_state('pending-approval'))"
				  "  OR m.purpose = 'maintenance')"
				  " ORDER BY " SMS_CLASS ", p.message_id, p.seq LIMIT ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	struct tc_vec ids = TC_VEC_OF(int64_t), seqs = TC_VEC_OF(long);
	enum tc_rc rc = TC_OK;
	int r = TC_DB_DONE;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, (int64_t)scan);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		const char *phone = (const char *)tc_db_column_text(q, 2);
		enum tc_sms_pick k = pick(phone ? phone : "", user);
		if (k == TC_SMS_PICK_ENOUGH)
			break;
		if (k == TC_SMS_PICK_SKIP)
			continue;
		int64_t *id = tc_vec_push(&ids);
		long *seq = tc_vec_push(&seqs);
		if (!id || !seq) {
			rc = TC_ERR_NOMEM;
			break;
		}
		*id = tc_db_column_int64(q, 0);
		*seq = (long)tc_db_column_int64(q, 1);
	}
	if (!rc && r != TC_DB_ROW && r != TC_DB_DONE)
		rc = TC_ERR_IO;
	tc_db_reset(q);
	/* each message's run of parts with its row, read once */
	for (size_t i = 0, j; !rc && i < ids.n; i = j) {
		int64_t id = *(int64_t *)tc_vec_at(&ids, i);
		for (j = i + 1; j < ids.n && *(int64_t *)tc_vec_at(&ids, j) == id;)
			j++;
		struct taken t = { s, tc_vec_at(&seqs, i), j - i, fn, user, TC_OK };
		rc = tc_store_sms_get(s, id, hand_over, &t);
		if (!rc)
			rc = t.rc;
	}
	tc_vec_free(&ids);
	tc_vec_free(&seqs);
	return rc;
}

enum tc_rc tc_store_sms_requeue(struct tc_store *s, long *n)
{
	static const char sql[] = "UPDATE sms_parts SET state = 'queued' WHERE state = 'sending'";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	*n = rc ? 0 : (long)tc_db_changes(s->db);
	return rc;
}

enum tc_rc tc_store_sms_part_queued(struct tc_store *s, int64_t message_id, long seq)
{
	return tc_store_sms_part_set(s, message_id, seq, "queued", NULL);
}

enum tc_rc tc_store_sms_part_set(struct tc_store *s, int64_t message_id, long seq, const char *state,
				 const char *smsc_id)
{
	static const char sql[] = "UPDATE sms_parts SET state = ?, smsc_id = coalesce(?, smsc_id) WHERE message_id = ? AND seq = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, state, -1, TC_DB_STATIC);
	if (smsc_id && *smsc_id)
		tc_db_bind_text(q, 2, smsc_id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 3, message_id);
	tc_db_bind_int64(q, 4, seq);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_part_submitted(struct tc_store *s, int64_t message_id, long seq, const char *smsc_id)
{
	static const char sql[] = "UPDATE sms_parts SET state = 'submitted', smsc_id = ?"
				  " WHERE message_id = ? AND seq = ? AND state IN ('queued', 'sending')";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, smsc_id, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, message_id);
	tc_db_bind_int64(q, 3, seq);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	return rc ? rc : tc_db_changes(s->db) ? TC_OK : TC_ERR_NOTFOUND;
}

enum tc_rc tc_store_sms_part_find(struct tc_store *s, const char *smsc_id, int64_t *message_id, long *seq)
{
	static const char sql[] = "SELECT message_id, seq FROM sms_parts WHERE smsc_id = ? ORDER BY message_id DESC LIMIT 1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, smsc_id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		*message_id = tc_db_column_int64(q, 0);
		*seq = (long)tc_db_column_int64(q, 1);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

long tc_store_sms_parts_in(struct tc_store *s, int64_t message_id, const char *state)
{
	static const char sql[] = "SELECT count(*) FROM sms_parts WHERE message_id = ? AND state = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	long n = -1;
	if (!q)
		return -1;
	tc_db_bind_int64(q, 1, message_id);
	tc_db_bind_text(q, 2, state, -1, TC_DB_STATIC);
	if (tc_db_step(q) == TC_DB_ROW)
		n = (long)tc_db_column_int64(q, 0);
	tc_db_reset(q);
	return n;
}

enum tc_rc tc_store_sms_get(struct tc_store *s, int64_t id, tc_sms_row_fn fn, void *user)
{
	static const char sql[] = "SELECT " MSG_COLUMNS " FROM sms_messages m WHERE m.id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	struct gathered g = GATHERED;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, id);
	enum tc_rc rc = gather(q, 1, &g, -1);
	if (!rc && !g.v.n)
		rc = TC_ERR_NOTFOUND;
	if (!rc)
		fn(&gathered_at(&g, 0)->msg, user);
	gathered_release(&g);
	return rc;
}

enum tc_rc tc_store_sms_set_state(struct tc_store *s, int64_t id, const char *state, int64_t due_at, int64_t now)
{
	static const char sql[] = "UPDATE sms_messages SET state = ?, due_at = ?, updated_at = ? WHERE id = ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, state, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, due_at);
	tc_db_bind_int64(q, 3, now);
	tc_db_bind_int64(q, 4, id);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_overdue(struct tc_store *s, int64_t now, size_t limit, tc_sms_row_fn fn, void *user)
{
	static const char sql[] = "SELECT " MSG_COLUMNS " FROM sms_messages m WHERE m.state = 'submitted'"
				  " AND m.due_at > 0 AND m.due_at <= ? ORDER BY m.due_at LIMIT ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	struct gathered g = GATHERED;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_int64(q, 2, (int64_t)limit);
	enum tc_rc rc = gather(q, limit, &g, -1);
	for (size_t i = 0; !rc && i < g.v.n; i++)
		fn(&gathered_at(&g, i)->msg, user);
	gathered_release(&g);
	return rc;
}

enum tc_rc tc_store_sms_reply_target(struct tc_store *s, const char *phone, const char *code, int64_t since,
				     int64_t *id, int64_t *sent_at)
{
	static const char by_code[] = "SELECT id, sent_at FROM sms_messages WHERE phone = ? AND code = ? AND code <> ''"
				      " ORDER BY id DESC LIMIT 1";
	static const char latest[] = "SELECT id, sent_at FROM sms_messages WHERE phone = ? AND sent_at > 0 AND sent_at >= ?"
				     " AND purpose <> 'maintenance'"
				     " ORDER BY purpose IN ('escalation', 'relay') DESC, id DESC LIMIT 1";
	tc_db_stmt *q = tc_store_stmt(s, code ? by_code : latest);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, phone, -1, TC_DB_STATIC);
	if (code)
		tc_db_bind_text(q, 2, code, -1, TC_DB_STATIC);
	else
		tc_db_bind_int64(q, 2, since);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		*id = tc_db_column_int64(q, 0);
		*sent_at = tc_db_column_int64(q, 1);
	}
	tc_db_reset(q);
	return r == TC_DB_ROW ? TC_OK : r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

enum tc_rc tc_store_sms_wrong_reply(struct tc_store *s, const char *phone, int64_t since, long *most)
{
	static const char sql[] = "UPDATE sms_messages SET wrong_replies = wrong_replies + 1"
				  " WHERE phone = ? AND max(created_at, sent_at) >= ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*most = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, phone, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, since);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (!rc)
		*most = tc_store_sms_wrong_replies(s, phone, since);
	return rc;
}

long tc_store_sms_wrong_replies(struct tc_store *s, const char *phone, int64_t since)
{
	static const char sql[] = "SELECT coalesce(max(wrong_replies), 0) FROM sms_messages"
				  " WHERE phone = ? AND max(created_at, sent_at) >= ?";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	long n = 0;
	if (!q)
		return 0;
	tc_db_bind_text(q, 1, phone, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 2, since);
	if (tc_db_step(q) == TC_DB_ROW)
		n = (long)tc_db_column_int64(q, 0);
	tc_db_reset(q);
	return n;
}

enum tc_rc tc_store_sms_confirm(struct tc_store *s, int64_t id, const char *reply, int64_t now)
{
	static const char sql[] = "UPDATE sms_messages SET confirmed_at = ?, reply = ?, updated_at = ?"
				  " WHERE id = ? AND confirmed_at = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	tc_db_bind_text(q, 2, reply, -1, TC_DB_STATIC);
	tc_db_bind_int64(q, 3, now);
	tc_db_bind_int64(q, 4, id);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_store_sms_counts(struct tc_store *s, const char *alert_id, long counts[TC_STORE_SMS_N_STATES],
			       long *total, long *confirmed)
{
	static const char *const names[] = { TC_STORE_SMS_STATES };
	static const char sql[] = "SELECT state, count(*), sum(CASE WHEN confirmed_at > 0 THEN 1 ELSE 0 END) FROM sms_messages WHERE alert_id = ? GROUP BY state";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	memset(counts, 0, TC_STORE_SMS_N_STATES * sizeof(long));
	*total = *confirmed = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		const char *st = (const char *)tc_db_column_text(q, 0);
		long n = (long)tc_db_column_int64(q, 1);
		for (int i = 0; i < TC_STORE_SMS_N_STATES; i++)
			if (st && !strcmp(st, names[i]))
				counts[i] = n;
		*total += n;
		*confirmed += (long)tc_db_column_int64(q, 2);
	}
	return tc_store_done(q, r);
}

enum tc_rc tc_store_sms_each(struct tc_store *s, const char *alert_id, tc_sms_row_fn fn, void *user)
{
	tc_db_stmt *q = NULL;
	/* Not cached: fn may write (an export streams), and the rows may be many. */
	if (tc_db_prepare(s->db, "SELECT " MSG_COLUMNS " FROM sms_messages m WHERE m.alert_id = ? ORDER BY m.batch, m.id", &q) != TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_sms_row row;
		read_msg(q, &row);
		fn(&row, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

/* The recursive step listing, from (key, p), every shorter prefix of p with the same key. */
#define REGION_PREFIXES "SELECT key, substr(p, 1, length(p) - 1) FROM pre WHERE length(p) > 1"

enum tc_rc tc_store_sms_each_village(struct tc_store *s, const char *alert_id,
				     void (*fn)(const struct tc_sms_village *v, void *user), void *user)
{
	tc_db_stmt *q = NULL;
	/* an officer's region is a prefix of the village's: each village's prefixes (REGION_PREFIXES), matched
	 * by equality against the alert's escalation SMS, once, then each village with its officers */
	static const char sql[] =
		"WITH RECURSIVE v AS (SELECT region, group_concat(target, ',') AS receivers, count(*) AS n FROM"
		"  (SELECT region, target FROM escalations WHERE alert_id = ?1 ORDER BY target) AS e GROUP BY region),"
		" pre (key, p) AS (SELECT region, region FROM v UNION " REGION_PREFIXES "),"
		" m AS MATERIALIZED (SELECT pre.key, s.* FROM pre JOIN sms_messages s ON s.alert_id = ?1"
		"  AND s.purpose = 'escalation' AND s.region <> '' AND s.region = pre.p)"
		" SELECT v.region, v.receivers, v.n, " MSG_COLUMNS ", m.reply FROM v LEFT JOIN m ON m.key = v.region"
		" ORDER BY v.region, m.phone";
	if (tc_db_prepare(s->db, sql, &q) != TC_DB_OK)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		struct tc_sms_row row;
		struct tc_sms_village v = { (const char *)tc_db_column_text(q, 0), (const char *)tc_db_column_text(q, 1),
					    (long)tc_db_column_int64(q, 2), NULL };
		if (tc_db_column_type(q, 3) != TC_DB_NULL) {
			/* the message columns start at 3 */
			row.id = tc_db_column_int64(q, 3);
			tc_store_text_col(q, 4, row.alert_id, sizeof(row.alert_id));
			tc_store_text_col(q, 5, row.phone, sizeof(row.phone));
			tc_store_text_col(q, 6, row.purpose, sizeof(row.purpose));
			tc_store_text_col(q, 7, row.name, sizeof(row.name));
			tc_store_text_col(q, 8, row.role, sizeof(row.role));
			tc_store_text_col(q, 9, row.region, sizeof(row.region));
			tc_store_text_col(q, 10, row.language, sizeof(row.language));
			row.batch = (long)tc_db_column_int64(q, 11);
			tc_store_text_col(q, 12, row.code, sizeof(row.code));
			row.text = (const char *)tc_db_column_text(q, 13);
			row.parts = (long)tc_db_column_int64(q, 14);
			tc_store_text_col(q, 15, row.state, sizeof(row.state));
			row.due_at = tc_db_column_int64(q, 16);
			row.confirmed_at = tc_db_column_int64(q, 17);
			row.reply = (const char *)tc_db_column_text(q, 18);
			v.officer = &row;
		}
		fn(&v, user);
	}
	tc_db_finalize(q);
	return r == TC_DB_DONE ? TC_OK : TC_ERR_IO;
}

enum tc_rc tc_store_sms_coverage(struct tc_store *s, const char *alert_id, long *targets, long *covered)
{
	/* the villages an officer confirmed, as in tc_store_sms_each_village: a message's region is a
	 * prefix of the village's code; then each target once, reached by either way */
	static const char sql[] =
		"WITH RECURSIVE pre (key, p) AS (SELECT target, region FROM escalations WHERE alert_id = ?1 UNION "
		REGION_PREFIXES "),"
		" m AS MATERIALIZED (SELECT region FROM sms_messages WHERE alert_id = ?1 AND purpose = 'escalation'"
		"  AND region <> '' AND confirmed_at > 0),"
		" people AS (SELECT DISTINCT pre.key AS target FROM pre JOIN m ON m.region = pre.p)"
		" , relayed AS (SELECT r.id FROM receivers r JOIN relay_chains c ON c.alert_id = ?1"
		"  AND c.state = 'confirmed' AND c.region = r.region)"
		" SELECT count(DISTINCT d.target), count(DISTINCT CASE WHEN d.state IN ('played', 'displayed')"
		"  OR d.target IN (SELECT target FROM people) OR d.target IN (SELECT id FROM relayed) THEN d.target END)"
		" FROM deliveries d WHERE d.alert_id = ?1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	*targets = *covered = 0;
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, alert_id, -1, TC_DB_STATIC);
	int r = tc_db_step(q);
	if (r == TC_DB_ROW) {
		*targets = (long)tc_db_column_int64(q, 0);
		*covered = (long)tc_db_column_int64(q, 1);
		r = tc_db_step(q);
	}
	return tc_store_done(q, r);
}
