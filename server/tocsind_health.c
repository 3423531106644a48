/*
 * tocsind_health.c — the maintenance list, judged off the owner's loop (tocsind_health.h).
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

/* A receiver to put on the list (list) or take off it. */
struct change {
	char id[64];
	bool list;
};

/*
 * One pass: judged in a thread on a reader connection (judge), which reads
 * only what is here (settings and now are copies), then applied on the
 * owner thread (apply). The loop touches it only once the task is done.
 */
struct tocsind_health_pass {
	struct tc_health_settings set;
	int64_t now;
	struct tc_vec listed;  /* struct listed */
	struct tc_vec towns;   /* struct tc_health_town, one a receiver until folded */
	struct tc_vec changes; /* struct change */
	long problems[TC_HEALTH_N];
	enum tc_rc rc;
};

static void judge_one(const struct tc_health_facts *f, void *user)
{
	struct tocsind_health_pass *p = user;
	struct tc_health_verdict v;
	if (p->rc)
		return;
	unsigned bad = tc_health_judge(f, &p->set, p->now, &v);
	struct tc_health_town *t = tc_vec_push(&p->towns);
	if (!t) {
		p->rc = TC_ERR_NOMEM;
		return;
	}
	*t = (struct tc_health_town){ .receivers = 1, .listed = bad != 0 };
	tc_health_town(f->region, t->town);
	for (int i = 0; i < TC_HEALTH_N; i++)
		p->problems[i] += (bad >> i) & 1u;
	bool changed = (bad != 0) != (f->listed_since != 0);
	struct change *c = changed ? tc_vec_push(&p->changes) : NULL;
	struct listed *l = bad ? tc_vec_push(&p->listed) : NULL;
	if ((changed && !c) || (bad && !l)) {
		p->rc = TC_ERR_NOMEM;
		return;
	}
	if (c) {
		snprintf(c->id, sizeof(c->id), "%s", f->id);
		c->list = bad != 0;
	}
	if (l) {
		snprintf(l->id, sizeof(l->id), "%s", f->id);
		snprintf(l->name, sizeof(l->name), "%s", f->name);
		snprintf(l->region, sizeof(l->region), "%s", f->region);
		l->problems = bad;
	}
}

/* Every receiver judged on reader (the thread's connection, or the owner's when no thread could start). */
static enum tc_rc judge(struct tc_store *reader, void *arg)
{
	struct tocsind_health_pass *p = arg;
	enum tc_rc rc = tc_store_health_each(reader, p->set.silent_alerts, judge_one, p);
	return rc ? rc : p->rc;
}

/* --- the daily SMS ------------------------------------------------------------------------------ */

struct daily {
	const struct tocsind_health *h;
	struct tc_store *s;
	const struct tocsind_health_pass *p;
	struct tc_vec contacts; /* struct tc_contact: the maintenance contacts */
};

static void keep_contact(const struct tc_contact *c, void *user)
{
	struct daily *dl = user;
	struct tc_contact *slot = !strcmp(c->role, dl->h->role) ? tc_vec_push(&dl->contacts) : NULL;
	if (slot)
		*slot = *c;
}

/* Whether contact i is one of the most specific maintenance contacts of region. */
static bool most_specific(const struct daily *dl, size_t i, const char *region)
{
	const char *role = dl->h->role;
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
	const struct tocsind_health_pass *p = dl->p;
	struct tc_vec items = TC_VEC_OF(struct tc_health_item);
	char phone[24];
	enum tc_rc rc = TC_OK;
	for (size_t k = 0; k < p->listed.n; k++) {
		const struct listed *l = tc_vec_at(&p->listed, k);
		struct tc_health_item *it = most_specific(dl, i, l->region) ? tc_vec_push(&items) : NULL;
		if (it)
			*it = (struct tc_health_item){ l->id, l->name, l->problems };
	}
	if (!items.n || !tc_registry_phone(c->phone, dl->h->cc, phone, sizeof(phone)))
		goto out;
	char *text = tc_health_daily_text(c->language, items.v, items.n, dl->h->max_segments);
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
	rc = tc_store_sms_add(dl->s, &row, p->now, &added, NULL);
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
static enum tc_rc daily(const struct tocsind_health *h, struct tc_store *s, const struct tocsind_health_pass *p,
			const char *day, long *queued)
{
	struct daily dl = { .h = h, .s = s, .p = p, .contacts = TC_VEC_OF(struct tc_contact) };
	enum tc_rc rc = tc_store_each_contact(s, keep_contact, &dl);
	for (size_t i = 0; !rc && i < dl.contacts.n; i++)
		rc = tell_contact(&dl, i, day, queued);
	if (!rc)
		rc = tc_store_health_day_record(s, day, p->now, *queued);
	if (!rc) {
		char detail[96];
		snprintf(detail, sizeof(detail), "%zu receiver(s) on the list; %ld maintenance contact(s) told", p->listed.n,
			 *queued);
		tc_store_audit_by(s, p->now, NULL, "health", "maintenance-sms", NULL, day, detail, NULL, 0);
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

/* --- a pass ------------------------------------------------------------------------------------- */

static struct tocsind_health_pass *pass_new(const struct tocsind_health *h, int64_t now)
{
	struct tocsind_health_pass *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->set = h->set;
	p->now = now;
	p->listed = (struct tc_vec)TC_VEC_OF(struct listed);
	p->towns = (struct tc_vec)TC_VEC_OF(struct tc_health_town);
	p->changes = (struct tc_vec)TC_VEC_OF(struct change);
	return p;
}

static void pass_free(struct tocsind_health_pass *p)
{
	if (!p)
		return;
	tc_vec_free(&p->listed);
	tc_vec_free(&p->towns);
	tc_vec_free(&p->changes);
	free(p);
}

/*
 * The judged pass p written in one short transaction: the receivers that go
 * on the list or off it, and the daily SMS when it was due when p was
 * judged (so that it lists what was judged after its time came; the day is
 * recorded with its SMS). Returns how many SMS were queued.
 */
static long apply(struct tocsind_health *h, struct tc_store *s, struct tocsind_health_pass *p)
{
	char day[11] = "";
	bool due = daily_due(h, s, p->now, day);
	long queued = 0;
	enum tc_rc rc = tc_store_begin(s);
	for (size_t i = 0; !rc && i < p->changes.n; i++) {
		const struct change *c = tc_vec_at(&p->changes, i);
		rc = c->list ? tc_store_health_list(s, c->id, p->now) : tc_store_health_unlist(s, c->id);
	}
	if (!rc && due)
		rc = daily(h, s, p, day, &queued);
	if (!rc)
		rc = tc_store_commit(s);
	if (rc) {
		tc_store_rollback(s);
		log_line(TC_LOG_ERROR, "the maintenance list could not be kept (%s); judged again in %d s", tc_rc_name(rc),
			 TOCSIND_HEALTH_PASS_S);
		return 0;
	}
	if (due)
		memcpy(h->done_day, day, 11);
	/* the pass's figures become the gauges */
	tc_vec_free(&h->towns);
	h->towns = p->towns;
	p->towns = (struct tc_vec)TC_VEC_OF(struct tc_health_town);
	h->towns.n = tc_health_towns(h->towns.v, h->towns.n);
	memcpy(h->problems, p->problems, sizeof(h->problems));
	h->listed = (long)p->listed.n;
	h->judged = true;
	return queued;
}

static void not_judged(enum tc_rc rc)
{
	log_line(TC_LOG_ERROR, "the maintenance list could not be judged (%s); tried again in %d s", tc_rc_name(rc),
		 TOCSIND_HEALTH_PASS_S);
}

/* The pass judged (rc what judging returned): applied, then freed. */
static long finish(struct tocsind_health *h, struct tc_store *s, enum tc_rc rc)
{
	long queued = 0;
	if (rc)
		not_judged(rc);
	else
		queued = apply(h, s, h->pass);
	pass_free(h->pass);
	h->pass = NULL;
	return queued;
}

void tocsind_health_init(struct tocsind_health *h)
{
	*h = (struct tocsind_health){ .towns = TC_VEC_OF(struct tc_health_town) };
}

void tocsind_health_free(struct tocsind_health *h)
{
	tc_store_task_wait(h->task);
	h->task = NULL;
	pass_free(h->pass);
	h->pass = NULL;
	tc_vec_free(&h->towns);
}

long tocsind_health_work(struct tocsind_health *h, struct tc_store *s, int64_t now)
{
	char day[11] = "";
	enum tc_rc rc = TC_OK;
	if (h->task) {
		if (!tc_store_task_done(h->task, &rc))
			return 0;
		h->task = NULL;
		return finish(h, s, rc);
	}
	if (!h->known) {
		/* once: see tc_store_health_know */
		if (tc_store_health_know(s, now))
			log_line(TC_LOG_WARN, "the receivers known before their first pass could not be marked known");
		h->known = true;
	}
	if (!daily_due(h, s, now, day) && now < h->next_pass)
		return 0;
	h->next_pass = now + TOCSIND_HEALTH_PASS_S;
	h->pass = pass_new(h, now);
	if (!h->pass) {
		not_judged(TC_ERR_NOMEM);
		return 0;
	}
	if (tc_store_task_start(s, judge, h->pass, &h->task) == TC_OK)
		return 0;
	/* no thread: judged here, on the owner's connection, as before there were threads */
	h->task = NULL;
	return finish(h, s, judge(s, h->pass));
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
