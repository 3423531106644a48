/*
 * tc_sms_track.c — the per-recipient SMS state table, receipts and replies
 * (tc_sms_track.h). Pure: no I/O.
 */
#include "tc_sms_track.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const state_names[] = { TC_SMS_STATE_NAMES };

const char *tc_sms_state_name(enum tc_sms_state s)
{
	return (unsigned)s < TC_SMS_N_STATES ? state_names[s] : "unknown";
}

enum tc_rc tc_sms_state_parse(const char *name, enum tc_sms_state *out)
{
	for (int i = 0; i < TC_SMS_N_STATES; i++)
		if (!strcmp(name, state_names[i])) {
			*out = (enum tc_sms_state)i;
			return TC_OK;
		}
	return TC_ERR_INVALID;
}

bool tc_sms_state_final(enum tc_sms_state s)
{
	return s == TC_SMS_DELIVERED || s == TC_SMS_UNDELIVERABLE || s == TC_SMS_REJECTED || s == TC_SMS_EXPIRED;
}

const char *tc_sms_sevent_name(enum tc_sms_sevent e)
{
	static const char *const names[] = { "all-submitted", "refused", "delivered", "undeliverable",
					     "expired", "rejected", "timeout" };
	return (unsigned)e < TC_SMS_N_EVENTS ? names[e] : "unknown";
}

/* next[state][event]; -1: refused */
static const signed char next_of[TC_SMS_N_STATES][TC_SMS_N_EVENTS] = {
	/*                  all-sub           refused          delivered          undeliv               expired          rejected          timeout */
	[TC_SMS_QUEUED] = { TC_SMS_SUBMITTED, TC_SMS_REJECTED, -1, -1, -1, -1, -1 },
	[TC_SMS_SUBMITTED] = { -1, TC_SMS_REJECTED, TC_SMS_DELIVERED, TC_SMS_UNDELIVERABLE, TC_SMS_EXPIRED,
			       TC_SMS_REJECTED, TC_SMS_NO_RECEIPT },
	[TC_SMS_DELIVERED] = { -1, -1, -1, -1, -1, -1, -1 },
	[TC_SMS_UNDELIVERABLE] = { -1, -1, -1, -1, -1, -1, -1 },
	[TC_SMS_REJECTED] = { -1, -1, -1, -1, -1, -1, -1 },
	[TC_SMS_EXPIRED] = { -1, -1, -1, -1, -1, -1, -1 },
	[TC_SMS_NO_RECEIPT] = { -1, -1, TC_SMS_DELIVERED, TC_SMS_UNDELIVERABLE, TC_SMS_EXPIRED, TC_SMS_REJECTED, -1 },
};

bool tc_sms_next(enum tc_sms_state st, enum tc_sms_sevent ev, enum tc_sms_state *next)
{
	*next = st;
	if ((unsigned)st >= TC_SMS_N_STATES || (unsigned)ev >= TC_SMS_N_EVENTS || next_of[st][ev] < 0)
		return false;
	*next = (enum tc_sms_state)next_of[st][ev];
	return true;
}

/* --- receipts -------------------------------------------------------------------- */

/* The value after "name:" in text (a word up to white space), copied to out; false when absent. */
static bool field(const char *text, size_t len, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name);
	for (size_t i = 0; i + k < len; i++) {
		if ((i && !isspace((unsigned char)text[i - 1])) || strncasecmp(text + i, name, k) != 0 ||
		    text[i + k] != ':')
			continue;
		size_t from = i + k + 1, n = 0;
		while (from + n < len && text[from + n] && !isspace((unsigned char)text[from + n]))
			n++;
		if (n >= cap)
			n = cap - 1;
		memcpy(out, text + from, n);
		out[n] = '\0';
		return n > 0;
	}
	return false;
}

static const char *state_stat(int message_state)
{
	static const char *const names[] = { NULL, "ENROUTE", "DELIVRD", "EXPIRED", "DELETED",
					     "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD" };
	return message_state >= 1 && message_state <= 8 ? names[message_state] : NULL;
}

enum tc_rc tc_sms_receipt_parse(const char *text, size_t len, const char *tlv_id, int tlv_state,
				struct tc_sms_receipt *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		len = 0;
	if (tlv_id && *tlv_id)
		snprintf(out->id, sizeof(out->id), "%s", tlv_id);
	else if (len)
		field(text, len, "id", out->id, sizeof(out->id));
	const char *st = state_stat(tlv_state);
	if (st)
		snprintf(out->stat, sizeof(out->stat), "%s", st);
	else if (len && field(text, len, "stat", out->stat, sizeof(out->stat)))
		for (char *p = out->stat; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	if (len)
		field(text, len, "err", out->err, sizeof(out->err));
	return out->id[0] && out->stat[0] ? TC_OK : TC_ERR_INVALID;
}

bool tc_sms_receipt_event(const char *stat, enum tc_sms_sevent *out)
{
	static const struct { const char *stat; enum tc_sms_sevent ev; } map[] = {
		{ "DELIVRD", TC_SMS_EV_DELIVERED }, { "UNDELIV", TC_SMS_EV_UNDELIVERABLE },
		{ "DELETED", TC_SMS_EV_UNDELIVERABLE }, { "UNKNOWN", TC_SMS_EV_UNDELIVERABLE },
		{ "EXPIRED", TC_SMS_EV_EXPIRED }, { "REJECTD", TC_SMS_EV_REJECTED },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(stat, map[i].stat)) {
			*out = map[i].ev;
			return true;
		}
	return false;
}

const char *tc_sms_reply_name(enum tc_sms_reply r)
{
	static const char *const names[] = { "none", "ack", "ack-code" };
	return (unsigned)r <= TC_SMS_REPLY_ACK_CODE ? names[r] : "unknown";
}

/* --- replies ------------------------------------------------------------------------ */

/* Fold text: full-width ASCII (U+FF01..U+FF5E) to ASCII, U+3000 to a space, ASCII upper case. */
static size_t fold(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < cap;) {
		const unsigned char *p = (const unsigned char *)in + i;
		if (p[0] == 0xEF && i + 2 < len && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80 && p[2] <= 0xBF) {
			unsigned cp = 0xFF00u + ((p[1] & 0x03u) << 6) + (p[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				out[o++] = (char)toupper((int)(cp - 0xFF01 + 0x21));
				i += 3;
				continue;
			}
		}
		if (p[0] == 0xE3 && i + 2 < len && p[1] == 0x80 && p[2] == 0x80) {
			out[o++] = ' ';
			i += 3;
			continue;
		}
		out[o++] = (char)toupper(p[0]);
		i++;
	}
	out[o] = '\0';
	return o;
}

static bool is_word_ack(const char *w)
{
	static const char *const words[] = { "1", "收到", "确认", "已收到", "OK", "ACK", "Y", "YES", "好", NULL };
	for (int i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* Trailing and leading punctuation and spaces (ASCII, and 。！，). */
static void trim(char *s)
{
	static const char *const marks[] = { "。", "！", "，", "、", NULL };
	size_t n = strlen(s), start = 0;
	bool again = true;
	while (again) {
		again = false;
		while (n > start && (isspace((unsigned char)s[n - 1]) || ispunct((unsigned char)s[n - 1])))
			n--, again = true;
		while (start < n && (isspace((unsigned char)s[start]) || ispunct((unsigned char)s[start])))
			start++, again = true;
		for (int i = 0; marks[i]; i++) {
			size_t k = strlen(marks[i]);
			if (n - start >= k && !memcmp(s + n - k, marks[i], k))
				n -= k, again = true;
		}
	}
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

enum tc_sms_reply tc_sms_reply_parse(const char *text, size_t len, char code[9])
{
	char buf[256], word[256];
	code[0] = '\0';
	if (!text || len == 0 || len > 200)
		return TC_SMS_REPLY_NONE;
	fold(text, len, buf, sizeof(buf));
	trim(buf);
	if (is_word_ack(buf))
		return TC_SMS_REPLY_ACK;
	/* a word, spaces (or none before the digits), then 4..8 digits */
	size_t n = strlen(buf), d = n;
	while (d > 0 && isdigit((unsigned char)buf[d - 1]))
		d--;
	size_t digits = n - d;
	if (digits < 4 || digits > 8 || d == 0)
		return TC_SMS_REPLY_NONE;
	size_t w = d;
	while (w > 0 && (isspace((unsigned char)buf[w - 1]) || buf[w - 1] == ':' || buf[w - 1] == '#'))
		w--;
	memcpy(word, buf, w);
	word[w] = '\0';
	trim(word);
	if (!is_word_ack(word))
		return TC_SMS_REPLY_NONE;
	memcpy(code, buf + d, digits);
	code[digits] = '\0';
	return TC_SMS_REPLY_ACK_CODE;
}
