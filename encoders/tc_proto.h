/*
 * tc_proto.h — the receiver protocol, version 1: MQTT topic names and the
 * small JSON messages receivers and the server exchange besides the alert
 * payload (tc_payload.h). Shared by tocsind, tocsin-receiver,
 * tocsin-signage and tocsin-sim, so both ends read one definition.
 *
 * Topics, under a prefix (default "tocsin/v1"):
 *
 *   P/region/<code>/alert/<alert-id>  sealed alert payload; QoS 1, retained while
 *                                     the alert is active, MQTT 5 message expiry
 *                                     from CAP expires; an empty retained message
 *                                     clears it. A receiver subscribes to
 *                                     P/region/<c>/alert/+ for its own code and each
 *                                     of its prefixes of 2, 4, 6 and 9 digits.
 *   P/audio/<audio-id>                the Ogg/Opus message of one info language;
 *                                     retained, same expiry; its SHA-256 is in the
 *                                     signed payload
 *   P/rx/<receiver-id>/cmd            sealed, to one receiver: an alert payload (a
 *                                     re-send, or an alert whose area covers only part
 *                                     of a region) or a command {"v":1,"cmd":...}
 *   P/rx/<receiver-id>/ack            receiver to server: {"v":1,"alert","ack","at"[,"reason"]}
 *   P/rx/<receiver-id>/status         retained heartbeat {"v":1,"state":"online"|"offline",
 *                                     "at"[,"kind","version"]}; the Last Will says offline
 *
 * In a broker tree (docs/operations.md, "A broker tree") receivers keep these
 * topics on their county's broker, and the top broker, where tocsind is, holds
 * county C's under P/county/C/ (C: the first 6 digits of a region code); the
 * county broker's bridge maps one onto the other.
 *
 * Everything here is pure: text in, text out, no I/O.
 */
#ifndef TC_PROTO_H
#define TC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"

#define TC_PROTO_VERSION 1
#define TC_PROTO_DEFAULT_PREFIX "tocsin/v1"
#define TC_PROTO_MAX_TOPIC 256
#define TC_PROTO_MAX_REGIONS 6 /* a code and its prefixes: 2, 4, 6, 9, 12 digits */

enum tc_topic_kind {
	TC_TOPIC_REGION_ALERT = 0, /* a = region code, b = alert id ("+" for a subscription) */
	TC_TOPIC_AUDIO,            /* a = audio id */
	TC_TOPIC_RX_CMD,           /* a = receiver id */
	TC_TOPIC_RX_ACK,
	TC_TOPIC_RX_STATUS,
	TC_TOPIC_UNKNOWN,
};
const char *tc_topic_kind_name(enum tc_topic_kind k);

/*
 * Write the topic of kind under prefix into out. TC_ERR_USAGE when an id is
 * empty or holds '/', '+', '#' (it would change the topic's meaning),
 * TC_ERR_LIMIT when out is too small.
 */
enum tc_rc tc_proto_topic(char *out, size_t len, const char *prefix, enum tc_topic_kind kind, const char *a,
			  const char *b);

/*
 * Read a topic under prefix: its kind and the ids in it (a: region, audio or
 * receiver id; b: alert id). TC_TOPIC_UNKNOWN for anything else.
 */
enum tc_topic_kind tc_proto_parse_topic(const char *prefix, const char *topic, char *a, size_t a_len, char *b,
					size_t b_len);

/* Digits of a county's code: the first of a region code, the level of a county broker. */
#define TC_PROTO_COUNTY_DIGITS 6

/*
 * The prefix of county C's topics at the top of a broker tree, P/county/C, into
 * out; region: any region code of at least 6 digits, its first 6 name the county.
 * TC_ERR_USAGE when region does not start with 6 digits, TC_ERR_LIMIT when out is
 * too small.
 */
enum tc_rc tc_proto_county_prefix(char *out, size_t len, const char *prefix, const char *region);

/*
 * Read a topic of the top of a broker tree, P/county/C/...: the county into county
 * (7 bytes), then the rest as tc_proto_parse_topic reads it under P/county/C.
 * TC_TOPIC_UNKNOWN for anything else.
 */
enum tc_topic_kind tc_proto_parse_county_topic(const char *prefix, const char *topic, char county[7], char *a,
					       size_t a_len, char *b, size_t b_len);

/*
 * The region codes a receiver with code listens to: the code itself and its
 * prefixes of 2, 4, 6 and 9 digits shorter than it, longest first. Returns
 * how many (0 when code is not 2 to 12 digits).
 */
size_t tc_proto_region_scopes(const char *code, char out[TC_PROTO_MAX_REGIONS][16]);

/* Acknowledgments (docs/protocol.md, "Acknowledgments"). */
enum tc_ack_kind {
	TC_ACK_RECEIVED = 0, /* verified and queued */
	TC_ACK_PLAYING,
	TC_ACK_PLAYED,       /* loudspeaker: the whole programme was played */
	TC_ACK_DISPLAYED,    /* signage: on screen */
	TC_ACK_CLEARED,      /* stopped or taken off the screen (Cancel, Update, expiry) */
	TC_ACK_REJECTED,     /* refused: reason says why (bad-signature, expired, ...) */
	TC_ACK_FAILED,       /* accepted but could not be carried out: reason says why */
	TC_ACK_CHECKED,      /* a Test alert: nothing sounded, the self-check ran; its result in check */
	TC_ACK_N_KINDS,
};
const char *tc_ack_kind_name(enum tc_ack_kind k);
enum tc_rc tc_ack_kind_parse(const char *s, enum tc_ack_kind *out);

/*
 * The MQTT QoS an acknowledgment is published at. playing only tells when
 * the sound began: it changes no delivery state once received is in (which
 * goes first), so it goes at QoS 0 and costs the broker and tocsind no
 * PUBACK and no in-flight slot. Every other one goes at QoS 1: received,
 * played and displayed are what receipt and coverage are measured from.
 */
int tc_ack_qos(enum tc_ack_kind k);

/*
 * A receiver's self-check, carried by a checked acknowledgment (docs/protocol.md,
 * "Self-check"). audio and storage are "ok" or the reason they failed.
 */
#define TC_CHECK_MAX_KIDS 8
struct tc_selfcheck {
	char audio[64];
	char storage[64];
	int64_t clock_offset_ms; /* the receiver's clock at arrival minus the payload's issued_at */
	int64_t rtt_ms;          /* the broker round trip of its last QoS 1 publication; -1 unknown */
	char version[32];
	char kids[TC_CHECK_MAX_KIDS][17];
	size_t n_kids;
};

/* The name of the first failed field of c ("audio", "storage"), NULL when all are ok. */
const char *tc_selfcheck_failed(const struct tc_selfcheck *c);

struct tc_ack {
	char alert_id[17];
	enum tc_ack_kind kind;
	int64_t at;        /* unix seconds, the receiver's clock */
	char reason[128];  /* "" when none */
	char rx[64];       /* the receiver it names ("rx"), "" when none: must be the topic's */
	bool has_check;    /* checked: check is filled (a repeated checked may have none) */
	struct tc_selfcheck check;
};

/* Encode into out (NUL-terminated); returns the length, or 0 when out is too small. */
size_t tc_ack_encode(const struct tc_ack *a, char *out, size_t len);
/* Decode len bytes; TC_ERR_INVALID with a diagnostic naming what is wrong. */
enum tc_rc tc_ack_decode(const void *msg, size_t len, struct tc_ack *out, struct tc_diags *d);

struct tc_rx_status {
	bool online;
	int64_t at;
	char kind[16];     /* loudspeaker | signage | sim; "" unknown */
	char version[32];
	char rx[64];       /* the receiver it names ("rx"), "" when none: must be the topic's */
};
size_t tc_rx_status_encode(const struct tc_rx_status *s, char *out, size_t len);
enum tc_rc tc_rx_status_decode(const void *msg, size_t len, struct tc_rx_status *out, struct tc_diags *d);

/* Commands to one receiver, sealed like payloads. */
enum tc_cmd_kind {
	TC_CMD_CANCEL = 0, /* stop and clear alert_id now */
	TC_CMD_TEST_TONE,  /* play the attention signal for a few seconds (installers) */
	TC_CMD_SHELTER,    /* a shelter display's own shelter: name, capacity, occupancy, full */
	TC_CMD_GUIDANCE,   /* the way to shelter that ends alert_id's programme on this loudspeaker */
	TC_CMD_N_KINDS,
};
const char *tc_cmd_kind_name(enum tc_cmd_kind k);

/* One guidance sentence of a guidance command and its audio (published like message audio). */
#define TC_CMD_GUIDANCE_MAX 4
struct tc_cmd_guidance {
	char lang[36];
	char text[512];
	char audio_id[24];   /* g- and 16 hex digits */
	char format[16];     /* "ogg-opus" */
	char sha256[65];
	size_t length;
	unsigned duration_ms;
};

struct tc_cmd {
	enum tc_cmd_kind kind;
	char alert_id[17]; /* TC_CMD_CANCEL, TC_CMD_GUIDANCE */
	int64_t at;        /* when it was issued; receivers drop commands older than they accept */
	char nonce[17];    /* unique per command, so a replayed command is recognised */
	char rx[64];       /* the receiver it is for (a receiver obeys only its own) */
	char kid[17];      /* the key id it is sealed with */
	/* TC_CMD_SHELTER: as the registry and the shelter's manager say */
	char shelter_name[128];
	long capacity, occupancy;
	bool full;
	/* TC_CMD_GUIDANCE: one entry per language, at least one */
	struct tc_cmd_guidance guidance[TC_CMD_GUIDANCE_MAX];
	size_t n_guidance;
};
size_t tc_cmd_encode(const struct tc_cmd *c, char *out, size_t len);
enum tc_rc tc_cmd_decode(const void *msg, size_t len, struct tc_cmd *out, struct tc_diags *d);

/* Whether a sealed message's payload is a command (has "cmd") rather than an alert payload. */
bool tc_proto_is_cmd(const void *payload, size_t len);

/*
 * An alert payload as a receiver reads it (after tc_sign_open succeeded).
 * Strings point into the struct's own storage; free with tc_rx_alert_free().
 */
struct tc_rx_info {
	char *lang, *event, *headline, *area, *instruction, *sender_name;
	char *audio_id, *audio_format; /* NULL when the info has no audio */
	char audio_sha256[65];
	size_t audio_length;
	unsigned audio_duration_ms;
};

struct tc_rx_alert {
	int version;
	char id[17];
	char *identifier, *sender, *sent, *status, *msg_type, *colour, *severity, *urgency, *expires;
	bool drill;
	int priority, repeats;
	int64_t issued_at;      /* unix seconds */
	int64_t expires_at;     /* unix seconds (always there) */
	char kid[17];           /* the key id the payload says it is sealed with */
	char (*scope_regions)[16];   /* region code prefixes in scope */
	size_t n_scope_regions;
	char (*scope_receivers)[64]; /* receiver ids in scope */
	size_t n_scope_receivers;
	char (*references)[17]; /* the tocsin ids of the referenced alerts */
	size_t n_references;
	struct tc_rx_info *infos;
	size_t n_infos;
};

/*
 * Parse a payload. TC_ERR_INVALID (with the reason) when it is not JSON, of
 * another protocol version, or lacks id, msgType, infos, kid, issued_at,
 * expires_at or scope.
 */
enum tc_rc tc_rx_alert_parse(const void *payload, size_t len, struct tc_rx_alert **out, struct tc_diags *d);
void tc_rx_alert_free(struct tc_rx_alert *a);

/* The info in lang, else one whose language starts like it ("zh"), else the first; NULL when none. */
const struct tc_rx_info *tc_rx_alert_info(const struct tc_rx_alert *a, const char *lang);

/* The tocsin id of a CAP reference triplet "sender,identifier,sent" (as tc_payload_alert_id). */
void tc_proto_reference_id(const char *triplet, size_t len, char out[17]);

#endif
