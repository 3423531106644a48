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
 * Usage: speech_accuracy [--verbose] TSV... (the figure is over all the
 * files). Exit 0 at or above 99.5 %, 1 below, 77 when espeak-ng has no
 * cmn-latn-pinyin voice. --verbose shows the syllables and why each word
 * of a wrong line was read as it was.
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

struct score {
	size_t total, same, same_raw, perfect, imperfect, bad;
};

/* One line "sentence<TAB>pinyin" of path, scored into sc. */
static void score_line(const char *path, size_t lineno, char *line, const struct tc_lexicon *lex, bool verbose,
		       struct score *sc)
{
	static struct syllables ref, got, raw;
	char *tab = strchr(line, '\t'), *norm = NULL;
	*tab = '\0';
	if (tc_zh_normalise(line, lex, &norm, NULL) != TC_OK) {
		printf("%s, line %zu: cannot normalise\n", path, lineno);
		sc->imperfect++;
		return;
	}
	phonemes(tab + 1, &ref);
	phonemes(norm, &got);
	phonemes(line, &raw);
	size_t ok = matched(&ref, &got);
	sc->total += ref.n;
	sc->same += ok;
	sc->same_raw += matched(&ref, &raw);
	if (ok == ref.n && got.n == ref.n) {
		sc->perfect++;
	} else {
		sc->imperfect++;
		printf("%s, line %zu: %zu of %zu syllables right\n  %s\n  engine input: %s\n", path, lineno, ok, ref.n,
		       line, norm);
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

static int score_file(const char *path, const struct tc_lexicon *lex, bool verbose, struct score *sc)
{
	static char line[8192];
	size_t lineno = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!strchr(line, '\t')) {
			printf("%s, line %zu: expected sentence<TAB>pinyin\n", path, lineno);
			sc->bad++;
			continue;
		}
		score_line(path, lineno, line, lex, verbose, sc);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	int files = 0;
	for (int i = 1; i < argc; i++) {
		verbose |= strcmp(argv[i], "--verbose") == 0;
		files += strcmp(argv[i], "--verbose") != 0;
	}
	if (!files) {
		fprintf(stderr, "usage: speech_accuracy [--verbose] TSV...\n");
		return 2;
	}
	if (espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT) <= 0 ||
	    espeak_SetVoiceByName("cmn-latn-pinyin") != EE_OK) {
		printf("SKIPPED: espeak-ng has no cmn-latn-pinyin voice\n");
		return 77;
	}
	struct tc_lexicon *lex = tc_lexicon_new();
	struct score sc = { 0 };
	if (!lex || tc_lexicon_add_builtin(lex, NULL) != TC_OK)
		return 2;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--verbose") != 0 && score_file(argv[i], lex, verbose, &sc))
			return 2;
	tc_lexicon_free(lex);
	espeak_Terminate();
	double share = sc.total ? 100.0 * (double)sc.same / (double)sc.total : 0;
	double share_raw = sc.total ? 100.0 * (double)sc.same_raw / (double)sc.total : 0;
	printf("%zu sentences; syllables said right: %zu of %zu = %.2f %% (threshold %.1f %%); "
	       "espeak-ng on the raw text: %zu = %.2f %%\n",
	       sc.perfect + sc.imperfect, sc.same, sc.total, share, THRESHOLD, sc.same_raw, share_raw);
	printf("%zu read perfectly, %zu not\n", sc.perfect, sc.imperfect);
	return sc.bad ? 2 : share >= THRESHOLD ? 0 : 1;
}
