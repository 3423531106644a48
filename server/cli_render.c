/*
 * cli_render.c — `tocsin render ALERT.xml --out DIR`: every channel's form
 * of an alert, as files an operator can listen to and inspect.
 *
 * Per info language L: DIR/L.script.txt (the speech engine's input),
 * DIR/L.wav (the broadcast programme: attention signal, message × repeats),
 * DIR/L.opus (the message alone, as it travels to receivers), DIR/L.sms.json;
 * DIR/payload.json (the receivers' payload, exactly the signed bytes) and
 * DIR/payload.sig (its Ed25519 signature, base64); and, when the alert
 * carries SAME codes, DIR/same.wav (header ×3, attention signal, message,
 * end of message ×3) with its header in DIR/same.txt.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libgen.h>

#include "cli.h"
#include "tc_file.h"
#include "tc_cap_check.h"
#include "tc_payload.h"
#include "tc_render.h"
#include "tc_same.h"
#include "tc_sign.h"

struct render_args {
	const char *alert, *dir, *key, *lexicon, *station;
	struct tc_cap_options cap;
	struct tc_render_options ro;
};

static void help(FILE *f)
{
	fprintf(f,
		"usage: tocsin render ALERT.xml --out DIR [--key FILE] [--lexicon FILE] [--repeats N]\n"
		"                     [--tone-ms MS] [--sms-segments N] [--station ID] [--profile cn|ipaws] [--lenient]\n"
		"\n"
		"Writes, per info language L: DIR/L.script.txt, DIR/L.wav, DIR/L.opus, DIR/L.sms.json;\n"
		"and DIR/payload.json with its signature DIR/payload.sig.\n"
		"\n"
		"  --key FILE        the bureau's signing key (base64 Ed25519 secret key); without it\n"
		"                    DIR/signing.key, made with DIR/signing.pub when missing (never replaced)\n"
		"  --lexicon FILE    extra pronunciations on top of the built-in lexicon\n"
		"  --repeats N       times the message plays when the alert has no REPEAT parameter (1)\n"
		"  --tone-ms MS      attention signal length (3000; 0 for none)\n"
		"  --sms-segments N  longest SMS in segments (3)\n"
		"  --station ID      the 8-character SAME station id (default: the sender's first 8)\n"
		"\n"
		"When the alert has SAME codes, DIR/same.wav and DIR/same.txt hold the EAS programme.\n");
}

/* DIR/name holding the key as base64, created with O_EXCL and its mode before a byte is written. */
static enum tc_rc write_key_text(const char *dir, const char *name, const uint8_t *key, size_t n, mode_t mode,
				 struct tc_diags *d)
{
	char path[4096], text[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tc_sign_key_to_text(key, n, text, sizeof(text) - 1);
	strcat(text, "\n");
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int bad = fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0;
	if (fd >= 0)
		bad |= close(fd) != 0;
	memset(text, 0, sizeof(text));
	if (bad) {
		tc_err(d, "io.write", path, "cannot create %s: %s", path, strerror(errno));
		return TC_ERR_IO;
	}
	return TC_OK;
}

static enum tc_rc signing_key(const struct render_args *ra, uint8_t sk[TC_SIGN_SECRET_BYTES], struct tc_diags *d)
{
	uint8_t pk[TC_SIGN_PUBLIC_BYTES];
	char own[4096];
	snprintf(own, sizeof(own), "%s/signing.key", ra->dir);
	const char *path = ra->key ? ra->key : access(own, F_OK) == 0 ? own : NULL;
	if (path) { /* a key given, or the one an earlier run made here: never replaced */
		enum tc_rc rc = tc_cli_read_key(path, sk, TC_SIGN_SECRET_BYTES);
		if (rc)
			tc_err(d, "key.read", path, "%s is not a readable base64 Ed25519 secret key (64 bytes)", path);
		return rc;
	}
	enum tc_rc rc = tc_sign_keypair(pk, sk);
	if (!rc)
		rc = write_key_text(ra->dir, "signing.key", sk, TC_SIGN_SECRET_BYTES, 0600, d);
	if (!rc)
		rc = write_key_text(ra->dir, "signing.pub", pk, TC_SIGN_PUBLIC_BYTES, 0644, d);
	if (!rc)
		fprintf(stderr, "tocsin render: no --key given; signed with a new key pair in %s/signing.key, "
			"signing.pub\n", ra->dir);
	return rc;
}

static enum tc_rc write_in(const char *dir, const char *lang, const char *suffix, const void *data, size_t len,
			   struct tc_diags *d)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s%s", dir, lang, suffix);
	return tc_cli_write_file(path, data, len, d);
}

static enum tc_rc write_sms(const char *dir, const struct tc_render_lang *l, struct tc_diags *d)
{
	json_t *segs = json_array();
	for (size_t i = 0; segs && i < l->sms.n_segments; i++) {
		const struct tc_sms_segment *s = &l->sms.segments[i];
		char hex[2 * TC_SMS_UD_MAX + 1];
		for (size_t k = 0; k < s->ud_len; k++)
			snprintf(hex + 2 * k, 3, "%02X", s->ud[k]);
		hex[2 * s->ud_len] = '\0';
		json_array_append_new(segs, json_string(hex));
	}
	json_t *o = json_pack("{s:s, s:o, s:s}", "encoding", tc_sms_encoding_name(l->sms.encoding), "segments", segs,
			      "text", l->sms_text);
	char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	enum tc_rc rc = s ? write_in(dir, l->lang, ".sms.json", s, strlen(s), d) : TC_ERR_NOMEM;
	free(s);
	json_decref(o);
	return rc;
}

static enum tc_rc write_lang(const char *dir, const struct tc_render_lang *l, struct tc_diags *d)
{
	enum tc_rc rc = write_in(dir, l->lang, ".script.txt", l->engine_text, strlen(l->engine_text), d);
	if (!rc)
		rc = write_in(dir, l->lang, ".wav", l->wav, l->wav_len, d);
	if (!rc)
		rc = write_in(dir, l->lang, ".opus", l->opus, l->opus_len, d);
	if (!rc)
		rc = write_sms(dir, l, d);
	return rc;
}

static enum tc_rc write_payload(const struct render_args *ra, const struct tc_cap_alert *a,
				const struct tc_render *r, struct tc_diags *d)
{
	struct tc_payload_audio audio[32];
	char alert_id[17], ids[32][64], sig_text[128], path[4096];
	uint8_t sk[TC_SIGN_SECRET_BYTES], sig[TC_SIGN_BYTES];
	char *payload = NULL;
	size_t len = 0, n = r->n < 32 ? r->n : 32;
	tc_payload_alert_id(a, alert_id);
	for (size_t i = 0; i < n; i++) {
		const struct tc_render_lang *l = &r->langs[i];
		snprintf(ids[i], sizeof(ids[i]), "%s-%s", alert_id, l->lang);
		audio[i] = (struct tc_payload_audio){ .lang = l->lang, .id = ids[i], .format = "ogg-opus",
						      .length = l->opus_len, .duration_ms = l->message_ms };
		tc_sign_sha256_hex(l->opus, l->opus_len, audio[i].sha256);
	}
	/* scope: the alert's geocodes (tocsind names the receivers it plans instead) */
	const char *regions[64];
	char kid[TC_KID_HEX + 1];
	size_t n_regions = 0;
	for (size_t i = 0; i < a->n_infos; i++)
		for (size_t k = 0; k < a->infos[i].n_areas; k++)
			for (size_t g = 0; g < a->infos[i].areas[k].n_geocodes && n_regions < 64; g++) {
				const char *v = a->infos[i].areas[k].geocodes[g].value;
				if (v && strlen(v) >= 2 && strlen(v) <= 12 && strspn(v, "0123456789") == strlen(v))
					regions[n_regions++] = v;
			}
	struct tc_payload_options po = { .alert_id = alert_id, .default_repeats = (int)ra->ro.programme.repeats,
					 .audio = audio, .n_audio = n, .kid = kid, .issued_at = (int64_t)time(NULL),
					 .default_expiry_s = 21600, .scope_regions = regions, .n_scope_regions = n_regions };
	enum tc_rc rc = signing_key(ra, sk, d);
	if (!rc)
		tc_sign_kid_of_secret(sk, kid);
	if (!rc)
		rc = tc_payload_build(a, &po, &payload, &len, d);
	if (!rc)
		rc = write_in(ra->dir, "payload", ".json", payload, len, d);
	if (!rc) {
		tc_sign_detached(payload, len, sk, sig);
		tc_sign_key_to_text(sig, sizeof(sig), sig_text, sizeof(sig_text));
		strcat(sig_text, "\n");
		snprintf(path, sizeof(path), "%s/payload.sig", ra->dir);
		rc = tc_cli_write_file(path, sig_text, strlen(sig_text), d);
	}
	free(payload);
	return rc;
}

/* DIR/same.wav and same.txt for the first info with a SAME event code. */
static enum tc_rc write_same(const struct render_args *ra, const struct tc_cap_alert *a, const struct tc_render *r,
			     struct tc_diags *d)
{
	char header[TC_SAME_HEADER_MAX], path[4096];
	size_t idx = 0;
	while (idx < a->n_infos && !tc_same_applies(&a->infos[idx]))
		idx++;
	if (idx == a->n_infos)
		return TC_OK;
	enum tc_rc rc = tc_same_header(a, idx, ra->station, NULL, header, sizeof(header), d);
	const struct tc_pcm *msg = NULL;
	for (size_t i = 0; i < r->n; i++)
		if (r->langs[i].info == &a->infos[idx] ||
		    (a->infos[idx].language && !strcmp(r->langs[i].lang, a->infos[idx].language)))
			msg = &r->langs[i].message;
	struct tc_pcm at_rate = { 0 }, prog = { 0 };
	unsigned char *wav = NULL;
	size_t len = 0;
	if (!rc && msg)
		rc = tc_pcm_resample(msg, 22050, &at_rate, d);
	struct tc_same_options so = { .rate = 22050, .amplitude = 0.5, .attention_ms = 8000,
				      .message = msg ? &at_rate : NULL };
	if (!rc)
		rc = tc_same_programme(header, &so, &prog, d);
	if (!rc)
		rc = tc_audio_encode_wav(&prog, &wav, &len, d);
	if (!rc)
		rc = write_in(ra->dir, "same", ".wav", wav, len, d);
	if (!rc) {
		snprintf(path, sizeof(path), "%s\n", header);
		rc = write_in(ra->dir, "same", ".txt", path, strlen(path), d);
	}
	free(wav);
	tc_pcm_release(&at_rate);
	tc_pcm_release(&prog);
	return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct render_args *ra)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },       { "key", required_argument, NULL, 'k' },
		{ "lexicon", required_argument, NULL, 'x' },   { "repeats", required_argument, NULL, 'r' },
		{ "tone-ms", required_argument, NULL, 't' },   { "sms-segments", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },   { "lenient", no_argument, NULL, 'l' },
		{ "station", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },            { NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:k:x:r:t:s:p:lS:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': ra->dir = optarg; break;
		case 'k': ra->key = optarg; break;
		case 'x': ra->lexicon = optarg; break;
		case 'r': ra->ro.programme.repeats = (unsigned)atoi(optarg); break;
		case 't': ra->ro.programme.tone_ms = (unsigned)atoi(optarg); break;
		case 's': ra->ro.sms_max_segments = (unsigned)atoi(optarg); break;
		case 'p':
			if (tc_cap_profile_parse(optarg, &ra->cap.profile)) {
				fprintf(stderr, "tocsin render: unknown profile '%s'\n", optarg);
				return TC_EXIT_USAGE;
			}
			break;
		case 'l': ra->cap.lenient = true; break;
		case 'S': ra->station = optarg; break;
		case 'h': help(stdout); return -1;
		default: help(stderr); return TC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !ra->dir) {
		fprintf(stderr, "tocsin render: give one ALERT file and --out DIR\n");
		help(stderr);
		return TC_EXIT_USAGE;
	}
	if (ra->ro.programme.repeats < 1 || ra->ro.programme.repeats > 10 || ra->ro.programme.tone_ms > 25000 ||
	    ra->ro.sms_max_segments < 1 || ra->ro.sms_max_segments > TC_SMS_MAX_SEGMENTS) {
		fprintf(stderr, "tocsin render: --repeats 1-10, --tone-ms 0-25000, --sms-segments 1-%d\n",
			TC_SMS_MAX_SEGMENTS);
		return TC_EXIT_USAGE;
	}
	ra->alert = argv[optind];
	return TC_EXIT_OK;
}

int tc_cli_render(int argc, char **argv)
{
	struct render_args ra = { 0 };
	struct tc_cap_alert *a = NULL;
	struct tc_render *r = NULL;
	struct tc_tts *tts = NULL;
	struct tc_lexicon *lex = NULL;
	char *xml = NULL, base[4096];
	size_t len = 0;
	enum tc_rc rc;
	int status;

	tc_cap_options_default(&ra.cap);
	tc_render_defaults(&ra.ro);
	status = parse_args(argc, argv, &ra);
	if (status)
		return status < 0 ? TC_EXIT_OK : status;
	struct tc_diags *d = tc_diags_new();
	int err = tc_file_read(ra.alert, ra.cap.limits.max_bytes, &xml, &len);
	if (err) {
		fprintf(stderr, "tocsin render: cannot read %s: %s\n", ra.alert, strerror(err));
		tc_diags_free(d);
		return TC_EXIT_USAGE;
	}
	if (make_dirs(ra.dir) != 0) {
		fprintf(stderr, "tocsin render: cannot create %s: %s\n", ra.dir, strerror(errno));
		rc = TC_ERR_IO;
		goto out;
	}
	rc = tc_cap_check(xml, len, &ra.cap, &a, d);
	if (rc) {
		tc_diags_add(d, TC_SEV_ERROR, "render.invalid", "", 0, "%s is not a valid alert; nothing rendered", ra.alert);
		goto out;
	}
	snprintf(base, sizeof(base), "%s", ra.alert);
	ra.ro.base_dir = dirname(base);
	rc = tc_cli_lexicon(ra.lexicon, &lex, d);
	ra.ro.lex = lex;
	if (!rc)
		rc = tc_tts_new(NULL, &tts, d);
	if (!rc)
		rc = tc_render_alert(a, tts, &ra.ro, &r, d);
	for (size_t i = 0; !rc && r && i < r->n; i++)
		rc = write_lang(ra.dir, &r->langs[i], d);
	if (!rc)
		rc = write_payload(&ra, a, r, d);
	if (!rc)
		rc = write_same(&ra, a, r, d);
	if (!rc)
		for (size_t i = 0; i < r->n; i++)
			printf("%s/%s: %s, %u s programme (%u× message%s), SMS %zu segment%s (%s)\n", ra.dir,
			       r->langs[i].lang, r->langs[i].recorded ? "recorded voice" : "synthesised speech",
			       r->langs[i].duration_ms / 1000, r->langs[i].repeats,
			       r->langs[i].repeats == 1 ? "" : "s", r->langs[i].sms.n_segments,
			       r->langs[i].sms.n_segments == 1 ? "" : "s", tc_sms_encoding_name(r->langs[i].sms.encoding));
out:
	tc_cli_print_diags(d);
	tc_render_free(r);
	tc_tts_free(tts);
	tc_lexicon_free(lex);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	free(xml);
	return rc == TC_OK ? TC_EXIT_OK : rc == TC_ERR_INVALID ? TC_EXIT_REFUSED : TC_EXIT_USAGE;
}
