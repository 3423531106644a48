/*
 * tc_api.c — the HTTP API (tc_api.h).
 *
 * A request body is gathered in the connection's own buffer (bounded by the
 * CAP size limit), then the whole request is answered at once: parse and
 * check the alert, store it durably, and only then say 201.
 *
 * The memory all bodies hold is accounted in one sum (struct tc_api.held):
 * a request adds its declared Content-Length when its headers are read (or
 * its bytes as they come, without one) and gives it back in on_done, which
 * libmicrohttpd calls for every request that began, finished or not.
 */
#define _GNU_SOURCE /* open_memstream */
#include "tc_api_int.h"
#include "tc_api_tls.h"
#include "tc_csv.h"
#include "tc_ingest.h"
#include "tc_log.h"
#include "tc_preview.h"
#include "tc_store_approval.h"
#include "tc_store_relay.h"
#include "tc_store_secrets.h"
#include "tc_store_sms.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>

#include <sodium.h>


static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *code, const char *message)
{
	return tc_api_error(c, status, code, "%s", message);
}

static json_t *diags_json(const struct tc_diags *d, enum tc_severity sev)
{
	json_t *a = json_array();
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		if (it->sev != sev)
			continue;
		json_t *o = json_pack("{s:s, s:s, s:s}", "code", it->code, "path", it->path, "message", it->message);
		if (it->line > 0)
			json_object_set_new(o, "line", json_integer(it->line));
		json_array_append_new(a, o);
	}
	return a;
}

#define CHECK_RECEIVERS_MAX 20000 /* receivers a check names one by one (the console's map); counts cover all */

static void reached_json(const char *region, size_t receivers, void *user)
{
	json_array_append_new(json_object_get(user, "regions"),
			      json_pack("{s:s, s:I}", "region", region, "receivers", (json_int_t)receivers));
}

static void target_json(const char *receiver, void *user)
{
	json_t *list = json_object_get(user, "receivers");
	if (json_array_size(list) < CHECK_RECEIVERS_MAX)
		json_array_append_new(list, json_string(receiver));
}

/*
 * POST /api/v1/alerts/check: what a submission of this CAP alert by this user would meet, with
 * nothing stored, audited or sent — 200 {"valid":true,"held","targets","regions":[{"region",
 * "receivers"}],"receivers":[id...],"warnings"} or 422 {"valid":false,"errors","warnings"} (the
 * user's limits included). For the console's checks as the officer types; "receivers" names at
 * most CHECK_RECEIVERS_MAX of them.
 *
 * POST /api/v1/alerts/preview (preview) goes this same way first; a valid alert is then handed
 * to the render worker (tc_api_preview.c), and one outside the user's departments or regions
 * is answered 403 as a submission would be.
 */
static enum MHD_Result check_alert(struct tc_api *api, struct MHD_Connection *c, struct request *rq, bool preview)
{
	if (preview && rq->preview_over) /* resumed: the render worker has answered */
		return tc_api_preview_reply(api, c, rq);
	json_t *reach = json_pack("{s:[], s:[]}", "regions", "receivers");
	struct tc_ingest_options io = { .profile = api->o.profile, .lenient = api->o.lenient, .max_bytes = api->o.max_bytes,
					.index = api->index, .cross_sender = api->o.cross_sender, .user = &rq->user,
					.approval = api->o.approval, .dry_run = true, .reached = reached_json,
					.target = target_json, .reached_user = reach };
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc = tc_ingest_alert(api->store, &io, "api", rq->body.v ? rq->body.v : "", rq->body.n, tc_api_now(api),
					&res, d);
	enum MHD_Result ok;
	if (rc == TC_OK && preview)
		ok = tc_api_preview_start(api, c, rq);
	else if (rc == TC_OK)
		ok = tc_api_reply(c, MHD_HTTP_OK,
				  json_pack("{s:b, s:b, s:I, s:O, s:O, s:o}", "valid", 1, "held", res.held, "targets",
					    (json_int_t)res.targets, "regions", json_object_get(reach, "regions"), "receivers",
					    json_object_get(reach, "receivers"), "warnings", diags_json(d, TC_SEV_WARNING)));
	else if (rc == TC_ERR_INVALID) {
		unsigned status = MHD_HTTP_UNPROCESSABLE_CONTENT;
		if (preview && res.forbidden) { /* as a submission: outside the user's departments or regions */
			api->forbidden++;
			status = MHD_HTTP_FORBIDDEN;
		}
		ok = tc_api_reply(c, status,
				  json_pack("{s:b, s:o, s:o}", "valid", 0, "errors", diags_json(d, TC_SEV_ERROR), "warnings",
					    diags_json(d, TC_SEV_WARNING)));
	} else {
		ok = error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.read", "the registry could not be read; try again");
	}
	json_decref(reach);
	tc_diags_free(d);
	return ok;
}

static enum MHD_Result submit(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	struct tc_ingest_options io = { .profile = api->o.profile, .lenient = api->o.lenient, .max_bytes = api->o.max_bytes,
					.index = api->index, .cross_sender = api->o.cross_sender, .user = &rq->user,
					.approval = api->o.approval, .source_address = rq->source };
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	enum MHD_Result ok;
	enum tc_rc rc = tc_ingest_alert(api->store, &io, "api", rq->body.v ? rq->body.v : "", rq->body.n, tc_api_now(api),
					&res, d);
	if (rc == TC_OK && !res.held)
		api->accepted += !res.duplicate;
	if (rc == TC_ERR_INVALID) {
		api->refused++;
		if (res.forbidden)
			api->forbidden++;
		ok = tc_api_reply(c, res.forbidden ? MHD_HTTP_FORBIDDEN : res.unreadable ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_UNPROCESSABLE_CONTENT,
			   json_pack("{s:o, s:o}", "errors", diags_json(d, TC_SEV_ERROR), "warnings",
				     diags_json(d, TC_SEV_WARNING)));
	} else if (rc) {
		ok = error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write",
				 "the alert could not be stored; it was NOT accepted, send it again");
	} else {
		json_t *channels = json_array();
		if (res.targets && !res.held)
			json_array_append_new(channels, json_string("mqtt"));
		json_t *j = json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", res.id, "state",
				      res.held ? "pending-approval" : "accepted", "targets", (json_int_t)res.targets,
				      "channels", channels, "warnings", diags_json(d, TC_SEV_WARNING));
		if (res.duplicate)
			json_object_set_new(j, "duplicate", json_true());
		/* 202: held for a second person, nothing sent yet */
		ok = tc_api_reply(c, res.duplicate ? MHD_HTTP_OK : res.held ? MHD_HTTP_ACCEPTED : MHD_HTTP_CREATED, j);
	}
	tc_diags_free(d);
	return ok;
}

static json_t *alert_json(const struct tc_store_alert *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", a->id, "state",
			 tc_alert_state_name(a->state), "sender", a->sender, "identifier", a->identifier, "sent",
			 a->sent, "msgType", a->msg_type, "status", a->status, "received_at",
			 (json_int_t)a->received_at, "expires_at", (json_int_t)a->expires_at);
}

static void add_to_list(const struct tc_store_alert *a, void *user)
{
	json_array_append_new(user, alert_json(a));
}

/*
 * The list of an alert's deliveries is written row by row as text: a tree of JSON objects for
 * every row first took about 1 KiB per delivery at once (35 MiB of tocsind's peak for 30,000
 * targets; bench/README.md, bench_100k.sh), the text takes about 120 bytes.
 */
struct delivery_list {
	FILE *f;
	size_t rows;
	bool failed;
};

static void delivery_row(const struct tc_delivery *dl, void *user)
{
	struct delivery_list *l = user;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "target", dl->target, "channel", dl->channel, "state",
			      dl->state, "region", dl->region, "attempts", (json_int_t)dl->attempts, "updated_at",
			      (json_int_t)dl->updated_at);
	if (!o || (l->rows++ && fputc(',', l->f) == EOF) || json_dumpf(o, l->f, JSON_COMPACT | JSON_PRESERVE_ORDER))
		l->failed = true;
	json_decref(o);
}

/* GET /api/v1/alerts/{id}/deliveries[?state=S]: {"id","deliveries":[...]} */
static enum MHD_Result get_deliveries(struct tc_api *api, struct MHD_Connection *c, const char *id)
{
	const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	char *text = NULL;
	size_t len = 0;
	struct delivery_list l = { .f = open_memstream(&text, &len) };
	if (!l.f)
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
	fprintf(l.f, "{\"id\":\"%s\",\"deliveries\":[", id);
	enum tc_rc rc = tc_store_each_delivery(api->store, id, state && *state ? state : NULL, delivery_row, &l);
	fputs("]}\n", l.f);
	if (fclose(l.f) || l.failed || rc) {
		free(text);
		return rc && !l.failed ? error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read",
						     "the store could not be read")
				       : error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
	}
	return tc_api_reply_text(c, MHD_HTTP_OK, text, len);
}

void tc_api_report_add(const struct tc_delivery *dl, void *user)
{
	struct tc_api_report *r = user;
	char county[7] = "unknown";
	if (dl->region && strlen(dl->region) >= 6)
		snprintf(county, sizeof(county), "%.6s", dl->region);
	json_t *o = json_object_get(r->regions, county);
	if (!o) {
		o = json_pack("{s:i, s:i}", "targets", 0, "covered", 0);
		json_object_set_new(r->regions, county, o);
	}
	bool covered = !strcmp(dl->state, "played") || !strcmp(dl->state, "displayed");
	json_object_set_new(o, "targets", json_integer(json_integer_value(json_object_get(o, "targets")) + 1));
	json_object_set_new(o, "covered", json_integer(json_integer_value(json_object_get(o, "covered")) + covered));
	r->targets++;
	r->covered += covered;
}

static json_t *report_json(const struct tc_api_report *r, const char *id)
{
	const char *code;
	json_t *o, *list = json_array();
	json_object_foreach(r->regions, code, o) {
		long t = (long)json_integer_value(json_object_get(o, "targets"));
		long cv = (long)json_integer_value(json_object_get(o, "covered"));
		json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:f}", "region", code, "targets", (json_int_t)t,
						      "covered", (json_int_t)cv, "coverage", t ? round(1000.0 * cv / t) / 10 : 0.0));
	}
	return json_pack("{s:s, s:I, s:I, s:f, s:o}", "id", id, "targets", (json_int_t)r->targets, "covered",
			 (json_int_t)r->covered, "coverage", r->targets ? round(1000.0 * r->covered / r->targets) / 10 : 0.0,
			 "regions", list);
}

/* --- the SMS channel's part of an alert's status and report ------------------------------ */

/* Escalated villages with their officers' state, and coverage with them. */
struct people {
	bool phones;      /* the reader may see phone numbers (else they are masked) */
	json_t *villages; /* [{"region","receivers":[...],"officers":[...],"confirmed"}] */
	long escalated, confirmed, targets_confirmed;
	long targets, covered; /* distinct targets; of them played, displayed or confirmed by a person */
	json_t *relay;    /* [{"region","level","state","started_at","ended_at","steps":[...]}] */
	long relay_confirmed, relay_ran_out;
};

/* A phone as a reader without read-contacts sees it: +86138****0009. */
static const char *masked_phone(const char *phone, char out[24])
{
	size_t n = strlen(phone);
	snprintf(out, 24, "%.*s****%s", (int)(n > 10 ? 6 : 0), phone, n > 10 ? phone + n - 4 : "");
	return out;
}

static void relay_chain_add(const struct tc_relay_chain *c, void *user)
{
	struct people *pp = user;
	json_array_append_new(pp->relay, json_pack("{s:s, s:s, s:s, s:I, s:I, s:[]}", "region", c->region, "level",
						   strlen(c->region) == 9 ? "town" : "village", "state", c->state,
						   "started_at", (json_int_t)c->started_at, "ended_at",
						   (json_int_t)c->ended_at, "steps"));
	pp->relay_confirmed += !strcmp(c->state, "confirmed");
	pp->relay_ran_out += !strcmp(c->state, "ran-out");
}

static void relay_step_add(const struct tc_relay_step *st, void *user)
{
	struct people *pp = user;
	size_t i;
	json_t *chain;
	char masked[24];
	json_array_foreach(pp->relay, i, chain) {
		if (strcmp(json_string_value(json_object_get(chain, "region")), st->region ? st->region : "") != 0)
			continue;
		const char *phone = st->phone ? st->phone : "";
		json_array_append_new(json_object_get(chain, "steps"),
				      json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:I, s:s?}", "position",
						st->position, "phone", pp->phones ? phone : masked_phone(phone, masked), "name",
						st->name ? st->name : "", "role", st->role ? st->role : "", "told_at",
						(json_int_t)st->told_at, "sent_at", (json_int_t)st->sent_at, "state",
						st->state ? st->state : "", "confirmed", st->confirmed_at > 0, "confirmed_at",
						(json_int_t)st->confirmed_at, "reply", st->reply));
		return;
	}
}

static void village_add(const struct tc_sms_village *v, void *user)
{
	struct people *pp = user;
	size_t n = json_array_size(pp->villages);
	json_t *last = n ? json_array_get(pp->villages, n - 1) : NULL;
	const char *region = v->region ? v->region : "", *last_region = json_string_value(json_object_get(last, "region"));
	if (!last_region || strcmp(last_region, region) != 0) {
		json_t *rx = json_array();
		for (const char *p = v->receivers ? v->receivers : ""; *p;) {
			size_t k = strcspn(p, ",");
			json_array_append_new(rx, json_stringn(p, k));
			p += k + (p[k] == ',');
		}
		last = json_pack("{s:s, s:o, s:[], s:b}", "region", region, "receivers", rx, "officers", "confirmed", 0);
		if (!last)
			return;
		json_array_append_new(pp->villages, last);
		pp->escalated++;
	}
	if (!v->officer)
		return;
	const struct tc_sms_row *o = v->officer;
	char masked[24];
	/* a viewer sees that an officer was told, not the number: +86138****0009 */
	masked_phone(o->phone, masked);
	json_array_append_new(json_object_get(last, "officers"),
			      json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?}", "phone", pp->phones ? o->phone : masked, "name", o->name,
					"role", o->role, "state", o->state, "confirmed", o->confirmed_at > 0, "reply", o->reply));
	if (o->confirmed_at > 0 && !json_is_true(json_object_get(last, "confirmed"))) {
		json_object_set_new(last, "confirmed", json_true());
		pp->confirmed++;
		pp->targets_confirmed += v->n_receivers;
	}
}

/* *pp (its villages are the caller's to release, also on failure) from the store. */
static enum tc_rc people_of(struct tc_api *api, const char *id, bool phones, struct people *pp)
{
	*pp = (struct people){ .villages = json_array(), .relay = json_array(), .phones = phones };
	enum tc_rc rc = tc_store_sms_each_village(api->store, id, village_add, pp);
	if (!rc)
		rc = tc_store_relay_each(api->store, id, relay_chain_add, pp);
	if (!rc)
		rc = tc_store_relay_steps(api->store, id, relay_step_add, pp);
	return rc ? rc : tc_store_sms_coverage(api->store, id, &pp->targets, &pp->covered);
}

/* Coverage by loudspeaker (acknowledged) or by person (a silent village whose officer confirmed), each target once. */
static json_t *people_json(const struct people *pp)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f}", "villages_escalated", (json_int_t)pp->escalated,
			 "villages_confirmed", (json_int_t)pp->confirmed, "targets_confirmed", (json_int_t)pp->targets_confirmed,
			 "relay_confirmed", (json_int_t)pp->relay_confirmed, "relay_ran_out", (json_int_t)pp->relay_ran_out,
			 "coverage_with_people", pp->targets ? round(1000.0 * pp->covered / pp->targets) / 10 : 0.0);
}

json_t *tc_api_report_json(struct tc_api *api, const struct tc_api_report *r, const char *id, bool phones)
{
	struct people pp;
	json_t *rj = NULL;
	if (people_of(api, id, phones, &pp) == TC_OK) {
		rj = report_json(r, id);
		json_object_set_new(rj, "people", people_json(&pp));
		json_object_set(rj, "relay", pp.relay);
	}
	json_decref(pp.villages);
	json_decref(pp.relay);
	return rj;
}

static enum tc_rc sms_status(struct tc_api *api, const char *id, bool phones, json_t *j,
			     const long counts[TC_DELIVERY_N_STATES], long total)
{
	static const char *const mqtt_names[] = { TC_DELIVERY_STATES };
	static const char *const sms_names[] = { TC_STORE_SMS_STATES };
	long sc[TC_STORE_SMS_N_STATES], recipients = 0, confirmed = 0;
	json_t *mqtt = json_object(), *sms = json_object();
	for (int i = 0; i < TC_DELIVERY_N_STATES; i++)
		json_object_set_new(mqtt, mqtt_names[i], json_integer(counts[i]));
	tc_store_sms_counts(api->store, id, sc, &recipients, &confirmed);
	for (int i = 0; i < TC_STORE_SMS_N_STATES; i++)
		json_object_set_new(sms, sms_names[i], json_integer(sc[i]));
	long waiting[TC_SMS_N_CLASSES];
	json_t *queued = json_object();
	tc_store_sms_queued(api->store, id, waiting);
	for (int c = 0; c < TC_SMS_N_CLASSES; c++)
		json_object_set_new(queued, tc_sms_class_name((enum tc_sms_class)c), json_integer(waiting[c]));
	struct people pp;
	enum tc_rc rc = people_of(api, id, phones, &pp);
	json_object_set_new(j, "channels",
			    json_pack("{s:{s:I, s:o}, s:{s:I, s:o, s:I, s:o}}", "mqtt", "targets", (json_int_t)total, "counts",
				      mqtt, "sms", "recipients", (json_int_t)recipients, "counts", sms, "confirmed",
				      (json_int_t)confirmed, "queued_parts", queued));
	json_object_set_new(j, "escalated", pp.villages);
	json_object_set_new(j, "people", people_json(&pp));
	json_object_set_new(j, "relay", pp.relay);
	return rc;
}

struct sms_csv {
	FILE *f;
	json_t *list;
	long batch; /* -1: all */
};

static void sms_row(const struct tc_sms_row *r, void *user)
{
	struct sms_csv *sc = user;
	char parts[16];
	if (sc->batch >= 0 && r->batch != sc->batch)
		return;
	if (sc->f) {
		snprintf(parts, sizeof(parts), "%ld", r->parts);
		tc_csv_field(sc->f, r->phone, false);
		tc_csv_field(sc->f, r->text ? r->text : "", false);
		tc_csv_field(sc->f, parts, true);
		return;
	}
	json_array_append_new(sc->list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:b}", "number", r->phone,
						  "purpose", r->purpose, "name", r->name, "role", r->role, "region",
						  r->region, "batch", (json_int_t)r->batch, "text", r->text ? r->text : "",
						  "segments", (json_int_t)r->parts, "state", r->state, "confirmed",
						  r->confirmed_at > 0));
}

/* GET /api/v1/alerts/{id}/sms[?format=csv][&batch=N]: the SMS recipients, for carriers' bulk platforms. */
static enum MHD_Result sms_list(struct tc_api *api, struct MHD_Connection *c, const char *id)
{
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	const char *batch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "batch");
	struct sms_csv sc = { .batch = batch ? atol(batch) : -1 };
	char *text = NULL;
	size_t len = 0;
	if (!format || strcmp(format, "csv") != 0) {
		sc.list = json_array();
		tc_store_sms_each(api->store, id, sms_row, &sc);
		return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:s, s:o}", "id", id, "sms", sc.list));
	}
	sc.f = open_memstream(&text, &len);
	if (!sc.f)
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
	fputs("number,text,segments\n", sc.f);
	enum tc_rc rc = tc_store_sms_each(api->store, id, sms_row, &sc);
	fclose(sc.f);
	if (rc) {
		free(text);
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result get_alert(struct tc_api *api, struct MHD_Connection *c, const char *rest, bool phones)
{
	char id[17];
	size_t n = strcspn(rest, "/");
	if (n != 16) {
		return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no alert with that id");
	}
	memcpy(id, rest, 16);
	id[16] = '\0';
	struct tc_store_alert a;
	enum tc_rc rc = tc_store_get_alert(api->store, id, &a);
	if (rc == TC_ERR_NOTFOUND)
		return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no alert with that id");
	if (rc)
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	enum MHD_Result ok;
	if (!strcmp(rest + 16, "/cap")) {
		struct MHD_Response *r = MHD_create_response_from_buffer(a.xml_len, a.xml, MHD_RESPMEM_MUST_COPY);
		MHD_add_response_header(r, "Content-Type", "application/cap+xml");
		ok = MHD_queue_response(c, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
	} else if (!strcmp(rest + 16, "/deliveries")) {
		ok = get_deliveries(api, c, id);
	} else if (!strcmp(rest + 16, "/report")) {
		struct tc_api_report r = { .regions = json_object() };
		json_t *rj = tc_store_each_delivery(api->store, id, NULL, tc_api_report_add, &r) ? NULL
			     : tc_api_report_json(api, &r, id, phones);
		ok = rj ? tc_api_reply(c, MHD_HTTP_OK, rj)
			: error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
		json_decref(r.regions);
	} else if (!strcmp(rest + 16, "/sms")) {
		ok = sms_list(api, c, id);
	} else if (rest[16] == '\0') {
		static const char *const names[] = { TC_DELIVERY_STATES };
		long counts[TC_DELIVERY_N_STATES], total = 0;
		json_t *j = alert_json(&a), *cj = json_object();
		tc_store_delivery_counts(api->store, id, counts, &total);
		for (int i = 0; i < TC_DELIVERY_N_STATES; i++)
			json_object_set_new(cj, names[i], json_integer(counts[i]));
		json_object_set_new(j, "targets", json_integer(total));
		json_object_set_new(j, "counts", cj);
		struct tc_approval ap;
		if (tc_store_approval_get(api->store, id, &ap) == TC_OK) {
			json_object_set_new(j, "approval",
					    json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "author", ap.author, "state", ap.state,
						      "decided_by", ap.decided_by, "decided_at", (json_int_t)ap.decided_at,
						      "reason", ap.reason, "urgent", ap.urgent));
			tc_approval_release(&ap);
		}
		if (sms_status(api, id, phones, j, counts, total)) {
			json_decref(j);
			ok = error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
		} else {
			ok = tc_api_reply(c, MHD_HTTP_OK, j);
		}
	} else {
		ok = error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no such resource");
	}
	tc_store_alert_release(&a);
	return ok;
}

static bool user_scope(const char *region, void *user)
{
	return tc_user_in_scope(user, region);
}

/* The answer to an import that is over. */
static enum MHD_Result import_reply(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	struct tc_diags *d = rq->job_diags;
	size_t n = 0;
	enum tc_registry_kind k = rq->kind;
	enum tc_rc rc = rq->job ? tc_registry_job_result(rq->job, &n) : TC_ERR_INVALID;
	if (rc == TC_OK) {
		struct tc_registry_index *fresh = NULL;
		if (k == TC_REG_RECEIVERS && !rq->indexed && tc_registry_index_load(api->store, &fresh) == TC_OK) {
			tc_registry_index_free(api->index); /* the loader could not be started: here, then */
			api->index = fresh;
		}
		if (k == TC_REG_RECEIVERS && api->o.receivers_changed)
			api->o.receivers_changed(api->o.provision_user);
		char detail[64];
		snprintf(detail, sizeof(detail), "%zu rows", n);
		tc_api_audit(api, rq, "import", NULL, tc_registry_kind_name(k), detail);
		return tc_api_reply(c, MHD_HTTP_OK,
			   json_pack("{s:s, s:I, s:I, s:o}", "kind", tc_registry_kind_name(k), "imported", (json_int_t)n,
				     "total", (json_int_t)tc_store_count(api->store, tc_registry_kind_name(k)), "warnings",
				     diags_json(d, TC_SEV_WARNING)));
	}
	if (rc == TC_ERR_INVALID)
		return tc_api_reply(c, MHD_HTTP_UNPROCESSABLE_CONTENT,
			   json_pack("{s:o, s:o, s:i}", "errors", diags_json(d, TC_SEV_ERROR), "warnings",
				     diags_json(d, TC_SEV_WARNING), "imported", 0));
	return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the registry could not be written; nothing was imported");
}

/* A receivers import that is over and went well: planning's index is reloaded in a thread of its
 * own (true: started, the request waits for it). */
static bool import_index(struct tc_api *api, struct request *rq)
{
	return rq->kind == TC_REG_RECEIVERS && tc_registry_job_result(rq->job, NULL) == TC_OK &&
	       tc_registry_index_load_start(api->store, &rq->loader) == TC_OK;
}

/*
 * POST /api/v1/{receivers,contacts,shelters}: CSV or JSON, all rows or none, each inside the
 * user's regions. A small import is answered at once; a large one is queued and worked on a
 * step at a time by tc_api_run, its connection suspended until it is over, so that the loop
 * goes on writing acknowledgments and dispatching meanwhile.
 */
static enum MHD_Result import_registry(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	if (rq->job_diags) /* resumed: the import is over */
		return import_reply(api, c, rq);
	rq->job_diags = tc_diags_new();
	if (!rq->job_diags)
		return MHD_NO;
	enum tc_rc rc = tc_registry_job_new(api->store, rq->kind, rq->body.v ? rq->body.v : "", rq->body.n, user_scope,
					    &rq->user, tc_api_now(api), rq->job_diags, &rq->job);
	if (rc == TC_ERR_NOMEM)
		return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "http.busy", "out of memory; send the import again later");
	if (rc || (!api->imports && tc_registry_job_step(rq->job, TC_API_IMPORT_STEP_MS) && !import_index(api, rq))) {
		api->imported++;
		return import_reply(api, c, rq);
	}
	rq->conn = c;
	if (api->imports_last)
		api->imports_last->next_import = rq;
	else
		api->imports = rq;
	api->imports_last = rq;
	MHD_suspend_connection(c);
	return MHD_YES;
}

void tc_api_wait_task(struct tc_api *api, struct MHD_Connection *c, struct request *rq, struct tc_store_task *task)
{
	rq->task = task;
	rq->conn = c;
	rq->next_reading = api->reading;
	api->reading = rq;
	MHD_suspend_connection(c);
}

/* Requests whose store task is over are resumed: their handlers run again on the next MHD_run. */
static bool reading_work(struct tc_api *api)
{
	bool resumed = false;
	for (struct request **at = &api->reading; *at;) {
		struct request *rq = *at;
		if (!tc_store_task_done(rq->task, &rq->task_rc)) {
			at = &rq->next_reading;
			continue;
		}
		rq->task = NULL;
		rq->task_over = true;
		*at = rq->next_reading;
		MHD_resume_connection(rq->conn);
		resumed = true;
	}
	return resumed;
}

/* One step of the import at the head of the queue; its connection is resumed when it is over. */
static void import_work(struct tc_api *api)
{
	struct request *rq = api->imports;
	if (!rq)
		return;
	if (rq->loader) {
		struct tc_registry_index *fresh;
		enum tc_rc rc;
		if (!tc_registry_index_load_done(rq->loader, &fresh, &rc))
			return;
		rq->loader = NULL;
		if (fresh) {
			tc_registry_index_free(api->index);
			api->index = fresh;
			rq->indexed = true;
		}
	} else if (!tc_registry_job_step(rq->job, TC_API_IMPORT_STEP_MS) || import_index(api, rq)) {
		return;
	}
	api->imports = rq->next_import;
	if (!api->imports)
		api->imports_last = NULL;
	api->imported++;
	MHD_resume_connection(rq->conn); /* answered by import_registry on the next MHD_run */
}

/* GET /api/v1/{receivers,contacts,shelters}[?format=csv]: the receivers and contacts of the user's regions */
static enum MHD_Result export_registry(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	enum tc_registry_kind k = rq->kind;
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	bool csv = format && !strcmp(format, "csv");
	char *text = NULL;
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc = tc_registry_export_scoped(api->store, k, csv, user_scope, (void *)&rq->user, &text, d);
	enum MHD_Result ok;
	if (rc == TC_ERR_INVALID) { /* rows JSON cannot carry: each named, none left out */
		ok = tc_api_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			   json_pack("{s:o, s:[]}", "errors", diags_json(d, TC_SEV_ERROR), "warnings"));
	} else if (rc) {
		ok = error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the registry could not be read");
	} else {
		struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(r, "Content-Type", csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
		ok = MHD_queue_response(c, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
	}
	tc_diags_free(d);
	return ok;
}

/* The connections and request bodies held now, and the requests the body budget turned away. */
static void http_metrics(const struct tc_api *api, FILE *f)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	fprintf(f, "# HELP tocsin_http_connections HTTP connections open.\n# TYPE tocsin_http_connections gauge\n");
	fprintf(f, "tocsin_http_connections %u\n", info ? info->num_connections : 0);
	fprintf(f, "# HELP tocsin_http_body_bytes Bytes held for unfinished request bodies.\n"
		   "# TYPE tocsin_http_body_bytes gauge\n");
	fprintf(f, "tocsin_http_body_bytes %zu\n", api->held);
	fprintf(f, "# HELP tocsin_http_busy_total Requests answered 503 because request bodies held too much memory.\n"
		   "# TYPE tocsin_http_busy_total counter\n");
	fprintf(f, "tocsin_http_busy_total %lu\n", api->busy);
	fprintf(f, "# HELP tocsin_http_event_streams Event streams open (GET .../events).\n"
		   "# TYPE tocsin_http_event_streams gauge\ntocsin_http_event_streams %u\n", tc_api_events_open(api));
}

/* GET /metrics: Prometheus text format. */
static enum MHD_Result metrics(struct tc_api *api, struct MHD_Connection *c)
{
	static const char *const delivery_names[] = { TC_DELIVERY_STATES };
	long alerts[TC_ALERT_N_STATES], deliveries[TC_DELIVERY_N_STATES];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f || tc_store_totals(api->store, alerts, deliveries)) {
		if (f)
			fclose(f);
		free(text);
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	}
	fprintf(f, "# HELP tocsin_alerts Alerts stored, by state.\n# TYPE tocsin_alerts gauge\n");
	for (int i = 0; i < TC_ALERT_N_STATES; i++)
		fprintf(f, "tocsin_alerts{state=\"%s\"} %ld\n", tc_alert_state_name((enum tc_alert_state)i), alerts[i]);
	fprintf(f, "# HELP tocsin_deliveries Deliveries, by state.\n# TYPE tocsin_deliveries gauge\n");
	for (int i = 0; i < TC_DELIVERY_N_STATES; i++)
		fprintf(f, "tocsin_deliveries{state=\"%s\"} %ld\n", delivery_names[i], deliveries[i]);
	fprintf(f, "# HELP tocsin_registry Registered receivers, contacts and shelters.\n# TYPE tocsin_registry gauge\n");
	fprintf(f, "tocsin_registry{kind=\"receivers\"} %ld\n", tc_store_count(api->store, "receivers"));
	fprintf(f, "tocsin_registry{kind=\"contacts\"} %ld\n", tc_store_count(api->store, "contacts"));
	fprintf(f, "tocsin_registry{kind=\"shelters\"} %ld\n", tc_store_count(api->store, "shelters"));
	fprintf(f, "# HELP tocsin_http_requests_total HTTP requests answered.\n# TYPE tocsin_http_requests_total counter\n");
	fprintf(f, "tocsin_http_requests_total %lu\n", api->requests);
	http_metrics(api, f);
	fprintf(f, "# HELP tocsin_alerts_submitted_total Alerts submitted over HTTP, by outcome.\n"
		   "# TYPE tocsin_alerts_submitted_total counter\n");
	fprintf(f, "tocsin_alerts_submitted_total{outcome=\"accepted\"} %lu\n", api->accepted);
	fprintf(f, "tocsin_alerts_submitted_total{outcome=\"refused\"} %lu\n", api->refused);
	fprintf(f, "# HELP tocsin_http_denied_total Requests refused for missing or bad credentials (401) or rights (403).\n"
		   "# TYPE tocsin_http_denied_total counter\n");
	fprintf(f, "tocsin_http_denied_total{status=\"401\"} %lu\n", api->unauthenticated);
	fprintf(f, "tocsin_http_denied_total{status=\"403\"} %lu\n", api->forbidden);
	unsigned waiting = 0;
	for (const struct request *rq = api->imports; rq; rq = rq->next_import)
		waiting++;
	fprintf(f, "# HELP tocsin_registry_imports_total Registry imports over HTTP that are over (any outcome).\n"
		   "# TYPE tocsin_registry_imports_total counter\ntocsin_registry_imports_total %lu\n"
		   "# HELP tocsin_registry_imports_under_way Registry imports being worked on in steps, or waiting.\n"
		   "# TYPE tocsin_registry_imports_under_way gauge\ntocsin_registry_imports_under_way %u\n",
		api->imported, waiting);
	fprintf(f, "# HELP tocsin_receivers_indexed Receivers in planning's index (reloaded after each import).\n"
		   "# TYPE tocsin_receivers_indexed gauge\ntocsin_receivers_indexed %zu\n",
		api->index ? tc_registry_index_size(api->index) : 0);
	if (api->o.metrics)
		api->o.metrics(f, api->o.metrics_user);
	fclose(f);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

struct regions_seen {
	const struct tc_user *user;
	char outside[16];
};

static void delivery_scope(const struct tc_delivery *dl, void *user)
{
	struct regions_seen *r = user;
	if (!r->outside[0] && dl->region && dl->region[0] && !tc_user_in_scope(r->user, dl->region))
		snprintf(r->outside, sizeof(r->outside), "%s", dl->region);
}

/*
 * Whether the user may act on alert id: one of their departments sent it, and every receiver it
 * went to (or, held, would go to) is in their regions. 0, or -1 with the refusal queued.
 */
static int alert_in_reach(struct tc_api *api, struct MHD_Connection *c, const struct request *rq, const char *sender)
{
	struct regions_seen r = { .user = &rq->user };
	struct tc_approval ap;
	if (!tc_user_may_send_as(&rq->user, sender)) {
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.department", "alert %s is from %s, not a department of user %s",
			     rq->id, sender, rq->user.name);
		return -1;
	}
	tc_store_each_delivery(api->store, rq->id, NULL, delivery_scope, &r);
	if (!r.outside[0] && tc_store_approval_get(api->store, rq->id, &ap) == TC_OK) {
		tc_user_covers(&rq->user, ap.regions, r.outside);
		tc_approval_release(&ap);
	}
	if (r.outside[0]) {
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region", "alert %s reaches region %s, outside the regions of user %s",
			     rq->id, r.outside, rq->user.name);
		return -1;
	}
	return 0;
}

/* POST /api/v1/alerts/{id}/cancel: the operator ends an alert; open deliveries are cancelled. */
static enum MHD_Result cancel_alert(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const char *id = rq->id;
	struct tc_store_alert a;
	enum tc_rc rc = tc_store_get_alert(api->store, id, &a);
	if (rc == TC_ERR_NOTFOUND)
		return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no alert with that id");
	if (rc)
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	long n = 0;
	enum tc_alert_state was = a.state;
	int refused = alert_in_reach(api, c, rq, a.sender);
	tc_store_alert_release(&a);
	if (refused)
		return MHD_YES;
	if (was == TC_ALERT_REJECTED)
		return error_reply(c, MHD_HTTP_CONFLICT, "alert.rejected", "the alert was rejected; it was never sent");
	if (was != TC_ALERT_CANCELLED && was != TC_ALERT_SUPERSEDED) {
		if (tc_store_close_alert(api->store, id, TC_ALERT_CANCELLED, tc_api_now(api), &n))
			return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the alert could not be cancelled");
		tc_api_audit(api, rq, "cancelled", id, NULL, was == TC_ALERT_PENDING_APPROVAL ? "withdrawn while held" : "by operator");
	}
	return tc_api_reply(c, MHD_HTTP_OK,
		     json_pack("{s:s, s:s, s:I}", "id", id, "state",
			       tc_alert_state_name(was == TC_ALERT_SUPERSEDED ? was : TC_ALERT_CANCELLED), "cancelled",
			       (json_int_t)n));
}

/* DELETE /api/v1/receivers/{id}: the receiver leaves the registry; its broker account follows. */
static enum MHD_Result remove_receiver(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const char *id = rq->id;
	char kind[16], region[16];
	enum tc_rc rc = tc_store_receiver_info(api->store, id, kind, region);
	if (rc == TC_OK && !tc_user_in_scope(&rq->user, region))
		return tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region",
				    "receiver %s is in region %s, outside the regions of user %s", id, region, rq->user.name);
	if (rc == TC_OK)
		rc = tc_store_remove_receiver(api->store, id);
	if (rc == TC_ERR_NOTFOUND)
		return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no receiver with that id");
	if (rc)
		return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store.write", "the receiver could not be removed");
	struct tc_registry_index *fresh = NULL;
	if (tc_registry_index_load(api->store, &fresh) == TC_OK) {
		tc_registry_index_free(api->index);
		api->index = fresh;
	}
	tc_api_audit(api, rq, "remove", NULL, id, region);
	if (api->o.receivers_changed)
		api->o.receivers_changed(api->o.provision_user);
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:s, s:b}", "id", id, "removed", 1));
}

/*
 * GET /api/v1/provision[/{id}]: answered by tocsind (o.provision), limited to the receivers in
 * the user's regions; every answer that carries a secret is audited.
 */
static enum MHD_Result provision(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	char *text = NULL;
	const char *id = rq->id[0] ? rq->id : NULL;
	if (!api->o.provision)
		return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "this server does not provision devices");
	unsigned st = api->o.provision(id, &text, api->o.provision_user);
	if (!text)
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "provision", "the device's configuration could not be made");
	json_t *j = st == MHD_HTTP_OK ? json_loads(text, 0, NULL) : NULL;
	if (j && id && !tc_user_in_scope(&rq->user, json_string_value(json_object_get(j, "regions")) ?: "")) {
		sodium_memzero(text, strlen(text));
		free(text);
		json_decref(j);
		return tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.region", "receiver %s is outside the regions of user %s", id,
				    rq->user.name);
	}
	size_t given = 1;
	if (j && !id) { /* every receiver: only those in the user's regions */
		json_t *list = json_object_get(j, "receivers"), *kept = json_array(), *it;
		size_t i;
		json_array_foreach(list, i, it)
			if (tc_user_in_scope(&rq->user, json_string_value(json_object_get(it, "region")) ?: ""))
				json_array_append(kept, it);
		given = json_array_size(kept);
		json_object_set_new(j, "receivers", kept);
		sodium_memzero(text, strlen(text));
		free(text);
		text = json_dumps(j, JSON_INDENT(1));
	}
	json_decref(j);
	if (!text)
		return MHD_NO;
	if (st == MHD_HTTP_OK) {
		char detail[48];
		snprintf(detail, sizeof(detail), "%zu secret(s)", given);
		tc_api_audit(api, rq, "provision", NULL, id ? id : "*", detail);
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(c, st, r);
	MHD_destroy_response(r);
	return ok;
}

static const char *query_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static void user_json(const struct tc_user *u, void *user)
{
	json_t *regions = json_array(), *departments = json_array();
	for (size_t i = 0; i < u->n_regions; i++)
		json_array_append_new(regions, json_string(u->regions[i]));
	for (size_t i = 0; i < u->n_departments; i++)
		json_array_append_new(departments, json_string(u->departments[i]));
	json_array_append_new(user, json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:I}", "name", u->name, "role",
					      tc_role_name(u->role), "regions", regions, "departments", departments,
					      "disabled", u->disabled, "password", u->has_password, "created_at",
					      (json_int_t)u->created_at));
}

static enum MHD_Result list_alerts(struct tc_api *api, struct MHD_Connection *c)
{
	json_t *list = json_array();
	if (tc_store_list_alerts(api->store, 100, add_to_list, list)) {
		json_decref(list);
		return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o}", "alerts", list));
}

/* The request, which tc_api_gate let through, answered by its endpoint. */
static enum MHD_Result route(struct tc_api *api, struct MHD_Connection *c, const char *method, const char *url,
			     struct request *rq)
{
	static const char alerts[] = "/api/v1/alerts/";
	bool get = !strcmp(method, "GET");
	bool phones = tc_role_may(rq->user.role, TC_PERM_READ_CONTACTS);
	api->requests++;
	if (rq->too_large)
		return error_reply(c, MHD_HTTP_CONTENT_TOO_LARGE,
				   rq->ep == EP_ALERTS || rq->ep == EP_ALERT_CHECK || rq->ep == EP_ALERT_PREVIEW ? "xml.too-large" : "http.too-large",
				   "the request is larger than the server accepts (max_alert_bytes)");
	if (api->o.standby && !get && strcmp(method, "HEAD") != 0) {
		char why[256];
		if (api->o.standby[0])
			snprintf(why, sizeof(why), "this tocsind is the standby: send it to the active one, %s", api->o.standby);
		else
			snprintf(why, sizeof(why), "this tocsind is the standby, and the active one has not said where it is yet");
		return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "server.standby", why);
	}
	switch (rq->ep) {
	case EP_HEALTH:
		if (api->o.standby)
			return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:s, s:i, s:s}", "status", "standby", "schema",
								      TC_STORE_SCHEMA_VERSION, "active", api->o.standby));
		return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:s, s:i}", "status", "ok", "schema", TC_STORE_SCHEMA_VERSION));
	case EP_METRICS: return metrics(api, c);
	case EP_CONSOLE: return tc_api_console(api, c, url);
	case EP_LOGIN: return tc_api_login(api, c, rq);
	case EP_LOGOUT: return tc_api_logout(api, c, rq);
	case EP_WHOAMI: return tc_api_whoami(api, c, rq);
	case EP_ALERTS: return get ? list_alerts(api, c) : submit(api, c, rq);
	case EP_ALERT_CHECK: return check_alert(api, c, rq, false);
	case EP_ALERT_PREVIEW: return check_alert(api, c, rq, true);
	case EP_PREVIEW_AUDIO: return tc_api_preview_audio(api, c, rq);
	case EP_ALERT:
	case EP_ALERT_CAP:
	case EP_ALERT_REPORT:
	case EP_ALERT_SMS:
	case EP_DELIVERIES: return get_alert(api, c, url + sizeof(alerts) - 1, phones);
	case EP_EVENTS: return tc_api_events(api, c, rq);
	case EP_FLEET: return tc_api_fleet(api, c, rq);
	case EP_SHELTER_GUIDANCE: return tc_api_shelter_guidance(api, c, rq);
	case EP_SHELTER_OCCUPANCY: return tc_api_shelter_occupancy(api, c, rq);
	case EP_SHELTER_REPORT: return tc_api_shelter_report(api, c, rq);
	case EP_DRILLS:
	case EP_DRILL:
	case EP_DRILL_RUNS:
	case EP_DRILL_REPORT: return tc_api_drills(api, c, rq, get);
	case EP_RX_HEALTH: return tc_api_health(api, c, rq);
	case EP_CANCEL: return cancel_alert(api, c, rq);
	case EP_APPROVE: return tc_api_decide(api, c, rq, true);
	case EP_REJECT: return tc_api_decide(api, c, rq, false);
	case EP_APPROVALS: return tc_api_approvals(api, c, rq);
	case EP_REGISTRY: return get ? export_registry(api, c, rq) : import_registry(api, c, rq);
	case EP_RECEIVER: return remove_receiver(api, c, rq);
	case EP_PROVISION: return provision(api, c, rq);
	case EP_AUDIT: return tc_api_audit_list(api, c, rq);
	case EP_USERS: {
		json_t *list = json_array();
		if (tc_auth_user_each(api->store, user_json, list)) {
			json_decref(list);
			return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the store could not be read");
		}
		return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o}", "users", list));
	}
	case EP_SMS:
		if (api->o.callback) {
			unsigned st = api->o.callback(url, query_arg, c, api->o.callback_user);
			if (st)
				return tc_api_reply(c, st, json_pack("{s:b}", "ok", st == MHD_HTTP_OK));
		}
		break;
	case EP_NONE: break;
	}
	return error_reply(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no such resource");
}

/* --- request bodies: the largest one, and the memory they may hold together --------------- */

static size_t max_body(const struct tc_api *api)
{
	return api->o.max_bytes ? api->o.max_bytes : 16u << 20;
}

/* The request's body is dropped and its bytes given back to the budget. */
static void body_release(struct tc_api *api, struct request *rq)
{
	api->held -= rq->held;
	rq->held = 0;
	if (rq->ep == EP_LOGIN && rq->body.v) /* a password */
		sodium_memzero(rq->body.v, rq->body.n);
	tc_vec_free(&rq->body);
}

/* Hold more bytes for rq, when the budget has them; false when it has not. */
static bool body_hold(struct tc_api *api, struct request *rq, size_t more)
{
	if (more > api->o.body_memory - api->held)
		return false;
	api->held += more;
	rq->held += more;
	return true;
}

static enum MHD_Result busy_reply(struct tc_api *api, struct MHD_Connection *c)
{
	api->busy++;
	return error_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "http.busy",
			   "the server holds too many unfinished uploads; send again later");
}

/*
 * Headers read, no body yet: a declared body larger than the largest
 * accepted is refused (413) before it is read; one the budget cannot hold
 * now, 503, and what comes of either body is dropped. Otherwise its
 * declared length is held from the budget.
 */
static enum MHD_Result body_admit(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end, text[160];
	if (!cl || !*cl)
		return MHD_YES;
	errno = 0;
	uintmax_t n = strtoumax(cl, &end, 10);
	if (*end || errno || n == 0)
		return MHD_YES; /* libmicrohttpd refuses a malformed length itself */
	if (n > max_body(api)) {
		rq->too_large = true;
		snprintf(text, sizeof(text), "the request body is %ju bytes; the server accepts %zu at most (max_alert_bytes)",
			 n, max_body(api));
		return error_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "http.too-large", text);
	}
	if (!body_hold(api, rq, (size_t)n + 1)) {
		rq->over_budget = true;
		return busy_reply(api, c);
	}
	return tc_vec_reserve(&rq->body, (size_t)n + 1) == TC_OK ? MHD_YES : MHD_NO;
}

/* n more bytes of rq's body: kept, or dropped (too large, over the budget) with the request marked. */
static enum MHD_Result body_take(struct tc_api *api, struct request *rq, const char *bytes, size_t n)
{
	if (rq->too_large || rq->over_budget)
		return MHD_YES;
	if (n > max_body(api) - rq->body.n) {
		rq->too_large = true;
		body_release(api, rq);
		return MHD_YES;
	}
	size_t need = rq->body.n + n + 1;
	if (need > rq->held && !body_hold(api, rq, need - rq->held)) {
		rq->over_budget = true;
		body_release(api, rq);
		return MHD_YES;
	}
	return tc_vec_append_text(&rq->body, bytes, n) == TC_OK ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct tc_api *api = cls;
	struct request *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		tc_vec_init(&rq->body, 1);
		*con_cls = rq;
		/* who asks and for what, before a byte of the body is read or held */
		if (tc_api_gate(api, c, url, method, rq)) {
			rq->answered = true;
			return MHD_YES;
		}
		return body_admit(api, c, rq);
	}
	if (rq->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		return body_take(api, rq, upload, n);
	}
	if (rq->over_budget)
		return busy_reply(api, c);
	return route(api, c, method, url, rq);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)c;
	(void)t;
	struct request *rq = *con_cls;
	if (rq) {
		body_release(cls, rq);
		tc_store_task_wait(rq->task);
		tc_api_preview_forget(cls, rq);
		free(rq->chk);
		tc_api_fleet_free(rq->fleet);
		tc_api_health_free(rq->health);
		tc_api_shelter_report_free(rq->shelter_report);
		tc_registry_index_load_cancel(rq->loader);
		tc_registry_job_free(rq->job);
		tc_diags_free(rq->job_diags);
		free(rq);
	}
	*con_cls = NULL;
}

/* Plain HTTP on this address: loopback always; elsewhere only when allowed, with a warning. */
static enum tc_rc plain_check(const struct tc_api_options *o, const struct sockaddr_in *sa, struct tc_diags *d)
{
	if (o->tls_cert || (ntohl(sa->sin_addr.s_addr) >> 24) == 127)
		return TC_OK;
	if (!o->plain_allowed) {
		tc_err(d, "api.plain-http", "",
		       "the API would listen on %s in plain HTTP, where tokens and alerts can be read and changed on the "
		       "way; give it a certificate and key (--tls-cert FILE --tls-key FILE), or listen on 127.0.0.1 "
		       "behind a TLS proxy (http_plain_allowed = true accepts the risk)",
		       o->address);
		return TC_ERR_USAGE;
	}
	tc_warn(d, "api.plain-http", "",
		"the API listens on %s in plain HTTP (http_plain_allowed = true): tokens and alerts cross the network "
		"readable; use --tls-cert and --tls-key",
		o->address);
	return TC_OK;
}

/* libmicrohttpd's own messages (a client that went away, one over a limit): per connection, so debug. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	(void)cls;
	if (!tc_log_enabled(TC_LOG_DEBUG))
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	tc_log(TC_LOG_DEBUG, "http", "%s", text);
}

/* The daemon, external event loop on epoll, with the limits and (when given) TLS. */
static struct MHD_Daemon *daemon_start(struct tc_api *api, const struct sockaddr_in *sa)
{
	const struct tc_api_options *o = &api->o;
	unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | (api->tls_cert ? MHD_USE_TLS : 0);
	struct MHD_OptionItem tls[] = {
		{ api->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, api->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, api->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, api, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, api, MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 30u,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections : TC_API_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_address ? o->max_per_address : TC_API_MAX_PER_ADDRESS,
		MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

enum tc_rc tc_api_start(struct tc_store *store, const struct tc_api_options *o, struct tc_api **out,
			struct tc_diags *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	enum tc_rc rc;
	*out = NULL;
	if (inet_pton(AF_INET, o->address, &sa.sin_addr) != 1) {
		tc_err(d, "api.address", "", "'%s' is not an IPv4 address to listen on", o->address);
		return TC_ERR_USAGE;
	}
	if (!o->tls_cert != !o->tls_key) {
		tc_err(d, "api.tls", "", "HTTPS needs both a certificate and its key (--tls-cert and --tls-key)");
		return TC_ERR_USAGE;
	}
	if (o->tls_cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		tc_err(d, "api.tls", "", "this libmicrohttpd was built without TLS; HTTPS needs one built with GnuTLS");
		return TC_ERR_USAGE;
	}
	rc = plain_check(o, &sa, d);
	if (rc)
		return rc;
	struct tc_api *api = calloc(1, sizeof(*api));
	if (!api)
		return TC_ERR_NOMEM;
	api->store = store;
	api->o = *o;
	api->previews = tc_previews_new(TC_PREVIEWS_MAX, TC_PREVIEWS_BYTES, TC_PREVIEW_TTL_S);
	if (!api->previews) {
		free(api);
		return TC_ERR_NOMEM;
	}
	if (!api->o.body_memory)
		api->o.body_memory = TC_API_BODY_MEMORY;
	rc = tc_api_console_setup(api, d);
	if (!rc && o->tls_cert)
		rc = tc_api_tls_load(o->tls_cert, o->tls_key, &api->tls_cert, &api->tls_key, d);
	if (rc) {
		tc_previews_free(api->previews);
		free(api);
		return rc;
	}
	api->mhd = daemon_start(api, &sa);
	const union MHD_DaemonInfo *info = api->mhd ? MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		tc_err(d, "api.listen", "", "cannot listen on %s:%u (in use, or not an address of this machine)",
		       o->address, o->port);
		tc_api_stop(api);
		return TC_ERR_IO;
	}
	api->epoll_fd = info->epoll_fd;
	if (tc_registry_index_load(store, &api->index) != TC_OK)
		api->index = NULL; /* planning then reads the store */
	info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
	api->port = info ? info->port : o->port;
	*out = api;
	return TC_OK;
}

void tc_api_stop(struct tc_api *api)
{
	if (!api)
		return;
	/* imports not yet accepted are dropped, accepted ones finished at the next start */
	for (struct request *rq = api->imports; rq; rq = rq->next_import) {
		tc_registry_job_free(rq->job);
		rq->job = NULL;
		tc_registry_index_load_cancel(rq->loader);
		rq->loader = NULL;
		MHD_resume_connection(rq->conn);
	}
	api->imports = api->imports_last = NULL;
	for (struct request *rq = api->reading; rq; rq = rq->next_reading) {
		tc_store_task_wait(rq->task);
		rq->task = NULL;
		rq->task_over = true;
		rq->task_rc = TC_ERR_IO; /* not answered: the connection closes */
		MHD_resume_connection(rq->conn);
	}
	api->reading = NULL;
	while (api->previewing) { /* not answered: the connection closes */
		struct request *rq = api->previewing;
		tc_api_preview_forget(api, rq);
		MHD_resume_connection(rq->conn);
	}
	if (tc_api_events_stop(api) && api->mhd)
		MHD_run(api->mhd); /* the streams' last bytes: their clients see them end, not break */
	if (api->mhd)
		MHD_stop_daemon(api->mhd);
	tc_previews_free(api->previews);
	tc_api_events_free(api);
	tc_registry_index_free(api->index);
	free(api->tls_cert);
	tc_api_tls_wipe(api->tls_key);
	free(api);
}

unsigned tc_api_port(const struct tc_api *api)
{
	return api->port;
}

int tc_api_fd(struct tc_api *api, long *timeout_ms)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(api->mhd, &t) == MHD_YES && (long long)t < *timeout_ms)
		*timeout_ms = (long)t;
	if (api->imports && !api->imports->loader)
		*timeout_ms = 0; /* an import's next step */
	else if ((api->imports || api->reading) && *timeout_ms > 5)
		*timeout_ms = 5; /* is a task in a thread over? */
	else if (api->previewing && *timeout_ms > 1000)
		*timeout_ms = 1000; /* has a preview waited too long? */
	tc_api_events_timeout(api, timeout_ms);
	return api->epoll_fd;
}

void tc_api_run(struct tc_api *api)
{
	MHD_run(api->mhd);
	bool resumed = api->reading && reading_work(api);
	resumed |= api->previewing && tc_api_preview_work(api);
	resumed |= tc_api_events_work(api);
	if (api->imports) {
		import_work(api);
		resumed = true;
	}
	if (resumed)
		MHD_run(api->mhd); /* a resumed connection gets its answer */
}

unsigned long tc_api_accepted(const struct tc_api *api)
{
	return api->accepted;
}

const struct tc_registry_index *tc_api_index(const struct tc_api *api)
{
	return api->index;
}
