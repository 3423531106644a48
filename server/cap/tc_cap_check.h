/*
 * tc_cap_check.h — the one call that reads and checks a CAP document.
 *
 * tc_cap_check() takes the bytes of a CAP document (1.2; 1.1 and 1.0 are
 * read too) and checks it in four layers, reporting every problem it finds:
 *
 *   1. XML: well-formed, and safe — no DOCTYPE (so no external entities and
 *      no entity expansion), no network, bounded size, depth and points.
 *   2. Schema: cap-schemas/cap-1.2.xsd (cap-1.1.xsd for 1.1), compiled into
 *      the binary. In lenient mode, elements that are merely out of order are
 *      warnings, when putting them in order makes the document valid.
 *   3. Rules the schema cannot express (tc_cap_rules.c).
 *   4. An optional profile: "cn" (China, tc_cap_profile_cn.c) or "ipaws"
 *      (tc_cap_profile_ipaws.c).
 *
 * What it returns is the alert model of tc_cap.h.
 */
#ifndef TC_CAP_CHECK_H
#define TC_CAP_CHECK_H

#include "tc_cap.h"

#define TC_CAP_NS_1_2 "urn:oasis:names:tc:emergency:cap:1.2"
#define TC_CAP_NS_1_1 "urn:oasis:names:tc:emergency:cap:1.1"
#define TC_CAP_NS_1_0 "http://www.incident.com/cap/1.0"
#define TC_XMLDSIG_NS "http://www.w3.org/2000/09/xmldsig#"

/* Bounds on what the parser accepts; see tc_cap_limits_default(). */
struct tc_cap_limits {
	size_t max_bytes;          /* whole document */
	unsigned max_depth;        /* element nesting */
	size_t max_elements;       /* elements in the document */
	size_t max_polygon_points; /* in one polygon */
	size_t max_total_points;   /* over all polygons of the alert */
};

enum tc_cap_profile {
	TC_CAP_PROFILE_NONE = 0,
	TC_CAP_PROFILE_CN,
	TC_CAP_PROFILE_IPAWS,
};

const char *tc_cap_profile_name(enum tc_cap_profile p);
/* "cn", "ipaws" or "none" to a profile; TC_ERR_USAGE for anything else. */
enum tc_rc tc_cap_profile_parse(const char *name, enum tc_cap_profile *out);

struct tc_cap_options {
	enum tc_cap_profile profile;
	bool lenient;      /* out-of-order elements (and, under cn, an identifier without
			      its sequence digit) are warnings, not errors */
	int64_t now;       /* "now" for the expiry check, seconds since 1970; 0 = the clock */
	struct tc_cap_limits limits;
};

/* 16 MiB, depth 32, 200,000 elements, 100,000 points a polygon, 1,000,000 in all. */
void tc_cap_limits_default(struct tc_cap_limits *lim);
/* No profile, strict, now = the clock, default limits. */
void tc_cap_options_default(struct tc_cap_options *opt);

/*
 * Check one CAP document of len bytes, appending every problem to d.
 *
 * Returns TC_OK when the alert is valid (warnings allowed), TC_ERR_INVALID
 * when d holds at least one error, TC_ERR_LIMIT when a limit stopped the
 * check, TC_ERR_NOMEM on allocation failure. When out is not NULL and the
 * document was a readable CAP alert, *out receives the model (also for an
 * invalid alert, for callers that want to show what they could read); the
 * caller frees it with tc_cap_alert_free(). *out is NULL otherwise.
 */
enum tc_rc tc_cap_check(const char *xml, size_t len, const struct tc_cap_options *opt,
			struct tc_cap_alert **out, struct tc_diags *d);

#endif
