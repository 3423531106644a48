/*
 * tc_api_health.c — GET /api/v1/health[?format=csv]: the maintenance list
 * and the per-town health figures over the user's regions (tc_api_int.h;
 * the rules are tc_health.h's, README "Receiver health").
 *
 *   {"now":T, "settings":{"offline_h","silent_alerts","clock_s"},
 *    "counts":{"offline","self-check","silent","clock","listed","receivers"},
 *    "receivers":[{"id","kind","name","region","town","since",
 *                  "problems":[{"problem","evidence"}]}],
 *    "towns":[{"town","receivers","listed","healthy","health"}]}
 *
 * since: when the receiver went on the list (tocsind judges it every
 * TOCSIND_HEALTH_PASS_S; one found here first counts from now). The CSV is
 * the list, one row per problem:
 * receiver,kind,name,region,town,since,problem,evidence. No phone numbers.
 *
 * Every receiver is judged: the answer is made in a thread of its own on a
 * reader connection (tc_store_task_start), as GET /api/v1/fleet's is.
 */
#include "tc_api_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_csv.h"
#include "tc_health.h"
#include "tc_log.h"
#include "tc_store_health.h"

struct tc_api_health {
	struct tc_user user; /* a copy: the thread reads it */
	struct tc_health_settings set;
	int64_t now;
	bool csv;
	json_t *list;        /* the receivers on the list */
	struct tc_vec towns; /* struct tc_health_town, one a receiver until folded */
	long counts[TC_HEALTH_N];
	FILE *f;             /* the CSV */
	char *text;
	size_t len;
	enum tc_rc rc;
};

void tc_api_health_free(struct tc_api_health *h)
{
	if (!h)
		return;
	json_decref(h->list);
	tc_vec_free(&h->towns);
	if (h->f)
		fclose(h->f);
	free(h->text);
	free(h);
}

static void iso(int64_t t, char out[24])
{
	struct tm tm;
	time_t tt = (time_t)t;
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

static void csv_rows(struct tc_api_health *h, const struct tc_health_facts *f, const struct tc_health_verdict *v,
		     const char *town, int64_t since)
{
	char when[24], evidence[1024];
	iso(since, when);
	for (int p = 0; p < TC_HEALTH_N; p++) {
		if (!(v->problems & (1u << p)))
			continue;
		tc_health_evidence(f, v, (enum tc_health_problem)p, evidence, sizeof(evidence));
		const char *cells[] = { f->id, f->kind, f->name, f->region, town, when,
					tc_health_problem_name((enum tc_health_problem)p), evidence };
		for (size_t i = 0; i < 8; i++)
			tc_csv_field(h->f, cells[i], i == 7);
	}
}

static json_t *entry(const struct tc_health_facts *f, const struct tc_health_verdict *v, const char *town,
		     int64_t since)
{
	char evidence[1024];
	json_t *problems = json_array();
	for (int p = 0; p < TC_HEALTH_N; p++) {
		if (!(v->problems & (1u << p)))
			continue;
		tc_health_evidence(f, v, (enum tc_health_problem)p, evidence, sizeof(evidence));
		json_array_append_new(problems, json_pack("{s:s, s:s}", "problem",
							  tc_health_problem_name((enum tc_health_problem)p), "evidence",
							  evidence));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "id", f->id, "kind", f->kind, "name", f->name, "region",
			 f->region, "town", town, "since", (json_int_t)since, "problems", problems);
}

static void judge_row(const struct tc_health_facts *f, void *user)
{
	struct tc_api_health *h = user;
	struct tc_health_verdict v;
	if (h->rc || !tc_user_in_scope(&h->user, f->region))
		return;
	unsigned bad = tc_health_judge(f, &h->set, h->now, &v);
	struct tc_health_town *t = tc_vec_push(&h->towns);
	if (!t) {
		h->rc = TC_ERR_NOMEM;
		return;
	}
	*t = (struct tc_health_town){ .receivers = 1, .listed = bad != 0 };
	tc_health_town(f->region, t->town);
	if (!bad)
		return;
	for (int p = 0; p < TC_HEALTH_N; p++)
		h->counts[p] += (bad >> p) & 1u;
	int64_t since = f->listed_since ? f->listed_since : h->now;
	if (h->csv)
		csv_rows(h, f, &v, t->town, since);
	else if (json_array_append_new(h->list, entry(f, &v, t->town, since)))
		h->rc = TC_ERR_NOMEM;
}

static enum tc_rc health_read(struct tc_store *reader, void *arg)
{
	struct tc_api_health *h = arg;
	if (h->csv)
		fputs("receiver,kind,name,region,town,since,problem,evidence\n", h->f);
	enum tc_rc rc = tc_store_health_each(reader, h->set.silent_alerts, judge_row, h);
	return rc ? rc : h->rc;
}

static json_t *answer(struct tc_api_health *h)
{
	json_t *towns = json_array(), *counts = json_object();
	size_t n = tc_health_towns(h->towns.v, h->towns.n);
	long receivers = 0, listed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tc_health_town *t = tc_vec_at(&h->towns, i);
		receivers += t->receivers;
		listed += t->listed;
		json_array_append_new(towns, json_pack("{s:s, s:I, s:I, s:I, s:f}", "town", t->town, "receivers",
						       (json_int_t)t->receivers, "listed", (json_int_t)t->listed,
						       "healthy", (json_int_t)(t->receivers - t->listed), "health",
						       tc_health_ratio(t)));
	}
	for (int p = 0; p < TC_HEALTH_N; p++)
		json_object_set_new(counts, tc_health_problem_name((enum tc_health_problem)p), json_integer(h->counts[p]));
	json_object_set_new(counts, "listed", json_integer(listed));
	json_object_set_new(counts, "receivers", json_integer(receivers));
	json_t *j = json_pack("{s:I, s:{s:I, s:I, s:I}, s:o, s:O, s:o}", "now", (json_int_t)h->now, "settings", "offline_h",
			      (json_int_t)h->set.offline_h, "silent_alerts", (json_int_t)h->set.silent_alerts, "clock_s",
			      (json_int_t)h->set.clock_s, "counts", counts, "receivers", h->list, "towns", towns);
	return j;
}

static enum MHD_Result send_csv(struct tc_api_health *h, struct MHD_Connection *c)
{
	fclose(h->f);
	h->f = NULL;
	struct MHD_Response *r = MHD_create_response_from_buffer(h->len, h->text, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	h->text = NULL;
	MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* The request's state, made on its first call; NULL with *refused set when the query is bad. */
static struct tc_api_health *start(struct tc_api *api, struct MHD_Connection *c, const struct request *rq,
				   enum MHD_Result *refused)
{
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	if (format && strcmp(format, "csv") && strcmp(format, "json")) {
		*refused = tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "format must be json or csv (got '%.40s')",
					format);
		return NULL;
	}
	struct tc_api_health *h = calloc(1, sizeof(*h));
	if (!h) {
		*refused = MHD_NO;
		return NULL;
	}
	h->user = rq->user;
	h->set = api->o.health;
	h->now = tc_api_now(api);
	h->csv = format && !strcmp(format, "csv");
	h->list = json_array();
	h->towns = (struct tc_vec)TC_VEC_OF(struct tc_health_town);
	if (h->csv)
		h->f = open_memstream(&h->text, &h->len);
	if (!h->list || (h->csv && !h->f)) {
		tc_api_health_free(h);
		*refused = tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
		return NULL;
	}
	return h;
}

enum MHD_Result tc_api_health(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	struct tc_api_health *h = rq->health;
	if (!h) {
		enum MHD_Result refused = MHD_NO;
		h = rq->health = start(api, c, rq, &refused);
		if (!h)
			return refused;
		struct tc_store_task *task = NULL;
		if (tc_store_task_start(api->store, health_read, h, &task) == TC_OK) {
			tc_api_wait_task(api, c, rq, task);
			return MHD_YES;
		}
		rq->task_over = true; /* no thread: here, then */
		rq->task_rc = health_read(api->store, h);
	}
	if (rq->task_rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the receivers' health could not be read");
	tc_log(TC_LOG_DEBUG, "http", "health: %zu receiver(s) on the list for %s", json_array_size(h->list), rq->user.name);
	if (h->csv)
		return send_csv(h, c);
	return tc_api_reply(c, MHD_HTTP_OK, answer(h));
}
