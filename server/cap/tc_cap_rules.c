/*
 * tc_cap_rules.c — layer 3: what the CAP standard says that its schema cannot.
 *
 * Each rule is a short function over the model; the table at the bottom
 * lists them in the order they run. A rule never stops the others: the
 * officer sees every problem at once. Codes are stable ("rule.<thing>.<what>").
 *
 * Where the 1.2 schema already catches a problem (date-time shape, language
 * tags), the rule runs only for 1.0 and 1.1 documents, so nothing is said twice.
 */
#include "tc_cap_int.h"

#include <ctype.h>
#include <math.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	const struct tc_cap_alert *a;
	int64_t now;
	struct tc_diags *d;
};

#define PATH_LEN 160

/* --- identifiers ------------------------------------------------------------ */

/* The first character CAP forbids in an identifier or sender, or 0. */
static char forbidden_char(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == ',' || *s == '<' || *s == '&' || *s == '\t' || *s == '\n' || *s == '\r')
			return *s;
	return 0;
}

static const char *char_name(char c)
{
	switch (c) {
	case ' ': return "a space";
	case ',': return "a comma";
	case '<': return "'<'";
	case '&': return "'&'";
	default: return "white space";
	}
}

static void check_token(struct ctx *c, const char *what, const char *value, const char *path)
{
	char code[48];
	if (!value)
		return; /* absence is the schema's to report */
	if (!*value) {
		snprintf(code, sizeof(code), "rule.%s.empty", what);
		tc_err(c->d, code, path, "<%s> is empty", what);
		return;
	}
	char bad = forbidden_char(value);
	if (bad) {
		snprintf(code, sizeof(code), "rule.%s.chars", what);
		tc_err(c->d, code, path, "<%s> '%.120s' contains %s; CAP forbids spaces, commas, '<' and '&' here",
		       what, value, char_name(bad));
	}
}

static void rule_identifiers(struct ctx *c)
{
	check_token(c, "identifier", c->a->identifier, "alert/identifier[0]");
	check_token(c, "sender", c->a->sender, "alert/sender[0]");
}

/* --- times ------------------------------------------------------------------ */

static void check_time_text(struct ctx *c, const struct tc_cap_time *t, const char *path, const char *name)
{
	if (!t->text || c->a->version == TC_CAP_V1_2)
		return; /* the 1.2 schema's pattern already checks the shape */
	if (!t->valid)
		tc_err(c->d, "rule.time.invalid", path,
		       "<%s> '%s' is not a date-time; write YYYY-MM-DDThh:mm:ss+hh:mm", name, t->text);
	else if (!t->has_zone)
		tc_err(c->d, "rule.time.no-zone", path,
		       "<%s> '%s' has no time zone; add the offset, e.g. +08:00 (UTC is -00:00)", name, t->text);
	else if (t->zulu)
		tc_warn(c->d, "rule.time.zulu", path,
			"<%s> '%s' uses Z; CAP writes UTC as -00:00", name, t->text);
}

static bool usable(const struct tc_cap_time *t)
{
	return t->text && t->valid && t->has_zone;
}

static void rule_times(struct ctx *c)
{
	char path[PATH_LEN];
	const struct tc_cap_alert *a = c->a;
	check_time_text(c, &a->sent, "alert/sent[0]", "sent");
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_info *in = &a->infos[i];
		static const char *names[] = { "effective", "onset", "expires" };
		const struct tc_cap_time *ts[] = { &in->effective, &in->onset, &in->expires };
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "alert/info[%zu]/%s[0]", i, names[k]);
			check_time_text(c, ts[k], path, names[k]);
		}
		snprintf(path, sizeof(path), "alert/info[%zu]/expires[0]", i);
		if (!usable(&in->expires))
			continue;
		if (usable(&a->sent) && in->expires.epoch < a->sent.epoch)
			tc_err(c->d, "rule.time.expires-before-sent", path,
			       "<expires> %s is before <sent> %s: the alert would be void when issued",
			       in->expires.text, a->sent.text);
		if (usable(&in->effective) && in->expires.epoch < in->effective.epoch)
			tc_err(c->d, "rule.time.expires-before-effective", path,
			       "<expires> %s is before <effective> %s", in->expires.text, in->effective.text);
		if (usable(&in->onset) && in->onset.epoch > in->expires.epoch)
			tc_warn(c->d, "rule.time.onset-after-expires", path,
				"<onset> %s is after <expires> %s: the alert ends before the event begins",
				in->onset.text, in->expires.text);
	}
}

static void rule_expired(struct ctx *c)
{
	const struct tc_cap_alert *a = c->a;
	size_t with_expiry = 0, expired = 0;
	const char *latest = NULL;
	int64_t latest_epoch = INT64_MIN;
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_time *e = &a->infos[i].expires;
		if (!usable(e))
			continue;
		with_expiry++;
		expired += e->epoch <= c->now;
		if (e->epoch > latest_epoch) {
			latest_epoch = e->epoch;
			latest = e->text;
		}
	}
	if (with_expiry && with_expiry == a->n_infos && expired == with_expiry)
		tc_warn(c->d, "rule.expired", "alert",
			"the alert has already expired (latest <expires> is %s)", latest);
}

/* --- references, scope, addresses ------------------------------------------- */

/* One "sender,identifier,sent" triplet of len bytes; NULL when fine, else why not. */
static const char *bad_reference(const char *s, size_t len)
{
	char buf[512];
	if (len >= sizeof(buf))
		return "it is too long";
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *c1 = strchr(buf, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ','))
		return "it must be sender,identifier,sent";
	*c1 = *c2 = '\0';
	if (!buf[0] || !c1[1])
		return "the sender or identifier is empty";
	struct tc_cap_time t;
	tc_cap_time_parse(c2 + 1, &t);
	if (!t.valid || !t.has_zone)
		return "its sent part is not a CAP date-time with a time zone";
	return NULL;
}

static void rule_references(struct ctx *c)
{
	const struct tc_cap_alert *a = c->a;
	const char *p = a->references;
	bool needs = a->msg_type == TC_CAP_UPDATE || a->msg_type == TC_CAP_CANCEL ||
		     a->msg_type == TC_CAP_ACK || a->msg_type == TC_CAP_ERROR;
	size_t count = 0;
	while (p && *p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t len = 0;
		while (p[len] && !isspace((unsigned char)p[len]))
			len++;
		if (!len)
			break;
		const char *why = bad_reference(p, len);
		if (why)
			tc_err(c->d, "rule.references.format", "alert/references[0]",
			       "reference '%.*s' is malformed: %s", (int)(len > 200 ? 200 : len), p, why);
		count++;
		p += len;
	}
	if (needs && count == 0)
		tc_err(c->d, "rule.references.missing", "alert/references[0]",
		       "an %s message must name the message(s) it refers to in <references> "
		       "(sender,identifier,sent)", a->msg_type_text ? a->msg_type_text : "");
}

static void rule_scope(struct ctx *c)
{
	const struct tc_cap_alert *a = c->a;
	if (a->scope == TC_CAP_RESTRICTED && (!a->restriction || !*a->restriction))
		tc_err(c->d, "rule.scope.restriction", "alert/restriction[0]",
		       "<scope> is Restricted, so <restriction> must say who may see the alert");
	if (a->scope == TC_CAP_PRIVATE && (!a->addresses || !*a->addresses))
		tc_err(c->d, "rule.scope.addresses", "alert/addresses[0]",
		       "<scope> is Private, so <addresses> must list the recipients");
	size_t quotes = 0;
	for (const char *p = a->addresses; p && *p; p++)
		quotes += *p == '"';
	if (quotes % 2)
		tc_err(c->d, "rule.addresses.quotes", "alert/addresses[0]",
		       "<addresses> has an unclosed double quote; quote each address that contains spaces");
}

/* --- languages -------------------------------------------------------------- */

static bool language_tag_ok(const char *s)
{
	size_t part = 0;
	bool first = true;
	for (; *s; s++) {
		if (*s == '-') {
			if (part == 0)
				return false;
			part = 0;
			first = false;
			continue;
		}
		if (!(first ? isalpha((unsigned char)*s) : isalnum((unsigned char)*s)) || ++part > 8)
			return false;
	}
	return part > 0;
}

static void rule_languages(struct ctx *c)
{
	const struct tc_cap_alert *a = c->a;
	char path[PATH_LEN];
	for (size_t i = 0; i < a->n_infos; i++) {
		const char *li = a->infos[i].language ? a->infos[i].language : "en-US";
		snprintf(path, sizeof(path), "alert/info[%zu]/language[0]", i);
		if (a->version == TC_CAP_V1_0 && !language_tag_ok(li))
			tc_err(c->d, "rule.language.invalid", path,
			       "<language> '%s' is not a language tag such as zh-CN or en-US", li);
		for (size_t j = 0; j < i; j++) {
			const char *lj = a->infos[j].language ? a->infos[j].language : "en-US";
			if (tc_cap_ascii_ieq(li, lj)) {
				tc_warn(c->d, "rule.language.repeated", path,
					"info[%zu] repeats language '%s' of info[%zu]; receivers that pick one "
					"block per language will use only the first", i, li, j);
				break;
			}
		}
	}
}

/* --- areas ------------------------------------------------------------------ */

static bool point_ok(const struct tc_cap_point *p)
{
	return p->lat >= -90 && p->lat <= 90 && p->lon >= -180 && p->lon <= 180;
}

static void check_polygon(struct ctx *c, const struct tc_cap_polygon *poly, const char *path)
{
	char first[2];
	if (!*tc_cap_trim(poly->text, first, sizeof(first))) {
		tc_warn(c->d, "rule.polygon.empty", path, "the polygon is empty and is ignored");
		return;
	}
	if (!poly->parsed) {
		tc_err(c->d, "rule.polygon.format", path,
		       "point %zu of the polygon is not 'lat,lon'; write points as lat,lon separated by "
		       "spaces", poly->n_points + 1);
		return;
	}
	if (poly->n_points < 4) {
		tc_err(c->d, "rule.polygon.too-few-points", path,
		       "the polygon has %zu points; a closed ring needs at least 4 (the first repeated "
		       "at the end)", poly->n_points);
		return;
	}
	if (poly->first_off_globe < poly->n_points) {
		tc_err(c->d, "rule.polygon.range", path,
		       "point %zu (%g,%g) is off the globe: latitude must be within ±90 and "
		       "longitude within ±180 (is it lon,lat instead of lat,lon?)", poly->first_off_globe + 1,
		       poly->off_globe.lat, poly->off_globe.lon);
		return;
	}
	const struct tc_cap_point *f = &poly->first, *l = &poly->last;
	if (f->lat != l->lat || f->lon != l->lon)
		tc_err(c->d, "rule.polygon.not-closed", path,
		       "ring is not closed (first point %g,%g ≠ last point %g,%g)", f->lat, f->lon,
		       l->lat, l->lon);
}

static void check_circle(struct ctx *c, const struct tc_cap_circle *ci, const char *path)
{
	if (!ci->parsed)
		tc_err(c->d, "rule.circle.format", path,
		       "circle '%.80s' is not 'lat,lon radius' (radius in km)", ci->text);
	else if (!point_ok(&ci->centre))
		tc_err(c->d, "rule.circle.range", path,
		       "the centre %g,%g is off the globe (lat within ±90, lon within ±180)",
		       ci->centre.lat, ci->centre.lon);
	else if (ci->radius_km < 0 || ci->radius_km > 20038)
		tc_err(c->d, "rule.circle.radius", path,
		       "radius %g km is impossible: it must be between 0 and 20038 km", ci->radius_km);
}

static void check_heights(struct ctx *c, const struct tc_cap_area *ar, const char *path)
{
	char *end;
	if (ar->ceiling && !ar->altitude) {
		tc_err(c->d, "rule.area.ceiling-without-altitude", path,
		       "<ceiling> is given without <altitude>; CAP needs both");
		return;
	}
	if (!ar->ceiling || !ar->altitude)
		return;
	double alt = strtod(ar->altitude, &end), ceil_ = strtod(ar->ceiling, &end);
	if (ceil_ < alt)
		tc_err(c->d, "rule.area.ceiling-below-altitude", path,
		       "<ceiling> %g is below <altitude> %g", ceil_, alt);
}

static void rule_areas(struct ctx *c)
{
	char path[PATH_LEN];
	for (size_t i = 0; i < c->a->n_infos; i++) {
		const struct tc_cap_info *in = &c->a->infos[i];
		for (size_t j = 0; j < in->n_areas; j++) {
			const struct tc_cap_area *ar = &in->areas[j];
			for (size_t k = 0; k < ar->n_polygons; k++) {
				snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]/polygon[%zu]", i, j, k);
				check_polygon(c, &ar->polygons[k], path);
			}
			for (size_t k = 0; k < ar->n_circles; k++) {
				snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]/circle[%zu]", i, j, k);
				check_circle(c, &ar->circles[k], path);
			}
			snprintf(path, sizeof(path), "alert/info[%zu]/area[%zu]", i, j);
			check_heights(c, ar, path);
		}
	}
}

/* --- resources --------------------------------------------------------------- */

static bool parse_size(const char *text, unsigned long long *v)
{
	char buf[32];
	tc_cap_trim(text, buf, sizeof(buf));
	if (!buf[0])
		return false;
	for (const char *p = buf; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	*v = strtoull(buf, NULL, 10);
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[n] == '\0';
}

static void sha1_hex(const void *data, size_t len, char out[2 * SHA1_DIGEST_SIZE + 1])
{
	uint8_t sum[SHA1_DIGEST_SIZE];
	struct sha1_ctx h;
	sha1_init(&h);
	sha1_update(&h, len, data);
	sha1_digest(&h, sizeof(sum), sum);
	for (size_t i = 0; i < sizeof(sum); i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/*
 * Decode <derefUri> a piece at a time: its length into *len and, when hex is
 * not NULL, the SHA-1 of the bytes. The resource is never held whole (embedded
 * audio runs to megabytes). False when the text is not base64.
 */
static bool measure_deref(const char *text, size_t *len, char hex[2 * SHA1_DIGEST_SIZE + 1])
{
	unsigned char piece[8192];
	uint8_t sum[SHA1_DIGEST_SIZE];
	struct tc_cap_b64 b;
	struct sha1_ctx h;
	size_t n;
	*len = 0;
	sha1_init(&h);
	tc_cap_b64_start(&b, text);
	while ((n = tc_cap_b64_read(&b, piece, sizeof(piece))) > 0) {
		if (hex)
			sha1_update(&h, n, piece);
		*len += n;
	}
	if (b.bad)
		return false;
	if (hex) {
		sha1_digest(&h, sizeof(sum), sum);
		for (size_t i = 0; i < sizeof(sum); i++)
			snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	}
	return true;
}

/*
 * A resource that also has a <uri> may describe the file there with its
 * <size> and <digest>, while <derefUri> carries a copy; IPAWS embeds its own
 * re-encoding of the originator's audio (mimeType audio/x-ipaws-...) and keeps
 * the originator's size and digest. Then a mismatch is a warning. Otherwise
 * a mismatch means the data was altered.
 */
static enum tc_severity mismatch_severity(const struct tc_cap_resource *r)
{
	char buf[16];
	bool has_uri = r->uri && *tc_cap_trim(r->uri, buf, sizeof(buf));
	bool ipaws = r->mime_type && strncmp(tc_cap_trim(r->mime_type, buf, sizeof(buf)), "audio/x-ipaws-", 14) == 0;
	return has_uri || ipaws ? TC_SEV_WARNING : TC_SEV_ERROR;
}

/* <digest> against got, the SHA-1 of the decoded <derefUri> (NULL when there is none). */
static void check_digest(struct ctx *c, const struct tc_cap_resource *r, const char *got, const char *path)
{
	char want[64], of_text[2 * SHA1_DIGEST_SIZE + 1];
	tc_cap_trim(r->digest, want, sizeof(want));
	if (!is_hex(want, 40)) {
		tc_warn(c->d, "rule.resource.digest-format", path,
			"<digest> '%.64s' is not a SHA-1 (40 hex digits) as CAP 1.2 specifies; not checked", r->digest);
		return;
	}
	if (!got)
		return;
	if (tc_cap_ascii_ieq(want, got))
		return;
	sha1_hex(r->deref_uri, strlen(r->deref_uri), of_text);
	if (tc_cap_ascii_ieq(want, of_text)) {
		tc_warn(c->d, "rule.resource.digest-of-text", path,
			"<digest> is the SHA-1 of the base64 text of <derefUri>, not of the resource "
			"itself (a known producer habit); the data is intact");
		return;
	}
	tc_diags_add(c->d, mismatch_severity(r), "rule.resource.digest", path, 0,
		     "<digest> %s does not match the SHA-1 of the embedded resource (%s): it was "
		     "altered or the digest is wrong", want, got);
}

static void check_resource(struct ctx *c, const struct tc_cap_resource *r, const char *path)
{
	unsigned long long size = 0;
	bool has_size = r->size && parse_size(r->size, &size);
	char got[2 * SHA1_DIGEST_SIZE + 1];
	size_t len = 0;
	if (r->size && !has_size)
		tc_err(c->d, "rule.resource.size", path,
		       "<size> '%.40s' must be a whole number of bytes", r->size);
	if (r->deref_uri) {
		if (!measure_deref(r->deref_uri, &len, r->digest ? got : NULL)) {
			tc_err(c->d, "rule.resource.deref-base64", path,
			       "<derefUri> is not valid base64, so the embedded resource cannot be read");
			return;
		}
		if (has_size && size != len)
			tc_diags_add(c->d, mismatch_severity(r), "rule.resource.deref-size", path, 0,
				     "<size> says %llu bytes but <derefUri> holds %zu bytes", size, len);
	}
	if (r->digest)
		check_digest(c, r, r->deref_uri ? got : NULL, path);
}

static void rule_resources(struct ctx *c)
{
	char path[PATH_LEN];
	for (size_t i = 0; i < c->a->n_infos; i++) {
		const struct tc_cap_info *in = &c->a->infos[i];
		for (size_t j = 0; j < in->n_resources; j++) {
			snprintf(path, sizeof(path), "alert/info[%zu]/resource[%zu]", i, j);
			check_resource(c, &in->resources[j], path);
		}
	}
}

/* --- the table ---------------------------------------------------------------- */

static void (*const rules[])(struct ctx *) = {
	rule_identifiers, rule_times, rule_expired, rule_references,
	rule_scope, rule_languages, rule_areas, rule_resources,
};

void tc_cap_rules_check(const struct tc_cap_alert *a, int64_t now, struct tc_diags *d)
{
	struct ctx c = { .a = a, .now = now, .d = d };
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rules[i](&c);
}
