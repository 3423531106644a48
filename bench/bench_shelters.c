/*
 * bench_shelters.c — the way to shelter for a county: every village's
 * nearest open shelters within the walking limit, by the grid of
 * tc_shelter_near beside the naive loop over every shelter, in one run.
 *
 * Places R receivers (default 100,000) and S shelters (default 5,000) at
 * random over a county of 60 × 60 km around Tianjin's coast, then times
 * finding each receiver's 3 nearest open shelters within 500 m both ways,
 * checks that both found the same, and times the guidance sentences
 * (tc_shelter_guidance) for every receiver. Target: the whole county in
 * well under a second, so that guidance can be made for every alert.
 *
 * Usage: bench_shelters [--receivers R] [--shelters S] [--walk-m M]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "tc_shelter_near.h"

#define LAT0 38.8
#define LON0 117.4
#define SPAN_DEG 0.55 /* about 60 km */

static double uniform(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8 & 0xffffff) / (double)0x1000000;
}

int main(int argc, char **argv)
{
	long nr = 100000, ns = 5000;
	double walk = 500;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--receivers"))
			nr = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--shelters"))
			ns = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--walk-m"))
			walk = atof(argv[i + 1]);
		else
			return fprintf(stderr, "usage: bench_shelters [--receivers R] [--shelters S] [--walk-m M]\n"), 2;
	}
	if (nr < 1 || ns < 1 || walk <= 0)
		return fprintf(stderr, "bench_shelters: R, S and M must be above 0\n"), 2;
	unsigned seed = 11;
	struct tc_shelter *sh = calloc((size_t)ns, sizeof(*sh));
	struct tc_receiver *rx = calloc((size_t)nr, sizeof(*rx));
	if (!sh || !rx)
		return 1;
	for (long i = 0; i < ns; i++) {
		snprintf(sh[i].id, sizeof(sh[i].id), "sh%05ld", i);
		snprintf(sh[i].name, sizeof(sh[i].name), "第%ld避难场所", i);
		snprintf(sh[i].state, sizeof(sh[i].state), i % 50 ? "open" : "full");
		sh[i].lat = LAT0 + uniform(&seed) * SPAN_DEG;
		sh[i].lon = LON0 + uniform(&seed) * SPAN_DEG;
		sh[i].capacity = 1000;
	}
	for (long i = 0; i < nr; i++) {
		snprintf(rx[i].id, sizeof(rx[i].id), "rx%07ld", i);
		snprintf(rx[i].kind, sizeof(rx[i].kind), "loudspeaker");
		rx[i].lat = LAT0 + uniform(&seed) * SPAN_DEG;
		rx[i].lon = LON0 + uniform(&seed) * SPAN_DEG;
	}
	double t0 = bench_now();
	struct tc_shelter_near *x = tc_shelter_near_new(sh, (size_t)ns, walk, false);
	double t_index = bench_now() - t0;
	struct tc_shelter_choice (*a)[3] = calloc((size_t)nr, sizeof(*a)), b[3];
	size_t *na = calloc((size_t)nr, sizeof(*na));
	long found = 0, differ = 0;
	if (!a || !na)
		return 1;
	t0 = bench_now();
	for (long i = 0; i < nr; i++)
		found += (na[i] = tc_shelter_near_find(x, rx[i].lat, rx[i].lon, NULL, a[i], 3)) > 0;
	double t_grid = bench_now() - t0;
	t0 = bench_now();
	for (long i = 0; i < nr; i++) { /* the same answers, or the grid is wrong */
		size_t nb = tc_shelter_near_find_naive(x, rx[i].lat, rx[i].lon, NULL, b, 3);
		bool same = na[i] == nb;
		for (size_t k = 0; same && k < nb; k++)
			same = a[i][k].shelter == b[k].shelter;
		differ += !same;
	}
	double t_naive = bench_now() - t0;
	free(a);
	free(na);
	struct tc_shelter_guide *g = malloc(sizeof(*g));
	t0 = bench_now();
	for (long i = 0; g && i < nr; i++)
		tc_shelter_guidance(x, &rx[i], g);
	double t_guide = bench_now() - t0;
	printf("receivers %ld, shelters %ld (%zu open), walking limit %.0f m\n", nr, ns, tc_shelter_near_count(x), walk);
	printf("index built            %8.1f ms\n", t_index * 1e3);
	printf("grid   (3 nearest)     %8.1f ms  (%.2f us a receiver)\n", t_grid * 1e3, t_grid * 1e6 / (double)nr);
	printf("naive  (3 nearest)     %8.1f ms  (%.2f us a receiver)\n", t_naive * 1e3, t_naive * 1e6 / (double)nr);
	printf("grid is %.0f times faster; %ld receivers with a shelter within the limit; %ld answers differ\n",
	       t_naive / (t_grid > 0 ? t_grid : 1e-9), found, differ);
	printf("guidance sentences     %8.1f ms\n", t_guide * 1e3);
	free(g);
	tc_shelter_near_free(x);
	free(sh);
	free(rx);
	return differ ? 1 : 0;
}
