/*
 * rx_queue.c — the bounded priority playback queue (rx_queue.h).
 *
 * A sorted array: the queue is small (queue_size, 64 by default) and a
 * flood only ever pushes into a full queue, where the insertion point is
 * found by binary search and the eviction is the last element.
 */
#include "rx_queue.h"

#include <stdlib.h>
#include <string.h>

struct rx_queue {
	struct rx_queue_item *v; /* best first */
	size_t n, cap;
	uint64_t seq;
};

bool rx_queue_beats(const struct rx_queue_item *a, const struct rx_queue_item *b)
{
	return a->priority != b->priority ? a->priority > b->priority : a->seq < b->seq;
}

struct rx_queue *rx_queue_new(size_t cap)
{
	if (!cap)
		return NULL;
	struct rx_queue *q = calloc(1, sizeof(*q));
	if (!q || !(q->v = calloc(cap + 1, sizeof(*q->v)))) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	return q;
}

void rx_queue_free(struct rx_queue *q)
{
	if (!q)
		return;
	free(q->v);
	free(q);
}

uint64_t rx_queue_next_seq(struct rx_queue *q)
{
	return ++q->seq;
}

/* Where it goes: the first position whose item it beats. */
static size_t position(const struct rx_queue *q, const struct rx_queue_item *it)
{
	size_t lo = 0, hi = q->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rx_queue_beats(&q->v[mid], it))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool rx_queue_push(struct rx_queue *q, const struct rx_queue_item *it, struct rx_queue_item *evicted)
{
	size_t at = position(q, it);
	memmove(&q->v[at + 1], &q->v[at], (q->n - at) * sizeof(*q->v)); /* room for cap + 1 */
	q->v[at] = *it;
	q->n++;
	if (q->n <= q->cap)
		return false;
	*evicted = q->v[--q->n];
	return true;
}

bool rx_queue_peek(const struct rx_queue *q, struct rx_queue_item *out)
{
	if (!q->n)
		return false;
	*out = q->v[0];
	return true;
}

bool rx_queue_pop(struct rx_queue *q, struct rx_queue_item *out)
{
	if (!rx_queue_peek(q, out))
		return false;
	memmove(&q->v[0], &q->v[1], (q->n - 1) * sizeof(*q->v));
	q->n--;
	return true;
}

bool rx_queue_remove(struct rx_queue *q, const void *data)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].data == data) {
			memmove(&q->v[i], &q->v[i + 1], (q->n - i - 1) * sizeof(*q->v));
			q->n--;
			return true;
		}
	return false;
}

size_t rx_queue_count(const struct rx_queue *q)
{
	return q->n;
}

size_t rx_queue_cap(const struct rx_queue *q)
{
	return q->cap;
}

const struct rx_queue_item *rx_queue_at(const struct rx_queue *q, size_t i)
{
	return i < q->n ? &q->v[i] : NULL;
}
