/*
 * tc_cap_check.c — tc_cap_check(): the four layers in order, every problem reported.
 *
 * A layer that cannot go on (the XML is unreadable, a limit is hit, the root
 * is not a CAP alert) stops the check; otherwise every layer runs, so one
 * submission shows the officer everything that needs fixing.
 */
#include "tc_cap_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

const char *tc_cap_profile_name(enum tc_cap_profile p)
{
	switch (p) {
	case TC_CAP_PROFILE_CN: return "cn";
	case TC_CAP_PROFILE_IPAWS: return "ipaws";
	case TC_CAP_PROFILE_NONE: break;
	}
	return "none";
}

enum tc_rc tc_cap_profile_parse(const char *name, enum tc_cap_profile *out)
{
	static const enum tc_cap_profile all[] = { TC_CAP_PROFILE_NONE, TC_CAP_PROFILE_CN, TC_CAP_PROFILE_IPAWS };
	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(tc_cap_profile_name(all[i]), name) == 0) {
			*out = all[i];
			return TC_OK;
		}
	}
	return TC_ERR_USAGE;
}

void tc_cap_limits_default(struct tc_cap_limits *lim)
{
	lim->max_bytes = 16u * 1024 * 1024;
	lim->max_depth = 32;
	lim->max_elements = 200000;
	lim->max_polygon_points = 100000;
	lim->max_total_points = 1000000;
}

void tc_cap_options_default(struct tc_cap_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	tc_cap_limits_default(&opt->limits);
}

static void not_cap(const xmlNode *root, struct tc_diags *d)
{
	const char *ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
	tc_err(d, "cap.not-cap", (const char *)root->name,
	       "this is not a CAP alert: the root element is <%s>%s%s%s; a CAP alert's root is <alert> "
	       "in namespace " TC_CAP_NS_1_2 " (1.1 and 1.0 are read too)",
	       (const char *)root->name, *ns ? " in namespace '" : " without a namespace", ns, *ns ? "'" : "");
}

static void run_profile(const struct tc_cap_options *opt, const struct tc_cap_alert *a, struct tc_diags *d)
{
	switch (opt->profile) {
	case TC_CAP_PROFILE_CN:
		tc_cap_profile_cn_check(a, opt->lenient, d);
		break;
	case TC_CAP_PROFILE_IPAWS:
		tc_cap_profile_ipaws_check(a, d);
		break;
	case TC_CAP_PROFILE_NONE:
		break;
	}
}

enum tc_rc tc_cap_check(const char *xml, size_t len, const struct tc_cap_options *opt,
			struct tc_cap_alert **out, struct tc_diags *d)
{
	struct tc_cap_options defaults;
	struct tc_cap_alert *a = NULL;
	xmlDocPtr doc = NULL;
	enum tc_rc rc;

	if (out)
		*out = NULL;
	if (!opt) {
		tc_cap_options_default(&defaults);
		opt = &defaults;
	}
	size_t errors_before = tc_diags_errors(d);
	rc = tc_cap_xml_read(xml, len, &opt->limits, &doc, d);
	if (rc)
		goto out;
	const xmlNode *root = xmlDocGetRootElement(doc);
	enum tc_cap_version v = tc_cap_xml_version(root);
	if (!v) {
		not_cap(root, d);
		rc = TC_ERR_INVALID;
		goto out;
	}
	if (v == TC_CAP_V1_0)
		tc_warn(d, "cap.version", "alert",
			"CAP 1.0 document: read, but no schema exists to check it against; please move to CAP 1.2");
	else
		rc = tc_cap_schema_validate(doc, v, opt->lenient, d);
	if (rc && rc != TC_ERR_INVALID)
		goto out;
	/* Only a model the caller keeps needs its own copies; a borrowed one is freed before doc, at out. */
	rc = tc_cap_model_build(doc, &opt->limits, xml, len, out == NULL, &a, d);
	if (rc)
		goto out;
	tc_cap_rules_check(a, opt->now ? opt->now : (int64_t)time(NULL), d);
	run_profile(opt, a, d);
	rc = tc_diags_errors(d) > errors_before ? TC_ERR_INVALID : TC_OK;
	if (out) {
		*out = a;
		a = NULL;
	}
out:
	tc_cap_alert_free(a);
	xmlFreeDoc(doc);
	return rc;
}
