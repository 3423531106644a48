/* test_sim_source.c — tocsin-sim's --source-addresses: ranges and lists of 127/8 addresses, round robin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim_source.h"

static void test_range(void **state)
{
	(void)state;
	struct sim_sources *s = calloc(1, sizeof(*s));
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(sim_source_parse(s, "127.0.0.1-127.0.0.4", d), TC_OK);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->addr[0], "127.0.0.1");
	assert_string_equal(s->addr[3], "127.0.0.4");
	assert_string_equal(sim_source_pick(s, 5), "127.0.0.2");
	/* across a byte, and a list whose items may be ranges */
	assert_int_equal(sim_source_parse(s, "127.0.0.255-127.0.1.1,127.9.9.9", d), TC_OK);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->addr[1], "127.0.1.0");
	assert_string_equal(s->addr[3], "127.9.9.9");
	assert_int_equal(tc_diags_count(d), 0);
	s->n = 0;
	assert_null(sim_source_pick(s, 7));
	assert_null(sim_source_pick(NULL, 7));
	tc_diags_free(d);
	free(s);
}

/* Each bad value is refused with a message naming it. */
static void test_refused(void **state)
{
	(void)state;
	static const struct {
		const char *v, *says;
	} bad[] = {
		{ "", "empty" },
		{ "10.0.0.1", "'10.0.0.1' is not a 127.x.x.x address" },
		{ "127.0.0.1-128.0.0.1", "'127.0.0.1-128.0.0.1' is not" },
		{ "127.0.0.1,,127.0.0.2", "'' is not" },
		{ "127.0.0.4-127.0.0.1", "ends before it starts" },
		{ "127.0.0.0-127.0.1.0", "holds more than 256" },
		{ "127.0.0.1-", "'127.0.0.1-' is not" },
		{ "localhost", "'localhost' is not" },
		{ "127.0.0.1/8", "'127.0.0.1/8' is not" },
	};
	struct sim_sources *s = calloc(1, sizeof(*s));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tc_diags *d = tc_diags_new();
		assert_int_equal(sim_source_parse(s, bad[i].v, d), TC_ERR_INVALID);
		assert_int_equal(tc_diags_count(d), 1);
		if (!strstr(tc_diags_get(d, 0)->message, bad[i].says))
			fail_msg("'%s': %s", bad[i].v, tc_diags_get(d, 0)->message);
		tc_diags_free(d);
	}
	/* more than 256 in all, from several ranges */
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(sim_source_parse(s, "127.0.0.0-127.0.0.200,127.1.0.0-127.1.0.200", d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "more than 256 addresses"));
	tc_diags_free(d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
