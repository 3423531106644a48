/*
 * tc_sms.c — GSM 7-bit / UCS-2 SMS encoding and concatenation (tc_sms.h).
 *
 * The text is decoded to code points once; each character becomes a unit of
 * one or two septets (GSM: an extension character is ESC + code) or one or
 * two UTF-16 code units (UCS-2: a surrogate pair). Segments are filled with
 * whole units, so neither an escape nor a surrogate pair is ever split.
 * tc_sms_decode reads characters back with the same tables.
 */
#include "tc_sms.h"
#include "tc_utf8.h"

#include <stdlib.h>
#include <string.h>

#define GSM_ESC 0x1B
#define SINGLE_GSM 160
#define SINGLE_UCS2 70

/* The GSM 7-bit default alphabet, indexed by code (3GPP TS 23.038 6.2.1). */
static const uint16_t gsm_basic[128] = {
	'@', 0x00A3, '$', 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, '\n', 0x00D8, 0x00F8, '\r', 0x00C5, 0x00E5,
	0x0394, '_', 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	' ', '!', '"', '#', 0x00A4, '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	0x00A1, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: ESC followed by code (3GPP TS 23.038 6.2.1.1). */
static const struct {
	uint16_t cp;
	uint8_t code;
} gsm_ext[] = {
	{ 0x000C, 0x0A }, { '^', 0x14 }, { '{', 0x28 }, { '}', 0x29 }, { '\\', 0x2F },
	{ '[', 0x3C },    { '~', 0x3D }, { ']', 0x3E }, { '|', 0x40 }, { 0x20AC, 0x65 },
};

const char *tc_sms_encoding_name(enum tc_sms_encoding e)
{
	return e == TC_SMS_UCS2 ? "ucs2" : "gsm7";
}

/* ASCII characters whose GSM code equals their code point. */
static bool gsm_identity(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0x23) || (cp >= 0x25 && cp <= 0x3F) ||
	       (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
}

/* GSM septets for cp into out (1 or 2); 0 when cp has no place in the alphabet. */
static int gsm_of(uint32_t cp, uint8_t out[2])
{
	if (gsm_identity(cp)) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	for (int i = 0; i < 128; i++) {
		if (gsm_basic[i] == cp && i != GSM_ESC) {
			out[0] = (uint8_t)i;
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++) {
		if (gsm_ext[i].cp == cp) {
			out[0] = GSM_ESC;
			out[1] = gsm_ext[i].code;
			return 2;
		}
	}
	return 0;
}

/* One character as it will be written: its septets or UTF-16 units. */
struct unit {
	uint8_t n;        /* 1 or 2 */
	uint16_t v[2];    /* septets (GSM) or UTF-16 code units (UCS-2) */
	uint32_t bytes;   /* length of the character in the UTF-8 input */
};

struct units {
	struct unit *u;
	size_t n;
	enum tc_sms_encoding enc;
};

/* Decode text into units; TC_ERR_INVALID on malformed UTF-8 (*bad_at = byte offset). */
static enum tc_rc make_units(const char *text, size_t len, bool force_ucs2, struct units *out, size_t *bad_at)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	out->u = malloc((len ? len : 1) * sizeof(*out->u));
	out->n = 0;
	out->enc = force_ucs2 ? TC_SMS_UCS2 : TC_SMS_GSM7;
	if (!out->u)
		return TC_ERR_NOMEM;
	/* First pass: code points, and whether GSM 7-bit can carry them all. */
	while (p < end) {
		const unsigned char *start = p;
		int32_t cp = tc_utf8_next(&p, end);
		if (cp < 0) {
			*bad_at = (size_t)(start - (const unsigned char *)text);
			free(out->u);
			out->u = NULL;
			return TC_ERR_INVALID;
		}
		struct unit *u = &out->u[out->n++];
		u->bytes = (uint32_t)(p - start);
		uint8_t g[2];
		int gn = out->enc == TC_SMS_GSM7 ? gsm_of((uint32_t)cp, g) : 0;
		if (gn == 0)
			out->enc = TC_SMS_UCS2;
		/* Keep the code point for now; the second pass sets the final form. */
		u->v[0] = (uint16_t)(cp & 0xFFFF);
		u->v[1] = (uint16_t)(cp >> 16);
	}
	for (size_t i = 0; i < out->n; i++) {
		struct unit *u = &out->u[i];
		uint32_t cp = (uint32_t)u->v[0] | ((uint32_t)u->v[1] << 16);
		if (out->enc == TC_SMS_GSM7) {
			uint8_t g[2];
			u->n = (uint8_t)gsm_of(cp, g);
			u->v[0] = g[0];
			u->v[1] = g[1];
		} else if (cp >= 0x10000) {
			cp -= 0x10000;
			u->n = 2;
			u->v[0] = (uint16_t)(0xD800 | (cp >> 10));
			u->v[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			u->n = 1;
			u->v[0] = (uint16_t)cp;
		}
	}
	return TC_OK;
}

static size_t total_width(const struct units *us)
{
	size_t w = 0;
	for (size_t i = 0; i < us->n; i++)
		w += us->u[i].n;
	return w;
}

/* Capacity of one segment in septets or UTF-16 units. */
static size_t capacity(enum tc_sms_encoding enc, bool concatenated, bool ref16)
{
	if (!concatenated)
		return enc == TC_SMS_GSM7 ? SINGLE_GSM : SINGLE_UCS2;
	if (enc == TC_SMS_GSM7)
		return ref16 ? 152 : 153;
	return ref16 ? 66 : 67;
}

/* Split units into segments: starts[k] is the first unit of segment k. Returns the count. */
static size_t split(const struct units *us, bool ref16, size_t *starts, size_t max)
{
	size_t total = total_width(us);
	if (total <= capacity(us->enc, false, ref16)) {
		starts[0] = 0;
		return 1;
	}
	size_t cap = capacity(us->enc, true, ref16), k = 0, w = 0;
	for (size_t i = 0; i < us->n; i++) {
		if (i == 0 || w + us->u[i].n > cap) {
			if (k == max)
				return max + 1;
			starts[k++] = i;
			w = 0;
		}
		w += us->u[i].n;
	}
	return k;
}

/* Write 7 bits of v at bit position bit of ud (LSB first). */
static void put_septet(uint8_t *ud, size_t bit, uint8_t v)
{
	size_t byte = bit / 8, shift = bit % 8;
	ud[byte] |= (uint8_t)(v << shift);
	if (shift > 1)
		ud[byte + 1] |= (uint8_t)(v >> (8 - shift));
}

static size_t write_udh(uint8_t *ud, const struct tc_sms_options *opt, size_t total, size_t seq)
{
	if (opt->ref16) {
		const uint8_t h[] = { 6, 0x08, 4, (uint8_t)(opt->ref >> 8), (uint8_t)opt->ref, (uint8_t)total, (uint8_t)seq };
		memcpy(ud, h, sizeof(h));
		return sizeof(h);
	}
	const uint8_t h[] = { 5, 0x00, 3, (uint8_t)opt->ref, (uint8_t)total, (uint8_t)seq };
	memcpy(ud, h, sizeof(h));
	return sizeof(h);
}

static void fill_segment(struct tc_sms_segment *s, const struct units *us, size_t from, size_t to,
			 const struct tc_sms_options *opt, size_t total, size_t seq)
{
	memset(s, 0, sizeof(*s));
	if (total > 1)
		s->udh_len = write_udh(s->ud, opt, total, seq);
	s->chars = to - from;
	if (us->enc == TC_SMS_UCS2) {
		size_t o = s->udh_len;
		for (size_t i = from; i < to; i++) {
			for (int k = 0; k < us->u[i].n; k++) {
				s->ud[o++] = (uint8_t)(us->u[i].v[k] >> 8);
				s->ud[o++] = (uint8_t)us->u[i].v[k];
			}
		}
		s->ud_len = s->udl = o;
		return;
	}
	/* GSM 7-bit: the UDH is padded with fill bits to a septet boundary. */
	size_t udh_septets = (s->udh_len * 8 + 6) / 7;
	size_t bit = udh_septets * 7;
	for (size_t i = from; i < to; i++) {
		for (int k = 0; k < us->u[i].n; k++) {
			uint8_t v = (uint8_t)us->u[i].v[k];
			s->septets[s->n_septets++] = v;
			put_septet(s->ud, bit, v);
			bit += 7;
		}
	}
	s->udl = udh_septets + s->n_septets;
	s->ud_len = (bit + 7) / 8;
}

enum tc_rc tc_sms_encode(const char *text, size_t len, const struct tc_sms_options *opt,
			 struct tc_sms_message *out, struct tc_diags *d)
{
	struct tc_sms_options defaults = { 0 };
	struct units us = { 0 };
	size_t starts[TC_SMS_MAX_SEGMENTS + 1], bad_at = 0;
	enum tc_rc rc = TC_OK;

	if (!opt)
		opt = &defaults;
	unsigned max = opt->max_segments && opt->max_segments < TC_SMS_MAX_SEGMENTS ? opt->max_segments
										  : TC_SMS_MAX_SEGMENTS;
	memset(out, 0, sizeof(*out));
	rc = make_units(text, len, opt->force_ucs2, &us, &bad_at);
	if (rc == TC_ERR_INVALID)
		tc_err(d, "sms.utf8", "", "the text is not valid UTF-8 (byte %zu)", bad_at);
	if (rc)
		return rc;
	size_t n = split(&us, opt->ref16, starts, max);
	if (n > max) {
		tc_err(d, "sms.too-long", "", "the text needs more than %u SMS segments", max);
		rc = TC_ERR_LIMIT;
		goto out;
	}
	out->encoding = us.enc;
	out->n_segments = n;
	out->chars = us.n;
	for (size_t k = 0; k < n; k++)
		fill_segment(&out->segments[k], &us, starts[k], k + 1 < n ? starts[k + 1] : us.n, opt, n, k + 1);
out:
	free(us.u);
	return rc;
}

size_t tc_sms_count_segments(const char *text, size_t len, bool ref16, enum tc_sms_encoding *encoding)
{
	struct units us = { 0 };
	size_t bad_at;
	if (make_units(text, len, false, &us, &bad_at))
		return 0;
	size_t total = total_width(&us), n;
	if (total <= capacity(us.enc, false, ref16)) {
		n = 1;
	} else {
		size_t cap = capacity(us.enc, true, ref16), w = 0;
		n = 0;
		for (size_t i = 0; i < us.n; i++) {
			if (i == 0 || w + us.u[i].n > cap) {
				n++;
				w = 0;
			}
			w += us.u[i].n;
		}
	}
	if (encoding)
		*encoding = us.enc;
	free(us.u);
	return n;
}

static bool sentence_end(const char *p, size_t bytes)
{
	static const char *const marks[] = { "。", "！", "？", "；", ".", "!", "?", ";" };
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strlen(marks[i]) == bytes && memcmp(p, marks[i], bytes) == 0)
			return true;
	return false;
}

/* Greedy packing of one encoding, kept as characters are added. */
struct packing {
	size_t total;    /* width so far */
	size_t segments; /* concatenated segments so far */
	size_t fill;     /* width in the last of them */
};

static void pack(struct packing *p, size_t width, size_t cap)
{
	p->total += width;
	if (p->segments == 0 || p->fill + width > cap) {
		p->segments++;
		p->fill = 0;
	}
	p->fill += width;
}

static size_t packed_count(const struct packing *p, size_t single)
{
	return p->total <= single ? 1 : p->segments;
}

size_t tc_sms_fit(const char *text, size_t len, unsigned max_segments, bool ref16)
{
	/*
	 * One walk: every prefix is GSM 7-bit until its first character outside
	 * the alphabet, UCS-2 after; both packings are kept so each prefix's
	 * segment count is known at once.
	 */
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	struct packing gsm = { 0 }, ucs = { 0 };
	bool all_gsm = true;
	size_t keep = 0, sentence_keep = 0;
	while (p < end) {
		const unsigned char *start = p;
		int32_t cp = tc_utf8_next(&p, end);
		if (cp < 0)
			break;
		uint8_t g[2];
		int gw = gsm_of((uint32_t)cp, g);
		all_gsm = all_gsm && gw > 0;
		if (all_gsm)
			pack(&gsm, (size_t)gw, capacity(TC_SMS_GSM7, true, ref16));
		pack(&ucs, cp >= 0x10000 ? 2 : 1, capacity(TC_SMS_UCS2, true, ref16));
		size_t n = all_gsm ? packed_count(&gsm, SINGLE_GSM) : packed_count(&ucs, SINGLE_UCS2);
		if (n > max_segments)
			break;
		keep = (size_t)(p - (const unsigned char *)text);
		if (sentence_end((const char *)start, (size_t)(p - start)))
			sentence_keep = keep;
	}
	if (keep == len)
		return len;
	return sentence_keep ? sentence_keep : keep;
}

/* --- decoding ------------------------------------------------------------------------ */

/* cp as UTF-8 at out + o when it fits with room for a NUL; the new length. */
static size_t put_utf8(uint32_t cp, char *out, size_t o, size_t cap)
{
	uint8_t b[4];
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const uint8_t lead[] = { 0, 0, 0xC0, 0xE0, 0xF0 };
	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		b[i] = (uint8_t)(0x80 | (cp & 0x3F));
	b[0] = (uint8_t)(lead[n] | cp);
	if (o + n >= cap)
		return o;
	memcpy(out + o, b, n);
	return o + n;
}

static uint32_t gsm_ext_cp(uint8_t code)
{
	for (size_t i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++)
		if (gsm_ext[i].code == code)
			return gsm_ext[i].cp;
	return ' ';
}

static size_t decode_gsm7(const uint8_t *c, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t v = c[i] & 0x7F;
		uint32_t cp = v == GSM_ESC && i + 1 < len ? gsm_ext_cp(c[++i] & 0x7F) : v == GSM_ESC ? ' ' : gsm_basic[v];
		o = put_utf8(cp, out, o, cap);
	}
	return o;
}

static size_t decode_ucs2(const uint8_t *c, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t u = (uint32_t)c[i] << 8 | c[i + 1];
		if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
			uint32_t lo = (uint32_t)c[i + 2] << 8 | c[i + 3];
			if (lo >= 0xDC00 && lo < 0xE000) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		o = put_utf8(u >= 0xD800 && u < 0xE000 ? 0xFFFD : u, out, o, cap);
	}
	return o;
}

size_t tc_sms_decode(enum tc_sms_encoding encoding, const uint8_t *chars, size_t len, char *out, size_t cap)
{
	if (!cap)
		return 0;
	size_t o = !chars ? 0 : encoding == TC_SMS_UCS2 ? decode_ucs2(chars, len, out, cap) : decode_gsm7(chars, len, out, cap);
	out[o] = '\0';
	return o;
}
