/*
 * tocsind_drill.c — drills issued at their slots (tocsind_drill.h).
 */
#include "tocsind_drill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_log.h"
#include "tc_store_drill.h"
#include "tc_vec.h"

#define log_line(level, ...) tc_log(level, "drill", __VA_ARGS__)
#define CAP_MAX 32768

/* The geocodes of dr's area: its region, or (for *) every county of the registry. */
static enum tc_rc codes_of(const struct tc_drill *dr, struct tc_store *s, struct tc_vec *codes)
{
	if (!dr->region[0])
		return tc_store_drill_counties(s, codes);
	char *slot = tc_vec_push(codes);
	if (!slot)
		return TC_ERR_NOMEM;
	snprintf(slot, codes->size, "%s", dr->region);
	return TC_OK;
}

/* Ingest xml and record the run, in one transaction; the alert's id into id. */
static enum tc_rc ingest(struct tc_store *s, const struct tc_ingest_options *io, const struct tc_drill *dr,
			 int64_t slot, const char *xml, size_t len, int64_t now, struct tc_ingest_result *res,
			 struct tc_diags *d)
{
	enum tc_rc rc = tc_store_begin(s);
	if (rc)
		return rc;
	rc = tc_ingest_alert(s, io, "schedule", xml, len, now, res, d);
	if (!rc)
		rc = tc_store_drill_record(s, dr->spec, slot, res->id, now);
	if (!rc)
		rc = tc_store_commit(s);
	if (rc)
		tc_store_rollback(s);
	return rc;
}

static void log_refusal(const struct tc_drill *dr, int64_t slot, enum tc_rc rc, const struct tc_diags *d)
{
	const struct tc_diag *first = tc_diags_count(d) ? tc_diags_get(d, 0) : NULL;
	log_line(TC_LOG_ERROR, "schedule='%s' slot=%lld was not issued (%s): %s", dr->spec, (long long)slot,
		 tc_rc_name(rc), first ? first->message : "the store failed");
}

/* Issue slot of dr; true when its alert was accepted. */
static bool issue(const struct tocsind_drills *dr, const struct tc_drill *sch, int64_t slot, struct tc_store *s,
		  const struct tc_ingest_options *io, int64_t now)
{
	struct tc_vec codes = TC_VEC_OF(char[16]);
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	char *xml = malloc(CAP_MAX);
	size_t len = 0;
	enum tc_rc rc = !d || !xml ? TC_ERR_NOMEM : codes_of(sch, s, &codes);
	if (!rc && !(len = tc_drill_cap(sch, dr->sender, slot, now, TOCSIND_DRILL_EXPIRES_S,
					(const char (*)[16])codes.v, codes.n, xml, CAP_MAX)))
		rc = TC_ERR_LIMIT;
	if (!rc)
		rc = ingest(s, io, sch, slot, xml, len, now, &res, d);
	if (rc)
		log_refusal(sch, slot, rc, d);
	else
		log_line(TC_LOG_INFO, "schedule='%s' slot=%lld alert=%s issued a %s to %zu receiver(s)%s", sch->spec,
			 (long long)slot, res.id, sch->audible ? "Exercise" : "Test", res.targets,
			 res.duplicate ? " (the same alert was accepted before)" : "");
	tc_vec_free(&codes);
	tc_diags_free(d);
	free(xml);
	return rc == TC_OK;
}

/* The pass being made: the schedules as they are now, each with its last slot. */
struct pass {
	struct tocsind_drills *dr;
	struct tc_store *s;
	struct tocsind_drill_slot next[TOCSIND_DRILLS_MAX];
	size_t n;
	enum tc_rc rc;
};

/* Add spec to the pass; not_before: a slot at or before it counts as run (an API schedule's creation). */
static void take(struct pass *p, const struct tc_drill *sch, int64_t not_before)
{
	struct tocsind_drill_slot *e = &p->next[p->n];
	if (p->rc || p->n >= TOCSIND_DRILLS_MAX)
		return;
	e->dr = *sch;
	e->last = -1;
	for (size_t i = 0; i < p->dr->n_cur; i++)
		if (!strcmp(p->dr->cur[i].dr.spec, sch->spec))
			e->last = p->dr->cur[i].last;
	if (e->last < 0 && (p->rc = tc_store_drill_last(p->s, sch->spec, &e->last)))
		return;
	if (e->last < not_before)
		e->last = not_before;
	p->n++;
}

static void take_stored(const struct tc_drill_schedule *sc, void *user)
{
	struct pass *p = user;
	struct tc_drill sch;
	if (tc_drill_parse(sc->spec, &sch, NULL)) {
		log_line(TC_LOG_ERROR, "schedule %lld '%s' in the store cannot be read: skipped", (long long)sc->id, sc->spec);
		return;
	}
	take(p, &sch, sc->runs_after);
}

/* Whether spec is among the n schedules of v. */
static bool among(const struct tocsind_drill_slot *v, size_t n, const char *spec)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].dr.spec, spec))
			return true;
	return false;
}

/* Log the schedules added and removed since the last pass. */
static void log_changes(const struct tocsind_drills *dr, const struct pass *p)
{
	for (size_t i = 0; dr->loaded && i < p->n; i++)
		if (!among(dr->cur, dr->n_cur, p->next[i].dr.spec))
			log_line(TC_LOG_INFO, "schedule='%s' taken on", p->next[i].dr.spec);
	for (size_t i = 0; i < dr->n_cur; i++)
		if (!among(p->next, p->n, dr->cur[i].dr.spec))
			log_line(TC_LOG_INFO, "schedule='%s' dropped", dr->cur[i].dr.spec);
}

size_t tocsind_drills_work(struct tocsind_drills *dr, struct tc_store *s, const struct tc_ingest_options *io,
			   const struct tc_registry_index *index, int64_t now)
{
	struct tc_ingest_options dio = *io;
	struct pass *p = calloc(1, sizeof(*p));
	size_t issued = 0;
	dio.user = NULL;     /* a standing order: no one's limits */
	dio.approval = NULL; /* and no second person */
	dio.source_address = "schedule";
	dio.index = index;
	if (!p)
		return 0;
	*p = (struct pass){ .dr = dr, .s = s };
	for (size_t i = 0; i < dr->n; i++)
		take(p, &dr->v[i], 0);
	if (!p->rc && dr->sender[0])
		p->rc = tc_store_drill_schedules(s, 0, take_stored, p);
	if (p->rc) { /* the store cannot say which slots ran: nothing until it can */
		free(p);
		return 0;
	}
	log_changes(dr, p);
	memcpy(dr->cur, p->next, p->n * sizeof(p->next[0]));
	dr->n_cur = p->n;
	dr->loaded = true;
	free(p);
	for (size_t i = 0; i < dr->n_cur; i++) {
		int64_t slot = tc_drill_due(&dr->cur[i].dr, now + dr->offset_s, dr->cur[i].last, dr->catchup_s);
		if (!slot)
			continue;
		/* tried once: a refused slot is logged, not tried again every second */
		dr->cur[i].last = slot;
		issued += issue(dr, &dr->cur[i].dr, slot, s, &dio, now);
	}
	return issued;
}
