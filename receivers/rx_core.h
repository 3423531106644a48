/*
 * rx_core.h — what tocsin-receiver and tocsin-signage do alike: one MQTT
 * session, the state on disk, and the protocol rules of docs/protocol.md
 * applied to every message before the output (loudspeaker or display) sees
 * it.
 *
 * The rules themselves are rx_intake_apply()'s (rx_intake.h), shared with
 * tocsin-sim: this module gives them the state on disk, queues what they
 * acknowledge, stops the output when they clear an alert, and hands the
 * output what they take (its sealed message kept on disk first). Alerts in
 * force are checked for expiry every second (rx_intake_expire); after a
 * restart, the kept messages go through rx_intake_restore().
 *
 * Every acknowledgment goes to the on-disk queue first; at the end of each
 * turn of the loop the state is flushed (atomically, fsync) and then the
 * queue is handed to the broker while connected — so acknowledgments made
 * offline are sent in order on reconnect, and nothing is announced before
 * it is durable.
 *
 * A Test alert (CAP status Test) is never handed to the output: the core
 * runs the self-check (audio output, state folder writable, clock offset,
 * broker round trip, version, trusted keys) and answers with one checked
 * acknowledgment carrying it (docs/protocol.md, "Self-check"). The audio
 * part takes a moment (the loudspeaker opens its device): the answer waits
 * in memory for it, the loop running meanwhile.
 *
 * One thread: rx_core_run() drives the session, the output's tick and the
 * timers; every callback runs inside it.
 */
#ifndef RX_CORE_H
#define RX_CORE_H

#include <signal.h>
#include <stdbool.h>

#include "rx_config.h"
#include "tc_proto.h"

struct rx_core;

struct rx_output {
	void *ctx;
	/* A new alert in force (a is taken; free with tc_rx_alert_free). restored: read back after a restart. */
	void (*take)(void *ctx, struct tc_rx_alert *a, bool restored);
	/* Stop or take off alert id now; the core acknowledges it. */
	void (*clear)(void *ctx, const char *id);
	/* An audio message arrived (borrowed for the call). */
	void (*audio)(void *ctx, const char *audio_id, const void *msg, size_t len);
	/* The test-tone command. */
	void (*test_tone)(void *ctx, unsigned seconds);
	/* The shelter command (a display's own shelter: name, capacity, occupancy, full; borrowed). */
	void (*shelter)(void *ctx, const struct tc_cmd *cmd);
	/* The guidance command (the way to shelter that ends an alert's programme; borrowed). */
	void (*guidance)(void *ctx, const struct tc_cmd *cmd);
	/* Once per turn of the loop (about every 50 ms). */
	void (*tick)(void *ctx, int64_t now_ms);
	/*
	 * The self-check of a Test alert: begin checks the audio output (returns at once); done is
	 * asked every turn until it returns true with "ok" or why the output cannot play in why (under
	 * 64 bytes). The output bounds how long that takes. NULL: "ok" at once.
	 */
	void (*audio_check_begin)(void *ctx);
	bool (*audio_check_done)(void *ctx, char *why, size_t len);
};

/*
 * kind: "loudspeaker" or "signage". restore_active: after a restart, take
 * again the alerts that were already carried out and are still in force
 * (signage shows them again; a loudspeaker never plays them twice).
 */
enum tc_rc rx_core_new(const struct rx_config *c, const char *kind, bool restore_active, struct rx_core **out,
		       struct tc_diags *d);
void rx_core_free(struct rx_core *c);

void rx_core_set_output(struct rx_core *c, const struct rx_output *o);
/*
 * After a restart: acknowledge again every alert in force (its final
 * acknowledgment), and take again what was not finished (and, with
 * restore_active, what is on show) from the kept messages. Call once,
 * after rx_core_set_output.
 */
void rx_core_restore(struct rx_core *c);

/* Run until *stop is set, or until deadline_ms (monotonic) when it is > 0. */
void rx_core_run(struct rx_core *c, volatile sig_atomic_t *stop, int64_t deadline_ms);

/*
 * Acknowledge alert id (queued, sent after the next flush) and record it
 * in the seen-list: received/playing keep it pending, played/displayed
 * make it active, cleared/rejected/failed end it (its kept message goes).
 */
void rx_core_ack(struct rx_core *c, const char *id, enum tc_ack_kind kind, const char *reason);
/*
 * Acknowledge id failed with reason and forget it, so that a later copy
 * (the server's re-send, the retained one after a reconnect) is taken as
 * new: for failures that may pass (a full queue).
 */
void rx_core_fail_for_now(struct rx_core *c, const char *id, const char *reason);
/* Whether id is pending or active (in force on this receiver). */
bool rx_core_in_force(const struct rx_core *c, const char *id);

void rx_core_subscribe(struct rx_core *c, const char *topic);
void rx_core_unsubscribe(struct rx_core *c, const char *topic);
bool rx_core_connected(const struct rx_core *c);
const struct rx_config *rx_core_config(const struct rx_core *c);

/* Monotonic milliseconds. */
int64_t rx_now_ms(void);

#endif
