/* test_id.c — the receiver id grammar: [A-Za-z0-9._-], 1 to 63 bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_id.h"

static void test_grammar(void **state)
{
	(void)state;
	static const char *const good[] = { "a", "rx-1", "Rx.north_07", "0", "-", "..", "sim-00009" };
	static const char *const bad[] = { "", "a#b", "a+b", "a/b", "a b", "rx:1", "a,b", "\xc3\xa9", "a\tb", "*" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tc_id_valid(good[i]))
			fail_msg("'%s' refused: %s", good[i], tc_id_problem(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tc_id_valid(bad[i]))
			fail_msg("'%s' taken", bad[i]);
	assert_false(tc_id_valid(NULL));
	assert_string_equal(tc_id_problem(""), "is empty");
}

static void test_length(void **state)
{
	(void)state;
	char id[80];
	memset(id, 'x', sizeof(id));
	id[63] = '\0';
	assert_true(tc_id_valid(id));
	id[63] = 'x';
	id[64] = '\0';
	assert_false(tc_id_valid(id));
	assert_string_equal(tc_id_problem(id), "is longer than 63 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
