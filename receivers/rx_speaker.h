/*
 * rx_speaker.h — the loudspeaker's output behind rx_core: fetch and check
 * each alert's audio, keep the playback queue, build the programme
 * (rx_programme.h) and play it (rx_player.h), and acknowledge playing,
 * played and failed.
 *
 * One alert on the loudspeaker:
 *
 *   take --audio named--> fetching --digest and length agree--> queued
 *     |                      |--differ--> failed digest-mismatch
 *     |                      +--3 timeouts--> failed audio-unavailable
 *     +--no audio (headline spoken by espeak-ng, else the signal alone)--> queued
 *   queued --best, nothing better playing, arrivals settled--> playing (ack playing)
 *   playing --end--> played (ack played) | --sink error--> failed audio-device
 *   playing --a strictly higher priority is queued--> queued again (plays again from the start)
 *   any --clear (Cancel, Update, cancel command, expiry)--> gone at once (the core acks cleared)
 *   queued --queue full and worse than all--> failed queue-full
 *
 * Invariants:
 *   1. At most one programme plays; it is the best queued one when it starts.
 *   2. At most queue_size alerts are queued and queue_size fetching.
 *   3. Nothing is played that rx_core did not take (verified, not expired, new).
 */
#ifndef RX_SPEAKER_H
#define RX_SPEAKER_H

#include "rx_core.h"
#include "rx_player.h"

struct tc_tts;
struct rx_speaker;

/* core, player and tts (may be NULL: no drill notice, no spoken fallback) are borrowed. */
enum tc_rc rx_speaker_new(struct rx_core *core, struct rx_player *player, struct tc_tts *tts,
			  struct rx_speaker **out, struct tc_diags *d);
void rx_speaker_free(struct rx_speaker *s);
/* The table for rx_core_set_output(). */
struct rx_output rx_speaker_output(struct rx_speaker *s);

#endif
