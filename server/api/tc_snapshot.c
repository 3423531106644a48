/*
 * tc_snapshot.c — an alert's deliveries as last told, and what changed (tc_snapshot.h).
 */
#include "tc_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_vec.h"

struct tc_snapshot {
	struct tc_vec rows;  /* struct tc_snapshot_row: the snapshot, by target */
	struct tc_vec next;  /* the pass under way */
	size_t at;           /* the first row of the snapshot the pass has not reached */
	char last[64];       /* the pass's previous target: order is checked against it */
};

struct tc_snapshot *tc_snapshot_new(void)
{
	struct tc_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	tc_vec_init(&s->rows, sizeof(struct tc_snapshot_row));
	tc_vec_init(&s->next, sizeof(struct tc_snapshot_row));
	return s;
}

void tc_snapshot_free(struct tc_snapshot *s)
{
	if (!s)
		return;
	tc_vec_free(&s->rows);
	tc_vec_free(&s->next);
	free(s);
}

void tc_snapshot_begin(struct tc_snapshot *s)
{
	s->next.n = 0;
	s->at = 0;
	s->last[0] = '\0';
}

enum tc_rc tc_snapshot_put(struct tc_snapshot *s, const char *target, const char *state, const char *region,
			   bool *changed)
{
	struct tc_snapshot_row *r = tc_vec_push(&s->next);
	if (!r)
		return TC_ERR_NOMEM;
	snprintf(r->target, sizeof(r->target), "%s", target ? target : "");
	snprintf(r->state, sizeof(r->state), "%s", state ? state : "");
	snprintf(r->region, sizeof(r->region), "%s", region ? region : "");
	const struct tc_snapshot_row *old = s->rows.v;
	*changed = true;
	if (s->next.n > 1 && strcmp(r->target, s->last) < 0)
		return TC_OK; /* out of order: the cursor cannot go back, so it counts as changed */
	memcpy(s->last, r->target, sizeof(s->last));
	while (s->at < s->rows.n && strcmp(old[s->at].target, r->target) < 0)
		s->at++; /* rows the pass skipped are gone */
	if (s->at < s->rows.n && !strcmp(old[s->at].target, r->target)) {
		*changed = strcmp(old[s->at].state, r->state) || strcmp(old[s->at].region, r->region);
		s->at++;
	}
	return TC_OK;
}

void tc_snapshot_end(struct tc_snapshot *s)
{
	struct tc_vec t = s->rows;
	s->rows = s->next;
	s->next = t;
	s->next.n = 0;
}

void tc_snapshot_abandon(struct tc_snapshot *s)
{
	s->next.n = 0;
}

size_t tc_snapshot_count(const struct tc_snapshot *s)
{
	return s->rows.n;
}

const struct tc_snapshot_row *tc_snapshot_rows(const struct tc_snapshot *s)
{
	return s->rows.v;
}
