/*
 * tocsind_health.c — the maintenance list on the owner thread (tocsind_health.h).
 */
#include "tocsind_health.h"

#include <stdlib.h>
#include <string.h>

#include "tc_log.h"
#include "tc_registry.h"
#include "tc_sms.h"
#include "tc_store_audit.h"
#include "tc_store_health.h"
#include "tc_store_sms.h"

#define log_line(level, ...) tc_log(level, "health", __VA_ARGS__)

/* A receiver on the list, as the daily SMS needs it. */
struct listed {
	char id[64], name[128], region[16];
	unsigned problems;
};

struct pass {
	struct tocsind_health *h;
	struct tc_store *s;
	int64_t now;
	struct tc_vec listed; /* struct listed */
	struct tc_vec towns;  /* struct tc_health_town, one a receiver until folded */
	long problems[TC_HEALTH_N];
	enum tc_rc rc;
};

static void judge_one(const struct tc_health_facts *f, void *user)
{
	struct pass *p = user;
	struct tc_health_verdict v;
	unsigned bad = tc_health_judge(f, &p->h->set, p->now, &v);
	struct tc_health_town *t = tc_vec_push(&p->towns);
	if (!t) {
		p->rc = TC_ERR_NOMEM;
		return;
	}
	*t = (struct tc_health_town){ .receivers = 1, .listed = bad != 0 };
	tc_health_town(f->region, t->town);
	for (int i = 0; i < TC_HEALTH_N; i++)
		p->problems[i] += (bad >> i) & 1u;
	enum tc_rc rc = TC_OK;
	if (bad && !f->listed_since)
		rc = tc_store_health_list(p->s, f->id, p->now);
	else if (!bad && f->listed_since)
		rc = tc_store_health_unlist(p->s, f->id);
	if (rc)
		p->rc = rc;
	struct listed *l = bad ? tc_vec_push(&p->listed) : NULL;
	if (l) {
		snprintf(l->id, sizeof(l->id), "%s", f->id);
		snprintf(l->name, sizeof(l->name), "%s", f->name);
		snprintf(l->region, sizeof(l->region), "%s", f->region);
		l->problems = bad;
	}
}

/* --- the daily SMS ------------------------------------------------------------------------------ */

struct daily {
	struct pass *p;
	struct tc_vec contacts; /* struct tc_contact: the maintenance contacts */
};

static void keep_contact(const struct tc_contact *c, void *user)
{
	struct daily *dl = user;
	struct tc_contact *slot = !strcmp(c->role, dl->p->h->role) ? tc_vec_push(&dl->contacts) : NULL;
	if (slot)
		*slot = *c;
}

/* Whether contact i is one of the most specific maintenance contacts of region. */
static bool most_specific(const struct daily *dl, size_t i, const char *region)
{
	const char *role = dl->p->h->role;
	int best = -1, mine = -1;
	for (size_t k = 0; k < dl->contacts.n; k++) {
		const struct tc_contact *c = tc_vec_at(&dl->contacts, k);
		int x = tc_health_covers(c->region, c->role, role, region);
		best = x > best ? x : best;
		mine = k == i ? x : mine;
	}
	return mine >= 0 && mine == best;
}

/* Queue contact i's SMS (its receivers on the list); *queued counts it. */
static enum tc_rc tell_contact(struct daily *dl, size_t i, const char *day, long *queued)
{
	const struct tc_contact *c = tc_vec_at(&dl->contacts, i);
	struct pass *p = dl->p;
	struct tc_vec items = TC_VEC_OF(struct tc_health_item);
	char phone[24];
	enum tc_rc rc = TC_OK;
	for (size_t k = 0; k < p->listed.n; k++) {
		const struct listed *l = tc_vec_at(&p->listed, k);
		struct tc_health_item *it = most_specific(dl, i, l->region) ? tc_vec_push(&items) : NULL;
		if (it)
			*it = (struct tc_health_item){ l->id, l->name, l->problems };
	}
	if (!items.n || !tc_registry_phone(c->phone, p->h->cc, phone, sizeof(phone)))
		goto out;
	char *text = tc_health_daily_text(c->language, items.v, items.n, p->h->max_segments);
	if (!text) {
		rc = TC_ERR_NOMEM;
		goto out;
	}
	struct tc_sms_row row = { .text = text, .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
	snprintf(row.phone, sizeof(row.phone), "%s", phone);
	snprintf(row.purpose, sizeof(row.purpose), "maintenance");
	snprintf(row.subject, sizeof(row.subject), "daily:%s", day);
	snprintf(row.name, sizeof(row.name), "%s", c->name);
	snprintf(row.role, sizeof(row.role), "%s", c->role);
	snprintf(row.region, sizeof(row.region), "%s", c->region);
	snprintf(row.language, sizeof(row.language), "%s", c->language);
	bool added = false;
	rc = tc_store_sms_add(p->s, &row, p->now, &added, NULL);
	*queued += added;
	if (added)
		log_line(TC_LOG_INFO, "day=%s phone=%s region=%s told of %zu receiver(s) on the maintenance list", day, phone,
			 c->region, items.n);
	free(text);
out:
	tc_vec_free(&items);
	return rc;
}

/* The daily SMS of day: every maintenance contact with receivers on the list gets one. */
static enum tc_rc daily(struct pass *p, const char *day, long *queued)
{
	struct daily dl = { .p = p, .contacts = TC_VEC_OF(struct tc_contact) };
	enum tc_rc rc = tc_store_each_contact(p->s, keep_contact, &dl);
	for (size_t i = 0; !rc && i < dl.contacts.n; i++)
		rc = tell_contact(&dl, i, day, queued);
	if (!rc)
		rc = tc_store_health_day_record(p->s, day, p->now, *queued);
	if (!rc) {
		char detail[96];
		snprintf(detail, sizeof(detail), "%zu receiver(s) on the list; %ld maintenance contact(s) told", p->listed.n,
			 *queued);
		tc_store_audit_by(p->s, p->now, NULL, "health", "maintenance-sms", NULL, day, detail, NULL, 0);
	}
	tc_vec_free(&dl.contacts);
	return rc;
}

/* Whether the daily SMS is due at now: today's (Beijing) time has come and today's has not gone. */
static bool daily_due(struct tocsind_health *h, struct tc_store *s, int64_t now, char day[11])
{
	int64_t t = now + h->offset_s;
	bool done = false;
	if (!h->sms || tc_health_minute(t) < h->sms_minute)
		return false;
	tc_health_day(t, day);
	if (!strcmp(day, h->done_day))
		return false;
	if (tc_store_health_day_done(s, day, &done) || done) {
		if (done)
			memcpy(h->done_day, day, 11);
		return false;
	}
	return true;
}

/* The pass's figures become the gauges. */
static void keep_figures(struct tocsind_health *h, struct pass *p)
{
	tc_vec_free(&h->towns);
	h->towns = p->towns;
	p->towns = (struct tc_vec)TC_VEC_OF(struct tc_health_town);
	h->towns.n = tc_health_towns(h->towns.v, h->towns.n);
	memcpy(h->problems, p->problems, sizeof(h->problems));
	h->listed = (long)p->listed.n;
	h->judged = true;
}

void tocsind_health_init(struct tocsind_health *h)
{
	h->towns = (struct tc_vec)TC_VEC_OF(struct tc_health_town);
}

void tocsind_health_free(struct tocsind_health *h)
{
	tc_vec_free(&h->towns);
}

long tocsind_health_work(struct tocsind_health *h, struct tc_store *s, int64_t now)
{
	char day[11] = "";
	bool due = daily_due(h, s, now, day);
	long queued = 0;
	if (!due && now < h->next_pass)
		return 0;
	h->next_pass = now + TOCSIND_HEALTH_PASS_S;
	struct pass p = { .h = h, .s = s, .now = now, .listed = TC_VEC_OF(struct listed),
			  .towns = TC_VEC_OF(struct tc_health_town) };
	enum tc_rc rc = tc_store_begin(s);
	if (!rc)
		rc = tc_store_health_know(s, now);
	if (!rc)
		rc = tc_store_health_each(s, h->set.silent_alerts, judge_one, &p);
	if (!rc)
		rc = p.rc;
	if (!rc && due)
		rc = daily(&p, day, &queued);
	if (!rc)
		rc = tc_store_commit(s);
	if (rc) {
		tc_store_rollback(s);
		queued = 0;
		log_line(TC_LOG_ERROR, "the maintenance list could not be judged (%s); tried again in %d s", tc_rc_name(rc),
			 TOCSIND_HEALTH_PASS_S);
	} else {
		keep_figures(h, &p);
		if (due)
			memcpy(h->done_day, day, 11);
	}
	tc_vec_free(&p.listed);
	tc_vec_free(&p.towns);
	return queued;
}

void tocsind_health_metrics(const struct tocsind_health *h, FILE *f)
{
	if (!h->judged)
		return;
	fprintf(f, "# HELP tocsin_receivers_unhealthy Receivers on the maintenance list, by problem.\n"
		   "# TYPE tocsin_receivers_unhealthy gauge\n");
	for (int i = 0; i < TC_HEALTH_N; i++)
		fprintf(f, "tocsin_receivers_unhealthy{problem=\"%s\"} %ld\n", tc_health_problem_name((enum tc_health_problem)i),
			h->problems[i]);
	fprintf(f, "# HELP tocsin_maintenance_list Receivers on the maintenance list.\n"
		   "# TYPE tocsin_maintenance_list gauge\ntocsin_maintenance_list %ld\n", h->listed);
	fprintf(f, "# HELP tocsin_town_health Share of a town's registered receivers not on the maintenance list.\n"
		   "# TYPE tocsin_town_health gauge\n");
	for (size_t i = 0; i < h->towns.n; i++) {
		const struct tc_health_town *t = tc_vec_at(&h->towns, i);
		fprintf(f, "tocsin_town_health{town=\"%s\"} %.4f\n", t->town, tc_health_ratio(t));
	}
}
