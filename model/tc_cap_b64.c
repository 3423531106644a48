/*
 * tc_cap_b64.c — base64 as CAP carries it, decoded a piece at a time
 * (tc_cap_b64.h), and whole (tc_cap_base64_decode).
 */
#include "tc_cap_b64.h"
#include "tc_cap.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#define TC_B64_SSSE3 1
#endif

/*
 * Base64 as CAP carries it: line breaks and spaces anywhere, '=' padding.
 * A table decoder: embedded audio runs to megabytes, and nettle's
 * character-at-a-time decoder was the largest cost of validating such alerts.
 */
#define B64_ALPHABET(X)                                                                              \
	X('A', 0) X('B', 1) X('C', 2) X('D', 3) X('E', 4) X('F', 5) X('G', 6) X('H', 7) X('I', 8)    \
	X('J', 9) X('K', 10) X('L', 11) X('M', 12) X('N', 13) X('O', 14) X('P', 15) X('Q', 16)       \
	X('R', 17) X('S', 18) X('T', 19) X('U', 20) X('V', 21) X('W', 22) X('X', 23) X('Y', 24)      \
	X('Z', 25) X('a', 26) X('b', 27) X('c', 28) X('d', 29) X('e', 30) X('f', 31) X('g', 32)      \
	X('h', 33) X('i', 34) X('j', 35) X('k', 36) X('l', 37) X('m', 38) X('n', 39) X('o', 40)      \
	X('p', 41) X('q', 42) X('r', 43) X('s', 44) X('t', 45) X('u', 46) X('v', 47) X('w', 48)      \
	X('x', 49) X('y', 50) X('z', 51) X('0', 52) X('1', 53) X('2', 54) X('3', 55) X('4', 56)      \
	X('5', 57) X('6', 58) X('7', 59) X('8', 60) X('9', 61) X('+', 62) X('/', 63)

/* value + 1, so 0 means "not base64" */
#define B64_PLUS_ONE(c, v) [c] = (v) + 1,
static const signed char b64_value[256] = { B64_ALPHABET(B64_PLUS_ONE) };

/*
 * For whole groups of four: the value of a character in position k of its
 * group, already shifted into place, with bit 24 + k set to say it is
 * base64. The four OR'ed give the 24 bits of the group, and 0xf in bits
 * 24..27 only when all four characters are base64.
 */
#define B64_AT(k, c, v) [c] = ((uint32_t)(v) << (18 - 6 * (k))) | (1u << (24 + (k))),
#define B64_AT0(c, v) B64_AT(0, c, v)
#define B64_AT1(c, v) B64_AT(1, c, v)
#define B64_AT2(c, v) B64_AT(2, c, v)
#define B64_AT3(c, v) B64_AT(3, c, v)
static const uint32_t b64_at[4][256] = {
	{ B64_ALPHABET(B64_AT0) }, { B64_ALPHABET(B64_AT1) },
	{ B64_ALPHABET(B64_AT2) }, { B64_ALPHABET(B64_AT3) },
};

void tc_cap_b64_start(struct tc_cap_b64 *b, const char *text)
{
	memset(b, 0, sizeof(*b));
	b->p = (const unsigned char *)text;
	b->end = b->p + strlen(text);
}

/* One character the fast path could not take: white space, padding, a stray character. */
static void b64_char(struct tc_cap_b64 *b, unsigned char c, unsigned char *out, size_t *o)
{
	int v = b64_value[c] - 1;
	if (v >= 0 && !b->pad) {
		b->acc = b->acc << 6 | (uint32_t)v;
		if (++b->have == 4) {
			out[(*o)++] = (unsigned char)(b->acc >> 16);
			out[(*o)++] = (unsigned char)(b->acc >> 8);
			out[(*o)++] = (unsigned char)b->acc;
			b->acc = 0;
			b->have = 0;
		}
	} else if (c == '=' && b->have >= 2 && b->pad < 2) {
		b->pad++;
	} else if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		b->bad = true; /* a stray character, or data after the padding */
	}
}

/* Complete quads only, or a final group closed by its padding. */
static void b64_finish(struct tc_cap_b64 *b, unsigned char *out, size_t *o)
{
	if (b->have == 2 && b->pad == 2) {
		out[(*o)++] = (unsigned char)(b->acc >> 4);
	} else if (b->have == 3 && b->pad == 1) {
		out[(*o)++] = (unsigned char)(b->acc >> 10);
		out[(*o)++] = (unsigned char)(b->acc >> 2);
	} else if (b->have != 0 || b->pad != 0) {
		b->bad = true;
	}
	b->done = true;
}

#ifdef TC_B64_SSSE3
/*
 * Sixteen base64 characters at a time, on processors with SSSE3 (asked at
 * run time): each byte's high and low nibble index two tables whose
 * entries share a bit exactly when the byte is not in the alphabet; a third
 * table, by high nibble ('/' moved to a slot of its own), holds what to add
 * to turn the character into its six-bit value. Two multiply-adds pack the
 * values of each group of four into 24 bits, and a shuffle takes the twelve
 * bytes out. Runs with white space, padding or anything else stop the fast
 * path: those bytes go the one-at-a-time way. Needs 16 bytes of room (it
 * stores 16, of which 12 count).
 */
__attribute__((target("ssse3"))) static size_t b64_sixteens(const unsigned char **p, const unsigned char *end,
							      unsigned char *out, size_t room)
{
	const __m128i lut_lo = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a,
					     0x1b, 0x1b, 0x1b, 0x1a);
	const __m128i lut_hi = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10,
					     0x10, 0x10, 0x10, 0x10);
	const __m128i lut_add = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m128i nibble = _mm_set1_epi8(0x2f), take = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1,
									  -1, -1);
	const unsigned char *q = *p;
	size_t o = 0;
	while (end - q >= 16 && room - o >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i hi = _mm_and_si128(_mm_srli_epi32(x, 4), nibble), lo = _mm_and_si128(x, nibble);
		__m128i bad = _mm_and_si128(_mm_shuffle_epi8(lut_lo, lo), _mm_shuffle_epi8(lut_hi, hi));
		if (_mm_movemask_epi8(_mm_cmpgt_epi8(bad, _mm_setzero_si128())))
			break;
		__m128i slash = _mm_cmpeq_epi8(x, nibble); /* 0x2f is '/' */
		__m128i v = _mm_add_epi8(x, _mm_shuffle_epi8(lut_add, _mm_add_epi8(slash, hi)));
		v = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140)); /* pairs: a << 6 | b */
		v = _mm_madd_epi16(v, _mm_set1_epi32(0x00011000));    /* quads: ab << 12 | cd */
		_mm_storeu_si128((__m128i *)(void *)(out + o), _mm_shuffle_epi8(v, take));
		q += 16;
		o += 12;
	}
	*p = q;
	return o;
}

#endif

/* Whole groups of four base64 characters from *p, as long as they come and fit. */
static size_t b64_groups(const unsigned char **p, const unsigned char *end, unsigned char *out, size_t room)
{
	size_t o = 0;
#ifdef TC_B64_SSSE3
	if (__builtin_cpu_supports("ssse3"))
		o = b64_sixteens(p, end, out, room);
#endif
	const unsigned char *q = *p;
	size_t groups = (size_t)(end - q) / 4;
	room -= o;
	if (groups > room / 3)
		groups = room / 3;
	for (size_t i = 0; i < groups; i++, q += 4, o += 3) {
		uint32_t g = b64_at[0][q[0]] | b64_at[1][q[1]] | b64_at[2][q[2]] | b64_at[3][q[3]];
		if (g >> 24 != 0xf)
			break; /* white space, padding or a stray character: one at a time */
		out[o] = (unsigned char)(g >> 16);
		out[o + 1] = (unsigned char)(g >> 8);
		out[o + 2] = (unsigned char)g;
	}
	*p = q;
	return o;
}

size_t tc_cap_b64_read(struct tc_cap_b64 *b, unsigned char *out, size_t cap)
{
	size_t o = 0;
	const unsigned char *p = b->p, *end = b->end;
	while (!b->bad && p < end && o + 3 <= cap) {
		if (b->have == 0 && !b->pad) {
			o += b64_groups(&p, end, out + o, cap - o);
			if (p == end || o + 3 > cap)
				break;
		}
		b64_char(b, *p++, out, &o);
	}
	b->p = p;
	if (!b->bad && !b->done && p == end && o + 2 <= cap)
		b64_finish(b, out, &o);
	return b->bad ? 0 : o;
}

bool tc_cap_base64_decode(const char *text, unsigned char **out, size_t *out_len)
{
	struct tc_cap_b64 b;
	tc_cap_b64_start(&b, text);
	size_t cap = (size_t)(b.end - b.p) / 4 * 3 + 3, n;
	unsigned char *buf = malloc(cap);
	if (!buf)
		return false;
	n = tc_cap_b64_read(&b, buf, cap);
	if (b.bad || !b.done) {
		free(buf);
		return false;
	}
	*out = buf;
	*out_len = n;
	return true;
}

