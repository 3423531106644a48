/*
 * tc_dispatch.h — from planned deliveries to receivers, and back: the owner
 * thread's side of MQTT.
 *
 * Everything it decides is read from and written to the store, so a
 * restarted tocsind resumes: planned alerts are rendered (once, by the
 * render worker) and published; sent deliveries keep their timers;
 * retained messages are put back on a broker that lost them.
 *
 * Publishing an alert: the sealed payload goes retained to
 * P/region/<scope>/alert/<id> for every region scope whose registered
 * receivers are all targets (a county code reaches every village under
 * it), and directly to P/rx/<id>/cmd for targets in no such scope (an area
 * that covers part of a village, receivers that refuse drills). The audio
 * of each language goes once, retained, to P/audio/<audio id>. Retained
 * messages expire with the alert (MQTT 5 message expiry) and are cleared
 * when it is cancelled or superseded.
 *
 * Coming back: acknowledgments move deliveries through tc_track's state
 * machine; statuses mark receivers online or offline, and a receiver that
 * comes back gets what it is still missing. Timers re-send, then escalate.
 */
#ifndef TC_DISPATCH_H
#define TC_DISPATCH_H

#include <stdio.h>

#include "tc_mailbox.h"
#include "tc_mqtt.h"
#include "tc_renderer.h"
#include "tc_routes.h"
#include "tc_store.h"
#include "tc_track.h"

struct tc_dispatch_options {
	const char *prefix;            /* topic prefix (tocsin/v1) */
	struct tc_track_policy policy;
	long default_expiry_s;         /* for alerts without <expires> */
	uint8_t secret_key[TC_SIGN_SECRET_BYTES]; /* seals commands (cancel) */
	double shelter_walk_m;         /* the way to shelter's walking limit (0: TC_SHELTER_WALK_M_DEFAULT) */
	bool county_tree;              /* a broker tree: receivers' topics under P/county/<county> (tc_dispatch_tree.c) */
	const struct tc_route *routes; /* several brokers (region_broker): route i is on brokers[i] (tc_routes.h) */
	struct tc_mqtt *const *brokers;
	size_t n_routes;               /* 0: the one broker of tc_dispatch_new */
};

struct tc_dispatch_stats {
	unsigned long acks, acks_refused, acks_unknown, statuses, resends, escalations, published_alerts, cleared,
		asked_again;
	unsigned long acks_not_sent;      /* for a delivery never sent: ignored */
	unsigned long acks_foreign;       /* naming another receiver than the topic's: ignored */
	unsigned long acks_wrong_county;  /* in a broker tree, from another county's branch than the receiver's: ignored */
	unsigned long acks_wrong_broker;  /* with several brokers, from another broker than the receiver's: ignored */
	unsigned long acks_out_of_order;  /* refused by the delivery's state (logged) */
	unsigned long resends_held;       /* online re-sends held: one per delivery per ack_timeout_s */
	unsigned long unpublishable;      /* targets failed because they cannot be published to */
	unsigned long guidance_rendered;  /* distinct guidance sentences rendered (each once) */
	unsigned long guidance_cached;    /* distinct guidance sentences of an alert found already rendered */
	unsigned long guidance_sent;      /* guidance commands sent to receivers */
	unsigned long guidance_audio;     /* guidance audio published (retained), a group's once a broker or county */
	unsigned long store_errors; /* store calls that failed (their transaction was rolled back, done again) */
	/* broker messages (acknowledgments, statuses) by the time from their arrival to their write being
	 * committed: counts per bucket of TC_DISPATCH_WAIT_BUCKETS_MS (the last: longer), the longest */
	unsigned long waited[8];
	int64_t waited_max_ms;
};
#define TC_DISPATCH_WAIT_BUCKETS_MS 20, 50, 100, 200, 500, 1000, 5000

struct tc_dispatch;

/* The store, broker and renderer stay the caller's; they must outlive the dispatcher. */
struct tc_dispatch *tc_dispatch_new(struct tc_store *s, struct tc_mqtt *mq, struct tc_renderer *rd,
				    const struct tc_dispatch_options *o);
void tc_dispatch_free(struct tc_dispatch *dp);

/*
 * Handle mails from the broker thread and the render worker (the whole
 * list, in one transaction), then free them. True when what they brought
 * calls for tc_dispatch_work now (a rendered alert to publish, a broker
 * connection, an escalation for the SMS side); plain acknowledgments and
 * statuses do not. A batch the store cannot take (locked past its busy
 * timeout, a failing disk: any read or write of it refused) is rolled back,
 * kept whole and handled again, before the mails of the next call: the
 * broker has forgotten what it handed over.
 */
bool tc_dispatch_handle(struct tc_dispatch *dp, struct tc_mail *mails, int64_t now);
/* Whether a refused batch is waiting: call tc_dispatch_handle again, with no new mail if need be. */
bool tc_dispatch_holding(const struct tc_dispatch *dp);
/*
 * The last run stopped uncleanly: once connected, send every receiver of an unsettled
 * delivery (tc_store_each_unsettled) its alert again, so that it repeats the acknowledgment
 * the last run may have taken without writing it.
 */
void tc_dispatch_ask_again(struct tc_dispatch *dp);

/*
 * Do what is due: expire, clear ended alerts, render and publish planned ones, fire timers, finish.
 * A round the store refuses in any read or write is rolled back whole and done again next call.
 */
void tc_dispatch_work(struct tc_dispatch *dp, int64_t now);

const struct tc_dispatch_stats *tc_dispatch_stats(const struct tc_dispatch *dp);
/* Prometheus lines for /metrics. */
void tc_dispatch_metrics(const struct tc_dispatch *dp, FILE *f);

/*
 * Who may act on an alert's payload, from its deliveries rows (sorted by
 * region, as tc_store_each_delivery_row gives them), as the render worker
 * takes it (tc_renderer_submit): "rx ID" lines for the mqtt targets, or when
 * there are more than 256 of them "region CODE" lines of their distinct
 * region codes (and "rx ID" for one without a region). Malloc'ed; NULL when
 * out of memory.
 */
char *tc_dispatch_scope_text(const struct tc_delivery_row *rows, size_t n_rows);

/*
 * Tell the shelter displays linked to shelter id (tc_store_displays_of_shelter) its name,
 * capacity, occupancy and whether it is full: a sealed shelter command on each one's
 * P/rx/<id>/cmd (docs/protocol.md). Also sent by itself to a display that comes online.
 * Nothing when the broker is not connected (the display is told when it comes online).
 */
void tc_dispatch_shelter_changed(struct tc_dispatch *dp, const char *shelter_id, int64_t now);

/* Seal commands with sk from now on (a key reload). */
void tc_dispatch_set_key(struct tc_dispatch *dp, const uint8_t sk[TC_SIGN_SECRET_BYTES]);

#endif
