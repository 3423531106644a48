/*
 * tc_utf8.h — decoding UTF-8 one code point at a time, strictly: overlong
 * forms, surrogates and values past U+10FFFF are malformed.
 */
#ifndef TC_UTF8_H
#define TC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The code point at *p (before end), advancing *p past it; -1 (and *p unchanged) when malformed. */
int32_t tc_utf8_next(const unsigned char **p, const unsigned char *end);

#endif
