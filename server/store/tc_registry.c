/*
 * tc_registry.c — registry import and export (tc_registry.h).
 *
 * Rows are parsed into the store's structs by one table of columns per
 * kind; each column knows its name, whether it is required and how to
 * check and set its value.
 */
#include "tc_registry.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_id.h"
#include "tc_utf8.h"
#include "tc_vec.h"

#define MAX_COLS 16

const char *tc_registry_kind_name(enum tc_registry_kind k)
{
	static const char *const names[] = { "receivers", "contacts", "shelters" };
	return k <= TC_REG_SHELTERS ? names[k] : "unknown";
}

enum tc_rc tc_registry_kind_parse(const char *name, enum tc_registry_kind *out)
{
	for (int k = 0; k <= TC_REG_SHELTERS; k++) {
		if (name && strcmp(name, tc_registry_kind_name((enum tc_registry_kind)k)) == 0) {
			*out = (enum tc_registry_kind)k;
			return TC_OK;
		}
	}
	return TC_ERR_USAGE;
}

bool tc_registry_phone(const char *in, const char *default_cc, char *out, size_t len)
{
	char digits[32];
	size_t n = 0;
	bool plus = false;
	for (const char *p = in; *p; p++) {
		if (*p == '+' && n == 0 && !plus)
			plus = true;
		else if (isdigit((unsigned char)*p) && n + 1 < sizeof(digits))
			digits[n++] = *p;
		else if (!strchr(" -().", *p))
			return false;
	}
	digits[n] = '\0';
	const char *d = digits;
	if (!plus && !strncmp(d, "00", 2)) {
		plus = true;
		d += 2;
	}
	char e164[40];
	if (plus)
		snprintf(e164, sizeof(e164), "+%s", d);
	else if (strlen(d) == 11 && d[0] == '1')
		snprintf(e164, sizeof(e164), "+%s%s", default_cc, d);
	else if (d[0] == '0' && strlen(d) >= 9)
		snprintf(e164, sizeof(e164), "+%s%s", default_cc, d + 1);
	else
		return false;
	size_t digits_n = strlen(e164) - 1;
	if (digits_n < 7 || digits_n > 15 || e164[1] == '0')
		return false;
	snprintf(out, len, "%s", e164);
	return true;
}

/* --- columns ------------------------------------------------------------------ */

union row {
	struct tc_receiver r;
	struct tc_contact c;
	struct tc_shelter s;
};

typedef const char *(*setter)(union row *row, const char *v); /* NULL when fine, else why not */

static const char *set_text(char *dst, size_t len, const char *v, bool required, bool token)
{
	if (required && !*v)
		return "is empty";
	if (strlen(v) >= len)
		return "is too long";
	if (token)
		for (const char *p = v; *p; p++)
			if (isspace((unsigned char)*p) || *p == ',' || *p == '/')
				return "must have no spaces, commas or slashes";
	snprintf(dst, len, "%s", v);
	return NULL;
}

static const char *set_number(double *dst, const char *v, double lo, double hi)
{
	char *end;
	double x = strtod(v, &end);
	if (!*v || *end || !isfinite(x))
		return "is not a number";
	if (x < lo || x > hi)
		return "is out of range";
	*dst = x;
	return NULL;
}

static const char *set_region(char *dst, const char *v)
{
	size_t n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return "must be a GB/T 2260 code of 6, 9 or 12 digits";
	if (n != 6 && n != 9 && n != 12)
		return "must be a GB/T 2260 code of 6, 9 or 12 digits";
	snprintf(dst, 16, "%s", v);
	return NULL;
}

static const char *set_phone(char *dst, const char *v, bool required)
{
	if (!*v)
		return required ? "is empty" : NULL;
	return tc_registry_phone(v, "86", dst, 24) ? NULL : "is not a telephone number";
}

#define S(name) static const char *name(union row *row, const char *v)
/* A receiver id is a topic level and a broker user name: the one grammar of tc_id.h. */
S(r_id)
{
	const char *why = tc_id_problem(v);
	return why ? why : set_text(row->r.id, sizeof(row->r.id), v, true, true);
}
S(r_kind)
{
	if (strcmp(v, "loudspeaker") && strcmp(v, "signage"))
		return "must be loudspeaker or signage";
	return set_text(row->r.kind, sizeof(row->r.kind), v, true, true);
}
S(r_name) { return set_text(row->r.name, sizeof(row->r.name), v, true, false); }
S(r_lat) { return set_number(&row->r.lat, v, -90, 90); }
S(r_lon) { return set_number(&row->r.lon, v, -180, 180); }
S(r_region) { return set_region(row->r.region, v); }
S(r_shelter) { return set_text(row->r.shelter_id, sizeof(row->r.shelter_id), v, false, true); }
S(r_drills)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !*v)
		row->r.accepts_drills = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		row->r.accepts_drills = false;
	else
		return "must be yes or no";
	return NULL;
}
S(c_phone) { return set_phone(row->c.phone, v, true); }
S(c_name) { return set_text(row->c.name, sizeof(row->c.name), v, true, false); }
S(c_role) { return set_text(row->c.role, sizeof(row->c.role), v, true, false); }
S(c_region) { return set_region(row->c.region, v); }
S(c_language) { return set_text(row->c.language, sizeof(row->c.language), *v ? v : "zh-CN", true, true); }
S(s_id) { return set_text(row->s.id, sizeof(row->s.id), v, true, true); }
S(s_name) { return set_text(row->s.name, sizeof(row->s.name), v, true, false); }
S(s_lat) { return set_number(&row->s.lat, v, -90, 90); }
S(s_lon) { return set_number(&row->s.lon, v, -180, 180); }
S(s_capacity)
{
	double x = 0;
	const char *why = set_number(&x, v, 0, 1e7);
	if (!why && x != floor(x))
		why = "must be a whole number";
	row->s.capacity = (long)x;
	return why;
}
S(s_area) { return set_number(&row->s.area_m2, v, 0, 1e9); }
S(s_manager) { return set_text(row->s.manager, sizeof(row->s.manager), v, false, false); }
S(s_phone) { return set_phone(row->s.phone, v, false); }
#undef S

struct column {
	const char *name;
	bool required;
	setter set;
};

static const struct column receiver_cols[] = {
	{ "id", true, r_id },       { "kind", true, r_kind },       { "name", true, r_name },
	{ "lat", true, r_lat },     { "lon", true, r_lon },         { "region", true, r_region },
	{ "shelter", false, r_shelter }, { "drills", false, r_drills }, { NULL, false, NULL },
};
static const struct column contact_cols[] = {
	{ "phone", true, c_phone }, { "name", true, c_name }, { "role", true, c_role },
	{ "region", true, c_region }, { "language", false, c_language }, { NULL, false, NULL },
};
static const struct column shelter_cols[] = {
	{ "id", true, s_id },     { "name", true, s_name },         { "lat", true, s_lat },
	{ "lon", true, s_lon },   { "capacity", true, s_capacity }, { "area_m2", true, s_area },
	{ "manager", false, s_manager }, { "phone", false, s_phone }, { NULL, false, NULL },
};

static const struct column *columns_of(enum tc_registry_kind k)
{
	return k == TC_REG_RECEIVERS ? receiver_cols : k == TC_REG_CONTACTS ? contact_cols : shelter_cols;
}

/* One parsed row: value per column of the kind ("" when absent). */
struct fields {
	const char *v[MAX_COLS];
};

static bool is_utf8(const char *v)
{
	const unsigned char *p = (const unsigned char *)v, *end = p + strlen(v);
	while (p < end)
		if (tc_utf8_next(&p, end) < 0)
			return false;
	return true;
}

/*
 * v as a message may show it: whole characters only, at most max bytes, and
 * "..." when cut (at the length, or at a byte that is not UTF-8), so that a
 * message is always UTF-8. Returns out (max + 4 bytes at least).
 */
static const char *excerpt(const char *v, size_t max, char *out)
{
	const unsigned char *p = (const unsigned char *)v, *end = p + strlen(v);
	while (p < end) {
		const unsigned char *next = p;
		if (tc_utf8_next(&next, end) < 0 || (size_t)(next - (const unsigned char *)v) > max)
			break;
		p = next;
	}
	size_t n = (size_t)(p - (const unsigned char *)v);
	snprintf(out, max + 4, "%.*s%s", (int)n, v, p < end ? "..." : "");
	return out;
}

/* Fill row from fields; reports each bad value at where. Returns the number of problems. */
static int build_row(enum tc_registry_kind k, const struct fields *f, union row *row, const char *where,
		     struct tc_diags *d)
{
	const struct column *cols = columns_of(k);
	int bad = 0;
	char shown[64];
	memset(row, 0, sizeof(*row));
	if (k == TC_REG_RECEIVERS)
		row->r.accepts_drills = true;
	for (int i = 0; cols[i].name; i++) {
		const char *v = f->v[i] ? f->v[i] : "";
		if (!is_utf8(v)) {
			tc_err(d, "registry.encoding", where, "%s: %s is not valid UTF-8", where, cols[i].name);
			bad++;
			continue;
		}
		const char *why = cols[i].set(row, v);
		if (why) {
			tc_err(d, "registry.value", where, "%s: %s '%s' %s", where, cols[i].name, excerpt(v, 60, shown), why);
			bad++;
		}
	}
	if (k == TC_REG_CONTACTS && !row->c.language[0])
		snprintf(row->c.language, sizeof(row->c.language), "zh-CN");
	return bad;
}

static enum tc_rc store_row(struct tc_store *s, enum tc_registry_kind k, const union row *row)
{
	switch (k) {
	case TC_REG_RECEIVERS: return tc_store_put_receiver(s, &row->r);
	case TC_REG_CONTACTS: return tc_store_put_contact(s, &row->c);
	case TC_REG_SHELTERS: return tc_store_put_shelter(s, &row->s);
	}
	return TC_ERR_USAGE;
}

/* Whose rows may be imported: receivers and contacts only in regions in_scope accepts. */
struct scope {
	bool (*in_scope)(const char *region, void *user); /* NULL: every region */
	void *user;
};

/*
 * Check one row and, while no earlier row was bad, store it. Returns the
 * number of new problems (the import is rolled back when there are any).
 */
static int add_row(struct tc_store *s, enum tc_registry_kind k, const struct fields *f, const char *where, int bad,
		   const struct scope *sc, struct tc_diags *d)
{
	union row row;
	if (build_row(k, f, &row, where, d))
		return 1;
	const char *region = k == TC_REG_RECEIVERS ? row.r.region : k == TC_REG_CONTACTS ? row.c.region : NULL;
	if (region && sc->in_scope && !sc->in_scope(region, sc->user)) {
		tc_err(d, "registry.region", where, "%s: region %s is outside the regions you may change", where, region);
		return 1;
	}
	if (!bad && store_row(s, k, &row)) {
		tc_err(d, "registry.store", where, "%s: the row could not be stored", where);
		return 1;
	}
	if (!bad && k == TC_REG_RECEIVERS && row.r.shelter_id[0] &&
	    tc_store_shelter_known(s, row.r.shelter_id) == TC_ERR_NOTFOUND)
		tc_warn(d, "registry.shelter-awaited", where,
			"%s: shelter '%s' is not registered yet; the receiver is linked to it once shelters are imported", where,
			row.r.shelter_id);
	return 0;
}

/* --- CSV ------------------------------------------------------------------------ */

/* Split one CSV record at *p into fields (in place); advances *p; counts lines. */
static size_t csv_record(char **p, char **fields, size_t max, int *line)
{
	size_t n = 0;
	char *s = *p, *w;
	if (!*s)
		return 0;
	for (;;) {
		char *start = w = s;
		if (*s == '"') {
			s++;
			for (;;) {
				if (!*s)
					break;
				if (*s == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					if (*s == '\n')
						(*line)++;
					*w++ = *s++;
				}
			}
			while (*s && *s != ',' && *s != '\n' && *s != '\r')
				s++;
		} else {
			while (*s && *s != ',' && *s != '\n' && *s != '\r')
				*w++ = *s++;
		}
		char sep = *s;
		*w = '\0';
		if (n < max)
			fields[n++] = start;
		if (sep == ',') {
			s++;
			continue;
		}
		/* the terminator may have been overwritten by the field's end: go by sep */
		if (sep == '\r') {
			s++;
			if (*s == '\n')
				s++;
		} else if (sep == '\n') {
			s++;
		}
		(*line)++;
		break;
	}
	*p = s;
	return n;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t k = strspn(s, " \t");
	memmove(s, s + k, n - k + 1);
}

static enum tc_rc import_csv(struct tc_store *s, enum tc_registry_kind k, char *text, const struct scope *sc, size_t *count,
			     struct tc_diags *d)
{
	const struct column *cols = columns_of(k);
	char *fields[64], *p = text, where[48], shown[48];
	int map[64], line = 1, bad = 0;
	if (!strncmp(p, "\xEF\xBB\xBF", 3)) /* a byte order mark, as spreadsheets write */
		p += 3;
	size_t nh = csv_record(&p, fields, 64, &line);
	for (size_t i = 0; i < nh; i++) {
		trim(fields[i]);
		map[i] = -1;
		for (int c = 0; cols[c].name; c++)
			if (!strcmp(fields[i], cols[c].name))
				map[i] = c;
		if (map[i] < 0) {
			tc_err(d, "registry.header", "line 1", "line 1: unknown column '%s' for %s",
			       excerpt(fields[i], 40, shown), tc_registry_kind_name(k));
			bad++;
		}
	}
	for (int c = 0; cols[c].name; c++) {
		bool found = false;
		for (size_t i = 0; i < nh; i++)
			found |= map[i] == c;
		if (cols[c].required && !found) {
			tc_err(d, "registry.header", "line 1", "line 1: the header has no '%s' column", cols[c].name);
			bad++;
		}
	}
	if (bad)
		return TC_ERR_INVALID;
	if (tc_store_begin(s))
		return TC_ERR_IO;
	size_t rows = 0;
	while (*p) {
		int at = line;
		size_t n = csv_record(&p, fields, 64, &line);
		if (n == 1 && !*fields[0])
			continue; /* blank line */
		snprintf(where, sizeof(where), "line %d", at);
		if (n != nh) {
			tc_err(d, "registry.columns", where, "%s: %zu fields, the header has %zu", where, n, nh);
			bad++;
			continue;
		}
		struct fields f = { 0 };
		for (size_t i = 0; i < n; i++) {
			trim(fields[i]);
			f.v[map[i]] = fields[i];
		}
		bad += add_row(s, k, &f, where, bad, sc, d);
		rows++;
	}
	if (bad) {
		tc_store_rollback(s);
		return TC_ERR_INVALID;
	}
	*count = rows;
	return tc_store_commit(s);
}

/* --- JSON ------------------------------------------------------------------------- */

static enum tc_rc import_json(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
			      const struct scope *sc, size_t *count, struct tc_diags *d)
{
	json_error_t err;
	json_t *a = json_loadb(text, len, 0, &err);
	const struct column *cols = columns_of(k);
	char where[48], numbuf[MAX_COLS][48];
	int bad = 0;
	if (!a && json_error_code(&err) == json_error_invalid_utf8) {
		tc_err(d, "registry.encoding", "", "line %d: the text is not valid UTF-8", err.line);
		return TC_ERR_INVALID;
	}
	if (!json_is_array(a)) {
		char shown[JSON_ERROR_TEXT_LENGTH + 4];
		tc_err(d, "registry.json", "", "not a JSON array of objects (line %d: %s)", err.line,
		       a ? "not an array" : excerpt(err.text, JSON_ERROR_TEXT_LENGTH, shown));
		json_decref(a);
		return TC_ERR_INVALID;
	}
	if (tc_store_begin(s)) {
		json_decref(a);
		return TC_ERR_IO;
	}
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		struct fields f = { 0 };
		snprintf(where, sizeof(where), "item %zu", i + 1);
		if (!json_is_object(o)) {
			tc_err(d, "registry.json", where, "%s: not an object", where);
			bad++;
			continue;
		}
		for (int c = 0; cols[c].name; c++) {
			json_t *v = json_object_get(o, cols[c].name);
			if (json_is_string(v)) {
				f.v[c] = json_string_value(v);
			} else if (json_is_number(v)) {
				snprintf(numbuf[c], sizeof(numbuf[c]), "%.10g", json_number_value(v));
				f.v[c] = numbuf[c];
			} else if (json_is_boolean(v)) {
				f.v[c] = json_is_true(v) ? "yes" : "no";
			}
		}
		bad += add_row(s, k, &f, where, bad, sc, d);
	}
	json_decref(a);
	if (bad) {
		tc_store_rollback(s);
		return TC_ERR_INVALID;
	}
	*count = i;
	return tc_store_commit(s);
}

enum tc_rc tc_registry_import(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
			      size_t *count, struct tc_diags *d)
{
	return tc_registry_import_scoped(s, k, text, len, NULL, NULL, count, d);
}

enum tc_rc tc_registry_import_scoped(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
				     bool (*in_scope)(const char *region, void *user), void *user, size_t *count,
				     struct tc_diags *d)
{
	struct scope sc = { in_scope, user };
	*count = 0;
	size_t skip = strspn(text, " \t\r\n");
	if (skip < len && text[skip] == '[')
		return import_json(s, k, text, len, &sc, count, d);
	char *copy = malloc(len + 1);
	if (!copy)
		return TC_ERR_NOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	enum tc_rc rc = import_csv(s, k, copy, &sc, count, d);
	free(copy);
	return rc;
}

/* --- export --------------------------------------------------------------------------- */

struct sink {
	bool csv;
	json_t *array;
	struct tc_vec text; /* CSV: bytes, NUL-terminated */
	enum tc_rc rc;      /* not TC_OK once a piece or a row could not be kept */
	struct tc_diags *d; /* the rows JSON cannot carry */
};

static void put(struct sink *k, const char *s)
{
	if (!k->rc)
		k->rc = tc_vec_append_text(&k->text, s, strlen(s));
}

/* A CSV field, quoted when it needs to be. */
static void put_field(struct sink *k, const char *v, bool last)
{
	if (strpbrk(v, ",\"\n")) {
		put(k, "\"");
		for (const char *p = v; *p; p++) {
			char c[3] = { *p, 0, 0 };
			put(k, *p == '"' ? "\"\"" : c);
		}
		put(k, "\"");
	} else {
		put(k, v);
	}
	put(k, last ? "\n" : ",");
}

static void put_num(struct sink *k, double v, bool last)
{
	char b[48];
	snprintf(b, sizeof(b), "%.10g", v);
	put_field(k, b, last);
}

/* One text of a row, by its column's name; the first of a row names the row. */
struct text {
	const char *column, *value;
};

/*
 * Row o into the JSON array. o is NULL when json_pack refused the row: each
 * text that is not UTF-8 is reported, naming the row (what), and the
 * export fails; a row is never left out unsaid.
 */
static void add_json(struct sink *k, json_t *o, const char *what, const struct text *t, size_t n)
{
	char shown[64];
	bool named = false;
	if (o && json_array_append_new(k->array, o) == 0)
		return;
	for (size_t i = 0; !o && i < n; i++) {
		if (is_utf8(t[i].value))
			continue;
		excerpt(t[0].value, 60, shown);
		tc_err(k->d, "registry.encoding", shown, "%s %s: %s is not valid UTF-8; import the row again with the %s in UTF-8",
		       what, shown, t[i].column, t[i].column);
		named = true;
	}
	if (!k->rc)
		k->rc = named ? TC_ERR_INVALID : TC_ERR_NOMEM;
}

static void out_receiver(const struct tc_receiver *r, void *user)
{
	struct sink *k = user;
	if (!k->csv) {
		const struct text t[] = { { "id", r->id },         { "kind", r->kind },
					  { "name", r->name },     { "region", r->region },
					  { "shelter", r->shelter_id } };
		add_json(k,
			 json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:s, s:b}", "id", r->id, "kind", r->kind, "name", r->name,
				   "lat", r->lat, "lon", r->lon, "region", r->region, "shelter", r->shelter_id, "drills",
				   r->accepts_drills),
			 "receiver", t, sizeof(t) / sizeof(t[0]));
		return;
	}
	put_field(k, r->id, false);
	put_field(k, r->kind, false);
	put_field(k, r->name, false);
	put_num(k, r->lat, false);
	put_num(k, r->lon, false);
	put_field(k, r->region, false);
	put_field(k, r->shelter_id, false);
	put_field(k, r->accepts_drills ? "yes" : "no", true);
}

static void out_contact(const struct tc_contact *c, void *user)
{
	struct sink *k = user;
	if (!k->csv) {
		const struct text t[] = { { "phone", c->phone },   { "name", c->name },
					  { "role", c->role },     { "region", c->region },
					  { "language", c->language } };
		add_json(k,
			 json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", c->phone, "name", c->name, "role", c->role, "region",
				   c->region, "language", c->language),
			 "contact", t, sizeof(t) / sizeof(t[0]));
		return;
	}
	put_field(k, c->phone, false);
	put_field(k, c->name, false);
	put_field(k, c->role, false);
	put_field(k, c->region, false);
	put_field(k, c->language, true);
}

static void out_shelter(const struct tc_shelter *sh, void *user)
{
	struct sink *k = user;
	if (!k->csv) {
		const struct text t[] = { { "id", sh->id }, { "name", sh->name }, { "manager", sh->manager },
					  { "phone", sh->phone } };
		add_json(k,
			 json_pack("{s:s, s:s, s:f, s:f, s:I, s:f, s:s, s:s}", "id", sh->id, "name", sh->name, "lat", sh->lat,
				   "lon", sh->lon, "capacity", (json_int_t)sh->capacity, "area_m2", sh->area_m2, "manager",
				   sh->manager, "phone", sh->phone),
			 "shelter", t, sizeof(t) / sizeof(t[0]));
		return;
	}
	put_field(k, sh->id, false);
	put_field(k, sh->name, false);
	put_num(k, sh->lat, false);
	put_num(k, sh->lon, false);
	put_num(k, (double)sh->capacity, false);
	put_num(k, sh->area_m2, false);
	put_field(k, sh->manager, false);
	put_field(k, sh->phone, true);
}

enum tc_rc tc_registry_export(struct tc_store *s, enum tc_registry_kind k, bool csv, char **out,
			      struct tc_diags *d)
{
	static const char *const headers[] = { "id,kind,name,lat,lon,region,shelter,drills\n",
					       "phone,name,role,region,language\n",
					       "id,name,lat,lon,capacity,area_m2,manager,phone\n" };
	struct sink sink = { .csv = csv, .array = csv ? NULL : json_array(), .text = TC_VEC_OF(char), .d = d };
	enum tc_rc rc;
	*out = NULL;
	if (csv)
		put(&sink, headers[k]);
	if (k == TC_REG_RECEIVERS)
		rc = tc_store_each_receiver(s, out_receiver, &sink);
	else if (k == TC_REG_CONTACTS)
		rc = tc_store_each_contact(s, out_contact, &sink);
	else
		rc = tc_store_each_shelter(s, out_shelter, &sink);
	char *text = NULL;
	rc = rc ? rc : sink.rc;
	if (!csv) {
		text = rc ? NULL : json_dumps(sink.array, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(sink.array);
	} else {
		text = tc_vec_take(&sink.text);
	}
	if (rc || !text) {
		free(text);
		return rc ? rc : TC_ERR_NOMEM;
	}
	*out = text;
	return TC_OK;
}
