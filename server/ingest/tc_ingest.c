/*
 * tc_ingest.c — one alert in (tc_ingest.h).
 */
#include "tc_ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_log.h"
#include "tc_plan.h"
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
	if (rc) {
		out->unreadable = unreadable(d);
		tc_cap_alert_free(a);
		return rc == TC_ERR_NOMEM ? rc : TC_ERR_INVALID;
	}
	rc = tc_store_put_alert(s, a, now, out->id, &out->duplicate, d);
	if (rc) {
		tc_cap_alert_free(a);
		return TC_ERR_IO;
	}
	if (!out->duplicate) {
		tc_store_audit(s, now, source, "accepted", out->id, a->identifier);
		/* Accepted is durable now; a planning failure leaves the alert "accepted" for the next start. */
		if (tc_plan_stored_alert(s, o->index, out->id, now, &out->targets, d) == TC_OK)
			tc_store_audit(s, now, "planner", "planned", out->id, NULL);
		if (a->msg_type == TC_CAP_UPDATE || a->msg_type == TC_CAP_CANCEL) {
			long counts[TC_DELIVERY_N_STATES], total = 0;
			apply_references(s, a, out->id, now, d);
			tc_store_delivery_counts(s, out->id, counts, &total);
			out->targets = (size_t)total;
		}
	} else {
		long counts[TC_DELIVERY_N_STATES], total = 0;
		tc_store_delivery_counts(s, out->id, counts, &total);
		out->targets = (size_t)total;
	}
	tc_cap_alert_free(a);
	return TC_OK;
}
