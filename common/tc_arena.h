/*
 * tc_arena.h — a region allocator for data that lives and dies together.
 *
 * A parsed alert and everything derived from it (strings, arrays, points)
 * comes from one arena, so freeing the alert is one call and nothing leaks.
 * Allocations are 16-byte aligned and zeroed (tc_arena_alloc_raw: not
 * zeroed). Nothing is freed individually.
 */
#ifndef TC_ARENA_H
#define TC_ARENA_H

#include <stddef.h>

struct tc_arena;

struct tc_arena *tc_arena_new(void);
/* Frees the arena and every allocation made from it; NULL is a no-op. */
void tc_arena_free(struct tc_arena *a);

/* size bytes, zeroed; NULL when out of memory or size overflows. */
void *tc_arena_alloc(struct tc_arena *a, size_t size);
/* size bytes, NOT zeroed: for memory the caller fills completely. */
void *tc_arena_alloc_raw(struct tc_arena *a, size_t size);
/* n elements of size bytes, zeroed, with overflow check. */
void *tc_arena_calloc(struct tc_arena *a, size_t n, size_t size);
/* A NUL-terminated copy of s (NULL gives NULL). */
char *tc_arena_strdup(struct tc_arena *a, const char *s);
char *tc_arena_strndup(struct tc_arena *a, const char *s, size_t n);
/* Bytes handed out so far (for limits and tests). */
size_t tc_arena_used(const struct tc_arena *a);

#endif
