/*
 * tc_config.c — tocsind's settings table (tc_config.h); reading and
 * printing are common/tc_settings.c's.
 */
#include "tc_config.h"

#include <stddef.h>
#include <string.h>

#include "tc_settings.h"

static const struct tc_setting settings[] = {
	{ "data_dir", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, data_dir), "",
	  0, 0, NULL, "folder of the database (tocsin.db) and the signing keys; required" },
	{ "store", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, store), "", 0, 0, NULL,
	  "where alerts, the registry and deliveries are kept: empty for data_dir/tocsin.db (SQLite), or a "
	  "PostgreSQL URI, postgresql://USER@HOST:PORT/DB (the password in ~/.pgpass or ?passfile=FILE, not "
	  "here); two tocsind on one PostgreSQL store are an active one and a standby" },
	{ "http", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, http), "127.0.0.1:8080",
	  0, 0, NULL, "ADDR:PORT of the HTTP API; loopback unless you mean it (port 0: any free port)" },
	{ "tls_cert", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, tls_cert), "", 0, 0, NULL,
	  "PEM certificate (chain) of the HTTP API (--tls-cert); with tls_key the API speaks HTTPS only. "
	  "Read once at start" },
	{ "tls_key", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, tls_key), "", 0, 0, NULL,
	  "PEM private key of tls_cert, unencrypted (--tls-key); keep it mode 0600" },
	{ "http_plain_allowed", TC_SET_BOOL, TC_SETTING_FIELD(struct tc_config, http_plain_allowed), "false", 0, 0, NULL,
	  "let the API speak plain HTTP on an address other than loopback (127.0.0.0/8); otherwise such an "
	  "address needs tls_cert and tls_key" },
	{ "http_max_connections", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, http_max_connections), "4096", 1,
	  1000000, NULL, "HTTP connections open at once; more wait in the kernel's queue" },
	{ "http_max_connections_per_address", TC_SET_LONG,
	  TC_SETTING_FIELD(struct tc_config, http_max_connections_per_address), "256", 1, 1000000, NULL,
	  "HTTP connections open at once from one client address; more are closed at once" },
	{ "http_timeout_s", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, http_timeout_s), "30", 1, 86400, NULL,
	  "an HTTP connection that sends nothing for this long is closed" },
	{ "http_body_memory", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, http_body_memory), "67108864", 1048576,
	  4294967296, NULL, "bytes the bodies of all unfinished HTTP requests may hold at once (a body is held at "
	  "its declared length); a request past it is answered 503, to send again later" },
	{ "profile", TC_SET_CHOICE, TC_SETTING_FIELD(struct tc_config, profile), "none",
	  0, 0, "none|cn|ipaws", "CAP profile every submitted alert must meet" },
	{ "lenient", TC_SET_BOOL, TC_SETTING_FIELD(struct tc_config, lenient), "false", 0, 0, NULL,
	  "accept alerts whose only fault is element order (upstream feeds)" },
	{ "spool_dir", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, spool_dir), "",
	  0, 0, NULL, "folder watched for CAP files to ingest (moved to done/ or failed/); empty: none" },
	{ "spool_user", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, spool_user), "", 0, 0, NULL,
	  "the user spool alerts are submitted as (its role, departments and regions apply, as over HTTP); "
	  "required with spool_dir" },
	{ "spool_interval_ms", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, spool_interval_ms), "1000", 100, 60000,
	  NULL, "how often the spool folder is looked at" },
	{ "max_alert_bytes", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, max_alert_bytes), "16777216", 1024,
	  67108864, NULL, "largest CAP document accepted" },
	{ "cap_cross_sender_allowed", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, cap_cross_sender_allowed), "",
	  0, 0, NULL, "senders whose Update or Cancel may reference another sender's alerts: A>B (A may end B's), "
	  "A>* (A anyone's), separated by commas; empty: each sender only its own" },
	{ "approval_required", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, approval_required), "Actual", 0, 0, NULL,
	  "CAP statuses whose alerts wait until a second person (an approver, not the author) releases them, "
	  "separated by spaces, e.g. \"Actual Exercise\"; none: every alert goes out at once" },
	{ "approval_timeout_s", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, approval_timeout_s), "600", 0, 86400, NULL,
	  "an alert held longer than this for approval is logged, audited (approval-overdue) and, with an SMS "
	  "gateway, its approvers (users with a phone who may release it) are told by SMS; 0: never" },
	{ "http_hosts", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, http_hosts), "", 0, 0, NULL,
	  "names clients reach the API by (the Host header), besides the listen address, localhost and 127.0.0.1, "
	  "separated by commas; a request naming another host, or from another site's page (Origin), is refused" },
	{ "console_dir", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, console_dir), TOCSIN_CONSOLE_DIR, 0, 0, NULL,
	  "the folder of the web console's files, served at /console/ (tc_api_console.c); empty: no console" },
	{ "console_leaflet_dir", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, console_leaflet_dir),
	  "/usr/share/javascript/leaflet", 0, 0, NULL,
	  "Leaflet's files (Debian's libjs-leaflet) for the console's map, served at /console/lib/leaflet/" },
	{ "map_tiles", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, map_tiles), "", 0, 0, NULL,
	  "the console map's tile server, an http(s) URL template with {z}, {x} and {y} (e.g. the bureau's own "
	  "https://tiles.example.cn/{z}/{x}/{y}.png); empty: no tiles, the map draws the registry and the alert's "
	  "areas only, which needs no internet" },
	{ "map_attribution", TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, map_attribution), "", 0, 0, NULL,
	  "the credit line the tile server asks for, shown on the map" },
	{ "session_ttl_s", TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, session_ttl_s), "28800", 300, 604800, NULL,
	  "how long a browser sign-in lasts" },
#define TEXT(name, def, help) \
	{ #name, TC_SET_TEXT, TC_SETTING_FIELD(struct tc_config, name), def, 0, 0, NULL, help }
#define LONG(name, def, min, max, help) \
	{ #name, TC_SET_LONG, TC_SETTING_FIELD(struct tc_config, name), def, min, max, NULL, help }
	TEXT(broker, "127.0.0.1:1883", "HOST:PORT of the MQTT broker receivers listen to; none: accept and plan only"),
	TEXT(mqtt_prefix, "tocsin/v1", "topic prefix of the receiver protocol"),
	{ "broker_tree", TC_SET_CHOICE, TC_SETTING_FIELD(struct tc_config, broker_tree), "none", 0, 0, "none|counties",
	  "counties: broker is the top of a broker tree whose county brokers bridge up to it (tocsin broker setup "
	  "--county); everything for the receivers of county C (the first 6 digits of their region) goes under "
	  "PREFIX/county/C/, and their acknowledgments count only from there; none: receivers are on broker itself" },
	{ "region_broker", TC_SET_LIST, TC_SETTING_FIELD(struct tc_config, region_broker), "", 0, 0, NULL,
	  "several independent brokers instead of broker, one line each: URL PREFIX[,PREFIX...] [DIR], e.g. "
	  "region_broker = mqtts://county-a.example:8883 120116,120117 /etc/tocsin/county-a; the receivers whose "
	  "region starts with a PREFIX are on that broker (a region on two brokers, or a registered receiver on "
	  "none, is refused at start), and their acknowledgments count only from it; DIR holds its broker-ca.crt "
	  "and tocsind's broker.password (tocsin broker setup --data-dir DIR; default: data_dir). Not with "
	  "broker_tree" },
	TEXT(mqtt_client_id, "tocsind", "MQTT client id (one per server; its session keeps acknowledgments while it is down)"),
	TEXT(mqtt_username, "", "MQTT user name; empty: none"),
	TEXT(mqtt_password, "", "MQTT password; empty: none (keep this file mode 0600 when set)"),
	LONG(mqtt_keepalive_s, "30", 5, 3600, "MQTT keepalive"),
	LONG(mqtt_session_expiry_s, "86400", 0, 2592000, "how long the broker keeps tocsind's session while it is away"),
	LONG(ack_timeout_s, "30", 1, 86400, "a sent alert with no receipt after this is re-sent directly to the receiver"),
	LONG(play_timeout_s, "600", 1, 86400, "a received alert not played or displayed after this is escalated"),
	LONG(max_attempts, "3", 1, 100, "sends (first and re-sends) before a silent receiver is escalated to people"),
	LONG(default_expiry_s, "21600", 60, 2592000, "how long an alert without <expires> stays active: its payload says it expires this long after it is sealed, and receivers and tocsind end it then"),
	LONG(default_repeats, "3", 1, 10, "times a loudspeaker repeats a message when the alert has no REPEAT parameter"),
	TEXT(lexicon, "", "extra Chinese readings (word<TAB>pinyin lines), over the built-in lexicon and the reading dictionary"),
	{ "sms_gateway", TC_SET_CHOICE, TC_SETTING_FIELD(struct tc_config, sms_gateway),
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
	TEXT(sms_gateways_file, "", "INI file of further SMPP gateways, one [NAME] section each (smpp, system_id, password_file, "
	     "tps, window, prefixes = E.164 number prefixes without '+', fallback = default|none|NAME); numbers no prefix "
	     "matches go to the gateway above, \"default\" (README, \"Several gateways\"); empty: none"),
	TEXT(sms_fallback, "none", "the gateway of sms_gateways_file that takes the default gateway's parts while it is "
	     "down, and those it held when its link dropped; none: they wait for it"),
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
	LONG(sms_escalation_segments, "2", 1, 16, "parts the SMS to the officer of a silent village may have, at most "
	     "sms_max_segments: what to do and the start of the warning, read at once and sent ahead of the rest"),
	LONG(sms_receipt_timeout_s, "600", 1, 604800, "a submitted SMS without a delivery receipt after this is no-receipt"),
	LONG(sms_reply_window_s, "86400", 60, 2592000, "a reply (收到 CODE, ACK CODE, or a plain 1 or 收到) confirms an SMS sent this long ago, at most"),
	{ "sms_reply_code_required", TC_SET_BOOL, TC_SETTING_FIELD(struct tc_config, sms_reply_code_required), "false", 0, 0,
	  NULL, "a reply must carry the code of the SMS it confirms; a plain 1 or 收到 then confirms nothing, not even "
	  "the warning SMS (an escalation always needs its code)" },
	{ "relay_min_colour", TC_SET_CHOICE, TC_SETTING_FIELD(struct tc_config, relay_min_colour), "orange", 0, 0,
	  "none|blue|yellow|orange|red", "alerts of this colour or above start the relay with confirmation (叫应) along "
	  "the contacts' relay chains of the towns and villages they reach; none: never" },
	LONG(relay_confirm_s, "600", 1, 86400, "a person of a relay chain who has not confirmed by reply after this: the next is told"),
	TEXT(relay_duty_role, "区值班室", "the role of the district duty room, told by one SMS of the towns and villages whose "
	     "relay chains ran out without a confirmation"),
	LONG(shelter_walk_m, "500", 50, 20000, "how far people are sent to a shelter on foot, in metres: the nearest open shelters within it are named in the guidance and the planning report"),
	{ "drill", TC_SET_LIST, TC_SETTING_FIELD(struct tc_config, drill), "", 0, 0, NULL,
	  "a standing drill or test, one line each: daily HH:MM MODE REGION, weekly DAY HH:MM MODE REGION "
	  "(DAY mon..sun) or monthly NTH-DAY HH:MM MODE REGION (NTH first..fourth, last), Beijing time; MODE "
	  "silent (a CAP Test: receivers check themselves, nothing sounds) or audible (an Exercise, announced "
	  "as a drill); REGION an administrative code or * for every county of the registry. Issued without "
	  "approval, audited as the schedule's; e.g. drill = weekly wed 10:00 silent *" },
	TEXT(drill_sender, "", "the CAP sender (the bureau) of the drills and tests tocsind issues; required with drill"),
	LONG(drill_catchup_s, "1800", 0, 86400, "a slot missed while tocsind was down is run at start when it is younger than "
	     "this; an older one is skipped (a slot never runs twice)"),
	LONG(drill_target_s, "300", 1, 86400, "the drill report counts the receivers that answered within this long after "
	     "release (the 5-minute target)"),
	LONG(health_offline_h, "24", 0, 8760, "a receiver offline (its last status or its Last Will said so; never heard "
	     "from: since the store first knew it) for longer than this many hours is on the maintenance list"),
	LONG(health_silent_alerts, "2", 1, 16, "a receiver that answered none of its last this many non-Test alerts "
	     "(escalated, or expired unanswered) is on the maintenance list"),
	LONG(health_clock_s, "30", 1, 86400, "a receiver whose clock is off by more than this many seconds (its latest "
	     "self-check or status) is on the maintenance list"),
	TEXT(maintenance_role, "维护", "the role of the maintenance contacts: told by SMS of a silent loudspeaker escalated "
	     "in their region (once a receiver a day) and, daily at maintenance_sms_at, of their region's receivers "
	     "on the maintenance list"),
	TEXT(maintenance_sms_at, "08:30", "HH:MM, Beijing time, of the daily maintenance SMS (once a day, also across "
	     "restarts; a start later that day sends it then)"),
	{ "log_level", TC_SET_CHOICE, TC_SETTING_FIELD(struct tc_config, log_level),
	  "info", 0, 0, "debug|info|warn|error", "lowest level of log lines written to stderr" },
#undef TEXT
#undef LONG
};

static const struct tc_settings table = { settings, sizeof(settings) / sizeof(settings[0]), "tocsind",
					  sizeof(struct tc_config) };

void tc_config_defaults(struct tc_config *c)
{
	tc_settings_defaults(&table, c);
}

enum tc_rc tc_config_set(struct tc_config *c, const char *name, const char *value, struct tc_diags *d)
{
	return tc_settings_set(&table, c, name, value, d);
}

enum tc_rc tc_config_load(struct tc_config *c, const char *path, struct tc_diags *d)
{
	return tc_settings_load(&table, c, path, d);
}

/* One entry e into dr; its errors name where it came from. */
static enum tc_rc one_drill(const char *text, const char *where, struct tc_drill *dr, struct tc_diags *d)
{
	struct tc_diags *ed = tc_diags_new();
	enum tc_rc rc = ed ? tc_drill_parse(text, dr, ed) : TC_ERR_NOMEM;
	if (rc == TC_ERR_INVALID) {
		/* tc_drill says "drill 'TEXT': why"; the why is kept */
		const char *m = tc_diags_count(ed) ? tc_diags_get(ed, 0)->message : "not a schedule", *why = strstr(m, "': ");
		tc_err(d, "config.value", "drill", "%s%sdrill = '%.100s': %s", where, where[0] ? ": " : "", text,
		       why ? why + 3 : m);
	}
	tc_diags_free(ed);
	return rc;
}

enum tc_rc tc_config_drills(const struct tc_config *c, struct tc_drill *out, size_t *n, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	*n = 0;
	for (size_t i = 0; i < c->drill.n && i < TC_DRILL_MAX; i++) {
		const char *where = c->drill.v[i].where;
		if (one_drill(c->drill.v[i].text, where, &out[*n], d)) {
			rc = TC_ERR_INVALID;
			continue;
		}
		bool again = false;
		for (size_t k = 0; k < *n; k++)
			again |= !strcmp(out[k].spec, out[*n].spec);
		if (again) {
			tc_err(d, "config.value", "drill", "%s%sdrill = '%.100s': the same schedule is given twice", where,
			       where[0] ? ": " : "", c->drill.v[i].text);
			rc = TC_ERR_INVALID;
			continue;
		}
		(*n)++;
	}
	if (c->drill.n && !c->drill_sender[0]) {
		tc_err(d, "config.value", "drill_sender", "drills are configured but drill_sender is not: set it to the "
		       "bureau's CAP sender, e.g. drill_sender = binhai-weather@example.cn");
		rc = TC_ERR_INVALID;
	}
	return rc;
}

void tc_config_print(FILE *f)
{
	tc_settings_print(&table,
			  "# tocsind configuration. Every setting, with its default; flags such as\n"
			  "# --data-dir or --http override the file.\n",
			  f);
}
