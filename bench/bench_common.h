/* bench_common.h — timing and child processes for the benchmark programs. */
#ifndef TC_BENCH_COMMON_H
#define TC_BENCH_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time this thread has used, in seconds: not counting time the machine gave to others. */
static inline double bench_cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv with stdout and stderr to /dev/null; seconds taken, or -1 on
 * failure. *cpu (may be NULL): the CPU time the child used (user + system).
 */
static inline double bench_run_cpu(char *const argv[], double *cpu)
{
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return -1;
	if (cpu)
		*cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return bench_now() - t0;
}

static inline double bench_run(char *const argv[])
{
	return bench_run_cpu(argv, NULL);
}

/* Peak resident memory of this process in MiB. */
static inline double bench_peak_rss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

/*
 * The CAP 1.2 files the corpus lists in VERDICTS.tsv (file, version, schema
 * verdict, ...), as malloc'ed paths under corpus; only those whose schema
 * verdict is "pass" when valid_only. Returns their count (0 when the list
 * cannot be read).
 */
static inline size_t bench_corpus_files(const char *corpus, int valid_only, char **paths, size_t max)
{
	char path[1024], line[4096];
	snprintf(path, sizeof(path), "%s/VERDICTS.tsv", corpus);
	FILE *f = fopen(path, "r");
	size_t n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		char *file = strtok(line, "\t"), *ver = strtok(NULL, "\t"), *verdict = strtok(NULL, "\t");
		if (!file || !ver || strcmp(ver, "1.2") != 0 || (valid_only && (!verdict || strcmp(verdict, "pass") != 0)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", corpus, file);
		if ((paths[n] = strdup(path)))
			n++;
	}
	fclose(f);
	return n;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of n values (sorts v). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
