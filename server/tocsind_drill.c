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
static bool issue(struct tocsind_drills *dr, size_t i, int64_t slot, struct tc_store *s,
		  const struct tc_ingest_options *io, int64_t now)
{
	const struct tc_drill *sch = &dr->v[i];
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

size_t tocsind_drills_work(struct tocsind_drills *dr, struct tc_store *s, const struct tc_ingest_options *io,
			   const struct tc_registry_index *index, int64_t now)
{
	struct tc_ingest_options dio = *io;
	size_t issued = 0;
	dio.user = NULL;     /* the configuration's order: no one's limits */
	dio.approval = NULL; /* and no second person */
	dio.source_address = "schedule";
	dio.index = index;
	for (size_t i = 0; !dr->loaded && i < dr->n; i++)
		if (tc_store_drill_last(s, dr->v[i].spec, &dr->last[i]))
			return 0; /* the store cannot say which slots ran: nothing until it can */
	dr->loaded = true;
	for (size_t i = 0; i < dr->n; i++) {
		int64_t slot = tc_drill_due(&dr->v[i], now + dr->offset_s, dr->last[i], dr->catchup_s);
		if (!slot)
			continue;
		/* tried once: a refused slot is logged, not tried again every second */
		dr->last[i] = slot;
		issued += issue(dr, i, slot, s, &dio, now);
	}
	return issued;
}
