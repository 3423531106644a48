/*
 * fuzz_store.h — a real store for a fuzz target: made once in a folder of its own under /tmp,
 * closed and removed with its files when the process ends.
 */
#ifndef FUZZ_STORE_H
#define FUZZ_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tc_store.h"

static struct tc_store *fuzz_store;
static char fuzz_store_dir[] = "/tmp/fuzz_store.XXXXXX";

static void fuzz_store_cleanup(void)
{
	static const char *const tails[] = { "", "-wal", "-shm", "-journal" };
	char path[64];
	tc_store_close(fuzz_store);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(path, sizeof(path), "%s/tocsin.db%s", fuzz_store_dir, tails[i]);
		unlink(path);
	}
	rmdir(fuzz_store_dir);
}

/* The store, opened on the first call; aborts when it cannot be made. */
static struct tc_store *fuzz_store_open(void)
{
	char path[64];
	if (fuzz_store)
		return fuzz_store;
	if (!mkdtemp(fuzz_store_dir))
		abort();
	snprintf(path, sizeof(path), "%s/tocsin.db", fuzz_store_dir);
	if (tc_store_open(path, &fuzz_store, NULL) != TC_OK)
		abort();
	atexit(fuzz_store_cleanup);
	return fuzz_store;
}

#endif
