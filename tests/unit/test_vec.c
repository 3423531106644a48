/*
 * test_vec.c — the growable array: growth by half, contents kept, failures
 * reported, ownership; and the same growth rule for arrays kept in other
 * structs' own fields (tc_vec_grow).
 */
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

/*
 * Under AddressSanitizer an allocation too large to be had returns NULL, as
 * the C library's does, instead of stopping the program: that failure is
 * what some cases here test.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* An array kept in a struct's own fields, as struct tc_pcm keeps its samples. */
struct samples {
	float *s;
	size_t n, cap;
};

static enum tc_rc grow_samples(struct samples *p, size_t need)
{
	void *s = p->s;
	enum tc_rc rc = tc_vec_grow(&s, &p->cap, need, sizeof(float));
	p->s = s;
	return rc;
}

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

static void test_grow_fields_by_half(void **state)
{
	(void)state;
	struct samples p = { 0 };
	assert_int_equal(grow_samples(&p, 1), TC_OK);
	assert_non_null(p.s);
	assert_int_equal(p.cap, 64); /* 256 bytes' worth first, as a vector */
	size_t prev = p.cap, grew = 0;
	for (size_t i = 0; i < 10000; i++) {
		assert_int_equal(grow_samples(&p, p.n + 1), TC_OK);
		p.s[p.n++] = (float)i;
		if (p.cap != prev) {
			assert_int_equal(p.cap, prev + prev / 2);
			prev = p.cap;
			grew++;
		}
	}
	assert_int_equal(grew, 13); /* 64 to 10,000 by half again: 96, 144, ..., 12,442 */
	for (size_t i = 0; i < p.n; i++)
		assert_true(p.s[i] == (float)i);
	/* Room that is there costs nothing; more than half again gets exactly what was asked. */
	float *before = p.s;
	assert_int_equal(grow_samples(&p, p.cap), TC_OK);
	assert_ptr_equal(p.s, before);
	size_t want = 5 * p.cap;
	assert_int_equal(grow_samples(&p, want), TC_OK);
	assert_int_equal(p.cap, want);
	assert_true(p.s[9999] == 9999.0f);
	free(p.s);

	/* A NULL array has no room, whatever its cap says (the buffer was handed on). */
	struct samples taken = { .s = NULL, .n = 0, .cap = 100000 };
	assert_int_equal(grow_samples(&taken, 10), TC_OK);
	assert_non_null(taken.s);
	assert_int_equal(taken.cap, 64);
	taken.s[9] = 1.0f;
	free(taken.s);
}

static void test_grow_failure_leaves_array(void **state)
{
	(void)state;
	struct samples p = { 0 };
	assert_int_equal(grow_samples(&p, 10), TC_OK);
	for (p.n = 0; p.n < 10; p.n++)
		p.s[p.n] = (float)p.n;
	float *before = p.s;
	size_t cap = p.cap;
	size_t limit = (size_t)PTRDIFF_MAX / sizeof(float);
	/* Past what any allocation may be, by overflow or by the limit: refused before asking. */
	assert_int_equal(grow_samples(&p, SIZE_MAX), TC_ERR_NOMEM);
	assert_int_equal(grow_samples(&p, SIZE_MAX / sizeof(float) + 1), TC_ERR_NOMEM);
	assert_int_equal(grow_samples(&p, limit + 1), TC_ERR_NOMEM);
	/* Within the limit but more than memory holds: the allocator refuses. */
	assert_int_equal(grow_samples(&p, limit / 2), TC_ERR_NOMEM);
	assert_ptr_equal(p.s, before);
	assert_int_equal(p.cap, cap);
	for (size_t i = 0; i < 10; i++)
		assert_true(p.s[i] == (float)i);
	/* The same through a vector: refused, nothing lost, and it still grows afterwards. */
	struct tc_vec v = TC_VEC_OF(float);
	assert_int_equal(tc_vec_append(&v, p.s, 10), TC_OK);
	void *vb = v.v;
	size_t vcap = v.cap;
	assert_int_equal(tc_vec_reserve(&v, limit / 2), TC_ERR_NOMEM);
	assert_ptr_equal(v.v, vb);
	assert_int_equal(v.cap, vcap);
	assert_int_equal(v.n, 10);
	assert_memory_equal(v.v, p.s, 10 * sizeof(float));
	assert_int_equal(tc_vec_reserve(&v, vcap), TC_OK);
	assert_memory_equal(v.v, p.s, 10 * sizeof(float));
	tc_vec_free(&v);
	/* An element size of 0 is a caller's bug. */
	void *none = NULL;
	size_t none_cap = 0;
	assert_int_equal(tc_vec_grow(&none, &none_cap, 1, 0), TC_ERR_USAGE);
	assert_null(none);
	free(p.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_keeps_contents_and_zeroes),
		cmocka_unit_test(test_grows_by_half),
		cmocka_unit_test(test_overflow_is_reported),
		cmocka_unit_test(test_text_and_take),
		cmocka_unit_test(test_grow_fields_by_half),
		cmocka_unit_test(test_grow_failure_leaves_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
