/*
 * test_alert_life.c — an alert's own state machine: its names, the table's invariants, the
 * store's single transitions and its bulk ones (expiry, finishing) following the same table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_fixture.h"
#include "store_fixture.h"
#include "tc_alert_life.h"

#define NOW 1000000

static struct tc_store *store;

static int setup(void **state)
{
	(void)state;
	return fixture_store_dir() || tc_store_open(fixture_db, &store, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

static void test_names_round_trip(void **state)
{
	(void)state;
	enum tc_alert_state st;
	enum tc_alert_event ev;
	for (int i = 0; i < TC_ALERT_N_STATES; i++) {
		assert_int_equal(tc_alert_state_parse(tc_alert_state_name((enum tc_alert_state)i), &st), TC_OK);
		assert_int_equal(st, i);
	}
	for (int i = 0; i < TC_AEV_N; i++) {
		assert_int_equal(tc_alert_event_parse(tc_alert_event_name((enum tc_alert_event)i), &ev), TC_OK);
		assert_int_equal(ev, i);
	}
	assert_string_equal(tc_alert_state_name(TC_ALERT_DISPATCHING), "dispatching");
	assert_string_equal(tc_alert_event_name(TC_AEV_SUPERSEDE), "supersede");
	assert_string_equal(tc_alert_state_name((enum tc_alert_state)99), "unknown");
	assert_string_equal(tc_alert_event_name(TC_AEV_N), "unknown");
	assert_int_equal(tc_alert_state_parse("Done", &st), TC_ERR_INVALID);
	assert_int_equal(tc_alert_state_parse(NULL, &st), TC_ERR_INVALID);
	assert_int_equal(tc_alert_event_parse("expired", &ev), TC_ERR_INVALID);
}

static void expect_step(enum tc_alert_state st, enum tc_alert_event ev, bool accepted, enum tc_alert_state next)
{
	struct tc_alert_step s = tc_alert_decide(st, ev);
	if (s.accepted != accepted || s.next != next || s.changed != (accepted && next != st))
		fail_msg("%s + %s: got %s %s", tc_alert_state_name(st), tc_alert_event_name(ev),
			 s.accepted ? "accepted" : "refused", tc_alert_state_name(s.next));
}

static void test_the_life(void **state)
{
	(void)state;
	/* the way through */
	expect_step(TC_ALERT_ACCEPTED, TC_AEV_PLAN, true, TC_ALERT_PLANNED);
	expect_step(TC_ALERT_PLANNED, TC_AEV_PUBLISH, true, TC_ALERT_DISPATCHING);
	expect_step(TC_ALERT_DISPATCHING, TC_AEV_FINISH, true, TC_ALERT_DONE);
	/* planning twice, publishing the rest, finishing twice change nothing */
	expect_step(TC_ALERT_PLANNED, TC_AEV_PLAN, true, TC_ALERT_PLANNED);
	expect_step(TC_ALERT_DISPATCHING, TC_AEV_PUBLISH, true, TC_ALERT_DISPATCHING);
	expect_step(TC_ALERT_DONE, TC_AEV_FINISH, true, TC_ALERT_DONE);
	/* more targets of a published alert: it is dispatching (again), never planned */
	expect_step(TC_ALERT_DISPATCHING, TC_AEV_PLAN, true, TC_ALERT_DISPATCHING);
	expect_step(TC_ALERT_DONE, TC_AEV_PLAN, true, TC_ALERT_DISPATCHING);
	/* out of order */
	expect_step(TC_ALERT_ACCEPTED, TC_AEV_PUBLISH, false, TC_ALERT_ACCEPTED);
	expect_step(TC_ALERT_PLANNED, TC_AEV_FINISH, false, TC_ALERT_PLANNED);
	expect_step(TC_ALERT_DONE, TC_AEV_PUBLISH, false, TC_ALERT_DONE);
	/* a Cancel ends a whole chain; an Update or expiry never reopens or replaces a cancelled alert */
	expect_step(TC_ALERT_SUPERSEDED, TC_AEV_CANCEL, true, TC_ALERT_CANCELLED);
	expect_step(TC_ALERT_EXPIRED, TC_AEV_CANCEL, true, TC_ALERT_CANCELLED);
	expect_step(TC_ALERT_EXPIRED, TC_AEV_SUPERSEDE, true, TC_ALERT_SUPERSEDED);
	expect_step(TC_ALERT_CANCELLED, TC_AEV_SUPERSEDE, false, TC_ALERT_CANCELLED);
	expect_step(TC_ALERT_CANCELLED, TC_AEV_EXPIRE, false, TC_ALERT_CANCELLED);
	expect_step(TC_ALERT_SUPERSEDED, TC_AEV_EXPIRE, false, TC_ALERT_SUPERSEDED);
	expect_step(TC_ALERT_CANCELLED, TC_AEV_CANCEL, true, TC_ALERT_CANCELLED);
	expect_step((enum tc_alert_state)99, TC_AEV_CANCEL, false, (enum tc_alert_state)99);
	expect_step(TC_ALERT_PLANNED, TC_AEV_N, false, TC_ALERT_PLANNED);
	/* a held alert: released by approval (to be planned), or rejected for good; never planned as held */
	expect_step(TC_ALERT_PENDING_APPROVAL, TC_AEV_APPROVE, true, TC_ALERT_ACCEPTED);
	expect_step(TC_ALERT_PENDING_APPROVAL, TC_AEV_REJECT, true, TC_ALERT_REJECTED);
	expect_step(TC_ALERT_PENDING_APPROVAL, TC_AEV_PLAN, false, TC_ALERT_PENDING_APPROVAL);
	expect_step(TC_ALERT_PENDING_APPROVAL, TC_AEV_EXPIRE, true, TC_ALERT_EXPIRED);
	expect_step(TC_ALERT_ACCEPTED, TC_AEV_APPROVE, false, TC_ALERT_ACCEPTED);
	expect_step(TC_ALERT_DONE, TC_AEV_REJECT, false, TC_ALERT_DONE);
	expect_step(TC_ALERT_REJECTED, TC_AEV_APPROVE, false, TC_ALERT_REJECTED);
	expect_step(TC_ALERT_REJECTED, TC_AEV_CANCEL, false, TC_ALERT_REJECTED);
}

/* The invariants of tc_alert_life.h, over the whole table. */
static void test_invariants(void **state)
{
	(void)state;
	for (int st = 0; st < TC_ALERT_N_STATES; st++)
		for (int ev = 0; ev < TC_AEV_N; ev++) {
			struct tc_alert_step s = tc_alert_decide((enum tc_alert_state)st, (enum tc_alert_event)ev);
			bool published = st >= TC_ALERT_DISPATCHING && st <= TC_ALERT_EXPIRED;
			/* never back to accepted; only approval leads there, from pending-approval alone */
			assert_false(s.changed && s.next == TC_ALERT_ACCEPTED &&
				     !(st == TC_ALERT_PENDING_APPROVAL && ev == TC_AEV_APPROVE));
			assert_false(s.changed && st == TC_ALERT_REJECTED);                      /* 1: final */
			/* approve and reject touch only held alerts */
			if ((ev == TC_AEV_APPROVE || ev == TC_AEV_REJECT) && st != TC_ALERT_PENDING_APPROVAL)
				assert_false(s.changed);
			assert_false(s.changed && published && s.next == TC_ALERT_PLANNED);     /* 2 */
			assert_false(s.changed && st == TC_ALERT_CANCELLED);                     /* 1: final */
			assert_false(s.changed && st == TC_ALERT_SUPERSEDED && s.next != TC_ALERT_CANCELLED);
			assert_true(s.accepted || !s.changed);
			/* every living state ends by cancel, supersede and expire */
			if ((st <= TC_ALERT_DONE || st == TC_ALERT_PENDING_APPROVAL) && ev >= TC_AEV_CANCEL &&
			    ev <= TC_AEV_EXPIRE)
				assert_true(s.changed);
		}
}

static void put(const char *identifier, char id[17])
{
	struct tc_cap_alert *a = NULL;
	bool dup;
	char *xml = fixture_replace(fixture_alert, "12011641600000_20260812063000_0", identifier);
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	tc_cap_alert_free(a);
	free(xml);
}

static enum tc_alert_state state_of(const char *id)
{
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires;
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	return st;
}

static void test_store_takes_events_by_the_table(void **state)
{
	(void)state;
	char id[17];
	struct tc_alert_step step;
	enum tc_alert_state from;
	long n;
	const char targets[1][64] = { "rx-1" };
	put("life-1", id);
	assert_int_equal(state_of(id), TC_ALERT_ACCEPTED);
	assert_int_equal(tc_store_alert_event(store, id, TC_AEV_PUBLISH, NOW, &step, &from), TC_ERR_INVALID);
	assert_false(step.accepted);
	assert_int_equal(from, TC_ALERT_ACCEPTED);
	assert_int_equal(state_of(id), TC_ALERT_ACCEPTED);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 1, "mqtt", NOW), TC_OK);
	assert_int_equal(state_of(id), TC_ALERT_PLANNED);
	assert_int_equal(tc_store_alert_event(store, id, TC_AEV_PUBLISH, NOW, &step, &from), TC_OK);
	assert_true(step.changed);
	assert_int_equal(state_of(id), TC_ALERT_DISPATCHING);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 1, "mqtt", NOW), TC_OK); /* never planned again */
	assert_int_equal(state_of(id), TC_ALERT_DISPATCHING);
	assert_int_equal(tc_store_close_alert(store, id, TC_ALERT_CANCELLED, NOW, &n), TC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(id), TC_ALERT_CANCELLED);
	/* ended: an Update cannot replace it, nor can it be planned again; nothing is written */
	assert_int_equal(tc_store_close_alert(store, id, TC_ALERT_SUPERSEDED, NOW, &n), TC_ERR_INVALID);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 1, "mqtt", NOW), TC_ERR_INVALID);
	assert_int_equal(state_of(id), TC_ALERT_CANCELLED);
	assert_int_equal(tc_store_close_alert(store, id, TC_ALERT_DONE, NOW, &n), TC_ERR_USAGE);
	assert_int_equal(tc_store_alert_event(store, "ffffffffffffffff", TC_AEV_PLAN, NOW, NULL, NULL), TC_ERR_NOTFOUND);
}

/*
 * The store's bulk transition run (expiry, finishing) starts from exactly the states the table
 * moves with ev, and takes each where the table says: one alert in every state, none of them
 * with an open delivery.
 */
static void bulk_follows_the_table(enum tc_alert_event ev, enum tc_rc (*run)(struct tc_store *, int64_t, long *))
{
	char ids[TC_ALERT_N_STATES][17], msg_type[16];
	long n = -1, moved = 0;
	int64_t expires = 0;
	enum tc_alert_state st;
	for (int i = 0; i < TC_ALERT_N_STATES; i++) {
		char identifier[32];
		snprintf(identifier, sizeof(identifier), "bulk-%s-%d", tc_alert_event_name(ev), i);
		put(identifier, ids[i]);
		assert_int_equal(tc_store_set_alert_state(store, ids[i], (enum tc_alert_state)i, NOW), TC_OK);
		moved += tc_alert_moves((enum tc_alert_state)i, ev);
	}
	assert_int_equal(tc_store_alert_brief(store, ids[0], msg_type, &st, &expires), TC_OK);
	assert_int_equal(run(store, expires, &n), TC_OK);
	assert_int_equal(n, moved);
	for (int i = 0; i < TC_ALERT_N_STATES; i++)
		assert_int_equal(state_of(ids[i]), tc_alert_decide((enum tc_alert_state)i, ev).next);
}

static void test_expiry_follows_the_table(void **state)
{
	(void)state;
	bulk_follows_the_table(TC_AEV_EXPIRE, tc_store_expire_alerts);
}

static void test_finishing_follows_the_table(void **state)
{
	(void)state;
	bulk_follows_the_table(TC_AEV_FINISH, tc_store_finish_alerts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_the_life),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test_setup_teardown(test_store_takes_events_by_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_follows_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finishing_follows_the_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
