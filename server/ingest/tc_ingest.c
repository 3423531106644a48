/*
 * tc_ingest.c — one alert in (tc_ingest.h).
 */
#include "tc_ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "tc_log.h"
#include "tc_plan.h"
#include "tc_registry_index.h"
#include "tc_store_approval.h"
#include "tc_store_audit.h"
#include "tc_vec.h"

static bool expired(const struct tc_cap_alert *a, int64_t now)
{
	size_t with = 0, past = 0;
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_time *e = &a->infos[i].expires;
		if (e->valid && e->has_zone) {
			with++;
			past += e->epoch <= now;
		}
	}
	return with && with == a->n_infos && past == with;
}

static bool unreadable(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const char *code = tc_diags_get(d, i)->code;
		if (!strncmp(code, "xml.", 4) || !strcmp(code, "cap.not-cap") || !strncmp(code, "limit.", 6))
			return true;
	}
	return false;
}

struct targets {
	struct tc_vec ids; /* char[64] each */
	enum tc_rc rc;     /* not TC_OK: a target could not be kept */
};

static void collect_target(const struct tc_delivery *dl, void *user)
{
	struct targets *t = user;
	char *slot = t->rc ? NULL : tc_vec_push(&t->ids);
	if (!slot) {
		t->rc = TC_ERR_NOMEM;
		return;
	}
	snprintf(slot, t->ids.size, "%s", dl->target);
}

/* Alert old, referenced by alert id, is cancelled or superseded; a state that refuses it is logged. */
static void end_referenced(struct tc_store *s, const char *old, bool cancel, const char *id, int64_t now)
{
	long n = 0;
	char msg_type[16];
	enum tc_alert_state st = TC_ALERT_ACCEPTED;
	int64_t expires;
	enum tc_rc rc = tc_store_close_alert(s, old, cancel ? TC_ALERT_CANCELLED : TC_ALERT_SUPERSEDED, now, &n);
	if (rc == TC_OK)
		rc = tc_store_audit(s, now, "ingest", cancel ? "cancelled" : "superseded", old, id);
	if (rc == TC_ERR_INVALID && tc_store_alert_brief(s, old, msg_type, &st, &expires) == TC_OK)
		tc_log(TC_LOG_INFO, "ingest", "alert=%s state=%s refused the event %s (referenced by alert %s)", old,
		       tc_alert_state_name(st), tc_alert_event_name(cancel ? TC_AEV_CANCEL : TC_AEV_SUPERSEDE), id);
	else if (rc)
		tc_log(TC_LOG_ERROR, "ingest", "alert=%s target=- could not be %s by alert %s: the store failed (%s)", old,
		       cancel ? "cancelled" : "superseded", id, tc_rc_name(rc));
}

/*
 * An Update or Cancel ends the alerts it references: superseded or
 * cancelled, their open deliveries cancelled. A Cancel also goes to every
 * receiver the originals went to, so displays clear and loudspeakers stop.
 */
static void apply_references(struct tc_store *s, const struct tc_cap_alert *a, const char *id, int64_t now,
			     struct tc_diags *d)
{
	bool cancel = a->msg_type == TC_CAP_CANCEL;
	struct targets reach = { .ids = TC_VEC_OF(char[64]) };
	const char *p = a->references;
	while (p && *p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t len = strcspn(p, " \t\r\n");
		char ref[512], old[17];
		if (!len || len >= sizeof(ref))
			break;
		memcpy(ref, p, len);
		ref[len] = '\0';
		p += len;
		char *c1 = strchr(ref, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		if (tc_store_find_alert(s, ref, c1 + 1, c2 + 1, old) != TC_OK) {
			tc_warn(d, "ingest.reference-unknown", "alert/references[0]",
				"the referenced alert %s (from %s) is not known here; nothing to %s", c1 + 1, ref,
				cancel ? "cancel" : "replace");
			continue;
		}
		if (cancel && tc_store_each_delivery(s, old, NULL, collect_target, &reach) != TC_OK && !reach.rc)
			reach.rc = TC_ERR_IO;
		end_referenced(s, old, cancel, id, now);
	}
	if (reach.rc)
		tc_log(TC_LOG_ERROR, "ingest", "alert=%s: the receivers of the cancelled alert(s) could not all be listed (%s); "
		       "the cancel goes to the %zu listed", id, tc_rc_name(reach.rc), reach.ids.n);
	if (reach.ids.n)
		tc_store_plan_alert(s, id, (const char (*)[64])reach.ids.v, reach.ids.n, "mqtt", now);
	tc_vec_free(&reach.ids);
}

/* One reference "sender,identifier,sent" of the list at *p: its sender into sender; false at the end. */
static bool next_reference(const char **p, char ref[512], char sender[256])
{
	while (**p) {
		*p += strspn(*p, " \t\r\n");
		size_t len = strcspn(*p, " \t\r\n");
		if (!len)
			break;
		const char *at = *p;
		*p += len;
		if (len >= 512)
			continue;
		memcpy(ref, at, len);
		ref[len] = '\0';
		size_t s = strcspn(ref, ",");
		if (!ref[s] || s >= 256)
			continue;
		memcpy(sender, ref, s);
		sender[s] = '\0';
		return true;
	}
	return false;
}

/* Whether list (cap_cross_sender_allowed: "A>B, C>*") lets sender reference alerts of owner. */
static bool cross_allowed(const char *list, const char *sender, const char *owner)
{
	const char *p = list ? list : "";
	while (*p) {
		p += strspn(p, " \t,;");
		size_t len = strcspn(p, " \t,;");
		const char *gt = memchr(p, '>', len);
		if (gt && (size_t)(gt - p) == strlen(sender) && !strncmp(p, sender, (size_t)(gt - p))) {
			size_t rest = len - (size_t)(gt - p) - 1;
			if ((rest == 1 && gt[1] == '*') || (rest == strlen(owner) && !strncmp(gt + 1, owner, rest)))
				return true;
		}
		p += len;
	}
	return false;
}

enum tc_rc tc_ingest_cross_sender_check(const char *list, struct tc_diags *d)
{
	const char *p = list ? list : "";
	enum tc_rc rc = TC_OK;
	while (*p) {
		p += strspn(p, " \t,;");
		size_t len = strcspn(p, " \t,;");
		const char *gt = len ? memchr(p, '>', len) : NULL;
		if (len && (!gt || gt == p || gt == p + len - 1 || memchr(gt + 1, '>', len - (size_t)(gt - p) - 1))) {
			tc_err(d, "config.cap-cross-sender", "cap_cross_sender_allowed",
			       "'%.*s' is not SENDER>SENDER or SENDER>* (a sender allowed to update or cancel another's alerts)",
			       (int)len, p);
			rc = TC_ERR_INVALID;
		}
		p += len;
	}
	return rc;
}

/*
 * An Update or Cancel may reference only alerts of its own sender, or of a
 * sender the configuration lets it; any other reference refuses the whole
 * alert before anything is stored, cancelled or sent.
 */
static enum tc_rc check_references(const struct tc_cap_alert *a, const char *allowed, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	char ref[512], owner[256];
	const char *p = a->references;
	if (a->msg_type != TC_CAP_UPDATE && a->msg_type != TC_CAP_CANCEL)
		return TC_OK;
	while (p && next_reference(&p, ref, owner)) {
		if (!strcmp(owner, a->sender) || cross_allowed(allowed, a->sender, owner))
			continue;
		tc_err(d, "ingest.reference-foreign", "alert/references",
		       "the %s from sender %s references %s, an alert of sender %s; an Update or Cancel may reference only "
		       "its own sender's alerts (or those cap_cross_sender_allowed lets it); nothing was changed",
		       a->msg_type == TC_CAP_CANCEL ? "Cancel" : "Update", a->sender, ref, owner);
		rc = TC_ERR_INVALID;
	}
	return rc;
}

/* The audit log's entry for what the submitting user (or the way in, without one) did, with the document's hash. */
static void audit(struct tc_store *s, const struct tc_ingest_options *o, const char *source, int64_t now,
		  const char *action, const char *id, const struct tc_cap_alert *a)
{
	struct tc_audit_who who = { o->user ? o->user->name : "", o->user ? tc_role_name(o->user->role) : "",
				    o->source_address };
	tc_store_audit_by(s, now, &who, source, action, id, a->sender, a->identifier, a->xml, a->xml_len);
}

/* The user's regions as one line, for messages. */
static const char *regions_text(const struct tc_user *u, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < u->n_regions && at + 1 < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? " " : "", u->regions[i]);
	return u->n_regions ? buf : "none";
}

/* What an alert reaches: its receivers' regions. */
struct reach {
	struct tc_vec regions; /* char[16] each; distinct once reach_distinct ran */
	const struct tc_user *user;
	char outside[2][64];   /* the first receiver outside the user's regions and its region */
};

static void note_region(struct reach *r, const char *region)
{
	char *slot = tc_vec_push(&r->regions);
	if (slot)
		snprintf(slot, 16, "%s", region);
}

static int by_code(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Each region once (sorted): one sort, not a search per receiver. */
static void reach_distinct(struct reach *r)
{
	char (*v)[16] = r->regions.v;
	size_t w = 0;
	if (!r->regions.n)
		return;
	qsort(v, r->regions.n, sizeof(v[0]), by_code);
	for (size_t i = 0; i < r->regions.n; i++)
		if (!w || strcmp(v[w - 1], v[i]) != 0)
			memmove(v[w++], v[i], sizeof(v[0]));
	r->regions.n = w;
}

/* The receivers of plan p: their regions noted; the first outside r->user's regions kept. */
static enum tc_rc reach_of(struct tc_store *s, const struct tc_plan *p, struct reach *r)
{
	char kind[16], region[16];
	for (size_t i = 0; i < p->n; i++) {
		enum tc_rc rc = tc_store_receiver_info(s, p->targets[i], kind, region);
		if (rc)
			return rc;
		note_region(r, region);
		if (r->user && !r->outside[0][0] && !tc_user_in_scope(r->user, region)) {
			snprintf(r->outside[0], sizeof(r->outside[0]), "%s", p->targets[i]);
			snprintf(r->outside[1], sizeof(r->outside[1]), "%s", region);
		}
	}
	return TC_OK;
}

/* A check's answer: each region the alert reaches, with its receivers (r's regions, one per target). */
static void tell_reached(const struct tc_ingest_options *o, struct reach *r)
{
	char (*v)[16] = r->regions.v;
	if (!o->reached || !r->regions.n)
		return;
	qsort(v, r->regions.n, sizeof(v[0]), by_code);
	for (size_t i = 0, n = 1; i < r->regions.n; i++, n++)
		if (i + 1 == r->regions.n || strcmp(v[i], v[i + 1])) {
			o->reached(v[i], n, o->reached_user);
			n = 0;
		}
}

static enum tc_rc plan_of(struct tc_store *s, const struct tc_ingest_options *o, const struct tc_cap_alert *a,
			  struct tc_plan *p, struct tc_diags *d)
{
	return o->index ? tc_plan_targets_indexed(o->index, a, p, d) : tc_plan_targets(s, a, p, d);
}

/*
 * The user may issue this alert: its sender is one of the user's departments, and each area
 * stays inside the user's regions, by its admin codes and by the receivers it reaches. The
 * first area that does not is named (auth.region); the alert is refused whole. whole is what
 * the alert reaches as one: only when a receiver of it lies outside is each area planned alone,
 * to name the area.
 */
static enum tc_rc check_user(struct tc_store *s, const struct tc_ingest_options *o, const struct tc_cap_alert *a,
			     const struct reach *whole, struct tc_diags *d)
{
	const struct tc_user *u = o->user;
	char mine[256];
	if (!tc_user_may_send_as(u, a->sender ? a->sender : "")) {
		tc_err(d, "auth.department", "alert/sender",
		       "the alert's sender %s is not a department user %s may issue as; nothing was accepted",
		       a->sender ? a->sender : "(none)", u->name);
		return TC_ERR_INVALID;
	}
	for (size_t i = 0; i < a->n_infos; i++) {
		for (size_t j = 0; j < a->infos[i].n_areas; j++) {
			const struct tc_cap_area *ar = &a->infos[i].areas[j];
			const char *name = ar->area_desc ? ar->area_desc : "";
			char path[64];
			snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]", i, j);
			for (size_t k = 0; k < ar->n_geocodes; k++) {
				if (!tc_plan_is_admin_code(&ar->geocodes[k]) || tc_user_in_scope(u, ar->geocodes[k].value))
					continue;
				tc_err(d, "auth.region", path,
				       "area '%s' names region %s, outside the regions of user %s (%s); nothing was accepted",
				       name, ar->geocodes[k].value, u->name, regions_text(u, mine, sizeof(mine)));
				return TC_ERR_INVALID;
			}
			if (!whole->outside[0][0])
				continue;
			/* the receivers this one area reaches (its polygons and circles included) */
			struct tc_cap_info one = a->infos[i];
			struct tc_cap_alert only = *a;
			one.areas = (struct tc_cap_area *)ar;
			one.n_areas = 1;
			only.infos = &one;
			only.n_infos = 1;
			struct tc_plan p = { 0 };
			struct reach r = { .regions = TC_VEC_OF(char[16]), .user = u };
			enum tc_rc rc = plan_of(s, o, &only, &p, d);
			if (!rc)
				rc = reach_of(s, &p, &r);
			tc_plan_release(&p);
			tc_vec_free(&r.regions);
			if (rc)
				return rc;
			if (r.outside[0][0]) {
				tc_err(d, "auth.region", path,
				       "area '%s' reaches receiver %s in region %s, outside the regions of user %s (%s); "
				       "nothing was accepted", name, r.outside[0], r.outside[1], u->name,
				       regions_text(u, mine, sizeof(mine)));
				return TC_ERR_INVALID;
			}
		}
	}
	return TC_OK;
}

bool tc_ingest_needs_approval(const char *approval, const char *status)
{
	const char *p = approval ? approval : "";
	size_t n = strlen(status);
	while (*p) {
		p += strspn(p, " \t,;");
		size_t len = strcspn(p, " \t,;");
		if (len == n && !strncasecmp(p, status, n))
			return true;
		p += len;
	}
	return false;
}

enum tc_rc tc_ingest_approval_check(const char *approval, struct tc_diags *d)
{
	static const char *const statuses[] = { "Actual", "Exercise", "System", "Test", "Draft", "none" };
	const char *p = approval ? approval : "";
	enum tc_rc rc = TC_OK;
	while (*p) {
		p += strspn(p, " \t,;");
		size_t len = strcspn(p, " \t,;"), k = 0;
		while (len && k < sizeof(statuses) / sizeof(statuses[0]) &&
		       !(strlen(statuses[k]) == len && !strncasecmp(p, statuses[k], len)))
			k++;
		if (len && k == sizeof(statuses) / sizeof(statuses[0])) {
			tc_err(d, "config.approval", "approval_required",
			       "'%.*s' is not a CAP status (Actual, Exercise, System, Test, Draft) nor none", (int)len, p);
			rc = TC_ERR_INVALID;
		}
		p += len;
	}
	return rc;
}

/* What approvers read: headline and description of each info, with its language. */
static char *reading_of(const struct tc_cap_alert *a)
{
	struct tc_vec t = TC_VEC_OF(char);
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_info *in = &a->infos[i];
		char head[64];
		snprintf(head, sizeof(head), "%s[%s] ", i ? "\n\n" : "", in->language ? in->language : "en-US");
		const char *parts[] = { head, in->headline ? in->headline : "", "\n", in->description ? in->description : "" };
		for (size_t k = 0; k < 4; k++)
			if (tc_vec_append_text(&t, parts[k], strlen(parts[k])))
				break;
	}
	if (!t.v)
		return strdup("");
	return tc_vec_take(&t);
}

static char *warnings_of(const struct tc_diags *d)
{
	json_t *w = json_array();
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		if (it->sev == TC_SEV_WARNING)
			json_array_append_new(w, json_pack("{s:s, s:s, s:s}", "code", it->code, "path", it->path, "message",
							   it->message));
	}
	char *text = json_dumps(w, JSON_COMPACT);
	json_decref(w);
	return text;
}

/* Keep a held: planned only as a count and the regions reached, with what approvers read. */
static enum tc_rc hold(struct tc_store *s, const struct tc_ingest_options *o, const char *source,
		       const struct tc_cap_alert *a, const struct tc_plan *p, struct reach *reach, int64_t now,
		       struct tc_ingest_result *out, struct tc_diags *d)
{
	struct reach *r = reach; /* its regions grow here; the caller frees them and p */
	struct tc_vec regions = TC_VEC_OF(char);
	enum tc_rc rc = TC_OK;
	/* the admin codes it names count as reached, receivers there or not: approvers are chosen by them */
	for (size_t i = 0; i < a->n_infos; i++)
		for (size_t j = 0; j < a->infos[i].n_areas; j++)
			for (size_t k = 0; k < a->infos[i].areas[j].n_geocodes; k++)
				if (tc_plan_is_admin_code(&a->infos[i].areas[j].geocodes[k]))
					note_region(r, a->infos[i].areas[j].geocodes[k].value);
	reach_distinct(r);
	for (size_t i = 0; !rc && i < r->regions.n; i++) {
		const char *code = ((char (*)[16])r->regions.v)[i];
		rc = tc_vec_append_text(&regions, " ", i > 0) ? TC_ERR_NOMEM : tc_vec_append_text(&regions, code, strlen(code));
	}
	char *text = reading_of(a), *warnings = warnings_of(d);
	struct tc_approval_new n = { .author = o->user ? o->user->name : source, .regions = regions.v ? regions.v : "",
				     .warnings = warnings, .text = text, .targets = (long)p->n };
	if (!rc && (!text || !warnings))
		rc = TC_ERR_NOMEM;
	if (!rc)
		rc = tc_store_put_held_alert(s, a, &n, now, out->id, &out->duplicate, d);
	if (!rc) {
		out->targets = p->n;
		out->held = true;
		if (!out->duplicate)
			audit(s, o, source, now, "submitted", out->id, a);
	}
	free(text);
	free(warnings);
	tc_vec_free(&regions);
	return rc;
}

/* Plan a (stored as id) and let its references act: the step after acceptance, or after approval. */
static void release(struct tc_store *s, const struct tc_ingest_options *o, const struct tc_cap_alert *a, const char *id,
		    int64_t now, size_t *targets, struct tc_diags *d)
{
	/* Accepted is durable now; a planning failure leaves the alert "accepted" for the next start. */
	if (tc_plan_stored_alert(s, o->index, id, now, targets, d) == TC_OK)
		tc_store_audit(s, now, "planner", "planned", id, NULL);
	if (a->msg_type == TC_CAP_UPDATE || a->msg_type == TC_CAP_CANCEL) {
		long counts[TC_DELIVERY_N_STATES], total = 0;
		apply_references(s, a, id, now, d);
		tc_store_delivery_counts(s, id, counts, &total);
		*targets = (size_t)total;
	}
}

enum tc_rc tc_ingest_alert(struct tc_store *s, const struct tc_ingest_options *o, const char *source, const char *xml,
			   size_t len, int64_t now, struct tc_ingest_result *out, struct tc_diags *d)
{
	struct tc_cap_options co;
	struct tc_cap_alert *a = NULL;
	memset(out, 0, sizeof(*out));
	tc_cap_options_default(&co);
	co.profile = o->profile;
	co.lenient = o->lenient;
	co.now = now;
	if (o->max_bytes)
		co.limits.max_bytes = o->max_bytes;
	enum tc_rc rc = tc_cap_check(xml, len, &co, &a, d);
	if (rc == TC_OK && expired(a, now)) {
		tc_err(d, "ingest.expired", "alert", "the alert has already expired; nothing was sent");
		rc = TC_ERR_INVALID;
	}
	if (rc == TC_OK)
		rc = check_references(a, o->cross_sender, d);
	/* what it reaches, planned once for the user's limits and for a hold */
	bool held = rc == TC_OK && tc_ingest_needs_approval(o->approval, tc_cap_status_name(a->status));
	struct tc_plan p = { 0 };
	struct reach r = { .regions = TC_VEC_OF(char[16]), .user = o->user };
	if (rc == TC_OK && (o->user || held || o->dry_run)) {
		rc = plan_of(s, o, a, &p, d);
		if (!rc)
			rc = reach_of(s, &p, &r);
	}
	if (rc == TC_OK && o->user) {
		rc = check_user(s, o, a, &r, d);
		out->forbidden = rc == TC_ERR_INVALID;
	}
	if (rc == TC_OK && o->dry_run) {
		out->targets = p.n;
		out->held = held;
		tell_reached(o, &r);
		for (size_t i = 0; o->target && i < p.n; i++)
			o->target(p.targets[i], o->reached_user);
	} else if (rc == TC_OK && held) {
		rc = hold(s, o, source, a, &p, &r, now, out, d);
	}
	tc_plan_release(&p);
	tc_vec_free(&r.regions);
	if (rc) {
		out->unreadable = unreadable(d);
		tc_cap_alert_free(a);
		return rc == TC_ERR_NOMEM || rc == TC_ERR_IO ? rc : TC_ERR_INVALID;
	}
	if (o->dry_run) {
		tc_cap_alert_free(a);
		return TC_OK;
	}
	if (held) {
		if (out->duplicate) {
			char msg_type[16];
			enum tc_alert_state st = TC_ALERT_ACCEPTED;
			int64_t expires;
			tc_store_alert_brief(s, out->id, msg_type, &st, &expires);
			out->held = st == TC_ALERT_PENDING_APPROVAL;
		}
		tc_cap_alert_free(a);
		return TC_OK;
	}
	rc = tc_store_put_alert(s, a, now, out->id, &out->duplicate, d);
	if (rc) {
		tc_cap_alert_free(a);
		return TC_ERR_IO;
	}
	if (!out->duplicate) {
		audit(s, o, source, now, "accepted", out->id, a);
		release(s, o, a, out->id, now, &out->targets, d);
	} else {
		long counts[TC_DELIVERY_N_STATES], total = 0;
		char msg_type[16];
		enum tc_alert_state st = TC_ALERT_ACCEPTED;
		int64_t expires;
		tc_store_delivery_counts(s, out->id, counts, &total);
		out->targets = (size_t)total;
		tc_store_alert_brief(s, out->id, msg_type, &st, &expires);
		out->held = st == TC_ALERT_PENDING_APPROVAL;
	}
	tc_cap_alert_free(a);
	return TC_OK;
}

enum tc_rc tc_ingest_release(struct tc_store *s, const struct tc_ingest_options *o, const char *id, int64_t now,
			     size_t *targets, struct tc_diags *d)
{
	struct tc_store_alert rec;
	struct tc_cap_options co;
	struct tc_cap_alert *a = NULL;
	size_t n = 0;
	enum tc_rc rc = tc_store_get_alert(s, id, &rec);
	if (rc)
		return rc;
	/* It was checked when submitted; read it leniently so a later, stricter tocsin still releases it. */
	tc_cap_options_default(&co);
	co.lenient = true;
	co.now = now;
	tc_cap_check(rec.xml, rec.xml_len, &co, &a, NULL);
	if (a)
		release(s, o, a, id, now, &n, d);
	else
		rc = TC_ERR_INVALID;
	if (targets)
		*targets = n;
	tc_cap_alert_free(a);
	tc_store_alert_release(&rec);
	return rc;
}
