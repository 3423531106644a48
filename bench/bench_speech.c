/*
 * bench_speech.c — speech synthesis plus Opus encoding beside the espeak-ng
 * command line writing a WAV of the same text, in one run.
 *
 * The text is an example alert's scripts (zh-CN and en-US). tocsin's side
 * is what tc_render does for a spoken message: the script normalised into
 * the engine's input (for Chinese: numbers, word segmentation over the
 * reading dictionary, lexicon), espeak-ng through its C API, and the
 * message resampled to 24 kHz,
 * normalised and coded as Ogg/Opus in memory on a second thread while it is
 * being spoken (tc_opus_pipe). The CLI's side: `espeak-ng -v VOICE -w FILE
 * -f TEXT` run as a process, as an operator would. Also shown: the same work
 * on one thread, and synthesis alone. Each is timed three times,
 * interleaved, and the best kept; wall-clock time decides, CPU time (all
 * threads; the command's as a child process) is shown beside it. Target:
 * tocsin <= 1.3x the CLI's time.
 *
 * Usage: bench_speech [--rounds R] [ALERT.xml]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "tc_cap_check.h"
#include "tc_audio.h"
#include "tc_opus.h"
#include "tc_script.h"
#include "tc_tts.h"
#include "tc_zh.h"
#include "tc_zh_dict.h"
#include "tc_file.h"

#define PEAK 0.89 /* tc_programme_defaults() */

struct job {
	char lang[16], voice[32], path[64];
	char *script; /* as composed from the alert */
	char *text;   /* the engine input, as the command reads it */
	const struct tc_lexicon *lex;
};

struct timing {
	double wall, cpu;
};

static double cpu_now(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct out {
	size_t bytes;
	double audio_s;
	int failed;
};

static enum tc_rc post(void *pipe, const float *s, size_t n)
{
	return tc_opus_pipe_post(pipe, s, n);
}

/* Speak one script; Opus on the pipe's thread (pipelined) or afterwards here. */
static void speak_one(struct tc_tts *tts, const struct job *j, int mode, struct out *o)
{
	struct tc_pcm pcm = { 0 }, at24 = { 0 };
	struct tc_opus_pipe *pipe = NULL;
	struct tc_opus_options oo;
	unsigned char *ogg = NULL;
	size_t len = 0;
	char *text = NULL;
	tc_opus_defaults(&oo);
	if (tc_script_engine_text(j->lang, j->script, j->lex, &text, NULL) != TC_OK) {
		o->failed = 1;
		return;
	}
	if (mode == 3) { /* normalisation alone */
		free(text);
		return;
	}
	if (mode == 0) {
		o->failed |= tc_tts_speak(tts, j->voice, text, 0, &pcm, NULL) != TC_OK;
	} else if (mode == 1) {
		o->failed |= tc_opus_pipe_start(tc_tts_rate(tts), &oo, &pipe, NULL) != TC_OK ||
			     tc_tts_speak_to(tts, j->voice, text, 0, &pcm, post, pipe, NULL) != TC_OK ||
			     tc_opus_pipe_finish(pipe, PEAK, &ogg, &len, NULL, NULL) != TC_OK;
	} else {
		o->failed |= tc_tts_speak(tts, j->voice, text, 0, &pcm, NULL) != TC_OK ||
			     tc_pcm_resample(&pcm, oo.rate, &at24, NULL) != TC_OK;
		tc_pcm_normalise(&at24, PEAK);
		o->failed |= tc_opus_encode(&at24, &ogg, &len, NULL) != TC_OK;
	}
	o->bytes += len;
	o->audio_s += pcm.rate ? (double)pcm.n / pcm.rate : 0;
	free(ogg);
	free(text);
	tc_pcm_release(&pcm);
	tc_pcm_release(&at24);
}

/* Each mode normalises the script first. 0: synthesis alone; 1: synthesis + Opus pipelined; 2: the same on one
 * thread; 3: normalisation alone. */
static struct timing time_tocsin(struct tc_tts *tts, struct job *jobs, size_t n, int rounds, int mode,
				 struct out *o)
{
	double t0 = bench_now(), c0 = cpu_now(RUSAGE_SELF);
	memset(o, 0, sizeof(*o));
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++)
			speak_one(tts, &jobs[i], mode, o);
	return (struct timing){ bench_now() - t0, cpu_now(RUSAGE_SELF) - c0 };
}

static struct timing time_cli(struct job *jobs, size_t n, int rounds)
{
	double total = 0, c0 = cpu_now(RUSAGE_CHILDREN);
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			char *argv[] = { "espeak-ng", "-v", jobs[i].voice, "-w", "/dev/null", "-f", jobs[i].path, NULL };
			double t = bench_run(argv);
			if (t < 0)
				return (struct timing){ -1, 0 };
			total += t;
		}
	}
	return (struct timing){ total, cpu_now(RUSAGE_CHILDREN) - c0 };
}

static void keep_best(struct timing *best, struct timing t)
{
	if (t.wall < best->wall)
		*best = t;
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
		    tc_script_engine_text(lang, script, lex, &j->text, NULL)) {
			free(script);
			continue;
		}
		j->script = script;
		j->lex = lex;
		snprintf(j->lang, sizeof(j->lang), "%s", lang);
		snprintf(j->voice, sizeof(j->voice), "%s", tc_tts_voice_for(lang, vb, sizeof(vb)));
		snprintf(j->path, sizeof(j->path), "/tmp/tocsin-bench-%d-%zu.txt", (int)getpid(), n);
		FILE *f = fopen(j->path, "w");
		fputs(j->text, f);
		fclose(f);
		chars += strlen(j->text);
		n++;
	}
	struct timing best_p = { 1e9, 0 }, best_1 = { 1e9, 0 }, best_s = { 1e9, 0 }, best_c = { 1e9, 0 },
		      best_n = { 1e9, 0 };
	struct out op, o1, os, on;
	for (int run = 0; run < 3; run++) {
		keep_best(&best_p, time_tocsin(tts, jobs, n, rounds, 1, &op));
		struct timing c = time_cli(jobs, n, rounds);
		if (c.wall < 0) {
			printf("espeak-ng (the command) could not run\n");
			return 1;
		}
		keep_best(&best_c, c);
		keep_best(&best_1, time_tocsin(tts, jobs, n, rounds, 2, &o1));
		keep_best(&best_s, time_tocsin(tts, jobs, n, rounds, 0, &os));
		keep_best(&best_n, time_tocsin(tts, jobs, n, rounds, 3, &on));
	}
	if (op.failed || o1.failed || os.failed || on.failed) {
		printf("tocsin could not speak or encode the scripts\n");
		return 1;
	}
	printf("speech: %zu scripts (%zu bytes of text), %d rounds, %.0f s of speech per round\n", n, chars, rounds,
	       op.audio_s / rounds);
	printf("  tocsin synthesis + 24 kHz Ogg/Opus, pipelined: %7.3f s wall, %6.3f s CPU  "
	       "(%.0fx real time, %.1f kB of Opus per round)\n",
	       best_p.wall, best_p.cpu, op.audio_s / best_p.wall, op.bytes / 1024.0 / rounds);
	printf("  tocsin the same on one thread:                 %7.3f s wall, %6.3f s CPU  (%.2fx the command)\n",
	       best_1.wall, best_1.cpu, best_1.wall / best_c.wall);
	printf("  tocsin synthesis alone:                        %7.3f s wall, %6.3f s CPU  (%.2fx the command)\n",
	       best_s.wall, best_s.cpu, best_s.wall / best_c.wall);
	printf("  of which normalising the scripts:              %7.3f s wall  (%.1f ms per round; %zu words in "
	       "the reading dictionary, embedded)\n",
	       best_n.wall, best_n.wall * 1000 / rounds, tc_zh_dict_size());
	printf("  espeak-ng -w (WAV, per process):               %7.3f s wall, %6.3f s CPU\n", best_c.wall, best_c.cpu);
	double ratio = best_p.wall / best_c.wall, overlap = best_p.cpu / best_p.wall;
	printf("  ratio tocsin/espeak-ng time: %.2fx (target <= 1.30x): %s\n", ratio, ratio <= 1.3 ? "met" : "NOT met");
	printf("  threads overlapped %.2fx (CPU/wall of the pipelined run; near 1 or below: "
	       "other work held the second core)\n", overlap);
	printf("  peak memory: %.1f MiB\n", bench_peak_rss_mib());
	for (size_t i = 0; i < n; i++) {
		unlink(jobs[i].path);
		free(jobs[i].text);
		free(jobs[i].script);
	}
	tc_tts_free(tts);
	tc_lexicon_free(lex);
	tc_cap_alert_free(a);
	free(xml);
	return 0;
}
