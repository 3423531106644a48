/*
 * tc_api_drills.c — the bureau's drills through the API (read right):
 *
 *   GET /api/v1/drills                         the schedules of the configuration, each with
 *                                              its next slot and its last run
 *   GET /api/v1/drills/runs[?limit=N]          the runs, newest slot first
 *   GET /api/v1/drills/runs/{id}/report[?format=csv]
 *
 * A report reads the run's alert's deliveries: per receiver whether it
 * answered (played, displayed, or a passed self-check), failed (a failed
 * check names the check) or stayed silent, and the seconds from release
 * (the alert's acceptance) to its answer; then the same per town (9 digits)
 * and village (12 digits), the receivers that failed with why, and the trend
 * over the last 10 runs of the schedule. Only receivers in the user's
 * regions are counted, as in every read.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_api_int.h"
#include "tc_csv.h"
#include "tc_drill.h"
#include "tc_store_drill.h"

#define TREND_RUNS 10

static long target_of(const struct tc_api *api)
{
	return api->o.drill_target_s > 0 ? api->o.drill_target_s : 300;
}

static void beijing(int64_t t, char out[32])
{
	time_t local = (time_t)(t + TC_DRILL_UTC_OFFSET_S);
	struct tm tm;
	gmtime_r(&local, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

static json_t *run_json(const struct tc_drill_run *r)
{
	char when[32];
	struct tc_drill dr;
	beijing(r->slot, when);
	bool audible = tc_drill_parse(r->schedule, &dr, NULL) == TC_OK && dr.audible;
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)r->id, "schedule", r->schedule, "mode",
			 audible ? "audible" : "silent", "slot", (json_int_t)r->slot, "slot_time", when, "alert_id",
			 r->alert_id, "released_at", (json_int_t)r->released_at);
}

static void run_into(const struct tc_drill_run *r, void *user)
{
	json_t *j = run_json(r);
	if (j)
		json_array_append_new(user, j);
}

static void last_run(const struct tc_drill_run *r, void *user)
{
	json_t **j = user;
	if (!*j)
		*j = run_json(r);
}

/* GET /api/v1/drills */
static enum MHD_Result schedules(struct tc_api *api, struct MHD_Connection *c)
{
	static const char *const every[] = { "daily", "weekly", "monthly" };
	json_t *list = json_array();
	int64_t now = tc_api_now(api) + api->o.drill_clock_offset_s;
	for (size_t i = 0; i < api->o.n_drills; i++) {
		const struct tc_drill *dr = &api->o.drills[i];
		char when[32], at[16];
		json_t *last = NULL;
		int64_t next = tc_drill_next(dr, now);
		beijing(next, when);
		snprintf(at, sizeof(at), "%02d:%02d", dr->minute / 60 % 24, dr->minute % 60);
		if (tc_store_drill_runs(api->store, dr->spec, 0, 1, last_run, &last)) {
			json_decref(list);
			return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill runs could not be read");
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "schedule", dr->spec,
						      "every", every[dr->every], "time", at, "mode",
						      dr->audible ? "audible" : "silent", "region",
						      dr->region[0] ? dr->region : "*", "next_slot", (json_int_t)next,
						      "next_slot_time", when, "last_run", last ? last : json_null()));
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o, s:I}", "drills", list, "target_s", (json_int_t)target_of(api)));
}

/* GET /api/v1/drills/runs[?limit=N] */
static enum MHD_Result runs(struct tc_api *api, struct MHD_Connection *c)
{
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	long n = limit ? atol(limit) : 100;
	if (n < 1 || n > 10000)
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "limit must be 1 to 10000");
	json_t *list = json_array();
	if (tc_store_drill_runs(api->store, NULL, 0, (size_t)n, run_into, list)) {
		json_decref(list);
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill runs could not be read");
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o}", "runs", list));
}

/* --- the report -------------------------------------------------------------------------- */

enum verdict { V_ANSWERED, V_FAILED, V_SILENT };
static const char *const verdicts[] = { "answered", "failed", "silent" };

struct row {
	char receiver[64], region[16], town[16], village[16], reason[160];
	enum verdict v;
	long secs; /* answered: seconds from release; -1 otherwise */
};

struct rows {
	struct tc_vec v; /* struct row */
	const struct tc_user *user;
	int64_t released;
	enum tc_rc rc;
};

static void take_answer(const struct tc_drill_answer *a, void *user)
{
	struct rows *rs = user;
	if (rs->rc || !tc_user_in_scope(rs->user, a->region))
		return;
	struct row *r = tc_vec_push(&rs->v);
	if (!r) {
		rs->rc = TC_ERR_NOMEM;
		return;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->receiver, sizeof(r->receiver), "%s", a->receiver);
	snprintf(r->region, sizeof(r->region), "%s", a->region);
	snprintf(r->town, sizeof(r->town), "%.9s", a->region);
	snprintf(r->village, sizeof(r->village), "%.12s", a->region);
	r->secs = -1;
	if (!strcmp(a->state, "played") || !strcmp(a->state, "displayed")) {
		r->v = V_ANSWERED;
		r->secs = a->answered_at > rs->released ? (long)(a->answered_at - rs->released) : 0;
	} else if (!strcmp(a->state, "failed") || !strcmp(a->state, "rejected")) {
		r->v = V_FAILED;
		snprintf(r->reason, sizeof(r->reason), "%s", a->reason[0] ? a->reason : a->state);
	} else {
		r->v = V_SILENT;
		snprintf(r->reason, sizeof(r->reason), "silent: no answer (delivery %s)", a->state);
	}
}

static enum tc_rc rows_of(struct tc_api *api, const char *alert_id, int64_t released, const struct tc_user *u,
			  struct rows *rs)
{
	*rs = (struct rows){ .v = TC_VEC_OF(struct row), .user = u, .released = released };
	enum tc_rc rc = tc_store_drill_answers(api->store, alert_id, take_answer, rs);
	return rc ? rc : rs->rc;
}

static int by_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* The figures of the rows whose key (town or village; NULL: all) is key, as JSON. */
static json_t *figures(const struct row *v, size_t n, size_t key_off, const char *key, long target)
{
	long *secs = calloc(n + 1, sizeof(long));
	size_t targets = 0, k = 0, failed = 0, silent = 0, within = 0;
	for (size_t i = 0; secs && i < n; i++) {
		if (key && strcmp((const char *)&v[i] + key_off, key))
			continue;
		targets++;
		failed += v[i].v == V_FAILED;
		silent += v[i].v == V_SILENT;
		if (v[i].v == V_ANSWERED) {
			secs[k++] = v[i].secs;
			within += v[i].secs <= target;
		}
	}
	if (!secs)
		return NULL;
	qsort(secs, k, sizeof(long), by_long);
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "targets", (json_int_t)targets, "answered", (json_int_t)k,
			      "failed", (json_int_t)(failed + silent), "silent", (json_int_t)silent, "check_failed",
			      (json_int_t)failed, "within_target", (json_int_t)within);
	json_object_set_new(j, "median_s", k ? json_real(k % 2 ? (double)secs[k / 2] : (secs[k / 2 - 1] + secs[k / 2]) / 2.0)
					     : json_null());
	json_object_set_new(j, "worst_s", k ? json_integer(secs[k - 1]) : json_null());
	json_object_set_new(j, "answer_rate", json_real(targets ? (double)k / (double)targets : 0.0));
	free(secs);
	return j;
}

/* Per town or village (the rows are in region order, so each group is contiguous). */
static json_t *groups(const struct row *v, size_t n, size_t key_off, const char *name, long target)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *key = (const char *)&v[i] + key_off;
		if (i && !strcmp(key, (const char *)&v[i - 1] + key_off))
			continue;
		json_t *g = figures(v, n, key_off, key, target);
		if (g) {
			json_object_set_new(g, name, json_string(key));
			json_array_append_new(list, g);
		}
	}
	return list;
}

struct trend {
	struct tc_api *api;
	const struct tc_user *user;
	int64_t upto; /* runs with a slot up to this one */
	long target;
	json_t *list;
};

static void trend_run(const struct tc_drill_run *r, void *user)
{
	struct trend *t = user;
	struct rows rs;
	if (r->slot > t->upto || json_array_size(t->list) >= TREND_RUNS)
		return;
	/* a second statement while the runs are read: answers use another prepared query */
	if (rows_of(t->api, r->alert_id, r->released_at, t->user, &rs) == TC_OK) {
		json_t *f = figures(rs.v.v, rs.v.n, 0, NULL, t->target);
		if (f)
			json_array_append_new(t->list, json_pack("{s:I, s:I, s:O, s:O, s:O, s:O}", "run", (json_int_t)r->id,
								 "slot", (json_int_t)r->slot, "answer_rate",
								 json_object_get(f, "answer_rate"), "median_s",
								 json_object_get(f, "median_s"), "failures",
								 json_object_get(f, "failed"), "targets",
								 json_object_get(f, "targets")));
		json_decref(f);
	}
	tc_vec_free(&rs.v);
}

static enum MHD_Result report_csv(struct MHD_Connection *c, const struct row *v, size_t n, long target)
{
	char *text = NULL, secs[24];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
	fputs("receiver,town,village,state,seconds,within_target,reason\n", f);
	for (size_t i = 0; i < n; i++) {
		snprintf(secs, sizeof(secs), "%ld", v[i].secs);
		tc_csv_field(f, v[i].receiver, false);
		tc_csv_field(f, v[i].town, false);
		tc_csv_field(f, v[i].village, false);
		tc_csv_field(f, verdicts[v[i].v], false);
		tc_csv_field(f, v[i].secs >= 0 ? secs : "", false);
		tc_csv_field(f, v[i].v == V_ANSWERED && v[i].secs <= target ? "yes" : "no", false);
		tc_csv_field(f, v[i].reason, true);
	}
	fclose(f);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

static json_t *failures_json(const struct row *v, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		if (v[i].v != V_ANSWERED)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "receiver", v[i].receiver, "town",
							      v[i].town, "village", v[i].village, "state",
							      verdicts[v[i].v], "reason", v[i].reason));
	return list;
}

/* GET /api/v1/drills/runs/{id}/report[?format=csv] */
static enum MHD_Result report(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	json_t *run = NULL;
	struct rows rs = { .v = TC_VEC_OF(struct row) };
	long target = target_of(api);
	enum tc_rc rc = tc_store_drill_runs(api->store, NULL, atoll(rq->id), 1, last_run, &run);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no drill run %s", rq->id);
	if (format && strcmp(format, "csv") && strcmp(format, "json"))
		rc = TC_ERR_USAGE;
	if (!rc && run)
		rc = rows_of(api, json_string_value(json_object_get(run, "alert_id")),
			     json_integer_value(json_object_get(run, "released_at")), &rq->user, &rs);
	enum MHD_Result ok;
	if (rc == TC_ERR_USAGE)
		ok = tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "format must be json or csv");
	else if (rc || !run)
		ok = tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill run could not be read");
	else if (format && !strcmp(format, "csv"))
		ok = report_csv(c, rs.v.v, rs.v.n, target);
	else {
		const struct row *v = rs.v.v;
		struct trend t = { api, &rq->user, json_integer_value(json_object_get(run, "slot")), target, json_array() };
		json_t *j = figures(v, rs.v.n, 0, NULL, target);
		if (!j)
			j = json_object();
		tc_store_drill_runs(api->store, json_string_value(json_object_get(run, "schedule")), 0, 1000, trend_run, &t);
		json_object_set(j, "run", run);
		json_object_set_new(j, "target_s", json_integer(target));
		json_object_set_new(j, "towns", groups(v, rs.v.n, offsetof(struct row, town), "town", target));
		json_object_set_new(j, "villages", groups(v, rs.v.n, offsetof(struct row, village), "village", target));
		json_object_set_new(j, "failures", failures_json(v, rs.v.n));
		json_object_set_new(j, "trend", t.list);
		ok = tc_api_reply(c, MHD_HTTP_OK, j);
	}
	json_decref(run);
	tc_vec_free(&rs.v);
	return ok;
}

enum MHD_Result tc_api_drills(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	if (rq->ep == EP_DRILL_RUNS)
		return runs(api, c);
	if (rq->ep == EP_DRILL_REPORT)
		return report(api, c, rq);
	return schedules(api, c);
}
