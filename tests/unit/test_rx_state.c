/* test_rx_state.c — the receiver's seen-list, nonces, kept messages and acknowledgment queue survive a restart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seen_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unflushed_is_lost_old_file_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_queue_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_message_and_prune, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
