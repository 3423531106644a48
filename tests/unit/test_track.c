/* test_track.c — the delivery state machine: every transition that matters, and its effect in the store. */
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
#include "tc_track.h"

static const struct tc_track_policy policy = { .ack_timeout_s = 30, .play_timeout_s = 600, .max_attempts = 3 };
#define NOW 1000000

static struct tc_cap_alert *parse(const char *xml)
{
	struct tc_cap_alert *a = NULL;
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_CN, false, NULL, &a), TC_OK);
	return a;
}

static void count(const struct tc_delivery_row *row, void *u)
{
	(void)row;
	(*(int *)u)++;
}

static struct tc_track_step step(enum tc_dstate st, enum tc_devent ev, long attempts)
{
	return tc_track_decide(st, ev, attempts, 5, &policy, NOW);
}

static void test_names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < TC_DS_N; i++) {
		enum tc_dstate s;
		assert_int_equal(tc_dstate_parse(tc_dstate_name((enum tc_dstate)i), &s), TC_OK);
		assert_int_equal(s, i);
	}
	enum tc_dstate s;
	assert_int_equal(tc_dstate_parse("lost", &s), TC_ERR_INVALID);
	assert_string_equal(tc_devent_name(TC_EV_TIMEOUT), "timeout");
	for (int k = 0; k < TC_ACK_N_KINDS; k++) /* every acknowledgment maps to an event of the same name ... */
		if (k != TC_ACK_CHECKED)
			assert_string_equal(tc_devent_name(tc_devent_of_ack((enum tc_ack_kind)k)),
					    tc_ack_kind_name((enum tc_ack_kind)k));
	/* ... but a passed self-check, which counts as played (a failed one is turned into failed) */
	assert_int_equal(tc_devent_of_ack(TC_ACK_CHECKED), TC_EV_PLAYED);
}

static void test_send_then_acks(void **state)
{
	(void)state;
	struct tc_track_step s = step(TC_DS_PLANNED, TC_EV_SENT, 0);
	assert_true(s.accepted && s.changed);
	assert_int_equal(s.next, TC_DS_SENT);
	assert_int_equal(s.attempts, 1);
	assert_int_equal(s.due_at, NOW + 30);
	s = step(TC_DS_SENT, TC_EV_RECEIVED, 1);
	assert_int_equal(s.next, TC_DS_RECEIVED);
	assert_int_equal(s.due_at, NOW + 600);
	s = step(TC_DS_RECEIVED, TC_EV_PLAYING, 1); /* playing keeps the running timer */
	assert_true(s.accepted);
	assert_false(s.changed);
	assert_int_equal(s.due_at, 5);
	s = step(TC_DS_RECEIVED, TC_EV_PLAYED, 1);
	assert_int_equal(s.next, TC_DS_PLAYED);
	assert_int_equal(s.due_at, 0);
	s = step(TC_DS_SENT, TC_EV_DISPLAYED, 1); /* a lost receipt: displayed straight away */
	assert_int_equal(s.next, TC_DS_DISPLAYED);
	s = step(TC_DS_SENT, TC_EV_REJECTED, 1);
	assert_int_equal(s.next, TC_DS_REJECTED);
	s = step(TC_DS_RECEIVED, TC_EV_FAILED, 1);
	assert_int_equal(s.next, TC_DS_FAILED);
}

static void test_timeouts_resend_then_escalate(void **state)
{
	(void)state;
	struct tc_track_step s = step(TC_DS_SENT, TC_EV_TIMEOUT, 1);
	assert_int_equal(s.action, TC_TRACK_RESEND);
	assert_int_equal(s.next, TC_DS_SENT);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.due_at, NOW + 30);
	s = step(TC_DS_SENT, TC_EV_TIMEOUT, 3);
	assert_int_equal(s.action, TC_TRACK_ESCALATE);
	assert_int_equal(s.next, TC_DS_ESCALATED);
	assert_int_equal(s.due_at, 0);
	s = step(TC_DS_RECEIVED, TC_EV_TIMEOUT, 1); /* received, never played */
	assert_int_equal(s.action, TC_TRACK_ESCALATE);
	assert_int_equal(s.next, TC_DS_ESCALATED);
	s = step(TC_DS_PLAYED, TC_EV_TIMEOUT, 1); /* final states have no timer */
	assert_false(s.accepted);
}

static void test_final_states_hold_but_late_play_wins(void **state)
{
	(void)state;
	static const enum tc_dstate late[] = { TC_DS_ESCALATED, TC_DS_FAILED, TC_DS_EXPIRED };
	for (size_t i = 0; i < 3; i++) {
		struct tc_track_step s = step(late[i], TC_EV_PLAYED, 3);
		assert_int_equal(s.next, TC_DS_PLAYED);
		s = step(late[i], TC_EV_RECEIVED, 3);
		assert_true(s.accepted);
		assert_false(s.changed);
	}
	struct tc_track_step s = step(TC_DS_PLAYED, TC_EV_REJECTED, 1);
	assert_true(s.accepted);
	assert_false(s.changed);
	s = step(TC_DS_CANCELLED, TC_EV_PLAYED, 1); /* a cancelled delivery stays cancelled */
	assert_false(s.changed);
	s = step(TC_DS_CANCELLED, TC_EV_SENT, 1);
	assert_false(s.accepted);
	s = step(TC_DS_EXPIRED, TC_EV_SENT, 1);
	assert_false(s.accepted);
}

static void test_cleared_changes_nothing(void **state)
{
	(void)state;
	struct tc_track_step s = step(TC_DS_SENT, TC_EV_CLEARED, 1); /* cleared says nothing about delivery */
	assert_true(s.accepted);
	assert_false(s.changed);
	s = step(TC_DS_RECEIVED, TC_EV_CLEARED, 1);
	assert_false(s.changed);
}

/* rejected and failed, whatever the reason, escalate like silence; no other acknowledgment does. */
static void test_rejected_and_failed_escalate(void **state)
{
	(void)state;
	for (int st = 0; st < TC_DS_N; st++)
		for (int k = 0; k < TC_ACK_N_KINDS; k++) {
			struct tc_track_step s = step((enum tc_dstate)st, tc_devent_of_ack((enum tc_ack_kind)k), 1);
			bool open = st == TC_DS_SENT || st == TC_DS_RECEIVED;
			bool should = open && (k == TC_ACK_REJECTED || k == TC_ACK_FAILED);
			if ((s.action == TC_TRACK_ESCALATE) != should)
				fail_msg("%s from %s: escalates %d, should %d", tc_ack_kind_name((enum tc_ack_kind)k),
					 tc_dstate_name((enum tc_dstate)st), s.action == TC_TRACK_ESCALATE, should);
		}
	/* A later genuine played still counts for coverage. */
	assert_int_equal(step(TC_DS_REJECTED, TC_EV_PLAYED, 1).next, TC_DS_PLAYED);
	assert_int_equal(step(TC_DS_REJECTED, TC_EV_DISPLAYED, 1).next, TC_DS_DISPLAYED);
	assert_int_equal(step(TC_DS_FAILED, TC_EV_PLAYED, 1).next, TC_DS_PLAYED);
}

/* An acknowledgment counts only for a delivery that was sent: none from planned, none for a
 * delivery ended before it was ever sent (attempts 0), whatever it says. */
static void test_acks_need_a_send(void **state)
{
	(void)state;
	for (int st = 0; st < TC_DS_N; st++)
		for (int k = 0; k < TC_ACK_N_KINDS; k++) {
			struct tc_track_step s = step((enum tc_dstate)st, tc_devent_of_ack((enum tc_ack_kind)k), 0);
			if (s.accepted || s.changed)
				fail_msg("%s on a never-sent %s delivery was taken", tc_ack_kind_name((enum tc_ack_kind)k),
					 tc_dstate_name((enum tc_dstate)st));
		}
	/* planned refuses every acknowledgment, whatever its attempts say */
	for (int k = 0; k < TC_ACK_N_KINDS; k++)
		assert_false(step(TC_DS_PLANNED, tc_devent_of_ack((enum tc_ack_kind)k), 1).accepted);
	/* sending still works from planned */
	assert_int_equal(step(TC_DS_PLANNED, TC_EV_SENT, 0).next, TC_DS_SENT);
}

/* An acknowledgment sent at QoS 0 may be lost: once received (QoS 1, sent first) is in, it changes
 * no delivery, so losing it loses nothing that receipt or coverage is measured from. */
static void test_qos0_acks_change_nothing_after_receipt(void **state)
{
	(void)state;
	int checked = 0;
	for (int st = 0; st < TC_DS_N; st++)
		for (int k = 0; k < TC_ACK_N_KINDS; k++) {
			if (tc_ack_qos((enum tc_ack_kind)k))
				continue;
			struct tc_track_step got = step((enum tc_dstate)st, TC_EV_RECEIVED, 1);
			struct tc_track_step then = step(got.next, tc_devent_of_ack((enum tc_ack_kind)k), got.attempts);
			if (then.changed)
				fail_msg("%s after received changes %s", tc_ack_kind_name((enum tc_ack_kind)k),
					 tc_dstate_name(got.next));
			checked++;
		}
	assert_int_equal(checked, TC_DS_N);
}

static void test_apply_writes_store(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	struct tc_cap_alert *a = parse(fixture_alert);
	char id[17];
	bool dup;
	const char targets[2][64] = { "rx-1", "rx-2" };
	assert_int_equal(fixture_store_dir(), 0);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(s, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(s, id, targets, 2, "mqtt", NOW), TC_OK);
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "planned");
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_SENT, NULL, NOW, NULL), TC_OK);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.due_at, NOW + 30);
	/* Nothing is due before the timer, one delivery after it. */
	int due = 0;
	assert_int_equal(tc_store_due_deliveries(s, NOW + 29, 10, count, &due), TC_OK);
	assert_int_equal(due, 0);
	assert_int_equal(tc_store_due_deliveries(s, NOW + 30, 10, count, &due), TC_OK);
	assert_int_equal(due, 1);
	/* Three sends, then the village is escalated. */
	struct tc_track_step st;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
		assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_TIMEOUT, NULL, NOW + 30 * (i + 1), &st), TC_OK);
	}
	assert_int_equal(st.action, TC_TRACK_ESCALATE);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "escalated");
	assert_int_equal(tc_store_escalation_count(s, id), 1);
	/* A refused event changes nothing and says so. */
	assert_int_equal(tc_store_get_delivery(s, id, "rx-2", "mqtt", &r), TC_OK);
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_TIMEOUT, NULL, NOW, &st), TC_ERR_INVALID);
	assert_false(st.accepted);
	tc_cap_alert_free(a);
	tc_store_close(s);
	fixture_store_remove();
}

/* A rejection is written with its reason and becomes an escalation for the receiver's village. */
static void test_apply_rejected_escalates(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	struct tc_cap_alert *a = parse(fixture_alert);
	char id[17];
	bool dup;
	const char targets[1][64] = { "rx-1" };
	struct tc_delivery_row r;
	struct tc_track_step st;
	assert_int_equal(fixture_store_dir(), 0);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_put_alert(s, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(s, id, targets, 1, "mqtt", NOW), TC_OK);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	/* Before it is sent, a rejection is refused and nothing is escalated. */
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_REJECTED, "garbage", NOW, &st), TC_ERR_INVALID);
	assert_int_equal(tc_store_escalation_count(s, id), 0);
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_SENT, NULL, NOW, NULL), TC_OK);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_REJECTED, "bad-signature", NOW + 1, &st), TC_OK);
	assert_int_equal(st.action, TC_TRACK_ESCALATE);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "rejected");
	assert_int_equal(tc_store_escalation_count(s, id), 1);
	/* A later genuine played counts. */
	assert_int_equal(tc_track_apply(s, &policy, &r, TC_EV_PLAYED, NULL, NOW + 2, &st), TC_OK);
	assert_int_equal(tc_store_get_delivery(s, id, "rx-1", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "played");
	tc_cap_alert_free(a);
	tc_store_close(s);
	fixture_store_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_send_then_acks),
		cmocka_unit_test(test_timeouts_resend_then_escalate),
		cmocka_unit_test(test_final_states_hold_but_late_play_wins),
		cmocka_unit_test(test_cleared_changes_nothing),
		cmocka_unit_test(test_rejected_and_failed_escalate),
		cmocka_unit_test(test_acks_need_a_send),
		cmocka_unit_test(test_apply_rejected_escalates),
		cmocka_unit_test(test_qos0_acks_change_nothing_after_receipt),
		cmocka_unit_test(test_apply_writes_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
