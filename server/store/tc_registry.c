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
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "tc_id.h"
#include "tc_store_int.h"
#include "tc_store_secrets.h"
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
S(r_population)
{
	double x = 0;
	const char *why = *v ? set_number(&x, v, 0, 1e8) : NULL;
	if (!why && x != floor(x))
		why = "must be a whole number of people";
	row->r.population = (long)x;
	return why;
}
S(c_phone) { return set_phone(row->c.phone, v, true); }
S(c_name) { return set_text(row->c.name, sizeof(row->c.name), v, true, false); }
S(c_role) { return set_text(row->c.role, sizeof(row->c.role), v, true, false); }
S(c_region) { return set_region(row->c.region, v); }
S(c_language) { return set_text(row->c.language, sizeof(row->c.language), *v ? v : "zh-CN", true, true); }
S(c_relay)
{
	double x = 0;
	row->c.relay = 0;
	if (!*v)
		return NULL;
	if (set_number(&x, v, 1, TC_REGISTRY_RELAY_MAX) || x != floor(x))
		return "must be empty or the person's place in the region's relay chain: 1, 2, 3 ... (at most 99)";
	row->c.relay = (int)x;
	return NULL;
}
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
S(s_name_en) { return set_text(row->s.name_en, sizeof(row->s.name_en), v, false, false); }
/* what the manager reports is not the registry's: an export's columns import again, unread */
S(s_reported)
{
	(void)row;
	(void)v;
	return NULL;
}
#undef S

struct column {
	const char *name;
	bool required;
	setter set;
};

static const struct column receiver_cols[] = {
	{ "id", true, r_id },       { "kind", true, r_kind },       { "name", true, r_name },
	{ "lat", true, r_lat },     { "lon", true, r_lon },         { "region", true, r_region },
	{ "shelter", false, r_shelter }, { "drills", false, r_drills }, { "population", false, r_population },
	{ NULL, false, NULL },
};
static const struct column contact_cols[] = {
	{ "phone", true, c_phone }, { "name", true, c_name }, { "role", true, c_role },
	{ "region", true, c_region }, { "language", false, c_language }, { "relay", false, c_relay },
	{ NULL, false, NULL },
};
static const struct column shelter_cols[] = {
	{ "id", true, s_id },     { "name", true, s_name },         { "lat", true, s_lat },
	{ "lon", true, s_lon },   { "capacity", true, s_capacity }, { "area_m2", true, s_area },
	{ "manager", false, s_manager }, { "phone", false, s_phone }, { "name_en", false, s_name_en },
	{ "occupancy", false, s_reported }, { "occupancy_at", false, s_reported }, { "state", false, s_reported },
	{ NULL, false, NULL },
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

/* --- an import, in steps -------------------------------------------------------- */

/*
 * An import goes through three phases, each in steps the caller bounds in
 * time (tc_registry.h): check (every row read and checked, nothing written;
 * the good rows kept as their values), stage (the rows written to
 * import_rows, one transaction per step; the last step marks the import
 * 'merging', and from then on it is accepted: a restart finishes it), merge
 * (the staged rows put into the registry, one transaction per step, each
 * deleting the staged rows it merged). An import that fits in one step, or
 * one run without a limit, skips the staging: checked, then written in one
 * transaction.
 */
enum phase { CHECK, STAGE, MERGE, OVER };

/* Rows written in one transaction when there is no staging (about 70 µs a row). */
#define DIRECT_ROWS 300

struct tc_registry_job {
	struct tc_store *s;
	enum tc_registry_kind k;
	struct scope sc;
	struct tc_diags *d;
	enum phase phase;
	enum tc_rc rc;
	int64_t now;
	char *text;           /* a copy, NUL-terminated; CSV fields are cut in place */
	size_t len;
	bool json;
	size_t pos;           /* JSON: where the next item starts */
	char *p;              /* CSV: the next record */
	int line;             /* CSV: the next record's line; JSON: the line at pos */
	int map[64];          /* CSV: header field i is column map[i] */
	size_t nh;
	size_t read;          /* rows read */
	int bad;              /* rows (or header fields) found wrong */
	struct tc_vec vals;   /* the good rows: per row, one NUL-terminated value per column */
	size_t rows;          /* rows in vals */
	size_t staged;        /* rows staged; at the same time bytes of vals staged: at */
	size_t at;
	int64_t id;           /* its imports row, once staged */
	size_t merged;
	struct tc_vec people; /* contacts: struct chain_place of every good row, to check the relay chains */
};

/* A contact row's place in a relay chain, as the file gives it (relay 0: in none). */
struct chain_place {
	char phone[24], region[16], where[48];
	int relay;
	char taken_by[24]; /* another contact the store has at that place ("": none) */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t columns_count(enum tc_registry_kind k)
{
	size_t n = 0;
	for (const struct column *c = columns_of(k); c->name; c++)
		n++;
	return n;
}

/*
 * A contact's relay place: two rows of the file may not take the same place
 * of a region's chain. One the store gives another contact is noted, and
 * refused at the end unless the file moves that contact too (chain_check).
 */
static void chain_place(struct tc_registry_job *j, const struct tc_contact *c, const char *where)
{
	static const char holder[] = "SELECT phone FROM contacts WHERE region = ? AND relay = ? AND phone <> ? LIMIT 1";
	struct chain_place *p = tc_vec_push(&j->people);
	if (!p) {
		tc_err(j->d, "registry.memory", where, "%s: out of memory", where);
		j->bad++;
		return;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->phone, sizeof(p->phone), "%s", c->phone);
	snprintf(p->region, sizeof(p->region), "%s", c->region);
	snprintf(p->where, sizeof(p->where), "%s", where);
	p->relay = c->relay;
	if (!c->relay)
		return;
	for (size_t i = 0; i + 1 < j->people.n; i++) {
		const struct chain_place *o = tc_vec_at(&j->people, i);
		if (o->relay == c->relay && !strcmp(o->region, c->region) && strcmp(o->phone, c->phone)) {
			tc_err(j->d, "registry.relay", where, "%s: relay %d of region %s is already %s's (%s): a chain has one "
			       "person at each place", where, c->relay, c->region, o->where, o->phone);
			j->bad++;
			return;
		}
	}
	tc_db_stmt *q = tc_store_stmt(j->s, holder);
	if (!q)
		return;
	tc_db_bind_text(q, 1, c->region, -1, TC_DB_STATIC);
	tc_db_bind_int(q, 2, c->relay);
	tc_db_bind_text(q, 3, c->phone, -1, TC_DB_STATIC);
	if (tc_db_step(q) == TC_DB_ROW)
		tc_store_text_col(q, 0, p->taken_by, sizeof(p->taken_by));
	tc_db_reset(q);
}

/* After every row: a place the store gives a contact the file leaves where it is is refused. */
static void chain_check(struct tc_registry_job *j)
{
	for (size_t i = 0; i < j->people.n; i++) {
		const struct chain_place *p = tc_vec_at(&j->people, i);
		bool moved = !p->taken_by[0];
		for (size_t k = 0; !moved && k < j->people.n; k++) {
			const struct chain_place *o = tc_vec_at(&j->people, k);
			moved = !strcmp(o->phone, p->taken_by) &&
				(o->relay != p->relay || strcmp(o->region, p->region) != 0);
		}
		if (moved)
			continue;
		tc_err(j->d, "registry.relay", p->where, "%s: relay %d of region %s is registered for %s already; give "
		       "that contact another place (or none) in the same file", p->where, p->relay, p->region, p->taken_by);
		j->bad++;
	}
}

/* Check one row; a good one is kept while no row before it was bad. */
static void check_row(struct tc_registry_job *j, const struct fields *f, const char *where)
{
	union row row;
	if (build_row(j->k, f, &row, where, j->d)) {
		j->bad++;
		return;
	}
	const char *region = j->k == TC_REG_RECEIVERS ? row.r.region : j->k == TC_REG_CONTACTS ? row.c.region : NULL;
	if (region && j->sc.in_scope && !j->sc.in_scope(region, j->sc.user)) {
		tc_err(j->d, "registry.region", where, "%s: region %s is outside the regions you may change", where, region);
		j->bad++;
		return;
	}
	if (j->k == TC_REG_CONTACTS)
		chain_place(j, &row.c, where);
	if (j->k == TC_REG_RECEIVERS && row.r.shelter_id[0] &&
	    tc_store_shelter_known(j->s, row.r.shelter_id) == TC_ERR_NOTFOUND)
		tc_warn(j->d, "registry.shelter-awaited", where,
			"%s: shelter '%s' is not registered yet; the receiver is linked to it once shelters are imported", where,
			row.r.shelter_id);
	if (j->bad)
		return; /* nothing will be written: keep no more */
	size_t cols = columns_count(j->k);
	for (size_t c = 0; c < cols; c++) {
		const char *v = f->v[c] ? f->v[c] : "";
		if (tc_vec_append_text(&j->vals, v, strlen(v) + 1)) {
			tc_err(j->d, "registry.memory", where, "%s: out of memory", where);
			j->bad++;
			return;
		}
	}
	j->rows++;
}

/*
 * The values of the row at vals into f; returns the byte after them. end (NULL: none) is where
 * the row's bytes stop: a row staged by an older tocsin has fewer columns, the rest are empty.
 */
static const char *row_values(enum tc_registry_kind k, const char *vals, const char *end, struct fields *f)
{
	size_t cols = columns_count(k);
	memset(f, 0, sizeof(*f));
	for (size_t c = 0; c < cols && (!end || vals < end); c++) {
		f->v[c] = vals;
		vals += strlen(vals) + 1;
	}
	return vals;
}

/* Put one checked row (at *vals, advanced past it) into the registry; a new receiver gets its
 * broker secret at once. */
static enum tc_rc write_row(struct tc_registry_job *j, const char **vals, const char *end)
{
	struct fields f;
	union row row;
	*vals = row_values(j->k, *vals, end, &f);
	if (build_row(j->k, &f, &row, "", NULL))
		return TC_ERR_INVALID; /* checked before: only a changed tocsin could tell otherwise */
	enum tc_rc rc = store_row(j->s, j->k, &row);
	if (!rc && j->k == TC_REG_RECEIVERS)
		rc = tc_secrets_ensure_one(j->s, row.r.id, j->now);
	return rc;
}

/* Read and check rows from CSV text until the end or the deadline; true at the end. */
static bool check_csv(struct tc_registry_job *j, int64_t deadline)
{
	char *fields[64], where[48];
	for (unsigned i = 0; *j->p; i++) {
		if ((i & 63) == 63 && deadline && now_ms() >= deadline)
			return false;
		int at = j->line;
		size_t n = csv_record(&j->p, fields, 64, &j->line);
		if (n == 1 && !*fields[0])
			continue; /* blank line */
		snprintf(where, sizeof(where), "line %d", at);
		j->read++;
		if (n != j->nh) {
			tc_err(j->d, "registry.columns", where, "%s: %zu fields, the header has %zu", where, n, j->nh);
			j->bad++;
			continue;
		}
		struct fields f = { 0 };
		for (size_t k = 0; k < n; k++) {
			trim(fields[k]);
			f.v[j->map[k]] = fields[k];
		}
		check_row(j, &f, where);
	}
	return true;
}

static enum tc_rc csv_header(struct tc_registry_job *j)
{
	const struct column *cols = columns_of(j->k);
	char *fields[64], shown[48];
	j->p = j->text;
	j->line = 1;
	if (!strncmp(j->p, "\xEF\xBB\xBF", 3)) /* a byte order mark, as spreadsheets write */
		j->p += 3;
	j->nh = csv_record(&j->p, fields, 64, &j->line);
	for (size_t i = 0; i < j->nh; i++) {
		trim(fields[i]);
		j->map[i] = -1;
		for (int c = 0; cols[c].name; c++)
			if (!strcmp(fields[i], cols[c].name))
				j->map[i] = c;
		if (j->map[i] < 0) {
			tc_err(j->d, "registry.header", "line 1", "line 1: unknown column '%s' for %s",
			       excerpt(fields[i], 40, shown), tc_registry_kind_name(j->k));
			j->bad++;
		}
	}
	for (int c = 0; cols[c].name; c++) {
		bool found = false;
		for (size_t i = 0; i < j->nh; i++)
			found |= j->map[i] == c;
		if (cols[c].required && !found) {
			tc_err(j->d, "registry.header", "line 1", "line 1: the header has no '%s' column", cols[c].name);
			j->bad++;
		}
	}
	return j->bad ? TC_ERR_INVALID : TC_OK;
}

/* --- JSON: one item at a time, so that a large array is read in steps --------------- */

/* Skip white space from pos, counting lines. */
static void json_space(struct tc_registry_job *j)
{
	while (j->pos < j->len && strchr(" \t\r\n", j->text[j->pos]) && j->text[j->pos]) {
		if (j->text[j->pos] == '\n')
			j->line++;
		j->pos++;
	}
}

static void json_lines(struct tc_registry_job *j, size_t upto)
{
	for (; j->pos < upto; j->pos++)
		if (j->text[j->pos] == '\n')
			j->line++;
}

/* A problem with the array itself: reading stops. */
static bool json_broken(struct tc_registry_job *j, const char *code, const char *why)
{
	char shown[JSON_ERROR_TEXT_LENGTH + 4];
	tc_err(j->d, code, "", "not a JSON array of objects (line %d: %s)", j->line,
	       excerpt(why, JSON_ERROR_TEXT_LENGTH, shown));
	j->bad++;
	return true;
}

static bool check_json(struct tc_registry_job *j, int64_t deadline)
{
	const struct column *cols = columns_of(j->k);
	char where[48], numbuf[MAX_COLS][48];
	for (unsigned i = 0;; i++) {
		if ((i & 63) == 63 && deadline && now_ms() >= deadline)
			return false;
		json_space(j);
		if (j->pos < j->len && j->text[j->pos] == ']' && j->read == 0) {
			j->pos++;
			break; /* [] */
		}
		json_error_t err;
		json_t *o = json_loadb(j->text + j->pos, j->len - j->pos, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &err);
		if (!o) {
			if (json_error_code(&err) == json_error_invalid_utf8) {
				tc_err(j->d, "registry.encoding", "", "line %d: the text is not valid UTF-8", j->line + err.line - 1);
				j->bad++;
				return true;
			}
			j->line += err.line - 1;
			return json_broken(j, "registry.json", err.text);
		}
		json_lines(j, j->pos + (size_t)err.position);
		snprintf(where, sizeof(where), "item %zu", ++j->read);
		if (!json_is_object(o)) {
			tc_err(j->d, "registry.json", where, "%s: not an object", where);
			j->bad++;
		} else {
			struct fields f = { 0 };
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
			check_row(j, &f, where);
		}
		json_decref(o);
		json_space(j);
		if (j->pos < j->len && j->text[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->len && j->text[j->pos] == ']') {
			j->pos++;
			break;
		}
		return json_broken(j, "registry.json", j->pos < j->len ? "',' or ']' expected" : "the array is not closed");
	}
	json_space(j);
	if (j->pos < j->len)
		return json_broken(j, "registry.json", "text after the array");
	return true;
}

/* --- writing -------------------------------------------------------------------------- */

/* Every checked row in one transaction (no staging). */
static enum tc_rc write_direct(struct tc_registry_job *j)
{
	if (tc_store_begin(j->s))
		return TC_ERR_IO;
	const char *v = j->vals.v;
	enum tc_rc rc = TC_OK;
	for (size_t i = 0; !rc && i < j->rows; i++)
		rc = write_row(j, &v, NULL);
	if (rc) {
		tc_store_rollback(j->s);
		return rc;
	}
	return tc_store_commit(j->s);
}

/* Run sql (a constant) with the import's id bound to ?1 and, when it has a second parameter, seq to ?2. */
static enum tc_rc run_id(struct tc_store *s, const char *sql, int64_t id, int64_t seq)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, id);
	if (tc_db_bind_parameter_count(q) > 1)
		tc_db_bind_int64(q, 2, seq);
	return tc_store_done(q, tc_db_step(q));
}

/* Stage rows until the deadline; the step that stages the last marks the import accepted. */
static enum tc_rc stage(struct tc_registry_job *j, int64_t deadline)
{
	static const char start[] = "INSERT INTO imports (kind, rows, state, started_at) VALUES (?, ?, 'staging', ?)";
	static const char put[] = "INSERT INTO import_rows (import_id, seq, vals) VALUES (?, ?, ?)";
	static const char accept[] = "UPDATE imports SET state = 'merging' WHERE id = ?";
	if (tc_store_begin(j->s))
		return TC_ERR_IO;
	enum tc_rc rc = TC_OK;
	tc_db_stmt *q;
	if (!j->id) {
		q = tc_store_stmt(j->s, start);
		rc = q ? TC_OK : TC_ERR_IO;
		if (!rc) {
			tc_db_bind_text(q, 1, tc_registry_kind_name(j->k), -1, TC_DB_STATIC);
			tc_db_bind_int64(q, 2, (int64_t)j->rows);
			tc_db_bind_int64(q, 3, j->now);
			rc = tc_store_done(q, tc_db_step(q));
		}
		if (!rc)
			j->id = tc_db_last_insert_rowid(j->s->db);
	}
	size_t staged = j->staged, at = j->at;
	for (unsigned i = 0; !rc && staged < j->rows; i++) {
		if ((i & 63) == 63 && now_ms() >= deadline)
			break;
		struct fields f;
		const char *v = (const char *)j->vals.v + at, *end = row_values(j->k, v, NULL, &f);
		q = tc_store_stmt(j->s, put);
		if (!q) {
			rc = TC_ERR_IO;
			break;
		}
		tc_db_bind_int64(q, 1, j->id);
		tc_db_bind_int64(q, 2, (int64_t)staged);
		tc_db_bind_blob(q, 3, v, (int)(end - v), TC_DB_STATIC);
		rc = tc_store_done(q, tc_db_step(q));
		at += (size_t)(end - v);
		staged++;
	}
	if (!rc && staged == j->rows)
		rc = run_id(j->s, accept, j->id, 0);
	if (!rc)
		rc = tc_store_commit(j->s);
	if (rc) {
		tc_store_rollback(j->s);
		return rc;
	}
	j->staged = staged;
	j->at = at;
	return TC_OK;
}

/* Merge staged rows until the deadline (0: all); *over when none is left. */
static enum tc_rc merge(struct tc_registry_job *j, int64_t deadline, bool *over)
{
	static const char next[] = "SELECT seq, vals FROM import_rows WHERE import_id = ? ORDER BY seq";
	static const char drop[] = "DELETE FROM import_rows WHERE import_id = ? AND seq <= ?";
	static const char end[] = "UPDATE imports SET state = 'done' WHERE id = ?";
	*over = false;
	if (tc_store_begin(j->s))
		return TC_ERR_IO;
	tc_db_stmt *q = tc_store_stmt(j->s, next);
	enum tc_rc rc = q ? TC_OK : TC_ERR_IO;
	int64_t last = -1;
	int r = TC_DB_DONE;
	if (q) {
		tc_db_bind_int64(q, 1, j->id);
		for (unsigned i = 0; !rc && (r = tc_db_step(q)) == TC_DB_ROW; i++) {
			const char *vals = tc_db_column_blob(q, 1);
			int n = tc_db_column_bytes(q, 1);
			if (!vals || n < 1 || vals[n - 1]) {
				rc = TC_ERR_INVALID;
				break;
			}
			rc = write_row(j, &vals, vals + n);
			last = tc_db_column_int64(q, 0);
			j->merged++;
			if (deadline && (i & 63) == 63 && now_ms() >= deadline)
				break;
		}
		if (r != TC_DB_ROW && r != TC_DB_DONE)
			rc = TC_ERR_IO;
		*over = r == TC_DB_DONE;
		tc_db_reset(q);
	}
	if (!rc && last >= 0)
		rc = run_id(j->s, drop, j->id, last);
	if (!rc && *over)
		rc = run_id(j->s, end, j->id, 0);
	if (!rc)
		rc = tc_store_commit(j->s);
	if (rc) {
		tc_store_rollback(j->s);
		*over = false;
	}
	return rc;
}

/* A staged import that cannot go on: its rows are dropped (what was merged stays). */
static void abandon(struct tc_registry_job *j)
{
	static const char drop[] = "DELETE FROM import_rows WHERE import_id = ?";
	static const char mark[] = "UPDATE imports SET state = 'abandoned' WHERE id = ? AND state = 'staging'";
	if (j->id) {
		run_id(j->s, drop, j->id, 0);
		run_id(j->s, mark, j->id, 0);
	}
}

static void finish(struct tc_registry_job *j, enum tc_rc rc)
{
	j->rc = rc;
	j->phase = OVER;
	tc_vec_free(&j->vals);
	tc_vec_free(&j->people);
	free(j->text);
	j->text = NULL;
	j->p = NULL;
}

enum tc_rc tc_registry_job_new(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
			       bool (*in_scope)(const char *region, void *user), void *user, int64_t now,
			       struct tc_diags *d, struct tc_registry_job **out)
{
	*out = NULL;
	struct tc_registry_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->text = malloc(len + 1))) {
		free(j);
		return TC_ERR_NOMEM;
	}
	memcpy(j->text, text, len);
	j->text[len] = '\0';
	j->len = len;
	j->s = s;
	j->k = k;
	j->sc = (struct scope){ in_scope, user };
	j->d = d;
	j->now = now;
	tc_vec_init(&j->vals, 1);
	tc_vec_init(&j->people, sizeof(struct chain_place));
	size_t skip = strspn(j->text, " \t\r\n");
	if (skip < len && j->text[skip] == '[') {
		j->json = true;
		j->line = 1;
		json_lines(j, skip + 1);
	} else if (csv_header(j)) {
		tc_registry_job_free(j);
		return TC_ERR_INVALID;
	}
	*out = j;
	return TC_OK;
}

bool tc_registry_job_step(struct tc_registry_job *j, unsigned budget_ms)
{
	int64_t deadline = budget_ms ? now_ms() + budget_ms : 0;
	enum tc_rc rc;
	bool over;
	switch (j->phase) {
	case CHECK:
		if (!(j->json ? check_json(j, deadline) : check_csv(j, deadline)))
			return false;
		chain_check(j);
		tc_vec_free(&j->people);
		if (j->bad) {
			finish(j, TC_ERR_INVALID);
		} else if (!budget_ms || j->rows <= DIRECT_ROWS) {
			finish(j, write_direct(j));
		} else {
			free(j->text); /* the values are in vals */
			j->text = NULL;
			j->phase = STAGE;
		}
		break;
	case STAGE:
		rc = stage(j, deadline);
		if (rc) {
			abandon(j);
			finish(j, rc);
		} else if (j->staged == j->rows) {
			tc_vec_free(&j->vals);
			j->phase = MERGE;
		}
		break;
	case MERGE:
		rc = merge(j, deadline, &over);
		if (rc || over)
			finish(j, rc); /* accepted: after a failure here, the next start finishes it */
		break;
	case OVER:
		break;
	}
	return j->phase == OVER;
}

enum tc_rc tc_registry_job_result(const struct tc_registry_job *j, size_t *count)
{
	if (count)
		*count = j->rc ? 0 : j->rows;
	return j->phase == OVER ? j->rc : TC_ERR_USAGE;
}

size_t tc_registry_job_rows(const struct tc_registry_job *j)
{
	return j->read;
}

void tc_registry_job_free(struct tc_registry_job *j)
{
	if (!j)
		return;
	if (j->phase == CHECK || j->phase == STAGE)
		abandon(j); /* never accepted */
	tc_vec_free(&j->vals);
	tc_vec_free(&j->people);
	free(j->text);
	free(j);
}

enum tc_rc tc_registry_recover(struct tc_store *s, int64_t now, size_t *finished, struct tc_diags *d)
{
	static const char forget[] = "UPDATE imports SET state = 'abandoned' WHERE state = 'staging'";
	static const char dropped[] = "DELETE FROM import_rows WHERE import_id IN"
				      " (SELECT id FROM imports WHERE state = 'abandoned')";
	static const char accepted[] = "SELECT id, kind, rows FROM imports WHERE state = 'merging' ORDER BY id LIMIT 1";
	tc_db_stmt *q;
	*finished = 0;
	if (!(q = tc_store_stmt(s, forget)) || tc_store_done(q, tc_db_step(q)) || !(q = tc_store_stmt(s, dropped)) ||
	    tc_store_done(q, tc_db_step(q)))
		return TC_ERR_IO;
	for (;;) {
		if (!(q = tc_store_stmt(s, accepted)))
			return TC_ERR_IO;
		int r = tc_db_step(q);
		if (r == TC_DB_DONE) {
			tc_db_reset(q);
			return TC_OK;
		}
		if (r != TC_DB_ROW) {
			tc_db_reset(q);
			return TC_ERR_IO;
		}
		struct tc_registry_job j = { .s = s, .phase = MERGE, .now = now, .id = tc_db_column_int64(q, 0) };
		enum tc_rc rc = tc_registry_kind_parse((const char *)tc_db_column_text(q, 1), &j.k);
		j.rows = (size_t)tc_db_column_int64(q, 2);
		tc_db_reset(q);
		bool over = false;
		if (!rc)
			rc = merge(&j, 0, &over);
		if (rc || !over) {
			tc_err(d, "registry.recover", "", "import %lld of %s, accepted before the last stop, could not be finished",
			       (long long)j.id, tc_registry_kind_name(j.k));
			return TC_ERR_IO;
		}
		++*finished;
	}
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
	struct tc_registry_job *j;
	*count = 0;
	enum tc_rc rc = tc_registry_job_new(s, k, text, len, in_scope, user, (int64_t)time(NULL), d, &j);
	if (rc)
		return rc;
	while (!tc_registry_job_step(j, 0))
		;
	rc = tc_registry_job_result(j, count);
	tc_registry_job_free(j);
	return rc;
}

/* --- export --------------------------------------------------------------------------- */

struct sink {
	bool csv;
	json_t *array;
	struct tc_vec text; /* CSV: bytes, NUL-terminated */
	enum tc_rc rc;      /* not TC_OK once a piece or a row could not be kept */
	struct tc_diags *d; /* the rows JSON cannot carry */
	struct scope sc;    /* receivers and contacts outside it are left out */
};

static bool shown(const struct sink *k, const char *region)
{
	return !k->sc.in_scope || k->sc.in_scope(region, k->sc.user);
}

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
	if (!shown(k, r->region))
		return;
	if (!k->csv) {
		const struct text t[] = { { "id", r->id },         { "kind", r->kind },
					  { "name", r->name },     { "region", r->region },
					  { "shelter", r->shelter_id } };
		add_json(k,
			 json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:s, s:b, s:I}", "id", r->id, "kind", r->kind, "name",
				   r->name, "lat", r->lat, "lon", r->lon, "region", r->region, "shelter", r->shelter_id,
				   "drills", r->accepts_drills, "population", (json_int_t)r->population),
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
	put_field(k, r->accepts_drills ? "yes" : "no", false);
	if (r->population)
		put_num(k, (double)r->population, true);
	else
		put_field(k, "", true);
}

static void out_contact(const struct tc_contact *c, void *user)
{
	struct sink *k = user;
	if (!shown(k, c->region))
		return;
	if (!k->csv) {
		const struct text t[] = { { "phone", c->phone },   { "name", c->name },
					  { "role", c->role },     { "region", c->region },
					  { "language", c->language } };
		add_json(k,
			 c->relay ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "phone", c->phone, "name", c->name, "role",
					      c->role, "region", c->region, "language", c->language, "relay", c->relay)
				  : json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", c->phone, "name", c->name, "role", c->role,
					      "region", c->region, "language", c->language),
			 "contact", t, sizeof(t) / sizeof(t[0]));
		return;
	}
	put_field(k, c->phone, false);
	put_field(k, c->name, false);
	put_field(k, c->role, false);
	put_field(k, c->region, false);
	put_field(k, c->language, false);
	if (c->relay)
		put_num(k, c->relay, true);
	else
		put_field(k, "", true);
}

static void out_shelter(const struct tc_shelter *sh, void *user)
{
	struct sink *k = user;
	if (!k->csv) {
		const struct text t[] = { { "id", sh->id }, { "name", sh->name }, { "manager", sh->manager },
					  { "phone", sh->phone }, { "name_en", sh->name_en } };
		json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:I, s:f, s:s, s:s, s:s, s:I, s:I, s:s, s:b}", "id", sh->id,
				      "name", sh->name, "lat", sh->lat, "lon", sh->lon, "capacity", (json_int_t)sh->capacity,
				      "area_m2", sh->area_m2, "manager", sh->manager, "phone", sh->phone, "name_en",
				      sh->name_en, "occupancy", (json_int_t)sh->occupancy, "occupancy_at",
				      (json_int_t)sh->occupancy_at, "state", sh->state, "full", tc_store_shelter_full(sh));
		add_json(k, o, "shelter", t, sizeof(t) / sizeof(t[0]));
		return;
	}
	put_field(k, sh->id, false);
	put_field(k, sh->name, false);
	put_num(k, sh->lat, false);
	put_num(k, sh->lon, false);
	put_num(k, (double)sh->capacity, false);
	put_num(k, sh->area_m2, false);
	put_field(k, sh->manager, false);
	put_field(k, sh->phone, false);
	put_field(k, sh->name_en, false);
	put_num(k, (double)sh->occupancy, false);
	put_num(k, (double)sh->occupancy_at, false);
	put_field(k, sh->state, true);
}

enum tc_rc tc_registry_export(struct tc_store *s, enum tc_registry_kind k, bool csv, char **out,
			      struct tc_diags *d)
{
	return tc_registry_export_scoped(s, k, csv, NULL, NULL, out, d);
}

enum tc_rc tc_registry_export_scoped(struct tc_store *s, enum tc_registry_kind k, bool csv,
				     bool (*in_scope)(const char *region, void *user), void *user, char **out,
				     struct tc_diags *d)
{
	static const char *const headers[] = { "id,kind,name,lat,lon,region,shelter,drills,population\n",
					       "phone,name,role,region,language,relay\n",
					       "id,name,lat,lon,capacity,area_m2,manager,phone,name_en,occupancy,"
					       "occupancy_at,state\n" };
	struct sink sink = { .csv = csv, .array = csv ? NULL : json_array(), .text = TC_VEC_OF(char), .d = d,
			     .sc = { in_scope, user } };
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
