/*
 * tc_payload.h — the JSON payload receivers and signage get over MQTT.
 *
 * Version 1 of the receiver contract (see README, "Receiver protocol"):
 *
 *   {"v":1, "id":"<tocsin alert id>", "identifier", "sender", "sent",
 *    "status", "msgType", "drill":bool, "references":[...],
 *    "colour":"blue|yellow|orange|red|none", "severity", "urgency",
 *    "priority":0-100, "repeats":n, "expires":"<CAP date-time>"|null,
 *    "kid":"<key id of the sealing key>", "issued_at":<unix s>, "expires_at":<unix s>,
 *    "scope":{"regions":["<region code prefix>",...], "receivers":["<receiver id>",...]},
 *    "infos":[{"lang", "event", "headline", "area", "instruction", "sender_name",
 *              "audio":{"id","format","sha256","length","duration_ms"}|null}]}
 *
 * expires_at is always there: the CAP's latest <expires>, else issued_at +
 * default_expiry_s. scope says who may act on it (docs/protocol.md,
 * "What a receiver checks").
 *
 * The payload is built once per alert and sealed with tc_sign_seal(); its
 * bytes are exactly what is signed. Audio travels as its own message and
 * is named here by id and SHA-256.
 */
#ifndef TC_PAYLOAD_H
#define TC_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "tc_cap.h"
#include "tc_diag.h"

#define TC_PAYLOAD_VERSION 1

/*
 * The colour level of an info: its parameter or headline (tc_cap_info_colour),
 * else derived from severity, so every payload names one.
 */
enum tc_cap_colour tc_payload_colour(const struct tc_cap_info *in);

/* 0-100: higher plays first. Severity weighs most, then urgency, then certainty. */
int tc_payload_priority(const struct tc_cap_info *in);

/* The REPEAT parameter of an info when it is 1..10, else fallback. */
int tc_payload_repeats(const struct tc_cap_info *in, int fallback);

struct tc_payload_audio {
	const char *lang;   /* the info language it was made for */
	const char *id;     /* the audio message's id (its topic suffix) */
	const char *format; /* "ogg-opus" or "wav" */
	char sha256[65];    /* hex */
	size_t length;      /* bytes */
	unsigned duration_ms;
};

struct tc_payload_options {
	const char *alert_id;    /* tocsin's id for the alert */
	int default_repeats;     /* when the alert has no REPEAT parameter */
	const struct tc_payload_audio *audio; /* one per info language, may be NULL */
	size_t n_audio;
	const char *kid;         /* the key id it is sealed with (tc_sign_kid) */
	int64_t issued_at;       /* unix seconds */
	long default_expiry_s;   /* expires_at = issued_at + this when the alert has no <expires> */
	const char *const *scope_regions;   /* region code prefixes in scope */
	size_t n_scope_regions;
	const char *const *scope_receivers; /* receiver ids in scope */
	size_t n_scope_receivers;
};

/*
 * Build the payload of alert a into a malloc'ed, NUL-terminated string
 * (*out, *out_len without the NUL). The caller frees *out.
 */
enum tc_rc tc_payload_build(const struct tc_cap_alert *a, const struct tc_payload_options *opt,
			    char **out, size_t *out_len, struct tc_diags *d);

/*
 * The payload's expires_at: the latest <expires> of the alert's infos, else
 * issued_at + default_expiry_s.
 */
int64_t tc_payload_expires_at(const struct tc_cap_alert *a, int64_t issued_at, long default_expiry_s);

/*
 * A stable id for an alert: the first 16 hex digits of the SHA-256 of
 * "sender,identifier,sent" — the triplet CAP uses to name a message.
 */
void tc_payload_alert_id(const struct tc_cap_alert *a, char out[17]);

#endif
