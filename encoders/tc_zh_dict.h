/*
 * tc_zh_dict.h — the Mandarin reading dictionary tocsin carries: about
 * 400,000 words with their pinyin readings and frequencies, from Rime's
 * Terra Pinyin (CC-CEDICT), in simplified and traditional characters.
 * It is built when tocsin is built (zh_dict_build) and embedded in the
 * binary, so nothing is loaded at run time; lookups read it in place.
 */
#ifndef TC_ZH_DICT_H
#define TC_ZH_DICT_H

#include <stdbool.h>
#include <stddef.h>

struct tc_zh_word {
	const char *readings; /* "pinyin|pinyin|...", the most frequent first */
	double cost;          /* -ln(the word's share of all text): lower is more frequent */
	bool decided;         /* the first reading clearly outweighs the others */
	bool polyphone;       /* the word has more than one reading */
};

/* The word s[0..n) (UTF-8), if the dictionary has it. */
bool tc_zh_dict_find(const char *s, size_t n, struct tc_zh_word *w);
/* Whether some word of the dictionary starts with s[0..n). */
bool tc_zh_dict_has_prefix(const char *s, size_t n);
/* Words in the dictionary; 0 when the embedded copy is damaged. */
size_t tc_zh_dict_size(void);

#endif
