/*
 * delivery_fixture.h — a store with three receivers and the fixture alert planned to two of
 * them, for the tests of dispatch and tracking. Include after cap_fixture.h and store_fixture.h.
 */
#ifndef TC_DELIVERY_FIXTURE_H
#define TC_DELIVERY_FIXTURE_H

#include "tc_registry.h"

/* a and b are every receiver of village 120116001 (a loudspeaker, a display); c is in 120116002. */
static const char fixture_receivers[] = "id,kind,name,lat,lon,region\n"
					"a,loudspeaker,A,39.0,117.7,120116001001\n"
					"b,signage,B,39.0,117.7,120116001002\n"
					"c,loudspeaker,C,39.0,117.7,120116002001\n";

/* A new store at fixture_db with those receivers and the fixture alert (its id in id), planned to
 * a and b at now; 0, or -1 when any step failed. */
static inline int fixture_planned_store(struct tc_store **s, char id[17], int64_t now)
{
	size_t n;
	bool dup;
	struct tc_cap_alert *a = NULL;
	const char targets[2][64] = { "a", "b" };
	int bad = fixture_store_dir() || tc_store_open(fixture_db, s, NULL) ||
		  tc_registry_import(*s, TC_REG_RECEIVERS, fixture_receivers, strlen(fixture_receivers), &n, NULL) ||
		  fixture_check(fixture_alert, TC_CAP_PROFILE_CN, false, NULL, &a) ||
		  tc_store_put_alert(*s, a, now, id, &dup, NULL) || tc_store_plan_alert(*s, id, targets, 2, "mqtt", now);
	tc_cap_alert_free(a);
	return bad ? -1 : 0;
}

#endif
