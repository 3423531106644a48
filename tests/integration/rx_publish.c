/*
 * rx_publish.c — sealed alert payloads, commands and real Ogg/Opus audio
 * for the tocsin-receiver and tocsin-signage tests, as tocsind would send
 * them, without the server. The message audio is a 440 Hz tone (easy to
 * find in a capture) or real speech (espeak-ng).
 *
 *   rx_publish keygen DIR                 DIR/signing.key, DIR/signing.pub
 *   rx_publish alert KEY DIR NAME [--type Alert|Update|Cancel] [--ref NAME]... [--priority P]
 *        [--repeats N] [--expires-in S] [--drill] [--colour C] [--event T] [--headline T]
 *        [--instruction T] [--area T] [--lang L] [--message tone|speech|none] [--message-ms MS]
 *        [--bad-digest] [--scope-region CODE]... [--scope-rx ID]... [--issued-in S]
 *        DIR/NAME.sealed, DIR/NAME.id, DIR/NAME.json, DIR/NAME.audio, DIR/NAME.audio_id
 *   rx_publish cmd KEY cancel|test-tone ALERT_ID NONCE OUT [--age S] [--rx ID]   (ID: rx-1)
 *   rx_publish flood KEY HOST PORT PREFIX REGION N OUT.tsv [--cafile CA --user NAME --password-file FILE]
 *        N alerts without audio published at QoS 1 to P/region/REGION/alert/<id>; priorities
 *        spread over 10..89, one of 99 in the middle; OUT.tsv: "id priority" per alert.
 *        With --cafile over TLS, logged in as NAME with the password in FILE (the secured
 *        broker of tocsin broker setup; the password never on the command line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mosquitto.h>

#include "publish_keys.h"
#include "tc_audio.h"
#include "tc_file.h"
#include "tc_opus.h"
#include "tc_payload.h"
#include "tc_proto.h"
#include "tc_sign.h"
#include "tc_tts.h"

#define SENDER "bhqx@tj.example.cn"
#define SENT "2026-12-01T08:00:00+08:00"

static int fail(const char *what)
{
	fprintf(stderr, "rx_publish: %s\n", what);
	return 1;
}

static int write_in(const char *dir, const char *name, const char *ext, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return publish_write_file(path, data, len);
}

static int seal(const uint8_t sk[TC_SIGN_SECRET_BYTES], const char *payload, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(payload), cap = len + TC_SIGN_HEADER_LEN;
	*out = malloc(cap);
	return !*out || tc_sign_seal(payload, len, sk, *out, cap, out_len) ? -1 : 0;
}

static void alert_id(const char *identifier, char out[17])
{
	char triplet[512];
	snprintf(triplet, sizeof(triplet), "%s,%s,%s", SENDER, identifier, SENT);
	tc_proto_reference_id(triplet, strlen(triplet), out);
}

static void iso_beijing(int64_t t, char *out, size_t len)
{
	time_t bj = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&bj, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* The message audio as Ogg/Opus at 24 kHz. */
static int message_audio(const char *kind, unsigned ms, const char *lang, const char *text, unsigned char **out,
			 size_t *len)
{
	struct tc_pcm p = { .rate = 24000 }, r = { 0 };
	struct tc_diags *d = tc_diags_new();
	int bad = 0;
	if (!strcmp(kind, "tone")) {
		const double f = 440.0;
		bad = tc_pcm_tone(&p, &f, 1, ms, 0.8) != TC_OK;
	} else {
		struct tc_tts *t = NULL;
		char voice[64];
		p.rate = 0;
		bad = tc_tts_new(NULL, &t, d) || tc_tts_speak(t, tc_tts_voice_for(lang, voice, sizeof(voice)), text, 0, &p, d) ||
		      tc_pcm_resample(&p, 24000, &r, d);
		tc_tts_free(t);
		if (!bad) {
			tc_pcm_release(&p);
			p = r;
			r = (struct tc_pcm){ 0 };
		}
	}
	bad = bad || tc_opus_encode(&p, out, len, d);
	for (size_t i = 0; bad && i < tc_diags_count(d); i++)
		fprintf(stderr, "rx_publish: %s\n", tc_diags_get(d, i)->message);
	tc_pcm_release(&p);
	tc_pcm_release(&r);
	tc_diags_free(d);
	return bad ? -1 : 0;
}

struct alert_opts {
	const char *type, *colour, *event, *headline, *instruction, *area, *lang, *message;
	const char *refs[8];
	size_t n_refs;
	int priority, repeats;
	long long expires_in;
	unsigned message_ms;
	bool drill, bad_digest;
	struct publish_scope scope;
	char kid[17];
};

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *payload_json(const char *name, const struct alert_opts *o, const char *id, const char *audio_id,
			    const unsigned char *audio, size_t audio_len)
{
	char expires[40], sha[65];
	int64_t exp = (int64_t)time(NULL) + o->expires_in;
	iso_beijing(exp, expires, sizeof(expires));
	json_t *refs = json_array();
	for (size_t i = 0; i < o->n_refs; i++)
		json_array_append_new(refs, json_sprintf("%s,%s,%s", SENDER, o->refs[i], SENT));
	json_t *au = json_null();
	if (audio) {
		tc_sign_sha256_hex(audio, audio_len, sha);
		if (o->bad_digest)
			sha[0] = sha[0] == '0' ? '1' : '0';
		au = json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", audio_id, "format", "ogg-opus", "sha256", sha, "length",
			       (json_int_t)audio_len, "duration_ms", (json_int_t)o->message_ms);
	}
	json_t *info = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "lang", o->lang, "event", o->event, "headline",
				 o->headline, "area", o->area, "instruction", o->instruction, "sender_name", "滨海新区气象台",
				 "audio", au);
	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:i, s:i, s:s, s:I, s:[o]}",
			      "v", 1, "id", id, "identifier", name, "sender", SENDER, "sent", SENT, "status",
			      o->drill ? "Exercise" : "Actual", "msgType", o->type, "drill", o->drill, "references", refs,
			      "colour", o->colour, "severity", "Severe", "urgency", "Immediate", "priority", o->priority,
			      "repeats", o->repeats, "expires", expires, "expires_at", (json_int_t)exp, "infos", info);
	if (j) {
		json_object_set_new(j, "kid", json_string(o->kid));
		json_object_set_new(j, "issued_at", json_integer((json_int_t)time(NULL) + o->scope.issued_in));
		json_object_set_new(j, "scope", json_pack("{s:o, s:o}", "regions", strings(o->scope.regions, o->scope.n_regions),
							  "receivers", strings(o->scope.receivers, o->scope.n_receivers)));
	}
	return j;
}

static int parse_alert_opts(int argc, char **argv, int i, struct alert_opts *o)
{
	*o = (struct alert_opts){ .type = "Alert", .colour = "orange", .event = "台风", .headline = "滨海新区发布台风橙色预警",
				  .instruction = "请立即到就近的避难场所避险。", .area = "新城镇", .lang = "zh-CN",
				  .message = "tone", .priority = 60, .repeats = 2, .expires_in = 3600, .message_ms = 1200 };
	publish_scope_default(&o->scope);
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int took = publish_scope_arg(&o->scope, argc, argv, i);
		if (took) {
			i += took - 1;
			continue;
		}
		if (!strcmp(a, "--drill"))
			o->drill = true;
		else if (!strcmp(a, "--bad-digest"))
			o->bad_digest = true;
		else if (!v)
			return -1;
		else if (!strcmp(a, "--type"))
			o->type = v;
		else if (!strcmp(a, "--ref") && o->n_refs < 8)
			o->refs[o->n_refs++] = v;
		else if (!strcmp(a, "--priority"))
			o->priority = atoi(v);
		else if (!strcmp(a, "--repeats"))
			o->repeats = atoi(v);
		else if (!strcmp(a, "--expires-in"))
			o->expires_in = atoll(v);
		else if (!strcmp(a, "--colour"))
			o->colour = v;
		else if (!strcmp(a, "--event"))
			o->event = v;
		else if (!strcmp(a, "--headline"))
			o->headline = v;
		else if (!strcmp(a, "--instruction"))
			o->instruction = v;
		else if (!strcmp(a, "--area"))
			o->area = v;
		else if (!strcmp(a, "--lang"))
			o->lang = v;
		else if (!strcmp(a, "--message"))
			o->message = v;
		else if (!strcmp(a, "--message-ms"))
			o->message_ms = (unsigned)atoi(v);
		else
			return -1;
		if (strcmp(a, "--drill") && strcmp(a, "--bad-digest"))
			i++;
	}
	return 0;
}

static int alert(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES], *sealed = NULL;
	unsigned char *audio = NULL;
	size_t audio_len = 0, sealed_len = 0;
	char id[17], audio_id[64];
	struct alert_opts o;
	if (argc < 5 || publish_read_key(argv[2], sk) || parse_alert_opts(argc, argv, 5, &o))
		return fail("alert KEY DIR NAME [options]: see the head of rx_publish.c");
	const char *dir = argv[3], *name = argv[4];
	publish_kid(sk, o.kid);
	alert_id(name, id);
	snprintf(audio_id, sizeof(audio_id), "%s-%s", id, o.lang);
	if (strcmp(o.message, "none") &&
	    message_audio(o.message, o.message_ms, o.lang, o.headline, &audio, &audio_len))
		return fail("cannot make the audio");
	json_t *j = payload_json(name, &o, id, audio_id, audio, audio_len);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int bad = !text || seal(sk, text, &sealed, &sealed_len) || write_in(dir, name, "sealed", sealed, sealed_len) ||
		  write_in(dir, name, "json", text, strlen(text)) || write_in(dir, name, "id", id, strlen(id)) ||
		  (audio && (write_in(dir, name, "audio", audio, audio_len) ||
			     write_in(dir, name, "audio_id", audio_id, strlen(audio_id))));
	json_decref(j);
	free(text);
	free(sealed);
	free(audio);
	return bad ? fail("cannot write the alert") : 0;
}

static int cmd(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES], *sealed = NULL;
	size_t n = 0;
	char buf[512];
	struct tc_cmd c = { .at = (int64_t)time(NULL) };
	if (argc < 7 || publish_read_key(argv[2], sk))
		return fail("cmd KEY cancel|test-tone ALERT_ID NONCE OUT [--age S] [--rx ID]");
	snprintf(c.rx, sizeof(c.rx), "rx-1");
	publish_kid(sk, c.kid);
	for (int i = 7; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--age"))
			c.at -= atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--rx"))
			snprintf(c.rx, sizeof(c.rx), "%s", argv[i + 1]);
		else
			return fail("cmd: unknown option");
	}
	c.kind = !strcmp(argv[3], "cancel") ? TC_CMD_CANCEL : TC_CMD_TEST_TONE;
	snprintf(c.alert_id, sizeof(c.alert_id), "%s", strcmp(argv[4], "-") ? argv[4] : "");
	snprintf(c.nonce, sizeof(c.nonce), "%s", argv[5]);
	int bad = !tc_cmd_encode(&c, buf, sizeof(buf)) || seal(sk, buf, &sealed, &n) || publish_write_file(argv[6], sealed, n);
	free(sealed);
	return bad ? fail("cannot write the command") : 0;
}

static int flood(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	const char *cafile = NULL, *user = NULL, *pwfile = NULL;
	char *password = NULL;
	int bad_opts = argc < 9;
	for (int i = 9; i < argc && !bad_opts; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			bad_opts = 1;
		else if (!strcmp(argv[i], "--cafile"))
			cafile = v;
		else if (!strcmp(argv[i], "--user"))
			user = v;
		else if (!strcmp(argv[i], "--password-file"))
			pwfile = v;
		else
			bad_opts = 1;
	}
	if (bad_opts || publish_read_key(argv[2], sk))
		return fail("flood KEY HOST PORT PREFIX REGION N OUT.tsv [--cafile CA --user NAME --password-file FILE]");
	if (pwfile) {
		size_t plen;
		password = tc_file_slurp(pwfile, &plen);
		while (password && plen && (password[plen - 1] == '\n' || password[plen - 1] == '\r'))
			password[--plen] = '\0';
		if (!password)
			return fail("cannot read the password file");
	}
	int n = atoi(argv[7]);
	FILE *tsv = fopen(argv[8], "w");
	mosquitto_lib_init();
	struct mosquitto *m = mosquitto_new(NULL, true, NULL);
	if (m && user && mosquitto_username_pw_set(m, user, password) != MOSQ_ERR_SUCCESS)
		return fail("cannot set the user name and password");
	if (m && cafile && mosquitto_tls_set(m, cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS)
		return fail("cannot use the CA file");
	free(password);
	if (!tsv || !m || mosquitto_connect(m, argv[3], atoi(argv[4]), 30) || mosquitto_loop_start(m))
		return fail("cannot reach the broker");
	mosquitto_max_inflight_messages_set(m, 100);
	int bad = 0;
	for (int i = 0; i < n && !bad; i++) {
		char name[64], id[17], topic[TC_PROTO_MAX_TOPIC];
		uint8_t *sealed = NULL;
		size_t len = 0;
		struct alert_opts o;
		parse_alert_opts(0, NULL, 0, &o);
		publish_kid(sk, o.kid);
		o.message = "none";
		o.repeats = 1;
		o.priority = i == n / 2 ? 99 : 10 + (i * 37) % 80;
		snprintf(name, sizeof(name), "flood-%05d", i);
		alert_id(name, id);
		json_t *j = payload_json(name, &o, id, NULL, NULL, 0);
		char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		bad = !text || seal(sk, text, &sealed, &len) ||
		      tc_proto_topic(topic, sizeof(topic), argv[5], TC_TOPIC_REGION_ALERT, argv[6], id) ||
		      mosquitto_publish(m, NULL, topic, (int)len, sealed, 1, false) != MOSQ_ERR_SUCCESS;
		fprintf(tsv, "%s %d\n", id, o.priority);
		json_decref(j);
		free(text);
		free(sealed);
	}
	for (int i = 0; i < 50; i++) { /* let the last QoS 1 messages reach the broker */
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
	}
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	fclose(tsv);
	return bad ? fail("cannot publish the flood") : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || tc_sign_init())
		return fail("usage: rx_publish keygen|alert|cmd|flood ...");
	if (!strcmp(argv[1], "keygen")) {
		const char *why = publish_keygen(argv[2]);
		return why ? fail(why) : 0;
	}
	if (!strcmp(argv[1], "alert"))
		return alert(argc, argv);
	if (!strcmp(argv[1], "cmd"))
		return cmd(argc, argv);
	if (!strcmp(argv[1], "flood"))
		return flood(argc, argv);
	return fail("usage: rx_publish keygen|alert|cmd|flood ...");
}
