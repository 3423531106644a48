/*
 * bench_speech.c — speech synthesis plus Opus encoding beside the espeak-ng
 * command line writing a WAV of the same text, in one run.
 *
 * The text is the engine input of an example alert (zh-CN and en-US
 * scripts). tocsin's side: espeak-ng through its C API, resampling to 24 kHz
 * and Ogg/Opus encoding in memory. The CLI's side: `espeak-ng -v VOICE -w
 * FILE -f TEXT` run as a process, as an operator would. Best of three runs
 * each, interleaved. Target: tocsin ≤ 1.3x the CLI's time.
 *
 * Usage: bench_speech [--rounds R] [ALERT.xml]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "tc_audio.h"
#include "tc_script.h"
#include "tc_tts.h"
#include "tc_file.h"

struct job {
	char lang[16], voice[32], path[64];
	char *text;
};

/* Synthesis alone, to show where the time goes. */
static double time_synthesis(struct tc_tts *tts, struct job *jobs, size_t n, int rounds)
{
	double t0 = bench_now();
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			struct tc_pcm pcm = { 0 };
			tc_tts_speak(tts, jobs[i].voice, jobs[i].text, 0, &pcm, NULL);
			tc_pcm_release(&pcm);
		}
	}
	return bench_now() - t0;
}

static double time_tocsin(struct tc_tts *tts, struct job *jobs, size_t n, int rounds, size_t *bytes, double *audio_s)
{
	double t0 = bench_now();
	*bytes = 0;
	*audio_s = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			struct tc_pcm pcm = { 0 }, at24 = { 0 };
			unsigned char *ogg = NULL;
			size_t len = 0;
			tc_tts_speak(tts, jobs[i].voice, jobs[i].text, 0, &pcm, NULL);
			tc_pcm_resample(&pcm, 24000, &at24, NULL);
			tc_audio_encode(&at24, TC_AUDIO_OPUS, &ogg, &len, NULL);
			*bytes += len;
			*audio_s += (double)pcm.n / pcm.rate;
			free(ogg);
			tc_pcm_release(&pcm);
			tc_pcm_release(&at24);
		}
	}
	return bench_now() - t0;
}

static double time_cli(struct job *jobs, size_t n, int rounds)
{
	double total = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			char *argv[] = { "espeak-ng", "-v", jobs[i].voice, "-w", "/dev/null", "-f", jobs[i].path, NULL };
			double t = bench_run(argv);
			if (t < 0)
				return -1;
			total += t;
		}
	}
	return total;
}

int main(int argc, char **argv)
{
	const char *alert = TOCSIN_EXAMPLES_DIR "/cn-typhoon-orange.xml";
	int rounds = 5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else
			alert = argv[i];
	}
	size_t len;
	char *xml = tc_file_slurp(alert, &len);
	struct tc_cap_alert *a = NULL;
	struct tc_lexicon *lex = tc_lexicon_new();
	struct tc_tts *tts = NULL;
	if (!xml || tc_cap_check(xml, len, NULL, &a, NULL) > TC_ERR_INVALID || !a || tc_lexicon_add_builtin(lex, NULL) ||
	    tc_tts_new(NULL, &tts, NULL)) {
		fprintf(stderr, "bench_speech: cannot load %s or start espeak-ng\n", alert);
		return 1;
	}
	struct job jobs[8];
	size_t n = 0, chars = 0;
	for (size_t i = 0; i < a->n_infos && n < 8; i++) {
		struct job *j = &jobs[n];
		char *script = NULL, vb[16];
		const char *lang = a->infos[i].language ? a->infos[i].language : "en-US";
		if (tc_script_compose(a, &a->infos[i], &script, NULL) ||
		    tc_script_engine_text(lang, script, lex, &j->text, NULL))
			continue;
		free(script);
		snprintf(j->lang, sizeof(j->lang), "%s", lang);
		snprintf(j->voice, sizeof(j->voice), "%s", tc_tts_voice_for(lang, vb, sizeof(vb)));
		snprintf(j->path, sizeof(j->path), "/tmp/tocsin-bench-%d-%zu.txt", (int)getpid(), n);
		FILE *f = fopen(j->path, "w");
		fputs(j->text, f);
		fclose(f);
		chars += strlen(j->text);
		n++;
	}
	double best_t = 1e9, best_c = 1e9, best_s = 1e9, audio_s = 0;
	size_t bytes = 0;
	for (int run = 0; run < 3; run++) {
		double t = time_tocsin(tts, jobs, n, rounds, &bytes, &audio_s), c = time_cli(jobs, n, rounds);
		if (c < 0) {
			printf("espeak-ng (the command) could not run\n");
			return 1;
		}
		double s = time_synthesis(tts, jobs, n, rounds);
		best_t = t < best_t ? t : best_t;
		best_c = c < best_c ? c : best_c;
		best_s = s < best_s ? s : best_s;
	}
	printf("speech: %zu scripts (%zu bytes of text), %d rounds, %.0f s of speech per round\n", n, chars, rounds,
	       audio_s / rounds);
	printf("  tocsin synthesis + 24 kHz Ogg/Opus: %7.3f s  (%.0fx real time, %.1f kB of Opus per round)\n",
	       best_t, audio_s / best_t, bytes / 1024.0 / rounds);
	printf("  tocsin synthesis alone:             %7.3f s  (%.2fx the command)\n", best_s, best_s / best_c);
	printf("  espeak-ng -w (WAV, per process):    %7.3f s\n", best_c);
	double ratio = best_t / best_c;
	printf("  ratio tocsin/espeak-ng time: %.2fx (target <= 1.30x): %s\n", ratio, ratio <= 1.3 ? "met" : "NOT met");
	printf("  peak memory: %.1f MiB\n", bench_peak_rss_mib());
	for (size_t i = 0; i < n; i++) {
		unlink(jobs[i].path);
		free(jobs[i].text);
	}
	tc_tts_free(tts);
	tc_lexicon_free(lex);
	tc_cap_alert_free(a);
	free(xml);
	return 0;
}
