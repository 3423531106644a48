/*
 * test_rx_player.c — the loudspeaker's player with a sink of its own: a device check opens a
 * closed sink, writes only digital silence, lets it play out and closes it again; it leaves a sink
 * a programme opened as it was; a sink that cannot open fails it with the sink's message; it is
 * refused while a programme plays; a player stuck in its sink is left behind when freed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rx_player.h"

#define RATE 8000

/* A sink that counts what is done to it; fail_open: open fails; hold: write waits until released. */
struct fake {
	int opens, closes, drains;
	size_t samples, loud;
	bool fail_open;
	atomic_bool hold, in_write;
};

static enum tc_rc f_open(void *ctx, int rate, char *err, size_t err_len)
{
	struct fake *f = ctx;
	(void)rate;
	if (f->fail_open) {
		snprintf(err, err_len, "no audio output device 'nosuch'");
		return TC_ERR_IO;
	}
	f->opens++;
	return TC_OK;
}

static enum tc_rc f_write(void *ctx, const float *s, size_t n, char *err, size_t err_len)
{
	struct fake *f = ctx;
	(void)err;
	(void)err_len;
	atomic_store(&f->in_write, true);
	while (atomic_load(&f->hold)) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < n; i++)
		f->loud += s[i] != 0.0f;
	f->samples += n;
	return TC_OK;
}

static void f_drain(void *ctx) { ((struct fake *)ctx)->drains++; }
static void f_close(void *ctx) { ((struct fake *)ctx)->closes++; }
static void f_free(void *ctx) { (void)ctx; }

static const struct rx_sink_ops fake_ops = { "fake", f_open, f_write, f_drain, f_close, f_free };

static struct rx_player *player(struct fake *f)
{
	struct rx_sink *sink = malloc(sizeof(*sink));
	struct rx_player *p = NULL;
	*sink = (struct rx_sink){ &fake_ops, f };
	assert_int_equal(rx_player_new(sink, RATE, 1.0, false, &p, NULL), TC_OK);
	return p;
}

/* Wait for the job's end; its state and tag. */
static enum rx_play_state outcome(struct rx_player *p, unsigned long *tag, char *err, size_t len)
{
	enum rx_play_state st;
	for (int i = 0; i < 5000 && (st = rx_player_poll(p, tag, err, len)) == RX_PLAY_PLAYING; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return st;
}

static void test_check_opens_plays_silence_closes(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct rx_player *p = player(&f);
	unsigned long tag = 0;
	char err[128];
	assert_int_equal(rx_player_check(p, 100), TC_OK);
	assert_int_equal(outcome(p, &tag, err, sizeof(err)), RX_PLAY_DONE);
	assert_true(tag == RX_PLAYER_CHECK_TAG);
	assert_int_equal(f.opens, 1);
	assert_int_equal(f.drains, 1);
	assert_int_equal(f.closes, 1); /* opened for the check, closed again */
	assert_int_equal(f.samples, RATE / 10);
	assert_int_equal(f.loud, 0); /* nothing but zeros */
	rx_player_free(p);
	assert_int_equal(f.closes, 1);
}

static void test_check_leaves_an_open_sink_open(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct rx_player *p = player(&f);
	struct tc_pcm tone = { .n = RATE / 10, .rate = RATE };
	tone.s = calloc(tone.n, sizeof(float));
	tone.cap = tone.n;
	for (size_t i = 0; i < tone.n; i++)
		tone.s[i] = 0.5f;
	assert_int_equal(rx_player_start(p, &tone, 7), TC_OK);
	assert_int_equal(outcome(p, NULL, NULL, 0), RX_PLAY_DONE);
	assert_int_equal(rx_player_check(p, 50), TC_OK);
	assert_int_equal(outcome(p, NULL, NULL, 0), RX_PLAY_DONE);
	assert_int_equal(f.opens, 1);
	assert_int_equal(f.closes, 0);
	assert_int_equal(f.loud, RATE / 10); /* the programme's samples only */
	rx_player_free(p);
	assert_int_equal(f.closes, 1);
}

static void test_check_fails_with_the_device_error(void **state)
{
	(void)state;
	struct fake f = { .fail_open = true };
	struct rx_player *p = player(&f);
	unsigned long tag = 0;
	char err[128] = "";
	assert_int_equal(rx_player_check(p, 100), TC_OK);
	assert_int_equal(outcome(p, &tag, err, sizeof(err)), RX_PLAY_FAILED);
	assert_true(tag == RX_PLAYER_CHECK_TAG);
	assert_string_equal(err, "no audio output device 'nosuch'");
	assert_int_equal(f.samples, 0);
	rx_player_free(p);
}

static void test_check_refused_while_playing_and_stuck_player_left(void **state)
{
	(void)state;
	struct fake *f = calloc(1, sizeof(*f)); /* left with the stuck thread */
	atomic_store(&f->hold, true);
	struct rx_player *p = player(f);
	assert_int_equal(rx_player_check(p, 100), TC_OK);
	for (int i = 0; i < 5000 && !atomic_load(&f->in_write); i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(rx_player_check(p, 100), TC_ERR_USAGE); /* one at a time */
	assert_int_equal(rx_player_poll(p, NULL, NULL, 0), RX_PLAY_PLAYING);
	time_t t0 = time(NULL);
	rx_player_free(p); /* returns although the sink never does */
	assert_true(time(NULL) - t0 <= RX_PLAYER_QUIT_S + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_opens_plays_silence_closes),
		cmocka_unit_test(test_check_leaves_an_open_sink_open),
		cmocka_unit_test(test_check_fails_with_the_device_error),
		cmocka_unit_test(test_check_refused_while_playing_and_stuck_player_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
