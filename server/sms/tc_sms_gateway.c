/*
 * tc_sms_gateway.c — the gateway ops table and the messages that cross it
 * (tc_sms_gateway.h): parts made from the text codec's segments, their
 * characters read back as UTF-8, events posted to the owner.
 */
#include "tc_sms_gateway.h"

#include <stdlib.h>
#include <string.h>

#include "tc_log.h"

struct tc_sms_gateway {
	const struct tc_sms_gateway_ops *ops;
	void *impl;
};

static void event_free(void *p)
{
	free(p);
}

void tc_sms_event_post(struct tc_mailbox *mb, int kind, const struct tc_sms_event *ev)
{
	struct tc_mail *m = tc_mail_new(kind, NULL, NULL, 0);
	struct tc_sms_event *copy = malloc(sizeof(*copy));
	if (!m || !copy) {
		free(copy);
		tc_mail_free(m);
		return;
	}
	if (ev)
		*copy = *ev;
	else
		memset(copy, 0, sizeof(*copy));
	m->ptr = copy;
	m->ptr_free = event_free;
	if (tc_mailbox_post(mb, m) != TC_OK)
		tc_log(TC_LOG_WARN, "sms", "the owner's mailbox is full; an SMS event was dropped");
}

const char *tc_sms_gw_mail_name(int kind)
{
	static const char *const names[] = { "up", "down", "submitted", "refused", "receipt", "mo" };
	return kind >= TC_SMS_GW_UP && kind <= TC_SMS_GW_MO ? names[kind - TC_SMS_GW_UP] : "unknown";
}

/* --- parts ------------------------------------------------------------------------------- */

enum tc_rc tc_sms_submit_from_segment(const struct tc_sms_message *m, size_t k, const char *dest, uint64_t ref,
				      struct tc_sms_submit *out)
{
	if (k >= m->n_segments)
		return TC_ERR_INVALID;
	const struct tc_sms_segment *sg = &m->segments[k];
	bool ucs2 = m->encoding == TC_SMS_UCS2;
	const uint8_t *chars = ucs2 ? sg->ud + sg->udh_len : sg->septets; /* UCS-2 is not packed: ud as it is */
	size_t n = ucs2 ? sg->ud_len - sg->udh_len : sg->n_septets;
	if (sg->udh_len + n > sizeof(out->ud))
		return TC_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	out->ref = ref;
	snprintf(out->dest, sizeof(out->dest), "%s", dest);
	out->encoding = m->encoding;
	out->part = (uint8_t)(k + 1);
	out->parts = (uint8_t)m->n_segments;
	out->udh_len = sg->udh_len;
	memcpy(out->ud, sg->ud, sg->udh_len);
	memcpy(out->ud + sg->udh_len, chars, n);
	out->ud_len = sg->udh_len + n;
	return TC_OK;
}

/* The GSM 7-bit default alphabet (3GPP TS 23.038) as UTF-8. */
static const char *const gsm7[128] = {
	"@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
	"Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", " ", "Æ", "æ", "ß", "É",
	" ", "!", "\"", "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
	"¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
	"P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
	"¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
	"p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
};

static const char *gsm7_ext(uint8_t c)
{
	switch (c) {
	case 0x0A: return "\f";
	case 0x14: return "^";
	case 0x28: return "{";
	case 0x29: return "}";
	case 0x2F: return "\\";
	case 0x3C: return "[";
	case 0x3D: return "~";
	case 0x3E: return "]";
	case 0x40: return "|";
	case 0x65: return "€";
	default: return " ";
	}
}

static size_t put_cp(uint32_t cp, char *out, size_t o, size_t cap)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (o + n >= cap)
		return o;
	memcpy(out + o, b, n);
	return o + n;
}

static size_t put_str(const char *s, char *out, size_t o, size_t cap)
{
	size_t n = strlen(s);
	if (o + n >= cap)
		return o;
	memcpy(out + o, s, n);
	return o + n;
}

static size_t ucs2_text(const uint8_t *c, size_t len, char *out, size_t cap)
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
		if (u >= 0xD800 && u < 0xE000)
			u = 0xFFFD;
		o = put_cp(u, out, o, cap);
	}
	return o;
}

static size_t gsm7_text(const uint8_t *c, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t v = c[i] & 0x7F;
		if (v == 0x1B && i + 1 < len)
			o = put_str(gsm7_ext(c[++i] & 0x7F), out, o, cap);
		else
			o = put_str(gsm7[v], out, o, cap);
	}
	return o;
}

size_t tc_sms_gateway_text(enum tc_sms_encoding encoding, const uint8_t *chars, size_t len, char *out, size_t cap)
{
	if (!cap)
		return 0;
	size_t o = encoding == TC_SMS_UCS2 ? ucs2_text(chars, len, out, cap) : gsm7_text(chars, len, out, cap);
	out[o] = '\0';
	return o;
}

/* --- the table ---------------------------------------------------------------------- */

struct tc_sms_gateway *tc_sms_gateway_new(const struct tc_sms_gateway_ops *ops, void *impl)
{
	struct tc_sms_gateway *g = calloc(1, sizeof(*g));
	if (!g) {
		ops->stop(impl);
		return NULL;
	}
	g->ops = ops;
	g->impl = impl;
	return g;
}

void tc_sms_gateway_stop(struct tc_sms_gateway *g)
{
	if (!g)
		return;
	g->ops->stop(g->impl);
	free(g);
}

enum tc_rc tc_sms_gateway_submit(struct tc_sms_gateway *g, const struct tc_sms_submit *m)
{
	return g->ops->submit(g->impl, m);
}

bool tc_sms_gateway_up(const struct tc_sms_gateway *g)
{
	return g && g->ops->up(g->impl);
}

size_t tc_sms_gateway_pending(const struct tc_sms_gateway *g)
{
	return g ? g->ops->pending(g->impl) : 0;
}

const char *tc_sms_gateway_name(const struct tc_sms_gateway *g)
{
	return g ? g->ops->name : "none";
}

void tc_sms_gateway_metrics(const struct tc_sms_gateway *g, FILE *f)
{
	if (g)
		g->ops->metrics(g->impl, f);
}

void tc_sms_gateway_answer(struct tc_sms_gateway *g, const struct tc_sms_event *ev)
{
	if (g && g->ops->answer && ev && ev->answer)
		g->ops->answer(g->impl, ev->answer);
}
