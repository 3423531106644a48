/*
 * speech_accuracy.c — how much of a Chinese warning the loudspeaker says
 * right, measured through espeak-ng's own phoneme output.
 *
 * For each line "sentence<TAB>pinyin" of the test set, the sentence is
 * normalised as tocsin does before synthesis (tc_zh_normalise with the
 * built-in lexicon and the reading dictionary) and turned into phonemes by
 * espeak-ng's Mandarin voice; the pinyin (the correct reading, tone numbers,
 * clause breaks as commas) is turned into phonemes by the same voice, which
 * reads pinyin correctly. The two syllable sequences are aligned (edit
 * distance) and the reference syllables said the same are counted. The
 * share must reach 99.5 %. Beside it, the same count for espeak-ng reading
 * the raw sentence, as it would without tocsin.
 *
 * Usage: speech_accuracy TSV [--verbose]. Exit 0 at or above 99.5 %, 1
 * below, 77 when espeak-ng has no cmn-latn-pinyin voice. --verbose shows
 * the syllables and why each word of a wrong line was read as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "tc_zh.h"

#define THRESHOLD 99.5
#define MAX_SYL 1024

struct syllables {
	char s[MAX_SYL][16];
	size_t n;
};

/* Split phoneme text into syllables: each ends with its run of tone digits. */
static void split(const char *ph, struct syllables *out)
{
	char cur[16];
	size_t len = 0;
	for (const char *p = ph;; p++) {
		char c = *p;
		bool digit = c >= '0' && c <= '9';
		if (digit && len + 1 < sizeof(cur)) {
			cur[len++] = c;
			if (p[1] >= '0' && p[1] <= '9')
				continue;
			cur[len] = '\0';
			if (out->n < MAX_SYL)
				snprintf(out->s[out->n++], sizeof(out->s[0]), "%s", cur);
			len = 0;
			continue;
		}
		if (!c)
			break;
		/* stress marks, boundaries and spaces are not part of what is heard */
		if (c == '\'' || c == ',' || c == '_' || c == '|' || c == ' ' || c == '\n')
			continue;
		if (len + 1 < sizeof(cur))
			cur[len++] = c;
	}
}

static void phonemes(const char *text, struct syllables *out)
{
	const void *p = text;
	out->n = 0;
	while (p) {
		const char *ph = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, 0);
		if (ph)
			split(ph, out);
	}
}

/* Reference syllables matched in an optimal alignment (Levenshtein). */
static size_t matched(const struct syllables *ref, const struct syllables *got)
{
	static size_t cost[MAX_SYL + 1][MAX_SYL + 1];
	size_t n = ref->n, m = got->n;
	for (size_t i = 0; i <= n; i++)
		cost[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		cost[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t sub = cost[i - 1][j - 1] + (strcmp(ref->s[i - 1], got->s[j - 1]) != 0);
			size_t del = cost[i - 1][j] + 1, ins = cost[i][j - 1] + 1;
			cost[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	}
	/* walk back counting exact matches */
	size_t i = n, j = m, same = 0;
	while (i > 0 && j > 0) {
		bool eq = strcmp(ref->s[i - 1], got->s[j - 1]) == 0;
		if (cost[i][j] == cost[i - 1][j - 1] + !eq) {
			same += eq;
			i--;
			j--;
		} else if (cost[i][j] == cost[i - 1][j] + 1) {
			i--;
		} else {
			j--;
		}
	}
	return same;
}

static void print_syl(const char *label, const struct syllables *s)
{
	printf("    %s:", label);
	for (size_t i = 0; i < s->n; i++)
		printf(" %s", s->s[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: speech_accuracy TSV [--verbose]\n");
		return 2;
	}
	bool verbose = argc > 2 && strcmp(argv[2], "--verbose") == 0;
	if (espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT) <= 0 ||
	    espeak_SetVoiceByName("cmn-latn-pinyin") != EE_OK) {
		printf("SKIPPED: espeak-ng has no cmn-latn-pinyin voice\n");
		return 77;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	struct tc_lexicon *lex = tc_lexicon_new();
	if (tc_lexicon_add_builtin(lex, NULL) != TC_OK)
		return 2;
	static struct syllables ref, got, raw;
	static char line[8192];
	size_t total = 0, same = 0, same_raw = 0, perfect = 0, imperfect = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		char *norm = NULL;
		if (tc_zh_normalise(line, lex, &norm, NULL) != TC_OK) {
			printf("line %zu: cannot normalise\n", lineno);
			imperfect++;
			continue;
		}
		phonemes(tab + 1, &ref);
		phonemes(norm, &got);
		phonemes(line, &raw);
		size_t ok = matched(&ref, &got);
		total += ref.n;
		same += ok;
		same_raw += matched(&ref, &raw);
		if (ok == ref.n && got.n == ref.n) {
			perfect++;
		} else {
			imperfect++;
			printf("line %zu: %zu of %zu syllables right\n  %s\n  engine input: %s\n", lineno, ok, ref.n, line, norm);
			if (verbose) {
				char *why = NULL;
				print_syl("expected", &ref);
				print_syl("said    ", &got);
				if (tc_zh_explain(line, lex, &why, NULL) == TC_OK)
					printf("%s", why);
				free(why);
			}
		}
		free(norm);
	}
	fclose(f);
	tc_lexicon_free(lex);
	espeak_Terminate();
	double share = total ? 100.0 * (double)same / (double)total : 0;
	double share_raw = total ? 100.0 * (double)same_raw / (double)total : 0;
	printf("syllables said right: %zu of %zu = %.2f %% (threshold %.1f %%); espeak-ng on the raw text: %zu = %.2f %%\n",
	       same, total, share, THRESHOLD, same_raw, share_raw);
	printf("%zu passed, %zu failed\n", perfect, imperfect);
	return share >= THRESHOLD ? 0 : 1;
}
