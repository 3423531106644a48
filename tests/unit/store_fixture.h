/* store_fixture.h — a fresh store in a temporary folder for each test program. */
#ifndef TC_STORE_FIXTURE_H
#define TC_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tc_store.h"

static char fixture_dir[64], fixture_db[128];

/* Make the folder; returns 0. The database path is fixture_db. */
static inline int fixture_store_dir(void)
{
	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/tocsin-testXXXXXX");
	if (!mkdtemp(fixture_dir))
		return -1;
	snprintf(fixture_db, sizeof(fixture_db), "%s/tocsin.db", fixture_dir);
	return 0;
}

/* Remove the database, its WAL files and the folder. */
static inline void fixture_store_remove(void)
{
	char p[160];
	const char *files[] = { "tocsin.db", "tocsin.db-wal", "tocsin.db-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", fixture_dir, files[i]);
		unlink(p);
	}
	rmdir(fixture_dir);
}

#endif
