/*
 * tc_cap_int.h — what the pieces of the CAP module call of each other.
 * Not for use outside server/cap/.
 */
#ifndef TC_CAP_INT_H
#define TC_CAP_INT_H

#include <libxml/tree.h>

#include "tc_cap_b64.h"
#include "tc_cap_check.h"

/* Layer 1 (tc_cap_xml.c): safe parse. *out is the document, or NULL on error. */
enum tc_rc tc_cap_xml_read(const char *xml, size_t len, const struct tc_cap_limits *lim,
			   xmlDocPtr *out, struct tc_diags *d);

/* Which CAP version a root element declares; 0 when it is not a CAP alert. */
enum tc_cap_version tc_cap_xml_version(const xmlNode *root);

/* "alert/info[0]/area[1]" for an element (0-based index among same-name siblings). */
void tc_cap_xml_path(const xmlNode *node, char *buf, size_t len);

/* Layer 2 (tc_cap_schema.c): XSD validation; order problems are warnings when lenient. */
enum tc_rc tc_cap_schema_validate(xmlDocPtr doc, enum tc_cap_version v, bool lenient,
				  struct tc_diags *d);

/*
 * The model from a parsed document whose root is a CAP alert (tc_cap_model.c).
 * Normally the alert holds its own copies of every text and of the len bytes
 * at xml. With borrow, its texts point into doc and a->xml is xml: such an
 * alert is freed before doc and never leaves tc_cap_check().
 */
enum tc_rc tc_cap_model_build(xmlDocPtr doc, const struct tc_cap_limits *lim, const char *xml,
			      size_t len, bool borrow, struct tc_cap_alert **out, struct tc_diags *d);

/* Layer 3 (tc_cap_rules.c). */
void tc_cap_rules_check(const struct tc_cap_alert *a, int64_t now, struct tc_diags *d);

/* Layer 4 (tc_cap_profile_cn.c, tc_cap_profile_ipaws.c). Lenient: see tc_cap_profile_cn.c. */
void tc_cap_profile_cn_check(const struct tc_cap_alert *a, bool lenient, struct tc_diags *d);
void tc_cap_profile_ipaws_check(const struct tc_cap_alert *a, struct tc_diags *d);

#endif
