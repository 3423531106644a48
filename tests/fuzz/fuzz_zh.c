/*
 * fuzz_zh.c — libFuzzer target for the speech normaliser and the SMS
 * encoder: text from alerts reaches both unchecked by any schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sms.h"
#include "tc_zh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tc_lexicon *lex;

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
