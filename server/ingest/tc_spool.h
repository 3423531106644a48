/*
 * tc_spool.h — a folder where CAP files are dropped to be ingested.
 *
 * Each regular file (names starting with '.' or ending in .tmp are being
 * written and are left alone: write, then rename into the folder) is
 * ingested, then moved to DIR/done/ when accepted or to DIR/failed/ with a
 * NAME.reason.txt saying why. When the store cannot be written the file
 * stays where it is and is tried again: nothing accepted is lost.
 */
#ifndef TC_SPOOL_H
#define TC_SPOOL_H

#include "tc_ingest.h"

struct tc_spool_stats {
	size_t accepted, refused, retried;
};

/* Make DIR, DIR/done and DIR/failed if they are missing. */
enum tc_rc tc_spool_prepare(const char *dir, struct tc_diags *d);

/* Ingest every waiting file once; counts add to *st. */
enum tc_rc tc_spool_scan(struct tc_store *s, const struct tc_ingest_options *o, const char *dir, int64_t now,
			 struct tc_spool_stats *st, struct tc_diags *d);

#endif
