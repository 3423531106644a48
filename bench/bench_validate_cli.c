/*
 * bench_validate_cli.c — `tocsin validate` as a whole process beside
 * `xmllint --schema`, on the same files, in one run.
 *
 * What an operator or a script pays per call: process start, loading
 * libraries, compiling the schema, then checking. Each run starts one
 * `tocsin validate FILE...` and one `xmllint --noout --nonet --schema
 * cap-1.2.xsd FILE...` over every CAP 1.2 file the corpus lists as valid
 * (VERDICTS.tsv), back to back, the order alternating from run to run. The
 * ratio of each pair (xmllint's time over tocsin's: tocsin's speed as a
 * share of xmllint's) is printed, and their median, which the target is
 * judged on: at least 0.8x. Wall clock and CPU time (user + system of the
 * child) are both given.
 *
 * Usage: bench_validate_cli [--runs N] [--tocsin PATH] [--corpus DIR] [--schema XSD]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define MAX_FILES 1024

int main(int argc, char **argv)
{
	const char *corpus = TOCSIN_CORPUS_DIR, *schema = TOCSIN_SCHEMA, *tocsin = TOCSIN_CLI;
	int runs = 31;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tocsin"))
			tocsin = argv[i + 1];
		else if (!strcmp(argv[i], "--corpus"))
			corpus = argv[i + 1];
		else if (!strcmp(argv[i], "--schema"))
			schema = argv[i + 1];
	}
	if (runs < 1 || runs > 501)
		runs = 31;
	static char *paths[MAX_FILES];
	size_t n = bench_corpus_files(corpus, 1, paths, MAX_FILES);
	if (!n) {
		printf("SKIPPED: no valid CAP 1.2 files listed in %s/VERDICTS.tsv\n", corpus);
		return 77;
	}
	char **t_argv = calloc(n + 3, sizeof(*t_argv)), **x_argv = calloc(n + 6, sizeof(*x_argv));
	double *wall = calloc((size_t)runs, sizeof(double)), *cpu = calloc((size_t)runs, sizeof(double));
	if (!t_argv || !x_argv || !wall || !cpu)
		return 1;
	t_argv[0] = (char *)tocsin;
	t_argv[1] = "validate";
	char *x_head[] = { "xmllint", "--noout", "--nonet", "--schema", (char *)schema };
	memcpy(x_argv, x_head, sizeof(x_head));
	for (size_t i = 0; i < n; i++)
		t_argv[2 + i] = x_argv[5 + i] = paths[i];

	printf("bench_validate_cli: %zu valid CAP 1.2 files, one process per side per run, %d runs\n", n, runs);
	double t_best = 1e9, x_best = 1e9, t_sum = 0, x_sum = 0;
	for (int r = 0; r < runs; r++) {
		double tc = 0, xc = 0, tw, xw;
		if (r % 2) {
			xw = bench_run_cpu(x_argv, &xc);
			tw = bench_run_cpu(t_argv, &tc);
		} else {
			tw = bench_run_cpu(t_argv, &tc);
			xw = bench_run_cpu(x_argv, &xc);
		}
		if (tw < 0 || xw < 0) {
			printf("FAILED: %s could not be run\n", tw < 0 ? tocsin : "xmllint");
			return 1;
		}
		wall[r] = xw / tw;
		cpu[r] = xc / tc;
		t_best = tw < t_best ? tw : t_best;
		x_best = xw < x_best ? xw : x_best;
		t_sum += tw;
		x_sum += xw;
	}
	printf("  tocsin validate: best %.1f ms, mean %.1f ms (%.2f ms a file)\n", t_best * 1e3, t_sum / runs * 1e3,
	       t_sum / runs / (double)n * 1e3);
	printf("  xmllint --schema: best %.1f ms, mean %.1f ms\n", x_best * 1e3, x_sum / runs * 1e3);
	printf("  best of each side: %.2fx\n", x_best / t_best);
	double mw = bench_median(wall, runs), mc = bench_median(cpu, runs);
	printf("  median of the pairs: %.2fx by wall clock, %.2fx by CPU time (target: >= 0.8x): %s\n", mw, mc,
	       mw >= 0.8 ? "met" : "NOT met");
	return 0;
}
