/*
 * tc_same.h — SAME (Specific Area Message Encoding) headers and audio, as
 * EAS receivers expect them (47 CFR 11.31).
 *
 * Header: ZCZC-ORG-EEE-PSSCCC-...-PSSCCC+TTTT-JJJHHMM-LLLLLLLL-
 *   ORG   originator: the info's EAS-ORG parameter, else the caller's default
 *   EEE   event: eventCode valueName SAME (three capital letters)
 *   PSSCCC locations: geocodes valueName SAME (six digits), 1 to 31 of them
 *   TTTT  purge time expires − sent, rounded up to 15 minutes within the
 *         first hour and to 30 minutes after, as hours and minutes
 *   JJJHHMM day of year, hour and minute of <sent> in UTC
 *   LLLLLLLL the station or sender id, 8 characters
 *
 * Audio: AFSK at 520.83 baud, mark (1) 2083.3 Hz, space (0) 1562.5 Hz,
 * phase-continuous, each byte LSB first without start or stop bits, after a
 * preamble of 16 bytes 0xAB. The programme is the header three times with
 * one second between, the attention signal, the message, then the end of
 * message "NNNN" three times.
 */
#ifndef TC_SAME_H
#define TC_SAME_H

#include "tc_audio.h"
#include "tc_cap.h"
#include "tc_diag.h"

#define TC_SAME_HEADER_MAX 268 /* ZCZC + 31 locations + the rest */
#define TC_SAME_BAUD (520.0 + 5.0 / 6.0)
#define TC_SAME_MARK_HZ (TC_SAME_BAUD * 4.0)  /* 2083.3 */
#define TC_SAME_SPACE_HZ (TC_SAME_BAUD * 3.0) /* 1562.5 */

/* Whether the info carries what a SAME header needs (a SAME event code). */
bool tc_same_applies(const struct tc_cap_info *in);

/*
 * The header for info number info_index of alert a, into out (at least
 * TC_SAME_HEADER_MAX bytes). org_default is used without an EAS-ORG parameter
 * (NULL: "CIV"). station is padded or cut to 8 characters; '-' becomes '/'.
 */
enum tc_rc tc_same_header(const struct tc_cap_alert *a, size_t info_index, const char *station,
			  const char *org_default, char *out, size_t len, struct tc_diags *d);

/* "+TTTT" purge time for a validity of seconds (rounded up as the rule says). */
void tc_same_purge(long long seconds, char out[6]);

struct tc_same_options {
	int rate;               /* samples per second, e.g. 22050 or 48000 */
	double amplitude;       /* peak of the FSK bursts, 0 < a <= 1 */
	unsigned attention_ms;  /* 0, or 8000 to 25000 */
	const struct tc_pcm *message; /* at rate; may be NULL */
};

/* The whole programme for header into *out (at o->rate). */
enum tc_rc tc_same_programme(const char *header, const struct tc_same_options *o, struct tc_pcm *out,
			     struct tc_diags *d);

/* Append one burst (preamble + text) to p as AFSK. */
enum tc_rc tc_same_burst(struct tc_pcm *p, const char *text, double amplitude);

#endif
