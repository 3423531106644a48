/*
 * tc_cap_model.c — build the struct tc_cap_alert model from the XML tree.
 *
 * The builder reads CAP elements wherever they stand in their parent, so the
 * model is complete even for documents that break the schema's order (the
 * schema layer reports that). When a single-valued element is repeated, the
 * first one is kept.
 *
 * A model handed to the caller owns everything: texts and the original bytes
 * are copied into the alert's arena. A model built only to be checked, and
 * freed before the tree ("borrow"), points into the tree and the caller's
 * bytes instead: copying megabytes of embedded audio only to read it once
 * costs more than the reading.
 */
#include "tc_cap_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tc_arena.h"

struct builder {
	struct tc_arena *arena;
	const struct tc_cap_limits *lim;
	const char *ns;
	const xmlNs *root_ns; /* the root's namespace, which is ns */
	struct tc_diags *d;
	size_t total_points;
	bool borrow;   /* texts point into the tree instead of being copied */
	enum tc_rc rc; /* first hard failure (memory, limit) */
};

static bool is_cap(const struct builder *b, const xmlNode *n, const char *name)
{
	/* Elements usually share the root's namespace declaration: a pointer test spares the strcmp. */
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       (n->ns == b->root_ns || strcmp((const char *)n->ns->href, b->ns) == 0) &&
	       strcmp((const char *)n->name, name) == 0;
}

static size_t count_children(const struct builder *b, const xmlNode *parent, const char *name)
{
	size_t n = 0;
	for (const xmlNode *c = parent->children; c; c = c->next)
		n += is_cap(b, c, name);
	return n;
}

static const char *text_of(struct builder *b, const xmlNode *n)
{
	/* The usual case, one text child: taken (or copied once) straight from the tree. */
	const xmlNode *c = n->children;
	if (c && !c->next && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
		if (b->borrow)
			return (const char *)c->content;
		char *s = tc_arena_strdup(b->arena, (const char *)c->content);
		if (!s)
			b->rc = TC_ERR_NOMEM;
		return s;
	}
	if (!c)
		return b->borrow ? "" : tc_arena_strdup(b->arena, "");
	xmlChar *t = xmlNodeGetContent(n);
	if (!t) {
		b->rc = TC_ERR_NOMEM;
		return NULL;
	}
	char *s = tc_arena_strdup(b->arena, (const char *)t);
	xmlFree(t);
	if (!s)
		b->rc = TC_ERR_NOMEM;
	return s;
}

/* The text of the first child named name, or NULL. */
static const char *child_text(struct builder *b, const xmlNode *parent, const char *name)
{
	for (const xmlNode *c = parent->children; c; c = c->next)
		if (is_cap(b, c, name))
			return text_of(b, c);
	return NULL;
}

/* Every child named name, as an array of strings. */
static const char **child_texts(struct builder *b, const xmlNode *parent, const char *name, size_t *n)
{
	*n = count_children(b, parent, name);
	const char **v = *n ? tc_arena_calloc(b->arena, *n, sizeof(*v)) : NULL;
	if (*n && !v) {
		b->rc = TC_ERR_NOMEM;
		*n = 0;
		return NULL;
	}
	size_t i = 0;
	for (const xmlNode *c = parent->children; c && i < *n; c = c->next)
		if (is_cap(b, c, name))
			v[i++] = text_of(b, c);
	return v;
}

/* Every child named name as valueName/value pairs. */
static struct tc_cap_pair *child_pairs(struct builder *b, const xmlNode *parent, const char *name, size_t *n)
{
	*n = count_children(b, parent, name);
	struct tc_cap_pair *v = *n ? tc_arena_calloc(b->arena, *n, sizeof(*v)) : NULL;
	if (*n && !v) {
		b->rc = TC_ERR_NOMEM;
		*n = 0;
		return NULL;
	}
	size_t i = 0;
	for (const xmlNode *c = parent->children; c && i < *n; c = c->next) {
		if (!is_cap(b, c, name))
			continue;
		v[i].name = child_text(b, c, "valueName");
		v[i].value = child_text(b, c, "value");
		i++;
	}
	return v;
}

static void read_time(struct builder *b, const xmlNode *parent, const char *name, struct tc_cap_time *t)
{
	tc_cap_time_parse(child_text(b, parent, name), t);
}

/* --- geometry ----------------------------------------------------------------- */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Exact powers of ten a double holds. */
static const double pow10_table[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };

#define BYTES(b) (0x0101010101010101ULL * (b))

/* Exact powers of ten as integers, for runs of up to eight digits. */
static const uint64_t ipow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000 };

/* The eight bytes at s, each XORed with '0', and in *other the high bit of each that is not a digit (below). */
static inline uint64_t eight_digits(const char *s, uint64_t *other)
{
	uint64_t x;
	memcpy(&x, s, 8);
	x ^= BYTES('0');
	*other = (((x & BYTES(0x7f)) + BYTES(0x76)) | x) & BYTES(0x80);
	return x;
}

/*
 * The digits at s added to *mant (which wraps past 19 digits; the caller
 * then uses strtod); returns where they end. end is the text's NUL.
 *
 * Eight bytes are taken at once (SWAR, x = the eight bytes, the first in
 * the lowest, each XORed with '0' so that a digit byte holds 0..9):
 *  - a byte is not a digit when it is 10 or more: its low seven bits plus
 *    0x76 reach 0x80 only from 10 up, without carrying into the next byte
 *    (0x7f + 0x76 < 0x100), or its high bit is set; the lowest such byte
 *    ends the run of n digits;
 *  - shifting the n digits to the top leaves zeros below them: leading
 *    zeros of an eight-digit number of the same value;
 *  - its value: byte 2k becomes 10*d[2k] + d[2k+1] (99 at most, no carry);
 *    with a = pairs 0 and 2 and b = pairs 1 and 3 in the low bytes of each
 *    32-bit half, the high halves of a*(100 + 10^6<<32) and b*(1 + 10^4<<32)
 *    add up to p0*10^6 + p1*10^4 + p2*100 + p3, the low halves staying below 2^32.
 * Fewer than eight bytes before the end are read one at a time.
 */
static inline const char *read_digits(const char *s, const char *end, uint64_t *mant)
{
	uint64_t m = *mant;
	unsigned d;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - s >= 8) {
		uint64_t other, x = eight_digits(s, &other);
		unsigned n = other ? (unsigned)__builtin_ctzll(other) >> 3 : 8;
		if (n == 0)
			break;
		if (n < 8)
			x <<= (8 - n) * 8;
		x = x * 10 + (x >> 8);
		uint64_t a = x & 0x000000ff000000ffULL, b = (x >> 16) & 0x000000ff000000ffULL;
		m = m * ipow10[n] + ((a * (100 + (1000000ULL << 32)) + b * (1 + (10000ULL << 32))) >> 32);
		s += n;
		if (n < 8) {
			*mant = m;
			return s;
		}
	}
#else
	(void)end;
#endif
	while ((d = (unsigned)(unsigned char)*s - '0') < 10) {
		m = m * 10 + d;
		s++;
	}
	*mant = m;
	return s;
}

/*
 * Plain decimals ("-33.8712") as coordinates are written: digits, a point,
 * digits, at most 18 significant. Read directly, without strtod's
 * arbitrary-precision path (a 41,000-point polygon is 82,000 numbers);
 * anything else (exponents, long mantissas) goes to strtod. end is the
 * text's NUL.
 */
static inline bool read_number(const char **p, const char *end, double *v)
{
	const char *s = *p, *from;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	uint64_t mant = 0;
	size_t digits, frac = 0;
	from = s;
	s = read_digits(s, end, &mant);
	digits = (size_t)(s - from);
	if (*s == '.') {
		from = ++s;
		s = read_digits(s, end, &mant);
		frac = (size_t)(s - from);
		digits += frac;
	}
	if (digits > 0 && digits <= 18 && *s != 'e' && *s != 'E') {
		double x = (double)mant / pow10_table[frac];
		*v = neg ? -x : x;
		*p = s;
		return true;
	}
	char *stop;
	errno = 0;
	*v = strtod(*p, &stop);
	if (stop == *p || errno == ERANGE || !isfinite(*v))
		return false;
	*p = stop;
	return true;
}

/* "lat,lon" at *p. */
static bool read_point(const char **p, const char *end, struct tc_cap_point *pt)
{
	if (!read_number(p, end, &pt->lat) || **p != ',')
		return false;
	(*p)++;
	return read_number(p, end, &pt->lon);
}

/* The digits at s skipped, eight bytes at a time (as in read_digits). */
static inline const char *skip_digits(const char *s, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - s >= 8) {
		uint64_t other;
		eight_digits(s, &other);
		if (other)
			return s + (__builtin_ctzll(other) >> 3);
		s += 8;
	}
#else
	(void)end;
#endif
	while ((unsigned)(unsigned char)*s - '0' < 10)
		s++;
	return s;
}

/*
 * Whether the number at *p is a plain decimal within ±limit, found without
 * computing its value: its integer part below limit, or equal to it with
 * only zeros after the point. Then *p moves past it. false means "read it
 * in full" (read_number): not such a decimal, off the globe, or too close
 * to the edge to tell from the digits.
 */
static inline bool scan_number(const char **p, const char *end, uint64_t limit)
{
	const char *s = *p, *from, *frac = NULL;
	uint64_t ip = 0;
	if (*s == '-' || *s == '+')
		s++;
	from = s;
	s = read_digits(s, end, &ip);
	size_t digits = (size_t)(s - from);
	if (*s == '.') {
		frac = ++s;
		s = skip_digits(s, end);
		digits += (size_t)(s - frac);
	}
	if (!digits || digits > 18 || *s == 'e' || *s == 'E' || ip > limit)
		return false;
	for (const char *q = frac; ip == limit && q && q < s; q++)
		if (*q != '0')
			return false;
	*p = s;
	return true;
}

/* A "lat,lon" on the globe at *p, told without its values (as scan_number). */
static inline bool scan_point(const char **p, const char *end)
{
	const char *s = *p;
	if (!scan_number(&s, end, 90) || *s != ',')
		return false;
	s++;
	if (!scan_number(&s, end, 180))
		return false;
	*p = s;
	return true;
}

#if defined(__SSE2__)
/*
 * The same judgement as scan_point, for the common case, from 32 bytes at
 * once: each byte's class (digit, point, sign, comma, white space) becomes
 * one bit of a mask, and the two numbers of "lat,lon " are checked with bit
 * operations instead of a loop per character. It answers true only for
 * what scan_point accepts: a token of at most 18 bytes, digits with at most
 * one point and a sign only in front, and an integer part that is plainly
 * within the limit (latitude: one digit, or two below 90; longitude: two
 * digits, or three below 180); anything else, or a point not followed by
 * white space within the 32 bytes (or, for a longitude running past them,
 * within the 32 from its start), is left to scan_point. The caller
 * guarantees 32 bytes before the text's end.
 */
struct classes {
	uint32_t num, dot, comma, space; /* num: a digit or a point */
};

static inline uint32_t bits_of(__m128i lo, __m128i hi)
{
	return (uint32_t)_mm_movemask_epi8(lo) | (uint32_t)_mm_movemask_epi8(hi) << 16;
}

static inline __m128i is_digit(__m128i x)
{
	/* signed compares: bytes from 0x80 up are negative, never digits */
	return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
}

/*
 * Space is any byte up to ' ' (what ends a longitude here): the caller's
 * loop still requires white space proper after the point, as it does after
 * scan_point, so a control character there ends the ring the same way.
 */
static inline __m128i is_space(__m128i x)
{
	return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(' ')), x);
}

static inline __attribute__((always_inline)) void classify(const char *s, struct classes *c)
{
	__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
	__m128i dlo = _mm_cmpeq_epi8(lo, _mm_set1_epi8('.')), dhi = _mm_cmpeq_epi8(hi, _mm_set1_epi8('.'));
	c->dot = bits_of(dlo, dhi);
	c->num = bits_of(_mm_or_si128(is_digit(lo), dlo), _mm_or_si128(is_digit(hi), dhi));
	c->comma = bits_of(_mm_cmpeq_epi8(lo, _mm_set1_epi8(',')), _mm_cmpeq_epi8(hi, _mm_set1_epi8(',')));
	c->space = bits_of(is_space(lo), is_space(hi));
}

/*
 * The number in bytes [a, b) of s (b < 32): an optional sign, then digits
 * and at most one point, at least one digit, at most 18 bytes in all (so at
 * most 18 digits; longer tokens, rare, go to scan_point), and its integer
 * part plainly within the limit.
 */
static inline bool quick_number(const struct classes *c, const char *s, unsigned a, unsigned b, bool lon)
{
	unsigned from = a + (s[a] == '-' || s[a] == '+');
	uint32_t t = ((1u << b) - 1) & ~((1u << from) - 1), dot = c->dot & t;
	if ((t & ~c->num) || (dot & (dot - 1)) || !(t & ~dot) || b - a > 18)
		return false;
	unsigned n = (dot ? (unsigned)__builtin_ctz(dot) : b) - from;
	if (!lon)
		return n <= 1 || (n == 2 && s[from] < '9');
	return n <= 2 || (n == 3 && (s[from] == '0' || (s[from] == '1' && s[from + 1] < '8')));
}

static inline bool quick_point(const char **p, const char *end)
{
	const char *s = *p;
	struct classes c;
	classify(s, &c);
	if (!c.comma)
		return false;
	unsigned comma = (unsigned)__builtin_ctz(c.comma);
	if (!quick_number(&c, s, 0, comma, false))
		return false;
	uint32_t after = comma < 31 ? c.space & (~0u << (comma + 1)) : 0;
	if (after) {
		unsigned space = (unsigned)__builtin_ctz(after);
		if (!quick_number(&c, s, comma + 1, space, true))
			return false;
		*p = s + space;
		return true;
	}
	/* the longitude runs past these 32 bytes: the next 32 from its start */
	const char *t = s + comma + 1;
	if (end - t < 32)
		return false;
	classify(t, &c);
	if (!c.space)
		return false;
	unsigned space = (unsigned)__builtin_ctz(c.space);
	if (!quick_number(&c, t, 0, space, true))
		return false;
	*p = t + space;
	return true;
}
#endif

/* quick_point where it can be used: 32 bytes before end, on SSE2. */
static inline bool quick(const char **p, const char *end)
{
#if defined(__SSE2__)
	return end - *p >= 32 && quick_point(p, end);
#else
	(void)p;
	(void)end;
	return false;
#endif
}

static bool on_globe(const struct tc_cap_point *pt)
{
	return pt->lat >= -90 && pt->lat <= 90 && pt->lon >= -180 && pt->lon <= 180;
}

/* Point i, read in full, in the polygon's summary for the rules. */
static void note_point(struct tc_cap_polygon *poly, size_t i, size_t n, const struct tc_cap_point *pt)
{
	if (i == 0)
		poly->first = *pt;
	if (i + 1 == n)
		poly->last = *pt;
	if (poly->first_off_globe == SIZE_MAX && !on_globe(pt)) {
		poly->first_off_globe = i;
		poly->off_globe = *pt;
	}
}

/*
 * Points in a polygon's text of len bytes: one comma each ("lat,lon").
 * With SSE2, sixteen bytes at a time: a comma compares to 0xff, and
 * subtracting that from byte counters adds one; the counters are summed
 * (psadbw) before any can pass 255. Otherwise eight bytes at a time: a byte
 * of x ^ ',,,,,,,,' is zero for a comma; zero is the one value whose low
 * seven bits plus 0x7f stay below 0x80 with the high bit clear, and that sum
 * never carries into the next byte.
 */
static size_t count_points(const char *text, size_t len)
{
	size_t n = 0, i = 0;
#if defined(__SSE2__)
	const __m128i comma = _mm_set1_epi8(','), zero = _mm_setzero_si128();
	while (i + 16 <= len) {
		__m128i acc = zero;
		for (int k = 0; k < 255 && i + 16 <= len; k++, i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(text + i)), comma));
		__m128i sums = _mm_sad_epu8(acc, zero);
		n += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
	}
#endif
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, text + i, 8);
		x ^= BYTES(',');
		uint64_t commas = ~(((x & BYTES(0x7f)) + BYTES(0x7f)) | x) & BYTES(0x80);
		n += (size_t)(((commas >> 7) * BYTES(1)) >> 56);
	}
	for (; i < len; i++)
		n += text[i] == ',';
	return n;
}

/*
 * Read a polygon's points. A model built only to be checked (borrow) keeps
 * no points: the first and the last are read in full, the others only
 * checked to be numbers on the globe (scan_point), and any that is not
 * plainly so is read in full too, so the rules see the same as from a
 * model with every point.
 */
static void read_polygon(struct builder *b, const char *path, struct tc_cap_polygon *poly)
{
	size_t len = strlen(poly->text), n = count_points(poly->text, len);
	const char *end = poly->text + len;
	if (n > b->lim->max_polygon_points) {
		tc_err(b->d, "limit.polygon-points", path, "the polygon has %zu points; the limit is %zu",
		       n, b->lim->max_polygon_points);
		b->rc = TC_ERR_LIMIT;
		return;
	}
	b->total_points += n;
	if (b->total_points > b->lim->max_total_points) {
		tc_err(b->d, "limit.total-points", path,
		       "the alert's polygons have more than %zu points in all", b->lim->max_total_points);
		b->rc = TC_ERR_LIMIT;
		return;
	}
	poly->points = n && !b->borrow ? tc_arena_alloc_raw(b->arena, n * sizeof(*poly->points)) : NULL;
	if (n && !b->borrow && !poly->points) {
		b->rc = TC_ERR_NOMEM;
		return;
	}
	poly->first_off_globe = SIZE_MAX;
	const char *p = skip_space(poly->text);
	size_t i = 0;
	for (; *p && i < n; i++, p = skip_space(p)) {
		struct tc_cap_point pt;
		if (!poly->points && i > 0 && i + 1 < n && (quick(&p, end) || scan_point(&p, end))) {
			/* on the globe, neither first nor last: nothing to keep */
		} else if (read_point(&p, end, &pt)) {
			note_point(poly, i, n, &pt);
			if (poly->points)
				poly->points[i] = pt;
		} else {
			break;
		}
		if (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			break;
	}
	poly->n_points = i;
	poly->parsed = (i == n && *p == '\0');
	if (poly->first_off_globe == SIZE_MAX)
		poly->first_off_globe = poly->n_points;
}

static void read_circle(struct tc_cap_circle *c)
{
	const char *end = c->text + strlen(c->text);
	const char *p = skip_space(c->text);
	c->parsed = read_point(&p, end, &c->centre) && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r');
	if (!c->parsed)
		return;
	p = skip_space(p);
	c->parsed = read_number(&p, end, &c->radius_km) && *skip_space(p) == '\0';
}

/* --- blocks ------------------------------------------------------------------- */

static void read_area(struct builder *b, const xmlNode *n, const char *path, struct tc_cap_area *ar)
{
	char sub[160];
	size_t i;
	ar->area_desc = child_text(b, n, "areaDesc");
	const char **polys = child_texts(b, n, "polygon", &ar->n_polygons);
	ar->polygons = ar->n_polygons ? tc_arena_calloc(b->arena, ar->n_polygons, sizeof(*ar->polygons)) : NULL;
	for (i = 0; ar->polygons && i < ar->n_polygons && b->rc == TC_OK; i++) {
		ar->polygons[i].text = polys[i] ? polys[i] : "";
		snprintf(sub, sizeof(sub), "%s/polygon[%zu]", path, i);
		read_polygon(b, sub, &ar->polygons[i]);
	}
	const char **circles = child_texts(b, n, "circle", &ar->n_circles);
	ar->circles = ar->n_circles ? tc_arena_calloc(b->arena, ar->n_circles, sizeof(*ar->circles)) : NULL;
	for (i = 0; ar->circles && i < ar->n_circles; i++) {
		ar->circles[i].text = circles[i] ? circles[i] : "";
		read_circle(&ar->circles[i]);
	}
	if ((ar->n_polygons && !ar->polygons) || (ar->n_circles && !ar->circles))
		b->rc = TC_ERR_NOMEM;
	ar->geocodes = child_pairs(b, n, "geocode", &ar->n_geocodes);
	ar->altitude = child_text(b, n, "altitude");
	ar->ceiling = child_text(b, n, "ceiling");
}

static void read_resource(struct builder *b, const xmlNode *n, struct tc_cap_resource *r)
{
	r->resource_desc = child_text(b, n, "resourceDesc");
	r->mime_type = child_text(b, n, "mimeType");
	r->size = child_text(b, n, "size");
	r->uri = child_text(b, n, "uri");
	r->deref_uri = child_text(b, n, "derefUri");
	r->digest = child_text(b, n, "digest");
}

/* Array of the children named name; *count set. */
static void *child_array(struct builder *b, const xmlNode *parent, const char *name, size_t size, size_t *count)
{
	*count = count_children(b, parent, name);
	if (!*count)
		return NULL;
	void *v = tc_arena_calloc(b->arena, *count, size);
	if (!v) {
		b->rc = TC_ERR_NOMEM;
		*count = 0;
	}
	return v;
}

static void read_info(struct builder *b, const xmlNode *n, const char *path, struct tc_cap_info *in)
{
	char sub[128];
	in->language = child_text(b, n, "language");
	in->categories = child_texts(b, n, "category", &in->n_categories);
	in->event = child_text(b, n, "event");
	in->response_types = child_texts(b, n, "responseType", &in->n_response_types);
	in->urgency_text = child_text(b, n, "urgency");
	in->severity_text = child_text(b, n, "severity");
	in->certainty_text = child_text(b, n, "certainty");
	in->audience = child_text(b, n, "audience");
	in->event_codes = child_pairs(b, n, "eventCode", &in->n_event_codes);
	read_time(b, n, "effective", &in->effective);
	read_time(b, n, "onset", &in->onset);
	read_time(b, n, "expires", &in->expires);
	in->sender_name = child_text(b, n, "senderName");
	in->headline = child_text(b, n, "headline");
	in->description = child_text(b, n, "description");
	in->instruction = child_text(b, n, "instruction");
	in->web = child_text(b, n, "web");
	in->contact = child_text(b, n, "contact");
	in->parameters = child_pairs(b, n, "parameter", &in->n_parameters);

	in->resources = child_array(b, n, "resource", sizeof(*in->resources), &in->n_resources);
	size_t i = 0;
	for (const xmlNode *c = n->children; c && i < in->n_resources; c = c->next)
		if (is_cap(b, c, "resource"))
			read_resource(b, c, &in->resources[i++]);

	in->areas = child_array(b, n, "area", sizeof(*in->areas), &in->n_areas);
	i = 0;
	for (const xmlNode *c = n->children; c && i < in->n_areas && b->rc == TC_OK; c = c->next) {
		if (!is_cap(b, c, "area"))
			continue;
		snprintf(sub, sizeof(sub), "%s/area[%zu]", path, i);
		read_area(b, c, sub, &in->areas[i++]);
	}
}


static void read_alert(struct builder *b, const xmlNode *root, struct tc_cap_alert *a)
{
	char sub[64];
	a->identifier = child_text(b, root, "identifier");
	a->sender = child_text(b, root, "sender");
	read_time(b, root, "sent", &a->sent);
	a->status_text = child_text(b, root, "status");
	a->msg_type_text = child_text(b, root, "msgType");
	a->source = child_text(b, root, "source");
	a->scope_text = child_text(b, root, "scope");
	a->restriction = child_text(b, root, "restriction");
	a->addresses = child_text(b, root, "addresses");
	a->codes = child_texts(b, root, "code", &a->n_codes);
	a->note = child_text(b, root, "note");
	a->references = child_text(b, root, "references");
	a->incidents = child_text(b, root, "incidents");
	a->infos = child_array(b, root, "info", sizeof(*a->infos), &a->n_infos);
	size_t i = 0;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (is_cap(b, c, "info") && i < a->n_infos && b->rc == TC_OK) {
			snprintf(sub, sizeof(sub), "alert/info[%zu]", i);
			read_info(b, c, sub, &a->infos[i++]);
		} else if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
			   strcmp((const char *)c->ns->href, TC_XMLDSIG_NS) == 0 &&
			   strcmp((const char *)c->name, "Signature") == 0) {
			a->has_signature = true;
		}
	}
	tc_cap_model_enums(a);
}

enum tc_rc tc_cap_model_build(xmlDocPtr doc, const struct tc_cap_limits *lim, const char *xml,
			      size_t len, bool borrow, struct tc_cap_alert **out, struct tc_diags *d)
{
	struct tc_cap_alert *a = NULL;
	struct builder b = { .lim = lim, .d = d, .borrow = borrow };
	const xmlNode *root = xmlDocGetRootElement(doc);

	*out = NULL;
	enum tc_cap_version v = tc_cap_xml_version(root);
	if (!v)
		return TC_ERR_INVALID;
	b.ns = v == TC_CAP_V1_2 ? TC_CAP_NS_1_2 : v == TC_CAP_V1_1 ? TC_CAP_NS_1_1 : TC_CAP_NS_1_0;
	b.root_ns = root->ns;
	b.arena = tc_arena_new();
	if (!b.arena)
		return TC_ERR_NOMEM;
	a = tc_arena_alloc(b.arena, sizeof(*a));
	const char *copy = b.borrow ? xml : tc_arena_strndup(b.arena, xml, len);
	if (!a || !copy) {
		tc_arena_free(b.arena);
		return TC_ERR_NOMEM;
	}
	a->arena = b.arena;
	a->version = v;
	a->xml = copy;
	a->xml_len = len;
	read_alert(&b, root, a);
	if (b.rc) {
		tc_arena_free(b.arena);
		return b.rc;
	}
	*out = a;
	return TC_OK;
}
