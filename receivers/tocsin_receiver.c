/*
 * tocsin_receiver.c — the village loudspeaker daemon: receives the
 * bureau's alerts over MQTT, checks them (rx_core), plays attention
 * signal and message in priority order (rx_speaker), and acknowledges.
 * Also two checks for installers: --play FILE and --test-tone.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rx_cli.h"
#include "rx_core.h"
#include "rx_player.h"
#include "rx_programme.h"
#include "rx_speaker.h"
#include "tc_file.h"
#include "tc_log.h"
#include "tc_tts.h"

static const char usage[] =
	"usage: tocsin-receiver --id ID --region CODE[,CODE] --broker HOST:PORT --pubkey FILE --state-dir DIR\n"
	"                       [--config FILE] [--audio-out FILE.wav | --audio-device NAME] [--volume 0-100]\n"
	"                       [--no-accept-drills] [--SETTING VALUE ...] [--log-level debug|info|warn|error]\n"
	"       tocsin-receiver --play FILE [--audio-out FILE.wav | --audio-device NAME]   (plays the file once)\n"
	"       tocsin-receiver --test-tone [--test-tone-s S] [--audio-out ...]              (attention signal)\n"
	"       tocsin-receiver --print-config                                            (every setting)\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_diags(struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		fprintf(stderr, "tocsin-receiver: %s\n", tc_diags_get(d, i)->message);
}

static enum tc_rc make_player(const struct rx_config *c, struct rx_player **out, struct tc_diags *d)
{
	struct rx_sink *sink = NULL;
	enum tc_rc rc = c->audio_out[0] ? rx_sink_wav_new(c->audio_out, &sink, d)
					: rx_sink_portaudio_new(c->audio_device, &sink, d);
	if (rc)
		return rc;
	if (c->audio_out[0])
		tc_log(TC_LOG_INFO, "play", "audio goes to %s (no sound card)", c->audio_out);
	return rx_player_new(sink, (int)c->sample_rate, (double)c->volume / 100.0, c->realtime, out, d);
}

/* Play pcm to the end; 0 when it played. */
static int play_through(struct rx_player *p, struct tc_pcm *pcm)
{
	char err[256];
	enum rx_play_state st;
	if (rx_player_start(p, pcm, 1))
		return 1;
	while ((st = rx_player_poll(p, NULL, err, sizeof(err))) == RX_PLAY_PLAYING && !stop) {
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (st == RX_PLAY_FAILED)
		fprintf(stderr, "tocsin-receiver: audio device error: %s\n", err);
	return st == RX_PLAY_DONE ? 0 : 1;
}

/* --play FILE / --test-tone: the installer's checks. */
static int local_check(const struct rx_config *c, const char *file, struct tc_diags *d)
{
	struct rx_player *p = NULL;
	struct tc_pcm msg = { 0 }, prog = { 0 };
	char *bytes = NULL;
	size_t len = 0;
	int rc = 1, err;
	if (file && (err = tc_file_read(file, 64u << 20, &bytes, &len))) {
		fprintf(stderr, "tocsin-receiver: cannot read %s: %s\n", file, strerror(err));
		goto out;
	}
	if (file && tc_audio_decode((const unsigned char *)bytes, len, &msg, d))
		goto out;
	struct rx_programme_parts parts = { .rate = (int)c->sample_rate, .tone_ms = (unsigned)c->tone_ms,
					    .gap_ms = (unsigned)c->gap_ms, .repeats = 1, .message = &msg };
	if (file ? rx_programme_build(&parts, &prog, d) : rx_programme_tone((int)c->sample_rate,
									   (unsigned)c->test_tone_s * 1000, &prog))
		goto out;
	if (make_player(c, &p, d))
		goto out;
	printf("playing %.1f s of %s to %s\n", (double)prog.n / prog.rate, file ? file : "attention signal",
	       c->audio_out[0] ? c->audio_out : c->audio_device);
	fflush(stdout);
	rc = play_through(p, &prog);
	if (!rc && c->audio_out[0])
		printf("written %s\n", c->audio_out);
out:
	print_diags(d);
	rx_player_free(p);
	tc_pcm_release(&msg);
	tc_pcm_release(&prog);
	free(bytes);
	return rc;
}

static struct tc_tts *start_tts(void)
{
	struct tc_tts *t = NULL;
	struct tc_diags *d = tc_diags_new();
	if (tc_tts_new(NULL, &t, d)) {
		tc_log(TC_LOG_WARN, "tts", "espeak-ng is not available: no drill notice, no spoken fallback");
		t = NULL;
	}
	tc_diags_free(d);
	return t;
}

static int daemon_main(const struct rx_config *c, struct tc_diags *d)
{
	struct rx_core *core = NULL;
	struct rx_player *player = NULL;
	struct rx_speaker *spk = NULL;
	struct tc_tts *tts = NULL;
	int rc = 1;
	if (rx_config_check(c, d) || make_player(c, &player, d) || rx_core_new(c, "loudspeaker", false, &core, d))
		goto out;
	tts = start_tts();
	if (rx_speaker_new(core, player, tts, &spk, d))
		goto out;
	struct rx_output o = rx_speaker_output(spk);
	rx_core_set_output(core, &o);
	tc_log(TC_LOG_INFO, "main", "receiver=%s region=%s broker=%s state=%s started", c->id, c->region, c->broker,
	       c->state_dir);
	rx_core_restore(core);
	rx_core_run(core, &stop, 0);
	tc_log(TC_LOG_INFO, "main", "receiver=%s stopping", c->id);
	rc = 0;
out:
	print_diags(d);
	rx_speaker_free(spk);
	rx_core_free(core); /* says offline */
	rx_player_free(player);
	tc_tts_free(tts);
	return rc;
}

int main(int argc, char **argv)
{
	struct rx_config c;
	const char *play = NULL, *tone = NULL;
	const struct rx_cli_switch sw[] = { { "--play", true, &play }, { "--test-tone", false, &tone } };
	int r = rx_cli_parse(argc, argv, usage, sw, 2, &c);
	if (r)
		return r == 1 ? 0 : 2;
	tc_log_setup("tocsin-receiver", tc_log_level_parse(c.log_level) < 0 ? TC_LOG_INFO
									     : (enum tc_log_level)tc_log_level_parse(c.log_level));
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct tc_diags *d = tc_diags_new();
	int rc = play || tone ? local_check(&c, play, d) : daemon_main(&c, d);
	tc_diags_free(d);
	return rc;
}
