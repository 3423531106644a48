/*
 * bench_sms_batch.c — the time to build SMS batches for many recipients.
 *
 *   bench_sms_batch [--recipients N] [--batch-size B] [--no-store]
 *
 * N contacts (default 1,000,000; telephone numbers written the ways
 * registries write them, 1 % of them twice) go through what tocsind does
 * for a policy batch: E.164 normalisation, de-duplication, the text of each
 * recipient's language (from a CAP example, encoded by encoders/tc_sms to
 * count its segments) and batch numbers; then, unless --no-store, they are
 * queued durably (one store transaction, as the SMS engine does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tc_file.h"
#include "tc_cap_check.h"
#include "tc_sms_batch.h"
#include "tc_store_sms.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct tc_contact contact_of(long i)
{
	struct tc_contact c = { 0 };
	long k = i % 100 == 99 ? i - 1 : i; /* 1 % written twice */
	unsigned n = (unsigned)(k % 100000000); /* 138 followed by 8 digits */
	switch (k % 3) {
	case 0: snprintf(c.phone, sizeof(c.phone), "138%08u", n); break;
	case 1: snprintf(c.phone, sizeof(c.phone), "+86 138 %04u %04u", n / 10000 % 10000, n % 10000); break;
	default: snprintf(c.phone, sizeof(c.phone), "0086-138%08u", n); break;
	}
	snprintf(c.name, sizeof(c.name), "信息员%ld", i);
	snprintf(c.role, sizeof(c.role), "信息员");
	snprintf(c.region, sizeof(c.region), "120116%03u%03u", (unsigned)(k / 1000 % 1000), (unsigned)(k % 1000));
	snprintf(c.language, sizeof(c.language), "%s", k % 10 ? "zh-CN" : "en-US");
	return c;
}

int main(int argc, char **argv)
{
	long n = 1000000, batch_size = 1000;
	int store = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--recipients") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "--batch-size") && i + 1 < argc)
			batch_size = atol(argv[++i]);
		else if (!strcmp(argv[i], "--no-store"))
			store = 0;
		else {
			fprintf(stderr, "usage: bench_sms_batch [--recipients N] [--batch-size B] [--no-store]\n");
			return 2;
		}
	}
	char *xml = NULL;
	size_t len = 0;
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options co;
	tc_cap_options_default(&co);
	co.lenient = true;
	co.now = 1786489200;
	if (tc_file_read(TOCSIN_EXAMPLES_DIR "/cn-typhoon-orange.xml", 1 << 20, &xml, &len) ||
	    tc_cap_check(xml, len, &co, &a, NULL) > TC_ERR_INVALID || !a) {
		fprintf(stderr, "bench_sms_batch: cannot read the example alert\n");
		return 2;
	}
	struct tc_sms_texts texts;
	if (tc_sms_texts_build(a, 3, &texts, NULL))
		return 2;

	double t0 = now_s();
	struct tc_sms_batch *b = tc_sms_batch_new("86");
	for (long i = 0; i < n; i++) {
		struct tc_contact c = contact_of(i);
		tc_sms_batch_add(b, &c);
	}
	size_t count = tc_sms_batch_count(b), segments = 0;
	long batches = 0;
	for (size_t i = 0; i < count; i++) {
		size_t t = tc_sms_texts_pick(&texts, tc_sms_batch_get(b, i)->language);
		segments += texts.v[t].segments;
		batches = (long)i / batch_size + 1;
	}
	double built = now_s() - t0;
	printf("built batches for %ld contacts: %zu recipients (%zu duplicates dropped), %ld batches of %ld, %zu segments"
	       " in %.2f s (%.0f recipients/s)\n", n, count, tc_sms_batch_duplicates(b), batches, batch_size, segments,
	       built, built > 0 ? (double)n / built : 0.0);

	int rc = 0;
	if (store) {
		char dir[] = "/tmp/tocsin-bench-XXXXXX", db[64];
		struct tc_store *s = NULL;
		if (!mkdtemp(dir))
			return 2;
		snprintf(db, sizeof(db), "%s/tocsin.db", dir);
		bool dup = false, added = false;
		char id[17];
		double t1 = now_s();
		if (tc_store_open(db, &s, NULL) || tc_store_put_alert(s, a, 1786489200, id, &dup, NULL) || tc_store_begin(s))
			return 2;
		for (size_t i = 0; !rc && i < count; i++) {
			const struct tc_sms_recipient *r = tc_sms_batch_get(b, i);
			size_t t = tc_sms_texts_pick(&texts, r->language);
			struct tc_sms_row row = { .batch = (long)i / batch_size, .text = texts.v[t].text,
						  .parts = (long)texts.v[t].segments };
			snprintf(row.alert_id, sizeof(row.alert_id), "%s", id);
			snprintf(row.phone, sizeof(row.phone), "%s", r->phone);
			snprintf(row.purpose, sizeof(row.purpose), "policy");
			snprintf(row.region, sizeof(row.region), "%s", r->region);
			snprintf(row.language, sizeof(row.language), "%.*s", (int)sizeof(row.language) - 1, texts.v[t].lang);
			rc = tc_store_sms_add(s, &row, 1786489200, &added, NULL) != TC_OK;
		}
		rc |= tc_store_commit(s) != TC_OK;
		double stored = now_s() - t1;
		printf("queued them durably (one SQLite transaction, WAL, synchronous=FULL) in %.2f s (%.0f recipients/s);"
		       " building and queueing %.2f s\n", stored, stored > 0 ? (double)count / stored : 0.0, built + stored);
		tc_store_close(s);
		char p[128];
		const char *files[] = { "tocsin.db", "tocsin.db-wal", "tocsin.db-shm" };
		for (int i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	tc_sms_batch_free(b);
	tc_sms_texts_release(&texts);
	tc_cap_alert_free(a);
	free(xml);
	return rc;
}
