/*
 * tc_smpp.h — tocsind's SMPP 3.4 client (ESME side): the session layer over
 * libsmpp34, which only packs and unpacks PDUs.
 *
 * One thread of its own owns the socket and every libsmpp34 call (the
 * library reports errors through globals, so it has one owner; the pure
 * helpers below take the same lock). It connects, binds as a transceiver,
 * keeps a window of outstanding submit_sm, paces them to the operator's
 * TPS, backs off on ESME_RTHROTTLED (0x58) and ESME_RMSGQFUL (0x14),
 * sends enquire_link when the link is quiet, reconnects with backoff and
 * re-sends what was outstanding, and unbinds on stop. What comes back is
 * posted to the owner thread as mails (tc_sms_gateway.h: TC_SMS_GW_*);
 * it never touches the store.
 *
 * It is the SMPP kind of SMS gateway (tc_smpp_gateway_start): the
 * gateway's parts become submit_sm here, and submit_sm_resp, deliver_sm
 * and generic_nack become the gateway's events.
 *
 * The session's life is a state-machine table (tc_smpp_next):
 *
 *        CONNECTED            BIND_OK
 *   closed ─────────> open ─────────────> bound ──── STOP ───> unbinding
 *     ^  ^             │ BIND_FAIL,        │ LINK_LOST,           │ UNBIND_RESP,
 *     │  └─────────────┘ LINK_LOST         │ PEER_UNBIND,         │ LINK_LOST,
 *     │                                    │ ENQUIRE_TIMEOUT      │ TIMEOUT
 *     └────────────────────────────────────┴──────────────────────┘
 *   bound also takes SUBMIT, RESP, DELIVER and ENQUIRE_DUE, staying bound.
 *
 * Invariants:
 *  1. submit_sm goes out only while bound, at most window outstanding and
 *     at most tps a second.
 *  2. A message leaves the session exactly once as a mail: submitted (with
 *     the SMSC's message id) or refused with a permanent status. Throttled,
 *     queue-full and unanswered messages go back to the front of the queue.
 *  3. Every deliver_sm is answered with deliver_sm_resp before its mail is
 *     posted.
 */
#ifndef TC_SMPP_H
#define TC_SMPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_mailbox.h"
#include "tc_sms_gateway.h"

/* --- the session state machine (pure) ------------------------------------------ */

enum tc_smpp_state {
	TC_SMPP_CLOSED = 0, /* no connection (connecting, or waiting to reconnect) */
	TC_SMPP_OPEN,       /* connected, bind_transceiver sent */
	TC_SMPP_BOUND,
	TC_SMPP_UNBINDING,  /* unbind sent, waiting for unbind_resp */
	TC_SMPP_N_STATES,
};

enum tc_smpp_event {
	TC_SMPP_EV_CONNECTED = 0,
	TC_SMPP_EV_BIND_OK,
	TC_SMPP_EV_BIND_FAIL,
	TC_SMPP_EV_SUBMIT,          /* a submit_sm may go out */
	TC_SMPP_EV_RESP,            /* a response to one of ours */
	TC_SMPP_EV_DELIVER,         /* deliver_sm from the SMSC */
	TC_SMPP_EV_ENQUIRE_DUE,     /* the link was quiet for enquire_link_s */
	TC_SMPP_EV_ENQUIRE_TIMEOUT, /* no answer to enquire_link in time */
	TC_SMPP_EV_PEER_UNBIND,
	TC_SMPP_EV_STOP,
	TC_SMPP_EV_UNBIND_RESP,
	TC_SMPP_EV_LINK_LOST,
	TC_SMPP_EV_TIMEOUT,         /* unbind_resp did not come */
	TC_SMPP_N_EVENTS,
};

const char *tc_smpp_state_name(enum tc_smpp_state s);
const char *tc_smpp_event_name(enum tc_smpp_event e);

/* The state after ev in st; false (and *next = st) when st does not accept ev. */
bool tc_smpp_next(enum tc_smpp_state st, enum tc_smpp_event ev, enum tc_smpp_state *next);

/* --- PDUs (pure, through libsmpp34) ------------------------------------------------ */

#define TC_SMPP_MAX_PDU 4096
#define TC_SMPP_SM_MAX 254

/* One short message to submit. */
struct tc_smpp_msg {
	uint64_t ref;                /* the caller's id for it (comes back in the mails) */
	char dest[24];               /* E.164 with or without '+' */
	uint8_t data_coding;         /* 0 GSM 7-bit (unpacked, one septet an octet), 8 UCS-2 */
	uint8_t esm_class;           /* 0x40 when sm starts with a UDH */
	uint8_t sm[TC_SMPP_SM_MAX];
	size_t sm_len;
};

/* What a received PDU says, as far as tocsind cares. */
struct tc_smpp_pdu {
	uint32_t command_id, status, seq;
	char message_id[66];   /* submit_sm_resp; receipts: the receipted message id */
	char source[24], dest[24];
	uint8_t esm_class, data_coding;
	uint8_t sm[TC_SMPP_SM_MAX + 1];
	size_t sm_len;
	int message_state;     /* the message_state TLV of a receipt; -1 when absent */
};

/*
 * A gateway's part as submit_sm carries it: GSM 7-bit as one septet an
 * octet (data_coding 0), UCS-2 big-endian (8); the UDH first with esm_class
 * 0x40.
 */
void tc_smpp_msg_from_submit(const struct tc_sms_submit *p, struct tc_smpp_msg *out);

/* Pack bind_transceiver, submit_sm, enquire_link, unbind or a response; bytes written, 0 on error. */
size_t tc_smpp_pack_bind(uint8_t *out, size_t cap, uint32_t seq, const char *system_id, const char *password,
			 const char *system_type);
size_t tc_smpp_pack_submit(uint8_t *out, size_t cap, uint32_t seq, const struct tc_smpp_msg *m, const char *source);
size_t tc_smpp_pack_simple(uint8_t *out, size_t cap, uint32_t command_id, uint32_t status, uint32_t seq);
size_t tc_smpp_pack_deliver_resp(uint8_t *out, size_t cap, uint32_t seq);

/* Length of the PDU at the start of buf once its header is there (0: need more bytes); -1: not SMPP. */
long tc_smpp_frame(const uint8_t *buf, size_t len);

/*
 * Unpack one whole PDU of len bytes. TC_ERR_INVALID (d says why) for what
 * libsmpp34 refuses or what breaks SMPP's limits; never crashes on input.
 */
enum tc_rc tc_smpp_parse(const uint8_t *buf, size_t len, struct tc_smpp_pdu *out, struct tc_diags *d);

/* The text of a short message as UTF-8 (GSM 7-bit unpacked, UCS-2, Latin-1, ASCII); bytes written. */
size_t tc_smpp_text(const uint8_t *sm, size_t len, uint8_t data_coding, bool has_udh, char *out, size_t cap);

const char *tc_smpp_status_name(uint32_t status);

/* --- the session thread ------------------------------------------------------------ */

struct tc_smpp_options {
	const char *host;
	int port;
	const char *system_id, *password, *system_type;
	const char *source;          /* source address of what is sent ("" lets the SMSC choose) */
	long tps;                    /* submit_sm a second, at most */
	long window;                 /* outstanding submit_sm, at most */
	long enquire_link_s;         /* a quiet link is probed after this */
	long response_timeout_s;     /* an unanswered request after this: the link is dropped */
	long queue_max;              /* messages waiting for the link, at most */
	unsigned gateway;            /* the engine's index of this gateway, stamped on its events (tc_sms_event.gw) */
	const char *name;            /* the gateway's name, the label gateway="NAME" of its metrics (NULL: "default"); kept by the caller */
};

struct tc_smpp_stats {
	unsigned long submitted, refused, throttled, queue_full, resent, receipts, mo, binds, disconnects, enquires;
};

struct tc_smpp;

/* The SMPP kind of SMS gateway: a session (tc_smpp_start) behind the gateway's ops table. */
enum tc_rc tc_smpp_gateway_start(const struct tc_smpp_options *o, struct tc_mailbox *mb, struct tc_sms_gateway **out,
				 struct tc_diags *d);

/* Start the session thread; mails go to mb. */
enum tc_rc tc_smpp_start(const struct tc_smpp_options *o, struct tc_mailbox *mb, struct tc_smpp **out,
			 struct tc_diags *d);
/* Unbind (waiting at most a second for the SMSC), stop the thread; NULL is a no-op. */
void tc_smpp_stop(struct tc_smpp *s);

/*
 * Answer the deliver_sm a receipt or an MO came in (token: its event's answer, naming the link
 * and the deliver_sm's sequence number): tocsind has written what it brought. Thread-safe; sent
 * within one turn of the session loop (20 ms) if that link is still up, else dropped: the SMSC
 * delivers an unanswered deliver_sm again on the next link.
 */
void tc_smpp_answer(struct tc_smpp *s, uint64_t token);

/* Queue m (copied; thread-safe). TC_ERR_LIMIT when queue_max messages already wait. */
enum tc_rc tc_smpp_submit(struct tc_smpp *s, const struct tc_smpp_msg *m);
bool tc_smpp_bound(const struct tc_smpp *s);
/* Messages queued or outstanding (not yet answered). */
size_t tc_smpp_pending(struct tc_smpp *s);
/*
 * Take up to max messages off the front of the queue (thread-safe): their refs into refs; how
 * many. What a dropped link left unanswered is at the front (it would go out again first).
 */
size_t tc_smpp_take_back(struct tc_smpp *s, uint64_t *refs, size_t max);
void tc_smpp_get_stats(struct tc_smpp *s, struct tc_smpp_stats *out);

#endif
