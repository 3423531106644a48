/*
 * tc_proto.c — topic names and the protocol's small messages (tc_proto.h).
 */
#include "tc_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_sign.h"

static const char *const topic_names[] = { "region-alert", "audio", "rx-cmd", "rx-ack", "rx-status", "unknown" };

const char *tc_topic_kind_name(enum tc_topic_kind k)
{
	return k <= TC_TOPIC_UNKNOWN ? topic_names[k] : "unknown";
}

/* An id may stand in one topic level: not empty, no '/', '+' or '#' (except a lone "+" where allowed). */
static bool level_ok(const char *s, bool wildcard)
{
	if (!s || !*s)
		return false;
	if (wildcard && !strcmp(s, "+"))
		return true;
	return !strpbrk(s, "/+#");
}

enum tc_rc tc_proto_topic(char *out, size_t len, const char *prefix, enum tc_topic_kind kind, const char *a,
			  const char *b)
{
	int n;
	if (!prefix || !*prefix)
		prefix = TC_PROTO_DEFAULT_PREFIX;
	if (!level_ok(a, kind == TC_TOPIC_REGION_ALERT) || (kind == TC_TOPIC_REGION_ALERT && !level_ok(b, true)))
		return TC_ERR_USAGE;
	switch (kind) {
	case TC_TOPIC_REGION_ALERT: n = snprintf(out, len, "%s/region/%s/alert/%s", prefix, a, b); break;
	case TC_TOPIC_AUDIO: n = snprintf(out, len, "%s/audio/%s", prefix, a); break;
	case TC_TOPIC_RX_CMD: n = snprintf(out, len, "%s/rx/%s/cmd", prefix, a); break;
	case TC_TOPIC_RX_ACK: n = snprintf(out, len, "%s/rx/%s/ack", prefix, a); break;
	case TC_TOPIC_RX_STATUS: n = snprintf(out, len, "%s/rx/%s/status", prefix, a); break;
	default: return TC_ERR_USAGE;
	}
	return n < 0 || (size_t)n >= len ? TC_ERR_LIMIT : TC_OK;
}

/*
 * Copy the level at *p (up to '/' or the end) into out and advance *p past
 * it; when more must follow (more), it must be a '/', which is skipped too.
 * So "a/" never reads as "a": a trailing '/' is an empty level of its own.
 */
static bool take_level(const char **p, char *out, size_t len, bool more)
{
	size_t n = strcspn(*p, "/");
	if (!n || n >= len || (more && (*p)[n] != '/'))
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + more;
	return true;
}

enum tc_topic_kind tc_proto_parse_topic(const char *prefix, const char *topic, char *a, size_t a_len, char *b,
					size_t b_len)
{
	char what[16];
	if (!prefix || !*prefix)
		prefix = TC_PROTO_DEFAULT_PREFIX;
	size_t pl = strlen(prefix);
	if (strncmp(topic, prefix, pl) || topic[pl] != '/')
		return TC_TOPIC_UNKNOWN;
	const char *p = topic + pl + 1;
	if (!take_level(&p, what, sizeof(what), true))
		return TC_TOPIC_UNKNOWN;
	if (!strcmp(what, "audio"))
		return take_level(&p, a, a_len, false) && !*p ? TC_TOPIC_AUDIO : TC_TOPIC_UNKNOWN;
	if (!take_level(&p, a, a_len, true))
		return TC_TOPIC_UNKNOWN;
	if (!strcmp(what, "region")) {
		if (strncmp(p, "alert/", 6))
			return TC_TOPIC_UNKNOWN;
		p += 6;
		return take_level(&p, b, b_len, false) && !*p ? TC_TOPIC_REGION_ALERT : TC_TOPIC_UNKNOWN;
	}
	if (strcmp(what, "rx"))
		return TC_TOPIC_UNKNOWN;
	if (!strcmp(p, "cmd"))
		return TC_TOPIC_RX_CMD;
	if (!strcmp(p, "ack"))
		return TC_TOPIC_RX_ACK;
	if (!strcmp(p, "status"))
		return TC_TOPIC_RX_STATUS;
	return TC_TOPIC_UNKNOWN;
}

/* Whether s starts with a county's code (TC_PROTO_COUNTY_DIGITS digits). */
static bool county_code(const char *s)
{
	for (size_t i = 0; i < TC_PROTO_COUNTY_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum tc_rc tc_proto_county_prefix(char *out, size_t len, const char *prefix, const char *region)
{
	if (!prefix || !*prefix)
		prefix = TC_PROTO_DEFAULT_PREFIX;
	if (!region || !county_code(region))
		return TC_ERR_USAGE;
	int n = snprintf(out, len, "%s/county/%.*s", prefix, TC_PROTO_COUNTY_DIGITS, region);
	return n < 0 || (size_t)n >= len ? TC_ERR_LIMIT : TC_OK;
}

enum tc_topic_kind tc_proto_parse_county_topic(const char *prefix, const char *topic, char county[7], char *a,
					       size_t a_len, char *b, size_t b_len)
{
	char under[TC_PROTO_MAX_TOPIC];
	if (!prefix || !*prefix)
		prefix = TC_PROTO_DEFAULT_PREFIX;
	size_t pl = strlen(prefix);
	if (strncmp(topic, prefix, pl) || strncmp(topic + pl, "/county/", 8))
		return TC_TOPIC_UNKNOWN;
	const char *c = topic + pl + 8;
	if (!county_code(c) || c[TC_PROTO_COUNTY_DIGITS] != '/' ||
	    tc_proto_county_prefix(under, sizeof(under), prefix, c))
		return TC_TOPIC_UNKNOWN;
	snprintf(county, 7, "%.*s", TC_PROTO_COUNTY_DIGITS, c);
	return tc_proto_parse_topic(under, topic, a, a_len, b, b_len);
}

size_t tc_proto_region_scopes(const char *code, char out[TC_PROTO_MAX_REGIONS][16])
{
	static const size_t lengths[] = { 9, 6, 4, 2 };
	size_t n = strlen(code), k = 0;
	if (n < 2 || n > 12 || strspn(code, "0123456789") != n)
		return 0;
	snprintf(out[k++], 16, "%s", code);
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		if (lengths[i] < n)
			snprintf(out[k++], 16, "%.*s", (int)lengths[i], code);
	return k;
}

/* --- small JSON messages ----------------------------------------------------------- */

static const char *const ack_names[] = { "received", "playing", "played", "displayed", "cleared", "rejected", "failed",
					 "checked" };

const char *tc_ack_kind_name(enum tc_ack_kind k)
{
	return k < TC_ACK_N_KINDS ? ack_names[k] : "unknown";
}

enum tc_rc tc_ack_kind_parse(const char *s, enum tc_ack_kind *out)
{
	for (int i = 0; s && i < TC_ACK_N_KINDS; i++)
		if (!strcmp(s, ack_names[i])) {
			*out = (enum tc_ack_kind)i;
			return TC_OK;
		}
	return TC_ERR_INVALID;
}

int tc_ack_qos(enum tc_ack_kind k)
{
	return k == TC_ACK_PLAYING ? 0 : 1;
}

static const char *const cmd_names[] = { "cancel", "test-tone", "shelter", "guidance" };

const char *tc_cmd_kind_name(enum tc_cmd_kind k)
{
	return k < TC_CMD_N_KINDS ? cmd_names[k] : "unknown";
}

/* Serialise j (consumed) into out; the length, or 0 when it does not fit. */
static size_t dump(json_t *j, char *out, size_t len)
{
	size_t n = j ? json_dumpb(j, out, len, JSON_COMPACT | JSON_PRESERVE_ORDER) : 0;
	json_decref(j);
	if (!n || n >= len)
		return 0;
	out[n] = '\0';
	return n;
}

/* Parse msg as a JSON object of protocol version 1; NULL with a diagnostic when it is not one. */
static json_t *load_v1(const void *msg, size_t len, const char *what, struct tc_diags *d)
{
	json_error_t e;
	json_t *j = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &e);
	if (!j || !json_is_object(j)) {
		tc_err(d, "proto.json", what, "the %s is not a JSON object: %s", what, j ? "another JSON value" : e.text);
		json_decref(j);
		return NULL;
	}
	json_t *v = json_object_get(j, "v");
	if (!json_is_integer(v) || json_integer_value(v) != TC_PROTO_VERSION) {
		tc_err(d, "proto.version", what, "the %s is not of protocol version %d", what, TC_PROTO_VERSION);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Copy string member key of j into out; false when it is missing, not a string or too long. */
static bool get_text(json_t *j, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(j, key);
	if (!json_is_string(v) || json_string_length(v) >= len)
		return false;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return true;
}

static bool is_alert_id(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

size_t tc_ack_encode(const struct tc_ack *a, char *out, size_t len)
{
	json_t *j = json_pack("{s:i, s:s, s:s, s:I}", "v", TC_PROTO_VERSION, "alert", a->alert_id, "ack",
			      tc_ack_kind_name(a->kind), "at", (json_int_t)a->at);
	if (j && a->reason[0])
		json_object_set_new(j, "reason", json_string(a->reason));
	if (j && a->rx[0])
		json_object_set_new(j, "rx", json_string(a->rx));
	if (j && a->kind == TC_ACK_CHECKED && a->has_check) {
		const struct tc_selfcheck *c = &a->check;
		json_t *kids = json_array();
		for (size_t i = 0; kids && i < c->n_kids && i < TC_CHECK_MAX_KIDS; i++)
			json_array_append_new(kids, json_string(c->kids[i]));
		json_object_set_new(j, "check",
				    json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "audio", c->audio, "storage", c->storage,
					      "clock_offset_ms", (json_int_t)c->clock_offset_ms, "rtt_ms",
					      (json_int_t)c->rtt_ms, "version", c->version, "kids", kids));
	}
	return dump(j, out, len);
}

const char *tc_selfcheck_failed(const struct tc_selfcheck *c)
{
	if (strcmp(c->audio, "ok"))
		return "audio";
	if (strcmp(c->storage, "ok"))
		return "storage";
	return NULL;
}

/* The check object of a checked acknowledgment into c; NULL when fine, else what is wrong. */
static const char *decode_check(json_t *o, struct tc_selfcheck *c)
{
	json_t *off = json_object_get(o, "clock_offset_ms"), *rtt = json_object_get(o, "rtt_ms");
	json_t *kids = json_object_get(o, "kids");
	if (!json_is_object(o))
		return "\"check\" is not an object";
	if (!get_text(o, "audio", c->audio, sizeof(c->audio)) || !c->audio[0])
		return "check.audio is not ok or a reason of under 64 bytes";
	if (!get_text(o, "storage", c->storage, sizeof(c->storage)) || !c->storage[0])
		return "check.storage is not ok or a reason of under 64 bytes";
	if (!json_is_integer(off) || !json_is_integer(rtt))
		return "check.clock_offset_ms and check.rtt_ms must be whole numbers (milliseconds)";
	if (json_object_get(o, "version") && !get_text(o, "version", c->version, sizeof(c->version)))
		return "check.version is not text of under 32 bytes";
	if (kids && (!json_is_array(kids) || json_array_size(kids) > TC_CHECK_MAX_KIDS))
		return "check.kids is not a list of at most 8 key ids";
	for (size_t i = 0; kids && i < json_array_size(kids); i++) {
		json_t *k = json_array_get(kids, i);
		if (!json_is_string(k) || json_string_length(k) >= sizeof(c->kids[0]))
			return "check.kids holds something other than a key id";
		memcpy(c->kids[i], json_string_value(k), json_string_length(k) + 1);
		c->n_kids = i + 1;
	}
	c->clock_offset_ms = (int64_t)json_integer_value(off);
	c->rtt_ms = (int64_t)json_integer_value(rtt);
	return NULL;
}

enum tc_rc tc_ack_decode(const void *msg, size_t len, struct tc_ack *out, struct tc_diags *d)
{
	char kind[16];
	const char *why = NULL;
	memset(out, 0, sizeof(*out));
	json_t *j = load_v1(msg, len, "acknowledgment", d);
	if (!j)
		return TC_ERR_INVALID;
	enum tc_rc rc = TC_ERR_INVALID;
	json_t *at = json_object_get(j, "at");
	if (!get_text(j, "alert", out->alert_id, sizeof(out->alert_id)) || !is_alert_id(out->alert_id))
		tc_err(d, "proto.ack.alert", "alert", "the acknowledgment does not name an alert id (16 hex digits)");
	else if (!get_text(j, "ack", kind, sizeof(kind)) || tc_ack_kind_parse(kind, &out->kind))
		tc_err(d, "proto.ack.kind", "ack",
		       "the acknowledgment kind must be one of received, playing, played, displayed, cleared, rejected, failed, "
		       "checked");
	else if (!json_is_integer(at))
		tc_err(d, "proto.ack.at", "at", "the acknowledgment has no time (\"at\", unix seconds)");
	else if (json_object_get(j, "reason") && !get_text(j, "reason", out->reason, sizeof(out->reason)))
		tc_err(d, "proto.ack.reason", "reason", "the acknowledgment's reason is not text of under 128 bytes");
	else if (json_object_get(j, "rx") && !get_text(j, "rx", out->rx, sizeof(out->rx)))
		tc_err(d, "proto.ack.rx", "rx", "the acknowledgment's receiver (\"rx\") is not text of under 64 bytes");
	else if (out->kind == TC_ACK_CHECKED && json_object_get(j, "check") &&
		 (why = decode_check(json_object_get(j, "check"), &out->check)))
		tc_err(d, "proto.ack.check", "check", "the acknowledgment's self-check is wrong: %s", why);
	else {
		out->at = (int64_t)json_integer_value(at);
		out->has_check = out->kind == TC_ACK_CHECKED && json_object_get(j, "check");
		rc = TC_OK;
	}
	json_decref(j);
	return rc;
}

size_t tc_rx_status_encode(const struct tc_rx_status *s, char *out, size_t len)
{
	json_t *j = json_pack("{s:i, s:s, s:I}", "v", TC_PROTO_VERSION, "state", s->online ? "online" : "offline", "at",
			      (json_int_t)s->at);
	if (j && s->kind[0])
		json_object_set_new(j, "kind", json_string(s->kind));
	if (j && s->version[0])
		json_object_set_new(j, "version", json_string(s->version));
	return dump(j, out, len);
}

enum tc_rc tc_rx_status_decode(const void *msg, size_t len, struct tc_rx_status *out, struct tc_diags *d)
{
	char state[16];
	memset(out, 0, sizeof(*out));
	json_t *j = load_v1(msg, len, "status", d);
	if (!j)
		return TC_ERR_INVALID;
	enum tc_rc rc = TC_ERR_INVALID;
	if (!get_text(j, "state", state, sizeof(state)) || (strcmp(state, "online") && strcmp(state, "offline")))
		tc_err(d, "proto.status.state", "state", "the status must say \"online\" or \"offline\"");
	else {
		out->online = !strcmp(state, "online");
		json_t *at = json_object_get(j, "at");
		out->at = json_is_integer(at) ? (int64_t)json_integer_value(at) : 0;
		get_text(j, "kind", out->kind, sizeof(out->kind));
		get_text(j, "version", out->version, sizeof(out->version));
		if (json_object_get(j, "rx") && !get_text(j, "rx", out->rx, sizeof(out->rx)))
			tc_err(d, "proto.status.rx", "rx", "the status's receiver (\"rx\") is not text of under 64 bytes");
		else
			rc = TC_OK;
	}
	json_decref(j);
	return rc;
}

size_t tc_cmd_encode(const struct tc_cmd *c, char *out, size_t len)
{
	json_t *j = json_pack("{s:i, s:s, s:I, s:s}", "v", TC_PROTO_VERSION, "cmd", tc_cmd_kind_name(c->kind), "at",
			      (json_int_t)c->at, "nonce", c->nonce);
	if (j && (c->kind == TC_CMD_CANCEL || c->kind == TC_CMD_GUIDANCE))
		json_object_set_new(j, "alert", json_string(c->alert_id));
	if (j && c->kind == TC_CMD_GUIDANCE) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < c->n_guidance && i < TC_CMD_GUIDANCE_MAX; i++) {
			const struct tc_cmd_guidance *g = &c->guidance[i];
			json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:I}}", "lang", g->lang, "text",
							      g->text, "audio", "id", g->audio_id, "format", g->format,
							      "sha256", g->sha256, "length", (json_int_t)g->length,
							      "duration_ms", (json_int_t)g->duration_ms));
		}
		json_object_set_new(j, "guidance", list);
	}
	if (j && c->kind == TC_CMD_SHELTER) {
		json_object_set_new(j, "name", json_string(c->shelter_name));
		json_object_set_new(j, "capacity", json_integer(c->capacity));
		json_object_set_new(j, "occupancy", json_integer(c->occupancy));
		json_object_set_new(j, "full", json_boolean(c->full));
	}
	if (j) {
		json_object_set_new(j, "rx", json_string(c->rx));
		json_object_set_new(j, "kid", json_string(c->kid));
	}
	return dump(j, out, len);
}

/* A shelter command's own fields into out; false when one is missing or out of range. */
static bool shelter_fields(json_t *j, struct tc_cmd *out)
{
	json_t *cap = json_object_get(j, "capacity"), *occ = json_object_get(j, "occupancy"),
	       *full = json_object_get(j, "full");
	if (!get_text(j, "name", out->shelter_name, sizeof(out->shelter_name)) || !json_is_integer(cap) ||
	    !json_is_integer(occ) || !json_is_boolean(full) || json_integer_value(cap) < 0 || json_integer_value(occ) < 0 ||
	    json_integer_value(cap) > 100000000 || json_integer_value(occ) > 100000000)
		return false;
	out->capacity = (long)json_integer_value(cap);
	out->occupancy = (long)json_integer_value(occ);
	out->full = json_is_true(full);
	return true;
}

/* One guidance entry; false when a field is missing or out of range. */
static bool guidance_entry(json_t *e, struct tc_cmd_guidance *g)
{
	json_t *au = json_object_get(e, "audio");
	json_t *length = au ? json_object_get(au, "length") : NULL, *ms = au ? json_object_get(au, "duration_ms") : NULL;
	if (!json_is_object(e) || !json_is_object(au) || !get_text(e, "lang", g->lang, sizeof(g->lang)) || !g->lang[0] ||
	    !get_text(e, "text", g->text, sizeof(g->text)) || !g->text[0] ||
	    !get_text(au, "id", g->audio_id, sizeof(g->audio_id)) || strncmp(g->audio_id, "g-", 2) ||
	    strlen(g->audio_id) != 18 || !get_text(au, "format", g->format, sizeof(g->format)) ||
	    !get_text(au, "sha256", g->sha256, sizeof(g->sha256)) || strlen(g->sha256) != 64 || !json_is_integer(length) ||
	    !json_is_integer(ms) || json_integer_value(length) <= 0 || json_integer_value(length) > 64 * 1024 * 1024 ||
	    json_integer_value(ms) < 0 || json_integer_value(ms) > 600000)
		return false;
	g->length = (size_t)json_integer_value(length);
	g->duration_ms = (unsigned)json_integer_value(ms);
	return true;
}

/* A guidance command's own fields into out; false when one is missing or out of range. */
static bool guidance_fields(json_t *j, struct tc_cmd *out)
{
	json_t *list = json_object_get(j, "guidance");
	if (!get_text(j, "alert", out->alert_id, sizeof(out->alert_id)) || !is_alert_id(out->alert_id) ||
	    !json_is_array(list) || !json_array_size(list) || json_array_size(list) > TC_CMD_GUIDANCE_MAX)
		return false;
	for (size_t i = 0; i < json_array_size(list); i++)
		if (!guidance_entry(json_array_get(list, i), &out->guidance[out->n_guidance++]))
			return false;
	return true;
}

enum tc_rc tc_cmd_decode(const void *msg, size_t len, struct tc_cmd *out, struct tc_diags *d)
{
	char kind[16];
	memset(out, 0, sizeof(*out));
	json_t *j = load_v1(msg, len, "command", d);
	if (!j)
		return TC_ERR_INVALID;
	enum tc_rc rc = TC_ERR_INVALID;
	int k = -1;
	if (get_text(j, "cmd", kind, sizeof(kind)))
		for (int i = 0; i < TC_CMD_N_KINDS; i++)
			if (!strcmp(kind, cmd_names[i]))
				k = i;
	json_t *at = json_object_get(j, "at");
	if (k < 0)
		tc_err(d, "proto.cmd.kind", "cmd", "the command must be one of cancel, test-tone, shelter, guidance");
	else if (!json_is_integer(at) || !get_text(j, "nonce", out->nonce, sizeof(out->nonce)) || !out->nonce[0])
		tc_err(d, "proto.cmd.at", "at", "the command needs its time (\"at\") and a nonce");
	else if (k == TC_CMD_CANCEL &&
		 (!get_text(j, "alert", out->alert_id, sizeof(out->alert_id)) || !is_alert_id(out->alert_id)))
		tc_err(d, "proto.cmd.alert", "alert", "a cancel command must name the alert id (16 hex digits)");
	else if (k == TC_CMD_SHELTER && !shelter_fields(j, out))
		tc_err(d, "proto.cmd.shelter", "name", "a shelter command needs name (a string under 128 bytes), capacity "
		       "and occupancy (whole numbers, 0 or more) and full (true or false)");
	else if (k == TC_CMD_GUIDANCE && !guidance_fields(j, out))
		tc_err(d, "proto.cmd.guidance", "guidance", "a guidance command needs alert (16 hex digits) and guidance: 1 to 4 "
		       "entries of lang, text (under 512 bytes) and audio (id g- and 16 hex digits, format, sha256 of 64 hex "
		       "digits, length 1 byte to 64 MiB, duration_ms up to 600000)");
	else if (!get_text(j, "rx", out->rx, sizeof(out->rx)) || !out->rx[0])
		tc_err(d, "proto.cmd.rx", "rx", "the command must name the receiver it is for (\"rx\")");
	else if (!get_text(j, "kid", out->kid, sizeof(out->kid)) || strlen(out->kid) != 16)
		tc_err(d, "proto.cmd.kid", "kid", "the command must name its key id (\"kid\", 16 hex digits)");
	else {
		out->kind = (enum tc_cmd_kind)k;
		out->at = (int64_t)json_integer_value(at);
		rc = TC_OK;
	}
	json_decref(j);
	return rc;
}

bool tc_proto_is_cmd(const void *payload, size_t len)
{
	json_t *j = json_loadb(payload, len, 0, NULL);
	bool cmd = j && json_is_object(j) && json_object_get(j, "cmd");
	json_decref(j);
	return cmd;
}

/* --- the alert payload, as receivers read it ------------------------------------------ */

void tc_proto_reference_id(const char *triplet, size_t len, char out[17])
{
	char hex[65];
	tc_sign_sha256_hex(triplet, len, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static char *dup_member(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static long int_member(json_t *j, const char *key, long def)
{
	json_t *v = json_object_get(j, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static void read_info(json_t *o, struct tc_rx_info *in)
{
	in->lang = dup_member(o, "lang");
	in->event = dup_member(o, "event");
	in->headline = dup_member(o, "headline");
	in->area = dup_member(o, "area");
	in->instruction = dup_member(o, "instruction");
	in->sender_name = dup_member(o, "sender_name");
	json_t *au = json_object_get(o, "audio");
	if (!json_is_object(au))
		return;
	in->audio_id = dup_member(au, "id");
	in->audio_format = dup_member(au, "format");
	get_text(au, "sha256", in->audio_sha256, sizeof(in->audio_sha256));
	in->audio_length = (size_t)int_member(au, "length", 0);
	in->audio_duration_ms = (unsigned)int_member(au, "duration_ms", 0);
}

static enum tc_rc read_references(json_t *refs, struct tc_rx_alert *a)
{
	size_t n = json_is_array(refs) ? json_array_size(refs) : 0;
	if (!n)
		return TC_OK;
	a->references = calloc(n, sizeof(*a->references));
	if (!a->references)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(refs, i);
		if (json_is_string(r))
			tc_proto_reference_id(json_string_value(r), json_string_length(r), a->references[a->n_references++]);
	}
	return TC_OK;
}

/* The strings of array key of scope into a calloc'ed array of n fixed-size slots; false when one is not a short string. */
static bool read_strings(json_t *scope, const char *key, size_t width, void **out, size_t *n)
{
	json_t *arr = json_object_get(scope, key);
	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return false;
	size_t k = json_array_size(arr);
	char *v = calloc(k ? k : 1, width);
	if (!v)
		return false;
	for (size_t i = 0; i < k; i++) {
		json_t *e = json_array_get(arr, i);
		if (!json_is_string(e) || !json_string_length(e) || json_string_length(e) >= width) {
			free(v);
			return false;
		}
		memcpy(v + i * width, json_string_value(e), json_string_length(e) + 1);
	}
	*out = v;
	*n = k;
	return true;
}

/* kid, issued_at, expires_at and scope: what says who may act on the alert, and when. */
static enum tc_rc read_bounds(json_t *j, struct tc_rx_alert *a, struct tc_diags *d)
{
	json_t *issued = json_object_get(j, "issued_at"), *expires = json_object_get(j, "expires_at");
	json_t *scope = json_object_get(j, "scope");
	void *regions = NULL, *receivers = NULL;
	if (!get_text(j, "kid", a->kid, sizeof(a->kid)) || strlen(a->kid) != 16) {
		tc_err(d, "proto.payload.kid", "kid", "the alert payload has no key id (\"kid\", 16 hex digits)");
		return TC_ERR_INVALID;
	}
	if (!json_is_integer(issued) || !json_is_integer(expires)) {
		tc_err(d, "proto.payload.time", "issued_at", "the alert payload needs issued_at and expires_at (unix seconds)");
		return TC_ERR_INVALID;
	}
	if (!json_is_object(scope) || !read_strings(scope, "regions", sizeof(*a->scope_regions), &regions, &a->n_scope_regions) ||
	    !read_strings(scope, "receivers", sizeof(*a->scope_receivers), &receivers, &a->n_scope_receivers)) {
		free(regions);
		tc_err(d, "proto.payload.scope", "scope",
		       "the alert payload needs a scope {\"regions\":[...], \"receivers\":[...]} of short strings");
		return TC_ERR_INVALID;
	}
	a->scope_regions = regions;
	a->scope_receivers = receivers;
	a->issued_at = (int64_t)json_integer_value(issued);
	a->expires_at = (int64_t)json_integer_value(expires);
	return TC_OK;
}

enum tc_rc tc_rx_alert_parse(const void *payload, size_t len, struct tc_rx_alert **out, struct tc_diags *d)
{
	*out = NULL;
	json_t *j = load_v1(payload, len, "alert payload", d);
	if (!j)
		return TC_ERR_INVALID;
	struct tc_rx_alert *a = calloc(1, sizeof(*a));
	enum tc_rc rc = a ? TC_OK : TC_ERR_NOMEM;
	json_t *infos = json_object_get(j, "infos");
	if (!rc && (!get_text(j, "id", a->id, sizeof(a->id)) || !is_alert_id(a->id))) {
		tc_err(d, "proto.payload.id", "id", "the alert payload has no alert id (16 hex digits)");
		rc = TC_ERR_INVALID;
	}
	if (!rc && (!json_is_array(infos) || !json_array_size(infos))) {
		tc_err(d, "proto.payload.infos", "infos", "the alert payload has no infos");
		rc = TC_ERR_INVALID;
	}
	if (!rc) {
		a->version = TC_PROTO_VERSION;
		a->identifier = dup_member(j, "identifier");
		a->sender = dup_member(j, "sender");
		a->sent = dup_member(j, "sent");
		a->status = dup_member(j, "status");
		a->msg_type = dup_member(j, "msgType");
		a->colour = dup_member(j, "colour");
		a->severity = dup_member(j, "severity");
		a->urgency = dup_member(j, "urgency");
		a->expires = dup_member(j, "expires");
		a->drill = json_is_true(json_object_get(j, "drill"));
		a->priority = (int)int_member(j, "priority", 0);
		a->repeats = (int)int_member(j, "repeats", 1);
		if (!a->msg_type) {
			tc_err(d, "proto.payload.msgType", "msgType", "the alert payload has no msgType");
			rc = TC_ERR_INVALID;
		}
	}
	if (!rc)
		rc = read_bounds(j, a, d);
	if (!rc)
		rc = read_references(json_object_get(j, "references"), a);
	if (!rc) {
		a->n_infos = json_array_size(infos);
		a->infos = calloc(a->n_infos, sizeof(*a->infos));
		rc = a->infos ? TC_OK : TC_ERR_NOMEM;
		for (size_t i = 0; !rc && i < a->n_infos; i++)
			read_info(json_array_get(infos, i), &a->infos[i]);
	}
	json_decref(j);
	if (rc) {
		tc_rx_alert_free(a);
		return rc;
	}
	*out = a;
	return TC_OK;
}

void tc_rx_alert_free(struct tc_rx_alert *a)
{
	if (!a)
		return;
	char **strs[] = { &a->identifier, &a->sender, &a->sent, &a->status, &a->msg_type,
			  &a->colour, &a->severity, &a->urgency, &a->expires };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; a->infos && i < a->n_infos; i++) {
		struct tc_rx_info *in = &a->infos[i];
		free(in->lang);
		free(in->event);
		free(in->headline);
		free(in->area);
		free(in->instruction);
		free(in->sender_name);
		free(in->audio_id);
		free(in->audio_format);
	}
	free(a->infos);
	free(a->references);
	free(a->scope_regions);
	free(a->scope_receivers);
	free(a);
}

const struct tc_rx_info *tc_rx_alert_info(const struct tc_rx_alert *a, const char *lang)
{
	if (!a->n_infos)
		return NULL;
	for (size_t i = 0; lang && i < a->n_infos; i++)
		if (a->infos[i].lang && !strcmp(a->infos[i].lang, lang))
			return &a->infos[i];
	for (size_t i = 0; lang && i < a->n_infos; i++)
		if (a->infos[i].lang && !strncmp(a->infos[i].lang, lang, 2))
			return &a->infos[i];
	return &a->infos[0];
}
