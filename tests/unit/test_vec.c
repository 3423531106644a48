/* test_vec.c — the growable array: growth by half, contents kept, failures reported, ownership. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tc_vec.h"

struct row {
	char id[17];
	long n;
};

static void test_push_keeps_contents_and_zeroes(void **state)
{
	(void)state;
	struct tc_vec v = TC_VEC_OF(struct row);
	for (long i = 0; i < 1000; i++) {
		struct row *r = tc_vec_push(&v);
		assert_non_null(r);
		assert_string_equal(r->id, ""); /* a new element starts zeroed */
		assert_int_equal(r->n, 0);
		r->n = i;
	}
	assert_int_equal(v.n, 1000);
	assert_true(v.cap >= v.n);
	const struct row *all = v.v;
	for (long i = 0; i < 1000; i++)
		assert_int_equal(all[i].n, i);
	assert_ptr_equal(tc_vec_at(&v, 7), &all[7]);
	tc_vec_free(&v);
	assert_null(v.v);
	assert_int_equal(v.n, 0);
	assert_int_equal(v.cap, 0);
	assert_int_equal(v.size, sizeof(struct row)); /* usable again */
	assert_non_null(tc_vec_push(&v));
	tc_vec_free(&v);
	tc_vec_free(&v); /* freeing an empty vector is a no-op */
}

static void test_grows_by_half(void **state)
{
	(void)state;
	struct tc_vec v = TC_VEC_OF(uint64_t);
	assert_int_equal(tc_vec_reserve(&v, 1), TC_OK);
	assert_int_equal(v.cap, 32); /* 256 bytes' worth first */
	assert_int_equal(v.n, 0);    /* reserving adds no element */
	size_t prev = v.cap;
	while (v.n < 1000) {
		assert_non_null(tc_vec_push(&v));
		if (v.cap != prev) {
			assert_int_equal(v.cap, prev + prev / 2);
			prev = v.cap;
		}
	}
	/* A request larger than half again gets exactly what it asked for. */
	size_t want = v.n + 10 * v.cap;
	assert_int_equal(tc_vec_reserve(&v, want - v.n), TC_OK);
	assert_int_equal(v.cap, want);
	/* Room that is there already costs nothing. */
	void *before = v.v;
	assert_int_equal(tc_vec_reserve(&v, v.cap - v.n), TC_OK);
	assert_ptr_equal(v.v, before);
	tc_vec_free(&v);

	struct tc_vec big;
	tc_vec_init(&big, 1000);
	assert_int_equal(tc_vec_reserve(&big, 1), TC_OK);
	assert_int_equal(big.cap, 4); /* at least four, however large the element */
	tc_vec_free(&big);
}

static void test_overflow_is_reported(void **state)
{
	(void)state;
	struct tc_vec v = TC_VEC_OF(struct row);
	struct row *r = tc_vec_push(&v);
	assert_non_null(r);
	r->n = 42;
	void *before = v.v;
	size_t cap = v.cap;
	/* Sizes whose byte count overflows, or passes what any allocator can give: refused, vector untouched. */
	assert_int_equal(tc_vec_reserve(&v, SIZE_MAX), TC_ERR_NOMEM);
	assert_int_equal(tc_vec_reserve(&v, SIZE_MAX / sizeof(struct row) + 1), TC_ERR_NOMEM);
	assert_int_equal(tc_vec_reserve(&v, (size_t)PTRDIFF_MAX / sizeof(struct row)), TC_ERR_NOMEM);
	assert_int_equal(tc_vec_append(&v, r, SIZE_MAX / 2), TC_ERR_NOMEM);
	assert_ptr_equal(v.v, before);
	assert_int_equal(v.cap, cap);
	assert_int_equal(v.n, 1);
	assert_int_equal(((struct row *)v.v)[0].n, 42);
	/* A vector full to its limit refuses the next push rather than wrap. */
	struct tc_vec full = { .v = NULL, .n = SIZE_MAX, .cap = SIZE_MAX, .size = 1 };
	assert_null(tc_vec_push(&full));
	assert_int_equal(tc_vec_append_text(&full, "x", 1), TC_ERR_NOMEM);
	assert_int_equal(full.n, SIZE_MAX);
	/* An element size of 0 is a caller's bug, said so. */
	struct tc_vec none;
	tc_vec_init(&none, 0);
	assert_int_equal(tc_vec_reserve(&none, 1), TC_ERR_USAGE);
	assert_null(tc_vec_push(&none));
	tc_vec_free(&v);
}

static void test_text_and_take(void **state)
{
	(void)state;
	struct tc_vec t = TC_VEC_OF(char);
	assert_int_equal(tc_vec_append_text(&t, "", 0), TC_OK);
	assert_string_equal(t.v, ""); /* a C string once anything was added, even nothing */
	for (int i = 0; i < 500; i++)
		assert_int_equal(tc_vec_append_text(&t, "abc,", 4), TC_OK);
	assert_int_equal(t.n, 2000);
	assert_int_equal(strlen(t.v), 2000);
	assert_memory_equal((char *)t.v + 1996, "abc,", 5);
	char *s = tc_vec_take(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
	assert_int_equal(strncmp(s, "abc,abc,", 8), 0);
	free(s);

	struct tc_vec rows = TC_VEC_OF(struct row);
	assert_int_equal(tc_vec_append_text(&rows, "x", 1), TC_ERR_USAGE); /* text is for byte vectors */
	struct row some[3] = { { "a", 1 }, { "b", 2 }, { "c", 3 } };
	assert_int_equal(tc_vec_append(&rows, some, 3), TC_OK);
	assert_int_equal(tc_vec_append(&rows, NULL, 0), TC_OK);
	assert_int_equal(rows.n, 3);
	assert_string_equal(((struct row *)tc_vec_at(&rows, 2))->id, "c");
	tc_vec_free(&rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_keeps_contents_and_zeroes),
		cmocka_unit_test(test_grows_by_half),
		cmocka_unit_test(test_overflow_is_reported),
		cmocka_unit_test(test_text_and_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
