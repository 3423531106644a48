/*
 * tc_registry.h — importing and exporting the registry: receivers
 * (loudspeakers, signage), contacts (信息员, officials) and shelters.
 *
 * CSV (a header row naming the columns, any order; UTF-8, a BOM allowed,
 * quoted fields as RFC 4180) or JSON (an array of objects with the same
 * keys). Columns:
 *   receivers  id,kind,name,lat,lon,region[,shelter][,drills][,population]
 *   contacts   phone,name,role,region[,language][,relay]
 *              (relay: the person's place, 1, 2, 3 ..., in the relay chain of its
 *              region; empty when not in it; one person a place)
 *   shelters   id,name,lat,lon,capacity,area_m2[,manager][,phone][,name_en]
 * A shelter's export adds occupancy,occupancy_at,state (what its manager reported); an import
 * reads those columns and ignores them, so an export imports again and keeps the reports.
 * Every bad row is reported with its line (CSV) or position (JSON) and what
 * is wrong; when any row is bad nothing is imported. Telephone numbers are stored in E.164 (+86 by default).
 */
#ifndef TC_REGISTRY_H
#define TC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

enum tc_registry_kind {
	TC_REG_RECEIVERS = 0,
	TC_REG_CONTACTS,
	TC_REG_SHELTERS,
};

const char *tc_registry_kind_name(enum tc_registry_kind k);
enum tc_rc tc_registry_kind_parse(const char *name, enum tc_registry_kind *out);

/* Import CSV or JSON text (told apart by its first character). *count receives the rows stored. */
enum tc_rc tc_registry_import(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
			      size_t *count, struct tc_diags *d);
/*
 * The same for a person whose scope is limited: a receiver or contact whose region in_scope
 * refuses fails its row (registry.region, by line), and so the whole import. in_scope NULL: any.
 */
enum tc_rc tc_registry_import_scoped(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
				     bool (*in_scope)(const char *region, void *user), void *user, size_t *count,
				     struct tc_diags *d);

/*
 * An import in steps, for a server that must go on with other work meanwhile (tocsind's loop:
 * acknowledgments are written between the steps). tc_registry_job_new reads the CSV header
 * (TC_ERR_INVALID with the problems in d when it is wrong: no job) and keeps a copy of text;
 * each tc_registry_job_step works for about budget_ms (0: until the end) and returns true once
 * the job is over. Every row is checked before any is written: a bad row anywhere and nothing
 * is imported. A large import is then staged in the store a step at a time and, once every row
 * is staged, accepted: merged into the registry a step at a time, and finished by
 * tc_registry_recover at the next start should tocsind stop first; until then readers may see
 * part of it. An import of at most a few hundred rows, or one stepped without a limit, is
 * written in one transaction. in_scope and user must stay valid while the job checks rows;
 * d (may be NULL) receives every problem and warning. now: the time new secrets are made at.
 */
struct tc_registry_job;

enum tc_rc tc_registry_job_new(struct tc_store *s, enum tc_registry_kind k, const char *text, size_t len,
			       bool (*in_scope)(const char *region, void *user), void *user, int64_t now,
			       struct tc_diags *d, struct tc_registry_job **out);
bool tc_registry_job_step(struct tc_registry_job *j, unsigned budget_ms);
/* Once over: TC_OK with *count rows imported, TC_ERR_INVALID (bad rows, in d), TC_ERR_IO. */
enum tc_rc tc_registry_job_result(const struct tc_registry_job *j, size_t *count);
/* Rows read so far. */
size_t tc_registry_job_rows(const struct tc_registry_job *j);
/* Free; a job not yet accepted is dropped (nothing of it is imported), an accepted one is
 * finished by tc_registry_recover at the next start. NULL is a no-op. */
void tc_registry_job_free(struct tc_registry_job *j);
/*
 * At start, before anything else writes the registry: finish every import accepted before the
 * last stop (*finished counts them) and drop the staged rows of those that were not.
 */
enum tc_rc tc_registry_recover(struct tc_store *s, int64_t now, size_t *finished, struct tc_diags *d);

/*
 * Every row as CSV (with the header) or as a JSON array; *out is malloc'ed.
 * No row is ever left out: a row JSON cannot carry (a text that is not
 * UTF-8, stored before import checked it) fails the JSON export with
 * TC_ERR_INVALID and one item in d per such row, naming it. CSV carries
 * the bytes as stored.
 */
enum tc_rc tc_registry_export(struct tc_store *s, enum tc_registry_kind k, bool csv, char **out,
			      struct tc_diags *d);
/* The same for a person whose scope is limited: receivers and contacts whose region in_scope
 * refuses are left out (shelters, which have no region, are all given). in_scope NULL: all. */
enum tc_rc tc_registry_export_scoped(struct tc_store *s, enum tc_registry_kind k, bool csv,
				     bool (*in_scope)(const char *region, void *user), void *user, char **out,
				     struct tc_diags *d);

/*
 * A telephone number in E.164: spaces, dashes and brackets dropped; 00 → +;
 * an 11-digit Chinese mobile (1xxxxxxxxxx) or a 0-prefixed trunk number gets
 * default_cc (e.g. "86"). False when it cannot be a number.
 */
bool tc_registry_phone(const char *in, const char *default_cc, char *out, size_t len);

/* The last place a relay chain may have. */
#define TC_REGISTRY_RELAY_MAX 99

#endif
