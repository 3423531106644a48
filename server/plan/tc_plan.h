/*
 * tc_plan.h — who must be warned: the receivers an alert's areas reach.
 *
 * For every info block and every area of the alert, the union of:
 *  - receivers inside a polygon (R*Tree on the bounding box, then the exact
 *    point-in-polygon test),
 *  - receivers inside a circle (R*Tree box, then the great-circle distance),
 *  - receivers whose region code starts with an admin-code geocode
 *    (valueName ADCODE, GB2260 or GB/T 2260): a county code reaches every
 *    town and village under it.
 * Exercise and Test alerts reach only receivers that accept drills.
 */
#ifndef TC_PLAN_H
#define TC_PLAN_H

#include "tc_cap.h"
#include "tc_registry_index.h"
#include "tc_store.h"

struct tc_plan {
	char (*targets)[64]; /* receiver ids, sorted, each once */
	size_t n;
};

/* The targets of alert a into *out, read from the store (sorted by id; release with tc_plan_release). */
enum tc_rc tc_plan_targets(struct tc_store *s, const struct tc_cap_alert *a, struct tc_plan *out, struct tc_diags *d);

/* The same from the in-memory index, for large registries (in index order). */
enum tc_rc tc_plan_targets_indexed(const struct tc_registry_index *x, const struct tc_cap_alert *a,
				   struct tc_plan *out, struct tc_diags *d);
void tc_plan_release(struct tc_plan *p);

/*
 * Plan a stored alert: its targets become planned deliveries on the MQTT
 * channel and the alert moves to "planned" (one transaction). *targets
 * receives how many. With an index x the targets come from it, else from
 * the store. Alerts accepted before a restart are planned this way.
 */
enum tc_rc tc_plan_stored_alert(struct tc_store *s, const struct tc_registry_index *x, const char *id, int64_t now,
				size_t *targets, struct tc_diags *d);

/* Plan every alert still in state "accepted" (after a restart); returns how many were planned. */
size_t tc_plan_resume(struct tc_store *s, int64_t now, struct tc_diags *d);

/* Whether a geocode names an admin code planning follows (valueName ADCODE, GB2260 or GBT2260, 2 to 12 digits). */
bool tc_plan_is_admin_code(const struct tc_cap_pair *g);

/* Whether (lat, lon) lies inside the polygon (ray casting; the ring may be open or closed). */
bool tc_plan_in_polygon(const struct tc_cap_polygon *poly, double lat, double lon);
/* Great-circle distance in km. */
double tc_plan_distance_km(double lat1, double lon1, double lat2, double lon2);

#endif
