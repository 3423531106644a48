/*
 * rx_config.c — the receivers' settings table and INI reader (rx_config.h).
 */
#include "rx_config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"

enum type { T_TEXT, T_BOOL, T_LONG };

struct setting {
	const char *name;
	enum type type;
	size_t offset, size;
	const char *def;
	long min, max;
	const char *help;
};

#define FIELD(f) offsetof(struct rx_config, f), sizeof(((struct rx_config *)0)->f)
#define TEXT(f, def, help) { #f, T_TEXT, FIELD(f), def, 0, 0, help }
#define BOOL(f, def, help) { #f, T_BOOL, FIELD(f), def, 0, 0, help }
#define LONG(f, def, min, max, help) { #f, T_LONG, FIELD(f), def, min, max, help }

static const struct setting settings[] = {
	TEXT(id, "", "this receiver's id, as registered on the server; required"),
	TEXT(region, "", "GB/T 2260 region codes served (6, 9 or 12 digits), comma-separated; required"),
	TEXT(broker, "127.0.0.1:1883", "HOST:PORT of the MQTT broker"),
	TEXT(username, "", "MQTT user name; empty: none"),
	TEXT(password, "", "MQTT password; empty: none (keep this file mode 0600 when set)"),
	TEXT(pubkey, "", "file with the bureau's public key (tocsind's signing.pub); required"),
	TEXT(state_dir, "", "folder of the seen-list and the queue of unsent acknowledgments; required"),
	TEXT(prefix, "tocsin/v1", "topic prefix of the receiver protocol"),
	TEXT(lang, "zh-CN", "the info language played or shown first"),
	BOOL(accept_drills, "true", "play or show drills (status Exercise/Test); false: reject them as drill-refused"),
	LONG(cmd_max_age_s, "600", 10, 86400, "commands issued longer ago than this are refused"),
	LONG(keepalive_s, "30", 5, 3600, "MQTT keepalive (the Last Will is sent about 1.5 keepalives after a freeze)"),
	LONG(session_expiry_s, "86400", 0, 2592000, "how long the broker queues alerts while this receiver is away"),
	LONG(heartbeat_s, "60", 5, 86400, "how often the retained status is refreshed"),
	LONG(reconnect_max_s, "60", 1, 3600, "longest wait between connection attempts (backoff from 1 s)"),
	LONG(seen_keep_s, "604800", 3600, 31536000, "how long an ended alert stays in the seen-list"),
	TEXT(audio_device, "default", "loudspeaker: PortAudio output, 'default' or part of a device name"),
	TEXT(audio_out, "", "loudspeaker: write what would be played to this WAV file instead of a sound card"),
	LONG(volume, "100", 0, 100, "loudspeaker: output level in percent of full scale"),
	BOOL(realtime, "true", "loudspeaker: play at the loudspeaker's own pace; false writes as fast as the output takes it (checks with audio_out)"),
	LONG(sample_rate, "48000", 8000, 96000, "loudspeaker: output sample rate"),
	LONG(tone_ms, "3000", 0, 30000, "loudspeaker: attention signal (853 + 960 Hz) before the message"),
	LONG(gap_ms, "800", 0, 10000, "loudspeaker: silence after the signal and after each message"),
	LONG(max_repeats, "10", 1, 50, "loudspeaker: most repeats played, whatever the alert asks"),
	LONG(queue_size, "64", 1, 10000, "loudspeaker: alerts waiting to be played; beyond it the lowest priority fails"),
	LONG(audio_timeout_s, "20", 1, 600, "loudspeaker: wait for an alert's audio message (three attempts)"),
	BOOL(speak_drill, "true", "loudspeaker: say 'this is a drill' before and after a drill (espeak-ng)"),
	LONG(test_tone_s, "5", 1, 60, "loudspeaker: length of the test tone (command or --test-tone)"),
	TEXT(shelter_name, "", "signage: the shelter's name shown at the top"),
	LONG(shelter_capacity, "0", 0, 1000000, "signage: people the shelter takes (0: not shown)"),
	LONG(notice_s, "600", 5, 86400, "signage: how long a 'warning lifted' notice stays when the Cancel has no expiry"),
	TEXT(log_level, "info", "lowest level of log lines written to stderr (debug, info, warn, error)"),
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *find(const char *name)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (!strcmp(settings[i].name, name))
			return &settings[i];
	return NULL;
}

/* Parse v for st into c; NULL when fine, else why not. */
static const char *apply(struct rx_config *c, const struct setting *st, const char *v)
{
	char *dst = (char *)c + st->offset;
	if (st->type == T_TEXT) {
		if (strlen(v) >= st->size)
			return "is too long";
		snprintf(dst, st->size, "%s", v);
		return NULL;
	}
	if (st->type == T_BOOL) {
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			*(bool *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			*(bool *)dst = false;
		else
			return "must be true or false";
		return NULL;
	}
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (!*v || *end || errno)
		return "is not a whole number";
	if (x < st->min || x > st->max)
		return "is out of bounds";
	*(long *)dst = x;
	return NULL;
}

static void bounds(const struct setting *st, char *buf, size_t len)
{
	if (st->type == T_LONG)
		snprintf(buf, len, " (%ld to %ld)", st->min, st->max);
	else if (st->type == T_BOOL)
		snprintf(buf, len, " (true or false)");
	else
		buf[0] = '\0';
}

void rx_config_defaults(struct rx_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_SETTINGS; i++)
		apply(c, &settings[i], settings[i].def);
}

enum tc_rc rx_config_set(struct rx_config *c, const char *name, const char *value, struct tc_diags *d)
{
	char b[64];
	const struct setting *st = find(name);
	if (!st) {
		tc_err(d, "config.unknown", name, "unknown setting '%s'", name);
		return TC_ERR_INVALID;
	}
	const char *why = apply(c, st, value);
	if (why) {
		bounds(st, b, sizeof(b));
		tc_err(d, "config.value", name, "%s = '%.60s' %s%s", name, value, why, b);
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

static char *strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One line of the file into next; false (with a diagnostic) when it is bad. */
static bool load_line(struct rx_config *next, char *s, const char *where, struct tc_diags *d)
{
	if (*s == '[') {
		if (!strcmp(s, "[receiver]"))
			return true;
		tc_err(d, "config.section", where, "%s: unknown section %.40s (only [receiver])", where, s);
		return false;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		tc_err(d, "config.syntax", where, "%s: expected name = value", where);
		return false;
	}
	*eq = '\0';
	struct tc_diags *ld = tc_diags_new();
	bool ok = rx_config_set(next, strip(s), strip(eq + 1), ld) == TC_OK;
	if (!ok)
		tc_err(d, "config.value", where, "%s: %s", where,
		       tc_diags_count(ld) ? tc_diags_get(ld, 0)->message : "out of memory");
	tc_diags_free(ld);
	return ok;
}

enum tc_rc rx_config_load(struct rx_config *c, const char *path, struct tc_diags *d)
{
	char *text = NULL, where[1100];
	size_t len = 0;
	int err = tc_file_read(path, 1 << 20, &text, &len);
	if (err) {
		tc_err(d, "config.io", path, "cannot read the configuration %s: %s", path, strerror(err));
		return TC_ERR_IO;
	}
	struct rx_config next = *c;
	int line = 0, bad = 0;
	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		char *s = strip(l);
		if (!*s || *s == '#' || *s == ';')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, line);
		bad += !load_line(&next, s, where, d);
	}
	free(text);
	if (bad)
		return TC_ERR_INVALID;
	*c = next;
	return TC_OK;
}

size_t rx_config_regions(const struct rx_config *c, char out[RX_MAX_REGIONS][16])
{
	size_t n = 0;
	for (const char *p = c->region; *p;) {
		size_t k = strcspn(p, ",");
		while (k && p[k - 1] == ' ')
			k--;
		if (n == RX_MAX_REGIONS || k < 2 || k > 12 || strspn(p, "0123456789") < k)
			return 0;
		memcpy(out[n], p, k);
		out[n++][k] = '\0';
		p += strcspn(p, ",");
		p += strspn(p, ", ");
	}
	return n;
}

enum tc_rc rx_config_check(const struct rx_config *c, struct tc_diags *d)
{
	char regions[RX_MAX_REGIONS][16];
	static const struct { const char *name; size_t off; } required[] = {
		{ "id", offsetof(struct rx_config, id) },
		{ "broker", offsetof(struct rx_config, broker) },
		{ "pubkey", offsetof(struct rx_config, pubkey) },
		{ "state_dir", offsetof(struct rx_config, state_dir) },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!((const char *)c + required[i].off)[0]) {
			tc_err(d, "config.required", required[i].name, "%s is required (--%s or in the config file)",
			       required[i].name, required[i].name);
			bad++;
		}
	if (c->id[0] && strpbrk(c->id, "/+# ")) {
		tc_err(d, "config.value", "id", "id '%s' must not hold '/', '+', '#' or spaces", c->id);
		bad++;
	}
	if (!rx_config_regions(c, regions)) {
		tc_err(d, "config.value", "region",
		       "region '%s' must be one to %d codes of 2 to 12 digits, comma-separated", c->region, RX_MAX_REGIONS);
		bad++;
	}
	return bad ? TC_ERR_INVALID : TC_OK;
}

void rx_config_print(FILE *f)
{
	char b[64];
	fprintf(f, "# tocsin-receiver and tocsin-signage configuration. Every setting, with its\n"
		   "# default; flags such as --id, --region or --broker override the file.\n[receiver]\n");
	for (size_t i = 0; i < N_SETTINGS; i++) {
		bounds(&settings[i], b, sizeof(b));
		if (settings[i].def[0])
			fprintf(f, "\n# %s%s\n%s = %s\n", settings[i].help, b, settings[i].name, settings[i].def);
		else
			fprintf(f, "\n# %s%s\n# %s =\n", settings[i].help, b, settings[i].name);
	}
}
