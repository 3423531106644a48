/*
 * tc_zh_dict.c — lookups in the embedded Mandarin reading dictionary
 * (tc_zh_dict.h; layout in tc_zh_dict_format.h). Binary search over the
 * records, which zh_dict_build sorted by key bytes.
 */
#include "tc_zh_dict.h"
#include "tc_zh_dict_format.h"

#include <string.h>

extern const unsigned char tc_zh_dict_blob[];
extern const unsigned char tc_zh_dict_blob_end[];

static const struct tc_zh_dict_head *head(void)
{
	const struct tc_zh_dict_head *h = (const void *)tc_zh_dict_blob;
	size_t size = (size_t)(tc_zh_dict_blob_end - tc_zh_dict_blob);
	if (size < sizeof(*h) || memcmp(h->magic, TC_ZH_DICT_MAGIC, sizeof(h->magic)) != 0 ||
	    h->strings != sizeof(*h) + (size_t)h->n * sizeof(struct tc_zh_dict_rec) || h->strings > size)
		return NULL;
	return h;
}

size_t tc_zh_dict_size(void)
{
	const struct tc_zh_dict_head *h = head();
	return h ? h->n : 0;
}

static const struct tc_zh_dict_rec *records(const struct tc_zh_dict_head *h)
{
	return (const void *)(h + 1);
}

static const char *string(const struct tc_zh_dict_head *h, uint32_t off)
{
	return (const char *)h + h->strings + off;
}

/* Compare a record's key with s[0..n), as memcmp then shorter first. */
static int compare(const struct tc_zh_dict_head *h, const struct tc_zh_dict_rec *r, const char *s, size_t n)
{
	size_t k = r->key_len < n ? r->key_len : n;
	int c = memcmp(string(h, r->key), s, k);
	return c ? c : (r->key_len > n) - (r->key_len < n);
}

/* Index of the first record not below s[0..n). */
static size_t lower_bound(const struct tc_zh_dict_head *h, const char *s, size_t n)
{
	const struct tc_zh_dict_rec *r = records(h);
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare(h, r + mid, s, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool tc_zh_dict_find(const char *s, size_t n, struct tc_zh_word *w)
{
	const struct tc_zh_dict_head *h = head();
	if (!h || !n)
		return false;
	size_t i = lower_bound(h, s, n);
	const struct tc_zh_dict_rec *r = records(h) + i;
	if (i == h->n || compare(h, r, s, n) != 0)
		return false;
	*w = (struct tc_zh_word){ .readings = string(h, r->readings),
				  .cost = r->cost / 100.0,
				  .decided = r->flags & TC_ZH_DICT_DECIDED,
				  .polyphone = r->flags & TC_ZH_DICT_POLYPHONE };
	return true;
}

bool tc_zh_dict_has_prefix(const char *s, size_t n)
{
	const struct tc_zh_dict_head *h = head();
	if (!h || !n)
		return false;
	size_t i = lower_bound(h, s, n);
	const struct tc_zh_dict_rec *r = records(h) + i;
	return i < h->n && r->key_len >= n && memcmp(string(h, r->key), s, n) == 0;
}
