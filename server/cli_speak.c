/*
 * cli_speak.c — `tocsin speak --lang L [--print-script] [--explain]
 * [--out FILE] [--lexicon FILE] [--rate WPM] TEXT`: what the loudspeaker
 * would say.
 *
 * --print-script prints exactly the text handed to the speech engine;
 * --explain prints, for Chinese, each word's reading and what decided it;
 * --out writes the spoken TEXT as audio (.wav, or .opus/.ogg for Ogg/Opus).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tc_audio.h"
#include "tc_opus.h"
#include "tc_script.h"
#include "tc_tts.h"
#include "tc_zh.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: tocsin speak --lang LANG [--print-script] [--explain] [--out FILE] [--lexicon FILE] [--rate WPM] TEXT\n"
		"\n"
		"  --lang LANG      language of TEXT (zh-CN, en-US, ...)\n"
		"  --print-script   print the text handed to the speech engine (after normalisation)\n"
		"  --explain        (Chinese) print each word, its reading and what decided it:\n"
		"                   number, lexicon (which one), dictionary, or engine (espeak-ng itself)\n"
		"  --out FILE       write the speech to FILE: .wav, or .opus/.ogg for Ogg/Opus\n"
		"  --lexicon FILE   extra pronunciations (word<TAB>pinyin lines) on top of the built-in ones\n"
		"  --rate WPM       speaking rate in words per minute (default 175)\n");
}

enum tc_rc tc_cli_lexicon(const char *extra, struct tc_lexicon **out, struct tc_diags *d)
{
	struct tc_lexicon *lex = tc_lexicon_new();
	enum tc_rc rc = lex ? tc_lexicon_add_builtin(lex, d) : TC_ERR_NOMEM;
	if (!rc && extra)
		rc = tc_lexicon_add_file(lex, extra, d);
	if (rc) {
		tc_lexicon_free(lex);
		lex = NULL;
	}
	*out = lex;
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static enum tc_rc write_speech(const char *lang, const char *text, const char *path, int wpm, struct tc_diags *d)
{
	struct tc_tts *tts = NULL;
	struct tc_pcm pcm = { 0 }, out = { 0 };
	unsigned char *bytes = NULL;
	size_t len = 0;
	char vbuf[16];
	bool opus = ends_with(path, ".opus") || ends_with(path, ".ogg");
	enum tc_rc rc = tc_tts_new(NULL, &tts, d);
	if (!rc)
		rc = tc_tts_speak(tts, tc_tts_voice_for(lang, vbuf, sizeof(vbuf)), text, wpm, &pcm, d);
	if (!rc)
		tc_pcm_normalise(&pcm, 0.89);
	if (!rc)
		rc = tc_pcm_resample(&pcm, opus ? 48000 : pcm.rate, &out, d);
	if (!rc)
		rc = opus ? tc_opus_encode(&out, &bytes, &len, d) : tc_audio_encode_wav(&out, &bytes, &len, d);
	if (!rc)
		rc = tc_cli_write_file(path, bytes, len, d);
	free(bytes);
	tc_pcm_release(&pcm);
	tc_pcm_release(&out);
	tc_tts_free(tts);
	return rc;
}

static enum tc_rc print_explanation(const char *lang, const char *text, const struct tc_lexicon *lex,
				    struct tc_diags *d)
{
	char *lines = NULL;
	if (!tc_script_is_chinese(lang)) {
		tc_err(d, "speak.explain", lang, "--explain is for Chinese (zh-*); %s text goes to the engine as written",
		       lang);
		return TC_ERR_INVALID;
	}
	enum tc_rc rc = tc_zh_explain(text, lex, &lines, d);
	if (!rc)
		fputs(lines, stdout);
	free(lines);
	return rc;
}

int tc_cli_speak(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'L' },   { "print-script", no_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },    { "lexicon", required_argument, NULL, 'x' },
		{ "rate", required_argument, NULL, 'r' },   { "help", no_argument, NULL, 'h' },
		{ "explain", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lang = NULL, *out = NULL, *lexicon = NULL;
	bool print = false, explain = false;
	int c, wpm = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "L:peo:x:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'L': lang = optarg; break;
		case 'p': print = true; break;
		case 'e': explain = true; break;
		case 'o': out = optarg; break;
		case 'x': lexicon = optarg; break;
		case 'r': wpm = atoi(optarg); break;
		case 'h': help(stdout); return TC_EXIT_OK;
		default: help(stderr); return TC_EXIT_USAGE;
		}
	}
	if (!lang || optind != argc - 1 || (!print && !explain && !out)) {
		fprintf(stderr, "tocsin speak: give --lang, one TEXT, and --print-script, --explain or --out FILE\n");
		help(stderr);
		return TC_EXIT_USAGE;
	}
	if (wpm && (wpm < 80 || wpm > 450)) {
		fprintf(stderr, "tocsin speak: --rate must be between 80 and 450 words per minute\n");
		return TC_EXIT_USAGE;
	}
	struct tc_diags *d = tc_diags_new();
	struct tc_lexicon *lex = NULL;
	char *engine = NULL;
	enum tc_rc rc = tc_cli_lexicon(lexicon, &lex, d);
	if (!rc)
		rc = tc_script_engine_text(lang, argv[optind], lex, &engine, d);
	if (!rc && print)
		printf("%s\n", engine);
	if (!rc && explain)
		rc = print_explanation(lang, argv[optind], lex, d);
	if (!rc && out)
		rc = write_speech(lang, engine, out, wpm, d);
	tc_cli_print_diags(d);
	free(engine);
	tc_lexicon_free(lex);
	tc_diags_free(d);
	return rc == TC_OK ? TC_EXIT_OK : rc == TC_ERR_INVALID ? TC_EXIT_REFUSED : TC_EXIT_USAGE;
}
