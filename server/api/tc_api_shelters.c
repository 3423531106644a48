/*
 * tc_api_shelters.c — the way to shelter on the HTTP API (tc_api_int.h):
 *
 *   GET  /api/v1/shelters/guidance?receiver=ID
 *        {"receiver","region","walk_m","shelter":{"id","name","name_en","lat","lon","capacity",
 *         "occupancy","occupancy_at","state","full"}|null,"distance_m","rounded_m","direction",
 *         "direction_zh","assigned","zh","en","others":[{"id","name","distance_m"}]}
 *        what the receiver's village is told now (tc_shelter_near.h); 404 for an unknown
 *        receiver, 403 outside the user's regions.
 *   POST /api/v1/shelters/{id}/occupancy  {"occupancy":N} | {"full":true|false} |
 *        {"state":"open"|"full"|"closed"} (occupancy may come with either) →
 *        200 {"id","capacity","occupancy","occupancy_at","state","full"}; audited. Registry
 *        clerks for any shelter; a shelter manager (role shelter) only for the shelter whose
 *        registered phone is the user's.
 *   GET  /api/v1/shelters/report[?format=csv]  the planning report over the villages of the
 *        user's regions, read off the loop on a reader connection (100,000 receivers).
 */
#include "tc_api_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_log.h"
#include "tc_shelter_near.h"
#include "tc_vec.h"

#define OCCUPANCY_MAX 10000000

static double walk_m(const struct tc_api *api)
{
	return api->o.shelter_walk_m > 0 ? api->o.shelter_walk_m : TC_SHELTER_WALK_M_DEFAULT;
}

static json_t *shelter_json(const struct tc_shelter *sh)
{
	return json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:I, s:I, s:s, s:b}", "id", sh->id, "name", sh->name, "name_en",
			 sh->name_en, "lat", sh->lat, "lon", sh->lon, "capacity", (json_int_t)sh->capacity, "occupancy",
			 (json_int_t)sh->occupancy, "occupancy_at", (json_int_t)sh->occupancy_at, "state", sh->state, "full",
			 tc_store_shelter_full(sh));
}

static double metres(double m)
{
	return round(m * 10) / 10;
}

enum MHD_Result tc_api_shelter_guidance(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "receiver");
	struct tc_receiver r;
	struct tc_shelter_near *x = NULL;
	if (!id || !*id)
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "receiver=ID is missing: whose guidance?");
	enum tc_rc rc = tc_store_get_receiver(api->store, id, &r);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no receiver '%.64s' is registered", id);
	if (!rc && !tc_user_in_scope(&rq->user, r.region))
		return tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region", "receiver %s is in region %s, outside the regions of user %s",
				    r.id, r.region, rq->user.name);
	if (!rc)
		rc = tc_shelter_near_load(api->store, walk_m(api), false, &x);
	if (rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the shelters could not be read");
	struct tc_shelter_guide g;
	struct tc_shelter_choice ch[TC_SHELTER_MAX_CHOICES];
	tc_shelter_guidance(x, &r, &g);
	size_t n = tc_shelter_near_find(x, r.lat, r.lon, r.shelter_id, ch, TC_SHELTER_MAX_CHOICES);
	json_t *others = json_array();
	for (size_t i = 1; i < n; i++) {
		const struct tc_shelter *o = tc_shelter_near_get(x, ch[i].shelter);
		json_array_append_new(others, json_pack("{s:s, s:s, s:f}", "id", o->id, "name", o->name, "distance_m",
							metres(ch[i].distance_m)));
	}
	const struct tc_shelter *sh = g.shelter == TC_SHELTER_NONE ? NULL : tc_shelter_near_get(x, g.shelter);
	json_t *j = json_pack("{s:s, s:s, s:f, s:o, s:f, s:I, s:s, s:s, s:b, s:s, s:s, s:o}", "receiver", r.id, "region",
			      r.region, "walk_m", walk_m(api), "shelter", sh ? shelter_json(sh) : json_null(), "distance_m",
			      metres(g.distance_m), "rounded_m", (json_int_t)g.rounded_m, "direction",
			      tc_shelter_direction_name(g.direction), "direction_zh", tc_shelter_direction_zh(g.direction),
			      "assigned", g.assigned, "zh", g.zh, "en", g.en, "others", others);
	tc_shelter_near_free(x);
	return tc_api_reply(c, MHD_HTTP_OK, j);
}

/* The shelter id of POST /api/v1/shelters/{id}/occupancy is in rq->id. */
struct occupancy_ask {
	bool has_count, has_state;
	long count;
	enum tc_shelter_sms_kind state;
};

/* The body's fields into *a; NULL when fine, else what is wrong (for the duty officer). */
static const char *occupancy_body(json_t *j, struct occupancy_ask *a, char *why, size_t len)
{
	static const struct {
		const char *name;
		enum tc_shelter_sms_kind kind;
	} states[] = { { "open", TC_SHELTER_SMS_OPEN }, { "full", TC_SHELTER_SMS_FULL }, { "closed", TC_SHELTER_SMS_CLOSED } };
	const char *key;
	json_t *v;
	if (!json_is_object(j))
		return "the body is not a JSON object: {\"occupancy\": N} or {\"full\": true}";
	json_object_foreach(j, key, v) {
		if (!strcmp(key, "occupancy")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > OCCUPANCY_MAX) {
				snprintf(why, len, "occupancy must be a whole number of people from 0 to %d", OCCUPANCY_MAX);
				return why;
			}
			a->has_count = true;
			a->count = (long)json_integer_value(v);
		} else if (!strcmp(key, "full")) {
			if (!json_is_boolean(v))
				return "full must be true or false";
			a->has_state = true;
			a->state = json_is_true(v) ? TC_SHELTER_SMS_FULL : TC_SHELTER_SMS_OPEN;
		} else if (!strcmp(key, "state")) {
			a->has_state = false;
			for (size_t i = 0; json_is_string(v) && i < sizeof(states) / sizeof(states[0]); i++)
				if (!strcmp(json_string_value(v), states[i].name))
					a->has_state = true, a->state = states[i].kind;
			if (!a->has_state)
				return "state must be open, full or closed";
		} else {
			snprintf(why, len, "unknown field '%.40s': occupancy, full or state", key);
			return why;
		}
	}
	if (!a->has_count && !a->has_state)
		return "nothing to change: give occupancy, full or state";
	return NULL;
}

enum MHD_Result tc_api_shelter_occupancy(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct tc_shelter sh;
	struct occupancy_ask a = { 0 };
	char why[128], detail[160];
	enum tc_rc rc = tc_store_get_shelter(api->store, rq->id, &sh);
	if (rc == TC_ERR_NOTFOUND)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no shelter '%.64s' is registered", rq->id);
	if (rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the shelter could not be read");
	/* a manager reports for its own shelter only: the one registered with the user's phone */
	if (!tc_role_may(rq->user.role, TC_PERM_REGISTRY) && (!rq->user.phone[0] || strcmp(rq->user.phone, sh.phone)))
		return tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.shelter",
				    "user %s may report only for the shelter registered with its phone (%s), not for %s",
				    rq->user.name, rq->user.phone[0] ? rq->user.phone : "none given", sh.id);
	json_error_t err;
	json_t *j = rq->body.n ? json_loadb(rq->body.v, rq->body.n, 0, &err) : NULL;
	if (!j)
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.json",
				    "the body is not JSON: {\"occupancy\": N} or {\"full\": true}");
	const char *bad = occupancy_body(j, &a, why, sizeof(why));
	json_decref(j);
	if (bad)
		return tc_api_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "shelter.occupancy", "%s", bad);
	int64_t now = tc_api_now(api);
	if (a.has_count)
		tc_shelter_apply(&sh, TC_SHELTER_SMS_COUNT, a.count, now);
	if (a.has_state)
		tc_shelter_apply(&sh, a.state, 0, now);
	if (tc_store_shelter_report(api->store, sh.id, sh.occupancy, sh.state, now))
		return tc_api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the shelter's occupancy could not be written");
	snprintf(detail, sizeof(detail), "occupancy %ld, state %s%s", sh.occupancy, sh.state,
		 tc_store_shelter_full(&sh) ? " (full)" : "");
	tc_api_audit(api, rq, "shelter-occupancy", NULL, sh.id, detail);
	tc_log(TC_LOG_INFO, "http", "shelter=%s occupancy=%ld state=%s by user %s", sh.id, sh.occupancy, sh.state,
	       rq->user.name);
	if (api->o.shelter_changed)
		api->o.shelter_changed(sh.id, api->o.shelter_user);
	return tc_api_reply(c, MHD_HTTP_OK,
			    json_pack("{s:s, s:I, s:I, s:I, s:s, s:b}", "id", sh.id, "capacity", (json_int_t)sh.capacity,
				      "occupancy", (json_int_t)sh.occupancy, "occupancy_at", (json_int_t)sh.occupancy_at,
				      "state", sh.state, "full", tc_store_shelter_full(&sh)));
}

/* --- the planning report ----------------------------------------------------------------- */

struct tc_api_shelter_report {
	struct tc_user user; /* a copy: the thread reads it */
	double walk_m;
	bool csv;
	struct tc_vec rx;    /* struct tc_receiver */
	char *text;
	enum tc_rc rc;
};

void tc_api_shelter_report_free(struct tc_api_shelter_report *r)
{
	if (!r)
		return;
	tc_vec_free(&r->rx);
	free(r->text);
	free(r);
}

static void keep_receiver(const struct tc_receiver *r, void *user)
{
	struct tc_api_shelter_report *p = user;
	if (!strcmp(r->kind, "loudspeaker") && !p->rc && tc_vec_append(&p->rx, r, 1))
		p->rc = TC_ERR_NOMEM;
}

static bool in_scope(const char *region, void *user)
{
	return tc_user_in_scope(user, region);
}

/* One CSV field: quoted when it holds a comma, a quote or a line end. */
static void csv_field(FILE *f, const char *v, bool last)
{
	if (strpbrk(v, ",\"\r\n")) {
		fputc('"', f);
		for (const char *p = v; *p; p++)
			fprintf(f, *p == '"' ? "\"\"" : "%c", *p);
		fputc('"', f);
	} else {
		fputs(v, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void report_csv(const struct tc_shelter_near *x, const struct tc_shelter_report *r, FILE *f)
{
	char n[4][32];
	fputs("problem,region,shelter,name,population,capacity,villages,nearest_shelter,nearest_m\n", f);
	for (size_t i = 0; i < r->n_gaps; i++) {
		const struct tc_shelter_gap *g = &r->gaps[i];
		const struct tc_shelter *near = g->nearest == TC_SHELTER_NONE ? NULL : tc_shelter_near_get(x, g->nearest);
		snprintf(n[0], sizeof(n[0]), "%ld", g->population);
		snprintf(n[1], sizeof(n[1]), "%.0f", g->nearest_m);
		fprintf(f, "no-shelter,%s,,,%s,,,", g->region, n[0]);
		csv_field(f, near ? near->id : "", false);
		csv_field(f, near ? n[1] : "", true);
	}
	for (size_t i = 0; i < r->n_shorts; i++) {
		const struct tc_shelter_short *s = &r->shorts[i];
		const struct tc_shelter *sh = tc_shelter_near_get(x, s->shelter);
		fputs("short-of-room,,", f);
		csv_field(f, sh->id, false);
		csv_field(f, sh->name, false);
		fprintf(f, "%ld,%ld,%zu,,\n", s->population, s->capacity, s->villages);
	}
}

static json_t *report_json(const struct tc_shelter_near *x, const struct tc_shelter_report *r, double walk)
{
	json_t *gaps = json_array(), *shorts = json_array();
	for (size_t i = 0; i < r->n_gaps; i++) {
		const struct tc_shelter_gap *g = &r->gaps[i];
		const struct tc_shelter *near = g->nearest == TC_SHELTER_NONE ? NULL : tc_shelter_near_get(x, g->nearest);
		json_array_append_new(gaps, json_pack("{s:s, s:I, s:I, s:o}", "region", g->region, "population",
						      (json_int_t)g->population, "loudspeakers", (json_int_t)g->receivers,
						      "nearest", near ? json_pack("{s:s, s:s, s:f}", "id", near->id, "name",
										  near->name, "distance_m", metres(g->nearest_m))
								      : json_null()));
	}
	for (size_t i = 0; i < r->n_shorts; i++) {
		const struct tc_shelter_short *s = &r->shorts[i];
		const struct tc_shelter *sh = tc_shelter_near_get(x, s->shelter);
		json_array_append_new(shorts, json_pack("{s:s, s:s, s:I, s:I, s:I}", "id", sh->id, "name", sh->name,
							"capacity", (json_int_t)s->capacity, "population",
							(json_int_t)s->population, "villages", (json_int_t)s->villages));
	}
	return json_pack("{s:f, s:I, s:o, s:o}", "walk_m", walk, "villages", (json_int_t)r->villages, "without_shelter",
			 gaps, "short_of_room", shorts);
}

/* The report's text, on a reader connection (in a thread of its own, or here when none could start). */
static enum tc_rc report_read(struct tc_store *reader, void *arg)
{
	struct tc_api_shelter_report *p = arg;
	struct tc_shelter_near *x = NULL;
	struct tc_shelter_report r = { 0 };
	enum tc_rc rc = tc_store_each_receiver(reader, keep_receiver, p);
	if (!rc)
		rc = p->rc;
	if (!rc)
		rc = tc_shelter_near_load(reader, p->walk_m, true, &x);
	if (!rc)
		rc = tc_shelter_report(x, p->rx.v, p->rx.n, in_scope, &p->user, &r);
	if (!rc && p->csv) {
		size_t len = 0;
		FILE *f = open_memstream(&p->text, &len);
		if (f) {
			report_csv(x, &r, f);
			fclose(f);
		}
	} else if (!rc) {
		json_t *j = report_json(x, &r, p->walk_m);
		p->text = j ? json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
	}
	if (!rc && !p->text)
		rc = TC_ERR_NOMEM;
	tc_shelter_report_release(&r);
	tc_shelter_near_free(x);
	return rc;
}

enum MHD_Result tc_api_shelter_report(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	struct tc_api_shelter_report *p = rq->shelter_report;
	if (!p) {
		const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
		if (format && strcmp(format, "csv") && strcmp(format, "json"))
			return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "format must be csv or json (got '%.20s')",
					    format);
		p = rq->shelter_report = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->user = rq->user;
		p->walk_m = walk_m(api);
		p->csv = format && !strcmp(format, "csv");
		tc_vec_init(&p->rx, sizeof(struct tc_receiver));
		struct tc_store_task *task = NULL;
		if (tc_store_task_start(api->store, report_read, p, &task) == TC_OK) {
			tc_api_wait_task(api, c, rq, task);
			return MHD_YES;
		}
		rq->task_over = true; /* no thread: here, then */
		rq->task_rc = report_read(api->store, p);
	}
	if (rq->task_rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the registry could not be read");
	char *text = p->text;
	p->text = NULL;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", p->csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}
