/*
 * tc_cap_model.c — build the struct tc_cap_alert model from the XML tree.
 *
 * The builder reads CAP elements wherever they stand in their parent, so the
 * model is complete even for documents that break the schema's order (the
 * schema layer reports that). When a single-valued element is repeated, the
 * first one is kept. Everything is copied into the alert's arena.
 */
#include "tc_cap_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tc_arena.h"

struct builder {
	struct tc_arena *arena;
	const struct tc_cap_limits *lim;
	const char *ns;
	struct tc_diags *d;
	size_t total_points;
	enum tc_rc rc; /* first hard failure (memory, limit) */
};

static bool is_cap(const struct builder *b, const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, b->ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static size_t count_children(const struct builder *b, const xmlNode *parent, const char *name)
{
	size_t n = 0;
	for (const xmlNode *c = parent->children; c; c = c->next)
		n += is_cap(b, c, name);
	return n;
}

static const char *text_of(struct builder *b, const xmlNode *n)
{
	/* The usual case, one text child: copy it once, straight from the tree. */
	const xmlNode *c = n->children;
	if (c && !c->next && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
		char *s = tc_arena_strdup(b->arena, (const char *)c->content);
		if (!s)
			b->rc = TC_ERR_NOMEM;
		return s;
	}
	if (!c)
		return tc_arena_strdup(b->arena, "");
	xmlChar *t = xmlNodeGetContent(n);
	if (!t) {
		b->rc = TC_ERR_NOMEM;
		return NULL;
	}
	char *s = tc_arena_strdup(b->arena, (const char *)t);
	xmlFree(t);
	if (!s)
		b->rc = TC_ERR_NOMEM;
	return s;
}

/* The text of the first child named name, or NULL. */
static const char *child_text(struct builder *b, const xmlNode *parent, const char *name)
{
	for (const xmlNode *c = parent->children; c; c = c->next)
		if (is_cap(b, c, name))
			return text_of(b, c);
	return NULL;
}

/* Every child named name, as an array of strings. */
static const char **child_texts(struct builder *b, const xmlNode *parent, const char *name, size_t *n)
{
	*n = count_children(b, parent, name);
	const char **v = *n ? tc_arena_calloc(b->arena, *n, sizeof(*v)) : NULL;
	if (*n && !v) {
		b->rc = TC_ERR_NOMEM;
		*n = 0;
		return NULL;
	}
	size_t i = 0;
	for (const xmlNode *c = parent->children; c && i < *n; c = c->next)
		if (is_cap(b, c, name))
			v[i++] = text_of(b, c);
	return v;
}

/* Every child named name as valueName/value pairs. */
static struct tc_cap_pair *child_pairs(struct builder *b, const xmlNode *parent, const char *name, size_t *n)
{
	*n = count_children(b, parent, name);
	struct tc_cap_pair *v = *n ? tc_arena_calloc(b->arena, *n, sizeof(*v)) : NULL;
	if (*n && !v) {
		b->rc = TC_ERR_NOMEM;
		*n = 0;
		return NULL;
	}
	size_t i = 0;
	for (const xmlNode *c = parent->children; c && i < *n; c = c->next) {
		if (!is_cap(b, c, name))
			continue;
		v[i].name = child_text(b, c, "valueName");
		v[i].value = child_text(b, c, "value");
		i++;
	}
	return v;
}

static void read_time(struct builder *b, const xmlNode *parent, const char *name, struct tc_cap_time *t)
{
	tc_cap_time_parse(child_text(b, parent, name), t);
}

/* --- geometry ----------------------------------------------------------------- */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Exact powers of ten a double holds. */
static const double pow10_table[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };

/*
 * Plain decimals ("-33.8712") as coordinates are written: digits, a point,
 * digits, at most 18 significant. Read directly, without strtod's
 * arbitrary-precision path (a 41,000-point polygon is 82,000 numbers);
 * anything else (exponents, long mantissas) goes to strtod.
 */
static bool read_number(const char **p, double *v)
{
	const char *s = *p;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	uint64_t mant = 0;
	int digits = 0, frac = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		mant = mant * 10 + (uint64_t)(*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++, frac++)
			mant = mant * 10 + (uint64_t)(*s - '0');
	if (digits > 0 && digits <= 18 && *s != 'e' && *s != 'E') {
		double x = (double)mant / pow10_table[frac];
		*v = neg ? -x : x;
		*p = s;
		return true;
	}
	char *end;
	errno = 0;
	*v = strtod(*p, &end);
	if (end == *p || errno == ERANGE || !isfinite(*v))
		return false;
	*p = end;
	return true;
}

/* "lat,lon" at *p. */
static bool read_point(const char **p, struct tc_cap_point *pt)
{
	if (!read_number(p, &pt->lat) || **p != ',')
		return false;
	(*p)++;
	return read_number(p, &pt->lon);
}

/* Points in a polygon's text: one comma each ("lat,lon"); memchr is fast on long rings. */
static size_t count_points(const char *text)
{
	size_t n = 0, len = strlen(text);
	for (const char *p = memchr(text, ',', len); p; p = memchr(p + 1, ',', len - (size_t)(p + 1 - text)))
		n++;
	return n;
}

static void read_polygon(struct builder *b, const char *path, struct tc_cap_polygon *poly)
{
	size_t n = count_points(poly->text);
	if (n > b->lim->max_polygon_points) {
		tc_err(b->d, "limit.polygon-points", path, "the polygon has %zu points; the limit is %zu",
		       n, b->lim->max_polygon_points);
		b->rc = TC_ERR_LIMIT;
		return;
	}
	b->total_points += n;
	if (b->total_points > b->lim->max_total_points) {
		tc_err(b->d, "limit.total-points", path,
		       "the alert's polygons have more than %zu points in all", b->lim->max_total_points);
		b->rc = TC_ERR_LIMIT;
		return;
	}
	poly->points = n ? tc_arena_alloc_raw(b->arena, n * sizeof(*poly->points)) : NULL;
	if (n && !poly->points) {
		b->rc = TC_ERR_NOMEM;
		return;
	}
	const char *p = skip_space(poly->text);
	size_t i = 0;
	for (; *p && i < n; i++, p = skip_space(p)) {
		if (!read_point(&p, &poly->points[i]) || (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))
			break;
	}
	poly->n_points = i;
	poly->parsed = (i == n && *p == '\0');
}

static void read_circle(struct tc_cap_circle *c)
{
	const char *p = skip_space(c->text);
	c->parsed = read_point(&p, &c->centre) && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r');
	if (!c->parsed)
		return;
	p = skip_space(p);
	c->parsed = read_number(&p, &c->radius_km) && *skip_space(p) == '\0';
}

/* --- blocks ------------------------------------------------------------------- */

static void read_area(struct builder *b, const xmlNode *n, const char *path, struct tc_cap_area *ar)
{
	char sub[160];
	size_t i;
	ar->area_desc = child_text(b, n, "areaDesc");
	const char **polys = child_texts(b, n, "polygon", &ar->n_polygons);
	ar->polygons = ar->n_polygons ? tc_arena_calloc(b->arena, ar->n_polygons, sizeof(*ar->polygons)) : NULL;
	for (i = 0; ar->polygons && i < ar->n_polygons && b->rc == TC_OK; i++) {
		ar->polygons[i].text = polys[i] ? polys[i] : "";
		snprintf(sub, sizeof(sub), "%s/polygon[%zu]", path, i);
		read_polygon(b, sub, &ar->polygons[i]);
	}
	const char **circles = child_texts(b, n, "circle", &ar->n_circles);
	ar->circles = ar->n_circles ? tc_arena_calloc(b->arena, ar->n_circles, sizeof(*ar->circles)) : NULL;
	for (i = 0; ar->circles && i < ar->n_circles; i++) {
		ar->circles[i].text = circles[i] ? circles[i] : "";
		read_circle(&ar->circles[i]);
	}
	if ((ar->n_polygons && !ar->polygons) || (ar->n_circles && !ar->circles))
		b->rc = TC_ERR_NOMEM;
	ar->geocodes = child_pairs(b, n, "geocode", &ar->n_geocodes);
	ar->altitude = child_text(b, n, "altitude");
	ar->ceiling = child_text(b, n, "ceiling");
}

static void read_resource(struct builder *b, const xmlNode *n, struct tc_cap_resource *r)
{
	r->resource_desc = child_text(b, n, "resourceDesc");
	r->mime_type = child_text(b, n, "mimeType");
	r->size = child_text(b, n, "size");
	r->uri = child_text(b, n, "uri");
	r->deref_uri = child_text(b, n, "derefUri");
	r->digest = child_text(b, n, "digest");
}

/* Array of the children named name; *count set. */
static void *child_array(struct builder *b, const xmlNode *parent, const char *name, size_t size, size_t *count)
{
	*count = count_children(b, parent, name);
	if (!*count)
		return NULL;
	void *v = tc_arena_calloc(b->arena, *count, size);
	if (!v) {
		b->rc = TC_ERR_NOMEM;
		*count = 0;
	}
	return v;
}

static void read_info(struct builder *b, const xmlNode *n, const char *path, struct tc_cap_info *in)
{
	char sub[128];
	in->language = child_text(b, n, "language");
	in->categories = child_texts(b, n, "category", &in->n_categories);
	in->event = child_text(b, n, "event");
	in->response_types = child_texts(b, n, "responseType", &in->n_response_types);
	in->urgency_text = child_text(b, n, "urgency");
	in->severity_text = child_text(b, n, "severity");
	in->certainty_text = child_text(b, n, "certainty");
	in->audience = child_text(b, n, "audience");
	in->event_codes = child_pairs(b, n, "eventCode", &in->n_event_codes);
	read_time(b, n, "effective", &in->effective);
	read_time(b, n, "onset", &in->onset);
	read_time(b, n, "expires", &in->expires);
	in->sender_name = child_text(b, n, "senderName");
	in->headline = child_text(b, n, "headline");
	in->description = child_text(b, n, "description");
	in->instruction = child_text(b, n, "instruction");
	in->web = child_text(b, n, "web");
	in->contact = child_text(b, n, "contact");
	in->parameters = child_pairs(b, n, "parameter", &in->n_parameters);

	in->resources = child_array(b, n, "resource", sizeof(*in->resources), &in->n_resources);
	size_t i = 0;
	for (const xmlNode *c = n->children; c && i < in->n_resources; c = c->next)
		if (is_cap(b, c, "resource"))
			read_resource(b, c, &in->resources[i++]);

	in->areas = child_array(b, n, "area", sizeof(*in->areas), &in->n_areas);
	i = 0;
	for (const xmlNode *c = n->children; c && i < in->n_areas && b->rc == TC_OK; c = c->next) {
		if (!is_cap(b, c, "area"))
			continue;
		snprintf(sub, sizeof(sub), "%s/area[%zu]", path, i);
		read_area(b, c, sub, &in->areas[i++]);
	}
}


static void read_alert(struct builder *b, const xmlNode *root, struct tc_cap_alert *a)
{
	char sub[64];
	a->identifier = child_text(b, root, "identifier");
	a->sender = child_text(b, root, "sender");
	read_time(b, root, "sent", &a->sent);
	a->status_text = child_text(b, root, "status");
	a->msg_type_text = child_text(b, root, "msgType");
	a->source = child_text(b, root, "source");
	a->scope_text = child_text(b, root, "scope");
	a->restriction = child_text(b, root, "restriction");
	a->addresses = child_text(b, root, "addresses");
	a->codes = child_texts(b, root, "code", &a->n_codes);
	a->note = child_text(b, root, "note");
	a->references = child_text(b, root, "references");
	a->incidents = child_text(b, root, "incidents");
	a->infos = child_array(b, root, "info", sizeof(*a->infos), &a->n_infos);
	size_t i = 0;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (is_cap(b, c, "info") && i < a->n_infos && b->rc == TC_OK) {
			snprintf(sub, sizeof(sub), "alert/info[%zu]", i);
			read_info(b, c, sub, &a->infos[i++]);
		} else if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
			   strcmp((const char *)c->ns->href, TC_XMLDSIG_NS) == 0 &&
			   strcmp((const char *)c->name, "Signature") == 0) {
			a->has_signature = true;
		}
	}
	tc_cap_model_enums(a);
}

enum tc_rc tc_cap_model_build(xmlDocPtr doc, const struct tc_cap_limits *lim, const char *xml,
			      size_t len, struct tc_cap_alert **out, struct tc_diags *d)
{
	struct tc_cap_alert *a = NULL;
	struct builder b = { .lim = lim, .d = d };
	const xmlNode *root = xmlDocGetRootElement(doc);

	*out = NULL;
	enum tc_cap_version v = tc_cap_xml_version(root);
	if (!v)
		return TC_ERR_INVALID;
	b.ns = v == TC_CAP_V1_2 ? TC_CAP_NS_1_2 : v == TC_CAP_V1_1 ? TC_CAP_NS_1_1 : TC_CAP_NS_1_0;
	b.arena = tc_arena_new();
	if (!b.arena)
		return TC_ERR_NOMEM;
	a = tc_arena_alloc(b.arena, sizeof(*a));
	char *copy = tc_arena_strndup(b.arena, xml, len);
	if (!a || !copy) {
		tc_arena_free(b.arena);
		return TC_ERR_NOMEM;
	}
	a->arena = b.arena;
	a->version = v;
	a->xml = copy;
	a->xml_len = len;
	read_alert(&b, root, a);
	if (b.rc) {
		tc_arena_free(b.arena);
		return b.rc;
	}
	*out = a;
	return TC_OK;
}
