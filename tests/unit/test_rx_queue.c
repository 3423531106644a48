/* test_rx_queue.c — the loudspeaker's playback queue: priority order, arrival order, bound, interrupt and re-queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "rx_queue.h"

static struct rx_queue_item item(struct rx_queue *q, int prio, int *tag)
{
	return (struct rx_queue_item){ .priority = prio, .seq = rx_queue_next_seq(q), .data = tag };
}

static void test_priority_then_arrival(void **state)
{
	(void)state;
	int t[5];
	struct rx_queue *q = rx_queue_new(8);
	struct rx_queue_item it, ev;
	int prios[] = { 30, 90, 30, 60, 90 };
	for (int i = 0; i < 5; i++) {
		it = item(q, prios[i], &t[i]);
		assert_false(rx_queue_push(q, &it, &ev));
	}
	int *want[] = { &t[1], &t[4], &t[3], &t[0], &t[2] };
	for (int i = 0; i < 5; i++) {
		assert_true(rx_queue_pop(q, &it));
		assert_ptr_equal(it.data, want[i]);
	}
	assert_false(rx_queue_pop(q, &it));
	rx_queue_free(q);
}

static void test_bounded_evicts_worst(void **state)
{
	(void)state;
	int t[1000];
	struct rx_queue *q = rx_queue_new(64);
	struct rx_queue_item it, ev;
	size_t evicted = 0;
	for (int i = 0; i < 1000; i++) {
		it = item(q, i == 500 ? 99 : 10 + (i * 37) % 80, &t[i]);
		if (rx_queue_push(q, &it, &ev)) {
			evicted++;
			assert_true(ev.priority <= 89);
		}
		assert_true(rx_queue_count(q) <= 64);
	}
	assert_int_equal(evicted, 1000 - 64);
	assert_true(rx_queue_pop(q, &it));
	assert_ptr_equal(it.data, &t[500]);
	/* what stays is the best 63 others, highest first */
	int last = 100;
	while (rx_queue_pop(q, &it)) {
		assert_true(it.priority <= last);
		last = it.priority;
		assert_true(it.priority >= 80);
	}
	rx_queue_free(q);
}

static void test_full_push_of_worst_evicts_itself(void **state)
{
	(void)state;
	int a, b, c;
	struct rx_queue *q = rx_queue_new(2);
	struct rx_queue_item it, ev;
	it = item(q, 50, &a);
	rx_queue_push(q, &it, &ev);
	it = item(q, 60, &b);
	rx_queue_push(q, &it, &ev);
	it = item(q, 10, &c);
	assert_true(rx_queue_push(q, &it, &ev));
	assert_ptr_equal(ev.data, &c);
	/* equal priority: the newer one goes */
	it = item(q, 50, &c);
	assert_true(rx_queue_push(q, &it, &ev));
	assert_ptr_equal(ev.data, &c);
	rx_queue_free(q);
}

static void test_interrupted_goes_back_first(void **state)
{
	(void)state;
	int low, other, high;
	struct rx_queue *q = rx_queue_new(4);
	struct rx_queue_item it, ev, playing;
	playing = item(q, 30, &low);
	it = item(q, 30, &other);
	rx_queue_push(q, &it, &ev);
	it = item(q, 90, &high);
	rx_queue_push(q, &it, &ev);
	assert_true(rx_queue_peek(q, &it));
	assert_true(rx_queue_beats(&it, &playing));
	rx_queue_push(q, &playing, &ev); /* interrupted: back with its own seq */
	assert_true(rx_queue_pop(q, &it));
	assert_ptr_equal(it.data, &high);
	assert_true(rx_queue_pop(q, &it));
	assert_ptr_equal(it.data, &low); /* before the later arrival of its priority */
	assert_true(rx_queue_remove(q, &other));
	assert_false(rx_queue_remove(q, &other));
	assert_int_equal(rx_queue_count(q), 0);
	rx_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_then_arrival),
		cmocka_unit_test(test_bounded_evicts_worst),
		cmocka_unit_test(test_full_push_of_worst_evicts_itself),
		cmocka_unit_test(test_interrupted_goes_back_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
