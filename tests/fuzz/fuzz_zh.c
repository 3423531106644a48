/*
 * fuzz_zh.c — libFuzzer target for the speech normaliser and the SMS
 * encoder: text from alerts reaches both unchecked by any schema. The
 * number pass's output is checked too: its spans are closed, hold numerals
 * only, and no control byte of the text gets through. The reading pass is
 * also given the raw bytes, marks and all, as if the first pass had let
 * them through, and --explain's lines are made.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sms.h"
#include "tc_zh.h"
#include "tc_zh_int.h"
#include "tc_zh_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tc_lexicon *lex;

/* The numeral at s that may stand in a span: its length, 0 when none. */
static size_t numeral_at(const char *s)
{
	static const char *const numerals[] = { "零", "一", "二", "两", "三", "四", "五", "六", "七",
						"八", "九", "十", "百", "千", "万", "亿", "点", "幺" };
	for (size_t i = 0; i < sizeof(numerals) / sizeof(numerals[0]); i++)
		if (strncmp(s, numerals[i], strlen(numerals[i])) == 0)
			return strlen(numerals[i]);
	return 0;
}

/* Spans open, hold one numeral or more, and close; other control bytes never appear. */
static void check_spans(const char *s)
{
	while (*s) {
		if (*s == TC_ZH_NUM[0] || *s == TC_ZH_QTY[0]) {
			size_t n, k = 0;
			for (s++; (n = numeral_at(s)); s += n)
				k++;
			if (!k || *s != TC_ZH_END[0])
				abort();
			s++;
		} else if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') {
			abort();
		} else {
			s++;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!lex) {
		lex = tc_lexicon_new();
		tc_lexicon_add_builtin(lex, NULL);
	}
	if (size > 8192)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *out = NULL;
	if (tc_zh_normalise(text, lex, &out, NULL) == TC_OK)
		free(out);
	if (tc_zh_numbers(text, &out, NULL) == TC_OK) {
		check_spans(out);
		tc_zh_strip_marks(out);
		free(out);
	}
	if (tc_zh_explain(text, lex, &out, NULL) == TC_OK)
		free(out);
	struct tc_zh_reading r;
	if (tc_zh_read(text, lex, &r, NULL) == TC_OK)
		free(tc_zh_reading_script(&r));
	tc_zh_reading_release(&r);
	static struct tc_sms_message msg;
	struct tc_sms_options o = { .max_segments = 4, .ref16 = size & 1 };
	tc_sms_encode(text, strlen(text), &o, &msg, NULL);
	tc_sms_fit(text, strlen(text), 2, false);
	/* Also as a lexicon file: bad lines must be refused cleanly. */
	struct tc_lexicon *l = tc_lexicon_new();
	tc_lexicon_add_tsv(l, text, strlen(text), "fuzz", NULL);
	tc_lexicon_free(l);
	free(text);
	return 0;
}
