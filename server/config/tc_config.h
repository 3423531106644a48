/*
 * tc_config.h — tocsind's settings: one table (name, type, default,
 * bounds, help), read from an INI file and then from command-line flags,
 * which win. The example file dist/tocsind.conf is generated from the same
 * table (tocsind --print-config), so the documentation cannot drift.
 */
#ifndef TC_CONFIG_H
#define TC_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "tc_diag.h"
#include "tc_drill.h"
#include "tc_settings.h"

struct tc_config {
	char data_dir[1024];
	char store[1024];   /* empty: data_dir/tocsin.db; or a PostgreSQL URI */
	char http[128];     /* ADDR:PORT */
	char tls_cert[1024]; /* PEM; with tls_key the API speaks HTTPS */
	char tls_key[1024];
	bool http_plain_allowed;
	long http_max_connections;
	long http_max_connections_per_address;
	long http_timeout_s;
	long http_body_memory;
	char profile[16];   /* none | cn | ipaws */
	bool lenient;
	char spool_dir[1024]; /* "" for none */
	long spool_interval_ms;
	long max_alert_bytes;
	char cap_cross_sender_allowed[1024]; /* "A>B, C>*": who may update or cancel another sender's alerts */
	char spool_user[64];       /* the account spool alerts are submitted as */
	char approval_required[64]; /* CAP statuses held for a second person ("Actual"), or "none" */
	char http_hosts[512];      /* names the Host header may carry besides the listen address and localhost */
	char console_dir[1024];    /* the web console's files; "" none */
	char console_leaflet_dir[1024]; /* Leaflet's files (Debian's libjs-leaflet), served at /console/lib/leaflet/ */
	char map_tiles[512];       /* the console map's tile URL template ({z}/{x}/{y}); "" none: no tiles */
	char map_attribution[256]; /* shown on the map with those tiles */
	long session_ttl_s;
	long approval_timeout_s;   /* a held alert waiting longer is audited and its approvers told by SMS */
	char broker[256];   /* HOST:PORT, or "none" */
	char mqtt_prefix[128];
	char broker_tree[16]; /* none | counties */
	struct tc_setting_list region_broker; /* several brokers, one `region_broker = URL PREFIXES [DIR]` line each */
	char mqtt_client_id[128];
	char mqtt_username[128];
	char mqtt_password[128];
	long mqtt_keepalive_s;
	long mqtt_session_expiry_s;
	long ack_timeout_s;
	long play_timeout_s;
	long max_attempts;
	long default_expiry_s;
	long default_repeats;
	char lexicon[1024];
	char log_level[8];
	char sms_gateway[16];     /* none | smpp | kannel */
	char smpp[256];           /* HOST:PORT of the SMSC */
	char smpp_system_id[16];
	char smpp_password[9];
	char smpp_system_type[13];
	char smpp_source[21];
	long smpp_tps;
	long smpp_window;
	long smpp_enquire_link_s;
	long smpp_response_timeout_s;
	char sms_gateways_file[512]; /* further SMPP gateways, one INI section each (tc_sms_gateways.h) */
	char sms_fallback[32];       /* the further gateway that takes the default one's parts while it is down; "none" */
	char kannel_url[512];
	char kannel_user[128];
	char kannel_password[128];
	char sms_dlr_url[512];
	char sms_default_cc[8];
	char sms_policy[512];
	char sms_escalation_roles[256];
	long sms_batch_size;
	long sms_max_segments;
	long sms_escalation_segments;
	long sms_receipt_timeout_s;
	long sms_reply_window_s;
	bool sms_reply_code_required;
	char relay_min_colour[16]; /* blue | yellow | orange | red | none */
	long relay_confirm_s;
	char relay_duty_role[64];
	long shelter_walk_m;
	struct tc_setting_list drill; /* schedule entries (tc_drill.h), one `drill = ...` line each */
	char drill_sender[256];       /* the CAP sender of the drills tocsind issues */
	long drill_catchup_s;
	long drill_target_s;
	long health_offline_h;        /* receiver health (tc_health.h) */
	long health_silent_alerts;
	long health_clock_s;
	char maintenance_role[64];
	char maintenance_sms_at[8];   /* HH:MM, Beijing time */
};

/* The defaults of every setting. */
void tc_config_defaults(struct tc_config *c);

/*
 * Read an INI file: "name = value" lines, optionally under a [tocsind]
 * section; '#' and ';' start comments. Unknown names and bad values are
 * errors naming the file and line; nothing is changed when any line is bad.
 */
enum tc_rc tc_config_load(struct tc_config *c, const char *path, struct tc_diags *d);

/* Set one setting by name from text (as a flag does); errors name the setting and its bounds. */
enum tc_rc tc_config_set(struct tc_config *c, const char *name, const char *value, struct tc_diags *d);

/*
 * The drill schedules of c into out (TC_DRILL_MAX of room), *n of them. A bad
 * entry, the same schedule twice, or drills without drill_sender are
 * TC_ERR_INVALID, each named with the file and line it came from.
 */
enum tc_rc tc_config_drills(const struct tc_config *c, struct tc_drill *out, size_t *n, struct tc_diags *d);

/* Write every setting with its help and default, as an example file. */
void tc_config_print(FILE *f);

#endif
