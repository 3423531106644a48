/*
 * tc_zh_read.c — segmentation, readings and tone changes (tc_zh_read.h).
 *
 * Segmentation: over a run of Hanzi, the cut into words whose summed cost
 * (-ln of each word's frequency in the dictionary) is lowest, by dynamic
 * programming: at each character every word of the dictionary or a lexicon
 * that starts there is tried (as long as some word has that prefix). A
 * lexicon word costs at most LEXICON_COST, so an operator's place name wins
 * over cutting it into characters; a character nobody knows costs
 * UNKNOWN_COST; a word whose reading the dictionary does not decide costs
 * UNDECIDED_COST more, so that words whose parts are decided cut it instead
 * (请不要: 请 + 不要); a rare word of several characters costs RARE_EXTRA
 * more, so fragments the source lists do not beat common words (高潮时间出现
 * is 高潮 + 时间 + 出现, not 高潮时 + 间出 + 现在).
 *
 * The text is walked once into pieces; the tone changes of 一 and 不 are a
 * second walk, since they depend on the next piece's first syllable.
 */
#include "tc_zh_read.h"
#include "tc_utf8.h"
#include "tc_vec.h"
#include "tc_zh.h"
#include "tc_zh_dict.h"
#include "tc_zh_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first pass's number marks (tc_zh_int.h): a span read as written, a quantity, the end. */
#define MARK_NUM TC_ZH_NUM[0]
#define MARK_END TC_ZH_END[0]
#define MARK_QTY TC_ZH_QTY[0]

#define LEXICON_COST 8.0
#define UNKNOWN_COST 20.0
#define UNDECIDED_COST 10.0 /* added to a word of several characters whose reading the dictionary does not decide */
#define RARE_COST 12.4      /* a word of several characters this costly (seen less than about 1 in 230,000 words) */
#define RARE_EXTRA 3.0      /* costs this much more: the source also lists fragments (间出, 高潮时) */
#define MAX_WORD_CHARS 12
#define MAX_RUN 512 /* characters segmented at once; a longer run is cut there */

const char *tc_zh_source_name(enum tc_zh_source s)
{
	static const char *const names[] = { "text", "number", "lexicon", "dictionary", "engine", "rule" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* --- pieces ------------------------------------------------------------------- */

/* Where a piece's 一 or 不 may change tone: syllable k changes by the syllable after it. */
struct pending {
	uint64_t may_change; /* bit k: syllable k is 一 or 不 in a position that changes */
};

struct builder {
	struct tc_vec p;       /* struct tc_zh_piece */
	struct tc_vec pending; /* struct pending, parallel to p */
	bool failed;
};

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void add_piece(struct builder *b, const char *text, size_t n, const char *say, enum tc_zh_source src,
		      const char *why, uint64_t may_change)
{
	if (b->failed)
		return;
	struct tc_zh_piece piece = { dup_n(text, n), say ? strdup(say) : dup_n(text, n), src, why ? strdup(why) : NULL };
	struct tc_zh_piece *slot = piece.text && piece.say && (!why || piece.why) ? tc_vec_push(&b->p) : NULL;
	struct pending *pend = slot ? tc_vec_push(&b->pending) : NULL;
	if (!pend) {
		if (slot)
			b->p.n--;
		free(piece.text);
		free(piece.say);
		free(piece.why);
		b->failed = true;
		return;
	}
	*slot = piece;
	pend->may_change = may_change;
}

/* --- characters ----------------------------------------------------------------- */

/* Whether s (one character) is in the list of characters. */
static bool one_of(const char *s, size_t n, const char *list)
{
	for (const char *p = list; *p;) {
		size_t k = 1;
		tc_zh_cp_at(p, strlen(p), &k);
		if (k == n && memcmp(p, s, n) == 0)
			return true;
		p += k;
	}
	return false;
}

static const char numerals[] = "零〇一二两三四五六七八九十百千万亿";

/* --- numbers -------------------------------------------------------------------- */

static const struct {
	const char *zh, *py;
} numeral_reading[] = {
	{ "零", "ling2" }, { "〇", "ling2" }, { "一", "yi1" }, { "二", "er4" },   { "两", "liang3" },
	{ "三", "san1" },  { "四", "si4" },   { "五", "wu3" }, { "六", "liu4" },  { "七", "qi1" },
	{ "八", "ba1" },   { "九", "jiu3" },  { "十", "shi2" }, { "百", "bai3" }, { "千", "qian1" },
	{ "万", "wan4" },  { "亿", "yi4" },   { "点", "dian3" }, { "幺", "yao1" },
};

static const char *numeral_pinyin(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(numeral_reading) / sizeof(numeral_reading[0]); i++)
		if (strlen(numeral_reading[i].zh) == n && memcmp(numeral_reading[i].zh, s, n) == 0)
			return numeral_reading[i].py;
	return NULL;
}

/*
 * A number span s[0..n) (no marks). 一 changes tone before 百/千/万/亿 in any
 * number (一百 yi4 bai3, 东经一百一十八点九 yi4 bai3), and where it starts
 * a quantity (一次 yi2 ci4); elsewhere it keeps yi1 (十一, 一点五, 一级).
 */
static void number_piece(struct builder *b, const char *s, size_t n, bool quantity)
{
	char say[512] = "";
	uint64_t change = 0;
	size_t k = 0, used = 0;
	for (size_t i = 0; i < n; k++) {
		size_t len = 1;
		tc_zh_cp_at(s + i, n - i, &len);
		const char *py = numeral_pinyin(s + i, len);
		if (!py) { /* not a numeral: the first pass wrote something else; say it as written */
			add_piece(b, s, n, NULL, TC_ZH_SRC_ENGINE, "not a numeral", 0);
			return;
		}
		size_t next_len = 1;
		bool before_big = i + len < n && (tc_zh_cp_at(s + i + len, n - i - len, &next_len), true) &&
				  one_of(s + i + len, next_len, "百千万亿");
		if (k < 64 && strcmp(py, "yi1") == 0 && (before_big || (quantity && i == 0)))
			change |= UINT64_C(1) << k;
		used += (size_t)snprintf(say + used, used < sizeof(say) ? sizeof(say) - used : 0, "%s%s", k ? " " : "", py);
		i += len;
	}
	if (used >= sizeof(say)) {
		add_piece(b, s, n, NULL, TC_ZH_SRC_ENGINE, "too long a number", 0);
		return;
	}
	add_piece(b, s, n, say, TC_ZH_SRC_NUMBER, quantity ? "counted" : NULL, change);
}

/* --- segmentation ----------------------------------------------------------------- */

struct cut {
	double cost;
	size_t from;            /* character index where the word ending here starts */
	const char *lex_pinyin; /* the lexicon's reading of that word, or NULL */
	const char *lex_origin;
};

/* The best cut of the run's characters at[0..m] (byte offsets, at[m] its end). */
static void segment(const char *s, const size_t *at, size_t m, const struct tc_lexicon *lex, struct cut *best)
{
	best[0] = (struct cut){ 0, 0, NULL, NULL };
	for (size_t i = 1; i <= m; i++)
		best[i].cost = -1;
	for (size_t i = 0; i < m; i++) {
		for (size_t j = i + 1; j <= m && j - i <= MAX_WORD_CHARS; j++) {
			const char *w = s + at[i];
			size_t n = at[j] - at[i];
			struct tc_zh_word dw;
			const char *origin = NULL, *lp = tc_lexicon_find(lex, w, n, &origin);
			bool in_dict = tc_zh_dict_find(w, n, &dw);
			double c = in_dict ? dw.cost + (dw.decided || j == i + 1 ? 0 : UNDECIDED_COST) +
						     (j > i + 1 && dw.cost > RARE_COST ? RARE_EXTRA : 0)
					   : (j == i + 1 ? UNKNOWN_COST : -1);
			if (lp && (c < 0 || c > LEXICON_COST))
				c = LEXICON_COST;
			if (c >= 0 && (best[j].cost < 0 || best[i].cost + c < best[j].cost))
				best[j] = (struct cut){ best[i].cost + c, i, lp, origin };
			if (!tc_zh_dict_has_prefix(w, n) && !tc_lexicon_has_prefix(lex, w, n))
				break;
		}
	}
}

static size_t count_syllables(const char *py)
{
	size_t k = 0;
	for (const char *p = py; *p; p++)
		k += *p >= '1' && *p <= '5' && (p[1] == ' ' || p[1] == '\0');
	return k;
}

/*
 * Which syllables of a word (characters at[from..to], reading py) are 一 or 不
 * whose tone changes by what follows: inside the word, or a word of one
 * character, by the next word. 一 keeps its tone after 第, 十 or a numeral,
 * and before a numeral or a unit of dates and times.
 */
static uint64_t tone_changes(const char *s, const size_t *at, size_t from, size_t to, size_t m, const char *py)
{
	uint64_t change = 0;
	size_t chars = to - from;
	if (chars > 64 || count_syllables(py) != chars)
		return 0;
	const char *syl = py;
	for (size_t k = 0; k < chars; k++) {
		size_t i = from + k, n = at[i + 1] - at[i];
		bool last = k + 1 == chars;
		bool yi = n == 3 && memcmp(s + at[i], "一", 3) == 0 && strncmp(syl, "yi1", 3) == 0;
		bool bu = n == 3 && memcmp(s + at[i], "不", 3) == 0 && strncmp(syl, "bu4", 3) == 0;
		if ((yi || bu) && (!last || chars == 1)) {
			bool keeps = false;
			if (yi && i > 0)
				keeps = one_of(s + at[i - 1], at[i] - at[i - 1], "第十初") ||
					one_of(s + at[i - 1], at[i] - at[i - 1], numerals);
			if (yi && i + 1 < m)
				keeps = keeps || one_of(s + at[i + 1], at[i + 2] - at[i + 1], numerals) ||
					one_of(s + at[i + 1], at[i + 2] - at[i + 1], "月日号时分秒级楼层等");
			if (!keeps)
				change |= UINT64_C(1) << k;
		}
		syl = strchr(syl, ' ');
		syl = syl ? syl + 1 : "";
	}
	return change;
}

/*
 * A lexicon word of two or more characters inside a longer dictionary word
 * gives those syllables its reading (乐亭县: 乐亭 lao4 ting2 from the
 * lexicon, 县 from the dictionary). say has one syllable per character of
 * s[at[from]..at[to]); returns the lexicon's name when it changed anything.
 */
static const char *lexicon_inside(const struct tc_lexicon *lex, const char *s, const size_t *at, size_t from,
				  size_t to, char *say, size_t cap)
{
	const char *origin = NULL;
	char syl[MAX_WORD_CHARS][16], out[512] = "";
	size_t k = 0;
	if (to - from > MAX_WORD_CHARS || count_syllables(say) != to - from)
		return NULL;
	for (const char *p = say; *p && k < MAX_WORD_CHARS; k++) {
		size_t len = strcspn(p, " ");
		snprintf(syl[k], sizeof(syl[k]), "%.*s", (int)len, p);
		p += len + (p[len] == ' ');
	}
	for (size_t i = from; i < to; i++) {
		for (size_t j = to; j >= i + 2; j--) {
			const char *o = NULL, *py;
			if ((i == from && j == to) || !(py = tc_lexicon_find(lex, s + at[i], at[j] - at[i], &o)) ||
			    count_syllables(py) != j - i)
				continue;
			for (size_t q = i; q < j; q++) {
				size_t len = strcspn(py, " ");
				snprintf(syl[q - from], sizeof(syl[0]), "%.*s", (int)len, py);
				py += len + (py[len] == ' ');
			}
			origin = o;
			i = j - 1;
			break;
		}
	}
	if (!origin)
		return NULL;
	for (size_t q = 0; q < k; q++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", q ? " " : "", syl[q]);
	snprintf(say, cap, "%s", out);
	return origin;
}

/* One word: its reading and source, from the lexicon, the dictionary or the engine. */
static void word_piece(struct builder *b, const char *s, const size_t *at, size_t from, size_t to, size_t m,
		       const struct cut *c, const struct tc_lexicon *lex)
{
	const char *w = s + at[from];
	size_t n = at[to] - at[from];
	char why[600];
	if (c->lex_pinyin) {
		add_piece(b, w, n, c->lex_pinyin, TC_ZH_SRC_LEXICON, c->lex_origin, 0);
		return;
	}
	struct tc_zh_word dw;
	if (!tc_zh_dict_find(w, n, &dw)) {
		add_piece(b, w, n, NULL, TC_ZH_SRC_ENGINE, "not in the dictionary", 0);
		return;
	}
	const char *bar = strchr(dw.readings, '|');
	size_t first = bar ? (size_t)(bar - dw.readings) : strlen(dw.readings);
	if (!dw.decided) {
		snprintf(why, sizeof(why), "the dictionary does not decide: %s", dw.readings);
		add_piece(b, w, n, NULL, TC_ZH_SRC_ENGINE, why, 0);
		return;
	}
	char say[512];
	snprintf(say, sizeof(say), "%.*s", (int)first, dw.readings);
	const char *inside = lexicon_inside(lex, s, at, from, to, say, sizeof(say));
	why[0] = '\0';
	if (bar)
		snprintf(why, sizeof(why), "also %s", bar + 1);
	if (inside)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%spart read from %s", *why ? "; " : "", inside);
	add_piece(b, w, n, say, TC_ZH_SRC_DICTIONARY, *why ? why : NULL, tone_changes(s, at, from, to, m, say));
}

/* A run of Hanzi s[0..len): segmented, each word a piece. */
static void hanzi_run(struct builder *b, const char *s, size_t len, const struct tc_lexicon *lex)
{
	static _Thread_local size_t at[MAX_RUN + 1];
	static _Thread_local struct cut best[MAX_RUN + 1];
	size_t m = 0, i = 0;
	while (i < len && m < MAX_RUN) {
		size_t n = 1;
		tc_zh_cp_at(s + i, len - i, &n);
		at[m++] = i;
		i += n;
	}
	at[m] = i;
	segment(s, at, m, lex, best);
	size_t cuts[MAX_RUN + 1], k = 0;
	for (size_t j = m; j > 0; j = best[j].from)
		cuts[k++] = j;
	for (size_t from = 0; k-- > 0;) {
		size_t to = cuts[k];
		word_piece(b, s, at, from, to, m, &best[to], lex);
		from = to;
	}
	if (i < len)
		hanzi_run(b, s + i, len - i, lex);
}

/* --- particles ---------------------------------------------------------------------- */

static size_t chars_in(const char *s)
{
	size_t k = 0;
	for (; *s; s++)
		k += ((unsigned char)*s & 0xC0) != 0x80;
	return k;
}

static bool is_word(const struct tc_zh_piece *p)
{
	size_t n = 1;
	return p->source != TC_ZH_SRC_TEXT && p->source != TC_ZH_SRC_NUMBER &&
	       tc_zh_is_hanzi(tc_zh_cp_at(p->text, strlen(p->text), &n));
}

/* The last character of text (NULL when empty); *n its bytes. */
static const char *last_char(const char *text, size_t *n)
{
	size_t len = strlen(text), k = len;
	while (k > 0 && ((unsigned char)text[k - 1] & 0xC0) == 0x80)
		k--;
	*n = len - (k ? k - 1 : 0);
	return k ? text + k - 1 : NULL;
}

/* Whether the text of p ends with one of the characters in list. */
static bool ends_with_one_of(const struct tc_zh_piece *p, const char *list)
{
	size_t n;
	const char *c = last_char(p->text, &n);
	return c && one_of(c, n, list);
}

static bool starts_with_one_of(const struct tc_zh_piece *p, const char *const *words)
{
	for (; *words; words++)
		if (strncmp(p->text, *words, strlen(*words)) == 0)
			return true;
	return false;
}

static bool text_is_one_of(const struct tc_zh_piece *p, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(p->text, *words) == 0)
			return true;
	return false;
}

/* Whether the last character of a and the first of b make a dictionary word (洼 + 地 = 洼地). */
static bool joins_into_word(const struct tc_zh_piece *a, const char *b)
{
	size_t n;
	const char *c = last_char(a->text, &n);
	char w[16];
	struct tc_zh_word dw;
	if (!c || n + strlen(b) >= sizeof(w))
		return false;
	snprintf(w, sizeof(w), "%.*s%s", (int)n, c, b);
	return tc_zh_dict_find(w, strlen(w), &dw);
}

/*
 * The reading a lone 为, 地, 得, 量 or 场 takes from its neighbours, or NULL:
 * - 为 is wei2 (is, as) before a number or after a verb it completes (气温为
 *   -3℃, 为每秒, 仅为, 升级为), wei4 (for) before a purpose (为确保); else the engine
 *   decides;
 * - 地 is the particle de5 after a word of two or more characters and before
 *   another word, unless it makes a word with the character before it
 *   (迅速地撤离 de5, 低洼地 di4);
 * - 得 is dei3 (must) after 必须, 还, 就, 总; de5 (the particle) after any
 *   other word (撤离得及时);
 * - 量 is liang2 (to measure: 量体温); 场 after a number or 这, 那, 每, 几 is
 *   chang2, one event (第2场暴雪).
 */
static const char *by_place(const struct tc_zh_piece *p, size_t i, size_t n, const char **why)
{
	static const char *const purposes[] = { "确保", "避免", "防止", "保障", "减少", "方便", "保证",
						"预防", "应对", "做好", "此", "了", NULL };
	static const char *const must[] = { "必须", "还", "就", "总", NULL };
	const struct tc_zh_piece *prev = i ? &p[i - 1] : NULL, *next = i + 1 < n ? &p[i + 1] : NULL;
	if (strcmp(p[i].text, "为") == 0) {
		*why = "为 before a number or completing a verb: is, as";
		static const char *const amounts[] = { "零下", "负", "每", "约", NULL };
		if (next && (next->source == TC_ZH_SRC_NUMBER || starts_with_one_of(next, amounts)))
			return "wei2";
		if (prev && ends_with_one_of(prev, "成作称改变定视选分转升降仅均约较更达即划评列认化级整高低大小"))
			return "wei2";
		*why = "为 before a purpose: for";
		return next && starts_with_one_of(next, purposes) ? "wei4" : NULL;
	}
	if (strcmp(p[i].text, "量") == 0 && next) {
		*why = "量 alone: to measure";
		return "liang2";
	}
	if (!prev)
		return NULL;
	if (strcmp(p[i].text, "场") == 0 && (prev->source == TC_ZH_SRC_NUMBER || ends_with_one_of(prev, "这那每几"))) {
		*why = "场 after a number: one event";
		return "chang2";
	}
	if (strcmp(p[i].text, "地") == 0) {
		*why = "地 after a word, before another: the particle";
		return chars_in(prev->text) >= 2 && is_word(prev) && next && is_word(next) && !joins_into_word(prev, "地")
			       ? "de5"
			       : NULL;
	}
	if (strcmp(p[i].text, "得") == 0 && is_word(prev)) {
		*why = text_is_one_of(prev, must) ? "得 after 必须, 还, 就, 总: must" : "得 after a word: the particle";
		return text_is_one_of(prev, must) ? "dei3" : "de5";
	}
	return NULL;
}

/* Lone 为, 地, 得, 量 and 场 read by their place (by_place). */
static void particles(struct builder *b)
{
	struct tc_zh_piece *p = b->p.v;
	for (size_t i = 0; i < b->p.n; i++) {
		const char *why = NULL, *say;
		if ((p[i].source != TC_ZH_SRC_DICTIONARY && p[i].source != TC_ZH_SRC_ENGINE) ||
		    !(say = by_place(p, i, b->p.n, &why)))
			continue;
		char *s = strdup(say), *w = strdup(why);
		if (!s || !w) {
			free(s);
			free(w);
			b->failed = true;
			return;
		}
		free(p[i].say);
		free(p[i].why);
		p[i].say = s;
		p[i].why = w;
		p[i].source = TC_ZH_SRC_RULE;
	}
}

/* --- tone changes of 一 and 不 ---------------------------------------------------- */

/* The tone (1-5) of the first syllable of a piece, 0 when unknown. */
static int first_tone(const struct tc_zh_piece *p)
{
	const char *py = p->say;
	if (p->source == TC_ZH_SRC_ENGINE) { /* the dictionary's first reading of its first character */
		struct tc_zh_word w;
		size_t n = 1;
		int32_t cp = tc_zh_cp_at(p->text, strlen(p->text), &n);
		if (!tc_zh_is_hanzi(cp) || !tc_zh_dict_find(p->text, n, &w))
			return 0;
		py = w.readings;
	} else if (p->source == TC_ZH_SRC_TEXT) {
		return 0;
	}
	size_t len = strcspn(py, " |");
	return len && py[len - 1] >= '1' && py[len - 1] <= '5' ? py[len - 1] - '0' : 0;
}

/* Syllable k of say ("yin2 hang2"), or NULL. */
static char *syllable_at(char *say, size_t k)
{
	char *syl = say;
	for (size_t i = 0; i < k && syl; i++) {
		syl = strchr(syl, ' ');
		syl = syl ? syl + 1 : NULL;
	}
	return syl && *syl ? syl : NULL;
}

static int tone_of_syllable(char *say, size_t k)
{
	const char *syl = syllable_at(say, k);
	size_t len = syl ? strcspn(syl, " ") : 0;
	return len && syl[len - 1] >= '1' && syl[len - 1] <= '5' ? syl[len - 1] - '0' : 0;
}

/* Syllable k of say, 一 or 不, changed by the tone of what follows it. */
static void change_tone(char *say, size_t k, int next)
{
	char *syl = syllable_at(say, k);
	if (!syl || !next)
		return;
	if (strncmp(syl, "yi1", 3) == 0)
		syl[2] = next == 4 || next == 5 ? '2' : '4';
	else if (strncmp(syl, "bu4", 3) == 0 && next == 4)
		syl[2] = '2';
}

static void tone_sandhi(struct builder *b)
{
	struct tc_zh_piece *p = b->p.v;
	struct pending *pend = b->pending.v;
	for (size_t i = 0; i < b->p.n; i++) {
		size_t syllables = count_syllables(p[i].say);
		for (size_t k = 0; k < 64 && k < syllables; k++) {
			if (!(pend[i].may_change >> k & 1))
				continue;
			int next = k + 1 < syllables ? tone_of_syllable(p[i].say, k + 1)
						      : i + 1 < b->p.n ? first_tone(&p[i + 1]) : 0;
			change_tone(p[i].say, k, next);
		}
	}
}

/* --- the walk ------------------------------------------------------------------- */

enum tc_rc tc_zh_read(const char *marked, const struct tc_lexicon *lex, struct tc_zh_reading *r, struct tc_diags *d)
{
	struct builder b = { .p = TC_VEC_OF(struct tc_zh_piece), .pending = TC_VEC_OF(struct pending) };
	size_t len = strlen(marked), i = 0;
	*r = (struct tc_zh_reading){ 0 };
	while (i < len && !b.failed) {
		if (marked[i] == MARK_NUM || marked[i] == MARK_QTY) {
			const char *end = memchr(marked + i + 1, MARK_END, len - i - 1);
			size_t stop = end ? (size_t)(end - marked) : len;
			number_piece(&b, marked + i + 1, stop - i - 1, marked[i] == MARK_QTY);
			i = end ? stop + 1 : len;
			continue;
		}
		size_t n = 1, j = i;
		int32_t cp = tc_zh_cp_at(marked + i, len - i, &n);
		if (cp < 0) {
			tc_err(d, "speech.utf8", "", "the text is not valid UTF-8 (byte %zu)", i);
			tc_zh_reading_release(&(struct tc_zh_reading){ b.p.v, b.p.n });
			tc_vec_free(&b.pending);
			return TC_ERR_INVALID;
		}
		bool han = tc_zh_is_hanzi(cp);
		while (j < len && marked[j] != MARK_NUM && marked[j] != MARK_QTY && marked[j] != MARK_END) {
			size_t k = 1;
			int32_t c = tc_zh_cp_at(marked + j, len - j, &k);
			if (c < 0 || tc_zh_is_hanzi(c) != han)
				break;
			j += k;
		}
		if (j == i) /* a stray end mark */
			j = i + 1;
		else if (han)
			hanzi_run(&b, marked + i, j - i, lex);
		else
			add_piece(&b, marked + i, j - i, NULL, TC_ZH_SRC_TEXT, NULL, 0);
		i = j;
	}
	if (!b.failed)
		particles(&b);
	if (!b.failed)
		tone_sandhi(&b);
	tc_vec_free(&b.pending);
	r->p = b.p.v;
	r->n = b.p.n;
	if (b.failed) {
		tc_zh_reading_release(r);
		return TC_ERR_NOMEM;
	}
	return TC_OK;
}

void tc_zh_reading_release(struct tc_zh_reading *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->p[i].text);
		free(r->p[i].say);
		free(r->p[i].why);
	}
	free(r->p);
	*r = (struct tc_zh_reading){ 0 };
}

static bool is_pinyin(const struct tc_zh_piece *p)
{
	return p->source == TC_ZH_SRC_NUMBER || p->source == TC_ZH_SRC_LEXICON || p->source == TC_ZH_SRC_DICTIONARY ||
	       p->source == TC_ZH_SRC_RULE;
}

char *tc_zh_reading_script(const struct tc_zh_reading *r)
{
	struct tc_vec out = TC_VEC_OF(char);
	bool fail = false, space_due = false;
	for (size_t i = 0; i < r->n && !fail; i++) {
		const struct tc_zh_piece *p = &r->p[i];
		bool py = is_pinyin(p);
		bool at_space = !out.n || ((const char *)out.v)[out.n - 1] == ' ';
		if ((py || space_due) && !at_space && p->say[0] != ' ')
			fail |= tc_vec_append_text(&out, " ", 1) != TC_OK;
		fail |= tc_vec_append_text(&out, p->say, strlen(p->say)) != TC_OK;
		space_due = py;
	}
	if (fail) {
		tc_vec_free(&out);
		return NULL;
	}
	return out.v ? tc_vec_take(&out) : strdup("");
}
