/*
 * store_fixture.h — a fresh store for each test program: a SQLite file in a
 * temporary folder, or, when TOCSIN_TEST_POSTGRESQL names a PostgreSQL
 * database (tests/pg/pg.sh; CTest's *_pg tests), a new database on that
 * server, dropped afterwards.
 */
#ifndef TC_STORE_FIXTURE_H
#define TC_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_db.h"
#include "tc_store.h"

static char fixture_dir[64], fixture_db[512], fixture_pg_name[64];

/* Run sql on the server's first database (the one TOCSIN_TEST_POSTGRESQL names): 0 when it went. */
static inline int fixture_pg_admin(const char *sql)
{
	char err[256];
	struct tc_db *db = tc_db_open(getenv("TOCSIN_TEST_POSTGRESQL"), false, false, err, sizeof(err));
	int r = db ? tc_db_exec(db, sql) : -1;
	if (r)
		fprintf(stderr, "store_fixture: %s: %s\n", sql, db ? tc_db_errmsg(db) : err);
	tc_db_close(db);
	return r;
}

/* Make the folder (and the database); returns 0. The database path or URI is fixture_db. */
static inline int fixture_store_dir(void)
{
	static int made;
	const char *pg = getenv("TOCSIN_TEST_POSTGRESQL");
	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/tocsin-testXXXXXX");
	if (!mkdtemp(fixture_dir))
		return -1;
	snprintf(fixture_db, sizeof(fixture_db), "%s/tocsin.db", fixture_dir);
	if (!pg || !*pg)
		return 0;
	char sql[128];
	const char *slash = strrchr(pg, '/');
	snprintf(fixture_pg_name, sizeof(fixture_pg_name), "t%ld_%d", (long)getpid(), ++made);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fixture_pg_name);
	if (!slash || fixture_pg_admin(sql))
		return -1;
	snprintf(fixture_db, sizeof(fixture_db), "%.*s/%s", (int)(slash - pg), pg, fixture_pg_name);
	return 0;
}

/* A connection of its own to the database at path (SQLite file or PostgreSQL URI), as someone
 * with the database's own client would have; NULL when it cannot be opened. */
static inline struct tc_db *fixture_db_open(const char *path)
{
	char err[256];
	struct tc_db *db = tc_db_open(path, false, false, err, sizeof(err));
	if (!db)
		fprintf(stderr, "store_fixture: %s: %s\n", path, err);
	return db;
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
	if (fixture_pg_name[0]) {
		snprintf(p, sizeof(p), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fixture_pg_name);
		fixture_pg_admin(p);
		fixture_pg_name[0] = 0;
	}
}

#endif
