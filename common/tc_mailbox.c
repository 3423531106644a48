/*
 * tc_mailbox.c — a mutex-guarded FIFO with an eventfd (tc_mailbox.h).
 */
#include "tc_mailbox.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct tc_mailbox {
	pthread_mutex_t lock;
	struct tc_mail *head, *tail;
	size_t n, max;
	unsigned long dropped;
	int fd;
};

struct tc_mailbox *tc_mailbox_new(size_t max)
{
	struct tc_mailbox *mb = calloc(1, sizeof(*mb));
	if (!mb)
		return NULL;
	mb->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mb->fd < 0) {
		free(mb);
		return NULL;
	}
	pthread_mutex_init(&mb->lock, NULL);
	mb->max = max ? max : 1000000;
	return mb;
}

void tc_mailbox_free(struct tc_mailbox *mb)
{
	if (!mb)
		return;
	struct tc_mail *m = mb->head;
	while (m) {
		struct tc_mail *next = m->next;
		tc_mail_free(m);
		m = next;
	}
	close(mb->fd);
	pthread_mutex_destroy(&mb->lock);
	free(mb);
}

int tc_mailbox_fd(const struct tc_mailbox *mb)
{
	return mb->fd;
}

int64_t tc_mail_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct tc_mail *tc_mail_new(int kind, const char *topic, const void *data, size_t len)
{
	struct tc_mail *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->kind = kind;
	m->posted_ms = tc_mail_now_ms();
	if (topic && !(m->topic = strdup(topic)))
		goto fail;
	if (data) {
		if (!(m->data = malloc(len + 1)))
			goto fail;
		memcpy(m->data, data, len);
		((char *)m->data)[len] = '\0';
		m->len = len;
	}
	return m;
fail:
	tc_mail_free(m);
	return NULL;
}

void tc_mail_free(struct tc_mail *m)
{
	if (!m)
		return;
	free(m->topic);
	free(m->data);
	if (m->ptr && m->ptr_free)
		m->ptr_free(m->ptr);
	free(m);
}

void tc_mail_free_list(struct tc_mail *m)
{
	while (m) {
		struct tc_mail *next = m->next;
		tc_mail_free(m);
		m = next;
	}
}

struct tc_mail *tc_mail_join(struct tc_mail *first, struct tc_mail *then)
{
	if (!first)
		return then;
	struct tc_mail *tail = first;
	while (tail->next)
		tail = tail->next;
	tail->next = then;
	return first;
}

struct tc_mail *tc_mail_held_take(struct tc_mail_held *h, struct tc_mail *mails)
{
	struct tc_mail *all = tc_mail_join(h->mails, mails);
	h->mails = NULL;
	return all;
}

bool tc_mail_held_keep(struct tc_mail_held *h, struct tc_mail *mails)
{
	h->mails = mails;
	return h->tries++ == 0;
}

unsigned tc_mail_held_done(struct tc_mail_held *h)
{
	unsigned tries = h->tries ? h->tries + 1 : 0;
	h->tries = 0;
	return tries;
}

enum tc_rc tc_mailbox_post(struct tc_mailbox *mb, struct tc_mail *m)
{
	if (!m)
		return TC_ERR_NOMEM;
	pthread_mutex_lock(&mb->lock);
	if (mb->n >= mb->max) {
		mb->dropped++;
		pthread_mutex_unlock(&mb->lock);
		tc_mail_free(m);
		return TC_ERR_LIMIT;
	}
	m->next = NULL;
	if (mb->tail)
		mb->tail->next = m;
	else
		mb->head = m;
	mb->tail = m;
	bool first = mb->n++ == 0;
	pthread_mutex_unlock(&mb->lock);
	/* Only the first mail of an empty box wakes the reader: it resets the eventfd before it
	 * takes everything, so a mail added to a box that is not empty is taken with the rest. */
	if (first) {
		uint64_t one = 1;
		ssize_t w = write(mb->fd, &one, sizeof(one)); /* EAGAIN only when the counter is huge */
		(void)w;
	}
	return TC_OK;
}

struct tc_mail *tc_mailbox_take(struct tc_mailbox *mb)
{
	uint64_t count;
	ssize_t r = read(mb->fd, &count, sizeof(count)); /* reset before taking: a later post wakes again */
	(void)r;
	pthread_mutex_lock(&mb->lock);
	struct tc_mail *all = mb->head;
	mb->head = mb->tail = NULL;
	mb->n = 0;
	pthread_mutex_unlock(&mb->lock);
	return all;
}

unsigned long tc_mailbox_dropped(struct tc_mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	unsigned long n = mb->dropped;
	pthread_mutex_unlock(&mb->lock);
	return n;
}
