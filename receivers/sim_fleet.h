/*
 * sim_fleet.h — who the simulated receivers are: ids, kinds, names,
 * locations and region codes, generated deterministically from a few
 * numbers or read from a receivers CSV, and written back as one.
 *
 * Receiver i (0-based) of a generated fleet is "<prefix><i as 5 digits>",
 * gets the region codes round robin and a place on a sunflower spiral
 * within the radius around the centre, so the same flags give the same
 * fleet on every machine.
 */
#ifndef SIM_FLEET_H
#define SIM_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_diag.h"

#define SIM_ID_MAX 64
#define SIM_NAME_MAX 128
#define SIM_REGION_MAX 16
#define SIM_MAX_REGIONS 64

enum sim_kind {
	SIM_LOUDSPEAKER = 0,
	SIM_SIGNAGE,
};
const char *sim_kind_name(enum sim_kind k);

enum sim_kind_mix {
	SIM_MIX_LOUDSPEAKER = 0,
	SIM_MIX_SIGNAGE,
	SIM_MIX_MIXED, /* every 5th receiver (i % 5 == 4) is signage */
};
/* "loudspeaker", "signage" or "mixed"; TC_ERR_USAGE otherwise. */
enum tc_rc sim_kind_mix_parse(const char *s, enum sim_kind_mix *out);

struct sim_identity {
	char id[SIM_ID_MAX];
	enum sim_kind kind;
	char name[SIM_NAME_MAX];
	double lat, lon;
	char region[SIM_REGION_MAX];
};

struct sim_fleet_options {
	const char *id_prefix; /* "sim-" */
	size_t count;
	enum sim_kind_mix mix;
	char regions[SIM_MAX_REGIONS][SIM_REGION_MAX];
	size_t n_regions;
	double lat, lon, radius_km;
};

/*
 * Parse "CODE[,CODE...]" into o->regions. TC_ERR_USAGE (with the reason in
 * d) when a code is not 2 to 12 digits or there are more than SIM_MAX_REGIONS.
 */
enum tc_rc sim_fleet_parse_regions(struct sim_fleet_options *o, const char *list, struct tc_diags *d);

/* The fleet o describes into a malloc'ed array (*out, *n); the caller frees *out. */
enum tc_rc sim_fleet_generate(const struct sim_fleet_options *o, struct sim_identity **out, size_t *n,
			      struct tc_diags *d);

/*
 * Read a receivers CSV (header naming at least id and region; kind, name,
 * lat, lon optional; any order; other columns ignored; fields may be
 * double-quoted). Bad rows are named by line in d. The caller frees *out.
 */
enum tc_rc sim_fleet_read_csv(const char *path, struct sim_identity **out, size_t *n, struct tc_diags *d);

/* Write "id,kind,name,lat,lon,region" and one row per receiver. */
enum tc_rc sim_fleet_write_csv(const char *path, const struct sim_identity *ids, size_t n, struct tc_diags *d);

/*
 * Whether receiver i is one of the silent share rate (0..1): exactly when
 * floor((i+1)*rate) > floor(i*rate), which spreads them evenly.
 */
bool sim_fleet_silent(size_t i, double rate);

#endif
