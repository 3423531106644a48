/*
 * fuzz_registry.c — libFuzzer target for registry imports (the CSV and JSON
 * a registry clerk uploads). The first byte picks the kind (receivers,
 * contacts, shelters) and whether the import runs in 1 ms steps, as tocsind
 * runs a large one, or at once; the rest is the file. Rows are checked
 * against a scope (region codes under 12) and, when all are good, written
 * to a real store made once. Every import must end with TC_OK and rows, or
 * a refusal that names at least one problem.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fuzz_store.h"
#include "tc_registry.h"
#include "tc_store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tc_store *store;

static void setup(void)
{
	store = fuzz_store_open();
	/* a durable write per input would make the target crawl; durability is not what is fuzzed */
	tc_db_exec(store->db, "PRAGMA synchronous = OFF");
}

static bool in_scope(const char *region, void *user)
{
	(void)user;
	return !strncmp(region, "12", 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	enum tc_registry_kind k = (enum tc_registry_kind)(data[0] % 3);
	unsigned budget = data[0] & 4 ? 1 : 0;
	struct tc_diags *d = tc_diags_new();
	struct tc_registry_job *j = NULL;
	size_t n = 0;
	enum tc_rc rc = tc_registry_job_new(store, k, (const char *)data + 1, size - 1, in_scope, NULL, 1000, d, &j);
	if (!rc) {
		for (unsigned steps = 0; !tc_registry_job_step(j, budget); steps++)
			if (steps > 10000000)
				abort(); /* an import that never ends */
		rc = tc_registry_job_result(j, &n);
	}
	if (rc == TC_ERR_INVALID && tc_diags_errors(d) == 0)
		abort(); /* refused without saying why */
	if (rc == TC_OK && n > size)
		abort(); /* more rows than the text could hold */
	tc_registry_job_free(j);
	tc_diags_free(d);
	return 0;
}
