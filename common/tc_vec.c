/*
 * tc_vec.c — a growable array (tc_vec.h).
 *
 * The first growth makes room for at least 256 bytes' worth of elements
 * (4 at least); each later one adds half the capacity, or exactly what was
 * asked for when that is more. No allocation is ever asked for above
 * PTRDIFF_MAX bytes: the C library refuses those anyway, and pointer
 * differences inside the array stay defined. tc_vec_grow is that rule, the
 * one copy of it: vectors use it, and so do arrays kept in other structs'
 * own fields.
 */
#include "tc_vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_BYTES 256
#define FIRST_MIN 4

void tc_vec_init(struct tc_vec *v, size_t size)
{
	*v = (struct tc_vec){ .size = size };
}

enum tc_rc tc_vec_grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (!size)
		return TC_ERR_USAGE;
	size_t have = *v ? *cap : 0;
	if (need <= have)
		return TC_OK;
	size_t limit = (size_t)PTRDIFF_MAX / size;
	if (need > limit)
		return TC_ERR_NOMEM;
	size_t first = FIRST_BYTES / size > FIRST_MIN ? FIRST_BYTES / size : FIRST_MIN;
	size_t to = have ? have + have / 2 : first;
	if (to > limit || to < have) /* past the limit, or wrapped */
		to = limit;
	to = to > need ? to : need;
	void *p = realloc(*v, to * size);
	if (!p)
		return TC_ERR_NOMEM;
	*v = p;
	*cap = to;
	return TC_OK;
}

enum tc_rc tc_vec_reserve(struct tc_vec *v, size_t more)
{
	if (!v->size)
		return TC_ERR_USAGE;
	if (more <= v->cap - v->n)
		return TC_OK;
	if (more > SIZE_MAX - v->n)
		return TC_ERR_NOMEM;
	return tc_vec_grow(&v->v, &v->cap, v->n + more, v->size);
}

void *tc_vec_push(struct tc_vec *v)
{
	if (tc_vec_reserve(v, 1) != TC_OK)
		return NULL;
	void *e = (char *)v->v + v->n++ * v->size;
	memset(e, 0, v->size);
	return e;
}

enum tc_rc tc_vec_append(struct tc_vec *v, const void *src, size_t count)
{
	enum tc_rc rc = tc_vec_reserve(v, count);
	if (rc || !count)
		return rc;
	memcpy((char *)v->v + v->n * v->size, src, count * v->size);
	v->n += count;
	return TC_OK;
}

enum tc_rc tc_vec_append_text(struct tc_vec *v, const char *s, size_t len)
{
	if (v->size != 1)
		return TC_ERR_USAGE;
	if (len == SIZE_MAX)
		return TC_ERR_NOMEM;
	enum tc_rc rc = tc_vec_reserve(v, len + 1);
	if (rc)
		return rc;
	char *end = (char *)v->v + v->n;
	if (len)
		memcpy(end, s, len);
	end[len] = '\0';
	v->n += len;
	return TC_OK;
}

void *tc_vec_at(const struct tc_vec *v, size_t i)
{
	return (char *)v->v + i * v->size;
}

void *tc_vec_take(struct tc_vec *v)
{
	void *p = v->v;
	tc_vec_init(v, v->size);
	return p;
}

void tc_vec_free(struct tc_vec *v)
{
	free(v->v);
	tc_vec_init(v, v->size);
}
