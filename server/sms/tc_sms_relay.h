/*
 * tc_sms_relay.h — the relay with confirmation (叫应): the rules the SMS
 * engine follows, with no store and no clock of their own, so that they
 * are tested alone (test_sms_relay).
 *
 * A chain is the contacts of one town (9 digits) or village (12 digits)
 * with a relay place (contacts.relay 1, 2, 3 ...), in the order of their
 * places (gaps skipped; the same place twice, which an import refuses, by
 * phone). For an alert at or above relay_min_colour every chain whose
 * region the alert reaches (its area's codes and its receivers' villages,
 * either containing the other) starts: its first person is told by SMS
 * with a reply code. Each step waits relay_confirm_s for a reply with the
 * code from that phone; then the next person is told; after the last, the
 * chain ran out. Once none of an alert's chains waits, the district duty
 * room gets one SMS naming every town and village whose chain ran out.
 */
#ifndef TC_SMS_RELAY_H
#define TC_SMS_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

/* Whether a chain of region (a town or a village) is started by an alert reaching regions. */
bool tc_relay_reaches(const char *chain_region, const char (*regions)[16], size_t n_regions);

/*
 * The chain of region among contacts v[0..n): the indices of its people in
 * order, at most max into order; returns how many it has.
 */
size_t tc_relay_chain(const struct tc_contact *v, size_t n, const char *region, size_t *order, size_t max);

enum tc_relay_action {
	TC_RELAY_WAIT = 0,   /* the step's time is not over, or the chain has ended */
	TC_RELAY_TELL_NEXT,  /* nobody confirmed in time: the next person is told */
	TC_RELAY_RAN_OUT,    /* nobody confirmed in time, and nobody is after */
};
const char *tc_relay_action_name(enum tc_relay_action a);

/* What a chain in state ("waiting", "confirmed", "ran-out") whose step is due at due_at does at now. */
enum tc_relay_action tc_relay_decide(const char *state, int64_t due_at, int64_t now, bool someone_after);

#endif
