/*
 * test_rx_state.c — the receiver's seen-list, nonces, kept messages and
 * acknowledgment queue survive a restart; a state without a folder keeps
 * them in memory; and the rules every receiver applies to that state
 * (rx_intake_apply: command age, replays, seen-before, expiry, Cancel).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rx_intake.h"
#include "rx_state.h"
#include "tc_proto.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_rx_state.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct rx_state *open_state(void)
{
	struct rx_state *s = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(rx_state_open(dir, 3600, &s, d), TC_OK);
	tc_diags_free(d);
	return s;
}

static void put(struct rx_state *s, const char *id, enum rx_phase ph, enum tc_ack_kind k, const char *reason,
		int64_t now)
{
	struct rx_seen e = { .phase = ph, .final = (int)k, .expires_at = 2000000000, .priority = 70 };
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	assert_int_equal(rx_state_put(s, &e, now), TC_OK);
}

static void test_seen_survives_restart(void **state)
{
	(void)state;
	struct rx_state *s = open_state();
	put(s, "0123456789abcdef", RX_PHASE_ACTIVE, TC_ACK_PLAYED, "", 1000);
	put(s, "fedcba9876543210", RX_PHASE_DONE, TC_ACK_REJECTED, "expired", 1000);
	put(s, "0123456789abcdef", RX_PHASE_DONE, TC_ACK_CLEARED, "cancelled", 1001); /* replaces */
	assert_true(rx_state_nonce(s, "n-1"));
	assert_false(rx_state_nonce(s, "n-1"));
	assert_int_equal(rx_state_flush(s, NULL), TC_OK);
	rx_state_free(s); /* as after kill -9: only what was flushed */
	s = open_state();
	assert_int_equal(rx_state_count(s), 2);
	const struct rx_seen *e = rx_state_find(s, "0123456789abcdef");
	assert_non_null(e);
	assert_int_equal(e->phase, RX_PHASE_DONE);
	assert_int_equal(e->final, TC_ACK_CLEARED);
	assert_string_equal(e->reason, "cancelled");
	assert_int_equal(e->updated, 1001);
	assert_int_equal(e->priority, 70);
	e = rx_state_find(s, "fedcba9876543210");
	assert_string_equal(e->reason, "expired");
	assert_false(rx_state_nonce(s, "n-1")); /* a replay after restart too */
	assert_true(rx_state_nonce(s, "n-2"));
	rx_state_free(s);
}

static void test_unflushed_is_lost_old_file_intact(void **state)
{
	(void)state;
	struct rx_state *s = open_state();
	put(s, "1111111111111111", RX_PHASE_PENDING, TC_ACK_RECEIVED, "", 10);
	rx_state_flush(s, NULL);
	put(s, "2222222222222222", RX_PHASE_PENDING, TC_ACK_RECEIVED, "", 11);
	rx_state_free(s);
	s = open_state();
	assert_non_null(rx_state_find(s, "1111111111111111"));
	assert_null(rx_state_find(s, "2222222222222222"));
	rx_state_free(s);
}

static void test_torn_line_skipped(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/seen.tsv", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "A 3333333333333333 1 2 0 5 40\nA 44444444\nN nonce-x\n");
	fclose(f);
	struct rx_state *s = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(rx_state_open(dir, 3600, &s, d), TC_OK);
	assert_int_equal(tc_diags_warnings(d), 1);
	assert_int_equal(rx_state_count(s), 1);
	assert_false(rx_state_nonce(s, "nonce-x"));
	tc_diags_free(d);
	rx_state_free(s);
}

static void test_ack_queue_in_order(void **state)
{
	(void)state;
	struct rx_state *s = open_state();
	assert_int_equal(rx_state_ack_push(s, "{\"a\":1}"), TC_OK);
	assert_int_equal(rx_state_ack_push(s, "{\"a\":2}"), TC_OK);
	assert_int_equal(rx_state_ack_push(s, "{\"a\":3}"), TC_OK);
	rx_state_flush(s, NULL);
	rx_state_free(s);
	s = open_state();
	assert_int_equal(rx_state_ack_count(s), 3);
	assert_string_equal(rx_state_ack_at(s, 0), "{\"a\":1}");
	rx_state_ack_shift(s, 2);
	assert_string_equal(rx_state_ack_at(s, 0), "{\"a\":3}");
	rx_state_flush(s, NULL);
	rx_state_free(s);
	s = open_state();
	assert_int_equal(rx_state_ack_count(s), 1);
	rx_state_ack_shift(s, 5);
	assert_int_equal(rx_state_ack_count(s), 0);
	rx_state_free(s);
}

static void test_kept_message_and_prune(void **state)
{
	(void)state;
	struct rx_state *s = open_state();
	uint8_t *m = NULL;
	size_t len = 0;
	assert_int_equal(rx_state_keep_msg(s, "5555555555555555", "sealed bytes", 12), TC_OK);
	assert_int_equal(rx_state_load_msg(s, "5555555555555555", &m, &len), TC_OK);
	assert_int_equal(len, 12);
	assert_memory_equal(m, "sealed bytes", 12);
	free(m);
	rx_state_drop_msg(s, "5555555555555555");
	assert_int_equal(rx_state_load_msg(s, "5555555555555555", &m, &len), TC_ERR_NOTFOUND);
	put(s, "6666666666666666", RX_PHASE_DONE, TC_ACK_PLAYED, "", 100);
	put(s, "7777777777777777", RX_PHASE_ACTIVE, TC_ACK_PLAYED, "", 100);
	rx_state_prune(s, 100 + 3601);
	assert_null(rx_state_find(s, "6666666666666666"));   /* ended long ago */
	assert_non_null(rx_state_find(s, "7777777777777777")); /* still in force */
	rx_state_forget(s, "7777777777777777");
	assert_null(rx_state_find(s, "7777777777777777"));
	assert_int_equal(rx_state_count(s), 0);
	rx_state_free(s);
}

static void test_record_phases(void **state)
{
	(void)state;
	struct rx_state *s = open_state();
	uint8_t *m = NULL;
	size_t len = 0;
	put(s, "8888888888888888", RX_PHASE_PENDING, TC_ACK_RECEIVED, "", 10);
	assert_int_equal(rx_state_keep_msg(s, "8888888888888888", "sealed", 6), TC_OK);
	assert_int_equal(rx_state_record(s, "8888888888888888", TC_ACK_PLAYING, NULL, 11), TC_OK);
	assert_int_equal(rx_state_find(s, "8888888888888888")->phase, RX_PHASE_PENDING);
	assert_int_equal(rx_state_record(s, "8888888888888888", TC_ACK_PLAYED, NULL, 12), TC_OK);
	const struct rx_seen *e = rx_state_find(s, "8888888888888888");
	assert_int_equal(e->phase, RX_PHASE_ACTIVE);
	assert_int_equal(e->priority, 70); /* kept from the entry */
	assert_true(rx_state_in_force(s, "8888888888888888"));
	assert_int_equal(rx_state_load_msg(s, "8888888888888888", &m, &len), TC_OK);
	free(m);
	assert_int_equal(rx_state_record(s, "8888888888888888", TC_ACK_CLEARED, "withdrawn", 13), TC_OK);
	e = rx_state_find(s, "8888888888888888");
	assert_int_equal(e->phase, RX_PHASE_DONE);
	assert_string_equal(e->reason, "withdrawn");
	assert_int_equal(e->updated, 13);
	assert_false(rx_state_in_force(s, "8888888888888888"));
	assert_int_equal(rx_state_load_msg(s, "8888888888888888", &m, &len), TC_ERR_NOTFOUND); /* ended: gone */
	rx_state_free(s);
}

static void test_nonces_keep_the_last_ones(void **state)
{
	(void)state;
	char n[17];
	struct rx_state *s = open_state();
	for (int i = 0; i < RX_STATE_MAX_NONCES + 6; i++) {
		snprintf(n, sizeof(n), "n-%d", i);
		assert_true(rx_state_nonce(s, n));
	}
	assert_int_equal(rx_state_flush(s, NULL), TC_OK);
	rx_state_free(s);
	s = open_state();
	assert_false(rx_state_nonce(s, "n-6")); /* the oldest kept */
	snprintf(n, sizeof(n), "n-%d", RX_STATE_MAX_NONCES + 5);
	assert_false(rx_state_nonce(s, n));
	assert_true(rx_state_nonce(s, "n-5")); /* older: forgotten, so taken as new */
	rx_state_free(s);
}

static void test_memory_only(void **state)
{
	(void)state;
	uint8_t *m = NULL;
	size_t len = 0;
	struct rx_state *s = rx_state_new(3600);
	assert_non_null(s);
	put(s, "9999999999999999", RX_PHASE_PENDING, TC_ACK_RECEIVED, "", 10);
	assert_true(rx_state_in_force(s, "9999999999999999"));
	assert_true(rx_state_nonce(s, "n-1"));
	assert_false(rx_state_nonce(s, "n-1"));
	assert_int_equal(rx_state_keep_msg(s, "9999999999999999", "sealed", 6), TC_OK);
	assert_int_equal(rx_state_load_msg(s, "9999999999999999", &m, &len), TC_ERR_NOTFOUND);
	assert_null(m);
	assert_int_equal(rx_state_record(s, "9999999999999999", TC_ACK_FAILED, "queue-full", 11), TC_OK);
	assert_int_equal(rx_state_flush(s, NULL), TC_OK);
	rx_state_prune(s, 11 + 3601);
	assert_int_equal(rx_state_count(s), 0);
	rx_state_free(s);
}

/* --- the rules ---------------------------------------------------------------------- */

#define NOW 1800000000

struct said {
	char lines[16][80];
	int n;
	int stopped;
};

static void said_ack(void *ctx, const char *id, enum tc_ack_kind kind, const char *reason, bool again)
{
	struct said *w = ctx;
	assert_true(w->n < 16);
	snprintf(w->lines[w->n++], sizeof(w->lines[0]), "%s %s %s%s", id, tc_ack_kind_name(kind),
		 reason ? reason : "-", again ? " again" : "");
}

static void said_stop(void *ctx, const char *id)
{
	(void)id;
	((struct said *)ctx)->stopped++;
}

static const char my_regions[1][16] = { "120116" };
static char scope_12[1][16] = { "12" };

static struct rx_rules rules(struct rx_state *s, struct said *w)
{
	memset(w, 0, sizeof(*w));
	return (struct rx_rules){ .st = s, .self = "rx-1", .regions = my_regions, .n_regions = 1,
				  .accept_drills = false, .cmd_max_age_s = 600, .skew_s = 300, .ctx = w,
				  .ack = said_ack, .stop = said_stop };
}

static enum rx_verdict cmd(const struct rx_rules *r, enum tc_cmd_kind kind, const char *alert, int64_t at,
			   const char *nonce, const char **reason)
{
	struct rx_msg m = { .kind = RX_MSG_CMD, .cmd = { .kind = kind, .at = at, .rx = "rx-1" } };
	snprintf(m.cmd.alert_id, sizeof(m.cmd.alert_id), "%s", alert);
	snprintf(m.cmd.nonce, sizeof(m.cmd.nonce), "%s", nonce);
	return rx_intake_apply(r, &m, NOW, reason);
}

static void test_rules_command_age(void **state)
{
	(void)state;
	struct said w;
	const char *why = NULL;
	struct rx_state *s = rx_state_new(3600);
	struct rx_rules r = rules(s, &w);
	assert_int_equal(cmd(&r, TC_CMD_CANCEL, "a1a1a1a1a1a1a1a1", NOW - 700, "old", &why), RX_REFUSED);
	assert_string_equal(why, "command-too-old");
	assert_int_equal(cmd(&r, TC_CMD_CANCEL, "a2a2a2a2a2a2a2a2", NOW + 700, "ahead", &why), RX_REFUSED);
	assert_int_equal(cmd(&r, TC_CMD_TEST_TONE, "", NOW - 700, "tone", &why), RX_REFUSED);
	assert_int_equal(cmd(&r, TC_CMD_CANCEL, "a3a3a3a3a3a3a3a3", NOW - 600, "edge", &why), RX_OBEYED);
	assert_null(why);
	assert_int_equal(cmd(&r, TC_CMD_CANCEL, "a3a3a3a3a3a3a3a3", NOW, "again", &why), RX_OBEYED);
	assert_int_equal(cmd(&r, TC_CMD_CANCEL, "a1a1a1a1a1a1a1a1", NOW, "old", &why), RX_IGNORED); /* replay */
	assert_int_equal(w.n, 4);
	assert_string_equal(w.lines[0], "a1a1a1a1a1a1a1a1 rejected command-too-old");
	assert_string_equal(w.lines[1], "a2a2a2a2a2a2a2a2 rejected command-too-old");
	assert_string_equal(w.lines[2], "a3a3a3a3a3a3a3a3 cleared cancelled");
	assert_string_equal(w.lines[3], "a3a3a3a3a3a3a3a3 cleared cancelled again");
	assert_int_equal(w.stopped, 0);
	assert_null(rx_state_find(s, "a1a1a1a1a1a1a1a1")); /* a refused command changes nothing */
	rx_state_free(s);
}

static void test_rules_alerts(void **state)
{
	(void)state;
	struct said w;
	const char *why = NULL;
	char refs[1][17] = { "b1b1b1b1b1b1b1b1" };
#define SCOPE .scope_regions = scope_12, .n_scope_regions = 1
	struct tc_rx_alert orig = { .id = "b1b1b1b1b1b1b1b1", .msg_type = "Alert", .expires_at = NOW + 60, SCOPE };
	struct tc_rx_alert cancel = { .id = "c1c1c1c1c1c1c1c1", .msg_type = "Cancel", .references = refs,
				      .n_references = 1, .expires_at = NOW + 30, SCOPE };
	struct tc_rx_alert old = { .id = "d1d1d1d1d1d1d1d1", .msg_type = "Alert", .expires_at = NOW, SCOPE };
	struct tc_rx_alert drill = { .id = "e1e1e1e1e1e1e1e1", .msg_type = "Alert", .drill = true, .expires_at = NOW + 60,
				     SCOPE };
#undef SCOPE
	struct rx_msg m = { .kind = RX_MSG_ALERT, .alert = &orig };
	struct rx_state *s = rx_state_new(3600);
	struct rx_rules r = rules(s, &w);
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_TAKEN);
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_REPEATED);
	m.alert = &old;
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "expired");
	m.alert = &drill;
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_REFUSED);
	assert_string_equal(why, "drill-refused");
	m.alert = &cancel;
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_TAKEN);
	m = (struct rx_msg){ .kind = RX_MSG_CLEAR, .topic_id = "b1b1b1b1b1b1b1b1" };
	assert_int_equal(rx_intake_apply(&r, &m, NOW, &why), RX_IGNORED); /* no longer in force */
	rx_intake_expire(&r, NOW + 60);
	assert_int_equal(w.n, 7);
	assert_string_equal(w.lines[0], "b1b1b1b1b1b1b1b1 received -");
	assert_string_equal(w.lines[1], "b1b1b1b1b1b1b1b1 received - again");
	assert_string_equal(w.lines[2], "d1d1d1d1d1d1d1d1 rejected expired");
	assert_string_equal(w.lines[3], "e1e1e1e1e1e1e1e1 rejected drill-refused");
	assert_string_equal(w.lines[4], "b1b1b1b1b1b1b1b1 cleared cancelled");
	assert_string_equal(w.lines[5], "c1c1c1c1c1c1c1c1 received -");
	assert_string_equal(w.lines[6], "c1c1c1c1c1c1c1c1 cleared expired");
	assert_int_equal(w.stopped, 2);
	rx_state_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seen_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unflushed_is_lost_old_file_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_queue_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_message_and_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_phases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonces_keep_the_last_ones, setup, teardown),
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_rules_command_age),
		cmocka_unit_test(test_rules_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
