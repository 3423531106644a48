/* test_mailbox.c — the owner thread's mailbox: order, bound, wake-up, many posters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "tc_mailbox.h"

static int readable(struct tc_mailbox *mb)
{
	struct pollfd p = { .fd = tc_mailbox_fd(mb), .events = POLLIN };
	return poll(&p, 1, 0);
}

static void test_fifo_and_wakeup(void **state)
{
	(void)state;
	struct tc_mailbox *mb = tc_mailbox_new(0);
	assert_non_null(mb);
	assert_int_equal(readable(mb), 0);
	assert_null(tc_mailbox_take(mb));
	assert_int_equal(tc_mailbox_post(mb, tc_mail_new(1, "a/b", "xy", 2)), TC_OK);
	assert_int_equal(tc_mailbox_post(mb, tc_mail_new(2, NULL, NULL, 0)), TC_OK);
	assert_int_equal(readable(mb), 1);
	struct tc_mail *m = tc_mailbox_take(mb);
	assert_int_equal(readable(mb), 0); /* taken: quiet until the next post */
	assert_int_equal(m->kind, 1);
	assert_string_equal(m->topic, "a/b");
	assert_int_equal(m->len, 2);
	assert_string_equal(m->data, "xy"); /* NUL-terminated past len */
	assert_int_equal(m->next->kind, 2);
	assert_null(m->next->topic);
	assert_null(m->next->next);
	tc_mail_free(m->next);
	tc_mail_free(m);
	/* Posting to a box that is not empty does not signal again, yet wakes nobody too late:
	 * the signal of the first mail stands until everything is taken. */
	assert_int_equal(tc_mailbox_post(mb, tc_mail_new(3, NULL, NULL, 0)), TC_OK);
	assert_int_equal(readable(mb), 1);
	assert_int_equal(tc_mailbox_post(mb, tc_mail_new(4, NULL, NULL, 0)), TC_OK);
	assert_int_equal(readable(mb), 1);
	m = tc_mailbox_take(mb);
	assert_int_equal(readable(mb), 0);
	assert_int_equal(m->kind, 3);
	assert_int_equal(m->next->kind, 4);
	tc_mail_free(m->next);
	tc_mail_free(m);
	assert_int_equal(tc_mailbox_post(mb, tc_mail_new(5, NULL, NULL, 0)), TC_OK);
	assert_int_equal(readable(mb), 1); /* empty again: the next mail signals */
	tc_mail_free(tc_mailbox_take(mb));
	tc_mailbox_free(mb);
	tc_mailbox_free(NULL);
}

static int freed;
static void count_free(void *p)
{
	(void)p;
	freed++;
}

static void test_bounded(void **state)
{
	(void)state;
	struct tc_mailbox *mb = tc_mailbox_new(2);
	static int obj;
	for (int i = 0; i < 5; i++) {
		struct tc_mail *m = tc_mail_new(i, NULL, NULL, 0);
		m->ptr = &obj;
		m->ptr_free = count_free;
		tc_mailbox_post(mb, m);
	}
	assert_int_equal(tc_mailbox_dropped(mb), 3);
	assert_int_equal(freed, 3); /* a refused mail is freed with its object */
	assert_int_equal(tc_mailbox_post(mb, NULL), TC_ERR_NOMEM);
	tc_mailbox_free(mb); /* the two waiting are freed too */
	assert_int_equal(freed, 5);
}

static void *poster(void *arg)
{
	for (int i = 0; i < 1000; i++)
		tc_mailbox_post(arg, tc_mail_new(i, NULL, &i, sizeof(i)));
	return NULL;
}

static void test_many_posters(void **state)
{
	(void)state;
	struct tc_mailbox *mb = tc_mailbox_new(0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, poster, mb);
	size_t got = 0;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (struct tc_mail *m = tc_mailbox_take(mb), *next; m; m = next) {
		next = m->next;
		got++;
		tc_mail_free(m);
	}
	assert_int_equal(got, 4000);
	tc_mailbox_free(mb);
}

/* Lists joined keep their order; freeing a list frees every mail (the sanitizer build checks). */
static void test_join_and_free(void **state)
{
	(void)state;
	struct tc_mail *a = tc_mail_new(1, NULL, "a", 1), *b = tc_mail_new(2, NULL, "b", 1);
	struct tc_mail *c = tc_mail_new(3, "t", "c", 1);
	assert_true(a && b && c);
	a->next = b;
	assert_ptr_equal(tc_mail_join(NULL, NULL), NULL);
	assert_ptr_equal(tc_mail_join(NULL, c), c);
	struct tc_mail *all = tc_mail_join(a, c);
	assert_ptr_equal(all, a);
	int kinds = 0;
	for (struct tc_mail *m = all; m; m = m->next)
		kinds = kinds * 10 + m->kind;
	assert_int_equal(kinds, 123);
	assert_ptr_equal(tc_mail_join(all, NULL), all);
	tc_mail_free_list(all);
	tc_mail_free_list(NULL);
}

/* A held batch comes back first; the first refusal of a run is the one to log; written, it
 * says how many tries it took. */
static void test_held(void **state)
{
	(void)state;
	struct tc_mail_held h = { 0 };
	struct tc_mail *a = tc_mail_new(1, NULL, NULL, 0), *b = tc_mail_new(2, NULL, NULL, 0);
	assert_true(a && b);
	assert_ptr_equal(tc_mail_held_take(&h, NULL), NULL);
	assert_int_equal(tc_mail_held_done(&h), 0); /* never refused */
	assert_true(tc_mail_held_keep(&h, a));
	struct tc_mail *all = tc_mail_held_take(&h, b);
	assert_null(h.mails);
	assert_ptr_equal(all, a);
	assert_ptr_equal(all->next, b);
	assert_false(tc_mail_held_keep(&h, all)); /* refused again: no second log line */
	all = tc_mail_held_take(&h, NULL);
	assert_int_equal(tc_mail_held_done(&h), 3);
	assert_int_equal(tc_mail_held_done(&h), 0);
	tc_mail_free_list(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_and_wakeup),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_many_posters),
		cmocka_unit_test(test_join_and_free),
		cmocka_unit_test(test_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
