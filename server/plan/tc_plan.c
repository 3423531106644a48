/*
 * tc_plan.c — the receivers an alert reaches (tc_plan.h).
 *
 * Candidates come from the store's indexes (R*Tree boxes, region-code
 * ranges); the exact geometry is checked here. Ids are gathered, then
 * sorted and made unique once.
 */
#include "tc_plan.h"
#include "tc_cap_check.h"
#include "tc_vec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARTH_RADIUS_KM 6371.0088
#define KM_PER_DEGREE_LAT 111.32

static const char *const adcode_names[] = { "ADCODE", "GB2260", "GBT2260", NULL };

/* Where candidate receivers come from: the store, or the in-memory index. */
struct source {
	enum tc_rc (*box)(void *ctx, double min_lat, double max_lat, double min_lon, double max_lon, tc_receiver_fn fn,
			  void *user);
	enum tc_rc (*region)(void *ctx, const char *prefix, tc_receiver_fn fn, void *user);
	void *ctx;
};

struct gather {
	struct tc_vec ids; /* store sources: char[64] per candidate that is in the area */
	bool drill;
	const struct tc_cap_polygon *poly;
	const struct tc_cap_circle *circle;
	uint8_t *marks; /* index sources: one bit per receiver */
	enum tc_rc rc;
};

static enum tc_rc store_box(void *ctx, double a, double b, double c, double e, tc_receiver_fn fn, void *user)
{
	return tc_store_receivers_in_box(ctx, a, b, c, e, fn, user);
}

static enum tc_rc store_region(void *ctx, const char *prefix, tc_receiver_fn fn, void *user)
{
	return tc_store_receivers_in_region(ctx, prefix, fn, user);
}

static enum tc_rc index_box(void *ctx, double a, double b, double c, double e, tc_receiver_fn fn, void *user)
{
	tc_registry_index_box(ctx, a, b, c, e, fn, user);
	return TC_OK;
}

static enum tc_rc index_region(void *ctx, const char *prefix, tc_receiver_fn fn, void *user)
{
	tc_registry_index_region(ctx, prefix, fn, user);
	return TC_OK;
}

bool tc_plan_in_polygon(const struct tc_cap_polygon *poly, double lat, double lon)
{
	bool inside = false;
	size_t n = poly->n_points;
	for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
		const struct tc_cap_point *a = &poly->points[i], *b = &poly->points[j];
		if ((a->lat > lat) != (b->lat > lat) &&
		    lon < (b->lon - a->lon) * (lat - a->lat) / (b->lat - a->lat) + a->lon)
			inside = !inside;
	}
	return inside;
}

double tc_plan_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	return 2 * EARTH_RADIUS_KM * asin(sqrt(h < 1 ? h : 1));
}

static void take(const struct tc_receiver_pos *r, void *user)
{
	struct gather *g = user;
	if (g->rc || (g->drill && !r->accepts_drills))
		return;
	if (g->poly && !tc_plan_in_polygon(g->poly, r->lat, r->lon))
		return;
	if (g->circle && tc_plan_distance_km(g->circle->centre.lat, g->circle->centre.lon, r->lat, r->lon) >
				 g->circle->radius_km)
		return;
	if (g->marks && r->index != UINT32_MAX) {
		g->marks[r->index / 8] |= (uint8_t)(1u << (r->index % 8));
		return;
	}
	char *id = tc_vec_push(&g->ids);
	if (!id) {
		g->rc = TC_ERR_NOMEM;
		return;
	}
	snprintf(id, g->ids.size, "%s", r->id);
}

static enum tc_rc polygon_targets(const struct source *s, const struct tc_cap_polygon *poly, struct gather *g)
{
	if (!poly->parsed || poly->n_points < 3)
		return TC_OK;
	double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
	for (size_t i = 0; i < poly->n_points; i++) {
		min_lat = fmin(min_lat, poly->points[i].lat);
		max_lat = fmax(max_lat, poly->points[i].lat);
		min_lon = fmin(min_lon, poly->points[i].lon);
		max_lon = fmax(max_lon, poly->points[i].lon);
	}
	g->poly = poly;
	enum tc_rc rc = s->box(s->ctx, min_lat, max_lat, min_lon, max_lon, take, g);
	g->poly = NULL;
	return rc;
}

static enum tc_rc circle_targets(const struct source *s, const struct tc_cap_circle *c, struct gather *g)
{
	if (!c->parsed)
		return TC_OK;
	double dlat = c->radius_km / KM_PER_DEGREE_LAT;
	double coslat = cos(c->centre.lat * M_PI / 180);
	double dlon = coslat > 0.01 ? dlat / coslat : 180;
	g->circle = c;
	enum tc_rc rc = s->box(s->ctx, c->centre.lat - dlat, c->centre.lat + dlat, c->centre.lon - dlon,
			       c->centre.lon + dlon, take, g);
	g->circle = NULL;
	return rc;
}

static enum tc_rc area_targets(const struct source *s, const struct tc_cap_area *ar, struct gather *g)
{
	enum tc_rc rc = TC_OK;
	for (size_t k = 0; !rc && k < ar->n_polygons; k++)
		rc = polygon_targets(s, &ar->polygons[k], g);
	for (size_t k = 0; !rc && k < ar->n_circles; k++)
		rc = circle_targets(s, &ar->circles[k], g);
	for (size_t k = 0; !rc && k < ar->n_geocodes; k++)
		if (tc_plan_is_admin_code(&ar->geocodes[k]))
			rc = s->region(s->ctx, ar->geocodes[k].value, take, g);
	return rc;
}

bool tc_plan_is_admin_code(const struct tc_cap_pair *g)
{
	size_t n = g->value ? strlen(g->value) : 0;
	return tc_cap_name_is(g->name, adcode_names) && n >= 2 && n <= 12 && strspn(g->value, "0123456789") == n;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static enum tc_rc walk(const struct source *src, const struct tc_cap_alert *a, struct gather *g, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	for (size_t i = 0; !rc && i < a->n_infos; i++)
		for (size_t j = 0; !rc && j < a->infos[i].n_areas; j++)
			rc = area_targets(src, &a->infos[i].areas[j], g);
	if (!rc)
		rc = g->rc;
	if (rc)
		tc_err(d, "plan.store", "", "the receivers could not be looked up");
	return rc;
}

enum tc_rc tc_plan_targets(struct tc_store *s, const struct tc_cap_alert *a, struct tc_plan *out, struct tc_diags *d)
{
	struct source src = { store_box, store_region, s };
	struct gather g = { .ids = TC_VEC_OF(*out->targets),
			    .drill = a->status == TC_CAP_EXERCISE || a->status == TC_CAP_TEST };
	enum tc_rc rc = walk(&src, a, &g, d);
	out->n = g.ids.n;
	out->targets = tc_vec_take(&g.ids);
	if (rc) {
		tc_plan_release(out);
		return rc;
	}
	if (out->n) /* qsort wants a real array even for nothing */
		qsort(out->targets, out->n, sizeof(*out->targets), by_id);
	size_t w = 0;
	for (size_t r = 0; r < out->n; r++)
		if (w == 0 || strcmp(out->targets[w - 1], out->targets[r]) != 0)
			memmove(out->targets[w++], out->targets[r], sizeof(out->targets[0]));
	out->n = w;
	return TC_OK;
}

enum tc_rc tc_plan_targets_indexed(const struct tc_registry_index *x, const struct tc_cap_alert *a,
				   struct tc_plan *out, struct tc_diags *d)
{
	struct source src = { index_box, index_region, (void *)x };
	size_t n = tc_registry_index_size(x);
	struct gather g = { .ids = TC_VEC_OF(*out->targets),
			    .drill = a->status == TC_CAP_EXERCISE || a->status == TC_CAP_TEST,
			    .marks = calloc(n / 8 + 1, 1) };
	memset(out, 0, sizeof(*out));
	enum tc_rc rc = g.marks ? walk(&src, a, &g, d) : TC_ERR_NOMEM;
	size_t count = 0;
	for (size_t i = 0; !rc && i < n / 8 + 1; i++)
		count += (size_t)__builtin_popcount(g.marks[i]);
	if (!rc && count && !(out->targets = malloc(count * sizeof(*out->targets))))
		rc = TC_ERR_NOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		if (g.marks[i / 8] & (1u << (i % 8)))
			memcpy(out->targets[out->n++], tc_registry_index_id(x, (uint32_t)i), sizeof(out->targets[0]));
	free(g.marks);
	if (rc)
		tc_plan_release(out);
	return rc;
}

void tc_plan_release(struct tc_plan *p)
{
	free(p->targets);
	p->targets = NULL;
	p->n = 0;
}

enum tc_rc tc_plan_stored_alert(struct tc_store *s, const struct tc_registry_index *x, const char *id, int64_t now,
				size_t *targets, struct tc_diags *d)
{
	struct tc_store_alert rec;
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options o;
	struct tc_plan plan = { 0 };
	*targets = 0;
	enum tc_rc rc = tc_store_get_alert(s, id, &rec);
	if (rc)
		return rc;
	/* It was checked when accepted; read it leniently so a later, stricter tocsin still plans it. */
	tc_cap_options_default(&o);
	o.lenient = true;
	o.now = now;
	tc_cap_check(rec.xml, rec.xml_len, &o, &a, NULL);
	if (!a)
		rc = TC_ERR_INVALID;
	if (!rc)
		rc = x ? tc_plan_targets_indexed(x, a, &plan, d) : tc_plan_targets(s, a, &plan, d);
	if (!rc)
		rc = tc_store_plan_alert(s, id, (const char (*)[64])plan.targets, plan.n, "mqtt", now);
	if (!rc)
		*targets = plan.n;
	tc_plan_release(&plan);
	tc_cap_alert_free(a);
	tc_store_alert_release(&rec);
	return rc;
}

struct resume {
	struct tc_vec ids; /* char[17] each */
	enum tc_rc rc;
};

static void note_id(const char *id, void *user)
{
	struct resume *r = user;
	char *slot = r->rc ? NULL : tc_vec_push(&r->ids);
	if (!slot) {
		r->rc = TC_ERR_NOMEM;
		return;
	}
	snprintf(slot, r->ids.size, "%s", id);
}

size_t tc_plan_resume(struct tc_store *s, int64_t now, struct tc_diags *d)
{
	struct resume r = { .ids = TC_VEC_OF(char[17]) };
	size_t done = 0, n;
	enum tc_rc rc = tc_store_alerts_in_state(s, TC_ALERT_ACCEPTED, note_id, &r);
	if (rc || r.rc)
		tc_err(d, "plan.resume", "", "the alerts accepted before the last stop could not all be listed (%s); "
		       "those left out are planned at the next start", tc_rc_name(rc ? rc : r.rc));
	const char (*ids)[17] = r.ids.v;
	for (size_t i = 0; i < r.ids.n; i++)
		done += tc_plan_stored_alert(s, NULL, ids[i], now, &n, d) == TC_OK;
	tc_vec_free(&r.ids);
	return done;
}
