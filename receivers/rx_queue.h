/*
 * rx_queue.h — the loudspeaker's playback queue: bounded, ordered by
 * priority (higher first), then by arrival (older first). It holds
 * borrowed pointers; what they point to belongs to the caller.
 *
 * The player takes the best item with rx_queue_pop(); a higher-priority
 * arrival that should interrupt is told by rx_queue_beats(); the
 * interrupted item goes back with rx_queue_push() keeping its original
 * sequence number, so it plays again before later arrivals of its
 * priority.
 *
 * Invariants:
 *   1. At most cap items; a push into a full queue evicts the worst item
 *      (lowest priority, newest) — which may be the one pushed.
 *   2. rx_queue_pop() returns the best item: highest priority, lowest seq.
 */
#ifndef RX_QUEUE_H
#define RX_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rx_queue_item {
	int priority;
	uint64_t seq;   /* arrival order; rx_queue_next_seq() for a new item */
	void *data;     /* borrowed */
};

struct rx_queue;

/* A queue of at most cap (>= 1) items; NULL when out of memory. */
struct rx_queue *rx_queue_new(size_t cap);
void rx_queue_free(struct rx_queue *q);

uint64_t rx_queue_next_seq(struct rx_queue *q);

/*
 * Add it. Returns true and *evicted the item that had to go when the queue
 * was full (possibly it itself), false when nothing was evicted.
 */
bool rx_queue_push(struct rx_queue *q, const struct rx_queue_item *it, struct rx_queue_item *evicted);
/* Take the best item; false when empty. */
bool rx_queue_pop(struct rx_queue *q, struct rx_queue_item *out);
/* The best item without taking it; false when empty. */
bool rx_queue_peek(const struct rx_queue *q, struct rx_queue_item *out);
/* Take the item whose data is data; false when it is not queued. */
bool rx_queue_remove(struct rx_queue *q, const void *data);
/* Whether a beats b (plays first). */
bool rx_queue_beats(const struct rx_queue_item *a, const struct rx_queue_item *b);

size_t rx_queue_count(const struct rx_queue *q);
size_t rx_queue_cap(const struct rx_queue *q);
/* Item i in no particular order (for walking all, e.g. expiry). */
const struct rx_queue_item *rx_queue_at(const struct rx_queue *q, size_t i);

#endif
