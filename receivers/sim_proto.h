/*
 * sim_proto.h — what each simulated receiver does with what it gets. The
 * rules are tocsin-receiver's own: every message goes through rx_intake()
 * and rx_intake_apply() against that receiver's seen-list and nonces (an
 * rx_state in memory, one per receiver), with tocsin-receiver's default
 * settings (drills accepted, commands refused beyond cmd_max_age_s, 600 s,
 * either side of now). What this module adds is the simulated output: the
 * audio cache shared by all receivers, the playing timers, and the counts
 * the report is made of.
 *
 * No sockets here: the event loop hands each message in with
 * sim_proto_message() and gets its publishes and subscriptions back through
 * the sim_io table, so one thread owns all of this state.
 *
 * One alert on one receiver, as its seen-list entry (phase/last acknowledgment):
 *
 *   taken by the rules: pending/received
 *     loudspeaker, audio in the info: --audio matches--> pending/playing --delay--> active/played
 *                                     --digest or length differs, no audio after 3 tries--> done/failed
 *     loudspeaker, no audio:          pending/playing --delay--> active/played
 *     signage (never playing):        --delay--> active/displayed
 *   pending | active --signed Cancel, Update, cancel command, expiry--> done/cleared
 *   (an empty retained message changes nothing)
 *
 * Invariants:
 *   1. Nothing is acknowledged before tc_sign_open() said OK with a trusted
 *      key, and no refusal of an unverified message is acknowledged at all.
 *   2. An alert id plays at most once per receiver: a second copy only
 *      repeats its last acknowledgment.
 *   3. Silent receivers (--fail-rate) count what they receive and publish nothing.
 *   4. The seen-lists live in memory only: a restarted simulator has forgotten them.
 */
#ifndef SIM_PROTO_H
#define SIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_fleet.h"
#include "tc_diag.h"
#include "tc_sign.h"

/* How the protocol reaches the network; rx is the receiver's index. */
struct sim_io {
	void *ctx;
	/* At qos (0 or 1), not retained, from receiver rx's own connection. */
	void (*publish)(void *ctx, size_t rx, const char *topic, const void *buf, size_t len, int qos);
	/* QoS 1, retained messages sent on every subscribe (for audio). */
	void (*subscribe)(void *ctx, size_t rx, const char *topic);
	void (*unsubscribe)(void *ctx, size_t rx, const char *topic);
	bool (*connected)(void *ctx, size_t rx);
};

struct sim_proto_options {
	const char *prefix;         /* topic prefix, "tocsin/v1" */
	const char *lang;           /* the info language receivers play, "zh-CN" */
	unsigned delay_ms;          /* simulated playing time between playing and played */
	unsigned audio_timeout_ms;  /* one audio fetch attempt; three attempts in all */
	struct tc_keyring keys;     /* the bureau's keys the receivers trust */
	int64_t start_ms;           /* monotonic time the run started (for the milestone line) */
	int verbose;
	bool verify_each;           /* every receiver verifies and parses its own copy (else: once per distinct message) */
	/* --fail-check FIELD:SHARE: that share of receivers, counted from the end of the list, answer a
	 * Test with FIELD ("audio" or "storage") failed; NULL: every self-check passes */
	const char *fail_check;
	double fail_check_share;
	long clock_offset_s;        /* --clock-offset-s: added to the self-check's clock offset */
};

struct sim_proto;

/*
 * ids and silent (n each) are borrowed and must outlive the result; o and
 * io are copied. NULL when out of memory.
 */
struct sim_proto *sim_proto_new(const struct sim_proto_options *o, const struct sim_identity *ids,
				const bool *silent, size_t n, const struct sim_io *io);
void sim_proto_free(struct sim_proto *p);

/* One MQTT message received by receiver rx (msg is borrowed for the call). now_ms: monotonic. */
void sim_proto_message(struct sim_proto *p, size_t rx, const char *topic, const void *msg, size_t len,
		       int64_t now_ms);

/* Monotonic ms of the next timer, or -1 when none is set. */
int64_t sim_proto_next_due(const struct sim_proto *p);
/* Run every timer due at now_ms. */
void sim_proto_tick(struct sim_proto *p, int64_t now_ms);

/* Messages received so far (alert and command topics, not audio). */
unsigned long sim_proto_messages(const struct sim_proto *p);

/*
 * Write the JSON report to path (through a temporary file and rename, so
 * a reader never sees half of it). connected: receivers connected now.
 */
enum tc_rc sim_proto_report(const struct sim_proto *p, const char *path, size_t connected, struct tc_diags *d);

#endif
