/*
 * tc_shelter_near.c — nearest shelters, guidance sentences, the planning
 * report and managers' SMS (tc_shelter_near.h).
 *
 * The grid: cells of walk_m / 111,195 m degrees of latitude by as many of
 * longitude, keyed (row, column) and sorted; a village at latitude φ looks
 * at its row and the rows beside it, and at as many columns each side as
 * the walking limit spans there (1 / cos φ cells). A cell is a binary
 * search in the sorted keys.
 */
#include "tc_shelter_near.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARTH_M 6371008.8
#define DEG_M (EARTH_M * M_PI / 180.0) /* metres in a degree of latitude */
#define RAD(d) ((d) * M_PI / 180.0)

struct cell {
	int64_t key;
	uint32_t shelter;
};

struct tc_shelter_near {
	struct tc_shelter *sh;
	size_t n;
	struct cell *cells; /* one per shelter, sorted by key */
	double walk_m, cell_deg;
};

/* --- geometry --------------------------------------------------------------------- */

double tc_shelter_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double dlat = RAD(lat2 - lat1), dlon = RAD(lon2 - lon1);
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(RAD(lat1)) * cos(RAD(lat2)) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * EARTH_M * atan2(sqrt(a), sqrt(1 - a));
}

int tc_shelter_direction(double lat1, double lon1, double lat2, double lon2)
{
	double dlon = RAD(lon2 - lon1);
	double y = sin(dlon) * cos(RAD(lat2));
	double x = cos(RAD(lat1)) * sin(RAD(lat2)) - sin(RAD(lat1)) * cos(RAD(lat2)) * cos(dlon);
	double deg = atan2(y, x) * 180.0 / M_PI; /* -180..180, 0 north, clockwise */
	if (deg < 0)
		deg += 360.0;
	return (int)floor((deg + 22.5) / 45.0) % 8;
}

const char *tc_shelter_direction_zh(int dir)
{
	static const char *const names[] = { "北", "东北", "东", "东南", "南", "西南", "西", "西北" };
	return dir >= 0 && dir < 8 ? names[dir] : "";
}

const char *tc_shelter_direction_name(int dir)
{
	static const char *const names[] = { "north", "north-east", "east", "south-east",
					     "south", "south-west", "west", "north-west" };
	return dir >= 0 && dir < 8 ? names[dir] : "";
}

long tc_shelter_round_m(double m)
{
	long r = (long)floor(m / 50.0 + 0.5) * 50;
	return r < 50 ? 50 : r;
}

/* --- numbers read aloud ------------------------------------------------------------- */

static const char *const zh_digit[] = { "零", "一", "二", "三", "四", "五", "六", "七", "八", "九" };

/*
 * n (0..99,999,999) as Chinese reads it: 十 alone for 10..19 at the start (十五, not 一十五),
 * one 零 for a gap (一千零五十), nothing for trailing zeros (四百).
 */
static void zh_integer(long n, char *out, size_t len)
{
	static const char *const unit[] = { "", "十", "百", "千" };
	char b[128] = "";
	if (n == 0) {
		snprintf(out, len, "零");
		return;
	}
	if (n >= 10000) {
		char hi[64];
		zh_integer(n / 10000, hi, sizeof(hi));
		long lo = n % 10000;
		snprintf(b, sizeof(b), "%s万", hi);
		if (lo) {
			char rest[64];
			zh_integer(lo, rest, sizeof(rest));
			strncat(b, lo < 1000 ? "零" : "", sizeof(b) - strlen(b) - 1);
			strncat(b, rest, sizeof(b) - strlen(b) - 1);
		}
		snprintf(out, len, "%s", b);
		return;
	}
	bool zero = false, started = false;
	for (int p = 3; p >= 0; p--) {
		long d = n / (long)pow(10, p) % 10;
		if (!d) {
			zero = started;
			continue;
		}
		if (zero)
			strncat(b, "零", sizeof(b) - strlen(b) - 1);
		zero = false;
		if (!(p == 1 && d == 1 && !started))
			strncat(b, zh_digit[d], sizeof(b) - strlen(b) - 1);
		strncat(b, unit[p], sizeof(b) - strlen(b) - 1);
		started = true;
	}
	snprintf(out, len, "%s", b);
}

void tc_shelter_distance_zh(long m, char *out, size_t len)
{
	char n[128];
	if (m < 1000) {
		zh_integer(m, n, sizeof(n));
		snprintf(out, len, "%s米", n);
		return;
	}
	/* kilometres: the decimals read digit by digit, trailing zeros dropped */
	char frac[16] = "", spoken[64] = "";
	snprintf(frac, sizeof(frac), "%03ld", m % 1000);
	for (int i = (int)strlen(frac) - 1; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	for (const char *p = frac; *p; p++)
		strncat(spoken, zh_digit[*p - '0'], sizeof(spoken) - strlen(spoken) - 1);
	zh_integer(m / 1000, n, sizeof(n));
	snprintf(out, len, "%s%s%s公里", n, *frac ? "点" : "", spoken);
}

void tc_shelter_distance_en(long m, char *out, size_t len)
{
	if (m < 1000) {
		snprintf(out, len, "%ld metres", m);
		return;
	}
	char frac[8];
	snprintf(frac, sizeof(frac), "%03ld", m % 1000);
	for (int i = 2; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(out, len, "%ld%s%s kilometre%s", m / 1000, *frac ? "." : "", frac, m == 1000 ? "" : "s");
}

/* --- sentences ---------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *tail, bool fold)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && (fold ? !strcasecmp(s + n - t, tail) : !strcmp(s + n - t, tail));
}

void tc_shelter_sentence_zh(const struct tc_shelter *sh, long m, int dir, char *out, size_t len)
{
	char d[96];
	tc_shelter_distance_zh(m, d, sizeof(d));
	bool named = ends_with(sh->name, "避难场所", false) || ends_with(sh->name, "避难所", false);
	snprintf(out, len, "请前往%s%s，距离约%s，向%s。", sh->name, named ? "" : "避难场所", d, tc_shelter_direction_zh(dir));
}

void tc_shelter_sentence_en(const struct tc_shelter *sh, long m, int dir, char *out, size_t len)
{
	char d[64];
	const char *name = sh->name_en[0] ? sh->name_en : sh->name;
	tc_shelter_distance_en(m, d, sizeof(d));
	snprintf(out, len, "Go to the %s%s, about %s to the %s.", name, ends_with(name, "shelter", true) ? "" : " shelter",
		 d, tc_shelter_direction_name(dir));
}

/* --- the index ------------------------------------------------------------------------ */

static int64_t cell_key(int64_t row, int64_t col)
{
	return row * 4000000 + col; /* columns: 360° / cell, well under 4,000,000 for cells of 10 m and more */
}

static int cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->shelter < y->shelter ? -1 : x->shelter > y->shelter;
}

static int64_t row_of(const struct tc_shelter_near *x, double lat)
{
	return (int64_t)floor((lat + 90.0) / x->cell_deg);
}

static int64_t col_of(const struct tc_shelter_near *x, double lon)
{
	return (int64_t)floor((lon + 180.0) / x->cell_deg);
}

struct tc_shelter_near *tc_shelter_near_new(const struct tc_shelter *shelters, size_t n, double walk_m, bool all)
{
	struct tc_shelter_near *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->walk_m = walk_m > 0 ? walk_m : TC_SHELTER_WALK_M_DEFAULT;
	x->cell_deg = fmax(x->walk_m, 10.0) / DEG_M;
	x->sh = calloc(n ? n : 1, sizeof(*x->sh));
	x->cells = calloc(n ? n : 1, sizeof(*x->cells));
	if (!x->sh || !x->cells) {
		tc_shelter_near_free(x);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!all && !tc_store_shelter_open(&shelters[i]))
			continue;
		x->sh[x->n] = shelters[i];
		x->cells[x->n].key = cell_key(row_of(x, shelters[i].lat), col_of(x, shelters[i].lon));
		x->cells[x->n].shelter = (uint32_t)x->n;
		x->n++;
	}
	qsort(x->cells, x->n, sizeof(*x->cells), cell_cmp);
	return x;
}

void tc_shelter_near_free(struct tc_shelter_near *x)
{
	if (!x)
		return;
	free(x->sh);
	free(x->cells);
	free(x);
}

size_t tc_shelter_near_count(const struct tc_shelter_near *x)
{
	return x->n;
}

const struct tc_shelter *tc_shelter_near_get(const struct tc_shelter_near *x, uint32_t i)
{
	return i < x->n ? &x->sh[i] : NULL;
}

double tc_shelter_near_walk_m(const struct tc_shelter_near *x)
{
	return x->walk_m;
}

uint32_t tc_shelter_near_find_id(const struct tc_shelter_near *x, const char *id)
{
	if (!id || !*id)
		return TC_SHELTER_NONE;
	for (size_t i = 0; i < x->n; i++)
		if (!strcmp(x->sh[i].id, id))
			return (uint32_t)i;
	return TC_SHELTER_NONE;
}

struct pick {
	struct tc_shelter_choice *out;
	size_t max, n;
	uint32_t skip; /* the assigned shelter, already first */
};

static bool before(const struct tc_shelter_near *x, const struct tc_shelter_choice *a, const struct tc_shelter_choice *b)
{
	if (a->distance_m != b->distance_m)
		return a->distance_m < b->distance_m;
	return strcmp(x->sh[a->shelter].id, x->sh[b->shelter].id) < 0;
}

/* Keep shelter i at distance d among the best of p (insertion: max is small). */
static void consider(const struct tc_shelter_near *x, struct pick *p, uint32_t i, double d)
{
	if (i == p->skip || d > x->walk_m)
		return;
	struct tc_shelter_choice c = { .shelter = i, .distance_m = d };
	size_t at = p->n;
	while (at > 0 && before(x, &c, &p->out[at - 1]) && !p->out[at - 1].assigned)
		at--;
	if (at >= p->max)
		return;
	size_t last = p->n < p->max ? p->n : p->max - 1;
	memmove(&p->out[at + 1], &p->out[at], (last - at) * sizeof(c));
	p->out[at] = c;
	if (p->n < p->max)
		p->n++;
}

/* The assigned shelter first, when it takes people; the pick set up for the rest. */
static void start_pick(const struct tc_shelter_near *x, double lat, double lon, const char *assigned,
		       struct tc_shelter_choice *out, size_t max, struct pick *p)
{
	*p = (struct pick){ .out = out, .max = max, .skip = TC_SHELTER_NONE };
	uint32_t a = tc_shelter_near_find_id(x, assigned);
	if (a == TC_SHELTER_NONE || !max || !tc_store_shelter_open(&x->sh[a]))
		return;
	out[0] = (struct tc_shelter_choice){ a, tc_shelter_distance_m(lat, lon, x->sh[a].lat, x->sh[a].lon), true };
	p->n = 1;
	p->skip = a;
}

size_t tc_shelter_near_find_naive(const struct tc_shelter_near *x, double lat, double lon, const char *assigned,
				  struct tc_shelter_choice *out, size_t max)
{
	struct pick p;
	start_pick(x, lat, lon, assigned, out, max, &p);
	for (uint32_t i = 0; i < x->n; i++)
		consider(x, &p, i, tc_shelter_distance_m(lat, lon, x->sh[i].lat, x->sh[i].lon));
	return p.n;
}

size_t tc_shelter_near_find(const struct tc_shelter_near *x, double lat, double lon, const char *assigned,
			    struct tc_shelter_choice *out, size_t max)
{
	struct pick p;
	start_pick(x, lat, lon, assigned, out, max, &p);
	int64_t row = row_of(x, lat), col = col_of(x, lon);
	/* the columns the limit spans at the pole-most latitude of the rows looked at */
	double far_lat = fmin(89.0, fabs(lat) + 2 * x->cell_deg);
	int64_t span = (int64_t)ceil(1.0 / cos(RAD(far_lat))) + 1;
	int64_t cols = (int64_t)floor(360.0 / x->cell_deg) + 1;
	if (2 * span + 1 >= cols)
		return tc_shelter_near_find_naive(x, lat, lon, assigned, out, max);
	for (int64_t r = row - 1; r <= row + 1; r++) {
		for (int64_t c = col - span; c <= col + span; c++) {
			int64_t cw = (c % cols + cols) % cols; /* across the antimeridian */
			struct cell key = { cell_key(r, cw), 0 };
			size_t lo = 0, hi = x->n;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (cell_cmp(&x->cells[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t k = lo; k < x->n && x->cells[k].key == key.key; k++) {
				const struct tc_shelter *s = &x->sh[x->cells[k].shelter];
				consider(x, &p, x->cells[k].shelter, tc_shelter_distance_m(lat, lon, s->lat, s->lon));
			}
		}
	}
	return p.n;
}

void tc_shelter_guidance(const struct tc_shelter_near *x, const struct tc_receiver *r, struct tc_shelter_guide *out)
{
	struct tc_shelter_choice c;
	memset(out, 0, sizeof(*out));
	out->shelter = TC_SHELTER_NONE;
	out->direction = -1;
	if (!tc_shelter_near_find(x, r->lat, r->lon, r->shelter_id, &c, 1))
		return;
	const struct tc_shelter *sh = &x->sh[c.shelter];
	out->shelter = c.shelter;
	out->shelter_id = sh->id;
	out->distance_m = c.distance_m;
	out->rounded_m = tc_shelter_round_m(c.distance_m);
	out->direction = tc_shelter_direction(r->lat, r->lon, sh->lat, sh->lon);
	out->assigned = c.assigned;
	tc_shelter_sentence_zh(sh, out->rounded_m, out->direction, out->zh, sizeof(out->zh));
	tc_shelter_sentence_en(sh, out->rounded_m, out->direction, out->en, sizeof(out->en));
}

struct loading {
	struct tc_shelter *v;
	size_t n, cap;
	bool nomem;
};

static void load_one(const struct tc_shelter *sh, void *user)
{
	struct loading *l = user;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct tc_shelter *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->nomem = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *sh;
}

enum tc_rc tc_shelter_near_load(struct tc_store *s, double walk_m, bool all, struct tc_shelter_near **out)
{
	struct loading l = { 0 };
	*out = NULL;
	enum tc_rc rc = tc_store_each_shelter(s, load_one, &l);
	if (!rc && l.nomem)
		rc = TC_ERR_NOMEM;
	if (!rc && !(*out = tc_shelter_near_new(l.v, l.n, walk_m, all)))
		rc = TC_ERR_NOMEM;
	free(l.v);
	return rc;
}

/* --- the planning report ----------------------------------------------------------------- */

struct village {
	char region[16];
	long population;
	size_t receivers;
	bool served;          /* a loudspeaker of it has a shelter within the limit */
	uint32_t nearest;
	double nearest_m;
};

static int village_cmp(const void *a, const void *b)
{
	return strcmp(((const struct village *)a)->region, ((const struct village *)b)->region);
}

/* Serving pairs: shelter, village index; sorted and made unique to count each village once. */
struct serve {
	uint32_t shelter;
	uint32_t village;
};

static int serve_cmp(const void *a, const void *b)
{
	const struct serve *x = a, *y = b;
	if (x->shelter != y->shelter)
		return x->shelter < y->shelter ? -1 : 1;
	return x->village < y->village ? -1 : x->village > y->village;
}

static struct village *village_of(struct village *v, size_t n, const char *region)
{
	struct village key;
	snprintf(key.region, sizeof(key.region), "%s", region);
	return bsearch(&key, v, n, sizeof(*v), village_cmp);
}

/* The nearest shelter at any distance (for the report's "nearest is …"). */
static uint32_t nearest_any(const struct tc_shelter_near *x, double lat, double lon, double *m)
{
	uint32_t best = TC_SHELTER_NONE;
	*m = 0;
	for (uint32_t i = 0; i < x->n; i++) {
		double d = tc_shelter_distance_m(lat, lon, x->sh[i].lat, x->sh[i].lon);
		if (best == TC_SHELTER_NONE || d < *m) {
			best = i;
			*m = d;
		}
	}
	return best;
}

/* The villages of the loudspeakers in scope, one per region, sorted; *n how many. */
static struct village *villages_of(const struct tc_receiver *rx, size_t n, bool (*in_scope)(const char *, void *),
				   void *user, size_t *nv)
{
	struct village *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rx[i].kind, "loudspeaker") || (in_scope && !in_scope(rx[i].region, user)))
			continue;
		snprintf(v[k].region, sizeof(v[k].region), "%s", rx[i].region);
		v[k].nearest = TC_SHELTER_NONE;
		k++;
	}
	qsort(v, k, sizeof(*v), village_cmp);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (!u || strcmp(v[u - 1].region, v[i].region))
			v[u++] = v[i];
	*nv = u;
	return v;
}

/* Which shelter serves loudspeaker r (assignment, else nearest within the limit); NONE when none. */
static uint32_t serving(const struct tc_shelter_near *x, const struct tc_receiver *r, double *m)
{
	uint32_t a = tc_shelter_near_find_id(x, r->shelter_id);
	if (a != TC_SHELTER_NONE) {
		*m = tc_shelter_distance_m(r->lat, r->lon, x->sh[a].lat, x->sh[a].lon);
		return a;
	}
	struct tc_shelter_choice c;
	if (!tc_shelter_near_find(x, r->lat, r->lon, NULL, &c, 1))
		return TC_SHELTER_NONE;
	*m = c.distance_m;
	return c.shelter;
}

static enum tc_rc report_shorts(const struct tc_shelter_near *x, struct village *v, struct serve *sv, size_t ns,
				struct tc_shelter_report *out)
{
	qsort(sv, ns, sizeof(*sv), serve_cmp);
	out->shorts = calloc(ns ? ns : 1, sizeof(*out->shorts));
	if (!out->shorts)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < ns;) {
		struct tc_shelter_short s = { .shelter = sv[i].shelter, .capacity = x->sh[sv[i].shelter].capacity };
		for (; i < ns && sv[i].shelter == s.shelter; i++) {
			if (i && sv[i - 1].shelter == s.shelter && sv[i - 1].village == sv[i].village)
				continue;
			s.population += v[sv[i].village].population;
			s.villages++;
		}
		if (s.capacity < s.population)
			out->shorts[out->n_shorts++] = s;
	}
	return TC_OK;
}

enum tc_rc tc_shelter_report(const struct tc_shelter_near *x, const struct tc_receiver *rx, size_t n,
			     bool (*in_scope)(const char *region, void *user), void *user, struct tc_shelter_report *out)
{
	size_t nv = 0, ns = 0;
	memset(out, 0, sizeof(*out));
	struct village *v = villages_of(rx, n, in_scope, user, &nv);
	struct serve *sv = calloc(n ? n : 1, sizeof(*sv));
	enum tc_rc rc = v && sv ? TC_OK : TC_ERR_NOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		struct village *w = strcmp(rx[i].kind, "loudspeaker") ? NULL : village_of(v, nv, rx[i].region);
		if (!w)
			continue;
		double m = 0;
		w->receivers++;
		if (rx[i].population > w->population)
			w->population = rx[i].population;
		uint32_t s = serving(x, &rx[i], &m);
		if (s == TC_SHELTER_NONE)
			continue;
		sv[ns++] = (struct serve){ s, (uint32_t)(w - v) };
		if (m <= x->walk_m)
			w->served = true;
	}
	if (!rc)
		rc = report_shorts(x, v, sv, ns, out);
	if (!rc && !(out->gaps = calloc(nv ? nv : 1, sizeof(*out->gaps))))
		rc = TC_ERR_NOMEM;
	for (size_t i = 0; !rc && i < nv; i++) {
		if (v[i].served)
			continue;
		struct tc_shelter_gap *g = &out->gaps[out->n_gaps++];
		snprintf(g->region, sizeof(g->region), "%s", v[i].region);
		g->population = v[i].population;
		g->receivers = v[i].receivers;
		const struct tc_receiver *first = NULL;
		for (size_t k = 0; k < n && !first; k++)
			if (!strcmp(rx[k].region, v[i].region) && !strcmp(rx[k].kind, "loudspeaker"))
				first = &rx[k];
		g->nearest = first ? nearest_any(x, first->lat, first->lon, &g->nearest_m) : TC_SHELTER_NONE;
	}
	out->villages = nv;
	free(v);
	free(sv);
	if (rc)
		tc_shelter_report_release(out);
	return rc;
}

void tc_shelter_report_release(struct tc_shelter_report *r)
{
	free(r->gaps);
	free(r->shorts);
	memset(r, 0, sizeof(*r));
}

/* --- a manager's SMS ------------------------------------------------------------------------ */

const char *tc_shelter_sms_kind_name(enum tc_shelter_sms_kind k)
{
	static const char *const names[] = { "none", "full", "count", "open", "closed" };
	return (unsigned)k <= TC_SHELTER_SMS_CLOSED ? names[k] : "unknown";
}

/* text without spaces (ASCII and U+3000), full-width digits and letters made ASCII, lower case. */
static void fold(const char *text, char *out, size_t len)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)text;
	while (*p && n + 4 < len) {
		if (isspace(*p)) {
			p++;
		} else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
			p += 3;
		} else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) { /* ０-９ */
			out[n++] = (char)('0' + p[2] - 0x90);
			p += 3;
		} else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0xA1 && p[2] <= 0xBA) { /* Ａ-Ｚ */
			out[n++] = (char)('a' + p[2] - 0xA1);
			p += 3;
		} else if (p[0] == 0xEF && p[1] == 0xBD && p[2] >= 0x81 && p[2] <= 0x9A) { /* ａ-ｚ */
			out[n++] = (char)('a' + p[2] - 0x81);
			p += 3;
		} else {
			out[n++] = (char)tolower(*p);
			p++;
		}
	}
	out[n] = '\0';
}

/* Drop punctuation at both ends: ASCII, and the common full-width marks (。！，、．). */
static void trim_marks(char *s)
{
	static const char *const marks[] = { "。", "！", "，", "、", "．", "？", NULL };
	bool cut = true;
	while (cut && *s) {
		cut = false;
		size_t n = strlen(s);
		if (ispunct((unsigned char)s[n - 1])) {
			s[n - 1] = '\0';
			cut = true;
			continue;
		}
		if (ispunct((unsigned char)s[0]) && s[0] != '-' && s[0] != '+') {
			memmove(s, s + 1, n);
			cut = true;
			continue;
		}
		for (int i = 0; marks[i]; i++) {
			size_t m = strlen(marks[i]);
			if (n >= m && !strcmp(s + n - m, marks[i])) {
				s[n - m] = '\0';
				cut = true;
			} else if (n >= m && !strncmp(s, marks[i], m)) {
				memmove(s, s + m, n - m + 1);
				cut = true;
			}
			if (cut)
				break;
		}
	}
}

enum tc_shelter_sms_kind tc_shelter_sms_parse(const char *text, long *count)
{
	static const struct {
		const char *word;
		enum tc_shelter_sms_kind kind;
	} words[] = {
		{ "满", TC_SHELTER_SMS_FULL },       { "已满", TC_SHELTER_SMS_FULL },   { "full", TC_SHELTER_SMS_FULL },
		{ "开放", TC_SHELTER_SMS_OPEN },     { "开", TC_SHELTER_SMS_OPEN },     { "open", TC_SHELTER_SMS_OPEN },
		{ "关闭", TC_SHELTER_SMS_CLOSED },   { "关", TC_SHELTER_SMS_CLOSED },   { "closed", TC_SHELTER_SMS_CLOSED },
		{ "close", TC_SHELTER_SMS_CLOSED },
	};
	char t[128];
	*count = 0;
	if (!text || strlen(text) > 120)
		return TC_SHELTER_SMS_NONE;
	fold(text, t, sizeof(t));
	trim_marks(t);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(t, words[i].word))
			return words[i].kind;
	size_t digits = strspn(t, "0123456789");
	const char *rest = t + digits;
	if (!digits || digits > 7 || (*rest && strcmp(rest, "人")))
		return TC_SHELTER_SMS_NONE;
	*count = strtol(t, NULL, 10);
	return TC_SHELTER_SMS_COUNT;
}

void tc_shelter_apply(struct tc_shelter *sh, enum tc_shelter_sms_kind k, long count, int64_t now)
{
	switch (k) {
	case TC_SHELTER_SMS_FULL: snprintf(sh->state, sizeof(sh->state), "full"); break;
	case TC_SHELTER_SMS_COUNT:
		sh->occupancy = count;
		if (strcmp(sh->state, "closed"))
			snprintf(sh->state, sizeof(sh->state), "open");
		break;
	case TC_SHELTER_SMS_OPEN: snprintf(sh->state, sizeof(sh->state), "open"); break;
	case TC_SHELTER_SMS_CLOSED: snprintf(sh->state, sizeof(sh->state), "closed"); break;
	case TC_SHELTER_SMS_NONE: return;
	}
	sh->occupancy_at = now;
}
