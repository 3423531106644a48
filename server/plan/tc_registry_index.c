/*
 * tc_registry_index.c — receivers in memory (tc_registry_index.h).
 */
#include "tc_registry_index.h"
#include "tc_vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL_DEG 0.05

struct rec {
	char id[64];
	char region[16];
	double lat, lon;
	bool drills;
};

struct tc_registry_index {
	struct rec *recs;      /* sorted by region */
	size_t n;
	/* grid: cells sorted by key, each a run of record indices */
	uint64_t *cell_key;    /* per entry, sorted */
	uint32_t *cell_rec;    /* record index of each entry */
};

/* The receivers as the store hands them over; one that cannot be kept fails the whole load. */
struct loading {
	struct tc_vec recs; /* struct rec */
	enum tc_rc rc;
};

static void add(const struct tc_receiver *r, void *user)
{
	struct loading *l = user;
	struct rec *e = l->rc ? NULL : tc_vec_push(&l->recs);
	if (!e) {
		l->rc = TC_ERR_NOMEM;
		return;
	}
	memcpy(e->id, r->id, sizeof(e->id));
	memcpy(e->region, r->region, sizeof(e->region));
	e->lat = r->lat;
	e->lon = r->lon;
	e->drills = r->accepts_drills;
}

static int by_region(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->region, ((const struct rec *)b)->region);
}

static uint64_t cell_of(double lat, double lon)
{
	uint64_t row = (uint64_t)(int64_t)floor((lat + 90) / CELL_DEG), col = (uint64_t)(int64_t)floor((lon + 180) / CELL_DEG);
	return row << 32 | col;
}

struct pair {
	uint64_t key;
	uint32_t rec;
};

static int by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct pair *)a)->key, y = ((const struct pair *)b)->key;
	return x < y ? -1 : x > y;
}

enum tc_rc tc_registry_index_load(struct tc_store *s, struct tc_registry_index **out)
{
	struct tc_registry_index *x = calloc(1, sizeof(*x));
	*out = NULL;
	if (!x)
		return TC_ERR_NOMEM;
	struct loading l = { .recs = TC_VEC_OF(struct rec) };
	enum tc_rc rc = tc_store_each_receiver_place(s, add, &l);
	if (!rc)
		rc = l.rc;
	x->n = l.recs.n;
	x->recs = tc_vec_take(&l.recs);
	if (!rc && x->n) {
		qsort(x->recs, x->n, sizeof(*x->recs), by_region);
		struct pair *pairs = malloc(x->n * sizeof(*pairs));
		x->cell_key = malloc(x->n * sizeof(*x->cell_key));
		x->cell_rec = malloc(x->n * sizeof(*x->cell_rec));
		if (!pairs || !x->cell_key || !x->cell_rec) {
			rc = TC_ERR_NOMEM;
		} else {
			for (size_t i = 0; i < x->n; i++)
				pairs[i] = (struct pair){ cell_of(x->recs[i].lat, x->recs[i].lon), (uint32_t)i };
			qsort(pairs, x->n, sizeof(*pairs), by_key);
			for (size_t i = 0; i < x->n; i++) {
				x->cell_key[i] = pairs[i].key;
				x->cell_rec[i] = pairs[i].rec;
			}
		}
		free(pairs);
	}
	if (rc) {
		tc_registry_index_free(x);
		return rc;
	}
	*out = x;
	return TC_OK;
}

struct tc_registry_index_loader {
	struct tc_store_task *task;
	struct tc_registry_index *index;
};

static enum tc_rc load_task(struct tc_store *reader, void *arg)
{
	struct tc_registry_index_loader *l = arg;
	return tc_registry_index_load(reader, &l->index);
}

enum tc_rc tc_registry_index_load_start(struct tc_store *s, struct tc_registry_index_loader **out)
{
	struct tc_registry_index_loader *l = calloc(1, sizeof(*l));
	*out = NULL;
	if (!l)
		return TC_ERR_NOMEM;
	enum tc_rc rc = tc_store_task_start(s, load_task, l, &l->task);
	if (rc) {
		free(l);
		return rc;
	}
	*out = l;
	return TC_OK;
}

bool tc_registry_index_load_done(struct tc_registry_index_loader *l, struct tc_registry_index **out, enum tc_rc *rc)
{
	if (!tc_store_task_done(l->task, rc))
		return false;
	*out = l->index;
	free(l);
	return true;
}

void tc_registry_index_load_cancel(struct tc_registry_index_loader *l)
{
	if (!l)
		return;
	tc_store_task_wait(l->task);
	tc_registry_index_free(l->index);
	free(l);
}

void tc_registry_index_free(struct tc_registry_index *x)
{
	if (!x)
		return;
	free(x->recs);
	free(x->cell_key);
	free(x->cell_rec);
	free(x);
}

size_t tc_registry_index_size(const struct tc_registry_index *x)
{
	return x ? x->n : 0;
}

static void visit(const struct tc_registry_index *x, const struct rec *e, tc_receiver_fn fn, void *user)
{
	struct tc_receiver_pos p = { e->id, e->lat, e->lon, e->drills, (uint32_t)(e - x->recs) };
	fn(&p, user);
}

void tc_registry_index_region(const struct tc_registry_index *x, const char *prefix, tc_receiver_fn fn, void *user)
{
	size_t n = strlen(prefix), lo = 0, hi = x->n;
	while (lo < hi) { /* first region >= prefix */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->recs[mid].region, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < x->n && strncmp(x->recs[i].region, prefix, n) == 0; i++)
		visit(x, &x->recs[i], fn, user);
}

/* First entry with key >= k. */
static size_t lower_bound(const struct tc_registry_index *x, uint64_t k)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->cell_key[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void tc_registry_index_box(const struct tc_registry_index *x, double min_lat, double max_lat, double min_lon,
			   double max_lon, tc_receiver_fn fn, void *user)
{
	if (!x->n)
		return;
	min_lat = fmax(min_lat, -90);
	max_lat = fmin(max_lat, 90);
	min_lon = fmax(min_lon, -180);
	max_lon = fmin(max_lon, 180);
	uint64_t r0 = cell_of(min_lat, min_lon) >> 32, r1 = cell_of(max_lat, max_lon) >> 32;
	uint64_t c0 = cell_of(min_lat, min_lon) & 0xffffffffu, c1 = cell_of(max_lat, max_lon) & 0xffffffffu;
	for (uint64_t r = r0; r <= r1; r++) {
		/* a row's cells are contiguous in key order: one range per row */
		for (size_t i = lower_bound(x, r << 32 | c0); i < x->n && x->cell_key[i] <= (r << 32 | c1); i++) {
			const struct rec *e = &x->recs[x->cell_rec[i]];
			if (e->lat >= min_lat && e->lat <= max_lat && e->lon >= min_lon && e->lon <= max_lon)
				visit(x, e, fn, user);
		}
	}
}

const char *tc_registry_index_id(const struct tc_registry_index *x, uint32_t i)
{
	return i < x->n ? x->recs[i].id : NULL;
}
