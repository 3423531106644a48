/*
 * tc_zh.c — Chinese normalisation for speech (tc_zh.h).
 *
 * Two passes over the text:
 *  1. symbols and numbers: URLs and emoji are dropped, brackets become
 *     pauses, quotes vanish; numbers are written in words with their
 *     context — a year digit by digit, a clock time as 时/分, a range with
 *     到, a decimal with 点, a percentage as 百分之, a telephone number
 *     digit by digit — and the unit after a number is spelled out;
 *  2. the lexicon: the longest lexicon word at each position is replaced
 *     by its pinyin, so polyphones are read as the bulletin means them.
 */
#include "tc_zh.h"
#include "tc_file.h"
#include "tc_zh_read.h"
#include "tc_utf8.h"
#include "tc_vec.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growable string --------------------------------------------------------- */

/* Once an addition fails the rest are not made, and the text is refused. */
struct buf {
	struct tc_vec t; /* bytes, a C string once anything was added; NULL until then */
	bool failed;
};

#define BUF_EMPTY { .t = TC_VEC_OF(char) }

static void put(struct buf *b, const char *s, size_t n)
{
	if (!b->failed && tc_vec_append_text(&b->t, s, n))
		b->failed = true;
}

/* Whether the text so far ends with s. */
static bool ends_with(const struct buf *b, const char *s)
{
	size_t n = strlen(s);
	return b->t.n >= n && memcmp((const char *)b->t.v + b->t.n - n, s, n) == 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* --- UTF-8 --------------------------------------------------------------------- */

/* Code point at s (length in *n); -1 on malformed input. */
static int32_t cp_at(const char *s, size_t avail, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	int32_t cp = tc_utf8_next(&p, p + avail);
	*n = cp < 0 ? 1 : (size_t)(p - (const unsigned char *)s);
	return cp;
}

static bool is_cjk(int32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

static bool is_emoji(int32_t cp)
{
	return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) || cp == 0xFE0F ||
	       cp == 0x200D || (cp >= 0x1F1E6 && cp <= 0x1F1FF);
}

/* A digit, ASCII or full-width; its value, or -1. */
static int digit_at(const char *s, size_t avail, size_t *n)
{
	int32_t cp = avail ? cp_at(s, avail, n) : -1;
	if (cp >= '0' && cp <= '9')
		return cp - '0';
	if (cp >= 0xFF10 && cp <= 0xFF19)
		return cp - 0xFF10;
	return -1;
}

/* --- numerals ------------------------------------------------------------------ */

static const char *const zh_digit[] = { "零", "一", "二", "三", "四", "五", "六", "七", "八", "九" };

/* A number below 10,000; lead says whether it starts the whole number. */
static void section(unsigned v, bool lead, bool two_as_liang, struct buf *b)
{
	static const char *const units[] = { "千", "百", "十", "" };
	static const unsigned div[] = { 1000, 100, 10, 1 };
	bool started = false, zero_pending = false;
	for (int i = 0; i < 4; i++) {
		unsigned d = (v / div[i]) % 10;
		if (d == 0) {
			zero_pending = started;
			continue;
		}
		if (zero_pending || (!started && !lead && i > 0))
			puts_(b, "零");
		zero_pending = false;
		if (!(d == 1 && i == 2 && !started && lead)) /* 十二, not 一十二 */
			puts_(b, d == 2 && i == 0 && two_as_liang ? "两" : zh_digit[d]);
		puts_(b, units[i]);
		started = true;
	}
}

static void number_words(unsigned long long n, struct buf *b)
{
	static const char *const big[] = { "", "万", "亿", "万亿" };
	unsigned parts[4];
	int k = 0;
	if (n == 0) {
		puts_(b, "零");
		return;
	}
	for (; n && k < 4; k++, n /= 10000)
		parts[k] = (unsigned)(n % 10000);
	bool lead = true;
	for (int i = k - 1; i >= 0; i--) {
		if (parts[i] == 0) {
			continue;
		}
		if (!lead && parts[i] < 1000)
			puts_(b, "零");
		if (parts[i] == 2 && i > 0)
			puts_(b, lead ? "两" : "二");
		else
			section(parts[i], true, lead, b);
		puts_(b, big[i]);
		lead = false;
	}
	/* "零" may have been emitted before a section that section() also prefixes; harmless but rare. */
}

void tc_zh_number(unsigned long long n, char *out, size_t len)
{
	struct buf b = BUF_EMPTY;
	number_words(n, &b);
	snprintf(out, len, "%s", b.failed || !b.t.v ? "" : (const char *)b.t.v);
	tc_vec_free(&b.t);
}

/* --- pass 1: symbols and numbers ------------------------------------------------ */

struct number {
	char digits[32];  /* integer part, ASCII */
	size_t n_digits;
	char frac[16];    /* decimals, ASCII */
	size_t n_frac;
	size_t bytes;     /* consumed from the text */
};

/* Read digits[.digits] at s; false when no digit is there. */
static bool read_number(const char *s, size_t avail, struct number *num)
{
	size_t n, i = 0;
	int d;
	memset(num, 0, sizeof(*num));
	while (i < avail && (d = digit_at(s + i, avail - i, &n)) >= 0) {
		if (num->n_digits + 1 < sizeof(num->digits))
			num->digits[num->n_digits++] = (char)('0' + d);
		i += n;
	}
	if (!num->n_digits)
		return false;
	if (i + 1 < avail && s[i] == '.' && digit_at(s + i + 1, avail - i - 1, &n) >= 0) {
		i++;
		while (i < avail && (d = digit_at(s + i, avail - i, &n)) >= 0) {
			if (num->n_frac + 1 < sizeof(num->frac))
				num->frac[num->n_frac++] = (char)('0' + d);
			i += n;
		}
	}
	num->bytes = i;
	return true;
}

static void digits_one_by_one(const char *digits, size_t n, bool phone, struct buf *b)
{
	for (size_t i = 0; i < n; i++)
		puts_(b, phone && digits[i] == '1' ? "幺" : zh_digit[digits[i] - '0']);
}

/* A telephone or code-like number: read digit by digit. */
static bool is_code_like(const struct number *num)
{
	return !num->n_frac && (num->n_digits >= 7 || (num->n_digits > 1 && num->digits[0] == '0'));
}

/* Whether text starts with a unit of time or date ("03时" is three o'clock, not a code). */
static bool time_unit_at(const char *s, size_t avail)
{
	static const char *const units[] = { "时", "分", "秒", "日", "月", "点", "号" };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i]);
		if (avail >= n && memcmp(s, units[i], n) == 0)
			return true;
	}
	return false;
}

static void say_number(const struct number *num, struct buf *b)
{
	if (is_code_like(num)) {
		digits_one_by_one(num->digits, num->n_digits, true, b);
		return;
	}
	number_words(strtoull(num->digits, NULL, 10), b);
	if (num->n_frac) {
		puts_(b, "点");
		digits_one_by_one(num->frac, num->n_frac, false, b);
	}
}

static bool starts_with(const char *s, size_t avail, const char *prefix)
{
	size_t n = strlen(prefix);
	return avail >= n && memcmp(s, prefix, n) == 0;
}

/* Units written after a number, longest first, with what is said. */
static const struct {
	const char *text, *say;
	bool ascii; /* must not be followed by an ASCII letter */
} units[] = {
	{ "km/h", "公里每小时", true }, { "m/s", "米每秒", true },   { "mm/h", "毫米每小时", true },
	{ "hPa", "百帕", true },         { "mm", "毫米", true },       { "cm", "厘米", true },
	{ "km", "公里", true },          { "m", "米", true },          { "℃", "摄氏度", false },
	{ "°C", "摄氏度", false },       { "°", "度", false },
};

/* The unit at s, if any: what to say, and *len bytes consumed. */
static const char *unit_at(const char *s, size_t avail, size_t *len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].text);
		if (!starts_with(s, avail, units[i].text))
			continue;
		if (units[i].ascii && n < avail && isalpha((unsigned char)s[n]))
			continue;
		*len = n;
		return units[i].say;
	}
	return NULL;
}

/* Range marks between two numbers. */
static size_t range_mark(const char *s, size_t avail)
{
	static const char *const marks[] = { "～", "~", "〜", "－", "—", "-" };
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (starts_with(s, avail, marks[i]))
			return strlen(marks[i]);
	return 0;
}

/* 2026-08-12: a date. Returns bytes consumed, 0 when not a date. */
static size_t iso_date(const char *s, size_t avail, struct buf *b)
{
	struct number y, m, d;
	if (!read_number(s, avail, &y) || y.n_digits != 4 || y.n_frac || y.bytes >= avail || s[y.bytes] != '-')
		return 0;
	size_t at = y.bytes + 1;
	if (!read_number(s + at, avail - at, &m) || m.n_digits > 2 || m.n_frac || at + m.bytes >= avail ||
	    s[at + m.bytes] != '-')
		return 0;
	at += m.bytes + 1;
	if (!read_number(s + at, avail - at, &d) || d.n_digits > 2 || d.n_frac)
		return 0;
	digits_one_by_one(y.digits, 4, false, b);
	puts_(b, "年");
	number_words(strtoull(m.digits, NULL, 10), b);
	puts_(b, "月");
	number_words(strtoull(d.digits, NULL, 10), b);
	puts_(b, "日");
	return at + d.bytes;
}

/* 14:30 → 十四时三十分. Returns bytes consumed, 0 when not a time. */
static size_t clock_time(const struct number *h, const char *s, size_t avail, struct buf *b)
{
	struct number m;
	size_t at = h->bytes;
	if (h->n_frac || h->n_digits > 2 || at + 1 >= avail || (s[at] != ':' && !starts_with(s + at, avail - at, "：")))
		return 0;
	at += s[at] == ':' ? 1 : strlen("：");
	if (!read_number(s + at, avail - at, &m) || m.n_digits != 2 || m.n_frac)
		return 0;
	unsigned hh = (unsigned)strtoul(h->digits, NULL, 10), mm = (unsigned)strtoul(m.digits, NULL, 10);
	if (hh > 24 || mm > 59)
		return 0;
	number_words(hh, b);
	puts_(b, "时");
	if (mm) {
		number_words(mm, b);
		puts_(b, "分");
	}
	return at + m.bytes;
}

/* Words after which a number is dialled, so read digit by digit (拨打12121). */
static bool after_dial_word(const struct buf *b)
{
	static const char *const words[] = { "拨打", "电话", "热线", "号码", "致电", "短信" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ends_with(b, words[i]))
			return true;
	return false;
}

/* A number at s and what follows it; returns bytes consumed. */
static size_t number_token(const char *s, size_t avail, struct buf *b)
{
	struct number num;
	size_t used = iso_date(s, avail, b);
	if (used)
		return used;
	read_number(s, avail, &num);
	used = clock_time(&num, s, avail, b);
	if (used)
		return used;
	used = num.bytes;
	const char *rest = s + used;
	size_t left = avail - used;
	if (!num.n_frac && num.n_digits <= 2 && time_unit_at(rest, left)) {
		number_words(strtoull(num.digits, NULL, 10), b); /* 03时 → 三时 */
		return used;
	}
	if (!num.n_frac && (after_dial_word(b) || (ends_with(b, " ") && is_code_like(&num)))) {
		size_t mark = range_mark(rest, left), n;
		digits_one_by_one(num.digits, num.n_digits, true, b);
		if (mark && digit_at(rest + mark, left - mark, &n) >= 0) {
			puts_(b, " "); /* 022-25201234: a pause between the groups */
			return used + mark;
		}
		return used;
	}
	if (num.n_digits == 4 && !num.n_frac && starts_with(rest, left, "年")) {
		digits_one_by_one(num.digits, 4, false, b); /* 二零二六年 */
		return used;
	}
	if (starts_with(rest, left, "%") || starts_with(rest, left, "％")) {
		puts_(b, "百分之");
		say_number(&num, b);
		return used + (rest[0] == '%' ? 1 : strlen("％"));
	}
	size_t n;
	if (!num.n_frac && num.n_digits <= 2 && (starts_with(rest, left, ".") || starts_with(rest, left, "．"))) {
		size_t dot = rest[0] == '.' ? 1 : strlen("．");
		int32_t after = dot < left ? cp_at(rest + dot, left - dot, &n) : 0;
		if (is_cjk(after)) { /* a list item: "1.政府" → "一、政府" */
			say_number(&num, b);
			puts_(b, "、");
			return used + dot;
		}
	}
	say_number(&num, b);
	size_t mark = range_mark(rest, left);
	if (mark && is_code_like(&num) && digit_at(rest + mark, left - mark, &n) >= 0) {
		puts_(b, " "); /* 022-25201234: a pause between the groups */
		return used + mark;
	}
	if (mark && !is_code_like(&num) && digit_at(rest + mark, left - mark, &n) >= 0) {
		struct number next;
		read_number(rest + mark, left - mark, &next);
		if (!is_code_like(&next)) {
			puts_(b, "到");
			return used + mark; /* the next number is read on its own */
		}
	}
	const char *say = unit_at(rest, left, &n);
	if (say) {
		puts_(b, say);
		used += n;
	}
	return used;
}

static bool ends_with_pause(const struct buf *b)
{
	static const char *const pauses[] = { "，", "。", "、", "；", "：", "！", "？", " " };
	for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++)
		if (ends_with(b, pauses[i]))
			return true;
	return b->t.n == 0;
}

/* Brackets become pauses; quotes disappear. Returns true when cp was one of them. */
static bool punctuation(int32_t cp, struct buf *b)
{
	static const int32_t pause[] = { 0xFF08, 0xFF09, '(', ')', 0x3010, 0x3011, '[', ']', 0x300A, 0x300B, 0x3014, 0x3015 };
	static const int32_t drop[] = { 0x201C, 0x201D, '"', 0x2018, 0x2019, 0x300C, 0x300D, 0x300E, 0x300F };
	for (size_t i = 0; i < sizeof(pause) / sizeof(pause[0]); i++) {
		if (pause[i] == cp) {
			if (!ends_with_pause(b))
				puts_(b, "，");
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (drop[i] == cp)
			return true;
	return false;
}

/* Length of a URL at s, 0 when none. */
static size_t url_at(const char *s, size_t avail)
{
	if (!starts_with(s, avail, "http://") && !starts_with(s, avail, "https://") && !starts_with(s, avail, "www."))
		return 0;
	size_t i = 0;
	while (i < avail && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

static enum tc_rc symbols_and_numbers(const char *text, struct buf *b, struct tc_diags *d)
{
	size_t len = strlen(text), i = 0, n;
	int32_t prev = 0;
	while (i < len) {
		size_t skip = url_at(text + i, len - i);
		if (skip) {
			i += skip;
			continue;
		}
		if (digit_at(text + i, len - i, &n) >= 0) {
			i += number_token(text + i, len - i, b);
			prev = '0';
			continue;
		}
		int32_t cp = cp_at(text + i, len - i, &n);
		if (cp < 0) {
			tc_err(d, "speech.utf8", "", "the text is not valid UTF-8 (byte %zu)", i);
			return TC_ERR_INVALID;
		}
		size_t next_n;
		int32_t next = i + n < len ? cp_at(text + i + n, len - i - n, &next_n) : 0;
		if (is_emoji(cp) || punctuation(cp, b)) {
			/* dropped or turned into a pause */
		} else if (cp == '/' && is_cjk(prev) && is_cjk(next)) {
			puts_(b, "每"); /* 米/秒 → 米每秒 */
		} else if (cp == 0x2103) {
			puts_(b, "摄氏度");
		} else {
			put(b, text + i, n);
		}
		prev = cp;
		i += n;
	}
	return TC_OK;
}

/* --- the lexicon ---------------------------------------------------------------- */

struct entry {
	char *word, *pinyin;
	const char *origin; /* the name of the text it came from (one of the lexicon's origins) */
	size_t seq;         /* insertion order: the later of two equal words wins */
};

struct tc_lexicon {
	struct tc_vec e;       /* struct entry, sorted by word, no duplicates, between calls */
	struct tc_vec origins; /* char *: names of the texts added, owned */
	size_t max_word;       /* bytes */
	size_t next_seq;
};

struct tc_lexicon *tc_lexicon_new(void)
{
	struct tc_lexicon *lex = calloc(1, sizeof(*lex));
	if (lex) {
		tc_vec_init(&lex->e, sizeof(struct entry));
		tc_vec_init(&lex->origins, sizeof(char *));
	}
	return lex;
}

void tc_lexicon_free(struct tc_lexicon *lex)
{
	if (!lex)
		return;
	struct entry *e = lex->e.v;
	for (size_t i = 0; i < lex->e.n; i++) {
		free(e[i].word);
		free(e[i].pinyin);
	}
	tc_vec_free(&lex->e);
	char **o = lex->origins.v;
	for (size_t i = 0; i < lex->origins.n; i++)
		free(o[i]);
	tc_vec_free(&lex->origins);
	free(lex);
}

size_t tc_lexicon_size(const struct tc_lexicon *lex)
{
	return lex ? lex->e.n : 0;
}

static int by_word_then_seq(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->word, y->word);
	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Sort, and of equal words keep the one added last. */
static void sort_unique(struct tc_lexicon *lex)
{
	struct entry *e = lex->e.v;
	size_t n = lex->e.n, w = 0;
	if (!n)
		return;
	qsort(e, n, sizeof(*e), by_word_then_seq);
	for (size_t r = 0; r < n; r++) {
		if (r + 1 < n && strcmp(e[r].word, e[r + 1].word) == 0) {
			free(e[r].word);
			free(e[r].pinyin);
			continue;
		}
		e[w++] = e[r];
	}
	lex->e.n = w;
}

/* "chang3 suo3": syllables of letters (ü allowed) each ending in a tone digit 1-5. */
static bool pinyin_ok(const char *p)
{
	bool in_syllable = false;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p == ' ') {
			if (in_syllable)
				return false; /* a syllable without its tone */
			continue;
		}
		if (*p >= '1' && *p <= '5') {
			if (!in_syllable)
				return false;
			in_syllable = false;
		} else if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80) {
			in_syllable = true;
		} else {
			return false;
		}
	}
	return !in_syllable;
}

/* Whether a word written only in Hanzi has as many syllables as characters (other words are not checked). */
static bool syllable_per_character(const char *word, const char *pinyin)
{
	size_t chars = 0, syllables = 0, len = strlen(word), n;
	for (size_t i = 0; i < len; i += n, chars++)
		if (!is_cjk(cp_at(word + i, len - i, &n)))
			return true;
	for (const char *p = pinyin; *p; p++)
		syllables += *p >= '1' && *p <= '5';
	return chars == syllables;
}

/* Split "word<TAB>pinyin" at line; false (with a message in why) when malformed. */
static bool parse_line(char *line, char **word, char **pinyin, const char **why)
{
	char *tab = strchr(line, '\t');
	if (!tab) {
		*why = "expected word<TAB>pinyin";
		return false;
	}
	*tab = '\0';
	*word = line;
	*pinyin = tab + 1;
	size_t n = strlen(*pinyin);
	while (n && ((*pinyin)[n - 1] == ' ' || (*pinyin)[n - 1] == '\r'))
		(*pinyin)[--n] = '\0';
	if (!**word) {
		*why = "the word is empty";
		return false;
	}
	if (!pinyin_ok(*pinyin)) {
		*why = "pinyin must be syllables with tone numbers 1-5, separated by spaces (chang3 suo3)";
		return false;
	}
	if (!syllable_per_character(*word, *pinyin)) {
		*why = "a word of Hanzi needs one syllable per character";
		return false;
	}
	return true;
}

static enum tc_rc add_entry(struct tc_lexicon *lex, const char *word, const char *pinyin, const char *origin)
{
	struct entry en = { strdup(word), strdup(pinyin), origin, lex->next_seq++ };
	struct entry *slot = en.word && en.pinyin ? tc_vec_push(&lex->e) : NULL;
	if (!slot) {
		free(en.word);
		free(en.pinyin);
		return TC_ERR_NOMEM;
	}
	*slot = en;
	if (strlen(word) > lex->max_word)
		lex->max_word = strlen(word);
	return TC_OK;
}

enum tc_rc tc_lexicon_add_tsv(struct tc_lexicon *lex, const char *text, size_t len, const char *name,
			      struct tc_diags *d)
{
	char *copy = malloc(len + 1);
	enum tc_rc rc = TC_OK;
	if (!copy)
		return TC_ERR_NOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	char *origin = strdup(name), **slot = origin ? tc_vec_push(&lex->origins) : NULL;
	if (!slot) {
		free(origin);
		free(copy);
		return TC_ERR_NOMEM;
	}
	*slot = origin;
	/* First check every line, so a bad file adds nothing. */
	for (int pass = 0; pass < 2 && rc == TC_OK; pass++) {
		char *save = NULL, *scratch = strdup(copy);
		if (!scratch) {
			rc = TC_ERR_NOMEM;
			break;
		}
		int line_no = 0;
		for (char *line = strtok_r(scratch, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line_no++;
			char *word, *pinyin;
			const char *why;
			if (line[0] == '#' || line[strspn(line, " \t\r")] == '\0')
				continue;
			if (!parse_line(line, &word, &pinyin, &why)) {
				tc_err(d, "lexicon.line", name, "%s, line %d: %s", name, line_no, why);
				rc = TC_ERR_INVALID;
			} else if (pass == 1) {
				rc = add_entry(lex, word, pinyin, origin);
				if (rc)
					break;
			}
		}
		free(scratch);
	}
	free(copy);
	sort_unique(lex);
	return rc;
}

enum tc_rc tc_lexicon_add_file(struct tc_lexicon *lex, const char *path, struct tc_diags *d)
{
	char *text = NULL;
	size_t len = 0;
	int err = tc_file_read(path, 64u << 20, &text, &len);
	if (err) {
		tc_err(d, "lexicon.io", path, "cannot read the lexicon %s: %s", path, strerror(err));
		return err == ENOMEM ? TC_ERR_NOMEM : TC_ERR_IO;
	}
	enum tc_rc rc = tc_lexicon_add_tsv(lex, text, len, path, d);
	free(text);
	return rc;
}

extern const unsigned char tc_zh_lexicon_builtin[];
extern const size_t tc_zh_lexicon_builtin_len;

enum tc_rc tc_lexicon_add_builtin(struct tc_lexicon *lex, struct tc_diags *d)
{
	return tc_lexicon_add_tsv(lex, (const char *)tc_zh_lexicon_builtin, tc_zh_lexicon_builtin_len,
				  "built-in lexicon", d);
}

/* Index of the first entry not below s[0..n) (memcmp order, shorter first). */
static size_t lower_bound(const struct tc_lexicon *lex, const char *s, size_t n)
{
	const struct entry *e = lex->e.v;
	size_t lo = 0, hi = lex->e.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, k = strlen(e[mid].word);
		int c = memcmp(e[mid].word, s, k < n ? k : n);
		if (c < 0 || (c == 0 && k < n))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *tc_lexicon_find(const struct tc_lexicon *lex, const char *s, size_t n, const char **origin)
{
	if (!lex || !n)
		return NULL;
	size_t i = lower_bound(lex, s, n);
	const struct entry *e = lex->e.v;
	if (i == lex->e.n || strlen(e[i].word) != n || memcmp(e[i].word, s, n) != 0)
		return NULL;
	if (origin)
		*origin = e[i].origin;
	return e[i].pinyin;
}

bool tc_lexicon_has_prefix(const struct tc_lexicon *lex, const char *s, size_t n)
{
	if (!lex || !n)
		return false;
	size_t i = lower_bound(lex, s, n);
	const struct entry *e = lex->e.v;
	return i < lex->e.n && strncmp(e[i].word, s, n) == 0 && strlen(e[i].word) >= n;
}

/* A pause mark written just before another one is dropped ("，。" → "。"). */
static void tidy_pauses(char *s)
{
	static const char *const marks[] = { "，", "。", "、", "；", "：", "！", "？" };
	const char comma[] = "，";
	char *w = s;
	for (char *r = s; *r;) {
		if (strncmp(r, comma, 3) == 0) {
			const char *after = r + 3;
			while (*after == ' ')
				after++;
			bool next_is_mark = false;
			for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
				next_is_mark |= strncmp(after, marks[i], strlen(marks[i])) == 0;
			if (next_is_mark || *after == '\0') {
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Pass 2: each word's reading (tc_zh_read.h) and the engine's input from them. */
static enum tc_rc read_words(const char *marked, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	struct tc_zh_reading r;
	enum tc_rc rc = tc_zh_read(marked, lex, &r, d);
	if (!rc) {
		*out = tc_zh_reading_script(&r);
		rc = *out ? TC_OK : TC_ERR_NOMEM;
	}
	tc_zh_reading_release(&r);
	return rc;
}

enum tc_rc tc_zh_normalise(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	struct buf first = BUF_EMPTY;
	char *said = NULL;
	*out = NULL;
	enum tc_rc rc = symbols_and_numbers(text, &first, d);
	if (rc == TC_OK && first.failed)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK && !first.t.v)
		said = strdup("");
	else if (rc == TC_OK && lex)
		rc = read_words(first.t.v, lex, &said, d);
	else if (rc == TC_OK)
		said = tc_vec_take(&first.t);
	tc_vec_free(&first.t);
	if (rc == TC_OK && !said)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK) {
		tidy_pauses(said);
		*out = said;
		said = NULL;
	}
	free(said);
	return rc;
}

enum tc_rc tc_zh_explain(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d)
{
	struct buf first = BUF_EMPTY, lines = BUF_EMPTY;
	struct tc_zh_reading r = { 0 };
	*out = NULL;
	enum tc_rc rc = symbols_and_numbers(text, &first, d);
	if (rc == TC_OK && first.failed)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK)
		rc = tc_zh_read(first.t.v ? first.t.v : "", lex, &r, d);
	for (size_t i = 0; rc == TC_OK && i < r.n; i++) {
		const struct tc_zh_piece *p = &r.p[i];
		if (p->source == TC_ZH_SRC_TEXT && p->text[strspn(p->text, " ")] == '\0')
			continue;
		puts_(&lines, p->text);
		puts_(&lines, "\t");
		puts_(&lines, p->say);
		puts_(&lines, "\t");
		puts_(&lines, tc_zh_source_name(p->source));
		if (p->why) {
			puts_(&lines, ": ");
			puts_(&lines, p->why);
		}
		puts_(&lines, "\n");
	}
	if (rc == TC_OK && lines.failed)
		rc = TC_ERR_NOMEM;
	if (rc == TC_OK) {
		*out = lines.t.v ? tc_vec_take(&lines.t) : strdup("");
		rc = *out ? TC_OK : TC_ERR_NOMEM;
	}
	tc_zh_reading_release(&r);
	tc_vec_free(&first.t);
	tc_vec_free(&lines.t);
	return rc;
}
