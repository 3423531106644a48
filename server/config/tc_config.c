/*
 * tc_config.c — the settings table and the INI reader (tc_config.h).
 */
#include "tc_config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"

enum type { T_TEXT, T_BOOL, T_LONG, T_CHOICE };

static const struct setting {
	const char *name;
	enum type type;
	size_t offset, size;
	const char *def;
	long min, max;        /* T_LONG bounds */
	const char *choices;  /* T_CHOICE, '|' separated */
	const char *help;
} settings[] = {
	{ "data_dir", T_TEXT, offsetof(struct tc_config, data_dir), sizeof(((struct tc_config *)0)->data_dir), "",
	  0, 0, NULL, "folder of the database (tocsin.db) and the signing keys; required" },
	{ "http", T_TEXT, offsetof(struct tc_config, http), sizeof(((struct tc_config *)0)->http), "127.0.0.1:8080",
	  0, 0, NULL, "ADDR:PORT of the HTTP API; loopback unless you mean it (port 0: any free port)" },
	{ "profile", T_CHOICE, offsetof(struct tc_config, profile), sizeof(((struct tc_config *)0)->profile), "none",
	  0, 0, "none|cn|ipaws", "CAP profile every submitted alert must meet" },
	{ "lenient", T_BOOL, offsetof(struct tc_config, lenient), sizeof(bool), "false", 0, 0, NULL,
	  "accept alerts whose only fault is element order (upstream feeds)" },
	{ "spool_dir", T_TEXT, offsetof(struct tc_config, spool_dir), sizeof(((struct tc_config *)0)->spool_dir), "",
	  0, 0, NULL, "folder watched for CAP files to ingest (moved to done/ or failed/); empty: none" },
	{ "spool_interval_ms", T_LONG, offsetof(struct tc_config, spool_interval_ms), sizeof(long), "1000", 100, 60000,
	  NULL, "how often the spool folder is looked at" },
	{ "max_alert_bytes", T_LONG, offsetof(struct tc_config, max_alert_bytes), sizeof(long), "16777216", 1024,
	  67108864, NULL, "largest CAP document accepted" },
#define TEXT(name, def, help) \
	{ #name, T_TEXT, offsetof(struct tc_config, name), sizeof(((struct tc_config *)0)->name), def, 0, 0, NULL, help }
#define LONG(name, def, min, max, help) \
	{ #name, T_LONG, offsetof(struct tc_config, name), sizeof(long), def, min, max, NULL, help }
	TEXT(broker, "127.0.0.1:1883", "HOST:PORT of the MQTT broker receivers listen to; none: accept and plan only"),
	TEXT(mqtt_prefix, "tocsin/v1", "topic prefix of the receiver protocol"),
	TEXT(mqtt_client_id, "tocsind", "MQTT client id (one per server; its session keeps acknowledgments while it is down)"),
	TEXT(mqtt_username, "", "MQTT user name; empty: none"),
	TEXT(mqtt_password, "", "MQTT password; empty: none (keep this file mode 0600 when set)"),
	LONG(mqtt_keepalive_s, "30", 5, 3600, "MQTT keepalive"),
	LONG(mqtt_session_expiry_s, "86400", 0, 2592000, "how long the broker keeps tocsind's session while it is away"),
	LONG(ack_timeout_s, "30", 1, 86400, "a sent alert with no receipt after this is re-sent directly to the receiver"),
	LONG(play_timeout_s, "600", 1, 86400, "a received alert not played or displayed after this is escalated"),
	LONG(max_attempts, "3", 1, 100, "sends (first and re-sends) before a silent receiver is escalated to people"),
	LONG(default_expiry_s, "86400", 60, 2592000, "how long an alert without <expires> stays active"),
	LONG(default_repeats, "3", 1, 10, "times a loudspeaker repeats a message when the alert has no REPEAT parameter"),
	TEXT(lexicon, "", "extra Chinese pronunciation lexicon (word<TAB>pinyin) on top of the built-in one"),
	{ "sms_gateway", T_CHOICE, offsetof(struct tc_config, sms_gateway), sizeof(((struct tc_config *)0)->sms_gateway),
	  "none", 0, 0, "none|smpp|kannel", "how SMS leave: an SMSC over SMPP 3.4, Kannel's HTTP sendsms, or none (--smpp sets smpp)" },
	TEXT(smpp, "", "HOST:PORT of the SMSC (SMPP 3.4, bind_transceiver)"),
	TEXT(smpp_system_id, "", "system_id tocsind binds with (15 characters at most)"),
	TEXT(smpp_password, "", "SMPP password (8 characters at most; keep this file mode 0600 when set)"),
	TEXT(smpp_system_type, "", "system_type of the bind, when the operator wants one"),
	TEXT(smpp_source, "", "source address of the SMS (a short code, a number or a name; Kannel's from too); empty: the SMSC's default"),
	LONG(smpp_tps, "50", 1, 100000, "submit_sm a second, at most: the operator's agreed rate"),
	LONG(smpp_window, "10", 1, 1000, "submit_sm waiting for their answer, at most"),
	LONG(smpp_enquire_link_s, "30", 1, 3600, "a quiet link is probed with enquire_link after this"),
	LONG(smpp_response_timeout_s, "10", 1, 600, "an SMSC that does not answer a request in this time is reconnected"),
	TEXT(kannel_url, "", "Kannel's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms (sms_gateway = kannel)"),
	TEXT(kannel_user, "", "Kannel sendsms user name"),
	TEXT(kannel_password, "", "Kannel sendsms password"),
	TEXT(sms_dlr_url, "", "where Kannel calls back with delivery reports; empty: this server's /api/v1/sms/dlr"),
	TEXT(sms_default_cc, "86", "country code given to national telephone numbers"),
	TEXT(sms_policy, "official:all;信息员:orange,red;网格员:orange,red",
	     "who gets an alert's SMS when it is published: role:levels;... (levels none, blue, yellow, orange, red, all)"),
	TEXT(sms_escalation_roles, "信息员,网格员",
	     "roles told by SMS when a village's loudspeaker stays silent (their region is the village or contains it)"),
	LONG(sms_batch_size, "1000", 1, 1000000, "recipients a batch (the CSV export and the carriers' bulk platforms use them)"),
	LONG(sms_max_segments, "3", 1, 16, "parts an SMS may have (the text is cut at a sentence end to fit)"),
	LONG(sms_receipt_timeout_s, "600", 1, 604800, "a submitted SMS without a delivery receipt after this is no-receipt"),
	LONG(sms_reply_window_s, "86400", 60, 2592000, "a reply such as 1 or 收到 confirms the latest SMS sent this long ago, at most"),
	{ "log_level", T_CHOICE, offsetof(struct tc_config, log_level), sizeof(((struct tc_config *)0)->log_level),
	  "info", 0, 0, "debug|info|warn|error", "lowest level of log lines written to stderr" },
#undef TEXT
#undef LONG
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *find(const char *name)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (!strcmp(settings[i].name, name))
			return &settings[i];
	return NULL;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p;) {
		size_t k = strcspn(p, "|");
		if (k == n && !strncmp(p, v, n))
			return true;
		p += k + (p[k] == '|');
	}
	return false;
}

/* Parse value for st into c; NULL when fine, else why not. */
static const char *apply(struct tc_config *c, const struct setting *st, const char *v)
{
	char *dst = (char *)c + st->offset;
	switch (st->type) {
	case T_TEXT:
		if (strlen(v) >= st->size)
			return "is too long";
		snprintf(dst, st->size, "%s", v);
		return NULL;
	case T_CHOICE:
		if (!choice_ok(st->choices, v))
			return "is not one of the choices";
		snprintf(dst, st->size, "%s", v);
		return NULL;
	case T_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			*(bool *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			*(bool *)dst = false;
		else
			return "must be true or false";
		return NULL;
	case T_LONG: {
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
	}
	return "has an unknown type";
}

static void explain(const struct setting *st, char *buf, size_t len)
{
	if (st->type == T_LONG)
		snprintf(buf, len, " (%ld to %ld)", st->min, st->max);
	else if (st->type == T_CHOICE)
		snprintf(buf, len, " (%s)", st->choices);
	else
		buf[0] = '\0';
}

void tc_config_defaults(struct tc_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_SETTINGS; i++)
		apply(c, &settings[i], settings[i].def);
}

enum tc_rc tc_config_set(struct tc_config *c, const char *name, const char *value, struct tc_diags *d)
{
	char bounds[96];
	const struct setting *st = find(name);
	if (!st) {
		tc_err(d, "config.unknown", name, "unknown setting '%s'", name);
		return TC_ERR_INVALID;
	}
	const char *why = apply(c, st, value);
	if (why) {
		explain(st, bounds, sizeof(bounds));
		tc_err(d, "config.value", name, "%s = '%.60s' %s%s", name, value, why, bounds);
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

enum tc_rc tc_config_load(struct tc_config *c, const char *path, struct tc_diags *d)
{
	char *text = NULL, where[64];
	size_t len = 0;
	int err = tc_file_read(path, 1 << 20, &text, &len);
	if (err) {
		tc_err(d, "config.io", path, "cannot read the configuration %s: %s", path, strerror(err));
		return TC_ERR_IO;
	}
	struct tc_config next = *c;
	int line = 0, bad = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		char *s = strip(l);
		if (!*s || *s == '#' || *s == ';')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, line);
		if (*s == '[') {
			if (strcmp(s, "[tocsind]") != 0) {
				tc_err(d, "config.section", where, "%s: unknown section %.40s (only [tocsind])", where, s);
				bad++;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			tc_err(d, "config.syntax", where, "%s: expected name = value", where);
			bad++;
			continue;
		}
		*eq = '\0';
		struct tc_diags *line_d = tc_diags_new();
		if (tc_config_set(&next, strip(s), strip(eq + 1), line_d) != TC_OK) {
			tc_err(d, "config.value", where, "%s: %s", where, tc_diags_get(line_d, 0)->message);
			bad++;
		}
		tc_diags_free(line_d);
	}
	free(text);
	if (bad)
		return TC_ERR_INVALID;
	*c = next;
	return TC_OK;
}

void tc_config_print(FILE *f)
{
	char bounds[96];
	fprintf(f, "# tocsind configuration. Every setting, with its default; flags such as\n"
		   "# --data-dir or --http override the file.\n[tocsind]\n");
	for (size_t i = 0; i < N_SETTINGS; i++) {
		explain(&settings[i], bounds, sizeof(bounds));
		if (settings[i].def[0])
			fprintf(f, "\n# %s%s\n%s = %s\n", settings[i].help, bounds, settings[i].name, settings[i].def);
		else
			fprintf(f, "\n# %s%s\n# %s =\n", settings[i].help, bounds, settings[i].name);
	}
}
