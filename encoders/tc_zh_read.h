/*
 * tc_zh_read.h — how each word of a Chinese text is said, and who decided.
 *
 * The text is the normaliser's first pass (symbols and numbers written in
 * Chinese, numbers marked as spans, tc_zh_int.h). Runs of Hanzi are cut
 * into words by the most probable segmentation over the reading dictionary
 * (tc_zh_dict.h) and the lexicons; each word then gets its reading from, in
 * order: a lexicon (the operator's or the built-in one), the dictionary when
 * it decides, or the engine (espeak-ng reads the Hanzi itself: words the
 * dictionary does not decide, characters it lacks). Numbers are read by
 * rule; so are the particles 地 and 得 standing alone after a word. Last, 一 and 不 change tone before the syllable that follows them
 * (一次 yi2 ci4, 一些 yi4 xie1, 不要 bu2 yao4), except where 一 is a numeral
 * said as written (第一, 一月, 十一, digit strings).
 */
#ifndef TC_ZH_READ_H
#define TC_ZH_READ_H

#include <stddef.h>

#include "tc_diag.h"

struct tc_lexicon;

enum tc_zh_source {
	TC_ZH_SRC_TEXT,       /* not Chinese words: punctuation, Latin letters; passed on */
	TC_ZH_SRC_NUMBER,     /* a number, read by rule */
	TC_ZH_SRC_LEXICON,    /* a lexicon entry (built-in or the operator's) */
	TC_ZH_SRC_DICTIONARY, /* the reading dictionary */
	TC_ZH_SRC_ENGINE,     /* left to espeak-ng */
	TC_ZH_SRC_RULE,       /* a particle read by its place (迅速地 de5, 下得很大 de5) */
};

/* "text", "number", "lexicon", "dictionary", "engine", "rule". */
const char *tc_zh_source_name(enum tc_zh_source s);

struct tc_zh_piece {
	char *text;               /* as written (after the first pass) */
	char *say;                /* pinyin syllables with tone digits, or text as is (text, engine) */
	enum tc_zh_source source;
	char *why;                /* a note for --explain: the lexicon's name, other readings, tone changes */
};

struct tc_zh_reading {
	struct tc_zh_piece *p;
	size_t n;
};

/*
 * Reads marked (the first pass's output) into r (released with
 * tc_zh_reading_release, also after an error). lex may be NULL.
 */
enum tc_rc tc_zh_read(const char *marked, const struct tc_lexicon *lex, struct tc_zh_reading *r, struct tc_diags *d);
void tc_zh_reading_release(struct tc_zh_reading *r);

/* The engine input for r: pinyin words spaced, everything else as is (malloc'ed; NULL when out of memory). */
char *tc_zh_reading_script(const struct tc_zh_reading *r);

#endif
