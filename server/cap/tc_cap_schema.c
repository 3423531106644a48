/*
 * tc_cap_schema.c — layer 2: the CAP XML Schema, and lenient ordering.
 *
 * The schemas in cap-schemas/ are compiled into the binary (see
 * cmake/embed.cmake), parsed once per process and shared read-only.
 * libxml2's messages are rewritten for the duty officer: no namespace
 * noise, the element named first, the allowed values listed.
 *
 * Lenient mode: real feeds sometimes put elements in the wrong order
 * (senderName after headline). When sorting every CAP element into the
 * schema's order makes the document valid, the meaning is unambiguous and
 * each misplaced element is a warning instead of an error.
 */
#include "tc_cap_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlschemas.h>

extern const unsigned char tc_xsd_cap_1_2[];
extern const size_t tc_xsd_cap_1_2_len;
extern const unsigned char tc_xsd_cap_1_1[];
extern const size_t tc_xsd_cap_1_1_len;

static xmlSchemaPtr schema_1_2, schema_1_1;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static xmlSchemaPtr compile(const unsigned char *xsd, size_t len)
{
	xmlSchemaPtr s = NULL;
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt((const char *)xsd, (int)len);
	if (!pc)
		return NULL;
	xmlSchemaSetParserErrors(pc, silent, silent, NULL);
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return s;
}

static void compile_all(void)
{
	schema_1_2 = compile(tc_xsd_cap_1_2, tc_xsd_cap_1_2_len);
	schema_1_1 = compile(tc_xsd_cap_1_1, tc_xsd_cap_1_1_len);
}

/* The schema's order of children for each CAP parent element. */
static const char *const alert_order[] = {
	"identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction",
	"addresses", "code", "note", "references", "incidents", "info", NULL
};
static const char *const info_order[] = {
	"language", "category", "event", "responseType", "urgency", "severity", "certainty",
	"audience", "eventCode", "effective", "onset", "expires", "senderName", "headline",
	"description", "instruction", "web", "contact", "parameter", "resource", "area", NULL
};
static const char *const resource_order[] = {
	"resourceDesc", "mimeType", "size", "uri", "derefUri", "digest", NULL
};
static const char *const area_order[] = {
	"areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling", NULL
};

static const char *const *order_for(const xmlNode *parent)
{
	static const struct { const char *name; const char *const *order; } table[] = {
		{ "alert", alert_order }, { "info", info_order },
		{ "resource", resource_order }, { "area", area_order },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp((const char *)parent->name, table[i].name) == 0)
			return table[i].order;
	return NULL;
}

static bool in_ns(const xmlNode *n, const char *ns)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

/* Position of child in its parent's order; foreign elements (signatures) go last. */
static int rank_of(const char *const *order, const xmlNode *child, const char *ns)
{
	int i = 0;
	if (!in_ns(child, ns))
		return 1000;
	for (; order[i]; i++)
		if (strcmp(order[i], (const char *)child->name) == 0)
			return i;
	return 999;
}

/* --- rewriting libxml2's messages --------------------------------------- */

struct collect {
	struct tc_diags *d;
	enum tc_severity sev;
	const char *ns;
	const void *last_pattern_node; /* a pattern error is followed by a redundant datatype one */
};

/* Remove every "{namespace}" and "cap:" from s, in place. */
static void strip_ns(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (*r == '{' && (strncmp(r + 1, "urn:", 4) == 0 || strncmp(r + 1, "http", 4) == 0)) {
			const char *end = strchr(r, '}');
			if (end) {
				r = end + 1;
				continue;
			}
		}
		if (strncmp(r, "cap:", 4) == 0 && (r == s || r[-1] == ' ' || r[-1] == '(' || r[-1] == '\'')) {
			r += 4;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* The text after "Element 'x': " (or the whole message). */
static const char *after_element(const char *msg)
{
	const char *p = strstr(msg, "': ");
	return (strncmp(msg, "Element '", 9) == 0 && p) ? p + 3 : msg;
}

static const char *code_for(int code)
{
	switch (code) {
	case XML_SCHEMAV_ELEMENT_CONTENT: return "xsd.unexpected-element";
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_4: return "xsd.unexpected-element";
	case XML_SCHEMAV_CVC_ENUMERATION_VALID: return "xsd.enumeration";
	case XML_SCHEMAV_CVC_PATTERN_VALID: return "xsd.pattern";
	case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1: return "xsd.datatype";
	case XML_SCHEMAV_CVC_ELT_1: return "xsd.not-cap";
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3: return "xsd.text-not-allowed";
	default: return "xsd.invalid";
	}
}

/* From "... Expected is one of ( a, b )." the list "a, b" into out; false when absent. */
static bool expected_list(const char *msg, char *out, size_t len)
{
	const char *p = strstr(msg, "Expected is");
	const char *open = p ? strchr(p, '(') : NULL;
	const char *close = open ? strrchr(open, ')') : NULL;
	if (!close)
		return false;
	open++;
	while (*open == ' ')
		open++;
	size_t n = (size_t)(close - open);
	while (n && open[n - 1] == ' ')
		n--;
	snprintf(out, len, "%.*s", (int)n, open);
	return true;
}

static void describe(const xmlError *err, const char *elem, char *msg, char *out, size_t len)
{
	char expected[512];
	const char *rest = after_element(msg);
	bool has_list = expected_list(rest, expected, sizeof(expected));
	const char *value = strstr(rest, "The value '"), *set = strstr(rest, "set {");
	if (err->code == XML_SCHEMAV_CVC_ENUMERATION_VALID && value && set) {
		value += 11;
		const char *value_end = strstr(value, "' is not");
		const char *set_end = strrchr(set, '}');
		char allowed[400];
		size_t n = 0;
		for (const char *p = set + 5; set_end && p < set_end && n + 1 < sizeof(allowed); p++)
			if (*p != '\'')
				allowed[n++] = *p;
		allowed[n] = '\0';
		snprintf(out, len, "<%s> '%.*s' is not allowed; use one of: %s", elem,
			 value_end ? (int)(value_end - value) : 0, value, allowed);
	} else if (err->code == XML_SCHEMAV_CVC_PATTERN_VALID && value) {
		value += 11;
		const char *value_end = strstr(value, "' is not");
		snprintf(out, len, "<%s> '%.*s' is not a CAP date-time: write YYYY-MM-DDThh:mm:ss+hh:mm "
			 "with the offset (UTC is -00:00, not Z)", elem,
			 value_end ? (int)(value_end - value) : 0, value);
	}
	else if (strstr(rest, "Missing child element") && has_list)
		snprintf(out, len, "<%s> ends too early: <%s> is missing", elem, expected);
	else if (strstr(rest, "not expected") && has_list)
		snprintf(out, len, "<%s> is not expected here; expected %s%s (is an element missing, "
			 "misplaced or repeated?)", elem, strchr(expected, ',') ? "one of: " : "", expected);
	else
		snprintf(out, len, "<%s>: %s", elem, rest);
}

static void on_schema_error(void *data, xmlErrorPtr err)
{
	struct collect *c = data;
	char msg[1024], text[1400], path[256] = "";
	const xmlNode *node = err->node;
	const char *elem = "document";

	if (err->level == XML_ERR_WARNING)
		return;
	if (err->code == XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1 && node && node == c->last_pattern_node)
		return;
	if (err->code == XML_SCHEMAV_CVC_PATTERN_VALID)
		c->last_pattern_node = node;
	if (tc_diags_count(c->d) >= TC_DIAGS_MAX) {
		/* The list is full: only the count matters now, spare the work. */
		tc_diags_add(c->d, c->sev, code_for(err->code), "", err->line, "schema violation");
		return;
	}
	if (node && node->type == XML_ELEMENT_NODE) {
		tc_cap_xml_path(node, path, sizeof(path));
		elem = (const char *)node->name;
	}
	snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "schema violation");
	strip_ns(msg);
	describe(err, elem, msg, text, sizeof(text));
	const char *code = strstr(msg, "Missing child element") ? "xsd.missing-element" : code_for(err->code);
	tc_diags_add(c->d, c->sev, code, path, err->line, "%s", text);
}

static enum tc_rc run_schema(xmlSchemaPtr schema, xmlDocPtr doc, struct collect *c, bool *valid)
{
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	if (!vc)
		return TC_ERR_NOMEM;
	xmlSchemaSetValidStructuredErrors(vc, on_schema_error, c);
	int r = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (r < 0)
		return TC_ERR_INTERNAL;
	*valid = (r == 0);
	return TC_OK;
}

/* --- lenient ordering ----------------------------------------------------- */

struct ranked {
	xmlNode *node;
	int rank;
	size_t pos; /* original position: ties keep it, so the sort is stable */
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

/* Sort the element children of every CAP parent into schema order (stable). */
static enum tc_rc reorder(xmlNode *parent, const char *ns)
{
	const char *const *order = in_ns(parent, ns) ? order_for(parent) : NULL;
	if (!order)
		return TC_OK;
	size_t n = 0;
	for (xmlNode *c = parent->children; c; c = c->next)
		n += c->type == XML_ELEMENT_NODE;
	if (n) {
		struct ranked *sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return TC_ERR_NOMEM;
		n = 0;
		for (xmlNode *c = parent->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				sorted[n] = (struct ranked){ c, rank_of(order, c, ns), n }, n++;
		qsort(sorted, n, sizeof(*sorted), by_rank);
		for (size_t i = 0; i < n; i++) {
			xmlUnlinkNode(sorted[i].node);
			xmlAddChild(parent, sorted[i].node);
		}
		free(sorted);
	}
	for (xmlNode *c = parent->children; c; c = c->next) {
		enum tc_rc rc = c->type == XML_ELEMENT_NODE ? reorder(c, ns) : TC_OK;
		if (rc)
			return rc;
	}
	return TC_OK;
}

/* One warning per element that stands after an element the schema puts later. */
static void warn_misplaced(const xmlNode *parent, const char *ns, struct tc_diags *d)
{
	const char *const *order = in_ns(parent, ns) ? order_for(parent) : NULL;
	if (!order)
		return;
	const xmlNode *latest = NULL;
	int latest_rank = -1;
	for (const xmlNode *c = parent->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		int r = rank_of(order, c, ns);
		if (r < latest_rank) {
			char path[256];
			tc_cap_xml_path(c, path, sizeof(path));
			tc_diags_add(d, TC_SEV_WARNING, "lenient.order", path, (int)c->line,
				     "<%s> comes after <%s>, but CAP puts it before; accepted in lenient mode",
				     (const char *)c->name, (const char *)latest->name);
		} else {
			latest_rank = r;
			latest = c;
		}
		warn_misplaced(c, ns, d);
	}
}

enum tc_rc tc_cap_schema_validate(xmlDocPtr doc, enum tc_cap_version v, bool lenient,
				  struct tc_diags *d)
{
	enum tc_rc rc;
	bool valid = false;
	xmlDocPtr copy = NULL;
	xmlSchemaPtr schema;
	const char *ns = v == TC_CAP_V1_1 ? TC_CAP_NS_1_1 : TC_CAP_NS_1_2;

	pthread_once(&schema_once, compile_all);
	schema = v == TC_CAP_V1_1 ? schema_1_1 : schema_1_2;
	if (!schema) {
		tc_err(d, "internal.schema", "", "the built-in CAP schema could not be compiled");
		return TC_ERR_INTERNAL;
	}
	if (!lenient) {
		struct collect c = { .d = d, .sev = TC_SEV_ERROR, .ns = ns };
		rc = run_schema(schema, doc, &c, &valid);
		return rc ? rc : (valid ? TC_OK : TC_ERR_INVALID);
	}
	/* Lenient: judge the document with its CAP elements put in order. */
	copy = xmlCopyDoc(doc, 1);
	if (!copy)
		return TC_ERR_NOMEM;
	rc = reorder(xmlDocGetRootElement(copy), ns);
	if (rc == TC_OK) {
		struct collect c = { .d = d, .sev = TC_SEV_ERROR, .ns = ns };
		warn_misplaced(xmlDocGetRootElement(doc), ns, d);
		rc = run_schema(schema, copy, &c, &valid);
	}
	xmlFreeDoc(copy);
	return rc ? rc : (valid ? TC_OK : TC_ERR_INVALID);
}
