/*
 * tc_dispatch_int.h — what the dispatcher's files share (not for other
 * modules): its state, and the few helpers every job of it uses.
 *
 *   tc_dispatch.c          the dispatcher itself: mails in, work rounds, store
 *                          failures, the payload cache, metrics
 *   tc_dispatch_publish.c  publishing: rendering, region and direct messages,
 *                          clearing ended alerts, putting active ones back
 *   tc_dispatch_track.c    acknowledgments, statuses and timers: the owner
 *                          thread's side of tc_track, and asking receivers
 *                          again after an unclean stop
 *   tc_dispatch_watch.c    the watched alerts whose receipt is logged
 *   tc_dispatch_tree.c     where receivers' topics are: one broker, a broker tree,
 *                          or several brokers each serving region prefixes
 *
 * All of it runs on the owner thread. A store call's result goes through
 * tc_dispatch_stored(): the first failure of a transaction is kept in
 * dp->failure and every job stops at tc_dispatch_failing(); whoever ends
 * the transaction (tc_dispatch_handle, tc_dispatch_work) rolls it back and
 * logs it.
 */
#ifndef TC_DISPATCH_INT_H
#define TC_DISPATCH_INT_H

#include "tc_dispatch.h"
#include "tc_proto.h"
#include "tc_routes.h"
#include "tc_vec.h"

#define TC_DISPATCH_MAX_INFLIGHT 64
#define TC_DISPATCH_PAYLOAD_CACHE 8
#define TC_DISPATCH_MAX_WATCHED 32

#define TC_DISPATCH_RESENT_SLOTS 4096

/* A delivery re-sent because its receiver said it is online, and when (tc_dispatch_track.c). */
struct tc_dispatch_resent {
	char alert[17], target[64];
	int64_t at; /* 0: free */
};

/* A sealed payload, cached (owned by the cache). */
struct tc_dispatch_payload {
	char id[17];
	unsigned char *data;
	size_t len;
	/* which guidance languages the alert asks the way to shelter in (bit k: the k-th of
	 * tc_dispatch_guidance.c's), worked out from the CAP once, not on every re-send */
	bool guidance_known;
	unsigned guidance_langs;
};

/* An alert published by this process, watched until no target is waiting for it any more
 * (every one acknowledged receipt, or failed, or was escalated): the log reports that moment
 * with the time since publication. */
struct tc_dispatch_watched {
	char id[17];
	int64_t published_ms; /* wall clock */
	bool dirty;
};

/* What the dispatcher asks of the store, for counting and naming failures. */
enum tc_dispatch_op {
	TC_DOP_BEGIN = 0,
	TC_DOP_COMMIT,
	TC_DOP_READ,
	TC_DOP_ACK,
	TC_DOP_DELIVERY,
	TC_DOP_ALERT,
	TC_DOP_PAYLOAD,
	TC_DOP_PUBLISHED,
	TC_DOP_RECEIVER,
	TC_DOP_AUDIT,
	TC_DOP_N,
};

/* The first store failure of the transaction at hand. */
struct tc_dispatch_failure {
	bool set;
	enum tc_dispatch_op op;
	enum tc_rc rc;
	char alert[17], target[64];
};

struct tc_dispatch {
	struct tc_store *store;
	struct tc_mqtt *mq[TC_ROUTES_MAX]; /* the one broker (n_mq 1), or route i's */
	size_t n_mq;
	struct tc_route routes[TC_ROUTES_MAX]; /* several brokers (n_routes > 0): who serves which regions */
	size_t n_routes;
	unsigned only; /* when not 0, messages go only to these brokers (a bit each): those put back after a loss */
	struct tc_renderer *rd;
	struct tc_dispatch_options o;
	char prefix[128];
	struct tc_dispatch_stats stats;
	char inflight[TC_DISPATCH_MAX_INFLIGHT][17]; /* alerts with the render worker */
	size_t n_inflight;
	unsigned republish; /* brokers (a bit each) that lost our session: put retained messages back */
	struct tc_dispatch_payload payloads[TC_DISPATCH_PAYLOAD_CACHE];
	size_t next_payload;
	struct tc_dispatch_watched watched[TC_DISPATCH_MAX_WATCHED];
	size_t n_watched;
	bool work_due;  /* what a batch did calls for tc_dispatch_work (and the SMS side) at once */
	bool ask_again; /* the last run stopped uncleanly: ask the receivers of unsettled deliveries again */
	struct tc_mail_held held;           /* a batch the store could not take, tried again with the next */
	struct tc_dispatch_failure failure; /* of the transaction at hand */
	unsigned long store_errors[TC_DOP_N];
	unsigned work_refused; /* rounds of work rolled back in a row */
	bool watch_failing;    /* the last look at a watched alert could not read the store */
	struct tc_dispatch_resent resent[TC_DISPATCH_RESENT_SLOTS]; /* recent online re-sends */
	/* the shelters as guidance reads them (tc_dispatch_guidance.c), loaded at near_at: an alert's
	 * publication loads them again, a re-send to one receiver uses them for TC_DISPATCH_NEAR_TTL_S */
	struct tc_shelter_near *near;
	int64_t near_at;
};

#define TC_DISPATCH_NEAR_TTL_S 60

/* --- tc_dispatch.c ------------------------------------------------------------------ */

/* Count a failed store call (also one that fails no transaction). */
void tc_dispatch_count_error(struct tc_dispatch *dp, enum tc_dispatch_op op);
/* True when a store call went through (rc TC_OK); otherwise it is counted, and the transaction
 * at hand fails (the first failure is kept for the log, with the alert and target it was about). */
bool tc_dispatch_stored(struct tc_dispatch *dp, enum tc_rc rc, enum tc_dispatch_op op, const char *alert,
			const char *target);
/* Whether the transaction at hand has failed: stop and let it be rolled back. */
bool tc_dispatch_failing(const struct tc_dispatch *dp);
/*
 * The sealed payload of an alert (owned by the cache, valid until the next call); NULL when it
 * has none yet, or when the store could not be read (then tc_dispatch_failing()).
 */
struct tc_dispatch_payload *tc_dispatch_payload(struct tc_dispatch *dp, const char *id);
/* The MQTT message expiry for an alert expiring at expires_at (0: none, the default expiry). */
uint32_t tc_dispatch_expiry(const struct tc_dispatch *dp, int64_t expires_at, int64_t now);

/* The way to shelter (tc_dispatch_guidance.c). The scope text for the render worker with a
 * "guidance ID\tLANG\tTEXT" line per distinct sentence not rendered yet (malloc'ed; NULL when out
 * of memory or the store failed). */
char *tc_dispatch_guidance_jobs(struct tc_dispatch *dp, const char *id, const struct tc_delivery_row *rows, size_t n,
				const char *scope);
/* Keep a rendered alert's guidance audio; *rc the first store failure. */
void tc_dispatch_guidance_keep(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now, enum tc_rc *rc);
/* The guidance audio of rows' receivers on the broker again (retained), after a reconnect. */
enum tc_rc tc_dispatch_guidance_audio(struct tc_dispatch *dp, const char *alert_id, const struct tc_delivery_row *rows,
				      size_t n, uint32_t expiry);
/*
 * Publish the guidance audio and one guidance command per receiver of rows, before the alert;
 * resend: before a direct re-send to one receiver (rows that one delivery), the command alone,
 * since its audio is retained on the broker already (put back after a reconnect).
 */
enum tc_rc tc_dispatch_guidance_send(struct tc_dispatch *dp, const char *alert_id, const struct tc_delivery_row *rows,
				     size_t n, uint32_t expiry, int64_t now, bool resend);
/* Forget the shelters guidance read: one of them changed. */
void tc_dispatch_guidance_forget(struct tc_dispatch *dp);
/* The same for alert id, read from the store (the default when it is unknown). */
uint32_t tc_dispatch_alert_expiry(struct tc_dispatch *dp, const char *id, int64_t now);
/* Publish to one receiver's command topic. */
enum tc_rc tc_dispatch_send_direct(struct tc_dispatch *dp, const char *target, const void *data, size_t len,
				   uint32_t expiry);

/* A shelter display that came online is told of its shelter (tc_dispatch_shelter.c). */
void tc_dispatch_shelter_online(struct tc_dispatch *dp, const char *rx, int64_t now);

/* --- tc_dispatch_publish.c ---------------------------------------------------------- */

/* Publish (or have rendered) every alert with planned deliveries. */
void tc_dispatch_publish_planned(struct tc_dispatch *dp, int64_t now);
/* Keep what the render worker made of an alert, or fail its planned deliveries. */
void tc_dispatch_on_rendered(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now);
/* Ended alerts: clear their retained messages; an operator's cancel is also told to each receiver. */
void tc_dispatch_clear_ended(struct tc_dispatch *dp, int64_t now);
/* After a (re)connect: every active alert's retained messages again. True when all are back. */
bool tc_dispatch_republish(struct tc_dispatch *dp, int64_t now);

/* --- tc_dispatch_track.c ------------------------------------------------------------ */

/* An acknowledgment or a status from a receiver. */
void tc_dispatch_on_message(struct tc_dispatch *dp, const struct tc_mail *m, int64_t now);
/* Deliveries whose timer fired: re-send, or escalate. */
void tc_dispatch_fire_timers(struct tc_dispatch *dp, int64_t now);
/* After an unclean stop: every receiver of an unsettled delivery gets its alert again. */
void tc_dispatch_ask_receivers(struct tc_dispatch *dp, int64_t now);

/* --- tc_dispatch_tree.c ------------------------------------------------------------- */

/*
 * The topic of kind (ids a and b, as tc_proto_topic) for receivers in region: under P, or in a
 * broker tree under P/county/<the first 6 digits of region>. TC_ERR_INVALID when this message
 * alone cannot be published: an id that cannot be in a topic, or in a tree a region of fewer
 * than 6 digits (no county broker carries it).
 */
enum tc_rc tc_dispatch_topic(const struct tc_dispatch *dp, const char *region, enum tc_topic_kind kind, const char *a,
			     const char *b, char *out, size_t len);
/*
 * The brokers (a bit each; 1: the one broker) a message for place goes to: with several, the
 * one serving a receiver of region place (receiver true; 0 when none does), or every one that
 * may carry receivers under the scope place ("" every one).
 */
unsigned tc_dispatch_brokers_of(const struct tc_dispatch *dp, const char *place, bool receiver);
/* The brokers connected now (a bit each). */
unsigned tc_dispatch_up(const struct tc_dispatch *dp);
/* Whether every broker of place (as tc_dispatch_brokers_of) is connected. */
bool tc_dispatch_place_up(const struct tc_dispatch *dp, const char *place, bool receiver);
/*
 * Publish on the brokers of mask (within dp->only when set), each tried: TC_ERR_INVALID when the
 * message is refused or mask names none, else TC_ERR_IO when a broker is away or failed.
 */
enum tc_rc tc_dispatch_send(struct tc_dispatch *dp, unsigned mask, const char *topic, const void *data, size_t len,
			    bool retain, uint32_t expiry);
/* Record that topic was published retained for alert_id at place (for clearing and putting back). */
bool tc_dispatch_record(struct tc_dispatch *dp, const char *alert_id, const char *place, const char *topic);
/* Publish again on the brokers of a record of tc_dispatch_record (an empty retained one clears it). */
enum tc_rc tc_dispatch_send_record(struct tc_dispatch *dp, const char *rec, const void *data, size_t len, bool retain,
				   uint32_t expiry);
/*
 * Audio id, retained, once per place of places (char[16] each, tc_dispatch_counties) whose brokers
 * are connected (the others get it when they are back), recorded for record_for unless NULL.
 * TC_ERR_INVALID when this message is refused; TC_ERR_IO when a broker failed or the store did.
 */
enum tc_rc tc_dispatch_send_audio(struct tc_dispatch *dp, const struct tc_vec *places, const char *id, const void *data,
				  size_t len, uint32_t expiry, const char *record_for);
/*
 * The kind of a topic from broker `from` (a mail's from) and the receiver it names (into rx). In
 * a tree only P/county/C/rx/<id>/ack and .../status of a receiver registered in county C count;
 * with several brokers only those of a receiver the broker `from` serves: another is logged,
 * counted (acks_wrong_county, acks_wrong_broker) and TC_TOPIC_UNKNOWN.
 */
enum tc_topic_kind tc_dispatch_parse(struct tc_dispatch *dp, unsigned from, const char *topic, char *rx, size_t len);
/* Log and count receiver rx's words that came from where (not its own county or broker). */
void tc_dispatch_refused(struct tc_dispatch *dp, const char *rx, const char *region, const char *where,
			 enum tc_topic_kind kind);
/* The fewest digits of a region scope one message may reach: 6 in a tree (a county broker each). */
size_t tc_dispatch_min_scope(const struct tc_dispatch *dp);
/*
 * The places (char[16] each, added once to out) a message for the receivers of rows goes to: in
 * a tree each county of their regions; with several brokers the first prefix of each broker
 * serving one of them; else one "" (the one broker). TC_ERR_NOMEM.
 */
enum tc_rc tc_dispatch_counties_of_rows(const struct tc_dispatch *dp, const struct tc_delivery_row *rows, size_t n,
					struct tc_vec *out);
/* The same for all of alert id's deliveries, read from the store; false when the transaction fails. */
bool tc_dispatch_counties(struct tc_dispatch *dp, const char *alert_id, struct tc_vec *out);
/*
 * In a tree or with several brokers, the registered region of receiver target (for
 * tc_dispatch_topic and its broker), "" otherwise. TC_ERR_INVALID when it is not registered (it
 * cannot be reached), TC_ERR_IO when the store failed.
 */
enum tc_rc tc_dispatch_region_of(struct tc_dispatch *dp, const char *target, char region[16]);

/* --- tc_dispatch_watch.c ------------------------------------------------------------ */

int64_t tc_dispatch_wall_ms(void);
/* Watch alert id, published at published_ms (again, when a rolled-back round published it before). */
void tc_dispatch_watch(struct tc_dispatch *dp, const char *id, int64_t published_ms);
/* Something happened to one of alert id's deliveries: look at it again. */
void tc_dispatch_mark_watched(struct tc_dispatch *dp, const char *id);
/* Report the watched alerts no target is waiting for any more. */
void tc_dispatch_check_watched(struct tc_dispatch *dp);

#endif
