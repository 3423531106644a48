/*
 * tc_registry.h — importing and exporting the registry: receivers
 * (loudspeakers, signage), contacts (信息员, officials) and shelters.
 *
 * CSV (a header row naming the columns, any order; UTF-8, a BOM allowed,
 * quoted fields as RFC 4180) or JSON (an array of objects with the same
 * keys). Columns:
 *   receivers  id,kind,name,lat,lon,region[,shelter][,drills]
 *   contacts   phone,name,role,region[,language]
 *   shelters   id,name,lat,lon,capacity,area_m2[,manager][,phone]
 * Every bad row is reported with its line (CSV) or position (JSON) and what
 * is wrong; when any row is bad nothing is imported: an import is one
 * transaction. Telephone numbers are stored in E.164 (+86 by default).
 */
#ifndef TC_REGISTRY_H
#define TC_REGISTRY_H

#include <stdbool.h>

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
 * Every row as CSV (with the header) or as a JSON array; *out is malloc'ed.
 * No row is ever left out: a row JSON cannot carry (a text that is not
 * UTF-8, stored before import checked it) fails the JSON export with
 * TC_ERR_INVALID and one item in d per such row, naming it. CSV carries
 * the bytes as stored.
 */
enum tc_rc tc_registry_export(struct tc_store *s, enum tc_registry_kind k, bool csv, char **out,
			      struct tc_diags *d);

/*
 * A telephone number in E.164: spaces, dashes and brackets dropped; 00 → +;
 * an 11-digit Chinese mobile (1xxxxxxxxxx) or a 0-prefixed trunk number gets
 * default_cc (e.g. "86"). False when it cannot be a number.
 */
bool tc_registry_phone(const char *in, const char *default_cc, char *out, size_t len);

#endif
