/*
 * tc_zh_int.h — between the two passes of the Chinese normaliser (tc_zh.c).
 *
 * Pass 1 writes numbers as Chinese numerals and marks every number it wrote,
 * so pass 2 knows which characters are numerals and how a 一 in them is said:
 *
 *   TC_ZH_NUM numerals TC_ZH_END  a number read as it is: 一 keeps yi1
 *                                 (第\x01一\x02, \x01一\x02级, \x01一点五\x02米);
 *   TC_ZH_QTY numerals TC_ZH_END  a quantity: the number counts what follows
 *                                 (\x03一\x02次, \x03一百\x02米), so a 一 that
 *                                 starts it or stands before 百/千/万/亿 changes tone.
 *
 * Inside a span stand only 零一二两三四五六七八九十百千万亿点幺; everything
 * else (第, 到, 零下, 百分之, 时, units...) is written outside as ordinary
 * Hanzi. Pass 1 drops the control bytes of the input (all but tab and
 * newline), so the text itself never holds a marker.
 *
 * Private to the encoders and their tests.
 */
#ifndef TC_ZH_INT_H
#define TC_ZH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_utf8.h"

#define TC_ZH_NUM "\x01"
#define TC_ZH_QTY "\x03"
#define TC_ZH_END "\x02"

/*
 * Pass 1 on UTF-8 text: symbols and numbers said in words, numbers marked as
 * above. *out is malloc'ed (caller frees). Invalid UTF-8 is an error.
 */
enum tc_rc tc_zh_numbers(const char *text, char **out, struct tc_diags *d);

/* The code point at s (its length in *n, 1 when malformed); -1 on malformed input. */
static inline int32_t tc_zh_cp_at(const char *s, size_t avail, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	int32_t cp = tc_utf8_next(&p, p + avail);
	*n = cp < 0 ? 1 : (size_t)(p - (const unsigned char *)s);
	return cp;
}

/* A Han character: the unified ideographs, extension A and beyond, compatibility ideographs, 〇. */
static inline bool tc_zh_is_hanzi(int32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || cp == 0x3007 ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

/* Remove the three markers from s, in place. */
void tc_zh_strip_marks(char *s);

#endif
