/* test_plan.c — targets from polygons, circles and admin codes; drills; the union. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_plan.h"
#include "tc_cap_check.h"
#include "store_fixture.h"
#include "tc_registry.h"

static struct tc_store *store;

static const char receivers[] =
	"id,kind,name,lat,lon,region,drills\n"
	"in-poly,loudspeaker,a,39.0,117.7,130101,no\n"      /* inside the polygon, region elsewhere */
	"out-poly,loudspeaker,b,39.3,117.7,130102,yes\n"    /* north of it */
	"in-circle,signage,c,38.98,117.85,130103,yes\n"     /* 6 km from the centre */
	"out-circle,signage,d,38.98,118.0,130104,yes\n"     /* 19 km */
	"village,loudspeaker,e,10.0,10.0,120116105201,yes\n" /* far away, but in county 120116 */
	"town,loudspeaker,f,10.0,10.0,120116001,no\n"
	"other-county,loudspeaker,g,10.0,10.0,120110001,yes\n";

static int setup(void **state)
{
	(void)state;
	size_t n;
	if (fixture_store_dir())
		return -1;
	if (tc_store_open(fixture_db, &store, NULL))
		return -1;
	return tc_registry_import(store, TC_REG_RECEIVERS, receivers, strlen(receivers), &n, NULL) != TC_OK;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

static char *plan_of(const char *status, const char *areas)
{
	static char xml[4096], out[1024];
	snprintf(xml, sizeof(xml),
		 "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>p1</identifier><sender>s</sender>"
		 "<sent>2027-08-12T06:30:00+08:00</sent><status>%s</status><msgType>Alert</msgType><scope>Public</scope>"
		 "<info><category>Met</category><event>e</event><urgency>Immediate</urgency><severity>Severe</severity>"
		 "<certainty>Observed</certainty>%s</info></alert>",
		 status, areas);
	struct tc_cap_alert *a = NULL;
	assert_int_equal(tc_cap_check(xml, strlen(xml), NULL, &a, NULL), TC_OK);
	struct tc_plan p, q;
	assert_int_equal(tc_plan_targets(store, a, &p, NULL), TC_OK);
	out[0] = '\0';
	for (size_t i = 0; i < p.n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, p.targets[i]);
	}
	/* the in-memory index, loaded here or in a thread of its own, must select exactly the same receivers */
	struct tc_registry_index *x[2] = { NULL, NULL };
	struct tc_registry_index_loader *l = NULL;
	enum tc_rc rc = TC_ERR_IO;
	assert_int_equal(tc_registry_index_load(store, &x[0]), TC_OK);
	assert_int_equal(tc_registry_index_load_start(store, &l), TC_OK);
	for (int i = 0; !tc_registry_index_load_done(l, &x[1], &rc); i++) {
		assert_true(i < 10000);
		usleep(1000);
	}
	assert_int_equal(rc, TC_OK);
	assert_int_equal(tc_registry_index_size(x[1]), tc_registry_index_size(x[0]));
	for (int w = 0; w < 2; w++) {
		assert_int_equal(tc_plan_targets_indexed(x[w], a, &q, NULL), TC_OK);
		assert_int_equal(q.n, p.n);
		for (size_t i = 0; i < q.n; i++) {
			bool found = false;
			for (size_t k = 0; k < p.n; k++)
				found |= strcmp(q.targets[i], p.targets[k]) == 0;
			assert_true(found);
		}
		tc_plan_release(&q);
		tc_registry_index_free(x[w]);
	}
	tc_plan_release(&p);
	tc_cap_alert_free(a);
	return out;
}

#define POLY "<area><areaDesc>p</areaDesc><polygon>39.21,117.55 39.21,117.90 38.85,117.90 38.70,117.62 38.85,117.55 39.21,117.55</polygon></area>"
#define CIRCLE "<area><areaDesc>c</areaDesc><circle>38.98,117.78 15</circle></area>"
#define GEO(code) "<area><areaDesc>g</areaDesc><geocode><valueName>ADCODE</valueName><value>" code "</value></geocode></area>"

static void test_polygon(void **state)
{
	(void)state;
	assert_string_equal(plan_of("Actual", POLY), "in-circle in-poly");
}

static void test_circle(void **state)
{
	(void)state;
	assert_string_equal(plan_of("Actual", CIRCLE), "in-circle in-poly"); /* in-poly is 7 km from the centre */
}

static void test_admin_codes(void **state)
{
	(void)state;
	assert_string_equal(plan_of("Actual", GEO("120116")), "town village"); /* the county reaches town and village */
	assert_string_equal(plan_of("Actual", GEO("120116001")), "town");
	assert_string_equal(plan_of("Actual", GEO("120116105201")), "village");
	assert_string_equal(plan_of("Actual", GEO("12")), "other-county town village"); /* the whole province */
	assert_string_equal(plan_of("Actual", GEO("120199")), "");
}

static void test_union_once_each(void **state)
{
	(void)state;
	assert_string_equal(plan_of("Actual", POLY CIRCLE GEO("120116") GEO("120116001")),
			    "in-circle in-poly town village");
}

static void test_drills_reach_only_willing_receivers(void **state)
{
	(void)state;
	assert_string_equal(plan_of("Exercise", POLY GEO("120116")), "in-circle village");
	assert_string_equal(plan_of("Test", GEO("120116")), "village");
}

static void test_geometry(void **state)
{
	(void)state;
	double d = tc_plan_distance_km(39.0, 117.0, 40.0, 117.0);
	assert_true(d > 110.5 && d < 111.5);
	assert_true(tc_plan_distance_km(38.98, 117.78, 38.98, 117.85) < 7);
}

/* An alert accepted before a crash is planned at the next start. */
static void test_resume_plans_accepted_alerts(void **state)
{
	(void)state;
	static const char xml[] =
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>r9</identifier><sender>s</sender>"
		"<sent>2027-08-12T06:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><category>Met</category><event>e</event><urgency>Immediate</urgency><severity>Severe</severity>"
		"<certainty>Observed</certainty>" GEO("120116") "</info></alert>";
	struct tc_cap_alert *a = NULL;
	char id[17];
	bool dup;
	assert_int_equal(tc_cap_check(xml, strlen(xml), NULL, &a, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, 100, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_plan_resume(store, 200, NULL), 1);
	long counts[TC_DELIVERY_N_STATES], total;
	assert_int_equal(tc_store_delivery_counts(store, id, counts, &total), TC_OK);
	assert_int_equal(total, 2);
	assert_int_equal(counts[0], 2); /* planned */
	struct tc_store_alert rec;
	assert_int_equal(tc_store_get_alert(store, id, &rec), TC_OK);
	assert_int_equal(rec.state, TC_ALERT_PLANNED);
	tc_store_alert_release(&rec);
	assert_int_equal(tc_plan_resume(store, 300, NULL), 0); /* nothing left; planning twice changes nothing */
	size_t n;
	assert_int_equal(tc_plan_stored_alert(store, NULL, id, 400, &n, NULL), TC_OK);
	assert_int_equal(tc_store_delivery_counts(store, id, counts, &total), TC_OK);
	assert_int_equal(total, 2);
	tc_cap_alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polygon),       cmocka_unit_test(test_circle),
		cmocka_unit_test(test_admin_codes),   cmocka_unit_test(test_union_once_each),
		cmocka_unit_test(test_drills_reach_only_willing_receivers), cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_resume_plans_accepted_alerts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
