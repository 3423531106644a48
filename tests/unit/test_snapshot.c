/*
 * test_snapshot.c — an alert's deliveries as last told: the first pass is all new, later passes
 * name only rows whose state or region changed or that are new; rows out of order are never
 * missed; an abandoned pass leaves the snapshot as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_snapshot.h"

struct row {
	const char *target, *state, *region;
};

/* A pass over rows; the targets it calls changed, joined by spaces, into out. */
static void pass(struct tc_snapshot *s, const struct row *rows, size_t n, char *out, size_t cap)
{
	out[0] = '\0';
	tc_snapshot_begin(s);
	for (size_t i = 0; i < n; i++) {
		bool changed = false;
		assert_int_equal(tc_snapshot_put(s, rows[i].target, rows[i].state, rows[i].region, &changed), TC_OK);
		if (changed) {
			strncat(out, *out ? " " : "", cap - strlen(out) - 1);
			strncat(out, rows[i].target, cap - strlen(out) - 1);
		}
	}
	tc_snapshot_end(s);
}

static void test_changes_only(void **state)
{
	(void)state;
	char changed[256];
	struct tc_snapshot *s = tc_snapshot_new();
	const struct row first[] = { { "a", "planned", "1" }, { "b", "planned", "1" }, { "c", "planned", "2" } };
	pass(s, first, 3, changed, sizeof(changed));
	assert_string_equal(changed, "a b c");
	pass(s, first, 3, changed, sizeof(changed));
	assert_string_equal(changed, ""); /* nothing moved: nothing to send */
	const struct row second[] = { { "a", "sent", "1" }, { "b", "planned", "1" }, { "c", "planned", "3" } };
	pass(s, second, 3, changed, sizeof(changed));
	assert_string_equal(changed, "a c"); /* a state, a region */
	/* b gone, d new between others, e new at the end */
	const struct row third[] = { { "a", "sent", "1" }, { "c", "planned", "3" }, { "d", "sent", "1" }, { "e", "sent", "1" } };
	pass(s, third, 4, changed, sizeof(changed));
	assert_string_equal(changed, "d e");
	assert_int_equal(tc_snapshot_count(s), 4);
	assert_string_equal(tc_snapshot_rows(s)[2].target, "d");
	/* b back, changed */
	const struct row fourth[] = { { "a", "sent", "1" }, { "b", "played", "1" }, { "c", "planned", "3" },
				      { "d", "sent", "1" }, { "e", "sent", "1" } };
	pass(s, fourth, 5, changed, sizeof(changed));
	assert_string_equal(changed, "b");
	tc_snapshot_free(s);
}

static void test_out_of_order_is_changed(void **state)
{
	(void)state;
	char changed[256];
	struct tc_snapshot *s = tc_snapshot_new();
	const struct row first[] = { { "a", "sent", "" }, { "b", "sent", "" }, { "c", "sent", "" } };
	pass(s, first, 3, changed, sizeof(changed));
	const struct row shuffled[] = { { "b", "sent", "" }, { "a", "sent", "" }, { "c", "played", "" } };
	pass(s, shuffled, 3, changed, sizeof(changed));
	assert_string_equal(changed, "a c"); /* a came after b: not matched, so sent again; c did change */
	tc_snapshot_free(s);
}

static void test_abandon_keeps_snapshot(void **state)
{
	(void)state;
	char changed[256];
	bool moved = false;
	struct tc_snapshot *s = tc_snapshot_new();
	const struct row first[] = { { "a", "sent", "" }, { "b", "sent", "" } };
	pass(s, first, 2, changed, sizeof(changed));
	tc_snapshot_begin(s);
	assert_int_equal(tc_snapshot_put(s, "a", "played", "", &moved), TC_OK);
	assert_true(moved);
	tc_snapshot_abandon(s); /* the store failed halfway */
	assert_int_equal(tc_snapshot_count(s), 2);
	assert_string_equal(tc_snapshot_rows(s)[0].state, "sent");
	const struct row again[] = { { "a", "played", "" }, { "b", "sent", "" } };
	pass(s, again, 2, changed, sizeof(changed));
	assert_string_equal(changed, "a"); /* still news */
	tc_snapshot_free(s);
	tc_snapshot_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_only),
		cmocka_unit_test(test_out_of_order_is_changed),
		cmocka_unit_test(test_abandon_keeps_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
