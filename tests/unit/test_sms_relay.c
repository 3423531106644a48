/*
 * test_sms_relay.c — the relay's rules (tc_sms_relay.h): chains built from
 * contacts, which regions an alert starts, and each step's decision with
 * a clock the test sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tc_sms_relay.h"

static struct tc_contact person(const char *phone, const char *region, int relay)
{
	struct tc_contact c;
	memset(&c, 0, sizeof(c));
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.region, sizeof(c.region), "%s", region);
	c.relay = relay;
	return c;
}

static void test_chain_order_and_gaps(void **state)
{
	(void)state;
	const struct tc_contact v[] = {
		person("+8613800000003", "120116001", 5), person("+8613800000001", "120116001", 1),
		person("+8613800000009", "120116001001", 1), person("+8613800000004", "120116001", 0),
		person("+8613800000002", "120116001", 2), person("+8613800000005", "120116002", 1),
	};
	size_t order[8];
	assert_int_equal(tc_relay_chain(v, 6, "120116001", order, 8), 3);
	assert_int_equal(order[0], 1); /* place 1, then 2, then 5: the gap is skipped */
	assert_int_equal(order[1], 4);
	assert_int_equal(order[2], 0);
	assert_int_equal(tc_relay_chain(v, 6, "120116001001", order, 8), 1);
	assert_int_equal(order[0], 2);
	assert_int_equal(tc_relay_chain(v, 6, "120116009", order, 8), 0);
	/* fewer slots than people: the first ones, counted all */
	assert_int_equal(tc_relay_chain(v, 6, "120116001", order, 2), 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 4);
}

static void test_same_place_by_phone(void **state)
{
	(void)state;
	/* an import refuses it; a chain read anyway has one order */
	const struct tc_contact v[] = { person("+8613800000002", "120116001", 1), person("+8613800000001", "120116001", 1) };
	size_t order[2];
	assert_int_equal(tc_relay_chain(v, 2, "120116001", order, 2), 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 0);
}

static void test_regions_reached(void **state)
{
	(void)state;
	const char county[][16] = { "120116" }, village[][16] = { "120116001002" }, other[][16] = { "120117" };
	assert_true(tc_relay_reaches("120116001", county, 1));
	assert_true(tc_relay_reaches("120116001002", county, 1));
	assert_true(tc_relay_reaches("120116001", village, 1)); /* the town of a reached village */
	assert_true(tc_relay_reaches("120116001002", village, 1));
	assert_false(tc_relay_reaches("120116001003", village, 1)); /* another village of that town */
	assert_false(tc_relay_reaches("120116001", other, 1));
	assert_false(tc_relay_reaches("120116", county, 1)); /* a county is no chain: its duty room is told */
	assert_false(tc_relay_reaches("120116001", county, 0));
}

static void test_steps_with_a_clock(void **state)
{
	(void)state;
	int64_t told = 1000, due = told + 600;
	assert_int_equal(tc_relay_decide("waiting", due, told, true), TC_RELAY_WAIT);
	assert_int_equal(tc_relay_decide("waiting", due, due - 1, true), TC_RELAY_WAIT);
	assert_int_equal(tc_relay_decide("waiting", due, due, true), TC_RELAY_TELL_NEXT);
	assert_int_equal(tc_relay_decide("waiting", due, due + 3600, false), TC_RELAY_RAN_OUT);
	assert_int_equal(tc_relay_decide("confirmed", due, due + 1, true), TC_RELAY_WAIT);
	assert_int_equal(tc_relay_decide("ran-out", due, due + 1, true), TC_RELAY_WAIT);
	assert_int_equal(tc_relay_decide("waiting", 0, due, true), TC_RELAY_WAIT);
	assert_string_equal(tc_relay_action_name(TC_RELAY_TELL_NEXT), "tell-next");
	assert_string_equal(tc_relay_action_name(TC_RELAY_RAN_OUT), "ran-out");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_order_and_gaps),
		cmocka_unit_test(test_same_place_by_phone),
		cmocka_unit_test(test_regions_reached),
		cmocka_unit_test(test_steps_with_a_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
