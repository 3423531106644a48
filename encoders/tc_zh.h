/*
 * tc_zh.h — Chinese text normalisation for speech.
 *
 * espeak-ng's Mandarin voice (cmn-latn-pinyin) reads Hanzi and pinyin with
 * tone numbers, but it skips or misreads what a broadcast must say right:
 * ranges (8～10级), decimals (3.5毫米), units (米/秒, ℃, %, km/h), years
 * (2026年 is read digit by digit: 二零二六年), clock times (14:30), and
 * polyphones (场所 chang3, 避难 nan4, 应急 ying4, 尽快 jin3 ...). The
 * normaliser rewrites the text into words the engine says correctly:
 *
 *   tc_zh_normalise("8～10级大风，14:30起", lex) → "八到十级大风，十四时三十分起"
 *
 * Words in the lexicon (word → pinyin with tone numbers) are replaced by
 * their pinyin, spaced, so the engine cannot pick the wrong reading. The
 * lexicon is a TSV file operators can extend (see encoders/data/zh-lexicon.tsv).
 */
#ifndef TC_ZH_H
#define TC_ZH_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_diag.h"

struct tc_lexicon;

/* An empty lexicon; NULL when out of memory. */
struct tc_lexicon *tc_lexicon_new(void);
void tc_lexicon_free(struct tc_lexicon *lex);

/*
 * Add entries from TSV text: one "word<TAB>pinyin" per line ("# ..." and blank
 * lines ignored), pinyin as syllables with tone digits 1-5 separated by
 * spaces ("chang3 suo3"). A later entry for the same word replaces the
 * earlier one. Bad lines are reported by number (name is used in messages);
 * nothing from a text with a bad line is added.
 */
enum tc_rc tc_lexicon_add_tsv(struct tc_lexicon *lex, const char *text, size_t len, const char *name,
			      struct tc_diags *d);
/* The same from a file. */
enum tc_rc tc_lexicon_add_file(struct tc_lexicon *lex, const char *path, struct tc_diags *d);
/* The lexicon compiled into tocsin (encoders/data/zh-lexicon.tsv) added to lex. */
enum tc_rc tc_lexicon_add_builtin(struct tc_lexicon *lex, struct tc_diags *d);
size_t tc_lexicon_size(const struct tc_lexicon *lex);
/* The reading of the word s[0..n), or NULL; *origin (if not NULL) the name of the text it came from. */
const char *tc_lexicon_find(const struct tc_lexicon *lex, const char *s, size_t n, const char **origin);
/* Whether some word of the lexicon starts with s[0..n). */
bool tc_lexicon_has_prefix(const struct tc_lexicon *lex, const char *s, size_t n);

/*
 * Normalise UTF-8 text for the Mandarin voice. With a lexicon (even an empty
 * one) every word gets its reading (tc_zh_read.h); with NULL only symbols and
 * numbers are rewritten, in Hanzi. *out is malloc'ed (caller frees). Invalid
 * UTF-8 is an error.
 */
enum tc_rc tc_zh_normalise(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d);

/*
 * Why each word is said as it is: one line per word, "word<TAB>reading<TAB>
 * source[: note]" (source: number, lexicon, dictionary, engine, text).
 * *out is malloc'ed (caller frees).
 */
enum tc_rc tc_zh_explain(const char *text, const struct tc_lexicon *lex, char **out, struct tc_diags *d);

/* A number written with Chinese numerals ("一百零五", "两千"), for n >= 0. */
void tc_zh_number(unsigned long long n, char *out, size_t len);

#endif
