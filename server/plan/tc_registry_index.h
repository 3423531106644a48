/*
 * tc_registry_index.h — the receivers, in memory, for fast planning.
 *
 * Planning for a registry of a million receivers must take milliseconds, so
 * it does not read SQLite row by row: the receivers are loaded once (and
 * again after each registry import) into
 *  - an array sorted by region code, where an admin-code prefix is one
 *    binary-searched range, and
 *  - a grid of 0.05° cells over their locations, where a polygon's or a
 *    circle's bounding box is a few cells.
 * Selected receivers are marked in a bitmap, so the union over areas costs
 * nothing and comes out sorted.
 */
#ifndef TC_REGISTRY_INDEX_H
#define TC_REGISTRY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

struct tc_registry_index;

/* Load every receiver from the store. */
enum tc_rc tc_registry_index_load(struct tc_store *s, struct tc_registry_index **out);
void tc_registry_index_free(struct tc_registry_index *x);

/*
 * The same in a thread of its own, on a reader connection (tc_store_open_reader), so that the
 * owner's loop goes on meanwhile (110,000 receivers: 40 ms or more). _start is called on the
 * owner thread; _done returns false while the load runs, then true once with *out the index
 * (NULL when it failed: *rc says why) and the loader freed; _cancel waits for it and drops it.
 */
struct tc_registry_index_loader;
enum tc_rc tc_registry_index_load_start(struct tc_store *s, struct tc_registry_index_loader **out);
bool tc_registry_index_load_done(struct tc_registry_index_loader *l, struct tc_registry_index **out, enum tc_rc *rc);
void tc_registry_index_load_cancel(struct tc_registry_index_loader *l);
size_t tc_registry_index_size(const struct tc_registry_index *x);

/* The id of the receiver at index i (as tc_receiver_pos.index gives it). */
const char *tc_registry_index_id(const struct tc_registry_index *x, uint32_t i);

/* Visit receivers whose region starts with prefix / whose location is in the box (candidates). */
void tc_registry_index_region(const struct tc_registry_index *x, const char *prefix, tc_receiver_fn fn, void *user);
void tc_registry_index_box(const struct tc_registry_index *x, double min_lat, double max_lat, double min_lon,
			   double max_lon, tc_receiver_fn fn, void *user);

#endif
