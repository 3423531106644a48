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

#include "tc_diag.h"

#define TC_ZH_NUM "\x01"
#define TC_ZH_QTY "\x03"
#define TC_ZH_END "\x02"

/*
 * Pass 1 on UTF-8 text: symbols and numbers said in words, numbers marked as
 * above. *out is malloc'ed (caller frees). Invalid UTF-8 is an error.
 */
enum tc_rc tc_zh_numbers(const char *text, char **out, struct tc_diags *d);

/* Remove the three markers from s, in place. */
void tc_zh_strip_marks(char *s);

#endif
