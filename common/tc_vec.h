/*
 * tc_vec.h — a growable array of elements of one size.
 *
 * Gathering rows from the store, targets from a plan or the bytes of a
 * request body is the same chore: append, grow when full, free once. This
 * is that chore written once. Capacity grows by half (never by doubling,
 * so the last growth wastes at most a third), every size computation is
 * checked for overflow, and a failed growth leaves the vector as it was
 * and says so with TC_ERR_NOMEM: nothing is dropped without the caller
 * knowing.
 *
 * Ownership: the vector owns v. tc_vec_free() releases it; tc_vec_take()
 * hands it to the caller, who frees it with free(). A pointer into v (from
 * tc_vec_push or tc_vec_at) is valid until the next call that may grow it.
 *
 *     struct tc_vec ids = TC_VEC_OF(char[17]);
 *     char *id = tc_vec_push(&ids);
 *     if (!id) return TC_ERR_NOMEM;
 *     ...
 *     char (*all)[17] = ids.v;
 *     tc_vec_free(&ids);
 */
#ifndef TC_VEC_H
#define TC_VEC_H

#include <stddef.h>

#include "tc_rc.h"

struct tc_vec {
	void *v;     /* the elements, malloc'ed; NULL until the first growth */
	size_t n;    /* elements in use */
	size_t cap;  /* elements allocated */
	size_t size; /* bytes per element, set once */
};

/* An empty vector of elements of type t (an initialiser: no allocation). */
#define TC_VEC_OF(t) { .v = NULL, .n = 0, .cap = 0, .size = sizeof(t) }

/* An empty vector of elements of size bytes. */
void tc_vec_init(struct tc_vec *v, size_t size);

/*
 * The growth rule itself, for an array kept in another struct's own fields
 * (a struct whose layout others use, like struct tc_pcm): room in *v for at
 * least need elements of size bytes. *cap is the room *v has; a NULL *v has
 * none, whatever *cap says. When the room is short, *v is reallocated to half
 * again *cap, or need when that is more (the first time, 256 bytes' worth,
 * 4 elements at least), never above PTRDIFF_MAX bytes, and *v and *cap are
 * set together. TC_ERR_NOMEM when need is past that limit or memory runs
 * out: *v and *cap are then unchanged and *v still owned by the caller.
 * TC_ERR_USAGE when size is 0. tc_vec_reserve grows by this same rule.
 *
 * Hand it the array through a void * of its own (C does not allow writing a
 * float * through a void ** cast):
 *
 *     void *s = p->s;
 *     enum tc_rc rc = tc_vec_grow(&s, &p->cap, p->n + more, sizeof(float));
 *     p->s = s;
 */
enum tc_rc tc_vec_grow(void **v, size_t *cap, size_t need, size_t size);

/*
 * Room for at least more elements beyond n, so that that many pushes cannot
 * fail. TC_ERR_NOMEM when the size overflows or memory runs out (the
 * vector is unchanged); TC_ERR_USAGE when the element size is 0.
 */
enum tc_rc tc_vec_reserve(struct tc_vec *v, size_t more);

/* A new zeroed element at the end; NULL when it could not grow (unchanged). */
void *tc_vec_push(struct tc_vec *v);

/* Copies of count elements from src at the end; all or nothing. */
enum tc_rc tc_vec_append(struct tc_vec *v, const void *src, size_t count);

/*
 * For byte vectors (size 1): len bytes of s at the end, and a NUL kept one
 * past n (not counted), so v is always a C string once anything was added.
 */
enum tc_rc tc_vec_append_text(struct tc_vec *v, const char *s, size_t len);

/* Element i (i < n). */
void *tc_vec_at(const struct tc_vec *v, size_t i);

/* The elements, handed to the caller (free() them); the vector is left empty. */
void *tc_vec_take(struct tc_vec *v);

/* Release the elements; the vector is left empty and may be used again. */
void tc_vec_free(struct tc_vec *v);

#endif
