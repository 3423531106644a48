/*
 * tocsind_remind.c — approval reminders (tocsind_remind.h).
 */
#include "tocsind_remind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_auth.h"
#include "tc_log.h"
#include "tc_sms.h"
#include "tc_store_approval.h"
#include "tc_store_audit.h"
#include "tc_store_sms.h"
#include "tc_vec.h"

struct remind {
	struct tc_store *s;
	bool sms;
	int64_t now;
	long overdue;
	struct tc_vec users; /* struct tc_user: the approvers */
	struct tc_vec held;  /* struct tc_approval copies (the strings owned) */
};

static void keep_approver(const struct tc_user *u, void *user)
{
	struct remind *r = user;
	if (u->role == TC_ROLE_APPROVER && !u->disabled && u->phone[0]) {
		struct tc_user *slot = tc_vec_push(&r->users);
		if (slot)
			*slot = *u;
	}
}

static void keep_held(const struct tc_approval *a, void *user)
{
	struct remind *r = user;
	struct tc_approval *slot = tc_vec_push(&r->held);
	if (!slot)
		return;
	*slot = *a;
	slot->reason = strdup(a->reason);
	slot->regions = strdup(a->regions);
	slot->warnings = strdup(a->warnings);
	slot->text = strdup(a->text);
}

/* Whether approver u may release alert a of sender. */
static bool may_release(const struct tc_user *u, const struct tc_approval *a, const char *sender)
{
	char outside[16];
	return tc_user_may_send_as(u, sender) && strcmp(u->name, a->author) != 0 && tc_user_covers(u, a->regions, outside);
}

static void remind_one(struct remind *r, const struct tc_approval *a)
{
	struct tc_store_alert rec;
	char sender[256] = "", first[200], detail[96];
	long told = 0;
	if (tc_store_get_alert(r->s, a->alert_id, &rec) == TC_OK) {
		snprintf(sender, sizeof(sender), "%s", rec.sender);
		tc_store_alert_release(&rec);
	}
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(a->text ? a->text : "", "\n"), a->text ? a->text : "");
	long minutes = (long)((r->now - a->submitted_at) / 60);
	for (size_t i = 0; r->sms && i < r->users.n; i++) {
		const struct tc_user *u = tc_vec_at(&r->users, i);
		if (!may_release(u, a, sender))
			continue;
		char text[600];
		snprintf(text, sizeof(text), "【tocsin】%s 提交的预警 %s 已等待审核 %ld 分钟：%s 请尽快审核（tocsin approve %s）。",
			 a->author, a->alert_id, minutes, first, a->alert_id);
		struct tc_sms_row row = { .text = text,
					  .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
		snprintf(row.alert_id, sizeof(row.alert_id), "%s", a->alert_id);
		snprintf(row.phone, sizeof(row.phone), "%s", u->phone);
		snprintf(row.purpose, sizeof(row.purpose), "approval");
		snprintf(row.name, sizeof(row.name), "%s", u->name);
		snprintf(row.role, sizeof(row.role), "approver");
		snprintf(row.language, sizeof(row.language), "zh-CN");
		bool added = false;
		if (tc_store_sms_add(r->s, &row, r->now, &added, NULL) == TC_OK)
			told += added;
	}
	tc_log(TC_LOG_WARN, "approval", "alert=%s by %s has waited %ld min for approval; %ld approver(s) told by SMS%s",
	       a->alert_id, a->author, minutes, told, r->sms ? "" : " (no SMS gateway)");
	snprintf(detail, sizeof(detail), "waited %ld min; %ld approver(s) told", minutes, told);
	tc_store_audit_by(r->s, r->now, NULL, "approval", "approval-overdue", a->alert_id, a->author, detail, NULL, 0);
	r->overdue++;
}

long tocsind_remind_approvers(struct tc_store *s, int64_t timeout_s, bool sms, int64_t now)
{
	struct remind r = { .s = s, .sms = sms, .now = now, .users = TC_VEC_OF(struct tc_user),
			    .held = TC_VEC_OF(struct tc_approval) };
	if (timeout_s <= 0 || tc_store_approval_overdue(s, now - timeout_s, now, keep_held, &r) != TC_OK || !r.held.n) {
		tc_vec_free(&r.held);
		return 0;
	}
	tc_auth_user_each(s, keep_approver, &r);
	for (size_t i = 0; i < r.held.n; i++) {
		struct tc_approval *a = tc_vec_at(&r.held, i);
		remind_one(&r, a);
		tc_approval_release(a);
	}
	tc_vec_free(&r.held);
	tc_vec_free(&r.users);
	return r.overdue;
}
