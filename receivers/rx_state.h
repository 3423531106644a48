/*
 * rx_state.h — what a receiver must remember across a restart, on disk
 * under its state folder:
 *
 *   seen.tsv         the seen-list (one line per alert id: phase, final
 *                    acknowledgment, expiry) and the nonces of the commands
 *                    already obeyed
 *   acks.queue       acknowledgments not yet handed to the broker (offline),
 *                    one JSON line each, oldest first
 *   alerts/<id>.msg  the sealed message of each alert still pending or on
 *                    show, so a restarted receiver can verify and take it
 *                    again without the server
 *   alerts/<id>.guidance  the sealed guidance command of an alert, so a
 *                    restarted receiver still ends its programme with the
 *                    way to shelter (verified again when read back)
 *
 * A state made by rx_state_new() has no folder: it lives in memory only
 * (tocsin-sim keeps one per simulated receiver, and pays for nonces only
 * once it has seen some), and the calls that write files do nothing.
 *
 * Changes are made in memory and written by rx_state_flush(): each file is
 * written to a temporary name, fsync'ed and renamed over the old one, so a
 * kill -9 or a power cut leaves either the old or the new file, never half.
 * The daemons flush before they publish what the change says (persist, then
 * tell), so an acknowledged "played" is never played again.
 *
 * Invariants:
 *   1. An id is in the list at most once.
 *   2. The list is bounded: ended entries older than keep_s go first, then
 *      the oldest ended ones beyond RX_STATE_MAX_SEEN.
 *   3. Pending and active entries are never pruned (they have no end yet).
 */
#ifndef RX_STATE_H
#define RX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_proto.h"

#define RX_STATE_MAX_SEEN 20000
#define RX_STATE_MAX_NONCES 1024
#define RX_STATE_MAX_ACKS 10000
#define RX_REASON_MAX 40

enum rx_phase {
	RX_PHASE_PENDING = 0, /* received, not yet carried out (queued, waiting for audio, playing) */
	RX_PHASE_ACTIVE,      /* played or displayed; still in force (a Cancel clears it) */
	RX_PHASE_DONE,        /* ended: cleared, rejected, failed */
};
const char *rx_phase_name(enum rx_phase p);

struct rx_seen {
	char id[17];
	enum rx_phase phase;
	int final;                   /* enum tc_ack_kind of the last acknowledgment sent */
	int64_t expires_at;          /* 0: none */
	int64_t updated;             /* unix seconds of the last change */
	int priority;
	char reason[RX_REASON_MAX];  /* of the final acknowledgment, "" when none */
};

struct rx_state;

/* A state in memory only, with no folder; NULL when out of memory. */
struct rx_state *rx_state_new(int64_t keep_s);
/*
 * Open (creating) dir and read what is there. A line that cannot be read
 * (a torn write of an older version) is skipped with a warning in d.
 * TC_ERR_IO when dir cannot be made or read.
 */
enum tc_rc rx_state_open(const char *dir, int64_t keep_s, struct rx_state **out, struct tc_diags *d);
/* Frees without flushing; NULL is a no-op. */
void rx_state_free(struct rx_state *s);

/* The entry of id, or NULL. The pointer is valid until the next rx_state_put or prune. */
const struct rx_seen *rx_state_find(const struct rx_state *s, const char *id);
/* Insert or replace e (by id); stamped with now. */
enum tc_rc rx_state_put(struct rx_state *s, const struct rx_seen *e, int64_t now);
/*
 * Record that acknowledgment kind (reason NULL for none) was made for id,
 * stamped with now: received and playing keep it pending, played and
 * displayed make it active, cleared, rejected and failed end it (and its
 * kept message goes). An id not yet listed is added.
 */
enum tc_rc rx_state_record(struct rx_state *s, const char *id, enum tc_ack_kind kind, const char *reason,
			   int64_t now);
/* Whether id is pending or active (in force on this receiver). */
bool rx_state_in_force(const struct rx_state *s, const char *id);
/* Forget id altogether (a later copy is taken as new). */
void rx_state_forget(struct rx_state *s, const char *id);
size_t rx_state_count(const struct rx_state *s);
const struct rx_seen *rx_state_at(const struct rx_state *s, size_t i);

/*
 * Whether nonce is new: true (and it is remembered, the last
 * RX_STATE_MAX_NONCES of them), false for a replay.
 */
bool rx_state_nonce(struct rx_state *s, const char *nonce);

/*
 * The sealed message of alert id: kept (file written at once, atomically),
 * read back, dropped. Without a folder: nothing kept, TC_ERR_NOTFOUND.
 */
enum tc_rc rx_state_keep_msg(struct rx_state *s, const char *id, const void *msg, size_t len);
/* *msg is malloc'ed (the caller frees); TC_ERR_NOTFOUND when none. */
enum tc_rc rx_state_load_msg(const struct rx_state *s, const char *id, uint8_t **msg, size_t *len);
/* Drop the kept message of id and its kept guidance. */
void rx_state_drop_msg(struct rx_state *s, const char *id);

/*
 * The sealed guidance command of alert id (alerts/<id>.guidance, the latest
 * one): kept (written at once, atomically), read back (*msg malloc'ed;
 * TC_ERR_NOTFOUND when none). It goes with the alert's kept message
 * (rx_state_drop_msg) and goes once the alert is played or ended, or by
 * rx_state_drop_guidance. rx_state_guidance_ids lists the ids of those kept, at
 * most max, into ids; how many.
 */
enum tc_rc rx_state_keep_guidance(struct rx_state *s, const char *id, const void *msg, size_t len);
enum tc_rc rx_state_load_guidance(const struct rx_state *s, const char *id, uint8_t **msg, size_t *len);
size_t rx_state_guidance_ids(const struct rx_state *s, char (*ids)[17], size_t max);
void rx_state_drop_guidance(struct rx_state *s, const char *id);

/* The queue of acknowledgments waiting for the broker (each one line of JSON). */
enum tc_rc rx_state_ack_push(struct rx_state *s, const char *line);
size_t rx_state_ack_count(const struct rx_state *s);
const char *rx_state_ack_at(const struct rx_state *s, size_t i);
/* Forget the n oldest. */
void rx_state_ack_shift(struct rx_state *s, size_t n);

/* Drop ended entries older than keep_s, then the oldest ended beyond the bound. */
void rx_state_prune(struct rx_state *s, int64_t now);

/* Write whatever changed since the last flush (atomically, see above); without a folder, nothing. */
enum tc_rc rx_state_flush(struct rx_state *s, struct tc_diags *d);

#endif
