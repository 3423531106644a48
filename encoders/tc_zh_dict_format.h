/*
 * tc_zh_dict_format.h — the layout of the Mandarin reading dictionary, as
 * zh_dict_build writes it and tc_zh_dict.c reads it (in place, from the
 * binary that embeds it).
 *
 *   head | rec[n], sorted by key bytes | strings (NUL-terminated)
 *
 * A record's readings are "pinyin|pinyin|...", the heaviest first, each
 * pinyin syllables with tone digits separated by spaces ("yin2 hang2").
 */
#ifndef TC_ZH_DICT_FORMAT_H
#define TC_ZH_DICT_FORMAT_H

#include <stdint.h>

#define TC_ZH_DICT_MAGIC "TCZHD01"

enum {
	TC_ZH_DICT_DECIDED = 1,   /* the first reading outweighs the next by 2:1 or more */
	TC_ZH_DICT_POLYPHONE = 2, /* more than one reading */
};

struct tc_zh_dict_head {
	char magic[8];
	uint32_t n;       /* records */
	uint32_t strings; /* offset of the strings from the head */
};

struct tc_zh_dict_rec {
	uint32_t key, readings; /* offsets into the strings */
	uint16_t cost;          /* -ln(share of all weight), in hundredths */
	uint8_t key_len;        /* bytes */
	uint8_t flags;          /* TC_ZH_DICT_* */
};

#endif
