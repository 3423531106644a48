/*
 * tc_arena.c — region allocator: a chain of blocks, bump allocation inside.
 *
 * Requests larger than a quarter of the block size get a block of their own,
 * so a 41,000-point polygon does not waste a default block.
 */
#include "tc_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (64 * 1024)
#define ALIGN 16

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct tc_arena {
	struct block *head;
	size_t used;
};

struct tc_arena *tc_arena_new(void)
{
	return calloc(1, sizeof(struct tc_arena));
}

void tc_arena_free(struct tc_arena *a)
{
	if (!a)
		return;
	struct block *b = a->head;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);
	if (b) {
		b->next = NULL;
		b->size = size;
		b->used = 0;
	}
	return b;
}

void *tc_arena_alloc(struct tc_arena *a, size_t size)
{
	void *p = tc_arena_alloc_raw(a, size);
	if (p)
		memset(p, 0, size);
	return p;
}

void *tc_arena_alloc_raw(struct tc_arena *a, size_t size)
{
	if (!a || size > SIZE_MAX - ALIGN)
		return NULL;
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (size == 0)
		size = ALIGN;
	struct block *b = a->head;
	if (size > BLOCK_SIZE / 4) {
		/* A block of its own, linked behind the current one. */
		struct block *big = block_new(size);
		if (!big)
			return NULL;
		big->used = size;
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			a->head = big;
		}
		a->used += size;
		return big->data;
	}
	if (!b || b->size - b->used < size) {
		b = block_new(BLOCK_SIZE);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += size;
	a->used += size;
	return p;
}

void *tc_arena_calloc(struct tc_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return tc_arena_alloc(a, n * size);
}

char *tc_arena_strndup(struct tc_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = tc_arena_alloc_raw(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *tc_arena_strdup(struct tc_arena *a, const char *s)
{
	return s ? tc_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t tc_arena_used(const struct tc_arena *a)
{
	return a ? a->used : 0;
}
