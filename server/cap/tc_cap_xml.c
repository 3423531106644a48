/*
 * tc_cap_xml.c — layer 1: read CAP bytes into an XML tree, safely.
 *
 * Alerts arrive from outside (officers, upstream feeds), so the reader:
 *  - refuses any document type declaration: CAP needs none, and a DOCTYPE is
 *    how external entities (XXE) and entity expansion ("billion laughs") get
 *    in. The parser is stopped the moment it meets one, before any entity is
 *    declared;
 *  - never touches the network or the file system (no DTD loading, an
 *    external entity loader that refuses everything, XML_PARSE_NONET);
 *  - bounds the document's size, nesting depth and element count. Elements
 *    are counted as the parser meets them, and it is stopped at the first one
 *    past the limit: a document of millions of tiny elements is refused
 *    before its tree (far larger than its text) is built.
 *
 * The bytes are handed to libxml2 in small pieces through a read callback,
 * as a file would be: xmlCtxtReadMemory() first copies the whole document
 * into a buffer of its own, and for alerts carrying megabytes of embedded
 * audio that fresh allocation, page-faulted in for every document, cost more
 * than the copy itself.
 */
#include "tc_cap_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

struct read_state {
	struct tc_diags *d;
	bool doctype;
	bool failed;
	size_t elements, max_elements; /* met so far; the limit */
	bool too_many;                 /* the parser was stopped at the limit */
};

/* The document in memory, read by libxml2 a piece at a time. */
struct mem_source {
	const char *next;
	size_t left;
};

#define PIECE (64 * 1024)

static int read_piece(void *ctx, char *buf, int len)
{
	struct mem_source *src = ctx;
	size_t n = len < 0 ? 0 : (size_t)len;
	if (n > src->left)
		n = src->left;
	if (n > PIECE)
		n = PIECE;
	memcpy(buf, src->next, n);
	src->next += n;
	src->left -= n;
	return (int)n;
}

/* XML_PARSE_COMPACT stores short texts in their node: the tree is read, never changed. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_COMPACT | XML_PARSE_BIG_LINES)

static xmlParserInputPtr refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)id;
	(void)ctxt;
	(void)url;
	return NULL;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_entity);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	(void)name;
	(void)ext_id;
	(void)sys_id;
	xmlParserCtxtPtr ctxt = ctx;
	struct read_state *st = ctxt->_private;
	st->doctype = true;
	xmlStopParser(ctxt);
}

/* Every start tag: counted, then given to the tree builder unless it is one too many. */
static void on_element(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri, int n_ns,
		       const xmlChar **ns, int n_attrs, int n_defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct read_state *st = ctxt->_private;
	if (++st->elements > st->max_elements) {
		st->too_many = true;
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, name, prefix, uri, n_ns, ns, n_attrs, n_defaulted, attrs);
}

static void trim_message(const char *msg, char *buf, size_t len)
{
	snprintf(buf, len, "%s", msg ? msg : "");
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

static void on_xml_error(void *data, xmlErrorPtr err)
{
	struct read_state *st = data;
	char msg[512];
	if (st->doctype || st->too_many || !err)
		return;
	trim_message(err->message, msg, sizeof(msg));
	if (err->level == XML_ERR_WARNING) {
		tc_diags_add(st->d, TC_SEV_WARNING, "xml.warning", "", err->line, "XML: %s", msg);
		return;
	}
	if (st->failed)
		return; /* the first fatal error is the one to fix */
	st->failed = true;
	tc_diags_add(st->d, TC_SEV_ERROR, "xml.syntax", "", err->line,
		     "not well-formed XML at line %d, column %d: %s", err->line, err->int2, msg);
}

/* Depth of the tree, iteratively (no recursion on input); elements were counted while parsing. */
static enum tc_rc check_shape(xmlDocPtr doc, const struct tc_cap_limits *lim, struct tc_diags *d)
{
	unsigned depth = 0, worst = 0;
	const xmlNode *deepest = NULL;
	xmlNode *n = xmlDocGetRootElement(doc);
	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			depth++;
			if (depth > worst) {
				worst = depth;
				deepest = n;
			}
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		if (n->type == XML_ELEMENT_NODE)
			depth--;
		while (n && !n->next) {
			n = n->parent;
			if (n && n->type == XML_ELEMENT_NODE)
				depth--;
			if (n && n->type == XML_DOCUMENT_NODE)
				n = NULL;
		}
		if (n)
			n = n->next;
	}
	if (worst > lim->max_depth) {
		char path[256];
		tc_cap_xml_path(deepest, path, sizeof(path));
		tc_err(d, "xml.too-deep", path, "elements are nested %u deep; the limit is %u", worst,
		       lim->max_depth);
		return TC_ERR_LIMIT;
	}
	return TC_OK;
}

enum tc_rc tc_cap_xml_read(const char *xml, size_t len, const struct tc_cap_limits *lim,
			   xmlDocPtr *out, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	struct read_state st = { .d = d, .max_elements = lim->max_elements };
	struct mem_source src = { .next = xml, .left = len };

	*out = NULL;
	pthread_once(&init_once, init_libxml);
	if (len == 0) {
		tc_err(d, "xml.empty", "", "the document is empty");
		return TC_ERR_INVALID;
	}
	if (len > lim->max_bytes || len > INT_MAX) {
		tc_err(d, "xml.too-large", "", "the document is %zu bytes; the limit is %zu bytes", len,
		       lim->max_bytes);
		return TC_ERR_LIMIT;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return TC_ERR_NOMEM;
	ctxt->_private = &st;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->startElementNs = on_element;
	xmlSetStructuredErrorFunc(&st, on_xml_error);
	doc = xmlCtxtReadIO(ctxt, read_piece, NULL, &src, NULL, NULL, PARSE_OPTIONS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (st.doctype) {
		tc_err(d, "xml.doctype", "",
		       "the document has a <!DOCTYPE> declaration, which CAP alerts never need and "
		       "which can carry external entities or entity expansion; remove it");
		rc = TC_ERR_INVALID;
		goto out;
	}
	if (st.too_many) {
		tc_err(d, "xml.too-many-elements", "", "the document has more than %zu elements, the limit",
		       lim->max_elements);
		rc = TC_ERR_LIMIT;
		goto out;
	}
	if (!doc || !ctxt->wellFormed) {
		if (!st.failed)
			tc_err(d, "xml.syntax", "", "not well-formed XML");
		rc = TC_ERR_INVALID;
		goto out;
	}
	if (!xmlDocGetRootElement(doc)) {
		tc_err(d, "xml.empty", "", "the document has no root element");
		rc = TC_ERR_INVALID;
		goto out;
	}
	rc = check_shape(doc, lim, d);
	if (rc)
		goto out;
	*out = doc;
	doc = NULL;
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

enum tc_cap_version tc_cap_xml_version(const xmlNode *root)
{
	if (!root || root->type != XML_ELEMENT_NODE || !root->ns || !root->ns->href ||
	    strcmp((const char *)root->name, "alert") != 0)
		return 0;
	const char *ns = (const char *)root->ns->href;
	if (strcmp(ns, TC_CAP_NS_1_2) == 0)
		return TC_CAP_V1_2;
	if (strcmp(ns, TC_CAP_NS_1_1) == 0)
		return TC_CAP_V1_1;
	if (strcmp(ns, TC_CAP_NS_1_0) == 0)
		return TC_CAP_V1_0;
	return 0;
}

static int sibling_index(const xmlNode *node)
{
	int i = 0;
	for (const xmlNode *s = node->prev; s; s = s->prev)
		if (s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, (const char *)node->name) == 0)
			i++;
	return i;
}

void tc_cap_xml_path(const xmlNode *node, char *buf, size_t len)
{
	const xmlNode *chain[64];
	size_t n = 0;
	for (const xmlNode *p = node; p && p->type == XML_ELEMENT_NODE && n < 64; p = p->parent)
		chain[n++] = p;
	size_t used = 0;
	buf[0] = '\0';
	while (n-- > 0 && used < len) {
		const xmlNode *e = chain[n];
		int w;
		if (!e->parent || e->parent->type != XML_ELEMENT_NODE)
			w = snprintf(buf + used, len - used, "%s", (const char *)e->name);
		else
			w = snprintf(buf + used, len - used, "/%s[%d]", (const char *)e->name, sibling_index(e));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
