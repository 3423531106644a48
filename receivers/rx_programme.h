/*
 * rx_programme.h — what a loudspeaker plays for one alert, built from its
 * parts at the output rate:
 *
 *   [drill notice, gap]  attention signal (853 + 960 Hz), gap,
 *   (message, gap) x repeats  [drill notice]
 *
 * with the way to shelter (guidance), when there is one, joined to the last
 * message without a gap: ... message, guidance, gap.
 *
 * The message is peak-normalised to the signal's level. Pure: samples in,
 * samples out.
 */
#ifndef RX_PROGRAMME_H
#define RX_PROGRAMME_H

#include "tc_audio.h"

struct rx_programme_parts {
	int rate;                     /* output rate */
	unsigned tone_ms, gap_ms, repeats;
	const struct tc_pcm *message; /* any rate; NULL or empty: the signal alone */
	const struct tc_pcm *notice;  /* drill notice, any rate; NULL: none */
	const struct tc_pcm *guidance; /* the way to shelter, any rate; NULL or empty: none */
};

#define RX_PROGRAMME_PEAK 0.89 /* -1 dBFS */

enum tc_rc rx_programme_build(const struct rx_programme_parts *p, struct tc_pcm *out, struct tc_diags *d);

/* The attention signal alone for ms (test tone). */
enum tc_rc rx_programme_tone(int rate, unsigned ms, struct tc_pcm *out);

#endif
