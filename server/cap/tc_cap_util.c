/*
 * tc_cap_util.c — small pieces the CAP layers share: enum names, CAP
 * date-times, valueName look-up, base64.
 */
#include "tc_cap_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#define TC_B64_SSSE3 1
#endif

#include <nettle/sha2.h>

#include "tc_arena.h"

struct name_map {
	const char *name;
	int value;
};

static const struct name_map status_map[] = {
	{ "Actual", TC_CAP_ACTUAL }, { "Exercise", TC_CAP_EXERCISE }, { "System", TC_CAP_SYSTEM },
	{ "Test", TC_CAP_TEST }, { "Draft", TC_CAP_DRAFT }, { NULL, 0 },
};
static const struct name_map msgtype_map[] = {
	{ "Alert", TC_CAP_ALERT }, { "Update", TC_CAP_UPDATE }, { "Cancel", TC_CAP_CANCEL },
	{ "Ack", TC_CAP_ACK }, { "Error", TC_CAP_ERROR }, { NULL, 0 },
};
static const struct name_map scope_map[] = {
	{ "Public", TC_CAP_PUBLIC }, { "Restricted", TC_CAP_RESTRICTED }, { "Private", TC_CAP_PRIVATE },
	{ NULL, 0 },
};
static const struct name_map urgency_map[] = {
	{ "Immediate", TC_CAP_IMMEDIATE }, { "Expected", TC_CAP_EXPECTED }, { "Future", TC_CAP_FUTURE },
	{ "Past", TC_CAP_PAST }, { "Unknown", TC_CAP_URGENCY_UNKNOWN }, { NULL, 0 },
};
static const struct name_map severity_map[] = {
	{ "Extreme", TC_CAP_EXTREME }, { "Severe", TC_CAP_SEVERE }, { "Moderate", TC_CAP_MODERATE },
	{ "Minor", TC_CAP_MINOR }, { "Unknown", TC_CAP_SEVERITY_UNKNOWN }, { NULL, 0 },
};
static const struct name_map certainty_map[] = {
	{ "Observed", TC_CAP_OBSERVED }, { "Likely", TC_CAP_LIKELY }, { "Possible", TC_CAP_POSSIBLE },
	{ "Unlikely", TC_CAP_UNLIKELY }, { "Unknown", TC_CAP_CERTAINTY_UNKNOWN }, { NULL, 0 },
};

static const char *map_name(const struct name_map *m, int v)
{
	for (; m->name; m++)
		if (m->value == v)
			return m->name;
	return "Unknown";
}

/* The value named by text, surrounding white space ignored; 0 when none. */
static int map_value(const struct name_map *m, const char *text)
{
	char buf[32];
	if (!text)
		return 0;
	tc_cap_trim(text, buf, sizeof(buf));
	for (; m->name; m++)
		if (strcmp(m->name, buf) == 0)
			return m->value;
	return 0;
}

const char *tc_cap_status_name(enum tc_cap_status v) { return map_name(status_map, (int)v); }
const char *tc_cap_msgtype_name(enum tc_cap_msgtype v) { return map_name(msgtype_map, (int)v); }
const char *tc_cap_scope_name(enum tc_cap_scope v) { return map_name(scope_map, (int)v); }
const char *tc_cap_urgency_name(enum tc_cap_urgency v) { return map_name(urgency_map, (int)v); }
const char *tc_cap_severity_name(enum tc_cap_severity v) { return map_name(severity_map, (int)v); }
const char *tc_cap_certainty_name(enum tc_cap_certainty v) { return map_name(certainty_map, (int)v); }

void tc_cap_model_enums(struct tc_cap_alert *a)
{
	a->status = map_value(status_map, a->status_text);
	a->msg_type = map_value(msgtype_map, a->msg_type_text);
	a->scope = map_value(scope_map, a->scope_text);
	for (size_t i = 0; i < a->n_infos; i++) {
		struct tc_cap_info *in = &a->infos[i];
		in->urgency = map_value(urgency_map, in->urgency_text);
		in->severity = map_value(severity_map, in->severity_text);
		in->certainty = map_value(certainty_map, in->certainty_text);
	}
}

const char *tc_cap_profile_name(enum tc_cap_profile p)
{
	switch (p) {
	case TC_CAP_PROFILE_CN: return "cn";
	case TC_CAP_PROFILE_IPAWS: return "ipaws";
	case TC_CAP_PROFILE_NONE: break;
	}
	return "none";
}

enum tc_rc tc_cap_profile_parse(const char *name, enum tc_cap_profile *out)
{
	static const struct name_map m[] = {
		{ "none", TC_CAP_PROFILE_NONE }, { "cn", TC_CAP_PROFILE_CN },
		{ "ipaws", TC_CAP_PROFILE_IPAWS }, { NULL, 0 },
	};
	for (const struct name_map *p = m; name && p->name; p++) {
		if (strcmp(p->name, name) == 0) {
			*out = p->value;
			return TC_OK;
		}
	}
	return TC_ERR_USAGE;
}

void tc_cap_limits_default(struct tc_cap_limits *lim)
{
	lim->max_bytes = 16u * 1024 * 1024;
	lim->max_depth = 32;
	lim->max_elements = 200000;
	lim->max_polygon_points = 100000;
	lim->max_total_points = 1000000;
}

void tc_cap_options_default(struct tc_cap_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	tc_cap_limits_default(&opt->limits);
}

void tc_cap_alert_free(struct tc_cap_alert *a)
{
	if (a)
		tc_arena_free(a->arena); /* the alert itself lives in its arena */
}

/* --- date-times ------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* n digits at p into *v. */
static bool digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	return true;
}

void tc_cap_time_parse(const char *text, struct tc_cap_time *t)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0;
	char buf[64];
	memset(t, 0, sizeof(*t));
	t->text = text;
	if (!text)
		return;
	const char *p = tc_cap_trim(text, buf, sizeof(buf));
	if (!digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
	    !digits(p + 8, 2, &d) || p[10] != 'T' || !digits(p + 11, 2, &h) || p[13] != ':' ||
	    !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &s))
		return;
	p += 19;
	if (*p == '.') { /* fractional seconds: read, then ignored */
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z') {
		t->has_zone = t->zulu = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
			return;
		t->has_zone = true;
		t->offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || s > 60)
		return;
	t->epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - t->offset_min * 60;
	t->valid = true;
}

/* --- strings ---------------------------------------------------------------- */

bool tc_cap_ascii_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

const char *tc_cap_trim(const char *s, char *buf, size_t len)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

bool tc_cap_name_is(const char *name, const char *const *accepted)
{
	char norm[64];
	size_t n = 0;
	if (!name)
		return false;
	for (const char *p = name; *p && n + 1 < sizeof(norm); p++)
		if (*p != ' ' && *p != '/' && *p != '_' && *p != '-')
			norm[n++] = (char)toupper((unsigned char)*p);
	norm[n] = '\0';
	for (; *accepted; accepted++)
		if (strcmp(norm, *accepted) == 0)
			return true;
	return false;
}

const char *tc_cap_pair_find(const struct tc_cap_pair *pairs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (pairs[i].name && tc_cap_ascii_ieq(pairs[i].name, name))
			return pairs[i].value;
	return NULL;
}

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

void tc_cap_alert_id(const struct tc_cap_alert *a, char out[17])
{
	struct sha256_ctx h;
	uint8_t sum[SHA256_DIGEST_SIZE];
	const char *parts[] = { a->sender ? a->sender : "", ",", a->identifier ? a->identifier : "", ",",
				a->sent.text ? a->sent.text : "" };
	sha256_init(&h);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		sha256_update(&h, strlen(parts[i]), (const uint8_t *)parts[i]);
	sha256_digest(&h, sizeof(sum), sum);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}
