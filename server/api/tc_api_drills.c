/*
 * tc_api_drills.c — the bureau's drills through the API:
 *
 *   GET /api/v1/drills                         the schedules, the configuration's (source
 *                                              config, id config-N: its N-th drill line) and
 *                                              the API's (source api, id N), each with its
 *                                              next slot and its last run (read right)
 *   POST /api/v1/drills {"schedule":"weekly wed 10:00 silent 120116"}
 *                                              keep a schedule → 201 with its id
 *   DELETE /api/v1/drills/{id}                 remove an API schedule
 *   GET /api/v1/drills/runs[?limit=N]          the runs, newest slot first
 *   GET /api/v1/drills/runs/{id}/report[?format=csv]
 *
 * Who may add or remove a schedule (docs/security.md, "Users and roles"):
 * its slots release alerts to receivers with no second person, so a silent
 * one (a Test: nothing is heard) takes the submit right and an audible one
 * (an Exercise, played aloud every slot) the approve right, as releasing an
 * alert does; its region must lie in the user's regions (`*` only for a
 * user of every region) and drill_sender among the user's departments. The
 * configuration's schedules are the bureau's: they are changed in its file,
 * never here. Each addition and removal is audited with the user and the
 * schedule. tocsind's drill timer reads the stored schedules at every pass
 * (tocsind_drill.h), so a change takes effect without a restart.
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
#include "tc_log.h"
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

/* One schedule of GET /api/v1/drills; NULL when the store could not be read. */
static json_t *schedule_json(struct tc_api *api, const struct tc_drill *dr, const char *id, const char *source,
			     int64_t now)
{
	static const char *const every[] = { "daily", "weekly", "monthly" };
	char when[32], at[16], day[16] = "";
	json_t *last = NULL;
	int64_t next = tc_drill_next(dr, now);
	beijing(next, when);
	snprintf(at, sizeof(at), "%02d:%02d", dr->minute / 60 % 24, dr->minute % 60);
	if (dr->every != TC_DRILL_DAILY) /* the spec's second word: wed, first-mon */
		snprintf(day, sizeof(day), "%.*s", (int)strcspn(strchr(dr->spec, ' ') + 1, " "), strchr(dr->spec, ' ') + 1);
	if (tc_store_drill_runs(api->store, dr->spec, 0, 1, last_run, &last))
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "id", id, "source", source, "schedule",
			 dr->spec, "every", every[dr->every], "time", at, "mode", dr->audible ? "audible" : "silent",
			 "region", dr->region[0] ? dr->region : "*", "day", day,
			 "next_slot", (json_int_t)next, "next_slot_time", when, "last_run", last ? last : json_null());
}

struct listing {
	struct tc_api *api;
	json_t *list;
	int64_t now;
	bool failed;
};

static void list_stored(const struct tc_drill_schedule *sc, void *user)
{
	struct listing *l = user;
	struct tc_drill dr;
	char id[24];
	json_t *j = NULL;
	snprintf(id, sizeof(id), "%lld", (long long)sc->id);
	if (tc_drill_parse(sc->spec, &dr, NULL) == TC_OK && !(j = schedule_json(l->api, &dr, id, "api", l->now)))
		l->failed = true;
	if (j) {
		json_object_set_new(j, "created_by", json_string(sc->created_by));
		json_object_set_new(j, "created_at", json_integer(sc->created_at));
		json_array_append_new(l->list, j);
	}
}

/* GET /api/v1/drills */
static enum MHD_Result schedules(struct tc_api *api, struct MHD_Connection *c)
{
	struct listing l = { api, json_array(), tc_api_now(api) + api->o.drill_clock_offset_s, false };
	for (size_t i = 0; !l.failed && i < api->o.n_drills; i++) {
		char id[32];
		snprintf(id, sizeof(id), "config-%zu", i + 1);
		json_t *j = schedule_json(api, &api->o.drills[i], id, "config", l.now);
		l.failed = !j;
		json_array_append_new(l.list, j);
	}
	if (l.failed || tc_store_drill_schedules(api->store, 0, list_stored, &l) || l.failed) {
		json_decref(l.list);
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill schedules could not be read");
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o, s:I}", "drills", l.list, "target_s", (json_int_t)target_of(api)));
}

/* --- adding and removing ------------------------------------------------------------------- */

/*
 * Whether the request's user may add or remove dr: 0, or -1 with the refusal queued (403 naming
 * what the user lacks).
 */
static int may_change(struct tc_api *api, struct MHD_Connection *c, const struct request *rq, const struct tc_drill *dr)
{
	const struct tc_user *u = &rq->user;
	bool every = false;
	for (size_t i = 0; i < u->n_regions && i < TC_AUTH_MAX_REGIONS; i++)
		every |= !strcmp(u->regions[i], "*");
	if (dr->audible && !tc_role_may(u->role, TC_PERM_APPROVE))
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.role",
			     "'%s' is audible: an Exercise played aloud at every slot with no second person needs the "
			     "approve right, and user %s (%s) may not approve", dr->spec, u->name, tc_role_name(u->role));
	else if (dr->region[0] ? !tc_user_in_scope(u, dr->region) : !every)
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region", "'%s' reaches region %s, outside the regions of user %s",
			     dr->spec, dr->region[0] ? dr->region : "* (every region)", u->name);
	else if (!tc_user_may_send_as(u, api->o.drill_sender))
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.department",
			     "drills go out as %s (drill_sender), not a department of user %s", api->o.drill_sender, u->name);
	else
		return 0;
	api->forbidden++;
	return -1;
}

struct count {
	const char *spec;
	size_t n;
	int64_t same; /* the id of a stored schedule with that spec */
};

static void count_stored(const struct tc_drill_schedule *sc, void *user)
{
	struct count *k = user;
	k->n++;
	if (!strcmp(sc->spec, k->spec))
		k->same = sc->id;
}

/* The schedule a POST body names into dr; NULL, or the refusal's message into why. */
static const char *body_schedule(const struct request *rq, struct tc_drill *dr, char *why, size_t len)
{
	json_t *j = rq->body.n ? json_loadb(rq->body.v, rq->body.n, 0, NULL) : NULL;
	const char *text = json_string_value(json_object_get(j, "schedule"));
	struct tc_diags *d = tc_diags_new();
	const char *bad = NULL;
	if (!text)
		bad = "the body must be {\"schedule\": \"weekly wed 10:00 silent 120116\"}";
	else if (!d)
		bad = "out of memory";
	else if (tc_drill_parse(text, dr, d)) {
		snprintf(why, len, "%s", tc_diags_count(d) ? tc_diags_get(d, 0)->message : "the schedule cannot be read");
		bad = why;
	}
	tc_diags_free(d);
	json_decref(j);
	return bad;
}

/* POST /api/v1/drills */
static enum MHD_Result add(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct tc_drill dr;
	char why[256], id[24];
	const char *bad = body_schedule(rq, &dr, why, sizeof(why));
	if (bad)
		return tc_api_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "drill.syntax", "%s", bad);
	if (!api->o.drill_sender || !api->o.drill_sender[0])
		return tc_api_error(c, MHD_HTTP_CONFLICT, "drill.sender",
				    "tocsind has no drill_sender: set the bureau's CAP sender in its configuration first");
	if (may_change(api, c, rq, &dr))
		return MHD_YES;
	for (size_t i = 0; i < api->o.n_drills; i++)
		if (!strcmp(api->o.drills[i].spec, dr.spec))
			return tc_api_error(c, MHD_HTTP_CONFLICT, "drill.duplicate",
					    "'%s' is schedule config-%zu already, in tocsind's configuration", dr.spec, i + 1);
	struct count k = { dr.spec, 0, 0 };
	if (tc_store_drill_schedules(api->store, 0, count_stored, &k))
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill schedules could not be read");
	if (k.same)
		return tc_api_error(c, MHD_HTTP_CONFLICT, "drill.duplicate", "'%s' is schedule %lld already", dr.spec,
				    (long long)k.same);
	if (k.n >= TC_DRILL_MAX)
		return tc_api_error(c, MHD_HTTP_CONFLICT, "drill.limit",
				    "there are %zu schedules through the API already, the most tocsind keeps: remove one first", k.n);
	int64_t n = 0, now = tc_api_now(api);
	if (tc_store_drill_schedule_add(api->store, dr.spec, rq->user.name, now, now + api->o.drill_clock_offset_s, &n))
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the schedule could not be written");
	snprintf(id, sizeof(id), "%lld", (long long)n);
	tc_api_audit(api, rq, "drill-add", NULL, id, dr.spec);
	tc_log(TC_LOG_INFO, "http", "schedule=%s '%s' added by user %s", id, dr.spec, rq->user.name);
	json_t *j = schedule_json(api, &dr, id, "api", now + api->o.drill_clock_offset_s);
	if (!j)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill runs could not be read");
	json_object_set_new(j, "created_by", json_string(rq->user.name));
	json_object_set_new(j, "created_at", json_integer(now));
	return tc_api_reply(c, MHD_HTTP_CREATED, j);
}

static void copy_stored(const struct tc_drill_schedule *sc, void *user)
{
	snprintf(user, sizeof(((struct tc_drill *)0)->spec), "%s", sc->spec);
}

/* DELETE /api/v1/drills/{id} */
static enum MHD_Result remove_schedule(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct tc_drill dr;
	char spec[sizeof(dr.spec)] = "";
	if (!strncmp(rq->id, "config-", 7)) {
		long i = atol(rq->id + 7);
		if (i < 1 || (size_t)i > api->o.n_drills)
			return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no drill schedule %s", rq->id);
		return tc_api_error(c, MHD_HTTP_CONFLICT, "drill.config",
				    "schedule %s ('%s') lives in tocsind's configuration file (its drill = lines): remove "
				    "it there and restart tocsind", rq->id, api->o.drills[i - 1].spec);
	}
	enum tc_rc rc = tc_store_drill_schedules(api->store, atoll(rq->id), copy_stored, spec);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no drill schedule %s", rq->id);
	if (rc || tc_drill_parse(spec, &dr, NULL))
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the drill schedule could not be read");
	if (may_change(api, c, rq, &dr))
		return MHD_YES;
	rc = tc_store_drill_schedule_remove(api->store, atoll(rq->id), spec, sizeof(spec));
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no drill schedule %s", rq->id);
	if (rc)
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the schedule could not be removed");
	tc_api_audit(api, rq, "drill-remove", NULL, rq->id, spec);
	tc_log(TC_LOG_INFO, "http", "schedule=%s '%s' removed by user %s", rq->id, spec, rq->user.name);
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:s, s:s, s:b}", "id", rq->id, "schedule", spec, "removed", true));
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

enum MHD_Result tc_api_drills(struct tc_api *api, struct MHD_Connection *c, struct request *rq, bool get)
{
	if (rq->ep == EP_DRILL_RUNS)
		return runs(api, c);
	if (rq->ep == EP_DRILL_REPORT)
		return report(api, c, rq);
	if (rq->ep == EP_DRILL)
		return remove_schedule(api, c, rq);
	if (!get)
		return add(api, c, rq);
	return schedules(api, c);
}
