/*
 * sim_fleet.c — the simulated receivers' identities (sim_fleet.h).
 */
#include "sim_fleet.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_csv.h"
#include "tc_file.h"
#include "tc_proto.h"
#include "tc_vec.h"

#define CSV_MAX_FIELDS 32
#define CSV_FIELD_MAX 512
#define KM_PER_DEGREE 111.32

const char *sim_kind_name(enum sim_kind k)
{
	return k == SIM_SIGNAGE ? "signage" : "loudspeaker";
}

enum tc_rc sim_kind_mix_parse(const char *s, enum sim_kind_mix *out)
{
	static const char *const names[] = { "loudspeaker", "signage", "mixed" };
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum sim_kind_mix)i;
			return TC_OK;
		}
	return TC_ERR_USAGE;
}

static bool region_ok(const char *code)
{
	char scopes[TC_PROTO_MAX_REGIONS][16];
	return tc_proto_region_scopes(code, scopes) > 0;
}

/* An id that can stand in a topic level and as an MQTT client id. */
static bool id_ok(const char *id)
{
	char topic[TC_PROTO_MAX_TOPIC];
	return strlen(id) < SIM_ID_MAX && tc_proto_topic(topic, sizeof(topic), NULL, TC_TOPIC_RX_ACK, id, NULL) == TC_OK;
}

enum tc_rc sim_fleet_parse_regions(struct sim_fleet_options *o, const char *list, struct tc_diags *d)
{
	o->n_regions = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		char code[SIM_REGION_MAX] = "";
		if (n < sizeof(code))
			memcpy(code, p, n), code[n] = '\0';
		if (n >= sizeof(code) || !region_ok(code)) {
			tc_err(d, "sim.region", "--region", "region code '%.*s' is not 2 to 12 digits (GB/T 2260)", (int)n,
			       p);
			return TC_ERR_USAGE;
		}
		if (o->n_regions == SIM_MAX_REGIONS) {
			tc_err(d, "sim.region", "--region", "at most %d region codes", SIM_MAX_REGIONS);
			return TC_ERR_USAGE;
		}
		memcpy(o->regions[o->n_regions++], code, n + 1);
		p += n + (p[n] == ',');
	}
	if (!o->n_regions) {
		tc_err(d, "sim.region", "--region", "--region needs at least one code");
		return TC_ERR_USAGE;
	}
	return TC_OK;
}

/* Receiver i of n on a sunflower spiral: even density over the disc, no randomness. */
static void place(const struct sim_fleet_options *o, size_t i, size_t n, double *lat, double *lon)
{
	const double golden = M_PI * (3.0 - sqrt(5.0));
	double r = o->radius_km * sqrt(((double)i + 0.5) / (double)n);
	double t = golden * (double)i;
	*lat = o->lat + r * cos(t) / KM_PER_DEGREE;
	*lon = o->lon + r * sin(t) / (KM_PER_DEGREE * cos(o->lat * M_PI / 180.0));
}

enum tc_rc sim_fleet_generate(const struct sim_fleet_options *o, struct sim_identity **out, size_t *n,
			      struct tc_diags *d)
{
	*out = NULL;
	*n = 0;
	struct sim_identity *ids = calloc(o->count ? o->count : 1, sizeof(*ids));
	if (!ids)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < o->count; i++) {
		struct sim_identity *r = &ids[i];
		snprintf(r->id, sizeof(r->id), "%s%05zu", o->id_prefix, i);
		if (!id_ok(r->id)) {
			tc_err(d, "sim.id", "--id-prefix", "receiver id '%s' cannot stand in a topic (no '/', '+', '#')",
			       r->id);
			free(ids);
			return TC_ERR_USAGE;
		}
		r->kind = o->mix == SIM_MIX_SIGNAGE || (o->mix == SIM_MIX_MIXED && i % 5 == 4) ? SIM_SIGNAGE
											 : SIM_LOUDSPEAKER;
		snprintf(r->name, sizeof(r->name), "simulated %s %05zu", sim_kind_name(r->kind), i);
		snprintf(r->region, sizeof(r->region), "%s", o->regions[i % o->n_regions]);
		place(o, i, o->count, &r->lat, &r->lon);
	}
	*out = ids;
	*n = o->count;
	return TC_OK;
}

bool sim_fleet_silent(size_t i, double rate)
{
	if (rate <= 0)
		return false;
	/* A hair of slack so 10 × 0.1 counts as 1, as it does on paper. */
	return floor((double)(i + 1) * rate + 1e-9) > floor((double)i * rate + 1e-9);
}

/* --- CSV ------------------------------------------------------------------------ */

struct csv_row {
	char f[CSV_MAX_FIELDS][CSV_FIELD_MAX];
	size_t n;
};

/* Split the line at *p (up to '\n' outside quotes) into fields; advance *p. False when a field is too long. */
static bool csv_line(const char **p, struct csv_row *row)
{
	const char *s = *p;
	bool ok = true;
	row->n = 0;
	for (;;) {
		size_t k = 0;
		char *f = row->n < CSV_MAX_FIELDS ? row->f[row->n] : NULL;
		bool quoted = *s == '"';
		s += quoted;
		while (*s && (quoted || (*s != ',' && *s != '\n'))) {
			if (quoted && *s == '"') {
				if (s[1] != '"') {
					quoted = false;
					s++;
					continue;
				}
				s++;
			}
			if (f && k + 1 < CSV_FIELD_MAX)
				f[k++] = *s;
			else
				ok = false;
			s++;
		}
		if (f) {
			while (k && f[k - 1] == '\r')
				k--;
			f[k] = '\0';
			row->n++;
		}
		if (*s != ',')
			break;
		s++;
	}
	*p = *s ? s + 1 : s;
	return ok;
}

enum col { C_ID, C_KIND, C_NAME, C_LAT, C_LON, C_REGION, C_N };

static int header_columns(const struct csv_row *h, int col[C_N], struct tc_diags *d)
{
	static const char *const names[C_N] = { "id", "kind", "name", "lat", "lon", "region" };
	for (int c = 0; c < C_N; c++) {
		col[c] = -1;
		for (size_t i = 0; i < h->n; i++)
			if (!strcmp(h->f[i], names[c]) || (i == 0 && !strncmp(h->f[i], "\xef\xbb\xbf", 3) &&
							   !strcmp(h->f[i] + 3, names[c])))
				col[c] = (int)i;
	}
	if (col[C_ID] < 0 || col[C_REGION] < 0) {
		tc_err(d, "sim.registry.header", "line 1", "the receivers CSV header must name at least id and region");
		return -1;
	}
	return 0;
}

static const char *field(const struct csv_row *r, int col)
{
	return col >= 0 && (size_t)col < r->n ? r->f[col] : "";
}

/* One data row into *id; NULL when fine, else why not. */
static const char *read_row(const struct csv_row *r, const int col[C_N], struct sim_identity *id)
{
	char *end;
	memset(id, 0, sizeof(*id));
	if (!id_ok(field(r, col[C_ID])))
		return "id is empty, too long or holds '/', '+' or '#'";
	snprintf(id->id, sizeof(id->id), "%s", field(r, col[C_ID]));
	const char *kind = field(r, col[C_KIND]);
	if (*kind && strcmp(kind, "loudspeaker") && strcmp(kind, "signage"))
		return "kind must be loudspeaker or signage";
	id->kind = !strcmp(kind, "signage") ? SIM_SIGNAGE : SIM_LOUDSPEAKER;
	snprintf(id->name, sizeof(id->name), "%s", *field(r, col[C_NAME]) ? field(r, col[C_NAME]) : id->id);
	if (!region_ok(field(r, col[C_REGION])))
		return "region is not 2 to 12 digits";
	snprintf(id->region, sizeof(id->region), "%s", field(r, col[C_REGION]));
	id->lat = strtod(field(r, col[C_LAT]), &end);
	id->lon = strtod(field(r, col[C_LON]), &end);
	return NULL;
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(const struct sim_identity *const *)a)->id, (*(const struct sim_identity *const *)b)->id);
}

/* Two receivers with one id would be one MQTT client id twice: each would push the other off. */
static enum tc_rc unique_ids(const struct sim_identity *ids, size_t n, const char *path, struct tc_diags *d)
{
	const struct sim_identity **sorted = malloc((n ? n : 1) * sizeof(*sorted));
	enum tc_rc rc = sorted ? TC_OK : TC_ERR_NOMEM;
	for (size_t i = 0; sorted && i < n; i++)
		sorted[i] = &ids[i];
	if (sorted)
		qsort(sorted, n, sizeof(*sorted), by_id);
	for (size_t i = 1; sorted && i < n; i++)
		if (!strcmp(sorted[i - 1]->id, sorted[i]->id)) {
			tc_err(d, "sim.registry.duplicate", path, "receiver id '%s' is listed twice", sorted[i]->id);
			rc = TC_ERR_INVALID;
		}
	free(sorted);
	return rc;
}

enum tc_rc sim_fleet_read_csv(const char *path, struct sim_identity **out, size_t *n, struct tc_diags *d)
{
	size_t len = 0, cap = 0, line = 1;
	int col[C_N];
	enum tc_rc rc = TC_OK;
	struct csv_row *row = malloc(sizeof(*row));
	char *text = tc_file_slurp(path, &len);
	*out = NULL;
	*n = 0;
	if (!text || !row) {
		tc_err(d, "sim.registry.read", path, "%s cannot be read: %s", path, text ? "out of memory" : strerror(errno));
		rc = TC_ERR_IO;
		goto out;
	}
	const char *p = text;
	csv_line(&p, row);
	if (header_columns(row, col, d)) {
		rc = TC_ERR_INVALID;
		goto out;
	}
	while (*p) {
		line++;
		if (!csv_line(&p, row)) {
			tc_err(d, "sim.registry.row", path, "line %zu: a field is longer than %d bytes", line, CSV_FIELD_MAX - 1);
			rc = TC_ERR_INVALID;
			continue;
		}
		if (row->n == 1 && !row->f[0][0])
			continue; /* blank line */
		void *grown = *out;
		enum tc_rc grc = tc_vec_grow(&grown, &cap, *n + 1, sizeof(**out));
		*out = grown;
		if (grc) {
			rc = grc;
			goto out;
		}
		const char *why = read_row(row, col, &(*out)[*n]);
		if (why) {
			tc_err(d, "sim.registry.row", path, "line %zu: %s", line, why);
			rc = TC_ERR_INVALID;
			continue;
		}
		(*n)++;
	}
	if (!rc && !*n) {
		tc_err(d, "sim.registry.empty", path, "%s lists no receivers", path);
		rc = TC_ERR_INVALID;
	}
	if (!rc)
		rc = unique_ids(*out, *n, path, d);
out:
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	free(row);
	free(text);
	return rc;
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
enum tc_rc sim_fleet_write_csv(const char *path, const struct sim_identity *ids, size_t n, struct tc_diags *d)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		tc_err(d, "sim.registry.write", path, "%s cannot be written: %s", path, strerror(errno));
		return TC_ERR_IO;
	}
	fputs("id,kind,name,lat,lon,region\n", f);
	for (size_t i = 0; i < n; i++) {
		tc_csv_field(f, ids[i].id, false);
		fprintf(f, "%s,", sim_kind_name(ids[i].kind));
		tc_csv_field(f, ids[i].name, false);
		fprintf(f, "%.6f,%.6f,%s\n", ids[i].lat, ids[i].lon, ids[i].region);
	}
	bool bad = ferror(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	else
		bad |= fflush(f) != 0;
	if (bad) {
		tc_err(d, "sim.registry.write", path, "%s could not be written completely", path);
		return TC_ERR_IO;
	}
	return TC_OK;
}
