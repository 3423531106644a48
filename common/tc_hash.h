/*
 * tc_hash.h — FNV-1a over strings, for in-memory hash tables (not for anything an
 * attacker chooses to collide with at a cost to us).
 */
#ifndef TC_HASH_H
#define TC_HASH_H

#include <stdint.h>

#define TC_FNV1A_INIT 2166136261u

/* h continued over the bytes of s; start from TC_FNV1A_INIT. */
static inline uint32_t tc_fnv1a(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

#endif
