/*
 * tc_api_fleet.c — GET /api/v1/fleet[?silent=SECONDS]: the registry with
 * liveness, for the console's receivers screen and map (tc_api_int.h).
 *
 *   {"now":T,
 *    "receivers":[{"id","kind","name","lat","lon","region","shelter","online","last_seen"}],
 *    "shelters":[{"id","name","lat","lon","capacity","area_m2","occupancy","occupancy_at","state","full"}]}
 *
 * shelter is null when the receiver names none; last_seen 0 when it never
 * spoke. With silent=S only receivers offline, or not heard from for S
 * seconds. A user whose regions are limited sees the receivers of its
 * regions, and every shelter (they carry no region code), as the registry's
 * export shows them. No phone numbers: a shelter's manager and phone stay
 * with the export.
 *
 * The whole receivers table is read: 100,000 rows take longer than the
 * loop may be held, so the answer is written in a thread of its own on a
 * reader connection (tc_store_task_start), the request waiting suspended.
 */
#include "tc_api_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_log.h"
#include "tc_sse.h"

#define SILENT_MAX_S 315360000LL /* ten years */

struct tc_api_fleet {
	struct tc_user user; /* a copy: the thread reads it */
	int64_t now;
	long long silent; /* -1: every receiver */
	struct tc_vec text;
	size_t receivers;
	enum tc_rc rc;
};

void tc_api_fleet_free(struct tc_api_fleet *f)
{
	if (!f)
		return;
	tc_vec_free(&f->text);
	free(f);
}

static void put(struct tc_api_fleet *f, const char *s)
{
	if (!f->rc)
		f->rc = tc_vec_append_text(&f->text, s, strlen(s));
}

static void put_string(struct tc_api_fleet *f, const char *s)
{
	if (!f->rc)
		f->rc = tc_sse_json_string(&f->text, s);
}

static void put_place(struct tc_api_fleet *f, double lat, double lon)
{
	char num[96];
	snprintf(num, sizeof(num), ",\"lat\":%.6f,\"lon\":%.6f", lat, lon);
	put(f, num);
}

static void receiver_row(const struct tc_receiver *r, bool online, int64_t last_seen, void *user)
{
	struct tc_api_fleet *f = user;
	char tail[96];
	if (f->rc || !tc_user_in_scope(&f->user, r->region))
		return;
	if (f->silent >= 0 && online && f->now - last_seen < f->silent)
		return;
	put(f, f->receivers++ ? ",{\"id\":" : "{\"id\":");
	put_string(f, r->id);
	put(f, ",\"kind\":");
	put_string(f, r->kind);
	put(f, ",\"name\":");
	put_string(f, r->name);
	put_place(f, r->lat, r->lon);
	put(f, ",\"region\":");
	put_string(f, r->region);
	put(f, ",\"shelter\":");
	if (r->shelter_id[0])
		put_string(f, r->shelter_id);
	else
		put(f, "null");
	snprintf(tail, sizeof(tail), ",\"online\":%s,\"last_seen\":%" PRId64 "}", online ? "true" : "false", last_seen);
	put(f, tail);
}

static void shelter_row(const struct tc_shelter *sh, void *user)
{
	struct tc_api_fleet *f = user;
	char tail[192];
	bool first = f->text.n && ((const char *)f->text.v)[f->text.n - 1] == '[';
	put(f, first ? "{\"id\":" : ",{\"id\":");
	put_string(f, sh->id);
	put(f, ",\"name\":");
	put_string(f, sh->name);
	put_place(f, sh->lat, sh->lon);
	snprintf(tail, sizeof(tail), ",\"capacity\":%ld,\"area_m2\":%.1f,\"occupancy\":%ld,\"occupancy_at\":%" PRId64 ",\"state\":",
		 sh->capacity, sh->area_m2, sh->occupancy, sh->occupancy_at);
	put(f, tail);
	put_string(f, sh->state);
	put(f, tc_store_shelter_full(sh) ? ",\"full\":true}" : ",\"full\":false}");
}

/* The answer's text, on a reader connection (in a thread of its own, or here when none could start). */
static enum tc_rc fleet_read(struct tc_store *reader, void *arg)
{
	struct tc_api_fleet *f = arg;
	char head[64];
	snprintf(head, sizeof(head), "{\"now\":%" PRId64 ",\"receivers\":[", f->now);
	put(f, head);
	enum tc_rc rc = tc_store_each_receiver_live(reader, receiver_row, f);
	put(f, "],\"shelters\":[");
	if (!rc)
		rc = tc_store_each_shelter(reader, shelter_row, f);
	put(f, "]}\n");
	return rc ? rc : f->rc;
}

/* silent=S: 0 to ten years, in whole seconds; -1 when not asked; -2 when bad. */
static long long silent_arg(const char *s)
{
	char *end;
	if (!s)
		return -1;
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -2;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return errno || v > SILENT_MAX_S ? -2 : v;
}

enum MHD_Result tc_api_fleet(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	struct tc_api_fleet *f = rq->fleet;
	if (!f) {
		const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "silent");
		long long silent = silent_arg(arg);
		if (silent == -2)
			return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query",
					    "silent must be a whole number of seconds from 0 to %lld (got '%.40s')",
					    SILENT_MAX_S, arg);
		f = rq->fleet = calloc(1, sizeof(*f));
		if (!f)
			return MHD_NO;
		f->user = rq->user;
		f->now = tc_api_now(api);
		f->silent = silent;
		tc_vec_init(&f->text, 1);
		struct tc_store_task *task = NULL;
		if (tc_store_task_start(api->store, fleet_read, f, &task) == TC_OK) {
			tc_api_wait_task(api, c, rq, task);
			return MHD_YES;
		}
		rq->task_over = true; /* no thread: here, then */
		rq->task_rc = fleet_read(api->store, f);
	}
	if (rq->task_rc)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the registry could not be read");
	size_t n = f->text.n;
	struct MHD_Response *r = MHD_create_response_from_buffer(n, tc_vec_take(&f->text), MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	tc_log(TC_LOG_DEBUG, "http", "fleet: %zu receiver(s) for %s", f->receivers, rq->user.name);
	return ok;
}
