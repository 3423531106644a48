/*
 * tc_store.h — tocsin's durable store: SQLite in WAL mode, embedded.
 *
 * Everything a step of the pipeline needs is kept here, so a restarted
 * server resumes where it stopped: alerts (the original XML, verbatim),
 * the registry (receivers, contacts, shelters), deliveries, acknowledgments
 * and an audit log. The schema is versioned (PRAGMA user_version) and
 * migrated forward at open; a database from a newer tocsin is refused.
 *
 * One thread owns a struct tc_store (SQLite connections are not shared);
 * other threads ask the owner. Writes are committed with synchronous=FULL:
 * when tc_store_put_alert() returns TC_OK, the alert survives a power cut.
 */
#ifndef TC_STORE_H
#define TC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_alert_life.h"
#include "tc_cap.h"
#include "tc_diag.h"

#define TC_STORE_SCHEMA_VERSION 16

struct tc_store;

/*
 * Open (creating and migrating as needed) the database at path. Its files
 * are made mode 0600 (a looser existing one is narrowed: a warning in d).
 */
enum tc_rc tc_store_open(const char *path, struct tc_store **out, struct tc_diags *d);
/* Close; NULL is a no-op. */
void tc_store_close(struct tc_store *s);
/*
 * A second connection to s's database for reading only, which another thread may use while the
 * owner writes (WAL: it reads the last commit before each statement). No migrations, no writes.
 */
enum tc_rc tc_store_open_reader(struct tc_store *s, struct tc_store **out);

/*
 * Reading that would hold the owner's loop too long (a whole table, the audit chain) run in a
 * thread of its own on a reader connection: _start (owner thread) calls fn(reader, arg) there;
 * _done is false while it runs, then true once with *rc what fn returned, the thread joined and
 * the task freed; _wait waits for it and frees it (NULL: nothing). arg belongs to the caller and
 * must stay until then; the caller touches it only after _done said true (or after _wait).
 */
struct tc_store_task;
enum tc_rc tc_store_task_start(struct tc_store *s, enum tc_rc (*fn)(struct tc_store *reader, void *arg), void *arg,
			       struct tc_store_task **out);
bool tc_store_task_done(struct tc_store_task *t, enum tc_rc *rc);
void tc_store_task_wait(struct tc_store_task *t);
int tc_store_schema_version(const struct tc_store *s);

/* Alert states and what moves an alert between them: tc_alert_life.h. */

/*
 * Keep alert a (its original bytes in a->xml) durably. The id is
 * tc_cap_alert_id(a). The same sender, identifier and sent again is not
 * stored twice: *duplicate is set and TC_OK returned with the same id.
 */
enum tc_rc tc_store_put_alert(struct tc_store *s, const struct tc_cap_alert *a, int64_t now, char id[17],
			      bool *duplicate, struct tc_diags *d);

struct tc_store_alert {
	char id[17];
	char *sender, *identifier, *sent, *msg_type, *status;
	enum tc_alert_state state;
	int64_t received_at, expires_at; /* expires_at 0 when the alert has none */
	char *xml;                       /* exactly as received */
	size_t xml_len;
};

/* One alert by id: TC_ERR_NOTFOUND when there is none. Release with tc_store_alert_release(). */
enum tc_rc tc_store_get_alert(struct tc_store *s, const char *id, struct tc_store_alert *out);
void tc_store_alert_release(struct tc_store_alert *a);

/* Alerts newest first, at most limit; fn is called for each (the record is valid during the call). */
enum tc_rc tc_store_list_alerts(struct tc_store *s, size_t limit,
				void (*fn)(const struct tc_store_alert *a, void *user), void *user);

/*
 * Event ev happens to alert id: its state moves as tc_alert_decide() says. TC_OK when the state
 * takes the event (written when it changes); TC_ERR_INVALID when it refuses it (nothing written;
 * the caller logs it); TC_ERR_NOTFOUND, TC_ERR_IO. *out (may be NULL) receives the step, and the
 * state it started from in *from (may be NULL).
 */
enum tc_rc tc_store_alert_event(struct tc_store *s, const char *id, enum tc_alert_event ev, int64_t now,
				struct tc_alert_step *out, enum tc_alert_state *from);
/* Set the state as is, past the life table: for tests and repairs only. */
enum tc_rc tc_store_set_alert_state(struct tc_store *s, const char *id, enum tc_alert_state st, int64_t now);

/* The id of the alert stored for sender, identifier and sent; TC_ERR_NOTFOUND when none. */
enum tc_rc tc_store_find_alert(struct tc_store *s, const char *sender, const char *identifier, const char *sent,
			       char id[17]);

/*
 * End an alert: state st (cancelled or superseded, by the events cancel and
 * supersede), and every delivery not yet final (planned, sent, received)
 * becomes "cancelled"; one transaction. *n receives how many deliveries were
 * cancelled. TC_ERR_INVALID, nothing written, when its state refuses it.
 */
enum tc_rc tc_store_close_alert(struct tc_store *s, const char *id, enum tc_alert_state st, int64_t now, long *n);

/* --- deliveries ---------------------------------------------------------------- */

/* Delivery states per (alert, target, channel): docs/architecture.md, "The delivery state machine". */
#define TC_DELIVERY_STATES "planned", "sent", "received", "played", "displayed", "failed", "rejected", \
	"expired", "cancelled", "escalated"
#define TC_DELIVERY_N_STATES 10

/*
 * Record the planned deliveries of an alert (state "planned") and give the
 * alert the event plan, in one transaction. Targets already planned are left
 * as they are, so planning twice changes nothing. TC_ERR_INVALID, nothing
 * written, when the alert's state refuses it (it ended).
 */
enum tc_rc tc_store_plan_alert(struct tc_store *s, const char *alert_id, const char (*targets)[64], size_t n,
			       const char *channel, int64_t now);

/* Deliveries of an alert counted per state (in the order of TC_DELIVERY_STATES); *total all of them. */
enum tc_rc tc_store_delivery_counts(struct tc_store *s, const char *alert_id, long counts[TC_DELIVERY_N_STATES],
				    long *total);

struct tc_delivery {
	const char *target, *channel, *state, *region;
	long attempts;
	int64_t updated_at;
};

/* An alert's deliveries (only those in state, when state is not NULL), by target. */
enum tc_rc tc_store_each_delivery(struct tc_store *s, const char *alert_id, const char *state,
				  void (*fn)(const struct tc_delivery *dl, void *user), void *user);

/* Alerts per state and deliveries per state, over everything stored (for metrics). */
enum tc_rc tc_store_totals(struct tc_store *s, long alerts[TC_ALERT_N_STATES], long deliveries[TC_DELIVERY_N_STATES]);

/* Ids of alerts in a state, oldest first (to resume work after a restart). */
enum tc_rc tc_store_alerts_in_state(struct tc_store *s, enum tc_alert_state st, void (*fn)(const char *id, void *),
				    void *user);

/*
 * Append to the audit log: which component did what to which alert (alert_id and detail may be
 * NULL); tc_store_audit_by() (tc_store_audit.h) with no user, object or request body.
 */
enum tc_rc tc_store_audit(struct tc_store *s, int64_t now, const char *actor, const char *action,
			  const char *alert_id, const char *detail);
/* Number of audit entries for an alert (all when alert_id is NULL). */
long tc_store_audit_count(struct tc_store *s, const char *alert_id);
/*
 * How the last run of tocsind on this store ended, from the audit log: *clean is false when its
 * "system" "start" has no "stop" after it (killed, crashed, the power went), with *started_at
 * when it started; true (and 0) for a clean stop or a store never run.
 */
enum tc_rc tc_store_last_run(struct tc_store *s, bool *clean, int64_t *started_at);

/* --- the registry ------------------------------------------------------------ */

struct tc_receiver {
	char id[64];
	char kind[16];      /* loudspeaker | signage */
	char name[128];
	double lat, lon;
	char region[16];    /* GB/T 2260 code: 6, 9 or 12 digits */
	char shelter_id[64]; /* "" when none; a shelter not registered yet is awaited (tc_store_put_receiver) */
	bool accepts_drills;
	long population;     /* people of its village, 0: not given (the shelters' planning report) */
};

struct tc_contact {
	char phone[24];     /* E.164, +8613800000000 */
	char name[128];
	char role[64];      /* 信息员, official, ... */
	char region[16];
	char language[16];
	int relay;          /* place in its region's relay chain, 1 first; 0: not in it */
};

struct tc_shelter {
	char id[64];
	char name[128];
	double lat, lon;
	long capacity;
	double area_m2;
	char manager[128];
	char phone[24];
	char name_en[128];  /* "" when none: English guidance uses name */
	/* reported by the shelter's manager (SMS or API); an import keeps them */
	long occupancy;     /* people inside at occupancy_at */
	int64_t occupancy_at; /* unix s, 0: never reported */
	char state[8];      /* open | full | closed */
};

/* Full: state full, or occupancy at or above a capacity above 0. Open: state open and not full. */
bool tc_store_shelter_full(const struct tc_shelter *sh);
bool tc_store_shelter_open(const struct tc_shelter *sh);

/*
 * A shelter's occupancy and state as its manager reports them: occupancy < 0 and state NULL
 * leave each as it is. TC_ERR_NOTFOUND when there is no such shelter.
 */
enum tc_rc tc_store_shelter_report(struct tc_store *s, const char *id, long occupancy, const char *state,
				   int64_t now);
/* One shelter by id; TC_ERR_NOTFOUND when none. */
enum tc_rc tc_store_get_shelter(struct tc_store *s, const char *id, struct tc_shelter *out);
/* The shelters whose manager's phone is phone (E.164): fn for each; *n how many. */
enum tc_rc tc_store_shelters_of_phone(struct tc_store *s, const char *phone,
				      void (*fn)(const struct tc_shelter *, void *), void *user, size_t *n);

/*
 * A transaction around many writes: all of them land, or none. Begun inside
 * another it is a savepoint of that one: its writes are durable only when the
 * outermost commits, and its rollback undoes only its own.
 */
enum tc_rc tc_store_begin(struct tc_store *s);
enum tc_rc tc_store_commit(struct tc_store *s);
void tc_store_rollback(struct tc_store *s);

/*
 * Insert or replace by id (contacts: by phone). A receiver naming a shelter
 * not registered yet is stored unlinked with the shelter awaited; putting
 * that shelter links every receiver awaiting it. An export shows the
 * shelter named either way.
 */
enum tc_rc tc_store_put_receiver(struct tc_store *s, const struct tc_receiver *r);
enum tc_rc tc_store_put_contact(struct tc_store *s, const struct tc_contact *c);
enum tc_rc tc_store_put_shelter(struct tc_store *s, const struct tc_shelter *sh);
/* TC_OK when a shelter with this id is registered, TC_ERR_NOTFOUND when not. */
enum tc_rc tc_store_shelter_known(struct tc_store *s, const char *id);

long tc_store_count(struct tc_store *s, const char *table);

/* A receiver as planning sees it. */
struct tc_receiver_pos {
	const char *id;
	double lat, lon;
	bool accepts_drills;
	uint32_t index; /* position in an in-memory index; UINT32_MAX when read from the store */
};
typedef void (*tc_receiver_fn)(const struct tc_receiver_pos *r, void *user);

/* Receivers whose location lies in the box (R*Tree). */
enum tc_rc tc_store_receivers_in_box(struct tc_store *s, double min_lat, double max_lat, double min_lon,
				     double max_lon, tc_receiver_fn fn, void *user);
/* Receivers whose region code starts with prefix (a county code reaches its towns and villages). */
enum tc_rc tc_store_receivers_in_region(struct tc_store *s, const char *prefix, tc_receiver_fn fn, void *user); /* "receivers", "contacts" or "shelters" */

/* Every row, in id (contacts: phone) order. */
enum tc_rc tc_store_each_receiver(struct tc_store *s, void (*fn)(const struct tc_receiver *, void *), void *user);
/* Every receiver, in no set order, with only id, region, lat, lon and accepts_drills filled
 * (what planning's index needs: several times quicker than tc_store_each_receiver). */
enum tc_rc tc_store_each_receiver_place(struct tc_store *s, void (*fn)(const struct tc_receiver *, void *),
					void *user);
/* Every receiver, in id order, with its liveness: online as its last status said, last_seen (unix s,
 * 0: never) when it last spoke. What a receivers screen and map need; the shelter as the export names it. */
typedef void (*tc_receiver_live_fn)(const struct tc_receiver *r, bool online, int64_t last_seen, void *user);
enum tc_rc tc_store_each_receiver_live(struct tc_store *s, tc_receiver_live_fn fn, void *user);
enum tc_rc tc_store_each_contact(struct tc_store *s, void (*fn)(const struct tc_contact *, void *), void *user);
enum tc_rc tc_store_each_shelter(struct tc_store *s, void (*fn)(const struct tc_shelter *, void *), void *user);

/* --- dispatch and tracking ------------------------------------------------------ */

/* One delivery with what dispatch and tracking need of its receiver. */
struct tc_delivery_row {
	char alert_id[17], target[64], channel[16], state[16];
	char region[16], kind[16]; /* of the receiver; "" when it left the registry */
	long attempts;
	int64_t due_at;            /* when its timer fires (unix s); 0: no timer */
	int64_t rowid;             /* where the store keeps it, 0 when unknown (found by its key then) */
};
typedef void (*tc_delivery_row_fn)(const struct tc_delivery_row *r, void *user);

/* One delivery; TC_ERR_NOTFOUND when the alert was not planned to target on channel. */
enum tc_rc tc_store_get_delivery(struct tc_store *s, const char *alert_id, const char *target, const char *channel,
				 struct tc_delivery_row *out);
/* The same without the receiver's region and kind (left ""), a third cheaper: for a state change
 * that needs neither (an acknowledgment never escalates). */
enum tc_rc tc_store_get_delivery_state(struct tc_store *s, const char *alert_id, const char *target,
				       const char *channel, struct tc_delivery_row *out);
/* Set a delivery's state, attempts, timer and last reason (reason may be NULL). */
enum tc_rc tc_store_update_delivery(struct tc_store *s, const struct tc_delivery_row *r, const char *reason,
				    int64_t now);
/* Every delivery of alert_id in state from goes to state to, with attempts and timer, in one statement. */
enum tc_rc tc_store_move_deliveries(struct tc_store *s, const char *alert_id, const char *from, const char *to,
				    long attempts, int64_t due_at, int64_t now);
/* An alert's deliveries in state (all when NULL), with each receiver's region and kind, by region. */
enum tc_rc tc_store_each_delivery_row(struct tc_store *s, const char *alert_id, const char *state,
				      tc_delivery_row_fn fn, void *user);
/* Deliveries whose timer has fired (0 < due_at <= now), oldest first, at most limit. */
enum tc_rc tc_store_due_deliveries(struct tc_store *s, int64_t now, size_t limit, tc_delivery_row_fn fn, void *user);
/* A receiver's deliveries in state "sent" or "escalated" of alerts still being delivered or active. */
enum tc_rc tc_store_receiver_pending(struct tc_store *s, const char *target, int64_t now, tc_delivery_row_fn fn,
				     void *user);
/*
 * Deliveries a late acknowledgment may still change: sent at least once and now sent, received
 * or escalated, of alerts being delivered or done and not expired at now; by alert and receiver,
 * without the receiver's region and kind. fn must not change deliveries (the query still walks
 * them); writing other tables is fine.
 */
enum tc_rc tc_store_each_unsettled(struct tc_store *s, int64_t now, tc_delivery_row_fn fn, void *user);

/* Record an acknowledgment as it came (kind: received, played, ...; detail may be NULL). */
enum tc_rc tc_store_put_ack(struct tc_store *s, const char *alert_id, const char *target, const char *kind,
			    const char *detail, int64_t at);
long tc_store_ack_count(struct tc_store *s, const char *alert_id);

/* A receiver's self-check answering a Test alert (docs/protocol.md, "Self-check"); strings borrowed. */
struct tc_store_selfcheck {
	const char *audio, *storage; /* "ok" or why not */
	int64_t clock_offset_ms, rtt_ms;
	const char *version;
	const char *kids;            /* key ids, comma separated */
};
/* Keep receiver's self-check for alert_id (the last one wins). */
enum tc_rc tc_store_put_selfcheck(struct tc_store *s, const char *alert_id, const char *receiver,
				  const struct tc_store_selfcheck *c, int64_t at);

/* An alert's deliveries still waiting for a receipt (planned or sent); -1 on error. */
long tc_store_awaiting_receipt(struct tc_store *s, const char *alert_id);

/* The sealed payload of an alert (what receivers get) and its priority. */
enum tc_rc tc_store_set_payload(struct tc_store *s, const char *alert_id, const void *sealed, size_t len,
				int priority);
/*
 * An alert without <expires> (expires_at 0) expires at expires_at: when its
 * payload says receivers end it. One that has an expiry keeps it.
 */
enum tc_rc tc_store_set_default_expiry(struct tc_store *s, const char *alert_id, int64_t expires_at);
/* *out is malloc'ed (the caller frees it); TC_ERR_NOTFOUND when the alert has no payload yet. */
enum tc_rc tc_store_get_payload(struct tc_store *s, const char *alert_id, unsigned char **out, size_t *len);

/* Rendered audio of one info language, published as its own message. */
enum tc_rc tc_store_put_audio(struct tc_store *s, const char *id, const char *alert_id, const char *lang,
			      const char *format, const char *sha256, unsigned duration_ms, const void *data,
			      size_t len);
enum tc_rc tc_store_each_audio(struct tc_store *s, const char *alert_id,
			       void (*fn)(const char *id, const void *data, size_t len, void *user), void *user);

/* A guidance sentence's audio, kept across alerts (id: tc_guidance_audio_id). */
struct tc_guidance_audio {
	char id[24], lang[36], format[16], sha256[65];
	unsigned duration_ms;
	size_t length;
};
enum tc_rc tc_store_put_guidance_audio(struct tc_store *s, const char *id, const char *lang, const char *text,
				       const char *format, const char *sha256, unsigned duration_ms, const void *data,
				       size_t len, int64_t now);
/* What is known of guidance audio id (not its bytes); TC_ERR_NOTFOUND when it was never rendered. */
enum tc_rc tc_store_get_guidance_audio(struct tc_store *s, const char *id, struct tc_guidance_audio *out);
/* Its bytes: *out is malloc'ed (the caller frees it); TC_ERR_NOTFOUND when it was never rendered. */
enum tc_rc tc_store_get_guidance_data(struct tc_store *s, const char *id, unsigned char **out, size_t *len);

/* Retained topics an alert was published on (so they can be cleared and re-published). */
enum tc_rc tc_store_add_published(struct tc_store *s, const char *alert_id, const char *topic);
enum tc_rc tc_store_each_published(struct tc_store *s, const char *alert_id, void (*fn)(const char *topic, void *user),
				   void *user);
enum tc_rc tc_store_clear_published(struct tc_store *s, const char *alert_id);

struct tc_alert_brief {
	const char *id, *msg_type;
	enum tc_alert_state state;
	int64_t expires_at;
	int priority;
	bool has_payload;
};
typedef void (*tc_alert_brief_fn)(const struct tc_alert_brief *a, void *user);
/* Alerts with work for dispatch: planned ones, and dispatching ones with planned deliveries; by priority. */
enum tc_rc tc_store_alerts_to_dispatch(struct tc_store *s, tc_alert_brief_fn fn, void *user);
/* Ended alerts (cancelled, superseded, expired) whose retained messages are still on the broker. */
enum tc_rc tc_store_alerts_to_clear(struct tc_store *s, tc_alert_brief_fn fn, void *user);
/* Alerts receivers should have now: dispatching or done, not expired at now. */
enum tc_rc tc_store_active_alerts(struct tc_store *s, int64_t now, tc_alert_brief_fn fn, void *user);
/*
 * Alerts whose expiry has passed at now: state expired, open deliveries
 * (planned, sent, received) expired. *n receives how many alerts.
 */
enum tc_rc tc_store_expire_alerts(struct tc_store *s, int64_t now, long *n);
/* Dispatching alerts none of whose deliveries is open any more become done; *n how many. */
enum tc_rc tc_store_finish_alerts(struct tc_store *s, int64_t now, long *n);

/* An alert's msgType, state and expiry, without its document; TC_ERR_NOTFOUND when unknown. */
enum tc_rc tc_store_alert_brief(struct tc_store *s, const char *id, char msg_type[16], enum tc_alert_state *state,
				int64_t *expires_at);

/* The shelter displays (signage receivers) linked to shelter id: fn with each one's id. */
enum tc_rc tc_store_displays_of_shelter(struct tc_store *s, const char *id, void (*fn)(const char *rx, void *),
					void *user);
/* One receiver as the export shows it; TC_ERR_NOTFOUND when it is not registered. */
enum tc_rc tc_store_get_receiver(struct tc_store *s, const char *id, struct tc_receiver *out);
/* A receiver's kind and region; TC_ERR_NOTFOUND when it is not registered. */
enum tc_rc tc_store_receiver_info(struct tc_store *s, const char *id, char kind[16], char region[16]);
/* Liveness from the receiver's status messages. */
enum tc_rc tc_store_receiver_seen(struct tc_store *s, const char *id, bool online, int64_t at);
/* Registered receivers whose region starts with prefix. */
long tc_store_count_region(struct tc_store *s, const char *prefix);
/* Receivers online (status online last). */
long tc_store_count_online(struct tc_store *s);

/*
 * Change watching, for those who follow alerts live (the API's event streams): while on, every
 * row of deliveries, alerts, SMS messages and escalations this connection inserts or updates is
 * noted (SQLite's update hook: each costs an append, whatever code wrote it).
 * tc_store_changed_alerts calls fn once for each alert whose rows were noted since it last ran
 * (an alert may come more than once), or once with NULL when too many were noted to keep (then
 * take every alert as changed), and forgets them. A change later rolled back is noted too: a
 * caller reads the alert again and finds nothing new. Turning it off forgets what was noted.
 */
enum tc_rc tc_store_watch(struct tc_store *s, bool on);
enum tc_rc tc_store_changed_alerts(struct tc_store *s, void (*fn)(const char *alert_id, void *user), void *user);

/* A village left without a working loudspeaker: recorded for the SMS channel to act on. */
enum tc_rc tc_store_put_escalation(struct tc_store *s, const char *alert_id, const char *target, const char *region,
				   const char *reason, int64_t now);
long tc_store_escalation_count(struct tc_store *s, const char *alert_id);

#endif
