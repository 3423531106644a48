/*
 * tc_api_approve.c — two-person release over HTTP (tc_api_int.h):
 *
 *   GET  /api/v1/approvals           the alerts held for approval, oldest first, with author,
 *                                    validation warnings, targets, regions and text
 *   POST /api/v1/alerts/{id}/approve {"reason":..., "urgent":true}: release it (dispatch starts)
 *   POST /api/v1/alerts/{id}/reject  {"reason":...}: refuse it for good
 *
 * An approver decides only alerts of their own departments whose regions lie
 * in their scope, and never their own alert — except on the urgent path:
 * "urgent": true with a typed reason, flagged in the audit log.
 */
#include "tc_api_int.h"

#include <string.h>

#include "tc_ingest.h"
#include "tc_store_approval.h"

#define URGENT_REASON_MIN 10 /* characters a typed reason needs on the urgent path */

static json_t *approval_json(const struct tc_approval *a)
{
	json_t *warnings = json_loads(a->warnings, 0, NULL);
	json_t *regions = json_array();
	for (const char *p = a->regions; *p;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (len)
			json_array_append_new(regions, json_stringn(p, len));
		p += len;
	}
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:s, s:s, s:I, s:s, s:b}", "id", a->alert_id, "author",
			 a->author, "submitted_at", (json_int_t)a->submitted_at, "state", a->state, "targets",
			 (json_int_t)a->targets, "regions", regions, "warnings", warnings ? warnings : json_array(), "text",
			 a->text, "decided_by", a->decided_by, "decided_at", (json_int_t)a->decided_at, "reason", a->reason,
			 "urgent", a->urgent);
}

struct listing {
	const struct tc_user *user;
	json_t *list;
};

static void add_pending(const struct tc_approval *a, void *user)
{
	struct listing *l = user;
	char outside[16];
	if (tc_user_covers(l->user, a->regions, outside))
		json_array_append_new(l->list, approval_json(a));
}

enum MHD_Result tc_api_approvals(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct listing l = { &rq->user, json_array() };
	if (tc_store_approval_each_pending(api->store, add_pending, &l)) {
		json_decref(l.list);
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o}", "pending", l.list));
}

/* The alert's sender, for the department rule; "" when unknown. */
static void sender_of(struct tc_api *api, const char *id, char *out, size_t len)
{
	struct tc_store_alert a;
	out[0] = '\0';
	if (tc_store_get_alert(api->store, id, &a) == TC_OK) {
		snprintf(out, len, "%s", a.sender);
		tc_store_alert_release(&a);
	}
}

enum MHD_Result tc_api_decide(struct tc_api *api, struct MHD_Connection *c, const struct request *rq, bool approve)
{
	const struct tc_user *u = &rq->user;
	struct tc_approval a;
	json_t *j = rq->body.n ? json_loadb(rq->body.v, rq->body.n, 0, NULL) : NULL;
	const char *reason = json_string_value(json_object_get(j, "reason"));
	bool urgent = json_is_true(json_object_get(j, "urgent"));
	char outside[16], sender[256], reason_copy[1024];
	enum MHD_Result ok;
	int64_t now = tc_api_now(api);
	snprintf(reason_copy, sizeof(reason_copy), "%s", reason ? reason : "");
	json_decref(j);
	if (rq->body.n && !j)
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.json", "the body is not JSON: {\"reason\": ..., \"urgent\": ...}");
	enum tc_rc rc = tc_store_approval_get(api->store, rq->id, &a);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "approval.unknown", "alert %s was never held for approval", rq->id);
	if (rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	sender_of(api, rq->id, sender, sizeof(sender));
	if (!tc_user_may_send_as(u, sender)) {
		ok = tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.department",
				  "alert %s is from %s, not a department of user %s", rq->id, sender, u->name);
	} else if (!tc_user_covers(u, a.regions, outside)) {
		ok = tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region",
				  "alert %s reaches region %s, outside the regions of user %s", rq->id, outside, u->name);
	} else if (!approve && !reason_copy[0]) {
		ok = tc_api_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "approval.reason",
				  "a rejection needs a reason for its author: {\"reason\": ...}");
	} else if (!strcmp(a.author, u->name) && !(approve && urgent)) {
		ok = tc_api_error(c, MHD_HTTP_FORBIDDEN, "approval.own",
				  "user %s wrote alert %s and cannot %s it: another approver must (or, for an emergency, "
				  "the urgent path with a typed reason)", u->name, rq->id, approve ? "approve" : "reject");
	} else if (urgent && strcmp(a.author, u->name) == 0 && strlen(reason_copy) < URGENT_REASON_MIN) {
		ok = tc_api_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "approval.urgent-reason",
				  "releasing your own alert on the urgent path needs a typed reason of at least %d characters",
				  URGENT_REASON_MIN);
	} else if ((rc = tc_store_approval_decide(api->store, rq->id, approve, u->name, reason_copy,
						  urgent && !strcmp(a.author, u->name), now)) == TC_ERR_INVALID) {
		ok = tc_api_error(c, MHD_HTTP_CONFLICT, "approval.decided",
				  "alert %s is not waiting for approval any more (%s)", rq->id, a.state);
	} else if (rc) {
		ok = tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the decision could not be stored; nothing changed");
	} else {
		bool own = !strcmp(a.author, u->name);
		size_t targets = 0;
		struct tc_diags *d = tc_diags_new();
		tc_api_audit(api, rq, approve ? (own ? "approve-urgent" : "approve") : "reject", rq->id, a.author,
			     reason_copy[0] ? reason_copy : NULL);
		if (approve) {
			struct tc_ingest_options io = { .index = api->index };
			tc_ingest_release(api->store, &io, rq->id, now, &targets, d);
			api->accepted++; /* dispatch has work */
		}
		tc_diags_free(d);
		ok = tc_api_reply(c, MHD_HTTP_OK,
				  json_pack("{s:s, s:s, s:s, s:I, s:b}", "id", rq->id, "state", approve ? "approved" : "rejected",
					    "by", u->name, "targets", (json_int_t)targets, "urgent", approve && own));
	}
	tc_approval_release(&a);
	return ok;
}
