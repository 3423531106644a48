/*
 * bench_plan.c — target selection over a large registry, beside a full scan.
 *
 * Registers N receivers (default 1,000,000) through the registry import,
 * spread over 10 counties × 30 towns × 20 villages around Tianjin, then
 * times planning three alerts — one village (admin code), one town's
 * polygon, one county (admin code) — with the in-memory registry index and
 * with the store's indexes (R*Tree, region ranges), beside a full scan of
 * every receiver with the same test. Target: selection for 1,000,000
 * receivers under 50 ms.
 *
 * Usage: bench_plan [--receivers N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "tc_cap_check.h"
#include "tc_plan.h"
#include "tc_registry.h"

static char *registry_csv(long n, size_t *len)
{
	size_t cap = (size_t)n * 80 + 64, used = 0;
	char *s = malloc(cap);
	used += (size_t)snprintf(s, cap, "id,kind,name,lat,lon,region\n");
	unsigned seed = 7;
	for (long i = 0; i < n; i++) {
		int county = (int)(i % 10), town = (int)(i / 10 % 30) + 1, village = (int)(i / 300 % 20) + 201;
		seed = seed * 1103515245u + 12345u;
		double jitter = (seed >> 8) % 1000 / 1000.0 * 0.05;
		double lat = 38.5 + county * 0.1 + town * 0.003 + jitter, lon = 117.0 + village * 0.002 + jitter;
		used += (size_t)snprintf(s + used, cap - used, "rx%07ld,%s,r,%.5f,%.5f,1201%02d%03d%03d\n", i,
					 i % 7 ? "loudspeaker" : "signage", lat, lon, 10 + county, town, village);
	}
	*len = used;
	return s;
}

static const char *alert_xml(const char *area)
{
	static char xml[2048];
	snprintf(xml, sizeof(xml),
		 "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>b1</identifier><sender>s</sender>"
		 "<sent>2027-08-12T06:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		 "<info><category>Met</category><event>e</event><urgency>Immediate</urgency><severity>Severe</severity>"
		 "<certainty>Observed</certainty><area><areaDesc>a</areaDesc>%s</area></info></alert>",
		 area);
	return xml;
}

struct scan {
	const struct tc_cap_area *area;
	long hits;
};

static void scan_one(const struct tc_receiver *r, void *user)
{
	struct scan *sc = user;
	const struct tc_cap_area *ar = sc->area;
	bool in = false;
	for (size_t k = 0; !in && k < ar->n_polygons; k++)
		in = tc_plan_in_polygon(&ar->polygons[k], r->lat, r->lon);
	for (size_t k = 0; !in && k < ar->n_geocodes; k++)
		in = strncmp(r->region, ar->geocodes[k].value, strlen(ar->geocodes[k].value)) == 0;
	sc->hits += in;
}

int main(int argc, char **argv)
{
	long n = 1000000;
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--receivers"))
			n = atol(argv[++i]);
	char dir[] = "/tmp/tocsin-benchXXXXXX", path[128];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	struct tc_store *s = NULL;
	size_t len, count;
	if (tc_store_open(path, &s, NULL))
		return 1;
	char *csv = registry_csv(n, &len);
	double t0 = bench_now();
	if (tc_registry_import(s, TC_REG_RECEIVERS, csv, len, &count, NULL) != TC_OK) {
		fprintf(stderr, "bench_plan: import failed\n");
		return 1;
	}
	double import_s = bench_now() - t0;
	free(csv);
	printf("registry: %zu receivers imported in %.1f s (%.0f rows/s)\n", count, import_s, count / import_s);
	struct tc_registry_index *x = NULL;
	t0 = bench_now();
	if (tc_registry_index_load(s, &x) != TC_OK)
		return 1;
	printf("in-memory index of %zu receivers loaded in %.2f s\n", tc_registry_index_size(x), bench_now() - t0);
	static const struct {
		const char *name, *area;
	} cases[] = {
		{ "one village (admin code)", "<geocode><valueName>ADCODE</valueName><value>120115007211</value></geocode>" },
		{ "one town (polygon)", "<polygon>38.99,117.35 38.99,117.50 39.05,117.50 39.05,117.35 38.99,117.35</polygon>" },
		{ "one county (admin code)", "<geocode><valueName>ADCODE</valueName><value>120113</value></geocode>" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct tc_cap_alert *a = NULL;
		const char *xml = alert_xml(cases[c].area);
		tc_cap_check(xml, strlen(xml), NULL, &a, NULL);
		double best = 1e9, best_scan = 1e9, best_idx = 1e9;
		size_t targets = 0, targets_idx = 0;
		long hits = 0;
		for (int run = 0; run < 3; run++) {
			struct tc_plan p;
			double t = bench_now();
			tc_plan_targets(s, a, &p, NULL);
			t = bench_now() - t;
			targets = p.n;
			tc_plan_release(&p);
			struct tc_plan q;
			double v = bench_now();
			tc_plan_targets_indexed(x, a, &q, NULL);
			v = bench_now() - v;
			targets_idx = q.n;
			tc_plan_release(&q);
			best_idx = v < best_idx ? v : best_idx;
			struct scan sc = { &a->infos[0].areas[0], 0 };
			double u = bench_now();
			tc_store_each_receiver(s, scan_one, &sc);
			u = bench_now() - u;
			hits = sc.hits;
			best = t < best ? t : best;
			best_scan = u < best_scan ? u : best_scan;
		}
		printf("  %-26s %7zu targets: in-memory index %7.2f ms, store %8.2f ms, full scan %8.2f ms"
		       " (%ld) — index %.0fx the scan; target < 50 ms: %s\n",
		       cases[c].name, targets_idx, best_idx * 1000, best * 1000, best_scan * 1000, hits,
		       best_scan / best_idx, best_idx * 1000 < 50 && targets_idx == targets ? "met" : "NOT met");
		tc_cap_alert_free(a);
	}
	printf("  peak memory: %.1f MiB\n", bench_peak_rss_mib());
	tc_registry_index_free(x);
	tc_store_close(s);
	char p2[160];
	const char *files[] = { "tocsin.db", "tocsin.db-wal", "tocsin.db-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p2, sizeof(p2), "%s/%s", dir, files[i]);
		unlink(p2);
	}
	rmdir(dir);
	return 0;
}
