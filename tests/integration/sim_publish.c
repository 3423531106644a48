/*
 * sim_publish.c — makes the sealed messages the tocsin-sim tests publish
 * with mosquitto_pub -f, as tocsind would: alert payloads built from a CAP
 * file (with a stand-in audio blob named by its SHA-256), commands, and
 * any bytes sealed as they are (for malformed-payload cases).
 *
 *   sim_publish keygen DIR                 DIR/signing.key, DIR/signing.pub
 *   sim_publish alert KEY ALERT.xml DIR [--expires-in S] [--no-audio]
 *        [--scope-region CODE]... [--scope-rx ID]... [--issued-in S]
 *        DIR/payload.json, DIR/sealed, DIR/id, and per info language L:
 *        DIR/L.audio (bytes), DIR/L.audio_id
 *   sim_publish cmd KEY cancel|test-tone ALERT_ID NONCE OUT [--rx ID] [--at T]
 *        (ALERT_ID "-" for none; ID: sim-00001; T: unix seconds, default now)
 *   sim_publish seal KEY IN OUT
 *   sim_publish kid KEY                    prints the key id of KEY
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "publish_keys.h"
#include "tc_cap_check.h"
#include "tc_file.h"
#include "tc_payload.h"
#include "tc_proto.h"
#include "tc_sign.h"

#define AUDIO_BYTES 3000
#define MAX_LANGS 8

static int fail(const char *what)
{
	fprintf(stderr, "sim_publish: %s\n", what);
	return 1;
}

/* DIR/NAME, or DIR itself when name is NULL. */
static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	if (name)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", dir);
	return publish_write_file(path, data, len);
}

static int seal_to(const uint8_t sk[TC_SIGN_SECRET_BYTES], const void *payload, size_t len, const char *dir,
		   const char *name)
{
	size_t cap = len + TC_SIGN_HEADER_LEN, n = 0;
	uint8_t *buf = malloc(cap);
	int bad = !buf || tc_sign_seal(payload, len, sk, buf, cap, &n) || write_file(dir, name, buf, n);
	free(buf);
	return bad ? -1 : 0;
}

/* A stand-in for the Ogg/Opus message: fixed bytes that differ per language. */
static void fake_audio(const char *lang, unsigned char *out, size_t n)
{
	unsigned h = 2166136261u;
	for (const char *p = lang; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	memcpy(out, "OggS", 4);
	for (size_t i = 4; i < n; i++) {
		h = h * 1103515245u + 12345u;
		out[i] = (unsigned char)(h >> 16);
	}
}

/* Rewrite expires_at of the payload text (*text, *len replaced). */
static int set_expiry(char **text, size_t *len, long long expires_at)
{
	json_t *j = json_loadb(*text, *len, 0, NULL);
	if (!j)
		return -1;
	json_object_set_new(j, "expires_at", json_integer(expires_at));
	char *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!out)
		return -1;
	free(*text);
	*text = out;
	*len = strlen(out);
	return 0;
}

static int alert(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	size_t xml_len = 0, len = 0, n = 0;
	char *payload = NULL, id[17], ids[MAX_LANGS][64];
	unsigned char blobs[MAX_LANGS][AUDIO_BYTES];
	struct tc_payload_audio audio[MAX_LANGS];
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options opt;
	bool no_audio = false;
	long long expires_in = 0;
	struct publish_scope scope;
	char kid[17];
	publish_scope_default(&scope);
	if (argc < 5 || publish_read_key(argv[2], sk))
		return fail("alert KEY ALERT.xml DIR [--expires-in S] [--no-audio]: cannot read KEY");
	publish_kid(sk, kid);
	for (int i = 5; i < argc; i++) {
		int took = publish_scope_arg(&scope, argc, argv, i);
		if (took)
			i += took - 1;
		else if (!strcmp(argv[i], "--no-audio"))
			no_audio = true;
		else if (!strcmp(argv[i], "--expires-in") && i + 1 < argc)
			expires_in = atoll(argv[++i]);
	}
	const char *dir = argv[4];
	char *xml = tc_file_slurp(argv[3], &xml_len);
	struct tc_diags *d = tc_diags_new();
	tc_cap_options_default(&opt);
	opt.lenient = true;
	if (!xml || !d)
		return fail("cannot read the alert");
	tc_cap_check(xml, xml_len, &opt, &a, d); /* expired examples are fine here: only the model is needed */
	if (!a)
		return fail("not a CAP alert");
	tc_payload_alert_id(a, id);
	for (size_t i = 0; !no_audio && i < a->n_infos && n < MAX_LANGS; i++) {
		const char *lang = a->infos[i].language ? a->infos[i].language : "en-US";
		snprintf(ids[n], sizeof(ids[n]), "%s-%s", id, lang);
		fake_audio(lang, blobs[n], AUDIO_BYTES);
		audio[n] = (struct tc_payload_audio){ .lang = lang, .id = ids[n], .format = "ogg-opus",
						      .length = AUDIO_BYTES, .duration_ms = 1000 };
		tc_sign_sha256_hex(blobs[n], AUDIO_BYTES, audio[n].sha256);
		char name[96];
		snprintf(name, sizeof(name), "%s.audio", lang);
		write_file(dir, name, blobs[n], AUDIO_BYTES);
		snprintf(name, sizeof(name), "%s.audio_id", lang);
		write_file(dir, name, ids[n], strlen(ids[n]));
		n++;
	}
	struct tc_payload_options po = { .alert_id = id, .default_repeats = 1, .audio = audio, .n_audio = n, .kid = kid,
					 .issued_at = (int64_t)time(NULL) + scope.issued_in, .default_expiry_s = 3600,
					 .scope_regions = scope.regions, .n_scope_regions = scope.n_regions,
					 .scope_receivers = scope.receivers, .n_scope_receivers = scope.n_receivers };
	int bad = tc_payload_build(a, &po, &payload, &len, d) != TC_OK;
	if (!bad && expires_in)
		bad = set_expiry(&payload, &len, (long long)time(NULL) + expires_in);
	bad = bad || write_file(dir, "payload.json", payload, len) || write_file(dir, "id", id, strlen(id)) ||
	      seal_to(sk, payload, len, dir, "sealed");
	free(payload);
	free(xml);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	return bad ? fail("cannot build or write the payload") : 0;
}

static int cmd(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	char buf[512];
	struct tc_cmd c = { .at = (int64_t)time(NULL) };
	if (argc < 7 || publish_read_key(argv[2], sk))
		return fail("cmd KEY cancel|test-tone ALERT_ID NONCE OUT [--rx ID] [--at T]");
	snprintf(c.rx, sizeof(c.rx), "sim-00001");
	publish_kid(sk, c.kid);
	for (int i = 7; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rx"))
			snprintf(c.rx, sizeof(c.rx), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--at"))
			c.at = atoll(argv[i + 1]);
		else
			return fail("cmd: unknown option");
	}
	c.kind = !strcmp(argv[3], "cancel") ? TC_CMD_CANCEL : TC_CMD_TEST_TONE;
	snprintf(c.alert_id, sizeof(c.alert_id), "%s", strcmp(argv[4], "-") ? argv[4] : "");
	snprintf(c.nonce, sizeof(c.nonce), "%s", argv[5]);
	size_t len = tc_cmd_encode(&c, buf, sizeof(buf));
	return !len || seal_to(sk, buf, len, argv[6], NULL) ? fail("cannot write the command") : 0;
}

static int seal(int argc, char **argv)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	size_t len = 0;
	if (argc != 5 || publish_read_key(argv[2], sk))
		return fail("seal KEY IN OUT");
	char *in = tc_file_slurp(argv[3], &len);
	int bad = !in || seal_to(sk, in, len, argv[4], NULL);
	free(in);
	return bad ? fail("cannot seal") : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || tc_sign_init())
		return fail("usage: sim_publish keygen|alert|cmd|seal ...");
	if (!strcmp(argv[1], "keygen")) {
		const char *why = publish_keygen(argv[2]);
		return why ? fail(why) : 0;
	}
	if (!strcmp(argv[1], "alert"))
		return alert(argc, argv);
	if (!strcmp(argv[1], "cmd"))
		return cmd(argc, argv);
	if (!strcmp(argv[1], "seal"))
		return seal(argc, argv);
	if (!strcmp(argv[1], "kid")) {
		uint8_t sk[TC_SIGN_SECRET_BYTES];
		char kid[17];
		if (publish_read_key(argv[2], sk))
			return fail("kid KEY: cannot read KEY");
		publish_kid(sk, kid);
		printf("%s\n", kid);
		return 0;
	}
	return fail("usage: sim_publish keygen|alert|cmd|seal|kid ...");
}
