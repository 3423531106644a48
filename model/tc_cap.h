/*
 * tc_cap.h — the CAP alert model: what an alert says, once read.
 *
 * The structs and enums below are what every part of tocsin works with
 * after an alert is accepted: the server's store, planner and encoders.
 * Reading XML into this model and checking it (XML safety, schema, rules,
 * profiles) belongs to server/cap (tc_cap_check.h); nothing here needs
 * libxml2.
 *
 * The model is read-only for callers. Everything in it, strings and arrays
 * included, belongs to the struct tc_cap_alert and is freed with
 * tc_cap_alert_free(). Optional text elements that were absent are NULL.
 */
#ifndef TC_CAP_H
#define TC_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_rc.h"

enum tc_cap_version {
	TC_CAP_V1_0 = 10,
	TC_CAP_V1_1 = 11,
	TC_CAP_V1_2 = 12,
};

enum tc_cap_status { TC_CAP_STATUS_UNKNOWN = 0, TC_CAP_ACTUAL, TC_CAP_EXERCISE, TC_CAP_SYSTEM, TC_CAP_TEST, TC_CAP_DRAFT };
enum tc_cap_msgtype { TC_CAP_MSGTYPE_UNKNOWN = 0, TC_CAP_ALERT, TC_CAP_UPDATE, TC_CAP_CANCEL, TC_CAP_ACK, TC_CAP_ERROR };
enum tc_cap_scope { TC_CAP_SCOPE_UNKNOWN = 0, TC_CAP_PUBLIC, TC_CAP_RESTRICTED, TC_CAP_PRIVATE };
enum tc_cap_urgency { TC_CAP_URGENCY_UNKNOWN = 0, TC_CAP_IMMEDIATE, TC_CAP_EXPECTED, TC_CAP_FUTURE, TC_CAP_PAST };
/* Ordered so that a larger value is more severe. */
enum tc_cap_severity { TC_CAP_SEVERITY_UNKNOWN = 0, TC_CAP_MINOR, TC_CAP_MODERATE, TC_CAP_SEVERE, TC_CAP_EXTREME };
enum tc_cap_certainty { TC_CAP_CERTAINTY_UNKNOWN = 0, TC_CAP_UNLIKELY, TC_CAP_POSSIBLE, TC_CAP_LIKELY, TC_CAP_OBSERVED };

const char *tc_cap_status_name(enum tc_cap_status v);
const char *tc_cap_msgtype_name(enum tc_cap_msgtype v);
const char *tc_cap_scope_name(enum tc_cap_scope v);
const char *tc_cap_urgency_name(enum tc_cap_urgency v);
const char *tc_cap_severity_name(enum tc_cap_severity v);
const char *tc_cap_certainty_name(enum tc_cap_certainty v);

/* A CAP dateTime: the text as written and what it means. */
struct tc_cap_time {
	const char *text;  /* NULL when the element is absent */
	bool valid;        /* the text is a real date and time */
	bool has_zone;     /* it carries an offset (or Z) */
	bool zulu;         /* the offset was written "Z", which CAP 1.2 forbids */
	int64_t epoch;     /* seconds since 1970 UTC (local time when !has_zone) */
	int offset_min;    /* the offset in minutes east of UTC */
};

struct tc_cap_pair {        /* eventCode, parameter, geocode */
	const char *name;   /* valueName */
	const char *value;
};

struct tc_cap_point {
	double lat, lon;
};

struct tc_cap_polygon {
	const char *text;
	bool parsed;                 /* every pair was two numbers */
	size_t n_points;
	struct tc_cap_point *points; /* as written, n_points long; NULL in a model built only to be checked */
	/* What the rules need, set while reading (n_points > 0): */
	struct tc_cap_point first, last;
	size_t first_off_globe;      /* index of the first point outside ±90/±180; n_points when none */
	struct tc_cap_point off_globe; /* that point */
};

struct tc_cap_circle {
	const char *text;
	bool parsed;                 /* "lat,lon radius" read as three numbers */
	struct tc_cap_point centre;
	double radius_km;
};

struct tc_cap_area {
	const char *area_desc;
	struct tc_cap_polygon *polygons;
	size_t n_polygons;
	struct tc_cap_circle *circles;
	size_t n_circles;
	struct tc_cap_pair *geocodes;
	size_t n_geocodes;
	const char *altitude, *ceiling; /* text, NULL when absent */
};

struct tc_cap_resource {
	const char *resource_desc;
	const char *mime_type;
	const char *size;      /* text, NULL when absent */
	const char *uri;
	const char *deref_uri; /* base64 text as written */
	const char *digest;
};

struct tc_cap_info {
	const char *language;  /* as written; NULL when absent (CAP default en-US) */
	const char **categories;
	size_t n_categories;
	const char *event;
	const char **response_types;
	size_t n_response_types;
	const char *urgency_text, *severity_text, *certainty_text;
	enum tc_cap_urgency urgency;
	enum tc_cap_severity severity;
	enum tc_cap_certainty certainty;
	const char *audience;
	struct tc_cap_pair *event_codes;
	size_t n_event_codes;
	struct tc_cap_time effective, onset, expires;
	const char *sender_name, *headline, *description, *instruction, *web, *contact;
	struct tc_cap_pair *parameters;
	size_t n_parameters;
	struct tc_cap_resource *resources;
	size_t n_resources;
	struct tc_cap_area *areas;
	size_t n_areas;
};

struct tc_cap_alert {
	enum tc_cap_version version;
	const char *identifier, *sender;
	struct tc_cap_time sent;
	const char *status_text, *msg_type_text, *scope_text;
	enum tc_cap_status status;
	enum tc_cap_msgtype msg_type;
	enum tc_cap_scope scope;
	const char *source, *restriction, *addresses, *note, *references, *incidents;
	const char **codes;
	size_t n_codes;
	struct tc_cap_info *infos;
	size_t n_infos;
	bool has_signature;    /* an XML-DSig <Signature> follows the CAP elements */
	const char *xml;       /* the original bytes, exactly as received */
	size_t xml_len;
	struct tc_arena *arena; /* private: owns everything above */
};

/* Frees the alert and everything in it; NULL is a no-op. */
void tc_cap_alert_free(struct tc_cap_alert *a);

/* Parse a CAP dateTime (text may be NULL: absent). Never fails; see the fields. */
void tc_cap_time_parse(const char *text, struct tc_cap_time *t);

/*
 * tocsin's id for an alert: the first 16 hex digits of the SHA-256 of
 * "sender,identifier,sent" — the triplet CAP itself uses to name a message,
 * so the same alert received twice has the same id.
 */
void tc_cap_alert_id(const struct tc_cap_alert *a, char out[17]);

/* Decode base64 as CAP carries it (white space ignored); *out is malloc'ed. False on bad input. */
bool tc_cap_base64_decode(const char *text, unsigned char **out, size_t *out_len);

/*
 * Whether a valueName is one of accepted (upper case, written without spaces,
 * '/', '_' or '-': "GB/T 2260" matches "GBT2260").
 */
bool tc_cap_name_is(const char *name, const char *const *accepted);

/* The value of the first pair whose name equals name (ASCII case-insensitive), or NULL. */
const char *tc_cap_pair_find(const struct tc_cap_pair *pairs, size_t n, const char *name);

/* Fill the enum fields of an alert from their texts (for whoever builds the model). */
void tc_cap_model_enums(struct tc_cap_alert *a);

/* ASCII case-insensitive equality; false when either is NULL. */
bool tc_cap_ascii_ieq(const char *a, const char *b);
/* Strip ASCII white space at both ends into buf; returns buf. */
const char *tc_cap_trim(const char *s, char *buf, size_t len);

/* --- the Chinese colour level (tc_cap_colour.c) --------------------------- */

enum tc_cap_colour {
	TC_CAP_COLOUR_NONE = 0,
	TC_CAP_COLOUR_BLUE,   /* 蓝, severity Minor */
	TC_CAP_COLOUR_YELLOW, /* 黄, Moderate */
	TC_CAP_COLOUR_ORANGE, /* 橙, Severe */
	TC_CAP_COLOUR_RED,    /* 红, Extreme */
};

const char *tc_cap_colour_name(enum tc_cap_colour c); /* "blue" ... "red", "none" */
const char *tc_cap_colour_zh(enum tc_cap_colour c);   /* "蓝色" ... "红色", "" */
enum tc_cap_severity tc_cap_colour_severity(enum tc_cap_colour c);
/* 红色, 红, RED, Ⅰ级, I ... to a colour; NONE when not a colour. */
enum tc_cap_colour tc_cap_colour_of_value(const char *value);
/*
 * The colour a headline announces: the one after the last change word
 * (升级为, 降级为, 调整为, 升为, 降为, "upgraded to", "downgraded to" ...:
 * "将台风红色预警信号降级为橙色" is orange), else the last it names
 * ("…红色预警…", "Red Warning"); NONE when it names none.
 */
enum tc_cap_colour tc_cap_colour_of_headline(const char *headline);
/* Index of the info's colour parameter (COLOUR, 颜色, 预警级别 ...), or -1. */
long tc_cap_colour_param(const struct tc_cap_info *in);
/* The colour from the parameter (it decides), else the headline; NONE when neither says. */
enum tc_cap_colour tc_cap_info_colour(const struct tc_cap_info *in);

#endif
