/*
 * tc_store_relay.h — what the relay with confirmation (叫应) keeps in the
 * store: per alert and town or village, the progress of its chain of
 * people (relay_chains), so that a restarted tocsind goes on from the
 * person told last and never tells anyone twice.
 *
 * A chain's SMS are sms_messages rows of purpose "relay" whose region is
 * the chain's and whose batch is the person's place in it; the duty
 * room's is purpose "relay-duty".
 *
 *     waiting ── a step's reply with its code ──> confirmed
 *     waiting ── due_at passes, someone after ──> waiting (the next told, due_at again)
 *     waiting ── due_at passes, nobody after ──> ran-out
 */
#ifndef TC_STORE_RELAY_H
#define TC_STORE_RELAY_H

#include "tc_store.h"

struct tc_relay_chain {
	char alert_id[17], region[16], state[16];
	int position;       /* place of the person told last */
	int64_t message_id; /* that person's SMS */
	int64_t started_at, due_at, ended_at;
	bool duty_told;
};
typedef void (*tc_relay_chain_fn)(const struct tc_relay_chain *c, void *user);

/* The chain of region starts for alert: the person at position was told by message_id. */
enum tc_rc tc_store_relay_start(struct tc_store *s, const char *alert_id, const char *region, int position,
				int64_t message_id, int64_t now, int64_t due_at);
/* The relay of alert was started with chains chains (at most once an alert; *first false when it was before). */
enum tc_rc tc_store_relay_mark_started(struct tc_store *s, const char *alert_id, long chains, int64_t now, bool *first);
/* Waiting chains whose step is overdue (0 < due_at <= now) of alerts still being delivered, at most limit. */
enum tc_rc tc_store_relay_due(struct tc_store *s, int64_t now, size_t limit, tc_relay_chain_fn fn, void *user);
/* The chain told the person at position by message_id; the next step is due at due_at. Only while waiting. */
enum tc_rc tc_store_relay_advance(struct tc_store *s, const char *alert_id, const char *region, int position,
				  int64_t message_id, int64_t due_at);
/* The chain ran out: nobody after the last person told. */
enum tc_rc tc_store_relay_ran_out(struct tc_store *s, const char *alert_id, const char *region, int64_t now);
/* Message id (a relay SMS) was confirmed: its chain, while waiting, is confirmed. *chain true when one was. */
enum tc_rc tc_store_relay_confirmed(struct tc_store *s, int64_t message_id, int64_t now, bool *chain);
/* Alerts with chains that ran out and whose duty room was not told, none of whose chains still waits (at most 16). */
enum tc_rc tc_store_relay_duty_due(struct tc_store *s, void (*fn)(const char *alert_id, void *user), void *user);
/* The duty room was told of the alert's chains that ran out. */
enum tc_rc tc_store_relay_duty_told(struct tc_store *s, const char *alert_id);
/* The alert's chains, by region. */
enum tc_rc tc_store_relay_each(struct tc_store *s, const char *alert_id, tc_relay_chain_fn fn, void *user);

/* One person told in a chain: their relay SMS. */
struct tc_relay_step {
	const char *region, *phone, *name, *role, *state, *reply; /* reply NULL: none */
	int position;
	int64_t told_at;     /* queued for the SMSC */
	int64_t sent_at;     /* accepted by the SMSC (0: not yet) */
	int64_t confirmed_at;
};
/* The alert's relay SMS, by region and place (purpose "relay"). */
enum tc_rc tc_store_relay_steps(struct tc_store *s, const char *alert_id,
				void (*fn)(const struct tc_relay_step *st, void *user), void *user);

/* The first person of region's chain after position (relay > position): TC_ERR_NOTFOUND when none. */
enum tc_rc tc_store_relay_next(struct tc_store *s, const char *region, int position, struct tc_contact *out);

#endif
