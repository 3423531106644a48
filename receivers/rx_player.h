/*
 * rx_player.h — the loudspeaker's audio output: a player thread that
 * writes one programme at a time to a sink, paced to the wall clock, and
 * can be stopped between two 20 ms chunks.
 *
 * Sinks sit behind one ops table: PortAudio (the sound card, through ALSA)
 * and a WAV file (--audio-out: exactly what would be played, for machines
 * without a sound card and for the demo). A sink stays open from the first
 * programme to rx_player_free(), so a WAV capture holds every programme one
 * after the other.
 *
 * Ownership: rx_player_start() takes the samples; the thread frees them.
 * Threads: the owner thread calls every rx_player_* function; only the
 * player thread calls the sink.
 */
#ifndef RX_PLAYER_H
#define RX_PLAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_audio.h"
#include "tc_diag.h"

#define RX_PLAYER_LEAD_MS 200
#define RX_PLAYER_CHUNK_MS 20
#define RX_PLAYER_QUIT_S 3
#define RX_PLAYER_CHECK_TAG (~0UL) /* the tag rx_player_poll() gives a device check */

struct rx_sink_ops {
	const char *name;
	/* Make ready for mono float samples at rate (called again after close). */
	enum tc_rc (*open)(void *ctx, int rate, char *err, size_t err_len);
	enum tc_rc (*write)(void *ctx, const float *s, size_t n, char *err, size_t err_len);
	/* Let what was written play out (end of a programme); the sink stays open. */
	void (*drain)(void *ctx);
	void (*close)(void *ctx);
	void (*free)(void *ctx);
};

struct rx_sink {
	const struct rx_sink_ops *ops;
	void *ctx;
};

/* The sound card: device "default" or part of a PortAudio output device's name. */
enum tc_rc rx_sink_portaudio_new(const char *device, struct rx_sink **out, struct tc_diags *d);
/* A 16-bit mono WAV file at path, its header kept valid after every write. */
enum tc_rc rx_sink_wav_new(const char *path, struct rx_sink **out, struct tc_diags *d);
void rx_sink_free(struct rx_sink *s);

enum rx_play_state {
	RX_PLAY_IDLE = 0,
	RX_PLAY_PLAYING,
	RX_PLAY_DONE,    /* the programme played to its end */
	RX_PLAY_STOPPED, /* rx_player_stop() ended it */
	RX_PLAY_FAILED,  /* the sink failed: the audio device error is in err */
};
const char *rx_play_state_name(enum rx_play_state s);

struct rx_player;

/*
 * A player writing to sink (taken) at rate, scaling by volume (0..1).
 * paced: writes are paced to the wall clock (at most RX_PLAYER_LEAD_MS
 * ahead), so a WAV file or an ALSA file device fills as fast as a
 * loudspeaker plays; otherwise as fast as the sink takes them.
 */
enum tc_rc rx_player_new(struct rx_sink *sink, int rate, double volume, bool paced, struct rx_player **out,
			 struct tc_diags *d);
/*
 * Stops the thread and closes the sink; NULL is a no-op. A thread that has
 * not stopped within RX_PLAYER_QUIT_S (stuck in a device that does not
 * answer) is left behind with the player and its sink: only for a process
 * that is ending.
 */
void rx_player_free(struct rx_player *p);

/* Play pcm (samples taken; rate must be the player's) with tag; TC_ERR_USAGE when not idle. */
enum tc_rc rx_player_start(struct rx_player *p, struct tc_pcm *pcm, unsigned long tag);
/*
 * Check the device (the self-check of a Test alert): the player thread
 * opens the sink when it is not open, writes ms of digital silence, lets it
 * play out and closes the sink again if it opened it for the check (a sink
 * a programme left open stays open). Nothing can be heard. The result comes
 * from rx_player_poll() with tag RX_PLAYER_CHECK_TAG: DONE, or FAILED with
 * the device's error. TC_ERR_USAGE when not idle, TC_ERR_NOMEM.
 */
enum tc_rc rx_player_check(struct rx_player *p, unsigned ms);
/* Stop now (returns once the sink has stopped being written; the player is then idle); a no-op when idle. */
void rx_player_stop(struct rx_player *p);
/*
 * The state; DONE, STOPPED and FAILED are reported once, then the player
 * is IDLE again. *tag: the programme's tag; err: the sink's message.
 */
enum rx_play_state rx_player_poll(struct rx_player *p, unsigned long *tag, char *err, size_t err_len);
/* Seconds of the current programme written so far. */
double rx_player_position(struct rx_player *p);

#endif
